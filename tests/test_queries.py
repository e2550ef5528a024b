"""The canned queries (queries/*.rq) against the built bundled corpus, checked on facts in data/plans/."""

from __future__ import annotations

import re

import pytest
from helpers import ask, parts_sorted

from kg.store import canned_queries, canned_queries_dir, page_parameters
from loaders.corpus import bundled_plans_dir


def test_every_canned_query_documents_itself():
    queries = canned_queries()
    assert {q.name for q in queries} >= {
        "agency-tasks",
        "task-accountability",
        "tasks-due-before",
        "plan-derivation-chain",
        "agencies-by-tasks",
    }
    for query in queries:
        assert query.title and query.description, query.name
        body = "\n".join(line for line in query.sparql.splitlines() if not line.lstrip().startswith("#"))
        paging = page_parameters(query.sparql)  # limit, offset: written into a "# page:" line
        for param in query.params:
            assert param.name in paging or re.search(rf"\?{param.name}\b", body), (query.name, param.name)


@pytest.mark.parametrize("path", sorted(canned_queries_dir().glob("*.rq")), ids=lambda p: p.stem)
def test_every_canned_query_runs_with_its_defaults(built_store, path):
    assert ask(built_store, str(path)), f"{path.name} returned no rows on the bundled corpus"


def test_agency_tasks_of_honghe_environment_bureau(built_store):
    rows = ask(built_store, "agency-tasks")  # default: 红河州环境保护局
    assert {row["plan"] for row in rows} == {"红河州打赢蓝天保卫战三年行动计划实施方案"}
    by_role = {(row["role"], row["excerpt"][:8]) for row in rows}
    # 责任清单 row 1: 完成生态保护红线… — 州环境保护局牵头
    assert ("leads", "完成生态保护红线") in by_role
    # 严格执行钢铁、水泥、平板玻璃等行业产能置换… — 州工业信息化委、州发改委牵头；州财政局、州环境保护局…参与
    assert ("supports", "严格执行钢铁、水") in by_role


def test_agency_tasks_by_a_surface_form_finds_the_same_agency(built_store):
    canonical = ask(built_store, "agency-tasks", agency="红河州环境保护局")
    surface = ask(built_store, "agency-tasks", agency="州环保局")  # written so once in the 责任清单
    assert {row["agencyName"] for row in surface} == {"红河州环境保护局"}
    assert {row["task"] for row in surface} == {row["task"] for row in canonical}


def test_a_name_parameter_is_bound_as_the_zh_literal_and_the_plain_one():
    from kg.store import bind_parameters, read_canned_query

    saved = read_canned_query(canned_queries_dir() / "agency-tasks.rq")
    bound = bind_parameters(saved.sparql, saved.values({"agency": "州环保局"}))
    assert 'VALUES ?agency { "州环保局"@zh "州环保局" }' in bound
    overdue = read_canned_query(canned_queries_dir() / "overdue.rq")  # no forms line: one plain term
    assert 'VALUES ?plan { "钦州" }' in bind_parameters(overdue.sparql, {"plan": "钦州"})


def test_everyone_accountable_for_the_coal_ban_zone_tasks(built_store):
    from loaders.plan import load_plan

    rows = ask(built_store, "task-accountability", words="禁煤区", plan="朔州")
    roles = {(row["agency"], row["role"]) for row in rows}
    # 8.强化“禁煤区”建设 …(市生态环境局牵头…) … 严格落实散煤禁烧规定 …(市市场监管局牵头,市能源局、市生态环境局配合…)
    assert {
        ("朔州市生态环境局", "leads"),
        ("朔州市市场监督管理局", "leads"),
        ("朔州市能源局", "supports"),
    } <= roles
    text = load_plan(bundled_plans_dir() / "004_c2e20ee12937030d.txt").text
    for row in rows:  # the evidence offsets point at the agency as written
        assert text[int(row["start"]) : int(row["end"])] == row["surfaceForm"]


def test_tasks_due_before_a_date_and_their_leads(built_store):
    rows = ask(built_store, "tasks-due-before")  # default 2019-12-31
    assert rows and all(row["due"] < "2019-12-31" for row in rows)
    spring_2020 = ask(built_store, "tasks-due-before", before="2020-04-01")
    # 朔州: 2020年3月30日前 … 完成辖区内散煤使用情况的入户调查 …(市能源局牵头…)
    assert any(
        row["due"] == "2020-03-30" and "朔州" in row["plan"] and "朔州市能源局" in row["leads"]
        for row in spring_2020
    )
    assert len(spring_2020) > len(rows)


def test_wuding_plan_derives_from_the_national_plan(built_store):
    rows = ask(built_store, "plan-derivation-chain")  # default 武定县
    by_number = {row["docNumber"]: row for row in rows}
    # 武定: 依据 国发〔2018〕22号、云政发〔2018〕44号 和 楚政通〔2018〕41号
    assert {"国发〔2018〕22号", "云政发〔2018〕44号", "楚政通〔2018〕41号"} <= set(by_number)
    national = by_number["国发〔2018〕22号"]
    assert national["level"] == "nation"
    assert int(national["depth"]) == max(int(row["depth"]) for row in rows)


def test_agencies_by_tasks_led_agrees_with_the_agency_tasks_query(built_store):
    ranking = ask(built_store, "agencies-by-tasks")
    counts = [int(row["tasks"]) for row in ranking]
    assert counts == sorted(counts, reverse=True)
    honghe = next(row for row in ranking if row["agency"] == "红河州环境保护局")
    led = {row["task"] for row in ask(built_store, "agency-tasks") if row["role"] == "leads"}
    assert int(honghe["tasks"]) == len(led)
    supporting = ask(built_store, "agencies-by-tasks", role="supports")
    assert {row["agency"] for row in supporting} != {row["agency"] for row in ranking}


def test_a_word_search_finds_the_same_tasks_through_the_task_text_table_as_by_scanning(built_store, tmp_path):
    from kg.store import bind_parameters, read_canned_query
    from kg.texts import TaskTexts, task_texts

    texts = task_texts(built_store)
    tasks = ask(
        built_store, "SELECT (COUNT(?t) AS ?n) WHERE { ?t a <https://w3id.org/lantian/ontology#Task> }"
    )
    assert len(texts) == int(tasks[0]["n"])  # kg build listed every task
    saved = read_canned_query(canned_queries_dir() / "tasks-containing.rq")
    # 钦州's plan: "加强各类堆场扬尘治理。" — a task of its section 二.(四).2
    rows = ask(built_store, "tasks-containing", words="扬尘")
    assert any(r["section"] == "二.(四).2" and r["excerpt"].startswith("加强各类堆场扬尘治理") for r in rows)
    with_table = bind_parameters(saved.sparql, saved.values({"words": "扬尘"}), texts)
    assert "VALUES ?task {" in with_table
    plain = bind_parameters(saved.sparql, saved.values({"words": "扬尘"}))
    assert "VALUES ?task" not in plain
    query_file = tmp_path / "plain.rq"
    query_file.write_text(plain, encoding="utf-8")
    scanned = ask(built_store, str(query_file))
    assert scanned == rows and len(rows) == len(texts.containing("扬尘"))
    # the table is what narrows the query: an empty table finds nothing, whatever the graph holds
    assert "VALUES ?task {  }" in bind_parameters(saved.sparql, {"words": "扬尘"}, TaskTexts([]))


def test_write_store_keeps_a_task_text_table_too(tmp_path):
    from rdflib import Graph, Literal, URIRef

    from kg.namespaces import LT
    from kg.store import write_store
    from kg.texts import task_texts

    graph = Graph()
    graph.add((URIRef("https://example.org/t1"), LT.text, Literal("加强施工扬尘\n管控")))
    graph.add((URIRef("https://example.org/t2"), LT.text, Literal("淘汰燃煤小锅炉")))
    write_store(tmp_path / "store", graph)
    texts = task_texts(tmp_path / "store")
    assert texts.containing("扬尘 管控") == ["https://example.org/t1"]
    assert texts.containing("燃煤") == ["https://example.org/t2"]
    assert texts.orders == {}  # the table states order numbers: these texts' tasks are in no plan, so none


def test_the_task_text_table_states_each_tasks_order_as_the_store_does(built_store, tmp_path):
    from kg.store import bind_parameters, read_canned_query
    from kg.texts import TASK_TEXTS, task_texts

    texts = task_texts(built_store)
    stated = ask(built_store, "SELECT ?t ?o WHERE { ?t <https://w3id.org/lantian/ontology#taskOrder> ?o }")
    assert texts.orders == {row["t"]: [int(row["o"])] for row in stated} and len(stated) > 200
    # a candidates' row with their numbers, in the order's order, for a query naming ?order in "# search:"
    row = texts.values_row("扬尘", "task", "order")
    numbers = [int(n) for n in re.findall(r"> (\d+)\)", row)]
    assert numbers == sorted(numbers) and len(numbers) == len(texts.containing("扬尘"))
    # a table written before the order column (IRI, text) is read too, and states no order: a page then
    # looks each candidate's order up
    old = tmp_path / "old"
    old.mkdir()
    lines = (built_store / TASK_TEXTS).read_text("utf-8").splitlines()
    (old / TASK_TEXTS).write_text(
        "".join(f"{i}\t{t}\n" for i, _, t in (ln.split("\t") for ln in lines)), "utf-8"
    )
    older = task_texts(old)
    assert older.orders is None and older.containing("扬尘") == texts.containing("扬尘")
    query = read_canned_query(canned_queries_dir() / "task-accountability.rq")
    page = bind_parameters(query.sparql, query.values({"words": "扬尘", "limit": "10"}), older)
    assert "VALUES ?task { <" in page and "?task lt:taskOrder ?order" in page


# --- pages: limit and offset ---------------------------------------------------------------------------


def test_a_page_line_takes_limit_and_offset_and_a_sub_select_sees_the_parameters_it_uses():
    from kg.store import bind_parameters

    sparql = (
        "SELECT ?a ?n WHERE {\n  { SELECT ?a ?n WHERE { ?a ?p ?n FILTER(?p = ?role) } ORDER BY DESC(?n)\n"
        "    # page: LIMIT ?limit OFFSET ?offset\n  }\n  OPTIONAL { ?a ?q ?x FILTER(?x != ?other) }\n}"
    )
    assert page_parameters(sparql) == {"limit", "offset"}
    bound = bind_parameters(sparql, {"limit": "20", "offset": "40", "role": "<urn:r>", "other": "1"})
    assert "LIMIT 20 OFFSET 40" in bound and "# page" not in bound
    assert "VALUES ?limit" not in bound and "VALUES ?offset" not in bound
    inner = bound[bound.index("{ SELECT") : bound.index("ORDER BY")]
    assert "VALUES ?role { <urn:r> }" in inner  # inside the sub-SELECT that uses it
    assert "VALUES ?other" not in inner  # not inside one that does not
    assert (
        bound.count("VALUES ?role") == 1
    )  # once: the query's own WHERE does not use it outside the sub-SELECT
    only_limit = bind_parameters(sparql, {"limit": "5"})
    assert "LIMIT 5" in only_limit and "OFFSET" not in only_limit.replace("?offset", "")
    assert "# page: LIMIT ?limit" in bind_parameters(sparql, {"role": "<urn:r>"})  # no page given: every row
    with pytest.raises(ValueError, match="limit must be a whole number"):
        bind_parameters(sparql, {"limit": "ten"})


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("agencies-by-tasks", {}),
        ("agencies-by-tasks", {"role": "supports"}),
        ("tasks-containing", {"words": "扬尘"}),
    ],
)
def test_pages_of_a_ranking_make_up_the_whole_answer(built_store, name, params):
    whole = ask(built_store, name, **params)
    assert len(whole) > 12
    pages = [
        ask(built_store, name, **params, limit="5", offset=str(offset))
        for offset in range(0, len(whole) + 5, 5)
    ]
    sizes = [len(page) for page in pages]  # full pages, then the rest, then empty ones
    assert sizes == sorted(sizes, reverse=True) and max(sizes) == 5 and sum(sizes) == len(whole)
    paged = sorted(tuple(sorted(r.items())) for page in pages for r in page)
    assert paged == sorted(tuple(sorted(r.items())) for r in whole)  # the same rows, whatever the order
    if name == "agencies-by-tasks":  # most tasks first, across pages too
        counts = [int(r["tasks"]) for p in pages for r in p]
        assert counts == sorted(counts, reverse=True) and counts[0] == max(int(r["tasks"]) for r in whole)


@pytest.mark.parametrize(
    "name", [q.stem for q in sorted(canned_queries_dir().glob("*.rq")) if "# given plan:" in q.read_text("utf-8")]
)
def test_a_plan_filters_given_lines_keep_the_rows_the_filter_gives(store_of_bundled_plans, name):
    """`# given plan:` lines (made code when `plan` is given) start the query from the plans whose title or 文号
    holds the words: the same rows as the query's own FILTER … EXISTS, which checks every row."""
    from kg.store import bind_parameters, read_canned_query, run_query

    def rows(sparql: str) -> list[tuple]:
        found = run_query(store_of_bundled_plans, sparql)
        return sorted(parts_sorted([tuple(t.value if t else None for t in row) for row in found]), key=repr)

    query = read_canned_query(canned_queries_dir() / f"{name}.rq")
    # every deadline (due before 2030, or due soon from 2010 on): the words alone choose the rows
    names = {p.name for p in query.params}
    dates = {"as_of": "2010-01-01", "days": "5000"} if "days" in names else {"as_of": "2030-01-01"}
    found = 0
    for words in ("红河", "钦政办", "行动计划", "武定县", "朔州", "不是任何方案"):
        values = query.values({"plan": words} | {name: dates[name] for name in names & set(dates)})
        faster = bind_parameters(query.sparql, values)
        assert "# given plan:" not in faster and "?givenPlan a lt:Plan" in faster
        plain = bind_parameters(re.sub(r"(?m)^[ \t]*# given plan:.*\n", "", query.sparql), values)
        answer = rows(faster)
        assert answer == rows(plain), words
        found += len(answer)
    assert found  # some of the words name plans with such rows


@pytest.fixture(scope="module")
def store_of_bundled_plans(built_store):
    import pyoxigraph as ox

    store = ox.Store.read_only(str(built_store))
    yield store
    del store
