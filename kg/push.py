"""Push the store's graph to a SPARQL 1.1 server through the Graph Store HTTP Protocol, one named graph per plan.

The store already holds one named graph per plan (``<plan IRI>/graph``) and one cross-plan graph
(``id/graph/cross-plan``), each triple in exactly one of them (see `kg.corpus`); the push sends each graph as
it is, so the union of the server's graphs is the store's graph, and a server whose default graph is the
union of its named graphs (Oxigraph ``--union-default-graph``, Fuseki ``tdb2:unionDefaultGraph``, Virtuoso)
answers every query as the local store does.

Each graph is sent as N-Triples with one HTTP ``PUT ?graph=IRI``, which the protocol defines as replacing
that graph: a server applies it atomically, so a reader sees a plan's old graph or its new one, never a
mix, and other plans' graphs are not touched. Connection errors, timeouts and 5xx/429 answers are retried
with exponential backoff; any failure ends with a ``PushError`` naming the endpoint and the graph.

Graphs on the server for plans no longer in the store are left as they are (the protocol cannot list
graphs); delete them with ``DELETE ?graph=IRI`` or a SPARQL ``DROP GRAPH``.
"""

from __future__ import annotations

import base64
import http.client
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

__all__ = ["CROSS_PLAN_GRAPH", "GraphStoreClient", "PushError", "PushedGraph", "plan_graph_iri", "push"]


class PushError(Exception):
    """The push failed; the message names the endpoint (and the graph, when one was being sent)."""


# --- HTTP ------------------------------------------------------------------------------------------


@dataclass
class GraphStoreClient:
    """A SPARQL 1.1 Graph Store HTTP Protocol endpoint: PUT/DELETE of named graphs, with retries."""

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
        handlers = []
        if self.digest and self.user is not None:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, self.endpoint, self.user, self.password or "")
            handlers.append(urllib.request.HTTPDigestAuthHandler(manager))
        self._opener = urllib.request.build_opener(*handlers)

    def graph_url(self, graph: str) -> str:
        separator = "&" if urllib.parse.urlsplit(self.endpoint).query else "?"
        return f"{self.endpoint}{separator}{urllib.parse.urlencode({'graph': graph})}"

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": "lantian-kg-push"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        elif self.user is not None and not self.digest:
            secret = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {secret}"
        return headers

    def put(self, graph: str, body: bytes) -> int:
        """Replace `graph` on the server with the N-Triples `body`; returns the HTTP status."""
        return self._send("PUT", graph, body, {"Content-Type": f"{NTRIPLES}; charset=utf-8"})

    def delete(self, graph: str) -> int:
        """Delete `graph` on the server (404, no such graph, counts as done)."""
        return self._send("DELETE", graph, None, {}, absent_ok=True)

    def _send(self, method: str, graph: str, body: bytes | None, headers: dict, absent_ok=False) -> int:
        url = self.graph_url(graph)
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            request = urllib.request.Request(url, data=body, method=method, headers=self._headers() | headers)
            try:
                with self._opener.open(request, timeout=self.timeout) as answer:
                    answer.read()
                    return answer.status
            except urllib.error.HTTPError as error:
                detail = _detail(error)
                if absent_ok and error.code == 404:
                    return 404
                if error.code in (401, 403):
                    raise PushError(
                        f"{self.endpoint}: {method} of graph <{graph}> refused ({error.code} {error.reason}): "
                        "check --user/--password or --token" + (f": {detail}" if detail else "")
                    ) from None
                problem = f"{error.code} {error.reason}" + (f": {detail}" if detail else "")
                if error.code not in RETRY_STATUS:
                    raise PushError(
                        f"{self.endpoint}: {method} of graph <{graph}> failed: {problem}"
                    ) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as error:
                reason = getattr(error, "reason", error)
                problem = f"cannot reach the server ({reason})"
            if attempt < attempts:
                self.sleep(self.backoff * 2 ** (attempt - 1))
        raise PushError(
            f"{self.endpoint}: {method} of graph <{graph}> failed after {attempts} attempt(s): {problem}"
        )


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
) -> list[PushedGraph]:
    """Send every plan graph, then the cross-plan graph, each replacing its graph on the server."""
    store_dir = Path(store_dir) if store_dir else default_store_dir()
    if not store_exists(store_dir):
        raise StoreMissingError(store_dir)
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
