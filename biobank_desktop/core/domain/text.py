"""Checking free text and scanned codes before they reach the database.

Both backends must refuse the same things with the same message: PostgreSQL rejects a value longer
than its column and a NUL character, SQLite silently stores either. So the services check here.
"""

from __future__ import annotations

import unicodedata

from biobank_desktop.core.domain.errors import ValidationError


def checked_text(value: str, what: str, max_length: int, *, multiline: bool = False, required: bool = False) -> str:
    """``value`` stripped; ValidationError naming ``what`` when it is empty (if required), too long, or
    holds an invisible control character (a scanner's stray GS or NUL, a pasted escape)."""
    text = value.strip()
    if required and not text:
        raise ValidationError(f"{what} is empty.")
    allowed = {"\n", "\t"} if multiline else set()
    for char in text:
        if char not in allowed and unicodedata.category(char) == "Cc":
            raise ValidationError(f"{what} contains an invisible control character (code {ord(char)}).",
                                  hint="Type or scan it again.")
    if len(text) > max_length:
        raise ValidationError(f"{what} is {len(text)} characters long; at most {max_length} fit.",
                              hint="Check it: was something scanned twice?")
    return text
