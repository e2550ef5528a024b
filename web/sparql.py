"""The SPARQL 1.1 Protocol endpoint (/sparql), its editor page, and the whole-graph downloads.

Every query is parsed and inspected before it runs, in a killable worker process (web.query_check in
web.query_worker): updates, SERVICE and FROM / FROM NAMED are refused (the engines would write, or fetch
arbitrary URLs); the rest runs under the app's QUERY_TIMEOUT (from the request's arrival to its answer),
ROW_LIMIT, MAX_ANSWER_MB and QUERY_MEMORY_MB, answered in the negotiated format: in the worker over the
local store, or sent to the remote SPARQL server the explorer reads (web.graph_source), whose request timeout
is then the time limit. Nothing is sent anywhere before those checks have passed. A query over MAX_QUERY_KB
is refused unread (413), and each client's query time is bounded by its budget (web.client_budget: 429).
"""

from __future__ import annotations

import functools
import os
import threading
import time
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from kg.namespaces import ONTOLOGY_FILE, PREFIXES
from kg.store import StoreMissingError, bind_parameters, canned_queries, canned_queries_dir
from web.client_budget import ClientBudget
from web.i18n import current_lang, t
from web.query_check import QUERY_FORMS
from web.query_worker import (
    GRAPH_TYPES,
    JSON_LD,
    N_TRIPLES,
    RESULT_TYPES,
    RESULTS_CSV,
    RESULTS_JSON,
    RESULTS_TSV,
    RESULTS_XML,
    TURTLE,
    Answer,
    QueryBusy,
    QueryFailed,
    QueryPool,
    QueryPreempted,
    QueryRequest,
    QueryTimeout,
)

bp = Blueprint("sparql", __name__)

PREFIX_IRIS = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
ID_BASE = str(PREFIXES["id"])
VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"

# `format=` / `output=` short names (links cannot set an Accept header: downloads, shared URLs)
FORMAT_NAMES = {
    "json": RESULTS_JSON,
    "xml": RESULTS_XML,
    "csv": RESULTS_CSV,
    "tsv": RESULTS_TSV,
    "ttl": TURTLE,
    "turtle": TURTLE,
    "nt": N_TRIPLES,
    "ntriples": N_TRIPLES,
    "jsonld": JSON_LD,
}
# what else clients send for the same formats
ALIASES = {"application/json": RESULTS_JSON, "application/xml": RESULTS_XML, "text/xml": RESULTS_XML}
ALIASES_GRAPH = {"application/x-turtle": TURTLE, "text/plain": N_TRIPLES, "application/json": JSON_LD}
EXTENSIONS = {RESULTS_JSON: "json", RESULTS_XML: "xml", RESULTS_CSV: "csv", RESULTS_TSV: "tsv"}
EXTENSIONS |= {TURTLE: "ttl", N_TRIPLES: "nt", JSON_LD: "jsonld"}
DOWNLOAD_FORMATS = {"ttl": TURTLE, "nt": N_TRIPLES, "jsonld": JSON_LD}
OX_FORMATS = {TURTLE: ox.RdfFormat.TURTLE, N_TRIPLES: ox.RdfFormat.N_TRIPLES, JSON_LD: ox.RdfFormat.JSON_LD}


# --- the pool of query workers (one per app, started on the first query) ------------------------------

_pool_lock = threading.Lock()


def query_pool() -> QueryPool:
    """What runs /sparql queries: the pool of worker processes over the local store, or the remote server
    (see the app's repository source, web.graph_source)."""
    app = current_app._get_current_object()
    pool = app.extensions.get("sparql_pool")
    if pool is None:
        with _pool_lock:
            pool = app.extensions.get("sparql_pool")
            if pool is None:
                # a worker more than the cores (at least 3): heavy clients' queries, run at a low priority, hold
                # at most a third of them, and the others still have two
                size = app.config.get("QUERY_WORKERS") or min(4, max(3, (os.cpu_count() or 2) + 1))
                source = app.extensions["repository"].source
                memory = app.config.get("QUERY_MEMORY_MB")
                pool = app.extensions["sparql_pool"] = source.query_runner(size, memory)
    return pool


def client_budget() -> ClientBudget:
    """The app's budgets of query time per client (made on first use)."""
    app = current_app._get_current_object()
    with _pool_lock:
        budget = app.extensions.get("sparql_budget")
        if budget is None:
            budget = app.extensions["sparql_budget"] = ClientBudget(app.config["CLIENT_BUDGET"])
    return budget


# --- content negotiation ------------------------------------------------------------------------------


def _negotiate(form: str) -> str | None:
    """The media type to answer a query of `form` in; None when the client accepts none we write."""
    offered = RESULT_TYPES if form in ("SELECT", "ASK") else GRAPH_TYPES
    aliases = ALIASES if form in ("SELECT", "ASK") else ALIASES_GRAPH
    asked = request.values.get("format") or request.values.get("output")
    if asked:
        asked = FORMAT_NAMES.get(asked.lower(), asked.lower())
        asked = aliases.get(asked, asked)
        return asked if asked in offered else None
    accept = request.accept_mimetypes
    if not accept:  # no Accept header: the protocol's defaults
        return offered[0]
    best = accept.best_match([*offered, *aliases])
    return aliases.get(best, best) if best else None


def _wants_html() -> bool:
    """A browser navigating here (text/html preferred over every RDF and results format)."""
    if request.values.get("format") or request.values.get("output"):
        return False
    best = request.accept_mimetypes.best_match([*RESULT_TYPES, *GRAPH_TYPES, "text/html"])
    return best == "text/html"


def _error(status: int, message: str, retry_after: float | None = None) -> Response:
    response = Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    if retry_after is not None:
        response.headers["Retry-After"] = str(max(1, round(retry_after)))
    return response


def _too_large() -> Response:
    limit = current_app.config["MAX_QUERY_KB"]
    return _error(413, f"query too large: the endpoint takes queries of up to {limit} KB")


def _query_text() -> tuple[str | None, Response | None]:
    """The query of a GET, form POST or application/sparql-query POST; or an error response."""
    if request.method == "GET":
        if "update" in request.args:
            return None, _error(403, "SPARQL Update is not accepted: this endpoint is read-only")
        return request.args.get("query"), None
    if (request.content_length or 0) > current_app.config["MAX_QUERY_KB"] * 1024 + 64:  # unread
        return None, _too_large()
    if not request.content_length and not request.args.get("query"):
        return None, _error(400, NO_QUERY)
    mimetype = request.mimetype
    if mimetype == "application/sparql-query":
        return request.get_data(as_text=True), None
    if mimetype == "application/sparql-update" or "update" in request.form:
        return None, _error(403, "SPARQL Update is not accepted: this endpoint is read-only")
    if mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sparql = request.form.get("query")
        return (None, _error(400, NO_QUERY)) if not (sparql or "").strip() else (sparql, None)
    return None, _error(
        415,
        f"unsupported request type {mimetype or '(none)'}: send a query as "
        "application/x-www-form-urlencoded or application/sparql-query",
    )


NO_QUERY = "no query: send it as the `query` form field or as an application/sparql-query body"


def _run(sparql: str, formats: dict[str, str | None] | None = None) -> Answer | Response:
    """Run `sparql` for this request under every limit; its answer, or the error response. `formats`: the
    media type per query form (default: negotiated with the request)."""
    config = current_app.config
    client = request.remote_addr or "unknown"
    budget = client_budget()
    wait = budget.retry_after(client)
    if wait:
        return _error(
            429,
            f"query budget spent: this client used its {budget.seconds:g} s of query time of the last "
            f"{budget.window:g} s; try again in {wait} s",
            wait,
        )
    query = QueryRequest(
        sparql,
        formats or {form: _negotiate(form) for form in QUERY_FORMS.values()},
        float(config["QUERY_TIMEOUT"]),
        int(config["ROW_LIMIT"]),
        int(config["MAX_ANSWER_MB"] * (1 << 20)),
        client,
        budget.spent(client),
    )
    started = time.monotonic()
    try:
        return query_pool().run(query)
    except QueryTimeout as error:
        return _error(503, f"query stopped: {error}")
    except QueryPreempted as error:
        return _error(503, f"query stopped: {error}; try again", 2)
    except QueryBusy as error:
        return _error(503, f"server busy: {error}; try again", 2)
    except StoreMissingError as error:
        return _error(503, f"{t('pg_no_store')}: {error}")
    except QueryFailed as error:
        return _failure(error)
    finally:
        budget.charge(client, time.monotonic() - started)


def _failure(error: QueryFailed) -> Response:
    """The response to a query the workers (or the remote server) did not answer."""
    if error.kind == "syntax":
        return _error(400, f"malformed query: {error}")
    if error.kind == "not-accepted":
        return _error(403, f"query refused: {error}")
    if error.kind == "unacceptable":
        form = str(error)
        offered = RESULT_TYPES if form in ("SELECT", "ASK") else GRAPH_TYPES
        return _error(
            406, f"cannot answer a {form} query in the format asked for; available: {', '.join(offered)}"
        )
    if error.kind == "too-large":
        return _error(413, f"answer too large: {error}")
    if error.kind == "memory":
        return _error(503, f"query stopped: {error}")
    if error.kind == "missing":
        return _error(503, f"{t('pg_no_store')}: {StoreMissingError(Path(str(error)))}")
    status = 502 if error.kind in ("unavailable", "refused") else 500  # 502: the remote server failed us
    return _error(status, f"query failed: {error}")


# --- routes -------------------------------------------------------------------------------------------


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    sparql, problem = _query_text()
    if problem is not None:
        return problem
    if (
        request.args.get("default-graph-uri")
        or request.args.get("named-graph-uri")
        or (
            request.method == "POST"
            and (request.form.get("default-graph-uri") or request.form.get("named-graph-uri"))
        )
    ):
        return _error(
            403, "default-graph-uri and named-graph-uri are not accepted: the endpoint has one graph"
        )
    if sparql is None or not sparql.strip():
        if _wants_html():
            return editor_page("")
        return service_description()
    if len(sparql.encode("utf-8")) > current_app.config["MAX_QUERY_KB"] * 1024:
        return _too_large()
    if _wants_html() and request.method == "GET":
        return editor_page(sparql)  # a shared link: the editor, with the query loaded
    answer = _run(sparql)
    if isinstance(answer, Response):
        return answer
    media_type = answer.media_type
    charset = "" if media_type == JSON_LD else "; charset=utf-8"
    response = Response(answer.body, status=200, content_type=media_type + charset)
    response.headers["X-Result-Rows"] = str(answer.rows)
    if answer.truncated:
        response.headers["X-Result-Truncated"] = f"{answer.truncated} reached"
    if request.values.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="results.{EXTENSIONS[media_type]}"'
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "no-store"
    return response


EDITOR_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-src 'none'; object-src 'none'; base-uri 'self'"
)


@functools.lru_cache(maxsize=4)
def _canned_by_name(_mtimes: tuple) -> dict:
    """The canned queries by name, in file order (read once per change of the queries folder)."""
    return {saved.name: saved for saved in canned_queries()}


@functools.lru_cache(maxsize=4)
def _canned_for_editor(_mtimes: tuple) -> list[dict]:
    """The canned queries as the editor lists them, with their default parameters bound (read once per change
    of the queries folder: `_mtimes` is the cache key)."""
    canned = []
    for saved in _canned_by_name(_mtimes).values():
        try:
            text = bind_parameters(saved.sparql, saved.values({}))
        except ValueError:
            text = saved.sparql
        canned.append(
            {
                "name": saved.name,
                "title": saved.title,
                "description": saved.description,
                "params": [
                    {"name": p.name, "description": p.description, "default": p.default} for p in saved.params
                ],
                "query": text,
            }
        )
    return canned


@functools.lru_cache(maxsize=64)
def _editor_html(lang: str, sparql: str, mtimes: tuple, app_id: int, form: tuple = ()) -> str:
    """The rendered editor page; the same for every request with the same language, query and canned query
    form (`form`: the canned query's name and its fields' values, as pairs)."""
    canned = _canned_for_editor(mtimes)
    config = {
        "endpoint": url_for("sparql.endpoint"),
        "idBase": ID_BASE,
        "prefixes": PREFIX_IRIS,
        "query": sparql,
        "run": bool(sparql.strip()),
        "timeout": current_app.config["QUERY_TIMEOUT"],
        "rowLimit": current_app.config["ROW_LIMIT"],
        "cannedUrl": url_for("sparql.canned"),
        "tableUrl": url_for("sparql.results_table", fmt="csv").replace(".csv", ".FORMAT"),
        "labels": {"table": t("sparql_view_table"), "chart": t("sparql_view_chart")},
    }
    chosen = None
    if form:
        name, values = form[0], dict(form[1:])
        saved = _canned_by_name(mtimes)[name]
        chosen = {
            "name": name,
            "title": saved.title,
            "description": saved.description,
            "fields": [
                {
                    "name": p.name,
                    "description": p.description,
                    "default": p.default,
                    "value": values.get(p.name, ""),
                }
                for p in saved.params
            ],
            "boundUrl": url_for("sparql.canned_text", name=name),
        }
        config["canned"] = {
            "name": name,
            "boundUrl": chosen["boundUrl"],
            "pageUrl": url_for("sparql.canned_form", name=name),
        }
    vendor = (VENDOR_DIR / "yasgui.min.js").is_file() and (VENDOR_DIR / "yasgui.min.css").is_file()
    return render_template(
        "sparql.html", canned=canned, config=config, vendor=vendor, sparql=sparql, chosen=chosen
    )


_QUERIES_STATE_TTL = 2.0  # seconds an edit to queries/ may take to show in the editor
_queries_state: list = [float("-inf"), ()]  # [when read, state]


def _queries_folder_state() -> tuple:
    """The canned queries' names and modification times, read at most once per _QUERIES_STATE_TTL.

    Reading them costs some twenty system calls, and each hands the interpreter lock to the busy request
    threads and waits to get it back: under load that made the editor page twice as slow as any other."""
    now = time.monotonic()
    if now - _queries_state[0] > _QUERIES_STATE_TTL:
        folder = canned_queries_dir()
        _queries_state[:] = [now, tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.rq")))]
    return _queries_state[1]


def canned_query(name: str):
    """The canned query `name` (kg.store.CannedQuery), None when queries/ has no such file; read once per
    change of the queries folder."""
    return _canned_by_name(_queries_folder_state()).get(name)


@bp.get("/sparql/canned.json")
def canned():
    """The canned queries with their default parameters bound, for the editor's one-click loading."""
    return current_app.json.response(_canned_for_editor(_queries_folder_state()))


def editor_page(sparql: str, form: tuple = ()) -> Response:
    """The editor (YASGUI's YASQE and YASR served from static/vendor), canned queries beside it; with `form`
    (a canned query's name and its fields' values), that query's form above the editor."""
    html = _editor_html(
        current_lang(), sparql, _queries_folder_state(), id(current_app._get_current_object()), form
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = EDITOR_CSP
    response.headers["Vary"] = "Accept"
    return response


def _canned_values(name: str):
    """The canned query `name` (404 when there is none) and the values of its form: each parameter the request
    gives (an empty field: unbound, for an optional parameter), else its default."""
    saved = canned_query(name)
    if saved is None:
        abort(404, description=t("sparql_no_such_query", name=name))
    fields = {}
    for param in saved.params:
        given = request.args.get(param.name)
        fields[param.name] = (given if given is not None else param.default or "").strip()
    return saved, fields


def _bound(saved, fields: dict[str, str]) -> str:
    """The canned query with its fields bound (each parameter once), or a 400 naming the bad value."""
    try:
        return bind_parameters(saved.sparql, {k: v for k, v in fields.items() if v})
    except ValueError as error:
        abort(400, description=str(error))


@bp.get("/sparql/canned/<name>")
def canned_form(name: str):
    """A canned query as a form: a field per declared parameter (its default filled in), the query text with
    the values bound, and its results; editing a field binds and runs it again."""
    saved, fields = _canned_values(name)
    return editor_page(_bound(saved, fields), (name, *fields.items()))


@bp.get("/sparql/canned/<name>.rq")
def canned_text(name: str):
    """The canned query's text with the request's field values bound (what the form runs)."""
    saved, fields = _canned_values(name)
    response = Response(_bound(saved, fields), mimetype="application/sparql-query")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/sparql/results.<any(csv, xlsx):fmt>")
def results_table(fmt: str):
    """A SELECT query's results as a spreadsheet (web.export: CSV with a BOM, or XLSX with dates as date cells,
    numbers as numbers, the explorer's IRIs as links to their pages), values plain (no "…"@zh or ^^xsd:…)."""
    import json

    from web.export import table_response

    sparql = request.args.get("query", "")
    if not sparql.strip():
        abort(400, description=NO_QUERY)
    if len(sparql.encode("utf-8")) > current_app.config["MAX_QUERY_KB"] * 1024:
        return _too_large()
    answer = _run(sparql, {"SELECT": RESULTS_JSON, "ASK": RESULTS_JSON, "CONSTRUCT": None, "DESCRIBE": None})
    if isinstance(answer, Response):
        return answer
    data = json.loads(answer.body)
    if "boolean" in data:
        data = {
            "head": {"vars": ["answer"]},
            "results": {"bindings": [{"answer": {"type": "literal", "value": str(data["boolean"]).lower()}}]},
        }
    variables = data["head"]["vars"]
    rows = [{v: plain_value(b.get(v)) for v in variables} for b in data["results"]["bindings"]]
    columns = [(v, v, _column_kind([b.get(v) for b in data["results"]["bindings"]])) for v in variables]
    return table_response("results", fmt, columns, rows, filters={}, title=sparql, labelled=True)


_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMBERS = {_XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger")}


def plain_value(term: dict | None):
    """A SPARQL JSON result term as a plain value: a literal's lexical form (a number for numeric types), an
    IRI as itself."""
    if term is None:
        return None
    value = term["value"]
    if term.get("type") in ("literal", "typed-literal") and term.get("datatype") in _NUMBERS:
        try:
            return (
                int(value)
                if term["datatype"] != _XSD + "double" and value.lstrip("+-").isdigit()
                else float(value)
            )
        except ValueError:
            return value
    return value


def _column_kind(terms: list[dict | None]) -> str:
    """How a result column is written: dates as date cells, numbers as numbers, IRIs as links, else text."""
    present = [x for x in terms if x is not None]
    if not present:
        return "text"
    if all(x.get("type") == "uri" for x in present):
        return "link"
    types = {x.get("datatype") for x in present}
    if types == {_XSD + "date"}:
        return "date"
    if types <= _NUMBERS:
        return "number"
    return "text"


def _rdf_response(triples, media_type: str, filename: str | None = None) -> Response:
    prefixes = PREFIX_IRIS if media_type == TURTLE else None
    body = ox.serialize(triples, format=OX_FORMATS[media_type], prefixes=prefixes)
    charset = "" if media_type == JSON_LD else "; charset=utf-8"
    response = Response(body, content_type=media_type + charset)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def service_description() -> Response:
    """The SPARQL 1.1 Service Description of this endpoint, in Turtle, N-Triples or JSON-LD."""
    media_type = _negotiate("CONSTRUCT") or TURTLE
    here = request.base_url
    formats = " ".join(
        f"<http://www.w3.org/ns/formats/{name}>"
        for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV")
        + ("Turtle", "N-Triples", "JSON-LD")
    )
    turtle = f"""
        @prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
        @prefix dcterms: <http://purl.org/dc/terms/> .
        <{here}> a sd:Service ;
            sd:endpoint <{here}> ;
            sd:supportedLanguage sd:SPARQL11Query ;
            sd:resultFormat {formats.replace(" ", ", ")} ;
            dcterms:description "Read-only: no SPARQL Update, SERVICE, FROM or FROM NAMED. Every query runs under a time limit of {current_app.config["QUERY_TIMEOUT"]:g} s and a limit of {current_app.config["ROW_LIMIT"]} rows."@en ;
            sd:defaultDataset [ a sd:Dataset ;
                sd:defaultGraph [ a sd:Graph ; dcterms:source <{url_for("sparql.download_graph", ext="ttl", _external=True)}> ] ] .
    """
    triples = [q.triple for q in ox.parse(turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE)]
    response = _rdf_response(triples, media_type)
    response.headers["Vary"] = "Accept"
    return response


# --- whole downloads ----------------------------------------------------------------------------------


def _graph_bytes(media_type: str) -> bytes:
    """The whole graph (the union of the store's graphs) serialised; cached for the source's generation."""
    repository = current_app.extensions["repository"]

    def compute() -> bytes:
        triples = repository.triples("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        prefixes = PREFIX_IRIS if media_type == TURTLE else None
        return ox.serialize(triples, format=OX_FORMATS[media_type], prefixes=prefixes)

    return repository.cached(("download", media_type), compute)


@bp.route("/download/graph.<ext>")
def download_graph(ext: str):
    media_type = DOWNLOAD_FORMATS.get(ext) or abort(404)
    try:
        body = _graph_bytes(media_type)
    except StoreMissingError:
        return _error(503, "no store yet: run `kg build`")
    charset = "" if media_type == JSON_LD else "; charset=utf-8"
    response = Response(body, content_type=media_type + charset)
    response.headers["Content-Disposition"] = f'attachment; filename="lantian-graph.{ext}"'
    return response


@functools.lru_cache(maxsize=8)
def _ontology_triples(path: Path, mtime_ns: int) -> list:
    return [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]


@bp.route("/download/ontology.<ext>")
def download_ontology(ext: str):
    media_type = DOWNLOAD_FORMATS.get(ext) or abort(404)
    triples = _ontology_triples(ONTOLOGY_FILE, ONTOLOGY_FILE.stat().st_mtime_ns)
    return _rdf_response(triples, media_type, f"lantian-ontology.{ext}")
