"""Word search as an auditor types it: several words that must all hold (AND), each a word of the task's text,
a place or plan (narrowing the answer to that plan's tasks) or an agency (its tasks, in any role).

- Words are split on spaces and Chinese list punctuation, normalised (NFKC, Traditional → Simplified, lower
  case), so 紅河州 揚塵 finds what 红河州 扬尘 finds.
- An agency word matches an agency by any name the plans use for it (its label and every alias), and by the
  alias table the loaders use (loaders/data/agency_aliases.csv, through `loaders.agencies.canonical_stem`):
  住建局 is 住房和城乡建设局; a scope before the unit keeps it to that place: 州住建局 is the 住房和城乡建设局 of a
  jurisdiction whose name ends in 州, 红河住建局 that of a place named 红河…. A unit the 2018–2019 reform
  replaced also finds its successors (loaders/data/succession.csv, `kg.succession.reforms`): 环保局 finds the
  环境保护局 and the 生态环境局.
- A word naming a loaded plan (its title or 文号) or its place narrows the answer to that plan's tasks (and the
  matched agencies' tasks): 红河州 扬尘 is 红河州's tasks on dust, not another plan's that mentions 红河州.
- Tasks whose own text holds every word come first, then those found by their plan or agency; within each, by
  plan and position in the plan.

`search_rows` and `with_excerpts` make the tasks found the rows of /search (a list of web.lists).

Text matches come from the store's task text table (`kg.texts`, an in-memory scan: no SPARQL scan of every
task text), or from SPARQL on a remote endpoint. Only the tasks of the page on screen have their facts looked
up, unless every row is asked for (downloads, JSON).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from markupsafe import Markup, escape

from kg.succession import reforms
from loaders.agencies import ALIASES, canonical_stem
from loaders.reading import to_simplified

WORD_SPLIT = re.compile(r"[\s,，、;；]+")
EXCERPT_WIDTH = 60
SCOPE_WORDS = "省市州县区盟旗乡镇"


def normalise(text: str) -> str:
    """The form words and texts are compared in: Simplified, lower case, same length as `text`."""
    return to_simplified(text or "").lower()


def query_words(q: str) -> list[str]:
    """The distinct words of a query, NFKC-normalised (full-width letters and digits as ASCII) and simplified."""
    words = []
    for word in WORD_SPLIT.split(unicodedata.normalize("NFKC", q or "")):
        word = normalise(word.strip())
        if word and word not in words:
            words.append(word)
    return words


@dataclass(frozen=True)
class AgencyReading:
    """One way an agency word may be read: a scope (place name or scope word, "" for none) and a unit stem."""

    scope: str
    stem: str


@lru_cache(maxsize=4096)
def agency_readings(word: str) -> tuple[AgencyReading, ...]:
    """The unit names `word` may stand for, by the loaders' alias table and the reform's successions: each a
    scope before the unit (州 in 州住建局, 红河 in 红河住建局) and the unit's canonical stem. Empty when no part
    of the word starts a known unit name."""
    found: list[AgencyReading] = []
    for at in range(len(word)):
        rest = word[at:]
        stem = canonical_stem(rest)
        if stem == rest and not any(rest.startswith(v) for v in ALIASES):
            continue
        scope = word[:at]
        stems = [stem]
        for predecessor, reform in reforms().items():  # a replaced unit: its successors hold its duties now
            if stem.startswith(predecessor):
                stems += [successor + stem[len(predecessor) :] for successor in reform.successors]
        found += [AgencyReading(scope, s) for s in dict.fromkeys(stems)]
        break  # the longest rest that starts a unit: 州住建局 is 州 + 住建局, not 州住 + 建局
    return tuple(found)


def _scope_holds(scope: str, jurisdiction: str, label: str) -> bool:
    """Whether a scope written before a unit (州, 红河, 红河州) names the agency's jurisdiction."""
    if not scope:
        return True
    if len(scope) == 1 and scope in SCOPE_WORDS:
        return jurisdiction.endswith(scope)  # 州住建局: the bureau of a 州, not of a 市 or 县 within it
    return scope in jurisdiction or label.startswith(scope)


@dataclass(frozen=True)
class AgencyNames:
    """An agency as search compares it: its row (of `Repository.agencies`), every name normalised."""

    row: dict
    names: tuple[tuple[str, str], ...]  # (name as stored, normalised)
    label: str  # normalised
    jurisdiction: str  # normalised


def agency_names(rows: list[dict]) -> list[AgencyNames]:
    """The agency list made ready for matching (once per store generation)."""
    out = []
    for row in rows:
        names = [row["label"], *(row["aliases"].split("、") if row["aliases"] else [])]
        out.append(
            AgencyNames(
                row,
                tuple((name, normalise(name)) for name in dict.fromkeys(names)),
                normalise(row["label"]),
                normalise(row["jurisdictionLabel"] or ""),
            )
        )
    return out


def match_agency(word: str, agency: AgencyNames) -> list[str]:
    """The names of `agency` that `word` matches, [] when none: any name holding the word as written, else
    its label when the word read through the alias table (and the reform's successions) names it."""
    direct = sorted({name for name, folded in agency.names if word in folded})
    if direct:
        return direct
    for reading in agency_readings(word):
        if reading.stem in agency.label and _scope_holds(reading.scope, agency.jurisdiction, agency.label):
            return [agency.row["label"]]
    return []


@dataclass
class WordMatch:
    """What one query word matched: tasks by their text, plans (title, 文号, place) and agencies."""

    word: str
    text_tasks: set[str] = field(default_factory=set)
    plans: list[dict] = field(default_factory=list)
    agencies: list[dict] = field(default_factory=list)
    agency_tasks: set[str] = field(default_factory=set)
    plan_tasks: set[str] = field(default_factory=set)

    def tasks(self) -> set[str]:
        """The tasks this word lets through: with a plan or place word, that plan's tasks (and the matched
        agencies' tasks); else those whose text holds it, and the matched agencies' tasks."""
        if self.plans:
            return self.plan_tasks | self.agency_tasks
        return self.text_tasks | self.agency_tasks


def marks(text: str, words: list[str]) -> list[tuple[int, int]]:
    """The (start, end) spans of `text` where any of `words` occurs, merged, in order."""
    folded = normalise(text)
    spans = []
    for word in words:
        start = folded.find(word)
        while start >= 0:
            spans.append((start, start + len(word)))
            start = folded.find(word, start + 1)
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def excerpt(text: str, words: list[str], width: int = EXCERPT_WIDTH) -> dict:
    """A window of `text` around its first matched word: {"excerpt", "marks": [[start, end] …] in it}."""
    text = " ".join((text or "").split())
    found = marks(text, words)
    at = found[0][0] if found else 0
    start = max(0, at - width) if found else 0
    end = min(len(text), (found[0][1] if found else 0) + width * (1 if found else 2))
    prefix = "…" if start else ""
    body = prefix + text[start:end] + ("…" if end < len(text) else "")
    shift = len(prefix) - start
    inside = [[s + shift, e + shift] for s, e in found if s >= start and e <= end]
    return {"excerpt": body, "marks": inside}


def highlight(text: str, spans) -> Markup:
    """`text` as HTML with each (start, end) span in <mark>."""
    out, at = [], 0
    for start, end in spans or []:
        out += [str(escape(text[at:start])), f"<mark>{escape(text[start:end])}</mark>"]
        at = end
    out.append(str(escape(text[at:])))
    return Markup("".join(out))


# --- search results as a list (web.lists) ------------------------------------------------------------


def _repository():
    from flask import current_app

    return current_app.extensions["repository"]


def search_rows(params: dict) -> list[dict]:
    """The tasks the words of params["q"] find, in their order, as list rows with the task's facts (from the
    report base rows: no query a task) and how each was found."""
    from kg import reports

    repo = _repository()
    found, index = repo.search_found(params["q"]), reports.leads_base(repo)["by_iri"]
    return [_found_row(index[iri], found) for iri in found["order"] if iri in index]


def search_page(params: dict, offset: int, limit: int) -> dict | None:
    """A page of `search_rows` with the facts of the page's tasks only, looked up (`web.first.base_tasks`): the
    first sight of a search, where `search_rows` reads every task of the store (5.9 s at 6M triples); None when
    a task found has no plan (the whole list leaves it out: let it be computed)."""
    from web.first import base_tasks

    repo = _repository()
    found = repo.search_found(params["q"])
    iris = found["order"][offset : offset + limit]
    tasks = base_tasks(repo, iris, roles=("leads",))
    if any(iri not in tasks for iri in iris):
        return None
    return {"total": len(found["order"]), "rows": [_found_row(tasks[iri], found) for iri in iris]}


def search_extra(params: dict) -> dict:
    """What the search page shows beside its tasks: the words, and the agencies and plans they match."""
    found = _repository().search_found(params["q"])
    return {k: found[k] for k in ("words", "agencies", "plans")}


def _found_row(task: dict, found: dict) -> dict:
    from kg import reports

    return reports.task_row(task) | {
        "deadlines": task["deadlines"],
        "ownText": task["task"] in found["own"],
        "matchedAgencies": found["via"].get(task["task"], []),
    }


def with_excerpts(rows: list[dict], params: dict, fmt: str) -> list[dict]:
    """The rows shown with their text around the words, marked (a download writes the whole text instead)."""
    if fmt in ("csv", "xlsx"):
        return rows
    words = query_words(params["q"])
    repo = _repository()
    tasks = tuple(row["task"] for row in rows)
    # the page's task texts, read once per store generation (every request read them again: under 20 clients
    # the search page's median was 950 ms, against 46 ms before the list view)
    facts = repo.cached(("search-facts", tasks), lambda: repo.task_facts(list(tasks)))
    return [row | excerpt(facts[row["task"]]["text"], words) for row in rows if row["task"] in facts]
