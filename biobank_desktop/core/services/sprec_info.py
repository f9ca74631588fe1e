"""SPREC for the services: derive a sample's code from its time points, validate and describe codes.

A thin adapter over :mod:`biobank_desktop.core.domain.sprec` (the versioned code tables), so the
sample services and the read side speak one vocabulary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from biobank_desktop.core.domain import sprec
from biobank_desktop.core.domain.errors import ValidationError

if TYPE_CHECKING:
    from biobank_desktop.core.services.samples import NewSample

CURRENT_VERSION = "3.0"


def _version_key(version: str) -> str:
    return version.split(".")[0]


def derive_fluid_code(new: NewSample, version: str = CURRENT_VERSION) -> str | None:
    """The derived SPREC code of a fluid sample, or None when the sample type is not a SPREC fluid type."""
    try:
        return sprec.derive_fluid_sprec(
            _version_key(version), new.sample_type.upper(), new.primary_container.upper(), new.collected_at,
            new.centrifuged_at, new.pre_centrifugation_temp, new.centrifugation, new.second_centrifugation,
            new.frozen_at, new.post_centrifugation_temp, new.long_term_storage,
        )
    except ValidationError:
        raise
    except (KeyError, ValueError) as exc:
        raise ValidationError(f"The pre-analytical data do not give a valid SPREC code: {exc}.") from exc


def validate_sprec(version: str, material: str, code: str) -> None:
    sprec.load_tables(_version_key(version)).validate(code, material)


def describe_sprec(version: str, material: str, code: str | None) -> tuple[tuple[str, str, str], ...]:
    if not code:
        return ()
    try:
        return tuple(sprec.load_tables(_version_key(version)).describe(code, material))
    except ValidationError:
        return ()


def sample_type_meaning(version: str, material: str, sample_type: str) -> str:
    types = (sprec.fluid_sample_types if material == "fluid" else sprec.solid_sample_types)(_version_key(version))
    return dict(types).get(sample_type, sample_type)
