"""Task-decomposition spreadsheets as governments publish them (附件：重点任务分解表), written here with openpyxl and
saved as .xls by LibreOffice Calc: a title row above the header, 重点任务 and 牵头单位 cells merged down over the
具体措施 rows they head, category rows merged across the table, a note row under it, a hidden row, column and sheet,
and a second sheet (工作任务 | 责任单位 | 完成时间) whose 序号 are formulas the writer did not calculate.

Each test checks what a reader can count in the rows below: which rows are tasks, who leads, supports or is
responsible for each, by when, and the plan's title; and that bad workbooks are named with their reason while the
other plans load.
"""

from __future__ import annotations

import datetime
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import Workbook

from kg.cli import main
from loaders import office
from loaders.plan import load_plan
from loaders.reading import PlanInputError, read_plan
from tests.formats import convert, need_calc, need_soffice
from tests.helpers import assert_each_named, assert_each_refused

TITLE = "长宁市打赢蓝天保卫战三年行动计划（2018—2020年）重点任务分解表"
HEADER = ["序号", "重点任务", "具体措施", "牵头单位", "配合单位", "完成时限", "备注"]
# the table of the first sheet below its header: a category row (a string) is merged across the table; None is a
# place covered by the cell above it (重点任务 and 牵头单位 merged down)
TABLE = [
    "一、调整优化产业结构",
    [
        1,
        "推进钢铁行业超低排放改造",
        "完成长宁钢铁公司烧结机头烟气超低排放改造。",
        "市工业和信息化局",
        "市生态环境局",
        datetime.date(2019, 6, 30),
    ],
    [
        2,
        None,
        "建立钢铁企业无组织排放管理台账，实施封闭储存。",
        None,
        "市生态环境局\n市发展改革委",  # two names on two lines of one cell
        "2020年底前",
    ],
    [3, None, "严格执行钢铁行业产能置换办法，严禁新增产能。", None, "市发展改革委", "长期坚持"],
    "二、调整优化能源结构",
    [
        4,
        "实施燃煤锅炉综合整治",
        "淘汰城市建成区每小时10蒸吨及以下燃煤锅炉。",
        "市生态环境局\n市市场监管局",
        "各县（区）人民政府",
        datetime.date(2020, 6, 1),  # shown by its format as 2020年6月
    ],
    [5, None, "开展燃气锅炉低氮改造。", "市生态环境局", "市住房城乡建设局", "2020年10月底前"],
]
MONTH_FORMAT = 'yyyy"年"m"月"'
SHOWN = {datetime.date(2019, 6, 30): "2019年6月30日", datetime.date(2020, 6, 1): "2020年6月"}
NOTE = "注：完成时限为“长期坚持”的任务，每年12月底前报送进展情况。"
SECOND_TITLE = "长宁市大气污染防治重点工作任务清单"
SECOND = [
    ["序号", "工作任务", "责任单位", "完成时间"],
    [
        "=ROW()-2",
        "建成区施工工地全面落实“六个百分之百”要求。",
        "市住房城乡建设局、各县（区）人民政府",
        "2019年",
    ],
    ["=ROW()-2", "渣土运输车辆全部实行密闭运输。", "市城市管理局牵头，市公安局交警支队配合", "2019年9月底前"],
    ["=ROW()-2", "加强餐饮油烟治理，安装高效油烟净化设施。", "市城市管理局", "持续推进"],
]

# what a reader finds in those rows: (the measure, leads, supports, implements, due dates), in order
EXPECTED = [
    ("完成长宁钢铁公司烧结机头烟气超低排放改造", ["市工业和信息化局"], ["市生态环境局"], [], ["2019-06-30"]),
    (
        "建立钢铁企业无组织排放管理台账，实施封闭储存",
        ["市工业和信息化局"],  # the 牵头单位 cell merged over rows 1–3 leads each
        ["市生态环境局", "市发展改革委"],
        [],
        ["2020-12-31"],
    ),
    ("严格执行钢铁行业产能置换办法，严禁新增产能", ["市工业和信息化局"], ["市发展改革委"], [], []),
    (
        "淘汰城市建成区每小时10蒸吨及以下燃煤锅炉",
        ["市生态环境局", "市市场监管局"],
        ["各县（区）人民政府"],
        [],
        ["2020-06-30"],
    ),
    ("开展燃气锅炉低氮改造", ["市生态环境局"], ["市住房城乡建设局"], [], ["2020-10-31"]),
    (
        "建成区施工工地全面落实“六个百分之百”要求",
        [],
        [],
        ["市住房城乡建设局", "各县（区）人民政府"],
        ["2019-12-31"],
    ),
    ("渣土运输车辆全部实行密闭运输", ["市城市管理局"], ["市公安局交警支队"], [], ["2019-09-30"]),
    ("加强餐饮油烟治理，安装高效油烟净化设施", [], [], ["市城市管理局"], []),
]
HIDDEN = ["这一行已隐藏", "内部编号", "GT-001", "填表说明"]  # in a hidden row, column and sheet
TARGETS = ["PM2.5年均浓度目标", "安平县"]  # in the sheet of targets, which holds no task table


def _merge_down(rows: list) -> list[tuple[int, int, int]]:
    """(column, first row, last row) of each cell merged down: a value with None under it (rows counted from 0)."""
    merges = []
    for k, row in enumerate(rows):
        if isinstance(row, str):
            continue
        for c, value in enumerate(row):
            if value is None:
                continue
            last = k
            while (
                last + 1 < len(rows)
                and not isinstance(rows[last + 1], str)
                and c < len(rows[last + 1])
                and rows[last + 1][c] is None
            ):
                last += 1
            if last > k:
                merges.append((c, k, last))
    return merges


def write_workbook(path: Path) -> Path:
    """The decomposition workbook: sheet 重点任务 (附件1, the title merged across, the header, TABLE, a hidden row, an
    empty row, the note merged across, a hidden column), sheet 重点工程 (its title, SECOND), a sheet of targets (no
    task table) and a hidden sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "重点任务"
    width = len(HEADER)
    sheet.append(["附件1"])
    sheet.append([TITLE])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet.append(HEADER)
    first = sheet.max_row + 1
    for row in TABLE:
        sheet.append([row] if isinstance(row, str) else row)
        if isinstance(row, str):
            sheet.merge_cells(
                start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=width
            )
        for c, value in enumerate([] if isinstance(row, str) else row):
            if value == datetime.date(2020, 6, 1):
                sheet.cell(sheet.max_row, c + 1).number_format = MONTH_FORMAT
    for c, top, bottom in _merge_down(TABLE):
        sheet.merge_cells(start_row=first + top, start_column=c + 1, end_row=first + bottom, end_column=c + 1)
    sheet.append([6, "草稿任务", "这一行已隐藏，不应读出。", "市草稿局", None, "2020年底前"])
    sheet.row_dimensions[sheet.max_row].hidden = True
    sheet.append([])
    sheet.append([NOTE])
    sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=width)
    sheet.cell(3, width + 1, "内部编号")
    sheet.cell(first + 1, width + 1, "GT-001")
    sheet.column_dimensions["H"].hidden = True
    second = workbook.create_sheet("重点工程")
    second.append([SECOND_TITLE])
    second.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(SECOND[0]))
    for row in SECOND:
        second.append(row)
    targets = workbook.create_sheet("空气质量目标")  # no task table: left out
    targets.append(["县（区）", "PM2.5年均浓度目标（微克/立方米）", "优良天数比例目标"])
    targets.append(["长宁区", 38, "80%"])
    targets.append(["安平县", 35, "82%"])
    notes = workbook.create_sheet("填表说明")
    notes.append(["填表说明：本表由市大气办汇总，不公开。"])
    notes.sheet_state = "hidden"
    workbook.save(path)
    return path


def facts(plan) -> list[tuple]:
    """Each task as EXPECTED states it, its agencies as the plan's text writes them at their offsets."""
    out = []
    for task in plan.tasks:
        roles = {"leads": [], "supports": [], "implements": []}
        for a in task.attributions:
            roles[a.role.value].append(plan.text[a.start : a.end])
        dates = sorted(d.due_date for d in task.deadlines)
        out.append((task.text, roles["leads"], roles["supports"], roles["implements"], dates))
    return out


@pytest.fixture
def workbook(tmp_path) -> Path:
    return write_workbook(tmp_path / "plan.xlsx")


# ------------------------------------------------------------------------------------------- one workbook


def test_each_row_of_a_decomposition_sheet_is_a_task(workbook):
    plan = load_plan(workbook)
    assert facts(plan) == EXPECTED  # 8 tasks of the 9 data rows written: the hidden one is none
    assert plan.title == TITLE  # the title row, not the 附件1 above it
    assert plan.jurisdiction.name == "长宁市"
    for task in plan.tasks:  # each task's offsets point at its text in the plan's text (lt:planText)
        assert plan.text[task.start : task.end] == task.text


def test_hidden_rows_columns_and_sheets_and_notes_are_no_tasks(workbook):
    plan = load_plan(workbook)
    for words in HIDDEN + TARGETS:
        assert words not in plan.text
    assert [w for w in plan.warnings if w.startswith("sheet '空气质量目标' left out: it holds no task table")]
    assert "" not in plan.text.split("\n")  # the empty row left out
    assert [s.reason for s in plan.skipped if s.text == NOTE] == ["note under a table"]
    assert [s.reason for s in plan.skipped if s.text == SECOND_TITLE] == ["title of a table"]  # no measure
    assert plan.coverage() == (8, 8)  # every measure names an accountable unit
    lines = plan.text.split("\n")
    # the title above the header, and the category row merged across the table, each a line of its own
    assert lines[:4] == ["附件1", TITLE, "\t".join(HEADER), "一、调整优化产业结构"]


def test_the_sheet_is_read_as_the_same_table_in_word(workbook, tmp_path):
    """The first sheet's table written as a Word table (merged cells alike, the cells as the sheet shows them) gives
    the same lines: merged cells are read as loaders.docx_text reads them."""
    document = Document()
    width = len(HEADER)
    table = document.add_table(rows=1 + len(TABLE), cols=width)
    for c, word in enumerate(HEADER):
        table.cell(0, c).text = word
    for k, row in enumerate(TABLE, start=1):
        if isinstance(row, str):
            table.cell(k, 0).merge(table.cell(k, width - 1)).text = row
            continue
        for c, value in enumerate(row):
            if value is not None:
                lines = SHOWN.get(value, str(value)).split("\n")
                cell = table.cell(k, c)
                cell.text = lines[0]
                for line in lines[1:]:
                    cell.add_paragraph(line)
    for c, top, bottom in _merge_down(TABLE):
        table.cell(1 + top, c).merge(table.cell(1 + bottom, c))
    document.save(str(tmp_path / "plan.docx"))
    word = read_plan(tmp_path / "plan.docx").display.split("\n")
    sheet = read_plan(workbook).display.split("\n")
    start = sheet.index("\t".join(HEADER))
    assert sheet[start : start + len(word)] == word
    assert sheet[start + len(word)] == NOTE


def test_formulas_saved_without_their_values_are_warned_of(workbook):
    plan = load_plan(workbook)
    warnings = [w for w in plan.warnings if "formulas saved without their values" in w]
    assert len(warnings) == 1 and "sheet '重点工程'" in warnings[0] and "(A3, A4, A5)" in warnings[0]
    assert "\n\t建成区施工工地" in plan.text  # its 序号 read as empty; the row is still a task


def test_a_row_left_with_its_number_only_and_dates_in_figures(tmp_path):
    """A county's sheet as typed in Excel: a row left with only its 序号 (no measure: the rows after it are still
    tasks), 完成时限 in figures (2020.12, the number 2020, 2019.10底前, the number 2020.10 shown with two decimals)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["长宁县大气污染防治重点任务分解表"])
    sheet.append(["序号", "工作任务", "牵头单位", "配合单位", "完成时限"])
    sheet.append([1, "淘汰燃煤小锅炉。", "县生态环境局", "县市场监管局", "2020.12"])
    sheet.append([2])
    sheet.append([3, "整治散乱污企业。", "县工信局", "各乡镇人民政府", 2020])
    sheet.append([4, "推进秸秆综合利用。", "县农业农村局", None, "2019.10底前"])
    sheet.append([5, "开展扬尘专项整治。", "县住建局", None, 2020.1])
    sheet.cell(sheet.max_row, 5).number_format = "0.00"
    workbook.save(tmp_path / "county.xlsx")
    plan = load_plan(tmp_path / "county.xlsx")
    assert facts(plan) == [
        ("淘汰燃煤小锅炉", ["县生态环境局"], ["县市场监管局"], [], ["2020-12-31"]),
        ("整治散乱污企业", ["县工信局"], ["各乡镇人民政府"], [], ["2020-12-31"]),
        ("推进秸秆综合利用", ["县农业农村局"], [], [], ["2019-10-31"]),
        ("开展扬尘专项整治", ["县住建局"], [], [], ["2020-10-31"]),
    ]
    assert plan.jurisdiction.name == "长宁县"


WEB_PAGE_XLS = """<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">
<head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>
<body><table border="1">
<tr><td colspan="6">长宁市打赢蓝天保卫战重点任务分解表</td></tr>
<tr><td>序号</td><td>重点任务</td><td>具体措施</td><td>牵头单位</td><td>配合单位</td><td>完成时限</td></tr>
<tr><td>1</td><td rowspan="2">推进钢铁行业超低排放改造</td><td>完成烧结机头烟气超低排放改造。</td>
<td rowspan="2">市工业和信息化局</td><td>市生态环境局</td><td>2019年6月底前</td></tr>
<tr><td>2</td><td>实施钢铁企业无组织排放封闭储存。</td><td>市发展改革委</td><td>2020年底前</td></tr>
</table></body></html>
"""


def test_a_web_page_saved_as_xls_is_read_as_a_web_page(tmp_path):
    """Many sites export a table as an "xls" that is a web page (in GB2312 here): it is read as one, its rowspan
    cells spread to the rows they cover as a sheet's merged cells are (the lead merged over two rows leads both)."""
    path = tmp_path / "export.xls"
    path.write_bytes(WEB_PAGE_XLS.encode("gb18030"))
    plan = load_plan(path)
    assert plan.title == "长宁市打赢蓝天保卫战重点任务分解表"
    assert facts(plan) == [
        ("完成烧结机头烟气超低排放改造", ["市工业和信息化局"], ["市生态环境局"], [], ["2019-06-30"]),
        ("实施钢铁企业无组织排放封闭储存", ["市工业和信息化局"], ["市发展改革委"], [], ["2020-12-31"]),
    ]


# ------------------------------------------------------------------------------------------- bad workbooks


def _bad_workbooks(good: Path, folder: Path) -> dict[str, str]:
    """Bad workbooks made from real ones, each with the words its error must say."""
    from msoffcrypto.format.ooxml import OOXMLFile

    (folder / "truncated.xlsx").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    (folder / "notes.xlsx").write_text("这不是表格文件，只是改了扩展名的文本。", encoding="utf-8")
    with good.open("rb") as plain, (folder / "encrypted.xlsx").open("wb") as locked:
        OOXMLFile(plain).encrypt("s3cret", locked)  # "password to open", as Excel encrypts (ECMA-376 agile)
    cover = Workbook()
    cover.active.append(["长宁市大气污染防治工作情况说明"])
    cover.active.append(["全年优良天数比例达到80%以上。"])
    cover.save(folder / "cover.xlsx")
    Workbook().save(folder / "empty.xlsx")
    document = Document()
    document.add_paragraph("长宁市大气污染防治重点任务分解表")
    document.save(str(folder / "word.xlsx"))
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(folder / "bad-xml.xlsx", "w") as damaged:
        for item in source.infolist():
            data = source.read(item.filename)
            damaged.writestr(item, data[: len(data) // 2] if item.filename.endswith("sheet1.xml") else data)
    return {
        "truncated.xlsx": "damaged or truncated .xlsx",
        "notes.xlsx": "not a spreadsheet",
        "encrypted.xlsx": "encrypted .xlsx workbook: it needs a password to be opened",
        "cover.xlsx": "no task table in any sheet",
        "empty.xlsx": "empty workbook",
        "bad-xml.xlsx": "unreadable .xlsx",
        "word.xlsx": "not a workbook: a Word document (.docx) holding no spreadsheet",
    }


def test_bad_workbooks_are_named_with_the_reason_and_the_others_load(workbook, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    expected = _bad_workbooks(workbook, folder)
    assert_each_refused(folder, expected)
    shutil.copy(workbook, folder)
    (folder / "other.txt").write_text(
        "长宁县大气污染防治工作方案\n一、工作任务\n（一）淘汰燃煤小锅炉。（县生态环境局牵头，县市场监管局配合）\n",
        encoding="utf-8",
    )
    store = tmp_path / "store"
    result = CliRunner().invoke(main, ["build", "--store", str(store), str(folder)])
    assert result.exit_code == 0, result.output
    assert_each_named(result.stderr, expected)
    assert "plan.xlsx" in result.stdout and "other.txt" in result.stdout
    assert "warning: " in result.stderr and "formulas saved without their values" in result.stderr

    from kg.store import open_graph

    with open_graph(store) as graph:
        rows = list(
            graph.query(
                """SELECT ?text ?start ?end ?whole WHERE {
                     ?plan lt:sourceFile "plan.xlsx" ; lt:planText ?whole .
                     ?task lt:inPlan ?plan ; lt:text ?text ; lt:sourceStart ?start ; lt:sourceEnd ?end }"""
            )
        )
    assert sorted(str(r.text) for r in rows) == sorted(e[0] for e in EXPECTED)
    for row in rows:  # the evidence offsets point into the text the graph stores
        assert str(row.whole)[row.start.toPython() : row.end.toPython()] == str(row.text)

    from web import create_app

    client = create_app({"STORE": store, "TESTING": True}).test_client()
    home = client.get("/", headers={"Accept": "application/json"}).get_json()
    plan_iri = next(row["plan"] for row in home["gaps"] if row["title"] == TITLE)
    plan = client.get(
        "/id/" + plan_iri.split("/id/", 1)[1], headers={"Accept": "application/json"}
    ).get_json()
    row = next(task for task in plan["tasks"] if "无组织排放管理台账" in json.dumps(task, ensure_ascii=False))
    task_iri = next(v for v in row.values() if isinstance(v, str) and "/id/task/" in v)
    page = client.get("/id/" + task_iri.split("/id/", 1)[1])
    assert page.status_code == 200  # the task's page: its text and the lead the merged cell gave it
    assert "建立钢铁企业无组织排放管理台账" in page.get_data(as_text=True)
    assert "市工业和信息化局" in page.get_data(as_text=True)


def _big_workbook(path: Path, rows: int) -> Path:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("重点任务")
    sheet.append(HEADER)
    for n in range(rows):
        sheet.append(
            [n + 1, "推进工业污染治理", f"完成第{n + 1}家企业的废气治理设施升级改造。", "市生态环境局"]
        )
    workbook.save(path)
    return path


def test_a_workbook_holding_more_than_a_plan_may_is_refused(tmp_path):
    path = _big_workbook(tmp_path / "big.xlsx", 3000)
    size = path.stat().st_size
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/"))
    text = len(read_plan(path).display.encode())
    limit = max(size, unpacked // 10 + 1)  # the file and its unpacked sheets within the limits, its text not
    assert text > limit
    with pytest.raises(PlanInputError) as error:
        read_plan(path, max_bytes=limit)
    assert f"more than the limit of {limit} bytes of text" in str(error.value), str(error.value)
    assert unpacked > 10 * size
    with pytest.raises(PlanInputError) as error:  # its sheets unpack to more than ten times the limit
        read_plan(path, max_bytes=size)
    assert f"its sheets unpack to {unpacked} bytes" in str(error.value), str(error.value)
    diagonal = Workbook(write_only=True)  # a few cells, spread over 3,000 rows and 3,000 columns: no table
    sheet = diagonal.create_sheet("斜线")
    sheet.append(HEADER)
    for n in range(3000):
        sheet.append([None] * n + ["字"])
    diagonal.save(tmp_path / "diagonal.xlsx")
    with pytest.raises(PlanInputError) as error:
        read_plan(tmp_path / "diagonal.xlsx")
    assert "sheet '斜线' spreads its text over 3001 rows and 3000 columns" in str(error.value)
    plan = load_plan(path)  # within the default limits it loads
    assert len(plan.tasks) == 3000
    assert plan.title == "big"  # a sheet opening with its header row: no title row, the file's name names it


# ------------------------------------------------------------------------------------------- .xls and .et


def test_xls_and_et_are_read_through_libreoffice_calc(workbook, tmp_path):
    """The workbook saved as .xls by LibreOffice Calc (which calculates its formulas), and that file named .et (WPS
    Office's spreadsheet), state the same tasks; their 序号 formulas now have values."""
    need_calc()
    (xls,) = convert([workbook], "xls", tmp_path / "xls")
    et = shutil.copy(xls, tmp_path / "plan.et")
    for path in (xls, Path(et)):
        plan = load_plan(path)
        assert facts(plan) == EXPECTED, path.name
        assert plan.title == TITLE
        assert "\n1\t建成区施工工地" in plan.text  # =ROW()-2, calculated by Calc
        assert not [w for w in plan.warnings if "formulas" in w]
        for words in HIDDEN + TARGETS:
            assert words not in plan.text


def test_a_damaged_xls_is_named_with_the_reason(workbook, tmp_path):
    """A truncated .xls is refused as LibreOffice fails to load it (not read as text, as its guess would have it); a
    text file named .xls is no spreadsheet."""
    need_calc()
    (xls,) = convert([workbook], "xls", tmp_path / "xls")
    (tmp_path / "truncated.xls").write_bytes(xls.read_bytes()[: xls.stat().st_size // 2])
    (tmp_path / "notes.xls").write_text("这不是表格文件，只是改了扩展名的文本。", encoding="utf-8")
    for name, words in (
        ("truncated.xls", "LibreOffice could not convert it to xlsx"),
        ("notes.xls", "not a spreadsheet"),
    ):
        with pytest.raises(PlanInputError) as error:
            read_plan(tmp_path / name)
        assert str(error.value).startswith(str(tmp_path / name)) and words in str(error.value), str(
            error.value
        )


XML_2003 = """<?xml version="1.0" encoding="UTF-8"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="重点任务">
  <Table>
   <Row><Cell ss:MergeAcross="4"><Data ss:Type="String">长宁市打赢蓝天保卫战重点任务分解表</Data></Cell></Row>
   <Row><Cell><Data ss:Type="String">序号</Data></Cell><Cell><Data ss:Type="String">具体措施</Data></Cell>
    <Cell><Data ss:Type="String">牵头单位</Data></Cell><Cell><Data ss:Type="String">配合单位</Data></Cell>
    <Cell><Data ss:Type="String">完成时限</Data></Cell></Row>
   <Row><Cell><Data ss:Type="Number">1</Data></Cell><Cell><Data ss:Type="String">完成烧结机头烟气超低排放改造。</Data></Cell>
    <Cell ss:MergeDown="1"><Data ss:Type="String">市工业和信息化局</Data></Cell>
    <Cell><Data ss:Type="String">市生态环境局</Data></Cell><Cell><Data ss:Type="String">2019年6月底前</Data></Cell></Row>
   <Row><Cell><Data ss:Type="Number">2</Data></Cell><Cell><Data ss:Type="String">实施钢铁企业无组织排放封闭储存。</Data></Cell>
    <Cell ss:Index="4"><Data ss:Type="String">市发展改革委</Data></Cell><Cell><Data ss:Type="String">2020.12</Data></Cell></Row>
  </Table>
 </Worksheet>
</Workbook>
"""


def test_an_excel_2003_xml_spreadsheet_is_read_through_libreoffice_calc(tmp_path):
    """Excel's 2003 XML spreadsheet, as some systems still export "xls": its merged cells (MergeAcross over the
    title, MergeDown over the lead) read as a workbook's."""
    need_calc()
    path = tmp_path / "export.xls"
    path.write_text(XML_2003, encoding="utf-8")
    plan = load_plan(path)
    assert plan.title == "长宁市打赢蓝天保卫战重点任务分解表"
    assert facts(plan) == [
        ("完成烧结机头烟气超低排放改造", ["市工业和信息化局"], ["市生态环境局"], [], ["2019-06-30"]),
        ("实施钢铁企业无组织排放封闭储存", ["市工业和信息化局"], ["市发展改革委"], [], ["2020-12-31"]),
    ]


def test_a_legacy_workbook_named_xlsx_is_read_too(workbook, tmp_path):
    need_calc()
    (xls,) = convert([workbook], "xls", tmp_path / "xls")
    misnamed = shutil.copy(xls, tmp_path / "misnamed.xlsx")
    assert facts(load_plan(misnamed)) == EXPECTED


def test_legacy_workbooks_without_libreoffice_calc_name_the_package(tmp_path, monkeypatch):
    path = tmp_path / "plan.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    shutil.copy(path, tmp_path / "plan.et")
    monkeypatch.setattr(office, "has_calc", lambda command: False)
    for name in ("plan.xls", "plan.et"):
        with pytest.raises(PlanInputError) as error:
            read_plan(tmp_path / name)
        assert "needs LibreOffice Calc" in str(error.value) and office.CALC_PACKAGE in str(error.value)
    monkeypatch.setattr(office, "soffice", lambda: None)
    with pytest.raises(PlanInputError) as error:
        read_plan(path)
    assert "soffice is not on PATH" in str(error.value) and office.CALC_PACKAGE in str(error.value)


def test_ci_has_libreoffice_calc():
    """On CI the .xls tests must run, not be skipped: .ci/run installs LibreOffice Calc."""
    import os

    if os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        pytest.skip("outside CI (CI=true): a developer without LibreOffice Calc may skip the .xls tests")
    assert office.has_calc(need_soffice()), f"no Calc on CI: .ci/run must install {office.CALC_PACKAGE}"
