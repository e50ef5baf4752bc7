"""Economics and prerequisites of recommended measures: investment and running cost scaled from their basis
(per line, per output …) to the enterprises a measure applies to, physical savings valued at the prices of
the settings, the payback (sourced, or derived and marked so) and what must exist first."""

from __future__ import annotations

from typing import Any

from rdflib import URIRef

from cpkb.kb.namespaces import CPKB

from .knowledge import Knowledge
from .survey import Enterprise
from .units import UnitConverter, UnitProblem

PAYBACK_FORMULA = "payback = investment / (savings × price − opex_change)"
_BASIS = {"per-enterprise": ("每家企业", "per enterprise"), "per-line": ("每条生产线", "per production line"),
          "per-t-per-d": ("每 t/d 处理能力", "per t/d of capacity"), "per-m3-per-d": ("每 m³/d 水处理能力", "per m³/d of capacity"),
          "per-m2-per-a": ("每 m²/a 镀件产能", "per m²/a of plated output"), "per-output": ("每单位年产量", "per unit of annual output"),
          "per-facility": ("每套共享设施（园区共建，计一次）", "per shared installation (built once for the park)")}


def parse_prices(text: str) -> dict[str, float]:
    """consumption key -> yuan per unit of the consumption's unit (the `prices` setting, validated on load)."""
    prices = {}
    for pair in (text or "").split(","):
        if "=" in pair:
            key, value = pair.split("=", 1)
            prices[key.strip()] = float(value)
    return prices


def _lines_fact(kb: Knowledge) -> str | None:
    """The IRI of the shared fact `plating-lines` (number of production lines), looked up once per knowledge base."""
    found = getattr(kb, "_lines_fact", False)
    if found is False:
        found = next((iri for iri, f in kb.facts.items() if f["key"] == "plating-lines"), None)
        kb._lines_fact = found
    return found


def _scale(kb: Knowledge, ent: Enterprise, basis: str) -> float | None:
    """How many basis units the enterprise has (lines, output …); None when the survey does not say."""
    if basis == "per-enterprise":
        return 1.0
    if basis == "per-line":
        value = ent.facts.get(_lines_fact(kb))
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if basis in ("per-m2-per-a", "per-output"):
        return ent.output or None
    return None  # capacities (t/d, m³/d) are not surveyed


def _scaled(kb: Knowledge, item: dict, enterprises: list[Enterprise]) -> dict:
    label = _BASIS.get(item["basis"], (item["basis"], item["basis"]))
    if item["basis"] == "per-facility":  # one installation the enterprises share: counted once, not per enterprise
        return {"per_basis": [item["low"], item["high"]], "basis": item["basis"],
                "basis_labels": {"zh": label[0], "en": label[1]},
                "total": [round(item["low"], 4), round(item["high"], 4)] if enterprises else None,
                "enterprises_scaled": len(enterprises), "enterprises_unscaled": [],
                "verified": item["verified"], "sources": item["sources"]}
    known = [(e, _scale(kb, e, item["basis"])) for e in enterprises]
    scaled = [s for _, s in known if s is not None]
    return {"per_basis": [item["low"], item["high"]], "basis": item["basis"],
            "basis_labels": {"zh": label[0], "en": label[1]},
            "total": [round(item["low"] * sum(scaled), 4), round(item["high"] * sum(scaled), 4)] if scaled else None,
            "enterprises_scaled": len(scaled), "enterprises_unscaled": [e.id for e, s in known if s is None],
            "verified": item["verified"], "sources": item["sources"]}


def measure_economics(kb: Knowledge, units: UnitConverter, measure, enterprises: list[Enterprise],
                      prices: dict[str, float], recommended: set[str]) -> dict[str, Any]:
    """The economics block of one recommendation, over the enterprises it applies to (confirmed ones)."""
    econ = measure.economics
    out: dict[str, Any] = {}
    if econ.investment:
        out["investment_10k_yuan"] = _scaled(kb, econ.investment, enterprises)
    if econ.opex_change:
        out["opex_change_10k_yuan_per_a"] = _scaled(kb, econ.opex_change, enterprises)
    savings, money, unpriced = [], [0.0, 0.0], []
    for saving in econ.savings:
        block = _scaled(kb, saving, enterprises)
        consumption = saving["consumption"]
        block.update(consumption=consumption, labels=kb.label(consumption),
                     unit=kb.units.get(saving["unit"], {}).get("symbol"))
        key = kb.graph.value(URIRef(consumption), CPKB.key)
        price = prices.get(str(key)) if key is not None else None
        if price is not None and block["total"] is not None:
            factor = _to_consumption_unit(kb, units, saving["unit"], consumption)
            if factor is not None:
                value = [round(v * factor * price / 1e4, 4) for v in block["total"]]
                block["value_10k_yuan_per_a"] = value
                block["price_yuan"] = price
                money = [money[0] + value[0], money[1] + value[1]]
        if "value_10k_yuan_per_a" not in block:
            unpriced.append(kb.label(consumption))
        savings.append(block)
    if savings:
        out["savings"] = savings
        if not unpriced:
            out["savings_10k_yuan_per_a"] = [round(money[0], 4), round(money[1], 4)]
    out["payback_years"] = _payback(econ, out, unpriced)
    out["requires"] = _requires(kb, econ, enterprises, recommended)
    return {k: v for k, v in out.items() if v not in (None, [], {})}


def _payback(econ, out: dict, unpriced: list) -> dict | None:
    if econ.payback_years:
        return {"range": list(econ.payback_years), "derived": False,
                "zh": "来源给出的回收期", "en": "payback as the source gives it"}
    invest = (out.get("investment_10k_yuan") or {}).get("total")
    saving = out.get("savings_10k_yuan_per_a")
    if invest is None or saving is None:
        return None
    opex = (out.get("opex_change_10k_yuan_per_a") or {}).get("total") or [0.0, 0.0]
    best, worst = saving[1] - opex[0], saving[0] - opex[1]
    if best <= 0:
        return {"range": None, "derived": True, "formula": PAYBACK_FORMULA,
                "zh": "按设定价格，节约额不足以抵消运行费用，不能回收投资", "en": "at the set prices the savings do not cover the running cost"}
    return {"range": [round(invest[0] / best, 2), round(invest[1] / worst, 2) if worst > 0 else None],
            "derived": True, "formula": PAYBACK_FORMULA,
            "zh": "按设定价格推算的回收期（年）", "en": "payback derived at the prices set (years)"}


def _requires(kb: Knowledge, econ, enterprises: list[Enterprise], recommended: set[str]) -> list[dict]:
    out = []
    for measure in econ.requires_measures:
        introduced = set(kb.measures[measure].introduces) if measure in kb.measures else set()
        has = [bool(introduced) and introduced <= e.techniques for e in enterprises]
        out.append({"measure": measure, "labels": kb.label(measure), "recommended": measure in recommended,
                    "in_place": [e.id for e, h in zip(enterprises, has) if h],
                    "missing": [e.id for e, h in zip(enterprises, has) if not h]})
    for technique in econ.requires_techniques:
        has = [technique in e.techniques for e in enterprises]
        out.append({"technique": technique, "labels": kb.label(technique),
                    "in_place": [e.id for e, h in zip(enterprises, has) if h],
                    "missing": [e.id for e, h in zip(enterprises, has) if not h]})
    return out


def _to_consumption_unit(kb: Knowledge, units: UnitConverter, unit: str, consumption: str) -> float | None:
    """Factor from a saving's unit to its consumption's own unit (the unit its price is per)."""
    own = kb.graph.value(URIRef(consumption), CPKB.unit)
    if own is None or str(own) == unit:
        return 1.0
    try:
        return units.conversion(kb.units[unit]["pint"], kb.units[str(own)]["pint"]).factor
    except (UnitProblem, KeyError):
        return None


def add_economics(kb: Knowledge, units: UnitConverter, recommendations: list[dict], enterprises: list[Enterprise],
                  settings: dict) -> None:
    """Give every recommendation its economics block (in place)."""
    prices = parse_prices(str(settings.get("prices") or ""))
    by_id = {e.id: e for e in enterprises}
    recommended = {r["measure"] for r in recommendations}
    for rec in recommendations:
        measure = kb.measures[rec["measure"]]
        unconfirmed = set(rec.get("prerequisite_unconfirmed", []))
        confirmed = [by_id[e] for e in rec["applies_to"] if e not in unconfirmed]
        block = measure_economics(kb, units, measure, confirmed, prices, recommended)
        if block:
            rec["economics"] = block
