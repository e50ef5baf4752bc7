"""Reduction potential of a regional or basin survey: how much of each key pollutant the recommended
measures can remove, from the enterprises' reported annual loads and the measures' effect ranges.

Measures that act on the same enterprise and pollutant do not add up: the remaining load after several
measures is the product of what each leaves (1 + change_i), so the combined range never exceeds 100 %.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from contextlib import contextmanager
from typing import Iterator

from .area_targets import targets_against_potential
from .balance_notes import balance_notes
from .conditions import ConditionCompiler
from .knowledge import Knowledge, derived as built_once
from .material_factors import material_estimate, why_not_estimated
from .requirements import _medium
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
    """The pollutants a co-audit follows (see followed_pollutants)."""
    return followed_pollutants(kb, scope)["pollutants"]


_FROM = {"survey": {"zh": "调查自选的特征污染物", "en": "the characteristic pollutants the survey chose"},
         "region": {"zh": "所在重点区域的特征污染物", "en": "the key pollutants of the survey's region"},
         "basin": {"zh": "所在流域的特征污染物", "en": "the key pollutants of the survey's basin"},
         "roles": {"zh": "试点类型对应的污染物类别", "en": "the pollutant roles of the pilot type"}}


def followed_pollutants(kb: Knowledge, scope: dict) -> dict:
    """The pollutants a co-audit follows and where the list came from: the survey's own characteristic pollutants
    (scope.pollutants — the notice lets a pilot choose its own, already in local priority tasks, which the
    eligibility condition judges), else the region's or basin's key pollutants, else those of the pilot's roles.
    `outside_area` names the survey's own choices that are not among the area's key pollutants."""
    area_key = "region" if kb.regions.get(scope.get("region") or "") else "basin"
    area = kb.regions.get(scope.get("region") or "") or kb.basins.get(scope.get("basin") or "")
    area_list = list(area["key_pollutants"]) if area and area["key_pollutants"] else []
    own = list(scope.get("pollutants") or [])
    if own:
        origin, pollutants = "survey", own
    elif area_list:
        origin, pollutants = area_key, area_list
    else:
        roles = ROLES_BY_PILOT.get(scope.get("pilot_type") or "", set())
        origin, pollutants = "roles", sorted(p for p, r in kb.pollutant_roles.items() if r & roles)
    out = {"pollutants": pollutants, "from": origin, "from_labels": _FROM[origin]}
    if origin == "survey" and area_list:
        out["area_pollutants"] = area_list
        out["outside_area"] = [p for p in own if p not in area_list]
    return out


def reduction_potential(kb: Knowledge, survey: Survey, enterprises: list[Enterprise],
                        recommendations: list[dict]) -> dict:
    """Per key pollutant: the baseline per enterprise (reported, measured, derived or estimated, each marked), and
    what each recommended measure and all together remove, sequenced so that no tonne is removed twice; the O3
    precursors (VOCs and NOx) apart and together; the load above each limit and the "bring every enterprise to the
    limit / level II / ultra-low value" scenarios."""
    from .load_scenarios import load_scenarios

    followed = followed_pollutants(kb, survey.scope)
    pollutants = followed["pollutants"]
    why: dict = {}
    baseline = baseline_loads(kb, survey, enterprises, pollutants, why)
    techniques = {e.id: set(e.techniques) for e in enterprises}
    out = [_pollutant_potential(kb, pollutant, baseline.get(pollutant, {}), len(enterprises), recommendations,
                                techniques) for pollutant in pollutants]
    for row in out:
        row["not_estimated"] = [{"enterprise": eid, "reason": reason}
                                for eid, reason in sorted(why.get(row["pollutant"], {}).items())]
    result = {"pollutants": out, "basis": BASIS, "followed": _followed_words(kb, followed)}
    result["against_targets"] = targets_against_potential(kb, survey.scope, out)
    precursors = o3_precursors(kb, out)
    if precursors:
        result["o3_precursors"] = precursors
    scenarios = load_scenarios(kb, survey, enterprises, sector=survey.scope.get("sector"), baseline=baseline,
                               pollutants=pollutants)
    if scenarios:
        result["load_scenarios"] = scenarios
    return result


def _followed_words(kb: Knowledge, followed: dict) -> dict:
    """The followed list with labels, and a sentence saying where it came from."""
    names = {lang: "、".join(kb.label(p)[lang] for p in followed["pollutants"]) for lang in ("zh", "en")}
    zh = f"本次跟踪的特征污染物：{names['zh'] or '无'}（来源：{followed['from_labels']['zh']}）。"
    en = f"Pollutants followed: {names['en'] or 'none'} (from {followed['from_labels']['en']})."
    outside = followed.get("outside_area") or []
    if outside:
        zh += f"其中{'、'.join(kb.label(p)['zh'] for p in outside)}不在所在区域/流域的特征污染物之列，须已列入地方重点任务。"
        en += (f" {', '.join(kb.label(p)['en'] for p in outside)} are not among the area's key pollutants and must "
               "already be in local priority tasks.")
    return {**followed, "pollutant_labels": [kb.label(p) for p in followed["pollutants"]],
            "summary": {"zh": zh, "en": en}}


BASIS = {
    "zh": "基准排放量按以下顺序取得并逐家标明：企业填报的年排放量（填报）；实测浓度×排气量（或年废水量）×运行时间"
          "（实测法，《排污许可管理办法（试行）》第三十六条的监测法先于系数法）；物料衡算（逐行物料用量×各自VOCs含量−有记录的回收、去除量；未填报去除量时为上限，与监测值并列时列于其旁）；其他知识库公式（公式推算）；"
          "产量×排污系数，或物料用量×按物料计的排污系数（系数估算，后者标为“按物料用量估算”）。合计注明其中估算的份额及按物料用量估算的份额。各方案按推荐次序作用于前一方案削减后剩余的排放量，"
          "逐项削减量之和等于合计削减量，同一吨不重复计算；同一企业互为替代的方案（替代同一工艺，或针对同一问题、作用于同一环节）只计推荐"
          "次序在前的一项。企业填报的排放量注明工序或排口时，按工序分列基准与削减量，限定工序的方案只作用于这些工序的排放量（工序不明的部分"
          "仍计入，是上限）；未注明时方案的效果区间作用于企业该污染物的全部排放量，只作用于某一工序的方案因此是上限。"
          "企业已有治理某污染物的末端设施（如SCR脱硝）时，为其他问题推荐的末端方案（如为二噁英推荐的活性炭法）不再计入该污染物的削减；知识库标明为串联附加级的末端方案按前一级处理后剩余的排放量计。作用于产生量的方案，调查给出产生量时按产生量计算，"
          "再按现有治理效率（1−排放量/产生量）折算为排放量的削减。",
    "en": "The baseline of each enterprise is taken in this order and marked: the annual load it reports (reported); "
          "measured concentration × flue-gas flow (or annual wastewater) × operating time (measured — the permit "
          "measures, art. 36, put monitoring before coefficients); a mass balance (each material line × its own VOCs "
          "content − the recovery and destruction recorded; an upper bound when they are not, shown beside a measured "
          "figure when both exist); another formula of the knowledge base (derived); output × the sector's emission factor, or the materials used × a "
          "factor per tonne of them (estimated; the latter marked as estimated from materials). Totals say how much is "
          "estimated, and how much of it from materials. Measures act in their recommended order on what the previous ones left, so the reductions per "
          "measure add up to the combined reduction and no tonne is removed twice; of alternatives at one enterprise (replacing the "
          "same technique, or answering the same key issue at the same stage) only the first in recommended order counts. Where "
          "the reported loads name their process or outlet, the baseline and the reduction are split by process and a "
          "measure tied to processes acts only on their part (a part of unknown process still counts: an upper bound); "
          "otherwise a measure's effect range acts on the enterprise's whole load, an upper bound for a measure of one process. "
          "Where an enterprise already runs an end-of-pipe plant for a pollutant (an SCR for NOx), an end-of-pipe measure "
          "recommended for another problem (activated carbon for dioxins) is not counted again for that pollutant; one the knowledge base marks an add-on stage in series is credited on "
          "what the first stage leaves. A measure acting on the generated load is applied to it where the survey gives "
          "it, and carried to the emission through the existing treatment's efficiency (1 − emitted/generated)."}

HOW = ("reported", "measured", "balance", "derived", "estimated")
HOW_WORDS = {"reported": {"zh": "企业填报的年排放量", "en": "the annual load the enterprise reports"},
             "measured": {"zh": "实测浓度×排气量（废水量）×运行时间", "en": "measured concentration × flow × time"},
             "balance": {"zh": "物料衡算（逐行物料用量×VOCs含量−有记录的去除量）", "en": "mass balance (each material "
                         "line × its content − the removals recorded)"},
             "derived": {"zh": "知识库公式推算", "en": "a formula of the knowledge base"},
             "estimated": {"zh": "产量或物料用量×排污系数估算", "en": "output or materials used × emission factor "
                           "(estimate)"}}
O3_PRECURSORS = ("vocs", "nox")


# monitoring points by name, for a load whose outlet is named but not its process (no id reaches a page)
POINT_WORDS = {"stack": ("排气筒", "stack"), "total-outlet": ("废水总排放口", "final effluent outlet"),
               "workshop-outlet": ("车间或生产设施排放口", "workshop outlet"), "boundary": ("厂界", "boundary"),
               "in-plant": ("厂区内", "in the plant"), "process": ("工序排口", "process outlet")}
UNNAMED = {"zh": "未注明工序", "en": "process not named"}


def emission_part(em: dict) -> tuple[str | None, str | None]:
    """(part key, process IRI) of an emission: its process, else the process its unknown place matched, else the
    place as written, else its monitoring point; (None, None) when it names none of them."""
    process = em.get("process") or em.get("place_process")
    if process:
        return process, process
    if em.get("place_unknown"):
        return f"place:{em['place_unknown']}", None
    if em.get("point"):
        return f"point:{em['point']}", None
    return None, None


def part_labels(kb: Knowledge, key: str | None) -> dict[str, str]:
    if key is None:
        return dict(UNNAMED)
    if key.startswith("place:"):
        return {"zh": key[6:], "en": key[6:]}
    if key.startswith("point:"):
        zh, en = POINT_WORDS.get(key[6:], (key[6:], key[6:]))
        return {"zh": zh, "en": en}
    return kb.label(key)


def _acts_on_part(measure_processes: set[str], part_process: str | None) -> bool:
    """A measure tied to processes acts on a part of the load from one of them, and on a part whose process is
    not known (an upper bound); a measure tied to no process acts on every part."""
    return not measure_processes or part_process is None or part_process in measure_processes


def treating_techniques(kb: Knowledge, pollutant: str, stages: set) -> set[str]:
    """Techniques that end-of-pipe measures (route equipment) of the knowledge base bring in to act on this
    pollutant at one of these stages: an enterprise already running one already treats the pollutant there."""
    return {t for m in kb.measures.values() if getattr(m, "route", None) == "equipment"
            for e in getattr(m, "effects", None) or []
            if e.target == pollutant and e.acts_on in stages for t in m.introduces}


def _pollutant_potential(kb: Knowledge, pollutant: str, rows: dict[str, dict], enterprises: int,
                         recommendations: list[dict], techniques: dict[str, set[str]] | None = None) -> dict:
    """One pollutant: its baseline per enterprise (how each was obtained) and per process where the survey names
    the process or outlet of each load; each measure's reduction taken on what the measures before it left
    (recommended order), on the parts of the load from the processes it acts on, per part, enterprise and total."""
    per_ent = {eid: row["t_per_a"] for eid, row in rows.items()}
    parts = {eid: row.get("parts") or {None: {"t_per_a": row["t_per_a"], "process": None}} for eid, row in rows.items()}
    remaining = {(eid, k): [1.0, 1.0] for eid in per_ent for k in parts[eid]}   # fraction left: [best, worst]
    by_ent: dict[str, list[dict]] = defaultdict(list)
    by_part: dict[tuple, list[dict]] = defaultdict(list)
    replaced: dict[str, list[tuple]] = defaultdict(list)   # enterprise -> measures applied (what they replace, answer)
    measures = []
    for rec in recommendations:
        effects = [e for e in rec["expected_effects"] if e["kind"] == "pollutant" and e["target"] == pollutant
                   and e.get("change_pct")]  # relative effects only: a target or an amount is no share
        if not effects:
            continue
        low, high = min(e["change_pct"][0] for e in effects), max(e["change_pct"][1] for e in effects)
        ents = [eid for eid in rec["applies_to"] if eid in per_ent]
        known = kb.measures.get(rec["measure"])
        replaces = set(getattr(known, "replaces", None) or [])
        processes = set(getattr(known, "processes", None) or [])
        problems = set(rec.get("problems") or [])
        stages = {e.get("acts_on") for e in effects}
        seq = [0.0, 0.0]
        base = 0.0
        alternative_to: dict[str, str] = {}
        # an end-of-pipe plant recommended (say for dioxins) where another end-of-pipe plant already treats this
        # pollutant (an SCR for NOx) removes nothing more of it: its effect here is the existing plant's
        treated: dict[str, list[str]] = {}
        in_series: dict[str, list[str]] = {}
        if getattr(known, "route", None) == "equipment" and techniques:
            # a measure that replaces the existing plant (an upgrade) still counts; one the knowledge base marks an
            # add-on stage (`add_on: true`) acts in series on what the first stage leaves — the emitted load
            existing = treating_techniques(kb, pollutant, stages) - set(known.introduces) - replaces
            add_on, kept = getattr(known, "add_on", False), []   # a new list, not removals: linear in enterprises
            for eid in ents:
                found = sorted(existing & techniques.get(eid, set()))
                if found and not add_on:
                    treated[eid] = found
                    continue
                if found:
                    in_series[eid] = found
                kept.append(eid)
            ents = kept
        kept = []
        for eid in ents:
            # alternatives — measures replacing the same technique, or answering the same key issue at the same
            # stage (two ink substitutions, two end-of-pipe plants): an enterprise takes the first in recommended
            # order, never all, so the others remove nothing more there
            rival = next((m for m, rep, probs, stg in replaced[eid]
                          if rep & replaces or (probs & problems and stg & stages)), None)
            if rival is not None:
                alternative_to[eid] = rival
                continue
            kept.append(eid)
            replaced[eid].append((rec["measure"], replaces, problems, stages))
            cut, acts_on = [0.0, 0.0], [0.0, 0.0]
            for key, part in parts[eid].items():
                if not _acts_on_part(processes, part["process"]):
                    continue
                left = remaining[(eid, key)]
                before = list(left)
                left[0] *= 1 + low / 100
                left[1] *= 1 + high / 100
                c = [part["t_per_a"] * (before[0] - left[0]), part["t_per_a"] * (before[1] - left[1])]
                cut = [cut[0] + c[0], cut[1] + c[1]]
                acts_on = [acts_on[0] + part["t_per_a"] * before[1], acts_on[1] + part["t_per_a"] * before[0]]
                base += part["t_per_a"]
                by_part[(eid, key)].append({"measure": rec["measure"], "reduction_t_per_a": [round(c[1], 6), round(c[0], 6)]})
            seq = [seq[0] + cut[0], seq[1] + cut[1]]
            # [weaker-effect case, stronger-effect case], not sorted: in the stronger case the measures before
            # this one left less, so a later measure may remove less there; each end adds up to the combined end
            by_ent[eid].append({"measure": rec["measure"], "reduction_t_per_a": [round(cut[1], 6), round(cut[0], 6)],
                                "acts_on_t_per_a": [round(acts_on[0], 6), round(acts_on[1], 6)]})
        ents = kept
        on_gen = _on_generated(rows, ents, low, high) if "generated" in stages else {}
        measures.append({"measure": rec["measure"], "labels": rec["labels"], "enterprises": ents,
                         "baseline_t_per_a": round(base, 6), "change_pct": [low, high],
                         "reduction_alone_t_per_a": sorted([round(-base * low / 100, 6), round(-base * high / 100, 6)]),
                         "reduction_t_per_a": [round(seq[1], 6), round(seq[0], 6)],   # weaker, stronger case
                         **({"alternative_to": alternative_to} if alternative_to else {}),
                         **({"already_treated": treated} if treated else {}),
                         **({"in_series_after": in_series} if in_series else {}),
                         **({"on_generated": on_gen} if on_gen else {})})

    def cut_of(eid: str, key) -> list[float]:
        t, left = parts[eid][key]["t_per_a"], remaining[(eid, key)]
        return sorted([round(t * (1 - left[1]), 6), round(t * (1 - left[0]), 6)])

    def ent_cut(eid: str) -> list[float]:
        # the same sums as over a generator (sum() adds in the same order), without making two generators per
        # enterprise; most enterprises have one part
        own = parts[eid]
        cuts = [(part["t_per_a"], remaining[(eid, k)]) for k, part in own.items()]
        return sorted([round(sum([t * (1 - left[0]) for t, left in cuts]), 6),
                       round(sum([t * (1 - left[1]) for t, left in cuts]), 6)])

    total = sum(per_ent.values())
    best = sum([parts[e][k]["t_per_a"] * (1 - f[0]) for (e, k), f in remaining.items()])
    worst = sum([parts[e][k]["t_per_a"] * (1 - f[1]) for (e, k), f in remaining.items()])
    by_how: dict[str, list[float]] = {how: [] for how in HOW}   # each route's loads in row order, one pass
    for row in rows.values():
        if row["how"] in by_how:
            by_how[row["how"]].append(row["t_per_a"])
    count = {how: len(by_how[how]) for how in HOW}
    tonnes = {how: round(sum(by_how[how]), 6) for how in HOW}
    estimated = {eid: row for eid, row in rows.items() if row["how"] == "estimated"}
    from_materials = round(sum(row["t_per_a"] for row in estimated.values()
                               if row.get("estimated_from") == "materials"), 6)
    split = {eid for eid, row in rows.items() if row.get("parts")}
    out = {
        "pollutant": pollutant, "labels": kb.label(pollutant),
        "reported_by": count["reported"], "measured_by": count["measured"], "balance_by": count["balance"],
        "derived_by": count["derived"],
        "estimated_by": count["estimated"], "not_reported_by": enterprises - len(per_ent),
        "baseline_t_per_a": round(total, 6),
        "baseline_by_route_t_per_a": tonnes,
        **_floor_total(rows, total),
        "estimated_t_per_a": tonnes["estimated"],
        "estimated_share": round(tonnes["estimated"] / total, 4) if total else None,
        # of the estimates, those from the materials used (a factor per tonne of ink, paint, solvent, adhesive)
        "estimated_from_materials_t_per_a": from_materials,
        "estimated_from_materials_by": sum(1 for row in estimated.values() if row.get("estimated_from") == "materials"),
        "estimated_from_materials_share": round(from_materials / total, 4) if total else None,
        "estimates": [{"enterprise": eid, "t_per_a": round(row["t_per_a"], 6), "factor": row["factor"],
                       "estimated_from": row.get("estimated_from", "output"),
                       "formula": row["formula"], **({"formula_labels": row["formula_labels"]}
                                                     if row.get("formula_labels") else {})}
                      for eid, row in sorted(estimated.items())],
        "baseline": [{"enterprise": eid, "t_per_a": round(row["t_per_a"], 6), "how": row["how"],
                      "formula": row["formula"], "formula_labels": row.get("formula_labels") or (
                          HOW_WORDS["reported"] if row["how"] == "reported" else {"zh": row["formula"], "en": row["formula"]}),
                      **({"factor": row["factor"]} if row["factor"] else {}),
                      **({"estimated_from": row["estimated_from"]} if row.get("estimated_from") else {}),
                      **({"inputs": row["inputs"]} if row.get("inputs") else {}),
                      **{k: row[k] for k in ("bound", "lines", "balance", "lower_bound", "notes", "generated_t_per_a")
                         if row.get(k)},
                      "measures": by_ent.get(eid, []),
                      "reduction_t_per_a": ent_cut(eid),
                      **({"by_process": [{"part": key, "process": part["process"], "labels": part_labels(kb, key),
                                          "t_per_a": round(part["t_per_a"], 6), "reduction_t_per_a": cut_of(eid, key),
                                          "measures": by_part.get((eid, key), [])}
                                         for key, part in parts[eid].items()]} if eid in split else {})}
                     for eid, row in sorted(rows.items())],
        "by_measure": measures,
        "combined_reduction_t_per_a": sorted([round(worst, 6), round(best, 6)]),
        "combined_reduction_share": sorted([round(worst / total, 4), round(best / total, 4)]) if total else None,
    }
    if split:
        out["by_process"] = _process_totals(kb, parts, split, cut_of)
    return out


def _process_totals(kb: Knowledge, parts: dict, split: set[str], cut_of) -> list[dict]:
    """Across the enterprises whose loads are split: the baseline and reduction per process or outlet."""
    totals: dict = {}
    for eid in sorted(split):
        for key, part in parts[eid].items():
            row = totals.setdefault(key, {"part": key, "process": part["process"], "labels": part_labels(kb, key),
                                          "enterprises": [], "t_per_a": 0.0, "reduction_t_per_a": [0.0, 0.0]})
            low, high = cut_of(eid, key)
            row["enterprises"].append(eid)
            row["t_per_a"] = round(row["t_per_a"] + part["t_per_a"], 6)
            row["reduction_t_per_a"] = [round(row["reduction_t_per_a"][0] + low, 6),
                                        round(row["reduction_t_per_a"][1] + high, 6)]
    return sorted(totals.values(), key=lambda r: -r["t_per_a"])


def _floor_total(rows: dict[str, dict], total: float) -> dict:
    """The baseline with each solvent floor taken where it passes the reported or measured figure (balance_notes):
    a floor of the total, shown beside it; the baseline itself keeps the figures as reported."""
    floors = {eid: row["lower_bound"]["t_per_a"] for eid, row in rows.items() if row.get("lower_bound")}
    if not floors:
        return {}
    raised = total + sum(t - rows[eid]["t_per_a"] for eid, t in floors.items())
    return {"with_solvent_floors_t_per_a": round(raised, 6), "solvent_floors": sorted(floors)}


def o3_precursors(kb: Knowledge, rows: list[dict]) -> dict | None:
    """VOCs and NOx, the O3 precursors, apart and together (t/a add up across the two): None unless both are
    followed."""
    found = [r for r in rows if r["pollutant"].rsplit("/", 1)[-1] in O3_PRECURSORS]
    if len(found) < 2:
        return None
    base = sum(r["baseline_t_per_a"] for r in found)
    low = sum(r["combined_reduction_t_per_a"][0] for r in found)
    high = sum(r["combined_reduction_t_per_a"][1] for r in found)
    return {"pollutants": [{"pollutant": r["pollutant"], "labels": r["labels"], "baseline_t_per_a": r["baseline_t_per_a"],
                            "combined_reduction_t_per_a": r["combined_reduction_t_per_a"],
                            "estimated_t_per_a": r["estimated_t_per_a"]} for r in found],
            "baseline_t_per_a": round(base, 6), "combined_reduction_t_per_a": [round(low, 6), round(high, 6)],
            "combined_reduction_share": [round(low / base, 4), round(high / base, 4)] if base else None,
            "estimated_t_per_a": round(sum(r["estimated_t_per_a"] for r in found), 6),
            "basis": {"zh": "臭氧前体物VOCs与NOx分列，并按吨数合计（两者都以t/a计，合计不作当量折算）。",
                      "en": "The O3 precursors VOCs and NOx apart, and their sum in tonnes (both in t/a; no "
                            "equivalence weighting)."}}


def heavy_metal_potential(kb: Knowledge, survey: Survey, enterprises: list[Enterprise],
                          recommendations: list[dict]) -> dict | None:
    """The heavy metals (role heavy-metal) with an annual load (reported, or estimated from an emission factor),
    each as in reduction_potential, and their total: different metals add up in t/a, one metal's measures combine
    as above. None when no enterprise has a heavy-metal load."""
    metals = sorted(p for p, roles in kb.pollutant_roles.items() if "heavy-metal" in roles)
    baseline = baseline_loads(kb, survey, enterprises, metals)
    techniques = {e.id: set(e.techniques) for e in enterprises}
    rows = [_pollutant_potential(kb, p, baseline[p], len(enterprises), recommendations, techniques)
            for p in metals if baseline.get(p)]
    if not rows:
        return None
    total = sum(r["baseline_t_per_a"] for r in rows)
    low = sum(r["combined_reduction_t_per_a"][0] for r in rows)
    high = sum(r["combined_reduction_t_per_a"][1] for r in rows)
    return {"pollutants": rows, "total": {
        "baseline_t_per_a": round(total, 6), "combined_reduction_t_per_a": [round(low, 6), round(high, 6)],
        "combined_reduction_share": [round(low / total, 4), round(high / total, 4)] if total else None},
        "basis": {"zh": "重金属合计为各重金属年排放量及其可削减量之和；同一重金属的多项方案按剩余比例连乘合并。",
                  "en": "The heavy-metal total adds each metal's annual emission and its reduction; one metal's "
                        "measures on one enterprise combine multiplicatively on what remains."}}


@contextmanager
def loads_kept(survey: Survey, enterprises: list[Enterprise]) -> Iterator[None]:
    """Within it, baseline_loads of these enterprises (this very list) computes each pollutant once: the reduction
    potential, the heavy metals and the portfolio read the same baselines (a third of a large diagnosis each time).
    Each pollutant's rows depend on nothing but the enterprises and that pollutant; callers only read them."""
    survey.__dict__["_loads_kept"] = (enterprises, {})
    try:
        yield
    finally:
        survey.__dict__.pop("_loads_kept", None)


def baseline_loads(kb: Knowledge, survey: Survey, enterprises: list[Enterprise],
                   pollutants: list[str], why: dict | None = None) -> dict[str, dict[str, dict]]:
    """pollutant -> enterprise -> baseline row: _baseline_loads, each pollutant's taken from loads_kept's store when
    one is open for these enterprises (the pollutants in the order _baseline_loads would give them)."""
    kept = survey.__dict__.get("_loads_kept")
    if kept is None or kept[0] is not enterprises:
        return _baseline_loads(kb, survey, enterprises, pollutants, why)
    store = kept[1]
    todo = [p for p in dict.fromkeys(pollutants) if p not in store]
    if todo:
        reasons: dict = {}
        first_reported: dict = {}
        found = _baseline_loads(kb, survey, enterprises, todo, reasons, first_reported)
        for p in todo:
            store[p] = (found.get(p, {}), reasons.get(p), first_reported.get(p))
    # the order of _baseline_loads: pollutants with a reported load by where the first one stands, then the rest
    reported = sorted((store[p][2], p) for p in dict.fromkeys(pollutants) if store[p][2] is not None)
    order = [p for _, p in reported] + ([p for p in dict.fromkeys(pollutants) if store[p][2] is None]
                                        if enterprises else [])
    out: dict[str, dict[str, dict]] = defaultdict(dict)
    for p in order:
        out[p] = store[p][0]
        if why is not None and store[p][1]:
            why[p] = dict(store[p][1])
    return out


def _baseline_loads(kb: Knowledge, survey: Survey, enterprises: list[Enterprise], pollutants: list[str],
                    why: dict | None = None, first_reported: dict | None = None) -> dict[str, dict[str, dict]]:
    """pollutant -> enterprise -> {t_per_a, how, factor, formula[, inputs]}, by the first route that gives a figure:
    the emitted annual load the survey reports (reported); a measured concentration × the enterprise's flue-gas
    flow × operating hours, or × its annual wastewater (measured); an annual load a formula of the knowledge base
    derived, such as the VOCs mass balance (derived); the first emission factor (排污系数) of the sector that
    applies to the enterprise × its output, or × its consumption of the factor's material for a factor per material
    used (estimated). `why`, when given, collects pollutant -> enterprise -> why no per-material factor could be
    used; `first_reported`, pollutant -> (enterprise, emission) position of its first reported load."""
    out: dict[str, dict[str, dict]] = defaultdict(dict)
    wanted = set(pollutants)
    derived: dict[str, dict[str, dict]] = defaultdict(dict)
    for n, ent in enumerate(enterprises):
        for k, em in enumerate(ent.emissions):
            if em["pollutant"] in wanted and em["stage"] == "emitted":
                load = annual_load(survey.units, em)
                if load is None:
                    continue
                if em.get("derived"):
                    derived[em["pollutant"]][ent.id] = _derived_row(kb, ent, em["pollutant"], load)
                    continue
                if first_reported is not None:
                    first_reported.setdefault(em["pollutant"], (n, k))
                row = out[em["pollutant"]].setdefault(ent.id, {"t_per_a": 0.0, "how": "reported", "factor": None,
                                                               "formula": None, "parts": {}})
                row["t_per_a"] += load
                key, process = emission_part(em)
                part = row["parts"].setdefault(key, {"t_per_a": 0.0, "process": process})
                part["t_per_a"] += load
    measured_as = {p: {p, *surrogates(kb, p)} for p in pollutants}
    for ent in enterprises:
        given = {em["pollutant"] for em in ent.emissions}
        for pollutant in pollutants:
            if ent.id not in out[pollutant]:
                # measured_load finds nothing without a figure of the pollutant or a stand-in: not called then
                row = measured_load(kb, survey, ent, pollutant) if not given.isdisjoint(measured_as[pollutant]) \
                    else None
                if row is None:
                    row = derived[pollutant].get(ent.id)
                if row is not None:
                    out[pollutant][ent.id] = row
            if ent.id in out[pollutant]:
                _generated(survey.units, ent, pollutant, out[pollutant][ent.id])
            if ent.id in out[pollutant]:   # monitoring before balance (art. 36); the balance and floor beside it
                beside = derived[pollutant].get(ent.id)
                if beside is None and pollutant in ent.model.beside:
                    record = ent.model.beside[pollutant]
                    beside = _derived_row(kb, ent, pollutant, record["value"], record)
                balance_notes(kb, survey.units, ent, pollutant, out[pollutant][ent.id], beside)
    for by_ent in out.values():   # a split only when it says something: two parts or more, or a named process
        for row in by_ent.values():
            parts = row.get("parts")
            if parts is not None and len(parts) < 2 and not any(p["process"] for p in parts.values()):
                del row["parts"]
    factors = _applicable_factors(kb, survey, wanted)
    compiler = ConditionCompiler(kb, survey.units)
    for ent in enterprises:
        for pollutant, candidates in factors.items():
            if ent.id not in out[pollutant]:
                row = _factor_row(kb, survey, compiler, ent, candidates)
                if row is not None:
                    out[pollutant][ent.id] = row
                    balance_notes(kb, survey.units, ent, pollutant, row, None)   # why no balance, if one was tried
                elif why is not None:
                    applying = [f for f in candidates if _applies(compiler, ent, f)]
                    if applying and all(f["per"] == "material" for f in applying):
                        why.setdefault(pollutant, {})[ent.id] = why_not_estimated(kb, applying)
    return out


def generated_load(units: UnitConverter, ent: Enterprise, pollutant: str) -> float | None:
    """The generated load (t/a) the survey states for the pollutant (an inlet or generation figure, not derived);
    None when it states none."""
    loads = [annual_load(units, em) for em in ent.emissions
             if em["pollutant"] == pollutant and em["stage"] == "generated" and not em.get("derived")]
    loads = [x for x in loads if x is not None]
    return sum(loads) if loads else None


def _generated(units: UnitConverter, ent: Enterprise, pollutant: str, row: dict) -> None:
    """The generated load beside the emitted one: a measure acting on generation is applied there and carried
    through the existing treatment (efficiency 1 − E/G)."""
    load = generated_load(units, ent, pollutant)
    if load is not None:
        row["generated_t_per_a"] = load


def _on_generated(rows: dict[str, dict], ents: list[str], low: float, high: float) -> dict[str, dict]:
    """Per enterprise with a generated figure: the generation cut (G × the effect) and, through the existing
    treatment's efficiency η = 1 − E/G, the emission cut G × effect × (1 − η) — the same share of E while η holds.
    Where E passes G the two figures contradict: said, and the emitted load keeps the effect (an upper bound)."""
    out = {}
    for eid in ents:
        gen, emitted = rows[eid].get("generated_t_per_a"), rows[eid]["t_per_a"]
        if not gen:
            continue
        if emitted > gen:
            out[eid] = {"generated_t_per_a": round(gen, 6), "efficiency": None,
                        "note": {"zh": f"填报产生量 {gen:.4g} t/a 小于排放量 {emitted:.4g} t/a，两者矛盾，按排放量计（上限）。",
                                 "en": f"the generated {gen:.4g} t/a is below the emitted {emitted:.4g} t/a: they "
                                       "contradict; the emitted load is used (an upper bound)."}}
            continue
        eta = 1 - emitted / gen
        out[eid] = {"generated_t_per_a": round(gen, 6), "efficiency": round(eta, 6),
                    "generated_cut_t_per_a": sorted([round(-gen * low / 100, 6), round(-gen * high / 100, 6)]),
                    "emitted_cut_t_per_a": sorted([round(-gen * low / 100 * (1 - eta), 6),
                                                   round(-gen * high / 100 * (1 - eta), 6)])}
    return out


def _factor_row(kb: Knowledge, survey: Survey, compiler: ConditionCompiler, ent: Enterprise,
                candidates: list[dict]) -> dict | None:
    """The first factor that applies to the enterprise and can be multiplied by what it reports: a per-material
    factor by its consumption of that material, a per-product factor by its output in the product's unit."""
    product_unit = kb.product_unit(survey.scope.get("sector"))
    by_output = bool(ent.output) and product_unit is not None and ent.output_unit == kb.units[product_unit]["symbol"]
    for factor in candidates:
        if not _applies(compiler, ent, factor):
            continue
        if factor["per"] == "material":   # never × output: kg/kg × t of product would still read as tonnes
            row = material_estimate(kb, survey.units, ent, factor)
            if row is not None:
                return _widest_material_row(kb, survey, compiler, ent, candidates) or row
            continue
        load = _factor_load(survey.units, kb, ent.output, product_unit, factor) if by_output else None
        if load is not None:
            return {"t_per_a": load, "how": "estimated", "estimated_from": "output", "factor": factor["iri"],
                    "formula": f"{ent.output:g} {kb.units[product_unit]['symbol']}/a × "
                               f"{factor['value']:g} {kb.units[factor['unit']]['symbol']}"}
    return None


def _widest_material_row(kb: Knowledge, survey: Survey, compiler: ConditionCompiler, ent: Enterprise,
                         candidates: list[dict]) -> dict | None:
    """Of the per-material factors that apply, one that counts every material row any of them counts, and of those
    the one defined on the fewest materials: a factor per kg of all organic raw materials (ink + diluent + adhesive)
    is not applied to a printer that lists only its ink, which a factor per kg of ink fits (the all-materials
    factor's own note says it reads low there); a printer listing ink, diluent and adhesive gets the one that counts
    all three. Ties keep the candidates' order (condition, process, data year)."""
    rows = [(f, r) for f in candidates if f["per"] == "material" and _applies(compiler, ent, f)
            for r in [material_estimate(kb, survey.units, ent, f)] if r is not None]
    counted = {i["material"] for _, r in rows for i in r["inputs"]}
    whole = [(len(f["materials"]), n, r) for n, (f, r) in enumerate(rows)
             if {i["material"] for i in r["inputs"]} == counted]
    return min(whole, key=lambda x: x[:2])[2] if whole else None


def _applies(compiler: ConditionCompiler, ent: Enterprise, factor: dict) -> bool:
    """Whether the factor's process, product and condition hold for the enterprise."""
    if factor["process"] and factor["process"] not in ent.processes:
        return False
    if factor["product"] and any(p != factor["product"] for p in ent.product_iris):
        return False  # a factor per tonne of one product says nothing of another product's tonnes
    if factor["product"] and factor["per"] == "material" and factor["product"] not in ent.product_iris:
        return False  # kg per kg of paint for wood furniture, not guessed for a plant whose product is not known
    return factor["condition"] is None or compiler.compile(factor["condition"]).evaluate(ent)[0] is True


def _input_name(kb: Knowledge, inp: dict, lang: str) -> str:
    """A formula input by its label (its own, or the fact's or indicator's it reads), never its variable name."""
    if (inp.get("labels") or {}).get(lang):
        return inp["labels"][lang]
    source = str(inp.get("source") or "")
    return kb.label(source)[lang] if source.startswith("http") else inp["name"]


_UNIT_SHOWN = {"tonne/year": "t/a", "tonne / year": "t/a", "t/year": "t/a"}


def _derived_row(kb: Knowledge, ent: Enterprise, pollutant: str, load: float, record: dict | None = None) -> dict:
    """An annual load a formula of the knowledge base computed (derived.py), with the formula written out in
    words (the inputs by their labels, never the formula's variable names)."""
    record = record or ent.model.derived.get(pollutant) or {}
    inputs = record.get("inputs") or []
    words = record.get("formula_labels") or {"zh": record.get("formula", ""), "en": record.get("formula", "")}
    shown = {lang: ("，" if lang == "zh" else ", ").join(
        f"{_input_name(kb, i, lang)} = {i['value']:g} {_UNIT_SHOWN.get(i['unit'], i['unit'])}"
        for i in inputs) for lang in ("zh", "en")}
    labels = {"zh": f"{words['zh']}（{shown['zh']}）= {load:.4g} t/a",
              "en": f"{words['en']} ({shown['en']}) = {load:.4g} t/a"}
    return {"t_per_a": load, "how": "balance" if record.get("balance") else "derived", "factor": record.get("quantity"),
            "formula": labels["en"], "formula_labels": labels, "inputs": inputs,
            **({"bound": record["bound"]} if record.get("bound") else {})}




FINAL_OUTLET = {"water": "total-outlet", "air": "stack"}


def final_outlet(figures: list, medium: str) -> list:
    """Of several figures of one pollutant, the one at the final outlet (总排口 for water) when exactly one is: a
    workshop-outlet figure beside it is an internal point, not what leaves the enterprise."""
    if len(figures) > 1:
        final = [f for f in figures if (f[1] if isinstance(f, tuple) else f).get("point") == FINAL_OUTLET[medium]]
        if len(final) == 1:
            return final
    return figures


def surrogates(kb: Knowledge, pollutant: str) -> list[str]:
    """Pollutants whose concentration stands for this one's: a total parameter the knowledge base marks
    `stands_for` it (kb/shared/pollutants.yaml: NMHC and TVOC for VOCs). A narrower pollutant that is only a part
    (toluene of VOCs, NH3-N of TN, Cr(VI) of total Cr) never stands for the whole. Read from the graph once per
    knowledge (callers must not change the list): it is asked per enterprise and pollutant."""
    return built_once(kb, "_surrogates", _surrogate_table).get(pollutant, [])


def _surrogate_table(kb: Knowledge) -> dict[str, list[str]]:
    from cpkb.kb.namespaces import CPKB

    found: dict[str, list[str]] = defaultdict(list)
    for total, whole in kb.graph.subject_objects(CPKB.standsFor):
        if kb.kinds.get(str(total)) == "pollutant":
            found[str(whole)].append(str(total))
    return {whole: sorted(totals) for whole, totals in found.items()}


def _as(kb: Knowledge, em: dict, pollutant: str, lang: str) -> str:
    """（以非甲烷总烃计） when the concentration is a surrogate's."""
    if em["pollutant"] == pollutant:
        return ""
    name = kb.label(em["pollutant"])[lang]
    return f"（以{name}计）" if lang == "zh" else f" (as {name})"


# The survey facts the measured route reads (kb/shared/facts.yaml; a sector may define its own annual wastewater).
FLOW_FACT = "exhaust-gas-flow"
HOURS_FACT = "annual-operating-hours"
WASTEWATER_FACT = "annual-wastewater"


def _fact_number(kb: Knowledge, ent: Enterprise, key: str) -> tuple[float, str] | None:
    """The enterprise's answer to a number fact given by key (shared or of its sector), with the fact's unit."""
    for iri, value in ent.facts.items():
        if iri.rsplit("/", 1)[-1] == key and isinstance(value, (int, float)) and not isinstance(value, bool):
            unit = (kb.facts.get(iri) or {}).get("unit")
            return float(value), kb.units.get(unit or "", {}).get("symbol") or ""
    return None


def measured_load(kb: Knowledge, survey: Survey, ent: Enterprise, pollutant: str) -> dict | None:
    """Concentration × flow × time: a flue-gas concentration (mg/m³, as measured — the O₂ normalisation is for
    the limit, not the load) × the fact 标干排气量 (m³/h) × 年运行小时数 (h/a) × 10⁻⁹, or a wastewater
    concentration (mg/L) × 年废水排放量 (m³/a) × 10⁻⁶. Only when the enterprise gives one concentration of the
    pollutant in that medium (one flow cannot be shared among several stacks); below-detection figures are no
    measurement of the load."""
    stand_ins = surrogates(kb, pollutant)
    if not any(em["pollutant"] == pollutant or em["pollutant"] in stand_ins for em in ent.emissions):
        return None   # most enterprises give no figure of most pollutants: nothing below can find one
    figures = {"air": [], "water": []}
    own = any(em["pollutant"] == pollutant and _medium(em["unit"]) for em in ent.emissions)
    accepted = {pollutant} if own else {pollutant, *stand_ins}
    for em in ent.emissions:
        if em["pollutant"] not in accepted or em["stage"] != "emitted" or em.get("below_detection") or em.get("derived"):
            continue
        if em.get("point") in FUGITIVE_POINTS:   # 厂界, 厂区内: an ambient figure, no stack's flow carries it
            continue
        medium = _medium(em["unit"])
        if medium is None:
            continue
        try:
            value = survey.units.conversion(em["unit"], "mg/m**3" if medium == "air" else "mg/L").apply(em["value"])
        except UnitProblem:
            continue
        figures[medium].append((value, em))
    for medium in figures:
        figures[medium] = final_outlet(figures[medium], medium)
    stacks = _stack_loads(kb, ent, figures["air"], pollutant)
    if stacks is not None:
        return stacks
    if len(figures["air"]) == 1:
        flow, hours = _fact_number(kb, ent, FLOW_FACT), _fact_number(kb, ent, HOURS_FACT)
        if flow and hours:
            (conc, em), = figures["air"]
            load = conc * flow[0] * hours[0] * 1e-9
            tail = f" × {flow[0]:g} m³/h × {hours[0]:g} h/a × 10⁻⁹ = {load:.4g} t/a"
            labels = {lang: f"{conc:g} mg/m³{_as(kb, em, pollutant, lang)}{tail}" for lang in ("zh", "en")}
            return {"t_per_a": load, "how": "measured", "factor": None, "formula": labels["en"], "formula_labels": labels,
                    "inputs": [{"name": "concentration", "value": conc, "unit": "mg/m³", "process": em.get("process"),
                                "pollutant": em["pollutant"]},
                               {"name": FLOW_FACT, "value": flow[0], "unit": flow[1]},
                               {"name": HOURS_FACT, "value": hours[0], "unit": hours[1]}]}
    if len(figures["water"]) == 1:
        volume = _fact_number(kb, ent, WASTEWATER_FACT)
        if volume:
            (conc, em), = figures["water"]
            load = conc * volume[0] * 1e-6
            tail = f" × {volume[0]:g} m³/a × 10⁻⁶ = {load:.4g} t/a"
            labels = {lang: f"{conc:g} mg/L{_as(kb, em, pollutant, lang)}{tail}" for lang in ("zh", "en")}
            return {"t_per_a": load, "how": "measured", "factor": None, "formula": labels["en"], "formula_labels": labels,
                    "inputs": [{"name": "concentration", "value": conc, "unit": "mg/L", "process": em.get("process"),
                                "pollutant": em["pollutant"]},
                               {"name": WASTEWATER_FACT, "value": volume[0], "unit": volume[1]}]}
    return None


FUGITIVE_POINTS = {"boundary", "in-plant"}


def _stack_loads(kb: Knowledge, ent: Enterprise, figures: list, pollutant: str) -> dict | None:
    """Σ concentration × the stack's own flow × its hours (the line's, else the enterprise's 年运行小时数) × 10⁻⁹
    over the stacks, when every flue-gas figure carries its own flow and no stack is written twice; None otherwise
    (then one figure and the enterprise's flow, below)."""
    if not figures or any(em.get("flow_m3_h") is None for _, em in figures):
        return None
    stacks = [em.get("stack") for _, em in figures if em.get("stack")]
    if len(stacks) != len(set(stacks)):
        return None   # two figures of one stack: which to take is not told
    fact = _fact_number(kb, ent, HOURS_FACT)
    parts, inputs, total = [], [], 0.0
    for conc, em in figures:
        hours = em.get("hours_per_year") or (fact[0] if fact else None)
        if not hours:
            return None
        total += conc * em["flow_m3_h"] * hours * 1e-9
        parts.append((conc, em, hours))
        inputs.append({"name": "concentration", "value": conc, "unit": "mg/m³", "process": em.get("process"),
                       "pollutant": em["pollutant"], "stack": em.get("stack"), "flow_m3_h": em["flow_m3_h"],
                       "hours_per_year": hours})
    labels = {lang: " + ".join(f"{c:g} mg/m³{_as(kb, em, pollutant, lang)} × {em['flow_m3_h']:g} m³/h × {h:g} h/a"
                               for c, em, h in parts) + f" × 10⁻⁹ = {total:.4g} t/a" for lang in ("zh", "en")}
    return {"t_per_a": total, "how": "measured", "factor": None, "formula": labels["en"], "formula_labels": labels,
            "inputs": inputs}


def _applicable_factors(kb: Knowledge, survey: Survey, pollutants: set[str]) -> dict[str, list[dict]]:
    """Emission factors of the survey's sector, per pollutant, the most specific (with a condition) first; of
    equally specific ones, the one whose data year is nearest the survey's (a 2008 sector average is no estimate
    for 2024 when a 2024 one exists), a factor with no year last."""
    found: dict[str, list[dict]] = defaultdict(list)
    for factor in kb.generation_factors:
        if factor["sector"] == survey.scope.get("sector") and factor["stage"] == "emitted" \
                and factor["pollutant"] in pollutants:
            found[factor["pollutant"]].append(factor)
    year = _survey_year(survey)
    for candidates in found.values():
        candidates.sort(key=lambda f: (f["condition"] is None, f["process"] is None, f["per"] != "material",
                                       abs(f["year"] - year) if f.get("year") is not None else float("inf"),
                                       f["iri"]))
    return found


def _survey_year(survey: Survey) -> int:
    """The survey's data year, or this year when it states none (as the requirements' dates are read)."""
    try:
        return int(survey.scope.get("year"))
    except (TypeError, ValueError):
        return dt.date.today().year


def _factor_load(units: UnitConverter, kb: Knowledge, output: float, product_unit: str, factor: dict) -> float | None:
    """output (product unit per year) × factor (mass per product unit) in t/a; None when the units do not fit."""
    expression = f"({units.unit_expression(product_unit)}) * ({units.unit_expression(factor['unit'])})"
    try:
        return units.conversion(expression, "t").apply(output * factor["value"])
    except UnitProblem:
        return None
