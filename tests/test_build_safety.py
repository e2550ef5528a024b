"""`kg build` against files and moments that used to stall it or lose data: markup nested 50,000 deep, a file
that takes too long, unreadable files and folders, a huge file, a bad byte, hostile sidecars, two builds on one
store, and a build killed in the middle of its swap. Each test reproduces the fault; all run on local files."""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
import sys
import tempfile
import tracemalloc
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import free_port, server_process

from kg.cli import main
from kg.corpus import fingerprint
from kg.store import build_lock, open_graph
from loaders.plan import load_plan
from loaders.reading import PlanInputError, read_plan

PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2  # <linux/prctl.h>, <linux/capability.h>
ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "plans" / "002_448f24fbce9855ca.txt"  # 31 KB of UTF-8
TITLE = "石泉县打赢蓝天保卫战三年行动实施方案"
PLAN = f"""{TITLE}

一、调整优化产业结构

（一）优化产业布局。2019年底前完成城市建成区重污染企业搬迁改造。（县发展改革局牵头，县工业信息化局配合，各镇人民政府负责落实）
"""


def write_plan(path: Path, place: str = "石泉县") -> Path:
    """A one-task plan of `place` (another place: another plan)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PLAN.replace("石泉县", place), encoding="utf-8")
    return path


def build(*args, store: Path):
    return CliRunner().invoke(main, ["build", *map(str, args), "--store", str(store)])


def kg(*args, timeout: float = 120, **options) -> subprocess.CompletedProcess:
    """`python -m kg ARGS` of this tree in its own process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "kg", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, **options)


def stored_files(store: Path) -> set[str]:
    with open_graph(store) as graph:
        return {str(row[0]) for row in graph.query("SELECT ?f WHERE { ?p lt:sourceFile ?f }")}


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


# --- 1. nothing holds the build ------------------------------------------------------------------------


def test_a_page_nested_50000_deep_loads_in_seconds_with_a_warning(tmp_path):
    page = tmp_path / "nested.html"
    body = PLAN.replace("\n", "<br>")
    page.write_text(
        f"<html><body>{'<div>' * 50_000}{body}{'</div>' * 50_000}</body></html>", encoding="utf-8"
    )
    assert page.stat().st_size > 550_000
    result = kg("build", page, "--store", tmp_path / "store", timeout=90)  # it took over 10 minutes
    assert result.returncode == 0, result.stderr
    warning = next(line for line in result.stderr.splitlines() if "levels deep" in line)
    assert str(page) in warning
    assert int(re.search(r"HTML nested (\d+) levels deep", warning)[1]) > 50_000
    assert stored_files(tmp_path / "store") == {"nested.html"}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_over_the_time_limit_is_an_error_and_the_others_load(tmp_path, jobs):
    store = tmp_path / "store"
    assert build(write_plan(tmp_path / "warm-up.txt"), store=store).exit_code == 0  # caches filled
    slow = tmp_path / "slow.txt"
    slow.write_text(SEED.read_text(encoding="utf-8") * 60, encoding="utf-8")  # 1.8 MB: seconds to read
    quick = write_plan(tmp_path / "quick.txt", "汉阴县")
    # in this process (--jobs 1) and in the extraction processes of a parallel build (--jobs 2)
    result = build(slow, quick, "--time-limit", "0.5", "--jobs", jobs, store=store)
    assert result.exit_code == 0, result.output
    assert errors(result.stderr) == [f"error: {slow}: not loaded: reading it took over the limit of 0.5 s"]
    assert stored_files(store) == {"quick.txt"}


# --- 2. an unreadable file is one error ----------------------------------------------------------------


def _permissions_enforced() -> dict:
    """subprocess options under which file permissions hold: none for a user; for root (as in CI), which reads
    files of mode 000, the child drops the capabilities that override them (CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH, from its bounding set, so they stay dropped across exec). Skips when that fails."""
    if os.geteuid() != 0:
        return {}
    libc = ctypes.CDLL(None, use_errno=True)

    def drop_overrides():
        for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
            if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    with tempfile.NamedTemporaryFile() as probe:
        os.chmod(probe.name, 0o000)
        try:
            read = subprocess.run(["cat", probe.name], capture_output=True, preexec_fn=drop_overrides)
        except (OSError, subprocess.SubprocessError) as error:
            pytest.skip(f"cannot drop root's permission overrides (running as root): {error}")
    if read.returncode == 0:
        pytest.skip("root still reads a file of mode 000 after dropping CAP_DAC_OVERRIDE")
    return {"preexec_fn": drop_overrides}


def test_unreadable_plans_sidecars_and_folders_are_each_one_error_and_the_rest_load(tmp_path):
    options = _permissions_enforced()
    plans = tmp_path / "plans"
    write_plan(plans / "a.txt")
    locked = write_plan(plans / "locked.txt", "汉阴县")
    secret_sidecar = write_plan(plans / "b.txt", "宁陕县").with_suffix(".yaml")
    secret_sidecar.write_text("doc_number: 宁政发〔2018〕1号\n", encoding="utf-8")
    sub = plans / "sub"
    write_plan(sub / "c.txt", "紫阳县")
    named = write_plan(tmp_path / "named" / "locked.txt", "岚皋县")
    for path in (locked, secret_sidecar, named):
        path.chmod(0o000)
    sub.chmod(0o000)
    try:
        result = kg("build", plans, named, "--store", tmp_path / "store", **options)
    finally:
        sub.chmod(0o755)  # so that pytest can clear it
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(errors(result.stderr)) == sorted(
        [
            f"error: {named}: cannot be read: Permission denied",
            f"error: {locked}: cannot be read: Permission denied",
            f"error: {secret_sidecar}: cannot be read: Permission denied",
            f"error: {sub}: folder cannot be read: Permission denied",
        ]
    )
    assert stored_files(tmp_path / "store") == {"a.txt"}


# --- 3. a huge file is not read --------------------------------------------------------------------------


def test_a_huge_file_is_refused_without_being_read(tmp_path):
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as file:
        file.truncate(400 * 1024 * 1024)  # sparse: 400 MB on no disk
    tracemalloc.start()
    try:
        stamp = fingerprint(huge)
        with pytest.raises(PlanInputError, match="larger than the limit"):
            read_plan(huge)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(stamp) == 64
    assert peak < 16 * 1024 * 1024  # the whole file, read at once, was 400 MB


# --- 4. a bad byte loses one character, not the plan -----------------------------------------------------


def test_a_bad_byte_in_a_utf8_plan_is_replaced_and_its_offset_told(tmp_path):
    raw = SEED.read_bytes()
    at = raw.index("。".encode(), len(raw) // 2)  # inside a task's text
    damaged = tmp_path / "damaged.txt"
    damaged.write_bytes(raw[:at] + b"\xff" + raw[at:])
    store = tmp_path / "store"
    result = build(damaged, store=store)
    assert result.exit_code == 0, result.output
    assert f"warning: {damaged}: 1 invalid utf-8 sequence(s) replaced by U+FFFD at byte offset(s) {at}" in (
        result.stderr
    )
    plan = load_plan(damaged)
    assert plan.text.count("\ufffd") == 1
    assert len(plan.tasks) == len(load_plan(SEED).tasks)
    assert stored_files(store) == {"damaged.txt"}


# --- 5. sidecars ------------------------------------------------------------------------------------------


def alias_bomb(levels: int) -> str:
    """`title:` holding 9**levels copies of "lol" through nested aliases, in a few hundred bytes."""
    rows = ['  - &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels + 1):
        rows.append(f"  - &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]")
    return "title:\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    "sidecar, field, expected",
    [
        (alias_bomb(4), None, "aliases (*a0) are not accepted"),  # 6,561 "lol"s; 9 levels took 250 s
        ("year: x\n", "year", "a year"),
        ("within: 5\n", "within", "a list of place names"),
        ("title: [1, 2]\n", "title", "a text"),
        ("cites: {a: 1}\n", "cites", "a list of 文号"),
        ("doc_number: 5\n", "doc_number", "a text"),
        ("colour: blue\n", None, "unknown field(s) colour"),
        # a value the build kept and showed nowhere, or failed on naming the plan's file and not the sidecar
        ("year: '²'\n", "year", "a year"),  # ² passes str.isdigit(); int() refuses it
        (f"year: {'9' * 5000}\n", None, "a value cannot be read (Exceeds the limit"),  # YAML's int
        ("date: '2020-13-45'\n", "date", "a date (YYYY-MM-DD)"),
        ("date: '<script>'\n", "date", "a date (YYYY-MM-DD)"),
        ("date: 2020-13-45\n", None, "a value cannot be read (month must be in 1..12)"),  # YAML's date
        ("level: <b>x</b>\n", "level", "one of nation, province, prefecture, county, township"),
        ("year: '20190'\n", "year", "four digits at most"),
    ],
)
def test_a_bad_sidecar_is_one_error_naming_it_and_its_field(tmp_path, sidecar, field, expected):
    plan = write_plan(tmp_path / "plan.txt")
    yaml_file = plan.with_suffix(".yaml")
    yaml_file.write_text(sidecar, encoding="utf-8")
    other = write_plan(tmp_path / "other.txt", "汉阴县")
    result = build(plan, other, store=tmp_path / "store")
    assert result.exit_code == 0, result.output
    [line] = errors(result.stderr)
    assert line.startswith(f"error: {yaml_file}: ")
    assert expected in line
    if field:
        assert f"field '{field}'" in line
    assert stored_files(tmp_path / "store") == {"other.txt"}


def test_a_sidecar_of_the_right_types_still_applies(tmp_path):
    plan = write_plan(tmp_path / "plan.txt")
    plan.with_suffix(".yaml").write_text(
        "year: '2019'\ndate: 2019-05-01\nwithin: 陕西省\ncites: [{title: 某方案, doc_number: 陕政发〔2018〕29号}]\n",
        encoding="utf-8",
    )
    loaded = load_plan(plan)
    assert (loaded.year, loaded.date, loaded.jurisdiction.within.name) == (2019, "2019-05-01", "陕西省")
    assert [c.doc_number for c in loaded.cites] == ["陕政发〔2018〕29号"]


# --- 6. one build at a time -------------------------------------------------------------------------------


def test_two_updates_started_together_keep_both_plans(tmp_path):
    store = tmp_path / "store"
    assert build(write_plan(tmp_path / "a.txt"), store=store).exit_code == 0
    plans = [write_plan(tmp_path / "b.txt", "汉阴县"), write_plan(tmp_path / "c.txt", "宁陕县")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    builds = [
        subprocess.Popen(
            [sys.executable, "-m", "kg", "build", "--update", str(plan), "--store", str(store)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for plan in plans
    ]
    for process in builds:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    assert stored_files(store) == {"a.txt", "b.txt", "c.txt"}  # one of b and c was lost


def test_a_build_refuses_a_store_another_is_building_with_no_wait(tmp_path):
    store = tmp_path / "store"
    plan = write_plan(tmp_path / "a.txt")
    with build_lock(store) as lock:
        result = build(plan, "--no-wait", store=store)
    assert result.exit_code == 1
    assert errors(result.stderr) == [
        f"error: the store {store} is being built by process {os.getpid()} (lock file {lock}); "
        "try again when it is done"
    ]
    assert build(plan, "--no-wait", store=store).exit_code == 0


def test_a_lock_left_by_a_dead_build_is_taken(tmp_path):
    store = tmp_path / "store"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    (tmp_path / ".store.lock").write_text(dead.stdout)
    result = build(write_plan(tmp_path / "a.txt"), "--no-wait", store=store)
    assert result.exit_code == 0, result.output
    assert stored_files(store) == {"a.txt"}


# --- 7. a build killed during its swap ---------------------------------------------------------------------

# `kg build`, killed outright (no handler runs) right after it moved the live store aside, before it moved
# the new one in
KILLED_IN_SWAP = """
import os, sys
from pathlib import Path
rename = Path.rename
def rename_then_die(self, target):
    rename(self, target)
    if ".old-" in Path(target).name:
        os._exit(9)
Path.rename = rename_then_die
from kg.cli import main
main(sys.argv[1:])
"""


@pytest.fixture
def store_left_aside(tmp_path) -> Path:
    """A store holding a.txt, which a build of b.txt moved aside and died before putting the new one in."""
    store = tmp_path / "store"
    assert build(write_plan(tmp_path / "a.txt"), store=store).exit_code == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-c",
        KILLED_IN_SWAP,
        "build",
        "--update",
        str(write_plan(tmp_path / "b.txt", "汉阴县")),
    ]
    killed = subprocess.run(
        [*command, "--store", str(store)], capture_output=True, text=True, env=env, timeout=120
    )
    assert killed.returncode == 9, killed.stderr
    assert not store.exists() and list(tmp_path.glob(".store.old-*"))  # the moment of the fault
    return store


def test_a_build_after_a_crash_in_the_swap_starts_from_the_store_left_aside(store_left_aside, tmp_path):
    result = build(write_plan(tmp_path / "c.txt", "宁陕县"), "--update", store=store_left_aside)
    assert result.exit_code == 0, result.output
    assert "put back the store" in result.stderr
    assert stored_files(store_left_aside) == {"a.txt", "c.txt"}


def test_serve_after_a_crash_in_the_swap_serves_the_store_left_aside(store_left_aside, tmp_path):
    port = free_port()
    args = [sys.executable, "-m", "kg", "serve", "--port", str(port), "--store", str(store_left_aside)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    base = f"http://127.0.0.1:{port}"
    with server_process(args, f"{base}/plans.json", tmp_path / "serve.log", env=env):
        with urllib.request.urlopen(f"{base}/plans.json", timeout=30) as answer:
            plans = answer.read().decode("utf-8")
    assert TITLE in plans
    assert "红河" not in plans  # the bundled plans were built over it
    assert "put back the store" in (tmp_path / "serve.log").read_text()
    assert stored_files(store_left_aside) == {"a.txt"}


def test_serve_does_not_wait_for_a_build_running_on_its_store(tmp_path):
    store = tmp_path / "store"
    assert build(write_plan(tmp_path / "a.txt"), store=store).exit_code == 0
    port = free_port()
    args = [sys.executable, "-m", "kg", "serve", "--port", str(port), "--store", str(store)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with (
        build_lock(store),
        server_process(args, f"http://127.0.0.1:{port}/plans.json", tmp_path / "log", env=env),
    ):
        pass  # it answered while the lock was held
