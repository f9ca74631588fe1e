"""``storage``: where tubes are, box grids, placing, check-out/in, find space, rack scans, evacuation, exports.

Every command formats what :class:`~biobank_desktop.core.services.storage.StorageService` answers; ``--json``
gives the same facts as JSON on stdout.
"""

from __future__ import annotations

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
    positive_int,
    table,
)
from biobank_desktop.core.domain.errors import NotFoundError, ValidationError
from biobank_desktop.core.domain.reconcile import MARKED
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services.storage import BoxMap, RackScanReview, TubeLocation


def register(subparsers: Subparsers) -> None:
    storage = subparsers.add_parser("storage", help="freezers, boxes and where tubes are")
    commands = storage.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = commands.add_parser("locate", parents=[COMMON], help="where a tube is (freezer / rack / box / position)")
    p.add_argument("sample", metavar="ID", help="sample ID or tube barcode")
    p.set_defaults(handler=_locate)

    p = commands.add_parser("box", parents=[COMMON], help="a box as its grid")
    p.add_argument("box", metavar="BOX", help="the box's barcode")
    p.set_defaults(handler=_box)

    p = commands.add_parser("tree", parents=[COMMON], help="the storage tree with fill levels")
    p.set_defaults(handler=_tree)

    p = commands.add_parser("place", parents=[COMMON], help="put a tube in a box")
    p.add_argument("sample", metavar="ID")
    p.add_argument("box", metavar="BOX")
    p.add_argument("position", metavar="POSITION", nargs="?", default=None,
                   help="in the box's own convention (E1, 37, iii-4); default: the next free position")
    p.add_argument("--move", action="store_true", help="move the tube if it is stored elsewhere")
    p.set_defaults(handler=_place)

    p = commands.add_parser("check-out", parents=[COMMON], help="take a tube out (its position stays its own)")
    p.add_argument("sample", metavar="ID")
    p.add_argument("--reason", required=True)
    p.set_defaults(handler=_check_out)

    p = commands.add_parser("check-in", parents=[COMMON], help="put a checked-out tube back")
    p.add_argument("sample", metavar="ID")
    p.add_argument("--kept-frozen", action="store_true",
                   help="the tube stayed frozen while out (dry ice / cold block): no freeze–thaw cycle is counted")
    p.set_defaults(handler=_check_in)

    p = commands.add_parser("restrict", parents=[COMMON],
                            help="what a box or rack may hold (supervisor); no option: anything")
    p.add_argument("container", metavar="BOX_OR_RACK")
    p.add_argument("--study", action="append", default=[], metavar="CODE", help="repeat for several")
    p.add_argument("--type", dest="sample_type", action="append", default=[], metavar="TYPE",
                   help="sample type code (SPREC), repeat for several")
    p.add_argument("--container", dest="tube", action="append", default=[], metavar="TUBE",
                   help="tube (container) code, repeat for several")
    p.set_defaults(handler=_restrict)

    p = commands.add_parser("find-space", parents=[COMMON], help="free positions for N tubes (nothing written)")
    p.add_argument("count", metavar="N", type=positive_int)
    p.add_argument("--study")
    p.add_argument("--type", dest="sample_type")
    p.add_argument("--tube", metavar="KIND", help="only boxes made for this tube kind (e.g. primary_container, "
                                                  "cryotube_1_2ml)")
    p.add_argument("--within", metavar="CODE", help="only under this freezer, rack or box")
    p.set_defaults(handler=_find_space)

    p = commands.add_parser("import-rackscan", parents=[COMMON], help="reconcile a rack scanner's file")
    p.add_argument("file", metavar="FILE", type=Path)
    p.add_argument("--box", metavar="BOX", help="the rack, when the file names none")
    p.add_argument("--dry-run", action="store_true", help="compare only; change nothing")
    p.add_argument("--resolve", metavar="POS=CODE", action="append", default=[],
                   help="an unreadable tube scanned by hand (POS= with no code: leave it as it is)")
    p.set_defaults(handler=_import_rackscan)

    p = commands.add_parser("evacuate", parents=[COMMON], help="move every box of a freezer elsewhere")
    p.add_argument("freezer", metavar="FREEZER")
    p.add_argument("--dry-run", action="store_true", help="show the plan; move nothing")
    p.add_argument("--reason", default="", help="why (required unless --dry-run)")
    p.set_defaults(handler=_evacuate)

    p = commands.add_parser("export-box", parents=[COMMON], help="box maps to a PDF or an .xlsx file")
    p.add_argument("boxes", metavar="BOX", nargs="+")
    p.add_argument("out", metavar="OUT", type=Path, help="OUT.pdf (one page per box) or OUT.xlsx (a sheet each)")
    p.set_defaults(handler=_export_box)

    p = commands.add_parser("capacity", parents=[COMMON], help="occupancy per freezer, rack and box")
    p.add_argument("out", metavar="OUT", type=Path, nargs="?", help="OUT.xlsx or OUT.pdf (else a table)")
    p.add_argument("--threshold", type=float, default=0.9, help="warn at this fill (0–1), default 0.9")
    p.set_defaults(handler=_capacity)


def _location_json(where: TubeLocation) -> dict[str, Any]:
    path = list(where.path)
    return {"sample": where.sample_code, "freezer": path[0] if len(path) > 1 else None,
            "rack": path[1] if len(path) > 2 else None, "box": where.box_name, "box_code": where.box_code,
            "position": where.position, "row": where.row, "col": where.col, "path": path,
            "placed_by": where.placed_by, "placed_at": where.placed_at, "checked_out_at": where.checked_out_at,
            "checked_out_by": where.checked_out_by, "temperature_class": where.temperature_class}


def _locate(ctx: Context) -> int:
    acting(ctx, Permission.VIEW_SAMPLES)
    where = ctx.services.storage.locate(ctx.args.sample)
    if where is None:
        raise NotFoundError(f"{ctx.args.sample} has no storage position.",
                            hint="Place it with 'storage place ID BOX POSITION'.")
    out = f"{where.sample_code}: {where.display}"
    if where.checked_out_at:
        out += f" (checked out by {where.checked_out_by} since {where.checked_out_at:%Y-%m-%d %H:%M})"
    emit(ctx, _location_json(where), [out])
    return EXIT_OK


def _grid_lines(box: BoxMap) -> list[str]:
    width = max(4, *(len(c.short_id or "") for c in box.cells)) + 1
    lines = [f"{box.code} — {box.name} ({' / '.join(box.path)})",
             f"{box.type_name}; positions {box.convention}; {box.occupied} of {box.capacity} occupied",
             " " * 5 + "".join(label.center(width) for label in box.column_labels)]
    marks = {"empty": ".", "blocked": "XX", "reserved": "RR"}
    for r, label in enumerate(box.row_labels, start=1):
        cells = []
        for c in range(1, box.columns + 1):
            cell = box.cell(r, c)
            text = cell.short_id or marks.get(cell.state, ".")
            cells.append((text + ("*" if cell.checked_out else "")).center(width))
        lines.append(f"{label:>4} " + "".join(cells))
    lines.append("  . empty   XX blocked   RR reserved   * checked out")
    return lines


def _box(ctx: Context) -> int:
    acting(ctx, Permission.VIEW_SAMPLES)
    box = ctx.services.storage.box_map(ctx.args.box)
    data = {"box": box.code, "name": box.name, "path": list(box.path), "type": box.type_name, "rows": box.rows,
            "columns": box.columns, "convention": box.convention, "occupied": box.occupied,
            "capacity": box.capacity,
            "cells": [{"position": c.position, "row": c.row, "col": c.col, "index": c.index, "state": c.state,
                       "sample": c.sample_code, "sample_type": c.sample_type, "hold": c.hold_purpose}
                      for c in box.cells]}
    emit(ctx, data, _grid_lines(box))
    return EXIT_OK


def _tree(ctx: Context) -> int:
    acting(ctx, Permission.VIEW_SAMPLES)
    nodes = ctx.services.storage.tree()
    data = [{"id": n.id, "parent_id": n.parent_id, "name": n.name, "barcode": n.barcode, "kind": n.kind,
             "depth": n.depth, "capacity": n.capacity, "occupied": n.occupied, "boxes": n.boxes,
             "status": n.status, "temperature_class": n.temperature_class} for n in nodes]
    lines = [f"{'  ' * n.depth}{n.name} [{n.barcode or '-'}] {n.occupied}/{n.capacity}"
             + (f" ({n.fill:.0%})" if n.capacity else "") for n in nodes]
    emit(ctx, data, lines or ["The storage tree is empty."])
    return EXIT_OK


def _place(ctx: Context) -> int:
    actor = acting(ctx, Permission.RECORD_SAMPLES)
    placed = ctx.services.storage.place(actor, ctx.args.sample, ctx.args.box, ctx.args.position,
                                        move=ctx.args.move).value
    data = {"sample": placed.sample_code, "box": placed.box_code, "position": placed.position,
            "moved_from": placed.moved_from, "storage_code": placed.storage_code}
    text = f"{placed.sample_code} placed in {placed.box_code} {placed.position}"
    emit(ctx, data, [text + (f" (moved from {placed.moved_from})" if placed.moved_from else "")])
    return EXIT_OK


def _check_out(ctx: Context) -> int:
    actor = acting(ctx, Permission.RECORD_SAMPLES)
    info = ctx.services.storage.check_out(actor, ctx.args.sample, ctx.args.reason).value
    emit(ctx, {"sample": info.sample_code, "box": info.box_code, "position": info.position, "out_at": info.out_at,
               "reason": info.reason},
         [f"{info.sample_code} checked out of {info.box_code} {info.position} (position kept)"])
    return EXIT_OK


def _check_in(ctx: Context) -> int:
    actor = acting(ctx, Permission.RECORD_SAMPLES)
    info = ctx.services.storage.check_in(actor, ctx.args.sample, kept_frozen=ctx.args.kept_frozen).value
    kept = " (kept frozen: no cycle counted)" if info.kept_frozen else ""
    emit(ctx, {"sample": info.sample_code, "box": info.box_code, "position": info.position,
               "minutes_out": info.minutes_out, "freeze_thaw_count": info.freeze_thaw_count,
               "kept_frozen": info.kept_frozen},
         [f"{info.sample_code} back in {info.box_code} {info.position} after {info.minutes_out} min; "
          f"freeze–thaw cycles: {info.freeze_thaw_count}{kept}"])
    return EXIT_OK


def _restrict(ctx: Context) -> int:
    args = ctx.args
    actor = acting(ctx, Permission.MANAGE_STORAGE)
    ctx.services.storage.set_restrictions(actor, args.container, studies=args.study, sample_types=args.sample_type,
                                          containers=args.tube)
    rule = {"studies": sorted(args.study), "sample_types": sorted(args.sample_type), "containers": sorted(args.tube)}
    shown = "; ".join(f"{k}: {', '.join(v)}" for k, v in rule.items() if v) or "anything"
    emit(ctx, {"container": args.container, **rule}, [f"{args.container} may hold {shown}."])
    return EXIT_OK


def _find_space(ctx: Context) -> int:
    acting(ctx, Permission.VIEW_SAMPLES)
    plan = ctx.services.storage.find_space(ctx.args.count, study=ctx.args.study, sample_type=ctx.args.sample_type,
                                           container=ctx.args.tube, within=ctx.args.within)
    data = {"complete": plan.complete, "missing": plan.missing,
            "positions": [{"box": s.box_code, "position": s.label} for s in plan.slots]}
    lines = [f"{s.box_code} {s.label}" for s in plan.slots]
    if not plan.complete:
        lines.append(f"Not enough space: {plan.shortfall()}")
    emit(ctx, data, lines)
    return EXIT_OK if plan.complete else EXIT_FAILED


def _resolutions(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        position, sep, code = item.partition("=")
        if not sep or not position.strip():
            raise ValidationError(f"'{item}' is not POSITION=CODE.", hint="For example --resolve E3=FX00012345, "
                                                                        "or --resolve E3= to leave it as it is.")
        out[position.strip()] = code.strip() or MARKED
    return out


def _review_json(review: RackScanReview) -> dict[str, Any]:
    return {"box": review.box_code, "rack_code_in_file": review.rack_code_in_file, "profile": review.profile,
            "accepted": review.accepted, "counts": dict(review.counts), "positions": review.as_json(),
            "leaving": [i.sample_code for i in review.leaving], "wrong_rack_suspected": review.wrong_rack_suspected}


def _import_rackscan(ctx: Context) -> int:
    args = ctx.args
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = args.file.read_text(encoding="latin-1")
    except OSError as exc:
        raise ValidationError(f"Cannot read {args.file}: {exc.strerror}.") from exc
    resolutions = _resolutions(args.resolve)
    storage = ctx.services.storage
    if args.dry_run:
        acting(ctx, Permission.VIEW_SAMPLES)
        review = storage.review_rackscan(text, args.file.name, box=args.box, resolutions=resolutions)
    else:
        actor = acting(ctx, Permission.RECORD_SAMPLES)
        review = storage.accept_rackscan(actor, text, args.file.name, box=args.box, resolutions=resolutions).value
    lines = [f"Rack {review.box_code} ({review.profile}): "
             + ", ".join(f"{n} {k}" for k, n in review.counts.items() if n)]
    lines += table([("Position", "Outcome", "Tube", "Sample", "Was")] + [
        (i.label, i.outcome.value, i.tube_code or "", i.sample_code or "", i.previously or "")
        for i in review.items if i.outcome.value != "empty"])
    if review.wrong_rack_suspected:
        lines.append(f"Warning: this looks like the scan of another rack: {len(review.leaving)} of the "
                     f"{review.expected_count} tubes {review.box_code} holds are not in it, and {review.unknown_codes} "
                     f"of the {review.codes_read} codes read are unknown.")
    if review.leaving:
        verb = "would leave" if args.dry_run else "left"
        lines.append(f"{len(review.leaving)} tube(s) not in the scan {verb} their positions.")
    if args.dry_run:
        lines.append("Dry run: nothing was changed.")
    emit(ctx, _review_json(review), lines)
    return EXIT_OK


def _evacuate(ctx: Context) -> int:
    args = ctx.args
    storage = ctx.services.storage
    if args.dry_run:
        acting(ctx, Permission.VIEW_SAMPLES)
        plan = storage.plan_evacuation(args.freezer)
    else:
        actor = acting(ctx, Permission.RECORD_SAMPLES)
        plan = storage.evacuate(actor, args.freezer, args.reason).value
    data = {"complete": plan.complete, "missing_places": plan.missing, "committed": not args.dry_run,
            "moves": [{"box": m.box_code, "from": m.from_path, "to_rack": m.rack_code, "to": m.to_path}
                      for m in plan.moves],
            "unplaced": [b.code for b in plan.unplaced]}
    lines = table([("Box", "From", "To")] + [(m.box_code, m.from_path, m.to_path) for m in plan.moves])
    if not plan.complete:
        lines.append(plan.shortfall())
    lines.append("Dry run: nothing was moved." if args.dry_run else f"{len(plan.moves)} box(es) moved.")
    emit(ctx, data, lines)
    return EXIT_OK if plan.complete else EXIT_FAILED


def _export_box(ctx: Context) -> int:
    actor = acting(ctx, Permission.VIEW_SAMPLES)
    out = ctx.services.storage.export_box_maps(ctx.args.boxes, ctx.args.out, printed_by=actor.username)
    emit(ctx, {"file": str(out), "boxes": ctx.args.boxes}, [f"Written: {out}"])
    return EXIT_OK


def _capacity(ctx: Context) -> int:
    actor = acting(ctx, Permission.VIEW_SAMPLES)
    if not 0 < ctx.args.threshold <= 1:
        raise ValidationError("The threshold is a fill level between 0 and 1, e.g. 0.9.")
    storage = ctx.services.storage
    if ctx.args.out is not None:
        out = storage.export_capacity(ctx.args.out, threshold=ctx.args.threshold, printed_by=actor.username)
        emit(ctx, {"file": str(out)}, [f"Written: {out}"])
        return EXIT_OK
    rows = storage.capacity(ctx.args.threshold)
    data = [{"path": r.path, "kind": r.kind, "capacity": r.capacity, "occupied": r.occupied, "fill": round(r.fill, 4),
             "over_threshold": r.over_threshold} for r in rows if r.kind not in ("box", "plate")]
    lines = table([("Container", "Occupied", "Fill", "")] + [
        (r.path, f"{r.occupied}/{r.capacity}", f"{r.fill:.0%}", "over threshold" if r.over_threshold else "")
        for r in rows if r.kind not in ("box", "plate")])
    emit(ctx, data, lines)
    return EXIT_OK

