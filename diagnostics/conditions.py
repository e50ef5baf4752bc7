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

def _kept_as_written(ent: Enterprise, process: str | None) -> bool:
    """Whether the enterprise wrote a technique (in this process, or anywhere when no process is asked) or a
    process name that the reader kept as written: the rule cannot tell whether it names what it looks for."""
    for kind, _, where in ent.unresolved:
        if kind == "process" or (kind == "technique" and (process is None or where in (process, None))):
            return True
    return False


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
                            (CPKB.MaterialCondition, self._material), (CPKB.EmissionCondition, self._emission),
                            (CPKB.ContextCondition, self._context), (CPKB.ViolatesCondition, self._violates),
                            (CPKB.QuantityCondition, self._quantity)):
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
            if not ent.processes and not ent.unresolved:
                return None, []
            pool = ent.processes.get(process, set()) if process else ent.techniques
            found = techniques & pool
            if not found and _kept_as_written(ent, process):
                return None, []  # a name the reader could not resolve may be one of these techniques
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
            if not ent.processes and not ent.unresolved:
                return None, []
            if process in ent.processes:
                return True, [{"test": "has_process", "process": process}]
            if ent.has_unresolved_process():
                return None, []  # a process name kept as written may be this one
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
            if not values or iri in ent.model.not_applicable or iri in ent.model.not_scored:
                return None, []
            variant = ent.model.variants.get(iri)
            benchmarks = variant["benchmarks"] if variant else indicator.benchmarks
            for value, process in values:
                if indicator.quantitative:
                    bench = benchmarks.get(level)
                    reached = None if bench is None or not isinstance(value, float) else \
                        (value <= bench if indicator.direction == "lower" else value >= bench)
                    if reached is None:
                        return None, []
                    if not reached:
                        found = {"test": "benchmark", "indicator": iri, "value": value, "process": process,
                                 "level": level, "benchmark": bench, "direction": indicator.direction}
                        if variant:
                            found["variant"] = variant["labels"]
                        if iri in ent.model.derived:
                            found["derived"] = ent.model.derived[iri]["formula"]
                            found["derived_labels"] = ent.model.derived[iri]["formula_labels"]
                        return True, [found]
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
                if any(kind == "material" for kind, _, _ in ent.unresolved):
                    return None, []  # a material name kept as written may be this one
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
                hit = compare(value, threshold)
                if em.get("below_detection") and hit == (op in (">", ">=")):
                    continue   # below a detection limit at or past the threshold: the figure cannot tell
                unknown = False
                if hit:
                    return True, [{"test": "emission", "pollutant": pollutant, "value": value, "op": op,
                                   "threshold": threshold, "stage": stage, "process": em["process"]}]
            return (None, []) if unknown else (False, [])

        return CompiledCondition(evaluate, {"emissions"})

    # -- model v2: context, limits, derived quantities

    def _context(self, node) -> CompiledCondition:
        """`context: {key: value}`: the enterprise's audit context (diagnostics/prepare.py) matches."""
        key = str(self.g.value(node, CPKB.contextKey))
        wanted = {str(o) for o in self.g.objects(node, CPKB.contextValue)}
        literal = self.g.value(node, CPKB.contextLiteral)
        if key == "pilot_type":  # pilot types are vocabulary concepts; the scope holds their keys
            wanted = {str(self.g.value(URIRef(w), CPKB.key)) for w in wanted}
        want = literal.toPython() if literal is not None else None

        def evaluate(ent: Enterprise) -> Outcome:
            value = ent.model.context.get(key)
            if value is None:
                return None, []
            hit = (value in wanted) if wanted else (value == want)
            return (True, [{"test": "context", "key": key, "value": value}]) if hit else (False, [])

        return CompiledCondition(evaluate, {"scope" if key in ("pilot_type", "region", "basin") else "facts"})

    def _violates(self, node) -> CompiledCondition:
        """`violates: {requirement: R, pollutant: X?}`: a measured figure exceeds an applicable limit of R."""
        requirement = str(self.g.value(node, CPKB.requirementSet))
        pollutants = {str(o) for o in self.g.objects(node, CPKB.pollutant)} | \
            {str(o) for o in self.g.objects(node, CPKB.quantity)}   # the subjects tested, when narrowed

        def evaluate(ent: Enterprise) -> Outcome:
            status = ent.model.requirement_status.get(requirement, {}).get("applies")
            if status is False:
                return False, []
            checks = [c for c in ent.model.compliance if c["requirement"] == requirement
                      and (not pollutants or c["subject"] in pollutants)]
            exceeded = [c for c in checks if c["exceeded"]]
            if exceeded:
                return True, [{"test": "violates", "requirement": requirement, "subject": c["subject"],
                               "value": c["compared"], "limit": c["limit_value"], "unit": c["unit"],
                               "clause": c["clause"], **({"o2": c["o2"]} if "o2" in c else {}),
                               **({"derived": c["derived"]["formula"], "derived_labels": c["derived"]["formula_labels"]}
                                  if c.get("derived") else {})}
                              for c in exceeded]
            return (False, []) if checks and status else (None, [])

        return CompiledCondition(evaluate, {"emissions"})

    def _quantity(self, node) -> CompiledCondition:
        """`quantity: {quantity: Q, op, value, unit}`: a derived quantity compares so."""
        iri = str(self.g.value(node, CPKB.quantity))
        compare, threshold, op, unit = self._threshold(node)
        derived = self.kb.derived[iri]
        if unit and unit != derived.unit:
            threshold = self.units.conversion(self.kb.units[unit]["pint"], self.kb.units[derived.unit]["pint"]) \
                .apply(threshold)

        def evaluate(ent: Enterprise) -> Outcome:
            value = ent.model.quantities.get(iri)
            if value is None:
                return None, []
            if compare(value, threshold):
                return True, [{"test": "quantity", "quantity": iri, "value": value, "op": op, "threshold": threshold,
                               "derived": ent.model.derived[iri]["formula"],
                               "derived_labels": ent.model.derived[iri]["formula_labels"]}]
            return False, []

        return CompiledCondition(evaluate, {"facts"})
