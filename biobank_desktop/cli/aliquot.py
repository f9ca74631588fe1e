"""``aliquot`` and ``lineage``: split a parent, apply a protocol to a file of parents, protocols, void, lineage.

``aliquot PARENT --count N --volume V …`` is ``aliquot one PARENT …`` (:func:`with_default_action` inserts
``one`` when the word after ``aliquot`` is not one of its actions), so both spellings work and ``--help`` lists
the actions. Every command formats what :class:`~biobank_desktop.core.services.aliquoting.AliquotingService`
answers; ``--json`` gives the same facts as JSON on stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from biobank_desktop.cli.context import (
    COMMON,
    EXIT_OK,
    Context,
    Subparsers,
    acting,
    emit,
    positive_int,
    progress_printer,
    table,
)
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services.aliquoting import (
    AliquotOutcome,
    AliquotRequest,
    BatchRequest,
    ProtocolDefinition,
    codes_from_lines,
    parse_protocol_lines,
)
from biobank_desktop.core.services.aliquoting.dto import LineageNode

ACTIONS = ("one", "batch", "protocols", "protocol-add", "void", "batches")
_OPTIONS_WITH_VALUE = ("--database", "--user")


def with_default_action(words: list[str]) -> list[str]:
    """``aliquot PARENT …`` → ``aliquot one PARENT …`` (the command line's short form)."""
    index = 0
    while index < len(words):
        word = words[index]
        if word in _OPTIONS_WITH_VALUE:
            index += 2
            continue
        if word.startswith("-"):
            index += 1
            continue
        break
    if index + 1 < len(words) and words[index] == "aliquot":
        following = words[index + 1]
        if following not in ACTIONS and not following.startswith("-"):
            return [*words[:index + 1], "one", *words[index + 1:]]
    return words


def register(subparsers: Subparsers) -> None:
    aliquot = subparsers.add_parser("aliquot", help="split parents into aliquots and derivatives",
                                    description="aliquot PARENT --count N --volume V is short for aliquot one …")
    commands = aliquot.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = commands.add_parser("one", parents=[COMMON], help="split one parent (also: aliquot PARENT …)")
    p.add_argument("parent", metavar="PARENT", help="sample ID or tube barcode")
    p.add_argument("--count", type=positive_int, required=True, metavar="N")
    p.add_argument("--volume", metavar="V", help="each child's volume (250uL, 0,5 mL); omitted: split evenly")
    p.add_argument("--type", dest="sample_type", metavar="T", help="derivative type (SPREC, or DNA/RNA)")
    p.add_argument("--dead-volume", metavar="V", help="left in the tube, not drawn")
    p.add_argument("--box", metavar="BOX", help="place the children in this box (or rack/freezer to search)")
    p.add_argument("--consume", action="store_true", help="mark the parent consumed even with volume left")
    p.add_argument("--no-check-out", dest="check_out", action="store_false",
                   help="do not check the parent out and back in (no freeze–thaw counted)")
    p.set_defaults(handler=_one)

    p = commands.add_parser("batch", parents=[COMMON], help="apply a protocol to a file of parent IDs")
    p.add_argument("file", metavar="FILE_OF_PARENT_IDS", help="one ID a line (a CSV's first column); - for stdin")
    p.add_argument("--protocol", required=True, metavar="NAME")
    p.add_argument("--version", type=positive_int, metavar="N", help="this version (default: the newest active)")
    p.add_argument("--box", metavar="BOX")
    p.add_argument("--dry-run", action="store_true", help="check every parent, write nothing")
    p.set_defaults(handler=_batch)

    p = commands.add_parser("protocols", parents=[COMMON], help="the studies' aliquot protocols")
    p.add_argument("--study", metavar="CODE")
    p.add_argument("--all", dest="include_inactive", action="store_true", help="withdrawn ones too")
    p.set_defaults(handler=_protocols)

    p = commands.add_parser("protocol-add", parents=[COMMON], help="write a protocol or a new version (supervisor)")
    p.add_argument("study", metavar="STUDY")
    p.add_argument("name", metavar="NAME")
    p.add_argument("lines", metavar="LINES", help='e.g. "6xPL1:0.5mL,2xBUF:0.25mL,1xRBC:1mL"')
    p.add_argument("--parent-type", metavar="T", help="the parent sample type it is for")
    p.add_argument("--dead-volume", metavar="V", default="0")
    p.add_argument("--consumes-parent", action="store_true", help="the parent is used up by it")
    p.add_argument("--centrifugation", metavar="CODE", help="SPREC code of the spin that makes the derivatives")
    p.add_argument("--description", default="")
    p.set_defaults(handler=_protocol_add)

    p = commands.add_parser("void", parents=[COMMON], help="undo today's aliquoting batch (author or supervisor)")
    p.add_argument("batch", metavar="BATCH", type=positive_int)
    p.add_argument("--reason", required=True)
    p.set_defaults(handler=_void)

    p = commands.add_parser("batches", parents=[COMMON], help="recent aliquoting batches")
    p.add_argument("--day", metavar="YYYY-MM-DD")
    p.set_defaults(handler=_batches)

    p = subparsers.add_parser("lineage", parents=[COMMON], help="a sample's ancestors and descendants")
    p.add_argument("sample", metavar="ID")
    p.set_defaults(handler=_lineage)


def _outcome_data(outcome: AliquotOutcome) -> dict[str, Any]:
    return {"batch": outcome.batch_id, "label_jobs": list(outcome.label_jobs),
            "parents": [{"parent": p.parent_code, "volume_before_ul": p.volume_before_ul,
                         "volume_after_ul": p.volume_after_ul, "status": p.status_after,
                         "sum": p.plan.sum_text()} for p in outcome.parents],
            "children": [{"id": c.sample_code, "parent": c.parent_code, "type": c.sample_type,
                          "kind": c.lineage_kind, "volume_ul": c.volume_ul, "sprec": c.sprec_code,
                          "box": c.box_code, "position": c.position} for c in outcome.children]}


def _outcome_lines(outcome: AliquotOutcome) -> list[str]:
    lines = [f"Batch {outcome.batch_id}: " + "; ".join(f"{p.parent_code}: {p.plan.sum_text()}"
                                                       + (" (consumed)" if p.status_after == "consumed" else "")
                                                       for p in outcome.parents[:3])
             + (f"; and {len(outcome.parents) - 3} more parents" if len(outcome.parents) > 3 else "")]
    rows = [("ID", "TYPE", "VOLUME", "BOX", "POSITION")]
    rows += [(c.sample_code, c.sample_type, f"{c.volume_ul} µL", c.box_code or "-", c.position or "-")
             for c in outcome.children]
    return lines + table(rows) + [f"Labels queued in this order: job(s) {', '.join(map(str, outcome.label_jobs))}"]


def _one(ctx: Context) -> int:
    a = ctx.args
    actor = acting(ctx, Permission.RECORD_SAMPLES)
    request = AliquotRequest.simple(a.parent, a.count, a.volume, sample_type=a.sample_type, dead_volume=a.dead_volume,
                                    box=a.box, consume_parent=a.consume, check_out=a.check_out)
    outcome = ctx.services.aliquoting.aliquot(actor, request).value
    emit(ctx, _outcome_data(outcome), _outcome_lines(outcome))
    return EXIT_OK


def _read_codes(name: str) -> list[str]:
    if name == "-":
        return codes_from_lines(sys.stdin.read().splitlines())
    path = Path(name)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"{path.name} is not a UTF-8 text file.",
                              hint="Give a text file, one ID a line.") from None
    return codes_from_lines(text.splitlines())


def _batch(ctx: Context) -> int:
    a = ctx.args
    codes = _read_codes(a.file)
    request = BatchRequest(tuple(codes), a.protocol, a.version, box=a.box, source=f"file {Path(a.file).name}"[:200])
    if a.dry_run:
        checks = ctx.services.aliquoting.check_batch(request)
        emit(ctx, [{"parent": c.parent, "id": c.sample_code, "study": c.study, "problem": c.problem,
                    "sum": c.plan.sum_text() if c.plan else None} for c in checks],
             table([("PARENT", "CHECK")] + [(c.sample_code or c.parent, c.problem or (c.plan.sum_text() if c.plan
                                                                                       else "")) for c in checks]))
        return EXIT_OK if all(c.problem is None for c in checks) else 1
    actor = acting(ctx, Permission.RECORD_SAMPLES)
    outcome = ctx.services.aliquoting.apply_protocol(actor, request, progress=progress_printer(sys.stderr)).value
    emit(ctx, _outcome_data(outcome), _outcome_lines(outcome))
    return EXIT_OK


def _protocols(ctx: Context) -> int:
    acting(ctx, Permission.VIEW_SAMPLES)
    found = ctx.services.aliquoting.protocols(ctx.args.study, include_inactive=ctx.args.include_inactive)
    emit(ctx, [{"study": p.study, "name": p.name, "version": p.version, "active": p.active, "lines": p.text,
                "parent_type": p.definition.parent_type, "dead_volume_ul": p.definition.dead_volume_ul,
                "consumes_parent": p.definition.consumes_parent, "created_by": p.created_by} for p in found],
         table([("STUDY", "NAME", "VERSION", "FOR", "LINES")] + [
             (p.study, p.name, f"v{p.version}" + ("" if p.active else " (withdrawn)"),
              p.definition.parent_type or "any", p.text) for p in found]) if found else ["No aliquot protocols."])
    return EXIT_OK


def _protocol_add(ctx: Context) -> int:
    a = ctx.args
    actor = acting(ctx, Permission.MANAGE_REFERENCE)
    from biobank_desktop.core.domain.aliquot_plan import dead_volume_ul

    definition = ProtocolDefinition(parse_protocol_lines(a.lines), (a.parent_type or "").upper() or None,
                                    dead_volume_ul(a.dead_volume), a.consumes_parent,
                                    (a.centrifugation or "").upper() or None)
    info = ctx.services.aliquoting.save_protocol(actor, a.study, a.name, definition, description=a.description).value
    emit(ctx, {"study": info.study, "name": info.name, "version": info.version, "lines": info.text},
         [f"Protocol {info.study}/{info.name} v{info.version}: {info.text}"])
    return EXIT_OK


def _void(ctx: Context) -> int:
    actor = acting(ctx, Permission.RECORD_SAMPLES)
    done = ctx.services.aliquoting.void(actor, ctx.args.batch, ctx.args.reason).value
    info = ctx.services.aliquoting.batch(ctx.args.batch)
    emit(ctx, {"batch": info.id, "status": info.status, "children": [i.child_code for i in info.items],
               "labels_cancelled": done.labels_cancelled, "labels_maybe_printed": list(done.maybe_printed)},
         [done.message])
    return EXIT_OK


def _batches(ctx: Context) -> int:
    acting(ctx, Permission.VIEW_SAMPLES)
    found = ctx.services.aliquoting.batches(day=ctx.args.day)
    emit(ctx, [{"batch": b.id, "at": b.created_at, "by": b.created_by, "protocol": b.protocol, "status": b.status,
                "parents": b.parents, "children": b.children} for b in found],
         table([("BATCH", "AT", "BY", "PARENTS", "CHILDREN", "STATUS")] + [
             (str(b.id), f"{b.created_at:%Y-%m-%d %H:%M}", b.created_by, str(b.parents), str(b.children), b.status)
             for b in found]) if found else ["No aliquoting batches."])
    return EXIT_OK


def _tree_lines(node: LineageNode, prefix: str = "") -> list[str]:
    r = node.row
    volume = f"{r.volume_ul} µL" if r.volume_ul is not None else "volume unknown"
    drawn = f", {r.drawn_ul} µL drawn" if r.drawn_ul else ""
    lines = [f"{prefix}{r.sample_code}  {r.sample_type}  {r.status}  {volume}{drawn}  {r.position or ''}".rstrip()]
    for child in node.children:
        lines += _tree_lines(child, prefix + "  ")
    return lines


def _lineage(ctx: Context) -> int:
    acting(ctx, Permission.VIEW_SAMPLES)
    family = ctx.services.aliquoting.lineage(ctx.args.sample)
    emit(ctx, {"sample": family.sample_code, "ancestors": list(family.ancestors),
               "descendants": list(family.descendants), "initial_ul": family.initial_ul, "drawn_ul": family.drawn_ul,
               "dead_ul": family.dead_ul, "other_ul": family.other_ul, "left_ul": family.left_ul,
               "rows": [{"id": r.sample_code, "parent": r.parent_code, "depth": r.depth, "kind": r.lineage_kind,
                         "type": r.sample_type, "status": r.status, "volume_ul": r.volume_ul,
                         "drawn_ul": r.drawn_ul, "position": r.position} for r in family.rows]},
         _tree_lines(family.root))
    return EXIT_OK


