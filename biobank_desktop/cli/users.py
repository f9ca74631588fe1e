"""``user``: add accounts, set passwords, deactivate, list (the first account bootstraps as the system)."""

from __future__ import annotations

from typing import Any

from biobank_desktop.cli.context import (
    COMMON,
    PROG,
    Context,
    Subparsers,
    acting,
    emit,
    login,
    new_password,
    table,
)
from biobank_desktop.core.db.uow import require
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.roles import Permission, Role
from biobank_desktop.core.services.accounts import UserInfo


def register(subparsers: Subparsers) -> None:
    user = subparsers.add_parser("user", help="user accounts")
    commands = user.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = commands.add_parser("add", parents=[COMMON], help="add a user account")
    add.add_argument("username", metavar="USERNAME")
    add.add_argument("--name", required=True, help="the person's full name")
    add.add_argument("--role", required=True, metavar="ROLE", help="technician, supervisor or administrator")
    add.add_argument("--password-stdin", action="store_true", help="read the new password from standard input")
    add.set_defaults(handler=_user_add)
    passwd = commands.add_parser("passwd", parents=[COMMON], help="set a new password")
    passwd.add_argument("username", metavar="USERNAME")
    passwd.add_argument("--password-stdin", action="store_true", help="read the new password from standard input")
    # A temporary password may log in only to change itself: login() lets this command through.
    passwd.set_defaults(handler=_user_passwd, changes_own_password=True)
    deactivate = commands.add_parser("deactivate", parents=[COMMON], help="deactivate an account")
    deactivate.add_argument("username", metavar="USERNAME")
    deactivate.add_argument("--reason", required=True, help="why (kept in the audit trail)")
    deactivate.set_defaults(handler=_user_deactivate)
    commands.add_parser("list", parents=[COMMON], help="list the accounts").set_defaults(handler=_user_list)


def _parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise ValidationError(f"'{text}' is not a role.", hint=f"Use one of: {roles}.") from None


def _user_add(ctx: Context) -> int:
    args = ctx.args
    role = _parse_role(args.role)
    ctx.services.system.ensure_current()
    actor = acting(ctx, Permission.MANAGE_USERS)
    if actor.is_system and role is not Role.ADMINISTRATOR:
        raise ValidationError("The first account of a database must be an administrator.",
                              hint="Add it with --role administrator; it can then add the others.")
    password = new_password(ctx, args.username)
    if actor.is_system:  # decided again inside the transaction: another first administrator may exist now
        info = ctx.services.accounts.create_first_administrator(args.username, args.name, password).value
    else:
        info = ctx.services.accounts.add_user(actor, args.username, args.name, role, password).value
    note = " (the password must be changed at the first login)" if info.must_change_password else ""
    emit(ctx, _user_json(info), [f"Added {info.role.value} {info.username} ({info.display_name}){note}."])
    return 0


def _user_passwd(ctx: Context) -> int:
    ctx.services.system.ensure_current()
    actor = login(ctx)
    target = ctx.args.username.strip().lower()
    if target == actor.username:
        password = new_password(ctx, target)
        ctx.services.accounts.change_own_password(actor, ctx.login_password or "", password)
        message = f"Password of {target} changed."
    else:
        require(actor, Permission.MANAGE_USERS)
        password = new_password(ctx, target)
        ctx.services.accounts.reset_password(actor, target, password)
        message = f"Password of {target} reset; it must be changed at the next login."
    emit(ctx, {"username": target, "changed": True}, [message])
    return 0


def _user_deactivate(ctx: Context) -> int:
    ctx.services.system.ensure_current()
    actor = acting(ctx, Permission.MANAGE_USERS)
    info = ctx.services.accounts.set_active(actor, ctx.args.username, False, ctx.args.reason).value
    emit(ctx, _user_json(info), [f"{info.username} is deactivated."])
    return 0


def _user_list(ctx: Context) -> int:
    ctx.services.system.ensure_current()
    if not ctx.args.user and not ctx.users_exist():
        emit(ctx, [], ["No user accounts yet.", f"Add the first administrator with '{PROG} user add'."])
        return 0
    actor = acting(ctx, Permission.MANAGE_USERS)
    users = ctx.services.accounts.list_users(actor)
    rows = [("USER", "NAME", "ROLE", "STATUS", "LAST LOGIN")]
    for u in users:
        status = "active" if u.active else "deactivated"
        if u.is_locked and u.locked_until is not None:
            status = f"locked until {u.locked_until:%H:%M} UTC"
        rows.append((u.username, u.display_name, u.role.value, status,
                     f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never"))
    emit(ctx, [_user_json(u) for u in users], table(rows))
    return 0


def _user_json(info: UserInfo) -> dict[str, Any]:
    return {"username": info.username, "display_name": info.display_name, "role": info.role.value,
            "active": info.active, "locked": info.is_locked, "must_change_password": info.must_change_password,
            "last_login_at": info.last_login_at}
