"""Read a spreadsheet plan (a 重点任务分解表 / 责任分工表 published as .xlsx, or as .xls / WPS .et converted by
loaders.office) into the structured text the later stages read: each visible sheet's rows in order, each a line of
tab-separated cells laid out by `loaders.tables.grid_lines` as a Word table's are (a row merged across the table is a
title, section or note row of its own; a cell merged down the rows spreads to each row it covers), so the table
reading of loaders.tables finds the header and reads each row as a task.

The workbook is read with openpyxl in read-only mode (one sheet streamed at a time, cells as their saved values);
hidden sheets, hidden rows and hidden columns, empty rows and empty columns are left out. What is wrong with a file is
a PlanInputError naming it and the problem (not a spreadsheet, damaged, encrypted, no task table in any sheet, more
text than a plan may hold); a sheet with no task table (a cover, a table of targets) is left out, and formula cells
saved without their values and error values such as #REF! read as empty, each with a warning.
"""

from __future__ import annotations

import datetime
import re
import warnings as warnings_
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from loaders.tables import GridCell, cell_text, grid_lines, read_header

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# the stream an encrypted Office Open XML file (ECMA-376 encryption, "password to open") keeps its package in
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
MAX_GRID = 5_000_000  # places of one sheet's table (rows × columns holding text)
UNPACKED_FACTOR = 10  # the sheets and shared strings may unpack to this many times the plan size limit
_SHOWN = 6  # cells named in a warning
_FIXED = re.compile(r"^0\.(0{1,10})$")  # a number format with fixed decimals


@dataclass
class _Sheet:
    """What one sheet gave: its lines, and the cells it could not read as they show."""

    name: str
    lines: list[str] = field(default_factory=list)
    uncalculated: list[str] = field(default_factory=list)  # formula cells saved without their value
    errors: list[str] = field(default_factory=list)  # cells holding an error value (#REF!, #N/A …)


def file_kind(path: Path) -> str:
    """'zip' (an Office Open XML package), 'encrypted' (an OLE file holding an encrypted package), 'ole' (a legacy
    binary file such as .xls), or 'other', by the file's first bytes."""
    with open(path, "rb") as f:
        head = f.read(8)
        if head.startswith(_ZIP_MAGIC):
            return "zip"
        if head == _OLE_MAGIC:
            f.seek(0)
            return "encrypted" if _ENCRYPTED_PACKAGE in f.read() else "ole"
    return "other"


def encrypted_problem(suffix: str) -> str:
    return (
        f"encrypted {suffix} workbook: it needs a password to be opened; "
        "save a copy without the password and load that"
    )


def spreadsheet_text(path: Path, warnings: list[str], max_bytes: int, source: Path | None = None) -> str:
    """The plan text of an .xlsx workbook at `path` (`source`: the file it was converted from, which errors name);
    what had to be passed over goes to `warnings`. Raises PlanInputError (from loaders.reading)."""
    from loaders.reading import PlanInputError

    source = Path(source or path)
    kind = file_kind(path)
    if kind == "encrypted":
        raise PlanInputError(source, encrypted_problem(source.suffix))
    if kind == "ole":
        raise PlanInputError(source, "not an .xlsx package but an OLE file: a legacy .xls named .xlsx")
    if kind != "zip":
        raise PlanInputError(
            source, "not a spreadsheet: neither an .xlsx (zip) package nor an .xls (OLE) file"
        )
    _check_package(path, source, max_bytes)
    with warnings_.catch_warnings():  # openpyxl's notes on what it does not keep (data validation, styles …)
        warnings_.simplefilter("ignore")
        return _read_workbook(path, source, warnings, max_bytes)


def _read_workbook(path: Path, source: Path, warnings: list[str], max_bytes: int) -> str:
    from loaders.reading import PlanInputError

    workbook = _open(path, source)
    try:
        sheets = []
        size = 0  # bytes of text (UTF-8), as a text plan's size is counted
        for worksheet in workbook.worksheets:
            if worksheet.sheet_state != "visible":
                continue
            sheet = _read_sheet(workbook, worksheet, source)
            size += sum(len(line.encode()) + 1 for line in sheet.lines)
            if size > max_bytes:
                raise PlanInputError(
                    source,
                    f"its sheets hold more than the limit of {max_bytes} bytes of text for a plan "
                    f"(passed in sheet '{sheet.name}')",
                )
            sheets.append(sheet)
    except PlanInputError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError) as e:  # a sheet's part cut short or damaged inside the zip
        raise PlanInputError(source, f"damaged or truncated .xlsx ({type(e).__name__}: {e})") from e
    except Exception as e:  # a sheet openpyxl cannot parse (bad XML …)
        raise PlanInputError(source, f"unreadable .xlsx ({type(e).__name__}: {e})") from e
    finally:
        workbook.close()
    return _text(sheets, source, warnings)


_OTHER_PACKAGES = {"word/": "a Word document (.docx)", "ppt/": "a PowerPoint presentation (.pptx)"}


def _check_package(path: Path, source: Path, max_bytes: int) -> None:
    """Refuse a zip that holds no workbook (a Word document named .xlsx …), and a workbook whose sheets and strings
    unpack to far more than a plan may hold (before reading them)."""
    from loaders.reading import PlanInputError

    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise PlanInputError(source, f"damaged or truncated .xlsx ({type(e).__name__}: {e})") from e
    names = [info.filename for info in infos]
    if not any(name.startswith("xl/") for name in names):
        other = next(
            (what for part, what in _OTHER_PACKAGES.items() if any(n.startswith(part) for n in names)), ""
        )
        raise PlanInputError(
            source, f"not a workbook: {other or 'a zip archive'} holding no spreadsheet (no xl/ part)"
        )
    size = sum(
        info.file_size
        for info in infos
        if info.filename.startswith("xl/worksheets/") or info.filename == "xl/sharedStrings.xml"
    )
    limit = UNPACKED_FACTOR * max_bytes
    if size > limit:
        raise PlanInputError(
            source,
            f"its sheets unpack to {size} bytes, more than the limit of {limit} bytes "
            f"({UNPACKED_FACTOR} times the plan size limit)",
        )


def _open(path: Path, source: Path):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    from loaders.reading import PlanInputError

    try:
        return load_workbook(str(path), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, EOFError, InvalidFileException) as e:
        raise PlanInputError(source, f"damaged or truncated .xlsx ({type(e).__name__}: {e})") from e
    except Exception as e:  # a package openpyxl cannot parse (bad XML inside the zip …)
        raise PlanInputError(source, f"unreadable .xlsx ({type(e).__name__}: {e})") from e


def _text(sheets: list[_Sheet], source: Path, warnings: list[str]) -> str:
    """The lines of the sheets holding a task table as one text (another sheet is left out with a warning: a cover,
    a table of targets, notes); a warning for cells read as empty; a PlanInputError when no sheet holds text or none
    a task table."""
    from loaders.reading import PlanInputError

    read = [sheet for sheet in sheets if sheet.lines]
    if not read:
        raise PlanInputError(source, "empty workbook: no visible sheet holds any text")
    tabled = [sheet for sheet in read if any(read_header(line.split("\t")) for line in sheet.lines)]
    if not tabled:
        raise PlanInputError(
            source,
            "no task table in any sheet: no row names a task column and a lead, responsible or deadline column "
            "(序号 | 重点任务 | 牵头单位 | 配合单位 | 完成时限 …)",
        )
    for sheet in read:
        if sheet not in tabled:
            warnings.append(
                f"sheet '{sheet.name}' left out: it holds no task table (no row names a task column and a lead, "
                "responsible or deadline column)"
            )
            continue
        if sheet.uncalculated:
            warnings.append(
                f"sheet '{sheet.name}': {_cells(sheet.uncalculated)} hold formulas saved without their values "
                "(the program that wrote the file did not calculate them): read as empty; open and save the file "
                "in Excel, WPS or LibreOffice to store them"
            )
        if sheet.errors:
            warnings.append(
                f"sheet '{sheet.name}': {_cells(sheet.errors)} hold error values (#REF!, #N/A …): read as empty"
            )
    return "\n".join(line for sheet in tabled for line in sheet.lines)


def _cells(coordinates: list[str]) -> str:
    shown = ", ".join(coordinates[:_SHOWN]) + (
        f" and {len(coordinates) - _SHOWN} more" if len(coordinates) > _SHOWN else ""
    )
    return f"{len(coordinates)} cell(s) ({shown})"


# ---------------------------------------------------------------------------------------------- one sheet


def _parser_class():
    """openpyxl's streaming sheet parser, telling a formula saved without its value from an empty cell."""
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class _Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            # no saved value (a formula whose text result is empty saves type "str" and an empty value)
            cell["uncalculated"] = (
                element.find(FORMULA_TAG) is not None
                and not element.findtext(VALUE_TAG)
                and element.get("t") != "str"
            )
            return cell

    return _Parser


def _hidden(attributes: dict) -> bool:
    return str(attributes.get("hidden", "")).lower() in ("1", "true")


def _read_sheet(workbook, worksheet, source: Path) -> _Sheet:
    """One sheet as lines: its visible cells' text on a grid of the visible rows and columns that hold any."""
    from openpyxl.utils import get_column_letter

    from loaders.reading import PlanInputError

    sheet = _Sheet(worksheet.title)
    texts: dict[tuple[int, int], str] = {}  # (row, column) → the cell's text, of visible rows only
    unread: dict[tuple[int, int], str] = {}  # (row, column) → why it reads as empty: "uncalculated" | "error"
    with worksheet._get_source() as xml:
        parser = _parser_class()(
            xml,
            worksheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for r, cells in parser.parse():
            if _hidden(parser.row_dimensions.get(str(r), {})):
                continue
            for cell in cells:
                if cell["uncalculated"] or cell["data_type"] == "e":
                    unread[(r, cell["column"])] = "uncalculated" if cell["uncalculated"] else "error"
                    continue
                text = _cell_display(cell, workbook)
                if text:
                    texts[(r, cell["column"])] = text
        merges = [m.ref for m in parser.merged_cells.mergeCell] if parser.merged_cells else []
        hidden_columns = set()
        for attributes in parser.column_dimensions.values():
            if _hidden(attributes):
                hidden_columns.update(
                    range(int(attributes["min"]), int(attributes.get("max", attributes["min"])) + 1)
                )
    if hidden_columns:
        texts = {(r, c): t for (r, c), t in texts.items() if c not in hidden_columns}
    for (r, c), why in sorted(unread.items()):
        if c not in hidden_columns:
            (sheet.uncalculated if why == "uncalculated" else sheet.errors).append(
                f"{get_column_letter(c)}{r}"
            )
    rows, columns = len({r for r, _ in texts}), len({c for _, c in texts})
    if rows * columns > MAX_GRID:
        raise PlanInputError(
            source,
            f"sheet '{sheet.name}' spreads its text over {rows} rows and {columns} columns, more than a table "
            f"of {MAX_GRID} cells a plan may hold",
        )
    sheet.lines = grid_lines(_grid(texts, merges)) if texts else []
    return sheet


def _grid(texts: dict[tuple[int, int], str], merges: list[str]) -> list[list[GridCell]]:
    """The sheet's grid: a row for each row with text, a column for each column with text; each place holds the cell
    covering it (a merged range: the text of its top-left cell, on every kept place it covers)."""
    from bisect import bisect_left, bisect_right

    from openpyxl.utils.cell import range_boundaries

    rows = sorted({r for r, _ in texts})
    columns = sorted({c for _, c in texts})
    row_at = {r: k for k, r in enumerate(rows)}
    column_at = {c: k for k, c in enumerate(columns)}
    grid: list[list[GridCell]] = [[GridCell("", k, j) for j in range(len(columns))] for k in range(len(rows))]
    for (r, c), text in texts.items():
        grid[row_at[r]][column_at[c]] = GridCell(text, row_at[r], column_at[c])
    for ref in merges:
        try:
            c0, r0, c1, r1 = range_boundaries(ref)
        except (TypeError, ValueError):
            continue
        if None in (c0, r0, c1, r1):
            continue
        kept_rows = rows[bisect_left(rows, r0) : bisect_right(rows, r1)]
        kept_columns = columns[bisect_left(columns, c0) : bisect_right(columns, c1)]
        if not kept_rows or not kept_columns:
            continue
        cell = GridCell(texts.get((r0, c0), ""), row_at[kept_rows[0]], column_at[kept_columns[0]])
        for r in kept_rows:
            for c in kept_columns:
                grid[row_at[r]][column_at[c]] = cell
    # a row whose every cell comes from a merge starting above it shows nothing new: left out
    return [row for k, row in enumerate(grid) if any(cell.text and cell.row == k for cell in row)]


# ---------------------------------------------------------------------------------------------- one cell


def _cell_display(cell: dict, workbook) -> str:
    """A cell's saved value as the sheet shows it: text on one line (its lines joined by `cell_text`), whole numbers
    without a decimal point (but as many decimals as a 0.00 format shows), percentages as percentages, dates as 2020年6月30日 (or 2020年6月 when the format shows
    no day)."""
    value = cell["value"]
    if value is None:
        return ""
    if isinstance(value, str):
        return cell_text(value.replace("\r", "\n").split("\n"))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    code = _format_code(workbook, cell.get("style_id") or 0)
    if isinstance(value, datetime.datetime | datetime.date):
        if (
            isinstance(value, datetime.datetime)
            and value.date() <= datetime.date(1900, 1, 1)
            and value.time()
        ):
            return value.time().isoformat()  # a time of day
        if "d" not in code.lower() and "y" in code.lower():
            return f"{value.year}年{value.month}月"
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, datetime.time | datetime.timedelta):
        return str(value)
    if isinstance(value, int | float):
        if "%" in code:
            return f"{value * 100:.15g}%"
        fixed = _FIXED.match(code)
        if fixed:  # 0.00: as many decimals as the format shows (2020.10 is not 2020.1)
            return f"{value:.{len(fixed[1])}f}"
        return str(int(value)) if float(value).is_integer() else f"{value:.15g}"
    return str(value)


def _format_code(workbook, style_id: int) -> str:
    """The number format code of a cell style ('' when it cannot be told)."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    try:
        number_format = workbook._cell_styles[style_id].numFmtId
        if number_format < BUILTIN_FORMATS_MAX_SIZE:
            return BUILTIN_FORMATS.get(number_format, "")
        return workbook._number_formats[number_format - BUILTIN_FORMATS_MAX_SIZE]
    except (IndexError, AttributeError, TypeError):
        return ""
