"""Responsibility tables (loaders/tables.py) on variants written here: one cell a line, PDF-to-text layout mode,
Markdown pipe rows in a text file, HTML <table>. Each test checks facts a reader can count in the variant text:
how many rows, who leads row N, the deadline of row N."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from loaders.plan import load_plan
from loaders.reading import read_plan
from loaders.records import Role
from loaders.tables import cell_deadlines, read_header, recover_rows


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def surfaces(plan, task) -> dict[str, list[str]]:
    """role -> the agencies as the plan writes them."""
    out: dict[str, list[str]] = {}
    for a in task.attributions:
        out.setdefault(Role(a.role).value, []).append(plan.text[a.start : a.end])
    return out


def task_with(plan, words: str):
    found = [t for t in plan.tasks if words in t.text]
    assert len(found) == 1, f"{len(found)} tasks contain {words!r}"
    return found[0]


def dates(task) -> list[str]:
    return sorted(d.due_date for d in task.deadlines)


PREAMBLE = "某市2020年大气污染防治工作方案\n为持续改善空气质量，制定本方案。\n"

# ------------------------------------------------------------------------------------ one cell per line

ONE_CELL_A_LINE = (
    PREAMBLE
    + """附件
某市2020年大气污染防治任务清单
编号
工作任务
牵头部门
协办单位
完成时间
一、工业污染治理
1
完成钢铁企业超低排放改造，建立企业管理台账，严格执行排污许可制度。
市工信局
市生态环境局、市发改委
2020年6月底前
2
开展工业炉窑专项整治，淘汰燃煤加热炉。
市生态环境局
—
持续开展
二、扬尘污染治理
3
建筑工地全面落实“六个百分之百”，安装在线监测设施。
市住建局
市城管局，各区人民政府
2020年
4
渣土运输车辆全部实行密闭运输，严查沿途撒漏行为。
市城管局
市公安局交警支队
2020年1月1日起
"""
)


def test_one_cell_a_line_rows_become_tasks(tmp_path):
    plan = load_plan(write(tmp_path, "cells.txt", ONE_CELL_A_LINE))
    assert len(plan.tasks) == 4
    steel = task_with(plan, "钢铁企业超低排放改造")
    assert surfaces(plan, steel) == {"leads": ["市工信局"], "supports": ["市生态环境局", "市发改委"]}
    assert dates(steel) == ["2020-06-30"]
    kiln = task_with(plan, "工业炉窑专项整治")
    assert surfaces(plan, kiln) == {"leads": ["市生态环境局"]}  # '—': no support unit
    assert dates(kiln) == []  # 持续开展
    sites = task_with(plan, "六个百分之百")
    assert dates(sites) == ["2020-12-31"]  # a bare year in the time column
    assert surfaces(plan, sites)["supports"] == ["市城管局", "各区人民政府"]
    assert "扬尘污染治理" in sites.heading or sites.section.split(".")[1] == "二"
    assert dates(task_with(plan, "渣土运输车辆")) == []  # a start date
    # the header and the section rows are no tasks
    assert not any(t.text.startswith(("编号", "工作任务", "一、")) for t in plan.tasks)


def test_one_cell_a_line_with_pipes_and_a_row_cut_short(tmp_path):
    # a web copy: each cell closed by ' |', header words with spaces inside, the last row cut before its
    # 责任单位 cell (still a task, with no agency)
    text = PREAMBLE + (
        "类别 |\n目标及 措施 |\n序号 |\n主 要 内 容 |\n|\n责 任 单 位 |\n"
        "一、燃煤污染治理 |\n燃煤锅炉 |\n1 |\n全面淘汰城市建成区每小时10蒸吨以下燃煤锅炉。 |\n|\n市环保局、市质监局 |\n"
        "二、机动车污染治理 |\n黄标车 |\n2 |\n淘汰黄标车和老旧车辆，超额完成年度淘汰任务"
    )
    plan = load_plan(write(tmp_path, "portal.txt", text))
    assert len(plan.tasks) == 2
    boilers = task_with(plan, "每小时10蒸吨以下燃煤锅炉")
    assert surfaces(plan, boilers) == {"implements": ["市环保局", "市质监局"]}
    cut = task_with(plan, "淘汰黄标车和老旧车辆")
    assert cut.attributions == []


def test_one_cell_a_line_without_a_number_column():
    text = "重点任务\n完成时限\n责任单位\n推进秸秆综合利用。\n2019年底前\n县农业局\n加强餐饮油烟治理。\n长期坚持\n县城管局\n"
    lines = recover_rows(text).split("\n")
    assert lines[:3] == [
        "重点任务\t完成时限\t责任单位",
        "推进秸秆综合利用。\t2019年底前\t县农业局",
        "加强餐饮油烟治理。\t长期坚持\t县城管局",
    ]


def test_two_header_words_are_left_to_the_appendix_reading():
    text = "主要任务\n责任单位\n一、优化产业布局\n完成生态保护红线编制工作。\n州环境保护局牵头。\n"
    assert recover_rows(text) == text


# ------------------------------------------------------------------------------------ layout mode


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for c in text:
        if _width(line + c) > width:
            lines.append(line)
            line = ""
        line += c
    return lines + [line] if line else lines


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _width(s))


def render_layout(
    header, widths, rows, *, blank_between=True, page_after=(), split_row=None, indent=2, gap=4
):
    """A table as pdftotext -layout prints it: header words centred over their columns, cells wrapped in their
    column, short cells on the middle lines of the row; after the rows in `page_after` a page footer, a form
    feed and the header again; `split_row` = (row number, lines before the page break)."""

    def header_line():
        return " " * indent + "".join(
            _pad(" " * ((w - _width(h)) // 2) + h, w + gap) for h, w in zip(header, widths, strict=False)
        )

    out = [header_line(), ""]
    page = 1

    def new_page():
        nonlocal page
        out.extend(["", " " * 30 + f"- {page} -", "\f" + header_line(), ""])
        page += 1

    for row in rows:
        if isinstance(row, str):
            out.extend([" " * indent + row, ""] if blank_between else [" " * indent + row])
            continue
        wrapped = [_wrap(cell, w) for cell, w in zip(row, widths, strict=False)]
        height = max(len(c) for c in wrapped)
        grid = [[""] * len(widths) for _ in range(height)]
        for k, cell_lines in enumerate(wrapped):
            top = (height - len(cell_lines)) // 2 if k != 1 else 0  # the task column starts at the top
            for n, text in enumerate(cell_lines):
                grid[top + n][k] = text
        lines = [
            (" " * indent + "".join(_pad(c, w + gap) for c, w in zip(g, widths, strict=False))).rstrip()
            for g in grid
        ]
        if split_row and row[0] == split_row[0]:
            out.extend(lines[: split_row[1]])
            new_page()
            out.extend(lines[split_row[1] :])
        else:
            out.extend(lines)
        if blank_between:
            out.append("")
        if row[0] in page_after:
            new_page()
    return "\n".join(out) + "\n"


LAYOUT_HEADER = ["序号", "工作任务", "完成时限", "牵头单位", "配合单位"]
LAYOUT_ROWS = [
    "一、产业结构调整",
    [
        "1",
        "开展“散乱污”企业排查整治，建立动态管理台账，坚决防止死灰复燃。",
        "2019年10月底前",
        "县环保局",
        "县工信局、县市场监管局、各乡镇人民政府",
    ],
    ["2", "推进重点行业挥发性有机物综合治理。", "2020年", "县工信局", "县环保局"],
    [
        "3",
        "完成全县燃煤锅炉淘汰和燃气锅炉低氮改造，氮氧化物排放浓度不高于30毫克/立方米。",
        "每年10月底前",
        "县市场监管局",
        "县环保局、县住建局",
    ],
    "二、扬尘污染治理",
    [
        "4",
        "严格落实施工工地扬尘治理措施，规模以上工地全部安装在线监测和视频监控设施。",
        "长期坚持",
        "县住建局",
        "县城管局、县交通局、各乡镇人民政府",
    ],
    ["5", "提高道路机械化清扫率，城区主次干道全面推行湿法作业。", "2019年12月31日前", "县城管局", "/"],
]


def _layout_plan(tmp_path, text):
    return load_plan(write(tmp_path, "layout.txt", PREAMBLE + "附件：重点任务分解表\n\n" + text))


def test_layout_table_rows_across_pages(tmp_path):
    text = render_layout(
        LAYOUT_HEADER, [6, 40, 16, 14, 22], LAYOUT_ROWS, page_after=("2",), split_row=("4", 1)
    )
    plan = _layout_plan(tmp_path, text)
    assert len(plan.tasks) == 5
    first = task_with(plan, "散乱污")
    assert surfaces(plan, first) == {
        "leads": ["县环保局"],
        "supports": ["县工信局", "县市场监管局", "各乡镇人民政府"],  # wrapped inside its column, read whole
    }
    assert dates(first) == ["2019-10-31"]
    assert dates(task_with(plan, "挥发性有机物")) == ["2020-12-31"]
    assert dates(task_with(plan, "燃煤锅炉淘汰")) == []  # recurring
    split = task_with(plan, "视频监控设施")  # the row broken by the page break is one task
    assert "严格落实施工工地扬尘治理措施" in split.text
    assert surfaces(plan, split)["supports"] == ["县城管局", "县交通局", "各乡镇人民政府"]
    last = task_with(plan, "机械化清扫率")
    assert surfaces(plan, last) == {"leads": ["县城管局"]}
    assert dates(last) == ["2019-12-31"]


def test_layout_table_other_widths_and_no_blank_lines(tmp_path):
    text = render_layout(
        LAYOUT_HEADER, [4, 28, 12, 12, 18], LAYOUT_ROWS, blank_between=False, indent=0, gap=3
    )
    plan = _layout_plan(tmp_path, text)
    assert len(plan.tasks) == 5
    assert surfaces(plan, task_with(plan, "挥发性有机物")) == {
        "leads": ["县工信局"],
        "supports": ["县环保局"],
    }
    dust = task_with(plan, "视频监控设施")
    assert dust.text.startswith("严格落实施工工地")
    assert surfaces(plan, dust)["leads"] == ["县住建局"]


def test_layout_header_repeated_is_no_row(tmp_path):
    text = render_layout(LAYOUT_HEADER, [6, 40, 16, 14, 22], LAYOUT_ROWS, page_after=("1", "3"))
    lines = read_plan(write(tmp_path, "t.txt", PREAMBLE + text)).display.split("\n")
    assert sum(line.startswith("序号\t") for line in lines) == 1
    assert sum(line.count("\t") >= 3 for line in lines) == 6  # the header and five rows


# ------------------------------------------------------------------------------------ pipe rows in a .txt

PIPE_TABLE = (
    PREAMBLE
    + """二、攻坚任务
各项任务的工作措施、责任单位和完成时限见下表。

| 重点领域 | 具体措施 | 责任单位 | 时间节点 |
| :--- | --- | --- | ---: |
| 工业 | 开展工业炉窑排查整治，建立管理清单。 | 区经发局、区环保分局 | 2019年11月底前完成排查，2019年12月底前完成整治 |
|  | 关停整合分散燃煤小热电。 | 区经发局、区规划建设局 | 采暖季前 |
| 能源 | 完成燃气锅炉低氮燃烧改造。 | 区环保分局 | 2020年1月1日前 |

注：责任单位中排在第一位的为牵头单位，其他为配合单位。
"""
)


def test_pipe_table_in_text_file(tmp_path):
    plan = load_plan(write(tmp_path, "pipes.txt", PIPE_TABLE))
    assert len(plan.tasks) == 3  # the sentence before the table and the note under it are no tasks
    kiln = task_with(plan, "工业炉窑排查整治")
    # by the note under the table the first unit of a 责任单位 cell leads, the others support
    assert surfaces(plan, kiln) == {"leads": ["区经发局"], "supports": ["区环保分局"]}
    assert dates(kiln) == ["2019-11-30", "2019-12-31"]  # a two-date cell
    assert dates(task_with(plan, "分散燃煤小热电")) == []  # no calendar day
    assert dates(task_with(plan, "低氮燃烧改造")) == ["2020-01-01"]
    reasons = {s.reason for s in plan.skipped}
    assert {"note under a table", "introduction of a table"} <= reasons


def test_implement_column_clauses_are_marked_as_from_a_label():
    from loaders.tables import TableReader

    reader = TableReader()
    assert reader.feed(0, "具体措施\t责任单位\t时间节点", 0) == "header"
    row = reader.feed(100, "关停整合分散燃煤小热电。\t区经发局、区规划建设局\t采暖季前", 0)
    assert [(c.role.value, c.list_text, c.from_label) for c, _ in row.clauses] == [
        ("implements", "区经发局、区规划建设局", "责任")
    ]
    assert reader.feed(200, "具体措施\t责任单位\t时间节点", 0) == "header"  # repeated: not a row


# ------------------------------------------------------------------------------------ HTML

HTML_TABLE = """<html><body><article>
<h1>某区2019年大气污染防治工作方案</h1>
<p>为持续改善空气质量，制定本方案。</p>
<p>附件：重点任务分工表</p>
<table>
<tr><th>序号</th><th>攻坚任务</th><th>工作措施</th><th>牵头单位</th><th>协助单位</th><th>完成时限</th></tr>
<tr><td colspan="6">一、调整产业结构</td></tr>
<tr><td>1</td><td rowspan="2">工业治理</td><td><p>开展“散乱污”企业整治，</p><p>建立动态管理台账。</p></td>
    <td>区环保局</td><td>区工信局<br/>各街道办事处</td><td>2019年9月底前</td></tr>
<tr><td>2</td><td>完成铸造行业深度治理。</td><td>区工信局</td><td></td><td>长期坚持</td></tr>
<tr><td>3</td><td>能源</td><td>推进集中供热管网建设。</td><td>区住建局</td><td>区发改局</td><td>2020年</td></tr>
</table>
</article></body></html>
"""


def test_html_table_rows_and_cells(tmp_path):
    plan = load_plan(write(tmp_path, "plan.html", HTML_TABLE))
    assert len(plan.tasks) == 3
    first = task_with(plan, "散乱污")
    assert "建立动态管理台账" in first.text  # two <p> of one cell stay one cell
    assert surfaces(plan, first) == {"leads": ["区环保局"], "supports": ["区工信局", "各街道办事处"]}
    assert dates(first) == ["2019-09-30"]
    second = task_with(plan, "铸造行业深度治理")  # under a rowspan: its cells stay in their columns
    assert surfaces(plan, second) == {"leads": ["区工信局"]}
    assert dates(second) == []
    assert dates(task_with(plan, "集中供热管网")) == ["2020-12-31"]


TWO_LEVEL_HEADER = """<html><body><article>
<h1>某县2019年大气污染防治工作方案</h1>
<p>为持续改善空气质量，制定本方案。</p>
<table>
<tr><td rowspan="2">序号</td><td rowspan="2">重点任务</td><td colspan="2">责任单位</td><td rowspan="2">完成时限</td></tr>
<tr><td>牵头单位</td><td>配合单位</td></tr>
<tr><td>1</td><td>加强秸秆综合利用和露天禁烧。</td><td>县农业农村局</td><td>县生态环境分局、各乡镇人民政府</td>
    <td>2019年10月底前</td></tr>
</table>
</article></body></html>
"""


def test_html_table_with_a_two_level_header(tmp_path):
    plan = load_plan(write(tmp_path, "plan.html", TWO_LEVEL_HEADER))
    assert len(plan.tasks) == 1
    straw = task_with(plan, "秸秆综合利用")
    assert surfaces(plan, straw) == {
        "leads": ["县农业农村局"],
        "supports": ["县生态环境分局", "各乡镇人民政府"],
    }
    assert dates(straw) == ["2019-10-31"]


# ------------------------------------------------------------------------------------ header words and time cells


def test_header_words_give_column_meanings():
    meanings = read_header(["序号", "重点任务", "牵头单位", "配合单位", "完成时限"])
    assert [m for m, _ in meanings] == ["index", "task", "lead", "support", "deadline"]
    assert read_header(["責任單位", "工作措施", "完成時限"]) is not None  # Traditional header words
    assert read_header(["索引号", "主题分类", "发布机构"]) is None
    assert read_header(["序号", "单位名称", "联系电话"]) is None  # no task column


def test_time_cells():
    def due(cell):
        return [d.due_date for d in cell_deadlines(cell, 0, len(cell), 2019)]

    assert due("2020年") == ["2020-12-31"]
    assert due("2020年6月") == ["2020-06-30"]
    assert due("10月底前") == ["2019-10-31"]
    assert due("长期坚持") == [] and due("持续推进") == []
    assert due("2019年1月1日起") == []
    assert due("每年10月底前") == []
    assert due("2020年采暖季前") == []


def test_time_cells_in_figures():
    """A time column as spreadsheets fill it: dates in figures are due by the end of the period they name, the
    whole cell their phrase."""

    def due(cell):
        return [
            (d.due_date, d.precision, cell[d.start : d.end]) for d in cell_deadlines(cell, 0, len(cell), 2019)
        ]

    assert due("2020") == [("2020-12-31", "year", "2020")]
    assert due("2020.12") == [("2020-12-31", "month", "2020.12")]
    assert due("2020-06") == [("2020-06-30", "month", "2020-06")]
    assert due("2020.6.30") == [("2020-06-30", "day", "2020.6.30")]
    assert due("2020/12/31") == [("2020-12-31", "day", "2020/12/31")]
    assert due(" 2019.10底前") == [("2019-10-31", "month", "2019.10底前")]
    assert due("2018.10月底前") == [("2018-10-31", "month", "2018.10月底前")]
    assert due("2020.13") == [] and due("2020.2.30") == [] and due("12") == []
