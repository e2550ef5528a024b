"""Whole national answers (issue 19): the statistics the long lists read instead of a walk or a sum a row, the
``# whole:`` form a canned query takes for its whole answer, and page forms giving the whole answer's rows in
its order, a page at a time (on the bundled store)."""

import pyoxigraph as ox
import pytest
from helpers import parts_sorted

from kg.statistics import STATISTICS_GRAPH, held_now
from kg.store import bind_parameters, canned_queries_dir, read_canned_query, run_query
from web import repository as repository_module
from web.repository import Repository

PREFIXES = """PREFIX lt: <https://w3id.org/lantian/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@pytest.fixture(scope="module")
def store(built_store):
    opened = ox.Store.read_only(str(built_store))
    yield opened
    del opened


def _rows(store, sparql: str) -> list[tuple]:
    return [tuple(None if t is None else t.value for t in row) for row in run_query(store, sparql)]


def _canned(store, name: str, **values) -> list[tuple]:
    query = read_canned_query(canned_queries_dir() / f"{name}.rq")
    return _rows(store, bind_parameters(query.sparql, query.values(values)))


def test_held_now_follows_the_succession_to_its_ends():
    chains = {"a": {"b"}, "b": {"c", "d"}, "c": {"e"}, "x": {"y"}, "y": {"x"}}
    assert held_now(chains) == {"a": {"d", "e"}, "b": {"d", "e"}, "c": {"e"}, "x": set(), "y": set()}


def test_the_units_holding_duties_now_are_the_succession_paths_ends(store):
    stated = set(_rows(store, PREFIXES + "SELECT ?a ?now WHERE { ?a lt:heldNowBy ?now }"))
    walked = set(
        _rows(
            store,
            PREFIXES
            + "SELECT DISTINCT ?a ?now WHERE { ?a lt:succeededBy+ ?now FILTER NOT EXISTS { ?now lt:succeededBy ?x } }",
        )
    )
    assert stated == walked and len(stated) > 5


def test_the_deadlines_whose_lead_is_gone_are_those_the_roles_give(store):
    stated = set(_rows(store, PREFIXES + "SELECT ?d ?lead WHERE { ?d lt:leadGone ?lead }"))
    found = set(
        _rows(
            store,
            PREFIXES
            + "SELECT DISTINCT ?d ?lead WHERE { ?lead lt:leads ?t ; lt:succeededBy ?next . ?t lt:hasDeadline ?d }",
        )
    )
    assert stated == found and stated
    graph = ox.NamedNode(STATISTICS_GRAPH)
    assert all(
        q.graph_name == graph
        for q in store.quads_for_pattern(None, None, None, None)
        if "leadGone" in q.predicate.value
    )


def test_a_whole_answer_takes_the_queries_whole_lines_and_a_page_does_not():
    query = read_canned_query(canned_queries_dir() / "overdue.rq")
    whole = bind_parameters(query.sparql, query.values({"as_of": "2020-06-30"}))
    page = bind_parameters(query.sparql, query.values({"as_of": "2020-06-30", "limit": "10"}))
    assert "# whole:" not in whole and "SELECT * WHERE" in whole
    assert "# whole:" in page and "LIMIT 10" in page
    assert "# whole:" not in bind_parameters(query.sparql, {})  # no parameter at all: the whole answer too


# each query, its parameters, and the old form of its whole answer (the query of main before issue 19's whole
# answers) when its rows must be the same as before
PAGED = [
    ("overdue", {"as_of": "2020-06-30"}),
    ("overdue", {"as_of": "2030-01-01"}),
    ("due-soon", {"as_of": "2019-10-15", "days": "400"}),
    ("tasks-due-before", {"before": "2020-06-30"}),
    ("overdue-lead-gone", {"as_of": "2030-01-01"}),
    ("overdue-lead-gone", {"as_of": "2030-01-01", "plan": "红河"}),
    ("collective-leads", {}),
    ("collective-leads", {"plan": "红河"}),
    ("plan-coverage", {}),
    ("plan-coverage", {"upper": "国发"}),
    ("task-accountability", {"words": "扬尘"}),
    ("task-counterparts", {"words": "燃煤"}),
    ("accountable-now", {"words": "燃煤"}),
]


@pytest.mark.parametrize(("name", "params"), PAGED)
def test_pages_make_up_the_whole_answer_in_its_order(store, name, params):
    whole = _canned(store, name, **params)
    assert len(whole) >= 2, name
    key = {"task-accountability": 7, "task-counterparts": 11, "accountable-now": 7}.get(name)
    size = 1 if len(whole) < 8 else 3
    pages = [
        _canned(store, name, **params, limit=str(size), offset=str(at))
        for at in range(0, len(whole) + size, size)
    ]
    assert not pages[-1]
    got = [row for page in pages for row in page]
    if key is None:  # a page of rows (or of keys each giving one row)
        assert parts_sorted(got) == parts_sorted(whole)
    else:  # a page of tasks, each with all its rows
        assert parts_sorted(got) == parts_sorted(whole)
        assert all(len({row[key] for row in page}) <= size for page in pages)


@pytest.mark.parametrize(
    ("name", "words"),
    [("task-accountability", "扬尘"), ("task-counterparts", "燃煤"), ("accountable-now", "燃煤")],
)
def test_a_search_page_takes_its_candidates_order_from_the_text_table(built_store, store, name, words):
    from kg.texts import task_texts

    texts = task_texts(built_store)
    assert texts.orders  # kg build wrote each task's lt:taskOrder beside its text
    query = read_canned_query(canned_queries_dir() / f"{name}.rq")
    whole = _canned(store, name, words=words)
    tasks = len({row[{"task-counterparts": 11}.get(name, 7)] for row in whole})
    for at in range(0, tasks + 3, 3):
        values = query.values({"words": words, "limit": "3", "offset": str(at)})
        with_table = bind_parameters(query.sparql, values, texts)
        code = "\n".join(line for line in with_table.splitlines() if not line.lstrip().startswith("#"))
        # the table's candidates with their numbers stand for the lookups of ?task lt:taskOrder ?order
        assert "VALUES (?task ?order) { (<" in code and "lt:taskOrder" not in code
        looked_up = _canned(store, name, words=words, limit="3", offset=str(at))
        assert parts_sorted(_rows(store, with_table)) == parts_sorted(looked_up)
    # the whole answer keeps the lookups (hash-joined: see kg.store.bind_parameters)
    assert "lt:taskOrder ?order" in bind_parameters(query.sparql, query.values({"words": words}), texts)


def test_a_large_deadline_page_is_read_by_hashing_and_is_the_pages(built_store, monkeypatch):
    repo = Repository(built_store)
    pages = [
        repo.deadline_page("overdue", "2030-01-01", limit=7, offset=at)["rows"] for at in range(0, 200, 7)
    ]
    paged = [row for page in pages for row in page]
    monkeypatch.setattr(repository_module, "_WHOLE_FROM", 5)
    whole = repo.deadline_page("overdue", "2030-01-01", limit=1000)
    assert whole["total"] == len(whole["rows"]) == len(paged) > 20
    assert whole["rows"] == paged


OLD_COLLECTIVE_LEADS = (
    PREFIXES
    + """
SELECT ?collective ?jurisdiction
       (SUM(?led) AS ?leads) (SUM(?supported) AS ?supports)
       (SUM(?implemented) AS ?implements) (SUM(?responsible) AS ?responsibleFor)
       (SUM(?alone) AS ?onlyAccountable) ?group
WHERE {
  ?group a lt:AgencyGroup ; rdfs:label ?collective .
  ?load lt:ofAgency ?group ; lt:ofPlan ?p ; lt:tasksAccountableForInPlan ?accountable .
  FILTER(EXISTS { ?p rdfs:label ?planTitle })
  OPTIONAL { ?load lt:tasksLedInPlan ?ledCount }
  OPTIONAL { ?load lt:tasksSupportedInPlan ?supportedCount }
  OPTIONAL { ?load lt:tasksImplementedInPlan ?implementedCount }
  OPTIONAL { ?load lt:tasksResponsibleForInPlan ?responsibleCount }
  OPTIONAL { ?load lt:tasksCollectiveOnlyInPlan ?aloneCount }
  OPTIONAL { ?group lt:jurisdiction ?place OPTIONAL { ?place rdfs:label ?jurisdiction } FILTER(BOUND(?jurisdiction)) }
  BIND(COALESCE(?ledCount, 0) AS ?led)
  BIND(COALESCE(?supportedCount, 0) AS ?supported)
  BIND(COALESCE(?implementedCount, 0) AS ?implemented)
  BIND(COALESCE(?responsibleCount, 0) AS ?responsible)
  BIND(COALESCE(?aloneCount, 0) AS ?alone)
}
GROUP BY ?group ?collective ?jurisdiction
ORDER BY DESC(?leads) DESC(?onlyAccountable) ?collective
"""
)


def test_collective_leads_from_the_stated_totals_are_the_sums_over_the_plans(store):
    new = _canned(store, "collective-leads")
    old = _rows(store, OLD_COLLECTIVE_LEADS)
    assert sorted(new, key=repr) == sorted(old, key=repr) and len(new) >= 5
    order = [(-int(r[2]), -int(r[6]), r[0]) for r in new]
    assert order == sorted(order)  # most leads, then most alone, then by name, as before


OLD_PLAN_COVERAGE = (
    PREFIXES
    + """
SELECT ?lowerTitle ?upperTitle ?upperDocNumber ?upperTasks ?localisedTasks
       (IF(?upperTasks > 0, xsd:decimal(ROUND(1000 * ?localisedTasks / ?upperTasks) / 1000), ?none) AS ?share)
       (REPLACE(REPLACE(?dropped, "^；|；$", ""), "；；", "；") AS ?droppedSections) ?lowerPlan ?upperPlan
WHERE {
  {
    SELECT ?lowerPlan ?upperPlan
           (COUNT(DISTINCT ?u) AS ?upperTasks) (COUNT(DISTINCT ?kept) AS ?localisedTasks)
           (GROUP_CONCAT(DISTINCT COALESCE(?droppedSection, ""); separator="；") AS ?dropped)
    WHERE {
      ?lowerPlan a lt:Plan ; lt:sourceFile ?file ; lt:derivesFrom+ ?upperPlan ; rdfs:label ?lowerLabel .
      ?upperPlan rdfs:label ?upperLabel .
      OPTIONAL { ?u lt:inPlan ?upperPlan . OPTIONAL { ?u lt:section ?section } }
      OPTIONAL {
        SELECT DISTINCT ?lowerPlan ?upperPlan ?u (true AS ?carried)
        WHERE { ?carrier lt:derivesFrom ?u ; lt:inPlan ?lowerPlan . ?u lt:inPlan ?upperPlan }
      }
      BIND(BOUND(?carried) AS ?isKept)
      BIND(IF(?isKept, ?u, ?unbound) AS ?kept)
      BIND(IF(BOUND(?u) && !?isKept, ?section, ?unbound) AS ?droppedSection)
    }
    GROUP BY ?lowerPlan ?upperPlan
  }
  ?lowerPlan rdfs:label ?lowerTitle .
  ?upperPlan rdfs:label ?upperTitle .
  OPTIONAL { ?upperPlan lt:docNumber ?upperDocNumber }
}
ORDER BY ?lowerTitle DESC(?upperTasks) ?upperTitle
"""
)


def test_plan_coverage_from_the_stated_pairs_is_the_count_over_the_tasks(store):
    new = _canned(store, "plan-coverage")
    old = _rows(store, OLD_PLAN_COVERAGE)
    assert sorted(parts_sorted(new), key=repr) == sorted(parts_sorted(old), key=repr) and len(new) >= 5
    order = [(r[0], -int(r[3]), r[1]) for r in new]
    assert order == sorted(order)  # by the lower plan's title, the upper plan's tasks (most first), its title
