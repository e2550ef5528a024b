"""The pages blueprint: home, search, plan/agency lists, tasks due before a date, and every resource IRI
https://w3id.org/lantian/id/<path> served at /id/<path> — an HTML page for browsers, JSON with the same
content, the resource's RDF (Turtle, N-Triples, JSON-LD), and CSV/XLSX for list pages.

The format comes from a suffix (.json .csv .xlsx .ttl .nt .jsonld), else ?format=, else the Accept header.
`page_url(iri)` (from web.repository) is a template global for every blueprint's templates.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from urllib.parse import unquote, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, render_template, request
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from kg import reports
from kg.namespaces import bind_prefixes
from kg.store import StoreMissingError
from web import first
from web.export import request_filters, table_response, task_table
from web.graph_source import GraphTimeout, GraphUnavailable
from web.i18n import current_lang, t
from web.lists import TASK_FACETS, TASKS, ListView, Table, route
from web.lists import register as register_lists
from web.repository import ID_BASE, ROLES, Repository, iri_from_request_path, page_url
from web.search import highlight, search_extra, search_page, search_rows, with_excerpts
from web.warm_up import when_idle

bp = Blueprint("pages", __name__)

TABLE_FORMATS = ("csv", "xlsx")
RDF_FORMATS = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}
MEDIA = {
    "html": "text/html",
    "json": "application/json",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    **RDF_FORMATS,
}
SUFFIXES = tuple(f".{name}" for name in MEDIA if name != "html")
_BY_MEDIA = {media: name for name, media in MEDIA.items()}
EVIDENCE_COLOURS = {
    "leads": "#f4a261",
    "supports": "#a8dadc",
    "implements": "#b5e48c",
    "responsibleFor": "#e9c46a",
    "date": "#ffafcc",
    "target": "#cdb4db",
    "docref": "#d3d3d3",
}


def repository() -> Repository:
    return current_app.extensions["repository"]


def _warm_up(app) -> None:
    """Load spaCy and the evidence pipeline ahead of the first task page (about half a second), and read
    what a search compares its words with ahead of the first search (5 s at 6M triples)."""
    from loaders.pipeline import evidence_pipeline

    evidence_pipeline()
    try:
        app.extensions["repository"].search_tables()
    except Exception:  # noqa: BLE001 - ahead of need only: the first search reads them itself, and says why not
        pass


def network_url(iri: object) -> str:
    """The network view of a plan, task or agency IRI: /network/<kind>/<path>."""
    text = str(iri)
    return "/network/" + text[len(ID_BASE) :] if text.startswith(ID_BASE) else "#"


def switch_language_url(lang: str) -> str:
    """The current page (same path, same query) in the other language."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", lang)]
    return "?" + urlencode(args)


def download_url(suffix: str, table: str | None = None) -> str:
    """The current list page as `suffix` (csv, xlsx, json), keeping its query parameters and filters (every
    row: not only the page on screen); `table`: a report's table other than its list."""
    args = [
        (k, v)
        for k, v in request.args.items(multi=True)
        if k not in ("format", "lang", "table") and not k.startswith("page")
    ]
    return (
        request.path.rstrip("/")
        + "?"
        + urlencode([*args, ("format", suffix), *([("table", table)] if table else [])])
    )


PLAN_BASE = ID_BASE + "plan/"
PAGE_SIZE = 100  # rows a page in the HTML lists; downloads and JSON carry every row


def paged(rows: list, key: str = "page", size: int | None = PAGE_SIZE) -> dict:
    """One page of `rows` for an HTML list, by the request's ?<key>=N (from 1): {"rows", "page", "pages",
    "total", "first", "last", "key"}; `size` None: every row on one page. A national store has tens of thousands
    of agencies: a page renders 100 of them, whatever the total."""
    total = len(rows)
    size = size or max(total, 1)
    pages = max(1, -(-total // size))
    try:
        page = min(pages, max(1, int(request.args.get(key, "1"))))
    except ValueError:
        page = 1
    start = (page - 1) * size
    return page_of(rows[start : start + size], page, pages, total, size, key)


def page_of(rows: list, page: int, pages: int, total: int, size: int, key: str) -> dict:
    """Page `page` of `pages` (of `size` rows) of a list of `total` rows, holding `rows`, as `paged` gives it."""
    start = (page - 1) * size
    return {
        "rows": rows,
        "page": page,
        "pages": pages,
        "total": total,
        "first": start + 1 if total else 0,
        "last": min(total, start + size),
        "key": key,
    }


def plan_options(plans: list[dict], selected: str | None, by_page: bool = False) -> Markup:
    """The <option> tags of a plan <select>: rendered once per store generation and list (a national store
    has over a thousand loaded plans: a Jinja loop over them on every request costs more than the page),
    then the selected plan marked. Values are plan IRIs, or explorer paths when `by_page`; labels are titles
    (with the 文号 when `by_page`, as the compare form shows them). Two plans of one title (the 工作方案 of
    two counties of one name) are told apart by their places after the title: …方案（南京市鼓楼区）."""

    def render() -> tuple[str, dict[str, str]]:
        tags, values = [], {}
        shared = {title for title, n in Counter(plan["title"] for plan in plans).items() if n > 1}
        for plan in plans:
            value = page_url(plan["plan"]) if by_page else plan["plan"]
            label = plan["title"] + (f" {plan['docNumber']}" if by_page and plan.get("docNumber") else "")
            place, _, doc = plan["plan"].removeprefix(PLAN_BASE).partition("/")  # key: place/文号, or title
            if plan["title"] in shared and doc:
                label += f"（{unquote(place)}）"
            values[plan["plan"]] = f'<option value="{escape(value)}">'
            tags.append(f"{values[plan['plan']]}{escape(label)}</option>")
        return "".join(tags), values

    key = ("plan-options", by_page, tuple(plan["plan"] for plan in plans))
    html, values = repository().cached(key, render)
    if selected in values:
        html = html.replace(values[selected], values[selected][:-1] + " selected>", 1)
    return Markup(html)


def page_link(key: str, page: int) -> str:
    """The current page with ?<key>=page, its other parameters kept."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != key] + [(key, str(page))]
    return request.path + "?" + urlencode(args)


@bp.record_once
def _register_globals(state) -> None:
    when_idle(state.app, "warm-up", lambda: _warm_up(state.app))
    state.app.jinja_env.globals.update(
        page_url=page_url,
        network_url=network_url,
        switch_language_url=switch_language_url,
        download_url=download_url,
        page_link=page_link,
        plan_options=plan_options,
        highlight=highlight,
        role_label=lambda role: t(f"pg_role_{role}"),
        level_label=lambda level: t(f"pg_level_{level}") if level else "",
        ROLES=ROLES,
        list_plans=lambda: first.loaded_plans(repository()),
    )
    register_lists(state.app)


@bp.app_errorhandler(StoreMissingError)
def _no_store(error: StoreMissingError):
    return render_template("message.html", title=t("pg_no_store"), message=str(error)), 503


@bp.app_errorhandler(HTTPException)
def _http_error(error: HTTPException):
    """A refused request (bad parameter, unknown page …) as a page of the site, in the user's language."""
    if error.code is None or error.code >= 500 or request.endpoint == "sparql.endpoint":
        return error
    key = f"pg_error_{error.code}"
    title = t(key) if key != t(key) else f"{error.code} {error.name}"
    message = error.description
    if message == type(error).description:  # werkzeug's own English text: say it in the reader's language
        message = t("pg_error_default_404") if error.code == 404 else t("pg_error_default", code=error.code)
    return render_template("message.html", title=title, message=message, code=error.code), error.code


@bp.app_errorhandler(GraphUnavailable)
def _no_graph(error: GraphUnavailable):
    """The remote SPARQL server failed (unreachable, refused, too slow): a page naming it, 502 or 504."""
    status = 504 if isinstance(error, GraphTimeout) else 502
    return render_template("message.html", title=t("pg_no_graph"), message=str(error)), status


# --- choosing and writing a format -------------------------------------------------------------------


def wanted_format(suffix: str | None = None, allowed: tuple[str, ...] = ("html", "json")) -> str:
    """The response format: the path suffix, else ?format=, else the best of the Accept header."""
    name = suffix or request.args.get("format")
    if name:
        name = name.lower().lstrip(".")
        name = {"turtle": "ttl", "n-triples": "nt", "json-ld": "jsonld"}.get(name, name)
        if name not in allowed:
            abort(406)
        return name
    offered = [MEDIA[name] for name in allowed]
    best = request.accept_mimetypes.best_match(offered, default=MEDIA["html"])
    if best == "application/json" and request.accept_mimetypes["text/html"] >= request.accept_mimetypes[best]:
        best = MEDIA["html"]  # a browser's */* must not turn pages into JSON
    return _BY_MEDIA.get(best, "html")


def json_response(data) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=1, default=str)
    return Response(body, mimetype="application/json")


def rdf_response(iri: str, fmt: str) -> Response:
    triples = repository().describe(iri)
    if fmt == "nt":
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        return Response(body, mimetype=RDF_FORMATS[fmt])
    from rdflib import Graph

    graph = bind_prefixes(Graph())
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    body = graph.serialize(format="turtle" if fmt == "ttl" else "json-ld")
    return Response(body, mimetype=RDF_FORMATS[fmt])


def _split_suffix(text: str, allowed) -> tuple[str, str | None]:
    for suffix in allowed:
        if text.endswith(f".{suffix}"):
            return text[: -len(suffix) - 1], suffix
    return text, None


# --- home, search, lists -----------------------------------------------------------------------------


@bp.route("/")
def home():
    repo = repository()
    stats = repo.stats()

    def plan_gaps() -> list[dict]:
        counts = repo.plan_gap_counts()
        return [
            {"plan": plan["plan"], "title": plan["title"], "tasks": plan["tasks"]}
            | {gap: counts[gap].get(plan["plan"], 0) for gap in ("no_lead", "no_deadline", "skipped")}
            for plan in repo.plans()
            if plan["loaded"]
        ]

    data = {"stats": stats, "gaps": repo.cached("home-gaps", plan_gaps)}
    if wanted_format() == "json":
        return json_response(data)
    return render_template("home.html", today=date.today().isoformat(), stats=stats, gaps=paged(data["gaps"]))


LISTS = {
    "search": ListView(
        name="search",
        source=search_rows,
        params=lambda messages: {"q": request.args.get("q", "").strip()},
        title=lambda p: t("pg_search_results", q=p["q"]),
        facets=TASK_FACETS,
        template="search.html",
        decorate=with_excerpts,
        tables=(
            Table(
                "tasks",
                (
                    ("planTitle", "plan", "plan"),
                    ("jurisdictionLabel", "jurisdiction", "text"),
                    ("section", "section", "task"),
                    ("leads", "col_leads", "agencies"),
                    ("deadlines", "due_date", "deadlines"),
                    ("excerpt", "col_text", "marked"),
                    ("task", "col_iri", "iri"),
                ),
                lambda a: f"{t('pg_tasks')} ({a.total()})",
                export=(
                    ("matchedAgencies", "search_matched_agencies", "agencies"),
                    ("task", "col_iri", "iri"),
                ),
                css="search-results",
                page=search_page,
            ),
        ),
        extra=lambda a: search_extra(a.params),
        page_extra=search_extra,
    ),
    "plans": ListView(
        name="plans",
        source=lambda p: repository().plans(),
        title=lambda p: t("pg_plans"),
        facets=("level", "place"),
        page_size=PAGE_SIZE,
        tables=(
            Table(
                "plans",
                (
                    ("title", "col_title", "plan"),
                    ("docNumber", "doc_number", "text"),
                    ("level", "level", "level"),
                    ("jurisdictionLabel", "jurisdiction", "jurisdiction"),
                    ("issued", "issued", "text"),
                    ("tasks", "col_tasks", "number"),
                    ("sourceFile", "source_file", "iri"),
                    ("plan", "col_iri", "iri"),
                ),
                lambda a: f"{t('pg_plans')} ({a.total()})",
            ),
        ),
    ),
    "agencies": ListView(
        name="agencies",
        source=lambda p: [
            dict(a, changed=a["agency"] in repository().succession()) for a in repository().agencies()
        ],
        title=lambda p: t("pg_agencies"),
        facets=("place", "lead_gone"),
        page_size=PAGE_SIZE,
        tables=(
            Table(
                "agencies",
                (
                    ("label", "col_name", "agency"),
                    ("jurisdictionLabel", "jurisdiction", "jurisdiction"),
                    ("aliases", "aliases", "text"),
                    ("leads", "col_leads", "number"),
                    ("tasks", "col_tasks", "number"),
                    ("agency", "col_iri", "iri"),
                ),
                lambda a: f"{t('pg_agencies')} ({a.total()})",
                page=first.agencies,
            ),
        ),
    ),
    "due": ListView(
        name="due-before",
        source=lambda p: reports.overdue(repository(), p["before"]),
        params=lambda messages: {"before": _date_arg("before") or date.today().isoformat()},
        title=lambda p: t("pg_due_title", date=p["before"]),
        facets=TASK_FACETS,
        fields=("before", "plan"),
        page_size=PAGE_SIZE,
        tables=(
            Table(
                "tasks",
                (TASKS[0], *TASKS[3:6], *TASKS[7:]),
                lambda a: t("pg_due_count", n=a.total()),
                page=first.due_before,
                bulk=True,
            ),
        ),
    ),
}


for _name, _path in (("search", "/search"), ("plans", "/plans"), ("agencies", "/agencies"), ("due", "/due")):
    route(bp, _path, _name, LISTS[_name])


def _date_arg(name: str) -> str | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        abort(400, description=t("pg_bad_date", value=value))


def iri_arg(name: str) -> str | None:
    """A query parameter naming a resource, as its IRI: a full IRI, an /id/ path, or the part after id/.
    One that makes no valid IRI (spaces, <>, {} …) is a 400 naming the parameter."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if value.startswith("/id/"):
        iri = iri_from_request_path(value[4:])
    elif value.startswith(("http://", "https://")):
        iri = value
    else:
        iri = iri_from_request_path(value)
    try:
        ox.NamedNode(iri)
    except ValueError:
        abort(400, description=t("pg_bad_iri", name=name, value=value))
    return iri


# --- /id/ resources ----------------------------------------------------------------------------------


def _raw_id_path(path: str) -> str:
    """The request's path after /id/ as the client sent it (percent-escapes intact), so an escaped "/"
    (%2F) inside a name stays distinct from a separator."""
    raw = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI")
    if raw:
        raw = raw.split("?", 1)[0]
        try:
            raw = raw.encode("latin-1").decode("utf-8")
        except UnicodeError:
            pass
        if "/id/" in raw:
            return raw.split("/id/", 1)[1]
    return path  # decoded by the server: an escaped "/" can no longer be told apart


def _resolve(path: str) -> tuple[str, str, str | None]:
    """The IRI, its kind and the format suffix for /id/<path>."""
    repo = repository()
    raw = _raw_id_path(path)
    iri = iri_from_request_path(raw)
    kind = repo.kind(iri)
    if kind is None:
        stem, suffix = _split_suffix(raw, [s[1:] for s in SUFFIXES])
        if suffix:
            iri = iri_from_request_path(stem)
            kind = repo.kind(iri)
            if kind is not None:
                return iri, kind, suffix
        abort(404, description=t("pg_not_found_iri", iri=iri))
    return iri, kind, None


@bp.route("/id/<path:path>")
def resource(path: str):
    sub = _plan_subpage(path)
    if sub is not None:
        return sub
    iri, kind, suffix = _resolve(path)
    repo = repository()
    has_table = kind in ("plan", "agency", "task")
    allowed = ("html", "json", *RDF_FORMATS, *(TABLE_FORMATS if has_table else ()))
    fmt = wanted_format(suffix, allowed)
    if fmt in RDF_FORMATS:
        return rdf_response(iri, fmt)
    if kind == "plan":
        return _plan_page(iri, fmt)
    if kind == "task":
        return _task_page(iri, fmt)
    if kind == "agency":
        return _agency_page(iri, fmt)
    if kind == "jurisdiction":
        data = repo.jurisdiction(iri)
        return json_response(data) if fmt == "json" else render_template("jurisdiction.html", j=data)
    data = repo.resource(iri)
    if data is None:
        abort(404)
    return json_response(data) if fmt == "json" else render_template("resource.html", r=data, kind=kind)


def _plan_subpage(path: str):
    """/id/plan/…/text (the plan's text view) and /id/plan/…/source (its file), or None for any other path."""
    from web import plan_text

    raw = _raw_id_path(path)
    stem, _, last = raw.rpartition("/")
    if last not in ("text", "source") or not stem.startswith("plan/"):
        return None
    iri = iri_from_request_path(stem)
    if repository().kind(iri) != "plan" or repository().kind(iri_from_request_path(raw)) is not None:
        return None
    return plan_text.text_view(iri) if last == "text" else plan_text.source_download(iri)


def _plan_page(iri: str, fmt: str):
    from web.plan_text import decorate_plan, source_file

    repo = repository()
    # decorated once per store generation (the outline's heading titles parse the plan's whole text)
    plan = repo.cached(("plan-page", iri), lambda: decorate_plan(repo.plan(iri)))
    plan = dict(plan, sourceAvailable=source_file(iri) is not None)  # the file may go while the store stays
    coverage = repository().plan_coverages(iri)
    if fmt == "json":
        return json_response(dict(plan, coverage=coverage))
    if fmt in TABLE_FORMATS:
        rows = [{"task": x["task"]} for x in plan["tasks"]]
        return task_table("plan-tasks", fmt, [], rows, filters={t("pg_filter_plan"): plan["title"]})
    return render_template("plan.html", plan=plan, coverage=coverage)


def _task_page(iri: str, fmt: str):
    from web.compare import task_comparisons
    from web.plan_text import decorate_task

    repo = repository()
    task = repo.cached(("task-page", iri), lambda: decorate_task(repo.task(iri)))
    links = task_comparisons(iri)
    if fmt == "json":
        return json_response(dict(task, links=links))
    if fmt in TABLE_FORMATS:
        columns = [
            ("roleLabel", "col_role"),
            ("label", "agency"),
            ("surfaceForm", "surface_form"),
            ("start", "col_start"),
            ("end", "col_end"),
            ("agency", "col_iri"),
        ]
        columns.insert(2, ("nowLabel", "cmp_col_now"))
        rows = [
            dict(a, roleLabel=t("pg_role_" + a["role"]), nowLabel=(a.get("now") or {}).get("label"))
            for a in task["attributions"]
        ]
        return table_response("task-agencies", fmt, columns, rows)
    return render_template("task.html", task=task, evidence=evidence_html(task), links=links)


def _agency_page(iri: str, fmt: str):
    repo = repository()
    agency = repo.agency(iri)
    plan = iri_arg("plan")
    before = _date_arg("before")
    tasks = repo.agency_tasks(iri, plan, before)
    inherited = repo.agency_tasks(iri, plan, before, inherited=True)
    if fmt == "json":
        return json_response(
            dict(agency, tasks=tasks, inherited=inherited, filters={"plan": plan, "before": before})
        )
    if fmt in TABLE_FORMATS:
        columns = [("roleLabel", "col_role", "text"), ("fromLabel", "cmp_col_inherited_from", "text")]
        rows = [
            {"task": x["task"], "roleLabel": t("pg_role_" + x["role"]), "fromLabel": x.get("fromLabel")}
            for x in tasks + inherited
        ]
        filters = {t("pg_filter_agency"): agency["label"]} | request_filters()
        return task_table("agency-tasks", fmt, columns, rows, filters=filters)
    grouped = {role: [x for x in tasks if x["role"] == role] for role in ROLES}
    agency_plans = sorted(
        {(x["plan"], x["planTitle"]) for x in agency["tasks"] + agency["inherited"]}, key=lambda p: p[1]
    )
    return render_template(
        "agency.html",
        agency=agency,
        grouped=grouped,
        plan=plan,
        before=before,
        plans=agency_plans,
        shown=len(tasks),
        inherited=inherited,
    )


# --- the task's evidence with displaCy ---------------------------------------------------------------


def _evidence_spans(task: dict) -> list[dict]:
    """The stored spans (agencies by role, deadlines, targets) that fall inside the task's text, in the
    text's own offsets, plus the documents it cites (found by re-running the evidence pipeline)."""
    text, base = task["text"], task["start"] or 0
    spans = []

    def add(start, end, kind, label, url=None):
        if start is None or end is None:
            return
        s, e = start - base, end - base
        if 0 <= s < e <= len(text):
            spans.append({"start": s, "end": e, "kind": kind, "label": label, "url": url})

    for a in task["attributions"]:
        add(a["start"], a["end"], a["role"], t("pg_role_" + a["role"]), page_url(a["agency"]))
    for d in task["deadlines"]:
        add(d["start"], d["end"], "date", t("pg_evidence_date"))
    for x in task["targets"]:
        add(x["start"], x["end"], "target", t("pg_evidence_target"))
    from loaders.pipeline import annotate, records

    for ref in records(annotate(text), "DOCREF"):
        spans.append(
            {
                "start": ref.start,
                "end": ref.end,
                "kind": "docref",
                "label": t("pg_evidence_docref"),
                "url": None,
            }
        )
    spans.sort(key=lambda s: (s["start"], -(s["end"] - s["start"])))
    kept, last_end = [], 0
    for span in spans:  # displaCy's entity style takes no overlaps: the first, longest span wins
        if span["start"] >= last_end:
            kept.append(span)
            last_end = span["end"]
    return kept


def evidence_html(task: dict) -> Markup:
    """The task's text with its evidence highlighted by displaCy (entity style, manual spans).

    displaCy escapes the text (checked by tests with a <script> plan); the only markup it adds is its own
    and the links, whose URLs are escaped here."""

    def compute():
        from spacy import displacy

        spans = _evidence_spans(task)
        colours = {}
        ents = []
        for span in spans:
            colours[span["label"].upper()] = EVIDENCE_COLOURS[span["kind"]]
            ent = {"start": span["start"], "end": span["end"], "label": span["label"]}
            if span["url"]:
                ent.update(kb_id="↗", kb_url=str(escape(span["url"])))
            ents.append(ent)
        html = displacy.render(
            {"text": task["text"], "ents": ents, "title": None},
            style="ent",
            manual=True,
            jupyter=False,
            options={"colors": colours},
        )
        return {"html": html, "shown": len(spans)}

    result = repository().cached(("evidence", task["task"], current_lang()), compute)
    return Markup(result["html"])
