"""How much of an offer a demand takes when the two are written in different measures: a yearly offer against an
hourly or power-rated demand (1.2 MW run 6000 h a year, 500 Nm³/h run 8000 h), and a gas in tonnes against one in
normal cubic metres (hydrogen 720 t/a against Nm³/a, by the density the knowledge base gives with its source).

Hours come from the stream (`hours`, or 年运行7200h in its remarks), else the enterprise's 年运行小时数 (the scope's
where the enterprise gives none). Without hours a rate is spread over the calendar year, and the pair says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .units import UnitConverter, UnitProblem

_RATE_BASES = ("GJ", "t", "m**3")


@dataclass(frozen=True)
class PairFactor:
    factor: float                 # one unit of the offer, in the demand's unit
    density: float | None = None  # kg/Nm³ where mass and volume were converted
    hours: float | None = None    # the hours a rate was run over to meet a yearly figure
    no_hours: bool = False        # a rate met a yearly figure without hours: the calendar year was used


def basis(units: UnitConverter, unit: str) -> str:
    """year (t/a, 万GJ/a), day (m³/d), hour (t/h, Nm³/h, MW) or other (a count, a pressure)."""
    expr = units.expression(unit)
    if re.search(r"\byear\b|/\s*a\b", expr):
        return "year"
    if re.search(r"\bday\b|/\s*d\b", expr):
        return "day"
    for base in _RATE_BASES:
        if units.converts(unit, f"{base} / hour") is not None:
            return "hour"
    return "other"


def _calendar_hours(units: UnitConverter) -> float:
    return 1.0 / units.conversion("t/a", "tonne / hour").apply(1.0)


def _plain(units: UnitConverter, offer_unit: str, demand_unit: str, density: float | None) -> tuple[float, float | None]:
    """The factor by the units alone, else through the density (mass ↔ normal volume); UnitProblem if neither."""
    target = units.expression(demand_unit)
    try:
        return units.conversion(offer_unit, target).apply(1.0), None
    except UnitProblem:
        if not density:
            raise
    for there, back, times in (("m**3 / year", "kg / year", density), ("kg / year", "m**3 / year", 1 / density)):
        first, second = units.converts(offer_unit, there), units.converts(back, target)
        if first is not None and second is not None:
            return second.apply(first.apply(1.0) * times), density
    raise UnitProblem(f"{offer_unit} cannot be compared with {demand_unit}", f"{offer_unit} 与 {demand_unit} 无法比较")


def pair_factor(units: UnitConverter, offer_unit: str, offer_hours: float | None, demand_unit: str,
                demand_hours: float | None, density: float | None) -> PairFactor:
    """The offer's unit in the demand's, with a yearly figure met by a rate over that rate's own hours."""
    factor, used = _plain(units, offer_unit, demand_unit, density)
    ob, db = basis(units, offer_unit), basis(units, demand_unit)
    if ob == "year" and db == "hour":
        if demand_hours:
            return PairFactor(factor * _calendar_hours(units) / demand_hours, used, demand_hours)
        return PairFactor(factor, used, None, True)
    if ob == "hour" and db == "year":
        if offer_hours:
            return PairFactor(factor * offer_hours / _calendar_hours(units), used, offer_hours)
        return PairFactor(factor, used, None, True)
    return PairFactor(factor, used)


def yearly(units: UnitConverter, amount: float, unit: str, hours: float | None, gas: bool) -> dict | None:
    """A rate (t/h, MW, Nm³/h) run `hours` a year as a yearly amount {amount, unit, hours}; None for other units."""
    if not hours or basis(units, unit) != "hour":
        return None
    for base, shown in (("GJ", "GJ/a"), ("t", "t/a"), ("m**3", "Nm³/a" if gas else "m³/a")):
        found = units.converts(unit, f"{base} / hour")
        if found is not None:
            return {"amount": round(found.apply(amount) * hours, 6), "unit": shown, "hours": hours}
    return None
