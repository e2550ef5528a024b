"""The evidence pipeline: a blank spaCy 'zh' Language whose rule components mark AGENCY, DATE, TARGET and
DOCREF spans on a task's text, so every fact keeps its character offsets and can be shown with displaCy.

Each rule set is a registered component (`lantian_agencies`, `lantian_dates`, `lantian_targets`,
`lantian_docrefs`) that can be tested, reordered or replaced on its own. Spans go to `doc.spans["sc"]`
(displaCy's span style); the record behind each span (Deadline, Target, DocRef, agency mention) is on
`span._.record`. Several records may share one span ("二氧化硫、氮氧化物排放总量分别比2015年下降1%" states two
targets in one phrase), so each span carries its own id and the record is looked up by it, not by offsets. The plan's year, which dates like "3月底前" need, is read from `doc.user_data["plan_year"]`.
No model is downloaded: the blank Chinese tokenizer splits into characters.
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from loaders.agencies import split_agency_list
from loaders.attributions import find_attributions
from loaders.dates import find_deadlines
from loaders.evidence import find_docrefs
from loaders.targets import find_targets

SPANS_KEY = "sc"
RECORDS_KEY = "lantian_records"  # doc.user_data: span id -> the record it marks


def _record_of(span: Span):
    """The record a span marks. spaCy keeps span extension values by character offsets alone, so two spans with
    the same offsets would share one value; the span's own id tells them apart."""
    return span.doc.user_data.get(RECORDS_KEY, {}).get(span.id_)


Span.set_extension("record", getter=_record_of, force=True)


def _text(doc: Doc) -> str:
    """The doc's text, kept in user_data: spaCy rebuilds `doc.text` from every token on each access."""
    if "text" not in doc.user_data:
        doc.user_data["text"] = doc.text
    return doc.user_data["text"]


def _add(doc: Doc, start: int, end: int, label: str, record) -> None:
    span = doc.char_span(start, end, label=label, alignment_mode="expand")
    if span is not None:
        marked = doc.user_data.setdefault(RECORDS_KEY, {})
        span.id_ = f"lantian-record/{len(marked)}"  # one id per record, even where records share a span
        marked[span.id_] = record
        doc.spans.setdefault(SPANS_KEY, []).append(span)


@Language.component("lantian_agencies")
def mark_agencies(doc: Doc) -> Doc:
    """AGENCY: every agency named in a responsibility statement of the text."""
    offset = 0
    for line in _text(doc).split("\n"):
        for _s, _e, clauses in find_attributions(line):
            for clause in clauses:
                for mention in split_agency_list(clause.list_text, offset + clause.start):
                    _add(doc, mention.start, mention.end, "AGENCY", mention)
        offset += len(line) + 1
    return doc


@Language.component("lantian_dates")
def mark_dates(doc: Doc) -> Doc:
    """DATE: every due-by phrase, as a Deadline."""
    for deadline in find_deadlines(_text(doc), doc.user_data.get("plan_year")):
        _add(doc, deadline.start, deadline.end, "DATE", deadline)
    return doc


@Language.component("lantian_targets")
def mark_targets(doc: Doc) -> Doc:
    """TARGET: every quantitative target."""
    for target in find_targets(_text(doc), doc.user_data.get("plan_year")):
        _add(doc, target.start, target.end, "TARGET", target)
    return doc


@Language.component("lantian_docrefs")
def mark_docrefs(doc: Doc) -> Doc:
    """DOCREF: every cited document 《…》 with its 文号 when stated."""
    for ref in find_docrefs(_text(doc)):
        _add(doc, ref.start, ref.end, "DOCREF", ref)
    return doc


@lru_cache(maxsize=1)
def evidence_pipeline() -> Language:
    """The shared pipeline: blank zh + the four rule components."""
    nlp = spacy.blank("zh")
    for name in ("lantian_agencies", "lantian_dates", "lantian_targets", "lantian_docrefs"):
        nlp.add_pipe(name)
    return nlp


def annotate(text: str, plan_year: int | None = None, nlp: Language | None = None, skip: tuple = ()) -> Doc:
    """Run the pipeline over one task's matching text (less the components named in `skip`)."""
    nlp = nlp or evidence_pipeline()
    doc = Doc(nlp.vocab, words=list(text), spaces=[False] * len(text))  # one token per character
    doc.user_data["plan_year"] = plan_year
    doc.user_data["text"] = text
    for name, proc in nlp.pipeline:
        if name not in skip:
            doc = proc(doc)
    return doc


def records(doc: Doc, label: str) -> list:
    """The records behind the spans of one label, in text order."""
    return [
        s._.record
        for s in sorted(doc.spans.get(SPANS_KEY, []), key=lambda s: s.start_char)
        if s.label_ == label
    ]
