"""Betweenness over arrays (kg/betweenness.py) on hand-made agency–task networks of several connected
components: the exact values a reader can count by hand, exactness per component however large the whole
network, sampling only inside a component too large, and the audit's bipartite scale and digits."""

import networkx as nx
from networkx.algorithms import bipartite

from kg.betweenness import EXACT_BETWEENNESS_WORK, betweenness, sampled_betweenness
from kg.betweenness import bipartite_betweenness as _bipartite_betweenness
from kg.reports import positional, significant

# Four components, node numbers interleaved so that no component is a run of consecutive numbers:
#   a path     agency 0 – task 5 – agency 2 – task 9 – agency 4
#   a star     task 1 held by agencies 7, 10, 12
#   a square   agency 3 – task 6 – agency 8 – task 11 – agency 3
#   one link   agency 13 – task 14
HAND_EDGES = [(0, 5), (2, 5), (2, 9), (4, 9)]  # the path
HAND_EDGES += [(7, 1), (10, 1), (12, 1)]  # the star
HAND_EDGES += [(3, 6), (8, 6), (8, 11), (3, 11)]  # the square
HAND_EDGES += [(13, 14)]  # the link
HAND_AGENCIES = [0, 2, 3, 4, 7, 8, 10, 12, 13]
# Pairs whose shortest paths pass through each node (each pair once, endpoints excluded):
#   path: task 5 is on 0–2, 0–9, 0–4 (3); agency 2 on 0–9, 0–4, 5–9, 5–4 (4); task 9 on 0–4, 5–4, 2–4 (3)
#   star: task 1 is on 7–10, 7–12, 10–12 (3)
#   square: 3–8 has two shortest paths, through 6 and through 11 (½ each); 6–11 through 3 and 8 (½ each)
HAND_BETWEENNESS = {5: 3.0, 2: 4.0, 9: 3.0, 1: 3.0, 3: 0.5, 6: 0.5, 8: 0.5, 11: 0.5}


def test_betweenness_of_a_hand_made_network_of_four_components():
    values, sampled = betweenness(15, HAND_EDGES, work_limit=EXACT_BETWEENNESS_WORK, k=100)
    assert sampled == []
    assert {node: float(v) for node, v in enumerate(values) if v} == HAND_BETWEENNESS
    # the audit's scale is networkx's bipartite normalisation of the whole network, unchanged
    graph = nx.Graph()
    graph.add_nodes_from(range(15))
    graph.add_edges_from(HAND_EDGES)
    expected = bipartite.betweenness_centrality(graph, HAND_AGENCIES)
    found, sampled = _bipartite_betweenness(15, HAND_EDGES, HAND_AGENCIES)
    assert sampled == [] and max(abs(found[v] - expected[v]) for v in range(15)) < 1e-15
    # the most an agency can have among 9 agencies and 6 tasks (Borgatti & Halgin's bipartite maximum, with
    # s, t = divmod(9 - 1, 6) = 1, 2): (6²·2² + 6·2·(2·2 − 1 − 1) − 2·(2 − 2 + 3)) / 2 = 81
    assert found[2] == 4.0 / 81.0


def test_many_small_components_beyond_the_exact_work_threshold_are_exact():
    # 1,500 copies of the hand-made path: 7,500 nodes × 6,000 links is beyond the threshold for the whole
    # network, each copy 5 × 4; sampled sources (100 of 7,500 nodes) would leave most copies at 0
    copies = 1_500
    edges = [(5 * c + a, 5 * c + b) for c in range(copies) for a, b in ((0, 1), (1, 2), (2, 3), (3, 4))]
    size = 5 * copies
    assert size * len(edges) > EXACT_BETWEENNESS_WORK
    agencies = [5 * c + i for c in range(copies) for i in (0, 2, 4)]
    values, sampled = _bipartite_betweenness(size, edges, agencies)
    assert sampled == []
    middle = {values[5 * c + 2] for c in range(copies)}
    assert len(middle) == 1 and middle.pop() > 0
    raw, _ = betweenness(size, edges, EXACT_BETWEENNESS_WORK, 100)
    assert list(raw[:5]) == [0, 3, 4, 3, 0]
    assert [float(v) for v in raw[:5]] * copies == [float(v) for v in raw]


def test_only_a_component_too_large_is_sampled():
    # a 30 × 30 grid (900 nodes × 1,740 links) beside the hand-made network, with a work limit between the
    # two: the grid is estimated from 50 of its own nodes as networkx's k=50 estimate on the grid alone, the
    # hand-made components stay exact
    grid = nx.convert_node_labels_to_integers(nx.grid_2d_graph(30, 30))
    edges = HAND_EDGES + [(a + 15, b + 15) for a, b in grid.edges]
    values, sampled = betweenness(15 + 900, edges, work_limit=100_000, k=50, seed=0)
    assert sampled == [900]
    assert {node: float(v) for node, v in enumerate(values[:15]) if v} == HAND_BETWEENNESS
    alone = sampled_betweenness(900, list(grid.edges), 50, seed=0)
    assert list(values[15:]) == list(alone)
    expected = nx.betweenness_centrality(grid, k=50, normalized=False, seed=0)
    assert max(abs(alone[v] - expected[v]) for v in grid) <= 1e-9 * max(expected.values())


def test_betweenness_keeps_four_significant_digits():
    # a national value (2 in 10⁶) used to round to 0.0000; the bundled corpus's 0.02742… stays 0.0274 at four
    # places
    assert significant(1.95312e-06) == 1.953e-06 and positional(1.953e-06) == "0.000001953"
    assert significant(0.0274213) == 0.02742 and positional(0.02742) == "0.02742"
    assert significant(0.0) == 0.0 and positional(0.0) == "0.0"
