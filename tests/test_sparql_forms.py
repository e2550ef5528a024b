"""Canned queries as forms (/sparql/canned/<name>): a field per declared parameter with its default, the query
text with each parameter bound once, and spreadsheet downloads of any SELECT result with plain values.

Facts asserted here can be checked in data/plans/: the bundled plans set deadlines 2018年底前 … 2020年底前, so
some tasks are due before 2019-12-31 and more before 2020-06-30.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from urllib.parse import quote

from openpyxl import load_workbook

from kg.store import bind_parameters, canned_queries


def _config(page: str) -> dict:
    start = page.index('id="sparql-config">') + len('id="sparql-config">')
    return json.loads(page[start : page.index("</script>", start)])


def test_every_canned_query_binds_each_parameter_at_most_once_in_each_scope():
    """Once in each WHERE group that uses it (a sub-SELECT does not see an outer binding), never twice in one."""
    from kg.store import _groups, _own_code

    for saved in canned_queries():
        bound = bind_parameters(
            saved.sparql, saved.values({p.name: "1" for p in saved.params if p.default is None})
        )
        code = re.sub(r"(?m)^[ \t]*#.*$", lambda m: " " * len(m.group()), bound)
        groups = _groups(code)
        for param in saved.params:
            counts = [
                len(re.findall(rf"VALUES \?{param.name}\b", _own_code(code, groups, i))) for i in range(len(groups))
            ]
            assert max(counts) <= 1, (saved.name, param.name)
            assert sum(counts) <= 1 or param.name == "plan" and "# given plan:" in saved.sparql, (saved.name, param.name)


def test_a_canned_query_opens_as_a_form_with_its_defaults(client):
    page = client.get("/sparql/canned/agency-tasks").get_data(as_text=True)
    assert 'name="agency" value="红河州环境保护局"' in page
    config = _config(page)
    assert config["run"] is True and config["canned"]["name"] == "agency-tasks"
    assert config["query"].count("VALUES ?agency") == 1
    due = _config(client.get("/sparql/canned/due-soon").get_data(as_text=True))["query"]
    assert due.count("VALUES ?as_of") == 1 and due.count("VALUES ?days") == 1
    assert "VALUES ?plan" not in due  # an optional field left empty: unbound


def test_a_field_value_replaces_the_default_in_the_one_binding(client):
    text = client.get("/sparql/canned/tasks-containing.rq?words=" + quote("施工")).get_data(as_text=True)
    assert text.count("VALUES ?words") == 1 and '"施工"' in text and "扬尘" not in text.split("PREFIX", 1)[1]
    assert client.get("/sparql/canned/agencies-by-tasks.rq?limit=x").status_code == 400
    missing = client.get("/sparql/canned/no-such-query")
    assert missing.status_code == 404 and 'class="site"' in missing.get_data(as_text=True)  # the site's page


def test_editing_a_field_changes_the_answer(client):
    def rows(before: str) -> list[list[str]]:
        sparql = client.get(f"/sparql/canned/tasks-due-before.rq?before={before}").get_data(as_text=True)
        response = client.get("/sparql/results.csv?query=" + quote(sparql))
        return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))

    early, late = rows("2019-12-31"), rows("2020-06-30")
    assert 1 < len(early) < len(late)
    due = early[0].index("due")
    assert all(r[due] < "2019-12-31" for r in early[1:])


def test_results_download_plain_values_as_csv_with_bom_and_xlsx(client):
    sparql = client.get("/sparql/canned/tasks-due-before.rq").get_data(as_text=True)
    response = client.get("/sparql/results.csv?query=" + quote(sparql))
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff") and "@zh" not in text and "^^" not in text
    book = load_workbook(io.BytesIO(client.get("/sparql/results.xlsx?query=" + quote(sparql)).data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    due, task = header.index("due"), header.index("task")
    second = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    assert second[due].is_date and isinstance(second[due].value, datetime.datetime)
    assert second[task].value.startswith("http://localhost/id/task/") and second[task].hyperlink is not None
    counts = "SELECT (COUNT(*) AS ?n) WHERE { ?t a <https://w3id.org/lantian/ontology#Task> }"
    sheet = load_workbook(io.BytesIO(client.get("/sparql/results.xlsx?query=" + quote(counts)).data)).active
    assert isinstance(sheet["A2"].value, int) and sheet["A2"].value > 100
