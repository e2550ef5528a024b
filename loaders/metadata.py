"""Plan metadata from the text itself: title, jurisdiction and level, 文号, date, year, and cited upper plans.

The title is the last plan-like line ("…方案/计划/细则…") before the first top-level heading, so site chrome and
a covering notice ("关于印发…的通知") in front of it are passed over. The plan's jurisdiction is the place name
that opens the title, else the government heading the file (郊区人民政府文件); its parents come from that heading
when it names them (阳泉市郊区人民政府) and from the issuers of the plans it says it implements (为贯彻落实《…》（…号）).
Cited plans are identified by their normalised 文号 (brackets 〔〕 [] ﹝﹞ () → 〔〕), else their title; cited plans
of the same family (蓝天/大气/空气) are chained by level so that derivesFrom+ walks county → nation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from loaders.outline import Paragraph
from loaders.places import MUNICIPALITIES
from loaders.records import CitedPlan, Jurisdiction, Level

_PLAN_WORD = r"(?:职责分工|任务分工|责任分工|实施方案|工作方案|作战方案|行动方案|方案|行动计划|决战计划|计划|实施细则|细则|实施意见|意见|办法|要点)"
_TITLE = re.compile(
    rf"^(?!《|关于)(?!.*(?:关于印发|的通知|印发给你们)).{{4,60}}{_PLAN_WORD}(?:[（(][^）)]*[）)])?$"
)
_CITING_SENTENCES = 5  # the preamble's sentence citing the plans above it is among its first few
_NOTICE_OF = re.compile(r"关于印发[《〈<]?([^《》〈〉<>]{4,60}?)[》〉>]?的通知$")
# a news lede: "近日，X人民政府关于印发Y的通知。通知指出：…"
_NOTICE_OF_IN_PROSE = re.compile(r"关于印发[《〈<]?([^《》〈〉<>。，]{4,60}?)[》〉>]?的通知(?=[。，,；]|$)")
_ADDRESSEES = re.compile(r"(?:人民政府|政府|部门|单位|管委会)[，,：:]?.{0,40}[：:]$")
_FILE_SUFFIX = re.compile(r"\.(?:pdf|docx?|wps|txt|ofd)$", re.IGNORECASE)
_ISSUED_TITLE = re.compile(r"印发(?:了)?《([^《》]{4,60})》")
_FULL_TEXT_FOLLOWS = re.compile(r"(?:全文|原文|方案|内容)如下[：:]?\s*$")
_TITLE_TAIL = re.compile(rf"^{_PLAN_WORD}$")
_DOCNO = re.compile(
    r"(?P<org>[\u4e00-\u9fff]{1,10})\s*[〔\[﹝(（【]\s*(?P<year>(?:19|20)\d\d)\s*[〕\]﹞)）】]\s*(?P<num>\d{1,4})\s*号"
)
_DOCNO_LABEL = re.compile(r"^(?:发文字号|发文文号|发文号|文号)\s*[：:]\s*")
_HAN_DIGITS = {c: n for n, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0, "Ｏ": 0, "O": 0}
_DATE_HAN = re.compile(r"([〇○零ＯO一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日")


def _han_number(text: str) -> int:
    """二○一四 → 2014 (digit by digit), 十二 → 12, 二十 → 20, 二十三 → 23."""
    if "十" not in text:
        return int("".join(str(_HAN_DIGITS[c]) for c in text))
    tens, _, ones = text.partition("十")
    return (_HAN_DIGITS[tens] if tens else 1) * 10 + (_HAN_DIGITS[ones] if ones else 0)


_DATE_CN = re.compile(r"((?:19|20)\d\d)年(\d{1,2})月(\d{1,2})日")
_DATE_ISO = re.compile(r"(?:发布日期|发布时间|成文日期|时间|日期)\s*[：:]\s*((?:19|20)\d\d)-(\d\d)-(\d\d)")
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d\d)年")
_PLACE_SUFFIX = "自治区|自治州|自治县|地区|省|州|市|县|区|旗|盟"
# a county may have a one-character name (沛县, 歙县): 县 then ends it unless another suffix follows (县城区…);
# so may a district or a city (城区, 郊区, 矿区 of 阳泉市; 芒市), taken as one only before a government or a
# plan-family word, or at the end of an issuer's name (阳泉市郊区), and never a word for an area (全区, 市区, 园区,
# 辖区, 城市 …)
_PLACE = re.compile(
    rf"^((?![全本该各我])[\u4e00-\u9fff]县(?![县市区州旗盟])"
    rf"|(?![全本该各我市县辖景园社片学])[\u4e00-\u9fff]区(?=人民政府|政府|委|打赢|大气|蓝天|空气|$)"
    rf"|(?![全本该各我市县城都])[\u4e00-\u9fff]市(?=人民政府|政府|委|打赢|大气|蓝天|空气|$)"
    rf"|[\u4e00-\u9fff]{{2,12}}?(?:{_PLACE_SUFFIX}))"
)
_ISSUER = re.compile(
    rf"(?:中共)?([\u4e00-\u9fff]{{2,12}}?(?:{_PLACE_SUFFIX}))(?:委|人民政府|政府|人民政府办公厅|政府办公室)"
)
# the issuing government in the front matter: 郊区人民政府文件, 阳泉市郊区人民政府 www…
_FRONT_ISSUER = re.compile(r"([\u4e00-\u9fff]{2,24}?)(?:人民政府|政府)(?:办公室|办公厅)?(?:文件)?(?![\u4e00-\u9fff])")
_NATIONAL_DOCNO = re.compile(r"(?:国办?[发函]|中办?发|环办?大气)〔")
_FAMILY = re.compile(r"蓝天|大气|空气")
_PROSE = re.compile(r"[。；]|^.{0,40}，.{10,}")  # a sentence, or a clause going on: not a title
_NOT_A_PLAN = re.compile(r"(?:条例|法)$")
_CITATION_CUE = re.compile(r"贯彻|落实|根据|按照|依据|结合")
_CITED = re.compile(r"《(?P<title>[^《》]{4,120})》\s*(?:[（(](?P<no>[^（）()]{3,30}号)[）)])?")

_LEVEL_OF_SUFFIX = {
    "省": Level.PROVINCE,
    "自治区": Level.PROVINCE,
    "州": Level.PREFECTURE,
    "自治州": Level.PREFECTURE,
    "地区": Level.PREFECTURE,
    "盟": Level.PREFECTURE,
    "市": Level.PREFECTURE,
    "县": Level.COUNTY,
    "自治县": Level.COUNTY,
    "区": Level.COUNTY,
    "旗": Level.COUNTY,
}
_RANK = [Level.NATION, Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP]
NATION = "中国"


@dataclass
class PlanMetadata:
    """What the text says about the plan itself."""

    title: str = ""
    title_start: int = -1  # offset of the title line (the body starts after it)
    title_end: int = -1
    jurisdiction: Jurisdiction | None = None
    level: str = ""
    doc_number: str = ""
    date: str = ""
    year: int | None = None
    cites: list[CitedPlan] = field(default_factory=list)
    cites_span: tuple[int, int] | None = None  # the paragraph that states them


def normalise_doc_number(text: str) -> str:
    """云政发[2018]44号 / 云政发﹝2018﹞44号 / 云政发（2018）44号 → 云政发〔2018〕44号; '' when none."""
    m = _DOCNO.search(text)
    return f"{m.group('org')}〔{m.group('year')}〕{int(m.group('num'))}号" if m else ""


def place_level(name: str) -> str:
    """The level a place name's suffix implies (市 is taken as a prefecture; callers refine)."""
    if name in MUNICIPALITIES:
        return Level.PROVINCE
    for suffix in sorted(_LEVEL_OF_SUFFIX, key=len, reverse=True):
        if name.endswith(suffix):
            return _LEVEL_OF_SUFFIX[suffix]
    return ""


def leading_places(title: str) -> list[str]:
    """Place names that open a title, outermost first: 昆明市官渡区… → [昆明市, 官渡区]."""
    places, rest = [], title
    while True:
        m = _PLACE.match(rest)
        if not m:
            return places
        name = m.group(1)
        # 钦州市: the shortest match "钦州" is followed by another suffix character; take the longer name
        while len(name) < len(rest) and rest[len(name)] in "市县区州旗盟" and len(name) < 12:
            name += rest[len(name)]
        if name in ("全省", "全市", "全州", "全县", "全区"):
            return places
        places.append(name)
        rest = rest[len(name) :]


def issuer_of(title: str, doc_number: str = "") -> tuple[str, str]:
    """(jurisdiction, level) of the body that issued a cited document, from its title, else its 文号 when
    that is a national one (国发, 国办发, 中发, 环大气 …: a local 文号 opens with the issuer's abbreviation,
    which does not tell 通州区 from 通许县)."""
    national_number = _NATIONAL_DOCNO.match(doc_number) is not None
    if title.startswith(("国务院", "中共中央", "国家", "生态环境部", "环境保护部")) or "国发" in title:
        return NATION, Level.NATION
    m = _ISSUER.match(title)
    if m:
        return m.group(1), place_level(m.group(1))
    if national_number:  # a title naming a region the ministries issued it for (《京津冀及周边地区…方案》, 环大气〔2020〕61号)
        return NATION, Level.NATION
    places = leading_places(title)
    if places:
        return places[-1], place_level(places[-1])
    return (NATION, Level.NATION) if national_number else ("", "")


def cited_plan(title: str, doc_number: str) -> CitedPlan:
    """A plan cited by its title and 文号, with its issuer; a title that names the issuer's parent too
    (《南京市鼓楼区…方案》) gives the issuer's key (南京市鼓楼区: see `Jurisdiction.key`)."""
    name, level = issuer_of(title, doc_number)
    cited = CitedPlan(title, doc_number, name, level)
    places = leading_places(title)
    if len(places) >= 2 and places[-1] == name:
        cited.jurisdiction_key = Jurisdiction(name, level, Jurisdiction(places[-2], place_level(places[-2]))).key
    return cited


def _stem(name: str) -> str:
    """A place name without its suffix: 红河哈尼族彝族自治州 → 红河哈尼族彝族, 红河州 → 红河."""
    for suffix in sorted(_PLACE_SUFFIX.split("|"), key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def same_place(a: str, b: str) -> bool:
    """Whether two names may name one place: equal, or one's stem opens the other's (红河州 and
    红河哈尼族彝族自治州); 通州区 and 通许县 share only one character and are not."""
    if a == b:
        return True
    short, long = sorted((_stem(a), _stem(b)), key=len)
    return len(short) >= 2 and long.startswith(short)


_APPENDIX_LABEL = re.compile(r"^(?:附件|附表)\s*[\d一二三四五六七八九十]*\s*[：:]?\s*")


def _without_label(p: Paragraph) -> tuple[str, int]:
    """A line's text without an appendix label opening it (附件1：…, 附表2 …), and the offset where the rest starts."""
    text = p.text.rstrip()
    label = _APPENDIX_LABEL.match(text)
    skip = label.end() if label else 0
    return text[skip:], p.start + skip


def _find_title(paragraphs: list[Paragraph]) -> tuple[str, int, int]:
    """(title, start, end): the last plan-like line before the first top-level heading, joined with a short
    continuation line such as 实施方案; else the first line (a bare appendix label 附件1 above it passed over), or
    no title when that is a table row. A
    title line's appendix label (附件1：…方案, as an attachment published on its own opens) is no part of it, and a
    table row (tab-separated cells) is no title."""
    first_top = next(
        (i for i, p in enumerate(paragraphs) if p.level == 1 and not p.appendix), len(paragraphs)
    )
    best = None
    for i in range(first_top):
        p = paragraphs[i]
        if p.markdown_title:
            line, start = p.text[p.body_start - p.start :], p.start
        else:
            line, start = _without_label(p)
        line = _FILE_SUFFIX.sub("", line.strip().lstrip("#").strip())  # a document site's heading: "…行动计划.pdf"
        if "\t" not in line and _TITLE.match(line):
            end = p.end
            if i + 1 < first_top and _TITLE_TAIL.match(paragraphs[i + 1].text.strip()):
                line += paragraphs[i + 1].text.strip()
                end = paragraphs[i + 1].end
            best = (line, start, end)
    if best:
        return best
    for q in paragraphs[:first_top]:
        # a news repost whose lede names the plan and runs into its text: "…日前，X印发《宁波市…方案》。…全文如下："
        if _FULL_TEXT_FOLLOWS.search(q.text) and (m := _ISSUED_TITLE.search(q.text)) and _TITLE.match(m.group(1)):
            return m.group(1), q.start + m.start(1), q.start + m.end(1)
        # only the notice's title is left: "X关于印发Y实施计划的通知" names the plan Y
        m = _NOTICE_OF.search(q.text.strip()) or _NOTICE_OF_IN_PROSE.search(q.text)
        if m and _TITLE.match(m.group(1)) and not _inside_quotes(q.text, q.text.index(m.group(0))):
            start = q.start + q.text.index(m.group(1))
            return m.group(1), start, start + len(m.group(1))
    for p in paragraphs:
        line, start = _without_label(p)
        if not line.strip():
            continue  # an empty line, or an appendix label alone
        if "\t" in line.strip():  # a table with no title above it (a sheet opening with its header row)
            return "", -1, -1
        if _ADDRESSEES.search(line.strip()):  # an excerpt that opens with the notice's addressees: no title line
            return "", -1, -1
        if _PROSE.search(line):  # an excerpt opening with its preamble: no title line, the body starts at once
            return line.strip()[:60], -1, -1
        return line.strip()[:60], start, p.end
    return "", -1, -1


def _notice_number_after_title(paragraphs: list[Paragraph], title_end: int) -> str:
    """A news repost headed by the plan's title, then the notice that issued it: the 文号 on its own line right under
    the notice's title ("四川省人民政府关于印发…的通知" / "川府发〔2019〕4号"), before the body begins."""
    after = [p for p in paragraphs if p.start >= title_end]
    for notice, line in zip(after, after[1:], strict=False):
        if notice.level or line.level:
            break
        if _NOTICE_OF.search(notice.text.strip()) and _DOCNO.fullmatch(line.text.strip()):
            return normalise_doc_number(line.text.strip())
    return ""


_ISSUING_NOTICE = re.compile(r"^.*?关于印发|的通知$")


def _forwarded_number(front: str, title: str) -> str:
    """The 文号 a 转发 notice gives the plan it forwards ("现将《市政府办公室关于印发X的通知》（某市政办〔2024〕5号）转发给
    你们" over X): the plan's own number, issued by the forwarded notice. '' when the notice cites it without one (a
    department's draft approved and forwarded by its government: the forwarding notice issues it)."""
    if not title:
        return ""
    for m in _CITED.finditer(front):
        named = _ISSUING_NOTICE.sub("", m.group("title")).replace(" ", "")
        if named == title.replace(" ", "") and m.group("no") and _DOCNO.search(m.group("no")):
            return normalise_doc_number(m.group("no"))
    return ""


def _is_itself(cited: CitedPlan, meta: PlanMetadata) -> bool:
    """Whether a plan the preamble cites is the plan itself: its title, with no 文号 or the plan's own."""
    same_title = bool(meta.title) and cited.title.replace(" ", "") == meta.title.replace(" ", "")
    return same_title and cited.doc_number in ("", meta.doc_number)


def _inside_quotes(text: str, at: int) -> bool:
    """Whether text[at] lies inside a 《…》 (the title of a document cited, not of this one)."""
    return text.count("《", 0, at) > text.count("》", 0, at)


def _find_citations(
    paragraphs: list[Paragraph], after: int
) -> tuple[list[CitedPlan], tuple[int, int] | None]:
    """The plans the preamble says it implements: the first sentence before any heading that cites 《…》 with a
    cue (贯彻, 落实, 根据 …), among the first five of its paragraph; regulations and laws (条例, 法) are no plans."""
    for p in paragraphs:
        if p.start < after:
            continue
        if p.level:
            break
        offset = 0
        for head in p.text.split("。")[:_CITING_SENTENCES]:
            if "《" in head and _CITATION_CUE.search(head):
                cites = [
                    cited_plan(m.group("title"), normalise_doc_number(m.group("no") or ""))
                    for m in _CITED.finditer(head)
                    if not _NOT_A_PLAN.search(m.group("title"))
                ]
                return cites, (p.start + offset, p.start + offset + len(head))
            offset += len(head) + 1
    return [], None


def chain_cited(cites: list[CitedPlan]) -> None:
    """Link cited plans of the plan family by level: each derives from the one at the next level up."""
    family = [c for c in cites if _FAMILY.search(c.title) and c.level in _RANK]
    for c in family:
        higher = [u for u in family if _RANK.index(u.level) < _RANK.index(c.level)]
        if higher:
            nearest = max(_RANK.index(u.level) for u in higher)
            c.derives_from = [u.key for u in higher if _RANK.index(u.level) == nearest]


def read_metadata(text: str, paragraphs: list[Paragraph]) -> PlanMetadata:
    """Everything the plan says about itself, found in its front matter and preamble."""
    meta = PlanMetadata()
    meta.title, meta.title_start, meta.title_end = _find_title(paragraphs)
    front = text[: max(meta.title_start, 0)]
    for line in front.split("\n"):
        stripped = line.strip().lstrip("#").strip()
        stripped = _DOCNO_LABEL.sub("", stripped)  # a portal's field: "发文字号：浙政办发〔2014〕89号"
        if not meta.doc_number and _DOCNO.fullmatch(stripped):
            meta.doc_number = normalise_doc_number(stripped)
    if not meta.doc_number and meta.title_start >= 0:
        meta.doc_number = _notice_number_after_title(paragraphs, meta.title_end)
    if "转发" in front and (forwarded := _forwarded_number(front, meta.title)):
        meta.doc_number = forwarded  # a notice forwarding another issuer's plan: the plan's own 文号, not the notice's
    dm = _DATE_CN.search(front) or _DATE_ISO.search(front)
    if dm:
        meta.date = f"{int(dm.group(1)):04d}-{int(dm.group(2)):02d}-{int(dm.group(3)):02d}"
    elif dm := _DATE_HAN.search(front):  # signed in Chinese numerals: 二○一四年三月二十日
        year, month, day = (_han_number(dm.group(k)) for k in (1, 2, 3))
        if 1 <= month <= 12 and 1 <= day <= 31:
            meta.date = f"{year:04d}-{month:02d}-{day:02d}"
    ym = _YEAR_IN_TITLE.search(meta.title)
    meta.cites, meta.cites_span = _find_citations(paragraphs, meta.title_end)
    # the notice's "《X》已经县人民政府同意" names the plan itself, not a plan above it
    meta.cites = [c for c in meta.cites if not _is_itself(c, meta)]
    cited_years = [int(_DOCNO.search(c.doc_number).group("year")) for c in meta.cites if c.doc_number]
    # the year the plan is for: in its title, else its date, else the latest plan it implements
    meta.year = (
        int(ym.group(1)) if ym else int(meta.date[:4]) if meta.date else max(cited_years, default=None)
    )
    chain_cited(meta.cites)

    places = leading_places(meta.title) if meta.title_start >= 0 else []  # no title line: the text's own place unknown
    issuer = _front_issuer(front)
    if not places or issuer[-1:] == places[-1:] and len(issuer) > len(places):
        places = issuer  # the title names no place, or the heading names the place's parents too
    if places:
        name = places[-1]
        level = place_level(name)
        parents = [(c.jurisdiction, c.level) for c in meta.cites if c.jurisdiction and c.jurisdiction != name]
        parents += [(p, place_level(p)) for p in places[:-1]]
        if (
            level == Level.PREFECTURE
            and name.endswith("市")
            and any(lv == Level.PREFECTURE for _, lv in parents)
        ):
            level = Level.COUNTY  # a county-level city under a prefecture it cites
        meta.level = level
        meta.jurisdiction = _with_parents(name, level, parents)
    elif issuer_of("", meta.doc_number)[0] == NATION:  # 打赢蓝天保卫战三年行动计划, 国发〔2018〕22号
        meta.level = Level.NATION
        meta.jurisdiction = Jurisdiction(NATION, Level.NATION)
    return meta


def _front_issuer(front: str) -> list[str]:
    """The places of the government the front matter names as issuer ("阳泉市郊区人民政府" → [阳泉市, 郊区]), the
    fullest if it names several; [] when it names none (a name must be places throughout: 长者模式 is not)."""
    found = []
    for m in _FRONT_ISSUER.finditer(front):
        places = leading_places(m.group(1))
        if places and "".join(places) == m.group(1):
            found.append(places)
    return max(found, key=len, default=[])


def _with_parents(name: str, level: str, parents: list[tuple[str, str]]) -> Jurisdiction:
    """The jurisdiction with its `within` chain built from distinct higher-level parents, nearest first."""
    by_level: dict[str, str] = {}
    for pname, plevel in parents:
        if plevel in _RANK and _RANK.index(plevel) < _RANK.index(level) and plevel not in by_level:
            by_level[plevel] = pname
    by_level.setdefault(Level.NATION, NATION)
    chain = None
    for plevel in _RANK:
        if plevel in by_level and _RANK.index(plevel) < _RANK.index(level):
            chain = Jurisdiction(by_level[plevel], plevel, chain)
    return Jurisdiction(name, level, chain)
