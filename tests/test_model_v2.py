"""Model v2 (kb/README.md) on the test knowledge base tests/data/v2_kb: limits with O₂ normalisation and special
limits, benchmark variants, 0.8/n weights, derived quantities used by rules, context-gated rules, economics,
technique status with its basis, and a scenario total recomputed by hand. Compiler errors are placed."""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

import pytest

from cpkb.kb.compile import compile_kb
from cpkb.kb.errors import SourceError

V2_KB = Path(__file__).parent / "data" / "v2_kb"


@functools.lru_cache(maxsize=1)
def _store():
    from cpkb.kb.build import open_store
    from cpkb.settings import load_settings

    settings = load_settings(store_dir=tempfile.mkdtemp(prefix="cpkb-v2-"), endpoint="", store_mode="memory",
                             kb_dir=str(V2_KB))
    return open_store(settings), settings


def run(scope: dict, enterprises: list[dict], **settings) -> dict:
    from cpkb.diagnostics.engine import diagnose
    from cpkb.diagnostics.knowledge import knowledge_for
    from cpkb.diagnostics.survey import SurveyReader

    store, base = _store()
    survey = SurveyReader(knowledge_for(store)).read({"cpkb_survey": 1, "scope": {"year": 2024, **scope},
                                                      "enterprises": enterprises})
    assert not survey.problems, [p.as_dict() for p in survey.problems]
    return diagnose(survey, store, {**base, **settings})


def plating(eid: str, facts: dict, **extra) -> dict:
    return {"id": eid, "output": {"value": extra.pop("output", 10000), "unit": "m2"},
            "facts": {"source-age": "existing", **facts},
            "processes": [{"process": "rinsing", "techniques": ["single-tank-rinse"]}], **extra}


def findings(result: dict, problem: str) -> dict[str, list]:
    found = {}
    for issue in result["key_issues"] + result["other_findings"]:
        if issue["problem"].endswith("/" + problem):
            for f in issue["evidence"]:
                found.setdefault(f["enterprise"], []).extend(f["facts"])
    return found


def score_of(result: dict, eid: str) -> dict:
    return next(s for s in result["indicator_assessment"]["enterprises"] if s["enterprise"] == eid)


# ---------------------------------------------------------------------- (3) requirements and O₂ normalisation

def boiler(eid: str, nox: dict, **facts) -> dict:
    return {"id": eid, "facts": {"source-age": "existing", **facts},
            "processes": [{"process": "combustion", "techniques": []}],
            "emissions": [{"pollutant": "nox", "unit": "mg/m3", "process": "combustion", **nox}]}


def test_an_ultra_low_limit_is_violated_after_o2_normalisation_and_not_before():
    result = run({"sector": "boiler", "region": "demo-region"}, [
        boiler("AT9", {"value": 45, "o2_measured_pct": 9}),    # 45 × (21 − 6) / (21 − 9) = 56.25 > 50
        boiler("AT6", {"value": 45, "o2_ref_pct": 6}),         # already at the reference O₂: 45 ≤ 50
        boiler("RAW", {"value": 45})])                         # no O₂ given: compared as written, said so
    checks = {c["enterprise"]: c for s in result["compliance"]["sets"] for c in s["checks"]}
    assert checks["AT9"]["measured"] == 45 and checks["AT9"]["compared"] == pytest.approx(56.25)
    assert checks["AT9"]["exceeded"] and checks["AT9"]["o2"]["normalised"]
    assert "21" in checks["AT9"]["o2"]["zh"] and "56.25" in checks["AT9"]["o2"]["en"]
    assert not checks["AT6"]["exceeded"] and not checks["AT6"]["o2"]["normalised"]
    assert not checks["RAW"]["exceeded"] and "待核实" in checks["RAW"]["o2"]["zh"]
    assert set(findings(result, "nox-over-limit")) == {"AT9"}


def test_limits_outside_their_region_or_period_do_not_bind():
    result = run({"sector": "boiler"}, [boiler("NOREGION", {"value": 90, "o2_measured_pct": 6})])
    status = result["compliance"]["sets"][0]
    assert status["enterprises"] == {"unknown": ["NOREGION"]} and "survey names none" in status["reasons"]["NOREGION"]["en"]
    assert findings(result, "nox-over-limit") == {}
    old = run({"sector": "boiler", "region": "demo-region", "year": 2018},
              [boiler("OLD", {"value": 90, "o2_measured_pct": 6})])
    assert old["compliance"]["sets"][0]["enterprises"] == {"not_applicable": ["OLD"]}


def test_special_limits_replace_the_general_ones_in_a_special_limit_area():
    ni = [{"pollutant": "ni", "value": 0.3, "unit": "mg/L", "point": "workshop-outlet"}]
    result = run({"sector": "demo"}, [plating("GEN", {"special-limit-area": False}, emissions=ni),
                                      plating("SPE", {"special-limit-area": True}, emissions=ni),
                                      plating("UNK", {}, emissions=ni)])
    sets = {s["requirement"].rsplit("/", 1)[1]: s for s in result["compliance"]["sets"]}
    assert sets["demo-table2"]["enterprises"]["applies"] == ["GEN", "UNK"]
    assert sets["demo-table3"]["enterprises"] == {"not_applicable": ["GEN"], "applies": ["SPE"], "unknown": ["UNK"]}
    exceeded = {c["enterprise"]: c["limit_value"] for s in sets.values() for c in s["exceeded"]}
    assert exceeded == {"SPE": 0.1}                       # 0.3 mg/L: under 0.5, over the special 0.1
    assert set(findings(result, "effluent-over-limit")) == {"SPE"}


def test_benchmark_drainage_is_a_derived_quantity_checked_by_layer_type():
    result = run({"sector": "demo"}, [
        plating("MULTI", {"annual-wastewater": 6000, "plating-layers": "multi"}),     # 600 L/m² > 500
        plating("SINGLE", {"annual-wastewater": 1500, "plating-layers": "single"})])  # 150 L/m² ≤ 200
    checks = {c["enterprise"]: c for s in result["compliance"]["sets"] for c in s["checks"] if c["key"].startswith("drainage")}
    assert checks["MULTI"]["key"] == "drainage-multi" and checks["MULTI"]["compared"] == pytest.approx(600)
    assert checks["MULTI"]["exceeded"] and checks["MULTI"]["derived"]["formula"] == "wastewater / area"
    assert checks["SINGLE"]["key"] == "drainage-single" and not checks["SINGLE"]["exceeded"]


# ---------------------------------------------------------------------- (1) variants, (2) weights, (4) derived

def test_the_benchmark_variant_that_fits_is_chosen_and_named_and_no_fit_is_not_scored():
    rinse = [{"indicator": "rinse-water", "value": 15, "unit": "L/m2"}]
    result = run({"sector": "demo"}, [plating("DEC", {"plating-type": "decorative"}, indicators=rinse),
                                      plating("HARD", {"plating-type": "hard"}, indicators=rinse),
                                      plating("NONE", {}, indicators=rinse)])
    level = {eid: {i["indicator"].rsplit("/", 1)[1]: i for i in score_of(result, eid)["indicators"]}
             for eid in ("DEC", "HARD")}
    assert level["DEC"]["rinse-water"]["level"] == "II" and level["DEC"]["rinse-water"]["variant"]["en"] == "decorative chromium"
    assert level["HARD"]["rinse-water"]["level"] == "III" and level["HARD"]["rinse-water"]["variant"]["zh"] == "硬铬"
    none = score_of(result, "NONE")
    assert not any(i["indicator"].endswith("/rinse-water") for i in none["indicators"])
    why = {m["indicator"].rsplit("/", 1)[1]: m for m in none["basis"]["missing"]}
    assert why["rinse-water"]["reason"] == "no-variant" and "不评分" in why["rinse-water"]["zh"]


def test_metal_utilisation_weight_is_split_0_8_over_the_metals_plated_and_coverage_counts_only_those():
    values = [{"indicator": "zn-utilisation", "value": 86, "unit": "%"},
              {"indicator": "ni-utilisation", "value": 93, "unit": "%"},
              {"indicator": "water-reuse", "value": 50, "unit": "%"},
              {"indicator": "rinse-water", "value": 10, "unit": "L/m2"}]
    result = run({"sector": "demo"}, [
        plating("ZNNI", {"metals-plated": ["zinc", "nickel"], "plating-type": "decorative"}, indicators=values),
        plating("ZN", {"metals-plated": "zinc", "plating-type": "decorative"},
                indicators=[v for v in values if not v["indicator"].startswith("ni")])])
    both = {i["indicator"].rsplit("/", 1)[1]: i["weight"] for i in score_of(result, "ZNNI")["indicators"]}
    assert both["zn-utilisation"] == pytest.approx(0.4) and both["ni-utilisation"] == pytest.approx(0.4)  # 0.8 / 2
    assert both["water-reuse"] == pytest.approx(0.2)
    zinc = score_of(result, "ZN")
    only = {i["indicator"].rsplit("/", 1)[1]: i["weight"] for i in zinc["indicators"]}
    assert only["zn-utilisation"] == pytest.approx(0.8) and "ni-utilisation" not in only           # 0.8 / 1
    assert zinc["coverage"] == 1.0 and not zinc["provisional"]      # a zinc-only plant misses no nickel utilisation
    reasons = {m["indicator"].rsplit("/", 1)[1]: m["reason"] for m in zinc["basis"]["missing"]}
    assert reasons == {"ni-utilisation": "not-applicable", "cu-utilisation": "not-applicable"}
    assert not any(m.endswith("ni-utilisation") for m in zinc["missing"])


def test_a_derived_l_per_m2_per_rinse_fills_the_indicator_and_a_rule_uses_it():
    # 300 m³/a ÷ 5 000 m²/a ÷ 3 rinses = 0.02 m³/m² = 20 L/m², worse than the hard-chromium level II (12)
    result = run({"sector": "demo"}, [plating("E", {"plating-type": "hard", "annual-rinse-water": 300,
                                                    "rinse-stages": 3}, output=5000)])
    fact = findings(result, "high-rinse-water")["E"][0]
    assert fact["value"] == pytest.approx(20) and fact["benchmark"] == 12
    assert fact["derived"] == "rinse_water / area / rinses"
    shown = next(i for i in score_of(result, "E")["indicators"] if i["indicator"].endswith("/rinse-water"))
    assert shown["derived"] is True and shown["formula"] == "rinse_water / area / rinses"
    record = next(d for d in result["derived_values"] if d["target"].endswith("/rinse-water"))
    assert {i["name"]: i["value"] for i in record["inputs"]} == {"rinse_water": 300, "area": 5000, "rinses": 3}


def test_a_measured_value_is_never_replaced_by_a_derived_one():
    result = run({"sector": "demo"}, [plating("E", {"plating-type": "hard", "annual-rinse-water": 300,
                                                    "rinse-stages": 3},
                                              indicators=[{"indicator": "rinse-water", "value": 5, "unit": "L/m2"}])])
    assert "high-rinse-water" not in str(result["key_issues"] + result["other_findings"])
    assert not any(d["target"].endswith("/rinse-water") for d in result.get("derived_values", []))


def test_emission_from_concentration_flow_hours_and_a_vocs_mass_balance():
    from cpkb.diagnostics.knowledge import knowledge_for
    from cpkb.diagnostics.prepare import prepare
    from cpkb.diagnostics.survey import SurveyReader

    store, _ = _store()
    kb = knowledge_for(store)
    survey = SurveyReader(kb).read({"cpkb_survey": 1, "scope": {"sector": "boiler", "year": 2024}, "enterprises": [
        {"id": "E", "facts": {"flue-gas-flow": 10000, "operating-hours": 5000, "coating-used": 10, "voc-content": 60,
                              "solvent-recovered": 1, "capture-efficiency": 80, "treatment-efficiency": 90},
         "emissions": [{"pollutant": "nox", "value": 45, "unit": "mg/m3"}]}]})
    ent = survey.enterprises[0]
    prepare(kb, survey, [ent], survey.scope["sector"])
    loads = {em["pollutant"].rsplit("/", 1)[1]: em for em in ent.emissions if em.get("derived")}
    assert loads["nox"]["value"] == pytest.approx(2.25)        # 45 mg/m³ × 10 000 m³/h × 5 000 h = 2.25 t/a
    # VOCs: 10 t × 60 % − 1 t recovered = 5 t; captured 80 % and destroyed 90 % of it: 5 × (1 − 0.72) = 1.4 t/a
    assert loads["vocs"]["value"] == pytest.approx(1.4)
    assert loads["vocs"]["derived"].startswith("used * content")


# ---------------------------------------------------------------------- (5) context, (6) status, (7) economics

def test_a_context_gated_rule_fires_only_in_a_park_audit_for_park_enterprises():
    ent = plating("E", {"annual-wastewater": 4000, "in-industrial-park": True})     # 400 L/m² > 300
    park = run({"sector": "demo", "pilot_type": "park", "park": "P"}, [ent])
    sector = run({"sector": "demo", "pilot_type": "sector"}, [ent])
    outside = run({"sector": "demo", "pilot_type": "park", "park": "P"},
                  [plating("E", {"annual-wastewater": 4000, "in-industrial-park": False})])
    assert set(findings(park, "park-shared-treatment")) == {"E"}
    assert findings(sector, "park-shared-treatment") == {} and findings(outside, "park-shared-treatment") == {}


def test_technique_status_shows_which_basis_applies_where_with_exceptions():
    cyanide = {"processes": [{"process": "plating", "techniques": ["cyanide-plating"]}]}
    result = run({"sector": "demo", "region": "demo-region"}, [
        {**plating("GOLD", {"cyanide-use": "precious"}), **cyanide},
        {**plating("ZINC", {"cyanide-use": "zinc"}), **cyanide}])
    (entry,) = result["technique_status"]
    national, local = entry["bases"]
    assert national["enterprises"] == {"excepted": ["GOLD"], "applies": ["ZINC"]}
    assert "预镀铜" in national["exception"]["zh"] and national["from"] == "2024-02-01"
    assert local["enterprises"] == {"applies": ["GOLD", "ZINC"]}    # the local ban has no exception
    elsewhere = run({"sector": "demo"}, [{**plating("ZINC", {"cyanide-use": "zinc"}), **cyanide}])
    assert elsewhere["technique_status"][0]["bases"][1]["enterprises"] == {"unknown": ["ZINC"]}


def test_measure_economics_scale_by_lines_value_savings_at_set_prices_and_derive_the_payback():
    rinse = [{"indicator": "rinse-water", "value": 30, "unit": "L/m2"}]
    ents = [plating("A", {"plating-type": "decorative", "plating-lines": 2}, indicators=rinse),
            plating("B", {"plating-type": "decorative", "plating-lines": 1}, indicators=rinse)]
    result = run({"sector": "demo"}, ents, prices="fresh-water=4")
    rec = next(r for r in result["recommendations"] if r["measure"].endswith("/adopt-countercurrent-rinse"))
    econ = rec["economics"]
    assert econ["investment_10k_yuan"]["total"] == [6, 18]               # 2–6 万元 per line × 3 lines
    assert econ["savings"][0]["total"] == [3000, 9000]                   # m³/a
    assert econ["savings_10k_yuan_per_a"] == [1.2, 3.6]                  # × 4 yuan/m³
    # payback = investment / (savings − opex change): 6 / (3.6 + 1.5) … 18 / (1.2 − 0)
    assert econ["payback_years"]["range"] == [round(6 / 5.1, 2), 15.0] and econ["payback_years"]["derived"]
    effects = {e["mode"]: e for e in rec["expected_effects"]}
    assert effects["target"]["expected_mean"] == 24 and effects["target"]["text"]["zh"].endswith("达到Ⅱ级基准值")
    assert effects["relative"]["acts_on"] == "generated"
    unpriced = run({"sector": "demo"}, ents)
    econ = next(r for r in unpriced["recommendations"] if r["measure"].endswith("/adopt-countercurrent-rinse"))["economics"]
    assert "savings_10k_yuan_per_a" not in econ and "payback_years" not in econ
    meter = next(r for r in result["recommendations"] if r["measure"].endswith("/rinse-water-meter"))
    assert meter["economics"]["requires"][0]["recommended"] is True


# ---------------------------------------------------------------------- (8) scenarios

def test_scenario_total_recomputed_by_hand():
    result = run({"sector": "demo"}, [
        plating("DEC", {"plating-type": "decorative"}, output=10000,
                indicators=[{"indicator": "rinse-water", "value": 30, "unit": "L/m2"}]),
        plating("HARD", {"plating-type": "hard"}, output=5000,
                indicators=[{"indicator": "rinse-water", "value": 20, "unit": "L/m2"}]),
        plating("GOOD", {"plating-type": "decorative"}, output=8000,
                indicators=[{"indicator": "rinse-water", "value": 6, "unit": "L/m2"}])])
    scenario = next(s for s in result["scenarios"] if s["indicator"].endswith("/rinse-water") and s["level"] == "II")
    # (30 − 24) L/m² × 10 000 m² = 60 m³; (20 − 12) L/m² × 5 000 m² = 40 m³; GOOD is already at level II
    assert {r["enterprise"]: r["saving"] for r in scenario["enterprises"]} == {"DEC": 60, "HARD": 40}
    assert scenario["total"] == 100 and scenario["unit"] == "m³/a" and scenario["enterprises_at_level"] == 1
    level_i = next(s for s in result["scenarios"] if s["indicator"].endswith("/rinse-water") and s["level"] == "I")
    assert level_i["total"] == pytest.approx((30 - 8) * 10 + (20 - 4) * 5)


# ---------------------------------------------------------------------- the compiler places its errors

@pytest.mark.parametrize("old, new, message", [
    ("formula: rinse_water / area / rinses", "formula: rinse_water * area / rinses", "but the declared unit is"),
    ("formula: wastewater / area", "formula: wastewater / surface", "not among its inputs"),
    ("{pollutant: ni, where: workshop-outlet, value: 0.5, unit: mg-per-L, averaging: daily, clause: 表2 序号3}",
     "{pollutant: ni, where: workshop-outlet, value: 0.5, averaging: daily}", "needs its `unit`"),
    ("{pollutant: ni, where: workshop-outlet, value: 0.1, unit: mg-per-L, clause: 表3 序号3}",
     "{pollutant: ni, where: outlet, value: 0.1, unit: mg-per-L}", "`where` value 'outlet'"),
    ("      - status: obsolete\n        document: demo-local-ban\n", "      - status: obsolete\n", "needs the `document`"),
    ("{indicator: rinse-water, mode: target, level: II, sources: [{doc: demo-standard}]}",
     "{pollutant: ni, mode: target, level: II, sources: [{doc: demo-standard}]}", "acts on an indicator"),
    ("investment: {range: [2, 6], basis: per-line,", "investment: {range: [2, 6], basis: per-house,", "basis` must be"),
    ("- violates: {requirement: demo-table2}", "- violates: {requirement: demo-table9}", "unknown requirement"),
    ("- context: {pilot_type: park}", "- context: {city: park}", "tests one of"),
])
def test_model_v2_errors_name_file_line_and_entry(tmp_path, old, new, message):
    kb = tmp_path / "kb"
    shutil.copytree(V2_KB, kb)
    demo = kb / "sectors" / "demo.yaml"
    text = demo.read_text(encoding="utf-8")
    assert old in text
    demo.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        compile_kb(kb)
    problem = next(p for p in caught.value.problems if message in p.message)
    assert problem.file.name == "demo.yaml" and problem.line and problem.entry


def test_the_test_knowledge_base_passes_shacl_and_references():
    from cpkb.kb.checks import check_references, check_shacl

    compiled = compile_kb(V2_KB)
    assert check_shacl(compiled) == [] and check_references(compiled) == []


def test_results_with_every_model_v2_section_match_the_result_schema():
    import json

    import jsonschema

    schema = json.loads((Path(__file__).resolve().parent.parent / "diagnostics" / "result.schema.json").read_text())
    demo = run({"sector": "demo", "region": "demo-region", "pilot_type": "park", "park": "P"}, [
        {**plating("A", {"plating-type": "decorative", "plating-lines": 2, "annual-wastewater": 6000,
                         "plating-layers": "multi", "cyanide-use": "zinc", "in-industrial-park": True,
                         "metals-plated": "zinc"},
                   indicators=[{"indicator": "rinse-water", "value": 30, "unit": "L/m2"}],
                   emissions=[{"pollutant": "ni", "value": 0.7, "unit": "mg/L", "point": "workshop-outlet"}]),
         "processes": [{"process": "rinsing", "techniques": ["single-tank-rinse"]},
                       {"process": "plating", "techniques": ["cyanide-plating"]}]}], prices="fresh-water=4")
    boiler_result = run({"sector": "boiler", "region": "demo-region"}, [boiler("B", {"value": 45, "o2_measured_pct": 9})])
    for result in (demo, boiler_result):
        jsonschema.validate(result, schema)
    assert {"compliance", "scenarios", "technique_status", "derived_values", "targets"} <= set(demo)
    assert any("economics" in r for r in demo["recommendations"])


def test_reports_show_limits_scenarios_economics_status_and_derived_values_in_chinese():
    import io

    from docx import Document
    from openpyxl import load_workbook

    from cpkb.diagnostics.report import to_docx, to_html, to_xlsx

    result = run({"sector": "boiler", "region": "demo-region"}, [boiler("B", {"value": 45, "o2_measured_pct": 9})])
    html = to_html(result)
    assert "排放限值符合性" in html and "45×(21−6)/(21−9)=56.25" in html and "超标" in html
    demo = run({"sector": "demo"}, [plating("A", {"plating-type": "hard", "annual-rinse-water": 300, "rinse-stages": 3,
                                                  "plating-lines": 1}, output=5000)], prices="fresh-water=4")
    html = to_html(demo)
    for heading in ("全部企业达到某一级别时的节约量", "方案经济效益", "推算值", "评级依据与缺失说明"):
        assert heading in html
    assert "https://w3id.org" not in html                                  # labels only, no IRIs
    sheets = load_workbook(io.BytesIO(to_xlsx(demo))).sheetnames
    for sheet in ("达标情景", "经济效益", "推算值"):
        assert any(name.endswith(sheet) for name in sheets), sheet
    text = "\n".join(p.text for p in Document(io.BytesIO(to_docx(demo))).paragraphs)
    assert "达标情景" in text
