"""Read a Word .docx plan into the structured text the later stages read: its body's paragraphs in order, one per
line, and each table as rows of tab-separated cells (`loaders.tables.grid_lines`: merged cells, section rows).

Only the text the document holds is read: numbers that Word draws from a list's numbering (not typed) are not in
it, nor are headers, footers, text boxes and comments.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from loaders.tables import GridCell, cell_text, grid_lines

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def docx_text(path: Path) -> str:
    """The plan text of a .docx file; raises PlanInputError (from loaders.reading) when it cannot be read."""
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    from loaders.reading import PlanInputError

    with open(path, "rb") as f:
        magic = f.read(8)
    if magic == _OLE_MAGIC:
        raise PlanInputError(
            path, "not a .docx package but an OLE file: password-protected, or a legacy .doc named .docx"
        )
    try:
        document = Document(str(path))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError) as e:
        raise PlanInputError(path, f"damaged or truncated .docx ({type(e).__name__}: {e})") from e
    except Exception as e:  # a package python-docx cannot parse (bad XML inside the zip …)
        raise PlanInputError(path, f"unreadable .docx ({type(e).__name__}: {e})") from e
    lines = list(_blocks(document.element.body))
    if not any(line.strip() for line in lines):
        raise PlanInputError(path, "empty document: no text in its body")
    return "\n".join(lines)


def _blocks(container) -> list[str]:
    """Lines of the paragraphs and tables directly in `container` (the body, or a content control), in order."""
    out: list[str] = []
    for child in container.iterchildren():
        if child.tag == f"{_W}p":
            out.append(_paragraph(child).replace("\t", " "))  # a tab in a paragraph aligns text: no cell
        elif child.tag == f"{_W}tbl":
            out.extend(grid_lines(_grid(child)))
        elif child.tag == f"{_W}sdt":  # a content control wraps paragraphs and tables
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                out.extend(_blocks(content))
    return out


def _paragraph(p) -> str:
    """A paragraph's text: its runs (in hyperlinks, fields, insertions too), soft line breaks as new lines;
    deleted text (tracked changes) left out."""
    parts: list[str] = []
    for node in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
        if any(a.tag in (f"{_W}del", f"{_W}delText") for a in node.iterancestors()):
            continue
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        elif node.get(f"{_W}type") in (None, "textWrapping"):
            parts.append("\n")
    return "".join(parts)


def _cell_lines(tc) -> list[str]:
    """A cell's paragraphs (those of a table nested in it too), each a line."""
    return [_paragraph(p).replace("\t", " ").replace("\n", " ") for p in tc.iter(f"{_W}p")]


def _grid(tbl) -> list[list[GridCell]]:
    """The table as a grid: each place holds the cell that covers it (gridSpan across, vMerge down)."""
    grid: list[list[GridCell]] = []
    for r, tr in enumerate(tbl.iterchildren(f"{_W}tr")):
        row: list[GridCell] = []
        before = tr.find(f"{_W}trPr/{_W}gridBefore")
        for _ in range(_int(before, 0)):
            row.append(GridCell("", r, len(row)))
        for tc in tr.iterchildren(f"{_W}tc"):
            span = _int(tc.find(f"{_W}tcPr/{_W}gridSpan"), 1) or 1
            merge = tc.find(f"{_W}tcPr/{_W}vMerge")
            above = grid[-1][len(row)] if grid and len(grid[-1]) > len(row) else None
            if merge is not None and merge.get(f"{_W}val") in (None, "continue") and above is not None:
                cell = above  # continues the cell above
            else:
                cell = GridCell(cell_text(_cell_lines(tc)), r, len(row))
            row.extend([cell] * span)
        grid.append(row)
    width = max((len(row) for row in grid), default=0)
    return [
        row + [GridCell("", r, len(row) + k) for k in range(width - len(row))] for r, row in enumerate(grid)
    ]


def _int(element, default: int) -> int:
    """The w:val of a count element (gridSpan, gridBefore), or `default` when absent or unreadable."""
    try:
        return max(0, min(int(element.get(f"{_W}val")), 64)) if element is not None else default
    except (TypeError, ValueError):
        return default
