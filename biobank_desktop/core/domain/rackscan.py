"""Rack-scanner files: recognise the format, read every well, refuse what cannot be trusted.

A 2D rack scanner (Ziath DataPaq, FluidX/Azenta, Micronic) reads the DataMatrix under every tube of
an SBS rack and writes one line per well: rack code (not always), position (``A1``, ``A01``, ``A/01``
or a row and a column apart), and the tube code or a marker for an empty well or a failed read. The
markers and the column layout are configurable in the vendors' software, so each instrument is a
:class:`ScanProfile`; :data:`BUILTIN_PROFILES` covers the usual exports and a site adds its own with
:func:`profile_from_dict`.

:func:`read_rackscan` gives a plain :class:`RackScanFile`, or raises ValidationError naming every
problem found (up to a handful): an unknown format, a truncated last line, a line with the wrong
number of fields, two rack codes in one file, the same tube code in two wells. Positions are checked
against the rack's layout once the rack is known: :func:`locate_wells` (a position that does not
exist, the same position twice). Tube codes stay text: leading zeros are part of the code.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.positions import BoxLayout

_SHOWN_PROBLEMS = 5
_GENERIC_POSITION_RE = re.compile(r"[A-Za-z]{1,2}\s*[/\-:.]?\s*[0-9]{1,3}")
_GENERIC_AXIS_RE = re.compile(r"[A-Za-z]{1,2}|[0-9]{1,3}")


class WellState(enum.Enum):
    TUBE = "tube"
    EMPTY = "empty"
    UNREADABLE = "unreadable"  # a tube is there but its code was not read: never an empty well


@dataclass(frozen=True)
class ScanProfile:
    """How one instrument writes its file.

    Field indexes count from 0, or from the end when negative (``split_from_right``: the first field may
    hold unquoted delimiters, as the DataPaq date does). Either ``position_field`` or both ``row_field``
    and ``column_field`` are set. ``header``: the header cells (compared without case and blanks), or
    None for a headerless file recognised by the shape of its lines. Markers compare without case.
    """

    name: str
    description: str
    field_count: int
    tube_field: int
    position_field: int | None = None
    row_field: int | None = None
    column_field: int | None = None
    rack_field: int | None = None
    header: tuple[str, ...] | None = None
    delimiter: str = ","
    split_from_right: bool = False
    empty_markers: tuple[str, ...] = ("EMPTY", "No Tube", "NOTUBE")
    failed_markers: tuple[str, ...] = ("NO READ", "NOREAD", "DECODE FAILURE", "ERROR")
    rack_noread_prefixes: tuple[str, ...] = ("NOREAD", "NO READ")

    def __post_init__(self) -> None:
        if (self.position_field is None) == (self.row_field is None or self.column_field is None):
            raise ValidationError(f"Rack-scan profile '{self.name}' needs a position field or a row and a column "
                                  "field (not both).")
        if self.field_count < 2 or not self.delimiter:
            raise ValidationError(f"Rack-scan profile '{self.name}' needs a delimiter and at least 2 fields.")

    def split(self, line: str) -> list[str]:
        if self.split_from_right:
            return [p.strip() for p in line.rsplit(self.delimiter, self.field_count - 1)]
        return [p.strip() for p in line.split(self.delimiter)]

    def _matches_header(self, line: str) -> bool:
        return self.header is not None and tuple(_norm(c) for c in self.split(line)) == tuple(
            _norm(c) for c in self.header)

    def _looks_like_data(self, line: str) -> bool:
        parts = self.split(line)
        if len(parts) != self.field_count:
            return False
        if self.position_field is not None:
            return bool(_GENERIC_POSITION_RE.fullmatch(parts[self.position_field]))
        assert self.row_field is not None and self.column_field is not None
        return bool(_GENERIC_AXIS_RE.fullmatch(parts[self.row_field])
                    and _GENERIC_AXIS_RE.fullmatch(parts[self.column_field]))

    def recognises(self, lines: Sequence[str]) -> bool:
        """True when the file's first lines are this profile's header and/or data lines."""
        if not lines:
            return False
        if self.header is not None:
            if not self._matches_header(lines[0]):
                return False
            lines = lines[1:]
        # The last line may be cut off: the format is told by the lines before it.
        sample = lines[:4] if len(lines) > 4 else lines[:-1] or lines
        return all(self._looks_like_data(x) for x in sample)


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


DATAPAQ = ScanProfile(
    name="datapaq", description="Ziath DataPaq server export (date, rack, row, column, tube)",
    field_count=5, rack_field=-4, row_field=-3, column_field=-2, tube_field=-1, split_from_right=True,
    header=("Data", "RackBarcode", "Row", "Col", "tubeBarcode"))
FLUIDX = ScanProfile(
    name="fluidx", description="FluidX / Azenta IntelliCode (position, tube; no rack code)",
    field_count=2, position_field=0, tube_field=1)
RACK_POSITION_TUBE = ScanProfile(
    name="rack-position-tube", description="Headerless rack, position, tube (Micronic and generic exports)",
    field_count=3, rack_field=0, position_field=1, tube_field=2)
BUILTIN_PROFILES: tuple[ScanProfile, ...] = (DATAPAQ, RACK_POSITION_TUBE, FLUIDX)


def profile_from_dict(raw: Mapping[str, Any]) -> ScanProfile:
    """A profile from settings (JSON): the :class:`ScanProfile` fields by name; raises ValidationError."""
    known = set(ScanProfile.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise ValidationError(f"Unknown rack-scan profile setting(s): {', '.join(sorted(unknown))}.",
                              hint=f"Use only: {', '.join(sorted(known))}.")
    values = dict(raw)
    for key in ("header", "empty_markers", "failed_markers", "rack_noread_prefixes"):
        if values.get(key) is not None:
            values[key] = tuple(str(v) for v in values[key])
    try:
        return ScanProfile(**values)
    except TypeError as exc:
        raise ValidationError(f"Rack-scan profile incomplete: {exc}.") from exc


@dataclass(frozen=True)
class ScannedWell:
    """One line of the file: the position as written, what the scanner saw, the tube code if read."""

    line: int
    position: str
    state: WellState
    tube_code: str | None
    row_text: str | None = None
    column_text: str | None = None


@dataclass(frozen=True)
class RackScanFile:
    profile: str
    rack_code: str | None  # None: the file names no rack, or the rack's own code was not read
    rack_unread: bool
    wells: tuple[ScannedWell, ...]

    @property
    def tubes(self) -> int:
        return sum(1 for w in self.wells if w.state is WellState.TUBE)


@dataclass(frozen=True)
class LocatedWell:
    row: int
    col: int
    label: str  # in the rack's own convention
    well: ScannedWell = field(compare=False)


def recognise(text: str, profiles: Iterable[ScanProfile] = BUILTIN_PROFILES) -> ScanProfile:
    """The first profile that recognises the file; ValidationError naming the formats tried otherwise."""
    lines = [x for x in _lines(text)[0] if x.strip()]
    tried = list(profiles)
    for profile in tried:
        if profile.recognises(lines):
            return profile
    raise ValidationError(
        "This file is not a rack-scan export in any known format.",
        hint="Known formats: " + "; ".join(p.description for p in tried)
             + ". Add a profile for this instrument in the settings, or export the scan in one of these formats.")


def read_rackscan(text: str, profiles: Iterable[ScanProfile] = BUILTIN_PROFILES,
                  profile: ScanProfile | None = None) -> RackScanFile:
    """Every well of a rack-scan file (see the module docstring); raises ValidationError on any problem."""
    chosen = profile or recognise(text, profiles)
    lines, ends_with_newline = _lines(text)
    numbered = [(i, x) for i, x in enumerate(lines, start=1) if x.strip()]
    if chosen.header is not None and numbered and chosen._matches_header(numbered[0][1]):
        numbered = numbered[1:]
    if not numbered:
        raise ValidationError("The rack-scan file holds no wells.", hint="Scan the rack again and export the file.")
    problems: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    for number, line in numbered:
        parts = chosen.split(line)
        last = number == numbered[-1][0]
        if len(parts) != chosen.field_count:
            if last and not ends_with_newline:
                problems.append(f"line {number} is cut off ('{line.strip()[:40]}'): the file was not written "
                                "completely")
            else:
                problems.append(f"line {number} has {len(parts)} field(s) where {chosen.field_count} are expected")
            continue
        rows.append((number, parts))
    if rows and not ends_with_newline and not problems:
        # A last line that parses but whose code is shorter than every other code was cut mid-code.
        lengths = {len(p[chosen.tube_field]) for _, p in rows[:-1] if not _marker(chosen, p[chosen.tube_field])}
        last_number, last_parts = rows[-1]
        code = last_parts[chosen.tube_field]
        if len(lengths) == 1 and not _marker(chosen, code) and len(code) < next(iter(lengths)):
            problems.append(f"line {last_number} is cut off (tube code '{code}' is shorter than all others): "
                            "the file was not written completely")
    wells: list[ScannedWell] = []
    rack_codes: dict[str, int] = {}
    rack_unread = False
    seen: dict[str, ScannedWell] = {}
    for number, parts in rows:
        if chosen.rack_field is not None:
            rack = parts[chosen.rack_field]
            if not rack or any(rack.upper().startswith(p.upper()) for p in chosen.rack_noread_prefixes):
                rack_unread = True
            else:
                rack_codes.setdefault(rack, number)
        raw = parts[chosen.tube_field]
        state = _marker(chosen, raw) or WellState.TUBE
        if state is WellState.TUBE and not raw:
            problems.append(f"line {number} has neither a tube code nor an empty-well marker")
            continue
        if chosen.position_field is not None:
            well = ScannedWell(number, parts[chosen.position_field], state, raw if state is WellState.TUBE else None)
        else:
            assert chosen.row_field is not None and chosen.column_field is not None
            r, c = parts[chosen.row_field], parts[chosen.column_field]
            well = ScannedWell(number, f"{r}/{c}", state, raw if state is WellState.TUBE else None, r, c)
        if well.tube_code is not None:
            earlier = seen.get(well.tube_code)
            if earlier is not None:
                problems.append(f"tube {well.tube_code} is in the file twice (line {earlier.line} at "
                                f"{earlier.position} and line {number} at {well.position})")
            seen[well.tube_code] = well
        wells.append(well)
    if len(rack_codes) > 1:
        listed = ", ".join(f"{code} (line {line})" for code, line in rack_codes.items())
        problems.append(f"the file names more than one rack: {listed}")
    if problems:
        raise _problems("The rack-scan file cannot be used", problems,
                        "Scan the rack again, or correct the instrument's export settings.")
    rack_code = None if rack_unread else next(iter(rack_codes), None)
    return RackScanFile(chosen.name, rack_code, rack_unread, tuple(wells))


def locate_wells(scan: RackScanFile, layout: BoxLayout) -> list[LocatedWell]:
    """Each well's (row, col) in ``layout``; ValidationError for positions that do not exist or repeat."""
    problems: list[str] = []
    located: list[LocatedWell] = []
    taken: dict[tuple[int, int], ScannedWell] = {}
    for well in scan.wells:
        try:
            if well.row_text is not None and well.column_text is not None:
                row, col = layout.parse_row_col(well.row_text, well.column_text)
            else:
                row, col = layout.parse_position(well.position)
        except ValidationError as exc:
            problems.append(f"line {well.line}: {exc.message.rstrip('.')}")
            continue
        if (row, col) in taken:
            problems.append(f"position {layout.position_label(row, col)} is in the file twice "
                            f"(lines {taken[(row, col)].line} and {well.line})")
            continue
        taken[(row, col)] = well
        located.append(LocatedWell(row, col, layout.position_label(row, col), well))
    if problems:
        raise _problems("The rack-scan file does not fit the rack", problems,
                        "Check that the file belongs to this rack, or choose the right rack.")
    return located


def _marker(profile: ScanProfile, raw: str) -> WellState | None:
    value = _norm(raw)
    if any(value == _norm(m) for m in profile.failed_markers):
        return WellState.UNREADABLE
    if any(value == _norm(m) for m in profile.empty_markers):
        return WellState.EMPTY
    return None


def _lines(text: str) -> tuple[list[str], bool]:
    cleaned = text.lstrip("\ufeff")
    ends = cleaned.endswith(("\n", "\r"))
    return cleaned.splitlines(), ends


def _problems(title: str, problems: list[str], hint: str) -> ValidationError:
    shown = "; ".join(problems[:_SHOWN_PROBLEMS])
    more = f" (and {len(problems) - _SHOWN_PROBLEMS} more)" if len(problems) > _SHOWN_PROBLEMS else ""
    return ValidationError(f"{title}: {shown}{more}.", hint=f"Nothing was changed. {hint}")
