"""A basin survey of one sector holding enterprises of others (issues 11 and 13): each enterprise is read, judged by
the discharge standards and rules, and graded by the indicator systems of ITS sector (`sector:` on the enterprise);
one of a sector the knowledge base does not know is said and judged by nothing, never by the survey's sector."""

from __future__ import annotations

import functools

from cpkb.diagnostics.choices import water_class
from cpkb.diagnostics.engine import diagnose

from diagnose_support import read, real_store

SURVEY = {
    "cpkb_survey": 1,
    "scope": {"sector": "印染", "pilot_type": "region", "basin": "长江", "year": 2024,
              "facts": {"receiving_water_function_class": "Ⅲ类"}},
    "enterprises": [
        {"id": "D1", "output": {"product": "棉机织物", "value": 2000, "unit": "万米"},
         "processes": [{"process": "染色", "techniques": ["溢流染色机"]}],
         "emissions": [{"pollutant": "COD", "value": 120, "unit": "mg/L"}],
         "facts": {"discharge_mode": "direct"}},
        {"id": "S1", "sector": "淀粉", "output": {"product": "玉米淀粉", "value": 5, "unit": "万吨"},
         "processes": [{"process": "浸泡", "techniques": []}],
         # GB 25461-2010 表2 direct: COD 100, NH3-N 15 (as entered in kb/sectors/agri-food.yaml)
         "emissions": [{"pollutant": "COD", "value": 120, "unit": "mg/L"},
                       {"pollutant": "氨氮", "value": 9, "unit": "mg/L"}],
         "facts": {"discharge_mode": "direct"}},
        {"id": "X1", "sector": "火星采矿", "emissions": [{"pollutant": "COD", "value": 900, "unit": "mg/L"}],
         "facts": {"discharge_mode": "direct"}},
    ],
}


@functools.lru_cache(maxsize=1)
def run():
    survey = read(SURVEY)
    assert not survey.problems, [p.as_dict() for p in survey.problems]
    return survey, diagnose(survey, real_store(), {})


def _sets() -> dict[str, dict]:
    return {s["requirement"].rsplit("/", 1)[-1]: s for s in run()[1]["compliance"]["sets"]}


def test_each_enterprise_is_judged_by_its_own_sector_standard():
    sets = _sets()
    starch = sets["gb25461-table2-direct"]
    assert starch["enterprises"]["applies"] == ["S1"]          # the class III water answers the direct route
    assert [(c["enterprise"], c["measured"], c["limit_value"]) for c in starch["exceeded"]] == [("S1", 120, 100)]
    assert {"D1", "X1"} <= set(starch["enterprises"]["not_applicable"])
    dyeing = sets["gb4287-table2-direct"]
    assert dyeing["enterprises"]["applies"] == ["D1"]
    assert {"S1", "X1"} <= set(dyeing["enterprises"]["not_applicable"])
    assert "不执行本行业" in dyeing["reasons"]["S1"]["zh"]


def test_an_unknown_sector_is_said_and_judged_by_nothing():
    survey, r = run()
    x1 = next(e for e in survey.enterprises if e.id == "X1")
    assert x1.sector is None and "other_sector" in x1.set_apart
    assert any(w.enterprise == "X1" and "火星采矿" in w.zh and "不按任何行业" in w.zh for w in survey.warnings)
    assert not any("X1" in s["enterprises"].get("applies", []) for s in r["compliance"]["sets"])
    assert not any("X1" in i["enterprises"] for i in r["key_issues"] + r["other_findings"] + r["unconfirmed"])
    assert not any(e["enterprise"] == "X1" for e in r["indicator_assessment"]["enterprises"])
    # its load still counts in the basin's figures only where a volume is known: none here, so no estimate either
    assert not any(b["enterprise"] == "X1" for p in r["reduction_potential"]["pollutants"] for b in p["baseline"])


def test_another_sector_gets_its_own_findings_only():
    _, r = run()
    for issue in r["key_issues"] + r["other_findings"] + r["unconfirmed"]:
        if "S1" in issue["enterprises"]:
            assert "/agri-food/" in issue["problem"], issue["problem"]
        if "D1" in issue["enterprises"]:
            assert "/printing-dyeing/" in issue["problem"], issue["problem"]
    assert any(i["problem"].endswith("agri-food/problem/discharge-limit-exceeded") and i["enterprises"] == ["S1"]
               for i in r["other_findings"])


def test_water_class_written_every_usual_way():
    assert [water_class(w) for w in ("III", "Ⅲ类", 3, "3类", "iv", "V类水体", "VI", "三类", True)] == \
        ["iii", "iii", "iii", "iii", "iv", "v", None, None, None]
