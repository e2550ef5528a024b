"""The SPARQL endpoint through Flask's test client: the protocol (GET, form POST, sparql-query POST), the
result and graph formats, the service description, the editor page, whole downloads, and the safety rules
(read-only, no SERVICE, no FROM, time and row limits)."""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
from markupsafe import escape
from rdflib import RDFS, Graph, Literal, URIRef

from kg.store import canned_queries, count_triples
from web import create_app

AGENCY = URIRef("https://w3id.org/lantian/id/agency/红河州/环境保护局")
# the agency whose surface form in the 红河州 plan's 责任清单 is 州环保局
BY_ALIAS = 'SELECT ?a ?name WHERE { ?a skos:altLabel "州环保局"@zh ; rdfs:label ?name }'
# a cartesian product of the whole graph with itself, three times: runs for hours
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"


@pytest.fixture(scope="module")
def app(built_store):
    app = create_app({"STORE": built_store, "QUERY_TIMEOUT": 1.5, "ROW_LIMIT": 1000, "QUERY_WORKERS": 2})
    app.config["TESTING"] = True
    yield app
    pool = app.extensions.get("sparql_pool")
    if pool is not None:
        pool.close()


@pytest.fixture
def client(app):
    return app.test_client()


def bindings(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json(force=True)
    return [{name: term["value"] for name, term in row.items()} for row in data["results"]["bindings"]]


# --- protocol -----------------------------------------------------------------------------------------


def test_get_select_answers_json_by_default(client):
    response = client.get("/sparql", query_string={"query": BY_ALIAS})
    assert response.mimetype == "application/sparql-results+json"
    assert bindings(response) == [{"a": str(AGENCY), "name": "红河州环境保护局"}]


def test_post_form_and_post_sparql_query_give_the_same_answer(client):
    by_form = client.post("/sparql", data={"query": BY_ALIAS})
    direct = client.post("/sparql", data=BY_ALIAS.encode(), content_type="application/sparql-query")
    assert bindings(by_form) == bindings(direct) == [{"a": str(AGENCY), "name": "红河州环境保护局"}]


def test_select_as_xml_csv_and_tsv(client):
    xml = client.get(
        "/sparql", query_string={"query": BY_ALIAS}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert xml.mimetype == "application/sparql-results+xml"
    root = ET.fromstring(xml.data)
    literal = root.find(
        f"{RESULTS_NS}results/{RESULTS_NS}result/{RESULTS_NS}binding[@name='name']/{RESULTS_NS}literal"
    )
    assert literal.text == "红河州环境保护局"
    assert literal.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh"

    as_csv = client.get("/sparql", query_string={"query": BY_ALIAS}, headers={"Accept": "text/csv"})
    assert as_csv.mimetype == "text/csv"
    assert list(csv.reader(io.StringIO(as_csv.get_data(as_text=True)))) == [
        ["a", "name"],
        [str(AGENCY), "红河州环境保护局"],
    ]

    tsv = client.get(
        "/sparql", query_string={"query": BY_ALIAS}, headers={"Accept": "text/tab-separated-values"}
    )
    assert tsv.mimetype == "text/tab-separated-values"
    assert tsv.get_data(as_text=True).splitlines() == ["?a\t?name", f'<{AGENCY}>\t"红河州环境保护局"@zh']


def test_format_parameter_and_download(client):
    response = client.get("/sparql", query_string={"query": BY_ALIAS, "format": "csv", "download": "1"})
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="results.csv"'
    assert "红河州环境保护局" in response.get_data(as_text=True)


def test_ask_in_json_and_xml(client):
    yes = client.get("/sparql", query_string={"query": 'ASK { ?a skos:altLabel "州环保局"@zh }'})
    assert yes.get_json(force=True)["boolean"] is True
    no = client.get(
        "/sparql",
        query_string={"query": 'ASK { ?a skos:altLabel "没有这个单位"@zh }'},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert ET.fromstring(no.data).find(f"{RESULTS_NS}boolean").text == "false"


CONSTRUCT = 'CONSTRUCT { ?a rdfs:label ?name } WHERE { ?a skos:altLabel "州环保局"@zh ; rdfs:label ?name }'


@pytest.mark.parametrize(
    ("accept", "rdf_format"),
    [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld")],
)
def test_construct_in_each_graph_format(client, accept, rdf_format):
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == accept
    graph = Graph().parse(data=response.get_data(as_text=True), format=rdf_format)
    assert (AGENCY, RDFS.label, Literal("红河州环境保护局", lang="zh")) in graph


def test_describe_as_turtle(client):
    response = client.get(
        "/sparql", query_string={"query": f"DESCRIBE <{AGENCY}>"}, headers={"Accept": "text/turtle"}
    )
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert Literal("州环保局", lang="zh") in set(graph.objects(AGENCY, None))


def test_malformed_query_gets_400_with_the_parsers_message(client):
    response = client.get("/sparql", query_string={"query": "SELEC ?x WHERE { ?x ?y ?z }"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "malformed query" in text and "SELEC" in text and "line:1" in text


def test_unknown_prefix_is_a_400_from_the_engine(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?x nope:p ?z }"})
    assert response.status_code == 400
    assert "Prefix not found" in response.get_data(as_text=True)


def test_unacceptable_format_gets_406(client):
    response = client.get("/sparql", query_string={"query": BY_ALIAS}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.get_data(as_text=True)


def test_no_query_rdf_client_gets_a_service_description(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    service = URIRef("http://localhost/sparql")
    assert (service, URIRef(sd + "endpoint"), service) in graph
    assert (service, URIRef(sd + "supportedLanguage"), URIRef(sd + "SPARQL11Query")) in graph
    assert URIRef(sd + "SPARQL11Update") not in set(graph.objects())


# --- the editor page ----------------------------------------------------------------------------------


def test_no_query_browser_gets_the_editor_with_every_canned_query(client):
    response = client.get(
        "/sparql", headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    )
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "/static/vendor/yasgui.min.js" in page and "/static/sparql-editor.js" in page
    for saved in canned_queries():
        assert saved.title and str(escape(saved.title)) in page
        assert saved.description and str(escape(saved.description)) in page
    assert "运行查询" in page  # Chinese first
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "connect-src 'self'" in response.headers["Content-Security-Policy"]


def test_editor_loads_canned_queries_with_their_defaults_bound(client):
    page = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    start = page.index('id="sparql-config">') + len('id="sparql-config">')
    config = json.loads(page[start : page.index("</script>", start)])
    assert 'data-name="agency-tasks"' in page  # listed on the page, its text fetched on the first click
    canned = client.get(config["cannedUrl"]).get_json()
    agency_tasks = next(q for q in canned if q["name"] == "agency-tasks")
    # names are stored "…"@zh: the query's "# forms:" line binds both forms (a lookup, not a scan)
    assert 'VALUES ?agency { "红河州环境保护局"@zh "红河州环境保护局" }' in agency_tasks["query"]


def test_editor_in_english(client):
    page = client.get("/sparql?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Run query" in page and "Canned queries" in page


def test_shared_link_opens_the_editor_with_the_query_escaped(client):
    hostile = 'SELECT * WHERE { ?s ?p "</script><script>alert(1)</script>" }'
    response = client.get("/sparql", query_string={"query": hostile}, headers={"Accept": "text/html"})
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert "<script>alert(1)" not in page
    start = page.index('id="sparql-config">') + len('id="sparql-config">')
    config = json.loads(page[start : page.index("</script>", start)])
    assert config["query"] == hostile and config["run"] is True


def test_editor_page_asks_nothing_of_other_hosts(client):
    import re

    page = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", page):
        assert not re.search(r"(?:src|href)=[\"']?(?:https?:)?//", tag), tag


# --- safety -------------------------------------------------------------------------------------------


def test_updates_are_refused_and_nothing_changes(client, built_store):
    before = count_triples(built_store)
    insert = "INSERT DATA { <https://example.org/x> <https://example.org/p> 'written' }"
    refused = [
        client.post("/sparql", data={"update": insert}),
        client.post("/sparql", data=insert.encode(), content_type="application/sparql-update"),
        client.post("/sparql", data=insert.encode(), content_type="application/sparql-query"),
        client.post("/sparql", data={"query": insert}),
        client.get("/sparql", query_string={"query": insert}),
        client.get("/sparql", query_string={"update": insert}),
        client.get("/sparql", query_string={"query": "DELETE WHERE { ?s ?p ?o }"}),
        client.get("/sparql", query_string={"query": "DROP ALL"}),
        client.get("/sparql", query_string={"query": "LOAD <https://example.org/data.ttl>"}),
        client.get("/sparql", query_string={"query": "CLEAR DEFAULT"}),
    ]
    for response in refused:
        assert response.status_code == 403, response.get_data(as_text=True)
        assert "read-only" in response.get_data(as_text=True)
    assert count_triples(built_store) == before
    assert bindings(client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p 'written' }"})) == []


class Listener:
    """A local TCP server that records whether anyone connected (the endpoint must not)."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(5)
        self.socket.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/"
        self.connections = 0
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self._stop:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop = True
        self.thread.join()
        self.socket.close()


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ ?s a lt:Plan OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        "ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "DESCRIBE <https://w3id.org/lantian/id/x> FROM <{url}>",
        "# harmless comment\nSELECT * WHERE {{ ?s ?p ?o # SELECT, not SERVICE\n SERVICE <{url}> {{ ?s ?p ?o }} }}",
    ],
)
def test_service_and_from_are_refused_before_evaluation(client, template):
    listener = Listener()
    try:
        response = client.get("/sparql", query_string={"query": template.format(url=listener.url)})
        time.sleep(0.3)
    finally:
        listener.close()
    assert response.status_code == 403, response.get_data(as_text=True)
    assert "SERVICE" in response.get_data(as_text=True) or "FROM" in response.get_data(as_text=True)
    assert listener.connections == 0


def test_default_graph_uri_parameter_is_refused(client):
    response = client.get(
        "/sparql", query_string={"query": BY_ALIAS, "default-graph-uri": "https://example.org/g"}
    )
    assert response.status_code == 403


def test_keywords_in_comments_and_strings_do_not_fool_the_check(client):
    query = (
        "# INSERT DATA { <a> <b> <c> } SERVICE <http://example.org/> FROM <http://example.org/>\n"
        'SELECT ?a WHERE { ?a skos:altLabel "州环保局"@zh . FILTER(?a != <http://example.org/SERVICE>) '
        'BIND("SERVICE <http://example.org/> { } FROM NAMED <x>" AS ?text) }'
    )
    assert bindings(client.get("/sparql", query_string={"query": query})) == [{"a": str(AGENCY)}]


def test_row_limit_cuts_the_answer_and_says_so(built_store):
    app = create_app({"STORE": built_store, "ROW_LIMIT": 7, "QUERY_WORKERS": 1})
    try:
        response = app.test_client().get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert len(bindings(response)) == 7
        assert response.headers["X-Result-Rows"] == "7"
        assert "row limit 7" in response.headers["X-Result-Truncated"]
        small = app.test_client().get("/sparql", query_string={"query": BY_ALIAS})
        assert "X-Result-Truncated" not in small.headers
    finally:
        app.extensions["sparql_pool"].close()


def test_a_slow_query_is_stopped_with_a_clear_error_while_others_are_answered(client):
    slow = {}

    def run_slow():
        started = time.monotonic()
        slow["response"] = client.get("/sparql", query_string={"query": SLOW})
        slow["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    answered = client.get("/sparql", query_string={"query": BY_ALIAS})  # served by the other worker meanwhile
    assert bindings(answered) == [{"a": str(AGENCY), "name": "红河州环境保护局"}]
    assert time.monotonic() - started < 1.0
    thread.join(timeout=30)
    response = slow["response"]
    assert response.status_code == 503
    assert "time limit of 1.5 s" in response.get_data(as_text=True)
    assert 1.4 < slow["seconds"] < 10
    # the killed worker was replaced: both workers answer again
    for _ in range(4):
        assert bindings(client.get("/sparql", query_string={"query": BY_ALIAS}))


# --- whole downloads ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ext", "rdf_format"),
    [("ttl", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES), ("jsonld", ox.RdfFormat.JSON_LD)],
)
def test_whole_graph_downloads(client, built_store, ext, rdf_format):
    response = client.get(f"/download/graph.{ext}")
    assert response.status_code == 200
    assert f'filename="lantian-graph.{ext}"' in response.headers["Content-Disposition"]
    triples = list(ox.parse(response.data, format=rdf_format))
    assert len(triples) == count_triples(built_store)
    label = ox.Triple(
        ox.NamedNode(str(AGENCY)),
        ox.NamedNode(str(RDFS.label)),
        ox.Literal("红河州环境保护局", language="zh"),
    )
    assert label in {q.triple for q in triples}


@pytest.mark.parametrize(("ext", "rdf_format"), [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_ontology_downloads(client, ext, rdf_format):
    from rdflib import OWL, RDF

    response = client.get(f"/download/ontology.{ext}")
    assert response.status_code == 200
    graph = Graph().parse(data=response.get_data(as_text=True), format=rdf_format)
    lt = "https://w3id.org/lantian/ontology#"
    assert (URIRef(lt + "Task"), RDF.type, OWL.Class) in graph
    assert (URIRef(lt + "leads"), RDF.type, OWL.ObjectProperty) in graph


def test_unknown_download_format_is_404(client):
    assert client.get("/download/graph.xlsx").status_code == 404
