"""Rule conditions judged over many enterprises at once: only the truth value, for a whole batch, so that the
per-enterprise closures of conditions.py (which also build the evidence) run only where a rule fires.

Values are small integers, 1 true, -1 false, 0 unknown (未知): Kleene's and/or/not are then min, max and negation.
A leaf that reads only an enterprise's technique lists or one fact is judged once per distinct input (a sector's
enterprises mostly repeat the same processes, techniques and yes/no answers); other leaves run their closure.
An AllOf judges its later parts only where the earlier ones left it undecided, as the closures do.
"""

from __future__ import annotations

from itertools import compress
from operator import itemgetter
from typing import Callable, Hashable

from rdflib import URIRef
from rdflib.namespace import RDF

from cpkb.kb.namespaces import CPKB

from .conditions import ConditionCompiler, Evaluator
from .survey import Enterprise

TRUE, FALSE, UNKNOWN = 1, -1, 0
_AS_INT = {True: TRUE, False: FALSE, None: UNKNOWN}
Row = tuple[Enterprise, int]   # an enterprise and the number of its signature: processes, techniques, materials
BatchEvaluator = Callable[[list[Row]], list[int]]
_MISSING = object()
# leaves whose closure reads only the technique lists, processes and names kept as written (the signature)
_TECHNIQUE_LEAVES = (CPKB.TechniqueInUse, CPKB.TechniqueAbsent, CPKB.ProcessPresent)


class BatchConditions:
    """Batch evaluators of one compiler's conditions, for one survey (technique signatures are numbered per survey)."""

    def __init__(self, compiler: ConditionCompiler):
        self.compiler = compiler
        self.g = compiler.g
        self._cache: dict[URIRef, BatchEvaluator] = {}
        self._signatures: dict[Hashable, int] = {}
        self._inputs: dict[URIRef, tuple[str, ...] | None] = {}

    def rows(self, enterprises: list[Enterprise]) -> list[Row]:
        """Each enterprise with the number of what technique conditions read of it; equal numbers, equal answers."""
        ids = self._signatures
        out = []
        for ent in enterprises:
            key = (frozenset((p, frozenset(t)) for p, t in ent.processes.items()), frozenset(ent.techniques),
                   tuple(ent.unresolved), ent.lists_complete, frozenset(ent.complete_processes),
                   frozenset(ent.materials))
            out.append((ent, ids.setdefault(key, len(ids))))
        return out

    def judge(self, node: URIRef, evaluate: Evaluator, rows: list[Row]) -> list[int]:
        """The condition's value for each row; one the batch cannot judge is judged one enterprise at a time by its
        closure (which stops at the first false part, so a later part that fails may never have run there)."""
        try:
            return self.values(node, rows)
        except Exception:  # noqa: BLE001 - the closures give the same answers, or raise the real error
            return [_AS_INT[evaluate(ent)[0]] for ent, _ in rows]

    def values(self, node: URIRef, rows: list[Row]) -> list[int]:
        found = self._cache.get(node)
        if found is None:
            found = self._cache[node] = self._build(node)
        return found(rows)

    def _build(self, node: URIRef) -> BatchEvaluator:
        kinds = set(self.g.objects(node, RDF.type))
        operands = sorted(self.g.objects(node, CPKB.operand))
        # and/or give the same value in any order: the parts judged once per distinct input go first, so that
        # the others run only where those left the answer open
        operands.sort(key=lambda o: not self._shared(o))
        if CPKB.AllOf in kinds:
            return self._fold(operands, FALSE)
        if CPKB.AnyOf in kinds:
            return self._fold(operands, TRUE)
        if CPKB.NotCondition in kinds:
            (inner,) = operands
            return lambda rows: [-v for v in self.values(inner, rows)]
        evaluate = self.compiler.compile(node).evaluate
        if kinds.intersection(_TECHNIQUE_LEAVES) or self._material_used(node, kinds):
            return _once_per_signature(evaluate)
        if CPKB.BenchmarkCondition in kinds:
            return self._benchmark(node)
        if CPKB.FactCondition in kinds:
            return _once_per_answer(evaluate, str(next(iter(self.g.objects(node, CPKB.fact)))))
        return lambda rows: [_AS_INT[evaluate(ent)[0]] for ent, _ in rows]

    def _benchmark(self, node: URIRef) -> BatchEvaluator:
        """Worse than a level: the truth value of conditions.py's `_benchmark`, without building its evidence."""
        iri = str(next(iter(self.g.objects(node, CPKB.indicator))))
        level = str(self.g.value(self.g.value(node, CPKB.worseThanLevel), CPKB.key))
        indicator = self.compiler.kb.indicators[iri]
        quantitative, lower, own = indicator.quantitative, indicator.direction == "lower", indicator.benchmarks
        order = {"I": 0, "II": 1, "III": 2}

        def one(ent: Enterprise) -> int:
            given = ent.indicators.get(iri)
            model = ent.model
            if not given or iri in model.not_applicable or iri in model.not_scored:
                return UNKNOWN
            variant = model.variants.get(iri)
            bench = (variant["benchmarks"] if variant else own).get(level)
            for value, _ in given:
                if quantitative:
                    if bench is None or not isinstance(value, float):
                        return UNKNOWN
                    if not (value <= bench if lower else value >= bench):
                        return TRUE
                elif value is None or order[value] > order[level]:
                    return TRUE
            return FALSE
        return lambda rows: [one(ent) for ent, _ in rows]

    def _material_used(self, node: URIRef, kinds: set) -> bool:
        """A material condition without a property: it reads only which materials are listed (and names kept)."""
        return CPKB.MaterialCondition in kinds and self.g.value(node, CPKB.property) is None

    def inputs_of(self, node: URIRef) -> tuple[str, ...] | None:
        """The facts a condition reads besides the signature, when it reads nothing else (every leaf is judged once
        per distinct input): then its outcome and evidence are the same for equal signatures and answers to those
        facts. None when some leaf reads more (indicators, emissions, quantities)."""
        found = self._inputs.get(node, _MISSING)
        if found is _MISSING:
            found = self._inputs[node] = self._read_inputs(node)
        return found

    def _read_inputs(self, node: URIRef) -> tuple[str, ...] | None:
        kinds = set(self.g.objects(node, RDF.type))
        if kinds & {CPKB.AllOf, CPKB.AnyOf, CPKB.NotCondition}:
            facts: set[str] = set()
            for operand in self.g.objects(node, CPKB.operand):
                inner = self.inputs_of(operand)
                if inner is None:
                    return None
                facts.update(inner)
            return tuple(sorted(facts))
        if kinds.intersection(_TECHNIQUE_LEAVES) or self._material_used(node, kinds):
            return ()
        if CPKB.FactCondition in kinds:
            return tuple(str(f) for f in self.g.objects(node, CPKB.fact))
        return None

    def _shared(self, node: URIRef) -> bool:
        """Whether the node is a leaf judged once per distinct input."""
        kinds = set(self.g.objects(node, RDF.type))
        return bool(kinds.intersection(_TECHNIQUE_LEAVES)) or CPKB.FactCondition in kinds \
            or self._material_used(node, kinds)

    def _fold(self, operands: list[URIRef], settled: int) -> BatchEvaluator:
        """Kleene's and (settled = FALSE: min) or or (settled = TRUE: max) of the operands, short-circuit: each
        part is judged only where the earlier ones have not reached the settling value yet."""
        identity = -settled     # true for and, false for or

        def evaluate(rows: list[Row]) -> list[int]:
            if not rows or not operands:
                return [identity] * len(rows)
            # the first part is judged everywhere, and its value is the fold's so far (identity op v is v)
            judged = self.values(operands[0], rows)
            result = list(judged)
            open_at = list(compress(range(len(rows)), map(settled.__ne__, judged)))   # not settled yet
            for node in operands[1:]:
                if not open_at:
                    break
                judged = self.values(node, [rows[i] for i in open_at])
                still = []
                for i, v in zip(open_at, judged):
                    if v != settled:
                        still.append(i)
                    if v != identity:   # an open position holds the identity or unknown: v is the new value
                        result[i] = v
                open_at = still
            return result
        return evaluate


def answers_key(ent: Enterprise, facts: tuple[str, ...]) -> tuple | None:
    """What an enterprise answered to these facts, as a key (the type too: True, 1 and 1.0 are equal keys of a
    dict); None when an answer cannot be a key."""
    key = tuple((type(a), a) for a in (ent.facts.get(f, _MISSING) for f in facts))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _once_per_answer(evaluate: Evaluator, fact: str) -> BatchEvaluator:
    """A fact condition: its closure runs once per distinct answer to the fact."""
    memo: dict[Hashable, int] = {}

    def values(rows: list[Row]) -> list[int]:
        answers = [ent.facts.get(fact, _MISSING) for ent, _ in rows]
        keys = list(zip(map(type, answers), answers))   # the type too: True, 1 and 1.0 are equal keys of a dict
        try:
            new = set(keys).difference(memo)
        except TypeError:   # an unhashable answer somewhere: the rows one by one
            return one_by_one(rows)
        if new:   # an answer not met yet: judged on its first enterprise
            for (ent, _), key in zip(rows, keys):
                if key in new and key not in memo:
                    memo[key] = _AS_INT[evaluate(ent)[0]]
        return list(map(memo.__getitem__, keys))

    def one_by_one(rows: list[Row]) -> list[int]:
        out = []
        for ent, _ in rows:
            answer = ent.facts.get(fact, _MISSING)
            key = (type(answer), answer)   # the type too: True, 1 and 1.0 are equal keys of a dict
            try:
                value = memo.get(key)
            except TypeError:       # an unhashable answer: judged on its own
                value = _AS_INT[evaluate(ent)[0]]
            if value is None:
                value = memo[key] = _AS_INT[evaluate(ent)[0]]
            out.append(value)
        return out
    return values


def _once_per_signature(evaluate: Evaluator) -> BatchEvaluator:
    """A technique or process condition: its closure runs once per distinct technique signature."""
    memo: dict[int, int] = {}

    def values(rows: list[Row]) -> list[int]:
        signatures = list(map(SIGNATURE, rows))
        if not memo.keys() >= set(signatures):   # a signature not met yet: judged on its first enterprise
            for ent, signature in rows:
                if signature not in memo:
                    memo[signature] = _AS_INT[evaluate(ent)[0]]
        return list(map(memo.__getitem__, signatures))   # a lookup per row, without a Python loop
    return values


SIGNATURE = itemgetter(1)   # of a row (enterprise, signature)
