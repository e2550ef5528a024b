"""Read a plan's sidecar, ``<plan>.yaml`` beside it: metadata fields that override what the text says.

Fields: title, jurisdiction, level, within (the places above, outermost first), doc_number, date, year,
cites (文号, titles or {title:, doc_number:}). The file is at most 64 KB of safe YAML without aliases, each
field's value is checked, and every error names the sidecar (and the field).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import yaml

from loaders.metadata import cited_plan, normalise_doc_number
from loaders.reading import PlanInputError
from loaders.records import CitedPlan, Level

_SIDECAR_BYTES = 64 * 1024


class _SidecarLoader(yaml.SafeLoader):
    """Safe YAML without aliases: an alias repeats a node, and nested ones repeat it exponentially (a few
    hundred bytes can stand for gigabytes: an "alias bomb")."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"aliases (*{event.anchor}) are not accepted", event.start_mark
            )
        return super().compose_node(parent, index)


def _text(value) -> str:
    if not isinstance(value, str):
        raise ValueError("a text")
    if any(unicodedata.category(c) == "Cc" for c in value):  # YAML's "\r\n" or "\x1b" escapes
        raise ValueError("a text of one line, without control characters")
    return value


def _date(value) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):  # YAML reads 2018-11-01 as a date
        return value.isoformat()
    try:  # a quoted "2018-13-45" or any other text was kept as the plan's date, and shown nowhere
        return dt.date.fromisoformat(_text(value).strip()).isoformat()
    except ValueError:
        raise ValueError("a date (YYYY-MM-DD)") from None


def _year(value) -> int:
    text = str(value).strip()
    # four ASCII digits at most: "²" passes str.isdigit() but int() refuses it, and so it does 5000 digits
    if isinstance(value, bool) or not isinstance(value, int | str) or not (text.isascii() and text.isdigit()):
        raise ValueError("a year (a whole number)")
    if len(text) > 4:
        raise ValueError("a year (a whole number of four digits at most)")
    return int(text)


def _level(value) -> str:
    if _text(value) not in set(Level):  # any other word was kept, and shown as a level no one knows
        raise ValueError(f"one of {', '.join(Level)}")
    return value


def _places(value) -> list[str]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ValueError("a list of place names (the outermost first)")
    return [_text(name) for name in names]


def _citations(value) -> list[CitedPlan]:
    def cited(entry) -> CitedPlan:
        if isinstance(entry, str):
            return _cited(_text(entry))
        if isinstance(entry, dict) and set(entry) <= {"title", "doc_number"}:
            if all(isinstance(v, str) for v in entry.values()):
                return _cited({k: _text(v) for k, v in entry.items()})
        raise ValueError("a list of 文号, titles or {title:, doc_number:} (texts)")

    if not isinstance(value, list):
        raise ValueError("a list of 文号, titles or {title:, doc_number:}")
    return [cited(entry) for entry in value]


# each field a sidecar may set, and what reads its value (ValueError: what the value should be)
_SIDECAR_FIELDS = {
    "title": _text,
    "jurisdiction": _text,
    "level": _level,
    "within": _places,
    "doc_number": lambda value: normalise_doc_number(_text(value)),
    "date": _date,
    "year": _year,
    "cites": _citations,
}


def read_sidecar(sidecar: Path) -> dict:
    """The fields of a sidecar, each checked and read; PlanInputError naming the file (and the field)."""
    try:
        with sidecar.open("rb") as file:
            raw = file.read(_SIDECAR_BYTES + 1)
    except OSError as e:
        raise PlanInputError(sidecar, f"sidecar cannot be read: {e.strerror or e}") from e
    if len(raw) > _SIDECAR_BYTES:
        raise PlanInputError(sidecar, f"sidecar is larger than {_SIDECAR_BYTES // 1024} KB")
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_SidecarLoader) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise PlanInputError(sidecar, f"unreadable sidecar: {e}") from e
    except ValueError as e:  # YAML took a value for a date (2020-13-45) or a number Python refuses
        raise PlanInputError(sidecar, f"unreadable sidecar: a value cannot be read ({e})") from e
    if not isinstance(data, dict):
        raise PlanInputError(sidecar, f"a sidecar is a mapping of fields among {sorted(_SIDECAR_FIELDS)}")
    unknown = sorted(map(str, set(data) - set(_SIDECAR_FIELDS)))
    if unknown:
        raise PlanInputError(
            sidecar,
            f"unknown field(s) {', '.join(unknown)}: sidecar fields are among {sorted(_SIDECAR_FIELDS)}",
        )
    fields = {}
    for key, value in data.items():
        try:
            fields[key] = _SIDECAR_FIELDS[key](value)
        except ValueError as e:
            raise PlanInputError(sidecar, f"field '{key}' must be {e}, not {value!r:.60}") from None
    return fields


def _cited(entry: dict | str) -> CitedPlan:
    """A cited plan from a sidecar: {title:, doc_number:} or one string, a 文号 or a title."""
    if isinstance(entry, dict):
        title, number = str(entry.get("title", "")), normalise_doc_number(str(entry.get("doc_number", "")))
    else:
        number = normalise_doc_number(str(entry))
        title = "" if number else str(entry)
    return cited_plan(title, number)
