"""The storage service: one object for the GUI, the CLI and other workflows, composed of its parts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import Study
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services.changes import Result
from biobank_desktop.core.services.samples import NewSample, SampleService
from biobank_desktop.core.services.storage.common import find_samples, sample_tube
from biobank_desktop.core.services.storage.dto import PlacedTube, Placement
from biobank_desktop.core.services.storage.layout import LayoutMixin
from biobank_desktop.core.services.storage.placing import PlacingMixin
from biobank_desktop.core.services.storage.planning import PlanningMixin
from biobank_desktop.core.services.storage.rackscans import RackScansMixin
from biobank_desktop.core.services.storage.reads import DEFAULT_FILL_THRESHOLD, ReadsMixin


class StorageService(ReadsMixin, PlacingMixin, LayoutMixin, PlanningMixin, RackScansMixin):
    """See the package docstring. Every method that changes data returns ``Changes`` or ``Result[T]``."""

    def __init__(self, db: Database, samples: SampleService | None = None) -> None:
        self.db = db
        self._samples = samples or SampleService(db)

    def register_and_place(self, actor: Actor, new: NewSample, box: str, position: str) -> Result[PlacedTube]:
        """Register a tube the rack scan found but the database did not know (``unexpected``), with its code
        as an external barcode, and place it where the scanner saw it — in one transaction."""
        if not new.external_barcodes:
            raise ValidationError("Give the tube's code as its barcode.", hint="The code the scanner read.")
        with UnitOfWork(self.db, actor, Permission.RECORD_SAMPLES) as uow:
            code = self._samples.register_in(uow, new)
            [placed] = self.place_in(uow, [Placement(code, box, position)])
            return Result(placed, uow.commit())

    def place_found_in(self, uow: UnitOfWork, sample_codes: Sequence[str], *, groups: Sequence[int] | None = None,
                       within: str | None = None) -> list[PlacedTube]:
        """Find space for these tubes (each group — a parent's aliquots — in one box, consecutive where possible)
        and place them, inside the caller's unit of work: only in boxes made for the tubes' physical kind (a
        primary tube never in a cryobox; :mod:`~biobank_desktop.core.domain.tube_fit`) holding no tubes of
        another material, within their restrictions. Raises ValidationError saying how many positions are
        missing and what kind of box would take them when they do not all fit (nothing placed). The tubes
        must share study, sample type, material and tube kind."""
        session = uow.session
        if not sample_codes:
            return []
        samples = find_samples(session, sample_codes)
        tubes = [sample_tube(s) for s in samples]
        kinds = {(s.study_id, s.sample_type, s.material, t) for s, t in zip(samples, tubes, strict=True)}
        if len(kinds) > 1:
            raise ValidationError("Tubes of different studies, sample types or tube kinds are placed in separate "
                                  "calls.", hint="Group them by study, sample type and tube kind.")
        study = session.get_one(Study, samples[0].study_id).code
        plan = self._plan_space(session, len(samples), study=study, sample_type=samples[0].sample_type,
                                container=None, tube=tubes[0], material=samples[0].material, groups=groups,
                                within=within)
        if not plan.complete:
            raise ValidationError(f"Not enough free positions: {plan.shortfall()}",
                                  hint="Nothing was placed. Add a box of that kind (or free positions), or choose "
                                       "a box, then try again.")
        placements = [Placement(s.sample_code, str(slot.box_id), slot.label)
                      for s, slot in zip(samples, plan.slots, strict=True)]
        return self.place_in(uow, placements)

    # -- printing and exporting ------------------------------------------------------------------------------

    def export_box_maps(self, boxes: Sequence[str], out: Path, *, printed_by: str = "") -> Path:
        """Box maps of ``boxes`` (codes) to ``out``: PDF (one page per box) or .xlsx (one sheet per box)."""
        if not boxes:
            raise ValidationError("Choose at least one box.")
        maps = [self.box_map(code) for code in boxes]
        suffix = out.suffix.lower()
        if suffix == ".pdf":
            from biobank_desktop.core.services.storage.boxmap_pdf import write_box_maps_pdf

            return write_box_maps_pdf(maps, out, printed_by=printed_by)
        if suffix == ".xlsx":
            from biobank_desktop.core.services.storage.boxmap_xlsx import write_box_maps_xlsx

            return write_box_maps_xlsx(maps, out, created_by=printed_by, database=self.db.info.description)
        raise ValidationError(f"'{out.name}' is neither a .pdf nor an .xlsx file.",
                              hint="Name the output file …pdf or …xlsx.")

    def export_capacity(self, out: Path, *, threshold: float = DEFAULT_FILL_THRESHOLD, printed_by: str = "") -> Path:
        """Occupancy of every freezer, rack and box to ``out`` (.pdf with bars, or .xlsx as a table)."""
        rows = self.capacity(threshold)
        suffix = out.suffix.lower()
        if suffix == ".pdf":
            from biobank_desktop.core.services.storage.boxmap_pdf import write_capacity_pdf

            return write_capacity_pdf(rows, out, threshold=threshold)
        if suffix == ".xlsx":
            from biobank_desktop.core.services.storage.boxmap_xlsx import write_capacity_xlsx

            return write_capacity_xlsx(rows, out, threshold=threshold, created_by=printed_by,
                                       database=self.db.info.description)
        raise ValidationError(f"'{out.name}' is neither a .pdf nor an .xlsx file.",
                              hint="Name the output file …pdf or …xlsx.")

    def export_pick_list(self, freezer: str, out: Path, *, printed_by: str = "") -> Path:
        """The evacuation plan of ``freezer`` as a pick list (.pdf or .xlsx); nothing is moved."""
        plan = self.plan_evacuation(freezer)
        suffix = out.suffix.lower()
        if suffix == ".pdf":
            from biobank_desktop.core.services.storage.boxmap_pdf import write_pick_list_pdf

            return write_pick_list_pdf(plan, freezer, out)
        if suffix == ".xlsx":
            from biobank_desktop.core.services.storage.boxmap_xlsx import write_pick_list_xlsx

            return write_pick_list_xlsx(plan, freezer, out, created_by=printed_by, database=self.db.info.description)
        raise ValidationError(f"'{out.name}' is neither a .pdf nor an .xlsx file.",
                              hint="Name the output file …pdf or …xlsx.")
