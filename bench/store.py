"""Benchmark: our store beside rdflib's in-memory store and raw pyoxigraph, on generated national-scale corpora.

Run from the repository root:

    .venv/bin/python bench/store.py                      # ~100k triples
    .venv/bin/python bench/store.py --sizes 100k,1M,6M   # also ~1M and ~6M (minutes to an hour)

For each size the script generates the national corpus (bench/corpus.py, top-down order), extracts plans
until their triples reach the size, adds what `kg build` adds across plans (task lineage, succession) and
writes the graph once as N-Triples, cached in bench/out/store-corpus/<size>-seed<seed>/ for later runs
(--refresh prepares anew; --prepare-only stops there; --write-store DIR also writes it into a store for
bench/serve.py --store DIR). Then, one subprocess per engine (so each peak memory is its own):

(a) ours: ``kg.store.write_store`` fed rdflib triples read lazily from that file (as `kg build` feeds it; it
    also writes the task text table, `kg.texts`), then the queries as `kg query` runs them
    (``kg.store.run_query``): a canned query's parameters bound in the measured time, the words of a search
    looked up in the task text table, the answer read from pyoxigraph without converting it to rdflib terms;
(b) rdflib's in-memory store: ``Graph().parse(format="nt")`` and rdflib's SPARQL engine — skipped above
    2M triples, where (by the figures in STORE-NOTES: 176 s to load 5.8M triples, 43 s per run of the
    tasks-per-agency aggregate) one run would take more than 10 minutes;
(c) raw pyoxigraph: ``Store.bulk_load`` of the file into a disk store, ``Store.query``.

Both Oxigraph engines query with the union of all graphs as the default graph (``use_default_graph_as_union``,
as the explorer does with a store of one named graph per plan), so they are compared like for like.

Measured: load time, store size on disk, peak RSS of the process (``ru_maxrss``: load and queries), and
median / p95 latency of five auditor queries, each run ``--repeat`` times (after one unmeasured warm-up) with
parameters cycling over agencies, tasks and words drawn from the corpus; a query stops early once it has
spent ``--budget`` seconds (at least 3 runs). Row counts are printed so the engines can be seen to agree.
Prints a table per size and the ratios ours/raw pyoxigraph and rdflib/ours.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

RDFLIB_LIMIT = 2_000_000  # triples: above this one rdflib in-memory run would exceed 10 minutes
ENGINES = ("ours", "rdflib", "pyoxigraph")
ENGINE_LABELS = {
    "ours": "ours (write_store + kg query)",
    "rdflib": "rdflib in-memory",
    "pyoxigraph": "raw pyoxigraph",
}
WORDS = ["扬尘", "燃煤锅炉", "柴油货车", "秸秆", "挥发性有机物", "散乱污", "清洁取暖", "重污染天气"]
PREFIXES = """PREFIX lt: <https://w3id.org/lantian/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
CHAIN = (
    PREFIXES
    + """SELECT ?agency ?role ?plan ?upper ?upperTitle WHERE {
  VALUES ?task { <%s> }
  ?a ?role ?task ; rdfs:label ?agency .
  FILTER(?role IN (lt:leads, lt:supports, lt:implements, lt:responsibleFor))
  ?task lt:inPlan ?plan .
  ?plan lt:derivesFrom* ?upper .
  OPTIONAL { ?upper rdfs:label ?upperTitle }
}"""
)
QUERY_LABELS = {
    "agency_tasks": "tasks an agency holds (agency-tasks.rq)",
    "chain": "accountability chain of a task up derivesFrom*",
    "leads_per_agency": "tasks led per agency (agencies-by-tasks.rq, role=leads)",
    "overdue": "overdue as of 2020-06-30 (overdue.rq)",
    "search": "text search (tasks-containing.rq)",
    "leads_per_agency_page": "… its first 100 agencies (limit=100)",
    "search_page": "… its first 100 rows (limit=100)",
}


def parse_size(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * factor)


# --- the corpus ------------------------------------------------------------------------------------------


OWN_SHARE = 0.5  # first aim of the plans' own triples, as a share of the size asked for
CACHE = ROOT / "bench" / "out" / "store-corpus"  # git-ignored: one folder per size and seed


def cached_prepare(target: int, work: Path, seed: int, refresh: bool = False) -> dict:
    """`prepare`, or its N-Triples file and parameters from an earlier run with the same size and seed.

    Extracting and linking a thousand plans takes many minutes; what is measured (the engines loading the
    file and answering the queries) starts from the file either way. `--refresh` prepares anew.
    """
    folder = CACHE / f"{target}-seed{seed}"
    params_file = folder / "params.json"
    if params_file.is_file() and (folder / "corpus.nt").is_file() and not refresh:
        params = json.loads(params_file.read_text("utf-8"))
        params["nt"] = str(folder / "corpus.nt")
        params["cached"] = True
        return params
    params = prepare(target, work, seed)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.move(params["nt"], folder / "corpus.nt")
    params["nt"] = str(folder / "corpus.nt")
    params_file.write_text(json.dumps(params, ensure_ascii=False, indent=1), "utf-8")
    return params


def prepare(target: int, work: Path, seed: int) -> dict:
    """Generate, extract and link plans until their triples reach `target`; write them as N-Triples."""
    import corpus as generator
    import pyoxigraph as ox

    from kg.build import plan_triples, task_iris
    from kg.corpus import corpus_triples
    from kg.store import _quads
    from loaders.plan import load_plan

    plans_dir = work / "plans"
    started = time.perf_counter()
    written = generator.generate(plans_dir, None, seed)
    nt = work / "corpus.nt"
    # the plans' own triples are aimed at half the size first: task lineage and succession add about as many
    # again on this corpus (measured: 20 plans 92k -> 1.6x, 368 plans 1.0M -> 2.0x); linking thousands of
    # plans takes long, so one more pass at most, when the total misses the size by more than 25 %
    own_target, loaded, own, passes = int(target * OWN_SHARE), [], [], 0
    while True:
        passes += 1
        while len(loaded) < len(written) and sum(own) < own_target:
            plan = load_plan(plans_dir / written[len(loaded)].file)
            loaded.append(plan)
            own.append(sum(1 for _ in plan_triples(plan)))
            if len(loaded) % 50 == 0:
                print(
                    f"  {len(loaded)} plans extracted, {sum(own):,} own triples, "
                    f"{time.perf_counter() - started:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
        extract_s = time.perf_counter() - started
        plans = loaded[: next((i + 1 for i in range(len(own)) if sum(own[: i + 1]) >= own_target), len(own))]
        linking = time.perf_counter()
        ox.serialize(_quads(corpus_triples(plans)), nt, ox.RdfFormat.N_QUADS)
        total = sum(1 for _ in nt.open("rb"))
        print(
            f"  {len(plans)} plans linked and written: {total:,} triples, "
            f"{time.perf_counter() - linking:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        # lineage and succession add triples across plans: aim the plans' own triples once more so the total
        # lands near the target
        if passes > 1 or 0.8 * target <= total <= 1.25 * target:
            break
        own_target = int(target * sum(own[: len(plans)]) / total)
    prepare_s = time.perf_counter() - started
    triples = sum(1 for _ in nt.open("rb"))
    rng = random.Random(seed)
    leads = sorted(
        {a.agency.name for p in plans for t in p.tasks for a in t.attributions if a.role == "leads"}
    )
    county = [p for p in plans if p.level == "county"] or plans
    tasks = [str(iri) for p in county for iri, t in zip(task_iris(p), p.tasks, strict=True) if t.attributions]
    return {
        "plans": len(plans),
        "megabytes": sum((plans_dir / g.file).stat().st_size for g in written[: len(plans)]) / 2**20,
        "triples": triples,
        "nt": str(nt),
        "extract_s": extract_s,
        "prepare_s": prepare_s,
        "agencies": rng.sample(leads, min(20, len(leads))),
        "tasks": rng.sample(tasks, min(20, len(tasks))),
        "words": WORDS,
    }


def queries(params: dict) -> dict[str, list]:
    """Each auditor query as its runs, parameters cycling: SPARQL text, or (canned query, parameters) bound
    in the measured time (ours looks a search's words up in the store's task text table there)."""
    from kg.store import read_canned_query

    def canned(name: str, values: list[dict]) -> list[tuple]:
        query = read_canned_query(ROOT / "queries" / f"{name}.rq")
        return [(query, v) for v in values]

    return {
        "agency_tasks": canned("agency-tasks", [{"agency": a} for a in params["agencies"]]),
        "chain": [CHAIN % t for t in params["tasks"]],
        "leads_per_agency": canned("agencies-by-tasks", [{"role": "leads"}]),
        "overdue": canned("overdue", [{"as_of": "2020-06-30"}]),
        "search": canned("tasks-containing", [{"words": w} for w in params["words"]]),
        # the same, read a page at a time (a "# page:" line: only the page's rows are looked up)
        "leads_per_agency_page": canned("agencies-by-tasks", [{"role": "leads", "limit": "100"}]),
        "search_page": canned("tasks-containing", [{"words": w, "limit": "100"} for w in params["words"]]),
    }


def sparql_of(run, texts=None) -> str:
    """A run's SPARQL: its text, or its canned query with the parameters bound (and `texts` looked up)."""
    from kg.store import bind_parameters

    if isinstance(run, str):
        return run
    query, values = run
    return bind_parameters(query.sparql, query.values(values), texts)


def write_corpus_store(nt: Path, store_dir: Path) -> int:
    """The N-Triples file into a store at `store_dir` by ``kg.store.write_store``, fed rdflib triples read
    lazily from the file as `kg build` feeds it (engine (a), and --write-store); returns the triples stored."""
    import pyoxigraph as ox
    from oxrdflib._converter import from_ox

    from kg.store import write_store

    def triples():
        for q in ox.parse(path=nt, format=ox.RdfFormat.N_TRIPLES):
            yield from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)

    return write_store(store_dir, triples())


# --- one engine, in its own process ------------------------------------------------------------------------


def _peak_mb() -> float:
    """This process's peak resident memory: VmHWM (ru_maxrss would carry the parent's peak across exec)."""
    with suppress(OSError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class QueryTimeout(Exception):
    """A run of rdflib's engine took longer than the budget (pure Python, so SIGALRM can stop it)."""


def _timed_out(signum, frame):
    raise QueryTimeout


def _disk_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def run_engine(engine: str, params: dict, work: Path, repeat: int, budget: float) -> dict:
    import pyoxigraph as ox

    nt = Path(params["nt"])
    store_dir = work / f"store-{engine}"
    started = time.perf_counter()
    if engine == "ours":
        from kg.store import run_query
        from kg.texts import task_texts

        write_corpus_store(nt, store_dir)
        load_s = time.perf_counter() - started
        ours = ox.Store.read_only(str(store_dir))

        def ask(run):  # as `kg query` does: a search's words looked up in the store's task text table
            return sum(1 for _ in run_query(ours, sparql_of(run, task_texts(store_dir))))

    elif engine == "rdflib":
        from rdflib import Graph

        graph = Graph()
        graph.parse(nt, format="nt")
        load_s = time.perf_counter() - started

        def ask(run):
            return sum(1 for _ in graph.query(sparql_of(run)))

    else:
        store = ox.Store(str(store_dir))
        store.bulk_load(path=nt, format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        load_s = time.perf_counter() - started

        def ask(run):
            return sum(1 for _ in store.query(sparql_of(run), use_default_graph_as_union=True))

    disk = _disk_bytes(store_dir) if store_dir.exists() else 0
    if engine == "rdflib":  # the Oxigraph engines cannot be interrupted (STORE-NOTES trap 1); rdflib can
        signal.signal(signal.SIGALRM, _timed_out)
    results = {}
    for name, runs in queries(params).items():
        times, spent, rows = [], 0.0, None
        try:
            for i in range(-1, repeat):  # run -1 is the warm-up, not measured
                if engine == "rdflib":
                    signal.alarm(int(budget) + 1)
                t0 = time.perf_counter()
                found = ask(runs[max(i, 0) % len(runs)])
                elapsed = time.perf_counter() - t0
                signal.alarm(0)
                if i < 0:
                    rows = found
                    continue
                times.append(elapsed)
                spent += elapsed
                if spent > budget and len(times) >= 3:
                    break
        except QueryTimeout:
            results[name] = {"times": [], "rows": None, "timeout": budget}
            continue
        results[name] = {"times": times, "rows": rows}
    peak = _peak_mb()
    return {"load_s": load_s, "disk_bytes": disk, "peak_mb": peak, "queries": results}


# --- report ------------------------------------------------------------------------------------------------


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _ms(value: float) -> str:
    ms = value * 1000
    return f"{ms:,.1f}" if ms < 100 else f"{ms:,.0f}"


def report(size: str, corpus: dict, results: dict[str, dict | str]) -> None:
    print(
        f"\n## ~{size} triples: {corpus['triples']:,} triples from {corpus['plans']} generated plans "
        f"({corpus['megabytes']:.1f} MB of text; extraction {corpus['extract_s']:.0f} s, "
        f"+ linking and N-Triples {corpus['prepare_s'] - corpus['extract_s']:.0f} s)\n"
    )
    print("| engine | load s | triples/s | disk MB | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for engine in ENGINES:
        r = results[engine]
        if isinstance(r, str):
            print(f"| {ENGINE_LABELS[engine]} | {r} | | | |")
            continue
        disk = f"{r['disk_bytes'] / 2**20:,.0f}" if r["disk_bytes"] else "— (memory)"
        rate = corpus["triples"] / r["load_s"]
        print(f"| {ENGINE_LABELS[engine]} | {r['load_s']:.1f} | {rate:,.0f} | {disk} | {r['peak_mb']:,.0f} |")
    print("\nmedian / p95 ms (runs; rows)\n")
    head = [ENGINE_LABELS[e] for e in ENGINES]
    print("| query | " + " | ".join(head) + " | ours/raw median | rdflib/ours median |")
    print("|---|" + "---:|" * (len(head) + 2))
    for name, label in QUERY_LABELS.items():
        cells, medians = [], {}
        for engine in ENGINES:
            r = results[engine]
            if isinstance(r, str):
                cells.append("skipped")
                continue
            q = r["queries"][name]
            if not q["times"]:
                cells.append(f"> {q['timeout']:.0f} s (stopped)")
                continue
            medians[engine] = statistics.median(q["times"])
            cells.append(
                f"{_ms(medians[engine])} / {_ms(_p95(q['times']))} ({len(q['times'])}; {q['rows']:,})"
            )
        ours_raw = (
            f"{medians['ours'] / medians['pyoxigraph']:.2f}×"
            if {"ours", "pyoxigraph"} <= set(medians)
            else "—"
        )
        if {"ours", "rdflib"} <= set(medians):
            rdf_ours = f"{medians['rdflib'] / medians['ours']:.1f}×"
        elif "ours" in medians and not isinstance(results["rdflib"], str):
            rdf_ours = f"> {results['rdflib']['queries'][name]['timeout'] / medians['ours']:.0f}×"
        else:
            rdf_ours = "—"
        print(f"| {label} | " + " | ".join(cells) + f" | {ours_raw} | {rdf_ours} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="100k", help="comma-separated corpus sizes in triples (100k,1M,6M)"
    )
    parser.add_argument("--repeat", type=int, default=20, help="measured runs per query (default 20)")
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds per query and engine (default 60)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help="comma-separated subset of ours,rdflib,pyoxigraph (a re-run)",
    )
    parser.add_argument(
        "--refresh",
        action="store_true",
        help=f"prepare the corpus anew (else reuse {CACHE.relative_to(ROOT)})",
    )
    parser.add_argument(
        "--write-store",
        type=Path,
        metavar="DIR",
        help="also write each size's corpus into the store DIR with kg.store.write_store (for bench/serve.py)",
    )
    parser.add_argument(
        "--prepare-only", action="store_true", help="only prepare (and cache) the corpus of each size"
    )
    parser.add_argument("--engine", choices=ENGINES, help=argparse.SUPPRESS)  # a child process
    parser.add_argument("--params", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.engine:
        params = json.loads(args.params.read_text("utf-8"))
        result = run_engine(args.engine, params, args.work, args.repeat, args.budget)
        print(json.dumps(result))
        return

    total_ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"machine: {os.cpu_count()} CPUs, {total_ram:.0f} GB RAM, Python {sys.version.split()[0]}")
    for size in args.sizes.split(","):
        target = parse_size(size)
        with tempfile.TemporaryDirectory(prefix="lantian-store-bench-") as tmp:
            work = Path(tmp)
            corpus = cached_prepare(target, work, args.seed, args.refresh)
            if args.write_store:
                started = time.perf_counter()
                count = write_corpus_store(Path(corpus["nt"]), args.write_store)
                elapsed = time.perf_counter() - started
                print(f"~{size}: {count:,} triples written to {args.write_store} in {elapsed:.0f} s", flush=True)
            if args.prepare_only:
                print(
                    f"~{size}: {corpus['triples']:,} triples from {corpus['plans']} plans in {corpus['nt']}"
                )
                continue
            params_file = work / "params.json"
            params_file.write_text(json.dumps(corpus, ensure_ascii=False), "utf-8")
            results: dict[str, dict | str] = {}
            for engine in ENGINES:
                if engine not in args.engines.split(","):
                    results[engine] = "not run this time (--engines)"
                    continue
                if engine == "rdflib" and corpus["triples"] > RDFLIB_LIMIT:
                    results[engine] = f"skipped: over {RDFLIB_LIMIT:,} triples one run would exceed 10 min"
                    continue
                child = subprocess.run(
                    [sys.executable, __file__, "--engine", engine, "--params", str(params_file)]
                    + ["--work", str(work), "--repeat", str(args.repeat), "--budget", str(args.budget)],
                    capture_output=True,
                    text=True,
                )
                if child.returncode:
                    results[engine] = f"failed: {child.stderr.strip().splitlines()[-1:]}"
                else:
                    results[engine] = json.loads(child.stdout.strip().splitlines()[-1])
                shutil.rmtree(work / f"store-{engine}", ignore_errors=True)
            report(size, corpus, results)


if __name__ == "__main__":
    main()
