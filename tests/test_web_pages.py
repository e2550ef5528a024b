"""The explorer's pages through Flask's test client: home, search, lists, plan/task/agency/jurisdiction pages
at /id/…, every format (HTML zh/en, JSON, CSV, XLSX, RDF), and plan text that holds markup rendered as text.

Facts asserted here can be checked in data/plans/ (the bundled corpus).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from rdflib import Graph, Literal, URIRef

from kg.cli import main
from kg.namespaces import LT, mint
from web import create_app
from web.repository import iri_from_request_path, page_url

HONGHE_EPB = mint("agency", "红河州", "环境保护局")  # 红河州环境保护局, written 州环保局 / 州环境保护局
WUDING_PLAN = mint("plan", "楚雄州武定县", "武政通〔2019〕11号")
WUDING_TASK = mint(
    "task", "楚雄州武定县", "武政通〔2019〕11号", "二.(一).4"
)  # "（州生态环境局武定分局、县工信商务科技局牵头…）"
NATIONAL_PLAN = mint("plan", "中国", "国发〔2018〕22号")

EVIL = "<script>alert(1)</script>"
EVIL_PLAN = f"""测试市打赢蓝天保卫战三年行动实施方案{EVIL}

为坚决打赢蓝天保卫战，根据《云南省人民政府关于印发云南省打赢蓝天保卫战三年行动实施方案的通知》（云政发〔2018〕44号）精神，制定本方案。

一、主要任务

（一）调整优化产业结构

1. 整治{EVIL}企业。全面排查散乱污企业，2019年底前完成整治。（牵头单位：市{EVIL}局；责任单位：市环保局、市工信委）

2. 优化产业布局。2020年底前完成生态保护红线划定。（牵头单位：市发展改革委；责任单位：市<img src=x onerror=alert(2)>办）
"""


def _build(store: Path, *paths: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--store", str(store), *map(str, paths)])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def evil_client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evil-plan")
    (folder / "evil.txt").write_text(EVIL_PLAN, encoding="utf-8")
    store = folder / "store"
    _build(store, folder / "evil.txt")
    app = create_app({"STORE": store, "TESTING": True})
    return app.test_client()


def test_home_gap_counts_agree_with_each_plan_page(client):
    gaps = _json(client, "/")["gaps"]
    assert len(gaps) == 5
    for row in gaps:
        page = _json(client, page_url(row["plan"]))
        assert row["tasks"] == len(page["tasks"]), row["title"]
        for gap in ("no_lead", "no_deadline", "skipped"):
            assert row[gap] == len(page["gaps"][gap]), (row["title"], gap)
    # some tasks of the bundled plans name no lead (only 负责落实 or 按照职责负责 units): the counts are not all 0
    assert any(row["no_lead"] > 0 for row in gaps)


def _json(client, url: str):
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 200, (url, response.data[:300])
    assert response.mimetype == "application/json"
    return json.loads(response.data)


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.data[:300])
    assert response.mimetype == "text/html"
    return response.data.decode("utf-8")


def _csv(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")  # so spreadsheet programs read UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(client, url: str) -> list[tuple]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


# --- IRIs and paths ----------------------------------------------------------------------------------


def test_page_url_maps_instance_iris_to_id_paths_and_back():
    assert page_url(HONGHE_EPB) == "/id/agency/红河州/环境保护局"
    assert page_url("http://example.org/x") == "http://example.org/x"
    # an escaped "/" inside a name stays escaped; CJK sent percent-encoded by browsers comes back as is
    iri = mint("agency", "测试市", "</x>局")
    assert iri_from_request_path(page_url(iri)[4:]) == str(iri)
    assert iri_from_request_path(
        "agency/%E7%BA%A2%E6%B2%B3%E5%B7%9E/%E7%8E%AF%E5%A2%83%E4%BF%9D%E6%8A%A4%E5%B1%80"
    ) == str(HONGHE_EPB)


# --- home, search, lists -----------------------------------------------------------------------------


def test_home_shows_corpus_figures_in_chinese_and_english(client):
    zh = _html(client, "/")
    assert "谁负责" in zh and 'action="/search"' in zh
    assert "<strong>5</strong>" in zh  # five bundled plans loaded
    en = _html(client, "/?lang=en")
    assert "Who must do this" in en and "Plans" in en
    data = _json(client, "/")
    assert data["stats"]["loaded_plans"] == 5
    assert data["stats"]["tasks"] > 200
    assert {g["title"] for g in data["gaps"]} >= {"武定县打赢蓝天保卫战三年行动工作方案"}


def test_language_is_remembered_in_a_cookie(built_store):
    c = create_app({"STORE": built_store}).test_client()
    c.get("/?lang=en")
    assert "Agencies" in _html(c, "/agencies")
    assert "责任单位" in _html(c, "/agencies?lang=zh")


def test_search_by_alias_finds_the_canonical_agency_and_its_page(client):
    html = _html(client, "/search?q=州环保局")
    assert "红河州环境保护局" in html
    assert 'href="/id/agency/红河州/环境保护局"' in html
    result = _json(client, "/search.json?q=州环保局")
    assert result["agencies"][0]["agency"] == str(HONGHE_EPB)
    assert "州环保局" in result["agencies"][0]["matchedNames"]
    agency_page = _html(client, page_url(HONGHE_EPB))
    assert "州环保局" in agency_page and "州环境保护局" in agency_page


def test_search_finds_tasks_and_plans_by_doc_number(client):
    result = _json(client, "/search?q=两断三清")
    assert any("红河州" in t["planTitle"] for t in result["tasks"])
    assert all("两断三清" in t["excerpt"] for t in result["tasks"])
    plans = _json(client, "/search?q=武政通〔2019〕11号")["plans"]
    assert [p["plan"] for p in plans] == [str(WUDING_PLAN)]


def test_search_downloads_as_csv_and_xlsx(client):
    rows = _csv(client, "/search.csv?q=州环保局")
    lead = rows[0].index("牵头单位")
    assert any("红河州环境保护局" in r[lead] for r in rows[1:])
    sheet = _xlsx(client, "/search?q=州环保局&format=xlsx")
    assert len(sheet) == len(rows)
    assert any("红河州环境保护局" in (r[lead] or "") for r in sheet[1:])


def test_plans_list_in_every_format(client):
    html = _html(client, "/plans")
    assert "武定县打赢蓝天保卫战三年行动工作方案" in html and "武政通〔2019〕11号" in html
    plans = _json(client, "/plans")["plans"]
    assert sum(p["loaded"] for p in plans) == 5
    rows = _csv(client, "/plans.csv")
    assert len(rows) == len(plans) + 1
    assert any(r[1] == "国发〔2018〕22号" for r in rows)
    sheet = _xlsx(client, "/plans.xlsx")
    assert len(sheet) == len(plans) + 1
    assert sheet[0][0] == "标题"


def test_agencies_list_in_every_format(client):
    html = _html(client, "/agencies")
    assert "红河州环境保护局" in html
    agencies = _json(client, "/agencies.json")["agencies"]
    honghe = next(a for a in agencies if a["agency"] == str(HONGHE_EPB))
    assert "州环保局" in honghe["aliases"]
    assert honghe["leads"] > 0
    sheet = _xlsx(client, "/agencies.xlsx")
    assert any(r[0] == "红河州环境保护局" and "州环保局" in r[2] for r in sheet[1:])
    en = _csv(client, "/agencies.csv?lang=en")
    assert en[0][:2] == ["Name", "Jurisdiction"]


def test_due_before_lists_tasks_with_their_leads(client):
    data = _json(client, "/due?before=2019-12-31")
    assert data["tasks"]
    assert all(t["due"] < "2019-12-31" for t in data["tasks"])
    # 官渡区: "2018年底前…" is due 2018-12-31
    assert any(t["due"] == "2018-12-31" and "官渡区" in t["planTitle"] for t in data["tasks"])
    only = _json(client, f"/due?before=2021-01-01&plan={WUDING_PLAN}")["tasks"]
    assert only and all(t["plan"] == str(WUDING_PLAN) for t in only)
    rows = _csv(client, "/due.csv?before=2019-12-31")
    assert len(rows) == len(data["tasks"]) + 1
    html = _html(client, "/due?before=2019-12-31")
    assert "2019-12-31" in html
    assert client.get("/due?before=31/12/2019").status_code == 400


# --- plan, task, agency, jurisdiction ------------------------------------------------------------------


def test_plan_page_shows_derivation_outline_targets_and_gaps(client):
    plan = _json(client, page_url(WUDING_PLAN))
    assert plan["docNumber"] == "武政通〔2019〕11号"
    assert plan["jurisdictionLabel"] == "楚雄州武定县"  # the county with its prefecture
    uppers = [u["docNumber"] for u in plan["upper"]]
    assert "国发〔2018〕22号" in uppers and "楚政通〔2018〕41号" in uppers
    assert uppers.index("楚政通〔2018〕41号") < uppers.index("国发〔2018〕22号")  # nearest first
    assert plan["outline"][0]["label"] in ("一", "二")
    assert len(plan["tasks"]) == 49
    assert plan["gaps"]["skipped"], "武定县's plan has paragraphs without attributions"
    task = next(t for t in plan["tasks"] if t["task"] == str(WUDING_TASK))
    assert {a["label"] for a in task["leads"]} == {"楚雄州生态环境局武定分局", "武定县工业信息化商务科技局"}
    assert task["deadlines"][0]["due"] == "2019-12-31"
    html = _html(client, page_url(WUDING_PLAN))
    for text in (
        "国发〔2018〕22号",
        "楚雄州生态环境局武定分局",
        'id="no-lead"',
        'id="skipped"',
        "/network/plan/",
    ):
        assert text in html
    rows = _csv(client, page_url(WUDING_PLAN) + ".csv")
    assert len(rows) == 50


def test_national_plan_lists_the_plans_that_derive_from_it(client):
    plan = _json(client, page_url(NATIONAL_PLAN))
    assert plan["sourceFile"] is None
    lower = {d["title"] for d in plan["lower"]}
    assert "武定县打赢蓝天保卫战三年行动工作方案" in lower
    assert "红河州打赢蓝天保卫战三年行动计划实施方案" in lower


def test_task_led_by_the_honghe_environment_bureau(client):
    hits = _json(client, "/search?q=两断三清")["tasks"]
    task_iri = next(t["task"] for t in hits if "红河州" in t["planTitle"])
    task = _json(client, page_url(task_iri) + ".json")
    assert "两断三清" in task["text"]
    assert any(a["agency"] == str(HONGHE_EPB) for a in task["roles"]["leads"])
    assert task["deadlines"][0]["due"] == "2019-12-31"  # "全州2019年底前基本完成"
    html = _html(client, page_url(task_iri))
    assert 'href="/id/agency/红河州/环境保护局"' in html
    assert "/network/task/" in html


def test_task_evidence_highlights_exactly_the_stored_spans(client):
    task = _json(client, page_url(WUDING_TASK))
    html = _html(client, page_url(WUDING_TASK))
    marks = html.count('<mark class="entity"')
    inside = [a for a in task["attributions"] if task["start"] <= a["start"] and a["end"] <= task["end"]]
    assert marks >= len(inside) + len(task["deadlines"]) > 0
    for a in inside:
        surface = task["text"][a["start"] - task["start"] : a["end"] - task["start"]]
        assert surface == a["surfaceForm"]
        assert f"\n    {surface}\n" in html  # displaCy's entity markup around the stored span
    assert "州生态环境局武定分局" in html and "牵头" in html
    en = _html(client, page_url(WUDING_TASK) + "?lang=en")
    assert ">leads" in en


def test_task_downloads_its_agencies_and_rdf(client):
    url = page_url(WUDING_TASK)
    rows = _csv(client, url + ".csv")
    assert any(r[1] == "楚雄州生态环境局武定分局" and r[0] == "牵头" for r in rows[1:])
    for suffix, fmt, accept in (
        (".ttl", "turtle", "text/turtle"),
        (".nt", "nt", "application/n-triples"),
        (".jsonld", "json-ld", "application/ld+json"),
    ):
        for response in (client.get(url + suffix), client.get(url, headers={"Accept": accept})):
            assert response.status_code == 200 and response.mimetype == accept
            graph = Graph().parse(data=response.data.decode("utf-8"), format=fmt)
            texts = [str(o) for o in graph.objects(URIRef(WUDING_TASK), LT.text)]
            assert texts and "两断三清" in texts[0]
            assert (URIRef(WUDING_TASK), LT.section, Literal("二.(一).4")) in graph or any(
                str(o) == "二.(一).4" for o in graph.objects(URIRef(WUDING_TASK), LT.section)
            )
            # the attributions it owns are described too
            assert any(graph.objects(None, LT.surfaceForm))


def test_agency_page_groups_tasks_by_role_and_filters(client):
    url = page_url(HONGHE_EPB)
    agency = _json(client, url)
    assert agency["label"] == "红河州环境保护局"
    assert agency["aliases"] == ["州环保局", "州环境保护局"]
    assert [j["label"] for j in agency["within"]] == ["红河州", "云南省", "中国"]
    roles = {t["role"] for t in agency["tasks"]}
    assert "leads" in roles
    assert agency["partners"] and agency["partners"][0]["shared"] >= agency["partners"][-1]["shared"]
    filtered = _json(client, url + "?before=2019-06-30")["tasks"]
    assert 0 < len(filtered) < len(agency["tasks"])
    assert all(any(d["due"] < "2019-06-30" for d in t["deadlines"]) for t in filtered)
    html = _html(client, url + "?before=2019-06-30")
    assert "tables.js" in html and 'class="sortable"' in html and "/network/agency/" in html
    assert "显示 {} / {} 项".format(len(filtered), len(agency["tasks"])) in html
    sheet = _xlsx(client, url + ".xlsx?before=2019-06-30")
    assert len(sheet) == len(filtered) + 1
    other_plan = _json(client, url + f"?plan={WUDING_PLAN}")["tasks"]
    assert other_plan == []


def test_jurisdiction_and_other_resources(client):
    j = _json(client, "/id/jurisdiction/楚雄州武定县")
    assert [w["label"] for w in j["within"]] == ["楚雄州", "云南省", "中国"]
    assert j["plans"][0]["docNumber"] == "武政通〔2019〕11号"
    assert "楚雄州" in _html(client, "/id/jurisdiction/楚雄州武定县")
    deadline = _json(client, page_url(WUDING_TASK) + "/deadline/1.json")
    assert any(p["value"] == "2019-12-31" for p in deadline["properties"])
    assert client.get("/id/plan/no-such-plan").status_code == 404
    assert client.get(page_url(WUDING_TASK) + ".pdf").status_code == 404


def test_static_script_is_served_locally(client):
    response = client.get("/static/tables.js")
    assert response.status_code == 200
    assert b"sortable" in response.data


# --- plan text is data -------------------------------------------------------------------------------


def _evil_urls(evil_client) -> list[str]:
    plans = _json(evil_client, "/plans")["plans"]
    plan = next(p["plan"] for p in plans if p["sourceFile"])
    detail = _json(evil_client, page_url(plan))
    agencies = _json(evil_client, "/agencies")["agencies"]
    urls = [
        "/",
        "/?lang=en",
        "/plans",
        "/agencies",
        "/search?q=script",
        "/search?q=alert",
        "/due?before=2030-01-01",
    ]
    urls.append(page_url(plan))
    urls += [page_url(t["task"]) for t in detail["tasks"]]
    urls += [page_url(a["agency"]) for a in agencies]
    urls += [page_url(t["task"]) + "/attribution/1" for t in detail["tasks"]]
    return urls


def test_markup_in_plan_text_renders_as_text_on_every_page(evil_client):
    urls = _evil_urls(evil_client)
    assert any("%3Cscript%3E" in u for u in urls)  # the agency and plan IRIs hold the markup, escaped
    for url in urls:
        html = _html(evil_client, url)
        assert "<script>alert" not in html, url
        assert "<img" not in html, url
        # the only scripts are the explorer's own files
        assert html.count("<script") == html.count('<script src="/static/'), url
    task_pages = [u for u in urls if u.startswith("/id/task/") and "/attribution/" not in u]
    first = _html(evil_client, task_pages[0])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in first  # the task text, escaped by displaCy
    agency = next(u for u in urls if "%3Cscript%3E" in u and u.startswith("/id/agency/"))
    assert "&lt;script&gt;" in _html(evil_client, agency)


def test_markup_in_plan_text_stays_data_in_downloads(evil_client):
    agencies = _json(evil_client, "/agencies")["agencies"]
    assert any("<script>" in a["label"] for a in agencies)
    rows = _csv(evil_client, "/agencies.csv")
    assert any("<script>" in r[0] for r in rows)
    response = evil_client.get("/agencies.json")
    assert response.mimetype == "application/json"


# --- the store ---------------------------------------------------------------------------------------


def test_repository_reopens_the_store_after_a_rebuild(tmp_path):
    first = tmp_path / "first.txt"
    first.write_text(EVIL_PLAN, encoding="utf-8")
    second = tmp_path / "second.txt"
    second.write_text(EVIL_PLAN.split("\n\n2. ")[0] + "\n", encoding="utf-8")
    store = tmp_path / "store"
    _build(store, first)
    c = create_app({"STORE": store}).test_client()
    assert _json(c, "/")["stats"]["tasks"] == 2
    _build(store, second)
    assert _json(c, "/")["stats"]["tasks"] == 1


def test_an_answer_asked_for_by_many_at_once_is_computed_once(built_store):
    import threading
    import time

    from web.repository import Repository

    repo = Repository(built_store)
    calls = []

    def slow_stats():  # as a first answer at national scale: seconds, asked for by several users at once
        calls.append(threading.current_thread().name)
        time.sleep(0.3)
        if len(calls) == 1:
            raise RuntimeError("the first computation fails")
        return repo.stats()

    answers, errors = [], []

    def ask():
        try:
            answers.append(repo.cached("slow stats", slow_stats))
        except RuntimeError as error:
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # the first computation failed for the one that ran it; one of the others computed it for the other five
    assert len(calls) == 2 and len(errors) == 1
    assert len(answers) == 5 and all(a is answers[0] for a in answers)
    assert answers[0]["loaded_plans"] == 5  # the five bundled plans


def test_missing_store_gives_a_clear_message(tmp_path):
    c = create_app({"STORE": tmp_path / "none"}).test_client()
    response = c.get("/")
    assert response.status_code == 503
    assert "kg build" in response.data.decode("utf-8")
