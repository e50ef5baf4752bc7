"""Measure economics beyond 万元 per line (kb/README.md "Economics"): a cost in the source's own currency is shown
in it and gives no payback until the user sets an exchange rate; capacity bases (per t/h, MW, kW) scale by the
sector's capacity fact or say they cannot; a saving of steam in t/a becomes heat only at a stated enthalpy.
Built on a copy of the model-v2 test knowledge base with the demo measure's figures changed."""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

import pytest

from cpkb.kb.compile import compile_kb
from cpkb.kb.errors import SourceError

V2_KB = Path(__file__).parent / "data" / "v2_kb"
SOURCE = "sources: [{doc: demo-standard, clause: 附录A}]"
INVEST = f"investment: {{range: [2, 6], basis: per-line, {SOURCE}}}"
OPEX = f"opex_change: {{range: [-0.5, 0], basis: per-line, {SOURCE}}}"
SAVING = f"- {{consumption: fresh-water, range: [1000, 3000], unit: m3-per-a, basis: per-line, {SOURCE}}}"
UNITS = """units:
  - {id: t-per-h, symbol: t/h, label: {zh: 吨每小时, en: tonne per hour}, definition: {zh: 蒸发量。, en: Steam rate.}, sources: [{doc: demo-standard}], pint: t/hour}
  - {id: MW, symbol: MW, label: {zh: 兆瓦, en: megawatt}, definition: {zh: 功率。, en: Power.}, sources: [{doc: demo-standard}], pint: megawatt}
  - {id: GJ-per-a, symbol: GJ/a, label: {zh: 吉焦每年, en: gigajoule per year}, definition: {zh: 年热量。, en: Heat per year.}, sources: [{doc: demo-standard}], pint: GJ/year}
"""
STEAM = ("consumptions:\n  - {id: steam-heat, label: {zh: 蒸汽与热力, en: steam and heat}, definition: {zh: 热量。, "
         "en: Heat.}, sources: [{doc: demo-standard}], unit: GJ-per-a}\n")
BOILER_FACT = ("facts:\n  - {id: boiler-capacity, label: {zh: 锅炉额定蒸发量, en: boiler rated capacity}, definition: "
               "{zh: 蒸发量。, en: Rated steam output.}, sources: [{doc: demo-standard}], datatype: number, unit: t-per-h}\n")


def _kb(folder: Path, demo: dict[str, str], capacity_fact: bool = True) -> Path:
    """A copy of the model-v2 test knowledge base with text of the demo sector replaced, steam and capacity
    units added and (optionally) a boiler capacity fact in the demo sector."""
    kb = folder / "kb"
    shutil.copytree(V2_KB, kb)
    vocab = kb / "shared" / "vocab.yaml"
    text = vocab.read_text(encoding="utf-8")
    vocab.write_text(text.replace("units:\n", UNITS, 1).replace("consumptions:\n", STEAM, 1), encoding="utf-8")
    sector = kb / "sectors" / "demo.yaml"
    text = sector.read_text(encoding="utf-8")
    if capacity_fact:
        text = text.replace("facts:\n", BOILER_FACT, 1)
    for old, new in demo.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    sector.write_text(text, encoding="utf-8")
    return kb


@functools.lru_cache(maxsize=8)
def _store(variant: str):
    from cpkb.kb.build import open_store
    from cpkb.settings import load_settings

    folder = Path(tempfile.mkdtemp(prefix=f"cpkb-econ-{variant}-"))
    kb = _kb(folder, VARIANTS[variant], capacity_fact=variant != "no-capacity-fact")
    settings = load_settings(store_dir=str(folder / "store"), endpoint="", store_mode="memory", kb_dir=str(kb))
    return open_store(settings), settings


VARIANTS = {
    # the investment as a European source gives it (万欧元 at 2015 prices), the rest in yuan
    "eur": {INVEST: f"investment: {{range: [2, 6], basis: per-line, currency: EUR, year: 2015, {SOURCE}}}"},
    # investment per t/h of boiler capacity, running cost per MW (no MW fact in the sector), steam saved in t/a
    "capacity": {INVEST: f"investment: {{range: [1, 2], basis: per-t-per-h, {SOURCE}}}",
                 OPEX: f"opex_change: {{range: [0.1, 0.2], basis: per-MW, {SOURCE}}}",
                 SAVING: f"- {{consumption: steam-heat, range: [100, 200], unit: t-per-a, {SOURCE}}}"},
    "no-capacity-fact": {INVEST: f"investment: {{range: [1, 2], basis: per-t-per-h, {SOURCE}}}"},
    "scale-by-no-capacity": {
        INVEST: f"investment: {{range: [1, 2], basis: per-t-per-h, scale_by: annual-wastewater, {SOURCE}}}"},
    "steam-source-enthalpy": {
        SAVING: f"- {{consumption: steam-heat, range: [100, 200], unit: t-per-a, enthalpy: 2.5, {SOURCE}}}"},
}


def _economics(variant: str, enterprises: list[dict], **settings) -> tuple[dict, dict]:
    from cpkb.diagnostics.engine import diagnose
    from cpkb.diagnostics.knowledge import knowledge_for
    from cpkb.diagnostics.survey import SurveyReader

    store, base = _store(variant)
    survey = SurveyReader(knowledge_for(store)).read({"cpkb_survey": 1, "scope": {"year": 2024, "sector": "demo"},
                                                      "enterprises": enterprises})
    assert not survey.problems, [p.as_dict() for p in survey.problems]
    result = diagnose(survey, store, {**base, **settings})
    rec = next(r for r in result["recommendations"] if r["measure"].endswith("/adopt-countercurrent-rinse"))
    return rec["economics"], result


def plating(eid: str, **facts) -> dict:
    return {"id": eid, "output": {"value": 10000, "unit": "m2"},
            "facts": {"source-age": "existing", "plating-type": "decorative", **facts},
            "processes": [{"process": "rinsing", "techniques": ["single-tank-rinse"]}],
            "indicators": [{"indicator": "rinse-water", "value": 30, "unit": "L/m2"}]}


LINES = [plating("A", **{"plating-lines": 2}), plating("B", **{"plating-lines": 1})]


def test_a_eur_investment_without_a_rate_stays_in_eur_and_gives_no_payback():
    econ, result = _economics("eur", LINES, prices="fresh-water=4")
    assert "investment_10k_yuan" not in econ                       # never silently taken as yuan
    eur = econ["investment_unconverted"]
    assert eur["currency"] == "EUR" and eur["year"] == 2015 and eur["total"] == [6, 18]   # 万欧元, 3 lines
    assert eur["text"]["zh"] == "约 6–18 万欧元（2015 年价格，未换算：未设置汇率）"
    assert eur["text"]["en"].startswith("about 0.06–0.18 million EUR (2015 prices, not converted")
    assert econ["savings_10k_yuan_per_a"] == [1.2, 3.6]            # the savings are still valued in yuan
    payback = econ["payback_years"]
    assert payback["range"] is None and payback["not_derived"] == "no-exchange-rate"
    assert payback["zh"].startswith("未推算回收期：费用以欧元计")
    from cpkb.diagnostics.report import to_html
    html = to_html(result)
    assert "万欧元" in html and "未设置汇率" in html
    from cpkb.diagnostics.audit_records import enterprise_records
    from cpkb.diagnostics.report_model import model_tables
    record = repr([report for _, report in enterprise_records(result)])
    assert "投资 2–6 万欧元（每条生产线，2015 年价格，未换算：未设置汇率）" in record
    table = next(t for t in model_tables(result) if t.title["zh"] == "方案经济性与前提")
    assert any("万欧元" in str(cell) for row in table.rows for cell in row)


def test_a_eur_investment_with_a_set_rate_is_converted_and_the_payback_derived():
    econ, _ = _economics("eur", LINES, prices="fresh-water=4", exchange_rates="EUR=7.8,USD=7.2")
    inv = econ["investment_10k_yuan"]
    assert inv["total"] == [46.8, 140.4] and inv["per_basis"] == [15.6, 46.8]     # 6–18 万欧元 × 7.8
    assert inv["converted_from"] == {"currency": "EUR", "rate_yuan": 7.8, "per_basis": [2.0, 6.0], "total": [6, 18]}
    assert "1 EUR = 7.8 元" in inv["text"]["zh"] and "2015 年价格" in inv["text"]["zh"]
    assert "investment_unconverted" not in econ
    # payback = investment / (savings − opex change): 46.8 / (3.6 + 1.5) … 140.4 / (1.2 − 0)
    assert econ["payback_years"]["range"] == [round(46.8 / 5.1, 2), round(140.4 / 1.2, 2)]
    assert econ["payback_years"]["derived"] is True


def test_a_per_t_per_h_investment_scales_by_the_boiler_capacity_and_per_mw_says_it_is_not_scaled():
    ents = [plating("A", **{"boiler-capacity": 10}), plating("B", **{"boiler-capacity": 20}), plating("C")]
    econ, _ = _economics("capacity", ents)
    inv = econ["investment_10k_yuan"]
    assert inv["basis"] == "per-t-per-h" and inv["total"] == [30, 60]             # 1–2 万元 per t/h × 30 t/h
    assert inv["scaled_by"]["labels"]["zh"] == "锅炉额定蒸发量"
    assert inv["enterprises_unscaled"] == ["C"] and "锅炉额定蒸发量" in inv["not_scaled"]["zh"]
    opex = econ["opex_change_10k_yuan_per_a"]                      # per MW: the sector has no MW fact
    assert opex["total"] is None and "未定义对应的容量事实" in opex["not_scaled"]["zh"]


def test_without_a_capacity_fact_a_per_t_per_h_figure_is_not_scaled_and_said_so():
    econ, _ = _economics("no-capacity-fact", LINES)
    inv = econ["investment_10k_yuan"]
    assert inv["total"] is None and inv["not_scaled"]["zh"].startswith("该数字按单位容量计（每 t/h")


def test_a_named_scale_fact_that_is_no_capacity_is_not_used_and_said_so():
    econ, _ = _economics("scale-by-no-capacity", [plating("A", **{"boiler-capacity": 10, "annual-wastewater": 5000})])
    inv = econ["investment_10k_yuan"]                              # not 5000 m³/a × 1–2, not the boiler either
    assert inv["total"] is None and "单位与该基准不符" in inv["not_scaled"]["zh"]


def test_steam_saved_in_tonnes_becomes_heat_only_at_a_stated_enthalpy():
    ents = [plating("A", **{"boiler-capacity": 10})]
    econ, _ = _economics("capacity", ents, prices="steam-heat=50")
    steam = econ["savings"][0]
    assert steam["unit"] == "t/a" and steam["total"] == [100, 200]
    assert "value_10k_yuan_per_a" not in steam and "未折算为热量" in steam["steam"]["zh"]
    assert "savings_10k_yuan_per_a" not in econ
    econ, _ = _economics("capacity", ents, prices="steam-heat=50", steam_enthalpy_gj_per_t=2.8)
    assert econ["savings"][0]["value_10k_yuan_per_a"] == [1.4, 2.8]           # 100–200 t × 2.8 GJ/t × 50 元/GJ
    assert econ["savings"][0]["steam"]["from"] == "setting"
    econ, _ = _economics("steam-source-enthalpy", ents, prices="steam-heat=50", steam_enthalpy_gj_per_t=2.8)
    steam = econ["savings"][0]                                     # the source's own conversion comes first
    assert steam["steam"]["from"] == "source" and steam["value_10k_yuan_per_a"] == [1.25, 2.5]   # × 2.5 GJ/t


def test_the_result_with_the_new_economics_fields_matches_the_result_schema():
    import json

    import jsonschema

    schema = json.loads((Path(__file__).resolve().parent.parent / "diagnostics" / "result.schema.json").read_text())
    for variant, settings in (("eur", {}), ("eur", {"exchange_rates": "EUR=7.8"}), ("capacity", {})):
        _, result = _economics(variant, [plating("A", **{"plating-lines": 1, "boiler-capacity": 10})], **settings)
        jsonschema.validate(result, schema)


@pytest.mark.parametrize("old, new, message", [
    (INVEST, f"investment: {{range: [2, 6], basis: per-line, currency: EURO, {SOURCE}}}", "ISO 4217"),
    (INVEST, f"investment: {{range: [2, 6], basis: per-line, currency: EUR, year: '2015', {SOURCE}}}", "price year"),
    (INVEST, f"investment: {{range: [2, 6], basis: per-line, scale_by: boiler-capacity, {SOURCE}}}", "capacity bases"),
    (SAVING, f"- {{consumption: fresh-water, range: [1, 3], unit: m3-per-a, enthalpy: 2.8, {SOURCE}}}", "t-per-a"),
    (INVEST, f"investment: {{range: [2, 6], basis: per-GW, {SOURCE}}}", "basis` must be"),
])
def test_economics_format_errors_name_file_line_and_entry(tmp_path, old, new, message):
    kb = _kb(tmp_path, {old: new})
    with pytest.raises(SourceError) as caught:
        compile_kb(kb)
    problem = next(p for p in caught.value.problems if message in p.message)
    assert problem.file.name == "demo.yaml" and problem.line and problem.entry


def test_the_exchange_rate_setting_is_checked():
    from cpkb.settings import SettingError, load_settings

    assert load_settings(exchange_rates="EUR=7.8,USD=7.2")["exchange_rates"] == "EUR=7.8,USD=7.2"
    with pytest.raises(SettingError, match="ISO 4217"):
        load_settings(exchange_rates="euro=7.8")


def test_the_browse_page_shows_a_foreign_cost_in_its_own_currency_with_its_year():
    from cpkb.web.app import create_app

    store, settings = _store("eur")
    app = create_app({"CPKB": settings, "TESTING": True})
    client = app.test_client()
    page = client.get("/id/demo/measure/adopt-countercurrent-rinse?lang=zh").get_data(as_text=True)
    assert "万欧元" in page and "2015 年价格" in page
    page = client.get("/id/demo/measure/adopt-countercurrent-rinse?lang=en").get_data(as_text=True)
    assert "×10⁴ EUR" in page and "2015 prices" in page


def test_the_worked_example_keeps_the_sources_usd_figure():
    """electroplating install-evaporative-recovery: 约40万美元 from one Indian plater, kept in USD."""
    from diagnose_support import real_store

    epi = "https://w3id.org/cpkb/id/electroplating/"
    rows = real_store().select(f"SELECT ?c ?v WHERE {{ <{epi}measure/install-evaporative-recovery> cpkb:investment ?i . "
                               "?i cpkb:currency ?c ; cpkb:minValue ?v }").rows
    assert [(str(r["c"]), float(r["v"])) for r in rows] == [("USD", 40.0)]
