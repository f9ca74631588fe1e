"""The one free-text rule (issue 7, item 4): what it refuses, what it keeps, and the limits per field."""

from __future__ import annotations

import pytest

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.text import (
    MAX_REASON_LENGTH,
    checked_reason,
    checked_text,
    optional_text,
    sanitized_text,
)

HOSTILE = {
    "NUL": "ok\x00",
    "escape sequence": "\x1b[2J\x1b[31mall fine",
    "bell": "ok\x07",
    "bidi override": "reason \u202eevil\u202c",
    "bidi isolate": "a\u2066b\u2069",
    "right-to-left mark": "a\u200fb",
    "zero-width space": "tube\u200bcracked",
    "zero-width joiner": "a\u200db",
    "byte order mark": "\ufeffreason",
    "line separator": "one\u2028two",
    "invalid UTF-8 kept as a surrogate": b"caf\xe9".decode("utf-8", "surrogateescape"),
    "private use": "a\ue000b",
    "soft hyphen": "a\u00adb",
}


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_characters_are_refused_with_a_message(value: str) -> None:
    for check in (lambda v: checked_text(v, "The note", 10_000, multiline=True), checked_reason):
        with pytest.raises(ValidationError) as caught:
            check(value)
        message = str(caught.value)
        assert "The " in message and ("invisible" in message or "not valid text" in message
                                      or "private-use" in message or "escape" in message)


def test_newlines_only_where_the_field_has_lines() -> None:
    assert checked_text(" line one\r\nline two\rthree\tfour ", "The note", 100, multiline=True) == \
        "line one\nline two\nthree\tfour"
    with pytest.raises(ValidationError, match="line break is not allowed"):
        checked_reason("tube cracked\nand more")


def test_each_field_has_its_length_limit() -> None:
    assert checked_reason("x" * MAX_REASON_LENGTH) == "x" * MAX_REASON_LENGTH
    with pytest.raises(ValidationError, match="at most 500 fit") as caught:
        checked_reason("x" * 100_000)
    assert len(str(caught.value)) < 200, "the message does not repeat the text"
    with pytest.raises(ValidationError, match="at most 40 fit"):
        checked_text("x" * 41, "The version", 40)


def test_ordinary_text_in_any_script_is_kept() -> None:
    for text in ("Tube fissuré à −80 °C", "Probe hämolysiert (Ø 2 mm)", "ΔT > 5 µl", "样本溶血", "مصل",
                 "50% haemolysed; rack_1", "O'Brien-Smith"):
        assert checked_reason(f"  {text} ") == text


def test_a_required_reason_names_what_is_missing() -> None:
    with pytest.raises(ValidationError, match="Give a reason for the reprint"):
        checked_reason("   ", missing="Give a reason for the reprint.")
    assert optional_text(None, "The city", 100) is None
    assert optional_text("  ", "The city", 100) is None


def test_a_devices_message_is_kept_readable_and_bounded() -> None:
    raw = "Zebra-1: \x1b[31mhead open\x00\r\nmedia out \u202e" + "x" * 5000
    kept = sanitized_text(raw, 200)
    assert kept.startswith("Zebra-1: \ufffd[31mhead open\ufffd media out \ufffd")
    assert len(kept) == 200 and kept.endswith("…")
    assert sanitized_text("printer off", 200) == "printer off"
