"""Runs the W3C SPARQL 1.1 test suite through the /sparql endpoint and through raw pyoxigraph.

Query-evaluation tests: every test's data goes into one store (its default graph as a CPKB graph of
its own, its named graphs under their file IRIs), and the endpoint is asked with default-graph-uri /
named-graph-uri naming exactly that test's dataset. Raw pyoxigraph gets a store per test with the
data in its real default graph. Both answers go through the same comparison (blank nodes matched
by a bijection, order ignored). Protocol tests: the requests of protocol/manifest.ttl that apply to a
read-only query endpoint are sent as written, and their expected status and format are checked.
"""

from __future__ import annotations

import io
import json
import os
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS
from rdflib.query import Result

from cpkb.web.sparql_guard import check_query

REPO = Path(__file__).resolve().parents[1]
# ../shared/ beside the checkout (CI), or where CPKB_W3C_TESTS says (a worktree elsewhere)
SUITE = Path(os.environ.get("CPKB_W3C_TESTS") or REPO.parent / "shared" / "w3c-rdf-tests") / "sparql" / "sparql11"
CATEGORIES = ["aggregates", "bind", "bindings", "exists", "functions", "grouping", "negation", "property-path",
              "subquery", "construct"]
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
NO_GRAPH = "https://w3id.org/cpkb/graph/w3c/no-named-graph"


@dataclass
class EvalTest:
    category: str
    name: str
    query: Path
    data: list[Path]
    graph_data: list[Path]
    result: Path
    default_graph: str = ""


@dataclass
class Outcome:
    passed: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def add(self, category: str, ok: bool, name: str) -> None:
        self.total[category] = self.total.get(category, 0) + 1
        self.passed[category] = self.passed.get(category, 0) + int(ok)
        if not ok:
            self.failures.append(f"{category}/{name}")

    @property
    def rate(self) -> float:
        return sum(self.passed.values()) / max(1, sum(self.total.values()))


def _path(iri) -> Path:
    return Path(urllib.parse.unquote(urllib.parse.urlparse(str(iri)).path))


def evaluation_tests() -> list[EvalTest]:
    tests = []
    for category in CATEGORIES:
        manifest = SUITE / category / "manifest.ttl"
        g = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
        for entries in g.objects(None, MF.entries):
            for test in Collection(g, entries):
                if (test, RDF.type, MF.QueryEvaluationTest) not in g:
                    continue
                action = g.value(test, MF.action)
                result = g.value(test, MF.result)
                if action is None or result is None or g.value(action, QT.query) is None:
                    continue
                tests.append(EvalTest(
                    category, str(test).rsplit("#", 1)[-1], _path(g.value(action, QT.query)),
                    [_path(d) for d in g.objects(action, QT.data)],
                    sorted(_path(d) for d in g.objects(action, QT.graphData)), _path(result)))
    return tests


def _quads(path: Path, graph) -> list:
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
    return [ox.Quad(q.subject, q.predicate, q.object, graph)
            for q in ox.parse(path=str(path), format=fmt, base_iri=path.as_uri())]


def build_dataset(tests: list[EvalTest], protocol_graphs: dict[str, Path]) -> ox.Store:
    """One store with every test's data: default data in a CPKB graph per test, named data by file IRI."""
    store = ox.Store()
    seen = set()
    for index, test in enumerate(tests):
        test.default_graph = f"https://w3id.org/cpkb/graph/w3c/{test.category}/{index}"
        for data in test.data:
            store.extend(_quads(data, ox.NamedNode(test.default_graph)))
        for data in test.graph_data:
            if data not in seen:
                seen.add(data)
                store.extend(_quads(data, ox.NamedNode(data.as_uri())))
    for name, path in protocol_graphs.items():
        store.extend(_quads(path, ox.NamedNode(name)))
    # the graphs the protocol tests name without giving their data are not added: the endpoint must
    # answer over them as empty graphs, as the protocol tests expect
    return store


# ---------------------------------------------------------------------- comparison

def _term(node):
    if isinstance(node, BNode):
        return ("b", str(node))
    if isinstance(node, Literal):
        return ("l", str(node), str(node.datatype or ""), (node.language or "").lower())
    if node is None:
        return None
    return ("u", str(node))


def _rows(result: Result) -> list[dict]:
    return [{str(v): _term(row.get(v)) for v in result.vars if row.get(v) is not None} for row in result.bindings] \
        if hasattr(result, "bindings") else []


def _same_rows(expected: list[dict], actual: list[dict]) -> bool:
    if len(expected) != len(actual):
        return False

    def match(i: int, used: set, mapping: dict) -> bool:
        if i == len(expected):
            return True
        for j, row in enumerate(actual):
            if j in used or row.keys() != expected[i].keys():
                continue
            new = dict(mapping)
            ok = True
            for var, term in expected[i].items():
                other = row[var]
                if term[0] == "b" and other[0] == "b":
                    if new.get(term[1], other[1]) != other[1] or \
                            (term[1] not in new and other[1] in new.values()):
                        ok = False
                        break
                    new[term[1]] = other[1]
                elif term != other:
                    ok = False
                    break
            if ok and match(i + 1, used | {j}, new):
                return True
        return False

    return match(0, set(), {})


def expected_kind(test: EvalTest) -> str:
    return {".srx": "xml", ".srj": "json", ".tsv": "tsv", ".csv": "csv"}.get(test.result.suffix, "graph")


def compare(test: EvalTest, body: bytes, media_type: str) -> bool:
    kind = expected_kind(test)
    try:
        if kind == "graph":
            expected = Graph().parse(test.result, publicID=test.result.as_uri(),
                                     format="turtle" if test.result.suffix == ".ttl" else None)
            actual = Graph().parse(data=body, format="nt")
            return isomorphic(expected, actual)
        expected = Result.parse(open(test.result, "rb"), format=kind)
        actual = Result.parse(io.BytesIO(body), format={"application/sparql-results+json": "json",
                                                        "text/csv": "csv"}[media_type])
        if expected.type == "ASK" or actual.type == "ASK":
            return expected.type == actual.type and expected.askAnswer == actual.askAnswer
        if kind == "csv":
            strip = [{k: v[1] if v else None for k, v in r.items()} for r in _rows(expected)]
            got = [{k: v[1] if v else None for k, v in r.items()} for r in _rows(actual)]
            return sorted(map(json.dumps, strip)) == sorted(map(json.dumps, got))
        return _same_rows(_rows(expected), _rows(actual))
    except Exception:  # an answer that cannot be read is a failed test
        return False


def accept_for(test: EvalTest) -> str:
    if expected_kind(test) == "graph":
        return "application/n-triples"
    if expected_kind(test) == "csv":
        return "text/csv"
    return "application/sparql-results+json"


def run_raw(test: EvalTest) -> bool:
    """The same test on raw pyoxigraph: a store of its own, data in its real default graph."""
    store = ox.Store()
    for data in test.data:
        store.extend(_quads(data, ox.DefaultGraph()))
    for data in test.graph_data:
        store.extend(_quads(data, ox.NamedNode(data.as_uri())))
    try:
        result = store.query(test.query.read_text(encoding="utf-8"), base_iri=test.query.as_uri())
        if isinstance(result, ox.QueryTriples):
            return compare(test, result.serialize(format=ox.RdfFormat.N_TRIPLES), "application/n-triples")
        fmt = ox.QueryResultsFormat.CSV if accept_for(test) == "text/csv" else ox.QueryResultsFormat.JSON
        return compare(test, result.serialize(format=fmt), accept_for(test))
    except Exception:  # a parse or evaluation error is a failed test
        return False


def run_endpoint(session, url: str, test: EvalTest) -> tuple[bool, int]:
    query = f"BASE <{test.query.as_uri()}>\n" + test.query.read_text(encoding="utf-8")
    params = []
    if not check_query(query).has_dataset:  # a query with its own FROM keeps it; others get their dataset
        params = [("default-graph-uri", test.default_graph)]
        params += [("named-graph-uri", p.as_uri()) for p in test.graph_data] or [("named-graph-uri", NO_GRAPH)]
    response = session.post(url, params=params, data={"query": query}, headers={"Accept": accept_for(test)},
                            timeout=30)
    if response.status_code != 200:
        return False, response.status_code
    media = response.headers.get("Content-Type", "").split(";")[0]
    return compare(test, response.content, media), 200


# ---------------------------------------------------------------------- protocol tests

@dataclass
class ProtocolTest:
    name: str
    requests: list[dict]


def protocol_tests() -> tuple[list[ProtocolTest], dict[str, Path], list[str], int]:
    """The tests that apply to a read-only query endpoint, their graphs, the graphs they name without
    data (the store does not hold them: empty graphs), N not applicable."""
    manifest = SUITE / "protocol" / "manifest.ttl"
    g = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
    tests, graphs, named, skipped = [], {}, set(), 0
    for entries in g.objects(None, MF.entries):
        for test in Collection(g, entries):
            name = str(test).rsplit("#", 1)[-1]
            if not (name.startswith("query_") or name.startswith("bad_query_")):
                skipped += 1
                continue
            for gd in g.objects(test, UT.graphData):
                graphs[str(g.value(gd, RDFS.label))] = _path(g.value(gd, UT.graph))
            reqs = []
            for conn in [g.value(test, MF.action)]:
                for req in Collection(g, g.value(conn, HT.requests)):
                    body = g.value(req, HT.body)
                    headers = {}
                    header_list = g.value(req, HT.headers)
                    if header_list is not None:
                        for h in Collection(g, header_list):
                            headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
                    resp = g.value(req, HT.resp)
                    statuses = {str(s).rsplit("#", 1)[-1] for s in g.objects(resp, MF.expectedStatus)}
                    path = str(g.value(req, HT.absolutePath))
                    query = urllib.parse.urlparse(path).query
                    for key, value in urllib.parse.parse_qsl(query):
                        if key in ("default-graph-uri", "named-graph-uri"):
                            named.add(value)
                    reqs.append({
                        "method": str(g.value(req, HT.methodName)), "path": path, "headers": headers,
                        "body": None if body is None else str(g.value(body, CNT.chars)).encode(
                            str(g.value(body, CNT.characterEncoding) or "UTF-8")),
                        "statuses": statuses, "format": str(g.value(resp, MF.expectedFormat) or ""),
                        "boolean": g.value(resp, MF.expectedBoolean)})
            tests.append(ProtocolTest(name, reqs))
    absent = sorted(named - set(graphs))
    return tests, graphs, absent, skipped


def run_protocol(session, base: str, test: ProtocolTest) -> tuple[bool, list[int]]:
    codes = []
    for req in test.requests:
        path = req["path"].replace("/sparql/", "/sparql", 1)
        response = session.request(req["method"], base + path, data=req["body"], headers=req["headers"], timeout=30)
        codes.append(response.status_code)
        klass = f"StatusCode{response.status_code // 100}xx"
        if klass not in req["statuses"]:
            return False, codes
        if response.status_code >= 300:
            continue
        media = response.headers.get("Content-Type", "").split(";")[0]
        if req["format"] == "boolean":
            if media not in ("application/sparql-results+json", "application/sparql-results+xml"):
                return False, codes
            if req["boolean"] is not None and media == "application/sparql-results+json" and \
                    bool(response.json().get("boolean")) != bool(req["boolean"].toPython()):
                return False, codes
        elif req["format"] == "RDF":
            if media not in ("text/turtle", "application/n-triples", "application/rdf+xml"):
                return False, codes
        elif req["format"] == "tabular":
            if media not in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                             "text/tab-separated-values"):
                return False, codes
    return True, codes
