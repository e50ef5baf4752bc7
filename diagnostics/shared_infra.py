"""Shared infrastructure in a park or cluster: where several enterprises each need the same park-scale measure of
kb/shared/measures.yaml (`scale: park`: central steam, a shared RTO, shared pre-treatment, shared hazardous-waste
storage …) because each runs a small version of the facility (the problems the sector links the measure to), one
shared facility is proposed, with the enterprises it would serve and its scale: the combined load of what it acts on
(reported, or estimated from generation factors) and the combined output of the enterprises it serves."""

from __future__ import annotations

from .knowledge import Knowledge
from .potential import baseline_loads
from .survey import Enterprise, Survey

MIN_SERVED = 2   # one enterprise is not a shared facility


def shared_infrastructure(kb: Knowledge, survey: Survey, enterprises: list[Enterprise],
                          recommendations: list[dict]) -> dict:
    """One facility per park-scale measure recommended to at least MIN_SERVED enterprises."""
    by_id = {e.id: e for e in enterprises}
    facilities = []
    for rec in recommendations:
        if rec.get("scale") != "park":
            continue
        served = [e for e in rec.get("applies_to") or [] if e in by_id]
        if len(served) < MIN_SERVED:
            continue
        measure = kb.measures.get(rec["measure"])
        acts_on = sorted({e.target for e in (measure.effects if measure else []) if e.target_kind == "pollutant"})
        loads = baseline_loads(kb, survey, [by_id[e] for e in served], acts_on)
        scale = []
        for pollutant in acts_on:
            rows = loads.get(pollutant) or {}
            if rows:
                scale.append({"pollutant": pollutant, "labels": kb.label(pollutant),
                              "t_per_a": round(sum(r["t_per_a"] for r in rows.values()), 6),
                              "enterprises_with_data": sorted(rows),
                              "estimated": sorted(e for e, r in rows.items() if r["how"] != "reported")})
        outputs = [by_id[e].output for e in served if by_id[e].output]
        facilities.append({
            "measure": rec["measure"], "labels": rec["labels"], "shared_measure": rec.get("shared_measure"),
            "serves": served, "to_confirm": rec.get("prerequisite_unconfirmed") or [],
            "because": [{"problem": p, "labels": kb.label(p)} for p in rec.get("problems") or []],
            "scale": scale, "output_served": round(sum(outputs), 6) if outputs else None,
            "output_unit": next((by_id[e].output_unit for e in served if by_id[e].output), None),
            "cost_class": rec.get("cost_class"), "economics": rec.get("economics"),
            "summary": _summary(kb, rec, served, scale),
        })
    return {"facilities": facilities,
            "basis": {"zh": f"园区级共享措施（集中供热、共享RTO、集中预处理、共享危废暂存等）推荐给不少于{MIN_SERVED}家企业时，"
                            "提出一处共享设施替代各企业分散的小设施；规模按所服务企业的相关污染物负荷（填报或按产排污系数估算）"
                            "和产量合计，选址、管网和运营模式须另行论证。",
                      "en": f"When a park-scale shared measure (central steam, a shared RTO, shared pre-treatment, shared "
                            f"hazardous-waste storage …) is recommended to at least {MIN_SERVED} enterprises, one shared "
                            "facility is proposed in place of their small ones; its scale is the combined load of what it "
                            "acts on (reported, or estimated from generation factors) and the output it serves; siting, "
                            "networks and operation need their own study."}}


def _summary(kb: Knowledge, rec: dict, served: list[str], scale: list[dict]) -> dict[str, str]:
    zh = f"{kb.label(rec['measure'])['zh']}：服务{len(served)}家企业（{'、'.join(served)}）"
    en = f"{kb.label(rec['measure'])['en']}: serves {len(served)} enterprises ({', '.join(served)})"
    if scale:
        zh += "，按" + "、".join(f"{s['labels']['zh']}{s['t_per_a']:,.4g} t/a" for s in scale) + "负荷设计"
        en += ", sized for " + ", ".join(f"{s['t_per_a']:,.4g} t/a of {s['labels']['en']}" for s in scale)
    return {"zh": zh + "。", "en": en + "."}


def facilities_from_symbiosis(kb: Knowledge, symbiosis: dict) -> list[dict]:
    """A park facility for demands the park's own offers cannot meet: where at least MIN_SERVED enterprises demand a
    resource whose type names a shared facility (reclaimed water → 园区再生水分质供水), nothing is proposed to them, and
    every offer to them was refused on its quality (the effluent's chloride and salts), one facility serves them all,
    sized on the sum of what they demand."""
    proposed = {(m["to"], m["demand"]) for kind in ("matches", "conditional") for m in symbiosis.get(kind) or []}
    failed: dict[tuple[str, str], list[dict]] = {}
    for m in symbiosis.get("refused") or []:
        if m["qualities_failed"]:
            failed.setdefault((m["to"], m["demand"]), []).extend(m["qualities_failed"])
    out = []
    for resource, info in kb.resources.items():
        for measure in info.get("shared_facility") or []:
            short = [d for d in symbiosis.get("unmatched_demands") or [] if d["resource"] == resource
                     and (d["enterprise"], resource) in failed and (d["enterprise"], resource) not in proposed]
            if len({d["enterprise"] for d in short}) >= MIN_SERVED:
                out.append(_facility(kb, measure, resource, short, failed))
    return out


def _facility(kb: Knowledge, measure: str, resource: str, short: list[dict], failed: dict) -> dict:
    served = sorted({d["enterprise"] for d in short})
    missed = {q["labels"]["zh"]: q["labels"] for d in short for q in failed[(d["enterprise"], resource)]}
    units = {d["unit"] for d in short}
    total = round(sum(d["amount_left"] for d in short), 6) if len(units) == 1 else None
    label, need = kb.label(measure), kb.label(resource)
    size = (f"，按需求合计{total:,.6g} {units.pop()}设计" if total is not None else "", "")
    return {
        "measure": measure, "labels": label, "shared_measure": True, "serves": served, "to_confirm": [],
        "because": [{"problem": None, "labels": {
            "zh": f"园区内供方的{need['zh']}品质不满足这些企业的要求（{'、'.join(missed)}超出需方上限）",
            "en": f"the park's offers of {need['en']} miss these enterprises' bounds "
                  f"({', '.join(v['en'] for v in missed.values())})"}}],
        "scale": [], "demand_total": {"amount": total, "unit": short[0]["unit"]} if total is not None else None,
        "output_served": None, "output_unit": None, "cost_class": None, "economics": None, "from_symbiosis": True,
        "summary": {"zh": f"{label['zh']}：服务{len(served)}家企业（{'、'.join(served)}）{size[0]}；"
                          f"园区现有{need['zh']}因{'、'.join(missed)}不达标，不能直接使用。",
                    "en": f"{label['en']}: serves {len(served)} enterprises ({', '.join(served)}); the park's "
                          f"{need['en']} today misses their bounds on {', '.join(v['en'] for v in missed.values())}."},
    }
