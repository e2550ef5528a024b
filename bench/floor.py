"""Benchmark: what reading a whole national answer costs Oxigraph itself, below any query of ours.

Run from the repository root, on a store written by `bench/store.py --write-store DIR` (or `kg build`):

    .venv/bin/python bench/floor.py --store DIR [--repeat 3]

Each probe is a bare SPARQL query on raw pyoxigraph (union of the graphs as the default graph, as every reader
asks), its rows serialised to TSV inside pyoxigraph so that no Python object is made a row; the best of
--repeat runs is printed with its ratio to the baseline, the bare read of every agency's lead count. The probes
add, one at a time, what the canned ranking (agencies-by-tasks.rq) and overdue (overdue.rq) need: a name a row,
a place name a row, and ordering by a task IRI. docs/performance.md says what the figures mean for the goal of
100 ms a canned query at 6M triples.
"""

from __future__ import annotations

import argparse
import time

import pyoxigraph as ox

PREFIXES = """PREFIX lt: <https://w3id.org/lantian/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
OVERDUE = '?d lt:dueDate ?due FILTER(?due < "2020-06-30"^^xsd:date) ?task lt:hasDeadline ?d'
# the task IRI as eight keys of five characters: strings that short are held in the row itself, not looked up
SHORT_KEYS = " ".join(f"BIND(SUBSTR(STR(?task), {34 + 5 * i}, 5) AS ?k{i})" for i in range(8))
PROBES = {
    "every agency's lead count (baseline)": "SELECT ?a ?n WHERE { ?a lt:tasksLed ?n }",
    "… and each agency's name": "SELECT ?a ?n ?name WHERE { ?a lt:tasksLed ?n ; rdfs:label ?name }",
    "… and its place's name": "SELECT ?a ?n ?name ?place WHERE { ?a lt:tasksLed ?n ; rdfs:label ?name ; "
    "lt:jurisdiction/rdfs:label ?place }",
    "overdue deadlines with their tasks, unordered": f"SELECT ?d ?due ?task WHERE {{ {OVERDUE} }}",
    "… ordered by date and task, first 100": f"SELECT ?d ?due ?task WHERE {{ {OVERDUE} }} ORDER BY ?due ?task "
    "LIMIT 100",
    "… the same, ordered by short keys": f"SELECT ?d ?due ?task WHERE {{ {OVERDUE} {SHORT_KEYS} }} ORDER BY ?due "
    + " ".join(f"?k{i}" for i in range(8))
    + " LIMIT 100",
}


def best_of(store: ox.Store, sparql: str, repeat: int) -> tuple[float, int]:
    """The fastest of `repeat` runs in ms, and the number of rows."""
    times, rows = [], 0
    for _ in range(repeat):
        began = time.perf_counter()
        answer = store.query(PREFIXES + sparql, use_default_graph_as_union=True)
        rows = answer.serialize(format=ox.QueryResultsFormat.TSV).count(b"\n") - 1  # less the header
        times.append((time.perf_counter() - began) * 1000)
    return min(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="a store folder (e.g. the 6M-triple one)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per probe; the best is printed (3)")
    args = parser.parse_args()
    store = ox.Store.read_only(args.store)
    print(
        f"store: {args.store}, {len(store):,} quads; best of {args.repeat} runs, rows as TSV inside pyoxigraph"
    )
    print(f"{'probe':48} {'rows':>7} {'ms':>8} {'×baseline':>10}")
    baseline = None
    for name, sparql in PROBES.items():
        ms, rows = best_of(store, sparql, args.repeat)
        baseline = baseline or ms
        print(f"{name:48} {rows:>7,} {ms:>8.1f} {ms / baseline:>10.1f}")


if __name__ == "__main__":
    main()
