"""The reduction potential's end-of-pipe stages, by hand: an add-on stage in series (kb `add_on: true`) is credited
on what the existing plant leaves, and a measure acting on the generated load is applied to the generation the
survey states, carried to the emission through the existing treatment's efficiency."""

from __future__ import annotations

import dataclasses

import pytest

from cpkb.diagnostics.potential import _pollutant_potential, treating_techniques

from diagnose_support import knowledge

VOCS = "https://w3id.org/cpkb/id/pollutant/vocs"



def test_an_add_on_stage_is_credited_on_what_the_first_stage_leaves():
    """An end-of-pipe measure where a plant already treats VOCs: left out (already treated), unless the knowledge
    base marks it an add-on stage in series, then credited on the emitted load — what the first stage leaves.
    By hand: 20 t/a emitted after the existing plant, the measure's −75…−90 % → 15…18 t/a removed."""
    kb = knowledge()
    iri = next(i for i in kb.measures if i.endswith("/install-carbon-desorption-co"))
    stage = {e.acts_on for e in kb.measures[iri].effects if e.target == VOCS}
    m = kb.measures[iri]
    existing = sorted(treating_techniques(kb, VOCS, stage) - set(m.introduces) - set(m.replaces))[0]
    rec = {"measure": iri, "labels": kb.label(iri), "applies_to": ["X"], "problems": [],
           "expected_effects": [{"kind": "pollutant", "target": VOCS, "change_pct": [-90, -75], "acts_on": "emitted"}]}
    rows = {"X": {"t_per_a": 20.0, "how": "reported", "factor": None, "formula": None}}
    alone = _pollutant_potential(kb, VOCS, rows, 1, [rec], {"X": {existing}})
    assert alone["combined_reduction_t_per_a"] == [0, 0] and "X" in alone["by_measure"][0]["already_treated"]
    original = kb.measures[iri]
    kb.measures[iri] = dataclasses.replace(original, add_on=True)
    try:
        series = _pollutant_potential(kb, VOCS, rows, 1, [rec], {"X": {existing}})
    finally:
        kb.measures[iri] = original
    assert series["combined_reduction_t_per_a"] == pytest.approx([15.0, 18.0])
    assert series["by_measure"][0]["in_series_after"] == {"X": [existing]}


def test_an_effect_on_generation_goes_through_the_existing_treatment():
    """G = 40 t/a generated (an inlet figure), E = 10 t/a emitted: the treatment removes η = 1 − 10/40 = 75 %. A −20…−10 %
    effect on generation cuts 4…8 t/a generated and 1…2 t/a emitted (G × 10…20 % × 25 %) — the same share of E."""
    kb = knowledge()
    rec = {"measure": "https://w3id.org/cpkb/id/x/measure/m", "labels": {"zh": "m", "en": "m"}, "applies_to": ["X", "Y"],
           "problems": [], "expected_effects": [{"kind": "pollutant", "target": VOCS, "change_pct": [-20, -10],
                                                 "acts_on": "generated"}]}
    rows = {"X": {"t_per_a": 10.0, "how": "measured", "factor": None, "formula": None, "generated_t_per_a": 40.0},
            "Y": {"t_per_a": 5.0, "how": "reported", "factor": None, "formula": None, "generated_t_per_a": 3.0}}
    got = _pollutant_potential(kb, VOCS, rows, 2, [rec], {})
    x = got["by_measure"][0]["on_generated"]["X"]
    assert x["efficiency"] == pytest.approx(0.75)
    assert x["generated_cut_t_per_a"] == pytest.approx([4.0, 8.0]) and x["emitted_cut_t_per_a"] == pytest.approx([1.0, 2.0])
    assert got["baseline"][0]["reduction_t_per_a"] == pytest.approx([1.0, 2.0])       # the emitted cut, as carried
    y = got["by_measure"][0]["on_generated"]["Y"]                                        # E 5 > G 3: contradictory
    assert y["efficiency"] is None and "矛盾" in y["note"]["zh"]
