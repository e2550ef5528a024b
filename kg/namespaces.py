"""The vocabulary as Python constants (LT), the instance namespace (ID) and the IRI minting rule.

Every lt: term of ontology/lantian.ttl is a constant here (tests/test_vocabulary.py checks both ways);
code never spells a vocabulary IRI as a string. `mint` builds the deterministic, readable instance IRIs.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, Graph, Namespace, URIRef
from rdflib.namespace import ORG, DefinedNamespace

from loaders.records import Role

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "lantian.ttl"
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"


class LT(DefinedNamespace):
    """Lantian vocabulary terms (https://w3id.org/lantian/ontology#)."""

    _NS = Namespace("https://w3id.org/lantian/ontology#")
    _fail = True

    # classes
    Plan: URIRef
    Task: URIRef
    Agency: URIRef
    AgencyGroup: URIRef
    Jurisdiction: URIRef
    Deadline: URIRef
    Target: URIRef
    Attribution: URIRef
    SkippedParagraph: URIRef
    PlanLoad: URIRef
    PlanCoverage: URIRef
    # plan structure
    inPlan: URIRef
    text: URIRef
    section: URIRef
    heading: URIRef
    sourceFile: URIRef
    sourceStart: URIRef
    sourceEnd: URIRef
    skipped: URIRef
    reason: URIRef
    # accountability
    accountableFor: URIRef
    leads: URIRef
    supports: URIRef
    implements: URIRef
    responsibleFor: URIRef
    namesNoAgency: URIRef
    attribution: URIRef
    agency: URIRef
    role: URIRef
    surfaceForm: URIRef
    succeededBy: URIRef
    tasksLed: URIRef
    tasksSupported: URIRef
    tasksImplemented: URIRef
    tasksResponsibleFor: URIRef
    tasksAccountableFor: URIRef
    # task counts per agency and plan (lt:PlanLoad, in the plan's graph)
    ofAgency: URIRef
    ofPlan: URIRef
    tasksLedInPlan: URIRef
    tasksSupportedInPlan: URIRef
    tasksImplementedInPlan: URIRef
    tasksResponsibleForInPlan: URIRef
    tasksAccountableForInPlan: URIRef
    tasksCollectiveOnlyInPlan: URIRef
    betweennessInPlan: URIRef
    # the statistics graph (kg.statistics): what the national lists are ordered by, computed by the build
    dueOrder: URIRef
    taskOrder: URIRef
    loadOrder: URIRef
    hasNoLead: URIRef
    onlyCollectivesAccountable: URIRef
    tasksLedRank: URIRef
    tasksSupportedRank: URIRef
    tasksImplementedRank: URIRef
    tasksResponsibleForRank: URIRef
    tasksAccountableForRank: URIRef
    betweenness: URIRef
    degreeRank: URIRef
    betweennessRank: URIRef
    # the statistics graph: what the whole national answers read (issue 19)
    heldNowBy: URIRef
    leadGone: URIRef
    tasksCollectiveOnly: URIRef
    collectiveOrder: URIRef
    lowerPlan: URIRef
    upperPlan: URIRef
    upperTasks: URIRef
    localisedTasks: URIRef
    droppedSections: URIRef
    coverageOrder: URIRef
    # a plan's coverage: its measures, and those naming an accountable unit
    measureCount: URIRef
    planText: URIRef  # the plan's display text
    coveredMeasureCount: URIRef
    # places and plans
    jurisdiction: URIRef
    within: URIRef
    level: URIRef
    derivesFrom: URIRef
    docNumber: URIRef
    # deadlines and targets
    hasDeadline: URIRef
    dueDate: URIRef
    precision: URIRef
    phrase: URIRef
    hasTarget: URIRef
    indicator: URIRef
    comparator: URIRef
    value: URIRef
    unit: URIRef
    year: URIRef
    baselineYear: URIRef
    # lineage across plans
    TaskLink: URIRef
    counterpartOf: URIRef
    score: URIRef
    method: URIRef


ID = Namespace("https://w3id.org/lantian/id/")

PREFIXES: dict[str, Namespace | str] = {
    "lt": LT._NS,
    "id": ID,
    "org": ORG,
    "prov": PROV,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "xsd": XSD,
    "rdfs": RDFS,
    "rdf": RDF,
    "owl": OWL,
}

ROLE_PROPERTY: dict[Role, URIRef] = {
    Role.LEADS: LT.leads,
    Role.SUPPORTS: LT.supports,
    Role.IMPLEMENTS: LT.implements,
    Role.RESPONSIBLE: LT.responsibleFor,
}

# Characters an IRI path segment may not hold (RFC 3987): controls, space, <>"{}|\^`, the gen-delims
# # ? [ ] and "/" (a separator between parts), plus "%" so that a literal percent stays unambiguous.
_ESCAPED = frozenset(' <>"{}|\\^`#?[]/%') | frozenset(map(chr, [*range(0x20), 0x7F]))


_ESCAPE_TABLE = str.maketrans({ch: "".join(f"%{b:02X}" for b in ch.encode("utf-8")) for ch in _ESCAPED})


# Characters RFC 3987 leaves out of an IRI path (not `ucschar`): C1 controls, private use, non-characters and the
# specials U+FFF0–FFFF, of which U+FFFD (a byte of the plan file that did not decode) is the one met; Oxigraph
# refuses an IRI holding one, which failed the whole build. They are percent-escaped as UTF-8, like the above.
_NOT_UCSCHAR = re.compile(
    "[\x80-\x9f\ue000-\uf8ff\ufdd0-\ufdef\ufff0-\uffff\U000e0000-\U000e0fff\U000f0000-\U0010ffff"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 15))
    + "]"
)


def _percent(match: re.Match) -> str:
    return "".join(f"%{b:02X}" for b in match.group().encode("utf-8"))


def _escape(part: str) -> str:
    escaped = part.translate(_ESCAPE_TABLE)
    return _NOT_UCSCHAR.sub(_percent, escaped) if not escaped.isascii() else escaped


def mint(*parts: object) -> URIRef:
    """The instance IRI for `parts` under ID: parts joined by "/", CJK kept readable.

    >>> mint("plan", "云政发〔2018〕44号")
    rdflib.term.URIRef('https://w3id.org/lantian/id/plan/云政发〔2018〕44号')
    """
    return URIRef(str(ID) + "/".join(_escape(str(p)) for p in parts))


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes on `graph` (replacing rdflib's defaults for the same names)."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph
