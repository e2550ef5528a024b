"""Read a PDF plan's text layer (pdfplumber) into the structured text the later stages read: lines in reading order,
a paragraph's wrapped lines joined (a line that reaches the right margin goes on in the next unindented one, over
a page break too), page headers and footers dropped (page numbers, lines standing at the same place on many
pages), and each ruled table as rows of tab-separated cells (`loaders.tables.grid_lines`), a table that goes on
over the next page read as one (its repeated header and a row the page break split joined again).

A PDF with no text layer (a scan) is refused: "no text layer: needs OCR".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from loaders.tables import GridCell, cell_text, glue_wrapped, grid_lines

_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_FINAL = "。；;！？!?"
_FURNITURE = re.compile(
    r"^[-—–－\s]*(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?[-—–－\s]*$"
)
_MARKER = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、])")


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass
class _Table:
    grid: list[list[GridCell]]
    edges: list[float]  # the x of its column borders
    top: float
    bottom: float


@dataclass
class _Page:
    items: list[_Line | _Table] = field(default_factory=list)


def pdf_text(path: Path) -> str:
    """The plan text of a PDF; raises PlanInputError (from loaders.reading) when it cannot be read."""
    import pdfplumber

    from loaders.reading import PlanInputError

    try:
        with pdfplumber.open(str(path)) as pdf:
            if not pdf.pages:
                raise PlanInputError(path, "PDF has no pages")
            pages = [_read_page(page) for page in pdf.pages]
            has_images = any(page.images for page in pdf.pages)
    except PlanInputError:
        raise
    except Exception as e:
        raise PlanInputError(path, _problem(e)) from e
    text = "".join(item.text for page in pages for item in page.items if isinstance(item, _Line))
    tables = any(isinstance(item, _Table) for page in pages for item in page.items)
    if not _HAN.search(text) and not tables:
        if has_images or not text.strip():
            raise PlanInputError(path, "no text layer: needs OCR (a scanned PDF; its pages are images)")
    return _assemble(pages)


def _problem(error: Exception) -> str:
    """Why pdfplumber could not read a file, in words."""
    said = f"{type(error).__name__}: {error}"
    cause = error.__cause__ or error.__context__
    if cause is not None:
        said += f" ({type(cause).__name__}: {cause})"
    if re.search(r"password|encrypt", said, re.IGNORECASE):
        return "encrypted PDF: it needs a password to be opened"
    return f"damaged or truncated PDF ({said.strip()})"


# ---------------------------------------------------------------------------------------------- one page


def _read_page(page) -> _Page:
    found = page.find_tables()
    boxes = [t.bbox for t in found]

    def outside(obj) -> bool:
        if obj.get("object_type") != "char":
            return True
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    lines = [
        _Line(line["text"], line["x0"], line["x1"], line["top"], line["bottom"])
        for line in page.filter(outside).extract_text_lines(return_chars=False)
        if line["text"].strip()
    ]
    tables = [_table(page, t) for t in found]
    items: list[_Line | _Table] = [*lines, *(t for t in tables if t.grid)]
    items.sort(key=lambda item: item.top)
    return _Page(items)


def _edges(values: list[float]) -> list[float]:
    """Sorted distinct coordinates, those within 2 pt of each other taken as one."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > 2:
            out.append(v)
    return out


def _index(edges: list[float], v: float) -> int:
    return min(range(len(edges)), key=lambda k: abs(edges[k] - v))


def _table(page, table) -> _Table:
    """A ruled table as a grid: each cell's text on every place of the grid it covers."""
    cells = [c for c in table.cells if c]
    xs = _edges([c[0] for c in cells] + [c[2] for c in cells])
    ys = _edges([c[1] for c in cells] + [c[3] for c in cells])
    grid: list[list[GridCell | None]] = [[None] * (len(xs) - 1) for _ in range(len(ys) - 1)]
    for x0, top, x1, bottom in cells:
        c0, c1, r0, r1 = _index(xs, x0), _index(xs, x1), _index(ys, top), _index(ys, bottom)
        if c1 <= c0 or r1 <= r0:
            continue
        cell = GridCell(_cell(page, (x0, top, x1, bottom)), r0, c0)
        for r in range(r0, r1):
            for c in range(c0, c1):
                grid[r][c] = cell
    rows = [[c or GridCell("", r, k) for k, c in enumerate(row)] for r, row in enumerate(grid)]
    return _Table(rows, xs, table.bbox[1], table.bbox[3])


def _cell(page, bbox) -> str:
    """A cell's text: a line that reaches the cell's right side goes on in the next one; a shorter line ends a
    paragraph (names one to a line become a list)."""
    size = 0.0
    paragraphs: list[str] = []
    wrapped = False
    for line in page.crop(bbox).extract_text_lines(return_chars=True):
        text = line["text"].strip()
        if not text:
            continue
        size = max((c["size"] for c in line["chars"]), default=size)
        if wrapped and paragraphs:
            paragraphs[-1] = glue_wrapped(paragraphs[-1], text)
        else:
            paragraphs.append(text)
        wrapped = line["x1"] >= bbox[2] - 2 * (size or 10)
    return cell_text(paragraphs)


# ---------------------------------------------------------------------------------------------- the document


def _assemble(pages: list[_Page]) -> str:
    """The pages' items as text: page headers and footers dropped, a paragraph's wrapped lines joined (over a page
    break too), a table that goes on over the next page merged."""
    furniture = _furniture(pages)
    pages = [_Page([item for item in page.items if id(item) not in furniture]) for page in pages]
    lines = [item for page in pages for item in page.items if isinstance(item, _Line)]
    sizes = sorted(line.bottom - line.top for line in lines) or [10.0]
    size = sizes[len(sizes) // 2]
    lefts = Counter(round(line.x0) for line in lines)
    left = min((x for x, n in lefts.items() if n >= 2), default=min(lefts, default=0))
    rights = sorted(line.x1 for line in lines) or [0.0]
    right = rights[int(0.98 * (len(rights) - 1))]

    out: list[str] = []
    table: _Table | None = None  # the last table read, which may go on over the page break
    previous: _Line | None = None  # the last line read, whose paragraph may go on in the next line
    for page in pages:
        items = page.items
        if table is not None and items and isinstance(items[0], _Table) and _same_columns(table, items[0]):
            _continue_table(table, items[0])
            items = items[1:]
        for item in items:
            if table is not None:
                out.extend(grid_lines(table.grid))
                table = None
            if isinstance(item, _Table):
                table, previous = item, None
            elif previous is not None and previous.x1 >= right - 1.5 * size and item.x0 <= left + 0.5 * size:
                out[-1] = glue_wrapped(out[-1], item.text)  # a wrapped line of the paragraph
                previous = item
            else:
                out.append(item.text)
                previous = item
    if table is not None:
        out.extend(grid_lines(table.grid))
    return "\n".join(out)


def _key(text: str) -> str:
    """A line as compared across pages: digits (page numbers) and spaces left out."""
    return re.sub(r"[\d\s]", "", text)


def _furniture(pages: list[_Page]) -> set[int]:
    """The page headers and footers (ids of their lines): the first or last line of a page that is a page number
    ("— 4 —", "第4页 共9页"), or that stands at the same height on a third of the pages or more (two at least),
    digits aside (a running title, "第N页")."""
    ends: list[_Line] = []
    for page in pages:
        if page.items:
            first, last = page.items[0], page.items[-1]
            ends.extend(x for x in ([first] if first is last else [first, last]) if isinstance(x, _Line))
    seen = Counter((_key(line.text), round(line.top / 3)) for line in ends)
    least = max(2, len(pages) / 3)
    return {
        id(line)
        for line in ends
        if _FURNITURE.match(line.text)
        or sum(seen[(_key(line.text), round(line.top / 3) + d)] for d in (-1, 0, 1)) >= least
    }


def _same_columns(before: _Table, after: _Table) -> bool:
    return len(before.edges) == len(after.edges) and all(
        abs(a - b) <= 3 for a, b in zip(before.edges, after.edges, strict=True)
    )


def _continue_table(table: _Table, more: _Table) -> None:
    """Append the rows of `more` (the same table on the next page) to `table`: a header row repeated there is left
    out, and a row that a page break split is joined again."""
    rows = more.grid
    if rows and table.grid and [c.text for c in rows[0]] == [c.text for c in table.grid[0]]:
        rows = rows[1:]
    if rows and table.grid and _split_row(table.grid[-1], rows[0]):
        last, first = table.grid[-1], rows[0]
        joined = [
            GridCell(glue_wrapped(a.text, b.text) if b.text else a.text, a.row, a.column)
            for a, b in zip(last, first, strict=True)
        ]
        table.grid[-1] = joined
        rows = rows[1:]
    offset = len(table.grid)
    table.grid.extend([GridCell(c.text, c.row + offset, c.column) for c in row] for row in rows)
    table.bottom = more.bottom


def _split_row(last: list[GridCell], first: list[GridCell]) -> bool:
    """Whether `first` (a page's first row) carries on `last` (the previous page's last row): no cell of it starts
    a new item (a number, a section), and each cell it fills goes on from an unfinished cell above."""
    filled = [(a.text.strip(), b.text.strip()) for a, b in zip(last, first, strict=True) if b.text.strip()]
    return bool(filled) and all(a and a[-1] not in _FINAL and not _MARKER.match(b) for a, b in filled)
