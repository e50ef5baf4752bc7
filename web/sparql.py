"""The public SPARQL 1.1 endpoint (/sparql): read-only, time-limited, row-capped; a query page for people.

Flow of a request: read the query and the dataset parameters (GET, POST form, POST
application/sparql-query), check them before anything runs (web/sparql_guard.py), choose the result
format (format= or Accept), then run the query under the time limit and row cap (web/sparql_exec.py)
and send Oxigraph's serialisation with the truncation flag in a header and in the body. Without a
query, a browser gets the query page and any other client the Service Description with VoID statistics.
"""

from __future__ import annotations

import atexit
import io
import json
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.sansio.utils import get_current_url

from cpkb.kb.namespaces import PREFIXES

from cpkb.lru import LRU
from .i18n import request_language
from .sparql_exec import Answer, make_executor
from .sparql_guard import Refused
from .sparql_request import LeanRequest, Params, parse_pairs
from .sparql_worker import EXTENSIONS, unacceptable

bp = Blueprint("sparql", __name__)

EXAMPLES_DIR = Path(__file__).parent / "sparql_examples"
_EXTENSION = "cpkb_sparql"

# Result media types by query kind, in the order offered when the client accepts anything.
RESULTS_TYPES = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                 "text/tab-separated-values"]
GRAPH_TYPES = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]
# Other names clients use for the same formats.
ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "text/plain": "application/n-triples",
    "application/x-turtle": "text/turtle",
}
GRAPH_ALIASES = {"application/json": "application/ld+json", "application/xml": "application/rdf+xml",
                 "text/xml": "application/rdf+xml", "text/plain": "application/n-triples",
                 "application/x-turtle": "text/turtle"}
FORMAT_NAMES = {
    "json": "application/sparql-results+json", "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml", "srx": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values",
    "ttl": "text/turtle", "turtle": "text/turtle", "nt": "application/n-triples",
    "ntriples": "application/n-triples", "jsonld": "application/ld+json", "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml", "rdf": "application/rdf+xml",
}
W3C_FORMATS = {"application/sparql-results+json": "SPARQL_Results_JSON",
               "application/sparql-results+xml": "SPARQL_Results_XML", "text/csv": "SPARQL_Results_CSV",
               "text/tab-separated-values": "SPARQL_Results_TSV", "text/turtle": "Turtle",
               "application/n-triples": "N-Triples", "application/ld+json": "JSON-LD",
               "application/rdf+xml": "RDF_XML"}
TRUNCATED_HEADER = "X-CPKB-Truncated"
CACHE_HEADER = "X-CPKB-Cache"  # hit: the answer of an identical earlier request; miss: computed now


# ---------------------------------------------------------------------- the executor of this app

def _slot(app) -> dict:
    slot = app.extensions.get(_EXTENSION)
    if slot is not None:  # (setdefault would build a new cache on every call only to drop it)
        return slot
    return app.extensions.setdefault(_EXTENSION, {"executor": None, "lock": threading.Lock(), "sd": {},
                                                  "cache": AnswerCache(app.config["CPKB"])})


def get_executor(app=None):
    """The app's query executor (worker pool or remote forwarder), started on first use."""
    app = app or current_app._get_current_object()
    slot = _slot(app)
    if slot["executor"] is None:
        with slot["lock"]:
            if slot["executor"] is None:
                settings = app.config["CPKB"]
                if not settings.get("endpoint"):
                    from .store_handle import get_store
                    get_store()  # builds the embedded store when missing, as the other pages do
                slot["executor"] = make_executor(settings)
                atexit.register(slot["executor"].close)
    return slot["executor"]


def close_executor(app) -> None:
    """Stop the app's query workers (tests and shutdown)."""
    slot = app.extensions.get(_EXTENSION)
    if slot and slot["executor"] is not None:
        slot["executor"].close()
        slot["executor"] = None
        slot["cache"].clear()


class AnswerCache:
    """Answers of identical requests, kept while the app serves (the knowledge base does not change then).

    The key is everything the answer depends on: the exact query text, the dataset parameters, the
    negotiated result format and the endpoint IRI (relative IRIs resolve against it). Only answers that
    passed every check and ran to completion are kept, and only up to `sparql_cache_entry_bytes` each;
    `sparql_cache_entries` bounds the number (least recently used goes first; 0 turns the cache off).
    """

    def __init__(self, settings: dict[str, Any]):
        self.entries = int(settings.get("sparql_cache_entries") or 0)
        self.entry_bytes = int(settings.get("sparql_cache_entry_bytes") or 0)
        self._lru = LRU(self.entries)
        self._sent = LRU(self.entries)  # whole responses by raw request: see _raw_key
        self.hits = 0
        self.misses = 0

    def get(self, key) -> Answer | None:
        if not self.entries:
            return None
        answer = self._lru.get(key)
        if answer is None:
            self.misses += 1
        else:
            self.hits += 1
        return answer

    def put(self, key, answer: Answer) -> None:
        if len(answer.body) <= self.entry_bytes:
            self._lru.put(key, answer)

    def sent(self, raw_key) -> tuple | None:
        """The response (status, headers, body) already sent for these exact request bytes, if any."""
        response = self._sent.get(raw_key) if self.entries else None
        if response is not None:
            self.hits += 1
        return response

    def keep_sent(self, raw_key, response: tuple) -> None:
        self._sent.put(raw_key, response)

    def clear(self) -> None:
        self._lru.clear()
        self._sent.clear()


# ---------------------------------------------------------------------- the request

@dataclass
class SparqlRequest:
    query: str | None
    default_graphs: list[str]
    named_graphs: list[str]


def _fail(status: int, message: str, cors: bool = True, req=None, settings=None,
          retry_after: int | None = None) -> Response:
    response = Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
    if status == 405:
        response.headers["Allow"] = "GET, HEAD, POST, OPTIONS"
    if status in (503, 429):
        response.headers["Retry-After"] = str(retry_after or 5)
    return _cors(response, req, settings) if cors else response


def _cors(response: Response, req=None, settings=None) -> Response:
    req = req if req is not None else request
    settings = settings if settings is not None else current_app.config["CPKB"]
    response.headers.extend(_cors_headers(req, settings))
    return response


def _cors_headers(req, settings: dict[str, Any]) -> list[tuple[str, str]]:
    origin = settings.get("sparql_cors_origin")
    if origin and req.method in ("GET", "HEAD", "OPTIONS"):
        return [("Access-Control-Allow-Origin", origin), ("Access-Control-Expose-Headers", TRUNCATED_HEADER)]
    return []


def _read_request(req, settings: dict[str, Any]) -> SparqlRequest:
    limit = int(settings["max_sparql_body_bytes"])
    if req.content_length is not None and req.content_length > limit:
        raise Refused(413, f"The request body is larger than the limit of {limit} bytes.")
    if "update" in req.args or (req.method == "POST" and req.mimetype ==
                                "application/x-www-form-urlencoded" and "update" in _form(req, limit)):
        raise Refused(403, "This endpoint is read-only: SPARQL Update is not accepted.")
    params = req.args
    if req.method in ("GET", "HEAD"):  # HEAD: the answer to GET without its body (werkzeug drops the body)
        queries = params.getlist("query")
    elif req.mimetype == "application/x-www-form-urlencoded":
        form = _form(req, limit)
        queries = params.getlist("query") + form.getlist("query")
        params = _merged(params, form)
    elif req.mimetype == "application/sparql-query":
        charset = req.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise Refused(415, "A query sent as application/sparql-query must be encoded in UTF-8.")
        raw = req.stream.read(limit + 1)
        if len(raw) > limit:
            raise Refused(413, f"The request body is larger than the limit of {limit} bytes.")
        try:
            queries = [raw.decode("utf-8")]
        except UnicodeDecodeError:
            raise Refused(400, "The query is not valid UTF-8.") from None
        if "query" in params:
            raise Refused(400, "Send the query either in the body or as the query parameter, not both.")
    elif req.mimetype == "application/sparql-update":
        raise Refused(403, "This endpoint is read-only: SPARQL Update is not accepted.")
    else:
        raise Refused(415, "POST a query as application/x-www-form-urlencoded (query=…) or as "
                           "application/sparql-query; other media types are not accepted.")
    if len(queries) > 1:
        raise Refused(400, "Send exactly one query parameter; this request has several.")
    return SparqlRequest(queries[0] if queries else None, params.getlist("default-graph-uri"),
                         params.getlist("named-graph-uri"))


def _form(req, limit: int):
    """The form-encoded body, read once (at most `limit` bytes) and decoded as werkzeug would (UTF-8, bad bytes
    replaced, blank values kept); parsed here (web/sparql_request.py) because werkzeug's form parser, then
    urllib's unquote, cost a third of a new query's time in this process."""
    cached = getattr(req, "_cpkb_form", None)
    if cached is not None:
        return cached
    raw = req.stream.read(limit + 1)
    if len(raw) > limit:
        raise Refused(413, f"The request body is larger than the limit of {limit} bytes.")
    req._cpkb_form = Params(parse_pairs(raw.decode("utf-8", "replace")))
    return req._cpkb_form


def _merged(args, form) -> Params:
    if isinstance(args, Params) and not args._lists:  # the usual POST (thin path): nothing in the URL
        return form
    return Params([*args.items(multi=True), *form.items(multi=True)])


def _param(req, name: str) -> str:
    """A protocol parameter (format=, download=) from the URL or, in a form-encoded POST, the body."""
    value = req.args.get(name)
    if value:
        return value
    form = getattr(req, "_cpkb_form", None)  # a body without a declared length, read by _form
    if form is None:
        form = req.form if req.method == "POST" and req.mimetype == "application/x-www-form-urlencoded" else {}
    return form.get(name) or ""


@lru_cache(maxsize=512)
def _best_match(accept_header: str, offered: tuple[str, ...]) -> str | None:
    """werkzeug's choice among `offered` for this Accept header (the same as request.accept_mimetypes)."""
    accept = parse_accept_header(accept_header, MIMEAccept)
    if not accept:
        return "" if offered else None  # "": the client accepts anything
    return accept.best_match(list(offered))


_HTML_OFFER = tuple(RESULTS_TYPES + GRAPH_TYPES + ["text/html"])


def _wants_html(req) -> bool:
    if _param(req, "format"):
        return False
    accept = req.headers.get("Accept", "")
    return bool(accept) and _best_match(accept, _HTML_OFFER) == "text/html"


def _negotiate(types: list[str], aliases: dict[str, str], req=None) -> str | None:
    req = req if req is not None else request
    requested = _param(req, "format").strip().lower()
    if requested:
        # format=xml / format=json (SPARQLWrapper sends them) mean RDF/XML / JSON-LD for graph results
        graph_names = {"xml": "application/rdf+xml", "json": "application/ld+json"} if types == GRAPH_TYPES else {}
        media = graph_names.get(requested) or FORMAT_NAMES.get(requested, requested)
        media = aliases.get(media, media)
        return media if media in types else None
    best = _best_match(req.headers.get("Accept", ""), tuple(types + list(aliases)))
    if best == "":
        return types[0]
    return aliases.get(best, best) if best else None


def _unacceptable(form: str) -> Refused:
    return Refused(406, unacceptable(form))


def _endpoint_iri(req) -> str:
    """The endpoint's own absolute IRI (what url_for('sparql.endpoint', _external=True) gives)."""
    if isinstance(req, LeanRequest):  # by the environ's raw values: werkzeug's host reading is ~10 µs a request
        environ = req.environ
        return _lean_endpoint_iri(environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"),
                                  environ.get("SERVER_NAME"), environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME"))
    return _root_url(req.scheme, req.host, req.root_path) + "sparql"


@lru_cache(maxsize=64)
def _lean_endpoint_iri(scheme, http_host, server_name, server_port, script_name) -> str:
    """_endpoint_iri of a LeanRequest made of these environ values (all that its scheme, host and root path read)."""
    environ = {"wsgi.url_scheme": scheme, "HTTP_HOST": http_host, "SERVER_NAME": server_name,
               "SERVER_PORT": server_port, "SCRIPT_NAME": script_name}
    req = LeanRequest({key: value for key, value in environ.items() if value is not None}, b"")
    return _root_url(req.scheme, req.host, req.root_path) + "sparql"


@lru_cache(maxsize=64)
def _root_url(scheme: str, host: str, root_path: str) -> str:
    """werkzeug's root_url, computed once per address (its IRI decoding took a tenth of a new query's time)."""
    return get_current_url(scheme, host, root_path)


# ---------------------------------------------------------------------- truncation in the body

def _flag_truncated(answer: Answer, limit: int) -> bytes:
    note = f"truncated: the result was cut at the row limit of {limit} (max_result_rows)"
    body, media = answer.body, answer.media_type
    if media == "application/sparql-results+json" and body.endswith(b"}"):
        return body[:-1] + b',"truncated":true,"max_result_rows":' + str(limit).encode() + b"}"
    if media == "application/ld+json":
        return (b'{"@graph":' + body + b',"truncated":true,"max_result_rows":' + str(limit).encode() + b"}")
    if media in ("application/sparql-results+xml", "application/rdf+xml"):
        comment = f"<!-- {note} -->".encode()
        if body.startswith(b"<?xml"):
            end = body.find(b"?>") + 2
            return body[:end] + comment + body[end:]
        return comment + body
    if media in ("text/turtle", "application/n-triples"):
        return f"# {note}\n".encode() + body
    return body  # CSV and TSV have no comment syntax: the header says it


def _answer_parts(answer: Answer, limit: int, download: bool, req, settings: dict[str, Any],
                  cache: str = "") -> tuple[bytes, list[tuple[str, str]]]:
    """The body and headers of an answer (Content-Length aside): one list for both the route and the thin path."""
    body = _flag_truncated(answer, limit) if answer.truncated else answer.body
    charset = "" if answer.media_type.endswith("xml") else "; charset=utf-8"
    headers = [("Content-Type", answer.media_type + charset),
               (TRUNCATED_HEADER, "true" if answer.truncated else "false"),
               ("X-CPKB-Result-Count", str(answer.count))]
    if cache:
        headers.append((CACHE_HEADER, cache))
    headers.append(("Vary", "Accept"))
    if download:
        headers.append(("Content-Disposition", f'attachment; filename="cpkb-result.{EXTENSIONS[answer.media_type]}"'))
    return body, headers + _cors_headers(req, settings)


def _answer_response(answer: Answer, limit: int, download: bool, req=None, settings=None,
                     cache: str = "") -> Response:
    req = req if req is not None else request
    settings = settings if settings is not None else current_app.config["CPKB"]
    body, headers = _answer_parts(answer, limit, download, req, settings, cache)
    return Response(body, status=200, headers=headers)


# ---------------------------------------------------------------------- the route

@bp.route("/sparql", methods=["GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"])
def endpoint() -> Response:
    settings = current_app.config["CPKB"]
    if request.method in ("PUT", "DELETE", "PATCH"):
        return _fail(405, "The SPARQL endpoint accepts GET and POST (and OPTIONS for CORS); it is read-only.")
    if request.method == "OPTIONS":
        response = Response(status=204)
        response.headers["Allow"] = "GET, HEAD, POST, OPTIONS"
        response.headers["Access-Control-Allow-Methods"] = "GET"
        response.headers["Access-Control-Allow-Headers"] = "Accept"
        return _cors(response)
    try:
        sparql = _read_request(request, settings)
        if sparql.query is None:
            if _wants_html(request):
                return _page(settings)
            return _service_description()
        if _wants_html(request):
            return _page(settings, sparql.query)
        return _run(request, current_app._get_current_object(), sparql, settings)
    except Refused as refused:
        return _fail(refused.status, refused.message, retry_after=refused.retry_after)
    except Exception:  # a bug of ours: logged in full here, never shown to the client
        current_app.logger.exception("SPARQL request failed")
        return _fail(503, "The endpoint could not answer this request; the failure was logged. Try again later.")


def _run(req, app, sparql: SparqlRequest, settings: dict[str, Any]) -> Response:
    """The route's answer to a query (see _answer)."""
    answer, download, cache = _answer(req, app, sparql, settings)
    return _answer_response(answer, int(settings["max_result_rows"]), download, req, settings, cache)


def _answer(req, app, sparql: SparqlRequest, settings: dict[str, Any]) -> tuple[Answer, bool, str]:
    """Negotiate, then answer from the cache or run the query: (answer, download?, cache header value). The query
    itself is checked where it runs (the worker process, or the remote executor), inside the time limit and off
    this process's GIL."""
    limit = int(settings["max_query_chars"])
    if len(sparql.query) > limit:
        raise Refused(413, f"The query is {len(sparql.query)} characters long; the limit is {limit}.")
    if not sparql.query.strip():
        raise Refused(400, "The query is empty.")
    executor = get_executor(app)
    results_type = _negotiate(RESULTS_TYPES, ALIASES, req)
    graph_type = _negotiate(GRAPH_TYPES, GRAPH_ALIASES, req)
    if not results_type and not graph_type:
        raise _unacceptable("")
    protocol_dataset = bool(sparql.default_graphs or sparql.named_graphs)
    base_iri = _endpoint_iri(req)  # relative IRIs resolve against the endpoint
    download = bool(_param(req, "download"))
    cache = _slot(app)["cache"]
    key = (sparql.query, tuple(sparql.default_graphs), tuple(sparql.named_graphs), results_type, graph_type,
           base_iri)
    answer = cache.get(key)
    if answer is not None:
        return answer, download, "hit"
    job = {  # without "prefixes": the predeclared ones (PREFIXES), which the workers hold already
        "query": sparql.query,
        "results_type": results_type,
        "graph_type": graph_type,
        "max_rows": int(settings["max_result_rows"]),
        "default_graphs": sparql.default_graphs if protocol_dataset else None,
        "named_graphs": sparql.named_graphs if protocol_dataset else None,
        "base_iri": base_iri,
    }
    answer = executor.run(job, float(settings["query_timeout_s"]), client_of(req, settings))
    cache.put(key, answer)
    return answer, download, "miss" if cache.entries else ""


def client_of(req, settings: dict[str, Any]) -> str:
    """Who is asking, for the fair shares: the peer's address, or the last address of the header named by
    `sparql_client_header` (set it only behind a proxy of your own that writes that header)."""
    header = settings.get("sparql_client_header") or ""
    if header:
        value = req.headers.get(header, "")
        if value:
            return value.split(",")[-1].strip()
    return req.remote_addr or ""


# ---------------------------------------------------------------------- the thin path for queries

def _security_list(settings: dict[str, Any]) -> list[tuple[str, str]]:
    """The headers web/security.py adds after every Flask request (tests compare both paths)."""
    return [("Content-Security-Policy", settings["content_security_policy"]), ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY")]


def _as_sent(response: Response, settings: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Status, headers (the security ones added) and body of a thin-path Response, without werkzeug's per-response
    WSGI pass (redirect and conditional-request handling none of these bytes answers need)."""
    return response.status, response.headers.to_wsgi_list() + _security_list(settings), response.get_data()


def _read_body(app, environ) -> bytes | None:
    """A POST body of declared length within the endpoint's limit, read once and put back for whoever reads next;
    b"" for GET; None when Flask's route must read (and maybe refuse) it."""
    if environ.get("REQUEST_METHOD") != "POST":
        return b""
    try:
        length = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        return None
    if length < 0 or length > int(app.config["CPKB"]["max_sparql_body_bytes"]):
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _raw_key(environ, body: bytes) -> tuple:
    """Everything of a request that a query answer depends on, as received: the method (CORS), the address the
    endpoint IRI is made of, the query string, the body and how to read it, and the Accept header."""
    return (environ.get("REQUEST_METHOD"), environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"),
            environ.get("SERVER_NAME"), environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME"),
            environ.get("QUERY_STRING"), environ.get("CONTENT_TYPE"), environ.get("HTTP_ACCEPT"), body)


def _fast_answer(app, environ, body: bytes) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """A query request answered without Flask's request context (no session, no URL routing, no template
    machinery: nothing a query answer uses), as (status, headers, body); None lets the Flask route answer it.

    The same functions as the route read the request, check and run the query; only the page, the
    service description, the first request (it starts the workers) and anything unusual go to Flask.
    """
    slot = app.extensions.get(_EXTENSION)
    if not slot or slot["executor"] is None:
        return None
    settings = app.config["CPKB"]
    req = LeanRequest(environ, body)
    try:
        sparql = _read_request(req, settings)
        if sparql.query is None or _wants_html(req):
            environ["wsgi.input"] = io.BytesIO(body)  # the route reads the body again
            return None
        answer, download, cache = _answer(req, app, sparql, settings)
        content, headers = _answer_parts(answer, int(settings["max_result_rows"]), download, req, settings, cache)
        headers.insert(1, ("Content-Length", str(len(content))))
        return "200 OK", headers + _security_list(settings), content
    except Refused as refused:
        response = _fail(refused.status, refused.message, req=req, settings=settings,
                         retry_after=refused.retry_after)
    except Exception:  # a bug of ours: logged in full here, never shown to the client
        app.logger.exception("SPARQL request failed")
        response = _fail(503, "The endpoint could not answer this request; the failure was logged. Try again "
                              "later.", req=req, settings=settings)
    return _as_sent(response, settings)


def _install_fast_path(state) -> None:
    app = state.app
    flask_wsgi = app.wsgi_app
    prefix = "/sparql"

    def wsgi_app(environ, start_response):
        if (environ.get("PATH_INFO") == prefix and environ.get("REQUEST_METHOD") in ("GET", "POST")
                and "lang=" not in environ.get("QUERY_STRING", "")):  # ?lang= sets a cookie: Flask's work
            body = _read_body(app, environ)
            if body is not None:
                cache = _slot(app)["cache"]
                key = _raw_key(environ, body)
                sent = cache.sent(key)
                if sent is not None:  # the very same request bytes were answered from the cache before
                    status, headers, content = sent
                    start_response(status, headers)
                    return [content]
                sent = _fast_answer(app, environ, body)
                if sent is not None:
                    if (CACHE_HEADER, "hit") in sent[1]:  # cacheable, and now known to repeat
                        cache.keep_sent(key, sent)
                    start_response(sent[0], sent[1])
                    return [sent[2]]
        return flask_wsgi(environ, start_response)

    app.wsgi_app = wsgi_app


bp.record_once(_install_fast_path)


# ---------------------------------------------------------------------- labels for the query page

_SAFE_IRI = re.compile(r'^[^<>"{}|^`\\\x00-\x20]+$')


@bp.route("/sparql/labels", methods=["POST"])
def labels() -> Response:
    """Labels of up to 500 IRIs, in the configured language fallback order (for the results table)."""
    settings = current_app.config["CPKB"]
    try:
        data = request.get_json(silent=True) or {}
        iris = [i for i in data.get("iris", []) if isinstance(i, str) and _SAFE_IRI.match(i)][:500]
        if not iris:
            return Response(json.dumps({"labels": {}}), mimetype="application/json")
        values = " ".join(f"<{i}>" for i in iris)
        query = ("SELECT ?s ?label WHERE { VALUES ?s { " + values + " } "
                 "?s skos:prefLabel|rdfs:label ?label }")
        job = {"query": query, "prefixes": PREFIXES, "results_type": "application/sparql-results+json",
               "graph_type": None, "max_rows": 5000, "default_graphs": None, "named_graphs": None,
               "query_has_dataset": False}
        answer = get_executor().run(job, float(settings["query_timeout_s"]))
    except Refused as refused:
        return _fail(refused.status, refused.message)
    order = [lang.strip() for lang in str(settings.get("languages", "zh,en")).split(",") if lang.strip()]
    found: dict[str, dict[str, str]] = {}
    for row in json.loads(answer.body)["results"]["bindings"]:
        label = row["label"]
        found.setdefault(row["s"]["value"], {}).setdefault(label.get("xml:lang", ""), label["value"])
    result = {}
    for iri, by_lang in found.items():
        for rank, lang in enumerate(order + [""] + sorted(by_lang)):
            if lang in by_lang:
                result[iri] = {"label": by_lang[lang], "lang": lang, "fallback": rank > 0}
                break
    return Response(json.dumps({"labels": result, "languages": order}, ensure_ascii=False),
                    mimetype="application/json")


@bp.route("/sparql/vocabulary", methods=["GET"])
def vocabulary() -> Response:
    """The classes and properties the knowledge base uses, with the prefixes: what the query editor autocompletes
    (instead of asking Linked Open Vocabularies on the internet). Read once per app."""
    slot = _slot(current_app)
    if "vocabulary" not in slot["sd"]:
        executor = get_executor()
        try:
            classes = [row[0] for row in _rows(executor, "SELECT DISTINCT ?c WHERE { ?s a ?c } ORDER BY ?c")]
            properties = [row[0] for row in _rows(executor, "SELECT DISTINCT ?p WHERE { ?s ?p ?o } ORDER BY ?p")]
        except Refused as refused:
            return _fail(refused.status, refused.message)
        slot["sd"]["vocabulary"] = json.dumps({"prefixes": PREFIXES, "classes": classes, "properties": properties},
                                              ensure_ascii=False)
    response = Response(slot["sd"]["vocabulary"], mimetype="application/json")
    response.headers["Cache-Control"] = "max-age=3600"
    return response


# ---------------------------------------------------------------------- the query page

@dataclass
class Example:
    name: str
    title: str
    description: str
    query: str
    needs_sector: str | None = None  # the sector whose knowledge the answer depends on
    title_zh: str = ""
    description_zh: str = ""

    def shown(self, lang: str) -> tuple[str, str]:
        """Title and description in the page's language (Chinese when the file has them, else as written)."""
        if lang == "zh":
            return self.title_zh or self.title, self.description_zh or self.description
        return self.title.split(" · ")[0], self.description


def load_examples(folder: Path = EXAMPLES_DIR) -> list[Example]:
    """The gallery: each .rq file starts with `# title:` and `# description:` lines, and `# needs-sector:` when
    its answer depends on one sector's knowledge."""
    examples = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        meta = dict(re.findall(r"^#\s*(title(?:@zh)?|description(?:@zh)?|needs-sector):\s*(.+)$", text, flags=re.M))
        body = "\n".join(line for line in text.splitlines()
                         if not re.match(r"^#\s*(title(?:@zh)?|description(?:@zh)?|needs-sector):", line)).strip() + "\n"
        examples.append(Example(path.stem, meta.get("title", path.stem), meta.get("description", ""), body,
                                meta.get("needs-sector"), meta.get("title@zh", ""), meta.get("description@zh", "")))
    return examples


def _layout() -> str:
    """The shared base template when it exists and has a content block; the page's own layout otherwise."""
    env = current_app.jinja_env
    try:
        base = env.get_template("base.html")
        if "content" in base.blocks and "title" in base.blocks:
            return "base.html"
    except Exception:  # missing or broken base template: the page stands alone
        pass
    return "sparql/layout.html"


def _page(settings: dict[str, Any], query: str | None = None) -> Response:
    prefixes = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
    default_query = prefixes + "\nSELECT ?sector ?label WHERE {\n  ?sector a cpkb:Sector ; skos:prefLabel ?label .\n}\nLIMIT 100\n"
    examples = load_examples()
    context = dict(
        query=query or default_query, run_now=bool(query), lang=request_language(),
        examples=examples, prefixes=PREFIXES, prefix_text=prefixes,
        results_types=RESULTS_TYPES, graph_types=GRAPH_TYPES, extensions=EXTENSIONS,
        limits={"query_timeout_s": settings["query_timeout_s"], "max_result_rows": settings["max_result_rows"],
                "max_query_chars": settings["max_query_chars"]})
    layout = _layout()
    try:
        html = render_template("sparql/query.html", layout=layout, **context)
    except Exception:  # the shared layout needs the browser's helpers; without them the page stands alone
        if layout == "sparql/layout.html":
            raise
        current_app.logger.exception("the SPARQL page could not use base.html")
        html = render_template("sparql/query.html", layout="sparql/layout.html", **context)
    response = Response(html, mimetype="text/html")
    response.headers["Vary"] = "Accept"
    # YASGUI's editor and tables set style attributes from its bundle; scripts stay 'self' only
    response.headers["Content-Security-Policy"] = re.sub(
        r"style-src ([^;]*)", lambda m: "style-src " + m.group(1) + " 'unsafe-inline'",
        settings["content_security_policy"], count=1)
    return response


# ---------------------------------------------------------------------- service description and VoID

def _rows(executor, query: str) -> list[list[str]]:
    import pyoxigraph as ox

    job = {"query": query, "prefixes": PREFIXES, "results_type": "text/tab-separated-values", "graph_type": None,
           "max_rows": 100000, "default_graphs": None, "named_graphs": None, "query_has_dataset": False}
    answer = executor.run(job, 60.0)
    solutions = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.TSV)
    names = [v.value for v in solutions.variables]
    return [[(s[n].value if s[n] is not None else "") for n in names] for s in solutions]


def _statistics(executor) -> dict:
    slot = current_app.extensions[_EXTENSION]
    if "stats" not in slot["sd"]:
        slot["sd"]["stats"] = {
            "triples": int(_rows(executor, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0][0]),
            "subjects": int(_rows(executor, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")[0][0]),
            "graphs": _rows(executor, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"),
            "classes": _rows(executor, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) ?c"),
            "properties": _rows(executor, "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) ?p"),
        }
    return slot["sd"]["stats"]


def _service_description() -> Response:
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS, RDF, XSD

    graph_type = _negotiate(GRAPH_TYPES, GRAPH_ALIASES)
    if graph_type is None:
        raise Refused(406, "The service description is available as " + ", ".join(GRAPH_TYPES) + ".")
    settings = current_app.config["CPKB"]
    executor = get_executor()
    stats = _statistics(executor)
    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    void = Namespace("http://rdfs.org/ns/void#")
    formats = Namespace("http://www.w3.org/ns/formats/")
    endpoint_iri = URIRef(url_for("sparql.endpoint", _external=True))
    g = Graph()
    g.bind("sd", sd)
    g.bind("void", void)
    g.bind("formats", formats)
    g.bind("dcterms", DCTERMS)
    service, dataset, default_graph = endpoint_iri, URIRef(str(endpoint_iri) + "#dataset"), BNode()
    g.add((service, RDF.type, sd.Service))
    g.add((service, sd.endpoint, endpoint_iri))
    g.add((service, sd.supportedLanguage, sd.SPARQL11Query))
    g.add((service, sd.feature, sd.UnionDefaultGraph))
    for media in RESULTS_TYPES + GRAPH_TYPES:
        g.add((service, sd.resultFormat, formats[W3C_FORMATS[media]]))
    g.add((service, DCTERMS.description, Literal(
        "CPKB knowledge graph (cleaner-production audits), read-only. Limits: "
        f"{settings['query_timeout_s']} s per query, {settings['max_result_rows']} result rows "
        f"(a cut result carries the header {TRUNCATED_HEADER}: true), {settings['max_query_chars']} query "
        "characters. SERVICE, LOAD, updates and graphs outside the knowledge base are refused.", lang="en")))
    g.add((service, sd.defaultDataset, dataset))
    g.add((dataset, RDF.type, sd.Dataset))
    g.add((dataset, RDF.type, void.Dataset))
    g.add((dataset, void.sparqlEndpoint, endpoint_iri))
    g.add((dataset, sd.defaultGraph, default_graph))
    g.add((default_graph, RDF.type, sd.Graph))
    g.add((default_graph, void.triples, Literal(stats["triples"], datatype=XSD.integer)))
    g.add((dataset, void.triples, Literal(stats["triples"], datatype=XSD.integer)))
    g.add((dataset, void.distinctSubjects, Literal(stats["subjects"], datatype=XSD.integer)))
    g.add((dataset, void.classes, Literal(len(stats["classes"]), datatype=XSD.integer)))
    g.add((dataset, void.properties, Literal(len(stats["properties"]), datatype=XSD.integer)))
    for name, count in stats["graphs"]:
        named, inner = BNode(), BNode()
        g.add((dataset, sd.namedGraph, named))
        g.add((named, sd.name, URIRef(name)))
        g.add((named, sd.graph, inner))
        g.add((inner, void.triples, Literal(int(count), datatype=XSD.integer)))
    for iri, count in stats["classes"]:
        part = BNode()
        g.add((dataset, void.classPartition, part))
        g.add((part, void["class"], URIRef(iri)))
        g.add((part, void.entities, Literal(int(count), datatype=XSD.integer)))
    for iri, count in stats["properties"]:
        part = BNode()
        g.add((dataset, void.propertyPartition, part))
        g.add((part, void.property, URIRef(iri)))
        g.add((part, void.triples, Literal(int(count), datatype=XSD.integer)))
    rdflib_format = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
                     "application/rdf+xml": "xml"}[graph_type]
    body = g.serialize(format=rdflib_format, encoding="utf-8")
    response = Response(body, content_type=graph_type + ("" if graph_type.endswith("xml") else "; charset=utf-8"))
    response.headers["Vary"] = "Accept"
    return _cors(response)
