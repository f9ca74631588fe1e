"""The self-test's Qt-free checks (core/services/self_test.py): each passes on a good installation, and each
kind of fault ends in one FAILED line that says what happened and what to do, with a non-zero exit."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from biobank_desktop.core.services import self_test
from biobank_desktop.core.services.self_test import Check, SelfTestContext, run_checks, run_self_test
from tests.support.workstation import isolate_workstation

CORE_CHECKS = ("resources", "database", "demo data", "label PDF", "label ZPL", "spreadsheet", "settings",
               "workstation database")


@pytest.fixture
def workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolate_workstation(tmp_path, monkeypatch)


def _run(**kwargs: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_self_test(out, err, **kwargs)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


def test_every_check_passes_on_this_installation_and_says_what_it_checked(workstation: Path) -> None:
    code, out, err = _run(version="9.9")
    assert code == 0, err
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "Biobank Desktop 9.9 self-test" and lines[-1] == "Self-test passed."
    assert [line.split(":")[0].split(None, 1)[1] for line in lines[1:-1]] == list(CORE_CHECKS)
    assert all(line.startswith("ok      ") for line in lines[1:-1])
    assert "brought to schema" in out and "font embedded" in out and "read back identical" in out
    assert not (workstation / "data").exists(), "the self-test creates nothing in this user's folders"


def test_the_users_folders_are_out_of_reach_while_the_installation_is_checked(workstation: Path) -> None:
    seen: dict[str, str | None] = {}

    def look(_ctx: SelfTestContext) -> str:
        seen.update({name: os.environ.get(name) for name in ("BIOBANK_CONFIG_DIR", "BIOBANK_DATABASE_URL")})
        return "looked"

    ctx = SelfTestContext(workstation / "scratch")
    [result] = run_checks([Check("look", look)], ctx)
    assert result.status == "ok"
    assert seen == {"BIOBANK_CONFIG_DIR": str(workstation / "scratch" / "config"), "BIOBANK_DATABASE_URL": None}
    assert os.environ["BIOBANK_CONFIG_DIR"] == str(workstation / "config"), "restored afterwards"


def test_a_failed_check_skips_the_checks_that_need_it_and_the_exit_code_says_so(
        workstation: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_ctx: SelfTestContext) -> str:
        raise RuntimeError("migration 0003 is missing")

    monkeypatch.setattr(self_test, "check_database", broken)
    code, out, err = _run()
    assert code == 1
    assert "FAILED  database: RuntimeError: migration 0003 is missing. The installation is damaged" in err
    for name in ("demo data", "label PDF", "label ZPL"):
        assert f"skipped {name}: needs " in err
    assert "ok      spreadsheet" in out and "ok      settings" in out
    assert err.rstrip().endswith("Self-test FAILED: 4 check(s) did not pass (see above).")


def test_a_label_pdf_of_the_wrong_size_fails(workstation: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from biobank_desktop.core.services.labelling import LabellingService

    real = LabellingService.render

    def tiny(self: LabellingService, codes: list[str], template: str, fmt: str, **kw: object) -> bytes:
        return b"%PDF-1.4\n%%EOF\n" if fmt == "pdf" else real(self, codes, template, fmt, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(LabellingService, "render", tiny)
    code, out, err = _run()
    assert code == 1
    assert "FAILED  label PDF: The label PDF is wrong: its size, 15 bytes, is outside 3,000–2,000,000; " \
           "the shipped DejaVu font is not embedded." in err
    assert "ok      label ZPL" in out


def test_a_missing_resource_file_is_named(workstation: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from biobank_desktop.core import resources

    monkeypatch.setattr(resources, "resources_root", lambda: workstation / "nowhere")
    code, _out, err = _run()
    assert code == 1
    assert f"FAILED  resources: Resource file missing: {workstation / 'nowhere' / 'fonts'}" in err
    assert "reinstall" in err


def test_a_broken_machine_wide_settings_file_is_a_failed_line_naming_it(workstation: Path) -> None:
    site = workstation / "site" / "settings.json"
    site.parent.mkdir()
    site.write_text('{"database": {"backend": "oracle"}}', encoding="utf-8")
    code, _out, err = _run()
    assert code == 1
    assert f"FAILED  settings: The settings file {site} is damaged: \"database.backend\" must be one of" in err
    assert "IT department" in err
    assert "skipped workstation database: needs 'settings'" in err


def test_an_unreachable_database_is_a_failed_line(workstation: Path) -> None:
    code, out, err = _run(database_url="postgresql+psycopg://anna@127.0.0.1:1/biobank?connect_timeout=3")
    assert code == 1
    assert "FAILED  workstation database: The PostgreSQL server at anna@127.0.0.1:1/biobank cannot be reached." in err
    assert "ok      label PDF" in out, "the installation's own checks still ran"


class _ReadOnlyDisk:
    f_flag = os.ST_RDONLY


def test_a_read_only_data_folder_is_a_failed_line(workstation: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workstation / "data").mkdir()
    real = os.statvfs
    monkeypatch.setattr(os, "statvfs", lambda p: _ReadOnlyDisk() if str(p) == str(workstation / "data") else real(p))
    code, out, err = _run()
    assert code == 1
    assert (f"FAILED  workstation database: The SQLite database's folder, {workstation / 'data'}, is not writable: "
            "the disk or network share holding it is mounted read-only.") in err
    assert "BIOBANK_DATA_DIR" in err
    assert "ok      database" in out


def test_an_existing_sqlite_database_is_read_not_changed(workstation: Path, sqlite_url: str) -> None:
    before = Path(sqlite_url.split("///", 1)[1]).read_bytes()
    code, out, err = _run(database_url=sqlite_url)
    assert code == 0, err
    assert "workstation database: SQLite file" in out and "reached: at the current schema" in out
    assert Path(sqlite_url.split("///", 1)[1]).read_bytes() == before
