"""The `kg` command line driven through click's runner (and once as `python -m kg`)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import RDF, Dataset, Literal

from kg.cli import main
from kg.namespaces import LT, mint
from kg.store import count_triples, write_store
from loaders.corpus import bundled_plans_dir

ROOT = Path(__file__).resolve().parent.parent
SMALL_PLAN = """石泉县打赢蓝天保卫战三年行动实施方案

为贯彻落实《国务院关于印发打赢蓝天保卫战三年行动计划的通知》（国发〔2018〕22号）精神，制定本方案。

一、调整优化产业结构

（一）优化产业布局。2019年底前完成城市建成区重污染企业搬迁改造。（县发展改革局牵头，县工业信息化局配合，各镇人民政府负责落实）

（二）严控“两高”行业产能。严格执行钢铁、水泥等行业产能置换实施办法。（县工业信息化局牵头，县生态环境局配合）
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def small_plan(tmp_path) -> Path:
    path = tmp_path / "plans" / "small.txt"
    path.parent.mkdir()
    path.write_text(SMALL_PLAN, encoding="utf-8")
    return path


def test_build_of_the_bundled_corpus_summarises_every_plan(built_corpus):
    for plan_file in sorted(bundled_plans_dir().glob("*.txt")):
        assert plan_file.name in built_corpus.stdout
    for place in ("红河州", "钦州市", "武定县", "官渡区", "朔州市"):
        assert place in built_corpus.stdout
    assert "5 plans" in built_corpus.stdout
    assert f"{count_triples(built_corpus.store)} triples in store" in built_corpus.stdout


def test_summary_counts_match_the_store(built_store):
    result = run(
        "build",
        str(bundled_plans_dir() / "004_c2e20ee12937030d.txt"),
        "--store",
        str(built_store.parent / "one"),
    )
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "004_c2e20ee12937030d.txt" in line)
    counts = [int(cell) for cell in row.replace("│", " ").split() if cell.isdigit()]
    tasks = run(
        "query",
        "SELECT (COUNT(?t) AS ?n) WHERE { ?t a lt:Task }",
        "--format",
        "csv",
        "--store",
        str(built_store.parent / "one"),
    )
    assert int(csv_rows(tasks.stdout)[0]["n"]) == counts[0]


@pytest.mark.parametrize("suffix", [".ttl", ".nt", ".jsonld", ".trig"])
def test_build_out_writes_the_same_graph_as_the_store(tmp_path, small_plan, suffix):
    out, store = tmp_path / f"graph{suffix}", tmp_path / "store"
    result = run("build", str(small_plan), "--out", str(out), "--store", str(store))
    assert result.exit_code == 0, result.output
    graph = Dataset().parse(
        out, format={".jsonld": "json-ld", ".nt": "nt", ".ttl": "turtle", ".trig": "trig"}[suffix]
    )
    assert len(graph) == count_triples(store) > 0  # all in the default graph


def test_build_refuses_an_unknown_out_format_before_touching_the_store(tmp_path, small_plan):
    result = run(
        "build", str(small_plan), "--out", str(tmp_path / "graph.xlsx"), "--store", str(tmp_path / "store")
    )
    assert result.exit_code == 2
    assert ".xlsx" in result.output
    assert not (tmp_path / "store").exists()


def test_store_comes_from_the_environment_when_no_option_is_given(tmp_path, small_plan, monkeypatch):
    monkeypatch.setenv("LANTIAN_STORE", str(tmp_path / "env-store"))
    assert run("build", str(small_plan)).exit_code == 0
    assert count_triples(tmp_path / "env-store") > 0


def test_verbose_build_lists_skipped_paragraphs(tmp_path):
    wuding = bundled_plans_dir() / "002_448f24fbce9855ca.txt"  # its cover page precedes the title
    quiet = run("build", str(wuding), "--store", str(tmp_path / "s"))
    verbose = run("build", str(wuding), "--store", str(tmp_path / "s"), "--verbose")
    assert "skipped [" not in quiet.stdout
    assert "skipped [" in verbose.stdout
    assert "各乡镇人民政府，县级各有关部门" in verbose.stdout


def test_query_formats(built_store):
    sparql = (
        "SELECT ?plan ?title WHERE { ?plan a lt:Plan ; lt:sourceFile ?f ; rdfs:label ?title } ORDER BY ?title"
    )
    as_csv = run("query", sparql, "--format", "csv", "--store", str(built_store))
    as_json = run("query", sparql, "--format", "json", "--store", str(built_store))
    as_table = run("query", sparql, "--store", str(built_store))
    assert as_csv.exit_code == as_json.exit_code == as_table.exit_code == 0
    titles = [row["title"] for row in csv_rows(as_csv.stdout)]
    assert len(titles) == 5 and any("武定县" in t for t in titles)
    data = json.loads(as_json.stdout)
    assert data["head"]["vars"] == ["plan", "title"]
    assert [b["title"]["value"] for b in data["results"]["bindings"]] == titles
    assert "5 row(s)" in as_table.stdout


def test_query_ask_and_construct(built_store):
    ask = run("query", "ASK { ?a lt:leads ?t }", "--store", str(built_store))
    assert ask.stdout.strip() == "true"
    construct = run(
        "query",
        "CONSTRUCT { ?p a lt:Plan } WHERE { ?p a lt:Plan ; lt:sourceFile ?f }",
        "--format",
        "csv",
        "--store",
        str(built_store),
    )
    assert len(construct.stdout.strip().splitlines()) == 5


def test_query_by_canned_name_file_and_parameters(built_store):
    by_name = run(
        "query", "plan-derivation-chain", "-p", "plan=武定县", "--format", "csv", "--store", str(built_store)
    )
    by_file = run(
        "query",
        str(ROOT / "queries" / "plan-derivation-chain.rq"),
        "--format",
        "csv",
        "--store",
        str(built_store),
    )
    assert by_name.exit_code == by_file.exit_code == 0
    assert by_name.stdout == by_file.stdout  # 武定县 is the documented default
    other = run(
        "query",
        "plan-derivation-chain",
        "--param",
        "plan=朔州",
        "--format",
        "csv",
        "--store",
        str(built_store),
    )
    assert {row["docNumber"] for row in csv_rows(other.stdout)} >= {"晋政办发〔2020〕17号"}


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["plan-derivation-chain", "--param", "plan"], 2, "NAME=VALUE"),
        (["plan-derivation-chain", "--param", "nope=1"], 2, "unknown parameter nope"),
        (["SELECT ?x WHERE { ?x ?p ?o }", "--param", "y=1"], 2, "?y"),
        (["missing.rq"], 2, "missing.rq"),
        (["SELECT WHERE"], 1, "query failed"),
        (["SELECT ?x WHERE { ?x ?p ?o }", "--format", "xml"], 2, "xml"),
    ],
)
def test_query_errors_are_clear_and_coded(built_store, args, code, message):
    result = run("query", *args, "--store", str(built_store))
    assert result.exit_code == code
    assert message in result.output


def test_long_sparql_text_is_not_mistaken_for_a_file(built_store):
    sparql = "SELECT ?l WHERE { ?a rdfs:label ?l FILTER(CONTAINS(STR(?l), '%s')) }" % (
        "红河州环境保护局" * 12
    )
    result = run("query", sparql, "--format", "csv", "--store", str(built_store))
    assert (result.exit_code, result.stdout.strip()) == (0, "l")


def test_commands_without_a_store_say_to_build_first(tmp_path):
    for args in (["query", "ASK {}"], ["validate"]):
        result = run(*args, "--store", str(tmp_path / "none"))
        assert result.exit_code == 3
        assert "kg build" in result.stderr


def test_validate_reports_violations_and_fails(tmp_path):
    store = tmp_path / "store"
    task = mint("task", "某方案", "一")
    write_store(store, [(task, RDF.type, LT.Task), (task, LT.text, Literal("无所属计划的任务"))])
    result = run("validate", "--store", str(store))
    assert result.exit_code == 1
    assert "violation" in result.output


def test_validate_the_bundled_corpus(built_store):
    result = run("validate", "--store", str(built_store))
    assert result.exit_code == 0, result.output
    assert "no violations" in result.stdout


def test_serve_rejects_a_bad_port():  # serving itself is tested with a real process in tests/test_serve.py
    result = run("serve", "--port", "70000")
    assert result.exit_code == 2
    assert "--port" in result.stderr


def test_python_dash_m_kg_runs_the_same_command_line(built_store):
    done = subprocess.run(
        [sys.executable, "-m", "kg", "query", "ASK { ?p a lt:Plan }", "--store", str(built_store)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "true")
