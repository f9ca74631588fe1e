"""The look: large, high-contrast, glove-friendly.

One stylesheet for the whole application, applied once by the composition root. Targets are at
least 40 px high, the base font is 11 pt (about 15 px), table rows have one fixed height (a
vertical header that resizes to contents never finishes painting on a million-row table), and
colour is never the only signal: every coloured state also says what it means in words.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

# Colours (WCAG AA contrast or better against the backgrounds they are used on).
INK = "#14181f"
MUTED = "#4a5361"
WINDOW = "#eef1f5"
SURFACE = "#ffffff"
BORDER = "#b7c0cc"
ACCENT = "#0b5cad"
ACCENT_DARK = "#084a8c"
ACCENT_SOFT = "#dcebfb"
OK = "#17703a"
OK_SOFT = "#e3f4e8"
ERROR = "#a4161a"
ERROR_SOFT = "#fde7e7"
WARN = "#8a5300"
WARN_SOFT = "#fff3d6"
DISABLED_INK = "#8d96a3"  # a disabled control: grey on grey, whatever colour it has when enabled
DISABLED_BG = "#f1f3f6"
DISABLED_BORDER = "#d3d9e0"
NAV = "#1e2a3a"
NAV_INK = "#e8eef6"

ROW_HEIGHT = 34
BASE_POINT_SIZE = 11

STYLESHEET = f"""
QWidget {{ color: {INK}; }}
QMainWindow, QDialog {{ background: {WINDOW}; }}
QToolTip {{ color: {INK}; background: {SURFACE}; border: 1px solid {BORDER}; padding: 4px; }}

QPushButton {{
    min-height: 40px; padding: 4px 18px; border: 1px solid {BORDER}; border-radius: 6px;
    background: {SURFACE}; font-weight: 600;
}}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton:pressed {{ background: {ACCENT_SOFT}; }}
QPushButton:focus {{ border: 2px solid {ACCENT}; }}
QPushButton:disabled {{ color: {DISABLED_INK}; background: {DISABLED_BG}; border-color: {DISABLED_BORDER}; }}
QPushButton[primary="true"] {{ background: {ACCENT}; color: white; border-color: {ACCENT_DARK}; }}
QPushButton[primary="true"]:hover {{ background: {ACCENT_DARK}; }}
QPushButton[primary="true"]:disabled {{ background: #9db6d3; color: #f4f7fb; }}
QPushButton[danger="true"] {{ color: {ERROR}; border-color: {ERROR}; }}
/* After the danger rule (same specificity: the later one wins), so a disabled red button looks disabled. */
QPushButton[danger="true"]:disabled {{
    color: {DISABLED_INK}; background: {DISABLED_BG}; border-color: {DISABLED_BORDER};
}}
QPushButton[link="true"] {{
    min-height: 32px; border: none; background: transparent; color: {ACCENT};
    text-decoration: underline; padding: 2px 4px; text-align: left;
}}

QLineEdit, QComboBox, QDateEdit, QSpinBox, QPlainTextEdit, QTextEdit {{
    min-height: 36px; padding: 2px 8px; border: 1px solid {BORDER}; border-radius: 5px;
    background: {SURFACE}; selection-background-color: {ACCENT}; selection-color: white;
}}
QPlainTextEdit, QTextEdit {{ padding: 6px; }}
QLineEdit:focus, QComboBox:focus, QDateEdit:focus, QSpinBox:focus, QPlainTextEdit:focus {{
    border: 2px solid {ACCENT};
}}
QLineEdit:disabled, QComboBox:disabled {{ background: #f1f3f6; color: #6b7480; }}
QComboBox QAbstractItemView {{ selection-background-color: {ACCENT}; selection-color: white; }}
QComboBox QAbstractItemView::item {{ min-height: 32px; }}
QCheckBox, QRadioButton {{ min-height: 32px; spacing: 10px; }}
QCheckBox::indicator, QRadioButton::indicator {{ width: 22px; height: 22px; }}

QGroupBox {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 8px; margin-top: 16px;
    padding: 14px 12px 10px 12px; font-weight: 600;
}}
QGroupBox::title {{ subcontrol-origin: margin; left: 12px; padding: 0 6px; color: {ACCENT_DARK}; }}

QTableView {{
    background: {SURFACE}; alternate-background-color: #f5f7fa; gridline-color: #e1e6ec;
    border: 1px solid {BORDER}; border-radius: 6px;
    selection-background-color: {ACCENT}; selection-color: white;
}}
QHeaderView::section {{
    background: #e4e9f0; color: {INK}; padding: 6px 8px; border: none;
    border-right: 1px solid #d0d7e0; border-bottom: 1px solid {BORDER}; font-weight: 600;
}}
QScrollBar:vertical {{ width: 18px; }}
QScrollBar:horizontal {{ height: 18px; }}

QProgressBar {{
    min-height: 26px; border: 1px solid {BORDER}; border-radius: 5px; background: {SURFACE};
    text-align: center;
}}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 4px; }}

QStatusBar {{ background: #dfe5ec; border-top: 1px solid {BORDER}; }}
QStatusBar QLabel {{ padding: 0 6px; }}

/* left navigation */
QListWidget#navigation {{
    background: {NAV}; color: {NAV_INK}; border: none; outline: 0; padding-top: 8px;
    font-size: 13pt;
}}
QListWidget#navigation::item {{ min-height: 52px; padding-left: 18px; border-left: 5px solid transparent; }}
QListWidget#navigation::item:selected {{
    background: #2f4460; color: white; border-left: 5px solid #6fb1ff; font-weight: 600;
}}
QListWidget#navigation::item:hover:!selected {{ background: #273649; }}

/* the global scan field */
QFrame#topBar {{ background: {SURFACE}; border-bottom: 1px solid {BORDER}; }}
QLineEdit#scanField {{
    min-height: 46px; font-size: 14pt; border: 2px solid {ACCENT}; border-radius: 8px; padding-left: 12px;
}}
QLineEdit#scanField[state="error"] {{ border-color: {ERROR}; background: {ERROR_SOFT}; }}
QLineEdit#scanField[state="ok"] {{ border-color: {OK}; background: {OK_SOFT}; }}
QLineEdit#dateEdit[state="error"] {{ border-color: {ERROR}; background: {ERROR_SOFT}; }}
QLabel#scanFeedback {{ font-size: 12pt; font-weight: 600; }}
QLabel#scanFeedback[state="error"] {{ color: {ERROR}; }}
QLabel#scanFeedback[state="ok"] {{ color: {OK}; }}
QLabel#scanFeedback[state="info"] {{ color: {MUTED}; }}

QLabel[role="title"] {{ font-size: 17pt; font-weight: 700; }}
QLabel[role="subtitle"] {{ font-size: 12pt; color: {MUTED}; }}
QLabel[role="fieldname"] {{ color: {MUTED}; }}
QLabel[role="value"] {{ font-weight: 600; }}
QLabel[role="warning"] {{ color: {WARN}; }}
QLabel[role="mono"] {{ font-family: "DejaVu Sans Mono", "Consolas", monospace; font-size: 12pt; font-weight: 600; }}

QFrame#banner {{ border-radius: 6px; border: 1px solid {BORDER}; background: {ACCENT_SOFT}; }}
QFrame#banner[kind="error"] {{ background: {ERROR_SOFT}; border-color: {ERROR}; }}
QFrame#banner[kind="ok"] {{ background: {OK_SOFT}; border-color: {OK}; }}
QFrame#banner[kind="warn"] {{ background: {WARN_SOFT}; border-color: {WARN}; }}
QFrame#banner QLabel {{ font-weight: 600; }}
QFrame#banner[kind="error"] QLabel {{ color: {ERROR}; }}
QFrame#banner[kind="ok"] QLabel {{ color: {OK}; }}
QFrame#banner[kind="warn"] QLabel {{ color: {WARN}; }}
"""

STATUS_COLOURS: dict[str, tuple[str, str]] = {
    # status -> (text colour, background)
    "available": (OK, OK_SOFT),
    "expected": (MUTED, "#eceff3"),
    "reserved": (WARN, WARN_SOFT),
    "in_transit": (ACCENT_DARK, ACCENT_SOFT),
    "shipped": (ACCENT_DARK, ACCENT_SOFT),
    "consumed": (MUTED, "#eceff3"),
    "discarded": (ERROR, ERROR_SOFT),
    "quarantined": (ERROR, ERROR_SOFT),
    "voided": (MUTED, "#eceff3"),
}


def _arrow_rules() -> str:
    """Drop-down arrows drawn from resources/icons (the stylesheet's borders hide Fusion's own)."""
    from biobank_desktop.core.resources import resource_path

    try:
        chevron = resource_path("icons", "chevron-down.svg").as_posix()
    except FileNotFoundError:
        return ""
    return f"""
QComboBox::drop-down, QDateEdit::drop-down {{
    subcontrol-origin: padding; subcontrol-position: center right; width: 34px; border: none;
    border-left: 1px solid #d3d9e0;
}}
QComboBox::down-arrow, QDateEdit::down-arrow {{ image: url("{chevron}"); width: 16px; height: 16px; }}
QComboBox::down-arrow:disabled, QDateEdit::down-arrow:disabled {{ image: none; }}
"""


def status_text(status: str) -> str:
    """'in_transit' -> 'In transit'."""
    return status.replace("_", " ").capitalize()


def apply_theme(app: QApplication) -> None:
    """Fusion style, a light high-contrast palette, the base font and the stylesheet."""
    app.setStyle("Fusion")
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(WINDOW))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(INK))
    palette.setColor(QPalette.ColorRole.Base, QColor(SURFACE))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f5f7fa"))
    palette.setColor(QPalette.ColorRole.Text, QColor(INK))
    palette.setColor(QPalette.ColorRole.Button, QColor(SURFACE))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(INK))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Link, QColor(ACCENT))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor("#66707d"))
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor(SURFACE))
    palette.setColor(QPalette.ColorRole.ToolTipText, QColor(INK))
    app.setPalette(palette)
    font = QFont(app.font())
    font.setPointSize(BASE_POINT_SIZE)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET + _arrow_rules())


def repolish(widget: object) -> None:
    """Re-apply the stylesheet after a dynamic property (``state``, ``kind``) changed."""
    style = widget.style()  # type: ignore[attr-defined]
    style.unpolish(widget)
    style.polish(widget)
    widget.update()  # type: ignore[attr-defined]


#: The theme styles QSpinBox; the mm fields are QDoubleSpinBox and get the same glove-sized look, typed
#: (arrow keys step), without the tiny arrow buttons (NoButtons hides the text under a style sheet in Qt 6.11).
SPIN_STYLE = f"""
QDoubleSpinBox {{ min-height: 36px; padding: 2px 8px; border: 1px solid {BORDER}; border-radius: 5px;
                  background: #ffffff; }}
QDoubleSpinBox::up-button, QDoubleSpinBox::down-button {{ width: 0px; border: none; }}
QDoubleSpinBox:focus {{ border: 2px solid {ACCENT}; }}
QDoubleSpinBox:disabled {{ background: #f1f3f6; color: #6b7480; }}
"""
