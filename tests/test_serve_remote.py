"""`kg serve --endpoint URL`: the explorer over a real Oxigraph server (started on loopback with
--union-default-graph, the bundled corpus pushed into it with `kg push`) answers every page as the explorer
over the local store does: the same JSON, page by page.

Two ways in: a real `kg serve --endpoint` process (home, /sparql, the refused update), and the app built by
create_app with the remote config, driven by Flask's client (the pages; its queries still go over HTTP to the
real server). A dead endpoint, an answer cut short (Oxigraph's timeout trap) and the authentication headers
are checked against a dead port and a small scripted HTTP server.
"""

from __future__ import annotations

import http.server
import io
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import free_port, scripted_server, server_process

from kg.cli import main
from web import create_app

KG = Path(sys.executable).with_name("kg")
ID = "https://w3id.org/lantian/id/"
WUDING_PLAN = ID + "plan/楚雄州武定县/武政通〔2019〕11号"
HONGHE_PLAN = ID + "plan/红河州打赢蓝天保卫战三年行动计划实施方案"
HONGHE_EPB = "红河州环境保护局"  # found by its short form 州环保局 in the 红河州 plan's responsibility table


@pytest.fixture(scope="module")
def endpoint(oxigraph_server, built_store) -> str:
    """The query endpoint of a real Oxigraph server holding the bundled corpus, pushed by `kg push`."""
    result = CliRunner().invoke(
        main, ["push", "--endpoint", f"{oxigraph_server}/store", "--store", str(built_store)]
    )
    assert result.exit_code == 0, result.output
    return f"{oxigraph_server}/query"


@pytest.fixture(scope="module")
def local(built_store):
    return create_app({"STORE": built_store, "TESTING": True}).test_client()


@pytest.fixture(scope="module")
def remote(endpoint):
    return create_app({"ENDPOINT": endpoint, "TESTING": True, "QUERY_TIMEOUT": 30.0}).test_client()


@pytest.fixture(scope="module")
def served(endpoint, tmp_path_factory):
    """A real `kg serve --endpoint` process; its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [str(KG), "serve", "--port", str(port), "--endpoint", endpoint, "--timeout", "30"]
    log = tmp_path_factory.mktemp("serve-remote") / "serve.log"
    with server_process(args, f"{base}/", log, env=os.environ | {"LANTIAN_STORE": "/nonexistent/store"}):
        yield base


def _get(
    base: str, path: str, params: dict | None = None, accept: str = "application/json"
) -> tuple[int, bytes]:
    url = base + urllib.parse.quote(path) + ("?" + urllib.parse.urlencode(params) if params else "")
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers={"Accept": accept}), timeout=60
        ) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _json(client, path: str):
    answer = client.get(path, headers={"Accept": "application/json"})
    assert answer.status_code == 200, (path, answer.status_code, answer.get_data(as_text=True)[:500])
    return answer.get_json()


def _path(iri: str) -> str:
    assert iri.startswith(ID)
    return iri[len(ID) :]


# --- the real process ------------------------------------------------------------------------------


def test_home_figures_over_the_remote_server_equal_the_local_ones(served, local):
    status, body = _get(served, "/", {"format": "json"})
    assert status == 200, body[:500]
    remote_home = json.loads(body)
    assert remote_home == _json(local, "/?format=json")
    assert remote_home["stats"]["loaded_plans"] == 5  # the five bundled plans
    assert remote_home["stats"]["tasks"] == _json(local, "/?format=json")["stats"]["tasks"] > 200


def test_sparql_select_through_the_remote_server_answers_as_locally(served, local):
    query = """SELECT ?task ?text WHERE { ?a skos:altLabel "州环保局"@zh ; lt:leads ?task . ?task lt:text ?text }
               ORDER BY ?task"""
    status, body = _get(served, "/sparql", {"query": query}, "application/sparql-results+json")
    assert status == 200, body[:500]
    answer = local.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert json.loads(body) == answer.get_json()
    texts = [row["text"]["value"] for row in json.loads(body)["results"]["bindings"]]
    assert any("两断三清" in text for text in texts)  # 红河州's table: 州环保局 leads the 两断三清 measure


def _post(base: str, form: dict) -> int:
    request = urllib.request.Request(base + "/sparql", data=urllib.parse.urlencode(form).encode())
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_an_update_is_refused_and_the_server_keeps_its_graph(served, endpoint):
    update = 'INSERT DATA { <https://example.org/x> <https://example.org/p> "hacked" }'
    assert _post(served, {"update": update}) == 403
    assert _post(served, {"query": update}) == 403
    status, body = _get(
        endpoint, "", {"query": "ASK { <https://example.org/x> ?p ?o }"}, "application/sparql-results+json"
    )  # the server itself, not our endpoint
    assert status == 200 and json.loads(body)["boolean"] is False


# --- page by page: remote == local -----------------------------------------------------------------


def test_search_finds_the_agency_by_its_short_form(remote, local):
    found = _json(remote, "/search.json?q=州环保局")
    assert found == _json(local, "/search.json?q=州环保局")
    assert HONGHE_EPB in [a["label"] for a in found["agencies"]]


@pytest.fixture(scope="module")
def honghe_epb(local) -> str:
    found = _json(local, "/search.json?q=州环保局")
    return next(a["agency"] for a in found["agencies"] if a["label"] == HONGHE_EPB)


@pytest.fixture(scope="module")
def two_cuts_task(local) -> str:
    """The 红河州 task on 两断三清 (its text says so; 州环保局 leads it)."""
    found = _json(local, "/search.json?q=两断三清")
    return next(t["task"] for t in found["tasks"] if t["planTitle"].startswith("红河州"))


def test_agency_page(remote, local, honghe_epb):
    page = _json(remote, f"/id/{_path(honghe_epb)}.json")
    assert page == _json(local, f"/id/{_path(honghe_epb)}.json")
    assert page["label"] == HONGHE_EPB and "州环保局" in page["aliases"]
    assert any(t["role"] == "leads" for t in page["tasks"])


def test_task_page(remote, local, two_cuts_task):
    page = _json(remote, f"/id/{_path(two_cuts_task)}.json")
    assert page == _json(local, f"/id/{_path(two_cuts_task)}.json")
    assert HONGHE_EPB in [a["label"] for a in page["roles"]["leads"]]


def test_jurisdiction_and_attribution_pages(remote, local, two_cuts_task, honghe_epb):
    jurisdiction = _json(local, f"/id/{_path(honghe_epb)}.json")["jurisdiction"]
    attribution = _json(local, f"/id/{_path(two_cuts_task)}.json")["attributions"][0]["attribution"]
    for iri in (jurisdiction, attribution):
        page = _json(remote, f"/id/{_path(iri)}.json")
        assert page == _json(local, f"/id/{_path(iri)}.json"), iri
    assert _json(remote, f"/id/{_path(jurisdiction)}.json")["label"] == "红河州"


def _without_source(page: dict) -> dict:
    """A plan page less whether its source file can be downloaded: the file is on the machine that built the
    store, which a server reading a remote endpoint is not (its page says the file is not at hand)."""
    return {key: value for key, value in page.items() if key != "sourceAvailable"}


def test_plan_page(remote, local):
    page = _json(remote, f"/id/{_path(WUDING_PLAN)}.json")
    assert page["sourceAvailable"] is False
    assert _without_source(page) == _without_source(_json(local, f"/id/{_path(WUDING_PLAN)}.json"))
    assert [u["docNumber"] for u in page["upper"]][:1] == ["楚政通〔2018〕41号"]  # 武定县 → 楚雄州 → …


@pytest.mark.parametrize(
    "path",
    [
        "/plans.json",
        "/agencies.json",
        "/due.json?before=2019-01-01",
        "/audit/overdue.json?as_of=2021-01-01",
        "/audit/gaps.json",
        "/audit/brokers.json",
        "/audit/lead-gone.json",
        "/audit/timeline.json",
        f"/compare.json?a=/id/{_path(HONGHE_PLAN)}&b=/id/{_path(WUDING_PLAN)}",
        f"/coverage.json?upper=/id/{_path(HONGHE_PLAN)}&lower=/id/{_path(WUDING_PLAN)}",
        f"/network/{_path(WUDING_PLAN)}?format=json",
    ],
)
def test_list_audit_and_network_pages(remote, local, path):
    assert _json(remote, path) == _json(local, path)


def test_due_lists_tasks_with_their_leads(remote):
    due = _json(remote, "/due.json?before=2019-01-01")
    assert due["tasks"] and all(t["due"] < "2019-01-01" for t in due["tasks"])


def test_network_of_a_task_and_of_an_agency(remote, local, two_cuts_task, honghe_epb):
    for iri in (two_cuts_task, honghe_epb):
        path = f"/network/{_path(iri)}?format=json"
        view = _json(remote, path)
        assert view == _json(local, path)
        assert iri in [node["id"] for node in view["nodes"]]


def test_html_csv_xlsx_and_rdf_of_the_same_pages(remote, local, two_cuts_task, honghe_epb):
    paths = [
        "/",
        f"/id/{_path(WUDING_PLAN)}",
        f"/id/{_path(two_cuts_task)}",
        f"/id/{_path(honghe_epb)}",
        f"/id/{_path(two_cuts_task)}.ttl",
        f"/id/{_path(honghe_epb)}.nt",
        "/agencies.csv",
        "/due.xlsx?before=2019-01-01",
        "/audit/overdue?as_of=2021-01-01",
    ]
    for path in paths:
        mine, theirs = remote.get(path), local.get(path)
        assert theirs.status_code == 200, path
        assert (mine.status_code, mine.content_type) == (theirs.status_code, theirs.content_type), path
        if ".xlsx" in path:  # a workbook stamps the time it was written: compare its cells
            assert _cells(mine.data) == _cells(theirs.data), path
        elif path == f"/id/{_path(WUDING_PLAN)}":  # the source file's link only where the file is (see above)
            download = re.compile(rb'\xc2\xb7 <a href="[^"]*/source" download>[^<]*</a>|<span class="muted">[^<]*</span>')
            assert download.sub(b"", mine.data) == download.sub(b"", theirs.data), path
        else:
            assert mine.data == theirs.data, path


def _cells(xlsx: bytes) -> list[list]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx), read_only=True)
    # the about sheet (first) says when it was exported and which graph it read: the tables after it compare
    return [list(row) for sheet in book.worksheets[1:] for row in sheet.iter_rows(values_only=True)]


def test_whole_graph_download_holds_the_same_triples(remote, local):
    mine = set(remote.get("/download/graph.nt").data.splitlines())
    theirs = set(local.get("/download/graph.nt").data.splitlines())
    assert mine == theirs and len(mine) > 10000  # the same triples (in another order)


def test_sparql_construct_ask_and_the_row_limit(endpoint):
    construct = f"CONSTRUCT {{ <{WUDING_PLAN}> ?p ?o }} WHERE {{ <{WUDING_PLAN}> ?p ?o }}"
    remote = create_app({"ENDPOINT": endpoint, "TESTING": True, "ROW_LIMIT": 3}).test_client()
    answer = remote.get(
        "/sparql", query_string={"query": construct}, headers={"Accept": "application/n-triples"}
    )
    assert answer.status_code == 200
    assert answer.headers["X-Result-Truncated"] == "row limit 3 reached"
    assert len(answer.data.splitlines()) == 3
    answer = remote.get("/sparql", query_string={"query": f"ASK {{ <{WUDING_PLAN}> a lt:Plan }}"})
    assert answer.get_json() == {"head": {}, "boolean": True}
    rows = remote.get("/sparql", query_string={"query": "SELECT ?t WHERE { ?t a lt:Task }", "format": "csv"})
    assert rows.headers["X-Result-Rows"] == "3" and len(rows.data.splitlines()) == 4


# --- refusals, failures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dead():
    """An app whose endpoint nobody listens on."""
    url = f"http://127.0.0.1:{free_port()}/query"
    return url, create_app({"ENDPOINT": url, "TESTING": True, "QUERY_TIMEOUT": 5.0}).test_client()


@pytest.mark.parametrize(
    "query",
    [
        'INSERT DATA { <https://example.org/x> <https://example.org/p> "x" }',
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * FROM <http://127.0.0.1:9/evil.ttl> WHERE { ?s ?p ?o }",
    ],
)
def test_update_service_and_from_are_refused_before_anything_is_sent(dead, query):
    # the endpoint is dead: a query that was sent would fail with 502, not be refused with 403
    _url, client = dead
    answer = client.post("/sparql", data={"query": query})
    assert answer.status_code == 403, answer.get_data(as_text=True)


def test_a_dead_endpoint_gives_a_page_naming_it(dead):
    url, client = dead
    for path in ("/", f"/id/{_path(WUDING_PLAN)}", "/audit/gaps"):
        answer = client.get(path)
        assert answer.status_code == 502, path
        text = answer.get_data(as_text=True)
        assert f"cannot reach the SPARQL endpoint {url}" in text and "Traceback" not in text
    answer = client.get(
        "/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "format": "json"}
    )
    assert answer.status_code == 502 and url in answer.get_data(as_text=True)


def test_kg_serve_on_a_dead_endpoint_warns_and_keeps_serving(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/query"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [str(KG), "serve", "--port", str(port), "--endpoint", url, "--timeout", "5"]
    with server_process(args, f"{base}/sparql/canned.json", tmp_path / "serve.log"):
        status, body = _get(base, "/plans", accept="text/html")
    assert status == 502 and url in body.decode()
    assert f"warning: cannot reach the SPARQL endpoint {url}" in (tmp_path / "serve.log").read_text()


# --- a scripted server: Oxigraph's truncated answer, authentication headers -------------------------


class _Scripted(http.server.BaseHTTPRequestHandler):
    """Answers every query with `body` (200, SPARQL results JSON); records each Authorization header."""

    body = b""
    media_type = "application/sparql-results+json"
    seen: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).seen.append(self.headers.get("Authorization"))
        self.send_response(200)
        self.send_header("Content-Type", self.media_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def scripted():
    _Scripted.body, _Scripted.media_type, _Scripted.seen = b"", "application/sparql-results+json", []
    with scripted_server(_Scripted, "/query") as url:
        yield url, _Scripted


def test_an_answer_cut_short_is_a_timeout_with_a_clear_message(scripted):
    url, handler = scripted
    # what `oxigraph serve --timeout-s N` sends when it cancels a query: 200, then a truncated body
    handler.body = b'{"head":{"vars":["n"]},"results":{"bindings":[The SPARQL operation has been cancelled'
    client = create_app({"ENDPOINT": url, "TESTING": True}).test_client()
    answer = client.get("/sparql", query_string={"query": "SELECT ?n WHERE { ?n ?p ?o }", "format": "json"})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 503 and "its answer was cut short" in text and url in text
    page = client.get("/plans")
    assert page.status_code == 504 and "cut short" in page.get_data(as_text=True)


def test_a_web_page_instead_of_results_says_the_url_is_not_a_query_endpoint(scripted):
    url, handler = scripted
    handler.body, handler.media_type = b"<html><body>Fuseki</body></html>", "text/html"
    page = create_app({"ENDPOINT": url, "TESTING": True}).test_client().get("/plans")
    assert page.status_code == 502
    assert f"the SPARQL endpoint {url} answered text/html, not SPARQL results" in page.get_data(as_text=True)


def test_credentials_are_sent_as_kg_push_sends_them(scripted):
    url, handler = scripted
    handler.body = b'{"head":{},"boolean":true}'
    basic = create_app({"ENDPOINT": url, "ENDPOINT_USER": "auditor", "ENDPOINT_PASSWORD": "secret"})
    bearer = create_app({"ENDPOINT": url, "ENDPOINT_TOKEN": "t0k3n"})
    assert basic.extensions["repository"].ask("ASK {}") is True
    assert bearer.extensions["repository"].ask("ASK {}") is True
    assert handler.seen == ["Basic YXVkaXRvcjpzZWNyZXQ=", "Bearer t0k3n"]  # base64("auditor:secret")


@pytest.mark.parametrize(
    "args",
    [
        ["--endpoint", "http://127.0.0.1:9/query", "--user", "u", "--token", "t"],
        ["--endpoint", "http://127.0.0.1:9/query", "--password", "p"],
        ["--endpoint", "ftp://127.0.0.1/query"],
        ["--user", "u", "--password", "p"],  # credentials without an endpoint
    ],
)
def test_serve_auth_options_are_checked_as_for_push(args):
    result = CliRunner().invoke(main, ["serve", *args])
    assert result.exit_code == 2, result.output


def test_a_push_token_in_the_environment_does_not_stop_a_local_serve(built_store, tmp_path):
    port = free_port()
    args = [str(KG), "serve", "--port", str(port), "--store", str(built_store)]
    env = os.environ | {
        "LANTIAN_PUSH_TOKEN": "t0k3n"
    }  # set for `kg push`; `kg serve` over the store ignores it
    with server_process(args, f"http://127.0.0.1:{port}/plans", tmp_path / "serve.log", env=env):
        pass  # it came up and answered a page
    result = CliRunner().invoke(main, ["serve", "--token", "t0k3n"])
    assert result.exit_code == 2 and "--token need(s) --endpoint" in result.output


# --- the local store read as the union of its graphs -----------------------------------------------
