"""Benchmark: the first open of every audit report and of the agencies list right after `kg serve` starts.

Run from the repository root:  .venv/bin/python bench/first_open.py --store DIR [--as-of 2021-01-01]

For each page it starts a new `kg serve` over the store (as bench/serve.py does: nothing cached, no warm-up
request), opens the page once over HTTP, and prints the time of that answer and the server's resident memory
after it (its process and the processes it started, from /proc). Then, in one more fresh server, it opens every
page one after another (as a visitor clicking through the reports) and prints each answer's time and the memory
after the last. Goal: every first open ≤ 1 s, the server far below the 0.8 GB the whole task table held.

`--then-facets` also asks, after each first open, for the page's facets and summaries (?_part=facets, what the
page's script fetches once it is shown) and prints that time and the memory after it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve import free_port, start_server, stop  # noqa: E402

GOAL_MS = 1000.0


def pages(as_of: str) -> dict[str, str]:
    return {
        "audit overdue": f"/audit/overdue?as_of={as_of}",
        "audit overdue page 3": f"/audit/overdue?as_of={as_of}&page=3",
        "audit due-soon": f"/audit/due-soon?as_of={as_of}",
        "audit lead-gone": f"/audit/lead-gone?as_of={as_of}",
        "audit gaps": "/audit/gaps",
        "audit brokers": "/audit/brokers",
        "audit timeline": f"/audit/timeline?as_of={as_of}",
        "audit timeline chart": f"/audit/timeline.svg?as_of={as_of}",
        "audit index": f"/audit/?as_of={as_of}",
        "agencies list": "/agencies",
        "agencies list page 2": "/agencies?page=2",
        "due before": f"/due?before={as_of}",
    }


def tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and its descendants, in MB."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        node = todo.pop()
        todo += children.get(node, [])
        try:
            with open(f"/proc/{node}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total / 1024


def timed(port: int, path: str) -> tuple[float, int]:
    began = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=900) as response:
        body = response.read()
    return (time.perf_counter() - began) * 1000, len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--as-of", default="2021-01-01")
    parser.add_argument("--then-facets", action="store_true", help="then ask for each page's facets")
    parser.add_argument(
        "--settle",
        type=float,
        default=0.0,
        help="seconds to wait after the server answers before the first open (its start-up work: the SPARQL "
        "worker processes, the spaCy and matplotlib warm-ups, done; 0: at once)",
    )
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = str(ROOT)  # the server runs this checkout's code
    print(
        f"store: {args.store}; first open {args.settle:g} s after the server answers; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"{'page':24} {'start s':>7} {'first ms':>9} {'KB':>6} {'RSS MB':>7}", end="")
    print(f" {'facets ms':>9} {'RSS MB':>7}" if args.then_facets else "")
    for name, path in pages(args.as_of).items():
        port = free_port()
        began = time.perf_counter()
        process, _command = start_server(args.store, port)
        started = time.perf_counter() - began
        time.sleep(args.settle)
        try:
            ms, size = timed(port, path)
            line = f"{name:24} {started:>7.1f} {ms:>9.0f} {size // 1024:>6} {tree_rss_mb(process.pid):>7.0f}"
            if args.then_facets and not path.startswith(("/audit/timeline.svg", "/audit/?")):
                sep = "&" if "?" in path else "?"
                facets_ms, _ = timed(port, f"{path}{sep}_part=facets")
                line += f" {facets_ms:>9.0f} {tree_rss_mb(process.pid):>7.0f}"
            elif args.then_facets:
                line += f" {'':>9} {'':>7}"
            mark = "  over 1 s" if ms > GOAL_MS else ""
            print(line + mark, flush=True)
        finally:
            stop(process)
    port = free_port()
    process, _command = start_server(args.store, port)
    time.sleep(args.settle)
    try:
        print("one server, every page in turn:")
        for name, path in pages(args.as_of).items():
            ms, _ = timed(port, path)
            print(f"  {name:22} {ms:>9.0f} ms", flush=True)
        print(f"  server RSS after them: {tree_rss_mb(process.pid):.0f} MB")
    finally:
        stop(process)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
