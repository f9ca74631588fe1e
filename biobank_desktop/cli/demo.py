"""``demo``: upgrade, then fill an empty database with demo data (progress on stderr)."""

from __future__ import annotations

import sys

from biobank_desktop.cli.context import COMMON, Context, Subparsers, acting, emit, positive_int, progress_printer
from biobank_desktop.core.domain.roles import Permission


def register(subparsers: Subparsers) -> None:
    demo = subparsers.add_parser("demo", parents=[COMMON], help="fill an empty database with demo data")
    demo.add_argument("--samples", type=positive_int, default=2000, metavar="N",
                      help="how many sample rows (tubes and aliquots), default 2000")
    demo.add_argument("--seed", type=int, default=2026, help="random seed: the same seed gives the same data")
    demo.add_argument("--allow-existing", action="store_true", help="add demo data even if samples exist")
    demo.set_defaults(handler=_demo, action=None, creates_database=True)


def _demo(ctx: Context) -> int:
    from biobank_desktop.core.services.demo import DEMO_ACCOUNTS, generate_demo

    backup = ctx.services.system.upgrade().value
    if backup:
        print(f"Backup of the database before the upgrade: {backup}", file=sys.stderr)
    actor = acting(ctx, Permission.MANAGE_DATABASE)
    args = ctx.args
    report = generate_demo(ctx.db, actor, args.samples, seed=args.seed, allow_existing=args.allow_existing,
                           progress=progress_printer(sys.stderr))
    created = [a for a in DEMO_ACCOUNTS if a[0] in report.accounts_created]
    lines = [
        f"Demo data added to {ctx.db.info.description} in {report.seconds:.1f} s:",
        f"  {report.samples:,} samples ({report.primary_samples:,} primary tubes, {report.aliquots:,} aliquots)",
        f"  {report.participants:,} participants, {report.consents:,} consents "
        f"({report.consents_withdrawn:,} withdrawn)",
        f"  {report.external_barcodes:,} external barcodes, {report.positions_used:,} tubes in "
        f"{report.boxes:,} boxes, {report.racks:,} racks, {report.freezers:,} freezers",
    ]
    if created:
        lines.append("Demo accounts (user / password):")
        lines += [f"  {name} / {password}  ({role.value})" for name, _, role, password in created]
    else:
        lines.append("No demo accounts were added: the database has accounts of its own.")
    emit(ctx, report.as_dict() | {"backup": backup}, lines)
    return 0
