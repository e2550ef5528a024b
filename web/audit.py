"""The audit blueprint: an auditor's reports over the whole graph, each a declaration on the one list view
(web.lists: page zh first, ?lang=en, JSON, CSV, XLSX, facets, sort, paging) over a computation of kg.reports,
and each answerable by a canned query in queries/.

- /audit/overdue    tasks whose due date is before "as of" (default today), by agency and by jurisdiction
- /audit/due-soon   tasks due within N days (default 90) from "as of"
- /audit/lead-gone  overdue tasks whose lead the reform replaced, with the unit that holds the duty now
- /audit/gaps       tasks with no lead, tasks held only by collectives (lt:AgencyGroup), collectives' roles
- /audit/brokers    degree and betweenness centrality on the agency–task network, per plan or corpus-wide
- /audit/timeline   a deadline chart per plan or per agency (matplotlib SVG, rendered here, no CDN)
"""

from __future__ import annotations

import io
import re
import threading
import warnings
from datetime import date, timedelta
from functools import lru_cache

from flask import Blueprint, Response, abort, render_template, request

from kg import reports
from kg.reports import positional, shorten
from loaders.tables import display_width
from web import first
from web.i18n import current_lang, t
from web.lists import TASK_FACETS, TASKS, ListView, Table, options, repository, resolve, route
from web.pages import _date_arg, json_response, wanted_format
from web.warm_up import when_idle

bp = Blueprint("audit", __name__, url_prefix="/audit")

SUFFIX = "<any(json, csv, xlsx):suffix>"
DEFAULT_DAYS = 90
MAX_DAYS = 36600
TIMELINE_ROWS = 80  # tasks drawn at most in one chart
CHART_WIDTH = 10  # inches
FONT_SIZE = 9  # points
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
)
_RENDER_LOCK = threading.Lock()  # matplotlib's font cache and text layout are not thread-safe


# --- request arguments -------------------------------------------------------------------------------


def _as_of() -> str:
    return _date_arg("as_of") or date.today().isoformat()


def _days() -> int:
    value = request.args.get("days", "").strip()
    if not value:
        return DEFAULT_DAYS
    # ASCII digits, few of them: "²" passes str.isdigit() but not int(), nor do 5000 digits (a 500)
    if not (value.isascii() and value.isdigit()) or len(value) > 9 or not 0 <= int(value) <= MAX_DAYS:
        abort(400, description=t("au_bad_days", value=value))
    return int(value)


def _one(name: str, messages: list) -> str | None:
    """A plan or agency the report is of (not a filter): the one its ?name= names, else None (and a message)."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    found = resolve(name, value, messages)
    known = {iri for iri, _names in options(name)}
    if name == "agency" and not (len(found) == 1 and found[0] in known):
        abort(404, description=t("pg_not_found_iri", iri=value))
    return found[0] if found[0] in known else None


def _plan_title(plan: str | None) -> str | None:
    return next((p["title"] for p in _plans() if p["plan"] == plan), None) if plan else None


def _plans() -> list[dict]:
    """The plans with tasks, by title (then IRI), from the plan list (not from every task: web.first)."""
    return first.loaded_plans(repository())


# --- the reports: (key, i18n label without "pg_", how the page shows it) -----------------------------

AGENCY_SUMMARY = (
    ("label", "au_lead", "agency"),
    ("heldNowBy", "au_held_now", "agencies"),
    ("tasks", "col_tasks", "number"),
    ("deadlines", "au_deadlines", "number"),
    ("first", "au_first_due", "date"),
    ("agency", "col_iri", "iri"),
)
JURISDICTION_SUMMARY = (
    ("jurisdictionLabel", "jurisdiction", "jurisdiction"),
    ("tasks", "col_tasks", "number"),
    ("deadlines", "au_deadlines", "number"),
    ("noLead", "au_no_lead_count", "number"),
    ("first", "au_first_due", "date"),
    ("jurisdiction", "col_iri", "iri"),
)
LEAD_GONE_COLUMNS = (
    *TASKS[:5],
    ("lead", "au_original_lead", "agencies"),
    ("reformYear", "au_reform_year", "number"),
    *TASKS[6:],
)
GAP_COLUMNS = (
    *TASKS[2:5],
    ("others", "au_other_accountable", "agencies"),
    ("firstDue", "au_first_due", "date"),
    *TASKS[7:],
)
COLLECTIVE_ONLY_COLUMNS = (*TASKS[2:5], ("collectives", "au_collectives", "agencies"), *GAP_COLUMNS[4:])
COLLECTIVE_COLUMNS = (
    ("label", "au_collective", "agency"),
    ("jurisdictionLabel", "jurisdiction", "text"),
    ("leads", "role_leads", "number"),
    ("supports", "role_supports", "number"),
    ("implements", "role_implements", "number"),
    ("responsibleFor", "role_responsibleFor", "number"),
    ("alone", "au_only_accountable", "number"),
    ("agency", "col_iri", "iri"),
)
BROKER_COLUMNS = (
    ("degreeRank", "au_rank", "number"),
    ("label", "agency", "agency"),
    ("jurisdictionLabel", "jurisdiction", "text"),
    ("degree", "au_degree", "number"),
    ("leads", "au_leads_count", "number"),
    ("betweenness", "au_betweenness", "decimal"),
    ("betweennessRank", "au_betweenness_rank", "number"),
    ("heldNowBy", "au_held_now", "agencies"),
    ("agency", "col_iri", "iri"),
)
TIMELINE_COLUMNS = (*TASKS[:2], *TASKS[3:5], ("role", "col_role", "role"), *TASKS[5:])


def _due_soon_note(found) -> str | None:
    """Why the due-soon list is empty: the next deadline after the window, else the latest before it."""
    if found.total():
        return None
    as_of, days = found.params["as_of"], found.params["days"]
    if found.partial:  # a first page: the nearest deadlines by the national order of deadlines
        nearest = first.nearest_outside(as_of, days)
    else:
        every = reports.keep(reports.timeline(repository()), {k: set(v) for k, v in found.selected.items()})
        nearest = reports.nearest_outside(every, as_of, days)
    if nearest is None:
        return t("au_due_soon_empty_none", as_of=as_of, days=days)
    if nearest[0] == "next":
        return t("au_due_soon_empty_next", as_of=as_of, days=days, next=nearest[1])
    return t("au_due_soon_empty_latest", as_of=as_of, days=days, latest=nearest[1])


def _broker_note(found) -> str:
    broker = found.extra["broker"]
    note = (
        t("au_broker_is", name=broker["label"], value=positional(broker["betweenness"]))
        if broker
        else t("au_no_broker")
    )
    if found.extra.get("betweennessSampledSources"):
        sampled = found.extra["betweennessSampledComponents"]
        note += " " + t("au_betweenness_sampled", k=found.extra["betweennessSampledSources"])
        note += " " + t("au_betweenness_sampled_where", components=len(sampled), nodes=sum(sampled))
    return note


def _brokers_params(messages: list) -> dict:
    return {"plan": _one("plan", messages), "groups": request.args.get("groups") in ("1", "true", "on")}


def _timeline_params(messages: list) -> dict:
    return {"plan": _one("plan", messages), "agency": _one("agency", messages), "as_of": _as_of()}


def _timeline_title(params: dict) -> str:
    if params["agency"]:
        return t("au_timeline_of", name=repository().label(params["agency"]))
    if params["plan"]:
        return t("au_timeline_of", name=_plan_title(params["plan"]) or repository().label(params["plan"]))
    return t("au_timeline_all")


REPORTS = {
    "overdue": ListView(
        name="overdue",
        source=lambda p: reports.overdue(repository(), p["as_of"]),
        params=lambda messages: {"as_of": _as_of()},
        title=lambda p: t("au_overdue_title", as_of=p["as_of"]),
        intro="au_overdue_intro",
        facets=TASK_FACETS,
        fields=("as_of", "plan"),
        query="overdue",
        main="tasks",
        tables=(
            Table(
                "by_agency",
                AGENCY_SUMMARY,
                lambda a: t("au_by_agency"),
                rows=lambda rows, p: reports.by_agency(repository(), rows),
                name="agency",
                note=lambda a: t("au_by_agency_note", n=a.extra["no_lead"]),
                download="overdue-by-agency",
            ),
            Table(
                "by_jurisdiction",
                JURISDICTION_SUMMARY,
                lambda a: t("au_by_jurisdiction"),
                rows=lambda rows, p: reports.by_jurisdiction(rows),
                name="jurisdiction",
                download="overdue-by-jurisdiction",
            ),
            Table(
                "tasks", TASKS, lambda a: t("au_overdue_tasks", n=a.total()), page=first.overdue, bulk=True
            ),
        ),
        extra=lambda a: {"no_lead": sum(1 for r in a.rows if not r["leads"])},
    ),
    "due-soon": ListView(
        name="due-soon",
        source=lambda p: reports.due_soon(repository(), p["as_of"], p["days"]),
        params=lambda messages: {"as_of": _as_of(), "days": _days()},
        title=lambda p: t("au_due_soon_title", as_of=p["as_of"], days=p["days"]),
        intro="au_due_soon_intro",
        facets=TASK_FACETS,
        fields=("as_of", "days", "plan"),
        query="due-soon",
        tables=(
            Table(
                "tasks",
                TASKS,
                lambda a: t("au_due_soon_tasks", n=a.total(), until=a.extra["until"]),
                note=_due_soon_note,
                page=first.due_soon,
                bulk=True,
                static_note=True,  # of the parameters alone on a first page
            ),
        ),
        extra=lambda a: {"until": reports.until(a.params["as_of"], a.params["days"])},
        page_extra=lambda p: {"until": reports.until(p["as_of"], p["days"])},
    ),
    "lead-gone": ListView(
        name="lead-gone",
        source=lambda p: reports.lead_gone(repository(), p["as_of"]),
        params=lambda messages: {"as_of": _as_of()},
        title=lambda p: t("au_lead_gone_title", as_of=p["as_of"]),
        intro="au_lead_gone_intro",
        facets=TASK_FACETS,
        fields=("as_of", "plan"),
        query="overdue-lead-gone",
        tables=(
            Table(
                "tasks",
                LEAD_GONE_COLUMNS,
                lambda a: t("au_lead_gone_tasks", n=a.total()),
                page=first.lead_gone,
                bulk=True,
            ),
        ),
    ),
    "gaps": ListView(
        name="gaps",
        source=lambda p: reports.tasks(repository()),
        title=lambda p: t("au_gaps_title"),
        intro="au_gaps_intro",
        facets=("plan", "place", "level", "year"),
        fields=("plan",),
        tables=(
            Table(
                "no_lead",
                GAP_COLUMNS,
                lambda a: t("au_no_lead_tasks", n=a.total("no_lead")),
                rows=lambda rows, p: [r for r in rows if not r["leads"]],
                query="gaps-no-lead",
                download="no-lead",
                page=first.no_lead,
                bulk=True,
            ),
            Table(
                "collective_only",
                COLLECTIVE_ONLY_COLUMNS,
                lambda a: t("au_collective_only_tasks", n=a.total("collective_only")),
                rows=lambda rows, p: [r for r in rows if r["collectiveOnly"]],
                note=lambda a: t("au_collective_only_note"),
                query="gaps-collective-only",
                download="collective-only",
                page=first.collective_only,
                bulk=True,
                static_note=True,
            ),
            Table(
                "collectives",
                COLLECTIVE_COLUMNS,
                lambda a: t("au_collectives_title"),
                rows=lambda rows, p: reports.collectives(repository(), rows),
                note=lambda a: t("au_collective_leads_note", n=len(a.extra["collective_leads"])),
                query="collective-leads",
            ),
        ),
        extra=lambda a: {"collective_leads": [x for x in a.tables["collectives"] if x["leads"]]},
    ),
    "brokers": ListView(
        name="brokers",
        source=lambda p: reports.brokers(repository(), p["plan"], p["groups"])["agencies"],
        params=_brokers_params,
        title=lambda p: (
            t("au_brokers_title_plan", plan=_plan_title(p["plan"])) if p["plan"] else t("au_brokers_title")
        ),
        intro="au_brokers_intro",
        facets=("place", "lead_gone"),
        fields=("plan", "groups"),
        query="agency-load",
        tables=(
            Table(
                "agencies",
                BROKER_COLUMNS,
                lambda a: (
                    t("au_brokers_table_first", n=a.total())
                    if a.partial
                    else t("au_brokers_table", n=a.total(), tasks=a.extra["tasks"])
                ),
                note=_broker_note,
                page=first.brokers,
            ),
        ),
        extra=lambda a: {
            k: v
            for k, v in reports.brokers(repository(), a.params["plan"], a.params["groups"]).items()
            if k != "agencies"
        },
    ),
    "timeline": ListView(
        name="timeline",
        source=lambda p: reports.timeline(repository(), p["plan"], p["agency"]),
        params=_timeline_params,
        title=_timeline_title,
        intro="au_timeline_intro",
        facets=("place", "level", "role", "year", "has_lead", "lead_gone"),
        query="deadline-timeline",
        template="audit_timeline.html",
        tables=(
            Table(
                "tasks",
                lambda p: (
                    TIMELINE_COLUMNS if p["agency"] else tuple(c for c in TIMELINE_COLUMNS if c[0] != "role")
                ),
                lambda a: t("au_timeline_table", n=a.total()),
                name="deadlines",
                download="deadlines",
                page=first.timeline,
            ),
        ),
    ),
}


for _name, _view in REPORTS.items():
    route(bp, f"/{_name}", f"{_name.replace('-', '_')}_page", _view)


@bp.route("/")
def index():
    as_of = _as_of()
    figures = first.report_totals(as_of, DEFAULT_DAYS)  # the lists' lengths, without reading every task
    if wanted_format() == "json":
        return json_response({"as_of": as_of, "figures": figures})
    return render_template("audit.html", as_of=as_of, figures=figures, plans=_plans(), days=DEFAULT_DAYS)


@bp.route("/timeline.svg")
def timeline_chart():
    params = _timeline_params([])
    body = timeline_svg(
        params["plan"], params["agency"], _timeline_title(params), params["as_of"], current_lang()
    )
    response = Response(body, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _warm_up() -> None:
    """Import matplotlib and read the font list ahead of the first chart (about half a second)."""
    with _RENDER_LOCK:
        cjk_font()


@bp.record_once
def _register_globals(state) -> None:
    state.app.jinja_env.globals.update(
        timeline_agencies=lambda: reports.timeline_agencies(repository()),
        audit_plan_title=_plan_title,
    )
    when_idle(state.app, "warm-matplotlib", _warm_up)


# --- the chart ---------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first CJK font family installed on this system (None: labels fall back to the default font,
    and the browser draws the Chinese with its own fonts since the SVG keeps text as text)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def timeline_svg(plan: str | None, agency: str | None, title: str, as_of: str, lang: str) -> bytes:
    """The deadlines of the plan's or agency's tasks (all plans' without either) as an SVG chart: one row per
    task (section and heading), a dot per due date, filled when the date is before `as_of`; year ticks on the
    time axis. Text stays text (escaped)."""
    repo = repository()
    key = ("audit", "timeline.svg", plan, agency, title, as_of, lang)
    if plan is None and agency is None and repo.peek(("report", "base")) is None:
        # every plan's chart, nothing read yet: its first tasks only (web.first), not every task
        def compute():
            rows, total = first.timeline_chart_rows(TIMELINE_ROWS)
            return _render_timeline(rows, True, title, as_of, total)

        return repo.cached(key, compute)
    rows = reports.timeline(repo, plan, agency)
    return repo.cached(key, lambda: _render_timeline(rows, agency is not None or plan is None, title, as_of))


def _render_timeline(
    rows: list[dict], with_plan: bool, title: str, as_of: str, total: int | None = None
) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    tasks: dict[str, dict] = {}
    for row in rows:
        item = tasks.setdefault(row["task"], {"row": row, "dues": []})
        item["dues"].append(date.fromisoformat(row["due"]))
    # in the national order of their first deadlines (the order of the deadlines the build states: by date,
    # place, task), so the first tasks drawn are those web.first reads a page at a time
    items = sorted(
        tasks.values(), key=lambda x: (min(x["dues"]), x["row"]["jurisdictionLabel"] or "", x["row"]["task"])
    )
    shown = items[:TIMELINE_ROWS]
    font = cjk_font()
    families = ([font] if font else []) + ["DejaVu Sans", "sans-serif"]
    settings = {
        "svg.fonttype": "none",  # text as <text> (escaped by matplotlib), drawn by the browser's fonts
        "svg.hashsalt": "lantian-timeline",  # stable ids: the same data gives the same SVG
        "font.family": families,
        "font.size": FONT_SIZE,
        "text.parse_math": False,  # plan text with "$" is text, not mathtext
        "axes.unicode_minus": False,
    }
    limit = date.fromisoformat(as_of)
    with _RENDER_LOCK, rc_context(settings), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Glyph … missing from font" when no CJK font is installed
        height = 1.4 + 0.26 * max(len(shown), 1)
        fig = Figure(figsize=(CHART_WIDTH, height))
        labels = [_svg_text(_chart_label(item["row"], with_plan)) for item in shown]
        # margins from the labels' widths (a constrained layout measured every label twice: 60 % of the drawing)
        left = (max(map(display_width, labels), default=0) * FONT_SIZE / 2 + 24) / 72 / CHART_WIDTH
        fig.subplots_adjust(left=min(left, 0.6), right=0.98, top=1 - 0.4 / height, bottom=0.55 / height)
        ax = fig.add_subplot()
        for y, item in enumerate(shown):
            passed = [d for d in item["dues"] if d < limit]
            ahead = [d for d in item["dues"] if d >= limit]
            if len(item["dues"]) > 1:
                ax.plot(
                    [min(item["dues"]), max(item["dues"])], [y, y], color="#bbbbbb", linewidth=1, zorder=1
                )
            if passed:
                ax.scatter(passed, [y] * len(passed), s=28, color="#c0392b", zorder=2)
            if ahead:
                ax.scatter(ahead, [y] * len(ahead), s=28, facecolors="white", edgecolors="#2c7fb8", zorder=2)
        ax.set_yticks(range(len(shown)), labels=labels)
        ax.set_ylim(len(shown) - 0.5, -0.5)
        # year boundaries as grid lines, the year's name in the middle of its band (a 2018-12-31 deadline
        # sits at the end of the 2018 band, not on a "2019" tick)
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter(""))
        ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=7, bymonthday=1))
        ax.xaxis.set_minor_formatter(mdates.DateFormatter("%Y"))
        ax.tick_params(axis="x", which="minor", length=0)
        every = [d for item in shown for d in item["dues"]]
        if every:
            low, high = min(every), max(every)
            ax.set_xlim(
                date(low.year, 1, 1) - timedelta(days=20), date(high.year, 12, 31) + timedelta(days=20)
            )
            if low - timedelta(days=400) <= limit <= high + timedelta(days=400):
                ax.axvline(limit, color="#555555", linestyle="--", linewidth=1)
                ax.set_xlim(
                    min(ax.get_xlim()[0], mdates.date2num(limit) - 20),
                    max(ax.get_xlim()[1], mdates.date2num(limit) + 20),
                )
        ax.grid(axis="x", which="major", color="#dddddd")
        ax.set_title(_svg_text(title), loc="left", fontsize=10)
        caption = t("au_chart_caption", as_of=as_of)
        if (total or len(items)) > len(shown):
            caption += " " + t("au_chart_truncated", shown=len(shown), total=total or len(items))
        ax.set_xlabel(caption, fontsize=8, color="#555555")
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


# characters XML cannot hold: a name of a store built before the build replaced them (a stray ESC) made the
# chart no SVG at all (the browser drew nothing)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _svg_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _chart_label(row: dict, with_plan: bool) -> str:
    label = f"{row['section']} {row['heading'] or row['excerpt']}"
    label = shorten(label, 26)
    if with_plan:
        label = f"{shorten(row['planTitle'], 6)} · {label}"
    return label
