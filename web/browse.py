"""The browser pages: home, sectors, concepts (linked data), browse by type, search, measure catalogue."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, request, url_for
from werkzeug.exceptions import BadRequest
from markupsafe import Markup, escape
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, XSD

from cpkb.kb.collation import collation_key
from cpkb.kb.namespaces import CPKB
from cpkb.kb.source_format import CURRENCIES
from cpkb.settings import format_bytes

from .code_labels import code_labels, is_code_property, shown_as_code
from .indicator_table import indicator_table
from .i18n import (LANG_LABELS, LANG_NAMES, UI, configured_languages, pick, render_text, request_language,
                   ui_picked, ui_text)
from .index import (BROWSABLE_KINDS, DEF_BASE, DEF, FACETS, ID_BASE, P, PREF, ALT, RDFS_LABEL, SOURCE, SYMBOL, TYPE,
                    UNNAMED_NODE, KBIndex, entry_of, get_index, href_of)
from .render import RDF_TYPES, page, to_json_response

bp = Blueprint("browse", __name__)

# Properties that a concept page shows in their own sections rather than in the generic table.
_SHOWN_APART = {TYPE, PREF, ALT, DEF, RDFS_LABEL, SOURCE, P["key"], P["citation"], P["hasEffect"],
                P["hasBenchmark"], P["appliesWhen"], P["condition"], P["note"], P["applicability"],
                P["crossMedia"], "http://www.w3.org/2004/02/skos/core#note"}
_INCOMING_CAP = 200


# ---------------------------------------------------------------------- template helpers

@bp.app_context_processor
def _template_helpers():
    lang = request_language()
    return {"lang": lang, "languages": configured_languages(), "LANG_NAMES": LANG_NAMES, "_": ui_picked,
            "ui": ui_text, "lang_url": lang_url}


@bp.app_template_filter("txt")
def _txt(value) -> Markup:
    """A picked text with its fallback badge."""
    return render_text(value)


@bp.app_template_filter("langname")
def _langname(code: str | None) -> str:
    """A language code as its name in the page's language (zh → 中文 / Chinese); an unknown code as itself."""
    if not code:
        return "–"
    return pick(LANG_LABELS[code], request_language()).text if code in LANG_LABELS else code


@bp.app_template_filter("link")
def _link(term) -> Markup:
    """A term as a link, its label in the request language (badge when it falls back)."""
    if not term:
        return Markup("")
    return Markup(f'<a href="{escape(term["href"])}">') + render_text(term["label"]) + Markup("</a>")


@bp.app_template_filter("pct")
def _pct(value) -> str:
    if value is None:
        return "–"
    return f"{value:+g}%"


def lang_url(code: str) -> str:
    """This page's address with ?lang= set: the language switch works without JavaScript."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return request.path + "?" + urlencode(args, doseq=True)


def kind_label(index: KBIndex, kind: str | None, lang: str) -> dict:
    if kind is None:
        return pick(UI["kind_Other_"], lang).as_json()
    if kind.endswith("_"):
        return pick(UI[f"kind_{kind}"], lang).as_json()
    return index.label(DEF_BASE + kind, lang).as_json()


# ---------------------------------------------------------------------- home

@page(bp, "/")
def home():
    index, lang = get_index(), request_language()
    sectors = []
    for sector in index.by_kind.get("Sector", []):
        counts = index.sector_counts.get(sector, {})
        sectors.append({"sector": index.term(sector, lang), "code": [str(c) for c in index.objects(sector, str(DEF_BASE + "code"))],
                        "definition": pick(index.texts(sector, DEF), lang).as_json(),
                        "counts": {k.lower(): v for k, v in counts.items()},
                        "pilot_types": [index.term(t, lang) for t in index.iris(sector, P["pilotType"])]})
    sectors.sort(key=lambda s: (-sum(s["counts"].values()), s["code"], s["sector"]["iri"]))
    pilot_types = []
    for pt in sorted(index.by_kind.get("PilotType", []), key=lambda i: _pilot_order(index.key(i))):
        places = []
        if index.key(pt) == "region":
            places = index.sort_terms(index.by_kind.get("Region", []), lang)
        elif index.key(pt) == "basin":
            places = index.sort_terms(index.by_kind.get("Basin", []), lang)
        pilot_types.append({"type": index.term(pt, lang), "definition": pick(index.texts(pt, DEF), lang).as_json(),
                            "places": places})
    kinds = [{"kind": k, "label": kind_label(index, k, lang), "count": len(index.by_kind.get(k, [])),
              "href": url_for("browse.kind_list", kind=k)} for k in BROWSABLE_KINDS if index.by_kind.get(k)]
    data = {"kb_version": index.version, "sectors": sectors, "pilot_types": pilot_types, "kinds": kinds,
            "measure_count": len(index.measures)}
    return "browse/home.html", data


def _pilot_order(key: str | None) -> int:
    return {"sector": 0, "park": 1, "region": 2, "basin": 3}.get(key or "", 9)


# ---------------------------------------------------------------------- browse by type

@page(bp, "/types/")
def kinds():
    index, lang = get_index(), request_language()
    data = {"kinds": [{"kind": k, "label": kind_label(index, k, lang), "count": len(index.by_kind.get(k, [])),
                       "href": url_for("browse.kind_list", kind=k)} for k in BROWSABLE_KINDS if index.by_kind.get(k)]}
    return "browse/kinds.html", data


@page(bp, "/types/<kind>")
def kind_list(kind: str):
    index, lang = get_index(), request_language()
    if kind not in index.by_kind:
        abort(404)
    members = index.by_kind[kind]
    sector = request.args.get("sector")
    sector_iri = ID_BASE + sector if sector else None
    if sector_iri:
        members = [m for m in members if index.first_iri(m, P["sector"]) == sector_iri]
    entries = []
    for m in index.sort_terms(members, lang):
        entries.append({"entry": m, "sector": index.term(s, lang) if (s := index.sector_of(m["iri"])) else None,
                        "definition": pick(index.texts(m["iri"], DEF), lang).as_json()})
    data = {"kind": kind, "label": kind_label(index, kind, lang), "entries": entries,
            "sector": index.term(sector_iri, lang) if sector_iri and index.has(sector_iri) else None}
    return "browse/kind_list.html", data


# ---------------------------------------------------------------------- concepts (linked data)

@page(bp, "/id/<path:path>", rdf=True)
def concept(path: str):
    return _concept_response(ID_BASE + path)


@page(bp, "/def/<path:path>", rdf=True)
def vocabulary_term(path: str):
    return _concept_response(DEF_BASE + path)


def _concept_response(iri: str) -> Response:
    from flask import render_template

    from .render import page_format

    index, lang = get_index(), request_language()
    if "#" in iri or not index.has(iri):
        abort(404)
    fmt = page_format()
    if fmt in RDF_TYPES:
        graph = index.graph_of(iri)
        for prefix, ns in (("cpkb", DEF_BASE), ("cpkbid", ID_BASE), ("skos", "http://www.w3.org/2004/02/skos/core#"),
                           ("dcterms", "http://purl.org/dc/terms/")):
            graph.bind(prefix, ns)
        body = graph.serialize(format={"ttl": "turtle", "jsonld": "json-ld", "nt": "nt"}[fmt], encoding="utf-8")
        response = Response(body)
        response.headers["Content-Type"] = f"{RDF_TYPES[fmt]}; charset=utf-8"
    elif fmt == "json":
        response = to_json_response(concept_data(index, iri, lang))
    else:
        response = Response(render_template("browse/concept.html", d=concept_data(index, iri, lang)),
                            mimetype="text/html")
    _add_alternates(response, iri)
    return response


def _add_alternates(response: Response, iri: str) -> None:
    base = href_of(iri)
    for suffix, mimetype in (("", "text/html"), ("json", "application/json"), *RDF_TYPES.items()):
        target = f"{base}.{suffix}" if suffix else base
        response.headers.add("Link", f'<{target}>; rel="alternate"; type="{mimetype}"')


def _value(index: KBIndex, o, lang: str, prop: str = "") -> dict:
    """One value as pages show it: a link, a text, a code of the knowledge format by its name (大气, not air), an
    expression or field name marked as code, or the literal."""
    if isinstance(o, URIRef):
        return {"term": index.term(str(o), lang)}
    if isinstance(o, Literal) and o.datatype == XSD.boolean:  # 是/否, never "true" on a Chinese page
        return {"literal": pick(UI["yes_word" if o.toPython() is True else "no_word"], lang).text, "lang": lang}
    if isinstance(o, Literal) and prop == SYMBOL:  # a unit's symbol (h, kgoe) is the unit as written, not a code
        return {"symbol": str(o)}
    if isinstance(o, Literal) and not o.language and prop:
        names = code_labels(prop, str(o))
        if names:
            return {"text": pick(names, lang).as_json()}
        if shown_as_code(prop) and not is_code_property(prop):  # an expression or field name, not a word
            return {"code": str(o)}
    if isinstance(o, Literal):
        return {"literal": str(o), "lang": o.language}
    members = _union_members(index, str(o))  # an ontology's anonymous class: the classes it unites, never its hash
    if members:
        return {"terms": [index.term(m, lang) for m in members]}
    return {"text": pick(UNNAMED_NODE, lang).as_json()}


def _union_members(index: KBIndex, node: str) -> list[str]:
    """The members of an owl:unionOf list (rdf:first/rdf:rest) of a blank node; [] when it is none."""
    members: list[str] = []
    item = next(iter(index.objects(node, str(OWL.unionOf))), None)
    while item is not None and str(item) != str(RDF.nil) and len(members) < 50:
        members += [str(x) for x in index.objects(str(item), str(RDF.first))]
        item = next(iter(index.objects(str(item), str(RDF.rest))), None)
    return members


CHOICE_CODES = {str(CPKB["choice"]), str(CPKB["expectedValue"])}  # properties whose text is a choice's code
FACT = str(CPKB["fact"])


def _choice_term(index: KBIndex, s: str, prop: str, o, lang: str) -> dict | None:
    """A choice written as its code (a fact's cpkb:choice, a condition's expected value) as a link to the choice it
    names, 排入城镇污水处理厂 rather than municipal-plant: the choice node of the fact itself or of a fact the
    node refers to."""
    if prop not in CHOICE_CODES or not isinstance(o, Literal) or o.language:
        return None
    for holder in [s, *index.iris(s, FACT)]:
        node = f"{entry_of(holder)}#choice-{o}"
        if index.has(node):
            return {"term": index.term(node, lang)}
    return None


def _grouped_values(index: KBIndex, s: str, lang: str, skip=()) -> list[dict]:
    rows = []
    for p, objs in index.out.get(s, {}).items():
        if p in skip:
            continue
        lang_texts = {o.language: str(o) for o in objs if isinstance(o, Literal) and o.language}
        values = []
        if lang_texts:
            values.append({"text": pick(lang_texts, lang).as_json()})
        values += [_choice_term(index, s, p, o, lang) or _value(index, o, lang, p)
                   for o in objs if not (isinstance(o, Literal) and o.language)]
        rows.append({"property": index.term(p, lang), "values": values})
    rows.sort(key=lambda r: collation_key(r["property"]["label"]["text"]))
    return rows


def _citations(index: KBIndex, node: str, lang: str) -> list[dict]:
    result = []
    for cite in index.iris(node, P["citation"]):
        doc = index.first_iri(cite, P["document"])
        verified = index._literal_value(cite, P["verified"])
        clause = index._literal_value(cite, P["clause"])
        # a citation's note is the knowledge writer's (what was read, what is unchecked): kept in the RDF for
        # researchers, not shown on the public page, where 待核实 says what a reader needs to know
        result.append({"document": index.term(doc, lang) if doc else None, "clause": str(clause) if clause else None,
                       "verified": verified is not False, "note": None})
    if not result:
        result = [{"document": index.term(d, lang), "clause": None, "verified": True, "note": None}
                  for d in index.iris(node, SOURCE)]
    return result


def _condition(index: KBIndex, node: str, lang: str, depth: int = 0) -> dict:
    kind_iri = next((str(t) for t in index.objects(node, TYPE) if str(t).startswith(DEF_BASE)), None)
    skip = {TYPE, P["operand"], P["conditionText"]}
    operands = [_condition(index, o, lang, depth + 1) for o in index.iris(node, P["operand"])] if depth < 12 else []
    text = index._literal_value(node, P["conditionText"])
    return {"node": node, "kind": index.term(kind_iri, lang) if kind_iri else None,
            "params": _grouped_values(index, node, lang, skip), "operands": operands,
            "text": str(text) if text is not None else None}


def _breadcrumbs(index: KBIndex, iri: str, kind: str | None, lang: str) -> list[dict]:
    crumbs = [{"href": url_for("browse.home"), "label": pick(UI["home"], lang).as_json()}]
    sector = index.sector_of(iri)
    if sector and sector != iri:
        crumbs.append({"href": href_of(sector), "label": index.label(sector, lang).as_json()})
    if kind and kind in index.by_kind and not kind.endswith("_") and kind != "Sector":
        args = {"sector": sector[len(ID_BASE):]} if sector and sector != iri else {}
        crumbs.append({"href": url_for("browse.kind_list", kind=kind, **args),
                       "label": kind_label(index, kind, lang)})
    return crumbs


def _repeated_rows(index: KBIndex, iri: str) -> set[str]:
    """Rows another row already shows: a fact's choice codes, when its named choices (cpkb:hasChoice) are listed."""
    return {str(CPKB["choice"])} if index.objects(iri, str(CPKB["hasChoice"])) else set()


def concept_data(index: KBIndex, iri: str, lang: str) -> dict:
    """What a concept page shows, as data (the JSON form of the page)."""
    kind = index.kind(iri)
    labels = index.labels(iri)
    data = {
        "iri": iri, "kind": kind, "kind_label": kind_label(index, kind, lang),
        "label": index.label(iri, lang).as_json(),
        "labels": [{"lang": code, "text": labels[code]} for code in sorted(labels, key=_lang_rank)],
        "alt_labels": [{"lang": code, "texts": texts}
                       for code, texts in sorted(index.text_lists(iri, ALT).items(), key=lambda kv: _lang_rank(kv[0]))],
        "definition": pick(index.texts(iri, DEF) or index.texts(iri, str(URIRef("http://www.w3.org/2000/01/rdf-schema#comment"))), lang).as_json(),
        "note": _note(index, iri, lang),
        "breadcrumbs": _breadcrumbs(index, iri, kind, lang),
        "properties": _grouped_values(index, iri, lang, _SHOWN_APART | _repeated_rows(index, iri)),
        "sources": _citations(index, iri, lang),
        "downloads": {name: f"{href_of(iri)}.{name}" for name in ("ttl", "jsonld", "nt", "json")},
    }
    incoming: dict[str, dict] = {}
    for p, subjects in index.inc.get(iri, {}).items():
        if p == P["sector"] and kind == "Sector":
            continue
        seen = []
        for s in subjects:
            entry = entry_of(s)
            if entry != iri and entry not in seen:
                seen.append(entry)
        if not seen:
            continue
        group = incoming.setdefault(p, {"property": index.term(p, lang), "subjects": [], "truncated": False})
        terms = index.sort_terms(seen, lang)
        group["subjects"] = terms[:_INCOMING_CAP]
        group["truncated"] = len(terms) > _INCOMING_CAP
        group["count"] = len(terms)
    data["incoming"] = sorted(incoming.values(), key=lambda g: collation_key(g["property"]["label"]["text"]))

    if kind == "Measure":
        data["measure"] = _measure_sections(index, iri, lang)
    if kind == "Indicator":
        data["benchmarks"] = _benchmarks(index, iri, lang)
    if kind == "Rule":
        cond = index.first_iri(iri, P["condition"])
        data["condition"] = _condition(index, cond, lang) if cond else None
    if kind == "Sector":
        data["sector"] = _sector_sections(index, iri, lang)
    if kind == "IndicatorSystem":
        data["indicator_table"] = indicator_table(index, iri, lang)
    return data


def _note(index: KBIndex, iri: str, lang: str) -> dict | None:
    """Notes (skos:note) are written for the knowledge base's authors and reviewers — what was not read, which
    source a code came from — so public pages leave them out; the RDF downloads and SPARQL keep them."""
    return None


def _lang_rank(code: str) -> tuple:
    langs = configured_languages()
    return (langs.index(code) if code in langs else len(langs), code)


_BASIS = {"per-enterprise": ("每家企业", "per enterprise"), "per-line": ("每条生产线", "per production line"),
          "per-t-per-d": ("每 t/d 处理能力", "per t/d of capacity"), "per-m3-per-d": ("每 m³/d 处理能力", "per m³/d of capacity"),
          "per-m2-per-a": ("每 m²/a 镀件产能", "per m²/a of output"), "per-output": ("每单位年产量", "per unit of annual output"),
          "per-facility": ("每套共享设施", "per shared installation"),
          "per-t-per-h": ("每 t/h 蒸汽/锅炉容量", "per t/h of steam or boiler capacity"),
          "per-MW": ("每 MW 装机/热功率", "per MW of installed or thermal power"), "per-kW": ("每 kW 装机功率", "per kW of installed power"),
          "per-activity": ("每单位活动量（按所列调查事实折算）", "per unit of activity (scaled by the survey fact named)")}


def _economics(index: KBIndex, iri: str, lang: str) -> list[dict]:
    """Investment, running cost and savings of a measure with their basis and sources; what it requires."""
    rows = []
    for prop, what in (("investment", "investment"), ("opexChange", "opex_change"), ("hasSaving", "saving")):
        for node in index.iris(iri, P[prop]):
            basis = next(iter(index.texts(node, P["costBasis"]).values()), "")
            target = index.first_iri(node, P["onConsumption"])
            unit = index.first_iri(node, P["unit"])
            currency = next(iter(index.texts(node, P["currency"]).values()), "CNY")
            year = index.number(node, P["priceYear"])
            basis_text = _BASIS.get(basis, (basis, basis))[0 if lang == "zh" else 1]
            if year is not None:
                basis_text += f"（{year:g} 年价格）" if lang == "zh" else f" ({year:g} prices)"
            money_unit = None
            if what != "saving" and currency != "CNY":   # the source's own currency, never converted here
                name = CURRENCIES.get(currency, (currency, currency))
                money_unit = (f"万{name[0]}" if lang == "zh" else f"×10⁴ {currency}") + ("" if what == "investment"
                                                                                          else "/a")
            rows.append({"what": what, "target": index.term(target, lang) if target else None,
                         "range": [index.number(node, P["minValue"]), index.number(node, P["maxValue"])],
                         "unit": index.term(unit, lang) if unit else None, "money_unit": money_unit,
                         "basis": basis_text, "sources": _citations(index, node, lang)})
    for prop in ("requiresMeasure", "requiresTechnique"):
        for target in index.iris(iri, P[prop]):
            rows.append({"what": "requires", "target": index.term(target, lang), "range": None, "unit": None,
                         "basis": "", "sources": []})
    return rows


def _measure_sections(index: KBIndex, iri: str, lang: str) -> dict:
    effects = []
    for e in index.iris(iri, P["hasEffect"]):
        target = (index.first_iri(e, P["onIndicator"]) or index.first_iri(e, P["onPollutant"])
                  or index.first_iri(e, P["onConsumption"]))
        basis = index.texts(e, P["basis"])
        level, unit = index.first_iri(e, P["targetLevel"]), index.first_iri(e, P["unit"])
        effects.append({"node": e, "target": index.term(target, lang) if target else None,
                        "min": index.number(e, P["minChangePct"]), "max": index.number(e, P["maxChangePct"]),
                        "mode": next(iter(index.texts(e, P["effectMode"]).values()), "relative"),
                        "acts_on": next(iter(index.texts(e, P["actsOn"]).values()), None),
                        "level": index.term(level, lang) if level else None,
                        "amount": [index.number(e, P["minAmount"]), index.number(e, P["maxAmount"])],
                        "unit": index.term(unit, lang) if unit else None,
                        "basis": pick(basis, lang).as_json() if basis else None,
                        "sources": _citations(index, e, lang)})
    rules = []
    for problem in index.iris(iri, P["addresses"]):
        for rule in index.subjects(P["detects"], problem):
            severity = index.first_iri(rule, P["severity"])
            rules.append({"rule": index.term(rule, lang), "problem": index.term(problem, lang),
                          "severity": index.term(severity, lang) if severity else None})
    applies = index.first_iri(iri, P["appliesWhen"])
    payback = (index.number(iri, P["minPaybackYears"]), index.number(iri, P["maxPaybackYears"]))
    applicability, cross_media = index.texts(iri, P["applicability"]), index.texts(iri, P["crossMedia"])
    cost, route = index.first_iri(iri, P["costClass"]), index.first_iri(iri, P["route"])
    return {
        "effects": effects, "rules": rules, "economics": _economics(index, iri, lang),
        "cost": index.term(cost, lang) if cost else None,
        "route": index.term(route, lang) if route else None,
        "applicability": pick(applicability, lang).as_json() if applicability else None,
        "cross_media": pick(cross_media, lang).as_json() if cross_media else None,
        "applies_when": _condition(index, applies, lang) if applies else None,
        "payback_years": list(payback) if any(v is not None for v in payback) else None,
    }


def _benchmarks(index: KBIndex, iri: str, lang: str) -> list[dict]:
    rows = []
    for b in index.iris(iri, P["hasBenchmark"]):
        level = index.first_iri(b, P["level"])
        req = index.texts(b, P["requirement"])
        rows.append({"node": b, "level": index.term(level, lang) if level else None,
                     "level_key": index.key(level) if level else None,
                     "value": index.number(b, P["value"]),
                     "requirement": pick(req, lang).as_json() if req else None})
    rows.sort(key=lambda r: {"I": 1, "II": 2, "III": 3}.get(r["level_key"] or "", 9))
    unit = index.first_iri(iri, P["unit"])
    direction = index.key(index.first_iri(iri, P["direction"]) or "")
    for row in rows:
        row["unit"] = index.term(unit, lang) if unit else None
        if row["requirement"] is None and row["value"] is not None and direction in ("lower", "higher"):
            # a quantitative benchmark's requirement is its bound: ≤ 8 L/m² where lower is better
            bound = "≤" if direction == "lower" else "≥"
            unit_text = row["unit"]["label"]["text"] if row["unit"] else ""
            row["requirement"] = {"text": f"{bound} {row['value']:g} {unit_text}".strip(), "lang": lang, "fallback": False}
    return rows


def _sector_sections(index: KBIndex, sector: str, lang: str) -> dict:
    members = index.subjects(P["sector"], sector)
    processes = [m for m in members if index.kind(m) == "Process"]
    chain = []
    for proc in index.sort_terms(processes, lang):
        users = index.subjects(P["process"], proc["iri"])
        parent = index.first_iri(proc["iri"], P["partOf"])
        chain.append({
            "process": proc, "order": index.number(proc["iri"], P["order"]),
            "part_of": index.term(parent, lang) if parent else None,
            "problems": index.sort_terms([u for u in users if index.kind(u) == "Problem"], lang),
            "measures": index.sort_terms([u for u in users if index.kind(u) == "Measure"], lang),
            "techniques": index.sort_terms([u for u in users if index.kind(u) == "Technique"], lang),
        })
    others = []
    by_kind: dict[str, int] = {}
    for m in members:
        k = index.kind(m)
        if k and k != "Process":
            by_kind[k] = by_kind.get(k, 0) + 1
    for k in BROWSABLE_KINDS:
        if by_kind.get(k):
            others.append({"kind": k, "label": kind_label(index, k, lang), "count": by_kind[k],
                           "href": url_for("browse.kind_list", kind=k, sector=sector[len(ID_BASE):])})
    return {"processes": chain, "others": others,
            "measures_href": url_for("browse.measures", sector=sector[len(ID_BASE):])}


# ---------------------------------------------------------------------- search

def _query_arg() -> str:
    limit = int(current_app.config["CPKB"]["search_max_chars"])
    return (request.args.get("q") or "").strip()[:limit]


@page(bp, "/search")
def search():
    index, lang = get_index(), request_language()
    q = _query_arg()
    limit = int(current_app.config["CPKB"]["search_limit"])
    hits, truncated = index.search(q, limit) if q else ([], False)
    groups: dict[str, dict] = {}
    top = None
    for hit in hits:
        item = {"entry": index.term(hit["iri"], lang), "matched_in": hit["field"], "exact": hit["tier"] <= 1,
                "definition": pick(index.texts(hit["iri"], DEF), lang).as_json(),
                "sector": index.term(s, lang) if (s := index.sector_of(hit["iri"])) else None}
        if top is None and hit["tier"] <= 1:
            top = item
        group = groups.setdefault(hit["kind"], {"kind": hit["kind"], "label": kind_label(index, hit["kind"], lang),
                                                "results": []})
        group["results"].append(item)
    data = {"q": q, "count": len(hits), "truncated": truncated, "top_hit": top, "groups": list(groups.values()),
            "did_you_mean": []}
    if q and not hits:  # a typo finds nothing: offer the names the survey reader's matcher would offer
        from .did_you_mean import did_you_mean
        from .store_handle import get_store

        data["did_you_mean"] = [{**s, "href": url_for("browse.search", q=s["entry"]["label"]["text"])}
                                for s in did_you_mean(get_store(), index, q, lang)]
    return "browse/search.html", data


@bp.route("/search/suggest")
def suggest():
    """Autocomplete: the best few entries for a partial query, as JSON (kept in the page cache too)."""
    from .render import _from_cache, page_cache

    index, lang = get_index(), request_language()
    key = (request.full_path, lang, "suggest")
    hit = page_cache().get(key)
    if hit is not None:
        return _from_cache(hit)
    q = _query_arg()
    limit = int(current_app.config["CPKB"]["suggest_limit"])
    hits, truncated = index.search(q, limit) if q else ([], False)
    items = [{**index.term(h["iri"], lang), "kind_label": kind_label(index, h["kind"], lang)} for h in hits]
    response = to_json_response({"q": q, "suggestions": items, "truncated": truncated})
    response.headers["Cache-Control"] = "max-age=300"
    response.headers["Vary"] = "Accept-Language, Cookie"
    page_cache().put(key, response)
    return response


# ---------------------------------------------------------------------- measure catalogue

SORTS = ("label", "sector", "cost", "route", "effect")


def _selected_facets(index: KBIndex) -> dict[str, set[str]]:
    """The facet values asked for; an unknown value is a 400, not an empty list that looks like 'no measures'."""
    selected = {facet: set(v for v in request.args.getlist(facet) if v) for facet in FACETS}
    known = index.facet_values()
    for facet, values in selected.items():
        if values - known[facet]:
            abort(400, description=f"unknown {facet}: {', '.join(sorted(values - known[facet]))}")
    return selected


def _catalogue(index: KBIndex, lang: str):
    selected = _selected_facets(index)
    rows = index.filter_measures(selected)
    sort = request.args.get("sort", "label")
    if sort not in SORTS:
        sort = "label"
    descending = request.args.get("dir") == "desc"

    def label_of(iri):  # pinyin order for Chinese labels; entries without the field sort last
        return collation_key(index.label(iri, lang).text) if iri else ((3, 0.0, ""),)

    def strongest(r):  # the largest expected reduction (most negative change) of the measure, None without effects
        return min((e["min"] for e in r.effects if e["min"] is not None), default=None)

    keys = {
        "label": lambda r: label_of(r.iri),
        "sector": lambda r: (label_of(r.sector), label_of(r.iri)),
        "cost": lambda r: (index.key(r.cost) or "\uffff", label_of(r.iri)),
        "route": lambda r: (label_of(r.route), label_of(r.iri)),
        # strongest expected reduction first when ascending
        "effect": lambda r: (strongest(r), label_of(r.iri)),
    }
    if sort == "effect":  # measures without a known effect come last in either direction: no figure is no ranking
        known = sorted((r for r in rows if strongest(r) is not None), key=keys[sort], reverse=descending)
        rows = known + sorted((r for r in rows if strongest(r) is None), key=lambda r: label_of(r.iri))
    else:
        rows = sorted(rows, key=keys[sort], reverse=descending)
    return selected, rows, sort, descending


def _sort_links(sort: str, descending: bool) -> dict[str, str]:
    """The URL of each column header: same facets, first page, that column (its direction flipped when active)."""
    kept = [(k, v) for k, vs in request.args.lists() for v in vs if k not in ("page", "sort", "dir")]
    links = {}
    for key in SORTS:
        direction = "asc" if key != sort or descending else "desc"
        links[key] = url_for("browse.measures") + "?" + urlencode(kept + [("sort", key), ("dir", direction)])
    return links


def _row_data(index: KBIndex, row, lang: str) -> dict:
    return {
        "measure": index.term(row.iri, lang),
        "sector": index.term(row.sector, lang) if row.sector else None,
        "linked_sectors": index.sort_terms(row.linked_sectors, lang),
        "processes": [index.term(p, lang) for p in row.processes],
        "problems": [index.term(p, lang) for p in row.problems],
        "pollutants": [index.term(p, lang) for p in row.pollutants],
        "cost": index.term(row.cost, lang) if row.cost else None,
        "route": index.term(row.route, lang) if row.route else None,
        "effects": [{"target": index.term(e["target"], lang) if e["target"] else None, "min": e["min"], "max": e["max"]}
                    for e in row.effects],
        "payback_years": list(row.payback) if any(v is not None for v in row.payback) else None,
    }


@page(bp, "/measures")
def measures():
    exports = {"csv": measures_csv, "xlsx": measures_xlsx}
    fmt = request.args.get("format")
    if fmt in exports:  # ?format=csv|xlsx as on /sparql; /measures.csv and /measures.xlsx are the same
        return exports[fmt]()
    index, lang = get_index(), request_language()
    selected, rows, sort, descending = _catalogue(index, lang)
    counts = index.facet_counts(selected)
    size = int(current_app.config["CPKB"]["measures_page_size"])
    try:
        page_no = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page_no = 1
    pages = max(1, -(-len(rows) // size))
    page_no = min(page_no, pages)
    shown = rows[(page_no - 1) * size: page_no * size]
    facets = [_facet_data(index, facet, counts[facet], selected[facet], lang) for facet in FACETS]
    args = [(k, v) for k, vs in request.args.lists() for v in vs if k not in ("page", "lang")]
    query = urlencode(args)
    data = {
        "sort_links": _sort_links(sort, descending),
        "total": len(index.measures), "count": len(rows), "page": page_no, "pages": pages,
        "sort": sort, "dir": "desc" if descending else "asc",
        "selected": {k: sorted(v) for k, v in selected.items() if v},
        "facets": facets, "measures": [_row_data(index, r, lang) for r in shown],
        "truncated": len(shown) < len(rows),
        "exports": {"csv": url_for("browse.measures_csv") + ("?" + query if query else ""),
                    "xlsx": url_for("browse.measures_xlsx") + ("?" + query if query else "")},
    }
    return "browse/measures.html", data


def _facet_data(index: KBIndex, facet: str, counts: dict[str, int], selected: set[str], lang: str) -> dict:
    """One facet's values with their counts; a process or problem names its sector beside it, since several
    sectors have one of the same name (备料, 废水处理)."""
    values = []
    for key in [*counts, *sorted(selected - set(counts))]:  # a selected value with no match stays visible
        iri = index.facet_iri.get((facet, key))
        if iri is None:
            continue
        sector = index.sector_of(iri) if facet in SECTORED_FACETS else None
        values.append({"key": key, "term": index.term(iri, lang), "count": counts.get(key, 0),
                       "selected": key in selected, "sector": index.term(sector, lang) if sector else None})
    values.sort(key=lambda v: (not v["selected"], -v["count"], collation_key(v["term"]["label"]["text"]),
                               collation_key(v["sector"]["label"]["text"]) if v["sector"] else ()))
    return {"facet": facet, "label": pick(UI[f"facet_{facet}"], lang).as_json(), "values": values}


SECTORED_FACETS = ("process", "problem")


_EXPORT_HEADER = {
    "zh": ["IRI", "方案（中文）", "方案（英文）", "行业", "工序", "解决问题", "污染物", "费用类别", "清洁生产途径",
           "预期效果", "投资回收期（年）", "适用性"],
    "en": ["IRI", "measure (Chinese)", "measure (English)", "sector", "processes", "problems addressed",
           "pollutants", "cost class", "route", "expected effects", "payback (years)", "applicability"],
}


def _export_rows(index: KBIndex, lang: str) -> list[list[str]]:
    _, rows, _, _ = _catalogue(index, lang)
    header = _EXPORT_HEADER.get(lang, _EXPORT_HEADER["en"])
    out = [header]
    for r in rows:
        labels = index.labels(r.iri)
        names = lambda iris: "; ".join(index.label(i, lang).text for i in iris)  # noqa: E731
        effects = "; ".join(
            f"{index.label(e['target'], lang).text if e['target'] else ''} {_range_text(e['min'], e['max'])}"
            for e in r.effects)
        payback = _range_text(*r.payback, pct=False) if any(v is not None for v in r.payback) else ""
        out.append([r.iri, labels.get("zh", ""), labels.get("en", ""), names([r.sector] if r.sector else r.linked_sectors),
                    names(r.processes), names(r.problems), names(r.pollutants), names([r.cost] if r.cost else []),
                    names([r.route] if r.route else []), effects, payback,
                    pick(index.texts(r.iri, P["applicability"]), lang).text])
    return out


def _range_text(low, high, pct: bool = True) -> str:
    unit = "%" if pct else ""
    if low is None and high is None:
        return ""
    if low == high or high is None:
        return f"{low:g}{unit}"
    if low is None:
        return f"{high:g}{unit}"
    return f"{low:g}…{high:g}{unit}"


@bp.route("/measures.csv")
def measures_csv():
    index, lang = get_index(), request_language()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(_export_rows(index, lang))
    body = "\ufeff" + buffer.getvalue()  # the BOM lets Excel read the Chinese text as UTF-8
    response = Response(body.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = "attachment; filename=cpkb-measures.csv"
    return response


@bp.route("/measures.xlsx")
def measures_xlsx():
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from cpkb.diagnostics.xlsx_text import append_text_safe

    index, lang = get_index(), request_language()
    rows = _export_rows(index, lang)
    book = Workbook()
    sheet = book.active
    sheet.title = "measures" if lang != "zh" else "清洁生产方案"
    for row in rows:
        append_text_safe(sheet, row)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F5F4A")
    widths = [48, 28, 32, 12, 20, 30, 16, 14, 18, 40, 12, 50]
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=col).column_letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    response = Response(buffer.getvalue(),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = "attachment; filename=cpkb-measures.xlsx"
    return response


# ---------------------------------------------------------------------- errors (HTML or JSON, in the UI language)

def _error(status: int, title_key: str, text: str):
    from flask import render_template

    from .render import negotiate

    data = {"status": status, "error": ui_text(title_key), "message": text}
    wants_json = request.path.endswith(".json") or request.path.startswith("/api/") or \
        negotiate(["html", "json"]) == "json"
    if wants_json:
        return to_json_response(data, status)
    return Response(render_template("error.html", d=data), status=status, mimetype="text/html")


@bp.app_errorhandler(404)
def _not_found(exc):
    if request.blueprint == "sparql":
        return exc
    return _error(404, "not_found", ui_text("not_found_text"))


@bp.app_errorhandler(400)
def _bad_request(exc):
    if request.blueprint == "sparql":
        return exc
    described = {"csrf": "csrf_failed", "signature": "result_unsigned"}
    description = getattr(exc, "description", "") or ""
    if description in described:
        text = ui_text(described[description])
    elif description and description != BadRequest.description:  # a message of ours: say what was wrong
        text = f"{ui_text('bad_request')} ({description})"
    else:
        text = ui_text("bad_request")
    return _error(400, "bad_request", text)


@bp.app_errorhandler(413)
def _too_large(exc):
    limit = int(current_app.config["CPKB"]["max_upload_bytes"])
    return _error(413, "too_large", f"{ui_text('too_large_text')} {format_bytes(limit)}")


@bp.app_errorhandler(500)
def _server_error(exc):
    return _error(500, "error", ui_text("error_text"))
