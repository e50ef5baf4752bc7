"""Nonferrous metals (有色金属): the sector's figures counted through SPARQL, and a small survey diagnosed end to end."""

from __future__ import annotations

import pytest

from cpkb.diagnostics.engine import diagnose

from diagnose_support import read, real_store
from sector_kb_support import (assert_sector_minimums, count, findings, loose_problems, max_limits, measured_indicators,
                               obsolete_labels, obsolete_with_basis, process_orders, rules_with_condition,
                               unsourced_or_unlabelled)

NF = "<https://w3id.org/cpkb/id/nonferrous>"
NFI = "https://w3id.org/cpkb/id/nonferrous/"


def test_nonferrous_meets_the_sector_minimums():
    assert_sector_minimums(NF)


def test_processes_are_in_production_order_and_every_route_is_modelled():
    orders = process_orders(NF)
    assert len(orders) == len(set(orders)) >= 10
    keys = {str(r["k"]) for r in real_store().select(
        f"SELECT ?k WHERE {{ ?p a cpkb:Process ; cpkb:sector {NF} ; cpkb:key ?k }}").rows}
    # copper (smelting, converting, anode refining, electrorefining), lead, zinc (roast-leach-electrowin), the acid
    # plant they share, alumina (Bayer digestion, red mud) and primary aluminium (anodes, cells, pot gas, SPL)
    assert {"cu-smelting", "cu-converting", "anode-refining", "cu-electrorefining", "acid-plant", "pb-smelting",
            "pb-slag-reduction", "zn-roasting", "zn-leaching", "zn-electrowinning", "bayer-digestion",
            "red-mud-stacking", "calcination", "anode-baking", "al-electrolysis", "pot-gas-treatment",
            "spl-handling"} <= keys


def test_every_technique_has_a_status_and_the_eliminated_ones_are_there():
    assert count(f"?x a cpkb:Technique ; cpkb:sector {NF} FILTER NOT EXISTS {{ ?x cpkb:status ?s }}") == 0
    assert {"鼓风炉、电炉、反射炉炼铜", "烧结—鼓风炉炼铅", "铝自焙电解槽", "100 kA及以下预焙槽",
            "马弗炉、马槽炉、横罐、小竖罐炼锌"} <= obsolete_labels(NF)
    assert count(f"?x a cpkb:Technique ; cpkb:sector {NF} ; cpkb:status cpkb:StatusAdvanced") >= 10
    assert obsolete_with_basis(NF) >= 6


def test_every_problem_is_tied_to_processes_and_to_what_it_worsens_and_has_a_rule_and_a_measure():
    assert loose_problems(NF) == []


def test_indicators_carry_units_and_directions():
    assert measured_indicators(NF) >= 10


def test_every_sector_entry_is_sourced_and_labelled_in_both_languages():
    assert unsourced_or_unlabelled(NF) == []


def test_the_emission_standards_are_requirements():
    limits = max_limits(NF)
    assert limits[("gb25467-air", "so2")] == 400.0
    assert limits[("gb25467-air-special", "so2")] == 100.0
    assert limits[("gb25467-air-special", "pm")] == 10.0
    assert limits[("gb25466-air", "pb")] == 8.0
    assert limits[("gb25466-water", "cd")] == pytest.approx(0.05)
    assert limits[("gb25466-water-special", "pb")] == pytest.approx(0.2)
    assert limits[("gb25465-air", "fluoride")] == 3.0
    assert limits[("gb25465-air", "so2")] == 200.0
    assert rules_with_condition(NF, "ViolatesCondition") >= 4


def test_measures_carry_economics_where_a_source_gives_them():
    """Investment, payback or physical savings read in a source (cases and one catalogue entry), and the links to
    the cross-sector measures a smelter plainly needs."""
    with_econ = count(f"""?x a cpkb:Measure ; cpkb:sector {NF} .
        {{ ?x cpkb:investment ?i }} UNION {{ ?x cpkb:minPaybackYears ?p }} UNION {{ ?x cpkb:hasSaving ?s }}""")
    assert with_econ >= 8
    payback = {str(r["k"]): float(r["p"]) for r in real_store().select(f"""SELECT ?k ?p WHERE {{ ?m a cpkb:Measure ;
        cpkb:sector {NF} ; cpkb:key ?k ; cpkb:minPaybackYears ?p }}""").rows}
    assert payback.get("high-current-density-cu-refining") == 2.0
    linked = {str(r["k"]) for r in real_store().select(f"""SELECT ?k WHERE {{ [] a cpkb:MeasureLink ; cpkb:sector {NF} ;
        cpkb:linksMeasure ?m . ?m cpkb:key ?k }}""").rows}
    assert {"regular-cp-audit", "led-lighting", "high-efficiency-motors", "rooftop-pv"} <= linked


def test_generation_factors_and_context_rules_exist():
    assert count(f"?x a cpkb:GenerationFactor ; cpkb:sector {NF}") >= 2
    assert rules_with_condition(NF, "ContextCondition") >= 2


SURVEY = {
    "cpkb_survey": 1,
    "scope": {"title": "某市有色金属行业整体审核（测试）", "sector": "有色金属", "pilot_type": "region", "year": 2024},
    "enterprises": [
        # an old copper smelter: reverberatory furnace, PS converters without secondary hoods, single-absorption acid,
        # open concentrate yard, arsenic cake piled on site, acid tail gas at 620 mg/m3 against 400
        {"id": "C01", "output": {"product": "阴极铜", "value": 60000, "unit": "t"},
         "processes": [{"process": "铜熔炼", "techniques": ["反射炉"], "complete": True},
                       {"process": "吹炼", "techniques": ["PS转炉"], "complete": True},
                       {"process": "制酸", "techniques": ["一转一吸"], "complete": True},
                       {"process": "污酸处理", "techniques": ["石灰中和"], "complete": True}],
         "emissions": [{"pollutant": "SO2", "value": 620, "unit": "mg/m3", "stage": "emitted", "process": "制酸",
                        "point": "stack"}],
         "facts": {"cu_line_capacity": 60000, "converter_secondary_capture": False, "concentrate_storage": "露天",
                   "arsenic_residue_route": "厂内堆存", "source_age": "existing"}},
        # a primary aluminium smelter: 160 kA cells, dry scrubbing only in a special-limit area, SPL piled on site,
        # pot-gas fluoride 4.2 mg/m3 against 3.0
        {"id": "A01", "output": {"product": "原铝", "value": 120000, "unit": "t"},
         "processes": [{"process": "铝电解", "techniques": ["160kA预焙槽"], "complete": True},
                       {"process": "电解烟气净化", "techniques": ["干法净化"], "complete": True}],
         "emissions": [{"pollutant": "氟化物", "value": 4.2, "unit": "mg/m3", "stage": "emitted",
                        "process": "电解烟气净化", "point": "stack"}],
         "facts": {"cell_amperage": 160, "spl_disposal": "厂内堆存", "special_limit_area": True,
                   "source_age": "existing"}},
        # a modern zinc refinery: reported fine, must not be flagged for residue or scale
        {"id": "Z01", "output": {"product": "锌锭", "value": 200000, "unit": "t"},
         "processes": [{"process": "沸腾焙烧", "techniques": ["余热锅炉"], "complete": True},
                       {"process": "浸出", "techniques": ["黄钾铁矾"], "complete": True},
                       {"process": "渣挥发处理", "techniques": ["回转窑挥发"], "complete": True},
                       {"process": "锌电积", "techniques": ["大极板"], "complete": True}],
         "facts": {"zn_line_capacity": 200000, "leach_residue_route": "挥发回收", "source_age": "existing"}},
    ],
}


@pytest.fixture(scope="module")
def result():
    return diagnose(read(SURVEY), real_store(), {"key_issue_min_enterprises": 1})


def test_a_small_nonferrous_survey_finds_what_an_auditor_would(result):
    found = findings(result)
    expect = {
        "eliminated-capacity-in-use": {"C01"}, "restricted-scale-in-use": {"C01", "A01"},
        "low-sulfur-capture": {"C01"}, "converter-fugitive-so2": {"C01"}, "fugitive-metal-dust": {"C01"},
        "arsenic-waste-risk": {"C01"}, "air-limit-exceeded": {"C01", "A01"},
        "spl-mismanaged": {"A01"}, "pot-gas-fluoride-so2": {"A01"},
    }
    for problem, enterprises in expect.items():
        assert enterprises <= found.get(NFI + "problem/" + problem, set()), problem
    # the zinc refinery fumes its residue, runs a 200 kt/a line and recovers heat
    for problem in ("leach-residue-burden", "restricted-scale-in-use", "waste-heat-not-recovered"):
        assert "Z01" not in found.get(NFI + "problem/" + problem, set()), problem


def test_the_recommendations_answer_the_findings(result):
    recs = {r["measure"] for r in result["recommendations"]}
    for measure in ("cu-smelting-upgrade", "convert-to-double-absorption", "converter-secondary-hoods",
                    "enclose-material-storage", "arsenic-residue-compliant-disposal", "replace-small-cells",
                    "spl-compliant-storage", "pot-gas-desulfurisation"):
        assert NFI + "measure/" + measure in recs, measure


def test_a_water_figure_is_never_judged_against_an_air_limit():
    """The 白银 team's survey, unchanged: its wastewater lead figures in mg/L (no outlet named) are never compared
    with an air limit in mg/m³ (0.08 mg/L once counted as 80 mg/m³), while its stack figures still are."""
    from pathlib import Path

    from cpkb.diagnostics.requirements import _medium
    from cpkb.diagnostics.survey import SurveyReader, parse_document
    from diagnose_support import knowledge

    path = Path(__file__).parent / "data" / "blind" / "nonferrous.yaml"
    raw, cells = parse_document(path.read_bytes(), path.name)
    result = diagnose(SurveyReader(knowledge(), cells).read(raw), real_store(), exclude_invalid=True)
    checks = [c for s in result["compliance"]["sets"] for c in s["checks"]]
    assert any(_medium(c["measured_unit"]) == "air" for c in checks)
    for check in checks:
        assert _medium(check["measured_unit"]) in (None, _medium(check["unit"])), check


# ------------------------------------------------------------------ the secondary-metal route (再生铜、再生铝、再生铅)

def test_the_secondary_metal_routes_are_modelled():
    rows = real_store().select(f"""SELECT ?k ?o WHERE {{ ?p a cpkb:Process ; cpkb:sector {NF} ; cpkb:key ?k ;
        cpkb:order ?o }}""").rows
    order = {str(r["k"]): int(r["o"]) for r in rows}
    assert order["scrap-pretreatment"] < order["secondary-cu-fire-refining"]
    assert order["scrap-pretreatment"] < order["secondary-al-melting"]
    assert order["battery-breaking-desulfurisation"] < order["secondary-pb-smelting"]
    assert "年产能1万吨以下再生铝、再生铅项目" in obsolete_labels(NF)
    limits = max_limits(NF)
    assert limits[("gb31574-air", "dioxins")] == 0.5
    assert limits[("gb31574-air", "pm")] == 30.0


SECONDARY_SURVEY = {
    "cpkb_survey": 1,
    "scope": {"title": "某县再生有色金属园区审核（测试）", "sector": "有色金属", "pilot_type": "park", "year": 2024},
    "enterprises": [
        # a small secondary aluminium plant melting painted scrap without decoating or dioxin control
        {"id": "R01", "output": {"product": "铝", "value": 0.8, "unit": "万t"},
         "processes": [{"process": "废铝预处理", "techniques": [], "complete": True},
                       {"process": "再生铝熔炼", "techniques": ["1万吨以下再生铝"], "complete": True}],
         "emissions": [{"pollutant": "二噁英", "value": 1.2, "unit": "ng-TEQ/m3", "stage": "emitted"}],
         "facts": {"source_age": "existing"}},
        # a secondary copper plant on the three-stage route
        {"id": "R02", "output": {"product": "阴极铜", "value": 5, "unit": "万t"},
         "processes": [{"process": "再生铜火法精炼", "techniques": ["三段法"], "complete": True}],
         "facts": {"source_age": "existing"}},
        # a secondary lead plant breaking batteries by hand; a second one with a breaker, desulfurisation and
        # dioxin control, compliant
        {"id": "R03", "output": {"product": "铅", "value": 3, "unit": "万t"},
         "processes": [{"process": "破碎分选", "techniques": ["人工拆解"], "complete": True},
                       {"process": "再生铅熔炼", "techniques": ["短窑"], "complete": True}],
         "facts": {"source_age": "existing"}},
        {"id": "R04", "output": {"product": "铅", "value": 10, "unit": "万t"},
         "processes": [{"process": "破碎分选", "techniques": ["机械破碎分选"], "complete": True},
                       {"process": "再生铅熔炼", "techniques": ["活性炭喷射"], "complete": True}],
         "emissions": [{"pollutant": "颗粒物", "value": 12, "unit": "mg/m3", "stage": "emitted"}],
         "facts": {"source_age": "existing"}},
    ],
}


@pytest.fixture(scope="module")
def secondary_result():
    return diagnose(read(SECONDARY_SURVEY), real_store(),
                    {"key_issue_min_enterprises": 1, "key_issue_prevalence": 0.1})


def test_a_secondary_metals_survey_finds_what_an_auditor_would(secondary_result):
    found = findings(secondary_result)
    expect = {
        "eliminated-capacity-in-use": {"R01"}, "secondary-al-dioxins": {"R01"},
        "secondary-air-limit-exceeded": {"R01"}, "secondary-cu-long-route": {"R02"},
        "secondary-pb-lead-emissions": {"R03"},
    }
    for problem, enterprises in expect.items():
        assert enterprises <= found.get(NFI + "problem/" + problem, set()), problem
    for problem in ("secondary-pb-lead-emissions", "secondary-air-limit-exceeded"):
        assert "R04" not in found.get(NFI + "problem/" + problem, set()), problem
    recs = {r["measure"] for r in secondary_result["recommendations"]}
    for measure in ("retire-small-secondary-plants", "add-scrap-decoating", "install-dioxin-control",
                    "direct-refine-high-grade-scrap", "mechanical-battery-breaking"):
        assert NFI + "measure/" + measure in recs, measure


def test_each_smelter_is_graded_by_its_own_metals_system_only(result):
    """Indicator systems are per product: the copper smelter by the copper system, the aluminium smelter by the
    aluminium one, the zinc refinery by lead-zinc; the alumina system fits none of them and is left out."""
    graded = {}
    for e in result["indicator_assessment"]["enterprises"]:
        graded.setdefault(e["system"].rsplit("/", 1)[-1], set()).add(e["enterprise"])
    assert graded == {"cu-cpes": {"C01"}, "al-cpes": {"A01"}, "pbzn-cpes": {"Z01"}}
    assert [s["system"].rsplit("/", 1)[-1] for s in result["indicator_assessment"]["systems"]] == \
        ["al-cpes", "cu-cpes", "pbzn-cpes"]
