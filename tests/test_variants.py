"""The same plans reaching users by other routes score as the originals do (issue 15): re-encoded in GB18030,
pulled out of a PDF (hard-wrapped mid-word at a fixed width, page footers, running titles, no blank lines) and
reposted in Traditional characters. The variants are made by tests/variants.py from the bundled plans and the
constructed development set; the PDF-text variant is made of the prose layouts only (a table's cells wrapped at
the page width are another layout, read by loaders/tables.py from its own PDF form)."""

from pathlib import Path

import pytest
from variants import pdf_text, write_variants

from kg.evaluate import evaluate
from loaders.reading import clean_lines

DATA = Path(__file__).resolve().parent / "data"
BUNDLED = Path(__file__).resolve().parent.parent / "data" / "plans"
TABLE_FAMILIES = {"sichuan_2019.json", "weiyang_2018.json", "xuzhou_jkq_2019.json"}
FIGURES = ("task_recall", "role_f1", "deadline_f1")


def _prose_gold(tmp_path: Path) -> Path:
    """The constructed gold without the table layouts."""
    gold = tmp_path / "prose"
    gold.mkdir()
    for path in (DATA / "devset" / "constructed" / "gold").glob("*.json"):
        if path.name not in TABLE_FAMILIES:
            (gold / path.name).write_text(path.read_text("utf-8"), "utf-8")
    return gold


@pytest.mark.parametrize("part", ["bundled", "constructed"])
def test_variants_score_as_the_originals(part, tmp_path):
    if part == "bundled":
        gold, plans = DATA / "bundled_gold", BUNDLED
        variants = write_variants(gold, plans, tmp_path / "variants")
    else:
        gold, plans = DATA / "devset" / "constructed" / "gold", DATA / "devset" / "constructed" / "plans"
        variants = write_variants(gold, plans, tmp_path / "variants", wrap=False)
        prose = _prose_gold(tmp_path)
        variants |= write_variants(prose, plans, tmp_path / "prose-variants")
        variants = {name: variants[name] for name in ("gb18030", "traditional", "pdf")}
    original = evaluate(gold, plans).total.figures()
    for name, variant_gold in variants.items():
        base = evaluate(prose, plans).total.figures() if name == "pdf" and part == "constructed" else original
        figures = evaluate(variant_gold).total.figures()
        worse = {f: (round(figures[f], 3), round(base[f], 3)) for f in FIGURES if figures[f] < base[f] - 0.02}
        assert not worse, f"{part}, {name} variant: (variant, original) {worse}"


def test_pdf_text_is_read_back_whole():
    text = "一、总体要求\n为深入贯彻落实《国务院关于印发打赢蓝天保卫战三年行动计划的通知》（国发〔2018〕22号），结合实际，制定本方案。\n" * 30
    read = clean_lines(pdf_text(text, "某某县打赢蓝天保卫战实施方案"))
    assert read.split("\n") == text.strip().split("\n")  # footers and running titles gone, wrapped lines whole
