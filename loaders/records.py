"""The plain records a plan becomes: Plan, Task, Attribution, Agency, Deadline, Target, CitedPlan.

Loaders produce these; `kg.build` turns them into triples. They know nothing of RDF and are
JSON-serialisable with `dataclasses.asdict`. Every fact keeps the character offsets (`start`,
`end`) of the span that states it, in the plan's display text (`Plan.text`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from loaders.places import place_key


class Role(StrEnum):
    """How an agency is accountable for a task (DESIGN.md role mapping)."""

    LEADS = "leads"  # 牵头 / 牵头单位 / 牵头督导
    SUPPORTS = "supports"  # 参与 / 配合 / 配合单位 / 协助
    IMPLEMENTS = "implements"  # 负责落实 / 具体负责 / 责任单位
    RESPONSIBLE = "responsibleFor"  # 按照职责负责 / 分别负责 / 负责, no lead named


class Level(StrEnum):
    """Administrative level of a jurisdiction."""

    NATION = "nation"
    PROVINCE = "province"
    PREFECTURE = "prefecture"
    COUNTY = "county"
    TOWNSHIP = "township"


@dataclass
class Jurisdiction:
    """An administrative area, e.g. 武定县 (county) within 楚雄州 within 云南省."""

    name: str  # full name as the plan uses it: 红河州, 钦州市, 官渡区
    level: str  # a Level value
    within: Jurisdiction | None = None

    @property
    def key(self) -> str:
        """Its identity among places of the same name: 南京市鼓楼区 and 福州市鼓楼区 (see `loaders.places`)."""
        return place_key(self.name, self.level, self.within)


@dataclass
class Agency:
    """A government unit resolved to its canonical name and the jurisdiction it belongs to."""

    name: str  # canonical full name, e.g. 红河州环境保护局
    jurisdiction: str  # name of its Jurisdiction, e.g. 红河州
    is_group: bool = False  # a collective placeholder (各县市人民政府, 有关部门)
    surface: str = ""  # the form written in the plan, e.g. 州环保局
    key: str = ""  # stable identifier key inside its jurisdiction (canonical, normalised)
    jurisdiction_key: str = ""  # its Jurisdiction's key where it differs from the name: 昆明市官渡区

    @property
    def place(self) -> str:
        """The key of its jurisdiction (see `Jurisdiction.key`): what tells it apart from a namesake's unit."""
        return self.jurisdiction_key or self.jurisdiction


@dataclass
class Attribution:
    """One agency's role on a task, with the span of the plan text that names it."""

    role: str  # a Role value
    agency: Agency
    start: int
    end: int


@dataclass
class Deadline:
    """A due date: the last day of the stated period, with the phrase as written."""

    due_date: str  # ISO yyyy-mm-dd
    phrase: str  # as written: 2020年底前
    precision: str  # year | month | day
    start: int
    end: int


@dataclass
class Target:
    """A quantitative target: PM2.5年均浓度小于30微克/立方米."""

    indicator: str
    comparator: str  # lt | le | gt | ge | eq | reduce | increase ...
    value: float
    unit: str
    year: int | None
    baseline_year: int | None
    phrase: str
    start: int
    end: int


@dataclass
class DocRef:
    """A document cited in the text: 《…》 with its 文号 when stated."""

    title: str
    doc_number: str
    start: int
    end: int


def plan_key(jurisdiction: str, doc_number: str, title: str) -> str:
    """The identity of a plan: its issuer's jurisdiction key and its 文号 ("开封市通许县/通政〔2019〕31号"), else its 文号
    alone, else its title. A 文号 is unique only within its issuer: 通州区 and 通许县 may both issue a
    通政〔2019〕31号, and 南通市 one more."""
    if doc_number:
        return f"{jurisdiction}/{doc_number}" if jurisdiction else doc_number
    return title


_DOC_NUMBER = re.compile(r"[^/]+〔\d{4}〕\d+号")


def plan_key_parts(key: str) -> tuple[str, ...]:
    """A plan key as the parts of its IRI path: (jurisdiction, 文号) when it has both, else the key whole (a
    title may hold a "/" of its own)."""
    head, _, number = key.rpartition("/")
    return (head, number) if head and "/" not in head and _DOC_NUMBER.fullmatch(number) else (key,)


@dataclass
class CitedPlan:
    """An upper-level plan the plan says it implements, identified by its 文号 or title."""

    title: str = ""
    doc_number: str = ""  # normalised brackets: 云政发〔2018〕44号
    jurisdiction: str = ""  # issuer's jurisdiction when the title names it: 云南省; 国务院 -> 中国
    level: str = ""  # a Level value when known
    derives_from: list[str] = field(default_factory=list)  # keys of the cited plans it in turn implements
    jurisdiction_key: str = ""  # the issuer's Jurisdiction.key when known: 四平市铁东区

    @property
    def place(self) -> str:
        """The key of the issuer's jurisdiction."""
        return self.jurisdiction_key or self.jurisdiction

    @property
    def key(self) -> str:
        """The identity of the cited plan (see `plan_key`)."""
        return plan_key(self.place, self.doc_number, self.title)


@dataclass
class Task:
    """One measure of a plan that carries its own responsibility attribution."""

    section: str  # outline place: 二.(一).3
    heading: str  # the heading text of its section, e.g. 优化产业布局
    text: str  # the task's text as written
    start: int  # offsets in Plan.text
    end: int
    attributions: list[Attribution] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    docrefs: list[DocRef] = field(default_factory=list)
    names_none: bool = False  # the plan names no accountable agency for it


@dataclass
class Skipped:
    """A paragraph that yielded nothing, with why."""

    start: int
    end: int
    text: str
    reason: str


@dataclass
class Plan:
    """A loaded plan document and everything extracted from it."""

    source_file: str
    title: str
    text: str  # display text (as written, normalised punctuation/line breaks)
    jurisdiction: Jurisdiction | None = None
    level: str = ""
    doc_number: str = ""
    date: str = ""  # ISO date of issue when stated
    year: int | None = None  # the year the plan is for (for dates like 3月底前)
    cites: list[CitedPlan] = field(default_factory=list)  # upper plans it implements
    tasks: list[Task] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)  # plan-level targets
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    places: list[Jurisdiction] = field(default_factory=list)  # other areas its agencies belong to (蒙自市)

    @property
    def jurisdiction_name(self) -> str:
        return self.jurisdiction.name if self.jurisdiction else ""

    @property
    def key(self) -> str:
        """The identity of the plan (see `plan_key`): its jurisdiction's key, so that the plans of 南京市鼓楼区
        and of 福州市鼓楼区 stay two even when their 文号 are alike."""
        return plan_key(self.jurisdiction.key if self.jurisdiction else "", self.doc_number, self.title)

    def coverage(self) -> tuple[int, int]:
        """(measures with at least one accountable unit, measures): the plan's tasks, and the table rows under its
        task sections that name no unit (reported as skipped), count as measures."""
        measures = len(self.tasks) + sum(s.reason in UNATTRIBUTED_MEASURES for s in self.skipped)
        return sum(1 for t in self.tasks if t.attributions), measures

    def to_dict(self) -> dict:
        return asdict(self)


# the skip reasons of a measure the plan states but attributes to no unit (loaders.tasks)
UNATTRIBUTED_MEASURES = {"appendix row without an attribution"}
COVERAGE_WARNING = 0.8  # `kg build` warns of a plan whose measures are covered less than this
