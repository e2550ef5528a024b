"""An unfiltered download of a deadline report (overdue, due soon, /due, lead gone) or of a gap list is made from
the store's reads of every row by hashing (web.first with `BULK_FROM` rows or more, web.lists.every_row), without
kg.reports' whole answer; the file holds the same rows, in the same order, with the same cells as the download of
the whole answer (?_full=1)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from web import create_app

AS_OF = "2021-01-01"
DOWNLOADS = [
    f"/audit/overdue.{{fmt}}?as_of={AS_OF}",
    "/audit/overdue.{fmt}?as_of=2019-06-30",
    "/audit/due-soon.{fmt}?as_of=2020-10-15&days=90",
    "/audit/due-soon.{fmt}?as_of=2018-06-30&days=400",
    f"/audit/lead-gone.{{fmt}}?as_of={AS_OF}",
    "/audit/gaps.{fmt}",
    "/audit/gaps.{fmt}?table=collective-only",
    f"/due.{{fmt}}?before={AS_OF}",
]


def _whole_cached(app) -> bool:
    repo = app.extensions["repository"]
    return any(repo.peek(("report", name)) is not None for name in ("base", "leads-base"))


def _get(app, url: str):
    response = app.test_client().get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
    return response


def _sheets(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data))
    return {  # the time of the export aside
        sheet.title: [row for row in sheet.iter_rows(values_only=True) if row[0] != "导出时间"]
        for sheet in book.worksheets
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("url", DOWNLOADS)
def test_a_download_read_in_bulk_is_the_whole_answers(built_store, url, fmt):
    url = url.format(fmt=fmt)
    bulk_app = create_app({"STORE": built_store, "TESTING": True})
    bulk = _get(bulk_app, url)
    assert not _whole_cached(bulk_app), url  # made without the whole answer
    whole_app = create_app({"STORE": built_store, "TESTING": True})
    path, _, query = url.partition("?")
    _get(whole_app, f"{path.rsplit('.', 1)[0]}?{query}&_full=1")  # the whole answer, computed (and cached)
    assert _whole_cached(whole_app)
    whole = _get(whole_app, url)  # the same URL: its download made from the whole answer
    if fmt == "csv":
        assert bulk.data.count(b"\n") > 1, url  # rows, not a header alone
        assert bulk.data == whole.data, url
    else:
        assert _sheets(bulk.data) == _sheets(whole.data), url
    assert bulk.headers.get("Content-Disposition") == whole.headers.get("Content-Disposition")


def test_a_filtered_or_sorted_download_is_the_whole_answers(built_store):
    app = create_app({"STORE": built_store, "TESTING": True})
    _get(app, f"/audit/overdue.csv?as_of={AS_OF}&_sort=planTitle")
    assert _whole_cached(app)


def test_the_bulk_page_is_the_whole_list_at_any_offset(built_store):
    """A page asked for with a limit of `BULK_FROM` or more (read by hashing) holds the rows the page reads
    (looked up) hold at the same offset."""
    from web import first

    app = create_app({"STORE": built_store, "TESTING": True})
    with app.test_request_context("/"):
        params = {"as_of": AS_OF}
        small = first.overdue(params, 3, 20)
        big = first.overdue(params, 3, first.BULK_FROM)
        assert small["total"] == big["total"] > 23
        assert big["rows"][:20] == small["rows"]
        for kind in (first.no_lead, first.collective_only):
            small, big = kind({}, 0, 10), kind({}, 0, first.BULK_FROM)
            assert small["total"] == big["total"] and big["rows"][:10] == small["rows"]


@pytest.mark.parametrize(
    "url",
    [
        "/audit/due-soon.json?as_of=2020-10-15&days=90",
        f"/audit/lead-gone.json?as_of={AS_OF}&_size=all",
        f"/due.json?before={AS_OF}",
    ],
)
def test_a_whole_json_read_in_bulk_is_the_whole_answers(built_store, url):
    """A JSON of every row of a list whose rows are its source's (no summary table) is the whole answer made of
    the rows read by hashing: the same body as the whole answer's, facets and all."""
    bulk_app = create_app({"STORE": built_store, "TESTING": True})
    bulk = _get(bulk_app, url).get_json()
    assert not _whole_cached(bulk_app), url
    whole_app = create_app({"STORE": built_store, "TESTING": True})
    whole = _get(whole_app, url + "&_full=1").get_json()
    assert _whole_cached(whole_app)
    assert bulk["total"] > 0 and "deferred" not in bulk
    assert bulk == whole, url
