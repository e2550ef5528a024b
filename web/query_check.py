"""What a /sparql query may do, decided from its parse tree before it runs: updates, SERVICE and FROM /
FROM NAMED are refused, and the query form (SELECT, ASK, CONSTRUCT, DESCRIBE) chooses the answer's format.

rdflib's parser (pyparsing) is slow on large queries (a 270 KB FILTER took 32 s) and holds the interpreter
lock while it works, so the endpoint never calls `inspect_query` in the web process: the query workers
(web.query_worker) do, under the query's time limit, and are killed with it.
"""

from __future__ import annotations

import functools
import threading


class QueryRefused(Exception):
    """A query this endpoint will not run (an update, SERVICE, FROM …): answered 403."""


class QuerySyntaxError(Exception):
    """A query that does not parse: answered 400 with the parser's message."""


QUERY_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


def _walk(node):
    """Every CompValue in a parse tree (rdflib's parser output), depth first."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(dict.values(item))
        elif isinstance(item, list | tuple) or type(item).__name__ == "ParseResults":
            stack.extend(item)


# pyparsing (rdflib's SPARQL parser) is not thread-safe: it learns each parse action's arity on first use by
# trial calls, and concurrent first parses can fix a wrong arity for good (every later parse then fails with
# "TypeError: <lambda>() missing 1 required positional argument"). Every parse in this process takes this lock.
PARSER_LOCK = threading.Lock()


@functools.lru_cache(maxsize=512)
def inspect_query(sparql: str) -> str:
    """The query form (SELECT, ASK, CONSTRUCT, DESCRIBE) of `sparql`, once parsed and found safe to run.

    Raises QueryRefused for an update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE …), a SERVICE pattern
    anywhere (sub-queries, EXISTS, OPTIONAL included) and FROM / FROM NAMED; QuerySyntaxError when it does
    not parse. The parser sees comments and strings for what they are, so neither hides nor fakes a keyword.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        with PARSER_LOCK:
            tree = parseQuery(sparql)
    except ParseException as error:
        try:
            with PARSER_LOCK:
                update = parseUpdate(sparql)
        except ParseException:
            raise QuerySyntaxError(str(error)) from None
        if update.get("request"):  # an empty update parses too: that was no update at all
            raise QueryRefused("SPARQL Update is not accepted: this endpoint is read-only") from None
        raise QuerySyntaxError(str(error)) from None
    except Exception as error:  # rdflib raises others for some malformed input (bad IRIs, escapes)
        raise QuerySyntaxError(f"{type(error).__name__}: {error}") from None
    query = tree[1]
    for node in _walk(tree):
        if node.name == "ServiceGraphPattern":
            raise QueryRefused("SERVICE (federated query) is not accepted: this endpoint fetches nothing")
        if "datasetClause" in node and dict.get(node, "datasetClause"):
            raise QueryRefused(
                "FROM and FROM NAMED are not accepted: the endpoint queries its own graph and loads nothing"
            )
    return QUERY_FORMS.get(query.name, "SELECT")
