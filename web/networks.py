"""Network views of the accountability graph: a task's chain, an agency's ego network, a plan's derivation tree.

Each view asks the graph a few SPARQL questions, builds a networkx graph of what it found (nodes are IRIs,
each with a kind; edges carry the property that links them), caps its size, converts it to vis-network data
with pyvis and renders it with our own autoescaped template (labels travel as JSON through `|tojson`, never
as markup); vis-network itself is served from the installed pyvis package, so nothing comes from a CDN.

URLs mirror the resource pages: the view of ``https://w3id.org/lantian/id/task/<rest>`` is at
``/network/task/<rest>`` (and ``agency``, ``plan`` alike). ``?format=json`` (or ``Accept: application/json``,
or a ``.json`` suffix) gives the nodes and edges instead of the page.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pyvis
from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_from_directory
from pyvis.network import Network

from kg.namespaces import ID, LT, _escape
from web.i18n import t
from web.repository import iri_from_request_path, page_url

bp = Blueprint("networks", __name__)

MAX_NODES = 150  # a view larger than this is cut (by importance) and says so
FIRST_VIEW = 40  # nodes drawn at first, chosen across the roles; the rest come in when a node is expanded
CACHE_SIZE = 512  # views remembered per app
KINDS = ("plan", "task", "agency", "group", "jurisdiction")
ROLES = ("leads", "supports", "implements", "responsibleFor")
VIS_DIR = Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"

# colour and shape per kind of node; line style per kind of edge (legend and graph use the same table)
NODE_STYLE = {
    "plan": {"color": "#1e5aa8", "shape": "box", "font": {"color": "#ffffff"}},
    "task": {"color": "#f0a030", "shape": "dot", "size": 10, "font": {"size": 11}},
    "agency": {"color": "#2e9e5b", "shape": "dot", "size": 16},
    "group": {"color": "#8fd19e", "shape": "diamond", "size": 16},
    "jurisdiction": {"color": "#9b7bc4", "shape": "triangle", "size": 14},
}
EDGE_STYLE = {
    "leads": {"dashes": False, "weight": 3, "color": "#c0392b"},
    "supports": {"dashes": [8, 6], "weight": 2, "color": "#2e7d32"},
    "implements": {"dashes": [2, 5], "weight": 2, "color": "#1565c0"},
    "responsibleFor": {"dashes": [12, 4, 2, 4], "weight": 2, "color": "#6d4c41"},
    "inPlan": {"dashes": False, "weight": 1, "color": "#9e9e9e"},
    "derivesFrom": {"dashes": False, "weight": 2, "color": "#1e5aa8"},
    "jurisdiction": {"dashes": [4, 4], "weight": 1, "color": "#9b7bc4"},
    "within": {"dashes": [4, 4], "weight": 1, "color": "#bdbdbd"},
    "succeededBy": {"dashes": False, "weight": 2, "color": "#000000"},
}
PREFIXES = (
    f"PREFIX lt: <{LT._NS}>\n"
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
ROLE_LIST = "lt:leads, lt:supports, lt:implements, lt:responsibleFor"
ROLE_VALUES = f"VALUES ?role {{ {ROLE_LIST.replace(',', '')} }}"
# a task's colour by the role that links it to the view's focus (the same hues as the role edges, lighter)
ROLE_COLOURS = {
    "leads": "#f08a7e",
    "supports": "#8fcf93",
    "implements": "#82b4ec",
    "responsibleFor": "#c9a99a",
}


# --- reading the graph -----------------------------------------------------------------------------


def select(sparql: str) -> list[dict[str, str]]:
    """Rows of a SELECT as {variable: text} (unbound variables left out). The one door to the graph: the
    app's repository (web.repository.Repository.rows), whatever source it reads."""
    rows = current_app.extensions["repository"].rows(PREFIXES + sparql)
    return [{k: _text(v) for k, v in row.items() if v is not None} for row in rows]


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def iri_of(kind: str, rest: str) -> str:
    """The resource IRI a /network/<kind>/<rest> URL stands for.

    The raw request path is used when the server gives it, so that an escaped "/" inside a name (%2F)
    stays distinct from the separator (the same rule as the /id/ pages: `iri_from_request_path`).
    """
    raw = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI")
    prefix = f"/network/{kind}/"
    if raw:
        try:  # WSGI hands the raw path over as latin-1 text: get its bytes back
            raw = raw.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
        path = raw.split("?", 1)[0]
        if "://" in path:  # an absolute request URI
            path = "/" + path.split("://", 1)[1].split("/", 1)[-1]
        if path.startswith(prefix):
            return iri_from_request_path(f"{kind}/" + _escape_segments(path[len(prefix) :]))
    return str(ID) + f"{kind}/" + "/".join(_escape(seg) for seg in rest.split("/"))


def _escape_segments(path: str) -> str:
    """Escape what a raw path may still hold unencoded (CJK stays, "%XX" runs are decoded later)."""
    return "".join(ch if ch == "%" or ch == "/" else _escape(ch) for ch in path)


def network_url(iri: str) -> str | None:
    """The network view of a task, agency or plan IRI (None for other resources). A template global."""
    tail = iri[len(str(ID)) :] if iri.startswith(str(ID)) else ""
    kind = tail.split("/", 1)[0]
    return f"/network/{tail}" if kind in ("task", "agency", "plan") and "/" in tail else None


bp.add_app_template_global(network_url, "network_url")


def _values(iris: Iterable[str]) -> str:
    return " ".join(f"<{i}>" for i in iris)


# --- the views as networkx graphs ------------------------------------------------------------------


@dataclass
class View:
    """A network under construction: nodes in order of importance, edges labelled by property."""

    focus: str
    graph: nx.MultiDiGraph = field(default_factory=nx.MultiDiGraph)
    levels: dict[str, int] = field(default_factory=dict)  # for hierarchical layouts

    def node(self, iri: str, kind: str | None = None, level: int | None = None) -> None:
        if iri not in self.graph:
            self.graph.add_node(iri, kind=kind, rank=len(self.graph))
        elif kind and not self.graph.nodes[iri]["kind"]:
            self.graph.nodes[iri]["kind"] = kind
        if level is not None and iri not in self.levels:
            self.levels[iri] = level

    def edge(self, source: str, target: str, relation: str) -> None:
        self.node(source)
        self.node(target)
        if not self.graph.has_edge(source, target, key=relation):
            self.graph.add_edge(source, target, key=relation, relation=relation)

    def cut(self, limit: int = MAX_NODES) -> int:
        """Keep the `limit` most important nodes (then drop any left unconnected); return the full count."""
        total = self.graph.number_of_nodes()
        if total > limit:
            ranked = sorted(self.graph.nodes, key=lambda n: self.graph.nodes[n]["rank"])
            self.graph = nx.MultiDiGraph(self.graph.subgraph(ranked[:limit]))
            alone = [n for n in nx.isolates(self.graph) if n != self.focus]
            self.graph.remove_nodes_from(alone)
        return total


def _role(iri: str) -> str:
    return iri.rsplit("#", 1)[-1]


def _jurisdictions(view: View, holders: dict[str, str], level: int | None = None) -> None:
    """Add each holder's jurisdiction and the areas it lies within."""
    if not holders:
        return
    for holder, place in holders.items():
        view.node(place, "jurisdiction", level)
        view.edge(holder, place, "jurisdiction")
    rows = select(
        f"SELECT ?a ?b WHERE {{ VALUES ?s {{ {_values(set(holders.values()))} }} ?s lt:within* ?a . ?a lt:within ?b }}"
    )
    for row in rows:
        view.node(row["b"], "jurisdiction", None if level is None else level + 1)
        view.edge(row["a"], row["b"], "within")


def _upper_plans(view: View, plan: str, level: int) -> None:
    """The plans `plan` derives from, transitively, placed above it."""
    rows = select(f"SELECT ?a ?b WHERE {{ <{plan}> lt:derivesFrom* ?a . ?a lt:derivesFrom ?b }}")
    depth = {plan: level}
    pending = list(rows)
    while pending:  # breadth-first so that each plan sits one level above the one deriving from it
        later = []
        for row in pending:
            if row["a"] in depth:
                depth.setdefault(row["b"], depth[row["a"]] - 1)
                view.node(row["b"], "plan", depth[row["b"]])
                view.edge(row["a"], row["b"], "derivesFrom")
            else:
                later.append(row)
        if len(later) == len(pending):
            break
        pending = later


def task_view(task: str) -> View | None:
    """Upper plans → plan → task → agencies by role → their jurisdictions."""
    rows = select(f"SELECT ?plan WHERE {{ <{task}> a lt:Task . OPTIONAL {{ <{task}> lt:inPlan ?plan }} }}")
    if not rows:
        return None
    view = View(task)
    view.node(task, "task", 0)
    plan = rows[0].get("plan")
    if plan:
        view.node(plan, "plan", -1)
        view.edge(task, plan, "inPlan")
        _upper_plans(view, plan, -1)
    for row in select(f"SELECT ?x WHERE {{ <{task}> lt:derivesFrom ?x }}"):
        view.node(row["x"], None, -1)
        view.edge(task, row["x"], "derivesFrom")
    rows = select(
        f"SELECT ?agency ?role ?place WHERE {{ {ROLE_VALUES} ?agency ?role <{task}> ."
        " OPTIONAL { ?agency lt:jurisdiction ?place } }"
    )
    rows.sort(key=lambda r: ROLES.index(_role(r["role"])))
    for row in rows:
        view.node(row["agency"], "agency", 1)
        view.edge(row["agency"], task, _role(row["role"]))
    _jurisdictions(view, {r["agency"]: r["place"] for r in rows if "place" in r}, 2)
    return view


def agency_view(agency: str) -> View | None:
    """The agency, its tasks by role, their plans, the agencies accountable with it, its jurisdiction."""
    rows = select(
        f"SELECT ?place WHERE {{ <{agency}> a lt:Agency . OPTIONAL {{ <{agency}> lt:jurisdiction ?place }} }}"
    )
    if not rows:
        return None
    view = View(agency)
    view.node(agency, "agency")
    if "place" in rows[0]:
        _jurisdictions(view, {agency: rows[0]["place"]})
    for row in select(
        f"SELECT ?x ?y WHERE {{ {{ <{agency}> lt:succeededBy ?y BIND(<{agency}> AS ?x) }}"
        f" UNION {{ ?x lt:succeededBy <{agency}> BIND(<{agency}> AS ?y) }} }}"
    ):
        view.node(row["x"], "agency")
        view.node(row["y"], "agency")
        view.edge(row["x"], row["y"], "succeededBy")
    tasks = select(
        f"SELECT ?task ?role ?plan WHERE {{ {ROLE_VALUES} <{agency}> ?role ?task . OPTIONAL {{ ?task lt:inPlan ?plan }} }}"
    )
    tasks.sort(key=lambda r: (ROLES.index(_role(r["role"])), r["task"]))
    for row in tasks:
        if "plan" in row:
            view.node(row["plan"], "plan")
    for row in tasks:
        view.node(row["task"], "task")
        view.edge(agency, row["task"], _role(row["role"]))
        if "plan" in row:
            view.edge(row["task"], row["plan"], "inPlan")
    # the roles as a FILTER, not VALUES: joined with VALUES, every role statement of the graph was read
    # (840 against 1.2 ms at 6M triples)
    others = select(
        f"SELECT ?other ?role ?task WHERE {{ <{agency}> lt:accountableFor ?task . ?other ?role ?task ."
        f" FILTER(?role IN ({ROLE_LIST}) && ?other != <{agency}>) }}"
    )
    shared: dict[str, int] = {}
    for row in others:
        shared[row["other"]] = shared.get(row["other"], 0) + 1
    for other in sorted(shared, key=lambda o: (-shared[o], o)):
        view.node(other, "agency")
    for row in others:
        view.edge(row["other"], row["task"], _role(row["role"]))
    return view


def plan_view(plan: str, with_tasks: bool = False) -> View | None:
    """The plans `plan` derives from and those deriving from it; with_tasks adds its tasks and their leads."""
    if not select(f"SELECT ?x WHERE {{ <{plan}> a lt:Plan BIND(1 AS ?x) }}"):
        return None
    view = View(plan)
    view.node(plan, "plan", 0)
    _upper_plans(view, plan, 0)
    rows = select(
        f"SELECT ?a ?b WHERE {{ ?b lt:derivesFrom* <{plan}> . ?a lt:derivesFrom ?b . ?a a lt:Plan }}"
    )
    depth = {plan: 0}
    pending = rows
    while pending:
        later = [r for r in pending if r["b"] not in depth]
        for row in pending:
            if row["b"] in depth:
                depth.setdefault(row["a"], depth[row["b"]] + 1)
                view.node(row["a"], "plan", depth[row["a"]])
                view.edge(row["a"], row["b"], "derivesFrom")
        if len(later) == len(pending):
            break
        pending = later
    if with_tasks:
        rows = select(
            f"SELECT ?task ?agency ?section WHERE {{ ?task lt:inPlan <{plan}> . OPTIONAL {{ ?task lt:section ?section }}"
            " OPTIONAL { ?agency lt:leads ?task } }"
        )
        rows.sort(key=lambda r: (_section_key(r.get("section", "")), r["task"]))
        for row in rows:
            view.node(row["task"], "task", 1)
            view.edge(row["task"], plan, "inPlan")
        for row in rows:
            if "agency" in row:
                view.node(row["agency"], "agency", 2)
                view.edge(row["agency"], row["task"], "leads")
    return view


def _keep_roles(view: View, roles: tuple[str, ...]) -> None:
    """Drop the role edges not in `roles`, then whatever is no longer linked to the focus."""
    dropped = [(a, b, k) for a, b, k in view.graph.edges(keys=True) if k in ROLES and k not in roles]
    view.graph.remove_edges_from(dropped)
    linked = nx.node_connected_component(view.graph.to_undirected(as_view=True), view.focus)
    view.graph.remove_nodes_from([n for n in list(view.graph.nodes) if n not in linked])


def _succession(view: View) -> None:
    """The restructurings of the view's agencies: who took over their duties, and whose they took over."""
    agencies = [n for n, d in view.graph.nodes(data=True) if d["kind"] in ("agency", "group")]
    if not agencies:
        return
    rows = select(
        f"SELECT ?x ?y WHERE {{ VALUES ?a {{ {_values(agencies)} }}"
        " { ?a lt:succeededBy ?y BIND(?a AS ?x) } UNION { ?x lt:succeededBy ?a BIND(?a AS ?y) } }"
    )
    for row in rows:
        view.node(row["x"], "agency")
        view.node(row["y"], "agency")
        view.edge(row["x"], row["y"], "succeededBy")


def _roles_to_focus(view: View) -> None:
    """Each node's role group: the role of the edge linking it to the focus (a task in an agency's view), or to
    the task it shares with the focus (another agency), or the role it holds on the focus (a task's agencies)."""
    graph = view.graph
    for a, b, relation in graph.edges(keys=True):
        if relation not in ROLES:
            continue
        other = b if a == view.focus else a if b == view.focus else None
        if other is not None:
            graph.nodes[other].setdefault("role", relation)
    for a, _b, relation in graph.edges(keys=True):
        if relation in ROLES and a != view.focus:
            graph.nodes[a].setdefault("role", relation)


def first_view(view: View, limit: int | None = None) -> set[str]:
    """The nodes drawn at first: the focus and, in turn from each group (a role's tasks, a role's agencies,
    plans, places, successors), the next most important node linked to one already chosen, up to `limit`."""
    limit = FIRST_VIEW if limit is None else limit
    graph = view.graph
    _roles_to_focus(view)
    if graph.number_of_nodes() <= limit:
        return set(graph.nodes)
    groups: dict[str, list[str]] = {}
    for node in sorted(graph.nodes, key=lambda n: graph.nodes[n]["rank"]):
        if node == view.focus:
            continue
        data = graph.nodes[node]
        groups.setdefault(f"{data['kind']}:{data.get('role') or ''}", []).append(node)
    chosen = {view.focus}
    for a, b, relation in graph.edges(keys=True):  # the focus's own succession is always shown
        if relation == "succeededBy" and view.focus in (a, b):
            chosen.update((a, b))
    undirected = graph.to_undirected(as_view=True)
    progress = True
    while len(chosen) < limit and progress:
        progress = False
        for members in groups.values():
            for k, node in enumerate(members):
                if node not in chosen and any(n in chosen for n in undirected[node]):
                    chosen.add(node)
                    del members[k]
                    progress = True
                    break
            if len(chosen) >= limit:
                break
    return chosen


def _section_number(part: str) -> float | None:
    """A section's part as a number: 12, １２ (int reads any decimal digits), ① or ⑩ (a numbered item's
    circled number, which str.isdigit() takes for a digit and int() refuses); None for any other part."""
    if part.isdecimal() and len(part) <= 18:
        return int(part)
    if len(part) == 1 and part.isnumeric():
        return unicodedata.numeric(part)
    return None


def _section_key(section: str) -> tuple:
    numbers = [(p, _section_number(p)) for p in section.split(".")]
    return tuple((1, p) if n is None else (0, n) for p, n in numbers)


# --- labels, pyvis, pages --------------------------------------------------------------------------


def _describe(view: View) -> None:
    """Give every node its label, tooltip text, kind (when not known yet) and page URL: one query."""
    nodes = list(view.graph.nodes)
    rows = select(
        f"SELECT ?n ?label ?doc ?section ?heading ?text ?group ?type WHERE {{ VALUES ?n {{ {_values(nodes)} }}"
        " OPTIONAL { ?n rdfs:label ?label } OPTIONAL { ?n lt:docNumber ?doc } OPTIONAL { ?n lt:section ?section }"
        " OPTIONAL { ?n lt:heading ?heading } OPTIONAL { ?n lt:text ?text }"
        " OPTIONAL { ?n rdf:type ?type } BIND(EXISTS { ?n a lt:AgencyGroup } AS ?group) }"
    )
    facts: dict[str, dict[str, str]] = {n: {} for n in nodes}
    types: dict[str, set[str]] = {n: set() for n in nodes}
    for row in rows:
        facts[row["n"]].update(row)
        if "type" in row:
            types[row["n"]].add(_role(row["type"]))
    for iri in nodes:
        data, fact = view.graph.nodes[iri], facts[iri]
        kind = data["kind"]
        if kind in (None, "agency"):
            kind = {"Plan": "plan", "Task": "task", "Jurisdiction": "jurisdiction"}.get(
                next(iter(types[iri] & {"Plan", "Task", "Jurisdiction"}), ""), "agency"
            )
            if kind == "agency" and fact.get("group") in ("true", "1"):
                kind = "group"
        data["kind"] = kind
        data["label"], data["title"] = _label(kind, iri, fact)
        data["url"] = page_url(iri)


def _label(kind: str, iri: str, fact: dict[str, str]) -> tuple[str, str]:
    """A short label to draw and the full text for the tooltip."""
    name = fact.get("label") or iri.rsplit("/", 1)[-1]
    if kind == "task":
        section = fact.get("section", "")
        head = fact.get("heading") or fact.get("text", "")
        short = head[:16] + ("…" if len(head) > 16 else "")
        return (
            f"{section} {short}".strip(),
            f"{section} {fact.get('heading', '')}\n{fact.get('text', '')}".strip(),
        )
    if kind == "plan":
        doc = fact.get("doc", "")
        short = doc or (name[:18] + ("…" if len(name) > 18 else ""))
        return short, f"{name}\n{doc}".strip()
    return name, name


def vis_data(view: View, first: set[str] | None = None) -> dict:
    """The view as vis-network nodes and edges (pyvis converts the networkx graph). Each node says whether it is
    drawn at first (`initial`), its role group (`group`) and how many of its neighbours are not drawn yet
    (`more`), which the page adds when the node is clicked."""
    first = set(view.graph.nodes) if first is None else first
    graph = nx.MultiDiGraph()
    for iri, data in view.graph.nodes(data=True):
        style = NODE_STYLE[data["kind"]]
        attrs = {"label": data["label"], "title": data["title"], "kind": data["kind"], "url": data["url"]}
        attrs.update({k: v for k, v in style.items()})
        role = data.get("role")
        attrs["roleGroup"] = f"{data['kind']}:{role}" if role else data["kind"]
        if data["kind"] == "task" and role in ROLE_COLOURS:
            attrs["color"] = ROLE_COLOURS[role]
        attrs["initial"] = iri in first
        attrs["more"] = sum(1 for n in nx.all_neighbors(view.graph, iri) if n not in first)
        if iri == view.focus:
            attrs.update(
                borderWidth=4, size=style.get("size", 16) + 8, font={**style.get("font", {}), "size": 18}
            )
        if iri in view.levels:
            attrs["level"] = view.levels[iri]
        graph.add_node(iri, **attrs)
    for source, target, data in view.graph.edges(data=True):
        style = EDGE_STYLE[data["relation"]]
        graph.add_edge(source, target, relation=data["relation"], **style, arrows="to")
    net = Network(directed=True)
    net.from_nx(graph, default_node_size=16)
    return {"nodes": net.nodes, "edges": net.edges}


def _level_offset(view: View) -> None:
    if view.levels:
        low = min(view.levels.values())
        view.levels = {k: v - low for k, v in view.levels.items()}


def _wants_json() -> bool:
    if request.args.get("format"):
        return request.args["format"] == "json"
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes["application/json"] > request.accept_mimetypes["text/html"]
    )


def build(kind: str, iri: str, with_tasks: bool = False, roles: tuple[str, ...] | None = None) -> dict | None:
    """Everything a view shows, language-free and JSON-ready; None when `iri` is no such resource. `roles`
    keeps only the role edges named (and what is still linked to the focus); None keeps every role."""
    if kind == "task":
        view = task_view(iri)
    elif kind == "agency":
        view = agency_view(iri)
    else:
        view = plan_view(iri, with_tasks)
    if view is None:
        return None
    if roles is not None:
        _keep_roles(view, roles)
    _succession(view)
    total = view.cut(MAX_NODES)
    _describe(view)
    _level_offset(view)
    hierarchical = kind == "task" or (kind == "plan" and not with_tasks)
    first = first_view(view)
    data = vis_data(view, first)
    if hierarchical:  # vis-network wants a level on every node or on none
        for node in data["nodes"]:
            node.setdefault("level", 0)
    graph = view.graph
    focus = graph.nodes[iri]
    return {
        "summary": {
            "view": kind,
            "focus": iri,
            "label": focus["title"].split("\n", 1)[0],
            "page": focus["url"],
            "total_nodes": total,
            "shown_nodes": graph.number_of_nodes(),
            "truncated": total > graph.number_of_nodes(),
            "max_nodes": MAX_NODES,
            "first_view": len(first),
            "roles": list(roles) if roles is not None else list(ROLES),
        },
        "nodes": [
            {
                "id": n,
                "label": d["label"],
                "kind": d["kind"],
                "title": d["title"],
                "url": d["url"],
                "role": d.get("role"),
                "initial": n in first,
            }
            for n, d in graph.nodes(data=True)
        ],
        "edges": [{"from": s, "to": o, "role": d["relation"]} for s, o, d in graph.edges(data=True)],
        "vis": {"nodes": data["nodes"], "edges": data["edges"], "hierarchical": hierarchical},
        "node_list": sorted(
            ((n, d) for n, d in graph.nodes(data=True)),
            key=lambda nd: (KINDS.index(nd[1]["kind"]), nd[1]["label"]),
        ),
        "kinds": [k for k in KINDS if any(d["kind"] == k for _, d in graph.nodes(data=True))],
        "relations": sorted({d["relation"] for *_, d in graph.edges(data=True)}, key=list(EDGE_STYLE).index),
    }


def cached_build(kind: str, iri: str, with_tasks: bool, roles: tuple[str, ...] | None = None) -> dict | None:
    """`build`, remembered per store generation (the graph changes only when a rebuild swaps the store in)."""
    repository = current_app.extensions["repository"]
    key = (
        repository.generation,
        kind,
        iri,
        with_tasks,
        roles,
        MAX_NODES,
        FIRST_VIEW,
    )  # new after a swap or TTL
    cache = current_app.extensions.setdefault("networks.cache", {})
    if key not in cache:
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        cache[key] = build(kind, iri, with_tasks, roles)
    return cache[key]


def _roles_arg() -> tuple[str, ...] | None:
    """?roles=leads,supports (or ?role=leads&role=supports): the roles to keep; None when not given."""
    asked = [
        r for value in request.args.getlist("roles") + request.args.getlist("role") for r in value.split(",")
    ]
    if not asked:
        return None
    return tuple(r for r in ROLES if r in asked)


def _show(kind: str, rest: str):
    as_json = _wants_json()
    iri = iri_of(kind, rest)
    if iri.endswith(".json"):  # the .json suffix asks for JSON
        iri, as_json = iri[: -len(".json")], True
    with_tasks = request.args.get("tasks") in ("1", "true", "yes")
    roles = _roles_arg()
    view = cached_build(kind, iri, with_tasks, roles)
    if view is None:
        abort(404)
    if as_json:
        return jsonify(view["summary"] | {"nodes": view["nodes"], "edges": view["edges"]})
    return render_template(
        "network.html",
        summary=view["summary"],
        data=view["vis"] | {"relations": {rel: t(f"net_rel_{rel}") for rel in EDGE_STYLE}},
        node_list=view["node_list"],
        kinds=view["kinds"],
        relations=view["relations"],
        node_style=NODE_STYLE,
        edge_style=EDGE_STYLE,
        role_colours=ROLE_COLOURS,
        with_tasks=with_tasks,
        roles=view["summary"]["roles"],
        all_roles=ROLES,
    )


@bp.route("/network/task/<path:rest>")
def task_network(rest: str):
    return _show("task", rest)


@bp.route("/network/agency/<path:rest>")
def agency_network(rest: str):
    return _show("agency", rest)


@bp.route("/network/plan/<path:rest>")
def plan_network(rest: str):
    return _show("plan", rest)


@bp.route("/network/lib/<any('vis-network.min.js', 'vis-network.css'):name>")
def vis_library(name: str):
    """vis-network as shipped inside the installed pyvis package (served locally, cached a day)."""
    return send_from_directory(VIS_DIR, name, max_age=86400)
