"""The explorer's read access to the graph: domain questions (a plan, a task, an agency, search, due
dates…) answered as plain, JSON-ready dicts and lists.

Where the graph is read from is a `web.graph_source` source: the local store folder (pyoxigraph, SPARQL
strings straight to Oxigraph: no rdflib in the path of a page) or a remote SPARQL 1.1 endpoint
(SPARQLWrapper). Pages see one API whichever it is. Answers are cached per *generation* of the source: the
local store changes only by a swap of its folder; a remote server's answers are kept for a time-to-live.

`page_url(iri)` rewrites a Lantian instance IRI (https://w3id.org/lantian/id/…) to the explorer's
/id/… path; `iri_from_request_path(raw)` does the reverse for an incoming request.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from datetime import date
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pyoxigraph as ox

from kg.namespaces import ID, LT, PREFIXES, _escape
from kg.reports import add_deadline, plus_days, with_phrase
from kg.statistics import DUE_ORDER_SCALE
from kg.store import whole_lines
from web.graph_source import LocalStore, RemoteEndpoint

ID_BASE = str(ID)
ROLES = ("leads", "supports", "implements", "responsibleFor")
_ROLE_BY_IRI = {str(LT[r]): r for r in ROLES}
LEVEL_RANK = {"nation": 0, "province": 1, "prefecture": 2, "county": 3, "township": 4}
SEARCH_LIMIT = 50
_PREFIXES = {name: str(ns) for name, ns in PREFIXES.items()}
_CACHE_SIZE = 8192
_MISSING = object()
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


# --- IRIs and explorer paths -------------------------------------------------------------------------


def page_url(iri: object) -> str:
    """The explorer path of a Lantian instance IRI (https://w3id.org/lantian/id/x → /id/x); any other IRI
    is returned unchanged. The IRI's percent-escapes are kept, so the path maps back to exactly that IRI."""
    text = str(iri)
    if text.startswith(ID_BASE):
        return "/id/" + text[len(ID_BASE) :]
    return text


_PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def iri_from_request_path(path: str) -> str:
    """The instance IRI for the part of a request's raw path after /id/.

    Browsers percent-encode CJK characters (%E7%BA%A2…) but a segment escape such as %2F must stay one:
    each run of %XX is decoded, then the characters an IRI segment may not hold are escaped again
    exactly as `kg.namespaces.mint` does, so the result is the minted IRI."""

    def decode(match: re.Match) -> str:
        return _escape(unquote_to_bytes(match.group()).decode("utf-8", "replace"))

    return ID_BASE + _PERCENT_RUN.sub(decode, path)


def _excerpt(text: str, words: str, width: int = 60) -> str:
    """A window of `text` around the first occurrence of `words`."""
    at = text.lower().find(words.lower()) if words else -1
    if at < 0:
        return text[: width * 2] + ("…" if len(text) > width * 2 else "")
    start = max(0, at - width)
    end = min(len(text), at + len(words) + width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _section_key(section: str) -> str:
    return section or "-"


# --- the repository ----------------------------------------------------------------------------------


class Repository:
    """Read access to the graph for the explorer (one per app): `source` is a store folder (a path) or a
    `web.graph_source` source (LocalStore, RemoteEndpoint)."""

    def __init__(self, source: LocalStore | RemoteEndpoint | Path | str):
        if isinstance(source, Path | str):
            source = LocalStore(source, _PREFIXES)
        self.source = source
        self._lock = threading.Lock()
        self._token: object = _MISSING
        self._cache: dict = {}
        self._generation = 0
        self._computing: dict = {}  # key → a lock held while one thread computes that answer

    # -- the source and its generations --

    def refresh(self) -> None:
        """Start a new generation (an empty cache) when the source's graph may have changed; raises the
        source's error (StoreMissingError, GraphUnavailable) when it cannot be read."""
        token = self.source.token()
        if token != self._token:
            with self._lock:
                if token != self._token:
                    self._cache = {}
                    self._token = token
                    self._generation += 1

    @property
    def generation(self) -> int:
        """A number that changes whenever cached answers were dropped (a rebuilt store, a remote TTL)."""
        self.refresh()
        return self._generation

    def available(self) -> bool:
        return self.source.available()

    def rows(self, sparql: str, **bindings) -> list[dict]:
        """A SELECT query's solutions as dicts of plain values (unbound variables as None); the project's
        prefixes (lt:, id:, rdfs: …) are known.

        Keyword arguments bind variables with a VALUES row at the start of the WHERE clause: str values
        starting with "http" become IRIs, other values literals (serialised by pyoxigraph, so escaped)."""
        return self.source.select(_bind(sparql, bindings))

    def table(self, sparql: str, **bindings) -> list[tuple]:
        """A SELECT query's solutions as tuples of plain values in the order of its variables (as `rows`,
        without a dict a row: for reads of a whole kind, hundreds of thousands of rows at national scale)."""
        return self.source.select_tuples(_bind(sparql, bindings))

    def ask(self, sparql: str, **bindings) -> bool:
        """An ASK query's answer (bindings as for `rows`)."""
        return self.source.ask(_bind(sparql, bindings))

    def triples(self, sparql: str, **bindings) -> list[ox.Triple]:
        """A CONSTRUCT or DESCRIBE query's triples, without duplicates (bindings as for `rows`)."""
        return self.source.construct(_bind(sparql, bindings))

    def cached(self, key, compute):
        """The answer cached under `key` for this generation, else `compute()`'s, cached.

        One thread computes a given answer at a time; the others asking for it meanwhile wait for it. (At
        national scale the audit's task table takes 5 s: eight users opening the overdue report on a fresh
        server each computed it, all eight answered after 56-64 s, the server at 3.7 GB.)"""
        self.refresh()  # a new generation (an empty cache) first if the graph may have changed
        value = self._cache.get(key, _MISSING)
        if value is not _MISSING:
            return value
        with self._lock:
            running = self._computing.get(key)
            if running is None:
                running = self._computing[key] = threading.Lock()
                running.acquire()
                leader = True
            else:
                leader = False
        if not leader:
            with running:  # wait for the thread computing it; if it failed, compute it here
                pass
            return self.cached(key, compute)
        try:
            value = compute()
            if len(self._cache) >= _CACHE_SIZE:  # drop the oldest answer, not all (the home page alone
                self._cache.pop(next(iter(self._cache)))  # caches one per plan: 1,106 at 6M triples)
            self._cache[key] = value
            return value
        finally:
            with self._lock:
                del self._computing[key]
            running.release()

    def peek(self, key):
        """The answer cached under `key` for this generation, else None (nothing computed)."""
        self.refresh()
        value = self._cache.get(key, _MISSING)
        return None if value is _MISSING else value

    # -- what a resource is --

    def kind(self, iri: str) -> str | None:
        """plan, task, agency, jurisdiction, or another lt: class name in lower case; None when unknown."""

        def compute():
            types = {r["type"] for r in self.rows("SELECT ?type WHERE { ?s a ?type }", s=iri)}
            for name in ("Plan", "Task", "AgencyGroup", "Agency", "Jurisdiction"):
                if str(LT[name]) in types:
                    return "agency" if name == "AgencyGroup" else name.lower()
            for t in sorted(types):
                if t.startswith(str(LT)):
                    return t[len(str(LT)) :].lower()
            if types or self.ask("ASK WHERE { ?s ?p ?o }", s=iri):
                return "resource"
            return None

        return self.cached(("kind", iri), compute)

    def label(self, iri: str) -> str:
        found = self.rows("SELECT ?label WHERE { ?s rdfs:label ?label } ORDER BY ?label LIMIT 1", s=iri)
        return found[0]["label"] if found else iri.rsplit("/", 1)[-1]

    # -- lists and figures --

    def stats(self) -> dict:
        def compute():
            counts = {}
            for name, cls in (
                ("plans", "lt:Plan"),
                ("tasks", "lt:Task"),
                ("agencies", "lt:Agency"),
                ("deadlines", "lt:Deadline"),
                ("targets", "lt:Target"),
            ):
                # DISTINCT: a server whose union default graph repeats a triple held by two graphs counts it once
                counts[name] = self.rows(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a {cls} }}")[0]["n"]
            counts["loaded_plans"] = self.rows(
                "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a lt:Plan ; lt:sourceFile ?f }"
            )[0]["n"]
            return counts

        return self.cached("stats", compute)

    def plans(self) -> list[dict]:
        """Every plan (loaded or only cited): title, 文号, level, jurisdiction, date, task count."""

        def compute():
            rows = self.rows(
                """SELECT ?plan ?title ?docNumber ?level ?jurisdiction ?jurisdictionLabel ?issued ?sourceFile
                          (COUNT(?t) AS ?tasks)
                   WHERE { ?plan a lt:Plan ; rdfs:label ?title .
                     OPTIONAL { ?plan lt:docNumber ?docNumber } OPTIONAL { ?plan lt:level ?level }
                     OPTIONAL { ?plan lt:jurisdiction ?jurisdiction . ?jurisdiction rdfs:label ?jurisdictionLabel }
                     OPTIONAL { ?plan dcterms:issued ?issued } OPTIONAL { ?plan lt:sourceFile ?sourceFile }
                     OPTIONAL { ?t lt:inPlan ?plan } }
                   GROUP BY ?plan ?title ?docNumber ?level ?jurisdiction ?jurisdictionLabel ?issued ?sourceFile"""
            )
            for row in rows:
                row["loaded"] = row["sourceFile"] is not None
            rows.sort(key=lambda r: (LEVEL_RANK.get(r["level"] or "", 9), r["title"]))
            return rows

        return self.cached("plans", compute)

    def agencies(self) -> list[dict]:
        """Every agency: name, jurisdiction, aliases, how many tasks it leads and is accountable for."""

        def compute():
            # the task counts as the builder states them (lt:tasksLed …: counting every role triple took
            # 39 s at 6M triples); each part a sub-SELECT, read through once and joined by hashing
            rows = self.rows(
                """SELECT ?agency ?label ?jurisdiction ?jurisdictionLabel (COUNT(?collective) > 0 AS ?group)
                          (COALESCE(SAMPLE(?led), 0) AS ?leads) (COALESCE(SAMPLE(?any), 0) AS ?tasks)
                          (GROUP_CONCAT(DISTINCT ?alias; separator="、") AS ?aliases)
                   WHERE { { SELECT ?agency ?label WHERE { ?agency a lt:Agency ; rdfs:label ?label } }
                     OPTIONAL { SELECT ?agency ?jurisdiction ?jurisdictionLabel WHERE {
                       ?agency a lt:Agency ; lt:jurisdiction ?jurisdiction . ?jurisdiction rdfs:label ?jurisdictionLabel } }
                     OPTIONAL { SELECT ?agency ?alias WHERE { ?agency skos:altLabel ?alias } }
                     OPTIONAL { SELECT ?agency ?led WHERE { ?agency lt:tasksLed ?led } }
                     OPTIONAL { SELECT ?agency ?any WHERE { ?agency lt:tasksAccountableFor ?any } }
                     OPTIONAL { SELECT ?agency ?collective WHERE { ?agency a lt:AgencyGroup BIND(true AS ?collective) } } }
                   GROUP BY ?agency ?label ?jurisdiction ?jurisdictionLabel"""
            )
            rows.sort(key=lambda r: (r["jurisdictionLabel"] or "", -r["tasks"], r["label"]))
            return rows

        return self.cached("agencies", compute)

    # -- search --

    def search_found(self, q: str) -> dict:
        """What the words of `q` find, all of which must hold (see `web.search`): "order" the tasks found, those
        whose own text holds every word first ("own"), "via" the names of the agencies each other task was found
        by, and the agencies and plans matching the words; no task's facts looked up."""
        from web.search import query_words

        words = query_words(q)
        if not words:
            return {"words": [], "order": [], "own": set(), "via": {}, "agencies": [], "plans": []}
        found = self.cached(("search-found", tuple(words)), lambda: self._search_found(words))
        return found | {"words": words, "agencies": found["agencies"][:SEARCH_LIMIT], "plans": found["plans"][:SEARCH_LIMIT]}

    def search_tables(self) -> tuple:
        """What every search compares its words with: the task text table (its texts in Simplified made) and
        the agencies' names (`web.search.agency_names`), read once per store generation (2-5 s at 6M
        triples, done ahead by the explorer once idle: see `web.pages`)."""
        from web.search import agency_names

        texts = self.source.task_texts()
        if texts is not None:
            texts.simplified()
        return texts, self.cached("search-agencies", lambda: agency_names(self.agencies()))

    def _search_found(self, words: list[str]) -> dict:
        """The matches of each word and the tasks all words let through, ranked (no facts looked up)."""
        from web.search import WordMatch, match_agency, normalise

        texts, agencies = self.search_tables()
        loaded = [p for p in self.plans() if p["loaded"]]
        matches = []
        for word in words:
            m = WordMatch(word)
            m.text_tasks = texts.holding(word) if texts is not None else self._text_holding(word)
            m.plans = [
                p
                for p in loaded
                if any(word in normalise(p[k] or "") for k in ("title", "docNumber", "jurisdictionLabel"))
            ]
            for agency in agencies if not m.plans else ():  # a place or plan word: its plans' tasks
                names = match_agency(word, agency)
                if names:
                    row = agency.row
                    m.agencies.append(
                        {k: row[k] for k in ("agency", "label", "jurisdictionLabel")}
                        | {"matchedNames": names}
                    )
            m.agencies.sort(key=lambda a: (len(a["label"]), a["label"]))
            m.agency_tasks = set(self._tasks_of_agencies([a["agency"] for a in m.agencies]))
            if m.plans:
                m.plan_tasks = set(self._tasks_of_plans([p["plan"] for p in m.plans]))
            matches.append(m)
        found = set.intersection(*(m.tasks() for m in matches))
        # ranked first: the tasks whose own text holds every word (but the words naming a plan or place)
        content = [m for m in matches if not m.plans] or matches
        own = found.intersection(*(m.text_tasks for m in content))
        via: dict[str, list[str]] = {}
        if found - own:
            by_agency = self._tasks_of_agencies(
                list({a["agency"] for m in matches for a in m.agencies}), with_agency=True
            )
            labels = {a["agency"]: a["label"] for m in matches for a in m.agencies}
            for task, agency in by_agency:
                if task in found and labels[agency] not in via.setdefault(task, []):
                    via[task].append(labels[agency])
        # the tasks of a plan (the table's texts include the plans' skipped paragraphs, which are no tasks)
        order_keys = self._task_order(found)
        order = sorted(order_keys, key=lambda x: (x not in own, order_keys[x]))
        # the agencies and plans sections: those matching some word (a one-word query: that word)
        agencies_found = {a["agency"]: a for m in matches for a in m.agencies}
        plans_found = {p["plan"]: p for m in matches for p in m.plans}
        if len(words) == 1:
            plans_found |= {p["plan"]: p for p in self._plans_named(words[0])}
        return {
            "order": order,
            "own": own,
            "via": via,
            "agencies": sorted(agencies_found.values(), key=lambda a: (len(a["label"]), a["label"])),
            "plans": sorted(
                (
                    {k: p.get(k) for k in ("plan", "title", "docNumber", "level")}
                    for p in plans_found.values()
                ),
                key=lambda p: p["title"],
            ),
        }

    def _plans_named(self, word: str) -> list[dict]:
        """Plans (loaded or only cited) whose title, full title or 文号 holds `word`."""
        from web.search import normalise

        return [
            p
            for p in self.plans()
            if any(word in normalise(p[k] or "") for k in ("title", "docNumber", "jurisdictionLabel"))
        ]

    def _text_holding(self, word: str) -> set[str]:
        """Tasks whose text holds `word` by SPARQL (a remote endpoint has no task text table)."""
        rows = self.table(
            "SELECT ?task WHERE { ?task lt:inPlan ?p ; lt:text ?text FILTER(CONTAINS(LCASE(STR(?text)), ?w)) }",
            w=word,
        )
        return {row[0] for row in rows}

    def _values(self, variable: str, iris) -> list[str]:
        """VALUES clauses over `iris`, in chunks a query each."""
        iris = list(iris)
        return [
            f"VALUES ?{variable} {{ {' '.join(f'<{iri}>' for iri in iris[i : i + 2000])} }}"
            for i in range(0, len(iris), 2000)
        ]

    def _tasks_of_agencies(self, agencies: list[str], with_agency: bool = False) -> list:
        """The tasks the agencies are accountable for in any role (with the agency when `with_agency`)."""
        out = []
        for values in self._values("a", agencies):
            rows = self.table(
                f"""SELECT ?task ?a WHERE {{ {values}
                     ?a lt:leads|lt:supports|lt:implements|lt:responsibleFor ?task }}"""
            )
            out += [(task, a) for task, a in rows] if with_agency else [task for task, _ in rows]
        return out

    def _tasks_of_plans(self, plans: list[str]) -> list[str]:
        out = []
        for values in self._values("p", plans):
            out += [row[0] for row in self.table(f"SELECT ?task WHERE {{ {values} ?task lt:inPlan ?p }}")]
        return out

    def _task_order(self, tasks: set[str]) -> dict[str, tuple]:
        """task → (plan title, position in the plan, IRI): the order search results are listed in."""
        keys = {}
        for values in self._values("task", tasks):
            for task, title, start in self.table(
                f"""SELECT ?task ?title ?start WHERE {{ {values} ?task lt:inPlan ?p . ?p rdfs:label ?title
                      OPTIONAL {{ ?task lt:sourceStart ?start }} }}"""
            ):
                keys[task] = (title, start or 0, task)
        return keys

    def task_facts(self, tasks: list[str], within: str | None = None) -> dict[str, dict]:
        """Each task's facts for a list or an export: section, heading, whole text, position, plan and its
        title and place, its agencies in each role (with the unit holding each one's duties now) and its
        deadlines (date, wording), by a few queries over the tasks given (not a read of every task). `within`:
        a group pattern binding ?task to these tasks (or more), for many tasks (an export of a whole list): each
        fact read as a table of those tasks and joined by hashing, where the tasks given are looked up one by
        one (some 15 index lookups a task: at 6M triples 7 s for 14,000 tasks, 1-2 s by hashing)."""
        facts: dict[str, dict] = {}
        wanted = set(tasks)
        for own, held_by, deadlines_of in task_fact_tables(self, tasks, within):
            for task, section, heading, text, start, plan, title, _typed, place, place_label in own:
                if task not in wanted:
                    continue
                facts.setdefault(
                    task,
                    {
                        "task": task,
                        "section": section or "",
                        "heading": heading or "",
                        "text": text,
                        "start": start,
                        "plan": plan,
                        "planTitle": title,
                        "jurisdiction": place,
                        "jurisdictionLabel": place_label,
                        "roles": {role: [] for role in ROLES},
                        "deadlines": [],
                    },
                )
            for task, role, agency, label in held_by:
                held = facts[task]["roles"][_ROLE_BY_IRI[role]] if task in facts else None
                if held is not None and all(x["agency"] != agency for x in held):
                    held.append({"agency": agency, "label": label or agency})
            for task, due, phrase, _typed in deadlines_of:
                if task in facts:
                    add_deadline(facts[task]["deadlines"], due, phrase)
        for fact in facts.values():
            fact["deadlines"].sort(key=lambda d: d["due"])
            for held in fact["roles"].values():
                held.sort(key=lambda x: x["label"])
                self.with_now(held)
        return facts

    # -- due dates --

    def deadline_keys(
        self, kind: str, as_of: str, *, days: int = 90, plan: str | None = None
    ) -> tuple[int, str]:
        """How many rows the list of deadlines `kind` (as `deadline_page`) has, and the group pattern binding
        ?d and ?order (its key, `lt:dueOrder`) to each of its deadlines."""
        start = date.fromisoformat(as_of)  # ValueError on a bad date
        if kind in ("overdue", "due"):
            low, high = 0, _date_key(start)
        elif kind == "due-soon":
            # the first key after the window's last day (keys of one day stay below the next day's)
            low, high = _date_key(start), _date_key(plus_days(start, int(days))) + DUE_ORDER_SCALE
        else:
            raise ValueError(f"unknown list of deadlines: {kind}")

        def keys():
            # a plan's deadlines from its tasks; every plan's by the key alone (one small integer a deadline)
            # (the plan written in, an IRI serialised by pyoxigraph: a VALUES row outside would not reach
            # into the sub-SELECT below)
            found = "?d lt:dueOrder ?order"
            if plan:
                found = f"?t lt:inPlan {ox.NamedNode(plan)} ; lt:hasDeadline ?d . {found}"
            found += f" FILTER(?order >= {low} && ?order < {high})"
            total = self.table(f"SELECT (COUNT(DISTINCT ?order) AS ?n) WHERE {{ {found} }}")[0][0]
            return int(total), found

        return self.cached(("deadline-keys", low, high, plan), keys)

    def deadline_page(
        self,
        kind: str,
        as_of: str,
        *,
        days: int = 90,
        plan: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> dict:
        """One page of a list of deadlines, in the national order the build states (`lt:dueOrder`: by date,
        then the plan's place, then the task): `kind` "overdue" (due before `as_of`), "due-soon" (due from
        `as_of` to `days` days after it, both included) or "due" (due before `as_of`, as /due lists them);
        only `plan`'s (an IRI) when given. Returns {"total": rows in the whole list, "rows": [...]}, a row a task
        and date: task, due, phrase (every wording of that date), section, heading, plan, planTitle,
        jurisdiction, jurisdictionLabel, excerpt, leads ([{agency, label}], by name; `with_now` adds who
        holds them now). The page is read by its keys: at 6M triples a page of overdue takes milliseconds
        where the whole list took over a second. The canned queries overdue.rq, due-soon.rq and
        tasks-due-before.rq give the same lists, in the same order, with `limit` and `offset`."""
        total, found = self.deadline_keys(kind, as_of, days=days, plan=plan)
        limit, offset = max(0, int(limit)), max(0, int(offset))
        rows = self.table(_deadline_rows_query(found, limit, offset))
        out: dict[int, dict] = {}
        for (
            order,
            task,
            due,
            phrase,
            section,
            heading,
            plan_iri,
            title,
            place,
            place_label,
            text,
            lead,
            lead_label,
        ) in rows:
            item = out.get(order)
            if item is None:
                item = out[order] = {
                    "due": due,
                    "phrase": phrase,
                    **_listed_task(task, section, heading, plan_iri, title, place, place_label, text),
                    "leads": [],
                }
            else:  # two deadlines of one date (于2020年底前, 2020年底前): both phrases
                item["phrase"] = with_phrase(item["phrase"], phrase)
            if lead and all(x["agency"] != lead for x in item["leads"]):
                item["leads"].append({"agency": lead, "label": lead_label})
        for item in out.values():
            item["leads"].sort(key=lambda x: (x["label"] or "", x["agency"]))
        return {"total": total, "rows": [out[k] for k in sorted(out)]}

    def agency_ranking_page(self, role: str = "leads", *, limit: int = 100, offset: int = 0) -> dict:
        """One page of the agencies ranked by their number of tasks in `role` (leads, supports, implements,
        responsibleFor, accountableFor) over all plans, most first, ties by name then IRI, as the build ranks
        them (`lt:tasksLedRank` …; agencies-by-tasks.rq gives the same rows with `limit` and `offset`).
        Returns {"total", "rows": [{agency, label, jurisdiction, jurisdictionLabel, tasks, rank}]}."""
        count, rank = _RANKING[role]  # KeyError on an unknown role
        total = self.cached(
            ("ranking-total", role),
            lambda: int(self.table(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a {rank} ?r }}")[0][0]),
        )
        first, last = max(0, int(offset)), max(0, int(offset)) + max(0, int(limit))
        rows = self.table(
            f"""SELECT ?rank ?a ?label ?place ?placeLabel ?tasks WHERE {{
                 ?a {rank} ?rank . FILTER(?rank > {first} && ?rank <= {last})
                 ?a {count} ?tasks .
                 OPTIONAL {{ ?a rdfs:label ?label }}
                 OPTIONAL {{ ?a lt:jurisdiction ?place OPTIONAL {{ ?place rdfs:label ?placeLabel }} FILTER(BOUND(?placeLabel)) }} }}
               ORDER BY ?rank"""
        )
        page: dict[int, dict] = {}
        for r, agency, label, place, place_label, tasks in rows:
            page.setdefault(
                r,
                {
                    "agency": agency,
                    "label": label,
                    "jurisdiction": place,
                    "jurisdictionLabel": place_label,
                    "tasks": tasks,
                    "rank": r,
                },
            )
        return {"total": total, "rows": [page[r] for r in sorted(page)]}

    def broker_page(
        self, plan: str | None = None, *, by: str = "degree", limit: int = 100, offset: int = 0
    ) -> dict:
        """One page of the brokers report (collectives left out) as the build states it: over all plans
        (`lt:betweenness`, `lt:degreeRank`, `lt:betweennessRank` in the statistics graph) or in `plan` (an IRI:
        each agency's `lt:betweennessInPlan` on its lt:PlanLoad, ranked here), ordered `by` "degree" (tasks
        held, then betweenness) or "betweenness". Returns {"total", "rows": [{agency, label, jurisdiction,
        jurisdictionLabel, degree, leads, betweenness, degreeRank, betweennessRank}]}: the values of
        /audit/brokers, without computing the network (at 6M triples its first answer took 3–10 s)."""
        if by not in ("degree", "betweenness"):
            raise ValueError(f"brokers are ordered by degree or betweenness, not {by}")
        first, last = max(0, int(offset)), max(0, int(offset)) + max(0, int(limit))
        if plan:
            rows = self.cached(("plan-brokers", plan), lambda: self._plan_brokers(plan))
            key = "degreeRank" if by == "degree" else "betweennessRank"
            ranked = sorted(rows, key=lambda r: r[key])
            return {"total": len(ranked), "rows": ranked[first:last]}
        rank = "lt:degreeRank" if by == "degree" else "lt:betweennessRank"
        total = self.cached(
            ("brokers-total",),
            lambda: int(self.table("SELECT (COUNT(*) AS ?n) WHERE { ?a lt:degreeRank ?r }")[0][0]),
        )
        found = self.table(
            f"""SELECT ?a ?label ?place ?placeLabel ?degree ?led ?value ?degreeRank ?betweennessRank WHERE {{
                 ?a {rank} ?r . FILTER(?r > {first} && ?r <= {last})
                 ?a lt:betweenness ?value ; lt:degreeRank ?degreeRank ; lt:betweennessRank ?betweennessRank ;
                    lt:tasksAccountableFor ?degree .
                 OPTIONAL {{ ?a lt:tasksLed ?led }}
                 OPTIONAL {{ ?a rdfs:label ?label }}
                 OPTIONAL {{ ?a lt:jurisdiction ?place OPTIONAL {{ ?place rdfs:label ?placeLabel }} FILTER(BOUND(?placeLabel)) }} }}"""
        )
        rows = {row[0]: _broker_row(*row) for row in found}
        key = "degreeRank" if by == "degree" else "betweennessRank"
        return {"total": total, "rows": sorted(rows.values(), key=lambda r: r[key])}

    def gap_page(self, kind: str, *, plan: str | None = None, limit: int = 100, offset: int = 0) -> dict:
        """One page of a gap list in the national order of tasks the build states (`lt:taskOrder`: by place,
        plan title, task): `kind` "no-lead" (tasks no agency leads) or "collective-only" (tasks only
        collectives answer for); only `plan`'s (an IRI) when given. Returns {"total", "rows": [{task, section,
        heading, plan, planTitle, jurisdiction, jurisdictionLabel, excerpt}]}; the task's agencies and deadlines
        are the page's to look up (`task_facts`). gaps-no-lead.rq and gaps-collective-only.rq give the same
        lists with `limit` and `offset`."""
        in_plan = f"?task lt:inPlan {ox.NamedNode(plan)} ." if plan else ""
        if kind == "no-lead":
            found = f"?task lt:hasNoLead true ; lt:taskOrder ?order . {in_plan}"
        elif kind == "collective-only":
            found = f"?task lt:onlyCollectivesAccountable true ; lt:taskOrder ?order . {in_plan}"
        else:
            raise ValueError(f"unknown gap list: {kind}")
        total = self.cached(
            ("gap-total", kind, plan),
            lambda: int(self.table(f"SELECT (COUNT(DISTINCT ?task) AS ?n) WHERE {{ {found} }}")[0][0]),
        )
        first, count = max(0, int(offset)), max(0, int(limit))
        rows = self.table(
            f"""SELECT ?order ?task ?section ?heading ?plan ?planTitle ?place ?placeLabel ?text WHERE {{
                 {{ SELECT DISTINCT ?task ?order WHERE {{ {found} }} ORDER BY ?order LIMIT {count} OFFSET {first} }}
                 ?task lt:inPlan ?plan ; lt:section ?section ; lt:text ?text .
                 ?plan rdfs:label ?planTitle .
                 OPTIONAL {{ ?task lt:heading ?heading }}
                 OPTIONAL {{ ?plan lt:jurisdiction ?place OPTIONAL {{ ?place rdfs:label ?placeLabel }} FILTER(BOUND(?placeLabel)) }} }}
               ORDER BY ?order"""
        )
        page: dict[int, dict] = {}
        for order, task, section, heading, plan_iri, title, place, place_label, text in rows:
            page.setdefault(
                order, _listed_task(task, section, heading, plan_iri, title, place, place_label, text)
            )
        return {"total": total, "rows": [page[k] for k in sorted(page)]}

    def canned_page(self, name: str, *, limit: int = 100, offset: int = 0, **params: str) -> list[dict]:
        """One page of the canned query `name` (queries/NAME.rq) with a page form (``# page:``), its other
        parameters given as words (as `kg query --param` takes them): the rows of the page, as dicts of plain
        values. For the lists the explorer has no method of its own for (lead gone, timeline, accountable now,
        a task's counterparts …)."""
        from kg.store import bind_parameters, canned_queries_dir, page_parameters, read_canned_query

        query = read_canned_query(canned_queries_dir() / f"{name}.rq")
        if "limit" not in page_parameters(query.sparql):
            raise ValueError(f"the canned query {name} has no page form")
        values = query.values({**params, "limit": str(int(limit)), "offset": str(int(offset))})
        return self.source.select(bind_parameters(query.sparql, values))

    def _plan_brokers(self, plan: str) -> list[dict]:
        found = self.table(
            """SELECT ?a ?label ?place ?placeLabel ?degree ?led ?value WHERE {
                 ?load lt:ofPlan ?plan ; lt:ofAgency ?a ; lt:betweennessInPlan ?value ;
                       lt:tasksAccountableForInPlan ?degree .
                 OPTIONAL { ?load lt:tasksLedInPlan ?led }
                 OPTIONAL { ?a rdfs:label ?label }
                 OPTIONAL { ?a lt:jurisdiction ?place OPTIONAL { ?place rdfs:label ?placeLabel } FILTER(BOUND(?placeLabel)) } }""",
            plan=plan,
        )
        rows = list({row[0]: _broker_row(*row, None, None) for row in found}.values())
        shown = {r["agency"]: float(f"{r['betweenness']:.4g}") for r in rows}
        ties = (lambda r: r["label"] or "", lambda r: r["agency"])
        for rank, r in enumerate(
            sorted(rows, key=lambda r: (-r["degree"], -shown[r["agency"]], *(f(r) for f in ties))), 1
        ):
            r["degreeRank"] = rank
        for rank, r in enumerate(
            sorted(rows, key=lambda r: (-shown[r["agency"]], -r["degree"], *(f(r) for f in ties))), 1
        ):
            r["betweennessRank"] = rank
        return rows

    # -- a plan --

    def plan(self, iri: str) -> dict | None:
        return self.cached(("plan", iri), lambda: self._plan(iri))

    def _plan(self, iri: str) -> dict | None:
        meta = self.rows(
            """SELECT ?title ?fullTitle ?docNumber ?level ?jurisdiction ?jurisdictionLabel ?issued ?sourceFile
                      ?measures ?covered
               WHERE { ?p a lt:Plan ; rdfs:label ?title .
                 OPTIONAL { ?p lt:measureCount ?measures ; lt:coveredMeasureCount ?covered }
                 OPTIONAL { ?p dcterms:title ?fullTitle } OPTIONAL { ?p lt:docNumber ?docNumber }
                 OPTIONAL { ?p lt:level ?level } OPTIONAL { ?p dcterms:issued ?issued }
                 OPTIONAL { ?p lt:sourceFile ?sourceFile }
                 OPTIONAL { ?p lt:jurisdiction ?jurisdiction . ?jurisdiction rdfs:label ?jurisdictionLabel } }
               LIMIT 1""",
            p=iri,
        )
        if not meta:
            return None
        plan = {"plan": iri, **meta[0]}
        plan["upper"] = self._upper_plans(iri)
        plan["lower"] = self.rows(
            """SELECT DISTINCT ?plan ?title ?docNumber ?level (EXISTS { ?plan lt:derivesFrom ?p } AS ?direct)
               WHERE { ?plan lt:derivesFrom+ ?p ; rdfs:label ?title .
                 OPTIONAL { ?plan lt:docNumber ?docNumber } OPTIONAL { ?plan lt:level ?level } }
               ORDER BY ?title""",
            p=iri,
        )
        tasks = self.rows(
            """SELECT ?task ?section ?heading ?text ?start ?end WHERE {
                 ?task lt:inPlan ?p ; lt:text ?text .
                 OPTIONAL { ?task lt:section ?section } OPTIONAL { ?task lt:heading ?heading }
                 OPTIONAL { ?task lt:sourceStart ?start } OPTIONAL { ?task lt:sourceEnd ?end } }
               ORDER BY ?start""",
            p=iri,
        )
        roles = self.rows(
            """SELECT ?task ?agency ?label ?role WHERE { ?task lt:inPlan ?p .
                 ?agency ?role ?task ; rdfs:label ?label .
                 FILTER(?role IN (lt:leads, lt:supports, lt:implements, lt:responsibleFor)) }""",
            p=iri,
        )
        deadlines = self.rows(
            """SELECT ?task ?due ?phrase WHERE { ?task lt:inPlan ?p ; lt:hasDeadline ?d .
                 ?d lt:dueDate ?due . OPTIONAL { ?d lt:phrase ?phrase } } ORDER BY ?due""",
            p=iri,
        )
        by_task: dict[str, dict] = {}
        for task in tasks:
            task["excerpt"] = _excerpt(task["text"], "", 60)
            task["heading"] = task["heading"] or ""
            task.update({"leads": [], "others": defaultdict(list), "deadlines": []})
            by_task[task["task"]] = task
        for row in roles:
            task = by_task.get(row["task"])
            role = _ROLE_BY_IRI[row["role"]]
            entry = {"agency": row["agency"], "label": row["label"]}
            if task is None:
                continue
            if role == "leads":
                if entry not in task["leads"]:
                    task["leads"].append(entry)
            elif entry not in task["others"][role]:
                task["others"][role].append(entry)
        for row in deadlines:
            if row["task"] in by_task:
                by_task[row["task"]]["deadlines"].append({"due": row["due"], "phrase": row["phrase"]})
        for task in tasks:
            task["others"] = dict(task["others"])
            if task["leads"] or task["others"]:
                del task["text"]  # kept whole for the measures with no accountable unit
            self.with_now(task["leads"])  # who holds each duty today, beside the original attribution
            for entries in task["others"].values():
                self.with_now(entries)
        plan["tasks"] = tasks
        plan["outline"] = _outline(tasks)
        # the plan's own targets, then its tasks' (two queries, not a UNION: a plan bound outside a UNION
        # does not reach into its branches, which would then read every target of the graph)
        target_facts = """?target lt:indicator ?indicator ; lt:comparator ?comparator ; lt:value ?value .
                 OPTIONAL { ?target lt:unit ?unit } OPTIONAL { ?target lt:year ?year }
                 OPTIONAL { ?target lt:baselineYear ?baselineYear } OPTIONAL { ?target lt:phrase ?phrase }
                 OPTIONAL { ?target lt:sourceStart ?start }"""
        columns = (
            "?owner ?target ?indicator ?comparator ?value ?unit ?year ?baselineYear ?phrase ?section ?start"
        )
        targets = self.rows(
            f"SELECT {columns} WHERE {{ ?owner lt:hasTarget ?target . {target_facts} }}", owner=iri
        ) + self.rows(
            f"""SELECT {columns} WHERE {{ ?owner lt:inPlan ?p ; lt:hasTarget ?target .
                  OPTIONAL {{ ?owner lt:section ?section }} {target_facts} }}""",
            p=iri,
        )
        targets.sort(key=lambda r: (r["start"] is not None, r["start"] or 0))
        for target in targets:
            del target["start"]
        plan["targets"] = targets
        # coverage: the share of the plan's measures with an accountable unit, and the measures without one
        measures, covered = plan.pop("measures"), plan.pop("covered")
        plan["measure_coverage"] = {
            "measures": measures,
            "covered": covered,
            "share": round(covered / measures, 3) if measures else None,
        }
        plan["gaps"] = {
            "no_unit": [t for t in tasks if not t["leads"] and not t["others"]],
            "no_lead": [t for t in tasks if not t["leads"]],
            "no_deadline": [t for t in tasks if not t["deadlines"]],
            "skipped": self.rows(
                """SELECT ?paragraph ?text ?reason ?start ?end WHERE { ?p lt:skipped ?paragraph .
                     ?paragraph lt:text ?text . OPTIONAL { ?paragraph lt:reason ?reason }
                     OPTIONAL { ?paragraph lt:sourceStart ?start } OPTIONAL { ?paragraph lt:sourceEnd ?end } }
                   ORDER BY ?start""",
                p=iri,
            ),
        }
        return plan

    def plan_gap_counts(self) -> dict[str, dict[str, int]]:
        """For each gap of a plan page (tasks with no lead, tasks with no deadline, skipped paragraphs): the
        count per plan, by three aggregates over the graph (not each plan's page: 54 s at 6M triples)."""

        def compute():
            # MINUS, not FILTER NOT EXISTS: Oxigraph evaluates MINUS's side once and subtracts (0.2 s at 6M
            # triples), where NOT EXISTS here took 474 s
            queries = {
                "no_lead": """SELECT ?p (COUNT(DISTINCT ?task) AS ?n) WHERE { ?task lt:inPlan ?p .
                    MINUS { ?lead lt:leads ?task } } GROUP BY ?p""",
                "no_deadline": """SELECT ?p (COUNT(DISTINCT ?task) AS ?n) WHERE { ?task lt:inPlan ?p .
                    MINUS { ?task lt:hasDeadline/lt:dueDate ?due } } GROUP BY ?p""",
                "skipped": """SELECT ?p (COUNT(DISTINCT ?paragraph) AS ?n) WHERE { ?p lt:skipped ?paragraph .
                    ?paragraph lt:text ?text } GROUP BY ?p""",
            }
            return {gap: {r["p"]: r["n"] for r in self.rows(sparql)} for gap, sparql in queries.items()}

        return self.cached("plan-gap-counts", compute)

    def _upper_plans(self, iri: str) -> list[dict]:
        """The plans `iri` derives from, directly or not, nearest first (depth = longest path)."""
        edges = self.rows(
            "SELECT ?a ?b WHERE { ?p lt:derivesFrom* ?a . ?a lt:derivesFrom ?b }",
            p=iri,
        )
        children = defaultdict(set)
        for e in edges:
            children[e["a"]].add(e["b"])
        depth: dict[str, int] = {}

        def walk(node: str, d: int, seen: frozenset) -> None:
            for up in children.get(node, ()):
                if up in seen:
                    continue
                if depth.get(up, 0) < d + 1:
                    depth[up] = d + 1
                walk(up, d + 1, seen | {up})

        walk(iri, 0, frozenset({iri}))
        if not depth:
            return []
        info = {
            r["plan"]: r
            for r in self.rows(
                """SELECT ?plan ?title ?docNumber ?level WHERE { ?p lt:derivesFrom+ ?plan .
                     ?plan rdfs:label ?title . OPTIONAL { ?plan lt:docNumber ?docNumber }
                     OPTIONAL { ?plan lt:level ?level } }""",
                p=iri,
            )
        }
        out = []
        for up, d in depth.items():
            row = dict(info.get(up) or {"plan": up, "title": up, "docNumber": None, "level": None})
            row["depth"] = d
            row["direct"] = up in children.get(iri, ())
            row["derivesFrom"] = sorted(children.get(up, ()))
            out.append(row)
        out.sort(key=lambda r: (r["depth"], LEVEL_RANK.get(r["level"] or "", 9), r["title"]))
        return out

    # -- a task --

    def task(self, iri: str) -> dict | None:
        return self.cached(("task", iri), lambda: self._task(iri))

    def _task(self, iri: str) -> dict | None:
        meta = self.rows(
            """SELECT ?text ?section ?heading ?start ?end ?plan ?planTitle ?planDocNumber ?namesNoAgency
               WHERE { ?t a lt:Task ; lt:text ?text ; lt:inPlan ?plan .
                 OPTIONAL { ?t lt:section ?section } OPTIONAL { ?t lt:heading ?heading }
                 OPTIONAL { ?t lt:sourceStart ?start } OPTIONAL { ?t lt:sourceEnd ?end }
                 OPTIONAL { ?t lt:namesNoAgency ?namesNoAgency }
                 OPTIONAL { ?plan rdfs:label ?planTitle } OPTIONAL { ?plan lt:docNumber ?planDocNumber } }
               LIMIT 1""",
            t=iri,
        )
        if not meta:
            return None
        task = {"task": iri, **meta[0]}
        task["attributions"] = self.rows(
            """SELECT ?attribution ?agency ?label ?role ?surfaceForm ?start ?end ?jurisdictionLabel
               WHERE { ?t lt:attribution ?attribution . ?attribution lt:agency ?agency ; lt:role ?role .
                 ?agency rdfs:label ?label .
                 OPTIONAL { ?attribution lt:surfaceForm ?surfaceForm }
                 OPTIONAL { ?attribution lt:sourceStart ?start } OPTIONAL { ?attribution lt:sourceEnd ?end }
                 OPTIONAL { ?agency lt:jurisdiction/rdfs:label ?jurisdictionLabel } }
               ORDER BY ?start""",
            t=iri,
        )
        for a in task["attributions"]:
            a["role"] = _ROLE_BY_IRI.get(a["role"], a["role"])
        by_role: dict[str, list] = {r: [] for r in ROLES}
        for a in task["attributions"]:
            if all(x["agency"] != a["agency"] for x in by_role.setdefault(a["role"], [])):
                by_role[a["role"]].append({"agency": a["agency"], "label": a["label"]})
        task["roles"] = {r: self.with_now(v) for r, v in by_role.items() if v}
        self.with_now(task["attributions"])
        task["deadlines"] = self.rows(
            """SELECT ?deadline ?due ?phrase ?precision ?start ?end WHERE { ?t lt:hasDeadline ?deadline .
                 ?deadline lt:dueDate ?due . OPTIONAL { ?deadline lt:phrase ?phrase }
                 OPTIONAL { ?deadline lt:precision ?precision }
                 OPTIONAL { ?deadline lt:sourceStart ?start } OPTIONAL { ?deadline lt:sourceEnd ?end } }
               ORDER BY ?start""",
            t=iri,
        )
        task["targets"] = self.rows(
            """SELECT ?target ?indicator ?comparator ?value ?unit ?year ?baselineYear ?phrase ?start ?end
               WHERE { ?t lt:hasTarget ?target . ?target lt:indicator ?indicator ; lt:comparator ?comparator ;
                 lt:value ?value . OPTIONAL { ?target lt:unit ?unit } OPTIONAL { ?target lt:year ?year }
                 OPTIONAL { ?target lt:baselineYear ?baselineYear } OPTIONAL { ?target lt:phrase ?phrase }
                 OPTIONAL { ?target lt:sourceStart ?start } OPTIONAL { ?target lt:sourceEnd ?end } }
               ORDER BY ?start""",
            t=iri,
        )
        upper = """SELECT DISTINCT ?upper ?title ?docNumber ?level WHERE { ?lower lt:derivesFrom ?upper .
                 OPTIONAL { ?upper rdfs:label ?title } OPTIONAL { ?upper lt:docNumber ?docNumber }
                 OPTIONAL { ?upper lt:level ?level } }"""
        task["upper"] = [r | {"via": "task"} for r in self.rows(upper, lower=iri)] + [
            r | {"via": "plan"} for r in self.rows(upper, lower=task["plan"])
        ]
        task["upper"].sort(
            key=lambda r: (r["via"] != "task", LEVEL_RANK.get(r["level"] or "", 9), r["title"] or "")
        )
        return task

    # -- an agency --

    def agency(self, iri: str) -> dict | None:
        return self.cached(("agency", iri), lambda: self._agency(iri))

    def _agency(self, iri: str) -> dict | None:
        meta = self.rows(
            """SELECT ?label ?jurisdiction ?jurisdictionLabel (EXISTS { ?a a lt:AgencyGroup } AS ?group)
               WHERE { ?a a lt:Agency ; rdfs:label ?label .
                 OPTIONAL { ?a lt:jurisdiction ?jurisdiction . ?jurisdiction rdfs:label ?jurisdictionLabel } }
               LIMIT 1""",
            a=iri,
        )
        if not meta:
            return None
        agency = {"agency": iri, **meta[0]}
        agency["aliases"] = sorted(
            {r["alias"] for r in self.rows("SELECT ?alias WHERE { ?a skos:altLabel ?alias }", a=iri)}
        )
        agency["within"] = self.jurisdiction_chain(agency["jurisdiction"]) if agency["jurisdiction"] else []
        rows = self.rows(
            """SELECT ?task ?role ?section ?heading ?text ?start ?plan ?planTitle ?due ?phrase
               WHERE { ?a ?role ?task . FILTER(?role IN (lt:leads, lt:supports, lt:implements, lt:responsibleFor))
                 ?task lt:inPlan ?plan ; lt:text ?text . ?plan rdfs:label ?planTitle .
                 OPTIONAL { ?task lt:section ?section } OPTIONAL { ?task lt:heading ?heading }
                 OPTIONAL { ?task lt:sourceStart ?start }
                 OPTIONAL { ?task lt:hasDeadline ?d . ?d lt:dueDate ?due . OPTIONAL { ?d lt:phrase ?phrase } } }
               ORDER BY ?planTitle ?start""",
            a=iri,
        )
        tasks: dict[tuple, dict] = {}
        for row in rows:
            role = _ROLE_BY_IRI[row["role"]]
            key = (role, row["task"])
            item = tasks.get(key)
            if item is None:
                item = tasks[key] = {
                    "task": row["task"],
                    "role": role,
                    "section": row["section"],
                    "heading": row["heading"] or "",
                    "excerpt": _excerpt(row["text"], "", 50),
                    "plan": row["plan"],
                    "planTitle": row["planTitle"],
                    "deadlines": [],
                }
            if row["due"] and all(d["due"] != row["due"] for d in item["deadlines"]):
                item["deadlines"].append({"due": row["due"], "phrase": row["phrase"]})
        for item in tasks.values():
            item["deadlines"].sort(key=lambda d: d["due"])
            item["firstDue"] = item["deadlines"][0]["due"] if item["deadlines"] else None
        agency["tasks"] = list(tasks.values())
        agency["partners"] = self.rows(
            """SELECT ?agency ?label (COUNT(DISTINCT ?t) AS ?shared) WHERE {
                 ?a lt:accountableFor ?t . ?agency lt:accountableFor ?t ; rdfs:label ?label .
                 FILTER(?agency != ?a) }
               GROUP BY ?agency ?label ORDER BY DESC(?shared) ?label LIMIT 15""",
            a=iri,
        )
        agency["successors"] = self.rows(
            "SELECT ?agency ?label WHERE { ?a lt:succeededBy ?agency . OPTIONAL { ?agency rdfs:label ?label } }",
            a=iri,
        )
        agency["predecessors"] = self.rows(
            "SELECT ?agency ?label WHERE { ?agency lt:succeededBy ?a . OPTIONAL { ?agency rdfs:label ?label } }",
            a=iri,
        )
        table = self.succession()
        for entry in agency["successors"]:  # the change event's year and source beside each successor
            entry.update({k: table.get(iri, {}).get(k) for k in ("year", "source", "event")})
        for entry in agency["predecessors"]:
            entry.update({k: table.get(entry["agency"], {}).get(k) for k in ("year", "source", "event")})
        agency["now"] = self.now_held_by(iri)
        inherited = []  # the duties of every unit this one took over, with the unit they were assigned to
        for old in self.predecessors_of(iri):
            before = self.agency(old)
            if before is not None:
                for x in before["tasks"]:
                    inherited.append(dict(x, fromAgency=old, fromLabel=before["label"]))
        agency["inherited"] = inherited
        return agency

    def agency_tasks(
        self, iri: str, plan: str | None = None, due_before: str | None = None, inherited: bool = False
    ) -> list[dict]:
        """The agency's tasks, filtered by plan (IRI) and by a first due date before `due_before`; with
        `inherited`, the tasks of the units it took over instead of its own."""
        agency = self.agency(iri)
        if agency is None:
            return []
        tasks = agency["inherited" if inherited else "tasks"]
        if plan:
            tasks = [t for t in tasks if t["plan"] == plan]
        if due_before:
            date.fromisoformat(due_before)
            tasks = [t for t in tasks if any(d["due"] < due_before for d in t["deadlines"])]
        return tasks

    # -- a jurisdiction --

    def jurisdiction_chain(self, iri: str) -> list[dict]:
        """The jurisdiction and the areas it lies within, innermost first."""
        rows = self.rows(
            """SELECT ?j ?label ?level ?parent WHERE { ?start lt:within* ?j . ?j rdfs:label ?label .
                 OPTIONAL { ?j lt:level ?level } OPTIONAL { ?j lt:within ?parent } }""",
            start=iri,
        )
        by_iri = {r["j"]: r for r in rows}
        chain, node, seen = [], iri, set()
        while node in by_iri and node not in seen:
            seen.add(node)
            row = by_iri[node]
            chain.append({"jurisdiction": node, "label": row["label"], "level": row["level"]})
            node = row["parent"]
        return chain

    def jurisdiction(self, iri: str) -> dict | None:
        def compute():
            chain = self.jurisdiction_chain(iri)
            if not chain:
                return None
            return {
                "jurisdiction": iri,
                "label": chain[0]["label"],
                "level": chain[0]["level"],
                "within": chain[1:],
                "contains": self.rows(
                    "SELECT ?jurisdiction ?label WHERE { ?jurisdiction lt:within ?j ; rdfs:label ?label } ORDER BY ?label",
                    j=iri,
                ),
                "plans": self.rows(
                    """SELECT ?plan ?title ?docNumber WHERE { ?plan a lt:Plan ; lt:jurisdiction ?j ; rdfs:label ?title .
                         OPTIONAL { ?plan lt:docNumber ?docNumber } } ORDER BY ?title""",
                    j=iri,
                ),
                "agencies": self.rows(
                    """SELECT ?agency ?label WHERE { ?agency a lt:Agency ; lt:jurisdiction ?j ; rdfs:label ?label }
                       ORDER BY ?label""",
                    j=iri,
                ),
            }

        return self.cached(("jurisdiction", iri), compute)

    # -- any resource --

    def resource(self, iri: str) -> dict | None:
        """A generic view of any node: its label and properties (for attributions, deadlines, targets…)."""
        props = self.rows("SELECT ?property ?value WHERE { ?s ?property ?value }", s=iri)
        if not props:
            return None
        incoming = self.rows("SELECT ?subject ?property WHERE { ?subject ?property ?s } LIMIT 100", s=iri)
        return {"resource": iri, "label": self.label(iri), "properties": props, "incoming": incoming}

    def describe(self, iri: str) -> list[ox.Triple]:
        """The resource's triples, with those of the nodes it owns (IRIs under its own: attributions,
        deadlines, targets, skipped paragraphs) — a concise bounded description. One query per level of
        ownership (a task's attributions are one level down), each for all the nodes of that level."""
        triples, seen, level = [], {iri}, [iri]
        while level:
            values = " ".join(f"<{node}>" for node in level)
            found = self.triples(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}")
            triples.extend(found)
            level = []
            for triple in found:
                obj = triple.object
                if (
                    isinstance(obj, ox.NamedNode)
                    and obj.value.startswith(iri + "/")
                    and obj.value not in seen
                ):
                    seen.add(obj.value)
                    level.append(obj.value)
        return triples

    # -- across plans: succession, task lineage, coverage (issue 4) --

    def succession(self) -> dict[str, dict]:
        """agency → its direct successor: {"agency", "label", "year", "source", "event"} (the reform table's
        org:ChangeEvent), for every lt:succeededBy in the graph."""

        def compute():
            rows = self.rows(
                """SELECT ?old ?new ?label ?event ?year ?source WHERE { ?old lt:succeededBy ?new .
                     OPTIONAL { ?new rdfs:label ?label }
                     OPTIONAL { ?event org:originalOrganization ?old ; org:resultingOrganization ?new .
                       OPTIONAL { ?event dcterms:date ?year } OPTIONAL { ?event dcterms:source ?source } } }"""
            )
            return {
                r["old"]: {
                    "agency": r["new"],
                    "label": r["label"] or r["new"],
                    "year": r["year"],
                    "source": r["source"],
                    "event": r["event"],
                }
                for r in rows
            }

        return self.cached("succession", compute)

    def now_held_by(self, agency: str) -> dict | None:
        """The unit that holds `agency`'s duties today (lt:succeededBy followed to its end), with the year
        and source of the first change and every step on the way; None when the agency still exists."""
        table = self.succession()
        step = table.get(agency)
        if step is None:
            return None
        steps, seen = [step], {agency}
        while step["agency"] in table and step["agency"] not in seen:
            seen.add(step["agency"])
            step = table[step["agency"]]
            steps.append(step)
        return {**steps[-1], "year": steps[0]["year"], "source": steps[0]["source"], "steps": steps}

    def with_now(self, entries: list[dict]) -> list[dict]:
        """Each {"agency", "label"} entry with "now": the unit holding its duties today, or None."""
        for entry in entries:
            entry["now"] = self.now_held_by(entry["agency"])
        return entries

    def predecessors_of(self, agency: str) -> list[str]:
        """Every unit whose duties passed to `agency`, directly or through other successors."""
        table = self.succession()
        found, todo = [], [agency]
        while todo:
            node = todo.pop()
            for old, step in table.items():
                if step["agency"] == node and old not in found and old != agency:
                    found.append(old)
                    todo.append(old)
        return found

    def agency_jurisdictions(self) -> dict[str, str]:
        """agency → the name of its jurisdiction (to tell a unit's kind from its name: 红河州|生态环境局; 官渡区, the
        name alone, for the place labelled 昆明市官渡区)."""

        def compute():
            rows = self.rows(
                """SELECT ?a (COALESCE(?name, ?label) AS ?j) WHERE {
                     ?a a lt:Agency ; lt:jurisdiction ?x . ?x rdfs:label ?label OPTIONAL { ?x skos:altLabel ?name } }"""
            )
            return {r["a"]: r["j"] for r in rows}

        return self.cached("agency-jurisdictions", compute)

    def plan_task_index(self, plan: str) -> dict[str, dict]:
        """task → its summary (section, heading, excerpt, leads with today's unit, deadlines, targets) and
        its plan's title, 文号, jurisdiction and level: what a side-by-side comparison shows."""

        def compute():
            detail = self.plan(plan)
            if detail is None:
                return {}
            targets = defaultdict(list)
            for target in detail["targets"]:
                targets[target["owner"]].append(target)
            context = {
                "plan": plan,
                "planTitle": detail["title"],
                "planDocNumber": detail["docNumber"],
                "jurisdictionLabel": detail["jurisdictionLabel"],
                "level": detail["level"],
            }
            return {
                x["task"]: {
                    **context,
                    **{
                        k: x[k]
                        for k in ("task", "section", "heading", "excerpt", "leads", "others", "deadlines")
                    },
                    "targets": targets.get(x["task"], []),
                }
                for x in detail["tasks"]
            }

        return self.cached(("plan-task-index", plan), compute)

    def task_links(self, iri: str) -> list[dict]:
        """The task's links to tasks of other plans: {"other", "plan", "kind" (counterpart | upper | lower),
        "score", "method"}, best score first."""

        def compute():
            # links from the task, then to it (not a UNION: the task bound outside a UNION does not reach
            # into its branches, which would then read every link of the graph); the OPTIONAL last: a pattern
            # after it was joined with every task's plan (1.8 s against 0.3 ms a direction at 6M triples)
            facts = """?st a lt:TaskLink ; rdf:predicate ?relation ; lt:score ?score . ?other lt:inPlan ?plan
                       OPTIONAL { ?st lt:method ?method }"""
            columns = "?other ?plan ?relation ?score ?method"
            rows = [
                r | {"direction": "out"}
                for r in self.rows(
                    f"SELECT {columns} WHERE {{ ?st rdf:subject ?t ; rdf:object ?other . {facts} }}", t=iri
                )
            ] + [
                r | {"direction": "in"}
                for r in self.rows(
                    f"SELECT {columns} WHERE {{ ?st rdf:subject ?other ; rdf:object ?t . {facts} }}", t=iri
                )
            ]
            out = {}
            for r in rows:
                if r["relation"] == str(LT.derivesFrom):
                    kind = "upper" if r["direction"] == "out" else "lower"
                else:
                    kind = "counterpart"
                out[r["other"]] = {k: r[k] for k in ("other", "plan", "score", "method")} | {"kind": kind}
            order = {"upper": 0, "counterpart": 1, "lower": 2}
            return sorted(out.values(), key=lambda x: (order[x["kind"]], -x["score"], x["other"]))

        return self.cached(("task-links", iri), compute)

    def links_between(self, a: str, b: str) -> list[dict]:
        """Task links between plans `a` and `b`, each oriented as {"a": task of a, "b": task of b, "kind",
        "score", "method"}; kind is counterpart, or upper/lower (what b's task is to a's)."""

        def compute():
            # one query per direction, not a UNION: the plans bound outside a UNION do not reach into its
            # branches, which then read every link in the graph (44 s against 0.15 s at 1M triples)
            links = """SELECT ?s ?o ?relation ?score ?method WHERE {
                         ?s lt:inPlan ?from . ?st rdf:subject ?s ; rdf:object ?o ; a lt:TaskLink ;
                           rdf:predicate ?relation ; lt:score ?score . ?o lt:inPlan ?to .
                         OPTIONAL { ?st lt:method ?method } }"""
            rows = self.rows(links, **{"from": a, "to": b}) + self.rows(links, **{"from": b, "to": a})
            index_a = self.plan_task_index(a)
            out = {}
            for r in rows:
                forward = r["s"] in index_a  # the subject is a's task
                ta, tb = (r["s"], r["o"]) if forward else (r["o"], r["s"])
                if r["relation"] == str(LT.derivesFrom):
                    kind = "upper" if forward else "lower"  # a's task derives from b's: b's is its upper
                else:
                    kind = "counterpart"
                out[(ta, tb)] = {"a": ta, "b": tb, "kind": kind, "score": r["score"], "method": r["method"]}
            return sorted(out.values(), key=lambda x: (x["a"], x["b"]))

        return self.cached(("links-between", a, b), compute)

    def coverage(self, upper: str, lower: str) -> dict:
        """How much of the upper plan's tasks the lower plan localised (has a task deriving from): share,
        the localised tasks with the lower tasks that carry them, and the dropped ones."""

        def compute():
            tasks = self.plan_task_index(upper)
            rows = self.rows(
                "SELECT ?u ?l WHERE { ?l lt:inPlan ?lower ; lt:derivesFrom ?u . ?u lt:inPlan ?upper . }",
                upper=upper,
                lower=lower,
            )
            # the links' scores in a second query, from the pairs found: as an OPTIONAL of the first, Oxigraph
            # read every link statement of the graph (33 s at 6M triples, for a pair of plans with no link)
            scores = {}
            if rows:
                pairs = " ".join(f"(<{r['l']}> <{r['u']}>)" for r in rows)
                scores = {
                    (r["l"], r["u"]): r["score"]
                    for r in self.rows(
                        f"""SELECT ?l ?u ?score WHERE {{ VALUES (?l ?u) {{ {pairs} }}
                              ?st rdf:subject ?l ; rdf:object ?u ; lt:score ?score }}"""
                    )
                }
            carried = defaultdict(list)
            for r in rows:
                carried[r["u"]].append({"task": r["l"], "score": scores.get((r["l"], r["u"]))})
            localised = [dict(tasks[u], by=carried[u]) for u in tasks if u in carried]
            dropped = [tasks[u] for u in tasks if u not in carried]
            lower_meta = self.plan(lower) or {}
            upper_meta = self.plan(upper) or {}
            return {
                "upper": upper,
                "upperTitle": upper_meta.get("title"),
                "upperDocNumber": upper_meta.get("docNumber"),
                "lower": lower,
                "lowerTitle": lower_meta.get("title"),
                "upperTasks": len(tasks),
                "localisedTasks": len(localised),
                "share": round(len(localised) / len(tasks), 3) if tasks else None,
                "localised": localised,
                "dropped": dropped,
            }

        return self.cached(("coverage", upper, lower), compute)

    def plan_coverages(self, iri: str) -> dict:
        """Coverage where both plans are loaded: of each upper plan by this one ("ofUpper"), and of this
        plan by each lower one ("byLower"); without the task lists (see `coverage`)."""
        plan = self.plan(iri)
        if plan is None:
            return {"ofUpper": [], "byLower": []}
        loaded = {p["plan"] for p in self.plans() if p["loaded"]}
        if iri not in loaded:
            return {"ofUpper": [], "byLower": []}

        def brief(c: dict) -> dict:
            return {k: v for k, v in c.items() if k not in ("localised", "dropped")} | {
                "dropped": [{k: x[k] for k in ("task", "section", "heading")} for x in c["dropped"]]
            }

        return {
            "ofUpper": [brief(self.coverage(u["plan"], iri)) for u in plan["upper"] if u["plan"] in loaded],
            "byLower": [brief(self.coverage(iri, d["plan"])) for d in plan["lower"] if d["plan"] in loaded],
        }


_RANKING = {
    "leads": ("lt:tasksLed", "lt:tasksLedRank"),
    "supports": ("lt:tasksSupported", "lt:tasksSupportedRank"),
    "implements": ("lt:tasksImplemented", "lt:tasksImplementedRank"),
    "responsibleFor": ("lt:tasksResponsibleFor", "lt:tasksResponsibleForRank"),
    "accountableFor": ("lt:tasksAccountableFor", "lt:tasksAccountableForRank"),
}


def task_fact_tables(
    repo, tasks: list[str] | None, within: str | None = None, roles=ROLES, labels: bool = True
) -> list[tuple[list, list, list]]:
    """The facts of `tasks` as three tables, read by VALUES chunks over them (each task's facts looked up: a
    page), or, with `within` (a group pattern binding ?task to them or more; `tasks` None: every task it binds),
    made from the tables of every task it binds read once by hashing (`bulk_task_tables`: many tasks):

    - own: (task, section, heading, text, start, plan, plan title, plan is a lt:Plan, place, place name);
    - roles: (task, role IRI, agency, agency name or None when not `labels`), in `roles` only;
    - deadlines: (task, due date, wording, of a lt:Deadline).

    Its readers shape them: `Repository.task_facts` (a list's or an export's task columns) and
    `web.first.base_tasks` (kg.reports.base's rows)."""
    if within is None:
        role_filter = f"FILTER(?role IN ({', '.join(f'lt:{r}' for r in roles)}))"
        label = "OPTIONAL { ?a rdfs:label ?label }" if labels else ""
        return [
            (
                repo.table(
                    f"""SELECT ?task ?section ?heading ?text ?start ?plan ?title ?typed ?place ?placeLabel
                       WHERE {{ {values} ?task lt:inPlan ?plan ; lt:text ?text . ?plan rdfs:label ?title
                         OPTIONAL {{ ?plan a lt:Plan BIND(true AS ?typed) }}
                         OPTIONAL {{ ?task lt:section ?section }} OPTIONAL {{ ?task lt:heading ?heading }}
                         OPTIONAL {{ ?task lt:sourceStart ?start }}
                         OPTIONAL {{ ?plan lt:jurisdiction ?place OPTIONAL {{ ?place rdfs:label ?placeLabel }} }} }}"""
                ),
                # FILTER(… IN …), not VALUES ?role: Oxigraph joined a VALUES of roles with every role statement
                # of the graph (0.4 s a search page at 6M triples), where the filter checks the tasks' own
                repo.table(f"SELECT ?task ?role ?a ?label WHERE {{ {values} ?a ?role ?task {role_filter} {label} }}"),
                repo.table(
                    f"""SELECT ?task ?due ?phrase ?typed WHERE {{ {values} ?task lt:hasDeadline ?d . ?d lt:dueDate ?due
                         OPTIONAL {{ ?d lt:phrase ?phrase }} OPTIONAL {{ ?d a lt:Deadline BIND(true AS ?typed) }} }}"""
                ),
            )
            for values in repo._values("task", tasks)
        ]
    found = bulk_task_tables(repo, within)
    plans: dict[str, tuple] = {}  # a plan → (title, a lt:Plan or not, place, its name): a row with a place first
    for plan, title, typed, place, place_label in found["plans"]:
        if plan not in plans or plans[plan][2] is None:
            plans[plan] = (title, typed, place, place_label)
    own = [(*row, *plans[row[5]]) for row in found["own"] if row[5] in plans]
    names: dict[str, str | None] = {}
    if labels:
        for agency, name, _typed, _group in found["agencies"]:
            if names.get(agency) is None:
                names[agency] = name
    wanted = {str(LT[r]) for r in roles}
    held = [(task, role, agency, names.get(agency)) for task, role, agency in found["roles"] if role in wanted]
    return [(own, held, found["deadlines"])]


def bulk_task_tables(repo, within: str) -> dict[str, list[tuple]]:
    """The facts of the tasks a group pattern `within` binds ?task to (an export's or a long list's: thousands),
    each read as one table and joined by hashing (a task's facts looked up one by one cost some 15 index
    lookups: at 6M triples 7 s for 14,000 tasks): "own" (task, section, heading, text, start: None, plan), "plans"
    (plan, title, a lt:Plan or not, place, its name), "roles" (task, role IRI, agency), "agencies" (agency,
    name, a lt:Agency or not, a collective or not) and "deadlines" (task, due date, wording, of a lt:Deadline
    or not). Read once a request: a download reads them for its rows (web.first) and its task columns
    (`Repository.task_facts`)."""
    from flask import g, has_app_context

    key = ("bulk-task-tables", id(repo), within)
    memo = g.setdefault("bulk_task_tables", {}) if has_app_context() else {}
    if key not in memo:
        memo.clear()  # one download's reads at a time
        memo[key] = _read_bulk_task_tables(repo, within)
    return memo[key]


def _read_bulk_task_tables(repo, within: str) -> dict[str, list[tuple]]:
    roles = " UNION ".join(f"{{ ?a lt:{role} ?task BIND(lt:{role} AS ?role) }}" for role in ROLES)
    found = {
        # no lt:sourceStart (None): neither a list's rows nor a download show it, and its table is every span's
        # (323,667 at 6M, 0.5 s)
        "own": repo.table(
            f"""SELECT ?task ?section ?heading ?text ?start ?plan WHERE {{ {within}
                 {{ SELECT ?task ?plan WHERE {{ ?task lt:inPlan ?plan }} }}
                 {{ SELECT ?task ?text WHERE {{ ?task lt:text ?text }} }}
                 OPTIONAL {{ SELECT ?task ?section WHERE {{ ?task lt:section ?section }} }}
                 OPTIONAL {{ SELECT ?task ?heading WHERE {{ ?task lt:heading ?heading }} }} }}"""
        ),
        "roles": repo.table(
            f"SELECT ?task ?role ?a WHERE {{ {within} {{ SELECT ?a ?role ?task WHERE {{ {roles} }} }} }}"
        ),
        "agencies": repo.table(
            f"""SELECT ?a ?label ?typed ?group WHERE {{
                 {{ SELECT DISTINCT ?a WHERE {{ {within} {{ SELECT ?a ?task WHERE {{ {roles} }} }} }} }}
                 OPTIONAL {{ SELECT ?a ?label WHERE {{ ?a rdfs:label ?label }} }}
                 OPTIONAL {{ SELECT ?a ?typed WHERE {{ ?a a lt:Agency BIND(true AS ?typed) }} }}
                 OPTIONAL {{ SELECT ?a ?group WHERE {{ ?a a lt:AgencyGroup BIND(true AS ?group) }} }} }}"""
        ),
        "deadlines": repo.table(
            f"""SELECT ?task ?due ?phrase ?typed WHERE {{ {within}
                 {{ SELECT ?task ?d WHERE {{ ?task lt:hasDeadline ?d }} }} {{ SELECT ?d ?due WHERE {{ ?d lt:dueDate ?due }} }}
                 OPTIONAL {{ SELECT ?d ?phrase WHERE {{ ?d lt:phrase ?phrase }} }}
                 OPTIONAL {{ SELECT ?d ?typed WHERE {{ ?d a lt:Deadline BIND(true AS ?typed) }} }} }}"""
        ),
    }
    found["plans"] = [  # the tasks' plans (a thousand at 6M), looked up
        row
        for values in repo._values("plan", {row[5] for row in found["own"]})
        for row in repo.table(
            f"""SELECT ?plan ?title ?typed ?place ?placeLabel WHERE {{ {values} ?plan rdfs:label ?title
                 OPTIONAL {{ ?plan a lt:Plan BIND(true AS ?typed) }}
                 OPTIONAL {{ ?plan lt:jurisdiction ?place OPTIONAL {{ ?place rdfs:label ?placeLabel }} }} }}"""
        )
    ]
    return found


def _listed_task(task, section, heading, plan, title, place, place_label, text) -> dict:
    """A task as the national lists show it (a row of `deadline_page` or `gap_page`)."""
    return {
        "task": task,
        "section": section,
        "heading": heading or "",
        "plan": plan,
        "planTitle": title,
        "jurisdiction": place,
        "jurisdictionLabel": place_label,
        "excerpt": _excerpt(text, "", 80),
    }


_WHOLE_FROM = 2_000  # from this many deadlines a page is read as the whole answer is: by hashing (see below)


def _deadline_rows_query(found: str, limit: int, offset: int) -> str:
    """The rows of a page of deadlines (`Repository.deadline_page`): the page's keys, then each key's facts. A
    page is looked up row by row (the facts of 100 deadlines: milliseconds); from `_WHOLE_FROM` rows on (an
    export) each fact is read as one table and joined by hashing, as the canned lists' whole answers are
    (`kg.store.whole_lines`): at 6M triples a lookup costs ~10-25 µs, 15 a row."""
    sparql = f"""SELECT ?order ?task ?due ?phrase ?section ?heading ?plan ?planTitle ?place ?placeLabel ?text
                       ?lead ?leadLabel
       WHERE {{ {{ SELECT DISTINCT ?order WHERE {{ {found} }} ORDER BY ?order LIMIT {limit} OFFSET {offset} }}
         {{
           # whole: SELECT * WHERE
           {{ ?d lt:dueOrder ?order }} }} {{
           # whole: SELECT * WHERE
           {{ ?d lt:dueDate ?due }} }} {{
           # whole: SELECT * WHERE
           {{ ?task lt:hasDeadline ?d }} }} {{
           # whole: SELECT * WHERE
           {{ ?task lt:inPlan ?plan }} }} {{
           # whole: SELECT * WHERE
           {{ ?task lt:section ?section }} }} {{
           # whole: SELECT * WHERE
           {{ ?task lt:text ?text }} }} {{
           # whole: SELECT * WHERE
           {{ ?plan rdfs:label ?planTitle }}
         }}
         OPTIONAL {{
           # whole: SELECT * WHERE
           {{ ?d lt:phrase ?phrase }}
         }}
         OPTIONAL {{
           # whole: SELECT * WHERE
           {{ ?task lt:heading ?heading }}
         }}
         OPTIONAL {{
           # whole: SELECT * WHERE {{ {{ SELECT ?plan WHERE {{ ?plan a lt:Plan }} }}
           ?plan lt:jurisdiction ?place OPTIONAL {{ ?place rdfs:label ?placeLabel }} FILTER(BOUND(?placeLabel))
           # whole: }}
         }}
         OPTIONAL {{
           # whole: SELECT * WHERE {{ {{ SELECT * WHERE
           {{ ?lead lt:leads ?task }}
           # whole: }}
           OPTIONAL {{
             # whole: SELECT * WHERE
             {{ ?lead rdfs:label ?leadLabel }}
           }}
           FILTER(BOUND(?leadLabel))
           # whole: }}
         }} }}"""
    return whole_lines(sparql) if limit >= _WHOLE_FROM else sparql


def _date_key(day: date) -> int:
    """The lt:dueOrder of the first deadline of `day` or later (see kg.statistics)."""
    return int(day.strftime("%Y%m%d")) * DUE_ORDER_SCALE


def _broker_row(agency, label, place, place_label, degree, led, value, degree_rank, betweenness_rank) -> dict:
    return {
        "agency": agency,
        "label": label,
        "jurisdiction": place,
        "jurisdictionLabel": place_label,
        "degree": int(degree),
        "leads": int(led or 0),
        "betweenness": float(f"{float(value):.4g}"),
        "degreeRank": degree_rank,
        "betweennessRank": betweenness_rank,
    }


def _term(value):
    if isinstance(value, ox.NamedNode | ox.Literal | ox.BlankNode):
        return value
    text = str(value)
    if text.startswith(("http://", "https://")):
        try:
            return ox.NamedNode(text)
        except ValueError:  # no IRI (a search for "http://<>"): the text itself
            pass
    return ox.Literal(text)


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def _bind(sparql: str, bindings: dict) -> str:
    if not bindings:
        return sparql
    where = _WHERE.search(sparql)
    if where is None:
        raise ValueError("cannot bind variables: the query has no WHERE { … }")
    rows = " ".join(f"VALUES ?{name} {{ {_term(value)} }}" for name, value in bindings.items())
    return f"{sparql[: where.end()]} {rows}\n{sparql[where.end() :]}"


def _outline(tasks: list[dict]) -> list[dict]:
    """The tasks as a tree of sections ("二.(一).4" → 二 › (一) › 4), in document order; a task whose
    section contains others' (二.(三) and 二.(三).1) holds them as children."""
    root: dict = {"children": []}
    index: dict[str, dict] = {}
    for task in tasks:
        parts = _section_key(task["section"]).split(".")
        node = root
        for depth, part in enumerate(parts[:-1]):
            key = ".".join(parts[: depth + 1])
            child = index.get(key)
            if child is None:
                child = index[key] = {"section": key, "label": part, "item": None, "children": []}
                node["children"].append(child)
            node = child
        key = ".".join(parts)
        leaf = {"section": key, "label": parts[-1], "item": task, "children": []}
        if key in index and index[key]["item"] is None:
            index[key]["item"] = task
        else:
            index.setdefault(key, leaf)
            node["children"].append(leaf)
    return root["children"]
