"""The first sight of the national lists: one page of a list's rows read straight from the store, in the order
the build states (the statistics graph, kg.statistics), without computing the whole answer (kg.reports reads
every task: at 6M triples 0.8 GB and 5–20 s before the first page of a report could be shown).

Each function here is a `web.lists.Table.page`: (params, offset, limit) → {"total": rows in the whole list,
"rows": the rows the whole answer (kg.reports) has at offset…offset+limit, as it has them}, or None when it
cannot give them (a parameter it does not read a page at a time: the whole answer is computed instead). The
rows are made by kg.reports' own row functions (`task_row`, `gap_row`, `lead_gone_rows`) from the page's tasks
as `kg.reports.base` would hold them (`base_tasks`, a few queries over the page's tasks), so a page shows the
same rows, in the same order, with the same columns; tests/test_first_pages.py compares them on every report.
"""

from __future__ import annotations

from kg import reports
from web.repository import _ROLE_BY_IRI, ROLES, bulk_task_tables, task_fact_tables

FAR_FUTURE = "9999-12-31"  # the timeline's deadlines: every one "before" this


def _repo():
    from web.lists import repository

    return repository()


def _plans(repo) -> list[tuple]:
    """(plan, title, level) of every plan with tasks: one light read (the plan list counts every task)."""
    return repo.cached(
        ("first", "plans"),
        lambda: repo.table(
            """SELECT ?plan ?title ?level WHERE { ?plan a lt:Plan ; rdfs:label ?title
                 OPTIONAL { ?plan lt:level ?level } FILTER EXISTS { ?t lt:inPlan ?plan } }"""
        ),
    )


def loaded_plans(repo) -> list[dict]:
    """The plans with tasks ({plan, title}), by title then IRI: the plans kg.reports' lists hold."""

    def compute():
        plans = {(plan, title) for plan, title, _level in _plans(repo)}
        return [{"plan": p, "title": x} for p, x in sorted(plans, key=lambda p: (p[1], p[0]))]

    return repo.cached(("first", "loaded-plans"), compute)


def _levels(repo) -> dict[str, str | None]:
    return repo.cached(("first", "plan-levels"), lambda: {p: level for p, _title, level in _plans(repo)})


# From this many rows (a download of a whole list: web.lists.every_row) the tasks' facts are read as the whole
# answers' are: each fact as one table of the tasks a pattern selects (`within`), joined by hashing
# (`bulk_task_tables`), instead of looked up task by task by VALUES (at 6M triples a lookup costs ~10-25 µs,
# some 15 a task: the 15,613 rows of overdue as of 2021 took 65 s so, ~3 s by hashing).
BULK_FROM = 2_000


def successors(repo, iris) -> dict[str, dict]:
    """agency → the unit holding its duties now (the end of lt:succeededBy) and the year of its change, as
    kg.reports reads them, for the agencies `iris` only: from the ends of their successions the build states
    (lt:heldNowBy, kg.statistics), a lookup an agency."""
    found: dict[str, dict] = {}
    for values in repo._values("agency", iris):
        for agency, now, label, changed in repo.table(
            f"""SELECT ?agency ?now ?nowLabel (SAMPLE(?date) AS ?changed) WHERE {{ {values}
                 ?agency lt:heldNowBy ?now . ?now rdfs:label ?nowLabel .
                 OPTIONAL {{ ?agency org:changedBy/dcterms:date ?date }} }}
               GROUP BY ?agency ?now ?nowLabel"""
        ):
            found[agency] = {"agency": now, "label": label, "year": reports._year(changed)}
    return found


def agencies_of(repo, iris, within: str | None = None) -> dict[str, dict]:
    """The agencies `iris` as kg.reports.base has them: name, collective or not, the unit holding their duties
    now ("successor"). `within` (a group pattern binding ?task, see `_facts`): read as the agencies of those
    tasks, by hashing (`bulk_task_tables`)."""
    iris = list(iris)
    found: dict[str, dict] = {}
    wanted = set(iris)
    if within is None:
        for values in repo._values("a", iris):
            for agency, label, group in repo.table(
                f"""SELECT ?a ?label ?group WHERE {{ {values} ?a a lt:Agency ; rdfs:label ?label
                     OPTIONAL {{ ?a a lt:AgencyGroup BIND(true AS ?group) }} }}"""
            ):
                found[agency] = {"agency": agency, "label": label, "group": bool(group)}
    else:
        for agency, label, typed, group in bulk_task_tables(repo, within)["agencies"]:
            if agency in wanted and typed and label is not None:
                found[agency] = {"agency": agency, "label": label, "group": bool(group)}
    later = successors(repo, iris)
    for agency, item in found.items():
        item["successor"] = later.get(agency)
    return found


def _facts(repo, tasks: list[str], within: str | None = None, roles=ROLES) -> dict[str, dict]:
    """Each task's facts as kg.reports.base reads them (its agencies in `roles` only; a task of a lt:Plan; its
    place when that has a name; a deadline's wording when it is a lt:Deadline), by a few queries over these
    tasks (`task_fact_tables`: looked up, or with `within` read by hashing)."""
    facts: dict[str, dict] = {}
    wanted = set(tasks) if tasks is not None else None  # None: every task `within` binds
    for own, held_by, deadlines_of in task_fact_tables(repo, tasks, within, roles, labels=False):
        for task, section, heading, text, start, plan, title, typed, place, place_label in own:
            if place_label is None:
                place = None
            if task in facts and facts[task]["jurisdiction"] is None and place is not None:
                facts[task].update(jurisdiction=place, jurisdictionLabel=place_label)  # a row with a place
            if not typed or wanted is not None and task not in wanted or task in facts:
                continue
            facts[task] = {
                "task": task,
                "section": section,
                "heading": heading or "",
                "start": start,
                "plan": plan,
                "planTitle": title,
                "jurisdiction": place,
                "jurisdictionLabel": place_label,
                "deadlines": [],
                "excerpt": reports.shorten(text, 80),
                "held": {role: [] for role in roles},
            }
        for task, role, agency, _name in held_by:
            held = facts[task]["held"][_ROLE_BY_IRI[role]] if task in facts else None
            if held is not None and agency not in held:
                held.append(agency)
        for task, due, phrase, typed in deadlines_of:
            if task in facts:
                reports.add_deadline(facts[task]["deadlines"], due, phrase if typed else None)
    return facts


def base_tasks(repo, iris, within: str | None = None, roles=ROLES) -> dict[str, dict]:
    """The tasks `iris` as kg.reports.base holds them (plan, place, deadlines, agencies in each role with the
    unit holding their duties now; in `roles` only when given, as kg.reports.leads_base has the leads), read by a
    few queries over these tasks and their agencies only; `within`, a group pattern binding ?task to these
    tasks (or more; `iris` None: every task it binds), reads them as tables joined by hashing: for many tasks
    (`BULK_FROM`)."""
    facts = _facts(repo, list(dict.fromkeys(iris)) if iris is not None else None, within, roles)
    agencies = agencies_of(
        repo, {a for f in facts.values() for held in f["held"].values() for a in held}, within
    )
    levels = _levels(repo)
    for task in facts.values():
        task["level"] = levels.get(task["plan"])
        task["deadlines"].sort(key=lambda d: d["due"])
        held = task.pop("held")
        task["roles"] = {
            role: sorted((agencies[a] for a in held[role] if a in agencies), key=lambda a: a["label"])
            for role in roles
        }
    return facts


def _deadline_rows(repo, found: dict, role: bool = False) -> dict | None:
    if not found["rows"]:
        return {"total": found["total"], "rows": []}
    tasks = base_tasks(repo, [r["task"] for r in found["rows"]])
    rows = []
    for listed in found["rows"]:
        task = tasks.get(listed["task"])
        deadline = next((d for d in task["deadlines"] if d["due"] == listed["due"]), None) if task else None
        if deadline is None:
            return None  # not a row of the whole answer: let it be computed
        row = reports.task_row(task, deadline)
        if role:
            row["role"] = None
        rows.append(row)
    return {"total": found["total"], "rows": rows}


def _deadline_list(kind: str, as_of: str, offset: int, limit: int, days: int = 90) -> dict | None:
    """A page of a national list of deadlines (`kind` as `Repository.deadline_page` takes it); a long one (from
    `BULK_FROM` rows: a download) from the tasks with a deadline in it, read by hashing (`base_tasks` with
    `within`), made into rows and ordered as kg.reports does it (by `due_key`, the order lt:dueOrder states)."""
    repo = _repo()
    if limit < BULK_FROM:
        return _deadline_rows(repo, repo.deadline_page(kind, as_of, days=days, limit=limit, offset=offset))
    total, found = repo.deadline_keys(kind, as_of, days=days)
    within = f"""{{ SELECT DISTINCT ?task WHERE {{ {{ SELECT ?d WHERE {{ {found} }} }}
                   {{ SELECT ?task ?d WHERE {{ ?task lt:hasDeadline ?d }} }} }} }}"""
    tasks = base_tasks(repo, None, within, roles=("leads",))
    last = reports.until(as_of, days) if kind == "due-soon" else None
    rows = reports._by_due(
        [
            reports.task_row(task, d)
            for task in tasks.values()
            for d in task["deadlines"]
            if (as_of <= d["due"] <= last if last else d["due"] < as_of)
        ]
    )
    if len(rows) != total:
        return None  # the store's order and the report disagree: let the whole answer be computed
    return {"total": total, "rows": rows[offset : offset + limit], "within": within}


def overdue(params: dict, offset: int, limit: int) -> dict | None:
    """A page of /audit/overdue's tasks (kg.reports.overdue)."""
    return _deadline_list("overdue", params["as_of"], offset, limit)


def due_before(params: dict, offset: int, limit: int) -> dict | None:
    """A page of /due (kg.reports.overdue before the date)."""
    return _deadline_list("due", params["before"], offset, limit)


def due_soon(params: dict, offset: int, limit: int) -> dict | None:
    """A page of /audit/due-soon."""
    return _deadline_list("due-soon", params["as_of"], offset, limit, days=params["days"])


def nearest_outside(as_of: str, days: int) -> tuple[str, str] | None:
    """kg.reports.nearest_outside over every deadline, by two reads of the national order of deadlines: ("next",
    the first due date after the window) or ("latest", the last one before it); None without deadlines."""
    from datetime import date

    repo = _repo()
    after = reports.plus_days(date.fromisoformat(reports.until(as_of, days)), 1).isoformat()
    every = repo.deadline_page("overdue", FAR_FUTURE, limit=0)["total"]
    until = repo.deadline_page("overdue", after, limit=0)["total"]  # deadlines up to the window's end
    if every > until:
        return "next", repo.deadline_page("overdue", FAR_FUTURE, limit=1, offset=until)["rows"][0]["due"]
    before = repo.deadline_page("overdue", as_of, limit=0)["total"]
    if before:
        return "latest", repo.deadline_page("overdue", as_of, limit=1, offset=before - 1)["rows"][0]["due"]
    return None


def timeline(params: dict, offset: int, limit: int) -> dict | None:
    """A page of /audit/timeline's deadlines, of every plan or of one (not of an agency: its roles are the
    whole answer's)."""
    if params.get("agency"):
        return None
    repo = _repo()
    found = repo.deadline_page("overdue", FAR_FUTURE, plan=params.get("plan"), limit=limit, offset=offset)
    return _deadline_rows(repo, found, role=True)


def no_lead(params: dict, offset: int, limit: int) -> dict | None:
    return _gaps("no-lead", offset, limit)


def collective_only(params: dict, offset: int, limit: int) -> dict | None:
    return _gaps("collective-only", offset, limit)


_GAP_FLAGS = {"no-lead": "lt:hasNoLead", "collective-only": "lt:onlyCollectivesAccountable"}


def _gaps(kind: str, offset: int, limit: int) -> dict | None:
    repo = _repo()
    if limit >= BULK_FROM:  # a download: every task of the list read by hashing, ordered as kg.reports does
        total = repo.gap_page(kind, limit=0)["total"]
        within = f"{{ SELECT ?task WHERE {{ ?task {_GAP_FLAGS[kind]} true }} }}"
        tasks = base_tasks(repo, None, within)
        if len(tasks) != total:
            return None
        rows = sorted((reports.gap_row(task) for task in tasks.values()), key=reports.task_key)
        return {"total": total, "rows": rows[offset : offset + limit], "within": within}
    found = repo.gap_page(kind, limit=limit, offset=offset)
    tasks = base_tasks(repo, [r["task"] for r in found["rows"]])
    if any(r["task"] not in tasks for r in found["rows"]):
        return None
    return {"total": found["total"], "rows": [reports.gap_row(tasks[r["task"]]) for r in found["rows"]]}


def brokers(params: dict, offset: int, limit: int) -> dict | None:
    """A page of /audit/brokers (collectives left out: with ?groups=1 the whole network is computed)."""
    if params.get("groups"):
        return None
    repo = _repo()
    found = repo.broker_page(params.get("plan"), by="degree", limit=limit, offset=offset)
    later = successors(repo, [r["agency"] for r in found["rows"]])
    rows = []
    for r in found["rows"]:
        now = later.get(r["agency"])
        rows.append(
            {
                "agency": r["agency"],
                "label": r["label"],
                "jurisdiction": r["jurisdiction"],
                "jurisdictionLabel": r["jurisdictionLabel"],
                "group": False,
                "degree": r["degree"],
                "leads": r["leads"],
                "betweenness": r["betweenness"],
                "heldNowBy": [{"agency": now["agency"], "label": now["label"]}] if now else [],
                "changed": now is not None,
                "degreeRank": r["degreeRank"],
                "betweennessRank": r["betweennessRank"],
            }
        )
    return {"total": found["total"], "rows": rows}


def lead_gone(params: dict, offset: int, limit: int) -> dict | None:
    """A page of /audit/lead-gone: the (deadline, replaced lead) pairs before "as of" found from the replaced
    agencies (the fewest: a thousand pairs at 6M triples), in the order of the deadlines (lt:dueOrder) and
    leads, then the page's rows made from its tasks."""
    repo = _repo()
    as_of = params["as_of"]
    keys = repo.cached(("first", "lead-gone", as_of), lambda: _lead_gone_keys(repo, as_of))
    page = keys[offset : offset + limit]
    if not page:
        return {"total": len(keys), "rows": []}
    iris = list(dict.fromkeys(task for _order, _lead, task, _due in page))
    within = None
    if limit >= BULK_FROM:  # the tasks the replaced agencies lead, read by hashing
        within = """{ SELECT DISTINCT ?task WHERE { { SELECT DISTINCT ?lead WHERE { ?lead lt:heldNowBy ?now } }
                      { SELECT ?lead ?task WHERE { ?lead lt:leads ?task } } } }"""
    tasks = base_tasks(repo, iris, within, roles=("leads",))
    rows = []
    for _order, lead, task, due in page:
        found = reports.lead_gone_rows(tasks[task], as_of, due=due, lead=lead) if task in tasks else []
        if len(found) != 1:
            return None  # the store and the report disagree on this pair: let the whole answer be computed
        rows += found
    return {"total": len(keys), "rows": rows, "within": within}


def _lead_gone_keys(repo, as_of: str) -> list[tuple]:
    from datetime import date

    from web.repository import _date_key

    high = _date_key(date.fromisoformat(as_of))
    year = int(as_of[:4])
    found = repo.table(
        f"""SELECT DISTINCT ?order ?lead ?task ?due WHERE {{
             {{ SELECT DISTINCT ?lead ?reformYear WHERE {{
                 ?lead lt:succeededBy ?next .
                 OPTIONAL {{ ?lead org:changedBy ?change OPTIONAL {{ ?change dcterms:date ?changed }} FILTER(BOUND(?changed)) }}
                 BIND(xsd:integer(SUBSTR(STR(?changed), 1, 4)) AS ?reformYear) }} }}
             FILTER(!BOUND(?reformYear) || ?reformYear <= {year})
             ?lead lt:leads ?task . ?task lt:hasDeadline ?d . ?d lt:dueOrder ?order ; lt:dueDate ?due .
             FILTER(?order < {high}) }}"""
    )
    pairs = {(int(order), lead): (task, due) for order, lead, task, due in found}
    return [(order, lead, *pairs[order, lead]) for order, lead in sorted(pairs)]


# --- the agency list: by place, then most tasks, then name -------------------------------------------------

_AGENCY_ROWS = """SELECT ?agency ?label ?jurisdiction ?jurisdictionLabel (COUNT(?collective) > 0 AS ?group)
       (COALESCE(SAMPLE(?led), 0) AS ?leads) (COALESCE(SAMPLE(?any), 0) AS ?tasks)
       (GROUP_CONCAT(DISTINCT ?alias; separator="、") AS ?aliases)
WHERE { %s
  OPTIONAL { ?agency skos:altLabel ?alias } OPTIONAL { ?agency lt:tasksLed ?led }
  OPTIONAL { ?agency lt:tasksAccountableFor ?any }
  OPTIONAL { ?agency a lt:AgencyGroup BIND(true AS ?collective) } }
GROUP BY ?agency ?label ?jurisdiction ?jurisdictionLabel"""


def agencies(params: dict, offset: int, limit: int) -> dict | None:
    """A page of /agencies (Repository.agencies, by place name, most tasks, name): the agencies are counted by
    place (one light read, cached), and only the places the page falls in have their agencies read."""
    repo = _repo()
    groups = repo.cached(("first", "agency-places"), lambda: _agency_places(repo))
    total = sum(count for _label, _places, count in groups)
    rows, at = [], 0
    for label, places, count in groups:
        if at >= offset + limit:
            break
        if count and at + count > offset:
            members = repo.cached(
                ("first", "agencies-of", label),
                lambda label=label, places=places: _agencies_at(repo, label, places),
            )
            if len(members) != count:
                return None  # an agency of two names or two places: the whole list says how it is listed
            rows += members[max(0, offset - at) : offset + limit - at]
        at += count
    changed = set()
    for values in repo._values("a", [r["agency"] for r in rows]):
        changed |= {a for (a,) in repo.table(f"SELECT DISTINCT ?a WHERE {{ {values} ?a lt:succeededBy ?x }}")}
    return {"total": total, "rows": [dict(r, changed=r["agency"] in changed) for r in rows]}


def _agency_places(repo) -> list[tuple[str, list[str], int]]:
    """(place name, its places, agencies there) by name; first ("", [], agencies with no named place)."""
    (every,) = repo.table("SELECT (COUNT(*) AS ?n) WHERE { ?a a lt:Agency }")[0]
    counts = dict(
        repo.table(
            """SELECT ?j (COUNT(*) AS ?n) WHERE { { SELECT ?a WHERE { ?a a lt:Agency } }
                 { SELECT ?a ?j WHERE { ?a lt:jurisdiction ?j } } } GROUP BY ?j"""
        )
    )
    named: dict[str, list[str]] = {}
    for place, label in repo.table(
        """SELECT ?j ?label WHERE { { SELECT DISTINCT ?j WHERE { ?a lt:jurisdiction ?j } } ?j rdfs:label ?label }"""
    ):
        if place in counts:
            named.setdefault(label, []).append(place)
    groups = [(label, places, sum(int(counts[p]) for p in places)) for label, places in named.items()]
    placed = sum(count for _l, _p, count in groups)
    return [("", [], int(every) - placed), *sorted(groups)]


def _agencies_at(repo, label: str, places: list[str]) -> list[dict]:
    if places:
        where = f"""VALUES ?jurisdiction {{ {" ".join(f"<{p}>" for p in places)} }}
          ?agency lt:jurisdiction ?jurisdiction ; a lt:Agency ; rdfs:label ?label .
          ?jurisdiction rdfs:label ?jurisdictionLabel ."""
    else:
        where = """?agency a lt:Agency ; rdfs:label ?label
          FILTER NOT EXISTS { ?agency lt:jurisdiction ?j . ?j rdfs:label ?jl }"""
    rows = repo.rows(_AGENCY_ROWS % where)
    rows.sort(key=lambda r: (r["jurisdictionLabel"] or "", -r["tasks"], r["label"]))
    return rows


# --- the national timeline chart: its first tasks ----------------------------------------------------------


def timeline_chart_rows(tasks: int) -> tuple[list[dict], int]:
    """The deadline rows (every deadline of each) of the first `tasks` tasks in the national order of their
    first deadline (what the chart of every plan draws), and how many tasks have a deadline at all."""
    repo = _repo()
    first: dict[str, None] = {}
    offset, step = 0, 200
    while len(first) < tasks:
        found = repo.deadline_page("overdue", FAR_FUTURE, limit=step, offset=offset)
        for row in found["rows"]:
            first.setdefault(row["task"])
        if offset + step >= found["total"]:
            break
        offset += step
    chosen = list(first)[:tasks]
    held = base_tasks(repo, chosen)
    rows = [
        dict(reports.task_row(held[t], d), role=None)
        for t in chosen
        if t in held
        for d in held[t]["deadlines"]
    ]
    total = repo.cached(
        ("first", "tasks-with-deadlines"),
        lambda: int(repo.table("SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t lt:hasDeadline ?d }")[0][0]),
    )
    return rows, total


def report_totals(as_of: str, days: int) -> dict[str, int]:
    """How many rows the overdue, due-soon, lead-gone and the two gap lists have (the audit index's figures)."""
    repo = _repo()
    return {
        "overdue": repo.deadline_page("overdue", as_of, limit=0)["total"],
        "due_soon": repo.deadline_page("due-soon", as_of, days=days, limit=0)["total"],
        "lead_gone": lead_gone({"as_of": as_of}, 0, 0)["total"],
        "no_lead": repo.gap_page("no-lead", limit=0)["total"],
        "collective_only": repo.gap_page("collective-only", limit=0)["total"],
    }
