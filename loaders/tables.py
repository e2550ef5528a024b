"""Tables: a plan's responsibility tables (任务分工表, 重点任务清单, 责任分解表 …) read as rows of cells, and
each data row as a task. This module's one job is tables; the other stages only call its two hooks.

1. Recovering rows (reading stage, before the lines are cleaned): `recover_rows` turns a table that was flattened
   into text into one line per row with its cells separated by tabs, a section row ("一、调整优化产业结构") on a
   line of its own and the header once. It reads three flattenings:
   - Markdown pipe rows in a plain-text file (`| a | b |` under a `| --- |` rule);
   - one cell per line (web copies): a header of one word per line (序号 / 重点任务 / 牵头单位 / …), then the
     cells of each row one per line, rows anchored by their 序号 cell; '|' closing each cell is dropped;
   - PDF-to-text layout mode: several cells on a line separated by runs of spaces, long cells wrapped under their
     column, short cells centred on a middle line of the row, the header repeated and page footers on each page,
     a row split across a page break. Columns are recovered from where the cells start (display width).
   `flatten_html_tables` puts each <tr> of an HTML table on one line (a rowspan cell's text on each row it covers,
   a colspan cell's in its first column, as `grid_lines` does).
   `grid_lines` does the same for a table read as a grid of cells (Word, PDF): a row merged across the table is a
   section row, a cell merged down spreads to the rows it covers, a repeated header row is dropped; `cell_text`
   joins the lines of one cell (names on lines of their own become a list).
2. Reading rows (tasks stage): `TableReader` takes a tab-separated header row and gives each column its meaning
   from the header words of loaders/data/table_headers.csv (task text, lead, implement, support, deadline …);
   every data row after it is a task (`TableRow`): its text from the task column, its clauses from the role
   columns (a cell's role comes from its column, unless the cell states its own role words), its deadlines from
   the time column (`cell_deadlines`: a bare "2020年" there is due by the end of 2020, and so is "2020" or "2020.12"
   in figures as spreadsheets have them; 长期坚持 is none); a row holding only its number is no task.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

from opencc import OpenCC

from loaders.attributions import Clause, looks_like_agency_list, parse_attribution
from loaders.dates import find_date_mentions, find_deadlines
from loaders.records import Deadline, Role

# ---------------------------------------------------------------------------------------------- header words

ROLE_OF_COLUMN = {
    "lead": Role.LEADS,
    "implement": Role.IMPLEMENTS,
    "support": Role.SUPPORTS,
    "responsible": Role.RESPONSIBLE,
}
_LABEL_OF_COLUMN = {
    "implement": "责任"
}  # Clause.from_label: a 责任单位 list (the first-listed-leads convention)


@lru_cache(maxsize=1)
def _header_words() -> dict[str, tuple[str, int]]:
    """Header word → (meaning, rank) from loaders/data/table_headers.csv."""
    with files("loaders").joinpath("data/table_headers.csv").open(encoding="utf-8") as f:
        return {row["word"]: (row["meaning"], int(row["rank"])) for row in csv.DictReader(f)}


def header_words(meaning: str) -> list[str]:
    """The header words of one meaning ("deadline": 完成时限, 完成时间 …), longest first: they also label a line of their
    own under a measure ("完成时限：2019年9月底前")."""
    return sorted((w for w, (m, _) in _header_words().items() if m == meaning), key=len, reverse=True)


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


_NOT_IN_WORD = re.compile(r"[\s|｜:：*_]")


@lru_cache(maxsize=4096)
def _meaning(cell: str) -> tuple[str, int] | None:
    """(meaning, rank) of a header cell ("主 要 内 容", "完成時限" …), or None when it is no header word."""
    word = _NOT_IN_WORD.sub("", unicodedata.normalize("NFKC", cell))
    if not word or len(word) > 10 or not _header_characters().issuperset(word):
        return None
    return _header_words().get(word) or _header_words().get(_t2s().convert(word))


@lru_cache(maxsize=1)
def _header_characters() -> frozenset[str]:
    """The characters of the header words, Simplified and Traditional: a cell with another is no header word."""
    words = "".join(_header_words())
    return frozenset(words + OpenCC("s2t").convert(words) + OpenCC("s2tw").convert(words))


def read_header(cells: list[str]) -> list[tuple[str, int]] | None:
    """The meaning of each column of a header row, or None when the cells are not a task table's header.

    A header names a task column and at least one role or time column; at least half its cells are header words
    (the others, and blank cells, get the meaning "").
    """
    found = [_meaning(c) if c.strip() else None for c in cells]
    known = [f for f in found if f]
    if len(known) < 2 or 2 * len(known) < sum(bool(c.strip()) for c in cells):
        return None
    kinds = {m for m, _ in known}
    if "task" not in kinds or not kinds & {"lead", "implement", "support", "responsible", "deadline"}:
        return None
    return [f or ("", 0) for f in found]


# ---------------------------------------------------------------------------------------------- recovering rows

_INDEX = re.compile(r"^\d{1,3}[.．、]?$")
_SECTION = re.compile(r"^[一二三四五六七八九十]+[、.．][^。；，,;]{1,30}$")
_FOOTER = re.compile(
    r"^(?:[-—–－]+\s*\d{1,4}\s*[-—–－]+|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4})$"
)
_EMPTY_CELL = {"", "/", "／", "—", "-", "－", "——", "无", "\\"}
_TIME_LIKE = re.compile(r"\d|年|月|日|前|底|末|长期|長期|持续|持續|常态|常態|季|即日|每")


def recover_rows(text: str) -> str:
    """Text with its flattened tables as one tab-separated line per row (see the module docstring)."""
    if "\n" not in text:
        return text
    lines = text.split("\n")
    if "|" in text:
        lines = _pipe_tables(lines)
    lines = _cell_per_line_tables(lines)
    lines = _layout_tables(lines)
    return "\n".join(lines)


# --- Markdown pipe tables in plain text

_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _pipe_cells(line: str) -> str:
    s = line.strip()
    s = s[1:] if s.startswith("|") else s
    s = s[:-1] if s.endswith("|") else s
    return "\t".join(c.strip() for c in s.split("|"))


def _pipe_tables(lines: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        if _PIPE_ROW.match(lines[i]) and i + 1 < len(lines) and _PIPE_RULE.match(lines[i + 1]):
            out.append(_pipe_cells(lines[i]))
            i += 2
            while i < len(lines) and _PIPE_ROW.match(lines[i]):
                out.append(_pipe_cells(lines[i]))
                i += 1
            continue
        out.append(lines[i])
        i += 1
    return out


# --- one cell per line


def _cell_text(line: str) -> str:
    s = line.replace("\f", "").strip()
    s = s[:-1] if s.endswith("|") else s
    s = s[1:] if s.startswith("|") else s
    return s.strip()


def _header_run(lines: list[str], i: int) -> tuple[int, list[str]] | None:
    """A header written one cell per line starting at line i: (the line after it, its cells)."""
    first = _cell_text(lines[i])
    if "\t" in lines[i] or not first or not _meaning(first):
        return None
    cells: list[str] = []
    j = end = i
    while j < len(lines):
        line = lines[j]
        if not line.strip():
            j += 1
            continue
        cell = _cell_text(line)
        if "\t" in line or (cell and not _meaning(cell)) or (not cell and "|" not in line):
            break
        cells.append(cell)
        j += 1
        end = j
    while cells and not cells[-1]:
        cells.pop()
    if len(cells) < 3 or not read_header(cells):
        return None
    return end, cells


def _fits(cell: str, meaning: str) -> bool:
    """Whether a cell can stand in a column of this meaning (a time column holds a time; no column a section)."""
    if cell in _EMPTY_CELL:
        return True
    if meaning == "deadline":
        return bool(_TIME_LIKE.search(cell)) and len(cell) <= 40
    if meaning == "index":
        return bool(_INDEX.match(cell))
    if meaning in ROLE_OF_COLUMN:
        return not _SECTION.match(cell) and not _INDEX.match(cell)
    return True


def _cell_per_line_tables(lines: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        run = _header_run(lines, i) if len(lines[i]) <= 40 else None
        if not run:
            out.append(lines[i])
            i += 1
            continue
        end, header = run
        out.append("\t".join(header))
        rows, i = _cell_rows(lines, end, [m for m, _ in read_header(header)])
        out.extend(rows)
    return out


def _cell_rows(lines: list[str], k: int, meanings: list[str]) -> tuple[list[str], int]:
    """The rows of a one-cell-per-line table from line k: (output lines, the line after the table)."""
    cells = [(j, _cell_text(lines[j])) for j in range(k, len(lines)) if lines[j].strip()]
    stop = next((n for n, (j, _) in enumerate(cells) if "\t" in lines[j]), len(cells))
    cells = cells[:stop]
    out: list[str] = []
    if "index" in meanings:
        n_left = meanings.index("index")
        right = meanings[n_left + 1 :]
        anchors = [n for n, (_, c) in enumerate(cells) if _INDEX.match(c)]
        taken = 0  # cells used so far
        end_line = k
        for a_i, a in enumerate(anchors):
            if a < taken:
                continue  # a number inside the previous row
            pending = [c for _, c in cells[taken:a]]
            if a_i and a - taken > n_left + 2:
                break  # too much between two rows: the table ended
            extra = len(pending) - n_left
            for section in pending[: max(extra, 0)]:
                out.append(section)
            left = [""] * max(-extra, 0) + pending[max(extra, 0) :]
            row: list[str] = []
            n = a + 1
            limit = anchors[a_i + 1] if a_i + 1 < len(anchors) else len(cells)
            for meaning in right:
                if n >= limit or not _fits(cells[n][1], meaning):
                    break
                row.append(cells[n][1])
                n += 1
            out.append("\t".join(left + [cells[a][1]] + _fill(row, right)))
            taken = n
            end_line = cells[n - 1][0] + 1
        return out, end_line
    # no 序号 column: rows of len(meanings) cells, a section row where a row would start
    n, end_line = 0, k
    while n < len(cells):
        if _SECTION.match(cells[n][1]):
            out.append(cells[n][1])
            n += 1
            end_line = cells[n - 1][0] + 1
            continue
        chunk = cells[n : n + len(meanings)]
        if len(chunk) < len(meanings) or not all(
            _fits(c, m) for (_, c), m in zip(chunk, meanings, strict=True)
        ):
            break
        out.append("\t".join(c for _, c in chunk))
        n += len(meanings)
        end_line = chunk[-1][0] + 1
    return out, end_line


def _fill(cells: list[str], meanings: list[str]) -> list[str]:
    """Cells of a row that came short (an empty cell left out): a time-like last cell goes to the time column."""
    if len(cells) >= len(meanings) or not cells or "deadline" not in meanings:
        return cells
    last = cells[-1]
    t = meanings.index("deadline")
    if len(cells) - 1 < t and _TIME_LIKE.search(last) and len(last) <= 40:
        return cells[:-1] + [""] * (t - len(cells) + 1) + [last]
    return cells


# --- PDF-to-text layout mode


# the East Asian wide and full-width characters (Unicode's East_Asian_Width W and F), which take two columns
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3"
    "\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]"
)


def display_width(text: str) -> int:
    """Columns a line takes in a monospaced layout: two for a Chinese (wide) character, one for the others."""
    return len(text) + len(_WIDE.findall(text))





_CHUNK = re.compile(r"\S+(?: \S+)*")


def _chunks(line: str) -> list[tuple[int, int, str]]:
    """The pieces of a line separated by two or more spaces: (start, end, text), positions in display width."""
    line = line.replace("\f", "").replace("\u3000", "  ").replace("\t", "    ").rstrip()
    out = []
    for m in _CHUNK.finditer(line):
        start = display_width(line[: m.start()])
        out.append((start, start + display_width(m.group()), m.group()))
    return out


def _layout_header(line: str) -> list[tuple[int, int, str]] | None:
    chunks = _chunks(line)
    if (
        len(chunks) < 3
        or not all(_meaning(c) for _, _, c in chunks)
        or not read_header([c for *_, c in chunks])
    ):
        return None
    return chunks


@dataclass
class _Entry:
    kind: str  # data | gap | page | section
    line: int = -1
    chunks: list[tuple[int, int, str]] = field(default_factory=list)
    text: str = ""


def _layout_tables(lines: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        header = _layout_header(lines[i]) if "  " in lines[i] else None
        if not header:
            out.append(lines[i])
            i += 1
            continue
        rows, i = _layout_table(lines, i, header)
        out.extend(rows)
    return out


def _entries(lines: list[str], h: int, header: list[tuple[int, int, str]]) -> list[_Entry]:
    words = [_meaning(c) for *_, c in header]
    entries: list[_Entry] = []
    for j in range(h + 1, len(lines)):
        stripped = lines[j].replace("\f", "").strip()
        if not stripped:
            entries.append(_Entry("page" if "\f" in lines[j] else "gap", j))
            continue
        if _FOOTER.match(stripped):
            entries.append(_Entry("page", j))
            continue
        chunks = _chunks(lines[j])
        if len(chunks) == len(header) and [_meaning(c) for *_, c in chunks] == words:
            entries.append(_Entry("page", j))  # the header repeated on a new page
        elif len(chunks) == 1 and _SECTION.match(chunks[0][2]):
            entries.append(_Entry("section", j, chunks, chunks[0][2]))
        else:
            entries.append(_Entry("data", j, chunks))
    return entries


def _boundaries(header: list[tuple[int, int, str]], entries: list[_Entry]) -> list[int]:
    """Where each column starts: the leftmost place cells start between two header words (else the middle)."""
    starts = Counter(s for e in entries if e.kind == "data" for s, _, _ in e.chunks)
    least = 2 if sum(e.kind == "data" for e in entries) >= 4 else 1
    bounds = [min(header[0][0], min(starts, default=header[0][0]))]
    for k in range(1, len(header)):
        lo, hi = header[k - 1][1], header[k][0] + 2
        found = [s for s, n in starts.items() if lo < s <= hi and n >= least]
        bounds.append(min(found) if found else (lo + header[k][0]) // 2)
    return bounds


def _column(bounds: list[int], start: int) -> int:
    return max(k for k in range(len(bounds)) if bounds[k] <= start + 2 or k == 0)


def _crosses(bounds: list[int], chunk: tuple[int, int, str]) -> bool:
    k = _column(bounds, chunk[0])
    return k + 1 < len(bounds) and chunk[1] > bounds[k + 1] + 2


def _layout_table(lines: list[str], h: int, header: list[tuple[int, int, str]]) -> tuple[list[str], int]:
    """A layout-mode table whose header is line h: (its output lines, the line after it)."""
    entries = _entries(lines, h, header)
    for _ in range(2):  # bounds from all that follows, cut where a line runs across columns, bounds again
        bounds = _boundaries(header, entries)
        end = next(
            (
                n
                for n, e in enumerate(entries)
                if e.kind == "data" and any(_crosses(bounds, c) for c in e.chunks)
            ),
            len(entries),
        )
        entries = entries[:end]
    while entries and entries[-1].kind != "data":
        entries.pop()
    end_line = entries[-1].line + 1 if entries else h + 1
    meanings = [m for m, _ in read_header([c for *_, c in header])]
    out = ["\t".join(c for *_, c in header)]
    for item in _layout_rows(entries, bounds, meanings):
        if isinstance(item, str):
            out.append(item)
            continue
        cells = [""] * len(header)
        for e in item:
            for chunk in e.chunks:
                k = _column(bounds, chunk[0])
                cells[k] = glue_wrapped(cells[k], chunk[2])
        out.append("\t".join(cells).rstrip("\t"))
    return out, end_line


def glue_wrapped(before: str, after: str) -> str:
    """A cell's wrapped lines joined: directly, but with a space between two Latin words or numbers."""
    if before and before[-1].isascii() and before[-1].isalnum() and after[0].isascii() and after[0].isalnum():
        return before + " " + after
    return before + after


def _layout_rows(entries: list[_Entry], bounds: list[int], meanings: list[str]) -> list:
    """The table's rows (each a list of its data entries) and section rows (their text), in order."""
    index = meanings.index("index") if "index" in meanings else -1
    task = next((k for k, m in enumerate(meanings) if m == "task"), 0)

    def is_anchor(e: _Entry) -> bool:
        return e.kind == "data" and any(
            _column(bounds, s) == index and _INDEX.match(t) for s, _, t in e.chunks
        )

    # collapse runs of separators: a page break (with its blank lines) or a blank line
    items: list[_Entry] = []
    for e in entries:
        if e.kind in ("gap", "page") and items and items[-1].kind in ("gap", "page"):
            items[-1].kind = "page" if "page" in (items[-1].kind, e.kind) else "gap"
        else:
            items.append(_Entry(e.kind, e.line, e.chunks, e.text))
    anchors = [n for n, e in enumerate(items) if is_anchor(e)]
    row_of: dict[int, int] = {}
    if not anchors:  # rows are the blocks between blank lines
        row = 0
        for n, e in enumerate(items):
            if e.kind != "data":
                row += 1
            else:
                row_of[n] = row
    else:
        for n in range(anchors[0] + 1):
            row_of[n] = anchors[0]
        for a, b in zip(anchors, anchors[1:], strict=False):
            cut = _cut_between(items, a, b, bounds, task)
            for n in range(a, b):
                row_of[n] = a if n < cut else b
        for n in range(anchors[-1], len(items)):
            row_of[n] = anchors[-1]
    out: list = []
    rows: dict[int, list[_Entry]] = {}
    for n, e in enumerate(items):
        if e.kind == "section":
            out.append(e.text)
        elif e.kind == "data":
            if row_of[n] not in rows:
                rows[row_of[n]] = []
                out.append(rows[row_of[n]])
            rows[row_of[n]].append(e)
    return out


def _cut_between(items: list[_Entry], a: int, b: int, bounds: list[int], task: int) -> int:
    """Where the row anchored at item a ends and the one anchored at b begins (the first item of row b)."""
    for n in range(a + 1, b):
        if items[n].kind == "section":
            return n
    gaps = [n for n in range(a + 1, b) if items[n].kind == "gap"]
    if gaps:
        return gaps[-1]
    ended = False  # row a's task text has ended (with 。): the next line with task text begins row b
    for n in range(a, b):
        text = "".join(t for s, _, t in items[n].chunks if _column(bounds, s) == task)
        if ended and text:
            return n
        ended = ended or text.endswith(("。", "；", ";"))
    return b if ended else (a + b + 1) // 2


# ---------------------------------------------------------------------------------------------- HTML


def flatten_html_tables(root) -> None:
    """Each <tr> of the tables under `root` as one line of tab-separated cells, so a table reads like a flattened one;
    merged cells as `grid_lines` lays out a Word table's: a rowspan cell's text on each row it covers (a lead unit
    merged over three tasks leads each), a colspan cell's text in its first column (the others empty)."""
    from bs4 import NavigableString

    for table in root.find_all("table"):
        if table.find("table") or table.decomposed:
            continue  # a layout table holding tables: its inner tables are read
        covered: dict[int, tuple[int, str]] = {}  # column → (rows a rowspan from above still covers, its text)
        lines: list[str] = []
        for tr in table.find_all("tr"):
            cells: list[str] = []
            for td in tr.find_all(["td", "th"], recursive=False):
                _skip_covered(cells, covered)
                text = _html_cell(td)
                rowspan, colspan = _span(td.get("rowspan")), _span(td.get("colspan"))
                for n in range(colspan):
                    if rowspan > 1:
                        covered[len(cells)] = (rowspan - 1, text if n == 0 else "")
                    cells.append(text if n == 0 else "")
            _skip_covered(cells, covered)
            lines.append("\t".join(cells).rstrip("\t"))
        table.replace_with(NavigableString("\n" + "\n".join(lines) + "\n"))


def _html_cell(td) -> str:
    """A cell's text on one line (its <br> and <p> lines joined by `cell_text`)."""
    return cell_text(td.get_text("\n").split("\n"))


def cell_text(parts: list[str]) -> str:
    """A cell's lines (paragraphs) on one line; names on lines of their own become a list (区工信局、各街道办事处)."""
    out, last = "", ""
    for part in parts:
        part = re.sub(r"\s+", " ", part).strip()
        if not part:
            continue
        if (
            out
            and out[-1] not in "、，,；;"
            and looks_like_agency_list(last)
            and looks_like_agency_list(part)
        ):
            out += "、"
        elif out and out[-1].isascii() and part[0].isascii():
            out += " "
        out, last = out + part, part
    return out


@dataclass(frozen=True)
class GridCell:
    """One place of a table's grid: the text of the cell that covers it and where that cell starts (row, column),
    so a merged cell is the same GridCell origin on every place it covers."""

    text: str
    row: int
    column: int


def grid_lines(grid: list[list[GridCell]]) -> list[str]:
    """A table read as a grid (Word, PDF) as lines: each row one line of tab-separated cells.

    A row that is one cell across the table, or whose only text is a section heading ("一、优化产业布局"), is a
    section row (its text alone); a cell merged down the rows spreads its text to each row it covers (a lead unit
    merged over three tasks leads each), a cell merged across columns keeps its text in its first column; a row
    that repeats the first row (a header repeated on each page) is left out.
    """
    lines: list[str] = []
    first: list[str] | None = None
    for row in grid:
        if not row:
            continue
        origins = {(c.row, c.column) for c in row}
        texts = [c.text.replace("\t", " ").replace("\n", "") for c in row]
        filled = [t for t in texts if t.strip()]
        if len(origins) == 1 or (len(filled) == 1 and _SECTION.match(filled[0].strip())):
            if filled:
                lines.append(filled[0].strip())
            continue
        cells = [
            text if cell.column == k else "" for k, (cell, text) in enumerate(zip(row, texts, strict=True))
        ]
        if first is None:
            first = cells
        elif cells == first:
            continue  # the header again, on a new page
        if any(c.strip() for c in cells):
            lines.append("\t".join(cells).rstrip("\t"))
    return lines


def _skip_covered(cells: list[str], covered: dict[int, tuple[int, str]]) -> None:
    """The text of a rowspan from a row above where it covers the next column."""
    while covered.get(len(cells), (0, ""))[0] > 0:
        rows, text = covered[len(cells)]
        covered[len(cells)] = (rows - 1, text)
        cells.append(text)


def _span(value) -> int:
    try:
        return max(1, min(int(str(value).strip() or 1), 100))
    except ValueError:
        return 1


# ---------------------------------------------------------------------------------------------- reading rows


@dataclass
class TableRow:
    """A data row read as a task: its text spans, clauses (with the offset of their line), time cells."""

    spans: list[tuple[int, int]]
    clauses: list[tuple[Clause, int]]
    time_cells: list[tuple[int, int]]


class TableReader:
    """Reads the tab-separated rows of a plan, paragraph by paragraph, once a header row has named the columns.

    `feed(start, line, level)` → "header" (a header row, first or repeated: not a task), a TableRow, "note" (a
    note under the table: not a measure), "empty" (a row holding only its number: no measure; the table goes on), or
    None (not a table line: the caller reads it as text).
    """

    _NOTE = re.compile(r"^(?:注|备注|说明)\s*\d*\s*[：:]")

    def __init__(self) -> None:
        self.columns: list[tuple[str, int]] | None = None
        self.rows = 0

    def feed(self, start: int, line: str, level: int) -> str | TableRow | None:
        if "\t" not in line:
            if self.columns and self.rows and self._NOTE.match(line.strip()):
                return "note"
            if self.columns and _INDEX.match(line.strip()):
                return "empty"
            if self.columns and not level and not _SECTION.match(line.strip()):
                self.columns = None  # prose: the table has ended
            return None
        cells = line.split("\t")
        header = read_header(cells)
        if header:
            self.columns = header
            self.rows = 0
            return "header"
        if not self.columns:
            return None
        if not self.rows and self._sub_header(cells):
            return "header"
        row = self._row(start, line, cells)
        if row:
            self.rows += 1
        return row

    def _sub_header(self, cells: list[str]) -> bool:
        """A second header row under a merged cell (责任单位 over 牵头单位 | 配合单位): its words name their columns."""
        found = [(k, _meaning(c)) for k, c in enumerate(cells) if c.strip()]
        if not found or not all(m for _, m in found) or len(cells) > len(self.columns):
            return False
        for k, meaning in found:
            self.columns[k] = meaning
        return True

    def _row(self, start: int, line: str, cells: list[str]) -> TableRow | None:
        offsets, at = [], 0
        for cell in cells:
            offsets.append(at)
            at += len(cell) + 1
        columns = self.columns + [("", 0)] * max(0, len(cells) - len(self.columns))
        ranks = [
            rank
            for (meaning, rank), cell in zip(columns, cells, strict=False)
            if meaning == "task" and cell.strip()
        ]
        if not ranks:
            return None  # no task text (a continuation or a blank row)
        spans, clauses, times = [], [], []
        for (meaning, rank), cell, offset in zip(columns, cells, offsets, strict=False):
            a, b = _strip_span(cell)
            if a >= b or cell[a:b] in _EMPTY_CELL:
                continue
            if meaning == "task" and rank == max(ranks):
                spans.append((start + offset + a, start + offset + b))
            elif meaning in ROLE_OF_COLUMN:
                clauses.extend((c, start) for c in _cell_clauses(cell[a:b], offset + a, meaning))
            elif meaning == "deadline":
                times.append((start + offset + a, start + offset + b))
        return TableRow(spans, clauses, times)


def _strip_span(cell: str) -> tuple[int, int]:
    a, b = 0, len(cell)
    while a < b and cell[a] in " \u3000":
        a += 1
    while b > a and cell[b - 1] in " \u3000；;，,、。":
        b -= 1
    return a, b


def _cell_clauses(cell: str, offset: int, meaning: str) -> list[Clause]:
    """The clauses of a role cell: its own role words when it states them ("A牵头，B配合"), else its column's role."""
    stated = parse_attribution(cell)
    if stated:
        for c in stated:
            c.start += offset
            c.end += offset
        return stated
    return [
        Clause(ROLE_OF_COLUMN[meaning], cell, offset, offset + len(cell), _LABEL_OF_COLUMN.get(meaning, ""))
    ]


# a time cell written in figures, as spreadsheets have them: 2020, 2020.12, 2020.6.30, 2020-06-30, 2020/6/30, 2019.10底前
_FIGURE_DATE = re.compile(
    r"^(?P<y>(?:19|20)\d\d)(?:\s*[.．\-/／]\s*(?P<m>1[0-2]|0?[1-9])(?:\s*[.．\-/／]\s*(?P<d>3[01]|[12]\d|0?[1-9]))?)?"
    r"\s*(?P<rest>月?\s*(?:底|末)?\s*(?:前|以前|之前)?)$"
)


def _in_words(cell: str) -> str | None:
    """A time cell written in figures, in words (2020.12 → 2020年12月, 2019.10底前 → 2019年10月底前); None for another
    (one in words already: 2020年底前)."""
    m = _FIGURE_DATE.match(cell.strip())
    if not m or (m["m"] is None and m["rest"].startswith("月")):
        return None
    rest = m["rest"].lstrip("月").strip()
    if m["d"]:
        return f"{m['y']}年{int(m['m'])}月{int(m['d'])}日{rest}"
    if m["m"]:
        return f"{m['y']}年{int(m['m'])}月{rest}"
    return f"{m['y']}年{rest}"


def cell_deadlines(text: str, start: int, end: int, plan_year: int | None) -> list[Deadline]:
    """The deadlines of a time cell text[start:end]: its due-by phrases; a cell that is one bare date ("2020年",
    "2020年6月") is due by the end of that period (the column supplies the due-by sense), and so is one written in
    figures (2020.12, 2020-06-30, 2019.10底前: read as the same in words, the cell its phrase). Starts (…起),
    recurring dates (每年…) and periods without a calendar day (采暖季前) give none."""
    cell = text[start:end]
    words = _in_words(cell)
    if words is not None:
        phrase = cell.strip()
        at = start + cell.index(phrase)
        return [
            Deadline(d.due_date, phrase, d.precision, at, at + len(phrase)) for d in _deadlines(words, plan_year)
        ]
    return [
        Deadline(d.due_date, d.phrase, d.precision, d.start + start, d.end + start)
        for d in _deadlines(cell, plan_year)
    ]


def _deadlines(cell: str, plan_year: int | None) -> list[Deadline]:
    """The deadlines of a time cell's text in words, offsets in the cell."""
    found = find_deadlines(cell, plan_year)
    if not found:
        mentions = find_date_mentions(cell, plan_year)
        if len(mentions) == 1 and mentions[0].kind == "date" and cell.strip() == mentions[0].phrase.strip():
            found = [
                Deadline(d.due_date, mentions[0].phrase, d.precision, mentions[0].start, mentions[0].end)
                for d in find_deadlines(mentions[0].phrase + "前", plan_year)
            ]
    return found
