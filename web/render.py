"""Every page in several forms: one view builds the data, this module answers as HTML or JSON (or RDF).

`page(bp, rule)` registers a view under `rule` and `rule.json`; the view returns (template, data) or a
ready Response. The format is the suffix when there is one, else the best of the Accept header. Finished
browse pages are kept in a small per-app cache keyed by URL, language and format: the knowledge base is
read-only while the app runs, so a page once drawn stays right.
"""

from __future__ import annotations

import functools
import json

from flask import Blueprint, Flask, Response, current_app, g, render_template, request

from .i18n import LANG_COOKIE, configured_languages, request_language
from cpkb.lru import LRU

HTML, JSON = "text/html", "application/json"
RDF_TYPES = {"ttl": "text/turtle", "jsonld": "application/ld+json", "nt": "application/n-triples"}
SUFFIX_TYPES = {"html": HTML, "json": JSON, **RDF_TYPES}


def negotiate(offered: list[str]) -> str:
    """The suffix name of the best offered media type for this request's Accept header (html by default)."""
    types = [SUFFIX_TYPES[name] for name in offered]
    best = request.accept_mimetypes.best_match(types, default=HTML)
    return next(name for name in offered if SUFFIX_TYPES[name] == best)


def page_format() -> str:
    return g.get("page_format", "html")


def to_json_response(data, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=1, default=str)
    return Response(body, status=status, mimetype=JSON)


def page(bp: Blueprint, rule: str, endpoint: str | None = None, cache: bool = True,
         rdf: bool = False, methods=("GET",)):
    """Register a view at `rule` and `rule.json` (and .ttl/.jsonld/.nt when `rdf`); see the module doc."""
    suffixes = ["json", *RDF_TYPES] if rdf else ["json"]

    def decorator(view):
        name = endpoint or view.__name__

        @functools.wraps(view)
        def wrapper(page_format=None, **kwargs):
            offered = ["html", "json", *RDF_TYPES] if rdf else ["html", "json"]
            g.page_format = page_format or negotiate(offered)
            cache_on = cache and request.method == "GET"
            key = (request.full_path, request_language(), g.page_format) if cache_on else None
            if key is not None:
                hit = page_cache().get(key)
                if hit is not None:
                    return _from_cache(hit)
            result = view(**kwargs)
            if isinstance(result, Response):
                response = result
            else:
                template, data, *rest = result
                status = rest[0] if rest else 200
                if g.page_format == "json":
                    response = to_json_response(data, status)
                else:
                    response = Response(render_template(template, d=data), status=status, mimetype=HTML)
            response.headers["Vary"] = "Accept, Accept-Language, Cookie"
            json_url = _suffixed(request.path, "json")
            if g.page_format != "json" and "Link" not in response.headers:
                response.headers.add("Link", f'<{json_url}>; rel="alternate"; type="application/json"')
            if key is not None and response.status_code == 200:
                page_cache().put(key, response)
            return response

        bp.add_url_rule(rule, name, wrapper, defaults={"page_format": None}, methods=list(methods))
        for suffix in suffixes:
            bp.add_url_rule(_suffixed(rule, suffix), name, wrapper, defaults={"page_format": suffix},
                            methods=list(methods))
        return wrapper

    return decorator


def _suffixed(path: str, suffix: str) -> str:
    if path.endswith("/"):
        return path + "index." + suffix
    for known in SUFFIX_TYPES:
        if path.endswith("." + known):
            path = path[: -len(known) - 1]
    return f"{path}.{suffix}"


# ---------------------------------------------------------------------- the page cache

class PageCache:
    """A bounded least-recently-used map of finished responses (body, status, headers)."""

    def __init__(self, size: int):
        self.size = size
        self._lru = LRU(size)

    def get(self, key):
        return self._lru.get(key)

    def put(self, key, response: Response) -> None:
        if self.size <= 0 or response.direct_passthrough:
            return
        self._lru.put(key, (response.get_data(), response.status_code,
                            [(k, v) for k, v in response.headers.items()
                             if k.lower() not in ("set-cookie", "content-length")]))


def _from_cache(item) -> Response:
    body, status, headers = item
    response = Response(body, status=status)
    response.headers.clear()
    for k, v in headers:
        response.headers.add(k, v)
    return response


def page_cache() -> PageCache:
    return current_app.extensions["cpkb_page_cache"]


def init_app(app: Flask) -> None:
    app.extensions["cpkb_page_cache"] = PageCache(int(app.config["CPKB"].get("page_cache_entries", 0)))

    @app.after_request
    def _remember_language(response):
        """The language switch: ?lang= sets the cookie, so the choice holds on the next pages."""
        chosen = request.args.get("lang")
        if chosen and chosen in configured_languages() and request.cookies.get(LANG_COOKIE) != chosen:
            response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        return response
