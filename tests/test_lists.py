"""The one list view (web.lists) behind every list and report: facets with counts that combine and live in the URL,
the same filters on the JSON, CSV and XLSX, server-side sort and paging, filters given by name resolved or
answered with a message, and `kg report` giving what the explorer gives.

Facts asserted here can be checked in data/plans/: 红河州's plan sets 2018–2020 deadlines (2018年底前 …), so as of
2021-01-01 every dated task of it is overdue; its 责任清单 names 州环保局 (红河州环境保护局, replaced by 红河州生态环境局 in
the 2019 reform) as the lead of most rows.
"""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import quote

from click.testing import CliRunner
from openpyxl import load_workbook

from kg.cli import main
from kg.namespaces import mint
from web.repository import page_url

HONGHE_PLAN = str(mint("plan", "红河州打赢蓝天保卫战三年行动计划实施方案"))
HONGHE_TITLE = "红河州打赢蓝天保卫战三年行动计划实施方案"
HONGHE_EPB = str(mint("agency", "红河州", "环境保护局"))
OVERDUE = "/audit/overdue.json?as_of=2021-01-01"


def get(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
    return response.get_json()


def keys(rows) -> list[tuple]:
    return [(r["task"], r["due"]) for r in rows]


def test_a_plan_facet_count_is_the_rows_shown_when_filtering_on_it(client):
    everything = get(client, OVERDUE)
    counts = everything["facets"]["plan"]
    assert sum(counts.values()) == everything["total"] == len(everything["tasks"])  # one plan a row
    assert everything["facetLabels"]["plan"][HONGHE_PLAN] == HONGHE_TITLE
    honghe = get(client, f"{OVERDUE}&plan={quote(HONGHE_PLAN)}")
    assert counts[HONGHE_PLAN] == honghe["total"] == len(honghe["tasks"]) > 10
    assert {r["plan"] for r in honghe["tasks"]} == {HONGHE_PLAN}
    assert keys(honghe["tasks"]) == [k for k, r in zip(keys(everything["tasks"]), everything["tasks"], strict=True)
                                     if r["plan"] == HONGHE_PLAN]  # fmt: skip
    # the summaries are of the filtered rows: 红河州 alone
    assert [j["jurisdictionLabel"] for j in honghe["by_jurisdiction"]] == ["红河州"]
    assert honghe["facets"]["plan"] == {HONGHE_PLAN: honghe["total"]}


def test_filters_combine_and_values_of_one_facet_are_alternatives(client):
    honghe = get(client, f"{OVERDUE}&plan={quote(HONGHE_PLAN)}")
    years = honghe["facets"]["year"]
    assert set(years) == {"2018", "2019", "2020"}
    both = get(client, f"{OVERDUE}&plan={quote(HONGHE_PLAN)}&year=2018")
    assert both["total"] == years["2018"] and all(r["due"].startswith("2018") for r in both["tasks"])
    either = get(client, f"{OVERDUE}&plan={quote(HONGHE_PLAN)}&year=2018&year=2020")
    assert either["total"] == years["2018"] + years["2020"]
    led = get(client, f"{OVERDUE}&plan={quote(HONGHE_PLAN)}&agency={quote(HONGHE_EPB)}&lead_gone=1")
    assert led["total"] == honghe["facets"]["agency"][HONGHE_EPB]  # its lead was replaced: every row stays
    assert all(HONGHE_EPB in {a["agency"] for a in r["leads"]} for r in led["tasks"])
    no_lead = get(client, f"{OVERDUE}&plan={quote(HONGHE_PLAN)}&has_lead=0")
    assert no_lead["total"] == honghe["no_lead"] == honghe["facets"]["has_lead"]["0"] > 0
    assert all(not r["leads"] for r in no_lead["tasks"])


def test_the_facet_links_of_the_page_round_trip_through_the_url(client):
    page = client.get("/audit/overdue?as_of=2021-01-01").get_data(as_text=True)
    links = re.findall(r'<section class="facet" id="facet-plan">.*?</section>', page, re.S)[0]
    href = html.unescape(next(h for h, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', links)
                              if label == HONGHE_TITLE))  # fmt: skip
    assert "as_of=2021-01-01" in href and "plan=" in href
    narrowed = client.get(href).get_data(as_text=True)
    json_url = href.replace("/audit/overdue?", "/audit/overdue.json?")
    data = get(client, json_url)
    assert data["filters"] == {"plan": [HONGHE_PLAN]} and data["total"] == get(client, OVERDUE)["facets"]["plan"][
        HONGHE_PLAN
    ]
    assert 'aria-current="true"' in narrowed  # the chosen value is marked and links to its removal
    assert f"已过时限（{data['total']} 个时限）" in narrowed
    # the download links of the narrowed page keep the filter
    csv_link = html.unescape(re.search(r'<a href="([^"]+format=csv[^"]*)"', narrowed).group(1))
    assert "plan=" in csv_link and "as_of=2021-01-01" in csv_link


def test_csv_and_xlsx_of_a_filtered_view_hold_exactly_its_rows(client):
    query = f"as_of=2021-01-01&plan={quote(HONGHE_PLAN)}&year=2019"
    rows = get(client, f"/audit/overdue.json?{query}")["tasks"]
    links = {"http://localhost" + page_url(r["task"]) for r in rows}
    text = client.get(f"/audit/overdue.csv?{query}").get_data(as_text=True)
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    link = table[0].index("任务页面")
    assert len(table) - 1 == len(rows) and {r[link] for r in table[1:]} == links
    sheet = load_workbook(io.BytesIO(client.get(f"/audit/overdue.xlsx?{query}").data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) - 1 == len(rows) and {v[link] for v in values[1:]} == links
    about = {r[0]: r[1] for r in load_workbook(io.BytesIO(client.get(f"/audit/overdue.xlsx?{query}").data))["说明"]
             .iter_rows(values_only=True)}  # fmt: skip
    assert about["方案"] == HONGHE_TITLE and about["完成时限年份"] == "2019"
    # a summary table downloads the summary of the filtered rows
    agencies = client.get(f"/audit/overdue.csv?{query}&table=agency").get_data(as_text=True)
    assert "红河州环境保护局" in agencies and "钦州市" not in agencies


def test_a_plan_given_by_its_title_or_a_word_of_it_is_resolved(client):
    by_iri = get(client, f"{OVERDUE}&plan={quote(HONGHE_PLAN)}")
    for named in (HONGHE_TITLE, "红河州"):
        by_name = get(client, f"{OVERDUE}&plan={quote(named)}")
        assert keys(by_name["tasks"]) == keys(by_iri["tasks"]), named
        assert by_name["filters"] == {"plan": [HONGHE_PLAN]}
        assert any(HONGHE_TITLE in m["text"] for m in by_name["messages"])
    page = client.get(f"/audit/overdue?as_of=2021-01-01&plan={quote('红河')}").get_data(as_text=True)
    assert "按名称理解为" in page and HONGHE_TITLE in page


def test_a_filter_naming_nothing_says_so_instead_of_an_empty_table(client):
    data = get(client, f"{OVERDUE}&plan={quote('不存在的方案')}")
    assert data["tasks"] == [] and "不存在的方案" in data["messages"][0]["text"]
    page = client.get(f"/audit/overdue?as_of=2021-01-01&plan={quote('不存在的方案')}").get_data(as_text=True)
    assert 'class="list-notice" role="status"' in page and "没有与「不存在的方案」相符的方案" in page
    english = get(client, f"{OVERDUE}&year=20x0&lang=en")
    assert english["tasks"] == [] and "20x0" in english["messages"][0]["text"]


def test_sorting_and_paging_happen_over_the_whole_answer(client):
    everything = get(client, OVERDUE)["tasks"]
    latest = get(client, f"{OVERDUE}&_sort_desc=due")["tasks"]
    assert latest[0]["due"] == max(r["due"] for r in everything)
    assert [r["due"] for r in latest] == sorted((r["due"] for r in everything), reverse=True)
    second = get(client, f"{OVERDUE}&_sort_desc=due&_size=10&page=2")
    assert second["total"] == len(everything) and second["page"] == 2
    assert keys(second["tasks"]) == keys(latest[10:20])
    assert client.get(f"{OVERDUE}&_sort=nothing").status_code == 400
    page = client.get("/audit/overdue?as_of=2021-01-01&_sort=due").get_data(as_text=True)
    assert 'aria-sort="ascending"' in page and "_sort_desc=due" in html.unescape(page)
    rows = list(csv.reader(io.StringIO(client.get("/audit/overdue.csv?as_of=2021-01-01&_sort_desc=due")
                                       .get_data(as_text=True).lstrip("\ufeff"))))  # fmt: skip
    assert len(rows) - 1 == len(everything) and rows[1][0] == latest[0]["due"]  # a download: every row, sorted


def test_lists_and_search_have_facets_too(client):
    agencies = get(client, "/agencies.json?lead_gone=1")
    assert HONGHE_EPB in {a["agency"] for a in agencies["agencies"]}
    assert agencies["total"] == get(client, "/agencies.json")["facets"]["lead_gone"]["1"]
    found = get(client, "/search.json?q=" + quote("扬尘"))
    honghe = get(client, "/search.json?q=" + quote("扬尘") + "&plan=" + quote(HONGHE_PLAN))
    assert honghe["total"] == found["facets"]["plan"][HONGHE_PLAN] > 0
    assert {t["plan"] for t in honghe["tasks"]} == {HONGHE_PLAN}
    assert all(any("扬尘" in t["excerpt"][s:e] for s, e in t["marks"]) for t in honghe["tasks"])
    due = get(client, "/due.json?before=2019-01-01&level=county")
    assert due["tasks"] and {t["planTitle"][:3] for t in due["tasks"]} <= {"武定县", "官渡区"}
    gaps = get(client, "/audit/gaps.json?plan=" + quote(HONGHE_PLAN))
    assert gaps["facets"]["plan"] == {HONGHE_PLAN: len(gaps["no_lead"])}


def test_kg_report_gives_the_rows_of_the_explorer(client, built_store, tmp_path):
    run = CliRunner().invoke(
        main,
        ["report", "overdue", "--as-of", "2021-01-01", "--plan", "红河州", "--year", "2019", "--format", "csv",
         "--store", str(built_store)],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    table = list(csv.reader(io.StringIO(run.stdout.lstrip("\ufeff"))))
    web = get(client, f"/audit/overdue.json?as_of=2021-01-01&plan={quote(HONGHE_PLAN)}&year=2019")["tasks"]
    assert len(table) - 1 == len(web) > 0 and all(r[0].startswith("2019") for r in table[1:])
    out = tmp_path / "lead-gone.xlsx"
    run = CliRunner().invoke(
        main,
        ["report", "lead-gone", "--as-of", "2021-01-01", "--format", "xlsx", "--out", str(out),
         "--store", str(built_store)],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    sheet = load_workbook(out).active
    assert sheet.max_row - 1 == len(get(client, "/audit/lead-gone.json?as_of=2021-01-01")["tasks"])
    shown = CliRunner().invoke(main, ["report", "gaps", "--plan", "红河州", "--store", str(built_store)])
    assert shown.exit_code == 0 and "十.(四)" in shown.stdout  # a damaged 责任清单 row: no lead
    bad = CliRunner().invoke(main, ["report", "gaps", "--table", "nothing", "--store", str(built_store)])
    assert bad.exit_code == 2
