"""A sample's SPREC code changes only by derivation from changed inputs or by an audited override (issue 14).

Every place in the core that names ``sprec_code`` in an assignment, a keyword argument or a dict literal
(rows for a bulk insert, audit snapshots, DTOs) is listed below with why it keeps that rule. A new writer
fails this test until it is classified here — and it must be one of the two kinds, each tested elsewhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

import biobank_desktop

CORE = Path(biobank_desktop.__file__).parent / "core"

#: (module under core/, enclosing function, kind of mention) → why it keeps the rule
KNOWN: dict[tuple[str, str, str], str] = {
    ("services/samples.py", "register_in", "keyword"):
        "derivation: the code derive_fluid_code / derive_solid_code gives at registration (audited)",
    ("services/samples.py", "override_sprec", "assign"): "the supervisor's override, audited with a reason",
    ("services/samples.py", "override_sprec", "dict"): "the override's audit before/after values",
    ("services/samples.py", "sample_snapshot", "dict"): "an audit snapshot: reads the code",
    ("services/storage/common.py", "rederive_storage", "assign"):
        "derivation: long-term storage from the tube and its freezer's class, audited; overrides are kept",
    ("services/storage/common.py", "rederive_storage", "dict"): "the re-derivation's audit before/after values",
    ("services/demo/writer.py", "_visit", "dict"): "demo rows start without a code",
    ("services/demo/writer.py", "_visit", "keyword"):
        "demo rows carry the code derive_sprec gives (test_demo re-derives every one)",
    ("services/queries.py", "detail", "keyword"): "the sample detail DTO: reads the code",
    ("services/aliquoting/splitting.py", "_child_row", "keyword"):
        "derivation: a child's code from the parent's elements that still hold and its own processing "
        "(core/domain/derivation.py), audited as the child's registration",
    ("services/aliquoting/splitting.py", "_split_in", "dict"): "the aliquoting's audit after values",
}


def _mentions(path: Path) -> set[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[tuple[str, str]] = set()

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        kind = None
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(sub, ast.Attribute) and sub.attr == "sprec_code"
                   for target in targets for sub in ast.walk(target)):
                kind = "assign"
        elif isinstance(node, ast.keyword) and node.arg == "sprec_code":
            kind = "keyword"
        elif isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "sprec_code"
                                                for k in node.keys):
            kind = "dict"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "sprec_code" in node.value \
                and "update" in node.value.lower():
            kind = "sql"
        if kind is not None:
            found.add((function, kind))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def test_every_writer_of_a_sprec_code_is_a_derivation_or_an_audited_override() -> None:
    seen: dict[tuple[str, str, str], str] = {}
    for path in sorted(CORE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = path.relative_to(CORE).as_posix()
        for function, kind in _mentions(path):
            seen[(module, function, kind)] = KNOWN.get((module, function, kind), "NOT CLASSIFIED")
    unknown = sorted(key for key, why in seen.items() if why == "NOT CLASSIFIED")
    assert unknown == [], ("new places that set a sample's SPREC code: make each a derivation from changed inputs "
                           f"or an audited override, and list it in KNOWN: {unknown}")
    assert set(KNOWN) <= set(seen), f"listed but gone (remove from KNOWN): {sorted(set(KNOWN) - set(seen))}"
