"""Downloads of any list as CSV or XLSX, ready for analysis: the one function every list and report of the
explorer (and the SPARQL editor's results) writes its CSV and XLSX through, `table_response`.

- Columns are declared as (key, label, kind): the label is an i18n key after "pg_" (see web.i18n), the kind
  how a value is written: "date" (a real date cell; several dates are written as text, "；"-separated),
  "number", "agencies" (a list of {"agency", "label"} or of names, written as names joined by "、"), "link"
  (an IRI written as the explorer's absolute URL of its page, a hyperlink in XLSX), anything else text.
- XLSX: a first sheet "about" (what the table is, its source page, the filters, the date it was made and when
  the store was built), then the table: bold frozen header with an autofilter, column widths from the content,
  text never taken for a formula, nor holding a character a worksheet cannot (control characters become U+FFFD),
  nor longer than an Excel cell (32,767 characters; cut there, ending in "…").
- CSV: the same columns, UTF-8 with a BOM (so spreadsheet programs read the Chinese); text that a spreadsheet
  would take for a formula is prefixed with '.
- The file name carries the filters: overdue-2021-01-01-红河州打赢蓝天保卫战三年行动计划实施方案.xlsx.

`with_task_facts(rows)` completes task rows with what an analysis needs beyond the page's columns: the whole
text and the agencies of all four roles (web.repository.Repository.task_facts).
"""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import date, datetime
from urllib.parse import quote, urlencode

from flask import Response, current_app, request

from web.i18n import t
from web.repository import ROLES, page_url

XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_WIDTH = 60  # characters: a whole task text wraps in a column this wide
# what a file name may not hold (Windows' reserved characters, separators, spaces), and controls and the invisible
# format characters a title may carry: a right-to-left override (U+202E) makes 方案\u202excod.exe.xlsx read as
# 方案xslx.exe.docx in a browser's downloads
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\s\x00-\x1f\x7f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]+')

# the columns of a list of tasks as downloaded (a report adds or drops its own: due dates, reform year …)
TASK_COLUMNS = [
    ("jurisdictionLabel", "jurisdiction", "text"),
    ("planTitle", "plan", "text"),
    ("section", "section", "text"),
    ("heading", "heading", "text"),
    ("leads", "col_leads", "agencies"),
    ("supports", "col_supports", "agencies"),
    ("implements", "col_implements", "agencies"),
    ("responsibleFor", "col_responsible", "agencies"),
    ("heldNowBy", "au_held_now", "agencies"),
    ("text", "col_text", "text"),
    ("task", "col_link", "link"),
]
DUE_COLUMNS = [("due", "due_date", "date"), ("phrase", "deadline_phrase", "text")]


def task_columns(*extra: tuple[str, str, str], due: bool = True) -> list[tuple[str, str, str]]:
    """The task columns, with the deadline's first (when `due`) and `extra` columns before the text."""
    base = [c for c in TASK_COLUMNS if c[0] not in {e[0] for e in extra}]
    at = next(i for i, c in enumerate(base) if c[0] == "text")
    return (DUE_COLUMNS if due else []) + base[:at] + list(extra) + base[at:]


def with_task_facts(rows: list[dict], within: str | None = None) -> list[dict]:
    """Task rows with the whole text and the agencies of every role (looked up for the rows' tasks; `within`, a
    group pattern binding ?task to them: read by hashing, see `Repository.task_facts`), a row's own values kept
    where it has them (a report's leads are the ones it reports)."""
    from web.pages import repository

    tasks = list(dict.fromkeys(r["task"] for r in rows if r.get("task")))
    facts = repository().task_facts(tasks, within)
    out = []
    for row in rows:
        fact = facts.get(row.get("task"))
        if fact is None:
            out.append(row)
            continue
        extra = {k: fact[k] for k in ("text", "section", "heading", "planTitle", "jurisdictionLabel")}
        extra |= {role: fact["roles"][role] for role in ROLES}
        held = {}  # the units holding the leads' duties now: a lead's successor, else the lead
        for lead in fact["roles"]["leads"]:
            now = lead.get("now") or lead
            held.setdefault(now["agency"], {"agency": now["agency"], "label": now["label"]})
        extra["heldNowBy"] = list(held.values())
        if "due" not in row and fact["deadlines"]:
            extra |= {"due": [d["due"] for d in fact["deadlines"]]}
            extra |= {"phrase": "；".join(d["phrase"] for d in fact["deadlines"] if d["phrase"])}
        out.append(extra | {k: v for k, v in row.items() if v not in (None, "", []) or k not in extra})
    return out


FILTER_ARGS = ("q", "as_of", "before", "days", "plan", "agency", "table")


def request_filters(**defaults) -> dict[str, str]:
    """The request's filters ({label: value}) for a file name and an about sheet: a plan or agency by its
    name, not its IRI; `defaults` name the values a page took when the request gave none (today …)."""
    from web.pages import repository

    filters = {}
    for key in dict.fromkeys([*defaults, *FILTER_ARGS]):
        value = request.args.get(key, "").strip() or str(defaults.get(key) or "")
        if not value:
            continue
        if key in ("plan", "agency"):
            iri = value if value.startswith("http") else page_to_iri(value)
            if key == "plan":
                value = next((p["title"] for p in repository().plans() if p["plan"] == iri), value)
            else:
                value = next((a["label"] for a in repository().agencies() if a["agency"] == iri), value)
        filters[t(f"pg_filter_{key}")] = value
    return filters


def page_to_iri(value: str) -> str:
    from web.repository import iri_from_request_path

    return iri_from_request_path(value[4:] if value.startswith("/id/") else value)


def task_table(
    name: str,
    fmt: str,
    columns,
    rows: list[dict],
    filters: dict | None = None,
    title=None,
    within: str | None = None,
):
    """A list of tasks as a download: the task columns (whole text, every role, a link to each task's page)
    and the deadline's, with the list's own columns (`columns`: (key, label, kind); those the task columns
    hold are dropped); `within`: a group pattern binding ?task to the rows' tasks (`with_task_facts`)."""
    own = {c[0] for c in TASK_COLUMNS + DUE_COLUMNS} | {"excerpt"}
    extra = [(key, label, kind) for key, label, kind in columns if key not in own]
    return table_response(name, fmt, task_columns(*extra), with_task_facts(rows, within), filters, title)


def _names(value) -> str:
    return "、".join(v["label"] if isinstance(v, dict) else str(v) for v in value or [])


def _as_date(value):
    """A date for a date cell: an ISO date string, a date, or a list of one; None when it is none of these."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "；".join(_names([v]) if isinstance(v, dict) else str(v) for v in value)
    if isinstance(value, bool):
        return t("pg_yes") if value else t("pg_no")
    return str(value)


def cell_value(value, kind: str):
    """A row's value as its column's kind writes it: a date, a number, a URL, or text."""
    if kind == "date":
        return _as_date(value) or _text(value)
    if kind == "number":
        return value if isinstance(value, int | float) and not isinstance(value, bool) else _text(value)
    if kind == "agencies":
        return _names(value) if isinstance(value, list) else _text(value)
    if kind == "link":
        return absolute_url(value) if value else None
    return _text(value)


def absolute_url(iri) -> str:
    """The explorer's page of an instance IRI, as an absolute URL (other IRIs as they are)."""
    path = page_url(iri)
    return request.host_url.rstrip("/") + path if path.startswith("/") else path


def _csv_safe(value):
    """Text a spreadsheet would take for a formula is prefixed with ' (plan text is data)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "@", "-", "\t", "\r") and len(value) > 1:
        return "'" + value
    return value


def file_name(name: str, filters: dict | None, fmt: str) -> str:
    """`name` and the filters' values, safe as a file name: overdue-2021-01-01-红河州….xlsx."""
    parts = [name] + [str(v) for v in (filters or {}).values() if v not in (None, "")]
    stem = "-".join(_UNSAFE_NAME.sub("_", p).strip("_") for p in parts if p)
    return f"{stem[:150]}.{fmt}"


def store_built() -> str | None:
    """When the store was built (its task text table's time), for the about sheet; None for a remote graph."""
    from kg.texts import TASK_TEXTS
    from web.pages import repository

    folder = getattr(repository().source, "store_dir", None)
    if folder is None:
        return None
    try:
        return datetime.fromtimestamp(os.stat(os.path.join(folder, TASK_TEXTS)).st_mtime).isoformat(
            sep=" ", timespec="seconds"
        )
    except OSError:
        return None


def source_page() -> str:
    """The page the download is of: the request's URL without its format (suffix or ?format=)."""
    path = re.sub(r"\.(csv|xlsx)$", "", request.path)
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("format", "lang")]
    return request.host_url.rstrip("/") + path + ("?" + urlencode(args) if args else "")


def _about(title: str, filters: dict | None, rows: int) -> list[tuple[str, str]]:
    lines = [
        (t("pg_about_table"), title),
        (t("pg_about_source"), source_page()),
        (t("pg_about_rows"), str(rows)),
    ]
    for label, value in (filters or {}).items():
        lines.append((label, "" if value is None else str(value)))
    lines.append((t("pg_about_made"), datetime.now().isoformat(sep=" ", timespec="seconds")))
    lines.append((t("pg_about_built"), store_built() or t("pg_unknown")))
    lines.append((t("pg_about_graph"), current_app.config.get("ENDPOINT") or t("pg_about_local_store")))
    return lines


def _normalise_columns(columns) -> list[tuple[str, str, str]]:
    return [c if len(c) == 3 else (c[0], c[1], "text") for c in columns]


def table_response(
    name: str,
    fmt: str,
    columns,
    rows: list[dict],
    filters: dict | None = None,
    title: str | None = None,
    labelled: bool = False,
) -> Response:
    """`rows` as a CSV (UTF-8 with BOM) or an XLSX workbook (about sheet, then the table), the columns
    (key, label, kind) written by kind; `filters` ({label: value}) go into the file name and the about sheet.
    `labelled`: the column labels are given as they are, not as i18n keys."""
    columns = _normalise_columns(columns)
    if filters is None:
        filters = request_filters()
    headers = [label if labelled else t("pg_" + label) for _key, label, _kind in columns]
    filename = file_name(name, filters, fmt)
    table = [[cell_value(row.get(key), kind) for key, _label, kind in columns] for row in rows]
    if fmt == "csv":
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow(headers)
        for values in table:
            writer.writerow([_csv_safe(v.isoformat() if isinstance(v, date) else v) for v in values])
        response = Response(out.getvalue(), mimetype="text/csv")
    else:
        response = Response(
            _workbook(name, title or name, headers, columns, table, filters), mimetype=XLSX_MEDIA
        )
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _width(value) -> int:
    """A cell's width in characters as a spreadsheet shows it (a Chinese character is two)."""
    if value is None:
        return 0
    if isinstance(value, date):
        return 10
    text = str(value)
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


EXCEL_CELL_CHARS = 32767  # the most characters Excel holds in a cell: a longer one makes it "repair" the file


def _sheet_text(value):
    """Text as a worksheet can hold it: each control character XML forbids (a stray ESC or vertical tab from a
    plan's file, which openpyxl refuses, failing the whole download) replaced by U+FFFD, and a text longer than
    a cell holds (a query of 256 KB as the about sheet's title, a plan read as one paragraph) cut there, ending
    in "…"; other values as they are."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        return value
    if len(value) > EXCEL_CELL_CHARS:
        value = value[: EXCEL_CELL_CHARS - 1] + "…"
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)


def _workbook(name, title, headers, columns, table, filters) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    about = book.create_sheet(t("pg_about_sheet")[:31])
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 100
    for label, value in _about(title, filters, len(table)):
        key = WriteOnlyCell(about, value=label)
        key.font = Font(bold=True)
        cell = WriteOnlyCell(about, value=_sheet_text(value))
        cell.data_type = "s"
        about.append([key, cell])

    sheet = book.create_sheet(_UNSAFE_NAME.sub("_", name)[:31] or "table")
    sheet.freeze_panes = "A2"
    for i in range(1, len(columns) + 1):
        widest = max([_width(headers[i - 1])] + [_width(row[i - 1]) for row in table[:500]])
        sheet.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, max(8, widest + 2))
    if table:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(table) + 1}"
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    wrap = Alignment(wrap_text=True, vertical="top")
    for values in table:
        cells = []
        for (_key, _label, kind), value in zip(columns, values, strict=True):
            value = _sheet_text(value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
                if kind == "link" and re.match(r"https?://", value, re.IGNORECASE):
                    # a link to a web page only: a query can make IRI("javascript:…") or a file: IRI
                    cell.hyperlink = value
                    cell.style = "Hyperlink"
                elif _width(value) > MAX_WIDTH:
                    cell.alignment = wrap
            cells.append(cell)
        sheet.append(cells)
    book.active = 1  # opens on the table; the about sheet comes first
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
