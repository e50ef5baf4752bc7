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
