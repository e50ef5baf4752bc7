"""The bundled knowledge base as a whole: it builds, passes every check, and electroplating is complete."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cpkb.cli import main
from cpkb.kb.build import build, open_store
from cpkb.kb.compile import compile_kb
from cpkb.kb.checks import check_owl, check_references, check_shacl, java_available, union_graph

EP = "<https://w3id.org/cpkb/id/electroplating>"
SECTORS = ("energy", "steel", "coking", "building-materials", "nonferrous", "petrochemical", "printing-dyeing",
           "papermaking", "chemical-api", "electroplating", "agri-food", "industrial-coating", "packaging-printing")


@pytest.fixture(scope="module")
def compiled():
    return compile_kb()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from cpkb.settings import load_settings

    return open_store(load_settings(store_dir=str(tmp_path_factory.mktemp("store")), endpoint="", kb_dir=""))


def count(store, where: str) -> int:
    return int(store.select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}").rows[0]["n"])


def test_bundled_kb_passes_shacl_and_references(compiled):
    graph = union_graph(compiled)
    assert [str(f) for f in check_shacl(compiled, graph)] == []
    assert [str(f) for f in check_references(compiled, graph)] == []


@pytest.mark.slow
@pytest.mark.skipif(not java_available(), reason="HermiT needs a Java runtime on PATH")
def test_bundled_kb_is_consistent_for_hermit(compiled):
    assert check_owl(compiled) == []


def test_all_thirteen_sectors_exist(store):
    keys = {str(r["k"]) for r in store.select("SELECT ?k WHERE { ?s a cpkb:Sector ; cpkb:key ?k }")}
    assert keys == set(SECTORS)


def test_electroplating_meets_the_reference_sector_minimums(store):
    assert count(store, f"?x a cpkb:Process ; cpkb:sector {EP}") >= 10
    assert count(store, f"?x a cpkb:Technique ; cpkb:sector {EP}") >= 25
    assert count(store, f"?x a cpkb:Problem ; cpkb:sector {EP}") >= 15
    assert count(store, f"?x a cpkb:Measure ; cpkb:sector {EP}") >= 30
    assert count(store, f"?x a cpkb:Rule ; cpkb:sector {EP}") >= 15
    obsolete = {str(r["zh"]) for r in store.select(
        f"SELECT ?zh WHERE {{ ?t a cpkb:Technique ; cpkb:sector {EP} ; cpkb:status cpkb:StatusObsolete ; "
        "skos:prefLabel ?zh FILTER(lang(?zh)='zh') }")}
    assert "氰化镀锌" in obsolete


def test_processes_are_in_production_order(store):
    orders = [int(r["o"]) for r in store.select(f"SELECT ?o WHERE {{ ?p a cpkb:Process ; cpkb:sector {EP} ; cpkb:order ?o }}")]
    assert len(orders) == len(set(orders))


def test_every_measure_has_zh_en_labels_a_source_a_cost_class_and_a_problem(store):
    # a shared measure (kb/shared/measures.yaml) has no problems of its own: the sectors' links name them
    missing = store.select("""SELECT ?m WHERE { ?m a cpkb:Measure .
        FILTER (NOT EXISTS { ?m skos:prefLabel ?zh FILTER(lang(?zh) = 'zh') }
             || NOT EXISTS { ?m skos:prefLabel ?en FILTER(lang(?en) = 'en') }
             || NOT EXISTS { ?m dcterms:source ?s }
             || NOT EXISTS { ?m cpkb:costClass ?c }
             || (NOT EXISTS { ?m cpkb:addresses ?p } && NOT EXISTS { ?m a cpkb:SharedMeasure })) }""")
    assert missing.rows == []
    unlinked_problems = store.select("""SELECT ?l WHERE { ?l a cpkb:MeasureLink .
        FILTER NOT EXISTS { ?l cpkb:addresses ?p } }""")
    assert unlinked_problems.rows == []


def test_rinse_water_indicator_carries_the_2015_benchmarks(store):
    rows = store.select(f"""SELECT ?level ?v ?lim WHERE {{ ?i a cpkb:Indicator ; cpkb:key "rinse-water-per-rinse" ;
        cpkb:sector {EP} ; cpkb:limiting ?lim ; cpkb:hasBenchmark [ cpkb:level/cpkb:key ?level ; cpkb:value ?v ] }}""")
    assert {str(r["level"]): float(r["v"]) for r in rows} == {"I": 8.0, "II": 24.0, "III": 40.0}
    assert all(r["lim"].toPython() is True for r in rows)


def test_every_problem_has_a_rule_and_a_measure(store):
    orphans = store.select(f"""SELECT ?p WHERE {{ ?p a cpkb:Problem ; cpkb:sector {EP} .
        FILTER (NOT EXISTS {{ ?r cpkb:detects ?p }} || NOT EXISTS {{ ?m cpkb:addresses ?p }}) }}""")
    assert orphans.rows == []


def test_cli_query_counts_electroplating_measures(tmp_path, monkeypatch):
    monkeypatch.setenv("CPKB_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.delenv("CPKB_KB_DIR", raising=False)
    result = CliRunner().invoke(main, ["query", "--format", "csv",
                                       "SELECT (COUNT(?m) AS ?n) WHERE { ?m a <https://w3id.org/cpkb/def/Measure> }"])
    assert result.exit_code == 0
    assert int(result.stdout.splitlines()[-1]) >= 30
