"""The pinned Qt binding must not leak references to None (PySide6 6.12.0 does on Python 3.11).

PySide6-Essentials 6.12.0 returns ``None`` from every wrapped ``void`` method without a new
reference; on Python 3.11 (where None is not immortal) the process aborts with "none_dealloc"
after a few thousand calls. pyproject.toml pins 6.11.3; this test fails on a binding with the bug.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_void_methods_do_not_steal_references_to_none(qtbot) -> None:
    label = QLabel("x")
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(500):
        label.setText("y")
    assert sys.getrefcount(None) - before > -50
