"""The audit blueprint: an auditor's reports over the whole graph, each a page (zh first, ?lang=en), JSON,
CSV and XLSX, and each answerable by a canned query in queries/.

- /audit/overdue    tasks whose due date is before "as of" (default today), by agency and by jurisdiction
- /audit/due-soon   tasks due within N days (default 90) from "as of"
- /audit/lead-gone  overdue tasks whose lead the reform replaced, with the unit that holds the duty now
- /audit/gaps       tasks with no lead, tasks held only by collectives (lt:AgencyGroup), collectives' roles
- /audit/brokers    degree and betweenness centrality on the agency–task network, per plan or corpus-wide
- /audit/timeline   a deadline chart per plan or per agency (matplotlib SVG, rendered here, no CDN)

The graph records what plans require, not what was done: "overdue" means the due date has passed.
The base rows (deadlines, roles, successions) are read once per store generation; a report filters them.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup, escape

from web.export import request_filters, table_response, task_table
from web.i18n import t
from web.pages import (
    TABLE_FORMATS,
    _date_arg,
    iri_arg,
    json_response,
    paged,
    repository,
    wanted_format,
)
from web.repository import ROLES, page_url, with_phrase

bp = Blueprint("audit", __name__, url_prefix="/audit")

REPORT_FORMATS = ("html", "json", *TABLE_FORMATS)
DEFAULT_DAYS = 90
MAX_DAYS = 36600
TIMELINE_ROWS = 80  # tasks drawn at most in one chart
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


# --- the base rows, once per store generation --------------------------------------------------------


def _base() -> dict:
    """Every task with its plan, jurisdiction, deadlines and accountable agencies in each of the four roles
    (each agency with the unit that holds its duties now), as plain dicts; cached until the store is
    swapped. Built on `_leads_base()`: the tasks, with the three other roles read on top."""
    repo = repository()
    return repo.cached(("audit", "base"), lambda: _with_every_role(repo, _leads_base()))


def _leads_base() -> dict:
    """The tasks as `_base()` has them but with their leads only (task["roles"] == {"leads": [...]}): all
    the overdue, due-soon and lead-gone reports read, without the 150,000 other role statements at 6M."""
    repo = repository()
    return repo.cached(("audit", "leads-base"), lambda: _read_base(repo))


def _read_base(repo) -> dict:
    # rows as tuples, not dicts: at 6M triples these reads return some 300,000 rows
    tasks: dict[str, dict] = {}
    for task, section, heading, text, start, plan, plan_title, jurisdiction, jurisdiction_label in repo.table(
        # each part a sub-SELECT: Oxigraph reads each through once and joins them by hashing, where as
        # one pattern it looked every task's facts up one by one (3.5 s against 13.5 s at 6M triples)
        """SELECT ?task ?section ?heading ?text ?start ?plan ?planTitle ?jurisdiction ?jurisdictionLabel
           WHERE { { SELECT ?task ?plan WHERE { ?task lt:inPlan ?plan } }
             { SELECT ?task ?text WHERE { ?task lt:text ?text } }
             { SELECT ?plan ?planTitle WHERE { ?plan a lt:Plan ; rdfs:label ?planTitle } }
             OPTIONAL { SELECT ?task ?section WHERE { ?task lt:section ?section } }
             OPTIONAL { SELECT ?task ?heading WHERE { ?task lt:heading ?heading } }
             OPTIONAL { SELECT ?task ?start WHERE { ?task lt:sourceStart ?start } }
             OPTIONAL { SELECT ?plan ?jurisdiction ?jurisdictionLabel WHERE {
               ?plan lt:jurisdiction ?jurisdiction . ?jurisdiction rdfs:label ?jurisdictionLabel } } }"""
    ):  # one row a task: a plan has one title (stores built before the fourth session: the last one is kept)
        tasks[task] = {
            "task": task,
            "section": section,
            "heading": heading or "",
            "start": start,
            "plan": plan,
            "planTitle": plan_title,
            "jurisdiction": jurisdiction,
            "jurisdictionLabel": jurisdiction_label,
            "deadlines": [],
            "excerpt": _shorten(text, 80),
        }
    for task_iri, due, phrase in repo.table(
        """SELECT ?task ?due ?phrase WHERE { { SELECT ?task ?d WHERE { ?task lt:hasDeadline ?d } }
             { SELECT ?d ?due WHERE { ?d lt:dueDate ?due } }
             OPTIONAL { SELECT ?d ?phrase WHERE { ?d a lt:Deadline ; lt:phrase ?phrase } } }"""
    ):
        task = tasks.get(task_iri)
        if task is None:
            continue
        same = next((d for d in task["deadlines"] if d["due"] == due), None)
        if same is None:
            task["deadlines"].append({"due": due, "phrase": phrase})
        else:
            same["phrase"] = with_phrase(same["phrase"], phrase)
    successors = {
        r["agency"]: {"agency": r["now"], "label": r["nowLabel"], "year": _year(r["changed"])}
        for r in repo.rows(
            """SELECT ?agency ?now ?nowLabel (SAMPLE(?date) AS ?changed) WHERE {
                 ?agency lt:succeededBy+ ?now . FILTER NOT EXISTS { ?now lt:succeededBy ?later }
                 ?now rdfs:label ?nowLabel .
                 OPTIONAL { ?agency org:changedBy/dcterms:date ?date } }
               GROUP BY ?agency ?now ?nowLabel"""
        )
    }
    # the agency list /agencies shows (name, jurisdiction, collective or not; cached once per store)
    agencies = {a["agency"]: dict(a, successor=successors.get(a["agency"])) for a in repo.agencies()}
    for task in tasks.values():
        task["deadlines"].sort(key=lambda d: d["due"])
        task["roles"] = {"leads": []}
    _read_role(repo, "leads", tasks, agencies)
    ordered = sorted(tasks.values(), key=lambda x: (x["planTitle"], x["start"] or 0, x["task"]))
    # loaded plans: those with tasks, by title (two plans of one title by IRI: the same order in every process)
    plans = sorted({(x["plan"], x["planTitle"]) for x in ordered}, key=lambda p: (p[1], p[0]))
    return {"tasks": ordered, "agencies": agencies, "plans": [{"plan": p, "title": x} for p, x in plans]}


def _read_role(repo, role: str, tasks: dict[str, dict], agencies: dict[str, dict]) -> None:
    """Each task's agencies in `role` (a read per role: a plain scan of one predicate), by name."""
    for agency_iri, task_iri in repo.table(f"SELECT ?agency ?task WHERE {{ ?agency lt:{role} ?task }}"):
        task, agency = tasks.get(task_iri), agencies.get(agency_iri)
        if task is None or agency is None:
            continue
        held = task["roles"][role]
        if all(a["agency"] != agency_iri for a in held):
            held.append(agency)
    for task in tasks.values():
        task["roles"][role].sort(key=lambda a: a["label"])


def _with_every_role(repo, leads_base: dict) -> dict:
    """`_leads_base()` with the supports, implements and responsibleFor roles added, in new task dicts (the
    leads-only ones stay as they are: other reports may be reading them)."""
    tasks = {
        task["task"]: dict(task, roles={"leads": task["roles"]["leads"]} | {r: [] for r in ROLES[1:]})
        for task in leads_base["tasks"]
    }
    for role in ROLES[1:]:
        _read_role(repo, role, tasks, leads_base["agencies"])
    return dict(leads_base, tasks=list(tasks.values()))


def _year(value) -> int | None:
    try:
        return int(str(value)[:4]) if value else None
    except ValueError:
        return None


def _shorten(text: str, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[:width] + "…"


def _entry(agency: dict) -> dict:
    return {"agency": agency["agency"], "label": agency["label"]}


def _holder(agency: dict) -> dict:
    """The unit that holds the agency's duties now: its successor after the reform, else itself."""
    return _entry(agency["successor"] or agency)


def _task_row(task: dict, deadline: dict | None = None) -> dict:
    """One report row: the task, its plan and jurisdiction, its leads and who holds them now."""
    leads = task["roles"]["leads"]
    row = {
        "task": task["task"],
        "section": task["section"] or "-",
        "heading": task["heading"],
        "excerpt": task["excerpt"],
        "plan": task["plan"],
        "planTitle": task["planTitle"],
        "jurisdiction": task["jurisdiction"],
        "jurisdictionLabel": task["jurisdictionLabel"],
        "leads": [_entry(a) for a in leads],
        "heldNowBy": _unique([_holder(a) for a in leads]),
        "changed": any(a["successor"] for a in leads),
    }
    if deadline is not None:
        row.update(due=deadline["due"], phrase=deadline["phrase"])
    return row


def _unique(entries: list[dict]) -> list[dict]:
    seen, out = set(), []
    for e in entries:
        if e["agency"] not in seen:
            seen.add(e["agency"])
            out.append(e)
    return out


def _in_plan(task: dict, plan: str | None) -> bool:
    return plan is None or task["plan"] == plan


# --- the reports -------------------------------------------------------------------------------------


def overdue(as_of: str, plan: str | None = None) -> dict:
    """Deadlines before `as_of` (one row per task and deadline), and their counts by the lead agency that
    holds the duty now and by jurisdiction."""

    def compute():
        rows = [
            _task_row(task, d)
            for task in _leads_base()["tasks"]
            if _in_plan(task, plan)
            for d in task["deadlines"]
            if d["due"] < as_of
        ]
        rows.sort(key=lambda r: (r["due"], r["jurisdictionLabel"] or "", r["planTitle"], r["section"]))
        return {"as_of": as_of, "plan": plan, "tasks": rows, **_summaries(rows)}

    return repository().cached(("audit", "overdue", as_of, plan), compute)


def _summaries(rows: list[dict]) -> dict:
    by_agency: dict[str, dict] = {}
    no_lead = 0
    for row in rows:
        if not row["leads"]:
            no_lead += 1
        for lead in row["leads"]:
            item = by_agency.setdefault(
                lead["agency"],
                {**lead, "tasks": set(), "deadlines": 0, "heldNowBy": None, "first": row["due"]},
            )
            item["tasks"].add(row["task"])
            item["deadlines"] += 1
            item["first"] = min(item["first"], row["due"])
    agencies = _leads_base()["agencies"]
    for item in by_agency.values():
        item["tasks"] = len(item["tasks"])
        successor = agencies[item["agency"]]["successor"]
        item["heldNowBy"] = [_entry(successor)] if successor else []
    by_jurisdiction: dict[str, dict] = {}
    for row in rows:
        key = row["jurisdiction"] or ""
        item = by_jurisdiction.setdefault(
            key,
            {
                "jurisdiction": row["jurisdiction"],
                "jurisdictionLabel": row["jurisdictionLabel"] or t("pg_unknown"),
                "tasks": set(),
                "deadlines": 0,
                "noLead": set(),
                "first": row["due"],
            },
        )
        item["tasks"].add(row["task"])
        item["deadlines"] += 1
        item["first"] = min(item["first"], row["due"])
        if not row["leads"]:
            item["noLead"].add(row["task"])
    for item in by_jurisdiction.values():
        item["tasks"], item["noLead"] = len(item["tasks"]), len(item["noLead"])
    return {
        "by_agency": sorted(by_agency.values(), key=lambda x: (-x["tasks"], x["label"])),
        "by_jurisdiction": sorted(
            by_jurisdiction.values(), key=lambda x: (-x["tasks"], x["jurisdictionLabel"])
        ),
        "no_lead": no_lead,
    }


def due_soon(as_of: str, days: int, plan: str | None = None) -> dict:
    """Deadlines from `as_of` (included) to `as_of` + `days` (included)."""
    until = (date.fromisoformat(as_of) + timedelta(days=days)).isoformat()

    def compute():
        rows = [
            _task_row(task, d)
            for task in _leads_base()["tasks"]
            if _in_plan(task, plan)
            for d in task["deadlines"]
            if as_of <= d["due"] <= until
        ]
        rows.sort(key=lambda r: (r["due"], r["jurisdictionLabel"] or "", r["planTitle"], r["section"]))
        return {"as_of": as_of, "days": days, "until": until, "plan": plan, "tasks": rows}

    return repository().cached(("audit", "due-soon", as_of, days, plan), compute)


def lead_gone(as_of: str, plan: str | None = None) -> dict:
    """Deadlines before `as_of` of tasks whose lead the reform had replaced by `as_of`'s year: one row per
    task, deadline and replaced lead, with the unit that holds its duties now."""
    year = int(as_of[:4])

    def compute():
        rows = []
        for task in _leads_base()["tasks"]:
            if not _in_plan(task, plan):
                continue
            gone = [
                a
                for a in task["roles"]["leads"]
                if a["successor"] and (a["successor"]["year"] is None or a["successor"]["year"] <= year)
            ]
            for d in task["deadlines"]:
                if d["due"] >= as_of:
                    continue
                for lead in gone:
                    row = _task_row(task, d)
                    row.update(
                        lead=[_entry(lead)],
                        reformYear=lead["successor"]["year"],
                        heldNowBy=[_entry(lead["successor"])],
                    )
                    rows.append(row)
        rows.sort(key=lambda r: (r["due"], r["jurisdictionLabel"] or "", r["planTitle"], r["section"]))
        return {"as_of": as_of, "plan": plan, "tasks": rows}

    return repository().cached(("audit", "lead-gone", as_of, plan), compute)


def gaps(plan: str | None = None) -> dict:
    """Tasks with no lead; tasks whose only accountable parties are collectives; each collective's roles."""

    def compute():
        no_lead, collective_only = [], []
        collectives: dict[str, dict] = {}
        for task in _base()["tasks"]:
            if not _in_plan(task, plan):
                continue
            everyone = _unique([a for held in task["roles"].values() for a in held])
            groups = [a for a in everyone if a["group"]]
            row = _task_row(task)
            row["firstDue"] = task["deadlines"][0]["due"] if task["deadlines"] else None
            if not task["roles"]["leads"]:
                no_lead.append(dict(row, others=[_entry(a) for a in everyone]))
            alone = bool(groups) and len(groups) == len(everyone)
            if alone:
                collective_only.append(dict(row, collectives=[_entry(a) for a in groups]))
            for role, held in task["roles"].items():
                for a in held:
                    if not a["group"]:
                        continue
                    item = collectives.setdefault(
                        a["agency"],
                        {**_entry(a), "jurisdictionLabel": a["jurisdictionLabel"], "alone": 0}
                        | {r: 0 for r in ROLES},
                    )
                    item[role] += 1
            for a in groups if alone else ():
                collectives[a["agency"]]["alone"] += 1
        ordered = sorted(collectives.values(), key=lambda x: (-x["leads"], -x["alone"], x["label"]))
        return {
            "plan": plan,
            "no_lead": no_lead,
            "collective_only": collective_only,
            "collectives": ordered,
            "collective_leads": [x for x in ordered if x["leads"]],
        }

    return repository().cached(("audit", "gaps", plan), compute)


def brokers(plan: str | None = None, groups: bool = False) -> dict:
    """Each agency's degree (tasks it holds, any role), lead count and betweenness centrality on the
    bipartite agency–task network of one plan, or of the whole corpus; collectives left out unless
    `groups` (a 各县市人民政府 on every task would otherwise broker every plan)."""

    def compute():
        network = _network(plan, groups)
        n, edges, agency_ids = len(network.nodes), network.edges, network.agency_ids
        betweenness, sampled = _bipartite_betweenness(n, edges, agency_ids) if agency_ids else ({}, [])
        agencies = _base()["agencies"]
        rows = []
        for node in agency_ids:
            a = agencies[network.nodes[node]]
            rows.append(
                {
                    **_entry(a),
                    "jurisdictionLabel": a["jurisdictionLabel"],
                    "group": a["group"],
                    "degree": network.degree[node],
                    "leads": network.leads[a["agency"]],
                    "betweenness": significant(betweenness.get(node, 0.0)),
                    "heldNowBy": [_entry(a["successor"])] if a["successor"] else [],
                }
            )
        # ties (two agencies of one name and degree, in two counties) by IRI: the same order in every process
        rows.sort(key=lambda r: (-r["degree"], -r["betweenness"], r["label"], r["agency"]))
        for rank, row in enumerate(rows, 1):
            row["degreeRank"] = rank
        by_betweenness = sorted(
            rows, key=lambda r: (-r["betweenness"], -r["degree"], r["label"], r["agency"])
        )
        for rank, row in enumerate(by_betweenness, 1):
            row["betweennessRank"] = rank
        return {
            "plan": plan,
            "groups": groups,
            "agencies": rows,
            "broker": by_betweenness[0] if by_betweenness and by_betweenness[0]["betweenness"] > 0 else None,
            "tasks": n - len(agency_ids),
            "edges": len(edges),
            "betweennessSampledSources": BETWEENNESS_SAMPLES if sampled else None,
            "betweennessSampledComponents": sampled,
        }

    return repository().cached(("audit", "brokers", plan, groups), compute)


class _Network:
    """The agency–task network as integers: `nodes[i]` is node i's IRI (agencies and tasks numbered in the
    order they are first met, as networkx numbers a graph built edge by edge), `edges` its distinct
    agency–task pairs, `degree[i]` its neighbours, `leads` the tasks each agency leads."""

    def __init__(self):
        self.nodes: list[str] = []
        self.agency_ids: list[int] = []
        self.edges: list[tuple[int, int]] = []
        self.degree: list[int] = []
        self.leads: Counter = Counter()
        self._agencies: dict[str, int] = {}
        self._tasks: dict[str, int] = {}
        self._edges: set[tuple[int, int]] = set()

    def _id(self, ids: dict[str, int], iri: str, agency: bool) -> int:
        node = ids.get(iri)
        if node is None:
            node = ids[iri] = len(self.nodes)
            self.nodes.append(iri)
            self.degree.append(0)
            if agency:
                self.agency_ids.append(node)
        return node

    def link(self, agency: str, task: str) -> None:
        edge = (self._id(self._agencies, agency, True), self._id(self._tasks, task, False))
        if edge not in self._edges:
            self._edges.add(edge)
            self.edges.append(edge)
            self.degree[edge[0]] += 1
            self.degree[edge[1]] += 1


def _network(plan: str | None, groups: bool) -> _Network:
    """The bipartite agency–task network of one plan or the corpus (collectives only with `groups`)."""
    network = _Network()
    for task in _base()["tasks"]:
        if not _in_plan(task, plan):
            continue
        for role, held in task["roles"].items():
            for a in held:
                if a["group"] and not groups:
                    continue
                network.link(a["agency"], task["task"])
                if role == "leads":
                    network.leads[a["agency"]] += 1
    return network


# Exact betweenness costs nodes × edges steps (Brandes) in each connected component (paths never leave one):
# a component above this is estimated from sampled sources. The national network (79,000 nodes in 2,579
# components of at most 223) is 13·10⁶ steps in all and its largest component 1.5·10⁵: exact, in about 0.5 s.
EXACT_BETWEENNESS_WORK = 20_000_000
BETWEENNESS_SAMPLES = 100
# significant digits kept: a national value is about 10⁻⁶, which rounding to four places made 0
BETWEENNESS_DIGITS = 4


def significant(value: float) -> float:
    """`value` to `BETWEENNESS_DIGITS` significant digits (0.027431… → 0.02743, 2.0231…e-06 → 2.023e-06)."""
    return float(f"{value:.{BETWEENNESS_DIGITS}g}")


def positional(value: float) -> str:
    """A betweenness as the page shows it: digits after the point, no exponent (2.023e-06 → 0.000002023)."""
    return format(Decimal(repr(value)), "f")


def _bipartite_betweenness(size: int, edges: list[tuple[int, int]], top: list[int]) -> tuple[dict, list[int]]:
    """networkx's bipartite betweenness centrality of the network (`bipartite.betweenness_centrality`: a
    node's share of the shortest paths, over the most a node of its side could have in a network of this
    many agencies and tasks), exact in every component of at most `EXACT_BETWEENNESS_WORK` steps and
    estimated from `BETWEENNESS_SAMPLES` sources inside a larger one (`web.betweenness`); and the sizes of
    the components estimated."""
    from kg.betweenness import bipartite_betweenness

    return bipartite_betweenness(size, edges, top, EXACT_BETWEENNESS_WORK, BETWEENNESS_SAMPLES)


def timeline(plan: str | None = None, agency: str | None = None) -> dict:
    """The deadlines of a plan's tasks, or of the tasks an agency is accountable for (with its role)."""

    def compute():
        rows = []
        for task in _base()["tasks"]:
            if not task["deadlines"] or not _in_plan(task, plan):
                continue
            roles = [r for r, held in task["roles"].items() if any(a["agency"] == agency for a in held)]
            if agency and not roles:
                continue
            for d in task["deadlines"]:
                row = _task_row(task, d)
                row["role"] = roles[0] if roles else None
                rows.append(row)
        rows.sort(key=lambda r: (r["due"], r["planTitle"], r["section"]))
        return {"plan": plan, "agency": agency, "tasks": rows}

    return repository().cached(("audit", "timeline", plan, agency), compute)


# --- the chart ---------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first CJK font family installed on this system (None: labels fall back to the default font,
    and the browser draws the Chinese with its own fonts since the SVG keeps text as text)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def timeline_svg(data: dict, title: str, as_of: str, lang: str) -> bytes:
    """The deadlines in `data` as an SVG chart: one row per task (section and heading), a dot per due date,
    filled when the date is before `as_of`; year ticks on the time axis. Text stays text (escaped)."""
    key = ("audit", "timeline.svg", data["plan"], data["agency"], title, as_of, lang)
    return repository().cached(key, lambda: _render_timeline(data, title, as_of))


def _render_timeline(data: dict, title: str, as_of: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    tasks: dict[str, dict] = {}
    for row in data["tasks"]:
        item = tasks.setdefault(row["task"], {"row": row, "dues": []})
        item["dues"].append(date.fromisoformat(row["due"]))
    items = sorted(tasks.values(), key=lambda x: (min(x["dues"]), x["row"]["planTitle"], x["row"]["section"]))
    shown = items[:TIMELINE_ROWS]
    font = cjk_font()
    families = ([font] if font else []) + ["DejaVu Sans", "sans-serif"]
    settings = {
        "svg.fonttype": "none",  # text as <text> (escaped by matplotlib), drawn by the browser's fonts
        "svg.hashsalt": "lantian-timeline",  # stable ids: the same data gives the same SVG
        "font.family": families,
        "font.size": 9,
        "text.parse_math": False,  # plan text with "$" is text, not mathtext
        "axes.unicode_minus": False,
    }
    limit = date.fromisoformat(as_of)
    with _RENDER_LOCK, rc_context(settings), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Glyph … missing from font" when no CJK font is installed
        height = 1.4 + 0.26 * max(len(shown), 1)
        fig = Figure(figsize=(10, height), layout="constrained")
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
        labels = [
            _chart_label(item["row"], data["agency"] is not None or data["plan"] is None) for item in shown
        ]
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
        ax.set_title(title, loc="left", fontsize=10)
        caption = t("au_chart_caption", as_of=as_of)
        if len(items) > len(shown):
            caption += " " + t("au_chart_truncated", shown=len(shown), total=len(items))
        ax.set_xlabel(caption, fontsize=8, color="#555555")
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def _chart_label(row: dict, with_plan: bool) -> str:
    label = f"{row['section']} {row['heading'] or row['excerpt']}"
    label = _shorten(label, 26)
    if with_plan:
        label = f"{_shorten(row['planTitle'], 6)} · {label}"
    return label


# --- request arguments -------------------------------------------------------------------------------


def _as_of() -> str:
    return _date_arg("as_of") or date.today().isoformat()


def _days() -> int:
    value = request.args.get("days", "").strip()
    if not value:
        return DEFAULT_DAYS
    if not value.isdigit() or not 0 <= int(value) <= MAX_DAYS:
        abort(400, description=t("au_bad_days", value=value))
    return int(value)


def _table_arg(allowed: tuple[str, ...]) -> str:
    value = request.args.get("table", allowed[0])
    if value not in allowed:
        abort(400, description=t("au_bad_table", value=value, allowed=", ".join(allowed)))
    return value


# --- columns: (key, i18n label without the "pg_" prefix, how the page shows it) ----------------------

TASK_COLUMNS = [
    ("due", "due_date", "date"),
    ("phrase", "deadline_phrase", "text"),
    ("jurisdictionLabel", "jurisdiction", "jurisdiction"),
    ("planTitle", "plan", "plan"),
    ("section", "section", "task"),
    ("leads", "col_leads", "agencies"),
    ("heldNowBy", "au_held_now", "agencies"),
    ("excerpt", "col_text", "excerpt"),
    ("task", "col_iri", "iri"),
]
AGENCY_SUMMARY = [
    ("label", "au_lead", "agency"),
    ("heldNowBy", "au_held_now", "agencies"),
    ("tasks", "col_tasks", "number"),
    ("deadlines", "au_deadlines", "number"),
    ("first", "au_first_due", "date"),
    ("agency", "col_iri", "iri"),
]
JURISDICTION_SUMMARY = [
    ("jurisdictionLabel", "jurisdiction", "jurisdiction"),
    ("tasks", "col_tasks", "number"),
    ("deadlines", "au_deadlines", "number"),
    ("noLead", "au_no_lead_count", "number"),
    ("first", "au_first_due", "date"),
    ("jurisdiction", "col_iri", "iri"),
]
LEAD_GONE_COLUMNS = [
    ("due", "due_date", "date"),
    ("phrase", "deadline_phrase", "text"),
    ("jurisdictionLabel", "jurisdiction", "jurisdiction"),
    ("planTitle", "plan", "plan"),
    ("section", "section", "task"),
    ("lead", "au_original_lead", "agencies"),
    ("reformYear", "au_reform_year", "number"),
    ("heldNowBy", "au_held_now", "agencies"),
    ("excerpt", "col_text", "excerpt"),
    ("task", "col_iri", "iri"),
]
GAP_COLUMNS = [
    ("jurisdictionLabel", "jurisdiction", "jurisdiction"),
    ("planTitle", "plan", "plan"),
    ("section", "section", "task"),
    ("others", "au_other_accountable", "agencies"),
    ("firstDue", "au_first_due", "date"),
    ("excerpt", "col_text", "excerpt"),
    ("task", "col_iri", "iri"),
]
COLLECTIVE_ONLY_COLUMNS = [
    ("jurisdictionLabel", "jurisdiction", "jurisdiction"),
    ("planTitle", "plan", "plan"),
    ("section", "section", "task"),
    ("collectives", "au_collectives", "agencies"),
    ("firstDue", "au_first_due", "date"),
    ("excerpt", "col_text", "excerpt"),
    ("task", "col_iri", "iri"),
]
COLLECTIVE_COLUMNS = [
    ("label", "au_collective", "agency"),
    ("jurisdictionLabel", "jurisdiction", "text"),
    ("leads", "role_leads", "number"),
    ("supports", "role_supports", "number"),
    ("implements", "role_implements", "number"),
    ("responsibleFor", "role_responsibleFor", "number"),
    ("alone", "au_only_accountable", "number"),
    ("agency", "col_iri", "iri"),
]
BROKER_COLUMNS = [
    ("degreeRank", "au_rank", "number"),
    ("label", "agency", "agency"),
    ("jurisdictionLabel", "jurisdiction", "text"),
    ("degree", "au_degree", "number"),
    ("leads", "au_leads_count", "number"),
    ("betweenness", "au_betweenness", "number"),
    ("betweennessRank", "au_betweenness_rank", "number"),
    ("heldNowBy", "au_held_now", "agencies"),
    ("agency", "col_iri", "iri"),
]
TIMELINE_COLUMNS = [
    ("due", "due_date", "date"),
    ("phrase", "deadline_phrase", "text"),
    ("planTitle", "plan", "plan"),
    ("section", "section", "task"),
    ("roleLabel", "col_role", "text"),
    ("leads", "col_leads", "agencies"),
    ("heldNowBy", "au_held_now", "agencies"),
    ("excerpt", "col_text", "excerpt"),
    ("task", "col_iri", "iri"),
]


def _flat(rows: list[dict], columns) -> list[dict]:
    """Rows for CSV/XLSX: agency lists as their names."""
    out = []
    for row in rows:
        flat = dict(row)
        for key, _label, kind in columns:
            if kind == "agencies":
                flat[key] = [a["label"] for a in row.get(key) or []]
        out.append(flat)
    return out


EXPORT_KINDS = {"date": "date", "number": "number", "agencies": "agencies"}


def _download(name: str, fmt: str, columns, rows, **defaults) -> Response:
    """A report's table as CSV or XLSX (web.export): a table of tasks with every role, the whole text and a
    link to each task's page; the others with their columns as they are."""
    kinds = [(key, label, EXPORT_KINDS.get(kind, "text")) for key, label, kind in columns]
    filters = request_filters(**defaults)
    if any(key == "task" for key, _label, _kind in columns):
        return task_table(name, fmt, kinds, rows, filters=filters)
    return table_response(name, fmt, kinds, _flat(rows, columns), filters=filters)


def _plans() -> list[dict]:
    return _leads_base()["plans"]


def _plan_title(plan: str | None) -> str | None:
    return next((p["title"] for p in _plans() if p["plan"] == plan), None) if plan else None


AUDIT_PAGE_SIZE = 50  # rows a page in each table of a report (a report shows up to three tables at once)


def _page_sections(sections: list[dict]) -> list[dict]:
    """Each section with "paging": the page of its rows the request asks for (?page_<section id>=N)."""
    for section in sections:
        key = f"page_{section['id'].replace('-', '_')}"
        section["paging"] = paged(section["rows"], key=key, size=AUDIT_PAGE_SIZE)
    return sections


def _report(template_sections: list[dict], **context) -> str:
    """The report page: each section's table shows one page of rows (?page_<section id>=N); the downloads
    carry every row."""
    context.setdefault("plan_title", _plan_title(context.get("plan")))
    _page_sections(template_sections)
    return render_template("audit_report.html", sections=template_sections, plans=_plans(), **context)


def _link(iri, label) -> str:
    return f'<a href="{escape(page_url(iri))}">{escape(label or iri)}</a>'


def report_cell(row: dict, key: str, kind: str) -> Markup:
    """One cell of a report table, as HTML: a report page shows up to 150 rows of six cells, and a Jinja
    macro a cell cost more than the rest of the page together."""
    value = row.get(key)
    if kind == "task":
        html = f'<span class="nowrap">{_link(row["task"], value)}</span>'
        return Markup(html + (f"<br><strong>{escape(row['heading'])}</strong>" if row.get("heading") else ""))
    if kind in ("plan", "agency"):
        return Markup(_link(row[kind], value))
    if kind == "agencies":
        if value:
            return Markup("、".join(_link(a["agency"], a["label"]) for a in value))
        return Markup(f'<span class="gap">{escape(t("pg_no_lead"))}</span>' if key == "leads" else "")
    if kind == "jurisdiction":
        return Markup(_link(row["jurisdiction"], value)) if row.get("jurisdiction") else escape(value or "")
    if kind == "date":
        return Markup(f'<time datetime="{escape(value)}">{escape(value)}</time>') if value else Markup("")
    if kind == "excerpt":
        return Markup(f'<span class="excerpt">{escape(value)}</span>')
    return escape("" if value is None else value)


def report_rows(section: dict) -> Markup:
    """The <tr> rows of a report table's page on screen (its columns of kind "iri" are not shown)."""
    columns = [(key, kind) for key, _label, kind in section["columns"] if kind != "iri"]
    return Markup(
        "\n".join(
            "<tr>"
            + "".join(f'<td class="k-{kind}">{report_cell(row, key, kind)}</td>' for key, kind in columns)
            + "</tr>"
            for row in section["paging"]["rows"]
        )
    )


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


def section_download_url(fmt: str, table: str) -> str:
    """This report's table `table` as `fmt` (csv, xlsx), keeping the page's parameters."""
    args = [
        (k, v)
        for k, v in request.args.items(multi=True)
        if k not in ("format", "lang", "table") and not k.startswith("page")
    ]
    return request.path.rstrip("/") + "?" + urlencode([*args, ("format", fmt), ("table", table)])


def _warm_up() -> None:
    """Import matplotlib and read the font list ahead of the first chart (about half a second)."""
    with _RENDER_LOCK:
        cjk_font()


@bp.record_once
def _register_globals(state) -> None:
    state.app.jinja_env.globals.update(
        audit_query_url=query_url, audit_download_url=section_download_url, report_rows=report_rows
    )
    if not state.app.testing:
        threading.Thread(target=_warm_up, name="warm-matplotlib", daemon=True).start()


# --- routes ------------------------------------------------------------------------------------------


@bp.route("/")
def index():
    as_of = _as_of()
    figures = {
        "overdue": len(overdue(as_of)["tasks"]),
        "due_soon": len(due_soon(as_of, DEFAULT_DAYS)["tasks"]),
        "lead_gone": len(lead_gone(as_of)["tasks"]),
        "no_lead": len(gaps()["no_lead"]),
        "collective_only": len(gaps()["collective_only"]),
    }
    if wanted_format() == "json":
        return json_response({"as_of": as_of, "figures": figures})
    return render_template("audit.html", as_of=as_of, figures=figures, plans=_plans(), days=DEFAULT_DAYS)


@bp.route("/overdue")
@bp.route("/overdue.<any(json, csv, xlsx):suffix>")
def overdue_page(suffix: str | None = None):
    as_of, plan = _as_of(), iri_arg("plan")
    data = overdue(as_of, plan)
    fmt = wanted_format(suffix, REPORT_FORMATS)
    if fmt == "json":
        return json_response(data)
    if fmt in TABLE_FORMATS:
        table = _table_arg(("tasks", "agency", "jurisdiction"))
        if table == "agency":
            return _download("overdue-by-agency", fmt, AGENCY_SUMMARY, data["by_agency"], as_of=as_of)
        if table == "jurisdiction":
            return _download(
                "overdue-by-jurisdiction", fmt, JURISDICTION_SUMMARY, data["by_jurisdiction"], as_of=as_of
            )
        return _download("overdue", fmt, TASK_COLUMNS, data["tasks"], as_of=as_of)
    sections = [
        {
            "id": "by-agency",
            "title": t("au_by_agency"),
            "columns": AGENCY_SUMMARY,
            "rows": data["by_agency"],
            "table": "agency",
            "note": t("au_by_agency_note", n=data["no_lead"]),
        },
        {
            "id": "by-jurisdiction",
            "title": t("au_by_jurisdiction"),
            "columns": JURISDICTION_SUMMARY,
            "rows": data["by_jurisdiction"],
            "table": "jurisdiction",
        },
        {
            "id": "tasks",
            "title": t("au_overdue_tasks", n=len(data["tasks"])),
            "columns": TASK_COLUMNS,
            "rows": data["tasks"],
            "table": "tasks",
        },
    ]
    return _report(
        sections,
        report="overdue",
        title=t("au_overdue_title", as_of=as_of),
        intro=t("au_overdue_intro"),
        as_of=as_of,
        plan=plan,
        query="overdue",
    )


@bp.route("/due-soon")
@bp.route("/due-soon.<any(json, csv, xlsx):suffix>")
def due_soon_page(suffix: str | None = None):
    as_of, plan, days = _as_of(), iri_arg("plan"), _days()
    data = due_soon(as_of, days, plan)
    fmt = wanted_format(suffix, REPORT_FORMATS)
    if fmt == "json":
        return json_response(data)
    if fmt in TABLE_FORMATS:
        return _download("due-soon", fmt, TASK_COLUMNS, data["tasks"], as_of=as_of, days=days)
    sections = [
        {
            "id": "tasks",
            "title": t("au_due_soon_tasks", n=len(data["tasks"]), until=data["until"]),
            "columns": TASK_COLUMNS,
            "rows": data["tasks"],
            "table": "tasks",
            "note": None if data["tasks"] else _due_soon_empty(as_of, days, data["until"], plan),
        }
    ]
    return _report(
        sections,
        report="due-soon",
        title=t("au_due_soon_title", as_of=as_of, days=days),
        intro=t("au_due_soon_intro"),
        as_of=as_of,
        plan=plan,
        days=days,
        query="due-soon",
    )


def _due_soon_empty(as_of: str, days: int, until: str, plan: str | None) -> str:
    """Why the due-soon list is empty: the next deadline after the window, else the latest before it."""
    dues = [d["due"] for task in _leads_base()["tasks"] if _in_plan(task, plan) for d in task["deadlines"]]
    later = [due for due in dues if due > until]
    if later:
        return t("au_due_soon_empty_next", as_of=as_of, days=days, next=min(later))
    if dues:
        return t("au_due_soon_empty_latest", as_of=as_of, days=days, latest=max(dues))
    return t("au_due_soon_empty_none", as_of=as_of, days=days)


@bp.route("/lead-gone")
@bp.route("/lead-gone.<any(json, csv, xlsx):suffix>")
def lead_gone_page(suffix: str | None = None):
    as_of, plan = _as_of(), iri_arg("plan")
    data = lead_gone(as_of, plan)
    fmt = wanted_format(suffix, REPORT_FORMATS)
    if fmt == "json":
        return json_response(data)
    if fmt in TABLE_FORMATS:
        return _download("lead-gone", fmt, LEAD_GONE_COLUMNS, data["tasks"], as_of=as_of)
    sections = [
        {
            "id": "tasks",
            "title": t("au_lead_gone_tasks", n=len(data["tasks"])),
            "columns": LEAD_GONE_COLUMNS,
            "rows": data["tasks"],
            "table": "tasks",
        }
    ]
    return _report(
        sections,
        report="lead-gone",
        title=t("au_lead_gone_title", as_of=as_of),
        intro=t("au_lead_gone_intro"),
        as_of=as_of,
        plan=plan,
        query="overdue-lead-gone",
    )


@bp.route("/gaps")
@bp.route("/gaps.<any(json, csv, xlsx):suffix>")
def gaps_page(suffix: str | None = None):
    plan = iri_arg("plan")
    data = gaps(plan)
    fmt = wanted_format(suffix, REPORT_FORMATS)
    if fmt == "json":
        return json_response(data)
    if fmt in TABLE_FORMATS:
        table = _table_arg(("no-lead", "collective-only", "collectives"))
        if table == "collective-only":
            return _download("collective-only", fmt, COLLECTIVE_ONLY_COLUMNS, data["collective_only"])
        if table == "collectives":
            return _download("collectives", fmt, COLLECTIVE_COLUMNS, data["collectives"])
        return _download("no-lead", fmt, GAP_COLUMNS, data["no_lead"])
    sections = [
        {
            "id": "no-lead",
            "title": t("au_no_lead_tasks", n=len(data["no_lead"])),
            "columns": GAP_COLUMNS,
            "rows": data["no_lead"],
            "table": "no-lead",
            "query": "gaps-no-lead",
        },
        {
            "id": "collective-only",
            "title": t("au_collective_only_tasks", n=len(data["collective_only"])),
            "columns": COLLECTIVE_ONLY_COLUMNS,
            "rows": data["collective_only"],
            "table": "collective-only",
            "note": t("au_collective_only_note"),
            "query": "gaps-collective-only",
        },
        {
            "id": "collectives",
            "title": t("au_collectives_title"),
            "columns": COLLECTIVE_COLUMNS,
            "rows": data["collectives"],
            "table": "collectives",
            "query": "collective-leads",
            "note": t("au_collective_leads_note", n=len(data["collective_leads"])),
        },
    ]
    return _report(
        sections, report="gaps", title=t("au_gaps_title"), intro=t("au_gaps_intro"), plan=plan, query=None
    )


@bp.route("/brokers")
@bp.route("/brokers.<any(json, csv, xlsx):suffix>")
def brokers_page(suffix: str | None = None):
    plan = iri_arg("plan")
    groups = request.args.get("groups") in ("1", "true", "on")
    data = brokers(plan, groups)
    fmt = wanted_format(suffix, REPORT_FORMATS)
    if fmt == "json":
        return json_response(data)
    if fmt in TABLE_FORMATS:
        return _download("brokers", fmt, BROKER_COLUMNS, data["agencies"])
    broker = data["broker"]
    note = (
        t("au_broker_is", name=broker["label"], value=positional(broker["betweenness"]))
        if broker
        else t("au_no_broker")
    )
    if data.get("betweennessSampledSources"):
        sampled = data["betweennessSampledComponents"]
        note += " " + t("au_betweenness_sampled", k=data["betweennessSampledSources"])
        note += " " + t("au_betweenness_sampled_where", components=len(sampled), nodes=sum(sampled))
    # the shown values formatted once per answer: 26,895 Decimals a request held the server's one interpreter
    # for 150 ms at 6M triples
    rows = repository().cached(
        ("audit", "brokers-shown", plan, groups),
        lambda: [dict(row, betweenness=positional(row["betweenness"])) for row in data["agencies"]],
    )
    sections = [
        {
            "id": "agencies",
            "title": t("au_brokers_table", n=len(data["agencies"]), tasks=data["tasks"]),
            "columns": BROKER_COLUMNS,
            "rows": rows,
            "table": "agencies",
            "note": note,
        }
    ]
    return _report(
        sections,
        report="brokers",
        title=t("au_brokers_title_plan", plan=_plan_title(plan)) if plan else t("au_brokers_title"),
        intro=t("au_brokers_intro"),
        plan=plan,
        groups=groups,
        query="agency-load",
    )


def _timeline_args() -> tuple[str | None, str | None, str, str]:
    plan, agency = iri_arg("plan"), iri_arg("agency")
    repo = repository()
    if agency:
        if repo.kind(agency) != "agency":
            abort(404, description=t("pg_not_found_iri", iri=agency))
        title = t("au_timeline_of", name=repo.label(agency))
    elif plan:
        title = t("au_timeline_of", name=_plan_title(plan) or repo.label(plan))
    else:
        title = t("au_timeline_all")
    return plan, agency, title, _as_of()


@bp.route("/timeline")
@bp.route("/timeline.<any(json, csv, xlsx):suffix>")
def timeline_page(suffix: str | None = None):
    plan, agency, title, as_of = _timeline_args()
    data = timeline(plan, agency)
    fmt = wanted_format(suffix, REPORT_FORMATS)
    if fmt == "json":
        return json_response(data)
    rows = [dict(r, roleLabel=t("pg_role_" + r["role"]) if r["role"] else "") for r in data["tasks"]]
    if fmt in TABLE_FORMATS:
        return _download("deadlines", fmt, TIMELINE_COLUMNS, rows)
    columns = TIMELINE_COLUMNS if agency else [c for c in TIMELINE_COLUMNS if c[0] != "roleLabel"]
    agencies = _timeline_agencies()
    sections = [
        {
            "id": "deadlines",
            "title": t("au_timeline_table", n=len(rows)),
            "columns": columns,
            "rows": rows,
            "table": "deadlines",
        }
    ]
    return render_template(
        "audit_timeline.html",
        sections=_page_sections(sections),
        title=title,
        plan=plan,
        agency=agency,
        as_of=as_of,
        plans=_plans(),
        agencies=agencies,
        chart_url="/audit/timeline.svg?" + urlencode(list(request.args.items(multi=True))),
        font=cjk_font(),
        plan_title=_plan_title(plan),
        agency_label=repository().label(agency) if agency else None,
        report="timeline",
        query="deadline-timeline",
    )


def _timeline_agencies() -> list[dict]:
    def compute():
        held: dict[str, int] = defaultdict(int)
        for task in _base()["tasks"]:
            if task["deadlines"]:
                for a in {a["agency"] for h in task["roles"].values() for a in h}:
                    held[a] += 1
        agencies = _base()["agencies"]
        rows = [{**_entry(agencies[a]), "tasks": n} for a, n in held.items()]
        return sorted(rows, key=lambda r: (agencies[r["agency"]]["jurisdictionLabel"] or "", r["label"]))

    return repository().cached(("audit", "timeline-agencies"), compute)


@bp.route("/timeline.svg")
def timeline_chart():
    plan, agency, title, as_of = _timeline_args()
    from web.i18n import current_lang

    body = timeline_svg(timeline(plan, agency), title, as_of, current_lang())
    response = Response(body, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
