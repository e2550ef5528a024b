"""Turn loaded Plan records into RDF triples of the Lantian vocabulary (records → triples).

IRIs come from `kg.namespaces.mint` and depend only on the records, so the same plan text gives the
same graph on every build. Role triples are stated together with lt:accountableFor (no reasoner runs).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from rdflib import DCTERMS, RDF, RDFS, SKOS, XSD, Literal, URIRef

from kg.namespaces import LT, ROLE_PROPERTY, mint
from loaders.records import (
    Agency,
    Attribution,
    CitedPlan,
    Deadline,
    Jurisdiction,
    Plan,
    Skipped,
    Target,
    Task,
)

Triple = tuple[URIRef, URIRef, URIRef | Literal]


def _zh(name: str) -> Literal:
    return Literal(name, lang="zh")


def _int(value: int) -> Literal:
    return Literal(int(value), datatype=XSD.integer)


def _date(iso: str) -> Literal:
    """An xsd:date when `iso` is a real calendar date; otherwise a plain string the shapes will flag."""
    try:
        valid = len(iso) == 10 and date.fromisoformat(iso).isoformat() == iso
    except ValueError:
        valid = False
    return Literal(iso, datatype=XSD.date) if valid else Literal(iso)


def _span(node: URIRef, start: int, end: int) -> Iterator[Triple]:
    yield node, LT.sourceStart, _int(start)
    yield node, LT.sourceEnd, _int(end)


def plan_iri(key: str) -> URIRef:
    return mint("plan", key)


def jurisdiction_iri(name: str) -> URIRef:
    return mint("jurisdiction", name)


def agency_iri(agency: Agency) -> URIRef:
    """id/agency/{jurisdiction}/{canonical name}; the normalised key is preferred when the loader set one."""
    return mint("agency", agency.jurisdiction, agency.key or agency.name)


def task_iris(plan: Plan) -> list[URIRef]:
    """One IRI per task, in order: id/task/{plan key}/{section}, then {section}~2, ~3 … for repeats."""
    seen: dict[str, int] = {}
    iris = []
    for task in plan.tasks:
        section = task.section or "-"
        seen[section] = seen.get(section, 0) + 1
        n = seen[section]
        iris.append(mint("task", plan.key, section if n == 1 else f"{section}~{n}"))
    return iris


def jurisdiction_triples(jurisdiction: Jurisdiction | None) -> Iterator[Triple]:
    """The jurisdiction and the chain of areas it lies within."""
    while jurisdiction is not None:
        node = jurisdiction_iri(jurisdiction.name)
        yield node, RDF.type, LT.Jurisdiction
        yield node, RDFS.label, _zh(jurisdiction.name)
        if jurisdiction.level:
            yield node, LT.level, Literal(jurisdiction.level)
        if jurisdiction.within is not None:
            yield node, LT.within, jurisdiction_iri(jurisdiction.within.name)
        jurisdiction = jurisdiction.within


def _named_jurisdiction(name: str) -> Iterator[Triple]:
    node = jurisdiction_iri(name)
    yield node, RDF.type, LT.Jurisdiction
    yield node, RDFS.label, _zh(name)


def agency_triples(agency: Agency) -> Iterator[Triple]:
    node = agency_iri(agency)
    yield node, RDF.type, LT.Agency
    if agency.is_group:
        yield node, RDF.type, LT.AgencyGroup
    yield node, RDFS.label, _zh(agency.name)
    if agency.surface:
        yield node, SKOS.altLabel, _zh(agency.surface)
    if agency.jurisdiction:
        yield node, LT.jurisdiction, jurisdiction_iri(agency.jurisdiction)
        yield from _named_jurisdiction(agency.jurisdiction)


def cited_plan_triples(plan_node: URIRef, cited: CitedPlan) -> Iterator[Triple]:
    node = plan_iri(cited.key)
    if node != plan_node:
        yield plan_node, LT.derivesFrom, node
    yield node, RDF.type, LT.Plan
    yield node, RDFS.label, _zh(cited.title or cited.doc_number)
    if cited.title:
        yield node, DCTERMS.title, _zh(cited.title)
    if cited.doc_number:
        yield node, LT.docNumber, Literal(cited.doc_number)
    if cited.jurisdiction:
        yield node, LT.jurisdiction, jurisdiction_iri(cited.jurisdiction)
        yield from _named_jurisdiction(cited.jurisdiction)
    if cited.level:
        yield node, LT.level, Literal(cited.level)
    for upper in cited.derives_from:
        if upper and upper != cited.key:
            yield node, LT.derivesFrom, plan_iri(upper)
            yield plan_iri(upper), RDF.type, LT.Plan


def attribution_triples(
    task_node: URIRef, n: int, attribution: Attribution, stated: set | None = None
) -> Iterator[Triple]:
    """The attribution, its role triples, and its agency (unless `stated` says this plan already gave it)."""
    node = URIRef(f"{task_node}/attribution/{n}")
    agency = agency_iri(attribution.agency)
    role = ROLE_PROPERTY[attribution.role]
    yield task_node, LT.attribution, node
    yield node, RDF.type, LT.Attribution
    yield node, LT.agency, agency
    yield node, LT.role, role
    yield node, LT.surfaceForm, Literal(attribution.agency.surface or attribution.agency.name)
    yield from _span(node, attribution.start, attribution.end)
    yield agency, role, task_node
    yield agency, LT.accountableFor, task_node
    seen = (agency, attribution.agency.surface)
    if stated is None or seen not in stated:
        yield from agency_triples(attribution.agency)
        if stated is not None:
            stated.add(seen)


def deadline_triples(task_node: URIRef, n: int, deadline: Deadline) -> Iterator[Triple]:
    node = URIRef(f"{task_node}/deadline/{n}")
    yield task_node, LT.hasDeadline, node
    yield node, RDF.type, LT.Deadline
    yield node, LT.dueDate, _date(deadline.due_date)
    yield node, LT.phrase, Literal(deadline.phrase)
    if deadline.precision:
        yield node, LT.precision, Literal(deadline.precision)
    yield from _span(node, deadline.start, deadline.end)


def target_triples(owner: URIRef, n: int, target: Target) -> Iterator[Triple]:
    node = URIRef(f"{owner}/target/{n}")
    yield owner, LT.hasTarget, node
    yield node, RDF.type, LT.Target
    yield node, LT.indicator, Literal(target.indicator)
    yield node, LT.comparator, Literal(target.comparator)
    yield node, LT.value, Literal(Decimal(str(target.value)), datatype=XSD.decimal)
    if target.unit:
        yield node, LT.unit, Literal(target.unit)
    if target.year is not None:
        yield node, LT.year, _int(target.year)
    if target.baseline_year is not None:
        yield node, LT.baselineYear, _int(target.baseline_year)
    yield node, LT.phrase, Literal(target.phrase)
    yield from _span(node, target.start, target.end)


def task_triples(plan_node: URIRef, node: URIRef, task: Task, stated: set | None = None) -> Iterator[Triple]:
    yield node, RDF.type, LT.Task
    yield node, LT.inPlan, plan_node
    yield node, LT.text, Literal(task.text)
    yield node, LT.section, Literal(task.section)
    if task.heading:
        yield node, LT.heading, Literal(task.heading)
    yield from _span(node, task.start, task.end)
    for n, attribution in enumerate(task.attributions, 1):
        yield from attribution_triples(node, n, attribution, stated)
    if task.names_none or not task.attributions:
        yield node, LT.namesNoAgency, Literal(True)
    for n, deadline in enumerate(task.deadlines, 1):
        yield from deadline_triples(node, n, deadline)
    for n, target in enumerate(task.targets, 1):
        yield from target_triples(node, n, target)


def skipped_triples(plan_node: URIRef, n: int, skipped: Skipped) -> Iterator[Triple]:
    node = URIRef(f"{plan_node}/skipped/{n}")
    yield plan_node, LT.skipped, node
    yield node, RDF.type, LT.SkippedParagraph
    yield node, LT.text, Literal(skipped.text)
    yield node, LT.reason, Literal(skipped.reason)
    yield from _span(node, skipped.start, skipped.end)


def plan_triples(plan: Plan) -> Iterator[Triple]:
    """Every triple one loaded plan states: itself, its places, cited plans, tasks and their facts."""
    node = plan_iri(plan.key)
    yield node, RDF.type, LT.Plan
    yield node, RDFS.label, _zh(plan.title)
    yield node, DCTERMS.title, _zh(plan.title)
    yield node, LT.sourceFile, Literal(plan.source_file)
    if plan.doc_number:
        yield node, LT.docNumber, Literal(plan.doc_number)
    if plan.date:
        yield node, DCTERMS.issued, _date(plan.date)
    level = plan.level or (plan.jurisdiction.level if plan.jurisdiction else "")
    if level:
        yield node, LT.level, Literal(level)
    if plan.jurisdiction is not None:
        yield node, LT.jurisdiction, jurisdiction_iri(plan.jurisdiction.name)
        yield from jurisdiction_triples(plan.jurisdiction)
    for place in plan.places:
        yield from jurisdiction_triples(place)
    for cited in plan.cites:
        if cited.key:
            yield from cited_plan_triples(node, cited)
    for n, target in enumerate(plan.targets, 1):
        yield from target_triples(node, n, target)
    stated: set = set()  # agencies (with a surface form) this plan has described already
    for task_node, task in zip(task_iris(plan), plan.tasks, strict=True):
        yield from task_triples(node, task_node, task, stated)
    for n, skipped in enumerate(plan.skipped, 1):
        yield from skipped_triples(node, n, skipped)
