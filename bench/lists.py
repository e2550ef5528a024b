"""Benchmark: the national lists a page at a time, as the explorer reads them (`web.repository.Repository`), on a
freshly opened store, and each whole list exported as CSV.

Run from the repository root:

    .venv/bin/python bench/lists.py --store DIR [--repeat 20] [--as-of 2021-01-01]

In one new process (nothing cached, the store just opened) it asks for the first page (100 rows) of each list
the audit reports and the agency list show — overdue, due soon, due before a date, lead gone, no lead,
collective only, brokers by degree and by betweenness, the ranking by tasks led — once ("first": what a
visitor waits for right after `kg serve` starts), then for other pages of it --repeat times (median, p95: the
pages nobody asked for yet, offsets drawn with seed 1, each a different page). Then each whole list as CSV: the
canned query's whole answer (no limit) written with the csv module, as `kg query NAME --format csv` does.
Goal: first page ≤ 1 s, pages p95 ≤ 100 ms, whole CSV ≤ 2 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.store import bind_parameters, canned_queries_dir, open_store, read_canned_query, run_query  # noqa: E402
from web.repository import Repository  # noqa: E402

PAGE = 100


def lists(repo: Repository, as_of: str) -> dict:
    """name → (page(offset) → rows, the canned query and its parameters for the whole list)."""
    return {
        "overdue": (
            lambda at: repo.deadline_page("overdue", as_of, limit=PAGE, offset=at),
            ("overdue", {"as_of": as_of}),
        ),
        "due soon (90 days)": (
            lambda at: repo.deadline_page("due-soon", "2020-10-15", limit=PAGE, offset=at),
            ("due-soon", {"as_of": "2020-10-15"}),
        ),
        "due before": (
            lambda at: repo.deadline_page("due", "2020-06-30", limit=PAGE, offset=at),
            ("tasks-due-before", {"before": "2020-06-30"}),
        ),
        "lead gone": (
            lambda at: {"rows": repo.canned_page("overdue-lead-gone", limit=PAGE, offset=at, as_of=as_of)},
            ("overdue-lead-gone", {"as_of": as_of}),
        ),
        "no lead": (lambda at: repo.gap_page("no-lead", limit=PAGE, offset=at), ("gaps-no-lead", {})),
        "collective only": (
            lambda at: repo.gap_page("collective-only", limit=PAGE, offset=at),
            ("gaps-collective-only", {}),
        ),
        "brokers by degree": (lambda at: repo.broker_page(limit=PAGE, offset=at), None),
        "brokers by betweenness": (lambda at: repo.broker_page(by="betweenness", limit=PAGE, offset=at), None),
        "ranking by tasks led": (
            lambda at: repo.agency_ranking_page("leads", limit=PAGE, offset=at),
            ("agencies-by-tasks", {"role": "leads"}),
        ),
    }


def whole_csv(store_dir: Path, name: str, values: dict) -> tuple[float, int]:
    """Seconds to bind, run and write the whole answer of a canned query as CSV; the rows."""
    query = read_canned_query(canned_queries_dir() / f"{name}.rq")
    with open_store(store_dir) as store:
        started = time.perf_counter()
        result = run_query(store, bind_parameters(query.sparql, query.values(values)))
        names = [v.value for v in result.variables]
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(names)
        rows = 0
        for row in result:
            writer.writerow(["" if t is None else t.value for t in row])
            rows += 1
        out.getvalue().encode("utf-8-sig")
        return time.perf_counter() - started, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--as-of", default="2021-01-01")
    args = parser.parse_args()
    started = time.perf_counter()
    repo = Repository(args.store)
    known = lists(repo, args.as_of)
    print(f"store: {args.store}; first page of {PAGE} rows right after opening, then {args.repeat} other pages; ms")
    print(f"{'list':<24} {'total':>8} {'first':>8} {'median':>8} {'p95':>8} {'whole CSV':>10} {'rows':>8}")
    draw = random.Random(1)
    for name, (page, canned) in known.items():
        at = time.perf_counter()
        first = page(0)
        first_ms = 1000 * (time.perf_counter() - at)
        total = first.get("total")
        times = []
        for _ in range(args.repeat):
            offset = PAGE * draw.randrange(max(1, (total or PAGE * 10) // PAGE))
            at = time.perf_counter()
            page(offset)
            times.append(1000 * (time.perf_counter() - at))
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        csv_text, rows = "—", ""
        if canned:
            seconds, count = whole_csv(args.store, *canned)
            csv_text, rows = f"{1000 * seconds:,.0f}", f"{count:,}"
        total_text = f"{total:,}" if total is not None else "—"
        print(
            f"{name:<24} {total_text:>8} {first_ms:8.1f} {statistics.median(times):8.1f} {p95:8.1f} "
            f"{csv_text:>10} {rows:>8}",
            flush=True,
        )
    print(f"(process: {time.perf_counter() - started:.1f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
