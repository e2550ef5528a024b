"""Facts a reader can check in the five bundled plans (data/plans/), one group per plan.

Counts are checkable in the text: e.g. 钦州's plan has one "（牵头单位：…）" per measure (51), 官渡's one
"牵头单位:" line per measure (45), 红河's appendix 54 attribution rows of which one lost its task text.
"""

from pathlib import Path

import pytest

from loaders.plan import load_plan, unify_citations

PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"


@pytest.fixture(scope="module")
def plans():
    loaded = {p.name[:3]: load_plan(p) for p in sorted(PLANS.glob("*.txt"))}
    unify_citations(list(loaded.values()))
    return loaded


def the_task(plan, words):
    found = [t for t in plan.tasks if words in t.text]
    assert len(found) == 1, f"{len(found)} tasks contain {words!r}"
    return found[0]


def by_role(task):
    out = {}
    for a in task.attributions:
        out.setdefault(a.role, []).append(a.agency.name)
    return out


def test_honghe_appendix_table(plans):
    plan = plans["000"]
    assert plan.title == "红河州打赢蓝天保卫战三年行动计划实施方案"
    assert plan.jurisdiction.name == "红河州" and plan.jurisdiction.within.name == "云南省"
    attributed = [t for t in plan.tasks if t.attributions]
    assert (
        len(attributed) == 54
    )  # 54 rows end in an attribution; one lost its task text, 州直有关部门 row has none
    # 强化"散乱污"企业综合整治: body section 二.(三), appendix attribution
    task = the_task(plan, "两断三清")
    assert task.section == "二.(三)"
    assert by_role(task) == {
        "leads": ["红河州环境保护局", "红河州工业和信息化委员会"],
        "supports": ["红河州发展和改革委员会", "红河州国土资源局", "红河州质量技术监督局"],
        "implements": ["红河州各县市人民政府"],
    }
    assert [d.due_date for d in task.deadlines] == ["2019-12-31"]  # 全州2019年底前基本完成
    # the body states it once: no second task from the appendix copy of the same text
    assert sum("两断三清" in t.text for t in plan.tasks) == 1
    # 蒙自市、个旧市、开远市人民政府 is three governments
    core = the_task(plan, "滇南中心城市核心区")
    assert by_role(core)["implements"] == ["蒙自市人民政府", "个旧市人民政府", "开远市人民政府"]
    assert {(j.name, j.within.name) for j in plan.places} >= {("蒙自市", "红河州"), ("开远市", "红河州")}
    # damaged last rows are reported, not attached to a neighbour
    assert any("without task text" in s.reason for s in plan.skipped)
    assert any("倡导全社会" in s.text and "appendix row" in s.reason for s in plan.skipped)


def test_qinzhou_inline_labels(plans):
    plan = plans["001"]
    assert plan.jurisdiction.name == "钦州市"
    assert sum(1 for t in plan.tasks if t.attributions) == plan.text.count("牵头单位") == 51
    task = the_task(plan, "市本级、各县区完成生态保护红线")
    assert task.section == "二.(一).1"
    r = by_role(task)
    assert r["leads"] == ["钦州市环境保护局", "钦州市发展和改革委员会"]
    assert "钦州市国土资源局" in r["implements"] and "钦州市各县区人民政府" in r["implements"]
    assert [c.doc_number for c in plan.cites] == ["桂政办发〔2018〕80号"]
    # 钦州供电局 is a unit of 钦州市 named without the 市 prefix
    assert any(a.agency.name == "钦州市供电局" for t in plan.tasks for a in t.attributions)


def test_wuding_markdown_and_page_breaks(plans):
    plan = plans["002"]
    assert plan.doc_number == "武政通〔2019〕11号"
    assert plan.date == "2019-06-15"
    assert plan.level == "county"
    task = the_task(plan, "固定污染源的企业排放许可制度")  # re-joined across the page break
    assert by_role(task) == {
        "leads": ["楚雄州生态环境局武定分局"],
        "supports": ["武定县发展和改革局", "武定县工业信息化商务科技局"],
    }
    assert task.attributions[0].agency.jurisdiction == "楚雄州"
    assert [d.due_date for d in task.deadlines] == ["2020-12-31"]
    straw = the_task(plan, "秸秆综合利用率达到85%")
    assert set(by_role(straw)["responsibleFor"]) == {
        "楚雄州生态环境局武定分局",
        "武定县农业农村局",
        "武定县发展和改革局",
    }
    assert any(t.value == 85 and t.unit == "%" for t in straw.targets)
    # 保障措施 is a top-level section of its own, not part of 二
    assert the_task(plan, "县委组织部参与").section.startswith("三.")


def test_wuding_derivation_chain(plans):
    plan = plans["002"]
    cited = {c.key: c for c in plan.cites}
    # 依据《国务院…》（国发〔2018〕22号）、《云南省人民政府…》（云政发〔2018〕44号）和《楚雄州…》（楚政通〔2018〕41号）:
    # each 文号 with the issuer its title names
    assert set(cited) == {"中国/国发〔2018〕22号", "云南省/云政发〔2018〕44号", "楚雄州/楚政通〔2018〕41号"}
    assert cited["楚雄州/楚政通〔2018〕41号"].derives_from == ["云南省/云政发〔2018〕44号"]
    assert cited["云南省/云政发〔2018〕44号"].derives_from == ["中国/国发〔2018〕22号"]
    chain, j = [], plan.jurisdiction
    while j:
        chain.append(j.name)
        j = j.within
    assert chain == ["武定县", "楚雄州", "云南省", "中国"]


def test_guandu_label_lines(plans):
    plan = plans["003"]
    assert plan.title == "官渡区打赢蓝天保卫战三年行动实施细则"
    assert plan.jurisdiction.within.name == "昆明市"
    assert len(plan.tasks) == plan.text.count("牵头单位") == 45
    transit = the_task(plan, "公共交通的投入")
    assert by_role(transit)["leads"] == ["昆明市公安局官渡分局"]
    assert transit.attributions[0].agency.jurisdiction == "昆明市"
    assert by_role(transit)["implements"] == ["官渡区各街道办事处"]
    # cited by title only here, by 文号 in other plans of the corpus
    assert {c.key for c in plan.cites} >= {"中国/国发〔2018〕22号", "云南省/云政发〔2018〕44号"}
    # the web page's footer is chrome, not an attribution
    assert not any("主办单位" in t.text for t in plan.tasks)


def test_shuozhou_several_per_paragraph(plans):
    plan = plans["004"]
    assert plan.year == 2020
    # "12.强化机动车环保排放监管" carries several attributions, each closing the clauses before it
    inspection = the_task(plan, "严格规范机动车排放检验机构管理")
    assert by_role(inspection)["leads"] == ["朔州市生态环境局", "朔州市市场监督管理局"]
    repair = the_task(plan, "加强重型柴油货车维修和使用监督管理")
    assert by_role(repair)["leads"] == ["朔州市交通运输局"]
    assert "严格规范机动车排放检验机构管理" not in repair.text
    # 名单由市工信局牵头确定 is not an attribution: the measure's one lead is the 市工信局牵头 of its closing
    # "(市工信局牵头,市发改委、…、朔州车务段配合,县〔市、区〕政府负责落实)"
    rail = the_task(plan, "名单由市工信局牵头确定")
    leads = [a for a in rail.attributions if a.role == "leads"]
    assert [a.agency.name for a in leads] == ["朔州市工业和信息化局"]
    assert plan.text[leads[0].start : leads[0].end + 17] == "市工信局牵头,市发改委、市交通局、市能源局"
    assert "朔州车务段" in [a.agency.surface for a in rail.attributions if a.role == "supports"]
    # 2020年10月1日前 … 禁煤区 (task 8) is due 2020-10-01
    coal = the_task(plan, "建成区要全部划定为")
    assert [d.due_date for d in coal.deadlines] == ["2020-10-01"]
    assert by_role(coal)["implements"] == ["朔州市各县〔市、区〕人民政府"]
    # 市公安交警支队, 市公安局交警支队 and the typo 市公交警支队 are one unit
    police = {
        a.agency.name for t in plan.tasks for a in t.attributions if "交警" in plan.text[a.start : a.end]
    }
    assert len(police) == 1
