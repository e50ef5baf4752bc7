"""Checks a SPARQL request before anything runs it: read-only, no SERVICE, no LOAD, no foreign graphs.

The query is parsed with rdflib's SPARQL parser (used here only to read the query's structure, never
to evaluate it); the parse tree tells the query form, every SERVICE clause and the FROM / FROM NAMED
IRIs. A token scan over the same text runs as a second line of defence: a keyword token that the
parse tree does not explain (SERVICE, LOAD, INSERT …) refuses the query too. When rdflib cannot
parse a query that Oxigraph might accept (rdflib lags the grammar in a few corners), the query is
let through only if none of the dangerous words appears anywhere in its text, strings and comments
included, so that no disagreement between two parsers can smuggle one in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from cpkb.kb.namespaces import GRAPH, PREFIXES

KB_GRAPH_NAMESPACE = str(GRAPH)

# Keywords of SPARQL Update: none of them is a keyword of the query grammar, so one as a token means
# an update (or an update smuggled after a query).
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY",
                             "WITH", "USING"})
FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT",
         "DescribeQuery": "DESCRIBE"}


class Refused(Exception):
    """A request CPKB will not run; status is the HTTP status, message says why and what to do."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the checks: its form and the graphs its own FROM / FROM NAMED name."""

    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE; "" when only Oxigraph's parser can tell
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()
    parsed_by_rdflib: bool = True
    notes: tuple[str, ...] = field(default=())

    @property
    def has_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


# ---------------------------------------------------------------------- token scan

_TOKEN = re.compile(r"""
  (?P<ws>\s+)
| (?P<comment>\#[^\n\r]*)
| (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
             |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
| (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
| (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
| (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
| (?P<pname>(?:[^\W\d][\w.\-]*)?:(?:[\w:%.\-]|\\.)*)
| (?P<word>[^\W\d][\w\-]*)
| (?P<number>\d[\w.+\-]*)
| (?P<other>.)
""", re.X | re.S)


def keyword_tokens(text: str) -> set[str]:
    """The bare words of the query (keywords and function names), upper-cased."""
    return {m.group("word").upper() for m in _TOKEN.finditer(text) if m.lastgroup == "word"}


_DANGEROUS_WORD = re.compile(r"\b(SERVICE|FROM|" + "|".join(sorted(UPDATE_KEYWORDS)) + r")\b", re.I)


# ---------------------------------------------------------------------- parse-tree walk

def _walk(node) -> Iterable:
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)) or hasattr(item, "asList"):
            stack.extend(list(item))


def _resolve(prologue, term) -> str:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(term, CompValue) and term.name == "pname":
        return str(prologue.resolvePName(term.prefix, term.get("localname")))
    return str(prologue.absolutize(term))


def _parser_message(exc: Exception) -> str:
    # pyparsing's own text: what it expected, where (line, column); nothing of the server.
    message = str(exc).strip()
    return message.splitlines()[0] if message else "the query is not valid SPARQL 1.1"


@lru_cache(maxsize=1024)
def check_query(text: str) -> CheckedQuery:
    """Parse and check one query; raise Refused (403 refused, 400 malformed) or return what it is."""
    from rdflib.plugins.sparql.algebra import translatePrologue
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    tokens = keyword_tokens(text)
    try:
        parsed = parseQuery(text)
    except Exception as query_error:  # pyparsing raises ParseException and, on odd input, others
        try:
            parseUpdate(text)
        except Exception:
            pass
        else:
            raise Refused(403, "This endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, "
                               "CREATE …) is not accepted. Send a SELECT, ASK, CONSTRUCT or DESCRIBE query.") from None
        return _fallback(text, tokens, _parser_message(query_error))
    prologue_node, query = parsed[0], parsed[1]
    kinds = {node.name for node in _walk(parsed)}
    if "ServiceGraphPattern" in kinds or "SERVICE" in tokens:
        raise Refused(403, "SERVICE (federated query) is switched off on this endpoint: the server does not "
                           "call other endpoints for you. Query the other endpoint yourself and join the results.")
    update_words = tokens & UPDATE_KEYWORDS
    if update_words:
        raise Refused(403, f"This endpoint is read-only: {', '.join(sorted(update_words))} belongs to SPARQL "
                           "Update, which is not accepted.")
    prologue = translatePrologue(prologue_node, None, initNs=PREFIXES)
    default, named = [], []
    for clause in (node for node in _walk(query) if node.name == "DatasetClause"):
        if "default" in clause:
            default.append(_resolve(prologue, clause["default"]))
        if "named" in clause:
            named.append(_resolve(prologue, clause["named"]))
    return CheckedQuery(text, FORMS.get(query.name, ""), tuple(default), tuple(named))


def _fallback(text: str, tokens: set[str], rdflib_message: str) -> CheckedQuery:
    """A query rdflib cannot parse: let Oxigraph judge it, but only if it mentions nothing dangerous."""
    word = _DANGEROUS_WORD.search(text)
    if word:
        raise Refused(400, f"The query could not be checked ({rdflib_message}) and it contains "
                           f"'{word.group(0)}', which is only accepted in queries that the checker can read. "
                           "Correct the syntax, or rewrite the query without SERVICE, FROM or update keywords.")
    form = next((f for f in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") if f in tokens), "")
    return CheckedQuery(text, form, parsed_by_rdflib=False, notes=(rdflib_message,))


def check_graphs(iris: Iterable[str], known_graphs: Iterable[str], what: str) -> None:
    """Refuse any graph IRI that is neither in the knowledge base's namespace nor held by the store."""
    known = set(known_graphs)
    for iri in iris:
        if iri.startswith(KB_GRAPH_NAMESPACE) or iri in known:
            continue
        raise Refused(403, f"{what} <{iri}> is not a graph of this knowledge base; the endpoint never fetches "
                           f"data from elsewhere. Its graphs are named {KB_GRAPH_NAMESPACE}… (see the service "
                           "description at /sparql for the list).")
