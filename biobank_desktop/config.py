"""Per-workstation settings: which database, the workstation's name, its printers.

Stored as JSON in the user's config folder (platformdirs). The PostgreSQL password is never
written there: it lives in the operating system's keyring (``keyring``), or is asked at login
when no keyring is available.

Settings are taken in this order, each later one overriding the earlier ones key by key (see
:meth:`Settings.load`): the defaults; the machine-wide file an administrator rolls out
(:func:`site_settings_path`); this user's file (:meth:`Settings.path`); then, for the database only,
``$BIOBANK_DATABASE_URL`` and ``--database`` (:func:`resolve_database_url`). Saving writes to the
user's file only what differs from the defaults and the machine-wide file, so a later change of the
machine-wide file reaches every user who did not change that value themselves.

``BIOBANK_CONFIG_DIR`` and ``BIOBANK_DATA_DIR`` move both per-user folders (tests, portable installs);
``BIOBANK_SITE_CONFIG`` names another machine-wide file; ``BIOBANK_DATABASE_URL`` overrides the
database for one run.
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
ENV_SITE_CONFIG = "BIOBANK_SITE_CONFIG"


def config_dir() -> Path:
    return Path(os.environ.get("BIOBANK_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    return Path(os.environ.get("BIOBANK_DATA_DIR") or platformdirs.user_data_dir(APP_NAME, appauthor=False))


def site_settings_path() -> Path:
    """The machine-wide settings file: ``$BIOBANK_SITE_CONFIG``, else ``settings.json`` in the system's
    configuration folder (Windows ``C:\\ProgramData\\BiobankDesktop``, macOS ``/Library/Application
    Support/BiobankDesktop``, Linux ``/etc/xdg/BiobankDesktop``, the first folder of ``$XDG_CONFIG_DIRS``)."""
    explicit = os.environ.get(ENV_SITE_CONFIG)
    if explicit:
        return Path(explicit)
    return Path(platformdirs.site_config_dir(APP_NAME, appauthor=False)) / "settings.json"


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
        """The defaults, overridden by the machine-wide file, overridden by this user's file (objects such as
        ``database`` key by key, lists such as ``printers`` as a whole). Each file is checked on its own: a
        ValidationError names the file at fault and says who can fix it."""
        site_path = site_settings_path()
        site = _read_settings_file(site_path, _SITE_HINT)
        if site is not None:
            cls.from_json(site, site_path, hint=_SITE_HINT)
        path = cls.path()
        mine = _read_settings_file(path, _SETTINGS_HINT)
        if mine is not None:
            cls.from_json(mine, path)
        return cls.from_json(_merged(site or {}, mine or {}), path)

    @classmethod
    def machine_wide(cls) -> Settings:
        """The defaults overridden by the machine-wide file alone (what this user's file is compared with)."""
        site_path = site_settings_path()
        site = _read_settings_file(site_path, _SITE_HINT)
        return cls() if site is None else cls.from_json(site, site_path, hint=_SITE_HINT)

    @classmethod
    def from_json(cls, raw: object, path: Path, *, hint: str | None = None) -> Settings:
        """Settings from the parsed JSON of ``path``, every value checked: ValidationError names the first
        key of the wrong type or value (a file edited by hand or by another program must not fail later,
        somewhere else, with no word of the file)."""
        top = _Checker(path, hint or _SETTINGS_HINT)
        root = top.mapping(raw, "")
        db_raw = top.mapping(root.get("database", {}), "database")
        defaults = DatabaseSettings()
        db = DatabaseSettings(
            backend=top.choice(db_raw.get("backend", defaults.backend), "database.backend", ("sqlite", "postgresql")),
            sqlite_path=top.text(db_raw.get("sqlite_path", defaults.sqlite_path), "database.sqlite_path"),
            host=top.text(db_raw.get("host", defaults.host), "database.host"),
            port=top.port(db_raw.get("port", defaults.port), "database.port"),
            database=top.text(db_raw.get("database", defaults.database), "database.database"),
            user=top.text(db_raw.get("user", defaults.user), "database.user"),
            sslmode=top.choice(db_raw.get("sslmode", defaults.sslmode), "database.sslmode", SSL_MODES),
        )
        printers = top.sequence(root.get("printers", []), "printers")
        for index, printer in enumerate(printers):
            entry = top.mapping(printer, f"printers[{index}]")
            for key, value in entry.items():
                if not isinstance(value, str | int | float | bool | None):
                    raise top.wrong(f"printers[{index}].{key}", value, "a text, a number or true/false")
        return cls(database=db, workstation_name=top.text(root.get("workstation_name", ""), "workstation_name"),
                   scan_sound=top.flag(root.get("scan_sound", True), "scan_sound"),
                   printers=[dict(p) for p in printers], extra=dict(top.mapping(root.get("extra", {}), "extra")),
                   known_databases={str(k): dict(v) for k, v in top.mapping(root.get("known_databases", {}),
                                                                            "known_databases").items()
                                    if isinstance(v, dict)})

    def own_values(self) -> dict[str, Any]:
        """What this user's file holds: the values that differ from the defaults and the machine-wide file."""
        return _difference(asdict(self), asdict(self.machine_wide()))

    def save(self) -> None:
        """Write this user's file (only :meth:`own_values`); ValidationError when the machine-wide file is broken
        (what differs from it cannot be told then)."""
        self.database.validate()
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        # A uniquely named temporary file, flushed to disk, then renamed over the old one: a crash or
        # a power cut leaves the old file or the new one, never half of one, and two programs saving
        # at the same moment (the window and the command line) do not write into each other's file.
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=".settings-",
                                         suffix=".tmp", delete=False) as tmp:
            tmp.write(json.dumps(self.own_values(), indent=2, ensure_ascii=False))
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, path)


_SETTINGS_HINT = ("Fix it (Settings in the application writes a correct one), or delete it: the application then "
                  "starts with default settings, and this workstation's printers must be added again.")


_SITE_HINT = ("This file is rolled out by your IT department for every user of this computer: ask them to "
              "correct it (README, 'For administrators'). The application cannot start correctly until then.")


def _read_settings_file(path: Path, hint: str) -> object | None:
    """The parsed JSON of ``path``; None when there is no such file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeError) as exc:
        raise ValidationError(f"The settings file {path} cannot be read ({exc}).", hint=hint) from exc
    try:
        parsed: object = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValidationError(f"The settings file {path} is damaged ({exc}).", hint=hint) from exc
    return parsed


def _merged(base: object, top: object) -> Any:
    """``top`` over ``base``: objects merged key by key (recursively), anything else replaced whole."""
    if isinstance(base, dict) and isinstance(top, dict):
        merged = dict(base)
        for key, value in top.items():
            merged[key] = _merged(base.get(key), value) if key in base else value
        return merged
    return top


def _difference(values: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The part of ``values`` that ``_merged(base, part)`` needs to give ``values`` back."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in base:
            out[key] = value
        elif isinstance(value, dict) and isinstance(base[key], dict):
            inner = _difference(value, base[key])
            if inner:
                out[key] = inner
        elif value != base[key]:
            out[key] = value
    return out


class _Checker:
    """Type checks of the values read from a settings file, each refusal naming its key."""

    def __init__(self, path: Path, hint: str) -> None:
        self.path = path
        self.hint = hint

    def wrong(self, key: str, value: object, expected: str) -> ValidationError:
        shown = json.dumps(value, ensure_ascii=False, default=str)
        shown = shown if len(shown) <= 60 else shown[:59] + "…"
        where = f'"{key}"' if key else "its content"
        return ValidationError(f"The settings file {self.path} is damaged: {where} must be {expected}, not {shown}.",
                               hint=self.hint)

    def mapping(self, value: object, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.wrong(key, value, "an object ({...})")
        return value

    def sequence(self, value: object, key: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.wrong(key, value, "a list ([...])")
        return value

    def text(self, value: object, key: str) -> str:
        if not isinstance(value, str):
            raise self.wrong(key, value, "a text in quotes")
        if "\x00" in value:
            raise self.wrong(key, value, "a text without NUL characters")
        return value

    def flag(self, value: object, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.wrong(key, value, "true or false")
        return value

    def choice(self, value: object, key: str, choices: tuple[str, ...]) -> str:
        if value not in choices:
            raise self.wrong(key, value, "one of " + ", ".join(f'"{c}"' for c in choices))
        return str(value)

    def port(self, value: object, key: str) -> int:
        if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
            value = int(value)  # "5432" written by hand: a number all the same
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
            raise self.wrong(key, value, "a port number from 1 to 65535")
        return value


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
