"""`kg push` against a real Oxigraph server (the `oxigraph` command from PyPI) started on loopback.

The bundled corpus is pushed (to the `oxigraph_server` of conftest.py), queried back through SPARQLWrapper, one plan is changed and pushed again
(the other plans' graphs must not move), and a dead endpoint must fail with a clear message. The HTTP
client's retries and authentication headers are checked against a tiny local HTTP server.
"""

from __future__ import annotations

import http.server
import json
import shutil
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from helpers import free_port, graph_sizes, push_cli, scripted_server, server_rows

from kg.cli import main
from kg.push import CROSS_PLAN_GRAPH, GraphStoreClient, PushError, SparqlQueryClient
from kg.statistics import STATISTICS_GRAPH

PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"
WUDING = "002_448f24fbce9855ca.txt"  # 武定县 plan: the one changed below
WUDING_GRAPH = "https://w3id.org/lantian/id/plan/楚雄州武定县/武政通〔2019〕11号/graph"
DROPPED_TASK = "2. 加大区域产业布局调整力度。"


def _loaded_plans(store: Path) -> int:
    source_file = ox.NamedNode("https://w3id.org/lantian/ontology#sourceFile")
    store = ox.Store.read_only(str(store))
    return len({quad.subject for quad in store.quads_for_pattern(None, source_file, None, None)})


@pytest.fixture(scope="module")
def pushed(oxigraph_server, built_store):
    result = push_cli(oxigraph_server, built_store)
    assert result.exit_code == 0, result.output
    return oxigraph_server


def test_push_reports_what_it_sent(oxigraph_server, built_store):
    result = push_cli(oxigraph_server, built_store)
    assert result.exit_code == 0, result.output
    assert "pushed 5 plan graph(s) and the cross-plan graph" in result.stdout
    assert f"{oxigraph_server}/store" in result.stdout


def test_one_named_graph_per_plan_one_cross_plan_graph_and_the_statistics(pushed, built_store):
    sizes = graph_sizes(pushed)
    assert len(sizes) == _loaded_plans(built_store) + 2 == 7
    assert CROSS_PLAN_GRAPH in sizes and STATISTICS_GRAPH in sizes
    assert all(graph.endswith("/graph") for graph in set(sizes) - {CROSS_PLAN_GRAPH, STATISTICS_GRAPH})


def test_the_graphs_together_hold_exactly_the_store(pushed, built_store):
    distinct = server_rows(
        pushed, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
    )
    assert int(distinct[0]["n"]) == len(ox.Store.read_only(str(built_store)))


def test_the_lead_of_a_task_is_in_its_plans_graph(pushed):
    rows = server_rows(
        pushed,
        """PREFIX lt: <https://w3id.org/lantian/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?g ?plan ?h WHERE {
            GRAPH ?g { ?agency lt:leads ?task . ?task lt:text ?text ; lt:inPlan ?plan . }
            GRAPH ?h { ?agency rdfs:label "红河州环境保护局"@zh }
            FILTER CONTAINS(?text, "两断三清")
        }""",
    )
    assert len(rows) == 1, rows  # the label is stated in one graph only
    assert rows[0]["g"] == rows[0]["plan"] + "/graph"
    assert "红河州" in rows[0]["plan"]
    assert rows[0]["h"] == CROSS_PLAN_GRAPH  # agencies are described once, across plans


def test_no_triple_is_in_two_graphs(pushed):
    rows = server_rows(
        pushed,
        """SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } GRAPH ?h { ?s ?p ?o } FILTER(STR(?g) < STR(?h)) }""",
    )
    assert int(rows[0]["n"]) == 0


def test_task_links_and_succession_are_in_the_cross_plan_graph(pushed):
    rows = server_rows(
        pushed,
        f"""PREFIX lt: <https://w3id.org/lantian/ontology#>
        SELECT ?p (COUNT(*) AS ?n) WHERE {{ GRAPH <{CROSS_PLAN_GRAPH}> {{ ?s ?p ?o }} }} GROUP BY ?p""",
    )
    predicates = {row["p"] for row in rows}
    assert "https://w3id.org/lantian/ontology#succeededBy" in predicates
    assert "https://w3id.org/lantian/ontology#counterpartOf" in predicates
    assert "https://w3id.org/lantian/ontology#leads" not in predicates  # role triples stay with their plan


def test_replacing_one_plan_leaves_the_others_untouched(oxigraph_server, built_store, tmp_path):
    assert push_cli(oxigraph_server, built_store).exit_code == 0
    before = graph_sizes(oxigraph_server)
    plans = tmp_path / "plans"
    shutil.copytree(PLANS, plans)
    changed = plans / WUDING
    lines = changed.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(DROPPED_TASK)]
    assert len(kept) == len(lines) - 1  # the task paragraph is there to drop
    changed.write_text("".join(kept), encoding="utf-8")
    store = tmp_path / "store"
    assert CliRunner().invoke(main, ["build", str(plans), "--store", str(store)]).exit_code == 0

    result = push_cli(oxigraph_server, store)
    assert result.exit_code == 0, result.output
    after = graph_sizes(oxigraph_server)
    assert set(after) == set(before)
    assert after[WUDING_GRAPH] < before[WUDING_GRAPH]
    untouched = set(before) - {WUDING_GRAPH, CROSS_PLAN_GRAPH, STATISTICS_GRAPH}
    assert len(untouched) == 4
    assert {g: after[g] for g in untouched} == {g: before[g] for g in untouched}
    assert push_cli(oxigraph_server, built_store).exit_code == 0  # the other tests see the bundled corpus


def test_a_dead_endpoint_fails_with_a_clear_message(built_store):
    endpoint = f"http://127.0.0.1:{free_port()}/store"
    result = CliRunner().invoke(
        main, ["push", "--endpoint", endpoint, "--store", str(built_store), "--retries", "1"]
    )
    assert result.exit_code == 1
    assert f"push to {endpoint} failed" in result.stderr
    assert "cannot reach the server" in result.stderr
    assert "2 attempt(s)" in result.stderr


def test_token_and_user_together_is_a_usage_error(built_store):
    result = CliRunner().invoke(
        main, ["push", "--endpoint", "http://127.0.0.1:9/store", "--user", "u", "--token", "t"]
    )
    assert result.exit_code == 2


# --- the HTTP client against a scripted server -----------------------------------------------------


class _Scripted(http.server.BaseHTTPRequestHandler):
    """Answers each PUT with the next status of `script`; records method, path and Authorization."""

    script: list[int] = []
    seen: list[tuple[str, str, str | None]] = []

    def do_PUT(self):  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).seen.append(("PUT", self.path, self.headers.get("Authorization")))
        status = type(self).script.pop(0) if type(self).script else 204
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def scripted():
    _Scripted.script, _Scripted.seen = [], []
    with scripted_server(_Scripted, "/store") as url:
        yield url, _Scripted


def test_5xx_answers_are_retried_with_doubling_backoff(scripted):
    endpoint, handler = scripted
    handler.script = [503, 502]
    waits: list[float] = []
    client = GraphStoreClient(endpoint, retries=3, sleep=waits.append)
    assert client.put("https://example.org/g", b"") == 204
    assert len(handler.seen) == 3
    assert waits == [0.5, 1.0]
    assert handler.seen[0][1] == "/store?graph=https%3A%2F%2Fexample.org%2Fg"


def test_a_refused_login_is_not_retried_and_names_the_endpoint(scripted):
    endpoint, handler = scripted
    handler.script = [401]
    client = GraphStoreClient(endpoint, user="auditor", password="secret", sleep=lambda s: None)
    with pytest.raises(PushError, match=rf"{endpoint}.*401.*--user/--password or --token"):
        client.put("https://example.org/g", b"")
    assert len(handler.seen) == 1
    assert handler.seen[0][2] == "Basic YXVkaXRvcjpzZWNyZXQ="  # base64("auditor:secret")


def test_a_bearer_token_is_sent(scripted):
    endpoint, handler = scripted
    GraphStoreClient(endpoint, token="t0k3n").put("https://example.org/g", b"")
    assert handler.seen[0][2] == "Bearer t0k3n"


# --- the whole request is bounded; credentials stay with their host ----------------------------------------


class _Trickling(http.server.BaseHTTPRequestHandler):
    """Answers a PUT with headers at once, then its 100-byte body a byte every half second (for 10 s at most)."""

    def do_PUT(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        for _ in range(20):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.5)

    def log_message(self, *args):
        pass


class _Silent(http.server.BaseHTTPRequestHandler):
    """Reads a PUT and never answers (gives up after 10 s)."""

    def do_PUT(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(10)

    def log_message(self, *args):
        pass


def test_the_timeout_bounds_the_whole_request_of_kg_push(built_store):
    with scripted_server(_Trickling, "/store") as endpoint:
        began = time.monotonic()
        result = CliRunner().invoke(
            main,
            ["push", "--endpoint", endpoint, "--store", str(built_store), "--timeout", "2", "--retries", "0"],
        )
        seconds = time.monotonic() - began
    assert result.exit_code == 1
    assert "no answer in 2 s" in result.stderr
    assert seconds < 4


def test_a_server_that_never_answers_is_no_answer_not_unreachable():
    with scripted_server(_Silent, "/store") as endpoint:
        client = GraphStoreClient(endpoint, timeout=1, retries=0)
        began = time.monotonic()
        with pytest.raises(PushError, match=r"no answer in 1 s") as failure:
            client.put("https://example.org/g", b"")
        assert time.monotonic() - began < 3
    assert "cannot reach" not in str(failure.value)


class _Elsewhere(http.server.BaseHTTPRequestHandler):
    """The other host: answers any query with one row, recording the Authorization header it got."""

    seen: list[str | None] = []

    def do_GET(self):  # noqa: N802
        type(self).seen.append(self.headers.get("Authorization"))
        body = json.dumps({"head": {"vars": ["g"]}, "results": {"bindings": []}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args):
        pass


def test_a_redirect_to_another_host_never_receives_the_credentials():
    _Elsewhere.seen = []
    with scripted_server(_Elsewhere, "/query", host="127.0.0.2") as elsewhere:

        class Redirecting(http.server.BaseHTTPRequestHandler):
            seen: list[str | None] = []

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                type(self).seen.append(self.headers.get("Authorization"))
                self.send_response(302)
                self.send_header("Location", elsewhere)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        with scripted_server(Redirecting, "/query") as endpoint:
            SparqlQueryClient(endpoint, token="t0k3n", retries=0).select("SELECT ?g {}")
    assert Redirecting.seen == ["Bearer t0k3n"]
    assert _Elsewhere.seen == [None]
