"""One store interface, two implementations: embedded Oxigraph (default) and any SPARQL 1.1 server by URL.

Callers never know which one they have. Every query sees the union of the named graphs as its default
graph (each knowledge source file is one named graph), on both backends.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox
import requests
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from .namespaces import GRAPH, PREFIXES, sparql_prefixes

class StoreError(Exception):
    """A query or load failed; the message says why in words a user can act on."""


class QuerySyntaxError(StoreError):
    """The query is not valid SPARQL; the message is the parser's."""


@dataclass
class SelectResult:
    """Rows of a SELECT: each row maps a variable name to an rdflib term, or None when unbound."""

    variables: list[str]
    rows: list[dict[str, object]]

    def __iter__(self) -> Iterator[dict[str, object]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def values(self, var: str) -> list[object]:
        return [row.get(var) for row in self.rows]


class Store(ABC):
    """The knowledge store as the engine and the web app see it."""

    description: str = ""

    @abstractmethod
    def select(self, query: str) -> SelectResult:
        """Run a SELECT query (CPKB prefixes are predeclared)."""

    @abstractmethod
    def ask(self, query: str) -> bool:
        """Run an ASK query."""

    @abstractmethod
    def construct(self, query: str) -> Graph:
        """Run a CONSTRUCT or DESCRIBE query; the result as an rdflib Graph."""

    @abstractmethod
    def replace_all(self, dataset: Dataset) -> int:
        """Replace the whole content by this dataset (one named graph per source); returns quads loaded."""

    @abstractmethod
    def triple_count(self) -> int:
        """Number of triples (quads) held."""

    def close(self) -> None:
        """Release the store."""


# ---------------------------------------------------------------------- term conversion

def _rdflib_term(term) -> object:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise StoreError(f"unsupported RDF term {term!r}")


def _dataset_nquads(dataset: Dataset) -> bytes:
    return dataset.serialize(format="nquads", encoding="utf-8")


# ---------------------------------------------------------------------- embedded

class OxigraphStore(Store):
    """pyoxigraph in memory (path None) or on disk (RocksDB at path)."""

    def __init__(self, path: Path | None = None, read_only: bool = False):
        if path is None:
            self._store = ox.Store()
            self.description = "embedded Oxigraph (in memory)"
        else:
            path = Path(path)
            path.mkdir(parents=True, exist_ok=True)
            self._store = ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
            self.description = f"embedded Oxigraph (on disk at {path})"
        self._writable = path is not None and not read_only

    def _run(self, query: str, **options):
        try:
            return self._store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True, **options)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from None
        except OSError as exc:
            raise StoreError(f"the store could not be read: {exc}") from None

    def select(self, query: str) -> SelectResult:
        solutions = self._run(query)
        if not isinstance(solutions, ox.QuerySolutions):
            raise StoreError("select() needs a SELECT query")
        variables = [v.value for v in solutions.variables]
        rows = [{v: _rdflib_term(sol[v]) for v in variables} for sol in solutions]
        return SelectResult(variables, rows)

    def ask(self, query: str) -> bool:
        result = self._run(query)
        if not isinstance(result, ox.QueryBoolean):
            raise StoreError("ask() needs an ASK query")
        return bool(result)

    def construct(self, query: str) -> Graph:
        triples = self._run(query)
        if not isinstance(triples, ox.QueryTriples):
            raise StoreError("construct() needs a CONSTRUCT or DESCRIBE query")
        graph = Graph()
        for t in triples:
            graph.add((_rdflib_term(t.subject), _rdflib_term(t.predicate), _rdflib_term(t.object)))
        return graph

    def replace_all(self, dataset: Dataset) -> int:
        return self.load_nquads(_dataset_nquads(dataset))

    def load_nquads(self, data: bytes) -> int:
        self._store.clear()
        self._store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
        return len(self._store)

    def triple_count(self) -> int:
        return len(self._store)

    def close(self) -> None:
        if self._writable:
            self._store.flush()


# ---------------------------------------------------------------------- remote

class RemoteStore(Store):
    """Any SPARQL 1.1 server: SPARQLWrapper for queries, the Graph Store Protocol for loading.

    The server must treat the union of named graphs as the default graph (Oxigraph:
    `--union-default-graph`; Fuseki: `tdb:unionDefaultGraph true`; GraphDB and Virtuoso do so by default).
    """

    def __init__(self, query_url: str, update_url: str | None = None, gsp_url: str | None = None,
                 timeout_s: float = 30.0):
        self.query_url = query_url
        base = query_url[: -len("/query")] if query_url.endswith("/query") else query_url.rstrip("/")
        self.update_url = update_url or f"{base}/update"
        self.gsp_url = gsp_url or f"{base}/store"
        self.timeout_s = timeout_s
        self._prefixes = sparql_prefixes()
        self.description = f"remote SPARQL server at {query_url}"

    def _wrapper(self, query: str) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(self.query_url)
        wrapper.setMethod(POST)
        wrapper.setTimeout(int(self.timeout_s))
        wrapper.setQuery(self._prefixes + query)
        return wrapper

    def _json(self, query: str) -> dict:
        wrapper = self._wrapper(query)
        wrapper.setReturnFormat(JSON)
        try:
            return wrapper.queryAndConvert()
        except SPARQLWrapperException as exc:
            message = str(exc)
            if "QueryBadFormed" in type(exc).__name__ or "400" in message:
                raise QuerySyntaxError(message) from None
            raise StoreError(f"the SPARQL server at {self.query_url} failed: {message}") from None
        except OSError as exc:
            raise StoreError(f"cannot reach the SPARQL server at {self.query_url}: {exc}") from None

    def select(self, query: str) -> SelectResult:
        data = self._json(query)
        if "results" not in data:
            raise StoreError("select() needs a SELECT query")
        variables = data["head"].get("vars", [])
        rows = [{v: _json_term(b.get(v)) for v in variables} for b in data["results"]["bindings"]]
        return SelectResult(variables, rows)

    def ask(self, query: str) -> bool:
        data = self._json(query)
        if "boolean" not in data:
            raise StoreError("ask() needs an ASK query")
        return bool(data["boolean"])

    def construct(self, query: str) -> Graph:
        body = self.raw_query(query, "application/n-triples")
        graph = Graph()
        graph.parse(data=body.decode("utf-8"), format="nt")
        return graph

    def raw_query(self, query: str, accept: str) -> bytes:
        """Send a query and return the server's serialisation in the media type asked for."""
        try:
            response = requests.post(self.query_url, data={"query": self._prefixes + query},
                                     headers={"Accept": accept}, timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise StoreError(f"cannot reach the SPARQL server at {self.query_url}: {exc}") from None
        if response.status_code == 400:
            raise QuerySyntaxError(response.text.strip())
        if response.status_code >= 300:
            raise StoreError(f"the SPARQL server answered {response.status_code}: {response.text[:300]}")
        return response.content

    def replace_all(self, dataset: Dataset) -> int:
        # Only CPKB's own graphs go: a shared server keeps the rest (Virtuoso keeps its system graphs
        # there, and ignores DROP ALL anyway). Each new graph then replaces its namesake by a PUT.
        for name in self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").values("g"):
            if str(name).startswith(str(GRAPH)):
                self._update(f"DROP SILENT GRAPH <{name}>")
        loaded = 0
        for graph in dataset.graphs():
            if not len(graph) or not isinstance(graph.identifier, URIRef):
                continue
            body = graph.serialize(format="nt", encoding="utf-8")
            try:
                response = requests.put(self.gsp_url, params={"graph": str(graph.identifier)}, data=body,
                                        headers={"Content-Type": "application/n-triples"}, timeout=self.timeout_s)
            except requests.RequestException as exc:
                raise StoreError(f"cannot reach the Graph Store at {self.gsp_url}: {exc}") from None
            if response.status_code >= 300:
                raise StoreError(f"loading graph {graph.identifier} into {self.gsp_url} failed "
                                 f"({response.status_code}): {response.text[:300]}")
            loaded += len(graph)
        return loaded

    def _update(self, update: str) -> None:
        try:
            response = requests.post(self.update_url, data={"update": update}, timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise StoreError(f"cannot reach the SPARQL update endpoint {self.update_url}: {exc}") from None
        if response.status_code >= 300:
            raise StoreError(f"update at {self.update_url} failed ({response.status_code}): {response.text[:300]}")

    def triple_count(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows.rows[0]["n"]) if rows.rows else 0


def _json_term(binding: dict | None) -> object:
    if binding is None:
        return None
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if "xml:lang" in binding:
        return Literal(value, lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    return Literal(value, datatype=URIRef(datatype) if datatype else None)
