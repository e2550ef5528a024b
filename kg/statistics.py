"""The statistics graph: answers the national lists open on, computed by the build and stored as triples.

At national scale some lists cannot be answered fast from the plans' facts alone: ordering every overdue
deadline by date, place and task decodes every place name and task IRI at each comparison, ranking every agency
reads every name, and the brokers' betweenness is a computation over the whole agency–task network. The build
computes them once, after the plans' and the cross-plan graphs are written, from the new store itself, and
states them in one named graph (``id/graph/statistics``), replaced with each build (patched with the difference
by ``kg build --update``, which reads from the store only the changed plans' rows, `plan_rows`, and keeps the
others' beside it), readable in SPARQL and pushed with the rest:

- each deadline's ``lt:dueOrder``: its place in the national order of deadlines (due date, then the name of
  its plan's place, then the task's IRI), written yyyymmdd × 10⁸ + rank, so that "due before D" is the integer
  range below D × 10⁸ and a page of overdue deadlines is an ordered read of small integers; the deadlines of
  one task and one date share one number (the lists show one row for them);
- each task's ``lt:taskOrder``: its rank in the national order of tasks by place, plan title and IRI (the
  order of the gap lists);
- each agency's lt:PlanLoad's ``lt:loadOrder`` (by plan title, tasks held, tasks led, name: agency-load.rq);
- ``lt:hasNoLead true`` on each task no agency leads and ``lt:onlyCollectivesAccountable true`` on each task
  only collectives answer for (the gap lists);
- each agency's rank by its number of tasks in each role (``lt:tasksLedRank`` …: most tasks first, then by
  name, then IRI: a page of the ranking is a range of ranks, the same rows in every process);
- the brokers over the whole corpus, collectives left out: each agency's ``lt:betweenness`` (bipartite,
  `kg.betweenness`), its ``lt:degreeRank`` and ``lt:betweennessRank`` (the order of the brokers report).
- what the long lists' whole answers and pages read instead of a walk or a sum a row (`held_now_triples`,
  `collective_triples`, `coverage_triples`):
  ``lt:heldNowBy``, ``lt:leadGone``, each collective's ``lt:tasksCollectiveOnly`` and ``lt:collectiveOrder``,
  each plan's ``lt:PlanCoverage`` of each upper plan it implements.

Each plan's own brokers (``lt:betweennessInPlan`` on its ``lt:PlanLoad``) are computed with the plan's graph
(`kg.corpus.split_plan`), so replacing one plan recomputes only its own.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF

from kg.betweenness import bipartite_betweenness
from kg.namespaces import ID, LT, PREFIXES, ROLE_PROPERTY
from loaders.records import Role

STATISTICS_GRAPH = f"{ID}graph/statistics"
STATISTICS_LIST = "statistics.nt"  # in the store's lantian-plans/: the graph's triples, for --update's patch
PLAN_ROWS_LIST = "statistics-rows.pickle"  # in lantian-plans/: each plan's `plan_rows`, for --update
DUE_ORDER_SCALE = 100_000_000  # dueOrder = yyyymmdd × this + rank (ranks stay below it)
_PREFIXES = {name: str(namespace) for name, namespace in PREFIXES.items()}
_XSD_DOUBLE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")
# each count property of the cross-plan graph and the property of the agency's rank by it
RANK_PROPERTY = {
    LT.tasksLed: LT.tasksLedRank,
    LT.tasksSupported: LT.tasksSupportedRank,
    LT.tasksImplemented: LT.tasksImplementedRank,
    LT.tasksResponsibleFor: LT.tasksResponsibleForRank,
    LT.tasksAccountableFor: LT.tasksAccountableForRank,
}


def double_literal(value: float) -> ox.Literal:
    """`value` as an xsd:double literal (its shortest exact decimal form)."""
    return ox.Literal(repr(float(value)), datatype=_XSD_DOUBLE)


def _table(store: ox.Store, sparql: str, graph: str | None = None) -> Iterator[tuple]:
    """The rows of a SELECT over every graph, or over the named `graph` alone, as tuples of term values."""
    scope = {"default_graph": ox.NamedNode(graph)} if graph else {"use_default_graph_as_union": True}
    for row in store.query(sparql, prefixes=_PREFIXES, **scope):
        yield tuple(None if term is None else term.value for term in row)


# What the statistics read of each plan's own graph (its deadlines, tasks, agencies' loads and role triples),
# each row naming its plan (the role rows through their task), so that `kg build --update` reads again only
# the changed plans' rows and keeps the others' (`read_plan_rows`, `write_plan_rows`).
_PLAN_QUERIES = {
    # each part a sub-SELECT, read through once and joined by hashing
    "deadlines": """SELECT ?deadline ?due ?task ?p WHERE {
                 { SELECT ?deadline ?due WHERE { ?deadline lt:dueDate ?due } }
                 { SELECT ?task ?deadline WHERE { ?task lt:hasDeadline ?deadline } }
                 { SELECT ?task ?p WHERE { ?task lt:inPlan ?p } } }""",
    "tasks": "SELECT ?task ?p WHERE { ?task lt:inPlan ?p }",
    "spans": """SELECT ?task ?p ?start ?section WHERE { ?task lt:inPlan ?p
                  OPTIONAL { ?task lt:sourceStart ?start } OPTIONAL { ?task lt:section ?section } }""",
    "loads": """SELECT ?load ?a ?p ?held ?led WHERE { ?load lt:ofAgency ?a ; lt:ofPlan ?p ;
                  lt:tasksAccountableForInPlan ?held OPTIONAL { ?load lt:tasksLedInPlan ?led } }""",
    **{str(role): f"SELECT ?a ?t WHERE {{ ?a <{prop}> ?t }}" for role, prop in ROLE_PROPERTY.items()},
}
PlanRows = dict[str, list[tuple]]  # query name ("deadlines", "tasks", "loads", each role) → rows


def plan_rows(store: ox.Store, graph: str | None = None) -> dict[str, PlanRows]:
    """The rows of `_PLAN_QUERIES` by plan IRI: of every plan, or of the plan whose graph is `graph`."""
    found: dict[str, PlanRows] = {}
    plan_of: dict[str, str] = {}
    for name in ("tasks", "spans", "deadlines", "loads"):  # tasks first: the role rows find their plan by task
        for row in _table(store, _PLAN_QUERIES[name], graph):
            plan = row[1] if name in ("tasks", "spans") else row[-1] if name == "deadlines" else row[2]
            found.setdefault(plan, {}).setdefault(name, []).append(row)
            if name == "tasks":
                plan_of[row[0]] = plan
    for role in ROLE_PROPERTY:
        for row in _table(store, _PLAN_QUERIES[str(role)], graph):
            found.setdefault(plan_of.get(row[1], ""), {}).setdefault(str(role), []).append(row)
    return found


def read_plan_rows(path: Path) -> dict[str, PlanRows] | None:
    """The plan rows a previous build listed (`write_plan_rows`), or None when it listed none, or listed the
    rows of other queries than these."""
    try:
        with path.open("rb") as listed:
            queries, rows = pickle.load(listed)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
        return None
    return rows if queries == _PLAN_QUERIES else None


def write_plan_rows(path: Path, rows: dict[str, PlanRows]) -> None:
    """List the plan rows in `path`, with the queries that read them."""
    with path.open("wb") as out:
        pickle.dump((_PLAN_QUERIES, rows), out, protocol=pickle.HIGHEST_PROTOCOL)


def statistics_triples(store: ox.Store, rows: dict[str, PlanRows] | None = None) -> Iterator[ox.Triple]:
    """The statistics graph of the store's plans (see the module's docstring); `rows` are the store's
    `plan_rows` when already known (read from the store otherwise)."""
    rows = plan_rows(store) if rows is None else rows

    def every(name: str) -> list[tuple]:
        return [row for found in rows.values() for row in found.get(name, ())]

    labels: dict[str, str] = {}
    for agency, label in _table(store, "SELECT ?a ?label WHERE { ?a a lt:Agency ; rdfs:label ?label }"):
        if agency not in labels or label < labels[agency]:
            labels[agency] = label
    places = _plan_places(store)
    titles = _plan_titles(store)
    groups = {agency for (agency,) in _table(store, "SELECT ?a WHERE { ?a a lt:AgencyGroup }")}
    tasks = every("tasks")
    yield from due_order_triples(every("deadlines"), places)
    yield from task_order_triples(tasks, places, titles)
    yield from load_order_triples(every("loads"), titles, labels, groups)
    yield from rank_triples(store, labels)
    roles = {role: sorted(every(str(role))) for role in ROLE_PROPERTY}
    yield from gap_triples(tasks, roles, groups)
    yield from broker_triples(sorted(pair for pairs in roles.values() for pair in pairs), groups, labels)
    yield from held_now_triples(store, roles[Role.LEADS], every("deadlines"))
    yield from collective_triples(store, {g: labels[g] for g in groups if g in labels})
    yield from coverage_triples(store, titles, tasks, every("spans"))


def _plan_places(store: ox.Store) -> dict[str, str]:
    """Each plan's place name (the least, should a place have two)."""
    places: dict[str, str] = {}
    for plan, place in _table(
        store, "SELECT ?p ?place WHERE { ?p a lt:Plan ; lt:jurisdiction ?j . ?j rdfs:label ?place }"
    ):
        if plan not in places or place < places[plan]:
            places[plan] = place
    return places


def due_order_triples(rows: list[tuple], places: dict[str, str]) -> Iterator[ox.Triple]:
    """Each deadline's ``lt:dueOrder`` (see the module's docstring), from the (deadline, due date, task, plan)
    rows."""
    keys = sorted({(due, places.get(plan, ""), task) for _, due, task, plan in rows})
    rank = {(due, task): i for i, (due, _, task) in enumerate(keys)}
    if len(rank) >= DUE_ORDER_SCALE:
        raise ValueError(f"{len(rank)} deadlines: more than lt:dueOrder can number")
    due_order = ox.NamedNode(str(LT.dueOrder))
    for deadline, due, task, _ in sorted(rows):
        date = int(due[:10].replace("-", ""))
        yield ox.Triple(
            ox.NamedNode(deadline), due_order, ox.Literal(date * DUE_ORDER_SCALE + rank[due, task])
        )


def _plan_titles(store: ox.Store) -> dict[str, str]:
    """Each plan's title (the least, should a plan have two)."""
    titles: dict[str, str] = {}
    for plan, title in _table(store, "SELECT ?p ?title WHERE { ?p a lt:Plan ; rdfs:label ?title }"):
        if plan not in titles or title < titles[plan]:
            titles[plan] = title
    return titles


def task_order_triples(
    rows: list[tuple], places: dict[str, str], titles: dict[str, str]
) -> Iterator[ox.Triple]:
    """Each task's ``lt:taskOrder``: its rank in the national order of tasks, by the name of its plan's place,
    then the plan's title, then the task's IRI (the order of the gap lists), from the (task, plan) rows."""
    keys = sorted((places.get(plan, ""), titles.get(plan, ""), task) for task, plan in rows)
    task_order = ox.NamedNode(str(LT.taskOrder))
    for rank, (_, _, task) in enumerate(dict.fromkeys(keys)):
        yield ox.Triple(ox.NamedNode(task), task_order, ox.Literal(rank))


def stated_task_orders(store: ox.Store) -> dict[str, list[int]]:
    """Each task's ``lt:taskOrder`` numbers as the store's statistics graph states them (for the task text
    table, `kg.texts.write_task_texts`)."""
    orders: dict[str, list[int]] = {}
    for task, order in _table(store, "SELECT ?t ?o WHERE { ?t lt:taskOrder ?o }", STATISTICS_GRAPH):
        orders.setdefault(task, []).append(int(order))
    return orders


def load_order_triples(
    rows: list[tuple], titles: dict[str, str], labels: dict[str, str], groups: set[str]
) -> Iterator[ox.Triple]:
    """Each agency's lt:PlanLoad's ``lt:loadOrder`` (collectives left out): its rank by the plan's title, then
    the tasks the agency holds in the plan (most first), those it leads (most first), its name, its IRI (the
    order of agency-load.rq), from the (load, agency, plan, held, led) rows."""
    keys = []
    for load, agency, plan, held, led in rows:
        if agency not in groups:
            keys.append(
                (titles.get(plan, ""), -int(held), -int(led or 0), labels.get(agency, ""), agency, load)
            )
    load_order = ox.NamedNode(str(LT.loadOrder))
    for rank, key in enumerate(sorted(keys)):
        yield ox.Triple(ox.NamedNode(key[-1]), load_order, ox.Literal(rank))


def rank_triples(store: ox.Store, labels: dict[str, str]) -> Iterator[ox.Triple]:
    """Each agency's rank by its number of tasks in each role (``lt:tasksLedRank`` …)."""
    for count_property, rank_property in RANK_PROPERTY.items():
        counts = list(_table(store, f"SELECT ?a ?n WHERE {{ ?a <{count_property}> ?n }}"))
        counts.sort(key=lambda row: (-int(row[1]), labels.get(row[0], ""), row[0]))
        node = ox.NamedNode(str(rank_property))
        for rank, (agency, _) in enumerate(counts, 1):
            yield ox.Triple(ox.NamedNode(agency), node, ox.Literal(rank))


def agency_task_network(
    roles: list[tuple[str, str]], groups: set[str]
) -> tuple[list[str], list[int], list[tuple[int, int]], list[int]]:
    """The bipartite agency–task network of (agency, task) pairs, collectives (`groups`) left out: node IRIs
    (agencies and tasks numbered as first met), the agencies' node numbers, the distinct links, each node's
    degree."""
    nodes: list[str] = []
    ids: dict[tuple[bool, str], int] = {}
    agencies: list[int] = []
    edges: set[tuple[int, int]] = set()
    for agency, task in roles:
        if agency in groups:
            continue
        ends = []
        for is_agency, iri in ((True, agency), (False, task)):
            node = ids.get((is_agency, iri))
            if node is None:
                node = ids[is_agency, iri] = len(nodes)
                nodes.append(iri)
                if is_agency:
                    agencies.append(node)
            ends.append(node)
        edges.add((ends[0], ends[1]))
    links = sorted(edges)
    degree = [0] * len(nodes)
    for a, t in links:
        degree[a] += 1
        degree[t] += 1
    return nodes, agencies, links, degree


def network_betweenness(roles: list[tuple[str, str]], groups: set[str]) -> dict[str, tuple[float, int]]:
    """Each agency's (bipartite betweenness, degree) on the network of (agency, task) pairs, collectives
    (`groups`) left out."""
    nodes, agencies, links, degree = agency_task_network(roles, groups)
    if not agencies:
        return {}
    values, _ = bipartite_betweenness(len(nodes), links, agencies)
    return {nodes[a]: (values[a], degree[a]) for a in agencies}


def gap_triples(tasks: list[tuple], roles: dict, groups: set[str]) -> Iterator[ox.Triple]:
    """``lt:hasNoLead true`` on each task no agency leads, ``lt:onlyCollectivesAccountable true`` on each task
    whose accountable agencies are all collectives (the gap lists read them instead of a test a task), of the
    (task, plan) rows."""
    led = {task for _, task in roles[Role.LEADS]}
    holders: dict[str, set[str]] = {}
    for pairs in roles.values():
        for agency, task in pairs:
            holders.setdefault(task, set()).add(agency)
    yes = ox.Literal(True)
    no_lead, collective_only = (
        ox.NamedNode(str(LT.hasNoLead)),
        ox.NamedNode(str(LT.onlyCollectivesAccountable)),
    )
    for task in sorted({task for task, _ in tasks}):
        if task not in led:
            yield ox.Triple(ox.NamedNode(task), no_lead, yes)
        if task in holders and holders[task] <= groups:
            yield ox.Triple(ox.NamedNode(task), collective_only, yes)


def broker_triples(
    roles: list[tuple[str, str]], groups: set[str], labels: dict[str, str]
) -> Iterator[ox.Triple]:
    """The brokers over the whole corpus, from the (agency, task) pairs of the four roles: each agency's
    ``lt:betweenness``, ``lt:degreeRank`` and ``lt:betweennessRank`` (collectives left out, as the brokers report
    does by default)."""
    found = network_betweenness(roles, groups)
    shown = {a: float(f"{value:.4g}") for a, (value, _) in found.items()}  # as the report shows it
    by_degree = sorted(found, key=lambda a: (-found[a][1], -shown[a], labels.get(a, ""), a))
    by_betweenness = sorted(found, key=lambda a: (-shown[a], -found[a][1], labels.get(a, ""), a))
    value, degree_rank, betweenness_rank = (
        ox.NamedNode(str(p)) for p in (LT.betweenness, LT.degreeRank, LT.betweennessRank)
    )
    for rank, agency in enumerate(by_degree, 1):
        yield ox.Triple(ox.NamedNode(agency), value, double_literal(found[agency][0]))
        yield ox.Triple(ox.NamedNode(agency), degree_rank, ox.Literal(rank))
    for rank, agency in enumerate(by_betweenness, 1):
        yield ox.Triple(ox.NamedNode(agency), betweenness_rank, ox.Literal(rank))


# --- whole answers (issue 19): what the long national lists read instead of a walk or a sum a row ----------------
# Each reads from the store only what the plan rows (`plan_rows`) do not hold.


def held_now(successors: dict[str, set[str]]) -> dict[str, set[str]]:
    """Each replaced agency's units holding its duties now: those reached by following ``lt:succeededBy``
    (one step or more) that have no successor themselves (none when the chain is a loop), as
    ``?a lt:succeededBy+ ?now FILTER NOT EXISTS { ?now lt:succeededBy ?later }``."""
    found = {}
    for agency in successors:
        seen, todo = set(), list(successors[agency])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(successors.get(node, ()))
        found[agency] = {node for node in seen if node not in successors}
    return found


def held_now_triples(
    store: ox.Store, leads: list[tuple[str, str]], deadlines: list[tuple]
) -> Iterator[ox.Triple]:
    """``lt:heldNowBy`` from each replaced agency to each unit holding its duties now (`held_now`), and
    ``lt:leadGone`` from each deadline to each lead of its task that was replaced (has ``lt:succeededBy``);
    `leads` are the (agency, task) pairs of lt:leads, `deadlines` the plan rows (deadline, due, task, plan)."""
    successors: dict[str, set[str]] = {}
    for old, new in _table(store, "SELECT ?a ?b WHERE { ?a lt:succeededBy ?b }"):
        successors.setdefault(old, set()).add(new)
    held_now_by, lead_gone = ox.NamedNode(str(LT.heldNowBy)), ox.NamedNode(str(LT.leadGone))
    for agency, now in sorted(held_now(successors).items()):
        for unit in sorted(now):
            yield ox.Triple(ox.NamedNode(agency), held_now_by, ox.NamedNode(unit))
    gone: dict[str, set[str]] = {}
    for agency, task in leads:
        if agency in successors:
            gone.setdefault(task, set()).add(agency)
    pairs = set()
    for deadline, _due, task, _plan in deadlines:
        for agency in gone.get(task, ()):
            pairs.add((deadline, agency))
    for deadline, agency in sorted(pairs):
        yield ox.Triple(ox.NamedNode(deadline), lead_gone, ox.NamedNode(agency))


def collective_triples(store: ox.Store, labels: dict[str, str]) -> Iterator[ox.Triple]:
    """Each collective's ``lt:tasksCollectiveOnly`` (the sum of its ``lt:tasksCollectiveOnlyInPlan``, stated
    when above 0) and its ``lt:collectiveOrder`` among the collectives with a lt:PlanLoad: by the tasks it leads
    (most first), those it alone answers for (most first), its name, its IRI (the order of collective-leads.rq);
    `labels`: each collective's least name."""
    led: dict[str, int] = {}
    alone: dict[str, int] = {}
    for group, _, n_led, n_alone in set(
        _table(
            store,
            """SELECT ?g ?load ?led ?alone WHERE { ?g a lt:AgencyGroup . ?load lt:ofAgency ?g ; lt:ofPlan ?p ;
                 lt:tasksAccountableForInPlan ?n . FILTER EXISTS { ?p rdfs:label ?title }
                 OPTIONAL { ?load lt:tasksLedInPlan ?led } OPTIONAL { ?load lt:tasksCollectiveOnlyInPlan ?alone } }""",
        )
    ):
        led[group] = led.get(group, 0) + int(n_led or 0)
        alone[group] = alone.get(group, 0) + int(n_alone or 0)
    only, order = ox.NamedNode(str(LT.tasksCollectiveOnly)), ox.NamedNode(str(LT.collectiveOrder))
    ranked = sorted((g for g in led if g in labels), key=lambda g: (-led[g], -alone[g], labels[g], g))
    for rank, group in enumerate(ranked, 1):
        if alone[group]:
            yield ox.Triple(ox.NamedNode(group), only, ox.Literal(alone[group]))
        yield ox.Triple(ox.NamedNode(group), order, ox.Literal(rank))


def coverage_iri(lower: str, upper: str) -> str:
    """The lt:PlanCoverage of `upper` by `lower`: the lower plan's IRI + "/covers/" + the upper plan's path under
    id/plan/."""
    return f"{lower}/covers/{upper.removeprefix(f'{ID}plan/')}"


def coverage_triples(
    store: ox.Store, titles: dict[str, str], plan_tasks: list[tuple[str, str]], spans: list[tuple]
) -> Iterator[ox.Triple]:
    """Each loaded plan's (one read from a source file) ``lt:PlanCoverage`` of each upper plan it implements
    (``lt:derivesFrom+``; both with a title): the upper plan's tasks (``lt:upperTasks``), those a task of the
    lower plan derives from (``lt:localisedTasks``), the sections of the others (``lt:droppedSections``, in
    the upper plan's order, "；" between them) and its ``lt:coverageOrder`` (by the lower plan's title, the
    upper plan's tasks, most first, the upper plan's title, the IRIs: the order of plan-coverage.rq)."""
    named: dict[str, str] = {}  # every plan's least label (an upper plan need not be loaded to be named)
    for node, label in _table(store, "SELECT ?n ?label WHERE { ?n a lt:Plan ; rdfs:label ?label }"):
        if node not in named or label < named[node]:
            named[node] = label
    lower_plans = {
        p for (p,) in _table(store, "SELECT DISTINCT ?p WHERE { ?p a lt:Plan ; lt:sourceFile ?f }")
    }
    cites: dict[str, set[str]] = {}
    plan_of = dict(plan_tasks)
    task_links = []
    for a, b in _table(store, "SELECT ?a ?b WHERE { ?a lt:derivesFrom ?b }"):
        if a in plan_of:
            if b in plan_of:
                task_links.append((a, b))
        else:
            cites.setdefault(a, set()).add(b)
    tasks: dict[str, list[tuple[int, str]]] = {}
    starts = {task: start for task, _plan, start, _section in spans if start is not None}
    for task, plan in plan_of.items():
        tasks.setdefault(plan, []).append((int(starts.get(task) or 0), task))
    sections: dict[str, set[str]] = {}
    for task, _plan, _start, section in spans:
        if section is not None:
            sections.setdefault(task, set()).add(section)
    carried: dict[tuple[str, str], set[str]] = {}
    for carrier, upper_task in task_links:
        carried.setdefault((plan_of[carrier], plan_of[upper_task]), set()).add(upper_task)
    rows = []
    for lower in sorted(p for p in lower_plans if p in titles):
        seen, todo = set(), list(cites.get(lower, ()))
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(cites.get(node, ()))
        for upper in sorted(p for p in seen if p in named):
            held = sorted(set(tasks.get(upper, ())))
            kept = carried.get((lower, upper), set())
            dropped = []
            for _, task in held:
                if task not in kept:
                    dropped.extend(s for s in sorted(sections.get(task, ())) if s and s not in dropped)
            localised = sum(1 for _, task in held if task in kept)
            rows.append(
                (titles[lower], -len(held), named[upper], lower, upper, localised, "；".join(dropped))
            )
    props = [
        ox.NamedNode(str(p))
        for p in (
            LT.lowerPlan,
            LT.upperPlan,
            LT.upperTasks,
            LT.localisedTasks,
            LT.droppedSections,
            LT.coverageOrder,
        )
    ]
    kind, coverage_class = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(LT.PlanCoverage))
    for rank, (_, minus_held, _, lower, upper, localised, dropped) in enumerate(sorted(rows), 1):
        node = ox.NamedNode(coverage_iri(lower, upper))
        yield ox.Triple(node, kind, coverage_class)
        values = (
            ox.NamedNode(lower),
            ox.NamedNode(upper),
            ox.Literal(-minus_held),
            ox.Literal(localised),
            ox.Literal(dropped),
            ox.Literal(rank),
        )
        for prop, value in zip(props, values, strict=True):
            yield ox.Triple(node, prop, value)
