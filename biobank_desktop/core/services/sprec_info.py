"""SPREC for the services: derive a sample's code from its time points, validate and describe codes.

A thin adapter over :mod:`biobank_desktop.core.domain.sprec` (the versioned code tables), so the
sample services and the read side speak one vocabulary.
"""

from __future__ import annotations

from biobank_desktop.core.domain import sprec
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.sprec import FluidPreAnalytics

CURRENT_VERSION = "3.0"


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
        )
    except ValidationError:
        raise
    except (KeyError, ValueError) as exc:
        raise ValidationError(f"The pre-analytical data do not give a valid SPREC code: {exc}.") from exc


def validate_sprec(version: str, material: str, code: str) -> None:
    sprec.load_sprec_tables(version).validate(code, material)  # type: ignore[arg-type]


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
