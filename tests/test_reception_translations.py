"""The reception page's words reach the translation files: lupdate only extracts string literals, so the words
that come from tables are marked with QT_TRANSLATE_NOOP("Reception", …) in ui/models/reception_words.py and no
reception module translates a variable (except the one-line tr wrappers whose callers pass literals)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from biobank_desktop.core.domain import reception as domain
from biobank_desktop.ui.models import reception_words as words

PACKAGE = Path(__file__).resolve().parents[1] / "biobank_desktop"
MODULES = sorted((PACKAGE / "ui" / "pages" / "reception").glob("*.py")) + sorted(
    (PACKAGE / "ui" / "models").glob("reception*.py"))
TRANSLATING = {"tr", "_tr", "translate"}


def _text_argument(call: ast.Call) -> ast.expr | None:
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
    if name not in TRANSLATING or not call.args:
        return None
    return call.args[1] if name == "translate" and len(call.args) > 1 else call.args[0]


def _wrapper_parameters(tree: ast.Module) -> set[tuple[int, str]]:
    """(line, parameter) of each `def tr/_tr(…, text): return translate("Context", text)`: a pass-through."""
    allowed: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in {"tr", "_tr", "shown"}:
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and isinstance(_text_argument(inner), ast.Name):
                    allowed.add((inner.lineno, node.args.args[-1].arg))
    return allowed


def test_no_reception_module_translates_a_variable() -> None:
    found = []
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = _wrapper_parameters(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            text = _text_argument(node)
            if text is None or (isinstance(text, ast.Constant) and isinstance(text.value, str)):
                continue
            if isinstance(text, ast.Name) and (node.lineno, text.id) in allowed:
                continue
            found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {ast.unparse(node)}")
    assert not found, ("lupdate cannot extract these; mark the words with QT_TRANSLATE_NOOP in "
                       "ui/models/reception_words.py and show them with shown():\n" + "\n".join(found))


def test_the_marked_tables_say_what_the_core_tables_say() -> None:
    assert words.CONDITIONS == domain.CONDITIONS
    assert words.TRANSPORT_TEMPERATURES == domain.TRANSPORT_TEMPERATURES
    assert words.DRY_ICE_LEFT == domain.DRY_ICE_LEFT
    assert words.PACKAGING == domain.PACKAGING
    assert words.STATUS_LABELS == domain.STATUS_LABELS
    assert set(words.SHORT_NAMES) <= set(domain.CONDITIONS)


def test_lupdate_extracts_every_word_of_the_tables(tmp_path: Path) -> None:
    lupdate = shutil.which("pyside6-lupdate") or str(Path(sys.executable).with_name("pyside6-lupdate"))
    if not Path(lupdate).exists():
        pytest.skip("pyside6-lupdate is not installed")
    out = tmp_path / "reception.ts"
    subprocess.run([lupdate, *map(str, MODULES), "-ts", str(out)], check=True, capture_output=True, timeout=120)
    root = ET.parse(out).getroot()
    extracted = {(context.findtext("name"), message.findtext("source"))
                 for context in root.iter("context") for message in context.iter("message")}
    missing = [(name, text) for name, table in words.TABLES.items()
               for text in (table.values() if isinstance(table, dict) else table)
               if (words.CONTEXT, text) not in extracted]
    assert not missing, missing
