"""The worker counts SELECT rows in Oxigraph's JSON (json_rows) and writes small JSON results in one pass; a result
past the row cap still goes the general way and is cut."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from cpkb.web import sparql_worker
from cpkb.web.sparql_worker import execute, json_rows

EX = "http://example.org/"
AWKWARD = ['},{', '"},{"', '\\', '\\"},{\\"', "line\nbreak", "{}", "[]", '"bindings":[', "}},{{", "镀铬", "",
           "a,{", "[{", ",{", "x[{", '[{"', ',{"', ",{\\"]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for n, text in enumerate(AWKWARD):
        subject = ox.NamedNode(f"{EX}s{n}")
        store.add(ox.Quad(subject, ox.NamedNode(f"{EX}p"), ox.Literal(text), ox.NamedNode(f"{EX}g")))
        store.add(ox.Quad(subject, ox.NamedNode(f"{EX}q"), ox.Literal(text, language="zh"), ox.NamedNode(f"{EX}g")))
        store.add(ox.Quad(subject, ox.NamedNode(f"{EX}r"), ox.BlankNode(f"b{n}"), ox.NamedNode(f"{EX}g")))
    return store


QUERIES = [
    "SELECT * WHERE { ?s ?p ?o }",
    # no `{}` inside any string: the quick count (strings ending in `,{` and `[{` included)
    "SELECT * WHERE { ?s ?p ?o FILTER(!CONTAINS(STR(?o), '{}')) }",
    "SELECT * WHERE { }",  # one solution with no binding: {}
    "SELECT * WHERE { ?s ?p ?o FILTER(false) }",  # none
    "SELECT ?x WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/none> ?x } }",  # empty solutions in a row
    "SELECT ?o (STRLEN(?o) AS ?n) WHERE { ?s <http://example.org/p> ?o } ORDER BY ?o",
    "SELECT ?t WHERE { ?s ?p ?o BIND(<<( ?s ?p ?o )>> AS ?t) }",  # triple terms: objects inside objects
    "SELECT ?a ?b WHERE { VALUES (?a ?b) { (1 UNDEF) (UNDEF 2) (UNDEF UNDEF) } }",
]


@pytest.mark.parametrize("query", QUERIES)
def test_json_rows_counts_what_a_parser_reads(store, query):
    body = store.query(query, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if "FILTER(!CONTAINS" in query:
        assert b"{}" not in body and b'a,{"' in body and b'x[{"' in body  # the quick way, awkward strings
    assert json_rows(body) == len(list(parsed)), body[:300]


def _split_count(body: bytes) -> int:
    """json_rows as it was first written (one split, a look at each piece): the counts must agree with it."""
    return 1 + sum(1 for piece in body.split(b',{"')[1:] if piece[:1] not in b",}]:")


@pytest.mark.parametrize("inside", ['a,{', ',{",{', ',{",{"', 'x,{"]', ',{":', '"},{"', ',{"}', ""])
def test_json_rows_counts_like_the_split(inside):
    """Synthetic bodies (strings holding the marks, glued marks Oxigraph never writes) counted as the split counts."""
    row = '{"v":{"type":"literal","value":"%s"}}' % inside.replace('"', '\\"')
    for rows in (1, 2, 7):
        for tail in ("", ',{",{"'):  # raw glued marks too, as if inside the head
            body = ('{"head":{"vars":["v"]},"results":{"bindings":[' + ",".join([row] * rows) + "]}}" + tail).encode()
            if b"{}" not in body:
                assert json_rows(body) == _split_count(body), body


def _job(query: str, max_rows: int, media: str = "application/sparql-results+json") -> dict:
    return {"query": query, "prefixes": {}, "results_type": media, "graph_type": None, "max_rows": max_rows,
            "default_graphs": None, "named_graphs": None, "base_iri": None}


def test_a_small_result_is_written_once_and_a_large_one_is_cut(store, monkeypatch):
    query = "SELECT * WHERE { ?s ?p ?o }"
    total = len(AWKWARD) * 3
    kind, body, truncated, count, media = execute(store, _job(query, total))
    assert (kind, truncated, count) == ("ok", False, total)
    assert body == store.query(query, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)
    kind, body, truncated, count, media = execute(store, _job(query, 5))  # past the row cap: cut at 5
    assert (kind, truncated, count) == ("ok", True, 5)
    assert len(list(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))) == 5
    monkeypatch.setattr(sparql_worker, "JSON_DIRECT_BYTES", 100)  # past the byte bound: the general way, whole
    kind, body, truncated, count, media = execute(store, _job(query, total))
    assert (kind, truncated, count) == ("ok", False, total)
    assert len(list(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))) == total


def test_the_worker_refuses_what_the_guard_refuses(store):
    """The worker skips the tokenizer for a text without any word the check looks for; what the check refuses, or
    says of a text that is no query, is answered as before."""
    assert execute(store, _job("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", 10))[:2] == ("refused", 403)
    assert execute(store, _job("DROP ALL", 10))[:2] == ("refused", 403)
    kind, status, message = execute(store, _job("PREFIX ex: <http://x/> ex:a ex:b ex:c", 10))
    assert (kind, status) == ("refused", 400) and "这不是 SPARQL 查询" in message
    assert execute(store, _job("SELECT * { ?s ?p ?o", 10))[0] == "syntax"
    named = execute(store, _job("SELECT (COUNT(*) AS ?n) FROM <http://example.org/g> { ?s ?p ?o }", 100))
    assert named[0] == "ok" and b'"value":"' + str(len(AWKWARD) * 3).encode() + b'"' in named[1]
    nothing = execute(store, _job("SELECT (COUNT(*) AS ?n) FROM <http://example.org/none> { ?s ?p ?o }", 100))
    assert b'"value":"0"' in nothing[1]  # FROM a graph the store lacks: an empty graph, not the union
