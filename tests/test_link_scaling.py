"""The repeated corpus of bench/link.py: copies are distinct plans, and what linking finds across them (no timing)."""

import importlib.util
import sys
from pathlib import Path

import pytest

from kg.build import task_iris
from kg.linking import link_tasks
from loaders.corpus import load_plans

BENCH = Path(__file__).resolve().parent.parent / "bench" / "link.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_link", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


@pytest.fixture(scope="module")
def plans():
    plans, problems = load_plans([])
    assert not problems
    return plans


def by_file(corpus, copy, prefix):
    """The plan of `copy` (1 = the bundled file itself) whose file name starts with `prefix` (000 … 004)."""
    name = (
        (lambda f: f.startswith(prefix))
        if copy == 1
        else (lambda f: f.startswith(f"copy-{copy:03d}/{prefix}"))
    )
    (plan,) = [p for p in corpus if name(p.source_file)]
    return plan


def test_copies_are_distinct_plans_with_renamed_jurisdictions(bench, plans):
    corpus = bench.repeated_corpus(plans, 3)
    assert len(corpus) == 3 * len(plans)
    assert len({p.key for p in corpus}) == len(corpus)
    iris = [iri for p in corpus for iri in task_iris(p)]
    assert len(set(iris)) == len(iris)
    honghe = by_file(corpus, 2, "000")
    assert honghe.jurisdiction.name == "红河州2"
    assert honghe.jurisdiction.within.name == "云南省"  # the province is shared by every copy
    assert honghe.title.startswith("红河州2")
    wuding = by_file(corpus, 3, "002")
    assert wuding.doc_number == "武政通〔2019〕11-3号"
    assert (
        by_file(corpus, 1, "002").doc_number == "武政通〔2019〕11号"
    )  # copy 1 is the bundled plan untouched


def test_copies_are_deterministic_and_varied(bench, plans):
    first, again = bench.repeated_corpus(plans, 2, seed=7), bench.repeated_corpus(plans, 2, seed=7)
    other = bench.repeated_corpus(plans, 2, seed=8)
    texts = [t.text for t in by_file(first, 2, "001").tasks]
    assert texts == [t.text for t in by_file(again, 2, "001").tasks]
    assert texts != [t.text for t in by_file(other, 2, "001").tasks]
    original = [t.text for t in by_file(first, 1, "001").tasks]
    changed = [sum(a != b for a, b in zip(x, y, strict=True)) for x, y in zip(original, texts, strict=True)]
    assert all(0 < n <= bench.VARIED_CHARS for n in changed)  # 钦州市 names no place of its own in its tasks


def test_a_task_recurs_in_every_copy(bench, plans):
    corpus = bench.repeated_corpus(plans, 2)
    links = link_tasks(corpus)
    linked = {frozenset((link.source, link.target)) for link in links}
    iris = {(p.source_file, i): iri for p in corpus for i, iri in enumerate(task_iris(p))}
    where = {iri: key for key, iri in iris.items()}
    text = {iri: p.tasks[i].text for p in corpus for i, iri in enumerate(task_iris(p))}
    # 燃煤小锅炉淘汰: the counterpart pair of 红河 (000) and 武定 (002) in the bundled plans (see test_linking.py)
    (boiler,) = [
        link
        for link in links
        if {where[link.source][0][:3], where[link.target][0][:3]} == {"000", "002"}
        and all("燃煤小锅炉" in text[x] for x in (link.source, link.target))
    ]
    honghe_1, wuding_1 = sorted((boiler.source, boiler.target), key=lambda x: where[x][0])
    honghe_2 = iris[("copy-002/" + where[honghe_1][0], where[honghe_1][1])]
    wuding_2 = iris[("copy-002/" + where[wuding_1][0], where[wuding_1][1])]
    assert "红河州2" in str(honghe_2)
    assert frozenset((honghe_1, honghe_2)) in linked  # its own copy in the other copy
    assert frozenset((honghe_1, wuding_2)) in linked  # 武定's, in the other copy
    # (within copy 2 both texts are varied: 0.57 / 0.61, below the threshold: varied copies lose marginal pairs)


def test_enciphered_copies_link_only_within_themselves(bench, plans):
    once = link_tasks(plans)
    twice = link_tasks(bench.repeated_corpus(plans, 2, distinct=True))
    assert once
    assert len(twice) == 2 * len(once)
