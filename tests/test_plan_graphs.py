"""One named graph per plan: each triple in one graph, rebuilds that re-extract only changed plans, and
`kg build --update` replacing one plan's graph without touching the others."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.corpus import CROSS_PLAN_GRAPH, extracted_by_other_code, read_digests
from kg.statistics import STATISTICS_GRAPH
from kg.texts import task_texts

PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"
WUDING = "002_448f24fbce9855ca.txt"  # 武定县's plan
DROPPED_TASK = "2. 加大区域产业布局调整力度。"  # the line of a 武定县 task, dropped from the changed copy
DROPPED_TEXT = "加大区域产业布局调整力度"
QINZHOU = "001_526a4fb7784c0a71.txt"  # 钦州市's plan


def drop_task_and_update(plans, store) -> None:
    """Take the 武定 task DROPPED_TASK out of its plan file and `kg build --update` that file."""
    changed = plans / WUDING
    lines = changed.read_text(encoding="utf-8").splitlines(keepends=True)
    changed.write_text("".join(line for line in lines if not line.startswith(DROPPED_TASK)), encoding="utf-8")
    assert kg("build", "--update", str(changed), "--store", str(store)).exit_code == 0


def kg(*args: str):
    result = CliRunner().invoke(main, list(args))
    return result


def graphs(store: Path) -> dict[str, frozenset]:
    """Each named graph's triples (N-Triples lines), and the default graph's under ""."""
    db = ox.Store.read_only(str(store))
    found: dict[str, set] = {}
    for quad in db:
        name = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        found.setdefault(name, set()).add(str(quad.triple))
    return {name: frozenset(triples) for name, triples in found.items()}


def tasks_of(store: Path, plan_title_part: str) -> set[str]:
    db = ox.Store.read_only(str(store))
    rows = db.query(
        """PREFIX lt: <https://w3id.org/lantian/ontology#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?text WHERE { ?t lt:inPlan ?p ; lt:text ?text . ?p dcterms:title ?title .
                             FILTER CONTAINS(STR(?title), ?part) }""".replace(
            "?part", f'"{plan_title_part}"'
        ),
        use_default_graph_as_union=True,
    )
    return {row["text"].value for row in rows}


@pytest.fixture
def corpus(tmp_path) -> tuple[Path, Path]:
    """A copy of the bundled plans and a store built from it."""
    plans, store = tmp_path / "plans", tmp_path / "store"
    shutil.copytree(PLANS, plans)
    result = kg("build", str(plans), "--store", str(store))
    assert result.exit_code == 0, result.output
    return plans, store


def test_each_plan_has_a_graph_and_each_triple_one_graph(corpus):
    plans, store = corpus
    held = graphs(store)
    assert "" not in held  # nothing in the default graph
    assert CROSS_PLAN_GRAPH in held and STATISTICS_GRAPH in held
    plan_graphs = set(held) - {CROSS_PLAN_GRAPH, STATISTICS_GRAPH}
    assert len(plan_graphs) == len(list(plans.glob("*.txt"))) == 5
    assert all(name.endswith("/graph") for name in plan_graphs)
    everything = [t for triples in held.values() for t in triples]
    assert len(everything) == len(set(everything))
    # who leads a task is stated in the task's plan graph; the agency's name once, in the cross-plan graph
    leads = [name for name, triples in held.items() if any("#leads>" in t for t in triples)]
    assert CROSS_PLAN_GRAPH not in leads
    labels = [name for name, triples in held.items() if any('"红河州环境保护局"@zh' in t for t in triples)]
    assert labels == [CROSS_PLAN_GRAPH]


def test_a_rebuild_of_unchanged_plans_reads_none_of_them_again(corpus):
    plans, store = corpus
    before = graphs(store)
    result = kg("build", str(plans), "--store", str(store))
    assert result.exit_code == 0, result.output
    assert "5 plan(s), 0 extracted, 5 unchanged" in result.stdout
    assert "武定县打赢蓝天保卫战三年行动工作方案" in result.stdout  # the summary still lists every plan
    assert graphs(store) == before


def test_update_with_one_changed_plan_rewrites_only_its_graph(corpus):
    plans, store = corpus
    before = graphs(store)
    texts_before = task_texts(store)
    wuding_tasks = tasks_of(store, "武定县")
    assert any(DROPPED_TEXT in text for text in wuding_tasks)
    changed = plans / WUDING
    lines = changed.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(DROPPED_TASK)]
    assert len(kept) == len(lines) - 1
    changed.write_text("".join(kept), encoding="utf-8")

    result = kg("build", "--update", str(changed), "--store", str(store))
    assert result.exit_code == 0, result.output
    assert "5 plan(s), 1 extracted, 0 unchanged, 4 other(s) kept" in result.stdout
    after = graphs(store)
    wuding_graph = next(d.graph for d in read_digests(store).values() if d.source.endswith(WUDING))
    assert set(after) == set(before)
    assert {g: t for g, t in after.items() if g not in (wuding_graph, CROSS_PLAN_GRAPH, STATISTICS_GRAPH)} == {
        g: t for g, t in before.items() if g not in (wuding_graph, CROSS_PLAN_GRAPH, STATISTICS_GRAPH)
    }
    assert len(after[wuding_graph]) < len(before[wuding_graph])
    now = tasks_of(store, "武定县")
    assert len(now) == len(wuding_tasks) - 1
    assert not any(DROPPED_TEXT in text for text in now)
    # the task text table lists the tasks of the store now: the dropped one is gone
    assert len(task_texts(store)) == len(texts_before) - 1
    assert set(task_texts(store).pairs) < set(texts_before.pairs)
    # the patched cross-plan graph says what a full build's says of agencies, places, citations, succession
    full = plans.parent / "full"
    assert kg("build", str(plans), "--store", str(full)).exit_code == 0
    assert without_lineage(graphs(full)[CROSS_PLAN_GRAPH]) == without_lineage(after[CROSS_PLAN_GRAPH])
    assert {g: t for g, t in graphs(full).items() if g != CROSS_PLAN_GRAPH} == {
        g: t for g, t in after.items() if g != CROSS_PLAN_GRAPH
    }


def without_lineage(triples: frozenset) -> set:
    return {t for t in triples if "/link/" not in t and "#counterpartOf>" not in t and "/task/" not in t}


def test_update_adds_a_new_plan_and_keeps_the_rest(corpus, tmp_path):
    _, store = corpus
    new = tmp_path / "new" / "示例县方案.txt"
    new.parent.mkdir()
    new.write_text(
        "示例县打赢蓝天保卫战实施方案\n\n一、重点任务\n\n"
        "（一）淘汰燃煤小锅炉。2019年底前，全县淘汰每小时10蒸吨以下燃煤锅炉。（县生态环境局牵头，县市场监管局参与）\n",
        encoding="utf-8",
    )
    result = kg("build", "--update", str(new), "--store", str(store))
    assert result.exit_code == 0, result.output
    assert "6 plan(s), 1 extracted, 0 unchanged, 5 other(s) kept" in result.stdout
    assert len(set(graphs(store)) - {CROSS_PLAN_GRAPH, STATISTICS_GRAPH}) == 6
    assert any("燃煤锅炉" in text for text in tasks_of(store, "示例县"))
    assert tasks_of(store, "钦州市")  # still there


def test_update_warns_of_kept_plans_extracted_by_other_code(corpus, tmp_path):
    plans, store = corpus
    update = ("build", "--update", str(plans / WUDING), "--store", str(store))
    result = kg(*update)
    assert result.exit_code == 0 and "another version of the extraction code" not in result.output
    # 钦州市's plan as an earlier version of Lantian left it: extracted by other code
    (ledger,) = [p for p in (store / "lantian-plans").glob("*.json") if QINZHOU in p.read_text(encoding="utf-8")]
    digest = json.loads(ledger.read_text(encoding="utf-8"))
    digest["extraction"], digest["fingerprint"] = "an-earlier-version", "of the file and the earlier code"
    ledger.write_text(json.dumps(digest, ensure_ascii=False), encoding="utf-8")
    result = kg(*update)
    assert result.exit_code == 0, result.output
    assert "1 plan(s) kept in the store were extracted by another version of the extraction code" in result.output
    assert tasks_of(store, "钦州市")  # kept as it is
    full = kg("build", str(plans), "--store", str(store))  # a full build extracts it again
    assert "5 plan(s), 1 extracted, 4 unchanged" in full.output
    assert "another version of the extraction code" not in full.output


def test_a_store_built_by_other_extraction_code_is_told_apart(corpus):
    # what `kg serve` warns of: a store an earlier version of Lantian built
    plans, store = corpus
    assert not extracted_by_other_code(store)
    for ledger in (store / "lantian-plans").glob("*.json"):
        digest = json.loads(ledger.read_text(encoding="utf-8"))
        digest["extraction"], digest["fingerprint"] = "an-earlier-version", "of the file and the earlier code"
        ledger.write_text(json.dumps(digest, ensure_ascii=False), encoding="utf-8")
    assert extracted_by_other_code(store)
    assert kg("build", str(plans), "--store", str(store)).exit_code == 0
    assert not extracted_by_other_code(store)


def test_a_build_of_fewer_plans_removes_the_others_and_what_only_they_named(corpus):
    plans, store = corpus
    assert any('"钦州市环境保护局"@zh' in t for t in graphs(store)[CROSS_PLAN_GRAPH])
    result = kg("build", str(plans / WUDING), "--store", str(store))
    assert result.exit_code == 0, result.output
    assert "1 plan(s), 0 extracted, 1 unchanged, 4 removed" in result.stdout
    held = graphs(store)
    assert len(set(held) - {CROSS_PLAN_GRAPH, STATISTICS_GRAPH}) == 1
    assert not tasks_of(store, "钦州市")
    assert not any('"钦州市环境保护局"@zh' in t for t in held[CROSS_PLAN_GRAPH])


def test_a_failed_update_leaves_the_store_as_it_was(corpus, tmp_path):
    _, store = corpus
    before = graphs(store)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = kg("build", "--update", str(empty), "--store", str(store))
    assert result.exit_code == 1
    assert str(empty) in result.stderr
    assert graphs(store) == before


def test_the_same_plan_from_two_files_is_loaded_once_with_a_warning(corpus, tmp_path):
    plans, store = corpus
    copy = tmp_path / "again" / "copy-of-qinzhou.txt"
    copy.parent.mkdir()
    shutil.copy(plans / QINZHOU, copy)
    result = kg("build", str(plans), str(copy), "--store", str(store))
    assert result.exit_code == 0, result.output
    assert "copy-of-qinzhou.txt" in result.stderr and "which it replaces" in result.stderr
    assert len(set(graphs(store)) - {CROSS_PLAN_GRAPH, STATISTICS_GRAPH}) == 5
    assert len(read_digests(store)) == 5


def long_build(plans: Path, store: Path, tmp_path: Path) -> tuple[subprocess.Popen, str]:
    """A `kg build` of 40 copies of the plans into `store`, returned once it is writing its new folder (so it is
    still running when a test kills it), with the glob of that folder's name."""
    many = tmp_path / "many"
    for n in range(40):
        shutil.copytree(plans, many / f"copy-{n}")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("kg")), "build", str(many), "--store", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    building = f".{store.name}.building-*"
    while not list(store.parent.glob(building)) and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None, "the build ended before it could be killed"
    return process, building


def test_a_killed_build_leaves_the_old_store_and_no_half_written_one(corpus, tmp_path):
    plans, store = corpus
    before = graphs(store)
    process, building = long_build(plans, store, tmp_path)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    assert not list(store.parent.glob(building))
    assert graphs(store) == before


def counterparts(store: Path) -> set[tuple[str, str]]:
    db = ox.Store.read_only(str(store))
    rows = db.query(
        "SELECT ?a ?b WHERE { ?a <https://w3id.org/lantian/ontology#counterpartOf> ?b }",
        use_default_graph_as_union=True,
    )
    return {(row["a"].value, row["b"].value) for row in rows}


def test_update_links_the_new_plans_tasks_and_keeps_the_others_links(corpus, tmp_path):
    plans, store = corpus
    before = counterparts(store)
    assert before  # the bundled plans share measures
    # a new county plan whose one task repeats 武定县's 燃煤锅炉 paragraph word for word
    wuding_line = next(
        line
        for line in (plans / WUDING).read_text(encoding="utf-8").splitlines()
        if line.startswith("1. 开展燃煤锅炉综合整治")
    )
    new = tmp_path / "new" / "示例县方案.txt"
    new.parent.mkdir()
    new.write_text(f"示例县打赢蓝天保卫战实施方案\n\n一、重点任务\n\n{wuding_line}\n", encoding="utf-8")

    result = kg("build", "--update", str(new), "--store", str(store))
    assert result.exit_code == 0, result.output
    after = counterparts(store)
    assert before <= after  # the links between the bundled plans are kept
    added = after - before
    assert added and all("示例县" in a or "示例县" in b for a, b in added)
    wuding_task = next(iter(tasks_of_iri(store, "开展燃煤锅炉综合整治", "武定县")))
    new_task = next(iter(tasks_of_iri(store, "开展燃煤锅炉综合整治", "示例县")))
    assert (new_task, wuding_task) in after and (wuding_task, new_task) in after
    # a full build of the same plans finds that link too
    full = tmp_path / "full"
    assert kg("build", str(plans), str(new), "--store", str(full)).exit_code == 0
    assert (new_task, wuding_task) in counterparts(full)


def tasks_of_iri(store: Path, text_part: str, plan_title_part: str) -> set[str]:
    db = ox.Store.read_only(str(store))
    rows = db.query(
        f"""PREFIX lt: <https://w3id.org/lantian/ontology#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?t WHERE {{ ?t lt:inPlan ?p ; lt:text ?text . ?p dcterms:title ?title .
            FILTER(CONTAINS(?text, "{text_part}") && CONTAINS(STR(?title), "{plan_title_part}")) }}""",
        use_default_graph_as_union=True,
    )
    return {row["t"].value for row in rows}


ROLE_COUNTS = """PREFIX lt: <https://w3id.org/lantian/ontology#>
SELECT ?a ?role ?n WHERE {
  VALUES (?role ?count) { (lt:leads lt:tasksLed) (lt:supports lt:tasksSupported)
    (lt:implements lt:tasksImplemented) (lt:responsibleFor lt:tasksResponsibleFor)
    (lt:accountableFor lt:tasksAccountableFor) }
  %s
}"""


def role_counts(store: Path, counted: bool) -> dict[tuple[str, str], int]:
    """Each (agency, role)'s number of tasks: as the builder states it, or counted from the role triples."""
    pattern = (
        "{ SELECT ?a ?role (COUNT(DISTINCT ?t) AS ?n) WHERE { ?a ?role ?t } GROUP BY ?a ?role }"
        if counted
        else "?a ?count ?n ."
    )
    db = ox.Store.read_only(str(store))
    rows = db.query(ROLE_COUNTS % pattern, use_default_graph_as_union=True)
    return {(r["a"].value, r["role"].value): int(r["n"].value) for r in rows}


def test_each_agencys_task_counts_are_stated_and_kept_current_by_update(corpus):
    plans, store = corpus
    stated = role_counts(store, counted=False)
    assert stated == role_counts(store, counted=True)
    assert len({agency for agency, _ in stated}) > 100
    # the task dropped from 武定县's plan below names its agencies (县工信商务科技局 … 等按照职责负责): each holds
    # one task fewer in that role after --update
    db = ox.Store.read_only(str(store))
    holders = {
        (r["a"].value, r["role"].value)
        for r in db.query(
            f"""PREFIX lt: <https://w3id.org/lantian/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/>
            SELECT ?a ?role WHERE {{ ?a ?role ?t . ?t lt:text ?text ; lt:inPlan/dcterms:title ?title .
                FILTER(CONTAINS(STR(?text), "{DROPPED_TEXT}") && CONTAINS(STR(?title), "武定县")) }}""",
            use_default_graph_as_union=True,
        )
    }
    assert "https://w3id.org/lantian/ontology#responsibleFor" in {role for _, role in holders}
    del db
    drop_task_and_update(plans, store)
    after = role_counts(store, counted=False)
    assert after == role_counts(store, counted=True)
    for held in holders:
        assert after.get(held, 0) == stated[held] - 1


PLAN_COUNTS = """PREFIX lt: <https://w3id.org/lantian/ontology#>
SELECT ?a ?p ?role ?n WHERE {
  VALUES (?role ?count) { (lt:leads lt:tasksLedInPlan) (lt:supports lt:tasksSupportedInPlan)
    (lt:implements lt:tasksImplementedInPlan) (lt:responsibleFor lt:tasksResponsibleForInPlan)
    (lt:accountableFor lt:tasksAccountableForInPlan) (lt:AgencyGroup lt:tasksCollectiveOnlyInPlan) }
  %s
}"""
COUNTED_PLAN_COUNTS = """{ SELECT ?a ?p ?role (COUNT(DISTINCT ?t) AS ?n) WHERE { ?a ?role ?t . ?t lt:inPlan ?p }
    GROUP BY ?a ?p ?role }
  UNION
  { SELECT ?a ?p (lt:AgencyGroup AS ?role) (COUNT(DISTINCT ?t) AS ?n) WHERE {
      ?a a lt:AgencyGroup ; lt:accountableFor ?t . ?t lt:inPlan ?p .
      FILTER NOT EXISTS { ?unit lt:accountableFor ?t . FILTER NOT EXISTS { ?unit a lt:AgencyGroup } } }
    GROUP BY ?a ?p }"""
STATED_PLAN_COUNTS = "GRAPH ?graph { ?load lt:ofAgency ?a ; lt:ofPlan ?p ; ?count ?n }"


def plan_counts(store: Path, counted: bool) -> dict[tuple[str, str, str], int]:
    """Each (agency, plan, role)'s number of tasks in that plan (role lt:AgencyGroup: the tasks only collectives
    are accountable for): as the builder states them (checking each is in its plan's graph), or counted from
    the role triples."""
    db = ox.Store.read_only(str(store))
    pattern = COUNTED_PLAN_COUNTS if counted else STATED_PLAN_COUNTS
    rows = list(
        db.query(
            PLAN_COUNTS.replace("?n WHERE", "?n ?graph WHERE") % pattern, use_default_graph_as_union=True
        )
    )
    if not counted:
        assert all(r["graph"].value == f"{r['p'].value}/graph" for r in rows)
    return {(r["a"].value, r["p"].value, r["role"].value): int(r["n"].value) for r in rows}


def test_each_agencys_task_counts_per_plan_are_stated_in_the_plans_graph_and_replaced_with_it(corpus):
    plans, store = corpus
    stated = plan_counts(store, counted=False)
    assert stated == plan_counts(store, counted=True)
    assert len({plan for _, plan, _ in stated}) == 5
    # 朔州's "县〔市、区〕政府负责落实" names its counties' governments alone on some tasks: a collective-only count
    shuozhou_collective = [
        n for (a, p, role), n in stated.items() if role.endswith("#AgencyGroup") and "朔州市" in a
    ]
    assert shuozhou_collective and all(n > 0 for n in shuozhou_collective)
    # the task dropped from 武定县's plan below names 县工信商务科技局 … 等按照职责负责: after --update each of them is
    # responsible for one task fewer in that plan, and no other plan's counts change
    db = ox.Store.read_only(str(store))
    holders = {
        (r["a"].value, r["p"].value)
        for r in db.query(
            f"""PREFIX lt: <https://w3id.org/lantian/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/>
            SELECT ?a ?p WHERE {{ ?a lt:responsibleFor ?t . ?t lt:text ?text ; lt:inPlan ?p .
                ?p dcterms:title ?title .
                FILTER(CONTAINS(STR(?text), "{DROPPED_TEXT}") && CONTAINS(STR(?title), "武定县")) }}""",
            use_default_graph_as_union=True,
        )
    }
    assert len(holders) == 4  # 县工信商务科技局、县发展改革局、县住房城乡建设局、州生态环境局武定分局
    del db
    wuding = next(iter(holders))[1]
    drop_task_and_update(plans, store)
    after = plan_counts(store, counted=False)
    assert after == plan_counts(store, counted=True)
    assert {k: n for k, n in after.items() if k[1] != wuding} == {
        k: n for k, n in stated.items() if k[1] != wuding
    }
    for agency, plan in holders:
        for role in ("responsibleFor", "accountableFor"):
            key = (agency, plan, f"https://w3id.org/lantian/ontology#{role}")
            assert after.get(key, 0) == stated[key] - 1


def test_the_next_build_clears_what_a_build_killed_outright_left(corpus, tmp_path):
    plans, store = corpus
    before = graphs(store)
    process, building = long_build(plans, store, tmp_path)
    process.kill()  # SIGKILL: no handler runs, the half-written folder stays
    process.wait(timeout=60)
    assert list(store.parent.glob(building))
    assert graphs(store) == before  # the live store was never touched
    result = kg("build", "--update", str(plans / WUDING), "--store", str(store))
    assert result.exit_code == 0, result.output
    assert not list(store.parent.glob(building))
    assert graphs(store) == before
