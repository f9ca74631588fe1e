"""Rack-scan reconciliation: compare a scanner's file with the database, then accept it in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import (
    PositionHold,
    RackScanImport,
    Sample,
    SampleBarcode,
    SampleLocation,
    StorageContainer,
)
from biobank_desktop.core.db.types import utcnow
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.changes import CONTAINER, SAMPLE
from biobank_desktop.core.domain.errors import BiobankError, NotFoundError, ValidationError
from biobank_desktop.core.domain.positions import BoxLayout
from biobank_desktop.core.domain.rackscan import (
    BUILTIN_PROFILES,
    RackScanFile,
    ScanProfile,
    locate_wells,
    read_rackscan,
)
from biobank_desktop.core.domain.reconcile import KnownTube, Outcome, ReconItem, SeenWell, classify
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services.changes import Result
from biobank_desktop.core.services.storage.common import (
    chain_of,
    code_of,
    find_box,
    find_container,
    path_text,
    rederive_storage,
    temperature_of,
    where_text,
)
from biobank_desktop.core.services.storage.dto import CheckoutInfo


@dataclass(frozen=True)
class RackScanReview:
    """A rack scan compared with the database: one item per position outcome (see core.domain.reconcile)."""

    box_id: int
    box_code: str
    rack_code_in_file: str | None
    profile: str
    file_name: str
    items: tuple[ReconItem, ...]
    counts: Mapping[str, int]
    accepted: bool = False
    expected_count: int = 0  # how many tubes the database had in the rack (checked-out ones included)

    @property
    def blocking(self) -> tuple[ReconItem, ...]:
        return tuple(i for i in self.items if i.outcome is Outcome.UNREADABLE)

    @property
    def leaving(self) -> tuple[ReconItem, ...]:
        """The tubes the rack holds that the scan did not see: accepting takes them out of their positions
        (a caller asks before it accepts such a scan)."""
        return tuple(i for i in self.items if i.outcome is Outcome.MISSING)

    @property
    def codes_read(self) -> int:
        """How many tube codes the scan (or a hand scan) gave."""
        return sum(1 for i in self.items if i.tube_code and i.outcome is not Outcome.MISSING)

    @property
    def unknown_codes(self) -> int:
        return sum(1 for i in self.items if i.outcome is Outcome.UNEXPECTED)

    @property
    def wrong_rack_suspected(self) -> bool:
        """Most tubes the rack holds are not in the scan and most codes read are unknown: the file is likely the
        scan of another rack, or the rack code given is wrong."""
        return (self.expected_count > 0 and 2 * len(self.leaving) > self.expected_count
                and 2 * self.unknown_codes > self.codes_read)

    def as_json(self) -> list[dict[str, object]]:
        return [{"position": i.label, "row": i.row, "col": i.col, "outcome": i.outcome.value,
                 "tube_code": i.tube_code, "sample": i.sample_code, "previously": i.previously,
                 "resolved_by_hand": i.resolved_by_hand} for i in self.items]


class RackScansMixin:
    db: Database

    if TYPE_CHECKING:  # PlacingMixin's, in the same StorageService
        def check_in_in(self, uow: UnitOfWork, sample_code: str) -> CheckoutInfo: ...

    def review_rackscan(self, text: str, file_name: str = "", *, box: str | None = None,
                        resolutions: Mapping[str, str] | None = None,
                        profiles: Iterable[ScanProfile] = BUILTIN_PROFILES) -> RackScanReview:
        """Compare a rack-scan file with the database; nothing is written.

        ``box``: the rack's code when the file names none (or its rack code was not read). ``resolutions``:
        position (in the rack's convention) → the code scanned by hand for an unreadable tube, or '' to
        leave it as it is. Raises ValidationError for an unusable file, NotFoundError for an unknown rack.
        """
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            scan = read_rackscan(text, profiles)
            return _review(s, scan, file_name, box, resolutions or {})

    def accept_rackscan(self, actor: Actor, text: str, file_name: str = "", *, box: str | None = None,
                        resolutions: Mapping[str, str] | None = None,
                        profiles: Iterable[ScanProfile] = BUILTIN_PROFILES) -> Result[RackScanReview]:
        """Make the database agree with the scan, in one transaction, audited — or change nothing.

        Moved tubes take the positions the scanner saw; missing tubes lose their position (their samples
        are kept, the audit says where they were); unexpected codes are listed and left for reception.
        Checked-out tubes not seen stay checked out, untouched; a checked-out tube seen in the rack is checked in
        (its check-out closed, the freeze–thaw cycle counted), then moved if it was seen elsewhere.
        Refused while an unreadable position is unresolved.
        """
        scan = read_rackscan(text, profiles)
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            session = uow.session
            review = _review(session, scan, file_name, box, resolutions or {})
            if review.blocking:
                labels = ", ".join(i.label for i in review.blocking)
                raise ValidationError(f"{len(review.blocking)} tube(s) could not be read: {labels}.",
                                      hint="Nothing was changed. Scan each by hand (or mark it to leave as it is), "
                                           "then accept again.")
            rack = session.get_one(StorageContainer, review.box_id)
            chain = chain_of(session, rack.id)
            moved = review_of(review, Outcome.MOVED)
            missing = review_of(review, Outcome.MISSING)
            away = {(i.row, i.col): i.sample_code for i in review_of(review, Outcome.CHECKED_OUT)}
            for item in moved:
                if (item.row, item.col) in away:
                    raise ValidationError(f"The scan puts {item.sample_code} in {item.label}, the position of "
                                          f"{away[(item.row, item.col)]}, which is checked out.",
                                          hint="Nothing was changed. Check the checked-out tube in (or discard it) "
                                               "first, or put the tubes back where they belong and scan again.")
            for item in review_of(review, Outcome.CHECKED_IN):
                self.check_in_in(uow, item.sample_code or "")
            held = {(h.row, h.col): h for h in session.execute(
                select(PositionHold).where(PositionHold.container_id == rack.id)).scalars()}
            for item in moved:
                if (item.row, item.col) in held:
                    h = held[(item.row, item.col)]
                    raise ValidationError(f"The scan puts {item.sample_code} in {item.label}, which is {h.kind} "
                                          f"({h.purpose}).", hint="Nothing was changed. Release the position "
                                                                  "first, or check the rack.")
            samples = {s.sample_code: s for s in session.execute(select(Sample).where(Sample.sample_code.in_(
                [i.sample_code for i in (*moved, *missing) if i.sample_code]))).scalars()}
            old_class: dict[str, object] = {}
            for item in (*moved, *missing):  # free every position first: tubes may swap places
                sample = samples[item.sample_code or ""]
                loc = session.get(SampleLocation, sample.id)
                if loc is not None and loc.checked_out_at is not None and item.outcome is Outcome.MOVED:
                    self.check_in_in(uow, sample.sample_code)  # back from the bench, seen elsewhere: in, then moved
                if loc is not None:
                    old_class[sample.sample_code] = temperature_of(chain_of(session, loc.container_id))[1]
                    if item.outcome is Outcome.MISSING:
                        uow.audit("storage.missing_in_scan", SAMPLE, sample.sample_code,
                                  summary=f"{sample.sample_code} not found in the rack scan of {code_of(rack)}; "
                                          f"its position {where_text(session, loc)} is freed",
                                  before={"where": where_text(session, loc)}, after={"where": None})
                    session.delete(loc)
            uow.flush()
            now = utcnow()
            new_class = temperature_of(chain)[1]
            for item in moved:
                sample = samples[item.sample_code or ""]
                session.add(SampleLocation(sample_id=sample.id, container_id=rack.id, row=item.row, col=item.col,
                                           placed_at=now, placed_by=uow.actor.username))
                uow.audit("storage.moved", SAMPLE, sample.sample_code,
                          summary=f"{sample.sample_code} seen by the rack scan in {code_of(rack)} {item.label} "
                                  f"(was {item.previously})",
                          before={"where": item.previously},
                          after={"box": code_of(rack), "position": item.label, "path": path_text(chain)})
                if old_class.get(sample.sample_code) is not new_class:
                    rederive_storage(uow, sample, chain)
            uow.flush()
            session.add(RackScanImport(container_id=rack.id, file_name=file_name[:255], profile=review.profile,
                                       rack_code_in_file=review.rack_code_in_file, imported_at=now,
                                       imported_by=uow.actor.username, counts=dict(review.counts),
                                       result={"positions": review.as_json()}))
            uow.audit("storage.rackscan_accepted", CONTAINER, code_of(rack),
                      summary=f"Rack scan of {code_of(rack)} accepted: " + ", ".join(
                          f"{n} {k}" for k, n in review.counts.items() if n),
                      after={"file": file_name, "counts": dict(review.counts)})
            return Result(replace(review, accepted=True), uow.commit())


def review_of(review: RackScanReview, outcome: Outcome) -> Sequence[ReconItem]:
    return [i for i in review.items if i.outcome is outcome]


def _review(s: Session, scan: RackScanFile, file_name: str, box: str | None,
            resolutions: Mapping[str, str]) -> RackScanReview:
    rack, layout = _rack_for(s, scan, box)
    located = locate_wells(scan, layout)
    seen = [SeenWell(w.row, w.col, w.label, w.well.state, w.well.tube_code) for w in located]
    by_position: dict[tuple[int, int], str] = {}
    for position, code in resolutions.items():
        by_position[layout.parse_position(position)] = code
    rows = s.execute(select(SampleLocation.row, SampleLocation.col, Sample.sample_code, SampleLocation.checked_out_at)
                     .join(Sample, Sample.id == SampleLocation.sample_id)
                     .where(SampleLocation.container_id == rack.id)).all()
    expected = {(r.row, r.col): r.sample_code for r in rows}
    codes = {w.tube_code for w in seen if w.tube_code} | {c.strip() for c in by_position.values() if c.strip()}
    known = _known(s, codes)
    checked_out = {r.sample_code for r in rows if r.checked_out_at is not None}
    others = [t.sample_code for t in known.values() if t.container_id not in (None, rack.id)]
    if others:
        checked_out |= set(s.execute(select(Sample.sample_code).join(SampleLocation,
                                                                     SampleLocation.sample_id == Sample.id)
                                     .where(Sample.sample_code.in_(others),
                                            SampleLocation.checked_out_at.is_not(None))).scalars())
    result = classify(seen, rack.id, expected, known, resolutions=by_position,
                      label_of=layout.position_label, checked_out=checked_out)
    return RackScanReview(rack.id, code_of(rack), scan.rack_code, scan.profile, file_name, result.items,
                          result.counts, expected_count=len(expected))


def _rack_for(s: Session, scan: RackScanFile, box: str | None) -> tuple[StorageContainer, BoxLayout]:
    if box:
        # The rack chosen by the technician; a rack code in the file that the database does not know is read as
        # that box (a rack whose label was never registered). A code that names ANOTHER known container is not.
        rack, layout = find_box(s, box)
        if scan.rack_code and scan.rack_code not in (rack.barcode, rack.name) and _known_container(s, scan.rack_code):
            raise ValidationError(f"The file is the scan of rack {scan.rack_code}, not of {code_of(rack)}.",
                                  hint=f"Read it as {scan.rack_code} (give no rack code), or import the right "
                                       "file.", reason="other_rack")
        return rack, layout
    if scan.rack_code is None:
        why = "the rack's own code was not read" if scan.rack_unread else "the file names no rack"
        raise ValidationError(f"Which rack is this? {why.capitalize()}.", hint="Give the rack's code.",
                              reason="rack_not_named")
    try:
        return find_box(s, scan.rack_code)
    except NotFoundError as exc:
        raise NotFoundError(f"The file is the scan of rack {scan.rack_code}, which the database does not know.",
                            hint="Give the code of the box the database knows it as, or register the rack in the "
                                 "storage tree.", reason="rack_unknown") from exc


def _known_container(s: Session, code: str) -> bool:
    try:
        find_container(s, code)
    except BiobankError:
        return False
    return True


def _known(s: Session, codes: set[str]) -> dict[str, KnownTube]:
    if not codes:
        return {}
    pairs: dict[str, int] = {}
    for barcode, sample_id in s.execute(select(SampleBarcode.barcode, SampleBarcode.sample_id)
                                        .where(SampleBarcode.barcode.in_(codes))):
        pairs[barcode] = sample_id
    upper = {c.upper(): c for c in codes}
    for sample_code, sample_id in s.execute(select(Sample.sample_code, Sample.id)
                                            .where(Sample.sample_code.in_(list(upper)))):
        pairs.setdefault(upper[sample_code], sample_id)
    if not pairs:
        return {}
    ids = set(pairs.values())
    names = dict(s.execute(select(Sample.id, Sample.sample_code).where(Sample.id.in_(ids))).all())
    locations = {loc.sample_id: loc for loc in s.execute(
        select(SampleLocation).where(SampleLocation.sample_id.in_(ids))).scalars()}
    out: dict[str, KnownTube] = {}
    for code, sample_id in pairs.items():
        loc = locations.get(sample_id)
        if loc is None:
            out[code] = KnownTube(names[sample_id], None, None, None, None)
        else:
            out[code] = KnownTube(names[sample_id], loc.container_id, loc.row, loc.col, where_text(s, loc))
    return out
