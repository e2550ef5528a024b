"""Hand-made Plan records become the expected triples, with deterministic readable IRIs."""

import copy
from decimal import Decimal

import pytest
from rdflib import DCTERMS, RDF, RDFS, SKOS, Graph, Literal
from rdflib import namespace as ns
from rdflib.compare import isomorphic

from kg.build import plan_triples
from kg.corpus import corpus_graph
from kg.namespaces import LT, mint
from loaders.records import (
    Agency,
    Attribution,
    CitedPlan,
    Deadline,
    Jurisdiction,
    Plan,
    Role,
    Skipped,
    Target,
    Task,
)

# A county plan in the style of the family: inline "（X牵头，Y参与）" and a 县〔市、区〕-style default.
TEXT = (
    "青山县打赢蓝天保卫战三年行动实施方案\n"
    "一、调整产业结构\n"
    "（一）优化产业布局\n"
    "1.2019年6月底前完成生态保护红线划定（县环保局牵头，县自然资源局参与）。\n"
    "2.严控“两高”行业产能，2020年底前淘汰落后产能（县环境保护局牵头，各乡镇人民政府负责落实）。\n"
    "3.加强宣传引导。\n"
    "二、目标：到2020年，PM2.5年均浓度小于30微克/立方米。\n"
)


def span(phrase: str, start: int = 0) -> tuple[int, int]:
    at = TEXT.index(phrase, start)
    return at, at + len(phrase)


def task(section: str, sentence: str, attributions=(), deadlines=(), **kw) -> Task:
    start, end = span(sentence)
    return Task(section, "优化产业布局", sentence, start, end, list(attributions), list(deadlines), **kw)


def attribution(role: Role, name: str, surface: str, sentence: str, jurisdiction="青山县", group=False):
    start, end = span(surface, TEXT.index(sentence))
    # 青山县 of 白云州: its key names the prefecture (see Jurisdiction.key)
    return Attribution(role, Agency(name, jurisdiction, group, surface, jurisdiction_key=QINGSHAN), start, end)


def deadline(due: str, phrase: str, sentence: str) -> Deadline:
    start, end = span(phrase, TEXT.index(sentence))
    return Deadline(due, phrase, "month" if "月" in phrase else "year", start, end)


S1 = "2019年6月底前完成生态保护红线划定（县环保局牵头，县自然资源局参与）。"
S2 = "严控“两高”行业产能，2020年底前淘汰落后产能（县环境保护局牵头，各乡镇人民政府负责落实）。"
S3 = "加强宣传引导。"
EPB = "青山县环境保护局"
QINGSHAN = "白云州青山县"


def sample_plan() -> Plan:
    county = Jurisdiction(
        "青山县", "county", Jurisdiction("白云州", "prefecture", Jurisdiction("云南省", "province"))
    )
    t1 = task(
        "一.(一).1",
        S1,
        [
            attribution(Role.LEADS, EPB, "县环保局", S1),
            attribution(Role.SUPPORTS, "青山县自然资源局", "县自然资源局", S1),
        ],
        [deadline("2019-06-30", "2019年6月底前", S1)],
    )
    t2 = task(
        "一.(一).2",
        S2,
        [
            attribution(Role.LEADS, EPB, "县环境保护局", S2),
            attribution(Role.IMPLEMENTS, "各乡镇人民政府", "各乡镇人民政府", S2, group=True),
        ],
        [deadline("2020-12-31", "2020年底前", S2)],
    )
    t3 = task("一.(一).3", S3)
    t3_again = task("一.(一).3", S3, names_none=True)
    target_phrase = "PM2.5年均浓度小于30微克/立方米"
    plan_target = Target(
        "PM2.5年均浓度", "lt", 30.0, "微克/立方米", 2020, None, target_phrase, *span(target_phrase)
    )
    return Plan(
        source_file="qingshan.txt",
        title="青山县打赢蓝天保卫战三年行动实施方案",
        text=TEXT,
        jurisdiction=county,
        level="county",
        doc_number="青政发〔2019〕7号",
        date="2019-05-20",
        year=2019,
        cites=[
            CitedPlan(
                "白云州打赢蓝天保卫战三年行动实施方案",
                "白政发〔2018〕30号",
                "白云州",
                "prefecture",
                ["云南省/云政发〔2018〕44号"],
            ),
            CitedPlan(
                "云南省打赢蓝天保卫战三年行动实施方案",
                "云政发〔2018〕44号",
                "云南省",
                "province",
                ["中国/国发〔2018〕22号"],
            ),
            CitedPlan("打赢蓝天保卫战三年行动计划", "国发〔2018〕22号", "中国", "nation"),
        ],
        tasks=[t1, t2, t3, t3_again],
        targets=[plan_target],
        skipped=[Skipped(*span("二、目标：到2020年，"), "二、目标：到2020年，", "heading only")],
    )


@pytest.fixture(scope="module")
def graph() -> Graph:
    return corpus_graph([sample_plan()])


PLAN = mint("plan", QINGSHAN, "青政发〔2019〕7号")
T1, T2 = (mint("task", QINGSHAN, "青政发〔2019〕7号", s) for s in ("一.(一).1", "一.(一).2"))
EPB_IRI = mint("agency", QINGSHAN, EPB)
TOWNS = mint("agency", QINGSHAN, "各乡镇人民政府")


def test_role_triples_and_accountable_for(graph):
    assert (EPB_IRI, LT.leads, T1) in graph
    assert (EPB_IRI, LT.leads, T2) in graph
    assert (mint("agency", QINGSHAN, "青山县自然资源局"), LT.supports, T1) in graph
    assert (TOWNS, LT.implements, T2) in graph
    accountable = set(graph.subjects(LT.accountableFor, T2))
    assert accountable == {EPB_IRI, TOWNS}
    # every role triple has its accountableFor twin
    for role in (LT.leads, LT.supports, LT.implements, LT.responsibleFor):
        for agency, _, t in graph.triples((None, role, None)):
            assert (agency, LT.accountableFor, t) in graph


def test_agency_has_canonical_label_and_every_surface_form(graph):
    assert graph.value(EPB_IRI, RDFS.label) == Literal(EPB, lang="zh")
    assert set(graph.objects(EPB_IRI, SKOS.altLabel)) == {
        Literal("县环保局", lang="zh"),
        Literal("县环境保护局", lang="zh"),
    }
    assert (EPB_IRI, RDF.type, LT.Agency) in graph
    assert (EPB_IRI, LT.jurisdiction, mint("jurisdiction", QINGSHAN)) in graph
    assert (TOWNS, RDF.type, LT.AgencyGroup) in graph and (TOWNS, RDF.type, LT.Agency) in graph
    assert (EPB_IRI, RDF.type, LT.AgencyGroup) not in graph


def test_attribution_keeps_role_surface_form_and_evidence_span(graph):
    attributions = {graph.value(a, LT.surfaceForm): a for a in graph.objects(T1, LT.attribution)}
    lead = attributions[Literal("县环保局")]
    assert lead == mint("task", QINGSHAN, "青政发〔2019〕7号", "一.(一).1", "attribution", "1")
    assert graph.value(lead, LT.role) == LT.leads
    assert graph.value(lead, LT.agency) == EPB_IRI
    start, end = (graph.value(lead, p).toPython() for p in (LT.sourceStart, LT.sourceEnd))
    assert TEXT[start:end] == "县环保局"


def test_deadline_due_date_is_typed_date(graph):
    deadline = graph.value(T2, LT.hasDeadline)
    due = graph.value(deadline, LT.dueDate)
    assert due.datatype == ns.XSD.date and str(due) == "2020-12-31"
    assert str(graph.value(deadline, LT.phrase)) == "2020年底前"
    assert str(graph.value(deadline, LT.precision)) == "year"
    start = graph.value(deadline, LT.sourceStart).toPython()
    assert TEXT[start : start + 4] == "2020"


def test_task_text_offsets_and_plan(graph):
    assert graph.value(T2, LT.inPlan) == PLAN
    text = graph.value(T2, LT.text)
    assert text == Literal(S2) and text.language is None and text.datatype is None
    start, end = graph.value(T2, LT.sourceStart), graph.value(T2, LT.sourceEnd)
    assert start.datatype == ns.XSD.integer
    assert TEXT[start.toPython() : end.toPython()] == S2
    assert str(graph.value(T2, LT.heading)) == "优化产业布局"


def test_repeated_section_gets_numbered_suffix_and_names_no_agency(graph):
    first = mint("task", QINGSHAN, "青政发〔2019〕7号", "一.(一).3")
    second = mint("task", QINGSHAN, "青政发〔2019〕7号", "一.(一).3~2")
    assert {first, second} <= set(graph.subjects(RDF.type, LT.Task))
    assert len(set(graph.subjects(RDF.type, LT.Task))) == 4
    for t in (first, second):  # one has no attributions, the other says names_none
        assert graph.value(t, LT.namesNoAgency) == Literal(True)
    assert (T1, LT.namesNoAgency, None) not in graph


def test_plan_metadata_jurisdiction_chain_and_citations(graph):
    assert graph.value(PLAN, DCTERMS.issued) == Literal("2019-05-20", datatype=ns.XSD.date)
    assert graph.value(PLAN, DCTERMS.title) == graph.value(PLAN, RDFS.label)
    assert str(graph.value(PLAN, LT.level)) == "county"
    assert str(graph.value(PLAN, LT.sourceFile)) == "qingshan.txt"
    county, pref, prov = (mint("jurisdiction", n) for n in (QINGSHAN, "白云州", "云南省"))
    assert (county, LT.within, pref) in graph and (pref, LT.within, prov) in graph
    # labelled with its prefecture, which tells it from another 青山县, and by its name alone too
    assert graph.value(county, RDFS.label) == Literal(QINGSHAN, lang="zh")
    assert graph.value(county, SKOS.altLabel) == Literal("青山县", lang="zh")
    assert graph.value(pref, SKOS.altLabel) is None
    assert str(graph.value(pref, LT.level)) == "prefecture"
    chain = graph.query(
        "SELECT ?up WHERE { ?p lt:derivesFrom+ ?up }", initBindings={"p": PLAN}, initNs={"lt": LT._NS}
    )
    assert {str(graph.value(row.up, LT.docNumber)) for row in chain} == {
        "白政发〔2018〕30号",
        "云政发〔2018〕44号",
        "国发〔2018〕22号",
    }
    province_plan = mint("plan", "云南省", "云政发〔2018〕44号")
    assert (province_plan, LT.derivesFrom, mint("plan", "中国", "国发〔2018〕22号")) in graph
    assert (province_plan, RDF.type, LT.Plan) in graph
    assert str(graph.value(province_plan, LT.level)) == "province"
    assert graph.value(province_plan, LT.jurisdiction) == prov


def test_plan_level_target_and_skipped_paragraph(graph):
    target = graph.value(PLAN, LT.hasTarget)
    assert target == mint("plan", QINGSHAN, "青政发〔2019〕7号", "target", "1")
    assert graph.value(target, LT.value) == Literal(Decimal("30.0"), datatype=ns.XSD.decimal)
    assert graph.value(target, LT.year).toPython() == 2020
    assert (target, LT.baselineYear, None) not in graph
    skipped = graph.value(PLAN, LT.skipped)
    assert (skipped, RDF.type, LT.SkippedParagraph) in graph
    assert str(graph.value(skipped, LT.reason)) == "heading only"


def test_building_twice_gives_identical_graphs():
    first = set(plan_triples(sample_plan()))
    # fresh copies of the records build the same triples
    again = sample_plan()
    again.tasks = [copy.deepcopy(t) for t in again.tasks]
    assert first == set(plan_triples(again))
    assert isomorphic(corpus_graph([sample_plan()]), corpus_graph([again]))
    assert not any(n.__class__.__name__ == "BNode" for triple in first for n in triple)


def test_plan_without_doc_number_is_keyed_by_title_and_agencies_are_scoped_by_jurisdiction():
    plan = Plan("a.txt", "紅河州大氣污染防治行動計劃", "")
    same_name = [Agency("生态环境局", place, surface="生态环境局") for place in ("甲县", "乙县")]
    plan.tasks = [
        Task("一", "", "x", 0, 1, [Attribution(Role.RESPONSIBLE, same_name[0], 0, 1)]),
        Task("二", "", "y", 1, 2, [Attribution("responsibleFor", same_name[1], 1, 2)]),  # role as plain str,
    ]
    graph = corpus_graph([plan])
    assert (mint("plan", "紅河州大氣污染防治行動計劃"), RDF.type, LT.Plan) in graph
    assert mint("task", "紅河州大氣污染防治行動計劃", "一") in set(graph.subjects(RDF.type, LT.Task))
    agencies = set(graph.subjects(RDF.type, LT.Agency))
    assert agencies == {mint("agency", "甲县", "生态环境局"), mint("agency", "乙县", "生态环境局")}
    assert len(set(graph.subjects(LT.responsibleFor, None))) == 2


def test_corpus_graph_adds_to_a_given_graph_and_binds_prefixes():
    existing = Graph()
    existing.add((PLAN, RDFS.comment, Literal("already here")))
    other = Plan("b.txt", "另一方案", "", doc_number="另发〔2019〕1号")
    result = corpus_graph([sample_plan(), other], existing)
    assert result is existing
    assert (PLAN, RDFS.comment, Literal("already here")) in existing
    assert (mint("plan", "另发〔2019〕1号"), RDF.type, LT.Plan) in existing
    assert str(dict(existing.namespaces())["lt"]) == str(LT._NS)


def test_agency_key_joins_traditional_and_simplified_forms():
    simplified = Agency("红河州生态环境局", "红河州", surface="州生态环境局", key="红河州生态环境局")
    traditional = Agency("紅河州生態環境局", "红河州", surface="州生態環境局", key="红河州生态环境局")
    plan = Plan("c.txt", "紅河州方案", "")
    plan.tasks = [
        Task("一", "", "x", 0, 1, [Attribution(Role.LEADS, simplified, 0, 1)]),
        Task("二", "", "y", 1, 2, [Attribution(Role.LEADS, traditional, 1, 2)]),
    ]
    graph = corpus_graph([plan])
    agencies = set(graph.subjects(RDF.type, LT.Agency))
    assert agencies == {mint("agency", "红河州", "红河州生态环境局")}
    assert len(set(graph.objects(next(iter(agencies)), SKOS.altLabel))) == 2


def test_facts_that_share_a_span_each_get_their_own_node():
    """Two targets stated by one phrase, and two attributions on one agency mention, stay two nodes each,
    every one with the span that states it."""
    plan = sample_plan()
    phrase = "PM2.5年均浓度小于30微克/立方米"
    plan.targets.append(Target("PM10年均浓度", "lt", 30.0, "微克/立方米", 2020, None, phrase, *span(phrase)))
    both = attribution(Role.IMPLEMENTS, EPB, "县环境保护局", S2)
    plan.tasks[1].attributions.append(both)
    graph = corpus_graph([plan])
    targets = list(graph.objects(PLAN, LT.hasTarget))
    assert sorted(str(graph.value(t, LT.indicator)) for t in targets) == ["PM10年均浓度", "PM2.5年均浓度"]
    assert {
        (graph.value(t, LT.sourceStart).toPython(), graph.value(t, LT.sourceEnd).toPython()) for t in targets
    } == {span(phrase)}
    on_mention = [
        a
        for a in graph.objects(T2, LT.attribution)
        if (graph.value(a, LT.sourceStart).toPython(), graph.value(a, LT.sourceEnd).toPython())
        == (both.start, both.end)
    ]
    assert sorted(graph.value(a, LT.role) for a in on_mention) == sorted([LT.leads, LT.implements])
    assert (EPB_IRI, LT.implements, T2) in graph and (EPB_IRI, LT.leads, T2) in graph
