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


def covered_materials(kb: Knowledge, material: str | list[str]) -> list[str]:
    """The material(s) and every material narrower than one of them (skos:broader, any depth): a factor per tonne of
    solvent-borne ink also counts the toluene-type solvent ink an enterprise lists; a factor per tonne of all organic
    raw materials counts each ink, diluent, adhesive and cleaner it names, each row once."""
    found: set[str] = set()
    for one in ([material] if isinstance(material, str) else material):
        found |= {str(m) for m in kb.graph.transitive_subjects(SKOS.broader, URIRef(one))}
    return sorted(found)


def material_consumption(kb: Knowledge, units: UnitConverter, ent: Enterprise,
                         material: str | list[str]) -> tuple[float, list[dict]] | None:
    """The enterprise's consumption of the material (or of the materials together) in t/a and the rows it came from;
    None when it lists none with a quantity in a mass unit."""
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
    """Consumption of the factor's material(s) × the factor, in t/a, with its formula in Chinese and English naming
    every material row counted; None when the enterprise reports no consumption of them or the factor's unit is no
    mass per mass. Marked `estimated_from: materials`, so totals can say how much rests on materials."""
    found = material_consumption(kb, units, ent, factor["materials"])
    if found is None:
        return None
    tonnes, used = found
    try:
        per_tonne = units.conversion(units.unit_expression(factor["unit"]), "t/t").apply(factor["value"])
    except (UnitProblem, TypeError):
        return None
    load = tonnes * per_tonne
    symbol = kb.units[factor["unit"]]["symbol"]
    labels = {}
    for lang in ("zh", "en"):
        name = {u["material"]: kb.label(u["material"])[lang] for u in used}
        if len(used) == 1:
            amount = f"{name[used[0]['material']]}{'用量' if lang == 'zh' else ' used'} {tonnes:g} t/a"
        else:
            rows = " + ".join(f"{name[u['material']]} {u['t_per_a']:g}" for u in used)
            amount = (f"物料用量（{rows}）= {tonnes:g} t/a" if lang == "zh" else
                      f"materials used ({rows}) = {tonnes:g} t/a")
        labels[lang] = f"{amount} × {factor['value']:g} {symbol} = {load:.4g} t/a"
    return {"t_per_a": load, "how": "estimated", "estimated_from": "materials", "factor": factor["iri"],
            "formula": labels["en"], "formula_labels": labels,
            "inputs": [{"name": "material", "material": u["material"], "labels": kb.label(u["material"]),
                        "value": u["value"], "unit": u["unit"], "t_per_a": u["t_per_a"]} for u in used]}


def why_not_estimated(kb: Knowledge, factors: list[dict]) -> dict[str, str]:
    """Why an enterprise with no load stays unestimated when the sector's factors for the pollutant are all per
    material and it lists none of those materials (its output cannot stand in for them)."""
    materials = {m for f in factors for m in f["materials"]}
    names = {"zh": "、".join(sorted({kb.label(m)["zh"] for m in materials})),
             "en": ", ".join(sorted({kb.label(m)["en"] for m in materials}))}
    return {"zh": f"未估算：本行业的排污系数按物料用量（{names['zh']}）给出，企业未填报这些物料的年用量（以质量计）；"
                  f"按物料计的系数不能乘产量。",
            "en": f"not estimated: the sector's emission factors are per material used ({names['en']}) and the "
                  f"enterprise reports no annual consumption of them by mass; a per-material factor is never "
                  f"multiplied by output."}
