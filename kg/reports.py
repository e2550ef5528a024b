"""The auditor's reports as computations over the graph, for the explorer's lists (web.lists) and `kg report`:
overdue, due soon, lead gone, gaps, brokers and deadline timelines, each a list of plain JSON-ready rows; and
the facets every list of tasks or agencies is narrowed by (plan, place, level, role, agency, deadline year,
"has a lead", "lead gone in the reform").

`repo` is a `web.repository.Repository` (its `table`, `rows`, `cached`, `plans` and `agencies`): the base rows
(every task with its plan, place, deadlines and accountable agencies) are read once per store generation and
each report filters them; a report's answer is cached under its own parameters.

The graph records what plans require, not what was done: "overdue" means the due date has passed.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from kg.betweenness import BETWEENNESS_SAMPLES, bipartite_betweenness

ROLES = ("leads", "supports", "implements", "responsibleFor")

# --- the base rows, once per store generation --------------------------------------------------------


def base(repo) -> dict:
    """Every task with its plan, jurisdiction, deadlines and accountable agencies in each of the four roles
    (each agency with the unit that holds its duties now), as plain dicts; cached until the store is
    swapped. Built on `leads_base()`: the tasks, with the three other roles read on top."""
    return repo.cached(("report", "base"), lambda: _with_every_role(repo, leads_base(repo)))


def leads_base(repo) -> dict:
    """The tasks as `base()` has them but with their leads only (task["roles"] == {"leads": [...]}): all
    the overdue, due-soon and lead-gone reports read, without the 150,000 other role statements at 6M."""
    return repo.cached(("report", "leads-base"), lambda: _read_base(repo))


def _read_base(repo) -> dict:
    # rows as tuples, not dicts: at 6M triples these reads return some 300,000 rows
    levels = {p["plan"]: p["level"] for p in repo.plans()}
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
            "level": levels.get(plan),
            "jurisdiction": jurisdiction,
            "jurisdictionLabel": jurisdiction_label,
            "deadlines": [],
            "excerpt": shorten(text, 80),
        }
    for task_iri, due, phrase in repo.table(
        """SELECT ?task ?due ?phrase WHERE { { SELECT ?task ?d WHERE { ?task lt:hasDeadline ?d } }
             { SELECT ?d ?due WHERE { ?d lt:dueDate ?due } }
             OPTIONAL { SELECT ?d ?phrase WHERE { ?d a lt:Deadline ; lt:phrase ?phrase } } }"""
    ):
        task = tasks.get(task_iri)
        if task is None:
            continue
        add_deadline(task["deadlines"], due, phrase)
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
    return {
        "tasks": ordered,
        "by_iri": {x["task"]: x for x in ordered},
        "agencies": agencies,
        "plans": [{"plan": p, "title": x} for p, x in plans],
    }


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


def _with_every_role(repo, leads: dict) -> dict:
    """`leads_base()` with the supports, implements and responsibleFor roles added, in new task dicts (the
    leads-only ones stay as they are: other reports may be reading them)."""
    tasks = {
        task["task"]: dict(task, roles={"leads": task["roles"]["leads"]} | {r: [] for r in ROLES[1:]})
        for task in leads["tasks"]
    }
    for role in ROLES[1:]:
        _read_role(repo, role, tasks, leads["agencies"])
    return dict(leads, tasks=list(tasks.values()), by_iri=tasks)


def with_phrase(phrases: str | None, phrase: str | None) -> str | None:
    """A deadline's wordings (joined by "；", in sorted order) with `phrase` added when it is new: one task may
    have two deadlines of one date, written 于2020年底前 and 2020年底前."""
    known = [p for p in (phrases or "").split("；") if p]
    if not phrase or phrase in known:
        return phrases
    return "；".join(sorted([*known, phrase]))


def add_deadline(deadlines: list[dict], due: str, phrase: str | None) -> None:
    """Add a task's deadline ({due, phrase}) to its `deadlines`, one entry a date (its wordings joined)."""
    same = next((d for d in deadlines if d["due"] == due), None)
    if same is None:
        deadlines.append({"due": due, "phrase": phrase})
    else:
        same["phrase"] = with_phrase(same["phrase"], phrase)


def _year(value) -> int | None:
    try:
        return int(str(value)[:4]) if value else None
    except ValueError:
        return None


def shorten(text: str, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[:width] + "…"


def entry(agency: dict) -> dict:
    return {"agency": agency["agency"], "label": agency["label"]}


def _holder(agency: dict) -> dict:
    """The unit that holds the agency's duties now: its successor after the reform, else itself."""
    return entry(agency["successor"] or agency)


def task_row(task: dict, deadline: dict | None = None) -> dict:
    """One report row: the task, its plan, level and jurisdiction, its leads and who holds them now."""
    leads = task["roles"]["leads"]
    row = {
        "task": task["task"],
        "section": task["section"] or "-",
        "heading": task["heading"],
        "excerpt": task["excerpt"],
        "plan": task["plan"],
        "planTitle": task["planTitle"],
        "level": task["level"],
        "jurisdiction": task["jurisdiction"],
        "jurisdictionLabel": task["jurisdictionLabel"],
        "leads": [entry(a) for a in leads],
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


def due_key(row: dict) -> tuple:
    """A deadline row's place in the national order of deadlines the build states (`lt:dueOrder`, see
    kg.statistics): by date, then the name of its plan's place, then the task's IRI; the explorer reads the
    lists a page at a time in that order (web.first), so the whole answer is in it too."""
    return (row["due"], row["jurisdictionLabel"] or "", row["task"])


def task_key(row: dict) -> tuple:
    """A task row's place in the national order of tasks the build states (`lt:taskOrder`): by its plan's
    place, then the plan's title, then the task's IRI (the gap lists' order)."""
    return (row["jurisdictionLabel"] or "", row["planTitle"] or "", row["task"])


def _by_due(rows: list[dict]) -> list[dict]:
    rows.sort(key=due_key)
    return rows


# --- the reports -------------------------------------------------------------------------------------


def overdue(repo, as_of: str) -> list[dict]:
    """Deadlines before `as_of`: one row per task and deadline, earliest first."""

    def compute():
        tasks = leads_base(repo)["tasks"]
        return _by_due([task_row(x, d) for x in tasks for d in x["deadlines"] if d["due"] < as_of])

    return repo.cached(("report", "overdue", as_of), compute)


def plus_days(day: date, days: int) -> date:
    """`day` + `days`, or the calendar's last day (9999-12-31) when that is past it: a window from
    ?as_of=9999-12-01 ends there, where adding overflowed."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max


def until(as_of: str, days: int) -> str:
    return plus_days(date.fromisoformat(as_of), days).isoformat()


def due_soon(repo, as_of: str, days: int) -> list[dict]:
    """Deadlines from `as_of` (included) to `as_of` + `days` (included)."""
    last = until(as_of, days)

    def compute():
        tasks = leads_base(repo)["tasks"]
        return _by_due([task_row(x, d) for x in tasks for d in x["deadlines"] if as_of <= d["due"] <= last])

    return repo.cached(("report", "due-soon", as_of, days), compute)


def nearest_outside(rows: list[dict], as_of: str, days: int) -> tuple[str, str] | None:
    """Why a due-soon window is empty, from the deadline rows (of `timeline`) the list's filters keep: ("next",
    the first due date after the window) or ("latest", the last one before it); None without deadlines."""
    dues = [r["due"] for r in rows]
    later = [due for due in dues if due > until(as_of, days)]
    if later:
        return "next", min(later)
    return ("latest", max(dues)) if dues else None


def lead_gone(repo, as_of: str) -> list[dict]:
    """Deadlines before `as_of` of tasks whose lead the reform had replaced by `as_of`'s year: one row per
    task, deadline and replaced lead, with the unit that holds its duties now."""

    def compute():
        rows = [row for task in leads_base(repo)["tasks"] for row in lead_gone_rows(task, as_of)]
        rows.sort(key=lambda r: (*due_key(r), r["lead"][0]["agency"]))
        return rows

    return repo.cached(("report", "lead-gone", as_of), compute)


def lead_gone_rows(task: dict, as_of: str, due: str | None = None, lead: str | None = None) -> list[dict]:
    """The lead-gone rows of one task (of `base`): a row per deadline before `as_of` and lead the reform had
    replaced by `as_of`'s year (only the deadline `due` and the lead `lead` when given)."""
    year = int(as_of[:4])
    gone = [
        a
        for a in task["roles"]["leads"]
        if a["successor"]
        and (a["successor"]["year"] is None or a["successor"]["year"] <= year)
        and lead in (None, a["agency"])
    ]
    rows = []
    for d in task["deadlines"] if gone else ():
        if d["due"] >= as_of or due not in (None, d["due"]):
            continue
        for agency in gone:
            row = task_row(task, d)
            row.update(
                lead=[entry(agency)],
                reformYear=agency["successor"]["year"],
                heldNowBy=[entry(agency["successor"])],
            )
            rows.append(row)
    return rows


def tasks(repo) -> list[dict]:
    """Every task as a report row, with what the gap tables ask: its first due date, every accountable
    agency ("others"), its collectives ("collectives", lt:AgencyGroup) and their roles, whether only
    collectives answer for it ("collectiveOnly")."""

    def compute():
        return sorted((gap_row(task) for task in base(repo)["tasks"]), key=task_key)

    return repo.cached(("report", "tasks"), compute)


def gap_row(task: dict) -> dict:
    """One task (of `base`) as `tasks` lists it."""
    everyone = _unique([a for held in task["roles"].values() for a in held])
    groups = [a for a in everyone if a["group"]]
    row = task_row(task)
    row["deadlines"] = task["deadlines"]
    row["firstDue"] = task["deadlines"][0]["due"] if task["deadlines"] else None
    row["others"] = [entry(a) for a in everyone]
    row["collectives"] = [entry(a) for a in groups]
    row["collectiveOnly"] = bool(groups) and len(groups) == len(everyone)
    row["collectiveRoles"] = [
        {"role": role, "agency": a["agency"]} for role, held in task["roles"].items() for a in held if a["group"]
    ]
    return row


def collectives(repo, rows: list[dict]) -> list[dict]:
    """Each collective's roles over the task rows (of `tasks`), and the tasks it alone answers for."""
    agencies = leads_base(repo)["agencies"]
    found: dict[str, dict] = {}
    for row in rows:
        for held in row["collectiveRoles"]:
            a = agencies[held["agency"]]
            item = found.setdefault(
                a["agency"],
                {**entry(a), "jurisdiction": a["jurisdiction"], "jurisdictionLabel": a["jurisdictionLabel"]}
                | {"alone": 0}
                | {r: 0 for r in ROLES},
            )
            item[held["role"]] += 1
        for a in row["collectives"] if row["collectiveOnly"] else ():
            found[a["agency"]]["alone"] += 1
    return sorted(found.values(), key=lambda x: (-x["leads"], -x["alone"], x["label"]))


def by_agency(repo, rows: list[dict]) -> list[dict]:
    """Overdue rows counted by lead agency: tasks, deadlines, the first due date, who holds its duties now."""
    agencies = leads_base(repo)["agencies"]
    found: dict[str, dict] = {}
    for row in rows:
        for lead in row["leads"]:
            item = found.setdefault(
                lead["agency"], {**lead, "tasks": set(), "deadlines": 0, "first": row["due"]}
            )
            item["tasks"].add(row["task"])
            item["deadlines"] += 1
            item["first"] = min(item["first"], row["due"])
    for item in found.values():
        item["tasks"] = len(item["tasks"])
        successor = agencies[item["agency"]]["successor"]
        item["heldNowBy"] = [entry(successor)] if successor else []
    return sorted(found.values(), key=lambda x: (-x["tasks"], x["label"]))


def by_jurisdiction(rows: list[dict]) -> list[dict]:
    """Overdue rows counted by jurisdiction: tasks, deadlines, tasks with no lead, the first due date."""
    found: dict[str, dict] = {}
    for row in rows:
        item = found.setdefault(
            row["jurisdiction"] or "",
            {"jurisdiction": row["jurisdiction"], "jurisdictionLabel": row["jurisdictionLabel"]}
            | {"tasks": set(), "deadlines": 0, "noLead": set(), "first": row["due"]},
        )
        item["tasks"].add(row["task"])
        item["deadlines"] += 1
        item["first"] = min(item["first"], row["due"])
        if not row["leads"]:
            item["noLead"].add(row["task"])
    for item in found.values():
        item["tasks"], item["noLead"] = len(item["tasks"]), len(item["noLead"])
    return sorted(found.values(), key=lambda x: (-x["tasks"], x["jurisdictionLabel"] or ""))


def timeline(repo, plan: str | None = None, agency: str | None = None) -> list[dict]:
    """The deadlines of every task, of a plan's, or of the tasks an agency is accountable for (with its
    role): one row per task and deadline."""

    def compute():
        rows = []
        for task in base(repo)["tasks"]:
            if not task["deadlines"] or plan and task["plan"] != plan:
                continue
            roles = [r for r, held in task["roles"].items() if any(a["agency"] == agency for a in held)]
            if agency and not roles:
                continue
            for d in task["deadlines"]:
                row = task_row(task, d)
                row["role"] = roles[0] if roles else None
                rows.append(row)
        rows.sort(key=due_key)
        return rows

    return repo.cached(("report", "timeline", plan, agency), compute)


def timeline_agencies(repo) -> list[dict]:
    """The agencies accountable for a task with a deadline, with how many, by place and name."""

    def compute():
        held: Counter = Counter()
        for task in base(repo)["tasks"]:
            if task["deadlines"]:
                held.update({a["agency"] for h in task["roles"].values() for a in h})
        agencies = base(repo)["agencies"]
        rows = [{**entry(agencies[a]), "tasks": n} for a, n in held.items()]
        return sorted(rows, key=lambda r: (agencies[r["agency"]]["jurisdictionLabel"] or "", r["label"]))

    return repo.cached(("report", "timeline-agencies"), compute)


# --- brokers -----------------------------------------------------------------------------------------


def brokers(repo, plan: str | None = None, groups: bool = False) -> dict:
    """Each agency's degree (tasks it holds, any role), lead count and betweenness centrality on the
    bipartite agency–task network of one plan, or of the whole corpus; collectives left out unless
    `groups` (a 各县市人民政府 on every task would otherwise broker every plan)."""

    def compute():
        net = network(repo, plan, groups)
        n, edges, agency_ids = len(net.nodes), net.edges, net.agency_ids
        betweenness, sampled = bipartite_betweenness(n, edges, agency_ids) if agency_ids else ({}, [])
        agencies = base(repo)["agencies"]
        rows = []
        for node in agency_ids:
            a = agencies[net.nodes[node]]
            rows.append(
                {
                    **entry(a),
                    "jurisdiction": a["jurisdiction"],
                    "jurisdictionLabel": a["jurisdictionLabel"],
                    "group": a["group"],
                    "degree": net.degree[node],
                    "leads": net.leads[a["agency"]],
                    "betweenness": significant(betweenness.get(node, 0.0)),
                    "heldNowBy": [entry(a["successor"])] if a["successor"] else [],
                    "changed": bool(a["successor"]),
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

    return repo.cached(("report", "brokers", plan, groups), compute)


class Network:
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


def network(repo, plan: str | None, groups: bool) -> Network:
    """The bipartite agency–task network of one plan or the corpus (collectives only with `groups`)."""
    net = Network()
    for task in base(repo)["tasks"]:
        if plan is not None and task["plan"] != plan:
            continue
        for role, held in task["roles"].items():
            for a in held:
                if a["group"] and not groups:
                    continue
                net.link(a["agency"], task["task"])
                if role == "leads":
                    net.leads[a["agency"]] += 1
    return net


# significant digits kept: a national value is about 10⁻⁶, which rounding to four places made 0
BETWEENNESS_DIGITS = 4


def significant(value: float) -> float:
    """`value` to `BETWEENNESS_DIGITS` significant digits (0.027431… → 0.02743, 2.0231…e-06 → 2.023e-06)."""
    return float(f"{value:.{BETWEENNESS_DIGITS}g}")


def positional(value: float) -> str:
    """A betweenness as the page shows it: digits after the point, no exponent (2.023e-06 → 0.000002023)."""
    return format(Decimal(repr(value)), "f")


# --- facets ------------------------------------------------------------------------------------------


def _years(row: dict) -> list[tuple[str, str]]:
    if row.get("due"):
        dues = [row["due"]]
    elif row.get("deadlines"):
        dues = [d["due"] for d in row["deadlines"]]
    else:
        dues = [row["firstDue"]] if row.get("firstDue") else []
    return [(y, y) for y in dict.fromkeys(str(d)[:4] for d in dues)]


def _flag(value) -> list[tuple[str, str]]:
    return [("1", "1")] if value else [("0", "0")]


# each facet: a row → its values, as (value in the URL, label); a row may have several (its leads, its years)
FACETS = {
    "plan": lambda r: [(r["plan"], r["planTitle"])] if r.get("plan") else [],
    "place": lambda r: [(r["jurisdiction"], r["jurisdictionLabel"])] if r.get("jurisdiction") else [],
    "level": lambda r: [(r["level"], r["level"])] if r.get("level") else [],
    "role": lambda r: [(r["role"], r["role"])] if r.get("role") else [],
    "agency": lambda r: [(a["agency"], a["label"]) for a in r.get("leads") or []],
    "year": _years,
    "has_lead": lambda r: _flag(r.get("leads")),
    "lead_gone": lambda r: _flag(r.get("changed")),
}


def keep(rows: list[dict], selected: dict[str, set[str]]) -> list[dict]:
    """The rows that have, for each facet in `selected`, one of its selected values (values of one facet
    are alternatives, facets combine)."""
    tests = [(FACETS[name], values) for name, values in selected.items() if values]
    if not tests:
        return rows
    return [row for row in rows if all(any(v in values for v, _ in facet(row)) for facet, values in tests)]


def facet_counts(rows: list[dict], names) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, str]]]:
    """For each facet, its values' row counts (most first) and labels, in one pass over `rows`."""
    counts = {name: Counter() for name in names}
    labels: dict[str, dict[str, str]] = {name: {} for name in names}
    for row in rows:
        for name in names:
            for value, label in dict(FACETS[name](row)).items():
                counts[name][value] += 1
                labels[name].setdefault(value, label)
    ordered = {
        name: dict(sorted(c.items(), key=lambda x: (-x[1], str(labels[name][x[0]] or ""), x[0])))
        for name, c in counts.items()
    }
    return ordered, labels
