"""Building materials (建材): the sector's figures counted through SPARQL, and a small survey diagnosed end to end."""

from __future__ import annotations

import pytest

from cpkb.diagnostics.engine import diagnose

from diagnose_support import read, real_store
from sector_kb_support import (assert_sector_minimums, count, findings, loose_problems, max_limits, measured_indicators,
                               obsolete_labels, obsolete_with_basis, process_orders, rules_with_condition,
                               unsourced_or_unlabelled)

BM = "<https://w3id.org/cpkb/id/building-materials>"
BMI = "https://w3id.org/cpkb/id/building-materials/"


def test_building_materials_meets_the_sector_minimums():
    assert_sector_minimums(BM)


def test_processes_are_in_production_order_and_every_route_is_modelled():
    orders = process_orders(BM)
    assert len(orders) == len(set(orders)) >= 10
    keys = {str(r["k"]): int(r["o"]) for r in real_store().select(
        f"SELECT ?k ?o WHERE {{ ?p a cpkb:Process ; cpkb:sector {BM} ; cpkb:key ?k ; cpkb:order ?o }}").rows}
    # cement fully, then flat glass, ceramics and lime as routes
    assert {"quarrying", "crushing", "raw-meal-grinding", "coal-grinding", "preheater-precalciner", "clinker-burning",
            "clinker-cooling", "waste-heat-power", "cement-grinding", "packing-dispatch", "glass-melting",
            "float-forming", "spray-drying", "ceramic-firing", "lime-burning"} <= keys.keys()
    assert keys["raw-meal-grinding"] < keys["clinker-burning"] < keys["clinker-cooling"] < keys["cement-grinding"] \
        < keys["packing-dispatch"]


def test_every_technique_has_a_status_and_the_eliminated_ones_are_there():
    assert count(f"?x a cpkb:Technique ; cpkb:sector {BM} FILTER NOT EXISTS {{ ?x cpkb:status ?s }}") == 0
    assert {"水泥机立窑", "干法中空窑", "湿法窑", "立波尔窑", "直径3米以下水泥粉磨设备", "平拉工艺平板玻璃生产线（含格法）",
            "石灰土立窑"} <= obsolete_labels(BM)
    assert count(f"?x a cpkb:Technique ; cpkb:sector {BM} ; cpkb:status cpkb:StatusAdvanced") >= 10
    assert obsolete_with_basis(BM) >= 8


def test_every_problem_is_tied_to_processes_and_to_what_it_worsens_and_has_a_rule_and_a_measure():
    assert loose_problems(BM) == []


def test_indicators_carry_units_and_directions():
    assert measured_indicators(BM) >= 10


def test_every_sector_entry_is_sourced_and_labelled_in_both_languages():
    assert unsourced_or_unlabelled(BM) == []


def test_emission_standards_are_requirements_at_their_reference_oxygen():
    limits = max_limits(BM)
    assert limits[("gb4915-table2", "nox")] == 400.0
    assert limits[("gb4915-table2", "so2")] == 200.0
    assert limits[("gb4915-table2", "nh3")] == 10.0
    assert limits[("gb4915-table3-special", "nox")] == 320.0
    assert limits[("gb4915-table3-special", "nh3")] == 8.0
    assert limits[("cement-ule-2024", "nox")] == 50.0
    assert limits[("cement-ule-2024", "so2")] == 35.0
    assert limits[("gb26453-table2", "nox")] == 700.0
    # kiln limits are referred to 10 % O2, glass furnace limits to 8 %
    o2 = {(str(r["set"]), str(r["proc"])): float(r["o2"]) for r in real_store().select(f"""
        SELECT ?set ?proc ?o2 WHERE {{ ?r a cpkb:RequirementSet ; cpkb:sector {BM} ; cpkb:key ?set ; cpkb:hasLimit ?l .
        ?l cpkb:o2RefPct ?o2 ; cpkb:inProcess/cpkb:key ?proc }}""").rows}
    assert o2[("gb4915-table2", "clinker-burning")] == 10.0
    assert o2[("cement-ule-2024", "clinker-burning")] == 10.0
    assert o2[("gb26453-table2", "glass-melting")] == 8.0
    assert rules_with_condition(BM, "ViolatesCondition") >= 6
    assert rules_with_condition(BM, "ContextCondition") >= 2


SURVEY = {
    "cpkb_survey": 1,
    "scope": {"title": "某市建材行业整体审核（测试）", "sector": "建材", "pilot_type": "region", "region": "京津冀"},
    "enterprises": [
        # a 2500 t/d line: no waste-heat power, SNCR at a fixed rate on an ESP, third-generation cooler, ball mills,
        # open yards, trucks; kiln NOx 350 mg/m3 at 12 % O2 = 428 at 10 %, ammonia 12 mg/m3
        {"id": "C01", "output": {"product": "熟料", "value": 750000, "unit": "t"},
         "processes": [{"process": "熟料煅烧", "techniques": ["新型干法窑", "五级预热器", "多通道燃烧器"], "complete": True},
                       {"process": "篦冷机", "techniques": ["第三代篦冷机"], "complete": True},
                       {"process": "窑尾烟气治理", "techniques": ["SNCR", "电除尘"], "complete": True},
                       {"process": "水泥磨", "techniques": ["球磨机（水泥）"], "complete": True},
                       {"process": "原料堆场", "techniques": ["露天堆场"], "complete": True}],
         "emissions": [{"pollutant": "NOx", "value": 350, "unit": "mg/m3", "o2_measured_pct": 12, "process": "窑尾"},
                       {"pollutant": "NH3", "value": 12, "unit": "mg/m3", "o2_measured_pct": 10, "process": "窑尾"}],
         "facts": {"clinker_line_capacity": 2500, "annual_kiln_fuel": 90000, "ule_retrofit_done": False,
                   "clean_transport_share": 20, "materials_enclosed": False, "sncr_ammonia_controlled": False,
                   "special_limit_area": True, "source_age": "existing"}},
        # a modern 5000 t/d line at ultra-low levels with waste-heat power (30 kWh/t) and 100 kgce/t
        {"id": "C02", "output": {"product": "熟料", "value": 1500000, "unit": "t"},
         "processes": [{"process": "熟料煅烧", "techniques": ["新型干法窑", "低氮燃烧器", "分级燃烧"], "complete": True},
                       {"process": "篦冷机", "techniques": ["第四代篦冷机"], "complete": True},
                       {"process": "窑尾烟气治理", "techniques": ["SNCR", "SCR", "袋式除尘器"], "complete": True},
                       {"process": "余热发电", "techniques": ["纯低温余热发电"], "complete": True},
                       {"process": "水泥磨", "techniques": ["辊压机联合粉磨"], "complete": True},
                       {"process": "原料堆场", "techniques": ["全封闭料棚"], "complete": True}],
         "emissions": [{"pollutant": "NOx", "value": 45, "unit": "mg/m3", "o2_ref_pct": 10, "process": "窑尾"},
                       {"pollutant": "颗粒物", "value": 5, "unit": "mg/m3", "o2_ref_pct": 10, "process": "窑尾"}],
         "facts": {"clinker_line_capacity": 5000, "annual_kiln_fuel": 150000, "annual_whr_generation": 45000000,
                   "ule_retrofit_done": True, "clean_transport_share": 85, "materials_enclosed": True,
                   "sncr_ammonia_controlled": True, "special_limit_area": True, "source_age": "existing"}},
        # an old plant still burning in a shaft kiln and grinding in a 2.2 m mill
        {"id": "C03", "output": {"product": "水泥", "value": 200000, "unit": "t"},
         "processes": [{"process": "熟料煅烧", "techniques": ["机立窑"], "complete": True},
                       {"process": "水泥粉磨", "techniques": ["球磨机（水泥）"], "complete": True}],
         "facts": {"cement_mill_diameter": 2.2, "special_cement": False, "source_age": "existing"}},
        # a float line on petcoke without NOx control: 900 mg/m3 at 8 % O2
        {"id": "G01", "output": {"product": "浮法玻璃", "value": 5000000, "unit": "重量箱"},
         "processes": [{"process": "熔窑", "techniques": ["石油焦"], "complete": True},
                       {"process": "锡槽", "techniques": ["浮法"], "complete": True},
                       {"process": "熔窑烟气治理", "techniques": ["电除尘"], "complete": True}],
         "emissions": [{"pollutant": "NOx", "value": 900, "unit": "mg/m3", "o2_ref_pct": 8, "process": "熔窑"}],
         "facts": {"main_fuel": "petcoke", "source_age": "existing"}},
        # a tile plant: coal-water-slurry spray dryer and polishing effluent discharged
        {"id": "T01", "output": {"product": "瓷砖", "value": 10000000, "unit": "m2"},
         "processes": [{"process": "喷雾干燥", "techniques": ["水煤浆热风炉"], "complete": True},
                       {"process": "辊道窑", "techniques": ["辊道窑"], "complete": True},
                       {"process": "抛光", "techniques": [], "complete": True}],
         "facts": {"main_fuel": "coal-water-slurry", "polishing_water_recycled": False, "source_age": "existing"}},
        # a lime works with an earth shaft kiln
        {"id": "L01", "output": {"product": "石灰", "value": 50000, "unit": "t"},
         "processes": [{"process": "石灰窑", "techniques": ["石灰土立窑"], "complete": True}],
         "facts": {"source_age": "existing"}},
    ],
}


@pytest.fixture(scope="module")
def result():
    return diagnose(read(SURVEY), real_store(), {"key_issue_min_enterprises": 1, "key_issue_prevalence": 0.1})


def test_a_small_building_materials_survey_finds_what_an_auditor_would(result):
    found = findings(result)
    expect = {
        "small-clinker-line": {"C01"}, "waste-heat-not-recovered": {"C01"}, "cooler-heat-loss": {"C01"},
        "kiln-nox-high": {"C01"}, "ammonia-slip": {"C01"}, "air-limit-exceeded": {"C01", "G01"},
        "ule-gap": {"C01"}, "road-transport-heavy": {"C01"}, "fugitive-dust": {"C01"},
        "esp-unstable-emissions": {"C01"}, "high-grinding-power": {"C01"}, "high-clinker-heat": {"C01"},
        "eliminated-capacity-in-use": {"C03", "L01"}, "dirty-furnace-fuel": {"G01", "T01"},
        "glass-furnace-nox": {"G01"}, "coal-fired-spray-dryer": {"T01"}, "polishing-water-not-reused": {"T01"},
        "backward-lime-kiln": {"L01"},
    }
    for problem, enterprises in expect.items():
        assert enterprises <= found.get(BMI + "problem/" + problem, set()), problem
    # the modern line is at ultra-low levels, with waste-heat power, source NOx control and bag filters
    for problem in ("waste-heat-not-recovered", "kiln-nox-high", "air-limit-exceeded", "ule-gap", "fugitive-dust",
                    "esp-unstable-emissions", "high-clinker-heat", "small-clinker-line", "road-transport-heavy"):
        assert "C02" not in found.get(BMI + "problem/" + problem, set()), problem


def test_the_recommendations_answer_the_findings(result):
    recs = {r["measure"] for r in result["recommendations"]}
    for measure in ("install-waste-heat-power", "retrofit-staged-combustion", "convert-esp-to-bag", "enclose-storage",
                    "retire-eliminated-capacity", "switch-furnace-to-gas", "recycle-polishing-water",
                    "control-ammonia-dosing", "retrofit-grate-cooler", "install-glass-scr"):
        assert BMI + "measure/" + measure in recs, measure


def test_each_works_is_graded_and_bound_by_its_own_product_line_only(result):
    """A cement works is neither graded by the flat-glass or ceramics system nor bound by the glass-furnace standard
    (its unplaced dust figure would otherwise meet the furnace limit); the glass works is, and says why others not."""
    graded = {}
    for e in result["indicator_assessment"]["enterprises"]:
        graded.setdefault(e["system"].rsplit("/", 1)[-1], set()).add(e["enterprise"])
    assert graded["glass-cpes"] == {"G01"}
    assert graded["ceramics-cpes"] == {"T01"}
    assert graded["cement-cpes"] == {"C01", "C02", "C03"}   # the lime works runs neither kiln nor cement mill
    glass = next(s for s in result["compliance"]["sets"] if s["requirement"].endswith("gb26453-table2"))
    assert glass["enterprises"]["applies"] == ["G01"]
    assert "玻璃熔窑" in glass["reasons"]["C01"]["zh"] and "不适用" in glass["reasons"]["C01"]["zh"]
