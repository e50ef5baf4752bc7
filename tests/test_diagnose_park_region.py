"""Regional reduction potential and park symbiosis, on small surveys against the bundled knowledge base."""

from __future__ import annotations

import json

import pytest

from cpkb.diagnostics.potential import reduction_potential, target_pollutants
from cpkb.diagnostics.survey import read_survey
from cpkb.diagnostics.symbiosis import find_symbiosis
from cpkb.kb.build import open_store
from cpkb.settings import load_settings

ID = "https://w3id.org/cpkb/id/"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return open_store(load_settings(store_dir=str(tmp_path_factory.mktemp("store")), endpoint="", kb_dir=""))


def _survey(store, enterprises, **scope):
    raw = {"cpkb_survey": 1, "scope": {"sector": "电镀", **scope}, "enterprises": enterprises}
    return read_survey(json.dumps(raw, ensure_ascii=False).encode(), "s.json", store)


def test_basin_follows_its_key_pollutants(store):
    survey = _survey(store, [{"id": "E1"}], pilot_type="basin", basin="长江")
    assert f"{ID}pollutant/tp" in target_pollutants(survey.knowledge, survey.scope)


def test_combined_reduction_never_exceeds_the_load(store):
    survey = _survey(store, [{"id": "E1", "emissions": [{"pollutant": "总磷", "value": 2, "unit": "t/a"}]},
                             {"id": "E2", "emissions": [{"pollutant": "总磷", "value": 1000, "unit": "kg/a"}]},
                             {"id": "E3"}], pilot_type="basin", basin="长江")
    tp = f"{ID}pollutant/tp"
    recs = [{"measure": "m1", "labels": {}, "applies_to": ["E1", "E2"],
             "expected_effects": [{"kind": "pollutant", "target": tp, "change_pct": [-90, -60]}]},
            {"measure": "m2", "labels": {}, "applies_to": ["E1"],
             "expected_effects": [{"kind": "pollutant", "target": tp, "change_pct": [-80, -50]}]}]
    survey.scope["pilot_type"] = "basin"
    result = reduction_potential(survey.knowledge, survey, survey.enterprises, recs)
    entry = {p["pollutant"]: p for p in result["pollutants"]}[tp]
    assert entry["baseline_t_per_a"] == pytest.approx(3.0)
    assert entry["reported_by"] == 2 and entry["not_reported_by"] == 1
    low, high = entry["combined_reduction_t_per_a"]
    # E1: 2 t × (1 − 0.4·0.5 … 1 − 0.1·0.2) ; E2: 1 t × (0.6 … 0.9)
    assert low == pytest.approx(2 * 0.8 + 0.6) and high == pytest.approx(2 * 0.98 + 0.9)
    assert high <= entry["baseline_t_per_a"]


def test_waste_heat_goes_downhill_between_enterprises(store):
    survey = _survey(store, [
        {"id": "A", "streams": [{"direction": "out", "resource": "中温余热", "value": 12000, "unit": "GJ/a",
                                 "temperature_c": 180, "fate": "排空"}]},
        {"id": "B", "streams": [{"direction": "in", "resource": "hot-water", "value": 5000, "unit": "GJ/a",
                                 "temperature_c": 60}]},
        {"id": "C", "streams": [{"direction": "in", "resource": "hot-water", "value": 20000, "unit": "GJ/a",
                                 "temperature_c": 175}]},
    ], pilot_type="park", park="某园区")
    assert not survey.problems, survey.problems
    result = find_symbiosis(survey.knowledge, survey, survey.enterprises)
    assert [(m["from"], m["to"], m["amount"]) for m in result["matches"]] == [("A", "B", 5000.0)]
    assert result["unmatched_offers"][0]["amount_left"] == pytest.approx(7000.0)
    assert {d["enterprise"] for d in result["unmatched_demands"]} == {"C"}


def test_no_exchange_within_one_enterprise_or_across_incomparable_units(store):
    survey = _survey(store, [
        {"id": "A", "streams": [{"direction": "out", "resource": "中温余热", "value": 100, "unit": "GJ/a",
                                 "temperature_c": 200},
                                {"direction": "in", "resource": "hot-water", "value": 50, "unit": "GJ/a",
                                 "temperature_c": 60}]},
        {"id": "B", "streams": [{"direction": "in", "resource": "hot-water", "value": 50, "unit": "t/a",
                                 "temperature_c": 60}]},
    ], pilot_type="park")
    assert find_symbiosis(survey.knowledge, survey, survey.enterprises)["matches"] == []


def test_park_result_carries_symbiosis_into_every_report(store):
    import io

    from docx import Document
    from openpyxl import load_workbook

    from cpkb.diagnostics.engine import diagnose
    from cpkb.diagnostics.report import to_docx, to_html, to_xlsx

    survey = _survey(store, [
        {"id": "A", "streams": [{"direction": "out", "resource": "中温余热", "value": 9000, "unit": "GJ/a",
                                 "temperature_c": 180, "fate": "排空"}]},
        {"id": "B", "streams": [{"direction": "in", "resource": "hot-water", "value": 4000, "unit": "GJ/a",
                                 "temperature_c": 60}]}], pilot_type="park")
    result = diagnose(survey, store, {})
    assert result["symbiosis"]["matches"][0]["amount"] == 4000.0 and "reduction_potential" not in result
    assert "园区共生" in to_html(result, store)
    assert any("园区共生" in name for name in load_workbook(io.BytesIO(to_xlsx(result))).sheetnames)
    assert any("园区共生" in p.text for p in Document(io.BytesIO(to_docx(result))).paragraphs)
