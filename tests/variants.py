"""Variants of a plan file as the same plan reaches users by other routes: re-encoded (GB18030), pulled out of a
PDF (lines hard-wrapped at a fixed width in the middle of words, names and 文号, blank lines lost, a page footer
and the running title at each page break), and reposted in Traditional characters. Used to check that the
extraction scores the same on each (tests/test_variants.py)."""

from __future__ import annotations

import json
from pathlib import Path
from unicodedata import east_asian_width

from opencc import OpenCC

WRAP_WIDTH = 68  # what a PDF line holds, in columns (a Chinese character takes two)
PAGE_LINES = 28  # lines a page holds
FOOTERS = ("— {n} —", "- {n} -", "第{n}页 共{total}页")


def gb18030(text: str) -> bytes:
    return text.encode("gb18030")


def traditional(text: str) -> str:
    return OpenCC("s2t").convert(text)


def pdf_text(text: str, running_title: str, footer: str = FOOTERS[0]) -> str:
    """The text as a PDF's text layer gives it: every paragraph wrapped at WRAP_WIDTH columns (its first line
    indented), no blank lines, and at each page break a footer line and the running title."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        line, width = "  ", 2
        for char in paragraph:
            w = 2 if east_asian_width(char) in "WF" else 1
            if width + w > WRAP_WIDTH:
                lines.append(line)
                line, width = "", 0
            line, width = line + char, width + w
        lines.append(line)
    total = len(lines) // PAGE_LINES + 1
    out: list[str] = []
    for n, line in enumerate(lines):
        if n and n % PAGE_LINES == 0:
            page = n // PAGE_LINES
            out += ["", footer.format(n=page, total=total), "\f" + running_title]
        out.append(line)
    return "\n".join(out) + "\n"


def write_variants(gold_dir: Path, plans_dir: Path, out: Path, *, wrap: bool = True) -> dict[str, Path]:
    """Each variant of every plan the gold describes, in its own folder under `out` (`gb18030`, `pdf`, `traditional`)
    with the gold copied beside it; returns the gold folder of each variant."""
    golds = {}
    for name in ("gb18030", "pdf", "traditional") if wrap else ("gb18030", "traditional"):
        (out / name / "plans").mkdir(parents=True)
        (out / name / "gold").mkdir()
        golds[name] = out / name / "gold"
    for path in sorted(Path(gold_dir).glob("*.json")):
        gold = json.loads(path.read_text("utf-8"))
        source = Path(plans_dir) / gold["file"]
        text = source.read_text("utf-8")
        (out / "gb18030" / "plans" / source.name).write_bytes(gb18030(text))
        (out / "traditional" / "plans" / source.name).write_text(traditional(text), "utf-8")
        if wrap:
            title = gold["plan"].get("title") or source.stem
            (out / "pdf" / "plans" / source.name).write_text(pdf_text(text, title), "utf-8")
        for name in golds:
            (out / name / "gold" / path.name).write_text(path.read_text("utf-8"), "utf-8")
    return golds
