"""Parents for aliquoting tests: registered through the sample service, optionally placed in the test tree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.services import Services
from biobank_desktop.core.services.samples import NewSample

T0 = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.UTC)


def make_parent(services: Services, actor: Actor, volume: str | int = 1000, *, sample_type: str = "PL1",
                participant: str = "P-1", box: str | None = None, study: str = "COLON") -> str:
    spun = sample_type not in ("BLD",)
    code = services.samples.register(actor, NewSample(
        study, sample_type, participant=participant, volume_ul=Decimal(volume), primary_container="PED",
        collected_at=T0, pre_centrifugation_temp="RT",
        centrifuged_at=T0 + dt.timedelta(hours=1) if spun else None,
        centrifugation_ended_at=T0 + dt.timedelta(hours=1, minutes=15) if spun else None,
        centrifugation="B" if spun else None, post_centrifugation_temp="RT" if spun else None,
        frozen_at=T0 + dt.timedelta(hours=2) if spun else None)).value
    if box is not None:
        services.storage.place(actor, code, box)
    return code
