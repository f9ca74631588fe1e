"""check_printable decides as printable_layouts does, laying out one label per ID shape."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from biobank_desktop.core.domain.errors import ValidationError
from biobank_desktop.core.labels.layout import SAMPLE_LABEL_DATA, layout_label, printable_layouts
from biobank_desktop.core.labels.model import LabelData, LabelTemplate, list_templates, load_template
from biobank_desktop.core.labels.printability import check_printable

SHIPPED = list_templates()
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-/.abc "


def _ids(seed: int, count: int) -> list[str]:
    """IDs of every length up to past what fits, each with variants that differ only in their digits."""
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(count):
        base = "".join(rng.choice(_ALPHABET) for _ in range(rng.choice((rng.randint(1, 40), rng.randint(40, 520)))))
        out.append(base)
        out.append("".join(rng.choice("0123456789") if c.isdigit() else c for c in base))
    return out


def _verdict(fn: object, template: LabelTemplate, labels: list[LabelData], dpi: int) -> str | None:
    try:
        fn(template, labels, dpi=dpi)  # type: ignore[operator]
    except ValidationError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.name)
def test_each_label_gets_the_verdict_of_its_own_layout(template: LabelTemplate, dpi: int) -> None:
    labels = [replace(SAMPLE_LABEL_DATA, sample_id=i) for i in _ids(sum(map(ord, template.name)), 60)]
    refused = 0
    for data in labels:
        alone = _verdict(check_printable, template, [data], dpi)
        assert alone == _verdict(printable_layouts, template, [data], dpi), data.sample_id
        refused += alone is not None
    assert 0 < refused < len(labels)  # the set has both kinds, so the comparison means something


@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.name)
def test_a_batch_is_refused_at_the_same_first_label_with_the_same_message(template: LabelTemplate) -> None:
    fits = [replace(SAMPLE_LABEL_DATA, sample_id=f"BB-2026-{n:06d}W-A{a:02d}") for n in range(30) for a in (1, 9)]
    too_long = replace(SAMPLE_LABEL_DATA, sample_id="BB-2026-000123W-A01/" + "ABCDEFGHIJ" * 60)
    batch = [*fits, too_long, *fits]
    assert _verdict(check_printable, template, fits, 203) is None
    message = _verdict(check_printable, template, batch, 203)
    assert message is not None and f"Label {len(fits) + 1} of {len(batch)}" in message
    assert message == _verdict(printable_layouts, template, batch, 203)


def test_layouts_are_made_once_per_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    from biobank_desktop.core.labels import printability

    calls: list[str] = []

    def counted(template: LabelTemplate, data: LabelData, *, dpi: int | None = None) -> object:
        calls.append(data.sample_id or "")
        return layout_label(template, data, dpi=dpi)

    monkeypatch.setattr(printability, "layout_label", counted)
    labels = [replace(SAMPLE_LABEL_DATA, sample_id=f"BB-2026-{n:06d}W-A{a:02d}")
              for n in range(96) for a in range(1, 10)]
    check_printable(load_template("cryovial-25x13"), labels)
    assert len(calls) == 1
