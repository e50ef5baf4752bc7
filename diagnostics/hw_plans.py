"""A park item for hazardous-waste pairs that fail only for want of the receiver's licence: one enterprise's waste could
replace another's raw material (qualities met or still to check), but the receiver holds no licence for it and claims
no exemption. Item 31 of the catalogue's exemption list allows such a use under a plan the provincial environment
department determines, one waste of one unit at a time; so the park is told which pairs to apply for, with their
amounts, instead of each refusal standing alone in the symbiosis table."""

from __future__ import annotations

from .knowledge import Knowledge
from .report_content import number

MEASURE = "https://w3id.org/cpkb/id/measure/park-hw-point-to-point-plan"


def facilities_for_hw_plans(kb: Knowledge, symbiosis: dict) -> list[dict]:
    """One park item listing every refused pair marked `point_to_point_plan`, or nothing when there is none (or the
    knowledge base lacks the measure)."""
    pairs = [m for m in symbiosis.get("refused") or [] if m.get("point_to_point_plan")]   # one per offer stream:
    # two streams of one type (E05's toluene and its DCM) are different wastes with their own compositions
    if not pairs or MEASURE not in kb.measures:
        return []
    served = sorted({m["from"] for m in pairs} | {m["to"] for m in pairs})
    label = kb.label(MEASURE)
    by_demand: dict[tuple[str, str], list[dict]] = {}   # one demand met by several offers: alternatives, not a sum
    for m in pairs:
        by_demand.setdefault((m["to"], m["demand"]), []).append(m)
    rows = [_demand(group) for group in by_demand.values()]
    zh = "；".join(r["zh"] for r in rows)
    en = "; ".join(r["en"] for r in rows)
    # the receiver stated no bound at all (none met, none the offer left unstated)
    open_ = [m for m in pairs if not m["qualities_met"] and not m["qualities_unknown"]]
    if open_:
        who = sorted({m["to"] for m in open_})
        zh += (f"。其中{len(open_)}对的需方（{'、'.join(who)}）未填品质要求：申请前须由需方明确可接受的成分和有害成分上限，"
               "逐对判断所列成分是否适合其用途，不适合的不申请")
        en += (f". For {len(open_)} of them the receiver ({', '.join(who)}) stated no quality bound: before applying, it "
               "must state the components and harmful-component limits it can take, and each pair's stated composition "
               "be judged against that use; a pair that does not fit is not applied for")
    return [{
        "measure": MEASURE, "labels": label, "shared_measure": True, "serves": served, "to_confirm": [],
        "because": [{"problem": None, "labels": {
            "zh": f"园区内{len(pairs)}对危险废物配对只因接收方无经营许可证、也不符合豁免条件而不能实施",
            "en": f"{len(pairs)} hazardous-waste pairs of the park fail only because the receiver has neither a "
                  "licence nor an exemption"}}],
        "scale": [], "output_served": None, "output_unit": None, "cost_class": kb.measures[MEASURE].cost,
        "economics": None, "from_symbiosis": True,
        "pairs": [{"from": m["from"], "to": m["to"], "offer": m["offer"], "offer_labels": m["offer_labels"],
                   "demand": m["demand"], "demand_labels": m["demand_labels"], "amount": m["amount"],
                   "unit": m["unit"], "offer_stated": m.get("offer_stated") or [],
                   "receiver_bounds": len(m["qualities_met"]) + len(m["qualities_unknown"])} for m in pairs],
        "summary": {"zh": f"{label['zh']}：{zh}。每一对单独向省级生态环境部门申请，方案确定后方可实施，须满足所在省份方案的条件。",
                    "en": f"{label['en']}: {en}. Each pair applies to the provincial environment department on its "
                          "own and may proceed only once a plan is determined, on the province's conditions."},
    }]


def _demand(group: list[dict]) -> dict[str, str]:
    """One receiver's demand and the offers that could each meet it: each pair is sized on the smaller of offer
    and demand, so several pairs to one demand are alternatives (或分担), never added up."""
    first = group[0]
    offers = {lang: ("或" if lang == "zh" else " or ").join(_offer(m, lang) for m in group) for lang in ("zh", "en")}
    most = max(m["amount"] for m in group)
    alone = len(group) == 1
    return {"zh": f"{first['to']}的{first['demand_labels']['zh']}（至多{number(most)} {first['unit']}）可由"
                  f"{offers['zh']}{'替代' if alone else '之一替代或分担'}",
            "en": f"{first['to']}'s {first['demand_labels']['en']} (at most {number(most)} {first['unit']}) "
                  f"{'by' if alone else 'by one of, or shared among,'} {offers['en']}"}


def _offer(m: dict, lang: str) -> str:
    stated = ("、" if lang == "zh" else ", ").join(_quality(q, lang) for q in m.get("offer_stated") or [])
    if lang == "zh":
        return f"{m['from']}的{m['offer_labels']['zh']}（{stated or '未填成分'}）"
    return f"{m['from']}'s {m['offer_labels']['en']} ({stated or 'no composition given'})"


def _quality(q: dict, lang: str) -> str:
    return f"{q['labels'][lang]} {number(q['value'])}{' ' + q['unit'] if q.get('unit') else ''}"
