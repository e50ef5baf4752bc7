"""Judge the data: a reported figure that the enterprise's own figures contradict (a declared formula gives a value
an order of magnitude away) is kept as reported and warned about, naming both figures and the formula."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from cpkb.diagnostics.engine import diagnose
from cpkb.diagnostics.knowledge import knowledge_for
from cpkb.diagnostics.survey import SurveyReader
from diagnose_support import memory_store

DATA = Path(__file__).parent / "data" / "v2_kb"


@pytest.fixture(scope="module")
def store():
    return memory_store(tempfile.mkdtemp(prefix="cpkb-contradictions-"), DATA)


def _plant(ident: str, reported: float, water_m3: float, rinses: int = 3, output: float = 10000) -> dict:
    return {"id": ident, "output": {"product": "镀件", "value": output, "unit": "m2"},
            "processes": [{"process": "水洗", "techniques": ["多级逆流漂洗"]}],
            "indicators": [{"indicator": "单位产品每次清洗取水量", "value": reported, "unit": "L/m2"}],
            "facts": {"annual-rinse-water": water_m3, "rinse-stages": rinses}}


def _diagnose(store, *plants, **settings):
    raw = {"cpkb_survey": 1, "scope": {"sector": "demo"}, "enterprises": list(plants)}
    return diagnose(SurveyReader(knowledge_for(store)).read(raw), store, settings)


def test_order_of_magnitude_apart_is_warned(store):
    # by hand: 3,600 m³/a ÷ 10,000 m²/a ÷ 3 = 0.12 m³/m² = 120 L/m² against 6 reported: 20 times
    result = _diagnose(store, _plant("A", 6.0, 3600), _plant("B", 30.0, 3600))
    warned = [w for w in result["warnings"] if "推算为" in w["message"]]
    assert [w["enterprise"] for w in warned] == ["A"]
    message = warned[0]["message"]
    assert message.startswith("单位产品每次清洗取水量：填报6 L/m²，但按本企业填报的")
    assert "年清洗用水量3600 m³/a" in message and "清洗次数3" in message and "推算为120 L/m²" in message
    assert "相差约20倍" in message and "（年清洗用水量 ÷ 年产量 ÷ 清洗次数）" in message and "reported 6 L/m²" in message


def test_the_reported_figure_is_kept(store):
    from cpkb.diagnostics.prepare import prepare

    survey = SurveyReader(knowledge_for(store)).read({"cpkb_survey": 1, "scope": {"sector": "demo"},
                                                      "enterprises": [_plant("A", 6.0, 3600)]})
    prepare(survey.knowledge, survey, survey.enterprises, survey.scope["sector"])
    ent = survey.enterprises[0]
    assert [v for v, _ in ent.indicators[next(i for i in ent.indicators if i.endswith("/rinse-water"))]] == [6.0]
    assert ent.model.contradictions[0]["computed"] == pytest.approx(120)


def test_the_ratio_is_a_setting(store):
    result = _diagnose(store, _plant("B", 30.0, 3600), contradiction_ratio=3.0)
    assert any("相差约4倍" in w["message"] for w in result["warnings"])
    quiet = _diagnose(store, _plant("B", 30.0, 3600))
    assert not any("推算为" in w["message"] for w in quiet["warnings"])
