"""Attributions: recognise a responsibility statement and split it into (role, agency list) clauses.

Two families of wording are recognised, alone or mixed:
- label form: "牵头单位：A、B；配合单位：C；责任单位：D" (单位/部门, ：or :)
- suffix form: "A、B牵头，C参与，D负责落实" / "A按照职责负责" / "A等部门配合" / "A牵头督导"
A statement is accepted only when ALL of it parses this way and every list item looks like an agency, so a
sentence such as "名单由市工信局牵头确定" is not taken for an attribution.

Works on the matching copy (full-width punctuation). Offsets are relative to the input string.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from loaders.records import Role


def _role_words() -> dict[str, list[tuple[str, Role]]]:
    """Role words by form (label: "牵头单位：", suffix: "…牵头"), from loaders/data/role_words.csv."""
    words: dict[str, list[tuple[str, Role]]] = {"label": [], "suffix": [], "person_label": []}
    with files("loaders").joinpath("data/role_words.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            role = Role(row["role"]) if row["role"] else None
            words[row["form"]].append((row["word"], role))
    return words


_WORDS = _role_words()
# label words (before a colon) and their roles
LABEL_ROLES = dict(_WORDS["label"])
LABEL = re.compile(
    r"(?P<w>" + "|".join(sorted(LABEL_ROLES, key=len, reverse=True)) + r")(?:单位|部门)?\s*[：:]\s*"
)
# a label naming a person, not a unit ("责任领导：…", "联系人：…"): its clause names no accountable agency
_PERSON_LABEL = re.compile(
    r"^\s*(?:" + "|".join(sorted((w for w, _ in _WORDS["person_label"]), key=len, reverse=True)) + r")\s*[：:]"
)
# a plan's convention that the first unit of a responsibility list leads and the others support
FIRST_LISTED_LEADS = re.compile(r"(?:排在|列在|列于|排|列)?(?:第一位|第一个|首位)(?:的|者)?(?:单位|部门)?为牵头(?:单位|部门)")
FIRST_LISTED_LABELS = {"责任", "主责"}  # the lists it ranks: 责任单位, 主责单位
# where one label clause ends and the next begins: a comma, or spaces ("牵头单位：A  配合单位：B", a table row's web copy)
_COMMA_LABEL = re.compile(r"(?:[，,]|\s+)(?=\s*" + LABEL.pattern + ")")
# role words that close a list (longest first)
_SUFFIXES = sorted(_WORDS["suffix"], key=lambda item: -len(item[0]))
_SUFFIX = re.compile(
    r"(?:等(?:有关|相关)?(?:部门|单位)?)?(?:" + "|".join(re.escape(s) for s, _ in _SUFFIXES) + r")[。.]?\s*$"
)
_SUFFIX_ROLE = dict(_SUFFIXES)
_SUFFIX_WORDS = tuple(_SUFFIX_ROLE)  # for str.endswith
_OPEN, _CLOSE = "（(〔[【<《", "）)〕]】>》"
# what a list item must end with to be taken for an agency or a collective of agencies
_AGENCY_END = re.compile(
    r"(?:局|委|委员会|办|办公室|室|科|厅|部|处|院|会|站|队|段|所|中心|政府|单位|部门|公司|行|支行|分局|管委|"
    r"领导小组|小组|集团|银行|街道|办事处|镇|乡|署|台|社|馆|团|监狱|分行|海关|总队|支队|大队|机关|企业|学校|"
    r"成员单位|各县[（〔(]市、区[）〕)]|各区|各县|各县区|县区|县市|各乡镇|各地)$"
)
_NOT_AGENCY = re.compile(r"[。！？《》：:]|确定|审核|制定|完成|开展|建立|要|的")
_PLACE_END = re.compile(r"(?:市|县|区|州|旗|盟|镇|乡)$")
_MAX_ITEM = 30


@dataclass
class Clause:
    """One role with the text of its agency list."""

    role: str
    list_text: str
    start: int  # offsets of the list text
    end: int
    from_label: str = ""  # the label word the list came under ("责任" for a 责任单位 label or column), if any

    def shifted(self, by: int) -> Clause:
        self.start += by
        self.end += by
        return self


_ANY_OPEN = re.compile(f"[{re.escape(_OPEN)}]")
_NOT_IN_ITEM = re.compile(r"等(?:有关|相关)?(?:部门|单位)?$|[“”\"‘’]|（[^（）]*）$")
_LEADING_DENG = re.compile(r"^等(?:有关|相关)?(?:部门|单位)?")


@lru_cache(maxsize=64)
def _separators(seps: str) -> re.Pattern:
    return re.compile(f"[{re.escape(seps)}]")


@lru_cache(maxsize=64)
def _marks(seps: str) -> re.Pattern:
    """Separators and brackets."""
    return re.compile(f"[{re.escape(seps + _OPEN + _CLOSE)}]")


def split_top(text: str, seps: str) -> list[tuple[int, int]]:
    """Spans of `text` between separators in `seps`, ignoring separators inside brackets."""
    if not _ANY_OPEN.search(text):  # the common case: no brackets, a plain split
        cuts = [m.start() for m in _separators(seps).finditer(text)]
        return list(zip([0] + [c + 1 for c in cuts], cuts + [len(text)], strict=True))
    spans, depth, begin = [], 0, 0
    for mark in _marks(seps).finditer(text):  # only brackets and separators matter
        i, ch = mark.start(), mark.group()
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in seps and depth == 0:
            spans.append((begin, i))
            begin = i + 1
    spans.append((begin, len(text)))
    return spans


_GAP = re.compile(r"\s+")


def space_pieces(item: str) -> list[tuple[int, int]]:
    """Spans of a list item's units when spaces separate them ("市环保局 市公安局 市住建局": each piece ends like an
    agency, outside brackets); otherwise the whole item (a name broken by a stray space, "市 环保局", stays one)."""
    core = item.strip()
    lead = len(item) - len(item.lstrip())
    if not _GAP.search(core):
        return [(0, len(item))]
    pieces = [(lead + a, lead + b) for a, b in _split_gaps(core)]
    if len(pieces) < 2 or not all(
        _AGENCY_END.search(_NOT_IN_ITEM.sub("", item[a:b])) and b - a >= 3 for a, b in pieces
    ):
        return [(0, len(item))]
    return pieces


def _split_gaps(text: str) -> list[tuple[int, int]]:
    """Spans of `text` between runs of spaces outside brackets."""
    spans, depth, begin, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch.isspace() and depth == 0:
            j = i
            while j < len(text) and text[j].isspace():
                j += 1
            spans.append((begin, i))
            begin = i = j
            continue
        i += 1
    spans.append((begin, len(text)))
    return [(a, b) for a, b in spans if a < b]


def looks_like_agency_list(text: str) -> bool:
    """Whether every item of a list (split on 、，, and on spaces between units) looks like the name of an agency or
    a collective.

    Items before the last may be bare place names that share the last item's suffix (蒙自市、个旧市人民政府).
    """
    items = [text[a:b] for a, b in split_top(text, "、，,")]
    items = [it[c:d].strip() for it in items for c, d in space_pieces(it)]
    # 等/等部门 tails, quotes, and a bracketed other name (指挥部办公室（区生态环境分局）) do not count
    items = [_NOT_IN_ITEM.sub("", it) for it in items if it.strip()]
    if not items or any(len(it) > _MAX_ITEM or _NOT_AGENCY.search(it) for it in items):
        return False
    return bool(_AGENCY_END.search(items[-1])) and all(
        _AGENCY_END.search(it) or _PLACE_END.search(it) for it in items[:-1]
    )


def parse_attribution(text: str) -> list[Clause] | None:
    """The clauses of a responsibility statement, or None when `text` is not wholly one."""
    stripped = text.rstrip("。.；; \t")
    if not stripped.strip():
        return None
    clauses: list[Clause] = []
    for a, b in split_top(stripped, "；;"):
        part = stripped[a:b]
        if not part.strip():
            continue
        got = _parse_major(part, a)
        if got is None:
            return None
        clauses.extend(got)
    return clauses or None


def _parse_major(part: str, base: int) -> list[Clause] | None:
    """Parse one ；-separated clause group: a label form, or a run of suffix forms separated by ，."""
    if _PERSON_LABEL.match(part):  # "责任领导：张某某": a person, said beside the units
        nxt = _COMMA_LABEL.search(part)
        return _parse_major(part[nxt.start() + 1 :], base + nxt.start() + 1) if nxt else []
    m = LABEL.match(part.lstrip())
    if m:
        inner = [c.start() for c in _COMMA_LABEL.finditer(part) if part[: c.start()].strip()]
        if inner:  # "牵头单位：A，配合单位：B，责任单位：C": one label clause a comma
            clauses = []
            for a, b in zip([0] + [i + 1 for i in inner], inner + [len(part)], strict=True):
                got = _parse_major(part[a:b], base + a)
                if got is None:
                    return None
                clauses.extend(got)
            return clauses
        lead = len(part) - len(part.lstrip())
        role = LABEL_ROLES[m.group("w")]
        s, e = lead + m.end(), len(part.rstrip())
        items = part[s:e]
        if items and looks_like_agency_list(items):
            return _tagged(Clause(role, items, base + s, base + e, m.group("w")))
        # "责任单位：A负责，B配合": the verbs decide, not the label
        return _parse_suffixes(items, base + s) if items else None
    return _parse_suffixes(part, base)


def _tag_words() -> dict[str, Role]:
    """Bracketed role tags after a unit ("X（牵头）"), from loaders/data/duty_words.csv (kind "tag")."""
    with files("loaders").joinpath("data/duty_words.csv").open(encoding="utf-8") as f:
        return {row["word"]: Role[row["role"]] for row in csv.DictReader(f) if row["kind"] == "tag"}


_TAGS = _tag_words()
_ITEM_TAG = re.compile(r"[（(](" + "|".join(sorted(_TAGS, key=len, reverse=True)) + r")[）)]\s*$")


def _tagged(clause: Clause) -> list[Clause]:
    """A label's list whose items may carry their own role tag ("责任单位：A（牵头）、B、C"): a tagged item is a clause in its
    tag's role (its surface without the tag), the runs of other items keep the label's role."""
    text = clause.list_text
    spans = split_top(text, "、，,")
    if not any(_ITEM_TAG.search(text[a:b]) for a, b in spans):
        return [clause]
    out: list[Clause] = []
    run: tuple[int, int] | None = None

    def close_run() -> None:  # the untagged items so far, in the label's role
        if run:
            a, b = run
            out.append(Clause(clause.role, text[a:b], clause.start + a, clause.start + b, clause.from_label))

    for a, b in spans:
        tag = _ITEM_TAG.search(text[a:b])
        if tag:
            close_run()
            run = None
            end = a + tag.start()
            out.append(Clause(_TAGS[tag.group(1)], text[a:end], clause.start + a, clause.start + end))
        else:
            run = (run[0] if run else a, b)
    close_run()
    return out


def _parse_suffixes(part: str, base: int) -> list[Clause] | None:
    """A run of suffix forms separated by ，/、: "A、B牵头，C参与，D负责落实"."""
    clauses: list[Clause] = []
    pending_start = None
    for a, b in split_top(part, "，,、"):  # 、 too: "X牵头、Y配合"
        seg = part[a:b]
        if pending_start is None:
            pending_start = a + (len(seg) - len(seg.lstrip()))
        m = _SUFFIX.search(seg)
        if not m:
            continue
        word = _LEADING_DENG.sub("", m.group(0)).rstrip("。. ")
        list_end = a + m.start()
        list_text = part[pending_start:list_end]
        if not list_text.strip() or not looks_like_agency_list(list_text):
            return None
        clauses.append(Clause(_SUFFIX_ROLE[word], list_text, base + pending_start, base + list_end))
        pending_start = None
    if pending_start is not None or not clauses:
        return None  # a trailing list with no role word: not an attribution
    return clauses


_BY_OPENING = re.compile(r"\s*(?:由(?=[^，,；;]{2,40}?(?:牵头|负责|配合|参与)))?")
_LABEL_ANYWHERE = re.compile(r"(?:牵头督导|牵头|责任|主责)(?:单位|部门)\s*[：:]")
_SENTENCE = re.compile(r"[^。！？]+[。！？]?")
# where an attribution sentence may begin inside a sentence: "…，由X负责" / "…，此项工作由X牵头负责"
_BY = re.compile(r"(?:(?<=[，；,;])|^)\s*(?:此项工作|该项工作|此项任务|该项任务|上述工作)?(?:并)?由?")
# page noise after a sentence: 【更多文档…】
_TRAILING_NOISE = re.compile(r"\s*【[^】]*】\s*$")
# "…方案由X负责制定并组织实施。": the last sentence of a measure naming who carries it out
_BY_WHOM = re.compile(r"由(?P<list>[^，。；（）()由]{2,40}?)负责(?P<deed>[^，。；（）()]{2,12})[。]?$")


def _shift(clauses: list[Clause], by: int) -> list[Clause]:
    return [c.shifted(by) for c in clauses]


def find_attributions(line: str, bare_lists: bool = False) -> list[tuple[int, int, list[Clause]]]:
    """Every attribution in a paragraph: (start, end, clauses) with offsets in `line`.

    Looks at the whole line, at bracketed groups （…） 〔…〕 [...], at a trailing "牵头单位：…" run, at sentences
    that are wholly an attribution ("X牵头负责，Y配合。", "由X负责。", "…，由X负责。"), and at a bracket left open
    at the end of a cut text ("（A、B牵头，各" keeps A and B).

    A bracket may end with the plan's first-listed-leads convention ("（A、B。列第一位者为牵头部门，下同）"): the list
    before it is then a ranked 责任 list. With `bare_lists` (a plan that states that convention), a bracket that
    closes a sentence and holds nothing but units ("…。（A、B、C）") is such a list too.
    """
    # a whole line can only be an attribution if it has no sentence inside it
    whole = "。" not in line.rstrip("。 \t") and parse_attribution(line)
    if whole:
        return [(0, len(line), whole)]
    found = []
    for s, e in _bracket_groups(line):
        by = 1 + len(_BY_OPENING.match(line, s + 1).group())  # "（由A牵头，B配合）": the list starts after 由
        if clauses := parse_attribution(line[s + by : e - 1]):
            found.append((s, e, _shift(clauses, s + by)))
        elif clauses := _ranked_list(line, s, e, bare_lists):
            found.append((s, e, _shift(clauses, s + 1)))
    if not found:
        m = _LABEL_ANYWHERE.search(line)
        if m and m.start() > 0:
            clauses = parse_attribution(line[m.start() :])
            if clauses:
                found.append((m.start(), len(line), _shift(clauses, m.start())))
    found += [f for f in _sentence_attributions(line) if not any(f[0] < e and s < f[1] for s, e, _ in found)]
    if not found:
        found = _open_bracket(line)
    return sorted(found, key=lambda f: f[0])


# the first-listed-leads convention closing a bracket: "。列第一位者为牵头部门，下同" / "，排在第一位的为牵头单位"
_CONVENTION_TAIL = re.compile(
    r"[。；;，,]\s*[^。；;（）()]*?" + FIRST_LISTED_LEADS.pattern + r"[^。（）()]*?[。；;]?\s*$"
)


def _ranked_list(line: str, s: int, e: int, bare_lists: bool) -> list[Clause] | None:
    """The clauses of the bracket line[s:e] read as a ranked 责任 list: one that states the first-listed-leads
    convention after its list, or (with `bare_lists`) a bare list of units closing a sentence. Offsets are
    relative to the bracket's inside."""
    inner = line[s + 1 : e - 1]
    tail = _CONVENTION_TAIL.search(inner)
    if tail:
        inner = inner[: tail.start()]
        clauses = parse_attribution(inner)
        if clauses:  # "（A、B负责，列第一位者为牵头部门）"
            for c in clauses:
                if c.role in (Role.IMPLEMENTS, Role.RESPONSIBLE) and not c.from_label:
                    c.from_label = "责任"
            return clauses
    elif not (bare_lists and _closes_sentence(line, s, e)):
        return None
    items = inner.rstrip("。.；; \t")
    if items.strip() and looks_like_agency_list(items):
        return [Clause(Role.IMPLEMENTS, items, 0, len(items), "责任")]
    return None


def _closes_sentence(line: str, s: int, e: int) -> bool:
    """Whether the bracket line[s:e] stands after a sentence's full stop or before one (or the end of the line)."""
    before, after = line[:s].rstrip(), line[e:].lstrip()
    return before.endswith(("。", "；")) or not after or after[0] in "。；;"


def _sentence_attributions(line: str) -> list[tuple[int, int, list[Clause]]]:
    """Sentences, or a sentence's last clauses after a comma ("…，由X负责。"), that are wholly an attribution,
    outside brackets; the earliest start that parses wins."""
    found = []
    sentences = list(_SENTENCE.finditer(line))
    for n, sentence in enumerate(sentences):
        a = sentence.start()
        text = _TRAILING_NOISE.sub("", sentence.group())
        end = a + len(text)
        last = n == len(sentences) - 1 and "由" in text
        if not (text.rstrip("。.；; \t").endswith(_SUFFIX_WORDS) or LABEL.search(text) or last):
            continue  # an attribution sentence ends in a role word or holds a label: most sentences do not
        # the earliest start whose tail parses: tried from the last (a tail parses only if the shorter ones do)
        best = None
        for by in reversed(list(_BY.finditer(text))):
            start = a + by.end()
            if start >= end or _depth_at(line, start):
                continue
            clauses = parse_attribution(line[start:end])
            if not clauses:
                break
            best = (a + by.start(), end, _shift(clauses, start))
        if best:
            found.append(best)
        else:
            last = _BY_WHOM.search(text) if last else None
            if last and not _depth_at(line, a + last.start()) and looks_like_agency_list(last.group("list")):
                clause = Clause(Role.RESPONSIBLE, last.group("list"), a + last.start("list"), a + last.end("list"))
                found.append((a + last.start(), end, [clause]))
    return found


_BRACKET = re.compile(f"[{re.escape(_OPEN + _CLOSE)}]")


def _scan_brackets(line: str, end: int) -> tuple[int, int]:
    """(how many brackets are open at offset `end` of `line`, the offset of the last （ ( 〔 [ opened outside any
    other before it, -1 for none)."""
    depth, last = 0, -1
    for mark in _BRACKET.finditer(line, 0, end):
        if mark.group() in _OPEN:
            if depth == 0 and mark.group() in "（(〔[":
                last = mark.start()
            depth += 1
        else:
            depth = max(0, depth - 1)
    return depth, last


def _depth_at(line: str, offset: int) -> int:
    """How many brackets are open at `offset` of `line`."""
    return _scan_brackets(line, offset)[0]


def _open_bracket(line: str) -> list[tuple[int, int, list[Clause]]]:
    """A bracket left open at the end of a cut text: the clauses readable before the cut item."""
    if sum(map(line.count, "（(〔[")) <= sum(map(line.count, "）)〕]")):
        return []  # every bracket closed (the common case)
    depth, s = _scan_brackets(line, len(line))
    if depth == 0 or s < 0:  # all closed, or the open one is a 《 or 【
        return []
    body = line[s + 1 :]
    # the whole body, else the body up to a separator, the last first: the cut item ("（A牵头，B参与，各"), or the
    # clause the cut fell in ("（A牵头，B、C、" keeps A: a list with no role word yet says nothing)
    cuts = [m.start() for m in _CUT_AT.finditer(body)][::-1][:_MAX_CUTS]
    for text in (body, *(body[:c] for c in cuts if c > 0)):
        clauses = parse_attribution(text)
        if clauses:
            return [(s, len(line), _shift(clauses, s + 1))]
    return []


_CUT_AT = re.compile("[，、,；;。]")  # a cut sentence after the attribution (a carry sentence) goes whole
_MAX_CUTS = 40


_ROUND_BRACKET = re.compile("[（()）〔〕\\[\\]]")


def _bracket_groups(line: str) -> list[tuple[int, int]]:
    """Spans (including the brackets) of top-level （…） 〔…〕 [...] groups."""
    groups, depth, begin = [], 0, 0
    for mark in _ROUND_BRACKET.finditer(line):  # only the brackets matter
        i, ch = mark.start(), mark.group()
        if ch in "（(〔[":
            if depth == 0:
                begin = i
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                groups.append((begin, i + 1))
    return groups
