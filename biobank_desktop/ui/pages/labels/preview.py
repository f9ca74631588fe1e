"""Preview of a print job: each of its labels at true size, as the designer paints them.

The same layout and painter as the designer and the system printers (one source of truth for the
geometry), at the resolution of the printer the job goes to.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.core.labels.model import LabelData, LabelTemplate
from biobank_desktop.core.services.labelling import JobInfo
from biobank_desktop.ui.background import error_text
from biobank_desktop.ui.operations.printing import ITEM_STATUS_TEXT
from biobank_desktop.ui.session import UiSession
from biobank_desktop.ui.widgets.common import label
from biobank_desktop.ui.widgets.label_preview import LabelPreviewPanel

LabelsOfJob = tuple[LabelTemplate, list[tuple[int, LabelData]]]


class JobPreviewDialog(QDialog):
    def __init__(self, session: UiSession, job: JobInfo, *, dpi: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobPreviewDialog")
        self.setWindowTitle(f"Preview of print job {job.id}")
        self.resize(1200, 620)
        self.session = session
        self.job = job
        self.dpi = dpi
        self.template: LabelTemplate | None = None
        self.labels: list[tuple[int, LabelData]] = []
        labelling = session.services.labelling

        self.heading = label(f"Job {job.id}: {job.total} label{'s' if job.total != 1 else ''}, {job.template_name}"
                             f"{' on ' + job.printer_name if job.printer_name else ''}. Loading…", "value", wrap=True)
        self.list = QListWidget()
        self.list.setObjectName("previewLabelList")
        self.list.setFixedWidth(270)
        self.list.setStyleSheet("QListWidget::item { padding: 6px 4px; border-bottom: 1px solid #e1e6ec; }"
                                "QListWidget::item:selected { background: #0b5cad; color: white; }")
        self.panel = LabelPreviewPanel(labelling.preview)
        row = QHBoxLayout()
        row.setSpacing(12)
        row.addWidget(self.list)
        row.addWidget(self.panel, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.addWidget(self.heading)
        layout.addLayout(row, 1)
        layout.addWidget(buttons)
        self.list.currentRowChanged.connect(self._show)

        def loaded(result: LabelsOfJob) -> None:
            self.template, self.labels = result
            self.panel.set_dpi(self.dpi or self.template.dpi)
            statuses = {item.position: item.status for item in job.items}
            for position, data in self.labels:
                status = ITEM_STATUS_TEXT.get(statuses.get(position, ""), "")
                entry = QListWidgetItem(f"#{position}  {data.sample_id}\n{status}")
                entry.setData(Qt.ItemDataRole.UserRole, position)
                self.list.addItem(entry)
            self.heading.setText(f"Job {job.id}: {len(self.labels)} label{'s' if len(self.labels) != 1 else ''} "
                                 f"on {self.template.name} ({self.template.width_mm:g} × {self.template.height_mm:g} "
                                 "mm), in placement order.")
            if self.labels:
                self.list.setCurrentRow(0)

        def failed(exc: BaseException) -> None:
            message, _hint = error_text(exc)
            self.heading.setText(message)
            self.panel.show_problem(message)

        session.runner.call(lambda: labelling.job_labels(job.id, pending_only=False), on_result=loaded,
                            on_error=failed, owner=self)

    def _show(self, row: int) -> None:
        if self.template is not None and 0 <= row < len(self.labels):
            self.panel.show_label(self.template, self.labels[row][1])
