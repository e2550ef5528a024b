"""Where the explorer reads the graph from: the local store folder (pyoxigraph) or a remote SPARQL 1.1 query
endpoint (SPARQLWrapper), behind one small interface that answers in plain values.

A source answers SPARQL text (the project's prefixes are known to it) in the same shapes whatever it is:

- ``select(sparql)``: the solutions as dicts of plain values (IRIs as strings, blank nodes as "_:x", numbers
  as int/float, booleans as bool, other literals as their text, unbound variables as None);
- ``select_tuples(sparql)``: the same solutions as tuples in the order of the SELECT's variables (no dict a
  row: the audit reads some 300,000 rows at national scale);
- ``ask(sparql)``: a bool;
- ``construct(sparql)``: the triples (pyoxigraph ``Triple`` values, duplicates removed), for CONSTRUCT and
  DESCRIBE;
- ``token()``: changes when the graph may have changed, so answers computed from it can be cached per token
  (a *generation*). The local store's token is its folder's identity (a rebuild swaps a new folder in); a
  remote server's graph can change at any time without telling us, so its token is a time-to-live bucket:
  answers cached by the explorer are at most ``ttl`` seconds old;
- ``query_runner(size, memory_mb)``: what the /sparql endpoint runs user queries with, under their limits
  (``run(QueryRequest) -> Answer``): the pool of killable worker processes locally, the remote server
  itself (time limit = the HTTP request's timeout, the query checked first by a worker) remotely.

Both read the *union of all graphs* as the default graph: the store holds one named graph per plan and a
shared graph, and every query, local or remote, sees them as one. (An Oxigraph server must be started with
``--union-default-graph`` for that; Fuseki needs ``tdb2:unionDefaultGraph true``; Virtuoso's default graph is
already the union: see docs/remote-servers.md.)

Failures of a remote server are `GraphUnavailable` (unreachable, credentials refused, not an endpoint, a
server error) or `GraphTimeout`, each naming the endpoint. Oxigraph server answers 200 with a truncated body
when its own time limit (``--timeout-s``) cancels a query: an answer that does not parse is taken for a
timeout.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import threading
import time
import urllib.error
from pathlib import Path

import pyoxigraph as ox

from kg.store import StoreMissingError, store_exists
from kg.texts import TaskTexts, read_plan_source, task_texts
from web.query_worker import (
    GRAPH_TYPES,
    TURTLE,
    Answer,
    QueryFailed,
    QueryPool,
    QueryRequest,
    QueryTimeout,
    write_boolean,
    write_solutions,
    write_triples,
)

XSD = "http://www.w3.org/2001/XMLSchema#"
AGENT = "lantian-kg-serve"
RESULTS_JSON = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_PARSE_FORMATS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}


class GraphUnavailable(Exception):
    """The graph could not be read; the message names the endpoint and says why."""

    def __init__(self, message: str, kind: str = "unavailable"):
        super().__init__(message)
        self.kind = kind  # unavailable | refused | syntax | evaluation | timeout


class GraphTimeout(GraphUnavailable):
    """The remote server did not answer within the time limit (or cut its answer short)."""

    def __init__(self, message: str):
        super().__init__(message, "timeout")


# --- plain values -------------------------------------------------------------------------------------


def literal_value(lexical: str, datatype: str):
    """A literal as a plain Python value: integers as int, decimals and doubles as int or float (int when
    whole), booleans as bool, anything else as its text."""
    if datatype in (XSD + "integer", XSD + "int", XSD + "long", XSD + "short", XSD + "nonNegativeInteger"):
        try:
            return int(lexical)
        except ValueError:
            return lexical
    if datatype in (XSD + "decimal", XSD + "double", XSD + "float"):
        try:
            number = float(lexical)
        except ValueError:
            return lexical
        return int(number) if number.is_integer() else number
    if datatype == XSD + "boolean":
        return lexical in ("true", "1")
    return lexical


def term_value(term):
    """A pyoxigraph term as a plain value (see `literal_value`)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return literal_value(term.value, term.datatype.value if term.datatype else "")
    return str(term)


def json_term_value(term: dict | None):
    """A term of the SPARQL 1.1 Query Results JSON format as a plain value (see `literal_value`)."""
    if term is None:
        return None
    kind = term.get("type")
    if kind == "uri":
        return term["value"]
    if kind == "bnode":
        return f"_:{term['value']}"
    if kind in ("literal", "typed-literal"):  # typed-literal: older Virtuoso
        return literal_value(term["value"], term.get("datatype") or "")
    return str(term.get("value"))


def _worker_term(term: dict) -> dict:
    """A results-JSON term as the /sparql writers take it (web.query_worker._term_json's shape)."""
    kind = term.get("type")
    if kind == "typed-literal":
        kind = "literal"
    if kind not in ("uri", "bnode", "literal"):
        return {"type": "triple", "value": json.dumps(term.get("value"), ensure_ascii=False)}
    found = {"type": kind, "value": term["value"]}
    if kind == "literal":
        if term.get("xml:lang"):
            found["xml:lang"] = term["xml:lang"]
        elif term.get("datatype") and term["datatype"] != XSD + "string":
            found["datatype"] = term["datatype"]
    return found


def _unique(triples) -> list[ox.Triple]:
    seen: set = set()
    out = []
    for triple in triples:
        if triple not in seen:
            seen.add(triple)
            out.append(triple)
    return out


# --- the local store ----------------------------------------------------------------------------------


class LocalStore:
    """The store folder, opened read-only with pyoxigraph and reopened when a rebuild swaps a new folder in."""

    def __init__(self, store_dir: Path | str, prefixes: dict[str, str]):
        self.store_dir = Path(store_dir)
        self.prefixes = dict(prefixes)
        self._lock = threading.Lock()
        self._store: ox.Store | None = None
        self._stamp: tuple | None = None

    @property
    def name(self) -> str:
        return f"the store at {self.store_dir}"

    def _folder_stamp(self) -> tuple | None:
        try:
            st = os.stat(self.store_dir)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_dev, st.st_mtime_ns)

    def _open(self) -> ox.Store:
        stamp = self._folder_stamp()
        if self._store is None or stamp != self._stamp:
            with self._lock:
                stamp = self._folder_stamp()
                if self._store is None or stamp != self._stamp:
                    if not store_exists(self.store_dir):
                        raise StoreMissingError(self.store_dir)
                    self._store = ox.Store.read_only(str(self.store_dir))
                    self._stamp = stamp
        return self._store

    def token(self) -> tuple:
        self._open()
        return self._stamp

    def available(self) -> bool:
        return store_exists(self.store_dir)

    def task_texts(self) -> TaskTexts | None:
        """The store's task text table (`kg.texts`), for word search; None when it has none."""
        return task_texts(self.store_dir)

    def plan_source(self, plan_iri: str) -> dict | None:
        """The plan's source path as the build kept it (`kg.texts`); None when not kept."""
        return read_plan_source(self.store_dir, plan_iri)

    def _query(self, sparql: str):
        return self._open().query(sparql, prefixes=self.prefixes, use_default_graph_as_union=True)

    def select(self, sparql: str) -> list[dict]:
        solutions = self._query(sparql)
        names = [v.value for v in solutions.variables]
        return [{name: term_value(row[name]) for name in names} for row in solutions]

    def select_tuples(self, sparql: str) -> list[tuple]:
        return [tuple(map(term_value, row)) for row in self._query(sparql)]

    def ask(self, sparql: str) -> bool:
        return bool(self._query(sparql))

    def construct(self, sparql: str) -> list[ox.Triple]:
        return _unique(self._query(sparql))

    def query_runner(self, size: int, memory_mb: int | None = None) -> QueryPool:
        return QueryPool(self.store_dir, size, self.prefixes, memory_mb)


# --- a remote SPARQL 1.1 endpoint ---------------------------------------------------------------------

# one item of a query's prologue: blank space, a comment, BASE <…> or PREFIX p: <…>
_PROLOGUE_ITEM = re.compile(
    r"\s+|#[^\n]*(?:\n|$)|BASE\s*<[^>]*>|PREFIX\s+(?P<prefix>(?:[A-Za-z][\w.-]*)?)\s*:\s*<[^>]*>",
    re.IGNORECASE,
)


class RemoteEndpoint:
    """A SPARQL 1.1 query endpoint (Oxigraph server /query, Fuseki /DATASET/query, Virtuoso /sparql …) read
    through SPARQLWrapper: every query is POSTed with the project's prefixes declared, under `timeout`
    seconds for the whole answer. Authentication as `kg push`: Basic or Digest with a user and password, or
    a Bearer token."""

    def __init__(
        self,
        endpoint: str,
        prefixes: dict[str, str],
        *,
        user: str | None = None,
        password: str | None = None,
        token: str | None = None,
        digest: bool = False,
        timeout: float = 10.0,
        ttl: float = 60.0,
    ):
        if ttl <= 0:
            raise ValueError("the cache time-to-live must be positive")
        self.endpoint = endpoint
        self.prefixes = dict(prefixes)
        self.user, self.password, self.bearer, self.digest = user, password, token, digest
        self.timeout = float(timeout)
        self.ttl = float(ttl)

    @property
    def name(self) -> str:
        return f"the SPARQL endpoint {self.endpoint}"

    def token(self) -> int:
        return int(time.monotonic() // self.ttl)

    def task_texts(self) -> None:
        """No task text table: the server's own text search (FILTER over every task text) answers."""
        return None

    def available(self) -> bool:
        try:
            self.ask("ASK {}")
        except GraphUnavailable:
            return False
        return True

    def with_prefixes(self, sparql: str) -> str:
        """`sparql` with a PREFIX line for each project prefix it does not declare itself."""
        declared, at = set(), 0
        while (item := _PROLOGUE_ITEM.match(sparql, at)) is not None and item.end() > at:
            if item.group("prefix") is not None:
                declared.add(item.group("prefix"))
            at = item.end()
        lines = [f"PREFIX {p}: <{iri}>" for p, iri in self.prefixes.items() if p not in declared]
        return "\n".join([*lines, sparql])

    def _headers(self) -> dict[str, str]:
        if self.bearer:
            return {"Authorization": f"Bearer {self.bearer}"}
        if self.user is not None and not self.digest:
            secret = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode("ascii")
            return {"Authorization": f"Basic {secret}"}
        return {}

    def request(self, sparql: str, accept: str, timeout: float | None = None) -> tuple[bytes, str]:
        """POST the query; the answer's body and media type. Raises GraphUnavailable / GraphTimeout."""
        from SPARQLWrapper import DIGEST, POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import (
            EndPointInternalError,
            EndPointNotFound,
            QueryBadFormed,
            Unauthorized,
        )

        timeout = self.timeout if timeout is None else float(timeout)
        client = SPARQLWrapper(self.endpoint, agent=AGENT)
        client.setMethod(POST)
        client.setOnlyConneg(True)  # the Accept header only: no format=/output= parameters
        client.setQuery(self.with_prefixes(sparql))
        client.setTimeout(timeout)
        client.addCustomHttpHeader("Accept", accept)
        for key, value in self._headers().items():
            client.addCustomHttpHeader(key, value)
        if self.digest and self.user is not None:
            client.setHTTPAuth(DIGEST)
            client.setCredentials(self.user, self.password or "")
        where = self.name
        deadline = time.monotonic() + timeout
        try:
            response = client.query().response
            chunks = []
            while chunk := response.read(1 << 16):
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    response.close()
                    raise GraphTimeout(
                        f"{where} did not finish its answer within the time limit of {timeout:g} s"
                    )
            media_type = response.headers.get_content_type()
            return b"".join(chunks), media_type
        except QueryBadFormed as error:
            raise GraphUnavailable(f"{where} rejected the query: {_message(error)}", "syntax") from None
        except Unauthorized:
            raise GraphUnavailable(
                f"{where} refused the credentials (401): check --user/--password or --token", "refused"
            ) from None
        except EndPointNotFound:
            raise GraphUnavailable(
                f"{where} answered 404: no SPARQL query endpoint there (Oxigraph: /query, Fuseki: "
                "/DATASET/query, Virtuoso: /sparql)"
            ) from None
        except EndPointInternalError as error:
            raise GraphUnavailable(f"{where} failed on the query: {_message(error)}", "evaluation") from None
        except urllib.error.HTTPError as error:
            if error.code == 403:
                raise GraphUnavailable(
                    f"{where} refused access (403): check --user/--password or --token", "refused"
                ) from None
            if error.code in (503, 504) or error.code == 408:
                raise GraphTimeout(f"{where} answered {error.code} {error.reason}") from None
            raise GraphUnavailable(f"{where} answered {error.code} {error.reason}") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise GraphTimeout(f"{where} did not answer within the time limit of {timeout:g} s") from None
            raise GraphUnavailable(f"cannot reach {where} ({error.reason})") from None
        except TimeoutError:
            raise GraphTimeout(f"{where} did not answer within the time limit of {timeout:g} s") from None
        except (ConnectionError, http.client.HTTPException, OSError) as error:
            raise GraphUnavailable(f"cannot read from {where} ({type(error).__name__}: {error})") from None

    def _results(self, sparql: str, timeout: float | None = None) -> dict:
        body, media_type = self.request(sparql, RESULTS_JSON, timeout)
        if media_type not in (RESULTS_JSON, "application/json"):
            raise GraphUnavailable(
                f"{self.name} answered {media_type or 'without a media type'}, not SPARQL results: "
                "is it the server's query endpoint?"
            )
        try:
            found = json.loads(body)
            if not isinstance(found, dict) or ("boolean" not in found and "results" not in found):
                raise ValueError("not a SPARQL results document")
        except (ValueError, UnicodeDecodeError) as error:
            raise GraphTimeout(_cut_short(self.name, body, error)) from None
        return found

    def select(self, sparql: str) -> list[dict]:
        found = self._results(sparql)
        names = found.get("head", {}).get("vars", [])
        return [
            {name: json_term_value(row.get(name)) for name in names} for row in found["results"]["bindings"]
        ]

    def select_tuples(self, sparql: str) -> list[tuple]:
        found = self._results(sparql)
        names = found.get("head", {}).get("vars", [])
        return [
            tuple(json_term_value(row.get(name)) for name in names) for row in found["results"]["bindings"]
        ]

    def ask(self, sparql: str) -> bool:
        return bool(self._results(sparql).get("boolean"))

    def construct(self, sparql: str, timeout: float | None = None) -> list[ox.Triple]:
        body, media_type = self.request(sparql, GRAPH_ACCEPT, timeout)
        rdf_format = _PARSE_FORMATS.get(media_type)
        if rdf_format is None:
            raise GraphUnavailable(
                f"{self.name} answered a graph query in {media_type}, which is not RDF we read"
            )
        try:
            return _unique(q.triple for q in ox.parse(body, format=rdf_format))
        except (SyntaxError, ValueError) as error:
            raise GraphTimeout(_cut_short(self.name, body, error)) from None

    def query_runner(self, size: int, memory_mb: int | None = None) -> RemoteQueryRunner:
        return RemoteQueryRunner(self, QueryPool(None, size, self.prefixes, memory_mb))


def _message(error: Exception) -> str:
    text = str(error)
    return " ".join(text.split())[:300]


def _cut_short(where: str, body: bytes, error: Exception) -> str:
    tail = body[-120:].decode("utf-8", "replace")
    return (
        f"{where} stopped the query: its answer was cut short ({type(error).__name__}: {error}); "
        f"the server's own time limit is the likely cause. End of the answer: {' '.join(tail.split())!r}"
    )


class RemoteQueryRunner:
    """/sparql user queries sent to the remote server once a local worker (`checker`, a QueryPool without a
    store) found them safe: the answer read back, cut at the row limit and written in the negotiated format
    (the writers of web.query_worker). The time limit is what is left of the request's deadline; a failure
    is a QueryTimeout or a QueryFailed (kind syntax, evaluation, refused or unavailable, or the checker's)."""

    def __init__(self, source: RemoteEndpoint, checker: QueryPool):
        self.source = source
        self.checker = checker

    def run(self, request: QueryRequest) -> Answer:
        form, media_type = self.checker.check(request)
        sparql, row_limit = request.sparql, request.row_limit
        timeout = max(0.1, request.remaining())
        try:
            if media_type in GRAPH_TYPES:
                triples = self.source.construct(sparql, timeout)
                truncated = len(triples) > row_limit
                triples = triples[:row_limit]
                prefixes = self.source.prefixes if media_type == TURTLE else {}
                body = write_triples(triples, media_type, prefixes)
                return Answer(body, media_type, len(triples), _cut(truncated, row_limit), form)
            found = self.source._results(sparql, timeout)
        except GraphTimeout as error:
            raise QueryTimeout(str(error)) from None
        except GraphUnavailable as error:
            raise QueryFailed(error.kind, str(error)) from None
        if "boolean" in found:
            return Answer(write_boolean(bool(found["boolean"]), media_type), media_type, 1, None, form)
        variables = found.get("head", {}).get("vars", [])
        bindings = found["results"]["bindings"]
        truncated = len(bindings) > row_limit
        rows = [
            [_worker_term(row[v]) if v in row else None for v in variables] for row in bindings[:row_limit]
        ]
        body = write_solutions(variables, rows, media_type)
        return Answer(body, media_type, len(rows), _cut(truncated, row_limit), form)

    def close(self) -> None:
        """Stop the checking workers (the remote server holds no process of ours)."""
        self.checker.close()


def _cut(truncated: bool, row_limit: int) -> str | None:
    return f"row limit {row_limit}" if truncated else None
