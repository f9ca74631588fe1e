"""Register a tube the rack scan found but the database did not know ("unexpected"), where the scanner saw it.

The dialog asks for what registration needs (study, sample type, participant); the storage service registers the
sample with the scanned code as its barcode and places it in that position in one transaction.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLineEdit, QVBoxLayout, QWidget

from biobank_desktop.core.services.dto import StudyInfo
from biobank_desktop.core.services.samples import NewSample
from biobank_desktop.ui.widgets.common import form_layout, label


class RegisterTubeDialog(QDialog):
    """Study, sample type and participant for the unexpected tube ``code`` at ``position`` of ``rack``."""

    def __init__(self, code: str, rack: str, position: str, studies: list[StudyInfo],
                 sample_types: list[tuple[str, str]], *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("registerTubeDialog")
        self.setWindowTitle(self.tr("Register an unexpected tube"))
        self.code = code
        layout = QVBoxLayout(self)
        layout.addWidget(label(self.tr("Tube {code}, seen by the rack scan in {rack} at {pos}, is not known to the "
                                       "database. Register it there:").format(code=code, rack=rack, pos=position),
                               wrap=True))
        form = form_layout()
        self.study = QComboBox()
        for study in studies:
            self.study.addItem(f"{study.code} — {study.name}", study.code)
        self.sample_type = QComboBox()
        for type_code, name in sample_types:
            self.sample_type.addItem(f"{type_code} — {name}", type_code)
        self.participant = QLineEdit()
        self.participant.setPlaceholderText(self.tr("Pseudonym within the study (optional)"))
        form.addRow(self.tr("Study"), self.study)
        form.addRow(self.tr("Sample type"), self.sample_type)
        form.addRow(self.tr("Participant"), self.participant)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("Register and place"))
        ok.setEnabled(bool(studies) and bool(sample_types))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 240)

    def new_sample(self) -> NewSample:
        return NewSample(str(self.study.currentData()), str(self.sample_type.currentData()),
                         participant=self.participant.text().strip() or None, external_barcodes=(self.code,))
