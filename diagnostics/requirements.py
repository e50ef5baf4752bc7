"""Requirements (limits of emission and discharge standards and policies) checked against an enterprise's
measured figures, separate from the I/II/III benchmarks of indicator systems.

Which requirement sets bind an enterprise follows its context: new or existing source with the standard's
dates, the survey year, a special-limit area (特别排放限值) replacing the general limits of the same document,
the key region or basin, and any `applies_when`. Flue-gas concentrations are normalised to the limit's
reference oxygen before they are compared: C_ref = C × (21 − O₂ref) / (21 − O₂meas).
"""

from __future__ import annotations

import functools
import re

import datetime as dt
from collections import defaultdict
from typing import Any

from .knowledge import Knowledge, measured_as, requirement_sets_of
from .knowledge_model import Limit, RequirementSet
from .enterprise_model import judged_sector
from .local_standards import local_standard, mark_binding, place_applies, place_names, unplaced_note
from .survey import Enterprise, Survey
from .units import UnitProblem

O2_FORMULA = "C_ref = C × (21 − O₂ref) / (21 − O₂meas)"


def normalise_o2(value: float, o2_at: float, o2_ref: float) -> float:
    """A flue-gas concentration at oxygen content o2_at (%) expressed at the reference oxygen o2_ref (%)."""
    return value * (21.0 - o2_ref) / (21.0 - o2_at)


def _why(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def applies(req: RequirementSet, context: dict[str, Any], sets: list[RequirementSet], evaluate) -> tuple[bool | None, dict]:
    """Whether a requirement set binds the enterprise (None: unknown), and why."""
    special = context.get("special_limit_area")
    if req.area == "special":
        if special is None:
            return None, _why("是否执行特别排放限值未知（调查未答“执行特别排放限值地区”）",
                              "unknown whether special limits apply (the survey does not say special-limit area)")
        if not special:
            return False, _why("企业不在执行特别排放限值的地区", "the enterprise is not in a special-limit area")
    elif req.area == "general" and special and any(s.area == "special" and s.document == req.document for s in sets):
        return False, _why("企业在特别排放限值地区，执行同一标准的特别排放限值",
                           "the enterprise is in a special-limit area: the special limits of the same standard apply")
    placed = place_applies(req, context)
    if placed is not None and placed[0] is not True:
        return placed
    for key, wanted in (("region", req.regions), ("basin", req.basins)):
        if wanted:
            if not context.get(key):
                return None, _why(f"限值只适用于特定{'区域' if key == 'region' else '流域'}，调查未写明",
                                  f"the limits hold only in given {key}s and the survey names none")
            if context[key] not in wanted:
                return False, _why("企业不在限值适用的区域或流域", f"the enterprise is outside the {key}s where they hold")
    period = _period_applies(req, context)
    if period[0] is False:
        return period
    condition = _condition(req, context, evaluate)
    # a condition that fails decides even where the period is unknown (GB 16297 beside a local standard)
    return period if period[0] is None and condition[0] is not False else condition


def _condition(req: RequirementSet, context: dict[str, Any], evaluate) -> tuple[bool | None, dict]:
    if req.applies_when is None:
        return True, _why("适用", "applies")
    value, _ = evaluate(req.applies_when)
    if value is None:
        return None, _why("适用条件所需的数据缺失", "the facts its condition needs are missing")
    if value:
        return True, _why("适用", "applies")
    if not req.local and context.get("local_standard"):
        names = "、".join(context.get("local_standard_names") or ())
        return False, _why(f"企业所在地执行地方标准（{names}），本标准不与之交叉执行（适用条件不满足）",
                           f"a local standard binds the enterprise's place ({names}); this one is not applied "
                           "beside it (its condition does not hold)")
    return False, _why("适用条件不满足", "its condition does not hold")


_OTHER_SECTOR = _why("企业属于其他行业，不执行本行业的排放标准", "the enterprise is of another sector: this sector's standard does not bind it")
_NOT_ITS_SECTOR = _why("该标准属于其他行业，不约束本企业", "the standard is of another sector than the enterprise's")


def _period_applies(req: RequirementSet, context: dict[str, Any]) -> tuple[bool | None, dict]:
    if not req.periods:
        return True, _why("适用", "applies")
    year = context.get("year") or dt.date.today().year
    first, last = f"{year}-12-31", f"{year}-01-01"
    in_force = {age for age, start, end in req.periods if (start or "") <= first and (end is None or end >= last)}
    age = context.get("source_age")
    if age is not None:
        if age in in_force:
            return True, _why("适用", "applies")
        return False, _why(f"{'新建' if age == 'new' else '现有'}企业在{year}年不执行该限值",
                           f"not in force for {age} sources in {year}")
    if in_force >= {"new", "existing"}:
        return True, _why("新建与现有企业均适用", "applies to new and existing sources alike")
    if not in_force:
        return False, _why(f"{year}年不在限值的执行期内", f"not in force in {year}")
    return None, _why("是新建还是现有企业未知，该限值只对其中一类生效",
                      "unknown whether the enterprise is a new or an existing source, and the limits bind only one")


def check_limits(kb: Knowledge, survey: Survey, ent: Enterprise, sector: str, compiler) -> list[dict]:
    """Every applicable limit of the requirement sets of the enterprise's sector (its own in a survey of several
    sectors: a slaughterhouse in a dyeing basin survey by the slaughtering standard) against its figures."""
    own = judged_sector(ent, sector)
    if own != sector:   # the survey sector's standard does not bind it: said per set in the compliance section
        for req in requirement_sets_of(kb, sector):
            ent.model.requirement_status[req.iri] = {"applies": False, "why": _OTHER_SECTOR}
    sets = requirement_sets_of(kb, own) if own else []   # in IRI order
    checks: list[dict] = []
    ent.model.unplaced = []
    evaluate = lambda node: compiler.compile(node).evaluate(ent)  # noqa: E731
    ent.model.context["local_standard"], ent.model.context["local_standard_names"] = local_standard(
        kb, sets, ent.model.context)   # before any set's condition tests it
    for req in sets:
        binding, why = applies(req, ent.model.context, sets, evaluate)
        if binding and (elsewhere := _processes_not_run(kb, ent, req)):
            binding, why = False, elsewhere
        ent.model.requirement_status[req.iri] = {"applies": binding, "why": why}
        if not binding:
            continue
        for limit in req.limits:
            if limit.applies_when is not None and evaluate(limit.applies_when)[0] is not True:
                continue
            checks.extend(_check(kb, survey, ent, req, limit))
    # a figure judged against one limit of a set is not also "place unknown" for another limit of it, nor is a
    # figure whose words name another kind of point than every limit of its pollutant in the set (a stack's
    # figure is no boundary figure)
    ent.model.unplaced = [u for u in ent.model.unplaced if u["requirement"] not in u["emission"].get("_judged", ())
                          and _may_be_at(u["emission"], kb.requirement_sets[u["requirement"]], u["subject"])]
    for em in ent.emissions:
        em.pop("_judged", None)
    mark_binding(checks)
    return checks


def _processes_not_run(kb: Knowledge, ent: Enterprise, req: RequirementSet) -> dict | None:
    """Why a set all of whose limits are of processes the enterprise does not run binds it in nothing (the flat-glass
    furnace standard at a cement works, whose unplaced dust figure would otherwise meet the furnace limit); None when
    a limit may apply, or when the enterprise's processes are not given or one was not recognised. Only pollutant
    limits count: a limit on a quantity names its process as the place it is measured (in-plant NMHC at equipment
    components), which every plant has."""
    processes = {limit.process if limit.subject_kind == "pollutant" else None for limit in req.limits}
    if not processes or None in processes or not ent.processes \
            or ent.has_unresolved_process():
        return None
    runs = set(ent.processes) | {em["process"] for em in ent.emissions if em.get("process")}
    if not processes.isdisjoint(runs):
        return None
    names = sorted(processes, key=lambda p: kb.process_order.get(p, 0))
    return _why(f"企业未填报该标准所涉工序（{'、'.join(kb.label(p)['zh'] for p in names)}），不适用",
                f"the enterprise runs none of the processes the standard covers "
                f"({', '.join(kb.label(p)['en'] for p in names)}): it does not apply")


def _stated_as(kb: Knowledge, ent: Enterprise, em: dict, subject: str) -> bool:
    """Whether a figure of a pollutant that standards limit by another item (VOCs by NMHC, `measured_as`) stands
    for that item here: never beside a figure of the item itself at the same place."""
    if measured_as(kb).get(em["pollutant"], "") != subject:
        return False
    return not any(other["pollutant"] == subject and other["stage"] == "emitted" and other.get("point") == em.get("point")
                   and other.get("process") == em.get("process") and other.get("place_unknown") == em.get("place_unknown")
                   for other in ent.emissions)


def _may_be_at(em: dict, req: RequirementSet, subject: str) -> bool:
    """Whether a figure at an unknown place may be one the set's limits of its pollutant are about."""
    points = em.get("place_points")
    if not points:
        return True
    return any(limit.point in points or limit.process for limit in req.limits if limit.subject == subject)


def _place_unknown(em: dict, limit: Limit, req: RequirementSet) -> bool:
    """Whether a figure written at a place the knowledge does not know (尾气锅炉) cannot be matched to the limit's
    place. A limit of one process takes it when the place clearly names that process (survey.py, place_process);
    a limit of no process when the place's point, written or told by its words (烟气: a stack), is the limit's —
    of two possible points (出水: either effluent outlet), only when the set limits the pollutant at one of them."""
    if not em.get("place_unknown"):
        return False
    if limit.process:
        return em.get("place_process") != limit.process
    if em.get("point"):
        return em["point"] != limit.point
    points = em.get("place_points") or ()
    if limit.point not in points:
        return True
    if len(points) > 1:
        limited = {other.point for other in req.limits if other.subject == limit.subject and not other.process}
        return len(limited & set(points)) != 1
    return False


def _unplaced(kb: Knowledge, ent: Enterprise, req: RequirementSet, limit: Limit, em: dict) -> None:
    """Said once per figure and requirement set: 位置未知，不作判断."""
    if any(u["emission"] is em and u["requirement"] == req.iri for u in ent.model.unplaced):
        return
    place = em["place_unknown"]
    ent.model.unplaced.append({
        "emission": em, "requirement": req.iri, "subject": limit.subject, "subject_labels": kb.label(limit.subject),
        "measured": em["value"], "measured_unit": em["unit"], "place": place,
        "why": _why(f"排放位置“{place}”未知，无法对应到限值的监控位置，不作判断",
                    f"place {place!r} unknown: it cannot be matched to the place of a limit, so it is not judged")})


def _check(kb: Knowledge, survey: Survey, ent: Enterprise, req: RequirementSet, limit: Limit) -> list[dict]:
    units = survey.units
    target = kb.units.get(limit.unit or "", {}).get("pint")
    figures = []
    if limit.subject_kind == "pollutant":
        subject, stood_for = limit.subject, measured_as(kb)
        for em in ent.emissions:
            if em["stage"] != "emitted":
                continue
            if em["pollutant"] != subject and (stood_for.get(em["pollutant"], "") != subject
                                               or not _stated_as(kb, ent, em, subject)):
                continue
            if em.get("point") and limit.point and em["point"] != limit.point:
                continue
            if not em.get("point") and not em.get("place_unknown") and limit.point in _FUGITIVE_POINTS:
                continue  # fugitive monitoring is always written as such (厂界, 厂区内): a figure of no place is an outlet's
            if limit.process and em.get("process") and em["process"] != limit.process:
                continue
            if _medium(em["unit"]) and _medium(target) and _medium(em["unit"]) != _medium(target):
                continue  # mg/L is a water figure, mg/m³ an air one: never one against the other's limit
            if target:
                conversion = units.converts(em["unit"], target)
                if conversion is None:
                    continue  # a load or a factor, not a concentration: not this limit's figure
                value = conversion.apply(em["value"])
            else:
                value = em["value"]
            if _place_unknown(em, limit, req):
                _unplaced(kb, ent, req, limit, em)
                continue
            em.setdefault("_judged", set()).add(req.iri)
            figures.append((value, em, id(em)))
    elif limit.subject_kind == "quantity" and limit.subject in ent.model.quantities:
        derived = kb.derived[limit.subject]
        value = ent.model.quantities[limit.subject]
        if target and derived.unit != limit.unit:
            value = units.conversion(kb.units[derived.unit]["pint"], target).apply(value)
        figures.append((value, {"derived": ent.model.derived.get(limit.subject)}, limit.subject))
    elif limit.subject_kind == "indicator":
        for value, process in ent.indicators.get(limit.subject, ()):
            if isinstance(value, float):
                figures.append((value, {"process": process}, (limit.subject, process, value)))
    if not figures:   # most limits find no figure of the enterprise: nothing to build
        return []
    base = {"requirement": req.iri, "requirement_labels": req.labels, "limit": limit.iri, "key": limit.key,
            "subject": limit.subject, "subject_kind": limit.subject_kind, "subject_labels": kb.label(limit.subject),
            "point": limit.point, "limit_value": [limit.low, limit.high] if limit.is_range else limit.high,
            "unit": kb.units.get(limit.unit or "", {}).get("symbol"), "averaging": limit.averaging,
            "clause": limit.clause or req.clause, "document": req.document, "verified": limit.verified,
            "area": req.area}
    if req.local:
        base["local"] = _local_words(kb, req)
    out = []
    for value, em, figure in figures:
        check = {**base, "measured": value, "measured_unit": em.get("unit"), "process": em.get("process"),
                 "point_measured": em.get("point"), "_figure": figure}   # which figure: mark_binding pops it
        if em.get("derived"):
            check["derived"] = em["derived"]
        if em.get("pollutant") and em["pollutant"] != limit.subject:   # VOCs compared as NMHC, said so
            shown, item = kb.label(em["pollutant"]), kb.label(limit.subject)
            check["measured_as"] = {"zh": f"{shown['zh']}按标准所用的控制项目“{item['zh']}”比较（以{item['zh']}计）",
                                    "en": f"{shown['en']} compared as {item['en']}, the item the standard limits"}
        compared = value
        if limit.o2_ref_pct is not None:
            compared, note = _oxygen(value, em, limit.o2_ref_pct)
            check["o2"] = note
        check["compared"] = round(compared, 6)
        # a single value is an upper limit; a range (pH 6–9) is exceeded on either side
        check["exceeded"] = (compared > limit.high or compared < limit.low) if limit.is_range else compared > limit.high
        if em.get("below_detection"):   # 未检出 / <0.5: the figure is an upper bound, the detection limit
            check["below_detection"] = True
            check["detection_limit"] = em.get("detection_limit")
            if check["exceeded"] and not limit.is_range:
                # a detection limit above the limit: the true value may be under either; not judged
                check["exceeded"] = False
                check["undetermined"] = {"zh": f"检出限{compared:g}高于限值{limit.high:g}，未检出不能判断是否达标",
                                         "en": f"the detection limit {compared:g} is above the limit {limit.high:g}: "
                                               "not detected cannot tell whether it is met"}
        # times the limit: meaningful only against a positive limit (−80 against −110 kgce/t would read 0.73
        # while the limit is exceeded)
        check["ratio"] = round(compared / limit.high, 4) if limit.high and limit.high > 0 and not limit.is_range else None
        out.append(check)
    return out


_FUGITIVE_POINTS = ("boundary", "in-plant")  # fugitive monitoring points: no process's outlet is one
_PER_LITRE = re.compile(r"/\s*(?:l|liter|litre|升)\b|/\s*l$|/\s*升", re.I)
_PER_CUBIC_METRE = re.compile(r"/\s*n?m(?:\*\*3|\^3|3|³)|/\s*(?:标)?立方米|/\s*cubic_meter", re.I)


@functools.lru_cache(maxsize=1024)   # a survey writes few units, checked per figure and limit
def _medium(unit: str | None) -> str | None:
    """water for a concentration per litre, air for one per cubic metre, None when the unit says neither."""
    if not unit:
        return None
    if _PER_LITRE.search(unit):
        return "water"
    if _PER_CUBIC_METRE.search(unit):
        return "air"
    return None


def _oxygen(value: float, em: dict, o2_ref: float) -> tuple[float, dict]:
    """The figure at the limit's reference oxygen, and what was done to get it (said in the result)."""
    if em.get("o2_measured_pct") is not None:
        at = em["o2_measured_pct"]
        how = "measured"
    elif em.get("o2_ref_pct") is not None:
        at = em["o2_ref_pct"]
        how = "referred"
    else:
        return value, {"normalised": False, "o2_ref_pct": o2_ref,
                       "zh": f"调查未给出氧含量，按原值与基准氧含量{o2_ref:g}%的限值比较（待核实）",
                       "en": f"no oxygen content given: compared as written with the limit at {o2_ref:g} % O₂ (to verify)"}
    if at == o2_ref:
        return value, {"normalised": False, "o2_ref_pct": o2_ref, "o2_at_pct": at,
                       "zh": f"数值已按基准氧含量{o2_ref:g}%给出", "en": f"the figure is already at {o2_ref:g} % O₂"}
    normalised = normalise_o2(value, at, o2_ref)
    word = ("实测氧含量", "measured at") if how == "measured" else ("按氧含量", "referred to")
    return normalised, {
        "normalised": True, "o2_ref_pct": o2_ref, "o2_at_pct": at, "formula": O2_FORMULA, "value_before": value,
        "zh": f"{word[0]}{at:g}%下的{value:g}折算到基准氧含量{o2_ref:g}%：{value:g}×(21−{o2_ref:g})/(21−{at:g})"
              f"={normalised:.4g}",
        "en": f"{value:g} {word[1]} {at:g} % O₂ normalised to the reference {o2_ref:g} %: "
              f"{value:g} × (21 − {o2_ref:g}) / (21 − {at:g}) = {normalised:.4g}"}


def summarise(kb: Knowledge, enterprises: list[Enterprise], sector: str) -> dict:
    """The result's `compliance` section: per requirement set, whom it binds, the checks and the exceedances. The
    sets of the survey's sector come first, then those of the other sectors its enterprises are of."""
    others = sorted({s for e in enterprises if (s := judged_sector(e, sector)) and s != sector})
    sets = [r for s in (sector, *others) for r in requirement_sets_of(kb, s)]
    if not sets:
        return {}
    # every enterprise's checks and unplaced figures gathered per set in one pass, in survey order
    checks_of, unplaced_of = defaultdict(list), defaultdict(list)
    for e in enterprises:
        for c in e.model.compliance:
            checks_of[c["requirement"]].append(dict(c, enterprise=e.id))
        for u in e.model.unplaced:
            unplaced_of[u["requirement"]].append({**{k: v for k, v in u.items() if k != "emission"}, "enterprise": e.id})
    out = []
    for req in sets:
        status = defaultdict(list)
        reasons: dict[str, dict] = {}
        for ent in enterprises:
            found = ent.model.requirement_status.get(req.iri) or (
                {"applies": False, "why": _NOT_ITS_SECTOR} if req.sector != sector else
                {"applies": None, "why": _why("未评估", "not assessed")})
            key = {True: "applies", False: "not_applicable", None: "unknown"}[found["applies"]]
            status[key].append(ent.id)
            if key != "applies":
                reasons[ent.id] = found["why"]
        checks, unplaced = checks_of.get(req.iri, []), unplaced_of.get(req.iri, [])
        item = {"requirement": req.iri, "labels": req.labels, "document": req.document,
                "document_labels": kb.sources[req.document].as_dict() if req.document in kb.sources else None,
                "clause": req.clause, "area": req.area, "enterprises": dict(status), "reasons": reasons,
                "checks": checks, "exceeded": [c for c in checks if c["exceeded"]], "place_unknown": unplaced,
                "not_measured": sorted(set(status["applies"]) - {c["enterprise"] for c in checks})}
        item["document_number"] = kb.document_numbers.get(req.document)
        out.append(_local_fields(kb, item, req))
    result = {"sets": out, "o2_formula": O2_FORMULA,
            "note": {"zh": "限值要求与清洁生产指标的Ⅰ、Ⅱ、Ⅲ级基准值分开判断；烟气浓度先折算到限值的基准氧含量再比较。",
                     "en": "Limits are judged apart from the level I/II/III benchmarks; flue-gas concentrations are "
                           "normalised to the limit's reference oxygen before they are compared."}}
    unplaced = unplaced_note(sets, enterprises[0].model.context) if enterprises else None
    if unplaced:
        result["local_unplaced"] = unplaced
    return result


def _local_words(kb: Knowledge, req: RequirementSet) -> dict[str, str]:
    number = kb.document_numbers.get(req.document) or ""
    return {"zh": f"{place_names(req)}地方标准 {number}".strip(), "en": f"local standard of {place_names(req)} {number}".strip()}


def _local_fields(kb: Knowledge, item: dict, req: RequirementSet) -> dict:
    """A local set names its places; a set whose table was not read says so instead of "not measured"."""
    if req.local:
        item["local"] = {"places": [name for _, name in req.places], **_local_words(kb, req)}
    if not req.limits_read:
        item["limits_read"] = False
        item["not_measured"] = []
        item["limits_note"] = _why("该标准适用，但其限值表原文未读到，知识库未录入限值，本次不据此判断达标与否（见该条的说明）",
                                   "the standard binds, but its table was not read and the knowledge base holds no "
                                   "limits of it: nothing is judged against it (see its note)")
    return item
