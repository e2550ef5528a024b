"""Agency-first layouts (loaders.duties), on variants written here: duty blocks under a unit heading in several
numbering styles, with 协助单位/配合单位 lines, "X（牵头）：", "X主要工作任务：", duties on the heading's own line,
agency-first sentences (two on one line), a Traditional repost, and a normal plan whose sentences begin with a unit
but are not duties."""

from pathlib import Path

from loaders.plan import load_plan
from loaders.records import Role

LEADS, SUPPORTS, IMPLEMENTS, RESPONSIBLE = Role.LEADS, Role.SUPPORTS, Role.IMPLEMENTS, Role.RESPONSIBLE

BLOCKS = """某某县2019年大气污染防治重点任务部门职责分工

为推动各项任务落实，现将部门职责分工明确如下。

一、县生态环境分局（牵头）：
1、负责全县大气污染防治工作的统筹调度，每季度通报工作进展。
2、配合县公安局开展机动车尾气路检路查。
协助单位：县气象局、县应急管理局

二、县交通运输局主要工作任务：
（1）加强营运柴油货车监管，2020年6月底前完成老旧车辆淘汰。
（2）牵头推进公路货运转铁路运输。

三、县公安局负责：1．加强重型柴油货车限行管控。2．严厉查处冒黑烟车辆上路行驶。

四、县住房和城乡建设局
负责建筑工地扬尘在线监测设备安装。
牵头推进城区集中供热管网建设。
配合单位：县城市管理局

各乡镇要参照本分工，结合实际细化本级分工。
"""

INLINE = """某某县打赢蓝天保卫战工作方案

一、总体要求
坚持全民共治、源头防治，持续改善空气质量。

二、重点任务
（一）工业污染治理
县工信局负责：开展“散乱污”企业排查，2019年9月底前完成整治。县生态环境局会同县市场监管局开展工业炉窑专项检查。
县住建局、县城管局按职责分工负责：落实施工工地扬尘管控措施。
各镇人民政府负责落实秸秆禁烧网格化监管，严防露天焚烧。
县气象局配合县生态环境局做好重污染天气预测预报。
县交通局：负责淘汰老旧营运柴油货车，到2020年基本完成。
"""

TRADITIONAL = """某某縣大氣污染防治重點任務部門職責分工

一、縣公安局：
1．負責重型柴油貨車限行繞行管控。
2．牽頭開展國三及以下排放標準營運柴油貨車淘汰工作，2019年12月底前完成。
配合單位：縣交通運輸局、縣生態環境局
二、縣財政局：
1．統籌安排大氣污染防治專項資金。
"""

NORMAL = """某某市大气污染防治行动方案

一、重点任务
（一）加强工业企业治理
1．县生态环境局负责建立重点企业清单，实行动态管理。（责任单位：市生态环境局、各县区政府）
2．强化扬尘管控。市住建局加强施工工地监管，严格落实“六个百分之百”要求。（牵头单位：市住建局；配合单位：市城管局）
市城管局要加强道路清扫保洁，提高机械化清扫率。
二、保障措施
市生态环境局等部门要加强执法检查，对违法行为依法查处。
"""


def tasks(tmp_path: Path, name: str, text: str) -> dict[str, tuple[set[tuple[str, str]], list[str]]]:
    """Each task of the plan: its text → ({(role, agency as written)}, [due dates])."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    plan = load_plan(path)
    return {
        t.text: (
            {(a.role, plan.text[a.start : a.end]) for a in t.attributions},
            [d.due_date for d in t.deadlines],
        )
        for t in plan.tasks
    }


def test_duty_blocks_take_the_heading_unit_in_the_role_of_each_duty(tmp_path):
    got = tasks(tmp_path, "blocks.txt", BLOCKS)
    helpers = {(SUPPORTS, "县气象局"), (SUPPORTS, "县应急管理局")}  # the 协助单位 line covers its whole block
    # "（牵头）" on the heading: the unit leads its duties, even one opening with 负责
    assert got["全县大气污染防治工作的统筹调度，每季度通报工作进展。"] == (
        {(LEADS, "县生态环境分局")} | helpers,
        [],
    )
    # "配合Y…": the heading unit supports and Y leads
    assert got["开展机动车尾气路检路查。"][0] == {(SUPPORTS, "县生态环境分局"), (LEADS, "县公安局")} | helpers
    # "X主要工作任务：" with （1） numbering: a duty with no verb is the unit's own, 牵头 makes it lead
    assert got["加强营运柴油货车监管，2020年6月底前完成老旧车辆淘汰。"] == (
        {(RESPONSIBLE, "县交通运输局")},
        ["2020-06-30"],
    )
    assert got["推进公路货运转铁路运输。"] == ({(LEADS, "县交通运输局")}, [])
    # "X负责：1．…2．…" on one line: two duties
    assert got["加强重型柴油货车限行管控。"] == ({(RESPONSIBLE, "县公安局")}, [])
    assert got["严厉查处冒黑烟车辆上路行驶。"] == ({(RESPONSIBLE, "县公安局")}, [])
    # a heading naming only the unit, plain duty lines, a 配合单位 line at the end
    assert got["建筑工地扬尘在线监测设备安装。"][0] == {
        (RESPONSIBLE, "县住房和城乡建设局"),
        (SUPPORTS, "县城市管理局"),
    }
    assert got["推进城区集中供热管网建设。"][0] == {(LEADS, "县住房和城乡建设局"), (SUPPORTS, "县城市管理局")}
    assert len(got) == 8  # the preamble and the closing instruction to the townships are no duty


def test_agency_first_sentences_are_one_task_each(tmp_path):
    got = tasks(tmp_path, "inline.txt", INLINE)
    assert got["开展“散乱污”企业排查，2019年9月底前完成整治。"] == (
        {(RESPONSIBLE, "县工信局")},
        ["2019-09-30"],
    )
    # the second sentence of the same line is a task of its own: X会同Y → X lead, Y support
    assert got["开展工业炉窑专项检查。"] == ({(LEADS, "县生态环境局"), (SUPPORTS, "县市场监管局")}, [])
    assert got["落实施工工地扬尘管控措施。"][0] == {(RESPONSIBLE, "县住建局"), (RESPONSIBLE, "县城管局")}
    assert got["秸秆禁烧网格化监管，严防露天焚烧。"][0] == {(IMPLEMENTS, "各镇人民政府")}
    assert got["做好重污染天气预测预报。"][0] == {(SUPPORTS, "县气象局"), (LEADS, "县生态环境局")}
    assert got["淘汰老旧营运柴油货车，到2020年基本完成。"] == ({(RESPONSIBLE, "县交通局")}, ["2020-12-31"])
    assert len(got) == 6  # 总体要求 is no task


def test_traditional_repost_reads_alike(tmp_path):
    got = tasks(tmp_path, "trad.txt", TRADITIONAL)
    helpers = {(SUPPORTS, "縣交通運輸局"), (SUPPORTS, "縣生態環境局")}
    assert got["重型柴油貨車限行繞行管控。"][0] == {(RESPONSIBLE, "縣公安局")} | helpers
    assert got["開展國三及以下排放標準營運柴油貨車淘汰工作，2019年12月底前完成。"] == (
        {(LEADS, "縣公安局")} | helpers,
        ["2019-12-31"],
    )
    assert got["統籌安排大氣污染防治專項資金。"][0] == {
        (RESPONSIBLE, "縣財政局")
    }  # not the block above's 配合單位


def test_a_normal_plan_gains_no_duty_from_sentences_starting_with_a_unit(tmp_path):
    got = tasks(tmp_path, "normal.txt", NORMAL)
    roles = [r for r, _ in got.values()]
    # the bracketed attribution keeps priority over the unit that opens the paragraph
    assert {(IMPLEMENTS, "市生态环境局"), (IMPLEMENTS, "各县区政府")} in roles
    assert {(LEADS, "市住建局"), (SUPPORTS, "市城管局")} in roles
    assert not any(r == RESPONSIBLE for rs in roles for r, _ in rs)
    # "X要加强…" / "X等部门要…" are sentences about a unit, not its duty: no agency taken from them
    # (it follows the item's attribution with none of its own: no task at all, not even one naming no agency)
    assert not [text for text in got if text.startswith("市城管局要加强")]
    assert not any("执法检查" in text for text in got)


WRAPPED = """某某县打赢蓝天保卫战工作方案

一、重点任务
县发改局负责：实施煤炭消费总量控制，新建耗煤项目实行减量替代；
加快天然气管网向乡镇延伸。县环保局会同县公安局开展
机动车排放路检。
县财政局负责：落实清洁取暖补贴政策。
"""


def test_a_line_broken_before_its_full_stop_continues_its_duty(tmp_path):
    got = tasks(tmp_path, "wrapped.txt", WRAPPED)
    fagai = [text for text, (rs, _) in got.items() if rs == {(RESPONSIBLE, "县发改局")}]
    assert len(fagai) == 1 and "加快天然气管网向乡镇延伸" in fagai[0]
    huanbao = [text for text, (rs, _) in got.items() if (LEADS, "县环保局") in rs]
    assert len(huanbao) == 1 and "机动车排放路检" in huanbao[0]
    assert len(got) == 3


NOTICE_FIRST = """各州、市人民政府，省直有关部门：
为贯彻落实《大气污染防治行动计划》（国发〔2013〕37号），结合本省实际，提出如下意见。
一、总体要求
坚持政府主导、部门协作，全面改善环境空气质量。
二、重点工作
（一）加快淘汰燃煤小锅炉。2015年底前城市建成区淘汰10蒸吨以下燃煤锅炉。（省环境保护厅牵头，省质监局参与）
"""


def test_a_notices_addressees_are_no_duty_block_over_the_first_level_headings(tmp_path):
    got = tasks(tmp_path, "notice.txt", NOTICE_FIRST)
    # the excerpt opens with the addressees and a colon; the sections under them are not their duties
    assert not any(a for rs, _ in got.values() for _, a in rs if a.startswith("各州"))
    assert [rs for text, (rs, _) in got.items() if "燃煤小锅炉" in text] == [
        {(LEADS, "省环境保护厅"), (SUPPORTS, "省质监局")}
    ]


# agency-first sentences under a section whose heading paragraph exhorts everyone first; intro text under a heading
INTRODUCED = """某某市挥发性有机物污染整治方案

五、强化保障
（一）压实部门责任。各区县政府、市直各有关部门要把挥发性有机物治理列入年度重点工作，统一部署、统一考核。
市生态环境局负责涉VOCs企业的日常执法检查，建立重点企业排放清单。
市工业和信息化局负责推动涂装、印刷企业低VOCs原辅材料替代。
（二）加强资金支持
各地要加大财政投入，拓宽融资渠道。
市财政局负责统筹安排大气污染防治专项资金。
"""


def test_a_sections_introduction_over_agency_first_duties_is_no_task(tmp_path):
    got = tasks(tmp_path, "introduced.txt", INTRODUCED)
    # the duties are the section's measures; the exhortation before them names no measure of its own
    assert not [text for text in got if "统一部署" in text or "拓宽融资渠道" in text]
    assert sorted(rs for rs, _ in got.values()) == sorted(
        [{(RESPONSIBLE, "市生态环境局")}, {(RESPONSIBLE, "市工业和信息化局")}, {(RESPONSIBLE, "市财政局")}]
    )
    plan = load_plan(tmp_path / "introduced.txt")
    assert [s.reason for s in plan.skipped if "统一部署" in s.text] == ["introduction of a duty list"]


CARRIES_OUT = """某某县2021年冬季清洁取暖工作方案

二、重点任务
县能源局负责实施农村清洁取暖“煤改电”工程，2021年10月底前完成改造。
县财政局负责指导各乡镇做好补贴资金发放。
"""


def test_a_unit_that_carries_out_implements_one_that_guides_is_responsible(tmp_path):
    got = tasks(tmp_path, "carries_out.txt", CARRIES_OUT)
    assert got["农村清洁取暖“煤改电”工程，2021年10月底前完成改造。"] == ({(IMPLEMENTS, "县能源局")}, ["2021-10-31"])
    assert [rs for text, (rs, _) in got.items() if "补贴资金" in text] == [{(RESPONSIBLE, "县财政局")}]
