"""Read a plan file (.txt/.md/.html in UTF-8, GB18030 or Big5) into clean display text and its matching copy.

Stage 1 of the loader, "file → text". `read_plan` decodes the bytes, strips markup and web-page chrome (a
document format is read by its own module first: .docx by loaders.docx_text, .pdf by loaders.pdf_text, .doc and
.wps converted by loaders.office; spreadsheets (.xlsx, and .xls/.et converted) by loaders.sheet_text; .ofd is reported
as unsupported), cleans the lines (`clean_lines`: spacing, lines broken by PDF extraction or page breaks) and derives the
matching copy (`to_match`: Simplified characters, uniform punctuation) that has the same length as the
display text, so an offset found in one is valid in the other.
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from charset_normalizer import from_bytes
from charset_normalizer.constant import FREQUENCIES
from opencc import OpenCC

from loaders.attributions import _AGENCY_END
from loaders.tables import display_width, flatten_html_tables, recover_rows

_FORMATS = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
    ".doc": "doc",
    ".wps": "wps",
    ".xlsx": "xlsx",
    ".xls": "xls",
    ".et": "et",
    ".ofd": "ofd",
}
PLAN_SUFFIXES = tuple(_FORMATS)
_DOCUMENTS = ("docx", "pdf", "doc", "wps", "xlsx", "xls", "et", "ofd")  # read by a module of their own


class PlanInputError(Exception):
    """A plan file that cannot be read; str(e) == f"{path}: {problem}"."""

    def __init__(self, path: Path | str, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")

    def __reduce__(self):  # pickled by its fields (a build's extraction processes send it back)
        return type(self), (self.path, self.problem)


@dataclass
class PlanText:
    """A plan's text: `display` as written (cleaned), `match` the same length for rules to match against."""

    source: str  # file name
    display: str  # one paragraph per line, "\n"-joined, no empty lines
    match: str  # same length as display, char for char: Simplified, uniform punctuation
    encoding: str  # 'utf-8' | 'gb18030' | 'big5' | ...; a document's format ('docx', 'pdf' …) when not text
    format: str  # 'txt' | 'md' | 'html', or a document's ('docx', 'pdf', 'doc', 'wps', 'xlsx', 'xls', 'et')
    warnings: list[str] = field(default_factory=list)  # what reading had to repair (bad bytes, deep markup)


# ---------------------------------------------------------------------------------------------- decoding

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_RE = re.compile(f"[{_HAN}]")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_LEGACY_ENCODINGS = ("gb18030", "big5", "cp950", "big5hkscs")


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    """The most frequent Chinese characters, in Simplified and Traditional form (for telling decodings apart)."""
    simplified = "".join(FREQUENCIES["Chinese"])
    return frozenset(simplified + OpenCC("s2t").convert(simplified) + OpenCC("s2tw").convert(simplified))


def _cjk_score(text: str) -> float:
    """Share of common Chinese characters among the non-ASCII ones, less a penalty for replacement chars."""
    wide = [c for c in text if ord(c) > 0x7F]
    if not wide:
        return 0.0
    common = _common_chars()
    hits = sum(c in common for c in wide)
    return (hits - 5 * text.count("\ufffd")) / len(wide)


_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in b"\t\n\r\f\v\x1a\x1b")


def _is_binary(raw: bytes) -> bool:
    sample = raw[:65536]
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > 0.05 * len(sample)


def _decode_replacing(raw: bytes, encoding: str, most: int) -> tuple[str, list[int]] | None:
    """`raw` decoded with each undecodable byte sequence replaced by U+FFFD, and the byte offsets of those;
    None when there are more than `most` (it is not in `encoding`)."""
    view, parts, offsets, at = memoryview(raw), [], [], 0
    while True:
        try:
            parts.append(str(view[at:], encoding))
            return "".join(parts), offsets
        except UnicodeDecodeError as error:
            if len(offsets) >= most:
                return None
            parts += [str(view[at : at + error.start], encoding), "\ufffd"]
            offsets.append(at + error.start)
            at += error.end


# control characters no text shows and XML (the XLSX, SVG and SPARQL XML downloads) cannot hold, and the
# text-direction controls (U+202A-U+202E, U+2066-U+2069: a right-to-left override shows "方案‮xcod.exe" as
# "方案exe.docx"; a Chinese plan has no right-to-left text); the tab, the line and page breaks (\n \r \v \f
# \x1c-\x1e) are kept: the lines are split at them
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _replace_controls(text: str, warnings: list[str]) -> str:
    """`text` with each control character (a stray ESC or STX in a file, a text-direction override) replaced by
    U+FFFD, one for one (the offsets stay), and a warning giving their character offsets."""
    offsets = [m.start() for m in _CONTROL_CHARS.finditer(text)]
    if not offsets:
        return text
    shown = ", ".join(map(str, offsets[:10])) + (", …" if len(offsets) > 10 else "")
    warnings.append(f"{len(offsets)} control character(s) replaced by U+FFFD at character offset(s) {shown}")
    return _CONTROL_CHARS.sub("\ufffd", text)


def _undecoded_warning(offsets: list[int], encoding: str) -> str:
    shown = ", ".join(map(str, offsets[:10])) + (", …" if len(offsets) > 10 else "")
    return f"{len(offsets)} invalid {encoding} sequence(s) replaced by U+FFFD at byte offset(s) {shown}"


def _damaged_utf8(raw: bytes) -> tuple[str, list[int]] | None:
    """UTF-8 text with a few bad bytes (at most one per KB, and 20 valid non-ASCII characters for each): the
    text with those replaced, and their offsets; None when the bytes are not UTF-8 text."""
    decoded = _decode_replacing(raw, "utf-8", most=8 + len(raw) // 1024)
    if decoded is None:
        return None
    text, offsets = decoded
    wide = sum(1 for c in text if ord(c) > 0x7F) - len(offsets)
    return decoded if wide >= 20 * len(offsets) else None


def _decode(raw: bytes, path: Path, warnings: list[str] | None = None) -> tuple[str, str]:
    """Decode plan bytes; returns (text, encoding name). Bytes that do not decode are replaced by U+FFFD and
    their offsets told in `warnings`."""
    warnings = [] if warnings is None else warnings
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), "utf-8" if encoding == "utf-8-sig" else encoding
            except UnicodeDecodeError as e:
                raise PlanInputError(
                    path, f"starts with a {encoding} byte-order mark but is not {encoding}"
                ) from e
    if _is_binary(raw):
        raise PlanInputError(path, "binary file, not text (NUL or control bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        damaged = _damaged_utf8(raw)
        if damaged is not None:
            warnings.append(_undecoded_warning(damaged[1], "utf-8"))
            return damaged[0], "utf-8"
    else:
        return text, "utf-8"  # whether it holds Chinese text is checked on the cleaned text
    candidates: dict[str, str] = {}
    for encoding in _LEGACY_ENCODINGS:
        try:
            candidates[encoding] = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    if not candidates:  # damaged file: let charset-normalizer guess, else decode leniently
        best = from_bytes(raw[:200_000]).best()
        guesses = ([best.encoding] if best else []) + list(_LEGACY_ENCODINGS)
        for encoding in guesses:
            candidates.setdefault(encoding, raw.decode(encoding, errors="replace"))
    scored = {encoding: _cjk_score(text) for encoding, text in candidates.items()}
    encoding = max(scored, key=scored.__getitem__)  # ties keep the earlier (gb18030, then big5)
    if scored[encoding] < 0.05:
        raise PlanInputError(path, "undetectable encoding (not UTF-8, GB18030 or Big5 Chinese text)")
    if "\ufffd" in candidates[encoding]:  # a damaged file decoded leniently: say where
        decoded = _decode_replacing(raw, encoding, most=1000)
        if decoded is not None and decoded[1]:
            warnings.append(_undecoded_warning(decoded[1], encoding))
    return candidates[encoding], encoding


# ---------------------------------------------------------------------------------------------- markup

_INLINE_TAG_RE = re.compile(
    r"</?(?:sub|sup|span|font|b|i|u|em|strong|small|big|a|p|div|br|center|mark)\b[^<>]*>", re.IGNORECASE
)
_RULE_RE = re.compile(r"^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$", re.MULTILINE)
_DROP_TAGS = "script style noscript template svg canvas nav header footer aside form iframe button select input".split()
_CHROME_RE = re.compile(r"nav|menu|footer|header|breadcrumb|sidebar|share|copyright", re.IGNORECASE)
_BLOCK_TAGS = set(
    "address article blockquote body center dd div dl dt figcaption figure h1 h2 h3 h4 h5 h6 hr li main ol p "
    "pre section table tbody thead tfoot title tr ul".split()
)


def _strip_text_markup(text: str) -> str:
    """Plain text and Markdown: drop inline HTML tags (PM<sub>2.5</sub> → PM2.5) and horizontal rules."""
    text = _INLINE_TAG_RE.sub(lambda m: "\n" if m.group(0).lower().startswith("<br") else "", text)
    return _RULE_RE.sub("", text)


def _markdown_to_text(text: str) -> str:
    """Markdown: keep '#' heading markers, unwrap links, emphasis and tables (cells → tabs)."""
    text = _strip_text_markup(text)
    text = re.sub(r"!?\[([^\]\n]*)\]\([^)\n]*\)", r"\1", text)  # [text](url) → text
    text = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", text)  # **bold** → bold
    text = re.sub(r"^[ \t]*>[ \t]?", "", text, flags=re.MULTILINE)  # > quote
    text = re.sub(
        r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", "", text, flags=re.M
    )
    return re.sub(
        r"^[ \t]*\|(.*)\|[ \t]*$", lambda m: "\t".join(c.strip() for c in m[1].split("|")), text, flags=re.M
    )


def _han_count(element: Tag) -> int:
    return len(_HAN_RE.findall(element.get_text()))


def _is_chrome(element: Tag) -> bool:
    """Site chrome by id/class; a header inside the article (its title) is kept."""
    if element.decomposed:  # already removed with an ancestor
        return False
    names = " ".join([element.get("id") or "", *(element.get("class") or [])])
    match = _CHROME_RE.search(names)
    if not match:
        return False
    return not (match[0].lower() == "header" and element.find_parent(["article", "main"]))


def _main_content(body: Tag) -> Tag:
    """<article> or <main> holding most of the text, else the deepest element holding most of it."""
    total = _han_count(body) or 1
    for name in ("article", "main"):
        found = max(body.find_all(name), key=_han_count, default=None)
        if found is not None and _han_count(found) >= 0.5 * total:
            return found
    best = body
    while True:
        children = [c for c in best.children if isinstance(c, Tag)]
        richest = max(children, key=_han_count, default=None)
        if richest is None or _han_count(richest) < 0.7 * total:
            return best
        best = richest


_MAX_DEPTH = 256  # deeper markup is read as a stream of tags (finding the main content takes depth × size)
_UNREAD_TAGS = frozenset("script style noscript template svg canvas".split())


class _FlatText(HTMLParser):
    """A page's text read as a stream of tags, in time linear in its size at any depth: block elements on
    their own lines, table cells tab-separated, scripts and styles dropped; site chrome is kept."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._unread = 0  # inside how many script/style/… elements

    def handle_starttag(self, tag, attrs):
        if tag in _UNREAD_TAGS:
            self._unread += 1
        elif tag == "br" or tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _UNREAD_TAGS:
            self._unread = max(self._unread - 1, 0)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")

    def handle_data(self, data):
        if not self._unread:
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def _depth(soup: BeautifulSoup) -> int:
    """How deep the elements of `soup` nest (one pass)."""
    depth = {id(soup): 0}
    for element in soup.descendants:
        if isinstance(element, Tag):
            depth[id(element)] = depth[id(element.parent)] + 1
    return max(depth.values())


def _html_to_text(html: str, warnings: list[str] | None = None) -> str:
    """Web page → the plan's text: chrome dropped, main content kept, block elements on their own lines.

    A page nested deeper than `_MAX_DEPTH` levels is read as a stream of tags (`_FlatText`), with a warning."""
    soup = BeautifulSoup(html, "lxml")
    depth = _depth(soup)
    if depth > _MAX_DEPTH:
        if warnings is not None:
            warnings.append(
                f"HTML nested {depth} levels deep (more than {_MAX_DEPTH}): read as plain text, site chrome kept"
            )
        reader = _FlatText()
        reader.feed(html)
        reader.close()
        return "".join(reader.parts)
    for element in soup.find_all(_DROP_TAGS):
        if element.name != "header" or not element.find_parent(["article", "main"]):
            element.decompose()
    for element in soup.find_all(True):
        if _is_chrome(element):
            element.decompose()
    for text in soup.find_all(string=True):
        if not text.find_parent("pre"):
            text.replace_with(re.sub(r"[ \t\r\n\f]+", " ", str(text)))
    body = soup.body or soup
    main = _main_content(body)
    table = main if main.name == "table" else main.find_parent("table")
    if table is not None and table.parent is not None:  # a page that is one table: the whole table, to flatten it
        main = table.parent
    title = body.find("h1")
    outside = (
        title is not None
        and main is not title
        and main not in title.parents
        and title not in main.descendants
    )
    prefix = title.get_text(" ", strip=True) + "\n" if outside else ""
    flatten_html_tables(main)  # each <tr> on one line, cells tab-separated
    for element in main.find_all(True):
        if element.name == "br":
            element.replace_with(NavigableString("\n"))
        elif element.name in ("td", "th"):
            element.append(NavigableString("\t"))
        elif element.name in _BLOCK_TAGS:
            element.insert_before(NavigableString("\n"))
            element.append(NavigableString("\n"))
    return prefix + main.get_text()


# ---------------------------------------------------------------------------------------------- cleaning

_SPACES = " \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_CJK_PUNCT_CHAR = re.compile("[\u3000-\u303f\uff00-\uffef\u2014\u2018-\u201d\u2026\u00b7]")
_NEXT_FIELD_RE = re.compile(f"[{_HAN}]{{2,6}}[:：]")  # 索引号: … 主题分类: …
_HEADING_RE = re.compile(
    r"^(?:#|[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十百\d]+[）)]|\d+[.．、](?!\d)|[①-⑳]"
    r"|第[一二三四五六七八九十百零\d]+[章节条部篇]|附件|附表)"
)
_LABEL_RE = re.compile(r"^[^\s，。；;：:,、]{2,10}[：:]")
_FINAL = '。；;：:！？!?）)」』"”’】]》〕…'
_CLAUSE_PUNCT = re.compile(r"[，、,；;。]")
_TITLE_END_RE = re.compile(
    r"(?:通知|方案|计划|計劃|計畫|細則|细则|意见|意見|办法|辦法|规定|規定|决定|決定|通告|公告|报告|報告|要点|要點|清单|清單)$"
)
# a line that is only a 文号 ("晋政发〔2018〕30号"): a notice's own line, never the end of the sentence before it
_DOC_NUMBER_LINE_RE = re.compile(
    r"^[\u4e00-\u9fff]{1,12}\s*[〔\[﹝(（【]\s*(?:19|20)\d\d\s*[〕\]﹞)）】]\s*\d{1,4}\s*[号號]$"
)
_DATE_LINE_RE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?$")
_PAGE_NUMBER_RE = re.compile(
    r"^(?:[-—–－]+\s*\d{1,4}\s*[-—–－]+|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?)$"
)
_MIN_BODY_LINE = 15


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _drop_stray_spaces(line: str) -> str:
    """Remove spaces beside Chinese text ("2020 年底前" → "2020年底前"); keep them between Latin words and
    before the next field of a "label: value label: value" line."""

    def replace(space: re.Match) -> str:
        before, after = line[space.start() - 1], line[space.end()]
        if ":" in line[: space.start()] or "：" in line[: space.start()]:
            if _NEXT_FIELD_RE.match(line, space.end()):
                return space[0]
        if _CJK_PUNCT_CHAR.match(before) or _CJK_PUNCT_CHAR.match(after):
            return ""
        if _between_units(line, space.start(), space.end()):
            return space[0]  # "区城管局 区公安分局": units of a list separated by a space, split later
        beside_han = (_HAN_RE.match(before) and not _is_latin(after)) or (
            _HAN_RE.match(after) and not _is_latin(before)
        )
        return "" if beside_han else space[0]

    return _INNER_SPACES.sub(replace, line)


# a unit's name right before a space, and one right after it (role words may follow it: "区交通局配合")
_UNIT_BEFORE = re.compile(r"(?:^|[、，,；;：:（(〔\[ ])(?P<unit>[^、，,；;：:（(〔\[ ]{3,30})$")
_UNIT_AFTER = re.compile(r"[^、，,；;：:（）()〔〕\[\] 。]{3,30}")


def _between_units(line: str, start: int, end: int) -> bool:
    """Whether the space line[start:end] separates two units' names ("市环保局 市公安局"): the text since the last
    separator before it ends like an agency, and the text after it begins with one."""
    m = _UNIT_BEFORE.search(line, 0, start)
    after = _UNIT_AFTER.match(line, end)
    if not m or not after:
        return False
    unit, word = _t2s().convert(m.group("unit")), _t2s().convert(after.group())  # 縣發改辦: the unit ends alike
    if not _AGENCY_END.search(unit):
        return False
    return any(_AGENCY_END.search(word[:n]) for n in range(3, len(word) + 1))


_ANY_SPACE = re.compile(f"[{_SPACES}]")
_INNER_SPACES = re.compile(r"(?<=\S) +(?=\S)")
_TAB_RUN = re.compile(r"[ \t]*\t[ \t]*")
_CELL_SEP = re.compile(r" *\t *")


def _cells(line: str) -> str:
    """Tabs: a row of cells keeps its empty cells (a tab each, a leading one too) but no trailing ones; a line with
    tabs only around its text (indentation) loses them."""
    inner = line.strip("\t ")
    if "\t" not in inner:
        return _TAB_RUN.sub("\t", inner)
    return _CELL_SEP.sub("\t", line.rstrip("\t ")).lstrip(" ")
_SPACE_RUN = re.compile(r" {2,}")
_MD_HEADING = re.compile(r"#{1,6} +")
_SENTENCE_END = re.compile("[。；;]")


_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_SYLLABLE = f"[a-zü{_TONED}]{{1,6}}"
# a pinyin reading a web page put after a character: 国(guó), 一(yī / yì /yí), 的(de)
_PINYIN = re.compile(
    rf"(?<=[{_HAN}])[（(]\s*(?:{_SYLLABLE}(?:\s*/\s*{_SYLLABLE})*)\s*[)）]"
)
_NEUTRAL = re.compile(r"[（(](?:de|le|men|zi|me|ma|ne|ba)[)）]")
_TONE_MARK = re.compile(f"[{_TONED}]")
_LINE_BREAK = re.compile(r"(\f)|\r\n|[\r\n\v\x1c-\x1e\x85\u2028\u2029]")


def _drop_pinyin(text: str) -> str:
    """Remove pinyin readings injected after characters (a tone mark, or a neutral-tone particle's reading)."""
    return _PINYIN.sub(lambda m: "" if set(_TONED) & set(m[0]) or _NEUTRAL.fullmatch(m[0]) else m[0], text)


def _clean_line(line: str) -> str:
    line = _ANY_SPACE.sub(" ", line).strip(" ")
    line = _cells(line)
    line = _SPACE_RUN.sub(" ", line)
    heading = _MD_HEADING.match(line)
    marker, rest = (f"{heading[0].strip()} ", line[heading.end() :]) if heading else ("", line)
    return marker + _drop_stray_spaces(rest)


def _is_heading(line: str) -> bool:
    """An outline heading on its own: a marker, and no sentence ending inside."""
    return bool(_HEADING_RE.match(line)) and not _SENTENCE_END.search(line[:-1])


def _is_broken(line: str) -> bool:
    """A line of body text that stops mid-sentence (PDF line or page break)."""
    return (
        len(line) >= _MIN_BODY_LINE
        and line[-1] not in _FINAL
        and not _is_heading(line)
        and bool(_CLAUSE_PUNCT.search(line))
        and not _TITLE_END_RE.search(line)
    )


def _continues(line: str) -> bool:
    """A line that can carry on the sentence of the line before it."""
    return not (
        _HEADING_RE.match(line)
        or _LABEL_RE.match(line)
        or _DATE_LINE_RE.match(line)
        or _DOC_NUMBER_LINE_RE.match(line)
        or (line.endswith(("：", ":")) and len(line) <= 40)
    )


def _join(first: str, second: str) -> str:
    """Glue a broken line to its continuation, dropping 1–2 characters a page break repeated."""
    for k in (2, 1):
        if first[-k:] == second[:k] and all(_HAN_RE.match(c) for c in second[:k]):
            return first + second[k:]
    return first + second


@dataclass
class _Line:
    text: str  # cleaned
    table: bool  # a table row (cells separated by tabs)
    after_break: bool  # the first line after a page footer or a form feed
    raw: str  # as written, indentation included

    @cached_property
    def width(self) -> int:
        """Columns it took as written."""
        return display_width(self.raw)

    @cached_property
    def indent(self) -> int:
        """Columns of white space it began with (a PDF paragraph's first line is indented more)."""
        return display_width(_INDENT.match(self.raw).group())


_INDENT = re.compile(f"[{_SPACES}\t]*")


def _wrap_width(lines: list[_Line]) -> int:
    """The width at which a PDF's text layer wrapped the lines (0 when they were not hard-wrapped): most long lines
    end within a column or two of one width."""
    # first by characters (cheap): wrapped lines are of about one length, a wide character or two narrow ones
    # a column pair; a text of whole paragraphs, one a line, is not
    lengths = Counter(len(line.raw) for line in lines if not line.table and len(line.raw) >= 12)
    if sum(lengths.values()) < 6 or max(sum(lengths[n - k] for k in range(8)) for n in lengths) < 0.4 * sum(
        lengths.values()
    ):
        return 0
    widths = Counter(line.width for line in lines if not line.table and line.width >= 24)
    long = sum(widths.values())
    if long < 6:
        return 0
    best = max(widths, key=lambda w: sum(widths[w - k] for k in range(3)))
    full = sum(widths[best - k] for k in range(3))
    return best if full >= max(5, 0.4 * long) else 0


def _running_titles(lines: list[_Line]) -> set[str]:
    """Lines at the head of two pages or more, and a title (…方案, …计划) at the head of a page that stands
    elsewhere in the text too (on the first page): a running title, not the text. A label line ("责任单位：…")
    that happens to open a page and recur is text."""
    heads = Counter(line.text for line in lines if line.after_break)
    everywhere = Counter(line.text for line in lines if line.text in heads)
    return {
        text
        for text, n in heads.items()
        if not (_HEADING_RE.match(text) or _LABEL_RE.match(text))
        and (n >= 2 or everywhere[text] > n and _TITLE_END_RE.search(text))
    }


def clean_lines(raw: str) -> str:
    """Decoded text → display text: one paragraph per line, spacing cleaned, page footers and running titles
    dropped, broken lines re-joined (hard-wrapped PDF lines, lines broken by a page break)."""
    rows: list[_Line] = []
    after_break = False
    if _TONE_MARK.search(raw):  # pinyin readings a web page injected (their tone marks give them away)
        raw = _drop_pinyin(raw)
    parts = _LINE_BREAK.split(raw)  # lines, each followed by its break: "\f" for a form feed, else None
    for n in range(0, len(parts), 2):
        form_feed = n + 1 < len(parts) and parts[n + 1] == "\f"
        raw_line = parts[n].replace("\u200b", "").replace("\ufeff", "")
        line = _clean_line(raw_line)
        if line and _PAGE_NUMBER_RE.match(line):
            after_break = True
        elif line:
            rows.append(_Line(line, "\t" in raw_line, after_break, raw_line.rstrip()))
            after_break = False
        after_break = after_break or form_feed
    titles = _running_titles(rows)
    rows = [row for row in rows if not (row.after_break and row.text in titles)]
    wrap = _wrap_width(rows)
    # the left margin of the wrapped lines (a paragraph's first line is indented past it)
    full = [row.indent for row in rows if not row.table and wrap - 2 <= row.width <= wrap] if wrap else []
    margin = Counter(full).most_common(1)[0][0] if full else 0
    lines: list[str] = []
    previous: _Line | None = None
    for row in rows:
        line = row.text
        if previous is None or row.table or previous.table:
            lines.append(line)
        elif wrap and previous.width >= wrap - 2 and row.indent <= margin and previous.text[-1] not in "。！？":
            lines[-1] += line  # a hard-wrapped line goes on in the next, wherever it was cut
        elif _is_broken(lines[-1]) and _continues(line):
            lines[-1] = _join(lines[-1], line)
        else:
            lines.append(line)
        previous = row
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- matching copy

_PUNCT_TO_FULL = {"(": "（", ")": "）", ",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}
_KEEP_FULL = set("！（），：；？［］")
_MATCH_TABLE = str.maketrans(
    {
        **{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F) if chr(c) not in _KEEP_FULL},
        **_PUNCT_TO_FULL,
        "﹝": "〔",
        "﹞": "〕",
        "「": "“",
        "」": "”",
        "『": "‘",
        "』": "’",
        "､": "、",
        "｡": "。",
    }
)


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


@lru_cache(maxsize=8192)
def _simplify_char(char: str) -> str:
    simplified = _t2s().convert(char)
    return simplified if len(simplified) == 1 else char


_SIMPLIFIED: set[str] = set()  # characters seen to stay as they are in Simplified


def changing_characters(chars: Iterable[str]) -> set[str]:
    """The characters among `chars` that Simplified writes otherwise (each new character is asked once)."""
    changing = set()
    for c in set(chars) - _SIMPLIFIED:
        if _simplify_char(c) != c:
            changing.add(c)
        else:
            _SIMPLIFIED.add(c)
    return changing


def to_simplified(text: str) -> str:
    """`text` in Simplified characters, the same length (the explorer's search compares words and task texts
    in this form, so Traditional input finds the same tasks)."""
    return _simplify(text)


def _simplify(text: str) -> str:
    """Traditional → Simplified without changing the length (char by char where a phrase would)."""
    out = []
    for line in text.split("\n"):
        if not changing_characters(line):
            out.append(line)  # nothing Traditional here: skip the (slow) phrase conversion
            continue
        simplified = _t2s().convert(line)
        out.append(simplified if len(simplified) == len(line) else "".join(map(_simplify_char, line)))
    return "\n".join(out)


@lru_cache(maxsize=1)
def _variants() -> tuple[dict[int, str], frozenset[str]]:
    """The look-alike characters of "Martian script" (火星文: 囷 for 和, 苼 for 生 …) with their standard forms,
    and those that only ever stand for another (loaders/data/variant_chars.csv)."""
    with files("loaders").joinpath("data/variant_chars.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return str.maketrans({r["variant"]: r["standard"] for r in rows}), frozenset(
        r["variant"] for r in rows if r["marker"] == "yes"
    )


@lru_cache(maxsize=1)
def _marker_pattern(markers: frozenset[str]) -> re.Pattern:
    return re.compile(f"[{''.join(sorted(markers))}]")


def _standard_characters(text: str) -> str:
    """Lines written in Martian script (three or more of its marker characters) with their standard characters;
    other lines as they are (汾 of 汾阳市 is no variant there)."""
    table, markers = _variants()
    if not _marker_pattern(markers).search(text):
        return text
    return "\n".join(
        line.translate(table) if len(markers.intersection(line)) >= 3 else line for line in text.split("\n")
    )


def to_match(display: str) -> str:
    """The matching copy: Simplified, standard characters for Martian script, ASCII letters/digits, Chinese
    punctuation; same length as `display`."""
    chars = list(_standard_characters(_simplify(display)).translate(_MATCH_TABLE))
    for number in re.finditer(r"(?<=\d)[,:](?=\d)", display):  # 1,000 and 16:52 stay ASCII
        chars[number.start()] = number[0]
    assert len(chars) == len(display)
    return "".join(chars)


# ---------------------------------------------------------------------------------------------- reading


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB ({n} bytes)" if n >= 1024 * 1024 else f"{n} bytes"


def _read_document(path: Path, fmt: str, warnings: list[str], max_bytes: int) -> str:
    """The structured text (paragraph lines, tab-separated table rows, form feeds between pages) of a document."""
    if fmt == "ofd":
        raise PlanInputError(
            path,
            "OFD (GB/T 33190) is not supported: no maintained PyPI package reads its text offline without "
            "PyMuPDF; save it as PDF from an OFD reader and load the PDF",
        )
    if fmt == "pdf":
        from loaders.pdf_text import pdf_text

        return pdf_text(path)
    if fmt == "docx":
        from loaders.docx_text import docx_text

        return docx_text(path)
    if fmt in ("xlsx", "xls", "et"):
        return _read_spreadsheet(path, warnings, max_bytes)
    from loaders.docx_text import docx_text
    from loaders.office import converted_to_docx

    with converted_to_docx(path) as docx:
        return docx_text(docx)


_WEB_PAGE = re.compile(rb"<(?:html|table)\b", re.IGNORECASE)
_XML_SPREADSHEET = re.compile(rb"urn:schemas-microsoft-com:office:spreadsheet")


def _read_spreadsheet(path: Path, warnings: list[str], max_bytes: int) -> str:
    """A workbook's text: an Office Open XML package read as it is (whatever its name: WPS saves some .et so), a
    binary one (.xls, .et, or an .xls named .xlsx) converted to .xlsx by LibreOffice first, an Excel 2003 XML
    spreadsheet too; a web page saved under a spreadsheet's name (as many sites export "xls") read as a web page."""
    from loaders.office import EXCEL_97, converted_to_xlsx
    from loaders.sheet_text import encrypted_problem, file_kind, spreadsheet_text

    kind = file_kind(path)
    if kind == "encrypted":
        raise PlanInputError(path, encrypted_problem(path.suffix))
    if kind == "zip":
        return spreadsheet_text(path, warnings, max_bytes)
    if kind == "ole":  # the Excel import filter named: LibreOffice would take a damaged file for text
        with converted_to_xlsx(path, EXCEL_97) as xlsx:
            return spreadsheet_text(xlsx, warnings, max_bytes, source=path)
    with path.open("rb") as file:
        head = file.read(max_bytes + 1)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<?xml") and _XML_SPREADSHEET.search(head[:4096]):
        with converted_to_xlsx(path) as xlsx:
            return spreadsheet_text(xlsx, warnings, max_bytes, source=path)
    if _WEB_PAGE.search(head[:65536]):
        return _html_to_text(_decode(head, path, warnings)[0], warnings)
    raise PlanInputError(
        path,
        "not a spreadsheet: neither an .xlsx (zip) package nor an .xls (OLE) file, nor a web page or "
        "Excel XML saved under a spreadsheet's name",
    )


MAX_PLAN_BYTES = 20 * 1024 * 1024  # a larger file is refused before it is read


def read_plan(path: Path, max_bytes: int = MAX_PLAN_BYTES) -> PlanText:
    """Read one plan file into its display text and matching copy; PlanInputError if it cannot be read."""
    path = Path(path)
    try:
        exists, is_file = path.exists(), path.is_file()
    except OSError as error:  # e.g. a folder on the way that may not be entered
        raise PlanInputError(path, f"cannot be read: {error.strerror or error}") from error
    if not exists:
        raise PlanInputError(path, "no such file")
    if not is_file:
        raise PlanInputError(path, "not a file")
    suffix = path.suffix.lower()
    if suffix not in PLAN_SUFFIXES:
        raise PlanInputError(
            path, f"unsupported file type '{path.suffix}' (expected one of {', '.join(PLAN_SUFFIXES)})"
        )
    try:
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size <= max_bytes:  # checked before reading; the read is bounded too (the file may grow)
                raw = file.read(max_bytes + 1)
                size = max(size, len(raw))
    except OSError as error:
        raise PlanInputError(path, f"cannot be read: {error.strerror or error}") from error
    if size > max_bytes:
        raise PlanInputError(path, f"file is {_size(size)}, larger than the limit of {_size(max_bytes)}")
    fmt = _FORMATS[suffix]
    if not raw.strip():
        raise PlanInputError(path, "empty file")
    warnings: list[str] = []
    if fmt in _DOCUMENTS:
        text, encoding = _read_document(path, fmt, warnings, max_bytes), fmt
    else:
        text, encoding = _decode(raw, path, warnings)
    if not text.strip():
        raise PlanInputError(path, "empty file")
    if fmt == "html":
        text = _html_to_text(text, warnings)
    elif fmt == "md":
        text = _markdown_to_text(text)
    else:
        text = _strip_text_markup(text)
    text = _replace_controls(text, warnings)  # after the markup: a web page writes one as &#27;
    display = clean_lines(recover_rows(text))  # flattened tables: one tab-separated line per row
    if not _HAN_RE.search(display):
        raise PlanInputError(path, "no Chinese text found (not a plan?)")
    return PlanText(path.name, display, to_match(display), encoding, fmt, warnings)
