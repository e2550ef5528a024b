"""Search as an auditor types it (web.search through the explorer): several words that must all hold, places
and plans that narrow, agencies by their abbreviations and their successors, Traditional input.

Facts asserted here can be checked in data/plans/: 红河州's plan has two measures on 扬尘 (抑制季节性
裸地农田扬尘; 加强扬尘综合治理); its 责任清单 names 州住建局 (红河州住房和城乡建设局) in many rows.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from click.testing import CliRunner

from kg.cli import main
from web.search import agency_readings, query_words

HONGHE_HOUSING = "红河州住房和城乡建设局"


def _search(client, q: str) -> dict:
    response = client.get("/search.json?q=" + quote(q))
    assert response.status_code == 200
    return json.loads(response.data)


def _tasks_containing(store, words: str, plan: str) -> set[str]:
    """The tasks of the plan whose text holds the words, by the canned query (the SPARQL path, not search)."""
    result = CliRunner().invoke(
        main,
        ["query", "tasks-containing", "-p", f"words={words}", "-p", f"plan={plan}", "--store", str(store),
         "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return {row["task"]["value"] for row in json.loads(result.output)["results"]["bindings"]}


def test_words_combine_and_a_place_narrows_to_its_plan(client, built_store):
    found = _search(client, "红河州 扬尘")
    assert found["total"] == len(found["tasks"]) > 0
    assert {t["planTitle"] for t in found["tasks"]} == {"红河州打赢蓝天保卫战三年行动计划实施方案"}
    assert {t["task"] for t in found["tasks"]} == _tasks_containing(built_store, "扬尘", "红河州")
    assert all("扬尘" in t["excerpt"] for t in found["tasks"])
    # 扬尘 alone finds the other plans' dust tasks too
    assert len({t["planTitle"] for t in _search(client, "扬尘")["tasks"]}) == 5


def test_two_text_words_must_both_hold(client, built_store):
    both = {t["task"] for t in _search(client, "扬尘 施工")["tasks"]}
    dust = {t["task"] for t in _search(client, "扬尘")["tasks"]}
    assert both and both < dust
    for task in both:
        text = json.loads(client.get(task.replace("https://w3id.org/lantian", "") + ".json").data)["text"]
        assert "扬尘" in text and "施工" in text


def test_an_abbreviation_finds_the_agency_and_its_tasks(client):
    found = _search(client, "住建局")
    assert HONGHE_HOUSING in [a["label"] for a in found["agencies"]]
    assert any(HONGHE_HOUSING in [x["label"] for x in t["leads"]] for t in found["tasks"])
    # ranked: tasks whose own text holds the word first, then those found by their agency
    own = [t["ownText"] for t in found["tasks"]]
    assert own == sorted(own, reverse=True) and True in own and False in own
    by_agency = [t for t in found["tasks"] if not t["ownText"]]
    assert all(t["matchedAgencies"] for t in by_agency)


def test_a_scope_word_keeps_the_agency_to_its_place(client):
    found = _search(client, "州住建局")
    assert [a["label"] for a in found["agencies"]] == [HONGHE_HOUSING]  # not 朔州市's or 官渡区's
    assert found["tasks"] and all(t["planTitle"].startswith("红河州") for t in found["tasks"])
    narrowed = _search(client, "州住建局 燃煤")
    assert narrowed["tasks"] and len(narrowed["tasks"]) < len(found["tasks"])


def test_a_replaced_unit_finds_its_successor():
    stems = {r.stem for r in agency_readings("环保局")}
    assert stems == {"环境保护局", "生态环境局"}
    assert {(r.scope, r.stem) for r in agency_readings("州环保局")} == {
        ("州", "环境保护局"),
        ("州", "生态环境局"),
    }


def test_an_old_name_finds_the_old_unit_and_its_successor(client):
    labels = [a["label"] for a in _search(client, "环保局")["agencies"]]
    assert "红河州环境保护局" in labels and "红河州生态环境局" in labels


def test_traditional_input_finds_the_same_tasks(client):
    assert query_words("紅河州　揚塵") == ["红河州", "扬尘"]
    simplified = [t["task"] for t in _search(client, "红河州 扬尘")["tasks"]]
    assert [t["task"] for t in _search(client, "紅河州 揚塵")["tasks"]] == simplified


def test_results_show_plan_place_section_lead_deadline_and_the_words_marked(client):
    html = client.get("/search?q=" + quote("红河州 扬尘")).get_data(as_text=True)
    assert "<mark>扬尘</mark>" in html
    assert "加强扬尘综合治理" in html  # the section's heading
    assert HONGHE_HOUSING in html  # its lead
    assert '<time datetime="2020-12-31"' in html


def test_a_query_nothing_matches_says_so(client):
    found = _search(client, "扬尘 不存在的词语")
    assert found["total"] == 0 and found["tasks"] == []
    assert client.get("/search?q=" + quote("扬尘 不存在的词语")).status_code == 200
