"""The indicator-scoring method of brief §2.3, and its worked example §2.4, against diagnostics/scoring.py."""

from __future__ import annotations

import pytest

from cpkb.diagnostics.knowledge import Indicator, Labels
from cpkb.diagnostics.scoring import score_enterprise

PE, RC, RU, OTHER = "cat/process-equipment", "cat/resource-consumption", "cat/resource-utilisation", "cat/other"


def indicator(iri, category, category_weight, weight=None, benchmarks=None, direction="higher", limiting=False):
    return Indicator(iri, Labels(iri, iri), "sector", "system", category, Labels(category, category), category_weight,
                     weight, "unit" if benchmarks else None, direction if benchmarks else None, limiting,
                     dict(benchmarks or {}))


RINSE = indicator("rinse-water", RC, 0.10, 1.0, {"I": 8, "II": 24, "III": 40}, direction="lower", limiting=True)
NI = indicator("ni-utilisation", RU, 0.18, None, {"I": 95, "II": 85, "III": 80})
CR = indicator("cr-utilisation", RU, 0.18, None, {"I": 90, "II": 80, "III": 70})
CLEAN = indicator("clean-process", PE, 0.33, 1.0)           # qualitative: the value is the level reached
REST = indicator("other-categories", OTHER, 0.39, 1.0)      # the 0.39 the brief could not read, as one indicator
SYSTEM = [CLEAN, RINSE, NI, CR, REST]


def values(rinse=20.0, ni=96.0, cr=91.0, clean="I", rest="I"):
    return {"rinse-water": [(rinse, None)], "ni-utilisation": [(ni, None)], "cr-utilisation": [(cr, None)],
            "clean-process": [(clean, None)], "other-categories": [(rest, None)]}


def by_iri(score):
    return {s.indicator: s for s in score.indicators}


def test_worked_example_rinse_water_at_level_ii_caps_the_class_at_ii():
    score = score_enterprise(SYSTEM, values())
    levels = by_iri(score)
    assert levels["rinse-water"].level == "II"            # 20 L/m²: misses I (≤ 8), meets II (≤ 24)
    # Y_I misses the 0.10 of resource consumption; Y_II and Y_III get it (cumulative levels)
    assert score.indices == {"I": 90.0, "II": 100.0, "III": 100.0}
    assert score.grade == "II"                             # Y_I ≥ 85 but the limiting indicator is only at II
    assert any("limiting" in r for r in score.reasons)


def test_rinse_water_contributes_10_to_y_ii_and_y_iii_and_nothing_to_y_i():
    score = score_enterprise(SYSTEM, values(ni=10.0, cr=10.0, clean=None, rest=None))
    assert score.indices == {"I": 0.0, "II": 10.0, "III": 10.0}   # 0.10 × 100, everything else below III
    assert score.grade == "below III"


def test_two_plated_metals_share_their_category_weight():
    """n = 2 metals: each 0.8/2 = 0.4 within the category before renormalisation, 0.5 after."""
    score = score_enterprise(SYSTEM, values(ni=96.0, cr=10.0))
    assert by_iri(score)["ni-utilisation"].weight == pytest.approx(0.5)
    assert by_iri(score)["cr-utilisation"].weight == pytest.approx(0.5)
    # Y_I: 0.33 + 0.39 + 0.18 × 0.5 = 0.81 → 81; Y_III loses the same 9 points
    assert score.indices["I"] == pytest.approx(81.0)
    assert score.indices["II"] == pytest.approx(91.0)
    assert score.indices["III"] == pytest.approx(91.0)
    # level II asks Y_II ≥ 85 with the limiting indicators at II, not every indicator at III
    assert score.grade == "II"


def test_not_applicable_indicator_is_dropped_and_the_category_renormalised():
    score = score_enterprise(SYSTEM, {**values(), "cr-utilisation": [("n/a", None)]})
    assert by_iri(score)["ni-utilisation"].weight == pytest.approx(1.0)
    assert by_iri(score)["cr-utilisation"].level == "n/a"
    assert score.indices["I"] == pytest.approx(90.0)


def test_levels_are_cumulative():
    score = score_enterprise(SYSTEM, values(rinse=5.0))
    assert score.indices == {"I": 100.0, "II": 100.0, "III": 100.0}
    assert score.grade == "I"


def test_only_the_recorded_categories_are_renormalised_to_one():
    """The KB holds 0.33/0.10/0.18 of the electroplating table: weights are renormalised over what is assessed."""
    score = score_enterprise([CLEAN, RINSE, NI, CR], values())
    assert score.indices["I"] == pytest.approx(round(100 * (0.33 + 0.18) / 0.61, 2))
    assert score.indices["II"] == pytest.approx(100.0)
    assert score.grade == "II"


def test_level_iii_needs_every_indicator_at_iii():
    score = score_enterprise(SYSTEM, values(rinse=35.0, ni=81.0, cr=75.0, clean="III", rest="III"))
    assert score.indices["III"] == pytest.approx(100.0)
    assert score.indices["II"] < 85
    assert score.grade == "III"


def test_limiting_indicator_below_iii_means_below_iii():
    score = score_enterprise(SYSTEM, values(rinse=47.0))
    assert score.indices["I"] == pytest.approx(90.0)
    assert score.grade == "below III"
    assert "rinse-water" in " ".join(score.reasons)


def test_worst_value_of_several_lines_counts():
    score = score_enterprise(SYSTEM, {**values(), "rinse-water": [(6.0, "line 1"), (30.0, "line 2")]})
    assert by_iri(score)["rinse-water"].level == "III"


def test_limiting_indicator_without_value_cannot_be_rated():
    data = values()
    del data["rinse-water"]
    score = score_enterprise(SYSTEM, data)
    assert score.grade is None
    assert "rinse-water" in score.missing


def test_no_values_at_all_is_not_rated_rather_than_below_iii():
    score = score_enterprise([CLEAN, NI, CR], {})
    assert score.grade is None
    assert score.reasons


# ---------------------------------------------------------------- a source read only at level II (coking HJ/T 126)
WATER_II = indicator("fresh-water", RC, 0.5, None, {"II": 3.5}, direction="lower")
GAS_II = indicator("gas-use", RU, 0.5, None, {"II": 95}, direction="higher")


def test_a_value_meeting_the_only_recorded_level_reaches_it():
    score = score_enterprise([WATER_II, GAS_II], {"fresh-water": [(3.2, None)], "gas-use": [(97.0, None)]})
    assert {s.indicator: s.level for s in score.indicators} == {"fresh-water": "II", "gas-use": "II"}
    assert score.indices == {"I": 0.0, "II": 100.0, "III": 100.0}
    assert score.grade == "II"


def test_a_value_missing_level_ii_when_level_iii_is_unknown_is_not_scored_not_below_iii():
    """4.0 m³/t misses II (3.5) but may meet the unread III: it must not drag the class below III."""
    score = score_enterprise([WATER_II, GAS_II], {"fresh-water": [(4.0, None)], "gas-use": [(97.0, None)]})
    assert [s.indicator for s in score.indicators] == ["gas-use"]
    assert "fresh-water" in score.missing
    why = {m["indicator"]: m for m in score.basis["missing"]}
    assert why["fresh-water"]["reason"] == "level-iii-unknown" and "Ⅲ级基准值未录入" in why["fresh-water"]["zh"]
    assert score.grade == "II" and score.indices["II"] == 100.0


def test_a_value_missing_every_level_of_a_full_row_is_still_below_iii():
    score = score_enterprise([RINSE], {"rinse-water": [(50.0, None)]})
    assert score.indicators[0].level is None and score.grade == "below III"
