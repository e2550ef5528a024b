"""Evidence for every fact (web/plan_text.py): each attribution, deadline and target links to the plan's text
view with the sentence that states it highlighted; an attribution stated in a responsibility table shows its row
and the table's header; the plan page links its source file and names each outline heading in full. Every check
is against the plan's own text, read here with the loaders."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.namespaces import mint
from loaders.plan import load_plan
from web import create_app
from web.repository import page_url

CORPUS = Path(__file__).resolve().parent.parent / "data" / "plans"
HONGHE_PLAN = mint("plan", "红河州打赢蓝天保卫战三年行动计划实施方案")
HONGHE_TASK = mint(
    "task", "红河州打赢蓝天保卫战三年行动计划实施方案", "二.(一)"
)  # attributed in the appendix 责任清单
QINZHOU_PLAN = mint("plan", "钦州市大气污染防治攻坚三年作战方案")


def _json(client, url: str):
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 200, url
    return response.get_json()


def _html(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


@pytest.fixture(scope="module")
def honghe_text() -> str:
    return load_plan(next(CORPUS.glob("000_*.txt"))).text


def _one_plan_store(folder: Path):
    """A store built from the one plan in folder/plans: a client over it and the plan's IRI."""
    store = folder / "store"
    result = CliRunner().invoke(main, ["build", "--store", str(store), str(folder / "plans")])
    assert result.exit_code == 0, result.output
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    return client, next(p["plan"] for p in _json(client, "/plans")["plans"] if p["loaded"])


def _marks(page: str) -> list[str]:
    """The text inside each <mark> of the plan body, joined per sentence."""
    body = page.split('class="plan-body"', 1)[1]
    return [html.unescape(re.sub(r"<[^>]+>", "", m)) for m in re.findall(r"<mark[^>]*>(.*?)</mark>", body)]


def test_an_appendix_attribution_links_to_its_sentence_highlighted_in_the_text_view(client, honghe_text):
    task = _json(client, page_url(HONGHE_TASK))
    lead = next(a for a in task["attributions"] if a["role"] == "leads")
    assert honghe_text[lead["start"] : lead["end"]] == lead["surfaceForm"] == "州环境保护局"
    page = _html(client, page_url(HONGHE_TASK))
    wanted = rf'href="([^"]*/text\?mark={lead["start"]}-{lead["end"]}[^"]*)"'
    url = html.unescape(re.search(wanted, page)[1])
    assert url.endswith(f"#m{lead['start']}")
    text_page = _html(client, url.split("#")[0])
    # the highlighted sentence is the appendix line holding the offsets, as the plan writes it
    line_start = honghe_text.rfind("\n", 0, lead["start"]) + 1
    line = honghe_text[line_start : honghe_text.find("\n", lead["start"])]
    assert (
        line == "州环境保护局牵头；州发展改革委、州工业信息化委、州国土资源局参与；各县市人民政府负责落实。"
    )
    assert "".join(_marks(text_page)) == line
    assert f'id="m{lead["start"]}"' in text_page  # the link's anchor is on the page
    # the exact span is in bold inside the highlight
    assert "<strong>州环境保护局</strong>" in text_page


def test_a_table_row_attribution_shows_its_row_with_the_header_cells(client, honghe_text):
    page = _html(client, page_url(HONGHE_TASK))
    box = page.split('class="table-scroll evidence-row-box"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", box) == [
        "主要任务",
        "责任单位",
    ]  # the header words of the 责任清单
    cells = [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", box, re.S)]
    assert cells[0].startswith("1．完成生态保护红线、环境质量底线")  # the row's task cell, as written
    assert cells[1].startswith("州环境保护局牵头；")
    assert cells[0] in honghe_text and cells[1] in honghe_text
    # the text view shows the same row and header above the text
    task = _json(client, page_url(HONGHE_TASK))
    lead = next(a for a in task["attributions"] if a["role"] == "leads")
    view = _html(client, f"{page_url(HONGHE_PLAN)}/text?mark={lead['start']}-{lead['end']}")
    marked = view.split('id="marked"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", marked) == ["主要任务", "责任单位"]


def test_body_attributions_and_deadlines_link_to_their_sentences(client):
    plan = _json(client, page_url(QINZHOU_PLAN))
    text = load_plan(next(CORPUS.glob("001_*.txt"))).text
    task = next(x for x in plan["tasks"] if x["section"] == "二.(一).4")
    data = _json(client, page_url(task["task"]))
    page = _html(client, page_url(task["task"]))
    deadline = data["deadlines"][0]
    links = [unquote(html.unescape(u)) for u in re.findall(r'href="([^"]*/text\?mark=[^"]*)"', page)]
    assert any(f"mark={deadline['start']}-{deadline['end']}" in u for u in links)
    view = _html(client, f"{page_url(QINZHOU_PLAN)}/text?mark={deadline['start']}-{deadline['end']}")
    sentence = "".join(_marks(view))  # one <mark> per piece: the exact span splits it
    # the whole sentence holding the deadline's words, ending at its full stop
    assert text[deadline["start"] : deadline["end"]] in sentence and sentence in text
    assert sentence.endswith("。")
    assert "。" not in sentence[:-1]


def test_text_view_renders_tab_separated_rows_as_a_table_with_their_header(tmp_path):
    pipes = (
        "某市2020年大气污染防治工作方案\n为持续改善空气质量，制定本方案。\n二、攻坚任务\n"
        "各项任务的工作措施、责任单位和完成时限见下表。\n\n"
        "| 重点领域 | 具体措施 | 责任单位 | 时间节点 |\n| :--- | --- | --- | ---: |\n"
        "| 工业 | 开展工业炉窑排查整治，建立管理清单。 | 区经发局、区环保分局 | 2019年12月底前完成整治 |\n"
        "| 能源 | 完成燃气锅炉低氮燃烧改造。 | 区环保分局 | 2020年1月1日前 |\n"
    )
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "pipes.txt").write_text(pipes, encoding="utf-8")
    client, plan_iri = _one_plan_store(tmp_path)
    plan = _json(client, page_url(plan_iri))
    kiln = next(x for x in plan["tasks"] if "工业炉窑" in x["excerpt"])
    page = _html(client, page_url(kiln["task"]))
    box = page.split('class="table-scroll evidence-row-box"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", box) == ["重点领域", "具体措施", "责任单位", "时间节点"]
    assert "区经发局、区环保分局" in box
    view = _html(client, f"{page_url(plan_iri)}/text")
    table = view.split('class="plan-table"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r"<th>(.*?)</th>", table) == ["重点领域", "具体措施", "责任单位", "时间节点"]
    assert table.count("<tr") == 3  # the header and two rows


def test_plan_page_offers_its_source_file_and_says_when_it_is_gone(tmp_path):
    (tmp_path / "plans").mkdir()
    plan_file = tmp_path / "plans" / "wuding.txt"
    shutil.copy(next(CORPUS.glob("002_*.txt")), plan_file)
    client, plan_iri = _one_plan_store(tmp_path)
    page = _html(client, page_url(plan_iri))
    assert f'href="{page_url(plan_iri)}/source"' in page
    download = client.get(f"{page_url(plan_iri)}/source")
    assert download.status_code == 200 and download.data == plan_file.read_bytes()
    assert "wuding.txt" in download.headers["Content-Disposition"]
    plan_file.unlink()
    page = _html(client, page_url(plan_iri))
    assert f'href="{page_url(plan_iri)}/source"' not in page
    assert "源文件不在本服务器上" in page
    gone = _html(client, f"{page_url(plan_iri)}/source", status=404)
    assert "源文件不可用" in gone
    assert _html(client, f"{page_url(plan_iri)}/text").count("<p id=") > 20  # the kept text outlives the file


def test_outline_names_each_heading_in_full_and_tells_apart_tasks_sharing_one(client, honghe_text):
    plan = _json(client, page_url(HONGHE_PLAN))
    top = next(n for n in plan["outline"] if n["section"] == "二")
    assert top["title"] and f"二、{top['title']}" in honghe_text  # the heading as the plan writes it
    assert top["title"].startswith("调整优化产业结构")
    page = _html(client, page_url(HONGHE_PLAN))
    assert f'<strong class="heading-title">{top["title"]}</strong>' in page
    qinzhou = _json(client, page_url(QINZHOU_PLAN))
    shared = [x for x in qinzhou["tasks"] if x["section"] == "二.(一).1"]
    assert len(shared) == 2
    words = [x["firstWords"] for x in shared]
    assert words[0] != words[1] and all(w for w in words)
    text = load_plan(next(CORPUS.glob("001_*.txt"))).text
    for x, w in zip(shared, words, strict=True):
        assert w.rstrip("…") in " ".join(text[x["start"] : x["end"]].split())


def test_text_view_of_an_unknown_subpage_or_a_task_is_not_found(client):
    assert client.get(f"{page_url(HONGHE_TASK)}/text").status_code == 404
    assert client.get(f"{page_url(HONGHE_PLAN)}/nothing").status_code == 404


def test_a_deadline_the_text_gives_by_month_or_year_says_so_in_words(client):
    """lt:precision ("month", "year") is a code: the task page says what it means, in the page's language."""
    plan = _json(client, page_url(QINZHOU_PLAN))
    text = load_plan(next(CORPUS.glob("001_*.txt"))).text
    seen = set()
    for task in plan["tasks"]:
        for deadline in _json(client, page_url(task["task"]))["deadlines"]:
            precision = deadline.get("precision")
            if precision not in ("month", "year") or precision in seen:
                continue
            seen.add(precision)
            phrase = text[deadline["start"] : deadline["end"]]
            assert "日" not in phrase  # the text gives no day: 2019年底前, 9月底前 …
            zh = _html(client, page_url(task["task"]) + "?lang=zh")
            en = _html(client, page_url(task["task"]) + "?lang=en")
            word = {"month": "月", "year": "年"}[precision]
            assert f"（原文只写到{word}，取{word}末）" in zh and f"({precision})" not in zh
            assert f"(the text gives a {precision}: its last day)" in en
    _html(client, "/?lang=zh")  # the client's language cookie back to Chinese
    assert seen == {"month", "year"}
