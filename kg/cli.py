"""The `kg` command line: build the store from plan files, query it, validate it.

Exit codes: 0 success; 1 the work failed (no plan could be loaded, the query failed, validation found
violations); 2 usage error (bad option or argument); 3 no store yet (run `kg build` first).
"""

from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path

import click
import pyoxigraph as ox
from click.core import ParameterSource
from rdflib import Graph
from rich.console import Console
from rich.table import Table
from tqdm import tqdm

from kg.store import (
    PREFIX_IRIS,
    StoreMissingError,
    bind_parameters,
    canned_queries,
    canned_queries_dir,
    default_store_dir,
    open_graph,
    open_store,
    read_canned_query,
    run_query,
)
from kg.texts import TaskTexts, task_texts

EXIT_FAILED, EXIT_USAGE, EXIT_NO_STORE = 1, 2, 3
DEFAULT_TIME_LIMIT = 120.0  # seconds to read one plan file (a 20 MB plan, the largest read, takes about 10)
OUT_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".trig": ox.RdfFormat.TRIG,
}

store_option = click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="LANTIAN_STORE",
    show_envvar=True,
    help="Store folder [default: $XDG_DATA_HOME/lantian/store, i.e. ~/.local/share/lantian/store].",
)


def _fail(message: str, code: int = EXIT_FAILED):
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _console() -> Console:
    # created per call so that it writes to the current sys.stdout (CliRunner replaces it)
    return Console(width=None if sys.stdout.isatty() else 200)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Lantian (蓝天): a knowledge graph of who must do what by when in air-pollution action plans."""


# --- build -----------------------------------------------------------------------------------------


def _summary_table(summaries: list[dict]) -> Table:
    headers = {
        "file": "file",
        "title": "title",
        "tasks": "tasks",
        "agencies": "agencies",
        "roles": "role assignments",
        "deadlines": "deadlines",
        "targets": "targets",
        "coverage": "coverage",
        "skipped": "skipped ¶",
        "warnings": "warnings",
    }
    table = Table(title="plans loaded")
    for key, header in headers.items():
        numeric = key not in ("file", "title")
        table.add_column(header, justify="right" if numeric else "left", no_wrap=key == "file")
    for row in summaries:
        table.add_row(*(str(row[key]) for key in headers))
    if len(summaries) > 1:
        totals = {
            key: sum(row[key] for row in summaries) if key != "coverage" else ""
            for key in headers
            if key not in ("file", "title")
        }
        table.add_section()
        table.add_row("total", f"{len(summaries)} plans", *(str(totals[key]) for key in totals))
    return table


def _print_details(console: Console, summaries: list[dict]) -> None:
    for summary in summaries:
        if not (summary["warning_texts"] or summary["skipped_paragraphs"]):
            continue
        console.print(f"\n[bold]{summary['file']}[/bold] {summary['title']}", highlight=False)
        for warning in summary["warning_texts"]:
            console.print(f"  warning: {warning}", highlight=False, markup=False)
        for start, end, reason, text in summary["skipped_paragraphs"]:
            text = text if len(text) <= 60 else text[:59] + "…"
            console.print(f"  skipped [{start}:{end}] ({reason}): {text}", highlight=False, markup=False)


def write_graph_file(store_dir: Path, out: Path) -> None:
    """Write the store's graph to `out`, format by extension: the union of the graphs as one graph, or, for
    TriG, the named graphs as they are (one per plan, and the cross-plan graph)."""
    from kg.namespaces import PREFIXES

    rdf_format = OUT_FORMATS[out.suffix.lower()]
    store = ox.Store.read_only(str(store_dir))
    quads = store.quads_for_pattern(None, None, None, None)
    data = quads if rdf_format == ox.RdfFormat.TRIG else (quad.triple for quad in quads)
    prefixes = None if rdf_format == ox.RdfFormat.N_TRIPLES else {k: str(v) for k, v in PREFIXES.items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    ox.serialize(data, str(out), rdf_format, prefixes=prefixes)


@main.command()
# readable=False: an unreadable path is one `error: PATH: …` line of the build, not a usage error
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the graph to FILE.")
@click.option(
    "--update",
    is_flag=True,
    help="Add these plans to the store, replacing the plans of the same files; keep every other plan.",
)
@click.option("--verbose", "-v", is_flag=True, help="Also list skipped paragraphs and warnings.")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0),
    default=DEFAULT_TIME_LIMIT,
    show_default=True,
    help="Seconds reading one file may take; a file taking longer is an error and the others load (0: none).",
)
@click.option(
    "--no-wait",
    is_flag=True,
    help="When another build holds the store, fail at once instead of waiting for it to finish.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes reading and extracting plans (default: one per core; the store is written by one).",
)
@store_option
def build(
    paths: tuple[Path, ...],
    out: Path | None,
    update: bool,
    verbose: bool,
    time_limit: float,
    no_wait: bool,
    jobs: int | None,
    store_dir: Path | None,
):
    """Load plan files (or folders; no PATH: the bundled corpus) and fill the store.

    The store then holds exactly these plans (with --update: these and the ones it held). Plans whose file
    and extraction code have not changed since the last build keep their graph without being read again.
    One build at a time holds a store: another waits for it (or with --no-wait fails).
    Formats for --out by extension: .ttl .nt .jsonld .trig.
    """
    from kg.corpus import NoPlanLoaded, build_store
    from kg.store import StoreBusy
    from loaders.corpus import discover

    if out is not None and out.suffix.lower() not in OUT_FORMATS:
        raise click.BadParameter(
            f"unknown extension {out.suffix!r}; use one of {' '.join(OUT_FORMATS)}", param_hint="--out"
        )
    store_dir = store_dir or default_store_dir()
    # `kill` (SIGTERM) stops a build as Ctrl-C does: the half-written store is deleted, the old one stays
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    files, problems = discover(paths)
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    summaries = []

    def on_plan(path, digest, problem):
        if problem is not None:
            click.echo(f"error: {problem}", err=True)
            return
        summaries.append(digest.summary)
        if not verbose:  # --verbose lists them with the details below
            for warning in digest.summary["warning_texts"]:
                click.echo(f"warning: {path}: {warning}", err=True)

    def progress(items):
        return tqdm(items, desc="loading plans", unit="plan", disable=None, file=sys.stderr)

    try:  # the old store stays in place until the new one is complete
        report = build_store(
            store_dir,
            files,
            update=update,
            time_limit=time_limit or None,
            wait=not no_wait,
            on_plan=on_plan,
            progress=progress,
            log=lambda m: click.echo(m, err=True),
            workers=jobs,
        )
    except StoreBusy as error:
        _fail(str(error))
    except NoPlanLoaded as error:
        _fail(
            f"no plan could be loaded ({len(problems) + len(error.problems)} problem(s)); the store was left unchanged"
        )
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if out is not None:
        write_graph_file(store_dir, out)
    console = _console()
    console.print(_summary_table(summaries))
    if verbose:
        _print_details(console, summaries)
    kept = len(report.digests) - report.loaded - report.reused
    click.echo(
        f"{report.triples} triples in store {store_dir}: {len(report.digests)} plan(s), {report.loaded} "
        f"extracted, {report.reused} unchanged"
        + (f", {kept} other(s) kept" if kept > 0 else "")
        + (f", {report.removed} removed" if report.removed else "")
        + (f"; graph written to {out}" if out else "")
    )
    failed = len(problems) + len(report.problems)
    if failed:
        click.echo(f"{failed} path(s) could not be loaded (see the errors above)", err=True)


# --- eval ------------------------------------------------------------------------------------------


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


@main.command("eval")
@click.argument("gold_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--plans",
    "plans_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of the plan files the gold names [default: the `plans` folder beside GOLD_DIR].",
)
@click.option("--verbose", "-v", is_flag=True, help="List each miss and each false positive with its text.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@store_option
def evaluate_command(
    gold_dir: Path, plans_dir: Path | None, verbose: bool, as_json: bool, store_dir: Path | None
):
    """Score extraction against gold annotations (GOLD_DIR/*.json): task recall, role P/R/F1, deadline F1,
    upper-plan recall, per file and in total. The plans are built into a temporary store (or --store)."""
    import json

    from kg.evaluate import evaluate

    result = evaluate(gold_dir, plans_dir, store_dir)
    for problem in result.problems:
        click.echo(f"error: {problem}", err=True)
    if as_json:
        figures = {name: score.figures() for name, score in result.files.items()}
        figures["total"] = result.total.figures()
        click.echo(json.dumps(figures, ensure_ascii=False, indent=1))
        return
    table = Table(
        "file", "tasks", "task recall", "role P", "role R", "role F1", "deadline F1", "upper recall"
    )
    rows = [*result.files.items(), ("total", result.total)]
    for name, score in rows:
        f = score.figures()
        table.add_row(
            name,
            f"{score.found_tasks}/{score.gold_tasks}",
            *(_figure(f[k]) for k in ("task_recall", "role_precision", "role_recall", "role_f1")),
            _figure(f["deadline_f1"]),
            _figure(f["upper_recall"]),
        )
    console = _console()
    console.print(table)
    if verbose:
        for name, score in result.files.items():
            if score.details:
                console.print(name, markup=False, highlight=False)
                for line in score.details:
                    console.print(line, markup=False, highlight=False)


# --- query -----------------------------------------------------------------------------------------


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # SPARQL text is often no valid file name
        return False


def _resolve_query(query: str, params: dict[str, str], texts: TaskTexts | None = None) -> str:
    """QUERY as SPARQL: a .rq file, the name of a canned query, or SPARQL text; parameters bound (a
    ``# search:`` parameter's tasks found in the store's task `texts`)."""
    path, canned = Path(query), canned_queries_dir() / f"{query}.rq"
    if query.endswith(".rq") or _is_file(path):
        if not _is_file(path):
            raise click.BadParameter(f"no such query file: {query}", param_hint="QUERY")
    elif _is_file(canned):
        path = canned
    else:
        return bind_parameters(query, params, texts)
    saved = read_canned_query(path)
    return bind_parameters(saved.sparql, saved.values(params), texts)


def _cell(term) -> str:
    """A result term as the table shows it: an IRI under a project prefix as prefix:name, a literal as its
    text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in PREFIX_IRIS.items():
            local = term.value[len(namespace) :]
            if (
                term.value.startswith(namespace)
                and re.fullmatch(r"[\w.-]*", local)
                and not local.endswith(".")
            ):
                return f"{prefix}:{local}"
        return term.value
    return term.value if isinstance(term, ox.Literal) else str(term)


@main.command()
@click.argument("query")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="Bind ?NAME (repeatable).")
@store_option
def query(query: str, fmt: str, params: tuple[str, ...], store_dir: Path | None):
    """Run a SPARQL query: a FILE.rq, a canned query's name (see `kg queries`), or SPARQL text."""
    values = {}
    for param in params:
        name, sep, value = param.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{param!r} is not NAME=VALUE", param_hint="--param")
        values[name.strip().lstrip("?$")] = value
    try:
        sparql = _resolve_query(query, values, task_texts(store_dir or default_store_dir()))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--param") from error
    try:
        with open_store(store_dir) as store:
            _print_result(run_query(store, sparql), fmt)
    except StoreMissingError as error:
        _fail(str(error), EXIT_NO_STORE)
    except (SyntaxError, ValueError, OSError) as error:
        _fail(f"query failed: {error}")


RESULT_FORMATS = {"csv": ox.QueryResultsFormat.CSV, "json": ox.QueryResultsFormat.JSON}
GRAPH_FORMATS = {"table": ox.RdfFormat.TURTLE, "csv": ox.RdfFormat.N_TRIPLES, "json": ox.RdfFormat.JSON_LD}


def _print_result(result, fmt: str) -> None:
    if isinstance(result, ox.QueryBoolean):
        answer = str(bool(result)).lower()
        click.echo(f'{{"head": {{}}, "boolean": {answer}}}' if fmt == "json" else answer)
    elif isinstance(result, ox.QueryTriples):
        turtle = fmt == "table"  # with the project's prefixes
        text = ox.serialize(
            result, format=GRAPH_FORMATS[fmt], **({"prefixes": PREFIX_IRIS} if turtle else {})
        )
        click.echo(text.decode("utf-8"))
    elif fmt in RESULT_FORMATS:
        click.echo(result.serialize(format=RESULT_FORMATS[fmt]).decode("utf-8"), nl=fmt == "json")
    else:
        names = [v.value for v in result.variables]
        table = Table(*names, show_lines=False)
        rows = 0
        for solution in result:
            table.add_row(*(_cell(solution[name]) for name in names))
            rows += 1
        console = _console()
        console.print(table, highlight=False)
        console.print(f"{rows} row(s)", highlight=False)


@main.command("queries")
def list_queries():
    """List the canned queries with their parameters."""
    for saved in canned_queries():
        click.echo(f"{saved.name}: {saved.title}")
        if saved.description:
            click.echo(f"    {saved.description}")
        for param in saved.params:
            default = f" [default: {param.default}]" if param.default is not None else ""
            click.echo(f"    --param {param.name}=…  {param.description}{default}")


REPORTS = ("overdue", "due-soon", "lead-gone", "gaps", "brokers", "timeline")
FACET_OPTIONS = ("plan", "place", "level", "role", "agency", "year")


@main.command()
@click.argument("name", type=click.Choice(REPORTS))
@click.option("--as-of", help="The date the report is as of, YYYY-MM-DD [default: today].")
@click.option("--days", type=click.IntRange(0, 36600), help="due-soon: the window in days [default: 90].")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json", "xlsx"]), default="table", show_default=True
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (xlsx: required)."
)
@click.option(
    "--table", "table_name", help="Which table of the report (overdue: tasks, agency, jurisdiction …)."
)
@click.option("--plan", multiple=True, help="Only this plan's (IRI, title or 文号; repeatable: any of them).")
@click.option("--place", multiple=True, help="Only this jurisdiction's (IRI or name; repeatable).")
@click.option("--level", multiple=True, help="Only plans of this level (prefecture, county …; repeatable).")
@click.option("--role", multiple=True, help="timeline of an agency: only this role (leads, supports …).")
@click.option("--agency", multiple=True, help="Only tasks this agency leads (timeline: the agency's tasks).")
@click.option("--year", multiple=True, help="Only deadlines in this year (repeatable).")
@click.option("--has-lead/--no-lead", default=None, help="Only tasks with (or without) a lead.")
@click.option(
    "--lead-gone/--lead-kept", default=None, help="Only tasks whose lead the reform replaced (or not)."
)
@click.option("--groups", is_flag=True, help="brokers: count collectives (各县市人民政府 …) too.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option(
    "--base-url", default="http://127.0.0.1:5000", show_default=True, help="The explorer links point to."
)
@store_option
def report(name: str, fmt: str, out: Path | None, store_dir: Path | None, base_url: str, **options):
    """An audit report (the explorer's /audit/NAME, same rows, filters and columns) as a table, CSV, JSON or
    XLSX; filters as the explorer's facets: several values of one are alternatives, filters combine."""
    from kg.store import store_exists

    store_dir = store_dir or default_store_dir()
    if not store_exists(store_dir):
        _fail(f"no store at {store_dir}: run `kg build` first", EXIT_NO_STORE)
    if fmt == "xlsx" and out is None:
        raise click.BadParameter("an XLSX report needs --out FILE", param_hint="--out")
    args = [(key, value) for key in FACET_OPTIONS for value in options[key]]
    for key in ("has_lead", "lead_gone"):
        if options[key] is not None:
            args.append((key, "1" if options[key] else "0"))
    args += [(k, str(options[k])) for k in ("as_of", "days") if options[k] is not None]
    args += [("table", options["table_name"])] if options["table_name"] else []
    args += [("groups", "1")] if options["groups"] else []
    args += [("lang", options["lang"])]
    if name == "timeline":  # the report's plan and agency: one each, not filters
        args = [(k, v) for k, v in args if k != "agency"] + [("agency", a) for a in options["agency"][:1]]
    body, messages = _report_body(name, fmt, args, store_dir, base_url)
    for message in messages:
        click.echo(f"note: {message}", err=True)
    if out is not None:
        out.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    elif isinstance(body, bytes):
        sys.stdout.buffer.write(body)
    else:
        click.echo(body, nl=False)


def _report_body(name: str, fmt: str, args: list, store_dir: Path, base_url: str):
    """The report through the explorer's list view (web.lists), in a request of its own (no server)."""
    from urllib.parse import urlencode

    from werkzeug.exceptions import HTTPException

    from web import create_app
    from web.audit import REPORTS as VIEWS
    from web.export import cell_value
    from web.lists import answer, selected_filters, serve

    app = create_app({"STORE": store_dir, "TESTING": True})
    with app.test_request_context(f"/audit/{name}?{urlencode(args)}", base_url=base_url):
        app.preprocess_request()  # the language
        view = VIEWS[name]
        try:
            messages: list = []
            params = view.params(messages)
            found = answer(view, params, selected_filters(view.facets, messages))
            notes = [m["text"] for m in messages]
            if fmt in ("csv", "xlsx", "json"):
                response = serve(view, fmt)
                return (response.get_data() if fmt == "xlsx" else response.get_data(as_text=True)), notes
        except HTTPException as error:
            _fail(str(error.description), EXIT_USAGE)
        tables = {t.ref: t for t in view.tables}
        table = tables.get(dict(args).get("table", view.list.ref)) or _fail(
            f"no table {dict(args)['table']!r} in {name}: {', '.join(tables)}", EXIT_USAGE
        )
        from web.i18n import t as message

        columns = [c for c in table.columns_for(params) if c[2] != "iri"]
        shown = Table(*(message("pg_" + label) for _key, label, _kind in columns), show_lines=False)
        rows = found.tables[table.key]
        for row in rows:
            shown.add_row(*(_report_cell(cell_value(row.get(key), kind)) for key, _label, kind in columns))
        console = Console(record=True, width=200, file=open(os.devnull, "w"))  # noqa: SIM115
        console.print(shown, highlight=False)
        return console.export_text() + f"{len(rows)} row(s)\n", notes


def _report_cell(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


# --- validate, serve -------------------------------------------------------------------------------


@main.command()
@store_option
def validate(store_dir: Path | None):
    """Check the store against the SHACL shapes; print violations (exit 1 if any)."""
    from kg.validate import validate as shacl_validate

    try:
        with open_graph(store_dir) as dataset:
            # pyshacl checks each named graph of a Dataset on its own: give it the union as one graph
            union = Graph()
            union.addN((s, p, o, union) for s, p, o, _ in dataset.quads())
            result = shacl_validate(union)
    except StoreMissingError as error:
        _fail(str(error), EXIT_NO_STORE)
    if result.conforms:
        click.echo("the store conforms to the shapes: no violations")
        return
    click.echo(result.text)
    _fail(f"{result.violations} violation(s)")


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def endpoint_auth_options(command):
    """The HTTP authentication options of commands that talk to a SPARQL server (`kg push`, `kg serve
    --endpoint`): --user/--password (Basic, or Digest with --digest) or --token (Bearer)."""
    for option in reversed(
        (
            click.option(
                "--user", help="User name for HTTP authentication (Basic, or Digest with --digest)."
            ),
            click.option(
                "--password", envvar="LANTIAN_PUSH_PASSWORD", show_envvar=True, help="Password for --user."
            ),
            click.option(
                "--token",
                envvar="LANTIAN_PUSH_TOKEN",
                show_envvar=True,
                help="Bearer token (instead of --user).",
            ),
            click.option(
                "--digest", is_flag=True, help="HTTP Digest authentication instead of Basic (Virtuoso)."
            ),
        )
    ):
        command = option(command)
    return command


def check_endpoint_auth(
    endpoint: str, user: str | None, password: str | None, token: str | None, digest: bool
):
    """Usage errors for an endpoint URL and its authentication options (see `endpoint_auth_options`)."""
    if token and user:
        raise click.UsageError("give either --user/--password or --token, not both")
    if password is not None and user is None:
        raise click.UsageError("--password needs --user")
    if digest and user is None:
        raise click.UsageError("--digest needs --user and --password")
    if not endpoint.startswith(("http://", "https://")):
        raise click.BadParameter(f"{endpoint!r} is not an http(s) URL", param_hint="--endpoint")


def _recover_store(store_dir: Path) -> None:
    """Before `kg serve` looks for the store: put back a store a dead build left aside (so it is not taken for
    missing and replaced by the bundled plans). With no store there, a build running now is waited for (it
    makes one); with one, a build running now is left alone and the store served as it is."""
    from kg.store import StoreBusy, build_lock, recover_store, store_exists

    def say(message: str) -> None:
        click.echo(message, err=True)

    try:
        with build_lock(store_dir, wait=not store_exists(store_dir), on_wait=say):
            for message in recover_store(store_dir):
                say(message)
    except StoreBusy:
        pass
    except (
        OSError
    ) as error:  # a store in a folder we may only read: a build cannot have left anything of ours
        say(
            f"warning: the store's lock file cannot be written ({error}): not checked for a build left undone"
        )


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. WARNING: any address but 127.0.0.1 (e.g. 0.0.0.0) exposes the explorer and the "
    "SPARQL endpoint to the network, with no login; do that only behind a firewall or a reverse proxy you control.",
)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--query-timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Time limit of one SPARQL query, in seconds, parsing included.",
)
@click.option(
    "--row-limit", default=10000, show_default=True, type=click.IntRange(min=1), help="Rows per query."
)
@click.option(
    "--max-answer-mb",
    default=16.0,
    show_default=True,
    type=click.FloatRange(min=0.001),
    help="Bytes of one SPARQL answer, in MB: a longer one is cut (header X-Result-Truncated), 413 when not one "
    "row fits.",
)
@click.option(
    "--query-memory-mb",
    default=2048,
    show_default=True,
    type=click.IntRange(min=0),
    help="Memory (address space) of each SPARQL query worker, in MB; a query needing more is stopped (503). "
    "0: no limit.",
)
@click.option(
    "--client-budget",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds of SPARQL query time each client (network address) may use per minute; then 429 with "
    "Retry-After.",
)
@click.option("--threads", default=24, show_default=True, type=click.IntRange(min=1), help="Request threads.")
@click.option(
    "--endpoint",
    metavar="URL",
    help="Read the graph from this SPARQL 1.1 query endpoint instead of the store, e.g. http://host:7878/query "
    "(Oxigraph, started with --union-default-graph), http://host:3030/DATASET/query (Fuseki), "
    "http://host:8890/sparql (Virtuoso).",
)
@endpoint_auth_options
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    help="With --endpoint: seconds allowed for each request to the server, which is also the time limit of "
    "/sparql queries [default: --query-timeout].",
)
@click.option(
    "--cache-ttl",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="With --endpoint: seconds the explorer keeps the server's answers before asking again.",
)
@store_option
def serve(
    host: str,
    port: int,
    query_timeout: float,
    row_limit: int,
    max_answer_mb: float,
    query_memory_mb: int,
    client_budget: float,
    threads: int,
    endpoint: str | None,
    user: str | None,
    password: str | None,
    token: str | None,
    digest: bool,
    timeout: float | None,
    cache_ttl: float,
    store_dir: Path | None,
):
    """Serve the explorer and the SPARQL endpoint at http://HOST:PORT (builds the bundled plans first if
    there is no store yet), or with --endpoint URL the same explorer over a remote SPARQL server (see
    `kg push`). Stop with Ctrl-C."""
    import waitress

    from kg.corpus import extracted_by_other_code
    from kg.store import store_exists
    from web import create_app

    if endpoint is None:
        given = click.get_current_context().get_parameter_source  # $LANTIAN_PUSH_* alone is no mistake
        named = [
            n
            for n in ("user", "password", "token", "digest", "timeout")
            if given(n) is ParameterSource.COMMANDLINE
        ]
        if named:
            raise click.UsageError(f"--{', --'.join(named)} need(s) --endpoint")
    config = {
        "QUERY_TIMEOUT": query_timeout,
        "ROW_LIMIT": row_limit,
        "MAX_ANSWER_MB": max_answer_mb,
        "QUERY_MEMORY_MB": query_memory_mb or None,
        "CLIENT_BUDGET": client_budget,
    }
    if endpoint is not None:
        check_endpoint_auth(endpoint, user, password, token, digest)
        config |= {
            "ENDPOINT": endpoint,
            "ENDPOINT_USER": user,
            "ENDPOINT_PASSWORD": password,
            "ENDPOINT_TOKEN": token,
            "ENDPOINT_DIGEST": digest,
            "QUERY_TIMEOUT": timeout or query_timeout,
            "CACHE_TTL": cache_ttl,
        }
        reading = f"SPARQL endpoint {endpoint}"
    else:
        store_dir = store_dir or default_store_dir()
        _recover_store(store_dir)
        if not store_exists(store_dir):
            click.echo(f"no store at {store_dir} yet: building the bundled plans first", err=True)
            click.get_current_context().invoke(build, paths=(), out=None, verbose=False, store_dir=store_dir)
        elif extracted_by_other_code(store_dir):
            click.echo(
                f"warning: the store at {store_dir} was built by another version of Lantian's extraction: its "
                "IRIs, labels and counts may differ from this version's; run `kg build` on its plans (the "
                "bundled ones: `kg build`) to rebuild it",
                err=True,
            )
        config["STORE"] = store_dir
        reading = f"store {store_dir}"
    if host not in LOOPBACK_HOSTS:
        click.echo(
            f"warning: listening on {host}: the explorer and SPARQL endpoint are reachable from the network, "
            "with no login",
            err=True,
        )
    app = create_app(config)
    if endpoint is not None:
        from web.graph_source import GraphUnavailable

        try:
            app.extensions["repository"].source.ask("ASK {}")
        except GraphUnavailable as error:
            click.echo(f"warning: {error}; the pages will say so until it answers", err=True)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"serving the Lantian explorer on http://{shown}:{port}/ ({reading}); Ctrl-C stops", err=True)
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="lantian", connection_limit=200)
    finally:
        pool = app.extensions.get("sparql_pool")
        if pool is not None:
            pool.close()


# --- push ------------------------------------------------------------------------------------------


@main.command()
@click.option(
    "--endpoint",
    required=True,
    metavar="URL",
    help="The server's SPARQL 1.1 Graph Store endpoint, e.g. http://host:7878/store (Oxigraph), "
    "http://host:3030/DATASET/data (Fuseki), http://host:8890/sparql-graph-crud-auth (Virtuoso).",
)
@endpoint_auth_options
@click.option(
    "--timeout",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds per request, from connecting to the last byte of the answer.",
)
@click.option(
    "--retries",
    default=3,
    show_default=True,
    type=click.IntRange(min=0),
    help="Retries of a request after a connection error, timeout or 5xx answer (backoff 0.5 s, doubling).",
)
@click.option(
    "--prune",
    is_flag=True,
    help="After every graph was pushed, delete the server's Lantian plan graphs (IRI https://w3id.org/lantian/"
    "id/plan/KEY/graph, or id/graph/default) of plans the store no longer holds; no other graph is touched. "
    "The graphs are listed through the server's SPARQL query endpoint (--query-endpoint).",
)
@click.option(
    "--query-endpoint",
    metavar="URL",
    help="The server's SPARQL query endpoint, which --prune asks for the graphs it holds (same authentication "
    "as --endpoint). Default: from --endpoint: .../store -> .../query (Oxigraph), .../DATASET/data -> "
    ".../DATASET/query (Fuseki), .../sparql-graph-crud[-auth] -> .../sparql[-auth] (Virtuoso), "
    ".../repositories/R/rdf-graphs/service -> .../repositories/R (GraphDB); any other --endpoint needs it.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="With --prune: send nothing and delete nothing; list the graphs --prune would delete. Needs no "
    "--allow-empty-store: for a store holding no plan it lists them all and says the real push would be refused.",
)
@click.option(
    "--allow-empty-store",
    is_flag=True,
    help="Push even a store that holds no plan (no plan graph, empty default graph). Without it such a push is "
    "refused before anything is sent (exit 1): it would replace the server's cross-plan graph with the store's "
    "and, with --prune, delete every Lantian plan graph on the server; a wrong --store is the usual cause.",
)
@click.option("--verbose", "-v", is_flag=True, help="With --prune: list each graph deleted.")
@store_option
def push(
    endpoint: str,
    user: str | None,
    password: str | None,
    token: str | None,
    digest: bool,
    timeout: float,
    retries: int,
    prune: bool,
    query_endpoint: str | None,
    dry_run: bool,
    allow_empty_store: bool,
    verbose: bool,
    store_dir: Path | None,
):
    """Load the store into a SPARQL 1.1 server: one named graph per plan (the plan's IRI + "/graph") and one
    cross-plan graph, each replaced atomically by an HTTP PUT of N-Triples (Graph Store HTTP Protocol).
    With --prune, then delete the server's graphs of plans no longer in the store. A store holding no plan is
    refused unless --allow-empty-store."""
    from kg.push import (
        EmptyStoreError,
        GraphStoreClient,
        PushError,
        SparqlQueryClient,
        default_query_endpoint,
        holds_plans,
        store_graphs,
    )
    from kg.push import prune as prune_graphs
    from kg.push import push as push_graphs

    check_endpoint_auth(endpoint, user, password, token, digest)
    if not prune:
        named = [name for name, given in (("query-endpoint", query_endpoint), ("dry-run", dry_run)) if given]
        if named:
            raise click.UsageError(f"--{', --'.join(named)} need(s) --prune")
    auth = dict(user=user, password=password, token=token, digest=digest, timeout=timeout, retries=retries)
    client = GraphStoreClient(endpoint, **auth)
    query = None
    if prune:
        query_endpoint = query_endpoint or default_query_endpoint(endpoint)
        if query_endpoint is None:
            raise click.UsageError(
                f"--prune needs --query-endpoint: no query endpoint is known for {endpoint} "
                "(known: Oxigraph .../store, Fuseki .../DATASET/data, Virtuoso .../sparql-graph-crud[-auth], "
                "GraphDB .../rdf-graphs/service)"
            )
        if not query_endpoint.startswith(("http://", "https://")):
            raise click.BadParameter(
                f"{query_endpoint!r} is not an http(s) URL", param_hint="--query-endpoint"
            )
        query = SparqlQueryClient(query_endpoint, **auth)

    store_dir = store_dir or default_store_dir()
    try:
        kept = store_graphs(store_dir)  # before anything is sent: a missing store fails here
    except StoreMissingError as error:
        _fail(str(error), EXIT_NO_STORE)
    refused = not holds_plans(kept) and not allow_empty_store
    if refused and not dry_run:
        doomed = None
        if prune:  # say how many graphs the prune would delete
            try:
                doomed = prune_graphs(client, query, kept, dry_run=True).stale
            except PushError as error:
                refusal = EmptyStoreError.of_store(store_dir, endpoint)
                _fail(f"{refusal} (listing the server's graphs failed: {error})")
        _fail(str(EmptyStoreError.of_store(store_dir, endpoint, doomed)))

    if dry_run:
        try:
            report = prune_graphs(client, query, kept, dry_run=True)
        except PushError as error:
            _fail(f"prune dry run against {query_endpoint} failed: {error}")
        click.echo(
            f"dry run, nothing sent or deleted: --prune would delete {len(report.stale)} graph(s) of plans "
            f"not in the store from {endpoint} ({len(report.listed)} Lantian graph(s) listed by {query_endpoint})"
        )
        for graph in report.stale:
            click.echo(f"  {graph}")
        if refused:
            click.echo(
                f"note: the store at {store_dir} holds no plan: without --allow-empty-store, kg push --prune "
                "refuses to push it and deletes nothing"
            )
        return

    def progress(plans):
        return tqdm(plans, desc="pushing plan graphs", unit="graph", disable=None, file=sys.stderr)

    try:
        pushed = push_graphs(client, store_dir, progress=progress, allow_empty=allow_empty_store)
    except StoreMissingError as error:
        _fail(str(error), EXIT_NO_STORE)
    except PushError as error:
        _fail(f"push to {endpoint} failed: {error}")
    plans = sum(1 for graph in pushed if graph.plan is not None)
    triples = sum(graph.triples for graph in pushed)
    click.echo(
        f"pushed {plans} plan graph(s) and the cross-plan graph ({pushed[-1].triples} triples), "
        f"{triples} triples in all, to {endpoint}"
    )
    if not prune:
        return
    kept = {graph.graph for graph in pushed}
    try:
        just_pushed = {graph.graph for graph in pushed if graph.triples}
        report = prune_graphs(client, query, kept, just_pushed, allow_empty=allow_empty_store)
    except PushError as error:
        _fail(f"the push to {endpoint} is done, but the prune failed: {error}")
    click.echo(
        f"pruned {len(report.deleted)} graph(s) of plans no longer in the store from {endpoint} "
        f"({len(report.listed)} Lantian graph(s) listed by {query_endpoint})"
    )
    if verbose:
        for graph in report.deleted:
            click.echo(f"  deleted {graph}")


if __name__ == "__main__":  # pragma: no cover
    main()
