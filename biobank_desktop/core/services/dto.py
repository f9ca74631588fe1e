"""Frozen records the services hand to the GUI and the CLI. Never live ORM objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from biobank_desktop.core.domain.sprec_explain import SprecExplanation


@dataclass(frozen=True)
class StudyInfo:
    id: int
    code: str
    name: str
    programme: str
    active: bool
    sample_id_prefix: str | None = None  # the study's own sample ID prefix (None: the biobank-wide one)


@dataclass(frozen=True)
class SiteInfo:
    id: int
    code: str
    name: str
    city: str
    country: str
    active: bool


@dataclass(frozen=True)
class LocationInfo:
    container_id: int
    container_name: str
    container_barcode: str | None
    row: int
    col: int
    position: str  # "B4"
    path: tuple[str, ...]  # ("Freezer F-01", "Rack 3", "Box RB-0007")

    @property
    def display(self) -> str:
        return " › ".join((*self.path, self.position))


@dataclass(frozen=True)
class SampleRow:
    """One line of a result table."""

    id: int
    sample_code: str
    study: str
    participant: str | None
    sample_type: str
    volume_ul: Decimal | None
    status: str
    site: str | None
    collected_at: dt.datetime | None
    received_at: dt.datetime | None
    lineage_kind: str


@dataclass(frozen=True)
class SampleLink:
    sample_code: str
    lineage_kind: str
    sample_type: str
    status: str
    volume_ul: Decimal | None


@dataclass(frozen=True)
class ConsentInfo:
    id: int
    version: str
    scope: str
    status: str  # given | withdrawn | refused
    signed_on: dt.date
    withdrawn_on: dt.date | None
    withdrawal_reason: str | None


@dataclass(frozen=True)
class ParticipantDetail:
    study_code: str
    pseudonym: str
    sex: str
    consents: tuple[ConsentInfo, ...]
    sample_count: int

    @property
    def consent_withdrawn(self) -> bool:
        return any(c.status == "withdrawn" for c in self.consents)


@dataclass(frozen=True)
class SampleDetail:
    id: int
    sample_code: str
    barcodes: tuple[tuple[str, str], ...]  # (barcode, kind)
    study_code: str
    study_name: str
    participant: str | None
    consents: tuple[ConsentInfo, ...]
    site_code: str | None
    site_name: str | None
    material: str
    sample_type: str
    sample_type_meaning: str
    primary_container: str
    volume_ul: Decimal | None
    initial_volume_ul: Decimal | None
    status: str
    lineage_kind: str
    freeze_thaw_count: int
    collected_at: dt.datetime | None
    received_at: dt.datetime | None
    centrifuged_at: dt.datetime | None
    centrifugation_ended_at: dt.datetime | None
    frozen_at: dt.datetime | None
    pre_centrifugation_temp: str | None
    centrifugation: str | None
    second_centrifugation: str | None
    post_centrifugation_temp: str | None
    long_term_storage: str | None
    sprec_version: str
    sprec_code: str | None
    sprec_overridden: bool
    sprec_elements: tuple[tuple[str, str, str], ...]  # (element, code, meaning)
    sprec_explanation: SprecExplanation | None  # every element with the inputs it came from; None: no code
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    location: LocationInfo | None
    parent: SampleLink | None
    children: tuple[SampleLink, ...]


@dataclass(frozen=True)
class ContainerSummary:
    id: int
    name: str
    barcode: str | None
    kind: str
    path: tuple[str, ...]
    rows: int | None
    columns: int | None
    occupied: int


@dataclass(frozen=True)
class ScanResult:
    """What a scan (or typed text) in the global scan field refers to."""

    kind: str  # "sample" | "container" | "participant" | "none"
    key: str  # sample code, container id, "STUDY/pseudonym"
    display: str
    candidates: tuple[str, ...] = ()  # several participants with one pseudonym in different studies
