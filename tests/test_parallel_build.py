"""`kg build` extracts plans in a pool of processes: the store it writes is the serial build's, quad for quad."""

import json
import shutil
from pathlib import Path

import pyoxigraph as ox

from kg.corpus import build_store, read_digests
from loaders.corpus import bundled_plans_dir, discover


def _quads(store_dir: Path) -> set[ox.Quad]:
    store = ox.Store.read_only(str(store_dir))
    try:
        return set(store.quads_for_pattern(None, None, None, None))
    finally:
        del store


def test_parallel_build_writes_the_serial_builds_quads(tmp_path):
    plans = tmp_path / "plans"
    shutil.copytree(bundled_plans_dir(), plans)
    first = sorted(plans.glob("*.txt"))[0]
    shutil.copy2(first, plans / "zz-same-plan-again.txt")  # one plan in two files: the later one is kept
    (plans / "broken.txt").write_bytes(b"\x00\x01binary\x00" * 50)  # refused, the others load
    files, _ = discover([plans])
    serial = build_store(tmp_path / "serial", files, workers=1)
    parallel = build_store(tmp_path / "parallel", files, workers=2)
    assert parallel.loaded == serial.loaded >= 5
    assert [str(p) for p in parallel.problems] == [str(p) for p in serial.problems] != []
    assert parallel.warnings == serial.warnings != []
    for a, b in zip(parallel.digests, serial.digests, strict=True):
        assert json.loads(a.to_json()) == json.loads(b.to_json())
    quads = _quads(tmp_path / "parallel")
    assert quads == _quads(tmp_path / "serial")
    assert len(quads) == parallel.triples > 1000
    assert (tmp_path / "parallel" / "lantian-task-texts.tsv").read_bytes() == (
        tmp_path / "serial" / "lantian-task-texts.tsv"
    ).read_bytes()


def test_parallel_update_extracts_only_the_changed_plan(tmp_path):
    plans = tmp_path / "plans"
    shutil.copytree(bundled_plans_dir(), plans)
    files, _ = discover([plans])
    build_store(tmp_path / "store", files, workers=2)
    edited = sorted(plans.glob("*.txt"))[1]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    report = build_store(tmp_path / "store", files, workers=2)
    assert (report.loaded, report.reused) == (1, len(files) - 1)
    assert len(read_digests(tmp_path / "store")) == len(files)
