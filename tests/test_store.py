"""The store: default location, safe replacement on rebuild, read-only opening, query parameters."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import RDFS, Graph, Literal, URIRef

from kg.cli import main
from kg.store import (
    StoreMissingError,
    bind_parameters,
    count_triples,
    default_store_dir,
    open_graph,
    read_canned_query,
    write_store,
)

EX = "http://example.org/"
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")


def labels(store: Path) -> set[str]:
    with open_graph(store) as graph:
        return {str(row[0]) for row in graph.query(f"SELECT ?l WHERE {{ ?s <{RDFS.label}> ?l }}")}


def labelled(*names: str) -> Graph:
    graph = Graph()
    for name in names:
        graph.add((URIRef(EX + name), RDFS.label, Literal(name, lang="zh")))
    return graph


def failing_triples(n: int, error: BaseException):
    for i in range(n):
        yield URIRef(f"{EX}new{i}"), RDFS.label, Literal(f"new{i}")
    raise error


def test_default_location_follows_env_then_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("LANTIAN_STORE", str(tmp_path / "mine"))
    assert default_store_dir() == tmp_path / "mine"
    monkeypatch.delenv("LANTIAN_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_store_dir() == tmp_path / "xdg" / "lantian" / "store"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_store_dir() == tmp_path / "home" / ".local" / "share" / "lantian" / "store"


def test_written_graph_answers_queries_with_language_tags_kept(tmp_path):
    store = tmp_path / "store"
    assert write_store(store, labelled("红河州", "钦州市")) == 2
    with open_graph(store) as graph:
        rows = list(graph.query("SELECT ?l WHERE { ?s ?p ?l } ORDER BY ?l"))
    assert {row[0].language for row in rows} == {"zh"}
    assert labels(store) == {"红河州", "钦州市"}
    assert count_triples(store) == 2


def test_rebuild_replaces_the_graph_and_leaves_no_temporary_folders(tmp_path):
    store = tmp_path / "store"
    write_store(store, labelled("old"))
    write_store(store, labelled("new1", "new2"))
    assert labels(store) == {"new1", "new2"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


@pytest.mark.parametrize("error", [RuntimeError("extraction crashed"), KeyboardInterrupt()])
def test_a_build_failing_midway_leaves_the_previous_store_intact(tmp_path, error):
    store = tmp_path / "store"
    write_store(store, labelled("old"))
    with pytest.raises(type(error)):
        write_store(store, failing_triples(1000, error))
    assert labels(store) == {"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_a_reader_keeps_its_view_while_the_store_is_rebuilt(tmp_path):
    store = tmp_path / "store"
    write_store(store, labelled("old"))
    with open_graph(store) as graph:
        write_store(store, labelled("new"))
        assert [str(r[0]) for r in graph.query("SELECT ?l WHERE { ?s ?p ?l }")] == ["old"]
    assert labels(store) == {"new"}


def test_opening_a_missing_store_says_to_build_first(tmp_path):
    with pytest.raises(StoreMissingError, match="kg build"), open_graph(tmp_path / "nothing"):
        pass


def test_cli_build_failing_midway_keeps_the_old_store_answering(tmp_path, monkeypatch):
    store = tmp_path / "store"
    write_store(store, labelled("previous-build"))
    import kg.build

    def crash_midway(plan):
        yield from labelled(plan.title)
        raise RuntimeError("disk full")

    monkeypatch.setattr(kg.build, "plan_triples", crash_midway)
    result = CliRunner().invoke(main, ["build", "--store", str(store)])
    assert result.exit_code != 0
    query = CliRunner().invoke(
        main, ["query", "SELECT ?l WHERE { ?s rdfs:label ?l }", "--format", "csv", "--store", str(store)]
    )
    assert query.exit_code == 0, query.output
    assert query.stdout.split() == ["l", "previous-build"]


# --- parameters ------------------------------------------------------------------------------------


def test_parameter_values_are_bound_in_the_outer_where_clause():
    sparql = "# where { in a comment\nSELECT ?x WHERE { ?x ?p ?o { SELECT ?o WHERE { ?o ?q ?r } } }"
    bound = bind_parameters(sparql, {"x": "a"})
    assert bound.index('VALUES ?x { "a" }') < bound.index("SELECT ?o")
    assert bound.index('VALUES ?x { "a" }') > bound.index("SELECT ?x WHERE")


def test_binding_a_variable_the_query_lacks_is_refused():
    with pytest.raises(ValueError, match=r"\?agency"):
        bind_parameters("SELECT ?x WHERE { ?x ?p ?o }", {"agency": "x"})


@pytest.mark.parametrize("value", ['州"环保"局', "back\\slash", "两行\n文字", "2020-12-31", "42"])
def test_parameter_values_round_trip_through_the_store(tmp_path, value):
    store = tmp_path / "store"
    subject = URIRef(EX + "thing")
    write_store(store, [(subject, RDFS.comment, Literal(value))])
    sparql = bind_parameters("SELECT ?s WHERE { ?s ?p ?o FILTER(STR(?o) = STR(?v)) }", {"v": value})
    with open_graph(store) as graph:
        assert [row[0] for row in graph.query(sparql)] == [subject]


def test_date_parameters_compare_as_dates(tmp_path):
    store = tmp_path / "store"
    write_store(
        store,
        [(URIRef(EX + d), RDFS.comment, Literal(d, datatype=XSD_DATE)) for d in ("2019-06-30", "2020-12-31")],
    )
    sparql = bind_parameters(
        "SELECT ?s WHERE { ?s ?p ?due FILTER(?due < ?before) }", {"before": "2020-01-01"}
    )
    with open_graph(store) as graph:
        assert [str(row[0]) for row in graph.query(sparql)] == [EX + "2019-06-30"]


def test_canned_query_header_is_read(tmp_path):
    path = tmp_path / "who.rq"
    path.write_text(
        "# title: 谁牵头 / Who leads\n# description: first line\n# description: second line\n"
        "# param: agency — 单位 agency name; default 州环保局\n# param: plan — plan title words\n"
        "SELECT ?x WHERE { ?x ?p ?agency }\n",
        encoding="utf-8",
    )
    saved = read_canned_query(path)
    assert (saved.name, saved.title, saved.description) == (
        "who",
        "谁牵头 / Who leads",
        "first line second line",
    )
    assert [(p.name, p.default) for p in saved.params] == [("agency", "州环保局"), ("plan", None)]
    assert saved.values({}) == {"agency": "州环保局"}
    assert saved.values({"agency": "x"}) == {"agency": "x"}
    with pytest.raises(ValueError, match="unknown parameter"):
        saved.values({"agencyy": "x"})


def test_a_store_retired_by_a_swap_cut_short_is_put_back_by_the_next_build(tmp_path):
    from kg.store import StoreGeneration, count_triples, write_store

    store = tmp_path / "store"
    graph = Graph()
    graph.add((URIRef("https://example.org/a"), RDFS.label, Literal("甲")))
    write_store(store, graph)
    # a build killed between its two renames: the live store renamed away, the new one not yet in place
    store.rename(tmp_path / ".store.old-999999999-0abc1234")
    (tmp_path / ".store.building-999999999-0abc1234").mkdir()
    graph.add((URIRef("https://example.org/b"), RDFS.label, Literal("乙")))
    write_store(tmp_path / "other", graph)  # another store in the same folder leaves these alone
    assert not store.exists()
    StoreGeneration(store).discard()  # the next build, given up at once: the retired store is back
    assert count_triples(store) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other", "store"]
