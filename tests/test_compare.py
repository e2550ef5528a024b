"""Across plans in the explorer: a task's counterparts side by side, succession on every "who is accountable"
answer, the compare view, the coverage of an upper plan by a lower one, and their canned queries.

Facts asserted here can be checked in data/plans/ (the bundled corpus) or in the two small plans written below.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ask
from openpyxl import load_workbook

from kg.cli import main
from kg.namespaces import mint
from web import create_app
from web.compare import deadline_change, lead_change, target_changes
from web.repository import page_url

HONGHE = "红河州打赢蓝天保卫战三年行动计划实施方案"
HONGHE_PLAN = mint("plan", HONGHE)
WUDING_PLAN = mint("plan", "楚雄州武定县", "武政通〔2019〕11号")
# 红河 三.(一) "加大燃煤小锅炉淘汰力度 … 2018年底前 … 2020年底前"; 武定 二.(二).1 "… 2020年底前"
HONGHE_BOILERS = mint("task", HONGHE, "三.(一)")
WUDING_BOILERS = mint("task", "楚雄州武定县", "武政通〔2019〕11号", "二.(二).1")
HONGHE_EPB = mint("agency", "红河州", "环境保护局")  # 州环境保护局 in 红河's 责任清单
HONGHE_EEB = mint("agency", "红河州", "生态环境局")  # its successor after the 2019 reform

UPPER_PLAN = """某某省打赢蓝天保卫战三年行动实施方案

一、重点任务

（一）加大燃煤小锅炉淘汰力度。县级及以上城市建成区基本淘汰每小时10蒸吨及以下燃煤锅炉及茶水炉、经营性炉灶、储粮烘干设备等燃煤设施，2020年底前完成。（省生态环境厅牵头）

（二）开展秸秆综合利用。全面加强秸秆禁烧管控，强化地方各级政府秸秆禁烧主体责任，秸秆综合利用率达到85%。（省农业农村厅牵头）

（三）严格施工扬尘监管。建立施工工地管理清单，重点区域建筑施工工地做到工地周边围挡、物料堆放覆盖、土方开挖湿法作业。（省住房城乡建设厅牵头）
"""
LOWER_PLAN = """某某县打赢蓝天保卫战三年行动工作方案

为贯彻落实《某某省打赢蓝天保卫战三年行动实施方案》（某政发〔2018〕9号），制定本方案。

一、工作任务

1. 加大燃煤小锅炉淘汰力度。县城建成区基本淘汰每小时10蒸吨及以下燃煤锅炉及茶水炉、经营性炉灶、储粮烘干设备等燃煤设施，2019年底前完成。（县生态环境局牵头）

2. 开展秸秆综合利用。全面加强秸秆禁烧管控，强化乡镇秸秆禁烧主体责任，秸秆综合利用率达到90%。（县农业农村局牵头）
"""


@pytest.fixture(scope="module")
def small_store(tmp_path_factory) -> Path:
    """A store with an upper plan (文号 from its sidecar) and a county plan citing it by that 文号."""
    folder = tmp_path_factory.mktemp("small-plans")
    (folder / "upper.txt").write_text(UPPER_PLAN, encoding="utf-8")
    (folder / "upper.yaml").write_text("doc_number: 某政发〔2018〕9号\n", encoding="utf-8")
    (folder / "lower.txt").write_text(LOWER_PLAN, encoding="utf-8")
    store = tmp_path_factory.mktemp("small") / "store"
    result = CliRunner().invoke(main, ["build", "--store", str(store), str(folder)])
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture(scope="module")
def small_client(small_store):
    return create_app({"STORE": small_store, "TESTING": True}).test_client()


# --- the task page -----------------------------------------------------------------------------------


def test_task_page_shows_the_counterpart_with_its_different_deadlines(client):
    data = client.get(page_url(HONGHE_BOILERS) + ".json").get_json()
    (link,) = [x for x in data["links"] if x["other"] == str(WUDING_BOILERS)]
    assert link["kind"] == "counterpart" and link["score"] >= 0.65 and "5-gram" in link["method"]
    assert [d["due"] for d in data["deadlines"]] == ["2018-12-31", "2020-12-31"]
    assert [d["due"] for d in link["task"]["deadlines"]] == ["2020-12-31"]
    assert link["diff"]["deadline"] == "later"  # 武定's first deadline is two years after 红河's
    # 州环境保护局 + 州质量技术监督局 (now 生态环境局 + 市场监督管理局) lead in 红河, 生态环境局武定分局 + 县市场监管局 in 武定
    assert link["diff"]["lead"]["change"] == "same"

    html = client.get(page_url(HONGHE_BOILERS)).get_data(as_text=True)
    assert 'id="counterparts"' in html
    assert "武定县打赢蓝天保卫战三年行动工作方案" in html and "楚雄州生态环境局武定分局" in html
    section = html.split('id="counterparts"', 1)[1].split("</section>", 1)[0]
    assert "2018-12-31" in section and "2020-12-31" in section and "时限推后" in section
    assert "0.723" in section or str(link["score"]) in section


def test_task_page_english_labels(client):
    html = client.get(page_url(WUDING_BOILERS) + "?lang=en").get_data(as_text=True)
    section = html.split('id="counterparts"', 1)[1].split("</section>", 1)[0]
    assert "counterpart" in section and "earlier" in section  # 红河's 2018-12-31 is earlier than 武定's


def test_task_roles_show_who_holds_the_duty_today(client):
    data = client.get(page_url(HONGHE_BOILERS) + ".json").get_json()
    (lead,) = [x for x in data["roles"]["leads"] if x["agency"] == str(HONGHE_EPB)]
    assert lead["now"]["label"] == "红河州生态环境局" and lead["now"]["year"] == "2019"
    html = client.get(page_url(HONGHE_BOILERS)).get_data(as_text=True)
    roles = html.split('id="accountable"', 1)[1].split("</dl>", 1)[0]
    assert "红河州环境保护局" in roles and "今由" in roles and "红河州生态环境局" in roles
    rows = list(csv.reader(io.StringIO(client.get(page_url(HONGHE_BOILERS) + ".csv").get_data(as_text=True))))
    assert any("红河州环境保护局" in r and "红河州生态环境局" in r for r in rows)


def test_plan_outline_shows_the_successor_beside_the_lead(client):
    html = client.get(page_url(HONGHE_PLAN)).get_data(as_text=True)
    outline = html.split('id="outline"', 1)[1].split("</section>", 1)[0]
    assert "红河州环境保护局" in outline and "今由" in outline and "红河州生态环境局" in outline
    rows = list(csv.reader(io.StringIO(client.get(page_url(HONGHE_PLAN) + ".csv").get_data(as_text=True))))
    lead, now = rows[0].index("牵头单位"), rows[0].index("现承接单位")
    assert any(r[lead] == "红河州环境保护局" and r[now] == "红河州生态环境局" for r in rows)


# --- succession on agency pages ----------------------------------------------------------------------


def test_successor_page_lists_the_tasks_it_inherited(client):
    data = client.get(page_url(HONGHE_EEB) + ".json").get_json()
    assert {x["fromLabel"] for x in data["inherited"]} == {"红河州环境保护局"}
    texts = [x["excerpt"] for x in data["inherited"]]
    assert any("两断三清" in x or "散乱污" in x for x in texts)
    assert len(data["inherited"]) > 30  # 州环境保护局 is named on most of 红河's 责任清单
    html = client.get(page_url(HONGHE_EEB)).get_data(as_text=True)
    inherited = html.split('id="inherited"', 1)[1].split("</section>", 1)[0]
    assert "红河州环境保护局" in inherited and "强化“散乱污”企业综合整治" in inherited
    # the CSV download holds them too, with the unit they were assigned to
    rows = list(csv.DictReader(io.StringIO(client.get(page_url(HONGHE_EEB) + ".csv").get_data(as_text=True))))
    assert any(r["原责任单位（前身）"] == "红河州环境保护局" for r in rows)


def test_inherited_tasks_include_the_one_with_two_cuts_three_clears(client):
    data = client.get(page_url(HONGHE_EEB) + ".json").get_json()
    tasks = {x["task"] for x in data["inherited"]}
    own = client.get(page_url(HONGHE_EPB) + ".json").get_json()
    assert tasks == {x["task"] for x in own["tasks"]}
    text = (Path(__file__).resolve().parent.parent / "data" / "plans" / "000_5822e95add7dc7fd.txt").read_text(
        encoding="utf-8"
    )
    assert "两断三清" in text
    found = [
        x for x in own["tasks"] if "两断三清" in client.get(page_url(x["task"]) + ".json").get_json()["text"]
    ]
    assert found and found[0]["task"] in tasks


def test_predecessor_page_links_to_the_successor_with_year_and_source(client):
    data = client.get(page_url(HONGHE_EPB) + ".json").get_json()
    (successor,) = data["successors"]
    assert successor["agency"] == str(HONGHE_EEB) and successor["year"] == "2019"
    assert "机构改革" in successor["source"]
    html = client.get(page_url(HONGHE_EPB)).get_data(as_text=True)
    assert (
        f'href="{page_url(HONGHE_EEB)}"' in html and "(2019)" in html and "深化党和国家机构改革方案" in html
    )


# --- the compare view --------------------------------------------------------------------------------


def _compare_url(a, b, suffix=""):
    return f"/compare{suffix}?a={page_url(a)}&b={page_url(b)}"


def test_compare_lists_the_boiler_pair_with_later_deadline(client):
    data = client.get(_compare_url(HONGHE_PLAN, WUDING_PLAN, ".json")).get_json()
    (pair,) = [x for x in data["aligned"] if x["a"] == str(HONGHE_BOILERS)]
    assert pair["b"] == str(WUDING_BOILERS) and pair["kind"] == "counterpart"
    assert pair["diff"]["deadline"] == "later"
    assert data["summary"]["aligned"] == len(data["aligned"]) > 20
    assert data["summary"]["onlyA"] == len(data["onlyA"]) and data["summary"]["onlyB"] == len(data["onlyB"])
    aligned_a = {x["a"] for x in data["aligned"]}
    assert not aligned_a & {x["task"] for x in data["onlyA"]}
    # the reverse comparison reads the same pair from the other side
    back = client.get(_compare_url(WUDING_PLAN, HONGHE_PLAN, ".json")).get_json()
    (pair,) = [x for x in back["aligned"] if x["a"] == str(WUDING_BOILERS)]
    assert pair["diff"]["deadline"] == "earlier"


def test_compare_page_and_downloads(client):
    html = client.get(_compare_url(HONGHE_PLAN, WUDING_PLAN) + "&lang=en").get_data(as_text=True)
    assert "<select" in html and "Aligned tasks" in html and "Tasks only in A" in html
    row = html.split("开展燃煤锅炉和燃煤机组综合整治", 1)[1].split("</tr>", 1)[0]
    assert "2018-12-31" in row and "later" in row and "0.723" in row
    text = client.get(_compare_url(HONGHE_PLAN, WUDING_PLAN, ".csv") + "&lang=zh").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    boiler = [r for r in rows if r["A 条目"] == "三.(一)" and r["B 条目"] == "二.(二).1"]
    assert boiler and boiler[0]["时限变化"] == "时限推后" and boiler[0]["A 时限"] == "2018-12-31；2020-12-31"
    book = load_workbook(io.BytesIO(client.get(_compare_url(HONGHE_PLAN, WUDING_PLAN, ".xlsx")).data))
    assert book.active.max_row == len(rows) + 1
    assert client.get("/compare").status_code == 200  # just the two select lists
    assert client.get("/compare.json").status_code == 400


def test_compare_targets_stricter_or_looser(client):
    # 秸秆综合利用率: 红河 达到85%, 官渡 力争达到90%
    guandu = mint("plan", "官渡区打赢蓝天保卫战三年行动实施细则")
    data = client.get(_compare_url(HONGHE_PLAN, guandu, ".json")).get_json()
    changes = [c for x in data["aligned"] for c in x["diff"]["targets"]]
    assert changes, "no aligned task with a shared indicator"
    assert all(c["change"] in ("stricter", "looser", "same", "different") for c in changes)


def test_target_lead_and_deadline_rules():
    a = [{"indicator": "秸秆综合利用率", "comparator": "ge", "value": 85, "unit": "%"}]
    b = [{"indicator": "秸秆综合利用率", "comparator": "ge", "value": 90, "unit": "%"}]
    assert target_changes(a, b)[0]["change"] == "stricter" and target_changes(b, a)[0]["change"] == "looser"
    # 道路机械化清扫率 60% (县城) and 70% (城区) against 80%: the strictest value of each side counts
    a = [{"indicator": "道路机械化清扫率", "comparator": "ge", "value": v, "unit": "%"} for v in (60, 70)]
    b = [{"indicator": "道路机械化清扫率", "comparator": "ge", "value": 80, "unit": "%"}]
    assert target_changes(a, b)[0]["change"] == "stricter"
    pm = [{"indicator": "PM2.5年均浓度", "comparator": "le", "value": v, "unit": "μg/m3"} for v in (35, 30)]
    assert target_changes(pm[:1], pm[1:])[0]["change"] == "stricter"  # lower is stricter for a ceiling
    assert deadline_change([{"due": "2018-12-31"}, {"due": "2020-12-31"}], [{"due": "2020-12-31"}]) == "later"
    assert deadline_change([{"due": "2020-12-31"}], [{"due": "2020-12-31"}]) == "same"
    assert deadline_change([], [{"due": "2020-12-31"}]) == "only_b"
    places = {"x": "红河州", "y": "楚雄州"}
    old = {"agency": "x", "label": "红河州环境保护局", "now": {"agency": "z", "label": "红河州生态环境局"}}
    places["z"] = "红河州"
    branch = {"agency": "y", "label": "楚雄州生态环境局武定分局"}
    assert lead_change([old], [branch], places)["change"] == "same"
    assert lead_change([old], [{"agency": "w", "label": "武定县财政局"}], places)["change"] == "different"
    district = {"agency": "g", "label": "官渡区生态环境分局"}  # a district branch of the city bureau
    places["g"] = "官渡区"
    assert lead_change([old], [district], places)["change"] == "same"


# --- coverage ----------------------------------------------------------------------------------------

UPPER_IRI = mint("plan", "某某省", "某政发〔2018〕9号")  # 某某省打赢蓝天保卫战三年行动实施方案


def _lower_iri(client) -> str:
    plans = client.get("/plans.json").get_json()["plans"]
    (lower,) = [p["plan"] for p in plans if p["title"].startswith("某某县")]
    return lower


def test_coverage_share_and_dropped_list(small_client):
    lower = _lower_iri(small_client)
    url = f"/coverage.json?upper={page_url(UPPER_IRI)}&lower={page_url(lower)}"
    data = small_client.get(url).get_json()
    assert (data["upperTasks"], data["localisedTasks"], data["share"]) == (3, 2, 0.667)
    (dropped,) = data["dropped"]
    assert dropped["section"] == "一.(三)" and "扬尘" in dropped["excerpt"]  # （三）严格施工扬尘监管
    assert {x["section"] for x in data["localised"]} == {"一.(一)", "一.(二)"}
    # shown on both plans' pages
    for plan in (UPPER_IRI, lower):
        page = small_client.get(page_url(plan) + ".json").get_json()
        (c,) = page["coverage"]["ofUpper"] + page["coverage"]["byLower"]
        assert (c["upperTasks"], c["localisedTasks"]) == (3, 2)
        html = small_client.get(page_url(plan)).get_data(as_text=True)
        section = html.split('id="coverage"', 1)[1].split("</section>", 1)[0]
        assert "2 / 3 (67%)" in section and "严格施工扬尘监管" in section
    html = small_client.get(url.replace(".json", "")).get_data(as_text=True)
    assert "67%" in html and "严格施工扬尘监管" in html
    rows = small_client.get(url.replace(".json", ".csv")).get_data(as_text=True)
    assert rows.count("\n") == 4  # header + 2 localised + 1 dropped


def test_coverage_pair_in_compare_view_reads_targets_and_deadlines(small_client):
    lower = _lower_iri(small_client)
    data = small_client.get(_compare_url(UPPER_IRI, lower, ".json")).get_json()
    assert {x["kind"] for x in data["aligned"]} == {"lower"}  # B's tasks derive from A's
    by_heading = {x["taskA"]["excerpt"][:8]: x["diff"] for x in data["aligned"]}
    straw = next(v for k, v in by_heading.items() if "秸秆" in k)
    assert [c["change"] for c in straw["targets"]] == ["stricter"]  # 85% → 90%
    boiler = next(v for k, v in by_heading.items() if "锅炉" in k)
    assert boiler["deadline"] == "earlier"  # 2020年底前 → 2019年底前
    assert boiler["lead"]["change"] == "same"  # 省生态环境厅 / 县生态环境局
    assert len(data["onlyA"]) == 1 and not data["onlyB"]


# --- canned queries ----------------------------------------------------------------------------------


def test_task_counterparts_query(built_store):
    rows = ask(built_store, "task-counterparts", words="燃煤小锅炉", plan="红河")
    (row,) = [r for r in rows if r["otherPlanTitle"] == "武定县打赢蓝天保卫战三年行动工作方案"]
    assert row["relation"] == "counterpart" and row["section"] == "三.(一)"
    # GROUP_CONCAT joins the dates in the order the evaluation meets them (SPARQL sets none)
    assert sorted(row["dueDates"].split()) == ["2018-12-31", "2020-12-31"] and row["otherDueDates"] == "2020-12-31"
    assert float(row["score"]) >= 0.65 and "楚雄州生态环境局武定分局" in row["otherLeads"]


def test_accountable_now_query(built_store):
    rows = ask(built_store, "accountable-now", words="燃煤小锅炉", plan="红河")
    pairs = {(r["originalAgency"], r["accountableNow"], r["role"]) for r in rows}
    assert ("红河州环境保护局", "红河州生态环境局", "leads") in pairs
    assert ("红河州质量技术监督局", "红河州市场监督管理局", "leads") in pairs
    assert ("红河州住房和城乡建设局", "红河州住房和城乡建设局", "supports") in pairs  # not reformed
    moved = [r for r in rows if r["originalAgency"] == "红河州环境保护局"]
    assert all(r["changeYear"] == "2019" and "机构改革" in r["changeSource"] for r in moved)


def test_plan_coverage_query(small_store, built_store):
    (row,) = ask(small_store, "plan-coverage", upper="某政发")
    assert (row["upperTasks"], row["localisedTasks"], float(row["share"])) == ("3", "2", 0.667)
    assert row["droppedSections"] == "一.(三)"
    # on the bundled corpus no upper plan is loaded: rows say so with a task count of 0 and no share
    rows = ask(built_store, "plan-coverage", lower="武定")
    assert rows and all(r["upperTasks"] == "0" and r["share"] == "" for r in rows)
    assert {r["lowerTitle"] for r in rows} == {r["lowerTitle"] for r in rows if "武定" in r["lowerTitle"]}
    everyone = ask(built_store, "plan-coverage")
    assert len({r["lowerTitle"] for r in everyone}) > 1  # so the parameter did leave out the other lower plans


def test_plan_pages_are_json_serialisable(client):
    assert json.loads(client.get(page_url(HONGHE_PLAN) + ".json").data)["coverage"] == {
        "ofUpper": [],
        "byLower": [],
    }


def test_coverage_explains_why_red_river_to_wuding_is_0_while_compare_aligns_tasks(client):
    from urllib.parse import quote

    query = f"upper={quote(page_url(HONGHE_PLAN))}&lower={quote(page_url(WUDING_PLAN))}"
    data = client.get(f"/coverage.json?{query}").get_json()
    assert data["upperTasks"] == 56 and data["localisedTasks"] == 0
    assert data["upperLoaded"] and not data["lowerCitesUpper"]  # 武定县 cites 楚雄州 and 云南省, not 红河州
    aligned = client.get(f"/compare.json?a={quote(page_url(HONGHE_PLAN))}&b={quote(page_url(WUDING_PLAN))}")
    assert aligned.status_code == 200
    html = client.get(f"/coverage?{query}&lang=zh").get_data(as_text=True)
    note = html.split('id="not-cited"', 1)[1].split("</p>", 1)[0]
    assert "下级方案并未把此方案列为依据" in note and "/compare?a=" in note


def test_coverage_of_a_plan_only_cited_says_its_text_is_not_loaded(client):
    from urllib.parse import quote

    national = mint("plan", "中国", "国发〔2018〕22号")
    query = f"upper={quote(page_url(national))}&lower={quote(page_url(WUDING_PLAN))}"
    html = client.get(f"/coverage?{query}&lang=zh").get_data(as_text=True)
    assert 'id="upper-not-loaded"' in html and "上级方案的原文未载入" in html
    assert "0 / 0" not in html and "—%" not in html


def test_coverage_without_plans_is_a_picker(client):
    html = client.get("/coverage?lang=zh").get_data(as_text=True)
    assert '<select id="cov-upper" name="upper">' in html and '<select id="cov-lower" name="lower">' in html
    assert html.count("<option") > 5
    assert client.get("/coverage.json").status_code == 400
