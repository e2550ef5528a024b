"""Load one plan file into a Plan record: read → outline → metadata → tasks → evidence → agencies.

This is the loaders' front door (`load_plan`), plus `unify_citations`, which makes every citation of one plan
in a build name it alike (its 文号 and issuer), so they share one node.
A sidecar `<file>.yaml` beside a plan overrides any metadata field (title, jurisdiction, level, within,
doc_number, date, year, cites), read and checked by `loaders.sidecar`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

from loaders.agencies import AgencyResolver, split_agency_list
from loaders.attributions import FIRST_LISTED_LABELS, FIRST_LISTED_LEADS, find_attributions
from loaders.evidence import evidence
from loaders.metadata import (
    PlanMetadata,
    chain_cited,
    place_level,
    read_metadata,
    same_place,
)
from loaders.outline import parse_outline
from loaders.reading import PlanInputError, read_plan
from loaders.records import Attribution, CitedPlan, Jurisdiction, Plan, Role, Skipped, Task, plan_key_parts
from loaders.sidecar import read_sidecar
from loaders.tables import cell_deadlines
from loaders.tasks import Unit, segment, top_section

# lines of a scraped web page that are not the plan: site footers and bylines
_CHROME = re.compile(
    r"主办单位|承办单位|运维单位|技术支持|版权所有|ICP备|网站标识|公网安备|网站地图|联系电话|Copyright|©|浏览次数|字号[：:]"
)


def _apply_sidecar(path: Path, meta: PlanMetadata) -> None:
    sidecar = path.with_suffix(".yaml")
    if not sidecar.exists():
        sidecar = path.with_name(path.name + ".yaml")
    if not sidecar.exists():
        return
    data = read_sidecar(sidecar)
    for key in ("title", "doc_number", "date", "year", "level"):
        if key in data:
            setattr(meta, key, data[key])
    if "jurisdiction" in data or "within" in data:
        name = data.get("jurisdiction") or (meta.jurisdiction.name if meta.jurisdiction else "")
        # a place of no name: its agencies' IRIs held an empty segment (agency//市环保局)
        if not name.strip():
            field = "jurisdiction" if "jurisdiction" in data else "within"
            problem = f"field '{field}' needs a place: the plan's title names none, so set 'jurisdiction' too"
            raise PlanInputError(sidecar, problem)
        level = data.get("level") or place_level(name)
        chain = None
        for parent in reversed(data.get("within") or []):
            chain = Jurisdiction(parent, place_level(parent), chain)
        if chain is None and meta.jurisdiction:
            chain = meta.jurisdiction.within
        meta.jurisdiction = Jurisdiction(name, level, chain)
        meta.level = level
    if "cites" in data:
        meta.cites = data["cites"]
        chain_cited(meta.cites)


def load_plan(path: Path) -> Plan:
    """Read and understand one plan file. Raises PlanInputError when the file cannot be read."""
    path = Path(path)
    text = read_plan(path)
    paragraphs = parse_outline(text.match)
    meta = read_metadata(text.match, paragraphs)
    _apply_sidecar(path, meta)
    plan = Plan(
        source_file=path.name,
        title=text.display[meta.title_start : meta.title_end].replace("\n", "")
        if meta.title_start >= 0
        else meta.title,
        text=text.display,
        jurisdiction=meta.jurisdiction,
        level=meta.level,
        doc_number=meta.doc_number,
        date=meta.date,
        year=meta.year,
        cites=meta.cites,
        warnings=list(text.warnings),  # what reading the file had to repair
    )
    if meta.title and plan.title.replace(" ", "") != meta.title.replace(" ", ""):
        plan.title = meta.title
    if not plan.title:  # no title line (a table from its first line): the file's name names it
        plan.title = path.stem
    # a plan whose place is not known scopes its agencies to a place of its own, not to another plan's
    resolver = AgencyResolver(meta.jurisdiction or Jurisdiction(f"未知辖区（{plan.key}）", ""))
    body_start = max(meta.title_end, 0)
    cites_span = meta.cites_span or (-1, -1)
    body = []
    for p in paragraphs:
        # a measure quoted before the title (a news repost's lede) is kept when it carries its own attribution
        quoted = p.start < meta.title_start and find_attributions(p.text)
        if p.start < meta.title_start and not quoted:
            plan.skipped.append(
                Skipped(p.start, p.end, text.display[p.start : p.end], "front matter before the title")
            )
        if not quoted and (p.start < body_start or p.start <= cites_span[0] < p.end):
            continue
        if _CHROME.search(p.text):
            plan.skipped.append(Skipped(p.start, p.end, text.display[p.start : p.end], "web page chrome"))
        else:
            body.append(p)
    first_leads = bool(FIRST_LISTED_LEADS.search(text.match))
    seg = segment(text.match, body, bare_lists=first_leads)
    plan.warnings.extend(seg.warnings)
    plan.skipped.extend(seg.skipped)

    sections = {u.paragraph.section for u in seg.attributed}
    attributed_tops = {top_section(s) for s in sections}
    units = list(seg.attributed)
    for u in seg.unattributed:
        sec = u.paragraph.section
        intro = sec not in sections and any(s.startswith(sec + ".") for s in sections)
        covered = any(d.covers(u.start, sec) for d in seg.defaults)
        if not intro and (covered or (not u.tail and top_section(sec) in attributed_tops)):
            units.append(u)  # a measure the plan left unattributed (its default implementer, if any, still reaches it)
        elif targets := _evidence(text.match, u, plan.year)["TARGET"]:
            plan.targets.extend(targets)  # the plan's own goals
        else:
            reason = (
                "introduction of a section" if intro
                else "text after an attribution, with none of its own" if u.tail
                else "no responsibility attribution"
            )
            plan.skipped.append(Skipped(u.start, u.end, text.display[u.start : u.end], reason))
    units.sort(key=lambda u: u.start)
    for unit in units:
        plan.tasks.append(_task(text.match, text.display, unit, plan.year, resolver, seg.defaults, first_leads))
    own = set()
    j = plan.jurisdiction
    while j:
        own.add(j.name)
        j = j.within
    plan.places = [j for name, j in resolver.jurisdictions.items() if name not in own]
    if not any(t.attributions for t in plan.tasks):
        plan.warnings.append("no responsibility attributions found: the plan names no agency for any measure")
    plan.skipped.sort(key=lambda s: s.start)
    return plan


def _evidence(match: str, unit: Unit, year: int | None) -> dict[str, list]:
    """The pipeline's records for a unit of text, by label, with offsets in the plan's text."""
    found: dict[str, list] = {"DATE": [], "TARGET": [], "DOCREF": []}
    for s, e in unit.spans:
        # the attributions come from the segmentation, which read them in their context already; the
        # other components' rules run without a spaCy Doc (see loaders.evidence)
        by_label = evidence(match[s:e], year)
        for label, bucket in found.items():
            # a new record per found one: shifting in place would shift a record listed twice twice over
            bucket.extend(replace(rec, start=rec.start + s, end=rec.end + s) for rec in by_label[label])
    return found


def _task(match, display, unit: Unit, year, resolver, defaults, first_leads: bool) -> Task:
    para = unit.paragraph
    evidence = _evidence(match, unit, year)
    task = Task(
        section=para.section,
        heading=para.heading,
        text=display[unit.start : unit.end],
        start=unit.start,
        end=unit.end,
        deadlines=evidence["DATE"],
        targets=evidence["TARGET"],
        docrefs=evidence["DOCREF"],
    )
    for s, e in unit.time_cells:  # a table row's time column
        task.deadlines.extend(cell_deadlines(match, s, e, year))
    # "排在第一位的为牵头单位，其他为配合单位", stated once: the first of each 责任单位 list leads, unless a lead is named
    first_leads = first_leads and not any(c.role == Role.LEADS for c, _ in unit.clauses)
    for clause, base in unit.clauses:
        task.attributions.extend(_attributions(display, clause, base, resolver, first_leads))
    if not any(a.role == "implements" for a in task.attributions):
        for default in defaults:
            if default.covers(unit.start, para.section):
                task.attributions.extend(_attributions(display, default.clause, default.base, resolver))
    task.names_none = not task.attributions
    return task


def _attributions(display: str, clause, base: int, resolver, first_leads: bool = False) -> list[Attribution]:
    """The clause's agencies with their role; each keeps the form the plan writes (Traditional, variant characters)
    as its surface form, while it is resolved by its matching form."""
    out = []
    ranked = first_leads and clause.from_label in FIRST_LISTED_LABELS
    for n, mention in enumerate(split_agency_list(clause.list_text, base + clause.start)):
        agency = resolver.resolve(mention)
        written = display[mention.start : mention.end]
        if agency.surface and agency.surface != written and len(agency.surface) == len(written):
            agency = replace(agency, surface=written)
        role = (Role.LEADS if n == 0 else Role.SUPPORTS) if ranked else clause.role
        out.append(Attribution(role, agency, mention.start, mention.end))
    return out


_NOTICE = re.compile(r"^(?:.*?关于印发)?(?P<title>.+?)(?:的通知)?$")


def _plan_title_key(title: str) -> str:
    """The plan title inside a notice title: 《云南省人民政府关于印发云南省…方案的通知》 → 云南省…方案."""
    return _NOTICE.match(title.replace(" ", "")).group("title")


def unify_citations(plans: list[Plan]) -> None:
    """Across one build, make every citation of one plan name that plan by the same key (`plan_key`):

    - a cited plan known only by title gets the 文号 it is cited with elsewhere, or the loaded plan's own;
    - a cited plan with a 文号 takes the issuer of the loaded plan with that 文号 (红河州 when it is cited as
      红河哈尼族彝族自治州), or, when its citation does not name the issuer, the one issuer the other
      citations and plans give that 文号. A 文号 whose issuers cannot be told apart (通政〔2019〕31号 of
      通州区 and of 通许县, cited without an issuer) is left as it is cited.

    `plans` are Plans or anything with their `title`, `doc_number`, `jurisdiction_name`, `key` and `cites`.
    """
    numbers: dict[str, str] = {}
    for plan in plans:
        for cited in plan.cites:
            if cited.doc_number:
                numbers.setdefault(_plan_title_key(cited.title), cited.doc_number)
        if plan.doc_number:
            numbers.setdefault(_plan_title_key(plan.title), plan.doc_number)
    loaded: dict[str, list[tuple[str, str]]] = {}  # 文号 → (name, key) of the issuers of the loaded plans with it
    named: dict[str, list[str]] = {}  # 文号 → the issuers the citations name for it
    for plan in plans:
        if plan.doc_number:
            parts = plan_key_parts(plan.key)
            loaded.setdefault(plan.doc_number, []).append(
                (plan.jurisdiction_name, parts[0] if len(parts) == 2 else plan.jurisdiction_name)
            )
        for cited in plan.cites:
            if cited.doc_number and cited.jurisdiction:
                named.setdefault(cited.doc_number, []).append(cited.jurisdiction)
    for plan in plans:
        renamed = {}
        for cited in plan.cites:
            before = cited.key
            if not cited.doc_number and _plan_title_key(cited.title) in numbers:
                cited.doc_number = numbers[_plan_title_key(cited.title)]
            if cited.doc_number:
                cited.jurisdiction, cited.jurisdiction_key = _issuer(
                    cited, loaded.get(cited.doc_number, []), named.get(cited.doc_number, [])
                )
            renamed[before] = cited.key
        for cited in plan.cites:
            cited.derives_from = [renamed.get(k, k) for k in cited.derives_from]


def _issuer(cited: CitedPlan, loaded: list[tuple[str, str]], named: list[str]) -> tuple[str, str]:
    """(name, key) of the issuer a citation of a 文号 is given: of the loaded plans with that 文号, else of the
    places the citations name for it (each place by the spelling most used), the one it may name (its key, else
    a name `same_place` may take for it), or the one there is when it names none; else the issuer as stated."""
    stated = cited.jurisdiction
    candidates = loaded or [(name, name) for name in _spellings(named)]
    fits = {(n, k) for n, k in candidates if not stated or not n or k in (stated, cited.place) or same_place(n, stated)}
    exact = {(n, k) for n, k in fits if k in (stated, cited.place)} if stated else set()
    for found in (exact, fits):
        if len(found) == 1:
            return found.pop()
    return stated, cited.place  # "": the loaded plan's title names no place


def _spellings(names: list[str]) -> list[str]:
    """One name per place among `names`: the most used (then the first in order) of those naming it alike."""
    kept: list[str] = []
    for name, _ in sorted(Counter(names).items(), key=lambda item: (-item[1], item[0])):
        if not any(same_place(name, k) for k in kept):
            kept.append(name)
    return kept
