"""The audit trail: who did what, when, where, before/after and why; and a check of the hash chain."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QItemSelection, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QSplitter,
    QTextBrowser,
    QWidget,
)

from biobank_desktop.core.domain.clock import local_midnight_utc
from biobank_desktop.core.domain.errors import OperationCancelledError
from biobank_desktop.core.jobs import CancelledFn, ProgressFn
from biobank_desktop.core.services.audit import AuditEventInfo, AuditFilter, VerifyResult
from biobank_desktop.core.services.changes import Changes
from biobank_desktop.ui.formatting import DASH, audit_value, field_name, local_time
from biobank_desktop.ui.models.audit_table import AuditEventModel
from biobank_desktop.ui.pages.base import Page
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.theme import ROW_HEIGHT
from biobank_desktop.ui.widgets.common import OptionalDateEdit, button, label, table_view

ACTIONS = (
    ("sample.", "Samples"), ("login.", "Logins"), ("user.", "User accounts"), ("account.", "Lockouts"),
    ("participant.", "Participants"), ("study.", "Studies"), ("site.", "Partner sites"),
)
ENTITY_TYPES = (("sample", "Sample"), ("user", "User"), ("participant", "Participant"), ("study", "Study"),
                ("site", "Partner site"))
PAGE_SIZE = 200


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def event_html(ev: AuditEventInfo) -> str:
    """One event written out in full, for the detail pane."""
    rows = [
        ("When", local_time(ev.occurred_at, seconds=True)), ("Who", f"{ev.username} at {ev.workstation}"),
        ("Action", ev.action), ("Record", f"{ev.entity_type} {ev.entity_id}"), ("What", ev.summary),
        ("Reason", ev.reason or DASH),
    ]
    html = ["<table cellpadding='3'>"]
    html += [f"<tr><td style='color:#4a5361'>{k}</td><td><b>{_escape(v)}</b></td></tr>" for k, v in rows]
    html.append("</table>")
    keys = list(dict.fromkeys([*(ev.before or {}).keys(), *(ev.after or {}).keys()]))
    if keys:
        html.append("<table cellpadding='4' style='margin-top:8px' border='0'>"
                    "<tr><th align='left'>Field</th><th align='left'>Before</th><th align='left'>After</th></tr>")
        for key in keys:
            before = audit_value((ev.before or {}).get(key)) if ev.before and key in ev.before else DASH
            after = audit_value((ev.after or {}).get(key)) if ev.after and key in ev.after else DASH
            html.append(f"<tr><td>{_escape(field_name(key))}</td><td>{_escape(before)}</td>"
                        f"<td><b>{_escape(after)}</b></td></tr>")
        html.append("</table>")
    return "".join(html)


class AuditPage(Page):
    title = "Audit trail"
    subtitle = "Every change, login and refusal, newest first. Select an event to see it in full."

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self._newest_shown = 0
        self.verify_button = button("Verify chain", on_click=self.verify)
        self.verify_button.setToolTip("Recompute the hash chain of the whole trail to prove nothing was altered")
        self.header.addWidget(self.verify_button)

        self.text = QLineEdit()
        self.text.setPlaceholderText("Sample ID, user name or words from the summary")
        self.text.setClearButtonEnabled(True)
        self.user = QLineEdit()
        self.user.setPlaceholderText("User name")
        self.user.setMaximumWidth(180)
        self.action = QComboBox()
        self.action.addItem("All actions", None)
        for prefix, text in ACTIONS:
            self.action.addItem(text, prefix)
        self.entity = QComboBox()
        self.entity.addItem("All records", None)
        for value, text in ENTITY_TYPES:
            self.entity.addItem(text, value)
        self.since = OptionalDateEdit()
        self.until = OptionalDateEdit()
        self.search_button = button("Search", primary=True, on_click=self.search)
        row1 = QHBoxLayout()
        row1.setSpacing(8)
        row1.addWidget(self.text, 3)
        row1.addWidget(self.user, 1)
        row1.addWidget(self.action, 1)
        row1.addWidget(self.entity, 1)
        row2 = QHBoxLayout()
        row2.setSpacing(8)
        row2.addWidget(label("From", "fieldname"))
        row2.addWidget(self.since)
        row2.addWidget(label("to", "fieldname"))
        row2.addWidget(self.until)
        self.count_label = label("", "fieldname")
        row2.addSpacing(16)
        row2.addWidget(self.count_label, 1)
        self.refresh_button = button("Refresh (F5)", on_click=self.search)
        row2.addWidget(self.refresh_button)
        row2.addWidget(self.search_button)
        self.body.addLayout(row1)
        self.body.addLayout(row2)

        self.model = AuditEventModel(session.runner, page_size=PAGE_SIZE)
        self.table = table_view("auditTable", self.model, row_height=ROW_HEIGHT,
                                widths=[self.model.column_width(c) for c in range(self.model.columnCount())])
        self.details = QTextBrowser()
        self.details.setObjectName("auditDetails")
        self.details.setPlaceholderText("Select an event to see it in full.")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([600, 300])
        splitter.setChildrenCollapsible(False)
        self.body.addWidget(splitter, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(450)
        self._timer.timeout.connect(self.search)
        for edit in (self.text, self.user):
            edit.textEdited.connect(lambda _t: self._timer.start())
            edit.returnPressed.connect(self.search)
        for combo in (self.action, self.entity):
            combo.currentIndexChanged.connect(lambda _i: self.search())
        for date in (self.since, self.until):
            date.dateChanged.connect(lambda _d: self.search())
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.model.loading_changed.connect(self._loading)
        self.model.load_failed.connect(lambda exc: self.show_error(exc, "Retry"))
        self.banner.action_clicked.connect(self.search)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.search, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def current_filter(self) -> AuditFilter:
        since, until = self.since.value(), self.until.value()
        return AuditFilter(
            text=self.text.text().strip(), username=self.user.text().strip().lower() or None,
            action_prefix=self.action.currentData(), entity_type=self.entity.currentData(),
            since=local_midnight_utc(since) if since else None,
            until=local_midnight_utc(until + dt.timedelta(days=1)) if until else None,  # 'to' is inclusive
        )

    def search(self) -> None:
        self._timer.stop()
        self.banner.hide()
        self.details.clear()
        flt, audit, actor = self.current_filter(), self.session.services.audit, self.session.actor
        self.model.set_loader(lambda before: audit.browse(actor, flt, before_seq=before, limit=PAGE_SIZE))

    def _loading(self, busy: bool) -> None:
        if busy:
            self.count_label.setText("Loading…")
            return
        rows = self.model.rowCount()
        if rows:
            self._newest_shown = max(self._newest_shown, self.model.events[0].seq)
        more = "" if self.model.exhausted else " — scroll down for older ones"
        self.count_label.setText(f"{rows:,} events shown{more}" if rows else "No event matches.")

    def _selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        ev = self.model.event_at(indexes[0].row()) if indexes else None
        if ev is None:
            self.details.clear()
        else:
            self.details.setHtml(event_html(ev))

    # -- verify ---------------------------------------------------------------------------------------

    def verify(self) -> None:
        audit = self.session.services.audit
        self.verify_button.setEnabled(False)

        def work(progress: ProgressFn, cancelled: CancelledFn) -> VerifyResult:
            def step(checked: int, total: int) -> None:
                if cancelled():
                    raise OperationCancelledError("The check was cancelled; nothing was changed.")
                progress(checked / total if total else 1.0, f"{checked:,} of {total:,} events checked")

            return audit.verify(progress=step)

        def done(result: VerifyResult) -> None:
            self.verify_button.setEnabled(True)
            if result.ok:
                self.banner.show_message(
                    f"The audit trail is intact: all {result.checked:,} events link up and none was altered "
                    f"(newest is #{result.last_seq:,}).", "ok")
            else:
                where = f" First broken event: #{result.first_broken_seq:,}." if result.first_broken_seq else ""
                self.banner.show_message(
                    f"The audit trail has been tampered with: {result.problem}.{where} "
                    f"{result.checked:,} events were verified before it. Tell your administrator.", "error")

        def stopped() -> None:
            self.verify_button.setEnabled(True)
            self.banner.show_message("The check was cancelled.", "info")

        def failed(exc: BaseException) -> None:
            self.verify_button.setEnabled(True)
            self.show_error(exc)

        self.session.runner.start(work, title="Verifying the audit trail", on_result=done, on_error=failed,
                                  on_cancel=stopped, owner=self)

    # -- page hooks ----------------------------------------------------------------------------------

    def page_shown(self) -> None:
        if not self.model.rowCount() and not self.model.fetching:
            self.search()

    def data_changed(self, changes: Changes) -> None:
        # Every change leaves an audit event. Reload only when the user is looking at the newest events;
        # otherwise do not move their place (a record with no sequence number is taken as news).
        seq = changes.last_audit_seq
        newer = seq == 0 or seq > self._newest_shown
        if changes and newer and self.isVisible() and self.table.verticalScrollBar().value() == 0:
            self.search()
