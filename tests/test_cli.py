"""The `cpkb` commands, run as a user runs them (through click's runner), on the tiny knowledge base."""

from __future__ import annotations

import json

import pytest
from cpkb.cli import query_form


def test_build_prints_what_it_loaded(cpkb):
    result = cpkb("build")
    assert result.exit_code == 0, result.output
    assert "loaded" in result.output and "triples" in result.output
    assert "1 measure" in result.output and "1 rule" in result.output
    assert "compiled in" in result.output


def test_build_reports_source_errors_and_exits_1(cpkb, mini_kb):
    demo = mini_kb / "sectors/demo.yaml"
    demo.write_text(demo.read_text(encoding="utf-8").replace("cost: low", "cost: cheap"), encoding="utf-8")
    result = cpkb("build")
    assert result.exit_code == 1
    assert "demo.yaml:" in result.output and "'cheap'" in result.output
    assert "Traceback" not in result.output


def test_query_counts_measures_in_table_csv_and_json(cpkb):
    q = "SELECT (COUNT(?m) AS ?n) WHERE { ?m a cpkb:Measure }"
    table = cpkb("query", q)
    assert table.exit_code == 0 and "(1 row)" in table.output
    assert cpkb("query", q, "--format", "csv").stdout.splitlines() == ["n", "1"]
    answer = json.loads(cpkb("query", q, "--format", "json").stdout)
    assert answer["head"]["vars"] == ["n"]
    assert answer["results"]["bindings"] == [{"n": {"type": "literal", "value": "1",
                                                    "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]
    labels = json.loads(cpkb("query", "SELECT ?l WHERE { ?m a cpkb:Measure ; skos:prefLabel ?l }", "--format",
                             "json").stdout)["results"]["bindings"]
    assert {b["l"].get("xml:lang") for b in labels} == {"zh", "en"}


def test_query_ask_construct_and_file(cpkb, tmp_path):
    assert cpkb("query", "ASK { ?m a cpkb:Measure }").stdout.strip() == "true"
    turtle = cpkb("query", "CONSTRUCT { ?m a cpkb:Measure } WHERE { ?m a cpkb:Measure }").output
    assert "adopt-countercurrent-rinse" in turtle
    rq = tmp_path / "q.rq"
    rq.write_text("# a comment with SELECT in it\nPREFIX ex: <http://example.org/>\nASK { ?s ?p ?o }", encoding="utf-8")
    assert cpkb("query", "-f", str(rq)).stdout.strip() == "true"


def test_bad_query_is_a_clear_error(cpkb):
    result = cpkb("query", "SELECT WHERE {")
    assert result.exit_code == 1 and "not valid SPARQL" in result.output


@pytest.mark.parametrize("fmt,marker", [("ttl", "@prefix cpkb:"), ("nt", "<https://w3id.org/cpkb/"),
                                        ("jsonld", '"@id"'), ("nq", "<https://w3id.org/cpkb/graph/")])
def test_export_formats(cpkb, fmt, marker):
    result = cpkb("export", "--format", fmt)
    assert result.exit_code == 0 and marker in result.output


def test_check_passes_on_a_sound_kb_and_fails_on_a_measure_without_source(cpkb, mini_kb):
    ok = cpkb("check", "--no-owl")
    assert ok.exit_code == 0, ok.output
    demo = mini_kb / "sectors/demo.yaml"
    text = demo.read_text(encoding="utf-8")
    start = text.index("  - id: adopt-countercurrent-rinse")
    cut = text.index("    sources: [{doc: demo-standard}]\n", start)
    demo.write_text(text[:cut] + text[cut + len("    sources: [{doc: demo-standard}]\n"):], encoding="utf-8")
    bad = cpkb("check", "--no-owl")
    assert bad.exit_code == 1
    assert "demo.yaml:" in bad.output and "measure/adopt-countercurrent-rinse" in bad.output
    assert "needs at least one source" in bad.output


def test_query_form_ignores_prologue_and_comments():
    assert query_form("PREFIX a: <http://x/select#>\n# ASK\nCONSTRUCT WHERE { ?s ?p ?o }") == "CONSTRUCT"
    assert query_form("prefix ask: <http://x/> select * {}") == "SELECT"


@pytest.mark.parametrize("name,value,expected", [("CPKB_KEY_ISSUE_PREVALENCE", "abc", "a share between 0 and 1"),
                                                 ("CPKB_KEY_ISSUE_PREVALENCE", "30", "a share between 0 and 1"),
                                                 ("CPKB_STORE_MODE", "ram", "one of memory, disk"),
                                                 ("CPKB_MAX_RESULT_ROWS", "-5", "≥ 1")])
def test_a_bad_setting_is_a_clear_error(cpkb, monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    result = cpkb("build")
    assert result.exit_code == 1 and name in result.output and expected in result.output
    assert "Traceback" not in result.output
