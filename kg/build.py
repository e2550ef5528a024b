"""Turn loaded Plan records into RDF triples of the Lantian vocabulary (records → triples).

IRIs come from `kg.namespaces.mint` and depend only on the records, so the same plan text gives the
same graph on every build. Role triples are stated together with lt:accountableFor (no reasoner runs).

The triples are pyoxigraph terms (`ox.NamedNode`, `ox.Literal`), which the store's bulk loader takes as
they are: building rdflib terms and converting each to Oxigraph was most of a build's time. `to_rdflib`
turns a triple into rdflib terms for callers that need an rdflib Graph (e.g. `kg build --out`). The
IRI helpers `plan_iri`, `jurisdiction_iri`, `agency_iri` and `task_iris` still return rdflib URIRefs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import lru_cache

import pyoxigraph as ox
from rdflib import DCTERMS, RDF, RDFS, SKOS, XSD, BNode, Literal, Namespace, URIRef

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
    plan_key_parts,
)

Triple = tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]


class OxTerms:
    """The terms of an rdflib namespace as pyoxigraph NamedNodes (`OxTerms(LT).leads`), each made once."""

    def __init__(self, namespace: Namespace | type):
        self._namespace = namespace

    def __getattr__(self, name: str) -> ox.NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        node = ox.NamedNode(str(getattr(self._namespace, name)))
        setattr(self, name, node)  # later lookups find the attribute without coming here
        return node


OX_LT, OX_RDF, OX_RDFS, OX_SKOS, OX_DCTERMS, OX_XSD = map(OxTerms, (LT, RDF, RDFS, SKOS, DCTERMS, XSD))
OX_ROLE_PROPERTY = {role: ox.NamedNode(str(iri)) for role, iri in ROLE_PROPERTY.items()}
_TRUE = ox.Literal("true", datatype=OX_XSD.boolean)


def to_rdflib_term(term):
    """One pyoxigraph term as the rdflib term it stands for (a plain string stays a plain Literal)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype == OX_XSD.string:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    return term  # already an rdflib term


def to_rdflib(triple: tuple) -> tuple:
    """A triple of pyoxigraph terms as rdflib terms, e.g. for `Graph.addN` when writing `--out` files."""
    return tuple(to_rdflib_term(term) for term in triple)


def _zh(name: str) -> ox.Literal:
    return ox.Literal(name, language="zh")


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(int(value)), datatype=OX_XSD.integer)


def decimal_literal(value: float) -> ox.Literal:
    """The value as xsd:decimal, written as rdflib writes Decimal(str(value)) (no exponent)."""
    return ox.Literal(f"{Decimal(str(value)):f}", datatype=OX_XSD.decimal)


def _date(iso: str) -> ox.Literal:
    """An xsd:date when `iso` is a real calendar date; otherwise a plain string the shapes will flag."""
    try:
        valid = len(iso) == 10 and date.fromisoformat(iso).isoformat() == iso
    except ValueError:
        valid = False
    return ox.Literal(iso, datatype=OX_XSD.date) if valid else ox.Literal(iso)


@lru_cache(maxsize=1 << 16)
def _node(*parts: str) -> ox.NamedNode:
    """mint(*parts) as a pyoxigraph NamedNode; plans, places and agencies recur, so each is made once."""
    return ox.NamedNode(str(mint(*parts)))


def _span(node: ox.NamedNode, start: int, end: int) -> Iterator[Triple]:
    yield node, OX_LT.sourceStart, _int(start)
    yield node, OX_LT.sourceEnd, _int(end)


def plan_iri(key: str) -> URIRef:
    """id/plan/{jurisdiction}/{文号} (id/plan/{文号} or id/plan/{title} when that is all that is known)."""
    return mint("plan", *plan_key_parts(key))


def task_base(key: str) -> str:
    """What every task IRI of the plan with this key starts with: id/task/{plan key}/."""
    return f"{mint('task', *plan_key_parts(key))}/"


def jurisdiction_iri(key: str) -> URIRef:
    """id/jurisdiction/{key}: the place's `Jurisdiction.key` (昆明市官渡区), its name when that is unique."""
    return mint("jurisdiction", key)


def agency_iri(agency: Agency) -> URIRef:
    """id/agency/{jurisdiction}/{canonical name}; the normalised key is preferred when the loader set one."""
    return mint("agency", agency.place, agency.key or agency.name)


def task_iris(plan: Plan) -> list[URIRef]:
    """One IRI per task, in order: id/task/{plan key}/{section}, then {section}~2, ~3 … for repeats."""
    seen: dict[str, int] = {}
    iris = []
    for task in plan.tasks:
        section = task.section or "-"
        seen[section] = seen.get(section, 0) + 1
        n = seen[section]
        iris.append(mint("task", *plan_key_parts(plan.key), section if n == 1 else f"{section}~{n}"))
    return iris


def _plan_node(key: str) -> ox.NamedNode:
    return _node("plan", *plan_key_parts(key))


def _jurisdiction_node(key: str) -> ox.NamedNode:
    return _node("jurisdiction", key)


def _agency_node(agency: Agency) -> ox.NamedNode:
    return _node("agency", agency.place, agency.key or agency.name)


def jurisdiction_triples(jurisdiction: Jurisdiction | None) -> Iterator[Triple]:
    """The jurisdiction and the chain of areas it lies within."""
    while jurisdiction is not None:
        node = _jurisdiction_node(jurisdiction.key)
        yield from _named_jurisdiction(jurisdiction.key, jurisdiction.name)
        if jurisdiction.level:
            yield node, OX_LT.level, ox.Literal(jurisdiction.level)
        if jurisdiction.within is not None:
            yield node, OX_LT.within, _jurisdiction_node(jurisdiction.within.key)
        jurisdiction = jurisdiction.within


def _named_jurisdiction(key: str, name: str) -> Iterator[Triple]:
    """A place is labelled by its key, which tells it from its namesakes (昆明市官渡区), and also by its name
    alone (官渡区) when that differs."""
    node = _jurisdiction_node(key)
    yield node, OX_RDF.type, OX_LT.Jurisdiction
    yield node, OX_RDFS.label, _zh(key)
    if name != key:
        yield node, OX_SKOS.altLabel, _zh(name)


def agency_triples(agency: Agency) -> Iterator[Triple]:
    node = _agency_node(agency)
    yield node, OX_RDF.type, OX_LT.Agency
    if agency.is_group:
        yield node, OX_RDF.type, OX_LT.AgencyGroup
    yield node, OX_RDFS.label, _zh(agency.name)
    if agency.surface:
        yield node, OX_SKOS.altLabel, _zh(agency.surface)
    if agency.jurisdiction:
        yield node, OX_LT.jurisdiction, _jurisdiction_node(agency.place)
        yield from _named_jurisdiction(agency.place, agency.jurisdiction)


def cited_plan_triples(plan_node: ox.NamedNode, cited: CitedPlan) -> Iterator[Triple]:
    node = _plan_node(cited.key)
    if node != plan_node:
        yield plan_node, OX_LT.derivesFrom, node
    yield node, OX_RDF.type, OX_LT.Plan
    yield node, OX_RDFS.label, _zh(cited.title or cited.doc_number)
    if cited.title:
        yield node, OX_DCTERMS.title, _zh(cited.title)
    if cited.doc_number:
        yield node, OX_LT.docNumber, ox.Literal(cited.doc_number)
    if cited.jurisdiction:
        yield node, OX_LT.jurisdiction, _jurisdiction_node(cited.place)
        yield from _named_jurisdiction(cited.place, cited.jurisdiction)
    if cited.level:
        yield node, OX_LT.level, ox.Literal(cited.level)
    for upper in cited.derives_from:
        if upper and upper != cited.key:
            yield node, OX_LT.derivesFrom, _plan_node(upper)
            yield _plan_node(upper), OX_RDF.type, OX_LT.Plan


def attribution_triples(
    task_node: ox.NamedNode, n: int, attribution: Attribution, stated: set | None = None
) -> Iterator[Triple]:
    """The attribution, its role triples, and its agency (unless `stated` says this plan already gave it)."""
    node = ox.NamedNode(f"{task_node.value}/attribution/{n}")
    agency = _agency_node(attribution.agency)
    role = OX_ROLE_PROPERTY[attribution.role]
    yield task_node, OX_LT.attribution, node
    yield node, OX_RDF.type, OX_LT.Attribution
    yield node, OX_LT.agency, agency
    yield node, OX_LT.role, role
    yield node, OX_LT.surfaceForm, ox.Literal(attribution.agency.surface or attribution.agency.name)
    yield from _span(node, attribution.start, attribution.end)
    yield agency, role, task_node
    yield agency, OX_LT.accountableFor, task_node
    seen = (agency, attribution.agency.surface)
    if stated is None or seen not in stated:
        yield from agency_triples(attribution.agency)
        if stated is not None:
            stated.add(seen)


def deadline_triples(task_node: ox.NamedNode, n: int, deadline: Deadline) -> Iterator[Triple]:
    node = ox.NamedNode(f"{task_node.value}/deadline/{n}")
    yield task_node, OX_LT.hasDeadline, node
    yield node, OX_RDF.type, OX_LT.Deadline
    yield node, OX_LT.dueDate, _date(deadline.due_date)
    yield node, OX_LT.phrase, ox.Literal(deadline.phrase)
    if deadline.precision:
        yield node, OX_LT.precision, ox.Literal(deadline.precision)
    yield from _span(node, deadline.start, deadline.end)


def target_triples(owner: ox.NamedNode, n: int, target: Target) -> Iterator[Triple]:
    node = ox.NamedNode(f"{owner.value}/target/{n}")
    yield owner, OX_LT.hasTarget, node
    yield node, OX_RDF.type, OX_LT.Target
    yield node, OX_LT.indicator, ox.Literal(target.indicator)
    yield node, OX_LT.comparator, ox.Literal(target.comparator)
    yield node, OX_LT.value, decimal_literal(target.value)
    if target.unit:
        yield node, OX_LT.unit, ox.Literal(target.unit)
    if target.year is not None:
        yield node, OX_LT.year, _int(target.year)
    if target.baseline_year is not None:
        yield node, OX_LT.baselineYear, _int(target.baseline_year)
    yield node, OX_LT.phrase, ox.Literal(target.phrase)
    yield from _span(node, target.start, target.end)


def task_triples(
    plan_node: ox.NamedNode, node: ox.NamedNode, task: Task, stated: set | None = None
) -> Iterator[Triple]:
    yield node, OX_RDF.type, OX_LT.Task
    yield node, OX_LT.inPlan, plan_node
    yield node, OX_LT.text, ox.Literal(task.text)
    yield node, OX_LT.section, ox.Literal(task.section)
    if task.heading:
        yield node, OX_LT.heading, ox.Literal(task.heading)
    yield from _span(node, task.start, task.end)
    for n, attribution in enumerate(task.attributions, 1):
        yield from attribution_triples(node, n, attribution, stated)
    if task.names_none or not task.attributions:
        yield node, OX_LT.namesNoAgency, _TRUE
    for n, deadline in enumerate(task.deadlines, 1):
        yield from deadline_triples(node, n, deadline)
    for n, target in enumerate(task.targets, 1):
        yield from target_triples(node, n, target)


def skipped_triples(plan_node: ox.NamedNode, n: int, skipped: Skipped) -> Iterator[Triple]:
    node = ox.NamedNode(f"{plan_node.value}/skipped/{n}")
    yield plan_node, OX_LT.skipped, node
    yield node, OX_RDF.type, OX_LT.SkippedParagraph
    yield node, OX_LT.text, ox.Literal(skipped.text)
    yield node, OX_LT.reason, ox.Literal(skipped.reason)
    yield from _span(node, skipped.start, skipped.end)


def plan_triples(plan: Plan) -> Iterator[Triple]:
    """Every triple one loaded plan states: itself, its places, cited plans, tasks and their facts."""
    node = _plan_node(plan.key)
    yield node, OX_RDF.type, OX_LT.Plan
    yield node, OX_RDFS.label, _zh(plan.title)
    yield node, OX_DCTERMS.title, _zh(plan.title)
    yield node, OX_LT.sourceFile, ox.Literal(plan.source_file)
    if plan.doc_number:
        yield node, OX_LT.docNumber, ox.Literal(plan.doc_number)
    if plan.date:
        yield node, OX_DCTERMS.issued, _date(plan.date)
    level = plan.level or (plan.jurisdiction.level if plan.jurisdiction else "")
    if level:
        yield node, OX_LT.level, ox.Literal(level)
    if plan.jurisdiction is not None:
        yield node, OX_LT.jurisdiction, _jurisdiction_node(plan.jurisdiction.key)
        yield from jurisdiction_triples(plan.jurisdiction)
    for place in plan.places:
        yield from jurisdiction_triples(place)
    for cited in plan.cites:
        if cited.key:
            yield from cited_plan_triples(node, cited)
    for n, target in enumerate(plan.targets, 1):
        yield from target_triples(node, n, target)
    covered, measures = plan.coverage()
    yield node, OX_LT.planText, ox.Literal(plan.text)  # the text every offset of the plan counts in
    yield node, OX_LT.measureCount, _int(measures)
    yield node, OX_LT.coveredMeasureCount, _int(covered)
    stated: set = set()  # agencies (with a surface form) this plan has described already
    for task_iri, task in zip(task_iris(plan), plan.tasks, strict=True):
        yield from task_triples(node, ox.NamedNode(str(task_iri)), task, stated)
    for n, skipped in enumerate(plan.skipped, 1):
        yield from skipped_triples(node, n, skipped)
