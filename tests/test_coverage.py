"""Coverage (issue 15): the share of a plan's measures that name an accountable unit, in `kg build`, the plan's
graph, its page and its JSON; a plan below 80 % is warned of, and its measures with no unit are listed."""

import json

from click.testing import CliRunner

from kg.cli import main
from kg.store import open_store, run_query
from web import create_app
from web.repository import page_url

PLAN = """某某县大气污染防治实施方案

一、重点任务

（一）淘汰燃煤小锅炉，2019年底前完成。（牵头单位：县环保局）
（二）加强施工工地扬尘管控，落实六个百分之百要求。（牵头单位：县住建局）
（三）加强秸秆禁烧。开展秸秆禁烧巡查，严防露天焚烧。
（四）治理餐饮油烟。城区餐饮单位全部安装油烟净化设施。
（五）加强柴油货车监管。开展路检路查，严查超标排放车辆。
"""


def test_coverage_in_build_graph_page_and_json(tmp_path):
    plan = tmp_path / "plan.txt"
    plan.write_text(PLAN, "utf-8")
    store = tmp_path / "store"
    result = CliRunner().invoke(main, ["build", "--store", str(store), str(plan)])
    assert result.exit_code == 0, result.output
    # two of the five measures name a unit: 40 %, below 80 %, so the build warns
    assert "40%" in result.output
    assert "coverage 40%: 3 of 5 measures name no accountable unit" in result.output
    with open_store(store) as s:
        row = next(iter(run_query(s, "SELECT ?m ?c WHERE { ?p lt:measureCount ?m ; lt:coveredMeasureCount ?c }")))
        assert (int(row["m"].value), int(row["c"].value)) == (5, 2)
        plan_iri = next(iter(run_query(s, "SELECT ?p WHERE { ?p lt:sourceFile ?f }")))["p"].value
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    page = client.get(page_url(plan_iri)).get_data(as_text=True)
    assert "责任覆盖率" in page and "5 项措施中 2 项明确了责任单位" in page
    assert "开展秸秆禁烧巡查，严防露天焚烧" in page  # listed with its text among the measures with no unit
    data = json.loads(client.get(page_url(plan_iri) + ".json").get_data(as_text=True))
    assert data["measure_coverage"] == {"measures": 5, "covered": 2, "share": 0.4}
    assert [t["text"] for t in data["gaps"]["no_unit"]][0].startswith("加强秸秆禁烧。开展秸秆禁烧巡查")
