"""Small building blocks shared by the pages: banners, labels, buttons, dates, the reason dialog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from biobank_desktop.ui.theme import ROW_HEIGHT, repolish


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


class Banner(QFrame):
    """A one-line message above a page's content, with an optional action ('Reload', 'Retry')."""

    action_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 8, 6)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action = QPushButton()
        self.action.clicked.connect(self.action_clicked)
        self.close_button = QPushButton("Dismiss")
        self.close_button.clicked.connect(self.hide)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.action)
        layout.addWidget(self.close_button)
        self.hide()

    def show_message(self, text: str, kind: str = "info", action: str | None = None,
                     dismissable: bool = True) -> None:
        self.setProperty("kind", kind)
        self.text.setText(text)
        self.action.setVisible(action is not None)
        if action:
            self.action.setText(action)
        self.close_button.setVisible(dismissable)
        repolish(self)
        repolish(self.text)
        self.show()

    @property
    def message(self) -> str:
        return self.text.text() if self.isVisible() else ""


class OptionalDateEdit(QDateEdit):
    """A date field that may be empty ('any'): the minimum date stands for 'no date'."""

    _NONE = QDate(2000, 1, 1)

    def __init__(self, placeholder: str = "any", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setMinimumDate(self._NONE)
        self.setSpecialValueText(placeholder)
        self.setDate(self._NONE)
        self.setMinimumWidth(150)

    def value(self) -> dt.date | None:
        current = self.date()
        if current == self._NONE:
            return None
        return dt.date(current.year(), current.month(), current.day())

    def set_value(self, value: dt.date | None) -> None:
        self.setDate(self._NONE if value is None else QDate(value.year, value.month, value.day))

    def clear_value(self) -> None:
        self.setDate(self._NONE)


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
