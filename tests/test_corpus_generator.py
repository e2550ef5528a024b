"""The national-scale corpus generator (bench/corpus.py): deterministic, and its plans load like real ones."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest

from loaders.plan import load_plan

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "bench" / "corpus.py")
corpus = importlib.util.module_from_spec(spec)
sys.modules["bench_corpus"] = corpus
spec.loader.exec_module(corpus)

N = 12


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("national")
    corpus.generate(out, plans=N, seed=11)
    with (out / "manifest.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    plans = {row["adcode"]: load_plan(out / row["file"]) for row in rows}
    return out, rows, plans


def _chain(plan) -> list[str]:
    names, j = [], plan.jurisdiction
    while j:
        names.append(j.name)
        j = j.within
    return names


def test_same_seed_same_bytes(generated, tmp_path):
    out, rows, _ = generated
    corpus.generate(tmp_path, plans=N, seed=11)
    for row in rows:
        assert (tmp_path / row["file"]).read_bytes() == (out / row["file"]).read_bytes()
    assert (tmp_path / "manifest.csv").read_bytes() == (out / "manifest.csv").read_bytes()


def test_other_seed_other_text(generated, tmp_path):
    out, rows, _ = generated
    corpus.generate(tmp_path, plans=N, seed=12)
    assert (tmp_path / "manifest.csv").read_bytes() != (out / "manifest.csv").read_bytes()


def test_the_tree_has_the_real_shape():
    provinces = corpus.jurisdiction_tree()
    prefectures = [c for p in provinces for c in p.children if c.level == "prefecture"]
    counties = [c for p in corpus.ordered_places(provinces) for c in [p] if c.level == "county"]
    assert len(provinces) == 31
    assert 300 <= len(prefectures) <= 360
    assert 2700 <= len(counties) <= 3200
    yunnan = next(p for p in provinces if p.name == "云南省")
    chuxiong = next(c for c in yunnan.children if c.name == "楚雄彝族自治州")
    assert "武定县" in [c.name for c in chuxiong.children]


def test_every_plan_loads_with_its_jurisdiction_and_doc_number(generated):
    _, rows, plans = generated
    assert [row["level"] for row in rows[:2]] == ["province", "prefecture"]
    assert any(row["level"] == "county" for row in rows)
    for row in rows:
        plan = plans[row["adcode"]]
        assert plan.jurisdiction.name == row["name"]
        assert plan.doc_number == row["doc_number"]
        assert plan.title.startswith(row["name"])


def test_county_plans_cite_their_parent_and_sit_within_it(generated):
    _, rows, plans = generated
    by_code = {row["adcode"]: row for row in rows}
    for row in rows:
        parent = by_code.get(row["parent"])
        if row["level"] != "county" or parent is None:
            continue
        plan = plans[row["adcode"]]
        assert parent["doc_number"] in [c.doc_number for c in plan.cites]
        assert parent["name"] in _chain(plan)
        assert _chain(plan)[-1] == "中国"
        assert "国发〔2018〕22号" in [c.doc_number for c in plan.cites]


def test_tasks_and_attributions_are_found(generated):
    _, rows, plans = generated
    for row in rows:
        plan = plans[row["adcode"]]
        assert len(plan.tasks) >= 30, row["file"]
        leads = [a for t in plan.tasks for a in t.attributions if a.role == "leads"]
        assert len(leads) >= 20, row["file"]
        # agencies belong to the plan's own jurisdiction, not the template's
        names = {a.agency.name for t in plan.tasks for a in t.attributions}
        assert any(n.startswith(row["name"]) for n in names)
        assert not any(t in n for n in names for t in ("红河", "钦州", "朔州", "武定", "官渡"))


def test_jurisdictions_are_distinct(generated):
    _, rows, plans = generated
    assert len({p.jurisdiction.name for p in plans.values()}) == len(rows)
    assert len({row["doc_number"] for row in rows}) == len(rows)
