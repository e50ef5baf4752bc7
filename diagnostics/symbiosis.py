"""Park symbiosis: matches what one enterprise of a park gives off (waste heat, slags, spent acids, effluents)
with what another needs, by resource type, the knowledge base's `can serve as` links, temperature grade and
quantity.
"""

from __future__ import annotations

from dataclasses import dataclass

from .knowledge import Knowledge
from .survey import Enterprise, Survey
from .units import UnitProblem

# Heat must flow downhill with a usable driving difference (a heat exchanger's approach temperature).
MIN_APPROACH_C = 10.0


@dataclass
class _Stream:
    enterprise: str
    resource: str
    amount: float
    unit: str
    temperature_c: float | None
    fate: str | None
    process: str | None


def _streams(enterprises: list[Enterprise], direction: str) -> list[_Stream]:
    return [_Stream(e.id, s["resource"], s["value"], s["unit"], s["temperature_c"], s["fate"], s["process"])
            for e in enterprises for s in e.streams if s["direction"] == direction]


def _serves(kb: Knowledge, offer: str, demand: str) -> bool:
    return offer == demand or demand in kb.resources.get(offer, {}).get("can_serve_as", [])


def _hot_enough(offer: _Stream, demand: _Stream) -> bool:
    if offer.temperature_c is None or demand.temperature_c is None:
        return True
    return offer.temperature_c >= demand.temperature_c + MIN_APPROACH_C


def find_symbiosis(kb: Knowledge, survey: Survey, enterprises: list[Enterprise]) -> dict:
    """Candidate exchanges between different enterprises, largest first; each offer and demand is used up
    greedily so that the same tonne or gigajoule is not promised twice."""
    offers, demands = _streams(enterprises, "out"), _streams(enterprises, "in")
    left_offer = {id(o): o.amount for o in offers}
    left_demand = {id(d): d.amount for d in demands}
    pairs = []
    for offer in offers:
        for demand in demands:
            if offer.enterprise == demand.enterprise or not _serves(kb, offer.resource, demand.resource):
                continue
            if not _hot_enough(offer, demand):
                continue
            try:
                factor = survey.units.conversion(offer.unit, survey.units.expression(demand.unit)).apply(1.0)
            except UnitProblem:
                continue  # amounts in incomparable units (e.g. t/a against GJ/a): not a match
            pairs.append((offer, demand, factor))
    pairs.sort(key=lambda p: -min(p[0].amount * p[2], p[1].amount))
    matches = []
    for offer, demand, factor in pairs:
        amount = min(left_offer[id(offer)] * factor, left_demand[id(demand)])
        if amount <= 0:
            continue
        left_offer[id(offer)] -= amount / factor
        left_demand[id(demand)] -= amount
        matches.append({
            "from": offer.enterprise, "to": demand.enterprise,
            "offer": offer.resource, "offer_labels": kb.label(offer.resource),
            "demand": demand.resource, "demand_labels": kb.label(demand.resource),
            "amount": round(amount, 6), "unit": demand.unit,
            "temperature_out_c": offer.temperature_c, "temperature_in_c": demand.temperature_c,
            "fate_today": offer.fate,
        })
    return {
        "matches": matches,
        "unmatched_offers": [{"enterprise": o.enterprise, "resource": o.resource, "labels": kb.label(o.resource),
                              "amount_left": round(left_offer[id(o)], 6), "unit": o.unit, "fate_today": o.fate}
                             for o in offers if left_offer[id(o)] > 1e-9],
        "unmatched_demands": [{"enterprise": d.enterprise, "resource": d.resource, "labels": kb.label(d.resource),
                               "amount_left": round(left_demand[id(d)], 6), "unit": d.unit}
                              for d in demands if left_demand[id(d)] > 1e-9],
        "basis": {"zh": f"按资源类型及“可替代”关系匹配不同企业的产出与需求；热量须高于需求温度至少{MIN_APPROACH_C:g}℃；"
                        "数量按单位换算后贪心分配，同一数量不重复承诺。危险废物的转移须另行核实资质与豁免条件。",
                  "en": f"Offers and demands of different enterprises matched by resource type and 'can serve as' links; "
                        f"heat must be at least {MIN_APPROACH_C:g} °C above the demand; amounts converted and allocated "
                        "greedily so nothing is promised twice. Hazardous-waste transfers need licence checks."},
    }
