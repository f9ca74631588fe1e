"""The one rule for free text (reasons, names, notes, comments) and scanned codes, before they reach the database.

Both backends must refuse the same things with the same message: PostgreSQL rejects a value longer
than its column and a NUL character, SQLite silently stores either. And what is kept in the
append-only audit trail is kept for ever, so text that would mislead whoever reads it later is
refused at the door: control characters (NUL, a terminal's escape sequences, a scanner's stray GS;
newlines and tabs only in multi-line fields), characters that reverse the direction of the text
around them (bidi overrides: "reason: ok" that displays as something else), invisible zero-width
and other formatting characters, line separators in disguise, private-use characters, and bytes
that were not valid UTF-8 (which Python keeps as lone surrogates). Each field has its own length
limit (the ``MAX_*`` constants below); a reason is always one line.

Every service that takes free text calls :func:`checked_text` (or :func:`checked_reason`).
"""

from __future__ import annotations

import unicodedata

from biobank_desktop.core.domain.errors import ValidationError

# Length limits per kind of field, in characters.
MAX_REASON_LENGTH = 500  # why a status changed, a label was reprinted, an account deactivated ...
MAX_NAME_LENGTH = 200  # a person's, study's or site's name
MAX_SHORT_TEXT_LENGTH = 100  # a city, a programme, a printer's message summary
MAX_NOTE_LENGTH = 10_000  # multi-line notes and descriptions
MAX_MESSAGE_LENGTH = 1_000  # a printer's or spooler's error message kept on a print job

# Direction controls: embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the marks.
_BIDI = {*(chr(c) for c in range(0x202A, 0x202F)), *(chr(c) for c in range(0x2066, 0x206A)), "\u200e", "\u200f",
         "\u061c"}
_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u180e"}


def _refusal(char: str, what: str) -> str | None:
    """Why ``char`` may not be in free text, or None when it may."""
    category = unicodedata.category(char)
    code = f"U+{ord(char):04X}"
    if category == "Cc":
        if char == "\x1b":
            return f"{what} contains an escape sequence (an invisible control character, code 27)."
        return f"{what} contains an invisible control character (code {ord(char)})."
    if char in _BIDI:
        return f"{what} contains an invisible character that changes the direction of the text ({code})."
    if char in _ZERO_WIDTH:
        return f"{what} contains an invisible zero-width character ({code})."
    if category == "Cs":
        return f"{what} contains bytes that are not valid text (not UTF-8)."
    if category in ("Cf", "Zl", "Zp"):
        return f"{what} contains an invisible formatting character ({code})."
    if category == "Co":
        return f"{what} contains a private-use character with no agreed meaning ({code})."
    return None


def checked_text(value: str, what: str, max_length: int, *, multiline: bool = False, required: bool = False,
                 missing: str | None = None) -> str:
    """``value`` stripped (line ends made ``\\n`` in multi-line fields); ValidationError naming ``what`` when it
    is empty (if ``required``; the message ``missing`` if given), too long, or holds a character the module
    docstring lists. The same on SQLite and PostgreSQL."""
    text = value.strip()
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if required and not text:
        raise ValidationError(missing or f"{what} is empty.")
    allowed = {"\n", "\t"} if multiline else set()
    for char in text:
        if char in allowed:
            continue
        problem = _refusal(char, what)
        if problem is not None:
            hint = "Type it again (a line break is not allowed here)." if char in "\n\r" else "Type or scan it again."
            raise ValidationError(problem, hint=hint)
    if len(text) > max_length:
        raise ValidationError(f"{what} is {len(text):,} characters long; at most {max_length:,} fit.",
                              hint="Shorten it. If it was scanned: was something scanned twice?")
    return text


def checked_reason(value: str, missing: str = "Give a reason: it is kept in the audit trail.",
                   what: str = "The reason") -> str:
    """A reason kept in the audit trail: required, one line, at most :data:`MAX_REASON_LENGTH` characters."""
    return checked_text(value, what, MAX_REASON_LENGTH, required=True, missing=missing)


def optional_text(value: str | None, what: str, max_length: int, *, multiline: bool = False) -> str | None:
    """:func:`checked_text` for a field that may be absent: None stays None, blank becomes None."""
    if value is None:
        return None
    return checked_text(value, what, max_length, multiline=multiline) or None


def sanitized_text(value: str, max_length: int) -> str:
    """Text that comes from a device or a library, not a person (a printer's or spooler's error message): kept,
    with every character :func:`checked_text` would refuse shown as U+FFFD and line breaks as spaces, cut to
    ``max_length`` characters. It is nobody's input to send back, but it lands in the audit trail too."""
    cleaned = "".join(" " if char in "\r\n\t" else ("\ufffd" if _refusal(char, "") else char) for char in value)
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= max_length else cleaned[:max_length - 1] + "…"
