"""The schema: SHACL catches incomplete entries, HermiT finds the ontology consistent and catches contradictions."""

from __future__ import annotations

import pytest
from rdflib.namespace import RDF

from cpkb.kb.compile import compile_kb
from cpkb.kb.namespaces import CPKB, DCTERMS, ID
from cpkb.kb.checks import check_owl, check_references, check_shacl, java_available, union_graph


def test_mini_kb_conforms(mini_kb):
    compiled = compile_kb(mini_kb)
    assert check_shacl(compiled) == []
    assert check_references(compiled) == []


def test_shacl_catches_a_measure_without_source(mini_kb):
    compiled = compile_kb(mini_kb)
    graph = union_graph(compiled)
    measure = ID["demo/measure/adopt-countercurrent-rinse"]
    graph.remove((measure, CPKB.citation, None))
    graph.remove((measure, DCTERMS.source, None))
    findings = check_shacl(compiled, graph)
    assert len(findings) == 1
    assert "sectors/demo.yaml:" in findings[0].where and "measure/adopt-countercurrent-rinse" in findings[0].where
    assert "needs at least one source" in findings[0].message


def test_shacl_catches_missing_english_label_and_bad_weights(mini_kb):
    demo = mini_kb / "sectors/demo.yaml"
    text = demo.read_text(encoding="utf-8")
    text = text.replace("label: {zh: 单槽清洗, en: single-tank rinsing}", "label: {zh: 单槽清洗}")
    text = text.replace("            weight: 1.0\n", "            weight: 1.5\n")  # the indicator's weight
    demo.write_text(text, encoding="utf-8")
    findings = [str(f) for f in check_shacl(compile_kb(mini_kb))]
    assert any("technique/single-tank-rinse" in f and "label in Chinese and in English" in f for f in findings)
    assert any("indicator/rinse-water" in f and "cpkb:weight" in f for f in findings)


def test_dangling_reference_is_reported(mini_kb):
    compiled = compile_kb(mini_kb)
    graph = union_graph(compiled)
    graph.add((ID["demo/measure/adopt-countercurrent-rinse"], CPKB.addresses, ID["demo/problem/ghost"]))
    graph.add((ID["demo/measure/adopt-countercurrent-rinse"], CPKB.adresses, ID["demo/problem/high-rinse-water"]))
    messages = [f.message for f in check_references(compiled, graph)]
    assert any("problem/ghost, which is not defined" in m for m in messages)
    assert any("cpkb:adresses is not a term of the ontology" in m for m in messages)


needs_java = pytest.mark.skipif(not java_available(), reason="HermiT needs a Java runtime on PATH")


@pytest.mark.slow
@needs_java
def test_hermit_finds_mini_kb_consistent_and_catches_disjoint_types(mini_kb):
    compiled = compile_kb(mini_kb)
    assert check_owl(compiled) == []
    graph = union_graph(compiled)
    graph.add((ID["demo/process/plating"], RDF.type, CPKB.Technique))  # Process and Technique are disjoint
    findings = check_owl(compiled, graph)
    assert findings and "inconsistent" in findings[0].message
