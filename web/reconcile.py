"""`/reconcile`: the W3C Entity Reconciliation Service API (version 0.2) that OpenRefine speaks, so an audit team
can reconcile a spreadsheet column of process, technique, indicator, material or measure names against CPKB.

Manifest (GET /reconcile), queries (GET or POST `queries`), HTML previews (/reconcile/preview?id=) and entity
suggest (/reconcile/suggest/entity?prefix=). Matching is diagnostics.names.NameMatcher: a name resolved beyond
doubt is a `match`; candidates are its ranked suggestions, opposites never offered.
"""

from __future__ import annotations

import json
from html import escape

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from rdflib import URIRef
from rdflib.namespace import SKOS

from cpkb import __version__
from cpkb.diagnostics.knowledge import knowledge_for
from cpkb.diagnostics.names import matcher_for

from .store_handle import get_store

bp = Blueprint("reconcile", __name__)

TYPES = {  # reconciliation type id -> (kind of the name index, zh, en)
    "process": ("process", "工序", "process"),
    "technique": ("technique", "工艺/装备", "technique or equipment"),
    "indicator": ("indicator", "评价指标", "indicator"),
    "material": ("material", "原辅材料", "material"),
    "measure": ("measure", "清洁生产方案", "cleaner-production measure"),
}
MAX_QUERIES = 500     # per request: OpenRefine sends batches of 10 by default
MAX_LIMIT = 25
SCHEMA_SPACE = "https://w3id.org/cpkb/ontology#"
IDENTIFIER_SPACE = "https://w3id.org/cpkb/id/"


def _lang() -> str:
    return "en" if (request.args.get("lang") or request.accept_languages.best_match(["zh", "en"]) or "zh") == "en" \
        else "zh"


def _kb():
    return knowledge_for(get_store())


def _type_of(iri: str, kb) -> list[dict]:
    kind = kb.kinds.get(iri)
    lang = _lang()
    return [{"id": t, "name": names[1 if lang == "zh" else 2]} for t, names in TYPES.items() if names[0] == kind]


def _sector(kb, name: str | None) -> str | None:
    if not name:
        return None
    return matcher_for(kb).resolve("sector", name)


@bp.route("/reconcile", methods=["GET", "POST"])
def reconcile():
    """The manifest, or the answers to a batch of queries (`queries`, JSON), or JSONP with `callback`."""
    raw = request.values.get("queries")
    if raw is None:
        return _reply(_manifest())
    try:
        queries = json.loads(raw)
    except ValueError:
        return _error("`queries` is not JSON: give {\"q0\": {\"query\": \"镀锌\", \"type\": \"technique\"}}.")
    if not isinstance(queries, dict) or len(queries) > MAX_QUERIES:
        return _error(f"`queries` is an object of at most {MAX_QUERIES} queries keyed by your own ids.")
    kb = _kb()
    answers = {}
    for key, query in queries.items():
        if not isinstance(query, dict) or not isinstance(query.get("query"), str):
            return _error(f"query {key!r} needs a `query` string.")
        answers[key] = {"result": _candidates(kb, query)}
    return _reply(answers)


def _candidates(kb, query: dict) -> list[dict]:
    matcher = matcher_for(kb)
    wanted = query.get("type") or list(TYPES)
    wanted = [wanted] if isinstance(wanted, str) else [t for t in wanted if isinstance(t, str)]
    limit = max(1, min(int(query.get("limit") or 5), MAX_LIMIT)) if str(query.get("limit") or 5).isdigit() else 5
    sector = None
    for prop in query.get("properties") or []:   # a `sector` property narrows to one sector's concepts
        if isinstance(prop, dict) and prop.get("pid") == "sector" and isinstance(prop.get("v"), str):
            sector = _sector(kb, prop["v"])
    lang = _lang()
    found = []
    for type_id in wanted:
        if type_id not in TYPES:
            continue
        kind = TYPES[type_id][0]
        resolved = matcher.resolve(kind, query["query"], sector)
        for s in matcher.suggest(kind, query["query"], sector, limit=limit, neighbours=False):
            found.append({"id": s.iri, "name": s.label[lang], "score": round(s.score * 100, 1),
                          "match": s.iri == resolved, "description": s.label["en" if lang == "zh" else "zh"],
                          "type": [{"id": type_id, "name": TYPES[type_id][1 if lang == "zh" else 2]}]})
    found.sort(key=lambda c: -c["score"])
    return found[:limit]


@bp.route("/reconcile/preview")
def preview():
    """A small HTML card of one concept: labels, alternative names, definition, sector."""
    kb = _kb()
    iri = request.args.get("id", "")
    if iri not in kb.kinds:
        return Response("<p>未知的标识 / unknown id</p>", status=404, mimetype="text/html")
    labels = kb.label(iri)
    alts = "、".join(kb.alt_names.get(iri, [])[:8])
    lang = _lang()
    texts = {getattr(d, "language", None): str(d) for d in kb.graph.objects(URIRef(iri), SKOS.definition)}
    definition = texts.get(lang) or next(iter(texts.values()), "")
    sector = kb.sector_of.get(iri)
    html = (f'<div style="font:13px sans-serif;padding:6px"><b>{escape(labels["zh"])}</b> / {escape(labels["en"])}'
            f'<br><small>{escape(kb.kinds[iri])}{" · " + escape(kb.label(sector)["zh"]) if sector else ""}</small>'
            f'<p>{escape(str(definition or ""))}</p><p><small>{escape(alts)}</small></p>'
            f'<a href="{escape(iri)}" target="_blank">{escape(iri)}</a></div>')
    return Response(html, mimetype="text/html")


@bp.route("/reconcile/suggest/entity")
def suggest_entity():
    """Auto-completion of concept names for OpenRefine's suggest widget (`prefix`, optional `type`)."""
    kb = _kb()
    prefix = request.args.get("prefix", "")
    wanted = request.args.get("type")
    kinds = [TYPES[wanted][0]] if wanted in TYPES else [k for k, _, _ in TYPES.values()]
    matcher = matcher_for(kb)
    lang = _lang()
    found = []
    for kind in kinds:
        for s in matcher.suggest(kind, prefix, limit=10, neighbours=False):
            found.append((s.score, {"id": s.iri, "name": s.label[lang], "notable": _type_of(s.iri, kb),
                                    "description": s.label["en" if lang == "zh" else "zh"]}))
    found.sort(key=lambda item: -item[0])
    return _reply({"result": [item for _, item in found[:10]]})


def _manifest() -> dict:
    lang = _lang()
    base = request.url_root.rstrip("/")
    return {
        "versions": ["0.2"],
        "name": "CPKB 清洁生产审核知识库" if lang == "zh" else "CPKB cleaner-production audit knowledge base",
        "identifierSpace": IDENTIFIER_SPACE,
        "schemaSpace": SCHEMA_SPACE,
        "serviceVersion": __version__,
        "documentation": base + url_for("browse.home") if "browse.home" in current_app.view_functions else base,
        "defaultTypes": [{"id": t, "name": names[1 if lang == "zh" else 2]} for t, names in TYPES.items()],
        "view": {"url": "{{id}}"},
        "preview": {"url": base + url_for("reconcile.preview") + "?id={{id}}", "width": 420, "height": 180},
        "suggest": {"entity": {"service_url": base, "service_path": url_for("reconcile.suggest_entity")}},
    }


def _reply(payload: dict) -> Response:
    callback = request.args.get("callback")
    if callback and callback.replace("_", "").replace(".", "").isalnum():   # JSONP, as older OpenRefine asks
        return Response(f"{callback}({json.dumps(payload, ensure_ascii=False)})", mimetype="application/javascript")
    response = jsonify(payload)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _error(message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = 400
    return response
