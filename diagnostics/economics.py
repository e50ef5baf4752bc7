"""Economics and prerequisites of recommended measures: investment and running cost scaled from their basis
(per line, per output, per t/h or MW of capacity, per unit of a surveyed activity …) to the enterprises a measure applies to, converted from the
source's currency only at an exchange rate the user sets, physical savings valued at the prices of the settings
(steam in tonnes turned into heat only with a stated enthalpy), the payback (sourced, or derived and marked so,
and only when every figure is in yuan) and what must exist first."""

from __future__ import annotations

from typing import Any

from rdflib import URIRef

from cpkb.kb.namespaces import CPKB
from cpkb.kb.source_format import ACTIVITY_BASIS, CAPACITY_BASIS_UNITS, CURRENCIES, STEAM_MASS_UNIT

from .knowledge import Knowledge
from .survey import Enterprise
from .units import UnitConverter, UnitProblem

PAYBACK_FORMULA = "payback = investment / (savings × price − opex_change)"
_BASIS = {"per-enterprise": ("每家企业", "per enterprise"), "per-line": ("每条生产线", "per production line"),
          "per-t-per-d": ("每 t/d 处理能力", "per t/d of capacity"), "per-m3-per-d": ("每 m³/d 水处理能力", "per m³/d of capacity"),
          "per-m2-per-a": ("每 m²/a 镀件产能", "per m²/a of plated output"), "per-output": ("每单位年产量", "per unit of annual output"),
          "per-facility": ("每套共享设施（园区共建，计一次）", "per shared installation (built once for the park)"),
          "per-t-per-h": ("每 t/h 蒸汽/锅炉容量", "per t/h of steam or boiler capacity"),
          "per-MW": ("每 MW 装机/热功率", "per MW of installed or thermal power"),
          "per-kW": ("每 kW 装机功率", "per kW of installed power"),
          "per-activity": ("每单位活动量", "per unit of activity")}


def parse_prices(text: str) -> dict[str, float]:
    """consumption key -> yuan per unit of the consumption's unit (the `prices` setting, validated on load)."""
    prices = {}
    for pair in (text or "").split(","):
        if "=" in pair:
            key, value = pair.split("=", 1)
            prices[key.strip()] = float(value)
    return prices


def parse_rates(text: str) -> dict[str, float]:
    """ISO 4217 code -> yuan per unit of that currency (the `exchange_rates` setting, validated on load)."""
    return {code.upper(): rate for code, rate in parse_prices(text).items()}


def _lines_fact(kb: Knowledge) -> str | None:
    """The IRI of the shared fact `plating-lines` (number of production lines), looked up once per knowledge base."""
    found = getattr(kb, "_lines_fact", False)
    if found is False:
        found = next((iri for iri, f in kb.facts.items() if f["key"] == "plating-lines"), None)
        kb._lines_fact = found
    return found


def _unit_by_key(kb: Knowledge, key: str) -> str | None:
    cache = kb.__dict__.setdefault("_unit_by_key", {})
    if key not in cache:
        cache[key] = next((iri for iri in kb.units if str(kb.graph.value(URIRef(iri), CPKB.key)) == key), None)
    return cache[key]


def _capacity_fact(kb: Knowledge, units: UnitConverter, item: dict, sector: str) -> tuple[str, float] | None:
    """The survey fact that scales a capacity basis (per t/h, MW, kW) and the factor from its unit to the
    basis's: the item's own `scale_by`, else the one numeric fact of the measure's sector (or shared) whose unit
    is a capacity unit of that kind (t/h; MW or kW — an annual flow in t/a is no capacity); None when there is
    none, or several and the item does not say which."""
    target = _unit_by_key(kb, CAPACITY_BASIS_UNITS[item["basis"]])
    if target is None:
        return None
    kind = {"t-per-h"} if item["basis"] == "per-t-per-h" else {"MW", "kW"}
    capacity_units = {u for u in (_unit_by_key(kb, k) for k in kind) if u}
    if item.get("scale_by"):
        candidates = [item["scale_by"]]
    else:
        candidates = [iri for iri, f in kb.facts.items() if f["datatype"] == "number" and f["unit"] in capacity_units
                      and kb.sector_of.get(iri, sector) in (sector, "")]
    found = []
    for iri in candidates:
        unit = kb.facts.get(iri, {}).get("unit")
        if unit not in capacity_units:
            continue
        try:
            factor = 1.0 if unit == target else units.conversion(kb.units[unit]["pint"], kb.units[target]["pint"]).factor
        except (UnitProblem, KeyError):
            continue
        found.append((iri, factor))
    return found[0] if len(found) == 1 else None


def _scale(kb: Knowledge, ent: Enterprise, basis: str, capacity: tuple[str, float] | None = None) -> float | None:
    """How many basis units the enterprise has (lines, output, capacity …); None when the survey does not say."""
    if basis == "per-enterprise":
        return 1.0
    if basis == "per-line":
        value = ent.facts.get(_lines_fact(kb))
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if basis in ("per-m2-per-a", "per-output"):
        return ent.output or None
    if basis in CAPACITY_BASIS_UNITS and capacity is not None:
        value = ent.facts.get(capacity[0])
        return float(value) * capacity[1] if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    return None  # capacities (t/d, m³/d) are not surveyed


def _scaled(kb: Knowledge, item: dict, enterprises: list[Enterprise], units: UnitConverter | None = None,
            sector: str = "") -> dict:
    label = _basis_label(kb, item)
    if item["basis"] == "per-facility":  # one installation the enterprises share: counted once, not per enterprise
        block = _block(item, label, [(e, 1.0) for e in enterprises])
        block["total"] = [round(item["low"], 4), round(item["high"], 4)] if enterprises else None
        return block
    if item["basis"] == ACTIVITY_BASIS or (item["basis"] == "per-output" and item.get("basis_unit")):
        return _scaled_per_unit(kb, item, enterprises, units, label)
    capacity = _capacity_fact(kb, units, item, sector) if item["basis"] in CAPACITY_BASIS_UNITS and units else None
    block = _block(item, label, [(e, _scale(kb, e, item["basis"], capacity)) for e in enterprises])
    if item["basis"] in CAPACITY_BASIS_UNITS:
        if capacity is not None:
            fact = kb.label(capacity[0])
            block["scaled_by"] = {"fact": capacity[0], "labels": fact}
            if block["enterprises_unscaled"]:
                block["not_scaled"] = {"zh": f"该数字按单位容量计（{label[0]}），调查未给出部分企业的「{fact['zh']}」，"
                                             "这些企业未折算",
                                       "en": f"the figure is per unit of capacity ({label[1]}); the survey gives no "
                                             f"'{fact['en']}' for some enterprises, which are not scaled"}
        elif item.get("scale_by"):   # the knowledge names a fact whose unit is no capacity of this basis
            fact = kb.label(item["scale_by"])
            block["not_scaled"] = {"zh": f"该数字按单位容量计（{label[0]}），指定的「{fact['zh']}」单位与该基准不符，未折算",
                                   "en": f"the figure is per unit of capacity ({label[1]}); the fact named, "
                                         f"'{fact['en']}', is not in a unit of that capacity, so it is not scaled"}
        else:
            block["not_scaled"] = {"zh": f"该数字按单位容量计（{label[0]}），本行业未定义对应的容量事实，未折算",
                                   "en": f"the figure is per unit of capacity ({label[1]}); the sector defines no "
                                         "matching capacity fact, so it is not scaled"}
    return block


def _block(item: dict, label: tuple[str, str], known: list[tuple[Enterprise, float | None]]) -> dict:
    """The figure per basis and its total over the enterprises whose scale is known (None: not scaled)."""
    scaled = [s for _, s in known if s is not None]
    return {"per_basis": [item["low"], item["high"]], "basis": item["basis"],
            "basis_labels": {"zh": label[0], "en": label[1]},
            "total": [round(item["low"] * sum(scaled), 4), round(item["high"] * sum(scaled), 4)] if scaled else None,
            "enterprises_scaled": len(scaled), "enterprises_unscaled": [e.id for e, s in known if s is None],
            "verified": item["verified"], "sources": item["sources"]}


def _basis_label(kb: Knowledge, item: dict) -> tuple[str, str]:
    """The basis in words; a per-activity or per-output figure names its unit (and the activity fact)."""
    per = kb.units.get(item.get("basis_unit") or "", {}).get("symbol")
    if item["basis"] == ACTIVITY_BASIS and item.get("scale_by"):
        fact = kb.label(item["scale_by"])
        if per:
            return f"按「{fact['zh']}」每 {per}", f"per {per} of {fact['en']}"
        return f"按「{fact['zh']}」每 1 个（台、座）", f"per one counted in {fact['en']}"
    if item["basis"] == "per-output" and per:
        return f"每 {per} 年产量", f"per {per} of annual output"
    return _BASIS.get(item["basis"], (item["basis"], item["basis"]))


def _per_unit_factor(kb: Knowledge, units: UnitConverter | None, unit: str | None, per: str | None) -> float | None:
    """Factor from the survey figure's unit to the unit one figure is per; 1 for a count (neither has a unit);
    None when they do not convert."""
    if unit == per or (per is None and kb.units.get(unit or "", {}).get("pint") == "dimensionless"):
        return 1.0   # a count, with no unit or the dimensionless one: per one counted
    if unit is None or per is None or units is None:
        return None
    try:
        return units.conversion(kb.units[unit]["pint"], kb.units[per]["pint"]).factor
    except (UnitProblem, KeyError):
        return None


def _unit_of_symbol(kb: Knowledge, symbol: str | None) -> str | None:
    """The unit IRI of an enterprise's output unit (the survey keeps its symbol)."""
    return next((iri for iri, u in kb.units.items() if u.get("symbol") == symbol), None) if symbol else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _per_unit_amounts(kb: Knowledge, units: UnitConverter | None, item: dict,
                      enterprises: list[Enterprise]) -> tuple[list[tuple[Enterprise, float | None]], bool]:
    """How many `per` units each enterprise has: its activity fact, or its output, converted to the unit the figure
    is per. The flag says the activity fact's own unit does not convert (nothing can be scaled)."""
    per = item.get("basis_unit")
    if item["basis"] == ACTIVITY_BASIS:
        fact = item["scale_by"]
        factor = _per_unit_factor(kb, units, kb.facts.get(fact, {}).get("unit"), per)
        if factor is None:
            return [(e, None) for e in enterprises], True
        return [(e, None if _number(e.facts.get(fact)) is None else _number(e.facts.get(fact)) * factor)
                for e in enterprises], False
    out = []
    for e in enterprises:
        factor = _per_unit_factor(kb, units, _unit_of_symbol(kb, e.output_unit), per) if e.output else None
        out.append((e, e.output * factor if factor is not None else None))
    return out, False


def _scaled_per_unit(kb: Knowledge, item: dict, enterprises: list[Enterprise], units: UnitConverter | None,
                     label: tuple[str, str]) -> dict:
    """A per-activity or per-output-unit figure times each enterprise's amount; kept per unit, and said so, for the
    enterprises whose survey lacks the figure (or gives it in a unit that does not convert)."""
    known, mismatch = _per_unit_amounts(kb, units, item, enterprises)
    block = _block(item, label, known)
    per = kb.units.get(item.get("basis_unit") or "", {}).get("symbol")
    if item["basis"] == ACTIVITY_BASIS:
        fact = kb.label(item["scale_by"])
        block["scaled_by"] = {"fact": item["scale_by"], "labels": fact, "per": per}
        if mismatch:
            block["not_scaled"] = {"zh": f"该数字{label[0]}计，「{fact['zh']}」的单位不能换算为 {per or '个数'}，未折算",
                                   "en": f"the figure is {label[1]}; the unit of '{fact['en']}' does not convert to "
                                         f"{per or 'a count'}, so it is not scaled"}
        elif block["enterprises_unscaled"]:
            block["not_scaled"] = {"zh": f"该数字{label[0]}计，调查未给出部分企业的「{fact['zh']}」，这些企业保留"
                                         "单位数字、未折算",
                                   "en": f"the figure is {label[1]}; the survey gives no '{fact['en']}' for some "
                                         "enterprises, which keep the figure per unit and are not scaled"}
    elif block["enterprises_unscaled"]:
        block["not_scaled"] = {"zh": f"该数字按{label[0]}计，部分企业未给出产量或其产量单位不能换算为 {per}，这些企业"
                                     "未折算",
                               "en": f"the figure is {label[1]}; some enterprises give no output, or one in a unit "
                                     f"that does not convert to {per}, and are not scaled"}
    return block


def _money(kb: Knowledge, item: dict, enterprises: list[Enterprise], units: UnitConverter, sector: str,
           rates: dict[str, float]) -> tuple[dict, bool]:
    """A cost item scaled, in 万元 when it is in yuan or its currency has a rate set; else in the source's own
    currency, said so. Returns the block and whether it is in yuan."""
    block = _scaled(kb, item, enterprises, units, sector)
    currency, year = item.get("currency") or "CNY", item.get("year")
    if year is not None:
        block["year"] = year
    if currency == "CNY":
        return block, True
    names = CURRENCIES.get(currency, (currency, currency))
    block["currency"] = currency
    block["currency_labels"] = {"zh": names[0], "en": names[1]}
    shown = block["total"] or block["per_basis"]
    zh_year = f"{year} 年价格，" if year is not None else ""
    en_year = f"{year} prices, " if year is not None else ""
    rate = rates.get(currency)
    if rate is None:
        block["text"] = {"zh": f"约 {_span(shown)} 万{names[0]}（{zh_year}未换算：未设置汇率）",
                         "en": f"about {_span([v / 100 for v in shown])} million {names[1]} ({en_year}not converted: "
                               "no exchange rate set)"}
        return block, False
    original = {"currency": currency, "rate_yuan": rate, "per_basis": block["per_basis"], "total": block["total"]}
    block["per_basis"] = [round(v * rate, 4) for v in block["per_basis"]]
    if block["total"] is not None:
        block["total"] = [round(v * rate, 4) for v in block["total"]]
    block["converted_from"] = original
    block["text"] = {"zh": f"约 {_span(block['total'] or block['per_basis'])} 万元（由 {_span(shown)} 万{names[0]}按设定汇率 "
                           f"1 {currency} = {rate:g} 元换算；{zh_year}未按通胀调整）",
                     "en": f"about {_span(block['total'] or block['per_basis'])} ×10⁴ yuan (converted from "
                           f"{_span([v / 100 for v in shown])} million {names[1]} at the set rate 1 {currency} = "
                           f"{rate:g} yuan; {en_year}not adjusted for inflation)"}
    return block, True


def _span(pair) -> str:
    low, high = (round(float(v), 4) for v in pair)
    return f"{low:g}" if low == high else f"{low:g}–{high:g}"


def measure_economics(kb: Knowledge, units: UnitConverter, measure, enterprises: list[Enterprise],
                      prices: dict[str, float], recommended: set[str], rates: dict[str, float] | None = None,
                      steam_enthalpy: float | None = None) -> dict[str, Any]:
    """The economics block of one recommendation, over the enterprises it applies to (confirmed ones).
    `rates`: yuan per unit of another currency (the user's setting); `steam_enthalpy`: GJ per tonne of the user's
    steam, used for a saving in t/a of steam when the source gives no conversion of its own."""
    econ = measure.economics
    rates = rates or {}
    sector = getattr(measure, "sector", "") or ""
    out: dict[str, Any] = {}
    unconverted = []
    for item, key in ((econ.investment, "investment"), (econ.opex_change, "opex_change")):
        if not item:
            continue
        block, in_yuan = _money(kb, item, enterprises, units, sector, rates)
        if in_yuan:
            out["investment_10k_yuan" if key == "investment" else "opex_change_10k_yuan_per_a"] = block
        else:
            out[f"{key}_unconverted"] = block
            unconverted.append(block["currency"])
    savings, money, unpriced = [], [0.0, 0.0], []
    for saving in econ.savings:
        block = _scaled(kb, saving, enterprises, units, sector)
        consumption = saving["consumption"]
        block.update(consumption=consumption, labels=kb.label(consumption),
                     unit=kb.units.get(saving["unit"], {}).get("symbol"))
        key = kb.graph.value(URIRef(consumption), CPKB.key)
        price = prices.get(str(key)) if key is not None else None
        factor = _to_consumption_unit(kb, units, saving["unit"], consumption)
        if factor is None and _is_steam_mass(kb, saving["unit"]):
            factor = _steam_factor(kb, units, saving, consumption, steam_enthalpy, block)
        if price is not None and block["total"] is not None and factor is not None:
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
    out["payback_years"] = _payback(econ, out, unpriced, sorted(set(unconverted)))
    out["requires"] = _requires(kb, econ, enterprises, recommended)
    return {k: v for k, v in out.items() if v not in (None, [], {})}


def _is_steam_mass(kb: Knowledge, unit: str) -> bool:
    return str(kb.graph.value(URIRef(unit), CPKB.key)) == STEAM_MASS_UNIT


def _steam_factor(kb: Knowledge, units: UnitConverter, saving: dict, consumption: str, setting: float | None,
                  block: dict) -> float | None:
    """t/a of steam -> the consumption's own heat unit: the source's own enthalpy, else the user's setting; without
    either the saving stays in tonnes, said so."""
    enthalpy, whose = (saving["enthalpy"], "source") if saving.get("enthalpy") else \
        ((setting, "setting") if setting else (None, None))
    if enthalpy is None:
        block["steam"] = {"zh": "蒸汽节约量按吨计（t/a），未折算为热量：来源未给出焓值，也未设置 steam_enthalpy_gj_per_t",
                          "en": "steam saving kept in tonnes (t/a), not turned into heat: the source gives no enthalpy "
                                "and steam_enthalpy_gj_per_t is not set"}
        return None
    heat = _unit_by_key(kb, "GJ-per-a")
    to_own = _to_consumption_unit(kb, units, heat, consumption) if heat else None
    if to_own is None:
        return None
    block["steam"] = {"enthalpy_gj_per_t": enthalpy, "from": whose,
                      "zh": f"蒸汽按 {enthalpy:g} GJ/t 折算为热量（{'来源给出的焓值' if whose == 'source' else '设定的蒸汽焓值'}）",
                      "en": f"steam turned into heat at {enthalpy:g} GJ/t ({'the source' if whose == 'source' else 'your setting'})"}
    return enthalpy * to_own


def _payback(econ, out: dict, unpriced: list, unconverted: list[str] | None = None) -> dict | None:
    if econ.payback_years:
        return {"range": list(econ.payback_years), "derived": False,
                "zh": "来源给出的回收期", "en": "payback as the source gives it"}
    if unconverted:   # never derived from a figure left in another currency
        codes = "、".join(CURRENCIES.get(c, (c,))[0] for c in unconverted)
        return {"range": None, "derived": True, "not_derived": "no-exchange-rate",
                "zh": f"未推算回收期：费用以{codes}计，未设置汇率（exchange_rates）",
                "en": f"payback not derived: a cost is in {', '.join(unconverted)} and no exchange rate is set "
                      "(exchange_rates)"}
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
    rates = parse_rates(str(settings.get("exchange_rates") or ""))
    steam = float(settings.get("steam_enthalpy_gj_per_t") or 0) or None
    by_id = {e.id: e for e in enterprises}
    recommended = {r["measure"] for r in recommendations}
    for rec in recommendations:
        measure = kb.measures[rec["measure"]]
        unconfirmed = set(rec.get("prerequisite_unconfirmed", []))
        confirmed = [by_id[e] for e in rec["applies_to"] if e not in unconfirmed]
        block = measure_economics(kb, units, measure, confirmed, prices, recommended, rates, steam)
        if block:
            rec["economics"] = block
