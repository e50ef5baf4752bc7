"""Industrial coating (工业涂装): the sector's figures counted through SPARQL, and a small survey diagnosed end to end."""

from __future__ import annotations

import functools

import pytest
import yaml

from cpkb.diagnostics.engine import diagnose

from diagnose_support import EXAMPLES, read, real_store
from sector_kb_support import (assert_sector_minimums, count, findings, loose_problems, max_limits, measured_indicators,
                               obsolete_labels, obsolete_with_basis, process_orders, rules_with_condition,
                               unsourced_or_unlabelled)

IC = "<https://w3id.org/cpkb/id/industrial-coating>"
ICI = "https://w3id.org/cpkb/id/industrial-coating/"


def test_industrial_coating_meets_the_sector_minimums():
    assert_sector_minimums(IC)


def test_processes_are_in_production_order_and_every_route_is_modelled():
    orders = process_orders(IC)
    assert len(orders) == len(set(orders)) >= 10
    keys = {str(r["k"]) for r in real_store().select(
        f"SELECT ?k WHERE {{ ?p a cpkb:Process ; cpkb:sector {IC} ; cpkb:key ?k }}").rows}
    # metal parts (chemical and mechanical pretreatment, e-coat, spraying, powder), furniture (sanding) and the
    # VOCs chain (mixing, flash-off, ovens, cleaning, treatment)
    assert {"paint-storage-mixing", "degreasing", "conversion-coating", "mechanical-pretreatment", "wood-sanding",
            "electrocoating", "spray-painting", "powder-coating", "flash-off", "curing-oven", "equipment-cleaning",
            "vocs-treatment"} <= keys


def test_the_low_efficiency_treatments_are_obsolete_with_their_basis_and_never_recommended():
    assert count(f"?x a cpkb:Technique ; cpkb:sector {IC} FILTER NOT EXISTS {{ ?x cpkb:status ?s }}") == 0
    assert {"UV光解", "光催化氧化", "低温等离子", "一次性活性炭吸附（不更换或更换不足）",
            "单一水喷淋吸收（非水溶性VOCs）"} <= obsolete_labels(IC)
    assert obsolete_with_basis(IC) >= 5
    assert count(f"?x a cpkb:Technique ; cpkb:sector {IC} ; cpkb:status cpkb:StatusAdvanced") >= 15
    # no measure introduces an obsolete technique
    assert count(f"?m a cpkb:Measure ; cpkb:sector {IC} ; cpkb:introduces ?x . "
                 "?x cpkb:status cpkb:StatusObsolete") == 0


def test_every_problem_is_tied_to_processes_and_to_what_it_worsens_and_has_a_rule_and_a_measure():
    assert loose_problems(IC) == []


def test_indicators_carry_units_and_directions():
    assert measured_indicators(IC) >= 10


def test_every_sector_entry_is_sourced_and_labelled_in_both_languages():
    assert unsourced_or_unlabelled(IC) == []


def test_limits_are_requirements():
    limits = max_limits(IC)
    assert limits[("gb16297-table2-coating", "nmhc")] == 120.0
    assert limits[("gb16297-table2-coating", "benzene")] == 12.0
    assert limits[("gb16297-table2-coating", "xylene")] == 70.0
    assert limits[("furnace-plan-nox-key-regions", "nox")] == 300.0
    assert rules_with_condition(IC, "ViolatesCondition") >= 3
    assert rules_with_condition(IC, "ContextCondition") >= 2
    assert rules_with_condition(IC, "QuantityCondition") >= 1
    assert rules_with_condition(IC, "MaterialCondition") >= 2


def test_the_solvent_balance_is_derived():
    keys = {str(r["k"]) for r in real_store().select(
        f"SELECT ?k WHERE {{ ?d a cpkb:DerivedQuantity ; cpkb:sector {IC} ; cpkb:key ?k }}").rows}
    assert {"vocs-generated-balance", "vocs-emitted-balance", "vocs-emitted-by-efficiency",
            "vocs-overall-efficiency-calc", "vocs-emitted-per-area-calc"} <= keys


SURVEY = {
    "cpkb_survey": 1,
    "scope": {"title": "某区工业涂装行业整体审核（测试）", "sector": "工业涂装", "pilot_type": "park",
              "region": "长三角", "year": 2025},
    "enterprises": [
        # a small furniture shop: solvent-borne paint, air guns, UV photolysis, open gun cleaning, open drums
        {"id": "C01", "output": {"product": "木质家具", "value": 20000, "unit": "m2"},
         "processes": [{"process": "喷漆", "techniques": ["溶剂型涂料", "空气喷涂"], "complete": True},
                       {"process": "洗枪", "techniques": ["敞开式洗枪"], "complete": True},
                       {"process": "废气处理", "techniques": ["UV光解"], "complete": True}],
         "facts": {"containers_lidded": False, "annual_paint_use": 6, "coating_product_type": "wooden-furniture"}},
        # a machinery plant: carbon never changed, a bypass, zinc phosphating, 85 % of VOCs reach the air
        {"id": "C02", "output": {"product": "金属零部件与机械产品", "value": 300000, "unit": "m2"},
         "processes": [{"process": "磷化", "techniques": ["锌系磷化"], "complete": True},
                       {"process": "喷漆", "techniques": ["静电旋杯", "溶剂型涂料"], "complete": True},
                       {"process": "有机废气治理", "techniques": ["活性炭吸附"], "complete": True}],
         "indicators": [{"indicator": "收集效率", "value": 60, "unit": "%"},
                        {"indicator": "去除效率", "value": 25, "unit": "%"}],
         "facts": {"carbon_replaced_on_schedule": False, "vocs_bypass": True, "vocs_initial_rate": 4,
                   "annual_paint_use": 80, "coating_product_type": "machinery"}},
        # a car body shop: rotor + RTO whose heat is not reused, a basecoat above the limit, in-plant NMHC 12 mg/m3
        {"id": "C03", "output": {"product": "汽车车身", "value": 5000000, "unit": "m2"},
         "materials": [{"material": "溶剂型底色漆", "value": 900, "unit": "t/a",
                        "properties": [{"property": "VOC含量", "value": 780, "unit": "g/L"}]}],
         "processes": [{"process": "电泳", "techniques": ["阴极电泳"], "complete": True},
                       {"process": "喷漆", "techniques": ["机器人喷涂", "静电旋杯"], "complete": True},
                       {"process": "有机废气治理", "techniques": ["沸石转轮+RTO"], "complete": True}],
         "emissions": [{"pollutant": "非甲烷总烃", "value": 25, "unit": "mg/m3", "process": "排气筒"}],
         "facts": {"oxidiser_heat_recovered": False, "inplant_nmhc_1h": 12, "annual_paint_use": 3000,
                   "coating_product_type": "vehicle-body"}},
        # a clean powder-coating plant
        {"id": "C04", "output": {"product": "金属零部件与机械产品", "value": 800000, "unit": "m2"},
         "processes": [{"process": "转化膜处理", "techniques": ["锆化"], "complete": True},
                       {"process": "喷粉", "techniques": ["粉末涂料"], "complete": True}],
         "facts": {"powder_recovered": True, "annual_paint_use": 200, "coating_product_type": "steel-furniture"}},
        # a container yard: open sand blasting and a stack over GB 16297 for xylene
        {"id": "C05", "output": {"product": "集装箱", "value": 2000000, "unit": "m2"},
         "processes": [{"process": "喷砂", "techniques": ["露天喷砂"], "complete": True},
                       {"process": "喷漆", "techniques": ["高压无气喷涂", "水性涂料"], "complete": True},
                       {"process": "有机废气治理", "techniques": ["活性炭吸附脱附+催化燃烧"], "complete": True}],
         "emissions": [{"pollutant": "二甲苯", "value": 95, "unit": "mg/m3", "process": "排气筒"}],
         "facts": {"source_age": "new", "local_coating_standard": False, "annual_paint_use": 1500,
                   "coating_product_type": "container"}},
    ],
}


@pytest.fixture(scope="module")
def result():
    return diagnose(read(SURVEY), real_store(), {"key_issue_min_enterprises": 1})


def test_a_small_coating_survey_finds_what_an_auditor_would(result):
    found = findings(result)
    expect = {
        "ineffective-vocs-treatment": {"C01"}, "low-transfer-efficiency": {"C01"},
        "cleaning-solvent-losses": {"C01"}, "fugitive-storage-mixing": {"C01"},
        "high-voc-coatings": {"C01", "C02"}, "scattered-small-coating": {"C01"},
        "carbon-saturated": {"C02"}, "treatment-bypass": {"C02"}, "phosphating-pollution": {"C02"},
        "low-removal-efficiency": {"C02"}, "fugitive-spraying": {"C02", "C03"},
        "coating-voc-over-limit": {"C03"}, "treatment-energy-waste": {"C03"}, "fugitive-limit-exceeded": {"C03"},
        "blasting-dust": {"C05"}, "stack-limit-exceeded": {"C05"},
    }
    for problem, enterprises in expect.items():
        assert enterprises <= found.get(ICI + "problem/" + problem, set()), problem
    # the powder plant with zirconium pretreatment and powder reclaim is clean of the VOCs and phosphating findings
    for problem in ("ineffective-vocs-treatment", "phosphating-pollution", "powder-wasted", "vocs-uncontrolled",
                    "high-voc-coatings"):
        assert "C04" not in found.get(ICI + "problem/" + problem, set()), problem
    # an efficient treatment is not an ineffective one, and NMHC 25 mg/m3 meets GB 16297
    assert "C03" not in found.get(ICI + "problem/ineffective-vocs-treatment", set())
    assert "C03" not in found.get(ICI + "problem/stack-limit-exceeded", set())


def test_the_recommendations_answer_the_findings_and_never_propose_an_obsolete_technique(result):
    recs = {r["measure"] for r in result["recommendations"]}
    recs |= {m if isinstance(m, str) else m["measure"] for f in result["other_findings"] for m in f.get("measures", [])}
    for measure in ("replace-low-efficiency-treatment", "carbon-replacement-schedule", "seal-bypass",
                    "switch-to-thin-film-pretreatment", "recover-oxidiser-heat", "install-gun-washer",
                    "switch-to-water-borne-paint", "enclose-blasting"):
        assert ICI + "measure/" + measure in recs, measure
    obsolete = {str(r["t"]) for r in real_store().select(
        f"SELECT ?t WHERE {{ ?t a cpkb:Technique ; cpkb:sector {IC} ; cpkb:status cpkb:StatusObsolete }}").rows}
    introduced = {str(r["t"]) for r in real_store().select(
        f"SELECT ?m ?t WHERE {{ ?m a cpkb:Measure ; cpkb:sector {IC} ; cpkb:introduces ?t }}").rows
        if str(r["m"]) in recs}
    assert not obsolete & introduced


# ---------------------------------------------------------------------------------------------------------------
# The engine against what the 永康 audit team expected from its own messy survey, written before and without seeing
# the knowledge base (examples/industrial_coating_yongkang_messy.expected.yaml). What is found is kept so; what the
# team said must not be said is checked; the misses and their reasons are in
# examples/industrial_coating_yongkang_messy.comparison.md.

@functools.lru_cache(maxsize=1)
def yongkang() -> dict:
    raw = yaml.safe_load((EXAMPLES / "industrial_coating_yongkang_messy.yaml").read_text(encoding="utf-8"))
    return diagnose(read(raw), real_store(), exclude_invalid=True)


def _yk_found(problem: str) -> set[str]:
    return findings(yongkang()).get(ICI + "problem/" + problem, set())


def _yk_excluded() -> set[str]:
    return {e["enterprise"] for e in yongkang()["excluded"]}


def test_yongkang_sets_no_enterprise_aside():
    # outputs in pieces (万樘, 万台, 万件 …) that cannot be converted to the sector's m² are kept as written and
    # the enterprise diagnosed (they once set E02, E05 and E14 aside)
    assert _yk_excluded() == set()


def test_yongkang_expected_findings_are_found():
    assert _yk_found("high-voc-coatings") >= {"E10", "E12"}              # K1
    assert _yk_found("low-transfer-efficiency") >= {"E12"}               # K2
    assert _yk_found("vocs-uncontrolled") >= {"E10"}                     # K6 (fans only)
    assert _yk_found("fugitive-spraying") >= {"E10"}                     # K6 (open dip tank, open drying)
    assert _yk_found("phosphating-pollution") >= {"E11"}                 # K7
    assert _yk_found("pretreatment-water-waste") >= {"E11"}              # K8
    assert _yk_found("oven-heat-loss") >= {"E11"}                        # K9
    if "E04" not in _yk_excluded():                                      # K3, K2 at the cup sprayer E04
        assert {"E04"} <= _yk_found("ineffective-vocs-treatment") & _yk_found("carbon-saturated")
        assert "E04" in _yk_found("low-transfer-efficiency")
    warnings = yongkang()["warnings"]
    # D2: E12's declared 90 % against its own inlet 180 and outlet 94 mg/m³
    assert any(w.get("enterprise") == "E12" and "推算至多为47.78 %" in w["message"] for w in warnings)
    assert any(w.get("enterprise") == "E09" and "其他行业" in w["message"] for w in warnings)      # D7


def test_yongkang_must_not_say():
    r = yongkang()
    found = findings(r)
    # the county's good plants (powder with silane; e-coat with zirconium and TNV) carry no finding
    assert not any(({"E01", "E03", "E06"} - _yk_excluded()) & enterprises for enterprises in found.values())
    # UV curing is not UV photolysis; thin-film pretreatment is not phosphating
    assert "E15" not in _yk_found("ineffective-vocs-treatment")
    assert not {"E01", "E06"} & _yk_found("phosphating-pollution")
    # GB 16297 is not the limit where a local coating standard applies (the survey does not say it does not)
    assert not _yk_found("stack-limit-exceeded")
    recs = {rec["measure"].rsplit("/", 1)[-1]: set(rec.get("applies_to") or []) for rec in r["recommendations"]}
    for f in r["other_findings"]:
        for m in f.get("measures", []):
            key = (m if isinstance(m, str) else m["measure"]).rsplit("/", 1)[-1]
            recs.setdefault(key, set()).update(f["enterprises"] if isinstance(m, str) else m.get("applies_to", []))
    assert not recs.get("install-rotor-rto", set()) & {"E01", "E06", "E10"}
    for liquid in ("switch-to-water-borne-paint", "switch-to-high-solids", "switch-to-powder-coating"):
        assert not recs.get(liquid, set()) & {"E01", "E06", "E11"}, liquid
    obsolete = {str(row["t"]).rsplit("/", 1)[-1] for row in real_store().select(
        f"SELECT ?t WHERE {{ ?t a cpkb:Technique ; cpkb:sector {IC} ; cpkb:status cpkb:StatusObsolete }}").rows}
    introducing = {str(row["m"]).rsplit("/", 1)[-1] for row in real_store().select(
        f"SELECT ?m ?t WHERE {{ ?m a cpkb:Measure ; cpkb:sector {IC} ; cpkb:introduces ?t }}").rows
        if str(row["t"]).rsplit("/", 1)[-1] in obsolete}
    assert not introducing & set(recs)


def test_measures_carry_sourced_economics():
    """Investment, running cost, savings or payback for the MACC and the budget portfolio, each sourced."""
    econ = ("{ ?x cpkb:investment [] } UNION { ?x cpkb:minPaybackYears [] } UNION { ?x cpkb:hasSaving [] } "
            "UNION { ?x cpkb:opexChange [] }")
    assert count(f"?x a cpkb:Measure ; cpkb:sector {IC} . {econ}") >= 14
    assert count(f"?m a cpkb:Measure ; cpkb:sector {IC} ; (cpkb:investment|cpkb:opexChange|cpkb:hasSaving) ?x "
                 "FILTER NOT EXISTS { ?x dcterms:source [] }") == 0
    # a small spray shop: manual gun cleaning about 60 L a week against 60 L a month in two washers
    row = real_store().select(f"SELECT ?v WHERE {{ <{ICI}measure/install-gun-washer> cpkb:hasSaving/cpkb:maxValue ?v }}").rows[0]
    assert float(row["v"]) == 2.1
    # a US furniture maker: $330 000 of ovens and conveyor, payback about 3 years
    row = real_store().select(f"SELECT ?v WHERE {{ <{ICI}measure/switch-to-water-borne-paint> cpkb:maxPaybackYears ?v }}").rows[0]
    assert float(row["v"]) == 3
    # a heat-exchanger maker's worked example for a 50 000-vehicle line: 18 months in its introduction, 2.94–3.2 years
    # in its own calculation, so the range spans both
    row = real_store().select(f"SELECT ?v WHERE {{ <{ICI}measure/recover-oven-flue-heat> cpkb:maxPaybackYears ?v }}").rows[0]
    assert float(row["v"]) == 3.2
