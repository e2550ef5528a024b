"""Agency-first duties: the layouts where the unit comes first and its duties follow.

Its one job: find, among a plan's paragraphs, the agency-first duty lists and sentences and cut them into
task units, each with the clauses that attribute it. Two layouts of one family are read:

- a block (部门职责分工): a line that is only a unit and a colon, a role word or a heading word — "一、市生态环境局：",
  "（三）市公安局负责：", "X主要工作任务：", "X（牵头）：" — heads the numbered or plain duty lines under it, until
  the next heading of its level or above or the next unit. Each duty is a task of the heading unit, in the role
  of the verb that opens the duty (负责 → responsible, 牵头 → lead, "配合Y…" → support and Y lead, no verb →
  the heading's own role, else responsible). A label line in the block ("配合单位：…", "协助单位：…") applies to
  every duty of the block. Duties may also follow the heading's colon on its own line ("1．…2．…").
- a sentence (agency-first inline): "X负责：…", "X：负责…", "X、Y按职责分工负责：…", "X牵头，会同Y…",
  "X会同Y…", "X配合Y…", "X负责落实…" — one task per such sentence, up to its full stop; the sentences after it
  that do not start with a unit belong to it.

The words (verbs, 会同/配合, heading words, bracketed tags) and their roles are in loaders/data/duty_words.csv.
A line is taken only in that shape — a list whose every item looks like a unit (attributions.
looks_like_agency_list), naming a place, a collective or a known unit, immediately followed by a role word or
a colon — and never when it holds an attribution of the other forms, which keep priority.

Works on the matching copy (Simplified, full-width punctuation). Offsets of clauses are relative to the
paragraph's line.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from importlib.resources import files

from loaders.agencies import ALIASES
from loaders.attributions import (
    LABEL,
    LABEL_ROLES,
    Clause,
    find_attributions,
    looks_like_agency_list,
    split_top,
)
from loaders.outline import Paragraph
from loaders.records import Role, Skipped


def _load_words() -> dict[str, dict[str, Role]]:
    """duty_words.csv: kind → {word: role}."""
    words: dict[str, dict[str, Role]] = {}
    with files("loaders").joinpath("data/duty_words.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            words.setdefault(row["kind"], {})[row["word"]] = Role[row["role"]]
    return words


def _alternation(words) -> str:
    return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))


_WORDS = _load_words()
_DUTY_VERBS = _WORDS["verb"]  # a duty opens with one of these
_SUBJECT_VERBS = _WORDS["verb"] | _WORDS["subject_verb"]  # a unit is followed by one of these
_WITH, _UNDER, _HEAD, _TAG = _WORDS["with"], _WORDS["under"], _WORDS["head"], _WORDS["tag"]
_DUTY_VERB = re.compile(_alternation(_DUTY_VERBS))
_SUBJECT_VERB = re.compile(_alternation(_SUBJECT_VERBS))
_JOIN = re.compile(_alternation(_WITH | _UNDER))
_HEAD_WORD = re.compile(_alternation(_HEAD))
_TAG_RE = re.compile(rf"[（(]({_alternation(_TAG)})[）)]$")
# where a unit (the subject) may end: before a role word, a 会同/配合, a heading word or a colon
_SUBJECT_END = re.compile(rf"{_alternation(_SUBJECT_VERBS | _WITH | _UNDER | _HEAD)}|[：:]")
_COLON = re.compile(r"\s*[：:]?\s*")
_LEADING = re.compile(r"[\s：:，,]*")
_COMMA = re.compile(r"\s*[，,]?\s*")
_SENTENCE = re.compile(r"[^。！？]*(?:[。！？]+|$)")
_SENTENCE_END = "。；;！？"
# duties written on the heading's own line: "1．…。2．…。"
_INLINE_ITEM = re.compile(r"(?:^|(?<=[。；;]))\s*(?:\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[）)]|[①-⑳])\s*")
_MAX_SUBJECT = 60
_MAX_ITEM = 20  # the longest item of a label line under a block
# a unit names a place or a collective, or starts with a known unit ("国网高唐县供电公司", "各乡镇", "发改局")
_NAMED = re.compile(r"^(?:[省市州县区盟旗乡镇各]|有关|相关)|^[\u4e00-\u9fff]{1,8}?[省市州县区盟旗]")
_KNOWN_UNIT = re.compile(_alternation(v for v in ALIASES if len(v) >= 2))
_PREFIX = re.compile(r"(?:各|有关|相关)?[省市州县区盟旗乡镇]*")
# a unit name up to its first unit word, when its kind is not a known one
_FIRST_UNIT = re.compile(
    r"[^、，,；;。：:（()）“”\s]{0,18}?(?:委员会|管委会|办事处|人民政府|政府|办公室|局|委|厅|办|公司|中心|支队|大队|部|所|站|院|处|科|署)"
)
_BRACKETED = re.compile(r"[（(]([^（()）]{1,12})[）)]")
_ETC = re.compile(r"等(?:有关|相关)?(?:部门|单位)?")


@dataclass
class Duty:
    """One task unit of an agency-first layout: pieces of text (offsets) and its clauses (clause, line offset)."""

    spans: list[tuple[int, int]]
    paragraph: Paragraph
    clauses: list[tuple[Clause, int]] = field(default_factory=list)


@dataclass
class Reading:
    """What one paragraph became: its duties (none for a block heading or a label line), or a skip."""

    duties: list[Duty] = field(default_factory=list)
    skipped: Skipped | None = None


@dataclass
class _Subject:
    """The units heading a block or a sentence: (list text, start, end, role of a bracketed tag or None)."""

    items: list[tuple[str, int, int, Role | None]]
    end: int  # offset after the subject and its tags


@dataclass
class _Block:
    subject: _Subject
    role: Role | None  # the heading's own role word (负责 / 牵头 / 主要工作任务 …), if any
    head: Paragraph
    level: int  # headings at this level or above end the block
    duties: list[Duty] = field(default_factory=list)
    numbered: bool = False  # its duties are numbered lines
    labelled: bool = False  # a label line (配合单位：…) has been read
    last: Paragraph | None = None  # the last line read into the block


def _subject(s: str, off: int) -> _Subject | None:
    """The unit list at the start of `s` (offsets + off), ending before a role word or a colon."""
    for m in _SUBJECT_END.finditer(s, 0, _MAX_SUBJECT + 8):
        if m.start() == 0:
            return None
        items = []
        for a, b in split_top(s[: m.start()], "、，,"):
            text = s[a:b]
            lead = len(text) - len(text.lstrip())
            a, text = a + lead, text.strip()
            tag = _TAG_RE.search(text)
            role = _TAG[tag.group(1)] if tag else None
            if tag:
                text = text[: tag.start()]
            if not text:
                break
            items.append((text, a, a + len(text), role))
        else:
            names = [t for t, *_ in items]
            if names and looks_like_agency_list("、".join(names)) and all(_named(n) for n in names):
                return _Subject([(t, a + off, b + off, r) for t, a, b, r in items], m.start())
        if s[m.start()] not in "（(" and not _inside_bracket(s, m.start()):
            return None  # the first role word or colon outside brackets ends the subject, whatever it is
    return None


def _inside_bracket(s: str, i: int) -> bool:
    return s.count("（", 0, i) + s.count("(", 0, i) > s.count("）", 0, i) + s.count(")", 0, i)


def _named(name: str) -> bool:
    return bool(_NAMED.search(name) or _KNOWN_UNIT.match(name))


def _leading_list(s: str, i: int) -> int:
    """The end of the unit list starting at s[i] ("县经信局、县环保局严格控制…" → after 县环保局), or i."""
    end = i
    while True:
        e = _name_end(s, end)
        if e is None:
            break
        end = e
        if end < len(s) and s[end] in "、" and _name_end(s, end + 1):
            end += 1
            continue
        break
    if end > i and (m := _ETC.match(s, end)):
        end = m.end()
    return end if end > i and looks_like_agency_list(s[i:end]) else i


def _name_end(s: str, i: int) -> int | None:
    """The end of the unit name at s[i]: a known unit after a place or collective word (县环保局, 各乡镇人民政府),
    else the first unit word (国网高唐县供电公司); a bracketed other name after it belongs to it."""
    j = _PREFIX.match(s, i).end()
    m = _KNOWN_UNIT.match(s, j) if j > i else None
    m = m or _FIRST_UNIT.match(s, i)
    if not m or not _named(s[i : m.end()]):
        return None
    end = m.end()
    if (b := _BRACKETED.match(s, end)) and looks_like_agency_list(b.group(1)):
        end = b.end()
    return end


def _predicate(s: str, i: int, off: int, verbs: re.Pattern, roles: dict[str, Role]):
    """Read the role words at s[i]: (role of the unit before them or None, clauses of units they name, body start).

    "负责：…", "牵头，会同Y…", "会同Y…", "配合Y…", "按职责分工负责：…"; Y's clause offsets are + off.
    """
    role, others = None, []
    i = _COLON.match(s, i).end()
    m = verbs.match(s, i)
    if m:
        role, i = roles[m.group()], m.end()
        i = _COMMA.match(s, i).end()
    j = _JOIN.match(s, i)
    if j:
        end = _leading_list(s, j.end())
        if end > j.end():
            word = j.group()
            own = _WITH[word] if word in _WITH else _UNDER[word]
            other = Role.SUPPORTS if word in _WITH else Role.LEADS
            if not (word in _WITH and role not in (None, Role.LEADS, Role.RESPONSIBLE)):
                role = own
            others.append(Clause(other, s[j.end() : end], j.end() + off, end + off))
            i = end
        elif j.group() in _UNDER:
            role, i = _UNDER[j.group()], j.end()
    i = _COLON.match(s, i).end()
    return role, others, i


def _clauses(subject: _Subject, role: Role, tags: bool = True) -> list[Clause]:
    """The subject's clauses in `role`, or in the role of an item's own tag ("X（牵头）") when `tags`."""
    return [Clause((r if tags else None) or role, t, a, b) for t, a, b, r in subject.items]


def _block_head(p: Paragraph) -> tuple[_Subject, Role | None, int] | None:
    """A line heading a duty block: (its units, its role word, offset of what follows the colon) or None.

    A heading line may be only a unit; a plain line needs the colon ("市建设局：").
    """
    off = p.text_start - p.start
    s = p.text[off:]
    sub = _subject(s, off)
    if sub is None:
        whole = s.strip().rstrip("：:")
        if p.level and looks_like_agency_list(whole) and _named(whole) and "，" not in whole:
            sub = _Subject([(whole, off, off + len(whole), None)], len(s))  # "一、市生态环境局"
            return sub, None, len(p.text)
        return None
    i = sub.end
    role = None
    m = _HEAD_WORD.match(s, i) or _SUBJECT_VERB.match(s, i)
    if m:
        role = _HEAD.get(m.group()) or _SUBJECT_VERBS.get(m.group())
        i = m.end()
    colon = _COLON.match(s, i)
    if colon.end() > i and ("：" in colon.group() or ":" in colon.group()):
        rest = s[colon.end() :].strip()
        if not rest or _INLINE_ITEM.match(rest) or (p.level and not _SUBJECT_VERB.match(rest)):
            return sub, role, off + colon.end()
        return None
    if p.level and not s[i:].strip() and m:
        return sub, role, len(p.text)  # "（三）市公安局负责"
    return None


def _duty(p: Paragraph, a: int, b: int, block: _Block) -> Duty:
    """The duty p.text[a:b] of a block's unit."""
    s = p.text
    role, others, body = _predicate(s, a, 0, _DUTY_VERB, _DUTY_VERBS)
    under = role == Role.SUPPORTS and bool(
        others
    )  # "配合Y…": the heading's units support Y, whatever their tag
    head_role = role or block.role or Role.RESPONSIBLE
    clauses = [(c, block.head.start) for c in _clauses(block.subject, head_role, tags=not under)]
    clauses += [(c, p.start) for c in others]
    for _s, _e, own in find_attributions(s[a:b]):
        for c in own:
            clauses.append((Clause(c.role, c.list_text, c.start + a, c.end + a), p.start))
    start, end = _trim(s, body, b)
    if start >= end:
        start, end = _trim(s, a, b)
    return Duty([(p.start + start, p.start + end)], p, clauses)


def _trim(s: str, a: int, b: int) -> tuple[int, int]:
    """s[a:b] without leading spaces, colons and commas, or trailing spaces (its full stop is kept)."""
    a = _LEADING.match(s, a, b).end()
    return a, max(a, len(s[:b].rstrip()))


def _inline_items(p: Paragraph, a: int, block: _Block) -> list[Duty]:
    """Duties written after a heading's colon on its own line: "1．…。2．…。", or one duty."""
    s = p.text
    rest = s[a:]
    if not rest.strip():
        return []
    marks = list(_INLINE_ITEM.finditer(rest))
    if not marks or marks[0].start() != 0:
        return [_duty(p, a, len(s), block)]
    block.numbered = True
    bounds = [m.end() for m in marks] + [len(rest)]
    starts = [m.start() for m in marks[1:]] + [len(rest)]
    return [_duty(p, a + bounds[k], a + starts[k], block) for k in range(len(marks))]


def agency_first(p: Paragraph, current: Duty | None = None) -> list[Duty] | None:
    """The agency-first sentences of one paragraph, one duty each (with the sentences that follow it), or None
    when the paragraph does not open with one. Its first sentence continues `current`, the duty of a line
    broken before its full stop, when there is one."""
    off = p.text_start - p.start
    s = p.text
    duties: list[Duty] = []
    last = current
    for m in _SENTENCE.finditer(s, off):
        a, b = m.span()
        if a == b or not s[a:b].strip():
            continue
        lead = len(s[a:b]) - len(s[a:b].lstrip())
        sub = _subject(s[a + lead : b], a + lead)
        duty = None
        if sub is not None:
            i = a + lead + sub.end
            role, others, body = _predicate(s, i, 0, _SUBJECT_VERB, _SUBJECT_VERBS)
            said = body > i and (role or others or s[i] in "：:")
            if said and body < b:
                clauses = [(c, p.start) for c in _clauses(sub, role or Role.RESPONSIBLE) + others]
                start, end = _trim(s, body, b)
                duty = Duty([(p.start + start, p.start + end)], p, clauses)
        if duty:
            duties.append(duty)
            last = duty
        elif last is None:
            return None  # the paragraph does not open with a unit
        elif last.spans[-1][1] > p.start:
            last.spans[-1] = (last.spans[-1][0], p.start + _trim(s, a, b)[1])
        else:
            last.spans.append((p.start + a + lead, p.start + _trim(s, a, b)[1]))
    return duties if duties or current else None


def read_duties(paragraphs: list[Paragraph]) -> dict[int, Reading]:
    """The paragraphs (by start offset) read as agency-first duties, and what each became."""
    out: dict[int, Reading] = {}
    depth = 0  # level of the section we are in
    block: _Block | None = None
    after_block = False  # plain lines after a finished duty list, until the next heading
    broken: Duty | None = None  # an agency-first duty whose line ended before its full stop
    for p in paragraphs:
        cont, broken = (broken if p.level == 0 else None), None
        if p.level:
            after_block = False
            if block and p.level <= block.level:
                block = None
        opens = _opens_with_unit(p)
        head = _block_head(p) if opens or p.level else None
        if head:
            sub, role, rest = head
            block = _Block(sub, role, p, p.level or depth, last=p)
            block.duties = _inline_items(p, rest, block)
            if block.duties:
                out[p.start] = Reading(list(block.duties))
            after_block = False
            depth = p.level or depth
            continue
        if block and not block.duties and not block.labelled and not _opens_duty(p, block):
            block = None  # a unit and a colon with no duty under it (a notice's addressees): not a duty list
        if block and p.level > block.level:  # a numbered duty (its own attribution, if any, is added)
            out.setdefault(block.head.start, Reading())
            block.numbered, block.last = True, p
            duty = _duty(p, p.text_start - p.start, len(p.text), block)
            block.duties.append(duty)
            out[p.start] = Reading([duty])
            continue
        if block and (label := _label(p)):  # 配合单位：… applies to every duty of the block
            for d in block.duties:
                d.clauses.append((label, p.start))
            block.labelled = True
            out[p.start] = Reading()
            continue
        if (block or cont or after_block or opens) and find_attributions(p.text):
            block = None
            continue  # the other attribution forms keep priority
        if (opens or cont) and (inline := agency_first(p, cont)) is not None:
            block, after_block = None, False
            out[p.start] = Reading(inline)
            broken = None if _ends(p, "。！？") else (inline or [cont])[-1]
            depth = p.level or depth
            continue
        if block and p.level == 0:
            if block.labelled or (block.numbered and _ends(block.last)):
                block, after_block = None, True  # the duty list is over
            elif block.numbered:
                block.duties[-1].spans.append((p.start, p.end))  # a wrapped line of the duty before
                block.last = p
                out[p.start] = Reading()
                continue
            else:
                out.setdefault(block.head.start, Reading())
                block.last = p
                duty = _duty(p, 0, len(p.text), block)
                block.duties.append(duty)
                out[p.start] = Reading([duty])
                continue
        if p.level:
            depth, block = p.level, None
        elif after_block:
            out[p.start] = Reading(
                skipped=Skipped(p.start, p.end, p.text, "after a duty list, not a duty of a unit")
            )
    return out


def _opens_with_unit(p: Paragraph) -> bool:
    """Whether a line opens with a unit list ended by a role word or a colon (a cheap test before the full one)."""
    off = p.text_start - p.start
    return _subject(p.text[off : off + _MAX_SUBJECT + 8], off) is not None


def _opens_duty(p: Paragraph, block: _Block) -> bool:
    """Whether the first line under a block heading is one of its duties: numbered, or opening with a role word."""
    if p.level > block.level:
        # a plain "X：" line and then the document's first-level heading: the notice's addressees, not a unit's duties
        return not (block.level == 0 and p.level == 1)
    s = p.text[p.text_start - p.start :].lstrip()
    return p.level == 0 and bool(_DUTY_VERB.match(s) or _JOIN.match(s))


def _label(p: Paragraph) -> Clause | None:
    """A label line under a block ("配合单位：A、B"): its clause. Under a unit heading, any short names will do
    ("邢台车务段"), as long as one of them looks like a unit and none is a sentence."""
    if p.level:
        return None
    s = p.text.rstrip("。；; \t")
    m = LABEL.match(s)
    if not m or "。" in s or not s[m.end() :].strip():
        return None
    items = [s[m.end() + a : m.end() + b].strip() for a, b in split_top(s[m.end() :], "、，,；;")]
    if any(not it or len(it) > _MAX_ITEM for it in items) or not any(
        looks_like_agency_list(it) for it in items
    ):
        return None
    return Clause(LABEL_ROLES[m.group("w")], s[m.end() :], m.end(), len(s))


def _ends(p: Paragraph | None, stops: str = _SENTENCE_END) -> bool:
    """Whether a line ends with a stop (of a sentence, or of a list item)."""
    text = p.text.rstrip() if p else ""
    return bool(text) and text[-1] in stops
