"""Benchmark: time every canned query (queries/*.rq) on a store: median / p95 of N runs, and the rows.

Run from the repository root:

    .venv/bin/python bench/queries.py --store DIR_OR_NT [--repeat 5]
    .venv/bin/python bench/queries.py --store corpus.nt --baseline OLD/queries   # side by side, rows compared

--store is a store folder (a `kg build` store, or any Oxigraph store folder; opened read-only) or an
N-Triples file, bulk-loaded into a temporary store first (deleted at the end). Queries run on raw pyoxigraph
with the union of the graphs as the default graph, as every reader of the store does. Each query is bound
as `kg query` binds it (`kg.store.bind_parameters`): its default parameters, over them the values in
BENCH_PARAMS below (a fixed date instead of today, so runs compare) and any --param; a query declaring
``# search: words ?task`` also gets the candidate tasks from the store's task text table (the store
folder's lantian-task-texts.tsv, or, when there is none, a table read from the graph's lt:text once before
timing). The binding is inside the measured time, as in `kg query`.

Each query runs once unmeasured, then --repeat times; a query stops early once it has spent --budget seconds
(one whose unmeasured run alone took longer is measured by that run only).
With --baseline DIR (another queries folder, e.g. the one of an earlier commit), each query of the same name
there runs interleaved with ours (baseline, ours, baseline, …) and the table shows both, the ratio
baseline/ours, and whether the two give the same multiset of rows ("yes"; "order": the same once the parts of
each concatenated cell are sorted, since GROUP_CONCAT joins its values in the order the evaluation met them).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.store import CannedQuery, bind_parameters, page_parameters, read_canned_query  # noqa: E402
from kg.texts import TaskTexts, task_texts  # noqa: E402

# Values given to every run of a query, over its defaults: a date in the corpora's span instead of today, and
# words that many tasks of the generated national corpus contain.
BENCH_PARAMS: dict[str, dict[str, str]] = {
    "overdue": {"as_of": "2020-06-30"},
    "overdue-lead-gone": {"as_of": "2020-06-30"},
    "task-accountability": {"words": "扬尘"},
}
LT_TEXT = "https://w3id.org/lantian/ontology#text"


def open_store(location: Path, work: Path) -> tuple[ox.Store, Path]:
    """The store at `location` (a folder, opened read-only) or a temporary one bulk-loaded from an .nt file."""
    if location.is_dir():
        return ox.Store.read_only(str(location)), location
    folder = work / "store"
    store = ox.Store(str(folder))
    started = time.perf_counter()
    store.bulk_load(path=str(location), format=ox.RdfFormat.N_TRIPLES)
    store.flush()
    print(f"loaded {location} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return store, folder


def texts_of(store: ox.Store, folder: Path) -> TaskTexts:
    """The task text table of the store folder, or one read from the graph's task texts."""
    table = task_texts(folder)
    if table is not None:
        return table
    found = store.query(
        f"SELECT ?t ?x WHERE {{ ?t <{LT_TEXT}> ?x }}", use_default_graph_as_union=True
    )
    return TaskTexts(list(dict.fromkeys((row[0].value, " ".join(row[1].value.split()).lower()) for row in found)))


def cell(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        suffix = f"@{term.language}" if term.language else f"^^{term.datatype.value}"
        return f'"{term.value}"{suffix}'
    return str(term)


def run(store: ox.Store, query: CannedQuery, values: dict[str, str], texts: TaskTexts | None) -> tuple[float, list]:
    """One run as `kg query` does it (bind, evaluate, read every row): seconds and the rows as tuples."""
    started = time.perf_counter()
    sparql = bind_parameters(query.sparql, query.values(values), texts)
    solutions = store.query(sparql, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    rows = [tuple(cell(row[name]) for name in names) for row in solutions]
    return time.perf_counter() - started, rows


def unordered(rows: list) -> list:
    """The rows with each GROUP_CONCAT-like cell's parts sorted: a concatenation's order is the evaluation's."""
    def parts(value: str) -> str:
        text, _, suffix = value[1:].rpartition('"') if value.startswith('"') else (value, "", "")
        for separator in ("、", "；", " "):
            if separator in text:
                return separator.join(sorted(text.split(separator))) + suffix
        return value
    return sorted(tuple(parts(v) for v in row) for row in rows)


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, type=Path, help="store folder or N-Triples file")
    parser.add_argument("--repeat", type=int, default=5, help="measured runs per query (default 5)")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per query after which it stops")
    parser.add_argument("--queries", type=Path, default=ROOT / "queries", help="folder of .rq files")
    parser.add_argument("--baseline", type=Path, help="another queries folder to run side by side")
    parser.add_argument("--only", help="comma-separated query names (default: all)")
    parser.add_argument("--no-texts", action="store_true",
                        help="no task text table: '# search:' queries scan the task texts (as on a remote server)")
    parser.add_argument("--page", type=int, metavar="N",
                        help="the first page of N rows of each query with a page form ('# page:'; limit=N); "
                             "the others whole, marked 'whole'")
    parser.add_argument("--param", action="append", default=[], metavar="QUERY:NAME=VALUE",
                        help="a parameter value for one query (repeatable)")
    args = parser.parse_args(argv)

    params = {name: dict(given) for name, given in BENCH_PARAMS.items()}
    for item in args.param:
        target, _, pair = item.partition(":")
        name, _, value = pair.partition("=")
        params.setdefault(target, {})[name] = value
    paths = sorted(args.queries.glob("*.rq"))
    if args.only:
        wanted = set(args.only.split(","))
        paths = [p for p in paths if p.stem in wanted]

    work = Path(tempfile.mkdtemp(prefix="lantian-bench-queries-"))
    try:
        store, folder = open_store(args.store, work)
        texts = None if args.no_texts else texts_of(store, folder)
        print(f"store: {args.store} ({len(store):,} quads, {len(texts) if texts else 'no'} task texts); "
              f"{args.repeat} runs per query, best/median/p95 ms", flush=True)
        header = f"{'query':<30} {'rows':>7} {'best':>8} {'median':>8} {'p95':>8}"
        if args.baseline:
            header += f" | {'base rows':>9} {'base best':>9} {'base med':>9} {'base/ours':>9} same"
        print(header)
        for path in paths:
            query = read_canned_query(path)
            values = dict(params.get(query.name, {}))
            paged = args.page is not None and "limit" in page_parameters(query.sparql)
            if paged:
                values["limit"] = str(args.page)
            old_path = args.baseline / path.name if args.baseline else None
            old = read_canned_query(old_path) if old_path and old_path.is_file() else None
            if old is not None and "limit" not in page_parameters(old.sparql):
                old.params = [p for p in old.params if p.name not in ("limit", "offset")]
            variants = [query] + ([old] if old else [])
            times: list[list[float]] = [[] for _ in variants]
            rows: list[list] = [[] for _ in variants]
            done = [False for _ in variants]
            def given(variant, values=values):  # a baseline without a page form: its whole answer
                known = {p.name for p in variant.params}
                return {k: v for k, v in values.items() if k in known}

            for i, variant in enumerate(variants):  # warm-up, unmeasured unless it alone spent the budget
                seconds, rows[i] = run(store, variant, given(variant), texts)
                if seconds > args.budget:
                    times[i].append(seconds)
                    done[i] = True
            spent = 0.0
            for _ in range(args.repeat):
                if all(done):
                    break
                for k in reversed(range(len(variants))):  # the baseline first, then ours
                    if not done[k]:
                        seconds, _ = run(store, variants[k], given(variants[k]), texts)
                        times[k].append(seconds)
                        spent += seconds
                if spent > args.budget:
                    break
            ms = [[1000 * t for t in ts] for ts in times]
            mark = "" if args.page is None else (" page" if paged else " whole")
            line = (f"{query.name + mark:<30} {len(rows[0]):>7,} {min(ms[0]):>8.1f} {statistics.median(ms[0]):>8.1f}"
                    f" {p95(ms[0]):>8.1f}")
            if old:
                same = "yes" if sorted(rows[0]) == sorted(rows[1]) else (
                    "order" if unordered(rows[0]) == unordered(rows[1]) else "NO")
                line += (f" | {len(rows[1]):>9,} {min(ms[1]):>9.1f} {statistics.median(ms[1]):>9.1f}"
                         f" {statistics.median(ms[1]) / statistics.median(ms[0]):>9.2f} {same}")
            print(line, flush=True)
        del store
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
