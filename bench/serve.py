"""Benchmark: latency of the explorer's pages and endpoints under concurrent clients, against a static file.

Run from the repository root:  .venv/bin/python bench/serve.py [--clients 20] [--seconds 30] [--store DIR]

Builds the bundled corpus into a temporary store (or, with --store DIR, serves that store: e.g. the 6M-triple
national store, see docs/performance.md; targets are then drawn from the store itself and the list pages
are measured too), starts a real `kg serve` process on a free loopback port
(waitress over `web.create_app` while `kg serve` is not available), then runs N client threads for the given
time; each keeps one HTTP/1.1 connection and cycles through every target in turn. The static stylesheet
served by the same server is the baseline. Prints, per target, requests, errors, median and p95 in ms and
their ratios to the baseline. Goal: p95 under 200 ms for every page, zero errors. Loopback only; bounded by
--seconds and --max-requests. Client threads share one Python process, so client overhead is in every figure
(the baseline row shows how much).

`--runaway N`: N of the clients send only runaway SPARQL queries (a cartesian product of the graph with itself,
stopped by the server's time limit), one after another, as abusive clients would; each client connects from
its own loopback address (127.0.0.10, .11, …) so the server tells them apart. The runaway clients have their
own row; the summary gives the other clients' SPARQL p95 and errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GOAL_P95_MS = 200.0
HONGHE = "红河州打赢蓝天保卫战三年行动计划实施方案"
WUDING = "武政通〔2019〕11号"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/app.css", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start_server(store: Path, port: int) -> tuple[subprocess.Popen, str]:
    """`kg serve`, else waitress-serve over create_app; returns the process and the command used."""
    env = os.environ | {"LANTIAN_STORE": str(store)}
    commands = [
        [str(BIN / "kg"), "serve", "--port", str(port), "--store", str(store)],
        [
            str(BIN / "waitress-serve"),
            f"--listen=127.0.0.1:{port}",
            "--threads=8",
            "--call",
            "web:create_app",
        ],
    ]
    for command in commands:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None and not answers(port):
            time.sleep(0.1)
        if process.poll() is None and answers(port):
            return process, " ".join(Path(command[0]).name if i == 0 else c for i, c in enumerate(command))
        stop(process)
    raise SystemExit(f"no server answered on port {port}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_SELECT = quote(
    "SELECT ?a ?n WHERE { ?a a <https://w3id.org/lantian/ontology#Agency> ; "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?n } LIMIT 100"
)


def _pages(plan: str, task: str, agency: str, compare: tuple[str, str]) -> dict[str, tuple[str, str, dict]]:
    """The page of each kind for a plan, a task and an agency (explorer paths), and two plans to compare."""
    name, query = compare
    return {
        "plan page": ("GET", plan, {}),
        "task page": ("GET", task, {}),
        "agency page": ("GET", agency, {}),
        "agency page .json": ("GET", agency + ".json", {}),
        "network task": ("GET", task.replace("/id/", "/network/", 1), {}),
        "network agency": ("GET", agency.replace("/id/", "/network/", 1), {}),
        "network plan+tasks": ("GET", plan.replace("/id/", "/network/", 1) + "?tasks=1", {}),
        name: ("GET", query, {}),
        "audit overdue 2021-01-01": ("GET", "/audit/overdue?as_of=2021-01-01", {}),
        "audit brokers": ("GET", "/audit/brokers", {}),
        "sparql editor page": ("GET", "/sparql", {"Accept": "text/html"}),
        "sparql SELECT json": (
            "GET",
            "/sparql?query=" + _SELECT,
            {"Accept": "application/sparql-results+json"},
        ),
    }


def targets(port: int) -> dict[str, tuple[str, str, dict]]:
    """name → (method, path, headers): one of each page type and endpoint, on facts of the bundled plans."""
    with urllib.request.urlopen(
        f"http://127.0.0.1:{port}/network/plan/{quote(HONGHE)}?tasks=1&format=json"
    ) as r:
        nodes = json.load(r)["nodes"]
    task = next(n for n in nodes if n["kind"] == "task" and "两断三清" in n["title"])["url"]
    task = quote(task, safe="/%")
    agency = quote("/id/agency/红河州/环境保护局", safe="/")
    plan = quote(f"/id/plan/{HONGHE}", safe="/")
    honghe_iri, wuding_iri = (f"https://w3id.org/lantian/id/plan/{key}" for key in (HONGHE, WUDING))
    compare = ("compare 红河 vs 武定", f"/compare?a={quote(honghe_iri)}&b={quote(wuding_iri)}")
    return {
        "static app.css (baseline)": ("GET", "/static/app.css", {}),
        "home": ("GET", "/", {}),
        "search 州环保局": ("GET", "/search?q=" + quote("州环保局"), {}),
        **_pages(plan, task, agency, compare),
    }


def store_targets(store: Path) -> dict[str, tuple[str, str, dict]]:
    """name → (method, path, headers) on any store: a county plan with tasks and its upper plan, a task of
    it with a lead, that lead, the list pages and the audit reports."""
    import pyoxigraph as ox

    graph = ox.Store.read_only(str(store))
    prefix = "PREFIX lt: <https://w3id.org/lantian/ontology#> "

    def first(sparql: str) -> dict:
        solutions = graph.query(prefix + sparql, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        solution = next(iter(solutions))
        return {name: solution[name].value for name in names if solution[name] is not None}

    found = first(
        """SELECT ?plan ?upper ?task ?agency WHERE { ?plan lt:level "county" ; lt:sourceFile ?f ;
             lt:derivesFrom ?upper . ?upper lt:sourceFile ?g .
             ?task lt:inPlan ?plan ; lt:hasDeadline ?d . ?agency lt:leads ?task } LIMIT 1"""
    )
    base = "https://w3id.org/lantian/id/"

    def path(iri: str) -> str:
        return quote("/id/" + iri[len(base) :], safe="/%~")

    plan, task, agency = path(found["plan"]), path(found["task"]), path(found["agency"])
    compare = ("compare county vs its upper", f"/compare?a={quote(found['plan'])}&b={quote(found['upper'])}")
    return {
        "static app.css (baseline)": ("GET", "/static/app.css", {}),
        "home": ("GET", "/", {}),
        "plans list (page 2)": ("GET", "/plans?page=2", {}),
        "agencies list (page 2)": ("GET", "/agencies?page=2", {}),
        "due before 2020-06-30": ("GET", "/due?before=2020-06-30", {}),
        "search 扬尘": ("GET", "/search?q=" + quote("扬尘"), {}),
        **_pages(plan, task, agency, compare),
    }


RUNAWAY = "runaway SPARQL"
_RUNAWAY_QUERY = quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")


def client(port, plan, start_at, stop_at, budget, results, errors, lock, first=0, source="127.0.0.1"):
    """One client: a keep-alive connection, cycling through the targets until time or budget runs out,
    starting at target number `first` (clients that all started at the first target went through the list in
    step: twenty requests for one page at once, and each page measured behind the heavy one before it)."""

    def connect():
        return http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))

    connection = connect()
    names = list(plan)
    i = first
    while time.monotonic() < start_at:
        time.sleep(0.001)
    while time.monotonic() < stop_at:
        with lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        name = names[i % len(names)]
        i += 1
        method, path, headers = plan[name]
        began = time.perf_counter()
        try:
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()
            connection = connect()
        elapsed = (time.perf_counter() - began) * 1000
        with lock:
            (results if ok else errors).setdefault(name, []).append(elapsed)
    connection.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=500_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "serve.json")
    parser.add_argument(
        "--goal-ms", type=float, default=GOAL_P95_MS, help="p95 goal per target (200; 300 on the 6M store)"
    )
    parser.add_argument(
        "--store", type=Path, help="serve this built store (not a fresh build of the bundled corpus)"
    )
    parser.add_argument(
        "--runaway", type=int, default=0, help="how many of the clients send only runaway SPARQL queries"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lantian-bench-serve-") as tmp:
        store = args.store or Path(tmp) / "store"
        if not args.store:
            subprocess.run(
                [str(BIN / "kg"), "build", "--store", str(store)], cwd=ROOT, check=True, capture_output=True
            )
        port = free_port()
        process, command = start_server(store, port)
        try:
            plan = store_targets(store) if args.store else targets(port)
            missing, cold = {}, {}
            for name, (method, path, headers) in list(
                plan.items()
            ):  # warm up (the first, uncached answer is timed apart); leave out what does not answer
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}{path}", headers=headers, method=method
                )
                began = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=900) as response:
                        response.read()
                except urllib.error.HTTPError as error:
                    missing[name] = error.code
                    del plan[name]
                cold[name] = (time.perf_counter() - began) * 1000
                print(f"  first answer of {name}: {cold[name]:,.0f} ms", file=sys.stderr, flush=True)
            results: dict[str, list[float]] = {}
            errors: dict[str, list[float]] = {}
            lock, budget = threading.Lock(), [args.max_requests]
            start_at = time.monotonic() + 0.2
            stop_at = start_at + args.seconds
            runaway_plan = {
                RUNAWAY: ("GET", f"/sparql?query={_RUNAWAY_QUERY}", {"Accept": "application/json"})
            }
            threads = [
                threading.Thread(
                    target=client,
                    args=(port, runaway_plan if n < args.runaway else plan, start_at, stop_at, budget)
                    + (results, errors, lock, n * len(plan) // args.clients, f"127.0.0.{10 + n}"),
                )
                for n in range(args.clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.monotonic() - start_at
        finally:
            stop(process)

    base = results.get("static app.css (baseline)", [1.0])
    base_median, base_p95 = statistics.median(base), percentile(base, 0.95)
    rows = []
    for name in [*plan, *([RUNAWAY] if args.runaway else [])]:
        values = results.get(name, [])
        median = statistics.median(values) if values else float("nan")
        p95 = percentile(values, 0.95) if values else float("nan")
        rows.append(
            {
                "target": name,
                "requests": len(values),
                "errors": len(errors.get(name, [])),
                "median_ms": round(median, 2),
                "p95_ms": round(p95, 2),
                "median_ratio": round(median / base_median, 2),
                "p95_ratio": round(p95 / base_p95, 2),
                "goal": "-"
                if name == RUNAWAY
                else "ok"
                if p95 < args.goal_ms and not errors.get(name)
                else "MISSED",
            }
        )
    total = sum(r["requests"] + r["errors"] for r in rows)
    print(f"server: {command}; {args.clients} clients, {wall:.1f} s, {total} requests ({total / wall:.0f}/s)")
    for r in rows:
        r["first_ms"] = round(cold.get(r["target"], float("nan")), 1)
    header = (
        f"{'target':28} {'first ms':>9} {'requests':>8} {'errors':>6} {'median ms':>10} {'p95 ms':>8}"
        f" {'×median':>8} {'×p95':>7}  goal"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['target']:28} {r['first_ms']:>9.0f} {r['requests']:>8} {r['errors']:>6} {r['median_ms']:>10.1f} {r['p95_ms']:>8.1f}"
            f" {r['median_ratio']:>8.1f} {r['p95_ratio']:>7.1f}  {r['goal']}"
        )
    for name, code in missing.items():
        print(f"{name:28} not measured: HTTP {code} before the run")
    print(
        f"goal: p95 < {args.goal_ms:.0f} ms for every target and zero errors (ratios are to the static baseline;"
        " 'first ms' is each target's first, uncached answer, before the clients start and not in the figures)"
    )
    if args.runaway:
        sparql = next(r for r in rows if r["target"] == "sparql SELECT json")
        print(
            f"with {args.runaway} of {args.clients} clients sending runaway queries, the others' SPARQL: "
            f"p95 {sparql['p95_ms']:.0f} ms, {sparql['errors']} errors in {sparql['requests'] + sparql['errors']} "
            "queries"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {"server": command, "clients": args.clients, "seconds": wall, "rows": rows, "missing": missing},
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
