"""What every part of the storage service shares: finding boxes and tubes, layouts, paths, restrictions,
temperatures and the SPREC long-term storage code that follows from them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from biobank_desktop.core.db.models import (
    ContainerType,
    Sample,
    SampleBarcode,
    SampleLocation,
    StorageContainer,
    StorageRestriction,
)
from biobank_desktop.core.db.uow import UnitOfWork
from biobank_desktop.core.domain.changes import SAMPLE
from biobank_desktop.core.domain.cold_chain import (
    StorageCode,
    StorageTube,
    TemperatureClass,
    derive_storage_code,
    replace_storage_element,
    temperature_class,
)
from biobank_desktop.core.domain.errors import ConflictError, NotFoundError, ValidationError
from biobank_desktop.core.domain.ids import normalize_scan
from biobank_desktop.core.domain.positions import BoxLayout, FillOrder, LabelScheme
from biobank_desktop.core.domain.space import NO_RESTRICTIONS, Restrictions
from biobank_desktop.core.domain.sprec import load_sprec_tables
from biobank_desktop.core.domain.tube_fit import TubeKind, tube_kind_of

BOX_KINDS = ("box", "plate")
FREEZER_KINDS = ("freezer", "refrigerator", "ln2_tank", "room")
AXES = {"study": "studies", "sample_type": "sample_types", "container": "containers"}


def layout_of(ctype: ContainerType, word: str | None = None) -> BoxLayout | None:
    """The grid of a container type, or None for one without positions (a freezer, a bag, a canister)."""
    if ctype.rows is None or ctype.columns is None:
        return None
    return BoxLayout(ctype.rows, ctype.columns, LabelScheme(ctype.row_scheme), LabelScheme(ctype.column_scheme),
                     FillOrder(ctype.fill_order), container=word or ("rack" if ctype.kind == "rack" else "box"),
                     linear=ctype.linear)


def code_of(container: StorageContainer) -> str:
    """How messages name a container: its barcode, or its name when it has none."""
    return container.barcode or container.name


def find_container(session: Session, code: str, *, what: str = "box") -> StorageContainer:
    """A container by barcode (as scanned), by numeric id, or by a name that is unique; NotFoundError otherwise."""
    text = normalize_scan(code) if isinstance(code, str) else ""
    if not text:
        raise ValidationError(f"No {what} was given.", hint=f"Scan the {what}'s barcode.")
    found = session.execute(select(StorageContainer).where(StorageContainer.barcode == text)).scalar_one_or_none()
    if found is None and text.upper() != text:
        found = session.execute(select(StorageContainer)
                                .where(StorageContainer.barcode == text.upper())).scalar_one_or_none()
    if found is None and text.isdigit():
        found = session.get(StorageContainer, int(text))
    if found is None:
        named = session.execute(select(StorageContainer).where(StorageContainer.name == text).limit(2)).scalars().all()
        found = named[0] if len(named) == 1 else None
    if found is None:
        raise NotFoundError(f"No {what} has the code '{text[:60]}'.",
                            hint=f"Check the {what}'s barcode label, or find it in the storage tree.")
    return found


TREE_LOCK = (7305, 0)  # pg_advisory_xact_lock key pair taken by every change of the container tree


def lock_tree(session: Session) -> None:
    """Serialise changes of the container tree (moves, creations, retirements, evacuations) for the rest of the
    transaction. PostgreSQL: one transaction-level advisory lock; SQLite: the write lock taken at BEGIN IMMEDIATE
    already serialises every writer. Call it before reading what the change depends on."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": TREE_LOCK[0], "b": TREE_LOCK[1]})


def lock_container(session: Session, container: StorageContainer, *, share: bool = False) -> StorageContainer:
    """Lock a container's row (FOR UPDATE, or FOR SHARE) and re-read it, so a check made after it holds until
    the commit. SQLite: nothing to do (the writer holds the whole file)."""
    return session.execute(select(StorageContainer).where(StorageContainer.id == container.id)
                           .with_for_update(read=share).execution_options(populate_existing=True)).scalar_one()


def tree_damaged(container_id: int) -> ConflictError:
    """The message for a container found inside itself (a tree damaged before the tree lock existed)."""
    return ConflictError(f"The storage tree is damaged: container {container_id} is inside itself.",
                         hint="Nothing was changed. A supervisor repairs it by moving one of the containers in the "
                              "loop back into a freezer; tell your administrator.")


def walk_down(session: Session, container_id: int) -> list[int]:
    """``container_id`` and every container below it (retired ones too); ConflictError on a loop in the tree."""
    ids, seen, frontier = [container_id], {container_id}, [container_id]
    while frontier:
        frontier = list(session.execute(select(StorageContainer.id)
                                        .where(StorageContainer.parent_id.in_(frontier))).scalars())
        if any(f in seen for f in frontier):
            raise tree_damaged(next(f for f in frontier if f in seen))
        seen.update(frontier)
        ids.extend(frontier)
    return ids


def find_box(session: Session, code: str, *, for_share: bool = False) -> tuple[StorageContainer, BoxLayout]:
    """A box with positions by its code; NotFoundError or ValidationError (not a box, retired). ``for_share``:
    the box's row is read FOR SHARE (PostgreSQL), so it cannot be retired before this transaction ends."""
    box = find_container(session, code)
    if for_share:
        box = lock_container(session, box, share=True)
    layout = layout_of(box.container_type)
    if layout is None or box.container_type.kind not in BOX_KINDS:
        raise ValidationError(f"{code_of(box)} ({box.name}) has no positions for tubes.",
                              hint="Scan a box or a rack of tubes.")
    if not box.active:
        raise ValidationError(f"Box {code_of(box)} is retired.", hint="Choose another box.")
    return box, layout


def find_sample(session: Session, scanned: str, *, for_update: bool = False) -> Sample:
    """A sample by its ID or an external barcode on its tube; NotFoundError otherwise."""
    code = normalize_scan(scanned) if isinstance(scanned, str) else ""
    if not code:
        raise ValidationError("No tube was given.", hint="Scan the tube's barcode.")
    query = select(Sample).where(Sample.sample_code == code.upper())
    sample = session.execute(query.with_for_update() if for_update else query).scalar_one_or_none()
    if sample is None:
        query = select(Sample).join(SampleBarcode).where(SampleBarcode.barcode == code)
        sample = session.execute(query.with_for_update(of=Sample) if for_update else query).scalar_one_or_none()
    if sample is None:
        raise NotFoundError(f"No sample has the ID or tube barcode '{code[:60]}'.",
                            hint="Check the label; a tube not yet received is registered at reception.")
    return sample


def find_samples(session: Session, scanned: Sequence[str], *, for_update: bool = False,
                 missing_ok: bool = False) -> list[Sample]:
    """:func:`find_sample` for many codes at once (a batch of hundreds in a few queries), in the order given.
    ``missing_ok``: a code no sample has is left out (whoever asked reports it) instead of raising."""
    codes = [normalize_scan(c) if isinstance(c, str) else "" for c in scanned]
    found: dict[str, Sample] = {}
    wanted = sorted({c.upper() for c in codes if c})
    for start in range(0, len(wanted), 500):
        query = select(Sample).where(Sample.sample_code.in_(wanted[start:start + 500]))
        for sample in session.execute(query.with_for_update() if for_update else query).scalars():
            found[sample.sample_code] = sample
    others = sorted({c for c in codes if c and c.upper() not in found})
    for start in range(0, len(others), 500):
        pairs = (select(SampleBarcode.barcode, Sample).join(Sample, Sample.id == SampleBarcode.sample_id)
                 .where(SampleBarcode.barcode.in_(others[start:start + 500])))
        for row in session.execute(pairs.with_for_update(of=Sample) if for_update else pairs):
            found[row[0]] = row[1]
    out: list[Sample] = []
    for raw, code in zip(scanned, codes, strict=True):
        hit = found.get(code.upper()) or found.get(code)
        if hit is None and missing_ok:
            continue
        out.append(hit if hit is not None else find_sample(session, raw))  # raises the one message
    return out


def locations_of(session: Session, sample_ids: Sequence[int]) -> dict[int, SampleLocation]:
    """The stored tubes among ``sample_ids`` and where they are (a few queries for a batch)."""
    ids = list(sample_ids)
    out: dict[int, SampleLocation] = {}
    for start in range(0, len(ids), 500):
        for loc in session.execute(select(SampleLocation).where(
                SampleLocation.sample_id.in_(ids[start:start + 500]))).scalars():
            out[loc.sample_id] = loc
    return out


def samples_inside(session: Session, container_id: int) -> list[Sample]:
    """Every tube placed in the container or anywhere below it."""
    ids = walk_down(session, container_id)
    return list(session.execute(select(Sample).join(SampleLocation, SampleLocation.sample_id == Sample.id)
                                .where(SampleLocation.container_id.in_(ids))).scalars())


def rederive_storage_inside(uow: UnitOfWork, container: StorageContainer) -> int:
    """Re-derive the long-term storage code of every tube below ``container`` after its temperature changed
    (each change audited by :func:`rederive_storage`); returns how many codes changed."""
    changed = 0
    chains: dict[int, list[StorageContainer]] = {}
    for sample in samples_inside(uow.session, container.id):
        loc = uow.session.get_one(SampleLocation, sample.id)
        chain = chains.get(loc.container_id) or chains.setdefault(loc.container_id,
                                                                  chain_of(uow.session, loc.container_id))
        changed += rederive_storage(uow, sample, chain) is not None
    return changed


def chain_of(session: Session, container_id: int) -> list[StorageContainer]:
    """The containers from the top (freezer) down to ``container_id``."""
    # The session's identity map holds objects weakly: keep the containers met here for the session's life,
    # so a batch asking for the same few racks and freezers again does not query them again.
    held: dict[int, StorageContainer] = session.info.setdefault("storage.containers", {})

    def get(cid: int) -> StorageContainer | None:
        found = held.get(cid)
        if found is None:
            found = session.get(StorageContainer, cid)
            if found is not None:
                held[cid] = found
        return found

    chain: list[StorageContainer] = []
    current = get(container_id)
    seen: set[int] = set()
    while current is not None and current.id not in seen:
        seen.add(current.id)
        chain.append(current)
        current = get(current.parent_id) if current.parent_id else None
    return list(reversed(chain))


def path_text(chain: Sequence[StorageContainer]) -> str:
    return " / ".join(c.name for c in chain)


def where_text(session: Session, loc: SampleLocation) -> str:
    """'BOX-000123 C4 (Freezer F-01 / Rack 03 / COLON PL1 0001)' for messages."""
    chain = chain_of(session, loc.container_id)
    box = chain[-1]
    layout = layout_of(box.container_type)
    position = layout.position_label(loc.row, loc.col) if layout and layout.contains(loc.row, loc.col) else (
        f"{loc.row}/{loc.col}")
    return f"{code_of(box)} {position} ({path_text(chain)})"


def position_of(session: Session, loc: SampleLocation) -> tuple[str, str]:
    """(box code, position in the box's convention) of a location."""
    box = session.get_one(StorageContainer, loc.container_id)
    layout = layout_of(box.container_type)
    label = layout.position_label(loc.row, loc.col) if layout and layout.contains(loc.row, loc.col) else (
        f"{loc.row}/{loc.col}")
    return code_of(box), label


def restrictions_of(session: Session, container_ids: Iterable[int]) -> Restrictions:
    """The restrictions of a container and its ancestors (give the whole chain), all applying at once."""
    ids = list(container_ids)
    if not ids:
        return NO_RESTRICTIONS
    rows = session.execute(select(StorageRestriction.container_id, StorageRestriction.axis, StorageRestriction.value)
                           .where(StorageRestriction.container_id.in_(ids))).all()
    result = NO_RESTRICTIONS
    for cid in ids:
        mine = [r for r in rows if r.container_id == cid]
        if mine:
            result = result & Restrictions(**{AXES[axis]: frozenset(r.value for r in mine if r.axis == axis)
                                              for axis in AXES})
    return result


def temperature_of(chain: Sequence[StorageContainer]) -> tuple[Decimal | None, TemperatureClass | None]:
    """The set-point of the nearest container in the chain that has one, and its class."""
    for container in reversed(chain):
        if container.temperature_c is not None:
            return container.temperature_c, temperature_class(container.temperature_c)
    return None, None


def sample_tube(sample: Sample) -> TubeKind:
    """The physical kind of the sample's tube (:func:`~biobank_desktop.core.domain.tube_fit.tube_kind_of`)."""
    code = sample.primary_container
    found = load_sprec_tables(sample.sprec_version).element("fluid", "primary_container").get(code) if code else None
    volume = sample.initial_volume_ul if sample.initial_volume_ul is not None else sample.volume_ul
    return tube_kind_of(storage_tube=sample.storage_tube, primary=sample.lineage_kind == "primary",
                        material=sample.material, primary_container=code, volume_ul=volume,
                        fixation=sample.fixation, container_label=found.meaning if found is not None else None)


def box_tube(box_type: ContainerType) -> StorageTube | None:
    """What a box type is made for; None: not declared."""
    return StorageTube(box_type.tube_kind) if box_type.tube_kind else None


def tube_kind(sample: Sample, box_type: ContainerType) -> StorageTube | None:
    """The SPREC storage container of the sample's tube in a box of ``box_type``: its own kind (a primary tube
    stays a primary container wherever it stands); an aliquot tube with none recorded takes the box's."""
    return sample_tube(sample).in_box(box_tube(box_type))


def storage_code_in(sample: Sample, chain: Sequence[StorageContainer]) -> StorageCode | None:
    """The SPREC long-term storage code the tube's container and this place's temperature give (with the reason
    in words), or None when there is nothing to derive from (no tube kind, no set-point on the way up).

    A code the sample's SPREC version does not have (v2 has no 'U') is 'Z', with that reason."""
    setpoint, klass = temperature_of(chain)
    tube = tube_kind(sample, chain[-1].container_type)
    if tube is None or setpoint is None:
        return None
    derived = derive_storage_code(tube, klass, setpoint)
    element = load_sprec_tables(sample.sprec_version).element(
        "solid" if sample.material == "solid" else "fluid", "long_term_storage")
    if element.get(derived.code) is None:
        return StorageCode("Z", f"{derived.reason}: SPREC {sample.sprec_version} has no code {derived.code} for it")
    return derived


def storage_code_of(session: Session, sample: Sample) -> StorageCode | None:
    """:func:`storage_code_in` for where the tube is now; None when it is in no box."""
    loc = session.get(SampleLocation, sample.id)
    return storage_code_in(sample, chain_of(session, loc.container_id)) if loc is not None else None


def rederive_storage(uow: UnitOfWork, sample: Sample, chain: Sequence[StorageContainer]) -> str | None:
    """Set the sample's SPREC long-term storage element from its tube and this freezer's temperature.

    Audited when it changes (before/after storage code and SPREC code); an overridden SPREC code is kept
    (and the audit says so when the derived code would differ). Returns the storage code now in force, or None
    when nothing changed.
    """
    derived = storage_code_in(sample, chain)
    if derived is None:
        return None  # nothing to derive from: a code typed at registration is left as it is
    if derived.code == sample.long_term_storage:
        return None
    if sample.sprec_overridden:
        kept = (sample.sprec_code or "").rpartition("-")[2] or sample.long_term_storage
        uow.audit("sprec.storage_override_kept", SAMPLE, sample.sample_code,
                  summary=f"SPREC long-term storage of {sample.sample_code} kept at {kept} "
                          f"(overridden); its new place would give {derived.code} ({derived.reason})",
                  before={"long_term_storage": sample.long_term_storage},
                  after={"derived": derived.code, "reason": derived.reason})
        return None
    before = {"long_term_storage": sample.long_term_storage, "sprec_code": sample.sprec_code}
    sample.long_term_storage = derived.code
    sample.sprec_code = replace_storage_element(sample.sprec_code, derived.code)
    uow.audit("sprec.storage_derived", SAMPLE, sample.sample_code,
              summary=f"SPREC long-term storage of {sample.sample_code}: {derived.code} ({derived.reason})",
              before=before, after={"long_term_storage": derived.code, "sprec_code": sample.sprec_code})
    return derived.code
