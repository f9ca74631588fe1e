"""Filling a box by scanning, as a state machine: the storage page and the tests drive it, without Qt.

The technician opens a box, then scans tubes one after another: each goes into the next free position in the
box's fill order — or into the cell clicked (or typed) just before the scan, after which filling continues in
fill order. Every scan gets an answer at once (:class:`ScanAnswer`: placed, already here, refused with the
reason); a refusal changes nothing and the session goes on. The placing itself is the storage service's
(through :class:`PlacingBackend`), one transaction per scan, so what is placed is saved at once and two
workstations filling the same box see each other's tubes (a lost race is answered like any refusal).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import BiobankError, ValidationError
from biobank_desktop.core.domain.ids import normalize_scan
from biobank_desktop.core.services.storage import BoxMap, PlacedTube, StorageService


class PlacingBackend(Protocol):
    def place(self, sample: str, box: str, position: str | None, *, move: bool) -> PlacedTube: ...

    def box_map(self, box: str) -> BoxMap: ...


@dataclass(frozen=True)
class StorageBackend:
    """The storage service acting for one person."""

    storage: StorageService
    actor: Actor

    def place(self, sample: str, box: str, position: str | None, *, move: bool) -> PlacedTube:
        return self.storage.place(self.actor, sample, box, position, move=move).value

    def box_map(self, box: str) -> BoxMap:
        return self.storage.box_map(box)


class Verdict(StrEnum):
    PLACED = "placed"
    ALREADY_HERE = "already_here"
    REFUSED = "refused"


@dataclass(frozen=True)
class ScanAnswer:
    verdict: Verdict
    scanned: str
    message: str
    sample_code: str | None = None
    position: str | None = None
    row: int | None = None
    col: int | None = None
    reason: str | None = None  # a refusal's BiobankError.reason (a front end may say the remedy its own way)
    refusal: str | None = None  # a refusal's message without its hint

    @property
    def ok(self) -> bool:
        return self.verdict is not Verdict.REFUSED


@dataclass
class BoxFilling:
    """One box being filled. ``move``: tubes stored elsewhere are moved here (otherwise refused, saying where)."""

    backend: PlacingBackend
    box_code: str
    move: bool = False
    box: BoxMap = field(init=False)
    chosen: str | None = field(default=None, init=False)  # the cell for the next scan, in the box's convention
    answers: list[ScanAnswer] = field(default_factory=list, init=False)
    _placed: dict[str, str] = field(default_factory=dict, init=False)  # sample code → position, this session

    def __post_init__(self) -> None:
        self.box = self.backend.box_map(self.box_code)  # NotFoundError for an unknown box: nothing to fill
        self.box_code = self.box.code

    def choose_cell(self, position: str | None) -> None:
        """The next scan goes to ``position`` (a cell clicked or typed); None: back to the fill order."""
        if position is None or not position.strip():
            self.chosen = None
            return
        cell = next((c for c in self.box.cells if c.position == position.strip()), None)
        if cell is None:
            raise ValidationError(f"'{position.strip()}' is not a position of box {self.box.code}.",
                                  hint=f"Its positions are {self.box.convention}.")
        self.chosen = cell.position

    def scan(self, scanned: str) -> ScanAnswer:
        """Place the scanned tube and answer; never raises for the technician's input."""
        code = normalize_scan(scanned)
        if not code:
            return self._answer(ScanAnswer(Verdict.REFUSED, scanned, "Nothing was scanned."))
        for sample_code, position in self._placed.items():
            if code.upper() == sample_code:
                return self._answer(ScanAnswer(Verdict.ALREADY_HERE, code, f"{sample_code} is already in "
                                               f"{position}: scanned twice.", sample_code, position))
        try:
            placed = self.backend.place(code, self.box_code, self.chosen, move=self.move)
        except BiobankError as exc:
            self._refresh()
            return self._answer(ScanAnswer(Verdict.REFUSED, code, str(exc), reason=exc.reason, refusal=exc.message))
        self.chosen = None
        self._placed[placed.sample_code] = placed.position
        self._refresh()
        text = f"{placed.sample_code} → {placed.position}"
        if placed.moved_from:
            text += f" (moved from {placed.moved_from})"
        return self._answer(ScanAnswer(Verdict.PLACED, code, text, placed.sample_code, placed.position,
                                       placed.row, placed.col))

    @property
    def next_position(self) -> str | None:
        """Where the next scan goes: the chosen cell, else the first free one in fill order (None: full)."""
        if self.chosen is not None:
            return self.chosen
        free = sorted((c for c in self.box.cells if c.state == "empty"), key=lambda c: c.index)
        return free[0].position if free else None

    def _refresh(self) -> None:
        with contextlib.suppress(BiobankError):  # the map stays as it was; the next answer says what went wrong
            self.box = self.backend.box_map(self.box_code)

    def _answer(self, answer: ScanAnswer) -> ScanAnswer:
        self.answers.append(answer)
        return answer
