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


def test_a_survey_naming_its_own_pollutants_follows_them_and_says_so(store):
    """The notice lets a basin pilot choose its own characteristic pollutants: the survey's list is followed (an
    unknown name warned about and left out, never refused), the result says where the list came from and which
    choices lie outside the basin's key pollutants; the eligibility condition still reads its own fact."""
    from cpkb.diagnostics.eligibility import eligibility

    ents = [{"id": "E1", "emissions": [{"pollutant": "总铬", "value": 120, "unit": "kg/a"},
                                       {"pollutant": "总磷", "value": 2, "unit": "t/a"}]}]
    survey = _survey(store, ents, pilot_type="basin", basin="长江", pollutants="总铬、总磷、铬黑粉")
    assert not survey.problems
    cr, tp = f"{ID}pollutant/cr-total", f"{ID}pollutant/tp"
    assert survey.scope["pollutants"] == [cr, tp]
    warned = [w for w in survey.warnings if w.place == "scope.pollutants[2]"]
    assert warned and "铬黑粉" in warned[0].zh
    result = reduction_potential(survey.knowledge, survey, survey.enterprises, [])
    assert [p["pollutant"] for p in result["pollutants"]] == [cr, tp]
    assert result["pollutants"][0]["baseline_t_per_a"] == pytest.approx(0.12)
    followed = result["followed"]
    assert followed["from"] == "survey" and followed["outside_area"] == [cr]
    assert "调查自选" in followed["summary"]["zh"] and "总铬" in followed["summary"]["zh"]
    cond = next(c for c in eligibility(survey.knowledge, survey, survey.enterprises)["conditions"]
                if c["condition"] == "own-pollutants")
    assert cond["status"] == "unknown"          # no answer to the fact: never met because a list was written
    # without its own list the survey follows the basin's, and says so
    plain = _survey(store, ents, pilot_type="basin", basin="长江")
    followed = reduction_potential(plain.knowledge, plain, plain.enterprises, [])["followed"]
    assert followed["from"] == "basin" and tp in followed["pollutants"] and cr not in followed["pollutants"]
    assert "outside_area" not in followed
    # a list that is not a list of names is an error naming the place
    bad = _survey(store, ents, pilot_type="basin", basin="长江", pollutants={"COD": 1})
    assert any(p.place == "scope.pollutants" for p in bad.problems)


def test_basin_targets_against_the_potential_by_hand(store, monkeypatch):
    """A basin target asks its share of the surveyed load; the potential's range meets it, meets it only at the
    stronger end, or falls short by a gap. Without a target the result says so in words."""
    from cpkb.diagnostics.area_targets import targets_against_potential

    survey = _survey(store, [{"id": "E1", "emissions": [{"pollutant": "总磷", "value": 2, "unit": "t/a"}]},
                             {"id": "E2", "emissions": [{"pollutant": "COD", "value": 50, "unit": "t/a"}]}],
                     pilot_type="basin", basin="长江", pollutants=["总磷", "COD", "氨氮"])
    kb = survey.knowledge
    tp, cod, nh3n = (f"{ID}pollutant/{p}" for p in ("tp", "cod", "nh3-n"))
    yangtze = survey.scope["basin"]
    source = [{"doc": "demo", "clause": "一", "verified": False}]
    monkeypatch.setitem(kb.basins, yangtze, {**kb.basins[yangtze], "targets": [
        {"pollutant": tp, "reduction_pct": 10, "baseline_year": 2020, "by_year": 2025, "sources": source},
        {"pollutant": cod, "reduction_pct": 8, "baseline_year": 2020, "by_year": 2025, "sources": source}]})
    recs = [{"measure": "m1", "labels": {}, "applies_to": ["E1"],
             "expected_effects": [{"kind": "pollutant", "target": tp, "change_pct": [-30, -5]}]},
            {"measure": "m2", "labels": {}, "applies_to": ["E2"],
             "expected_effects": [{"kind": "pollutant", "target": cod, "change_pct": [-6, -2]}]}]
    found = reduction_potential(kb, survey, survey.enterprises, recs)["against_targets"]
    assert found["available"] and found["area"] == yangtze
    by = {c["pollutant"]: c for c in found["comparisons"]}
    # TP: asked 2 × 10 % = 0.2 t; the potential is 2 × 5 % = 0.1 … 2 × 30 % = 0.6 t → only at the stronger end
    assert by[tp]["asked_t_per_a"] == pytest.approx(0.2) and by[tp]["potential_t_per_a"] == pytest.approx([0.1, 0.6])
    assert by[tp]["verdict"] == "range" and by[tp]["gap_t_per_a"] == 0
    # COD: asked 50 × 8 % = 4 t; at most 50 × 6 % = 3 t → short by 1 t
    assert by[cod]["asked_t_per_a"] == pytest.approx(4.0) and by[cod]["verdict"] == "short"
    assert by[cod]["gap_t_per_a"] == pytest.approx(1.0)
    assert found["without_target"] == [nh3n]
    # a weaker target is met even at the weaker end
    row = {"pollutant": tp, "labels": {}, "baseline_t_per_a": 2.0, "combined_reduction_t_per_a": [0.1, 0.6]}
    monkeypatch.setitem(kb.basins, yangtze, {**kb.basins[yangtze], "targets": [
        {"pollutant": tp, "reduction_pct": 5, "sources": source}]})
    assert targets_against_potential(kb, survey.scope, [row])["comparisons"][0]["verdict"] == "met"
    # no target in the knowledge base, or no area at all: said plainly
    monkeypatch.setitem(kb.basins, yangtze, {**kb.basins[yangtze], "targets": []})
    none = targets_against_potential(kb, survey.scope, [row])
    assert not none["available"] and "没有" in none["message"]["zh"] and "长江" in none["message"]["zh"]
    assert "未指明" in targets_against_potential(kb, {}, [row])["message"]["zh"]


def test_loads_split_by_process_by_hand(store, monkeypatch):
    """Reported loads that name their process are split: a measure tied to one process acts on that part (and on
    the part of unknown process, an upper bound), not on another process's; an untied measure acts on every part
    on what the first left. Every figure recomputed by hand."""
    from types import SimpleNamespace

    ents = [{"id": "E1", "emissions": [{"pollutant": "氯化氢", "value": 3, "unit": "t/a", "process": "酸洗活化"},
                                       {"pollutant": "氯化氢", "value": 1000, "unit": "kg/a", "process": "电镀"},
                                       {"pollutant": "氯化氢", "value": 0.5, "unit": "t/a"}]},
            {"id": "E2", "emissions": [{"pollutant": "氯化氢", "value": 2, "unit": "t/a"}]}]
    survey = _survey(store, ents, pilot_type="region", region="长三角", pollutants=["HCl"])
    kb = survey.knowledge
    hcl, pickling = f"{ID}pollutant/hcl", f"{ID}electroplating/process/pickling-activation"
    plating = f"{ID}electroplating/process/plating"
    monkeypatch.setitem(kb.measures, "mA", SimpleNamespace(replaces=[], processes=[pickling]))
    monkeypatch.setitem(kb.measures, "mB", SimpleNamespace(replaces=[], processes=[]))
    recs = [{"measure": "mA", "labels": {}, "applies_to": ["E1", "E2"],
             "expected_effects": [{"kind": "pollutant", "target": hcl, "change_pct": [-80, -50]}]},
            {"measure": "mB", "labels": {}, "applies_to": ["E1"],
             "expected_effects": [{"kind": "pollutant", "target": hcl, "change_pct": [-20, -10]}]}]
    entry = reduction_potential(kb, survey, survey.enterprises, recs)["pollutants"][0]
    rows = {b["enterprise"]: b for b in entry["baseline"]}
    parts = {p["process"] or p["part"]: p for p in rows["E1"]["by_process"]}
    assert {k: p["t_per_a"] for k, p in parts.items()} == pytest.approx({pickling: 3, plating: 1, None: 0.5})
    assert parts[None]["labels"]["zh"] == "未注明工序" and parts[pickling]["labels"]["zh"] == "酸洗活化"
    assert "by_process" not in rows["E2"]                 # nothing named: the whole load, as before
    # mA (pickling) on E1: 3 × 0.5 … 0.8 and the unnamed 0.5 × 0.5 … 0.8; plating untouched; on E2 2 × 0.5 … 0.8
    # mB then on what is left: pickling 3 × (0.5 … 0.2) × (0.1 … 0.2), plating 1 × (0.1 … 0.2), unnamed 0.5 × …
    assert parts[pickling]["reduction_t_per_a"] == pytest.approx([1.5 + 1.5 * 0.1, 2.4 + 0.6 * 0.2])
    assert parts[plating]["reduction_t_per_a"] == pytest.approx([0.1, 0.2])
    assert parts[None]["reduction_t_per_a"] == pytest.approx([0.25 + 0.25 * 0.1, 0.4 + 0.1 * 0.2])
    e1 = [1.75 + 0.275, 2.8 + 0.34]
    assert rows["E1"]["reduction_t_per_a"] == pytest.approx(e1)
    assert entry["combined_reduction_t_per_a"] == pytest.approx([e1[0] + 1.0, e1[1] + 1.6])
    ma = next(m for m in entry["by_measure"] if m["measure"] == "mA")
    assert ma["baseline_t_per_a"] == pytest.approx(3 + 0.5 + 2)     # the plating part is not what it acts on
    assert ma["reduction_t_per_a"] == pytest.approx([1.75 + 1.0, 2.8 + 1.6])
    totals = {p["process"] or p["part"]: p for p in entry["by_process"]}
    assert totals[plating]["enterprises"] == ["E1"] and totals[pickling]["t_per_a"] == pytest.approx(3)


def test_an_end_of_pipe_plant_for_another_problem_removes_no_nox_where_scr_runs(store):
    """Activated carbon recommended (for dioxins) at two sinter works: at the one that already runs semi-dry FGD
    with SCR it removes no NOx in the potential; at the one without, 85 % of its NOx."""
    ents = [{"id": "SCR", "processes": [{"process": "烧结", "techniques": ["半干法脱硫＋中低温SCR脱硝"]}],
             "emissions": [{"pollutant": "NOx", "value": 400, "unit": "t/a"}]},
            {"id": "BARE", "processes": [{"process": "烧结", "techniques": []}],
             "emissions": [{"pollutant": "NOx", "value": 300, "unit": "t/a"}]}]
    raw = {"cpkb_survey": 1, "scope": {"sector": "钢铁", "pilot_type": "region", "region": "京津冀",
                                       "pollutants": ["NOx"]}, "enterprises": ents}
    survey = read_survey(json.dumps(raw, ensure_ascii=False).encode(), "s.json", store)
    kb = survey.knowledge
    nox, carbon = f"{ID}pollutant/nox", f"{ID}steel/measure/install-activated-carbon-cleaning"
    assert carbon in kb.measures and f"{ID}steel/technique/semi-dry-fgd-scr-tech" in survey.enterprises[0].techniques
    recs = [{"measure": carbon, "labels": {}, "applies_to": ["SCR", "BARE"], "problems": ["sinter-dioxins"],
             "expected_effects": [{"kind": "pollutant", "target": nox, "change_pct": [-85, -85], "acts_on": "emitted"}]}]
    entry = reduction_potential(kb, survey, survey.enterprises, recs)["pollutants"][0]
    row = entry["by_measure"][0]
    assert row["enterprises"] == ["BARE"] and list(row["already_treated"]) == ["SCR"]
    assert entry["combined_reduction_t_per_a"] == pytest.approx([300 * 0.85, 300 * 0.85])
    rows = {b["enterprise"]: b for b in entry["baseline"]}
    assert rows["SCR"]["reduction_t_per_a"] == [0, 0]
    # the portfolio's candidates likewise: no NOx cut at the works with SCR, the cut kept at the other
    from cpkb.diagnostics.portfolio import Candidate, _drop_treated

    pool = [Candidate(carbon, eid, (100.0, 100.0), None, {nox: (0.85, 0.85)}) for eid in ("SCR", "BARE")]
    _drop_treated(kb, pool, survey.enterprises)
    assert [c.cuts for c in pool] == [{}, {nox: (0.85, 0.85)}]


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
