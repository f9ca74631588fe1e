"""``labels``: templates, rendering, printing, the print queue, reprints.

The printing itself (jobs in order, stop at the first that does not complete) is
:func:`biobank_desktop.core.services.label_printing.print_jobs`, the same loop the window uses;
this module chooses the printer from the command line and formats the outcome.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from biobank_desktop.cli.context import (
    COMMON,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    PROG,
    Context,
    Subparsers,
    acting,
    configured_printers,
    emit,
    fail,
    person,
    positive_int,
    shorten,
    table,
    with_printer_name,
)
from biobank_desktop.core.domain.actor import Actor
from biobank_desktop.core.domain.errors import NotFoundError, ValidationError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.labels.printers import (
    DPI_CHOICES,
    MAX_PRINTER_NAME,
    PrinterConfig,
    parse_printer_spec,
    transport_for,
)
from biobank_desktop.core.services.label_printing import UNFINISHED_JOB_STATUSES, print_jobs
from biobank_desktop.core.services.labelling import JobInfo, checked_reprint_reason


def register(subparsers: Subparsers) -> None:
    labels = subparsers.add_parser("labels", help="label templates, rendering, printing and the print queue")
    label_commands = labels.add_subparsers(dest="action", metavar="ACTION", required=True)

    def samples(command: argparse.ArgumentParser) -> None:
        command.add_argument("--sample", dest="samples", metavar="ID", nargs="+", action="extend", required=True,
                             help="sample ID(s), in label order (repeat or list several)")

    def printer_dpi(command: argparse.ArgumentParser) -> None:
        command.add_argument("--dpi", type=int, choices=DPI_CHOICES, metavar="N",
                             help="resolution of an ad-hoc printer (zpl://...), default 203; "
                                  "a configured printer has its own")

    label_commands.add_parser("templates", parents=[COMMON], help="list the label templates"
                              ).set_defaults(handler=_labels_templates)

    render = label_commands.add_parser("render", parents=[COMMON],
                                       help="write labels as PDF or ZPL to a file (nothing is queued)")
    render.add_argument("--template", required=True, metavar="NAME")
    render.add_argument("--format", dest="fmt", required=True, choices=("pdf", "zpl"))
    render.add_argument("--dpi", type=int, choices=DPI_CHOICES, metavar="N",
                        help="the printer's resolution (default: the template's)")
    render.add_argument("--start-position", type=positive_int, default=1, metavar="N",
                        help="first free label on a sheet (PDF of a sheet template), default 1")
    samples(render)
    render.add_argument("-o", "--output", required=True, metavar="OUT", help="the file to write, or - for stdout")
    render.set_defaults(handler=_labels_render)

    print_ = label_commands.add_parser("print", parents=[COMMON], help="queue labels and print them now")
    print_.add_argument("--printer", required=True, metavar="SPEC",
                        help="a configured printer's name, or zpl://HOST:9100, cups://QUEUE, zpl-file:///PATH, "
                             "pdf:///PATH")
    print_.add_argument("--template", metavar="NAME", help="default: chosen by the print rules")
    print_.add_argument("--start-position", type=positive_int, default=1, metavar="N",
                        help="first free label on a sheet (pdf printers), default 1")
    printer_dpi(print_)
    samples(print_)
    print_.set_defaults(handler=_labels_print)

    queue = label_commands.add_parser("queue", parents=[COMMON],
                                      help="this workstation's print jobs waiting, failed or partly printed")
    queue.add_argument("--all", dest="all_jobs", action="store_true",
                       help="every job of every workstation, printed and cancelled ones too (the newest 200)")
    queue.set_defaults(handler=_labels_queue)

    print_job = label_commands.add_parser("print-job", parents=[COMMON],
                                          help="print the labels of a job that are not printed yet (retry)")
    print_job.add_argument("job", metavar="JOB", type=positive_int)
    print_job.add_argument("--printer", metavar="SPEC", help="default: the job's printer")
    print_job.add_argument("--start-position", type=positive_int, default=1, metavar="N",
                           help="first free label on a sheet (pdf printers), default 1")
    printer_dpi(print_job)
    print_job.set_defaults(handler=_labels_print_job)

    resolve = label_commands.add_parser(
        "resolve", parents=[COMMON], help="after looking at the printer: labels that may have printed did or did not")
    resolve.add_argument("job", metavar="JOB", type=positive_int)
    outcome = resolve.add_mutually_exclusive_group(required=True)
    outcome.add_argument("--printed", dest="printed", action="store_true", help="they are on the printer: done")
    outcome.add_argument("--not-printed", dest="printed", action="store_false",
                         help="they are missing: put them back in the queue")
    resolve.add_argument("positions", metavar="POSITION", type=positive_int, nargs="+")
    resolve.set_defaults(handler=_labels_resolve)

    reprint = label_commands.add_parser("reprint", parents=[COMMON], help="print labels again (with a reason)")
    reprint.add_argument("--reason", required=True, help="why (kept with the job and in the audit trail)")
    samples(reprint)
    reprint.add_argument("--printer", metavar="SPEC",
                         help="default: the printer the print rules choose (else the job is only queued)")
    reprint.add_argument("--template", metavar="NAME", help="default: chosen by the print rules")
    printer_dpi(reprint)
    reprint.set_defaults(handler=_labels_reprint)


def _labels_templates(ctx: Context) -> int:
    ctx.services.system.ensure_current()
    labelling = ctx.services.labelling
    catalog = labelling.catalog()
    shipped = labelling.shipped_names()
    for problem in catalog.problems:
        print(f"Warning: {problem}", file=sys.stderr)
    rows = [("NAME", "KIND", "SIZE (MM)", "DPI", "ORIGIN", "DESCRIPTION")]
    data: list[dict[str, Any]] = []
    for t in catalog.templates:
        origin = "shipped" if t.name in shipped else "biobank copy"
        kind = t.kind + (f" of {t.sheet.positions}" if t.sheet is not None else "") + (
            ", round" if t.shape == "round" else "")
        rows.append((t.name, kind, f"{t.width_mm:g} x {t.height_mm:g}", str(t.dpi), origin,
                     shorten(t.description, 60)))
        data.append({"name": t.name, "kind": t.kind, "shape": t.shape, "width_mm": t.width_mm,
                     "height_mm": t.height_mm, "dpi": t.dpi, "shipped": t.name in shipped,
                     "labels_per_sheet": t.sheet.positions if t.sheet is not None else None,
                     "description": t.description})
    emit(ctx, data, table(rows))
    return 0



def _labels_render(ctx: Context) -> int:
    args = ctx.args
    to_stdout = args.output == "-"
    if to_stdout and ctx.json:
        raise ValidationError("--json and -o - both want standard output.", hint="Write to a file with -o FILE.")
    if to_stdout and args.fmt == "pdf" and sys.stdout.isatty():
        raise ValidationError("A PDF is not for a terminal.", hint="Redirect standard output, or use -o FILE.")
    ctx.services.system.ensure_current()
    acting(ctx, Permission.VIEW_SAMPLES)
    labelling = ctx.services.labelling
    template = labelling.template(args.template)
    if args.start_position > 1 and template.sheet is None:
        raise ValidationError(f"--start-position is for sheets; '{template.name}' is a roll template.")
    content = labelling.render(args.samples, template.name, args.fmt, dpi=args.dpi,
                               start_position=args.start_position)
    if to_stdout:
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return 0
    target = Path(args.output).expanduser()
    try:
        target.write_bytes(content)
    except OSError as exc:
        raise ValidationError(f"{target} could not be written ({exc.strerror or exc}).",
                              hint="Check that the folder exists and that you may write there.") from None
    dpi = args.dpi or template.dpi
    count = len(args.samples)
    emit(ctx, {"file": str(target.resolve()), "format": args.fmt, "template": template.name, "dpi": dpi,
                "labels": count, "bytes": len(content)},
          [f"{count} label(s) ({template.name}, {args.fmt.upper()} for {dpi} dpi) written to {target}"])
    return 0


def _resolve_printer(spec: str, dpi: int | None) -> PrinterConfig:
    """A configured printer by name, or an ad-hoc spec; checked before anything is queued."""
    known = configured_printers()
    if dpi is not None:
        for configured in known:
            if configured.name == spec and configured.dpi != dpi:
                raise ValidationError(f"Printer {spec} is set up for {configured.dpi} dpi; --dpi is for ad-hoc "
                                      f"printers (zpl://...).", hint=f"Change it with 'printer remove {spec}' "
                                                                     f"and 'printer add'.")
    printer = parse_printer_spec(spec, known, dpi=dpi or 203)
    if len(printer.name) > MAX_PRINTER_NAME:
        raise ValidationError(f"The printer '{shorten(printer.name, 60)}' is too long a name to keep with the "
                              f"job ({MAX_PRINTER_NAME} characters at most).",
                              hint="Add it with 'printer add NAME ...' and print to NAME.")
    if printer.kind == "system":
        raise ValidationError(f"{printer.name} is a system printer: the command line cannot print to it.",
                              hint="Print from the Labels page of the application, or use a ZPL or PDF printer.")
    if printer.speaks_zpl:
        transport_for(printer)  # a malformed address or queue name is refused now, not after queueing
    return printer


def _job_json(job: JobInfo) -> dict[str, Any]:
    return {"id": job.id, "status": job.status, "created_at": job.created_at, "created_by": job.created_by,
            "workstation": job.workstation, "source": job.source, "template": job.template_name,
            "printer": job.printer_name, "is_reprint": job.is_reprint, "reason": job.reason,
            "message": job.message, "printed_at": job.printed_at, "labels": job.total, "printed": job.sent,
            "items": [{"position": i.position, "sample": i.sample_code, "status": i.status, "sent_at": i.sent_at}
                      for i in job.items]}


_OUTCOME = {"sent": "printed", "queued": "not printed",
            "failed": "sent, not confirmed: it may have printed (look at the printer, then 'labels resolve')",
            "skipped": "skipped (job cancelled)"}


def _print_jobs(ctx: Context, actor: Actor, jobs: Sequence[JobInfo], printer: PrinterConfig | None, *,
                start_position: int = 1, dpi: int | None = None) -> int:
    """Print ``jobs`` in order on ``printer`` (None: each job's own) with the core loop, which stops at the
    first job that does not complete; then say what happened.

    The outcome of each label on stdout; the printer's message and the command to retry on stderr;
    exit 1 unless everything printed.
    """
    labelling = ctx.services.labelling
    if printer is not None and printer.kind == "pdf-file" and len(jobs) > 1:
        # Each job replaces the PDF file: printing them all would leave only the last job's labels in it.
        numbers = ", ".join(str(j.id) for j in jobs)
        raise ValidationError(
            f"The print rules put these labels into {len(jobs)} jobs ({numbers}) with different templates, and "
            f"each job replaces {printer.address}.",
            hint=f"Nothing was printed; the jobs are queued. Print each to its own file with '{PROG} labels "
                 f"print-job JOB --printer pdf:///PATH', or next time choose one --template.")
    started: list[JobInfo] = []
    try:
        run = print_jobs(labelling, actor, jobs, printer_for=lambda job: printer or _job_printer(job, dpi),
                         start_position=start_position, job_started=started.append)
    except KeyboardInterrupt:
        job_id = started[-1].id if started else jobs[0].id
        print(f"\nInterrupted while printing job {job_id}: labels already sent may print. Look at the printer, "
              f"then see '{PROG} labels queue' and '{PROG} labels print-job {job_id}'.", file=sys.stderr)
        return EXIT_INTERRUPTED
    lines: list[str] = []
    for attempt in run.attempts:
        job = attempt.result.job
        lines.append(f"Job {job.id} on {attempt.printer.name} ({job.template_name}):")
        lines += [f"  {i.position:>3}  {i.sample_code}  {_OUTCOME.get(i.status, i.status)}"
                  for i in job.items if i.position in attempt.pending]
    error = run.error
    if error is None:
        lines.append(f"{run.printed} label(s) printed.")
    elif run.printer_failed:
        error = with_printer_name(run.attempts[-1].printer, error)
    emit(ctx, {"complete": error is None, "printed": run.printed, "error": None if error is None else str(error),
               "jobs": [_job_json(j) for j in run.jobs]}, lines)
    if error is None:
        return EXIT_OK
    fail(error)
    waiting = run.waiting()
    if waiting:
        states = ", ".join(f"job {j.id} ({j.status}, {j.total - j.sent} of {j.total} label(s) not printed)"
                           for j in waiting)
        retry = "; ".join(f"{PROG} labels print-job {j.id}" for j in waiting)
        print(f"Kept in the print queue: {states}. When the printer is ready: {retry}", file=sys.stderr)
    return EXIT_FAILED


def _job_printer(job: JobInfo, dpi: int | None) -> PrinterConfig:
    if not job.printer_name:
        raise ValidationError(f"Print job {job.id} has no printer: none was given and none is configured here.",
                              hint=f"Print it with '{PROG} labels print-job {job.id} --printer SPEC'.")
    try:
        return _resolve_printer(job.printer_name, dpi)
    except NotFoundError as exc:
        raise NotFoundError(exc.message, hint=f"Print it elsewhere with '{PROG} labels print-job {job.id} "
                                              f"--printer SPEC'.") from None


def _labels_print(ctx: Context) -> int:
    args = ctx.args
    ctx.services.system.ensure_current()
    actor = person(ctx, Permission.PRINT_LABELS)
    printer = _resolve_printer(args.printer, args.dpi)
    jobs = ctx.services.labelling.enqueue(actor, args.samples, source="cli", template_name=args.template,
                                          printer_name=printer.name).value
    return _print_jobs(ctx, actor, jobs, printer, start_position=args.start_position)


def _labels_print_job(ctx: Context) -> int:
    args = ctx.args
    ctx.services.system.ensure_current()
    actor = person(ctx, Permission.PRINT_LABELS)
    job = ctx.services.labelling.job(args.job)
    doubtful = [i.position for i in job.items if i.status == "failed"]
    if not any(i.status == "queued" for i in job.items):
        if doubtful:
            positions = " ".join(map(str, doubtful))
            raise ValidationError(
                f"Print job {job.id}: label(s) {positions} may or may not have printed.",
                hint=f"Look at the printer, then '{PROG} labels resolve {job.id} --printed {positions}' or "
                     f"'{PROG} labels resolve {job.id} --not-printed {positions}'.")
        raise ValidationError(f"Print job {job.id} is {job.status}; there is nothing left to print.",
                              hint=f"Print labels again with '{PROG} labels reprint --reason TEXT --sample ID...'.")
    printer = _resolve_printer(args.printer, args.dpi) if args.printer else None
    return _print_jobs(ctx, actor, [job], printer, start_position=args.start_position, dpi=args.dpi)


def _labels_resolve(ctx: Context) -> int:
    args = ctx.args
    ctx.services.system.ensure_current()
    actor = person(ctx, Permission.PRINT_LABELS)
    job = ctx.services.labelling.resolve_doubtful(actor, args.job, args.positions, printed=args.printed).value
    left = sum(1 for i in job.items if i.status == "queued")
    emit(ctx, _job_json(job), [f"Job {job.id} is {job.status}; {left} label(s) waiting to print."
                                + (f" Print them with '{PROG} labels print-job {job.id}'." if left else "")])
    return 0


def _labels_reprint(ctx: Context) -> int:
    args = ctx.args
    checked_reprint_reason(args.reason)  # before asking for a password
    ctx.services.system.ensure_current()
    actor = person(ctx, Permission.REPRINT_LABELS)
    printer = _resolve_printer(args.printer, args.dpi) if args.printer else None
    labelling = ctx.services.labelling
    jobs = labelling.reprint(actor, args.samples, args.reason, template_name=args.template,
                             printer_name=printer.name if printer else None).value
    if printer is None and any(not j.printer_name for j in jobs):
        numbers = ", ".join(str(j.id) for j in jobs)
        emit(ctx, {"complete": False, "printed": 0, "error": None, "jobs": [_job_json(j) for j in jobs]},
              [f"Reprint queued as job(s) {numbers}; no printer is set up on this workstation.",
               f"Print with '{PROG} labels print-job JOB --printer SPEC'."])
        return 0
    return _print_jobs(ctx, actor, jobs, printer, dpi=args.dpi)


def _labels_queue(ctx: Context) -> int:
    ctx.services.system.ensure_current()
    acting(ctx, Permission.VIEW_SAMPLES)
    labelling = ctx.services.labelling
    if ctx.args.all_jobs:
        jobs = labelling.jobs()
    else:
        jobs = labelling.jobs(workstation=ctx.services.workstation, statuses=UNFINISHED_JOB_STATUSES)
    if not jobs:
        where = "in the database" if ctx.args.all_jobs else f"waiting on this workstation ({ctx.services.workstation})"
        emit(ctx, [], [f"No print jobs {where}."])
        return 0
    rows = [("JOB", "CREATED (UTC)", "BY", "WORKSTATION", "SOURCE", "TEMPLATE", "PRINTER", "STATUS", "PRINTED")]
    messages: list[str] = []
    for j in reversed(jobs):  # oldest first: the order they should print in
        rows.append((str(j.id), f"{j.created_at:%Y-%m-%d %H:%M}", j.created_by, j.workstation,
                     j.source + (" (reprint)" if j.is_reprint else ""), j.template_name, j.printer_name or "-",
                     j.status, f"{j.sent} of {j.total}"))
        if j.message and j.status != "printed":
            messages.append(f"Job {j.id}: {j.message}")
    lines = table(rows) + messages
    if not ctx.args.all_jobs:
        lines.append(f"Print a job's missing labels with '{PROG} labels print-job JOB [--printer SPEC]'.")
    emit(ctx, [_job_json(j) for j in reversed(jobs)], lines)
    return 0
