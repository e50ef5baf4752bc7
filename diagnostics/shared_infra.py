"""Shared infrastructure in a park or cluster: where several enterprises each need the same park-scale measure of
kb/shared/measures.yaml (`scale: park`: central steam, a shared RTO, shared pre-treatment, shared hazardous-waste
storage …) because each runs a small version of the facility (the problems the sector links the measure to), one
shared facility is proposed, with the enterprises it would serve and its scale: the combined load of what it acts on
(reported, or estimated from generation factors) and the combined output of the enterprises it serves."""

from __future__ import annotations

from .knowledge import Knowledge
from .potential import baseline_loads, generated_load, surrogates
from .survey import Enterprise, Survey
from .report_content import number
from .units import UnitConverter

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
                            "和产量合计；园区内同一资源的配对通向不少于2家需方时，提出一套共用管网（规模按各配对年量，"
                            "待核实配对不超过供方余量）；园区内不少于2家企业排放知识库为园区级措施列出的污染物（如VOCs）时，提出由园区"
                            "统一组织的管理措施（如园区VOCs统一监测与LDAR管理），规模按这些企业的排放量合计；选址、管网和运营模式须另行论证。",
                      "en": f"When a park-scale shared measure (central steam, a shared RTO, shared pre-treatment, shared "
                            f"hazardous-waste storage …) is recommended to at least {MIN_SERVED} enterprises, one shared "
                            "facility is proposed in place of their small ones; its scale is the combined load of what it "
                            "acts on (reported, or estimated from generation factors) and the output it serves; where the "
                            "park's pairs of one resource reach at least two receivers, one shared network is proposed "
                            "(sized on the pairs' yearly amounts, conditional ones within what their supplier has left); "
                            "where at least two enterprises of a park emit a pollutant the knowledge base names for a park "
                            "measure (VOCs), that measure is proposed (park-wide VOCs monitoring and LDAR), sized on their "
                            "combined load; siting, networks and operation need their own study."}}


def _summary(kb: Knowledge, rec: dict, served: list[str], scale: list[dict]) -> dict[str, str]:
    zh = f"{kb.label(rec['measure'])['zh']}：服务{len(served)}家企业（{'、'.join(served)}）"
    en = f"{kb.label(rec['measure'])['en']}: serves {len(served)} enterprises ({', '.join(served)})"
    if scale:
        zh += "，按" + "、".join(f"{s['labels']['zh']}{s['t_per_a']:,.4g} t/a" for s in scale) + "负荷设计"
        en += ", sized for " + ", ".join(f"{s['t_per_a']:,.4g} t/a of {s['labels']['en']}" for s in scale)
    return {"zh": zh + "。", "en": en + "."}


def facilities_for_emitters(kb: Knowledge, survey: Survey, enterprises: list[Enterprise]) -> list[dict]:
    """A park measure for a pollutant several enterprises emit: a park-scale shared measure that names
    `park_emitters` (VOCs → 园区VOCs统一监测与LDAR管理) is proposed where at least MIN_SERVED enterprises of the park
    (not set apart) give a figure of one of those pollutants or of what stands for it (NMHC for VOCs) — an annual load
    emitted or generated, or a concentration — whether or not a rule of their sector found a problem. Sized on their
    combined emitted load (reported, measured, by balance or estimated, as the reduction potential takes it), with the
    generated loads of those that give only that beside it."""
    out = []
    counted = [e for e in enterprises if not e.set_apart]
    for iri, measure in kb.measures.items():
        if measure.scale != "park" or not measure.park_emitters or measure.shared:
            continue
        by_pollutant = {p: [e for e in counted if any(em["pollutant"] in {p, *surrogates(kb, p)} for em in e.emissions)]
                        for p in measure.park_emitters}
        served = sorted({e.id for ents in by_pollutant.values() for e in ents})
        if len(served) < MIN_SERVED:
            continue
        scale = []
        for pollutant, ents in by_pollutant.items():
            if not ents:
                continue
            rows = baseline_loads(kb, survey, ents, [pollutant]).get(pollutant) or {}
            generated = {e.id: generated_load(survey.units, e, pollutant) for e in ents if e.id not in rows}
            generated = {k: v for k, v in generated.items() if v}
            if not rows and not generated:
                continue   # concentrations without a flow: no load to size on, and no "0 t/a" written
            scale.append({"pollutant": pollutant, "labels": kb.label(pollutant),
                          "t_per_a": round(sum(r["t_per_a"] for r in rows.values()), 6) if rows else None,
                          "enterprises_with_data": sorted(rows),
                          "estimated": sorted(e for e, r in rows.items() if r["how"] != "reported"),
                          **({"generated_only_t_per_a": round(sum(generated.values()), 6),
                              "generated_only": sorted(generated)} if generated else {}),
                          "emitters": sorted(e.id for e in ents)})
        emitted = [p for p, ents in by_pollutant.items() if ents]
        out.append(_emitters_facility(kb, iri, measure, served, emitted, scale))
    return out


def _emitters_facility(kb: Knowledge, iri: str, measure, served: list[str], emitted: list[str],
                       scale: list[dict]) -> dict:
    label = kb.label(iri)
    names = {lang: ("、" if lang == "zh" else ", ").join(kb.label(p)[lang] for p in emitted) for lang in ("zh", "en")}
    zh = f"{label['zh']}：园区内{len(served)}家企业（{'、'.join(served)}）排放{names['zh']}"
    en = f"{label['en']}: {len(served)} enterprises of the park ({', '.join(served)}) emit {names['en']}"
    for s in scale:
        if s["enterprises_with_data"]:
            zh += (f"，其中{len(s['enterprises_with_data'])}家{s['labels']['zh']}排放量合计{number(s['t_per_a'], 4)} t/a")
            en += (f"; {len(s['enterprises_with_data'])} of them emit {number(s['t_per_a'], 4)} t/a of "
                   f"{s['labels']['en']} together")
        if s.get("generated_only"):
            zh += f"，{'、'.join(s['generated_only'])}只填报产生量{number(s['generated_only_t_per_a'], 4)} t/a"
            verb = "give" if len(s["generated_only"]) > 1 else "gives"
            en += (f"; {', '.join(s['generated_only'])} {verb} only a generated load, "
                   f"{number(s['generated_only_t_per_a'], 4)} t/a")
    zh += "；由园区统一组织，不另计减排量"   # what the park organises is the measure's definition in the knowledge base
    en += "; organised by the park, no reduction counted for it"
    return {
        "measure": iri, "labels": label, "shared_measure": True, "serves": served, "to_confirm": [],
        "because": [{"problem": None, "labels": {
            "zh": f"园区内{len(served)}家企业排放{names['zh']}（调查填报了排放量、产生量或浓度），宜由园区统一组织"
                  f"{label['zh']}",
            "en": f"{len(served)} enterprises of the park emit {names['en']} (the survey gives their load, generation "
                  f"or concentration); {label['en']} is best organised by the park"}}],
        "scale": scale, "output_served": None, "output_unit": None, "cost_class": measure.cost,
        "economics": None, "from_emitters": True,
        "summary": {"zh": zh + "。", "en": en + "."},
    }


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


def networks_from_symbiosis(kb: Knowledge, units: UnitConverter, symbiosis: dict) -> list[dict]:
    """One shared network for the pairs of a piped resource that reach several receivers: where the park's proposed
    pairs (firm or conditional; not the parts waiting on a contract) of a resource whose type names a
    `shared_network` (hydrogen → 园区氢气管网及集中净化, steam → 园区集中供热) go to at least MIN_SERVED
    enterprises, one network from the suppliers serves them all instead of a line per pair, with one treatment where
    the pairs need the resource's routine treatment. Sized on the pairs' yearly amounts: firm ones in full, conditional
    ones no more than what their supplier has left after the firm ones (several conditional pairs share that rest)."""
    rows = [(kind, m) for kind in ("matches", "conditional") for m in symbiosis.get(kind) or []
            if not m.get("from_committed")]
    by_resource: dict[str, list[tuple[str, dict]]] = {}
    for kind, m in rows:
        by_resource.setdefault(m["demand"], []).append((kind, m))
    out = []
    for resource, pairs in by_resource.items():
        for measure in kb.resources.get(resource, {}).get("shared_network") or []:
            if len({m["to"] for _, m in pairs}) >= MIN_SERVED:
                found = _network(kb, units, measure, resource, pairs, symbiosis)
                if found:
                    out.append(found)
    return out


# The yearly bases a network is sized on (mass, energy, volume) and how each is shown; a gas's volume is normal m³.
_BASES = (("t / year", "t/a"), ("GJ / year", "GJ/a"), ("m**3 / year", "m³/a"))


def _yearly(units: UnitConverter, m: dict, base: str) -> float | None:
    """A pair's amount on a yearly `base`: its yearly figure, else as the offer writes it, else as the demand does."""
    for got in (m.get("per_year"), m.get("in_offer_unit"), {"amount": m["amount"], "unit": m["unit"]}):
        if got:
            found = units.converts(got["unit"], base)
            if found is not None:
                return found.apply(got["amount"])
    return None


def _target_unit(units: UnitConverter, pairs: list[dict], gas: bool) -> tuple[str, str] | None:
    """The first yearly base every pair's amount converts to (hydrogen written in t/a and Nm³/h: normal m³ a year),
    with the unit shown."""
    for base, shown in _BASES:
        if all(_yearly(units, m, base) is not None for m in pairs):
            return base, ("Nm³/a" if gas and shown == "m³/a" else shown)
    return None


def _conditional_room(units: UnitConverter, symbiosis: dict, pairs: list[dict], target: str) -> float:
    """What the conditional pairs can add: per supplier's offer, their sum, but no more than what the offer has left
    after the firm pairs (conditional pairs are not drawn down, so two of them may name the same tonnes)."""
    left = {(o["enterprise"], o["resource"]): o["amount_left"] for o in symbiosis.get("unmatched_offers") or []}
    by_offer: dict[tuple[str, str], list[dict]] = {}
    for m in pairs:
        by_offer.setdefault((m["from"], m["offer"]), []).append(m)
    total = 0.0
    for key, group in by_offer.items():
        asked = sum(_yearly(units, m, target) for m in group)
        # the offer's rest in the target unit, at the rate of the pair that carries most per unit of the offer
        per_unit = max(_yearly(units, m, target) / (m.get("in_offer_unit") or m)["amount"] for m in group)
        total += min(asked, left.get(key, 0.0) * per_unit)
    return total


def _network(kb: Knowledge, units: UnitConverter, measure: str, resource: str, pairs: list[tuple[str, dict]],
             symbiosis: dict) -> dict | None:
    rows = [m for _, m in pairs]
    found = _target_unit(units, rows, kb.resources.get(resource, {}).get("form") == "gas")
    if found is None:
        return None
    target, shown = found
    firm = [m for kind, m in pairs if kind == "matches"]
    pending = [m for kind, m in pairs if kind == "conditional"]
    firm_total = sum(_yearly(units, m, target) for m in firm)
    pending_total = _conditional_room(units, symbiosis, pending, target)
    served = sorted({m["to"] for m in rows})
    suppliers = sorted({m["from"] for m in rows})
    treated = sorted({m["to"] for m in rows if m.get("treatment")})
    treatment = next((m["treatment"]["labels"] for m in rows if m.get("treatment")), None)
    line_km = round(sum(m["distance_km"] for m in rows if m.get("distance_km") is not None), 2)
    unplaced = sorted({f"{m['from']}→{m['to']}" for m in rows if m.get("distance_km") is None})
    label, need = kb.label(measure), kb.label(resource)
    return {
        "measure": measure, "labels": label, "shared_measure": True, "serves": served, "suppliers": suppliers,
        "to_confirm": sorted({m["to"] for m in pending}),
        "because": [{"problem": None, "labels": _because(need, suppliers, served, len(rows), treatment, treated)}],
        "scale": [], "demand_total": {"amount": round(firm_total + pending_total, 6), "unit": shown},
        "carried": {"firm": round(firm_total, 6), "conditional": round(pending_total, 6), "unit": shown},
        "pairs": [{"from": m["from"], "to": m["to"], "firm": m in firm, "amount": round(_yearly(units, m, target), 6),
                   "unit": shown, "distance_km": m.get("distance_km")} for m in rows],
        "treatment": {"labels": treatment, "for": treated} if treatment else None,
        "line_km": line_km, "unplaced": unplaced,
        "output_served": None, "output_unit": None, "cost_class": None, "economics": None, "from_symbiosis": True,
        "summary": _network_summary(label, need, suppliers, served, firm_total, pending_total, shown, treatment,
                                    treated, line_km, unplaced),
    }


def _because(need: dict, suppliers: list[str], served: list[str], n: int, treatment: dict | None,
             treated: list[str]) -> dict[str, str]:
    zh = f"园区内{need['zh']}配对{n}对，由{'、'.join(suppliers)}通向{len(served)}家需方，共用一套管网比逐对建线省投资和占地"
    en = (f"{n} pairs of {need['en']} in the park run from {', '.join(suppliers)} to {len(served)} receivers; one "
          "shared network costs less in money and room than a line per pair")
    if treatment:
        zh += f"；{'、'.join(treated)}的配对须经{treatment['zh']}，宜集中一处处理"
        en += f"; the pairs to {', '.join(treated)} need {treatment['en']}, best done at one station"
    return {"zh": zh, "en": en}


def _network_summary(label: dict, need: dict, suppliers: list[str], served: list[str], firm: float, pending: float,
                     unit: str, treatment: dict | None, treated: list[str], line_km: float,
                     unplaced: list[str]) -> dict[str, str]:
    zh = (f"{label['zh']}：由{'、'.join(suppliers)}供{need['zh']}，服务{len(served)}家企业（{'、'.join(served)}）；"
          f"按确定配对{number(firm, 4)} {unit}" + (f"、另加待核实配对最多{number(pending, 4)} {unit}" if pending else "") + "设计")
    en = (f"{label['en']}: {need['en']} from {', '.join(suppliers)} to {len(served)} enterprises ({', '.join(served)}); "
          f"sized for {number(firm, 4)} {unit} of firm pairs"
          + (f" plus at most {number(pending, 4)} {unit} of conditional ones" if pending else ""))
    if treatment:
        zh += f"；{'、'.join(treated)}的配对须经{treatment['zh']}，宜集中设一处处理站"
        en += f"; the pairs to {', '.join(treated)} need {treatment['en']}, best done at one shared station"
    if line_km:
        zh += f"；各配对直线距离合计约{line_km:g} km（管线实际走向沿管廊，更长）"
        en += f"; the pairs' straight-line distances add up to about {line_km:g} km (the route along the pipe rack is longer)"
    if unplaced:
        zh += f"；{'、'.join(unplaced)}无坐标，未计距离"
        en += f"; {', '.join(unplaced)} have no coordinates and no distance"
    return {"zh": zh + "。", "en": en + "."}
