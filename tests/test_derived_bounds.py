"""A derived quantity that only bounds its target (`bound: lower`): water per rinse stage is at most the water per
rinse, since a counter-current cascade counts as one rinse. A reported figure below half of that floor cannot be
right: it is queried, kept as reported, and not scored; a figure above the floor is left alone, and the bound never
fills in a missing figure (the audit team's E07: 6 L/m² reported, 96,000 m³ of rinse water for 600,000 m², 4 stages)."""

from __future__ import annotations

import pytest

from test_electroplating_v2 import ent, run

RINSE = "https://w3id.org/cpkb/id/electroplating/indicator/rinse-water-per-rinse"


def plant(eid: str, reported: float | None, water_m3: float = 96000, stages: int = 4) -> dict:
    extra = {"indicators": [{"indicator": "单位产品每次清洗取水量", "value": reported, "unit": "L/m2"}]} \
        if reported is not None else {}
    return ent(eid, {"年清洗用水量": water_m3, "清洗级数": stages}, output=600000,
               processes=[{"process": "水洗", "techniques": ["单槽清洗"], "complete": True}], **extra)


def _assessment(result: dict, eid: str) -> dict:
    return next(e for e in result["indicator_assessment"]["enterprises"] if e["enterprise"] == eid)


@pytest.fixture(scope="module")
def result() -> dict:
    # by hand: 96,000 m³/a ÷ 600,000 m²/a ÷ 4 = 0.04 m³/m² = 40 L/m² at least per rinse
    return run([plant("E07", 6.0), plant("OK", 45.0), plant("NONE", None)])


def test_a_figure_below_the_floor_is_queried_with_both_figures(result):
    warned = [w for w in result["warnings"] if "至少为" in w["message"]]
    assert [w["enterprise"] for w in warned] == ["E07"]
    message = warned[0]["message"]
    assert "填报6 L/m²" in message and "清洗级数4" in message and "推算至少为40 L/m²" in message
    assert "（年清洗用水量 ÷ 年产量 ÷ 清洗级数）" in message and "give at least 40 L/m²" in message
    assert "清洗级数4 1" not in message   # a count is shown without a unit


def test_the_contradicted_figure_is_not_scored(result):
    e07 = _assessment(result, "E07")
    assert RINSE not in {i["indicator"] for i in e07["indicators"]}
    why = {m["indicator"]: m for m in e07["basis"]["missing"]}
    assert why[RINSE]["reason"] == "contradicted" and "矛盾" in why[RINSE]["zh"]
    ok = _assessment(result, "OK")
    assert [i["value"] for i in ok["indicators"] if i["indicator"] == RINSE] == [45.0]


def test_a_bound_never_fills_in_a_missing_figure(result):
    assert RINSE not in {i["indicator"] for i in _assessment(result, "NONE")["indicators"]}


def test_a_bound_needs_a_target_and_a_known_kind(tmp_path):
    import shutil
    from pathlib import Path

    from cpkb.kb.compile import compile_kb
    from cpkb.kb.errors import SourceError

    kb = tmp_path / "kb"
    shutil.copytree(Path(__file__).parent / "data" / "v2_kb", kb)
    demo = kb / "sectors" / "demo.yaml"
    text = demo.read_text(encoding="utf-8")
    assert "\nderived:\n" in text
    demo.write_text(text.replace("\nderived:\n", "\nderived:\n  - id: odd-bound\n    label: {zh: 界限, en: bound}\n"
                                 "    definition: {zh: 测试。, en: test.}\n    sources: [{doc: demo-standard}]\n"
                                 "    bound: sideways\n    formula: a\n    inputs: {a: {value: 1}}\n    unit: percent\n", 1),
                    encoding="utf-8")
    with pytest.raises(SourceError) as err:
        compile_kb(kb)
    text = str(err.value)
    assert "odd-bound" in text and "`bound` is lower" in text
