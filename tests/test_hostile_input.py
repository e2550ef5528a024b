"""Hostile or unlucky input: plan files whose text, names or file names hold control characters, formulas,
quotes and newlines, and request parameters at the edges of what they take. The explorer must show them as
text, give a clear 400 where a parameter is wrong, and never fail the page or the download; the build must name
the file and the problem and load the other plans. Everything here runs the real parts: `kg build` on plan
files written by the test into a scratch store, and the explorer over it through Flask's test client.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from kg.cli import main
from web import create_app
from web.repository import page_url

ESC = "\x1b"
# a plan whose text and agency names carry control characters (a stray ESC, a vertical tab from Word, STX)
# and text a spreadsheet would take for a formula
CONTROL_PLAN = f"""控制市打赢蓝天保卫战三年行动方案

为打赢蓝天保卫战，根据《国务院关于印发打赢蓝天保卫战三年行动计划的通知》（国发〔2018〕22号）精神，制定本方案。

一、主要任务

（一）调整产业结构

1. 整治企业\x02。全面排查散乱污企业，2019年底前完成。（牵头单位：市环{ESC}保局；责任单位：市工信局）

2. 推进清洁取暖。2020年10月底前完成改造。（牵头单位：=2+3市交通局；配合单位：市工信局）
"""

PLAIN_PLAN = """平常市打赢蓝天保卫战实施方案

为打赢蓝天保卫战，根据《国务院关于印发打赢蓝天保卫战三年行动计划的通知》（国发〔2018〕22号）精神，制定本方案。

一、主要任务

（一）调整产业结构

1. 整治企业。全面排查散乱污企业，2019年底前完成。（牵头单位：市环保局；责任单位：市工信局）
"""

# a file name a Linux folder may hold: a quote, a semicolon and a newline
ODD_NAME = 'odd"name;\nplan.txt'


def _build(store: Path, *paths: Path):
    result = CliRunner().invoke(main, ["build", "--store", str(store), *map(str, paths)])
    return result


@pytest.fixture(scope="module")
def plans_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-plans")
    (folder / "control.txt").write_text(CONTROL_PLAN, encoding="utf-8")
    (folder / ODD_NAME).write_text(PLAIN_PLAN, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def hostile_store(plans_dir, tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("hostile-store") / "store"
    result = _build(store, plans_dir)
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture(scope="module")
def hostile_app(hostile_store):
    return create_app({"STORE": hostile_store, "TESTING": True})


@pytest.fixture
def client(hostile_app):
    return hostile_app.test_client()


def _plan(client, title_word: str) -> dict:
    plans = client.get("/plans.json").get_json()["plans"]
    return next(p for p in plans if title_word in p["title"])


def _sheet_values(response) -> list[list]:
    book = load_workbook(io.BytesIO(response.data))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


# --- downloads -----------------------------------------------------------------------------------------------


def test_control_characters_in_a_query_result_do_not_fail_the_xlsx(client):
    # SPARQL's \u escape puts an ESC and a vertical tab into a value: openpyxl refuses them in a worksheet
    sparql = 'SELECT ?x WHERE { BIND(CONCAT("=1+1", "\\u001B", "市环", "\\u000B", "保局") AS ?x) }'
    response = client.get("/sparql/results.xlsx?query=" + quote(sparql))
    assert response.status_code == 200
    rows = _sheet_values(response)
    assert rows[0] == ["x"]
    assert rows[1] == ["=1+1\ufffd市环\ufffd保局"]  # text, not a formula; the visible characters kept


def test_every_download_of_a_plan_with_control_characters_opens(client):
    plan = _plan(client, "控制市")
    for url in ("/agencies.xlsx", "/plans.xlsx", page_url(plan["plan"]) + ".xlsx", "/search.xlsx?q=整治"):
        response = client.get(url)
        assert response.status_code == 200, url
        cells = [str(v) for row in _sheet_values(response) for v in row if v is not None]
        assert not any(ESC in c for c in cells), url
    agencies = _sheet_values(client.get("/agencies.xlsx"))
    names = [row[0] for row in agencies[1:]]
    assert "=2+3市交通局" in names  # a formula-like name stays its text, a string cell


# --- parameters at their edges -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/audit/?as_of=9999-12-31",
        "/audit/due-soon?as_of=9999-12-31",
        "/audit/due-soon?as_of=9999-12-01&days=36600",
        "/audit/due-soon.json?as_of=9999-12-31&_size=10",
        "/audit/due-soon.csv?as_of=9999-12-31",
        "/audit/due-soon?as_of=9999-12-31&_sort=due",
    ],
)
def test_a_due_soon_window_past_the_calendars_end_ends_there(client, url):
    # as_of + days past 9999-12-31 overflowed Python's dates: a 500
    response = client.get(url)
    assert response.status_code == 200, url
    if url.startswith("/audit/due-soon.json"):
        assert response.get_json()["until"] == "9999-12-31"
        assert response.get_json()["tasks"] == []


def test_a_due_soon_window_still_holds_both_ends(client):
    # 2019年底前 in both plans, 2020年10月底前 in one: 305 days after 2019-12-31 is 2020-10-31
    for size in ("&_size=10", ""):  # a page read by the deadlines' order (first), and the whole answer
        url = "/audit/due-soon.json?as_of=2019-12-31&days={}" + size
        tasks = client.get(url.format(305)).get_json()["tasks"]
        assert sorted(t["due"] for t in tasks) == ["2019-12-31", "2019-12-31", "2020-10-31"]
        tasks = client.get(url.format(304)).get_json()["tasks"]
        assert sorted(t["due"] for t in tasks) == ["2019-12-31", "2019-12-31"]


# --- the source file -----------------------------------------------------------------------------------------


def test_a_source_file_whose_name_holds_a_newline_downloads_under_a_safe_name(client):
    # a header cannot carry a newline: Werkzeug refused the name and the download failed with a 500
    plan = _plan(client, "平常市")
    assert plan["sourceFile"] == ODD_NAME
    response = client.get(page_url(plan["plan"]) + "/source")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "\n" not in disposition and "\r" not in disposition
    assert (
        disposition == 'attachment; filename="odd\\"name;_plan.txt"'
    )  # the quote escaped, the ; inside quotes
    assert response.data.decode("utf-8") == PLAIN_PLAN


def test_a_source_file_name_with_a_right_to_left_override_downloads_without_it(tmp_path):
    # 反转\u202eexe.txt is shown by a browser as 反转txt.exe
    (tmp_path / "反转\u202eexe.txt").write_text(PLAIN_PLAN, encoding="utf-8")
    store = tmp_path / "store"
    assert _build(store, tmp_path).exit_code == 0
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    response = client.get(page_url(_plan(client, "平常市")["plan"]) + "/source")
    assert response.status_code == 200
    assert unquote(response.headers["Content-Disposition"].split("''", 1)[1]) == "反转_exe.txt"


SECRET = "秘密市打赢蓝天保卫战方案\n\n一、主要任务\n\n1. 整治企业。2019年底前完成。（牵头单位：市环保局）\nPASSWORD=hunter2\n"


def _plans_and_elsewhere(tmp_path, folder: str, name: str) -> tuple[Path, Path]:
    """A folder `folder` holding the plan SECRET as `name`, and a plans folder holding PLAIN_PLAN."""
    elsewhere = tmp_path / folder
    elsewhere.mkdir()
    (elsewhere / name).write_text(SECRET, encoding="utf-8")
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "plain.txt").write_text(PLAIN_PLAN, encoding="utf-8")
    return elsewhere, plans


def _errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_a_link_in_a_plans_folder_to_a_file_outside_it_is_not_read(tmp_path):
    # a folder of plans from elsewhere (an unpacked archive) holding a link to a file of this machine: the build
    # read it as a plan and the explorer offered it for download as the plan's source
    elsewhere, plans = _plans_and_elsewhere(tmp_path, "private", "notes.txt")
    (plans / "link.txt").symlink_to(elsewhere / "notes.txt")
    (plans / "inside.txt").symlink_to(plans / "plain.txt")  # a link within the folder is the same plan
    store = tmp_path / "store"
    result = _build(store, plans)
    assert result.exit_code == 0, result.output
    errors = _errors(result)
    assert len(errors) == 1
    assert str(plans / "link.txt") in errors[0] and "outside the folder" in errors[0]
    assert "平常市" in result.stdout and "秘密市" not in result.stdout
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    plans_json = client.get("/plans.json").get_json()["plans"]
    assert [p["sourceFile"] for p in plans_json if p["sourceFile"]] == ["plain.txt"]
    assert "PASSWORD" not in client.get("/search.json?q=秘密").get_data(as_text=True)
    # the file named itself is read: the one who builds chose it
    result = _build(tmp_path / "store2", plans / "link.txt")
    assert result.exit_code == 0 and "秘密市" in result.stdout


def test_a_link_to_a_folder_inside_a_plans_folder_is_named_not_passed_over(tmp_path):
    # os.walk does not enter a linked folder: its plans were left out without a word
    elsewhere, plans = _plans_and_elsewhere(tmp_path, "more-plans", "other.txt")
    (plans / "linked").symlink_to(elsewhere, target_is_directory=True)
    result = _build(tmp_path / "store", plans)
    assert result.exit_code == 0, result.output
    errors = _errors(result)
    assert len(errors) == 1 and str(plans / "linked") in errors[0] and "not followed" in errors[0]
    assert str(elsewhere) in errors[0]  # where it leads, so the user can name that folder
    assert "平常市" in result.stdout and "秘密市" not in result.stdout
    result = _build(tmp_path / "store2", elsewhere)  # the folder named itself is read
    assert result.exit_code == 0 and "秘密市" in result.stdout


def test_a_source_file_replaced_by_a_link_after_the_build_is_not_sent(tmp_path):
    elsewhere = tmp_path / "private.txt"
    elsewhere.write_text("PASSWORD=hunter2\n", encoding="utf-8")
    plans = tmp_path / "plans"
    plans.mkdir()
    plan_file = plans / "plain.txt"
    plan_file.write_text(PLAIN_PLAN, encoding="utf-8")
    store = tmp_path / "store"
    assert _build(store, plans).exit_code == 0
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    plan = _plan(client, "平常市")
    assert client.get(page_url(plan["plan"]) + "/source").data.decode("utf-8") == PLAIN_PLAN
    plan_file.unlink()
    plan_file.symlink_to(elsewhere)
    response = client.get(page_url(plan["plan"]) + "/source")
    assert response.status_code == 404
    assert b"hunter2" not in response.data


# --- bytes and characters of a plan file -----------------------------------------------------------------


def test_control_characters_in_a_plan_file_are_replaced_with_a_warning(hostile_store, plans_dir, client):
    result = CliRunner().invoke(main, ["build", "--store", str(hostile_store), "--verbose", str(plans_dir)])
    assert result.exit_code == 0, result.output
    assert "2 control character(s) replaced by U+FFFD" in result.output
    names = [a["label"] for a in client.get("/agencies.json").get_json()["agencies"]]
    assert "控制市环\ufffd保局" in names
    assert not any(ESC in name for name in names)


def test_a_text_direction_override_in_a_plan_cannot_reorder_its_names(tmp_path):
    from loaders.plan import load_plan

    path = tmp_path / "plan.txt"
    # U+202E would show the rest of the line reversed: 方向市环保局 as 局保环市向方 on every page naming it
    text = PLAIN_PLAN.replace("平常市", "平常\u202e市").replace("牵头单位：市环保局", "牵头单位：市环\u2067保局")
    path.write_text(text, encoding="utf-8")
    plan = load_plan(path)
    assert "\u202e" not in plan.title and "平常\ufffd市" in plan.title
    surfaces = [a.agency.surface for t in plan.tasks for a in t.attributions]
    assert "市环\ufffd保局" in surfaces and not any("\u2067" in s for s in surfaces)
    assert any("control character(s) replaced by U+FFFD" in w for w in plan.warnings)


def test_the_chart_and_the_sparql_xml_of_a_plan_with_control_characters_are_well_formed_xml(client):
    from xml.etree import ElementTree

    agency = next(
        a["agency"]
        for a in client.get("/agencies.json").get_json()["agencies"]
        if a["label"].startswith("控制市环")
    )
    chart = client.get("/audit/timeline.svg?agency=" + quote(agency))
    assert chart.status_code == 200
    svg = ElementTree.fromstring(
        chart.data
    )  # an ESC in its title made the SVG no XML: the browser drew nothing
    assert any("控制市环\ufffd保局" in (e.text or "") for e in svg.iterfind(".//{*}text"))
    sparql = "SELECT ?label WHERE { ?a a lt:Agency ; rdfs:label ?label }"
    response = client.get(
        "/sparql", query_string={"query": sparql}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert response.status_code == 200
    literals = [e.text for e in ElementTree.fromstring(response.data).iterfind(".//{*}literal")]
    assert "控制市环\ufffd保局" in literals


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", '"某某市打赢蓝天保卫战实施方案\\r\\nX-Injected: 1"'),
        ("doc_number", '"某政发〔2019〕1号\\x1b"'),
        ("within", '["云南省\\n"]'),
        ("cites", '[{title: "上级方案\\u0007", doc_number: "云政发〔2018〕44号"}]'),
    ],
)
def test_a_sidecar_field_holding_a_control_character_is_refused_naming_the_field(tmp_path, field, value):
    (tmp_path / "plain.txt").write_text(PLAIN_PLAN, encoding="utf-8")
    (tmp_path / "plain.yaml").write_text(f"{field}: {value}\n", encoding="utf-8")
    (tmp_path / "other.txt").write_text(CONTROL_PLAN.replace(ESC, ""), encoding="utf-8")
    result = _build(tmp_path / "store", tmp_path)
    assert result.exit_code == 0, result.output
    error = _errors(result)[0]
    assert "plain.yaml" in error and f"field '{field}'" in error and "control characters" in error
    assert "控制市" in result.stdout  # the other plan loads


def test_a_byte_that_does_not_decode_in_an_agency_name_fails_no_build(tmp_path):
    # README: a stray 0xFF is replaced by U+FFFD and the plan loads; in an agency's name it went into the
    # agency's IRI, which Oxigraph refuses (U+FFFD is no IRI character): the whole build stopped, no store
    bad = CONTROL_PLAN.replace(ESC, "").replace("市环保局", "市环\udcff保局").replace("=2+3", "")
    (tmp_path / "bad.txt").write_bytes(bad.encode("utf-8", "surrogateescape"))  # the byte 0xFF
    (tmp_path / "plain.txt").write_text(PLAIN_PLAN, encoding="utf-8")
    store = tmp_path / "store"
    result = _build(store, tmp_path)
    assert result.exit_code == 0, result.output
    assert "控制市" in result.stdout
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    agencies = client.get("/agencies.json").get_json()["agencies"]
    agency = next(a for a in agencies if a["label"] == "控制市环\ufffd保局")
    assert agency["agency"].endswith("/agency/控制市/环%EF%BF%BD保局")
    page = client.get(page_url(agency["agency"]))  # the page of that IRI, and back from a browser's path
    assert page.status_code == 200 and "控制市环\ufffd保局" in page.get_data(as_text=True)
    assert client.get(quote(page_url(agency["agency"]).replace("%EF%BF%BD", "\ufffd"))).status_code == 200
    assert {p["title"] for p in client.get("/plans.json").get_json()["plans"]} >= {
        "控制市打赢蓝天保卫战三年行动方案",
        "平常市打赢蓝天保卫战实施方案",
    }


BIG = "9" * 5000  # more digits than Python's int() converts (4300)


@pytest.mark.parametrize(
    "url, zh, en",
    [
        # "²" passes str.isdigit(), not int()
        ("/agencies?_size=%C2%B2", "每页行数「²」无效", "Bad page size “²”"),
        ("/plans.csv?_size=%C2%B2", "每页行数「²」无效", "Bad page size “²”"),
        ("/audit/due-soon?days=%C2%B2", "天数应为 0 到 36600 之间的整数：²", "36600"),
        (f"/audit/due-soon?days={BIG}", "天数应为 0 到 36600 之间的整数", "36600"),
        (f"/audit/due-soon.xlsx?days={BIG}", "天数应为 0 到 36600 之间的整数", "36600"),
    ],
)
def test_a_number_parameter_python_cannot_read_is_a_400_naming_it(client, url, zh, en):
    response = client.get(url)
    assert response.status_code == 400, url
    assert zh in response.get_data(as_text=True)
    english = client.get(url + "&lang=en")
    assert english.status_code == 400 and en in english.get_data(as_text=True)


def test_a_page_size_of_more_digits_than_int_reads_is_every_row(client):
    response = client.get(f"/agencies.json?_size={BIG}")
    assert response.status_code == 200
    assert len(response.get_json()["agencies"]) == len(client.get("/agencies.json").get_json()["agencies"])


def test_a_text_mark_of_more_digits_than_int_reads_is_left_out(client):
    plan = _plan(client, "平常市")
    response = client.get(page_url(plan["plan"]) + f"/text?mark={BIG}-{BIG}&mark=0-5")
    assert response.status_code == 200
    assert 'id="m0"' in response.get_data(as_text=True)  # the mark that fits is shown


CIRCLED_PLAN = """圈号市打赢蓝天保卫战实施方案

一、主要任务

（一）调整产业结构

①整治企业。全面排查散乱污企业，2019年底前完成。（牵头单位：市环保局；责任单位：市工信局）

②推进清洁取暖。2020年底前完成。（牵头单位：市交通局；配合单位：市工信局）
"""


def test_a_plan_numbering_its_items_with_circled_numbers_draws_its_network_with_tasks(tmp_path):
    # "①".isdigit() is True but int("①") fails: the plan's network with its tasks was a 500
    (tmp_path / "circled.txt").write_text(CIRCLED_PLAN, encoding="utf-8")
    store = tmp_path / "store"
    assert _build(store, tmp_path / "circled.txt").exit_code == 0
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    plan = _plan(client, "圈号市")
    sections = [t["section"] for t in client.get(page_url(plan["plan"]) + ".json").get_json()["tasks"]]
    assert sections == ["一.(一).①", "一.(一).②"]
    response = client.get(page_url(plan["plan"]).replace("/id/", "/network/", 1) + ".json?tasks=1")
    assert response.status_code == 200
    nodes = response.get_json()["nodes"]
    assert [n["label"].split()[0] for n in nodes if n["kind"] == "task"] == ["一.(一).①", "一.(一).②"]
    assert any(n["kind"] == "agency" for n in nodes)  # the leads


def test_a_web_page_plan_downloads_as_an_attachment_that_runs_nothing(tmp_path):
    page = (
        "<html><body><h1>网页市打赢蓝天保卫战实施方案</h1><p>一、主要任务</p>"
        "<p>1. 整治企业。2019年底前完成。（牵头单位：市环保局；责任单位：市工信局）</p>"
        "<script>alert(document.cookie)</script></body></html>"
    )
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    store = tmp_path / "store"
    assert _build(store, tmp_path / "page.html").exit_code == 0
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    response = client.get(page_url(_plan(client, "网页市")["plan"]) + "/source")
    assert response.status_code == 200 and response.data.decode("utf-8") == page  # the file as it is
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_query_result_iri_that_is_no_web_address_is_no_hyperlink_in_the_xlsx(client):
    sparql = (
        "SELECT ?x WHERE { VALUES ?x { <javascript:alert(1)> <file:///etc/passwd> <https://example.org/y> "
        "<https://w3id.org/lantian/id/plan/x> } }"
    )
    response = client.get("/sparql/results.xlsx?query=" + quote(sparql))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    links = {c.value: c.hyperlink.target if c.hyperlink else None for c in sheet["A"][1:]}
    assert links == {
        "javascript:alert(1)": None,  # the text kept, no link to click
        "file:///etc/passwd": None,
        "https://example.org/y": "https://example.org/y",
        "http://localhost/id/plan/x": "http://localhost/id/plan/x",
    }


def test_a_plan_whose_names_the_graph_refuses_is_named_and_the_others_load(tmp_path, monkeypatch):
    # minting as before U+FFFD was escaped: Oxigraph refuses the IRI of 市环\ufffd保局; the build named
    # nothing and stopped with a traceback. One plan's failure is now its own error line.
    import kg.namespaces

    monkeypatch.setattr(kg.namespaces, "_NOT_UCSCHAR", re.compile("(?!)"))  # matches nothing
    bad = CONTROL_PLAN.replace(ESC, "\ufffd").replace("=2+3", "")
    (tmp_path / "bad.txt").write_text(bad, encoding="utf-8")
    (tmp_path / "plain.txt").write_text(PLAIN_PLAN, encoding="utf-8")
    store = tmp_path / "store"
    result = CliRunner().invoke(main, ["build", "--store", str(store), "--jobs", "1", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [error] = _errors(result)
    assert str(tmp_path / "bad.txt") in error and "could not be written to the graph" in error
    assert "Invalid IRI" in error
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    assert [p["sourceFile"] for p in client.get("/plans.json").get_json()["plans"] if p["sourceFile"]] == [
        "plain.txt"
    ]


NO_PLACE_PLAN = PLAIN_PLAN.replace("平常市打赢蓝天保卫战实施方案", "打赢蓝天保卫战实施方案")


@pytest.mark.parametrize(
    "sidecar, field", [("within: [云南省]\n", "within"), ("jurisdiction: ' '\n", "jurisdiction")]
)
def test_a_sidecar_placing_a_plan_of_no_place_is_refused_naming_the_field(tmp_path, sidecar, field):
    # the title names no place and the sidecar gives none: a place of no name, and agencies agency//市环保局
    # whose network pages the server's merging of slashes sent to a 404
    (tmp_path / "noplace.txt").write_text(NO_PLACE_PLAN, encoding="utf-8")
    (tmp_path / "noplace.yaml").write_text(sidecar, encoding="utf-8")
    (tmp_path / "plain.txt").write_text(PLAIN_PLAN, encoding="utf-8")
    store = tmp_path / "store"
    result = _build(store, tmp_path)
    assert result.exit_code == 0, result.output
    [error] = _errors(result)
    assert "noplace.yaml" in error and f"field '{field}'" in error and "set 'jurisdiction' too" in error
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    agencies = client.get("/agencies.json").get_json()["agencies"]
    assert agencies and not [a for a in agencies if "/agency//" in a["agency"]]


def test_a_title_with_a_right_to_left_override_cannot_disguise_a_downloads_name(tmp_path):
    # U+202E in a title made overdue-…方案\u202excod.exe.xlsx, which a browser's downloads show as …xslx.exe.docx
    title = "反转市打赢蓝天保卫战实施方案"
    (tmp_path / "rlo.txt").write_text(
        PLAIN_PLAN.replace("平常市打赢蓝天保卫战实施方案", title), encoding="utf-8"
    )
    (tmp_path / "rlo.yaml").write_text(f'title: "{title}\\u202excod.exe"\n', encoding="utf-8")
    store = tmp_path / "store"
    assert _build(store, tmp_path).exit_code == 0
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    plan = _plan(client, "反转市")
    assert plan["title"] == f"{title}\u202excod.exe"  # the title as the sidecar gives it
    response = client.get(f"/audit/overdue.xlsx?as_of=2030-01-01&plan={quote(plan['plan'])}")
    assert response.status_code == 200
    name = unquote(response.headers["Content-Disposition"].split("''", 1)[1])
    assert name == f"overdue-2030-01-01-{title}_xcod.exe.xlsx"


def test_control_characters_a_web_page_writes_as_entities_are_replaced_too(tmp_path):
    # &#27; decodes to ESC after the page's markup is read: it reached the agency's name
    page = (
        "<html><body><h1>实体市打赢蓝天保卫战实施方案</h1><p>一、主要任务</p>"
        "<p>1. 整治企业。2019年底前完成。（牵头单位：市环&#27;保局；责任单位：市工&#x7f;信局）</p></body></html>"
    )
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    store = tmp_path / "store"
    result = CliRunner().invoke(
        main, ["build", "--store", str(store), "--verbose", str(tmp_path / "page.html")]
    )
    assert result.exit_code == 0, result.output
    assert "2 control character(s) replaced by U+FFFD" in result.output
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    names = {a["label"] for a in client.get("/agencies.json").get_json()["agencies"]}
    assert names == {"实体市环\ufffd保局", "实体市工\ufffd信局"}


def test_sparql_xml_results_holding_a_control_character_are_xml(client):
    from xml.etree import ElementTree

    sparql = 'SELECT ?x WHERE { BIND(CONCAT("市环", "\\u001B", "保局") AS ?x) }'
    response = client.get(
        "/sparql", query_string={"query": sparql}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert response.status_code == 200
    literals = [e.text for e in ElementTree.fromstring(response.data).iterfind(".//{*}literal")]
    assert literals == ["市环\ufffd保局"]


def test_the_chart_of_a_store_built_before_control_characters_were_replaced_is_svg(tmp_path, monkeypatch):
    # a store an older build wrote (kg build --update keeps other plans' graphs as they are): an ESC in a name
    from xml.etree import ElementTree

    import loaders.reading

    monkeypatch.setattr(loaders.reading, "_CONTROL_CHARS", re.compile("(?!)"))  # as before: kept
    (tmp_path / "control.txt").write_text(CONTROL_PLAN, encoding="utf-8")
    store = tmp_path / "store"
    result = CliRunner().invoke(main, ["build", "--store", str(store), "--jobs", "1", str(tmp_path)])
    assert result.exit_code == 0, result.output
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    agency = next(a for a in client.get("/agencies.json").get_json()["agencies"] if ESC in a["label"])
    chart = client.get("/audit/timeline.svg?agency=" + quote(agency["agency"]))
    assert chart.status_code == 200
    svg = ElementTree.fromstring(chart.data)  # the ESC made it no XML
    assert any("控制市环\ufffd保局" in (e.text or "") for e in svg.iterfind(".//{*}text"))


def test_a_text_longer_than_an_excel_cell_is_cut_to_fit_it(client):
    # Excel holds 32,767 characters in a cell and "repairs" a workbook with a longer one: a 40,000-character
    # query went into the about sheet's title, a 40,000-character value into its cell
    long = "扬" * 40000
    sparql = f'SELECT ?x WHERE {{ BIND("{long}" AS ?x) }} # {"注" * 40000}'
    response = client.get("/sparql/results.xlsx", query_string={"query": sparql})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    cells = [
        c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if isinstance(c.value, str)
    ]
    assert max(len(c.value) for c in cells) == 32767
    [value] = [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert value == "扬" * 32766 + "…"
    about = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True)}
    assert next(v for v in about.values() if v and v.startswith("SELECT ?x")).endswith("…")
