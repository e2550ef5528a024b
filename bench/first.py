"""Benchmark: first answers of the explorer's pages, for many plans, tasks and agencies of a store.

Run from the repository root:  .venv/bin/python bench/first.py --store DIR [--samples 10] [--seed 1]

bench/serve.py measures the pages warm, and one page of each kind: a user who opens a task nobody has opened
yet waits for its first answer. This script draws --samples plans, tasks, agencies and jurisdictions from the
store (seeded), then, in one explorer process (Flask's test client over `web.create_app`, no HTTP), asks for
each kind of page once to pay what is loaded once per store (the task text table, the plan list), and then
for every sampled page twice: its first answer, then its cached one (the baseline). Prints, per kind of page,
the median, p95 and slowest first answer in ms, the median cached answer, and their ratio. A kind whose
slowest first answer is over 1 s is marked.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LT = "https://w3id.org/lantian/ontology#"
ID = "https://w3id.org/lantian/id/"
SLOW_MS = 1000.0
SAMPLES = {
    "task": f"SELECT ?x WHERE {{ ?x <{LT}inPlan> ?p }}",
    "plan": f"SELECT ?x WHERE {{ ?x <{LT}sourceFile> ?f }}",
    "agency": f"SELECT DISTINCT ?x WHERE {{ ?x <{LT}leads> ?t }}",
    "jurisdiction": f"SELECT ?x WHERE {{ ?x a <{LT}Jurisdiction> }}",
}


def draw(store: Path, samples: int, seed: int) -> dict[str, list[str]]:
    """samples + 1 IRIs of each kind (the first only pays the once-per-store loads), in a seeded order."""
    import pyoxigraph as ox

    graph = ox.Store.read_only(str(store))
    drawn = {}
    for kind, sparql in SAMPLES.items():
        iris = sorted(s[0].value for s in graph.query(sparql, use_default_graph_as_union=True))
        random.Random(seed).shuffle(iris)
        drawn[kind] = iris[: samples + 1]
    return drawn


def path(iri: str, prefix: str = "/id/") -> str:
    return quote(prefix + iri[len(ID) :], safe="/%~")


def pages(drawn: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each kind of page → its paths, one per sampled IRI."""
    plans = drawn["plan"]
    return {
        "task page": [path(x) for x in drawn["task"]],
        "plan page": [path(x) for x in plans],
        "agency page": [path(x) for x in drawn["agency"]],
        "jurisdiction page": [path(x) for x in drawn["jurisdiction"]],
        "network task": [path(x, "/network/") for x in drawn["task"]],
        "network plan+tasks": [path(x, "/network/") + "?tasks=1" for x in plans],
        "network agency": [path(x, "/network/") for x in drawn["agency"]],
        "due before 2021-01-01, one plan": [f"/due?before=2021-01-01&plan={quote(x)}" for x in plans],
        "overdue report, one plan": [f"/audit/overdue?as_of=2021-01-01&plan={quote(x)}" for x in plans],
        "compare two plans": [
            f"/compare?a={quote(a)}&b={quote(b)}" for a, b in zip(plans, plans[1:] + plans[:1], strict=True)
        ],
    }


def timed(client, url: str) -> float:
    began = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - began) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a built store (e.g. the 6M-triple one)")
    parser.add_argument("--samples", type=int, default=10, help="pages of each kind (10)")
    parser.add_argument("--seed", type=int, default=1, help="which plans, tasks and agencies are drawn (1)")
    args = parser.parse_args()
    from web import create_app

    client = create_app({"STORE": args.store, "TESTING": True}).test_client()
    kinds = pages(draw(args.store, args.samples, args.seed))
    for urls in kinds.values():  # once-per-store loads, not in the figures
        timed(client, urls[0])
    print(f"store: {args.store}; {args.samples} pages of each kind, seed {args.seed}; ms")
    print(f"{'page':34} {'first median':>12} {'p95':>8} {'slowest':>8} {'cached':>7} {'×cached':>8}")
    for kind, urls in kinds.items():
        first, cached = [], []
        for url in urls[1:]:
            first.append(timed(client, url))
            cached.append(timed(client, url))
        ordered = sorted(first)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        baseline = statistics.median(cached)
        mark = "  over 1 s" if ordered[-1] > SLOW_MS else ""
        print(
            f"{kind:34} {statistics.median(first):>12.0f} {p95:>8.0f} {ordered[-1]:>8.0f} {baseline:>7.1f}"
            f" {statistics.median(first) / baseline:>8.1f}{mark}"
        )


if __name__ == "__main__":
    main()
