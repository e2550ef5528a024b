"""Quantitative targets in task text (loaders.targets)."""

from pathlib import Path

import pytest

from loaders.targets import find_targets

PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"


def facts(text: str, plan_year: int | None = 2020) -> list[tuple]:
    found = find_targets(text, plan_year)
    assert all(text[t.start : t.end] == t.phrase for t in found)
    return [(t.indicator, t.comparator, t.value, t.unit) for t in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PM2.5年均浓度小于30微克/立方米", ("PM2.5年均浓度", "lt", 30, "微克/立方米")),
        ("优良天数比例保持97.2%以上", ("优良天数比例", "ge", 97.2, "%")),
        ("道路机械化清扫率达到70%以上", ("道路机械化清扫率", "ge", 70, "%")),
        ("全州秸秆综合利用率达到85%。", ("秸秆综合利用率", "ge", 85, "%")),
        ("PM2.5浓度控制在35μg/m3", ("PM2.5浓度", "le", 35, "μg/m3")),
        ("重污染天数控制在5天以内", ("重污染天数", "le", 5, "天")),
        ("空气质量优良天数比例力争达到99%以上", ("空气质量优良天数比例", "ge", 99, "%")),
        (
            "煤品能源在能源消费结构中所占比重下降到40%以下",
            ("煤品能源在能源消费结构中所占比重", "le", 40, "%"),
        ),
        ("非化石能源占能源消费总量比重提高到42%左右", ("非化石能源占能源消费总量比重", "eq", 42, "%")),
        ("全市天然气消费总量达到3.9亿立方米以上", ("天然气消费总量", "ge", 3.9, "亿立方米")),
        ("新能源汽车比例不低于80%", ("新能源汽车比例", "ge", 80, "%")),
        ("PM10年均浓度不超过70微克/立方米", ("PM10年均浓度", "le", 70, "微克/立方米")),
        ("全市环境空气质量综合指数控制在5.0以内", ("环境空气质量综合指数", "le", 5.0, "")),
        ("全县铁路货运量比2017年增长10%", ("铁路货运量", "increase", 10, "%")),
        ("确保降尘量低于9吨/月·平方公里", ("降尘量", "lt", 9, "吨/月·平方公里")),
        ("县级以上城市空气质量优良天数比例达到97.2%以上", ("空气质量优良天数比例", "ge", 97.2, "%")),
        (
            "辖区内可吸入颗粒物（PM10）年均浓度小于55微克/立方米",
            ("可吸入颗粒物（PM10）年均浓度", "lt", 55, "微克/立方米"),
        ),
    ],
)
def test_single_targets(text, expected):
    assert facts(text) == [expected]


def test_decrease_against_a_baseline_per_pollutant():
    found = find_targets("到2020年，全州二氧化硫、氮氧化物排放总量分别比2015年下降1%；", 2018)
    assert [(t.indicator, t.comparator, t.value, t.unit, t.baseline_year, t.year) for t in found] == [
        ("二氧化硫排放总量", "decrease", 1, "%", 2015, 2020),
        ("氮氧化物排放总量", "decrease", 1, "%", 2015, 2020),
    ]


def test_values_paired_with_listed_items():
    assert facts("黄色、橙色、红色级别减排比例原则上分别不低于10%、20%、30%") == [
        ("黄色级别减排比例", "ge", 10, "%"),
        ("橙色级别减排比例", "ge", 20, "%"),
        ("红色级别减排比例", "ge", 30, "%"),
    ]


def test_place_only_subject_takes_the_indicator_named_earlier():
    text = "提高道路机械化清扫率，2020年底前，蒙自市城市建成区达到70%以上，其他县市城市建成区达到60%以上。"
    found = find_targets(text, 2019)
    assert [(t.indicator, t.value, t.year) for t in found] == [
        ("道路机械化清扫率", 70, 2020),
        ("道路机械化清扫率", 60, 2020),
    ]
    assert found[0].phrase == "蒙自市城市建成区达到70%以上"


def test_bare_head_takes_the_fuller_indicator_of_the_sentence():
    text = "市区PM2.5年均浓度力争达到《环境空气质量标准》二级标准、浓度控制在35μg/m3"
    assert facts(text) == [("PM2.5年均浓度", "le", 35, "μg/m3")]


def test_year_from_the_sentence_else_plan_year():
    assert [t.year for t in find_targets("2018年底，全区智能渣土车数量应达到240台以上", 2020)] == [2018]
    assert [t.year for t in find_targets("秸秆综合利用率达到85%", 2019)] == [2019]
    assert [t.year for t in find_targets("秸秆综合利用率达到85%", None)] == [None]
    # a baseline year is not the target year
    assert [t.year for t in find_targets("铁路货运量较2017年增长10%", 2020)] == [2020]


def test_stated_goal_direction_depends_on_the_indicator():
    text = "2018年，我市细颗粒物（PM2.5）年平均浓度目标值为35微克/立方米，城市空气质量优良天数比率目标值为90.1%；"
    found = find_targets(text)
    assert [(t.indicator, t.comparator, t.value, t.year) for t in found] == [
        ("细颗粒物（PM2.5）年平均浓度", "le", 35, 2018),
        ("城市空气质量优良天数比率", "ge", 90.1, 2018),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "县市城市建成区基本淘汰每小时10蒸吨及以下燃煤锅炉",
        "依托2×350MW机组热源组建供热公司",
        "投入资金达到5000万元以上",
        "北部湾港口50%以上专业化泊位具备向船舶供应岸电的能力",
        "2020年底前完成，2019年达到",
        "在全国168个城市中从2019年第115名前移到100名以内",
        "二氧化硫排放总量与2015年持平",
        "PM2.5年均浓度力争达到《环境空气质量标准》二级标准",
        "淘汰关停不达标的30万千瓦以下燃煤机组",
    ],
)
def test_not_targets(text):
    assert find_targets(text, 2020) == []


def seed_sentences(fragment: str) -> list[str]:
    """Sentences of the bundled seed plans that contain `fragment`."""
    return [
        sentence
        for path in sorted(PLANS.glob("*.txt"))
        for sentence in path.read_text(encoding="utf-8").replace("\n", "。").split("。")
        if fragment in sentence
    ]


def test_seed_facts():
    # "市区重度及以上污染天数较2015年下降25%以上,控制在5天以内"
    (sentence,) = seed_sentences("污染天数较2015年下降25%")
    assert [
        (t.indicator, t.comparator, t.value, t.unit, t.baseline_year) for t in find_targets(sentence, 2020)
    ] == [
        ("重度及以上污染天数", "decrease", 25, "%", 2015),
        ("重度及以上污染天数", "le", 5, "天", None),
    ]
    # "…官渡区秸秆综合利用率力争达到90%"
    (sentence,) = seed_sentences("秸秆综合利用率力争达到90%")
    assert facts(sentence) == [("秸秆综合利用率", "ge", 90, "%")]
    # "…怀仁市、山阴县二氧化硫年均浓度控制在30μg/m3"
    sentences = seed_sentences("山阴县二氧化硫年均浓度")
    assert sentences and ("二氧化硫年均浓度", "le", 30, "μg/m3") in facts(sentences[0])


def test_bracketed_place_qualifiers_in_any_bracket_style():
    for opening, closing in ("（）", "〔〕", "[]", "﹝﹞"):
        text = f"各县{opening}市、区{closing}建成区清洁取暖覆盖率达到100%，农村地区力争达到60%以上"
        assert facts(text) == [("清洁取暖覆盖率", "ge", 100, "%"), ("清洁取暖覆盖率", "ge", 60, "%")]
