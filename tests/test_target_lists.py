"""Targets stated together ("二氧化硫、氮氧化物排放总量分别比2015年下降1%"): one phrase, one target per listed
indicator, and every one of them reaches the plan's graph with that phrase as its evidence span.

Checked through `kg build` into a real store, on a plan written for this test and on the bundled 红河州 plan.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
from loaders.plan import load_plan

PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"
HONGHE = "000_5822e95add7dc7fd.txt"  # 红河州's plan

# fictional, shaped like the family: plan-level goals, then attributed tasks that state targets in lists
ZUNYI = """\
遵义市打赢蓝天保卫战三年行动计划

为打赢蓝天保卫战，根据《贵州省人民政府关于印发贵州省打赢蓝天保卫战三年行动计划的通知》（黔府发〔2018〕26号）精神，制定本计划。

一、总体目标

到2020年，全市二氧化硫、氮氧化物、挥发性有机物排放总量分别比2015年下降3%、5%、2%；全市空气质量优良天数比例保持95%以上。

二、主要任务

（一）强化工业污染治理

1. 推进重点行业减排。2020年底前，全市二氧化硫、氮氧化物排放量分别比2017年下降10%、8%。（市生态环境局牵头，市发展改革委、市工业和信息化局参与）

2. 加强应急减排。修订重污染天气应急预案，黄色、橙色、红色级别减排比例分别不低于10%、20%、30%。（市生态环境局牵头，各县（市、区）人民政府负责落实）
"""

TARGETS = """PREFIX lt: <https://w3id.org/lantian/ontology#>
SELECT ?owner ?section ?indicator ?comparator ?value ?unit ?year ?baseline ?start ?end WHERE {
  ?plan lt:sourceFile ?file .
  { ?plan lt:hasTarget ?target . BIND(?plan AS ?owner) }
  UNION { ?owner lt:inPlan ?plan ; lt:section ?section ; lt:hasTarget ?target }
  ?target lt:indicator ?indicator ; lt:comparator ?comparator ; lt:value ?value ;
          lt:sourceStart ?start ; lt:sourceEnd ?end .
  OPTIONAL { ?target lt:unit ?unit } OPTIONAL { ?target lt:year ?year }
  OPTIONAL { ?target lt:baselineYear ?baseline }
}"""
COLUMNS = ("section", "indicator", "comparator", "value", "unit", "year", "baseline", "start", "end")


def targets_in_graph(store: Path, source_file: str, text: str) -> list[tuple]:
    """(section or "plan", indicator, comparator, value, unit, year, baseline year, the text at its span)."""
    db = ox.Store.read_only(str(store))
    query = TARGETS.replace("?file .", f"{ox.Literal(source_file)} .")
    rows = []
    for row in db.query(query, use_default_graph_as_union=True):
        value = {name: row[name].value if row[name] is not None else None for name in COLUMNS}
        rows.append(
            (
                value["section"] or "plan",
                value["indicator"],
                value["comparator"],
                float(value["value"]),
                value["unit"],
                int(value["year"]) if value["year"] else None,
                int(value["baseline"]) if value["baseline"] else None,
                text[int(value["start"]) : int(value["end"])],
            )
        )
    del db
    return rows


def attributions_in_graph(store: Path, section: str, text: str) -> set[tuple[str, str]]:
    """(role, the text at the attribution's span) of one task."""
    db = ox.Store.read_only(str(store))
    rows = db.query(
        f"""PREFIX lt: <https://w3id.org/lantian/ontology#>
        SELECT ?role ?start ?end WHERE {{ ?task lt:section {ox.Literal(section)} ; lt:attribution ?a .
          ?a lt:role ?role ; lt:sourceStart ?start ; lt:sourceEnd ?end }}""",
        use_default_graph_as_union=True,
    )
    found = {
        (row["role"].value.rsplit("#", 1)[1], text[int(row["start"].value) : int(row["end"].value)])
        for row in rows
    }
    del db
    return found


@pytest.fixture(scope="module")
def zunyi(tmp_path_factory) -> tuple[Path, str]:
    """The store built from the ZUNYI plan alone, and the plan's text (the offsets' reference)."""
    folder = tmp_path_factory.mktemp("zunyi")
    plans, store = folder / "plans", folder / "store"
    plans.mkdir()
    (plans / "zunyi.txt").write_text(ZUNYI, "utf-8")
    result = CliRunner().invoke(main, ["build", str(plans), "--store", str(store)])
    assert result.exit_code == 0, result.output
    return store, load_plan(plans / "zunyi.txt").text


def test_three_pollutants_with_one_value_each_are_three_plan_targets(zunyi):
    store, text = zunyi
    phrase = "全市二氧化硫、氮氧化物、挥发性有机物排放总量分别比2015年下降3%、5%、2%"
    plan_targets = [row for row in targets_in_graph(store, "zunyi.txt", text) if row[0] == "plan"]
    assert sorted(plan_targets) == sorted(
        [
            ("plan", "二氧化硫排放总量", "decrease", 3.0, "%", 2020, 2015, phrase),
            ("plan", "氮氧化物排放总量", "decrease", 5.0, "%", 2020, 2015, phrase),
            ("plan", "挥发性有机物排放总量", "decrease", 2.0, "%", 2020, 2015, phrase),
            (
                "plan",
                "空气质量优良天数比例",
                "ge",
                95.0,
                "%",
                2018,
                None,
                "全市空气质量优良天数比例保持95%以上",
            ),
        ]
    )


def test_listed_targets_of_a_task_each_reach_the_graph(zunyi):
    store, text = zunyi
    by_task = {}
    for row in targets_in_graph(store, "zunyi.txt", text):
        by_task.setdefault(row[0], set()).add(row[1:])
    reductions = "全市二氧化硫、氮氧化物排放量分别比2017年下降10%、8%"
    assert by_task["二.(一).1"] == {
        ("二氧化硫排放量", "decrease", 10.0, "%", 2020, 2017, reductions),
        ("氮氧化物排放量", "decrease", 8.0, "%", 2020, 2017, reductions),
    }
    levels = "黄色、橙色、红色级别减排比例分别不低于10%、20%、30%"
    assert by_task["二.(一).2"] == {
        ("黄色级别减排比例", "ge", 10.0, "%", 2018, None, levels),
        ("橙色级别减排比例", "ge", 20.0, "%", 2018, None, levels),
        ("红色级别减排比例", "ge", 30.0, "%", 2018, None, levels),
    }


def test_the_tasks_attributions_keep_their_own_spans(zunyi):
    store, text = zunyi
    assert attributions_in_graph(store, "二.(一).1", text) == {
        ("leads", "市生态环境局"),
        ("supports", "市发展改革委"),
        ("supports", "市工业和信息化局"),
    }
    assert attributions_in_graph(store, "二.(一).2", text) == {
        ("leads", "市生态环境局"),
        ("implements", "各县（市、区）人民政府"),
    }


def test_honghe_plan_keeps_both_pollutant_targets(built_store):
    """红河州: "到2020年，全州二氧化硫、氮氧化物排放总量分别比2015年下降1%" and, in 七.(三), the three alert levels."""
    text = load_plan(PLANS / HONGHE).text
    found = targets_in_graph(built_store, HONGHE, text)
    phrase = "全州二氧化硫、氮氧化物排放总量分别比2015年下降1%"
    assert sorted(row for row in found if row[7] == phrase) == [
        ("plan", "二氧化硫排放总量", "decrease", 1.0, "%", 2020, 2015, phrase),
        ("plan", "氮氧化物排放总量", "decrease", 1.0, "%", 2020, 2015, phrase),
    ]
    levels = "黄色、橙色、红色级别减排比例原则上分别不低于10%、20%、30%"
    assert {(row[0], row[1], row[3], row[7]) for row in found if row[7] == levels} == {
        ("七.(三)", "黄色级别减排比例", 10.0, levels),
        ("七.(三)", "橙色级别减排比例", 20.0, levels),
        ("七.(三)", "红色级别减排比例", 30.0, levels),
    }
    assert len(found) == len(set(found))  # no target stated twice in place of another
