"""Task lineage across plans: which measure of one plan is the same measure in another.

The measure is text reuse: the share of one task's character 5-grams found in another's (containment, as in
text-reuse studies of Chinese policy diffusion). A task of a plan that implements another loaded plan (directly or
up its citation chain) gets `lt:derivesFrom` to its best match there; tasks of plans where neither implements the
other get a symmetric `lt:counterpartOf`. Candidates come from a MinHash LSH Ensemble index (datasketch), which
answers containment queries, so linking stays near-linear as the corpus grows; every candidate's score is then
computed exactly. Each link is also stated as an rdf:Statement (subject, predicate, object) with `lt:score` and
`lt:method`, so SPARQL can read how sure it is.

Text is compared without its responsibility statement (agency names differ from plan to plan), digits,
punctuation or spaces, on the Simplified matching copy.

`kg build --update` does not link the corpus again: `relink_task_texts` keeps the previous links (listed one a
line beside the store, LINKS_LIST) that no changed plan touches and links the changed plans' tasks, their
counterparts found by exact containment against every task with numpy (each task's compared text is listed
beside the store too, TASKS_LIST: making it is the costly part).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

import numpy as np
import pyoxigraph as ox
from datasketch import MinHash, MinHashLSHEnsemble
from rdflib import URIRef

from kg.build import OX_LT, OX_RDF, decimal_literal, task_iris
from kg.namespaces import LT
from loaders.reading import to_match
from loaders.records import Plan

SHINGLE = 5
THRESHOLD = 0.65  # calibrated on tests/data/linking/pairs.csv (see tests/test_linking.py)
CANDIDATE_THRESHOLD = 0.3  # what the LSH index is asked for: below THRESHOLD, for recall
MIN_SHINGLES = 12  # shorter texts say too little to be matched
CANDIDATES = 64  # candidates scored per task for counterparts
COUNTERPARTS = 8  # counterparts kept per task (its best ones, in distinct plans)
NUM_PERM = 128
METHOD = f"character {SHINGLE}-gram containment; candidates by MinHash LSH Ensemble ({NUM_PERM} permutations)"

_ATTRIBUTION = re.compile(
    r"（[^（）]*(?:牵头|参与|配合|协助|负责|责任单位)[^（）]*）|(?:牵头|配合|参与|责任)(?:单位|部门)[：:][^\n]*"
)
_NOISE = re.compile(r"[^\u4e00-\u9fffA-Za-z]")


@dataclass(frozen=True)
class TaskLink:
    """One task found again in another plan."""

    source: URIRef  # the lower (or first) task
    target: URIRef
    relation: URIRef  # LT.derivesFrom or LT.counterpartOf
    score: float


@lru_cache(maxsize=65536)
def shingles(text: str) -> frozenset[str]:
    """The task's character 5-grams, without its attribution, digits, punctuation or spaces."""
    return _grams(comparable(text))


def containment(part: frozenset, whole: frozenset) -> float:
    """The share of `part`'s shingles found in `whole`."""
    return len(part & whole) / len(part) if part else 0.0


def upper_plans(plans: list[Plan]) -> dict[str, set[str]]:
    """plan key → keys of every plan it implements, directly or up the chain of cited plans."""
    direct: dict[str, set[str]] = {}
    for plan in plans:
        direct.setdefault(plan.key, set()).update(c.key for c in plan.cites if c.key)
        for cited in plan.cites:
            direct.setdefault(cited.key, set()).update(cited.derives_from)
    closure: dict[str, set[str]] = {}
    for key in direct:
        seen, todo = set(), list(direct[key])
        while todo:
            upper = todo.pop()
            if upper not in seen and upper != key:
                seen.add(upper)
                todo.extend(direct.get(upper, ()))
        closure[key] = seen
    return closure


def plan_task_texts(plans: list[Plan]) -> Iterator[tuple[URIRef, str, str]]:
    """(task IRI, plan key, task text) of every task of the plans."""
    for plan in plans:
        for iri, task in zip(task_iris(plan), plan.tasks, strict=True):
            yield iri, plan.key, task.text


def _entries(
    tasks: Iterable[tuple[URIRef, str, str]], notes: TaskNotes | None = None
) -> list[tuple[URIRef, str, frozenset]]:
    """(task IRI, plan key, shingles) of every task long enough to match; a plan loaded twice counts once.
    Each task's `comparable` text is noted in `notes` when given."""
    entries, seen = [], set()
    for iri, plan_key, text in tasks:
        grams = shingles(text)
        if notes is not None:
            notes.cores[str(iri)] = comparable(text)  # made for `shingles` just now
            notes.sizes[str(iri)] = len(grams)
        if len(grams) >= MIN_SHINGLES and iri not in seen:
            seen.add(iri)
            entries.append((iri, plan_key, grams))
    return entries


def _derivations(
    entries, uppers: dict[str, set[str]], threshold: float, sources: set[str] | None = None
) -> list[TaskLink]:
    """Each task's best match in every loaded plan its plan implements (compared with all of that plan's tasks:
    a plan has tens of tasks and implements a few plans, so this stays linear in the corpus); only for the
    tasks of the plans in `sources` when given."""
    by_plan: dict[str, list[int]] = {}
    for i, (_, plan_key, _) in enumerate(entries):
        by_plan.setdefault(plan_key, []).append(i)
    links = []
    for source, plan_key, grams in entries:
        if sources is not None and plan_key not in sources:
            continue
        for upper in uppers.get(plan_key, ()):
            scored = [(containment(grams, entries[j][2]), j) for j in by_plan.get(upper, ())]
            if scored:
                score, j = max(scored)
                if score >= threshold:
                    links.append(TaskLink(source, entries[j][0], LT.derivesFrom, round(score, 3)))
    return links


def _counterparts(
    entries, uppers: dict[str, set[str]], threshold: float, notes: TaskNotes | None = None
) -> list[TaskLink]:
    """Each task's best matches in plans unrelated to its own, found through the LSH index; at most
    CANDIDATES candidates are scored and COUNTERPARTS kept per task, so a measure that every plan repeats
    costs n·k, not n². The score of the weakest a task keeps, when it keeps COUNTERPARTS, goes to `notes`."""
    hashes = MinHash.bulk([[s.encode() for s in g] for _, _, g in entries], num_perm=NUM_PERM)
    index = MinHashLSHEnsemble(threshold=CANDIDATE_THRESHOLD, num_perm=NUM_PERM, num_part=16)
    index.index((i, h, len(entries[i][2])) for i, h in enumerate(hashes))
    links: dict[tuple, TaskLink] = {}
    for i, (source, plan_key, grams) in enumerate(entries):
        best: dict[str, tuple[float, int]] = {}  # other plan → (score, task)
        for j in islice(index.query(hashes[i], len(grams)), CANDIDATES):
            other = entries[j][1]
            if other == plan_key or other in uppers.get(plan_key, ()) or plan_key in uppers.get(other, ()):
                continue
            score = containment(grams, entries[j][2])
            if score >= threshold and score > best.get(other, (0.0, -1))[0]:
                best[other] = (score, j)
        found = sorted(best.values(), reverse=True)[:COUNTERPARTS]
        if notes is not None:
            notes.floors[str(source)] = found[-1][0] if len(found) == COUNTERPARTS else 0.0
        for score, j in found:
            pair = tuple(sorted((source, entries[j][0])))
            kept = links.get(pair)
            if kept is None or kept.score < score:
                links[pair] = TaskLink(pair[0], pair[1], LT.counterpartOf, round(score, 3))
    return list(links.values())


def link_tasks(plans: list[Plan], threshold: float = THRESHOLD) -> list[TaskLink]:
    """Task links across the loaded plans whose score reaches `threshold`: lt:derivesFrom to the best match in
    each implemented plan, lt:counterpartOf to the best matches in unrelated plans."""
    return link_task_texts(plan_task_texts(plans), upper_plans(plans), threshold)


def link_task_texts(
    tasks: Iterable[tuple[URIRef, str, str]],
    uppers: dict[str, set[str]],
    threshold: float = THRESHOLD,
    notes: TaskNotes | None = None,
) -> list[TaskLink]:
    """`link_tasks` on (task IRI, plan key, text) triples and the plans' `upper_plans`; what the next
    `relink_task_texts` needs of each task is noted in `notes` when given."""
    entries = _entries(tasks, notes)
    if not entries:
        return []
    links = _derivations(entries, uppers, threshold) + _counterparts(entries, uppers, threshold, notes)
    return sorted(links, key=lambda link: (str(link.source), str(link.target)))


def _related(a: str, b: str, uppers: dict[str, set[str]]) -> bool:
    return a == b or a in uppers.get(b, ()) or b in uppers.get(a, ())


# --- bringing the links up to date for a few changed plans (kg build --update) ----------------------------

LINKS_LIST = "task-links.tsv"  # in the store's lantian-plans/: every link, one a line (`link_line`)
TASKS_LIST = "task-lineage.tsv"  # in lantian-plans/: each task's `TaskNotes`
_RELATIONS = {"derivesFrom": LT.derivesFrom, "counterpartOf": LT.counterpartOf}


def link_line(link: TaskLink) -> str:
    """The link as one line of LINKS_LIST: source, target, relation's local name and score, tab-separated."""
    return f"{link.source}\t{link.target}\t{str(link.relation).rsplit('#', 1)[-1]}\t{link.score!r}\n"


def parse_link_line(line: str) -> TaskLink:
    source, target, relation, score = line.rstrip("\n").split("\t")
    return TaskLink(URIRef(source), URIRef(target), _RELATIONS[relation], float(score))


@lru_cache(maxsize=65536)
def comparable(text: str) -> str:
    """The task's text as compared: Simplified, without its attribution, digits, punctuation or spaces (only
    CJK ideographs of the basic block and ASCII letters are left)."""
    return _NOISE.sub("", _ATTRIBUTION.sub("", to_match(text)))


@dataclass
class TaskNotes:
    """What linking notes of each task (by IRI) for the next `relink_task_texts`: its `comparable` text (making
    it again is most of the time of linking one plan against a national corpus), its number of distinct
    5-grams, and its floor: the score of the weakest of its counterparts when it keeps COUNTERPARTS of them,
    0 when fewer (a new counterpart must beat it; unknown in a store listed by an older version, where a task
    with COUNTERPARTS links gains no new counterpart). Listed beside the store (TASKS_LIST) by every build."""

    cores: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    floors: dict[str, float] = field(default_factory=dict)

    @classmethod
    def read(cls, path) -> TaskNotes:
        """The notes the previous build listed in `path` (none when it listed none, or not so)."""
        notes = cls()
        try:
            with open(path, encoding="utf-8") as listed:
                for line in listed:
                    iri, size, floor, core = line.rstrip("\n").split("\t")
                    notes.cores[iri] = core
                    notes.sizes[iri] = int(size)
                    if floor:
                        notes.floors[iri] = float(floor)
        except (OSError, ValueError):
            return cls()
        return notes

    def write(self, path, tasks: Iterable[str]) -> None:
        """List the notes of these `tasks` (IRIs) in `path`: IRI, size, floor (nothing when unknown),
        comparable text."""
        with open(path, "w", encoding="utf-8") as out:
            for iri in tasks:
                if iri in self.cores:
                    floor = self.floors.get(iri)
                    floor = "" if floor is None else repr(floor)
                    out.write(f"{iri}\t{self.sizes[iri]}\t{floor}\t{self.cores[iri]}\n")


def relink_task_texts(
    previous: Iterable[str],
    tasks: Iterable[tuple[str, str, str]],
    uppers: dict[str, set[str]],
    changed: set[str],
    new: set[str] = frozenset(),
    threshold: float = THRESHOLD,
    notes: TaskNotes | None = None,
) -> tuple[list[str], list[TaskLink], list[TaskLink]]:
    """The links after the plans `changed` (keys) were added (those `new`), replaced or removed, without
    linking the whole corpus again, given the `previous` links (lines of LINKS_LIST) and every task (IRI,
    plan key, text; `notes` are the previous build's `TaskNotes`, brought up to date here). Returns (the
    previous lines kept, the previous links dropped, the links added).

    The previous links between tasks of unchanged plans are kept (less the derivations of plans that
    implement a changed plan, which are found again); the changed plans' tasks get their derivations, and
    their counterparts by exact containment against every task of the unrelated plans: each changed task's
    best COUNTERPARTS, and each other task's best match in a changed plan when it had a counterpart in that
    plan before, or, the plan being `new`, when its list is not full or the match beats its weakest
    (`TaskNotes.floors`). On a corpus of fewer than COUNTERPARTS + 1 plans that is what a full
    `link_task_texts` finds; on a larger one a full build may keep other counterparts: it scores the LSH
    index's first CANDIDATES candidates of each task only (so finds fewer of a task's matches than exact
    containment: on the national corpus, taking every match that fits a task's list made 23,235 links where
    612 were dropped, so a replaced plan's tasks are given back only the counterparts they had), and a task
    whose list is full and gains a match here keeps its weakest."""
    tasks = [(str(iri), key, text) for iri, key, text in tasks]
    plan_of = {iri: key for iri, key, _ in tasks}
    lowers = {key for key, ups in uppers.items() if ups & changed}
    notes = TaskNotes() if notes is None else notes
    kept, dropped = [], []
    had = set()  # (task of an unchanged plan, changed plan) where the task had a counterpart
    degree: dict[str, int] = {}  # counterparts of each task whose floor is unknown
    for line in previous:
        source, target, relation, _ = line.split("\t", 3)
        if relation == "counterpartOf":
            for end in (source, target):
                if end not in notes.floors:
                    degree[end] = degree.get(end, 0) + 1
        ends = plan_of.get(source), plan_of.get(target)
        if None in ends or changed & set(ends) or (relation == "derivesFrom" and ends[0] in lowers):
            dropped.append(parse_link_line(line))
            if relation == "counterpartOf":
                had.update(((source, ends[1]), (target, ends[0])))
        else:
            kept.append(line)
    # derivations: only the tasks of the plans that may derive, and of the plans they implement, are compared
    deriving = changed | lowers
    compared = deriving | {upper for key in deriving for upper in uppers.get(key, ())}
    links: dict[tuple, TaskLink] = {}
    for link in _derivations(_entries(t for t in tasks if t[1] in compared), uppers, threshold, deriving):
        links[(link.source, link.target, link.relation)] = link
    cores, sizes = notes.cores, notes.sizes
    for iri, key, text in tasks:
        if key in changed or iri not in cores:  # a changed plan's task may keep its IRI with another text
            cores[iri] = comparable(text)
            sizes[iri] = len(_grams(cores[iri]))
            notes.floors.pop(iri, None)
    entries, seen = [], set()  # as `_entries` keeps them: long enough, each once
    for iri, key, _ in tasks:
        if iri not in seen and sizes[iri] >= MIN_SHINGLES:
            seen.add(iri)
            entries.append((iri, key, cores[iri], sizes[iri]))

    def takes(task: str, plan_key: str, score: float) -> bool:  # a task of an unchanged plan: a new match?
        floor = notes.floors.get(task)
        if floor is None:  # unknown: its list is not full if it has fewer counterparts in all
            floor = 0.0 if degree.get(task, 0) < COUNTERPARTS else 1.0
        return (task, plan_key) in had or (plan_key in new and score > floor)

    for source, target, score in _counterparts_of(entries, changed, uppers, threshold, notes.floors, takes):
        pair = tuple(sorted((source, target)))
        key = (*pair, LT.counterpartOf)
        if key not in links or links[key].score < score:
            links[key] = TaskLink(URIRef(pair[0]), URIRef(pair[1]), LT.counterpartOf, score)
    added = sorted(links.values(), key=lambda link: (str(link.source), str(link.target)))
    return kept, dropped, added


def _grams(core: str) -> frozenset[str]:
    return frozenset(core[i : i + SHINGLE] for i in range(len(core) - SHINGLE + 1))


def _counterparts_of(
    entries: list[tuple[str, str, str, int]],
    changed: set[str],
    uppers: dict[str, set[str]],
    threshold: float,
    floors: dict[str, float],
    takes: Callable[[str, str, float], bool],
) -> Iterator[tuple[str, str, float]]:
    """(task, counterpart, score) of every task of the `changed` plans, of the `entries` (task IRI, plan key,
    comparable text, distinct 5-grams): its best COUNTERPARTS matches (one per plan) among the tasks of the
    plans unrelated to its own, by exact containment (the weakest noted in `floors` when there are
    COUNTERPARTS); and of every other task its best match in each changed plan when `takes(task, plan key,
    score)`. Every task's 5-grams are numbered as integers (each character by its rank among the corpus's
    characters, 5 of them a base-K number: exact while K⁵ < 2⁶⁴) and counted with numpy, so the 150,000
    tasks of the national corpus take seconds."""
    rows = [i for i, entry in enumerate(entries) if entry[1] in changed]
    if not rows:
        return
    codes = np.frombuffer("\0".join(entry[2] for entry in entries).encode("utf-16-le"), dtype=np.uint16)
    present = np.zeros(1 << 16, dtype=bool)
    present[codes] = True
    present[0] = False
    base = int(present.sum()) + 1
    if base**SHINGLE >= 1 << 64:  # too many characters to number 5-grams exactly in 64 bits: compare sets
        yield from _counterparts_by_sets(entries, rows, uppers, threshold, floors, takes)
        return
    rank = np.cumsum(present).astype(np.uint64)
    rank[0] = 0
    digits = rank[codes]
    n = len(digits) - SHINGLE + 1
    grams = np.zeros(max(n, 0), dtype=np.uint64)
    for k in range(SHINGLE):
        grams = grams * np.uint64(base) + digits[k : k + n]
    starts = np.concatenate(([0], np.flatnonzero(codes == 0) + 1))  # where each entry's text starts
    own = {
        row: np.unique(grams[starts[row] : starts[row] + len(entries[row][2]) - SHINGLE + 1]) for row in rows
    }
    union = np.unique(np.concatenate(list(own.values())))
    place = np.minimum(np.searchsorted(union, grams), len(union) - 1)
    hit = np.flatnonzero(union[place] == grams)  # a 5-gram of a changed task (never across a separator)
    keys = np.searchsorted(starts, hit, side="right").astype(np.int64) - 1  # the entry of each hit
    keys = np.sort(keys * len(union) + place[hit])
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]  # each 5-gram once an entry
    hit_task, hit_place = keys // len(union), keys % len(union)
    sizes = np.array([entry[3] for entry in entries])
    shared: dict[int, np.ndarray] = {}  # changed task → each entry's 5-grams in common with it
    for row in rows:
        mine = np.zeros(len(union), dtype=bool)
        mine[np.searchsorted(union, own[row])] = True
        shared[row] = np.bincount(hit_task[mine[hit_place]], minlength=len(entries))
    for row in rows:  # each changed task's best matches
        yield from _best_of(row, shared[row] / len(own[row]), entries, uppers, threshold, floors)
    for plan_key in {entries[row][1] for row in rows}:  # each other task's best match in a changed plan
        mine = [row for row in rows if entries[row][1] == plan_key]
        common = np.stack([shared[row] for row in mine])
        scores = common.max(axis=0) / sizes
        which = common.argmax(axis=0)
        for j in np.flatnonzero(scores >= threshold).tolist():
            other = entries[j]
            score = float(scores[j])
            if not _related(plan_key, other[1], uppers) and takes(other[0], plan_key, score):
                yield other[0], entries[mine[which[j]]][0], round(score, 3)


def _best_of(row: int, scores, entries, uppers, threshold, floors) -> Iterator[tuple[str, str, float]]:
    """The task `row`'s best COUNTERPARTS matches, one a plan, given its containment in every entry (`scores`),
    as `_counterparts` keeps them (the weakest noted in `floors` when there are COUNTERPARTS)."""
    source, plan_key = entries[row][:2]
    best: dict[str, tuple[float, int]] = {}  # other plan → (score, task)
    for j in np.flatnonzero(scores >= threshold).tolist():
        other = entries[j][1]
        score = float(scores[j])
        if score >= threshold and not _related(plan_key, other, uppers):
            if score > best.get(other, (0.0, -1))[0]:
                best[other] = (score, j)
    found = sorted(best.values(), reverse=True)[:COUNTERPARTS]
    floors[source] = found[-1][0] if len(found) == COUNTERPARTS else 0.0
    for score, j in found:
        yield source, entries[j][0], round(score, 3)


def _counterparts_by_sets(
    entries, rows, uppers, threshold, floors, takes
) -> Iterator[tuple[str, str, float]]:
    """`_counterparts_of` comparing Python sets of 5-grams (for a corpus of too many distinct characters)."""
    grams = [_grams(entry[2]) for entry in entries]
    for row in rows:
        common = np.array([len(grams[row] & other) for other in grams])
        yield from _best_of(row, common / len(grams[row]), entries, uppers, threshold, floors)
    for plan_key in {entries[row][1] for row in rows}:
        mine = [row for row in rows if entries[row][1] == plan_key]
        for j, (iri, other, *_) in enumerate(entries):
            if _related(plan_key, other, uppers):
                continue
            scores = [containment(grams[j], grams[row]) for row in mine]
            best = max(scores)
            if best >= threshold and takes(iri, plan_key, best):
                yield iri, entries[mine[scores.index(best)]][0], round(best, 3)


def link_triples(links: list[TaskLink]) -> Iterator[tuple]:
    """The links as triples (pyoxigraph terms, as kg.build's), each with a reified statement carrying its
    score and method."""
    method = ox.Literal(METHOD)
    for link in links:
        source, target = ox.NamedNode(str(link.source)), ox.NamedNode(str(link.target))
        relation = ox.NamedNode(str(link.relation))
        yield source, relation, target
        if link.relation == LT.counterpartOf:
            yield target, relation, source
        statement = ox.NamedNode(f"{link.source}/link/{link.target.rsplit('/task/', 1)[-1]}")
        yield statement, OX_RDF.type, OX_RDF.Statement
        yield statement, OX_RDF.type, OX_LT.TaskLink
        yield statement, OX_RDF.subject, source
        yield statement, OX_RDF.predicate, relation
        yield statement, OX_RDF.object, target
        yield statement, OX_LT.score, decimal_literal(link.score)
        yield statement, OX_LT.method, method
