"""The compiler turns the YAML sources into RDF and reports every problem placed at file, line and entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import RDF, SKOS

from cpkb.kb.compile import compile_kb
from cpkb.kb.errors import SourceError
from cpkb.kb.namespaces import CPKB, ID
from cpkb.kb.checks import union_graph


def _problems(kb: Path) -> list[str]:
    with pytest.raises(SourceError) as info:
        compile_kb(kb)
    return [str(p) for p in info.value.problems]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_mini_kb_compiles_to_the_expected_graph(mini_kb):
    compiled = compile_kb(mini_kb)
    graph = union_graph(compiled)
    measure = ID["demo/measure/adopt-countercurrent-rinse"]
    assert (measure, RDF.type, CPKB.Measure) in graph
    assert (measure, SKOS.prefLabel, Literal("改为多级逆流漂洗", lang="zh")) in graph
    assert (measure, CPKB.addresses, ID["demo/problem/high-rinse-water"]) in graph
    assert (measure, CPKB.costClass, CPKB.LowCost) in graph
    effect = graph.value(measure, CPKB.hasEffect)
    assert (effect, CPKB.minChangePct, None) in graph
    indicator = ID["demo/indicator/rinse-water"]
    assert (indicator, CPKB.limiting, Literal(True)) in graph
    assert len(list(graph.objects(indicator, CPKB.hasBenchmark))) == 3
    assert compiled.counts["Measure"] == 1 and compiled.counts["Rule"] == 1
    assert compiled.version.startswith("0.")


def test_rule_conditions_are_readable_nodes(mini_kb):
    graph = union_graph(compile_kb(mini_kb))
    root = ID["demo/rule/single-tank-rinse-in-use#when"]
    assert (root, RDF.type, CPKB.AnyOf) in graph
    operands = set(graph.objects(root, CPKB.operand))
    assert len(operands) == 3
    kinds = {o for op in operands for o in graph.objects(op, RDF.type)}
    assert {CPKB.TechniqueInUse, CPKB.BenchmarkCondition, CPKB.AllOf} <= kinds
    assert graph.value(root, CPKB.conditionText) is not None


def test_yaml_syntax_error_names_file_and_line(mini_kb):
    _edit(mini_kb / "sectors/demo.yaml", "    order: 2\n", "    order: 2\n   bad: [\n")
    problems = _problems(mini_kb)
    assert len(problems) == 1
    assert "demo.yaml:" in problems[0] and "YAML syntax" in problems[0]


def test_unknown_reference_lists_closest_ids(mini_kb):
    _edit(mini_kb / "sectors/demo.yaml", "addresses: [high-rinse-water]", "addresses: [high-rinse-watr]")
    problems = _problems(mini_kb)
    assert any("unknown problem 'high-rinse-watr'" in p and "Closest: high-rinse-water" in p for p in problems)
    assert any("[measure adopt-countercurrent-rinse]" in p for p in problems)


def test_every_problem_is_reported_at_once(mini_kb):
    demo = mini_kb / "sectors/demo.yaml"
    _edit(demo, "cost: low", "cost: cheap")
    _edit(demo, "severity: high", "severity: urgent")
    _edit(demo, "    status: advanced\n", "    status: advanced\n    colour: red\n")
    problems = _problems(mini_kb)
    assert any("`cost` value 'cheap'" in p for p in problems)
    assert any("`severity` value 'urgent'" in p for p in problems)
    assert any("unknown field 'colour'" in p for p in problems)
    assert all(":" in p.split(" ")[0] for p in problems)  # every problem carries file:line


def test_duplicate_id_points_to_first_definition(mini_kb):
    _edit(mini_kb / "sectors/demo.yaml", "  - id: rinsing\n", "  - id: plating\n")
    problems = _problems(mini_kb)
    assert any("duplicate process id 'plating'" in p and "first defined at demo.yaml:" in p for p in problems)


def test_malformed_condition_is_explained(mini_kb):
    _edit(mini_kb / "sectors/demo.yaml", "worse_than: III", "worse_than: IV")
    _edit(mini_kb / "sectors/demo.yaml", "- uses: {technique: single-tank-rinse, process: rinsing}",
          "- usse: {technique: single-tank-rinse}")
    problems = _problems(mini_kb)
    assert any("unknown condition 'usse'" in p and "Closest: uses" in p for p in problems)
    assert any("`worse_than` value 'IV'" in p for p in problems)


def test_unordered_benchmarks_and_missing_required_field(mini_kb):
    _edit(mini_kb / "sectors/demo.yaml", "{I: 8, II: 24, III: 40}", "{I: 8, II: 50, III: 40}")
    _edit(mini_kb / "sectors/demo.yaml", "    order: 1\n", "")
    problems = _problems(mini_kb)
    assert any("not ordered from level I to III" in p for p in problems)
    assert any("missing required field 'order'" in p and "[process plating]" in p for p in problems)


def test_sector_file_must_name_itself(mini_kb):
    (mini_kb / "sectors/demo.yaml").rename(mini_kb / "sectors/other.yaml")
    problems = _problems(mini_kb)
    assert any("other.yaml" in p and "whose id is the file name ('other')" in p for p in problems)


def test_no_knowledge_cites_the_project_brief():
    """The domain brief is a map for research, never a source: every fact cites the primary document behind it."""
    from pathlib import Path

    import yaml

    kb_dir = Path(__file__).resolve().parent.parent / "kb"
    cited = []

    def walk(node, where):
        if isinstance(node, dict):
            if str(node.get("doc", "")).startswith("brief") or str(node.get("id", "")) == "brief-general":
                cited.append(where)
            for value in node.values():
                walk(value, where)
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    for path in sorted(kb_dir.rglob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
    assert not cited, f"cites the project's domain brief: {sorted(set(cited))}"


def test_a_level_text_that_was_not_read_is_refused(mini_kb):
    # a placeholder requirement would let a survey's chosen level count in the composite index
    _edit(mini_kb / "sectors/demo.yaml", "benchmarks: {I: 8, II: 24, III: 40}",
          "levels: {I: {zh: 原文未读到。, en: Not read.}, II: {zh: 有逆流漂洗, en: counter-current rinsing},"
          " III: {zh: 有逆流漂洗, en: counter-current rinsing}}")
    problems = _problems(mini_kb)
    assert any("levels.I" in p and "placeholder" in p for p in problems)
    assert not any("levels.II" in p for p in problems)
