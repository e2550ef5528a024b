"""Run user SPARQL queries where they can be stopped: a small pool of worker processes, each holding the
store open read-only, killed and replaced when a query outlives its time limit or its memory limit. Queries
see the union of all the store's graphs as their default graph (one named graph per plan and a shared graph).

pyoxigraph's ``Store.query()`` takes no timeout and cannot be interrupted (it only returns to Python when
done), so the only way to bound a query is to run it in a process the server may kill. Each worker
answers one request at a time over a pipe: it parses and checks the query (web.query_check: rdflib's parser
is slow on big queries, so that too happens under the time limit), runs it under an address-space limit,
stops reading results at the row limit or the answer-size limit and returns the answer already serialised in
the format the client negotiated. The web process never parses or evaluates user SPARQL itself.

Workers go first to the queries of clients that spent least query time in the last minute; a heavy client
holds at most a third of the workers (one at least); and when every worker is busy, a waiting query may stop
the query of a client that spent more once it has run the pool's fair share (1 s): that query is answered
"stopped to let other queries run" and its worker replaced by a warm one, so clients looping runaway queries
cannot hold every worker while others wait.
A worker without a store (``QueryPool(None)``) only checks queries, for a remote SPARQL server.
"""

from __future__ import annotations

import atexit
import json
import multiprocessing
import os
import re
import resource
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

# media types of the answers a worker can write, by query form
RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
RESULTS_CSV = "text/csv"
RESULTS_TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
JSON_LD = "application/ld+json"

RESULT_TYPES = (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)
GRAPH_TYPES = (TURTLE, N_TRIPLES, JSON_LD)
FAIR_SHARE = 1.0  # seconds a query runs before a waiting query of a client that spent less may stop it
HEAVY = 2.0  # seconds spent in the last minute from which a client's queries leave one worker to the others
HEAVY_NICENESS = 15  # a heavy client's query runs at this CPU priority: the cores go to the others' queries first


class QueryTimeout(Exception):
    """The query ran longer than its time limit; its worker was killed."""


class QueryBusy(Exception):
    """No worker became free in time to take the query."""


class QueryPreempted(QueryBusy):
    """The query was stopped after its fair share of a worker, for another client's query waiting."""


class QueryFailed(Exception):
    """The query was not answered: ``syntax`` (it does not parse), ``not-accepted`` (update, SERVICE, FROM),
    ``unacceptable`` (no format the client accepts), ``too-large`` (the answer exceeds its size limit),
    ``memory`` (the worker reached its memory limit), ``missing`` (no store), ``evaluation`` (anything else)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class QueryRequest:
    """One /sparql query and its limits: the answer's media type for each query form (None: the client
    accepts no format of that form), a deadline (time.monotonic()) that bounds it from arrival to answer,
    rows and bytes of the answer, and the client it is charged to."""

    sparql: str
    media_types: dict[str, str | None]
    timeout: float
    row_limit: int
    answer_limit: int = 16 << 20
    client: str | None = None
    spent: float = 0.0  # seconds of query time its client used in the last minute (web.client_budget)
    deadline: float = field(default=0.0)

    def __post_init__(self):
        if not self.deadline:
            self.deadline = time.monotonic() + self.timeout

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


@dataclass
class Answer:
    """A query's serialised answer: body, media type, how many rows (or triples), and the limit that cut it
    short (e.g. "row limit 1000"), None when whole."""

    body: bytes
    media_type: str
    rows: int
    truncated: str | None
    form: str = "SELECT"


# --- serialising solutions (in the worker) ------------------------------------------------------------


def _term_json(term) -> dict:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        found = {"type": "literal", "value": term.value}
        if term.language:
            found["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            found["datatype"] = term.datatype.value
        return found
    return {"type": "triple", "value": str(term)}  # RDF-star triple terms: written as text


def _csv_field(value: str) -> str:
    if any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _tsv_term(term: dict) -> str:
    value = term["value"]
    if term["type"] == "uri":
        return f"<{value}>"
    if term["type"] == "bnode":
        return f"_:{value}"
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    if "xml:lang" in term:
        return f'"{escaped}"@{term["xml:lang"]}'
    if "datatype" in term:
        return f'"{escaped}"^^<{term["datatype"]}>'
    return f'"{escaped}"'


def write_solutions(variables: list[str], rows: list[list[dict | None]], media_type: str) -> bytes:
    """SELECT solutions in one of the four SPARQL 1.1 results formats."""
    if media_type == RESULTS_JSON:
        bindings = [{v: t for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
        body = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if media_type == RESULTS_CSV:
        lines = [",".join(_csv_field(v) for v in variables)]
        lines += [",".join(_csv_field(t["value"]) if t else "" for t in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")
    if media_type == RESULTS_TSV:
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join(_tsv_term(t) if t else "" for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    if media_type == RESULTS_XML:
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
        out += [f"<variable name={quoteattr(v)}/>" for v in variables]
        out.append("</head>\n<results>")
        for row in rows:
            out.append("<result>")
            for variable, term in zip(variables, row, strict=True):
                if term is None:
                    continue
                value = xml_escape(_NOT_XML.sub("\ufffd", term["value"]))
                if term["type"] == "uri":
                    inner = f"<uri>{value}</uri>"
                elif term["type"] == "bnode":
                    inner = f"<bnode>{value}</bnode>"
                elif "xml:lang" in term:
                    inner = f"<literal xml:lang={quoteattr(term['xml:lang'])}>{value}</literal>"
                elif "datatype" in term:
                    inner = f"<literal datatype={quoteattr(term['datatype'])}>{value}</literal>"
                else:
                    inner = f"<literal>{value}</literal>"
                out.append(f"<binding name={quoteattr(variable)}>{inner}</binding>")
            out.append("</result>")
        out.append("</results>\n</sparql>\n")
        return "\n".join(out).encode("utf-8")
    raise ValueError(f"no results format {media_type}")


# characters XML 1.0 cannot hold, even as references (a query's "\u001B", or a label of a store built before the
# build replaced them): each is written as U+FFFD, where the results were no XML to any parser
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def write_boolean(answer: bool, media_type: str) -> bytes:
    """An ASK answer in one of the four SPARQL 1.1 results formats."""
    word = "true" if answer else "false"
    if media_type == RESULTS_JSON:
        return f'{{"head":{{}},"boolean":{word}}}'.encode()
    if media_type == RESULTS_XML:
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{word}</boolean></sparql>\n"
        ).encode()
    return f"_askResult\n{word}\n".encode()  # CSV/TSV: no standard form; the common convention


def write_triples(triples, media_type: str, prefixes: dict[str, str]) -> bytes:
    import pyoxigraph as ox

    rdf_format = {
        TURTLE: ox.RdfFormat.TURTLE,
        N_TRIPLES: ox.RdfFormat.N_TRIPLES,
        JSON_LD: ox.RdfFormat.JSON_LD,
    }
    if media_type == TURTLE:
        return ox.serialize(triples, format=rdf_format[media_type], prefixes=prefixes)
    return ox.serialize(triples, format=rdf_format[media_type])


# --- the worker process -------------------------------------------------------------------------------


class AnswerTooLarge(Exception):
    """Not even one row (or triple) of the answer fits its size limit."""


def _store_token(store_dir: str) -> tuple[int, int]:
    """Changes when a rebuild swaps a new store into place (a new CURRENT file)."""
    found = os.stat(Path(store_dir) / "CURRENT")
    return found.st_ino, found.st_mtime_ns


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):.3g} MB"


def _cut(items, row_limit: int, answer_limit: int, size_of) -> tuple[list, str | None]:
    """The first items of `items` within `row_limit` items and about `answer_limit` bytes (each item's size
    estimated by `size_of`), and the limit that cut them (None when all fit)."""
    kept, size = [], 0
    for item in items:
        if len(kept) >= row_limit:
            return kept, f"row limit {row_limit}"
        size += size_of(item)
        if size > answer_limit:
            if not kept:
                raise AnswerTooLarge(
                    f"its first row alone exceeds the answer size limit of {_megabytes(answer_limit)}"
                )
            return kept, f"answer size limit {_megabytes(answer_limit)}"
        kept.append(item)
    return kept, None


def _row_size(row: list[dict | None]) -> int:
    """About the bytes of a row in the results formats: its values in UTF-8 and some markup each."""
    return sum(len(t["value"].encode("utf-8")) + len(t.get("datatype", "")) + 32 for t in row if t) + 8


def _triple_size(triple) -> int:
    return len(str(triple).encode("utf-8")) + 4


def _within(rows: list, cut: str | None, answer_limit: int, write) -> tuple[bytes, list, str | None]:
    """`write(rows)`, with rows dropped from the end until it fits `answer_limit` bytes (the estimate that
    chose them can be short of the written markup)."""
    body = write(rows)
    while len(body) > answer_limit:
        if len(rows) <= 1:
            raise AnswerTooLarge(f"it exceeds the answer size limit of {_megabytes(answer_limit)}")
        rows = rows[: max(1, int(len(rows) * answer_limit / len(body) * 0.95))]
        cut = f"answer size limit {_megabytes(answer_limit)}"
        body = write(rows)
    return body, rows, cut


def run_query(store, request: dict) -> tuple:
    """Check and evaluate one request on `store` (a pyoxigraph Store; None: only check); the reply sent back
    to the pool."""
    import pyoxigraph as ox

    from web.query_check import QueryRefused, QuerySyntaxError, inspect_query

    try:
        form = inspect_query(request["query"])
    except QuerySyntaxError as error:
        return ("error", "syntax", str(error))
    except QueryRefused as error:
        return ("error", "not-accepted", str(error))
    media_type = request["media_types"].get(form)
    if media_type is None:
        return ("error", "unacceptable", form)
    if store is None:
        return ("checked", form, media_type)
    limit, answer_limit = request["row_limit"], request["answer_limit"]
    try:
        result = store.query(request["query"], prefixes=request["prefixes"], use_default_graph_as_union=True)
        if isinstance(result, ox.QueryBoolean):
            return ("ok", write_boolean(bool(result), media_type), 1, None, form, media_type)
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            width = range(len(variables))
            terms = ([_term_json(s[i]) if s[i] is not None else None for i in width] for s in result)
            rows, cut = _cut(terms, limit, answer_limit, _row_size)
            body, rows, cut = _within(
                rows, cut, answer_limit, lambda kept: write_solutions(variables, kept, media_type)
            )
        else:
            rows, cut = _cut(result, limit, answer_limit, _triple_size)
            body, rows, cut = _within(
                rows, cut, answer_limit, lambda kept: write_triples(kept, media_type, request["prefixes"])
            )
        return ("ok", body, len(rows), cut, form, media_type)
    except SyntaxError as error:
        return ("error", "syntax", str(error))
    except AnswerTooLarge as error:
        return ("error", "too-large", str(error))
    except MemoryError:
        return ("error", "memory", "")
    except Exception as error:  # evaluation errors (OSError, ValueError, …): reported, the worker lives on
        return ("error", "evaluation", f"{type(error).__name__}: {error}")


def worker_main(store_dir: str | None, conn, memory_mb: int | None = None) -> None:
    """Serve requests from `conn` until it closes, with the store at `store_dir` open read-only (None: only
    check queries), its address space limited to `memory_mb` MB."""
    import pyoxigraph as ox

    from web.query_check import inspect_query

    if memory_mb:
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    inspect_query("ASK {}")  # the parser's grammar built before the first query, not during it
    conn.send(("ready",))
    store, token = None, None
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if store_dir is not None:
                try:
                    current = _store_token(store_dir)
                except FileNotFoundError:
                    conn.send(("error", "missing", store_dir))
                    continue
                if store is None or current != token:  # first request, or the store was rebuilt
                    store, token = ox.Store.read_only(store_dir), current
            reply = run_query(store, request)
        except MemoryError:
            reply = ("error", "memory", "")
        except Exception as error:
            reply = ("error", "evaluation", f"{type(error).__name__}: {error}")
        conn.send(reply)


# --- the pool (in the web process) --------------------------------------------------------------------


class _Worker:
    def __init__(self, context, store_dir: str | None, memory_mb: int | None):
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=worker_main, args=(store_dir, child, memory_mb), daemon=True, name="lantian-sparql-worker"
        )
        self.process.start()
        child.close()
        self.client: str | None = None  # while busy: whose query it runs, since when, that client's
        self.started = 0.0  # spending before it, and whether that client was heavy
        self.spent = 0.0
        self.heavy = False
        self.preempted = False
        self.lowered = False  # running at HEAVY_NICENESS

    def set_niceness(self, niceness: int) -> bool:
        """Run at CPU priority `niceness`; False when not allowed (raising it back needs CAP_SYS_NICE)."""
        try:
            os.setpriority(os.PRIO_PROCESS, self.process.pid, niceness)
        except (OSError, TypeError):  # not permitted, or the process is gone
            return False
        self.lowered = niceness > 0
        return True

    def ready(self, timeout: float = 60.0) -> bool:
        """Wait for the worker's "ready" (its modules loaded, the parser built)."""
        try:
            return self.conn.poll(timeout) and self.conn.recv() == ("ready",)
        except (EOFError, OSError):
            return False

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    """`size` worker processes over one store (None: checking queries only); `run()` is safe to call from many
    threads at once. `memory_mb` limits each worker's address space.

    Fairness between clients, by what each spent of its budget in the last minute (QueryRequest.spent): an
    idle worker goes to the waiting query of the client that spent least; heavy clients' queries (of clients
    that spent `heavy` s or more) hold at most a third of the workers (one at least); and when every worker's query
    has run `fair_share` s, a waiting query may stop the one of a client that spent more (its worker is
    replaced by a warm one started in the background). A heavy client's query runs at a lower CPU priority
    (HEAVY_NICENESS), so on a busy machine the cores serve the other clients' queries first."""

    def __init__(
        self,
        store_dir: Path | str | None,
        size: int = 3,
        prefixes: dict[str, str] | None = None,
        memory_mb: int | None = None,
        fair_share: float = FAIR_SHARE,
        heavy: float = HEAVY,
    ):
        self.store_dir = None if store_dir is None else str(store_dir)
        self.prefixes = dict(prefixes or {})
        self.memory_mb = memory_mb
        self.size = size
        self.fair_share = fair_share
        self.heavy = heavy
        self.heavy_workers = max(1, size // 3)  # the most heavy clients' queries may hold at once
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded server
        self._changed = threading.Condition()  # a worker became idle, or was replaced
        self._idle: list[_Worker] = []
        self._busy: list[_Worker] = []
        self._waiting: list[QueryRequest] = []
        self._closed = False
        for _ in range(size):
            self._add()
        atexit.register(self.close)

    def _add(self) -> None:
        """Start a worker; it joins the idle ones once ready (in the background: nobody waits on its start)."""
        worker = _Worker(self._context, self.store_dir, self.memory_mb)

        def when_ready():
            if not worker.ready() or self._closed:
                worker.stop()
                return
            with self._changed:
                self._idle.append(worker)
                self._changed.notify_all()

        threading.Thread(target=when_ready, daemon=True, name="lantian-sparql-worker-start").start()

    def _spending(self, worker: _Worker, now: float) -> float:
        return worker.spent + (now - worker.started)

    def _may_take(self, request: QueryRequest) -> bool:
        """Whether `request` may take an idle worker now: the least spent of those waiting, and for a heavy
        client, not more than its share of the workers (a third, one at least)."""
        if any(other.spent < request.spent for other in self._waiting):
            return False
        if request.spent < self.heavy or self.size < 2:
            return True
        return sum(w.heavy for w in self._busy) < self.heavy_workers

    def _preempt(self, request: QueryRequest, now: float) -> None:
        """When every worker's query has run past its fair share, stop the one of the client that spent most,
        if that is more than `request`'s client."""
        if any(w.preempted or now - w.started <= self.fair_share for w in self._busy):
            return  # a worker is about to be free, or a replacement is on its way
        running = [w for w in self._busy if w.client != request.client]
        victim = max(running, key=lambda w: self._spending(w, now), default=None)
        if victim is not None and self._spending(victim, now) > request.spent:
            victim.preempted = True
            victim.process.kill()

    def _take(self, request: QueryRequest) -> _Worker:
        """An idle worker for `request`, waiting until its deadline (see the class's fairness rules)."""
        with self._changed:
            self._waiting.append(request)
            try:
                while True:
                    if self._closed:
                        raise QueryBusy("the query service is shutting down")
                    now = time.monotonic()
                    if self._idle and self._may_take(request):
                        worker = self._idle.pop()
                        worker.client, worker.started, worker.spent = request.client, now, request.spent
                        worker.heavy, worker.preempted = request.spent >= self.heavy, False
                        self._busy.append(worker)
                        if worker.heavy:  # the client ran heavy queries: its next one yields the cores
                            worker.set_niceness(HEAVY_NICENESS)
                        return worker
                    self._preempt(request, now)
                    if request.remaining() <= 0:
                        raise QueryBusy(f"all query workers stayed busy for {request.timeout:g} s")
                    self._changed.wait(min(request.remaining(), 0.05))
            finally:
                self._waiting.remove(request)
                self._changed.notify_all()

    def _release(self, worker: _Worker) -> None:
        with self._changed:
            self._busy.remove(worker)
            self._idle.append(worker)
            self._changed.notify_all()

    def _replace(self, worker: _Worker) -> None:
        """Kill `worker` (stuck in a query, or dead) and start a fresh one in its place."""
        with self._changed:
            if worker in self._busy:
                self._busy.remove(worker)
        worker.stop()
        if not self._closed:
            self._add()

    def check(self, request: QueryRequest) -> tuple[str, str]:
        """The form of `request`'s query and its media type, once checked safe (for a remote server)."""
        reply = self._exchange(request)
        return reply[1], reply[2]

    def run(self, request: QueryRequest) -> Answer:
        """Check and evaluate `request` by its deadline; QueryTimeout past it, QueryPreempted when stopped for
        another client, QueryFailed for anything the query was refused or failed for."""
        _, body, rows, cut, form, media_type = self._exchange(request)
        return Answer(body, media_type, rows, cut, form)

    def _exchange(self, request: QueryRequest) -> tuple:
        worker = self._take(request)
        message = {
            "query": request.sparql,
            "media_types": request.media_types,
            "row_limit": request.row_limit,
            "answer_limit": request.answer_limit,
            "prefixes": self.prefixes,
        }
        started = time.monotonic()
        try:
            worker.conn.send(message)
            if not worker.conn.poll(max(0.0, request.remaining())):
                raise QueryTimeout(
                    f"the query ran longer than the time limit of {request.timeout:g} s and was stopped"
                )
            reply = worker.conn.recv()
        except (QueryTimeout, EOFError, OSError) as error:
            # the worker is stuck in the query, was stopped for another client, or died: replace it
            self._replace(worker)
            seconds = time.monotonic() - started
            if isinstance(error, QueryTimeout):
                raise
            if worker.preempted:
                raise QueryPreempted(
                    f"the query was stopped after {seconds:.1f} s to let other clients' queries run "
                    "(every worker was busy)"
                ) from None
            if worker.process.exitcode == -signal.SIGABRT and self.memory_mb:
                raise QueryFailed("memory", self._memory_message()) from None
            raise QueryFailed("evaluation", f"the query worker failed after {seconds:.1f} s") from error
        if worker.preempted:  # answered just as it was stopped: the answer stands, the worker is gone
            self._replace(worker)
        elif worker.lowered and not worker.set_niceness(0):  # a worker that cannot be given back its priority
            self._replace(worker)
        else:
            self._release(worker)
        if reply[0] == "error":
            kind, detail = reply[1], reply[2]
            if kind == "memory":
                raise QueryFailed(kind, self._memory_message())
            raise QueryFailed(kind, detail)
        return reply

    def _memory_message(self) -> str:
        return f"the query needed more than the memory limit of {self.memory_mb} MB and was stopped"

    def close(self) -> None:
        self._closed = True
        with self._changed:
            workers, self._idle, self._busy = self._idle + self._busy, [], []
            self._changed.notify_all()
        for worker in workers:
            worker.stop()
