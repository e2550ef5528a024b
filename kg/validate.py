"""Check a Lantian graph against the SHACL shapes (ontology/shapes.ttl) with pyshacl."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pyshacl import validate as shacl_validate
from rdflib import SH, Graph

from kg.namespaces import ONTOLOGY_FILE, SHAPES_FILE


@dataclass(frozen=True)
class ValidationResult:
    """Whether the graph conforms, how many violations it has, and pyshacl's readable report."""

    conforms: bool
    violations: int
    text: str


@cache
def _load(path: str) -> Graph:
    return Graph().parse(path, format="turtle")


def shapes_graph() -> Graph:
    return _load(str(SHAPES_FILE))


def ontology_graph() -> Graph:
    return _load(str(ONTOLOGY_FILE))


def validate(data_graph: Graph, *, with_ontology: bool = True) -> ValidationResult:
    """Validate `data_graph` against the shapes; no inference runs (the builder materialises what
    queries need). `with_ontology` mixes lantian.ttl in (so sh:class sees rdfs:subClassOf); that
    copies the data graph, so pass False for very large graphs that already state every type."""
    conforms, report, text = shacl_validate(
        data_graph,
        shacl_graph=shapes_graph(),
        ont_graph=ontology_graph() if with_ontology else None,
        inference="none",
        allow_warnings=True,
    )
    violations = sum(1 for _ in report.subjects(SH.resultSeverity, SH.Violation))
    return ValidationResult(conforms=bool(conforms), violations=violations, text=str(text))
