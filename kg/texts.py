"""The store's task texts beside the graph, for word search: which tasks' text contains some words, found
without a SPARQL scan of every task text.

Oxigraph has no text index: ``FILTER(CONTAINS(STR(?text), "扬尘"))`` reads every task text of the graph
(0.7 s at 6M triples). Every store writer (``kg build``, `kg.store.write_store`) therefore also writes each
task's IRI, its ``lt:taskOrder`` as the statistics graph states it, and its text to ``lantian-task-texts.tsv``
in the store folder, and a reader loads that file once per store generation and scans it in memory (tens of
milliseconds for the national corpus's 148,000 tasks). The scan yields candidates, compared in lower case; the
query that follows still states its own ``FILTER``, so the answer is the query's, whether the table is there or
not. The order numbers spare a query that orders its candidates by ``lt:taskOrder`` looking each one up
(~10 µs a task at 6M triples: 38 ms of a 95 ms page for 3,739 tasks holding 扬尘).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path

# in the store folder, a line per task: "<task IRI>\t<its lt:taskOrder numbers, space-separated>\t<text, one
# line>" (a store written before the order column: "<task IRI>\t<text>")
TASK_TEXTS = "lantian-task-texts.tsv"
MAX_CANDIDATES = 20_000  # above this many matches a VALUES list costs more than the scan it saves
# the VALUES rows of the latest words searched, kept per table (a list's pages search the same words)
ROWS_KEPT = 32


def write_task_texts(
    folder: Path | str, texts: Iterable[tuple[str, str]], orders: dict[str, list[int]]
) -> None:
    """Write (task IRI, text) pairs as the store folder's task text table (line breaks become spaces), each
    with the task's ``lt:taskOrder`` numbers in the store, `orders` (none for a task the store orders not)."""
    with open(Path(folder) / TASK_TEXTS, "w", encoding="utf-8") as out:
        for iri, text in texts:
            numbers = " ".join(map(str, orders.get(iri, ())))
            out.write(f"{iri}\t{numbers}\t{' '.join(str(text).split())}\n")


class TaskTexts:
    """A store's task text table in memory: each task's IRI and its text in lower case, and, when the table
    states them (`orders` not None), each task's ``lt:taskOrder`` numbers in the store."""

    def __init__(self, pairs: list[tuple[str, str]], orders: dict[str, list[int]] | None = None):
        self.pairs = pairs
        self.orders = orders
        self._simplified: list[tuple[str, str]] | None = None
        self._lock = threading.Lock()
        # (words, variables) → values_row's answer, the latest few
        self._rows: dict[tuple[str, ...], str | None] = {}

    def simplified(self) -> list[tuple[str, str]]:
        """Each task's IRI and its text in lower case and Simplified characters (made on first use; a text
        with nothing Traditional in it is shared, not copied)."""
        if self._simplified is None:
            from loaders.reading import changing_characters, to_simplified

            with self._lock:
                if self._simplified is None:
                    # the characters of every text asked once (0.4 s for 70,000 texts, where asking text by
                    # text took 0.9 s); only the texts holding one that changes are converted
                    changing = changing_characters("".join(text for _, text in self.pairs))
                    traditional = re.compile("|".join(map(re.escape, changing))) if changing else None
                    self._simplified = [
                        (iri, to_simplified(text) if traditional and traditional.search(text) else text)
                        for iri, text in self.pairs
                    ]
        return self._simplified

    def holding(self, word: str) -> set[str]:
        """The IRIs of the tasks whose text holds `word` (lower case, Simplified), compared in Simplified."""
        return {iri for iri, text in self.simplified() if word in text}

    def __len__(self) -> int:
        return len(self.pairs)

    def containing(self, words: str) -> list[str]:
        """The IRIs of the tasks whose text contains `words`, in any case (each once)."""
        words = " ".join(words.split()).lower()
        return list(dict.fromkeys(iri for iri, text in self.pairs if words in text))

    def values_row(self, words: str, variable: str = "task", order: str | None = None) -> str | None:
        """``VALUES ?variable { <task> … }`` of the tasks whose text contains `words`, for a query whose own
        FILTER then checks those few instead of every task text; "" when more than `MAX_CANDIDATES` match
        (the list would cost more than the scan it saves).

        With an `order` variable, ``VALUES (?variable ?order) { (<task> 17) … }`` instead: each candidate with
        each of its ``lt:taskOrder`` numbers, in that order (a candidate the store orders not is left out), to
        stand for the pattern ``?variable lt:taskOrder ?order`` over the candidates; None when the table
        states no order numbers (written before they were) or too many tasks match."""
        key = (" ".join(words.split()).lower(), variable, order or "")
        if key in self._rows:
            return self._rows[key]
        # the scan of every text is most of a page's binding (20 ms for 扬尘 at 6M triples): the next pages of
        # the same words reuse it
        found = self.containing(words)
        if order is None:
            row: str | None = (
                "" if len(found) > MAX_CANDIDATES else f"VALUES ?{variable} {{ {' '.join(f'<{iri}>' for iri in found)} }}"
            )
        elif self.orders is None or len(found) > MAX_CANDIDATES:
            row = None
        else:
            pairs = sorted((number, iri) for iri in found for number in self.orders.get(iri, ()))
            row = f"VALUES (?{variable} ?{order}) {{ {' '.join(f'(<{iri}> {n})' for n, iri in pairs)} }}"
        with self._lock:
            if len(self._rows) >= ROWS_KEPT:
                self._rows.pop(next(iter(self._rows)), None)
            self._rows[key] = row
        return row


_loaded: dict[Path, tuple[tuple, TaskTexts]] = {}
_lock = threading.Lock()


def task_texts(store_dir: Path | str) -> TaskTexts | None:
    """The task text table of the store at `store_dir`, or None when the store has none (written by an older
    version). Loaded once and kept until the file changes (a rebuild swaps in a new folder)."""
    path = (Path(store_dir) / TASK_TEXTS).resolve()
    try:
        st = os.stat(path)
    except OSError:
        return None
    stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
    with _lock:
        held = _loaded.get(path)
        if held is not None and held[0] == stamp:
            return held[1]
        pairs = []
        orders: dict[str, list[int]] | None = {}
        with open(path, encoding="utf-8") as table:
            for line in table:
                fields = line.rstrip("\n").split("\t")
                if len(fields) == 3:
                    iri, numbers, text = fields
                    if numbers and orders is not None:
                        orders[iri] = [int(n) for n in numbers.split()]
                else:  # written before the order column
                    (iri, text), orders = fields, None
                pairs.append((iri, text.lower()))
        texts = TaskTexts(pairs, orders)
        _loaded[path] = (stamp, texts)
        return texts


# --- each plan's source file, for the explorer's download of it ---------------------------------------
# (the plan's text itself is in the graph: lt:planText)

PLAN_SOURCES = "lantian-plan-sources"  # in the store folder: one JSON file per plan (see `write_plan_source`)


def _plan_source_path(folder: Path | str, plan_iri: str) -> Path:
    import hashlib

    return Path(folder) / PLAN_SOURCES / (hashlib.sha1(plan_iri.encode("utf-8")).hexdigest()[:20] + ".json")


def write_plan_source(folder: Path | str, plan_iri: str, source: str) -> None:
    """Keep the path of the file the plan was read from, in the store folder being written."""
    import json

    path = _plan_source_path(folder, plan_iri)
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        json.dumps({"plan": plan_iri, "source": source}, ensure_ascii=False), "utf-8"
    )


def keep_plan_source(old_folder: Path | str, new_folder: Path | str, plan_iri: str) -> bool:
    """Keep a plan's source path of the live store in the one being written (a plan a build reuses is not
    read again): a hard link to its file, or a copy; False when the live store has none (written by an older
    version)."""
    import shutil

    old = _plan_source_path(old_folder, plan_iri)
    if not old.is_file():
        return False
    new = _plan_source_path(new_folder, plan_iri)
    new.parent.mkdir(exist_ok=True)
    try:
        os.link(old, new)
    except OSError:
        shutil.copyfile(old, new)
    return True


def read_plan_source(folder: Path | str, plan_iri: str) -> dict | None:
    """{"plan", "source"} as the build kept them, or None when the store keeps no source path for the plan."""
    import json

    try:
        return json.loads(_plan_source_path(folder, plan_iri).read_text("utf-8"))
    except (OSError, ValueError):
        return None
