"""A measure portfolio under a budget (方案组合优化): which recommended measures, at which enterprises, remove the
most of the characteristic pollutants for a given investment — an integer programme solved with HiGHS.

Each candidate is one measure at one enterprise it is recommended to, with its investment scaled to the
enterprise (economics.py) and its reduction of each pollutant from the enterprise's load (reported, or estimated
from a generation factor). The programme maximises the weighted reduction within the budget (counted at the
upper bound of each investment range, so that the plan never overspends), respects prerequisites and keeps to
one of several alternatives that replace the same technique. Reductions enter the programme additively, capped
at each enterprise's load; the chosen set is then evaluated exactly (measures on one enterprise combine on what
remains) with the low and high ends of every effect range.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .economics import measure_economics, parse_prices, parse_rates
from .knowledge import Knowledge
from .potential import baseline_loads, target_pollutants, treating_techniques
from .survey import Enterprise, Survey


@dataclass
class Candidate:
    measure: str
    enterprise: str
    investment: tuple[float, float]                        # 万元, scaled to the enterprise
    payback: tuple[float, float | None] | None
    cuts: dict[str, tuple[float, float]] = field(default_factory=dict)   # pollutant -> share removed, low..high
    running: float = 0.0                                   # 万元/a: running-cost change less valued savings (mid)

    @property
    def key(self) -> tuple[str, str]:
        return self.measure, self.enterprise


def candidates(kb: Knowledge, survey: Survey, enterprises: list[Enterprise], recommendations: list[dict],
               pollutants: list[str], prices: dict[str, float], rates: dict[str, float] | None = None,
               steam_enthalpy: float | None = None) -> tuple[list[Candidate], list[dict]]:
    """Every (measure, enterprise) a recommendation applies to, with its cost and cuts; and the measures that
    cannot enter the portfolio, with the reason (no cost data, no effect on the pollutants followed)."""
    by_id = {e.id: e for e in enterprises}
    recommended = {r["measure"] for r in recommendations}
    found, left_out = [], []
    for rec in recommendations:
        measure = kb.measures[rec["measure"]]
        cuts = _cuts(measure, pollutants)
        if not cuts:
            left_out.append(_left(rec, "no-effect"))
            continue
        confirmed = [eid for eid in rec["applies_to"] if eid not in rec.get("prerequisite_unconfirmed", [])]
        priced, unconverted = 0, False
        for eid in confirmed:
            econ = measure_economics(kb, survey.units, measure, [by_id[eid]], prices, recommended, rates,
                                     steam_enthalpy)
            invest = (econ.get("investment_10k_yuan") or {}).get("total")
            if invest is None or "opex_change_unconverted" in econ:  # a cost left in another currency: not in yuan
                unconverted = unconverted or "investment_unconverted" in econ or "opex_change_unconverted" in econ
                continue
            payback = (econ.get("payback_years") or {}).get("range")
            found.append(Candidate(measure.iri, eid, (float(invest[0]), float(invest[1])),
                                   tuple(payback) if payback else None, dict(cuts), _running(econ)))
            priced += 1
        if not priced:
            left_out.append(_left(rec, "unconverted" if unconverted else "no-cost"))
    return found, left_out


def _cuts(measure, pollutants: list[str]) -> dict[str, tuple[float, float]]:
    """pollutant -> share of the load removed (low, high), from the measure's relative effects."""
    cuts = {}
    for e in measure.effects:
        if e.target_kind == "pollutant" and e.target in pollutants and e.mode == "relative" \
                and e.min_pct is not None and e.max_pct is not None and min(e.min_pct, e.max_pct) < 0:
            low, high = sorted((-e.min_pct / 100, -e.max_pct / 100))
            cuts[e.target] = (max(0.0, low), min(1.0, high))
    return cuts


def _running(econ: dict) -> float:
    """The yearly running-cost change less the savings valued at the set prices, in 万元/a (midpoints)."""
    opex = (econ.get("opex_change_10k_yuan_per_a") or {}).get("total") or [0.0, 0.0]
    saved = econ.get("savings_10k_yuan_per_a") or [0.0, 0.0]
    return (opex[0] + opex[1]) / 2 - (saved[0] + saved[1]) / 2


_LEFT = {"no-cost": {"zh": "缺少可按企业折算的投资数据", "en": "no investment figure that scales to the enterprise"},
         "unconverted": {"zh": "投资或运行费用以外币计，未设置汇率（exchange_rates），不能折算为万元",
                         "en": "investment or running cost in another currency and no exchange rate set (exchange_rates)"},
         "no-effect": {"zh": "对所关注污染物没有量化效果", "en": "no quantified effect on the pollutants followed"}}


def _left(rec: dict, reason: str) -> dict:
    return {"measure": rec["measure"], "labels": rec["labels"], "reason": reason, "explanation": _LEFT[reason]}


def _inputs(kb: Knowledge, survey: Survey, enterprises: list[Enterprise], recommendations: list[dict],
            settings: dict) -> tuple[list[str], dict[str, dict[str, float]], list[Candidate], list[dict]]:
    """What every portfolio starts from: the pollutants followed, each enterprise's load of them, the candidates and
    the recommendations left out for lack of data."""
    pollutants = target_pollutants(kb, survey.scope) or sorted({e.target for r in recommendations
                                                                for e in kb.measures[r["measure"]].effects
                                                                if e.target_kind == "pollutant"})
    loads = {p: {eid: row["t_per_a"] for eid, row in rows.items()}
             for p, rows in baseline_loads(kb, survey, enterprises, pollutants).items()}
    found, left_out = candidates(kb, survey, enterprises, recommendations, pollutants,
                                 parse_prices(str(settings.get("prices") or "")),
                                 parse_rates(str(settings.get("exchange_rates") or "")),
                                 float(settings.get("steam_enthalpy_gj_per_t") or 0) or None)
    _drop_treated(kb, found, enterprises)
    return pollutants, loads, found, left_out


def _drop_treated(kb: Knowledge, found: list[Candidate], enterprises: list[Enterprise]) -> None:
    """An end-of-pipe candidate removes none of a pollutant an existing end-of-pipe plant of its enterprise already
    treats (activated carbon for dioxins where an SCR runs: no NOx), as in the reduction potential."""
    techniques = {e.id: set(e.techniques) for e in enterprises}
    treating: dict[tuple, set[str]] = {}
    for c in found:
        measure = kb.measures.get(c.measure)
        if getattr(measure, "route", None) != "equipment":
            continue
        for pollutant in list(c.cuts):
            stages = frozenset(e.acts_on for e in measure.effects if e.target == pollutant)
            if (pollutant, stages) not in treating:
                treating[(pollutant, stages)] = treating_techniques(kb, pollutant, set(stages))
            existing = treating[(pollutant, stages)] - set(measure.introduces) - set(measure.replaces)
            if existing & techniques.get(c.enterprise, set()):
                del c.cuts[pollutant]


def plan(kb: Knowledge, survey: Survey, enterprises: list[Enterprise], recommendations: list[dict],
         budget: float, payback_limit: float | None = None, weights: dict[str, float] | None = None,
         settings: dict | None = None, step: float = 100.0, draws: int = 0, seed: int = 0) -> dict[str, Any]:
    """The portfolio within `budget` (万元), and what the next `step` 万元 would add; with `draws` > 0 also a
    Monte-Carlo interval of its reduction (seeded)."""
    settings = settings or {}
    pollutants, loads, found, left_out = _inputs(kb, survey, enterprises, recommendations, settings)
    excluded = [c for c in found if payback_limit is not None and c.payback and c.payback[0] > payback_limit]
    pool = [c for c in found if c not in excluded]
    weight = _weights(loads, weights)
    chosen = solve(kb, pool, loads, weight, budget, enterprises)
    more = solve(kb, pool, loads, weight, budget + step, enterprises)
    now = _evaluate(kb, chosen, loads)
    later = _evaluate(kb, more, loads)
    return {
        "budget_10k_yuan": budget, "payback_limit_years": payback_limit,
        "weights": {p: round(w, 8) for p, w in weight.items()},
        "chosen": [_row(kb, c, loads) for c in chosen],
        "investment_10k_yuan": [round(sum(c.investment[0] for c in chosen), 4),
                                round(sum(c.investment[1] for c in chosen), 4)],
        "reduction_t_per_a": now,
        **({"monte_carlo": monte_carlo(chosen, loads, draws, seed)} if draws > 0 else {}),
        "next_step": {"budget_10k_yuan": budget + step,
                      "adds": [_row(kb, c, loads) for c in more if c.key not in {x.key for x in chosen}],
                      "drops": [_row(kb, c, loads) for c in chosen if c.key not in {x.key for x in more}],
                      "reduction_t_per_a": later},
        "excluded_by_payback": [_row(kb, c, loads) for c in excluded],
        "abatement_cost_curve": abatement_curve(kb, pool, loads, float(settings.get("discount_rate", 0.08)),
                                                int(settings.get("equipment_life_years", 10))),
        "without_data": left_out,
        "candidates": len(pool),
        "basis": {"zh": "整数规划（HiGHS）：在预算内（按投资区间上限计）使关注污染物的加权削减量最大；满足前置条件，"
                        "替代同一工艺的方案只选其一。削减量按企业排放量（填报或按系数估算）与效果区间计算，同一企业多项方案"
                        "按剩余比例连乘。",
                  "en": "Integer programme (HiGHS): the largest weighted reduction of the pollutants followed within the "
                        "budget (investments at the top of their ranges), prerequisites respected, one of the measures "
                        "replacing the same technique. Reductions from each enterprise's load (reported or estimated) "
                        "and the effect ranges; several measures on one enterprise combine on what remains."},
    }


MAX_STEP_CANDIDATES = 400   # above this the page's budget steps are left to `cpkb plan` (one solve per step)


def budget_steps(kb: Knowledge, survey: Survey, enterprises: list[Enterprise], recommendations: list[dict],
                 settings: dict | None = None, steps: int = 8) -> dict[str, Any] | None:
    """The portfolio at `steps` budgets from an eighth of what every candidate together would cost up to all of it,
    for the report's budget slider: each step solved exactly (HiGHS), so the page only chooses among optima."""
    settings = settings or {}
    pollutants, loads, pool, left_out = _inputs(kb, survey, enterprises, recommendations, settings)
    pool = [c for c in pool if c.cuts and any(loads.get(p, {}).get(c.enterprise) for p in c.cuts)]
    if not pool:
        if not left_out:
            return None
        # nothing to choose among, but the audit team still needs to know which measures lack cost or effect data
        return {"steps": [], "candidates": 0, "without_data": left_out,
                "pollutant_labels": {p: kb.label(p) for p in pollutants},
                "note": {"zh": "没有同时具备投资和量化效果数据的候选方案，无法求解方案组合和边际减排成本曲线；缺数据的方案见下表。",
                         "en": "No candidate has both an investment and a quantified effect, so no portfolio or abatement "
                               "cost curve can be solved; the measures lacking data are listed."}}
    if len(pool) > MAX_STEP_CANDIDATES:
        return {"steps": [], "candidates": len(pool), "without_data": left_out,
                "note": {"zh": f"候选方案{len(pool)}项，页面不预算分档；请用 cpkb plan --budget 求解。",
                         "en": f"{len(pool)} candidates: no budget steps on the page; use cpkb plan --budget."}}
    weight = _weights(loads, None)
    top = sum(c.investment[1] for c in pool)
    out = []
    for k in range(1, steps + 1):
        budget = round(top * k / steps, 2)
        chosen = solve(kb, pool, loads, weight, budget, enterprises)
        out.append({"budget_10k_yuan": budget, "chosen": [_row(kb, c, loads) for c in chosen],
                    "investment_10k_yuan": [round(sum(c.investment[0] for c in chosen), 4),
                                            round(sum(c.investment[1] for c in chosen), 4)],
                    "reduction_t_per_a": _evaluate(kb, chosen, loads)})
    return {"steps": out, "candidates": len(pool), "weights": {p: round(w, 8) for p, w in weight.items()},
            "pollutant_labels": {p: kb.label(p) for p in pollutants},
            "abatement_cost_curve": abatement_curve(kb, pool, loads, float(settings.get("discount_rate", 0.08)),
                                                    int(settings.get("equipment_life_years", 10))),
            "without_data": left_out}


def _weights(loads: dict[str, dict[str, float]], given: dict[str, float] | None) -> dict[str, float]:
    """By default each pollutant counts by the share of its total removed, so tonnes of COD do not drown
    kilograms of nickel; a user's weights count per tonne."""
    if given:
        return {p: given.get(p, 0.0) for p in loads}
    return {p: 1.0 / total for p, rows in loads.items() if (total := sum(rows.values())) > 0}


def solve(kb: Knowledge, pool: list[Candidate], loads: dict[str, dict[str, float]], weight: dict[str, float],
          budget: float, enterprises: list[Enterprise]) -> list[Candidate]:
    """The best set of candidates for the budget (binary x per candidate, continuous credited reduction r per
    enterprise and pollutant, r ≤ load and r ≤ Σ x·cut·load)."""
    import highspy

    if not pool:
        return []
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    x = {c.key: h.addBinary() for c in pool}
    by_cell: dict[tuple[str, str], list[tuple[Candidate, float]]] = defaultdict(list)
    for c in pool:
        for p, (lo, hi) in c.cuts.items():
            load = loads.get(p, {}).get(c.enterprise)
            if load:
                by_cell[(c.enterprise, p)].append((c, load * (lo + hi) / 2))
    objective = 0
    for (eid, p), items in by_cell.items():
        r = h.addVariable(lb=0, ub=loads[p][eid])
        h.addConstr(r - sum(x[c.key] * amount for c, amount in items) <= 0)
        objective = objective + weight.get(p, 0.0) * r
    # a whisker of cost in the objective: of two plans that remove the same, the cheaper one
    objective = objective - 1e-9 * sum(x[c.key] * c.investment[1] for c in pool)
    h.addConstr(sum(x[c.key] * c.investment[1] for c in pool) <= budget)
    _prerequisites(kb, h, x, pool, enterprises)
    _alternatives(kb, h, x, pool)
    h.maximize(objective)
    values = h.getSolution().col_value
    return [c for c in pool if values[x[c.key].index] > 0.5]


def _prerequisites(kb: Knowledge, h, x: dict, pool: list[Candidate], enterprises: list[Enterprise]) -> None:
    """A measure that requires another goes with it, unless the enterprise already has what it brings in."""
    techniques = {e.id: e.techniques for e in enterprises}
    for c in pool:
        econ = kb.measures[c.measure].economics
        if any(t not in techniques[c.enterprise] for t in econ.requires_techniques):
            h.addConstr(x[c.key] <= 0)
            continue
        for need in econ.requires_measures:
            brings = set(kb.measures[need].introduces) if need in kb.measures else set()
            if brings and brings <= techniques[c.enterprise]:
                continue
            other = x.get((need, c.enterprise))
            h.addConstr(x[c.key] <= 0 if other is None else x[c.key] - other <= 0)


def _alternatives(kb: Knowledge, h, x: dict, pool: list[Candidate]) -> None:
    """Measures that replace the same technique at one enterprise are alternatives: at most one of them."""
    groups: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for c in pool:
        for technique in kb.measures[c.measure].replaces:
            groups[(c.enterprise, technique)].append(c.key)
    for keys in groups.values():
        if len(keys) > 1:
            h.addConstr(sum(x[k] for k in keys) <= 1)


def _evaluate(kb: Knowledge, chosen: list[Candidate], loads: dict[str, dict[str, float]]) -> dict[str, list[float]]:
    """The chosen set's reduction per pollutant, [low, high], measures on one enterprise combining on what remains."""
    left: dict[tuple[str, str], list[float]] = defaultdict(lambda: [1.0, 1.0])
    for c in chosen:
        for p, (lo, hi) in c.cuts.items():
            if loads.get(p, {}).get(c.enterprise):
                cell = left[(c.enterprise, p)]
                cell[0] *= 1 - lo
                cell[1] *= 1 - hi
    out: dict[str, list[float]] = {}
    for (eid, p), (keep_low, keep_high) in left.items():
        low, high = out.get(p, [0.0, 0.0])
        out[p] = [low + loads[p][eid] * (1 - keep_low), high + loads[p][eid] * (1 - keep_high)]
    return {p: [round(v, 6) for v in values] for p, values in sorted(out.items())}


def monte_carlo(chosen: list[Candidate], loads: dict[str, dict[str, float]], draws: int,
                seed: int = 0) -> dict[str, Any]:
    """The chosen set's reduction per pollutant over `draws` seeded draws: each measure's share at each enterprise
    drawn uniformly within its effect range, independently (the knowledge base gives ranges, not distributions),
    combined on what remains as in _evaluate; the 5th, 50th and 95th percentiles and the mean."""
    import numpy as np

    rng = np.random.default_rng(seed)
    left: dict[tuple[str, str], np.ndarray] = {}
    for c in chosen:
        for p, (lo, hi) in c.cuts.items():
            if loads.get(p, {}).get(c.enterprise):
                key = (c.enterprise, p)
                share = rng.uniform(min(lo, hi), max(lo, hi), draws)
                left[key] = left.get(key, np.ones(draws)) * (1 - share)
    totals: dict[str, np.ndarray] = {}
    for (eid, p), keep in sorted(left.items()):
        totals[p] = totals.get(p, np.zeros(draws)) + loads[p][eid] * (1 - keep)
    return {"draws": draws, "seed": seed,
            "reduction_t_per_a": {p: {"p5": round(float(np.percentile(v, 5)), 6),
                                      "p50": round(float(np.percentile(v, 50)), 6),
                                      "p95": round(float(np.percentile(v, 95)), 6),
                                      "mean": round(float(v.mean()), 6)} for p, v in sorted(totals.items())},
            "basis": {"zh": "蒙特卡罗：各方案在各企业的削减比例在其效果区间内均匀、相互独立地抽取（知识库只给区间，不给分布），"
                            "同一企业多项方案按剩余比例连乘；给出第5、50、95百分位和平均值。",
                      "en": "Monte Carlo: each measure's share at each enterprise drawn uniformly and independently within "
                            "its effect range (the knowledge base gives ranges, not distributions), several measures on one "
                            "enterprise combining on what remains; the 5th, 50th and 95th percentiles and the mean."}}


def abatement_curve(kb: Knowledge, pool: list[Candidate], loads: dict[str, dict[str, float]], rate: float,
                    years: int) -> dict[str, Any]:
    """The marginal abatement cost curve per pollutant: candidates taken cheapest per tonne first, each removing
    its share (mid of its effect range) of what the steps before it left at its enterprise, so the curve's
    cumulative tonnes never count a tonne twice; of alternatives (measures replacing the same technique at one
    enterprise) only the first taken stays on the curve, and a measure that requires another joins once that one
    is on it (or when it is no candidate there: already in place). Steps are shown cheapest first. A measure
    acting on several pollutants carries its whole cost on each curve (said in the basis)."""
    crf = rate / (1 - (1 + rate) ** -years) if rate else 1 / years
    out, dropped = {}, {}
    for p in sorted({p for c in pool for p in c.cuts}):
        steps, left_out = _sequenced_curve(kb, [c for c in pool if p in c.cuts], p, loads.get(p, {}), crf)
        if steps:
            steps.sort(key=lambda s: s["yuan_per_t"])
            total = 0.0
            for step in steps:
                total += step["t_per_a"]
                step["cumulative_t_per_a"] = round(total, 6)
            out[p] = steps
        if left_out:
            dropped[p] = left_out
    return {"curves": out, "alternatives_left_out": dropped, "discount_rate": rate, "equipment_life_years": years,
            "capital_recovery_factor": round(crf, 6),
            "basis": {"zh": "年化成本=投资中值×资本回收系数+运行费用变化−按设定价格计的节约额；每吨成本=年化成本÷年削减量"
                            "（效果区间中值）。按每吨成本由低到高依次取方案，每项只削减前面方案在同一企业留下的排放量，累计削减量"
                            "不重复计算；同一企业互为替代的方案只取先入者，需以另一方案为前提的方案在前提方案之后计入。"
                            "同时削减多种污染物的方案，其全部成本计入每条曲线。",
                      "en": "annual cost = mid investment × capital recovery factor + running-cost change − savings at "
                            "the set prices; cost per tonne = annual cost ÷ tonnes removed a year (mid of the effect "
                            "range). Candidates are taken cheapest per tonne first, each removing its share of what the "
                            "steps before it left at its enterprise, so no tonne is counted twice; of alternatives at "
                            "one enterprise only the first taken stays, and a measure requiring another follows it. A "
                            "measure removing several pollutants carries its whole cost on each curve."}}


def _sequenced_curve(kb: Knowledge, pool: list[Candidate], p: str, loads: dict[str, float],
                     crf: float) -> tuple[list[dict], list[dict]]:
    """Greedy: at each step the eligible candidate with the lowest cost per tonne on what is left."""
    left = dict(loads)
    taken: set[tuple[str, str]] = set()
    replaced: dict[str, set[str]] = defaultdict(set)
    keys = {c.key for c in pool}
    waiting = list(pool)
    steps, dropped = [], []

    def eligible(c: Candidate) -> bool:
        needs = kb.measures[c.measure].economics.requires_measures if c.measure in kb.measures else []
        return all((m, c.enterprise) in taken or (m, c.enterprise) not in keys for m in needs)

    while waiting:
        best = None
        for c in waiting:
            lo, hi = c.cuts[p]
            tonnes = left.get(c.enterprise, 0.0) * (lo + hi) / 2
            if tonnes <= 0 or not eligible(c):
                continue
            annual = (c.investment[0] + c.investment[1]) / 2 * crf + c.running      # 万元/a
            cost = annual * 1e4 / tonnes
            if best is None or cost < best[0]:
                best = (cost, c, tonnes, annual)
        if best is None:
            break
        cost, c, tonnes, annual = best
        waiting.remove(c)
        steps.append({"measure": c.measure, "labels": kb.label(c.measure), "enterprise": c.enterprise,
                      "t_per_a": round(tonnes, 6), "acts_on_t_per_a": round(left[c.enterprise], 6),
                      "annual_cost_10k_yuan": round(annual, 4), "yuan_per_t": round(cost, 2)})
        left[c.enterprise] -= tonnes
        taken.add(c.key)
        rep = set(kb.measures[c.measure].replaces) if c.measure in kb.measures else set()
        replaced[c.enterprise] |= rep
        for other in [o for o in waiting if o.enterprise == c.enterprise]:
            other_rep = set(kb.measures[other.measure].replaces) if other.measure in kb.measures else set()
            if other_rep & replaced[c.enterprise]:
                waiting.remove(other)
                dropped.append({"measure": other.measure, "labels": kb.label(other.measure),
                                "enterprise": other.enterprise, "alternative_to": c.measure})
    return steps, dropped


def _row(kb: Knowledge, c: Candidate, loads: dict[str, dict[str, float]]) -> dict:
    return {"measure": c.measure, "labels": kb.label(c.measure), "enterprise": c.enterprise,
            "investment_10k_yuan": [round(v, 4) for v in c.investment],
            "payback_years": list(c.payback) if c.payback else None,
            "reduction_t_per_a": {p: [round(loads[p][c.enterprise] * lo, 6), round(loads[p][c.enterprise] * hi, 6)]
                                  for p, (lo, hi) in sorted(c.cuts.items()) if loads.get(p, {}).get(c.enterprise)}}


def plan_summary(kb: Knowledge, out: dict, lang: str = "zh") -> str:
    """A few lines for the terminal: what was chosen, what it removes, what the next step adds, what lacks data."""
    zh = lang == "zh"
    invest = out["investment_10k_yuan"]
    lines = [f"预算{out['budget_10k_yuan']:g}万元：选择{len(out['chosen'])}项（企业×方案），投资{invest[0]:g}–{invest[1]:g}万元"
             if zh else f"budget {out['budget_10k_yuan']:g} (10k yuan): {len(out['chosen'])} measure(s) at enterprises, "
             f"investment {invest[0]:g}–{invest[1]:g}"]
    for row in out["chosen"]:
        lines.append(f"  {row['enterprise']}  {row['labels'][lang]}  {row['investment_10k_yuan'][0]:g}–"
                     f"{row['investment_10k_yuan'][1]:g}" + ("万元" if zh else ""))
    for pollutant, (low, high) in out["reduction_t_per_a"].items():
        lines.append(f"  削减{kb.label(pollutant)[lang]} {low:g}–{high:g} t/a" if zh
                     else f"  removes {kb.label(pollutant)[lang]} {low:g}–{high:g} t/a")
    step = out["next_step"]
    lines.append((f"再增加至{step['budget_10k_yuan']:g}万元可增选{len(step['adds'])}项" if zh
                  else f"at {step['budget_10k_yuan']:g}: {len(step['adds'])} more"))
    if out["without_data"]:
        lines.append(f"{len(out['without_data'])}项推荐方案缺少投资或效果数据，未参与优化" if zh
                     else f"{len(out['without_data'])} recommended measure(s) lack cost or effect data: not in the plan")
    return "\n".join(lines)
