"""The sample page's SPREC group: the code, how it came about, and one entry per element with its inputs.

Each element shows its name, its code, the code's meaning and the explanation the core wrote
(:class:`~biobank_desktop.core.domain.sprec_explain.SprecExplanation`): "45 min from the end of
centrifugation at 10:15 to freezing at 11:00, room temperature"; a ⚠ note of our SPREC table is shown
under the element it concerns, in the warning colour.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from biobank_desktop.core.services.dto import SampleDetail
from biobank_desktop.ui.formatting import DASH
from biobank_desktop.ui.widgets.common import label

#: How each element came about, as the panel names it before the explanation.
_HOW = {"overridden": "Overridden", "stale": "Not derived", "other": "Other", "unknown": "Unknown",
        "not_applicable": "Not applicable"}


def _tr(text: str) -> str:
    return QCoreApplication.translate("SprecPanel", text)


class SprecPanel(QVBoxLayout):
    """The layout of the SPREC group; :meth:`show_detail` fills it from a sample's detail."""

    def __init__(self) -> None:
        super().__init__()
        self.code = label(DASH, "mono", selectable=True)
        self.code.setObjectName("sprecCode")
        self.note = label("", "fieldname", wrap=True)
        self.note.setObjectName("sprecNote")
        self.elements = QWidget()
        self.elements.setObjectName("sprecElements")
        self.grid = QGridLayout(self.elements)
        self.grid.setContentsMargins(0, 4, 0, 0)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(4)
        self.grid.setColumnStretch(2, 1)
        self.addWidget(self.code)
        self.addWidget(self.note)
        self.addWidget(self.elements)
        self.addStretch(1)

    def show_detail(self, d: SampleDetail) -> None:
        self.code.setText(d.sprec_code or _tr("No SPREC code"))
        explained = d.sprec_explanation
        note = _tr("SPREC {0}").format(d.sprec_version)
        if d.sprec_overridden:
            note += _tr(" · set by a supervisor (overridden), not derived from the time points")
        elif d.sprec_code:
            note += _tr(" · derived from the sample's recorded inputs")
        if explained is not None and explained.problem:
            note += _tr(" · the recorded data give no code now: {0}").format(explained.problem)
        self.note.setText(note)
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        row = 0
        top = Qt.AlignmentFlag.AlignTop
        if explained is not None:
            for element in explained.elements:
                self.grid.addWidget(label(element.name, "fieldname", wrap=True), row, 0, top)
                self.grid.addWidget(label(element.code, "mono"), row, 1, top)
                how = _HOW.get(element.how)
                text = f"{element.meaning} — {_tr(how) + ': ' if how else ''}{element.text}"
                value = label(text, wrap=True, selectable=True)
                value.setObjectName(f"sprecElement{element.position}")
                self.grid.addWidget(value, row, 2, top)
                row += 1
                if element.warning:
                    warning = label(element.warning, "warning", wrap=True, selectable=True)
                    warning.setObjectName(f"sprecWarning{element.position}")
                    self.grid.addWidget(warning, row, 2, top)
                    row += 1
        else:
            for element_name, code, meaning in d.sprec_elements:
                self.grid.addWidget(label(element_name, "fieldname"), row, 0, top)
                self.grid.addWidget(label(code, "mono"), row, 1, top)
                self.grid.addWidget(label(meaning, wrap=True, selectable=True), row, 2, top)
                row += 1
        self.elements.setVisible(row > 0)
