"""The storage service: one object for the GUI, the CLI and other workflows, composed of its parts."""

from __future__ import annotations

from collections.abc import Sequence

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import Study
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.services.storage.common import find_sample
from biobank_desktop.core.services.storage.dto import PlacedTube, Placement
from biobank_desktop.core.services.storage.layout import LayoutMixin
from biobank_desktop.core.services.storage.placing import PlacingMixin
from biobank_desktop.core.services.storage.planning import PlanningMixin
from biobank_desktop.core.services.storage.rackscans import RackScansMixin
from biobank_desktop.core.services.storage.reads import ReadsMixin


class StorageService(ReadsMixin, PlacingMixin, LayoutMixin, PlanningMixin, RackScansMixin):
    """See the package docstring. Every method that changes data returns ``Changes`` or ``Result[T]``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def place_found_in(self, uow: UnitOfWork, sample_codes: Sequence[str], *, groups: Sequence[int] | None = None,
                       within: str | None = None) -> list[PlacedTube]:
        """Find space for these tubes (each group — a parent's aliquots — in one box, consecutive where possible)
        and place them, inside the caller's unit of work. Raises ValidationError saying how many positions are
        missing when they do not all fit (nothing placed). The tubes must share study and sample type."""
        session = uow.session
        if not sample_codes:
            return []
        samples = [find_sample(session, c) for c in sample_codes]
        kinds = {(s.study_id, s.sample_type, s.storage_tube) for s in samples}
        if len(kinds) > 1:
            raise ValidationError("Tubes of different studies or sample types are placed in separate calls.",
                                  hint="Group them by study and sample type.")
        study = session.get_one(Study, samples[0].study_id).code
        plan = self._plan_space(session, len(samples), study=study, sample_type=samples[0].sample_type,
                                container=samples[0].storage_tube, groups=groups, within=within)
        if not plan.complete:
            raise ValidationError(f"Not enough free positions: {plan.shortfall()}",
                                  hint="Nothing was placed. Add boxes (or free positions), then try again.")
        placements = [Placement(s.sample_code, str(slot.box_id), slot.label)
                      for s, slot in zip(samples, plan.slots, strict=True)]
        return self.place_in(uow, placements)
