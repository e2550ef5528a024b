"""The whole corpus as triples: every plan's own, then what crosses plans (task lineage, agency succession)."""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import Graph

from kg import build
from kg.linking import link_tasks, link_triples
from kg.namespaces import bind_prefixes
from kg.succession import succession_triples, successions
from loaders.records import Plan


def corpus_triples(plans: list[Plan]) -> Iterator[tuple]:
    """Each plan's triples, the task links between plans and the successions of their agencies."""
    for plan in plans:
        yield from build.plan_triples(plan)
    yield from link_triples(link_tasks(plans))
    yield from succession_triples(successions(plans))


def corpus_graph(plans: list[Plan], graph: Graph | None = None) -> Graph:
    """The corpus in `graph` (a new in-memory Graph by default), prefixes bound."""
    graph = bind_prefixes(Graph() if graph is None else graph)
    graph.addN((s, p, o, graph) for s, p, o in corpus_triples(plans))
    return graph
