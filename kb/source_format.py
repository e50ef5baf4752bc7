"""The shape of the YAML knowledge sources: which sections exist and what each field of an entry means.

This table is the whole source format of `kb/README.md` in code form; the compiler is only the mechanism
that walks it. Adding a field means adding a line here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .namespaces import CPKB, DCTERMS, QUDT, SKOS


@dataclass(frozen=True)
class Field:
    """How one key of an entry becomes RDF.

    `how` is one of: ref (an entry of `target` kind), vocab (a key of the SKOS scheme `target`),
    int, number, bool, str, text ({zh, en}), iri, or special (handled by the compiler by name).
    """

    how: str
    prop: object = None
    target: str | None = None
    many: bool = False
    required: bool = False


def ref(kind: str, prop, many: bool = False, required: bool = False) -> Field:
    return Field("ref", prop, kind, many, required)


def vocab(scheme: str, prop, many: bool = False, required: bool = False) -> Field:
    return Field("vocab", prop, scheme, many, required)


def lit(how: str, prop, many: bool = False, required: bool = False) -> Field:
    return Field(how, prop, None, many, required)


def special(name: str, required: bool = False) -> Field:
    return Field("special", None, name, False, required)


@dataclass(frozen=True)
class Kind:
    """A kind of entry: the section it is written in, its class and its own fields."""

    name: str           # used in IRIs: id/<sector>/<name>/<id> or id/<name>/<id>
    rdf_class: object
    fields: dict[str, Field] = field(default_factory=dict)
    concept: bool = True  # a cpkb:Concept: labels, definition and sources are expected
    extra_classes: tuple = ()   # further rdf:types of every entry (cpkb:SectorMeasure, cpkb:SharedMeasure)
    iri_name: str | None = None  # the kind's segment in IRIs when it differs from `name`


COMMON_KEYS = ("id", "label", "alt", "definition", "sources", "note")

SECTOR_HEADER = Kind("sector", CPKB.Sector, {
    "code": lit("str", CPKB.code, many=True),
    "pilot_types": vocab("PilotType", CPKB.pilotType, many=True),
    "targets": special("targets"),          # reduction targets a policy sets for the sector (Model v2)
})

# Sections of a sector file, in the order they must be compiled (later ones refer to earlier ones).
SECTOR_SECTIONS: dict[str, Kind] = {
    "products": Kind("product", CPKB.Product, {
        "unit": ref("unit", CPKB.productUnit),
        "broader": ref("product", SKOS.broader),   # the general product this one is a kind of (食糖 for 甜菜糖)
    }),
    "processes": Kind("process", CPKB.Process, {
        "order": lit("int", CPKB.order, required=True),
        "part_of": ref("process", CPKB.partOf),
    }),
    "techniques": Kind("technique", CPKB.Technique, {
        "processes": ref("process", CPKB.process, many=True, required=True),
        "status": special("status", required=True),       # a key, or a list of {status, document, clause …}
    }),
    "materials": Kind("material", CPKB.MaterialType, {
        "hazardous": lit("bool", CPKB.hazardous),
        "processes": ref("process", CPKB.process, many=True),
        "typical": special("typical"),     # [{property, value, unit, sources}]: a typical value a source gives
    }),
    "properties": Kind("property", CPKB.Property, {
        "unit": ref("unit", CPKB.unit),
        "content_of": ref("pollutant", CPKB.contentOf),   # the property is the material's content of a pollutant
    }),
    "facts": Kind("fact", CPKB.SurveyFact, {
        "datatype": special("datatype", required=True),
        "unit": ref("unit", CPKB.unit),
        "choices": special("choices"),
    }),
    "indicator_systems": Kind("indicator-system", CPKB.IndicatorSystem, {
        "document": ref("source", CPKB.document, required=True),
        "classification": vocab("ClassificationMethod", CPKB.classificationMethod, required=True),
        "categories": special("categories", required=True),
        "products": ref("product", CPKB.product, many=True),     # whom it grades: these products' makers,
        "processes": ref("process", CPKB.process, many=True),    # or, the product unknown, these processes' runners
    }),
    "problems": Kind("problem", CPKB.Problem, {
        "processes": ref("process", CPKB.process, many=True),
        "category": vocab("ProblemCategory", CPKB.category, required=True),
        "cause": vocab("Route", CPKB.cause),
        "indicators": ref("indicator", CPKB.concernsIndicator, many=True),
        "pollutants": ref("pollutant", CPKB.concernsPollutant, many=True),
        "consumptions": ref("consumption", CPKB.concernsConsumption, many=True),
    }),
    "measures": Kind("measure", CPKB.Measure, {
        "addresses": ref("problem", CPKB.addresses, many=True, required=True),
        "processes": ref("process", CPKB.process, many=True),
        "cost": vocab("CostClass", CPKB.costClass, required=True),
        "route": vocab("Route", CPKB.route, required=True),
        "introduces": ref("technique", CPKB.introduces, many=True),
        "replaces": ref("technique", CPKB.replaces, many=True),
        "applies_when": special("condition"),
        "effects": special("effects"),
        "applicability": lit("text", CPKB.applicability),
        "cross_media": lit("text", CPKB.crossMedia),
        "payback_years": special("payback"),
        "investment": special("money"),                    # {range: [lo, hi], basis, sources} in 万元
        "opex_change": special("money"),                   # {range, basis, sources} in 万元/a (negative: cheaper)
        "savings": special("savings"),                     # [{consumption, range, unit, basis, sources}]
        "requires": special("requires"),                   # measures or {technique: T} that must exist first
        "add_on": lit("bool", CPKB.addOn),                 # an end-of-pipe stage in series after an existing one
    }, extra_classes=(CPKB.SectorMeasure,)),
    # links to measures of kb/shared/measures.yaml, with the sector's own applicability (kb/README.md)
    "shared_measures": Kind("measure-link", CPKB.MeasureLink, {
        "measure": ref("shared-measure", CPKB.linksMeasure, required=True),
        "addresses": ref("problem", CPKB.addresses, many=True, required=True),
        "processes": ref("process", CPKB.process, many=True),
        "introduces": ref("technique", CPKB.introduces, many=True),
        "replaces": ref("technique", CPKB.replaces, many=True),
        "applies_when": special("condition"),
        "effects": special("effects"),                     # the sector's own effects, added to the shared ones
        "applicability": lit("text", CPKB.applicability),
    }, concept=False),
    "requirements": Kind("requirement", CPKB.RequirementSet, {
        "document": ref("source", CPKB.document, required=True),
        "clause": lit("str", CPKB.clause),
        "area": vocab("LimitArea", CPKB.limitArea),
        "regions": ref("region", CPKB.region, many=True),
        "basins": ref("basin", CPKB.basin, many=True),
        "places": special("places"),                       # provinces, cities, counties (GB/T 2260): a local standard
        "applies_to": special("applies_to"),
        "applies_when": special("condition"),
        "limits": special("limits"),                       # required unless limits_read: false (kb/compile.py)
        "limits_read": lit("bool", CPKB.limitsRead),       # false: the standard's table was not read, no limits
    }),
    "derived": Kind("derived", CPKB.DerivedQuantity, {
        "gives": special("gives"),
        "formula": special("formula", required=True),
        "inputs": special("inputs", required=True),
        "unit": ref("unit", CPKB.unit, required=True),
        "bound": special("bound"),           # lower | upper: the formula bounds the target instead of giving it
        "tolerance": lit("number", CPKB.tolerance),   # how far past the bound a reported figure is queried
        "balance": lit("bool", CPKB.isBalance),       # a mass balance: the baseline route `balance`
    }),
    "generation_factors": Kind("generation-factor", CPKB.GenerationFactor, {
        "pollutant": ref("pollutant", CPKB.pollutant, required=True),
        "stage": lit("str", CPKB.emissionStage, required=True),     # generated 产污系数 | emitted 排污系数
        "value": lit("number", CPKB.factorValue, required=True),
        "unit": ref("unit", CPKB.unit, required=True),               # pollutant mass per unit of product
        "product": ref("product", CPKB.product),
        "process": ref("process", CPKB.process),
        "applies_when": special("condition"),                         # raw material, route, treatment, scale
        "year": lit("int", CPKB.referenceYear),                       # the year the factor's data describe
        "per": lit("str", CPKB.factorBasis),                          # product (default) | material
        "material": ref("material", CPKB.material, many=True),        # with per: material, mass per mass of it (a list:
                                                                      # the sum of those materials, e.g. all organic ones)
    }),
    "rules": Kind("rule", CPKB.Rule, {
        "problem": ref("problem", CPKB.detects, required=True),
        "severity": vocab("Severity", CPKB.severity, required=True),
        "when": special("condition", required=True),
    }),
}

CATEGORY = Kind("indicator-category", CPKB.IndicatorCategory, {
    "weight": lit("number", CPKB.weight),
    "indicators": special("indicators", required=True),
})

INDICATOR = Kind("indicator", CPKB.Indicator, {
    "unit": ref("unit", CPKB.unit),
    "direction": vocab("Direction", CPKB.direction),
    "weight": lit("number", CPKB.weight),
    "limiting": lit("bool", CPKB.limiting),
    "weight_rule": special("weight_rule"),                 # {split: 0.8, among: group} or {split: 0.8, by: output-share}
    "product": ref("product", CPKB.product),               # the product an output-share weight follows
    "applies_when": special("condition"),                  # the indicator applies only when this holds
    "scenario": special("scenario"),                       # what bringing it to a level saves
    "benchmarks": special("benchmarks"),
    "levels": special("levels"),
})

# Sections of shared vocabulary files (any file under kb/shared may hold any of them).
SHARED_SECTIONS: dict[str, Kind] = {
    "sources": Kind("source", CPKB.SourceDocument, {
        "number": lit("str", CPKB.documentNumber),
        "issuer": lit("text", DCTERMS.publisher),
        "year": lit("int", DCTERMS.issued),
        "kind": lit("str", CPKB.documentKind),
        "status": lit("str", CPKB.documentStatus),
        "replaces": ref("source", DCTERMS.replaces, many=True),
        "url": lit("iri", DCTERMS.relation),
    }, concept=False),
    "units": Kind("unit", CPKB.Unit, {
        "symbol": lit("str", QUDT.symbol, required=True),
        "pint": lit("str", CPKB.pintExpression, required=True),
        "pint_definition": lit("str", CPKB.pintDefinition),
        "qudt": lit("iri", SKOS.exactMatch),
        "dimension": lit("str", CPKB.dimension),
    }),
    "pollutants": Kind("pollutant", CPKB.Pollutant, {
        "medium": lit("str", CPKB.medium, many=True),
        "roles": vocab("PollutantRole", CPKB.role, many=True),
        "broader": ref("pollutant", SKOS.broader, many=True),
        "cas": lit("str", CPKB.cas),
        "molar_mass": lit("number", CPKB.molarMass),          # g/mol, for ppm → mg/m³
        "molar_mass_as": lit("str", CPKB.molarMassAs),        # the formula the molar mass is of (NO2 for NOx)
        "measured_as": ref("pollutant", CPKB.measuredAs),     # the item standards limit it by (VOCs → NMHC)
        "stands_for": ref("pollutant", CPKB.standsFor),       # a total parameter measuring the whole (NMHC → VOCs)
    }),
    "regions": Kind("region", CPKB.Region, {
        "key_pollutants": ref("pollutant", CPKB.keyPollutant, many=True),
        "priority_sectors": ref("sector", CPKB.prioritySector, many=True),
        "targets": special("targets"),
        "places": lit("str", CPKB.coversPlace, many=True),
    }),
    "basins": Kind("basin", CPKB.Basin, {
        "key_pollutants": ref("pollutant", CPKB.keyPollutant, many=True),
        "priority_sectors": ref("sector", CPKB.prioritySector, many=True),
        "targets": special("targets"),
        "places": lit("str", CPKB.coversPlace, many=True),
    }),
    "consumptions": Kind("consumption", CPKB.Consumption, {"unit": ref("unit", CPKB.unit)}),
    "resources": Kind("resource", CPKB.ResourceType, {
        "form": lit("str", CPKB.form),
        "temperature_min_c": lit("number", CPKB.temperatureMinC),
        "temperature_max_c": lit("number", CPKB.temperatureMaxC),
        "hw_code": lit("str", CPKB.code, many=True),
        "needs": lit("str", CPKB.needsAttribute, many=True),
        "can_serve_as": ref("resource", CPKB.canServeAs, many=True),
        "mistaken_for": ref("resource", CPKB.mistakenFor, many=True),   # looks like it, cannot serve as it
        "density_kg_per_nm3": lit("number", CPKB.densityKgPerNm3),      # a gas: t against Nm³
        "treatable": ref("quality", CPKB.treatableQuality, many=True),   # a miss routine treatment mends
        "treatment": lit("text", CPKB.treatment),
        "needs_identification": lit("bool", CPKB.needsIdentification),  # left after treating a hazardous waste
        "shared_facility": ref("shared-measure", CPKB.sharedFacility, many=True),   # meets such demands park-wide
        "shared_network": ref("shared-measure", CPKB.sharedNetwork, many=True),     # carries pairs to several users
        "regulatory": lit("text", CPKB.regulatory),
        "unit": ref("unit", CPKB.unit),
    }),
    "qualities": Kind("quality", CPKB.StreamQuality, {
        "unit": ref("unit", CPKB.unit),                           # none for a code or text quality
        "format": lit("str", CPKB.valueFormat),                   # hw-code | text: not a number (危险废物代码, 等级)
        "demand_reads": vocab("DemandReading", CPKB.demandReads, required=True),
        "molar_mass": lit("number", CPKB.componentMolarMass),    # g/mol of the compound whose share this is
        "equivalent_as": lit("str", CPKB.equivalentAs),          # the element it exchanges on (Ca), mole for mole
    }),
    "facts": SECTOR_SECTIONS["facts"],
    # measures every sector shares (kb/shared/measures.yaml); a sector links them under `shared_measures`
    "measures": Kind("shared-measure", CPKB.Measure, {
        "scale": vocab("MeasureScale", CPKB.scale, required=True),     # enterprise | park
        # a park measure proposed where several enterprises of a park emit one of these pollutants (VOCs → 园区VOCs
        # 统一监测与LDAR管理), whether or not a sector rule found a problem there
        "park_emitters": ref("pollutant", CPKB.proposedForEmittersOf, many=True),
        "categories": vocab("ProblemCategory", CPKB.addressesCategory, many=True, required=True),
        "cost": vocab("CostClass", CPKB.costClass, required=True),
        "route": vocab("Route", CPKB.route, required=True),
        "applies_when": special("condition"),
        "effects": special("effects"),
        "applicability": lit("text", CPKB.applicability),
        "cross_media": lit("text", CPKB.crossMedia),
        "payback_years": special("payback"),
        "investment": special("money"),
        "opex_change": special("money"),
        "savings": special("savings"),
        "requires": special("requires"),
    }, extra_classes=(CPKB.SharedMeasure,), iri_name="measure"),
}

# Kinds that live only in shared files; a bare id refers to them from anywhere.
SHARED_KINDS = {k.name for k in SHARED_SECTIONS.values()} - {"fact"}
# The IRI segment of each kind whose segment differs from its name (shared measures: id/measure/ID).
IRI_NAMES = {k.name: k.iri_name for k in (*SECTOR_SECTIONS.values(), *SHARED_SECTIONS.values()) if k.iri_name}

FACT_DATATYPES = ("boolean", "number", "choice")
LEVEL_KEYS = ("I", "II", "III")
OPERATORS = ("<", "<=", ">", ">=", "=", "!=")
EMISSION_STAGES = ("generated", "emitted")

# Model v2 (kb/README.md): closed lists of the new fields.
COST_BASES = ("per-enterprise", "per-line", "per-t-per-d", "per-m3-per-d", "per-m2-per-a", "per-output",
              "per-facility",   # per-facility: one shared installation (park scale), counted once
              "per-t-per-h", "per-MW", "per-kW",   # per unit of steam/boiler capacity, of power (装机/热功率)
              "per-activity")   # per unit of a surveyed activity fact (air flow treated, cells, sinter t/a …)
# The generic activity basis: scaled by the survey fact it names (`scale_by`, required), per `per` of its unit.
ACTIVITY_BASIS = "per-activity"
# Bases that may name the unit one figure is per (`per: UNIT`): the activity's, or the product's for per-output.
PER_UNIT_BASES = ("per-activity", "per-output")
# Capacity bases scaled by a survey fact in this unit (the unit id of kb/shared/units.yaml).
CAPACITY_BASIS_UNITS = {"per-t-per-h": "t-per-h", "per-MW": "MW", "per-kW": "kW"}
# Currencies of sourced money figures (ISO 4217) with their Chinese and English names; the figure keeps the
# source's currency, the engine converts only at an exchange rate the user sets (kb/README.md "Economics").
CURRENCIES = {"CNY": ("人民币", "yuan"), "EUR": ("欧元", "EUR"), "USD": ("美元", "USD"), "AUD": ("澳元", "AUD"),
              "JPY": ("日元", "JPY"), "GBP": ("英镑", "GBP"), "CAD": ("加元", "CAD"), "CHF": ("瑞士法郎", "CHF"),
              "KRW": ("韩元", "KRW"), "INR": ("印度卢比", "INR"), "HKD": ("港元", "HKD"), "TWD": ("新台币", "TWD"),
              "SEK": ("瑞典克朗", "SEK"), "DKK": ("丹麦克朗", "DKK"), "NOK": ("挪威克朗", "NOK"),
              "NZD": ("新西兰元", "NZD"), "SGD": ("新加坡元", "SGD"), "BRL": ("巴西雷亚尔", "BRL"),
              "ZAR": ("南非兰特", "ZAR"), "THB": ("泰铢", "THB"), "EGP": ("埃及镑", "EGP")}
# A saving of steam in tonnes on a consumption metered as heat: the only mass unit such a saving may take.
STEAM_MASS_UNIT = "t-per-a"
EFFECT_MODES = ("relative", "target", "absolute")
SOURCE_AGES = ("new", "existing")
CONTEXT_KEYS = ("pilot_type", "region", "basin", "in_park", "special_limit_area", "source_age", "local_standard")

# Condition keys of the rule language (kb/README.md): key -> class.
CONDITION_CLASSES: dict[str, object] = {
    "uses": CPKB.TechniqueInUse,
    "lacks": CPKB.TechniqueAbsent,
    "has_process": CPKB.ProcessPresent,
    "indicator": None,  # BenchmarkCondition or IndicatorThreshold, by its fields
    "fact": CPKB.FactCondition,
    "material": CPKB.MaterialCondition,
    "emission": CPKB.EmissionCondition,
    "violates": CPKB.ViolatesCondition,
    "context": CPKB.ContextCondition,
    "quantity": CPKB.QuantityCondition,
    "all": CPKB.AllOf,
    "any": CPKB.AnyOf,
    "not": CPKB.NotCondition,
}

SpecialHandler = Callable[..., None]
