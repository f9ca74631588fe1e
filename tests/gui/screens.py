"""Every page of the main window at a given screen size: shown, checked for layout faults, saved as a PNG.

Used by ``tests/gui/test_layout.py`` (PNGs under a temporary folder) and by ``render_screenshots.py``
(PNGs for the README under ``resources/screenshots``). A *layout fault* is what a technician sees as a cut or
garbled screen: the window cannot be as small as the screen (its content needs more room), a widget reaches
past the window's right or bottom edge, two widgets of one row or column drawn over each other, a key button
hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QLayout,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from biobank_desktop.core.domain.roles import Permission

Wait = Callable[[Callable[[], bool]], None]


def _layout_widgets(layout: QLayout) -> Iterator[QWidget]:
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item is None:
            continue
        if item.widget() is not None:
            yield item.widget()
        elif item.layout() is not None:
            yield from _layout_widgets(item.layout())


def _clipped_by_scroll_area(widget: QWidget, top: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        grand = parent.parentWidget()
        if isinstance(grand, QAbstractScrollArea) and grand.viewport() is parent:
            return True
        parent = grand
    return False


def layout_problems(window: QWidget, root: QWidget | None = None, *, size: tuple[int, int] | None = None) -> list[str]:
    """What is wrong with the layout of ``root`` (default: the whole window) as shown now; [] when nothing."""
    problems: list[str] = []
    if size is not None and (window.width(), window.height()) != size:
        problems.append(f"the window cannot be {size[0]}x{size[1]}: it is {window.width()}x{window.height()} "
                        f"(its content needs {window.minimumSizeHint().width()}x{window.minimumSizeHint().height()})")
    root = root or window
    bounds = QRect(0, 0, window.width(), window.height())
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or (widget.isWindow() and widget is not window):
            continue
        if _clipped_by_scroll_area(widget, window):
            continue
        rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        name = widget.objectName() or type(widget).__name__
        if rect.right() > bounds.right() + 1 or rect.bottom() > bounds.bottom() + 1:
            problems.append(f"{name} {_text(widget)} reaches past the window ({rect.right()}, {rect.bottom()})")
        if isinstance(widget, QComboBox) and widget.currentText():
            needed = widget.fontMetrics().horizontalAdvance(widget.currentText()) + 44  # text + arrow + padding
            if widget.width() < needed:
                problems.append(f"{name} “{widget.currentText()}” is clipped ({widget.width()} < {needed} px)")
        layout = widget.layout()
        if layout is None or isinstance(widget, QSplitter | QStackedWidget):
            continue
        shown = [w for w in _layout_widgets(layout) if w.isVisible() and w.parentWidget() is widget]
        for i, a in enumerate(shown):
            for b in shown[i + 1:]:
                overlap = a.geometry().intersected(b.geometry())
                if overlap.width() > 1 and overlap.height() > 1:
                    problems.append(f"{a.objectName() or type(a).__name__} {_text(a)} overlaps "
                                    f"{b.objectName() or type(b).__name__} {_text(b)}")
    return problems


def _text(widget: QWidget) -> str:
    text = getattr(widget, "text", None)
    try:
        value = text() if callable(text) else ""
    except TypeError:
        value = ""
    return f"“{value[:30]}”" if isinstance(value, str) and value else ""


def hidden_buttons(window: QWidget, buttons: list[QWidget]) -> list[str]:
    """The key buttons that cannot be seen whole inside the window."""
    bad = []
    bounds = QRect(0, 0, window.width(), window.height())
    for button in buttons:
        rect = QRect(button.mapTo(window, QPoint(0, 0)), button.size())
        visible = button.isVisible() and bounds.contains(rect) and rect.width() >= button.minimumSizeHint().width()
        if not visible:
            bad.append(f"{button.objectName() or _text(button)} at {rect.getRect()}")
    return bad


def render_pages(window: QWidget, out: Path, width: int, height: int, wait: Wait) -> dict[str, list[str]]:
    """Show every page the window offers at ``width`` x ``height``; save ``<page>-<w>x<h>.png`` in ``out``;
    return each shot's layout faults (an empty list when it is right)."""
    out.mkdir(parents=True, exist_ok=True)
    window.showNormal()
    window.resize(width, height)
    faults: dict[str, list[str]] = {}
    tag = f"{width}x{height}"

    def shot(name: str, key_buttons: list[QWidget], read_tables: tuple[QAbstractScrollArea, ...] = ()) -> None:
        for _ in range(3):
            QApplication.processEvents()
        window.grab().save(str(out / f"{name}-{tag}.png"))
        faults[name] = layout_problems(window, size=(width, height)) + [
            f"key button hidden: {b}" for b in hidden_buttons(window, key_buttons)] + [
            f"{t.objectName()} needs sideways scrolling" for t in read_tables if t.horizontalScrollBar().isVisible()]

    open_page = window.open_page  # type: ignore[attr-defined]
    search = open_page("search")
    wait(lambda: search.model.rowCount() > 0 and not search.model.fetching)
    shot("search", [search.search_button, search.clear_button, search.collected_to, search.received_to])
    code = search.model.sample_code(0)
    sample = open_page("sample")
    sample.show_sample(code)
    wait(lambda: sample.detail is not None and sample.detail.sample_code == code)
    shot("sample", [sample.reload_button], (sample.history_table,))
    audit = open_page("audit")
    wait(lambda: audit.model.rowCount() > 0 and not audit.model.fetching)
    audit.table.selectRow(0)
    shot("audit", [audit.search_button, audit.until, audit.verify_button], (audit.table,))
    if window.session.can(Permission.MANAGE_USERS):  # type: ignore[attr-defined]
        users = open_page("users")
        wait(lambda: users.model.rowCount() > 0)
        shot("users", [], (users.table,))
    open_page("settings")
    shot("settings", [])
    labels = open_page("labels")
    wait(lambda: not window.session.runner.busy)  # type: ignore[attr-defined]
    shot("labels-queue", [labels.queue.print_button, labels.queue.cancel_button])
    labels.show_tab(labels.DESIGNER)
    wait(lambda: labels.designer.current is not None)
    shot("labels-designer", [labels.designer.save_button, labels.designer.add_button, labels.designer.preview])
    labels.show_tab(labels.RULES)
    wait(lambda: labels.rules.loaded)
    shot("labels-rules", [])
    labels.show_tab(labels.QUEUE)
    aliquoting_shots(window, shot, wait)
    reception_shots(window, shot, wait)
    open_page("search")
    return faults


def parent_for_shots(services: object) -> str:
    """The available tube of the demo data holding the most (the aliquoting page's example parent)."""
    from biobank_desktop.core.services.queries import SampleCriteria

    queries = services.queries  # type: ignore[attr-defined]
    rows = [r for r in queries.rows(queries.search_ids(SampleCriteria(statuses=("available",)), limit=2000))
            if r.volume_ul is not None]
    return str(max(rows, key=lambda r: r.volume_ul).sample_code)


def fill_aliquot_form(page: QWidget, wait: Wait, code: str) -> None:
    """The aliquoting page with ``code`` scanned and 4 × 0,25 mL (0,1 mL dead) typed: the arithmetic shows."""
    one = page.one  # type: ignore[attr-defined]
    one.load_parent(code)
    wait(lambda: one.info is not None and one.info.sample_code == code)
    one.form.count.setText("4")
    one.form.each.setText("0,25 mL")
    one.form.dead.setText("0,1 mL")


def aliquoting_shots(window: QWidget, shot: Callable[..., None], wait: Wait) -> None:
    """The aliquoting page: one parent with the arithmetic typed, the batch tab, the protocols."""
    page = window.open_page("aliquoting")  # type: ignore[attr-defined]
    if page is None:
        return
    fill_aliquot_form(page, wait, parent_for_shots(window.session.services))  # type: ignore[attr-defined]
    shot("aliquoting", [page.one.ok_button, page.one.check_out_button])
    page.tabs.setCurrentWidget(page.batch)
    shot("aliquoting-batch", [page.batch.run_button, page.batch.rack_file_button])
    page.tabs.setCurrentWidget(page.protocols)
    wait(lambda: page.protocols.study.count() > 1)
    shot("aliquoting-protocols", [page.protocols.parent_button])
    page.tabs.setCurrentWidget(page.one)


def reception_shots(window: QWidget, shot: Callable[..., None], wait: Wait) -> None:
    """The shipment list, then a board answering a scan (a shipment without manifest: the tube is new)."""
    session = window.session  # type: ignore[attr-defined]
    reception = window.open_page("reception")  # type: ignore[attr-defined]
    if reception is None:
        return
    reception.show_list()
    if not session.services.reception.shipments(status="open"):
        session.services.reception.create_shipment(session.actor, "CHL")
        reception.show_list()
    wait(lambda: reception.shipments.loaded > 0 and reception.shipments.model.rowCount() > 0)
    shot("reception-list", [reception.shipments.new_button, reception.shipments.manifest_button,
                            reception.shipments.open_button])
    reception.shipments.open_selected()
    board = reception.board
    wait(lambda: board.board is not None and not board.busy)
    board.scan.edit.setText("NEW-TUBE-0001")
    board.scan.edit.returnPressed.emit()
    wait(lambda: board.verdict.verdict in ("ok", "warn", "error") and not board.busy)
    shot("reception-board", [reception.close_button, reception.report_button, reception.store_button,
                             reception.labels_button, reception.unlabelled_button,
                             board.tube_panel.accept_button, board.tube_panel.quarantine_button,
                             board.tube_panel.reject_button, *board.tube_panel.condition_buttons.values()])
    reception.show_list()
