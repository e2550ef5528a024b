"""Agency succession: who holds a duty today after the 2018–2019 institutional reform renamed and merged bureaus.

The reform is a reviewed data table (loaders/data/succession.csv: predecessor stem, successor stem(s), year,
source). It is applied per jurisdiction: 红河州环境保护局 is succeeded by 红河州生态环境局, 钦州市's by 钦州市生态环境局.
Where the table allows several successor names (国土资源局 → 自然资源局 | 自然资源和规划局 | 规划和自然资源局), the
one some loaded plan already uses in that jurisdiction wins, else the first. Each succession is stated as
`lt:succeededBy` and as a W3C ORG change event (org:ChangeEvent with org:originalOrganization and
org:resultingOrganization, its year and source).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import ORG

from kg.build import OX_DCTERMS, OX_LT, OX_RDF, OX_RDFS, OX_XSD, OxTerms, agency_iri, agency_triples
from kg.namespaces import mint
from loaders.records import Agency, Plan

OX_ORG = OxTerms(ORG)
TABLE = Path(__file__).resolve().parent.parent / "loaders" / "data" / "succession.csv"


@dataclass(frozen=True)
class Reform:
    """One row of the table: a unit's stem and the stems of the unit(s) that took over its duties."""

    predecessors: tuple[str, ...]
    successors: tuple[str, ...]
    year: int
    source: str


@lru_cache(maxsize=1)
def reforms() -> dict[str, Reform]:
    """predecessor stem → its Reform row."""
    table: dict[str, Reform] = {}
    with TABLE.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            reform = Reform(
                tuple(row["predecessor"].split("|")),
                tuple(row["successor"].split("|")),
                int(row["year"]),
                row["source"],
            )
            for stem in reform.predecessors:
                table[stem] = reform
    return table


@dataclass(frozen=True)
class Succession:
    """One agency of one jurisdiction and the unit that holds its duties now."""

    predecessor: Agency
    successor: Agency
    reform: Reform


def _stem(agency: Agency) -> str:
    return agency.key or agency.name.removeprefix(agency.jurisdiction)


def successions(plans: Iterable[Plan]) -> list[Succession]:
    """Every agency named in the plans whose unit the reform replaced, with its successor."""
    return agency_successions(
        attribution.agency for plan in plans for task in plan.tasks for attribution in task.attributions
    )


def agency_successions(named: Iterable[Agency]) -> list[Succession]:
    """Every one of the `named` agencies whose unit the reform replaced, with its successor."""
    agencies: dict[str, Agency] = {}
    for agency in named:
        agencies.setdefault(str(agency_iri(agency)), agency)
    present = {(a.place, _stem(a)) for a in agencies.values()}
    found = []
    for agency in agencies.values():
        reform = reforms().get(_stem(agency))
        if reform is None or agency.is_group:
            continue
        stem = next(
            (s for s in reform.successors if (agency.place, s) in present), reform.successors[0]
        )
        successor = Agency(agency.jurisdiction + stem, agency.jurisdiction, key=stem, jurisdiction_key=agency.place)
        found.append(Succession(agency, successor, reform))
    return sorted(found, key=lambda s: str(agency_iri(s.predecessor)))


def succession_triples(found: Iterable[Succession]) -> Iterator[tuple]:
    """lt:succeededBy, the successor agency itself, and an org:ChangeEvent per succession (pyoxigraph terms,
    as kg.build's)."""
    for s in found:
        old, new = ox.NamedNode(str(agency_iri(s.predecessor))), ox.NamedNode(str(agency_iri(s.successor)))
        yield old, OX_LT.succeededBy, new
        yield from agency_triples(s.successor)
        event = ox.NamedNode(str(mint("change", s.predecessor.place, _stem(s.predecessor))))
        yield event, OX_RDF.type, OX_ORG.ChangeEvent
        yield event, OX_RDFS.label, ox.Literal(f"{s.predecessor.name} → {s.successor.name}", language="zh")
        yield event, OX_ORG.originalOrganization, old
        yield event, OX_ORG.resultingOrganization, new
        yield old, OX_ORG.changedBy, event
        yield new, OX_ORG.resultedFrom, event
        yield event, OX_DCTERMS.date, ox.Literal(str(s.reform.year), datatype=OX_XSD.gYear)
        yield event, OX_DCTERMS.source, ox.Literal(s.reform.source, language="zh")
