"""Betweenness centrality over numpy arrays: the computation lives in `kg.betweenness` (the build states the
brokers' betweenness in the store); this name stays for the explorer's callers."""

from kg.betweenness import (  # noqa: F401
    adjacency,
    betweenness,
    bipartite_betweenness,
    component_labels,
    exact_betweenness,
    sampled_betweenness,
    source_dependencies,
)
