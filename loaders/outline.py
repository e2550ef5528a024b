"""Outline: split a plan's text into paragraphs and place each under its heading path.

Headings recognised: 一、 （一） 1. 1． 1、 （1） ① 第一章/第一条, markdown '#', and an appendix line 附件.
Levels follow the usual order of Chinese official documents (一、 > （一） > 1. > （1） > ①); a markdown
'#' line without a marker is a document title, not a section. The section path names the heading markers
from the top, e.g. "二.(一).3"; sections inside an appendix start with "附件".

Works on the matching copy (Simplified, ASCII digits, full-width （）：), one paragraph per line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_NUM = "一二三四五六七八九十百零〇两"

# (level, compiled pattern, label formatter); the marker group is "m", the rest is the heading/body text
_MARKERS = [
    (1, re.compile(rf"^第(?P<m>[{_CN_NUM}\d]+)[章部分篇]\s*"), "{m}"),
    (1, re.compile(rf"^(?P<m>[{_CN_NUM}]+)[、.．]\s*"), "{m}"),
    (2, re.compile(rf"^（(?P<m>[{_CN_NUM}]+)）\s*"), "({m})"),
    (3, re.compile(r"^(?P<m>\d{1,2})(?:[.．、](?!\d)|\s+(?=\S))\s*"), "{m}"),
    (3, re.compile(rf"^第(?P<m>[{_CN_NUM}\d]+)条\s*"), "{m}"),
    (4, re.compile(r"^（(?P<m>\d{1,2})）\s*"), "({m})"),
    (5, re.compile(r"^(?P<m>[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s*"), "{m}"),
]
_MARKDOWN = re.compile(r"^(?:#{1,6}\s*)?(?:\*\*|__)?\s*")
_APPENDIX = re.compile(r"^附件\s*[\d一二三四五六七八九十]*\s*(?:[：:]|$)")
# a heading title ends at the first sentence stop when it is short
_TITLE_END = re.compile(r"[。；！？]")
_HEADING_MAX = 40


@dataclass
class Paragraph:
    """One line of the plan, with its place in the outline."""

    start: int  # offsets in the plan text
    end: int
    text: str  # matching copy of the line
    section: str  # outline path of the section it is in (or opens)
    heading: str  # title of that section
    level: int  # heading level it opens, 0 for body text
    body_start: int  # offset where the body text starts (after the marker and a heading title)
    text_start: int  # offset after the heading marker (where the heading title begins)
    appendix: bool  # inside an appendix
    markdown_title: bool = False  # a '#' line without a marker: a document title

    @property
    def is_heading_only(self) -> bool:
        return self.level > 0 and self.body_start >= self.end


def heading_of(line: str) -> tuple[int, str, int] | None:
    """The (level, label, length of the marker) of a heading line, or None for body text."""
    for level, pattern, label in _MARKERS:
        m = pattern.match(line)
        if m:
            return level, label.format(m=m.group("m")), m.end()
    return None


def _title_length(rest: str) -> int:
    """How much of the text after a marker is the heading title (the rest is body text)."""
    m = _TITLE_END.search(rest)
    if m and m.start() <= _HEADING_MAX:
        return m.end()
    if not m and len(rest) <= _HEADING_MAX:
        return len(rest)
    return 0


def parse_outline(text: str) -> list[Paragraph]:
    """Every non-empty line of `text` as a Paragraph placed in the outline."""
    paragraphs: list[Paragraph] = []
    path: dict[int, tuple[str, str]] = {}  # level -> (label, title)
    appendix = False
    offset = 0
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        if not line.strip():
            continue
        body = line
        lead = 0
        md = _MARKDOWN.match(body) if body[:1] in "#*_" else None
        if md:
            lead = md.end()
            body = re.sub(r"(?:\*\*|__)\s*$", "", body[lead:])
        md = md if md and line.startswith("#") else None
        if _APPENDIX.match(body):
            appendix = True
            path = {}
            paragraphs.append(Paragraph(start, end, line, "附件", body.strip(), 1, end, end, True))
            continue
        found = heading_of(body)
        if found is None:
            sec = _section_name(path, appendix)
            title = path[max(path)][1] if path else ""
            para = Paragraph(start, end, line, sec, title, 0, start + lead, start + lead, appendix, bool(md))
            paragraphs.append(para)
            continue
        level, label, mlen = found
        rest = body[mlen:]
        tlen = _title_length(rest)
        title = rest[:tlen].rstrip("。；！？ ")
        path = {k: v for k, v in path.items() if k < level}
        path[level] = (label, title)
        body_start = start + lead + mlen + tlen
        while body_start < end and text[body_start] in " \t*_":  # spaces, markdown emphasis
            body_start += 1
        paragraphs.append(
            Paragraph(
                start,
                end,
                line,
                _section_name(path, appendix),
                title,
                level,
                body_start,
                start + lead + mlen,
                appendix,
            )
        )
    return paragraphs


def _section_name(path: dict[int, tuple[str, str]], appendix: bool) -> str:
    parts = [path[k][0] for k in sorted(path)]
    if appendix:
        parts.insert(0, "附件")
    return ".".join(parts)
