"""Small building blocks shared by the pages: labels, buttons, tables, forms, the reason dialog.

The message banner is :mod:`biobank_desktop.ui.widgets.message_banner`, the date field
:mod:`biobank_desktop.ui.widgets.date_field`, the scan field :mod:`biobank_desktop.ui.widgets.scan_field`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import QAbstractItemModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.ui.theme import ROW_HEIGHT
from biobank_desktop.ui.widgets.date_field import DateField
from biobank_desktop.ui.widgets.message_banner import MessageBanner


class Form(QFormLayout):
    """A form whose text captions sit level with the first line of their (tall, glove-sized) fields."""

    def addRow(self, *args: Any) -> None:
        if len(args) == 2 and isinstance(args[0], str) and args[0]:
            caption = QLabel(args[0])
            caption.setMinimumHeight(38)
            caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            if isinstance(args[1], QWidget):
                caption.setBuddy(args[1])
            super().addRow(caption, args[1])
        else:
            super().addRow(*args)


_W = TypeVar("_W", bound=QWidget)


def shown_if(widget: _W, condition: bool) -> _W:
    """``widget``, hidden unless ``condition`` — for a widget not in its page yet, where ``setVisible(True)`` would
    show it as a window of its own for a moment: that window takes the activation from the main window, and the
    scan field loses the focus and its selected code (the next scan would be appended to it)."""
    if not condition:
        widget.hide()
    return widget


def table_view(name: str, model: QAbstractItemModel | None = None, *, widths: Sequence[int] = (),
               row_height: int = ROW_HEIGHT + 4, single_selection: bool = True) -> QTableView:
    """A read-only, row-selecting table as every page shows one: fixed row heights (never
    ResizeToContents: a million rows would never finish), no row numbers, last column stretched."""
    table = QTableView()
    table.setObjectName(name)
    if model is not None:
        table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if single_selection:
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    vertical = table.verticalHeader()
    vertical.hide()
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(row_height)
    horizontal = table.horizontalHeader()
    horizontal.setStretchLastSection(True)
    horizontal.setHighlightSections(False)
    for section, width in enumerate(widths):
        table.setColumnWidth(section, width)
    return table


def fit_columns(table: QTableView, *, stretch: Sequence[int]) -> None:
    """The columns ``stretch`` share the width the others leave (long text elided, in full in its tooltip):
    the table never needs sideways scrolling. The other columns keep their widths and can be dragged."""
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for section in stretch:
        header.setSectionResizeMode(section, QHeaderView.ResizeMode.Stretch)
    header.setMinimumSectionSize(48)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)


def form_layout(spacing: int = 10) -> QFormLayout:
    """A :class:`Form` with the house spacing."""
    form = Form()
    form.setHorizontalSpacing(14)
    form.setVerticalSpacing(spacing)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


def label(text: str = "", role: str | None = None, *, wrap: bool = False, selectable: bool = False) -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    if selectable:
        widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return widget


def button(text: str, *, primary: bool = False, danger: bool = False, link: bool = False,
           on_click: Callable[[], object] | None = None) -> QPushButton:
    widget = QPushButton(text)
    if primary:
        widget.setProperty("primary", True)
    if danger:
        widget.setProperty("danger", True)
    if link:
        widget.setProperty("link", True)
        widget.setCursor(Qt.CursorShape.PointingHandCursor)
    if on_click is not None:
        widget.clicked.connect(on_click)
    return widget


class ReasonDialog(QDialog):
    """Asks why (kept in the audit trail); OK stays disabled until a reason is written (and a choice made).

    The reason is one line: Enter (or Ctrl+Enter) confirms. ``suggestions``: the common reasons as big
    buttons (for gloved hands), each filling the reason, which stays editable (free text).
    ``choices``: an optional drop-down of (value, text) shown above the reason, e.g. the new status;
    ``choice_placeholder`` puts a "no choice yet" entry first, so nothing is chosen by default unless
    ``current_choice`` names one.
    """

    def __init__(self, title: str, prompt: str, *, ok_text: str = "Save",
                 choices: list[tuple[str, str]] | None = None, choice_label: str = "",
                 current_choice: str | None = None, extra: QWidget | None = None,
                 extra_label: str = "", suggestions: Sequence[str] = (), choice_placeholder: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(10)
        layout.addWidget(label(prompt, wrap=True))
        form = form_layout()
        self.choice: QComboBox | None = None
        if choices is not None:
            self.choice = QComboBox()
            self.choice.setObjectName("reasonChoice")
            if choice_placeholder is not None:
                self.choice.addItem(choice_placeholder, None)
            for value, text in choices:
                self.choice.addItem(text, value)
            if current_choice is not None:
                index = self.choice.findData(current_choice)
                if index >= 0:
                    self.choice.setCurrentIndex(index)
            self.choice.currentIndexChanged.connect(self._update)
            form.addRow(choice_label, self.choice)
        if extra is not None:
            form.addRow(extra_label, extra)
        self.reason = QLineEdit()
        self.reason.setObjectName("reasonInput")
        self.reason.setPlaceholderText(self.tr("Why? For example: tube cracked on thawing"))
        self.reason.setMaxLength(1000)
        self.suggestion_buttons: list[QPushButton] = []
        form.addRow(self.tr("Reason"), self.reason)
        layout.addLayout(form)
        if suggestions:
            self.setMinimumWidth(660)
            layout.addWidget(label(self.tr("Common reasons: one click fills the reason (add to it if needed)"),
                                   "fieldname", wrap=True))
            grid = QGridLayout()
            grid.setSpacing(6)
            for i, text in enumerate(suggestions):
                chip = QPushButton(text)
                chip.setObjectName("reasonSuggestion")
                chip.setMinimumHeight(40)
                chip.setAutoDefault(False)
                chip.clicked.connect(lambda _=False, t=text: self._suggest(t))
                grid.addWidget(chip, i // 2, i % 2)
                self.suggestion_buttons.append(chip)
            layout.addLayout(grid)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.ok_button.setProperty("primary", True)
        self.buttons.accepted.connect(self._confirm)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason.textChanged.connect(self._update)
        self.reason.returnPressed.connect(self._confirm)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self._confirm)
        self._update()

    def _suggest(self, text: str) -> None:
        self.reason.setText(text)
        self.reason.setFocus()
        self.reason.end(False)

    def _confirm(self) -> None:
        if self.ok_button.isEnabled():
            self.accept()

    def _update(self) -> None:
        chosen = self.choice is None or self.choice.currentData() is not None
        self.ok_button.setEnabled(bool(self.reason_text()) and chosen)

    def reason_text(self) -> str:
        return self.reason.text().strip()

    def choice_value(self) -> str | None:
        return None if self.choice is None else self.choice.currentData()


def ask(parent: QWidget | None, dialog: QDialog, on_accept: Callable[[], None]) -> QDialog:
    """Open ``dialog`` without blocking; call ``on_accept`` when it is accepted."""
    dialog.setParent(parent, dialog.windowFlags() | Qt.WindowType.Dialog)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.accepted.connect(on_accept)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog


# -- the names these widgets had before they moved to their own modules (pages written meanwhile use them) --

Banner = MessageBanner


class OptionalDateEdit(DateField):
    """The date filter's former name: a :class:`DateField` that also announces ``dateChanged(value)``.
    New code uses ``DateField`` and its ``value_changed``."""

    dateChanged = Signal(object)

    def __init__(self, placeholder: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(placeholder, parent)
        self.value_changed.connect(self.dateChanged)
