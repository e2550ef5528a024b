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
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

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
    core = _NOISE.sub("", _ATTRIBUTION.sub("", to_match(text)))
    return frozenset(core[i : i + SHINGLE] for i in range(len(core) - SHINGLE + 1))


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


def _entries(tasks: Iterable[tuple[URIRef, str, str]]) -> list[tuple[URIRef, str, frozenset]]:
    """(task IRI, plan key, shingles) of every task long enough to match; a plan loaded twice counts once."""
    entries, seen = [], set()
    for iri, plan_key, text in tasks:
        grams = shingles(text)
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


def _counterparts(entries, uppers: dict[str, set[str]], threshold: float) -> list[TaskLink]:
    """Each task's best matches in plans unrelated to its own, found through the LSH index; at most
    CANDIDATES candidates are scored and COUNTERPARTS kept per task, so a measure that every plan repeats
    costs n·k, not n²."""
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
        for score, j in sorted(best.values(), reverse=True)[:COUNTERPARTS]:
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
    tasks: Iterable[tuple[URIRef, str, str]], uppers: dict[str, set[str]], threshold: float = THRESHOLD
) -> list[TaskLink]:
    """`link_tasks` on (task IRI, plan key, text) triples and the plans' `upper_plans`."""
    entries = _entries(tasks)
    if not entries:
        return []
    links = _derivations(entries, uppers, threshold) + _counterparts(entries, uppers, threshold)
    return sorted(links, key=lambda link: (str(link.source), str(link.target)))


def _related(a: str, b: str, uppers: dict[str, set[str]]) -> bool:
    return a == b or a in uppers.get(b, ()) or b in uppers.get(a, ())


def relink_task_texts(
    previous: Iterable[TaskLink],
    tasks: Iterable[tuple[URIRef, str, str]],
    uppers: dict[str, set[str]],
    changed: set[str],
    threshold: float = THRESHOLD,
) -> list[TaskLink]:
    """The links after the plans `changed` (keys) were added, replaced or removed, without linking the whole
    corpus again: the `previous` links between tasks of unchanged plans are kept (less the derivations of
    plans that implement a changed plan, which are found again); the changed plans' tasks get their
    derivations, and their counterparts by exact containment against every task of the unrelated plans (the
    best COUNTERPARTS per task). A full `link_task_texts` may keep slightly different counterparts: it asks
    the LSH index for candidates and bounds every task's counterparts, old tasks' included."""
    entries = _entries(tasks)
    plan_of = {iri: key for iri, key, _ in entries}
    lowers = {key for key, ups in uppers.items() if ups & changed}
    links: dict[tuple, TaskLink] = {}
    for link in previous:
        ends = plan_of.get(link.source), plan_of.get(link.target)
        if None in ends or changed & set(ends) or (link.relation == LT.derivesFrom and ends[0] in lowers):
            continue
        links[(link.source, link.target, link.relation)] = link
    for link in _derivations(entries, uppers, threshold, sources=changed | lowers):
        links[(link.source, link.target, link.relation)] = link
    for source, plan_key, grams in entries:
        if plan_key not in changed:
            continue
        best: dict[str, tuple[float, int]] = {}  # other plan → (score, task)
        for j, (_, other, other_grams) in enumerate(entries):
            if _related(plan_key, other, uppers):
                continue
            score = containment(grams, other_grams)
            if score >= threshold and score > best.get(other, (0.0, -1))[0]:
                best[other] = (score, j)
        for score, j in sorted(best.values(), reverse=True)[:COUNTERPARTS]:
            pair = tuple(sorted((source, entries[j][0])))
            key = (*pair, LT.counterpartOf)
            if key not in links or links[key].score < score:
                links[key] = TaskLink(pair[0], pair[1], LT.counterpartOf, round(score, 3))
    return sorted(links.values(), key=lambda link: (str(link.source), str(link.target)))


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
