"""Turns the rule conditions of the knowledge base (RDF nodes) into fast Python evaluators.

Every evaluator answers True, False or None (unknown: the facts it needs are missing from the survey),
with the facts that decided it as evidence. Each condition node is compiled once; evaluating a rule over
an enterprise is then a few dictionary and set look-ups.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Callable

from rdflib import URIRef
from rdflib.namespace import RDF

from cpkb.kb.namespaces import CPKB

from .knowledge import Knowledge
from .survey import Enterprise
from .units import UnitConverter, UnitProblem

Outcome = tuple[bool | None, list[dict]]
Evaluator = Callable[[Enterprise], Outcome]

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "=": operator.eq, "!=": operator.ne,
}


@dataclass
class CompiledCondition:
    evaluate: Evaluator
    needs: set[str]          # survey sections the condition reads (for "not evaluated" reports)


class ConditionCompiler:
    """Compiles condition nodes of one knowledge base; caches by node."""

    def __init__(self, knowledge: Knowledge, units: UnitConverter, strict: bool = False):
        self.kb = knowledge
        self.g = knowledge.graph
        self.units = units
        # strict: a technique missing from a list counts as absent only where the survey declares that list
        # complete; elsewhere its absence is unknown. Rules are judged leniently first, strictly to confirm.
        self.strict = strict
        self._cache: dict[URIRef, CompiledCondition] = {}

    def compile(self, node: URIRef) -> CompiledCondition:
        found = self._cache.get(node)
        if found is None:
            found = self._cache[node] = self._compile(node)
        return found

    def _objects(self, node, prop) -> list[str]:
        return sorted(str(o) for o in self.g.objects(node, prop))

    def _compile(self, node: URIRef) -> CompiledCondition:
        kinds = set(self.g.objects(node, RDF.type))
        for cls, method in ((CPKB.AllOf, self._all), (CPKB.AnyOf, self._any), (CPKB.NotCondition, self._not),
                            (CPKB.TechniqueInUse, self._uses), (CPKB.TechniqueAbsent, self._lacks),
                            (CPKB.ProcessPresent, self._has_process), (CPKB.BenchmarkCondition, self._benchmark),
                            (CPKB.IndicatorThreshold, self._indicator_threshold), (CPKB.FactCondition, self._fact),
                            (CPKB.MaterialCondition, self._material), (CPKB.EmissionCondition, self._emission)):
            if cls in kinds:
                return method(node)
        raise ValueError(f"condition {node} has no known type")

    # -- combinations (Kleene three-valued logic)

    def _operands(self, node) -> list[CompiledCondition]:
        return [self.compile(o) for o in sorted(self.g.objects(node, CPKB.operand))]

    def _all(self, node) -> CompiledCondition:
        parts = self._operands(node)

        def evaluate(ent: Enterprise) -> Outcome:
            evidence, unknown = [], False
            for part in parts:
                value, ev = part.evaluate(ent)
                if value is False:
                    return False, []
                unknown = unknown or value is None
                evidence.extend(ev)
            return (None, []) if unknown else (True, evidence)

        return CompiledCondition(evaluate, set().union(*(p.needs for p in parts)))

    def _any(self, node) -> CompiledCondition:
        parts = self._operands(node)

        def evaluate(ent: Enterprise) -> Outcome:
            evidence, unknown, hit = [], False, False
            for part in parts:
                value, ev = part.evaluate(ent)
                if value:
                    hit = True
                    evidence.extend(ev)
                unknown = unknown or value is None
            if hit:
                return True, evidence
            return (None, []) if unknown else (False, [])

        return CompiledCondition(evaluate, set().union(*(p.needs for p in parts)))

    def _not(self, node) -> CompiledCondition:
        (part,) = self._operands(node)
        inner = next(iter(self.g.objects(node, CPKB.operand)))
        # "not worse than level L" is a claim worth showing: the value and the level it reaches
        indicator = self.g.value(inner, CPKB.indicator) if (inner, RDF.type, CPKB.BenchmarkCondition) in self.g else None

        def evaluate(ent: Enterprise) -> Outcome:
            value, _ = part.evaluate(ent)
            if value is None:
                return None, []
            if value:
                return False, []
            if indicator is not None:
                given = ent.indicators[str(indicator)][0][0]
                level = given if isinstance(given, str) or given is None else \
                    self.kb.indicators[str(indicator)].level_reached(given)
                return True, [{"test": "meets", "indicator": str(indicator), "value": given, "level": level}]
            return True, [{"test": "not", "negated": str(node)}]

        return CompiledCondition(evaluate, part.needs)

    # -- techniques and processes

    def _uses(self, node) -> CompiledCondition:
        return self._techniques(node, present=True)

    def _lacks(self, node) -> CompiledCondition:
        return self._techniques(node, present=False)

    def _techniques(self, node, present: bool) -> CompiledCondition:
        """`uses` (present) or `lacks`: one of the techniques in use, or none, in the process when given."""
        techniques = set(self._objects(node, CPKB.technique))
        process = next(iter(self._objects(node, CPKB.inProcess)), None)
        test = "uses" if present else "lacks"
        strict = self.strict
        homes = {p for t in techniques for p in self.kb.technique_processes.get(t, ())}

        def evaluate(ent: Enterprise) -> Outcome:
            if not ent.processes:
                return None, []
            pool = ent.processes.get(process, set()) if process else ent.techniques
            found = techniques & pool
            if not found and strict and not absence_confirmed(ent):
                return None, []
            if bool(found) != present:
                return False, []
            return True, [{"test": test, "techniques": sorted(found if present else techniques), "process": process}]

        def absence_confirmed(ent: Enterprise) -> bool:
            if ent.lists_complete:
                return True
            if process:
                return process in ent.complete_processes
            relevant = homes.intersection(ent.processes) or ent.processes.keys()
            return all(p in ent.complete_processes for p in relevant)

        return CompiledCondition(evaluate, {"processes"})

    def _has_process(self, node) -> CompiledCondition:
        process = next(iter(self._objects(node, CPKB.inProcess)))

        def evaluate(ent: Enterprise) -> Outcome:
            if not ent.processes:
                return None, []
            if process in ent.processes:
                return True, [{"test": "has_process", "process": process}]
            return False, []

        return CompiledCondition(evaluate, {"processes"})

    # -- indicators

    def _benchmark(self, node) -> CompiledCondition:
        iri = next(iter(self._objects(node, CPKB.indicator)))
        level = str(self.kb.graph.value(self.g.value(node, CPKB.worseThanLevel), CPKB.key))
        indicator = self.kb.indicators[iri]
        order = {"I": 0, "II": 1, "III": 2}

        def evaluate(ent: Enterprise) -> Outcome:
            values = ent.indicators.get(iri)
            if not values:
                return None, []
            for value, process in values:
                if indicator.quantitative:
                    reached = indicator.meets(value, level)
                    if reached is None:
                        return None, []
                    if not reached:
                        return True, [{"test": "benchmark", "indicator": iri, "value": value, "process": process,
                                       "level": level, "benchmark": indicator.benchmarks[level],
                                       "direction": indicator.direction}]
                elif value is None or order[value] > order[level]:
                    return True, [{"test": "benchmark", "indicator": iri, "value": value or "below III",
                                   "process": process, "level": level}]
            return False, []

        return CompiledCondition(evaluate, {"indicators"})

    def _threshold(self, node) -> tuple[Callable, float, str, str | None]:
        op = str(self.g.value(node, CPKB.operator))
        threshold = float(self.g.value(node, CPKB.threshold))
        unit = self.g.value(node, CPKB.unit)
        return OPERATORS[op], threshold, op, (str(unit) if unit is not None else None)

    def _indicator_threshold(self, node) -> CompiledCondition:
        iri = next(iter(self._objects(node, CPKB.indicator)))
        compare, threshold, op, unit = self._threshold(node)
        indicator = self.kb.indicators[iri]
        if unit and indicator.unit and unit != indicator.unit:  # survey values are held in the indicator's unit
            conv = self.units.conversion(self.kb.units[unit]["pint"], self.kb.units[indicator.unit]["pint"])
            threshold = conv.apply(threshold)

        def evaluate(ent: Enterprise) -> Outcome:
            values = ent.indicators.get(iri)
            if not values:
                return None, []
            for value, process in values:
                if isinstance(value, float) and compare(value, threshold):
                    return True, [{"test": "threshold", "indicator": iri, "value": value, "op": op,
                                   "threshold": threshold, "process": process}]
            return False, []

        return CompiledCondition(evaluate, {"indicators"})

    def _fact(self, node) -> CompiledCondition:
        iri = next(iter(self._objects(node, CPKB.fact)))
        expected = self.g.value(node, CPKB.expectedValue)
        if expected is not None:
            want = expected.toPython()
            compare, threshold, op = operator.eq, want, "="
        else:
            compare, threshold, op, _ = self._threshold(node)

        def evaluate(ent: Enterprise) -> Outcome:
            if iri not in ent.facts:
                return None, []
            value = ent.facts[iri]
            try:
                if isinstance(value, tuple):  # a choice fact answered with several choices
                    hit = (threshold in value) == (op == "=") if op in ("=", "!=") else False
                else:
                    hit = compare(value, threshold)
            except TypeError:
                return None, []
            return (True, [{"test": "fact", "fact": iri, "value": value, "op": op, "expected": threshold}]) if hit \
                else (False, [])

        return CompiledCondition(evaluate, {"facts"})

    def _material(self, node) -> CompiledCondition:
        iri = next(iter(self._objects(node, CPKB.material)))
        prop = next(iter(self._objects(node, CPKB.property)), None)
        if prop is None:
            def evaluate(ent: Enterprise) -> Outcome:
                if not ent.materials:
                    return None, []
                if iri in ent.materials:
                    return True, [{"test": "material", "material": iri}]
                return False, []

            return CompiledCondition(evaluate, {"materials"})
        compare, threshold, op, unit = self._threshold(node)
        target = self.kb.units[unit]["pint"] if unit else None

        def evaluate_property(ent: Enterprise) -> Outcome:
            material = ent.materials.get(iri)
            if material is None:
                return (None, []) if not ent.materials else (False, [])
            found = material["properties"].get(prop)
            if found is None:
                return None, []
            value, written = found
            if target and written:
                try:
                    value = self.units.conversion(written, target).apply(value)
                except UnitProblem:
                    return None, []
            if compare(value, threshold):
                return True, [{"test": "material", "material": iri, "property": prop, "value": value, "op": op,
                               "threshold": threshold}]
            return False, []

        return CompiledCondition(evaluate_property, {"materials"})

    def _emission(self, node) -> CompiledCondition:
        pollutant = next(iter(self._objects(node, CPKB.pollutant)))
        stage = str(self.g.value(node, CPKB.emissionStage) or "emitted")
        compare, threshold, op, unit = self._threshold(node)
        target = self.kb.units[unit]["pint"] if unit else None

        def evaluate(ent: Enterprise) -> Outcome:
            unknown = True
            for em in ent.emissions:
                if em["pollutant"] != pollutant or em["stage"] != stage:
                    continue
                try:
                    value = self.units.conversion(em["unit"], target).apply(em["value"]) if target else em["value"]
                except UnitProblem:
                    continue  # another kind of figure (concentration vs load): not this test
                unknown = False
                if compare(value, threshold):
                    return True, [{"test": "emission", "pollutant": pollutant, "value": value, "op": op,
                                   "threshold": threshold, "stage": stage, "process": em["process"]}]
            return (None, []) if unknown else (False, [])

        return CompiledCondition(evaluate, {"emissions"})
