"""A small hand-made plan conforms to ontology/shapes.ttl; breaking each rule is reported."""

import pytest
from rdflib import RDF, Graph, Literal
from rdflib import namespace as ns

from kg.corpus import corpus_graph
from kg.namespaces import LT, mint
from kg.validate import validate
from loaders.records import Agency, Attribution, Deadline, Jurisdiction, Plan, Role, Task

TEXT = "一、强化工业污染治理\n1.2020年底前完成钢铁行业超低排放改造（市生态环境局牵头，市工信局配合，各县〔市、区〕政府负责落实）。\n2.开展宣传。\n"
S1 = TEXT.splitlines()[1][2:]


def small_plan(agency_place: str = "白山市") -> Plan:
    start = TEXT.index(S1)

    def at(phrase: str) -> tuple[int, int]:
        i = TEXT.index(phrase, start)
        return i, i + len(phrase)

    def agency(name, surface, group=False):
        return Agency(name, agency_place, group, surface)

    task = Task(
        "一.1",
        "强化工业污染治理",
        S1,
        start,
        start + len(S1),
        [
            Attribution(Role.LEADS, agency("白山市生态环境局", "市生态环境局"), *at("市生态环境局")),
            Attribution(Role.SUPPORTS, agency("白山市工业和信息化局", "市工信局"), *at("市工信局")),
            Attribution(
                Role.IMPLEMENTS,
                agency("各县（市、区）人民政府", "各县〔市、区〕政府", True),
                *at("各县〔市、区〕政府"),
            ),
        ],
        [Deadline("2020-12-31", "2020年底前", "year", *at("2020年底前"))],
    )
    quiet = Task("一.2", "强化工业污染治理", "开展宣传。", TEXT.index("开展宣传"), len(TEXT) - 1)
    return Plan(
        "baishan.txt",
        "白山市打赢蓝天保卫战实施方案",
        TEXT,
        Jurisdiction("白山市", "prefecture"),
        tasks=[task, quiet],
    )


TASK = mint("task", "白山市打赢蓝天保卫战实施方案", "一.1")
QUIET = mint("task", "白山市打赢蓝天保卫战实施方案", "一.2")
LEAD = mint("agency", "白山市", "白山市生态环境局")


@pytest.fixture
def graph() -> Graph:
    return corpus_graph([small_plan()])


def test_small_plan_conforms(graph):
    result = validate(graph)
    assert result.conforms, result.text
    assert result.violations == 0


def assert_violation(graph: Graph, *mentions: str) -> None:
    result = validate(graph)
    assert not result.conforms
    assert result.violations >= 1
    for mention in mentions:
        assert mention in result.text


def test_task_without_offsets(graph):
    graph.remove((TASK, LT.sourceStart, None))
    assert_violation(graph, "sourceStart")


def test_offset_that_is_not_an_integer(graph):
    graph.set((TASK, LT.sourceEnd, Literal("12")))
    assert_violation(graph, "sourceEnd")


def test_task_with_neither_agency_nor_marker(graph):
    graph.remove((QUIET, LT.namesNoAgency, None))
    assert_violation(graph, "namesNoAgency")


def test_role_from_a_task(graph):
    graph.add((QUIET, LT.leads, TASK))
    assert_violation(graph, "RoleSubjectShape")


def test_role_to_an_agency(graph):
    graph.add((LEAD, LT.supports, mint("agency", "白山市", "白山市工业和信息化局")))
    assert_violation(graph, "RoleObjectShape")


def test_due_date_as_string(graph):
    deadline = graph.value(TASK, LT.hasDeadline)
    graph.set((deadline, LT.dueDate, Literal("2020-12-31")))
    assert_violation(graph, "dueDate")


@pytest.mark.parametrize("due", ["2020-02-30", "20201231", "2020年底"])
def test_impossible_due_date_from_a_loader_is_flagged(due):
    plan = small_plan()
    plan.tasks[0].deadlines[0].due_date = due
    graph = corpus_graph([plan])
    assert graph.value(graph.value(TASK, LT.hasDeadline), LT.dueDate) == Literal(due)  # not typed xsd:date
    assert_violation(graph, "dueDate")


def test_deadline_with_two_due_dates(graph):
    deadline = graph.value(TASK, LT.hasDeadline)
    graph.add((deadline, LT.dueDate, Literal("2021-06-30", datatype=ns.XSD.date)))
    assert_violation(graph, "dueDate")


def test_agency_without_jurisdiction():
    graph = corpus_graph([small_plan(agency_place="")])
    result = validate(graph)
    assert not result.conforms
    assert result.violations == 3  # the three agencies named by the plan
    assert "jurisdiction" in result.text


def test_agency_group_counts_as_agency_through_the_ontology(graph):
    towns = graph.value(predicate=LT.implements, object=TASK)
    graph.remove((towns, RDF.type, LT.Agency))  # typed only lt:AgencyGroup now
    assert validate(graph).conforms  # rdfs:subClassOf lt:Agency is read from lantian.ttl
    assert not validate(graph, with_ontology=False).conforms


def test_bundled_corpus_conforms_and_keeps_a_checkable_citation():
    from loaders.corpus import load_plans

    plans, errors = load_plans()
    assert plans and not errors
    graph = corpus_graph(plans)
    result = validate(graph)
    assert result.conforms, result.text[:2000]
    # the 武定县 seed is 武政通〔2019〕11号 and cites 云政发〔2018〕44号 in its first paragraph
    wuding = mint("plan", "楚雄州武定县", "武政通〔2019〕11号")
    assert (wuding, LT.derivesFrom, mint("plan", "云南省", "云政发〔2018〕44号")) in graph
    assert len(set(graph.subjects(RDF.type, LT.Task))) == sum(len(p.tasks) for p in plans)


LOAD = mint("plan", "白山市打赢蓝天保卫战实施方案", "load", "白山市", "白山市生态环境局")


def test_each_agencys_counts_in_the_plan_are_stated_once(graph):
    # 市生态环境局牵头 on task 1 (2. names no one): one task led, one accountable for, nothing supported
    assert (LOAD, LT.ofAgency, LEAD) in graph
    assert graph.value(LOAD, LT.tasksLedInPlan).toPython() == 1
    assert graph.value(LOAD, LT.tasksAccountableForInPlan).toPython() == 1
    assert graph.value(LOAD, LT.tasksSupportedInPlan) is None
    # 各县〔市、区〕政府负责落实 beside two units: it implements one task, and no task is left to collectives alone
    towns = mint("plan", "白山市打赢蓝天保卫战实施方案", "load", "白山市", "各县（市、区）人民政府")
    assert graph.value(towns, LT.tasksImplementedInPlan).toPython() == 1
    assert graph.value(towns, LT.tasksCollectiveOnlyInPlan) is None
    assert len(set(graph.subjects(RDF.type, LT.PlanLoad))) == 3


def test_plan_load_without_its_count_of_tasks(graph):
    graph.remove((LOAD, LT.tasksAccountableForInPlan, None))
    assert_violation(graph, "tasksAccountableForInPlan")


def test_plan_load_with_two_lead_counts(graph):
    graph.add((LOAD, LT.tasksLedInPlan, Literal(2)))
    assert_violation(graph, "tasksLedInPlan")
