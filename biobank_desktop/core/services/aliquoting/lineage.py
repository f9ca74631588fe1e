"""The read side of aliquoting: lineage trees, batch records, parent lists from a rack or a shipment."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from biobank_desktop.core.db.engine import Database
from biobank_desktop.core.db.models import (
    AliquotBatch,
    AliquotBatchItem,
    AliquotProtocol,
    ExpectedTube,
    Sample,
    SampleBarcode,
    SampleLocation,
    Shipment,
    StorageContainer,
    Study,
    TubeReceipt,
)
from biobank_desktop.core.domain.clock import local_midnight_utc
from biobank_desktop.core.domain.errors import BiobankError, NotFoundError, ValidationError
from biobank_desktop.core.services.aliquoting.common import ZERO, dead_from, drawn_from
from biobank_desktop.core.services.aliquoting.dto import (
    BatchInfo,
    BatchItemInfo,
    Lineage,
    LineageNode,
    LineageRow,
    ParentList,
)
from biobank_desktop.core.services.storage.common import find_container, find_sample, layout_of, position_of
from biobank_desktop.core.services.storage.reads import natural_key

#: The deepest lineage followed (a primary tube, its derivative, aliquots of it …): a guard against a loop.
MAX_DEPTH = 12


def _positions(session: Session, ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        for loc in session.execute(select(SampleLocation).where(
                SampleLocation.sample_id.in_(ids[start:start + 500]))).scalars():
            box, label = position_of(session, loc)
            out[loc.sample_id] = f"{box} {label}"
    return out


def _batch_info(session: Session, batch: AliquotBatch, *, with_items: bool) -> BatchInfo:
    protocol = None
    if batch.protocol_id is not None:
        row = session.get_one(AliquotProtocol, batch.protocol_id)
        protocol = f"{session.get_one(Study, row.study_id).code}/{row.name} v{row.version}"
    counts = session.execute(select(func.count(func.distinct(AliquotBatchItem.parent_id)), func.count())
                             .where(AliquotBatchItem.batch_id == batch.id)).one()
    items: tuple[BatchItemInfo, ...] = ()
    if with_items:
        parent = Sample.__table__.alias("parent")
        rows = session.execute(
            select(parent.c.sample_code, Sample.sample_code, AliquotBatchItem.volume_drawn_ul, Sample.status,
                   AliquotBatchItem.dead_volume_ul)
            .join(Sample, Sample.id == AliquotBatchItem.child_id)
            .join(parent, parent.c.id == AliquotBatchItem.parent_id)
            .where(AliquotBatchItem.batch_id == batch.id).order_by(AliquotBatchItem.seq))
        items = tuple(BatchItemInfo(p, c, Decimal(v), st, Decimal(d or 0)) for p, c, v, st, d in rows)
    return BatchInfo(batch.id, batch.created_at, batch.created_by, batch.workstation, batch.source, protocol,
                     batch.status, int(counts[0]), int(counts[1]), batch.voided_at, batch.voided_by,
                     batch.void_reason, items)


def _container_parents(session: Session, box: StorageContainer) -> list[str]:
    layout = layout_of(box.container_type)
    rows = session.execute(select(SampleLocation.row, SampleLocation.col, Sample.sample_code)
                           .join(Sample, Sample.id == SampleLocation.sample_id)
                           .where(SampleLocation.container_id == box.id)).all()
    if layout is not None:
        rows = sorted(rows, key=lambda r: layout.index_of(r.row, r.col) if layout.contains(r.row, r.col) else 10**9)
    return [r.sample_code for r in rows]


class LineageMixin:
    db: Database

    def lineage(self, scanned: str) -> Lineage:
        """Ancestors and descendants of a sample (any generation), with volumes, statuses, positions."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            focus = find_sample(s, scanned)
            ancestors: list[Sample] = []
            node = focus
            while node.parent_id is not None and len(ancestors) < MAX_DEPTH:
                node = s.get_one(Sample, node.parent_id)
                ancestors.append(node)
            root = ancestors[-1] if ancestors else focus
            levels: list[list[Sample]] = [[root]]
            while levels[-1] and len(levels) <= MAX_DEPTH:
                ids = [x.id for x in levels[-1]]
                found: list[Sample] = []
                for start in range(0, len(ids), 500):
                    found += s.execute(select(Sample).where(Sample.parent_id.in_(ids[start:start + 500]))
                                       .order_by(Sample.sample_code)).scalars().all()
                levels.append(found)
            everyone = [x for level in levels for x in level]
            ids = [x.id for x in everyone]
            drawn = drawn_from(s, ids)
            where = _positions(s, ids)
            codes = {x.id: x.sample_code for x in everyone}
            kids: dict[int | None, list[Sample]] = defaultdict(list)
            for x in everyone:
                kids[x.parent_id].append(x)
            for siblings in kids.values():  # by child number: …-A11 before …-A100
                siblings.sort(key=lambda x: natural_key(x.sample_code))
            rows: list[LineageRow] = []

            def build(sample: Sample, depth: int) -> LineageNode:
                row = LineageRow(sample.sample_code, codes.get(sample.parent_id) if sample.parent_id else None,
                                 depth, sample.lineage_kind, sample.sample_type, sample.status, sample.volume_ul,
                                 sample.initial_volume_ul, drawn.get(sample.id, ZERO), where.get(sample.id),
                                 sample.sprec_code, sample.created_at)
                rows.append(row)
                return LineageNode(row, tuple(build(k, depth + 1) for k in kids.get(sample.id, [])))

            tree = build(root, 0)
            below: list[str] = []
            frontier = [focus.id]
            while frontier:
                nxt = [k for f in frontier for k in kids.get(f, [])]
                below += [k.sample_code for k in nxt]
                frontier = [k.id for k in nxt]
            mine, dead = drawn.get(focus.id, ZERO), dead_from(s, [focus.id]).get(focus.id, ZERO)
            initial, left = focus.initial_volume_ul, focus.volume_ul
            other = None
            if initial is not None and left is not None:
                other = (Decimal(initial) - mine - dead - Decimal(left)).quantize(Decimal("0.01"))
            return Lineage(focus.sample_code, tree, tuple(rows), tuple(a.sample_code for a in ancestors),
                           tuple(below), mine, left, dead, initial, other)

    def batches(self, *, day: str | None = None, limit: int = 200) -> list[BatchInfo]:
        """Recent batches, newest first (``day``: 'YYYY-MM-DD', local time), without items."""
        query = select(AliquotBatch).order_by(AliquotBatch.id.desc()).limit(max(1, min(limit, 5000)))
        if day:
            try:
                when = dt.date.fromisoformat(day.strip())
            except ValueError:
                raise ValidationError(f"'{day.strip()[:20]}' is not a day.", hint="Write it as YYYY-MM-DD.") from None
            query = query.where(AliquotBatch.created_at >= local_midnight_utc(when),
                                AliquotBatch.created_at < local_midnight_utc(when + dt.timedelta(days=1)))
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            return [_batch_info(s, b, with_items=False) for b in s.execute(query).scalars()]

    def batch(self, batch_id: int) -> BatchInfo:
        """One batch with its items (parent, child, volume drawn, the child's status now)."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            found = s.get(AliquotBatch, batch_id)
            if found is None:
                raise NotFoundError(f"There is no aliquoting batch {batch_id}.")
            return _batch_info(s, found, with_items=True)

    def parents_in_container(self, code: str) -> list[str]:
        """The tubes in a box or rack (a scanned rack), in the box's fill order: a batch's parent list."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            return _container_parents(s, find_container(s, code))

    def parents_of_shipment(self, code: str) -> list[str]:
        """The received tubes of a shipment: those of its manifest (by their clinic barcodes) in manifest order,
        then every other tube accessioned from it (an unexpected tube accepted, a tube without barcode
        registered: any sample with a receipt of the shipment), in the order they were received."""
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            return _shipment_parents(s, _shipment(s, code))

    def parents_of_scan(self, code: str) -> ParentList:
        """The parents a scanned shipment code or box/rack barcode stands for (a shipment: its received tubes;
        a box or rack: its tubes in fill order), and what they came from; NotFoundError for anything else."""
        text = code.strip()
        with self.db.connect_checked(), self.db.new_session(write=False) as s:
            shipment = s.execute(select(Shipment).where(Shipment.code == text.upper())).scalar_one_or_none()
            if shipment is not None:
                return ParentList(f"shipment {shipment.code}", tuple(_shipment_parents(s, shipment)))
            try:
                box = find_container(s, text)
            except BiobankError:
                raise NotFoundError(f"{text[:40]} is not a known sample, shipment, box or rack.",
                                    hint="Scan a parent tube, a shipment code or a box/rack barcode.") from None
            return ParentList(f"rack {box.barcode or box.name}", tuple(_container_parents(s, box)))


def _shipment(session: Session, code: str) -> Shipment:
    shipment = session.execute(select(Shipment).where(Shipment.code == code.strip().upper())).scalar_one_or_none()
    if shipment is None:
        raise NotFoundError(f"There is no shipment {code.strip()[:30]}.")
    return shipment


def _shipment_parents(session: Session, shipment: Shipment) -> list[str]:
    listed = session.execute(select(Sample.sample_code)
                             .join(SampleBarcode, SampleBarcode.sample_id == Sample.id)
                             .join(ExpectedTube, ExpectedTube.clinic_barcode == SampleBarcode.barcode)
                             .where(ExpectedTube.shipment_id == shipment.id)
                             .order_by(ExpectedTube.source_row, ExpectedTube.id)).scalars().all()
    received = session.execute(select(Sample.sample_code)
                               .join(TubeReceipt, TubeReceipt.sample_id == Sample.id)
                               .outerjoin(ExpectedTube, ExpectedTube.id == TubeReceipt.expected_tube_id)
                               .where(TubeReceipt.shipment_id == shipment.id)
                               .order_by(ExpectedTube.source_row.is_(None), ExpectedTube.source_row,
                                         TubeReceipt.scanned_at, TubeReceipt.id)).scalars().all()
    return list(dict.fromkeys([*listed, *received]))
