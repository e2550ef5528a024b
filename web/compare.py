"""The compare blueprint: two plans side by side (/compare) and an upper plan's coverage by a lower one
(/coverage), plus the rules that tell how a linked task differs from another (lead, deadline, targets) —
used here and on the task page.

Aligned tasks are the task links the build stated (lt:counterpartOf, lt:derivesFrom, each with its score).
Differences are read from B's side: B's deadline is earlier/later than A's, B's target stricter/looser, B's
lead the same kind of unit (after following succession to today's unit) or a different one.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, render_template

from web.i18n import t
from web.pages import TABLE_FORMATS, iri_arg, json_response, repository, table_response, wanted_format

bp = Blueprint("compare", __name__)

FORMATS = ("html", "json", *TABLE_FORMATS)
HIGHER_IS_STRICTER = {"ge", "gt", "increase"}
LOWER_IS_STRICTER = {"le", "lt", "decrease", "reduce"}
_BRACKETED = re.compile(r"[（(][^）)]*[）)]|\s")
_UNIT_SUFFIX = re.compile(r"(?:分局|委员会|委|局|厅|办公室|办)$")
_BRANCH = re.compile(r"(?<=[局委厅])[^局委厅]{1,8}分局$")


# --- how one task differs from another ---------------------------------------------------------------


def deadline_change(a: list[dict], b: list[dict]) -> str:
    """B's deadlines against A's: earlier | later | same (first due date, then last), only_a | only_b when
    one side has none, none when neither has."""
    da, db = sorted(d["due"] for d in a), sorted(d["due"] for d in b)
    if not da and not db:
        return "none"
    if not db:
        return "only_a"
    if not da:
        return "only_b"
    for x, y in ((da[0], db[0]), (da[-1], db[-1])):
        if y < x:
            return "earlier"
        if y > x:
            return "later"
    return "same"


def _indicator_key(indicator: str) -> str:
    return _BRACKETED.sub("", indicator or "")


def _direction(comparator: str) -> int:
    if comparator in HIGHER_IS_STRICTER:
        return 1
    if comparator in LOWER_IS_STRICTER:
        return -1
    return 0


def _fmt_target(x: dict) -> str:
    return f"{x['value']}{x.get('unit') or ''}"


def target_changes(a: list[dict], b: list[dict]) -> list[dict]:
    """For each indicator both sides set (same indicator, same unit): A's and B's values and whether B's
    is stricter | looser | same (| different for "about" targets). Where a side sets several values for one
    indicator (县城 60%, 城区 70%), its strictest counts."""
    by_a, by_b = {}, {}
    for side, targets in ((by_a, a), (by_b, b)):
        for x in targets:
            side.setdefault((_indicator_key(x["indicator"]), x.get("unit") or ""), []).append(x)
    out = []
    for key in sorted(by_a.keys() & by_b.keys()):
        xa, xb = by_a[key], by_b[key]
        directions = {_direction(x["comparator"]) for x in xa + xb}
        va, vb = [x["value"] for x in xa], [x["value"] for x in xb]
        if directions == {1}:
            sa, sb = max(va), max(vb)
            change = "same" if sa == sb else ("stricter" if sb > sa else "looser")
        elif directions == {-1}:
            sa, sb = min(va), min(vb)
            change = "same" if sa == sb else ("stricter" if sb < sa else "looser")
        else:
            change = "same" if sorted(va) == sorted(vb) else "different"
        out.append(
            {
                "indicator": xa[0]["indicator"],
                "a": [_fmt_target(x) for x in xa],
                "b": [_fmt_target(x) for x in xb],
                "change": change,
            }
        )
    return out


def unit_kind(entry: dict, jurisdictions: dict[str, str]) -> str:
    """What kind of unit holds the duty today, without its place or its level's word: 红河州环境保护局 (now
    红河州生态环境局) and 楚雄州生态环境局武定分局 are both 生态环境."""
    now = entry.get("now") or {}
    agency, label = now.get("agency") or entry["agency"], now.get("label") or entry["label"]
    place = jurisdictions.get(agency)
    name = label.removeprefix(place) if place else label
    name = _BRANCH.sub("", name)
    return _UNIT_SUFFIX.sub("", name) or name


def lead_change(a: list[dict], b: list[dict], jurisdictions: dict[str, str]) -> dict:
    """B's leads against A's, by kind of unit today: same | different | no_lead_a | no_lead_b | none."""
    ka = {unit_kind(x, jurisdictions) for x in a}
    kb = {unit_kind(x, jurisdictions) for x in b}
    if not ka and not kb:
        change = "none"
    elif not ka:
        change = "no_lead_a"
    elif not kb:
        change = "no_lead_b"
    else:
        change = "same" if ka == kb else "different"
    return {"change": change, "onlyA": sorted(ka - kb), "onlyB": sorted(kb - ka)}


def differences(a: dict, b: dict, jurisdictions: dict[str, str]) -> dict:
    """How task summary `b` differs from `a` (both from Repository.plan_task_index)."""
    return {
        "lead": lead_change(a["leads"], b["leads"], jurisdictions),
        "deadline": deadline_change(a["deadlines"], b["deadlines"]),
        "targets": target_changes(a["targets"], b["targets"]),
    }


def task_comparisons(iri: str) -> list[dict]:
    """The task's linked tasks in other plans (counterparts, the upper task it derives from, lower tasks
    deriving from it), each with its summary, score, method and its differences from this task."""
    repo = repository()
    task = repo.task(iri)
    if task is None:
        return []
    own = repo.plan_task_index(task["plan"]).get(iri)
    if own is None:
        return []
    jurisdictions = repo.agency_jurisdictions()
    out = []
    for link in repo.task_links(iri):
        other = repo.plan_task_index(link["plan"]).get(link["other"])
        if other is not None:
            out.append({**link, "task": other, "diff": differences(own, other, jurisdictions)})
    return out


# --- two plans side by side --------------------------------------------------------------------------


def compare_plans(a: str, b: str) -> dict:
    """Plans a and b: aligned task pairs with their differences, tasks only in a, tasks only in b."""
    repo = repository()

    def compute():
        index_a, index_b = repo.plan_task_index(a), repo.plan_task_index(b)
        jurisdictions = repo.agency_jurisdictions()
        aligned = []
        for link in repo.links_between(a, b):
            ta, tb = index_a.get(link["a"]), index_b.get(link["b"])
            if ta and tb:
                aligned.append({**link, "taskA": ta, "taskB": tb, "diff": differences(ta, tb, jurisdictions)})
        order = {task: i for i, task in enumerate(index_a)}
        aligned.sort(key=lambda x: (order.get(x["a"], 0), -x["score"]))
        linked_a, linked_b = {x["a"] for x in aligned}, {x["b"] for x in aligned}
        return {
            "a": _plan_meta(a),
            "b": _plan_meta(b),
            "aligned": aligned,
            "onlyA": [x for task, x in index_a.items() if task not in linked_a],
            "onlyB": [x for task, x in index_b.items() if task not in linked_b],
            "summary": {
                "aligned": len(aligned),
                "onlyA": len(index_a) - len(linked_a),
                "onlyB": len(index_b) - len(linked_b),
                "later": sum(x["diff"]["deadline"] == "later" for x in aligned),
                "earlier": sum(x["diff"]["deadline"] == "earlier" for x in aligned),
                "leadChanged": sum(x["diff"]["lead"]["change"] == "different" for x in aligned),
                "stricter": sum(c["change"] == "stricter" for x in aligned for c in x["diff"]["targets"]),
                "looser": sum(c["change"] == "looser" for x in aligned for c in x["diff"]["targets"]),
            },
        }

    return repo.cached(("compare", a, b), compute)


def _plan_meta(iri: str) -> dict:
    plan = repository().plan(iri) or {}
    return {k: plan.get(k) for k in ("plan", "title", "docNumber", "jurisdictionLabel", "level")} | {
        "plan": iri
    }


def _names(entries: list[dict]) -> str:
    return "、".join(
        e["label"] + (f"（{t('cmp_now_short', now=e['now']['label'])}）" if e.get("now") else "")
        for e in entries
    )


def _dues(deadlines: list[dict]) -> str:
    return "；".join(d["due"] for d in deadlines)


def _side(prefix: str, x: dict | None) -> dict:
    if x is None:
        return {}
    return {
        f"{prefix}Section": x["section"],
        f"{prefix}Heading": x["heading"],
        f"{prefix}Leads": _names(x["leads"]),
        f"{prefix}Due": _dues(x["deadlines"]),
        f"{prefix}Task": x["task"],
    }


COMPARE_COLUMNS = [
    ("status", "cmp_col_status"),
    ("kind", "cmp_col_link"),
    ("score", "cmp_col_score"),
    ("aSection", "cmp_col_a_section"),
    ("aHeading", "cmp_col_a_heading"),
    ("aLeads", "cmp_col_a_leads"),
    ("aDue", "cmp_col_a_due"),
    ("bSection", "cmp_col_b_section"),
    ("bHeading", "cmp_col_b_heading"),
    ("bLeads", "cmp_col_b_leads"),
    ("bDue", "cmp_col_b_due"),
    ("leadChange", "cmp_col_lead_change"),
    ("deadlineChange", "cmp_col_deadline_change"),
    ("targetChanges", "cmp_col_target_changes"),
    ("aTask", "cmp_col_a_task"),
    ("bTask", "cmp_col_b_task"),
]


def compare_rows(result: dict) -> list[dict]:
    """The comparison as one table: aligned pairs, then tasks only in A, then only in B."""
    rows = []
    for x in result["aligned"]:
        rows.append(
            {
                "status": t("cmp_aligned"),
                "kind": t(f"cmp_kind_{x['kind']}"),
                "score": x["score"],
                **_side("a", x["taskA"]),
                **_side("b", x["taskB"]),
                "leadChange": t(f"cmp_lead_{x['diff']['lead']['change']}"),
                "deadlineChange": t(f"cmp_deadline_{x['diff']['deadline']}"),
                "targetChanges": [
                    f"{c['indicator']} {'/'.join(c['a'])} → {'/'.join(c['b'])} {t('cmp_target_' + c['change'])}"
                    for c in x["diff"]["targets"]
                ],
            }
        )
    rows += [{"status": t("cmp_only_a"), **_side("a", x)} for x in result["onlyA"]]
    rows += [{"status": t("cmp_only_b"), **_side("b", x)} for x in result["onlyB"]]
    return rows


@bp.route("/compare")
@bp.route("/compare.<any(json, csv, xlsx):suffix>")
def compare(suffix: str | None = None):
    repo = repository()
    a, b = iri_arg("a"), iri_arg("b")
    loaded = [p for p in repo.plans() if p["loaded"]]
    for iri in (a, b):
        if iri is not None and repo.kind(iri) != "plan":
            abort(404, description=t("pg_not_found_iri", iri=iri))
    fmt = wanted_format(suffix, FORMATS)
    result = compare_plans(a, b) if a and b else None
    if fmt == "json":
        if result is None:
            abort(400, description=t("cmp_pick_two"))
        return json_response(result)
    if fmt in TABLE_FORMATS:
        if result is None:
            abort(400, description=t("cmp_pick_two"))
        return table_response("compare", fmt, COMPARE_COLUMNS, compare_rows(result))
    return render_template("compare.html", plans=loaded, a=a, b=b, result=result)


# --- coverage of an upper plan by a lower one ---------------------------------------------------------

COVERAGE_COLUMNS = [
    ("status", "cmp_col_status"),
    ("section", "pg_section"),
    ("heading", "pg_heading"),
    ("leads", "pg_col_leads"),
    ("due", "pg_due_date"),
    ("by", "cov_col_by"),
    ("task", "pg_col_iri"),
]


def coverage_rows(result: dict) -> list[dict]:
    rows = []
    for status, items in (("cov_localised", result["localised"]), ("cov_dropped", result["dropped"])):
        for x in items:
            rows.append(
                {
                    "status": t(status),
                    "section": x["section"],
                    "heading": x["heading"],
                    "leads": _names(x["leads"]),
                    "due": _dues(x["deadlines"]),
                    "by": [b["task"] for b in x.get("by", [])],
                    "task": x["task"],
                }
            )
    return rows


@bp.route("/coverage")
@bp.route("/coverage.<any(json, csv, xlsx):suffix>")
def coverage(suffix: str | None = None):
    repo = repository()
    upper, lower = iri_arg("upper"), iri_arg("lower")
    fmt = wanted_format(suffix, FORMATS)
    plans = repo.plans()
    if not upper or not lower:
        if fmt != "html":
            abort(400, description=t("cov_pick_two"))
        # the picker: any plan as the upper one (a cited plan too), a loaded plan as the lower one
        return render_template(
            "coverage.html",
            c=None,
            plans=plans,
            loaded=[p for p in plans if p["loaded"]],
            upper=upper,
            lower=lower,
        )
    for iri in (upper, lower):
        if repo.kind(iri) != "plan":
            abort(404, description=t("pg_not_found_iri", iri=iri))
    result = dict(repo.coverage(upper, lower))
    # why a share can be 0 % where compare aligns tasks: coverage counts task lineage (lt:derivesFrom), which
    # the build computes between a plan and the upper plans it cites, while compare aligns any two plans by text
    result["upperLoaded"] = any(p["plan"] == upper and p["loaded"] for p in plans)
    result["lowerCitesUpper"] = repo.ask(
        "ASK WHERE { ?lower lt:derivesFrom+ ?upper }", upper=upper, lower=lower
    )
    if fmt == "json":
        return json_response(result)
    if fmt in TABLE_FORMATS:
        columns = [(key, label.removeprefix("pg_")) for key, label in COVERAGE_COLUMNS]
        return table_response("coverage", fmt, columns, coverage_rows(result))
    loaded = [p for p in plans if p["loaded"]]
    return render_template("coverage.html", c=result, plans=plans, loaded=loaded, upper=upper, lower=lower)
