"""Place identity: which key tells apart two places of the same name (鼓楼区 of 南京市 and of 福州市).

A county-level place is identified by the prefecture it lies in (or the municipality, 北京市通州区), written in
that place's short form so that 红河哈尼族彝族自治州 and 红河州 qualify alike: 南京市鼓楼区, 红河州蒙自市. A
township is identified by its county's key. Higher places, whose names are unique, are identified by their
name; so is a county whose plan says no prefecture or municipality above it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loaders.records import Jurisdiction

MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
ETHNIC = re.compile(
    r"(?:(?:维吾尔|哈萨克|柯尔克孜|乌孜别克|俄罗斯|塔吉克|塔塔尔|鄂温克|鄂伦春|达斡尔|蒙古|朝鲜|土家|哈尼|傈僳|"
    r"拉祜|纳西|景颇|布依|仫佬|仡佬|毛南|独龙|普米|阿昌|德昂|基诺|保安|裕固|东乡|锡伯|门巴|珞巴|赫哲|撒拉|"
    r"布朗|高山|壮|回|藏|苗|彝|侗|瑶|白|傣|佤|羌|土|水|黎|畲|怒|满|京)族)+$"
)
_AUTONOMOUS = ("自治区", "自治州", "自治县", "自治旗")


def short_place_name(name: str) -> str:
    """An autonomous place's common short form (红河哈尼族彝族自治州 → 红河州); any other name as it is."""
    for suffix in _AUTONOMOUS:
        if name.endswith(suffix):
            short = ETHNIC.sub("", name[: -len(suffix)])
            return short + suffix[-1] if len(short) >= 2 else name
    return name


def place_key(name: str, level: str, parent: Jurisdiction | None) -> str:
    """The key of a place of `level` (a `Level` value) named `name` that lies in `parent`: see the module
    docstring."""
    if parent is None:
        return name
    if level == "county" and (parent.level == "prefecture" or parent.name in MUNICIPALITIES):
        qualifier = short_place_name(parent.name)
    elif level == "township" and parent.level == "county":
        qualifier = parent.key
    else:
        return name
    return name if name.startswith(qualifier) else qualifier + name
