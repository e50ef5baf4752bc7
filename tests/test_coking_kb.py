"""Coking (焦化): the sector's figures counted through SPARQL, and a small survey diagnosed end to end."""

from __future__ import annotations

import pytest

from cpkb.diagnostics.engine import diagnose

from diagnose_support import read, real_store
from sector_kb_support import (assert_sector_minimums, count, findings, loose_problems, max_limits, measured_indicators,
                               obsolete_labels, obsolete_with_basis, process_orders, rules_with_condition,
                               unsourced_or_unlabelled)

CK = "<https://w3id.org/cpkb/id/coking>"
CKI = "https://w3id.org/cpkb/id/coking/"


def test_coking_meets_the_sector_minimums():
    assert_sector_minimums(CK)


def test_processes_are_in_production_order_and_every_route_is_modelled():
    orders = process_orders(CK)
    assert len(orders) == len(set(orders)) >= 10
    keys = {str(r["k"]) for r in real_store().select(
        f"SELECT ?k WHERE {{ ?p a cpkb:Process ; cpkb:sector {CK} ; cpkb:key ?k }}").rows}
    # conventional ovens (top- and stamp-charged), heat-recovery ovens and semi-coke, wet and dry quenching,
    # gas cleaning and by-products, COG use, phenol-cyanide water
    assert {"coal-preparation", "coal-charging", "carbonisation", "coke-pushing", "wet-quenching", "dry-quenching",
            "gas-cooling-tar", "gas-desulfurisation", "ammonia-recovery", "benzol-recovery", "cog-use",
            "phenol-cyanide-wastewater", "heat-recovery-coking", "semi-coke-carbonisation"} <= keys


def test_every_technique_has_a_status_and_the_eliminated_ones_are_there():
    assert count(f"?x a cpkb:Technique ; cpkb:sector {CK} FILTER NOT EXISTS {{ ?x cpkb:status ?s }}") == 0
    assert {"土法炼焦", "炭化室高度小于4.3米焦炉", "单炉产能7.5万吨/年以下半焦炉"} <= obsolete_labels(CK)
    assert obsolete_with_basis(CK) >= 3
    assert count(f"?x a cpkb:Technique ; cpkb:sector {CK} ; cpkb:status cpkb:StatusRestricted") >= 3
    assert count(f"?x a cpkb:Technique ; cpkb:sector {CK} ; cpkb:status cpkb:StatusAdvanced") >= 10


def test_every_problem_is_tied_to_processes_and_to_what_it_worsens_and_has_a_rule_and_a_measure():
    assert loose_problems(CK) == []
    assert count(f"?x a cpkb:Measure ; cpkb:sector {CK}") >= 40


def test_indicators_carry_units_and_directions():
    assert measured_indicators(CK) >= 10


def test_every_sector_entry_is_sourced_and_labelled_in_both_languages():
    assert unsourced_or_unlabelled(CK) == []


def _limit(requirement: str, key: str) -> float:
    rows = real_store().select(f"""SELECT ?v WHERE {{ ?r a cpkb:RequirementSet ; cpkb:sector {CK} ; cpkb:key "{requirement}" ;
        cpkb:hasLimit ?l . ?l cpkb:key "{key}" ; cpkb:maxValue ?v }}""").rows
    assert len(rows) == 1, (requirement, key)
    return float(rows[0]["v"])


def test_gb16171_and_ultra_low_limits_are_requirements():
    assert _limit("gb16171-table5-air", "oven-nox") == 500.0        # oven chimney of by-product and semi-coke ovens
    assert _limit("gb16171-table5-air", "hr-nox") == 200.0          # heat-recovery ovens
    assert _limit("gb16171-table6-air", "oven-nox") == 150.0
    assert _limit("gb16171-table6-air", "oven-so2") == 30.0
    assert _limit("gb16171-table2-water", "d-cod") == 80.0
    assert _limit("gb16171-table2-water", "i-cod") == 150.0
    assert _limit("gb16171-table2-water", "cyanide") == pytest.approx(0.2)
    assert _limit("coking-ule-stacks", "oven-nox") == 150.0
    assert _limit("coking-ule-stacks", "oven-so2") == 30.0
    assert _limit("energy-baseline-coke", "top") == 135.0
    limits = max_limits(CK)
    assert limits[("gb16171-table3-water", "cod")] == 40.0
    rows = real_store().select(f"""SELECT ?o WHERE {{ ?r a cpkb:RequirementSet ; cpkb:sector {CK} ; cpkb:key "coking-ule-stacks" ;
        cpkb:hasLimit ?l . ?l cpkb:key "oven-nox" ; cpkb:o2RefPct ?o }}""").rows
    assert [float(r["o"]) for r in rows] == [8.0]
    assert rules_with_condition(CK, "ViolatesCondition") >= 4
    assert rules_with_condition(CK, "ContextCondition") >= 1


def test_generation_factors_and_park_resources_exist():
    assert count(f"?x a cpkb:GenerationFactor ; cpkb:sector {CK}") >= 1
    keys = {str(r["k"]) for r in real_store().select(
        "SELECT ?k WHERE { ?r a cpkb:ResourceType ; cpkb:key ?k }").rows}
    assert {"coke-oven-gas", "waste-heat-high", "coke-breeze", "coking-tar-residue", "desulfurisation-salts"} <= keys


SURVEY = {
    "cpkb_survey": 1,
    "scope": {"title": "某市焦化行业整体审核（测试）", "sector": "焦化", "pilot_type": "region", "region": "京津冀",
              "year": 2025},
    "enterprises": [
        # an old independent plant: 4.3 m top-charged ovens, wet quenching, no pushing station, gas flared,
        # quenching with raw liquor, open coal yard, NOx over the general limit, COD over the direct limit
        {"id": "K01", "output": {"product": "焦炭", "value": 60, "unit": "万t"},
         "processes": [{"process": "储煤", "techniques": ["露天煤场"], "complete": True},
                       {"process": "装煤", "techniques": ["顶装", "装煤除尘地面站"], "complete": True},
                       {"process": "炼焦", "techniques": ["4.3米顶装焦炉"], "complete": True},
                       {"process": "推焦", "techniques": [], "complete": True},
                       {"process": "湿法熄焦", "techniques": ["湿熄焦"], "complete": True},
                       {"process": "冷鼓", "techniques": ["电捕焦油器"], "complete": False},
                       {"process": "酚氰废水处理", "techniques": ["A/O", "蒸氨塔"], "complete": True}],
         "emissions": [{"pollutant": "NOx", "value": 620, "unit": "mg/m3", "o2_ref_pct": 8, "process": "焦炉烟囱"},
                       {"pollutant": "COD", "value": 120, "unit": "mg/L", "stage": "emitted"}],
         "facts": {"coke_chamber_height": 4.3, "cog_flared": True, "quench_water_source": "untreated",
                   "wastewater_discharge": "direct", "source_age": "existing", "special_limit_area": False,
                   "has_ultra_low_retrofit": False}},
        # a large plant with CDQ and oven-gas cleaning: NOx 180 meets the general limit but not the ultra-low 150,
        # energy 140 kgce/t above the top-charged baseline of 135, 3.2 m3 fresh water per tonne
        {"id": "K02", "output": {"product": "焦炭", "value": 150, "unit": "万t"},
         "processes": [{"process": "装煤", "techniques": ["顶装", "装煤除尘地面站"], "complete": True},
                       {"process": "炼焦", "techniques": ["7米焦炉"], "complete": True},
                       {"process": "焦炉烟气治理", "techniques": ["SCR脱硝"], "complete": True},
                       {"process": "推焦", "techniques": ["推焦除尘地面站"], "complete": True},
                       {"process": "干熄焦", "techniques": ["干熄焦"], "complete": True}],
         "emissions": [{"pollutant": "NOx", "value": 180, "unit": "mg/m3", "o2_ref_pct": 8, "process": "焦炉烟囱"}],
         "indicators": [{"indicator": "吨焦能耗", "value": 140, "unit": "kgce/t"},
                        {"indicator": "吨焦耗新水", "value": 3.2, "unit": "m3/t"}],
         "facts": {"coke_chamber_height": 7.0, "source_age": "existing", "special_limit_area": False,
                   "has_ultra_low_retrofit": False, "coal_storage_type": "enclosed"}},
    ],
}


@pytest.fixture(scope="module")
def result():
    return diagnose(read(SURVEY), real_store(), {"key_issue_min_enterprises": 1})


def test_a_small_coking_survey_finds_what_an_auditor_would(result):
    found = findings(result)
    expect = {
        "restricted-ovens-in-use": {"K01"}, "coke-heat-lost-in-wet-quenching": {"K01"},
        "untreated-water-used-for-quenching": {"K01"}, "cog-flared-or-underused": {"K01"},
        "oven-flue-gas-over-limit": {"K01"}, "charging-pushing-fugitive": {"K01"},
        "open-coal-storage-dust": {"K01"}, "phenol-cyanide-effluent-over-limit": {"K01"},
        "oven-above-ultra-low": {"K01", "K02"}, "energy-above-baseline": {"K02"}, "high-fresh-water-use": {"K02"},
    }
    for problem, enterprises in expect.items():
        assert enterprises <= found.get(CKI + "problem/" + problem, set()), problem
    # K02 meets the general NOx limit (180 < 500), has CDQ and a pushing station, and an enclosed yard
    for problem in ("oven-flue-gas-over-limit", "coke-heat-lost-in-wet-quenching", "charging-pushing-fugitive",
                    "open-coal-storage-dust", "eliminated-ovens-in-use"):
        assert "K02" not in found.get(CKI + "problem/" + problem, set()), problem
    # a 4.3 m oven is restricted, not eliminated
    assert "K01" not in found.get(CKI + "problem/eliminated-ovens-in-use", set())


def test_the_recommendations_answer_the_findings(result):
    recs = {r["measure"] for r in result["recommendations"]}
    for measure in ("build-cdq", "install-oven-flue-gas-cleaning", "use-surplus-cog-for-power",
                    "build-pushing-ground-station", "enclose-coal-storage", "stop-untreated-water-quenching"):
        assert CKI + "measure/" + measure in recs, measure


def _benchmark(indicator: str, level: str) -> float | None:
    rows = real_store().select(f"""SELECT ?v WHERE {{ ?i a cpkb:Indicator ; cpkb:sector {CK} ; cpkb:key "{indicator}" ;
        cpkb:hasBenchmark ?b . ?b cpkb:level ?l ; cpkb:value ?v . ?l cpkb:key "{level}" }}""").rows
    return float(rows[0]["v"]) if rows else None


def test_hjt126_level_ii_values_quoted_by_the_2004_entry_conditions_are_recorded_and_nothing_else():
    # 焦化行业准入条件（2004年）: level II of HJ/T 126-2003 resource and energy use, read in a reprint
    expected = {"coal-per-t-coke": 1.33, "coke-energy": 170, "fresh-water-per-t-coke": 3.5, "power-per-t-coke": 35,
                "cog-utilisation": 95, "water-reuse-rate": 85}
    for key, value in expected.items():
        assert _benchmark(key, "II") == pytest.approx(value), key
        assert _benchmark(key, "I") is None and _benchmark(key, "III") is None, key   # not read: not entered
    assert count(f"?x a cpkb:Indicator ; cpkb:sector {CK} ; cpkb:hasBenchmark ?b") == len(expected)


def test_the_survey_rates_k02_on_its_two_level_ii_indicators(result):
    scores = {s["enterprise"]: s for s in result["indicator_assessment"]["enterprises"]}
    k02 = scores["K02"]
    levels = {i["indicator"].rsplit("/", 1)[1]: i["level"] for i in k02["indicators"]}
    # 140 kgce/t ≤ 170 and 3.2 m³/t ≤ 3.5: both meet level II, neither can reach I (not recorded)
    assert levels == {"coke-energy": "II", "fresh-water-per-t-coke": "II"}
    assert k02["class"] == "II" and k02["provisional"]


def test_a_plant_missing_level_ii_is_not_scored_on_that_indicator_and_the_result_keeps_its_schema():
    """4.2 m³/t misses the only recorded level (II ≤ 3.5): it may still meet the unread III, so it is left out."""
    import json
    from pathlib import Path

    import jsonschema

    survey = {"cpkb_survey": 1, "scope": {"title": "焦化企业评级（测试）", "sector": "焦化", "pilot_type": "sector",
                                          "year": 2025},
              "enterprises": [{"id": "K03", "output": {"product": "焦炭", "value": 100, "unit": "万t"},
                               "processes": [{"process": "炼焦", "techniques": ["6米焦炉"], "complete": False}],
                               "indicators": [{"indicator": "吨焦能耗", "value": 150, "unit": "kgce/t"},
                                              {"indicator": "吨焦耗新水", "value": 4.2, "unit": "m3/t"}]}]}
    result = diagnose(read(survey), real_store(), {"key_issue_min_enterprises": 1})
    k03 = result["indicator_assessment"]["enterprises"][0]
    assert {i["indicator"].rsplit("/", 1)[1]: i["level"] for i in k03["indicators"]} == {"coke-energy": "II"}
    why = {m["indicator"].rsplit("/", 1)[1]: m["reason"] for m in k03["basis"]["missing"]}
    assert why["fresh-water-per-t-coke"] == "level-iii-unknown"
    assert k03["class"] == "II" and k03["provisional"]
    schema = json.loads((Path(__file__).resolve().parent.parent / "diagnostics" / "result.schema.json").read_text())
    jsonschema.validate(result, schema)
