"""Table models of the reception page: the shipment list and the board's tubes.

The board's model is updated in place after every scan (:meth:`BoardTubeModel.put`: one row changes or one is
added), so a 2,000-tube shipment never reloads for a scan; a full reload (:meth:`set_rows`) catches up with
other workstations when the page hears of their changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor

from biobank_desktop.core.services.reception import BoardTube, ShipmentInfo
from biobank_desktop.ui.formatting import DASH, local_time, volume
from biobank_desktop.ui.models.base import ReadOnlyTableModel
from biobank_desktop.ui.models.reception_words import STATUS_LABELS, condition_word, shown_of
from biobank_desktop.ui.theme import ERROR, ERROR_SOFT, MUTED, OK, OK_SOFT, WARN, WARN_SOFT

AnyIndex = QModelIndex | QPersistentModelIndex
TUBE_ROLE = Qt.ItemDataRole.UserRole + 1

#: The board's filters: key → (caption, test). ``all`` shows every tube.
FILTERS = ("all", "missing", "received", "unexpected", "damaged", "pending")


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReceptionModels", text)


def tube_key(tube: BoardTube) -> tuple[str, int | str | None]:
    """What identifies a board line across reloads: its manifest line, else its receipt."""
    if tube.expected_tube_id is not None:
        return ("listed", tube.expected_tube_id)
    return ("receipt", tube.receipt_id)


def in_filter(tube: BoardTube, key: str) -> bool:
    if key == "missing":
        return tube.state == "missing"
    if key == "received":
        return tube.receipt_id is not None
    if key == "unexpected":
        return tube.outcome in ("unexpected", "unlabelled")
    if key == "damaged":
        return tube.receipt_id is not None and (tube.condition or "OK") != "OK"
    if key == "pending":
        return tube.decision == "pending"
    return True


def tube_state_text(tube: BoardTube) -> str:
    """'✓ Received', '⚠ Decide: no consent', '— Missing' … (the symbol and the words, never colour alone)."""
    if tube.state == "missing":
        return _tr("— Missing")
    if tube.decision == "pending":
        if tube.stop == "consent":
            return _tr("⚠ Decide: no consent")
        if tube.stop == "time":
            return _tr("⚠ Decide: times wrong")
        if tube.stop == "data":
            return _tr("⚠ Decide: no SPREC code")
        return _tr("⚠ Decide: not listed")
    if tube.decision == "rejected":
        return _tr("✗ Rejected")
    if tube.decision == "quarantined":
        return _tr("⚠ Quarantined")
    if tube.outcome == "unexpected":
        return _tr("✓ Accepted (unlisted)")
    if tube.outcome == "unlabelled":
        return _tr("✓ Registered (no barcode)")
    return _tr("✓ Received")


def condition_text(code: str | None) -> str:
    if code is None:
        return DASH
    return condition_word(code)


def _colours(tube: BoardTube) -> tuple[str, str] | None:
    if tube.state == "missing":
        return None
    if tube.decision == "pending":
        return WARN, WARN_SOFT
    if tube.decision == "rejected":
        return ERROR, ERROR_SOFT
    if (tube.condition or "OK") != "OK" or tube.decision == "quarantined":
        return WARN, "#fff8e6"
    return OK, OK_SOFT


class BoardTubeModel(ReadOnlyTableModel[BoardTube]):
    HEADERS = ("Clinic barcode", "State", "Condition", "Participant", "Volume", "Sample ID", "Label · place",
               "Comment")

    def __init__(self) -> None:
        super().__init__()
        self._index: dict[tuple[str, int | str | None], int] = {}

    def set_rows(self, rows: Sequence[BoardTube]) -> None:
        super().set_rows(rows)
        self._index = {tube_key(t): i for i, t in enumerate(self._rows)}

    def put(self, tube: BoardTube) -> int:
        """Show ``tube`` as it stands now: its line changes, or it is added at the end. Returns its row."""
        row = self._index.get(tube_key(tube))
        if row is None and tube.expected_tube_id is not None and tube.receipt_id is not None:
            row = self._index.get(("receipt", tube.receipt_id))
        if row is None:
            row = len(self._rows)
            self.beginInsertRows(QModelIndex(), row, row)
            self._rows.append(tube)
            self._index[tube_key(tube)] = row
            self.endInsertRows()
            return row
        self._rows[row] = tube
        self._index[tube_key(tube)] = row
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
        return row

    def row_of(self, tube: BoardTube) -> int | None:
        return self._index.get(tube_key(tube))

    def tubes(self) -> list[BoardTube]:
        return list(self._rows)

    def right_aligned(self, column: int) -> bool:
        return column == 4

    def cell(self, tube: BoardTube, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(tube, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0 and tube.source_row is not None:
                return _tr("{code}: row {row} of the manifest").format(code=tube.barcode, row=tube.source_row)
            if column == 1 and tube.scanned_at is not None:
                scanned = _tr("Scanned at {when} by {who} at {where}").format(
                    when=local_time(tube.scanned_at, seconds=True), who=tube.scanned_by or DASH,
                    where=tube.workstation or DASH)
                if tube.decision_reason:
                    scanned += "\n" + _tr("Reason: {reason}").format(reason=tube.decision_reason)
                return scanned
            if column == 3:
                return _tr("Study {study}, participant {who}, sample type {type}").format(
                    study=tube.study or DASH, who=tube.pseudonym or DASH, type=tube.sample_type or DASH)
            return self._text(tube, column) or None
        if role == TUBE_ROLE:
            return tube
        colours = _colours(tube)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 1 and colours is not None:
                return QColor(colours[0])
            if tube.state == "missing":
                return QColor(MUTED)
        if role == Qt.ItemDataRole.BackgroundRole and column == 1 and colours is not None:
            return QColor(colours[1])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if self.right_aligned(column) else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, tube: BoardTube, column: int) -> str:
        if column == 0:
            return tube.barcode or _tr("(no barcode)")
        if column == 1:
            return tube_state_text(tube)
        if column == 2:
            return condition_text(tube.condition) if tube.receipt_id is not None else ""
        if column == 3:
            return f"{tube.pseudonym} ({tube.study}, {tube.sample_type})" if tube.pseudonym else (tube.study or "")
        if column == 4:
            return volume(tube.volume_ul) if tube.volume_ul is not None else ""
        if column == 5:
            return tube.sample_code or ""
        if column == 6:
            return self._label_place(tube)
        return tube.comment

    @staticmethod
    def _label_place(tube: BoardTube) -> str:
        if tube.sample_code is None:
            return ""
        parts = [_tr("✓ label printed") if tube.printed else _tr("label queued") if tube.labelled
                 else _tr("no label")]
        if tube.location:
            parts.append(tube.location)
        return " · ".join(parts)


class BoardFilter(QSortFilterProxyModel):
    """The board's tubes of one category (:data:`FILTERS`)."""

    def __init__(self, source: BoardTubeModel) -> None:
        super().__init__()
        self.setSourceModel(source)
        self._key = "all"

    @property
    def key(self) -> str:
        return self._key

    def set_key(self, key: str) -> None:
        self.beginFilterChange()
        self._key = key if key in FILTERS else "all"
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        source = self.sourceModel()
        assert isinstance(source, BoardTubeModel)
        tube = source.row_at(source_row)
        return tube is not None and in_filter(tube, self._key)


class ShipmentListModel(ReadOnlyTableModel[ShipmentInfo]):
    HEADERS = ("Shipment", "Partner", "Status", "Created", "Courier", "Received", "Missing",
               "Unexpected", "Damaged", "Waiting")
    ALIGN_CELLS = True

    def right_aligned(self, column: int) -> bool:
        return column >= 5

    def shipments(self) -> list[ShipmentInfo]:
        return list(self._rows)

    def code_at(self, row: int) -> str | None:
        info = self.row_at(row)
        return info.code if info is not None else None

    def cell(self, info: ShipmentInfo, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            return QColor({"expected": WARN, "receiving": WARN, "closed": OK}.get(info.status, MUTED))
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return info.manifest_file or _tr("No manifest: tubes are registered as they are scanned.")
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return info.partner_name
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return _tr("Created by {who} at {when}").format(who=info.created_by, when=local_time(info.created_at))
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        counts = info.counts
        if column == 0:
            return info.code
        if column == 1:
            return info.partner
        if column == 2:
            return shown_of(STATUS_LABELS, info.status).capitalize()
        if column == 3:
            return local_time(info.created_at)[:10]
        if column == 4:
            details = info.details
            return " · ".join(p for p in (details.courier, details.tracking_number) if p) or DASH
        if column == 5:
            return f"{counts.received} / {counts.expected}" if info.has_manifest else str(counts.received)
        return str((counts.missing, counts.unexpected, counts.damaged, counts.pending)[column - 6])
