"""The knowledge the engine needs, read once from the store into plain Python objects.

The engine evaluates rules over thousands of enterprises; walking RDF per enterprise would be slow, so
the store is read once per knowledge-base version into these dataclasses and a name index.
"""

from __future__ import annotations

import gc
import threading
import unicodedata
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import lru_cache

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from cpkb.kb.namespaces import CPKB, KB_IRI
from cpkb.kb.store import Store

from .compact_graph import CompactGraph
from .knowledge_model import (Derived, Economics, IndicatorRules, RequirementSet, StatusBasis, load_derived,
                              load_economics, load_indicator_rules, load_requirements, load_status_bases, load_targets)

LEVELS = ("I", "II", "III")


def normalise(name: str) -> str:
    """How names are matched: case, full-/half-width forms and surrounding or inner spaces ignored."""
    return _normalised(name) if type(name) is str else _normalised(str(name))


@lru_cache(maxsize=1 << 16)   # a survey writes the same few hundred names in every enterprise
def _normalised(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


@dataclass
class Labels:
    zh: str = ""
    en: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


@dataclass
class Indicator:
    iri: str
    labels: Labels
    sector: str
    system: str
    category: str
    category_labels: Labels
    category_weight: float | None
    weight: float | None
    unit: str | None             # unit IRI
    direction: str | None        # "lower" | "higher" | None (qualitative)
    limiting: bool
    benchmarks: dict[str, float] = field(default_factory=dict)      # level -> value
    requirements: dict[str, Labels] = field(default_factory=dict)   # level -> text (qualitative)
    rules: IndicatorRules = field(default_factory=IndicatorRules)   # variants, applicability, weight rule, scenario

    @property
    def quantitative(self) -> bool:
        # measured by a number: benchmarks or benchmark variants, or a unit even where the source's benchmarks
        # are not (yet) known — such an indicator still takes a measured value that rules can compare
        return bool(self.benchmarks) or bool(self.rules.variants) or self.unit is not None

    @property
    def scorable(self) -> bool:
        """Whether a level can be read off it: a qualitative indicator is answered with the level itself; a
        measured one needs benchmarks (or variants) — one with a unit but no known benchmark cannot be levelled."""
        return bool(self.benchmarks) or bool(self.rules.variants) or self.unit is None

    def meets(self, value: float, level: str) -> bool | None:
        """Whether a value meets the level (None when the source gives no benchmark for it)."""
        bench = self.benchmarks.get(level)
        if bench is None:
            return None
        return value <= bench if self.direction == "lower" else value >= bench

    def level_reached(self, value: float) -> str | None:
        """The best level a value meets; levels are cumulative (meeting I means meeting II and III)."""
        for level in LEVELS:
            if self.meets(value, level):
                return level
        return None


@dataclass
class Effect:
    target: str          # IRI of indicator, pollutant or consumption
    target_kind: str     # indicator | pollutant | consumption
    min_pct: float | None          # relative mode: % change, low..high
    max_pct: float | None
    basis: Labels
    verified: bool
    mode: str = "relative"         # relative | target | absolute
    acts_on: str | None = None     # generated | emitted (pollutant effects)
    level: str | None = None       # target mode: the level the indicator is brought to
    amount: tuple[float, float] | None = None   # absolute mode, in `unit`
    unit: str | None = None


@dataclass
class Measure:
    iri: str
    labels: Labels
    sector: str
    addresses: list[str]
    processes: list[str]
    cost: str                       # low | high
    route: str
    introduces: list[str]
    replaces: list[str]
    applies_when: URIRef | None
    effects: list[Effect]
    sources: list[str]
    applicability: Labels
    economics: Economics = field(default_factory=Economics)
    shared: str | None = None       # a sector's link to a shared measure: the shared measure's IRI
    scale: str = "enterprise"       # enterprise | park (shared measures)
    also_when: URIRef | None = None  # a link's own prerequisite, which holds together with the shared one
    note: Labels | None = None      # a link's note: what is particular to the sector
    add_on: bool = False            # an end-of-pipe stage in series after an existing one (kb/README.md)
    park_emitters: list[str] = field(default_factory=list)   # park measure: proposed where ≥ 2 enterprises emit these


@dataclass
class Rule:
    iri: str
    labels: Labels
    sector: str
    problem: str
    severity: str
    condition: URIRef
    sources: list[str]


@dataclass
class Problem:
    iri: str
    labels: Labels
    sector: str
    category: str
    processes: list[str]


@dataclass
class Knowledge:
    """Everything the engine reads from the store, with a name index per kind of concept."""

    version: str
    graph: CompactGraph      # what the engine still reads as triples (conditions …): DROPPED left out
    labels: dict[str, Labels]
    kinds: dict[str, str]                       # IRI -> kind (process, technique …)
    sector_of: dict[str, str]                   # IRI -> sector IRI
    names: dict[str, dict[str, set[str]]]       # kind -> normalised name -> IRIs
    display_names: dict[str, dict[str, str]]    # kind -> IRI -> a name to show in suggestions
    process_order: dict[str, int]
    technique_processes: dict[str, set[str]]
    technique_status: dict[str, str]
    indicators: dict[str, Indicator]
    problems: dict[str, Problem]
    measures: dict[str, Measure]
    rules: list[Rule]
    units: dict[str, dict]                      # unit IRI -> {symbol, pint, definition}
    facts: dict[str, dict]                      # fact IRI -> {key, datatype, unit, choices}
    products: dict[str, dict]                   # product IRI -> {unit}
    sources: dict[str, Labels]
    pollutant_roles: dict[str, set[str]]
    regions: dict[str, dict]
    basins: dict[str, dict]
    resources: dict[str, dict]
    qualities: dict[str, dict] = field(default_factory=dict)   # stream quality IRI -> {unit, reads, format}
    alt_names: dict[str, list[str]] = field(default_factory=dict)   # IRI -> alternative names and key, as written
    requirement_sets: dict[str, RequirementSet] = field(default_factory=dict)
    derived: dict[str, Derived] = field(default_factory=dict)
    status_bases: dict[str, list[StatusBasis]] = field(default_factory=dict)   # technique IRI -> its bases
    sector_targets: dict[str, list[dict]] = field(default_factory=dict)        # sector IRI -> reduction targets
    generation_factors: list[dict] = field(default_factory=list)   # 产排污系数, to estimate unreported loads
    document_numbers: dict[str, str] = field(default_factory=dict)   # source IRI -> DB33/2146-2018, GB 16297-1996
    # system -> (products, processes, the broader products of those products: 食糖 above 甘蔗糖, which decide nothing)
    system_scopes: dict[str, tuple[frozenset, frozenset, frozenset]] = field(default_factory=dict)
    _label_dicts: dict[str, dict[str, str]] = field(default_factory=dict)

    def __getstate__(self) -> dict:
        """Its fields, and the name matcher when built (seconds to make again); what else is derived from it
        later (unit registry, place index …) is made again after loading."""
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        if getattr(self, "_name_matcher", None) is not None:
            state["_name_matcher"] = self._name_matcher
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def label(self, iri: str) -> dict[str, str]:
        """{zh, en} labels of an IRI (one shared dict per IRI: callers must not change it)."""
        found = self._label_dicts.get(iri)
        if found is None:
            found = self._label_dicts[iri] = self.labels.get(iri, Labels(iri, iri)).as_dict()
        return found

    def product_unit(self, sector: str | None) -> str | None:
        """The unit IRI a sector's output is counted in, when all its products share one; None otherwise."""
        units = {p["unit"] for iri, p in self.products.items() if self.sector_of.get(iri) == sector and p["unit"]}
        return units.pop() if len(units) == 1 else None

    def of_sector(self, kind: str, sector: str) -> list[str]:
        return [iri for iri, k in self.kinds.items() if k == kind and self.sector_of.get(iri) == sector]


KIND_OF_CLASS = {
    CPKB.Sector: "sector", CPKB.Process: "process", CPKB.Technique: "technique", CPKB.Indicator: "indicator",
    CPKB.MaterialType: "material", CPKB.Property: "property", CPKB.Pollutant: "pollutant", CPKB.Region: "region",
    CPKB.Basin: "basin", CPKB.ResourceType: "resource", CPKB.Unit: "unit", CPKB.SurveyFact: "fact",
    CPKB.Product: "product", CPKB.Problem: "problem", CPKB.Measure: "measure", CPKB.Rule: "rule",
    CPKB.Consumption: "consumption", CPKB.PilotType: "pilot_type", CPKB.RequirementSet: "requirement",
    CPKB.DerivedQuantity: "derived", CPKB.GenerationFactor: "generation-factor", CPKB.StreamQuality: "quality",
}

# Read only while the Knowledge is built (labels, names, citations, notes, document records): the graph the
# engine keeps leaves them out, half the triples, so that a cached Knowledge loads fast. CompactGraph refuses a
# lookup of these, so a reader that needs one fails in its first test instead of finding nothing.
DROPPED = (SKOS.altLabel, SKOS.note, RDFS.label, RDFS.comment, DCTERMS.source, DCTERMS.title, DCTERMS.publisher,
           DCTERMS.issued, DCTERMS.relation, CPKB.citation, CPKB.document, CPKB.clause, CPKB.verified,
           CPKB.conditionText, CPKB.applicability, CPKB.documentStatus, CPKB.documentKind, CPKB.documentNumber)

_DERIVED_LOCK = threading.RLock()


def derived(kb: "Knowledge", attr: str, build):
    """What is built once from a knowledge base (name matcher, place index) and lives and dies with it."""
    found = getattr(kb, attr, None)
    if found is not None:   # built already: no lock needed to read it
        return found
    with _DERIVED_LOCK:
        found = getattr(kb, attr, None)
        if found is None:
            found = build(kb)
            setattr(kb, attr, found)
        return found


def _objects_of(prop) -> Callable[["Knowledge"], dict[str, str]]:
    def build(kb: "Knowledge") -> dict[str, str]:
        subjects = set(kb.graph.subjects(prop, None))
        return {str(s): str(kb.graph.value(s, prop)) for s in subjects}
    return build


_MEASURED_AS = _objects_of(CPKB.measuredAs)
_MEDIUM = _objects_of(CPKB.medium)


def _water(kb: "Knowledge") -> frozenset[str]:
    return frozenset(iri for iri, medium in _MEDIUM(kb).items() if medium == "water")


def _sets_by_sector(kb: "Knowledge") -> dict[str, list]:
    out: dict[str, list] = {}
    for req in sorted(kb.requirement_sets.values(), key=lambda r: r.iri):
        out.setdefault(req.sector, []).append(req)
    return out


def water_pollutants(kb: "Knowledge") -> frozenset[str]:
    """The pollutants whose medium is water (a figure of one names a discharge route), built once per knowledge."""
    return derived(kb, "_water_pollutants", _water)


def pollutant_media(kb: "Knowledge") -> dict[str, str]:
    """pollutant IRI -> its medium (air, water …), built once per knowledge."""
    return derived(kb, "_pollutant_media", _MEDIUM)


def measured_as(kb: "Knowledge") -> dict[str, str]:
    """pollutant IRI -> the item standards limit it by (VOCs -> NMHC), built once per knowledge."""
    return derived(kb, "_measured_as", _MEASURED_AS)


def requirement_sets_of(kb: "Knowledge", sector: str) -> list:
    """The requirement sets of a sector in IRI order, grouped once per knowledge (not once per enterprise)."""
    return derived(kb, "_requirement_sets_by_sector", _sets_by_sector).get(sector, [])


_CACHE: "weakref.WeakKeyDictionary[Store, Knowledge]" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def knowledge_for(store: Store) -> Knowledge:
    """The knowledge of a store, read once and reused while the store's version stays the same."""
    version_rows = store.select(f"SELECT ?v WHERE {{ <{KB_IRI}> <{OWL.versionInfo}> ?v }}")
    version = str(version_rows.rows[0]["v"]) if version_rows.rows else "unknown"
    with _LOCK:
        cached = _CACHE.get(store)
        if cached is None or cached.version != version:
            cached = load_knowledge(store.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"), version)
            _CACHE[store] = cached
            # ~330,000 objects living as long as the store: left to the cyclic collector, every full collection
            # of a long-running process (the web server's) rescans them, a pause that grows with them, inside some
            # visitor's request. Frozen, they are never scanned; reference counting still frees them.
            gc.freeze()
        return cached


def _labels(graph: Graph, iri) -> Labels:
    found = Labels()
    for label in graph.objects(iri, SKOS.prefLabel):
        if isinstance(label, Literal) and label.language in ("zh", "en"):
            setattr(found, label.language, str(label))
    found.zh = found.zh or found.en or str(iri)
    found.en = found.en or found.zh
    return found


def _key(graph: Graph, iri) -> str:
    value = graph.value(iri, CPKB.key)
    return str(value) if value is not None else ""


def _num(value) -> float | None:
    return float(value) if value is not None else None


def _strs(graph: Graph, subject, prop) -> list[str]:
    return sorted(str(o) for o in graph.objects(subject, prop))


def _system_scope(graph: Graph, system) -> tuple[frozenset, frozenset, frozenset]:
    """Whom an indicator system grades: its products, its processes, and the products broader than its products
    (食糖 above 甘蔗糖): a maker who names only such a general product has not said which system is its own."""
    products = frozenset(map(str, graph.objects(system, CPKB.product)))
    general = frozenset(str(b) for p in products for b in graph.transitive_objects(URIRef(p), SKOS.broader)) - products
    return products, frozenset(map(str, graph.objects(system, CPKB.process))), general


def load_knowledge(graph: Graph, version: str) -> Knowledge:
    """Build the engine's view of the knowledge base from its RDF graph."""
    kinds: dict[str, str] = {}
    for cls, kind in KIND_OF_CLASS.items():
        for s in graph.subjects(RDF.type, cls):
            kinds[str(s)] = kind
    labels = {iri: _labels(graph, URIRef(iri)) for iri in kinds}
    sector_of = {str(s): str(o) for s, o in graph.subject_objects(CPKB.sector)}
    names, display, alt_names = _name_index(graph, kinds, labels)
    vocab_key = {str(s): str(o) for s, o in graph.subject_objects(CPKB.key)}

    def keys(subject, prop) -> list[str]:
        return sorted(vocab_key.get(str(o), str(o)) for o in graph.objects(subject, prop))

    def first_key(subject, prop) -> str:
        found = keys(subject, prop)
        return found[0] if found else ""

    indicators = {}
    for iri, kind in kinds.items():
        if kind != "indicator":
            continue
        s = URIRef(iri)
        category = graph.value(s, CPKB.indicatorCategory)
        ind = Indicator(iri, labels[iri], sector_of.get(iri, ""), str(graph.value(s, CPKB.indicatorSystem)),
                        str(category), _labels(graph, category), _num(graph.value(category, CPKB.weight)),
                        _num(graph.value(s, CPKB.weight)),
                        str(graph.value(s, CPKB.unit)) if graph.value(s, CPKB.unit) else None,
                        first_key(s, CPKB.direction) or None, bool(graph.value(s, CPKB.limiting)))
        for bench in graph.objects(s, CPKB.hasBenchmark):
            level = first_key(bench, CPKB.level)
            value = graph.value(bench, CPKB.value)
            if value is not None:
                ind.benchmarks[level] = float(value)
            req = [lit for lit in graph.objects(bench, CPKB.requirement) if isinstance(lit, Literal)]
            if req:
                text = Labels()
                for lit in req:
                    setattr(text, lit.language or "zh", str(lit))
                ind.requirements[level] = text
        ind.rules = load_indicator_rules(graph, s, lambda node: vocab_key.get(str(node), str(node)))
        indicators[iri] = ind

    problems = {iri: Problem(iri, labels[iri], sector_of.get(iri, ""), first_key(URIRef(iri), CPKB.category),
                             _strs(graph, URIRef(iri), CPKB.process))
                for iri, kind in kinds.items() if kind == "problem"}
    measures = {iri: _measure(graph, iri, labels, sector_of, kinds, first_key)
                for iri, kind in kinds.items() if kind == "measure"}
    measures.update(_linked_measures(graph, measures, labels, sector_of))
    rules = [Rule(iri, labels[iri], sector_of.get(iri, ""), str(graph.value(URIRef(iri), CPKB.detects)),
                  first_key(URIRef(iri), CPKB.severity), graph.value(URIRef(iri), CPKB.condition),
                  _strs(graph, URIRef(iri), DCTERMS.source))
             for iri, kind in sorted(kinds.items()) if kind == "rule"]

    def rows(kind: str, fields: dict) -> dict[str, dict]:
        return {iri: {name: fn(URIRef(iri)) for name, fn in fields.items()}
                for iri, k in kinds.items() if k == kind}

    value = lambda prop: (lambda s: (str(graph.value(s, prop)) if graph.value(s, prop) is not None else None))
    many = lambda prop: (lambda s: _strs(graph, s, prop))
    units = rows("unit", {"symbol": value(URIRef("http://qudt.org/schema/qudt/symbol")),
                          "pint": value(CPKB.pintExpression), "definition": value(CPKB.pintDefinition),
                          "dimension": value(CPKB.dimension)})
    label_of = lambda iri: labels[iri].as_dict() if iri in labels else _labels(graph, URIRef(iri)).as_dict()
    return Knowledge(
        version=version, graph=CompactGraph(graph, DROPPED), labels=labels, kinds=kinds, sector_of=sector_of,
        names=names, display_names=display, alt_names=alt_names,
        process_order={iri: int(graph.value(URIRef(iri), CPKB.order) or 0) for iri, k in kinds.items() if k == "process"},
        technique_processes={iri: set(_strs(graph, URIRef(iri), CPKB.process)) for iri, k in kinds.items()
                             if k == "technique"},
        technique_status={iri: first_key(URIRef(iri), CPKB.status) for iri, k in kinds.items() if k == "technique"},
        indicators=indicators, problems=problems, measures=measures, rules=rules,
        units=units,
        facts={iri: {"key": _key(graph, URIRef(iri)), "datatype": str(graph.value(URIRef(iri), CPKB.datatype) or ""),
                     "unit": value(CPKB.unit)(URIRef(iri)), "choices": _strs(graph, URIRef(iri), CPKB.choice),
                     "choice_names": _choice_names(graph, URIRef(iri)),
                     "choice_labels": _choice_labels(graph, URIRef(iri))}
               for iri, k in kinds.items() if k == "fact"},
        products=rows("product", {"unit": value(CPKB.productUnit)}),
        sources={str(s): _labels(graph, s) for s in graph.subjects(RDF.type, CPKB.SourceDocument)},
        document_numbers={str(s): str(n) for s, n in graph.subject_objects(CPKB.documentNumber)},
        system_scopes={str(s): _system_scope(graph, s) for s in graph.subjects(RDF.type, CPKB.IndicatorSystem)
                       if (s, CPKB.product, None) in graph or (s, CPKB.process, None) in graph},
        pollutant_roles={iri: set(keys(URIRef(iri), CPKB.role)) for iri, k in kinds.items() if k == "pollutant"},
        regions=rows("region", {"key_pollutants": many(CPKB.keyPollutant), "sectors": many(CPKB.prioritySector),
                                "targets": lambda s: load_targets(graph, s), "places": many(CPKB.coversPlace)}),
        basins=rows("basin", {"key_pollutants": many(CPKB.keyPollutant), "sectors": many(CPKB.prioritySector),
                              "targets": lambda s: load_targets(graph, s), "places": many(CPKB.coversPlace)}),
        resources=rows("resource", {"form": value(CPKB.form), "can_serve_as": many(CPKB.canServeAs),
                                    "tmin": value(CPKB.temperatureMinC), "tmax": value(CPKB.temperatureMaxC),
                                    "needs": many(CPKB.needsAttribute), "unit": value(CPKB.unit),
                                    "hw_codes": many(CPKB.code), "citations": lambda s: _citations(graph, s),
                                    "mistaken_for": many(CPKB.mistakenFor), "treatable": many(CPKB.treatableQuality),
                                    "density": value(CPKB.densityKgPerNm3),
                                    "treatment": lambda s: _labels_of(graph, s, CPKB.treatment),
                                    "needs_identification": value(CPKB.needsIdentification),
                                    "shared_facility": many(CPKB.sharedFacility),
                                    "shared_network": many(CPKB.sharedNetwork),
                                    "regulatory": lambda s: _labels_of(graph, s, CPKB.regulatory)}),
        qualities=rows("quality", {"unit": value(CPKB.unit), "reads": lambda s: first_key(s, CPKB.demandReads),
                                   "format": value(CPKB.valueFormat), "molar_mass": value(CPKB.componentMolarMass),
                                   "equivalent_as": value(CPKB.equivalentAs)}),
        requirement_sets=load_requirements(graph, sector_of, label_of),
        derived=load_derived(graph, sector_of, label_of, units),
        status_bases=load_status_bases(graph),
        sector_targets={iri: load_targets(graph, URIRef(iri)) for iri, k in kinds.items() if k == "sector"},
        generation_factors=load_generation_factors(graph, sector_of),
    )


def _citations(graph: Graph, subject) -> list[dict]:
    """An entry's citations: document IRI, clause and whether it was read."""
    out = []
    for cite in graph.objects(subject, CPKB.citation):
        doc = graph.value(cite, CPKB.document)
        if doc is not None:
            clause = graph.value(cite, CPKB.clause)
            out.append({"document": str(doc), "clause": str(clause) if clause is not None else None,
                        "verified": bool(graph.value(cite, CPKB.verified))})
    return sorted(out, key=lambda c: (c["document"], c["clause"] or ""))


def _labels_of(graph: Graph, subject, prop) -> dict[str, str] | None:
    found = {lit.language or "zh": str(lit) for lit in graph.objects(subject, prop) if isinstance(lit, Literal)}
    return found or None


def load_generation_factors(graph: Graph, sector_of: dict[str, str]) -> list[dict]:
    """Generation factors (产排污系数): pollutant mass per unit of product, with what they apply to."""
    out = []
    for s in graph.subjects(RDF.type, CPKB.GenerationFactor):
        iri = str(s)
        out.append({"iri": iri, "sector": sector_of.get(iri), "pollutant": str(graph.value(s, CPKB.pollutant)),
                    "stage": str(graph.value(s, CPKB.emissionStage)), "value": float(graph.value(s, CPKB.factorValue)),
                    "unit": str(graph.value(s, CPKB.unit)), "product": _opt(graph.value(s, CPKB.product)),
                    "process": _opt(graph.value(s, CPKB.process)), "condition": graph.value(s, CPKB.appliesWhen),
                    "year": _opt_int(graph.value(s, CPKB.referenceYear)),
                    "per": str(graph.value(s, CPKB.factorBasis) or "product"),
                    "materials": sorted(str(m) for m in graph.objects(s, CPKB.material))})
    out.sort(key=lambda f: f["iri"])
    return out


def _opt(term) -> str | None:
    return str(term) if term is not None else None


def _opt_int(term) -> int | None:
    return int(term) if term is not None else None


def _choice_names(graph: Graph, fact: URIRef) -> dict[str, str]:
    """normalised id, label or alternative name -> the choice id, for answers given by name."""
    names = {normalise(str(c)): str(c) for c in graph.objects(fact, CPKB.choice)}
    for node in graph.objects(fact, CPKB.hasChoice):
        ident = str(graph.value(node, CPKB.key))
        for label in (*graph.objects(node, SKOS.prefLabel), *graph.objects(node, SKOS.altLabel)):
            names[normalise(str(label))] = ident
    return names


def _choice_labels(graph: Graph, fact: URIRef) -> dict[str, dict[str, str]]:
    """choice id -> its labels, so that answers are printed by name (镍、锌), never by id."""
    return {str(graph.value(node, CPKB.key)): _labels(graph, node).as_dict()
            for node in graph.objects(fact, CPKB.hasChoice)}


def _measure(graph: Graph, iri: str, labels, sector_of, kinds, first_key) -> Measure:
    s = URIRef(iri)
    effects = _measure_effects(graph, s)
    applicability = Labels()
    for lit in graph.objects(s, CPKB.applicability):
        setattr(applicability, lit.language or "zh", str(lit))
    scale = graph.value(s, CPKB.scale)
    return Measure(iri, labels[iri], sector_of.get(iri, ""), _strs(graph, s, CPKB.addresses),
                   _strs(graph, s, CPKB.process), first_key(s, CPKB.costClass), first_key(s, CPKB.route),
                   _strs(graph, s, CPKB.introduces), _strs(graph, s, CPKB.replaces),
                   graph.value(s, CPKB.appliesWhen), effects, _strs(graph, s, DCTERMS.source), applicability,
                   load_economics(graph, s), scale=str(graph.value(scale, CPKB.key)) if scale is not None else "enterprise",
                   add_on=bool(graph.value(s, CPKB.addOn)), park_emitters=_strs(graph, s, CPKB.proposedForEmittersOf))


def _measure_effects(graph: Graph, s) -> list[Effect]:
    effects = []
    for node in graph.objects(s, CPKB.hasEffect):
        for prop, kind in ((CPKB.onIndicator, "indicator"), (CPKB.onPollutant, "pollutant"),
                           (CPKB.onConsumption, "consumption")):
            target = graph.value(node, prop)
            if target is not None:
                basis = Labels()
                for lit in graph.objects(node, CPKB.basis):
                    setattr(basis, lit.language or "zh", str(lit))
                verified = all(bool(graph.value(c, CPKB.verified)) for c in graph.objects(node, CPKB.citation))
                low, high = graph.value(node, CPKB.minAmount), graph.value(node, CPKB.maxAmount)
                level = graph.value(node, CPKB.targetLevel)
                effects.append(Effect(
                    str(target), kind, _num(graph.value(node, CPKB.minChangePct)),
                    _num(graph.value(node, CPKB.maxChangePct)), basis, verified,
                    str(graph.value(node, CPKB.effectMode) or "relative"),
                    str(graph.value(node, CPKB.actsOn)) if graph.value(node, CPKB.actsOn) is not None else None,
                    str(graph.value(level, CPKB.key)) if level is not None else None,
                    (float(low), float(high)) if low is not None else None,
                    str(graph.value(node, CPKB.unit)) if graph.value(node, CPKB.unit) is not None else None))
    return effects


def _texts(graph: Graph, node, prop) -> Labels:
    found = Labels()
    for lit in graph.objects(node, prop):
        setattr(found, lit.language or "zh", str(lit))
    return found


def _linked_measures(graph: Graph, measures: dict[str, Measure], labels: dict[str, Labels],
                     sector_of: dict[str, str]) -> dict[str, Measure]:
    """A sector's link to a shared measure, as the engine sees it: the shared measure (labels, cost, route,
    effects, economics) with the sector's problems, processes, techniques, prerequisite and applicability. It is
    keyed by the link's IRI, so that it is one of the sector's measures everywhere a sector measure is."""
    out = {}
    for link in graph.subjects(RDF.type, CPKB.MeasureLink):
        shared = graph.value(link, CPKB.linksMeasure)
        base = measures.get(str(shared))
        if base is None:
            continue
        iri = str(link)
        labels[iri] = base.labels            # the link has no labels of its own: it is shown as the measure
        own = _measure_effects(graph, link)
        applicability = _texts(graph, link, CPKB.applicability)
        note = _texts(graph, link, SKOS.note)
        out[iri] = Measure(
            iri, base.labels, sector_of.get(iri, ""), _strs(graph, link, CPKB.addresses),
            _strs(graph, link, CPKB.process) or list(base.processes), base.cost, base.route,
            sorted(set(base.introduces) | set(_strs(graph, link, CPKB.introduces))),
            sorted(set(base.replaces) | set(_strs(graph, link, CPKB.replaces))),
            base.applies_when, [*base.effects, *own], sorted(set(base.sources) | set(_strs(graph, link, DCTERMS.source))),
            applicability if (applicability.zh or applicability.en) else base.applicability, base.economics,
            shared=base.iri, scale=base.scale, also_when=graph.value(link, CPKB.appliesWhen),
            note=note if (note.zh or note.en) else None)
        if applicability.zh or applicability.en:
            out[iri].applicability.zh = out[iri].applicability.zh or applicability.en
            out[iri].applicability.en = out[iri].applicability.en or applicability.zh
    return out


def _name_index(graph: Graph, kinds: dict[str, str], labels: dict[str, Labels]):
    """kind -> normalised name -> IRIs, from IRIs, keys, preferred and alternative labels (both languages)."""
    names: dict[str, dict[str, set[str]]] = {}
    display: dict[str, dict[str, str]] = {}
    alt_names: dict[str, list[str]] = {}
    for iri, kind in kinds.items():
        s = URIRef(iri)
        table = names.setdefault(kind, {})
        written = {iri, _key(graph, s)}
        written.update(str(l) for l in graph.objects(s, SKOS.prefLabel))
        alts = sorted({str(l) for l in graph.objects(s, SKOS.altLabel)} | ({_key(graph, s)} - {""}))
        alt_names[iri] = alts
        written.update(alts)
        if kind == "unit":
            symbol = graph.value(s, URIRef("http://qudt.org/schema/qudt/symbol"))
            if symbol is not None:
                written.add(str(symbol))
        if kind == "fact":
            written.add(_key(graph, s).replace("-", "_"))
        for name in written:
            if name:
                table.setdefault(normalise(name), set()).add(iri)
        display.setdefault(kind, {})[iri] = f"{labels[iri].zh} / {labels[iri].en}" if labels[iri].zh != labels[iri].en \
            else labels[iri].zh
    return names, display, alt_names
