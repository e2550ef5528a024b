"""Downloads ready for analysis (web.export): every list's CSV and XLSX through one function, with date cells,
whole texts, all four roles, a link to each task's page, the filters in the file name and in an "about" sheet.

Facts asserted here can be checked in data/plans/: 红河州's plan sets 2018–2020 deadlines (2018年底前 …), so as of
2021-01-01 every dated task of it is overdue; its 责任清单 names a lead for most of them.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from urllib.parse import quote, unquote

from openpyxl import load_workbook

from kg.namespaces import mint
from web.repository import page_url

HONGHE_PLAN = mint("plan", "红河州打赢蓝天保卫战三年行动计划实施方案")
HONGHE_TITLE = "红河州打赢蓝天保卫战三年行动计划实施方案"
OVERDUE = f"/audit/overdue.xlsx?as_of=2021-01-01&plan={quote(str(HONGHE_PLAN))}"


def _book(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response, load_workbook(io.BytesIO(response.data))


def test_overdue_narrowed_to_one_plan_as_xlsx_is_ready_for_analysis(client):
    response, book = _book(client, OVERDUE)
    name = unquote(response.headers["Content-Disposition"].split("''", 1)[1])
    assert name == f"overdue-2021-01-01-{HONGHE_TITLE}.xlsx"  # the filter in the file name
    assert book.sheetnames[0] == "说明" and book.active.title != "说明"
    about = {row[0]: row[1] for row in book["说明"].iter_rows(values_only=True)}
    assert about["方案"] == HONGHE_TITLE and about["截至日期"] == "2021-01-01"
    assert about["图谱构建时间"] and about["来源页面"].startswith(
        "http://localhost/audit/overdue?as_of=2021-01-01"
    )
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    for label in (
        "完成时限",
        "牵头单位",
        "配合单位",
        "负责落实单位",
        "按职责负责单位",
        "任务原文",
        "任务页面",
    ):
        assert label in header, label
    rows = list(sheet.iter_rows(min_row=2))
    expected = json.loads(
        client.get("/audit/overdue.json?as_of=2021-01-01&plan=" + quote(str(HONGHE_PLAN))).data
    )
    assert len(rows) == len(expected["tasks"]) > 10
    due, lead, text, link = (header.index(k) for k in ("完成时限", "牵头单位", "任务原文", "任务页面"))
    assert all(r[due].is_date and isinstance(r[due].value, datetime.datetime) for r in rows)
    assert sum(bool(r[lead].value) for r in rows) > len(rows) / 2
    assert sheet.column_dimensions["A"].width >= 10
    first = rows[0]
    assert first[link].hyperlink is not None
    task_page = first[link].value.removeprefix("http://localhost")
    task = json.loads(client.get(task_page + ".json").data)
    assert first[text].value == " ".join(task["text"].split()) or first[text].value == task["text"]  # whole
    assert not first[text].value.endswith("…")


def test_csv_has_the_same_columns_with_a_bom(client):
    xlsx = load_workbook(io.BytesIO(client.get(OVERDUE).data)).active
    response = client.get(OVERDUE.replace(".xlsx", ".csv"))
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == [c.value for c in xlsx[1]]
    assert len(rows) == xlsx.max_row
    assert rows[1][0][:4] in ("2018", "2019", "2020")


def test_every_task_list_downloads_the_same_task_columns(client):
    for url in (
        "/due.xlsx?before=2019-12-31",
        "/audit/due-soon.xlsx?as_of=2020-10-15",
        "/audit/gaps.xlsx",
        page_url(HONGHE_PLAN) + ".xlsx",
        "/search.xlsx?q=" + quote("扬尘"),
    ):
        _response, book = _book(client, url)
        header = [c.value for c in book.active[1]]
        assert {"牵头单位", "配合单位", "负责落实单位", "按职责负责单位", "任务原文", "任务页面"} <= set(
            header
        ), url
