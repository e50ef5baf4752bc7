""""Did you mean …": the closest names for a search that found nothing, from the same name matcher that reads
survey names (diagnostics/names.py), so a typo (逆流漂冼, countercurent) meets the answer a survey would get."""

from __future__ import annotations

from rapidfuzz import fuzz

from cpkb.diagnostics.knowledge import knowledge_for
from cpkb.diagnostics.names import matcher_for

from .index import KBIndex

# the kinds a search reader looks for; facts, units and the like are survey words, not things to browse
KINDS = ("process", "technique", "problem", "measure", "indicator", "pollutant", "material", "resource", "sector",
         "region", "basin", "rule")
MIN_SCORE = 0.4
CLOSE_TO_BEST = 0.1   # only names about as close as the closest: far-off kinds add noise, not help


def did_you_mean(store, index: KBIndex, query: str, lang: str, limit: int = 5) -> list[dict]:
    """Up to `limit` entries whose names are closest to the query, best first: {entry, score}."""
    kb = knowledge_for(store)
    matcher = matcher_for(kb)
    kinds = [k for k in KINDS if k in set(kb.kinds.values())]
    found: dict[str, float] = {}
    for kind in kinds:
        for suggestion in matcher.suggest(kind, query, limit=limit, neighbours=False):
            if suggestion.score >= MIN_SCORE and index.has(suggestion.iri):
                found[suggestion.iri] = max(found.get(suggestion.iri, 0.0), suggestion.score)
    best = max(found.values(), default=0.0)
    # equal scores: the entry whose own label is closest to the query first (a match through an alternative name,
    # 逆流浸泡 for 玉米浸泡, shows a label the reader did not type)
    ranked = sorted(((iri, score) for iri, score in found.items() if score >= best - CLOSE_TO_BEST),
                    key=lambda item: (-item[1], -fuzz.ratio(query, kb.label(item[0]).get(lang) or ""), item[0]))[:limit]
    return [{"entry": index.term(iri, lang), "score": round(score, 3)} for iri, score in ranked]
