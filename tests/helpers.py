"""Helpers several test files share: the `kg query` runner, a plan written to attack the pages, and real
server processes on free loopback ports (an Oxigraph server, the explorer)."""

import csv
import http.server
import io
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from SPARQLWrapper import JSON, SPARQLWrapper

from kg.cli import main


def ask(store, name: str, **params: str) -> list[dict[str, str]]:
    """Rows of a canned query (or query file/text) run by `kg query --format csv` on `store`."""
    args = ["query", name, "--format", "csv", "--store", str(store)]
    for key, value in params.items():
        args += ["--param", f"{key}={value}"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


# a plan whose title, task text and agency names carry markup: every page must show it as text
HOSTILE_PLAN = """<script>alert(1)</script>市打赢蓝天保卫战三年行动方案

　　为打赢蓝天保卫战，根据《国务院关于印发打赢蓝天保卫战三年行动计划的通知》（国发〔2018〕22号）精神，制定本方案。

　　一、主要任务

　　（一）调整产业结构

　　1. 整治<script>alert(1)</script>企业。全面排查“散乱污”企业，2019年底前完成。（牵头单位：市<script>alert(1)</script>局；责任单位：市工信局、各县区人民政府）

　　2. 推进清洁取暖<img src=x onerror=alert(2)>。2020年10月底前完成改造。（牵头单位：市环保局；配合单位：市工信局）
"""


# --- server processes on loopback ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def oxigraph_command() -> str:
    found = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if not found:
        pytest.fail("the `oxigraph` command is missing: install the test extras (pip install -e '.[test]')")
    return found


@contextmanager
def server_process(args: list[str], ready_url: str, log_path: Path, env: dict | None = None) -> Iterator:
    """Run `args` until the block ends; wait (up to 60 s) until `ready_url` answers 200 first."""
    log = log_path.open("wb")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(ready_url, timeout=5) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{args[0]} did not answer at {ready_url}: {log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def oxigraph_server(data: Path, *extra: str) -> Iterator[str]:
    """A real Oxigraph server (`oxigraph serve`) on a free loopback port over the folder `data`, querying the
    union of its graphs by default (as `kg serve --endpoint` expects); its base URL (/query, /store)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [oxigraph_command(), "serve", "--location", str(data / "db"), "--bind", f"127.0.0.1:{port}"]
    with server_process(
        [*args, "--union-default-graph", *extra], f"{base}/query?query=ASK%7B%7D", data / "log"
    ):
        yield base


@contextmanager
def scripted_server(
    handler: type[http.server.BaseHTTPRequestHandler], path: str, host: str = "127.0.0.1"
) -> Iterator[str]:
    """A loopback HTTP server answering with `handler` in a thread on `host` (any 127.x.y.z); yields its URL
    with `path`."""
    server = http.server.ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_address[1]}{path}"
    finally:
        server.shutdown()
        server.server_close()


# --- a SPARQL server the tests push to -------------------------------------------------------------------


def push_cli(base: str, store: Path, *extra: str):
    """`kg push` of `store` to the Oxigraph server at `base` (its /store endpoint)."""
    return CliRunner().invoke(main, ["push", "--endpoint", f"{base}/store", "--store", str(store), *extra])


def server_rows(base: str, sparql: str) -> list[dict[str, str]]:
    """A SELECT on the server at `base` (its /query endpoint), each row's values as strings."""
    client = SPARQLWrapper(f"{base}/query")
    client.setReturnFormat(JSON)
    client.setQuery(sparql)
    rows = client.queryAndConvert()["results"]["bindings"]
    return [{name: cell["value"] for name, cell in row.items()} for row in rows]


def graph_sizes(base: str) -> dict[str, int]:
    """Each named graph on the server at `base` and its number of triples."""
    rows = server_rows(base, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {row["g"]: int(row["n"]) for row in rows}


@contextmanager
def serving(app, threads: int = 8) -> Iterator[int]:
    """`app` served by waitress (as `kg serve` does) on a free loopback port in this process; yields the port."""
    import waitress.server

    server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=threads)
    stopping = threading.Event()

    def run():
        try:
            server.run()
        except OSError:  # its loop's select() on the sockets closed below: waitress has no other way to stop
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:
        stopping.set()
        server.close()
        thread.join(timeout=10)


def http_get(port: int, path: str, source: str = "127.0.0.1", timeout: float = 30, **headers: str):
    """GET `path` from the server on `port`, from the loopback address `source` (each 127.x.y.z is a client
    of its own); the status, headers and body (text)."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def parts_sorted(rows: list[tuple]) -> list[tuple]:
    """The rows with each concatenated cell's parts sorted (GROUP_CONCAT joins them in the evaluation's order)."""
    out = []
    for row in rows:
        cells = []
        for cell in row:
            if isinstance(cell, str):
                for separator in ("、", "；"):
                    if separator in cell:
                        cell = separator.join(sorted(cell.split(separator)))
                        break
            cells.append(cell)
        out.append(tuple(cells))
    return out


def assert_each_refused(folder, expected: dict[str, str]) -> None:
    """Each file `name` of `folder` is refused by read_plan with an error naming it and holding `words`."""
    import pytest

    from loaders.reading import PlanInputError, read_plan

    for name, words in expected.items():
        with pytest.raises(PlanInputError) as error:
            read_plan(folder / name)
        assert str(error.value).startswith(str(folder / name)) and words in str(error.value), str(error.value)


def assert_each_named(stderr: str, expected: dict[str, str]) -> None:
    """kg build's error output has a line "error: …" naming each file `name` with `words`."""
    for name, words in expected.items():
        assert any(
            line.startswith("error: ") and name in line and words in line for line in stderr.splitlines()
        ), (name, stderr)
