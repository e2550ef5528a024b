"""Helpers several test files share: the `kg query` runner and a plan written to attack the pages."""

import csv
import io

from click.testing import CliRunner

from kg.cli import main


def ask(store, name: str, **params: str) -> list[dict[str, str]]:
    """Rows of a canned query (or query file/text) run by `kg query --format csv` on `store`."""
    args = ["query", name, "--format", "csv", "--store", str(store)]
    for key, value in params.items():
        args += ["--param", f"{key}={value}"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


# a plan whose title, task text and agency names carry markup: every page must show it as text
HOSTILE_PLAN = """<script>alert(1)</script>市打赢蓝天保卫战三年行动方案

　　为打赢蓝天保卫战，根据《国务院关于印发打赢蓝天保卫战三年行动计划的通知》（国发〔2018〕22号）精神，制定本方案。

　　一、主要任务

　　（一）调整产业结构

　　1. 整治<script>alert(1)</script>企业。全面排查“散乱污”企业，2019年底前完成。（牵头单位：市<script>alert(1)</script>局；责任单位：市工信局、各县区人民政府）

　　2. 推进清洁取暖<img src=x onerror=alert(2)>。2020年10月底前完成改造。（牵头单位：市环保局；配合单位：市工信局）
"""
