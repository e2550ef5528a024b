"""Targets: find the quantitative targets of a task's text (PM2.5年均浓度小于30微克/立方米 → a Target).

Input is a plan's matching copy (Simplified characters, ASCII digits, full-width Chinese punctuation); offsets
are relative to the input string. A target is "indicator + comparator verb + value(s) + unit + bound word":

- comparator: 小于/低于 → lt, 不超过/不高于/控制在/下降到/降至 → le, 大于/高于 → gt, 不低于/不少于 → ge,
  达到/保持/提高到 → ge unless a bound word says otherwise (以上 ge, 以下/以内 le, 左右 eq);
  下降/降低/减少 + value → decrease, 提高/增长/增加 + value → increase; 目标值为 → le for concentrations,
  indices and emissions, ge for rates and shares, else eq.
- indicator: the noun phrase right before the verb, trimmed of dates, numbering, place words (全州, 我市,
  县级以上城市, 官渡区, 市区（…）) and adverbs (力争, 原则上, 分别, 应); it must end in a measurable head
  (率 比例 比重 浓度 量 天数 指数 …). When the phrase is only a place ("蒙自市城市建成区达到70%以上") or a
  bare head ("浓度控制在35μg/m3"), the nearest fuller indicator earlier in the sentence is used.
- lists: "二氧化硫、氮氧化物排放总量分别比2015年下降1%" gives one target per pollutant; "分别不低于10%、20%、
  30%" pairs the listed items with the values. The shared head is cut from the last item where a head word
  starts (排放, 浓度, 级别 …), so names of different lengths split right ("氮氧化物、挥发性有机物排放总量").
  All the targets of one list share the phrase's span.
- year: the nearest deadline or plain year earlier in the sentence, else the plan's year; baseline year from
  比/较/与…年 (or …年基础上) between the indicator and the value.

Not taken (precision over recall): values without a comparator verb ("50%以上专业化泊位"), boiler sizes
(10蒸吨), unit capacities (2×350MW), money, ranks (第115名), and targets without a number (与2015年持平,
达到二级标准). Indicators are plain strings; the place a target applies to is not kept.
"""

from __future__ import annotations

import re

from loaders.dates import DateMention, find_date_mentions
from loaders.records import Target

_NUM = r"\d+(?:\.\d+)?"
_UNIT = (
    r"%|％|‰|个百分点|微克/立方米|毫克/立方米|[μµu]g/m[3³]|mg/m[3³]|倍|天|小时|"
    r"(?:万|亿|千)?(?:立方米|吨标准煤|吨|千瓦|千米|公里|平方米|平方公里|亩|辆|台|套|座|家|户|个|条|处|艘)"
)
_UNIT = rf"(?:{_UNIT})(?:/(?:月|年|日)?[·・.]?(?:平方公里|平方米|立方米|月|年|日|天|小时))?"
_VALUES = rf"{_NUM}\s*(?:{_UNIT})?(?:\s*[、和及]?\s*{_NUM}\s*(?:{_UNIT})?)*"
_VERBS = {
    "lt": "小于|低于",
    "le": "不超过|不高于|不大于|小于等于|控制在|控制到|下降到|下降至|降低到|降低至|降至|降到|减少到|减少至|压减到|压减至|减至",
    "gt": "大于|高于|超过",
    "ge": "不低于|不少于|不小于|大于等于",
    "reach": "力争达到|争取达到|达到|达|保持在|保持|稳定在|提高到|提高至|提升到|提升至|增加到|增加至|增长到|增长至|上升到|上升至",
    "decrease": "下降|降低|减少|削减|压减|减排",
    "increase": "提高|提升|增加|增长|上升",
    "goal": "目标值为|目标为|(?:(?<=率)|(?<=比例)|(?<=比重)|(?<=浓度)|(?<=天数))为",
}
_TARGET = re.compile(
    r"(?P<verb>"
    + "|".join(sorted((v for vs in _VERBS.values() for v in vs.split("|")), key=len, reverse=True))
    + rf")\s*(?P<values>{_VALUES})\s*(?P<bound>及?以上|及?以下|以内|左右)?"
)
_VERB_KIND = {v: kind for kind, vs in _VERBS.items() for v in vs.split("|")}
_ONE_VALUE = re.compile(rf"(?P<value>{_NUM})\s*(?P<unit>{_UNIT})?")

_HEAD = r"(?:率|比例|比率|比重|占比|浓度|量|天数|指数|指标|面积|里程|个数|次数|数量|比)"
_PLACE = (
    r"(?:全(?:国|省|区|市|州|县|盟|旗|镇|乡)|(?:我|本)(?:省|区|市|州|县)|(?:县级|市级|地级)及?以上城市|"
    r"[县市州]{0,2}(?:人民)?(?:政府)?所在地|主?城区|市区|县城|辖区内?|(?:城市)?建成区|城乡结合部|农村地区|农村|乡镇|周边|"
    r"其他|其中|重点区域|各?(?!城市)[\u4e00-\u9fff]{1,5}?(?:省|自治区|州|市|县|区|旗)(?![域场民政级容内外])|"
    r"[（(〔［\[﹝][^（()）〔〕［\]﹝﹞]{1,20}[)）〕］\]﹞])"
)
_FORMAT = (
    r"\s|[，,、；;：:。]|及|和|与|[0-9]+[.．、]|[（(][0-9一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、|"
    r"(?:到|至|截至|于|在)?\s*\d{4}\s*年(?:年?底|末)?(?:之?前)?"
)
_LEADING_FORMAT = re.compile(f"(?:{_FORMAT})+")
_LEADING_NOISE = re.compile(f"(?:{_FORMAT}|{_PLACE})+")
_TRAILING_NOISE = re.compile(
    r"(?:力争|争取|基本|原则上|分别|均|应|要|须|必须|确保|将|可|全面|稳定|进一步|累计|目标值|目标|总体|"
    r"(?:比|较|与|相比|相对于?)\s*\d{4}\s*年(?:年?底|末)?|在\s*\d{4}\s*年(?:年?底|末)?的?基础上)+$"
)
_BASELINE = re.compile(r"(?:比|较|与|相比|相对于?|在)\s*(\d{4})\s*年")
_LEADING_VERB = re.compile(
    r"^(?:争取|力争|提高|提升|加强|推进|加快|强化|降低|减少|确保|实现|推动|严格|全面|开展|做好)+"
)
_AFTER_HEAD = r"力争|争取|原则上|分别|均|应|要|较|比|与|" + "|".join(_VERB_KIND)
_BLOCKER = re.compile(r"[《》]|达到|控制在|保持|小于|低于|不超过|下降|降低|提高|提升|增加|增长|减少")
_SENTENCE_END = re.compile(r"[。；;！!？?\n]")
_CLAUSE_END = re.compile(r"[，,：:。；;\n]")
_LOW_IS_GOOD = re.compile(r"(?:浓度|指数|排放量|排放总量|污染天数|消费总量|比重)$")
_HIGH_IS_GOOD = re.compile(r"(?:率|比例|比率|占比|优良天数)$")


def _sentence_start(text: str, pos: int) -> int:
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, pos)]
    return ends[-1] if ends else 0


def _clause_start(text: str, lo: int, pos: int) -> int:
    ends = [m.end() for m in _CLAUSE_END.finditer(text, lo, pos)]
    return ends[-1] if ends else lo


def _after_last_blocked_item(text: str, lo: int, hi: int) -> int:
    """Where the indicator phrase may start: after the last 、-item of text[lo:hi] that states another target."""
    pos = lo
    for item in text[lo:hi].split("、")[:-1]:
        pos += len(item) + 1
        if _BLOCKER.search(item):
            lo = pos
    return lo


def _after_unmatched_bracket(phrase: str) -> int:
    """Where `phrase` starts after a closing bracket it never opened ("区）建成区" → 2)."""
    depth, start = 0, 0
    for i, char in enumerate(phrase):
        if char in "（(〔［[﹝":
            depth += 1
        elif char in "）)〕］]﹞":
            depth, start = (depth - 1, start) if depth else (0, i + 1)
    return start


def _trim(phrase: str) -> tuple[str, int]:
    """The indicator inside `phrase` and the offset where it starts in it."""
    skip = _after_unmatched_bracket(phrase)
    lead = _LEADING_NOISE.match(phrase, skip)
    skip = lead.end() if lead else skip
    core = _TRAILING_NOISE.sub("", phrase[skip:])
    verb = _LEADING_VERB.match(core)
    if verb:
        skip, core = skip + verb.end(), core[verb.end() :]
    core = core.strip()
    if len(core) > 16:
        cut = max(core.rfind(c) for c in "）)的中") + 1
        core = core[cut:] if len(core) - cut >= 4 else core
    return core, skip


def _earlier_indicator(text: str, lo: int, hi: int, head: str = "") -> str:
    """The nearest indicator (a phrase ending in a measurable head, `head` if given) in text[lo:hi]."""
    pattern = re.compile(
        rf"[^\s，,、；;：:。《》]*?{re.escape(head) if head else _HEAD}(?=[^\u4e00-\u9fff]|{_AFTER_HEAD}|$)"
    )
    best = ""
    for m in pattern.finditer(text, lo, hi):
        candidate, _ = _trim(m.group())
        if len(candidate) > len(head) and _ENDS_WITH_HEAD.search(candidate):
            best = candidate
    return best


def _comparator(verb: str, bound: str, indicator: str) -> str:
    kind = _VERB_KIND.get(verb, "goal")  # the bare 为 of "优良率为97%" is listed behind its look-behinds
    if kind in ("reach", "goal"):
        if bound.endswith("以上"):
            return "ge"
        if bound.endswith("以下") or bound == "以内":
            return "le"
        if bound == "左右":
            return "eq"
        if kind == "reach":
            return "ge"
        return "le" if _LOW_IS_GOOD.search(indicator) else "ge" if _HIGH_IS_GOOD.search(indicator) else "eq"
    return kind


# words a shared indicator head starts with, after the listed names ("挥发性有机物|排放总量", "红色|级别减排比例")
_HEAD_START = re.compile(
    r"排放|年均|年平均|日均|平均|浓度|总量|级别|减排|削减|综合利用|利用|达标|覆盖|消费|比例|比重|占比|天数|指数"
)


def _split_items(indicator: str, n_values: int, respectively: bool) -> list[str]:
    """'二氧化硫、氮氧化物排放总量' → ['二氧化硫排放总量', '氮氧化物排放总量'] when the values are per item."""
    items = indicator.split("、")
    if len(items) < 2 or not (respectively or n_values == len(items)):
        return [indicator]
    last = items[-1]
    width = len(items[-2])  # the last item's name is as long as the one before it, unless that cuts a word
    if not _HEAD_START.match(last, width):
        width = next((i for i in range(1, len(last)) if _HEAD_START.match(last, i)), width)
    head = last[width:]
    if not head or any(len(item) > 8 for item in items[:-1]):
        return [indicator]
    return [item + head for item in items[:-1]] + [last]


_HEAD_RE = re.compile(_HEAD)
_ENDS_WITH_HEAD = re.compile(rf"{_HEAD}$")
_ONLY_PLACES = re.compile(rf"(?:{_PLACE}|[、及和的])+")


def find_targets(
    text: str, plan_year: int | None = None, dates: list[DateMention] | None = None
) -> list[Target]:
    """The quantitative targets stated in `text`, in order of appearance (`dates`: its date mentions, when
    the caller found them already)."""
    targets: list[Target] = []
    if dates is None:
        dates = find_date_mentions(text, plan_year)
    for m in _TARGET.finditer(text):
        values = [
            (float(v.group("value")), v.group("unit") or "") for v in _ONE_VALUE.finditer(m.group("values"))
        ]
        units = {u for _, u in values if u}
        if not units and not m.group("bound"):
            continue  # a bare number after a verb is not a target
        unit = next((u for _, u in reversed(values) if u), "")
        values = [(v, u or unit) for v, u in values]
        sentence = _sentence_start(text, m.start())
        clause = _clause_start(text, sentence, m.start())
        clause = _after_last_blocked_item(text, clause, m.start())
        local = text[clause : m.start()]
        indicator, _ = _trim(local)
        if not indicator or indicator.endswith("的") or _only_places(indicator):
            indicator = _earlier_indicator(text, sentence, m.start())
        elif _HEAD_RE.fullmatch(indicator) or len(indicator) <= 2:
            indicator = _earlier_indicator(text, sentence, m.start(), indicator) or indicator
        if not _ENDS_WITH_HEAD.search(indicator):
            continue
        if not unit and not indicator.endswith("指数"):
            continue
        baseline = _BASELINE.search(local)
        year = next(
            (
                d.year
                for d in reversed(dates)
                if sentence <= d.start < m.start() and d.kind in ("deadline", "date")
            ),
            plan_year,
        )
        respectively = "分别" in local
        items = _split_items(indicator, len(values), respectively)
        pairs = list(zip(items, values, strict=True)) if len(items) == len(values) else [
            (item, value) for item in items for value in (values if len(items) == 1 else values[:1])
        ]  # fmt: skip
        start = clause + _after_unmatched_bracket(local)
        start += _LEADING_FORMAT.match(text, start).end() - start if _LEADING_FORMAT.match(text, start) else 0
        for item, (value, value_unit) in pairs:
            targets.append(
                Target(
                    indicator=item,
                    comparator=_comparator(m.group("verb"), m.group("bound") or "", item),
                    value=value,
                    unit=value_unit,
                    year=year,
                    baseline_year=int(baseline.group(1)) if baseline else None,
                    phrase=text[start : m.end()],
                    start=start,
                    end=m.end(),
                )
            )
    return targets


def _only_places(phrase: str) -> bool:
    """True when `phrase` names only where a target applies (蒙自市城市建成区, 其他县市城市建成区, 县城)."""
    return not _LEADING_NOISE.sub("", phrase) or bool(_ONLY_PLACES.fullmatch(phrase))
