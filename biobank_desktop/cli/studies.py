"""``study``: the studies, and a study's own sample ID prefix (supervisors and administrators)."""

from __future__ import annotations

from biobank_desktop.cli.context import COMMON, EXIT_OK, Context, Subparsers, acting, emit, table
from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.domain.roles import Permission
from biobank_desktop.core.services.dto import StudyInfo


def register(subparsers: Subparsers) -> None:
    study = subparsers.add_parser("study", help="studies and their sample ID prefixes")
    commands = study.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = commands.add_parser("list", parents=[COMMON], help="the studies with their sample ID prefixes")
    p.set_defaults(handler=_list)

    p = commands.add_parser("prefix", parents=[COMMON],
                            help="give a study its own sample ID prefix (2-5 letters), or --none")
    p.add_argument("study", metavar="STUDY")
    p.add_argument("prefix", metavar="PREFIX", nargs="?", default=None)
    p.add_argument("--none", action="store_true", help="back to the biobank-wide prefix")
    p.add_argument("--reason", required=True)
    p.set_defaults(handler=_prefix)


def _json(s: StudyInfo) -> dict[str, object]:
    return {"code": s.code, "name": s.name, "programme": s.programme, "active": s.active,
            "sample_id_prefix": s.sample_id_prefix}


def _list(ctx: Context) -> int:
    acting(ctx, Permission.VIEW_SAMPLES)
    rows = ctx.services.reference.studies(include_inactive=True)
    emit(ctx, [_json(s) for s in rows], table([["STUDY", "PREFIX", "NAME"]] + [
        [s.code, s.sample_id_prefix or "(biobank-wide)", s.name] for s in rows]))
    return EXIT_OK


def _prefix(ctx: Context) -> int:
    if ctx.args.none == (ctx.args.prefix is not None):
        raise ValidationError("Give either a PREFIX or --none.", hint="e.g. 'study prefix LUNG LUNG --reason …'")
    actor = acting(ctx, Permission.MANAGE_REFERENCE)
    info = ctx.services.reference.set_study_prefix(actor, ctx.args.study, ctx.args.prefix, ctx.args.reason).value
    emit(ctx, _json(info), [f"New sample IDs of {info.code} begin with "
                            f"{info.sample_id_prefix or 'the biobank-wide prefix'}; existing IDs are unchanged."])
    return EXIT_OK
