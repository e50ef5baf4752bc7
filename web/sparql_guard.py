"""Checks a SPARQL request before anything runs it: read-only, no SERVICE, no LOAD, nothing fetched.

A SPARQL tokenizer (one compiled regular expression, linear in the query's length) reads the query the
way Oxigraph's parser does: strings (all four quotings, with their escapes, `\\u` included), IRIs
(with `\\u` escapes), comments, variables, prefixed names, blank-node labels, language tags and numbers
by the SPARQL 1.1 grammar's own terminals, so a keyword inside any of them is not a keyword, and a
keyword glued to what precedes it (`1SERVICE`, `trueSERVICE`: Oxigraph's parser needs no space there)
still is one. From the tokens it takes the query form, the prologue (BASE, PREFIX) and the dataset
clauses (FROM / FROM NAMED, resolved). It refuses SERVICE and every keyword of SPARQL Update.

Nothing is fetched for a dataset: Oxigraph reads FROM as the name of a graph it holds (one it does not
hold is an empty graph), and a remote server gets the dataset as protocol parameters with the graphs
it does not hold replaced (web/sparql_exec.py), so FROM is never refused.

One corner of the grammar is context-dependent: `<` after an operand is the less-than operator in an
expression, but `<…>` is an IRI in a triple pattern. The two readings only differ in what follows when
the would-be IRI holds `)`, `'` or `#`; the tokenizer then reads the rest both ways and refuses if
either reading shows a dangerous keyword.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator, NamedTuple

# Only the standard library here (pyoxigraph when a relative IRI needs resolving): the query workers
# import this module and must start fast.

# Keywords of SPARQL Update: none of them is a keyword of the query grammar, so one as a token means
# an update (or an update smuggled after a query).
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY",
                             "WITH", "USING"})
DANGEROUS = UPDATE_KEYWORDS | {"SERVICE"}
FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")

# Every bare word of SPARQL 1.1 Query (keywords and built-in functions) and of the SPARQL 1.2 additions
# Oxigraph knows. A word outside this set is either a syntax error or a server's own extension
# (Virtuoso's DEFINE pragmas, for one), which a remote backend must not receive.
QUERY_WORDS = frozenset("""
BASE PREFIX SELECT DISTINCT REDUCED AS CONSTRUCT WHERE DESCRIBE ASK FROM NAMED GROUP BY HAVING ORDER ASC DESC
LIMIT OFFSET VALUES OPTIONAL GRAPH BIND UNDEF MINUS FILTER IN NOT EXISTS UNION A TRUE FALSE SEPARATOR
COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL
FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR
MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF
STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE
LATERAL TRIPLE SUBJECT PREDICATE OBJECT ISTRIPLE LANGDIR HASLANG HASLANGDIR STRLANGDIR VERSION
""".split())

# ---------------------------------------------------------------------- terminals (SPARQL 1.1 §19.8)

_PN_CHARS_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
                  "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_IRIREF = f"<(?:[^<>\"{{}}|^`\\\\\\x00-\\x20]|{_UCHAR})*>"
_VARNAME = f"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*"

_TOKEN = re.compile(f"""
  (?P<ws>[\\x20\\t\\r\\n]+)
| (?P<comment>\\#[^\\r\\n]*)
| (?P<string>'''(?:(?:'|'')?(?:[^'\\\\]|\\\\.))*'''|\"\"\"(?:(?:"|"")?(?:[^"\\\\]|\\\\.))*\"\"\"
             |'(?:[^'\\\\\\n\\r]|\\\\.)*'|"(?:[^"\\\\\\n\\r]|\\\\.)*")
| (?P<iri>{_IRIREF})
| (?P<var>[?$]{_VARNAME})
| (?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)
| (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
| (?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)
| (?P<number>(?:[0-9]+\\.[0-9]*[eE][+-]?[0-9]+|\\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-]?[0-9]+
             |[0-9]*\\.[0-9]+|[0-9]+))
| (?P<word>[A-Za-z_][A-Za-z0-9_]*)
| (?P<punct>\\^\\^|\\|\\||&&|!=|<=|>=|.)
""", re.X | re.S)
_IRI_AT = re.compile(_IRIREF)
# A prologue of PREFIX and BASE declarations, comments and spaces, in exactly the tokens the tokenizer reads
# there (PREFIX/BASE as words, the prefix as a pname, the IRI): clients send the same block with every query,
# so its tokens and declarations are kept (_head) and only the rest of each query is tokenized.
_WS = "[\\x20\\t\\r\\n]"
_PROLOGUE = re.compile(f"(?:{_WS}+|\\#[^\\r\\n]*|(?i:PREFIX){_WS}+(?:{_PN_PREFIX})?:{_WS}*{_IRIREF}"
                       f"|(?i:BASE){_WS}*{_IRIREF})*")
_OPERAND_END = {"var", "string", "iri", "pname", "number", "bnode", "langtag"}
_MAX_BRANCHES = 16
_AMBIGUOUS = re.compile(r"[)'#]")


class Refused(Exception):
    """A request CPKB will not run; status is the HTTP status, message says why and what to do."""

    def __init__(self, status: int, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


class Token(NamedTuple):
    kind: str  # one of the group names of _TOKEN (never ws or comment)
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the checks: its form and the dataset its own FROM / FROM NAMED name."""

    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE; "" when the text names none (Oxigraph will say why)
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()
    dataset_spans: tuple[tuple[int, int], ...] = ()  # where the FROM clauses stand, to cut them out
    unknown_words: tuple[str, ...] = ()  # bare words outside SPARQL (a syntax error or an extension)
    notes: tuple[str, ...] = field(default=())

    @property
    def has_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)

    def without_dataset(self) -> str:
        """The query text with its FROM / FROM NAMED clauses cut out (spaces keep the error positions)."""
        text = self.text
        for start, end in reversed(self.dataset_spans):
            text = text[:start] + " " * (end - start) + text[end:]
        return text


# ---------------------------------------------------------------------- tokenizer

def tokens(text: str, start: int = 0, branches: list | None = None, parens: int = 0) -> Iterator[Token]:
    """The significant tokens of text from `start`. An ambiguous `<` (see the module's note; only inside
    parentheses, where expressions are) is read as an IRI here; its other reading, `<` as an operator,
    goes into `branches` as (position, parenthesis depth)."""
    position, previous = start, ""
    match = _TOKEN.match
    while position < len(text):
        found = match(text, position)
        kind = found.lastgroup
        begin, position = position, found.end()
        if kind == "ws" or kind == "comment":
            continue
        value = found.group()
        if kind == "iri" and parens and previous in _OPERAND_END and _AMBIGUOUS.search(value):
            if branches is not None:
                branches.append((begin + 1, parens))
        elif kind == "punct" and value in "()":
            parens = parens + 1 if value == "(" else max(0, parens - 1)
        previous = kind if kind != "punct" else ("var" if value in ")]" else "punct")
        yield Token(kind, value, begin, position)


def _dangerous_words(toks: list[Token], first: int = 0) -> list[str]:
    """The dangerous keywords among the tokens from index `first`, in any reading Oxigraph's parser could make: it
    needs no space around keywords, so `trueSERVICE` is TRUE SERVICE and `SERVICE:x {` is SERVICE :x {."""
    found = []
    for index in range(first, len(toks)):
        token = toks[index]
        upper = token.text.upper()
        if token.kind == "word":
            if upper in DANGEROUS:
                found.append(upper)
            elif upper not in QUERY_WORDS:  # not SPARQL as a whole: any keyword inside it counts
                found.extend(w for w in DANGEROUS if w in upper)
        elif token.kind == "pname" and "SERVICE" in upper.partition(":")[0]:
            after = toks[index + 1].text if index + 1 < len(toks) else ""
            before = toks[index - 1].text.upper() if index else ""
            if after == "{" and before not in ("GRAPH", "FROM", "NAMED"):
                found.append("SERVICE")
    return found


def _refuse_dangerous(words: list[str]) -> None:
    if "SERVICE" in words:
        raise Refused(403, "本端点不执行 SERVICE（联邦查询）：服务器不会替您调用其他端点。请自行查询另一端点再合并结果。\n"
                           "SERVICE (federated query) is switched off on this endpoint: the server does not "
                           "call other endpoints for you. Query the other endpoint yourself and join the results.")
    if words:
        names = ", ".join(sorted(set(words)))
        raise Refused(403, f"本端点只读：{names} 属于 SPARQL Update，不予执行。请发送 SELECT、ASK、CONSTRUCT 或 DESCRIBE 查询。\n"
                           f"This endpoint is read-only: {names} belongs to SPARQL Update (INSERT, DELETE, "
                           "LOAD, CLEAR, DROP, CREATE …), which is not accepted. Send a SELECT, ASK, CONSTRUCT "
                           "or DESCRIBE query.")


# ---------------------------------------------------------------------- IRIs

def unescape_iri(iriref: str) -> str:
    """The IRI of an IRIREF token, its \\u / \\U escapes decoded."""
    body = iriref[1:-1]
    if "\\" not in body:
        return body
    return re.sub(_UCHAR, lambda m: chr(int(m.group()[2:], 16)), body)


def resolve(iri: str, base: str | None) -> str:
    """iri resolved against base by RFC 3987, with the same IRI library Oxigraph uses (oxiri)."""
    if not base or re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", iri):
        return iri
    import pyoxigraph as ox

    try:
        quad = next(iter(ox.parse(f"<{iri}> <urn:x-cpkb:p> <urn:x-cpkb:o> .".encode(),
                                  format=ox.RdfFormat.TURTLE, base_iri=base)))
    except (SyntaxError, ValueError, StopIteration):
        return iri
    return quad.subject.value


def _pname_iri(pname: str, prefixes: dict[str, str]) -> str | None:
    prefix, _, local = pname.partition(":")
    if prefix not in prefixes:
        return None
    return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)


# ---------------------------------------------------------------------- the check

_LOOKED_FOR = tuple(sorted(DANGEROUS | {"FROM"}))


def plain_query(text: str) -> bool:
    """True when no word the check looks for (the dangerous keywords, FROM) occurs anywhere in the text, in any
    case: then no token can be one (a token's text is part of the text, and Oxigraph reads no keyword through an
    escape), so the query has nothing to refuse and no dataset clause. A few substring searches instead of
    tokenizing; a text that holds such a word anywhere (in a string, an IRI, a comment) gets the full check."""
    upper = text.upper()
    return not any(word in upper for word in _LOOKED_FOR)


@lru_cache(maxsize=4096)
def check_query(text: str, prefixes: tuple[tuple[str, str], ...] = ()) -> CheckedQuery:
    """Tokenize and check one query; raise Refused (403, 400) or return its form and dataset.
    prefixes: the predeclared (prefix, IRI) pairs, for FROM clauses written with them."""
    branches: list[int] = []
    end = _PROLOGUE.match(text).end()
    head = _head(text[:end], prefixes)
    # the prologue holds no dangerous word (only PREFIX, BASE, prefixes and IRIs): the rest is read
    toks = [*head.tokens, *tokens(text, end, branches)]
    _refuse_dangerous(_dangerous_words(toks, len(head.tokens)))
    done = 0
    while done < len(branches):  # the other reading of each ambiguous `<`
        if len(branches) > _MAX_BRANCHES:
            raise Refused(400, "查询中有太多紧贴的“<”比较，无法检查；请在比较运算符“<”两边加空格。\n"
                               "The query has too many comparisons written as `?a<?b…>` to be checked; put a "
                               "space after each `<` that compares.")
        position, parens = branches[done]
        _refuse_dangerous(_dangerous_words(list(tokens(text, position, branches, parens))))
        done += 1
    return _structure(text, toks, head)


class _Head(NamedTuple):
    """A query's prologue read: its tokens, the index after the declarations, BASE and the prefixes in force."""

    tokens: tuple[Token, ...]
    end: int
    base: str | None
    prefixes: tuple[tuple[str, str], ...]


@lru_cache(maxsize=256)
def _head(prologue: str, predeclared: tuple[tuple[str, str], ...]) -> _Head:
    toks = tuple(tokens(prologue))
    prefixes = dict(predeclared)
    i, base = _declarations(toks, 0, None, prefixes)
    return _Head(toks, i, base, tuple(prefixes.items()))


def _declarations(toks, i: int, base: str | None, prefixes: dict[str, str]) -> tuple[int, str | None]:
    """Read BASE and PREFIX declarations from token i on (into `prefixes`); the index after them and the base."""
    while i + 1 < len(toks):
        word = toks[i].text.upper() if toks[i].kind == "word" else ""
        if word == "BASE" and toks[i + 1].kind == "iri":
            base = resolve(unescape_iri(toks[i + 1].text), base)
            i += 2
        elif word == "PREFIX" and i + 2 < len(toks) and toks[i + 1].kind == "pname" and toks[i + 2].kind == "iri":
            prefixes[toks[i + 1].text[:-1]] = resolve(unescape_iri(toks[i + 2].text), base)
            i += 3
        else:
            break
    return i, base


def _structure(text: str, toks: list[Token], head: _Head) -> CheckedQuery:
    prefixes = dict(head.prefixes)
    # the rest of the prologue, when _PROLOGUE did not take it whole (a declaration written unusually)
    i, base = _declarations(toks, head.end, head.base, prefixes)
    first = toks[i].text.upper() if i < len(toks) and toks[i].kind == "word" else ""
    form = next((f for f in FORMS if first.startswith(f)), "")
    if not form:
        raise Refused(400, "这不是 SPARQL 查询：前言（BASE、PREFIX）之后应为 SELECT、CONSTRUCT、DESCRIBE 或 ASK。\n"
                           "Malformed query: after the prologue (BASE, PREFIX) a query starts with SELECT, "
                           "CONSTRUCT, DESCRIBE or ASK.")
    default, named, spans = [], [], []
    depth = 0
    for j in range(i, len(toks)):
        token = toks[j]
        if token.kind == "punct" and token.text in "{}":
            depth += 1 if token.text == "{" else -1
            continue
        clause = _dataset_clause(toks, j, prefixes, base) if depth == 0 else None  # not in a sub-query
        if clause:
            is_named, iri, end = clause
            (named if is_named else default).append(iri)
            spans.append((token.start, end))
    unknown = tuple(sorted({t.text for t in toks if t.kind == "word" and t.text.upper() not in QUERY_WORDS}))
    return CheckedQuery(text, form, tuple(default), tuple(named), tuple(spans), unknown)


def _dataset_clause(toks: list[Token], j: int, prefixes: dict[str, str],
                    base: str | None) -> tuple[bool, str, int] | None:
    """(named, IRI, end offset) when a dataset clause starts at token j: `FROM <g>`, `FROM NAMED ex:g`, and
    the glued forms Oxigraph reads the same way (`FROM:g` is FROM :g, `FROMNAMEDex:g` FROM NAMED ex:g)."""
    token = toks[j]
    upper = token.text.upper()
    after = toks[j + 1] if j + 1 < len(toks) else None
    if token.kind == "pname" and upper.startswith("FROM"):
        rest = token.text[4:]
        is_named = rest.upper().startswith("NAMED")
        iri = _pname_iri(rest[5:] if is_named else rest, prefixes)
        return (is_named, iri, token.end) if iri else None
    if token.kind != "word" or upper != "FROM" or after is None:
        return None
    is_named = after.kind == "word" and after.text.upper() == "NAMED"
    if after.kind == "pname" and after.text.upper().startswith("NAMED") and after.text[5:6] != "":
        is_named, source_text, source = True, after.text[5:], after  # FROM NAMEDex:g
    else:
        source = toks[j + 2] if is_named and j + 2 < len(toks) else after
        source_text = source.text
    if source.kind == "iri":
        return is_named, resolve(unescape_iri(source_text), base), source.end
    if source.kind == "pname":
        iri = _pname_iri(source_text, prefixes)
        return (is_named, iri, source.end) if iri else None
    return None


def refuse_extensions(checked: CheckedQuery) -> None:
    """For a remote server: refuse bare words outside SPARQL (pragmas such as Virtuoso's DEFINE can make a
    server fetch data or change its behaviour) and IRIs of server built-ins (bif:, sql:)."""
    if checked.unknown_words:
        words = ", ".join(checked.unknown_words[:5])
        raise Refused(400, f"查询含有 SPARQL 1.1 之外的词（{words}），不予转发。\n"
                           f"The query contains words that are not SPARQL 1.1 ({words}); server-specific "
                           "extensions are not forwarded. Correct the syntax and try again.")
    if re.search(r"<\s*(bif|sql):", checked.text, re.I) or re.search(r"(^|[\s;,(])(bif|sql):", checked.text):
        raise Refused(403, "服务器内置函数（bif:、sql:）不予转发。\n"
                           "Server built-in functions (bif:, sql:) are not forwarded by this endpoint.")
