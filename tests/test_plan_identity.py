"""A plan's identity at national scale: a 文号 is unique only within its issuer, so two governments whose names
open alike (甲山州 and 甲水市 both number their documents 甲政发) may issue the same 文号. Each stays its own
plan, and each citation reaches the plan its issuer names.

The plans are fictional, written for these tests; each assertion can be checked against their text.
"""

from pathlib import Path

import pytest

from kg.build import plan_iri
from kg.corpus import build_store
from kg.store import open_store, run_query
from loaders.metadata import cited_plan, issuer_of, leading_places, same_place
from loaders.plan import load_plan
from loaders.records import Jurisdiction


def plan_text(doc_number: str, title: str, preamble: str, task: str) -> str:
    return f"{doc_number}\n\n{title}\n\n{preamble}\n\n一、主要任务\n\n（一）{task}\n"


PLANS = {
    "jiashan.txt": plan_text(
        "甲政发〔2019〕5号",
        "甲山州打赢蓝天保卫战三年行动方案",
        "为贯彻落实《国务院关于印发打赢蓝天保卫战三年行动计划的通知》（国发〔2018〕22号），制定本方案。",
        "加强施工扬尘治理，2019年底前完成。（州住房城乡建设局牵头，州生态环境局配合）",
    ),
    "jiashui.txt": plan_text(
        "甲政发〔2019〕5号",
        "甲水市打赢蓝天保卫战三年行动方案",
        "为贯彻落实《国务院关于印发打赢蓝天保卫战三年行动计划的通知》（国发〔2018〕22号），制定本方案。",
        "整治燃煤小锅炉，2019年底前完成。（市市场监管局牵头）",
    ),
    # cites the 甲山州 plan by its issuer's name
    "yi.txt": plan_text(
        "乙政通〔2019〕8号",
        "乙山县打赢蓝天保卫战三年行动方案",
        "为贯彻落实《甲山州打赢蓝天保卫战三年行动方案》（甲政发〔2019〕5号），制定本方案。",
        "开展道路扬尘整治，2019年底前完成。（县交通运输局牵头）",
    ),
    # cites it by the issuer's full name, 甲山苗族自治州
    "bing.txt": plan_text(
        "丙政通〔2019〕3号",
        "丙山县打赢蓝天保卫战三年行动方案",
        "为贯彻落实《甲山苗族自治州打赢蓝天保卫战三年行动方案》（甲政发〔2019〕5号），制定本方案。",
        "推进秸秆综合利用，2019年底前完成。（县农业农村局牵头）",
    ),
    # names no issuer: 甲政发〔2019〕5号 could be either plan
    "wu.txt": plan_text(
        "戊政通〔2019〕2号",
        "戊山县打赢蓝天保卫战三年行动方案",
        "为贯彻落实《打赢蓝天保卫战三年行动方案》（甲政发〔2019〕5号），制定本方案。",
        "加强餐饮油烟治理，2019年底前完成。（县城市管理局牵头）",
    ),
}

PREFIXES = (
    "PREFIX lt: <https://w3id.org/lantian/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX dcterms: <http://purl.org/dc/terms/>\n"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("identity")
    for name, text in PLANS.items():
        (folder / name).write_text(text, encoding="utf-8")
    store = folder / "store"
    report = build_store(store, sorted(folder.glob("*.txt")))
    return store, report


def rows(store: Path, sparql: str) -> list[dict[str, str]]:
    with open_store(store) as db:
        solutions = run_query(db, PREFIXES + sparql)
        names = [v.value for v in solutions.variables]
        return [{n: s[n].value for n in names if s[n] is not None} for s in solutions]


def uppers(store: Path, title: str) -> set[str]:
    found = rows(store, f'SELECT ?up WHERE {{ ?p rdfs:label "{title}"@zh ; lt:derivesFrom ?up }}')
    return {r["up"] for r in found}


JIASHAN = str(plan_iri("甲山州/甲政发〔2019〕5号"))
JIASHUI = str(plan_iri("甲水市/甲政发〔2019〕5号"))


def test_two_issuers_with_one_doc_number_stay_two_plans(built):
    store, report = built
    assert report.loaded == 5 and not report.warnings  # neither replaces the other
    assert JIASHAN.endswith("/plan/甲山州/甲政发〔2019〕5号")
    found = rows(store, 'SELECT ?p ?title WHERE { ?p lt:docNumber "甲政发〔2019〕5号" ; rdfs:label ?title }')
    assert {(r["p"], r["title"]) for r in found} >= {
        (JIASHAN, "甲山州打赢蓝天保卫战三年行动方案"),
        (JIASHUI, "甲水市打赢蓝天保卫战三年行动方案"),
    }
    # each plan keeps its own task: 扬尘 in 甲山州's, 锅炉 in 甲水市's, neither in both
    tasks = rows(store, "SELECT ?task ?plan ?text WHERE { ?task lt:inPlan ?plan ; lt:text ?text }")
    by_plan = {}
    for r in tasks:
        by_plan.setdefault(r["plan"], []).append(r["text"])
    assert [("扬尘" in t, "锅炉" in t) for t in by_plan[JIASHAN]] == [(True, False)]
    assert [("扬尘" in t, "锅炉" in t) for t in by_plan[JIASHUI]] == [(False, True)]
    assert len({r["task"] for r in tasks}) == len(tasks)  # no task in two plans


def test_a_citation_reaches_the_plan_of_the_issuer_it_names(built):
    store, _ = built
    assert uppers(store, "乙山县打赢蓝天保卫战三年行动方案") == {JIASHAN}
    # 甲山苗族自治州 is 甲山州 by another name; 甲水市 is not
    assert uppers(store, "丙山县打赢蓝天保卫战三年行动方案") == {JIASHAN}
    # the chain goes on up from there, to the national plan 甲山州 cites
    national = str(plan_iri("中国/国发〔2018〕22号"))
    assert uppers(store, "甲山州打赢蓝天保卫战三年行动方案") == {national}


def test_a_citation_naming_no_issuer_is_not_guessed_between_two_plans(built):
    store, _ = built
    (upper,) = uppers(store, "戊山县打赢蓝天保卫战三年行动方案")
    assert upper not in {JIASHAN, JIASHUI}
    assert upper == str(plan_iri("甲政发〔2019〕5号"))


def test_a_citation_naming_no_issuer_reaches_the_one_loaded_plan_with_its_doc_number(tmp_path):
    for name in ("jiashan.txt", "wu.txt"):
        (tmp_path / name).write_text(PLANS[name], encoding="utf-8")
    build_store(tmp_path / "store", sorted(tmp_path.glob("*.txt")))
    assert uppers(tmp_path / "store", "戊山县打赢蓝天保卫战三年行动方案") == {JIASHAN}


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("红河州", "红河哈尼族彝族自治州", True),
        ("北京市", "北京市", True),
        ("通州区", "通许县", False),  # 通政 of both, one character in common
        ("通州区", "南通市", False),
        ("甲山州", "甲水市", False),
    ],
)
def test_same_place(a, b, same):
    assert same_place(a, b) is same and same_place(b, a) is same


def test_a_national_doc_number_names_its_issuer_and_a_local_one_does_not():
    assert issuer_of("打赢蓝天保卫战三年行动计划", "国发〔2018〕22号") == ("中国", "nation")
    assert issuer_of("", "国办发〔2018〕101号") == ("中国", "nation")
    assert issuer_of("打赢蓝天保卫战三年行动方案", "甲政发〔2019〕5号") == ("", "")


def write_two_dongcheng_plans(folder: Path) -> None:
    """东城区 of 甲山州 and 东城区 of 甲水市, with the same 文号: each plan says whose plan it carries out."""
    for upper, name in (("甲山州", "a.txt"), ("甲水市", "b.txt")):
        text = plan_text(
            "东政通〔2019〕3号",
            "东城区打赢蓝天保卫战三年行动方案",
            f"为贯彻落实《{upper}打赢蓝天保卫战三年行动方案》（甲政发〔2019〕5号），制定本方案。",
            "加强施工扬尘治理，2019年底前完成。（区人民政府牵头）",
        )
        (folder / name).write_text(text, encoding="utf-8")


def test_places_of_one_name_in_two_prefectures_stay_two_with_their_agencies_and_plans(tmp_path):
    write_two_dongcheng_plans(tmp_path)
    # 甲山州's own plan names its 东城区's government
    (tmp_path / "c.txt").write_text(
        plan_text(
            "甲政发〔2019〕5号",
            "甲山州打赢蓝天保卫战三年行动方案",
            "为贯彻落实《国务院关于印发打赢蓝天保卫战三年行动计划的通知》（国发〔2018〕22号），制定本方案。",
            "整治城区裸露土地，2019年底前完成。（东城区人民政府牵头）",
        ),
        encoding="utf-8",
    )
    report = build_store(tmp_path / "store", sorted(tmp_path.glob("*.txt")))
    assert report.loaded == 3 and not any("东城区" in w for w in report.warnings)
    found = rows(
        tmp_path / "store",
        """SELECT ?upper (COUNT(DISTINCT ?task) AS ?tasks) WHERE {
             ?agency rdfs:label "东城区人民政府"@zh ; lt:leads ?task ; lt:jurisdiction ?place .
             ?place skos:altLabel "东城区"@zh ; lt:within/rdfs:label ?upper } GROUP BY ?upper""",
    )
    # two 东城区人民政府: 甲山州's leads its own plan's task and the one 甲山州's plan gives it
    assert {r["upper"]: int(r["tasks"]) for r in found} == {"甲山州": 2, "甲水市": 1}
    plans = rows(tmp_path / "store", 'SELECT ?p WHERE { ?p a lt:Plan ; lt:docNumber "东政通〔2019〕3号" }')
    assert len(plans) == 2


def test_a_place_key_names_the_prefecture_or_municipality_above_a_county():
    nation = Jurisdiction("中国", "nation")
    province = Jurisdiction("甲东省", "province", nation)
    assert Jurisdiction("东城区", "county", Jurisdiction("甲山州", "prefecture", province)).key == "甲山州东城区"
    # an autonomous prefecture qualifies by its short form, however the plan spells it
    long_form = Jurisdiction("甲山苗族自治州", "prefecture", province)
    assert Jurisdiction("东城区", "county", long_form).key == "甲山州东城区"
    assert Jurisdiction("通州区", "county", Jurisdiction("北京市", "province", nation)).key == "北京市通州区"
    # a county whose plan names no prefecture, and places above a county, keep their names
    assert Jurisdiction("东城区", "county", province).key == "东城区"
    assert long_form.key == "甲山苗族自治州" and province.key == "甲东省"
    # a township is told apart by its county's key
    county = Jurisdiction("东城区", "county", Jurisdiction("甲水市", "prefecture", province))
    assert Jurisdiction("新华街道", "township", county).key == "甲水市东城区新华街道"


def test_a_cited_title_that_names_the_county_and_its_prefecture_gives_the_issuers_key():
    cited = cited_plan("甲水市东城区打赢蓝天保卫战三年行动方案", "东政通〔2019〕3号")
    assert (cited.jurisdiction, cited.jurisdiction_key) == ("东城区", "甲水市东城区")
    assert cited.key == "甲水市东城区/东政通〔2019〕3号"
    assert cited_plan("甲水市打赢蓝天保卫战三年行动方案", "甲政发〔2019〕5号").jurisdiction_key == ""


def test_a_county_cited_with_its_prefecture_reaches_its_plan_among_namesakes(tmp_path):
    # a township plan cites the 东城区 plan of 甲水市 by a title that says so
    write_two_dongcheng_plans(tmp_path)
    (tmp_path / "c.txt").write_text(
        plan_text(
            "新政通〔2019〕1号",
            "新华街道打赢蓝天保卫战三年行动方案",
            "为贯彻落实《甲水市东城区打赢蓝天保卫战三年行动方案》（东政通〔2019〕3号），制定本方案。",
            "清扫背街小巷，2019年底前完成。（街道办事处牵头）",
        ),
        encoding="utf-8",
    )
    build_store(tmp_path / "store", sorted(tmp_path.glob("*.txt")))
    assert uppers(tmp_path / "store", "新华街道打赢蓝天保卫战三年行动方案") == {
        str(plan_iri("甲水市东城区/东政通〔2019〕3号"))
    }


def test_a_place_name_within_two_provinces_and_no_prefecture_is_reported(tmp_path):
    # each 东城区 plan names only its province's plan: nothing tells the two 东城区 apart
    for upper, name, number in (("甲东省", "a.txt", "东政通〔2019〕3号"), ("乙西省", "b.txt", "东政通〔2019〕9号")):
        text = plan_text(
            number,
            "东城区打赢蓝天保卫战三年行动方案",
            f"为贯彻落实《{upper}打赢蓝天保卫战三年行动方案》（省政发〔2019〕5号），制定本方案。",
            "加强施工扬尘治理，2019年底前完成。（区住房城乡建设局牵头）",
        )
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = build_store(tmp_path / "store", sorted(tmp_path.glob("*.txt")))
    assert report.loaded == 2
    (warning,) = [w for w in report.warnings if "东城区" in w]
    assert "甲东省" in warning and "乙西省" in warning
    # one place name within one place is no warning
    alone = build_store(tmp_path / "one", [tmp_path / "a.txt"])
    assert not any("东城区" in w for w in alone.warnings)


def test_a_citation_reaches_a_loaded_plan_whose_title_names_no_place(tmp_path):
    # the loaded plan's title opens with no place name, so its key is its 文号 alone
    upper = plan_text(
        "甲政发〔2019〕5号",
        "打赢蓝天保卫战三年行动实施方案",
        "为改善空气质量，制定本方案。",
        "加强施工扬尘治理，2019年底前完成。（州住房城乡建设局牵头）",
    )
    (tmp_path / "upper.txt").write_text(upper, encoding="utf-8")
    (tmp_path / "yi.txt").write_text(PLANS["yi.txt"], encoding="utf-8")  # cites 《甲山州…》（甲政发〔2019〕5号）
    build_store(tmp_path / "store", sorted(tmp_path.glob("*.txt")))
    assert uppers(tmp_path / "store", "乙山县打赢蓝天保卫战三年行动方案") == {str(plan_iri("甲政发〔2019〕5号"))}


def test_a_loaded_plan_cited_by_its_notice_title_keeps_its_one_title(tmp_path):
    # 乙山县 cites 甲山州's plan by the notice that issued it; 甲山州's own title stays its only title and label
    (tmp_path / "jiashan.txt").write_text(PLANS["jiashan.txt"], encoding="utf-8")
    (tmp_path / "yi.txt").write_text(
        plan_text(
            "乙政通〔2019〕8号",
            "乙山县打赢蓝天保卫战三年行动方案",
            "为贯彻落实《甲山州人民政府关于印发甲山州打赢蓝天保卫战三年行动方案的通知》（甲政发〔2019〕5号），"
            "制定本方案。",
            "开展道路扬尘整治，2019年底前完成。（县交通运输局牵头）",
        ),
        encoding="utf-8",
    )
    store, _ = tmp_path / "store", build_store(tmp_path / "store", sorted(tmp_path.glob("*.txt")))
    jiashan = str(plan_iri("甲山州/甲政发〔2019〕5号"))
    assert uppers(store, "乙山县打赢蓝天保卫战三年行动方案") == {jiashan}
    titles = rows(store, f"SELECT ?t WHERE {{ {{ <{jiashan}> rdfs:label ?t }} UNION {{ <{jiashan}> dcterms:title ?t }} }}")
    assert {r["t"] for r in titles} == {"甲山州打赢蓝天保卫战三年行动方案"}
    # so its one task comes once with its plan's title
    tasks = rows(store, f"SELECT ?task ?t WHERE {{ ?task lt:inPlan <{jiashan}> . <{jiashan}> rdfs:label ?t }}")
    assert len(tasks) == 1


def test_a_one_character_district_is_a_place_and_the_front_matter_names_its_prefecture(tmp_path):
    # 郊区 of 甲水市: its title names only 郊区, the government heading the file names 甲水市 too
    path = tmp_path / "jiaoqu.txt"
    path.write_text(
        "甲水市郊区人民政府文件\n\n"
        + plan_text(
            "郊政通〔2019〕4号",
            "郊区打赢蓝天保卫战三年行动方案",
            "为改善空气质量，制定本方案。",
            "加强施工扬尘治理，2019年底前完成。（区住房城乡建设局牵头）",
        ),
        encoding="utf-8",
    )
    plan = load_plan(path)
    assert (plan.jurisdiction.name, plan.jurisdiction.key) == ("郊区", "甲水市郊区")
    (lead,) = [a.agency for a in plan.tasks[0].attributions]
    assert (lead.name, lead.place) == ("郊区住房和城乡建设局", "甲水市郊区")
    # 城区 named by a title alone takes its prefecture from the plan it carries out
    path.write_text(
        plan_text(
            "城政通〔2019〕2号",
            "城区打赢蓝天保卫战三年行动方案",
            "为贯彻落实《甲山州打赢蓝天保卫战三年行动方案》（甲政发〔2019〕5号），制定本方案。",
            "加强施工扬尘治理，2019年底前完成。（区住房城乡建设局牵头）",
        ),
        encoding="utf-8",
    )
    assert load_plan(path).jurisdiction.key == "甲山州城区"
    # a one-character city too (芒市), but not a word for an area
    assert leading_places("丙市打赢蓝天保卫战三年行动方案") == ["丙市"]
    assert leading_places("城市大气污染防治方案") == leading_places("市区打赢蓝天保卫战方案") == []


def test_plans_that_name_no_place_keep_their_agencies_apart(tmp_path):
    places = set()
    for number in ("甲政通〔2019〕1号", "乙政通〔2019〕2号"):
        path = tmp_path / "plan.txt"
        path.write_text(
            plan_text(
                number,
                "打赢蓝天保卫战三年行动方案",
                "为改善空气质量，制定本方案。",
                "加强施工扬尘治理，2019年底前完成。（县住房城乡建设局牵头）",
            ),
            encoding="utf-8",
        )
        plan = load_plan(path)
        assert plan.jurisdiction is None
        places |= {a.agency.place for task in plan.tasks for a in task.attributions}
    assert len(places) == 2 and all(p.startswith("未知辖区") for p in places)


def test_the_explorers_plan_lists_tell_two_plans_of_one_title_apart_by_place(tmp_path):
    write_two_dongcheng_plans(tmp_path)  # both titled 东城区打赢蓝天保卫战三年行动方案
    build_store(tmp_path / "store", sorted(tmp_path.glob("*.txt")))
    from web import create_app

    client = create_app({"STORE": tmp_path / "store", "TESTING": True}).test_client()
    for url in ("/due?before=2030-01-01", "/audit/overdue?as_of=2030-01-01", "/compare"):
        page = client.get(url).get_data(as_text=True)
        assert "东城区打赢蓝天保卫战三年行动方案（甲山州东城区）" in page.replace(" 东政通〔2019〕3号", ""), url
        assert "东城区打赢蓝天保卫战三年行动方案（甲水市东城区）" in page.replace(" 东政通〔2019〕3号", ""), url


def test_a_portals_doc_number_field_names_the_plans_doc_number(tmp_path):
    path = tmp_path / "portal.txt"
    path.write_text(
        "索引号：001234/2016-00042 主题分类：环境保护\n发文机关：某某省人民政府办公厅 成文日期：2016-03-02\n"
        "发文字号：某政办发〔2016〕17号\n某某省人民政府办公厅关于印发某某省大气污染防治重点工作分工方案的通知\n"
        "各市人民政府，省政府直属各单位：\n现印发给你们，请认真贯彻执行。\n某某省人民政府办公厅\n2016年3月2日\n"
        "某某省大气污染防治重点工作分工方案\n为落实《大气污染防治行动计划》（国发〔2013〕37号），制定本方案。\n"
        "一、调整能源结构\n1．控制煤炭消费总量，新建项目实行煤炭减量替代。（省发展改革委牵头，省统计局参与）\n",
        "utf-8",
    )
    plan = load_plan(path)
    assert plan.doc_number == "某政办发〔2016〕17号"
    assert plan.title == "某某省大气污染防治重点工作分工方案"


def test_a_regional_plan_with_a_national_doc_number_is_no_prefecture_above_the_city(tmp_path):
    # 京津冀及周边地区 ends like 地区 (a prefecture-level place name), but the ministries issued the plan for it
    assert issuer_of("京津冀及周边地区2019-2020年秋冬季大气污染综合治理攻坚行动方案", "环大气〔2019〕88号")[0] == "中国"
    path = tmp_path / "city.txt"
    path.write_text(
        "丙城市2019-2020年秋冬季大气污染综合治理攻坚行动方案\n根据《京津冀及周边地区2019-2020年秋冬季大气污染综合治理攻坚"
        "行动方案》（环大气〔2019〕88号）要求，制定本方案。\n一、主要任务\n1．完成散煤治理，2019年10月底前完成。"
        "（市住建局牵头，市能源局配合）\n",
        "utf-8",
    )
    plan = load_plan(path)
    assert (plan.jurisdiction.name, plan.level) == ("丙城市", "prefecture")


def test_a_news_repost_whose_lede_names_the_plan_takes_that_title(tmp_path):
    path = tmp_path / "repost.txt"
    path.write_text(
        "丁江市：明年底前关停全部燃煤小锅炉\n来源：某某环保网 时间：2019-03-02\n"
        "日前，丁江市印发《丁江市打赢蓝天保卫战三年行动方案》。方案提出，到2020年全市空气质量优良天数比率达到85%。全文如下：\n"
        "为全面落实《国务院关于印发打赢蓝天保卫战三年行动计划的通知》（国发〔2018〕22号）要求，制定本方案。\n"
        "一、主要任务\n1．淘汰燃煤小锅炉，2020年底前全部关停。（市市场监管局牵头，市生态环境局配合）\n",
        "utf-8",
    )
    plan = load_plan(path)
    assert plan.title == "丁江市打赢蓝天保卫战三年行动方案"
    assert plan.jurisdiction.name == "丁江市"
    assert [t.text[:6] for t in plan.tasks] == ["淘汰燃煤小锅"]


def _front(tmp_path, text):
    path = tmp_path / "front.txt"
    path.write_text(text, "utf-8")
    return load_plan(path)


def test_a_notice_title_alone_names_the_plan_it_issues(tmp_path):
    plan = _front(
        tmp_path,
        "戊江州大气污染防治指挥部关于印发戊江州2022年度大气污染防治攻坚实施计划的通知\n首页 > 新闻中心\n"
        "经州人民政府同意，现将《戊江州2022年度大气污染防治攻坚实施计划》印发给你们，请认真组织实施。\n"
        "（一）工作思路。坚持精准治污、科学治污、依法治污。\n",
    )
    assert plan.title == "戊江州2022年度大气污染防治攻坚实施计划"
    assert plan.jurisdiction.name == "戊江州"
    assert not plan.cites  # the notice's 《…》 is the plan itself


def test_an_excerpt_opening_with_the_addressees_has_no_title(tmp_path):
    plan = _front(
        tmp_path,
        "各市、州、县人民政府，省政府各部门：\n为贯彻落实《国务院关于印发大气污染防治行动计划的通知》（国发〔2013〕37号），"
        "提出如下实施意见。\n一、指导思想\n坚持政府主导，全面改善空气质量。\n",
    )
    assert plan.title == "front"  # no title line: the file's name, not the addressees
    assert [c.doc_number for c in plan.cites] == ["国发〔2013〕37号"]


def test_a_document_sites_file_name_is_read_without_its_suffix(tmp_path):
    plan = _front(tmp_path, "某某区大气污染防治2022年行动计划.pdf\n附件1 序号 重点任务 牵头部门\n")
    assert plan.title == "某某区大气污染防治2022年行动计划"


def test_a_notice_title_in_a_news_lede_or_a_portal_field_names_the_plan(tmp_path):
    plan = _front(
        tmp_path,
        "近日，己山省人民政府关于印发己山省打赢蓝天保卫战作战方案（2018—2020年）的通知。通知指出：推广清洁取暖。"
        "鼓励企业参与集中供热管网建设。（省发展改革委、省住房城乡建设厅牵头）\n",
    )
    assert plan.title == "己山省打赢蓝天保卫战作战方案（2018—2020年）"
    assert plan.jurisdiction.name == "己山省"
    assert [sorted(a.agency.surface for a in t.attributions) for t in plan.tasks] == [["省住房城乡建设厅", "省发展改革委"]]
    plan = _front(
        tmp_path,
        "当前位置：首页 > 政务公开\n标题庚水县人民政府办公室关于印发《庚水县2018年大气污染防治攻坚行动方案》的通知\n"
        "各乡镇人民政府，县直各有关单位：\n《庚水县2018年大气污染防治攻坚行动方案》已经县人民政府同意，现印发给你们。\n",
    )
    assert plan.title == "庚水县2018年大气污染防治攻坚行动方案"
    # a title cited inside 《》 by the preamble is another plan's
    plan = _front(
        tmp_path,
        "各区人民政府：\n为贯彻落实《辛江市人民政府关于印发辛江市大气污染防治行动计划的通知》（辛政发〔2014〕3号），"
        "制定本方案。\n一、主要任务\n",
    )
    assert plan.title == "front"  # none of the text: the file's name


def test_a_date_signed_in_chinese_numerals_and_a_citation_late_in_the_preamble(tmp_path):
    plan = _front(
        tmp_path,
        "各州、市人民政府，省直有关部门：\n现将《壬川省大气污染防治行动实施方案》印发给你们，请认真贯彻执行。\n壬川省人民政府\n"
        "二○一四年三月二十日\n壬川省大气污染防治行动实施方案\n大气环境保护事关人民群众根本利益。当前我省环境空气质量总体优良。"
        "随着城镇化加快发展，防治压力进一步加大。为改善环境空气质量，根据《国务院关于印发大气污染防治行动计划的通知》"
        "（国发〔2013〕37号），制定本实施方案。\n一、总体要求\n",
    )
    assert plan.date == "2014-03-20"
    assert [c.doc_number for c in plan.cites] == ["国发〔2013〕37号"]


def test_a_repost_headed_by_the_plans_title_takes_the_number_under_the_notices_title(tmp_path):
    plan = _front(
        tmp_path,
        "首页 > 新闻\n癸山省打赢蓝天保卫战实施方案\n时间：2019-01-18 14:27\n"
        "癸山省人民政府关于印发癸山省打赢蓝天保卫战等三个实施方案的通知\n癸府发〔2019〕4号\n"
        "各市（州）人民政府，省政府各部门：\n现将《癸山省打赢蓝天保卫战实施方案》等三个方案印发给你们。\n",
    )
    assert plan.title == "癸山省打赢蓝天保卫战实施方案"
    assert plan.doc_number == "癸府发〔2019〕4号"
    assert plan.date == ""  # a posting time is no issue date


def test_a_forwarding_notice_gives_the_forwarded_plans_own_number_when_it_states_one(tmp_path):
    # another issuer's plan, forwarded with the number of the notice that issued it: that number is the plan's
    plan = _front(
        tmp_path,
        "子川县人民政府办公室关于转发子川市扬尘污染防治攻坚方案的通知\n子政办〔2024〕12号\n各乡镇人民政府，县政府各部门：\n"
        "现将《子川市人民政府办公室关于印发子川市扬尘污染防治攻坚方案的通知》（子市政办〔2024〕5号）转发给你们，"
        "请结合实际认真贯彻落实。\n子川县人民政府办公室\n2024年2月1日\n子川市扬尘污染防治攻坚方案\n一、重点任务\n",
    )
    assert plan.title == "子川市扬尘污染防治攻坚方案"
    assert plan.doc_number == "子市政办〔2024〕5号"
    assert plan.jurisdiction.name == "子川市"


def test_a_departments_plan_forwarded_by_its_government_takes_the_forwarding_notices_number(tmp_path):
    # drafted by a department and approved by the county: the forwarding notice is what issues it (like 印发)
    plan = _front(
        tmp_path,
        "丑水县人民政府办公室关于转发丑水县2024年散煤治理工作方案的通知\n丑政办函〔2024〕31号\n各乡镇人民政府，县政府有关部门：\n"
        "县发展和改革局拟定的《丑水县2024年散煤治理工作方案》已经县人民政府同意，现转发给你们，请认真贯彻执行。\n"
        "丑水县人民政府办公室\n2024年3月8日\n丑水县2024年散煤治理工作方案\n一、重点任务\n",
    )
    assert plan.title == "丑水县2024年散煤治理工作方案"
    assert plan.doc_number == "丑政办函〔2024〕31号"
    assert plan.date == "2024-03-08"
    assert plan.cites == []
