"""Cross-sector measures (kb/shared/measures.yaml) and the sectors' links to them (`shared_measures`): the compiler's
placed errors, the SPARQL view of a sector's measures, and the engine recommending a linked measure like a sector's own."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import RDF

from cpkb.diagnostics.engine import diagnose
from cpkb.kb.checks import check_shacl, union_graph
from cpkb.kb.compile import compile_kb
from cpkb.kb.errors import SourceError
from cpkb.kb.namespaces import CPKB, ID

from diagnose_support import read, real_store
from sector_kb_support import count

SHARED = '''measures:
  - id: steam-traps
    label: {zh: 疏水阀检查更换, en: steam trap repair}
    alt: {zh: [疏水阀], en: [steam traps]}
    definition: {zh: 检查更换疏水阀。, en: Test and replace steam traps.}
    sources: [{doc: demo-standard}]
    scale: enterprise
    categories: [energy-use]
    cost: low
    route: equipment
    savings:
      - {consumption: fresh-water, range: [100, 200], unit: percent, basis: per-enterprise, sources: [{doc: demo-standard}]}
  - id: shared-boiler
    label: {zh: 集中供热, en: central steam}
    definition: {zh: 园区集中供热。, en: Park central steam.}
    sources: [{doc: demo-standard}]
    scale: park
    categories: [energy-use]
    cost: high
    route: materials-energy
    requires: [steam-traps]
    investment: {range: [500, 800], basis: per-facility, sources: [{doc: demo-standard}]}
'''

LINKS = '''
shared_measures:
  - measure: steam-traps
    addresses: [high-rinse-water]
    processes: [rinsing]
    applicability: {zh: 演示行业的说明。, en: What is particular to the demo sector.}
    note: {zh: 备注。, en: A note.}
'''


def _problems(kb: Path) -> list[str]:
    with pytest.raises(SourceError) as info:
        compile_kb(kb)
    return [str(p) for p in info.value.problems]


@pytest.fixture
def linked_kb(mini_kb: Path) -> Path:
    (mini_kb / "shared" / "measures.yaml").write_text(SHARED, encoding="utf-8")
    demo = mini_kb / "sectors" / "demo.yaml"
    text = demo.read_text(encoding="utf-8")
    demo.write_text(text.replace("\nrules:\n", LINKS + "\nrules:\n", 1), encoding="utf-8")
    return mini_kb


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_link_compiles_to_a_measure_link_node_and_passes_shacl(linked_kb):
    compiled = compile_kb(linked_kb)
    graph = union_graph(compiled)
    shared, link = ID["measure/steam-traps"], ID["demo/measure-link/steam-traps"]
    assert (shared, RDF.type, CPKB.Measure) in graph and (shared, RDF.type, CPKB.SharedMeasure) in graph
    assert (shared, CPKB.scale, CPKB.ScaleEnterprise) in graph
    assert (shared, CPKB.sector, None) not in graph
    assert (link, RDF.type, CPKB.MeasureLink) in graph
    assert (link, CPKB.linksMeasure, shared) in graph
    assert (link, CPKB.sector, ID["demo"]) in graph
    assert (link, CPKB.addresses, ID["demo/problem/high-rinse-water"]) in graph
    assert (ID["demo/measure/adopt-countercurrent-rinse"], RDF.type, CPKB.SectorMeasure) in graph
    assert (ID["measure/shared-boiler"], CPKB.requiresMeasure, shared) in graph
    assert compiled.counts["SharedMeasure"] == 2 and compiled.counts["MeasureLink"] == 1
    assert compiled.counts["Measure"] == 3   # the sector's own and the two shared ones; a link is not a measure
    assert check_shacl(compiled, graph) == []


def test_a_link_may_add_the_sectors_own_effects_and_techniques(linked_kb):
    _edit(linked_kb / "sectors/demo.yaml", "    note: {zh: 备注。, en: A note.}\n",
          "    note: {zh: 备注。, en: A note.}\n    introduces: [countercurrent-rinse]\n"
          "    effects:\n      - {indicator: rinse-water, change: [-10, -5], sources: [{doc: demo-standard, verified: false}]}\n")
    compiled = compile_kb(linked_kb)
    graph = union_graph(compiled)
    link = ID["demo/measure-link/steam-traps"]
    assert (link, CPKB.introduces, ID["demo/technique/countercurrent-rinse"]) in graph
    effect = graph.value(link, CPKB.hasEffect)
    assert (effect, CPKB.onIndicator, ID["demo/indicator/rinse-water"]) in graph
    assert check_shacl(compiled, graph) == []


def test_shacl_rejects_a_shared_measure_given_a_sector(linked_kb):
    compiled = compile_kb(linked_kb)
    graph = union_graph(compiled)
    graph.add((ID["measure/steam-traps"], CPKB.sector, ID["demo"]))
    findings = check_shacl(compiled, graph)
    assert any("shared/measures.yaml" in f.where and "belongs to no sector" in f.message for f in findings)


def test_unknown_shared_measure_is_a_placed_error_with_the_closest_ids(linked_kb):
    _edit(linked_kb / "sectors/demo.yaml", "  - measure: steam-traps\n", "  - measure: steam-trap\n")
    problems = _problems(linked_kb)
    assert len(problems) == 1
    assert "demo.yaml" in problems[0] and "[measure-link steam-trap]" in problems[0]
    assert "unknown shared-measure 'steam-trap'" in problems[0] and "steam-traps" in problems[0]


def test_a_link_to_an_unknown_problem_or_without_problems_is_an_error(linked_kb):
    _edit(linked_kb / "sectors/demo.yaml", "    addresses: [high-rinse-water]\n    processes: [rinsing]\n    applicability",
          "    addresses: [high-rinse]\n    processes: [rinsing]\n    applicability")
    problems = _problems(linked_kb)
    assert any("unknown problem 'high-rinse'" in p and "high-rinse-water" in p for p in problems)


def test_a_link_may_not_relabel_the_measure_nor_sit_beside_a_copy(linked_kb):
    _edit(linked_kb / "sectors/demo.yaml", "  - measure: steam-traps\n",
          "  - measure: steam-traps\n    label: {zh: 疏水阀, en: traps}\n")
    assert any("takes its label" in p for p in _problems(linked_kb))


def test_a_sector_measure_that_copies_a_linked_one_is_an_error(linked_kb):
    _edit(linked_kb / "sectors/demo.yaml", "  - id: adopt-countercurrent-rinse\n", "  - id: steam-traps\n")
    assert any("also defines a measure 'steam-traps'" in p and "replace it by this link" in p
               for p in _problems(linked_kb))


def test_shared_measure_fields_are_checked(linked_kb):
    _edit(linked_kb / "shared/measures.yaml", "    scale: park\n", "    scale: region\n")
    _edit(linked_kb / "shared/measures.yaml", "    categories: [energy-use]\n    cost: low",
          "    categories: [energy]\n    cost: low")
    problems = _problems(linked_kb)
    assert any("[shared-measure shared-boiler]" in p and "'region'" in p for p in problems)
    assert any("[shared-measure steam-traps]" in p and "'energy'" in p for p in problems)


def test_a_shared_measure_cannot_name_sector_indicators(linked_kb):
    _edit(linked_kb / "shared/measures.yaml", "    savings:\n",
          "    effects:\n      - {indicator: rinse-water, change: [-10, -5], sources: [{doc: demo-standard}]}\n    savings:\n")
    assert any("unknown indicator 'rinse-water'" in p and "kb/shared" in p for p in _problems(linked_kb))


# ---------------------------------------------------------------------- the real knowledge base

PP = "<https://w3id.org/cpkb/id/papermaking>"


def test_at_least_50_shared_measures_with_labels_sources_and_scale():
    assert count("?x a cpkb:SharedMeasure ; skos:prefLabel ?zh ; skos:definition ?d ; dcterms:source ?s ; "
                 "cpkb:scale ?sc ; cpkb:costClass ?c ; cpkb:route ?r FILTER(lang(?zh) = 'zh')") >= 50
    assert count("?x a cpkb:SharedMeasure ; cpkb:scale cpkb:ScalePark") >= 6


def test_sparql_lists_a_sectors_measures_with_the_linked_ones():
    own = count(f"?x a cpkb:Measure ; cpkb:sector {PP}")
    linked = count(f"[] a cpkb:MeasureLink ; cpkb:sector {PP} ; cpkb:linksMeasure ?x")
    both = count(f"{{ ?x a cpkb:Measure ; cpkb:sector {PP} }} UNION "
                 f"{{ [] a cpkb:MeasureLink ; cpkb:sector {PP} ; cpkb:linksMeasure ?x }}")
    assert linked >= 5 and both == own + linked
    # papermaking's metering problem is answered by the shared three-level metering
    assert count(f"?x cpkb:sector {PP} ; cpkb:linksMeasure <https://w3id.org/cpkb/id/measure/three-level-energy-metering> ; "
                 "cpkb:addresses <https://w3id.org/cpkb/id/papermaking/problem/no-three-level-metering>") == 1


SURVEY = {
    "cpkb_survey": 1,
    "scope": {"title": "某县造纸行业整体审核（计量测试）", "sector": "造纸", "pilot_type": "sector"},
    "enterprises": [
        {"id": f"M0{n}", "output": {"product": "箱纸板和瓦楞原纸", "value": 50000, "unit": "t"},
         "processes": [{"process": "废纸碎浆"}, {"process": "抄纸"}, {"process": "废水处理"}],
         "facts": {"has_energy_metering": False, "has_water_meters_per_line": n != 3}}
        for n in (1, 2, 3)
    ],
}


@pytest.fixture(scope="module")
def result():
    return diagnose(read(SURVEY), real_store(), {"key_issue_min_enterprises": 1})


def test_engine_recommends_a_linked_shared_measure_for_a_sector_problem(result):
    issues = {i["problem"].rsplit("/", 1)[-1]: set(i["enterprises"]) for i in result["key_issues"]}
    assert issues.get("no-three-level-metering") == {"M01", "M02", "M03"}
    recs = {r["measure"].rsplit("/", 1)[-1]: r for r in result["recommendations"]}
    energy = recs["three-level-energy-metering"]
    assert energy["shared_measure"] == "https://w3id.org/cpkb/id/measure/three-level-energy-metering"
    assert "/papermaking/" in energy["measure"] and energy["scale"] == "enterprise"
    assert energy["labels"]["zh"] == "能源三级计量"
    assert sorted(energy["applies_to"]) == ["M01", "M02", "M03"]
    assert "纸机" in energy["applicability"]["zh"]           # the sector's own applicability, not the shared text
    assert energy["measure"] in result["schemes"]["low_cost"]
    # the water link's prerequisite (no line water meters) holds only for M03
    assert recs["three-level-water-metering"]["applies_to"] == ["M03"]


def test_a_linked_measure_gets_economics_and_report_lines_like_a_sector_measure(result):
    from cpkb.diagnostics.report import to_html

    html = to_html(result, real_store())
    assert "能源三级计量" in html
    rec = next(r for r in result["recommendations"] if r["measure"].endswith("/three-level-energy-metering"))
    assert rec["expected_effects"] == [] and rec["rank"] >= 1


def _dyeing_survey(pilot_type: str) -> dict:
    scope = {"title": "某园区印染企业（集中供热测试）", "sector": "印染", "pilot_type": pilot_type}
    if pilot_type == "park":
        scope["park"] = "某印染园区"
    return {"cpkb_survey": 1, "scope": scope, "enterprises": [
        {"id": f"D0{n}", "output": {"product": "棉机织物", "value": 1000, "unit": "万米"},
         "processes": [{"process": "公用工程", "techniques": ["自备燃煤锅炉"]}, {"process": "染色"}],
         "facts": {"in_industrial_park": True, "uses_park_central_steam": False}} for n in (1, 2)]}


def test_a_park_scale_link_is_recommended_only_in_a_park_audit():
    def recs(pilot_type):
        result = diagnose(read(_dyeing_survey(pilot_type)), real_store(), {"key_issue_min_enterprises": 1})
        assert "own-coal-heating" in {i["problem"].rsplit("/", 1)[-1] for i in result["key_issues"]}
        return {r["measure"].rsplit("/", 1)[-1]: r for r in result["recommendations"]}

    park = recs("park")
    assert park["park-central-steam"]["scale"] == "park"
    assert park["park-central-steam"]["applies_to"] == ["D01", "D02"]
    assert "switch-to-central-steam" in park            # the sector's own enterprise-level measure stays
    assert "park-central-steam" not in recs("sector")    # the link's context prerequisite fails outside a park


def test_a_park_facility_is_costed_once_not_per_enterprise():
    from cpkb.diagnostics.economics import _scaled

    from diagnose_support import knowledge

    item = {"low": 500.0, "high": 800.0, "basis": "per-facility", "verified": True, "sources": []}
    block = _scaled(knowledge(), item, [object(), object(), object()])
    assert block["total"] == [500.0, 800.0] and block["enterprises_scaled"] == 3


# ---------------------------------------------------------------------- economics of the shared measures (MACC, budget)

SM = "https://w3id.org/cpkb/id/measure/"
_ECON = ("{ ?x cpkb:investment [] } UNION { ?x cpkb:minPaybackYears [] } UNION { ?x cpkb:hasSaving [] } "
         "UNION { ?x cpkb:opexChange [] }")


def _number(query: str) -> float:
    return float(real_store().select(query).rows[0]["v"])


def test_shared_measures_carry_sourced_economics():
    with_econ = count(f"?x a cpkb:SharedMeasure . {_ECON}")
    assert with_econ >= 28
    # every cost item and saving names the document it comes from
    assert count("?m a cpkb:SharedMeasure ; (cpkb:investment|cpkb:opexChange|cpkb:hasSaving) ?x "
                 "FILTER NOT EXISTS { ?x dcterms:source [] }") == 0


def test_a_few_shared_figures_read_back_through_sparql():
    # FEMP DOE/EE-0193: a steam-trap survey programme pays back in under half a year on average
    assert _number(f"SELECT ?v WHERE {{ <{SM}steam-trap-management> cpkb:maxPaybackYears ?v }}") == 0.5
    # US Superior Energy Performance (ISO 50001) plants: 1.5–1.7 years
    assert _number(f"SELECT ?v WHERE {{ <{SM}energy-management-system> cpkb:maxPaybackYears ?v }}") == 1.7
    # a shared RTO per 10 000 m3/h: 0.8–3 million yuan, costed once for the park
    assert _number(f"SELECT ?v WHERE {{ <{SM}park-shared-rto> cpkb:investment/cpkb:maxValue ?v }}") == 300
    assert str(real_store().select(f"SELECT ?v WHERE {{ <{SM}park-shared-rto> cpkb:investment/cpkb:costBasis ?v }}")
               .rows[0]["v"]) == "per-facility"
    # dyehouse reuse plants: 0.12–1.0 万元 per m3/d of reuse capacity
    assert _number(f"SELECT ?v WHERE {{ <{SM}treated-water-reuse> cpkb:investment/cpkb:minValue ?v }}") == 0.12
    # the Zhungeer central-heating retrofit saved about 4 233 tce a year, counted once for the park
    assert _number(f"SELECT ?v WHERE {{ <{SM}park-central-steam> cpkb:hasSaving/cpkb:maxValue ?v }}") == 4233
    # a fan maker's two retrofit cases (1.2 MW and 0.4 MW of fans): 1.14 and 1.46 years
    assert _number(f"SELECT ?v WHERE {{ <{SM}variable-speed-drives> cpkb:minPaybackYears ?v }}") == 1.14
    # one plant's rainwater system: nearly 1 million yuan, 20 000 t a year, about 7 years
    assert _number(f"SELECT ?v WHERE {{ <{SM}rainwater-harvesting> cpkb:hasSaving/cpkb:maxValue ?v }}") == 20000
