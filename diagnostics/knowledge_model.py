"""The model-v2 knowledge the engine reads once from the store: requirement sets and their limits, derived
quantities with compiled formulas, benchmark variants, weight rules, scenarios, technique status with its basis,
measure economics and region/basin targets (kb/README.md "Model v2")."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from cpkb.kb.formula import CompiledFormula, compile_formula, registry_from_definitions
from cpkb.kb.namespaces import CPKB


def _text(graph: Graph, node, prop) -> dict[str, str]:
    out = {}
    for lit in graph.objects(node, prop):
        if isinstance(lit, Literal):
            out[lit.language or "zh"] = str(lit)
    if out:
        out.setdefault("zh", out.get("en", ""))
        out.setdefault("en", out.get("zh", ""))
    return out


def _float(value) -> float | None:
    return float(value) if value is not None else None


def _date(value) -> str | None:
    return str(value)[:10] if value is not None else None


def _key(graph: Graph, node) -> str:
    value = graph.value(node, CPKB.key)
    return str(value) if value is not None else ""


def _verified(graph: Graph, node) -> bool:
    return all(bool(graph.value(c, CPKB.verified)) for c in graph.objects(node, CPKB.citation))


def _citations(graph: Graph, node) -> list[dict]:
    out = []
    for cite in graph.objects(node, CPKB.citation):
        out.append({"document": str(graph.value(cite, CPKB.document)),
                    "clause": str(graph.value(cite, CPKB.clause)) if graph.value(cite, CPKB.clause) else None,
                    "verified": bool(graph.value(cite, CPKB.verified))})
    return sorted(out, key=lambda c: (c["document"], c["clause"] or ""))


# ---------------------------------------------------------------------- requirements

@dataclass
class Limit:
    iri: str
    key: str
    subject: str                 # pollutant, derived quantity or indicator IRI
    subject_kind: str            # pollutant | quantity | indicator
    low: float
    high: float
    unit: str | None             # unit IRI
    point: str                   # workshop-outlet | total-outlet | stack | boundary | in-plant | process
    o2_ref_pct: float | None
    averaging: str | None
    process: str | None
    clause: str | None
    applies_when: URIRef | None
    verified: bool

    @property
    def is_range(self) -> bool:
        return self.low != self.high


@dataclass
class RequirementSet:
    iri: str
    labels: dict[str, str]
    sector: str
    document: str
    clause: str | None
    area: str                    # general | special | ultra-low
    regions: list[str]
    basins: list[str]
    periods: list[tuple[str, str | None, str | None]]   # (new|existing, from, until) as YYYY-MM-DD
    applies_when: URIRef | None
    limits: list[Limit]
    places: list[tuple[str, str]] = field(default_factory=list)   # (division code prefix, name): a local standard
    limits_read: bool = True     # False: the standard binds but its table was not read (no limits)

    @property
    def local(self) -> bool:
        return bool(self.places)


def load_requirements(graph: Graph, sector_of: dict[str, str], labels) -> dict[str, RequirementSet]:
    out = {}
    for s in graph.subjects(RDF.type, CPKB.RequirementSet):
        limits = []
        for node in graph.objects(s, CPKB.hasLimit):
            subject, kind = None, ""
            for prop, k in ((CPKB.pollutant, "pollutant"), (CPKB.quantity, "quantity"), (CPKB.indicator, "indicator")):
                found = graph.value(node, prop)
                if found is not None:
                    subject, kind = str(found), k
            limits.append(Limit(
                str(node), _key(graph, node), subject or "", kind, float(graph.value(node, CPKB.minValue)),
                float(graph.value(node, CPKB.maxValue)),
                str(graph.value(node, CPKB.unit)) if graph.value(node, CPKB.unit) is not None else None,
                _key(graph, graph.value(node, CPKB.monitoringPoint)) if graph.value(node, CPKB.monitoringPoint) else "",
                _float(graph.value(node, CPKB.o2RefPct)),
                _key(graph, graph.value(node, CPKB.averaging)) if graph.value(node, CPKB.averaging) else None,
                str(graph.value(node, CPKB.inProcess)) if graph.value(node, CPKB.inProcess) else None,
                str(graph.value(node, CPKB.clause)) if graph.value(node, CPKB.clause) else None,
                graph.value(node, CPKB.appliesWhen), _verified(graph, node)))
        periods = [(str(graph.value(p, CPKB.sourceAge)), _date(graph.value(p, CPKB.validFrom)),
                    _date(graph.value(p, CPKB.validUntil))) for p in graph.objects(s, CPKB.appliesTo)]
        area = graph.value(s, CPKB.limitArea)
        iri = str(s)
        out[iri] = RequirementSet(
            iri, labels(iri), sector_of.get(iri, ""), str(graph.value(s, CPKB.document)),
            str(graph.value(s, CPKB.clause)) if graph.value(s, CPKB.clause) else None,
            _key(graph, area) if area is not None else "general",
            sorted(str(o) for o in graph.objects(s, CPKB.region)), sorted(str(o) for o in graph.objects(s, CPKB.basin)),
            sorted(periods, key=lambda p: (p[0], p[1] or "")), graph.value(s, CPKB.appliesWhen),
            sorted(limits, key=lambda lim: lim.key),
            sorted((str(graph.value(p, CPKB.divisionCode)), str(graph.value(p, CPKB.placeName)))
                   for p in graph.objects(s, CPKB.appliesInPlace)),
            graph.value(s, CPKB.limitsRead) is None or bool(graph.value(s, CPKB.limitsRead).toPython()))
    return out


# ---------------------------------------------------------------------- derived quantities

@dataclass
class FormulaInput:
    name: str
    kind: str                    # fact | indicator | output | emission | value | materials
    ref: str | None              # IRI of the fact, indicator or pollutant
    unit_expr: str               # pint expression the value is taken in
    stage: str | None = None
    value: float | None = None
    parts: tuple[tuple[str, float], ...] = ()    # materials input: (material IRI, share counted)
    labels: dict[str, str] | None = None         # a constant's or a materials sum's name for readers
    lines_of: str | None = None                  # lines input: the pollutant whose content each line carries
    counted: tuple[str, ...] = ()                # lines input: materials (or narrower) that must have a content
    if_absent: str | None = None                 # upper: absent counts 0 and the result is an upper bound


@dataclass
class Derived:
    iri: str
    labels: dict[str, str]
    sector: str
    formula: CompiledFormula
    inputs: list[FormulaInput]
    unit: str                    # unit IRI of the result
    gives_kind: str | None       # indicator | fact | emission | None (a quantity of its own)
    gives: str | None
    stage: str | None
    bound: str | None = None      # lower | upper: the formula only bounds its target (never fills it)
    tolerance: float = 2.0        # a reported figure this many times past the bound is queried
    balance: bool = False         # a mass balance: the baseline route `balance`


def _str_or_none(value) -> str | None:
    return None if value is None else str(value)


def load_derived(graph: Graph, sector_of, labels, units: dict[str, dict]) -> dict[str, Derived]:
    """Derived quantities with their formulas compiled against the knowledge base's units."""
    out = {}
    entries = list(graph.subjects(RDF.type, CPKB.DerivedQuantity))
    if not entries:
        return out
    registry = registry_from_definitions(u["definition"] for u in units.values() if u.get("definition"))
    product_unit = {}
    for product in graph.subjects(RDF.type, CPKB.Product):
        unit = graph.value(product, CPKB.productUnit)
        if unit is not None:
            product_unit.setdefault(sector_of.get(str(product), ""), units.get(str(unit), {}).get("pint"))
    for s in entries:
        iri = str(s)
        inputs = []
        for node in graph.objects(s, CPKB.hasInput):
            unit = graph.value(node, CPKB.unit)
            explicit = units.get(str(unit), {}).get("pint") if unit is not None else None
            name = str(graph.value(node, CPKB.inputName))
            if graph.value(node, CPKB.value) is not None:
                inputs.append(FormulaInput(name, "value", None, explicit or "dimensionless",
                                           value=float(graph.value(node, CPKB.value))))
            elif graph.value(node, CPKB.fromOutput) is not None:
                base = product_unit.get(sector_of.get(iri, ""))
                inputs.append(FormulaInput(name, "output", None, explicit or f"({base}) / year"))
            elif graph.value(node, CPKB.linesOf) is not None:
                inputs.append(FormulaInput(name, "lines", None, explicit, lines_of=str(graph.value(node, CPKB.linesOf)),
                                           counted=tuple(sorted(map(str, graph.objects(node, CPKB.material))))))
            elif graph.value(node, CPKB.hasPart) is not None:
                parts = tuple(sorted((str(graph.value(p, CPKB.material)), float(graph.value(p, CPKB.share)))
                                     for p in graph.objects(node, CPKB.hasPart)))
                inputs.append(FormulaInput(name, "materials", None, explicit, parts=parts))
            elif graph.value(node, CPKB.pollutant) is not None:
                inputs.append(FormulaInput(name, "emission", str(graph.value(node, CPKB.pollutant)), explicit,
                                           stage=str(graph.value(node, CPKB.emissionStage) or "emitted")))
            else:
                kind = "fact" if graph.value(node, CPKB.fact) is not None else "indicator"
                ref = graph.value(node, CPKB.fact if kind == "fact" else CPKB.indicator)
                own = graph.value(ref, CPKB.unit)
                expr = explicit or (units.get(str(own), {}).get("pint") if own is not None else None) or "dimensionless"
                inputs.append(FormulaInput(name, kind, str(ref), expr))
        for inp in inputs:
            node = URIRef(f"{iri}#input-{inp.name}")
            inp.if_absent = _str_or_none(graph.value(node, CPKB.ifAbsent))
            named = {lit.language: str(lit) for lit in graph.objects(node, SKOS.prefLabel)}
            if named:
                inp.labels = named
        unit_iri = str(graph.value(s, CPKB.unit))
        formula = compile_formula(str(graph.value(s, CPKB.formula)), {i.name: i.unit_expr for i in inputs},
                                  units[unit_iri]["pint"], registry)
        gives_kind, gives = None, None
        for prop, kind in ((CPKB.givesIndicator, "indicator"), (CPKB.givesFact, "fact"),
                           (CPKB.givesPollutant, "emission")):
            if graph.value(s, prop) is not None:
                gives_kind, gives = kind, str(graph.value(s, prop))
        out[iri] = Derived(iri, labels(iri), sector_of.get(iri, ""), formula, sorted(inputs, key=lambda i: i.name),
                           unit_iri, gives_kind, gives, str(graph.value(s, CPKB.emissionStage) or "emitted"),
                           _str_or_none(graph.value(s, CPKB.bound)), float(graph.value(s, CPKB.tolerance) or 2.0),
                           bool(graph.value(s, CPKB.isBalance)))
    return out


# ---------------------------------------------------------------------- indicators: variants, weights, scenarios

@dataclass
class Variant:
    condition: URIRef
    labels: dict[str, str]
    order: int
    benchmarks: dict[str, float]


@dataclass
class IndicatorRules:
    variants: list[Variant] = field(default_factory=list)
    applies_when: URIRef | None = None
    weight_split: float | None = None
    weight_group: str | None = None
    weight_by: str = "equal"
    product: str | None = None
    scenario: dict | None = None          # {saves, unit, per_output, material}


def load_indicator_rules(graph: Graph, indicator: URIRef, level_key) -> IndicatorRules:
    rules = IndicatorRules()
    for node in graph.objects(indicator, CPKB.hasVariant):
        benchmarks = {}
        for bench in graph.objects(node, CPKB.hasBenchmark):
            value = graph.value(bench, CPKB.value)
            if value is not None:
                benchmarks[level_key(graph.value(bench, CPKB.level))] = float(value)
        rules.variants.append(Variant(graph.value(node, CPKB.appliesWhen), _text(graph, node, SKOS.prefLabel),
                                      int(graph.value(node, CPKB.order) or 0), benchmarks))
    rules.variants.sort(key=lambda v: v.order)
    rules.applies_when = graph.value(indicator, CPKB.appliesWhen)
    rules.weight_split = _float(graph.value(indicator, CPKB.weightSplit))
    if rules.weight_split is not None:
        rules.weight_group = str(graph.value(indicator, CPKB.weightGroup))
        rules.weight_by = str(graph.value(indicator, CPKB.weightBy) or "equal")
    product = graph.value(indicator, CPKB.product)
    rules.product = str(product) if product is not None else None
    node = graph.value(indicator, CPKB.hasScenario)
    if node is not None:
        material = graph.value(node, CPKB.material)
        times = graph.value(node, CPKB.timesFact)
        rules.scenario = {"saves": str(graph.value(node, CPKB.savesTarget)), "unit": str(graph.value(node, CPKB.unit)),
                          "per_output": graph.value(node, CPKB.perOutput) is not None,
                          "material": str(material) if material is not None else None,
                          "times": str(times) if times is not None else None}
    return rules


# ---------------------------------------------------------------------- technique status with its basis

@dataclass
class StatusBasis:
    status: str
    document: str | None
    clause: str | None
    valid_from: str | None
    valid_until: str | None
    exception: dict[str, str]
    area: dict[str, str]
    except_when: URIRef | None
    applies_when: URIRef | None
    verified: bool


def load_status_bases(graph: Graph) -> dict[str, list[StatusBasis]]:
    out: dict[str, list[StatusBasis]] = {}
    for tech, node in graph.subject_objects(CPKB.hasStatusBasis):
        doc = graph.value(node, CPKB.document)
        out.setdefault(str(tech), []).append(StatusBasis(
            _key(graph, graph.value(node, CPKB.status)), str(doc) if doc is not None else None,
            str(graph.value(node, CPKB.clause)) if graph.value(node, CPKB.clause) else None,
            _date(graph.value(node, CPKB.validFrom)), _date(graph.value(node, CPKB.validUntil)),
            _text(graph, node, CPKB.exception), _text(graph, node, CPKB.areaText),
            graph.value(node, CPKB.exceptWhen), graph.value(node, CPKB.appliesWhen), _verified(graph, node)))
    for bases in out.values():
        bases.sort(key=lambda b: (b.applies_when is not None, b.valid_from or ""))
    return out


# ---------------------------------------------------------------------- measures: economics and prerequisites

@dataclass
class Economics:
    investment: dict | None = None          # {low, high, basis, verified, sources}
    opex_change: dict | None = None
    savings: list[dict] = field(default_factory=list)   # {consumption, low, high, unit, basis, verified}
    payback_years: tuple[float, float] | None = None    # sourced
    requires_measures: list[str] = field(default_factory=list)
    requires_techniques: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.investment or self.opex_change or self.savings or self.payback_years)


def _cost(graph: Graph, node) -> dict:
    """One cost or saving item; `currency` (ISO 4217, CNY unless the source gives another), `year` (price year),
    `scale_by` (the capacity or activity fact IRI), `basis_unit` (the unit one figure is per) and `enthalpy`
    (GJ per tonne of steam) when the source gives them."""
    year, scale_by, enthalpy, per = (graph.value(node, p) for p in (CPKB.priceYear, CPKB.scaleBy,
                                                                    CPKB.steamEnthalpy, CPKB.basisUnit))
    return {"low": float(graph.value(node, CPKB.minValue)), "high": float(graph.value(node, CPKB.maxValue)),
            "basis": str(graph.value(node, CPKB.costBasis)), "verified": _verified(graph, node),
            "sources": _citations(graph, node), "currency": str(graph.value(node, CPKB.currency) or "CNY"),
            "year": int(year) if year is not None else None,
            "scale_by": str(scale_by) if scale_by is not None else None,
            "basis_unit": str(per) if per is not None else None,
            "enthalpy": float(enthalpy) if enthalpy is not None else None}


def load_economics(graph: Graph, measure: URIRef) -> Economics:
    econ = Economics()
    node = graph.value(measure, CPKB.investment)
    if node is not None:
        econ.investment = _cost(graph, node)
    node = graph.value(measure, CPKB.opexChange)
    if node is not None:
        econ.opex_change = _cost(graph, node)
    for node in graph.objects(measure, CPKB.hasSaving):
        econ.savings.append({**_cost(graph, node), "consumption": str(graph.value(node, CPKB.onConsumption)),
                             "unit": str(graph.value(node, CPKB.unit))})
    econ.savings.sort(key=lambda s: s["consumption"])
    low, high = graph.value(measure, CPKB.minPaybackYears), graph.value(measure, CPKB.maxPaybackYears)
    if low is not None and high is not None:
        econ.payback_years = (float(low), float(high))
    econ.requires_measures = sorted(str(o) for o in graph.objects(measure, CPKB.requiresMeasure))
    econ.requires_techniques = sorted(str(o) for o in graph.objects(measure, CPKB.requiresTechnique))
    return econ


# ---------------------------------------------------------------------- targets of regions and basins

def load_targets(graph: Graph, area: URIRef) -> list[dict]:
    out = []
    for node in graph.objects(area, CPKB.hasTarget):
        out.append({"pollutant": str(graph.value(node, CPKB.pollutant)),
                    "reduction_pct": _float(graph.value(node, CPKB.reductionPct)),
                    "baseline_year": int(graph.value(node, CPKB.baselineYear)) if graph.value(node, CPKB.baselineYear)
                    is not None else None,
                    "by_year": int(graph.value(node, CPKB.byYear)) if graph.value(node, CPKB.byYear) is not None else None,
                    "note": _text(graph, node, SKOS.note), "sources": _citations(graph, node),
                    "verified": _verified(graph, node)})
    return sorted(out, key=lambda t: t["pollutant"])

