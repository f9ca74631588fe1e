"""``reception``: shipments from partner sites, received tube by tube.

Every command formats what :class:`~biobank_desktop.core.services.reception.ReceptionService` answers (scans go
through the same scan session as the window, :mod:`biobank_desktop.core.flows.reception`); ``--json`` gives the
same facts as JSON on stdout.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from biobank_desktop.cli.context import (
    COMMON,
    EXIT_FAILED,
    EXIT_OK,
    Context,
    Subparsers,
    acting,
    emit,
    fail,
    table,
)
from biobank_desktop.core.domain.errors import BiobankError, ValidationError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.flows.reception import ReceptionSession, ServiceBackend
from biobank_desktop.core.services.reception import (
    ArrivalConditions,
    BoardCounts,
    BoardTube,
    ScanResult,
    ShipmentDetails,
    ShipmentInfo,
)


def register(subparsers: Subparsers) -> None:
    reception = subparsers.add_parser("reception", help="shipments from partner sites, received by scanning")
    commands = reception.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = commands.add_parser("shipments", parents=[COMMON], help="the shipments, newest first")
    p.add_argument("--open", action="store_true", help="only open ones (nothing or part received)")
    p.add_argument("--status", help="open, partly received, closed or cancelled")
    p.add_argument("--partner", metavar="CODE")
    p.set_defaults(handler=_shipments)

    p = commands.add_parser("new", parents=[COMMON], help="a shipment without manifest (tubes registered as scanned)")
    p.add_argument("--partner", metavar="CODE", required=True)
    p.add_argument("--courier", default=None)
    p.add_argument("--tracking", default=None, metavar="NUMBER")
    p.add_argument("--sender", default=None)
    p.set_defaults(handler=_new)

    p = commands.add_parser("board", parents=[COMMON], help="a shipment's counters and tubes")
    p.add_argument("shipment", metavar="SHIPMENT")
    p.set_defaults(handler=_board)

    p = commands.add_parser("arrival", parents=[COMMON], help="record the parcel's condition on arrival")
    p.add_argument("shipment", metavar="SHIPMENT")
    p.add_argument("--transport", help="ambient, cold (2-8 °C), dry_ice or ln2")
    p.add_argument("--dry-ice", dest="dry_ice", help="dry ice left: yes, no or na")
    p.add_argument("--temperature", help="the logger's or probe's reading in °C")
    p.add_argument("--packaging", help="intact or damaged")
    p.set_defaults(handler=_arrival)

    p = commands.add_parser("receive", parents=[COMMON], help="scan tubes into a shipment (one transaction each)")
    p.add_argument("shipment", metavar="SHIPMENT")
    p.add_argument("codes", metavar="CODE", nargs="+", help="the tubes' clinic barcodes, in scan order")
    p.add_argument("--condition", help="the tubes' condition (OK, HAEMOLYSED, BROKEN, …); default OK")
    p.add_argument("--comment", default="")
    p.add_argument("--label", action="store_true", help="queue each accepted tube's label at once")
    p.add_argument("--store", action="store_true", help="find each accepted tube a position at once")
    p.set_defaults(handler=_receive)

    for name, helptext in (("reject", "reject a tube waiting for a decision"),
                           ("quarantine", "accept a stopped listed tube into quarantine")):
        p = commands.add_parser(name, parents=[COMMON], help=helptext)
        p.add_argument("shipment", metavar="SHIPMENT")
        p.add_argument("code", metavar="CODE")
        p.add_argument("--reason", required=True)
        p.set_defaults(handler=_decide, decision=name)

    p = commands.add_parser("label", parents=[COMMON], help="queue labels of the accepted tubes, in scan order")
    p.add_argument("shipment", metavar="SHIPMENT")
    p.set_defaults(handler=_label)

    p = commands.add_parser("store", parents=[COMMON], help="find space for the accepted tubes and place them")
    p.add_argument("shipment", metavar="SHIPMENT")
    p.add_argument("--within", metavar="CODE", help="only under this freezer, rack or box")
    p.set_defaults(handler=_store)

    p = commands.add_parser("attach", parents=[COMMON], help="keep a file with the shipment (at most 20 MB)")
    p.add_argument("shipment", metavar="SHIPMENT")
    p.add_argument("file", metavar="FILE", type=Path)
    p.set_defaults(handler=_attach)

    p = commands.add_parser("close", parents=[COMMON], help="close a shipment (missing tubes need a reason)")
    p.add_argument("shipment", metavar="SHIPMENT")
    p.add_argument("--reason", default=None)
    p.set_defaults(handler=_close)

    p = commands.add_parser("report", parents=[COMMON], help="the discrepancy report (.pdf or .xlsx)")
    p.add_argument("shipment", metavar="SHIPMENT")
    p.add_argument("out", metavar="OUT", type=Path, help="OUT.pdf (to print) or OUT.xlsx (for the clinic)")
    p.set_defaults(handler=_report)


def _counts_json(counts: BoardCounts) -> dict[str, int]:
    return dict(vars(counts))


def _shipment_json(info: ShipmentInfo) -> dict[str, Any]:
    return {"code": info.code, "partner": info.partner, "status": info.status, "status_label": info.status_label,
            "manifest": info.manifest_file, "sender": info.details.sender, "courier": info.details.courier,
            "tracking_number": info.details.tracking_number, "shipped_at": info.details.shipped_at,
            "received_at": info.arrival.received_at, "received_by": info.arrival.received_by,
            "transport_temperature": info.arrival.transport_temperature, "dry_ice_left": info.arrival.dry_ice_left,
            "temperature_c": info.arrival.temperature_c, "packaging": info.arrival.packaging,
            "created_at": info.created_at, "closed_at": info.closed_at, "closed_by": info.closed_by,
            "close_reason": info.close_reason, "attachments": info.attachments, "counts": _counts_json(info.counts)}


def _count_text(c: BoardCounts) -> str:
    return (f"expected {c.expected}, received {c.received}, missing {c.missing}, unexpected {c.unexpected}, "
            f"damaged {c.damaged}, waiting {c.pending}")


def _shipments(ctx: Context) -> int:
    acting(ctx, Permission.VIEW_SAMPLES)
    status = "open" if ctx.args.open else ctx.args.status
    rows = ctx.services.reception.shipments(status=status, partner=ctx.args.partner)
    lines = table([["SHIPMENT", "PARTNER", "STATUS", "CREATED", "COUNTS"]]
                  + [[s.code, s.partner, s.status_label, f"{s.created_at.astimezone():%Y-%m-%d}", _count_text(s.counts)]
                     for s in rows]) if rows else ["No shipment."]
    emit(ctx, [_shipment_json(s) for s in rows], lines)
    return EXIT_OK


def _new(ctx: Context) -> int:
    actor = acting(ctx, Permission.RECORD_SAMPLES)
    details = ShipmentDetails(sender=ctx.args.sender, courier=ctx.args.courier, tracking_number=ctx.args.tracking)
    info = ctx.services.reception.create_shipment(actor, ctx.args.partner, details).value
    emit(ctx, _shipment_json(info), [f"Shipment {info.code} from {info.partner} opened (no manifest): scan its "
                                     "tubes with 'reception receive'."])
    return EXIT_OK


def _tube_json(tube: BoardTube) -> dict[str, Any]:
    return {"barcode": tube.barcode, "state": tube.state, "outcome": tube.outcome, "decision": tube.decision,
            "stop": tube.stop, "condition": tube.condition, "comment": tube.comment, "study": tube.study,
            "participant": tube.pseudonym, "sample_type": tube.sample_type, "volume_ul": tube.volume_ul,
            "sample": tube.sample_code, "reason": tube.decision_reason, "scanned_by": tube.scanned_by,
            "scanned_at": tube.scanned_at, "workstation": tube.workstation, "manifest_row": tube.source_row,
            "labelled": tube.labelled, "location": tube.location}


def _board(ctx: Context) -> int:
    acting(ctx, Permission.VIEW_SAMPLES)
    board = ctx.services.reception.board(ctx.args.shipment)
    rows = [["BARCODE", "STATE", "DECISION", "CONDITION", "SAMPLE", "WHERE"]]
    rows += [[t.barcode or "(none)", t.state, t.decision or "", t.condition or "", t.sample_code or "",
              t.location or ""] for t in board.tubes]
    emit(ctx, {"shipment": _shipment_json(board.shipment), "tubes": [_tube_json(t) for t in board.tubes]},
         [f"{board.shipment.code} ({board.shipment.status_label}): {_count_text(board.counts)}", *table(rows)])
    return EXIT_OK


def _arrival(ctx: Context) -> int:
    actor = acting(ctx, Permission.RECORD_SAMPLES)
    temperature = None
    if ctx.args.temperature is not None:
        try:
            temperature = Decimal(ctx.args.temperature.replace(",", ".").replace("°C", "").strip())
        except InvalidOperation as exc:
            raise ValidationError(f"'{ctx.args.temperature}' is not a temperature in °C.") from exc
    arrival = ArrivalConditions(transport_temperature=ctx.args.transport, dry_ice_left=ctx.args.dry_ice,
                                temperature_c=temperature, packaging=ctx.args.packaging)
    info = ctx.services.reception.record_arrival(actor, ctx.args.shipment, arrival).value
    emit(ctx, _shipment_json(info), [f"Arrival of {info.code} recorded."])
    return EXIT_OK


def _scan_json(code: str, result: ScanResult | None, message: str, hint: str) -> dict[str, Any]:
    if result is None:
        return {"code": code, "outcome": "error", "message": message, "hint": hint, "sample": None,
                "recorded": False}
    return {"code": code, "outcome": result.outcome.value, "message": result.message, "hint": result.hint,
            "sample": result.sample_code, "other_shipment": result.other_shipment, "recorded": result.recorded,
            "waiting_for_decision": result.needs_decision, "label_jobs": list(result.label_jobs),
            "placed": [f"{p.box_code} {p.position}" for p in result.placed]}


def _receive(ctx: Context) -> int:
    actor = acting(ctx, Permission.RECORD_SAMPLES)
    session = ReceptionSession(ServiceBackend(ctx.services.reception, actor, ctx.args.shipment),
                               label=ctx.args.label, store=ctx.args.store)
    answers: list[dict[str, Any]] = []
    lines: list[str] = []
    status = EXIT_OK
    for code in ctx.args.codes:
        session.condition, session.comment = ctx.args.condition, ctx.args.comment
        feedback = session.scan(code)
        if feedback is None:
            continue
        answers.append(_scan_json(code, feedback.result, feedback.headline, feedback.detail))
        lines.append(f"{feedback.symbol} {feedback.headline}" + (f" — {feedback.detail}" if feedback.detail else ""))
        if feedback.result is None:  # the service refused (bad input) or the database is gone: stop here
            fail(BiobankError(feedback.headline, hint=feedback.detail or None))
            status = EXIT_FAILED
            break
    emit(ctx, answers, lines)
    return status


def _decide(ctx: Context) -> int:
    actor = acting(ctx, Permission.RECORD_SAMPLES)
    service = ctx.services.reception
    if ctx.args.decision == "reject":
        result = service.reject(actor, ctx.args.shipment, ctx.args.code, ctx.args.reason).value
    else:
        result = service.quarantine(actor, ctx.args.shipment, ctx.args.code, ctx.args.reason).value
    emit(ctx, _scan_json(ctx.args.code, result, result.message, result.hint), [result.message])
    return EXIT_OK


def _label(ctx: Context) -> int:
    actor = acting(ctx, Permission.PRINT_LABELS)
    jobs = ctx.services.reception.label_accepted(actor, ctx.args.shipment).value
    emit(ctx, {"jobs": jobs}, [f"Labels queued in job(s) {', '.join(map(str, jobs))}: print them with 'labels "
                               "print-job JOB'." if jobs else "Every accepted tube has its label already."])
    return EXIT_OK


def _store(ctx: Context) -> int:
    actor = acting(ctx, Permission.RECORD_SAMPLES)
    done = ctx.services.reception.store_accepted(actor, ctx.args.shipment, within=ctx.args.within).value
    lines = [f"{p.sample_code} → {p.box_code} {p.position}" for p in done.placed] or ["Every accepted tube is stored."]
    lines += [f"Not stored: {problem}" for problem in done.problems]
    emit(ctx, {"placed": [{"sample": p.sample_code, "box": p.box_code, "position": p.position} for p in done.placed],
               "left": list(done.left), "problems": list(done.problems)}, lines)
    return EXIT_OK if not done.left else EXIT_FAILED


def _attach(ctx: Context) -> int:
    actor = acting(ctx, Permission.RECORD_SAMPLES)
    info = ctx.services.reception.attach_file(actor, ctx.args.shipment, ctx.args.file.expanduser()).value
    emit(ctx, {"id": info.id, "file": info.file_name, "mime_type": info.mime_type, "size_bytes": info.size_bytes,
               "sha256": info.sha256}, [f"{info.file_name} ({info.size_bytes:,} bytes) kept with {info.shipment}."])
    return EXIT_OK


def _close(ctx: Context) -> int:
    actor = acting(ctx, Permission.RECORD_SAMPLES)
    info = ctx.services.reception.close(actor, ctx.args.shipment, ctx.args.reason).value
    emit(ctx, _shipment_json(info), [f"Shipment {info.code} closed: {_count_text(info.counts)}."])
    return EXIT_OK


def _report(ctx: Context) -> int:
    actor = acting(ctx, Permission.VIEW_SAMPLES)
    out = ctx.services.reception.write_report(actor, ctx.args.shipment, ctx.args.out.expanduser().resolve()).value
    emit(ctx, {"file": str(out)}, [f"Discrepancy report written to {out}."])
    return EXIT_OK
