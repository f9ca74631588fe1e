"""The login dialog: Enter logs in, wrong passwords and lockout are said clearly, forced password change."""

from __future__ import annotations

from PySide6.QtCore import Qt

from biobank_desktop.core.domain.roles import Role
from biobank_desktop.ui.dialogs.login import ChangePasswordDialog, DemoAccount, LoginDialog
from tests.gui.conftest import PASSWORD, add_account


def _dialog(qtbot, services, runner, **kw) -> LoginDialog:
    dialog = LoginDialog(services, runner, database="SQLite file test.sqlite", **kw)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_enter_logs_in(qtbot, gui_services, runner):
    add_account(gui_services, "tom", Role.TECHNICIAN)
    dialog = _dialog(qtbot, gui_services, runner)
    qtbot.keyClicks(dialog.username, "tom")
    qtbot.keyClick(dialog.username, Qt.Key.Key_Return)  # Enter in the user name only moves to the password
    assert not dialog.busy and dialog.message_text == ""
    qtbot.keyClicks(dialog.password, PASSWORD)
    with qtbot.waitSignal(dialog.logged_in, timeout=10_000) as logged:
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    result = logged.args[0]
    assert result.actor.username == "tom"
    assert result.actor.role == Role.TECHNICIAN
    assert result.must_change_password is False


def test_wrong_password_says_so_without_telling_whether_the_name_exists(qtbot, gui_services, runner):
    add_account(gui_services, "tom", Role.TECHNICIAN)
    dialog = _dialog(qtbot, gui_services, runner)
    dialog.fill("tom", "not-the-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    assert "Wrong user name or password." in dialog.message_text
    assert "attempt(s) left" not in dialog.message_text
    assert dialog.password.text() == ""  # cleared for the next try
    assert dialog.isVisible()
    known = dialog.message_text
    dialog.fill("nobody", "not-the-password")
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    assert dialog.message_text == known, "an unknown name reads exactly like a wrong password"


def test_lockout_is_explained(qtbot, gui_services, runner):
    add_account(gui_services, "tom", Role.TECHNICIAN)
    dialog = _dialog(qtbot, gui_services, runner)
    for _ in range(5):
        dialog.fill("tom", "not-the-password")
        dialog.submit()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    assert "locked for 15 minutes" in dialog.message_text  # the rule, told to everyone alike
    dialog.fill("tom", PASSWORD)  # even the right password is refused while locked
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    assert "Wrong user name or password." in dialog.message_text
    assert "an administrator can unlock it sooner" in dialog.message_text
    assert dialog.isVisible()


def test_demo_accounts_fill_the_form(qtbot, gui_services, runner):
    dialog = _dialog(qtbot, gui_services, runner,
                     demo_accounts=[DemoAccount("tech1", "biobank-tech1", "Technician")])
    assert dialog.demo_box.isVisible()
    qtbot.mouseClick(dialog.demo_buttons[0], Qt.MouseButton.LeftButton)
    assert (dialog.username.text(), dialog.password.text()) == ("tech1", "biobank-tech1")
    assert not _dialog(qtbot, gui_services, runner).demo_box.isVisible()


def test_forced_password_change(qtbot, gui_services, runner):
    add_account(gui_services, "nina", Role.TECHNICIAN, must_change=True)
    dialog = _dialog(qtbot, gui_services, runner)
    dialog.fill("nina", PASSWORD)
    with qtbot.waitSignal(dialog.logged_in, timeout=10_000) as logged:
        dialog.submit()
    result = logged.args[0]
    assert result.must_change_password is True

    change = ChangePasswordDialog(gui_services, runner, result.actor, current_password=result.password)
    qtbot.addWidget(change)
    change.show()
    change.new_password.setText("short")
    change.repeat.setText("short")
    change.submit()
    assert "at least 8 characters" in change.message_text
    change.new_password.setText("a-much-better-one")
    change.repeat.clear()
    qtbot.keyClicks(change.repeat, "a-much-better-one")
    with qtbot.waitSignal(change.changed, timeout=10_000):
        qtbot.keyClick(change.repeat, Qt.Key.Key_Return)
    nina = gui_services.accounts.authenticate("nina", "a-much-better-one")
    assert nina.username == "nina"
    assert not nina.must_change_password
