"""Push the store's graph to a SPARQL 1.1 server through the Graph Store HTTP Protocol, one named graph per plan.

The store already holds one named graph per plan (``<plan IRI>/graph``) and one cross-plan graph
(``id/graph/cross-plan``), each triple in exactly one of them (see `kg.corpus`); the push sends each graph as
it is, so the union of the server's graphs is the store's graph, and a server whose default graph is the
union of its named graphs (Oxigraph ``--union-default-graph``, Fuseki ``tdb2:unionDefaultGraph``, Virtuoso)
answers every query as the local store does.

Each graph is sent as N-Triples with one HTTP ``PUT ?graph=IRI``, which the protocol defines as replacing
that graph: a server applies it atomically, so a reader sees a plan's old graph or its new one, never a
mix, and other plans' graphs are not touched. Connection errors, timeouts and 5xx/429 answers are retried
with exponential backoff; any failure ends with a ``PushError`` naming the endpoint and the graph. The time
limit bounds each request whole, from connecting to the last byte of the answer (a server trickling a byte a
second cannot hold it), and a redirect to another host (or port, or scheme) is followed without the
credentials, as curl and requests do.

Graphs on the server for plans no longer in the store stay there unless the push is asked to prune
(`prune`, ``kg push --prune``): after every graph was sent, the server's Lantian plan graphs are listed through
its SPARQL *query* endpoint (the Graph Store protocol cannot list graphs) and those the store does not hold are
deleted with ``DELETE ?graph=IRI``. Only a Lantian plan graph (``id/plan/KEY/graph``) or the ``id/graph/default``
graph a push writes may be deleted, never another graph on the server; and nothing is deleted unless the
listing shows the graphs just pushed (else the query endpoint is not the same dataset's).

A store holding no plan (no plan graph and an empty default graph: a wrong ``--store``, an empty Oxigraph folder)
is refused by both (`EmptyStoreError`) unless allowed: pushing it would replace the server's cross-plan graph with
an empty one, and pruning would then delete every Lantian plan graph on the server.
"""

from __future__ import annotations

import base64
import functools
import http.client
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.corpus import CROSS_PLAN_GRAPH, plan_graph_iri, read_digests
from kg.namespaces import ID
from kg.store import StoreMissingError, default_store_dir, store_exists

DEFAULT_GRAPH = (
    f"{ID}graph/default"  # where triples of a store's default graph go (stores not made by kg build)
)
NTRIPLES = "application/n-triples"
RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})

# the named graph of one plan: ID + "plan/" + its key + "/graph", the key being "jurisdiction/文号", or a 文号 or
# a title alone (in which a "/" is escaped, kg.namespaces), as older versions also named every plan
PLAN_GRAPH = re.compile(rf"{re.escape(str(ID))}plan/(?:[^/]+/)?[^/]+/graph")
SPARQL_JSON = "application/sparql-results+json"

__all__ = [
    "CROSS_PLAN_GRAPH",
    "EmptyStoreError",
    "GraphStoreClient",
    "PruneReport",
    "PushError",
    "PushedGraph",
    "SparqlQueryClient",
    "default_query_endpoint",
    "holds_plans",
    "is_prunable_graph",
    "plan_graph_iri",
    "prune",
    "push",
    "store_graphs",
]


class PushError(Exception):
    """The push failed; the message names the endpoint (and the graph, when one was being sent)."""


class _NoAnswer(Exception):
    """The server was reached but did not answer in full within the time limit."""


class EmptyStoreError(PushError):
    """A push or prune of a store that holds no plan, refused before anything was sent or deleted."""

    def __init__(self, message: str, doomed: list[str] | None = None):
        self.doomed = doomed  # the server's graphs a prune would have deleted, when they were listed
        super().__init__(message)

    @classmethod
    def of_store(cls, store_dir: Path, endpoint: str, doomed: list[str] | None = None) -> EmptyStoreError:
        """The refusal to push the store at `store_dir` to `endpoint`; `doomed`: the graphs --prune would
        delete there."""
        pruning = (
            f", and --prune would delete all {len(doomed)} Lantian plan graph(s) there" if doomed else ""
        )
        return cls(
            f"the store at {store_dir} holds no plan: pushing it would replace the cross-plan graph on {endpoint} "
            f"with the store's{pruning}; nothing was sent or deleted. Check --store (or $LANTIAN_STORE); "
            "pass --allow-empty-store to push it anyway",
            doomed,
        )


# --- HTTP ------------------------------------------------------------------------------------------


class _BoundedConnection:
    """Mixed into http.client's connections: the socket is shut down at `deadline` (time.monotonic()),
    whatever the server sends meanwhile (a socket timeout bounds each read, not the request)."""

    def __init__(self, *args, deadline: float, opened: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.deadline = deadline
        self.answering = False  # connected: a failure from now on is the server not answering
        self.expired = False
        self._timer: threading.Timer | None = None
        opened.append(self)

    def connect(self):
        super().connect()
        self.answering = True
        self._timer = threading.Timer(max(0.0, self.deadline - time.monotonic()), self._expire, (self.sock,))
        self._timer.daemon = True
        self._timer.start()

    def _expire(self, sock: socket.socket) -> None:
        self.expired = True
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


class _BoundedHTTP(_BoundedConnection, http.client.HTTPConnection):
    pass


class _BoundedHTTPS(_BoundedConnection, http.client.HTTPSConnection):
    pass


class _BoundedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: float, opened: list):
        super().__init__()
        self._connection = functools.partial(_BoundedHTTP, deadline=deadline, opened=opened)

    def http_open(self, req):
        return self.do_open(self._connection, req)


class _BoundedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: float, opened: list):
        super().__init__()
        self._connection = functools.partial(_BoundedHTTPS, deadline=deadline, opened=opened)

    def https_open(self, req):
        return self.do_open(self._connection, req, context=self._context)


def _origin(url: str) -> tuple:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


class _CredentialsStayHome(urllib.request.HTTPRedirectHandler):
    """Follows redirects as urllib does, but never sends the Authorization header to another origin."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and _origin(newurl) != _origin(req.full_url):
            new.remove_header("Authorization")
        return new


@dataclass
class HttpEndpoint:
    """An HTTP endpoint of a SPARQL server, with its authentication, time limit and retries."""

    endpoint: str
    user: str | None = None
    password: str | None = None
    token: str | None = None
    digest: bool = False  # HTTP Digest instead of Basic (Virtuoso's /sparql-graph-crud-auth)
    timeout: float = 60.0
    retries: int = 3
    backoff: float = 0.5  # seconds before the first retry; doubles on each
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self):
        self._auth_handlers = []
        if self.digest and self.user is not None:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, self.endpoint, self.user, self.password or "")
            self._auth_handlers.append(urllib.request.HTTPDigestAuthHandler(manager))

    def _open(self, request: urllib.request.Request) -> tuple[int, bytes]:
        """Send `request` (following redirects) and read the answer, all within `timeout` seconds."""
        deadline, opened = time.monotonic() + self.timeout, []
        opener = urllib.request.build_opener(
            *self._auth_handlers,
            _BoundedHTTPHandler(deadline, opened),
            _BoundedHTTPSHandler(deadline, opened),
            _CredentialsStayHome(),
        )
        try:
            with opener.open(request, timeout=self.timeout) as answer:
                status, body = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            error.detail = _detail(error)  # read while the deadline holds
            raise
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", error)
            timed_out = isinstance(reason, TimeoutError) or any(c.expired for c in opened)
            if timed_out and any(c.answering for c in opened):
                raise _NoAnswer(f"no answer in {self.timeout:g} s") from error
            raise
        finally:
            for connection in opened:
                connection.cancel()
        if any(c.expired for c in opened):  # an answer without a length, cut at the deadline
            raise _NoAnswer(f"no answer in {self.timeout:g} s")
        return status, body

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": "lantian-kg-push"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        elif self.user is not None and not self.digest:
            secret = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {secret}"
        return headers

    def _exchange(
        self, method: str, url: str, body: bytes | None, headers: dict, action: str, absent_ok=False
    ) -> tuple[int, bytes]:
        """Send one request (retrying as configured); its status and body. `action` names it in errors."""
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            request = urllib.request.Request(url, data=body, method=method, headers=self._headers() | headers)
            try:
                return self._open(request)
            except _NoAnswer as error:
                problem = str(error)
            except urllib.error.HTTPError as error:
                detail = getattr(error, "detail", "")
                if absent_ok and error.code == 404:
                    return 404, b""
                if error.code in (401, 403):
                    raise PushError(
                        f"{self.endpoint}: {action} refused ({error.code} {error.reason}): "
                        "check --user/--password or --token" + (f": {detail}" if detail else "")
                    ) from None
                problem = f"{error.code} {error.reason}" + (f": {detail}" if detail else "")
                if error.code not in RETRY_STATUS:
                    raise PushError(f"{self.endpoint}: {action} failed: {problem}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as error:
                reason = getattr(error, "reason", error)
                problem = f"cannot reach the server ({reason})"
            if attempt < attempts:
                self.sleep(self.backoff * 2 ** (attempt - 1))
        raise PushError(f"{self.endpoint}: {action} failed after {attempts} attempt(s): {problem}")


@dataclass
class GraphStoreClient(HttpEndpoint):
    """A SPARQL 1.1 Graph Store HTTP Protocol endpoint: PUT/DELETE of named graphs, with retries."""

    def graph_url(self, graph: str) -> str:
        separator = "&" if urllib.parse.urlsplit(self.endpoint).query else "?"
        return f"{self.endpoint}{separator}{urllib.parse.urlencode({'graph': graph})}"

    def put(self, graph: str, body: bytes) -> int:
        """Replace `graph` on the server with the N-Triples `body`; returns the HTTP status."""
        return self._send("PUT", graph, body, {"Content-Type": f"{NTRIPLES}; charset=utf-8"})

    def delete(self, graph: str) -> int:
        """Delete `graph` on the server (404, no such graph, counts as done)."""
        return self._send("DELETE", graph, None, {}, absent_ok=True)

    def _send(self, method: str, graph: str, body: bytes | None, headers: dict, absent_ok=False) -> int:
        action = f"{method} of graph <{graph}>"
        return self._exchange(method, self.graph_url(graph), body, headers, action, absent_ok)[0]


@dataclass
class SparqlQueryClient(HttpEndpoint):
    """A SPARQL 1.1 query endpoint, asked (by POST, JSON results) which named graphs the server holds."""

    def select(self, sparql: str, action: str = "query") -> list[dict[str, str]]:
        """The rows of a SELECT query, each as {variable: value}."""
        body = urllib.parse.urlencode({"query": sparql}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": SPARQL_JSON}
        _, answer = self._exchange("POST", self.endpoint, body, headers, action)
        try:
            rows = json.loads(answer)["results"]["bindings"]
            return [{name: cell["value"] for name, cell in row.items()} for row in rows]
        except (ValueError, KeyError, TypeError, AttributeError):
            shown = " ".join(answer[:120].decode("utf-8", "replace").split())
            raise PushError(
                f"{self.endpoint}: the answer to the {action} is no SPARQL JSON result (is this the server's "
                f"SPARQL query endpoint? was the query cancelled?): {shown!r}"
            ) from None

    def named_graphs(self, under: str, every_triple: bool = False) -> set[str]:
        """The IRIs of the server's named graphs that start with `under`. `GRAPH ?g { }` lists every graph,
        empty ones too, without reading them; `every_triple` uses `GRAPH ?g { ?s ?p ?o }` instead, which any
        server answers but which reads each graph (slow on big servers) and misses empty graphs."""
        pattern = "?s ?p ?o" if every_triple else ""
        sparql = (
            f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {pattern} }} "
            f"FILTER(STRSTARTS(STR(?g), {json.dumps(under)})) }}"
        )
        return {row["g"] for row in self.select(sparql, "listing of named graphs") if "g" in row}


def _detail(error: urllib.error.HTTPError) -> str:
    try:
        text = error.read(500).decode("utf-8", "replace")
    except Exception:  # the body is a courtesy: never let it hide the status
        return ""
    return " ".join(text.split())[:200]


# --- the push --------------------------------------------------------------------------------------


@dataclass
class PushedGraph:
    """One graph sent: its IRI, the plan it holds (None for the cross-plan graph) and its size."""

    graph: str
    plan: str | None
    triples: int


def serialize(triples: Iterable[ox.Triple]) -> tuple[bytes, int]:
    """N-Triples bytes and the number of triples."""
    triples = list(triples)
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), len(triples)


def _graph(store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph) -> tuple[bytes, int]:
    """One graph of the store as N-Triples, and its size."""
    return serialize(q.triple for q in store.quads_for_pattern(None, None, None, graph))


def push(
    client: GraphStoreClient,
    store_dir: Path | str | None = None,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
    allow_empty: bool = False,
) -> list[PushedGraph]:
    """Send every plan graph, then the cross-plan graph, each replacing its graph on the server. A store that
    holds no plan (`holds_plans`) raises EmptyStoreError before anything is sent, unless `allow_empty`."""
    store_dir = Path(store_dir) if store_dir else default_store_dir()
    if not allow_empty and not holds_plans(store_graphs(store_dir)):
        raise EmptyStoreError.of_store(store_dir, client.endpoint)
    plans = {d.graph: d.plan for d in read_digests(store_dir).values()}
    store = ox.Store.read_only(str(store_dir))
    try:
        graphs = sorted(g.value for g in store.named_graphs() if g.value != CROSS_PLAN_GRAPH)
        pushed = []
        for graph in progress(graphs):
            body, count = serialize(
                q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
            )
            client.put(graph, body)
            pushed.append(PushedGraph(graph, plans.get(graph), count))
        default = ox.DefaultGraph()
        if next(iter(store.quads_for_pattern(None, None, None, default)), None) is not None:
            body, count = _graph(store, default)
            client.put(DEFAULT_GRAPH, body)
            pushed.append(PushedGraph(DEFAULT_GRAPH, None, count))
        body, count = _graph(store, ox.NamedNode(CROSS_PLAN_GRAPH))
        client.put(CROSS_PLAN_GRAPH, body)
        pushed.append(PushedGraph(CROSS_PLAN_GRAPH, None, count))
        return pushed
    finally:
        del store


def store_graphs(store_dir: Path | str | None = None) -> set[str]:
    """The IRIs of the graphs `push` sends from the store: its named graphs, and DEFAULT_GRAPH if its default
    graph holds triples."""
    store_dir = Path(store_dir) if store_dir else default_store_dir()
    if not store_exists(store_dir):
        raise StoreMissingError(store_dir)
    store = ox.Store.read_only(str(store_dir))
    try:
        graphs = {g.value for g in store.named_graphs()} | {CROSS_PLAN_GRAPH}
        if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
            graphs.add(DEFAULT_GRAPH)
        return graphs
    finally:
        del store


# --- pruning the graphs of plans no longer in the store --------------------------------------------

# Graph Store endpoint path -> query endpoint path, for the servers docs/remote-servers.md describes
_QUERY_ENDPOINT_OF = (
    (re.compile(r"(.*)/store"), r"\1/query"),  # Oxigraph
    (re.compile(r"(.*)/sparql-graph-crud-auth"), r"\1/sparql-auth"),  # Virtuoso, Digest login
    (re.compile(r"(.*)/sparql-graph-crud"), r"\1/sparql"),  # Virtuoso
    (re.compile(r"(.*/repositories/[^/]+)/rdf-graphs/service"), r"\1"),  # GraphDB, RDF4J
    (re.compile(r"(.*/[^/]+)/data"), r"\1/query"),  # Fuseki: /DATASET/data -> /DATASET/query
)


def default_query_endpoint(graph_store_endpoint: str) -> str | None:
    """The query endpoint of the server whose Graph Store endpoint is given, for the common servers (Oxigraph
    /store -> /query, Fuseki /DATASET/data -> /DATASET/query, Virtuoso /sparql-graph-crud[-auth] ->
    /sparql[-auth], GraphDB /repositories/R/rdf-graphs/service -> /repositories/R); None for any other."""
    parts = urllib.parse.urlsplit(graph_store_endpoint)
    path = parts.path.rstrip("/")
    for pattern, replacement in _QUERY_ENDPOINT_OF:
        if pattern.fullmatch(path):
            return urllib.parse.urlunsplit(parts._replace(path=pattern.sub(replacement, path), query=""))
    return None


def holds_plans(graphs: Iterable[str]) -> bool:
    """Whether a store whose graphs (`store_graphs`) these are holds plans: a plan graph, or triples in its
    default graph (a store not made by `kg build`). The graphs a prune keeps are exactly these."""
    return any(is_prunable_graph(graph) for graph in graphs)


def is_prunable_graph(graph: str) -> bool:
    """Whether `graph` is one a push writes for a plan (``id/plan/KEY/graph``) or for a store's default graph
    (``id/graph/default``): the only graphs a prune may delete. The cross-plan graph is always pushed."""
    return graph == DEFAULT_GRAPH or PLAN_GRAPH.fullmatch(graph) is not None


@dataclass
class PruneReport:
    """What a prune found on the server and did."""

    query_endpoint: str
    listed: set[str]  # the server's graphs under the Lantian ID namespace
    stale: list[str]  # the prunable ones the store does not hold
    deleted: list[str]  # those deleted (none on a dry run)


def prune(
    client: GraphStoreClient,
    query: SparqlQueryClient,
    kept: set[str],
    just_pushed: set[str] | frozenset[str] = frozenset(),
    dry_run: bool = False,
    allow_empty: bool = False,
) -> PruneReport:
    """Delete the server's Lantian plan graphs (see `is_prunable_graph`) that are not in `kept` (the store's
    graphs, `store_graphs`). `just_pushed`, the graphs holding triples that were just sent, must all be in the
    listing, else nothing is deleted and PushError says so: a query endpoint that does not show them is not
    the same dataset's, or cuts its answers. With `dry_run` nothing is deleted. When `kept` holds no plan
    (`holds_plans`), which would delete every plan graph on the server, EmptyStoreError is raised before
    anything is deleted, unless `allow_empty`."""
    listed = query.named_graphs(str(ID))
    if not just_pushed <= listed:  # a server answering GRAPH ?g { } with nothing: ask the portable way
        listed = query.named_graphs(str(ID), every_triple=True)
    missing = sorted(just_pushed - listed)
    if missing:
        raise PushError(
            f"{query.endpoint} does not list {len(missing)} of the graphs just pushed to {client.endpoint} "
            f"(e.g. <{missing[0]}>): it is not the query endpoint of the same dataset, or it cuts its answers; "
            "nothing was deleted"
        )
    stale = sorted(g for g in listed if is_prunable_graph(g) and g not in kept)
    if not dry_run and not allow_empty and not holds_plans(kept):
        raise EmptyStoreError(
            f"{client.endpoint}: the graphs to keep hold no plan, so the prune would delete all {len(stale)} "
            "Lantian plan graph(s) there; nothing was deleted",
            stale,
        )
    deleted = []
    if not dry_run:
        for graph in stale:
            client.delete(graph)
            deleted.append(graph)
    return PruneReport(query.endpoint, listed, stale, deleted)
