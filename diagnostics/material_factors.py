"""Emission factors per tonne of a material used (kg VOCs per kg of solvent-borne ink, g per kg of paint).

Printing and coating inventories publish VOCs factors per mass of ink, paint or solvent used, not per tonne of
product. The activity of such a factor is the enterprise's consumption of that material (its materials[] rows whose
name resolves to it or to a narrower material), summed and converted to t/a; a per-material factor is never
multiplied by output, because kg/kg × t of product would still come out in tonnes and look like an answer.
"""
from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import SKOS

from .knowledge import Knowledge
from .survey import Enterprise
from .units import UnitConverter, UnitProblem


def covered_materials(kb: Knowledge, material: str) -> list[str]:
    """The material and every material narrower than it (skos:broader, any depth): a factor per tonne of
    solvent-borne ink also counts the toluene-type solvent ink an enterprise lists."""
    return sorted({str(m) for m in kb.graph.transitive_subjects(SKOS.broader, URIRef(material))})


def material_consumption(kb: Knowledge, units: UnitConverter, ent: Enterprise,
                         material: str) -> tuple[float, list[dict]] | None:
    """The enterprise's consumption of the material in t/a and the rows it came from; None when it lists none
    with a quantity in a mass unit."""
    total, used = 0.0, []
    for iri in covered_materials(kb, material):
        row = ent.materials.get(iri)
        if not row or row.get("value") is None or not row.get("unit"):
            continue
        tonnes = _annual_tonnes(units, row["value"], row["unit"])
        if tonnes is None:
            continue   # a volume of ink (升) is no mass without its density
        total += tonnes
        used.append({"material": iri, "value": row["value"], "unit": row["unit"], "t_per_a": tonnes})
    return (total, used) if used else None


def _annual_tonnes(units: UnitConverter, value: float, unit: str) -> float | None:
    """A material amount in t/a; a bare mass (t, 吨, kg) is read as the year's amount, as materials are."""
    for target in ("t/year", "t"):
        try:
            return units.conversion(unit, target).apply(value)
        except (UnitProblem, ValueError):
            continue
    return None


def material_estimate(kb: Knowledge, units: UnitConverter, ent: Enterprise, factor: dict) -> dict | None:
    """Consumption of the factor's material × the factor, in t/a, with its formula in Chinese and English; None
    when the enterprise reports no consumption of it or the factor's unit is no mass per mass."""
    found = material_consumption(kb, units, ent, factor["material"])
    if found is None:
        return None
    tonnes, used = found
    try:
        per_tonne = units.conversion(units.unit_expression(factor["unit"]), "t/t").apply(factor["value"])
    except (UnitProblem, TypeError):
        return None
    load = tonnes * per_tonne
    symbol = kb.units[factor["unit"]]["symbol"]
    names = {lang: kb.label(factor["material"])[lang] for lang in ("zh", "en")}
    labels = {"zh": f"{names['zh']}用量 {tonnes:g} t/a × {factor['value']:g} {symbol} = {load:.4g} t/a",
              "en": f"{names['en']} used {tonnes:g} t/a × {factor['value']:g} {symbol} = {load:.4g} t/a"}
    return {"t_per_a": load, "how": "estimated", "factor": factor["iri"], "formula": labels["en"],
            "formula_labels": labels,
            "inputs": [{"name": "material", "material": u["material"], "labels": kb.label(u["material"]),
                        "value": u["value"], "unit": u["unit"], "t_per_a": u["t_per_a"]} for u in used]}


def why_not_estimated(kb: Knowledge, factors: list[dict]) -> dict[str, str]:
    """Why an enterprise with no load stays unestimated when the sector's factors for the pollutant are all per
    material and it lists none of those materials (its output cannot stand in for them)."""
    names = {lang: "、".join(sorted({kb.label(f["material"])[lang] for f in factors})) if lang == "zh" else
             ", ".join(sorted({kb.label(f["material"])[lang] for f in factors})) for lang in ("zh", "en")}
    return {"zh": f"未估算：本行业的排污系数按物料用量（{names['zh']}）给出，企业未填报这些物料的年用量（以质量计）；"
                  f"按物料计的系数不能乘产量。",
            "en": f"not estimated: the sector's emission factors are per material used ({names['en']}) and the "
                  f"enterprise reports no annual consumption of them by mass; a per-material factor is never "
                  f"multiplied by output."}
