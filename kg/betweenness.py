"""Betweenness centrality of a large sparse undirected graph over numpy arrays (Brandes' accumulation level
by level): exactly, connected component by connected component, with the breadth-first searches from every
source of a batch of components run side by side (the national agency–task network, 2,579 components of at
most 223 nodes, in half a second); estimated from sampled sources as networkx's
`betweenness_centrality(G, k=…, normalized=False, seed=…)` does, with the same sources and scaling, where one
component is too large for exact work (100 sources: 0.1 s on 79,000 nodes, against 25 s in networkx's
per-node Python loop)."""

from __future__ import annotations

import random

import numpy as np


def sampled_betweenness(
    size: int, edges: list[tuple[int, int]] | np.ndarray, k: int, seed: int = 0
) -> np.ndarray:
    """Node i's betweenness (not normalised) estimated from `k` source nodes drawn with `seed`, on the
    undirected graph of nodes 0…size-1 and `edges`: what networkx answers for a graph with those nodes in
    that order (it draws `random.Random(seed).sample(list(G), k)`; k == size is every node, exactly)."""
    sources = list(range(size)) if k == size else random.Random(seed).sample(range(size), k)
    total = source_dependencies(size, edges, sources)
    pairs = size - 1  # a node's possible ends of a path through it (endpoints excluded)
    if pairs < 2:
        return total
    if k == size:  # each pair counted from both ends
        return total * (pairs / (pairs * 2))
    # a source is never an inner node of its own paths: it is estimated from the other k - 1
    scale = np.full(size, pairs / (k * 2))
    scale[sources] = pairs / ((k - 1) * 2) if k > 1 else np.nan
    return total * scale


def adjacency(size: int, edges: list[tuple[int, int]] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The undirected graph on nodes 0…size-1 as compressed rows: node i's neighbours are
    `indices[indptr[i]:indptr[i + 1]]`."""
    ends = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    tails = np.concatenate([ends[:, 0], ends[:, 1]])
    heads = np.concatenate([ends[:, 1], ends[:, 0]])
    indices = heads[np.argsort(tails, kind="stable")]
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(tails, minlength=size), out=indptr[1:])
    return indptr, indices


def source_dependencies(
    size: int, edges: list[tuple[int, int]] | np.ndarray, sources: list[int]
) -> np.ndarray:
    """For each node v, the sum over `sources` s of s's dependency on v: Σ_t σ(s,t|v)/σ(s,t) over the
    shortest paths from s, v never s itself (Brandes 2001, unweighted, endpoints excluded; networkx's
    `_single_source_shortest_path_basic` and `_accumulate_basic` summed over the sources)."""
    indptr, indices = adjacency(size, edges)
    total = np.zeros(size)
    depth_of = np.full(size, -1, dtype=np.int64)
    paths = np.zeros(size)  # σ: shortest paths from the source
    dependency = np.zeros(size)  # δ
    for source in sources:
        depth_of[source], paths[source] = 0, 1.0
        frontier = np.array([source], dtype=np.int64)
        reached, levels, depth = [frontier], [], 0
        while True:  # breadth first, one level at a time: the edges from a level down to the next
            starts = indptr[frontier]
            counts = indptr[frontier + 1] - starts
            width = int(counts.sum())
            if not width:
                break
            parents = np.repeat(frontier, counts)
            at = np.arange(width) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(starts, counts)
            children = indices[at]
            new = np.unique(children[depth_of[children] == -1])
            if not new.size:
                break
            depth += 1
            depth_of[new] = depth
            down = depth_of[children] == depth
            parents, children = parents[down], children[down]
            np.add.at(paths, children, paths[parents])
            levels.append((parents, children))
            reached.append(new)
            frontier = new
        for parents, children in reversed(levels):  # deepest level first: a child's δ is complete
            np.add.at(dependency, parents, paths[parents] * ((1.0 + dependency[children]) / paths[children]))
        nodes = np.concatenate(reached)
        dependency[source] = 0.0
        total[nodes] += dependency[nodes]
        depth_of[nodes], paths[nodes], dependency[nodes] = -1, 0.0, 0.0
    return total


def betweenness(
    size: int, edges: list[tuple[int, int]] | np.ndarray, work_limit: int, k: int, seed: int = 0
) -> tuple[np.ndarray, list[int]]:
    """Each node's betweenness (not normalised: networkx's `betweenness_centrality(G, normalized=False)`)
    on the undirected graph of nodes 0…size-1 and `edges`, and the sizes of the components it was estimated
    in. Paths never leave a connected component, so a node's betweenness is its betweenness inside its own
    component: computed exactly in every component whose Brandes work (nodes × edges) is at most
    `work_limit`, and estimated from `k` sources drawn with `seed` inside each larger component."""
    ends = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    indptr, indices = adjacency(size, ends)
    labels = component_labels(size, indptr, indices)
    nodes = np.bincount(labels, minlength=1)
    links = np.bincount(labels[ends[:, 0]], minlength=nodes.size)
    large = nodes * links > work_limit
    result = exact_betweenness(size, indptr, indices, labels, exclude=large)
    sampled = []
    for component in np.flatnonzero(large):
        members = np.flatnonzero(labels == component)
        local = np.full(size, -1, dtype=np.int64)
        local[members] = np.arange(members.size)
        inside = local[ends[labels[ends[:, 0]] == component]]
        result[members] = sampled_betweenness(members.size, inside, min(k, members.size), seed)
        sampled.append(int(members.size))
    return result, sampled


def component_labels(size: int, indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Each node's connected component, numbered 0, 1, … in the order of each component's lowest node
    (labels lowered to the least neighbour's, with pointer jumping, until nothing changes)."""
    lowest = np.arange(size)
    tails = np.repeat(np.arange(size), np.diff(indptr))
    while True:
        lower = lowest.copy()
        np.minimum.at(lower, tails, lowest[indices])
        lower = lower[lower]
        if np.array_equal(lower, lowest):
            break
        lowest = lower
    return np.unique(lowest, return_inverse=True)[1]


BATCH_WORK = 100_000  # nodes × edges of the components searched side by side: their arrays stay in cache


def exact_betweenness(
    size: int, indptr: np.ndarray, indices: np.ndarray, labels: np.ndarray, exclude: np.ndarray
) -> np.ndarray:
    """Exact betweenness (networkx's scale, not normalised) of the nodes of every component not in
    `exclude` (a flag per component; their nodes get 0): Brandes from every source of a batch of components
    at once, each (source, node) pair of a component one slot of the batch's arrays."""
    result = np.zeros(size)
    nodes = np.bincount(labels)
    links = np.bincount(labels, weights=np.diff(indptr), minlength=nodes.size) / 2
    order = np.argsort(labels, kind="stable")  # the nodes, component after component
    first = np.concatenate([[0], np.cumsum(nodes)])  # component c is order[first[c]:first[c + 1]]
    rank = np.empty(size, dtype=np.int64)  # a node's place in its component
    rank[order] = np.arange(size) - np.repeat(first[:-1], nodes)
    tails = np.repeat(np.arange(size), np.diff(indptr))
    shift = rank[indices] - rank[tails]  # slot (s, tail) + shift = slot (s, head), for each edge end
    batch: list[int] = []
    work = 0
    for component in range(nodes.size):
        if exclude[component] or nodes[component] < 3:  # a path with an inner node needs three nodes
            continue
        batch.append(component)
        work += int(nodes[component] * links[component])
        if work >= BATCH_WORK:
            _batch_betweenness(result, indptr, shift, rank, [order[first[c] : first[c + 1]] for c in batch])
            batch, work = [], 0
    if batch:
        _batch_betweenness(result, indptr, shift, rank, [order[first[c] : first[c + 1]] for c in batch])
    return result / 2  # each pair was counted from both of its ends


def _batch_betweenness(result, indptr, shift, rank, groups: list[np.ndarray]) -> None:
    """Add to `result` the dependencies of every node on every source of the components whose nodes (in
    rank order) are `groups`. The slot of pair (s, v) of a component of n nodes is its base + n·rank(s) +
    rank(v); a neighbour w of v is at that slot + rank(w) − rank(v), so one breadth-first level of every
    source at once is one array step."""
    counts = np.array([g.size for g in groups])
    members = np.concatenate(groups)
    node_of = np.concatenate([np.tile(g, g.size) for g in groups])  # the v of each slot (s, v)
    bases = np.concatenate([[0], np.cumsum(counts * counts)[:-1]])
    sources = np.repeat(bases, counts) + np.repeat(counts + 1, counts) * rank[members]
    seen = np.zeros(node_of.size, dtype=bool)
    paths = np.zeros(node_of.size)  # σ(s, v)
    dependency = np.zeros(node_of.size)  # δ(s, v)
    seen[sources], paths[sources] = True, 1.0
    marks = np.empty(node_of.size, dtype=np.int64)
    frontier, at_node, levels = sources, members, []
    while frontier.size:
        starts = indptr[at_node]
        degrees = indptr[at_node + 1] - starts
        width = int(degrees.sum())
        if not width:
            break
        ends = np.arange(width) + np.repeat(starts - (np.cumsum(degrees) - degrees), degrees)
        parents = np.repeat(frontier, degrees)
        children = parents + shift[ends]
        down = ~seen[children]  # first reached on this level: the edge is on shortest paths
        parents, children = parents[down], children[down]
        seen[children] = True
        np.add.at(paths, children, paths[parents])
        levels.append((parents, children))
        marks[children] = np.arange(children.size)  # one of each repeated child keeps its mark
        frontier = children[marks[children] == np.arange(children.size)]
        at_node = node_of[frontier]
    for parents, children in reversed(levels):  # deepest level first: a child's δ is complete
        np.add.at(dependency, parents, paths[parents] * ((1.0 + dependency[children]) / paths[children]))
    dependency[sources] = 0.0
    result += np.bincount(node_of, weights=dependency, minlength=result.size)


# Exact betweenness costs nodes × edges steps (Brandes) in each connected component (paths never leave one):
# a component above this is estimated from sampled sources. The national network (79,000 nodes in 2,579
# components of at most 223) is 13·10⁶ steps in all and its largest component 1.5·10⁵: exact, in about 0.5 s.
EXACT_BETWEENNESS_WORK = 20_000_000
BETWEENNESS_SAMPLES = 100


def bipartite_betweenness(
    size: int,
    edges: list[tuple[int, int]],
    top: list[int],
    work_limit: int = EXACT_BETWEENNESS_WORK,
    k: int = BETWEENNESS_SAMPLES,
) -> tuple[dict[int, float], list[int]]:
    """networkx's bipartite betweenness centrality of the network (`bipartite.betweenness_centrality`: a
    node's share of the shortest paths, over the most a node of its side could have in a network of this
    many agencies (`top`) and tasks), exact in every component of at most `work_limit` steps and estimated
    from `k` sources inside a larger one; and the sizes of the components estimated."""
    raw, sampled = betweenness(size, edges, work_limit, k, seed=0)
    n, m = len(top), size - len(top)
    if not n or not m:
        return {node: 0.0 for node in range(size)}, sampled
    s, t = divmod(n - 1, m)
    top_max = ((m**2) * ((s + 1) ** 2) + m * (s + 1) * (2 * t - s - 1) - t * (2 * s - t + 3)) / 2.0
    p, r = divmod(m - 1, n)
    bottom_max = ((n**2) * ((p + 1) ** 2) + n * (p + 1) * (2 * r - p - 1) - r * (2 * p - r + 3)) / 2.0
    top_set = set(top)
    # (a side whose most is 0, e.g. one agency and one task: no path has an inner node, every value is 0)
    values = {
        node: (float(value) / scale if (scale := top_max if node in top_set else bottom_max) else 0.0)
        for node, value in enumerate(raw)
    }
    return values, sampled
