"""Interface language: Chinese first, English on request (?lang=en, remembered in a cookie).

`t(key)` in templates and code gives the text for the current request's language; the strings live in
MESSAGES, one entry per key with "zh" and "en".
"""

from __future__ import annotations

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
    # --- networks
    "net_canvas": {"zh": "网络图", "en": "network diagram"},
    "net_hide_tasks": {"zh": "隐藏本方案的任务", "en": "hide this plan's tasks"},
    "net_hint": {
        "zh": "点击节点打开其页面；拖动、滚轮缩放。",
        "en": "Click a node to open its page; drag to move, scroll to zoom.",
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
}


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

    app.jinja_env.globals.update(t=t, current_lang=current_lang)
