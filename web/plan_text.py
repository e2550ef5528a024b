"""A plan's own text, as the graph states it (`lt:planText`): the text view with a fact's sentence
highlighted, the table row (and its header) an offset stands in, the outline's heading titles, and the plan's
source file. Every offset of the graph counts characters of this text.

Served under the plan's page: `/id/plan/…/text?mark=START-END#m<START>` highlights the sentence holding
characters START–END (the exact span in bold); `/id/plan/…/source` downloads the file the plan was read from,
when the build recorded its path and the file is still there.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from flask import abort, render_template, request, send_file
from markupsafe import Markup, escape

from kg.namespaces import LT
from web.i18n import t

LT_PLAN_TEXT = str(LT.planText)

_SENTENCE_STOP = re.compile(r"[。！？!?\n\t]")
_TRAILING = "。！？!?"
MAX_MARKS = 20


@dataclass
class Row:
    """A table row an offset stands in: its cells (start, end, text) and the header cells of its table."""

    start: int
    end: int
    cells: list[tuple[int, int, str]]
    header: list[str] = field(default_factory=list)


def lines(text: str) -> list[tuple[int, int, str]]:
    """Every line of `text` with its offsets (line breaks excluded)."""
    out, offset = [], 0
    for line in text.split("\n"):
        out.append((offset, offset + len(line), line))
        offset += len(line) + 1
    return out


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (or table cell) holding characters start–end: from after the stop before it to its own stop."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    s = start
    while s > 0 and not _SENTENCE_STOP.match(text[s - 1]):
        s -= 1
    e = end
    while e < len(text) and not _SENTENCE_STOP.match(text[e]):
        e += 1
    if e < len(text) and text[e] in _TRAILING:
        e += 1
    while s < e and text[s] in " \u3000":
        s += 1
    return s, max(e, end)


def _cells(start: int, line: str) -> list[tuple[int, int, str]]:
    out, offset = [], start
    for cell in line.split("\t"):
        out.append((offset, offset + len(cell), cell))
        offset += len(cell) + 1
    return out


def _header_cells(line: str) -> list[str] | None:
    from loaders.tables import read_header

    cells = [c.strip() for c in line.split("\t")]
    return cells if read_header(cells) else None


def _is_attribution_line(line: str) -> bool:
    from loaders.attributions import find_attributions

    found = find_attributions(line.strip())
    return bool(found) and found[0][0] == 0 and found[0][1] >= len(line.strip()) - 1


def row_at(text: str, offset: int) -> Row | None:
    """The table row holding `offset`, with its table's header, or None when the offset is in running text.

    A tab-separated row (loaders.tables) is one line, its header the nearest header row above. A table read one
    cell per line (a 责任清单 of "task text" lines, each followed by its "X牵头；Y参与" line) is the attribution
    line with the task lines before it, its header the header words written one per line above them."""
    all_lines = lines(text)
    k = next((i for i, (s, e, _) in enumerate(all_lines) if s <= offset <= e), None)
    if k is None:
        return None
    start, end, line = all_lines[k]
    if "\t" in line:
        header: list[str] = []
        for _s, _e, above in reversed(all_lines[:k]):
            if "\t" not in above and above.strip() and not _SECTION_ROW.match(above.strip()):
                break
            found = _header_cells(above) if "\t" in above else None
            if found:
                header = found
                break
        return Row(start, end, _cells(start, line), header)
    if not _is_attribution_line(line) or not _in_appendix(text, start):
        return None
    task_lines: list[tuple[int, int, str]] = []
    header = []
    for s, e, above in reversed(all_lines[max(0, k - 40) : k]):
        stripped = above.strip()
        if not stripped:
            continue
        if _is_attribution_line(above) or _SECTION_ROW.match(stripped) or _header_word(stripped):
            break
        task_lines.insert(0, (s, e, above))
        if _ROW_NUMBER.match(stripped) or len(task_lines) >= 6:
            break
    words: list[str] = []
    for _s, _e, above in reversed(all_lines[max(0, k - 400) : k]):
        stripped = above.strip()
        if _header_word(stripped):
            words.insert(0, stripped)
        elif words:
            break
    header = words if len(words) >= 2 else []
    if not task_lines:
        return Row(start, end, [(start, end, line)], header)
    task = (task_lines[0][0], task_lines[-1][1], "\n".join(x[2] for x in task_lines))
    return Row(task[0], end, [task, (start, end, line)], header)


_SECTION_ROW = re.compile(r"^[一二三四五六七八九十]+[、.．][^。；，,;]{1,30}$")
_ROW_NUMBER = re.compile(r"^\d{1,3}[.．、]")
_APPENDIX = re.compile(r"^附件\s*[\d一二三四五六七八九十]*\s*(?:[：:]|$)")


def _header_word(cell: str) -> bool:
    from loaders.tables import _meaning

    return len(cell) <= 8 and bool(_meaning(cell))


def _in_appendix(text: str, offset: int) -> bool:
    return any(_APPENDIX.match(line.strip()) for s, _e, line in lines(text[:offset]))


def headings(text: str) -> dict[str, str]:
    """Each outline section's heading title as the plan writes it ("二" → "调整优化产业结构")."""
    from loaders.outline import parse_outline
    from loaders.reading import to_match

    out: dict[str, str] = {}
    for p in parse_outline(to_match(text)):
        if p.level and p.heading and p.section not in out:
            out[p.section] = text[p.text_start : p.text_start + len(p.heading)].strip()
    return out


# --- rendering ---------------------------------------------------------------------------------------


def parse_marks(values: list[str], text: str) -> list[tuple[int, int]]:
    """The ?mark=START-END values that fall inside the text (at most MAX_MARKS)."""
    out = []
    for value in values[:MAX_MARKS]:
        m = re.fullmatch(r"([0-9]{1,12})-([0-9]{1,12})", value.strip())  # int() refuses 5000 digits
        if m and int(m[1]) < int(m[2]) <= len(text):
            out.append((int(m[1]), int(m[2])))
    return out


def _marked(
    text: str, lo: int, hi: int, sentences: list[tuple[int, int]], exact: list[tuple[int, int]]
) -> Markup:
    """text[lo:hi] escaped, the parts inside a sentence in <mark>, inside an exact span also in <strong>."""
    cuts = {lo, hi}
    for s, e in sentences + exact:
        cuts.update(x for x in (s, e) if lo < x < hi)
    points = sorted(cuts)
    out = []
    opened = set()
    for a, b in zip(points, points[1:], strict=False):
        chunk = str(escape(text[a:b]))
        if any(s <= a and b <= e for s, e in exact):
            chunk = f"<strong>{chunk}</strong>"
        sentence = next(((s, e) for s, e in sentences if s <= a and b <= e), None)
        if sentence:
            anchor = f' id="s{sentence[0]}"' if sentence not in opened else ""
            opened.add(sentence)
            chunk = f'<mark class="evidence-mark"{anchor}>{chunk}</mark>'
        out.append(chunk)
    return Markup("".join(out))


def render_text(text: str, marks: list[tuple[int, int]], anchors: dict[int, tuple[str, str]]) -> Markup:
    """The plan's text as HTML: a paragraph per line (id "L<offset>"), runs of tab-separated lines as tables
    (header rows as <th>), the marks' sentences highlighted, and a link to each task where its text begins
    (`anchors`: offset → (task page URL, section))."""
    sentences = [sentence_around(text, s, e) for s, e in marks]
    # a sentence may start before its mark's anchor id: give each mark an anchor at its own start too
    row_spans = []
    for s, _e in marks:
        row = row_at(text, s)
        if row:
            row_spans.append((row.start, row.end))
    out: list[str] = []
    table_open = False
    starts = sorted(anchors)
    for start, end, line in lines(text):
        in_row = any(a <= start and end <= b or a <= start <= b for a, b in row_spans)
        here = [o for o in starts if start <= o <= end]
        links = "".join(
            f'<a class="task-anchor" href="{escape(anchors[o][0])}">§{escape(anchors[o][1])}</a>'
            for o in here
        )
        ids = "".join(f'<span id="m{s}"></span>' for s, _e in marks if start <= s <= end)
        if "\t" in line:
            if not table_open:
                out.append('<div class="table-scroll"><table class="plan-table">')
                table_open = True
            header = _header_cells(line) is not None
            tag = "th" if header else "td"
            cells = "".join(
                f"<{tag}>{_marked(text, s, e, sentences, marks)}</{tag}>" for s, e, _c in _cells(start, line)
            )
            cls = ' class="row-marked"' if in_row else ""
            out.append(f'<tr id="L{start}"{cls}><td class="anchor-cell">{ids}{links}</td>{cells}</tr>')
            continue
        if table_open and (not line.strip() or not _SECTION_ROW.match(line.strip())):
            out.append("</table></div>")
            table_open = False
        if table_open:
            out.append(
                f'<tr id="L{start}"><td class="anchor-cell">{ids}{links}</td><td colspan="99"><strong>'
                f"{_marked(text, start, end, sentences, marks)}</strong></td></tr>"
            )
            continue
        if not line.strip():
            continue
        cls = ' class="row-marked"' if in_row else ""
        out.append(f'<p id="L{start}"{cls}>{ids}{links}{_marked(text, start, end, sentences, marks)}</p>')
    if table_open:
        out.append("</table></div>")
    return Markup("\n".join(out))


def evidence_url(plan_iri: str, start: int | None, end: int | None) -> str:
    """The text view's URL highlighting characters start–end (and the sentence holding them)."""
    from web.repository import page_url

    if start is None or end is None:
        return ""
    return f"{page_url(plan_iri)}/text?mark={start}-{end}#m{start}"


# --- the views ---------------------------------------------------------------------------------------


def kept_text(plan_iri: str) -> dict | None:
    """The plan's text (`lt:planText`, from the graph: a remote endpoint serves it too) and, where the build
    kept it beside a local store, the path of its source file; None for a plan with no text (a cited plan, a
    store built before the text was stated)."""
    from web.pages import repository

    repo = repository()

    def read() -> dict | None:
        rows = repo.source.select(
            f"SELECT ?text WHERE {{ <{plan_iri}> <{LT_PLAN_TEXT}> ?text }} LIMIT 1"
        )
        if not rows:
            return None
        reader = getattr(repo.source, "plan_source", None)
        local = reader(plan_iri) if reader else None
        return {"plan": plan_iri, "text": rows[0]["text"], "source": (local or {}).get("source")}

    return repo.cached(("plan-text", plan_iri), read)


def source_file(plan_iri: str) -> Path | None:
    """The plan's source file, when the build recorded its path and the file is still there."""
    kept = kept_text(plan_iri)
    if not kept or not kept.get("source"):
        return None
    path = Path(kept["source"])
    # the build recorded the file's real path: one that now leads elsewhere (replaced by a link) is not the file
    # the plan was read from, and is not sent
    return path if path.is_file() and path.resolve() == path else None


def text_view(plan_iri: str):
    from web.pages import repository
    from web.repository import page_url

    plan = repository().plan(plan_iri)
    kept = kept_text(plan_iri)
    if kept is None:
        return render_template("plan_text.html", plan=plan, body=None, rows=[], marks=[]), 404
    text = kept["text"]
    marks = parse_marks(request.args.getlist("mark"), text)
    anchors = {}
    for task in plan["tasks"]:
        if task.get("start") is not None:
            anchors.setdefault(task["start"], (page_url(task["task"]), task["section"]))
    rows = []
    for s, e in marks:
        row = row_at(text, s)
        sentence = sentence_around(text, s, e)
        rows.append({"start": s, "end": e, "sentence": text[sentence[0] : sentence[1]], "row": row})
    body = render_text(text, marks, anchors)
    return render_template("plan_text.html", plan=plan, body=body, rows=rows, marks=marks)


def source_download(plan_iri: str):
    path = source_file(plan_iri)
    if path is None:
        abort(404, description=t("txt_no_source"))
    # a file name may hold a newline or another control character (a folder on Linux allows them), which no
    # header may carry, or an invisible format character (U+202E makes 方案‮exe.txt read as 方案txt.exe): each
    # becomes "_"; quotes, semicolons and non-ASCII are quoted by Werkzeug
    name = "".join("_" if unicodedata.category(c) in ("Cc", "Cf") else c for c in path.name)
    response = send_file(path, as_attachment=True, download_name=name)
    # a plan saved from a web page is HTML with its own scripts: should a browser show it in place of saving it
    # (a proxy dropping the attachment), it runs nothing on the explorer's origin
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def decorate_plan(plan: dict) -> dict:
    """The plan page's additions from the kept text: each outline heading's title (`title` on a section node
    that is no task), the first words of each task sharing its section with another (`firstWords`), whether
    the text is kept (`textKept`) and the source file is downloadable (`sourceAvailable`)."""
    plan = copy.deepcopy(plan)  # the repository's cached answer stays as it is
    kept = kept_text(plan["plan"])
    titles = headings(kept["text"]) if kept else {}
    shared = {}
    for task in plan.get("tasks", []):
        shared[task["section"]] = shared.get(task["section"], 0) + 1

    def first_words(task: dict) -> str:
        text = (task.get("excerpt") or "").replace("…", "")
        if kept and task.get("start") is not None:
            text = kept["text"][task["start"] : task["end"]]
        text = " ".join(text.split())
        heading = task.get("heading") or ""
        if heading and text.startswith(heading):  # the heading is shown beside it already
            text = text[len(heading) :].lstrip("。：:，, ")
        return text[:24] + ("…" if len(text) > 24 else "")

    def walk(nodes: list[dict]) -> None:
        for node in nodes:
            if node.get("item") is None:
                node["title"] = titles.get(node["section"], "")
            elif shared.get(node["item"]["section"], 0) > 1:
                node["item"]["firstWords"] = first_words(node["item"])
            walk(node.get("children", []))

    walk(plan.get("outline", []))
    for task in plan.get("tasks", []):
        if shared.get(task["section"], 0) > 1 and "firstWords" not in task:
            task["firstWords"] = first_words(task)
    for target in plan.get("targets", []):
        if kept and target.get("start") is not None:
            target["evidenceUrl"] = evidence_url(plan["plan"], target["start"], target["end"])
    source = source_file(plan["plan"])
    plan["textKept"] = kept is not None
    plan["sourceAvailable"] = source is not None
    return plan


def decorate_task(task: dict) -> dict:
    """Each attribution, deadline and target of the task gets `evidenceUrl` (the text view with its sentence
    highlighted); an attribution outside the task's own text (an appendix table's row) gets its `sentence`
    and its table `row` with the header."""
    task = copy.deepcopy(task)
    kept = kept_text(task["plan"])
    for fact in task.get("attributions", []) + task.get("deadlines", []) + task.get("targets", []):
        if kept and fact.get("start") is not None:
            fact["evidenceUrl"] = evidence_url(task["plan"], fact["start"], fact["end"])
    if not kept:
        return task
    text = kept["text"]
    rows: dict[tuple[int, int], dict] = {}
    for a in task.get("attributions", []):
        if a.get("start") is None:
            continue
        inside = task.get("start") is not None and task["start"] <= a["start"] and a["end"] <= task["end"]
        if inside:
            continue
        s, e = sentence_around(text, a["start"], a["end"])
        a["sentence"] = text[s:e]
        row = row_at(text, a["start"])
        if row:
            key = (row.start, row.end)
            rows.setdefault(
                key,
                {
                    "start": row.start,
                    "end": row.end,
                    "header": row.header,
                    "cells": [c[2] for c in row.cells],
                    "roles": [],
                },
            )
            rows[key]["roles"].append(a)
            a["row"] = {"start": row.start, "end": row.end}
    task["evidenceRows"] = list(rows.values())
    return task
