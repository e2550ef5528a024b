"""Scoring extraction against gold annotations (`kg eval`): how far to trust the graph built from a set of plans.

A gold file (`<name>.json`, the schema of the development set's README) describes one plan file: its tasks, each
found by an anchor (a short exact phrase of the task's own text) with four role lists and its deadlines, and the
plan's upper-level plans. The plans are built into a store as `kg build` builds them, and the graph is read back:

- every gold task is matched to the extracted task whose text contains its anchor (compared after NFKC,
  Traditional→Simplified and whitespace removal, so a line break or a Traditional repost still matches);
- role tuples (task, role, agency) are compared within each matched pair; an agency matches by any of its surface
  forms (the form the plan wrote, its canonical name, its other names), normalised the same way. A gold task
  that was not found counts all its tuples as missed; an extracted task that matches no gold task counts each of
  its role assignments as a false positive;
- deadlines compare by date, within one day; deadlines of an attributed task that matches no gold task are false
  positives;
- upper-plan recall: the share of the gold `derives_from` entries (a 文号, or a title in 《》) reached from the plan
  through `lt:derivesFrom+`.
"""

from __future__ import annotations

import json
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from opencc import OpenCC

from kg.corpus import build_store
from kg.store import open_store, run_query

GOLD_ROLES = {"lead": "leads", "support": "supports", "implement": "implements", "responsible": "responsibleFor"}


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """The form two names or texts are compared in: NFKC, Simplified, no whitespace."""
    return re.sub(r"\s+", "", _t2s().convert(unicodedata.normalize("NFKC", text)))


@dataclass
class Extracted:
    """One extracted task as the store holds it."""

    iri: str
    text: str
    roles: list[tuple[str, frozenset[str]]] = field(default_factory=list)  # (role, the agency's names)
    dates: list[str] = field(default_factory=list)


@dataclass
class Score:
    """Counts for one plan file (or the total), and the misses and false positives for `-v`."""

    gold_tasks: int = 0
    found_tasks: int = 0
    role_tp: int = 0
    role_fp: int = 0
    role_fn: int = 0
    date_tp: int = 0
    date_fp: int = 0
    date_fn: int = 0
    upper_gold: int = 0
    upper_found: int = 0
    details: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in self.__dataclass_fields__:
            if name != "details":
                setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def _ratio(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def task_recall(self) -> float | None:
        return self._ratio(self.found_tasks, self.gold_tasks)

    @staticmethod
    def _f1(tp: int, fp: int, fn: int) -> float | None:
        return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None

    @property
    def role_precision(self) -> float | None:
        return self._ratio(self.role_tp, self.role_tp + self.role_fp)

    @property
    def role_recall(self) -> float | None:
        return self._ratio(self.role_tp, self.role_tp + self.role_fn)

    @property
    def role_f1(self) -> float | None:
        return self._f1(self.role_tp, self.role_fp, self.role_fn)

    @property
    def deadline_f1(self) -> float | None:
        return self._f1(self.date_tp, self.date_fp, self.date_fn)

    @property
    def upper_recall(self) -> float | None:
        return self._ratio(self.upper_found, self.upper_gold)

    def figures(self) -> dict[str, float | None]:
        return {
            "task_recall": self.task_recall,
            "role_precision": self.role_precision,
            "role_recall": self.role_recall,
            "role_f1": self.role_f1,
            "deadline_f1": self.deadline_f1,
            "upper_recall": self.upper_recall,
        }


_TASKS = """
SELECT ?task ?text ?role ?agency ?name ?due WHERE {
  ?plan lt:sourceFile ?file .
  ?task lt:inPlan ?plan ; lt:text ?text .
  OPTIONAL {
    ?task lt:attribution ?at . ?at lt:role ?role ; lt:agency ?agency .
    { ?at lt:surfaceForm ?name } UNION { ?agency rdfs:label|skos:altLabel ?name }
  }
  OPTIONAL { ?task lt:hasDeadline/lt:dueDate ?due }
}"""
_UPPER = """
SELECT DISTINCT ?name WHERE {
  ?plan lt:sourceFile ?file ; lt:derivesFrom+ ?upper .
  { ?upper lt:docNumber ?name } UNION { ?upper dcterms:title ?name }
}"""


def _bound(query: str, file: str) -> str:
    return query.replace("WHERE {", f"WHERE {{ VALUES ?file {{ {json.dumps(file)} }}", 1)


def extracted_tasks(store: ox.Store, file: str) -> list[Extracted]:
    """The tasks the store holds for the plan read from `file`, with their roles and due dates."""
    tasks: dict[str, Extracted] = {}
    attributions: dict[tuple[str, str, str], set[str]] = {}
    dates: dict[str, set[str]] = {}
    for row in run_query(store, _bound(_TASKS, file)):
        iri = row["task"].value
        tasks.setdefault(iri, Extracted(iri, row["text"].value))
        if row["role"] is not None:
            role = row["role"].value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            attributions.setdefault((iri, row["agency"].value, role), set()).add(normalise(row["name"].value))
        if row["due"] is not None:
            dates.setdefault(iri, set()).add(row["due"].value)
    for (iri, _agency, role), names in attributions.items():
        tasks[iri].roles.append((role, frozenset(names)))
    for iri, found in dates.items():
        tasks[iri].dates = sorted(found)
    return list(tasks.values())


def _upper_names(store: ox.Store, file: str) -> set[str]:
    return {normalise(row["name"].value) for row in run_query(store, _bound(_UPPER, file))}


def _gold_tuples(task: dict) -> list[tuple[str, str]]:
    return [(role, normalise(name)) for key, role in GOLD_ROLES.items() for name in task.get(key, [])]


def _within_a_day(a: str, b: str) -> bool:
    return abs((date.fromisoformat(a) - date.fromisoformat(b)).days) <= 1


def _match(gold: list, found: list, same) -> tuple[int, list, list]:
    """Each gold item paired with the first unpaired extracted one `same` holds for: (how many paired, the gold
    items left unpaired, the extracted items left unpaired)."""
    left = list(found)
    missed = []
    for item in gold:
        hit = next((f for f in left if same(item, f)), None)
        if hit is None:
            missed.append(item)
        else:
            left.remove(hit)
    return len(gold) - len(missed), missed, left


def _names(names: frozenset[str]) -> str:
    return min(names, key=len) if names else "?"


def score_plan(gold: dict, tasks: list[Extracted], upper: set[str]) -> Score:
    """Compare one plan's gold annotation with its extracted tasks."""
    score = Score()
    matched: set[str] = set()
    texts = [(t, normalise(t.text)) for t in tasks]
    for g in gold.get("tasks", []):
        score.gold_tasks += 1
        anchor = normalise(g["anchor"])
        holders = [t for t, text in texts if anchor in text]
        tuples = _gold_tuples(g)
        days = sorted({d["date"] for d in g.get("deadlines", [])})
        if not holders:
            score.role_fn += len(tuples)
            score.date_fn += len(days)
            score.details.append(f"  missed task: {g['anchor']} ({len(tuples)} roles, {len(days)} deadlines)")
            continue
        task = min(holders, key=lambda t: len(t.text))  # the smallest task holding the anchor
        matched.add(task.iri)
        score.found_tasks += 1
        tp, missed, extra = _match(tuples, task.roles, lambda g, f: f[0] == g[0] and g[1] in f[1])
        score.role_tp += tp
        score.role_fn += len(missed)
        score.role_fp += len(extra)
        for role, name in missed:
            score.details.append(f"  missed role: {g['anchor']}: {role} {name}")
        for role, names in extra:
            score.details.append(f"  false role: {g['anchor']}: {role} {_names(names)}")
        tp, missed_days, extra_days = _match(days, task.dates, _within_a_day)
        score.date_tp += tp
        score.date_fn += len(missed_days)
        score.date_fp += len(extra_days)
        for day in missed_days:
            score.details.append(f"  missed deadline: {g['anchor']}: {day}")
        for day in extra_days:
            score.details.append(f"  false deadline: {g['anchor']}: {day}")
    for task in tasks:
        if task.iri in matched or not task.roles:
            continue
        score.role_fp += len(task.roles)
        score.date_fp += len(task.dates)
        roles = "、".join(f"{role} {_names(names)}" for role, names in task.roles)
        score.details.append(f"  false task: {task.text[:40]} ({roles})")
    for cited in (gold.get("plan") or {}).get("derives_from") or []:
        score.upper_gold += 1
        if normalise(cited.strip("《》")) in upper:
            score.upper_found += 1
        else:
            score.details.append(f"  missed upper plan: {cited}")
    return score


@dataclass
class Evaluation:
    """Scores per plan file and in total."""

    files: dict[str, Score]
    total: Score
    problems: list[str]


def evaluate(gold_dir: Path, plans_dir: Path | None = None, store_dir: Path | None = None) -> Evaluation:
    """Build the plans that `gold_dir`'s annotations describe and score the graph against them.

    Plans are looked up by each gold file's `file` field in `plans_dir` (default: the `plans` folder beside
    `gold_dir`). The store goes to `store_dir`, or to a temporary folder removed afterwards.
    """
    gold_dir = Path(gold_dir)
    plans_dir = Path(plans_dir) if plans_dir else gold_dir.parent / "plans"
    golds = {}
    for path in sorted(gold_dir.glob("*.json")):
        gold = json.loads(path.read_text("utf-8"))
        golds[gold.get("file") or path.with_suffix(".txt").name] = gold
    files = [plans_dir / name for name in golds]
    with tempfile.TemporaryDirectory(prefix="lantian-eval-") as scratch:
        store_dir = Path(store_dir) if store_dir else Path(scratch) / "store"
        problems: list[str] = []
        build_store(
            store_dir,
            [f for f in files if f.is_file()],
            on_plan=lambda path, digest, problem: problem and problems.append(str(problem)),
        )
        problems += [f"{f}: no such plan file" for f in files if not f.is_file()]
        scores: dict[str, Score] = {}
        with open_store(store_dir) as store:
            for name, gold in golds.items():
                scores[name] = score_plan(gold, extracted_tasks(store, name), _upper_names(store, name))
    total = Score()
    for score in scores.values():
        total.add(score)
    return Evaluation(scores, total, problems)

