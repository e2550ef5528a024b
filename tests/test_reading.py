"""Tests for loaders.reading: plan file → display text and its same-length matching copy."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest

from loaders.reading import PlanInputError, clean_lines, read_plan, to_match

DATA = Path(__file__).parent / "data" / "reading"
SEEDS = sorted((Path(__file__).parents[1] / "data" / "plans").glob("*.txt"))

# The same plan paragraph, written in Simplified and (Taiwan) Traditional characters.
SIMPLIFIED = (
    "（三）强化“散乱污”企业综合整治。全面开展“散乱污”企业及集群综合整治行动，2019年底前基本完成。"
    "（市生态环境局牵头，市发展改革委、市工业和信息化局参与，各县区人民政府负责落实）"
)
TRADITIONAL = (
    "（三）強化“散亂汙”企業綜合整治。全面開展“散亂汙”企業及集群綜合整治行動，2019年底前基本完成。"
    "（市生態環境局牽頭，市發展改革委、市工業和信息化局參與，各縣區人民政府負責落實）"
)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------------------------------- decoding


def test_gb18030_and_big5_files_of_one_paragraph_decode_and_match_alike(tmp_path):
    gb = read_plan(write(tmp_path / "simplified.txt", SIMPLIFIED.encode("gb18030")))
    big5 = read_plan(write(tmp_path / "traditional.txt", TRADITIONAL.encode("big5")))
    assert gb.encoding == "gb18030"
    assert big5.encoding == "big5"
    assert gb.display == SIMPLIFIED
    assert big5.display == TRADITIONAL  # display keeps the Traditional characters
    assert "市生態環境局牽頭" in big5.display
    assert big5.match == gb.match
    assert "市生态环境局牵头" in big5.match


def test_whole_seed_reencoded_as_gb18030_reads_like_the_utf8_original(tmp_path):
    seed = SEEDS[1]
    gb = read_plan(write(tmp_path / seed.name, seed.read_text(encoding="utf-8").encode("gb18030")))
    assert gb.encoding == "gb18030"
    assert gb.display == read_plan(seed).display


def test_damaged_gb18030_file_still_decodes_as_gb18030(tmp_path):
    cut = (SIMPLIFIED * 3).encode("gb18030")[:-1]  # last character cut in half
    plan = read_plan(write(tmp_path / "damaged.txt", cut))
    assert plan.encoding == "gb18030"
    assert SIMPLIFIED in plan.display


@pytest.mark.parametrize("bom, codec", [(b"\xef\xbb\xbf", "utf-8"), (b"", "utf-16")])
def test_byte_order_marks(tmp_path, bom, codec):
    plan = read_plan(write(tmp_path / "bom.txt", bom + SIMPLIFIED.encode(codec)))
    assert plan.display == SIMPLIFIED  # no stray U+FEFF at the start


# ------------------------------------------------------------------------------------------- errors


def assert_names_file(error: pytest.ExceptionInfo, path: Path, *words: str) -> None:
    assert str(error.value).startswith(f"{path}: ")
    assert error.value.path == path
    for word in words:
        assert word in error.value.problem


def test_missing_file(tmp_path):
    path = tmp_path / "absent.txt"
    with pytest.raises(PlanInputError) as error:
        read_plan(path)
    assert_names_file(error, path, "no such file")


@pytest.mark.parametrize("content", [b"", b" \n\t\r\n  ", "\u3000\n".encode()])
def test_empty_or_blank_file(tmp_path, content):
    path = write(tmp_path / "blank.txt", content)
    with pytest.raises(PlanInputError) as error:
        read_plan(path)
    assert_names_file(error, path, "empty")


def test_png_renamed_to_txt_is_binary(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
    path = write(tmp_path / "scan.txt", png + bytes(range(256)) * 4)
    with pytest.raises(PlanInputError) as error:
        read_plan(path)
    assert_names_file(error, path, "binary")


def test_zip_renamed_to_md_is_binary(tmp_path):
    path = tmp_path / "plan.md"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("plan.txt", SIMPLIFIED * 20)
    with pytest.raises(PlanInputError) as error:
        read_plan(path)
    assert_names_file(error, path, "binary")


def test_bytes_that_are_no_chinese_encoding(tmp_path):
    noise = random.Random(7)
    path = write(tmp_path / "noise.txt", bytes(noise.randrange(0x80, 0x100) for _ in range(3000)))
    with pytest.raises(PlanInputError) as error:
        read_plan(path)
    assert_names_file(error, path, "encoding")


def test_file_over_the_size_limit_says_size_and_limit(tmp_path):
    path = write(tmp_path / "huge.txt", SIMPLIFIED.encode() * 10)
    size = path.stat().st_size
    with pytest.raises(PlanInputError) as error:
        read_plan(path, max_bytes=1000)
    assert_names_file(error, path, str(size), "1000", "limit")


@pytest.mark.parametrize("name", ["plan.pptx", "plan.rtf", "plan"])  # .xlsx: tests/test_spreadsheets.py
def test_unsupported_suffix(tmp_path, name):
    path = write(tmp_path / name, SIMPLIFIED.encode())
    with pytest.raises(PlanInputError) as error:
        read_plan(path)
    assert_names_file(error, path, "unsupported")


# ------------------------------------------------------------------------------------------- formats


def test_html_page_gives_the_plan_without_site_chrome():
    plan = read_plan(DATA / "plan_page.html")
    lines = plan.display.split("\n")
    assert plan.format == "html"
    assert lines[0] == "某县打赢蓝天保卫战三年行动实施方案"  # the <h1> above the content block
    for chrome in (
        "首页",
        "政府信息公开",
        "相关链接",
        "分享到",
        "版权所有",
        "站内搜索",
        "网站标识码",
        "siteName",
        "font-size",
    ):
        assert chrome not in plan.display
    assert (
        "为深入贯彻落实《国务院关于印发打赢蓝天保卫战三年行动计划的通知》精神，巩固提高全县环境空气质量，制定本方案。"
        in lines
    )
    assert "到2020年，全县细颗粒物（PM2.5）年均浓度下降到30微克/立方米以下。" in lines
    assert "牵头单位：县生态环境局" in lines  # <br> ends a line
    assert "淘汰燃煤小锅炉\t县市场监管局牵头；各乡镇人民政府负责落实。" in lines  # table cells → tabs


def test_html_in_gb18030_with_article_element(tmp_path):
    html = (
        '<html><head><meta charset="gb2312"></head><body><header><a>网站首页</a><a>机构设置</a></header>'
        f"<article><header><h1>某市行动计划</h1></header><p>{SIMPLIFIED}</p></article>"
        "<aside>热点专题 图片新闻</aside><footer>主办：某市人民政府办公室</footer></body></html>"
    )
    plan = read_plan(write(tmp_path / "page.htm", html.encode("gb18030")))
    assert plan.encoding == "gb18030"
    assert plan.display == f"某市行动计划\n{SIMPLIFIED}"


def test_markdown_keeps_headings_and_drops_rules_and_tags(tmp_path):
    text = (
        "# 某县人民政府文件\n\n某政发〔2019〕1号\n\n---\n\n## 一、工作目标\n\n"
        "降低细颗粒物(PM<sub>2.5</sub>)浓度，**到2020年**完成目标。\n\n"
        "| 任务 | 责任单位 |\n|---|---|\n| 淘汰燃煤小锅炉 | 县市场监管局牵头 |\n"
    )
    plan = read_plan(write(tmp_path / "plan.md", text.encode()))
    assert plan.format == "md"
    assert plan.display.split("\n") == [
        "# 某县人民政府文件",
        "某政发〔2019〕1号",
        "## 一、工作目标",
        "降低细颗粒物(PM2.5)浓度，到2020年完成目标。",
        "任务\t责任单位",
        "淘汰燃煤小锅炉\t县市场监管局牵头",
    ]


# ------------------------------------------------------------------------------------------- cleaning


def test_stray_spaces_go_but_latin_word_spaces_stay():
    assert clean_lines("2020 年底前完成") == "2020年底前完成"
    assert clean_lines("(一) 调整优化产业结构") == "(一)调整优化产业结构"
    assert clean_lines("淘汰10 蒸吨及以下燃煤锅炉") == "淘汰10蒸吨及以下燃煤锅炉"
    assert clean_lines("\u3000\u3000名\u3000称：某某\u00a0方案  ") == "名称：某某方案"
    assert clean_lines("Clean Air Action 行动") == "Clean Air Action 行动"
    assert clean_lines("主要任务\t \t责任单位") == "主要任务\t\t责任单位"  # an empty cell stays a cell


def test_pdf_style_paragraph_is_rejoined_and_page_break_duplicate_dropped():
    raw = (
        "（二）严控“两高”行业产能。严格执行钢铁、水泥、平板玻璃等行业\n"
        "产能置换实施办法，加大落后产能淘汰和过剩产能压减\n"
        "力度。建立覆盖所有固定污\n\n"
        "— 3 —\n\n"
        "污染源的企业排放许可制度，2020年底前完成核发。\n"
        "（三）强化工业企业无组织排放管控。\n"
    )
    assert clean_lines(raw).split("\n") == [
        "（二）严控“两高”行业产能。严格执行钢铁、水泥、平板玻璃等行业产能置换实施办法，加大落后产能淘汰和过剩"
        "产能压减力度。建立覆盖所有固定污染源的企业排放许可制度，2020年底前完成核发。",
        "（三）强化工业企业无组织排放管控。",
    ]


def test_broken_line_stops_before_headings_and_labels():
    raw = (
        "开展柴油货车超标排放专项整治，统筹开展油、路、车治理和机动车船污染防治\n"
        "牵头单位：市生态环境局\n"
        "加快推进城市建成区新增和更新的公交、环卫、邮政车辆使用新能源\n"
        "（二）调整能源结构\n"
    )
    assert len(clean_lines(raw).split("\n")) == 4


def test_title_block_and_table_rows_are_not_glued():
    raw = (
        "某州打赢蓝天保卫战三年行动计划\n实施方案\n"
        "某县打赢蓝天保卫战三年行动实施细则\n为深入贯彻落实上级要求，制定本方案。\n"
        "\t1．积极开展多种形式的宣传教育，普及大气污染防治科学知识，新闻媒体要充分发挥监督\n"
        "\t州环境保护局牵头；各县市人民政府负责落实。\n"
    )
    assert clean_lines(raw).split("\n") == [
        "某州打赢蓝天保卫战三年行动计划",
        "实施方案",
        "某县打赢蓝天保卫战三年行动实施细则",
        "为深入贯彻落实上级要求，制定本方案。",
        "1．积极开展多种形式的宣传教育，普及大气污染防治科学知识，新闻媒体要充分发挥监督",
        "州环境保护局牵头；各县市人民政府负责落实。",
    ]


# ------------------------------------------------------------------------------------------- matching copy


def test_match_copy_normalises_forms_and_keeps_length():
    display = "（一）PM２．５濃度降到３０微克/立方米(2020年);牽頭單位:縣環保局,配合:縣財政局!依據﹝2018﹞[2018]【2018】10:30;1,000"
    match = to_match(display)
    assert len(match) == len(display)
    assert (
        match
        == "（一）PM2.5浓度降到30微克/立方米（2020年）；牵头单位：县环保局，配合：县财政局！依据〔2018〕[2018]【2018】10:30；1,000"
    )


def test_match_copy_falls_back_to_single_characters_when_a_phrase_changes_length(monkeypatch):
    import loaders.reading as reading

    class PhraseConverter:  # a t2s dictionary whose phrase rule shortens the text
        def convert(self, text: str) -> str:
            return (
                text.replace("環保局", "环保") if len(text) > 1 else {"環": "环", "縣": "县"}.get(text, text)
            )

    monkeypatch.setattr(reading, "_t2s", lambda: PhraseConverter())
    reading._simplify_char.cache_clear()
    try:
        assert to_match("縣環保局") == "县环保局"
    finally:
        reading._simplify_char.cache_clear()


# ------------------------------------------------------------------------------------------- seeds


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_every_seed_reads_with_a_same_length_match_copy(seed):
    plan = read_plan(seed)
    assert plan.source == seed.name
    assert plan.encoding == "utf-8"
    assert len(plan.match) == len(plan.display)
    assert "" not in plan.display.split("\n")
    assert all(line == line.strip() for line in plan.display.split("\n"))


def test_seed_002_page_break_inside_a_word_is_repaired():
    plan = read_plan(next(p for p in SEEDS if p.name.startswith("002")))
    assert "建立覆盖所有固定污染源的企业排放许可制度" in plan.display
    assert "固定污\n" not in plan.display
    assert "PM2.5" in plan.display and "<sub>" not in plan.display
    assert "---" not in plan.display.split("\n")


def test_seed_003_keeps_its_title_line():
    plan = read_plan(next(p for p in SEEDS if p.name.startswith("003")))
    assert "官渡区打赢蓝天保卫战三年行动实施细则" in plan.display.split("\n")
    assert "牵头单位:区生态环境分局" in plan.display.split("\n")


def test_a_doc_number_line_is_not_glued_to_a_cut_lede_before_it():
    raw = "相关阅读：某某公司与某某集团签署合作协议，共同推进清洁供热......\n某政发〔2018〕12号\n各市、县人民政府：\n"
    assert clean_lines(raw).split("\n")[1] == "某政发〔2018〕12号"
