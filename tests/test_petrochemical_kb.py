"""Petrochemicals and chemicals (石化化工): petroleum refining and the ethylene route, counted through SPARQL, and a small
survey diagnosed end to end."""

from __future__ import annotations

import pytest

from cpkb.diagnostics.engine import diagnose

from diagnose_support import read, real_store
from sector_kb_support import (assert_sector_minimums, count, findings, loose_problems, max_limits, measured_indicators,
                               obsolete_labels, obsolete_with_basis, process_orders, rules_with_condition,
                               unsourced_or_unlabelled)

PC = "<https://w3id.org/cpkb/id/petrochemical>"
PCI = "https://w3id.org/cpkb/id/petrochemical/"


def test_petrochemical_meets_the_sector_minimums():
    assert_sector_minimums(PC)


def test_processes_are_in_production_order_and_the_key_units_are_modelled():
    orders = process_orders(PC)
    assert len(orders) == len(set(orders)) >= 10
    keys = {str(r["k"]) for r in real_store().select(
        f"SELECT ?k WHERE {{ ?p a cpkb:Process ; cpkb:sector {PC} ; cpkb:key ?k }}").rows}
    # the refinery route from tankage to utilities, and the steam-cracking route of basic petrochemicals
    assert {"storage-tanks", "crude-distillation", "desalting", "fcc", "hydrotreating", "hydrocracking",
            "catalytic-reforming", "delayed-coking", "sulfur-recovery", "sour-water-stripping", "steam-cracking",
            "loading", "equipment-components", "process-vents", "flare", "process-heaters", "cooling-water",
            "steam-power-system", "wastewater-treatment",
            # basic inorganic chemicals: chlor-alkali, carbide-route PVC, ammonia
            "chlor-alkali-electrolysis", "pvc-production", "ammonia-synthesis"} <= keys


def test_every_technique_has_a_status_and_the_eliminated_ones_are_there_with_their_basis():
    assert count(f"?x a cpkb:Technique ; cpkb:sector {PC} FILTER NOT EXISTS {{ ?x cpkb:status ?s }}") == 0
    assert {"200万吨/年及以下常减压装置", "明火加热釜式蒸馏装置", "废旧橡胶和塑料土法炼油", "隔膜法烧碱", "高汞催化剂",
            "天然气常压间歇转化制合成氨"} <= obsolete_labels(PC)
    assert obsolete_with_basis(PC) >= 7
    assert count(f"?x a cpkb:Technique ; cpkb:sector {PC} ; cpkb:status cpkb:StatusAdvanced") >= 10
    assert count(f"?x a cpkb:Technique ; cpkb:sector {PC} ; cpkb:status cpkb:StatusRestricted") >= 3


def test_every_problem_is_tied_to_processes_and_has_a_rule_and_a_measure():
    assert loose_problems(PC) == []


def test_indicators_carry_units_and_directions():
    assert measured_indicators(PC) >= 10


def test_every_sector_entry_is_sourced_and_labelled_in_both_languages():
    assert unsourced_or_unlabelled(PC) == []


def _limits_by_key(sector: str) -> dict[tuple[str, str], float]:
    """Each limit of the sector's requirement sets by (set, limit key): sets with one limit per row and stack."""
    rows = real_store().select(f"""SELECT ?set ?k ?v WHERE {{ ?r a cpkb:RequirementSet ; cpkb:sector {sector} ;
        cpkb:key ?set ; cpkb:hasLimit ?l . ?l cpkb:key ?k ; cpkb:maxValue ?v }}""").rows
    return {(str(r["set"]), str(r["k"])): float(r["v"]) for r in rows}


def test_gb31570_limits_are_requirements():
    limits = max_limits(PC)
    assert limits[("gb31570-table1-water", "cod")] == 60.0
    assert limits[("gb31570-table2-water-special", "cod")] == 50.0
    assert limits[("gb31570-table1-water", "nh3-n")] == 8.0
    assert limits[("gb31570-table1-water", "oil")] == 5.0
    assert limits[("gb31570-table5-boundary", "nmhc")] == 4.0
    stacks = _limits_by_key(PC)
    assert stacks[("gb31570-table3-air", "heater-nox")] == 150.0
    assert stacks[("gb31570-table4-air-special", "heater-nox-s")] == 100.0
    assert stacks[("gb31570-table3-air", "fcc-so2")] == 100.0
    assert stacks[("gb31570-table4-air-special", "fcc-so2-s")] == 50.0
    assert stacks[("gb31570-table3-air", "sru-so2")] == 400.0
    assert stacks[("gb31570-table4-air-special", "sru-so2-s")] == 100.0
    assert stacks[("gb31570-table3-air", "sru-nox")] == 150.0      # added by the 2024 amendment
    assert stacks[("gb31570-table1-water", "drainage-crude")] == 0.5
    assert rules_with_condition(PC, "ViolatesCondition") >= 4
    assert rules_with_condition(PC, "ContextCondition") >= 2


def test_measures_carry_published_economics_where_a_source_gave_them():
    with_economics = count(f"""?x a cpkb:Measure ; cpkb:sector {PC} .
        {{ ?x cpkb:investment ?i }} UNION {{ ?x cpkb:minPaybackYears ?p }}""")
    assert with_economics >= 7
    # two simulated flare-gas recovery designs for Nigerian refineries: 3.28 months and 4 years 4 months
    rows = real_store().select(f"SELECT ?v WHERE {{ <https://w3id.org/cpkb/id/petrochemical/measure/install-flare-gas-recovery> "
                               "cpkb:maxPaybackYears ?v }").rows
    assert float(rows[0]["v"]) == 4.33


def test_vocs_balance_and_loading_factor_are_there():
    assert count(f"?x a cpkb:GenerationFactor ; cpkb:sector {PC}") >= 2
    assert count(f"?x a cpkb:DerivedQuantity ; cpkb:sector {PC}") >= 4


SURVEY = {
    "cpkb_survey": 1,
    "scope": {"title": "某市石化行业整体审核（测试）", "sector": "石化", "pilot_type": "region", "region": "长三角",
              "year": 2024},
    "enterprises": [
        # a small local refinery: 1.5 Mt/a topping unit, cone-roof gasoline tanks, splash loading, open separators with
        # a UV unit, no LDAR, COD over the limit
        {"id": "R01", "output": {"product": "原油加工量", "value": 150, "unit": "万t"},
         "processes": [{"process": "罐区", "techniques": ["拱顶罐"], "complete": True},
                       {"process": "常减压", "techniques": ["200万吨/年及以下常减压装置"], "complete": True},
                       {"process": "装车", "techniques": ["喷溅式装车"], "complete": True},
                       {"process": "污水处理场", "techniques": ["隔油池未加盖", "UV光解"], "complete": True}],
         "emissions": [{"pollutant": "COD", "value": 85, "unit": "mg/L", "stage": "emitted"}],
         "facts": {"has_ldar_programme": False, "cdu_unit_capacity": 150, "has_loading_vapour_recovery": False,
                   "volatile_fixed_roof_tanks": 6, "source_age": "existing"}},
        # a 8 Mt/a refinery: FCC without scrubbing, Claus without tail-gas treating at 650 mg/m3 SO2, hot heater stacks;
        # LDAR and vapour recovery in place, effluent compliant
        {"id": "R02", "output": {"product": "原油加工量", "value": 800, "unit": "万t"},
         "processes": [{"process": "常减压", "techniques": ["换热网络优化"], "complete": True},
                       {"process": "催化裂化", "techniques": ["三旋"], "complete": True},
                       {"process": "硫磺回收", "techniques": ["二级克劳斯"], "complete": True},
                       {"process": "加热炉", "techniques": ["低氮燃烧器"], "complete": True},
                       {"process": "装车", "techniques": ["底部装车", "油气回收"], "complete": True}],
         "emissions": [{"pollutant": "SO2", "value": 650, "unit": "mg/m3", "process": "硫磺回收", "stage": "emitted"},
                       {"pollutant": "COD", "value": 45, "unit": "mg/L", "stage": "emitted"}],
         "facts": {"has_ldar_programme": True, "cdu_unit_capacity": 800, "has_loading_vapour_recovery": True,
                   "heater_stack_temperature": 175, "source_age": "existing"}},
        # a naphtha cracker without refining: in-plant NMHC above GB 37822 and energy per tonne of ethylene above
        # the baseline level
        {"id": "E03", "output": {"product": "乙烯", "value": 80, "unit": "万t"},
         "processes": [{"process": "乙烯装置", "techniques": ["低氮燃烧器"], "complete": True},
                       {"process": "污水处理场", "techniques": ["污水场加盖"], "complete": True}],
         "indicators": [{"indicator": "吨乙烯能耗", "value": 700, "unit": "kgoe/t"}],
         "facts": {"has_ldar_programme": True, "inplant_nmhc_1h": 14, "wwtp_covered": True,
                   "source_age": "existing"}},
    ],
}


@pytest.fixture(scope="module")
def result():
    return diagnose(read(SURVEY), real_store(), {"key_issue_min_enterprises": 1})


def test_a_small_refinery_survey_finds_what_an_auditor_would(result):
    found = findings(result)
    expect = {
        "eliminated-capacity-in-use": {"R01"}, "tank-breathing-losses": {"R01"}, "loading-vapour-loss": {"R01"},
        "equipment-leaks-uncontrolled": {"R01"}, "wwtp-open-surfaces": {"R01"},
        "low-efficiency-vocs-treatment": {"R01"}, "discharge-limit-exceeded": {"R01"},
        "fcc-flue-gas-emissions": {"R02"}, "sulfur-recovery-tail-gas": {"R02"}, "heater-low-efficiency": {"R02"},
        "energy-above-benchmark": {"E03"},
    }
    for problem, enterprises in expect.items():
        assert enterprises <= found.get(PCI + "problem/" + problem, set()), problem
    # R02 recovers its loading vapour, runs LDAR and discharges COD 45 mg/L against a limit of 60
    for problem in ("loading-vapour-loss", "equipment-leaks-uncontrolled", "discharge-limit-exceeded",
                    "eliminated-capacity-in-use"):
        assert "R02" not in found.get(PCI + "problem/" + problem, set()), problem
    # the cracker runs LDAR but its in-plant NMHC (14 mg/m3) is above the GB 37822 limit of 10
    assert "E03" in found.get(PCI + "problem/equipment-leaks-uncontrolled", set())
    assert "E03" not in found.get(PCI + "problem/wwtp-open-surfaces", set())


def test_the_recommendations_answer_the_findings(result):
    recs = {r["measure"] for r in result["recommendations"]}
    for measure in ("retire-eliminated-refining-capacity", "install-loading-vapour-recovery",
                    "cover-wwtp-and-treat-offgas", "fcc-flue-gas-scrubbing", "add-tail-gas-treating",
                    "heater-air-preheater"):
        assert PCI + "measure/" + measure in recs, measure
    # LDAR is the shared measure, linked from this sector
    assert any(m.endswith("measure-link/vocs-leak-detection-and-repair") for m in recs)


# ------------------------------------------------------------------ materials and the basic chemicals (硫酸、双氧水、烷基化、甲醇)

def test_the_materials_section_names_what_petrochemical_surveys_list():
    rows = real_store().select(f"""SELECT ?zh ?h WHERE {{ ?m a cpkb:MaterialType ; cpkb:sector {PC} ;
        skos:prefLabel ?zh FILTER(lang(?zh) = 'zh') OPTIONAL {{ ?m cpkb:hazardous ?h }} }}""").rows
    labels = {str(r["zh"]) for r in rows}
    assert len(labels) >= 20
    assert {"原油", "渣油", "石脑油", "液化气", "硫磺", "硫铁矿", "原盐", "碳酸钠", "工作液", "重芳烃", "钯催化剂",
            "废催化剂", "氢氟酸"} <= labels
    assert sum(1 for r in rows if r.get("h") is not None and str(r["h"]).lower() == "true") >= 10


def test_the_basic_chemical_routes_are_modelled_in_production_order():
    rows = real_store().select(f"""SELECT ?k ?o WHERE {{ ?p a cpkb:Process ; cpkb:sector {PC} ; cpkb:key ?k ;
        cpkb:order ?o }}""").rows
    order = {str(r["k"]): int(r["o"]) for r in rows}
    assert order["sulfur-burning-roasting"] < order["acid-gas-cleaning"] < order["so2-conversion-absorption"]
    assert (order["h2o2-hydrogenation"] < order["h2o2-oxidation"] < order["h2o2-extraction-purification"]
            < order["h2o2-working-solution-regeneration"])
    assert order["alkylation-reaction"] < order["alkylation-spent-acid-regeneration"]
    assert order["methanol-syngas"] < order["methanol-synthesis-distillation"]


def test_gb26132_and_the_peroxide_offgas_limits_are_requirements():
    stacks = _limits_by_key(PC)
    assert stacks[("gb26132-air", "acid-so2")] == 400.0
    assert stacks[("gb26132-air", "acid-mist")] == 30.0
    assert stacks[("gb26132-air-special", "acid-so2-s")] == 200.0
    assert stacks[("gb16297-h2o2-offgas", "h2o2-nmhc")] == 120.0


BASIC_SURVEY = {
    "cpkb_survey": 1,
    "scope": {"title": "某县化工园区基础化学品审核（测试）", "sector": "石化化工", "pilot_type": "park", "year": 2026},
    "enterprises": [
        # an old sulfur-burning acid plant: single absorption, no tail-gas scrubbing, no HRS, SO2 650 mg/m3 and
        # −80 kgce/t against the GB 29141-2024 grade-3 limit of −110
        {"id": "S01", "output": {"product": "硫酸", "value": 10, "unit": "万t"},
         "processes": [{"process": "焚硫", "techniques": ["硫磺制酸"], "complete": True},
                       {"process": "干吸工段", "techniques": ["一转一吸"], "complete": True}],
         "emissions": [{"pollutant": "SO2", "value": 650, "unit": "mg/m3", "process": "干吸工段", "stage": "emitted"}],
         "indicators": [{"indicator": "吨酸综合能耗", "value": -80, "unit": "kgce/t"}],
         "facts": {"has_acid_tail_gas_scrubbing": False, "has_acid_low_heat_recovery": False,
                   "source_age": "existing"}},
        # a modern sulfur-burning plant: double absorption, scrubbing, HRS, −155 kgce/t, SO2 90 mg/m3
        {"id": "S02", "output": {"product": "硫酸", "value": 40, "unit": "万t"},
         "processes": [{"process": "焚硫", "techniques": ["硫磺制酸"], "complete": True},
                       {"process": "转化", "techniques": ["二转二吸", "尾气脱硫", "HRS"], "complete": True}],
         "emissions": [{"pollutant": "SO2", "value": 90, "unit": "mg/m3", "process": "转化", "stage": "emitted"}],
         "indicators": [{"indicator": "吨酸综合能耗", "value": -155, "unit": "kgce/t"}],
         "facts": {"has_acid_tail_gas_scrubbing": True, "has_acid_low_heat_recovery": True,
                   "source_age": "existing"}},
        # an anthraquinone H2O2 plant: fixed-bed palladium, off-gas vented after the condenser at 300 mg/m3 NMHC
        {"id": "H03", "output": {"product": "双氧水", "value": 15, "unit": "万t"},
         "processes": [{"process": "氢化", "techniques": ["固定床"], "complete": True},
                       {"process": "氧化塔", "techniques": ["氧化尾气冷凝排放"], "complete": True}],
         "emissions": [{"pollutant": "非甲烷总烃", "value": 300, "unit": "mg/m3", "process": "氧化", "stage": "emitted"}],
         "facts": {"h2o2_offgas_recovered": False, "source_age": "existing"}},
        # a sulfuric acid alkylation unit that neutralises its spent acid, and an HF unit
        {"id": "A04", "output": {"product": "烷基化油", "value": 20, "unit": "万t"},
         "processes": [{"process": "烷基化", "techniques": ["硫酸烷基化"], "complete": True}],
         "facts": {"alkylation_spent_acid_route": "中和处理", "source_age": "existing"}},
        {"id": "A05", "output": {"product": "烷基化油", "value": 10, "unit": "万t"},
         "processes": [{"process": "烷基化装置", "techniques": ["HF烷基化"], "complete": True}],
         "facts": {"source_age": "existing"}},
        # a dilute nitric acid plant scrubbing its tail gas with soda only, NOx 450 mg/m3 against 300, and 45 kgce/t
        # against the GB 29141-2024 grade-3 limit of 30
        {"id": "N06", "output": {"product": "稀硝酸", "value": 15, "unit": "万t"},
         "processes": [{"process": "硝酸装置", "techniques": ["碱吸收尾气"], "complete": True}],
         "emissions": [{"pollutant": "NOx", "value": 450, "unit": "mg/m3", "process": "硝酸装置", "stage": "emitted"}],
         "indicators": [{"indicator": "吨稀硝酸综合能耗", "value": 45, "unit": "kgce/t"}],
         "facts": {"source_age": "existing"}},
    ],
}


@pytest.fixture(scope="module")
def basic_result():
    # each problem sits in one of five enterprises: a low prevalence threshold makes every finding a key issue
    return diagnose(read(BASIC_SURVEY), real_store(), {"key_issue_min_enterprises": 1, "key_issue_prevalence": 0.1})


def test_a_basic_chemicals_survey_finds_what_an_auditor_would(basic_result):
    found = findings(basic_result)
    expect = {
        "acid-tail-gas-emissions": {"S01"}, "acid-heat-not-recovered": {"S01"},
        "h2o2-oxidation-offgas": {"H03"}, "h2o2-hydrogenation-losses": {"H03"},
        "alkylation-spent-acid": {"A04"}, "hf-alkylation-hazard": {"A05"}, "nitric-tail-gas-nox": {"N06"},
    }
    for problem, enterprises in expect.items():
        assert enterprises <= found.get(PCI + "problem/" + problem, set()), problem
    # the modern acid plant is compliant and recovers its heat
    for problem in ("acid-tail-gas-emissions", "acid-heat-not-recovered"):
        assert "S02" not in found.get(PCI + "problem/" + problem, set()), problem
    assert "A04" not in found.get(PCI + "problem/hf-alkylation-hazard", set())
    # S01 misses the GB 29141-2024 grade-3 limit (−80 against −110 kgce/t); S02 (−155) meets it
    evidence = [f for i in basic_result["key_issues"] + basic_result["other_findings"]
                if i["problem"] == PCI + "problem/acid-heat-not-recovered" for f in i["evidence"]]
    energy = {f["enterprise"] for f in evidence if f["rule"] == PCI + "rule/acid-energy-above-gb29141"}
    assert energy == {"S01"}
    # the nitric acid plant misses both the NOx limit and the energy norm (the energy norm through compliance)
    nitric = {f["rule"] for i in basic_result["key_issues"] + basic_result["other_findings"]
              if i["problem"] == PCI + "problem/nitric-tail-gas-nox" for f in i["evidence"] if f["enterprise"] == "N06"}
    assert {PCI + "rule/nitric-nox-limit-violated", PCI + "rule/nitric-tail-gas-alkali-only"} <= nitric
    energy_sets = {c["requirement"]: c for c in basic_result["compliance"]["sets"]}
    nitric_energy = energy_sets[PCI + "requirement/gb29141-nitric-energy"]["checks"]
    assert [(c["enterprise"], c["exceeded"]) for c in nitric_energy] == [("N06", True)]
    # a negative limit (acid plants export energy) has no "times the limit": −80 against −110 is exceeded, not 0.73×
    acid_energy = [c for s in energy_sets.values() for c in s["checks"] if c["enterprise"] == "S01"
                   and c.get("measured") == -80]
    assert acid_energy and all(c["exceeded"] and c["ratio"] is None for c in acid_energy)


def test_the_basic_chemicals_recommendations_answer_the_findings(basic_result):
    recs = {r["measure"] for r in basic_result["recommendations"]}
    for measure in ("convert-to-double-absorption", "install-acid-low-heat-recovery", "recover-h2o2-offgas-aromatics",
                    "convert-to-fluidized-bed-hydrogenation", "regenerate-alkylation-spent-acid",
                    "replace-hf-alkylation", "add-nitric-tail-gas-scr"):
        assert PCI + "measure/" + measure in recs, measure


def test_soda_ash_and_methanol_energy_norms_are_requirements():
    limits = _limits_by_key(PC)
    assert limits[("gb29140-soda-energy", "ammonia-soda-light")] == 370.0
    assert limits[("gb29140-soda-energy", "combined-soda-dense")] == 250.0
    assert limits[("gb29140-soda-energy", "combined-soda-dense-solar")] == 295.0   # 250 × 1.18 for solar salt
    assert limits[("gb29436-methanol-energy", "methanol-bituminous")] == 1800.0
    assert limits[("gb29436-methanol-energy", "methanol-natural-gas")] == 1380.0


SODA_METHANOL_SURVEY = {
    "cpkb_survey": 1,
    "scope": {"title": "某化工园区纯碱和甲醇审核（测试）", "sector": "石化化工", "pilot_type": "park", "year": 2026},
    "enterprises": [
        # an ammonia-soda plant settling its distiller waste in ponds, light ash at 390 kgce/t against 370
        {"id": "D01", "output": {"product": "纯碱", "value": 60, "unit": "万t"},
         "processes": [{"process": "碳化", "techniques": ["氨碱法"], "complete": True},
                       {"process": "蒸氨", "techniques": ["排渣场"], "complete": True}],
         "indicators": [{"indicator": "纯碱单位产品综合能耗", "value": 390, "unit": "kgce/t"}],
         "facts": {"soda_ash_form": "轻灰", "distiller_waste_route": "排渣场", "source_age": "existing"}},
        # a combined-process plant on refined salt, dense ash at 230 kgce/t against 250: no energy finding
        {"id": "D02", "output": {"product": "纯碱", "value": 30, "unit": "万t"},
         "processes": [{"process": "碳化", "techniques": ["联碱法"], "complete": True},
                       {"process": "氯化铵结晶", "complete": True}],
         "indicators": [{"indicator": "纯碱单位产品综合能耗", "value": 230, "unit": "kgce/t"}],
         "facts": {"soda_ash_form": "重灰", "combined_soda_salt": "精制盐", "source_age": "existing"}},
        # a coal-water-slurry methanol plant burning its purge gas, bottoms to the effluent plant, 1900 against 1800
        {"id": "M03", "output": {"product": "甲醇", "value": 30, "unit": "万t"},
         "processes": [{"process": "甲醇造气", "techniques": ["水煤浆气化"], "complete": True},
                       {"process": "甲醇合成", "techniques": ["弛放气燃烧"], "complete": True}],
         "indicators": [{"indicator": "吨甲醇综合能耗", "value": 1900, "unit": "kgce/t"}],
         "facts": {"methanol_feedstock": "烟煤", "methanol_bottoms_route": "污水站", "source_age": "existing"}},
        # a coke-oven-gas methanol plant with membrane hydrogen recovery, 1450 against 1500: no finding on either
        {"id": "M04", "output": {"product": "甲醇", "value": 20, "unit": "万t"},
         "processes": [{"process": "焦炉气转化", "techniques": ["焦炉煤气制甲醇"], "complete": True},
                       {"process": "甲醇合成", "techniques": ["弛放气提氢"], "complete": True}],
         "indicators": [{"indicator": "吨甲醇综合能耗", "value": 1450, "unit": "kgce/t"}],
         "facts": {"methanol_feedstock": "焦炉煤气", "methanol_purge_gas_use": "提氢", "source_age": "existing"}},
    ],
}


@pytest.fixture(scope="module")
def soda_methanol_result():
    return diagnose(read(SODA_METHANOL_SURVEY), real_store(),
                    {"key_issue_min_enterprises": 1, "key_issue_prevalence": 0.1})


def test_a_soda_ash_and_methanol_survey_finds_what_an_auditor_would(soda_methanol_result):
    found = findings(soda_methanol_result)
    expect = {"distiller-waste-discharged": {"D01"}, "soda-energy-above-limit": {"D01"},
              "methanol-purge-gas-burnt": {"M03"}, "methanol-bottoms-to-wastewater": {"M03"},
              "methanol-energy-above-limit": {"M03"}}
    for problem, enterprises in expect.items():
        assert found.get(PCI + "problem/" + problem, set()) == enterprises, problem
    recs = {r["measure"] for r in soda_methanol_result["recommendations"]}
    for measure in ("recover-distiller-waste", "recover-methanol-purge-hydrogen", "recycle-methanol-still-bottoms"):
        assert PCI + "measure/" + measure in recs, measure
