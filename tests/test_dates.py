"""Deadlines and other date mentions in task text (loaders.dates)."""

from pathlib import Path

import pytest

from loaders.dates import cn_number, find_date_mentions, find_deadlines

PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"


def deadline(text: str, plan_year: int | None = None) -> tuple[str, str, str]:
    (found,) = find_deadlines(text, plan_year)
    assert text[found.start : found.end] == found.phrase
    return found.due_date, found.precision, found.phrase


@pytest.mark.parametrize(
    ("text", "due", "precision"),
    [
        ("2020年底前完成排污许可证核发", "2020-12-31", "year"),
        ("2018年12月底前报自治区生态环境厅", "2018-12-31", "month"),
        ("2020年9月底前完成整治", "2020-09-30", "month"),
        ("2020年2月底前完成", "2020-02-29", "month"),
        ("到2020年，全州秸秆综合利用率达到85%", "2020-12-31", "year"),
        ("2020年10月1日前，各县完成划定", "2020-10-01", "day"),
        ("全区2019年底基本完成。", "2019-12-31", "year"),
        ("污染燃料禁燃区划定工作要求2019年底完成。", "2019-12-31", "year"),
        ("2019年底，全区基本完成", "2019-12-31", "year"),
        ("2020年6月底前，完成有涂装工艺的企业整治", "2020-06-30", "month"),
        ("清洁取暖改造方案于2020年3月30日前报市", "2020-03-30", "day"),
        ("到2020年底，主城区范围内", "2020-12-31", "year"),
        ("于2020年底前完成城市建成区大气重污染企业搬迁", "2020-12-31", "year"),
        ("2020年12月31日前完成", "2020-12-31", "day"),
        ("2020年年底前建成", "2020-12-31", "year"),
        ("2020年底之前完成", "2020-12-31", "year"),
        ("截至2020年底，全部淘汰", "2020-12-31", "year"),
        ("在2020年底前完成", "2020-12-31", "year"),
        ("到 2020 年底前，淘汰", "2020-12-31", "year"),
        ("2020年\n底前完成", "2020-12-31", "year"),
        ("2020年上半年完成", "2020-06-30", "month"),
        ("2020年年中前完成", "2020-06-30", "month"),
        ("2020年第三季度末前完成", "2020-09-30", "month"),
        ("2021年十月底前完成", "2021-10-31", "month"),
        ("2021年十二月二十日前完成", "2021-12-20", "day"),
        ("二〇二〇年底前完成", "2020-12-31", "year"),
        ("2021年内完成全部老旧燃气锅炉改造", "2021-12-31", "year"),
        ("砖瓦窑企业须于2022年度内完成深度治理", "2022-12-31", "year"),
    ],
)
def test_deadline_due_dates(text, due, precision):
    assert deadline(text)[:2] == (due, precision)


def test_phrase_keeps_to_and_by_words():
    assert deadline("到2020年底，完成")[2] == "到2020年底"
    assert deadline("并于2020年8月底完成。")[2] == "于2020年8月底"
    assert deadline("2020年底前，完成")[2] == "2020年底前"


def test_month_without_year_takes_the_plan_year():
    assert deadline("3月底前列出任务清单", 2020)[:2] == ("2020-03-31", "month")
    assert deadline("确保十月底前完成改造", 2019)[:2] == ("2019-10-31", "month")
    assert deadline("今年底前完成", 2019)[0] == "2019-12-31"
    # within the year: by its end, the plan's year when none is written
    assert deadline("城区燃煤茶浴炉年内全部清零", 2021)[:3] == ("2021-12-31", "year", "年内")
    assert deadline("今年内建成县域监测网络", 2022)[:2] == ("2022-12-31", "year")
    assert deadline("本年度内完成排查整治", 2023)[:2] == ("2023-12-31", "year")
    assert find_deadlines("年内完成排查整治") == []
    assert find_deadlines("3月底前列出任务清单") == []
    (mention,) = find_date_mentions("3月底前列出任务清单")
    assert mention.kind == "deadline" and mention.due_date == ""


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("2019年1月1日起，全州全面供应国六标准车用汽柴油", "start"),
        ("自2019年起，实施", "start"),
        ("从2020年开始，将未安装的企业列入", "start"),
        ("氮氧化物排放总量比2015年下降1%", "baseline"),
        ("较2019年明显好转", "baseline"),
        ("二氧化硫排放总量与2015年持平", "baseline"),
        ("在2015年基础上下降10%", "baseline"),
        ("每月5日前将重点攻坚任务完成情况报送", "recurring"),
        ("每年12月底前报送", "recurring"),
        ("2019至2020年", "period"),
        ("（2018－2020年）", "period"),
        ("2019—2020年秋冬季", "period"),
        ("武定县人民政府办公室\n2019年6月15日\n", "date"),
        ("《产业结构调整指导目录（2019年本）》", "date"),
    ],
)
def test_not_deadlines(text, kind):
    mentions = find_date_mentions(text, 2020)
    assert [m.kind for m in mentions] == [kind]
    assert find_deadlines(text, 2020) == []


def test_period_then_recurring_is_no_deadline():
    text = "2019至2020年每年的空气质量各项指标均达到控制目标"
    assert [m.kind for m in find_date_mentions(text)] == ["period", "recurring"]
    assert find_deadlines(text) == []


def test_dates_listed_before_one_closing_before_are_all_deadlines():
    text = "并于2019年6月10日、2019年12月5日、2020年6月5日前将自查报告报送"
    assert [d.due_date for d in find_deadlines(text)] == ["2019-06-10", "2019-12-05", "2020-06-05"]


def test_invalid_and_implausible_dates_give_no_deadline():
    assert find_deadlines("2020年2月30日前完成") == []
    assert find_deadlines("3000年底前") == []
    assert find_deadlines("统一月底前报送", None) == []


def test_several_deadlines_in_order_with_offsets():
    text = "2018年底前完成试点，2019年6月底前全面推开，到2020年全部建成。"
    found = find_deadlines(text)
    assert [d.due_date for d in found] == ["2018-12-31", "2019-06-30", "2020-12-31"]
    assert all(text[d.start : d.end] == d.phrase for d in found)


def test_cn_number():
    assert [cn_number(s) for s in ("十", "十二", "二十一", "三十", "九", "二〇二〇", "12")] == [
        10, 12, 21, 30, 9, 2020, 12,
    ]  # fmt: skip


def seed_sentences(fragment: str) -> list[str]:
    """Sentences of the bundled seed plans that contain `fragment`."""
    found = []
    for path in sorted(PLANS.glob("*.txt")):
        for sentence in path.read_text(encoding="utf-8").replace("\n", "。").split("。"):
            if fragment in sentence:
                found.append(sentence)
    return found


def test_seed_facts():
    # "2020年10月1日前,各县(市、区)建成区及周边城乡结合部清洁取暖覆盖率达到100%"
    (sentence,) = [s for s in seed_sentences("清洁取暖覆盖率达到100%")]
    assert [d.due_date for d in find_deadlines(sentence)] == ["2020-10-01"]
    # "从2019年1月1日起，全市全面供应符合国六标准的车用汽柴油" is a start date, not a deadline
    sentences = seed_sentences("1月1日起")
    assert sentences and all(find_deadlines(s) == [] for s in sentences)
    # the reporting dates "于2019年6月10日、2019年12月5日、2020年6月5日、2020年12月5日前"
    (sentence,) = seed_sentences("自检自查工作报告")
    assert [d.due_date for d in find_deadlines(sentence)] == [
        "2019-06-10",
        "2019-12-05",
        "2020-06-05",
        "2020-12-05",
    ]


def test_heating_season_is_not_read_as_a_date():
    assert find_deadlines("2020年采暖季前，关停整合燃煤锅炉") == []


@pytest.mark.parametrize(
    "text",
    ["力争三年内基本消除重污染天气", "5年内不得新建同类项目", "全年内优良天数稳定在300天以上", "2021年内蒙古自治区下达的任务", "2022年内部考核"],
)
def test_spans_and_words_with_within_are_no_deadlines(text):
    assert find_deadlines(text, 2021) == []
