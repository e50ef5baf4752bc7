"""Park symbiosis: matches what one enterprise of a park gives off (waste heat, slags, spent acids, effluents)
with what another needs — by resource type and the knowledge base's `can serve as` links, temperature grade,
the qualities the demand sets bounds on (steam pressure, free acid, iron, COD, moisture …), the receiver's legal
basis for taking a hazardous waste, and quantity; with the distance when the survey gives coordinates.

A match is proposed only where the offer meets everything the demand states. Where the offer does not state a
quality the demand bounds, or the receiver's basis for a hazardous waste is not known, the pair is listed as
conditional (待核实), with what must be checked; where a bound is not met or the receiver has no basis, the pair
is refused with the reason. Only firm matches use up quantities.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .knowledge import Knowledge
from .survey import Enterprise, Survey
from .hw_receipt import receipt
from .units import UnitConverter, UnitProblem

# Heat must flow downhill with a usable driving difference (a heat exchanger's approach temperature).
MIN_APPROACH_C = 10.0
EARTH_RADIUS_KM = 6371.0
FACT = "https://w3id.org/cpkb/id/fact/"
_CONNECTION = {"heat": ("换热管网或热水/蒸汽管道", "heat-exchange network or hot-water/steam pipe"),
               "gas": ("管道", "pipeline"), "liquid": ("管道或槽罐车", "pipe or tanker"),
               "steam": ("蒸汽管道", "steam pipe"), "slurry": ("管道或槽罐车", "pipe or tanker"),
               "solid": ("车辆运输", "truck transport")}


@dataclass
class _Stream:
    enterprise: str
    resource: str
    amount: float
    unit: str
    temperature_c: float | None
    fate: str | None
    process: str | None
    qualities: dict[str, tuple[float | str, str | None]] = field(default_factory=dict)
    reads: dict[str, str] = field(default_factory=dict)    # the bound a demand's property name says (上限/下限)
    named: dict[str, str] = field(default_factory=dict)    # qualities the knowledge does not name: written name


def _idle(ent: Enterprise) -> bool:
    """An enterprise not operating (operating_status: 停产, idle_whole_year): its streams are history, not supply."""
    return "idle" in ent.set_apart


def _streams(enterprises: list[Enterprise], direction: str) -> list[_Stream]:
    return [_Stream(e.id, s["resource"], s["value"], s["unit"], s["temperature_c"], s["fate"], s["process"],
                    s.get("qualities") or {}, s.get("reads") or {}, s.get("named") or {})
            for e in enterprises if not _idle(e) for s in e.streams if s["direction"] == direction]


def _set_apart(kb: Knowledge, enterprises: list[Enterprise]) -> list[dict]:
    """The streams of enterprises not operating, left out of matching, each with the reason."""
    out = []
    for e in (e for e in enterprises if _idle(e)):
        said = e.set_apart["idle"].get("written", "")
        for s in e.streams:
            out.append({"enterprise": e.id, "direction": s["direction"], "resource": s["resource"],
                        "labels": kb.label(s["resource"]), "amount": s["value"], "unit": s["unit"],
                        "reason": {"zh": f"该企业停产（{said}），其产出和需求为历史数据，不作为现行供需参与匹配。",
                                   "en": f"the enterprise is not operating ({said}); its streams are history and are "
                                         "not matched as live supply or demand."}})
    return out


def _serves(kb: Knowledge, offer: str, demand: str) -> bool:
    return offer == demand or demand in kb.resources.get(offer, {}).get("can_serve_as", [])


def _hot_enough(offer: _Stream, demand: _Stream) -> bool:
    if offer.temperature_c is None or demand.temperature_c is None:
        return True
    return offer.temperature_c >= demand.temperature_c + MIN_APPROACH_C


def _quality_check(kb: Knowledge, survey: Survey, offer: _Stream, demand: _Stream) -> tuple[list, list, list]:
    """Each bound the demand states against the offer's figure: (met, failed, not stated by the offer)."""
    met, failed, unknown = [], [], []
    for quality, (bound, bound_unit) in demand.qualities.items():
        reads = demand.reads.get(quality) or kb.qualities.get(quality, {}).get("reads") or None
        labels = ({"zh": demand.named[quality], "en": demand.named[quality]} if quality in demand.named
                  else kb.label(quality))
        row = {"quality": quality, "labels": labels, "reads": reads or "unstated", "demand": bound,
               "unit": bound_unit}
        if quality not in offer.qualities or reads is None:   # a bound of no stated direction is checked by hand
            unknown.append(row)
            continue
        value, unit = offer.qualities[quality]
        if isinstance(value, str) or isinstance(bound, str):   # a code or grade: the same, case aside
            row["offer"] = value
            ok = isinstance(value, str) and isinstance(bound, str) and value.casefold() == bound.casefold()
            (met if ok else failed).append(row)
            continue
        try:
            value = survey.units.conversion(unit, bound_unit).apply(value) if unit and bound_unit else value
        except UnitProblem:
            unknown.append(row)
            continue
        row["offer"] = round(value, 6)
        ok = value >= bound if reads == "at-least" else value <= bound
        (met if ok else failed).append(row)
    return met, failed, unknown


def _place(ent: Enterprise | None) -> tuple[float, float] | None:
    if ent is None:
        return None
    lon, lat = ent.facts.get(FACT + "longitude"), ent.facts.get(FACT + "latitude")
    if isinstance(lon, (int, float)) and isinstance(lat, (int, float)) and -180 <= lon <= 180 and -90 <= lat <= 90:
        return float(lat), float(lon)
    return None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points (haversine): a pipe or a road is longer."""
    (lat1, lon1), (lat2, lon2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _why(kb: Knowledge, offer: _Stream, demand: _Stream) -> dict:
    """The knowledge that justifies a pair: the link between the two resource types and its sources."""
    resource = kb.resources.get(offer.resource, {})
    same = offer.resource == demand.resource
    link = {"zh": "同类资源" if same else f"{kb.label(offer.resource)['zh']}可替代{kb.label(demand.resource)['zh']}",
            "en": "the same resource type" if same else
                  f"{kb.label(offer.resource)['en']} can serve as {kb.label(demand.resource)['en']}"}
    sources = [{**c, "labels": kb.sources[c["document"]].as_dict() if c["document"] in kb.sources else None}
               for c in resource.get("citations", [])]
    return {"link": link, "regulatory": resource.get("regulatory"), "sources": sources}


# The common basis candidate pairs are ranked on, whatever unit each demand is written in: energy content for heat
# and fuel, mass for materials, volume for water (per year where the amount is a rate).
COMMON_BASES = ("GJ", "t", "m**3")


def common_amount(units: UnitConverter, amount: float, unit: str) -> float:
    """The amount on its common basis (GJ, t or m³, per year for a rate), for ranking only; the amount as written
    when its unit is none of these (a count), so that it still ranks among its own kind."""
    for base in COMMON_BASES:
        for target in (f"{base} / year", base):
            try:
                return units.conversion(unit, target).apply(amount)
            except (UnitProblem, ValueError):
                continue
    return amount


def _rank(units: UnitConverter):
    """Largest pair first, on the common basis: 2 000 kg/a ranks below 3 t/a, which the demand's own units hid."""
    return lambda p: -common_amount(units, min(p[0].amount * p[2], p[1].amount), p[1].unit)


def find_symbiosis(kb: Knowledge, survey: Survey, enterprises: list[Enterprise]) -> dict:
    """Candidate exchanges between different enterprises, largest first; each offer and demand is used up
    greedily by firm matches, so that the same tonne or gigajoule is not promised twice."""
    by_id = {e.id: e for e in enterprises}
    offers, demands = _streams(enterprises, "out"), _streams(enterprises, "in")
    firm, conditional, refused = [], [], []
    for offer in offers:
        for demand in demands:
            if offer.enterprise == demand.enterprise or not _serves(kb, offer.resource, demand.resource):
                continue
            try:
                factor = survey.units.conversion(offer.unit, survey.units.expression(demand.unit)).apply(1.0)
            except UnitProblem:
                continue  # amounts in incomparable units (e.g. t/a against GJ/a): not a match
            met, failed, unknown = _quality_check(kb, survey, offer, demand)
            legal, legal_note = receipt(kb, offer.resource, offer.qualities, by_id.get(demand.enterprise))
            pair = (offer, demand, factor, met, failed, unknown, legal_note)
            if not _hot_enough(offer, demand):
                failed = failed + [{"quality": "temperature", "labels": {"zh": "温度", "en": "temperature"},
                                    "reads": "at-least", "demand": demand.temperature_c + MIN_APPROACH_C,
                                    "offer": offer.temperature_c, "unit": "℃"}]
                pair = (offer, demand, factor, met, failed, unknown, legal_note)
            if failed or legal == "refused":
                refused.append(pair)
            elif unknown or legal == "unknown":
                conditional.append(pair)
            else:
                firm.append(pair)
    left_offer = {id(o): o.amount for o in offers}
    left_demand = {id(d): d.amount for d in demands}
    places = {e.id: _place(e) for e in enterprises}
    matches = []
    for pair in sorted(firm, key=_rank(survey.units)):
        offer, demand, factor = pair[:3]
        amount = min(left_offer[id(offer)] * factor, left_demand[id(demand)])
        if amount <= 0:
            continue
        left_offer[id(offer)] -= amount / factor
        left_demand[id(demand)] -= amount
        matches.append(_row(kb, pair, amount, places))
    pending = []
    for pair in sorted(conditional, key=_rank(survey.units)):
        offer, demand, factor = pair[:3]
        amount = min(left_offer[id(offer)] * factor, left_demand[id(demand)])   # what is left after firm matches
        if amount > 0:
            pending.append(_row(kb, pair, amount, places))
    return {
        "streams": [{"enterprise": st.enterprise, "direction": d, "resource": st.resource,
                     "labels": kb.label(st.resource), "amount": st.amount, "unit": st.unit, "fate": st.fate}
                    for d, group in (("out", offers), ("in", demands)) for st in group],
        "matches": matches,
        "conditional": pending,
        "set_apart": _set_apart(kb, enterprises),
        "refused": [_row(kb, pair, min(pair[0].amount * pair[2], pair[1].amount), places, amounts=False)
                    for pair in refused],
        "unmatched_offers": [{"enterprise": o.enterprise, "resource": o.resource, "labels": kb.label(o.resource),
                              "amount_left": round(left_offer[id(o)], 6), "unit": o.unit, "fate_today": o.fate}
                             for o in offers if left_offer[id(o)] > 1e-9],
        "unmatched_demands": [{"enterprise": d.enterprise, "resource": d.resource, "labels": kb.label(d.resource),
                               "amount_left": round(left_demand[id(d)], 6), "unit": d.unit}
                              for d in demands if left_demand[id(d)] > 1e-9],
        "basis": {"zh": f"按资源类型及“可替代”关系匹配不同企业的产出与需求；热量须高于需求温度至少{MIN_APPROACH_C:g}℃；"
                        "需求方填写的品质要求（压力、浓度、杂质、含水率等）须由供方满足，供方未填的列为待核实；"
                        "危险废物须接收方持证或符合豁免条件；数量按共同基准（热和燃料按能量、物料按质量、水按体积）换算后从大到小分配，同一数量不重复承诺；"
                        "距离按厂址经纬度计算的直线距离，实际管线或运距更长。",
                  "en": f"Offers and demands of different enterprises matched by resource type and 'can serve as' links; "
                        f"heat must be at least {MIN_APPROACH_C:g} °C above the demand; every quality bound the demand "
                        "states (pressure, concentration, impurities, moisture …) must be met by the offer, and a "
                        "bound the offer does not state makes the pair conditional; hazardous waste needs a licensed "
                        "or exempt receiver; amounts allocated largest first on a common basis (energy for heat and fuel, mass for materials, volume for water) so nothing is promised "
                        "twice; distances are straight lines between site coordinates (pipes and roads are longer)."},
    }


def _row(kb: Knowledge, pair: tuple, amount: float, places: dict, amounts: bool = True) -> dict:
    offer, demand, factor, met, failed, unknown, legal_note = pair
    row = {
        "from": offer.enterprise, "to": demand.enterprise,
        "offer": offer.resource, "offer_labels": kb.label(offer.resource),
        "demand": demand.resource, "demand_labels": kb.label(demand.resource),
        "amount": round(amount, 6), "unit": demand.unit,
        "temperature_out_c": offer.temperature_c, "temperature_in_c": demand.temperature_c,
        "fate_today": offer.fate, "qualities_met": met, "qualities_failed": failed,
        "qualities_unknown": unknown, "hazardous": legal_note, "why": _why(kb, offer, demand),
        "saving": _saving(kb, offer, demand, amount) if amounts else None,
        "conditions": _conditions(met, failed, unknown, legal_note),
    }
    a, b = places.get(offer.enterprise), places.get(demand.enterprise)
    if a and b:
        form = kb.resources.get(offer.resource, {}).get("form") or ""
        way = _CONNECTION.get(form, ("管道或运输", "pipe or transport"))
        row["distance_km"] = round(distance_km(a, b), 2)
        row["connection"] = {"zh": f"{way[0]}，直线距离约{row['distance_km']:g} km", "en": f"{way[1]}, about "
                             f"{row['distance_km']:g} km in a straight line"}
    return row


def _saving(kb: Knowledge, offer: _Stream, demand: _Stream, amount: float) -> dict:
    """What the exchange saves, in kind: the receiver's purchase it replaces and the sender's fate it ends."""
    got, gave = kb.label(demand.resource), kb.label(offer.resource)
    if kb.resources.get(demand.resource, {}).get("hw_codes"):   # a waste taken as raw material
        zh = f"需求方得到原料{got['zh']}{amount:,.6g} {demand.unit}"
        en = f"the receiver gets {amount:,.6g} {demand.unit} of {got['en']} as raw material"
    else:
        zh = f"替代需求方外购或新取的{got['zh']}{amount:,.6g} {demand.unit}"
        en = f"replaces {amount:,.6g} {demand.unit} of {got['en']} the receiver buys or draws"
    if offer.fate:
        zh += f"；供方{gave['zh']}不再{offer.fate}"
        en += f"; the sender's {gave['en']} no longer goes to {offer.fate}"
    return {"zh": zh, "en": en}


_READS = {"at-least": ("≥", "不低于", "at least"), "at-most": ("≤", "不高于", "at most"),
          "same": ("=", "为", "to be"), "unstated": ("?", "", "")}


def _v(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _conditions(met: list, failed: list, unknown: list, legal_note: dict | None) -> dict[str, str]:
    """The qualities checked, in words: met, not met (why refused) and not stated by the offer (to check)."""
    zh, en = [], []
    for q in met:
        ok = _READS[q["reads"]][0]
        zh.append(f"{q['labels']['zh']}{_v(q['offer'])}{ok}{_v(q['demand'])} {q['unit'] or ''}".strip())
        en.append(f"{q['labels']['en']} {_v(q['offer'])} {ok} {_v(q['demand'])} {q['unit'] or ''}".strip())
    for q in failed:
        need_zh, need_en = _READS[q["reads"]][1:3]
        zh.append(f"不满足：{q['labels']['zh']}{_v(q['offer'])}，需{need_zh}{_v(q['demand'])} {q['unit'] or ''}".strip())
        en.append(f"not met: {q['labels']['en']} {_v(q['offer'])}, needs {need_en} {_v(q['demand'])} "
                  f"{q['unit'] or ''}".strip())
    for q in unknown:
        need = f"{_v(q['demand'])} {q['unit'] or ''}".strip()
        if q["reads"] == "unstated":   # the demand gave a figure without saying whether it is a floor or a ceiling
            zh.append(f"待核实：需求方{q['labels']['zh']}{need}未说明是上限还是下限（名称后加“上限”或“下限”）")
            en.append(f"to check: the demand's {q['labels']['en']} {need} does not say whether it is a floor or a "
                      "ceiling (add 上限 or 下限 to the name)")
            continue
        zh.append(f"待核实：供方未填{q['labels']['zh']}（需{_READS[q['reads']][1]}{need}）")
        en.append(f"to check: the offer states no {q['labels']['en']} (needs {_READS[q['reads']][2]} {need})")
    if legal_note:
        zh.append(legal_note["zh"])
        en.append(legal_note["en"])
    return {"zh": "；".join(zh) or "无品质要求", "en": "; ".join(en) or "no quality bounds"}
