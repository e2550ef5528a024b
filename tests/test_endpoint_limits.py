"""The endpoint's limits, over real HTTP on loopback (waitress, as `kg serve` runs it): the time limit covers
parsing, queries over the size limit are refused unread, a worker's memory and an answer's bytes are capped,
a client that spent its query-time budget gets 429 and cannot hold every worker while others wait, and
wrong requests get the status that says what is wrong (an empty POST, a deleted store, an invalid IRI as a
page parameter). Every test is bounded in time: clients time out, limits are a few seconds."""

from __future__ import annotations

import http.client
import shutil
import threading
import time
from urllib.parse import quote, urlencode

import pytest
from helpers import http_get, serving

from kg.store import StoreMissingError
from web import create_app

ASK = "/sparql?query=" + quote("ASK { ?s ?p ?o }")
BY_ALIAS = "/sparql?query=" + quote('SELECT ?a WHERE { ?a skos:altLabel "州环保局"@zh }')
# a cartesian product of the whole graph with itself, three times: runs for hours
SLOW = "/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
JSON = {"Accept": "application/sparql-results+json"}


def big_filter(size: int) -> str:
    """A SELECT of about `size` bytes whose FILTER is a long chain of ||: rdflib parses it in tens of seconds."""
    terms, total, i = [], 0, 0
    while total < size:
        term = f"?o = {i}"
        terms.append(term)
        total += len(term) + 4
        i += 1
    return "SELECT * WHERE { ?s ?p ?o FILTER(" + " || ".join(terms) + ") }"


def post(port: int, body: bytes, content_type: str | None, timeout: float = 30) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Accept": "application/sparql-results+json"}
        if content_type:
            headers["Content-Type"] = content_type
        connection.request("POST", "/sparql", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def served(store, **config):
    app = create_app({"STORE": store, "QUERY_WORKERS": 2, **config})
    return app, serving(app)


@pytest.fixture
def close_pool():
    apps = []
    yield apps.append
    for app in apps:
        pool = app.extensions.get("sparql_pool")
        if pool is not None:
            pool.close()


# --- 8: the time limit covers parsing; big queries are refused unread --------------------------------------


def test_a_query_slow_to_parse_is_stopped_at_the_time_limit_while_others_are_answered(
    built_store, close_pool
):
    app, server = served(built_store, QUERY_TIMEOUT=2.0)
    close_pool(app)
    query = big_filter(200_000)  # parsing alone takes ~20 s
    with server as port:
        http_get(port, ASK, **JSON)  # workers started
        slow: dict = {}

        def send_slow():
            began = time.monotonic()
            slow["status"], _ = post(port, query.encode(), "application/sparql-query", timeout=15)
            slow["seconds"] = time.monotonic() - began

        thread = threading.Thread(target=send_slow)
        thread.start()
        time.sleep(0.3)
        began = time.monotonic()
        status, _, body = http_get(port, ASK, timeout=10, **JSON)
        assert (status, time.monotonic() - began < 1.0) == (200, True), body
        thread.join(timeout=20)
    assert slow["status"] == 503
    assert slow["seconds"] < 4.0


def test_a_query_over_the_size_limit_is_refused_unread(built_store, close_pool):
    app, server = served(built_store, QUERY_TIMEOUT=2.0)
    close_pool(app)
    with server as port:
        began = time.monotonic()
        status, body = post(port, big_filter(300_000).encode(), "application/sparql-query", timeout=10)
        assert status == 413
        assert "256 KB" in body
        assert time.monotonic() - began < 1.0


# --- 9: memory and answer size ----------------------------------------------------------------------------


def test_a_query_past_the_memory_limit_is_stopped_and_its_worker_replaced(built_store, close_pool):
    app, server = served(built_store, QUERY_TIMEOUT=20.0, QUERY_MEMORY_MB=800, QUERY_WORKERS=1)
    close_pool(app)
    sort_everything = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f ?a ?d"
    with server as port:
        began = time.monotonic()
        status, _, body = http_get(port, "/sparql?query=" + quote(sort_everything), timeout=30, **JSON)
        assert status == 503, body
        assert "memory limit of 800 MB" in body
        assert time.monotonic() - began < 15
        status, _, body = http_get(port, BY_ALIAS, **JSON)
        assert status == 200 and "环境保护局" in body


def test_an_answer_is_cut_at_its_size_limit_and_a_single_huge_row_refused(built_store, close_pool):
    app, server = served(built_store, MAX_ANSWER_MB=0.01)  # 10 KB
    close_pool(app)
    with server as port:
        status, headers, body = http_get(port, "/sparql?query=" + quote("SELECT * { ?s ?p ?o }"), **JSON)
        assert status == 200
        assert headers["X-Result-Truncated"] == "answer size limit 0.01 MB reached"
        assert 0 < len(body.encode()) < 11_000
        whole = "SELECT (GROUP_CONCAT(STR(?o)) AS ?all) { ?s ?p ?o }"
        status, _, body = http_get(port, "/sparql?query=" + quote(whole), **JSON)
        assert status == 413
        assert "answer size limit of 0.01 MB" in body


# --- 10: each client's budget, and no client holds every worker --------------------------------------------


def test_a_client_over_its_budget_gets_429_and_others_are_answered(built_store, close_pool):
    app, server = served(built_store, QUERY_TIMEOUT=1.0, CLIENT_BUDGET=1.5)
    close_pool(app)
    with server as port:
        for _ in range(2):  # 2 s of query time, over the 1.5 s budget
            assert http_get(port, SLOW, source="127.0.0.2", **JSON)[0] == 503
        status, headers, body = http_get(port, BY_ALIAS, source="127.0.0.2", **JSON)
        assert status == 429, body
        assert 1 <= int(headers["Retry-After"]) <= 60
        assert "budget" in body
        assert http_get(port, BY_ALIAS, source="127.0.0.3", **JSON)[0] == 200


def test_runaway_queries_cannot_hold_every_worker_while_another_client_waits(built_store, close_pool):
    app, server = served(built_store, QUERY_TIMEOUT=10.0, QUERY_WORKERS=1)
    close_pool(app)
    with server as port:
        http_get(port, ASK, **JSON)  # the worker started
        runaway: dict = {}

        def send_runaway():
            runaway["answer"] = http_get(port, SLOW, source="127.0.0.2", timeout=15, **JSON)

        thread = threading.Thread(target=send_runaway)
        thread.start()
        time.sleep(0.5)
        began = time.monotonic()
        status, _, body = http_get(port, BY_ALIAS, source="127.0.0.3", timeout=15, **JSON)
        waited = time.monotonic() - began
        thread.join(timeout=15)
    assert status == 200, body
    assert waited < 3.0
    status, headers, body = runaway["answer"]
    assert status == 503
    assert "to let other clients' queries run" in body
    assert "Retry-After" in headers


# --- 12: errors that say what is wrong --------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", [None, "application/sparql-query", "application/x-www-form-urlencoded"]
)
def test_an_empty_post_is_400_no_query(built_store, close_pool, content_type):
    app, server = served(built_store)
    close_pool(app)
    with server as port:
        status, body = post(port, b"", content_type)
        assert (status, body.startswith("no query")) == (400, True), body
        status, body = post(port, b"query=", "application/x-www-form-urlencoded")
        assert (status, body.startswith("no query")) == (400, True), body


def test_a_deleted_store_is_503_with_one_message_on_pages_and_endpoint(built_store, tmp_path, close_pool):
    store = tmp_path / "store"
    shutil.copytree(built_store, store)
    app, server = served(store)
    close_pool(app)
    with server as port:
        assert http_get(port, BY_ALIAS, **JSON)[0] == 200
        assert http_get(port, "/plans")[0] == 200
        shutil.rmtree(store)
        message = str(StoreMissingError(store))
        status, _, body = http_get(port, BY_ALIAS, **JSON)
        assert (status, message in body) == (503, True), body
        status, _, body = http_get(port, "/plans")
        assert (status, message in body) == (503, True), body


# --- 11: page parameters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("/compare", "a", "http://<>"),
        ("/coverage", "upper", "http://a{}"),
        ("/audit/timeline", "plan", "http://a b"),
        ("/due", "plan", "http://a b"),
        ("/audit/overdue", "plan", "http://<x>"),
    ],
)
def test_an_invalid_iri_parameter_is_a_400_page_in_the_users_language(
    built_store, close_pool, path, name, value
):
    app, server = served(built_store)
    close_pool(app)
    params = {"a": "x", "b": "x", "upper": "x", "lower": "x"} | {name: value}
    with server as port:
        status, _, body = http_get(port, f"{path}?{urlencode(params)}")
        assert status == 400
        assert '<header class="site">' in body  # the site's layout
        assert f"参数 {name} 不是有效的资源标识" in body
        status, _, body = http_get(port, f"{path}?{urlencode(params | {'lang': 'en'})}")
        assert status == 400
        assert f"The parameter {name} is not a valid resource identifier" in body


def test_a_heavy_clients_query_runs_at_a_lower_cpu_priority(built_store):
    """The cores go to the other clients first: a query of a client that spent 5 s this minute runs at niceness
    HEAVY_NICENESS in its worker, and the worker is back at 0 for the next client."""
    import os

    from web.query_worker import HEAVY_NICENESS, QueryPool, QueryRequest, QueryTimeout

    pool = QueryPool(built_store, size=1)
    try:
        light = QueryRequest("ASK { ?s ?p ?o }", {"ASK": "application/sparql-results+json"}, 30, 10, client="a")
        pool.run(light)  # the worker is up
        heavy = QueryRequest(
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
            {"SELECT": "application/sparql-results+json"},
            2.0,
            10,
            client="b",
            spent=5.0,
        )
        seen: dict = {}

        def watch():
            time.sleep(0.8)
            (worker,) = pool._busy
            seen["heavy"] = os.getpriority(os.PRIO_PROCESS, worker.process.pid)

        watcher = threading.Thread(target=watch)
        watcher.start()
        with pytest.raises(QueryTimeout):
            pool.run(heavy)
        watcher.join()
        assert seen["heavy"] == HEAVY_NICENESS
        pool.run(light)  # the stopped worker's replacement is up
        (worker,) = pool._idle
        quick = QueryRequest(light.sparql, light.media_types, 30, 10, client="b", spent=5.0)
        pool.run(quick)  # a heavy client's query that ends: the same worker, its priority given back
        assert pool._idle == [worker] and os.getpriority(os.PRIO_PROCESS, worker.process.pid) == 0
    finally:
        pool.close()
