"""Run user SPARQL queries where they can be stopped: a small pool of worker processes, each holding the
store open read-only, killed and replaced when a query outlives its time limit. Queries see the union of
all the store's graphs as their default graph (one named graph per plan and a shared graph).

pyoxigraph's ``Store.query()`` takes no timeout and cannot be interrupted (it only returns to Python when
done), so the only way to bound a query is to run it in a process the server may kill. Each worker
answers one request at a time over a pipe: it runs the query, stops reading results at the row limit and
returns the answer already serialised in the format the client negotiated. The web process never
evaluates user SPARQL itself.
"""

from __future__ import annotations

import atexit
import json
import multiprocessing
import os
import queue
import threading
import time
from dataclasses import dataclass
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


class QueryTimeout(Exception):
    """The query ran longer than its time limit; its worker was killed."""


class QueryBusy(Exception):
    """No worker became free in time to take the query."""


class QueryFailed(Exception):
    """Oxigraph rejected the query (``syntax``) or failed while evaluating it (``evaluation``)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class Answer:
    """A query's serialised answer: body, media type, how many rows (or triples) and whether cut short."""

    body: bytes
    media_type: str
    rows: int
    truncated: bool


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
                value = xml_escape(term["value"])
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


def _store_token(store_dir: str) -> tuple[int, int]:
    """Changes when a rebuild swaps a new store into place (a new CURRENT file)."""
    found = os.stat(Path(store_dir) / "CURRENT")
    return found.st_ino, found.st_mtime_ns


def run_query(store, request: dict) -> tuple:
    """Evaluate one request on `store` (a pyoxigraph Store); the reply sent back to the pool."""
    import pyoxigraph as ox

    limit, media_type = request["row_limit"], request["media_type"]
    try:
        result = store.query(request["query"], prefixes=request["prefixes"], use_default_graph_as_union=True)
        if isinstance(result, ox.QueryBoolean):
            return ("ok", write_boolean(bool(result), media_type), 1, False)
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows, truncated = [], False
            for solution in result:
                if len(rows) >= limit:
                    truncated = True
                    break
                rows.append(
                    [
                        _term_json(solution[i]) if solution[i] is not None else None
                        for i in range(len(variables))
                    ]
                )
            return ("ok", write_solutions(variables, rows, media_type), len(rows), truncated)
        triples, truncated = [], False
        for triple in result:
            if len(triples) >= limit:
                truncated = True
                break
            triples.append(triple)
        return ("ok", write_triples(triples, media_type, request["prefixes"]), len(triples), truncated)
    except SyntaxError as error:
        return ("error", "syntax", str(error))
    except Exception as error:  # evaluation errors (OSError, ValueError, …): reported, the worker lives on
        return ("error", "evaluation", f"{type(error).__name__}: {error}")


def worker_main(store_dir: str, conn) -> None:
    """Serve requests from `conn` until it closes, with the store at `store_dir` open read-only."""
    import pyoxigraph as ox

    store, token = None, None
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            current = _store_token(store_dir)
            if store is None or current != token:  # first request, or the store was rebuilt
                store, token = ox.Store.read_only(store_dir), current
            reply = run_query(store, request)
        except Exception as error:
            reply = ("error", "evaluation", f"{type(error).__name__}: {error}")
        conn.send(reply)


# --- the pool (in the web process) --------------------------------------------------------------------


class _Worker:
    def __init__(self, context, store_dir: str):
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=worker_main, args=(store_dir, child), daemon=True, name="lantian-sparql-worker"
        )
        self.process.start()
        child.close()

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    """`size` worker processes over one store; `run()` is safe to call from many threads at once."""

    def __init__(self, store_dir: Path | str, size: int = 3, prefixes: dict[str, str] | None = None):
        self.store_dir = str(store_dir)
        self.prefixes = dict(prefixes or {})
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded server
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._add()
        atexit.register(self.close)

    def _add(self) -> None:
        worker = _Worker(self._context, self.store_dir)
        with self._lock:
            self._workers.append(worker)
        self._idle.put(worker)

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
        worker.stop()

    def run(self, sparql: str, media_type: str, timeout: float, row_limit: int) -> Answer:
        """Evaluate `sparql`, answer in `media_type`; QueryTimeout after `timeout` s of evaluation."""
        if self._closed:
            raise QueryBusy("the query service is shutting down")
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryBusy(f"all query workers stayed busy for {timeout:g} s") from None
        request = {
            "query": sparql,
            "media_type": media_type,
            "row_limit": row_limit,
            "prefixes": self.prefixes,
        }
        started = time.monotonic()
        try:
            worker.conn.send(request)
            if not worker.conn.poll(timeout):
                raise QueryTimeout(
                    f"the query ran longer than the time limit of {timeout:g} s and was stopped"
                )
            reply = worker.conn.recv()
        except (QueryTimeout, EOFError, OSError, BrokenPipeError) as error:
            # the worker is stuck in the query (or died): kill it and put a fresh one in its place
            self._retire(worker)
            if not self._closed:
                self._add()
            if isinstance(error, QueryTimeout):
                raise
            raise QueryFailed(
                "evaluation", f"the query worker failed after {time.monotonic() - started:.1f} s"
            ) from error
        self._idle.put(worker)
        if reply[0] == "error":
            raise QueryFailed(reply[1], reply[2])
        _, body, rows, truncated = reply
        return Answer(body, media_type, rows, truncated)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop()
