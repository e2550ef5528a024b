"""No raw codes in the interface: the skip reasons, comparator codes, link methods and target years the graph
stores are shown in the reader's words (web.i18n), the stored values unchanged; due soon explains an empty
answer; error pages use the site layout and the reader's language.

Facts asserted here can be checked in data/plans/: the bundled plans' deadlines end in 2020 (2020年底前), the
first is 2018-12-31 (2018年底前); 红河州's plan has paragraphs that name no unit (skipped).
"""

from __future__ import annotations

import re
from pathlib import Path

from kg.namespaces import mint
from web.i18n import REASONS
from web.repository import page_url

HONGHE_PLAN = mint("plan", "红河州打赢蓝天保卫战三年行动计划实施方案")
LOADERS = Path(__file__).resolve().parent.parent / "loaders"


def test_every_skip_reason_the_loaders_write_has_its_wording():
    source = "".join(p.read_text(encoding="utf-8") for p in LOADERS.glob("*.py"))
    written = set(re.findall(r'Skipped\([^()]*?"([a-z][a-z ,]+)"\)', source))
    written |= set(re.findall(r'_skip\([^()]*?(?:\([^()]*\))?[^()]*?"([a-z][a-z ,]+)"\)', source))
    for chosen in re.findall(r"reason = \(?(.*?)\)?\n\s*(?:plan\.)?\w+\.append", source, re.S):  # reason = a if … else b
        written |= set(re.findall(r'"([a-z][a-z ,]+)"', chosen))
    assert written and written <= set(REASONS), written - set(REASONS)
    for reason in REASONS:
        assert f'"{reason}"' in source, reason  # still a reason the loaders write


def test_skipped_paragraphs_show_their_reason_in_words(client):
    zh = client.get(page_url(HONGHE_PLAN) + "?lang=zh").get_data(as_text=True)
    skipped = zh.split("pg_offsets", 1)[-1]
    assert "未写明责任单位" in zh or "章节的引言" in zh
    assert not any(f"<td>{reason}</td>" in skipped for reason in REASONS)
    en = client.get(page_url(HONGHE_PLAN) + "?lang=en").get_data(as_text=True)
    assert any(f"<td>{reason}</td>" in en or reason in en for reason in REASONS)  # the English wording


def test_targets_show_comparators_in_words(client):
    for plan in (p["plan"] for p in client.get("/plans.json").get_json()["plans"] if p["loaded"]):
        html = client.get(page_url(plan) + "?lang=zh").get_data(as_text=True)
        for code in ("ge", "le", "lt", "gt", "eq", "decrease", "increase"):
            assert f"<td>{code}</td>" not in html, (plan, code)
    html = client.get("/compare?lang=zh").get_data(as_text=True)
    assert not re.search(r">\s*\w+ (ge|le|lt|gt|eq) \d", html)


def test_task_links_show_their_method_in_words(client):
    tasks = client.get(page_url(HONGHE_PLAN) + ".json").get_json()["tasks"]
    shown = 0
    for task in tasks[:40]:
        html = client.get(page_url(task["task"]) + "?lang=zh").get_data(as_text=True)
        assert "permutations" not in html and "containment" not in html
        shown += "字片段重合度" in html
    assert shown  # some 红河州 tasks are linked to other plans' tasks


def test_due_soon_explains_an_empty_answer(client):
    after = client.get("/audit/due-soon?as_of=2021-03-01&lang=en").get_data(as_text=True)
    assert "No deadline falls in the 90 days from 2021-03-01; the latest is 2020-12-31." in after
    before = client.get("/audit/due-soon?as_of=2017-01-01&days=30&lang=zh").get_data(as_text=True)
    assert "2017-01-01 起 30 天内没有到期的任务；之后最近的时限是 2018-" in before
    assert "没有符合条件的记录" not in before


def test_error_pages_use_the_site_layout_and_the_readers_language(client):
    missing = client.get("/no/such/page?lang=zh")
    html = missing.get_data(as_text=True)
    assert missing.status_code == 404 and 'class="site"' in html and "找不到页面" in html
    assert "Not Found" not in html
    english = client.get("/id/plan/no-such-plan?lang=en")
    assert english.status_code == 404 and "Page not found" in english.get_data(as_text=True)
    bad = client.get("/due?before=2020-13-45&lang=en")
    assert bad.status_code == 400 and 'class="site"' in bad.get_data(as_text=True)
    assert "Bad request" in bad.get_data(as_text=True)
