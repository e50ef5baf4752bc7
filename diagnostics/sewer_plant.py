"""The plant that indirect dischargers send their effluent to, as a basin or park survey describes it: the limits of
the sewer-connection agreement (纳管协议) the enterprises must meet at their outlet, and the plant's own effluent
concentrations. Both are the survey's figures, never the knowledge base's: which national limits bind an indirect
discharger depends on the kind of plant (GB 4287-2012 and its 2015 amendment), and where the survey does not say,
the agreement it gives is the limit the park actually applies.

Loads are split by discharge route: what direct dischargers let into the water, what indirect ones send to the
plant, and — when the plant's effluent is given — what of the latter reaches the water after it (the indirect
dischargers' wastewater × the plant's effluent concentration), since the plant, not the enterprise, discharges it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .choices import route_facts
from .enterprise_model import judged_sector
from .knowledge import Knowledge, normalise

if TYPE_CHECKING:
    from .survey import Enterprise, Survey, SurveyReader

_KEYS = {"agreement": ("sewer_agreement_limits", "nanguan_agreement_limits", "nanguan_limits", "sewer_agreement",
                       "纳管协议限值", "纳管协议", "纳管限值", "接管标准", "纳管标准", "接管限值"),
         "effluent": ("sewer_plant_effluent", "park_wwtp_effluent", "park_wwtp_effluent_avg", "wwtp_effluent",
                      "plant_effluent", "污水厂出水浓度", "污水处理厂出水浓度", "园区污水厂出水", "污水厂出水")}
_TAILS = re.compile(r"(?:[_\s-]*(?:mg[_/]?l|(?:19|20)\d\d|avg|mean|年均|均值))+$", re.I)
_KEY_OF = {normalise(a).replace("_", ""): kind for kind, names in _KEYS.items() for a in names}
AGREEMENT = "survey:sewer-agreement"   # the set's id: the survey's, not an IRI of the knowledge base
WORDS = {"agreement": ("纳管协议限值", "sewer-connection agreement limits"),
         "effluent": ("污水处理厂出水浓度", "the receiving plant's effluent")}


def plant_key(key: Any) -> str | None:
    """agreement or effluent when a scope fact's name is one of these (nanguan_agreement_limits_mg_L)."""
    if not isinstance(key, str):
        return None
    core = key.strip()
    for _ in range(3):
        core = _TAILS.sub("", core)
    return _KEY_OF.get(normalise(core).replace("_", ""))


def take_plant_keys(reader: SurveyReader, facts: dict, scope: dict) -> dict:
    """The scope facts without the plant's keys; those are read into scope['sewer_plant'] as {pollutant: mg/L}."""
    rest, plant = {}, {}
    for key, value in facts.items():
        kind = plant_key(key)
        if kind is None:
            rest[key] = value
            continue
        path = f"scope.facts.{key}"
        if not isinstance(value, dict):
            reader.error(path, f"{key} is a mapping of pollutant to mg/L, e.g. {{COD: 500, 氨氮: 35}}.",
                         f"{key} 应为“污染物: 浓度（mg/L）”的映射，如 {{COD: 500, 氨氮: 35}}。")
            continue
        found = {}
        for name, number in value.items():
            iri = reader.resolve("pollutant", str(name), f"{path}.{name}")
            conc = reader.number(number, f"{path}.{name}")
            if iri and conc is not None:
                found[iri] = conc
        plant[kind] = found
    if plant:
        scope["sewer_plant"] = plant
    return rest


def discharge_side(kb: Knowledge, ent: Enterprise, sector: str | None) -> str | None:
    """direct or indirect, from the enterprise's answers to the sector's discharge-route facts, else from its own
    written mode (discharge_mode: direct where the sector's route question has several direct answers); None when
    unknown."""
    for fact in route_facts(kb, sector):
        answer = ent.facts.get(fact.iri)
        answers = answer if isinstance(answer, tuple) else (answer,)
        for side, values in fact.sides.items():
            if any(a in values for a in answers if a is not None):
                return side
    return ent.own_route


def agreement_set(kb: Knowledge, survey: Survey, enterprises: list[Enterprise]) -> dict | None:
    """The survey's sewer-connection agreement as a requirement set of the compliance section: it binds the
    indirect dischargers, whose outlet concentrations of the agreed pollutants are compared with it."""
    limits = (survey.scope.get("sewer_plant") or {}).get("agreement")
    if not limits:
        return None
    sector = survey.scope.get("sector")
    status: dict[str, list] = {"applies": [], "not_applicable": [], "unknown": []}
    checks = []
    for ent in enterprises:
        side = discharge_side(kb, ent, judged_sector(ent, sector) or sector)
        status[{"indirect": "applies", "direct": "not_applicable"}.get(side, "unknown")].append(ent.id)
        if side == "indirect":
            checks.extend(_checks(kb, survey, ent, limits))
    label = {"zh": "园区纳管协议限值（调查表给出）", "en": "sewer-connection agreement limits (given in the survey)"}
    return {"requirement": AGREEMENT, "labels": label, "document": None, "document_labels": None,
            "clause": None, "area": "agreement", "enterprises": {k: v for k, v in status.items() if v},
            "reasons": {}, "checks": checks, "exceeded": [c for c in checks if c["exceeded"]], "place_unknown": [],
            "not_measured": sorted(set(status["applies"]) - {c["enterprise"] for c in checks})}


def _checks(kb: Knowledge, survey: Survey, ent: Enterprise, limits: dict[str, float]) -> list[dict]:
    out = []
    for em in ent.emissions:
        limit = limits.get(em["pollutant"])
        if limit is None or em["stage"] != "emitted" or em.get("point") not in (None, "total-outlet"):
            continue
        try:
            value = survey.units.conversion(em["unit"], "mg/L").apply(em["value"])
        except Exception:  # noqa: BLE001 - a load or a factor: not a concentration to compare
            continue
        key = em["pollutant"].rsplit("/", 1)[-1]
        out.append({"requirement": AGREEMENT, "limit": f"{AGREEMENT}/{key}", "key": key, "enterprise": ent.id,
                    "subject": em["pollutant"], "subject_kind": "pollutant", "subject_labels": kb.label(em["pollutant"]),
                    "measured": value, "unit": "mg/L", "limit_value": limit, "compared": round(value, 6),
                    "exceeded": value > limit, "ratio": round(value / limit, 4) if limit > 0 else None,
                    "point": "total-outlet", "clause": WORDS["agreement"][0], "process": em.get("process")})
    return out


def _wastewater(ent: Enterprise) -> float | None:
    """The enterprise's annual wastewater (m³/a): the fact keyed annual-wastewater of whichever sector it was read in."""
    return next((v for iri, v in ent.facts.items() if iri.rsplit("/", 1)[-1] == "annual-wastewater"
                 and isinstance(v, (int, float)) and not isinstance(v, bool)), None)


def by_route(kb: Knowledge, survey: Survey, enterprises: list[Enterprise], pollutant_rows: list[dict]) -> None:
    """Each pollutant's baseline split by discharge route, and what of the indirect part reaches the water after the
    receiving plant when the survey gives the plant's effluent: the indirect dischargers' wastewater × its effluent
    concentration × 10⁻⁶ (those without an annual wastewater are listed, not guessed)."""
    sector = survey.scope.get("sector")
    effluent = (survey.scope.get("sewer_plant") or {}).get("effluent") or {}
    sides = {e.id: discharge_side(kb, e, judged_sector(e, sector) or sector) for e in enterprises}
    volumes = {e.id: _wastewater(e) for e in enterprises}   # each by its own sector's 年废水排放量
    indirect = [e.id for e in enterprises if sides[e.id] == "indirect"]
    water = sum(v for eid in indirect if isinstance(v := volumes.get(eid), (int, float)))
    for row in pollutant_rows:
        split = {"direct": 0.0, "indirect": 0.0, "unknown": 0.0}
        for b in row["baseline"]:
            split[sides.get(b["enterprise"]) or "unknown"] += b["t_per_a"]
        row["by_discharge_route_t_per_a"] = {k: round(v, 6) for k, v in split.items()}
        conc = effluent.get(row["pollutant"])
        if conc is None or not indirect:
            continue
        after = conc * water * 1e-6
        row["after_receiving_plant"] = {
            "t_per_a": round(after, 6), "effluent_mg_L": conc, "wastewater_m3_a": water,
            "no_wastewater": sorted(eid for eid in indirect if not isinstance(volumes.get(eid), (int, float))),
            "to_water_t_per_a": round(split["direct"] + after, 6),
            "formula_labels": {
                "zh": f"间接排放企业废水量 {water:,.0f} m³/a × 污水处理厂出水 {conc:g} mg/L × 10⁻⁶ = {after:.4g} t/a；"
                      f"入河 = 直接排放 {split['direct']:.4g} + {after:.4g} = {split['direct'] + after:.4g} t/a",
                "en": f"indirect dischargers' wastewater {water:,.0f} m³/a × plant effluent {conc:g} mg/L × 10⁻⁶ = "
                      f"{after:.4g} t/a; to the water = direct {split['direct']:.4g} + {after:.4g} = "
                      f"{split['direct'] + after:.4g} t/a"}}
