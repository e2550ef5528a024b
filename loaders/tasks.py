"""Tasks: cut a plan's body into measures, each closed by the responsibility attribution that follows it.

One rule covers the family of formats: an attribution — a bracketed "（X牵头，Y参与）" or "（牵头单位：…）", a
whole line "X牵头；Y参与；Z负责落实", or a block of "牵头单位:/配合单位:/责任单位:" lines — closes the text since
the previous attribution or section heading into one task. So inline (one per paragraph), trailing label
lines, and several attributions inside one paragraph (each closing the clauses before it) all come out right.

An appendix responsibility table (rows of task text, each followed by its attribution row) is read the same
way; each row is then matched to the body paragraphs that state the same measure (character n-gram
containment), so a measure is one task: its body text and section, with the appendix's attribution. A row
whose task text was lost (an attribution directly after another) is reported, never attached to a neighbour.

A table read by its header (loaders.tables: 序号/重点任务/牵头单位/… columns) gives one task per data row, its
clauses from the role columns and its deadlines from the time column.

A default implementer stated once ("以下各项工作均需各县区人民政府负责落实，不再列出") is added to every task
after it. Text left without any attribution becomes a task marked as naming no agency when it sits in a
top-level section whose other measures are attributed; otherwise it is reported as a skipped paragraph
(or, when it states quantitative targets, kept as the plan's targets).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from loaders.attributions import LABEL, LABEL_ROLES, Clause, find_attributions, parse_attribution
from loaders.duties import read_duties
from loaders.outline import Paragraph
from loaders.records import Skipped
from loaders.tables import TableReader, TableRow, header_words

_DEFAULT_IMPLEMENTER = re.compile(
    r"(?:以下|下列|本方案|上述)(?:各项|所有)?(?:重点)?(?:任务|工作|措施)?(?:中)?[^。]{0,8}?(?:均需|均由|均须|需|由)?"
    r"(?P<list>[^。，；]{2,60}?)(?:均|都)?(?:负责落实|负有落实责任|承担落实责任|负落实责任|落实)[^。]{0,10}?"
    r"不再(?:一一)?(?:列出|单独列出|重复列出)[。]?"
)
_TRIVIAL = re.compile(r"^[\s；;，,。.、）)]*$")
_TABLE_HEADER = re.compile(
    r"^(?:序号|主要任务|重点任务|工作任务|任务|具体措施|责任单位|牵头单位|完成时限|\s|\t)+$"
)
# a paragraph opening a measure of its own: "措施一：…", "目标任务：…" (a 责任分工方案's items)
_MEASURE_LABEL = re.compile(r"^(?:(?:措施|任务|举措)[一二三四五六七八九十\d]+|目标任务|主要目标)[：:]")
_TABLE_INTRO = re.compile(r"(?:见|如)下表|列表如下|如下[：:。]?$")  # "…完成时限和责任单位见下表。"
_NGRAM = 3
_MATCH_THRESHOLD = 0.6
_MIN_LEFTOVER = 10  # n-grams: less than this left of a paragraph is a heading, not a measure
_SENTENCE_END = re.compile(r"[。！？；]")
_TABLE_TITLE_MAX = 60
_ITEM_LEVEL = 3  # 1． and below: a numbered measure, not a section title
# a time label line in a block of label lines under a measure: "完成时限：2019年9月底前"
_TIME_LABEL = re.compile(r"^\s*(?:" + "|".join(map(re.escape, header_words("deadline"))) + r")\s*[：:]\s*")


@dataclass
class Unit:
    """A stretch of plan text that is one measure, with the clauses attributing it (if any)."""

    spans: list[tuple[int, int]]  # pieces of plan text (offsets) that state the measure
    paragraph: Paragraph  # where it begins (section, heading)
    clauses: list[tuple[Clause, int]] = field(default_factory=list)  # clause, offset of its line
    appendix_row: tuple[int, int] | None = None  # the appendix row that attributed it
    # a table row's time cells, which give its deadlines
    time_cells: list[tuple[int, int]] = field(default_factory=list)
    # left without an attribution after one that closed text of the same paragraph or numbered item ("…（A牵头）加快
    # 退出…" and no attribution after it): the attribution covers only what precedes it
    tail: bool = False

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


def top_section(section: str) -> str:
    """The top-level section a section lies in: 三 of 三.(一).2, 附件.一 of an appendix's 附件.一.(二)."""
    parts = section.split(".")
    return ".".join(parts[:2]) if parts and parts[0] == "附件" else parts[0]


@dataclass
class Default:
    """An implementer stated once for the measures after it ("以下任务各县区人民政府均负有落实责任，不再一一列出"), within
    the top-level section it stands in (重点任务, not 保障措施), or everywhere after it when it stands before any."""

    start: int  # where it applies from
    section: str  # the top-level section it applies in ("" for all)
    clause: Clause
    base: int  # offset of its line (the clause's offsets are relative to it)

    def covers(self, start: int, section: str) -> bool:
        return start >= self.start and (not self.section or top_section(section) == self.section)


@dataclass
class Segmentation:
    """The plan body cut into attributed and unattributed units, plus what could not be used."""

    attributed: list[Unit] = field(default_factory=list)
    unattributed: list[Unit] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    defaults: list[Default] = field(default_factory=list)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span so it does not start or end with separators and spaces."""
    while start < end and text[start] in " \t\n；;，,。.、":
        start += 1
    while end > start and text[end - 1] in " \t\n；;，,、":
        end -= 1
    return start, end


def segment(text: str, paragraphs: list[Paragraph], bare_lists: bool = False) -> Segmentation:
    """Cut body and appendix paragraphs into units closed by attributions. `bare_lists`: the plan states that the
    first unit listed leads, so a bare bracketed list of units closing a sentence attributes it too."""
    seg = Segmentation()
    body = [p for p in paragraphs if not p.appendix]
    appendix = [p for p in paragraphs if p.appendix]
    _cut(text, body, seg, seg.attributed, seg.unattributed, table=False, bare_lists=bare_lists)
    rows: list[Unit] = []
    leftover: list[Unit] = []
    _cut(text, appendix, seg, rows, leftover, table=True, bare_lists=bare_lists)
    for unit in leftover:
        if any(not _TABLE_HEADER.match(text[s:e]) for s, e in unit.spans):
            seg.skipped.append(_skip(text, unit, "appendix row without an attribution"))
    if rows:
        _attach_rows(text, rows, seg)
    return seg


def _cut(
    text: str,
    paragraphs: list[Paragraph],
    seg: Segmentation,
    closed: list[Unit],
    open_: list[Unit],
    table: bool,
    bare_lists: bool = False,
) -> None:
    pending: list[tuple[int, int]] = []
    pending_para: Paragraph | None = None
    pending_tail = False
    last_closed_by_line = False
    item_level, closed_in_item = 0, False  # the level of the heading or item text is under; closed text there
    # a numbered item as short as a heading ("1．整治城区餐饮油烟。", "1．整治城区餐饮油烟"), read as a heading line: the
    # measure of an attribution line right after it
    item: Paragraph | None = None
    duties = {} if table else read_duties(paragraphs)  # agency-first layouts (loaders.duties)

    def flush() -> None:
        nonlocal pending, pending_para, pending_tail
        if pending:
            open_.append(Unit(pending, pending_para, tail=pending_tail))
        pending, pending_para, pending_tail = [], None, False

    reader = TableReader()
    after_duty = False
    for n, p in enumerate(paragraphs):
        item, heading_item = None, item
        if p.level > 0:
            item_level, closed_in_item = p.level, False
        if (reading := duties.get(p.start)) is not None:
            if pending and not after_duty and _introduces(pending_para, p):
                # "（一）落实部门责任。各地政府、各有关部门要…" over "省环保厅负责…": the list's introduction, not a measure
                seg.skipped.append(_skip(text, Unit(pending, pending_para), "introduction of a duty list"))
                pending, pending_para = [], None
            flush()
            after_duty = True
            last_closed_by_line = False
            closed.extend(Unit(d.spans, d.paragraph, d.clauses) for d in reading.duties)
            seg.skipped.extend([reading.skipped] if reading.skipped else [])
            continue
        after_duty = False
        row = reader.feed(p.start, p.text, p.level)
        if row is not None:  # a table's header, row or note (loaders.tables): each row closes a unit
            if row == "header" and pending and _TABLE_INTRO.search(text[pending[-1][0] : pending[-1][1]]):
                seg.skipped.append(_skip(text, Unit(pending, pending_para), "introduction of a table"))
                pending, pending_para = [], None
            elif row == "header" and _is_table_title(text, pending):
                seg.skipped.append(_skip(text, Unit(pending, pending_para), "title of a table"))
                pending, pending_para = [], None
            flush()
            last_closed_by_line = False
            if isinstance(row, TableRow) and row.spans:
                closed.append(Unit(row.spans, p, row.clauses, (p.start, p.end), row.time_cells))
            elif row == "note":
                seg.skipped.append(Skipped(p.start, p.end, text[p.start : p.end], "note under a table"))
            continue
        if p.is_heading_only:
            flush()
            last_closed_by_line = False
            if p.level >= _ITEM_LEVEL:
                item = p
            nxt = paragraphs[n + 1] if n + 1 < len(paragraphs) else None
            if not table and (nxt is None or 0 < nxt.level <= p.level) and (unit := _closed_heading(text, p)):
                closed.append(unit)  # "1．整治城区餐饮油烟（县城管局牵头）": a measure with nothing under it
            continue
        if p.level > 0 or _MEASURE_LABEL.match(p.text):
            flush()
        line = p.text
        d = _DEFAULT_IMPLEMENTER.search(line)
        if d:
            clauses = parse_attribution(d.group("list") + "负责落实")
            if clauses:
                for c in clauses:
                    c.shifted(d.start("list"))
                    seg.defaults.append(Default(p.start + d.end(), top_section(p.section), c, p.start))
                line_rest = line[: d.start()] + line[d.end() :]
                if _TRIVIAL.match(line_rest):
                    continue
                # stated inside a measure's own attribution ("〔X牵头，Y负责落实。以下各项工作均需Y落实，不再列出。〕"):
                # the rest of the line is read without it, offsets kept
                line = line[: d.start()] + " " * (d.end() - d.start()) + line[d.end() :]
        cells = line.split("\t")
        if table and len(cells) > 1 and parse_attribution(cells[-1]):
            # a one-line table row: task cells, then the attribution cell
            flush()
            cut = len(line) - len(cells[-1])
            s, e = _trim(text, p.start, p.start + cut)
            clauses = parse_attribution(cells[-1])
            if s < e:
                unit = Unit([(s, e)], p, [(c, p.start + cut) for c in clauses], (p.start, p.end))
                closed.append(unit)
            continue
        if last_closed_by_line and closed and (t := _TIME_LABEL.match(line)):
            closed[-1].time_cells.append((p.start + t.end(), p.end))  # the time line of the label block
            continue
        found = find_attributions(line, bare_lists)
        if found and found[0][0] == 0 and found[0][1] == len(line):
            # the whole line is an attribution: it closes what is pending
            clauses = found[0][2]
            if pending:
                unit = Unit(pending, pending_para, [(c, p.start) for c in clauses], (p.start, p.end))
                pending, pending_para, pending_tail = [], None, False
                closed.append(unit)
                closed_in_item = True
                last_closed_by_line = True
            elif heading_item is not None:
                a, b = _trim(text, heading_item.text_start, heading_item.end)
                closed.append(Unit([(a, b)], heading_item, [(c, p.start) for c in clauses], (p.start, p.end)))
                last_closed_by_line = True
            elif last_closed_by_line and closed and _continues_block(line, closed[-1]):
                closed[-1].clauses.extend((c, p.start) for c in clauses)  # the next label line of a block
                if closed[-1].appendix_row:
                    closed[-1].appendix_row = (closed[-1].appendix_row[0], p.end)
            else:
                seg.warnings.append(
                    f"attribution with no task text before it (damaged row?): {line.strip()[:60]}"
                )
                seg.skipped.append(Skipped(p.start, p.end, line, "attribution without task text"))
            continue
        last_closed_by_line = False
        # a measure stated in a heading line starts with its title ("优化产业布局。…"); a table row is whole
        cursor = 0 if table else p.text_start - p.start
        for s, e, clauses in found:
            a, b = _trim(text, p.start + cursor, p.start + e)
            if pending or a < p.start + s:
                spans = pending + ([(a, b)] if a < b else [])
                closed.append(Unit(spans, pending_para or p, [(c, p.start) for c in clauses]))
                closed_in_item = True
            else:
                seg.warnings.append(f"attribution with no task text before it: {line[s:e][:60]}")
            pending, pending_para, pending_tail = [], None, False
            cursor = e
        rest_a, rest_b = _trim(text, p.start + cursor, p.end)
        if rest_a < rest_b and not _TRIVIAL.match(text[rest_a:rest_b]):
            if not pending:
                pending_para = p
                # after an attribution in this paragraph, or in the numbered item this text continues
                pending_tail = not table and (bool(found) or (closed_in_item and item_level >= _ITEM_LEVEL))
            pending.append((rest_a, rest_b))
    flush()


def _introduces(pending_para: Paragraph | None, duty: Paragraph) -> bool:
    """Whether text pending since `pending_para` opens the section a run of agency-first duties stands in (the
    section's own heading paragraph, or body text under its heading): the duties are its measures."""
    if pending_para is None:
        return False
    sec = pending_para.section
    return bool(sec) and (duty.section == sec or duty.section.startswith(sec + "."))


def _is_table_title(text: str, pending: list[tuple[int, int]]) -> bool:
    """Whether the text pending before a table's header is its title (重点工作任务清单, a sheet's title row): one
    short line that states no sentence."""
    if len(pending) != 1:
        return False
    title = text[pending[0][0] : pending[0][1]]
    return len(title) <= _TABLE_TITLE_MAX and "\t" not in title and not _SENTENCE_END.search(title)


def _closed_heading(text: str, p: Paragraph) -> Unit | None:
    """A heading-shaped line that ends with its own attribution ("1．整治城区餐饮油烟（县城管局牵头）"), as the unit it
    closes; None when it has none. (A heading with text or items under it is a section's title, and its attribution
    is not copied down: the caller asks only for one with nothing under it.)"""
    found = find_attributions(p.text)
    if not found or p.text[found[-1][1] :].strip(" 。；"):
        return None
    _s, e, clauses = found[-1]
    a, b = _trim(text, p.text_start, p.start + e)
    return Unit([(a, b)], p, [(c, p.start) for c in clauses]) if a < b else None


def _continues_block(line: str, unit: Unit) -> bool:
    """A label line ("配合单位：…") right after another, naming a role the block has not named yet."""
    m = LABEL.match(line.strip())
    return bool(m) and all(c.role != LABEL_ROLES[m.group("w")] for c, _ in unit.clauses)


def _skip(text: str, unit: Unit, reason: str) -> Skipped:
    return Skipped(unit.start, unit.end, text[unit.start : unit.end], reason)


_NOT_IN_GRAMS = re.compile(r"[\s，。；、：（）“”《》,.;:()0-9]")


def _grams(text: str) -> set[str]:
    text = _NOT_IN_GRAMS.sub("", text)
    return {text[i : i + _NGRAM] for i in range(len(text) - _NGRAM + 1)}


def _sentences(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences (ending in 。！？；) of some spans of text."""
    out = []
    for s, e in spans:
        a = s
        for m in _SENTENCE_END.finditer(text, s, e):
            out.append((a, m.end()))
            a = m.end()
        if a < e:
            out.append((a, e))
    return [(a, b) for a, b in out if text[a:b].strip()]


def _attach_rows(text: str, rows: list[Unit], seg: Segmentation) -> None:
    """Give each appendix row the body sentences that state the same measure (one task, not two).

    A body sentence goes to the row holding most of its character n-grams, when that share reaches the
    threshold; a row's task is then the run of its sentences in the body, with the body's section.
    """
    row_grams = [_grams(" ".join(text[s:e] for s, e in r.spans)) for r in rows]
    assigned: dict[int, list[tuple[int, int, Paragraph]]] = {}
    keep: list[Unit] = []
    for unit in seg.unattributed:
        rest: list[tuple[int, int]] = []
        para = unit.paragraph
        for a, b in _sentences(text, unit.spans):
            if para.level and para.text_start <= a and b <= para.body_start:
                continue  # the heading's own title: the section's name, kept as lt:heading
            g = _grams(text[a:b])
            shared = [len(g & rg) for rg in row_grams]
            most = max(shared)
            best = shared.index(most)  # the first row sharing the most
            if g and most / len(g) >= _MATCH_THRESHOLD and len(g) >= _NGRAM:
                assigned.setdefault(best, []).append((a, b, unit.paragraph))
            else:
                rest.append((a, b))
        if rest and sum(len(_grams(text[a:b])) for a, b in rest) >= _MIN_LEFTOVER:
            keep.append(Unit(rest, unit.paragraph))
    seg.unattributed = keep
    for i, row in enumerate(rows):
        sentences = assigned.get(i)
        if not sentences:
            seg.attributed.append(row)  # stated only in the appendix
            continue
        spans: list[tuple[int, int]] = []
        for a, b, _p in sorted(sentences):
            if spans and not text[spans[-1][1] : a].strip():
                spans[-1] = (spans[-1][0], b)
            else:
                spans.append((a, b))
        row.appendix_row = row.appendix_row or (row.start, row.end)
        seg.attributed.append(Unit(spans, min(sentences)[2], row.clauses, row.appendix_row, row.time_cells))
    seg.attributed.sort(key=lambda u: u.start)
