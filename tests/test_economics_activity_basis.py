"""The activity basis of measure economics (kb/README.md "Economics"): a figure per 10⁴ m³/h of gas treated, per
cell or per tonne of an intermediate product is scaled by the survey fact it names, converted with the project's
units, and kept per unit (said so) where the survey lacks the fact; a per-output figure may name its unit, checked
against the product's. Built on a copy of the model-v2 test knowledge base (see test_measure_economics_format)."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pytest

from cpkb.kb.compile import compile_kb
from cpkb.kb.errors import SourceError

from test_measure_economics_format import INVEST, OPEX, SAVING, SOURCE, _kb, plating

UNITS = ("units:\n"
         "  - {id: wan-m3-per-h, symbol: 万m³/h, label: {zh: 万立方米每小时, en: ten thousand cubic metres per hour}, "
         "definition: {zh: 风量。, en: Air flow.}, sources: [{doc: demo-standard}], pint: wan_m3/hour, "
         "pint_definition: wan_m3 = 10000 * meter**3}\n"
         "  - {id: wan-m2, symbol: 万m², label: {zh: 万平方米, en: ten thousand square metres}, definition: "
         "{zh: 面积。, en: Area.}, sources: [{doc: demo-standard}], pint: wan_m2, pint_definition: wan_m2 = 10000 * m**2}\n")
FACTS = ("facts:\n"
         "  - {id: gas-flow, label: {zh: 排气量, en: gas flow}, definition: {zh: 风量。, en: Air flow.}, "
         "sources: [{doc: demo-standard}], datatype: number, unit: m3-per-h}\n"
         "  - {id: tanks, label: {zh: 槽数, en: number of tanks}, definition: {zh: 槽数。, en: Tanks.}, "
         "sources: [{doc: demo-standard}], datatype: number}\n")
ACTIVITY = f"investment: {{range: [20, 40], basis: per-activity, scale_by: gas-flow, per: wan-m3-per-h, {SOURCE}}}"
PER_TANK = f"opex_change: {{range: [0.5, 1], basis: per-activity, scale_by: tanks, {SOURCE}}}"
PER_WAN_M2 = f"- {{consumption: fresh-water, range: [100, 200], unit: m3-per-a, basis: per-output, per: wan-m2, {SOURCE}}}"


def _activity_kb(folder: Path, demo: dict[str, str]) -> Path:
    kb = _kb(folder, {"facts:\n": FACTS, **demo})
    vocab = kb / "shared" / "vocab.yaml"
    vocab.write_text(vocab.read_text(encoding="utf-8").replace("units:\n", UNITS, 1), encoding="utf-8")
    return kb


@functools.lru_cache(maxsize=2)
def _store():
    from cpkb.kb.build import open_store
    from cpkb.settings import load_settings

    folder = Path(tempfile.mkdtemp(prefix="cpkb-econ-activity-"))
    kb = _activity_kb(folder, {INVEST: ACTIVITY, OPEX: PER_TANK, SAVING: PER_WAN_M2})
    settings = load_settings(store_dir=str(folder / "store"), endpoint="", store_mode="memory", kb_dir=str(kb))
    return open_store(settings), settings


def _economics(enterprises: list[dict], **settings) -> tuple[dict, dict]:
    from cpkb.diagnostics.engine import diagnose
    from cpkb.diagnostics.knowledge import knowledge_for
    from cpkb.diagnostics.survey import SurveyReader

    store, base = _store()
    survey = SurveyReader(knowledge_for(store)).read({"cpkb_survey": 1, "scope": {"year": 2024, "sector": "demo"},
                                                      "enterprises": enterprises})
    assert not survey.problems, [p.as_dict() for p in survey.problems]
    result = diagnose(survey, store, {**base, **settings})
    rec = next(r for r in result["recommendations"] if r["measure"].endswith("/adopt-countercurrent-rinse"))
    return rec["economics"], result


def _without_output(ent: dict) -> dict:
    return {k: v for k, v in ent.items() if k != "output"}


ENTERPRISES = [plating("A", **{"gas-flow": 30000, "tanks": 4}),                       # 3 万m³/h
               plating("B", **{"gas-flow": 50000, "tanks": 2}),                       # 5 万m³/h
               _without_output(plating("C", **{"tanks": 3}))]                          # no flow, no output


def test_a_figure_per_wan_m3_per_h_is_scaled_by_the_surveyed_gas_flow_converted_from_m3_per_h():
    econ, _ = _economics(ENTERPRISES)
    inv = econ["investment_10k_yuan"]
    assert inv["basis"] == "per-activity" and inv["per_basis"] == [20, 40]
    assert inv["total"] == [20 * (3 + 5), 40 * (3 + 5)]          # 30 000 and 50 000 m³/h are 3 and 5 万m³/h
    assert inv["basis_labels"]["zh"] == "按「排气量」每 万m³/h"
    assert inv["scaled_by"] == {"fact": inv["scaled_by"]["fact"], "labels": {"zh": "排气量", "en": "gas flow"},
                                "per": "万m³/h"}
    assert inv["enterprises_unscaled"] == ["C"]
    assert inv["not_scaled"]["zh"] == "该数字按「排气量」每 万m³/h计，调查未给出部分企业的「排气量」，这些企业保留单位数字、未折算"


def test_a_figure_per_counted_unit_is_scaled_by_the_count():
    econ, _ = _economics(ENTERPRISES)
    opex = econ["opex_change_10k_yuan_per_a"]
    assert opex["total"] == [0.5 * 9, 1 * 9] and opex["enterprises_unscaled"] == []       # 4 + 2 + 3 tanks
    assert opex["basis_labels"]["zh"] == "按「槽数」每 1 个（台、座）" and "not_scaled" not in opex


def test_a_per_output_figure_with_its_unit_converts_the_output_and_says_who_has_none():
    econ, _ = _economics(ENTERPRISES, prices="fresh-water=4")
    saving = econ["savings"][0]
    assert saving["total"] == [100 * 2, 200 * 2]                  # 10 000 m² each is 1 万m², C has no output
    assert saving["basis_labels"]["zh"] == "每 万m² 年产量" and saving["enterprises_unscaled"] == ["C"]
    assert "部分企业未给出产量" in saving["not_scaled"]["zh"]
    assert saving["value_10k_yuan_per_a"] == [0.08, 0.16]         # 200–400 m³/a × 4 元/m³


def test_without_any_activity_figure_the_figure_stays_per_unit():
    econ, result = _economics([_without_output(plating("C", **{"tanks": 1}))])
    inv = econ["investment_10k_yuan"]
    assert inv["total"] is None and inv["per_basis"] == [20, 40] and inv["enterprises_unscaled"] == ["C"]
    from cpkb.diagnostics.report import to_html
    assert "调查未给出部分企业的「排气量」" in to_html(result)


def test_the_result_with_an_activity_basis_matches_the_result_schema():
    import json

    import jsonschema

    schema = json.loads((Path(__file__).resolve().parent.parent / "diagnostics" / "result.schema.json").read_text())
    _, result = _economics(ENTERPRISES)
    jsonschema.validate(result, schema)


@pytest.mark.parametrize("new, message", [
    (f"investment: {{range: [2, 6], basis: per-activity, {SOURCE}}}", "needs `scale_by: FACT`"),
    (f"investment: {{range: [2, 6], basis: per-activity, scale_by: gas-flow, {SOURCE}}}", "needs `per: UNIT`"),
    (f"investment: {{range: [2, 6], basis: per-activity, scale_by: gas-flow, per: t, {SOURCE}}}",
     "cannot be converted to the unit of 'gas-flow'"),
    (f"investment: {{range: [2, 6], basis: per-activity, scale_by: tanks, per: wan-m3-per-h, {SOURCE}}}", "drop `per`"),
    (f"investment: {{range: [2, 6], basis: per-activity, scale_by: plating-type, {SOURCE}}}", "number fact"),
    (f"investment: {{range: [2, 6], basis: per-line, per: t, {SOURCE}}}", "only for the bases"),
    (f"investment: {{range: [2, 6], basis: per-output, per: t, {SOURCE}}}", "the sector's product unit"),
])
def test_a_malformed_activity_basis_is_refused_naming_file_line_entry_and_the_fix(tmp_path, new, message):
    kb = _activity_kb(tmp_path, {INVEST: new})
    with pytest.raises(SourceError) as caught:
        compile_kb(kb)
    problem = next(p for p in caught.value.problems if message in p.message)
    assert problem.file.name == "demo.yaml" and problem.line and problem.entry
