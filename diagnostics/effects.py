"""Expected effects of a recommended measure over the enterprises it applies to, by the effect's mode:
relative (% of the current figure), target (the indicator brought to a level's benchmark) or absolute (an
amount per enterprise); pollutant effects act on the generated or the emitted load, as the knowledge says."""

from __future__ import annotations

from .knowledge import Effect, Knowledge, Measure
from .potential import annual_load
from .survey import Enterprise
from .units import UnitConverter


def expected_effects(kb: Knowledge, units: UnitConverter, measure: Measure, enterprises: list[Enterprise]) -> list[dict]:
    """Each effect of the measure, with the amounts it means for these enterprises where the survey allows."""
    out = []
    for effect in measure.effects:
        item = {"target": effect.target, "kind": effect.target_kind, "labels": kb.label(effect.target),
                "mode": effect.mode, "change_pct": [effect.min_pct, effect.max_pct] if effect.mode == "relative" else None,
                "basis": effect.basis.as_dict(), "verified": effect.verified, "enterprises": len(enterprises),
                "text": describe(kb, effect)}
        if effect.acts_on:
            item["acts_on"] = effect.acts_on
        if effect.mode == "target":
            item["level"] = effect.level
        if effect.mode == "absolute":
            item["amount"] = list(effect.amount)
            item["unit"] = kb.units.get(effect.unit or "", {}).get("symbol")
        if effect.target_kind == "indicator":
            _indicator_amounts(kb, effect, enterprises, item)
        elif effect.target_kind == "pollutant" and effect.mode == "relative":
            stage = effect.acts_on or "emitted"
            loads = [annual_load(units, em) for e in enterprises for em in e.emissions
                     if em["pollutant"] == effect.target and em["stage"] == stage]
            loads = [x for x in loads if x is not None]
            if loads:
                total = sum(loads)
                item["stage"] = stage
                item["baseline_t_per_a"] = round(total, 4)
                item["change_t_per_a"] = sorted([round(total * effect.min_pct / 100, 4),
                                                 round(total * effect.max_pct / 100, 4)])
        elif effect.mode == "absolute" and enterprises:
            item["total"] = [round(effect.amount[0] * len(enterprises), 4), round(effect.amount[1] * len(enterprises), 4)]
        out.append(item)
    return out


def _indicator_amounts(kb: Knowledge, effect: Effect, enterprises: list[Enterprise], item: dict) -> None:
    values = [(e, v) for e in enterprises for v, _ in e.indicators.get(effect.target, []) if isinstance(v, float)]
    if not values:
        return
    indicator = kb.indicators[effect.target]
    mean = sum(v for _, v in values) / len(values)
    item["baseline_mean"] = round(mean, 4)
    if effect.mode == "relative":
        # a share (a utilisation or reuse rate in %) cannot pass 100 %, whatever the relative change says
        cap = 100.0 if kb.units.get(indicator.unit or "", {}).get("symbol") == "%" else float("inf")
        item["expected_mean"] = sorted([round(min(cap, mean * (1 + effect.min_pct / 100)), 4),
                                        round(min(cap, mean * (1 + effect.max_pct / 100)), 4)])
    elif effect.mode == "target":
        after = []
        for ent, value in values:
            variant = ent.model.variants.get(effect.target)
            bench = (variant["benchmarks"] if variant else indicator.benchmarks).get(effect.level)
            if bench is None:
                after.append(value)
            elif indicator.direction == "lower":
                after.append(min(value, bench))   # only enterprises worse than the level move
            else:
                after.append(max(value, bench))
        item["expected_mean"] = round(sum(after) / len(after), 4)


def describe(kb: Knowledge, effect: Effect) -> dict[str, str]:
    """One line saying what the effect does, for reports (no internal id reaches a Chinese page)."""
    label = kb.label(effect.target)
    stage = {"generated": ("产生量", "generated"), "emitted": ("排放量", "emitted")}.get(effect.acts_on or "", ("", ""))
    zh_stage = f"（{stage[0]}）" if stage[0] else ""
    en_stage = f" ({stage[1]})" if stage[1] else ""
    if effect.mode == "target":
        return {"zh": f"{label['zh']}达到{ {'I': 'Ⅰ', 'II': 'Ⅱ', 'III': 'Ⅲ'}.get(effect.level, effect.level)}级基准值", "en": f"{label['en']} brought to level {effect.level}"}
    if effect.mode == "absolute":
        unit = kb.units.get(effect.unit or "", {}).get("symbol") or ""
        low, high = effect.amount
        return {"zh": f"{label['zh']}{zh_stage} {low:g}…{high:g} {unit}", "en": f"{label['en']}{en_stage} {low:g}…{high:g} {unit}"}
    return {"zh": f"{label['zh']}{zh_stage} {effect.min_pct:g}…{effect.max_pct:g}%",
            "en": f"{label['en']}{en_stage} {effect.min_pct:g}…{effect.max_pct:g} %"}

