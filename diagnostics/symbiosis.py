"""Park symbiosis: matches what one enterprise of a park gives off (waste heat, slags, spent acids, effluents)
with what another needs — by resource type and the knowledge base's `can serve as` links, temperature grade,
the qualities the demand sets bounds on (steam pressure, free acid, iron, COD, moisture …), the receiver's legal
basis for taking a hazardous waste, and quantity; with the distance when the survey gives coordinates.

A match is proposed only where the offer meets everything the demand states. Where the offer does not state a
quality the demand bounds, or the receiver's basis for a hazardous waste is not known, the pair is listed as
conditional (待核实), with what must be checked; where a bound is not met or the receiver has no basis, the pair
is refused with the reason. A miss the resource type's routine treatment mends (oxygen in by-product hydrogen) makes
the pair conditional, naming the treatment; a steam offer at exactly the demand's pressure has no margin for the
line's pressure drop and is conditional too. A resource that only looks like the demand's (incinerator fly ash and
coal fly ash) is refused with the reason. A demand already supplied by a park enterprise today (its fate names it) is
not proposed again from that supplier, and other offers to it are conditional: they only displace that supply.
Only firm matches use up quantities; the part of an offer committed by contract is not offered, and is shown as
conditional on the contract where a demand is still short.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field

from .knowledge import Knowledge
from .survey import Enterprise, Survey
from .hw_receipt import CODE_QUALITY, receipt
from .pair_amounts import PairFactor, pair_factor, yearly
from .units import UnitConverter, UnitProblem

# Heat must flow downhill with a usable driving difference (a heat exchanger's approach temperature).
MIN_APPROACH_C = 10.0
EARTH_RADIUS_KM = 6371.0
FACT = "https://w3id.org/cpkb/id/fact/"
PRESSURE = "https://w3id.org/cpkb/id/quality/pressure"
HOURS_FACT = FACT + "annual-operating-hours"
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
    hours: float | None = None       # hours run a year: the stream's own, else its enterprise's 年运行小时数
    hours_how: str | None = None     # key / remark / enterprise
    committed: dict | None = None    # the part of an offer committed by contract {amount, said, how}

    @property
    def free(self) -> float:
        """What may be offered: the amount less the part committed by contract."""
        return max(0.0, self.amount - (self.committed or {}).get("amount", 0.0))


def _idle(ent: Enterprise) -> bool:
    """An enterprise not operating (operating_status: 停产, idle_whole_year): its streams are history, not supply."""
    return "idle" in ent.set_apart


def _hours(ent: Enterprise, stream: dict) -> tuple[float | None, str | None]:
    if stream.get("hours"):
        return stream["hours"], stream.get("hours_how") or "key"
    hours = ent.facts.get(HOURS_FACT)
    if isinstance(hours, (int, float)) and not isinstance(hours, bool) and 0 < hours <= 8784:
        return float(hours), "enterprise"
    return None, None


def _streams(enterprises: list[Enterprise], direction: str) -> list[_Stream]:
    return [_Stream(e.id, s["resource"], s["value"], s["unit"], s["temperature_c"], s["fate"], s["process"],
                    s.get("qualities") or {}, s.get("reads") or {}, s.get("named") or {}, *_hours(e, s),
                    s.get("committed"))
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
        source = quality if quality in offer.qualities else _named_member(offer, demand, quality)
        if source is None and reads == "at-least":   # another compound of the same element (Ca(OH)2 for CaCO3)
            equivalent = _equivalent(kb, survey, offer, quality, bound, bound_unit)
            if equivalent:
                unknown.append({**row, "equivalent": equivalent})
                continue
        if source is None or reads is None:   # a bound of no stated direction is checked by hand
            unknown.append(row)
            continue
        if source != quality:   # the offer names one member of the group the demand bounds: say which
            said = offer.named[source]
            row["labels"] = {"zh": f"{labels['zh']}（供方{said}）", "en": f"{labels['en']} (the offer's {said})"}
            row["member"] = said
        value, unit = offer.qualities[source]
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
        if ok and quality == PRESSURE and reads == "at-least":
            if math.isclose(value, bound, rel_tol=1e-9):   # no margin for the line's pressure drop
                unknown.append({**row, "margin": True})
                continue
            row["let_down"] = True                          # a higher pressure let down to the user's
        (met if ok else failed).append(row)
    return met, failed, unknown


_GROUP = re.compile(r"[(（]([^()（）]+)[)）]")
_COMPONENT_WORDS = ("含量", "浓度", "纯度", "质量分数")


def _component(name: str) -> str:
    text = name.strip()
    for word in _COMPONENT_WORDS:
        if text.endswith(word) and len(text) > len(word):
            return text[: -len(word)].strip()
    return text


def _named_member(offer: _Stream, demand: _Stream, quality: str) -> str | None:
    """The offer's figure for a demand's bound on a group of components written with its members
    (目标组分(甲苯/甲醇/乙酸乙酯)下限): the one quality the offer names after a member (甲苯含量), as both sides write
    them; None where the demand lists no members or the offer names none or several of them."""
    written = demand.named.get(quality)
    found = _GROUP.search(written) if written else None
    if not found:
        return None
    members = {m.strip() for m in re.split(r"[/／、,，;；]", found.group(1)) if m.strip()}
    if len(members) < 2:
        return None
    hits = [key for key, name in offer.named.items() if _component(name) in members]
    return hits[0] if len(hits) == 1 else None


def _molar(kb: Knowledge, quality: str) -> tuple[float, str] | None:
    """A content quality's molar mass and the element it exchanges on (kb/shared/qualities.yaml), when it has both."""
    info = kb.qualities.get(quality, {})
    if not info.get("equivalent_as") or not info.get("molar_mass"):
        return None
    mass = float(info["molar_mass"])
    return (mass, info["equivalent_as"]) if mass > 0 else None


def _equivalent(kb: Knowledge, survey: Survey, offer: _Stream, quality: str, bound, bound_unit) -> dict | None:
    """A demand's floor on one compound's share (CaCO3 ≥ 90 %) against an offer stating another compound of the same
    element (Ca(OH)2 88 %): how many tonnes of the demand's material one tonne of the offer replaces, on moles of the
    element — (offer share ÷ its molar mass) ÷ (demand floor ÷ the demand compound's molar mass)."""
    wanted = _molar(kb, quality)
    if wanted is None or isinstance(bound, str) or not bound or bound <= 0:
        return None
    for other, (value, unit) in offer.qualities.items():
        got = _molar(kb, other)
        if other == quality or got is None or got[1] != wanted[1] or isinstance(value, str):
            continue
        try:
            share = survey.units.conversion(unit, bound_unit).apply(value) if unit and bound_unit else value
        except UnitProblem:
            continue
        if share <= 0:
            continue
        return {"quality": other, "labels": kb.label(other), "offer": round(share, 6), "as": wanted[1],
                "molar_mass": {"offer": got[0], "demand": wanted[0]},
                "ratio": round((share / got[0]) / (bound / wanted[0]), 6)}
    return None


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


def _rank(units: UnitConverter, by_id: dict, places: dict):
    """Demands nobody in the park supplies today first; then the largest pair, on the common basis (2 000 kg/a ranks
    below 3 t/a, which the demand's own units hid); then the nearest."""
    def key(p):
        offer, demand, factor = p[:3]
        a, b = places.get(offer.enterprise), places.get(demand.enterprise)
        return (_served_by(by_id, demand) is not None,
                -common_amount(units, min(offer.free * factor.factor, demand.amount), demand.unit),
                distance_km(a, b) if a and b else math.inf)
    return key


def _served_by(by_id: dict, demand: _Stream) -> str | None:
    """The park enterprise a demand's fate says supplies it today (现由 E01 供), by its id or its name."""
    fate = demand.fate if isinstance(demand.fate, str) else ""
    for ident, ent in by_id.items():
        if ident == demand.enterprise:
            continue
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(ident)}(?![A-Za-z0-9])", fate) or (ent.name and ent.name in fate):
            return ident
    return None


def _pair(kb: Knowledge, survey: Survey, by_id: dict, offer: _Stream, demand: _Stream) -> tuple[str, tuple] | None:
    """(firm / conditional / refused, the pair) for an offer and a demand, or None where they have nothing to do
    with each other or their amounts cannot be compared."""
    resource = kb.resources.get(offer.resource, {})
    mistaken = demand.resource in (resource.get("mistaken_for") or [])
    if not (mistaken or _serves(kb, offer.resource, demand.resource)):
        return None
    density = _density(kb, offer.resource) or _density(kb, demand.resource)
    try:
        factor = pair_factor(survey.units, offer.unit, offer.hours, demand.unit, demand.hours, density)
    except UnitProblem:
        return None   # amounts in incomparable units (e.g. t/a against GJ/a): not a match
    if mistaken:
        return "refused", (offer, demand, factor, [], [], [], _not_the_same(kb, offer, demand), [], False)
    met, failed, unknown = _quality_check(kb, survey, offer, demand)
    swap = next((q["equivalent"] for q in unknown if q.get("equivalent")), None)
    if swap:   # a tonne of the offer replaces `ratio` tonnes of what the demand names, on moles of the element
        factor = dataclasses.replace(factor, factor=factor.factor * swap["ratio"])
    treatable = set(resource.get("treatable") or [])
    treat = [q for q in failed if q["quality"] in treatable]
    failed = [q for q in failed if q["quality"] not in treatable]
    legal, legal_note = receipt(kb, offer.resource, offer.qualities, by_id.get(demand.enterprise))
    if resource.get("needs_identification") in ("true", True) and legal == "ok" and legal_note is None:
        legal, legal_note = "unknown", _identification(kb, offer)
    if not _hot_enough(offer, demand):
        failed = failed + [{"quality": "temperature", "labels": {"zh": "温度", "en": "temperature"},
                            "reads": "at-least", "demand": demand.temperature_c + MIN_APPROACH_C,
                            "offer": offer.temperature_c, "unit": "℃"}]
    pair = (offer, demand, factor, met, failed, unknown, legal_note, treat, legal == "plan" and not failed)
    if failed or legal in ("refused", "plan"):
        return "refused", pair
    if unknown or treat or legal == "unknown":
        return "conditional", pair
    return "firm", pair


def _stated(kb: Knowledge, offer: _Stream) -> list[dict]:
    """The composition the offer states (its code aside): a point-to-point plan needs the useful and harmful
    components known, and the reader judges them against the receiver's use."""
    def labels(key: str) -> dict:   # a quality the knowledge does not name keeps the survey's own words
        return kb.label(key) if key in kb.qualities else dict.fromkeys(("zh", "en"), offer.named.get(key, key))
    return [{"labels": labels(key), "value": value, "unit": unit}
            for key, (value, unit) in offer.qualities.items() if key != CODE_QUALITY]


def _density(kb: Knowledge, resource: str) -> float | None:
    found = kb.resources.get(resource, {}).get("density")
    return float(found) if found else None


def _not_the_same(kb: Knowledge, offer: _Stream, demand: _Stream) -> dict:
    """Why a look-alike is refused: what it is, what it is not, and how it is managed."""
    gave, got = kb.label(offer.resource), kb.label(demand.resource)
    code = offer.qualities.get(CODE_QUALITY)
    shown = f"（{code[0]}）" if code else ""
    rule = kb.resources.get(offer.resource, {}).get("regulatory") or {}
    return {"zh": f"{gave['zh']}{shown}不是{got['zh']}，不能按{got['zh']}利用。{rule.get('zh', '')}".strip(),
            "en": f"{gave['en']}{' (' + code[0] + ')' if code else ''} is not {got['en']} and may not be used as it. "
                  f"{rule.get('en', '')}".strip()}


def _identification(kb: Knowledge, offer: _Stream) -> dict:
    label = kb.label(offer.resource)
    return {"zh": f"{label['zh']}是危险废物处理后的固体废物，须先按危险废物鉴别标准鉴别其属性（调查表无鉴别结果）；"
                  "鉴别前按危险废物管理，不能作一般工业固体废物利用。",
            "en": f"{label['en']} is what is left after treating a hazardous waste: its status must first be identified "
                  "under the hazardous-waste identification standards (the survey gives no result); until then it is "
                  "managed as hazardous waste, not used as general industrial solid waste."}


def find_symbiosis(kb: Knowledge, survey: Survey, enterprises: list[Enterprise]) -> dict:
    """Candidate exchanges between different enterprises, largest first; each offer and demand is used up
    greedily by firm matches, so that the same tonne or gigajoule is not promised twice."""
    by_id = {e.id: e for e in enterprises}
    offers, demands = _streams(enterprises, "out"), _streams(enterprises, "in")
    places = {e.id: _place(e) for e in enterprises}
    firm, conditional, refused, existing = [], [], [], []
    for offer in offers:
        for demand in demands:
            if offer.enterprise == demand.enterprise:
                continue
            found = _pair(kb, survey, by_id, offer, demand)
            if found is None:
                continue
            served = _served_by(by_id, demand)
            if served == offer.enterprise:   # the exchange exists today: nothing to propose
                existing.append(found)
                continue
            verdict, pair = found
            if verdict == "firm" and served:
                verdict = "conditional"
            {"firm": firm, "conditional": conditional, "refused": refused}[verdict].append(pair)
    left_offer = {id(o): o.free for o in offers}
    left_demand = {id(d): d.amount for d in demands}
    rank = _rank(survey.units, by_id, places)
    matches = []
    for pair in sorted(firm, key=rank):
        offer, demand, factor = pair[:3]
        amount = min(left_offer[id(offer)] * factor.factor, left_demand[id(demand)])
        if amount <= 0:
            continue
        left_offer[id(offer)] -= amount / factor.factor
        left_demand[id(demand)] -= amount
        matches.append(_row(kb, survey, pair, amount, places, by_id))
    pending = []
    waiting = {id(p) for p in conditional}
    for pair in sorted(conditional + firm, key=rank):
        offer, demand, factor = pair[:3]
        amount = min(left_offer[id(offer)] * factor.factor, left_demand[id(demand)])   # what is left after firm ones
        if id(pair) in waiting and amount > 0:
            pending.append(_row(kb, survey, pair, amount, places, by_id))
        elif amount <= 0 and offer.committed and left_demand[id(demand)] > 0:   # only the contracted part is left
            amount = min(offer.committed["amount"] * factor.factor, left_demand[id(demand)])
            pending.append(_row(kb, survey, pair, amount, places, by_id, contract=True))
    return {
        "streams": [{"enterprise": st.enterprise, "direction": d, "resource": st.resource,
                     "labels": kb.label(st.resource), "amount": st.amount, "unit": st.unit, "fate": st.fate}
                    for d, group in (("out", offers), ("in", demands)) for st in group],
        "matches": matches,
        "conditional": pending,
        "set_apart": _set_apart(kb, enterprises),
        "refused": [_row(kb, survey, pair, min(pair[0].amount * pair[2].factor, pair[1].amount), places, by_id,
                         amounts=False) for pair in refused],
        "existing": [{"from": p[0].enterprise, "to": p[1].enterprise, "offer": p[0].resource, "demand": p[1].resource,
                      "labels": kb.label(p[1].resource), "fate_today": p[1].fate} for _, p in existing],
        "unmatched_offers": [{"enterprise": o.enterprise, "resource": o.resource, "labels": kb.label(o.resource),
                              "amount_left": round(left_offer[id(o)], 6), "unit": o.unit, "fate_today": o.fate,
                              **({"committed": o.committed} if o.committed else {})}
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


def _row(kb: Knowledge, survey: Survey, pair: tuple, amount: float, places: dict, by_id: dict,
         amounts: bool = True, contract: bool = False) -> dict:
    offer, demand, factor, met, failed, unknown, legal_note, treat, plan = pair
    resource = kb.resources.get(offer.resource, {})
    notes = _amount_notes(kb, survey, offer, demand, factor, amount)
    served = _served_by(by_id, demand)
    if served:
        notes.append({"zh": f"需求方现由{served}供应（{demand.fate}）：改由本供方供应只是替代园区内现有供应，须比较后再定",
                      "en": f"the demand is supplied by {served} today ({demand.fate}): this offer would only displace "
                            "that supply; compare before deciding"})
    if contract:
        notes.append({"zh": f"供方该部分已按合同或协议承诺（{offer.committed['said']}），须调整合同或待合同到期后才能供应",
                      "en": f"this part of the offer is committed by contract ({offer.committed['said']}); it can be "
                            "supplied only once the contract is changed or ends"})
    row = {
        "from": offer.enterprise, "to": demand.enterprise,
        "offer": offer.resource, "offer_labels": kb.label(offer.resource),
        "demand": demand.resource, "demand_labels": kb.label(demand.resource),
        "amount": round(amount, 6), "unit": demand.unit,
        "temperature_out_c": offer.temperature_c, "temperature_in_c": demand.temperature_c,
        "fate_today": offer.fate, "qualities_met": met, "qualities_failed": failed,
        "qualities_unknown": unknown, "hazardous": legal_note, "why": _why(kb, offer, demand),
        "saving": _saving(kb, offer, demand, amount) if amounts else None,
        "conditions": _conditions(met, failed, unknown, legal_note, treat, resource.get("treatment"), notes),
    }
    if treat:
        row["treatment"] = {"qualities": treat, "labels": resource.get("treatment")}
    if contract:
        row["from_committed"] = offer.committed
    if plan:   # refused only for want of the receiver's licence: a point-to-point plan could allow it
        row["point_to_point_plan"] = True
        row["offer_stated"] = _stated(kb, offer)
    per_year = yearly(survey.units, amount, demand.unit, _pair_hours(offer, demand, factor),
                      resource.get("form") == "gas")
    if per_year:
        row["per_year"] = per_year
    if offer.unit != demand.unit or any(q.get("equivalent") for q in unknown):   # as the offer writes it (800.6万Nm3/a
        # of 720 t/a hydrogen; 0.98万t/a of carbide slag for 1.3万t/a of limestone)
        row["in_offer_unit"] = {"amount": round(amount / factor.factor, 6), "unit": offer.unit}
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


def _pair_hours(offer: _Stream, demand: _Stream, factor: PairFactor) -> float | None:
    """The hours a rate-rated pair runs a year: the fewer of the two sides' (both must run)."""
    if factor.hours:
        return factor.hours
    known = [h for h in (offer.hours, demand.hours) if h]
    return min(known) if known else None


def _amount_notes(kb: Knowledge, survey: Survey, offer: _Stream, demand: _Stream, factor: PairFactor,
                  amount: float) -> list[dict]:
    """How the amount was reckoned where the two sides are written in different measures."""
    notes = []
    if factor.density:
        label = kb.label(offer.resource)
        notes.append({"zh": f"质量与标准体积按{label['zh']}标准状态密度{factor.density:g} kg/Nm³换算",
                      "en": f"mass and normal volume converted with {label['en']}'s density {factor.density:g} kg/Nm³"})
    if factor.hours:
        side = demand if factor.hours == demand.hours else offer
        how = {"key": "填报", "remark": "备注所写", "enterprise": "企业年运行小时数"}.get(side.hours_how or "", "")
        notes.append({"zh": f"年量与小时量按{side.enterprise}的年运行{factor.hours:g} h换算（{how}）",
                      "en": f"yearly and hourly figures converted over {side.enterprise}'s {factor.hours:g} h a year"})
    elif factor.no_hours:
        notes.append({"zh": "未填年运行小时数，年量与小时量按全年8766 h换算，须核实",
                      "en": "no operating hours given: yearly and hourly figures converted over the calendar year; check"})
    return notes


# Names of the elements a content quality may exchange on (`equivalent_as` in kb/shared/qualities.yaml).
_ELEMENTS = {"Ca": ("钙", "calcium"), "Mg": ("镁", "magnesium"), "Na": ("钠", "sodium"), "Fe": ("铁", "iron")}

_READS = {"at-least": ("≥", "不低于", "at least"), "at-most": ("≤", "不高于", "at most"),
          "same": ("=", "为", "to be"), "unstated": ("?", "", "")}


def _v(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _conditions(met: list, failed: list, unknown: list, legal_note: dict | None, treat: list | None = None,
                treatment: dict | None = None, notes: list | None = None) -> dict[str, str]:
    """The qualities checked, in words: met, not met (why refused), mended by the resource's routine treatment,
    not stated by the offer (to check), and how the amount was reckoned."""
    zh, en = [], []
    for q in met:
        ok = _READS[q["reads"]][0]
        down = ("（减压使用）", " (let down)") if q.get("let_down") else ("", "")
        zh.append(f"{q['labels']['zh']}{_v(q['offer'])}{ok}{_v(q['demand'])} {q['unit'] or ''}".strip() + down[0])
        en.append(f"{q['labels']['en']} {_v(q['offer'])} {ok} {_v(q['demand'])} {q['unit'] or ''}".strip() + down[1])
    if treat:   # misses the resource's routine treatment mends: one clause naming it
        how = treatment or {"zh": "处理", "en": "treatment"}
        zh.append(f"须经{how['zh']}：" + "、".join(
            f"{q['labels']['zh']}{_v(q['offer'])}（需{_READS[q['reads']][1]}{_v(q['demand'])} {q['unit'] or ''}".strip() + "）"
            for q in treat))
        en.append(f"needs {how['en']}: " + "; ".join(
            f"{q['labels']['en']} {_v(q['offer'])} (needs {_READS[q['reads']][2]} {_v(q['demand'])} {q['unit'] or ''}".strip()
            + ")" for q in treat))
    for q in failed:
        need_zh, need_en = _READS[q["reads"]][1:3]
        zh.append(f"不满足：{q['labels']['zh']}{_v(q['offer'])}，需{need_zh}{_v(q['demand'])} {q['unit'] or ''}".strip())
        en.append(f"not met: {q['labels']['en']} {_v(q['offer'])}, needs {need_en} {_v(q['demand'])} "
                  f"{q['unit'] or ''}".strip())
    for q in unknown:
        need = f"{_v(q['demand'])} {q['unit'] or ''}".strip()
        if q.get("equivalent"):   # another compound of the same element: compared on moles of it, to be tried
            e = q["equivalent"]
            element = _ELEMENTS.get(e["as"], (e["as"], e["as"]))
            zh.append(f"按{element[0]}当量替代：需方要求{q['labels']['zh']}不低于{need}，供方为{e['labels']['zh']}{_v(e['offer'])} "
                      f"{q['unit'] or ''}（摩尔质量{_v(e['molar_mass']['demand'])}、{_v(e['molar_mass']['offer'])} g/mol），"
                      f"1 t供方物料相当于{e['ratio']:.4g} t需方物料；两者不是同一化合物，须经试验确认可以替代")
            en.append(f"replaced on moles of {element[1]}: the demand wants {q['labels']['en']} at least {need}, the offer "
                      f"has {e['labels']['en']} {_v(e['offer'])} {q['unit'] or ''} (molar masses "
                      f"{_v(e['molar_mass']['demand'])}, {_v(e['molar_mass']['offer'])} g/mol): 1 t of the offer stands "
                      f"for {e['ratio']:.4g} t of what the demand names; not the same compound, to be confirmed by trial")
            continue
        if q.get("margin"):   # the offer's pressure is the demand's own: the line's pressure drop leaves it short
            zh.append(f"待核实：供方{q['labels']['zh']}{_v(q['offer'])}恰等于需求{need}，管道压降后到户不足，须核实到户压力或另有裕量")
            en.append(f"to check: the offer's {q['labels']['en']} {_v(q['offer'])} is just the demand's {need}; after the "
                      "line's pressure drop the user is short — check the pressure at the user")
            continue
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
    for note in notes or []:
        zh.append(note["zh"])
        en.append(note["en"])
    return {"zh": "；".join(zh) or "无品质要求", "en": "; ".join(en) or "no quality bounds"}
