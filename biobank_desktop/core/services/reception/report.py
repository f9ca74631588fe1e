"""The discrepancy report of a shipment: PDF (A4, to print and file) and .xlsx (to send back to the clinic).

Both list the arrival conditions, the counters, and every tube that was not simply received as listed:
missing, unexpected (and unlabelled), damaged (any condition but OK), quarantined, rejected and still waiting,
with condition, comment and decision. The PDF follows the box maps' house style (DejaVu fonts, grey-scale safe).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from biobank_desktop.core.domain.reception import CONDITIONS, DRY_ICE_LEFT, PACKAGING, TRANSPORT_TEMPERATURES
from biobank_desktop.core.labels.fonts import font_name, text_width_pt
from biobank_desktop.core.services.reception.dto import Board, BoardTube
from biobank_desktop.core.spreadsheets.writer import Column, HeaderBlock, SheetSpec, WriteResult, write_workbook

PAGE = landscape(A4)
MARGIN = 14 * mm
_HEADERS = ("Problem", "Clinic barcode", "Manifest row", "Study", "Participant", "Type", "Condition", "Comment",
            "Decision", "Reason", "Sample ID")
_PDF_WIDTHS = (30, 32, 14, 16, 22, 10, 24, 0, 18, 0, 30)  # mm; 0: shares what is left


def discrepancies(board: Board) -> list[tuple[str, BoardTube]]:
    """(problem, tube) for every tube the report lists, missing first, then in board order."""
    found: list[tuple[str, BoardTube]] = []
    for tube in board.tubes:
        problems = []
        if tube.state == "missing":
            problems.append("missing")
        if tube.outcome == "unexpected":
            problems.append("not on manifest")
        if tube.outcome == "unlabelled":
            problems.append("no barcode")
        if tube.condition not in (None, "OK"):
            problems.append("damaged")
        if tube.decision in ("quarantined", "rejected", "pending"):
            problems.append({"pending": "undecided"}.get(tube.decision, tube.decision))
        if problems:
            found.append((", ".join(problems), tube))
    found.sort(key=lambda item: item[1].state != "missing")
    return found


def arrival_lines(board: Board) -> list[tuple[str, str]]:
    info = board.shipment
    a, d = info.arrival, info.details
    temperature = f"{a.temperature_c} °C" if a.temperature_c is not None else "not recorded"
    return [
        ("Shipment", f"{info.code} from {info.partner} — {info.partner_name} ({info.status_label})"),
        ("Manifest", info.manifest_file or "none (registered as scanned)"),
        ("Sender", d.sender or "—"),
        ("Courier / tracking", f"{d.courier or '—'} / {d.tracking_number or '—'}"),
        ("Shipped", _time(d.shipped_at)),
        ("Received", f"{_time(a.received_at)} by {a.received_by or '—'}"),
        ("Transport", TRANSPORT_TEMPERATURES.get(a.transport_temperature or "", "not recorded")),
        ("Dry ice", DRY_ICE_LEFT.get(a.dry_ice_left or "", "not recorded")),
        ("Logger / probe temperature", temperature),
        ("Packaging", PACKAGING.get(a.packaging or "", "not recorded")),
        ("Closed", f"{_time(info.closed_at)} by {info.closed_by}" + (f": {info.close_reason}" if info.close_reason
                                                                      else "") if info.closed_at else "not yet"),
    ]


def count_line(board: Board) -> str:
    c = board.counts
    return (f"Expected {c.expected} · received {c.received} · missing {c.missing} · not on manifest {c.unexpected}"
            f" · damaged {c.damaged} · accepted {c.accepted} · quarantined {c.quarantined} · rejected {c.rejected}"
            f" · undecided {c.pending}")


def _time(moment: dt.datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "—"


def _row(problem: str, tube: BoardTube) -> list[object]:
    return [problem, tube.barcode or "(no barcode)", tube.source_row, tube.study or "", tube.pseudonym or "",
            tube.sample_type or "", CONDITIONS.get(tube.condition or "", "") if tube.condition else "",
            tube.comment, tube.decision or "", tube.decision_reason or "", tube.sample_code or ""]


def write_report_xlsx(board: Board, out: Path, *, created_by: str, database: str) -> WriteResult:
    header = HeaderBlock(f"Discrepancy report of shipment {board.shipment.code}", created_by=created_by,
                         database=database, details=[*arrival_lines(board), ("Counts", count_line(board))])
    kinds: dict[int, str] = {2: "int"}
    columns = [Column(h, kinds.get(i, "text")) for i, h in enumerate(_HEADERS)]  # type: ignore[arg-type]
    rows = [_row(problem, tube) for problem, tube in discrepancies(board)]
    written = write_workbook(out, [SheetSpec("Discrepancies", columns, rows, header=header, total_rows=len(rows))])
    _ordinary_permissions(written.path)
    return written


def _ordinary_permissions(path: Path) -> None:
    """The mode a file gets when simply created (0666 less the umask), as the PDF has: the workbook writer's
    temporary file is private (0600), which a report meant for sharing must not keep."""
    mask = os.umask(0)
    os.umask(mask)
    path.chmod(0o666 & ~mask)


def write_report_pdf(board: Board, out: Path, *, printed_by: str) -> Path:
    """Written to a temporary file and moved, so a reader never sees half a report."""
    tmp = out.with_name(out.name + ".part")
    canvas = Canvas(str(tmp), pagesize=PAGE, pageCompression=1)
    canvas.setTitle(f"Discrepancy report {board.shipment.code}")
    footer = f"Printed {dt.datetime.now().astimezone():%Y-%m-%d %H:%M} by {printed_by}"
    _Pdf(canvas, footer).draw(board)
    canvas.save()
    tmp.replace(out)
    return out


class _Pdf:
    def __init__(self, canvas: Canvas, footer: str) -> None:
        self.c = canvas
        self.footer = footer
        self.page = 0
        self.y = 0.0
        self.regular, self.bold = font_name(bold=False), font_name(bold=True)
        fixed = sum(w for w in _PDF_WIDTHS) * mm
        free = PAGE[0] - 2 * MARGIN - fixed
        shares = sum(1 for w in _PDF_WIDTHS if w == 0)
        self.widths = [w * mm if w else free / shares for w in _PDF_WIDTHS]

    def draw(self, board: Board) -> None:
        self._new_page(board.shipment.code)
        c = self.c
        c.setFont(self.bold, 15)
        c.drawString(MARGIN, self.y, f"Discrepancy report — shipment {board.shipment.code}")
        self.y -= 9 * mm
        c.setFont(self.bold, 10)
        c.drawString(MARGIN, self.y, "Arrival")
        self.y -= 5 * mm
        for label, value in arrival_lines(board):
            c.setFont(self.bold, 8.5)
            c.drawString(MARGIN, self.y, label)
            c.setFont(self.regular, 8.5)
            c.drawString(MARGIN + 48 * mm, self.y, _clip(value, 8.5, PAGE[0] - 2 * MARGIN - 48 * mm))
            self.y -= 4.3 * mm
        self.y -= 2 * mm
        c.setFont(self.regular, 8.5)
        c.drawString(MARGIN, self.y, _clip(count_line(board), 8.5, PAGE[0] - 2 * MARGIN))
        self.y -= 8 * mm
        rows = discrepancies(board)
        c.setFont(self.bold, 10)
        c.drawString(MARGIN, self.y, f"Tubes with a discrepancy ({len(rows)})" if rows else
                     "No discrepancy: every listed tube was received in good condition and accepted.")
        self.y -= 6 * mm
        if rows:
            self._header()
        for problem, tube in rows:
            if self.y < MARGIN + 28 * mm:  # room for a wrapped row of six lines
                self._finish_page()
                self._new_page(board.shipment.code)
                self._header()
            self._line([str(v) if v is not None else "" for v in _row(problem, tube)], self.regular)
        self._finish_page()

    def _new_page(self, code: str) -> None:
        self.page += 1
        self.y = PAGE[1] - MARGIN - 4 * mm
        if self.page > 1:
            self.c.setFont(self.regular, 8)
            self.c.drawString(MARGIN, self.y, f"Shipment {code} — continued")
            self.y -= 7 * mm

    def _finish_page(self) -> None:
        self.c.setFont(self.regular, 7.5)
        self.c.drawString(MARGIN, MARGIN - 5 * mm, self.footer)
        self.c.drawRightString(PAGE[0] - MARGIN, MARGIN - 5 * mm, f"Page {self.page}")
        self.c.showPage()

    def _header(self) -> None:
        self._line(list(_HEADERS), self.bold)
        self.c.setLineWidth(0.6)
        self.c.line(MARGIN, self.y + 3.2 * mm, PAGE[0] - MARGIN, self.y + 3.2 * mm)

    def _line(self, values: Sequence[str], font: str) -> None:
        """One tube: every cell wrapped to its column (a reason or comment is never cut), up to 6 lines."""
        bold = font == self.bold
        cells = [_wrap(value, 7, width - 1.5 * mm, bold=bold) for value, width in zip(values, self.widths,
                                                                                       strict=True)]
        x = MARGIN
        self.c.setFont(font, 7)
        for lines, width in zip(cells, self.widths, strict=True):
            for i, text in enumerate(lines):
                self.c.drawString(x, self.y - i * 3.2 * mm, text)
            x += width
        self.y -= 4.2 * mm + 3.2 * mm * (max(len(lines) for lines in cells) - 1)


def _wrap(text: str, size: float, width: float, *, bold: bool = False, most: int = 6) -> list[str]:
    """``text`` in lines that fit ``width`` (broken between words; a word too long for a line is clipped)."""
    lines: list[str] = []
    for word in text.split():
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and text_width_pt(joined, size, bold=bold) <= width:
            lines[-1] = joined
        else:
            lines.append(_clip(word, size, width, bold=bold))
    if len(lines) > most:
        lines = [*lines[:most - 1], _clip(" ".join(lines[most - 1:]), size, width, bold=bold)]
    return lines or [""]


def _clip(text: str, size: float, width: float, *, bold: bool = False) -> str:
    text = " ".join(text.split())
    if text_width_pt(text, size, bold=bold) <= width:
        return text
    while text and text_width_pt(text + "…", size, bold=bold) > width:
        text = text[:-1]
    return text + "…"
