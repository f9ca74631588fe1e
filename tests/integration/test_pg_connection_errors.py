"""PostgreSQL connection faults told apart (issue 7): before, a missing role, a refused password and an
unsupported sslmode all read "cannot be reached", sending people to check cables."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from biobank_desktop.core.db.engine import Database, describe, password_in_url_warning, translate_error
from biobank_desktop.core.domain.errors import DatabaseUnavailableError
from tests.conftest import PG_ADMIN_URL, require_pg


def _url(**changes: object) -> str:
    return sa.make_url(PG_ADMIN_URL).set(**changes).render_as_string(hide_password=False)


def _message(url: str) -> str:
    db = Database(url)
    try:
        with pytest.raises(DatabaseUnavailableError) as caught:
            db.ping()
    finally:
        db.dispose()
    return str(caught.value)


@pytest.mark.postgres
def test_each_connection_fault_says_what_it_is() -> None:
    require_pg()
    messages = {
        "missing role": _message(_url(username="no_such_role_x")),
        "sslmode unsupported": _message(_url(query={"sslmode": "require"})),
        "sslmode unknown": _message(_url(query={"sslmode": "bogus"})),
        "missing database": _message(_url(database="no_such_database_x")),
        "unreachable": _message(_url(port=1)),
    }
    assert "has no login role named no_such_role_x" in messages["missing role"]
    assert "does not offer an encrypted (SSL) connection" in messages["sslmode unsupported"]
    assert "sslmode PostgreSQL does not know" in messages["sslmode unknown"]
    assert "does not exist on the server" in messages["missing database"]
    assert "cannot be reached" in messages["unreachable"]
    reached = [kind for kind, text in messages.items() if "cannot be reached" in text]
    assert reached == ["unreachable"], messages


def test_a_refused_password_is_not_called_unreachable() -> None:
    """The test server trusts every local login, so the driver's message is given as the server sends it."""
    raw = psycopg.OperationalError('connection failed: connection to server at "10.0.0.5", port 5432 failed: '
                                   'FATAL:  password authentication failed for user "biobank"')
    error = translate_error(OperationalError("connect", {}, raw), describe("postgresql+psycopg://biobank@db/bb"))
    assert error is not None and "refused the user name or password" in str(error)


def test_a_password_inside_the_url_is_warned_about() -> None:
    warning = password_in_url_warning("postgresql+psycopg://biobank:s3cret@db.example/biobank")
    assert warning is not None and "process list" in warning and "PGPASSFILE" in warning
    assert "s3cret" not in warning
    assert password_in_url_warning("postgresql+psycopg://biobank@db.example/biobank") is None
    assert password_in_url_warning("sqlite+pysqlite:////tmp/x.sqlite") is None
    assert password_in_url_warning("not a url at all") is None
