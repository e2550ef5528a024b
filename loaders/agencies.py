"""Agency lists and agency identity: split a responsibility clause's list of agencies into mentions and
resolve each mention to a canonical Agency scoped to the right jurisdiction of the plan.

Splitting (`split_agency_list`) works on the matching copy of a plan (Simplified, full-width punctuation):
- items are separated by 、，,；; outside brackets, so "县〔市、区〕政府" is one item;
- a trailing "等 / 等部门 / 等单位 / 等有关部门 / 等相关部门 …" is stripped and yields nothing more (an
  "etc." names no further accountable unit, so no extra 有关部门 group is invented);
- a bare unit ("工业和信息化局", "管委") after an item with a jurisdiction word inherits that word
  ("市发展和改革局、工业和信息化局" → 市工业和信息化局; "各县区人民政府、管委" → 各县区管委);
- bare place names before a last item with a government head share it
  ("蒙自市、个旧市、开远市人民政府" → 蒙自市人民政府, 个旧市人民政府, 开远市人民政府).

Resolution (`AgencyResolver`) scopes a mention to a jurisdiction of the plan's chain (plan → within → …):
- a one-character scope word (省 市 州 县 区 盟 旗 乡 镇, or 自治区/自治州/自治县/自治旗) names the nearest
  jurisdiction of the chain whose name ends with it, the plan's own first (区 in 官渡区's plan → 官渡区,
  市 there → 昆明市); 县/区/旗 otherwise mean the county-level jurisdiction of the chain;
- a full or short place name of the chain at the start ("钦州供电局", "红河州生态环境局") scopes to it;
  a place not in the chain followed by a government head ("蒙自市人民政府") becomes a child jurisdiction;
  a chain place inside the name ("人民银行红河州中心支行") scopes to it and the name stays as written;
- a scope word that names no jurisdiction of the chain gets a stable placeholder jurisdiction named
  "{plan}上级{word}", "{plan}下辖{word}" or "{plan}同级{word}", {plan} being the key of the plan's jurisdiction
  (e.g. 武定县上级州, 楚雄州武定县下辖乡); a plan of unknown place is given one of its own by its caller
  (loaders.plan: "未知辖区（{plan key}）"), "未知辖区" when none is given. Placeholders and child places are listed
  in `AgencyResolver.jurisdictions`; the caller's Jurisdiction records are never changed;
- collectives (各…, 有关…/相关…, 州直有关部门, …成员单位, 县〔市、区〕政府) are groups; place-class collectives
  are scoped to the plan's jurisdiction and normalised (县〔市、区〕政府 → 各县〔市、区〕人民政府);
- the canonical name is the jurisdiction's full name + the canonical stem, the stem being mapped through
  loaders/data/agency_aliases.csv (exact form, else its longest known leading unit: 环保局武定分局 →
  环境保护局武定分局). Units renamed by the 2018–19 reform are never merged.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from importlib.resources import files

from loaders.attributions import space_pieces
from loaders.places import ETHNIC
from loaders.records import Agency, Jurisdiction, Level

__all__ = ["AgencyMention", "AgencyResolver", "canonical_stem", "load_aliases", "split_agency_list"]


def load_aliases() -> dict[str, str]:
    """The alias table: variant stem → canonical stem (every canonical stem also maps to itself)."""
    with files("loaders").joinpath("data/agency_aliases.csv").open(encoding="utf-8") as f:
        rows = [(r["variant"].strip(), r["canonical"].strip()) for r in csv.DictReader(f)]
    aliases = {canonical: canonical for _, canonical in rows}
    aliases.update(rows)
    return aliases


def _alternation(words) -> str:
    return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))


ALIASES = load_aliases()
_ALIAS_RE = re.compile(_alternation(ALIASES))
# stems a bare list item may start with to inherit a jurisdiction word (collectives excluded)
_UNIT_RE = re.compile(_alternation(v for v in ALIASES if not v.startswith(("有关", "相关"))))

OPENERS, CLOSERS = "〔[﹝(（【《“", "〕]﹞)）】》”"
_SEPARATORS = set("、，,；;")
_BRACKETS = re.compile(r"[〔\[﹝(（【]([^〕\]﹞)）】]*)[〕\]﹞)）】]")
_TAIL = re.compile(r"[。.：:\s]+$|等(?:有关|相关|其他|其它|各)?(?:部门|单位|机构|成员单位)?$")
_SCOPE_CHARS = "省市州县区盟旗乡镇"
_SUFFIXES = ("自治区", "自治州", "自治县", "自治旗", "特别行政区", "地区", *_SCOPE_CHARS, "街道")
# two-character words that start with a scope character but are part of a unit name (市场监管局, 市政…)
_NOT_SCOPE = {"市场", "市政", "市容", "区域", "县域", "乡村", "镇村"}
_COLLECTIVE = re.compile(rf"^(各)?((?:[{_SCOPE_CHARS}]|[〔\[﹝(（【][^〕\]﹞)）】]*[〕\]﹞)）】])*)")
_AUTONOMOUS = re.compile(r"^自治[区州县旗]")
_PLACE_ONLY = re.compile(rf"^[\u4e00-\u9fff]{{0,7}}?(?:{_alternation(_SUFFIXES)})$")
_GOV_HEADS = ("人民政府", "政府", "党委", "管委会", "管委", "街道办事处", "办事处")
_CHILD_PLACE = re.compile(
    rf"^([\u4e00-\u9fff]{{1,10}}?(?:{_alternation(_SUFFIXES)}))(?=(?:{_alternation(_GOV_HEADS)}))"
)
_GROUP_STEM = re.compile(r"^(?:各|有关|相关|直)|成员单位$|(?:各|有关|相关)(?:部门|单位)$")

_LEVEL_OF_WORD = {
    "省": Level.PROVINCE, "自治区": Level.PROVINCE,
    "州": Level.PREFECTURE, "自治州": Level.PREFECTURE, "市": Level.PREFECTURE, "盟": Level.PREFECTURE,
    "县": Level.COUNTY, "区": Level.COUNTY, "旗": Level.COUNTY, "自治县": Level.COUNTY, "自治旗": Level.COUNTY,
    "乡": Level.TOWNSHIP, "镇": Level.TOWNSHIP,
}  # fmt: skip
_LEVEL_OF_SUFFIX = {
    **_LEVEL_OF_WORD,
    "地区": Level.PREFECTURE,
    "特别行政区": Level.PROVINCE,
    "街道": Level.TOWNSHIP,
}
_COUNTY_WORDS = {"县", "区", "旗", "自治县", "自治旗"}
_RANK = {Level.TOWNSHIP: 0, Level.COUNTY: 1, Level.PREFECTURE: 2, Level.PROVINCE: 3, Level.NATION: 4}


@dataclass
class AgencyMention:
    """One item of an agency list: as written, with elisions expanded, and its span in the text."""

    surface: str  # as written (whitespace removed, trailing 等… stripped)
    full: str  # with elided jurisdiction word / shared suffix restored
    start: int  # offsets of the surface in the input text (+ offset)
    end: int


_SPACE_OR_QUOTE = re.compile(r"[\s“”\"']")
_SPACES = re.compile(r"\s+")
_LIST_SEPARATOR = re.compile(r"[,，;；/]")


def canonical_stem(stem: str) -> str:
    """Map a unit stem through the alias table: exact form, else its longest known leading unit."""
    stem = _SPACE_OR_QUOTE.sub("", stem)
    if m := _ALIAS_RE.match(stem):
        return ALIASES[m.group()] + stem[m.end() :]
    return stem


def _scope(item: str) -> tuple[str, str, str]:
    """(kind, scope word, rest) of an item: kind is 'collective', 'prefix', 'place' or ''."""
    if m := _AUTONOMOUS.match(item):
        return "prefix", m.group(), item[m.end() :]
    m = _COLLECTIVE.match(item)
    each, run = m.group(1) or "", m.group(2)
    rest = item[m.end() :]
    while run and run[-1] + rest[:1] in _NOT_SCOPE:
        run, rest = run[:-1], run[-1] + rest
    if each or _BRACKETS.search(run) or len(run) >= 2:
        return "collective", each + run, rest
    if run:
        return "prefix", run, rest
    for i in range(2, min(len(item), 12)):
        if item[:i].endswith(_SUFFIXES) and _UNIT_RE.match(item[i:]):
            return "place", item[:i], item[i:]
    return "", "", item


_ITEM_MARKS = re.compile("[" + re.escape(OPENERS + CLOSERS + "".join(sorted(_SEPARATORS))) + "]")


def _items(text: str) -> list[tuple[int, int]]:
    """Spans of the list items: split on separators outside brackets."""
    spans, depth, start = [], 0, 0
    for mark in _ITEM_MARKS.finditer(text):  # only brackets and separators matter
        i, ch = mark.start(), mark.group()
        if ch in OPENERS:
            depth += 1
        elif ch in CLOSERS:
            depth = max(depth - 1, 0)
        elif ch in _SEPARATORS and depth == 0:
            spans.append((start, i))
            start = i + 1
    spans.append((start, len(text)))
    return spans


def split_agency_list(text: str, offset: int = 0) -> list[AgencyMention]:
    """Split an agency list ("市环保局、市发改委等") into mentions with elisions expanded."""
    mentions = []
    # units separated by spaces only ("市环保局 市公安局") are items of their own
    spans = [(start + a, start + b) for start, end in _items(text) for a, b in space_pieces(text[start:end])]
    for start, end in spans:
        raw = text[start:end]
        while (stripped := _TAIL.sub("", raw)) != raw:
            raw = stripped
        lead = len(raw) - len(raw.lstrip())
        raw = raw.strip()
        surface = _SPACES.sub("", raw)
        if surface:
            s = start + lead
            mentions.append(AgencyMention(surface, surface, offset + s, offset + s + len(raw)))
    _share_suffix(mentions)
    _share_collective(mentions)
    scope_word = ""
    for m in mentions:
        kind, word, _ = _scope(m.full)
        if kind:
            scope_word = word
        elif scope_word and _UNIT_RE.match(m.full):
            m.full = scope_word + m.full
    return mentions


def _share_suffix(mentions: list[AgencyMention]) -> None:
    """ "蒙自市、个旧市、开远市人民政府": bare place names take the last item's government head."""
    if len(mentions) < 2:
        return
    last = mentions[-1].full
    head = next((h for h in _GOV_HEADS if last.endswith(h) and _PLACE_ONLY.match(last[: -len(h)])), "")
    if not head:
        return
    for m in reversed(mentions[:-1]):
        if not _PLACE_ONLY.match(m.full) or _UNIT_RE.match(m.full):
            break
        m.full += head


_PLACE_CLASS = rf"[{_SCOPE_CHARS}]{{1,2}}(?:[〔(（][^〕)）]*[〕)）])?"
_BARE_CLASS = re.compile(rf"^各?{_PLACE_CLASS}$")
_CLASS_HEAD = re.compile(rf"^各?{_PLACE_CLASS}(?=(?:{_alternation(_GOV_HEADS)}))")


def _share_collective(mentions: list[AgencyMention]) -> None:
    """ "各县、区人民政府（管委会）": 各 and the government head reach every place class of the list (各县人民政府（管委会）,
    各区人民政府（管委会）); the surfaces stay as written."""
    if len(mentions) < 2 or not mentions[0].surface.startswith("各"):
        return
    last = mentions[-1].surface
    m = _CLASS_HEAD.match(last)
    if not m or not all(_BARE_CLASS.match(x.surface) for x in mentions[:-1]):
        return
    head = last[m.end() :]
    for x in mentions:
        x.full = ("" if x.surface.startswith("各") else "各") + (x.surface if x is not mentions[-1] else last[: m.end()]) + head


def _short_names(name: str) -> set[str]:
    """Forms a plan uses for a place: 红河哈尼族彝族自治州 → 红河州, 红河; 钦州市 → 钦州."""
    names = {name}
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            short = ETHNIC.sub("", name[: -len(suffix)])
            if len(short) >= 2:
                names |= {short, short + suffix[-1]}
            break
    return names


def _collective_name(word: str) -> str:
    """各 + place classes with brackets normalised: 县(市,区) → 各县〔市、区〕."""
    word = _BRACKETS.sub(lambda m: "〔" + _LIST_SEPARATOR.sub("、", m.group(1)) + "〕", word)
    return word if word.startswith("各") else "各" + word


class AgencyResolver:
    """Resolves agency mentions of one plan to canonical Agency records scoped to its jurisdictions."""

    def __init__(self, jurisdiction: Jurisdiction | None):
        self.plan = jurisdiction or Jurisdiction("未知辖区", "")
        self.chain: list[Jurisdiction] = []
        j = self.plan
        while j is not None and j not in self.chain:
            self.chain.append(j)
            j = j.within
        self.jurisdictions: dict[str, Jurisdiction] = {j.name: j for j in self.chain}
        by_alias = {}
        for j in reversed(self.chain):  # the nearer jurisdiction wins a shared short name
            by_alias.update(dict.fromkeys(_short_names(j.name), j))
        self._by_alias = by_alias
        self._place_re = re.compile(_alternation(by_alias)) if by_alias else None
        self._cache: dict[str, Agency] = {}

    def resolve(self, mention_or_name: AgencyMention | str) -> Agency:
        """The Agency a mention (or a name as written) stands for in this plan."""
        if isinstance(mention_or_name, AgencyMention):
            full, surface = mention_or_name.full, mention_or_name.surface
        else:
            full = surface = _SPACES.sub("", mention_or_name)
        if full not in self._cache:
            self._cache[full] = self._resolve(full)
        known = self._cache[
            full
        ]  # a copy with this surface (dataclasses.replace, without its slow generic path)
        return Agency(
            known.name, known.jurisdiction, known.is_group, surface, known.key, known.jurisdiction_key
        )

    def resolve_list(self, text: str, offset: int = 0) -> list[tuple[AgencyMention, Agency]]:
        """Split an agency list and resolve every mention."""
        return [(m, self.resolve(m)) for m in split_agency_list(text, offset)]

    def scope(self, word: str) -> Jurisdiction:
        """The jurisdiction a scope word (市, 州, 自治区 …) names in this plan, or a placeholder."""
        if found := next((j for j in self.chain if j.name.endswith(word)), None):
            return found
        level = _LEVEL_OF_WORD.get(word, "")
        for j in self.chain:
            if j.level == level and (word in _COUNTY_WORDS or not j.name.endswith(_SUFFIXES)):
                return j
        rank, own = _RANK.get(level, -1), _RANK.get(self.plan.level, -1)
        relation = "上级" if rank > own else "下辖" if rank < own else "同级"
        name = f"{self.plan.key}{relation}{word}"
        above = next((j for j in self.chain if _RANK.get(j.level, -1) > rank), None)
        return self._register(Jurisdiction(name, level, self.plan if relation == "下辖" else above))

    def _register(self, jurisdiction: Jurisdiction) -> Jurisdiction:
        return self.jurisdictions.setdefault(jurisdiction.name, jurisdiction)

    def _child(self, place: str) -> Jurisdiction:
        """A place below the plan named in the text, e.g. 蒙自市 in 红河州's plan."""
        suffix = next(s for s in sorted(_SUFFIXES, key=len, reverse=True) if place.endswith(s))
        level = _LEVEL_OF_SUFFIX[suffix]
        if suffix == "市" and _RANK.get(self.plan.level, -1) <= _RANK[Level.PREFECTURE]:
            level = Level.COUNTY  # a city named in a prefecture's plan is a county-level city
        above = next((j for j in self.chain if _RANK.get(j.level, -1) > _RANK[level]), self.plan)
        return self._register(Jurisdiction(place, level, above))

    def _agency(self, jurisdiction: Jurisdiction, stem: str, as_written: bool = False) -> Agency:
        stem = canonical_stem(stem)
        is_group = bool(_GROUP_STEM.search(stem))
        if stem.startswith("相关"):
            stem = "有关" + stem[2:]
        name = stem if as_written else jurisdiction.name + stem
        return Agency(name, jurisdiction.name, is_group, key=stem, jurisdiction_key=jurisdiction.key)

    def _resolve(self, full: str) -> Agency:
        kind, word, rest = _scope(full)
        if kind == "collective":
            return self._agency(self.plan, _collective_name(word) + canonical_stem(rest))
        if self._place_re and (m := self._place_re.match(full)) and full[m.end() :]:
            return self._agency(self._by_alias[m.group()], full[m.end() :])
        if kind == "prefix":
            return self._agency(self.scope(word), rest)
        if m := _CHILD_PLACE.match(full):
            return self._agency(self._child(m.group(1)), full[m.end() :])
        if self._place_re and (m := self._place_re.search(full)):
            return self._agency(self._by_alias[m.group()], full, as_written=True)
        return self._agency(
            self.plan, full, as_written=not _UNIT_RE.match(full) and not _GROUP_STEM.search(full)
        )
