"""One SPARQL worker process: holds its own copy of the store and answers queries with serialised bytes.

pyoxigraph cannot interrupt a running query, so the endpoint runs each query in a process like this one
and kills the process when the query outlives its time limit. This module imports only pyoxigraph and
the standard library, so a replacement worker starts in a fraction of a second.

Results leave the worker as bytes already serialised by Oxigraph. A SELECT asked as SPARQL JSON (what most
clients ask) is written straight in JSON through a writer that stops past JSON_DIRECT_BYTES, and its rows are
counted in the bytes (json_rows); a result larger than that, or with more rows than max_rows, is evaluated
again the general way: written as TSV through a writer that stops the evaluation after max_rows + 1 rows (one
row per line in TSV), the kept rows then re-serialised to the format asked for. So a huge result never sits
in memory whole, and the common small one is serialised once.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox

RESULTS_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}

EXTENSIONS = {"application/sparql-results+json": "srj", "application/sparql-results+xml": "srx",
              "text/csv": "csv", "text/tab-separated-values": "tsv", "text/turtle": "ttl",
              "application/n-triples": "nt", "application/ld+json": "jsonld", "application/rdf+xml": "rdf"}


def unacceptable(form: str) -> str:
    """The 406 message for a result of this form: the supported media types and their format= names."""
    types = GRAPH_FORMATS if form in ("CONSTRUCT", "DESCRIBE") else RESULTS_FORMATS
    names = ", ".join(f"{t} (format={EXTENSIONS[t]})" for t in types)
    return f"No acceptable format for a {form or 'query'} result. Supported: {names}."


JSON_DIRECT_BYTES = 4 * 1024 * 1024  # a JSON result written straight up to this size; larger ones go by TSV


def json_rows(body: bytes) -> int:
    """The number of solutions in a SPARQL JSON result as Oxigraph writes it (no spaces; a solution is an object in
    the bindings array, the only array holding objects, and its first key is a variable name).

    After the first solution, each starts at `,{"`: its quote is unescaped, so it opens or closes a string;
    opening, it starts a solution's first key; closing one (whose text ended in `,{`), it is followed by `,` `}`
    `]` or `:`, which no variable name starts with. So the marks followed by any other byte, found by one
    regular expression, count exactly. Only a solution without bindings, `{}`, has no such mark: when `{}` occurs
    anywhere, the JSON parser counts."""
    start = body.find(b'"bindings":[') + 12
    if start < 12 or body.startswith(b"]", start):
        return 0
    if b"{}" in body:
        return len(json.loads(body)["results"]["bindings"])
    # a mark followed by one of those bytes is no solution; the marks the expression matches are exactly the split's
    # pieces that count (a mark cannot begin inside one it consumed: that byte would be `,`): ~35 -> ~14 µs for 60 rows
    return 1 + len(_ROW_MARK.findall(body))


_ROW_MARK = re.compile(rb',\{"[^,}\]:]')


class _Enough(Exception):
    """Raised from the writer to stop Oxigraph once the row cap is passed."""


class _ByteCapWriter:
    """A binary file-like object that keeps what is written and stops past `limit` bytes."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        data = bytes(data)
        self.chunks.append(data)
        self.size += len(data)
        if self.size > self.limit:
            raise _Enough()
        return len(data)

    def flush(self) -> None:
        pass


class _LineCapWriter:
    """A binary file-like object that keeps what is written and stops after `limit` lines."""

    def __init__(self, limit: int):
        self.limit = limit
        self.lines = 0
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        data = bytes(data)
        self.chunks.append(data)
        self.lines += data.count(b"\n")
        if self.lines > self.limit:
            raise _Enough()
        return len(data)

    def flush(self) -> None:
        pass


def cut_lines(data: bytes, lines: int) -> bytes:
    """The first `lines` lines of data (each with its newline)."""
    end = -1
    for _ in range(lines):
        end = data.find(b"\n", end + 1)
        if end < 0:
            return data
    return data[: end + 1]


def capped(serialize, limit_lines: int) -> tuple[bytes, bool]:
    """Run serialize(writer) keeping at most limit_lines lines; (bytes, truncated)."""
    writer = _LineCapWriter(limit_lines)
    try:
        serialize(writer)
    except _Enough:
        return cut_lines(b"".join(writer.chunks), limit_lines), True
    return b"".join(writer.chunks), False


def reserialize_rows(tsv: bytes, media_type: str) -> bytes:
    """Kept SELECT rows (TSV) in the media type asked for."""
    if media_type == "text/tab-separated-values":
        return tsv
    return ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(
        format=RESULTS_FORMATS[media_type])


def reserialize_triples(ntriples: bytes, media_type: str, prefixes: dict[str, str]) -> bytes:
    """Kept triples (N-Triples) in the media type asked for."""
    if media_type == "application/n-triples":
        return ntriples
    fmt = GRAPH_FORMATS[media_type]
    quads = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
    if fmt in (ox.RdfFormat.TURTLE,):
        return ox.serialize(quads, format=fmt, prefixes=prefixes)
    return ox.serialize(quads, format=fmt)


def open_data(source: dict) -> ox.Store:
    """The worker's store: the compiled N-Quads loaded into memory, or the RocksDB store read-only."""
    if source.get("rocksdb"):
        return ox.Store.read_only(source["rocksdb"])
    store = ox.Store()
    store.bulk_load(path=str(Path(source["nquads"])), format=ox.RdfFormat.N_QUADS)
    return store


def _graph(iri: str):
    return ox.NamedNode(iri)


def _json_direct(result, max_rows: int) -> tuple[bytes, int] | None:
    """SELECT solutions written straight as SPARQL JSON: (body, rows), or None when they pass JSON_DIRECT_BYTES
    or max_rows (the caller then evaluates the query again the general way)."""
    writer = _ByteCapWriter(JSON_DIRECT_BYTES)
    try:
        result.serialize(writer, format=ox.QueryResultsFormat.JSON)
    except _Enough:
        return None
    body = b"".join(writer.chunks)
    rows = json_rows(body)
    return (body, rows) if rows <= max_rows else None


def execute(store: ox.Store, job: dict, predeclared: dict[str, str] | None = None) -> tuple:
    """Check and run one query; ("ok", body, truncated, count, media type), ("form", kind) when no
    acceptable format fits its result, ("refused", status, message) when the guard refuses it, or
    ("syntax"|"error", message). The check runs here, inside the time limit and off the web process.
    A job without "prefixes" uses `predeclared` (the endpoint's own, sent once when the worker starts)."""
    from .sparql_guard import Refused, check_query, plain_query

    prefixes = job.get("prefixes", predeclared or {})

    plain = plain_query(job["query"])  # nothing the check could refuse, no FROM: the common query skips it
    try:
        has_dataset = False if plain else check_query(job["query"], tuple(prefixes.items())).has_dataset
    except Refused as refused:
        return ("refused", refused.status, refused.message)
    options: dict = {"prefixes": prefixes}
    if job.get("base_iri"):
        options["base_iri"] = job["base_iri"]
    if job.get("default_graphs") is not None or job.get("named_graphs") is not None:
        options["default_graph"] = [_graph(g) for g in job.get("default_graphs") or []]
        options["named_graphs"] = [_graph(g) for g in job.get("named_graphs") or []]
    elif not has_dataset:
        # the union of the named graphs is the default graph; a query with its own FROM / FROM NAMED
        # gets exactly that dataset (a graph the store does not hold is an empty graph)
        options["use_default_graph_as_union"] = True
    max_rows = int(job["max_rows"])
    results_type, graph_type = job.get("results_type"), job.get("graph_type")
    try:
        result = store.query(job["query"], **options)
        if isinstance(result, ox.QueryBoolean):
            if results_type not in RESULTS_FORMATS:
                return ("form", "ASK")
            return ("ok", result.serialize(format=RESULTS_FORMATS[results_type]), False, 1, results_type)
        if isinstance(result, ox.QuerySolutions):
            if results_type not in RESULTS_FORMATS:
                return ("form", "SELECT")
            if results_type == "application/sparql-results+json":
                direct = _json_direct(result, max_rows)
                if direct is not None:
                    return ("ok", direct[0], False, direct[1], results_type)
                result = store.query(job["query"], **options)  # too large to write whole: again, by TSV
            tsv, truncated = capped(lambda w: result.serialize(w, format=ox.QueryResultsFormat.TSV), max_rows + 1)
            count = tsv.count(b"\n") - 1
            return ("ok", reserialize_rows(tsv, results_type), truncated, count, results_type)
        if graph_type not in GRAPH_FORMATS:
            return ("form", "CONSTRUCT")
        nt, truncated = capped(lambda w: result.serialize(w, format=ox.RdfFormat.N_TRIPLES), max_rows)
        return ("ok", reserialize_triples(nt, graph_type, prefixes), truncated, nt.count(b"\n"), graph_type)
    except SyntaxError as exc:
        if plain:  # the check's own message when it has one (a text that is no query: in Chinese and English)
            try:
                check_query(job["query"], tuple(prefixes.items()))
            except Refused as refused:
                return ("refused", refused.status, refused.message)
        return ("syntax", str(exc))
    except (OSError, ValueError, RuntimeError) as exc:
        return ("error", str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__)


def info(store: ox.Store) -> dict:
    """What the worker holds: its named graphs and its size (for the graph checks and the VoID stats)."""
    return {"graphs": sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)),
            "quads": len(store)}


def main() -> None:
    """Entry point of the worker process (web/worker_pool.py starts it)."""
    from .worker_pool import worker_main

    worker_main(serve)


def serve(conn_in, conn, source: dict) -> None:
    """The worker's loop: load, say ready, then answer jobs until the pipe closes."""
    try:
        store = open_data(source)
    except Exception as exc:  # report and leave: the pool logs it and answers 503
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", info(store)))
    predeclared = source.get("prefixes") or {}

    def answer(job) -> tuple:
        try:
            return execute(store, job, predeclared)
        except Exception as exc:  # never die on a query: the parent would see a broken pipe
            return ("error", type(exc).__name__)

    from .worker_pool import answer_jobs

    answer_jobs(conn_in, conn, answer)
