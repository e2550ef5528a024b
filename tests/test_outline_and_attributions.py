"""The outline (heading levels, section names) and the attribution grammar, on text written here."""

import pytest

from loaders.attributions import find_attributions, parse_attribution
from loaders.metadata import leading_places, normalise_doc_number
from loaders.outline import parse_outline

OUTLINE = "\n".join(
    [
        "某某县打赢蓝天保卫战工作方案",
        "一、总体要求",
        "（一）指导思想。以新思想为指导。",
        "二、主要任务",
        "（一）调整产业结构",
        "1．优化产业布局。完成编制工作。",
        "（1）严控产能。严格执行置换办法。",
        "①淘汰落后产能。",
        "2. 治理散乱污企业。",
        "## 三、保障措施",
        "**（一）加强组织领导**",
        "附件：责任清单",
        "一、优化产业布局",
    ]
)


def test_sections_name_the_heading_path():
    paragraphs = {p.text: p for p in parse_outline(OUTLINE)}
    assert paragraphs["（一）指导思想。以新思想为指导。"].section == "一.(一)"
    assert paragraphs["1．优化产业布局。完成编制工作。"].section == "二.(一).1"
    assert paragraphs["1．优化产业布局。完成编制工作。"].heading == "优化产业布局"
    assert paragraphs["（1）严控产能。严格执行置换办法。"].section == "二.(一).1.(1)"
    assert paragraphs["①淘汰落后产能。"].section == "二.(一).1.(1).①"
    assert paragraphs["2. 治理散乱污企业。"].section == "二.(一).2"  # a deeper level closes
    assert paragraphs["## 三、保障措施"].section == "三"
    assert paragraphs["**（一）加强组织领导**"].section == "三.(一)"
    assert paragraphs["**（一）加强组织领导**"].is_heading_only
    assert paragraphs["一、优化产业布局"].section == "附件.一"
    assert paragraphs["一、优化产业布局"].appendix


def test_heading_with_body_separates_title_and_body():
    (p,) = [p for p in parse_outline("（二）严控产能。严格执行钢铁产能置换实施办法。") if p.level]
    assert p.heading == "严控产能"
    assert p.text[p.body_start - p.start :] == "严格执行钢铁产能置换实施办法。"


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "牵头单位：市环保局、市发改委；责任单位：各县区人民政府",
            [("leads", "市环保局、市发改委"), ("implements", "各县区人民政府")],
        ),
        (
            "县生态环境局牵头，县发改局、县财政局参与",
            [("leads", "县生态环境局"), ("supports", "县发改局、县财政局")],
        ),
        (
            "州工信委、州发改委等按照职责负责；各县市人民政府负责落实。",
            [("responsibleFor", "州工信委、州发改委"), ("implements", "各县市人民政府")],
        ),
        ("市交通局、市公安局等按职责分别负责", [("responsibleFor", "市交通局、市公安局")]),
        ("市督查室牵头督导，市生态环境局具体负责", [("leads", "市督查室"), ("implements", "市生态环境局")]),
        (
            "市行政审批局牵头、市生态环境局配合，县〔市、区〕政府负责落实",
            [("leads", "市行政审批局"), ("supports", "市生态环境局"), ("implements", "县〔市、区〕政府")],
        ),
        ("配合单位：区商投局", [("supports", "区商投局")]),
        ("市气象局协助", [("supports", "市气象局")]),
    ],
)
def test_attribution_grammar(text, expected):
    clauses = parse_attribution(text)
    assert [(c.role, c.list_text) for c in clauses] == expected
    assert all(text[c.start : c.end] == c.list_text for c in clauses)


@pytest.mark.parametrize(
    "text",
    [
        "名单由市工信局牵头确定",
        "市清洁取暖领导小组办公室牵头对各县清洁取暖方案的审核",
        "2019年底前完成",
        "各县区人民政府、管委",  # a list with no role word
        "含废渣",
    ],
)
def test_not_attributions(text):
    assert parse_attribution(text) is None


def test_attributions_inside_a_paragraph():
    line = "完成整治（市生态环境局牵头，县〔市、区〕政府负责落实）；开展检查（名单由市工信局牵头确定）（市交通局牵头）"
    found = find_attributions(line)
    assert [line[s:e] for s, e, _ in found] == [
        "（市生态环境局牵头，县〔市、区〕政府负责落实）",
        "（市交通局牵头）",
    ]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("云政发[2018]44号", "云政发〔2018〕44号"),
        ("晋政办发﹝2019﹞30号", "晋政办发〔2019〕30号"),
        ("国发（2018）22号", "国发〔2018〕22号"),
        ("楚政通〔2018〕041号", "楚政通〔2018〕41号"),
        ("没有文号", ""),
    ],
)
def test_doc_numbers_normalised(raw, expected):
    assert normalise_doc_number(raw) == expected


@pytest.mark.parametrize(
    "title, places",
    [
        ("钦州市大气污染防治攻坚三年作战方案", ["钦州市"]),
        ("昆明市官渡区打赢蓝天保卫战实施细则", ["昆明市", "官渡区"]),
        ("黔东南苗族侗族自治州打赢蓝天保卫战实施方案", ["黔东南苗族侗族自治州"]),
        ("广西壮族自治区大气污染防治攻坚三年作战方案", ["广西壮族自治区"]),
        ("徐州市沛县打赢蓝天保卫战三年行动计划", ["徐州市", "沛县"]),  # a one-character county
        ("歙县大气污染防治工作方案", ["歙县"]),
        ("全县大气污染防治工作方案", []),
    ],
)
def test_leading_places(title, places):
    assert leading_places(title) == places
