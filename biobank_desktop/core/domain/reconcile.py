"""Rack-scan reconciliation: what the scanner saw against what the database holds for that rack.

Each position gets one outcome:

* ``confirmed`` — the tube the database expects there;
* ``moved`` — a tube the database knows, but elsewhere (another position of this rack, another box,
  or nowhere): it is here now;
* ``unexpected`` — a code the database does not know;
* ``unreadable`` — a tube is there but its code was not read: it blocks acceptance until the
  technician scans it by hand (then it is classified like any other) or marks it as left as is;
* ``empty`` — an empty well where nothing is expected;
* ``checked_in`` — a tube checked out of this very position, seen back in it: accepting checks it in (closes
  its check-out, counts the freeze–thaw cycle).

An expected tube checked out (at the bench) and not seen in the scan is ``checked_out``: absent, as expected;
accepting leaves it (and its position) untouched. A checked-out tube seen at another position is ``moved``:
accepting checks it in, then moves it.

Any other expected tube not seen anywhere in the scan is ``missing`` (at the position where it was expected;
that position may carry a second outcome for the tube that is there now). Pure functions over plain
data; the storage service looks the codes up and commits the result.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from biobank_desktop.core.domain.rackscan import WellState

Position = tuple[int, int]


class Outcome(enum.Enum):
    CONFIRMED = "confirmed"
    MOVED = "moved"
    UNEXPECTED = "unexpected"
    MISSING = "missing"
    UNREADABLE = "unreadable"
    EMPTY = "empty"
    CHECKED_OUT = "checked_out"
    CHECKED_IN = "checked_in"


@dataclass(frozen=True)
class SeenWell:
    """A well as the scan (or the technician's hand scan) saw it."""

    row: int
    col: int
    label: str
    state: WellState
    tube_code: str | None


@dataclass(frozen=True)
class KnownTube:
    """A scanned code the database knows: the sample, and where the database has it (None: nowhere)."""

    sample_code: str
    container_id: int | None
    row: int | None
    col: int | None
    where: str | None = None  # e.g. 'BOX-000123 C4', for messages


@dataclass(frozen=True)
class ReconItem:
    row: int
    col: int
    label: str
    outcome: Outcome
    tube_code: str | None  # what was scanned
    sample_code: str | None  # the sample it is (or, for missing, the one expected)
    previously: str | None = None  # for moved: where the database had it
    resolved_by_hand: bool = False


@dataclass(frozen=True)
class Reconciliation:
    items: tuple[ReconItem, ...]

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(i.outcome.value for i in self.items)
        return {o.value: counted.get(o.value, 0) for o in Outcome}

    @property
    def blocking(self) -> tuple[ReconItem, ...]:
        """The unreadable positions still to resolve before the reconciliation can be accepted."""
        return tuple(i for i in self.items if i.outcome is Outcome.UNREADABLE)

    def of(self, outcome: Outcome) -> tuple[ReconItem, ...]:
        return tuple(i for i in self.items if i.outcome is outcome)


MARKED = ""  # a resolution meaning "the technician looked and leaves this unreadable tube as it is"


def classify(seen: Sequence[SeenWell], rack_id: int, expected: Mapping[Position, str],
             known: Mapping[str, KnownTube], *, resolutions: Mapping[Position, str] | None = None,
             label_of: Callable[[int, int], str] | None = None,
             checked_out: Collection[str] = frozenset()) -> Reconciliation:
    """Classify every scanned well and every expected tube (see the module docstring).

    ``expected``: position → sample code the database has in rack ``rack_id``. ``known``: every scanned
    (or hand-scanned) code the database knows. ``resolutions``: position → the code scanned by hand for
    an unreadable well, or :data:`MARKED` to leave it as it is (it then counts as neither present nor
    missing: the expected tube there is kept). ``checked_out``: the sample codes (expected or scanned) whose
    tube is checked out of its position.
    """
    resolutions = resolutions or {}
    items: list[ReconItem] = []
    seen_samples: set[str] = set()
    marked: set[Position] = set()
    for well in seen:
        pos = (well.row, well.col)
        code, by_hand = well.tube_code, False
        if well.state is WellState.UNREADABLE and pos in resolutions:
            if resolutions[pos] == MARKED:
                marked.add(pos)
                continue
            code, by_hand = resolutions[pos].strip(), True
        if well.state is WellState.EMPTY or (well.state is WellState.UNREADABLE and not by_hand):
            outcome = Outcome.EMPTY if well.state is WellState.EMPTY else Outcome.UNREADABLE
            if outcome is Outcome.UNREADABLE or pos not in expected:
                items.append(ReconItem(well.row, well.col, well.label, outcome, None, None))
            continue
        assert code is not None
        tube = known.get(code)
        if tube is None:
            items.append(ReconItem(well.row, well.col, well.label, Outcome.UNEXPECTED, code, None,
                                   resolved_by_hand=by_hand))
            continue
        seen_samples.add(tube.sample_code)
        out = tube.sample_code in checked_out
        if tube.container_id == rack_id and (tube.row, tube.col) == pos:
            outcome, previously = (Outcome.CHECKED_IN if out else Outcome.CONFIRMED), None
        else:
            outcome, previously = Outcome.MOVED, (tube.where or "no position") + (" (checked out)" if out else "")
        items.append(ReconItem(well.row, well.col, well.label, outcome, code, tube.sample_code, previously,
                               by_hand))
    labels = {(w.row, w.col): w.label for w in seen}
    name_of = label_of or (lambda row, col: labels.get((row, col), f"{row}/{col}"))
    for pos, sample_code in sorted(expected.items()):
        if sample_code not in seen_samples and pos not in marked:
            outcome = Outcome.CHECKED_OUT if sample_code in checked_out else Outcome.MISSING
            items.append(ReconItem(pos[0], pos[1], name_of(*pos), outcome, None, sample_code))
    items.sort(key=lambda i: (i.row, i.col, i.outcome in (Outcome.MISSING, Outcome.CHECKED_OUT)))
    return Reconciliation(tuple(items))
