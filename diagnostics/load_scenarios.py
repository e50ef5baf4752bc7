"""The load above the limit and the emission scenarios of a regional or basin co-audit: per key pollutant and
enterprise, the annual load that lies above a concentration limit (after O₂ normalisation) and what bringing every
enterprise to the limit that binds it, to the special limit, to level II or to the ultra-low value would remove.

The load above a limit is the enterprise's annual load × (1 − limit / concentration compared): the flow is
taken as unchanged, so the load falls in proportion to the concentration. It is worked out only where the
enterprise gives one concentration of the pollutant (one figure cannot stand for several outlets of one load).
"""

from __future__ import annotations

from .conditions import ConditionCompiler
from .knowledge import Knowledge
from .potential import final_outlet, surrogates
from .requirements import _check, _medium
from .survey import Enterprise, Survey

SCENARIOS = ("limit", "special", "level-II", "ultra-low")
TITLES = {
    "limit": {"zh": "全部企业达到现行适用的排放限值", "en": "every enterprise brought to the limit that binds it"},
    "special": {"zh": "全部企业达到特别排放限值", "en": "every enterprise brought to the special emission limit"},
    "level-II": {"zh": "全部企业达到清洁生产Ⅱ级基准值", "en": "every enterprise brought to level II"},
    "ultra-low": {"zh": "全部企业达到超低排放限值", "en": "every enterprise brought to the ultra-low value"},
}
FORMULA = {"zh": "限值以上排放量 = 年排放量 × (1 − 限值 / 折算浓度)",
           "en": "load above the limit = annual load × (1 − limit / concentration compared)"}


def load_scenarios(kb: Knowledge, survey: Survey, enterprises: list[Enterprise], sector: str | None,
                   baseline: dict[str, dict[str, dict]], pollutants: list[str]) -> dict | None:
    """`exceedances` (each enterprise over a binding limit: the load above it) and `scenarios` (per scenario and
    pollutant: the tonnes removed, the enterprises moved, already there and without a figure). None when the
    sector has no concentration limit on any followed pollutant."""
    sets = [r for r in kb.requirement_sets.values() if r.sector == sector]
    measured_as = {p: {p, *surrogates(kb, p)} for p in pollutants}
    followed = [p for p in pollutants if any(l.subject in measured_as[p] and l.subject_kind == "pollutant"
                                             and not l.is_range for r in sets for l in r.limits)]
    if not followed:
        return None
    compiler = ConditionCompiler(kb, survey.units)
    limits = {l.iri: l for r in sets for l in r.limits}
    # the sets of each other scenario, and the pollutants their limits are on: _checks runs only for an enterprise
    # whose subjects one of these limits is on (it finds nothing otherwise; a scenario with no row and no enterprise
    # at its target is left out below), the lists made once, not per enterprise
    area_sets = {s: [r for r in sets if r.area == ("special" if s == "special" else "ultra-low")]
                 for s in ("special", "ultra-low")}
    area_subjects = {s: {l.subject for r in found for l in r.limits
                         if l.subject_kind == "pollutant" and not l.is_range} for s, found in area_sets.items()}
    # each enterprise's emissions of the followed pollutants and their stand-ins, in survey order, read once
    wanted = set().union(*measured_as.values())
    grouped = [_by_pollutant(ent, wanted) for ent in enterprises]
    exceedances, scenarios = [], []
    for pollutant in followed:
        loads = baseline.get(pollutant, {})
        rows: dict[str, list[dict]] = {s: [] for s in SCENARIOS}
        at_target: dict[str, list[str]] = {s: [] for s in SCENARIOS}
        lacking: dict[str, list[str]] = {s: [] for s in SCENARIOS}
        stand_ins = measured_as[pollutant]
        for ent, emissions in zip(enterprises, grouped):
            load = loads.get(ent.id)
            subjects = _subjects_of(emissions, pollutant, stand_ins)
            binding = [c for c in ent.model.compliance if c["subject"] in subjects and c["subject_kind"] == "pollutant"
                       and not isinstance(c["limit_value"], list) and not c.get("undetermined")]
            figures = None   # counted only where a load and a limit ask for it
            for scenario in ("limit", "special", "ultra-low"):
                if scenario == "limit":
                    checks = binding
                elif area_subjects[scenario].isdisjoint(subjects):
                    checks = []
                else:
                    checks = _checks(kb, survey, ent, area_sets[scenario], subjects, compiler)
                check = _tightest(checks, limits)
                if load is not None and check is not None and figures is None:
                    figures = _figures_of(emissions, subjects)
                if load is None or check is None or figures != 1:
                    if checks or load is not None:
                        lacking[scenario].append(ent.id)
                    continue
                row = _row(ent.id, load, check)
                if row["above_t_per_a"] > 0:
                    rows[scenario].append(row)
                    if scenario == "limit":
                        exceedances.append({"pollutant": pollutant, "labels": kb.label(pollutant), **row})
                else:
                    at_target[scenario].append(ent.id)
        for scenario in SCENARIOS:
            if scenario == "level-II":
                scenarios.append(_level_two(kb, survey, enterprises, sector, pollutant))
                continue
            if not rows[scenario] and not at_target[scenario]:
                continue
            scenarios.append({"scenario": scenario, "title": TITLES[scenario], "pollutant": pollutant,
                              "labels": kb.label(pollutant), "available": True, "enterprises": rows[scenario],
                              "reduction_t_per_a": round(sum(r["above_t_per_a"] for r in rows[scenario]), 6),
                              "enterprises_moved": len(rows[scenario]), "enterprises_at_target": sorted(at_target[scenario]),
                              "enterprises_without_data": sorted(set(lacking[scenario]))})
    return {"exceedances": exceedances, "scenarios": scenarios, "formula": FORMULA,
            "basis": {"zh": "浓度先折算到限值的基准氧含量再与限值比较；削减量按风量不变、排放量随浓度同比下降估算；"
                            "企业只有一个该污染物浓度时才计算（多个排口不能用一个年排放量分摊）。",
                      "en": "Concentrations are normalised to the limit's reference O₂ before they are compared; the "
                            "reduction assumes the flow unchanged, so the load falls with the concentration; worked "
                            "out only where the enterprise gives one concentration of the pollutant (one annual load "
                            "cannot be split among several outlets)."}}


def _by_pollutant(ent: Enterprise, wanted: set[str]) -> dict[str, list[dict]]:
    """The enterprise's emissions of these pollutants, by pollutant, each list in survey order."""
    out: dict[str, list[dict]] = {}
    for em in ent.emissions:
        if em["pollutant"] in wanted:
            out.setdefault(em["pollutant"], []).append(em)
    return out


def _subjects_of(emissions: dict[str, list[dict]], pollutant: str, measured_as: set[str]) -> set[str]:
    """The pollutant itself when the enterprise gives its figure, else its surrogates (NMHC for VOCs)."""
    own = any(_medium(em["unit"]) for em in emissions.get(pollutant, ()))
    return {pollutant} if own else measured_as


def _figures_of(emissions: dict[str, list[dict]], subjects: set[str]) -> int:
    """How many concentration figures of the pollutant the enterprise gives (in one medium)."""
    found: dict[str, list[dict]] = {"air": [], "water": []}
    for subject in subjects:   # how many, not which: the order of the subjects does not matter
        for em in emissions.get(subject, ()):
            if em["stage"] == "emitted" and not em.get("derived"):
                medium = _medium(em["unit"])
                if medium:
                    found[medium].append(em)
    return max(len(final_outlet(ems, medium)) for medium, ems in found.items())


def _checks(kb: Knowledge, survey: Survey, ent: Enterprise, sets: list, subjects: set[str],
            compiler: ConditionCompiler) -> list[dict]:
    """The enterprise's figures against the limits of the given sets, whether or not the sets bind it today (a
    scenario asks what would follow if they did); a limit's own condition (its process or technique) must hold."""
    out = []
    for req in sets:
        for limit in req.limits:
            if limit.subject not in subjects or limit.subject_kind != "pollutant" or limit.is_range:
                continue
            if limit.applies_when is not None and compiler.compile(limit.applies_when).evaluate(ent)[0] is not True:
                continue
            out.extend(c for c in _check(kb, survey, ent, req, limit) if not c.get("undetermined"))
    for check in out:
        check.pop("_figure", None)   # only the compliance section ranks several sets' limits of one figure
    return out


def _tightest(checks: list[dict], limits: dict) -> dict | None:
    """The check that asks most of the enterprise: limits set for the figure's own process before general ones,
    then the highest ratio of concentration to limit."""
    if not checks:
        return None
    def key(c):
        limit = limits.get(c["limit"])
        own = bool(limit and limit.process and c.get("process") == limit.process)
        return (own, c["compared"] / c["limit_value"] if c["limit_value"] else 0.0)
    return max(checks, key=key)


def _row(eid: str, load: dict, check: dict) -> dict:
    compared, limit = check["compared"], check["limit_value"]
    share = max(0.0, 1 - limit / compared) if compared > 0 else 0.0
    return {"enterprise": eid, "t_per_a": round(load["t_per_a"], 6), "how": load["how"],
            "requirement": check["requirement"], "requirement_labels": check["requirement_labels"],
            "limit": check["limit"], "limit_value": limit, "unit": check["unit"], "measured": check["measured"],
            "compared": compared, **({"o2": check["o2"]} if check.get("o2") else {}),
            "above_share": round(share, 4), "above_t_per_a": round(load["t_per_a"] * share, 6),
            "formula": f"{load['t_per_a']:.4g} t/a × (1 − {limit:g} / {compared:.4g}) = {load['t_per_a'] * share:.4g} t/a"}


def _level_two(kb: Knowledge, survey: Survey, enterprises: list[Enterprise], sector: str | None, pollutant: str) -> dict:
    """Level II of a pollutant: an indicator of the sector whose scenario saves the pollutant, brought to level II
    (scenarios.py), its value reported or derived from the annual load and the output. Where the knowledge base
    records no such indicator with level values (the tables were not read), the scenario says so instead of guessing."""
    from .scenarios import _scenario

    for ind in sorted((i for i in kb.indicators.values() if i.sector == sector and i.rules.scenario
                       and i.rules.scenario.get("saves") == pollutant), key=lambda i: i.iri):
        found = _scenario(kb, survey.units, ind, enterprises, "II")
        if found is not None:
            return {"scenario": "level-II", "title": TITLES["level-II"], "pollutant": pollutant,
                    "labels": kb.label(pollutant), "available": True, "indicator": ind.iri,
                    "enterprises": found["enterprises"], "reduction_t_per_a": found["total"],
                    "enterprises_moved": found["enterprises_moved"], "enterprises_at_target": found["enterprises_at_level_ids"],
                    "enterprises_without_data": found["enterprises_without_data"],
                    "enterprises_not_covered": found["enterprises_not_covered"]}
    return {"scenario": "level-II", "title": TITLES["level-II"], "pollutant": pollutant, "labels": kb.label(pollutant),
            "available": False, "enterprises": [], "reduction_t_per_a": None, "enterprises_moved": 0,
            "enterprises_at_target": [], "enterprises_without_data": [],
            "reason": {"zh": "知识库尚未收录该污染物排放（产生）强度指标的Ⅱ级基准值，无法计算；各指标的节约情景见“达标情景”表。",
                       "en": "The knowledge base holds no level-II value of an emission (generation) intensity "
                             "indicator for this pollutant, so this cannot be computed; the indicators' own level "
                             "scenarios are under `scenarios`."}}
