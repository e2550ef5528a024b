"""The on-disk store: where the graph lives, how a build replaces it safely, how readers open and query it.

Canned queries (``queries/*.rq``) carry their title, description and parameters in header comments;
parameters are query variables bound by a ``VALUES`` row placed at the start of the WHERE clause.

The graph is an Oxigraph store in a folder, read through rdflib (oxrdflib) or pyoxigraph. It holds one named
graph per plan and one cross-plan graph (see `kg.corpus`); every reader queries the union of the graphs as
its default graph. A build never writes into the live folder: it fills a fresh sibling folder (empty, or a
checkpoint of the live store when only some plans change) and swaps it in with ``rename`` only once it is
complete, so an interrupted or failed build leaves the previous graph answering queries. Beside the database
the folder holds the task text table (`kg.texts`) and, written by `kg build`, the plans' digests.

Location: ``--store DIR`` on the command line, else ``$LANTIAN_STORE``, else
``$XDG_DATA_HOME/lantian/store`` (``~/.local/share/lantian/store`` when XDG_DATA_HOME is unset).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from oxrdflib._converter import to_ox
from rdflib import Dataset, Graph, URIRef

from kg.namespaces import LT, PREFIXES, bind_prefixes
from kg.texts import TaskTexts, write_task_texts

STORE_ENV = "LANTIAN_STORE"


class StoreMissingError(Exception):
    """No built store where one was expected."""

    def __init__(self, store_dir: Path):
        self.store_dir = store_dir
        found = "no such folder" if not Path(store_dir).exists() else "the folder holds no store"
        super().__init__(f"no store at {store_dir} ({found}): run `kg build` first (or pass --store DIR)")


def default_store_dir() -> Path:
    """$LANTIAN_STORE, else the XDG data folder: ~/.local/share/lantian/store."""
    if os.environ.get(STORE_ENV):
        return Path(os.environ[STORE_ENV]).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home).expanduser() / "lantian" / "store"


def store_exists(store_dir: Path) -> bool:
    return (Path(store_dir) / "CURRENT").is_file()


@contextmanager
def open_graph(store_dir: Path | str | None = None) -> Iterator[Dataset]:
    """Open the built store read-only as an rdflib Dataset whose default graph is the union of its graphs
    (queries and triple patterns see every plan); closed on exit.

    Several readers may open the same store at once; a rebuild does not disturb them.
    """
    store_dir = Path(store_dir) if store_dir else default_store_dir()
    if not store_exists(store_dir):
        raise StoreMissingError(store_dir)
    inner = ox.Store.read_only(str(store_dir))
    graph = Dataset(store=OxigraphStore(store=inner), default_union=True)
    bind_prefixes(graph)  # so ad-hoc queries may use lt:, id:, rdfs: … without PREFIX lines
    try:
        yield graph
    finally:
        graph.close()
        del graph, inner


PREFIX_IRIS = {name: str(namespace) for name, namespace in PREFIXES.items()}


@contextmanager
def open_store(store_dir: Path | str | None = None) -> Iterator[ox.Store]:
    """Open the built store read-only with pyoxigraph; closed on exit."""
    store_dir = Path(store_dir) if store_dir else default_store_dir()
    if not store_exists(store_dir):
        raise StoreMissingError(store_dir)
    store = ox.Store.read_only(str(store_dir))
    try:
        yield store
    finally:
        del store


def run_query(store: ox.Store, sparql: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """`sparql` on `store` as every reader asks it: over the union of the graphs, the project's prefixes
    (lt:, id:, rdfs: …) known without PREFIX lines. Straight to pyoxigraph: `kg query` and the benchmarks
    take this path, so answers are not converted to rdflib terms (a fixed half millisecond, then ~25 µs a
    row)."""
    return store.query(sparql, prefixes=PREFIX_IRIS, use_default_graph_as_union=True)


def count_triples(store_dir: Path | str) -> int:
    """Number of triples in the store (fast: asks pyoxigraph, not rdflib)."""
    store = ox.Store.read_only(str(store_dir))
    try:
        return len(store)
    finally:
        del store


_OX_SUBJECT, _OX_OBJECT = (ox.NamedNode, ox.BlankNode), (ox.NamedNode, ox.Literal, ox.BlankNode)


def _quads(triples: Iterable, graph: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
    """`triples` (rdflib or pyoxigraph terms) as Oxigraph quads in `graph` (default: the default graph)."""
    extra = () if graph is None else (graph,)  # no graph name (the default graph) is faster than one
    nodes: dict = {}  # IRIs recur (predicates, classes, agencies): convert each once

    def node(term):
        if isinstance(term, _OX_OBJECT):
            return term
        if isinstance(term, URIRef):
            found = nodes.get(term)
            if found is None:
                found = nodes[term] = ox.NamedNode(term)
            return found
        return to_ox(term)

    for s, p, o in triples:
        if isinstance(o, _OX_OBJECT) and isinstance(s, _OX_SUBJECT) and isinstance(p, ox.NamedNode):
            yield ox.Quad(s, p, o, *extra)  # kg.build's pyoxigraph terms as they are
        else:
            yield ox.Quad(node(s), node(p), node(o), *extra)


def _siblings(store_dir: Path | str) -> tuple[Path, Path, Path]:
    """The store folder, the new folder a build fills, and the name the old store takes during the swap.

    The two temporary names carry the building process's id, so the folders a build killed outright (``kill
    -9``, a power cut: no handler runs) left behind are recognised and cleared by the next build."""
    store_dir = Path(store_dir).expanduser().absolute()
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    _clear_abandoned(store_dir)
    token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    return (
        store_dir,
        store_dir.with_name(f".{store_dir.name}.building-{token}"),
        store_dir.with_name(f".{store_dir.name}.old-{token}"),
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _clear_abandoned(store_dir: Path) -> list[str]:
    """Delete the half-written folders of builds whose process is gone; a store retired by a swap that was
    cut short (the old store renamed away, the new one not yet in place) is put back. Returns what was put
    back."""
    restored = []
    for kind in ("old", "building"):
        for folder in sorted(store_dir.parent.glob(f".{store_dir.name}.{kind}-*")):
            pid = folder.name.rsplit(f".{kind}-", 1)[1].split("-", 1)[0]
            if not pid.isdigit() or _alive(int(pid)):
                continue
            if kind == "old" and not store_dir.exists():
                folder.rename(store_dir)
                restored.append(
                    f"put back the store at {store_dir}: the build of process {pid} stopped during its swap, "
                    "after moving it aside"
                )
            else:
                shutil.rmtree(folder, ignore_errors=True)
    return restored


def recover_store(store_dir: Path | str) -> list[str]:
    """Clear what builds that died left beside the store at `store_dir`, putting back a store a build moved
    aside and died before replacing (see `_swap_in`); returns what was put back. Call it before looking for
    the store, so that no command takes a store left aside for a missing one."""
    store_dir = Path(store_dir).expanduser().absolute()
    if not store_dir.parent.is_dir():
        return []
    return _clear_abandoned(store_dir)


class StoreBusy(Exception):
    """Another process is building the store."""


def _lock_holder(lock: Path) -> str:
    with suppress(OSError):
        return lock.read_text().strip() or "?"
    return "?"


@contextmanager
def build_lock(store_dir: Path | str, *, wait: bool = True, on_wait=None) -> Iterator[Path]:
    """Hold the store's build lock for the block: one build at a time per store, so that two builds (two
    `kg build --update` of other files) cannot each start from the same store and the later swap drop what the
    earlier added. The lock is the file ``.<store>.lock`` beside the store folder, locked with `flock` and
    holding the holder's process id, removed on release; the system releases the lock when its process ends,
    however it ends, so a lock file left by a dead build is simply taken. A second build waits for the lock
    (`on_wait(message)` says so once), or with ``wait=False`` raises `StoreBusy` naming the holder."""
    store_dir = Path(store_dir).expanduser().absolute()
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    lock = store_dir.with_name(f".{store_dir.name}.lock")
    told = False
    while True:
        file = lock.open("a+")
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            busy = f"the store {store_dir} is being built by process {_lock_holder(lock)} (lock file {lock})"
            if not wait:
                file.close()
                raise StoreBusy(f"{busy}; try again when it is done") from None
            if on_wait and not told:
                on_wait(f"{busy}: waiting for it to finish")
                told = True
            fcntl.flock(file, fcntl.LOCK_EX)
        with suppress(FileNotFoundError):
            if os.stat(lock).st_ino == os.fstat(file.fileno()).st_ino:
                break  # else the holder removed the file as we waited: lock the one there now
        file.close()
    try:
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()}\n")
        file.flush()
        yield lock
    finally:
        lock.unlink(missing_ok=True)  # before unlocking: whoever locks the removed file next tries again
        file.close()


def _swap_in(fresh: Path, store_dir: Path, retired: Path) -> None:
    """Put the completed `fresh` store in place of `store_dir` (whose database must be closed)."""
    if store_dir.exists():
        store_dir.rename(retired)
    try:
        fresh.rename(store_dir)
    except BaseException:
        if retired.exists():
            retired.rename(store_dir)
        raise
    with suppress(OSError):
        shutil.rmtree(retired)


class StoreGeneration:
    """The next generation of the store, written in a sibling folder and swapped in by `commit()`.

    It starts empty, and `keep_graphs` copies named graphs of the live store into it as they are; or
    (``inherit=True``) as a checkpoint of the live store, where a few graphs are then replaced and a big one
    patched with `patch_graph` (deleting a big graph from a checkpoint is one slow transaction). Used as a context
    manager, it is discarded (the live store untouched) when the block raises, including on Ctrl-C.
    """

    def __init__(self, store_dir: Path | str, *, inherit: bool = False):
        self.store_dir, self.folder, self._retired = _siblings(store_dir)
        self.inherit = inherit
        self._pending: dict[str, list[ox.Quad] | bytes] = {}  # graphs written but not loaded yet (N-Quads)
        self._pending_quads = 0
        try:
            if inherit:  # a RocksDB checkpoint of the live store (hard links: instant)
                live = ox.Store.read_only(str(self.store_dir))
                live.backup(str(self.folder))
                del live
            self.store = ox.Store(str(self.folder))
        except BaseException:  # e.g. a signal arriving right here: leave no folder behind
            self.discard()
            raise

    BATCH = 500_000  # quads per bulk load

    def __enter__(self) -> StoreGeneration:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is not None:
            self.discard()

    def replace_graph(self, graph: str, triples: Iterable) -> None:
        """Make the named graph `graph` hold exactly `triples` (rdflib or pyoxigraph terms).

        Graphs are buffered and bulk-loaded a batch at a time: one bulk load per plan left 3,689 files in a
        national store (116 batched), where reading a graph ran at ~9,000 quads/s against ~20,000 batched."""
        self.remove_graph(graph)
        quads = list(_quads(triples, ox.NamedNode(graph)))
        self._pending[graph] = quads
        self._pending_quads += len(quads)
        if self._pending_quads >= self.BATCH:
            self.flush()

    def replace_graph_nquads(self, graph: str, data: bytes) -> None:
        """`replace_graph` with the graph's quads as N-Quads (all in `graph`), as an extraction process sends
        them: loaded by Oxigraph's own parser at the next flush, with no Python object a quad."""
        self.remove_graph(graph)
        self._pending[graph] = data
        self._pending_quads += data.count(b"\n")
        if self._pending_quads >= self.BATCH:
            self.flush()

    def stream_graph(self, graph: str, triples: Iterable) -> None:
        """Write the (new) named graph `graph` straight from `triples`, unbuffered: for a graph too big to hold.
        The buffered graphs are loaded first, so `triples` may be computed against them."""
        self.flush()
        self.store.bulk_extend(_quads(triples, ox.NamedNode(graph)))

    def patch_graph(self, graph: str, triples: Iterable[ox.Triple], previous: Path, record: Path) -> int:
        """Make the named graph `graph`, which holds the triples listed in the N-Triples file `previous`, hold
        `triples` instead, writing only the difference; `record` gets the new list. Returns the triples changed.

        The lines are compared as they are, held in a set: the lists patched are of 1.2M lines at most on the
        national corpus (its cross-plan graph but lineage, which `kg build --update` patches link by link)."""
        self.flush()
        with previous.open("rb") as listed:
            old = set(listed.read().splitlines())
        added = []
        with record.open("wb") as out:
            for triple in triples:
                line = f"{triple} .".encode()
                out.write(line + b"\n")
                if line in old:
                    old.discard(line)
                else:
                    added.append(triple)
        # the lines left are the triples no longer stated
        gone = (
            [quad.triple for quad in ox.parse(b"\n".join(old), format=ox.RdfFormat.N_TRIPLES)] if old else []
        )
        return self.change_graph(graph, gone, added)

    def change_graph(self, graph: str, removed: Iterable[ox.Triple], added: Iterable[ox.Triple]) -> int:
        """Take the `removed` triples out of the named graph `graph` and put the `added` ones in (a difference
        the caller found); returns how many triples that was."""
        self.flush()
        node = ox.NamedNode(graph)
        changes = 0
        for triple in removed:
            self.store.remove(ox.Quad(triple.subject, triple.predicate, triple.object, node))
            changes += 1
        quads = [ox.Quad(triple.subject, triple.predicate, triple.object, node) for triple in added]
        self.store.bulk_extend(quads)
        return changes + len(quads)

    def stream_graph_recorded(self, graph: str, triples: Iterable[ox.Triple], record: Path) -> None:
        """`stream_graph`, listing the triples in the N-Triples file `record` (for a later `patch_graph`)."""
        with record.open("w", encoding="utf-8") as out:

            def listed():
                for triple in triples:
                    out.write(f"{triple} .\n")
                    yield triple

            self.stream_graph(graph, listed())

    def remove_graph(self, graph: str) -> None:
        if graph in self._pending:
            held = self._pending.pop(graph)
            self._pending_quads -= held.count(b"\n") if isinstance(held, bytes) else len(held)
            return
        node = ox.NamedNode(graph)
        if self.store.contains_named_graph(node):
            self.store.remove_graph(node)

    def flush(self) -> None:
        """Bulk-load the buffered graphs."""
        if self._pending:
            held = list(self._pending.values())
            self.store.bulk_extend(quad for quads in held if not isinstance(quads, bytes) for quad in quads)
            data = b"".join(quads for quads in held if isinstance(quads, bytes))
            if data:
                self.store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
        self._pending, self._pending_quads = {}, 0

    def keep_graphs(self, graphs: Iterable[str]) -> None:
        """Copy these named graphs of the live store into the new generation, unchanged."""
        graphs = list(graphs)
        if not graphs:
            return
        live = ox.Store.read_only(str(self.store_dir))
        try:
            self.store.bulk_extend(
                quad
                for graph in graphs
                for quad in live.quads_for_pattern(None, None, None, ox.NamedNode(graph))
            )
        finally:
            del live

    def commit(self) -> int:
        """Swap the new generation in for the live store; returns the number of triples stored.

        A fresh store is compacted first (`Store.optimize`): bulk loads leave overlapping files that readers,
        which open the store read-only and so never compact it, would search one by one (overdue.rq took 5.2 s
        at 6M triples uncompacted, 1.4 s compacted). A checkpoint (``inherit``) is compacted already but for
        the few graphs replaced."""
        self.flush()
        self.store.flush()
        if not self.inherit:
            self.store.optimize()
        count = len(self.store)
        del self.store  # the last reference: closes the database before the swap
        _swap_in(self.folder, self.store_dir, self._retired)
        return count

    def discard(self) -> None:
        with suppress(AttributeError):
            del self.store
        shutil.rmtree(self.folder, ignore_errors=True)


def write_store(store_dir: Path | str, triples: Graph | Iterable, *, statistics: bool = True) -> int:
    """Replace the store at `store_dir` with `triples` (an rdflib Graph or any iterable of triples), and
    (unless not `statistics`) the statistics graph computed from them (`kg.statistics`), as `kg build` adds it.

    It waits for a build running on the store (`build_lock`). The triples go into a new sibling folder that is
    renamed into place only once all are written;
    if anything fails on the way (including Ctrl-C) the new folder is deleted and the old store is
    left as it was. Returns the number of triples stored.
    """
    texts: list[tuple[str, str]] = []
    text = ox.NamedNode(str(LT.text))

    def noting_texts(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
        for quad in quads:
            if quad.predicate == text:
                texts.append((quad.subject.value, quad.object.value))
            yield quad

    from kg.statistics import STATISTICS_GRAPH, stated_task_orders, statistics_triples

    with build_lock(store_dir), StoreGeneration(store_dir) as generation:
        generation.store.bulk_extend(noting_texts(_quads(triples)))
        if statistics:  # what the national lists are ordered by, as `kg build` states it
            generation.stream_graph(STATISTICS_GRAPH, list(statistics_triples(generation.store)))
        write_task_texts(generation.folder, texts, stated_task_orders(generation.store))
        return generation.commit()


# --- queries ---------------------------------------------------------------------------------------

_XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass
class QueryParam:
    """A named parameter of a canned query: the variable ``?name``, with a default value or none."""

    name: str
    description: str = ""
    default: str | None = None


@dataclass
class CannedQuery:
    """A saved SPARQL query with its header: ``# title:``, ``# description:``, ``# param:`` lines."""

    name: str
    sparql: str
    title: str = ""
    description: str = ""
    params: list[QueryParam] = field(default_factory=list)

    def values(self, given: dict[str, str]) -> dict[str, str]:
        """The parameter values to bind: the given ones over the defaults."""
        unknown = set(given) - {p.name for p in self.params}
        if unknown:
            known = ", ".join(p.name for p in self.params) or "none"
            raise ValueError(f"unknown parameter {', '.join(sorted(unknown))} (this query takes: {known})")
        defaults = {p.name: p.default for p in self.params if p.default is not None}
        return defaults | given


_HEADER = re.compile(r"^\s*#\s*(title|description|param)\s*:\s*(.*?)\s*$", re.IGNORECASE)
_PARAM = re.compile(r"^(\w+)\s*(?:[—–:-]+\s*)?(.*?)(?:[;；,，]?\s*default\s*[:=：]?\s*(.*))?$", re.IGNORECASE)


def canned_queries_dir() -> Path:
    """queries/ beside the kg package."""
    return Path(__file__).resolve().parent.parent / "queries"


def read_canned_query(path: Path | str) -> CannedQuery:
    """Parse a .rq file and its header comments."""
    path = Path(path)
    sparql = path.read_text(encoding="utf-8")
    title, description, params = "", [], []
    for line in sparql.splitlines():
        match = _HEADER.match(line)
        if not match:
            continue
        key, value = match.group(1).lower(), match.group(2)
        if key == "title":
            title = value
        elif key == "description":
            description.append(value)
        elif param := _PARAM.match(value):
            name, text, default = param.groups()
            params.append(QueryParam(name, text.strip(), default.strip() if default is not None else None))
    return CannedQuery(path.stem, sparql, title, " ".join(description), params)


def canned_queries() -> list[CannedQuery]:
    return [read_canned_query(p) for p in sorted(canned_queries_dir().glob("*.rq"))]


def sparql_term(value: str) -> str:
    """A parameter value as a SPARQL term: <iri>, a date, a number, or a string literal."""
    if re.fullmatch(r"<[^<>\"{}|^`\\\s]*>", value):
        return value
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return f'"{value}"^^<{_XSD}date>'
    if re.fullmatch(r"[+-]?\d+(\.\d+)?", value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


_FORMS = re.compile(r"^\s*#\s*forms\s*:\s*(\w+)\s+(.*?)\s*$", re.IGNORECASE | re.MULTILINE)


def parameter_forms(sparql: str) -> dict[str, list[str]]:
    """The ``# forms: NAME @zh plain`` header lines of a query: the literal forms a string parameter is bound
    as, so the query can match it in a triple pattern (a point lookup) rather than filter every label by
    ``STR()`` (a scan). ``@tag`` is a language-tagged literal, ``plain`` a plain string."""
    return {m.group(1): m.group(2).split() for m in _FORMS.finditer(sparql)}


def _terms(value: str, forms: list[str] | None) -> str:
    """`value` as SPARQL terms: one, or one per form when it is a string and the query names forms."""
    term = sparql_term(value)
    if not forms or not (term.startswith('"') and term.endswith('"')):
        return term
    tags = [f for f in forms if f == "plain" or re.fullmatch(r"@[A-Za-z]+(-[A-Za-z0-9]+)*", f)]
    return " ".join(term if form == "plain" else term + form for form in tags) or term


_SEARCH = re.compile(r"^\s*#\s*search\s*:\s*(\w+)\s+[?$](\w+)(?:\s+[?$](\w+))?\s*$", re.IGNORECASE | re.MULTILINE)


def search_parameters(sparql: str) -> dict[str, tuple[str, str | None]]:
    """The ``# search: words ?task [?order]`` header lines of a query: a parameter holding words, the variable
    of the tasks whose text the query filters for them (``FILTER(CONTAINS(STR(?text), ?words))``) and, when
    named, the variable the query binds to their ``lt:taskOrder`` (``?task lt:taskOrder ?order``)."""
    return {m.group(1): (m.group(2), m.group(3)) for m in _SEARCH.finditer(sparql)}


def _found_tasks(texts: TaskTexts | None, words: str | None, variable: str) -> str:
    """The VALUES row binding a ``# search:`` variable to the tasks the store's text table finds for the
    words: the query's own FILTER then checks a few candidates instead of every task text."""
    return (texts.values_row(words, variable) or "") if texts is not None and words else ""


def _order_pattern(sparql: str, code: str, variable: str, order: str) -> re.Match | None:
    """Where `code` (the query with its comments blanked) states ``?variable lt:taskOrder ?order``, with the
    prefix the query declares for the vocabulary, or the full IRI."""
    names = [re.escape(f"<{LT.taskOrder}>")]
    for prefix in re.findall(rf"PREFIX\s+([\w-]*):\s*<{re.escape(str(LT))}>", sparql, re.IGNORECASE):
        names.append(re.escape(prefix) + r":taskOrder\b")
    return re.search(
        rf"[?$]{variable}\s+(?:{'|'.join(names)})\s+[?$]{order}\b(?:\s*\.)?", code
    )


def _uses(code: str, name: str) -> bool:
    return re.search(rf"[?$]{re.escape(name)}\b", code) is not None


_PAGE = re.compile(r"^[ \t]*#\s*page\s*:(.*)$", re.IGNORECASE | re.MULTILINE)
_PAGE_CLAUSE = re.compile(r"\b(LIMIT|OFFSET)\s+[?$](\w+)", re.IGNORECASE)


def page_parameters(sparql: str) -> set[str]:
    """The parameters a query's ``# page: LIMIT ?limit OFFSET ?offset`` lines take: numbers written into the
    LIMIT and OFFSET of the (sub-)SELECT the line closes, not bound as variables."""
    return {name for m in _PAGE.finditer(sparql) for _, name in _PAGE_CLAUSE.findall(m.group(1))}


_WHOLE = re.compile(r"^([ \t]*)#\s*whole\s*:(.*)$", re.IGNORECASE | re.MULTILINE)


def whole_lines(sparql: str) -> str:
    """`sparql` with its ``# whole:`` lines made code (the comment mark taken off): the form of the query for
    its whole answer. The lines only change how Oxigraph evaluates the query, not its rows: they turn a group
    ``{ P }`` into ``{ SELECT * WHERE { P } }``, which Oxigraph reads through once and joins by hashing, where
    it looks a group's patterns up row by row. Looking up is right for a page of 100 rows (hashing reads whole
    tables), hashing for 15,000 (each lookup costs ~10-25 µs at 6M triples)."""
    return _WHOLE.sub(lambda m: m.group(1) + m.group(2), sparql)


_GIVEN = re.compile(r"^([ \t]*)#\s*given\s+(\w+)\s*:(.*)$", re.IGNORECASE | re.MULTILINE)


def given_lines(sparql: str, values: dict[str, str]) -> str:
    """`sparql` with its ``# given NAME:`` lines made code (the comment mark taken off) for each parameter NAME
    given a value. The lines only narrow where Oxigraph starts, not the rows: they join what a filter on the
    parameter keeps (the deadlines of the plans whose title holds ?plan) before the filter, which then holds at
    once (``FILTER(!BOUND(?plan) || BOUND(?givenPlan) || EXISTS { … })``, its EXISTS the query's meaning
    without them). An EXISTS of a few patterns, checked row by row, cost Oxigraph milliseconds a row (overdue
    for one plan's words: 229 s at 6M triples, 62 ms so)."""
    return _GIVEN.sub(
        lambda m: m.group(1) + m.group(3) if values.get(m.group(2)) is not None else m.group(0), sparql
    )


def _a_page(sparql: str, values: dict[str, str]) -> bool:
    """Whether `values` ask `sparql` for a page: a limit, written into its ``# page:`` line."""
    return values.get("limit") is not None and "limit" in page_parameters(sparql)


def _paged(sparql: str, values: dict[str, str]) -> str:
    """`sparql` with each ``# page:`` line made the LIMIT/OFFSET clauses of the parameters given (the line
    stays a comment when none is: every row); with no limit given (the whole answer, or all after an
    offset), its ``# whole:`` lines made code (`whole_lines`)."""
    if not _a_page(sparql, values):
        sparql = whole_lines(sparql)

    def clauses(line: re.Match) -> str:
        found = []
        for keyword, name in _PAGE_CLAUSE.findall(line.group(1)):
            if values.get(name) is None:
                continue
            if not re.fullmatch(r"\d+", str(values[name]).strip()):
                raise ValueError(f"{name} must be a whole number of rows, not {values[name]!r}")
            found.append(f"{keyword.upper()} {int(values[name])}")
        return " ".join(found) if found else line.group(0)

    return _PAGE.sub(clauses, sparql)


def _groups(code: str) -> list[tuple[int, int]]:
    """(start, end) of the body of each ``WHERE { … }`` of `code` (comments blanked), outermost first: from
    after its "{" to its matching "}", braces inside string literals not counted."""
    groups = []
    for where in re.finditer(r"\bWHERE\s*\{", code, re.IGNORECASE):
        depth, at, quote = 1, where.end(), ""
        while at < len(code) and depth:
            char = code[at]
            if quote:
                if char == "\\":
                    at += 1
                elif char == quote:
                    quote = ""
            elif char in "\"'":
                quote = char
            elif char in "{}":
                depth += 1 if char == "{" else -1
            at += 1
        groups.append((where.end(), at - 1))
    return groups


_SELECT = re.compile(r"\bSELECT\b", re.IGNORECASE)


def _own_code(code: str, groups: list[tuple[int, int]], index: int) -> str:
    """The code of group `index` without its sub-SELECTs (from each one's SELECT to its closing brace); for
    the outermost group, with the query's code outside every group (its SELECT clause, ORDER BY …)."""
    start, end = groups[index]
    text = code if index == 0 else code[:end]
    keep = [True] * len(text)
    if index:
        keep[:start] = [False] * start
    for inner_start, inner_end in groups[index + 1 :]:
        if start <= inner_start and inner_end <= end:
            selects = [m.start() for m in _SELECT.finditer(code, start, inner_start)]
            begin = selects[-1] if selects else inner_start
            keep[begin : inner_end + 1] = [False] * (inner_end + 1 - begin)
    return "".join(c if k else " " for c, k in zip(text, keep, strict=True))


def bind_parameters(sparql: str, values: dict[str, str], texts: TaskTexts | None = None) -> str:
    """Bind ``?name`` to each value with a VALUES row at the start of each WHERE clause (the query's, a
    sub-SELECT's) whose own code uses ``?name`` (SPARQL scoping hides an outer binding from a sub-SELECT), so a
    parameter used only inside a sub-SELECT is bound there once, not also outside.

    A parameter left without a value stays unbound, so ``!BOUND(?name)`` can make it optional. A parameter
    the query gives ``# forms:`` (see `parameter_forms`) is bound to each form of a string value:
    ``VALUES ?agency { "州环保局"@zh "州环保局" }``. With the store's task `texts`, a parameter the query
    declares ``# search:`` also binds the tasks whose text holds its words (see `_found_tasks`). A parameter
    of a ``# page:`` line is written into its LIMIT or OFFSET (see `page_parameters`); without a limit the
    query's ``# whole:`` lines are made code (see `whole_lines`), and a parameter's ``# given NAME:`` lines
    when it has a value (see `given_lines`).
    """
    if not values:
        return _paged(sparql, values)
    for name in values:
        if not _uses(sparql, name):
            raise ValueError(f"the query has no variable ?{name} to bind")
    paging = page_parameters(sparql)
    a_page = _a_page(sparql, values)
    sparql = _paged(given_lines(sparql, values), values)
    values = {name: value for name, value in values.items() if name not in paging}
    # blank out whole-line comments (keeping offsets) so a WHERE in a comment is not taken
    code = re.sub(r"(?m)^[ \t]*#.*$", lambda m: " " * len(m.group()), sparql)
    groups = _groups(code)
    if not groups:
        raise ValueError("cannot bind parameters: the query has no WHERE { … } clause")
    forms = parameter_forms(sparql)
    rows = {name: f"VALUES ?{name} {{ {_terms(value, forms.get(name))} }}" for name, value in values.items()}
    inserts = []
    for index, (start, _end) in enumerate(groups):
        # bound once in each scope that uses it: the groups whose own code (their sub-SELECTs left out) uses
        # it, and the outermost for a use outside every group (its SELECT clause, ORDER BY …)
        used = [row for name, row in rows.items() if _uses(_own_code(code, groups, index), name)]
        if used:
            inserts.append((start, " ".join(used)))
    edits = [(at, at, text) for at, text in inserts]
    for name, (variable, order) in search_parameters(sparql).items():
        words = values.get(name)
        # for a page, the tasks found for a search's words with their order numbers, standing for the query's
        # pattern ?task lt:taskOrder ?order (the table states the store's numbers): no lookup a candidate (38 of
        # task-accountability's 95 ms for 扬尘 at 6M triples). Not for a whole answer: there Oxigraph's planner,
        # given a table of known size, joins the rest otherwise (accountable-now 1.4 -> 5.9 s for 柴油货车)
        ordered = (
            texts.values_row(words, variable, order) if texts is not None and words and order and a_page else None
        )
        pattern = _order_pattern(sparql, code, variable, order) if ordered is not None else None
        if pattern is not None:
            edits.append((pattern.start(), pattern.end(), ordered))
            continue
        # else the tasks found: in the innermost group that uses the variable
        using = [group for group in groups if _uses(code[group[0] : group[1]], variable)] or groups[:1]
        edits.append((using[-1][0], using[-1][0], _found_tasks(texts, words, variable)))
    for start, end, text in sorted(edits, reverse=True):
        sparql = f"{sparql[:start]} {text}\n{sparql[end:]}"
    return sparql
