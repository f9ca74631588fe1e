"""SPREC for the services: derive a sample's code from its time points, validate, normalize, describe and
explain codes.

A thin adapter over :mod:`biobank_desktop.core.domain.sprec` (the versioned code tables) and
:mod:`~biobank_desktop.core.domain.sprec_explain`, so the sample services and the read side speak one
vocabulary.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from biobank_desktop.core.db.models import AuditEvent, Sample
from biobank_desktop.core.domain import sprec
from biobank_desktop.core.domain.cold_chain import StorageCode
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.sprec import FluidPreAnalytics, SolidPreAnalytics
from biobank_desktop.core.domain.sprec_explain import (
    FluidInputs,
    OverrideNote,
    SolidInputs,
    SprecExplanation,
    explain_sprec,
)

CURRENT_VERSION = "3.0"
#: The audit action of a supervisor's override (SampleService.override_sprec); the explanation reads it back.
OVERRIDE_ACTION = "sample.sprec_overridden"


def derive_fluid_code(new: FluidPreAnalytics, version: str = CURRENT_VERSION) -> str:
    """The derived SPREC code of a fluid sample; ValidationError when the recorded data contradict SPREC.

    ``new`` is anything with the pre-analytical fields of :class:`~biobank_desktop.core.domain.sprec.FluidPreAnalytics`
    (a registration's ``NewSample``, the demo's processing record), so this module knows no service's types.
    """
    try:
        return sprec.derive_fluid_sprec(
            version, sample_type=new.sample_type.upper(), primary_container=new.primary_container.upper(),
            collected_at=new.collected_at, centrifuged_at=new.centrifuged_at,
            pre_centrifugation_temp=new.pre_centrifugation_temp,  # type: ignore[arg-type]
            centrifugation=new.centrifugation, second_centrifugation=new.second_centrifugation,
            frozen_at=new.frozen_at, post_centrifugation_temp=new.post_centrifugation_temp,  # type: ignore[arg-type]
            long_term_storage=new.long_term_storage,
            centrifugation_ended_at=new.centrifugation_ended_at,
        )
    except ValidationError:
        raise
    except (KeyError, ValueError) as exc:
        raise ValidationError(f"The pre-analytical data do not give a valid SPREC code: {exc}.") from exc


def derive_solid_code(new: SolidPreAnalytics, version: str = CURRENT_VERSION) -> str:
    """The derived SPREC code of a solid-tissue sample (type of collection, warm and cold ischaemia, fixation
    type and time, long-term storage); what is not known is 'X'. ValidationError for codes SPREC does not have."""
    try:
        return sprec.derive_solid_sprec(
            version, sample_type=new.sample_type.upper(), collection_type=new.collection_type or "",
            warm_ischemia_min=_minutes(new.warm_ischemia), cold_ischemia_min=_minutes(new.cold_ischemia),
            fixation=new.fixation, fixation_time_min=_minutes(new.fixation_time),
            long_term_storage=new.long_term_storage,
        )
    except ValidationError:
        raise
    except (KeyError, ValueError) as exc:
        raise ValidationError(f"The tissue's pre-analytical data do not give a valid SPREC code: {exc}.") from exc


def material_of(sample_type: str, given: str | None = None, version: str = CURRENT_VERSION) -> str:
    """'fluid' or 'solid' for a SPREC sample type: ``given`` when it is one of them and the type exists for it,
    else the table the type is in (fluid where a code exists in both, e.g. CEN)."""
    code = sample_type.strip().upper()
    fluid = {c for c, _ in sprec.fluid_sample_types(version)}
    solid = {c for c, _ in sprec.solid_sample_types(version)}
    if given is not None:
        if given not in ("fluid", "solid"):
            raise ValidationError(f"'{given}' is not a material.", hint="Use fluid or solid.")
        if code not in (fluid if given == "fluid" else solid):
            raise ValidationError(f"'{code}' is not a SPREC {given} sample type.",
                                  hint="Check the sample type, or the material.")
        return given
    if code in fluid:
        return "fluid"
    if code in solid:
        return "solid"
    raise ValidationError(f"'{code}' is not a SPREC sample type.",
                          hint="Choose one from the list (e.g. SER, PL1, TIS).")


def tissue_time_text(value: int | str | None) -> str | None:
    """A tissue time as stored: whole minutes as digits ("25"), a non-time code as its letter, None unknown."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError(f"'{value}' is not a time in minutes.")
    if isinstance(value, int):
        if value < 0:
            raise ValidationError(f"{value} minutes is not possible.", hint="Check the times.")
        return str(value)
    text = value.strip().upper()
    if text.isdigit():
        return str(int(text))
    if len(text) == 1 and text.isalpha():
        return text
    raise ValidationError(f"'{value.strip()}' is not a time in minutes or a SPREC code (N, X, Z).")


def invalid_tissue_inputs(given: dict[str, str | None], version: str = CURRENT_VERSION) -> tuple[str, ...]:
    """Which of a tissue's inputs (``collection_type``, ``fixation``, ``warm_ischemia``, ``cold_ischemia``,
    ``fixation_time``: their stored text) SPREC has no code for; the others, and those not given, are fine."""
    tables = sprec.load_sprec_tables(version)
    wrong: list[str] = []
    for key, value in given.items():
        if value is None or not value.strip():
            continue
        element = tables.element("solid", key)
        text = value.strip().upper()
        if text.isdigit() and key not in ("collection_type", "fixation"):
            continue
        entry = element.get(element.canonical(text))
        if entry is None or entry.is_timed:
            wrong.append(key)
    return tuple(wrong)


def _minutes(value: int | str | None) -> int | str | None:
    text = tissue_time_text(value)
    return int(text) if text is not None and text.isdigit() else text


def validate_sprec(version: str, material: str, code: str) -> None:
    sprec.load_sprec_tables(version).validate(code, material)  # type: ignore[arg-type]


def normalize_sprec(version: str, material: str, code: str) -> str:
    """``code`` validated and as it is stored (upper case, aliases such as ASN written FNA)."""
    return sprec.load_sprec_tables(version).normalize(code, material)  # type: ignore[arg-type]


def canonical_code(version: str, material: str, key: str, value: str | None) -> str | None:
    """One element's code as stored: stripped, upper case, an alias replaced ('asn' → 'FNA'); None stays None."""
    if value is None or not value.strip():
        return None
    element = sprec.load_sprec_tables(version).element(material, key)  # type: ignore[arg-type]
    return element.canonical(value.strip().upper())


def explain_sample(session: Session, sample: Sample, storage: StorageCode | None = None) -> SprecExplanation | None:
    """Every element of the sample's stored SPREC code explained with its recorded inputs (None: no code).

    ``storage`` is what the tube's place derives for long-term storage (the storage service's
    ``storage_code_of``); an overridden code is explained with the override's author, time and reason
    from the audit trail."""
    if not sample.sprec_code:
        return None
    inputs: FluidInputs | SolidInputs
    if sample.material == "solid":
        inputs = SolidInputs(
            sample.sample_type, sample.collection_type, _minutes(sample.warm_ischemia),
            _minutes(sample.cold_ischemia), sample.fixation, _minutes(sample.fixation_time), sample.long_term_storage)
    else:
        inputs = FluidInputs(
            sample.sample_type, sample.primary_container, sample.collected_at, sample.centrifuged_at,
            sample.centrifugation_ended_at, sample.pre_centrifugation_temp, sample.centrifugation,
            sample.second_centrifugation, sample.frozen_at, sample.post_centrifugation_temp, sample.long_term_storage)
    override = None
    if sample.sprec_overridden:
        event = session.execute(
            select(AuditEvent.username, AuditEvent.occurred_at, AuditEvent.reason)
            .where(AuditEvent.entity_type == "sample", AuditEvent.entity_id == sample.sample_code,
                   AuditEvent.action == OVERRIDE_ACTION)
            .order_by(AuditEvent.seq.desc()).limit(1)).first()
        if event is not None:
            override = OverrideNote(event.username, event.occurred_at, event.reason or "")
    try:
        return explain_sprec(sample.sprec_version, sample.sprec_code, inputs, override=override, storage=storage)
    except ValidationError:
        return None  # a stored code that is no longer valid: the page shows the code without explanation


def describe_sprec(version: str, material: str, code: str | None) -> tuple[tuple[str, str, str], ...]:
    if not code:
        return ()
    try:
        return tuple(sprec.load_sprec_tables(version).describe(code, material))  # type: ignore[arg-type]
    except ValidationError:
        return ()


def sample_type_meaning(version: str, material: str, sample_type: str) -> str:
    types = (sprec.fluid_sample_types if material == "fluid" else sprec.solid_sample_types)(version)
    return dict(types).get(sample_type, sample_type)
