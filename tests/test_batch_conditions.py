"""The batch judgement of rule conditions (diagnostics/batch.py) gives, for every rule of a sector and every
enterprise of the example surveys, the truth value the per-enterprise closures give."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnose_support import EXAMPLES, knowledge

SURVEYS = sorted(p.name for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json")
                 and not p.name.endswith(".expected.yaml") and p.name != "broken_survey.json")


def _prepared(name: str):
    from cpkb.diagnostics.prepare import prepare
    from cpkb.diagnostics.survey import SurveyReader, parse_document

    raw, cells = parse_document((EXAMPLES / name).read_bytes(), name)
    survey = SurveyReader(knowledge(), cells).read(raw)
    enterprises = [e for e in survey.enterprises if e.id not in survey.invalid_ids]
    prepare(survey.knowledge, survey, enterprises, survey.scope["sector"])
    return survey, enterprises


@pytest.mark.parametrize("name", SURVEYS)
def test_batch_values_match_the_closures(name: str) -> None:
    from cpkb.diagnostics.batch import BatchConditions
    from cpkb.diagnostics.conditions import ConditionCompiler

    survey, enterprises = _prepared(name)
    kb, sector = survey.knowledge, survey.scope["sector"]
    compiler = ConditionCompiler(kb, survey.units)
    batch = BatchConditions(compiler, enterprises)
    # twice over, the second time in reverse order: the answers remembered per signature must still hold
    for ents in (enterprises, enterprises[::-1]):
        rows = batch.rows(ents)
        rules = [r for r in kb.rules if r.sector == sector]
        assert rules, f"{name}: no rules for {sector}"
        for rule in rules:
            expected = [{True: 1, False: -1, None: 0}[compiler.compile(rule.condition).evaluate(e)[0]] for e in ents]
            assert batch.values(rule.condition, rows) == expected, f"{name}: {rule.iri}"


def test_equal_signatures_only_for_equal_technique_data() -> None:
    from cpkb.diagnostics.batch import BatchConditions
    from cpkb.diagnostics.conditions import ConditionCompiler

    survey, enterprises = _prepared("electroplating_cluster.json")
    batch = BatchConditions(ConditionCompiler(survey.knowledge, survey.units), enterprises)
    rows = list(zip(enterprises, batch.signatures))
    for (a, sa) in rows:
        for (b, sb) in rows:
            same = (a.processes, a.techniques, a.unresolved, a.lists_complete, a.complete_processes,
                    set(a.materials)) == (b.processes, b.techniques, b.unresolved, b.lists_complete,
                                          b.complete_processes, set(b.materials))
            assert (sa == sb) == same, (a.id, b.id)


@pytest.mark.parametrize("name", SURVEYS)
def test_rules_reading_only_signature_and_facts_have_equal_outcomes_for_equal_inputs(name: str) -> None:
    """engine.evaluate_rules builds the evidence of such a rule once per (signature, fact answers): every enterprise
    with the same inputs must get the same outcome and evidence from the closures, lenient and strict."""
    from cpkb.diagnostics.batch import BatchConditions, answers_key
    from cpkb.diagnostics.conditions import ConditionCompiler

    survey, enterprises = _prepared(name)
    kb, sector = survey.knowledge, survey.scope["sector"]
    batch = BatchConditions(ConditionCompiler(kb, survey.units), enterprises)
    strict = ConditionCompiler(kb, survey.units, strict=True)
    pure = [r for r in kb.rules if r.sector == sector and batch.inputs_of(r.condition) is not None]
    for rule in pure:
        facts = batch.inputs_of(rule.condition)
        seen: dict = {}
        for row, (ent, signature) in enumerate(zip(enterprises, batch.signatures)):
            numbers = batch.answers_key(row, facts)   # the engine's key: answers as numbers, per fact
            if numbers is None:   # an answer that cannot be a key: the engine builds that evidence on its own
                continue
            assert (numbers == batch.answers_key(0, facts)) == (answers_key(ent, facts) == answers_key(
                enterprises[0], facts)), f"{name}: {rule.iri} {ent.id}"   # equal numbers exactly for equal answers
            key = (signature, numbers)
            outcome = (batch.compiler.compile(rule.condition).evaluate(ent), strict.compile(rule.condition).evaluate(ent))
            assert seen.setdefault(key, outcome) == outcome, f"{name}: {rule.iri} {ent.id}"


@pytest.mark.parametrize("name", ["electroplating_cluster.json", "park_plating_cluster.yaml"])
def test_shared_evidence_gives_the_findings_built_one_by_one(name: str, monkeypatch) -> None:
    from cpkb.diagnostics.batch import BatchConditions
    from cpkb.diagnostics.conditions import ConditionCompiler
    from cpkb.diagnostics.engine import evaluate_rules

    survey, enterprises = _prepared(name)
    kb, sector = survey.knowledge, survey.scope["sector"]
    batch = BatchConditions(ConditionCompiler(kb, survey.units), enterprises)
    assert any(batch.inputs_of(r.condition) is not None for r in kb.rules if r.sector == sector), \
        f"{name}: no rule whose evidence can be shared"
    shared = evaluate_rules(kb, survey, enterprises, sector)
    monkeypatch.setattr(BatchConditions, "inputs_of", lambda self, node: None)
    assert evaluate_rules(kb, survey, enterprises, sector) == shared
