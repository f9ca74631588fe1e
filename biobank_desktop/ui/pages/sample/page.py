"""One sample, everything about it: identity, type, volume, status, time points, SPREC, storage,
lineage and its full history; with the actions the role allows (status, barcode, notes, SPREC).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.domain.errors import ConflictError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services.audit import AuditEventInfo
from biobank_desktop.core.services.changes import CONTAINER, PARTICIPANT, SAMPLE, Changes
from biobank_desktop.core.services.dto import SampleDetail
from biobank_desktop.core.services.samples import SAMPLE_STATUSES  # type: ignore[attr-defined]  # not re-exported yet
from biobank_desktop.ui import formatting
from biobank_desktop.ui.formatting import DASH, local_time, tr_n
from biobank_desktop.ui.models.audit_table import AuditEventModel
from biobank_desktop.ui.navigation import PrintSummary
from biobank_desktop.ui.operations.writes import run_write
from biobank_desktop.ui.pages.base import Page
from biobank_desktop.ui.pages.sample.lineage import LineageView
from biobank_desktop.ui.pages.sample.parts import (
    LIKELY_NEXT_STATUS,
    Fields,
    barcode_kinds,
    barcode_removal_reasons,
    consent_alert,
    consent_text,
    explained,
    group,
    link_text,
    reprint_reasons,
    status_reasons,
    temperature,
)
from biobank_desktop.ui.pages.sample.sprec_panel import SprecPanel
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.theme import ROW_HEIGHT, STATUS_COLOURS, repolish, status_text
from biobank_desktop.ui.widgets.common import ReasonDialog, ask, button, fit_columns, label, shown_if, table_view

HISTORY_COLUMNS = (1, 2, 4, 6, 7, 8)  # When, User, Action, What happened, Changes, Reason
RECENT_MAX = 12
class SamplePage(Page):
    title = "Sample"

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.detail: SampleDetail | None = None
        self.history: list[AuditEventInfo] = []
        self._requested: str | None = None
        self._seen_seq = 0
        self._recent: list[str] = []
        self._load_token = 0
        self._to_top = False
        can_record = session.can(Permission.RECORD_SAMPLES)

        # -- header: status and actions -------------------------------------------------------------
        self.status_chip = QLabel()
        self.status_chip.setObjectName("statusChip")
        self.status_chip.hide()
        self.change_status_button = button("Change status…", on_click=self.change_status)
        self.override_button = button("Override SPREC…", on_click=self.override_sprec)
        self.reload_button = button("Reload", on_click=self.reload)
        self.print_button = button("Print label", on_click=self.print_label)
        self.print_button.setObjectName("printLabelButton")
        self.print_button.setToolTip("Print this tube's label now, on the printer the print rules choose")
        self.reprint_button = button("Reprint label…", on_click=self.reprint_label)
        self.reprint_button.setObjectName("reprintLabelButton")
        shown_if(self.change_status_button, can_record)
        shown_if(self.override_button, session.can(Permission.OVERRIDE_SPREC))
        shown_if(self.print_button, session.can(Permission.PRINT_LABELS))
        shown_if(self.reprint_button, session.can(Permission.REPRINT_LABELS))
        for widget in (self.status_chip, self.change_status_button, self.override_button, self.reload_button):
            self.header.addWidget(widget)
        self.banner.action_clicked.connect(self.reload)

        # A withdrawn (or refused) consent stays in sight above everything, whatever is scrolled.
        self.consent_alert = label("", wrap=True, selectable=True)
        self.consent_alert.setObjectName("consentAlert")
        self.consent_alert.setStyleSheet("QLabel#consentAlert { color: white; background: #a4161a; border-radius: 6px;"
                                         " padding: 10px 14px; font-size: 13pt; font-weight: 700; }")
        self.consent_alert.hide()
        self.body.addWidget(self.consent_alert)
        self.stack = QStackedWidget()
        self.body.addWidget(self.stack, 1)

        # -- empty state ----------------------------------------------------------------------------
        empty = QWidget()
        empty_layout = QVBoxLayout(empty)
        empty_layout.setContentsMargins(0, 30, 0, 0)
        hint = label("Scan a tube with the scan field at the top (F2), or open a sample from Search.",
                     "subtitle", wrap=True)
        hint.setObjectName("emptyHint")
        empty_layout.addWidget(hint)
        self.recent_title = label("Opened recently", "fieldname")
        self.recent = QListWidget()
        self.recent.setObjectName("recentSamples")
        self.recent.setMaximumWidth(480)
        self.recent.itemActivated.connect(lambda item: self.show_sample(item.text()))
        self.recent.itemClicked.connect(lambda item: self.show_sample(item.text()))
        empty_layout.addSpacing(12)
        empty_layout.addWidget(self.recent_title)
        empty_layout.addWidget(self.recent, 1)
        self.recent_title.hide()
        self.recent.hide()
        self.stack.addWidget(empty)

        # -- the sample -----------------------------------------------------------------------------
        scroll = QScrollArea()
        scroll.setObjectName("sampleScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.sample_scroll = scroll
        content = QWidget()
        scroll.setWidget(content)
        grid = QGridLayout(content)
        grid.setContentsMargins(0, 0, 8, 0)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(10)
        self.stack.addWidget(scroll)

        self.identity = Fields()
        self.identity.add("sample_code", "Sample ID")
        self.identity.add("barcodes", "Barcodes")
        self.barcode_input = QLineEdit()
        self.barcode_input.setObjectName("barcodeInput")
        self.barcode_input.setPlaceholderText(self.tr("Scan the tube's own barcode to add it, then Enter"))
        self.barcode_input.returnPressed.connect(self.add_barcode)
        self.barcode_kind = QComboBox()
        self.barcode_kind.setObjectName("barcodeKind")
        for value, text in barcode_kinds():
            self.barcode_kind.addItem(text, value)
        self.barcode_kind.setToolTip(self.tr("What the barcode is: the clinic's label, the tube maker's 2D code, "
                                             "or something else"))
        self.remove_barcode_button = button(self.tr("Remove barcode…"), on_click=self.remove_barcode)
        self.remove_barcode_button.setObjectName("removeBarcodeButton")
        self.barcode_input.setMinimumWidth(220)
        barcode_row = QVBoxLayout()
        barcode_row.setContentsMargins(0, 0, 0, 0)
        barcode_row.setSpacing(6)
        barcode_row.addWidget(self.barcode_input)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.barcode_kind, 1)
        kind_row.addWidget(self.remove_barcode_button)
        barcode_row.addLayout(kind_row)
        if can_record:
            self.identity.addRow(label(self.tr("Add barcode"), "fieldname"), barcode_row)
        else:
            for hidden in (self.barcode_input, self.barcode_kind, self.remove_barcode_button):
                hidden.hide()
        self.identity.add("study", "Study")
        self.identity.add("participant", "Participant")
        self.identity.add("site", "Partner site")
        self.identity.add("created", "Recorded")
        label_row = QHBoxLayout()
        label_row.setContentsMargins(0, 4, 0, 0)
        label_row.addWidget(self.print_button)
        label_row.addWidget(self.reprint_button)
        label_row.addStretch(1)
        if session.can(Permission.PRINT_LABELS) or session.can(Permission.REPRINT_LABELS):
            self.identity.addRow(label("Tube label", "fieldname"), label_row)

        self.sample_fields = Fields(
            ("type", "Sample type"), ("material", "Material"), ("container", "Primary container"),
            ("volume", "Volume"), ("status", "Status"), ("freeze_thaw", "Freeze–thaw cycles"), ("kind", "Kind"))

        self.storage = Fields(("location", "Position"), ("box", "Box barcode"))

        self.times = Fields(
            ("collected", "Collected"), ("received", "Received"), ("centrifuged", "Centrifugation started"),
            ("centrifugation_ended", "Centrifugation ended"), ("frozen", "Frozen"),
            ("pre_temp", "Before centrifugation"), ("centrifugation", "Centrifugation"),
            ("second", "Second centrifugation"), ("post_temp", "After centrifugation"),
            ("storage", "Long-term storage"))

        sprec_layout = self.sprec = SprecPanel()
        self.sprec_code, self.sprec_note = sprec_layout.code, sprec_layout.note

        lineage_layout = QVBoxLayout()
        self.parent_button = button("", link=True)
        self.parent_button.setObjectName("parentLink")
        self.parent_button.clicked.connect(self._open_parent)
        self.parent_none = label("None: this is a primary sample.", "fieldname")
        self.children_title = label("Children", "fieldname")
        self.children_list = QListWidget()
        self.children_list.setObjectName("childrenList")
        self.children_list.setMaximumHeight(200)
        self.children_list.itemActivated.connect(self._open_child)
        self.children_list.itemClicked.connect(self._open_child)
        lineage_layout.addWidget(label("Parent", "fieldname"))
        lineage_layout.addWidget(self.parent_button)
        lineage_layout.addWidget(self.parent_none)
        lineage_layout.addWidget(self.children_title)
        lineage_layout.addWidget(self.children_list)

        notes_layout = QVBoxLayout()
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("notes")
        self.notes.setFixedHeight(90)
        self.notes.setReadOnly(not can_record)
        self.notes.setTabChangesFocus(True)
        self.save_notes_button = button("Save notes", on_click=self.save_notes)
        shown_if(self.save_notes_button, can_record)
        self.save_notes_button.setEnabled(False)
        self.notes.textChanged.connect(self._notes_edited)
        notes_row = QHBoxLayout()
        notes_row.addWidget(self.notes, 1)
        notes_row.addWidget(self.save_notes_button, 0, Qt.AlignmentFlag.AlignTop)
        notes_layout.addLayout(notes_row)

        self.history_model = AuditEventModel(columns=HISTORY_COLUMNS)
        self.history_table = table_view("historyTable", self.history_model, row_height=ROW_HEIGHT, widths=[
            self.history_model.column_width(c) for c in range(len(HISTORY_COLUMNS))])
        fit_columns(self.history_table, stretch=(HISTORY_COLUMNS.index(6), HISTORY_COLUMNS.index(8)))
        self.history_table.setMinimumHeight(260)
        history_layout = QVBoxLayout()
        history_layout.addWidget(self.history_table)

        self.consents_layout = QVBoxLayout()
        self.consents_layout.setSpacing(6)
        self.consent_box = group(self.tr("Consent"), self.consents_layout)
        self.consent_box.setObjectName("consentBox")

        self.times_box = group("Pre-analytical times", self.times)
        grid.addWidget(group("Identity", self.identity), 0, 0)
        grid.addWidget(self.consent_box, 1, 0)
        grid.addWidget(group("Sample", self.sample_fields), 2, 0)
        grid.addWidget(group("Storage", self.storage), 3, 0)
        grid.addWidget(self.times_box, 0, 1)
        grid.addWidget(group("SPREC code", sprec_layout), 1, 1, 3, 1)
        grid.addWidget(group("Lineage", lineage_layout), 4, 0)
        grid.addWidget(group("Notes", notes_layout), 4, 1)
        self.lineage_view = LineageView(session)  # the family tree (sample/lineage.py), full width
        grid.addWidget(group(self.tr("Family: ancestors and descendants"), self.lineage_view.as_layout()), 5, 0, 1, 2)
        self.history_box = group("History (newest first)", history_layout)
        grid.addWidget(self.history_box, 6, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(7, 1)

        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._set_actions_enabled(False)

    # -- loading --------------------------------------------------------------------------------------

    @property
    def sample_code(self) -> str | None:
        return self.detail.sample_code if self.detail else None

    def show_sample(self, code: str) -> None:
        """Load and show ``code`` (an internal ID or an external barcode), scrolled to the top."""
        self._requested = code
        self._to_top = True
        self.banner.clear()
        self.title_label.setText(f"Sample {code}")
        self._load(code)

    def reload(self) -> None:
        """The technician asked to read the sample again (F5, Reload): the old message goes."""
        code = self.sample_code or self._requested
        if code:
            self.banner.clear()
            self._load(code)

    def _refresh(self) -> None:
        """Show the latest state after a change (this page's own, or another workstation's). The banner keeps
        what the last action said: a confirmation stays until the next action."""
        code = self.sample_code or self._requested
        if code:
            self._load(code)

    def _load(self, code: str) -> None:
        services, actor = self.session.services, self.session.actor
        self.reload_button.setEnabled(False)
        self._load_token += 1
        token = self._load_token

        def work() -> tuple[SampleDetail, list[AuditEventInfo], int]:
            seq = services.audit.last_seq()
            detail = services.queries.detail(code, actor)  # who reads is checked in the database
            history = services.audit.history(actor, "sample", detail.sample_code)
            return detail, history, seq

        def failed(exc: BaseException) -> None:
            if token != self._load_token:
                return  # another sample was asked for meanwhile
            self.reload_button.setEnabled(True)
            if self.detail is None:
                self.title_label.setText("Sample")
            self.show_error(exc, None)

        def loaded(result: tuple[SampleDetail, list[AuditEventInfo], int]) -> None:
            if token == self._load_token:  # an older answer (another sample) must not replace the newer one
                self._loaded(result)

        self.session.runner.call(work, on_result=loaded, on_error=failed, owner=self)

    def _loaded(self, result: tuple[SampleDetail, list[AuditEventInfo], int]) -> None:
        detail, history, seq = result
        self.reload_button.setEnabled(True)
        if self.detail is not None and self.detail.sample_code != detail.sample_code:
            self.banner.clear()  # a message about the previous sample does not belong to this one
        self._seen_seq = max(self._seen_seq, seq)
        self.detail, self.history = detail, history
        self._remember(detail.sample_code)
        self._fill(detail, history)
        self.stack.setCurrentIndex(1)
        self._set_actions_enabled(True)
        if self._to_top:
            self._to_top = False
            self.sample_scroll.verticalScrollBar().setValue(0)  # the identity first, whatever was scrolled before

    def _remember(self, code: str) -> None:
        if code in self._recent:
            self._recent.remove(code)
        self._recent.insert(0, code)
        del self._recent[RECENT_MAX:]
        self.recent.clear()
        self.recent.addItems(self._recent)
        self.recent_title.show()
        self.recent.show()

    def _set_actions_enabled(self, enabled: bool) -> None:
        for widget in (self.change_status_button, self.override_button, self.barcode_input, self.barcode_kind,
                       self.remove_barcode_button, self.print_button, self.reprint_button):
            widget.setEnabled(enabled)

    # -- filling in ----------------------------------------------------------------------------------

    def _fill(self, d: SampleDetail, history: list[AuditEventInfo]) -> None:
        self.title_label.setText(f"Sample {d.sample_code}")
        colour, background = STATUS_COLOURS.get(d.status, ("#14181f", "#eceff3"))
        self.status_chip.setText(status_text(d.status))
        self.status_chip.setStyleSheet(
            f"QLabel#statusChip {{ color: {colour}; background: {background}; border: 2px solid {colour};"
            " border-radius: 16px; padding: 4px 16px; font-size: 12pt; font-weight: 700; }")
        self.status_chip.show()

        ident = self.identity
        ident.set("sample_code", d.sample_code)
        ident.set("barcodes", "\n".join(f"{code}  ({kind})" for code, kind in d.barcodes) or "None")
        ident.set("study", f"{d.study_code} — {d.study_name}")
        ident.set("participant", d.participant)
        ident.set("site", f"{d.site_code} — {d.site_name}" if d.site_code else None)
        ident.set("created", f"{local_time(d.created_at)}  (last change {local_time(d.updated_at)})")

        self._fill_consents(d)

        fields = self.sample_fields
        fields.set("type", f"{d.sample_type} — {d.sample_type_meaning}")
        fields.set("material", d.material.capitalize())
        fields.set("container", d.primary_container)
        initial = formatting.volume(d.initial_volume_ul)
        current = formatting.volume(d.volume_ul)
        fields.set("volume", current if initial in (current, DASH) else f"{current}  (initially {initial})")
        fields.set("status", status_text(d.status))
        fields.set("freeze_thaw", str(d.freeze_thaw_count))
        fields.set("kind", d.lineage_kind.capitalize())

        self.storage.set("location", d.location.display if d.location else "Not placed in storage")
        self.storage.set("box", d.location.container_barcode if d.location else None)

        self.times_box.setTitle(f"Pre-analytical times (local time, {formatting.local_zone_name()})")
        times = self.times
        times.set("collected", local_time(d.collected_at, seconds=True))
        times.set("received", local_time(d.received_at))
        times.set("centrifuged", local_time(d.centrifuged_at, seconds=True))
        times.set("centrifugation_ended", local_time(d.centrifugation_ended_at, seconds=True))
        times.set("frozen", local_time(d.frozen_at, seconds=True))
        times.set("pre_temp", temperature(d.pre_centrifugation_temp))
        explain = explained(d)
        times.set("centrifugation", explain(d.centrifugation, 3))
        times.set("second", explain(d.second_centrifugation, 4))
        times.set("post_temp", temperature(d.post_centrifugation_temp))
        times.set("storage", explain(d.long_term_storage, 6))

        self.sprec.show_detail(d)

        if d.parent is not None:
            self.parent_button.setText(link_text(d.parent))
            self.parent_button.setProperty("code", d.parent.sample_code)
        self.parent_button.setVisible(d.parent is not None)
        self.parent_none.setVisible(d.parent is None)
        self.children_list.clear()
        for child in d.children:
            entry = QListWidgetItem(link_text(child))
            entry.setData(Qt.ItemDataRole.UserRole, child.sample_code)
            entry.setForeground(self.palette().link())
            self.children_list.addItem(entry)
        self.children_title.setText(f"Children ({len(d.children)})" if d.children else "Children: none")
        self.children_list.setVisible(bool(d.children))
        self.lineage_view.show_sample(d.sample_code)

        self.notes.blockSignals(True)
        self.notes.setPlainText(d.notes)
        self.notes.blockSignals(False)
        self.save_notes_button.setEnabled(False)
        self.history_model.set_events(list(reversed(history)))
        self.history_box.setTitle(tr_n("SamplePage", "History (newest first, %n event(s))", len(history)))
        repolish(self.status_chip)

    def _fill_consents(self, d: SampleDetail) -> None:
        """The participant's consents (version, scope, status, withdrawal); a withdrawal or refusal also in the
        red line above the page, which no scrolling hides."""
        while self.consents_layout.count():
            item = self.consents_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)  # out of the page at once (findChild, screen readers), deleted later
                widget.deleteLater()
        if d.participant is None:
            self.consents_layout.addWidget(label(self.tr("No participant: no consent applies to this sample."),
                                                 "fieldname", wrap=True))
        elif not d.consents:
            none = label(self.tr("No consent is recorded for participant {0}.").format(d.participant), wrap=True)
            none.setObjectName("consentMissing")
            none.setStyleSheet("color: #8a4b00; font-weight: 600;")
            self.consents_layout.addWidget(none)
        for consent in d.consents:
            line = label(consent_text(consent), wrap=True, selectable=True)
            line.setObjectName(f"consent_{consent.id}")
            if consent.status != "given":
                line.setStyleSheet("color: #a4161a; font-weight: 700;")
            self.consents_layout.addWidget(line)
        stopped = [c for c in d.consents if c.status in ("withdrawn", "refused")]
        if stopped:
            self.consent_alert.setText("⚠ " + "  ".join(consent_alert(c, d.participant or "") for c in stopped))
        self.consent_alert.setVisible(bool(stopped))
        self.consent_box.setTitle(self.tr("Consent of participant {0}").format(d.participant) if d.participant
                                  else self.tr("Consent"))

    # -- navigation ---------------------------------------------------------------------------------

    def _open_parent(self) -> None:
        code = self.parent_button.property("code")
        if code:
            self.session.navigate.open_sample(str(code))

    def _open_child(self, item: QListWidgetItem) -> None:
        code = item.data(Qt.ItemDataRole.UserRole)
        if code:
            self.session.navigate.open_sample(str(code))

    # -- actions --------------------------------------------------------------------------------------

    def _changed(self, changes: Changes) -> None:
        """This page's own write is saved: show it (run_write then tells the other pages)."""
        self._seen_seq = max(self._seen_seq, changes.last_audit_seq)
        self._refresh()

    def _action_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ConflictError):
            self.show_error(exc, "Reload")
        else:
            self.show_error(exc)

    def change_status(self) -> QDialog | None:
        d = self.detail
        if d is None:
            return None
        choices = [(s, status_text(s)) for s in SAMPLE_STATUSES if s != d.status]
        dialog = ReasonDialog(
            f"Change the status of {d.sample_code}", f"{d.sample_code} is now {status_text(d.status)}. "
            "Choose the new status and say why: the reason is kept in the audit trail.",
            ok_text="Change status", choices=choices, choice_label="New status",
            choice_placeholder=self.tr("— choose the new status —"), current_choice=LIKELY_NEXT_STATUS.get(d.status),
            suggestions=status_reasons(), parent=self)
        dialog.setObjectName("statusDialog")

        def accepted() -> None:
            status, reason = dialog.choice_value(), dialog.reason_text()
            services, actor = self.session.services, self.session.actor
            run_write(self, lambda: services.samples.change_status(actor, d.sample_code, str(status), reason,
                                                                   expected_version=d.version),
                      on_done=self._changed, on_error=self._action_failed, title="Changing the status")

        return ask(self, dialog, accepted)

    def override_sprec(self) -> QDialog | None:
        d = self.detail
        if d is None:
            return None
        code_input = QLineEdit(d.sprec_code or "")
        code_input.setObjectName("sprecInput")
        code_input.setPlaceholderText("e.g. SER-SST-A-D-N-A-D")
        dialog = ReasonDialog(
            f"Override the SPREC code of {d.sample_code}",
            "Write the corrected SPREC code. It replaces the code derived from the time points; the reason "
            "is kept in the audit trail.", ok_text="Override", extra=code_input, extra_label="SPREC code",
            parent=self)
        dialog.setObjectName("sprecDialog")

        def accepted() -> None:
            value, reason = code_input.text(), dialog.reason_text()
            services, actor = self.session.services, self.session.actor
            run_write(self, lambda: services.samples.override_sprec(actor, d.sample_code, value, reason),
                      on_done=self._changed, on_error=self._action_failed)

        return ask(self, dialog, accepted)

    def add_barcode(self) -> None:
        """Attach the scanned external barcode with the chosen kind. Whatever the answer, the keyboard goes back
        to the window's scan field: the next tube scanned must open that tube, not be attached to this one."""
        d = self.detail
        value = self.barcode_input.text().strip()
        if d is None or not value:
            return
        kind = str(self.barcode_kind.currentData())
        services, actor = self.session.services, self.session.actor
        self.barcode_input.clear()
        self.session.navigate.focus_scan()

        def done(changes: Changes) -> None:
            self.barcode_kind.setCurrentIndex(0)
            self._changed(changes)

        run_write(self, lambda: services.samples.add_barcode(actor, d.sample_code, value, kind), on_done=done,
                  on_error=self._action_failed,
                  done_message=self.tr("Barcode {0} ({1}) added to {2}.").format(
                      value, self.barcode_kind.currentText(), d.sample_code))

    def remove_barcode(self) -> QDialog | None:
        """Take a wrongly added barcode off the sample, with a reason (kept in the audit trail)."""
        d = self.detail
        if d is None or not d.barcodes:
            if d is not None:
                self.banner.show_message(self.tr("{0} has no external barcode to remove.").format(d.sample_code),
                                         "info")
            return None
        kinds = dict(barcode_kinds())
        choices = [(code, f"{code}  ({kinds.get(kind, kind)})") for code, kind in d.barcodes]
        dialog = ReasonDialog(
            self.tr("Remove a barcode from {0}").format(d.sample_code),
            self.tr("Choose the barcode that does not belong to this tube and say why: the reason is kept in the "
                    "audit trail."), ok_text=self.tr("Remove barcode"), choices=choices,
            choice_label=self.tr("Barcode"), choice_placeholder=None if len(choices) == 1 else self.tr("— choose —"),
            suggestions=barcode_removal_reasons(), parent=self)
        dialog.setObjectName("removeBarcodeDialog")
        dialog.reason.setPlaceholderText(self.tr("Why? Choose below, or write it"))

        def accepted() -> None:
            barcode, reason = str(dialog.choice_value()), dialog.reason_text()
            services, actor = self.session.services, self.session.actor
            run_write(self, lambda: services.samples.remove_barcode(actor, d.sample_code, barcode, reason),
                      on_done=self._changed, on_error=self._action_failed,
                      done_message=self.tr("Barcode {0} removed from {1}.").format(barcode, d.sample_code))

        return ask(self, dialog, accepted)

    def print_label(self) -> None:
        """Queue this tube's label and print it at once (Print labels…, through the session's navigator)."""
        d = self.detail
        if d is None:
            return
        self.banner.clear()
        self.print_button.setEnabled(False)
        self.session.navigate.print_labels([d.sample_code], on_done=lambda o: self._label_printed(o, d.sample_code),
                                           on_error=self._label_failed)

    def reprint_label(self) -> QDialog | None:
        d = self.detail
        if d is None:
            return None
        dialog = ReasonDialog(f"Reprint the label of {d.sample_code}",
                              "The label is printed again on the printer the print rules choose. A reprint needs a "
                              "reason: it is kept with the print job and in the audit trail.", ok_text="Reprint",
                              suggestions=reprint_reasons(), parent=self)
        dialog.setObjectName("reprintLabelDialog")
        dialog.reason.setPlaceholderText(self.tr("Why? Choose below, or write it"))

        def accepted() -> None:
            self.banner.clear()
            self.reprint_button.setEnabled(False)
            self.session.navigate.print_labels([d.sample_code], reason=dialog.reason_text(),
                                               on_done=lambda o: self._label_printed(o, d.sample_code),
                                               on_error=self._label_failed)

        return ask(self, dialog, accepted)

    def _label_printed(self, outcome: PrintSummary, code: str) -> None:
        self.print_button.setEnabled(self.detail is not None)
        self.reprint_button.setEnabled(self.detail is not None)
        if self.sample_code != code:
            return  # another sample is shown now: the Labels page keeps the outcome
        kind = "error" if outcome.error is not None else "ok" if outcome.complete else "info"
        self.banner.show_message(outcome.summary(), kind)

    def _label_failed(self, exc: BaseException) -> None:
        self.print_button.setEnabled(self.detail is not None)
        self.reprint_button.setEnabled(self.detail is not None)
        self.show_error(exc)

    def _notes_edited(self) -> None:
        self.save_notes_button.setEnabled(self.detail is not None and self.notes.toPlainText() != self.detail.notes)

    def save_notes(self) -> None:
        d = self.detail
        if d is None:
            return
        text = self.notes.toPlainText()
        services, actor = self.session.services, self.session.actor
        self.save_notes_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.save_notes_button.setEnabled(True)
            self._action_failed(exc)

        run_write(self, lambda: services.samples.update_notes(actor, d.sample_code, text, expected_version=d.version),
                  on_done=self._changed, on_error=failed)

    # -- page hooks ----------------------------------------------------------------------------------

    @property
    def notes_dirty(self) -> bool:
        return self.detail is not None and self.notes.toPlainText() != self.detail.notes

    def data_changed(self, changes: Changes) -> None:
        d = self.detail
        seq = changes.last_audit_seq
        if d is None or (seq and seq <= self._seen_seq) or not self._concerns(d, changes):
            return
        self._seen_seq = max(self._seen_seq, seq)
        if self.notes_dirty:
            self.banner.show_message("Something changed in the database while you were editing the notes. "
                                     "Save them, or Reload to see the latest state.", "warn", "Reload")
        else:
            self._refresh()

    @staticmethod
    def _concerns(d: SampleDetail, changes: Changes) -> bool:
        """The change is about this sample, its parent or children, its participant or where it is stored."""
        if changes.touches(PARTICIPANT, CONTAINER):
            return True
        if not changes.touches(SAMPLE):
            return False
        ids = changes.ids_of(SAMPLE)
        related = {d.sample_code, *(c.sample_code for c in d.children)}
        if d.parent is not None:
            related.add(d.parent.sample_code)
        return not ids or not ids.isdisjoint(related)
