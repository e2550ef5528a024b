"""Dates: find the date phrases of a task's text, classify them, and read the due dates (Deadline) among them.

Input is a plan's matching copy (Simplified characters, ASCII digits, full-width Chinese punctuation); offsets
are relative to the input string. Every date-like phrase becomes a DateMention of one kind:

- deadline   2020年内, 年内完成, 2020年底前, 2018年12月底前, 到2020年, 截至2020年底, 于2020年3月30日前, 2019年底基本完成,
             2020年上半年 / 年中 (→ 06-30), 一季度 (→ 03-31), 十月底前, 下旬; "3月底前" / "年底前" / "今年底"
             take the plan's year (no Deadline when it is unknown); dates listed with 、 before a closing 前
             ("于2019年6月10日、2019年12月5日前") are all deadlines
- start      2019年1月1日起, 自2019年起, 从2020年开始
- baseline   比2015年下降, 较2019年, 与2015年持平, 在2015年基础上
- recurring  每年, 每月5日前, 每季度, 每年12月底前
- period     2019至2020年, 2018－2020年, 2016—2018年度
- date       anything else: 2019年6月15日 on its own, 2020年决战计划, (2019年版)

The due date is the last day of the stated period: a year → 12-31 (precision year), a month → its last day
(precision month; "9月前" is read as "by the end of September", like "9月底前"; "2019年内" / "年内完成" as "by the end
of the year", a span such as 三年内 not), a day → that day (precision
day; "10月1日前" → 10-01 as written). 上旬/中旬 → the 10th/20th (day).

Not handled (left as kind "date" or ignored): seasons and heating periods (2020年采暖季前, 秋冬季), relative
spans (三年内, 6个月内), lunar dates, years written as 二〇年 or two digits ('20年), and a bare year with
no 到/截至/于 and no completion verb after it ("2020年停止生产" stays a date). A Chinese-numeral month with no
year is taken only when 底/末/日/旬/份/前 follows and it is not part of a word (统一, 唯一, 第二…).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from loaders.records import Deadline

_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0}


def cn_number(s: str) -> int:
    """An ASCII or Chinese-numeral integer: '12', '十二', '二十一', '三十', '二〇二〇' (digit by digit)."""
    if s.isdigit() and s.isascii():
        return int(s)
    if "十" not in s:
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    tens, _, units = s.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


_SP = r"[ \t\u3000\r\n]*"
_YEAR = r"(?P<{p}year>\d{{4}}|[〇零一二三四五六七八九]{{4}}|今|明)" + _SP + "年" + _SP
_MONTH_DAY = (
    r"(?P<{p}month>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])" + _SP + "月(?!份?" + _SP + "[以至到])" + _SP
    + r"(?:(?P<{p}day>[12]\d|3[01]|0?[1-9]|三十一?|二?十[一二三四五六七八九]?|[一二三四五六七八九])"
    + _SP + r"[日号]|(?P<{p}mend>[底末]|份)|(?P<{p}xun>[上中下]旬))?"
)  # fmt: skip
# "2019年内", "年内完成", "本年度内": within the year, due by its end ("年内蒙古", "年内部" are words, not this)
_WITHIN = r"度?内(?![蒙部容外河陆燃环涝])"
_YEAR_TAIL = (
    r"(?:(?P<{p}yend>年?[底末]|年?" + _WITHIN + r")|(?P<{p}half>上半年|下半年|年中(?="
    + _SP
    + r"(?:之前|以前|前|完成|[，,。；;、]|$)))"
    r"|(?P<{p}quarter>第?[一二三四1-4]季度末?)|" + _MONTH_DAY + ")"
)
_ENDS = r"(?P<suffix>" + _SP + r"(?:之前|以前|前|起|开始|以来|以后|之后))?"
_DAY_PLAIN = r"(?:[12]\d|3[01]|0?[1-9])" + _SP + "[日号]"
_MD_PLAIN = re.sub(r"\(\?P<\{p\}\w+>", "(?:", _MONTH_DAY)
_DATE = re.compile(
    r"(?P<period>(?<![\d.])\d{4}" + _SP + "年?" + _SP + r"(?:[至到~～\-－—–]|——)" + _SP + r"\d{4}" + _SP + "年度?)"
    + r"|(?P<recurring>每" + _SP + r"(?:年度?|季度?|半年|月|周|旬|日|天)(?:" + _SP + "(?:" + _MD_PLAIN + "|" + _DAY_PLAIN + r"))?(?:"
    + _SP + r"年?[底末])?(?:" + _SP + r"(?:之前|以前|前))?)"
    + r"|(?P<dated>(?<![\d.〇零一二三四五六七八九十])(?:"
    + _YEAR.format(p="a_") + "(?:" + _YEAR_TAIL.format(p="a_") + ")?"
    + r"|(?P<b_yend>(?<!每)年[底末]|(?<![每全近\d〇零一二三四五六七八九十两几数多半个])年" + _WITHIN + r")|(?P<b_half>上半年|下半年)|(?P<b_quarter>第?[一二三四]季度末?)|"
    + _MONTH_DAY.format(p="b_") + ")" + _ENDS + ")"
)  # fmt: skip

_BEFORE_KIND = [
    ("baseline", re.compile(r"(?:比|较|与|同|对比|相比|相较|相对于?)" + _SP + "$")),
    ("start", re.compile(r"(?:自|从|由)" + _SP + "$")),
    ("deadline", re.compile(r"(?:到|至|截至|截止到?|于|力争|争取)" + _SP + "$")),
]
_AFTER_BASELINE = re.compile(_SP + r"(?:的?基础上|水平|基数|同期|相比)")
_AFTER_DONE = re.compile(
    _SP + r"(?:[，,]" + _SP + ")?(?:全[区州市县省面部]|基本|逐步|全部|力争)?(?:完成|建成|实现|达到|淘汰)"
)
_DEADLINE_PREFIX = re.compile(r"(?:到|截至|截止到?|于)" + _SP + "$")
_WORD_BEFORE_NUMERAL = set("统唯万之第逐同单专划均合归再进")  # 统一, 唯一, 第二… are not months


@dataclass
class DateMention:
    """A date-like phrase, classified, for evidence highlighting."""

    kind: str  # 'deadline' | 'start' | 'baseline' | 'recurring' | 'period' | 'date'
    phrase: str
    start: int
    end: int
    due_date: str = ""  # ISO, for deadlines whose year is known
    precision: str = ""  # year | month | day, for deadlines
    year: int | None = None  # the year the phrase names (or the plan's year when it names none)


def _group(m: re.Match, name: str) -> str | None:
    return m.group("a_" + name) or m.group("b_" + name)


def _due(m: re.Match, plan_year: int | None) -> tuple[int | None, str, str]:
    """(year, ISO due date, precision) of a dated match; due date '' when the date is invalid or unknown."""
    y = m.group("a_year")
    if y in ("今", "明"):
        year = plan_year + (y == "明") if plan_year else None
    elif y:
        year = cn_number(y)
        if not 1949 <= year <= 2100:
            return None, "", ""
    else:
        year = plan_year
    if year is None:
        return None, "", ""
    half, quarter, month = _group(m, "half"), _group(m, "quarter"), _group(m, "month")
    if half:
        return year, (f"{year}-06-30" if half != "下半年" else f"{year}-12-31"), "month"
    if quarter:
        q = cn_number(quarter.strip("第季度末"))
        return year, f"{year}-{3 * q:02d}-{calendar.monthrange(year, 3 * q)[1]:02d}", "month"
    if not month:
        return year, f"{year}-12-31", "year"
    mo = cn_number(month)
    last = calendar.monthrange(year, mo)[1]
    day, xun = _group(m, "day"), _group(m, "xun")
    if day:
        d = cn_number(day)
        return (year, f"{year}-{mo:02d}-{d:02d}", "day") if 1 <= d <= last else (year, "", "")
    if xun:
        return year, f"{year}-{mo:02d}-{ ({'上': 10, '中': 20}.get(xun[0], last)):02d}", "day"
    return year, f"{year}-{mo:02d}-{last:02d}", "month"


def _classify(text: str, m: re.Match) -> tuple[str, int]:
    """The kind of a dated match and where its phrase starts (a deadline's 到/截至/于 belongs to it)."""
    start, end = m.start(), m.end()
    before, after = text[max(0, start - 4) : start], text[end : end + 12]
    suffix = (m.group("suffix") or "").strip()
    for kind, pattern in _BEFORE_KIND:
        if pattern.search(before) and not (
            kind == "deadline" and suffix in ("起", "开始", "以来", "以后", "之后")
        ):
            keep = pattern.search(before) if kind != "deadline" else _DEADLINE_PREFIX.search(before)
            return kind, start - (len(keep.group()) if keep else 0)
    if _AFTER_BASELINE.match(after):
        return "baseline", start
    if suffix in ("起", "开始", "以来", "以后", "之后"):
        return "start", start
    ends_period = any(_group(m, g) for g in ("yend", "half", "quarter", "mend", "xun"))
    if suffix or ends_period or _AFTER_DONE.match(after):
        return "deadline", start
    return "date", start


def find_date_mentions(text: str, plan_year: int | None = None) -> list[DateMention]:
    """Every date-like phrase of `text`, classified; deadlines carry their due date when the year is known."""
    mentions: list[DateMention] = []
    for m in _DATE.finditer(text):
        if m.group("period") or m.group("recurring"):
            kind = "period" if m.group("period") else "recurring"
            mentions.append(DateMention(kind, m.group(), m.start(), m.end()))
            continue
        month = _group(m, "month")
        if not m.group("a_year") and month:
            # a month without a year: Arabic, or a Chinese numeral that plainly closes a date phrase
            chinese = not month.isdigit()
            if chinese and (
                not any(_group(m, g) for g in ("day", "mend", "xun"))
                and not m.group("suffix")
                or text[m.start() - 1 : m.start()] in _WORD_BEFORE_NUMERAL
            ):
                continue
        kind, start = _classify(text, m)
        year, due, precision = _due(m, plan_year)
        mention = DateMention(kind, text[start : m.end()], start, m.end(), year=year)
        if kind == "deadline" and due:
            mention.due_date, mention.precision = due, precision
        mentions.append(mention)
    # dates listed before a closing 前 ("2019年6月10日、2019年12月5日前") share its deadline reading
    for i in range(len(mentions) - 2, -1, -1):
        here, after = mentions[i], mentions[i + 1]
        if (
            here.kind == "date"
            and after.kind == "deadline"
            and text[here.end : after.start].strip() in ("、", "和", "及")
        ):
            here.kind = "deadline"
            m = _DATE.fullmatch(here.phrase + "前")
            if m and m.group("dated"):
                _, here.due_date, here.precision = _due(m, plan_year)
    return mentions


def find_deadlines(text: str, plan_year: int | None = None) -> list[Deadline]:
    """The due dates stated in `text` (deadline mentions with a known year), in order of appearance."""
    return deadlines_among(find_date_mentions(text, plan_year))


def deadlines_among(mentions: list[DateMention]) -> list[Deadline]:
    """The due dates among date mentions already found (deadlines with a known year), in their order."""
    return [
        Deadline(due_date=m.due_date, phrase=m.phrase, precision=m.precision, start=m.start, end=m.end)
        for m in mentions
        if m.kind == "deadline" and m.due_date
    ]
