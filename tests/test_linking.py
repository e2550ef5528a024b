"""Task lineage: counterparts across plans, derivation to a loaded upper plan, calibration on hand-checked pairs."""

import csv
from pathlib import Path

import pytest

from kg.build import task_iris
from kg.linking import THRESHOLD, containment, link_tasks, shingles
from kg.namespaces import LT
from loaders.plan import load_plan, unify_citations

PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"
PAIRS = Path(__file__).resolve().parent / "data" / "linking" / "pairs.csv"


@pytest.fixture(scope="module")
def corpus():
    plans = [load_plan(p) for p in sorted(PLANS.glob("*.txt"))]
    unify_citations(plans)
    tasks = {}
    for plan in plans:
        for iri, task in zip(task_iris(plan), plan.tasks, strict=True):
            tasks[iri] = (plan, task)
    return plans, tasks, link_tasks(plans)


def find(tasks, source_file, starts):
    found = [
        iri for iri, (p, t) in tasks.items() if p.source_file == source_file and t.text.startswith(starts)
    ]
    assert len(found) == 1, (source_file, starts, len(found))
    return found[0]


def test_small_boiler_phase_out_is_a_counterpart_in_honghe_and_wuding(corpus):
    plans, tasks, links = corpus
    # both plans implement 云政发〔2018〕44号; each states 燃煤小锅炉淘汰 with its own deadline
    pairs = {
        (tasks[link.source][0].source_file[:3], tasks[link.target][0].source_file[:3]): link for link in links
    }
    boiler = [
        link
        for link in links
        if link.relation == LT.counterpartOf
        and {tasks[link.source][0].source_file[:3], tasks[link.target][0].source_file[:3]} == {"000", "002"}
        and all("燃煤小锅炉" in tasks[x][1].text for x in (link.source, link.target))
    ]
    assert len(boiler) == 1, pairs.keys()
    deadlines = {
        tasks[x][0].source_file[:3]: [d.due_date for d in tasks[x][1].deadlines]
        for x in (boiler[0].source, boiler[0].target)
    }
    assert deadlines["000"] == ["2018-12-31", "2020-12-31"]  # 2018年底前 (蒙自市), 2020年底前
    assert deadlines["002"] == ["2020-12-31"]


def test_precision_on_hand_checked_pairs(corpus):
    """Pairs sampled from candidate links and judged by reading both texts (same measure or not)."""
    plans, tasks, links = corpus
    linked = {frozenset((link.source, link.target)) for link in links}
    with PAIRS.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    judged = [
        (
            frozenset(
                (find(tasks, r["plan_a"], r["task_a_starts"]), find(tasks, r["plan_b"], r["task_b_starts"]))
            ),
            r["same_measure"] == "1",
        )
        for r in rows
    ]
    predicted = [same for pair, same in judged if pair in linked]
    precision = sum(predicted) / len(predicted)
    recall = sum(predicted) / sum(same for _, same in judged)
    print(
        f"threshold {THRESHOLD}: precision {precision:.2f} on {len(predicted)} linked pairs, recall {recall:.2f}"
    )
    assert len(predicted) >= 10
    assert precision >= 0.9


def test_derives_from_a_loaded_upper_plan(tmp_path):
    upper = tmp_path / "upper.txt"
    upper.write_text(
        "某某省打赢蓝天保卫战三年行动实施方案\n\n一、重点任务\n\n"
        "（一）加大燃煤小锅炉淘汰力度。县级及以上城市建成区基本淘汰每小时10蒸吨及以下燃煤锅炉及茶水炉、经营性炉灶。（省生态环境厅牵头）\n\n"
        "（二）开展秸秆综合利用。全面加强秸秆禁烧管控，提高秸秆综合利用率。（省农业农村厅牵头）\n",
        encoding="utf-8",
    )
    lower = tmp_path / "lower.txt"
    lower.write_text(
        "某某县打赢蓝天保卫战三年行动工作方案\n\n为贯彻落实《某某省打赢蓝天保卫战三年行动实施方案》（某政发〔2018〕9号），制定本方案。\n\n一、工作任务\n\n"
        "1. 加大燃煤小锅炉淘汰力度。县城建成区基本淘汰每小时10蒸吨及以下燃煤锅炉及茶水炉、经营性炉灶，2019年底前完成。（县生态环境局牵头）\n",
        encoding="utf-8",
    )
    (tmp_path / "upper.yaml").write_text("doc_number: 某政发〔2018〕9号\n", encoding="utf-8")
    plans = [load_plan(upper), load_plan(lower)]
    unify_citations(plans)
    links = link_tasks(plans)
    assert len(links) == 1
    (link,) = links
    assert link.relation == LT.derivesFrom
    assert str(link.source).startswith("https://w3id.org/lantian/id/task/某某县")
    assert "(一)" in str(link.target)


def test_containment_is_the_share_of_the_first_found_in_the_second():
    a = shingles("加大燃煤小锅炉淘汰力度（市生态环境局牵头）")
    b = shingles("加大燃煤小锅炉淘汰力度，基本淘汰10蒸吨及以下燃煤锅炉")
    assert containment(a, b) == 1.0  # the attribution and digits do not count
    assert 0 < containment(b, a) < 1
