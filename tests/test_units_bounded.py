"""Units from a survey are checked before pint parses them, and the unit caches are bounded (issue 15)."""

from __future__ import annotations

import time

import pytest

from cpkb.diagnostics.limits import SurveyLimits
from cpkb.diagnostics.units import UnitConverter, UnitProblem, check_unit_text

from diagnose_support import knowledge

LIMITS = SurveyLimits()


@pytest.mark.parametrize("unit", ["m**2", "kg/(m**2*s**2)", "(m/s)**2", "m^3", "1/h**2", "m ** -2", "万m²",
                                  "10^-3 kg", "t/a", "kgce/t"])
def test_ordinary_units_pass_the_check(unit):
    check_unit_text(unit, LIMITS)


@pytest.mark.parametrize("unit,words", [("10**10**7", "power of a power"), ("9**9**9", "power of a power"),
                                        ("(9**9)**9", "power of a power"), ("m^2^3", "power of a power"),
                                        ("m**99", "above 12"), ("m**1e9", "above 12"), ("m**a", "plain number"),
                                        ("t" * 65, "at most 64 characters")])
def test_hostile_units_are_refused_before_pint(unit, words):
    with pytest.raises(UnitProblem, match=words):
        check_unit_text(unit, LIMITS)


def test_an_exponent_tower_costs_nothing_through_the_converter():
    converter = UnitConverter(knowledge())
    started = time.perf_counter()
    for unit in ("10**10**7", "9**9**9", "(10**8)**(10**8)"):
        with pytest.raises(UnitProblem):
            converter.conversion(unit, "t")
        with pytest.raises(UnitProblem):
            converter.dimension_of(unit)
    assert time.perf_counter() - started < 1.0


def test_a_unit_with_a_scaling_factor_is_refused():
    converter = UnitConverter(knowledge())
    with pytest.raises(UnitProblem):
        converter.conversion("1e300*1e300*t", "t")


def test_unit_caches_keep_at_most_the_configured_entries():
    converter = UnitConverter(knowledge(), SurveyLimits(unit_cache_entries=8))
    units = ["t", "kg", "g", "mg", "kt", "lb", "oz", "ton", "tonne", "Mt"]
    for n in range(1, 200):
        try:
            converter.conversion(units[n % len(units)] + " " * (n // 10), "t")
        except UnitProblem:
            pass
        try:
            converter.dimension_of(f"unknown{n}")
        except UnitProblem:
            pass
    assert len(converter._cache._items) <= 8 and len(converter._dimensions._items) <= 8
    assert converter.conversion("kg", "t").factor == pytest.approx(0.001)  # still right after eviction
