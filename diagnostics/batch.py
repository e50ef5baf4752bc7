"""Rule conditions judged over many enterprises at once: only the truth value, for a whole batch, so that the
per-enterprise closures of conditions.py (which also build the evidence) run only where a rule fires.

Values are small integers, 1 true, -1 false, 0 unknown (未知): Kleene's and/or/not are then min, max and negation.
A leaf that reads only an enterprise's technique lists or one fact is judged once per distinct input (a sector's
enterprises mostly repeat the same processes, techniques and yes/no answers); other leaves run their closure.
An AllOf judges its later parts only where the earlier ones left it undecided, as the closures do.
"""

from __future__ import annotations

from itertools import compress
from typing import Callable, Hashable

from rdflib import URIRef
from rdflib.namespace import RDF

from cpkb.kb.namespaces import CPKB

from .conditions import ConditionCompiler, Evaluator
from .survey import Enterprise

TRUE, FALSE, UNKNOWN = 1, -1, 0
_AS_INT = {True: TRUE, False: FALSE, None: UNKNOWN}
# A row is an enterprise's position in the survey's list: what a leaf reads of it (its signature, its answer to a
# fact) is read off columns made once per survey, so that a batch touches a record only where a closure runs.
BatchEvaluator = Callable[[list[int]], list[int]]
_MISSING = object()
# leaves whose closure reads only the technique lists, processes and names kept as written (the signature)
_TECHNIQUE_LEAVES = (CPKB.TechniqueInUse, CPKB.TechniqueAbsent, CPKB.ProcessPresent)


class BatchConditions:
    """Batch evaluators of one compiler's conditions over one survey's enterprises: made once per diagnosis and
    shared by the rules and the measures' prerequisites, so that a leaf judged for one is not judged again."""

    def __init__(self, compiler: ConditionCompiler, enterprises: list[Enterprise]):
        self.compiler = compiler
        self.g = compiler.g
        self.enterprises = enterprises
        self.ids = [ent.id for ent in enterprises]
        # the number of what technique conditions read of each enterprise: equal numbers, equal answers
        numbers: dict[Hashable, int] = {}
        self.signatures = [numbers.setdefault(_signature_key(ent), len(numbers)) for ent in enterprises]
        self._answers: dict[str, list[int] | None] = {}
        self._given: dict[str, list] | None = None   # each fact's answers as written, made in one pass when needed
        self._position: dict[int, int] | None = None
        self._cache: dict[URIRef, BatchEvaluator] = {}
        self._inputs: dict[URIRef, tuple[str, ...] | None] = {}

    def rows(self, enterprises: list[Enterprise] | None = None) -> list[int]:
        """The rows (positions) of these enterprises, all of the survey's when None or the survey's own list."""
        if enterprises is None or enterprises is self.enterprises:
            return list(range(len(self.enterprises)))
        if self._position is None:
            self._position = {id(ent): i for i, ent in enumerate(self.enterprises)}
        return [self._position[id(ent)] for ent in enterprises]

    def answers(self, fact: str) -> list[int] | None:
        """Each enterprise's answer to the fact as a small number (equal answers, equal numbers; the type counts too:
        True, 1 and 1.0 are equal keys of a dict); None when some answer cannot be a key."""
        found = self._answers.get(fact, _MISSING)
        if found is _MISSING:
            if self._given is None:
                self._given = _fact_columns(self.enterprises)
            given = self._given.get(fact) or [_MISSING] * len(self.enterprises)
            keys = list(zip(map(type, given), given))
            try:
                numbers = dict.fromkeys(keys)
            except TypeError:   # an unhashable answer somewhere: judged one by one
                found = None
            else:
                for number, key in enumerate(numbers):
                    numbers[key] = number
                found = list(map(numbers.__getitem__, keys))
            self._answers[fact] = found
        return found

    def answers_key(self, row: int, facts: tuple[str, ...]) -> tuple | None:
        """What the enterprise of the row answered to these facts, as numbers; None when an answer cannot be a key."""
        key = []
        for fact in facts:
            column = self.answers(fact)
            if column is None:
                return None
            key.append(column[row])
        return tuple(key)

    def judge(self, node: URIRef, evaluate: Evaluator, rows: list[int]) -> list[int]:
        """The condition's value for each row; one the batch cannot judge is judged one enterprise at a time by its
        closure (which stops at the first false part, so a later part that fails may never have run there)."""
        try:
            return self.values(node, rows)
        except Exception:  # noqa: BLE001 - the closures give the same answers, or raise the real error
            ents = self.enterprises
            return [_AS_INT[evaluate(ents[row])[0]] for row in rows]

    def values(self, node: URIRef, rows: list[int]) -> list[int]:
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
            return _once_per_input(evaluate, self.enterprises, lambda: self.signatures)
        if CPKB.BenchmarkCondition in kinds:
            return self._benchmark(node)
        ents = self.enterprises
        if CPKB.FactCondition in kinds:
            fact = str(next(iter(self.g.objects(node, CPKB.fact))))
            return _once_per_input(evaluate, ents, lambda: self.answers(fact))
        return lambda rows: [_AS_INT[evaluate(ents[row])[0]] for row in rows]

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
        ents = self.enterprises
        return lambda rows: [one(ents[row]) for row in rows]

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

        def evaluate(rows: list[int]) -> list[int]:
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


def _fact_columns(enterprises: list[Enterprise]) -> dict[str, list]:
    """Each fact's answers, one column per fact, made in one pass that reads each record once (reading one fact of
    every record, fact by fact, touched each record as many times, far apart in memory)."""
    columns: dict[str, list] = {}
    blank = [_MISSING] * len(enterprises)
    for i, ent in enumerate(enterprises):
        for fact, answer in ent.facts.items():
            column = columns.get(fact)
            if column is None:
                column = columns[fact] = blank.copy()
            column[i] = answer
    return columns


def _signature_key(ent: Enterprise) -> tuple:
    """What technique, process and material-use conditions read of an enterprise."""
    return (frozenset((p, frozenset(t)) for p, t in ent.processes.items()), frozenset(ent.techniques),
            tuple(ent.unresolved), ent.lists_complete, frozenset(ent.complete_processes), frozenset(ent.materials))


def answers_key(ent: Enterprise, facts: tuple[str, ...]) -> tuple | None:
    """What an enterprise answered to these facts, as a key (the type too: True, 1 and 1.0 are equal keys of a
    dict); None when an answer cannot be a key. Equal keys, equal numbers in BatchConditions.answers."""
    key = tuple((type(a), a) for a in (ent.facts.get(f, _MISSING) for f in facts))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _once_per_input(evaluate: Evaluator, enterprises: list[Enterprise],
                    column: Callable[[], list[int] | None]) -> BatchEvaluator:
    """A leaf that reads only what the column numbers (the signature, or the answer to one fact): its closure runs
    once per distinct number, on the first row that has it; a leaf whose column cannot be made runs on every row."""
    memo: dict[int, int] = {}

    def values(rows: list[int]) -> list[int]:
        numbers = column()
        if numbers is None:
            return [_AS_INT[evaluate(enterprises[row])[0]] for row in rows]
        inputs = list(map(numbers.__getitem__, rows))
        if not memo.keys() >= set(inputs):   # an input not met yet: judged on its first row
            for row, number in zip(rows, inputs):
                if number not in memo:
                    memo[number] = _AS_INT[evaluate(enterprises[row])[0]]
        return list(map(memo.__getitem__, inputs))   # a lookup per row, without a Python loop
    return values
