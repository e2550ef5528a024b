"""Plans as governments publish them, made at test time by the real tools: a plan's text written as a Word
document with python-docx (its responsibility table as a Word table), and that document converted by LibreOffice
headless to PDF or to legacy .doc (a workbook to .xls). Used by tests/test_document_formats.py and
tests/test_spreadsheets.py."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from loaders import office

FONT = "Noto Serif CJK SC"
_SECTION = re.compile(r"^[一二三四五六七八九十]+、\S{1,30}$")
_CELL_LINE = re.compile(r"^ ?\t")  # a cell of a table written one cell per line, tab-led


def need_soffice() -> str:
    """The soffice command; without it the test fails on CI (CI=true) and is skipped elsewhere, saying why."""
    command = office.soffice()
    if command:
        return command
    message = (
        f"LibreOffice (soffice) is not installed: apt-get install {office.DEBIAN_PACKAGE} fonts-noto-cjk"
    )
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message} (.ci/run installs it; CI must not skip these tests)")
    pytest.skip(message)


def need_calc() -> str:
    """The soffice command, with LibreOffice Calc (which reads .xls and .et); without it the test fails on CI and is
    skipped elsewhere, saying why."""
    command = need_soffice()
    if office.has_calc(command):
        return command
    message = f"LibreOffice Calc is not installed: apt-get install {office.CALC_PACKAGE}"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message} (.ci/run installs it; CI must not skip these tests)")
    pytest.skip(message)


def _set_font(style, size: float) -> None:
    style.font.size = Pt(size)
    style.font.name = FONT
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), FONT)


def _page_number_footer(section) -> None:
    """A footer "— N —" (a PAGE field), as government documents number their pages."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" —")


def _table_blocks(lines: list[str]) -> list[tuple[str, object]]:
    """The plan's lines as ("p", text) paragraphs and ("table", rows) tables: a run of tab-led lines is a table
    written one cell per line, its header the cells before the first blank line; a section heading is a row of its
    own (one cell across the table), the other cells fill the rows in order (a stray role cell in the last column)."""
    blocks: list[tuple[str, object]] = []
    i = 0
    while i < len(lines):
        if not _CELL_LINE.match(lines[i]):
            if lines[i].strip():
                blocks.append(("p", lines[i].strip()))
            i += 1
            continue
        run: list[str] = []
        while i < len(lines) and (_CELL_LINE.match(lines[i]) or not lines[i].strip()):
            run.append(lines[i])
            i += 1
        header: list[str] = []
        while run and _CELL_LINE.match(run[0]):
            header.append(run.pop(0).strip())
        width = len(header)
        rows: list[list[str] | str] = [header]
        for block in "\n".join(run).split("\n\n"):
            cells = [c.strip() for c in block.split("\n") if c.strip()]
            row: list[str] = []
            for cell in cells:
                if _SECTION.match(cell):
                    rows.append(cell)
                    continue
                if len(row) == width:
                    rows.append(row)
                    row = []
                if (
                    not row
                    and len(cells) > 1
                    and re.search("牵头|负责落实|参与", cell)
                    and rows
                    and not isinstance(rows[-1], str)
                ):
                    row = [""] * (width - 1)  # a role cell standing alone: the task cell left empty
                row.append(cell)
            if row:
                rows.append(row + [""] * (width - len(row)))
        blocks.append(("table", rows))
    return blocks


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    properties.append(header)


def write_docx(text: str, out: Path) -> Path:
    """`text` (a plan as the bundled .txt files hold it) as a Word document: its title centred, each paragraph
    with a first-line indent of two characters, its tab-led table as a ruled Word table whose header row repeats on
    each page, and a page-number footer."""
    document = Document()
    _set_font(document.styles["Normal"], 12)
    section = document.sections[0]
    _page_number_footer(section)
    first = True
    for kind, content in _table_blocks(text.split("\n")):
        if kind == "p":
            paragraph = document.add_paragraph(content)
            if first:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                paragraph.runs[0].font.size = Pt(16)
                first = False
            else:
                paragraph.paragraph_format.first_line_indent = Pt(24)
            continue
        rows = content
        table = document.add_table(rows=0, cols=len(rows[0]))
        table.style = "Table Grid"
        for k, row in enumerate(rows):
            cells = table.add_row().cells
            if isinstance(row, str):
                merged = cells[0].merge(cells[-1])
                merged.text = row
                continue
            for cell, value in zip(cells, row, strict=True):
                cell.text = value
            if k == 0:
                _repeat_header(table.rows[-1])
    document.save(str(out))
    return out


def convert(paths: list[Path], target: str, folder: Path) -> list[Path]:
    """Each of `paths` converted by LibreOffice headless to `target` ("pdf", "doc", or a filter with options) in
    `folder`, in one run of soffice."""
    command = need_soffice()
    folder.mkdir(parents=True, exist_ok=True)
    office.run_soffice(command, paths, target, folder, timeout=600).check_returncode()
    out = [folder / f"{p.stem}.{target.split(':')[0]}" for p in paths]
    missing = [o.name for o in out if not o.is_file()]
    assert not missing, f"LibreOffice made no {missing}"
    return out


def copy_gold(gold: Path, out_dir: Path, suffix: str) -> None:
    """The gold file of a plan, for its variant with another suffix (its "file" field renamed)."""
    import json

    data = json.loads(gold.read_text(encoding="utf-8"))
    data["file"] = Path(data["file"]).with_suffix(suffix).name
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / gold.name).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
