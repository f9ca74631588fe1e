"""``import`` and ``export``: spreadsheets in and out, through the same exchange service as the window.

``import FILE --kind manifest|inventory [--partner CODE] [--mapping NAME|auto] [--sheet S] [--dry-run]
[--valid-rows-only] [--errors OUT.xlsx]`` reads, maps (the partner's saved mapping, else suggested from the
headers and values), validates and imports; ``--json`` gives rows read/valid/imported, the columns left out and
why, and every problem with sheet, row, column, header, value, code and message. Exit 1 when nothing was
imported because of problems (or a dry run found some), so scripts can stop.

``export inventory OUT.xlsx|OUT.csv [filters]``, ``export template OUT.xlsx [--partner CODE]``,
``export audit OUT.xlsx [--from DATE --to DATE]``, ``export full OUT.xlsx|FOLDER``,
``export shipment CODE OUT.xlsx``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from biobank_desktop.cli.context import COMMON, Context, Subparsers, acting, emit, progress_printer
from biobank_desktop.core.domain.clock import local_midnight_utc
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services.exchange.exports import describe_criteria
from biobank_desktop.core.services.queries import SampleCriteria
from biobank_desktop.core.spreadsheets.fields import IMPORT_KINDS
from biobank_desktop.core.spreadsheets.importing import ImportReport
from biobank_desktop.core.spreadsheets.validation import group_problems
from biobank_desktop.core.spreadsheets.writer import WriteResult

_SHOWN_GROUPS = 20


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None


def register(subparsers: Subparsers) -> None:
    command = subparsers.add_parser("import", parents=[COMMON], help="import a manifest or an inventory (.xlsx, "
                                                                      ".xls, .ods, .csv)")
    command.add_argument("file", type=Path, metavar="FILE")
    command.add_argument("--kind", required=True, choices=IMPORT_KINDS,
                         help="manifest: tubes a partner sends (a shipment); inventory: a collection migrated in")
    command.add_argument("--partner", metavar="CODE", help="the partner site (required for a manifest)")
    command.add_argument("--mapping", metavar="NAME|auto",
                         help="the partner's saved mapping NAME (default: the one used last); auto: map afresh")
    command.add_argument("--sheet", metavar="S", help="the sheet to read (default: the first visible one)")
    command.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    command.add_argument("--valid-rows-only", action="store_true",
                         help="import the valid rows and reject the others (default: all or nothing)")
    command.add_argument("--errors", type=Path, metavar="OUT.xlsx",
                         help="write the rejected rows, unchanged, with what is wrong (to send back)")
    command.set_defaults(handler=_import)

    export = subparsers.add_parser("export", help="write inventories, templates, audit extracts, full exports")
    what = export.add_subparsers(dest="what", metavar="WHAT", required=True)
    inventory = what.add_parser("inventory", parents=[COMMON], help="samples (optionally filtered) to .xlsx/.csv")
    inventory.add_argument("output", type=Path, metavar="OUT.xlsx|OUT.csv")
    inventory.add_argument("--text", default="", help="a sample ID prefix, a barcode or a pseudonym")
    for option, dest in (("--study", "studies"), ("--sample-type", "sample_types"), ("--status", "statuses"),
                         ("--site", "sites")):
        inventory.add_argument(option, dest=dest, action="append", default=[], metavar="CODE")
    inventory.add_argument("--participant", default="")
    inventory.add_argument("--collected-from", type=_day, metavar="YYYY-MM-DD")
    inventory.add_argument("--collected-to", type=_day, metavar="YYYY-MM-DD")
    inventory.set_defaults(handler=_export_inventory)
    template = what.add_parser("template", parents=[COMMON], help="the manifest template for a partner")
    template.add_argument("output", type=Path, metavar="OUT.xlsx")
    template.add_argument("--partner", metavar="CODE")
    template.set_defaults(handler=_export_template)
    audit = what.add_parser("audit", parents=[COMMON], help="an audit-trail extract")
    audit.add_argument("output", type=Path, metavar="OUT.xlsx|OUT.csv")
    audit.add_argument("--from", dest="since", type=_day, metavar="YYYY-MM-DD", help="from this day (inclusive)")
    audit.add_argument("--to", dest="until", type=_day, metavar="YYYY-MM-DD", help="to this day (inclusive)")
    audit.set_defaults(handler=_export_audit)
    full = what.add_parser("full", parents=[COMMON], help="everything: one .xlsx, or CSV files into a folder")
    full.add_argument("output", type=Path, metavar="OUT.xlsx|FOLDER")
    full.set_defaults(handler=_export_full)
    shipment = what.add_parser("shipment", parents=[COMMON], help="a shipment's expected tubes")
    shipment.add_argument("code", metavar="SHIPMENT")
    shipment.add_argument("output", type=Path, metavar="OUT.xlsx|OUT.csv")
    shipment.set_defaults(handler=_export_shipment)


# -- import -------------------------------------------------------------------------------------------------


def _import(ctx: Context) -> int:
    args = ctx.args
    actor = acting(ctx, Permission.RECORD_SAMPLES)
    auto = args.mapping is not None and args.mapping.strip().lower() == "auto"
    result = ctx.services.exchange.import_file(
        actor, args.file.expanduser(), kind=args.kind, partner=args.partner,
        mapping_name=None if auto or args.mapping is None else args.mapping.strip(),
        use_saved_mapping=not auto, sheet=args.sheet, dry_run=args.dry_run, valid_rows_only=args.valid_rows_only,
        errors_to=args.errors.expanduser().resolve() if args.errors else None,
        progress=progress_printer(sys.stderr))
    report = result.value
    emit(ctx, report.as_dict(), _report_lines(report))
    if report.dry_run:
        return 1 if report.error_count else 0
    return 0 if report.rows_imported else 1


def _report_lines(report: ImportReport) -> list[str]:
    verb = "would be imported (dry run)" if report.dry_run else "imported"
    imported = report.rows_valid if report.dry_run and not report.error_count else report.rows_imported
    lines = [f"{report.file}, sheet {report.sheet}: {report.rows_read:,} rows read, {report.rows_valid:,} valid, "
             f"{imported:,} {verb}."]
    if report.shipment:
        lines.append(f"Shipment {report.shipment} created: {report.rows_imported:,} expected tubes.")
    if report.import_id is not None:
        lines.append(f"Import #{report.import_id} recorded.")
    for left in report.left_out:
        lines.append(f"Column {left.column} ({left.header}) left out: {left.reason}.")
    skipped = {s.reason for s in report.skipped}
    for reason in sorted(skipped):
        rows = [str(s.number) for s in report.skipped if s.reason == reason]
        lines.append(f"{reason.capitalize()} rows not imported: {', '.join(rows[:15])}"
                     + (" …" if len(rows) > 15 else ""))
    groups = group_problems(report.problems)
    for group in groups[:_SHOWN_GROUPS]:
        listed = ", ".join(str(r) for r in group.rows[:10]) + (" …" if group.count > 10 else "")
        where = f" (rows {listed})" if group.rows else ""
        lines.append(f"{group.severity.capitalize()}: {group.summary()}{where}")
    if len(groups) > _SHOWN_GROUPS:
        lines.append(f"… and {len(groups) - _SHOWN_GROUPS} more kinds of problem (use --json or --errors).")
    lines.extend(report.notes)
    return lines


# -- exports ------------------------------------------------------------------------------------------------


def _written(ctx: Context, result: WriteResult, what: str) -> int:
    counts = ", ".join(f"{sheet}: {n:,} rows" for sheet, n in result.rows.items())
    emit(ctx, {"file": str(result.path), "what": what, "rows": result.rows}, [f"{what} written to {result.path} "
                                                                               f"({counts})."])
    return 0


def _export_inventory(ctx: Context) -> int:
    args = ctx.args
    actor = acting(ctx, Permission.VIEW_SAMPLES)
    criteria = SampleCriteria(text=args.text, study_codes=tuple(c.upper() for c in args.studies),
                              sample_types=tuple(c.upper() for c in args.sample_types), statuses=tuple(args.statuses),
                              site_codes=tuple(c.upper() for c in args.sites), participant=args.participant,
                              collected_from=args.collected_from, collected_to=args.collected_to)
    result = ctx.services.exchange.export_inventory(actor, args.output.expanduser().resolve(), criteria,
                                                    progress=progress_printer(sys.stderr))
    return _written(ctx, result.value, f"Inventory ({describe_criteria(criteria)})")


def _export_template(ctx: Context) -> int:
    actor = acting(ctx, Permission.VIEW_SAMPLES)
    result = ctx.services.exchange.export_template(actor, ctx.args.output.expanduser().resolve(), ctx.args.partner)
    return _written(ctx, result.value, "Manifest template")


def _export_audit(ctx: Context) -> int:
    args = ctx.args
    actor = acting(ctx, Permission.VIEW_AUDIT)
    since = local_midnight_utc(args.since) if args.since else None
    until = local_midnight_utc(args.until + dt.timedelta(days=1)) if args.until else None
    result = ctx.services.exchange.export_audit(actor, args.output.expanduser().resolve(), since=since,
                                                until=until, progress=progress_printer(sys.stderr))
    return _written(ctx, result.value, "Audit trail extract")


def _export_full(ctx: Context) -> int:
    actor = acting(ctx, Permission.VIEW_SAMPLES)
    result = ctx.services.exchange.export_full(actor, ctx.args.output.expanduser().resolve(),
                                               progress=progress_printer(sys.stderr))
    return _written(ctx, result.value, "Full export")


def _export_shipment(ctx: Context) -> int:
    actor = acting(ctx, Permission.VIEW_SAMPLES)
    result = ctx.services.exchange.export_shipment(actor, ctx.args.code, ctx.args.output.expanduser().resolve())
    return _written(ctx, result.value, f"Shipment {ctx.args.code.upper()}")
