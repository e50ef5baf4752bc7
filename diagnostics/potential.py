"""Reduction potential of a regional or basin survey: how much of each key pollutant the recommended
measures can remove, from the enterprises' reported annual loads and the measures' effect ranges.

Measures that act on the same enterprise and pollutant do not add up: the remaining load after several
measures is the product of what each leaves (1 + change_i), so the combined range never exceeds 100 %.
"""

from __future__ import annotations

from collections import defaultdict

from .conditions import ConditionCompiler
from .knowledge import Knowledge
from .survey import Enterprise, Survey
from .units import UnitConverter, UnitProblem

# Without a region's or basin's own list, these roles decide which pollutants a co-audit follows.
ROLES_BY_PILOT = {"region": {"pm25-precursor", "o3-precursor", "primary-pm"}, "basin": {"basin-key"}}


def annual_load(units: UnitConverter, emission: dict) -> float | None:
    """An emission as an annual load in t/a, or None when it is a concentration or a factor."""
    try:
        return units.conversion(emission["unit"], "t/year").apply(emission["value"])
    except UnitProblem:
        return None


def target_pollutants(kb: Knowledge, scope: dict) -> list[str]:
    """The pollutants a co-audit follows: the region's or basin's key pollutants, else those of the pilot's roles."""
    area = kb.regions.get(scope.get("region") or "") or kb.basins.get(scope.get("basin") or "")
    if area and area["key_pollutants"]:
        return list(area["key_pollutants"])
    roles = ROLES_BY_PILOT.get(scope.get("pilot_type") or "", set())
    return sorted(p for p, r in kb.pollutant_roles.items() if r & roles)


def reduction_potential(kb: Knowledge, survey: Survey, enterprises: list[Enterprise],
                        recommendations: list[dict]) -> dict:
    """Per key pollutant: reported emitted load, and what each recommended measure and all together remove."""
    pollutants = target_pollutants(kb, survey.scope)
    baseline = baseline_loads(kb, survey, enterprises, pollutants)
    out = [_pollutant_potential(kb, pollutant, baseline.get(pollutant, {}), len(enterprises), recommendations)
           for pollutant in pollutants]
    return {"pollutants": out, "basis": {
        "zh": "按各企业填报的年排放量与推荐方案的效果区间估算；未填报排放量的企业按产量×排污系数估算并单独标明"
              "（estimated）；同一企业多项方案按剩余比例连乘合并，不简单相加。",
        "en": "Estimated from each enterprise's reported annual emission and the recommended measures' effect ranges; "
              "an enterprise that reports no load is estimated as output × the sector's emission factor and marked "
              "so (estimated); several measures on one enterprise combine multiplicatively on what remains."}}


def _pollutant_potential(kb: Knowledge, pollutant: str, rows: dict[str, dict], enterprises: int,
                         recommendations: list[dict]) -> dict:
    """One pollutant: its baseline (reported or estimated per enterprise), each measure's reduction and all measures
    together (multiplicatively on what remains)."""
    per_ent = {eid: row["t_per_a"] for eid, row in rows.items()}
    remaining = {eid: [1.0, 1.0] for eid in per_ent}       # fraction left: [best case, worst case]
    measures = []
    for rec in recommendations:
        effects = [e for e in rec["expected_effects"] if e["kind"] == "pollutant" and e["target"] == pollutant
                   and e.get("change_pct")]  # relative effects only: a target or an amount is no share
        if not effects:
            continue
        low, high = min(e["change_pct"][0] for e in effects), max(e["change_pct"][1] for e in effects)
        ents = [eid for eid in rec["applies_to"] if eid in per_ent]
        for eid in ents:
            remaining[eid][0] *= 1 + low / 100
            remaining[eid][1] *= 1 + high / 100
        base = sum(per_ent[e] for e in ents)
        measures.append({"measure": rec["measure"], "labels": rec["labels"], "enterprises": ents,
                         "baseline_t_per_a": round(base, 6),
                         "reduction_t_per_a": sorted([round(-base * low / 100, 6), round(-base * high / 100, 6)])})
    total = sum(per_ent.values())
    best = sum(per_ent[e] * (1 - f[0]) for e, f in remaining.items())
    worst = sum(per_ent[e] * (1 - f[1]) for e, f in remaining.items())
    estimated = {eid: row for eid, row in rows.items() if row["how"] == "estimated"}
    return {
        "pollutant": pollutant, "labels": kb.label(pollutant),
        "reported_by": len(per_ent) - len(estimated), "estimated_by": len(estimated),
        "not_reported_by": enterprises - len(per_ent),
        "baseline_t_per_a": round(total, 6),
        "estimated_t_per_a": round(sum(per_ent[e] for e in estimated), 6),
        "estimates": [{"enterprise": eid, "t_per_a": round(row["t_per_a"], 6), "factor": row["factor"],
                       "formula": row["formula"]} for eid, row in sorted(estimated.items())],
        "by_measure": sorted(measures, key=lambda m: -m["reduction_t_per_a"][1]),
        "combined_reduction_t_per_a": sorted([round(worst, 6), round(best, 6)]),
        "combined_reduction_share": sorted([round(worst / total, 4), round(best / total, 4)]) if total else None,
    }


def heavy_metal_potential(kb: Knowledge, survey: Survey, enterprises: list[Enterprise],
                          recommendations: list[dict]) -> dict | None:
    """The heavy metals (role heavy-metal) with an annual load (reported, or estimated from an emission factor),
    each as in reduction_potential, and their total: different metals add up in t/a, one metal's measures combine
    as above. None when no enterprise has a heavy-metal load."""
    metals = sorted(p for p, roles in kb.pollutant_roles.items() if "heavy-metal" in roles)
    baseline = baseline_loads(kb, survey, enterprises, metals)
    rows = [_pollutant_potential(kb, p, baseline[p], len(enterprises), recommendations) for p in metals if baseline.get(p)]
    if not rows:
        return None
    total = sum(r["baseline_t_per_a"] for r in rows)
    low = sum(r["combined_reduction_t_per_a"][0] for r in rows)
    high = sum(r["combined_reduction_t_per_a"][1] for r in rows)
    return {"pollutants": rows, "total": {
        "baseline_t_per_a": round(total, 6), "combined_reduction_t_per_a": [round(low, 6), round(high, 6)],
        "combined_reduction_share": [round(low / total, 4), round(high / total, 4)] if total else None},
        "basis": {"zh": "重金属合计为各重金属年排放量及其可削减量之和；同一重金属的多项方案按剩余比例连乘合并。",
                  "en": "The heavy-metal total adds each metal's annual emission and its reduction; one metal's "
                        "measures on one enterprise combine multiplicatively on what remains."}}


def baseline_loads(kb: Knowledge, survey: Survey, enterprises: list[Enterprise],
                   pollutants: list[str]) -> dict[str, dict[str, dict]]:
    """pollutant -> enterprise -> {t_per_a, how: reported | estimated, factor, formula}: the reported emitted annual
    load, else output × the first emission factor (排污系数) of the sector that applies to the enterprise."""
    out: dict[str, dict[str, dict]] = defaultdict(dict)
    wanted = set(pollutants)
    for ent in enterprises:
        for em in ent.emissions:
            if em["pollutant"] in wanted and em["stage"] == "emitted":
                load = annual_load(survey.units, em)
                if load is not None:
                    row = out[em["pollutant"]].setdefault(ent.id, {"t_per_a": 0.0, "how": "reported", "factor": None,
                                                                   "formula": None})
                    row["t_per_a"] += load
    factors = _applicable_factors(kb, survey, wanted)
    if not factors:
        return out
    compiler = ConditionCompiler(kb, survey.units)
    product_unit = kb.product_unit(survey.scope.get("sector"))
    for ent in enterprises:
        if not ent.output or product_unit is None or ent.output_unit != kb.units[product_unit]["symbol"]:
            continue  # an output not in the product's unit cannot be multiplied by a factor per product unit
        for pollutant, candidates in factors.items():
            if ent.id in out[pollutant]:
                continue
            for factor in candidates:
                if factor["process"] and factor["process"] not in ent.processes:
                    continue
                if factor["condition"] is not None and compiler.compile(factor["condition"]).evaluate(ent)[0] is not True:
                    continue
                load = _factor_load(survey.units, kb, ent.output, product_unit, factor)
                if load is not None:
                    out[pollutant][ent.id] = {"t_per_a": load, "how": "estimated", "factor": factor["iri"],
                                              "formula": f"{ent.output:g} {kb.units[product_unit]['symbol']}/a × "
                                                         f"{factor['value']:g} {kb.units[factor['unit']]['symbol']}"}
                    break
    return out


def _applicable_factors(kb: Knowledge, survey: Survey, pollutants: set[str]) -> dict[str, list[dict]]:
    """Emission factors of the survey's sector, per pollutant, the most specific (with a condition) first."""
    found: dict[str, list[dict]] = defaultdict(list)
    for factor in kb.generation_factors:
        if factor["sector"] == survey.scope.get("sector") and factor["stage"] == "emitted" \
                and factor["pollutant"] in pollutants:
            found[factor["pollutant"]].append(factor)
    for candidates in found.values():
        candidates.sort(key=lambda f: (f["condition"] is None, f["process"] is None, f["iri"]))
    return found


def _factor_load(units: UnitConverter, kb: Knowledge, output: float, product_unit: str, factor: dict) -> float | None:
    """output (product unit per year) × factor (mass per product unit) in t/a; None when the units do not fit."""
    expression = f"({units.unit_expression(product_unit)}) * ({units.unit_expression(factor['unit'])})"
    try:
        return units.conversion(expression, "t").apply(output * factor["value"])
    except UnitProblem:
        return None
