"""`kg build --update` gives the store a full build of the same files gives: every graph (the plans', the
cross-plan graph with its lineage, the statistics) quad for quad, whether the update replaces a plan whose
deadlines and agencies changed or adds a plan, patches a store an earlier update patched, or patches a store
whose lists beside the database an older version wrote (the lineage listed with the rest, no links list)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.corpus import CROSS_PLAN_LIST, LEDGER, build_store
from kg.linking import LINKS_LIST, TASKS_LIST, link_triples, parse_link_line
from kg.statistics import PLAN_ROWS_LIST
from loaders.corpus import bundled_plans_dir, discover

QINZHOU = "001_526a4fb7784c0a71.txt"  # 钦州市's plan
NEW_PLAN = """示例县打赢蓝天保卫战实施方案

一、重点任务

（一）淘汰燃煤小锅炉。2019年底前，全县淘汰每小时10蒸吨以下燃煤锅炉。（县生态环境局牵头，县市场监管局参与）

（二）加大区域产业布局调整力度。加快城市建成区重污染企业搬迁改造或关闭退出。推动一批水泥、平板玻璃、焦化、化工等重污染企业搬迁。优化钢铁工业布局。2020年底前完成。（县工信局牵头）
"""


def quads(store_dir: Path) -> set[str]:
    store = ox.Store.read_only(str(store_dir))
    try:
        return {str(quad) for quad in store}
    finally:
        del store


@pytest.fixture
def plans(tmp_path) -> tuple[Path, list[Path]]:
    folder = tmp_path / "plans"
    shutil.copytree(bundled_plans_dir(), folder)
    files, _ = discover([folder])
    build_store(tmp_path / "store", files, workers=1)
    return folder, files


def change_deadlines_and_agencies(plan: Path) -> None:
    text = plan.read_text(encoding="utf-8")
    edited = text.replace("2019年12月底前", "2018年6月底前", 1).replace(
        "（牵头单位：市发改委；责任单位：市工信委、市国土资源局、市环保局",
        "（牵头单位：市科技局、市气象局；责任单位：市国土资源局",
        1,
    )
    assert edited.count("市气象局") > text.count("市气象局") and "2018年6月底前" in edited
    plan.write_text(edited, encoding="utf-8")


def assert_as_full_build(
    tmp_path: Path, store: Path, files: list[Path], lists: tuple[str, ...] = (LINKS_LIST, TASKS_LIST)
) -> None:
    full = tmp_path / "full"
    shutil.rmtree(full, ignore_errors=True)
    build_store(full, files, workers=1)
    assert quads(store) == quads(full)
    for listed in lists:  # the lists the next update reads: the same lines
        lines = [
            sorted((at / LEDGER / listed).read_text(encoding="utf-8").splitlines()) for at in (store, full)
        ]
        assert lines[0] == lines[1]


def test_update_of_a_plan_whose_deadlines_and_agencies_changed_is_a_full_build(plans, tmp_path):
    folder, files = plans
    before = quads(tmp_path / "store")
    change_deadlines_and_agencies(folder / QINZHOU)
    build_store(tmp_path / "store", [folder / QINZHOU], update=True, workers=1)
    assert quads(tmp_path / "store") != before
    assert_as_full_build(tmp_path, tmp_path / "store", files)


def test_update_adding_a_plan_then_changing_another_is_a_full_build(plans, tmp_path):
    folder, files = plans
    new = folder / "900_new.txt"
    new.write_text(NEW_PLAN, encoding="utf-8")
    build_store(tmp_path / "store", [new], update=True, workers=1)
    assert_as_full_build(tmp_path, tmp_path / "store", [*files, new])
    change_deadlines_and_agencies(folder / QINZHOU)  # a second update, on the lists the first one wrote
    build_store(tmp_path / "store", [folder / QINZHOU], update=True, workers=1)
    assert_as_full_build(tmp_path, tmp_path / "store", [*files, new])


def test_update_of_a_store_listed_by_the_older_version_is_a_full_build(plans, tmp_path):
    folder, files = plans
    ledger = tmp_path / "store" / LEDGER
    # as the older version left it: lineage listed with the rest of the cross-plan graph, no other list
    listed = (ledger / LINKS_LIST).read_text(encoding="utf-8").splitlines(True)
    links = [parse_link_line(line) for line in listed]
    assert links
    with (ledger / CROSS_PLAN_LIST).open("a", encoding="utf-8") as listed:
        listed.writelines(f"{ox.Triple(*triple)} .\n" for triple in link_triples(links))
    for name in (LINKS_LIST, TASKS_LIST, PLAN_ROWS_LIST):
        (ledger / name).unlink()
    change_deadlines_and_agencies(folder / QINZHOU)
    build_store(tmp_path / "store", [folder / QINZHOU], update=True, workers=1)
    # the tasks' floors the older version did not note stay unknown (each task with fewer counterparts than
    # COUNTERPARTS is taken to have room for more: all of them, in so small a corpus)
    assert_as_full_build(tmp_path, tmp_path / "store", files, lists=(LINKS_LIST,))
