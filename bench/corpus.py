"""Generate a national-scale corpus of plan text files: one plan per province, prefecture and county of China.

Run from the repository root:

    .venv/bin/python bench/corpus.py OUT_DIR [--plans N] [--seed 7]

The jurisdiction tree is the real one: the administrative-division list (2020 adcodes) shipped inside PyPI's
``cpca`` package (``cpca/resources/adcodes.csv``, read as a data file; the package itself is not imported):
31 provinces, ~330 prefectures, ~3,100 county-level units (Hong Kong, Macau and Taiwan left out). Each plan is a
rewrite of a bundled plan in ``data/plans/`` for its jurisdiction — provinces and prefectures from the three
prefecture plans, counties from the two county plans — with place names replaced in the title, the text and the
agency prefixes (州环保局 → 市环保局 …), deadlines and quantitative targets varied, a 文号 minted for every
plan and written in its header, and the upper-plan citation rewritten to cite the national plan, the real
province's plan and the real parent's plan by title and 文号. The attribution formats of the templates are kept,
so `kg build` extracts tasks and duties from the generated files as it does from the bundled ones.

Output: ``OUT_DIR/NNNN_<adcode>.txt`` plan files in top-down order (every parent before its children) and
``OUT_DIR/manifest.csv`` (file, adcode, name, level, parent adcode, 文号, title; not a plan file, so `kg build OUT_DIR`
skips it). ``--plans N`` keeps the first N plans of that order (a province's subtree first). The same ``--seed``
gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "data" / "plans"
NATIONAL = ("国务院关于印发打赢蓝天保卫战三年行动计划的通知", "国发〔2018〕22号")

# the one-character abbreviations provinces use in their 文号 (云政发, 晋政办发 …), by adcode prefix
PROVINCE_ABBR = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "内", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "黔",
    "53": "云", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}  # fmt: skip
_CJK = r"[\u4e00-\u9fff]"
# a bare level character (州/市/县/区) used as an agency or area prefix: after a delimiter or 全/我/由/向 …
_LEVEL_BEFORE = r"(?:(?<=^)|(?<=[\s、，,；;：:（(。全我由向对入经报同及]))"


@dataclass
class Template:
    """A bundled plan and what in it names its jurisdiction, its parents, its places and its citations."""

    file: str
    level_char: str  # the bare level character of its own jurisdiction (州环保局 → 州)
    own: tuple[str, str]  # full and short name of its jurisdiction
    parent: tuple[str, str] | None  # full and short name of its parent prefecture (county templates)
    province: tuple[str, str]
    children: tuple[str, ...]  # county names the text mentions
    cites: str  # the citation run in the preamble, replaced whole
    title: str  # the title as the loader reads it
    replace: dict[str, str] = field(default_factory=dict)  # other literal → role ("{abbr}政办发" …)
    parent_level_char: str = ""


PREFECTURE_TEMPLATES = [
    Template(
        "000_5822e95add7dc7fd.txt", "州", ("红河州", "红河"), None, ("云南省", "云南"),
        ("蒙自市", "个旧市", "开远市"),
        "《国务院关于印发打赢蓝天保卫战三年行动计划的通知》（国发〔2018〕22号）、《云南省人民政府关于印发"
        "云南省打赢蓝天保卫战三年行动实施方案的通知》（云政发〔2018〕44号）",
        "红河州打赢蓝天保卫战三年行动计划实施方案",
        {"红发〔2018〕13号": "{own_abbr}发〔2018〕{n2}号"},
    ),
    Template(
        "001_526a4fb7784c0a71.txt", "市", ("钦州市", "钦州"), None, ("广西壮族自治区", "广西"), (),
        "《广西壮族自治区人民政府办公厅关于印发广西大气污染防治攻坚三年作战方案（2018－2020年）的通知》"
        "（桂政办发〔2018〕80号）",
        "钦州市大气污染防治攻坚三年作战方案",
    ),
    Template(
        "004_c2e20ee12937030d.txt", "市", ("朔州市", "朔州"), None, ("山西省", "山西"),
        ("朔城区", "平鲁区", "山阴县", "怀仁市", "右玉县", "应县"),
        "《山西省人民政府办公厅关于印发山西省打赢蓝天保卫战2020年决战计划的通知》(晋政办发〔2020〕17号)",
        "朔州市打赢蓝天保卫战2020年决战计划",
        {"晋政办发": "{prov_abbr}政办发"},
    ),
]  # fmt: skip
COUNTY_TEMPLATES = [
    Template(
        "002_448f24fbce9855ca.txt", "县", ("武定县", "武定"), ("楚雄州", "楚雄"), ("云南省", "云南"), (),
        "《国务院关于印发打赢蓝天保卫战三年行动计划的通知》(国发〔2018〕22号)、《云南省人民政府关于印发云南省"
        "打赢蓝天保卫战三年行动实施方案的通知》(云政发〔2018〕44号)和《楚雄州人民政府关于印发楚雄州打赢蓝天"
        "保卫战三年行动工作方案的通知》(楚政通〔2018〕41号)",
        "武定县打赢蓝天保卫战三年行动工作方案",
        {"武政通〔2019〕11号": "{doc_number}", "罗婺": "{own_short}"},
        parent_level_char="州",
    ),
    Template(
        "003_d24888d00a6e95b6.txt", "区", ("官渡区", "官渡"), ("昆明市", "昆明"), ("云南省", "云南"), (),
        "《国务院关于印发打赢蓝天保卫战三年行动计划的通知》《云南省人民政府关于印发云南省打赢蓝天保卫战三年"
        "行动实施方案的通知》《昆明市打赢蓝天保卫战三年行动实施方案》",
        "官渡区打赢蓝天保卫战三年行动实施细则",
    ),
]  # fmt: skip


@dataclass(eq=False)
class Place:
    """One jurisdiction of the tree."""

    adcode: str
    name: str
    level: str  # province, prefecture, county
    parent: Place | None = field(default=None, repr=False)
    children: list[Place] = field(default_factory=list, repr=False)

    @property
    def province(self) -> Place:
        return self if self.parent is None else self.parent.province


def _cpca_file(name: str) -> Path:
    spec = importlib.util.find_spec("cpca")  # locates the package without importing it (no pandas)
    if spec is None or not spec.submodule_search_locations:
        sys.exit("bench/corpus.py needs the cpca package (pip install cpca==0.5.5): its division list")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / name


def jurisdiction_tree() -> list[Place]:
    """The 31 provinces of the mainland with their prefectures and county-level units, in adcode order.

    Municipalities (北京 …) and the counties a province governs directly (省直辖县级行政区划) have no
    prefecture: their counties hang from the province.
    """
    with _cpca_file("adcodes.csv").open(encoding="utf-8") as f:
        rows = sorted((r["adcode"][:6], r["name"]) for r in csv.DictReader(f))
    provinces: dict[str, Place] = {}
    prefectures: dict[str, Place] = {}
    for code, name in rows:
        if code[:2] not in PROVINCE_ABBR:
            continue  # Taiwan, Hong Kong, Macau
        if code[2:] == "0000":
            provinces[code[:2]] = Place(code, name, "province")
        elif code[4:] == "00":
            province = provinces[code[:2]]
            if name.endswith(("市", "州", "盟", "地区")) and name != "市辖区":
                prefectures[code[:4]] = place = Place(code, name, "prefecture", province)
                province.children.append(place)
        elif name.endswith(("县", "区", "市", "旗")) and name != "市辖区":
            parent = prefectures.get(code[:4]) or provinces[code[:2]]
            parent.children.append(Place(code, name, "county", parent))
    return list(provinces.values())


def _nations() -> list[str]:
    with _cpca_file("56_nations.csv").open(encoding="utf-8") as f:
        names = [line.strip() for line in f if line.strip()]
    return sorted(
        {n for n in names} | {n.removesuffix("族") for n in names if len(n) > 2}, key=len, reverse=True
    )


def short_name(name: str, nations: list[str]) -> str:
    """甘南藏族自治州 → 甘南, 广西壮族自治区 → 广西, 云南省 → 云南, 武定县 → 武定; a name too short keeps itself."""
    short = re.sub(r"(自治区|自治州|自治县|自治旗|特别行政区|地区|省|市|州|县|区|旗|盟)$", "", name)
    changed = True
    while changed and len(short) > 2:
        changed = False
        for n in nations:
            if short.endswith(n) and len(short) - len(n) >= 2:
                short, changed = short[: -len(n)], True
                break
    return short if len(short) >= 2 else name


def level_char(place: Place) -> str:
    """The bare character a plan uses for its own level: 省环保局, 州环保局, 自治区生态环境厅, 区财政局 …"""
    for suffix, char in (
        ("自治区", "自治区"),
        ("地区", "地区"),
        ("自治州", "州"),
        ("自治县", "县"),
        ("自治旗", "旗"),
    ):
        if place.name.endswith(suffix):
            return char
    return place.name[-1]


@dataclass
class GeneratedPlan:
    place: Place
    template: Template
    title: str
    doc_number: str
    file: str = ""


def _notice_title(plan: GeneratedPlan) -> str:
    return f"{plan.place.name}人民政府关于印发{plan.title}的通知"


def _cite(title: str, number: str) -> str:
    return f"《{title}》（{number}）"


def _swap(text: str, pairs: list[tuple[str, str]]) -> str:
    """Replace every old string by its new one at once (longest first), so a new name is never replaced again."""
    pairs = [(old, new) for old, new in pairs if old and old != new]
    if not pairs:
        return text
    table = dict(pairs)
    pattern = re.compile("|".join(re.escape(old) for old in sorted(table, key=len, reverse=True)))
    return pattern.sub(lambda m: table[m.group()], text)


def _swap_level_char(text: str, old: str, new: str) -> str:
    if old == new:
        return text
    return re.sub(rf"{_LEVEL_BEFORE}{old}(?={_CJK})(?!{old})", new, text)


_DEADLINE = re.compile(r"(20(?:1[89]|2[0-2]))年(?:(\d{1,2})月)?(底|年底)?前")
_TARGET = re.compile(r"(\d+(?:\.\d+)?)(\s*)(%|％|微克/立方米|万吨)")


def _vary(text: str, rng: random.Random) -> str:
    """Deadlines moved by up to a year (months redrawn), targets scaled by ±12 %, formats kept."""

    def deadline(m: re.Match) -> str:
        year = min(2022, max(2018, int(m.group(1)) + rng.choice((-1, 0, 0, 0, 1))))
        month = f"{rng.randint(1, 12)}月" if m.group(2) else ""
        return f"{year}年{month}{m.group(3) or ''}前"

    def target(m: re.Match) -> str:
        value, decimals = float(m.group(1)), len(m.group(1).partition(".")[2])
        value *= rng.uniform(0.88, 1.12)
        if m.group(3) in "%％":
            value = min(value, 99.9 if decimals else 99)
        return f"{value:.{decimals}f}{m.group(2)}{m.group(3)}"

    return _TARGET.sub(target, _DEADLINE.sub(deadline, text))


class Generator:
    """Plans for a jurisdiction tree, rendered from the bundled templates with one seeded random source."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.nations = _nations()
        self.texts = {t.file: (PLANS / t.file).read_text(encoding="utf-8") for t in PREFECTURE_TEMPLATES}
        self.texts |= {t.file: (PLANS / t.file).read_text(encoding="utf-8") for t in COUNTY_TEMPLATES}
        self.plans: dict[str, GeneratedPlan] = {}

    def _short(self, place: Place) -> str:
        return short_name(place.name, self.nations)

    def plan_for(self, place: Place) -> GeneratedPlan:
        templates = COUNTY_TEMPLATES if place.level == "county" else PREFECTURE_TEMPLATES
        template = self.rng.choice(templates)
        title = template.title.replace(template.own[0], place.name, 1)
        n = self.rng.randint(8, 160)
        if place.level == "province":
            number = f"{PROVINCE_ABBR[place.adcode[:2]]}政发〔2018〕{n}号"
        elif place.level == "prefecture":
            year = 2020 if "2020" in title else 2018
            number = f"{place.name[0]}政发〔{year}〕{n}号"
        else:
            number = f"{place.name[0]}政通〔2019〕{n}号"
        plan = GeneratedPlan(place, template, title, number)
        self.plans[place.adcode] = plan
        return plan

    def render(self, plan: GeneratedPlan) -> str:
        place, t, rng = plan.place, plan.template, self.rng
        text = self.texts[t.file]
        province = place.province
        parent = place.parent
        own = (place.name, self._short(place))
        # citations: the national plan, the province's plan, the parent's plan (each by title and 文号)
        cites = [_cite(*NATIONAL)]
        chain = [p for p in (province, parent) if p is not None and p is not place]
        for upper in dict.fromkeys(chain):
            cites.append(_cite(_notice_title(self.plans[upper.adcode]), self.plans[upper.adcode].doc_number))
        text = text.replace(t.cites, "、".join(cites[:-1]) + ("和" if len(cites) > 1 else "") + cites[-1], 1)
        roles = {
            "own_abbr": place.name[0],
            "prov_abbr": PROVINCE_ABBR[place.adcode[:2]],
            "own_short": own[1],
            "doc_number": plan.doc_number,
            "n2": str(rng.randint(5, 60)),
        }
        pairs = [(old, new.format(**roles)) for old, new in t.replace.items()]
        text = _swap(text, pairs)
        # names: own, parent, province, and the counties the text mentions
        prov_names = (province.name, self._short(province))
        mapping = [(t.own[0], own[0]), (t.own[1], own[1]), (t.province[0], prov_names[0])]
        mapping.append((t.province[1], prov_names[1]))
        if t.parent:
            up = parent if parent is not None else province
            mapping += [(t.parent[0], up.name), (t.parent[1], self._short(up))]
        kids = [c.name for c in place.children] or [place.name]
        mapping += [(child, kids[i % len(kids)]) for i, child in enumerate(t.children)]
        text = _swap(text, mapping)
        text = _swap_level_char(text, t.level_char, level_char(place))
        if t.parent_level_char:
            up = parent if parent is not None else province
            text = _swap_level_char(text, t.parent_level_char, level_char(up))
        text = _vary(text, rng)
        if "{doc_number}" not in t.replace.values():  # the template has no 文号 line of its own
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            year = 2020 if "2020" in plan.title else 2018 if place.level != "county" else 2019
            header = f"{place.name}人民政府文件\n\n{plan.doc_number}\n\n{year}年{month}月{day}日\n\n"
            text = header + text
        return text


def ordered_places(provinces: list[Place]) -> list[Place]:
    """Every place, each parent before its children: a province, then each prefecture with its counties."""
    order: list[Place] = []

    def walk(place: Place) -> None:
        order.append(place)
        for child in place.children:
            walk(child)

    for province in provinces:
        walk(province)
    return order


def generate(out: Path, plans: int | None = None, seed: int = 7) -> list[GeneratedPlan]:
    """Write the corpus (the first `plans` plans of the top-down order, all by default) into `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    provinces = jurisdiction_tree()
    random.Random(seed).shuffle(provinces)  # which province's subtree a small corpus holds
    order = ordered_places(provinces)[: plans or None]
    generator = Generator(seed)
    written = []
    for i, place in enumerate(order):
        plan = generator.plan_for(place)
        plan.file = f"{i:04d}_{place.adcode}.txt"
        (out / plan.file).write_text(generator.render(plan), encoding="utf-8")
        written.append(plan)
    with (out / "manifest.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "adcode", "name", "level", "parent", "doc_number", "title", "template"])
        for p in written:
            parent = p.place.parent.adcode if p.place.parent else ""
            writer.writerow(
                [
                    p.file,
                    p.place.adcode,
                    p.place.name,
                    p.place.level,
                    parent,
                    p.doc_number,
                    p.title,
                    p.template.file,
                ]
            )
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the plan files into")
    parser.add_argument("--plans", type=int, default=None, help="only the first N plans (default: all)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = parser.parse_args()
    written = generate(args.out, args.plans, args.seed)
    levels = {lv: sum(p.place.level == lv for p in written) for lv in ("province", "prefecture", "county")}
    size = sum((args.out / p.file).stat().st_size for p in written) / 1024 / 1024
    print(
        f"{len(written)} plans ({', '.join(f'{n} {lv}' for lv, n in levels.items())}), {size:.1f} MB → {args.out}"
    )


if __name__ == "__main__":
    main()
