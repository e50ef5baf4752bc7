"""Agri-food processing (农副食品加工): the sector's figures counted through SPARQL, and a small survey of starch,
slaughter, sugar and dairy plants diagnosed end to end."""

from __future__ import annotations

import pytest

from cpkb.diagnostics.engine import diagnose

from diagnose_support import read, real_store
from sector_kb_support import (assert_sector_minimums, count, findings, loose_problems, max_limits, measured_indicators,
                               obsolete_labels, obsolete_with_basis, process_orders, rules_with_condition,
                               unsourced_or_unlabelled)

AF = "<https://w3id.org/cpkb/id/agri-food>"
AFI = "https://w3id.org/cpkb/id/agri-food/"


def test_agri_food_meets_the_sector_minimums():
    assert_sector_minimums(AF)


def test_processes_are_in_production_order_and_every_route_is_modelled():
    orders = process_orders(AF)
    assert len(orders) == len(set(orders)) >= 10
    keys = {str(r["k"]) for r in real_store().select(
        f"SELECT ?k WHERE {{ ?p a cpkb:Process ; cpkb:sector {AF} ; cpkb:key ?k }}").rows}
    # corn wet milling, slaughtering and meat, cane and beet sugar, dairy, and the shared end-of-pipe
    assert {"steeping", "germ-separation", "starch-washing", "steep-water-evaporation",
            "stunning-bleeding", "scalding-dehairing", "evisceration", "by-product-rendering",
            "juice-extraction", "juice-clarification", "crystallisation",
            "milk-reception", "heat-treatment", "milk-evaporation-drying", "cip-cleaning",
            "mashing-lautering", "wort-boiling", "fermentation-maturation", "beer-packaging",
            "effluent-treatment"} <= keys


def test_every_technique_has_a_status_and_the_eliminated_ones_are_there():
    assert count(f"?x a cpkb:Technique ; cpkb:sector {AF} FILTER NOT EXISTS {{ ?x cpkb:status ?s }}") == 0
    assert {"猪、牛、羊、禽手工屠宰工艺", "桥式劈半锯、敞式生猪烫毛机等生猪屠宰设备",
            "日处理原料乳能力（两班）20吨以下浓缩、喷雾干燥等设施"} <= obsolete_labels(AF)
    assert count(f"?x a cpkb:Technique ; cpkb:sector {AF} ; cpkb:status cpkb:StatusAdvanced") >= 10
    assert count(f"?x a cpkb:Technique ; cpkb:sector {AF} ; cpkb:status cpkb:StatusRestricted") >= 2
    assert obsolete_with_basis(AF) >= 5


def test_every_problem_is_tied_to_processes_and_to_what_it_worsens_and_has_a_rule_and_a_measure():
    assert loose_problems(AF) == []


def test_indicators_carry_units_and_directions():
    assert measured_indicators(AF) >= 10


def test_every_sector_entry_is_sourced_and_labelled_in_both_languages():
    assert unsourced_or_unlabelled(AF) == []


def test_discharge_standards_are_requirements():
    limits = max_limits(AF)
    # GB 13457-92 grade 3 (to a sewer with a municipal plant), per category
    assert limits[("gb13457-grade3-livestock", "cod")] == 500.0
    assert limits[("gb13457-grade3-livestock", "animal-vegetable-oil")] == 60.0
    assert limits[("gb13457-grade3-poultry", "bod5")] == 250.0
    assert limits[("gb13457-grade3-meat-products", "ss")] == 350.0
    # the starch and sugar tables: direct, indirect and special limits, with NH3-N and TP for the basins
    assert limits[("gb25461-table2-direct", "cod")] == 100.0
    assert limits[("gb25461-table2-indirect", "cod")] == 300.0
    assert limits[("gb25461-table3-special", "tp")] == pytest.approx(0.5)
    assert limits[("gb25461-table2-direct", "nh3-n")] < limits[("gb25461-table2-indirect", "nh3-n")]
    assert limits[("gb21909-table2", "tp")] == pytest.approx(0.5)
    assert limits[("gb21909-table3-special", "cod")] < limits[("gb21909-table2", "cod")]
    assert rules_with_condition(AF, "ViolatesCondition") >= 4


def test_generation_factors_are_sourced_estimates_with_their_conditions():
    # first-census sheep-slaughter factors: generated and emitted, by scale and treatment
    assert count(f"?x a cpkb:GenerationFactor ; cpkb:sector {AF}") >= 20
    rows = real_store().select(f"""SELECT ?k ?v WHERE {{ ?x a cpkb:GenerationFactor ; cpkb:sector {AF} ; cpkb:key ?k ;
        cpkb:factorValue ?v }}""").rows
    values = {str(r["k"]): float(r["v"]) for r in rows}
    assert values["cod-sheep-large-generated"] == 495.0
    assert values["cod-sheep-large-emitted-biological"] == 22.0
    assert values["nh3-n-sheep-small-generated"] == 22.0


def test_rules_of_every_kind_exist():
    for kind, least in (("TechniqueInUse", 5), ("TechniqueAbsent", 5), ("IndicatorThreshold", 2),
                        ("QuantityCondition", 2), ("FactCondition", 8), ("ContextCondition", 1)):
        assert rules_with_condition(AF, kind) >= least, kind


SURVEY = {
    "cpkb_survey": 1,
    "scope": {"title": "某县农副食品加工行业整体审核（测试）", "sector": "农副食品加工", "pilot_type": "basin",
              "basin": "长江", "year": 2024},
    "enterprises": [
        # a small corn wet mill: steep water to the treatment plant, process water used once, aerobic only,
        # 80 000 t of corn at a 96 % dry-substance yield, COD over the direct-discharge limit
        {"id": "A01", "output": {"product": "玉米淀粉", "value": 50000, "unit": "t"},
         "processes": [{"process": "浸泡", "techniques": ["亚硫酸浸泡", "浸泡水直排"], "complete": True},
                       {"process": "淀粉洗涤", "techniques": ["旋流洗涤", "工艺水直排"], "complete": True},
                       {"process": "污水处理", "techniques": ["曝气池"], "complete": True}],
         "indicators": [{"indicator": "总干物收率", "value": 96, "unit": "%"}],
         "emissions": [{"pollutant": "COD", "value": 160, "unit": "mg/L", "stage": "emitted"}],
         "facts": {"enterprise_subsector": "starch", "corn_processed": 80000, "steep_water_fate": "to-treatment",
                   "discharge_destination": "class-iii-water", "source_age": "existing"}},
        # a pig slaughterhouse: blood to drain, hosed gut contents, scald tank, 8 m3 per tonne live weight, COD 600 to sewer
        {"id": "A02", "output": {"product": "活屠重", "value": 10000, "unit": "t"},
         "processes": [{"process": "放血", "techniques": ["血水混排"], "complete": True},
                       {"process": "烫毛", "techniques": ["烫毛池浸烫"], "complete": True},
                       {"process": "开膛", "techniques": ["水冲粪"], "complete": True},
                       {"process": "污水处理", "techniques": ["隔油", "气浮"], "complete": True}],
         "emissions": [{"pollutant": "COD", "value": 600, "unit": "mg/L", "stage": "emitted"}],
         "facts": {"enterprise_subsector": "livestock-slaughter", "blood_collected": False,
                   "gut_contents_handling": "wet", "annual_wastewater": 80000,
                   "discharge_destination": "municipal-sewer", "source_age": "existing"}},
        # a good pig slaughterhouse: blood collected, steam scalding, dry gut handling, 5 m3/t, COD 300 to sewer
        {"id": "A03", "output": {"product": "活屠重", "value": 20000, "unit": "t"},
         "processes": [{"process": "放血", "techniques": ["集血槽"], "complete": True},
                       {"process": "烫毛", "techniques": ["蒸汽烫毛"], "complete": True},
                       {"process": "开膛", "techniques": ["胃容物干收集"], "complete": True}],
         "emissions": [{"pollutant": "COD", "value": 300, "unit": "mg/L", "stage": "emitted"}],
         "facts": {"enterprise_subsector": "livestock-slaughter", "blood_collected": True,
                   "gut_contents_handling": "dry", "annual_wastewater": 100000,
                   "discharge_destination": "municipal-sewer", "source_age": "existing"}},
        # a cane sugar mill: filter mud dumped, once-through condenser water, no sugar balance; COD 80 meets Table 2
        {"id": "A04", "output": {"product": "白砂糖", "value": 60000, "unit": "t"},
         "processes": [{"process": "压榨", "techniques": [], "complete": False},
                       {"process": "清净", "techniques": ["亚硫酸法"], "complete": True},
                       {"process": "煮糖", "techniques": ["冷凝器水直排"], "complete": True}],
         "emissions": [{"pollutant": "COD", "value": 80, "unit": "mg/L", "stage": "emitted"}],
         "facts": {"enterprise_subsector": "cane-sugar", "filter_mud_fate": "landfill",
                   "has_sugar_loss_accounting": False, "source_age": "existing"}},
        # a small dairy: 15 t of milk a day into a spray dryer, no push-out, manual cleaning, no MVR
        {"id": "A05", "output": {"product": "乳粉", "value": 1500, "unit": "t"},
         "processes": [{"process": "杀菌", "techniques": [], "complete": False},
                       {"process": "浓缩喷雾干燥", "techniques": [], "complete": True},
                       {"process": "CIP清洗", "techniques": ["手工清洗"], "complete": True}],
         "facts": {"enterprise_subsector": "dairy", "raw_milk_per_day": 15, "has_product_recovery": False,
                   "discharge_destination": "municipal-sewer"}},
        # a brewery: kettle vapour vented, CO2 vented, kieselguhr filtration with residues to drain
        {"id": "A06", "output": {"product": "啤酒", "value": 100000, "unit": "kL"},
         "processes": [{"process": "糖化", "techniques": [], "complete": False},
                       {"process": "煮沸", "techniques": [], "complete": True},
                       {"process": "发酵", "techniques": [], "complete": True},
                       {"process": "过滤", "techniques": ["硅藻土过滤"], "complete": True}],
         "facts": {"co2_recovered": False, "brewery_residue_fate": "to-drain"}},
    ],
}


@pytest.fixture(scope="module")
def result():
    return diagnose(read(SURVEY), real_store(), {"key_issue_min_enterprises": 1, "key_issue_prevalence": 0.1})


def test_a_small_agri_food_survey_finds_what_an_auditor_would(result):
    found = findings(result)
    expect = {
        "steep-water-not-recovered": {"A01"}, "process-water-once-through": {"A01"},
        "eliminated-capacity-in-use": {"A01", "A05"}, "discharge-limit-exceeded": {"A01", "A02"},
        "biogas-not-used": {"A01"}, "nutrient-removal-inadequate": {"A01"},
        "blood-not-collected": {"A02"}, "wet-flushing-of-solids": {"A02"}, "slaughter-water-use-high": {"A02"},
        "scalding-losses": {"A02"},
        "sugar-residues-not-used": {"A04"}, "sugar-water-not-recycled": {"A04"}, "sugar-losses-uncontrolled": {"A04"},
        "milk-losses-to-drain": {"A05"}, "cleaning-without-recovery": {"A05"}, "evaporation-drying-energy-high": {"A05"},
        "co2-vented": {"A06"}, "brewery-residues-to-drain": {"A06"}, "wort-boiling-energy-high": {"A06"},
    }
    for problem, enterprises in expect.items():
        assert enterprises <= found.get(AFI + "problem/" + problem, set()), problem
    # A03 collects its blood, steam-scalds, drains 5 m3/t and meets grade 3; A04's COD 80 meets GB 21909 Table 2
    for problem in ("blood-not-collected", "scalding-losses", "slaughter-water-use-high", "discharge-limit-exceeded",
                    "wet-flushing-of-solids"):
        assert "A03" not in found.get(AFI + "problem/" + problem, set()), problem
    assert "A04" not in found.get(AFI + "problem/discharge-limit-exceeded", set())


def test_the_recommendations_answer_the_findings(result):
    recs = {r["measure"] for r in result["recommendations"]}
    for measure in ("evaporate-steep-water", "close-process-water-loop", "install-blood-collection",
                    "dry-clean-lairage-and-guts", "switch-to-steam-scalding", "use-filter-mud-and-molasses",
                    "recycle-condenser-water", "product-push-out", "recovery-cip", "add-nutrient-removal",
                    "retire-eliminated-equipment", "recover-fermentation-co2", "use-brewery-residues-as-feed"):
        assert AFI + "measure/" + measure in recs, measure


def test_measures_carry_sourced_economics():
    """Investment, running cost, savings or payback for the MACC and the budget portfolio, each sourced."""
    econ = ("{ ?x cpkb:investment [] } UNION { ?x cpkb:minPaybackYears [] } UNION { ?x cpkb:hasSaving [] } "
            "UNION { ?x cpkb:opexChange [] }")
    assert count(f"?x a cpkb:Measure ; cpkb:sector {AF} . {econ}") >= 13
    assert count(f"?m a cpkb:Measure ; cpkb:sector {AF} ; (cpkb:investment|cpkb:opexChange|cpkb:hasSaving) ?x "
                 "FILTER NOT EXISTS { ?x dcterms:source [] }") == 0
    # worked examples on the Taiwan calculators: refrigeration compressor 1.1 years, chiller 1.9 years
    row = real_store().select(f"SELECT ?v WHERE {{ <{AFI}measure/refrigeration-upgrade> cpkb:maxPaybackYears ?v }}").rows[0]
    assert float(row["v"]) == 1.9
    # a brewhouse maker's worked example: condensate and flash-steam recovery saves about 576 000 yuan a year
    row = real_store().select(f"SELECT ?v WHERE {{ <{AFI}measure/return-condensate> cpkb:opexChange/cpkb:minValue ?v }}").rows[0]
    assert float(row["v"]) == -57.6


def test_agri_food_links_the_cross_sector_measures_it_needs():
    linked = {r["x"].rsplit("/", 1)[-1] for r in real_store().select(
        f"SELECT ?x WHERE {{ [] a cpkb:MeasureLink ; cpkb:sector {AF} ; cpkb:linksMeasure ?x }}").rows}
    assert len(linked) >= 13
    for shared in ("steam-trap-management", "pipe-and-equipment-insulation", "variable-speed-drives",
                   "water-leak-control", "energy-management-system", "regular-cp-audit"):
        assert shared in linked, shared


SUGAR_MILLS = {
    "cpkb_survey": 1,
    "scope": {"title": "某县制糖企业审核（测试）", "sector": "农副食品加工", "pilot_type": "sector", "year": 2024},
    "enterprises": [
        {"id": "S1", "output": {"product": "甜菜糖", "value": 30000, "unit": "t"}},              # says beet
        {"id": "S2", "output": {"product": "白砂糖", "value": 40000, "unit": "t"},              # only white sugar,
         "processes": [{"process": "渗出", "complete": True}, {"process": "清净", "complete": True},   # but diffuses beet
                       {"process": "煮糖", "complete": True}]},
        {"id": "S3", "output": {"product": "白砂糖", "value": 60000, "unit": "t"},              # mills cane
         "processes": [{"process": "压榨", "complete": True}, {"process": "清净", "complete": True}]},
        {"id": "S4", "output": {"product": "甘蔗糖", "value": 50000, "unit": "t"}},              # says cane
    ],
}


def test_the_cane_sugar_system_grades_cane_mills_only():
    """HJ/T 186 is for cane sugar: a mill that names beet sugar, or writes only 白砂糖 (食糖, broader than 甘蔗糖) and
    diffuses beet, is not graded by it; 白砂糖 with cane milling, or 甘蔗糖, is."""
    result = diagnose(read(SUGAR_MILLS), real_store(), {})
    graded = {e["enterprise"] for e in result["indicator_assessment"]["enterprises"]
              if e["system"].endswith("/cane-sugar-cps")}
    assert graded == {"S3", "S4"}
