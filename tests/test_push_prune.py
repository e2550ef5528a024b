"""`kg push --prune` against a real Oxigraph server (the `oxigraph` command from PyPI) started on loopback.

The bundled corpus (five plans) is pushed, with two graphs that are not Lantian plan graphs put there first as
other data of a ministry's server would be; then a store of four of the plans (武定县's left out) is pushed with
--prune: 武定县's graph must be gone, the four others, the cross-plan graph and the other data untouched. A dry
run must change nothing, and a wrong query endpoint must fail after the push, deleting nothing. A store holding no
plan (a wrong --store) is refused before anything is sent unless --allow-empty-store, and a store folder that does
not exist or holds no store fails, the server untouched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import free_port, graph_sizes, push_cli, server_rows
from helpers import oxigraph_server as running_oxigraph

from kg.cli import main
from kg.namespaces import ID
from kg.push import (
    CROSS_PLAN_GRAPH,
    DEFAULT_GRAPH,
    EmptyStoreError,
    GraphStoreClient,
    SparqlQueryClient,
    default_query_endpoint,
    holds_plans,
    is_prunable_graph,
    prune,
    push,
)
from kg.store import write_store

PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"
WUDING = "002_448f24fbce9855ca.txt"  # 武定县 plan, 武政通〔2019〕11号: the one removed from the store
WUDING_PLAN = "https://w3id.org/lantian/id/plan/楚雄州武定县/武政通〔2019〕11号"
WUDING_GRAPH = f"{WUDING_PLAN}/graph"
OTHER_GRAPH = "http://example.org/other"  # a ministry's own data on the same server
NOTES_GRAPH = f"{ID}graph/audit-notes"  # under the Lantian namespace, but no plan's graph
OTHER_TRIPLE = b'<http://example.org/s> <http://example.org/p> "kept" .\n'


def _wuding_tasks(base: str) -> int:
    rows = server_rows(
        base,
        f"""PREFIX lt: <https://w3id.org/lantian/ontology#>
        SELECT (COUNT(DISTINCT ?task) AS ?n) WHERE {{ GRAPH ?g {{ ?task lt:inPlan <{WUDING_PLAN}> }} }}""",
    )
    return int(rows[0]["n"])


@pytest.fixture(scope="module")
def four_plan_store(tmp_path_factory) -> Path:
    """A store built by `kg build` from the bundled plans but 武定县's."""
    folder = tmp_path_factory.mktemp("four-plans")
    plans = folder / "plans"
    shutil.copytree(PLANS, plans)
    (plans / WUDING).unlink()
    store = folder / "store"
    result = CliRunner().invoke(main, ["build", str(plans), "--store", str(store)])
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory) -> Path:
    """A store that holds no plan: an Oxigraph store folder written with no triples, as a wrong --store is."""
    store = tmp_path_factory.mktemp("empty") / "store"
    assert write_store(store, []) == 0
    return store


def _plan_graphs(sizes: dict[str, int]) -> set[str]:
    return {graph for graph in sizes if graph.startswith(f"{ID}plan/")}


@pytest.fixture
def five_plans_and_other_data(oxigraph_server, built_store) -> str:
    """The server holding the bundled corpus and two graphs no push wrote; its base URL."""
    result = push_cli(oxigraph_server, built_store)
    assert result.exit_code == 0, result.output
    gsp = GraphStoreClient(f"{oxigraph_server}/store")
    gsp.put(OTHER_GRAPH, OTHER_TRIPLE)
    gsp.put(NOTES_GRAPH, OTHER_TRIPLE)
    sizes = graph_sizes(oxigraph_server)
    assert len([g for g in sizes if g.startswith(f"{ID}plan/")]) == 5
    assert WUDING_GRAPH in sizes
    assert _wuding_tasks(oxigraph_server) > 0  # the server answers with 武定县's tasks
    return oxigraph_server


def test_prune_deletes_the_graph_of_the_plan_removed_and_nothing_else(
    five_plans_and_other_data, four_plan_store
):
    base = five_plans_and_other_data
    before = graph_sizes(base)

    result = push_cli(base, four_plan_store, "--prune", "--verbose")
    assert result.exit_code == 0, result.output
    assert "pushed 4 plan graph(s) and the cross-plan graph" in result.stdout
    assert f"pruned 1 graph(s) of plans no longer in the store from {base}/store" in result.stdout
    assert f"listed by {base}/query" in result.stdout  # the query endpoint derived from /store
    assert f"deleted {WUDING_GRAPH}" in result.stdout

    after = graph_sizes(base)
    assert set(after) == set(before) - {WUDING_GRAPH}
    assert len([g for g in after if g.startswith(f"{ID}plan/")]) == 4
    assert CROSS_PLAN_GRAPH in after
    assert after[OTHER_GRAPH] == after[NOTES_GRAPH] == 1  # other data untouched
    assert _wuding_tasks(base) == 0  # the server no longer answers with the removed plan's tasks


def test_prune_again_deletes_nothing(five_plans_and_other_data, four_plan_store):
    base = five_plans_and_other_data
    assert push_cli(base, four_plan_store, "--prune").exit_code == 0
    result = push_cli(base, four_plan_store, "--prune")
    assert result.exit_code == 0, result.output
    assert "pruned 0 graph(s)" in result.stdout


def test_a_dry_run_lists_what_would_go_and_changes_nothing(five_plans_and_other_data, four_plan_store):
    base = five_plans_and_other_data
    before = graph_sizes(base)

    result = push_cli(base, four_plan_store, "--prune", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run, nothing sent or deleted: --prune would delete 1 graph(s)" in result.stdout
    assert f"  {WUDING_GRAPH}\n" in result.stdout
    assert OTHER_GRAPH not in result.stdout and NOTES_GRAPH not in result.stdout
    assert graph_sizes(base) == before  # not even the four plans' graphs were sent


def test_an_unreachable_query_endpoint_fails_after_the_push_deleting_nothing(
    five_plans_and_other_data, four_plan_store
):
    base = five_plans_and_other_data
    for query_endpoint, cause in (
        (f"{base}/nope", "404 Not Found"),
        (f"http://127.0.0.1:{free_port()}/query", "cannot reach the server"),
    ):
        result = push_cli(base, four_plan_store, "--prune", "--query-endpoint", query_endpoint, "--retries", "0")
        assert result.exit_code == 1
        assert f"the push to {base}/store is done, but the prune failed: {query_endpoint}" in result.stderr
        assert cause in result.stderr
        assert "pushed 4 plan graph(s)" in result.stdout
        assert WUDING_GRAPH in graph_sizes(base)


def test_a_query_endpoint_of_another_dataset_deletes_nothing(
    five_plans_and_other_data, four_plan_store, tmp_path
):
    base = five_plans_and_other_data
    with running_oxigraph(tmp_path) as elsewhere:  # an empty server: it lists none of the graphs pushed
        result = push_cli(base, four_plan_store, "--prune", "--query-endpoint", f"{elsewhere}/query")
    assert result.exit_code == 1
    assert "the push to" in result.stderr and "is done, but the prune failed" in result.stderr
    assert f"{elsewhere}/query does not list" in result.stderr
    assert "nothing was deleted" in result.stderr
    assert WUDING_GRAPH in graph_sizes(base)


def test_prune_needs_a_query_endpoint_it_cannot_guess(four_plan_store):
    result = CliRunner().invoke(
        main, ["push", "--endpoint", "http://127.0.0.1:9/gsp", "--store", str(four_plan_store), "--prune"]
    )
    assert result.exit_code == 2
    assert "--prune needs --query-endpoint" in result.output


def test_dry_run_and_query_endpoint_need_prune(four_plan_store):
    result = CliRunner().invoke(
        main,
        ["push", "--endpoint", "http://127.0.0.1:9/store", "--dry-run", "--query-endpoint", "http://x/q"],
    )
    assert result.exit_code == 2
    assert "--query-endpoint, --dry-run need(s) --prune" in result.output


@pytest.mark.parametrize(
    ("graph_store", "query"),
    [
        ("http://host:7878/store", "http://host:7878/query"),  # Oxigraph
        ("http://host:3030/lantian/data", "http://host:3030/lantian/query"),  # Fuseki
        ("http://host:8890/sparql-graph-crud-auth", "http://host:8890/sparql-auth"),  # Virtuoso, Digest
        ("http://host:8890/sparql-graph-crud?graph-uri=x", "http://host:8890/sparql"),  # Virtuoso
        ("http://host:7200/repositories/lantian/rdf-graphs/service", "http://host:7200/repositories/lantian"),
        ("http://host/gsp", None),
        ("http://host/data", None),  # no dataset name before /data: not Fuseki's form
    ],
)
def test_the_query_endpoint_guessed_from_the_graph_store_endpoint(graph_store, query):
    assert default_query_endpoint(graph_store) == query


def test_only_plan_graphs_and_the_default_graph_may_be_pruned():
    assert is_prunable_graph(WUDING_GRAPH)
    assert is_prunable_graph(f"{ID}graph/default")
    assert not is_prunable_graph(CROSS_PLAN_GRAPH)
    assert not is_prunable_graph(NOTES_GRAPH)
    assert not is_prunable_graph(OTHER_GRAPH)
    assert not is_prunable_graph(f"{WUDING_PLAN}/task/1/graph")  # a plan key holds no "/"
    assert not is_prunable_graph(f"{ID}plan//graph")
    assert not is_prunable_graph(f"{WUDING_GRAPH}s")


def test_a_store_holding_no_plan_is_refused_and_the_server_keeps_every_graph(
    five_plans_and_other_data, empty_store
):
    base = five_plans_and_other_data
    before = graph_sizes(base)

    pruning = push_cli(base, empty_store, "--prune")
    assert pruning.exit_code == 1
    assert f"the store at {empty_store} holds no plan" in pruning.stderr
    assert f"replace the cross-plan graph on {base}/store" in pruning.stderr
    assert "--prune would delete all 5 Lantian plan graph(s) there" in pruning.stderr
    assert "nothing was sent or deleted" in pruning.stderr
    assert "pass --allow-empty-store to push it anyway" in pruning.stderr
    assert pruning.stdout == ""

    plain = push_cli(base, empty_store)  # it would still empty the server's cross-plan graph
    assert plain.exit_code == 1
    assert f"the store at {empty_store} holds no plan" in plain.stderr
    assert "--prune would delete" not in plain.stderr

    assert graph_sizes(base) == before  # every plan graph, the cross-plan graph and the other data as they were
    assert _wuding_tasks(base) > 0


def test_push_and_prune_themselves_refuse_a_store_holding_no_plan(five_plans_and_other_data, empty_store):
    base = five_plans_and_other_data
    before = graph_sizes(base)
    client, query = GraphStoreClient(f"{base}/store"), SparqlQueryClient(f"{base}/query")
    with pytest.raises(EmptyStoreError, match=f"the store at {empty_store} holds no plan"):
        push(client, empty_store)
    with pytest.raises(EmptyStoreError, match="would delete all 5 Lantian plan graph") as refused:
        prune(client, query, {CROSS_PLAN_GRAPH})
    assert set(refused.value.doomed) == _plan_graphs(before)
    assert graph_sizes(base) == before


def test_a_dry_run_of_a_store_holding_no_plan_lists_every_plan_graph_and_says_it_would_be_refused(
    five_plans_and_other_data, empty_store
):
    base = five_plans_and_other_data
    before = graph_sizes(base)

    result = push_cli(base, empty_store, "--prune", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run, nothing sent or deleted: --prune would delete 5 graph(s)" in result.stdout
    for graph in _plan_graphs(before):
        assert f"  {graph}\n" in result.stdout
    assert f"note: the store at {empty_store} holds no plan: without --allow-empty-store" in result.stdout
    assert graph_sizes(base) == before


def test_allow_empty_store_pushes_it_and_prunes_every_plan_graph(five_plans_and_other_data, empty_store):
    base = five_plans_and_other_data
    assert len(_plan_graphs(graph_sizes(base))) == 5

    result = push_cli(base, empty_store, "--prune", "--allow-empty-store", "--verbose")
    assert result.exit_code == 0, result.output
    assert "pushed 0 plan graph(s) and the cross-plan graph (0 triples)" in result.stdout
    assert f"pruned 5 graph(s) of plans no longer in the store from {base}/store" in result.stdout
    assert f"deleted {WUDING_GRAPH}" in result.stdout

    after = graph_sizes(base)
    assert _plan_graphs(after) == set()
    assert CROSS_PLAN_GRAPH not in after  # replaced by the store's, which is empty
    assert after[OTHER_GRAPH] == after[NOTES_GRAPH] == 1  # other data untouched
    assert _wuding_tasks(base) == 0


def test_a_store_folder_that_does_not_exist_or_holds_no_store_fails_and_sends_nothing(
    five_plans_and_other_data, tmp_path
):
    base = five_plans_and_other_data
    before = graph_sizes(base)
    nowhere = tmp_path / "no-such-store"
    for folder, found in ((nowhere, "no such folder"), (tmp_path, "the folder holds no store")):
        for extra in ((), ("--prune",), ("--prune", "--dry-run"), ("--prune", "--allow-empty-store")):
            result = push_cli(base, folder, *extra)
            assert result.exit_code == 3, (extra, result.output)
            assert f"error: no store at {folder} ({found}): run `kg build` first" in result.stderr
            assert result.stdout == ""
    assert not nowhere.exists()  # not created either
    assert graph_sizes(base) == before


def test_a_store_holds_plans_when_it_holds_a_plan_graph_or_a_default_graph():
    assert holds_plans({CROSS_PLAN_GRAPH, WUDING_GRAPH})
    assert holds_plans({CROSS_PLAN_GRAPH, DEFAULT_GRAPH})  # a store not made by kg build
    assert not holds_plans({CROSS_PLAN_GRAPH})
    assert not holds_plans(set())
