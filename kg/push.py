"""Push the store's graph to a SPARQL 1.1 server through the Graph Store HTTP Protocol, one named graph per plan.

Which triples belong to a plan (its *plan graph*, IRI = the plan's IRI + ``/graph``):

- every triple whose subject is the plan, one of its tasks (``lt:inPlan``), or a node minted for them
  (attributions, deadlines, targets, skipped paragraphs), except task-to-task links (``lt:derivesFrom``
  and ``lt:counterpartOf`` between tasks), which cross plans;
- the role triples (``agency lt:leads task`` …) whose task is one of its tasks;
- each agency the plan attributes a task to, as the plan describes it: its types, label, jurisdiction and
  the ``skos:altLabel`` forms the plan itself uses for it (the ``lt:surfaceForm`` of its attributions);
- every jurisdiction the plan, its agencies or the plans it cites are placed in, up the ``lt:within`` chain;
- every plan it cites that is not loaded itself (such plans have no graph of their own), and the plans
  those cite in turn.

Everything else (task links, their reified statements, agency succession and its change events, and any
triple no plan graph holds) goes to one *cross-plan graph*, ``id/graph/cross-plan``, so the union of the
pushed graphs is the whole store. Agencies and jurisdictions shared by plans are described in each of
their graphs: a SPARQL query over all graphs sees them once per plan unless it uses DISTINCT.

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
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, RDFS, SKOS

from kg.namespaces import ID, LT
from kg.store import StoreMissingError, default_store_dir, store_exists

CROSS_PLAN_GRAPH = f"{ID}graph/cross-plan"
NTRIPLES = "application/n-triples"
RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


def plan_graph_iri(plan_iri: str) -> str:
    """The named graph holding one plan: its IRI + "/graph" (no minted IRI ends so: "/" is escaped in keys)."""
    return f"{plan_iri}/graph"


class PushError(Exception):
    """The push failed; the message names the endpoint (and the graph, when one was being sent)."""


def _n(term) -> ox.NamedNode:
    return ox.NamedNode(str(term))


_TYPE, _LABEL, _ALT = _n(RDF.type), _n(RDFS.label), _n(SKOS.altLabel)
_IN_PLAN, _SOURCE_FILE, _JURISDICTION, _WITHIN = (
    _n(LT.inPlan),
    _n(LT.sourceFile),
    _n(LT.jurisdiction),
    _n(LT.within),
)
_ATTRIBUTION, _AGENCY, _SURFACE, _DERIVES, _COUNTERPART = (
    _n(LT.attribution),
    _n(LT.agency),
    _n(LT.surfaceForm),
    _n(LT.derivesFrom),
    _n(LT.counterpartOf),
)
_NODE_LINKS = (_n(LT.attribution), _n(LT.hasDeadline), _n(LT.hasTarget), _n(LT.skipped))
_ROLES = (_n(LT.leads), _n(LT.supports), _n(LT.implements), _n(LT.responsibleFor), _n(LT.accountableFor))
_AGENCY_DESCRIPTION = frozenset({_TYPE, _LABEL, _JURISDICTION})
_TASK_LINKS = frozenset({_DERIVES, _COUNTERPART})


@dataclass
class Partition:
    """Who owns what in the store: the index the plan graphs and the cross-plan graph are cut by."""

    plans: list[ox.NamedNode] = field(default_factory=list)  # loaded plans, in IRI order
    owner: dict[ox.NamedNode, ox.NamedNode] = field(default_factory=dict)  # plan/task/node -> its plan
    tasks: dict[ox.NamedNode, list[ox.NamedNode]] = field(default_factory=dict)  # plan -> its tasks
    owned: dict[ox.NamedNode, list[ox.NamedNode]] = field(default_factory=dict)  # plan -> tasks and nodes
    agencies: dict[ox.NamedNode, dict[ox.NamedNode, set[str]]] = field(default_factory=dict)  # plan -> forms
    surface_forms: dict[ox.NamedNode, set[str]] = field(default_factory=dict)  # agency -> forms, any plan
    places: dict[ox.NamedNode, set] = field(default_factory=dict)  # plan -> jurisdictions and cited plans
    placed: set = field(default_factory=set)  # every jurisdiction / unloaded cited plan in some plan graph


def _objects(store: ox.Store, subject, predicate) -> Iterator:
    for quad in store.quads_for_pattern(subject, predicate, None, None):
        yield quad.object


def partition(store: ox.Store) -> Partition:
    """Index the store: loaded plans, what each owns, the agencies and places each describes."""
    part = Partition()
    part.plans = sorted({q.subject for q in store.quads_for_pattern(None, _SOURCE_FILE, None, None)}, key=str)
    loaded = set(part.plans)
    for plan in part.plans:
        part.owner[plan] = plan
        part.tasks[plan], part.owned[plan], part.agencies[plan] = [], [], defaultdict(set)
    for quad in store.quads_for_pattern(None, _IN_PLAN, None, None):
        task, plan = quad.subject, quad.object
        if plan in loaded and task not in part.owner:
            part.owner[task] = plan
            part.tasks[plan].append(task)
            part.owned[plan].append(task)
    for plan in part.plans:
        for holder in [plan, *part.tasks[plan]]:
            for link in _NODE_LINKS:
                for node in _objects(store, holder, link):
                    if isinstance(node, ox.NamedNode) and node not in part.owner:
                        part.owner[node] = plan
                        part.owned[plan].append(node)
        for task in part.tasks[plan]:
            for attribution in _objects(store, task, _ATTRIBUTION):
                forms = {str(f.value) for f in _objects(store, attribution, _SURFACE)}
                for agency in _objects(store, attribution, _AGENCY):
                    part.agencies[plan][agency] |= forms
                    part.surface_forms.setdefault(agency, set()).update(forms)
        # places: the plan's, its agencies', its cited plans' (unloaded ones with their own citations)
        seeds = [*_objects(store, plan, _JURISDICTION)]
        for agency in part.agencies[plan]:
            seeds.extend(_objects(store, agency, _JURISDICTION))
        places: set = set()
        for cited in _objects(store, plan, _DERIVES):
            _cited_closure(store, cited, loaded, places, seeds)
        while seeds:
            place = seeds.pop()
            if place in places or not isinstance(place, ox.NamedNode):
                continue
            places.add(place)
            seeds.extend(_objects(store, place, _WITHIN))
        part.places[plan] = places
        part.placed |= places
    return part


def _cited_closure(store: ox.Store, cited, loaded: set, into: set, seeds: list) -> None:
    """Add an unloaded cited plan and the unloaded plans it cites to `into`; their jurisdictions to `seeds`."""
    stack = [cited]
    while stack:
        node = stack.pop()
        if node in loaded or node in into or not isinstance(node, ox.NamedNode):
            continue
        into.add(node)
        seeds.extend(_objects(store, node, _JURISDICTION))
        stack.extend(_objects(store, node, _DERIVES))


def plan_graph(store: ox.Store, part: Partition, plan: ox.NamedNode) -> Iterator[ox.Triple]:
    """The triples of one loaded plan's graph (see the module docstring); no duplicates."""
    seen: set[ox.Triple] = set()

    def emit(quads: Iterable[ox.Quad], keep: Callable[[ox.Quad], bool] = lambda q: True):
        for quad in quads:
            if keep(quad):
                triple = ox.Triple(quad.subject, quad.predicate, quad.object)
                if triple not in seen:
                    seen.add(triple)
                    yield triple

    yield from emit(store.quads_for_pattern(plan, None, None, None))
    tasks = set(part.tasks[plan])
    for node in part.owned[plan]:
        quads = store.quads_for_pattern(node, None, None, None)
        if node in tasks:
            yield from emit(quads, lambda q: not (q.predicate in _TASK_LINKS and q.object in part.owner))
        else:
            yield from emit(quads)
    for task in part.tasks[plan]:
        for role in _ROLES:
            yield from emit(store.quads_for_pattern(None, role, task, None))
    for agency, forms in part.agencies[plan].items():
        yield from emit(
            store.quads_for_pattern(agency, None, None, None),
            lambda q, forms=forms: (
                q.predicate in _AGENCY_DESCRIPTION or (q.predicate == _ALT and str(q.object.value) in forms)
            ),
        )
    for place in sorted(part.places[plan], key=str):
        yield from emit(store.quads_for_pattern(place, None, None, None))


def _in_a_plan_graph(part: Partition, quad: ox.Quad) -> bool:
    """Whether some plan graph holds this triple: the complement is the cross-plan graph."""
    s, p, o = quad.subject, quad.predicate, quad.object
    if s in part.owner:  # a loaded plan, a task or a node minted for them
        return not (p in _TASK_LINKS and o in part.owner and s != part.owner[s])
    if s in part.placed:
        return True
    if p in _ROLES:
        return o in part.owner
    if s in part.surface_forms:  # an agency some plan attributes a task to
        return p in _AGENCY_DESCRIPTION or (p == _ALT and str(o.value) in part.surface_forms[s])
    return False


def cross_plan_graph(store: ox.Store, part: Partition) -> Iterator[ox.Triple]:
    """Every triple of the store that no plan graph holds (one pass over the store)."""
    seen: set[ox.Triple] = set()
    for quad in store:
        if not _in_a_plan_graph(part, quad):
            triple = ox.Triple(quad.subject, quad.predicate, quad.object)
            if triple not in seen:  # a store with named graphs may hold a triple more than once
                seen.add(triple)
                yield triple


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


def push(
    client: GraphStoreClient,
    store_dir: Path | str | None = None,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> list[PushedGraph]:
    """Send every plan graph, then the cross-plan graph, each replacing its graph on the server."""
    store_dir = Path(store_dir) if store_dir else default_store_dir()
    if not store_exists(store_dir):
        raise StoreMissingError(store_dir)
    store = ox.Store.read_only(str(store_dir))
    try:
        part = partition(store)
        pushed = []
        for plan in progress(part.plans):
            graph = plan_graph_iri(plan.value)
            body, count = serialize(plan_graph(store, part, plan))
            client.put(graph, body)
            pushed.append(PushedGraph(graph, plan.value, count))
        body, count = serialize(cross_plan_graph(store, part))
        client.put(CROSS_PLAN_GRAPH, body)
        pushed.append(PushedGraph(CROSS_PLAN_GRAPH, None, count))
        return pushed
    finally:
        del store
