"""Attribution wordings (issue 15, families 5–7), on variants written here with other places, units and
numbering than the development set: label clauses separated by commas, 〔…〕 groups, role sentences in the body
(由X负责。 / X牵头负责，Y配合。 / …，由X负责。 / 方案由X负责制定并组织实施。), a noun-modifying 由X负责 that is no
attribution, a default implementer scoped to its section, the first-listed-is-lead convention, and an attribution
cut open at the end of an excerpt."""

from pathlib import Path

from loaders.plan import load_plan

LABELS = """某某市打赢蓝天保卫战实施方案

一、重点任务
1．严格控制高耗能行业新增产能，新建项目实行产能减量置换。（牵头单位：市发展改革委，配合单位：市工业和信息化局、市自然资源局，责任单位：各区县人民政府）
2．开展工业炉窑专项整治，2020年6月底前完成排查。〔市生态环境局负责，市市场监管局等参与，各区县政府负责落实〕
3．推进港口岸电设施建设。（主责单位：市交通运输局）
"""

SENTENCES = """某某州大气污染防治行动方案

一、工作目标
到2020年，全州细颗粒物浓度持续下降。

二、主要任务
以下任务各县市人民政府均负有落实责任，不再一一列出。
（一）加强施工扬尘管控。城区建筑工地落实围挡、覆盖和冲洗措施。由州住房城乡建设局负责。
（二）推进柴油货车治理。对重点用车单位（名单由州工业和信息化局负责确定）开展入户抽检，2019年底前完成，由州生态环境局牵头负责，州公安局、州交通运输局配合。
（三）实施错峰生产。对建材行业实施采暖季错峰生产，错峰生产方案由州工业和信息化局负责制定并组织实施。

三、保障措施
各县市要加强组织领导，落实资金保障。
"""

CONVENTION = """某某县空气质量改善工作方案

二、重点任务（以下各项任务中，排在第一位的为牵头单位，其他为配合单位）
1．淘汰县城建成区燃煤小锅炉。（责任单位：县市场监管局、县生态环境局、各乡镇人民政府）
2．加强餐饮油烟治理，城区餐饮单位全部安装油烟净化设施。（责任单位：县城管局）
3．修订重污染天气应急预案。（牵头单位：县生态环境局；责任单位：县气象局）
"""

CUT = """某某区大气污染防治方案

一、重点任务
（一）开展露天矿山综合整治，对责任主体灭失的矿山迹地实施绿化。(区自然资源局、区林业局牵头,各"""

# a default stated inside the first measure's own attribution, in words without 负责 (bare 落实)
CARRY = """某某市大气污染防治实施方案

二、重点任务
（一）调整产业结构。
1．严格环境准入。编制重点区域环境准入清单，严控新增涉气产能。〔市生态环境局牵头，市发展改革局、自然资源局参与，各区县人民政府负责落实。以下各项工作均需各区县人民政府落实，不再列出。〕新建燃煤锅炉一律实行等量替代。（市市场监管局牵头，市工业和信息化局参与）
2．整治涉气“散乱污”企业，2020年8月底前完成整治。（市工业和信息化局牵头督导，市公安局参与）
"""

# 按职责分工负责 with 具体落实 for the implementers
IN_DETAIL = """某某市大气污染防治攻坚行动方案

三、主要任务
1．淘汰落后产能。关停列入计划的砖瓦窑生产线。（市工业和信息化局、市发展改革委按职责分工负责，各区政府、高新区管委会具体落实）
"""

# a 部门分工方案: bare lists of units, the convention stated once in the first of them ("下同")
BARE = """某某省大气污染防治重点工作部门分工方案

一、调整能源结构（省发改委总牵头）
（一）控制煤炭消费总量。
1．制订煤炭消费总量控制方案，实现煤炭消费负增长。（省发改委、省统计局。列第一位者为牵头部门，下同）
2．加快淘汰分散燃煤锅炉，推进集中供热。（省住建厅、省环保厅、省质监局）
3．推广使用清洁能源。新建项目不得配套建设自备燃煤电站，省能源局（省发改委）统筹安排天然气和电力保障的建设时序。
"""

# an attribution cut by the end of the excerpt inside its second list
CUT_LIST = """某某区大气污染防治方案

一、重点任务
（一）整治工业企业无组织排放，物料堆场全部封闭。（区生态环境局、区工信局牵头督导，区住建局、区城管局、"""

# label clauses separated by spaces on the measure's own line, and more role words closing a list
SPACED = """某某县大气污染防治工作方案

一、重点任务
1．整治城区餐饮油烟，2019年9月底前完成。
牵头单位：县城管局  配合单位：县市场监管局、县生态环境局
2．推进城区集中供热。（县住建局牵头，县发改局协同，各乡镇政府组织落实）
3．加强秸秆综合利用。（县农业农村局牵头，县生态环境局配合落实）
4．整治露天烧烤
牵头单位：县城管局
"""

# short labels without 单位, a person named beside the units, and more closing words
SHORT_LABELS = """某某市大气污染防治重点任务清单

一、重点任务
1．开展重点行业挥发性有机物治理，完成涉VOCs企业排查。（牵头：市生态环境局；配合：市工业和信息化局）
2．加强建筑工地扬尘管控，落实围挡、覆盖和冲洗措施。（责任领导：某某某，责任单位：市住房城乡建设局，协同部门：市城管局）
3．推进老旧柴油货车淘汰。（市交通运输局牵头实施，市公安局交警支队协助配合，各区政府落实）
"""

# an attribution whose carry sentence is cut by the end of the excerpt
CUT_CARRY = """某某市2019年蓝天保卫战工作要点

二、重点工作
1．优化产业布局。严格控制新增化工园区，暂停未完成节能目标地区的高耗能项目审查。〔市发改委、市经信局负责，市生态环境局等参与，各县（市、区）人民政府负责落实。以下均需各级政府落实，不再"""

# items as short as a heading, with no full stop, closed by their attribution; a section title with one over measures
SHORT_ITEMS = """某某县大气污染防治任务清单

一、重点任务
（一）整治工业污染（牵头单位：县生态环境局）
1．关停取缔“散乱污”企业（县工信局牵头，县市场监管局配合）
2．完成砖瓦窑超低排放改造（县生态环境局负责）
（二）管控扬尘污染
加强城区道路机械化清扫，提高洒水频次。（县城管局负责）
"""

# 由 opening a bracket, a lead tagged inside a 责任单位 list, 按职责分工配合
BY_AND_TAGS = """某某区大气污染防治工作方案

一、重点任务
1．开展餐饮油烟专项整治，城区餐饮单位全部安装净化设施。（由区城管局牵头，区市场监管局配合）
2．推进老旧小区清洁取暖改造，完成燃煤散烧替代。（责任单位：区住建局、区发改局（牵头）、各街道办事处）
3．严查渣土车抛洒滴漏，规范运输路线。（区城管局牵头，区公安分局、区交通运输局按职责分工配合）
"""


# units separated by spaces only, in a label line, a label in a bracket and a suffix list; a name broken by a space
SPACE_LISTS = """某某区秋冬季大气污染综合治理方案

一、重点任务
1．开展建筑垃圾运输车辆专项检查，查处未密闭运输行为。
责任单位：区城管局 区公安分局 区交通运输局
2．推进加油站油气回收在线监控安装，年底前完成。（牵头单位：区商务局；配合单位：区市场监管局 区应急管理局）
3．严禁城区露天焚烧树叶垃圾。（区城管局牵头，区 园林绿化局配合）
"""

# 负责指导 / 负责实施 / 负主体责任 / 负总责 closing a list
MORE_VERBS = """某某县2020年大气污染防治攻坚方案

二、主要任务
1．完成燃气锅炉低氮燃烧改造，达到排放限值。（县生态环境局负责指导，各乡镇人民政府负责实施）
2．清理整顿城郊露天砂石堆场，全部苫盖。（各乡镇人民政府负主体责任，县自然资源局负责督导）
3．巩固散煤治理成果，严防散煤复烧。（县政府办公室负总责，县能源局负责组织实施）
"""

# text after an attribution in the same numbered item, with no attribution of its own; a wholly unattributed item
AFTER_ATTRIBUTION = """某某市2022年大气污染防治攻坚方案

三、主要任务
（一）工业治理
1．推进水泥行业超低排放改造。完成熟料生产线有组织排放治理。（市生态环境局牵头，市工业和信息化局配合）全面排查无组织排放环节。
关停城区周边2家石灰窑，2022年10月底前完成。
2．开展铸造企业分类整治。对全市铸造企业逐一评估，6月底前建立整治清单。
3．淘汰35蒸吨以下燃煤锅炉。（市市场监管局牵头）
"""

def _plan(tmp_path: Path, text: str):
    path = tmp_path / "plan.txt"
    path.write_text(text, "utf-8")
    return load_plan(path)


def _roles(plan, words: str) -> dict[str, list[str]]:
    (task,) = [t for t in plan.tasks if words in t.text]
    out: dict[str, list[str]] = {}
    for a in task.attributions:
        out.setdefault(str(a.role), []).append(a.agency.surface)
    return out


def test_label_clauses_separated_by_commas_and_square_brackets(tmp_path):
    plan = _plan(tmp_path, LABELS)
    assert _roles(plan, "高耗能行业") == {
        "leads": ["市发展改革委"],
        "supports": ["市工业和信息化局", "市自然资源局"],
        "implements": ["各区县人民政府"],
    }
    assert _roles(plan, "工业炉窑") == {
        "responsibleFor": ["市生态环境局"],
        "supports": ["市市场监管局"],
        "implements": ["各区县政府"],
    }
    assert _roles(plan, "港口岸电") == {"implements": ["市交通运输局"]}


def test_role_sentences_and_a_default_within_its_section(tmp_path):
    plan = _plan(tmp_path, SENTENCES)
    assert _roles(plan, "施工扬尘") == {"responsibleFor": ["州住房城乡建设局"], "implements": ["各县市人民政府"]}
    # 名单由…负责确定 modifies a noun; the sentence's own attribution closes the measure
    assert _roles(plan, "柴油货车") == {
        "leads": ["州生态环境局"],
        "supports": ["州公安局", "州交通运输局"],
        "implements": ["各县市人民政府"],
    }
    assert _roles(plan, "错峰生产") == {"responsibleFor": ["州工业和信息化局"], "implements": ["各县市人民政府"]}
    # the default stands under 主要任务: 保障措施 gains no task from it
    assert not [t for t in plan.tasks if "组织领导" in t.text]
    assert len(plan.tasks) == 3


def test_first_listed_unit_leads_when_the_plan_says_so(tmp_path):
    plan = _plan(tmp_path, CONVENTION)
    assert _roles(plan, "燃煤小锅炉") == {
        "leads": ["县市场监管局"],
        "supports": ["县生态环境局", "各乡镇人民政府"],
    }
    assert _roles(plan, "餐饮油烟") == {"leads": ["县城管局"]}
    # a list that names its lead keeps its labels
    assert _roles(plan, "应急预案") == {"leads": ["县生态环境局"], "implements": ["县气象局"]}


def test_without_the_convention_a_responsibility_list_is_implement(tmp_path):
    plan = _plan(tmp_path, CONVENTION.replace("（以下各项任务中，排在第一位的为牵头单位，其他为配合单位）", ""))
    assert _roles(plan, "餐饮油烟") == {"implements": ["县城管局"]}


def test_an_attribution_cut_by_the_end_of_the_text_keeps_what_is_readable(tmp_path):
    plan = _plan(tmp_path, CUT)
    assert _roles(plan, "露天矿山") == {"leads": ["区自然资源局", "区林业局"]}


def test_the_same_wordings_in_traditional_characters(tmp_path):
    from opencc import OpenCC

    plan = _plan(tmp_path, OpenCC("s2t").convert(LABELS))
    assert _roles(plan, "高耗能行業") == {
        "leads": ["市發展改革委"],
        "supports": ["市工業和信息化局", "市自然資源局"],
        "implements": ["各區縣人民政府"],
    }


def test_a_default_stated_inside_an_attribution_bracket(tmp_path):
    plan = _plan(tmp_path, CARRY)
    # the bracket is the first measure's own attribution, its carry sentence read apart
    assert _roles(plan, "环境准入清单") == {
        "leads": ["市生态环境局"],
        "supports": ["市发展改革局", "自然资源局"],
        "implements": ["各区县人民政府"],
    }
    # the measure after it in the same paragraph is a task of its own, and the default reaches it and the next
    assert _roles(plan, "等量替代") == {
        "leads": ["市市场监管局"],
        "supports": ["市工业和信息化局"],
        "implements": ["各区县人民政府"],
    }
    assert not [t for t in plan.tasks if "环境准入清单" in t.text and "等量替代" in t.text]
    assert _roles(plan, "散乱污") == {
        "leads": ["市工业和信息化局"],
        "supports": ["市公安局"],
        "implements": ["各区县人民政府"],
    }


def test_units_that_carry_out_in_detail_implement(tmp_path):
    plan = _plan(tmp_path, IN_DETAIL)
    assert _roles(plan, "砖瓦窑") == {
        "responsibleFor": ["市工业和信息化局", "市发展改革委"],
        "implements": ["各区政府", "高新区管委会"],
    }


def test_bare_lists_under_a_convention_stated_in_the_first_of_them(tmp_path):
    plan = _plan(tmp_path, BARE)
    assert _roles(plan, "煤炭消费总量控制方案") == {"leads": ["省发改委"], "supports": ["省统计局"]}
    assert _roles(plan, "集中供热") == {"leads": ["省住建厅"], "supports": ["省环保厅", "省质监局"]}
    # a unit's other name in brackets inside a sentence is no list; the heading's 总牵头 is not copied down
    (clean,) = [t for t in plan.tasks if "清洁能源" in t.text]
    assert not clean.attributions
    assert len([t for t in plan.tasks if t.attributions]) == 2


def test_bare_lists_are_no_attribution_without_the_convention(tmp_path):
    text = BARE.replace("。列第一位者为牵头部门，下同", "")
    plan = _plan(tmp_path, text)
    assert not [t for t in plan.tasks if t.attributions]


def test_an_attribution_cut_inside_its_second_list_keeps_the_first_clause(tmp_path):
    plan = _plan(tmp_path, CUT_LIST)
    assert _roles(plan, "无组织排放") == {"leads": ["区生态环境局", "区工信局"]}


def test_label_clauses_separated_by_spaces_and_more_closing_role_words(tmp_path):
    plan = _plan(tmp_path, SPACED)
    # the second label opens a clause of its own: it is not part of the first list
    assert _roles(plan, "餐饮油烟") == {"leads": ["县城管局"], "supports": ["县市场监管局", "县生态环境局"]}
    assert _roles(plan, "集中供热") == {"leads": ["县住建局"], "supports": ["县发改局"], "implements": ["各乡镇政府"]}
    assert _roles(plan, "秸秆") == {"leads": ["县农业农村局"], "supports": ["县生态环境局"]}
    # an item without a full stop, its label line under it
    assert _roles(plan, "露天烧烤") == {"leads": ["县城管局"]}


def test_short_labels_a_person_beside_the_units_and_more_closing_words(tmp_path):
    plan = _plan(tmp_path, SHORT_LABELS)
    assert _roles(plan, "挥发性有机物") == {"leads": ["市生态环境局"], "supports": ["市工业和信息化局"]}
    # the person is no agency, and does not make the units' clauses unreadable
    assert _roles(plan, "建筑工地扬尘") == {"implements": ["市住房城乡建设局"], "supports": ["市城管局"]}
    assert _roles(plan, "柴油货车") == {
        "leads": ["市交通运输局"],
        "supports": ["市公安局交警支队"],
        "implements": ["各区政府"],
    }


def test_an_attribution_whose_carry_sentence_is_cut_keeps_its_whole_first_sentence(tmp_path):
    plan = _plan(tmp_path, CUT_CARRY)
    assert _roles(plan, "化工园区") == {
        "responsibleFor": ["市发改委", "市经信局"],
        "supports": ["市生态环境局"],
        "implements": ["各县（市、区）人民政府"],
    }


def test_heading_shaped_items_closed_by_their_own_attribution(tmp_path):
    plan = _plan(tmp_path, SHORT_ITEMS)
    assert _roles(plan, "散乱污") == {"leads": ["县工信局"], "supports": ["县市场监管局"]}
    assert _roles(plan, "砖瓦窑") == {"responsibleFor": ["县生态环境局"]}
    assert _roles(plan, "机械化清扫") == {"responsibleFor": ["县城管局"]}
    # a section title with measures under it keeps its attribution to itself (not a task, not copied down)
    assert not [t for t in plan.tasks if "整治工业污染" in t.text]
    assert len(plan.tasks) == 3


def test_by_opening_a_bracket_a_tagged_lead_in_a_list_and_support_by_duty(tmp_path):
    plan = _plan(tmp_path, BY_AND_TAGS)
    # 由 is not part of the unit's name
    assert _roles(plan, "餐饮油烟") == {"leads": ["区城管局"], "supports": ["区市场监管局"]}
    # the tagged unit leads; the others keep the label's role
    assert _roles(plan, "清洁取暖") == {"implements": ["区住建局", "各街道办事处"], "leads": ["区发改局"]}
    assert _roles(plan, "渣土车") == {"leads": ["区城管局"], "supports": ["区公安分局", "区交通运输局"]}


def test_units_separated_by_spaces_are_items_of_their_own(tmp_path):
    plan = _plan(tmp_path, SPACE_LISTS)
    assert _roles(plan, "建筑垃圾") == {"implements": ["区城管局", "区公安分局", "区交通运输局"]}
    assert _roles(plan, "油气回收") == {"leads": ["区商务局"], "supports": ["区市场监管局", "区应急管理局"]}
    # "区" alone names no unit: the space is a break inside one name
    assert _roles(plan, "露天焚烧") == {"leads": ["区城管局"], "supports": ["区园林绿化局"]}


def test_guiding_carrying_out_and_bearing_the_main_responsibility(tmp_path):
    plan = _plan(tmp_path, MORE_VERBS)
    # 负责 with its object and no 牵头: responsible; 负责实施, like 负责落实: implements
    assert _roles(plan, "低氮燃烧") == {"responsibleFor": ["县生态环境局"], "implements": ["各乡镇人民政府"]}
    assert _roles(plan, "砂石堆场") == {"responsibleFor": ["各乡镇人民政府", "县自然资源局"]}
    assert _roles(plan, "散煤复烧") == {"responsibleFor": ["县政府办公室"], "implements": ["县能源局"]}


def test_text_after_an_attribution_in_its_item_is_no_task(tmp_path):
    plan = _plan(tmp_path, AFTER_ATTRIBUTION)
    # the attribution closes only what precedes it; what follows it in the item names no attribution
    assert _roles(plan, "超低排放") == {"leads": ["市生态环境局"], "supports": ["市工业和信息化局"]}
    assert not [t for t in plan.tasks if "无组织排放环节" in t.text or "石灰窑" in t.text]
    reasons = {s.reason for s in plan.skipped if "无组织排放环节" in s.text or "石灰窑" in s.text}
    assert reasons == {"text after an attribution, with none of its own"}
    # a whole numbered item with no attribution stays a measure the plan left unattributed
    (item,) = [t for t in plan.tasks if "铸造企业" in t.text]
    assert item.names_none and not item.attributions
    assert _roles(plan, "燃煤锅炉") == {"leads": ["市市场监管局"]}


def test_units_separated_by_spaces_in_traditional_characters(tmp_path):
    text = (
        "某某縣秋冬季大氣污染綜合治理方案\n\n一、重點任務\n1．開展建築垃圾運輸車輛專項檢查，查處未密閉運輸行為。\n"
        "責任單位：縣城管局 縣公安局 縣發改辦\n"
    )
    plan = _plan(tmp_path, text)
    assert _roles(plan, "建築垃圾") == {"implements": ["縣城管局", "縣公安局", "縣發改辦"]}
