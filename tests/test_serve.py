"""`kg serve` as a real server process: it builds the bundled plans when there is no store, then answers
SPARQLWrapper, curl and a headless browser on the YASGUI page; a slow query is stopped at the time limit
while others are answered; updates are refused and leave the store unchanged."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from rdflib import RDFS, Graph, Literal, URIRef
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from kg.store import count_triples

KG = Path(sys.executable).with_name("kg")
AGENCY = "https://w3id.org/lantian/id/agency/红河州/环境保护局"
BY_ALIAS = 'SELECT ?a ?name WHERE { ?a skos:altLabel "州环保局"@zh ; rdfs:label ?name }'
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ARTIFACTS = Path(__file__).parent / "artifacts"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`kg serve` on a free port over a store folder that does not exist yet (so it builds first)."""
    store = tmp_path_factory.mktemp("serve") / "store"
    port = free_port()
    log = (tmp_path_factory.mktemp("serve-log") / "serve.log").open("w+")
    process = subprocess.Popen(
        [str(KG), "serve", "--port", str(port), "--store", str(store), "--query-timeout", "5"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(base + "/sparql", timeout=2):
                break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"kg serve did not come up: {log.read()}")
            time.sleep(0.2)
    yield {"base": base, "endpoint": base + "/sparql", "store": store, "log": log, "process": process}
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def test_serve_built_the_missing_store_and_binds_loopback(server):
    assert count_triples(server["store"]) > 1000
    server["log"].seek(0)
    printed = server["log"].read()
    assert "building the bundled plans first" in printed
    assert f"http://127.0.0.1:{server['base'].rsplit(':', 1)[1]}/" in printed


def test_twenty_concurrent_clients_on_a_fresh_server_are_all_answered(server):
    # the first parses of a fresh server run at once (rdflib's parser must not be corrupted by that)
    def ask(n: int):
        query = f'SELECT ?a ?name ?v{n} WHERE {{ ?a skos:altLabel "州环保局"@zh ; rdfs:label ?name }}'
        url = server["endpoint"] + "?" + urllib.parse.urlencode({"query": query})
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.status, json.load(response)["results"]["bindings"][0]["name"]["value"]
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(ask, range(20)))
    assert answers == [(200, "红河州环境保护局")] * 20


def test_serve_help_warns_about_host():
    result = subprocess.run([str(KG), "serve", "--help"], capture_output=True, text=True, check=True)
    assert "--host" in result.stdout and "WARNING" in result.stdout and "127.0.0.1" in result.stdout


def test_sparqlwrapper_select_json(server):
    client = SPARQLWrapper(server["endpoint"])
    client.setQuery(BY_ALIAS)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert [(r["a"]["value"], r["name"]["value"]) for r in rows] == [(AGENCY, "红河州环境保护局")]


def test_sparqlwrapper_construct_turtle(server):
    client = SPARQLWrapper(server["endpoint"])
    client.setQuery('CONSTRUCT { ?a rdfs:label ?n } WHERE { ?a skos:altLabel "州环保局"@zh ; rdfs:label ?n }')
    client.setReturnFormat(TURTLE)
    body = client.query().convert()
    graph = Graph().parse(data=body, format="turtle")
    assert (URIRef(AGENCY), RDFS.label, Literal("红河州环境保护局", lang="zh")) in graph


def curl(*args: str) -> subprocess.CompletedProcess:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed (.ci/run installs it)")
    return subprocess.run(
        ["curl", "--silent", "--show-error", *args], capture_output=True, text=True, timeout=30
    )


def test_curl_get_and_post(server):
    got = curl("--get", "--data-urlencode", f"query={BY_ALIAS}", "-H", "Accept: text/csv", server["endpoint"])
    assert got.stdout.splitlines() == ["a,name", f"{AGENCY},红河州环境保护局"]
    posted = curl(
        "--data-binary", BY_ALIAS, "-H", "Content-Type: application/sparql-query", server["endpoint"]
    )
    assert json.loads(posted.stdout)["results"]["bindings"][0]["name"]["value"] == "红河州环境保护局"
    described = curl("-H", "Accept: text/turtle", server["endpoint"])
    assert "sparql-service-description" in described.stdout


def test_timeout_stops_a_slow_query_and_others_are_answered(server):
    result = {}

    def run_slow():
        started = time.monotonic()
        try:
            urllib.request.urlopen(
                server["endpoint"] + "?" + urllib.parse.urlencode({"query": SLOW}), timeout=60
            )
        except urllib.error.HTTPError as error:
            result["status"], result["body"] = error.code, error.read().decode()
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.3)
    during = curl(
        "-w", "\n%{http_code}", "--get", "--data-urlencode", f"query={BY_ALIAS}", server["endpoint"]
    )
    assert during.stdout.endswith("\n200") and "红河州环境保护局" in during.stdout
    thread.join(timeout=60)
    assert result["status"] == 503
    assert "time limit of 5 s" in result["body"]
    assert result["seconds"] < 10
    after = curl("-w", "\n%{http_code}", "--get", "--data-urlencode", f"query={BY_ALIAS}", server["endpoint"])
    assert after.stdout.endswith("\n200")


def test_update_refused_and_store_unchanged(server):
    before = count_triples(server["store"])
    client = SPARQLWrapper(server["endpoint"])
    client.setMethod(POST)
    client.setQuery("INSERT DATA { <https://example.org/s> <https://example.org/p> 'written' }")
    with pytest.raises((SPARQLWrapperException, urllib.error.HTTPError)):
        client.query()
    refused = curl(
        "-w", "\n%{http_code}", "--data-urlencode", "update=DELETE WHERE { ?s ?p ?o }", server["endpoint"]
    )
    assert refused.stdout.endswith("\n403") and "read-only" in refused.stdout
    assert count_triples(server["store"]) == before


def test_downloads_over_http(server):
    got = curl("-o", "/dev/null", "-w", "%{http_code} %{content_type}", server["base"] + "/download/graph.nt")
    assert got.stdout == "200 application/n-triples; charset=utf-8"


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()


def test_yasgui_page_runs_a_canned_query_offline(server, browser):
    if not (Path(__file__).parent.parent / "web" / "static" / "vendor" / "yasgui.min.js").is_file():
        pytest.fail("web/static/vendor/yasgui.min.js is missing: run `make vendor` (npm ci)")
    base = server["base"]
    outside = []
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.on(
        "request", lambda r: None if r.url.startswith((base, "data:", "blob:")) else outside.append(r.url)
    )
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base + "/sparql")
    page.wait_for_selector(".CodeMirror")
    page.locator("a.canned-load[data-name='agency-tasks']").click()  # opens the query as a form, run
    page.wait_for_selector("#yasr table tbody tr", timeout=15000)
    assert page.locator("#yasr table tbody tr").count() > 5
    hrefs = page.locator("#yasr a.iri").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert any(h.startswith("/id/task/红河州") for h in hrefs), hrefs[:5]
    assert "红河州环境保护局" in page.locator("#yasr table").inner_text()
    # the address is the form's, with its field: opening it again shows the same query, bound once, run
    shared = page.url
    assert "/sparql/canned/agency-tasks" in shared
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sparql-editor.png"))
    again = browser.new_page()
    again.on(
        "request", lambda r: None if r.url.startswith((base, "data:", "blob:")) else outside.append(r.url)
    )
    again.goto(shared)
    again.wait_for_selector("#yasr table tbody tr", timeout=15000)
    assert "VALUES ?agency" in again.locator(".CodeMirror").inner_text()
    # prefix completion comes from our own prefixes
    again.locator(".CodeMirror").click()
    again.keyboard.press("Control+Home")
    again.keyboard.press("Enter")
    again.keyboard.press("ArrowUp")
    again.keyboard.type("PREFIX l", delay=30)
    again.wait_for_selector(".CodeMirror-hints", timeout=5000)
    assert "lt: <https://w3id.org/lantian/ontology#>" in again.locator(".CodeMirror-hints").inner_text()
    again.close()
    page.close()
    assert outside == []
    assert errors == []
