"""The whole corpus in the store: one named graph per plan, one cross-plan graph, and the build that fills them.

A plan's graph (``<plan IRI>/graph``) holds what the plan states of itself and its tasks: the plan's own
metadata, its tasks, their attributions and role triples, deadlines, targets, skipped paragraphs and each
agency's task counts in the plan (``lt:PlanLoad``: ``lt:tasksLedInPlan`` …, so a per-plan ranking of agencies
reads one node per agency and plan, and replacing the plan replaces its counts with it). What
several plans state alike, or what depends on other plans, goes to the cross-plan graph
(``id/graph/cross-plan``), recomputed on every build from the digests of all plans: the agencies with every
surface form the plans use, the jurisdictions, the cited plans and each plan's ``lt:derivesFrom`` (after
citations are unified across plans), task lineage, agency succession, and each agency's task counts per role
over all plans (``lt:tasksLed`` …: a ranking of every agency is then a lookup, not an aggregate over every
role triple). Each triple lives in exactly one
graph, so a query over the union of the graphs (as every reader queries) sees each fact once, and adding,
replacing or removing a plan rewrites its own graph and the cross-plan graph only.

A build streams: each plan is loaded, its graph written and its records dropped, keeping only a
`PlanDigest` (what the cross-plan graph needs of it, its summary and its fingerprint). The digests are kept
beside the database (``lantian-plans/``), so the next build re-extracts only the plans whose file (or
sidecar) or extraction code changed, and ``kg build --update PATH`` replaces only those plans' graphs.

An update starts from a checkpoint of the live store and writes only differences, from what the previous
build listed in ``lantian-plans/`` beside the digests: the cross-plan graph's triples but lineage
(CROSS_PLAN_LIST), made again from the digests and compared line by line; the task links
(`kg.linking.LINKS_LIST`), of which only those touching a changed plan are dropped and found again, and each
task's compared text and weakest counterpart (`kg.linking.TASKS_LIST`); the statistics' rows of each plan
(`kg.statistics.PLAN_ROWS_LIST`: only the changed plans' are read from the store) and triples
(`kg.statistics.STATISTICS_LIST`). The unchanged plans' digests are hard links to the live store's. A store
whose lists an older version wrote (lineage listed with the rest, no links list) is read once the old way.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import json
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, Graph, URIRef

from kg import build
from kg.linking import (
    LINKS_LIST,
    TASKS_LIST,
    TaskLink,
    TaskNotes,
    link_line,
    link_task_texts,
    link_triples,
    relink_task_texts,
    upper_plans,
)
from kg.namespaces import ID, LT, ROLE_PROPERTY, bind_prefixes
from kg.statistics import (
    PLAN_ROWS_LIST,
    STATISTICS_GRAPH,
    STATISTICS_LIST,
    double_literal,
    network_betweenness,
    plan_rows,
    read_plan_rows,
    stated_task_orders,
    statistics_triples,
    write_plan_rows,
)
from kg.store import StoreGeneration, _quads, build_lock, recover_store, run_query, store_exists
from kg.succession import agency_successions, succession_triples
from kg.texts import keep_plan_source, write_plan_source, write_task_texts
from loaders.corpus import load_file
from loaders.plan import unify_citations
from loaders.reading import MAX_PLAN_BYTES, PlanInputError
from loaders.records import COVERAGE_WARNING, Agency, CitedPlan, Plan

CROSS_PLAN_GRAPH = f"{ID}graph/cross-plan"
LEDGER = "lantian-plans"  # the digests, a folder inside the store folder
CROSS_PLAN_LIST = "cross-plan.nt"  # in LEDGER: the cross-plan graph's triples but lineage, for --update
LINEAGE_LINE = f"<{ID}task/".encode()  # how the N-Triples line of every lineage triple, and no other, opens
_ROLE_PREDICATES = frozenset(str(p) for p in (*ROLE_PROPERTY.values(), LT.accountableFor))
# each role property and the property that states an agency's count of tasks in that role
ROLE_COUNT_PROPERTY = {
    str(LT.leads): LT.tasksLed,
    str(LT.supports): LT.tasksSupported,
    str(LT.implements): LT.tasksImplemented,
    str(LT.responsibleFor): LT.tasksResponsibleFor,
    str(LT.accountableFor): LT.tasksAccountableFor,
}
# each role property and the property that states an agency's count of tasks in that role in one plan
PLAN_COUNT_PROPERTY = {
    str(LT.leads): build.OX_LT.tasksLedInPlan,
    str(LT.supports): build.OX_LT.tasksSupportedInPlan,
    str(LT.implements): build.OX_LT.tasksImplementedInPlan,
    str(LT.responsibleFor): build.OX_LT.tasksResponsibleForInPlan,
    str(LT.accountableFor): build.OX_LT.tasksAccountableForInPlan,
}
_FOUR_ROLES = frozenset(str(p) for p in ROLE_PROPERTY.values())
_AGENCY_PREFIX = f"{ID}agency/"
_DERIVES_FROM = str(LT.derivesFrom)
_CODE = Path(__file__).resolve().parent.parent


def plan_graph_iri(plan_iri: str) -> str:
    """The named graph holding one plan: its IRI + "/graph" (no plan IRI ends so: its last part is a 文号 or a
    title, never "graph")."""
    return f"{plan_iri}/graph"


@cache
def extraction_version() -> str:
    """A fingerprint of the code and tables that turn a plan file into triples: a plan built by other code
    is extracted again."""
    digest = hashlib.sha256()
    sources = [*sorted((_CODE / "loaders").rglob("*.py")), *sorted((_CODE / "loaders" / "data").glob("*"))]
    sources += [_CODE / "kg" / "build.py", _CODE / "kg" / "namespaces.py", Path(__file__)]
    for source in sources:
        if source.is_file():
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]


def fingerprint(path: Path) -> str:
    """The plan file's bytes, its sidecar's (if any) and the extraction code, hashed a block at a time; of a
    file larger than the reading accepts (refused unread), its size stands for its bytes. PlanInputError
    naming the file that cannot be read."""
    digest = hashlib.sha256(extraction_version().encode())
    for part in (path, path.with_name(path.name + ".yaml"), path.with_suffix(".yaml")):
        try:
            if part.is_file():
                digest.update(part.name.encode() + b"\0")
                if (size := part.stat().st_size) > MAX_PLAN_BYTES:
                    digest.update(f"{size} bytes, not read".encode())
                    continue
                with part.open("rb") as file:
                    while block := file.read(1 << 20):
                        digest.update(block)
        except OSError as error:
            raise PlanInputError(part, f"cannot be read: {error.strerror or error}") from error
    return digest.hexdigest()


# --- one plan ----------------------------------------------------------------------------------------


@dataclass
class PlanDigest:
    """What the corpus keeps of a loaded plan once its graph is written: enough for the cross-plan graph
    (citations, task texts for lineage, agencies for succession, its statements about shared things) and
    for `kg build`'s summary. JSON-serialisable."""

    source: str  # absolute path of the plan file
    fingerprint: str
    plan: str  # the plan's IRI
    key: str
    title: str
    doc_number: str
    jurisdiction_name: str = ""  # the plan's issuer's jurisdiction (where its key has one: see plan_key)
    cites: list[CitedPlan] = field(default_factory=list)
    tasks: list[tuple[str, str]] = field(default_factory=list)  # (task IRI, text)
    agencies: list[Agency] = field(default_factory=list)
    shared: str = ""  # N-Triples: what the plan says of agencies and places
    summary: dict = field(default_factory=dict)
    role_counts: dict[str, dict[str, int]] = field(default_factory=dict)  # agency IRI → role property → tasks
    extraction: str = ""  # the extraction_version() that extracted it ("" before it was recorded)

    @property
    def graph(self) -> str:
        return plan_graph_iri(self.plan)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> PlanDigest:
        data = json.loads(text)
        data["cites"] = [CitedPlan(**c) for c in data["cites"]]
        data["agencies"] = [Agency(**a) for a in data["agencies"]]
        data["tasks"] = [tuple(t) for t in data["tasks"]]
        return cls(**data)


def plan_summary(plan: Plan) -> dict:
    """The counts `kg build` reports for one plan, with its warnings and skipped paragraphs (for --verbose)."""
    attributions = [a for task in plan.tasks for a in task.attributions]
    covered, measures = plan.coverage()
    warnings = list(plan.warnings)
    if measures and covered < COVERAGE_WARNING * measures:
        warnings.append(
            f"coverage {covered / measures:.0%}: {measures - covered} of {measures} measures name no accountable "
            "unit (kg build --verbose and the plan page list them)"
        )
    return {
        "file": Path(plan.source_file).name,
        "title": plan.title,
        "tasks": len(plan.tasks),
        "agencies": len({(a.agency.place, a.agency.key or a.agency.name) for a in attributions}),
        "roles": len(attributions),
        "deadlines": sum(len(task.deadlines) for task in plan.tasks),
        "targets": len(plan.targets) + sum(len(task.targets) for task in plan.tasks),
        "coverage": f"{covered / measures:.0%}" if measures else "—",
        "skipped": len(plan.skipped),
        "warnings": len(warnings),
        "warning_texts": warnings,
        "skipped_paragraphs": [
            [s.start, s.end, s.reason, " ".join(s.text.split())[:80]] for s in plan.skipped
        ],
    }


def _owned(plan_node: str, task_prefix: str):
    """Whether a triple of `build.plan_triples` belongs to the plan's own graph."""

    def owned(s: str, p: str) -> bool:
        if s == plan_node:
            return p != _DERIVES_FROM
        return s.startswith((plan_node + "/", task_prefix)) or p in _ROLE_PREDICATES

    return owned


def split_plan(plan: Plan, source: Path | str, fingerprint: str = "") -> tuple[list[tuple], PlanDigest]:
    """The plan's own triples (for its graph) and its digest. Citations are left to the cross-plan graph:
    they are resolved across plans."""
    node = str(build.plan_iri(plan.key))
    owned = _owned(node, build.task_base(plan.key))
    own, shared, roles = [], [], set()
    for triple in build.plan_triples(replace(plan, cites=[])):
        s, p = _value(triple[0]), _value(triple[1])
        (own if owned(s, p) else shared).append(triple)
        if p in _ROLE_PREDICATES:
            roles.add((s, p, _value(triple[2])))
    role_counts: dict[str, dict[str, int]] = {}
    for agency, role, _task in sorted(roles):  # the same digest in every process
        counts = role_counts.setdefault(agency, {})
        counts[role] = counts.get(role, 0) + 1
    agencies = {}
    for task in plan.tasks:
        for attribution in task.attributions:
            agencies.setdefault(str(build.agency_iri(attribution.agency)), attribution.agency)
    groups = {iri for iri, agency in agencies.items() if agency.is_group}
    brokers = network_betweenness(sorted((a, t) for a, p, t in roles if p in _FOUR_ROLES), groups)
    own.extend(plan_load_triples(node, role_counts, _collective_only_counts(plan), brokers))
    digest = PlanDigest(
        source=str(source),
        fingerprint=fingerprint,
        plan=node,
        key=plan.key,
        title=plan.title,
        doc_number=plan.doc_number,
        jurisdiction_name=plan.jurisdiction_name,
        cites=plan.cites,
        tasks=[(str(iri), task.text) for iri, task in zip(build.task_iris(plan), plan.tasks, strict=True)],
        agencies=list(agencies.values()),
        shared=_ntriples(shared),
        summary=plan_summary(plan) | {"triples": len(own)},
        role_counts=role_counts,
        extraction=extraction_version(),
    )
    return own, digest


def _collective_only_counts(plan: Plan) -> dict[str, int]:
    """For each collective (lt:AgencyGroup) of the plan: how many of its tasks name no accountable agency
    but collectives (no single unit answers for them)."""
    counts: dict[str, int] = {}
    for task in plan.tasks:
        holders = {str(build.agency_iri(a.agency)): a.agency.is_group for a in task.attributions}
        if holders and all(holders.values()):
            for agency in holders:
                counts[agency] = counts.get(agency, 0) + 1
    return counts


def plan_load_iri(plan_iri: str, agency_iri: str) -> str:
    """The lt:PlanLoad of an agency in a plan: the plan's IRI + "/load/" + the agency's path under id/agency/
    (id/plan/{key}/load/{jurisdiction}/{name})."""
    return f"{plan_iri}/load/{agency_iri.removeprefix(_AGENCY_PREFIX)}"


def plan_load_triples(
    plan_iri: str,
    role_counts: dict[str, dict[str, int]],
    collective_only: dict[str, int],
    brokers: dict[str, tuple[float, int]] | None = None,
) -> Iterator[tuple]:
    """Each agency's task counts in this plan (``lt:PlanLoad``: ``lt:tasksLedInPlan`` …), for the plan's own
    graph: counts above 0 only; ``lt:tasksAccountableForInPlan`` is always there; and each agency's
    ``lt:betweennessInPlan`` on the plan's agency–task network (`brokers`: collectives have none)."""
    plan = ox.NamedNode(plan_iri)
    for agency, counts in sorted(role_counts.items()):
        node = ox.NamedNode(plan_load_iri(plan_iri, agency))
        yield node, build.OX_RDF.type, build.OX_LT.PlanLoad
        yield node, build.OX_LT.ofAgency, ox.NamedNode(agency)
        yield node, build.OX_LT.ofPlan, plan
        for role, n in sorted(counts.items()):
            yield node, PLAN_COUNT_PROPERTY[role], ox.Literal(n)
        if collective_only.get(agency):
            yield node, build.OX_LT.tasksCollectiveOnlyInPlan, ox.Literal(collective_only[agency])
        if brokers and agency in brokers:
            yield node, build.OX_LT.betweennessInPlan, double_literal(brokers[agency][0])


def _value(term) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode) else str(term)


def _ntriples(triples: list[tuple]) -> str:
    return ox.serialize((q.triple for q in _quads(triples)), format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


# --- across plans ------------------------------------------------------------------------------------


def unified(digests: list[PlanDigest]) -> list[PlanDigest]:
    """Copies of the digests with their citations unified across the plans (the digests keep the citations as
    each plan states them)."""
    plans = [
        replace(d, cites=[replace(c, derives_from=list(c.derives_from)) for c in d.cites]) for d in digests
    ]
    unify_citations(plans)
    return plans


def cross_plan_triples(digests: list[PlanDigest], links: list[TaskLink] | None = None) -> Iterator[ox.Triple]:
    """The cross-plan graph: `description_triples`, then task lineage (`links`, or all found again)."""
    plans = unified(digests)
    yield from description_triples(plans)
    if links is None:
        links = link_task_texts(_task_texts(plans), upper_plans(plans))
    for quad in _quads(link_triples(links)):
        yield quad.triple


def _task_texts(plans: list[PlanDigest]) -> Iterator[tuple[URIRef, str, str]]:
    return ((URIRef(iri), d.key, text) for d in plans for iri, text in d.tasks)


def description_triples(plans: list[PlanDigest]) -> Iterator[ox.Triple]:
    """The cross-plan graph but for task lineage, of the `unified` digests: shared descriptions (once each),
    citations, agency succession and each agency's task counts. No triple of it is about a task (every
    lineage triple is: `LINEAGE_LINE`)."""
    seen: set = set()
    for digest in plans:
        for quad in ox.parse(digest.shared.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
            if quad.triple not in seen:
                seen.add(quad.triple)
                yield quad.triple
    for quad in _quads(_citation_triples(plans)):
        if quad.triple not in seen:
            seen.add(quad.triple)
            yield quad.triple
    found = agency_successions(a for d in plans for a in d.agencies)
    for quad in _quads(succession_triples(found)):
        if quad.triple not in seen:
            seen.add(quad.triple)
            yield quad.triple
    yield from role_count_triples(plans)


def _citation_triples(plans: list[PlanDigest]) -> Iterator[tuple]:
    """Each plan's lt:derivesFrom the plans it cites, and what the citation says of a cited plan that is not
    loaded (type, title, 文号, issuer, level, its own uppers). A loaded plan's own graph states those facts of
    it: a citation's notice title (《…人民政府关于印发…的通知》) would give it a second label and title, and
    every row that joins its title would come twice."""
    loaded = {d.plan for d in plans}
    for d in plans:
        node = ox.NamedNode(d.plan)
        for cited in d.cites:
            if not cited.key:
                continue
            cited_iri = str(build.plan_iri(cited.key))
            if cited_iri not in loaded:
                yield from build.cited_plan_triples(node, cited)
            elif cited_iri != d.plan:
                yield node, build.OX_LT.derivesFrom, ox.NamedNode(cited_iri)


def role_count_triples(digests: Iterable[PlanDigest]) -> Iterator[ox.Triple]:
    """Each agency's number of tasks in each role over all the plans (``lt:tasksLed`` …), summed from the
    plans' digests: tasks belong to one plan, so the sums count distinct tasks."""
    totals: dict[tuple[str, str], int] = {}
    for digest in digests:
        for agency, counts in digest.role_counts.items():
            for role, n in counts.items():
                totals[agency, role] = totals.get((agency, role), 0) + n
    for (agency, role), n in sorted(totals.items()):
        yield ox.Triple(ox.NamedNode(agency), ox.NamedNode(str(ROLE_COUNT_PROPERTY[role])), ox.Literal(n))


# --- the build ---------------------------------------------------------------------------------------


@dataclass
class BuildReport:
    """What a build did: the plans now in the store (digests, in load order), what was reused, problems."""

    digests: list[PlanDigest]
    loaded: int = 0  # plans extracted by this build
    reused: int = 0  # plans whose graph was kept as it was
    removed: int = 0  # plans dropped from the store
    triples: int = 0
    problems: list[PlanInputError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_digests(store_dir: Path | str) -> dict[str, PlanDigest]:
    """The digests of the plans in the store at `store_dir`, by source path (empty if none)."""
    folder = Path(store_dir) / LEDGER
    if not store_exists(store_dir) or not folder.is_dir():
        return {}
    digests = {}
    for path in sorted(folder.glob("*.json")):
        digest = PlanDigest.from_json(path.read_text(encoding="utf-8"))
        digests[digest.source] = digest
    return digests


def extracted_by_other_code(store_dir: Path | str) -> bool:
    """Whether the store's plans were extracted by another version of the extraction code than this one (its
    IRIs, labels and counts may differ from what a build would write now). Reads one plan's digest: a full
    build extracts every plan with one version (`kg build --update` warns when it keeps older ones)."""
    folder = Path(store_dir) / LEDGER
    first = next(iter(sorted(folder.glob("*.json"))), None) if folder.is_dir() else None
    if first is None:
        return False
    return json.loads(first.read_text(encoding="utf-8")).get("extraction", "") != extraction_version()


def _write_digests(
    folder: Path, digests: Iterable[PlanDigest], kept_in: Path | None = None, written: set[str] = frozenset()
) -> None:
    """Write the digests to `folder`; given the live ledger folder `kept_in`, a digest not `written` (sources)
    by this build is a hard link to its file there (rewriting 3,212 unchanged digests took 14 s)."""
    for digest in digests:
        name = hashlib.sha1(digest.source.encode("utf-8")).hexdigest()[:20] + ".json"
        if kept_in is not None and digest.source not in written:
            with suppress(OSError):
                os.link(kept_in / name, folder / name)
                continue
        (folder / name).write_text(digest.to_json(), encoding="utf-8")


class NoPlanLoaded(Exception):
    """Not one plan could be loaded: the store was left as it was."""

    def __init__(self, problems: list[PlanInputError]):
        self.problems = problems
        super().__init__(
            f"no plan could be loaded ({len(problems)} problem(s)); the store was left unchanged"
        )


def build_store(
    store_dir: Path | str,
    files: list[Path],
    *,
    update: bool = False,
    time_limit: float | None = None,
    wait: bool = True,
    on_plan: Callable[[Path, PlanDigest | None, PlanInputError | None], None] | None = None,
    progress: Callable[[list[Path]], Iterable[Path]] = iter,
    log: Callable[[str], None] = lambda message: None,
    workers: int | None = None,
) -> BuildReport:
    """Put the plans in `files` into the store at `store_dir`, one graph each, then the cross-plan graph.

    Without `update` the store ends holding exactly these plans; with it, these plans are added or replace
    the graphs of the same files (or the same plans), and every other plan stays. Plans whose fingerprint
    matches the store's digest keep their graph untouched; reading and extracting one file may take at most
    `time_limit` seconds (None: no limit). Plans are read and extracted by `workers` processes (default: one
    per core), a few files ahead of this process, which alone writes the store, in the files' order: the
    store is the one a serial build (``workers=1``) writes. The new store is swapped in only when complete;
    raises `NoPlanLoaded` (store unchanged) when not one plan could be loaded and none is kept.

    One build at a time holds the store (`kg.store.build_lock`): another waits for it, or with `wait=False`
    gets `StoreBusy`. A store a dead build left aside is put back first (`kg.store.recover_store`).
    """
    pool = extraction_pool(workers) if len(files) > 1 else None
    try:
        with build_lock(store_dir, wait=wait, on_wait=log):
            for message in recover_store(store_dir):
                log(message)
            return _build(store_dir, files, update, time_limit, on_plan, progress, log, pool)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _unchanged(old: PlanDigest | None, stamp: str) -> bool:
    return old is not None and old.fingerprint == stamp


def _extract(
    path: Path, stamp: str, time_limit: float | None
) -> tuple[list, PlanDigest | None, PlanInputError | None]:
    """One plan file read and extracted: (its graph's triples, its digest, None), or (…, None, the problem)."""
    result = load_file(path, time_limit)
    if result.plan is None:
        return [], None, result.problem
    try:
        own, digest = split_plan(result.plan, str(path.resolve()), stamp)
    except Exception as error:  # a name the graph cannot hold (an IRI Oxigraph refuses): this plan only
        problem = f"could not be written to the graph ({type(error).__name__}: {error})"
        return [], None, PlanInputError(path, problem)
    return own, digest, None


def _extract_in_worker(
    path: Path, stamp: str, time_limit: float | None
) -> tuple[bytes, PlanDigest | None, PlanInputError | None]:
    """`_extract` in an extraction process: the triples sent back as N-Quads in the plan's graph (one bytes
    object, which the store loads with its own parser: no pickled term, nor Python object, a triple)."""
    own, digest, problem = _extract(path, stamp, time_limit)
    if digest is None:
        return b"", digest, problem
    return ox.serialize(_quads(own, ox.NamedNode(digest.graph)), format=ox.RdfFormat.N_QUADS), digest, problem


def default_workers() -> int:
    """Extraction processes of a build: one per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _die_with_parent() -> None:
    """In an extraction process: be killed when the build's process ends, however it ends (Linux's
    PR_SET_PDEATHSIG), so no worker outlives a build killed outright."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG


def extraction_pool(workers: int | None) -> ProcessPoolExecutor | None:
    """The processes that read and extract plans (default: one per core; None for one: the build's own),
    forked at once: before the build takes the store's lock or opens a database, so no worker holds either."""
    workers = default_workers() if workers is None else max(1, workers)
    if workers == 1:
        return None
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=_die_with_parent
    )
    pool.submit(int).result()  # forks every worker now
    return pool


class _Extractions:
    """(triples, digest, problem) of each of `paths`, in their order (an iterator): extracted by the `pool`'s
    processes a few files ahead of the writer, or in this process when there is no pool (or one file). The
    writer stays this one process; the results are the serial build's."""

    def __init__(
        self, paths: list[Path], stamps: dict, time_limit: float | None, pool: ProcessPoolExecutor | None
    ):
        self.stamps, self.time_limit = stamps, time_limit
        self.queue = iter(paths)
        self.pending: deque = deque()
        self.pool = pool if len(paths) > 1 else None
        if self.pool is not None:
            for path in islice(self.queue, 4 * self.pool._max_workers):
                self._submit(path)

    def _submit(self, path: Path) -> None:
        self.pending.append(self.pool.submit(_extract_in_worker, path, self.stamps[path], self.time_limit))

    def __iter__(self):
        return self

    def __next__(self) -> tuple[list | bytes, PlanDigest | None, PlanInputError | None]:
        if self.pool is None:
            return self._serial()
        if not self.pending:
            raise StopIteration
        data, digest, problem = self.pending.popleft().result()
        for path in islice(self.queue, 1):
            self._submit(path)
        return data, digest, problem

    def _serial(self) -> tuple[list, PlanDigest | None, PlanInputError | None]:
        path = next(self.queue)
        return _extract(path, self.stamps[path], self.time_limit)

    def __enter__(self):
        return self

    def __exit__(self, *error) -> None:
        self.close()

    def close(self) -> None:
        """Drop the extractions not read yet (on an error: the pool is then free for nothing else)."""
        for future in self.pending:
            future.cancel()
        self.pending.clear()


def _build(store_dir, files, update, time_limit, on_plan, progress, log, pool=None) -> BuildReport:
    """`build_store`, the lock held."""
    previous = read_digests(store_dir)
    report = BuildReport(digests=[])
    digests: dict[str, PlanDigest] = dict(previous) if update else {}
    written: set[str] = set()  # sources whose graph this build wrote (the others' are kept as they are)
    changed: set[str] = set()  # keys of the plans added or replaced (for --update's lineage)
    listed = Path(store_dir) / LEDGER / CROSS_PLAN_LIST
    patch = (
        update and bool(previous) and listed.is_file()
    )  # start from the live store, patch the cross-plan graph

    def refuse(path: Path, problem: PlanInputError) -> None:
        report.problems.append(problem)
        if on_plan:
            on_plan(path, None, problem)

    stamps: dict[Path, str | PlanInputError] = {}
    for path in files:
        try:
            stamps[path] = fingerprint(path)
        except PlanInputError as problem:
            stamps[path] = problem
    # extracted ahead, on every core, in file order: a file whose fingerprint matches its digest is
    # kept (unless another file took its plan meanwhile: then it is extracted here, in this process)
    ahead = [
        path
        for path in files
        if isinstance(stamps[path], str) and not _unchanged(previous.get(str(path.resolve())), stamps[path])
    ]
    extracted = _Extractions(ahead, stamps, time_limit, pool)
    with extracted, StoreGeneration(store_dir, inherit=patch) as generation, _collector_paused(patch):
        owner: dict[str, str] = {d.graph: d.source for d in digests.values()}  # graph → the file it holds
        try:
            for path in progress(files):
                source = str(path.resolve())
                stamp = stamps[path]
                if isinstance(stamp, PlanInputError):
                    refuse(path, stamp)
                    continue
                old = previous.get(source)
                if _unchanged(old, stamp) and owner.get(old.graph, source) == source:
                    digests[source] = old
                    owner[old.graph] = source
                    report.reused += 1
                    if on_plan:
                        on_plan(path, old, None)
                    continue
                if _unchanged(old, stamp):  # its plan was taken by another file: extract it after all
                    own, digest, problem = _extract(path, stamp, time_limit)
                else:
                    own, digest, problem = next(extracted)
                if problem is not None:
                    refuse(path, problem)
                    continue
                write_plan_source(generation.folder, digest.plan, source)
                holder = owner.get(digest.graph)
                if holder is not None and holder != source:
                    report.warnings.append(
                        f"{path}: the same plan ({digest.key}) as {holder}, which it replaces in the store"
                    )
                    digests.pop(holder, None)
                if source in digests:  # its previous plan (perhaps under another key) goes
                    changed.add(digests[source].key)
                    owner.pop(digests[source].graph, None)
                    generation.remove_graph(digests[source].graph)
                changed.add(digest.key)
                if isinstance(own, bytes):  # from an extraction process: N-Quads in the plan's graph
                    generation.replace_graph_nquads(digest.graph, own)
                else:
                    generation.replace_graph(digest.graph, own)
                digests[source] = digest
                owner[digest.graph] = source
                written.add(source)
                report.loaded += 1
                if on_plan:
                    on_plan(path, digest, None)
        finally:
            extracted.close()  # on an error: the extractions not read yet are dropped
        if not report.loaded + report.reused:  # not one of the given plans: keep the store as it was
            raise NoPlanLoaded(report.problems)
        older = sum(1 for d in digests.values() if d.extraction != extraction_version())
        if older:  # only with --update: a full build extracts again every plan made by other code
            report.warnings.append(
                f"{older} plan(s) kept in the store were extracted by another version of the extraction code: "
                "their IRIs, counts and links may not match the plans updated now; run `kg build` on all the "
                "plans (without --update) to extract them again"
            )
        kept = {d.graph for d in digests.values()}
        gone = {old.graph for old in previous.values() if old.graph not in kept}
        report.removed = len(gone)
        if patch:
            for graph in gone:
                generation.remove_graph(graph)
        else:
            generation.keep_graphs(d.graph for d in digests.values() if d.source not in written)
        report.digests = list(digests.values())
        log(
            f"cross-plan graph: {len(report.digests)} plans, {sum(len(d.tasks) for d in report.digests)} tasks "
            "(agencies, places, citations, task lineage, succession)"
        )
        live, ledger = Path(store_dir) / LEDGER, generation.folder / LEDGER
        ledger.mkdir()
        plans = unified(report.digests)
        notes = TaskNotes.read(live / TASKS_LIST) if patch else TaskNotes()
        if patch:
            new = changed - {d.key for d in previous.values()}
            _patch_cross_plan(generation, plans, changed, new, notes, log)
        else:
            links = link_task_texts(_task_texts(plans), upper_plans(plans), notes=notes)
            generation.stream_graph_recorded(
                CROSS_PLAN_GRAPH, description_triples(plans), ledger / CROSS_PLAN_LIST
            )
            generation.stream_graph(CROSS_PLAN_GRAPH, (quad.triple for quad in _quads(link_triples(links))))
            with (ledger / LINKS_LIST).open("w", encoding="utf-8") as out:
                out.writelines(map(link_line, links))
        del plans
        notes.write(ledger / TASKS_LIST, (iri for d in report.digests for iri, _ in d.tasks))
        del notes
        _write_digests(ledger, report.digests, kept_in=live if patch else None, written=written)
        for digest in report.digests:
            if digest.source not in written:
                keep_plan_source(store_dir, generation.folder, digest.plan)
        generation.flush()  # the buffered graphs, so the queries below see them
        write_statistics(
            generation,
            {d.plan for d in report.digests},
            live if patch else None,
            {d.plan for d in report.digests if d.source in written},
            log,
        )
        write_task_texts(
            generation.folder,
            (task for d in report.digests for task in d.tasks),
            stated_task_orders(generation.store),
        )
        report.warnings += shared_place_names(generation.store)
        report.triples = generation.commit()
    return report


@contextmanager
def _collector_paused(paused: bool = True) -> Iterator[None]:
    """Python's cycle collector off (when `paused`): an update holds millions of small objects (the link
    lines, the tasks' notes, the statistics' rows) and makes no cycle worth collecting; scanning them again
    and again took 9 of the 53 s of a national update."""
    was = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _patch_cross_plan(
    generation: StoreGeneration,
    plans: list[PlanDigest],
    changed: set[str],
    new: set[str],
    notes: TaskNotes,
    log,
) -> None:
    """Bring the cross-plan graph of a checkpoint of the live store up to date for the `changed` plans (keys;
    those of them the store did not hold are `new`), of all the (`unified`) `plans`: its descriptions made
    again and patched with the difference from the list the live store kept (CROSS_PLAN_LIST, 640k triples
    nationally); its lineage patched link by link, from the previous links (LINKS_LIST, 1M) and those
    `kg.linking.relink_task_texts` drops and adds, without making the triples of the others. `notes`: the
    previous build's `kg.linking.TaskNotes`, brought up to date."""
    started = time.perf_counter()
    live, ledger = generation.store_dir / LEDGER, generation.folder / LEDGER
    listed = live / CROSS_PLAN_LIST
    if (live / LINKS_LIST).is_file():
        with (live / LINKS_LIST).open(encoding="utf-8") as links:
            previous = links.readlines()
    else:  # a store of the version that listed lineage with the rest: its links read back once by SPARQL
        previous = [link_line(link) for link in _previous_links(generation.store_dir)]
        listed = _without_lineage(listed, generation.folder / f"previous-{CROSS_PLAN_LIST}")
    changes = generation.patch_graph(
        CROSS_PLAN_GRAPH, description_triples(plans), listed, ledger / CROSS_PLAN_LIST
    )
    if listed.parent == generation.folder:
        listed.unlink()
    tasks = ((iri, d.key, text) for d in plans for iri, text in d.tasks)
    kept, dropped, added = relink_task_texts(previous, tasks, upper_plans(plans), changed, new, notes=notes)
    del previous
    before = {quad.triple for quad in _quads(link_triples(dropped))}
    after = {quad.triple for quad in _quads(link_triples(added))}
    changes += generation.change_graph(CROSS_PLAN_GRAPH, before - after, after - before)
    with (ledger / LINKS_LIST).open("w", encoding="utf-8") as out:
        out.writelines(kept)
        out.writelines(map(link_line, added))
    log(
        f"cross-plan graph: {changes} triples added or removed ({len(dropped)} task links dropped, "
        f"{len(added)} made; {time.perf_counter() - started:.1f} s)"
    )


def _without_lineage(listed: Path, copy: Path) -> Path:
    """A copy of the cross-plan list `listed` without its lineage lines (as an older version listed them)."""
    with listed.open("rb") as lines, copy.open("wb") as out:
        out.writelines(line for line in lines if not line.startswith(LINEAGE_LINE))
    return copy


def write_statistics(
    generation: StoreGeneration,
    plans: set[str],
    previous: Path | None = None,
    written: set[str] = frozenset(),
    log=lambda message: None,
) -> None:
    """The statistics graph (`kg.statistics`) of the generation's `plans` (IRIs), computed from its store:
    written whole; or, given the ledger folder of the `previous` store (the generation being a checkpoint of
    it), from the plan rows it kept for the plans not `written` by this build and the rows of those read
    again, and patched with the difference. The rows and triples are listed in lantian-plans/ for the next
    patch."""
    started = time.perf_counter()
    rows = read_plan_rows(previous / PLAN_ROWS_LIST) if previous is not None else None
    if rows is None:
        rows = plan_rows(generation.store)
    else:
        rows = {plan: found for plan, found in rows.items() if plan in plans and plan not in written}
        for plan in written:
            rows.update(plan_rows(generation.store, plan_graph_iri(plan)))
    ledger = generation.folder / LEDGER
    write_plan_rows(ledger / PLAN_ROWS_LIST, rows)
    triples = statistics_triples(generation.store, rows)
    record = ledger / STATISTICS_LIST
    if previous is not None and (previous / STATISTICS_LIST).is_file():
        changes = generation.patch_graph(STATISTICS_GRAPH, triples, previous / STATISTICS_LIST, record)
        log(f"statistics graph: {changes} triples added or removed ({time.perf_counter() - started:.1f} s)")
    else:
        generation.remove_graph(STATISTICS_GRAPH)
        generation.stream_graph_recorded(STATISTICS_GRAPH, triples, record)
        log(f"statistics graph written ({time.perf_counter() - started:.1f} s)")


def shared_place_names(store: ox.Store) -> list[str]:
    """A warning for each place that lies, by the plans, within two places of one level (鼓楼区 within 江苏省 and
    within 福建省). A county is told apart from its namesakes by its prefecture (`Jurisdiction.key`); when no
    plan of either names that prefecture, both are one node in the graph and their agencies' tasks are counted
    together."""
    found = run_query(
        store,
        """SELECT ?name (GROUP_CONCAT(DISTINCT STR(?parentName); separator="、") AS ?parents)
           WHERE { ?place lt:within ?parent , ?other ; rdfs:label ?name . FILTER (?parent != ?other)
                   ?parent lt:level ?level ; rdfs:label ?parentName . ?other lt:level ?level }
           GROUP BY ?place ?name ORDER BY ?name""",
    )
    return [
        f"{row['name'].value} is the name of places within {row['parents'].value}: no plan names the prefecture "
        "above them, so they are one jurisdiction in the graph, and their agencies of the same name are one agency"
        for row in found
    ]


def _previous_links(store_dir: Path | str) -> list[TaskLink]:
    """The task links of the live store's cross-plan graph."""
    live = ox.Store.read_only(str(store_dir))
    try:
        rows = live.query(
            f"""SELECT ?s ?rel ?o ?score WHERE {{ GRAPH <{CROSS_PLAN_GRAPH}> {{
                ?link a <{LT.TaskLink}> ; <{RDF.subject}> ?s ; <{RDF.predicate}> ?rel ; <{RDF.object}> ?o ;
                      <{LT.score}> ?score }} }}"""
        )
        return [
            TaskLink(
                URIRef(r["s"].value), URIRef(r["o"].value), URIRef(r["rel"].value), float(r["score"].value)
            )
            for r in rows
        ]
    finally:
        del live


# --- in memory (tests, small corpora) ----------------------------------------------------------------


def corpus_triples(plans: list[Plan]) -> Iterator[tuple]:
    """Every triple the store would hold for `plans` (each plan's own, then the cross-plan graph's), without
    a store: for tests and small corpora. Duplicates across the two parts are left to the caller's set."""
    digests = []
    for plan in plans:
        own, digest = split_plan(plan, plan.source_file)
        digests.append(digest)
        yield from own
    yield from cross_plan_triples(digests)


def corpus_graph(plans: list[Plan], graph: Graph | None = None) -> Graph:
    """The corpus in `graph` (a new in-memory Graph by default), prefixes bound."""
    graph = bind_prefixes(Graph() if graph is None else graph)
    graph.addN((*build.to_rdflib(triple), graph) for triple in corpus_triples(plans))
    return graph
