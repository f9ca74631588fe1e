"""Settings → Sample IDs of a study: a study may have its own sample ID prefix (``LUNG-2026-000123`` + check
character) instead of the biobank-wide one. A biobank-wide setting (kept in the database, for every workstation),
for supervisors and administrators; only new IDs change, existing samples keep theirs; the reason is audited."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLineEdit, QVBoxLayout

from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services.dto import StudyInfo
from biobank_desktop.ui.operations.writes import WritingPage, run_write
from biobank_desktop.ui.widgets.common import ReasonDialog, ask, button, label, shown_if


class StudyPrefixSection(QGroupBox):
    def __init__(self, page: WritingPage) -> None:
        super().__init__(self.tr("Sample IDs of a study (whole biobank)"))
        self.page = page
        self.session = page.session
        self.studies: list[StudyInfo] = []
        self.last_dialog: ReasonDialog | None = None
        column = QVBoxLayout(self)
        column.addWidget(label(self.tr("A study may number its samples with its own prefix (e.g. LUNG-2026-000123K) "
                                       "instead of the biobank-wide one. Only new sample IDs change."),
                               "fieldname", wrap=True))
        row = QHBoxLayout()
        self.study = QComboBox()
        self.study.setObjectName("prefixStudy")
        self.study.setMinimumContentsLength(24)
        self.study.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.prefix = QLineEdit()
        self.prefix.setObjectName("studyPrefix")
        self.prefix.setPlaceholderText(self.tr("2–5 letters; empty: the biobank-wide prefix"))
        self.prefix.setMaxLength(5)
        self.prefix.setMaximumWidth(320)
        self.save_button = button(self.tr("Save prefix…"), on_click=self.ask_save)
        self.save_button.setObjectName("savePrefix")
        row.addWidget(self.study, 2)
        row.addWidget(self.prefix, 1)
        row.addWidget(self.save_button)
        column.addLayout(row)
        self.study.currentIndexChanged.connect(self._study_chosen)
        self.prefix.returnPressed.connect(self.ask_save)
        shown_if(self, self.session.can(Permission.MANAGE_REFERENCE))

    def reload(self) -> None:
        if not self.session.can(Permission.MANAGE_REFERENCE):
            return
        reference = self.session.services.reference

        def fill(studies: list[StudyInfo]) -> None:
            chosen = self.study.currentData()
            self.studies = studies
            self.study.blockSignals(True)
            self.study.clear()
            for info in studies:
                own = info.sample_id_prefix or self.tr("biobank-wide")
                self.study.addItem(f"{info.code} — {info.name}  ({own})", info.code)
            self.study.setCurrentIndex(max(self.study.findData(chosen), 0))
            self.study.blockSignals(False)
            self._study_chosen()

        self.session.runner.call(reference.studies, on_result=fill, on_error=self.page.show_error, owner=self)

    def _study_chosen(self) -> None:
        info = next((s for s in self.studies if s.code == self.study.currentData()), None)
        self.prefix.setText((info.sample_id_prefix or "") if info else "")
        self.save_button.setEnabled(info is not None)

    def ask_save(self) -> ReasonDialog | None:
        code = self.study.currentData()
        if code is None:
            return None
        prefix = self.prefix.text().strip().upper() or None
        what = (self.tr("New samples of {study} will be numbered {prefix}-YYYY-NNNNNN.").format(study=code,
                                                                                               prefix=prefix)
                if prefix else self.tr("New samples of {study} will use the biobank-wide prefix.").format(study=code))
        dialog = ReasonDialog(self.tr("Sample ID prefix of {study}").format(study=code),
                              what + " " + self.tr("Why?"), ok_text=self.tr("Save prefix"))
        self.last_dialog = dialog
        reference, actor = self.session.services.reference, self.session.actor
        def save() -> None:
            run_write(self.page, lambda: reference.set_study_prefix(actor, code, prefix, dialog.reason_text()),
                      on_done=lambda _r: self.reload(),
                      done_message=self.tr("Sample ID prefix of {study} saved.").format(study=code))

        ask(self, dialog, save)
        return dialog
