"""The self-test: is this installation complete and does this workstation's set-up work? No Qt here.

``biobank-desktop --self-test`` (and the window's ``--self-test``) run :func:`run_self_test`. It checks, in
order, printing one line per check (``ok`` on standard output, ``FAILED`` with what to do on standard error):

1. the installation itself, in a temporary folder that is deleted afterwards and with this user's folders
   out of reach: the resource files (label templates, fonts, SPREC tables, icons); a new SQLite database
   brought to the schema head by the shipped migrations; a little demonstration data (the demo generator);
   labels rendered to PDF and ZPL from that data (sizes and structure checked, nothing decoded: the bundle
   carries no test tools); an .xlsx written by the one spreadsheet writer and read back by the reader;
   then whatever the caller adds (the window adds "the main window opens offscreen");
2. this workstation: its settings files (the machine-wide one and this user's) and the database they name
   (reached and its schema read, nothing changed; the folder of an SQLite file must be writable).

A check whose prerequisite failed is reported as skipped. The exit code is 0 only when every check passed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import BiobankError, DatabaseReadOnlyError

if TYPE_CHECKING:
    from biobank_desktop.core.services import Services

EXIT_PASSED = 0
EXIT_FAILED = 1
#: Demonstration rows the self-test creates (primary tubes and aliquots): enough for a few labels.
DEMO_SAMPLES = 24
LABELS = 3
#: A label PDF embeds the DejaVu font subset: far above this; an empty or fontless page is far below.
MIN_PDF_BYTES = 3_000
MAX_PDF_BYTES = 2_000_000
#: Environment variables that point the application at this user's folders and databases.
_USER_ENV = ("BIOBANK_CONFIG_DIR", "BIOBANK_DATA_DIR", "BIOBANK_DATABASE_URL", "BIOBANK_SITE_CONFIG")


@dataclass
class SelfTestContext:
    """What the checks share: the temporary folder, then what the earlier checks made."""

    folder: Path
    database_url: str | None = None  # the workstation's database: --database, else as configured
    services: Services | None = None  # once "database" passed
    actor: Actor | None = None
    sample_codes: list[str] = field(default_factory=list)

    def built_services(self) -> Services:
        assert self.services is not None, "the database check builds the services first"
        return self.services


@dataclass(frozen=True)
class Check:
    """One check: ``run`` returns what it verified (one line) or raises; ``needs`` names earlier checks."""

    name: str
    run: Callable[[SelfTestContext], str]
    needs: tuple[str, ...] = ()
    isolated: bool = True  # runs with this user's folders and databases out of reach


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str  # "ok" | "FAILED" | "skipped"
    detail: str
    seconds: float = 0.0


class SelfTestError(BiobankError):
    """A check found the installation or the workstation not as it should be."""


# -- the installation ----------------------------------------------------------------------------------------


def check_resources(_ctx: SelfTestContext) -> str:
    from biobank_desktop.core.resources import resource_path, resources_root

    wanted = [("fonts", "DejaVuSansCondensed.ttf"), ("fonts", "DejaVuSansCondensed-Bold.ttf"),
              ("reference", "sprec", "v3.json"), ("label_templates", "cryovial-25x13.json"),
              ("icons", "biobank-desktop.svg")]
    for parts in wanted:
        resource_path(*parts)  # FileNotFoundError names the file and says to reinstall
    templates = len(list(resource_path("label_templates").glob("*.json")))
    return f"{len(wanted)} key files and {templates} label templates in {resources_root()}"


def check_database(ctx: SelfTestContext) -> str:
    from biobank_desktop.core.db import schema
    from biobank_desktop.core.services import build_services, open_database

    path = ctx.folder / "self-test.sqlite"
    db = open_database(f"sqlite+pysqlite:///{path}")
    services = build_services(db, workstation="self-test")
    ctx.services = services
    services.system.upgrade()
    status = schema.schema_status(db)
    if not status.at_head:
        raise SelfTestError(f"The migrations stopped at {status.current}, not at {status.head}.",
                            hint="The installation is incomplete: reinstall Biobank Desktop.")
    migrations = len(list((schema.MIGRATIONS_DIR / "versions").glob("*.py")))
    return f"new SQLite database brought to schema {status.head} by {migrations} migrations"


def check_demo(ctx: SelfTestContext) -> str:
    from biobank_desktop.core.services.demo import generate_demo
    from biobank_desktop.core.services.queries import SampleCriteria

    services = ctx.built_services()
    actor = Actor.system("self-test", services.workstation)
    report = generate_demo(services.db, actor, DEMO_SAMPLES, until=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    ctx.actor = actor
    rows = services.queries.rows(services.queries.search_ids(SampleCriteria(), limit=LABELS))
    ctx.sample_codes = [row.sample_code for row in rows]
    if len(ctx.sample_codes) < LABELS or report.samples != DEMO_SAMPLES:
        raise SelfTestError(f"The demonstration data holds {report.samples} samples, not {DEMO_SAMPLES}.")
    return (f"{report.samples} samples ({report.primary_samples} primary tubes, {report.aliquots} aliquots), "
            f"{report.participants} participants, {report.boxes} boxes")


def check_label_pdf(ctx: SelfTestContext) -> str:
    services = ctx.built_services()
    pdf = services.labelling.render(ctx.sample_codes, "a4-sheet-38x21", "pdf")
    (ctx.folder / "labels.pdf").write_bytes(pdf)
    problems = []
    if not pdf.startswith(b"%PDF-") or b"%%EOF" not in pdf[-64:]:
        problems.append("it is not a complete PDF")
    if not MIN_PDF_BYTES <= len(pdf) <= MAX_PDF_BYTES:
        problems.append(f"its size, {len(pdf):,} bytes, is outside {MIN_PDF_BYTES:,}–{MAX_PDF_BYTES:,}")
    if b"DejaVu" not in pdf:
        problems.append("the shipped DejaVu font is not embedded")
    if problems:
        raise SelfTestError(f"The label PDF is wrong: {'; '.join(problems)}.", hint=_REINSTALL)
    return f"{len(ctx.sample_codes)} labels on an A4 sheet, {len(pdf):,} bytes, font embedded"


def check_label_zpl(ctx: SelfTestContext) -> str:
    services = ctx.built_services()
    zpl = services.labelling.render(ctx.sample_codes, "cryovial-25x13", "zpl", dpi=300).decode("utf-8")
    problems = []
    if zpl.count("^XA") != len(ctx.sample_codes) or zpl.count("^XZ") != len(ctx.sample_codes):
        problems.append(f"{zpl.count('^XA')} labels instead of {len(ctx.sample_codes)}")
    if "^BX" not in zpl:
        problems.append("no DataMatrix field (^BX)")
    missing = [code for code in ctx.sample_codes if code not in zpl]
    if missing:
        problems.append(f"sample ID {missing[0]} is not printed")
    if not 100 * len(ctx.sample_codes) <= len(zpl) <= 20_000 * len(ctx.sample_codes):
        problems.append(f"its size, {len(zpl):,} bytes, is implausible")
    if problems:
        raise SelfTestError(f"The ZPL labels are wrong: {'; '.join(problems)}.", hint=_REINSTALL)
    return f"{len(ctx.sample_codes)} cryovial labels for 300 dpi, {len(zpl):,} bytes, DataMatrix and IDs present"


_SHEET_ROWS: tuple[tuple[str, float, str], ...] = (
    ("BB-2026-000001", 500.0, "Plasma, EDTA"),
    ("BB-2026-000002", 250.5, "=not a formula"),
    ("0012345", 1.0, "µl – Ünïcödé"),
)


def check_spreadsheet(ctx: SelfTestContext) -> str:
    from biobank_desktop.core.spreadsheets.reading import open_spreadsheet, read_sheet
    from biobank_desktop.core.spreadsheets.writer import Column, SheetSpec, write_table

    path = ctx.folder / "self-test.xlsx"
    columns = [Column("Sample ID"), Column("Volume (µl)", "number"), Column("Note")]
    write_table(path, SheetSpec("Samples", columns, [list(row) for row in _SHEET_ROWS]))
    sheet = read_sheet(open_spreadsheet(path), "Samples")
    expected = [[c.header for c in columns], *[list(row) for row in _SHEET_ROWS]]
    got = [list(row) for row in sheet.rows]
    if got != expected:
        raise SelfTestError(f"The workbook read back differs from what was written: {got!r}.", hint=_REINSTALL)
    return f"{len(_SHEET_ROWS)} rows written to .xlsx and read back identical ({path.stat().st_size:,} bytes)"


_REINSTALL = "The installation is damaged or incomplete: reinstall Biobank Desktop, then run the self-test again."


# -- this workstation ----------------------------------------------------------------------------------------


def check_settings(_ctx: SelfTestContext) -> str:
    from biobank_desktop.config import Settings, site_settings_path

    Settings.load()  # ValidationError names the file at fault and who can fix it
    site, mine = site_settings_path(), Settings.path()
    return (f"machine-wide {site} ({'read' if site.exists() else 'none'}), "
            f"this user's {mine} ({'read' if mine.exists() else 'none'})")


def check_configured_database(ctx: SelfTestContext) -> str:
    """The workstation's database is reachable and readable; nothing in it is changed (no upgrade)."""
    from urllib.parse import urlsplit

    from biobank_desktop.config import data_dir, resolve_database_url

    url = ctx.database_url or resolve_database_url()
    scheme = urlsplit(url).scheme
    if scheme.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        target = make_url(url).database or ""
        if target in ("", ":memory:"):
            return "an in-memory SQLite database (nothing to check)"
        path = Path(target)
        require_writable_folder(path.parent, what="the SQLite database's folder")
        if not path.exists():
            return f"SQLite file {path} does not exist yet: it is created at the first start (folder writable)"
        return _read_schema(url, f"SQLite file {path}")
    require_writable_folder(data_dir(), what="the data folder (logs, exports)")
    what = f"{scheme.split('+')[0]} {_shown(url)}"
    try:
        return _read_schema(url, what)
    except BiobankError as exc:
        no_password = ":" not in urlsplit(url).netloc.rpartition("@")[0]
        if no_password and "password" in exc.message.lower():  # reached: it wants the password asked at login
            return f"{what} reached; it asks for a password (none stored here: it is asked at login)"
        raise


def _read_schema(url: str, what: str) -> str:
    from biobank_desktop.core.db import schema
    from biobank_desktop.core.services import open_database

    db = open_database(url)
    try:
        status = schema.schema_status(db)  # DatabaseUnavailableError says what is wrong, in plain words
    finally:
        db.dispose()
    state = ("empty (set up at the first start)" if status.is_empty else
             "at the current schema" if status.at_head else f"at schema {status.current} (upgraded at start)")
    return f"{what} reached: {state}"


def _shown(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    user = parts.netloc.rpartition("@")[0].split(":", 1)[0]
    return f"{user + '@' if user else ''}{host}{parts.path}"


def require_writable_folder(folder: Path, *, what: str) -> None:
    """Raise DatabaseReadOnlyError when ``folder`` (or, while it does not exist, the folder it would be created
    in) cannot be written to: its disk is mounted read-only, or a file written there as a probe is refused.
    Nothing is left behind. The start-up calls it for the folder of an SQLite database, the self-test too."""
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    why = ""
    try:
        if os.statvfs(existing).f_flag & os.ST_RDONLY:
            why = "the disk or network share holding it is mounted read-only"
    except (OSError, AttributeError):  # AttributeError: no statvfs on Windows
        pass
    if not why:
        probe = existing / f".biobank-write-test-{uuid.uuid4().hex}"
        try:
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            why = f"your account may not write there ({exc.strerror or exc})"
    if why:
        raise DatabaseReadOnlyError(
            f"{what[0].upper()}{what[1:]}, {folder}, is not writable: {why}.",
            hint="Ask IT to give your account the right to write there, then Retry; or use another place: "
                 "Switch database (Settings → Database), or BIOBANK_DATA_DIR for the data folder.", why=why)


# -- running -------------------------------------------------------------------------------------------------


def standard_checks(window: Check | None = None) -> list[Check]:
    """The checks in their order; ``window`` (from the GUI side) runs after the installation's checks."""
    checks = [
        Check("resources", check_resources),
        Check("database", check_database),
        Check("demo data", check_demo, needs=("database",)),
        Check("label PDF", check_label_pdf, needs=("demo data",)),
        Check("label ZPL", check_label_zpl, needs=("demo data",)),
        Check("spreadsheet", check_spreadsheet),
    ]
    if window is not None:
        checks.append(window)
    checks += [
        Check("settings", check_settings, isolated=False),
        Check("workstation database", check_configured_database, needs=("settings",), isolated=False),
    ]
    return checks


@contextlib.contextmanager
def isolated_environment(folder: Path) -> Iterator[None]:
    """This user's folders and databases replaced by ones inside ``folder`` (restored afterwards)."""
    saved = {name: os.environ.get(name) for name in _USER_ENV}
    os.environ["BIOBANK_CONFIG_DIR"] = str(folder / "config")
    os.environ["BIOBANK_DATA_DIR"] = str(folder / "data")
    os.environ["BIOBANK_SITE_CONFIG"] = str(folder / "site-settings.json")
    os.environ.pop("BIOBANK_DATABASE_URL", None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_checks(checks: Sequence[Check], ctx: SelfTestContext) -> Iterator[CheckResult]:
    """Run ``checks`` in order; a check whose prerequisite did not pass is skipped."""
    passed: set[str] = set()
    for check in checks:
        missing = [name for name in check.needs if name not in passed]
        if missing:
            yield CheckResult(check.name, "skipped", f"needs '{missing[0]}', which did not pass")
            continue
        started = time.perf_counter()
        try:
            with isolated_environment(ctx.folder) if check.isolated else contextlib.nullcontext():
                detail = check.run(ctx)
        except BiobankError as exc:
            yield CheckResult(check.name, "FAILED", exc.message + (f" {exc.hint}" if exc.hint else ""),
                              time.perf_counter() - started)
            continue
        except Exception as exc:  # the point of a self-test: any fault is a finding, said in one line
            text = str(exc) if isinstance(exc, FileNotFoundError) else f"{exc.__class__.__name__}: {exc}."
            if "reinstall" not in text:
                text += " " + _REINSTALL
            yield CheckResult(check.name, "FAILED", text, time.perf_counter() - started)
            continue
        passed.add(check.name)
        yield CheckResult(check.name, "ok", detail, time.perf_counter() - started)


def run_self_test(out: TextIO, err: TextIO, *, window: Check | None = None, database_url: str | None = None,
                  version: str = "") -> int:
    """Run every check, print one line each; EXIT_PASSED when all passed, else EXIT_FAILED."""
    print(f"Biobank Desktop {version} self-test".replace("  ", " "), file=out, flush=True)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="biobank-self-test-") as tmp:
        ctx = SelfTestContext(Path(tmp), database_url=database_url)
        try:
            for result in run_checks(standard_checks(window), ctx):
                line = f"{result.status:<8}{result.name}: {result.detail}"
                if result.status == "ok":
                    print(f"{line} ({result.seconds:.1f} s)", file=out, flush=True)
                else:
                    failed += 1
                    print(line, file=err, flush=True)
        finally:
            if ctx.services is not None:
                ctx.built_services().close()
    if failed:
        print(f"Self-test FAILED: {failed} check(s) did not pass (see above).", file=err, flush=True)
        return EXIT_FAILED
    print("Self-test passed.", file=out, flush=True)
    return EXIT_PASSED

