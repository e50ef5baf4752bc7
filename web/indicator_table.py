"""The table of an indicator system's page: each first-level category with its weight, and under it each indicator
with unit, direction, weight, limiting flag (限定性指标) and its level I/II/III values — one row per benchmark
variant (by product or route) — or 未录入 with the reason the knowledge base gives."""

from __future__ import annotations

from rdflib import Literal

from cpkb.kb.collation import collation_key
from cpkb.kb.namespaces import CPKB

from .i18n import UI, pick
from .index import KBIndex

LEVELS = ("I", "II", "III")
_P = {name: str(CPKB[name]) for name in (
    "indicatorSystem", "indicatorCategory", "unit", "direction", "weight", "limiting", "hasBenchmark", "hasVariant",
    "level", "value", "requirement", "weightSplit", "weightGroup", "product", "order", "quantitative")}
_NOTE = "http://www.w3.org/2004/02/skos/core#note"
_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"


def indicator_table(index: KBIndex, system: str, lang: str) -> list[dict]:
    """The categories of `system` in order, each with its indicators' rows (indicators without a category last)."""
    groups: dict[str | None, list[str]] = {}
    for indicator in index.subjects(_P["indicatorSystem"], system):
        if index.kind(indicator) == "Indicator":
            groups.setdefault(index.first_iri(indicator, _P["indicatorCategory"]), []).append(indicator)
    order = sorted(groups, key=lambda c: (c is None, index.number(c, _P["order"]) or 0,
                                          collation_key(index.label(c, lang).text) if c else ()))
    return [{"category": index.term(c, lang) if c else None, "weight": index.number(c, _P["weight"]) if c else None,
             "indicators": [_indicator_row(index, i, lang) for i in _sorted(index, groups[c], lang)]} for c in order]


def _sorted(index: KBIndex, indicators: list[str], lang: str) -> list[str]:
    return sorted(indicators, key=lambda i: (index.number(i, _P["order"]) or 0, collation_key(index.label(i, lang).text)))


def _indicator_row(index: KBIndex, indicator: str, lang: str) -> dict:
    unit, direction = index.first_iri(indicator, _P["unit"]), index.first_iri(indicator, _P["direction"])
    product = index.first_iri(indicator, _P["product"])
    variants = [_levels(index, indicator, lang, None)] if index.iris(indicator, _P["hasBenchmark"]) else []
    variants += [_levels(index, v, lang, index.label(v, lang).as_json())
                 for v in sorted(index.iris(indicator, _P["hasVariant"]), key=lambda v: index.number(v, _P["order"]) or 0)]
    return {"indicator": index.term(indicator, lang),
            "product": index.term(product, lang) if product else None,
            "unit": index.term(unit, lang) if unit else None,
            "direction": index.term(direction, lang) if direction else None,
            "weight": _weight(index, indicator, lang),
            "limiting": _flag(index, indicator, lang),
            "variants": variants,
            "missing_reason": None if variants else _missing_reason(index, indicator, lang)}


def _levels(index: KBIndex, holder: str, lang: str, label: dict | None) -> dict:
    """One row of level values: a number for quantitative indicators, the required practice for qualitative ones."""
    cells: dict[str, dict | None] = {level: None for level in LEVELS}
    for bench in index.iris(holder, _P["hasBenchmark"]):
        level = index.key(index.first_iri(bench, _P["level"]) or "") or \
            (index.first_iri(bench, _P["level"]) or "").rsplit("Level", 1)[-1]
        value, text = index.number(bench, _P["value"]), index.texts(bench, _P["requirement"])
        if level in cells:
            cells[level] = {"value": f"{value:g}"} if value is not None else \
                {"text": pick(text, lang).as_json()} if text else None
    return {"label": label, "levels": [cells[level] for level in LEVELS]}


def _weight(index: KBIndex, indicator: str, lang: str) -> dict | None:
    """Its own weight, or its share of a group weight split among the indicators that apply (README: weight_rule)."""
    weight = index.number(indicator, _P["weight"])
    if weight is not None:
        return {"text": f"{weight:g}"}
    split = index.number(indicator, _P["weightSplit"])
    if split is None:
        return None
    template = pick(UI["weight_split"], lang).text
    return {"text": template.format(split=f"{split:g}")}


def _flag(index: KBIndex, indicator: str, lang: str) -> str:
    limiting = next((o.toPython() for o in index.objects(indicator, _P["limiting"]) if isinstance(o, Literal)), False)
    return pick(UI["yes_word" if limiting is True else "no_word"], lang).text


def _missing_reason(index: KBIndex, indicator: str, lang: str) -> dict:
    """Why the values are missing, as the entry's own note says it (a note in both languages, written for readers);
    the writers' untagged notes stay out of the page."""
    notes = {o.language: str(o) for o in index.objects(indicator, _NOTE) if isinstance(o, Literal) and o.language}
    return pick(notes or UI["no_reason_given"], lang).as_json()
