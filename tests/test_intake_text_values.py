"""What audit teams really type in a survey's cells, read as a demanding user expects (issue 8 follow-up): blank
figures are silence, text values (未检出, <0.5, 约43亿kWh, 2.8万t/a, 2×5000t/d) keep their unit and multiplier,
ppm becomes mg/m³ where the molar mass is known, free-text choices with qualifiers match, the discharge route is
read from an emission's place, idle and other-sector records do not count in the prevalence, and consumptions
listed among the materials feed the formulas that need them. The blind surveys are used unchanged."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import yaml

from diagnose_support import EXAMPLES, read

BLIND = Path(__file__).resolve().parent / "data" / "blind"


def _raw(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def blind(name: str):
    """A blind survey read as written: examples/NAME.yaml or tests/data/blind/NAME.yaml."""
    path = EXAMPLES / f"{name}.yaml"
    return read(_raw(path if path.exists() else BLIND / f"{name}.yaml"))


def survey(sector: str = "电镀", **enterprise) -> dict:
    return {"cpkb_survey": 1, "scope": {"sector": sector}, "enterprises": [{"id": "E1", **enterprise}]}


def _warned(found, place: str, word: str = "") -> list:
    return [w for w in found.warnings if w.place.startswith(place) and word in (w.message + (w.zh or ""))]


# ---------------------------------------------------------------------- 1. a blank figure is silence

@pytest.mark.parametrize("line", [
    {"emissions": [{"pollutant": "COD", "value": "", "unit": "mg/L"}]},
    {"emissions": [{"pollutant": "COD", "value": None, "unit": "mg/L"}]},
    {"indicators": [{"indicator": "镍利用率", "value": " "}]},
    {"output": {"product": "五金件", "value": ""}},
])
def test_a_blank_figure_is_warned_at_its_place_and_skipped(line):
    found = read(survey(**line))
    assert not found.problems, [str(p) for p in found.problems]
    (kind,) = line
    place = f"enterprises[0].{kind}" + ("" if kind == "output" else "[0]") + ".value"
    (warning,) = _warned(found, place, "silence")
    assert "未填数值" in warning.zh
    ent = found.enterprises[0]
    assert not ent.emissions and not ent.indicators and ent.output is None


def test_the_blind_packaging_survey_is_no_longer_refused_for_a_blank_ozone_figure():
    found = blind("packaging_printing_longgang_messy")
    assert not found.problems, [str(p) for p in found.problems]
    assert _warned(found, "enterprises[4].emissions[1].value", "silence")
