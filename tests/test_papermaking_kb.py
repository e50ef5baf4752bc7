"""Pulp and papermaking (造纸): the sector's figures counted through SPARQL, and a small survey diagnosed end to end."""

from __future__ import annotations

import pytest

from cpkb.diagnostics.engine import diagnose

from diagnose_support import read, real_store
from sector_kb_support import (assert_sector_minimums, count, findings, loose_problems, max_limits, measured_indicators,
                               obsolete_labels, obsolete_with_basis, process_orders, rules_with_condition,
                               unsourced_or_unlabelled)

PP = "<https://w3id.org/cpkb/id/papermaking>"
PPI = "https://w3id.org/cpkb/id/papermaking/"


def test_papermaking_meets_the_sector_minimums():
    assert_sector_minimums(PP)


def test_processes_are_in_production_order_and_every_route_is_modelled():
    orders = process_orders(PP)
    assert len(orders) == len(set(orders)) >= 10
    keys = {str(r["k"]) for r in real_store().select(
        f"SELECT ?k WHERE {{ ?p a cpkb:Process ; cpkb:sector {PP} ; cpkb:key ?k }}").rows}
    # wood/bamboo and straw chemical pulp, recovered paper with and without deinking, paper and tissue machines
    assert {"wood-chipping", "straw-preparation", "cooking", "chemical-recovery", "recovered-paper-pulping",
            "deinking", "paper-machine", "tissue-machine", "white-water-recovery", "effluent-treatment"} <= keys


def test_every_technique_has_a_status_and_the_eliminated_ones_are_there():
    assert count(f"?x a cpkb:Technique ; cpkb:sector {PP} FILTER NOT EXISTS {{ ?x cpkb:status ?s }}") == 0
    assert {"石灰法地池制浆", "年产5.1万吨以下化学木浆生产线", "单条年产3.4万吨以下非木浆生产线",
            "窄幅低速纸板机"} <= obsolete_labels(PP)
    assert count(f"?x a cpkb:Technique ; cpkb:sector {PP} ; cpkb:status cpkb:StatusAdvanced") >= 10
    assert obsolete_with_basis(PP) >= 6


def test_every_problem_is_tied_to_processes_and_to_what_it_worsens_and_has_a_rule_and_a_measure():
    assert loose_problems(PP) == []


def test_indicators_carry_units_and_directions():
    assert measured_indicators(PP) >= 10


def test_every_sector_entry_is_sourced_and_labelled_in_both_languages():
    assert unsourced_or_unlabelled(PP) == []


def test_gb3544_table2_columns_are_requirements():
    limits = max_limits(PP)
    assert limits[("gb3544-table2-pulp", "cod")] == 100.0
    assert limits[("gb3544-table2-integrated", "cod")] == 90.0
    assert limits[("gb3544-table2-paper", "cod")] == 80.0
    assert limits[("gb3544-table2-pulp", "nh3-n")] == 12.0
    assert limits[("gb3544-table2-integrated", "tn")] == 12.0
    assert all(limits[(s, "tp")] == pytest.approx(0.8) for s in
               ("gb3544-table2-pulp", "gb3544-table2-integrated", "gb3544-table2-paper"))
    assert limits[("gb3544-table2-pulp", "aox")] == 12.0
    assert rules_with_condition(PP, "ViolatesCondition") >= 4


def test_generation_factors_and_context_rules_exist():
    assert count(f"?x a cpkb:GenerationFactor ; cpkb:sector {PP}") >= 2
    assert rules_with_condition(PP, "ContextCondition") >= 2


SURVEY = {
    "cpkb_survey": 1,
    "scope": {"title": "某县造纸行业整体审核（测试）", "sector": "造纸", "pilot_type": "basin", "basin": "长江"},
    "enterprises": [
        # a small straw-pulp mill: sphere digesters, no recovery, hypochlorite bleaching, urea dosed, COD over the limit
        {"id": "P01", "output": {"product": "纸及纸板", "value": 30000, "unit": "t"},
         "processes": [{"process": "蒸煮", "techniques": ["蒸球"], "complete": True},
                       {"process": "洗浆", "techniques": ["真空洗浆机"], "complete": True},
                       {"process": "漂白", "techniques": ["次氯酸钠漂白"], "complete": True},
                       {"process": "抄纸", "techniques": ["水环真空泵"], "complete": True},
                       {"process": "废水处理", "techniques": ["好氧活性污泥法"], "complete": True}],
         "emissions": [{"pollutant": "COD", "value": 160, "unit": "mg/L", "stage": "emitted"}],
         "facts": {"fibre_source": "straw", "has_chemical_recovery": False, "pulp_line_capacity": 25000,
                   "nutrient_dosing": "urea", "nutrient_dosing_controlled": False, "source_age": "existing"}},
        # a recovered-paper board mill: good effluent, flared biogas, landfilled rejects, 50 m3/t drained against a benchmark of 40
        {"id": "P02", "output": {"product": "箱纸板和瓦楞原纸", "value": 200000, "unit": "t"},
         "processes": [{"process": "废纸碎浆", "techniques": ["水力碎浆机"], "complete": True},
                       {"process": "抄纸", "techniques": ["多盘过滤机白水回收"], "complete": True},
                       {"process": "废水处理", "techniques": ["IC反应器", "好氧活性污泥法"], "complete": True}],
         "emissions": [{"pollutant": "COD", "value": 60, "unit": "mg/L", "stage": "emitted"}],
         "facts": {"biogas_use": "flared", "sludge_disposal": "landfill", "annual_wastewater": 10000000,
                   "source_age": "existing"}},
    ],
}


@pytest.fixture(scope="module")
def result():
    return diagnose(read(SURVEY), real_store(), {"key_issue_min_enterprises": 1})


def test_a_small_paper_survey_finds_what_an_auditor_would(result):
    found = findings(result)
    expect = {
        "black-liquor-not-recovered": {"P01"}, "eliminated-capacity-in-use": {"P01"},
        "chlorine-bleaching-aox": {"P01"}, "batch-cooking-losses": {"P01"}, "low-washing-efficiency": {"P01"},
        "nutrient-overdosing": {"P01"}, "discharge-limit-exceeded": {"P01"},
        "biogas-not-used": {"P02"}, "sludge-rejects-landfilled": {"P02"}, "drainage-above-benchmark": {"P02"},
    }
    for problem, enterprises in expect.items():
        assert enterprises <= found.get(PPI + "problem/" + problem, set()), problem
    # COD 60 mg/L meets the integrated-mill limit of 90; P02 has a save-all and an anaerobic stage
    assert "P02" not in found.get(PPI + "problem/discharge-limit-exceeded", set())
    assert "P02" not in found.get(PPI + "problem/white-water-loss", set())


def test_the_recommendations_answer_the_findings(result):
    recs = {r["measure"] for r in result["recommendations"]}
    for measure in ("install-chemical-recovery", "convert-to-ecf-bleaching", "control-nutrient-dosing",
                    "use-biogas-as-fuel", "incinerate-sludge-for-energy"):
        assert PPI + "measure/" + measure in recs, measure


def _pulp_mill(ident: str, energy: float, paper: bool = False) -> dict:
    processes = [{"process": "蒸煮", "techniques": ["连续蒸煮"], "complete": True},
                 {"process": "碱回收", "techniques": ["碱回收炉"], "complete": True}]
    if paper:
        processes.append({"process": "抄纸", "techniques": ["多盘过滤机"], "complete": True})
    return {"id": ident, "output": {"product": "纸浆", "value": 5.2, "unit": "万Adt"},
            "materials": [{"material": "竹片", "value": 12, "unit": "万t"}], "processes": processes,
            "indicators": [{"indicator": "单位产品综合能耗", "value": energy, "unit": "kgce/Adt"}],
            "facts": {"source_age": "existing"}}


def test_gb31825_limits_market_pulp_only():
    """GB 31825-2015's market-pulp limit (unbleached chemical pulp 340 kgce/Adt) binds a mill that makes pulp only;
    an integrated mill is not judged on it, since its survey mixes pulp and paper energy; data of 2026 are not judged
    against it (GB 31825-2024 applies from 1 May 2025)."""
    survey = {"cpkb_survey": 1, "scope": {"title": "能耗限额（测试）", "sector": "造纸", "pilot_type": "sector",
                                          "year": 2024},
              "enterprises": [_pulp_mill("Q1", 380), _pulp_mill("Q2", 300), _pulp_mill("Q3", 380, paper=True)]}
    found = findings(diagnose(read(survey), real_store(), {"key_issue_min_enterprises": 1}))
    assert found.get(PPI + "problem/energy-above-limit", set()) == {"Q1"}
    later = {**survey, "scope": {**survey["scope"], "year": 2026}}
    found = findings(diagnose(read(later), real_store(), {"key_issue_min_enterprises": 1}))
    assert not found.get(PPI + "problem/energy-above-limit")


def test_measures_carry_sourced_economics():
    """Investment, running cost, savings or payback for the MACC and the budget portfolio, each sourced."""
    econ = ("{ ?x cpkb:investment [] } UNION { ?x cpkb:minPaybackYears [] } UNION { ?x cpkb:hasSaving [] } "
            "UNION { ?x cpkb:opexChange [] }")
    assert count(f"?x a cpkb:Measure ; cpkb:sector {PP} . {econ}") >= 18
    assert count(f"?m a cpkb:Measure ; cpkb:sector {PP} ; (cpkb:investment|cpkb:opexChange|cpkb:hasSaving) ?x "
                 "FILTER NOT EXISTS { ?x dcterms:source [] }") == 0
    # about 90 t of alkali a day recovered over 340 days (Xinya Paper, 2005)
    row = real_store().select(f"SELECT ?v WHERE {{ <{PPI}measure/install-chemical-recovery> cpkb:hasSaving/cpkb:maxValue ?v }}").rows[0]
    assert float(row["v"]) == 30600
    # one Brazilian mill's UASB biogas replaces 234 t of fuel oil a year, about 334 tce
    row = real_store().select(f"SELECT ?v WHERE {{ <{PPI}measure/use-biogas-as-fuel> cpkb:hasSaving/cpkb:maxValue ?v }}").rows[0]
    assert float(row["v"]) == 334
