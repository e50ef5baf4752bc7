"""A chemical park's co-audit survey as its consultancy wrote it (examples/chemical_park_huaihai.yaml, read
unchanged), against the findings the team wrote by hand before any tool run (….expected.yaml; comparison in
….comparison.md). Every quantity below is recomputed from the survey's own figures; every refusal is checked with
its reason, so that a change in reading (units, codes, permits, idle plants) or in matching shows here."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from cpkb.diagnostics.engine import diagnose

from diagnose_support import EXAMPLES, read, real_store

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "diagnostics" / "result.schema.json").read_text("utf-8"))
RAW = yaml.safe_load((EXAMPLES / "chemical_park_huaihai.yaml").read_text(encoding="utf-8"))
CODE = "https://w3id.org/cpkb/id/quality/hazardous-waste-code"
GRADE = "https://w3id.org/cpkb/id/quality/product-grade"


def ent(raw: dict, ident: str) -> dict:
    return next(e for e in raw["enterprises"] if e["id"] == ident)


@pytest.fixture(scope="module")
def survey():
    return read(copy.deepcopy(RAW))


@pytest.fixture(scope="module")
def park(survey) -> dict:
    assert not survey.problems, [p.as_dict() for p in survey.problems]
    return diagnose(survey, real_store(), {})


def pairs(result: dict, kind: str) -> dict[tuple[str, str, str], dict]:
    return {(m["from"], m["to"], m["offer"].rsplit("/", 1)[1]): m for m in result["symbiosis"][kind]}


def every_pair(result: dict) -> dict:
    return {**pairs(result, "matches"), **pairs(result, "conditional"), **pairs(result, "refused")}


def test_the_survey_is_read_as_written_units_codes_and_grades(survey):
    assert not survey.problems
    by_id = {e.id: e for e in survey.enterprises}
    heat = next(s for s in by_id["E01"].streams if s["unit"] == "万GJ/a")     # 95万GJ/a of condenser heat
    assert survey.units.conversion(heat["unit"], "GJ / year").apply(heat["value"]) == pytest.approx(950000)
    acid = next(s for s in by_id["E05"].streams if s["resource"].endswith("spent-sulfuric-acid"))
    assert acid["qualities"][CODE] == ("HW34 900-349-34", None)
    solvent = next(s for s in by_id["E14"].streams if s["direction"] == "out")   # written in lower case: hw06 …
    assert solvent["qualities"][CODE] == ("HW06 900-402-06", None)
    slag = next(s for s in by_id["E09"].streams if s["resource"].endswith("bf-slag"))   # 矿渣粉 (GB/T 18046)
    assert slag["qualities"][GRADE] == ("S95", None)   # a grade, not refused as a number


def test_a_malformed_code_names_its_place_and_the_format():
    raw = copy.deepcopy(RAW)
    ent(raw, "E02")["streams"][1]["properties"][4]["value"] = "HW34 261-058-06"
    problems = read(raw).problems
    assert [p.place for p in problems] == ["enterprises[1].streams[1].properties[4].value"]
    assert "末两位为06，与类别HW34不一致" in problems[0].zh and "HWnn" in problems[0].zh


def test_site_permit_and_status_keys(survey):
    by_id = {e.id: e for e in survey.enterprises}
    fact = "https://w3id.org/cpkb/id/fact/"
    assert (by_id["E01"].facts[fact + "latitude"], by_id["E01"].facts[fact + "longitude"]) == (34.5, 119.3)
    assert fact + "latitude" not in by_id["E04"].facts            # no coordinates taken: none invented
    assert by_id["E04"].hw_permit["scope"] == {"HW06": frozenset({"900-402-06", "900-404-06"})}
    assert by_id["E07"].hw_permit["number"] == "JSLYG0723OOD021"
    assert by_id["E02"].facts[fact + "hw-receipt-basis"] == ("none",)      # hw_permit_no: 无
    assert "idle" in by_id["E13"].set_apart and "idle" not in by_id["E12"].set_apart


def test_firm_matches_recomputed_by_hand(park):
    got = pairs(park, "matches")
    gypsum = got[("E01", "E09", "fgd-gypsum")]        # min(2.0, 4.5) 万t/a; 92.5 ≥ 85 %, 11 ≤ 12 %, 0.06 ≤ 0.1 %
    assert (gypsum["amount"], gypsum["unit"]) == (pytest.approx(2.0), "万t/a")
    assert {q["offer"] for q in gypsum["qualities_met"]} == {92.5, 11, 0.06}
    assert got[("E01", "E09", "bottom-ash")]["amount"] == pytest.approx(min(1.2, 0.8))
    heat = got[("E06", "E12", "waste-heat-medium")]   # 88 °C ≥ 75 + 10 °C; 1.2 MW ≤ 28.8万GJ/a ÷ 8760 h ÷ 3.6
    assert (heat["amount"], heat["unit"]) == (pytest.approx(1.2), "MW") and 1.2 * 8760 * 3.6 < 288000
    assert heat["distance_km"] == pytest.approx(0.71, abs=0.01)
    ash = got[("E01", "E09", "fly-ash")]              # the contracted 5.0万t/a is only in the fate's words: shown
    assert "合同" in ash["fate_today"] and ash["amount"] == pytest.approx(min(6.9, 12))
    assert len(got) == 4


def test_hazardous_wastes_go_only_where_the_permit_covers_the_code(park):
    pending = pairs(park, "conditional")
    acid = pending[("E02", "E07", "spent-sulfuric-acid")]   # 2 800 t/a = 0.28万t/a; 261-058-34 in E07's permit
    assert acid["amount"] == pytest.approx(2800 / 10000) and acid["unit"] == "万t/a"
    assert "核准类别HW34（261-057-34、261-058-34、900-300-34、900-349-34）含该废物" in acid["hazardous"]["zh"]
    toluene, methanol = pending[("E05", "E04", "spent-solvent")], pending[("E14", "E04", "spent-solvent")]
    assert (toluene["amount"], methanol["amount"]) == (1800, 400) and 1800 + 400 <= 2500
    assert all("含该废物" in m["hazardous"]["zh"] for m in (toluene, methanol))
    refused = pairs(park, "refused")
    dcm = refused[("E05", "E04", "spent-solvent")]          # 900-401-06 is not among 900-402-06, 900-404-06
    assert dcm["amount"] == 600 and "HW06 900-401-06" in dcm["hazardous"]["zh"] and "不含该废物" in dcm["hazardous"]["zh"]


def test_refusals_with_their_reasons(park):
    refused = pairs(park, "refused")
    nitration = refused[("E05", "E07", "spent-sulfuric-acid")]   # code in scope, but 三氯乙醛 0.3 % > 0 %
    assert [(q["labels"]["zh"], q["offer"]) for q in nitration["qualities_failed"]] == [("三氯乙醛", 0.3)]
    for to, chloride in (("E01", 250), ("E06", 250), ("E09", 500)):   # effluent Cl⁻ 1 900 mg/L
        failed = {q["labels"]["zh"]: (q["offer"], q["demand"]) for q in refused[("E10", to, "reclaimed-water")]["qualities_failed"]}
        assert failed["氯离子"] == (1900, chloride)
    low = refused[("E01", "E09", "waste-heat-low")]               # 38 °C < 55 + 10 °C
    assert [(q["offer"], q["demand"]) for q in low["qualities_failed"]] == [(38, 65)]


def test_the_idle_plant_is_set_apart_and_said(park):
    apart = park["symbiosis"]["set_apart"]
    assert {a["enterprise"] for a in apart} == {"E13"}
    assert all("停产" in a["reason"]["zh"] for a in apart)
    assert not any("E13" in (f, t) for f, t, _ in every_pair(park))


def test_what_the_team_said_must_not_be_said(park):
    said = every_pair(park)
    proposed = {**pairs(park, "matches"), **pairs(park, "conditional")}
    assert not any(f == "E11" and t == "E09" for f, t, _ in said)          # incinerator ash to the grinding station
    assert ("E05", "E07", "spent-sulfuric-acid") not in proposed          # nitration acid on the code alone
    assert not any(f == "E05" and t == "E08" for f, t, _ in proposed)     # spent toluene used unregenerated
    assert not any(t == "E10" for f, t, _ in proposed)                    # no permit, no approved plan
    assert not any(f == "E10" and t in ("E01", "E06") for f, t, _ in proposed)
    assert not any(f == "E03" and t == "E11" for f, t, _ in proposed)      # mercury catalyst is not burnt


def test_coded_ash_is_never_coal_fly_ash_and_an_exemption_is_checked():
    raw = copy.deepcopy(RAW)
    ent(raw, "E11")["streams"][1]["resource"] = "粉煤灰"                  # named like coal ash, coded HW18
    e10 = ent(raw, "E10")
    e10["facts"] = {"接收危险废物的依据": "点对点定向利用"}
    e10["streams"][3]["resource"] = "水处理混凝剂"
    result = diagnose(read(raw), real_store(), {})
    ash = pairs(result, "refused")[("E11", "E09", "fly-ash")]
    assert "HW18 772-003-18" in ash["hazardous"]["zh"] and "不是一般工业固体废物" in ash["hazardous"]["zh"]
    assert ("E11", "E09", "fly-ash") not in pairs(result, "matches")
    pickle = pairs(result, "conditional")[("E12", "E10", "spent-hcl-pickle-liquor")]
    assert "第31项" in pickle["hazardous"]["zh"] and "省级生态环境部门" in pickle["hazardous"]["zh"]


def test_schema_valid_and_chinese_without_internal_ids(park):
    jsonschema.validate(park, SCHEMA)
    for kind in ("matches", "conditional", "refused"):
        for m in park["symbiosis"][kind]:
            assert not any(w in m["conditions"]["zh"] for w in ("https://", "named:", "at-least", "at-most"))
