"""Scenarios: "bring every enterprise worse than level L of an indicator to it" and the saving of water, metal,
energy or pollutant that follows, per enterprise and in total — the figure a sector audit report quotes.

An indicator says what it saves (`scenario` in kb/README.md). For an intensity (per output), the saving of an
enterprise is (value − benchmark) × annual output; for a utilisation rate of a material, it is the material's
annual consumption × (1 − value / benchmark). Benchmarks are those of the variant chosen for the enterprise.
"""

from __future__ import annotations

from .knowledge import LEVELS, Indicator, Knowledge
from .survey import Enterprise
from .units import UnitConverter, UnitProblem

ROMAN = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ"}
FORMULAS = {
    "output": {"zh": "节约量 = (实际值 − 基准值) × 年产量", "en": "saving = (value − benchmark) × annual output"},
    "material": {"zh": "节约量 = 年消耗量 × (1 − 实际利用率 / 基准利用率)",
                 "en": "saving = annual consumption × (1 − value / benchmark)"},
}


def scenario_levels(settings: dict) -> list[str]:
    text = str(settings.get("scenario_levels", "II,I") or "")
    return [lvl.strip() for lvl in text.split(",") if lvl.strip() in LEVELS]


def scenarios(kb: Knowledge, units: UnitConverter, enterprises: list[Enterprise], sector: str,
              levels: list[str]) -> list[dict]:
    out = []
    for ind in sorted((i for i in kb.indicators.values() if i.sector == sector and i.rules.scenario), key=lambda i: i.iri):
        for level in levels:
            found = _scenario(kb, units, ind, enterprises, level)
            if found is not None:
                out.append(found)
    return out


def _benchmark(ind: Indicator, ent: Enterprise, level: str) -> tuple[float | None, dict | None]:
    variant = ent.model.variants.get(ind.iri)
    if ind.rules.variants and variant is None:
        return None, None
    return (variant["benchmarks"] if variant else ind.benchmarks).get(level), (variant or {}).get("labels")


def _scenario(kb: Knowledge, units: UnitConverter, ind: Indicator, enterprises: list[Enterprise], level: str):
    spec = ind.rules.scenario
    target_expr = kb.units.get(spec["unit"], {}).get("pint")
    product_expr = _product_unit(kb, ind.sector)
    per_output = spec["per_output"]
    try:
        factor = _output_factor(units, kb.units[ind.unit]["pint"], product_expr, target_expr) if per_output else None
    except (UnitProblem, KeyError, TypeError):
        return None
    rows, lacking, at_level, uncovered = [], [], [], []
    for ent in enterprises:
        if ind.iri in ent.model.not_applicable:
            continue
        if ind.rules.variants and ind.iri not in ent.model.variants:
            uncovered.append(ent.id)   # no variant's condition holds (an EAF works on a BF-BOF variant): data
            continue                   # would not help, so it is not asked for
        numbers = [v for v, _ in ent.indicators.get(ind.iri, []) if isinstance(v, float)]
        bench, variant = _benchmark(ind, ent, level)
        if not numbers or bench is None:
            lacking.append(ent.id)
            continue
        value = max(numbers) if ind.direction == "lower" else min(numbers)
        worse = value > bench if ind.direction == "lower" else value < bench
        if not worse:
            at_level.append(ent.id)
            continue
        saving = _saving(units, ent, value, bench, per_output, factor, spec, target_expr)
        if saving is not None and spec.get("times"):
            times = ent.facts.get(spec["times"])
            saving = saving * times if isinstance(times, (int, float)) and not isinstance(times, bool) else None
        if saving is None:
            lacking.append(ent.id)
            continue
        row = {"enterprise": ent.id, "value": value, "benchmark": bench, "saving": round(saving, 4)}
        if variant:
            row["variant"] = variant
        if ind.iri in ent.model.derived:
            row["derived"] = ent.model.derived[ind.iri]["formula"]
        rows.append(row)
    if not rows and not at_level:
        return None
    return {"indicator": ind.iri, "labels": kb.label(ind.iri), "level": level,
            "saves": spec["saves"], "saves_labels": kb.label(spec["saves"]),
            "unit": kb.units.get(spec["unit"], {}).get("symbol"),
            "formula": _formula(kb, spec, per_output),
            "enterprises": rows, "total": round(sum(r["saving"] for r in rows), 4),
            "enterprises_moved": len(rows), "enterprises_at_level": len(at_level), "enterprises_at_level_ids": at_level,
            "enterprises_without_data": lacking, "enterprises_not_covered": uncovered,
            "title": {"zh": f"全部企业{kb.label(ind.iri)['zh']}达到{ROMAN[level]}级", "en": f"every enterprise's "
                      f"{kb.label(ind.iri)['en']} brought to level {level}"}}


def _saving(units, ent, value, bench, per_output, factor, spec, target_expr) -> float | None:
    if per_output:
        return abs(value - bench) * ent.output * factor if ent.output else None
    material = ent.materials.get(spec["material"] or "")
    if not material or material.get("value") is None or not material.get("unit") or not bench:
        return None
    try:
        consumed = units.conversion(material["unit"], target_expr).apply(material["value"])
    except UnitProblem:
        return None
    return consumed * (1 - value / bench)


def _output_factor(units: UnitConverter, indicator_expr: str, product_expr: str, target_expr: str) -> float:
    """(indicator unit) × (product unit per year) in the scenario's unit: L/m² × m²/a → m³/a is 0.001."""
    q = units.registry.Quantity(1.0, indicator_expr) * units.registry.Quantity(1.0, f"({product_expr}) / year")
    return float(q.to(target_expr).magnitude)


def _product_unit(kb: Knowledge, sector: str) -> str | None:
    for iri, product in kb.products.items():
        if kb.sector_of.get(iri) == sector and product.get("unit"):
            return kb.units[product["unit"]]["pint"]
    return None


def _formula(kb: Knowledge, spec: dict, per_output: bool) -> dict[str, str]:
    formula = dict(FORMULAS["output" if per_output else "material"])
    if spec.get("times"):
        label = kb.label(spec["times"])
        formula = {"zh": f"{formula['zh']} × {label['zh']}", "en": f"{formula['en']} × {label['en']}"}
    return formula
