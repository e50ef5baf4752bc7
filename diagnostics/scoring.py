"""Indicator scoring by the official method of the 2013 general rules for indicator systems (brief §2.3).

Per enterprise: the level each indicator reaches (levels are cumulative), the composite indices
Y_I, Y_II, Y_III = Σ_i w_i · Σ_j ω_ij · Y_gk(x_ij) with weights renormalised over what applies, the
limiting indicators, and the class: I when Y_I ≥ 85 and every limiting indicator meets I; II when
Y_II ≥ 85 and every limiting indicator meets II; III when Y_III = 100; otherwise below III.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .enterprise_model import EnterpriseModel
from .knowledge import LEVELS, Indicator

PASS_INDEX = 85.0
NOT_APPLICABLE = "n/a"
_ORDER = {"I": 0, "II": 1, "III": 2, None: 3}


@dataclass
class IndicatorScore:
    indicator: str
    value: object
    level: str | None          # best level met, None = below III, "n/a" = not applicable
    limiting: bool
    weight: float = 0.0        # ω'_ij after renormalisation (0 when not assessed)
    category: str = ""
    variant: dict | None = None    # the benchmark variant used: {zh, en} of its case
    derived: str | None = None     # the formula, when the value was derived from other survey figures


@dataclass
class EnterpriseScore:
    indices: dict[str, float]                 # level -> Y
    grade: str | None                         # I | II | III | below III | None when it cannot be rated
    indicators: list[IndicatorScore]
    missing: list[str] = field(default_factory=list)      # indicators with no value in the survey
    reasons: list[str] = field(default_factory=list)      # why the grade is what it is
    coverage: float = 0.0      # share of the whole official system's weight the enterprise's values stand for
    provisional: bool = True   # the class rests on less than the whole system (coverage < 1): 暂定
    basis: dict = field(default_factory=dict)   # what the grade rests on and why the rest is missing


def level_of(indicator: Indicator, value: object, benchmarks: dict[str, float] | None = None) -> str | None:
    """The best level a value reaches (cumulative levels); qualitative values are given as the level.
    `benchmarks` are those of the variant chosen for the enterprise, when the indicator has variants."""
    if value == NOT_APPLICABLE:
        return NOT_APPLICABLE
    if benchmarks is not None:
        for level in LEVELS:
            bench = benchmarks.get(level)
            if bench is not None and (float(value) <= bench if indicator.direction == "lower" else float(value) >= bench):
                return level
        return None
    if indicator.quantitative:
        return indicator.level_reached(float(value))
    return value if value in LEVELS else None


def _worst_level_unknown(indicator: Indicator, benchmarks: dict[str, float] | None) -> bool:
    """Whether the source's level III value is not recorded while some better level is: a value that misses the
    recorded levels may still meet III, so it is not scored rather than counted below III."""
    if not indicator.quantitative:
        return False
    known = benchmarks if benchmarks is not None else indicator.benchmarks
    return bool(known) and known.get("III") is None


def _partial_reason(indicator: Indicator, benchmarks: dict[str, float] | None) -> dict[str, str]:
    known = benchmarks if benchmarks is not None else indicator.benchmarks
    recorded = "/".join(level for level in LEVELS if known.get(level) is not None)
    return {"reason": "level-iii-unknown",
            "zh": f"数值未达到已录入的{recorded}级基准值，而Ⅲ级基准值未录入，无法判断是否达到Ⅲ级，不计分",
            "en": f"the value misses the recorded level {recorded} benchmark(s) and the level III value is not "
                  "recorded, so whether it meets III is unknown: not scored"}


def _worst(indicator: Indicator, values: list[tuple[object, str | None]]) -> object:
    """Several values of one indicator (per line or process): the enterprise is rated on the worst one."""
    if not indicator.quantitative:
        return max((v for v, _ in values), key=lambda v: _ORDER.get(v, 3))
    numbers = [v for v, _ in values if isinstance(v, float)]
    if not numbers:
        return NOT_APPLICABLE
    return max(numbers) if indicator.direction == "lower" else min(numbers)


class SystemScorer:
    """Scores enterprises against one indicator system; what does not depend on the enterprise is done once."""

    def __init__(self, indicators: list[Indicator]):
        # an indicator whose benchmarks the source does not give cannot be levelled: it is left out of the
        # indices (as a missing value would be) instead of counting as below level III
        self.unscorable = [ind.iri for ind in indicators if not ind.scorable]
        indicators = [ind for ind in indicators if ind.scorable]
        self.indicators = indicators
        self.category_weight = {ind.category: ind.category_weight for ind in indicators}
        self.weights = {ind.iri: ind.weight for ind in indicators}
        self.known_weights: dict[str, dict[str, float]] = defaultdict(dict)  # category -> indicator -> weight
        for ind in indicators:
            if ind.weight:
                self.known_weights[ind.category][ind.iri] = ind.weight
        self.groups: dict[tuple[str, str], list[Indicator]] = defaultdict(list)   # weight rules: (category, group)
        for ind in indicators:
            if ind.rules.weight_split is not None:
                self.groups[(ind.category, ind.rules.weight_group)].append(ind)
        # per category, the weight the source states: fixed weights plus each group's split (0.8 of 0.8/n)
        self.static_total: dict[str, float] = defaultdict(float)
        for ind in indicators:
            if ind.rules.weight_split is None and ind.weight:
                self.static_total[ind.category] += ind.weight
        for (category, _), members in self.groups.items():
            self.static_total[category] += members[0].rules.weight_split
        if self.groups:  # without an enterprise, every member of a group applies
            self.weights, self.known_weights = self._weights(EnterpriseModel(), None)
        # what the basis of every grade repeats: the categories' labels and the weight the knowledge base lacks
        self.category_labels = {ind.category: ind.category_labels.as_dict() for ind in indicators}
        self.absent_weight = max(0.0, 1.0 - sum(w or 0.0 for w in self.category_weight.values()))
        self.absent_note = _absent_note(self.absent_weight)
        self._memo: dict[tuple, tuple[EnterpriseScore, dict]] = {}   # levels and flags -> the score they give (see score)

    def coverage(self, assessed: dict[str, list[IndicatorScore]], known_weights=None) -> float:
        """Σ over categories of w_i × the share of the category's indicator weight that has a value. Category
        weights are fractions of the official system, so categories the knowledge base lacks count as missing.
        Only indicators that apply to the enterprise count (a zinc-only plant misses no nickel utilisation);
        where the source gives no indicator weights, any value of the category stands for the whole of it."""
        known_weights = known_weights if known_weights is not None else self.known_weights
        total = 0.0
        for category, scores in assessed.items():
            known = known_weights.get(category)
            # weight the source gives to indicators the knowledge base lacks (e.g. the 0.2 beside 0.8/n) is missing
            rest = max(0.0, 1.0 - self.static_total.get(category, 1.0)) if self.groups else 0.0
            share = (sum(known.get(s.indicator, 0.0) for s in scores) / (sum(known.values()) + rest)) if known else 1.0
            total += (self.category_weight[category] or 0.0) * min(1.0, share)
        return total

    def _weights(self, model: EnterpriseModel | None, output_shares: dict[str, float] | None):
        """Indicator weights for one enterprise: fixed weights, and weight rules split among the indicators of
        their group that apply (equally: s/n; or by the output share of each indicator's product)."""
        skipped = model.not_applicable if model else {}
        if not self.groups and (not skipped or skipped.keys().isdisjoint(self.weights)):
            return self.weights, self.known_weights   # no weight rule and nothing set aside: the fixed weights
        weights = dict(self.weights)
        for (category, group), members in self.groups.items():
            live = [ind for ind in members if ind.iri not in skipped]
            for ind in live:
                if ind.rules.weight_by == "output-share" and output_shares:
                    total = sum(output_shares.get(i.rules.product or "", 0.0) for i in live)
                    share = output_shares.get(ind.rules.product or "", 0.0) / total if total else 1.0 / len(live)
                else:
                    share = 1.0 / len(live)
                weights[ind.iri] = ind.rules.weight_split * share
        known: dict[str, dict[str, float]] = defaultdict(dict)
        for ind in self.indicators:
            if weights.get(ind.iri) and ind.iri not in skipped:
                known[ind.category][ind.iri] = weights[ind.iri]
        return weights, known

    def score(self, values: dict[str, list[tuple[object, str | None]]], model: EnterpriseModel | None = None,
              output_shares: dict[str, float] | None = None) -> EnterpriseScore:
        if not self.indicators:
            return EnterpriseScore({level: 0.0 for level in LEVELS}, None, [], [], reasons=[
                "本体系尚未录入任何基准值，不评级 / no benchmark of this system is recorded: not rated"])
        by_category: dict[str, list[IndicatorScore]] = defaultdict(list)
        missing, not_applicable, not_scored = [], [], []
        partial: dict[str, dict] = {}    # indicator -> why a value below the recorded levels is not scored
        for ind in self.indicators:
            if model is not None and ind.iri in model.not_applicable:
                not_applicable.append(ind.iri)
                continue
            if model is not None and ind.iri in model.not_scored:
                not_scored.append(ind.iri)
                continue
            given = values.get(ind.iri)
            if given is None:
                missing.append(ind.iri)
                continue
            value = _worst(ind, given)
            variant = model.variants.get(ind.iri) if model is not None else None
            if ind.rules.variants and variant is None:
                not_scored.append(ind.iri)  # variants but none chosen (scored without a prepared model)
                continue
            benchmarks = variant["benchmarks"] if variant else None
            level = level_of(ind, value, benchmarks)
            if level is None and _worst_level_unknown(ind, benchmarks):
                not_scored.append(ind.iri)   # misses the levels recorded; whether it meets III is not known
                partial[ind.iri] = _partial_reason(ind, benchmarks)
                continue
            derived = model.derived.get(ind.iri, {}).get("formula") if model is not None else None
            by_category[ind.category].append(IndicatorScore(ind.iri, value, level, ind.limiting, category=ind.category,
                                                             variant=variant["labels"] if variant else None,
                                                             derived=derived))
        all_scores = [s for scores in by_category.values() for s in scores]
        key = (_levels_key(all_scores, missing, not_applicable, not_scored, model, partial)
               if output_shares is None else None)
        found = self._memo.get(key) if key is not None else None
        if found is None:
            template = self._levels_score(by_category, all_scores, missing, not_applicable, not_scored, model,
                                          output_shares, partial)
            found = template, {s.indicator: s.weight for s in template.indicators}
            if key is not None:
                self._memo[key] = found
        # the same levels, weights and flags give the same indices, class, coverage and basis: only the values
        # differ, and each enterprise keeps its own
        template, weights = found
        for s in all_scores:
            s.weight = weights[s.indicator]
        return EnterpriseScore(template.indices, template.grade, all_scores, list(template.missing),
                               list(template.reasons), template.coverage, template.provisional, template.basis)

    def _levels_score(self, by_category, all_scores, missing, not_applicable, not_scored, model,
                      output_shares, partial=None) -> EnterpriseScore:
        """The score of an enterprise given its indicators' levels (what the official method reads of them)."""
        category_weight = self.category_weight
        assessed = {c: [s for s in scores if s.level != NOT_APPLICABLE] for c, scores in by_category.items()}
        assessed = {c: s for c, s in assessed.items() if s}
        weights, known_weights = self._weights(model, output_shares)
        _renormalise_within(assessed, weights)
        total_w = sum(category_weight[c] or 0.0 for c in assessed)
        indices = {}
        for level in LEVELS:
            y = 0.0
            for cat, scores in assessed.items():
                w = (category_weight[cat] or 0.0) / total_w if total_w else 1.0 / len(assessed)
                y += w * sum(s.weight * (100.0 if _ORDER[s.level] <= _ORDER[level] else 0.0) for s in scores)
            indices[level] = round(y, 2)
        coverage = self.coverage(assessed, known_weights)
        score = EnterpriseScore(indices, None, all_scores, missing + not_scored, coverage=round(coverage, 3),
                                provisional=coverage < 0.999)
        score.basis = self._basis(assessed, missing, not_applicable, not_scored, model, partial or {})
        _grade(score, [i for i in self.indicators if i.iri not in not_applicable])
        return score

    def _basis(self, assessed, missing, not_applicable, not_scored, model, partial=None) -> dict:
        """Which categories and indicators the grade rests on, and why the rest is missing."""
        labels = self.category_labels
        rests_on = [{"category": c, "labels": dict(labels[c]) if c in labels else None,
                     "weight": self.category_weight[c], "indicators": [s.indicator for s in scores]}
                    for c, scores in sorted(assessed.items())]
        absent_weight = self.absent_weight
        why = []
        for iri in missing:
            why.append({"indicator": iri, "reason": "no-value",
                        "zh": "调查未给出该指标的数值", "en": "the survey gives no value for it"})
        for iri in not_scored:
            found = dict((partial or {}).get(iri) or (model.not_scored.get(iri, {}) if model else {}))
            why.append({"indicator": iri, "reason": found.pop("reason", "no-variant"), **found})
        for iri in not_applicable:
            why.append({"indicator": iri, "reason": "not-applicable", **model.not_applicable[iri]})
        unrated = [c for c in self.category_weight if c not in assessed]
        return {"categories": rests_on, "missing": why, "categories_without_values": sorted(unrated),
                "weight_not_in_knowledge_base": round(absent_weight, 4), "note": dict(self.absent_note)}


def _levels_key(all_scores: list[IndicatorScore], missing: list[str], not_applicable: list[str],
                not_scored: list[str], model: EnterpriseModel | None, partial: dict | None = None) -> tuple | None:
    """What a score depends on besides the values themselves: each indicator's level, variant and formula, and why
    the others are out (the reasons are repeated in the basis). None when some part cannot be a key."""
    partial = partial or {}
    reasons = (tuple(repr(model.not_applicable[i]) for i in not_applicable),
               tuple(repr(partial.get(i) or model.not_scored.get(i)) for i in not_scored)) if model is not None \
        else tuple(repr(partial.get(i)) for i in not_scored)
    key = (tuple((s.indicator, s.level, tuple(s.variant.items()) if s.variant else None, s.derived)
                 for s in all_scores), tuple(missing), tuple(not_applicable), tuple(not_scored), reasons)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _absent_note(absent_weight: float) -> dict[str, str]:
    """The note on the share of the official system's first-level weight the knowledge base lacks."""
    return {"zh": f"官方体系中有{absent_weight:.2f}的一级指标权重未收录在知识库中，按缺失计。" if absent_weight > 1e-6
            else "知识库收录了官方体系的全部一级指标。",
            "en": f"{absent_weight:.2f} of the official system's first-level weight is not in the knowledge "
                  "base and counts as missing." if absent_weight > 1e-6
            else "The knowledge base holds every first-level category of the official system."}


def score_enterprise(indicators: list[Indicator], values: dict[str, list[tuple[object, str | None]]]) -> EnterpriseScore:
    """Score one enterprise against one indicator system (the indicators given)."""
    return SystemScorer(indicators).score(values)


def _renormalise_within(assessed: dict[str, list[IndicatorScore]], weights: dict[str, float | None]) -> None:
    """ω'_ij = ω_ij / Σ ω of the applicable indicators of the category; indicators whose weight the source does
    not give share what the given weights leave, equally."""
    for scores in assessed.values():
        given = [weights[s.indicator] for s in scores if weights[s.indicator]]
        unknown = [s for s in scores if not weights[s.indicator]]
        rest = max(0.0, 1.0 - sum(given)) if unknown else 0.0
        share = (rest / len(unknown)) if unknown and rest > 0 else (1.0 / len(scores) if unknown and not given else 0.0)
        raw = {s.indicator: (weights[s.indicator] or share) for s in scores}
        total = sum(raw.values()) or 1.0
        for s in scores:
            s.weight = raw[s.indicator] / total


def _grade(score: EnterpriseScore, indicators: list[Indicator]) -> None:
    if not any(s.level != NOT_APPLICABLE for s in score.indicators):
        score.reasons.append("本体系指标均无数值，不评级 / no indicator of this system has a value: not rated")
        return
    limiting = [ind for ind in indicators if ind.limiting]
    levels = {s.indicator: s.level for s in score.indicators}
    unknown_limiting = [ind.iri for ind in limiting if ind.iri not in levels]
    if unknown_limiting:
        score.reasons.append("限定性指标无数值，不能评级 / limiting indicator(s) without a value: "
                             + ", ".join(unknown_limiting))
        return

    def limiting_meet(level: str) -> bool:
        return all(levels[ind.iri] == NOT_APPLICABLE or _ORDER[levels[ind.iri]] <= _ORDER[level] for ind in limiting)

    y = score.indices
    if y["I"] >= PASS_INDEX and limiting_meet("I"):
        score.grade = "I"
    elif y["II"] >= PASS_INDEX and limiting_meet("II"):
        score.grade = "II"
        if y["I"] >= PASS_INDEX:
            score.reasons.append("Y_I ≥ 85，但有限定性指标未达Ⅰ级 / Y_I ≥ 85 but a limiting indicator misses level I")
    elif y["III"] >= 100.0 - 1e-9:
        score.grade = "III"
    else:
        score.grade = "below III"
        below = [s.indicator for s in score.indicators if s.level is None]
        score.reasons.append("未达Ⅲ级的指标 / indicator(s) below level III: " + ", ".join(below))
    if score.missing:
        score.reasons.append(f"{len(score.missing)}项指标无数值，已剔除并重新归一化权重，等级为暂定 / "
                             f"{len(score.missing)} indicator(s) without a value were left out and the weights "
                             "renormalised; the class is provisional")
