"""The engine against what a county audit team expected from its own messy electroplating survey, written before
and without seeing the tool (examples/electroplating_county_messy.expected.yaml). What the team expected and the
engine finds is kept so; what it must not say is checked for every enterprise; the misses are listed in
examples/electroplating_county_messy.comparison.md with their reasons."""

from __future__ import annotations

import functools
import json

import pytest
import yaml

from cpkb.diagnostics.engine import diagnose

from diagnose_support import EXAMPLES, read, real_store


@functools.lru_cache(maxsize=1)
def result() -> dict:
    raw = yaml.safe_load((EXAMPLES / "electroplating_county_messy.yaml").read_text(encoding="utf-8"))
    return diagnose(read(raw), real_store())


def _found(problem: str) -> set[str]:
    r = result()
    return {e for i in r["key_issues"] + r["other_findings"] if i["problem"].endswith("/problem/" + problem)
            for e in i["enterprises"]}


def test_expected_findings_are_found():
    assert _found("cyanide-plating") >= {"E02"}                                   # K2
    assert _found("inefficient-rectifiers") >= {"E02", "E05", "E12", "E14"}        # K9
    assert _found("heat-loss-tanks") >= {"E04", "E14"}                             # K9
    assert _found("acid-mist") >= {"E05"}                                          # K11
    assert _found("no-water-metering") >= {"E02", "E05", "E12"}                    # K14
    assert _found("no-cp-management") >= {"E02", "E05", "E11", "E12", "E16"}       # K14
    assert _found("mixed-wastewater-streams") >= {"E12"}                           # K10
    assert _found("single-tank-rinse") >= {"E02", "E16"}                           # K1


def test_the_veto_is_only_for_the_eliminated_technique():
    cyanide = next(i for i in result()["key_issues"] if i["problem"].endswith("/problem/cyanide-plating"))
    assert cyanide["veto_enterprises"] == ["E02"]            # E13's cyanide gold and silver plating are exempt
    assert "E13使用淘汰类" not in result()["conclusion"]["zh"]


def test_data_problems_are_said():
    r = result()
    assert any(w["enterprise"] == "E09" and "其他行业" in w["message"] for w in r["warnings"])   # hot-dip galvanizer
    rows = {e["enterprise"]: e for e in r["indicator_assessment"]["enterprises"]}
    assert rows["E08"]["class"] is None                                                      # zero output
    # D1: E07's 6 L/m² against its own water balance (96,000 m³, 600,000 m², 4 stages: at least 40 L/m²)
    assert any(w["enterprise"] == "E07" and "推算至少为40 L/m²" in w["message"] for w in r["warnings"])
    assert rows["E07"]["class"] != "I"                                                       # not graded on it
    # D2 and D5: the zinc balance. 150万 m² at 5 µm needs ≥ 54 t of zinc, E11 bought 15.6 t; E16's "9%" is below
    # half of the ≥ 46.7 % its own area and zinc give (the team suspected 79 %)
    zinc = {w["enterprise"]: w["message"] for w in r["warnings"] if w["message"].startswith("锌利用率：填报")}
    assert "推算至少为347 %" in zinc["E11"] and "超过100%" in zinc["E11"]
    assert "推算至少为46.67 %" in zinc["E16"]
    assert r["unresolved"], "names the engine did not understand are listed"


def test_must_not_say():
    r = result()
    no_cyanide = {"E01", "E05", "E06", "E10", "E14", "E15", "E16", "E17"}
    assert not _found("cyanide-plating") & no_cyanide
    trivalent_already = {"E01", "E05", "E06", "E14", "E17"}
    assert not _found("hexavalent-chromium-use") & trivalent_already
    passivation = [rec for rec in r["recommendations"] if rec["measure"].endswith("/switch-to-trivalent-passivation")]
    assert all(not set(rec["applies_to"]) & trivalent_already for rec in passivation)
    zinc_only = {"E01", "E02", "E05", "E12", "E16", "E17"}
    no_chromium = {"E10", "E17"}
    for rec in r["recommendations"]:
        key = rec["measure"].rsplit("/", 1)[-1]
        if "nickel" in key or "ni-" in key:
            assert not set(rec["applies_to"]) & zinc_only, key
        if "chrom" in key or "cr-" in key or "cr6" in key:
            assert not set(rec["applies_to"]) & no_chromium, key


@functools.lru_cache(maxsize=1)
def dyeing() -> dict:
    raw = yaml.safe_load((EXAMPLES / "printing_dyeing_wujiang_messy.yaml").read_text(encoding="utf-8"))
    return diagnose(read(raw), real_store())


def _dyeing_found(problem: str, sections=("key_issues", "other_findings")) -> set[str]:
    r = dyeing()
    return {e for s in sections for i in r[s] if i["problem"].endswith("/problem/" + problem) for e in i["enterprises"]}


def test_dyeing_expected_findings_are_found():
    assert _dyeing_found("low-water-reuse") >= {"P02", "P03", "P05", "P10", "P14"}          # K1
    assert _dyeing_found("stenter-heat-lost") >= {"P02", "P03", "P09", "P12", "P13"}        # K2
    assert _dyeing_found("lye-not-recovered") == {"P02"}                                    # K5
    assert _dyeing_found("antimony-discharge-risk") == {"P05"}                              # K6
    assert _dyeing_found("urea-nitrogen-load") == {"P02", "P06", "P12"}                     # K7
    assert _dyeing_found("dichromate-screen-making") == {"P12"}                             # K10
    assert _dyeing_found("chlorine-bleaching-aox") == {"P14"}                               # K12


def _finding_measures(problem: str) -> dict[str, list[str]]:
    found = next(i for i in dyeing()["other_findings"] if i["problem"].endswith("/problem/" + problem))
    return {m["measure"].rsplit("/", 1)[-1]: m["applies_to"] for m in found.get("measures", [])}


def test_single_enterprise_findings_get_their_own_measures():
    # the team expected lye recovery for P02 and urea substitution for the printers, below the key-issue threshold
    assert _finding_measures("lye-not-recovered") == {"recover-mercerising-lye": ["P02"]}
    urea = _finding_measures("urea-nitrogen-load")
    assert any("urea" in m for m in urea) and all(set(e) <= {"P02", "P06", "P12"} for e in urea.values())


def test_dyeing_must_not_say():
    r = dyeing()
    every = ("key_issues", "other_findings", "unconfirmed")
    assert not _dyeing_found("antimony-discharge-risk", every) & {"P02", "P04", "P06", "P11", "P12"}
    assert not _dyeing_found("high-water-intake", every) & {"P06"}
    for rec in r["recommendations"]:
        assert "/electroplating/" not in rec["measure"]
        if "lye" in rec["measure"]:
            assert not set(rec["applies_to"]) & {"P01", "P03", "P05", "P10", "P11", "P13", "P14"}
    findings = [(i["problem"], e) for s in every for i in r[s] for e in i["enterprises"]]
    assert all(e == "P13" for p, e in findings if "coal" in p)
    assert all(e == "P12" for p, e in findings if "dichromate" in p or "cr6" in p)
    assert all(e == "P14" for p, e in findings if "aox" in p)


# ---------------------------------------------------------------------------------------------------------------
# 乐山 papermaking (examples/papermaking_leshan_messy.expected.yaml; misses in papermaking_leshan_messy.comparison.md).
# E07 (hand-made paper counted in 刀, pH without a unit) has errors, so the survey is diagnosed with it set aside.

@functools.lru_cache(maxsize=1)
def paper() -> dict:
    raw = yaml.safe_load((EXAMPLES / "papermaking_leshan_messy.yaml").read_text(encoding="utf-8"))
    return diagnose(read(raw), real_store(), exclude_invalid=True)


def _paper_found(problem: str, sections=("key_issues", "other_findings")) -> set[str]:
    r = paper()
    return {e for s in sections for i in r[s] if i["problem"].endswith("/problem/" + problem) for e in i["enterprises"]}


def proposed_measures(r: dict, sections=("key_issues", "other_findings")) -> dict[str, set[str]]:
    """Every measure a result proposes, by id, with the enterprises it is proposed for (recommendations of the key
    issues and the measures of the findings in `sections`)."""
    out: dict[str, set[str]] = {}
    for rec in r["recommendations"]:
        out.setdefault(rec["measure"].rsplit("/", 1)[-1], set()).update(rec["applies_to"])
    for i in (i for s in sections for i in r[s]):
        for m in i.get("measures", []):
            out.setdefault(m["measure"].rsplit("/", 1)[-1], set()).update(m["applies_to"])
    return out


def _paper_measures() -> dict[str, set[str]]:
    return proposed_measures(paper())


def _paper_unconfirmed(measure: str) -> set[str]:
    """The enterprises a measure is proposed to with its prerequisite unconfirmed, in any finding."""
    r = paper()
    return {e for s in ("key_issues", "other_findings") for i in r[s] for m in i.get("measures", [])
            if m["measure"].endswith("/" + measure) for e in m["prerequisite_unconfirmed"]}


def test_paper_survey_is_read():
    r = paper()
    assert r["excluded"] == []                                       # 刀 is kept as written, pH needs no unit
    rows = {e["enterprise"]: e for e in r["indicator_assessment"]["enterprises"]}
    assert rows["E07"]["class"] is None                              # handmade paper counted in 刀: not graded
    diagnosed = {e["id"] for e in r["enterprises"]}
    assert {"E01", "E02", "E11"} <= diagnosed                        # 万Adt, m3/Adt, kgce/Adt and m3/t浆 are read


def test_paper_expected_findings_are_found():
    assert _paper_found("black-liquor-not-recovered") == {"E14"}                       # K1
    assert "E02" in _paper_found("chlorine-bleaching-aox") <= {"E02", "E07"}  # K3 (H stage, hypochlorite); E07 buys 漂白粉
    assert _paper_found("high-bleaching-load") >= {"E02"}                              # K3 (no oxygen stage)
    assert _paper_found("odorous-gases-uncollected") == {"E02"}                        # K4 (NCG not collected)
    assert _paper_found("low-washing-efficiency") == {"E02", "E14"}                    # K4 (vacuum washers, open screens)
    assert _paper_found("discharge-limit-exceeded") >= {"E04", "E06"}                  # K6
    assert _paper_found("dryer-steam-high") >= {"E02", "E06", "E12"}                   # K8
    assert _paper_found("biogas-not-used") == {"E13"}                                  # K9 (biogas flared)
    assert _paper_found("no-cp-management") - {"E07"} == {"E04", "E06", "E14"}         # K11 (E07 too, the team says, not graded)
    assert _paper_found("batch-cooking-losses") >= {"E14"}
    assert _paper_found("white-water-loss") >= {"E04"}                                 # K7 (白水是否回收: 否)


def test_paper_expected_measures_are_proposed():
    m = _paper_measures()
    assert "E13" in m["use-biogas-as-fuel"]
    assert "E02" in m["add-oxygen-delignification"]
    assert "E02" in m["convert-to-peroxide-tcf-bleaching"]            # the H top-up replaced by a peroxide stage
    # E06's ≤1万t/a recovered-paper lines and E14's small straw line are eliminated capacity (the team's K2, K3);
    # E02 appears only as unconfirmed: its paper-machine list is open, so an eliminated machine is not ruled out
    confirmed = {e for e in m["retire-eliminated-capacity"] if e not in _paper_unconfirmed("retire-eliminated-capacity")}
    assert confirmed == {"E06", "E14"}
    assert {"E04", "E06", "E14"} <= m["cp-management-and-staff"]


def test_paper_data_problems_are_said():
    r = paper()
    said = {(w.get("enterprise"), w["message"]) for w in r["warnings"]}
    # D3: a recovery rate above the extraction rate cannot be right
    assert any(e == "E11" and "碱回收率" in m and "至多为91 %" in m for e, m in said)
    # D7: shares written as fractions are queried, not silently read
    assert any(e == "E04" and "0.3" in m and "30" in m for e, m in said)
    assert any(e == "E11" and "0.82" in m and "82" in m for e, m in said)
    # D5, D6: the box plant is another sector; no enterprise is graded on zero or foreign output
    assert any(e == "E08" and "其他行业" in m for e, m in said)
    rows = {row["enterprise"]: row for row in r["indicator_assessment"]["enterprises"]}
    assert rows["E09"]["class"] is None and rows["E08"]["class"] is None
    # D9: the wastewater volume written as a pollutant is read as the annual volume, said, and added to no load
    assert not any("废水排放量" in u["name"] for u in r["unresolved"])
    assert any(e == "E02" and "废水排放量 507 万m3/a" in m and "not added to any load" in m for e, m in said)


def test_paper_must_not_say():
    r = paper()
    every = ("key_issues", "other_findings", "unconfirmed")
    no_chemical_pulp = {"E03", "E04", "E05", "E06", "E10", "E12", "E13"}
    chemical_pulp_only = ("install-chemical-recovery", "install-displacement-press-washing", "control-washing-dilution",
                          "add-oxygen-delignification", "convert-to-ecf-bleaching", "convert-to-peroxide-tcf-bleaching",
                          "upgrade-evaporation-high-solids", "reburn-lime-mud", "contain-black-liquor-spills",
                          "recycle-bleach-filtrates", "control-bleach-chemical-dosing")
    measures = _paper_measures()
    for key in chemical_pulp_only:
        assert not measures.get(key, set()) & no_chemical_pulp, key
    unbleached = {"E05", "E06", "E10", "E11", "E13", "E14"}
    assert not _paper_found("chlorine-bleaching-aox", every) & unbleached
    assert not _paper_found("chlorine-bleaching-aox", every) & {"E01"}      # E01 is ECF, no hypochlorite
    findings = {e for s in every for i in r[s] for e in i["enterprises"]}
    assert not findings & {"E01", "E03", "E05"}                            # the benchmark mills
    assert "E04" not in _paper_found("eliminated-capacity-in-use", every)  # tissue machines are not in the catalogue
    for key, who in measures.items():
        if "deink" in key:
            assert not who & {"E05", "E06", "E10", "E13"}, key            # OCC without deinking
        assert "E08" not in who, key                                       # the box plant gets no paper measure
        assert "E01" not in who, key                                       # nothing for the CFB with ultra-low emissions
    assert "E08" not in _paper_found("discharge-limit-exceeded", every)   # no GB 3544 on its ink wash water
    sets = {s["requirement"].rsplit("/", 1)[-1]: s for s in r["compliance"]["sets"]}
    assert all(k.startswith(("gb3544", "gb31825-2015")) for k in sets)    # no GB 4287 or GB 8978, no GB 31825-2024
    assert not sets["gb3544-table3-special"]["enterprises"].get("applies")   # Leshan is not a special-limit area
    assert not any(row["class"] == "I" for row in r["indicator_assessment"]["enterprises"])
    text = json.dumps({k: r[k] for k in ("key_issues", "other_findings", "unconfirmed", "conclusion")},
                      ensure_ascii=False)
    assert "E02使用元素氯" not in text and "元素氯漂白" not in text
    hazardous = [i for s in every for i in r[s] if "hazardous" in i["problem"]]
    assert not hazardous                                                  # lime mud, rejects and sludge are not HW


# ---------------------------------------------------------------------------------------------------------------
# 池州 cement (examples/cement_chizhou_messy.expected.yaml; misses in cement_chizhou_messy.comparison.md).

GRINDING_STATIONS = {"E04", "E05", "E12"}
KILN_ONLY_MEASURES = ("install-waste-heat-power", "raise-whr-output", "install-sncr", "install-kiln-scr",
                      "install-kiln-fgd", "retrofit-grate-cooler", "upgrade-preheater-calciner",
                      "retrofit-staged-combustion", "seal-kiln-system", "control-ammonia-dosing",
                      "replace-small-clinker-line")


@functools.lru_cache(maxsize=1)
def cement() -> dict:
    raw = yaml.safe_load((EXAMPLES / "cement_chizhou_messy.yaml").read_text(encoding="utf-8"))
    return diagnose(read(raw), real_store())


def _cement_found(problem: str, sections=("key_issues", "other_findings")) -> set[str]:
    r = cement()
    return {e for s in sections for i in r[s] if i["problem"].endswith("/problem/" + problem) for e in i["enterprises"]}


def _cement_measures() -> dict[str, set[str]]:
    return proposed_measures(cement())


def _cement_sets() -> dict[str, dict]:
    return {s["requirement"].rsplit("/", 1)[-1]: s["enterprises"] for s in cement()["compliance"]["sets"]}


def test_cement_expected_findings_are_found():
    assert _cement_found("air-limit-exceeded") >= {"E03", "E05", "E11"}        # K1 SO2 260, K3 NH3 12, K7 packer 26
    assert "E11" in _cement_found("sulfur-raw-materials-so2", ("key_issues", "other_findings", "unconfirmed"))
    assert _cement_found("ammonia-slip") == {"E03"}                              # K3
    assert _cement_found("energy-above-baseline") == {"E03"}                     # K4: 118 > 117
    assert _cement_found("waste-heat-not-recovered") == {"E03"}                  # K4: no WHR
    assert _cement_found("high-clinker-heat") >= {"E02", "E03", "E10", "E11", "E14"}   # K4: short of benchmark 100
    assert not _cement_found("high-clinker-heat") & {"E01", "E09"}
    assert _cement_found("high-grinding-power") >= {"E03", "E05", "E14"}         # K5
    assert _cement_found("ule-gap") >= {"E02", "E03", "E09", "E11", "E14"}       # K9 (gap to the ultra-low levels)
    assert _cement_found("no-cp-management") == {"E03", "E05"}                   # K10


def test_cement_expected_measures_are_proposed():
    m = _cement_measures()
    assert "E11" in m["install-kiln-fgd"]
    assert "E03" in m["install-waste-heat-power"]
    assert "E03" in m["convert-esp-to-bag"]
    assert {"E03", "E05"} <= m["enclose-storage"]
    assert {"E03", "E05"} <= m["cp-management-and-staff"]
    assert {"E03", "E14"} <= m["convert-to-finish-grinding"]


def test_cement_data_problems_are_said():
    r = cement()
    said = {(w.get("enterprise"), w["message"]) for w in r["warnings"]}
    assert any(e == "E05" and "0.33" in m and "33" in m for e, m in said)      # D7: share written as a fraction
    sets = _cement_sets()
    for key in ("gb4915-table2", "cement-ule-2024", "clinker-energy-baseline"):
        assert "E06" not in sets[key].get("applies", []), key                  # D5: no cement limits on lime
    assert set(sets["clinker-energy-baseline"].get("not_applicable", [])) >= GRINDING_STATIONS
    rows = {row["enterprise"]: row for row in r["indicator_assessment"]["enterprises"]}
    assert all(rows[e]["class"] is None for e in ("E07", "E13"))                 # D4, D6: not graded
    assert "E06" not in rows   # D5: the lime works (its product 活性石灰) is not graded by the cement system at all
    assert r["unresolved"]                                                     # D8


def test_cement_must_not_say():
    r = cement()
    every = ("key_issues", "other_findings", "unconfirmed")
    measures = _cement_measures()
    for key in KILN_ONLY_MEASURES:                                             # no kiln measure for grinding stations
        assert not measures.get(key, set()) & GRINDING_STATIONS, key
    for problem in ("high-clinker-heat", "energy-above-baseline", "waste-heat-not-recovered", "kiln-nox-high",
                    "ammonia-slip", "small-clinker-line"):
        assert not _cement_found(problem, every) & GRINDING_STATIONS, problem
    assert not _cement_found("eliminated-technique-in-use", every)             # no shaft, wet or hollow kiln here
    assert not any("shaft" in k or "wet-kiln" in k for k in measures)
    assert "install-sncr" not in measures or "E11" not in measures["install-sncr"]   # E11 has SNCR: FGD, not SNCR
    for key in ("install-sncr", "install-kiln-scr", "retrofit-staged-combustion", "control-ammonia-dosing"):
        assert not measures.get(key, set()) & {"E01", "E13"}, key              # both already ultra-low on NOx
    assert not _cement_found("kiln-nox-high", every) & {"E01", "E13"}          # SCR in place, NOx 45 and 48
    for e in ("E06", "E07", "E13"):                                            # lime works, idle plant, no output
        assert not any(e in who for who in measures.values()), e
    findings = [(i["problem"], e) for s in every for i in r[s] for e in i["enterprises"]]
    assert not [p for p, e in findings if e == "E08" and ("hazardous" in p or "coprocess" in p)]
    assert not [p for p, e in findings if "supplementary" in p or "clinker-factor" in p or "solid-waste" in p]
    for s in every:                                                            # E10's 210 ppm is not 210 mg/m³
        for i in r[s]:
            for ev in i["evidence"]:
                if ev["enterprise"] == "E10":
                    assert not any(f.get("subject", "").endswith("/nox") and f.get("value") == 210.0
                                   for f in ev["facts"])
    for s in every:                                                            # no O2 conversion anywhere
        for i in r[s]:
            for ev in i["evidence"]:
                assert not any((f.get("o2") or {}).get("normalised") for f in ev["facts"])
    rows = {row["enterprise"]: row for row in r["indicator_assessment"]["enterprises"]}
    assert rows["E09"]["class"] != "I"                                         # its 92 kgce/t is not credible
    assert "E03" not in {e for p, e in findings if "eliminated" in p}          # 2500 t/d is not catalogue-eliminated


# -- agri-food: the 绥化 audit team (starch, slaughtering, dairy); examples/agri_food_suihua_messy.comparison.md

@functools.lru_cache(maxsize=1)
def agri() -> dict:
    raw = yaml.safe_load((EXAMPLES / "agri_food_suihua_messy.yaml").read_text(encoding="utf-8"))
    return diagnose(read(raw), real_store())


_AGRI_EVERY = ("key_issues", "other_findings", "unconfirmed")


def _agri_found(problem: str, sections=_AGRI_EVERY) -> set[str]:
    return {e for s in sections for i in agri()[s] if i["problem"].endswith("/problem/" + problem)
            for e in i["enterprises"]}


def _agri_measures() -> dict[str, set[str]]:
    return proposed_measures(agri(), ("key_issues", "other_findings", "unconfirmed"))


def test_agri_survey_is_read():
    r = agri()
    assert not r["excluded"] and len(r["enterprises"]) == 14    # dairy (C14) records are diagnosed, not refused
    assert r["unresolved"], "names the engine did not understand are listed"


def test_agri_expected_findings_are_found():
    assert _agri_found("process-water-once-through") == {"E02"}            # K1 (新鲜水洗涤淀粉, no closed loop)
    assert _agri_found("steep-water-not-recovered") == {"E02"}             # K2 (浸泡水直接进污水站)
    assert _agri_found("biogas-not-used") == {"E02", "E13"}                # K4 (沼气火炬燃烧)
    assert _agri_found("wet-flushing-of-solids") == {"E06"}                # K6 (水冲清粪, 胃肠内容物水冲)
    assert "E06" in _agri_found("scalding-losses")                          # K6 (浸烫池)
    assert _agri_found("cleaning-without-recovery") == {"E11"}             # K10 (手工清洗, CIP碱液不回收)
    assert _agri_found("odour-uncollected") == {"E14"}                     # K11 (化制车间未负压收集)
    assert _agri_found("no-cp-management") == {"E02", "E03", "E06", "E11"}  # K12


def test_agri_expected_measures_are_proposed():
    m = _agri_measures()
    assert "E02" in m["close-process-water-loop"]
    assert "E02" in m["evaporate-steep-water"]
    assert {"E02", "E13"} <= m["use-biogas-as-fuel"]
    assert "E06" in m["dry-clean-lairage-and-guts"] and "E06" in m["switch-to-steam-scalding"]
    assert "E11" in m["recovery-cip"]
    assert m["collect-and-treat-odour"] == {"E14"}
    assert m["cp-management-and-staff"] == {"E02", "E03", "E06", "E11"}


def test_agri_data_problems_are_said():
    r = agri()
    said = {(w.get("enterprise"), w["message"]) for w in r["warnings"]}
    assert any(e == "E04" and "其他行业" in m for e, m in said)             # D6: the ethanol plant
    # D2: E13's water is not metered; the estimate in a free-text fact is kept as written, not read as a number
    assert any(u["name"] == "取水量" and "E13" in u["enterprise_ids"] for u in r["unresolved"])
    # D9: free-text answers are not read as yes/no
    assert any(e == "E06" and "总表一只" in m for e, m in said)
    rows = r["indicator_assessment"]["enterprises"]
    assert not any(row["class"] for row in rows if row["enterprise"] in {"E04", "E08", "E12"})   # not graded


def test_agri_must_not_say():
    r = agri()
    # 纳管 concentrations are not exceedances of direct-discharge limits; no standard of another subsector applies
    assert not _agri_found("discharge-limit-exceeded") & {"E07", "E09", "E10", "E12", "E13", "E14"}
    for s in r["compliance"]["sets"]:
        key = s["requirement"].rsplit("/", 1)[-1]
        hit = set(s["enterprises"].get("applies", [])) | {x.get("enterprise") for x in s.get("exceeded", [])}
        if key.startswith("gb25461"):
            assert not hit & {"E03", "E05", "E06", "E07", "E08", "E09", "E10", "E11", "E12", "E14"}, key
        if key.startswith("gb13457"):
            assert not hit & {"E01", "E02", "E03", "E09", "E10", "E11", "E12", "E13"}, key
        if s.get("area") == "special":
            assert not s["enterprises"].get("applies"), key        # Heilongjiang is not a special-limit area
    # starch problems only for the corn-starch plants (never E03's potato starch, never a slaughterhouse or dairy)
    for p in ("process-water-once-through", "steep-water-not-recovered", "low-dry-substance-yield"):
        assert _agri_found(p) <= {"E01", "E02", "E13"}, p
    # by-products are not wastes; nothing sends rendering products to feed
    assert not _agri_found("by-products-not-utilised")
    measures = _agri_measures()
    for key, who in measures.items():
        assert not who & {"E01", "E05", "E09"}, key                    # the good-practice plants get nothing
        assert not who & {"E04", "E08"}, key                           # another sector; no output
    for key in ("evaporate-steep-water", "mvr-evaporation"):
        assert not measures.get(key, set()) & {"E01", "E13"}, key       # they already make steep liquor
    assert not _agri_found("eliminated-capacity-in-use") & {"E05", "E09", "E12"}
    findings = {e for s in _AGRI_EVERY for i in r[s] for e in i["enterprises"]}
    assert not findings & {"E01", "E05", "E09"}
    text = json.dumps({k: r[k] for k in ("key_issues", "other_findings", "unconfirmed", "recommendations",
                                         "conclusion")}, ensure_ascii=False)
    for word in ("R22", "HCFC", "氟利昂", "VOCs", "电镀", "违法", "特别排放限值"):
        assert word not in text, word
    assert not any(row["class"] == "I" for row in r["indicator_assessment"]["enterprises"])


# -- packaging printing: the 龙港 audit team (flexible packaging, cartons, boxes, labels, cups);
#    examples/packaging_printing_longgang_messy.comparison.md. The survey is diagnosed unchanged (E05's ozone line
#    with no value is skipped with a warning, not refused).

@functools.lru_cache(maxsize=1)
def longgang() -> dict:
    raw = yaml.safe_load((EXAMPLES / "packaging_printing_longgang_messy.yaml").read_text(encoding="utf-8"))
    return diagnose(read(raw), real_store())


_LONGGANG_EVERY = ("key_issues", "other_findings", "unconfirmed")


def _longgang_found(problem: str, sections=("key_issues", "other_findings")) -> set[str]:
    return {e for s in sections for i in longgang()[s] if i["problem"].endswith("/packaging-printing/problem/" + problem)
            for e in i["enterprises"]}


def _longgang_measures() -> dict[str, set[str]]:
    return proposed_measures(longgang())


# (problem, the enterprises the team named for it, others the engine may add with the survey's own data behind them)
LONGGANG_FINDINGS = [
    ("high-voc-inks", {"E01", "E02", "E06", "E08"}, set()),            # sector issue 1: solvent gravure ink, no substitute
    ("solvent-lamination-vocs", {"E01", "E08"}, set()),               # E01 260 t solvent vs 85 t solventless; E08 dry only
    ("aromatic-solvents-used", {"E02", "E07"}, {"E10"}),              # toluene ink and thinner; E10 buys 180 t toluene
    ("ineffective-vocs-treatment", {"E02", "E07"}, set()),            # UV光氧催化, 水喷淋+UV光解
    ("stack-limit-exceeded", {"E02", "E07"}, set()),                  # NMHC 126 and 88 mg/m³ (above 80, whatever the age)
    ("alcohol-dampening", {"E03", "E07"}, set()),                     # 酒精润版, IPA bought for the fountain
    ("solvent-manual-cleaning", {"E03"}, set()),                      # 溶剂型洗车水手工擦洗, 9.5 t press wash bought
    ("solvent-film-laminating", {"E07"}, set()),                      # 即涂型覆膜机（溶剂胶）
    ("fugitive-ink-storage", {"E02", "E08"}, set()),                  # 开放式墨槽, 开放式墨盘
    ("poor-capture-fugitive", {"E02", "E08"}, set()),                 # hoods only; 熟化室（未收集）
    ("no-cp-management", {"E02", "E07"}, {"E04", "E10", "E12"}),      # has_cp_manager: false in the survey
    ("ink-voc-over-limit", set(), {"E02"}),                           # not expected: 78 % VOCs > 75 % of GB 38507
    ("solvent-not-recovered", {"E01"}, set()),                        # sector issue 6: 680 t ethyl acetate + 120 t IPA
]


def test_longgang_survey_is_read():
    r = longgang()
    assert not r["excluded"] and len(r["enterprises"]) == 12
    assert any(w.get("enterprise") == "E05" and "no value" in w["message"] for w in r["warnings"])   # ozone not measured
    assert len(r["unresolved"]) <= 30                              # 128 names before the review


@pytest.mark.parametrize("problem, expected, allowed", LONGGANG_FINDINGS, ids=[f[0] for f in LONGGANG_FINDINGS])
def test_longgang_expected_findings_are_found(problem, expected, allowed):
    found = _longgang_found(problem)
    assert found >= expected, f"{problem}: missing {sorted(expected - found)}"
    assert found <= expected | allowed, f"{problem}: not expected {sorted(found - expected - allowed)}"


def test_longgang_solvent_recovery_for_the_big_ethyl_acetate_users():
    # E08 (405 t of ester solvents) is unconfirmed: its treatment list is not declared complete
    assert _longgang_found("solvent-not-recovered", _LONGGANG_EVERY) == {"E01", "E06", "E08"}
    assert "E01" in _longgang_measures()["install-adsorption-recovery"]


LONGGANG_MEASURES = [
    ("switch-to-water-based-ink", {"E01", "E02", "E06", "E08"}),
    ("convert-to-solventless-lamination", {"E08"}),
    ("replace-aromatic-solvents", {"E02", "E07"}),
    ("alcohol-free-dampening", {"E03", "E07"}),
    ("low-voc-cleaning-agents", {"E03"}),
    ("precoated-film-laminating", {"E07"}),
    ("capture-curing-room-exhaust", {"E08"}),
    ("enclosed-doctor-chambers", {"E02", "E08"}),
    ("install-rotor-catalytic", {"E02", "E07"}),
    ("cp-management-and-staff", {"E02", "E07"}),
]


@pytest.mark.parametrize("measure, expected", LONGGANG_MEASURES, ids=[m[0] for m in LONGGANG_MEASURES])
def test_longgang_expected_measures_are_proposed(measure, expected):
    assert _longgang_measures().get(measure, set()) >= expected


def test_longgang_limits():
    sets = {s["requirement"].rsplit("/", 1)[-1]: s for s in longgang()["compliance"]["sets"]}
    exceeded = {x["enterprise"] for x in sets["gb41616-table1-existing"].get("exceeded", [])}
    assert exceeded == {"E02", "E07"}                              # 126 and 88; E10 46, E06 42, E03 38, E01 18.6 pass
    for key in ("gb16297-table2-printing", "db44-815-gravure-period2"):   # not in force in 2025 / not Guangdong
        assert not sets[key]["enterprises"].get("applies"), key


def test_longgang_must_not_say():
    r = longgang()
    findings = {(i["problem"].rsplit("/", 1)[-1], e) for s in _LONGGANG_EVERY for i in r[s] for e in i["enterprises"]}
    assert not {e for _, e in findings} & {"E05", "E09", "E11"}    # LED-UV labels, alcohol-free heatset, idle plant
    assert not {p for p, e in findings if e == "E01"} & {"ineffective-vocs-treatment", "stack-limit-exceeded",
                                                         "carbon-saturated", "vocs-untreated", "aromatic-solvents-used"}
    for problem in ("high-voc-inks", "aromatic-solvents-used", "solvent-lamination-vocs", "stack-limit-exceeded"):
        assert not {e for p, e in findings if p == problem} & {"E03", "E04", "E12"}, problem   # offset / water-based
    assert "E07" not in {e for p, e in findings if p == "high-voc-inks"}     # offset ink; its VOCs are the glue's
    measures = _longgang_measures()
    gravure_only = {"E01", "E02", "E06", "E08"}
    for key in ("low-voc-offset-inks", "uv-or-water-varnishing", "alcohol-free-dampening", "precoated-film-laminating"):
        assert not measures.get(key, set()) & gravure_only, key
    for key in ("switch-to-water-based-ink", "convert-to-solventless-lamination", "install-rotor-rto"):
        assert not measures.get(key, set()) & {"E04", "E05", "E09", "E11", "E12"}, key


# -- the four blind surveys of 2026-12-06 (energy 茌平, coking 孝义, nonferrous 白银, petrochemical 广饶), one
#    parametrised set instead of a near-copy per sector. Each survey is diagnosed unchanged; the two the reader
#    refused at first (energy: 未检出 and kg/kWh; petrochemical: water intake in t/t) keep exclude_invalid, which
#    sets nothing aside now that the reader accepts them.
#    The misses are listed in examples/<survey>.comparison.md with their reasons.

BLIND_SURVEYS = {                   # key: (file, exclude_invalid)
    "chiping": ("energy_chiping_messy.yaml", True),
    "xiaoyi": ("coking_xiaoyi_messy.yaml", False),
    "baiyin": ("nonferrous_baiyin_messy.yaml", False),
    "guangrao": ("petrochemical_guangrao_messy.yaml", True),
}
_EVERY = ("key_issues", "other_findings", "unconfirmed")


@functools.lru_cache(maxsize=4)
def blind(key: str) -> dict:
    name, exclude = BLIND_SURVEYS[key]
    raw = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    return diagnose(read(raw), real_store(), exclude_invalid=exclude)


def _blind_found(key: str, problem: str, sections=("key_issues", "other_findings")) -> set[str]:
    return {e for s in sections for i in blind(key)[s] if i["problem"].endswith("/problem/" + problem)
            for e in i["enterprises"]}


def _blind_findings(key: str) -> set[str]:
    return {e for s in _EVERY for i in blind(key)[s] for e in i["enterprises"]}


# (survey, problem, enterprises the team expected it for and the engine finds today)
BLIND_FINDINGS = [
    ("chiping", "high-coal-consumption", {"E02"}),               # 供电煤耗 338 > 300
    ("chiping", "fugitive-coal-dust", {"E02"}),                  # 露天煤场 + 防风抑尘网
    ("chiping", "ash-not-utilised", {"E02"}),                    # 粉煤灰综合利用率 72 %
    ("chiping", "liquid-ammonia-hazard", {"E02"}),               # 液氨 as the SCR reductant
    ("chiping", "inefficient-dust-collector", {"E10"}),          # 水膜 + 多管旋风
    ("chiping", "no-cp-management", {"E03"}),
    ("xiaoyi", "oven-above-ultra-low", {"K02", "K03", "K08"}),   # NOx 172, 436, 176 > 150
    ("xiaoyi", "coke-heat-lost-in-wet-quenching", {"K02", "K03", "K09"}),
    ("xiaoyi", "cog-flared-or-underused", {"K04", "K09"}),       # 放散 18 % and 3.5 %
    ("xiaoyi", "high-fresh-water-use", {"K08"}),                 # 2.6 m³/t
    ("xiaoyi", "cp-management-weak", {"K03", "K04", "K08"}),
    ("xiaoyi", "phenol-cyanide-effluent-over-limit", {"K02"}),   # phenol 0.6 mg/L
    ("baiyin", "eliminated-capacity-in-use", {"N09"}),           # 小竖罐炼锌 (idle, not dismantled)
    ("baiyin", "air-limit-exceeded", {"N02", "N04", "N05", "N07", "N11"}),   # SO2 520/410/820/520, F 3.6, As 0.52
    ("baiyin", "heavy-metal-discharge-exceeded", {"N02", "N04"}),             # As 0.68, Cd 0.06 mg/L
    ("baiyin", "weak-cp-management", {"N04", "N05", "N07", "N08", "N11"}),
    ("guangrao", "eliminated-capacity-in-use", {"P04"}),         # 明火加热釜式蒸馏
    ("guangrao", "tank-breathing-losses", {"P04", "P10"}),       # 拱顶罐
    ("chiping", "ultra-low-not-met", {"E02"}),                   # NOx 68 > 50 at 6 % O2
    ("chiping", "coal-boiler-within-chp-reach", {"E04"}),        # park CHP steam 1.2 km away
    ("chiping", "steam-condensate-not-returned", {"E04"}),       # 凝结水回收率 0 %
    ("chiping", "fugitive-coal-dust", {"E07"}),                  # 露天料场
    ("chiping", "high-coal-consumption", {"E12"}),               # 312 g/kWh
    ("xiaoyi", "untreated-water-used-for-quenching", {"K02"}),
    ("xiaoyi", "phenol-cyanide-effluent-over-limit", {"K09"}),   # indirect COD 265, NH3-N 32
    ("baiyin", "lead-slag-cast-and-remelted", {"N03"}),          # 铸锭高铅渣再熔
    ("guangrao", "energy-above-benchmark", {"P01", "P02"}),      # 8.9 and 10.6 > 8.5 kgoe/(t·EF)
    ("guangrao", "fcc-flue-gas-emissions", {"P02"}),             # PM 62, NOx 230
    ("guangrao", "sulfur-recovery-tail-gas", {"P02"}),           # two-stage Claus, 96.5 %, SO2 680
    ("guangrao", "wwtp-open-surfaces", {"P02", "P08"}),
]


@pytest.mark.parametrize("key, problem, expected", BLIND_FINDINGS, ids=[f"{k}-{p}" for k, p, _ in BLIND_FINDINGS])
def test_blind_expected_findings_are_found(key, problem, expected):
    found = _blind_found(key, problem)
    assert found >= expected, f"{key} {problem}: missing {sorted(expected - found)}"


# (survey, enterprises the team expected no finding for: benchmarks, idle plants, other sectors)
BLIND_SILENT = [
    ("chiping", {"E01", "E08", "E13"}),          # CHP benchmark, idle plant, PV station
    ("xiaoyi", {"K01", "K06", "K07", "K10"}),    # two benchmarks, idle plant, coal washery
    ("baiyin", {"N06", "N10"}),                  # 500 kA smelter, extrusion plant
    ("guangrao", {"P05", "P09"}),                # membrane chlor-alkali, tyre plant
]


@pytest.mark.parametrize("key, silent", BLIND_SILENT, ids=[k for k, _ in BLIND_SILENT])
def test_blind_must_not_say(key, silent):
    assert not _blind_findings(key) & silent


# (survey, the record the team called another sector)
BLIND_OTHER_SECTOR = [("chiping", "E13"), ("xiaoyi", "K07"), ("baiyin", "N10"), ("guangrao", "P09")]


@pytest.mark.parametrize("key, enterprise", BLIND_OTHER_SECTOR, ids=[k for k, _ in BLIND_OTHER_SECTOR])
def test_blind_other_sector_is_warned(key, enterprise):
    assert any(w.get("enterprise") == enterprise and "其他行业" in w["message"] for w in blind(key)["warnings"])


def test_blind_limits():
    def exceeded(key: str) -> set[tuple[str, str]]:
        return {(x["enterprise"], x["subject"].rsplit("/", 1)[-1]) for s in blind(key)["compliance"]["sets"]
                for x in s.get("exceeded", [])}
    assert {("K02", "nox"), ("K03", "nox"), ("K08", "so2"), ("K08", "nox")} <= exceeded("xiaoyi")
    assert {("N02", "as"), ("N02", "so2"), ("N04", "cd"), ("N07", "fluoride")} <= exceeded("baiyin")
    assert ("P04", "nmhc") in exceeded("guangrao")                        # boundary NMHC 6.8 > 4.0
    assert not {e for e, _ in exceeded("chiping")} & {"E01", "E05"}       # ultra-low plants


def _blind_measures(key: str) -> dict[str, set[str]]:
    return proposed_measures(blind(key))


# (survey, measure, enterprises the team proposed the same scheme for and the engine proposes it to today)
BLIND_MEASURES = [
    ("chiping", "enclose-coal-yard", {"E02"}),
    ("chiping", "ammonia-to-urea", {"E02"}),                     # SCR third layer + 液氨改尿素
    ("chiping", "turbine-flow-path-retrofit", {"E02"}),          # 汽轮机通流改造
    ("xiaoyi", "build-cdq", {"K02", "K09"}),
    ("xiaoyi", "optimise-ammonia-still", {"K02"}),               # 常压蒸氨改负压
    ("xiaoyi", "low-nox-oven-heating", {"K02"}),                 # 废气循环/分段加热
    ("xiaoyi", "use-surplus-cog-for-power", {"K04", "K09"}),     # tail gas and COG to boilers instead of the flare
    ("xiaoyi", "cog-to-chemicals", {"K09"}),                     # COG to LNG or hydrogen
    ("xiaoyi", "advanced-treatment-and-reuse", {"K09"}),
    ("baiyin", "convert-to-double-absorption", {"N02"}),
    ("baiyin", "continuous-converting", {"N02"}),
    ("baiyin", "sulfide-treatment-of-waste-acid", {"N02"}),
    ("baiyin", "add-tail-gas-desulfurisation", {"N04"}),
    ("baiyin", "heavy-metal-wastewater-upgrade", {"N04"}),
    ("baiyin", "pot-process-control", {"N07"}),                  # 效应控制、加料制度
    ("baiyin", "pot-hooding-discipline", {"N07"}),               # 集气罩密封
    ("baiyin", "retire-eliminated-capacity", {"N09"}),
    ("guangrao", "retire-eliminated-refining-capacity", {"P04"}),
    ("guangrao", "convert-fixed-roof-to-floating-roof", {"P10"}),   # 罐区改内浮顶
]


@pytest.mark.parametrize("key, measure, expected", BLIND_MEASURES, ids=[f"{k}-{m}" for k, m, _ in BLIND_MEASURES])
def test_blind_expected_measures_are_proposed(key, measure, expected):
    assert _blind_measures(key).get(measure, set()) >= expected
