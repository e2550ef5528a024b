"""The evidence rules without spaCy: a task's deadlines, targets and cited documents (《…》 with their 文号),
by label, in text order, with offsets in the text.

The spaCy components of `loaders.pipeline` mark the same records as spans for displaCy; the build calls
`evidence` directly, since a Doc of one token per character cost more than the rules themselves (and this
module does not import spaCy).
"""

from __future__ import annotations

import re

from loaders.dates import deadlines_among, find_date_mentions
from loaders.metadata import normalise_doc_number
from loaders.records import DocRef
from loaders.targets import find_targets

_DOCREF = re.compile(r"《(?P<title>[^《》]{2,120})》(?:\s*[（(](?P<no>[^（）()]{3,30}号)[）)])?")


def find_docrefs(text: str) -> list[DocRef]:
    """Every cited document 《…》 of `text`, with its 文号 when stated."""
    return [
        DocRef(m.group("title"), normalise_doc_number(m.group("no") or ""), m.start(), m.end())
        for m in _DOCREF.finditer(text)
    ]


def evidence(text: str, plan_year: int | None = None) -> dict[str, list]:
    """The records the DATE, TARGET and DOCREF components would mark on `text`, by label, in text order.

    `loaders.pipeline.records(annotate(text), label)` gives the same records, with the spans displaCy
    shows. The date mentions are found once and shared by the date and target rules.
    """
    mentions = find_date_mentions(text, plan_year)
    found = {
        "DATE": deadlines_among(mentions),
        "TARGET": find_targets(text, plan_year, mentions),
        "DOCREF": find_docrefs(text),
    }
    size = len(text)
    # as records(): a span must lie in the text (one token per character: any such span aligns); records that
    # share a span are all kept, in the order found ("二氧化硫、氮氧化物排放总量分别…下降1%" is two targets)
    return {
        label: sorted((r for r in found_records if 0 <= r.start < r.end <= size), key=_start)
        for label, found_records in found.items()
    }


def _start(record) -> int:
    return record.start
