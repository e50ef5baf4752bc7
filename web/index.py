"""A read-only, in-memory view of the knowledge graph that the browser pages are drawn from.

The knowledge base does not change while the app runs, so the app reads the whole graph from the store
once (one CONSTRUCT, on either backend) and keeps it indexed both ways, with the labels, the search
texts and the measure facets precomputed. A page is then a few dictionary look-ups, not a round of
SPARQL queries; this is what keeps browse pages well under the 50 ms p99 budget under concurrency.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from flask import Flask, current_app
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from cpkb.kb.collation import collation_key
from cpkb.kb.namespaces import CPKB, ID, QUDT

from .code_labels import property_labels
from .i18n import Picked, pick

ID_BASE = str(ID)
DEF_BASE = str(CPKB)

# Which class names an entry when it has several, most specific first.
KIND_ORDER = [
    "Sector", "Process", "Technique", "Problem", "Measure", "Indicator", "IndicatorCategory",
    "IndicatorSystem", "Rule", "Pollutant", "Region", "Basin", "SourceDocument", "Product",
    "MaterialType", "Property", "SurveyFact", "Consumption", "ResourceType", "Unit",
    "CostClass", "Route", "ProblemCategory", "TechniqueStatus", "Level", "Severity", "Direction",
    "PilotType", "PollutantRole", "ClassificationMethod", "MeasureLink", "Effect", "Benchmark", "Citation",
]
UNNAMED_NODE = {"zh": "匿名节点", "en": "unnamed node"}  # an ontology's blank node (owl:unionOf lists and such)
# Kinds listed on the home page's "browse by type" and counted per sector.
BROWSABLE_KINDS = ["Sector", "Process", "Technique", "Problem", "Measure", "Indicator", "IndicatorSystem",
                   "Rule", "Product", "MaterialType", "SurveyFact", "Pollutant", "Consumption", "Region",
                   "Basin", "ResourceType", "Unit", "SourceDocument"]
SECTOR_COUNTED = ["Process", "Problem", "Measure", "Technique", "Indicator", "Rule"]
FACETS = ["sector", "process", "problem", "pollutant", "cost", "route"]

P = {name: str(CPKB[name]) for name in (
    "sector", "process", "order", "addresses", "linksMeasure", "costClass", "route", "hasEffect", "onIndicator",
    "onPollutant", "onConsumption", "minChangePct", "maxChangePct", "concernsPollutant", "detects",
    "key", "minPaybackYears", "maxPaybackYears", "partOf", "severity", "applicability", "crossMedia",
    "citation", "hasBenchmark", "appliesWhen", "condition", "operand", "level", "value", "requirement",
    "document", "clause", "verified", "basis", "conditionText", "unit", "pilotType", "prioritySector",
    "keyPollutant", "note", "effectMode", "actsOn", "targetLevel", "minAmount", "maxAmount", "investment",
    "opexChange", "hasSaving", "minValue", "maxValue", "costBasis", "currency", "priceYear", "requiresMeasure",
    "requiresTechnique",
    "direction")}
PREF, ALT, DEF = str(SKOS.prefLabel), str(SKOS.altLabel), str(SKOS.definition)
RDFS_LABEL, TYPE, SOURCE = str(RDFS.label), str(RDF.type), str(DCTERMS.source)
SYMBOL = str(QUDT.symbol)


def href_of(iri: str) -> str:
    """Where the app serves an IRI: /id/… and /def/… for the knowledge base's own, the IRI itself otherwise."""
    if iri.startswith(ID_BASE):
        return "/id/" + iri[len(ID_BASE):]
    if iri.startswith(DEF_BASE) and len(iri) > len(DEF_BASE):
        return "/def/" + iri[len(DEF_BASE):]
    return iri


def entry_of(iri: str) -> str:
    """The entry a node belongs to: fragment nodes (#effect-1, #level-I, #cite-1, #when…) belong to their page."""
    return iri.split("#", 1)[0]


def normalise(text: str) -> str:
    """Case- and width-insensitive form for matching (全角 → half width, casefold)."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass
class MeasureRow:
    """One measure of the catalogue with everything its facets, sorting and export need."""

    iri: str
    sector: str | None
    processes: list[str]
    problems: list[str]
    pollutants: list[str]
    cost: str | None
    route: str | None
    effects: list[dict]
    payback: tuple[float | None, float | None]
    facet_keys: dict[str, set[str]] = field(default_factory=dict)
    linked_sectors: list[str] = field(default_factory=list)  # a shared measure: the sectors that link it


@dataclass
class SearchDoc:
    iri: str
    kind: str
    fields: list[tuple[int, str, str]]  # (field rank: 0 label, 1 alt, 2 definition; language; normalised text)


class KBIndex:
    """The whole graph, indexed by subject and by object, with precomputed labels, facets and search texts."""

    def __init__(self, graph: Graph):
        self._facet_values: dict[str, set[str]] | None = None
        self.out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        self.inc: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.fragments: dict[str, list[str]] = defaultdict(list)
        for s, p, o in graph:
            s_str, p_str = str(s), str(p)
            self.out[s_str][p_str].append(o)
            if isinstance(o, URIRef):
                self.inc[str(o)][p_str].append(s_str)
        for s in self.out:
            if "#" in s and s.startswith(ID_BASE):
                self.fragments[entry_of(s)].append(s)
        for values in self.out.values():  # stable order for pages and exports
            for p, objs in values.items():
                objs.sort(key=str)
        for values in self.inc.values():
            for p, subs in values.items():
                subs.sort()
        for frags in self.fragments.values():
            frags.sort(key=_natural_key)
        self.out.default_factory = None
        self.inc.default_factory = None
        self.kinds: dict[str, str] = {}
        for s, props in self.out.items():
            names = {str(t)[len(DEF_BASE):] for t in props.get(TYPE, ()) if str(t).startswith(DEF_BASE)}
            for kind in KIND_ORDER:
                if kind in names:
                    self.kinds[s] = kind
                    break
            else:
                if str(OWL.ObjectProperty) in map(str, props.get(TYPE, ())) or \
                        str(OWL.DatatypeProperty) in map(str, props.get(TYPE, ())):
                    self.kinds[s] = "Property_"
                elif str(OWL.Class) in map(str, props.get(TYPE, ())):
                    self.kinds[s] = "Class_"
        self.by_kind: dict[str, list[str]] = defaultdict(list)
        for s, kind in self.kinds.items():
            if "#" not in s:
                self.by_kind[kind].append(s)
        self._labels: dict[str, dict[str, str]] = {}
        self._term_cache: dict[tuple[str, str], dict] = {}
        self.version = self._literal_value(str(ID["kb"]), str(OWL.versionInfo)) or ""
        self._build_measures()
        self._build_search()
        self._build_sectors()

    # ------------------------------------------------------------------ basic access

    def has(self, iri: str) -> bool:
        return iri in self.out

    def objects(self, s: str, p: str) -> list:
        return self.out.get(s, {}).get(p, [])

    def subjects(self, p: str, o: str) -> list[str]:
        return self.inc.get(o, {}).get(p, [])

    def iris(self, s: str, p: str) -> list[str]:
        return [str(o) for o in self.objects(s, p) if isinstance(o, URIRef)]

    def first_iri(self, s: str, p: str) -> str | None:
        values = self.iris(s, p)
        return values[0] if values else None

    def _literal_value(self, s: str, p: str):
        for o in self.objects(s, p):
            if isinstance(o, Literal):
                return o.toPython()
        return None

    def number(self, s: str, p: str) -> float | None:
        value = self._literal_value(s, p)
        try:
            return float(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    def key(self, iri: str) -> str | None:
        value = self._literal_value(iri, P["key"])
        return str(value) if value is not None else None

    def texts(self, s: str, p: str) -> dict[str, str]:
        """Language-tagged texts of one property, first per language ('' for untagged)."""
        result: dict[str, str] = {}
        for o in self.objects(s, p):
            if isinstance(o, Literal):
                result.setdefault(o.language or "", str(o))
        return result

    def text_lists(self, s: str, p: str) -> dict[str, list[str]]:
        result: dict[str, list[str]] = defaultdict(list)
        for o in self.objects(s, p):
            if isinstance(o, Literal):
                result[o.language or ""].append(str(o))
        return dict(result)

    def labels(self, iri: str) -> dict[str, str]:
        """All labels of a node by language: skos:prefLabel, else rdfs:label, else a unit symbol or the IRI's tail."""
        cached = self._labels.get(iri)
        if cached is None:
            cached = (self.texts(iri, PREF) or self.texts(iri, RDFS_LABEL) or property_labels(iri)
                      or self._link_labels(iri) or self._part_labels(iri))
            if not cached:
                symbol = self._literal_value(iri, SYMBOL)
                # an address outside the knowledge base (a source's web page, a QUDT unit) is shown whole: its
                # tail alone is an opaque code (84c244ca….html, HR)
                tail = re.split(r"[/#]", iri.rstrip("/"))[-1] if iri.startswith(ID_BASE) else iri
                cached = {"": str(symbol) if symbol else tail}
            self._labels[iri] = cached
        return cached

    def _link_labels(self, iri: str) -> dict[str, str]:
        """A sector's link to a shared measure carries no label of its own (kb/README.md): it is named by the
        measure and the sector, 雨污分流（造纸）, never by its id."""
        measure, sector = self.first_iri(iri, P["linksMeasure"]), self.first_iri(iri, P["sector"])
        if measure is None or measure == iri:
            return {}
        names = self.labels(measure)
        places = self.labels(sector) if sector else {}
        return {lang: (f"{text}（{places[lang]}）" if lang == "zh" else f"{text} ({places[lang]})")
                if lang in places else text for lang, text in names.items()}

    def _part_labels(self, iri: str) -> dict[str, str]:
        """A node without a name of its own: a fragment of an entry (#target-2, #saving-1) is named by the property
        that leads to it and its number (目标 2); a blank node of the ontology is an unnamed node, never its hash."""
        if ":" not in iri:
            return dict(UNNAMED_NODE)
        entry, _, fragment = iri.partition("#")
        if not fragment:
            return {}
        number = re.search(r"-(\d+)$", fragment)
        suffix = f" {number.group(1)}" if number else ""
        for p, objs in self.out.get(entry, {}).items():
            if any(str(o) == iri for o in objs):
                return {lang: text + suffix for lang, text in self.labels(p).items() if lang}
        return {}

    def label(self, iri: str, lang: str) -> Picked:
        return pick(self.labels(iri), lang)

    def kind(self, iri: str) -> str | None:
        return self.kinds.get(iri)

    def sector_of(self, iri: str) -> str | None:
        return self.first_iri(entry_of(iri), P["sector"])

    def term(self, iri: str, lang: str) -> dict:
        """A link to a node as pages and their JSON show it: IRI, app address, label in `lang`, kind."""
        cache_key = (iri, lang)
        cached = self._term_cache.get(cache_key)
        if cached is None:
            cached = {"iri": iri, "href": href_of(iri), "label": self.label(iri, lang).as_json(),
                      "kind": self.kinds.get(iri)}
            self._term_cache[cache_key] = cached
        return cached

    def sort_terms(self, iris, lang: str) -> list[dict]:
        """Terms ordered by production order where they have one, then by label."""
        return sorted((self.term(i, lang) for i in iris),
                      key=lambda t: (self.number(t["iri"], P["order"]) or 0, collation_key(t["label"]["text"])))

    def graph_of(self, iri: str) -> Graph:
        """The entry with its fragment nodes (effects, benchmarks, citations, conditions) as an rdflib Graph."""
        graph = Graph()
        for s in [iri, *self.fragments.get(iri, [])]:
            for p, objs in self.out.get(s, {}).items():
                for o in objs:
                    graph.add((URIRef(s), URIRef(p), o))
        return graph

    # ------------------------------------------------------------------ sectors

    def _build_sectors(self) -> None:
        self.sector_counts: dict[str, dict[str, int]] = {}
        for sector in self.by_kind.get("Sector", []):
            counts = {kind: 0 for kind in SECTOR_COUNTED}
            for member in self.subjects(P["sector"], sector):
                kind = self.kinds.get(member)
                if kind in counts:
                    counts[kind] += 1
            self.sector_counts[sector] = counts

    # ------------------------------------------------------------------ measures and facets

    def facet_value_key(self, iri: str) -> str:
        """The short name of a facet value in URLs: the vocabulary key, or the id path under /id/."""
        if iri.startswith(ID_BASE):
            return iri[len(ID_BASE):]
        return self.key(iri) or iri

    def _build_measures(self) -> None:
        self.measures: list[MeasureRow] = []
        self.facet_iri: dict[tuple[str, str], str] = {}
        for m in sorted(self.by_kind.get("Measure", [])):
            problems, processes = self.iris(m, P["addresses"]), self.iris(m, P["process"])
            links = self.subjects(P["linksMeasure"], m)  # a shared measure reaches sectors through their links
            linked = sorted({s for link in links for s in self.iris(link, P["sector"])})
            for link in links:
                problems += [x for x in self.iris(link, P["addresses"]) if x not in problems]
                processes += [x for x in self.iris(link, P["process"]) if x not in processes]
            effects, pollutants = [], set()
            for e in self.iris(m, P["hasEffect"]):
                target = (self.first_iri(e, P["onIndicator"]) or self.first_iri(e, P["onPollutant"])
                          or self.first_iri(e, P["onConsumption"]))
                if self.first_iri(e, P["onPollutant"]):
                    pollutants.add(self.first_iri(e, P["onPollutant"]))
                effects.append({"iri": e, "target": target, "min": self.number(e, P["minChangePct"]),
                                "max": self.number(e, P["maxChangePct"]), "basis": self.texts(e, P["basis"])})
            for prob in problems:
                pollutants.update(self.iris(prob, P["concernsPollutant"]))
            row = MeasureRow(
                iri=m, sector=self.first_iri(m, P["sector"]), processes=processes, linked_sectors=linked,
                problems=problems, pollutants=sorted(pollutants), cost=self.first_iri(m, P["costClass"]),
                route=self.first_iri(m, P["route"]), effects=effects,
                payback=(self.number(m, P["minPaybackYears"]), self.number(m, P["maxPaybackYears"])))
            values = {"sector": [row.sector] if row.sector else row.linked_sectors, "process": row.processes,
                      "problem": row.problems, "pollutant": row.pollutants,
                      "cost": [row.cost] if row.cost else [], "route": [row.route] if row.route else []}
            for facet, iris in values.items():
                keys = set()
                for iri in iris:
                    key = self.facet_value_key(iri)
                    self.facet_iri[(facet, key)] = iri
                    keys.add(key)
                row.facet_keys[facet] = keys
            self.measures.append(row)

    def filter_measures(self, selected: dict[str, set[str]], skip: str | None = None) -> list[MeasureRow]:
        """Measures matching every selected facet (any of the values within one facet), ignoring `skip`."""
        rows = self.measures
        for facet, keys in selected.items():
            if facet != skip and keys:
                rows = [r for r in rows if r.facet_keys[facet] & keys]
        return rows

    def facet_values(self) -> dict[str, set[str]]:
        """Every value each facet can take: its kind's entries or vocabulary (a valid value may match nothing)."""
        if self._facet_values is None:
            kinds = {"sector": "Sector", "process": "Process", "problem": "Problem", "pollutant": "Pollutant",
                     "cost": "CostClass", "route": "Route"}
            self._facet_values = {facet: {self.facet_value_key(iri) for iri in self.by_kind.get(kind, [])}
                                  for facet, kind in kinds.items()}
        return self._facet_values

    def facet_counts(self, selected: dict[str, set[str]]) -> dict[str, dict[str, int]]:
        """For each facet, how many measures each value gives together with the other facets' selection."""
        counts: dict[str, dict[str, int]] = {}
        for facet in FACETS:
            tally: dict[str, int] = defaultdict(int)
            for row in self.filter_measures(selected, skip=facet):
                for key in row.facet_keys[facet]:
                    tally[key] += 1
            counts[facet] = dict(tally)
        return counts

    # ------------------------------------------------------------------ search

    def _build_search(self) -> None:
        self.search_docs: list[SearchDoc] = []
        for s, kind in self.kinds.items():
            if "#" in s or kind in ("Effect", "Benchmark", "Citation", "Property_", "Class_"):
                continue
            fields = []
            for rank, prop in ((0, PREF), (1, ALT), (2, DEF)):
                for o in self.objects(s, prop):
                    if isinstance(o, Literal):
                        text = normalise(str(o))
                        fields.append((rank, o.language or "", text, tuple(_WORD.findall(text))))
            if kind == "SourceDocument":
                for o in self.objects(s, str(CPKB["documentNumber"])):
                    text = normalise(str(o))
                    fields.append((1, "", text, tuple(_WORD.findall(text))))
            if fields:
                self.search_docs.append(SearchDoc(s, kind, fields))

    def search(self, query: str, limit: int) -> tuple[list[dict], bool]:
        """Entries matching the query, best first, at most `limit`; also whether more matched.

        A Chinese query matches as a substring; an English one when each of its words starts a word of the
        text. Rank: exact label, exact alternative name, label prefix, label match, alternative-name match,
        definition match; then shorter labels first.
        """
        q = normalise(query)
        if not q:
            return [], False
        words = _WORD.findall(q)
        by_words = bool(words) and not _CJK.search(q)  # English: every word starts a word of the text
        hits = []
        for doc in self.search_docs:
            best = None
            for rank, lang, text, tokens in doc.fields:
                if text == q:
                    tier = 0 if rank == 0 else (1 if rank == 1 else 6)
                elif rank < 2 and text.startswith(q):
                    tier = 2 if rank == 0 else 3
                elif q in text or (by_words and _all_word_prefixes(words, tokens)):
                    tier = 4 if rank == 0 else (5 if rank == 1 else 6)
                else:
                    continue
                if best is None or tier < best[0]:
                    best = (tier, rank, lang, text)
            if best is not None:
                hits.append((best[0], len(best[3]) if best[1] < 2 else 999, doc.iri, best, doc.kind))
        # A name that several entries carry inside their own label is a topic, not a synonym of the one entry that
        # lists it as an alternative: 镀铬 is an alternative name of the process 电镀 (so that surveys may write it),
        # but 三价铬镀铬 and 六价铬装饰镀铬 are what a reader searching 镀铬 looks for. Such an exact
        # alternative-name hit then ranks after the label matches.
        in_labels = sum(1 for h in hits if h[3][1] == 0 and h[0] in (2, 4))
        if in_labels >= 2:
            hits = [(4.5 if tier == 1 else tier, *rest) for tier, *rest in hits]
        hits.sort(key=lambda h: (h[0], h[1], h[2]))
        truncated = len(hits) > limit
        results = [{"iri": iri, "kind": kind, "tier": int(tier) if tier != 4.5 else 5,
                    "field": ("label", "alt", "definition")[best[1]], "lang": best[2]}
                   for tier, _, iri, best, kind in hits[:limit]]
        return results, truncated


def _all_word_prefixes(words: list[str], tokens: tuple[str, ...]) -> bool:
    return all(any(tok.startswith(w) for tok in tokens) for w in words)


def _natural_key(text: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


# ---------------------------------------------------------------------- one index per app

_EXTENSION = "cpkb_index"


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = {"index": None, "lock": threading.Lock()}


def get_index() -> KBIndex:
    """The app's index, built on first use from the store (the knowledge base is read-only while serving)."""
    from .store_handle import get_store

    slot = current_app.extensions[_EXTENSION]
    if slot["index"] is None:
        store = get_store()
        with slot["lock"]:
            if slot["index"] is None:
                slot["index"] = KBIndex(store.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))
    return slot["index"]
