"""Every service that takes free text applies the one rule, alike on SQLite and PostgreSQL (issue 7, item 4).

Before: reasons took 100 kB, escape sequences, newlines, bidi overrides and zero-width characters, and
NUL on SQLite only (PostgreSQL refused it), and kept them in the append-only trail for ever.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import AuthenticationError, ValidationError
from biobank_desktop.core.domain.roles import Role
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.samples import NewSample
from tests.conftest import make_user

HOSTILE = {
    "NUL": "fine\x00",
    "escape": "\x1b[2Jall fine",
    "newline": "cracked\nApproved by the director",
    "bidi": "ok \u202edevorppa\u202c",
    "zero-width": "tube\u200bcracked",
    "100 kB": "x" * 100_000,
    "not UTF-8": b"caf\xe9".decode("utf-8", "surrogateescape"),
}


def _calls(services: Services, admin: Actor, tom: Actor, code: str, consent: int
           ) -> dict[str, Callable[[str], object]]:
    s = services
    return {
        "status change reason": lambda t: s.samples.change_status(admin, code, "quarantined", t),
        "SPREC override reason": lambda t: s.samples.override_sprec(admin, code, "SER", t),
        "sample notes": lambda t: s.samples.update_notes(admin, code, t.replace("\n", "\x0b")),
        "new sample notes": lambda t: s.samples.register(admin, NewSample("COLON", "SER",
                                                                          notes=t.replace("\n", "\x0b"))),
        "deactivation reason": lambda t: s.accounts.set_active(admin, tom.username, False, t),
        "role change reason": lambda t: s.accounts.set_role(admin, tom.username, Role.SUPERVISOR, t),
        "full name": lambda t: s.accounts.add_user(admin, "newbie", t, Role.TECHNICIAN, "correct-horse-42"),
        "withdrawal reason": lambda t: s.participants.withdraw_consent(admin, consent, dt.date.today(), t),
        "consent scope": lambda t: s.participants.record_consent(admin, "COLON", "COL-0001", version="v1", scope=t,
                                                                signed_on=dt.date(2026, 1, 2)),
        "study name": lambda t: s.reference.add_study(admin, "NEWSTUDY", t, "Programme"),
        "study description": lambda t: s.reference.add_study(admin, "NEWSTUDY", "A study", "Programme",
                                                             t.replace("\n", "\x0b")),
        "site name": lambda t: s.reference.add_site(admin, "NEWSITE", t),
        "site city": lambda t: s.reference.add_site(admin, "NEWSITE", "A site", t),
        "reprint reason": lambda t: s.labelling.reprint(admin, [code], t),
        "cancel reason": lambda t: s.labelling.cancel_job(admin, 1, t),
        "template deletion reason": lambda t: s.labelling.delete_template(admin, "no-such-template", t),
    }


@pytest.fixture
def setting(services: Services, admin: Actor) -> tuple[Actor, str, int]:
    tom = make_user(services, "tom", Role.TECHNICIAN)
    code = services.samples.register(admin, NewSample("COLON", "SER", participant="COL-0001",
                                                      volume_ul=Decimal(500))).value
    consent = services.participants.record_consent(admin, "COLON", "COL-0001", version="v1", scope="all research",
                                                   signed_on=dt.date(2026, 1, 2)).value
    return tom, code, consent


@pytest.mark.parametrize("kind", HOSTILE)
def test_every_free_text_field_refuses_hostile_text_and_saves_nothing(
        services: Services, admin: Actor, setting: tuple[Actor, str, int], kind: str) -> None:
    tom, code, consent = setting
    value = HOSTILE[kind]
    before = services.audit.last_seq()
    accepted, messages = [], []
    for field, call in _calls(services, admin, tom, code, consent).items():
        try:
            call(value)
        except ValidationError as exc:
            messages.append(str(exc))
        else:
            accepted.append(field)
    assert accepted == [], f"{kind!r} was accepted in: {accepted}"
    assert all(len(m) < 400 for m in messages), "a message repeats the text"
    assert services.audit.last_seq() == before, "nothing was written"


def test_ordinary_text_still_goes_through(services: Services, admin: Actor, setting: tuple[Actor, str, int]) -> None:
    tom, code, _consent = setting
    services.samples.change_status(admin, code, "quarantined", "Tube fissuré à −80 °C, 50% haemolysed")
    services.accounts.set_role(admin, tom.username, Role.SUPERVISOR, "Übernimmt die Nachtschicht")
    history = services.audit.history(admin, "sample", code)
    assert history[-1].reason == "Tube fissuré à −80 °C, 50% haemolysed"


def test_a_password_that_is_not_valid_text_is_a_message_not_a_traceback(services: Services, admin: Actor) -> None:
    bad = b"pass\xffword-long".decode("utf-8", "surrogateescape")
    with pytest.raises(ValidationError, match="not valid text"):
        services.accounts.add_user(admin, "newbie", "New Bie", Role.TECHNICIAN, bad)
    with pytest.raises(AuthenticationError, match="Wrong user name or password"):
        services.accounts.authenticate(admin.username, bad)
