"""Freezer kinds, temperature classes, and the SPREC long-term storage code they imply.

A freezer's set-point puts it in one temperature class (SPREC's ranges: lower bound inclusive, upper
bound exclusive); a set-point between classes belongs to none. The long-term storage element of a
tube's SPREC code (issue 14, item 2) follows from the tube's storage container and the class of the
freezer it stands in: :func:`derive_storage_code`. A combination the tables do not name is 'Z'
("other") with the reason; a tube whose container is unknown, or that is in no freezer, is 'X'.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal


class FreezerKind(enum.Enum):
    """What a top-level storage unit is. The values are what the database stores."""

    UPRIGHT_M80 = "upright_-80"
    CHEST_M80 = "chest_-80"
    FREEZER_M20 = "freezer_-20"
    LN2_VAPOUR = "ln2_vapour"
    LN2_LIQUID = "ln2_liquid"
    FRIDGE = "fridge_+4"
    ROOM = "room_cabinet"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def default_setpoint(self) -> Decimal:
        return _DEFAULT_SETPOINTS[self]


_KIND_LABELS = {
    FreezerKind.UPRIGHT_M80: "−80 °C upright freezer",
    FreezerKind.CHEST_M80: "−80 °C chest freezer",
    FreezerKind.FREEZER_M20: "−20 °C freezer",
    FreezerKind.LN2_VAPOUR: "LN2 tank, vapour phase",
    FreezerKind.LN2_LIQUID: "LN2 tank, liquid phase",
    FreezerKind.FRIDGE: "+4 °C fridge",
    FreezerKind.ROOM: "room-temperature cabinet",
}
_DEFAULT_SETPOINTS = {
    FreezerKind.UPRIGHT_M80: Decimal(-80), FreezerKind.CHEST_M80: Decimal(-80),
    FreezerKind.FREEZER_M20: Decimal(-20), FreezerKind.LN2_VAPOUR: Decimal(-190),
    FreezerKind.LN2_LIQUID: Decimal(-196), FreezerKind.FRIDGE: Decimal(4), FreezerKind.ROOM: Decimal(20),
}


def default_freezer_kind(setpoint_c: Decimal | None) -> FreezerKind | None:
    """The usual kind of unit for a set-point (an LN2 tank below −135 °C, an upright −80 °C …)."""
    if setpoint_c is None:
        return None
    value = Decimal(str(setpoint_c))
    if value < -135:
        return FreezerKind.LN2_VAPOUR
    if value < -60:
        return FreezerKind.UPRIGHT_M80
    if value < -10:
        return FreezerKind.FREEZER_M20
    if value < 12:
        return FreezerKind.FRIDGE
    return FreezerKind.ROOM


class FreezerStatus(enum.Enum):
    IN_SERVICE = "in_service"
    DEFROSTING = "defrosting"
    OUT_OF_SERVICE = "out_of_service"


class TemperatureClass(enum.Enum):
    """SPREC's storage temperature ranges. The values are what the database and the JSON output show."""

    BELOW_M135 = "below_-135"  # LN2 (vapour or liquid) and −150 °C freezers
    M85_TO_M60 = "-85_to_-60"
    M35_TO_M18 = "-35_to_-18"
    FRIDGE = "2_to_10"
    ROOM = "room"

    @property
    def label(self) -> str:
        return _CLASS_LABELS[self]

    @property
    def frozen(self) -> bool:
        """True for the classes where taking a tube out and back counts a freeze–thaw cycle."""
        return self in (TemperatureClass.BELOW_M135, TemperatureClass.M85_TO_M60, TemperatureClass.M35_TO_M18)


_CLASS_LABELS = {
    TemperatureClass.BELOW_M135: "below −135 °C",
    TemperatureClass.M85_TO_M60: "−85 to −60 °C",
    TemperatureClass.M35_TO_M18: "−35 to −18 °C",
    TemperatureClass.FRIDGE: "2 to 10 °C",
    TemperatureClass.ROOM: "room temperature (15 to 30 °C)",
}
# (lower inclusive, upper exclusive), in °C
_CLASS_RANGES = (
    (TemperatureClass.BELOW_M135, Decimal(-273), Decimal(-135)),
    (TemperatureClass.M85_TO_M60, Decimal(-85), Decimal(-60)),
    (TemperatureClass.M35_TO_M18, Decimal(-35), Decimal(-18)),
    (TemperatureClass.FRIDGE, Decimal(2), Decimal(10)),
    (TemperatureClass.ROOM, Decimal(15), Decimal(30)),
)


def temperature_class(setpoint_c: Decimal | float | int | None) -> TemperatureClass | None:
    """The class of a set-point (lower bound inclusive, upper exclusive); None between classes or unknown."""
    if setpoint_c is None:
        return None
    value = Decimal(str(setpoint_c))
    for klass, low, high in _CLASS_RANGES:
        if low <= value < high:
            return klass
    return None


class StorageTube(enum.Enum):
    """The container a tube is stored in, as SPREC's long-term storage element names it."""

    PP_40_500_UL = "pp_40_500ul"
    PP_05_2_ML = "pp_0.5_2ml"
    PP_5_ML = "pp_5ml"
    CRYOTUBE_1_2_ML = "cryotube_1_2ml"
    STRAW = "straw"
    MICROPLATE = "microplate"
    PARAFFIN_BLOCK = "paraffin_block"
    BAG = "bag"
    DRY_MEDIUM = "dry_medium"
    PRIMARY = "primary_container"

    @property
    def label(self) -> str:
        return _TUBE_LABELS[self]


_TUBE_LABELS = {
    StorageTube.PP_40_500_UL: "PP tube 40–500 µL", StorageTube.PP_05_2_ML: "PP tube 0.5–2 mL",
    StorageTube.PP_5_ML: "PP tube ≥ 5 mL", StorageTube.CRYOTUBE_1_2_ML: "cryotube 1–2 mL",
    StorageTube.STRAW: "straw", StorageTube.MICROPLATE: "microplate", StorageTube.PARAFFIN_BLOCK: "paraffin block",
    StorageTube.BAG: "bag", StorageTube.DRY_MEDIUM: "dry technology medium",
    StorageTube.PRIMARY: "the original primary container",
}


_B, _M80, _M20, _F, _R = (TemperatureClass.BELOW_M135, TemperatureClass.M85_TO_M60, TemperatureClass.M35_TO_M18,
                          TemperatureClass.FRIDGE, TemperatureClass.ROOM)
# The SPREC v3 long-term storage table as (container, class) → code. 'E', 'I', 'N', 'O' need the freezing
# history (programmable freezing, temporary −80 °C), which the storage map does not know: an override.
# 'U' (paraffin block at −35 to −18 °C) carries a ⚠ in our v3 table (found in one implementation only): it is
# derived, and every explanation of the code shows that warning; a v2 code gets 'Z' (v2 has no such code).
_STORAGE_CODES: dict[tuple[StorageTube, TemperatureClass], str] = {
    (StorageTube.PP_05_2_ML, _M80): "A", (StorageTube.PP_05_2_ML, _M20): "B", (StorageTube.PP_05_2_ML, _B): "V",
    (StorageTube.CRYOTUBE_1_2_ML, _B): "C", (StorageTube.CRYOTUBE_1_2_ML, _M80): "D",
    (StorageTube.STRAW, _B): "F", (StorageTube.STRAW, _M80): "G", (StorageTube.STRAW, _M20): "H",
    (StorageTube.PP_5_ML, _M80): "J", (StorageTube.PP_5_ML, _M20): "K",
    (StorageTube.MICROPLATE, _M80): "L", (StorageTube.MICROPLATE, _M20): "M",
    (StorageTube.PARAFFIN_BLOCK, _R): "P", (StorageTube.PARAFFIN_BLOCK, _F): "P",
    (StorageTube.PARAFFIN_BLOCK, _M20): "U",
    (StorageTube.BAG, _B): "Q", (StorageTube.DRY_MEDIUM, _R): "R",
    (StorageTube.PP_40_500_UL, _M80): "S", (StorageTube.PP_40_500_UL, _M20): "T", (StorageTube.PP_40_500_UL, _B): "W",
    (StorageTube.PRIMARY, _M80): "Y", (StorageTube.PRIMARY, _M20): "Y",
}


@dataclass(frozen=True)
class StorageCode:
    """A derived long-term storage code and the inputs it came from, in words."""

    code: str
    reason: str


def derive_storage_code(tube: StorageTube | None, klass: TemperatureClass | None,
                        setpoint_c: Decimal | None = None) -> StorageCode:
    """The SPREC long-term storage code for ``tube`` stored at ``klass`` (see the module docstring)."""
    if tube is None:
        return StorageCode("X", "the tube's storage container is not recorded")
    where = f"{_degrees(setpoint_c)} °C" if setpoint_c is not None else "an unknown temperature"
    if klass is None:
        if setpoint_c is None:
            return StorageCode("X", "the tube is in no freezer with a known temperature")
        return StorageCode("Z", f"{tube.label} at {where}: between SPREC's temperature ranges, so no code covers it")
    code = _STORAGE_CODES.get((tube, klass))
    if code is None:
        return StorageCode("Z", f"{tube.label} at {where}: SPREC names no code for a {tube.label} at {klass.label}")
    return StorageCode(code, f"{tube.label} at {where} ({klass.label})")


def _degrees(value: Decimal | float | int) -> str:
    """'−80', '4.5', '−196' (a true minus sign, no trailing zeros)."""
    text = format(Decimal(str(value)).normalize(), "f")
    return text.replace("-", "−")


def replace_storage_element(sprec_code: str | None, storage_code: str) -> str | None:
    """``sprec_code`` with its last element (long-term storage, for fluids and solids) set to ``storage_code``."""
    if not sprec_code:
        return sprec_code
    head, _, _ = sprec_code.rpartition("-")
    return f"{head}-{storage_code}" if head else storage_code
