"""Packaging printing (包装印刷): the sector's figures counted through SPARQL, and a small survey diagnosed end to end."""

from __future__ import annotations

import pytest

from cpkb.diagnostics.engine import diagnose

from diagnose_support import read, real_store
from sector_kb_support import (assert_sector_minimums, count, findings, loose_problems, max_limits, measured_indicators,
                               obsolete_labels, obsolete_with_basis, process_orders, rules_with_condition,
                               unsourced_or_unlabelled)

PK = "<https://w3id.org/cpkb/id/packaging-printing>"
PKI = "https://w3id.org/cpkb/id/packaging-printing/"


def test_packaging_printing_meets_the_sector_minimums():
    assert_sector_minimums(PK)


def test_processes_are_in_production_order_and_every_route_is_modelled():
    orders = process_orders(PK)
    assert len(orders) == len(set(orders)) >= 10
    keys = {str(r["k"]) for r in real_store().select(
        f"SELECT ?k WHERE {{ ?p a cpkb:Process ; cpkb:sector {PK} ; cpkb:key ?k }}").rows}
    # gravure, flexo, offset and metal decorating, lamination, cleaning, capture, recovery and treatment
    assert {"ink-storage-mixing", "plate-making", "gravure-printing", "flexo-printing", "offset-printing",
            "metal-decorating", "print-drying", "lamination", "press-cleaning", "solvent-recovery",
            "vocs-treatment"} <= keys


def test_every_technique_has_a_status_and_the_rejected_treatments_are_obsolete():
    assert count(f"?x a cpkb:Technique ; cpkb:sector {PK} FILTER NOT EXISTS {{ ?x cpkb:status ?s }}") == 0
    assert {"UV光解（光氧化）", "光催化氧化", "低温等离子", "单一活性炭吸附且不更换", "单一水喷淋吸收"} <= obsolete_labels(PK)
    assert obsolete_with_basis(PK) >= 5
    assert count(f"?x a cpkb:Technique ; cpkb:sector {PK} ; cpkb:status cpkb:StatusAdvanced") >= 10


def test_every_problem_is_tied_to_processes_and_to_what_it_worsens_and_has_a_rule_and_a_measure():
    assert loose_problems(PK) == []


def test_indicators_carry_units_and_directions():
    assert measured_indicators(PK) >= 10


def test_every_sector_entry_is_sourced_and_labelled_in_both_languages():
    assert unsourced_or_unlabelled(PK) == []


def test_limits_of_the_standards_are_requirements():
    limits = max_limits(PK)
    assert limits[("gb41616-table1", "nmhc")] == 50.0
    assert limits[("gb16297-table2-printing", "nmhc")] == 120.0
    assert limits[("db44-815-gravure-period2", "benzene")] == 1.0
    rows = real_store().select(f"""SELECT ?set ?v WHERE {{ ?r a cpkb:RequirementSet ; cpkb:sector {PK} ;
        cpkb:key ?set ; cpkb:hasLimit ?l . ?l cpkb:maxValue ?v }}""").rows
    values = {(str(r["set"]), float(r["v"])) for r in rows}
    # GB 38507-2020 Table 1: solvent gravure ink ≤ 75 %, water-based gravure ink on film ≤ 30 %
    assert {("gb38507-table1-gravure", 75.0), ("gb38507-table1-gravure", 30.0)} <= values
    # GB 37822-2019 Annex A: 10 mg/m3, 6 mg/m3 in special-limit areas
    assert {("gb37822-inplant", 10.0), ("gb37822-inplant-special", 6.0)} <= values
    assert rules_with_condition(PK, "ViolatesCondition") >= 4


def test_derived_quantities_and_context_rules_exist():
    keys = {str(r["k"]) for r in real_store().select(
        f"SELECT ?k WHERE {{ ?d a cpkb:DerivedQuantity ; cpkb:sector {PK} ; cpkb:key ?k }}").rows}
    assert {"vocs-generated-balance", "vocs-emitted-balance", "solvent-recovery-rate-calc",
            "removal-by-rates"} <= keys
    assert rules_with_condition(PK, "ContextCondition") >= 2
    assert rules_with_condition(PK, "QuantityCondition") >= 1


SURVEY = {
    "cpkb_survey": 1,
    "scope": {"title": "某县包装印刷行业整体审核（测试）", "sector": "包装印刷", "pilot_type": "sector",
              "region": "长三角", "year": 2025},
    "enterprises": [
        # a small film gravure shop: toluene thinner, UV photolysis, open ink mixing, hand wiping, hoods, dry lamination
        {"id": "B01", "output": {"product": "软包装", "value": 1500, "unit": "t"},
         "processes": [{"process": "调墨", "techniques": ["敞开式调墨"], "complete": True},
                       {"process": "凹印", "techniques": ["溶剂型油墨", "甲苯稀释剂"], "complete": True},
                       {"process": "烘干", "techniques": ["直排烘箱"], "complete": True},
                       {"process": "干式复合", "techniques": ["干复"], "complete": True},
                       {"process": "洗车", "techniques": ["洗车水"], "complete": True},
                       {"process": "集气", "techniques": ["集气罩"], "complete": True},
                       {"process": "废气处理", "techniques": ["UV光解"], "complete": True}],
         "facts": {"containers_lidded": False}},
        # an offset carton printer: alcohol dampening, film platemaking, carbon never changed, no waste ledger
        {"id": "B02", "output": {"product": "纸盒", "value": 3000, "unit": "t"},
         "processes": [{"process": "制版", "techniques": ["胶片晒版"], "complete": True},
                       {"process": "胶印", "techniques": ["酒精润版"], "complete": True},
                       {"process": "清洗", "techniques": ["自动洗车"], "complete": True},
                       {"process": "废气治理", "techniques": ["活性炭吸附"], "complete": True}],
         "facts": {"carbon_replaced_on_schedule": False, "has_hazardous_waste_ledger": False}},
        # a large laminator: rotor + RTO at 70 % on a 5 kg/h inlet, 800 t/a solvent, no recovery, 12 mg/m3 in the yard
        {"id": "B03", "output": {"product": "软包装", "value": 20000, "unit": "t"},
         "processes": [{"process": "油墨调配", "techniques": ["集中供墨"], "complete": True},
                       {"process": "凹版印刷", "techniques": ["溶剂型凹印油墨", "水性油墨"], "complete": True},
                       {"process": "复合", "techniques": ["无溶剂复合", "溶剂型干式复合"], "complete": True},
                       {"process": "废气收集", "techniques": ["密闭车间"], "complete": True},
                       {"process": "有机废气治理", "techniques": ["沸石转轮+RTO"], "complete": True}],
         "emissions": [{"pollutant": "非甲烷总烃", "value": 40, "unit": "mg/m3", "process": "排气筒"}],
         "facts": {"vocs_initial_rate": 5, "vocs_outlet_rate": 1.5, "annual_vocs_input": 800,
                   "inplant_nmhc_1h": 12, "source_age": "new"}},
        # a new gravure plant: NMHC 65 mg/m3 at the stack, an 80 % VOC ink, an open bypass, no VOC ledger
        {"id": "B04", "output": {"product": "软包装", "value": 6000, "unit": "t"},
         "processes": [{"process": "凹印", "techniques": ["溶剂型油墨", "水性油墨"], "complete": True},
                       {"process": "废气处理", "techniques": ["RTO"], "complete": True}],
         "emissions": [{"pollutant": "非甲烷总烃", "value": 65, "unit": "mg/m3", "process": "排气筒"}],
         "facts": {"source_age": "new", "solvent_ink_voc_content": 80, "treatment_bypass_open": True,
                   "has_vocs_ledger": False}},
        # a clean corrugated-box flexo printer on water-based ink with CTP plates
        {"id": "B05", "output": {"product": "纸箱", "value": 20000, "unit": "t"},
         "processes": [{"process": "制版", "techniques": ["CTP"], "complete": True},
                       {"process": "柔印", "techniques": ["水性油墨"], "complete": True},
                       {"process": "清洗", "techniques": ["水基清洗剂"], "complete": True}],
         "facts": {"containers_lidded": True, "has_vocs_ledger": True}},
        # a gravure shop with no treatment at all
        {"id": "B06", "output": {"product": "软包装", "value": 800, "unit": "t"},
         "processes": [{"process": "凹印", "techniques": ["溶剂型油墨"], "complete": True},
                       {"process": "有机废气治理", "techniques": [], "complete": True}]},
    ],
}


@pytest.fixture(scope="module")
def result():
    return diagnose(read(SURVEY), real_store(), {"key_issue_min_enterprises": 1})


def test_a_small_printing_survey_finds_what_an_auditor_would(result):
    found = findings(result)
    expect = {
        "ineffective-vocs-treatment": {"B01"}, "fugitive-ink-storage": {"B01"}, "high-voc-inks": {"B01", "B06"},
        "aromatic-solvents-used": {"B01"}, "solvent-manual-cleaning": {"B01"}, "dilute-dryer-exhaust": {"B01"},
        "solvent-lamination-vocs": {"B01"}, "poor-capture-fugitive": {"B01"},
        "alcohol-dampening": {"B02"}, "conventional-platemaking-waste": {"B02"}, "carbon-saturated": {"B02"},
        "solvent-waste-mismanaged": {"B02"},
        "removal-below-80": {"B03"}, "inplant-nmhc-exceeded": {"B03"}, "solvent-not-recovered": {"B03"},
        "stack-limit-exceeded": {"B04"}, "ink-voc-over-limit": {"B04"}, "treatment-bypass": {"B04"},
        "no-solvent-balance": {"B04"}, "vocs-untreated": {"B06"},
    }
    for problem, enterprises in expect.items():
        assert enterprises <= found.get(PKI + "problem/" + problem, set()), problem
    # the water-based flexo plant is clean of the VOCs findings
    for problem in ("ineffective-vocs-treatment", "high-voc-inks", "vocs-untreated", "solvent-manual-cleaning",
                    "conventional-platemaking-waste", "fugitive-ink-storage"):
        assert "B05" not in found.get(PKI + "problem/" + problem, set()), problem
    # NMHC 40 mg/m3 meets the 50 mg/m3 of GB 41616; an RTO is not a low-efficiency treatment; B03 laminates solventless
    assert "B03" not in found.get(PKI + "problem/stack-limit-exceeded", set())
    assert "B03" not in found.get(PKI + "problem/ineffective-vocs-treatment", set())
    assert "B03" not in found.get(PKI + "problem/solvent-lamination-vocs", set())
    assert "B03" not in found.get(PKI + "problem/high-voc-inks", set())


def test_the_recommendations_answer_the_findings_and_never_propose_an_obsolete_technique(result):
    recs = {r["measure"] for r in result["recommendations"]}
    recs |= {m if isinstance(m, str) else m["measure"] for f in result["other_findings"] for m in f.get("measures", [])}
    for measure in ("install-rotor-catalytic", "carbon-change-schedule", "alcohol-free-dampening", "adopt-ctp",
                    "convert-to-solventless-lamination", "switch-to-water-based-ink", "seal-bypass-and-monitor",
                    "specify-compliant-inks", "install-adsorption-recovery", "replace-aromatic-solvents"):
        assert PKI + "measure/" + measure in recs, measure
    obsolete = {str(r["t"]) for r in real_store().select(
        f"SELECT ?t WHERE {{ ?t a cpkb:Technique ; cpkb:sector {PK} ; cpkb:status cpkb:StatusObsolete }}").rows}
    introduced = {str(r["t"]) for r in real_store().select(
        f"SELECT ?m ?t WHERE {{ ?m a cpkb:Measure ; cpkb:sector {PK} ; cpkb:introduces ?t }}").rows
        if str(r["m"]) in recs}
    assert not obsolete & introduced


def test_measures_carry_sourced_economics():
    """Investment, running cost, savings or payback for the MACC and the budget portfolio, each sourced."""
    econ = ("{ ?x cpkb:investment [] } UNION { ?x cpkb:minPaybackYears [] } UNION { ?x cpkb:hasSaving [] } "
            "UNION { ?x cpkb:opexChange [] }")
    assert count(f"?x a cpkb:Measure ; cpkb:sector {PK} . {econ}") >= 7
    assert count(f"?m a cpkb:Measure ; cpkb:sector {PK} ; (cpkb:investment|cpkb:opexChange|cpkb:hasSaving) ?x "
                 "FILTER NOT EXISTS { ?x dcterms:source [] }") == 0
    # low end: one flexo printer's still paid back in 5 months (EPA PPIC, Rexham); high end: two small solvent
    # recyclers, A$2 700 for 40 L a week (our division)
    rows = real_store().select(f"SELECT ?lo ?hi WHERE {{ <{PKI}measure/spent-wash-distillation> "
                               "cpkb:minPaybackYears ?lo ; cpkb:maxPaybackYears ?hi }").rows
    assert (float(rows[0]["lo"]), float(rows[0]["hi"])) == (0.42, 0.65)
