"""Reduction potential of a regional or basin survey: how much of each key pollutant the recommended
measures can remove, from the enterprises' reported annual loads and the measures' effect ranges.

Measures that act on the same enterprise and pollutant do not add up: the remaining load after several
measures is the product of what each leaves (1 + change_i), so the combined range never exceeds 100 %.
"""

from __future__ import annotations

from collections import defaultdict

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


def _emitted_loads(survey: Survey, enterprises: list[Enterprise], pollutants) -> dict[str, dict[str, float]]:
    """pollutant -> enterprise -> emitted annual load (t/a), for the pollutants asked about."""
    loads: dict[str, dict[str, float]] = defaultdict(dict)
    for ent in enterprises:
        for em in ent.emissions:
            if em["pollutant"] in pollutants and em["stage"] == "emitted":
                load = annual_load(survey.units, em)
                if load is not None:
                    loads[em["pollutant"]][ent.id] = loads[em["pollutant"]].get(ent.id, 0.0) + load
    return loads


def _pollutant_potential(kb: Knowledge, pollutant: str, per_ent: dict[str, float], enterprises: int,
                         recommendations: list[dict]) -> dict:
    """One pollutant: reported load, each measure's reduction and all measures together (multiplicatively)."""
    remaining = {eid: [1.0, 1.0] for eid in per_ent}       # fraction left: [best case, worst case]
    measures = []
    for rec in recommendations:
        effects = [e for e in rec["expected_effects"] if e["kind"] == "pollutant" and e["target"] == pollutant]
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
    return {
        "pollutant": pollutant, "labels": kb.label(pollutant),
        "reported_by": len(per_ent), "not_reported_by": enterprises - len(per_ent),
        "baseline_t_per_a": round(total, 6),
        "by_measure": sorted(measures, key=lambda m: -m["reduction_t_per_a"][1]),
        "combined_reduction_t_per_a": sorted([round(worst, 6), round(best, 6)]),
        "combined_reduction_share": sorted([round(worst / total, 4), round(best / total, 4)]) if total else None,
    }


def reduction_potential(kb: Knowledge, survey: Survey, enterprises: list[Enterprise],
                        recommendations: list[dict]) -> dict:
    """Per key pollutant: reported emitted load, and what each recommended measure and all together remove."""
    pollutants = target_pollutants(kb, survey.scope)
    loads = _emitted_loads(survey, enterprises, set(pollutants))
    out = [_pollutant_potential(kb, p, loads.get(p, {}), len(enterprises), recommendations) for p in pollutants]
    return {"pollutants": out, "basis": {
        "zh": "按各企业填报的年排放量与推荐方案的效果区间估算；同一企业多项方案按剩余比例连乘合并，不简单相加。",
        "en": "Estimated from each enterprise's reported annual emission and the recommended measures' effect ranges; "
              "several measures on one enterprise combine multiplicatively on what remains, not by adding."}}


def heavy_metal_potential(kb: Knowledge, survey: Survey, enterprises: list[Enterprise],
                          recommendations: list[dict]) -> dict | None:
    """The heavy metals (role heavy-metal) that enterprises report as emitted annual loads, each as in
    reduction_potential, and their total: different metals add up in t/a; one metal's measures combine as above.
    None when no enterprise reports a heavy-metal load."""
    metals = {p for p, roles in kb.pollutant_roles.items() if "heavy-metal" in roles}
    loads = _emitted_loads(survey, enterprises, metals)
    if not loads:
        return None
    rows = [_pollutant_potential(kb, p, loads[p], len(enterprises), recommendations) for p in sorted(loads)]
    baseline = sum(r["baseline_t_per_a"] for r in rows)
    low = sum(r["combined_reduction_t_per_a"][0] for r in rows)
    high = sum(r["combined_reduction_t_per_a"][1] for r in rows)
    return {"pollutants": rows, "total": {
        "baseline_t_per_a": round(baseline, 6), "combined_reduction_t_per_a": [round(low, 6), round(high, 6)],
        "combined_reduction_share": [round(low / baseline, 4), round(high / baseline, 4)] if baseline else None},
        "basis": {"zh": "重金属合计为各重金属年排放量及其可削减量之和；同一重金属的多项方案按剩余比例连乘合并。",
                  "en": "The heavy-metal total adds each metal's annual emission and its reduction; one metal's "
                        "measures on one enterprise combine multiplicatively on what remains."}}
