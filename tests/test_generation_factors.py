"""Generation factors (产排污系数): an enterprise that reports no load is estimated as output × factor, marked as
an estimate with its formula, the most specific factor first; totals say how much is estimated."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from cpkb.diagnostics.knowledge import knowledge_for
from cpkb.diagnostics.potential import baseline_loads, reduction_potential
from cpkb.diagnostics.survey import SurveyReader
from diagnose_support import memory_store

DATA = Path(__file__).parent / "data" / "v2_kb"

UNIT = """  - {id: g-per-m2, symbol: g/m², label: {zh: 克每平方米, en: gram per square metre}, alt: {en: [g/m2]},
     definition: {zh: 单位面积的质量。, en: Mass per area.}, sources: [{doc: demo-standard}], pint: g/m**2}
"""
FACTORS = """
generation_factors:
  - id: vocs-plain
    label: {zh: 挥发性有机物排污系数（一般）, en: VOCs emission factor (general)}
    definition: {zh: 每平方米镀件排放的挥发性有机物。, en: VOCs emitted per square metre plated.}
    sources: [{doc: demo-standard, clause: 表9}]
    pollutant: vocs
    stage: emitted
    value: 2.0
    unit: g-per-m2
  - id: vocs-single-tank
    label: {zh: 挥发性有机物排污系数（单槽清洗）, en: VOCs emission factor (single-tank rinsing)}
    definition: {zh: 采用单槽清洗时每平方米镀件排放的挥发性有机物。, en: VOCs per square metre with single-tank rinsing.}
    sources: [{doc: demo-standard, clause: 表9}]
    pollutant: vocs
    stage: emitted
    value: 5.0
    unit: g-per-m2
    applies_when: {uses: {technique: single-tank-rinse}}
  - id: vocs-generated
    label: {zh: 挥发性有机物产污系数, en: VOCs generation factor}
    definition: {zh: 每平方米镀件产生的挥发性有机物。, en: VOCs generated per square metre plated.}
    sources: [{doc: demo-standard, clause: 表9}]
    pollutant: vocs
    stage: generated
    value: 50.0
    unit: g-per-m2
"""


def _kb_with_factors(root: Path, factors: str) -> Path:
    """The v2 test knowledge base with a g/m² unit and the given generation factors in its demo sector."""
    kb = root / "kb"
    shutil.copytree(DATA, kb)
    vocab = kb / "shared" / "vocab.yaml"
    vocab.write_text(vocab.read_text(encoding="utf-8").replace("units:\n", "units:\n" + UNIT, 1), encoding="utf-8")
    demo = kb / "sectors" / "demo.yaml"
    text = demo.read_text(encoding="utf-8")
    at = text.index("\nrules:")
    demo.write_text(text[:at] + factors + text[at:], encoding="utf-8")
    return kb


@pytest.fixture(scope="module")
def store():
    root = Path(tempfile.mkdtemp(prefix="cpkb-gf-"))
    return memory_store(root / "store", _kb_with_factors(root, FACTORS))


def _survey(store, *plants, year=None):
    scope = {"sector": "demo", "pilot_type": "region", "region": "demo-region"} | ({"year": year} if year else {})
    return SurveyReader(knowledge_for(store)).read({"cpkb_survey": 1, "scope": scope, "enterprises": list(plants)})


def _plant(ident, rinse, output=10000, vocs=None):
    plant = {"id": ident, "output": {"product": "镀件", "value": output, "unit": "m2"},
             "processes": [{"process": "电镀", "techniques": []}, {"process": "水洗", "techniques": [rinse]}]}
    if vocs is not None:
        plant["emissions"] = [{"pollutant": "VOCs", "value": vocs, "unit": "t/a"}]
    return plant


def test_factor_estimates_only_what_is_not_reported(store):
    survey = _survey(store, _plant("R", "单槽清洗", vocs=0.7), _plant("S", "单槽清洗"), _plant("C", "多级逆流漂洗"))
    assert not survey.problems, survey.problems
    kb = survey.knowledge
    vocs = next(iri for iri in kb.kinds if iri.endswith("/pollutant/vocs"))
    rows = baseline_loads(kb, survey, survey.enterprises, [vocs])[vocs]
    assert rows["R"] == {"t_per_a": pytest.approx(0.7), "how": "reported", "factor": None, "formula": None}
    # by hand: 10,000 m²/a × 5 g/m² = 50 kg = 0.05 t (single-tank factor, the specific one, wins)
    assert rows["S"]["how"] == "estimated" and rows["S"]["t_per_a"] == pytest.approx(0.05)
    assert rows["S"]["factor"].endswith("/vocs-single-tank") and "× 5 g/m²" in rows["S"]["formula"]
    # the general factor for the plant without single-tank rinsing: 10,000 × 2 g = 0.02 t; the generated factor
    # (产污系数) never stands for an emitted load
    assert rows["C"]["t_per_a"] == pytest.approx(0.02) and rows["C"]["factor"].endswith("/vocs-plain")


def test_potential_totals_say_how_much_is_estimated(store):
    survey = _survey(store, _plant("R", "单槽清洗", vocs=0.7), _plant("S", "单槽清洗"),
                     _plant("N", "单槽清洗", output=0))
    result = reduction_potential(survey.knowledge, survey, survey.enterprises, [])
    vocs = next(p for p in result["pollutants"] if p["pollutant"].endswith("/vocs"))
    assert (vocs["reported_by"], vocs["estimated_by"], vocs["not_reported_by"]) == (1, 1, 1)
    assert vocs["baseline_t_per_a"] == pytest.approx(0.75) and vocs["estimated_t_per_a"] == pytest.approx(0.05)
    assert [e["enterprise"] for e in vocs["estimates"]] == ["S"]


def test_compiler_checks_the_stage(tmp_path):
    from cpkb.kb.compile import compile_kb

    kb = _kb_with_factors(tmp_path, FACTORS.replace("stage: generated", "stage: produced"))
    from cpkb.kb.checks import check_shacl

    findings = check_shacl(compile_kb(kb))
    assert any("vocs-generated" in str(f) and "stage" in str(f) for f in findings), findings


YEARS = """
generation_factors:
  - id: vocs-average-2008
    label: {zh: 挥发性有机物排放强度（2008年）, en: VOCs emission intensity (2008)}
    definition: {zh: 2008年每平方米镀件排放的挥发性有机物。, en: VOCs emitted per square metre plated in 2008.}
    sources: [{doc: demo-standard, clause: 表9}]
    pollutant: vocs
    stage: emitted
    value: 8.0
    unit: g-per-m2
    year: 2008
  - id: vocs-average-2024
    label: {zh: 挥发性有机物排放强度（2024年）, en: VOCs emission intensity (2024)}
    definition: {zh: 2024年每平方米镀件排放的挥发性有机物。, en: VOCs emitted per square metre plated in 2024.}
    sources: [{doc: demo-standard, clause: 表9}]
    pollutant: vocs
    stage: emitted
    value: 1.0
    unit: g-per-m2
    year: 2024
  - id: vocs-average-undated
    label: {zh: 挥发性有机物排放强度（年份不详）, en: VOCs emission intensity (undated)}
    definition: {zh: 每平方米镀件排放的挥发性有机物。, en: VOCs emitted per square metre plated.}
    sources: [{doc: demo-standard, clause: 表9}]
    pollutant: vocs
    stage: emitted
    value: 3.0
    unit: g-per-m2
"""


@pytest.mark.parametrize("year, factor, tonnes", [(2024, "vocs-average-2024", 0.01), (2011, "vocs-average-2008", 0.08),
                                                  (2017, "vocs-average-2024", 0.01)])
def test_of_equally_general_factors_the_nearest_year_is_taken(tmp_path, year, factor, tonnes):
    store = memory_store(tmp_path / "store", _kb_with_factors(tmp_path, YEARS))
    survey = _survey(store, _plant("P", "多级逆流漂洗"), year=year)
    vocs = next(iri for iri in survey.knowledge.kinds if iri.endswith("/pollutant/vocs"))
    row = baseline_loads(survey.knowledge, survey, survey.enterprises, [vocs])[vocs]["P"]
    # by hand: 10,000 m²/a × 1 g/m² = 0.01 t (2024 data); × 8 g/m² = 0.08 t (2008 data, nearer 2011); the undated
    # factor (3 g/m²) comes after both; 2017 is 7 years from 2024 and 9 from 2008
    assert row["factor"].endswith("/" + factor) and row["t_per_a"] == pytest.approx(tonnes)


def test_compiler_checks_the_year(tmp_path):
    from cpkb.kb.checks import check_shacl
    from cpkb.kb.compile import compile_kb

    kb = _kb_with_factors(tmp_path, YEARS.replace("year: 2008", "year: 2008年"))
    with pytest.raises(Exception) as err:
        check_shacl(compile_kb(kb))
    assert "vocs-average-2008" in str(err.value) and "year" in str(err.value)


PRODUCT_FACTOR = """
generation_factors:
  - id: vocs-plated-parts
    label: {zh: 镀件挥发性有机物排污系数, en: VOCs emission factor of plated parts}
    definition: {zh: 每平方米镀件排放的挥发性有机物。, en: VOCs emitted per square metre of plated parts.}
    sources: [{doc: demo-standard, clause: 表9}]
    pollutant: vocs
    stage: emitted
    value: 4.0
    unit: g-per-m2
    product: plated-parts
"""
SHEET = ("  - {id: plated-sheet, label: {zh: 镀锌板, en: galvanised sheet}, definition: {zh: 镀锌板。, en: Sheet.}, "
         "sources: [{doc: demo-standard}], unit: m2}\n")


def test_a_factor_per_product_leaves_another_product_alone(tmp_path):
    kb = _kb_with_factors(tmp_path, PRODUCT_FACTOR)
    demo = kb / "sectors" / "demo.yaml"
    text = demo.read_text(encoding="utf-8")
    at = text.index("  - {id: plated-parts")
    demo.write_text(text[:at] + SHEET + text[at:], encoding="utf-8")
    store = memory_store(tmp_path / "store", kb)
    sheet = _plant("S", "多级逆流漂洗")
    sheet["output"]["product"] = "镀锌板"
    unnamed = _plant("U", "多级逆流漂洗")
    del unnamed["output"]["product"]
    survey = _survey(store, _plant("P", "多级逆流漂洗"), sheet, unnamed)
    vocs = next(iri for iri in survey.knowledge.kinds if iri.endswith("/pollutant/vocs"))
    rows = baseline_loads(survey.knowledge, survey, survey.enterprises, [vocs])[vocs]
    # by hand: 10,000 m² of plated parts × 4 g/m² = 0.04 t; galvanised sheet is another product: no estimate; an
    # output that names no product is the sector's and is estimated
    assert rows["P"]["t_per_a"] == pytest.approx(0.04) and "S" not in rows
    assert rows["U"]["t_per_a"] == pytest.approx(0.04)


# A factor per tonne of a material used (printing, coating): × the enterprise's consumption of it, never × output.
INK = ("  - {id: solvent-ink, label: {zh: 溶剂型油墨, en: solvent-borne ink}, definition: {zh: 溶剂型油墨。, "
       "en: Solvent ink.}, sources: [{doc: demo-standard}]}\n")
PER_KG = """  - {id: kg-per-kg-material, symbol: kg/kg物料, label: {zh: 千克每千克物料, en: kilogram per kilogram of material},
     definition: {zh: 每千克物料。, en: Per kilogram of material.}, sources: [{doc: demo-standard}], pint: kg/kg}
"""
MATERIAL_FACTOR = """
generation_factors:
  - id: vocs-per-ink
    label: {zh: 挥发性有机物排污系数（按溶剂型油墨）, en: VOCs emission factor per solvent ink used}
    definition: {zh: 每千克溶剂型油墨排放的挥发性有机物。, en: VOCs emitted per kilogram of solvent ink used.}
    sources: [{doc: demo-standard, clause: 表9}]
    pollutant: vocs
    stage: emitted
    value: 0.6
    unit: kg-per-kg-material
    per: material
    material: solvent-ink
"""


def _material_store(root: Path, factors: str):
    kb = _kb_with_factors(root, factors)
    vocab = kb / "shared" / "vocab.yaml"
    vocab.write_text(vocab.read_text(encoding="utf-8").replace("units:\n", "units:\n" + PER_KG, 1), encoding="utf-8")
    demo = kb / "sectors" / "demo.yaml"
    demo.write_text(demo.read_text(encoding="utf-8").replace("materials:\n", "materials:\n" + INK, 1), encoding="utf-8")
    return memory_store(root / "store", kb)


def _inked(ident, value, unit, output=10000):
    plant = _plant(ident, "多级逆流漂洗", output=output)
    plant["materials"] = [{"material": "溶剂型油墨", "value": value, "unit": unit}]
    return plant


def test_a_per_material_factor_multiplies_the_material_never_the_output(tmp_path):
    store = _material_store(tmp_path, MATERIAL_FACTOR)
    survey = _survey(store, _inked("A", 12, "t/a"), _inked("B", 3000, "kg"), _plant("C", "多级逆流漂洗"),
                     {**_inked("R", 50, "t/a"), "emissions": [{"pollutant": "VOCs", "value": 0.7, "unit": "t/a"}]})
    assert not survey.problems, survey.problems
    kb = survey.knowledge
    vocs = next(iri for iri in kb.kinds if iri.endswith("/pollutant/vocs"))
    rows = baseline_loads(kb, survey, survey.enterprises, [vocs])[vocs]
    # by hand: 12 t/a of solvent ink × 0.6 kg/kg = 7.2 t/a; 3,000 kg (a year's amount) = 3 t × 0.6 = 1.8 t/a
    assert rows["A"]["how"] == "estimated" and rows["A"]["t_per_a"] == pytest.approx(7.2)
    assert rows["B"]["t_per_a"] == pytest.approx(1.8)
    assert "溶剂型油墨用量 12 t/a × 0.6 kg/kg物料" in rows["A"]["formula_labels"]["zh"]
    # the guard: 10,000 m² of output × 0.6 kg/kg would read as 6 t — no estimate from output, and the reported load
    # of R stands whatever ink it lists
    assert "C" not in rows and rows["R"]["how"] == "reported" and rows["R"]["t_per_a"] == pytest.approx(0.7)
    result = reduction_potential(kb, survey, survey.enterprises, [])
    row = next(p for p in result["pollutants"] if p["pollutant"] == vocs)
    assert row["estimated_t_per_a"] == pytest.approx(9.0) and row["estimated_by"] == 2
    assert [n["enterprise"] for n in row["not_estimated"]] == ["C"]
    assert "不能乘产量" in row["not_estimated"][0]["reason"]["zh"]


def test_a_per_material_factor_goes_before_a_per_product_one(tmp_path):
    store = _material_store(tmp_path, MATERIAL_FACTOR + FACTORS.replace("generation_factors:\n", ""))
    survey = _survey(store, _inked("A", 12, "t/a"), _plant("C", "多级逆流漂洗"))
    vocs = next(iri for iri in survey.knowledge.kinds if iri.endswith("/pollutant/vocs"))
    rows = baseline_loads(survey.knowledge, survey, survey.enterprises, [vocs])[vocs]
    # A lists its ink: 12 × 0.6 = 7.2 t/a; C only its output: 10,000 m² × 2 g/m² = 0.02 t/a (the general factor)
    assert rows["A"]["t_per_a"] == pytest.approx(7.2) and rows["A"]["factor"].endswith("/vocs-per-ink")
    assert rows["C"]["t_per_a"] == pytest.approx(0.02) and rows["C"]["factor"].endswith("/vocs-plain")


def test_compiler_asks_a_per_material_factor_for_its_material(tmp_path):
    from cpkb.kb.checks import check_shacl
    from cpkb.kb.compile import compile_kb

    kb = _kb_with_factors(tmp_path, MATERIAL_FACTOR.replace("    material: solvent-ink\n", ""))
    vocab = kb / "shared" / "vocab.yaml"
    vocab.write_text(vocab.read_text(encoding="utf-8").replace("units:\n", "units:\n" + PER_KG, 1), encoding="utf-8")
    findings = check_shacl(compile_kb(kb))
    assert any("vocs-per-ink" in str(f) and "per: material needs material" in str(f) for f in findings), findings
