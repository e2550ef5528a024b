"""The LT constants and ontology/lantian.ttl agree; every term is labelled; IRIs are minted readably."""

from pathlib import Path
from urllib.parse import unquote

import pytest
from rdflib import OWL, PROV, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import ORG

from kg.namespaces import ID, LT, ONTOLOGY_FILE, ROLE_PROPERTY, bind_prefixes, mint
from loaders.records import Role

NS = str(LT._NS)
SEEDS = Path(__file__).resolve().parent.parent / "data" / "plans"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def lt_terms_mentioned(graph: Graph) -> set[URIRef]:
    return {n for triple in graph for n in triple if isinstance(n, URIRef) and n.startswith(NS)}


def test_every_constant_is_defined_and_every_defined_term_is_a_constant(ontology):
    defined = {s for s in ontology.subjects(RDF.type, None) if s.startswith(NS)}
    constants = set(dir(LT))
    assert constants == defined
    assert lt_terms_mentioned(ontology) <= defined  # no lt: term used but undeclared


def test_contract_terms_of_design_are_present():
    contract = (
        "Plan Task Agency AgencyGroup Jurisdiction Deadline Target inPlan text section sourceFile "
        "sourceStart sourceEnd leads supports implements responsibleFor accountableFor hasDeadline dueDate "
        "hasTarget derivesFrom docNumber jurisdiction within succeededBy"
    ).split()
    assert {LT._NS[t] for t in contract} <= set(dir(LT))


def test_every_term_has_zh_and_en_labels_comment_and_definer(ontology):
    for term in dir(LT):
        languages = {label.language for label in ontology.objects(term, RDFS.label)}
        assert {"zh", "en"} <= languages, term
        assert ontology.value(term, RDFS.comment) is not None, term
        assert ontology.value(term, RDFS.isDefinedBy) == URIRef(NS.rstrip("#")), term


def test_every_property_has_domain_and_range(ontology):
    properties = set(ontology.subjects(RDF.type, OWL.ObjectProperty)) | set(
        ontology.subjects(RDF.type, OWL.DatatypeProperty)
    )
    assert LT.leads in properties and LT.dueDate in properties
    for prop in properties:
        assert ontology.value(prop, RDFS.domain) is not None, prop
        assert ontology.value(prop, RDFS.range) is not None, prop


def test_roles_are_subproperties_of_accountable_for(ontology):
    for role in (LT.leads, LT.supports, LT.implements, LT.responsibleFor):
        assert (role, RDFS.subPropertyOf, LT.accountableFor) in ontology
    assert set(ROLE_PROPERTY) == set(Role)
    assert set(ROLE_PROPERTY.values()) == set(ontology.subjects(RDFS.subPropertyOf, LT.accountableFor))


def test_reused_vocabularies(ontology):
    assert (LT.derivesFrom, RDFS.subPropertyOf, PROV.wasDerivedFrom) in ontology
    assert (LT.Agency, RDFS.subClassOf, ORG.Organization) in ontology
    assert (LT.Plan, RDFS.subClassOf, PROV.Entity) in ontology
    assert (LT.AgencyGroup, RDFS.subClassOf, LT.Agency) in ontology
    assert (URIRef(NS.rstrip("#")), RDF.type, OWL.Ontology) in ontology


def test_undeclared_constant_is_refused():
    with pytest.raises(AttributeError):
        _ = LT.leadz


def test_mint_keeps_cjk_and_doc_number_brackets_readable():
    iri = mint("plan", "云政发〔2018〕44号")
    assert iri == URIRef(str(ID) + "plan/云政发〔2018〕44号")
    task = mint("task", "云政发〔2018〕44号", "二.(一).3~2")
    assert str(task).endswith("/task/云政发〔2018〕44号/二.(一).3~2")


def test_mint_escapes_only_what_an_iri_path_cannot_hold():
    iri = str(mint("plan", "关于 <印发> 方案/细则#1?[试行]%"))
    path = iri.removeprefix(str(ID))
    assert path.count("/") == 1  # the "/" inside a part is no separator
    assert not set(' <>"#?[]') & set(path)
    assert unquote(path.split("/")[1]) == "关于 <印发> 方案/细则#1?[试行]%"
    assert "关于" in path and "方案" in path and "细则" in path


def test_minted_iris_survive_ntriples_round_trip():
    graph = bind_prefixes(Graph())
    s = mint("agency", "紅河州", "州環保局 {舊稱}|\\^`")
    graph.add((s, RDFS.label, Literal("州環保局", lang="zh")))
    again = Graph().parse(data=graph.serialize(format="nt"), format="nt")
    assert set(again) == set(graph)


def test_seed_doc_numbers_mint_without_escapes():
    # 云政发〔2018〕44号 and 国发〔2018〕22号 are cited in the 红河州 and 武定县 seeds
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    for number in ("云政发〔2018〕44号", "国发〔2018〕22号"):
        assert number in text
        assert "%" not in str(mint("plan", number))
