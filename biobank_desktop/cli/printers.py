"""``printer``: this workstation's label printers, kept in its settings file (no database is opened)."""

from __future__ import annotations

import argparse
from typing import Any

from biobank_desktop.cli.context import (
    COMMON,
    PROG,
    Subparsers,
    configured_printers,
    emit,
    table,
    with_printer_name,
)
from biobank_desktop.config import Settings
from biobank_desktop.core.domain.errors import NotFoundError
from biobank_desktop.core.labels.printers import (
    DPI_CHOICES,
    PrinterConfig,
    checked_printer,
    parse_printer_spec,
)
from biobank_desktop.core.services.label_printing import check_printer

_CLI_PRINTER_KINDS = ("zpl-tcp", "zpl-file", "cups-raw", "pdf-file")


def register(subparsers: Subparsers) -> None:
    printer = subparsers.add_parser("printer", help="this workstation's label printers (kept in its settings)")
    printer_commands = printer.add_subparsers(dest="action", metavar="ACTION", required=True)
    printer_commands.add_parser("list", parents=[COMMON], help="list this workstation's printers"
                                ).set_defaults(handler=_printer_list, uses_database=False)
    add = printer_commands.add_parser("add", parents=[COMMON], help="add a printer to this workstation")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--kind", required=True, choices=_CLI_PRINTER_KINDS,
                     help="zpl-tcp (network Zebra, port 9100), zpl-file, cups-raw (CUPS queue, raw) or pdf-file")
    add.add_argument("--address", required=True, metavar="ADDR",
                     help="HOST[:PORT] for zpl-tcp, the queue for cups-raw, a file path for the file kinds")
    add.add_argument("--dpi", type=int, default=203, choices=DPI_CHOICES, metavar="N",
                     help="the printer's resolution, default 203")
    add.add_argument("--offset-x", type=float, default=0.0, metavar="MM", help="calibration, positive is right")
    add.add_argument("--offset-y", type=float, default=0.0, metavar="MM", help="calibration, positive is down")
    add.add_argument("--darkness", type=int, metavar="N", help="0-30 (ZPL ~SD); default: the printer's own")
    add.set_defaults(handler=_printer_add, uses_database=False)
    remove = printer_commands.add_parser("remove", parents=[COMMON], help="remove a printer from this workstation")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=_printer_remove, uses_database=False)
    status = printer_commands.add_parser("status", parents=[COMMON],
                                         help="ask a printer whether it is ready (exit 1 when not)")
    status.add_argument("name", metavar="NAME", help="a configured printer, or an ad-hoc SPEC")
    status.set_defaults(handler=_printer_status, uses_database=False)


def _printer_json(printer: PrinterConfig) -> dict[str, Any]:
    return printer.to_dict()


def _printer_list(args: argparse.Namespace) -> int:
    printers = configured_printers()
    if not printers:
        emit(args, [], ["No printers on this workstation.",
                         f"Add one with '{PROG} printer add NAME --kind zpl-tcp --address HOST:9100'."])
        return 0
    rows = [("NAME", "KIND", "ADDRESS", "DPI", "OFFSET X/Y (MM)", "DARKNESS")]
    rows += [(p.name, p.kind, p.address, str(p.dpi), f"{p.offset_x_mm:g} / {p.offset_y_mm:g}",
              "printer's" if p.darkness is None else str(p.darkness)) for p in printers]
    emit(args, [_printer_json(p) for p in printers], table(rows))
    return 0


def _printer_add(args: argparse.Namespace) -> int:
    settings = Settings.load()
    existing = [PrinterConfig.from_dict(p) for p in settings.printers]
    # The rules (and words) Settings → Printers uses too: name, address, resolution, a name not yet taken.
    printer = checked_printer(args.name, args.kind, args.address, dpi=args.dpi, offset_x_mm=args.offset_x,
                              offset_y_mm=args.offset_y, darkness=args.darkness, existing=existing)
    name = printer.name
    settings.printers = [*settings.printers, printer.to_dict()]
    settings.save()
    emit(args, _printer_json(printer),
          [f"Printer {name} added ({printer.kind} {printer.address}, {printer.dpi} dpi).",
           f"Check it with '{PROG} printer status {name}'." if printer.kind == "zpl-tcp" else
           f"Print to it with '{PROG} labels print --printer {name} ...'."])
    return 0


def _printer_remove(args: argparse.Namespace) -> int:
    settings = Settings.load()
    kept = [p for p in settings.printers if str(p.get("name")) != args.name]
    if len(kept) == len(settings.printers):
        names = ", ".join(str(p.get("name")) for p in settings.printers) or "none"
        raise NotFoundError(f"This workstation has no printer called {args.name} (printers: {names}).")
    settings.printers = kept
    settings.save()
    emit(args, {"removed": args.name}, [f"Printer {args.name} removed from this workstation."])
    return 0


def _printer_status(args: argparse.Namespace) -> int:
    printer = parse_printer_spec(args.name, configured_printers())
    report: dict[str, Any] = {"printer": printer.name, "kind": printer.kind, "address": printer.address}
    if not printer.speaks_zpl:
        how = "writes PDF files" if printer.kind == "pdf-file" else "prints through the operating system"
        emit(args, report | {"ready": None, "problems": []},
              [f"Printer {printer.name} {how} ({printer.address}): it has no status to ask."])
        return 0
    check = check_printer(printer)  # the same question the window's Settings → Printers asks
    if check.error is not None:
        raise with_printer_name(printer, check.error) from None
    status = check.status
    if status is None:
        emit(args, report | {"ready": None, "problems": []},
              [f"Printer {printer.name} ({check.where}) cannot report its status: the labels go to "
               f"{'a file' if printer.kind == 'zpl-file' else 'a print queue'}, which accepts them either way."])
        return 0
    report |= {"ready": status.ready, "answered": status.answered, "problems": status.problems,
               "paper_out": status.paper_out, "paused": status.paused, "head_open": status.head_open,
               "ribbon_out": status.ribbon_out, "buffer_full": status.buffer_full,
               "formats_in_buffer": status.formats_in_buffer, "labels_remaining": status.labels_remaining}
    if status.ready:
        lines = [f"Printer {printer.name} ({check.where}) is ready."]
        if status.formats_in_buffer or status.labels_remaining:
            lines.append(f"It holds {status.formats_in_buffer} label format(s) and has {status.labels_remaining} "
                         f"label(s) of a batch still to print.")
    else:
        lines = [f"Printer {printer.name} ({check.where}) is not ready:"]
        lines += [f"  - {problem}" for problem in status.problems]
        lines.append("Nothing can be printed on it until that is fixed.")
    emit(args, report, lines)
    return 0 if status.ready else 1
