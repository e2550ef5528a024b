"""One list view for every list and report of the explorer (Datasette's table view is the model): a list is a
declaration — where its rows come from, its tables' columns and their kinds, the facets that apply — and
`serve(view)` answers it as HTML, JSON, CSV and XLSX alike:

- facets with counts (kg.reports.FACETS: plan, place, level, role, agency, deadline year, has a lead, lead gone
  in the reform), computed once per (list, parameters, filters) over the whole answer and cached in the
  Repository's cache; a filter is a URL parameter named as its facet (?plan=…&year=2020), several values of one
  facet are alternatives, facets combine; the same filters narrow the JSON and the downloads;
- a filter value the list cannot use as it is (a plan's title or 文号 instead of its IRI, a place or agency by
  name) is resolved to what it names; when it names nothing, or several, the page says so (a message on the
  page, "messages" in the JSON, a line of the about sheet), never a silently empty table;
- sorting (?_sort=KEY, ?_sort_desc=KEY) and paging (?page=N, ?_size=N or all) on the server over the whole
  answer; the JSON and downloads carry every row unless ?_size= asks for a page;
- the first sight of a national list without its whole answer: a table that declares `page` (one page of its
  rows read from the store, in the order the build states: `web.first`) is answered a page at a time when the
  default view is asked for (no filter, no sort, HTML or a JSON page) and the whole answer is not computed yet;
  the facet counts and the summary tables (derived from every row) are then left for a second request
  (?_part=facets: the page's script, web/static/lists.js, fetches it and puts them in place, "正在统计…" until
  then; without the script a link asks for the whole page, ?_full=1). The rows of a page are the rows the whole
  answer has on that page, in the same order (tests/test_first_pages.py).

A view's main table (its first unless it names another) is its list: facets count its rows and sorting applies to it; the others (summaries) are
derived from the filtered rows. The JSON is {parameters…, TABLE: rows…, "total", "facets": {name: {value:
count}}, "facetLabels", "filters", "messages"}.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import abort, current_app, render_template, request
from markupsafe import Markup, escape

from kg import reports
from web.export import table_response, task_table
from web.i18n import t
from web.repository import LEVEL_RANK, ROLES, iri_from_request_path, page_url
from web.search import normalise

TABLE_FORMATS = ("csv", "xlsx")
FORMATS = ("html", "json", *TABLE_FORMATS)
PAGE_SIZE = 50
FACET_SHOWN = 12  # values a facet lists on the page (the selected ones always)
_FLAGS = {"1": "1", "true": "1", "yes": "1", "是": "1", "0": "0", "false": "0", "no": "0", "否": "0"}

# columns: (key, i18n label without "pg_", kind); the kind says how the page shows a value (task, plan, agency,
# agencies, jurisdiction, date, number, decimal, level, role, deadlines, excerpt, marked, text; iri: not shown)
# and how a download writes it (date, number, agencies; the rest as text)
TASKS = (
    ("due", "due_date", "date"),
    ("phrase", "deadline_phrase", "text"),
    ("jurisdictionLabel", "jurisdiction", "jurisdiction"),
    ("planTitle", "plan", "plan"),
    ("section", "section", "task"),
    ("leads", "col_leads", "agencies"),
    ("heldNowBy", "au_held_now", "agencies"),
    ("excerpt", "col_text", "excerpt"),
    ("task", "col_iri", "iri"),
)
TASK_FACETS = ("plan", "place", "level", "agency", "year", "has_lead", "lead_gone")
_EXPORT_KINDS = {"date": "date", "number": "number", "decimal": "number", "agencies": "agencies"}


@dataclass(frozen=True)
class Table:
    """One table of a list view. `rows(filtered, params)` derives it from the view's filtered rows (None: they
    are its rows); `title` and `note` are called with the answer (`Answer`) and give text (a note may be None)."""

    key: str  # its key in the JSON, and its ?table= name unless `name` is given
    columns: tuple | Callable
    title: Callable[[Answer], str]
    rows: Callable[[list[dict], dict], list[dict]] | None = None
    name: str | None = None
    note: Callable[[Answer], str | None] | None = None
    query: str | None = None  # the canned query answering it: queries/<query>.rq
    download: str | None = None  # its download's file name (default: the view's)
    export: tuple | None = None  # the download's own columns (default: its columns; tasks add theirs)
    css: str = "audit"
    # one page of its rows straight from the store, for the default view: (params, offset, limit) →
    # {"total", "rows"} (the rows the whole answer has there, as it has them), or None when it cannot
    page: Callable[[dict, int, int], dict | None] | None = None
    static_note: bool = False  # its note needs neither its rows nor the answer's extra
    # its `page` reads every row by hashing when asked for many (web.first.BULK_FROM): an unfiltered download
    # is made from it, without the whole answer (`every_row`)
    bulk: bool = False

    @property
    def ref(self) -> str:
        return self.name or self.key.replace("_", "-")

    def columns_for(self, params: dict) -> tuple:
        return self.columns(params) if callable(self.columns) else self.columns


@dataclass(frozen=True)
class ListView:
    """A list of the explorer: `source(params)` gives every row (cached by the source), `params(messages)` the
    request's own parameters (validated; a note appended to `messages` where one was resolved)."""

    name: str
    source: Callable[[dict], list[dict]]
    tables: tuple[Table, ...]
    title: Callable[[dict], str]
    facets: tuple[str, ...] = ()
    params: Callable[[list], dict] = lambda messages: {}
    intro: str | None = None  # i18n key
    fields: tuple[str, ...] = ()  # the form's inputs: as_of, days, before, plan, groups (their own templates)
    extra: Callable[[Answer], dict] | None = None  # more of the answer, for the JSON and the page
    decorate: Callable[[list[dict], dict, str], list[dict]] | None = None  # rows shown (fmt), completed
    query: str | None = None
    template: str = "list.html"
    page_size: int = PAGE_SIZE
    json_params: tuple[str, ...] | None = None  # the parameters the JSON carries (default: all)
    main: str | None = (
        None  # the key of its list, the table facets count and sorting orders (default: the first)
    )
    page_extra: Callable[[dict], dict] | None = None  # the extra a first page has (of the parameters alone)

    @property
    def list(self) -> Table:
        return next((x for x in self.tables if x.key == self.main), self.tables[0])


@dataclass
class Answer:
    key: tuple
    view: ListView
    params: dict
    selected: dict[str, list[str]]
    tables: dict[str, list[dict]]
    facets: dict[str, dict[str, int]]
    labels: dict[str, dict[str, str]]
    extra: dict = field(default_factory=dict)
    # a first page (`first_page`): `tables` hold the page's rows of the tables read a page at a time, `totals`
    # their whole counts, `paging` their pages; no facets, no summary tables (they come by ?_part=facets)
    partial: bool = False
    totals: dict[str, int] = field(default_factory=dict)
    paging: dict[str, dict] = field(default_factory=dict)
    # every row of a table read at once (`every_row`): a group pattern binding ?task to its tasks, by which a
    # download reads their facts (web.export.with_task_facts)
    within: str | None = None

    @property
    def rows(self) -> list[dict]:
        return self.tables[self.view.list.key]

    def total(self, key: str | None = None) -> int:
        """How many rows the table `key` (default: the list) has in the whole answer."""
        key = key or self.view.list.key
        return self.totals[key] if key in self.totals else len(self.tables[key])


def repository():
    return current_app.extensions["repository"]


def paged(rows: list[dict], key: str, size: int | None) -> dict:
    from web.pages import paged as page

    return page(rows, key, size)


def page_of(rows: list[dict], page: int, pages: int, total: int, size: int, key: str) -> dict:
    from web.pages import page_of as page_dict

    return page_dict(rows, page, pages, total, size, key)


# --- the request: filters, sort, page ----------------------------------------------------------------


def options(name: str) -> list[tuple[str, list[str]]]:
    """What a facet's values may name: (value, its names) for plans, places and agencies."""
    repo = repository()

    def compute():
        if name == "plan":
            return [(p["plan"], [p["title"], p["docNumber"] or ""]) for p in repo.plans() if p["loaded"]]
        if name == "agency":
            return [(a["agency"], [a["label"], *(a["aliases"] or "").split("、")]) for a in repo.agencies()]
        places = {p["jurisdiction"]: p["jurisdictionLabel"] for p in repo.plans() + repo.agencies()}
        return [(iri, [label or ""]) for iri, label in places.items() if iri]

    return repo.cached(("list-options", name), compute)


def resolve(name: str, value: str, messages: list) -> list[str]:
    """The facet values a filter value names: itself when the list can use it; a plan, place or agency named
    by its title, 文号, name or a part of one; a level, role or yes/no by its word. A value naming nothing, or
    several things, adds a message (which the page shows) saying so."""
    value = value.strip()
    if name in ("has_lead", "lead_gone"):
        found = [_FLAGS[value.lower()]] if value.lower() in _FLAGS else []
    elif name == "year":
        found = [value] if value.isdigit() and len(value) == 4 else []
    elif name in ("level", "role"):
        codes = list(LEVEL_RANK) if name == "level" else list(ROLES)
        found = [c for c in codes if value in (c, t(f"pg_{name}_{c}"))]
    else:
        named = options(name)
        known = {iri for iri, _names in named}
        iri = value
        if not value.startswith(("http://", "https://")):
            iri = iri_from_request_path(value.removeprefix("/id/"))
        elif not _is_iri(value):
            abort(400, description=t("pg_bad_iri", name=name, value=value))
        if value in known or iri in known:
            return [value if value in known else iri]
        word = normalise(value.removeprefix("/id/"))
        found = [v for v, names in named if any(word == normalise(n) for n in names if n)]
        found = found or [v for v, names in named if any(word in normalise(n) for n in names if n)]
        if len(found) == 1:
            label = _label(name, found[0])
            messages.append({"text": t("ls_resolved", facet=t(f"ls_facet_{name}"), value=value, label=label)})
    if not found:
        messages.append({"text": t("ls_unknown", facet=t(f"ls_facet_{name}"), value=value)})
        return [value]  # it names nothing: nothing matches it, and the message says why
    if len(found) > 1:
        choices = [
            {"label": _label(name, v), "url": _with_args([(name, v)], drop=(name,))} for v in found[:20]
        ]
        messages.append(
            {
                "text": t("ls_several", facet=t(f"ls_facet_{name}"), value=value, n=len(found)),
                "choices": choices,
            }
        )
    return found


def _is_iri(value: str) -> bool:
    try:
        ox.NamedNode(value)
    except ValueError:
        return False
    return True


def _label(name: str, value: str) -> str:
    if name in ("plan", "agency", "place"):
        return next((names[0] for v, names in options(name) if v == value), value)
    if name in ("level", "role"):
        return t(f"pg_{name}_{value}")
    if name in ("has_lead", "lead_gone"):
        return t("pg_yes") if value == "1" else t("pg_no")
    return value


def selected_filters(names: tuple[str, ...], messages: list) -> dict[str, list[str]]:
    """The request's filters on the facets `names`: {name: [values]} (each value resolved)."""
    selected = {}
    for name in names:
        values = [
            v for raw in request.args.getlist(name) if raw.strip() for v in resolve(name, raw, messages)
        ]
        if values:
            selected[name] = list(dict.fromkeys(values))
    return selected


def _with_args(
    add: list[tuple[str, str]], drop: tuple[str, ...] = (), remove: tuple | None = None, keep_page: bool = False
) -> str:
    """The current page's URL with `add`ed parameters, without those named in `drop`, the pair `remove` and
    any page number (a new answer starts at its first page; `keep_page`: the same page) or _part/_full."""
    args = [
        (k, v)
        for k, v in request.args.items(multi=True)
        if k not in drop
        and (k, v) != remove
        and (keep_page or not k.startswith("page"))
        and k not in ("format", "_part", "_full")
    ]
    return request.path + "?" + urlencode(args + add)


def _sort_arg(columns) -> tuple[str, bool] | None:
    keys = {key for key, _label, kind in columns}
    for arg, descending in (("_sort", False), ("_sort_desc", True)):
        key = request.args.get(arg)
        if key:
            if key not in keys:
                abort(400, description=t("ls_bad_sort", value=key, allowed=", ".join(sorted(keys))))
            return key, descending
    return None


def _sort_key(kind: str, key: str):
    def value(row):
        v = row.get(key)
        if kind == "agencies":
            v = "、".join(a["label"] for a in v or [])
        elif kind == "deadlines":
            v = v[0]["due"] if v else None
        elif kind in ("number", "decimal"):
            return (v is None, v if isinstance(v, int | float) else 0)
        return (v in (None, ""), str(v or ""))

    return value


def _size(default: int | None) -> int | None:
    """?_size=N rows a page, or "all" (None: every row)."""
    value = request.args.get("_size", "").strip().lower()
    if not value:
        return default
    if value == "all":
        return None
    # ASCII digits only: "²" is a digit to str.isdigit() but no number to int(), and over 4300 digits int()
    # refuses too (both were a 500); a size of ten digits or more is every row
    if not (value.isascii() and value.isdigit()) or int(value[:10]) < 1:
        abort(400, description=t("ls_bad_size", value=value))
    return int(value) if len(value) < 10 else None


# --- the answer --------------------------------------------------------------------------------------


def answer(
    view: ListView,
    params: dict,
    selected: dict[str, list[str]],
    rows: Callable[[], list[dict] | None] | None = None,
) -> Answer:
    """The view's tables and facet counts for `params` and the filters `selected`, cached per both; `rows`: gives
    the source's rows another way when it can (None when it cannot: the source gives them)."""
    key = _answer_key(view, params, selected)

    def compute():
        every = rows() if rows else None
        every = view.source(params) if every is None else every
        kept = reports.keep(every, {k: set(v) for k, v in selected.items()})
        tables = {table.key: table.rows(kept, params) if table.rows else kept for table in view.tables}
        counts, labels = reports.facet_counts(tables[view.list.key], view.facets)
        return Answer(key, view, params, selected, tables, counts, labels)

    found = repository().cached(key, compute)
    if view.extra and not found.extra:
        found.extra = view.extra(found)
    return found


def _sorted(answer_: Answer, table: Table) -> list[dict]:
    rows = answer_.tables[table.key]
    if table is not answer_.view.list:
        return rows
    order = _sort_arg(table.columns_for(answer_.params))
    if order is None:
        return rows
    key, descending = order
    kind = next(kind for k, _label, kind in table.columns_for(answer_.params) if k == key)
    cache = ("list-sorted", answer_.key, key, descending)
    return repository().cached(cache, lambda: sorted(rows, key=_sort_key(kind, key), reverse=descending))


def _answer_key(view: ListView, params: dict, selected: dict[str, list[str]]) -> tuple:
    return (
        "list",
        view.name,
        tuple(sorted(params.items())),
        tuple(sorted((k, tuple(v)) for k, v in selected.items())),
    )


def _page_number(key: str) -> int:
    try:
        return max(1, int(request.args.get(key, "1")))
    except ValueError:
        return 1


def first_page(view: ListView, params: dict, fmt: str) -> Answer | None:
    """The default view's page as its tables read a page at a time (`Table.page`), without the whole answer;
    None when a table cannot (the whole answer is computed instead). A page after the last is the last."""
    pageable = [table for table in view.tables if table.page]
    if view.list not in pageable:
        return None
    size = _size(None if fmt == "json" else view.page_size)
    if size is None:
        return None
    tables, totals, paging = {}, {}, {}

    def read(table: Table, page: int) -> dict | None:
        # each page read once a store generation: twenty visitors of one report share its first page
        key = ("first-page", view.name, table.key, tuple(sorted(params.items())), page, size)
        return repository().cached(key, lambda: table.page(params, (page - 1) * size, size))

    for table in pageable:
        key = "page" if len(view.tables) == 1 or fmt == "json" else f"page_{table.key}"
        page = _page_number(key)
        found = read(table, page)
        if found is None:
            return None
        total = found["total"]
        pages = max(1, -(-total // size))
        if page > pages:  # past the end: the last page, as `paged` gives it
            page = pages
            found = read(table, page)
            if found is None:
                return None
        tables[table.key], totals[table.key] = found["rows"], total
        paging[table.key] = page_of(found["rows"], page, pages, total, size, key)
    found = Answer(
        _answer_key(view, params, {}), view, params, {}, tables, {}, {}, partial=True, totals=totals, paging=paging
    )
    found.extra = view.page_extra(params) if view.page_extra else {}
    return found


def _wants_first_page(view: ListView, params: dict, selected: dict, fmt: str) -> bool:
    """Whether this request is the default view (no filter, no sort) of a list read a page at a time whose whole
    answer is not computed yet: its first sight."""
    if fmt not in ("html", "json") or selected or "_full" in request.args or "_part" in request.args:
        return False
    if request.args.get("_sort") or request.args.get("_sort_desc"):
        return False
    if fmt == "json" and not request.args.get("_size", "").strip():
        return False  # a JSON without ?_size= carries every row
    if not view.list.page:
        return False
    return repository().peek(_answer_key(view, params, selected)) is None


def _wants_every_row(view: ListView, params: dict, selected: dict) -> bool:
    """Whether this request is a download of every row, unfiltered and unsorted, of a table whose page reads
    them all by hashing (`Table.bulk`), while the whole answer is not computed yet."""
    if selected or "_full" in request.args or request.args.get("_sort") or request.args.get("_sort_desc"):
        return False
    if _size(None) is not None:
        return False
    table = _download_table(view)
    return (
        table.bulk
        and table.page is not None
        and repository().peek(_answer_key(view, params, selected)) is None
    )


def every_row(view: ListView, params: dict, table: Table) -> Answer | None:
    """An answer holding every row of `table` (in the whole answer's order, as it has them) read by its `page`
    at once, for a download: no facets, no other table; None when the table cannot give them."""
    found = table.page(params, 0, EVERY_ROW)
    if found is None:
        return None
    rows, total = found["rows"], found["total"]
    answer_ = Answer(
        _answer_key(view, params, {}),
        view,
        params,
        {},
        {table.key: rows},
        {},
        {},
        partial=True,
        totals={table.key: total},
        paging={table.key: page_of(rows, 1, 1, total, max(total, 1), "page")},
    )
    answer_.extra = view.page_extra(params) if view.page_extra else {}
    answer_.within = found.get("within")
    return answer_


EVERY_ROW = 10**9  # the `limit` of a page that is the whole list


def serve(view: ListView, suffix: str | None = None):
    """The view for this request, in the format it asks for (suffix, ?format=, Accept)."""
    from web.pages import json_response, wanted_format

    fmt = wanted_format(suffix, FORMATS)
    messages: list[dict] = []
    params = view.params(messages)
    selected = selected_filters(view.facets, messages)
    found = first_page(view, params, fmt) if _wants_first_page(view, params, selected, fmt) else None
    if found is None and fmt in TABLE_FORMATS and _wants_every_row(view, params, selected):
        found = every_row(view, params, _download_table(view))
    if found is None and fmt == "json" and len(view.tables) == 1 and _wants_every_row(view, params, selected):
        # every row of a list that is its source's rows, read at once: the whole answer made of them
        found = answer(
            view, params, selected, rows=lambda: (view.list.page(params, 0, EVERY_ROW) or {}).get("rows")
        )
    if found is None:
        found = answer(view, params, selected)
    if fmt in TABLE_FORMATS:
        return _download(found, fmt, messages)
    first = view.list
    if fmt == "json":
        body = {k: v for k, v in params.items() if view.json_params is None or k in view.json_params}
        if found.partial:
            shown = found.paging[first.key]
            body |= found.extra
            body |= {first.key: _decorated(view, shown["rows"], params, fmt), "total": shown["total"]}
            body |= {"filters": {}, "messages": messages}
            body["deferred"] = [t.key for t in view.tables if t.key not in found.tables] + ["facets"]
            body["complete"] = _with_args([("_full", "1")], keep_page=True)
        else:
            shown = paged(_sorted(found, first), "page", _size(None))
            rows = _decorated(view, shown["rows"], params, fmt)
            body |= found.extra | {
                table.key: found.tables[table.key] for table in view.tables if table is not first
            }
            body |= {first.key: rows, "total": shown["total"], "facets": found.facets}
            body |= {"facetLabels": _facet_labels(found), "filters": selected, "messages": messages}
        if shown["pages"] > 1:
            body |= {k: shown[k] for k in ("page", "pages")}
        return json_response(body)
    sections = _sections(found, fmt)
    if request.args.get("_part") == "facets":  # what a first page's script fetches: facets and summaries
        return render_template(
            "list_part.html",
            view=view,
            answer=found,
            params=params,
            sections=sections,
            facets=_facet_panel(found),
            **found.extra,
        )
    return render_template(
        view.template,
        view=view,
        answer=found,
        params=params,
        sections=sections,
        title=view.title(params),
        messages=messages,
        facets=_facet_panel(found),
        part_url=_with_args([("_part", "facets")], keep_page=True) if found.partial else None,
        full_url=_with_args([("_full", "1")], keep_page=True) if found.partial else None,
        **found.extra,
    )


def _sections(found: Answer, fmt: str) -> list[dict]:
    """Each table of the answer as the page shows it: its title, note, columns and page of rows; on a first page
    the tables not read a page at a time are "deferred" (no rows: their place holds "正在统计…")."""
    view, params = found.view, found.params
    sections = []
    for table in view.tables:
        section = {
            "table": table,
            "id": table.key.replace("_", "-"),
            "columns": table.columns_for(params),
            "sortable": table is view.list,
            "deferred": found.partial and table.key not in found.tables,
        }
        if section["deferred"]:
            section |= {"title": table.title(found), "note": None, "paging": None}
        else:
            if found.partial:
                paging = dict(found.paging[table.key])
            else:
                paging = paged(
                    _sorted(found, table),
                    "page" if len(view.tables) == 1 else f"page_{table.key}",
                    _size(view.page_size),
                )
            paging["rows"] = _decorated(view, paging["rows"], params, fmt)
            note = table.note if table.note and (not found.partial or table.static_note) else None
            section |= {"title": table.title(found), "note": note(found) if note else None, "paging": paging}
        sections.append(section)
    return sections


def _decorated(view: ListView, rows: list[dict], params: dict, fmt: str) -> list[dict]:
    return view.decorate(rows, params, fmt) if view.decorate else rows


def _facet_labels(found: Answer) -> dict[str, dict[str, str]]:
    return {
        name: {v: _facet_value_label(name, v, found.labels[name].get(v)) for v in values}
        for name, values in found.facets.items()
    }


def _facet_value_label(name: str, value: str, label: str | None) -> str:
    if name in ("level", "role", "has_lead", "lead_gone"):
        return _label(name, value)
    return label or value


def _facet_panel(found: Answer) -> list[dict]:
    """The facets as the page lists them: each value with its count and the URL adding or removing it."""
    panel = []
    for name in found.view.facets:
        counts = found.facets.get(name, {})
        chosen = found.selected.get(name, [])
        first = list(counts)[:FACET_SHOWN]
        values = first + [v for v in chosen if v not in first]
        items = []
        for value in values:
            on = value in chosen
            label = _facet_value_label(name, value, found.labels[name].get(value))
            url = _with_args([], remove=(name, value)) if on else _with_args([(name, value)])
            items.append(
                {"value": value, "label": label, "count": counts.get(value, 0), "on": on, "url": url}
            )
        if items:
            panel.append(
                {
                    "name": name,
                    "title": t(f"ls_facet_{name}"),
                    "values": items,
                    "more": max(0, len(counts) - len(values)),
                }
            )
    return panel


# --- downloads ---------------------------------------------------------------------------------------


def _download_table(view: ListView) -> Table:
    """The table a download asks for (?table=, its list by default)."""
    refs = {table.ref: table for table in view.tables}
    ref = request.args.get("table", view.list.ref)
    if ref not in refs:
        abort(400, description=t("au_bad_table", value=ref, allowed=", ".join(refs)))
    return refs[ref]


def _download(found: Answer, fmt: str, messages: list[dict]):
    view = found.view
    table = _download_table(view)
    rows = paged(_sorted(found, table), "page", _size(None))["rows"]
    rows = _decorated(view, rows, found.params, fmt)
    columns = table.columns_for(found.params)
    export = [(key, label, _EXPORT_KINDS.get(kind, "text")) for key, label, kind in table.export or columns]
    rows = _labelled(rows, table.export or columns)
    filters = download_filters(found)
    for message in messages:
        filters[t("ls_message")] = message["text"]
    name = table.download or view.name
    if any(key == "task" for key, _label, _kind in columns):
        return task_table(
            name, fmt, export, rows, filters=filters, title=view.title(found.params), within=found.within
        )
    return table_response(name, fmt, export, rows, filters=filters, title=view.title(found.params))


def _labelled(rows: list[dict], columns) -> list[dict]:
    """Rows whose coded values (levels, roles) a download writes as words."""
    coded = [(key, kind) for key, _label, kind in columns if kind in ("level", "role")]
    if not coded:
        return rows
    return [
        row | {key: t(f"pg_{kind}_{row[key]}") if row.get(key) else "" for key, kind in coded} for row in rows
    ]


def download_filters(found: Answer) -> dict[str, str]:
    """The view's parameters and filters ({label: value}, plans and agencies by name) for a download's file name
    and about sheet."""
    filters = {}
    for key, value in found.params.items():
        if value in (None, "", False):
            continue
        if key in ("plan", "agency"):
            value = _label(key, value)
        filters[t(f"pg_filter_{key}")] = "" if value is True else str(value)
    for name, values in found.selected.items():
        labels = [
            _facet_value_label(name, v, found.labels.get(name, {}).get(v) or _label(name, v)) for v in values
        ]
        filters[t(f"pg_filter_{name}") if name in ("plan", "agency") else t(f"ls_facet_{name}")] = "、".join(
            labels
        )
    return filters


# --- the page: cells, links --------------------------------------------------------------------------


def _link(iri, label) -> str:
    return f'<a href="{escape(page_url(iri))}">{escape(label or iri)}</a>'


def cell(row: dict, key: str, kind: str) -> str:
    """One cell of a list table, as HTML (every value escaped): a page shows 50 rows of six cells or more, and
    a Jinja macro a cell cost more than the rest of the page together."""
    from web.search import highlight

    value = row.get(key)
    if kind == "task":
        html = f'<span class="nowrap">{_link(row["task"], value or "-")}</span>'
        return html + (f"<br><strong>{escape(row['heading'])}</strong>" if row.get("heading") else "")
    if kind in ("plan", "agency"):
        html = _link(row[kind], value)
        if kind == "agency" and row.get("group") is True:
            html += f' <span class="muted">({escape(t("pg_group"))})</span>'
        if kind == "plan" and row.get("loaded") is False:
            html += f' <span class="muted">({escape(t("pg_cited_only"))})</span>'
        return html
    if kind == "agencies":
        if value:
            return "、".join(_link(a["agency"], a["label"]) for a in value)
        return f'<span class="gap">{escape(t("pg_no_lead"))}</span>' if key == "leads" else ""
    if kind == "jurisdiction":
        label = value or t("pg_unknown")
        return _link(row["jurisdiction"], label) if row.get("jurisdiction") else str(escape(label))
    if kind == "date":
        return f'<time datetime="{escape(value)}">{escape(value)}</time>' if value else ""
    if kind == "deadlines":
        return "；".join(
            f'<time datetime="{escape(d["due"])}" title="{escape(d["phrase"] or "")}">{escape(d["due"])}</time>'
            for d in value or []
        )
    if kind == "excerpt":
        return f'<span class="excerpt">{escape(value)}</span>'
    if kind == "marked":
        html = f'<span class="excerpt">{highlight(value, row.get("marks"))}</span>'
        if not row.get("ownText") and row.get("matchedAgencies"):
            via = t("search_via_agency", names="、".join(row["matchedAgencies"]))
            html += f'<br><span class="muted">{escape(via)}</span>'
        return html
    if kind == "decimal":
        return format(Decimal(repr(value)), "f") if isinstance(value, float) else str(escape(value))
    if kind in ("level", "role"):
        return str(escape(t(f"pg_{kind}_{value}"))) if value else ""
    return str(escape("" if value is None else value))


def table_rows(section: dict) -> Markup:
    """The <tr> rows of a list table's page on screen (its columns of kind "iri" are not shown)."""
    columns = [(key, kind) for key, _label, kind in section["columns"] if kind != "iri"]
    out = []
    for row in section["paging"]["rows"]:
        css = ' class="own-text"' if row.get("ownText") else ' class="by-context"' if "ownText" in row else ""
        cells = "".join(f'<td class="k-{kind}">{cell(row, key, kind)}</td>' for key, kind in columns)
        out.append(f"<tr{css}>{cells}</tr>")
    return Markup("\n".join(out))


def sort_url(key: str) -> str:
    """This list sorted by `key`: ascending, or descending when it is sorted ascending by it already."""
    descending = request.args.get("_sort") == key
    return _with_args([("_sort_desc" if descending else "_sort", key)], drop=("_sort", "_sort_desc"))


def sort_state(key: str) -> str | None:
    if request.args.get("_sort") == key:
        return "ascending"
    return "descending" if request.args.get("_sort_desc") == key else None


def query_url(name: str | None, **params) -> str | None:
    """The SPARQL editor with the canned query `name`, its parameters bound to this page's (the plan by
    its title, which the canned queries match as words); None when there is no such query."""
    if not name:
        return None
    from kg.store import bind_parameters
    from web.sparql import canned_query

    saved = canned_query(name)
    if saved is None:
        return None
    given = {k: str(v) for k, v in params.items() if v is not None and k in {p.name for p in saved.params}}
    return "/sparql?query=" + quote(bind_parameters(saved.sparql, saved.values(given)))


def route(blueprint, path: str, endpoint: str, view: ListView) -> None:
    """Serve `view` at `path`, and as JSON, CSV and XLSX at `path`.json, .csv, .xlsx."""

    def handler(suffix: str | None = None):
        return serve(view, suffix)

    blueprint.add_url_rule(path, endpoint, handler)
    blueprint.add_url_rule(path + ".<any(json, csv, xlsx):suffix>", endpoint, handler)


def register(app) -> None:
    app.jinja_env.globals.update(
        list_rows=table_rows,
        list_sort_url=sort_url,
        list_sort_state=sort_state,
        list_query_url=query_url,
        list_label=_label,
    )
