"""The 汉北河 basin survey of 15 enterprises (11 textile, a slaughterhouse, a starch plant, a brewery), as a blind county
team wrote it (examples/printing_dyeing_hanbei_basin.yaml, unchanged) against the findings it worked out by hand
before any run (printing_dyeing_hanbei_basin.expected.yaml). Every load below is recomputed here from the survey's
own figures: concentration (mg/L) × annual wastewater (m³/a) × 10⁻⁶, the wastewater being the emissions line `废水`
(万吨/年 = 10⁴ m³/a) or the daily flow × the working days. What the engine cannot do yet is listed in
printing_dyeing_hanbei_basin.comparison.md."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from cpkb.diagnostics.engine import diagnose

from diagnose_support import EXAMPLES, read, real_store

ID = "https://w3id.org/cpkb/id/pollutant/"
COD, NH3N, TN, TP = (f"{ID}{k}" for k in ("cod", "nh3-n", "tn", "tp"))
INDIRECT = {"E01", "E03", "E04", "E05", "E06", "E07", "E08", "E10", "E11", "E13", "E15"}
SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "diagnostics" / "result.schema.json").read_text())


@functools.lru_cache(maxsize=1)
def run():
    raw = yaml.safe_load((EXAMPLES / "printing_dyeing_hanbei_basin.yaml").read_text(encoding="utf-8"))
    survey = read(raw)
    assert not survey.problems, [p.as_dict() for p in survey.problems]
    return survey, diagnose(survey, real_store(), {})


def pollutant(iri: str) -> dict:
    return next(p for p in run()[1]["reduction_potential"]["pollutants"] if p["pollutant"] == iri)


def baseline(iri: str) -> dict[str, dict]:
    return {b["enterprise"]: b for b in pollutant(iri)["baseline"]}


def said(enterprise: str | None, words: str) -> list[str]:
    return [w["message"] for w in run()[1]["warnings"] if w.get("enterprise") == enterprise and words in w["message"]]


def test_baseline_by_route_recomputed_from_the_survey():
    cod = baseline(COD)
    # E01: 3800 m³/d × 300 d, 260 mg/L
    assert cod["E01"]["how"] == "measured" and cod["E01"]["t_per_a"] == pytest.approx(260 * 3800 * 300 / 1e6)
    # E09: 废水 42.5 万吨/年 = 425 000 m³/a, a metered year
    assert baseline(NH3N)["E09"]["t_per_a"] == pytest.approx(11.5 * 425_000 / 1e6)
    # E04: 1.5 万 m³ a month × 12 months
    assert baseline(TN)["E04"]["t_per_a"] == pytest.approx(11 * 15_000 * 12 / 1e6)
    # E10: the permit report's kg/a are kg, not tonnes
    assert baseline(TP)["E10"]["how"] == "reported" and baseline(TP)["E10"]["t_per_a"] == pytest.approx(1.15)
    # E12 (a slaughterhouse of another sector) still counts in the basin's load: 750 m³/d × 300 d
    assert baseline(TP)["E12"]["t_per_a"] == pytest.approx(3.2 * 750 * 300 / 1e6)


def test_idle_months_cut_the_working_days():
    # E06 ran 6 months of 2024: 300 written days are 150, so 1200 m³/d × 150 d, never × 300
    assert baseline(COD)["E06"]["t_per_a"] == pytest.approx(280 * 1200 * 150 / 1e6)
    assert said("E06", "taken in proportion")


def test_influent_written_as_the_outlet_is_not_discharge():
    # E05's 总排口 1850 mg/L is, by the team's note, the equalisation-tank inlet: generated, not emitted
    survey, _ = run()
    e05 = next(e for e in survey.enterprises if e.id == "E05")
    assert all(em["stage"] == "generated" for em in e05.emissions if em["value"] in (1850, 42, 68, 6.5))
    assert baseline(COD)["E05"]["t_per_a"] == pytest.approx(236 * 2100 * 310 / 1e6)   # the enforcement sample
    assert "E05" not in baseline(TN) and "E05" not in baseline(TP)                      # no outlet figure, no load


def test_the_rain_drain_is_left_out():
    survey, _ = run()
    e11 = next(e for e in survey.enterprises if e.id == "E11")
    assert 46 not in [em["value"] for em in e11.emissions]
    assert baseline(COD)["E11"]["t_per_a"] == pytest.approx(240 * 1600 * 300 / 1e6)
    assert said("E11", "stormwater outlet")


def test_basin_totals_direct_indirect_and_after_the_park_plant():
    for iri, total, direct, indirect, after, river in (
            (COD, 1213.0, 115.2, 1097.8, 141, 256), (NH3N, 73.7, 12.6, 61.1, 4.9, 17.5),
            (TN, 130.6, 28.3, 102.3, 50.7, 79), (TP, 8.90, 1.89, 7.00, 1.24, 3.1)):
        p = pollutant(iri)
        assert p["baseline_t_per_a"] == pytest.approx(total, abs=0.06)
        split = p["by_discharge_route_t_per_a"]
        assert split["direct"] == pytest.approx(direct, abs=0.06) and split["indirect"] == pytest.approx(indirect, abs=0.06)
        plant = p["after_receiving_plant"]
        assert plant["wastewater_m3_a"] == pytest.approx(4_412_000)
        assert plant["t_per_a"] == pytest.approx(after, rel=0.01) and plant["to_water_t_per_a"] == pytest.approx(river, rel=0.01)
        assert plant["no_wastewater"] == ["E08", "E15"]                  # no volume: listed, not guessed
    assert not any(b["enterprise"] in {"E08", "E15"} for b in pollutant(COD)["baseline"])


def test_direct_dischargers_over_their_limit_and_no_indirect_judged_by_direct_limits():
    sets = {s["requirement"].rsplit("/", 1)[-1]: s for s in run()[1]["compliance"]["sets"]}
    direct = sets["gb4287-table2-direct"]
    assert {(c["enterprise"], c["subject"]) for c in direct["exceeded"]} == {("E09", NH3N), ("E09", TN)}
    assert not set(direct["enterprises"].get("applies", [])) & INDIRECT
    for s in sets.values():   # no indirect discharger exceeds anything, least of all by direct limits
        assert not {c["enterprise"] for c in s["exceeded"]} & INDIRECT, s["labels"]["en"]
    agreement = sets["survey:sewer-agreement"]
    assert set(agreement["enterprises"]["applies"]) == INDIRECT and agreement["checks"] and not agreement["exceeded"]
    assert not any(c["measured"] == 1850 for c in agreement["checks"])


def test_must_not_say():
    survey, r = run()
    # food plants of another sector are not judged by the dyeing standard (nor for TN/TP they have no limit of)
    for s in r["compliance"]["sets"]:
        if s["requirement"].endswith(("gb4287-table2-direct", "gb4287-table2-park", "gb4287-table2-other-indirect")):
            assert {"E12", "E13", "E14"} <= set(s["enterprises"]["not_applicable"])
    # 废水 is no pollutant: it never enters a load, and no unknown-pollutant warning is left for it
    assert not [u for u in r["unresolved"] if u["name"] == "废水"]
    assert all(p["pollutant"].startswith(ID) for p in r["reduction_potential"]["pollutants"])
    # the special limits are not applied in 2024 (scope.facts.special_limits_applied: false)
    assert not any(s["area"] == "special" and s["enterprises"].get("applies") for s in r["compliance"]["sets"])
    # E02's total phosphorus is a reported load, not a concentration to judge at the limit
    assert not any(c["enterprise"] == "E02" for s in r["compliance"]["sets"] for c in s["exceeded"])
    jsonschema.validate(r, SCHEMA)


def test_team_keys_are_read_not_warned_as_unknown():
    _, r = run()
    unknown = {u["name"] for u in r["unresolved"]}
    assert not unknown & {"discharge_mode", "receiving", "wastewater_m3_per_day", "working_days", "废水",
                          "nanguan_agreement_limits_mg_L", "park_wwtp_effluent_2024_avg_mg_L", "characteristic_pollutants",
                          "special_limits_applied", "operating_months_2024", "idle_note"}
    assert not [w for w in r["warnings"] if "unknown enterprise field" in w["message"] or
                w["message"].startswith("unknown field, ignored")]
    assert r["reduction_potential"]["followed"]["from"] == "survey"


FOOD = {"E12", "E13", "E14"}


def _sets() -> dict[str, dict]:
    return {s["requirement"].rsplit("/", 1)[-1]: s for s in run()[1]["compliance"]["sets"]}


def test_the_slaughterhouse_is_judged_by_its_own_sector_standard():
    # E12 writes sector 屠宰及肉类加工, product 生猪屠宰 (livestock), direct to the 汉北河, a class III water
    # (scope.facts.receiving_water_function_class): GB 13457-92 grade 1 for livestock slaughtering binds it.
    # By hand from the survey: COD 95 mg/L > 80, NH3-N 18 mg/L > 15; no other pollutant of that grade is measured.
    grade1 = _sets()["gb13457-grade1-livestock"]
    assert grade1["enterprises"]["applies"] == ["E12"]
    over = {(c["enterprise"], c["subject"]): (c["measured"], c["limit_value"]) for c in grade1["exceeded"]}
    assert over == {("E12", COD): (95, 80), ("E12", NH3N): (18, 15)}
    assert 95 > 80 and 18 > 15
    # grade 3 (to a sewer) does not bind a direct discharger; the starch plant's indirect set binds E13 alone
    assert "E12" in _sets()["gb13457-grade3-livestock"]["enterprises"]["not_applicable"]
    assert _sets()["gb25461-table2-indirect"]["enterprises"]["applies"] == ["E13"]
    survey, _ = run()
    e12 = next(e for e in survey.enterprises if e.id == "E12")
    assert e12.sector.endswith("/agri-food") and "other_sector" in e12.set_apart
    assert said("E12", "生猪屠宰") and said("E12", "receiving_water_function_class: III")


def test_food_plants_get_their_own_sector_findings_not_the_dyeing_ones():
    _, r = run()
    for issue in r["key_issues"] + r["other_findings"] + r["unconfirmed"]:
        food = set(issue.get("enterprises", [])) & FOOD
        if food:   # 次氯酸钠 disinfecting a slaughterhouse is no chlorine bleaching of fabric
            assert "/agri-food/" in issue["problem"], (issue["problem"], food)
        if "/agri-food/" in issue["problem"]:
            assert not issue["key_issue"]   # another sector's findings are not the dyeing sector's shared issues
    exceeded = next(i for i in r["other_findings"] if i["problem"].endswith("agri-food/problem/discharge-limit-exceeded"))
    assert exceeded["enterprises"] == ["E12"]
    assert not any(set(n["enterprises"]) & FOOD for n in r["rules_not_evaluated"] if "/printing-dyeing/" in n["rule"])
    # graded (or not) by their own sector's indicator systems, never by the dyeing one
    dyeing = {e["enterprise"] for e in r["indicator_assessment"]["enterprises"] if "/printing-dyeing/" in e["system"]}
    assert not dyeing & FOOD and len(dyeing) == 12

