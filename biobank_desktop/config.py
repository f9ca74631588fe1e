"""Per-workstation settings: which database, the workstation's name, its printers.

Stored as JSON in the user's config folder (platformdirs). The PostgreSQL password is never
written there: it lives in the operating system's keyring (``keyring``), or is asked at login
when no keyring is available.

``BIOBANK_CONFIG_DIR`` and ``BIOBANK_DATA_DIR`` move both folders (tests, portable installs);
``BIOBANK_DATABASE_URL`` overrides the database for one run.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import platformdirs

from biobank_desktop.core.domain.errors import ValidationError

APP_NAME = "BiobankDesktop"
KEYRING_SERVICE = "biobank-desktop"
ENV_DATABASE_URL = "BIOBANK_DATABASE_URL"


def config_dir() -> Path:
    return Path(os.environ.get("BIOBANK_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    return Path(os.environ.get("BIOBANK_DATA_DIR") or platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_sqlite_path() -> Path:
    return data_dir() / "biobank.sqlite"


SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


@dataclass
class DatabaseSettings:
    backend: str = "sqlite"  # "sqlite" | "postgresql"
    sqlite_path: str = ""  # empty: the default file in the data folder
    host: str = "localhost"
    port: int = 5432
    database: str = "biobank"
    user: str = ""
    sslmode: str = "prefer"

    def validate(self) -> None:
        if self.backend not in ("sqlite", "postgresql"):
            raise ValidationError(f"Unknown database type {self.backend!r}.")
        if self.backend == "postgresql":
            if not self.host.strip() or not self.database.strip() or not self.user.strip():
                raise ValidationError("A PostgreSQL connection needs a host, a database name and a user.")
            if not 1 <= int(self.port) <= 65535:
                raise ValidationError(f"Port {self.port} is not a valid port (1–65535).")
            if self.sslmode not in SSL_MODES:
                raise ValidationError(f"sslmode must be one of {', '.join(SSL_MODES)}.")

    def sqlite_file(self) -> Path:
        return Path(self.sqlite_path).expanduser() if self.sqlite_path else default_sqlite_path()

    def url(self, password: str | None = None) -> str:
        """The SQLAlchemy URL; the password is only put in when given (never stored)."""
        if self.backend == "sqlite":
            return f"sqlite+pysqlite:///{self.sqlite_file()}"
        auth = quote(self.user, safe="")
        if password:
            auth += ":" + quote(password, safe="")
        return (f"postgresql+psycopg://{auth}@{self.host.strip()}:{int(self.port)}/{quote(self.database.strip())}"
                f"?sslmode={self.sslmode}")

    def keyring_account(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.database}"


@dataclass
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    workstation_name: str = ""
    scan_sound: bool = True
    printers: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    #: Every database this workstation opened, by target (SQLite path or user@host:port/db): its identity,
    #: its file (device, inode) and whether this workstation created it. See core/services/identity.py.
    known_databases: dict[str, dict[str, Any]] = field(default_factory=dict)

    @staticmethod
    def path() -> Path:
        return config_dir() / "settings.json"

    @classmethod
    def load(cls) -> Settings:
        path = cls.path()
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            db = DatabaseSettings(**{k: v for k, v in raw.get("database", {}).items()
                                     if k in DatabaseSettings.__dataclass_fields__})
            return cls(database=db, workstation_name=str(raw.get("workstation_name", "")),
                       scan_sound=bool(raw.get("scan_sound", True)), printers=list(raw.get("printers", [])),
                       extra=dict(raw.get("extra", {})),
                       known_databases={str(k): dict(v) for k, v in raw.get("known_databases", {}).items()
                                        if isinstance(v, dict)})
        except (OSError, ValueError, TypeError) as exc:
            raise ValidationError(f"The settings file {path} is damaged ({exc}).",
                                  hint="Fix or delete it; the application then starts with default settings.") from exc

    def save(self) -> None:
        self.database.validate()
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        # A uniquely named temporary file, flushed to disk, then renamed over the old one: a crash or
        # a power cut leaves the old file or the new one, never half of one, and two programs saving
        # at the same moment (the window and the command line) do not write into each other's file.
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=".settings-",
                                         suffix=".tmp", delete=False) as tmp:
            tmp.write(json.dumps(asdict(self), indent=2, ensure_ascii=False))
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, path)


def get_password(db: DatabaseSettings) -> str | None:
    """The stored PostgreSQL password from the OS keyring, or None (no keyring, or nothing stored)."""
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(KEYRING_SERVICE, db.keyring_account())
        except KeyringError:
            return None
    except Exception:  # a broken keyring backend must not stop the application
        return None


def store_password(db: DatabaseSettings, password: str) -> bool:
    """Store the password in the OS keyring; False when no secure keyring is available (then it is asked)."""
    try:
        import keyring
        from keyring.backends import fail

        if isinstance(keyring.get_keyring(), fail.Keyring):
            return False
        keyring.set_password(KEYRING_SERVICE, db.keyring_account(), password)
        return True
    except Exception:
        return False


def resolve_database_url(explicit: str | None = None, settings: Settings | None = None,
                         password: str | None = None) -> str:
    """--database URL, else $BIOBANK_DATABASE_URL, else the saved setting, else the default SQLite file."""
    if explicit:
        return explicit
    env = os.environ.get(ENV_DATABASE_URL)
    if env:
        return env
    settings = settings or Settings.load()
    db = settings.database
    if db.backend == "postgresql" and password is None:
        password = get_password(db)
    return db.url(password)
