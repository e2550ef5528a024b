"""Tests for loaders.agencies: splitting agency lists and resolving agencies to jurisdictions."""

import csv
from pathlib import Path

import pytest

from loaders.agencies import ALIASES, AgencyMention, AgencyResolver, canonical_stem, split_agency_list
from loaders.records import Jurisdiction

ROOT = Path(__file__).resolve().parents[1]

YUNNAN = Jurisdiction("云南省", "province")
CHUXIONG = Jurisdiction("楚雄州", "prefecture", YUNNAN)
WUDING = Jurisdiction("武定县", "county", CHUXIONG)
KUNMING = Jurisdiction("昆明市", "prefecture", YUNNAN)
GUANDU = Jurisdiction("官渡区", "county", KUNMING)
HONGHE = Jurisdiction("红河州", "prefecture", YUNNAN)
MENGZI = Jurisdiction("蒙自市", "county", HONGHE)
QINZHOU = Jurisdiction("钦州市", "prefecture", Jurisdiction("广西壮族自治区", "province"))
SHUOZHOU = Jurisdiction("朔州市", "prefecture", Jurisdiction("山西省", "province"))


def fulls(text: str) -> list[str]:
    return [m.full for m in split_agency_list(text)]


def names(jurisdiction: Jurisdiction, text: str) -> list[str]:
    return [agency.name for _, agency in AgencyResolver(jurisdiction).resolve_list(text)]


# --- splitting -------------------------------------------------------------------------------------


def test_split_on_every_separator_with_offsets():
    text = "市环保局、市发改委，市工信委,市住建委；市林业局;市农业局"
    mentions = split_agency_list(text, offset=40)
    assert [m.surface for m in mentions] == [
        "市环保局",
        "市发改委",
        "市工信委",
        "市住建委",
        "市林业局",
        "市农业局",
    ]
    assert all(text[m.start - 40 : m.end - 40] == m.surface for m in mentions)


def test_units_separated_by_spaces_are_split_with_offsets():
    text = "县交通运输局  县公安局交警大队 县住建局、各乡镇人民政府等"
    mentions = split_agency_list(text)
    assert [m.surface for m in mentions] == ["县交通运输局", "县公安局交警大队", "县住建局", "各乡镇人民政府"]
    assert all(text[m.start : m.end] == m.surface for m in mentions)


@pytest.mark.parametrize("text", ["县 交通运输局", "县（市、区） 人民政府", "生态 环境局"])
def test_a_space_inside_one_name_keeps_it_whole(text):
    assert fulls(text) == [text.replace(" ", "")]


@pytest.mark.parametrize(
    "text",
    ["县〔市、区〕政府", "县(市、区)政府", "县（市、区）人民政府", "县[市、区]政府", "县﹝市、区﹞政府"],
)
def test_brackets_keep_one_item(text):
    assert fulls(text) == [text]


def test_bracket_forms_are_one_group():
    resolver = AgencyResolver(SHUOZHOU)
    forms = ["县〔市、区〕政府", "县(市、区)政府", "县（市，区）人民政府", "各县〔市、区〕政府"]
    agencies = [resolver.resolve(f) for f in forms]
    assert {a.name for a in agencies} == {"朔州市各县〔市、区〕人民政府"}
    assert all(a.is_group and a.jurisdiction == "朔州市" for a in agencies)
    assert [a.surface for a in agencies] == forms


@pytest.mark.parametrize("tail", ["等", "等部门", "等单位", "等有关部门", "等相关部门", "等相关单位"])
def test_elision_tails_are_stripped_and_add_nothing(tail):
    text = f"市交通局、市公安局交警支队、市生态环境局{tail}"
    mentions = split_agency_list(text)
    assert [m.surface for m in mentions] == ["市交通局", "市公安局交警支队", "市生态环境局"]
    assert text[mentions[-1].start : mentions[-1].end] == "市生态环境局"


def test_empty_items_are_dropped():
    assert fulls("州工业信息化委、州公安局、州质监局、") == ["州工业信息化委", "州公安局", "州质监局"]


def test_bare_units_inherit_the_jurisdiction_word():
    assert fulls("市发展和改革局、工业和信息化局、自然资源局") == [
        "市发展和改革局",
        "市工业和信息化局",
        "市自然资源局",
    ]
    assert fulls("县财政局、市场监管局") == ["县财政局", "县市场监管局"]
    assert fulls("黔东南州生态环境局、住建局") == ["黔东南州生态环境局", "黔东南州住建局"]


def test_bare_item_after_a_collective_becomes_a_group():
    mentions = split_agency_list("各县区人民政府、管委")
    assert [m.full for m in mentions] == ["各县区人民政府", "各县区管委"]
    assert mentions[1].surface == "管委"
    agency = AgencyResolver(QINZHOU).resolve(mentions[1])
    assert agency.is_group and agency.name == "钦州市各县区管委会"


def test_named_units_do_not_inherit():
    text = "州财政局、州发展改革委，人民银行红河州中心支行、楚雄武定供电局"
    assert fulls(text) == text.replace("，", "、").split("、")


def test_place_names_share_the_last_items_head():
    assert fulls("蒙自市、个旧市、开远市人民政府") == ["蒙自市人民政府", "个旧市人民政府", "开远市人民政府"]
    assert fulls("凯里市、丹寨县、麻江县人民政府") == ["凯里市人民政府", "丹寨县人民政府", "麻江县人民政府"]
    assert fulls("朔城区、平鲁区政府") == ["朔城区政府", "平鲁区政府"]
    assert fulls("州环保局、开远市人民政府") == ["州环保局", "开远市人民政府"]


def test_each_and_the_government_head_reach_every_place_class_of_a_collective_list():
    mentions = split_agency_list("各县、区人民政府（管委会）")
    assert [m.surface for m in mentions] == ["各县", "区人民政府（管委会）"]  # as written, split on 、
    assert [m.full for m in mentions] == ["各县人民政府（管委会）", "各区人民政府（管委会）"]
    assert fulls("各县、市、区政府") == ["各县政府", "各市政府", "各区政府"]
    assert names(QINZHOU, "各乡、镇人民政府") == ["钦州市各乡人民政府", "钦州市各镇人民政府"]
    # without 各 the list names no collective
    assert fulls("县、区人民政府") == ["县人民政府", "区人民政府"]


# --- resolution: scope -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "written", "name", "jurisdiction"),
    [
        (WUDING, "州生态环境局武定分局", "楚雄州生态环境局武定分局", "楚雄州"),
        (WUDING, "县发展改革局", "武定县发展和改革局", "武定县"),
        (WUDING, "省生态环境厅", "云南省生态环境厅", "云南省"),
        (GUANDU, "市公安局官渡分局", "昆明市公安局官渡分局", "昆明市"),
        (GUANDU, "区生态环境分局", "官渡区生态环境分局", "官渡区"),
        (GUANDU, "区市场监管局", "官渡区市场监督管理局", "官渡区"),
        (QINZHOU, "钦州供电局", "钦州市供电局", "钦州市"),
        (QINZHOU, "市市政管理局", "钦州市市政管理局", "钦州市"),
        (MENGZI, "红河州生态环境局", "红河州生态环境局", "红河州"),
        (MENGZI, "州环保局", "红河州环境保护局", "红河州"),
        (MENGZI, "市环保局", "蒙自市环境保护局", "蒙自市"),
        (HONGHE, "人民银行红河州中心支行", "人民银行红河州中心支行", "红河州"),
        (WUDING, "人行武定县支行", "人行武定县支行", "武定县"),
    ],
)
def test_scope_to_the_plans_chain(plan, written, name, jurisdiction):
    agency = AgencyResolver(plan).resolve(written)
    assert (agency.name, agency.jurisdiction, agency.surface) == (name, jurisdiction, written)
    assert not agency.is_group


def test_other_provinces():
    beijing = Jurisdiction("北京市", "province")
    haidian = Jurisdiction("海淀区", "county", beijing)
    assert names(haidian, "市生态环境局、区生态环境局") == ["北京市生态环境局", "海淀区生态环境局"]
    nmg = Jurisdiction("内蒙古自治区", "province")
    qi = Jurisdiction("某某旗", "county", Jurisdiction("某某盟", "prefecture", nmg))
    assert names(qi, "盟生态环境局、旗生态环境分局、自治区生态环境厅") == [
        "某某盟生态环境局",
        "某某旗生态环境分局",
        "内蒙古自治区生态环境厅",
    ]
    aba = Jurisdiction("阿坝藏族羌族自治州", "prefecture", Jurisdiction("四川省", "province"))
    wenchuan = Jurisdiction("汶川县", "county", aba)
    resolver = AgencyResolver(wenchuan)
    assert resolver.resolve("阿坝州生态环境局").name == "阿坝藏族羌族自治州生态环境局"
    assert resolver.resolve("州生态环境局").jurisdiction == "阿坝藏族羌族自治州"
    kaili = Jurisdiction(
        "凯里市", "county", Jurisdiction("黔东南州", "prefecture", Jurisdiction("贵州省", "province"))
    )
    assert names(kaili, "州住建局、市住建局") == ["黔东南州住房和城乡建设局", "凯里市住房和城乡建设局"]


def test_unknown_scope_gets_a_stable_placeholder():
    lone_county = Jurisdiction("武定县", "county")
    first, second = AgencyResolver(lone_county), AgencyResolver(lone_county)
    agency = first.resolve("州生态环境局武定分局")
    assert agency.jurisdiction == "武定县上级州" == second.resolve("州生态环境局武定分局").jurisdiction
    assert agency.name == "武定县上级州生态环境局武定分局"
    assert first.jurisdictions["武定县上级州"].level == "prefecture"
    below = AgencyResolver(HONGHE)
    assert below.resolve("县环保局").jurisdiction == "红河州下辖县"
    assert below.jurisdictions["红河州下辖县"].within is HONGHE
    # a county the plan places in its prefecture names its placeholders by its key: 武定县 of 楚雄州
    township = AgencyResolver(WUDING).resolve("乡人民政府")
    assert (township.jurisdiction, township.jurisdiction_key) == ("楚雄州武定县下辖乡", "楚雄州武定县下辖乡")


def test_named_lower_places_become_child_jurisdictions():
    resolver = AgencyResolver(SHUOZHOU)
    agency = resolver.resolve("朔城区人民政府")
    assert (agency.name, agency.jurisdiction, agency.is_group) == ("朔城区人民政府", "朔城区", False)
    assert agency.place == "朔州市朔城区"  # told apart from another 朔城区 by its prefecture
    child = resolver.jurisdictions["朔城区"]
    assert (child.level, child.within) == ("county", SHUOZHOU)
    assert resolver.resolve("应县人民政府").jurisdiction == "应县"
    assert SHUOZHOU.within.name == "山西省" and "朔城区" not in {j.name for j in resolver.chain}


# --- resolution: groups and identity ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "written", "name"),
    [
        (HONGHE, "各县市人民政府", "红河州各县市人民政府"),
        (QINZHOU, "各县区人民政府", "钦州市各县区人民政府"),
        (GUANDU, "各街道办事处", "官渡区各街道办事处"),
        (WUDING, "各乡镇人民政府", "武定县各乡镇人民政府"),
        (WUDING, "有关部门", "武定县有关部门"),
        (WUDING, "相关部门", "武定县有关部门"),
        (HONGHE, "州直有关部门", "红河州直有关部门"),
        (WUDING, "州直有关部门", "楚雄州直有关部门"),
        (SHUOZHOU, "市直有关部门", "朔州市直有关部门"),
        (SHUOZHOU, "各有关单位", "朔州市各有关单位"),
        (SHUOZHOU, "市清洁取暖领导小组成员单位", "朔州市清洁取暖领导小组成员单位"),
        (GUANDU, "大气污染防治各有关部门", "官渡区大气污染防治各有关部门"),
    ],
)
def test_collectives_are_groups(plan, written, name):
    agency = AgencyResolver(plan).resolve(written)
    assert agency.is_group and agency.name == name


@pytest.mark.parametrize("written", ["市环保局", "县人民政府", "州委组织部", "区政府", "市“双打办”"])
def test_single_units_are_not_groups(written):
    assert not AgencyResolver(SHUOZHOU).resolve(written).is_group


def test_surface_forms_of_one_unit_share_a_name():
    resolver = AgencyResolver(HONGHE)
    short, long = resolver.resolve("州环保局"), resolver.resolve("州环境保护局")
    assert short.name == long.name == "红河州环境保护局"
    assert short.key == long.key == "环境保护局"
    assert (short.surface, long.surface) == ("州环保局", "州环境保护局")
    assert {resolver.resolve(f).name for f in ["州发改委", "州发展改革委", "州发展和改革委员会"]} == {
        "红河州发展和改革委员会"
    }
    police = {
        AgencyResolver(SHUOZHOU).resolve(f).name
        for f in ["市公交警支队", "市公安交警支队", "市公安局交警支队"]
    }
    assert police == {"朔州市公安局交通警察支队"}


def test_aliases_apply_within_one_jurisdiction_only():
    assert AgencyResolver(HONGHE).resolve("州环保局").name != AgencyResolver(WUDING).resolve("州环保局").name


@pytest.mark.parametrize(
    ("before", "after"),
    [("环保局", "生态环境局"), ("国土资源局", "自然资源局"), ("安监局", "应急管理局"), ("卫生计生委", "卫健委"),
     ("农业局", "农业农村局"), ("林业局", "林草局"), ("质监局", "市场监管局"), ("工商局", "市场监管局")],
)  # fmt: skip
def test_reform_renamed_units_are_not_merged(before, after):
    assert canonical_stem(before) != canonical_stem(after)


def test_alias_table_is_consistent():
    with (ROOT / "loaders/data/agency_aliases.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and set(rows[0]) == {"variant", "canonical", "note"}
    variants = [r["variant"] for r in rows]
    assert len(variants) == len(set(variants))
    assert all(ALIASES[ALIASES[v]] == ALIASES[v] for v in variants)  # canonical stems are fixed points
    assert canonical_stem("环保局武定分局") == "环境保护局武定分局"  # leading unit is mapped


def test_mentions_and_names_resolve_alike():
    resolver = AgencyResolver(QINZHOU)
    mention = AgencyMention(surface="管委", full="各县区管委", start=0, end=2)
    assert resolver.resolve(mention).name == resolver.resolve("各县区管委会").name
    assert resolver.resolve(mention).surface == "管委"


# --- lists copied from the seed plans -------------------------------------------------------------


def seed_texts() -> list[str]:
    """The bundled plans as a matching copy would give them (full-width commas and brackets)."""
    table = str.maketrans({",": "，", "(": "（", ")": "）", ";": "；"})
    return [
        p.read_text(encoding="utf-8").translate(table) for p in sorted((ROOT / "data/plans").glob("*.txt"))
    ]


SEED_LISTS = [
    (HONGHE, "州环境保护局、州工业信息化委", ["红河州环境保护局", "红河州工业和信息化委员会"]),
    (HONGHE, "州发展改革委、州国土资源局、州质监局", ["红河州发展和改革委员会", "红河州国土资源局", "红河州质量技术监督局"]),
    (HONGHE, "州财政局、州发展改革委，人民银行红河州中心支行",
     ["红河州财政局", "红河州发展和改革委员会", "人民银行红河州中心支行"]),
    (HONGHE, "蒙自市、个旧市、开远市人民政府", ["蒙自市人民政府", "个旧市人民政府", "开远市人民政府"]),
    (QINZHOU, "市国土资源局、市环保局、市住建委，各县区人民政府、管委",
     ["钦州市国土资源局", "钦州市环境保护局", "钦州市住房和城乡建设委员会", "钦州市各县区人民政府", "钦州市各县区管委会"]),
    (QINZHOU, "市发改委、市工信委、市交通运输局、市机关事务管理局，钦州海事局",
     ["钦州市发展和改革委员会", "钦州市工业和信息化委员会", "钦州市交通运输局", "钦州市机关事务管理局", "钦州市海事局"]),
    (WUDING, "州生态环境局武定分局、县工信商务科技局、楚雄银保监分局武定办事处、楚雄武定供电局",
     ["楚雄州生态环境局武定分局", "武定县工业信息化商务科技局", "楚雄州银保监分局武定办事处", "楚雄州武定供电局"]),
    (WUDING, "县财政局、州生态环境局武定分局等", ["武定县财政局", "楚雄州生态环境局武定分局"]),
    (GUANDU, "区住建局、区生态环境分局、市公安局官渡分局", ["官渡区住房和城乡建设局", "官渡区生态环境分局", "昆明市公安局官渡分局"]),
    (GUANDU, "区交运局、区财政局、区运管分局", ["官渡区交通运输局", "官渡区财政局", "官渡区运管分局"]),
    (SHUOZHOU, "市交通局、市公安局交警支队、市生态环境局、市财政局、市商务局",
     ["朔州市交通运输局", "朔州市公安局交通警察支队", "朔州市生态环境局", "朔州市财政局", "朔州市商务局"]),
    (SHUOZHOU, "市生态环境局、市发改委等相关部门", ["朔州市生态环境局", "朔州市发展和改革委员会"]),
    (SHUOZHOU, "县〔市、区〕政府", ["朔州市各县〔市、区〕人民政府"]),
    (SHUOZHOU, "朔城区人民政府、朔州经济开发区管委会", ["朔城区人民政府", "朔州市经济开发区管委会"]),
]  # fmt: skip


@pytest.mark.parametrize(("plan", "text", "expected"), SEED_LISTS)
def test_lists_from_the_seeds(plan, text, expected):
    assert any(text in seed for seed in seed_texts()), "the list is quoted from a seed plan"
    assert names(plan, text) == expected


def test_offsets_point_into_the_clause():
    clause = "州环境保护局、州交通运输局牵头；州工业信息化委、州公安局、州质监局、参与"
    support_start = clause.index("；") + 1
    support = clause[support_start : clause.rindex("参与")]
    mentions = split_agency_list(support, support_start)
    assert [clause[m.start : m.end] for m in mentions] == ["州工业信息化委", "州公安局", "州质监局"]
