"""Benchmark: task-linking time against corpus size, the bundled plans repeated ×1, ×10, ×100 as distinct plans.

Run from the repository root:  .venv/bin/python bench/link.py [--max-copies 100] [--budget 900] [--seed 0]

The five bundled plans are loaded once. Copy 1 is them as they are; copy n ≥ 2 is a deep copy of every Plan
record with its own jurisdiction (红河州 → 红河州2, and so in title, 文号, source file and task texts), so every
copy has its own plan keys and task IRIs, and with a few characters of each task text changed (deterministic
given --seed), so copies are near-identical but not identical. `kg.linking.link_tasks` then runs on copies
1..n and the script prints, per size: plans, tasks, links found, seconds, the ratio to the ×1 time and that
ratio divided by the number of copies (≈ constant: linear; growing with the copies: quadratic), the time per
link, and the candidates the MinHash LSH Ensemble index returned. A second table splits the time into phases.

Near-identical copies make the *output* quadratic: every task has a counterpart in each other copy, so links
and candidates grow with copies². A second corpus separates that from the index: copy n ≥ 2 is the same
plans enciphered (one fixed permutation of Chinese characters per copy, the attribution words kept), so
tasks within a copy still match each other exactly as in the bundled plans, but no copy shares a 5-gram with
another: links grow linearly and the time shows what the index itself costs as the corpus grows.

Bounded in time: a size whose time, extrapolated quadratically from the previous size, would exceed
--budget seconds is skipped, and the script says so.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import sys
import time
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import kg.linking as linking  # noqa: E402
from loaders.corpus import load_plans  # noqa: E402
from loaders.records import Jurisdiction, Plan  # noqa: E402

REPEATS = 3  # sizes that take under 10 s are run this many times, the fastest kept
VARIED_CHARS = 3  # characters changed in each task text of copies 2..n
KEPT_WORDS = (
    "牵头参与配合协助负责落实责任单位部门按照职"  # what kg.linking strips as an attribution: never enciphered
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


# ------------------------------------------------------------------------------------------ the copies


def _own_places(plan: Plan) -> list[str]:
    """The names this plan's copies rename: its jurisdiction and the areas its agencies belong to (蒙自市)."""
    names = [plan.jurisdiction.name] if plan.jurisdiction else []
    names += [place.name for place in plan.places]
    return sorted({n for n in names if n}, key=len, reverse=True)


def _renamer(names: list[str], n: int) -> Callable[[str], str]:
    if not names:
        return lambda text: text
    pattern = re.compile("|".join(map(re.escape, names)))
    return lambda text: pattern.sub(lambda m: f"{m[0]}{n}", text)


def _vary(text: str, rng: random.Random, alphabet: str) -> str:
    """`text` with VARIED_CHARS of its Chinese characters replaced by others (same length)."""
    positions = [m.start() for m in _CJK.finditer(text)]
    chars = list(text)
    for pos in rng.sample(positions, min(VARIED_CHARS, len(positions))):
        chars[pos] = rng.choice(alphabet)
    return "".join(chars)


def _cipher(alphabet: str, rng: random.Random) -> dict[int, str]:
    """One permutation of the alphabet (attribution words fixed), as a str.translate table."""
    free = [c for c in alphabet if c not in KEPT_WORDS]
    shuffled = free[:]
    rng.shuffle(shuffled)
    return {ord(a): b for a, b in zip(free, shuffled, strict=True)}


def _rename_jurisdiction(jurisdiction: Jurisdiction | None, rename: Callable[[str], str]) -> None:
    if jurisdiction is not None:
        jurisdiction.name = rename(jurisdiction.name)  # the areas above it keep their names (云南省)


def copy_plan(plan: Plan, n: int, seed: int, alphabet: str, cipher: dict[int, str] | None = None) -> Plan:
    """Copy `n` of `plan` as a distinct plan: renamed places, title, 文号, source file; varied (or enciphered) tasks."""
    copy = deepcopy(plan)
    rename = _renamer(_own_places(plan), n)
    copy.source_file = f"copy-{n:03d}/{plan.source_file}"
    copy.title = rename(plan.title)
    if copy.title == plan.title:
        copy.title = f"{plan.title}（{n}）"
    copy.doc_number = plan.doc_number.replace("号", f"-{n}号") if plan.doc_number else ""
    copy.text = rename(plan.text)
    _rename_jurisdiction(copy.jurisdiction, rename)
    for place in copy.places:
        place.name = rename(place.name)
    for i, task in enumerate(copy.tasks):
        text = rename(task.text)
        if cipher is not None:
            text = text.translate(cipher)
        else:
            text = _vary(text, random.Random(f"{seed}/{n}/{plan.source_file}/{i}"), alphabet)
        task.text = text
        for attribution in task.attributions:
            attribution.agency.name = rename(attribution.agency.name)
            attribution.agency.jurisdiction = rename(attribution.agency.jurisdiction)
            attribution.agency.jurisdiction_key = rename(attribution.agency.jurisdiction_key)
    return copy


def corpus_alphabet(plans: list[Plan]) -> str:
    """Every Chinese character of the plans' tasks, in a stable order."""
    return "".join(sorted({c for plan in plans for task in plan.tasks for c in _CJK.findall(task.text)}))


def repeated_corpus(plans: list[Plan], copies: int, seed: int = 0, distinct: bool = False) -> list[Plan]:
    """The plans as they are (copy 1), then copies 2..`copies`; `distinct` enciphers each copy's task texts."""
    alphabet = corpus_alphabet(plans)
    out = list(plans)
    for n in range(2, copies + 1):
        cipher = _cipher(alphabet, random.Random(f"{seed}/cipher/{n}")) if distinct else None
        out += [copy_plan(plan, n, seed, alphabet, cipher) for plan in plans]
    return out


# ------------------------------------------------------------------------------------------ measuring


@dataclass
class Phases:
    """Where link_tasks spent its time, measured by wrapping what kg.linking calls (kg.linking is not changed)."""

    shingles: float = 0.0
    minhash: float = 0.0
    index: float = 0.0
    query: float = 0.0
    candidates: int = 0
    scored: int = 0
    extra: dict = field(default_factory=dict)


def _instrument(phases: Phases) -> Callable[[], None]:
    """Patch kg.linking's names with timing wrappers; returns the function that restores them."""
    originals = {
        name: getattr(linking, name) for name in ("shingles", "containment", "MinHash", "MinHashLSHEnsemble")
    }
    shingles, containment = originals["shingles"], originals["containment"]

    def timed_shingles(text):
        start = time.perf_counter()
        grams = shingles(text)
        phases.shingles += time.perf_counter() - start
        return grams

    def counted_containment(part, whole):
        phases.scored += 1
        return containment(part, whole)

    class TimedMinHash(originals["MinHash"]):
        @classmethod
        def bulk(cls, b, **kwargs):
            start = time.perf_counter()
            hashes = originals["MinHash"].bulk(b, **kwargs)
            phases.minhash += time.perf_counter() - start
            return hashes

    class TimedEnsemble(originals["MinHashLSHEnsemble"]):
        def index(self, entries):
            start = time.perf_counter()
            super().index(entries)
            phases.index += time.perf_counter() - start

        def query(self, minhash, size):
            start = time.perf_counter()
            keys = list(super().query(minhash, size))
            phases.query += time.perf_counter() - start
            phases.candidates += len(keys)
            return keys

    linking.shingles = timed_shingles
    linking.containment = counted_containment
    linking.MinHash = TimedMinHash
    linking.MinHashLSHEnsemble = TimedEnsemble

    def restore() -> None:
        for name, value in originals.items():
            setattr(linking, name, value)

    return restore


@dataclass
class Run:
    copies: int
    plans: int
    tasks: int
    links: int
    seconds: float
    phases: Phases


def measure(plans: list[Plan], copies: int) -> Run:
    """link_tasks on `plans`, timed, with a cold shingle cache; the fastest of up to REPEATS runs under 10 s."""
    runs = [_measure_once(plans, copies)]
    while len(runs) < REPEATS and runs[-1].seconds < 10:
        runs.append(_measure_once(plans, copies))
    return min(runs, key=lambda run: run.seconds)


def _measure_once(plans: list[Plan], copies: int) -> Run:
    linking.shingles.cache_clear()
    phases = Phases()
    restore = _instrument(phases)
    try:
        start = time.perf_counter()
        links = linking.link_tasks(plans)
        seconds = time.perf_counter() - start
    finally:
        restore()
    return Run(copies, len(plans), sum(len(p.tasks) for p in plans), len(links), seconds, phases)


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (
        f"{platform.processor() or platform.machine()}, nproc {os.cpu_count()}, RAM {memory:.0f} GB, "
        f"Python {platform.python_version()}"
    )


def print_tables(title: str, runs: list[Run], skipped: list[int]) -> None:
    print(f"\n## {title}\n")
    base = runs[0]
    print(
        "| copies | plans | tasks | links found | seconds | ratio to ×1 | ratio / copies | µs per link |"
        " candidates | candidates / task |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        ratio = run.seconds / base.seconds
        per_link = 1e6 * run.seconds / run.links if run.links else float("nan")
        print(
            f"| {run.copies} | {run.plans} | {run.tasks:,} | {run.links:,} | {run.seconds:.2f} | {ratio:.1f} |"
            f" {ratio / run.copies:.2f} | {per_link:.1f} | {run.phases.candidates:,} |"
            f" {run.phases.candidates / run.tasks:.1f} |"
        )
    for copies in skipped:
        print(f"| {copies} | skipped: extrapolated time over the budget (--budget) | | | | | | | | |")
    print(
        "\nPhases (seconds; µs per task in brackets). index = MinHash.bulk + building the LSH Ensemble;"
        " query = the index's candidate look-ups; score + links = exact containment of each candidate,"
        " best per other plan, link records.\n"
    )
    print("| copies | shingles | minhash | index | query | score + links | candidates scored |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        p = run.phases
        rest = run.seconds - p.shingles - p.minhash - p.index - p.query

        def cell(seconds: float, run: Run = run) -> str:
            return f"{seconds:.2f} ({1e6 * seconds / run.tasks:.0f})"

        print(
            f"| {run.copies} | {cell(p.shingles)} | {cell(p.minhash)} | {cell(p.index)} | {cell(p.query)} |"
            f" {cell(rest)} | {p.scored:,} |"
        )


def scaling(plans: list[Plan], sizes: list[int], seed: int, distinct: bool, budget: float):
    runs: list[Run] = []
    skipped: list[int] = []
    for copies in sizes:
        if runs and runs[-1].seconds * (copies / runs[-1].copies) ** 2 > budget:
            skipped.append(copies)
            print(f"  ×{copies}: skipped, quadratic extrapolation over the {budget:.0f} s budget", flush=True)
            continue
        corpus = repeated_corpus(plans, copies, seed, distinct)
        run = measure(corpus, copies)
        print(f"  ×{copies}: {run.links:,} links in {run.seconds:.2f} s", flush=True)
        runs.append(run)
    return runs, skipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-copies", type=int, default=100, help="largest corpus, in copies (default 100)")
    parser.add_argument("--budget", type=float, default=900.0, help="seconds one size may take (default 900)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the varied characters (default 0)")
    args = parser.parse_args()
    sizes = [n for n in (1, 10, 100, 1000) if n < args.max_copies] + [args.max_copies]

    plans, problems = load_plans([])
    assert plans and not problems, problems
    print(f"machine: {machine()}")
    print(f"bundled corpus: {len(plans)} plans, {sum(len(p.tasks) for p in plans)} tasks; sizes ×{sizes}")
    print("renamed near-identical copies:", flush=True)
    renamed = scaling(plans, sizes, args.seed, distinct=False, budget=args.budget)
    print("enciphered copies (no reuse between copies):", flush=True)
    distinct = scaling(plans, sizes, args.seed, distinct=True, budget=args.budget)
    print_tables(
        f"Renamed copies, {VARIED_CHARS} characters of each task varied (every task recurs in every copy)",
        *renamed,
    )
    print_tables("Enciphered copies (tasks match only within their own copy)", *distinct)


if __name__ == "__main__":
    main()
