"""A list's first sight (web.lists.first_page, web.first): the default view of every audit report, of /due and of
the agency list is answered a page at a time from the store, without the whole answer; the rows of a page are
the rows the whole answer (?_full=1) has on that page, in the same order, with the same columns, in the JSON and
on the page; the facets and summary tables come by a second request (?_part=facets)."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

import pytest

from kg.namespaces import mint
from web import create_app

AS_OF = "2021-01-01"
HONGHE_PLAN = str(mint("plan", "红河州打赢蓝天保卫战三年行动计划实施方案"))
# (the list's URL, its main table's key in the JSON, its other tables read a page at a time)
LISTS = [
    (f"/audit/overdue?as_of={AS_OF}", "tasks", ()),
    ("/audit/overdue?as_of=2019-06-30", "tasks", ()),
    ("/audit/due-soon?as_of=2020-10-15&days=90", "tasks", ()),
    ("/audit/due-soon?as_of=2018-06-30&days=400", "tasks", ()),
    (f"/audit/lead-gone?as_of={AS_OF}", "tasks", ()),
    ("/audit/gaps", "no_lead", ("collective_only",)),
    ("/audit/brokers", "agencies", ()),
    (f"/audit/timeline?as_of={AS_OF}", "tasks", ()),
    (f"/due?before={AS_OF}", "tasks", ()),
    ("/agencies", "agencies", ()),
    (f"/audit/brokers?plan={quote(HONGHE_PLAN, safe='')}", "agencies", ()),
    (f"/audit/timeline?as_of={AS_OF}&plan={quote(HONGHE_PLAN, safe='')}", "tasks", ()),
    (f"/search?q={quote('扬尘')}", "tasks", ()),
    (f"/search?q={quote('施工 扬尘')}", "tasks", ()),
    (f"/search?q={quote('红河')}", "tasks", ()),  # a place's plans: their tasks, found by the plan
]


@pytest.fixture
def fresh(built_store):
    """A new explorer (nothing cached) for each test: the first sight is what is measured."""
    return create_app({"STORE": built_store, "TESTING": True})


def _json(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
    return response.get_json()


def _json_url(url: str, extra: str) -> str:
    path, _, query = url.partition("?")
    return f"{path}.json?{query}&{extra}" if query else f"{path}.json?{extra}"


def _tbody(page: str, section: str) -> str:
    found = re.search(rf'<section id="{section}" class="audit-section">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert found, section
    return found.group(1)


def _whole_cached(app) -> bool:
    repo = app.extensions["repository"]
    return any(repo.peek(("report", name)) is not None for name in ("base", "leads-base"))


@pytest.mark.parametrize(("url", "key", "others"), LISTS)
def test_a_first_json_page_is_the_whole_answers_page(fresh, url, key, others):
    client = fresh.test_client()
    size = 7
    pages = {}
    for page in (1, 3):
        pages[page] = _json(client, _json_url(url, f"_size={size}&page={page}"))
        assert "facets" in pages[page]["deferred"], url  # read a page at a time
    assert not _whole_cached(fresh), url
    for page, first in pages.items():
        whole = _json(client, _json_url(url, f"_size={size}&page={page}&_full=1"))
        assert "deferred" not in whole and "facets" in whole
        assert first["total"] == whole["total"] > 0, url
        assert first.get("pages") == whole.get("pages") and first.get("page") == whole.get("page")
        assert first[key] == whole[key], (url, page)
    if pages[3].get("pages", 1) >= 3:
        assert pages[3][key] and pages[3][key] != pages[1][key]
    everything = _json(client, _json_url(url, "_full=1"))  # every row, as before
    assert len(everything[key]) == everything["total"] == pages[1]["total"]


@pytest.mark.parametrize(("url", "key", "others"), LISTS)
def test_a_first_html_page_shows_the_whole_answers_rows(fresh, url, key, others):
    client = fresh.test_client()
    sep = "&" if "?" in url else "?"
    single = len(others) == 0 and key != "no_lead"
    for page in (1, 2):
        paging = (
            f"page={page}" if single else f"page_{key}={page}&" + "&".join(f"page_{o}={page}" for o in others)
        )
        first = client.get(f"{url}{sep}_size=10&{paging}").get_data(as_text=True)
        assert "正在统计…" in first and 'data-list-part="' in first and "lists.js" in first, url
        assert not _whole_cached(fresh), url
        whole = client.get(f"{url}{sep}_size=10&{paging}&_full=1").get_data(as_text=True)
        assert "正在统计…" not in whole and 'class="facet"' in whole
        for table in (key, *others):
            section = table.replace("_", "-")
            assert _tbody(first, section) == _tbody(whole, section), (url, table, page)
        fresh = create_app({"STORE": fresh.config["STORE"], "TESTING": True})
        client = fresh.test_client()


def test_a_search_lists_tasks_only_when_the_text_table_holds_other_texts(store_graph, tmp_path):
    """A store written by kg.store.write_store tables every lt:text, a plan's skipped paragraphs' too: a search
    lists the tasks (of a plan) only, on its first page as in its whole answer."""
    from rdflib import Graph, Literal, URIRef

    from kg.namespaces import LT
    from kg.store import write_store

    graph = Graph()
    for triple in store_graph.triples((None, None, None)):  # the union of the store's graphs
        graph.add(triple)
    graph.add((URIRef(HONGHE_PLAN + "/skipped/1"), LT.text, Literal("关于加强扬尘治理的通知")))
    write_store(tmp_path / "store", graph)
    client = create_app({"STORE": tmp_path / "store", "TESTING": True}).test_client()
    first = _json(client, f"/search.json?q={quote('扬尘')}&_size=5")
    assert "facets" in first["deferred"]  # read a page at a time
    whole = _json(client, f"/search.json?q={quote('扬尘')}&_size=5&_full=1")
    assert first["tasks"] == whole["tasks"] and first["total"] == whole["total"] > 5
    assert all("/skipped/" not in row["task"] for row in whole["tasks"])


def test_the_second_part_brings_the_facets_and_the_summaries(fresh):
    client = fresh.test_client()
    first = client.get(f"/audit/overdue?as_of={AS_OF}").get_data(as_text=True)
    part_url = re.search(r'data-list-part="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "_part=facets" in part_url and "as_of=2021-01-01" in part_url
    part = client.get(part_url).get_data(as_text=True)
    assert 'id="list-facets"' in part and 'id="facet-plan"' in part
    assert '<section id="by-agency"' in part and "红河州环境保护局" in part  # the summary table, whole
    assert 'id="title-tasks"' in part
    # now computed: the page is the whole one, at once
    again = client.get(f"/audit/overdue?as_of={AS_OF}").get_data(as_text=True)
    assert "正在统计…" not in again and 'id="facet-plan"' in again
    english = fresh.test_client().get("/audit/gaps?lang=en").get_data(as_text=True)
    assert "Counting…" in english


def test_filters_sorts_and_downloads_read_the_whole_answer(fresh):
    client = fresh.test_client()
    csv_text = client.get(f"/audit/overdue.csv?as_of={AS_OF}").get_data(as_text=True)
    whole = _json(client, f"/audit/overdue.json?as_of={AS_OF}")
    assert "deferred" not in whole and len(list(csv.reader(io.StringIO(csv_text)))) - 1 == whole["total"]
    other = create_app({"STORE": fresh.config["STORE"], "TESTING": True}).test_client()
    for extra in ("_sort=due", "year=2019"):
        page = other.get(f"/audit/overdue?as_of={AS_OF}&{extra}").get_data(as_text=True)
        assert "正在统计…" not in page and 'class="facet"' in page


@pytest.mark.parametrize("rows", [10, 80])
def test_the_first_timeline_chart_is_the_whole_ones(built_store, monkeypatch, rows):
    """Every plan's deadline chart, drawn before any task is read (web.first.timeline_chart_rows): the same SVG
    as drawn from every task."""
    from web import audit

    monkeypatch.setattr(audit, "TIMELINE_ROWS", rows)
    url = f"/audit/timeline.svg?as_of={AS_OF}"
    first_app = create_app({"STORE": built_store, "TESTING": True})
    first = first_app.test_client().get(url).data
    assert not _whole_cached(first_app)
    whole_app = create_app({"STORE": built_store, "TESTING": True})
    client = whole_app.test_client()
    assert client.get("/audit/gaps.json").status_code == 200  # reads every task
    whole = client.get(url).data
    assert first == whole and b"<svg" in first


@pytest.mark.parametrize("as_of", ["2019-06-30", AS_OF])
def test_the_audit_index_counts_the_lists_without_reading_them(fresh, as_of):
    from kg import reports

    client = fresh.test_client()
    figures = _json(client, f"/audit/?as_of={as_of}&format=json")["figures"]
    assert not _whole_cached(fresh)
    repo = fresh.extensions["repository"]
    with fresh.app_context():
        gaps = reports.tasks(repo)
        assert figures == {
            "overdue": len(reports.overdue(repo, as_of)),
            "due_soon": len(reports.due_soon(repo, as_of, 90)),
            "lead_gone": len(reports.lead_gone(repo, as_of)),
            "no_lead": sum(1 for r in gaps if not r["leads"]),
            "collective_only": sum(1 for r in gaps if r["collectiveOnly"]),
        }
        assert figures["overdue"] > 0 and figures["lead_gone"] > 0


@pytest.mark.parametrize(("as_of", "days"), [("2030-01-01", 90), ("2010-01-01", 30), ("2019-01-01", 0)])
def test_an_empty_due_soon_first_page_names_the_nearest_deadline(fresh, as_of, days):
    """An empty window says which deadline is nearest, on the first page as on the whole one."""
    url = f"/audit/due-soon?as_of={as_of}&days={days}"
    first = fresh.test_client().get(url).get_data(as_text=True)
    assert not _whole_cached(fresh)
    whole = fresh.test_client().get(url + "&_full=1").get_data(as_text=True)
    note = re.compile(r'<p class="muted" id="note-tasks">(.*?)</p>', re.S)
    assert note.search(first).group(1) == note.search(whole).group(1)
    assert "没有符合条件的记录" not in first
