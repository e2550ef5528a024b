"""The audit reports (/audit/…) through Flask's test client and their canned queries through `kg query`: overdue
and due-soon as of a date, overdue tasks whose lead the reform replaced, accountability gaps, the brokers of a
plan, and the deadline timeline chart (SVG). Facts asserted here can be checked in data/plans/.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from helpers import ask
from openpyxl import load_workbook

from kg.cli import main
from kg.namespaces import mint
from loaders.corpus import bundled_plans_dir
from web import create_app
from web.repository import page_url

HONGHE_PLAN = mint("plan", "红河州打赢蓝天保卫战三年行动计划实施方案")
HONGHE_EPB = mint("agency", "红河州", "环境保护局")  # 州环境保护局 / 州环保局 in the 责任清单
HONGHE_EEB = mint("agency", "红河州", "生态环境局")  # its successor after the 2019 reform
HONGHE_COUNTIES = mint("agency", "红河州", "各县市人民政府")
# 二.(一).5 深化工业污染治理 … "2020 年底前，完成排污许可管理名录规定的行业许可证核发"
WUDING_PERMITS = mint("task", "楚雄州武定县", "武政通〔2019〕11号", "二.(一).5")
# 二.(六).3 夯实应急减排措施 … "完善重污染天气应急预案，2018年12月底前报自治区生态环境厅备案"
QINZHOU_EMERGENCY = mint("task", "钦州市大气污染防治攻坚三年作战方案", "二.(六).3")
# 十.(四) 构建全民行动格局: "倡导全社会“同呼吸共奋斗”…" — a damaged last row of the 责任清单, no 牵头 line after it
HONGHE_PUBLIC = mint("task", "红河州打赢蓝天保卫战三年行动计划实施方案", "十.(四)")
SHUOZHOU_PLAN = mint("plan", "朔州市打赢蓝天保卫战2020年决战计划")

EVIL = "<script>alert(1)</script>"
EVIL_PLAN = f"""测试市打赢蓝天保卫战三年行动实施方案

为坚决打赢蓝天保卫战，根据《云南省人民政府关于印发云南省打赢蓝天保卫战三年行动实施方案的通知》（云政发〔2018〕44号）精神，制定本方案。

一、主要任务

（一）调整优化产业结构

1. 整治{EVIL}企业。全面排查散乱污企业，2019年底前完成整治。（牵头单位：市{EVIL}局；责任单位：市环保局、市工信委）

2. 优化$x^2$产业布局。2020年底前完成生态保护红线划定。（牵头单位：市发展改革委；责任单位：市<img src=x onerror=alert(2)>办）
"""


def plan_text(prefix: str) -> str:
    path = next(bundled_plans_dir().glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8")


def get_json(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()


def plan_arg(iri: str) -> str:
    return quote(str(iri), safe="")


# --- overdue, due soon, lead gone --------------------------------------------------------------------


def test_overdue_as_of_2021_lists_the_2020_year_end_deadlines_and_nothing_later(client):
    assert "2020 年底前，完成排污许可管理名录规定的行业许可证核发" in plan_text("002")
    data = get_json(client, "/audit/overdue.json?as_of=2021-01-01")
    assert data["as_of"] == "2021-01-01"
    assert all(row["due"] < "2021-01-01" for row in data["tasks"])
    permits = [row for row in data["tasks"] if row["task"] == str(WUDING_PERMITS)]
    assert [row["due"] for row in permits] == ["2020-12-31"]
    assert permits[0]["jurisdictionLabel"] == "楚雄州武定县"
    assert "2020-12-31" in {row["due"] for row in data["tasks"]}


def test_overdue_as_of_2019_lists_the_2018_deadlines_and_no_2019_ones(client):
    assert "完善重污染天气应急预案，2018年12月底前报自治区生态环境厅备案" in plan_text("001")
    data = get_json(client, "/audit/overdue.json?as_of=2019-01-01")
    dues = {row["due"] for row in data["tasks"]}
    assert dues == {"2018-12-31"}
    tasks = {row["task"] for row in data["tasks"]}
    assert str(QINZHOU_EMERGENCY) in tasks
    assert str(WUDING_PERMITS) not in tasks  # due 2020-12-31


def test_overdue_summaries_by_agency_and_jurisdiction(client):
    data = get_json(client, "/audit/overdue.json?as_of=2019-01-01")
    by_agency = {row["label"]: row for row in data["by_agency"]}
    epb = by_agency["红河州环境保护局"]  # leads 三.(一) 燃煤小锅炉淘汰 and 三.(三), both "2018年底前"
    assert epb["tasks"] >= 2 and [x["label"] for x in epb["heldNowBy"]] == ["红河州生态环境局"]
    by_jurisdiction = {row["jurisdictionLabel"]: row for row in data["by_jurisdiction"]}
    assert {"红河州", "钦州市"} <= set(by_jurisdiction)
    assert sum(row["deadlines"] for row in data["by_jurisdiction"]) == len(data["tasks"])


def test_overdue_page_in_chinese_and_english_links_each_row_to_its_task(client):
    page = client.get("/audit/overdue?as_of=2019-01-01").get_data(as_text=True)
    assert "截至 2019-01-01 已过完成时限的任务" in page
    assert 'href="/id/task/' in page and "二.(六).3" in page
    english = client.get("/audit/overdue?as_of=2019-01-01&lang=en").get_data(as_text=True)
    assert "Tasks past their deadline as of 2019-01-01" in english


def test_overdue_downloads_as_csv_and_xlsx(client):
    response = client.get("/audit/overdue.csv?as_of=2019-01-01")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "完成时限" and len(rows) - 1 == len(
        get_json(client, "/audit/overdue.json?as_of=2019-01-01")["tasks"]
    )
    assert any("http://localhost" + page_url(QINZHOU_EMERGENCY) in row for row in rows)  # the task's page
    response = client.get("/audit/overdue.xlsx?as_of=2019-01-01&table=agency")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["牵头单位", "现承接单位"]
    assert ["红河州环境保护局", "红河州生态环境局"] in [v[:2] for v in values]


def test_due_soon_window_includes_both_ends(client):
    data = get_json(client, "/audit/due-soon.json?as_of=2020-10-15&days=90")
    assert data["until"] == "2021-01-13"
    dues = {row["due"] for row in data["tasks"]}
    assert dues == {"2020-10-31", "2020-12-31"}  # 朔州's "2020年10月底前" and the year-end deadlines
    same_day = get_json(client, "/audit/due-soon.json?as_of=2020-12-31&days=0")
    assert {row["due"] for row in same_day["tasks"]} == {"2020-12-31"}


def test_lead_gone_shows_who_holds_the_duty_now(client):
    data = get_json(client, "/audit/lead-gone.json?as_of=2021-01-01")
    honghe = [row for row in data["tasks"] if row["lead"][0]["agency"] == str(HONGHE_EPB)]
    assert honghe, "红河州环境保护局 leads tasks due 2018–2020 and the reform replaced it in 2019"
    assert {row["heldNowBy"][0]["label"] for row in honghe} == {"红河州生态环境局"}
    assert {row["reformYear"] for row in honghe} == {2019}
    assert all(row["due"] < "2021-01-01" for row in data["tasks"])
    # before the reform year nothing was gone yet
    assert get_json(client, "/audit/lead-gone.json?as_of=2018-06-01")["tasks"] == []


def test_bad_arguments_are_refused(client):
    assert client.get("/audit/overdue?as_of=2021-13-01").status_code == 400
    assert client.get("/audit/due-soon?days=-3").status_code == 400
    assert client.get("/audit/gaps.csv?table=nothing").status_code == 400


# --- gaps and brokers --------------------------------------------------------------------------------


def test_gaps_list_honghe_tasks_with_no_lead(client):
    text = plan_text("000")
    row = text[text.index("倡导全社会“同呼吸共奋斗”") :].split("\n")
    assert "牵头" not in row[0] + row[1]  # the damaged last rows of the 责任清单 name no lead
    data = get_json(client, "/audit/gaps.json")
    no_lead = {row["task"] for row in data["no_lead"]}
    assert str(HONGHE_PUBLIC) in no_lead
    assert all(not row["leads"] for row in data["no_lead"])
    only_honghe = get_json(client, f"/audit/gaps.json?plan={plan_arg(HONGHE_PLAN)}")
    assert {row["plan"] for row in only_honghe["no_lead"]} == {str(HONGHE_PLAN)}


def test_collective_only_tasks_include_shuozhou_county_government_tasks(client):
    data = get_json(client, f"/audit/gaps.json?plan={plan_arg(SHUOZHOU_PLAN)}")
    excerpts = [row["excerpt"] for row in data["collective_only"]]
    # "巩固降尘整治成效,确保降尘量低于9吨/月·平方公里。(县〔市、区〕政府负责落实)" and the "一体治" clause
    assert sum("县〔市、区〕政府负责落实" in x for x in excerpts) >= 2
    for row in data["collective_only"]:
        assert [c["label"] for c in row["collectives"]] == ["朔州市各县〔市、区〕人民政府"]
    counties = {row["label"]: row for row in data["collectives"]}["朔州市各县〔市、区〕人民政府"]
    assert counties["alone"] == len(data["collective_only"]) and counties["implements"] > 0
    assert data["collective_leads"] == []  # the bundled plans never make a collective lead


def test_honghe_broker_ranking_puts_the_environment_bureau_first(client):
    data = get_json(client, f"/audit/brokers.json?plan={plan_arg(HONGHE_PLAN)}")
    first = data["agencies"][0]
    assert first["label"] == "红河州环境保护局" and first["degreeRank"] == 1
    assert first["degree"] > data["agencies"][1]["degree"]
    assert [x["label"] for x in first["heldNowBy"]] == ["红河州生态环境局"]
    assert data["broker"]["label"] == "红河州环境保护局"
    assert all(not row["group"] for row in data["agencies"])
    # with the collectives, 各县市人民政府 (负责落实 on nearly every row of the 责任清单) outranks it
    with_groups = get_json(client, f"/audit/brokers.json?plan={plan_arg(HONGHE_PLAN)}&groups=1")
    assert with_groups["agencies"][0]["agency"] == str(HONGHE_COUNTIES)
    page = client.get(f"/audit/brokers?plan={plan_arg(HONGHE_PLAN)}").get_data(as_text=True)
    assert "负荷与中间人：红河州打赢蓝天保卫战三年行动计划实施方案" in page


def test_corpus_wide_brokers_cover_every_plan(client):
    data = get_json(client, "/audit/brokers.json")
    jurisdictions = {row["jurisdictionLabel"] for row in data["agencies"]}
    assert {"红河州", "钦州市", "楚雄州武定县", "昆明市官渡区", "朔州市"} <= jurisdictions
    response = client.get("/audit/brokers.csv")
    assert response.mimetype == "text/csv" and "中介中心性" in response.get_data(as_text=True)


def test_corpus_wide_broker_is_the_honghe_environment_bureau(client):
    # the bundled network is small enough for exact betweenness; the 州环境保护局 leads or supports most rows
    # of the 红河 责任清单, and the county seats' environment bureaus follow
    data = get_json(client, "/audit/brokers.json")
    assert data["betweennessSampledSources"] is None
    ranked = sorted(data["agencies"], key=lambda r: r["betweennessRank"])
    assert [r["label"] for r in ranked[:3]] == [
        "红河州环境保护局",
        "钦州市环境保护局",
        "楚雄州生态环境局武定分局",
    ]
    assert data["broker"]["agency"] == str(HONGHE_EPB)


def test_sampled_betweenness_is_networkx_estimate_on_the_bundled_network(app):
    # above the size threshold /audit/brokers estimates betweenness from 100 sources: the array version must
    # give what networkx's betweenness_centrality(k=100, seed=0) gives on the same graph (same sources drawn)
    import networkx as nx

    from kg.betweenness import sampled_betweenness
    from kg.reports import network as agency_task_network

    with app.test_request_context("/"):
        network = agency_task_network(app.extensions["repository"], None, True)
    size, edges = len(network.nodes), network.edges
    graph = nx.Graph()
    graph.add_nodes_from(range(size))
    graph.add_edges_from(edges)
    grid = nx.convert_node_labels_to_integers(nx.grid_2d_graph(6, 7))  # many shortest paths of one length
    for g, n, e, k in (
        (graph, size, edges, 100),
        (graph, size, edges, size),
        (grid, 42, list(grid.edges), 10),
    ):
        expected = nx.betweenness_centrality(g, k=k, normalized=False, seed=0)
        found = sampled_betweenness(n, e, k, seed=0)
        assert sum(1 for v in expected.values() if v > 0) > 10
        assert max(abs(found[v] - expected[v]) for v in range(n)) <= 1e-9 * max(expected.values())


# --- the timeline ------------------------------------------------------------------------------------


def test_timeline_svg_of_a_plan_holds_its_deadline_years(client):
    response = client.get(f"/audit/timeline.svg?plan={plan_arg(HONGHE_PLAN)}")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    years = {
        row["due"][:4]
        for row in get_json(client, f"/audit/timeline.json?plan={plan_arg(HONGHE_PLAN)}")["tasks"]
    }
    assert years == {"2018", "2019", "2020"}
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    for year in years:
        assert year in texts
    assert not re.search(r"""href=["']https?:|url\((?!#)|@import""", svg)  # nothing fetched from elsewhere
    page = client.get(f"/audit/timeline?plan={plan_arg(HONGHE_PLAN)}").get_data(as_text=True)
    assert '<img src="/audit/timeline.svg?plan=' in page


def test_timeline_of_an_agency(client):
    data = get_json(client, f"/audit/timeline.json?agency={plan_arg(HONGHE_EPB)}")
    assert data["tasks"] and {row["plan"] for row in data["tasks"]} == {str(HONGHE_PLAN)}
    assert {row["role"] for row in data["tasks"]} <= {"leads", "supports", "implements", "responsibleFor"}
    svg = client.get(f"/audit/timeline.svg?agency={plan_arg(HONGHE_EPB)}").get_data(as_text=True)
    assert "红河州环境保护局" in svg
    assert client.get("/audit/timeline.svg?agency=agency/nowhere/nobody").status_code == 404


@pytest.fixture(scope="module")
def evil_client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evil-audit")
    plan = folder / "evil.txt"
    plan.write_text(EVIL_PLAN, encoding="utf-8")
    store = folder / "store"
    result = CliRunner().invoke(main, ["build", "--store", str(store), str(plan)])
    assert result.exit_code == 0, result.output
    return create_app({"STORE": store, "TESTING": True}).test_client()


def test_markup_in_plan_text_stays_text_in_chart_and_pages(evil_client):
    svg = evil_client.get("/audit/timeline.svg").get_data(as_text=True)
    assert "<script" not in svg and "onerror" not in svg.replace("onerror=alert", "")
    assert "&lt;script&gt;" in svg  # the heading "整治<script>…企业" drawn as text
    assert "$x^2$" in svg  # a "$" in plan text is not mathtext
    for url in ("/audit/timeline", "/audit/overdue?as_of=2021-01-01", "/audit/gaps", "/audit/brokers"):
        page = evil_client.get(url).get_data(as_text=True)
        assert EVIL not in page and "<img src=x" not in page, url


# --- the canned queries answer the same ---------------------------------------------------------------


def test_canned_overdue_query_matches_the_page(client, built_store):
    rows = ask(built_store, "overdue", as_of="2021-01-01")
    page = get_json(client, "/audit/overdue.json?as_of=2021-01-01")["tasks"]
    assert len(rows) == len(page)  # one row per task and due date, its phrases as written joined

    def key(r):
        return r["task"], r["due"], frozenset(r["phrase"].split("；"))  # GROUP_CONCAT has no order

    assert {key(r) for r in rows} == {key(r) for r in page}
    permits = next(r for r in rows if r["task"] == str(WUDING_PERMITS))
    assert permits["due"] == "2020-12-31" and permits["jurisdiction"] == "楚雄州武定县"
    assert rows == sorted(rows, key=lambda r: r["due"])
    assert ask(built_store, "overdue", as_of="2019-01-01", plan="钦州")[0]["due"] == "2018-12-31"


def test_canned_due_soon_and_lead_gone_queries_match_the_pages(client, built_store):
    rows = ask(built_store, "due-soon", as_of="2020-10-15", days="90")
    page = get_json(client, "/audit/due-soon.json?as_of=2020-10-15&days=90")["tasks"]
    assert len(rows) == len(page)
    assert {(r["task"], r["due"]) for r in rows} == {(r["task"], r["due"]) for r in page}
    rows = ask(built_store, "overdue-lead-gone", as_of="2021-01-01")
    page = get_json(client, "/audit/lead-gone.json?as_of=2021-01-01")["tasks"]
    assert len(rows) == len(page)
    assert {(r["task"], r["due"], r["lead"]) for r in rows} == {
        (r["task"], r["due"], r["lead"][0]["agency"]) for r in page
    }
    assert {r["heldNowBy"] for r in rows if r["lead"] == str(HONGHE_EPB)} == {"红河州生态环境局"}


def test_canned_gap_queries_match_the_page(client, built_store):
    page = get_json(client, "/audit/gaps.json")
    assert {r["task"] for r in ask(built_store, "gaps-no-lead")} == {r["task"] for r in page["no_lead"]}
    assert {r["task"] for r in ask(built_store, "gaps-collective-only")} == {
        r["task"] for r in page["collective_only"]
    }
    collectives = {r["group"]: r for r in ask(built_store, "collective-leads")}
    for row in page["collectives"]:
        query_row = collectives[row["agency"]]
        assert int(query_row["leads"]) == row["leads"] and int(query_row["implements"]) == row["implements"]
        assert int(query_row["onlyAccountable"]) == row["alone"]


def test_canned_load_and_timeline_queries_match_the_pages(client, built_store):
    load = ask(built_store, "agency-load", plan="红河")
    assert load[0]["agencyName"] == "红河州环境保护局"
    brokers = get_json(client, f"/audit/brokers.json?plan={plan_arg(HONGHE_PLAN)}")["agencies"]
    assert {(r["agency"], int(r["degree"])) for r in load} == {(r["agency"], r["degree"]) for r in brokers}
    rows = ask(built_store, "deadline-timeline", plan="红河")
    page = get_json(client, f"/audit/timeline.json?plan={plan_arg(HONGHE_PLAN)}")["tasks"]
    assert len(rows) == len(page)
    assert {(r["task"], r["due"]) for r in rows} == {(r["task"], r["due"]) for r in page}
    led = ask(built_store, "deadline-timeline", agency="州环保局")  # a surface form of 红河州环境保护局
    assert led and all("红河州环境保护局" in r["leads"] for r in led)


# --- housekeeping ------------------------------------------------------------------------------------


def test_every_audit_page_renders_in_both_languages(client):
    for url in (
        "/audit/",
        "/audit/overdue",
        "/audit/due-soon",
        "/audit/lead-gone",
        "/audit/gaps",
        "/audit/brokers",
        "/audit/timeline",
    ):
        for lang in ("zh", "en"):
            response = client.get(f"{url}?lang={lang}")
            assert response.status_code == 200, (url, lang)
            assert "au_" not in response.get_data(as_text=True), (
                url,
                lang,
            )  # no message key left untranslated


def test_every_audit_message_has_both_languages():
    from web.i18n import MESSAGES

    sources = [Path("web/audit.py"), *Path("web/templates").glob("audit*.html")]
    root = Path(__file__).resolve().parent.parent
    used = set()
    for source in sources:
        text = (root / source).read_text(encoding="utf-8")
        used |= set(re.findall(r"""["'](au_[a-z_]+)["']""", text))
        used |= {"pg_" + m for m in re.findall(r"""\(\s*"\w+",\s*"(au_[a-z_]+)",""", text)}
    assert used
    for key in used:
        assert key in MESSAGES or f"pg_{key}" in MESSAGES, key
    for key, entry in MESSAGES.items():
        if key.startswith(("au_", "pg_au_")):
            assert entry.get("zh") and entry.get("en"), key


def test_timeline_falls_back_when_no_cjk_font_is_installed(built_store, monkeypatch):
    import web.audit

    monkeypatch.setattr(web.audit, "cjk_font", lambda: None)
    client = create_app({"STORE": built_store, "TESTING": True}).test_client()
    svg = client.get(f"/audit/timeline.svg?plan={plan_arg(HONGHE_PLAN)}").get_data(as_text=True)
    assert "<svg" in svg and "Noto Sans CJK" not in svg and "sans-serif" in svg
    assert "2019" in re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    page = client.get(f"/audit/timeline?plan={plan_arg(HONGHE_PLAN)}").get_data(as_text=True)
    assert "本机未找到中文字体" not in page  # the font note is the operator's concern, not the reader's
