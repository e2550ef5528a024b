"""`kg build` on bad input: each bad path gets a message naming it and its problem, the rest still load.

Exit status (README): 0 when at least one plan loaded, 1 when none could be, 2 for a usage error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.store import open_graph

GOOD_PLAN = """石泉县打赢蓝天保卫战三年行动实施方案

一、调整优化产业结构

（一）优化产业布局。2019年底前完成城市建成区重污染企业搬迁改造。（县发展改革局牵头，县工业信息化局配合，各镇人民政府负责落实）
"""

NO_ATTRIBUTIONS = """石泉县大气污染防治工作方案

一、调整优化产业结构

（一）优化产业布局。2019年底前完成城市建成区重污染企业搬迁改造。

（二）严控“两高”行业产能。严格执行钢铁、水泥等行业产能置换实施办法。
"""


def write_bad_inputs(folder: Path) -> dict[str, tuple[Path, str]]:
    """Each bad input, and a word its error message must contain."""
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / "empty.txt"
    empty.write_bytes(b"")
    binary = folder / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 64)
    russian = folder / "koi8.txt"  # KOI8-R Russian: neither UTF-8 nor GB18030/Big5 Chinese
    russian.write_bytes("Съешь же ещё этих мягких французских булок, да выпей чаю. ".encode("koi8-r") * 50)
    huge = folder / "huge.txt"
    with huge.open("wb") as out:
        out.write(("打赢蓝天保卫战。" * 4096).encode("utf-8") * 544)  # 51 MiB of plain Chinese text
    no_plans = folder / "no-plans"
    no_plans.mkdir()
    (no_plans / "plan.yaml").write_text("title: 某方案\n", encoding="utf-8")
    return {
        "empty": (empty, "empty"),
        "binary": (binary, "binary"),
        "encoding": (russian, "encoding"),
        "huge": (huge, "MB"),
        "missing": (folder / "missing.txt", "no such file"),
        "no plans": (no_plans, "no plan files"),
    }


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    return write_bad_inputs(tmp_path_factory.mktemp("bad"))


@pytest.fixture
def good_plan(tmp_path) -> Path:
    path = tmp_path / "good.txt"
    path.write_text(GOOD_PLAN, encoding="utf-8")
    return path


def build(*paths: Path, store: Path):
    return CliRunner().invoke(main, ["build", *map(str, paths), "--store", str(store)])


def test_the_huge_file_is_really_50_mb(bad_inputs):
    assert bad_inputs["huge"][0].stat().st_size >= 50 * 1024 * 1024


@pytest.mark.parametrize("case", ["empty", "binary", "encoding", "huge", "missing", "no plans"])
def test_each_bad_path_is_named_with_its_problem_and_the_good_plan_still_loads(
    bad_inputs, good_plan, tmp_path, case
):
    bad, word = bad_inputs[case]
    result = build(bad, good_plan, store=tmp_path / "store")
    assert result.exit_code == 0, result.output
    error_line = next(line for line in result.stderr.splitlines() if line.startswith("error:"))
    assert str(bad) in error_line
    assert word in error_line
    assert "good.txt" in result.stdout
    with open_graph(tmp_path / "store") as graph:
        files = {str(row[0]) for row in graph.query("SELECT ?f WHERE { ?p lt:sourceFile ?f }")}
    assert files == {"good.txt"}


def test_all_bad_paths_together_fail_with_status_1_and_leave_the_store_alone(bad_inputs, good_plan, tmp_path):
    store = tmp_path / "store"
    assert build(good_plan, store=store).exit_code == 0
    result = build(*(path for path, _ in bad_inputs.values()), store=store)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    for path, _ in bad_inputs.values():
        assert any(str(path) in line for line in errors), path
    assert "no plan could be loaded" in result.stderr
    with open_graph(store) as graph:
        assert bool(graph.query("ASK { ?p lt:sourceFile ?f }").askAnswer)


def test_a_plan_naming_no_agency_loads_with_a_warning(good_plan, tmp_path):
    plan = tmp_path / "no-attributions.txt"
    plan.write_text(NO_ATTRIBUTIONS, encoding="utf-8")
    result = build(plan, good_plan, store=tmp_path / "store")
    assert result.exit_code == 0, result.output
    warning = next(line for line in result.stderr.splitlines() if line.startswith("warning:"))
    assert str(plan) in warning
    row = next(line for line in result.stdout.splitlines() if "no-attributions.txt" in line)
    counts = [int(cell) for cell in row.replace("│", " ").split() if cell.isdigit()]
    assert counts[2] == 0  # no role assignments
    assert counts[-1] >= 1  # warnings


def test_a_non_plan_file_named_explicitly_is_refused(good_plan, tmp_path):
    slides = tmp_path / "tasks.pptx"  # (a workbook is a plan file: tests/test_spreadsheets.py)
    slides.write_bytes(b"PK\x03\x04")
    result = build(slides, good_plan, store=tmp_path / "store")
    assert result.exit_code == 0
    assert f"error: {slides}: not a plan file" in result.stderr


def test_usage_errors_exit_2(tmp_path, good_plan):
    assert CliRunner().invoke(main, ["build", "--no-such-option"]).exit_code == 2
    result = CliRunner().invoke(main, ["build", str(good_plan), "--out", str(tmp_path / "g.pdf")])
    assert result.exit_code == 2
