"""The statistics graph: what the national lists are ordered by, stated by the build; the explorer's pages of
them give what the audit reports compute, a page at a time."""

import shutil
from urllib.parse import quote

import pyoxigraph as ox
import pytest

from kg.corpus import build_store
from kg.namespaces import mint
from kg.statistics import STATISTICS_GRAPH
from kg.store import bind_parameters, canned_queries_dir, read_canned_query, run_query
from loaders.corpus import bundled_plans_dir, discover
from web.repository import Repository

HONGHE_PLAN = str(mint("plan", "红河州打赢蓝天保卫战三年行动计划实施方案"))


@pytest.fixture(scope="module")
def repo(built_store):
    return Repository(built_store)


def _canned(store_dir, name: str, **values) -> list[dict]:
    query = read_canned_query(canned_queries_dir() / f"{name}.rq")
    store = ox.Store.read_only(str(store_dir))
    try:
        sparql = bind_parameters(query.sparql, query.values(values))
        result = run_query(store, sparql)
        names = [v.value for v in result.variables]
        return [
            dict(zip(names, [None if t is None else t.value for t in row], strict=True)) for row in result
        ]
    finally:
        del store


def test_the_brokers_stated_by_the_build_are_the_reports(client, repo):
    for plan in (None, HONGHE_PLAN):
        url = "/audit/brokers.json" + (f"?plan={quote(plan, safe='')}" if plan else "")
        report = client.get(url).get_json()["agencies"]
        page = repo.broker_page(plan, limit=10_000)
        assert page["total"] == len(report) > 10
        stated = {row["agency"]: row for row in page["rows"]}
        for row in report:
            got = stated[row["agency"]]
            assert (got["degree"], got["leads"], got["betweenness"]) == (
                row["degree"],
                row["leads"],
                row["betweenness"],
            ), row["label"]
            assert (got["degreeRank"], got["betweennessRank"]) == (row["degreeRank"], row["betweennessRank"])
        assert any(row["betweenness"] > 0 for row in report)


def test_broker_pages_follow_the_ranks(repo):
    whole = repo.broker_page(by="betweenness", limit=10_000)["rows"]
    assert [r["betweennessRank"] for r in whole] == list(range(1, len(whole) + 1))
    assert repo.broker_page(by="betweenness", limit=5, offset=5)["rows"] == whole[5:10]
    assert whole[0]["label"] == "红河州环境保护局"


@pytest.mark.parametrize(
    ("kind", "query", "values"),
    [
        ("overdue", "overdue", {"as_of": "2020-06-30"}),
        ("due-soon", "due-soon", {"as_of": "2019-10-15", "days": "120"}),
        ("due", "tasks-due-before", {"before": "2020-06-30"}),
    ],
)
def test_deadline_pages_are_the_canned_lists_a_page_at_a_time(built_store, repo, kind, query, values):
    as_of = values.get("as_of") or values["before"]
    whole = [(r["task"], r["due"]) for r in _canned(built_store, query, **values)]
    whole = list(dict.fromkeys(whole))  # tasks-due-before: a row per wording of a date
    assert len(whole) > 10
    days = int(values.get("days", 90))
    pages = [
        repo.deadline_page(kind, as_of, days=days, limit=4, offset=at) for at in range(0, len(whole) + 4, 4)
    ]
    assert {page["total"] for page in pages} == {len(whole)}
    assert [(r["task"], r["due"]) for page in pages for r in page["rows"]] == whole
    # the canned query's own pages are its rows
    first = _canned(built_store, query, **values, limit="3", offset="2")
    assert list(dict.fromkeys((r["task"], r["due"]) for r in first)) == whole[2:5]


def test_a_plans_overdue_page_holds_its_tasks_only(repo):
    page = repo.deadline_page("overdue", "2020-06-30", plan=HONGHE_PLAN, limit=1000)
    assert page["total"] == len(page["rows"]) > 0
    assert {r["plan"] for r in page["rows"]} == {HONGHE_PLAN}
    assert all(r["due"] < "2020-06-30" for r in page["rows"])
    assert [r["due"] for r in page["rows"]] == sorted(r["due"] for r in page["rows"])


def test_ranking_pages_are_the_canned_ranking(built_store, repo):
    for role in ("leads", "accountableFor"):
        whole = [(r["a"], int(r["tasks"])) for r in _canned(built_store, "agencies-by-tasks", role=role)]
        page = repo.agency_ranking_page(role, limit=10, offset=10)
        assert page["total"] == len(whole)
        assert [(r["agency"], r["tasks"]) for r in page["rows"]] == whole[10:20]
        counts = [n for _, n in whole]
        assert counts == sorted(counts, reverse=True)


def _statistics(store_dir) -> set:
    store = ox.Store.read_only(str(store_dir))
    try:
        return set(store.quads_for_pattern(None, None, None, ox.NamedNode(STATISTICS_GRAPH)))
    finally:
        del store


def test_update_patches_the_statistics_graph_to_a_full_builds(tmp_path):
    plans = tmp_path / "plans"
    shutil.copytree(bundled_plans_dir(), plans)
    files, _ = discover([plans])
    build_store(tmp_path / "store", files, workers=1)
    before = _statistics(tmp_path / "store")
    edited = next(f for f in files if "001_" in f.name)
    text = edited.read_text(encoding="utf-8")
    assert "2019年12月底前" in text
    edited.write_text(text.replace("2019年12月底前", "2018年6月底前", 1), encoding="utf-8")
    build_store(tmp_path / "store", [edited], update=True, workers=1)
    build_store(tmp_path / "full", files, workers=1)
    after = _statistics(tmp_path / "store")
    assert after == _statistics(tmp_path / "full")
    assert after != before and len(after) > 500


@pytest.mark.parametrize(
    ("kind", "query"), [("no-lead", "gaps-no-lead"), ("collective-only", "gaps-collective-only")]
)
def test_gap_pages_are_the_canned_gap_lists(built_store, repo, kind, query):
    whole = [r["task"] for r in _canned(built_store, query)]
    assert whole
    pages = [repo.gap_page(kind, limit=3, offset=at) for at in range(0, len(whole) + 3, 3)]
    assert {page["total"] for page in pages} == {len(whole)}
    assert [r["task"] for page in pages for r in page["rows"]] == whole
    assert [r["task"] for r in repo.canned_page(query, limit=2, offset=1)] == whole[1:3]
