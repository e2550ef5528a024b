"""Network views through the Flask test client: each view answers, holds the nodes and edges the plans state,
stays within its size bound, and renders hostile plan text as text."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from click.testing import CliRunner
from helpers import HOSTILE_PLAN

from kg.cli import main
from kg.namespaces import ID
from web import create_app

HONGHE = "红河州打赢蓝天保卫战三年行动计划实施方案"


@pytest.fixture(scope="module")
def client(built_store):
    return create_app({"STORE": built_store, "TESTING": True}).test_client()


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    """A store built from one plan whose title, task text and an agency name hold <script> markup."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "hostile.txt").write_text(HOSTILE_PLAN, encoding="utf-8")
    store = folder / "store"
    result = CliRunner().invoke(main, ["build", "--store", str(store), str(folder / "hostile.txt")])
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture(scope="module")
def hostile_client(hostile_store):
    return create_app({"STORE": hostile_store, "TESTING": True}).test_client()


def _json(client, url):
    response = client.get(url + ("&" if "?" in url else "?") + "format=json")
    assert response.status_code == 200, url
    return response.get_json()


def _find(view, label_part, kind=None):
    found = [n for n in view["nodes"] if label_part in n["title"] and (kind is None or n["kind"] == kind)]
    assert found, f"no {kind or 'node'} with {label_part!r} in {[n['label'] for n in view['nodes']]}"
    return found[0]


def _task_with(client, words):
    """The IRI path of the bundled 红河州 task whose text has `words` (from its plan's network)."""
    view = client.get(f"/network/plan/{HONGHE}?tasks=1&format=json").get_json()
    task = _find(view, words, "task")
    return task["id"][len(str(ID)) :]


def test_task_chain_upper_plan_plan_task_agencies_jurisdictions(client):
    # 红河州 plan, 二.(三): "列入关停取缔类的，基本做到“两断三清”…", 责任清单: 州环保局、州工信委牵头 …
    path = _task_with(client, "两断三清")
    view = _json(client, f"/network/{path}")
    task = _find(view, "两断三清", "task")
    assert view["focus"] == task["id"]
    plan = _find(view, HONGHE, "plan")
    upper = _find(view, "国发〔2018〕22号", "plan")
    lead = _find(view, "红河州环境保护局", "agency")
    group = _find(view, "红河州各县市人民政府", "group")
    place = _find(view, "红河州", "jurisdiction")
    edges = {(e["from"], e["to"], e["role"]) for e in view["edges"]}
    assert (lead["id"], task["id"], "leads") in edges
    assert (group["id"], task["id"], "implements") in edges
    assert (task["id"], plan["id"], "inPlan") in edges
    assert (plan["id"], upper["id"], "derivesFrom") in edges
    assert (lead["id"], place["id"], "jurisdiction") in edges
    assert ("supports" in {e["role"] for e in view["edges"]}) is True
    assert lead["url"] == "/id/agency/红河州/环境保护局"


def test_task_page_draws_with_local_vis_network(client):
    path = _task_with(client, "两断三清")
    response = client.get(f"/network/{path}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="network"' in html and 'id="network-data"' in html
    assert "/network/lib/vis-network.min.js" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "cdn" not in html.lower()
    assert "红河州环境保护局" in html  # the node list names the lead agency
    assert client.get("/network/lib/vis-network.min.js").status_code == 200
    assert client.get("/network/lib/vis-network.css").status_code == 200
    assert client.get("/network/lib/../../web/networks.py").status_code == 404


def test_agency_ego_network(client):
    view = _json(client, "/network/agency/红河州/环境保护局")
    me = _find(view, "红河州环境保护局", "agency")
    assert view["focus"] == me["id"]
    task = _find(view, "两断三清", "task")
    partner = _find(view, "红河州工业和信息化委员会", "agency")  # 州工信委 co-leads the 两断三清 task
    edges = {(e["from"], e["to"], e["role"]) for e in view["edges"]}
    assert (me["id"], task["id"], "leads") in edges
    assert (partner["id"], task["id"], "leads") in edges
    assert _find(view, HONGHE, "plan")
    assert view["shown_nodes"] <= view["max_nodes"]


def test_plan_derivation_tree_up_and_down(client):
    # 武定县 plan cites 楚政通〔2018〕41号, which implements 云政发〔2018〕44号, which implements 国发〔2018〕22号
    view = _json(client, "/network/plan/云南省/云政发〔2018〕44号")
    yunnan = view["focus"]
    upper = _find(view, "国发〔2018〕22号", "plan")
    chuxiong = _find(view, "楚政通〔2018〕41号", "plan")
    wuding = _find(view, "武定县打赢蓝天保卫战三年行动工作方案", "plan")
    edges = {(e["from"], e["to"], e["role"]) for e in view["edges"]}
    assert (yunnan, upper["id"], "derivesFrom") in edges
    assert (chuxiong["id"], yunnan, "derivesFrom") in edges
    assert (wuding["id"], chuxiong["id"], "derivesFrom") in edges
    assert not any(n["kind"] == "task" for n in view["nodes"])  # tasks only on request
    assert "朔州市打赢蓝天保卫战2020年决战计划" not in {
        n["title"] for n in view["nodes"]
    }  # Shanxi: not below 云南


def test_plan_with_tasks_and_their_leads(client):
    view = _json(client, f"/network/plan/{HONGHE}?tasks=1")
    tasks = [n for n in view["nodes"] if n["kind"] == "task"]
    assert len(tasks) == 56  # 红河州: 56 tasks loaded (see `kg build`)
    # and who took over the leads' duties in the reform (红河州环境保护局 → 红河州生态环境局)
    assert {e["role"] for e in view["edges"]} <= {"leads", "inPlan", "derivesFrom", "succeededBy"}
    assert any(e["role"] == "succeededBy" and e["to"].endswith("红河州/生态环境局") for e in view["edges"])
    task = _find(view, "两断三清", "task")
    lead = _find(view, "红河州环境保护局")
    assert {"from": lead["id"], "to": task["id"], "role": "leads"} in view["edges"]


def test_views_are_capped_and_say_so(client, monkeypatch):
    from web import networks

    monkeypatch.setattr(networks, "MAX_NODES", 20)
    view = _json(client, "/network/agency/红河州/环境保护局")
    assert view["truncated"] and view["shown_nodes"] <= 20 < view["total_nodes"]
    assert view["focus"] in {n["id"] for n in view["nodes"]}
    html = client.get("/network/agency/红河州/环境保护局", query_string={"lang": "en"}).get_data(as_text=True)
    assert f"showing the {view['shown_nodes']} most important of {view['total_nodes']} nodes" in html


def test_json_by_accept_header_and_suffix(client):
    by_accept = client.get("/network/plan/中国/国发〔2018〕22号", headers={"Accept": "application/json"})
    by_suffix = client.get("/network/plan/中国/国发〔2018〕22号.json")
    assert by_accept.is_json and by_suffix.is_json
    assert by_accept.get_json()["nodes"] == by_suffix.get_json()["nodes"]
    assert (
        client.get("/network/plan/中国/国发〔2018〕22号", headers={"Accept": "text/html"}).mimetype
        == "text/html"
    )


def test_unknown_resources_are_404(client):
    assert client.get("/network/task/no-such-plan/一").status_code == 404
    assert client.get("/network/agency/红河州/no-such-agency").status_code == 404
    assert client.get("/network/plan/no-such-plan?format=json").status_code == 404
    # a plan's IRI under the wrong view
    assert client.get("/network/agency/" + quote("国发〔2018〕22号")).status_code == 404


def test_views_in_both_languages(client):
    zh = client.get("/network/plan/中国/国发〔2018〕22号", query_string={"lang": "zh"}).get_data(as_text=True)
    en = client.get("/network/plan/中国/国发〔2018〕22号", query_string={"lang": "en"}).get_data(as_text=True)
    assert "图例" in zh and "方案沿袭关系" in zh
    assert "Legend" in en and "Plan derivation" in en


def test_hostile_labels_are_escaped(hostile_client):
    plan_view = _json(
        hostile_client,
        "/network/plan/" + quote("<script>alert（1）</script>市打赢蓝天保卫战三年行动方案", safe=""),
    )
    task = (
        _find(plan_view, "<script>alert(1)</script>企业")
        if any(n["kind"] == "task" for n in plan_view["nodes"])
        else None
    )
    assert task is None  # tasks only with ?tasks=1
    with_tasks = hostile_client.get(
        plan_view["page"].replace("/id/", "/network/", 1) + "?tasks=1&format=json"
    )
    task = _find(with_tasks.get_json(), "<script>alert(1)</script>企业", "task")
    agency = _find(_json(hostile_client, task["id"].replace(str(ID), "/network/")), "<script>alert", "agency")
    assert "%2F" in agency["id"]  # the "/" of "</script>" is escaped inside the agency's IRI segment
    urls = [
        plan_view["page"].replace("/id/", "/network/", 1),
        plan_view["page"].replace("/id/", "/network/", 1) + "?tasks=1",
        task["url"].replace("/id/", "/network/", 1),
        agency["url"].replace("/id/", "/network/", 1),
    ]
    for url in urls:
        response = hostile_client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert" in html or "\\u003cscript\\u003ealert" in html, url


def test_first_view_shows_at_most_40_nodes_across_the_roles_and_the_rest_on_expansion(client):
    from web.networks import FIRST_VIEW

    view = _json(client, f"/network/agency/{quote('红河州/各县市人民政府')}.json")
    first = [n for n in view["nodes"] if n["initial"]]
    assert FIRST_VIEW == 40 and view["first_view"] == len(first) <= 40 < len(view["nodes"])
    # grouped by role: the first view holds tasks of more than one role, or agencies sharing tasks in several
    assert len({n["role"] for n in first if n["role"]}) >= 2
    # every node drawn at first is linked to another drawn one (nothing floats alone)
    shown = {n["id"] for n in first}
    linked = {e["from"] for e in view["edges"] if e["to"] in shown} | {
        e["to"] for e in view["edges"] if e["from"] in shown
    }
    assert shown - {view["focus"]} <= linked
    # the page draws only the first view; the others travel with it for "show more" and expansion
    page = client.get(f"/network/agency/{quote('红河州/各县市人民政府')}?lang=zh").get_data(as_text=True)
    assert 'id="network-more"' in page and f"先显示 {len(first)} / {len(view['nodes'])} 个节点" in page


def test_role_filter_keeps_only_the_roles_asked(client):
    every = _json(client, f"/network/agency/{quote('红河州/环境保护局')}.json")
    leads = _json(client, f"/network/agency/{quote('红河州/环境保护局')}.json?role=leads")
    roles = {e["role"] for e in leads["edges"]}
    assert roles & {"leads"} and not roles & {"supports", "implements", "responsibleFor"}
    assert leads["roles"] == ["leads"] and len(leads["nodes"]) < len(every["nodes"])
    page = client.get(f"/network/agency/{quote('红河州/环境保护局')}?role=leads").get_data(as_text=True)
    assert 'value="leads" checked' in page and 'value="supports" checked' not in page


def test_succession_edges_are_shown_for_the_agencies_in_a_task_view(client):
    view = _json(client, f"/network/task/{quote(HONGHE)}/二.(一).json")
    succession = [(e["from"], e["to"]) for e in view["edges"] if e["role"] == "succeededBy"]
    assert (f"{ID}agency/红河州/环境保护局", f"{ID}agency/红河州/生态环境局") in succession
