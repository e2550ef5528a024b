"""Each attribution format of the family, on small plans written for these tests (not the seeds).

Every plan here is fictional but shaped like the real ones; each assertion can be checked by reading the
plan text in the test.
"""

from pathlib import Path

import pytest

from loaders.plan import load_plan, unify_citations


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def roles(task, plan) -> dict[str, list[str]]:
    """role -> agency names of a task."""
    out: dict[str, list[str]] = {}
    for a in task.attributions:
        out.setdefault(a.role, []).append(a.agency.name)
    return out


def task_with(plan, words: str):
    found = [t for t in plan.tasks if words in t.text]
    assert len(found) == 1, f"{len(found)} tasks contain {words!r}"
    return found[0]


INLINE_LABELS = """\
黔东南州大气污染防治攻坚三年作战方案

为打赢蓝天保卫战，根据《贵州省人民政府关于印发贵州省打赢蓝天保卫战三年行动计划的通知》（黔府发〔2018〕26号）精神，制定本方案。

一、作战任务

（一）调整产业结构

1. 优化产业布局。完成生态保护红线编制工作。2019年底前完成重污染企业搬迁。（牵头单位：州环保局、州发改委；责任单位：州工信委，各县市人民政府）

2. 严控“两高”行业产能。严格执行产能置换办法。（牵头单位：州发展改革委；配合单位：州环境保护局）
"""


def test_inline_label_attributions(tmp_path):
    plan = load_plan(write(tmp_path, "inline.txt", INLINE_LABELS))
    assert plan.jurisdiction.name == "黔东南州"
    assert [t.section for t in plan.tasks] == ["一.(一).1", "一.(一).2"]
    first = task_with(plan, "生态保护红线")
    r = roles(first, plan)
    assert r["leads"] == ["黔东南州环境保护局", "黔东南州发展和改革委员会"]
    assert "黔东南州各县市人民政府" in r["implements"]
    assert [d.due_date for d in first.deadlines] == ["2019-12-31"]
    # 州发改委 and 州发展改革委, 州环保局 and 州环境保护局: one agency each, under every surface form
    second = task_with(plan, "产能置换")
    assert roles(second, plan)["leads"] == ["黔东南州发展和改革委员会"]
    assert roles(second, plan)["supports"] == ["黔东南州环境保护局"]
    # every attribution's span is the agency as written
    assert {plan.text[a.start : a.end] for a in first.attributions} >= {"州环保局", "州发改委", "州工信委"}


TRADITIONAL = """\
某某縣打贏藍天保衛戰三年行動工作方案

為貫徹落實《某某州人民政府關於印發某某州打贏藍天保衛戰三年行動工作方案的通知》（某政通﹝2018﹞7號）精神，制定本方案。

一、工作任務

（一）調整優化產業結構

1. 優化產業佈局。完成環境准入清單編製工作，2019年12月底前完成。（縣生態環境局牽頭，縣發展改革局、縣自然資源局參與）
"""


@pytest.mark.parametrize("encoding", ["utf-8", "big5"])
def test_traditional_characters(tmp_path, encoding):
    plan = load_plan(write(tmp_path, f"trad-{encoding}.txt", TRADITIONAL, encoding))
    task = task_with(plan, "准入清單")  # text kept as written, Traditional
    r = roles(task, plan)
    assert r["leads"] == ["某某县生态环境局"]
    assert r["supports"] == ["某某县发展和改革局", "某某县自然资源局"]
    assert [d.due_date for d in task.deadlines] == ["2019-12-31"]
    assert [c.doc_number for c in plan.cites] == ["某政通〔2018〕7号"]  # ﹝﹞ normalised


DEFAULT_IMPLEMENTER = """\
某某市打赢蓝天保卫战实施方案

一、重点任务

以下各项工作均需各县区人民政府负责落实，不再列出。

（一）淘汰燃煤小锅炉。2020年10月1日前淘汰10蒸吨及以下燃煤锅炉。（市生态环境局牵头，市市场监管局配合）

（二）整治扬尘。施工工地全面落实“六个百分之百”。（市住建局牵头）

（三）秸秆禁烧。加强秸秆禁烧管控。（市农业农村局牵头，市农机服务中心负责落实）
"""


def test_default_implementer_applies_to_later_tasks(tmp_path):
    plan = load_plan(write(tmp_path, "default.txt", DEFAULT_IMPLEMENTER))
    assert len(plan.tasks) == 3
    boiler = task_with(plan, "燃煤锅炉")
    assert roles(boiler, plan)["implements"] == ["某某市各县区人民政府"]
    assert [d.due_date for d in boiler.deadlines] == ["2020-10-01"]
    assert roles(task_with(plan, "扬尘"), plan)["implements"] == ["某某市各县区人民政府"]
    # a task that names its own implementer keeps it and does not get the default as well
    assert roles(task_with(plan, "秸秆"), plan)["implements"] == ["某某市农机服务中心"]


PDF_BROKEN = """\
某某县打赢蓝天保卫战三年行动工作方案

一、主要任务

1. 开展燃煤锅炉综合整治。加大燃煤小锅炉淘汰力度，县城建成区基本淘汰每小时10蒸吨
及以下燃煤锅炉，2020年底前完成全部淘汰任务，并建立覆盖所有固定污

污染源的企业排放许可制度。（县生态环境局牵头，县市场监管局参与）
"""


def test_pdf_broken_lines_are_one_task(tmp_path):
    plan = load_plan(write(tmp_path, "pdf.txt", PDF_BROKEN))
    assert len(plan.tasks) == 1
    task = plan.tasks[0]
    assert "10蒸吨及以下燃煤锅炉" in task.text
    assert "固定污染源" in task.text
    assert roles(task, plan) == {"leads": ["某某县生态环境局"], "supports": ["某某县市场监督管理局"]}
    assert [d.due_date for d in task.deadlines] == ["2020-12-31"]


SEVERAL_IN_ONE = """\
某某市打赢蓝天保卫战2020年决战计划

一、决战任务

1.强化机动车监管。严格规范检验机构管理，2020年6月底前完成检查（市生态环境局牵头，县〔市、区〕政府负责落实）；加强重型柴油货车维修监督，大宗货物年货运量150万吨以上企业（名单由市工信局牵头确定）全部修建专用线，2020年9月底前完成（市交通局牵头，市公安交警支队配合，县〔市、区〕政府负责落实）。
"""


def test_several_attributions_in_one_paragraph(tmp_path):
    plan = load_plan(write(tmp_path, "several.txt", SEVERAL_IN_ONE))
    assert len(plan.tasks) == 2
    first, second = plan.tasks
    assert roles(first, plan)["leads"] == ["某某市生态环境局"]
    assert [d.due_date for d in first.deadlines] == ["2020-06-30"]
    # the second attribution closes only the clauses after the first
    assert "检验机构" not in second.text and "柴油货车" in second.text
    assert roles(second, plan)["leads"] == [
        "某某市交通运输局"
    ]  # not 市工信局: "名单由…牵头确定" is no attribution
    assert roles(second, plan)["supports"] == ["某某市公安局交通警察支队"]
    assert roles(second, plan)["implements"] == ["某某市各县〔市、区〕人民政府"]
    assert [d.due_date for d in second.deadlines] == ["2020-09-30"]


LABEL_LINES = """\
某某区打赢蓝天保卫战三年行动实施细则

一、调整优化产业结构

(一)优化产业布局。2019年底前完成生态保护红线编制工作。

牵头单位:区生态环境分局、区发改局

配合单位:区自然资源局

责任单位:各街道办事处

(二)强化散乱污企业综合整治。全面开展排查。

牵头单位:区商投局

责任单位:各街道办事处
"""


def test_label_lines_after_the_paragraph(tmp_path):
    plan = load_plan(write(tmp_path, "labels.txt", LABEL_LINES))
    assert len(plan.tasks) == 2
    first = task_with(plan, "生态保护红线")
    assert roles(first, plan) == {
        "leads": ["某某区生态环境分局", "某某区发展和改革局"],
        "supports": ["某某区自然资源局"],
        "implements": ["某某区各街道办事处"],
    }
    assert all(a.agency.is_group for a in first.attributions if a.role == "implements")
    assert roles(task_with(plan, "散乱污"), plan)["leads"] == ["某某区商务和投资促进局"]


# label lines under each measure that end with the measure's time limit
LABEL_LINES_WITH_TIME = """\
某某县2019年大气污染防治工作方案

一、重点任务

1．整治城区餐饮油烟。城区餐饮单位全部安装油烟净化设施，定期清洗维护。
牵头单位：县城管局
配合单位：县市场监管局
完成时限：2019年9月底前

2．推进城区集中供热。扩大集中供热管网覆盖范围，拆除覆盖范围内的燃煤小锅炉。
牵头单位：县住建局
完成时间：2020年
"""


def test_a_time_label_line_closes_the_label_block_of_its_measure(tmp_path):
    plan = load_plan(write(tmp_path, "labels_time.txt", LABEL_LINES_WITH_TIME))
    assert len(plan.tasks) == 2  # the time lines are no measures of their own
    assert [d.due_date for d in task_with(plan, "餐饮油烟").deadlines] == ["2019-09-30"]
    # as in a table's time column, a bare year there is the end of that year
    assert [d.due_date for d in task_with(plan, "集中供热").deadlines] == ["2020-12-31"]
    assert roles(task_with(plan, "集中供热"), plan) == {"leads": ["某某县住房和城乡建设局"]}


APPENDIX_TABLE = """\
某某州打赢蓝天保卫战三年行动计划实施方案

一、调整优化产业结构

（一）优化产业布局。完成生态保护红线、环境质量底线编制工作，明确禁止和限制发展的行业。
加大区域产业布局调整力度，2020年底前完成城市建成区重污染企业搬迁改造或关闭退出。

（二）强化工业污染治理。持续推进工业污染源全面达标排放，未达标排放的企业一律依法停产整治。

附件：责任清单

主要任务\t责任单位
1．完成生态保护红线、环境质量底线编制工作，明确禁止和限制发展的行业。\t州环境保护局牵头；州发展改革委参与；各县市人民政府负责落实。
2．加大区域产业布局调整力度，2020年底前完成城市建成区重污染企业搬迁改造或关闭退出。\t州工业信息化委牵头；各县市人民政府负责落实。
持续推进工业污染源全面达标排放，未达标排放的企业一律依法停产整治。
州环境保护局牵头；各县市人民政府负责落实。
州环境保护局牵头；州公安局参与；各县市人民政府负责落实。
"""


def test_appendix_table_attributes_body_measures(tmp_path):
    plan = load_plan(write(tmp_path, "appendix.txt", APPENDIX_TABLE))
    # three measures, each one task with its body section and its appendix attribution
    assert len(plan.tasks) == 3
    red_line = task_with(plan, "生态保护红线")
    assert red_line.section == "一.(一)"
    assert roles(red_line, plan)["leads"] == ["某某州环境保护局"]
    relocation = task_with(plan, "搬迁改造")
    assert relocation.section == "一.(一)"
    assert roles(relocation, plan)["leads"] == ["某某州工业和信息化委员会"]
    assert [d.due_date for d in relocation.deadlines] == ["2020-12-31"]
    assert task_with(plan, "达标排放").section == "一.(二)"
    # the last row lost its task text: reported, not attached to the row before it
    assert any("州公安局参与" in w for w in plan.warnings)
    assert not any(a.agency.name.endswith("公安局") for t in plan.tasks for a in t.attributions)


def test_plan_without_attributions_loads_with_a_warning(tmp_path):
    text = "某某县空气质量提升方案\n\n一、主要任务\n\n（一）加强扬尘治理。施工工地全面落实围挡。\n"
    plan = load_plan(write(tmp_path, "none.txt", text))
    assert not any(t.attributions for t in plan.tasks)
    assert any("no responsibility attributions" in w for w in plan.warnings)
    assert plan.skipped  # the measure is reported, not silently dropped


def test_cited_plans_share_a_node_by_doc_number(tmp_path):
    upper = "《某某省人民政府关于印发某某省打赢蓝天保卫战三年行动实施方案的通知》"
    a = write(
        tmp_path,
        "a.txt",
        f"甲县打赢蓝天保卫战工作方案\n\n为贯彻落实{upper}（某政发[2018]44号），制定本方案。\n",
    )
    b = write(tmp_path, "b.txt", f"乙县打赢蓝天保卫战工作方案\n\n为贯彻落实{upper}，制定本方案。\n")
    plans = [load_plan(a), load_plan(b)]
    assert plans[1].cites[0].doc_number == ""
    unify_citations(plans)
    assert [p.cites[0].key for p in plans] == ["某某省/某政发〔2018〕44号", "某某省/某政发〔2018〕44号"]


def test_sidecar_overrides_metadata(tmp_path):
    path = write(tmp_path, "plan.txt", INLINE_LABELS)
    (tmp_path / "plan.yaml").write_text("doc_number: 黔东南府办发(2018)88号\ndate: 2018-11-01\n", "utf-8")
    plan = load_plan(path)
    assert plan.doc_number == "黔东南府办发〔2018〕88号"
    assert plan.date == "2018-11-01"


def test_sidecar_names_the_upper_plans(tmp_path):
    path = write(tmp_path, "plan.txt", DEFAULT_IMPLEMENTER)
    (tmp_path / "plan.yaml").write_text(
        "within: [某某省]\ncites: ['某政发〔2018〕3号', {title: 国务院关于印发打赢蓝天保卫战三年行动计划的通知, doc_number: '国发[2018]22号'}]\n",
        "utf-8",
    )
    plan = load_plan(path)
    # a 文号 alone names no issuer, unless it is a national one (国发)
    assert [c.key for c in plan.cites] == ["某政发〔2018〕3号", "中国/国发〔2018〕22号"]
    assert plan.jurisdiction.within.name == "某某省"
