"""Reading a SPARQL request's parameters fast: percent-decoding and form parsing at C speed.

The thin path of /sparql (web/sparql.py) reads a query request with LeanRequest: the parts of werkzeug's
request the endpoint uses, computed the same way from the WSGI environ, without werkzeug's cached properties,
header objects and the KeyError-raising MultiDict (a missing parameter built an exception each time).

A query arrives percent-encoded (a form body, a URL); wrk, curl --data-urlencode and most clients encode every
space and bracket, so a 600-character query holds some 250 escapes. urllib's unquote_to_bytes decodes them in a
Python loop (a third of the web process's time for a new query); here a C codec does the same work. The results are exactly urllib.parse.parse_qsl's (with
keep_blank_values), which werkzeug uses for request.args and the endpoint used for form bodies.
"""

from __future__ import annotations

import codecs
import io
import re
from functools import lru_cache
from urllib.parse import unquote

from werkzeug.http import parse_options_header
from werkzeug.sansio.utils import get_content_length
from werkzeug.wsgi import get_host

_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")
# every two-hex-digit spelling (either case) and its byte, as urllib's own table
_BYTE = {f"{a}{b}".encode(): bytes([int(f"{a}{b}", 16)])
         for a in "0123456789ABCDEFabcdef" for b in "0123456789ABCDEFabcdef"}


def unquote_bytes(data: bytes) -> bytes:
    """urllib.parse.unquote_to_bytes: each %XX with two hex digits becomes its byte; any other % stays.

    Written as Python's own \\xXX escapes (backslashes doubled first), the C codec decodes them all in one call;
    a % without two hex digits after it makes the codec fail, and then the escapes are decoded one by one."""
    if b"%" not in data:
        return data
    try:
        return codecs.escape_decode(data.replace(b"\\", b"\\\\").replace(b"%", b"\\x"))[0]
    except ValueError:
        pass
    parts = _ESCAPE.split(data)
    if len(parts) == 1:
        return data
    parts[1::2] = map(_BYTE.__getitem__, parts[1::2])
    return b"".join(parts)


def unquote_text(text: str, errors: str) -> str:
    """urllib.parse.unquote(text, errors=errors) (UTF-8): %-escapes decoded, bad bytes handled by `errors`."""
    if "%" not in text:
        return text
    if not text.isascii():  # raw non-ASCII characters between the escapes: urllib's own slower way
        return unquote(text, errors=errors)
    return unquote_bytes(text.encode("ascii")).decode("utf-8", errors)


def parse_pairs(text: str, errors: str = "replace") -> list[tuple[str, str]]:
    """urllib.parse.parse_qsl(text, keep_blank_values=True, errors=errors), decoded with unquote_text."""
    pairs = []
    for field in text.split("&") if text else ():
        if not field:
            continue
        name, _, value = field.partition("=")
        pairs.append((unquote_text(name.replace("+", " "), errors), unquote_text(value.replace("+", " "), errors)))
    return pairs


class Params:
    """Request parameters by name in arrival order: the part of werkzeug's MultiDict the endpoint uses."""

    __slots__ = ("_lists",)

    def __init__(self, pairs=()):
        lists: dict[str, list[str]] = {}
        for name, value in pairs:
            lists.setdefault(name, []).append(value)
        self._lists = lists

    def get(self, name: str, default=None):
        values = self._lists.get(name)
        return values[0] if values else default

    def getlist(self, name: str) -> list[str]:
        return list(self._lists.get(name, ()))

    def __contains__(self, name) -> bool:
        return name in self._lists

    def items(self, multi: bool = False):
        for name, values in self._lists.items():
            if multi:
                yield from ((name, value) for value in values)
            else:
                yield name, values[0]


class _Headers:
    """Request headers read from the environ, as werkzeug's EnvironHeaders.get reads them."""

    __slots__ = ("environ",)

    def __init__(self, environ: dict):
        self.environ = environ

    def get(self, name: str, default=None):
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            return self.environ.get(key, default)
        return self.environ.get("HTTP_" + key, default)


@lru_cache(maxsize=64)
def _content_type(header: str) -> tuple[str, dict[str, str]]:
    mimetype, options = parse_options_header(header)
    return mimetype.lower(), options


class LeanRequest:
    """A query request as the endpoint reads it (werkzeug's values, computed the same way from the environ).

    body: the request body, already read (b"" for GET)."""

    __slots__ = ("environ", "method", "headers", "args", "stream", "_cpkb_form", "_type")

    def __init__(self, environ: dict, body: bytes):
        self.environ = environ
        self.method = environ.get("REQUEST_METHOD", "GET").upper()
        self.headers = _Headers(environ)
        self.args = Params(parse_pairs(environ.get("QUERY_STRING", "").encode("latin1").decode(),
                                       errors="werkzeug.url_quote"))
        self.stream = io.BytesIO(body)
        self._cpkb_form = None
        self._type = _content_type(environ.get("CONTENT_TYPE", ""))

    @property
    def mimetype(self) -> str:
        return self._type[0]

    @property
    def mimetype_params(self) -> dict[str, str]:
        return self._type[1]

    @property
    def content_length(self) -> int | None:
        return get_content_length(self.environ.get("CONTENT_LENGTH"), self.environ.get("HTTP_TRANSFER_ENCODING"))

    @property
    def form(self) -> Params:
        return self._cpkb_form or Params()

    @property
    def scheme(self) -> str:
        return self.environ.get("wsgi.url_scheme", "http")

    @property
    def host(self) -> str:
        return get_host(self.environ)

    @property
    def root_path(self) -> str:
        return (self.environ.get("SCRIPT_NAME") or "").encode("latin1").decode(errors="replace").rstrip("/")

    @property
    def remote_addr(self) -> str | None:
        return self.environ.get("REMOTE_ADDR")
