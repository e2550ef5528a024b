"""Agency succession after the 2018–2019 reform, applied per jurisdiction, checked on the bundled plans."""

from pathlib import Path

import pytest
from rdflib import Graph

from kg.corpus import corpus_graph
from kg.namespaces import PREFIXES
from kg.succession import reforms, successions
from loaders.plan import load_plan, unify_citations

PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"


@pytest.fixture(scope="module")
def plans():
    loaded = [load_plan(p) for p in sorted(PLANS.glob("*.txt"))]
    unify_citations(loaded)
    return loaded


def test_table_rows_cite_their_source():
    assert reforms()["环境保护局"].successors == ("生态环境局",)
    assert all(reform.source for reform in reforms().values())


def test_honghe_environment_bureau_is_succeeded_by_the_ecology_bureau(plans):
    found = {s.predecessor.name: s.successor.name for s in successions(plans)}
    assert found["红河州环境保护局"] == "红河州生态环境局"  # 州环保局 / 州环境保护局 in 红河's plan
    assert found["钦州市环境保护局"] == "钦州市生态环境局"  # scoped per jurisdiction
    assert found["钦州市安全生产监督管理局"] == "钦州市应急管理局"
    # units the reform did not touch, and units already renamed, have no successor
    assert "红河州财政局" not in found and "朔州市生态环境局" not in found


def test_tasks_appear_under_the_successor(plans):
    graph: Graph = corpus_graph(plans)
    query = """
        SELECT (COUNT(DISTINCT ?task) AS ?n) WHERE {
          ?old rdfs:label "红河州环境保护局"@zh ; lt:succeededBy+ ?now .
          ?now rdfs:label "红河州生态环境局"@zh .
          ?old lt:accountableFor ?task .
        }"""
    (row,) = graph.query(query, initNs=PREFIXES)
    assert int(row.n) > 30  # 州环境保护局 leads most of 红河's measures
    # the same succession as a W3C ORG change event
    (event,) = graph.query(
        """SELECT ?e WHERE { ?e a org:ChangeEvent ; org:originalOrganization/rdfs:label "红河州环境保护局"@zh ;
                                org:resultingOrganization/rdfs:label "红河州生态环境局"@zh }""",
        initNs=PREFIXES,
    )
    assert event
