"""Benchmark: build throughput on the bundled corpus repeated to ≥ 20 MB, beside the time to merely read it.

Run from the repository root:  .venv/bin/python bench/build.py [--mb 20]

Copies of data/plans/ go into a temporary folder until they hold the requested size. The script
times (1) decoding the files (bytes → str) and reading them (`read_plan`: decode, strip markup,
clean lines), (2) loading and extracting every plan alone (`load_plans`), then (3) the whole build as `kg build`
does it, first serially (one process, ``-j 1``), then with its extraction processes (one per core, or --jobs; the
quads of the two stores compared) (`kg.corpus.build_store`): each plan loaded, extracted and written into its named graph, then the
cross-plan graph (citations, lineage, succession) and the swap. The copies hold the same plans, so each copy
replaces the previous one's graph (as `kg build` does with two files of one plan): every copy is extracted and
written, and lineage runs over the five distinct plans. It prints MB of plan text per second, triples per second
and the ratio of build time to read time, and beside the wall times the process's CPU times (on a machine shared
with other work, wall time also counts the waits for a core). Goal: ≥ 1 MB/s for the build.

Then the reading speed of each published format (`--formats`, default docx,pdf; doc needs LibreOffice): the same
plans written as .docx by python-docx and printed to PDF (or saved as .doc) by LibreOffice headless, as the tests
make them (tests/formats.py), in as many copies as the .txt corpus, read with `read_plan`. It prints MB/s of source
(the files' bytes: a PDF carries its fonts) and of plan text (the .txt bytes the same plans hold) beside the .txt
figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyoxigraph as ox  # noqa: E402

from kg.corpus import build_store, default_workers  # noqa: E402
from loaders.corpus import bundled_plans_dir, discover, load_plans  # noqa: E402
from loaders.reading import read_plan  # noqa: E402

GOAL_MB_PER_S = 1.0


def make_corpus(folder: Path, megabytes: float) -> list[Path]:
    """Copy the bundled plans into `folder` (copy-001/, copy-002/, …) until they hold `megabytes`."""
    originals, _ = discover([bundled_plans_dir()])
    total, copies = 0, 0
    while total < megabytes * 1024 * 1024:
        copies += 1
        target = folder / f"copy-{copies:03d}"
        target.mkdir(parents=True)
        for original in originals:
            shutil.copy2(original, target / original.name)
            total += original.stat().st_size
    files, _ = discover([folder])
    return files


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (a build's extraction processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(step):
    """(value, wall seconds, CPU seconds of this process and its extraction processes) of running `step`."""
    start, cpu = time.perf_counter(), _cpu()
    value = step()
    return value, time.perf_counter() - start, _cpu() - cpu


def _quads(store_dir: Path) -> set:
    store = ox.Store.read_only(str(store_dir))
    try:
        return set(store.quads_for_pattern(None, None, None, None))
    finally:
        del store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mb", type=float, default=20.0, help="size of the repeated corpus in MB (default 20)"
    )
    parser.add_argument(
        "--formats",
        default="docx,pdf",
        help="published formats to time read_plan on (docx,pdf,doc; '' for none)",
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="extraction processes of the parallel build (default: one per core)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lantian-bench-") as tmp:
        tmp = Path(tmp)
        files = make_corpus(tmp / "plans", args.mb)
        megabytes = sum(f.stat().st_size for f in files) / 1024 / 1024
        print(f"corpus: {len(files)} files, {megabytes:.1f} MB (the bundled plans repeated)")

        _, decode_s, decode_cpu = timed(
            lambda: [f.read_bytes().decode("utf-8", errors="replace") for f in files]
        )
        _, read_s, read_cpu = timed(lambda: [read_plan(f) for f in files])
        (plans, problems), load_s, load_cpu = timed(lambda: load_plans([tmp / "plans"]))
        assert not problems, problems
        del plans
        written = []

        def on_plan(path, digest, problem):
            assert problem is None, problem
            written.append(digest.summary["triples"])

        serial, serial_s, serial_cpu = timed(lambda: build_store(tmp / "serial", files, workers=1))
        report, build_s, build_cpu = timed(
            lambda: build_store(tmp / "store", files, on_plan=on_plan, workers=args.jobs)
        )
        produced, stored = sum(written), report.triples
        identical = _quads(tmp / "serial") == _quads(tmp / "store") and serial.triples == stored
        formats = [f for f in args.formats.split(",") if f]
        by_format = read_formats(tmp / "formats", formats, len(files), read_s, megabytes) if formats else []

    rows = [
        ("decode bytes → str", decode_s, decode_cpu),
        ("read_plan (decode, strip, clean)", read_s, read_cpu),
        ("load + extract alone (load_plans)", load_s, load_cpu),
        ("build, serial (kg build -j 1)", serial_s, serial_cpu),
        (f"build total (kg build, {args.jobs or default_workers()} processes)", build_s, build_cpu),
    ]
    print(f"{'':34s} {'wall':>8s}    {'MB/s':>8s}   {'CPU':>8s}    {'MB/CPU-s':>8s}")
    for name, seconds, cpu in rows:
        print(
            f"{name:34s} {seconds:8.2f} s  {megabytes / max(seconds, 1e-6):8.2f}   {cpu:8.2f} s  "
            f"{megabytes / max(cpu, 1e-6):8.2f}"  # decoding can take less than the CPU clock's tick
        )
    print(f"triples: {produced} written to plan graphs, {stored} in the store (copies replace each other)")
    print(f"build: {megabytes / build_s:.2f} MB/s, {produced / build_s:,.0f} triples/s")
    print(
        f"parallel / serial: {serial_s / build_s:.2f}× the MB/s of the serial build "
        f"({megabytes / serial_s:.2f} MB/s); the same quads: {'yes' if identical else 'NO'}"
    )
    print(f"ratio build / read_plan: {build_s / read_s:.1f}×; build / decode: {build_s / decode_s:.0f}×")
    print(
        f"CPU time: {megabytes / build_cpu:.2f} MB per CPU-second (wall time counts waits on a shared machine)"
    )
    verdict = "meets" if megabytes / build_s >= GOAL_MB_PER_S else "MISSES"
    print(f"{verdict} the goal of {GOAL_MB_PER_S} MB/s")
    if by_format:
        print(
            f"\nread_plan by format    {'files':>6s} {'source MB':>10s} {'wall':>8s}   {'source MB/s':>11s} {'text MB/s':>9s}"
        )
        for fmt, n, source_mb, text_mb, seconds in by_format:
            print(
                f"{fmt:22s} {n:6d} {source_mb:10.1f} {seconds:8.2f} s {source_mb / seconds:11.2f} "
                f"{text_mb / seconds:9.2f}"
            )


def read_formats(folder: Path, formats: list[str], n_files: int, txt_s: float, txt_mb: float) -> list[tuple]:
    """(format, files, source MB, plan-text MB, read_plan seconds) for .txt and each published format."""
    from tests.formats import convert, write_docx

    originals, _ = discover([bundled_plans_dir()])
    copies = n_files // len(originals)
    made = folder / "made"
    made.mkdir(parents=True)
    docx = [write_docx(p.read_text(encoding="utf-8"), made / f"{p.stem}.docx") for p in originals]
    text_mb = sum(p.stat().st_size for p in originals) * copies / 1024 / 1024
    rows = [("txt", copies * len(originals), txt_mb, txt_mb, txt_s)]
    for fmt in formats:
        sources = docx if fmt == "docx" else convert(docx, fmt, made / fmt)
        files = []
        for n in range(copies):
            target = folder / fmt / f"copy-{n:03d}"
            target.mkdir(parents=True)
            files += [Path(shutil.copy2(s, target / s.name)) for s in sources]
        _, seconds, _ = timed(lambda files=files: [read_plan(f) for f in files])
        source_mb = sum(f.stat().st_size for f in files) / 1024 / 1024
        rows.append((fmt, len(files), source_mb, text_mb, seconds))
    return rows


if __name__ == "__main__":
    main()
