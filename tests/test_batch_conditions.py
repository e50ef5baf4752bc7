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
    batch = BatchConditions(compiler)
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
    batch = BatchConditions(ConditionCompiler(survey.knowledge, survey.units))
    rows = batch.rows(enterprises)
    for (a, sa) in rows:
        for (b, sb) in rows:
            same = (a.processes, a.techniques, a.unresolved, a.lists_complete, a.complete_processes,
                    set(a.materials)) == (b.processes, b.techniques, b.unresolved, b.lists_complete,
                                          b.complete_processes, set(b.materials))
            assert (sa == sb) == same, (a.id, b.id)
