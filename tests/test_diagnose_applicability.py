"""A measure is recommended only to enterprises it can serve: its process, its prerequisites, not already done."""

from __future__ import annotations

import json

import pytest

from cpkb.diagnostics.engine import diagnose
from cpkb.diagnostics.survey import read_survey
from cpkb.kb.build import open_store
from cpkb.settings import load_settings

M = "https://w3id.org/cpkb/id/electroplating/measure/"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return open_store(load_settings(store_dir=str(tmp_path_factory.mktemp("store")), endpoint="", kb_dir=""))


def _zinc_shop(ident: str, metals) -> dict:
    ent = {"id": ident,
           "processes": [{"process": "水洗", "techniques": ["单槽清洗"]},
                         {"process": "电镀", "techniques": ["碱性锌酸盐镀锌"]},
                         {"process": "后处理", "techniques": ["三价铬钝化"]}],
           "indicators": [{"indicator": "单位产品每次清洗取水量", "value": 60, "unit": "L/m2"},
                          {"indicator": "锌利用率", "value": 70, "unit": "%"}],
           "facts": {}}
    if metals is not None:
        ent["facts"]["plated_metals"] = metals
    return ent


def _diagnose(store, enterprises):
    raw = {"cpkb_survey": 1, "scope": {"sector": "电镀"}, "enterprises": enterprises}
    return diagnose(read_survey(json.dumps(raw, ensure_ascii=False).encode(), "s.json", store), store, {})


def test_zinc_shops_get_no_chromium_or_copper_recovery_measure(store):
    result = _diagnose(store, [_zinc_shop("Z1", ["zinc"]), _zinc_shop("Z2", "zinc")])
    recommended = {r["measure"] for r in result["recommendations"]}
    assert M + "adopt-countercurrent-rinse" in recommended
    assert not recommended & {M + "chromic-mist-suppression", M + "install-electrolytic-recovery",
                              M + "install-ion-exchange-recovery"}
    rejected = {r["measure"]: r["reason"] for r in result["not_recommended"]}
    assert rejected.get(M + "install-electrolytic-recovery") == "prerequisite-missing"


def test_unknown_prerequisites_are_flagged_not_guessed(store):
    result = _diagnose(store, [_zinc_shop("U1", None), _zinc_shop("N1", "zinc、nickel")])
    ix = next(r for r in result["recommendations"] if r["measure"] == M + "install-ion-exchange-recovery")
    assert ix["applies_to"] == ["N1", "U1"] and ix["prerequisite_unconfirmed"] == ["U1"]


def test_a_measure_already_in_place_is_not_recommended(store):
    done = _zinc_shop("D1", ["zinc"])
    done["processes"][0]["techniques"] = ["多级逆流漂洗"]
    result = _diagnose(store, [done, _zinc_shop("Z1", ["zinc"])])
    rec = next(r for r in result["recommendations"] if r["measure"] == M + "adopt-countercurrent-rinse")
    assert rec["applies_to"] == ["Z1"]


def test_metals_plated_may_be_answered_in_chinese_or_english(store):
    result = _diagnose(store, [_zinc_shop("C1", "锌、镍"), _zinc_shop("C2", ["Zinc", "nickel"])])
    ix = next(r for r in result["recommendations"] if r["measure"] == M + "install-ion-exchange-recovery")
    assert ix["applies_to"] == ["C1", "C2"] and ix["prerequisite_unconfirmed"] == []


def test_a_qualitative_claim_contradicted_by_the_techniques_is_found_and_explained(store):
    claims = _zinc_shop("Q1", "zinc")
    claims["processes"][1]["techniques"] = ["氰化镀锌"]
    claims["indicators"].append({"indicator": "采用清洁生产工艺", "value": "II"})
    honest = _zinc_shop("Q2", "zinc")
    honest["indicators"].append({"indicator": "采用清洁生产工艺", "value": "II"})
    result = _diagnose(store, [claims, honest])
    issues = {i["problem"].rsplit("/", 1)[1]: i for i in result["key_issues"] + result["other_findings"]}
    found = issues["self-assessment-inconsistent"]
    assert found["enterprises"] == ["Q1"] and not found["veto"]  # the cyanide itself is the veto item
    assert "Ⅱ级" in found["evidence"][0]["explanation"]["zh"] and "氰化镀锌" in found["evidence"][0]["explanation"]["zh"]
    assert issues["cyanide-plating"]["veto"]
