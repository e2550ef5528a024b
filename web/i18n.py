"""Interface language: Chinese first, English on request (?lang=en, remembered in a cookie).

`t(key)` in templates and code gives the text for the current request's language; the strings live in
MESSAGES, one entry per key with "zh" and "en".
"""

from __future__ import annotations

import re

from flask import Flask, g, request

LANGS = ("zh", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "app_name": {
        "zh": "蓝天 · 大气污染防治责任图谱",
        "en": "Lantian · accountability graph of air-pollution plans",
    },
    "home": {"zh": "首页", "en": "Home"},
    "search": {"zh": "搜索", "en": "Search"},
    "sparql": {"zh": "SPARQL 查询", "en": "SPARQL"},
    "language": {"zh": "English", "en": "中文"},
    # --- compare: task lineage, succession, plan comparison, coverage
    "cmp_agency_gone": {
        "zh": "该单位已在机构改革中撤并：",
        "en": "This unit was replaced in the institutional reform:",
    },
    "cmp_aligned": {"zh": "对应任务", "en": "Aligned tasks"},
    "cmp_change_event": {"zh": "机构变更记录", "en": "change event"},
    "cmp_deadline_earlier": {"zh": "时限提前", "en": "earlier"},
    "cmp_deadline_later": {"zh": "时限推后", "en": "later"},
    "cmp_deadline_none": {"zh": "均无时限", "en": "no deadline on either side"},
    "cmp_deadline_only_a": {"zh": "仅前者有时限", "en": "deadline only in the first"},
    "cmp_deadline_only_b": {"zh": "仅后者有时限", "en": "deadline only in the second"},
    "cmp_deadline_same": {"zh": "时限相同", "en": "same deadline"},
    "cmp_go": {"zh": "比较", "en": "Compare"},
    "cmp_hint": {
        "zh": "对应关系来自任务文本的5字片段重合（MinHash LSH 候选，精确计分）；差异均以 B 相对 A 表述；牵头单位按机构改革后的现任单位比较。",
        "en": "Alignment comes from shared character 5-grams of the task texts (MinHash LSH candidates, exact scores); differences read B against A; leads are compared by the unit that holds the duty today.",
    },
    "cmp_inherited": {
        "zh": "承接的任务（原由前身单位承担）",
        "en": "Inherited tasks (assigned to a predecessor)",
    },
    "cmp_inherited_hint": {
        "zh": "这些任务在方案中写给了已撤并的前身单位，其职责现由本单位承担。",
        "en": "The plans assign these tasks to a unit that no longer exists; this unit holds its duties now.",
    },
    "cmp_kind_counterpart": {"zh": "同级对应任务", "en": "counterpart"},
    "cmp_kind_lower": {"zh": "下级落实任务", "en": "lower task deriving from it"},
    "cmp_kind_upper": {"zh": "上级来源任务", "en": "upper task it derives from"},
    "cmp_lead_different": {"zh": "牵头单位不同", "en": "different lead"},
    "cmp_lead_no_lead_a": {"zh": "前者无牵头单位", "en": "no lead in the first"},
    "cmp_lead_no_lead_b": {"zh": "后者无牵头单位", "en": "no lead in the second"},
    "cmp_lead_none": {"zh": "均无牵头单位", "en": "no lead on either side"},
    "cmp_lead_same": {"zh": "牵头单位相同", "en": "same lead"},
    "cmp_no_links": {
        "zh": "其他已载入方案中没有找到对应任务。",
        "en": "No linked task in the other loaded plans.",
    },
    "cmp_now_held_by": {"zh": "今由", "en": "now held by"},
    "cmp_now_held_by_end": {"zh": "承担", "en": " "},
    "cmp_now_short": {"zh": "今由{now}承担", "en": "now held by {now}"},
    "cmp_only_a": {"zh": "仅 A 有的任务", "en": "Tasks only in A"},
    "cmp_only_b": {"zh": "仅 B 有的任务", "en": "Tasks only in B"},
    "cmp_pick_two": {"zh": "请选择两个方案（a 和 b）。", "en": "Pick two plans (a and b)."},
    "cmp_plan_a": {"zh": "方案 A", "en": "Plan A"},
    "cmp_plan_b": {"zh": "方案 B", "en": "Plan B"},
    "cmp_summary": {
        "zh": "对应任务 {aligned} 项（B 时限推后 {later} 项、提前 {earlier} 项，牵头单位不同 {leadChanged} 项；指标从严 {stricter} 项、放宽 {looser} 项）；仅 A 有 {onlyA} 项，仅 B 有 {onlyB} 项。",
        "en": "{aligned} aligned tasks (B later in {later}, earlier in {earlier}, different lead in {leadChanged}; targets stricter in {stricter}, looser in {looser}); {onlyA} only in A, {onlyB} only in B.",
    },
    "cmp_target_different": {"zh": "不同", "en": "different"},
    "cmp_target_looser": {"zh": "放宽", "en": "looser"},
    "cmp_target_same": {"zh": "相同", "en": "same"},
    "cmp_target_stricter": {"zh": "从严", "en": "stricter"},
    "cmp_task_links": {"zh": "其他方案中的对应任务", "en": "This task in other plans"},
    "cmp_task_links_hint": {
        "zh": "并列比较：差异（时限提前/推后、牵头单位不同、指标从严/放宽）均指该列相对本任务。",
        "en": "Side by side: each difference (earlier/later deadline, different lead, stricter/looser target) reads that column against this task.",
    },
    "cmp_this_task": {"zh": "本任务", "en": "This task"},
    "cmp_title": {"zh": "方案比较", "en": "Compare plans"},
    "cmp_with_another": {"zh": "与另一方案比较", "en": "compare with another plan"},
    "cov_details": {"zh": "明细", "en": "details"},
    "cov_dropped": {"zh": "未落实（下级方案未承接）的任务", "en": "Dropped (not localised) tasks"},
    "cov_localised": {"zh": "已落实的任务", "en": "Localised tasks"},
    "cov_lower": {"zh": "下级方案", "en": "Lower plan"},
    "cov_pick_two": {
        "zh": "请给出上级方案（upper）和下级方案（lower）。",
        "en": "Give an upper and a lower plan.",
    },
    "cov_share": {
        "zh": "下级方案承接了上级方案 {total} 项任务中的 {localised} 项（{share}%）。",
        "en": "The lower plan localised {localised} of the upper plan's {total} tasks ({share}%).",
    },
    "cov_share_col": {"zh": "承接比例", "en": "Share localised"},
    "cov_title": {"zh": "上级方案落实情况", "en": "Coverage of the upper plan"},
    "cov_upper": {"zh": "上级方案", "en": "Upper plan"},
    "pg_cmp_col_a_due": {"zh": "A 时限", "en": "A due"},
    "pg_cmp_col_a_heading": {"zh": "A 标题", "en": "A heading"},
    "pg_cmp_col_a_leads": {"zh": "A 牵头单位", "en": "A leads"},
    "pg_cmp_col_a_section": {"zh": "A 条目", "en": "A section"},
    "pg_cmp_col_a_task": {"zh": "A 任务 IRI", "en": "A task IRI"},
    "pg_cmp_col_b_due": {"zh": "B 时限", "en": "B due"},
    "pg_cmp_col_b_heading": {"zh": "B 标题", "en": "B heading"},
    "pg_cmp_col_b_leads": {"zh": "B 牵头单位", "en": "B leads"},
    "pg_cmp_col_b_section": {"zh": "B 条目", "en": "B section"},
    "pg_cmp_col_b_task": {"zh": "B 任务 IRI", "en": "B task IRI"},
    "pg_cmp_col_deadline_change": {"zh": "时限变化", "en": "Deadline change"},
    "pg_cmp_col_inherited_from": {"zh": "原责任单位（前身）", "en": "Assigned to (predecessor)"},
    "pg_cmp_col_lead_change": {"zh": "牵头单位变化", "en": "Lead change"},
    "pg_cmp_col_link": {"zh": "关系", "en": "Link"},
    "pg_cmp_col_now": {"zh": "今由…承担", "en": "Now held by"},
    "pg_cmp_col_score": {"zh": "相似度", "en": "Score"},
    "pg_cmp_col_status": {"zh": "类别", "en": "Status"},
    "pg_cmp_col_target_changes": {"zh": "指标变化", "en": "Target changes"},
    "pg_cov_col_by": {"zh": "下级方案中的对应任务", "en": "Lower plan's tasks"},
    # --- networks
    "net_canvas": {"zh": "网络图", "en": "network diagram"},
    "net_hide_tasks": {"zh": "隐藏本方案的任务", "en": "hide this plan's tasks"},
    "net_hint": {
        "zh": "单击节点展开其相邻节点，双击打开其页面；拖动、滚轮缩放。任务按其角色着色。",
        "en": "Click a node to expand its neighbours, double-click to open its page; drag to move, scroll to zoom. "
        "Tasks are coloured by their role.",
    },
    "net_kind_agency": {"zh": "责任单位", "en": "agency"},
    "net_kind_group": {"zh": "单位集合", "en": "agency group"},
    "net_kind_jurisdiction": {"zh": "行政区域", "en": "jurisdiction"},
    "net_kind_plan": {"zh": "方案", "en": "plan"},
    "net_kind_task": {"zh": "任务", "en": "task"},
    "net_legend": {"zh": "图例", "en": "Legend"},
    "net_node_list": {"zh": "图中全部节点（{n} 个）", "en": "All nodes in the view ({n})"},
    "net_noscript": {
        "zh": "网络图需要 JavaScript；下方列出了图中的全部节点。",
        "en": "The diagram needs JavaScript; all its nodes are listed below.",
    },
    "net_open_page": {"zh": "打开页面", "en": "open the page"},
    "net_rel_derivesFrom": {"zh": "依据（上级方案）", "en": "derives from (upper plan)"},
    "net_rel_implements": {"zh": "负责落实", "en": "implements"},
    "net_rel_inPlan": {"zh": "所属方案", "en": "in plan"},
    "net_rel_jurisdiction": {"zh": "所属区域", "en": "jurisdiction"},
    "net_rel_leads": {"zh": "牵头", "en": "leads"},
    "net_rel_responsibleFor": {"zh": "按职责负责", "en": "responsible for"},
    "net_rel_succeededBy": {"zh": "职责由…承接", "en": "succeeded by"},
    "net_rel_supports": {"zh": "参与 / 配合", "en": "supports"},
    "net_rel_within": {"zh": "隶属于", "en": "within"},
    "net_show_tasks": {"zh": "显示本方案的任务及牵头单位", "en": "show this plan's tasks and lead agencies"},
    "net_title_agency": {"zh": "单位关系网络", "en": "Agency network"},
    "net_title_plan": {"zh": "方案沿袭关系", "en": "Plan derivation"},
    "net_title_task": {"zh": "任务责任链", "en": "Task accountability chain"},
    "net_truncated": {
        "zh": "图过大：仅显示最重要的 {shown} 个节点（共 {total} 个）。",
        "en": "Too large to draw whole: showing the {shown} most important of {total} nodes.",
    },
    "net_view": {"zh": "网络图", "en": "network"},
    # --- sparql
    "sparql_canned": {"zh": "示例查询（点击载入并运行）", "en": "Canned queries (click to load and run)"},
    "sparql_download_csv": {"zh": "下载结果 CSV", "en": "Download results as CSV"},
    "sparql_download_json": {"zh": "下载结果 JSON", "en": "Download results as JSON"},
    "sparql_downloads": {"zh": "整体下载", "en": "Whole downloads"},
    "sparql_graph": {"zh": "全部图谱", "en": "The whole graph"},
    "sparql_intro": {
        "zh": "只读的 SPARQL 1.1 查询端点（/sparql）。每个查询限时 {timeout} 秒、最多返回 {rows} 行；不接受 SPARQL Update、SERVICE、FROM。",
        "en": "A read-only SPARQL 1.1 query endpoint (/sparql). Each query runs for at most {timeout} s and returns at most {rows} rows; SPARQL Update, SERVICE and FROM are refused.",
    },
    "sparql_no_editor": {
        "zh": "编辑器组件未安装（请运行 make install）；下面是纯文本编辑框。",
        "en": "The editor assets are not installed (run make install); a plain text box is used instead.",
    },
    "sparql_ontology": {"zh": "本体（词汇表）", "en": "The ontology (vocabulary)"},
    "sparql_params": {"zh": "参数（已代入默认值）", "en": "parameters (defaults bound)"},
    "sparql_run": {"zh": "运行查询", "en": "Run query"},
    "sparql_share": {"zh": "分享链接", "en": "Shareable link"},
    "sparql_title": {"zh": "SPARQL 查询", "en": "SPARQL query"},
    # --- pages: home, lists, plan, task, agency, /id/ resources, downloads
    "pg_accountable": {"zh": "责任单位（按角色）", "en": "Accountable agencies by role"},
    "pg_agencies": {"zh": "责任单位", "en": "Agencies"},
    "pg_agencies_hint": {
        "zh": "每个单位的规范名称、全部别称及其承担的任务",
        "en": "each agency's canonical name, every alias and its tasks",
    },
    "pg_agency": {"zh": "单位", "en": "Agency"},
    "pg_aliases": {"zh": "别称（计划中的写法）", "en": "Aliases (as written in the plans)"},
    "pg_all_plans": {"zh": "全部计划", "en": "all plans"},
    "pg_audit_views": {"zh": "审计入口", "en": "Audit views"},
    "pg_bad_iri": {
        "zh": "参数 {name} 不是有效的资源标识（IRI）：{value}",
        "en": "The parameter {name} is not a valid resource identifier (IRI): {value}",
    },
    "pg_bad_request": {"zh": "请求有误", "en": "Bad request"},
    "pg_bad_date": {"zh": "日期格式应为 YYYY-MM-DD：{value}", "en": "The date must be YYYY-MM-DD: {value}"},
    "pg_baseline": {"zh": "基准年", "en": "baseline"},
    "pg_cited_only": {"zh": "仅被引用", "en": "cited only"},
    "pg_cited_only_long": {
        "zh": "此计划仅被其他计划引用，未载入正文。",
        "en": "This plan is only cited by other plans; its text is not loaded.",
    },
    "pg_clear": {"zh": "清除筛选", "en": "clear filters"},
    "pg_col_detail": {"zh": "详情", "en": "Detail"},
    "pg_col_end": {"zh": "结束位置", "en": "End"},
    "pg_col_iri": {"zh": "IRI", "en": "IRI"},
    "pg_col_kind": {"zh": "类别", "en": "Kind"},
    "pg_col_leads": {"zh": "牵头单位", "en": "Lead agencies"},
    "pg_col_name": {"zh": "名称", "en": "Name"},
    "pg_col_other_roles": {"zh": "其他责任单位", "en": "Other accountable agencies"},
    "pg_col_role": {"zh": "角色", "en": "Role"},
    "pg_col_start": {"zh": "起始位置", "en": "Start"},
    "pg_col_tasks": {"zh": "任务数", "en": "Tasks"},
    "pg_col_text": {"zh": "任务原文", "en": "Task text"},
    "pg_col_title": {"zh": "标题", "en": "Title"},
    "pg_comparator": {"zh": "比较", "en": "Comparator"},
    "pg_contains": {"zh": "下辖", "en": "Contains"},
    "pg_context": {"zh": "所属计划与上级依据", "en": "Plan, section and upper plans"},
    "pg_corpus": {"zh": "图谱概况", "en": "The corpus"},
    "pg_deadline_phrase": {"zh": "原文时限", "en": "Deadline as written"},
    "pg_deadlines": {"zh": "完成时限", "en": "Deadlines"},
    "pg_derivation": {"zh": "上级依据链", "en": "Derivation chain (upper plans)"},
    "pg_direct": {"zh": "直接依据", "en": "direct"},
    "pg_doc_number": {"zh": "文号", "en": "Document number (文号)"},
    "pg_download": {"zh": "下载", "en": "Download"},
    "pg_first": {"zh": "首页", "en": "first"},
    "pg_last": {"zh": "末页", "en": "last"},
    "pg_next": {"zh": "下一页", "en": "next"},
    "pg_pages": {"zh": "分页", "en": "pages"},
    "pg_prev": {"zh": "上一页", "en": "previous"},
    "pg_rows_of": {"zh": "第 {first}–{last} 行，共 {total} 行", "en": "rows {first}–{last} of {total}"},
    "pg_due_before": {"zh": "到期日早于", "en": "Due before"},
    "pg_due_count": {"zh": "共 {n} 项任务。", "en": "{n} tasks."},
    "pg_due_date": {"zh": "完成时限", "en": "Due"},
    "pg_due_form": {"zh": "截至此日期应完成的任务：", "en": "Tasks due before:"},
    "pg_due_nav": {"zh": "到期任务", "en": "Due tasks"},
    "pg_due_title": {"zh": "{date} 前到期的任务", "en": "Tasks due before {date}"},
    "pg_evidence": {"zh": "原文与证据", "en": "The text and its evidence"},
    "pg_evidence_date": {"zh": "时限", "en": "DUE"},
    "pg_evidence_docref": {"zh": "引用文件", "en": "CITED"},
    "pg_evidence_hint": {
        "zh": "标注来自图谱中存储的原文位置（计划正文第 {start}–{end} 字）。",
        "en": "Highlights are the spans stored in the graph (characters {start}–{end} of the plan's text).",
    },
    "pg_evidence_target": {"zh": "目标", "en": "TARGET"},
    "pg_filter": {"zh": "筛选", "en": "Filter"},
    "pg_gap_no_deadline": {"zh": "无完成时限的任务", "en": "Tasks with no deadline"},
    "pg_gap_no_lead": {"zh": "无牵头单位的任务", "en": "Tasks with no lead agency"},
    "sparql_view_table": {"zh": "表格", "en": "Table"},
    "sparql_view_chart": {"zh": "条形图", "en": "Bar chart"},
    "pg_gap_no_unit": {"zh": "未明确责任单位的措施", "en": "Measures with no accountable unit"},
    "pg_coverage": {"zh": "责任覆盖率", "en": "Coverage"},
    "pg_coverage_counts": {
        "zh": "{measures} 项措施中 {covered} 项明确了责任单位",
        "en": "{covered} of {measures} measures name an accountable unit",
    },
    "pg_gap_skipped": {"zh": "未解析的段落", "en": "Paragraphs the loader skipped"},
    "pg_gaps": {"zh": "缺口", "en": "Gaps"},
    "pg_group": {"zh": "单位集合", "en": "group of agencies"},
    "pg_heading": {"zh": "标题", "en": "Heading"},
    "pg_home_question": {
        "zh": "谁负责、何时完成、依据哪句原文？",
        "en": "Who must do this, by when, and where does it say so?",
    },
    "pg_indicator": {"zh": "指标", "en": "Indicator"},
    "pg_indirect": {"zh": "间接", "en": "indirect"},
    "pg_issued": {"zh": "印发日期", "en": "Issued"},
    "pg_jurisdiction": {"zh": "行政区域", "en": "Jurisdiction"},
    "pg_level": {"zh": "层级", "en": "Level"},
    "pg_level_county": {"zh": "县级", "en": "county"},
    "pg_level_nation": {"zh": "国家", "en": "national"},
    "pg_level_prefecture": {"zh": "市（州）级", "en": "prefecture"},
    "pg_level_province": {"zh": "省级", "en": "province"},
    "pg_level_township": {"zh": "乡镇（街道）", "en": "township"},
    "pg_limited": {"zh": "仅显示前 {n} 条。", "en": "Only the first {n} are shown."},
    "pg_lower_plans": {"zh": "依据本计划制定的计划", "en": "Plans derived from this one"},
    "pg_matched_alias": {"zh": "匹配的别称", "en": "matched alias"},
    "pg_network_agency": {"zh": "查看该单位的关系网络", "en": "Network around this agency"},
    "pg_network_plan": {"zh": "查看计划依据关系图", "en": "Derivation tree of plans"},
    "pg_network_task": {"zh": "查看责任链网络图", "en": "Accountability chain network"},
    "pg_no_agency": {"zh": "未写明责任单位", "en": "no agency named"},
    "pg_no_deadline": {"zh": "无时限", "en": "no deadline"},
    "pg_no_lead": {"zh": "无牵头单位", "en": "no lead"},
    "pg_no_graph": {"zh": "无法读取图谱", "en": "The graph cannot be read"},
    "pg_no_store": {"zh": "尚未构建图谱", "en": "No graph built yet"},
    "pg_no_upper": {"zh": "未写明上级依据。", "en": "No upper plan stated."},
    "pg_none": {"zh": "无", "en": "none"},
    "pg_not_found_iri": {"zh": "图谱中没有 {iri}", "en": "{iri} is not in the graph"},
    "pg_offsets": {"zh": "原文位置", "en": "Offsets in the plan text"},
    "pg_outline": {"zh": "任务大纲", "en": "Outline"},
    "pg_outside_task": {
        "zh": "在任务正文之外，如附件责任清单",
        "en": "outside the task's text, e.g. an appendix table",
    },
    "pg_partners": {"zh": "合作最多的单位", "en": "Agencies it works with most"},
    "pg_phrase": {"zh": "原文", "en": "As written"},
    "pg_plan": {"zh": "计划", "en": "Plan"},
    "pg_plans": {"zh": "计划", "en": "Plans"},
    "pg_plans_hint": {
        "zh": "各计划的大纲、上级依据、目标与缺口",
        "en": "each plan's outline, upper plans, targets and gaps",
    },
    "pg_predecessors": {"zh": "前身单位", "en": "Predecessors"},
    "pg_property": {"zh": "属性", "en": "Property"},
    "pg_reason": {"zh": "原因", "en": "Reason"},
    "pg_referenced_by": {"zh": "被引用", "en": "Referenced by"},
    "pg_role_implements": {"zh": "负责落实", "en": "implements"},
    "pg_role_leads": {"zh": "牵头", "en": "leads"},
    "pg_role_responsibleFor": {"zh": "按职责负责", "en": "responsible for"},
    "pg_role_supports": {"zh": "配合", "en": "supports"},
    "pg_search_placeholder": {
        "zh": "单位名称或别称、任务原文、计划标题或文号",
        "en": "agency name or alias, task words, plan title or 文号",
    },
    "pg_search_results": {"zh": "搜索“{q}”", "en": "Search: “{q}”"},
    "pg_section": {"zh": "条目", "en": "Section"},
    "pg_shared_tasks": {"zh": "共同承担的任务数", "en": "Shared tasks"},
    "pg_show": {"zh": "显示", "en": "Show"},
    "pg_shown": {"zh": "显示 {n} / {total} 项。", "en": "Showing {n} of {total}."},
    "pg_source_file": {"zh": "来源文件", "en": "Source file"},
    "pg_sparql_hint": {"zh": "用 SPARQL 自行提问", "en": "ask your own questions in SPARQL"},
    "pg_stat_agencies": {"zh": "个单位", "en": "agencies"},
    "pg_stat_all_plans": {"zh": "含被引用的计划共 {n} 个", "en": "{n} including cited plans"},
    "pg_stat_deadlines": {"zh": "个完成时限", "en": "deadlines"},
    "pg_stat_loaded_plans": {"zh": "个计划", "en": "plans"},
    "pg_stat_targets": {"zh": "个量化目标", "en": "targets"},
    "pg_stat_tasks": {"zh": "项任务", "en": "tasks"},
    "pg_successors": {"zh": "继任单位", "en": "Successors"},
    "pg_surface_form": {"zh": "原文写法", "en": "As written"},
    "pg_targets": {"zh": "量化目标", "en": "Targets"},
    "pg_task": {"zh": "任务", "en": "Task"},
    "pg_tasks": {"zh": "任务", "en": "Tasks"},
    "pg_tasks_by_role": {"zh": "承担的任务（按角色）", "en": "Its tasks by role"},
    "pg_tasks_unit": {"zh": "项任务", "en": "tasks"},
    "pg_unknown": {"zh": "未知", "en": "unknown"},
    "pg_upper_plans": {"zh": "上级依据", "en": "Upper plans"},
    "pg_value": {"zh": "值", "en": "Value"},
    "pg_where_it_says": {"zh": "原文出处（写法与位置）", "en": "Where it says so (surface form and offsets)"},
    "pg_whole_plan": {"zh": "全计划", "en": "whole plan"},
    "pg_within": {"zh": "上级区域", "en": "Within"},
    "pg_year": {"zh": "年份", "en": "Year"},
    # --- audit (keys au_*; pg_au_* are column headers, since pages.table_response prefixes "pg_")
    "au_any_agency": {"zh": "任一单位", "en": "any agency"},
    "au_as_of": {"zh": "截至日期", "en": "As of"},
    "au_as_sparql": {"zh": "用 SPARQL 查询", "en": "as a SPARQL query"},
    "au_bad_days": {
        "zh": "天数应为 0 到 36600 之间的整数：{value}",
        "en": "days must be a whole number from 0 to 36600: {value}",
    },
    "au_bad_table": {
        "zh": "没有这个表：{value}（可选：{allowed}）",
        "en": "no such table: {value} (one of: {allowed})",
    },
    "au_broker_is": {
        "zh": "本网络的“中间人”（中介中心性最高）：{name}（{value}）。",
        "en": "The broker of this network (highest betweenness): {name} ({value}).",
    },
    "au_brokers_hint": {
        "zh": "单位—任务网络的度数与中介中心性：谁负荷最重、谁是方案的“中间人”",
        "en": "degree and betweenness on the agency–task network: who carries the load, who brokers the plan",
    },
    "au_brokers_intro": {
        "zh": "把单位与任务连成二分网络（牵头、配合、负责落实、按职责负责都算一条边）。度数 = 单位承担的任务数；中介中心性（networkx，二分网络归一化）衡量单位处在多少条单位—任务最短路径上：值最高者把本方案的各项任务连在一起。最短路径只在一个连通分量内，各分量逐一精确计算（抽样估算时下方注明）；归一化按整个网络的单位数与任务数，全国网络的值因而很小（约百万分之一），保留 4 位有效数字。各县市人民政府之类集体默认不计（它们出现在几乎每项任务上）。",
        "en": "Agencies and tasks as a bipartite network (every role — leads, supports, implements, responsible for — is an edge). Degree = the tasks an agency holds; betweenness (networkx, bipartite normalisation) measures how many shortest agency–task paths pass through it: the highest ties the plan's tasks together. Paths stay inside one connected component, each computed exactly (the note below says when one was estimated from samples); the normalisation is by the whole network's agencies and tasks, so national values are small (about one in a million) and are given to 4 significant digits. Collectives such as 各县市人民政府 are left out unless asked for (they sit on nearly every task).",
    },
    "au_betweenness_sampled": {
        "zh": "（网络过大，中介中心性由 {k} 个抽样起点估算。）",
        "en": "(The network is large: betweenness is estimated from {k} sampled source nodes.)",
    },
    "au_betweenness_sampled_where": {
        "zh": "（只在 {components} 个过大的连通分量（共 {nodes} 个节点）内抽样估算，其余连通分量精确计算。）",
        "en": "(Only inside the {components} connected component(s) too large for exact computation, {nodes} nodes in all; every other component is exact.)",
    },
    "au_brokers_table": {"zh": "{n} 个单位、{tasks} 项任务", "en": "{n} agencies, {tasks} tasks"},
    "au_brokers_table_first": {"zh": "{n} 个单位", "en": "{n} agencies"},
    "au_brokers_title": {"zh": "负荷与中间人：全部方案", "en": "Load and brokers: all plans"},
    "au_brokers_title_plan": {"zh": "负荷与中间人：{plan}", "en": "Load and brokers: {plan}"},
    "au_by_agency": {"zh": "按牵头单位", "en": "By lead agency"},
    "au_by_agency_note": {
        "zh": "另有 {n} 个时限所属任务未写明牵头单位（见下方清单）。",
        "en": "{n} more deadlines belong to tasks with no lead agency (see the list below).",
    },
    "au_by_jurisdiction": {"zh": "按行政区域", "en": "By jurisdiction"},
    "au_chart_caption": {
        "zh": "● 截至 {as_of} 已过时限　○ 未到时限",
        "en": "● due before {as_of}　○ not yet due",
    },
    "au_chart_legend": {
        "zh": "每行一项任务（条目与标题），每个点一个完成时限；实心点为截至日期前已到期，虚线为截至日期。",
        "en": "One row per task (section and heading), one dot per deadline; filled dots fell due before the as-of date, the dashed line marks it.",
    },
    "au_chart_truncated": {
        "zh": "（仅画出最早的 {shown} 项，共 {total} 项）",
        "en": "(the earliest {shown} of {total} tasks drawn)",
    },
    "au_collective_leads_note": {
        "zh": "牵头数大于 0 的集体即“集体牵头”：本图谱中共 {n} 个。",
        "en": "A collective with a lead count above 0 is a collective lead: {n} in this graph.",
    },
    "au_collective_only_note": {
        "zh": "这些任务没有一个具体单位对其负责，只写了“各县市人民政府”“有关部门”之类集体。",
        "en": "No single unit answers for these tasks: the plan names only collectives such as 各县市人民政府 or 有关部门.",
    },
    "au_collective_only_tasks": {
        "zh": "只由集体承担的任务（{n} 项）",
        "en": "Tasks held only by collectives ({n})",
    },
    "au_collectives_title": {"zh": "集体责任方及其角色", "en": "Collectives and their roles"},
    "au_days": {"zh": "天数", "en": "Days"},
    "au_due_soon_hint": {"zh": "{days} 天内到期的任务", "en": "tasks falling due within {days} days"},
    "au_due_soon_intro": {
        "zh": "完成时限落在截至日期（含）之后若干天内的任务，每个时限一行，附牵头单位及其现承接单位。",
        "en": "Tasks with a deadline from the as-of date (included) to that many days later, one row per deadline, with the lead agencies and the units that hold their duties now.",
    },
    "au_due_soon_tasks": {"zh": "{n} 个时限（至 {until}）", "en": "{n} deadlines (up to {until})"},
    "au_due_soon_title": {"zh": "{as_of} 起 {days} 天内到期", "en": "Due within {days} days of {as_of}"},
    "au_gaps_hint": {
        "zh": "无牵头单位的任务 {no_lead} 项，只由集体承担的任务 {collective_only} 项，集体牵头",
        "en": "{no_lead} tasks with no lead, {collective_only} held only by collectives, collective leads",
    },
    "au_gaps_intro": {
        "zh": "问责缺口：没有牵头单位的任务；唯一责任方是集体（lt:AgencyGroup）的任务；以及各集体以何种角色出现。",
        "en": "Accountability gaps: tasks with no lead agency; tasks whose only accountable party is a collective (lt:AgencyGroup); and the roles each collective is named in.",
    },
    "au_gaps_title": {"zh": "问责缺口", "en": "Accountability gaps"},
    "au_home_hint": {
        "zh": "已过时限、即将到期、牵头单位已撤并、问责缺口、负荷与中间人、时限时间线",
        "en": "overdue, due soon, lead gone, accountability gaps, load and brokers, deadline timelines",
    },
    "au_include_groups": {
        "zh": "计入集体（各县市人民政府等）",
        "en": "include collectives (各县市人民政府 …)",
    },
    "au_index_intro": {
        "zh": "审计报表：每张报表都有网页、CSV/XLSX/JSON 下载和 queries/ 中的对应 SPARQL 查询；每一行链接到任务页（原文证据）。图谱只记录方案的要求，不记录完成情况：“已过时限”表示时限已到、应核查是否完成。",
        "en": "Audit reports: each is a page, a CSV/XLSX/JSON download and a canned SPARQL query in queries/; every row links to its task page (the evidence). The graph records what the plans require, not what was done: overdue means the deadline has passed and completion should be checked.",
    },
    "au_lead_gone_hint": {
        "zh": "时限已过、牵头单位已因机构改革撤并：现由谁承接",
        "en": "past deadlines whose lead the reform replaced: who holds the duty now",
    },
    "au_lead_gone_intro": {
        "zh": "完成时限早于截至日期、而牵头单位在截至日期所在年份或之前已因 2018–2019 年机构改革撤并的任务：原牵头单位（方案原文的写法）、改革年份、现承接其职责的单位。",
        "en": "Tasks due before the as-of date whose lead agency the 2018–2019 institutional reform had replaced by that date's year: the original lead (as the plan names it), the reform year and the unit that holds its duties now.",
    },
    "au_lead_gone_tasks": {
        "zh": "{n} 行（任务 × 时限 × 原牵头单位）",
        "en": "{n} rows (task × deadline × original lead)",
    },
    "au_lead_gone_title": {
        "zh": "截至 {as_of} 时限已过且牵头单位已撤并",
        "en": "Overdue as of {as_of} with a lead that no longer exists",
    },
    "au_nav_brokers": {"zh": "负荷与中间人", "en": "Load and brokers"},
    "au_nav_due_soon": {"zh": "即将到期", "en": "Due soon"},
    "au_nav_gaps": {"zh": "问责缺口", "en": "Gaps"},
    "au_nav_lead_gone": {"zh": "牵头单位已撤并", "en": "Lead gone"},
    "au_nav_overdue": {"zh": "已过时限", "en": "Overdue"},
    "au_nav_timeline": {"zh": "时限时间线", "en": "Deadline timeline"},
    "au_no_broker": {
        "zh": "网络中没有中间人（各单位互不相连）。",
        "en": "No broker: no agency connects others in this network.",
    },
    "au_no_lead_tasks": {"zh": "没有牵头单位的任务（{n} 项）", "en": "Tasks with no lead agency ({n})"},
    "au_none": {"zh": "没有符合条件的记录。", "en": "Nothing matches."},
    "au_overdue_hint": {
        "zh": "截至 {as_of} 已过完成时限的任务，按单位、按地区",
        "en": "tasks past their deadline as of {as_of}, by agency and by jurisdiction",
    },
    "au_overdue_intro": {
        "zh": "完成时限早于截至日期的任务（每个时限一行）。按牵头单位与按行政区域汇总；“现承接单位”沿机构改革找到今天承担该职责的单位。图谱不记录完成情况，请据原文核查。",
        "en": 'Tasks with a deadline before the as-of date (one row per deadline), summed up by lead agency and by jurisdiction; "held now by" follows the institutional reform to the unit that holds the duty today. The graph does not record completion: check against the plan text.',
    },
    "au_overdue_tasks": {"zh": "已过时限（{n} 个时限）", "en": "Past deadlines ({n})"},
    "au_overdue_title": {
        "zh": "截至 {as_of} 已过完成时限的任务",
        "en": "Tasks past their deadline as of {as_of}",
    },
    "au_reports": {"zh": "审计报表", "en": "Audit reports"},
    "au_timeline_all": {"zh": "全部方案的完成时限", "en": "Deadlines of all plans"},
    "au_timeline_hint": {
        "zh": "每个方案、每个单位的完成时限图",
        "en": "a deadline chart per plan and per agency",
    },
    "au_timeline_intro": {
        "zh": "选一个方案或一个单位：图在服务器上用 matplotlib 生成（SVG），不依赖外部资源。",
        "en": "Pick a plan or an agency: the chart is drawn on the server with matplotlib (SVG), nothing loaded from elsewhere.",
    },
    "au_timeline_of": {"zh": "完成时限：{name}", "en": "Deadlines: {name}"},
    "au_timeline_table": {"zh": "{n} 个时限", "en": "{n} deadlines"},
    "pg_au_betweenness": {"zh": "中介中心性", "en": "Betweenness"},
    "pg_au_betweenness_rank": {"zh": "中介排名", "en": "Betweenness rank"},
    "pg_au_collective": {"zh": "集体", "en": "Collective"},
    "pg_au_collectives": {"zh": "集体责任方", "en": "Collectives"},
    "pg_au_deadlines": {"zh": "时限数", "en": "Deadlines"},
    "pg_au_degree": {"zh": "度数（任务数）", "en": "Degree (tasks)"},
    "pg_au_first_due": {"zh": "最早时限", "en": "First due"},
    "pg_au_held_now": {"zh": "现承接单位", "en": "Held now by"},
    "pg_au_lead": {"zh": "牵头单位", "en": "Lead agency"},
    "pg_au_leads_count": {"zh": "牵头数", "en": "Leads"},
    "pg_au_no_lead_count": {"zh": "其中无牵头", "en": "Of which no lead"},
    "pg_au_only_accountable": {"zh": "唯一责任方", "en": "Only accountable party"},
    "pg_au_original_lead": {"zh": "原牵头单位", "en": "Original lead"},
    "pg_au_other_accountable": {"zh": "其他责任方", "en": "Others accountable"},
    "pg_au_rank": {"zh": "度数排名", "en": "Degree rank"},
    "pg_au_reform_year": {"zh": "改革年份", "en": "Reform year"},
    # --- stored codes in words (the graph keeps the codes; the pages show these)
    "reason_no_attribution": {"zh": "未写明责任单位", "en": "no responsibility attribution"},
    "reason_front_matter": {"zh": "标题前的文头（发文机关、文号等）", "en": "front matter before the title"},
    "reason_web_chrome": {"zh": "网页栏目、导航等非正文内容", "en": "web page navigation and other non-text"},
    "reason_section_intro": {"zh": "章节的引言", "en": "introduction of a section"},
    "reason_table_note": {"zh": "表格下的注释", "en": "note under a table"},
    "reason_attribution_without_task": {
        "zh": "只有责任分工、没有任务内容",
        "en": "attribution without task text",
    },
    "reason_appendix_row": {"zh": "附表中未写明责任单位的一行", "en": "appendix row without an attribution"},
    "reason_table_intro": {"zh": "表格的引言", "en": "introduction of a table"},
    "reason_after_attribution": {
        "zh": "责任分工之后、自身未写明责任单位的文字",
        "en": "text after an attribution, with none of its own",
    },
    "reason_duty_list_intro": {"zh": "职责清单的引言", "en": "introduction of a duty list"},
    "reason_table_title": {"zh": "表格的标题", "en": "title of a table"},
    "reason_after_duty_list": {
        "zh": "职责清单之后、不属于某单位职责的段落",
        "en": "after a duty list, not a duty of a unit",
    },
    "op_lt": {"zh": "低于", "en": "below"},
    "op_le": {"zh": "不高于", "en": "at most"},
    "op_gt": {"zh": "高于", "en": "above"},
    "op_ge": {"zh": "不低于", "en": "at least"},
    "op_eq": {"zh": "达到约", "en": "about"},
    "op_decrease": {"zh": "下降", "en": "decrease by"},
    "op_increase": {"zh": "提高", "en": "increase by"},
    "pg_target_year": {"zh": "（{year}年）", "en": " (by {year})"},
    "method_ngram": {
        "zh": "任务文本{n}字片段重合度（MinHash LSH 候选，精确计分）",
        "en": "shared character {n}-grams of the task texts (MinHash LSH candidates, exact score)",
    },
    "pg_error_400": {"zh": "请求有误", "en": "Bad request"},
    "pg_error_403": {"zh": "不允许的请求", "en": "Not allowed"},
    "pg_error_404": {"zh": "找不到页面", "en": "Page not found"},
    "pg_error_405": {"zh": "不支持的请求方式", "en": "Method not allowed"},
    "pg_error_406": {"zh": "无法提供所要求的格式", "en": "Format not available"},
    "pg_error_413": {"zh": "请求过大", "en": "Request too large"},
    "pg_error_429": {"zh": "请求过于频繁", "en": "Too many requests"},
    "pg_error_default_404": {
        "zh": "这个地址没有页面。请从首页或搜索找起。",
        "en": "There is no page at this address. Start from the home page or search.",
    },
    "pg_error_default": {
        "zh": "服务器无法处理这个请求（{code}）。",
        "en": "The server could not answer this request ({code}).",
    },
    "au_due_soon_empty_next": {
        "zh": "{as_of} 起 {days} 天内没有到期的任务；之后最近的时限是 {next}。",
        "en": "No deadline falls in the {days} days from {as_of}; the next one is {next}.",
    },
    "au_due_soon_empty_latest": {
        "zh": "{as_of} 起 {days} 天内没有到期的任务；最晚的时限是 {latest}。",
        "en": "No deadline falls in the {days} days from {as_of}; the latest is {latest}.",
    },
    "au_due_soon_empty_none": {
        "zh": "{as_of} 起 {days} 天内没有到期的任务；所选范围内没有任何时限。",
        "en": "No deadline falls in the {days} days from {as_of}; there are no deadlines in this scope.",
    },
    # --- canned queries as forms
    "sparql_apply": {"zh": "查询", "en": "Run"},
    "sparql_form_hint": {
        "zh": "改动参数即重新查询；留空的可选参数不作限制。",
        "en": "Editing a field runs the query again; an optional field left empty does not filter.",
    },
    "sparql_download_xlsx": {"zh": "下载 XLSX", "en": "Download XLSX"},
    "sparql_no_such_query": {
        "zh": "没有名为“{name}”的预设查询。",
        "en": "There is no canned query named “{name}”.",
    },
    # --- search
    "search_words": {"zh": "检索词", "en": "Words"},
    "search_hint": {
        "zh": "多个词用空格分开，须同时满足：任务原文中的词、地区或方案名（只看该方案的任务）、单位名称或简称（住建局、州环保局；环保局也找到改革后的生态环境局）。繁体与简体同样可查。",
        "en": "Separate words by spaces; all must hold: words of the task's text, a place or plan (only that plan's tasks), an agency by name or abbreviation (住建局, 州环保局; 环保局 also finds its successor 生态环境局). Traditional and Simplified input find the same tasks.",
    },
    "search_via_agency": {"zh": "因责任单位匹配：{names}", "en": "found by its agency: {names}"},
    "pg_search_matched_agencies": {"zh": "匹配的责任单位", "en": "Matched agencies"},
    # --- downloads (web.export)
    "pg_col_link": {"zh": "任务页面", "en": "Task page"},
    "pg_col_supports": {"zh": "配合单位", "en": "Supporting agencies"},
    "pg_col_implements": {"zh": "负责落实单位", "en": "Implementing agencies"},
    "pg_col_responsible": {"zh": "按职责负责单位", "en": "Responsible (by duty)"},
    "pg_yes": {"zh": "是", "en": "yes"},
    "pg_no": {"zh": "否", "en": "no"},
    "pg_about_sheet": {"zh": "说明", "en": "about"},
    "pg_about_table": {"zh": "内容", "en": "Table"},
    "pg_about_source": {"zh": "来源页面", "en": "Source"},
    "pg_about_rows": {"zh": "行数", "en": "Rows"},
    "pg_about_made": {"zh": "导出时间", "en": "Exported"},
    "pg_about_built": {"zh": "图谱构建时间", "en": "Store built"},
    "pg_about_graph": {"zh": "数据来源", "en": "Graph"},
    "pg_about_local_store": {"zh": "本地图谱库", "en": "local store"},
    # --- the list view (web.lists): facets, filters named in another form, sorting
    "ls_facets": {"zh": "分面筛选", "en": "Facets"},
    "ls_facet_plan": {"zh": "方案", "en": "Plan"},
    "ls_facet_place": {"zh": "行政区域", "en": "Place"},
    "ls_facet_level": {"zh": "层级", "en": "Level"},
    "ls_facet_role": {"zh": "角色", "en": "Role"},
    "ls_facet_agency": {"zh": "牵头单位", "en": "Lead agency"},
    "ls_facet_year": {"zh": "完成时限年份", "en": "Deadline year"},
    "ls_facet_has_lead": {"zh": "有牵头单位", "en": "Has a lead"},
    "ls_facet_lead_gone": {"zh": "牵头单位已在机构改革中撤并", "en": "Lead gone in the reform"},
    "ls_more": {"zh": "另有 {n} 项", "en": "{n} more"},
    "ls_computing": {"zh": "正在统计…", "en": "Counting…"},
    "ls_computing_failed": {
        "zh": "统计未能完成，请打开完整页面。",
        "en": "The counts could not be made; open the whole page.",
    },
    "ls_show_whole": {
        "zh": "显示完整统计（分面计数与汇总表）",
        "en": "Show every count (facets and summary tables)",
    },
    "ls_remove": {"zh": "取消此筛选", "en": "remove this filter"},
    "ls_resolved": {"zh": "{facet}「{value}」按名称理解为：{label}", "en": "{facet} “{value}” read as: {label}"},
    "ls_unknown": {
        "zh": "没有与「{value}」相符的{facet}，因此没有记录符合此筛选。",
        "en": "No {facet} matches “{value}”, so no row passes this filter.",
    },
    "ls_several": {
        "zh": "「{value}」与 {n} 个{facet}相符，已全部计入；可只选其一：",
        "en": "“{value}” matches {n} values of {facet}, all of them counted; pick one:",
    },
    "ls_bad_sort": {"zh": "无法按「{value}」排序，可用：{allowed}", "en": "Cannot sort by “{value}”; use one of: {allowed}"},
    "ls_bad_size": {"zh": "每页行数「{value}」无效（正整数或 all）", "en": "Bad page size “{value}” (a positive number or all)"},
    "ls_message": {"zh": "提示", "en": "Note"},
    "pg_filter_groups": {"zh": "含单位集合", "en": "With collectives"},
    "pg_filter_q": {"zh": "检索词", "en": "Search"},
    "pg_filter_as_of": {"zh": "截至日期", "en": "As of"},
    "pg_filter_before": {"zh": "时限早于", "en": "Due before"},
    "pg_filter_days": {"zh": "天数", "en": "Days"},
    "pg_filter_plan": {"zh": "方案", "en": "Plan"},
    "pg_filter_agency": {"zh": "单位", "en": "Agency"},
    "pg_filter_table": {"zh": "表", "en": "Table"},
}


# the plan's text view, evidence links, source file, outline headings (web/plan_text.py)
MESSAGES.update(
    {
        "txt_title": {"zh": "方案原文", "en": "Plan text"},
        "txt_marked": {"zh": "标注的原文", "en": "The marked text"},
        "txt_chars": {"zh": "第 {start}–{end} 字", "en": "characters {start}–{end}"},
        "txt_row_caption": {"zh": "该事实所在的表格行（含表头）", "en": "The table row stating it, with its header"},
        "txt_hint": {
            "zh": "以下为构建时读取的方案全文；图谱中的字符位置均以此文本计。§ 链接指向从该处开始的任务。",
            "en": "The plan's whole text as the build read it; every offset in the graph counts its characters. "
            "§ links open the task that starts there.",
        },
        "txt_not_kept": {
            "zh": "图谱未保存此方案的原文（远程 SPARQL 端点，或由旧版本构建的库：请重新运行 kg build）。",
            "en": "The store keeps no text of this plan (a remote SPARQL endpoint, or a store built by an older "
            "version: run kg build again).",
        },
        "txt_no_source": {
            "zh": "源文件不可用：构建时未记录其路径，或该文件已不在原处。",
            "en": "The source file is not available: the build recorded no path for it, or the file is no longer there.",
        },
        "txt_open": {"zh": "阅读原文", "en": "Read the text"},
        "txt_download": {"zh": "下载源文件", "en": "Download the source file"},
        "txt_source_gone": {
            "zh": "源文件不在本服务器上（已移走，或数据来自远程端点），无法下载",
            "en": "the source file is not on this server (moved, or the graph is a remote endpoint's): no download",
        },
        "txt_in_text": {"zh": "原文出处", "en": "In the text"},
        # a deadline's lt:precision: the plan states a year or a month, the due date is its last day
        "precision_year": {"zh": "（原文只写到年，取年末）", "en": "(the text gives a year: its last day)"},
        "precision_month": {"zh": "（原文只写到月，取月末）", "en": "(the text gives a month: its last day)"},
        "txt_see_sentence": {"zh": "查看原句", "en": "see the sentence"},
        "cov_upper_not_loaded": {
            "zh": "上级方案的原文未载入（仅被其他方案引用），无法统计其任务，因此没有落实比例。",
            "en": "The upper plan's own text is not loaded (other plans only cite it): its tasks cannot be counted, "
            "so there is no share.",
        },
        "cov_not_cited": {
            "zh": "下级方案并未把此方案列为依据（lt:derivesFrom）。落实比例只统计依据关系连接的任务——构建时只在方案与其"
            "引用的上级方案之间连接任务——所以此处可能为 0%；而“方案比较”按文本相似度对齐任意两个方案的任务，"
            "同级方案之间也能对齐许多任务。要看两方案的相似任务，请用",
            "en": "The lower plan does not name this plan as one it implements (lt:derivesFrom). Coverage counts only "
            "the tasks linked by that lineage, which the build computes between a plan and the upper plans it cites, "
            "so it can be 0 % here, while Compare aligns the tasks of any two plans by their text and finds many "
            "between sibling plans. For the similar tasks of these two plans, use",
        },
        "menu": {"zh": "菜单", "en": "Menu"},
        "skip_to_content": {"zh": "跳到正文", "en": "Skip to content"},
        "search_label": {"zh": "搜索单位、任务、方案", "en": "Search agencies, tasks, plans"},
        "net_role_filter": {"zh": "按角色筛选", "en": "Roles shown"},
        "net_apply": {"zh": "应用", "en": "Apply"},
        "net_show_more": {"zh": "显示更多", "en": "Show more"},
        "net_first_view": {
            "zh": "先显示 {shown} / {total} 个节点；单击节点展开其相邻节点（“+N”为未显示的数目），双击打开其页面。",
            "en": "Showing {shown} of {total} nodes; click a node to expand its neighbours (“+N”: how many are "
            "hidden), double-click to open its page.",
        },
        "net_shown_template": {
            "zh": "已显示 {shown} / {total} 个节点；单击节点展开，双击打开页面。",
            "en": "Showing {shown} of {total} nodes; click a node to expand it, double-click to open its page.",
        },
    }
)


# each skip reason the loaders store (loaders/plan.py, tasks.py, duties.py) → its message key
REASONS = {
    "no responsibility attribution": "reason_no_attribution",
    "front matter before the title": "reason_front_matter",
    "web page chrome": "reason_web_chrome",
    "introduction of a section": "reason_section_intro",
    "note under a table": "reason_table_note",
    "attribution without task text": "reason_attribution_without_task",
    "appendix row without an attribution": "reason_appendix_row",
    "introduction of a table": "reason_table_intro",
    "title of a table": "reason_table_title",
    "after a duty list, not a duty of a unit": "reason_after_duty_list",
    "text after an attribution, with none of its own": "reason_after_attribution",
    "introduction of a duty list": "reason_duty_list_intro",
}
_NGRAM = re.compile(r"character (\d+)-gram containment")


def reason_label(reason: str | None) -> str:
    """A stored skip reason in the reader's language (an unknown one as stored)."""
    return t(REASONS[reason]) if reason in REASONS else reason or ""


def comparator_label(code: str | None) -> str:
    """A target's comparator code (ge, lt, decrease …) in words."""
    return t(f"op_{code}") if code and f"op_{code}" in MESSAGES else code or ""


def method_label(method: str | None) -> str:
    """A task link's method string in words."""
    m = _NGRAM.search(method or "")
    return t("method_ngram", n=m.group(1)) if m else method or ""


def current_lang() -> str:
    return getattr(g, "lang", "zh")


def t(key: str, **fields) -> str:
    """The message `key` in the current language (the key itself when unknown)."""
    text = MESSAGES.get(key, {}).get(current_lang()) or MESSAGES.get(key, {}).get("zh") or key
    return text.format(**fields) if fields else text


def init_app(app: Flask) -> None:
    @app.before_request
    def choose_language() -> None:
        asked = request.args.get("lang") or request.cookies.get("lang") or app.config["DEFAULT_LANG"]
        g.lang = asked if asked in LANGS else "zh"

    @app.after_request
    def remember_language(response):
        if request.args.get("lang") in LANGS:
            response.set_cookie("lang", request.args["lang"], samesite="Lax")
        return response

    app.jinja_env.globals.update(
        t=t,
        current_lang=current_lang,
        reason_label=reason_label,
        comparator_label=comparator_label,
        method_label=method_label,
    )
