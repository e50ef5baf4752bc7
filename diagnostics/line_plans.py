"""Plans of survey lines: what reading a line of one shape gives an enterprise, learnt from the first such line read
in full, and given to every later line of that shape. A shape is everything but the figure: names, unit, process,
stage, answer as written. A survey of 10,000 enterprises writes the same few hundred shapes again and again, and
reading one in full (survey.py) resolves names, parses units and builds field paths each time.

A plan is learnt only from a line read without a word said (no warning, no error, no name kept as written), and is
given to a later line only when its figure is an ordinary one: a finite number within the survey's bounds, not one
the first line's checks would remark on (a share read as per cent, a value an order of magnitude off the benchmarks,
a share over 100 %). Anything else is read in full, so warnings, errors and their places are the same as before.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .survey_format import INDICATOR_FIELDS, MATERIAL_FIELDS, OUTPUT_FIELDS, PROCESS_FIELDS

if TYPE_CHECKING:   # the reader builds its plans; this module needs its types only for annotations
    from .survey import Enterprise, SurveyReader

LARGEST = 1e20     # survey.LARGEST_QUANTITY: a figure beyond it is an error, said by the full reading
MAX_PLACES = 20    # survey.MAX_PLACES: places kept per unit understood
_FULL = object()   # this shape drew a remark when first read: every line of it is read in full
_NUMBER = (int, float)


def _figure(value: Any, negative: bool = False) -> float | None:
    """The figure of a line as the full reading takes it, when it is an ordinary one (else None: read in full)."""
    kind = type(value)
    if kind is not float and kind is not int:
        return None
    number = float(value)
    if not -LARGEST <= number <= LARGEST or (number < 0 and not negative):   # NaN fails both comparisons
        return None
    return number


_TEXTS = object()   # the frozen form of a list of texts alone (a technique list): no per-item tuples


def _frozen(value: Any) -> Any:
    """A hashable form of an answer or name as written, types kept apart (True, 1 and 1.0 are different answers)."""
    kind = type(value)
    if kind is str or value is None:   # the usual answer and name: no further test
        return kind, value
    if kind is list:
        if all(type(v) is str for v in value):
            return _TEXTS, tuple(value)
        return list, tuple(_frozen(v) for v in value)
    if kind is dict:
        raise TypeError("a mapping is not planned")
    return kind, value


class LinePlans:
    """The plans of one survey reader (a name map or sector is the reader's, so plans never outlive it)."""

    def __init__(self, reader: "SurveyReader"):
        self.reader = reader
        self._plans: dict[tuple, Any] = {}
        self._bounds: dict[str, tuple] = {}   # indicator IRI -> (largest, smallest) positive benchmark

    # -- learning

    def _said(self, ent: "Enterprise") -> tuple:
        """What reading a line may add beside its own result: remarks, names kept, sized or routed equipment."""
        r = self.reader
        return (len(r.warnings), len(r.problems), r.notes_taken, len(ent.unresolved), len(ent.sized),
                len(ent.routes), len(ent.notes), len(ent.output_written), len(r.units_of_unresolved))

    def _learn(self, ent: "Enterprise", read, path: str) -> tuple[Any, list | None]:
        """Read a line in full; the result and the units it understood (None when something was said)."""
        r = self.reader
        before = self._said(ent)
        r.heard, r.converted_by = [], None
        try:
            result = read(path)
            heard = r.heard
        finally:
            r.heard = None
        if self._said(ent) != before or any(not place.startswith(path) for _, place in heard):
            return result, None
        return result, [(entry, place[len(path):]) for entry, place in heard]

    def _hear(self, heard: tuple, base: str, j: int) -> None:
        """The units a planned line understands, counted and placed as the full reading does."""
        for entry, suffix in heard:
            entry["count"] += 1
            if len(entry["places"]) < MAX_PLACES:
                entry["places"].append(self.reader._place(f"{base}[{j}]{suffix}"))

    # -- processes

    def process(self, ent: "Enterprise", raw: Any, base: str, j: int) -> None:
        key = None
        if type(raw) is dict and raw.keys() <= PROCESS_FIELDS:
            try:
                key = ("process", _frozen(raw.get("process")), _frozen(raw.get("techniques")),
                       _frozen(raw.get("complete")))
                plan = self._plans.get(key)
            except TypeError:
                key = plan = None
        else:
            plan = None
        if plan is None or plan is _FULL:
            path = f"{base}[{j}]"
            if plan is _FULL:
                self.reader.read_process(ent, raw, path)
                return
            result, heard = self._learn(ent, lambda p: self.reader.read_process(ent, raw, p), path)
            if key is not None:
                self._plans[key] = (result, tuple(heard)) if result is not None and heard is not None else _FULL
            return
        (proc, found, complete), heard = plan
        ent.techniques.update(found)
        if proc:
            ent.processes.setdefault(proc, set()).update(found)
            if complete:
                ent.complete_processes.add(proc)
        self._hear(heard, base, j)

    # -- facts

    def fact(self, ent: "Enterprise", key: Any, value: Any, base: str) -> None:
        try:
            shape = ("fact", _frozen(key), _frozen(value))
            plan = self._plans.get(shape)
        except TypeError:
            shape = plan = None
        if plan is None or plan is _FULL:
            path = f"{base}.{key}"
            if plan is _FULL:
                self.reader.read_fact(ent, key, value, path)
                return
            result, heard = self._learn(ent, lambda p: self.reader.read_fact(ent, key, value, p), path)
            if shape is not None:
                plain = result is not None and heard is not None and not heard and \
                    (result[0] != "fact" or type(result[2]) not in (list, dict, set))   # answers shared are read only
                self._plans[shape] = result if plain else _FULL
            return
        if plan[0] == "fact":
            ent.facts[plan[1]] = plan[2]
        elif plan[0] == "technique":
            ent.techniques.add(plan[1])

    # -- indicators

    def indicator(self, ent: "Enterprise", raw: Any, base: str, j: int) -> None:
        r = self.reader
        key = plan = None
        if type(raw) is dict and raw.keys() <= INDICATOR_FIELDS:
            value = raw.get("value")
            numeric = type(value) in _NUMBER
            try:
                key = ("indicator", _frozen(raw.get("indicator")), _frozen(raw.get("unit")),
                       _frozen(raw.get("process")), "figure" if numeric else _frozen(value))
                plan = self._plans.get(key)
            except TypeError:
                key = None
        if plan is not None and plan is not _FULL and self._planned_indicator(ent, raw, plan, base, j):
            return
        path = f"{base}[{j}]"
        if plan is not None or key is None:
            r.read_indicator(ent, raw, path)
            return
        result, heard = self._learn(ent, lambda p: r.read_indicator(ent, raw, p), path)
        self._plans[key] = self._indicator_plan(raw, result, heard, key[-1] == "figure")

    @staticmethod
    def _indicator_plan(raw: dict, result: tuple | None, heard: list | None, numeric: bool) -> Any:
        if result is None or heard is None:
            return _FULL
        iri, value, process, how = result
        if not numeric:   # the answer is part of the shape: the result is the same each time
            return iri, process, None, value, tuple(heard)
        if how is None:   # a level written as a number (2 for II): each figure is its own answer
            return _FULL
        conversion, negative, percent, percent_asked = how
        figure = _figure(raw["value"], negative)
        given = conversion.apply(figure) if conversion is not None and figure is not None else figure
        if given != value:   # the plan must give the very figure the full reading gave
            return _FULL
        return iri, process, how, None, tuple(heard)

    def _planned_indicator(self, ent: "Enterprise", raw: dict, plan: tuple, base: str, j: int) -> bool:
        iri, process, how, fixed, heard = plan
        if how is None:
            value = fixed
        else:
            conversion, negative, percent, percent_asked = how
            figure = _figure(raw["value"], negative)
            if figure is None or (percent_asked and 0 < figure < 1):
                return False
            value = conversion.apply(figure) if conversion is not None else figure
            if not math.isfinite(value) or (percent and value > 100) or self._implausible(iri, value):
                return False
        self._hear(heard, base, j)
        ent.indicators.setdefault(iri, []).append((value, process))
        return True

    def _implausible(self, iri: str, value: float) -> bool:
        """Whether the reader would say the figure is an order of magnitude off the benchmarks (survey._plausible)."""
        bounds = self._bounds.get(iri)
        if bounds is None:   # the benchmarks' extremes, once per indicator
            values = [v for v in self.reader.kb.indicators[iri].benchmarks.values() if v > 0]
            bounds = self._bounds[iri] = (max(values), min(values)) if values else ()
        if not bounds or value == 0:
            return False
        return value > 10 * bounds[0] or value < bounds[1] / 10

    # -- materials

    def material(self, ent: "Enterprise", raw: Any, base: str, j: int) -> None:
        r = self.reader
        key = plan = None
        if type(raw) is dict and raw.keys() <= MATERIAL_FIELDS and not raw.get("properties"):
            value = raw.get("value")
            try:
                key = ("material", _frozen(raw.get("material")), _frozen(raw.get("unit")), _frozen(raw.get("process")),
                       _frozen(raw.get("properties")), "figure" if type(value) in _NUMBER else _frozen(value))
                plan = self._plans.get(key)
            except TypeError:
                key = None
        if plan is not None and plan is not _FULL:
            iri, unit, line, heard = plan
            figure = _figure(raw.get("value")) if line is not None else None
            if iri not in ent.materials and (line is None or figure is not None):
                self._hear(heard, base, j)
                ent.materials[iri] = {"value": figure, "unit": unit, "properties": {}}
                if line is not None:
                    ent.consumptions.append({"written": line["written"], "value": figure, "unit": line["unit"],
                                             "place": r._place(f"{base}[{j}]"), "consumption": line["consumption"],
                                             "material": iri, "properties": {}})   # planned lines have none
                return
        path = f"{base}[{j}]"
        if plan is not None or key is None:
            r.read_material(ent, raw, path)
            return
        result, heard = self._learn(ent, lambda p: r.read_material(ent, raw, p), path)
        if result is not None and result[1]:
            return   # merged with a line before: learnt again from a line that stands alone
        self._plans[key] = self._material_plan(ent, raw, result, heard, key[-1])

    @staticmethod
    def _material_plan(ent: "Enterprise", raw: dict, result: tuple | None, heard: list | None, value_shape) -> Any:
        if result is None or heard is None or result[0] is None:
            return _FULL
        iri, _, line = result
        kept = ent.materials[iri]
        figure = _figure(raw.get("value"))
        if kept["properties"] or (value_shape == "figure") != (line is not None) or kept["value"] != figure \
                or (line is not None and (line["value"] != figure or line["unit"] != kept["unit"]
                                          or line["material"] != iri or line["properties"])):
            return _FULL   # a line without a figure, or one read otherwise than as a plain figure
        return iri, kept["unit"], ({k: v for k, v in line.items() if k not in ("value", "place")} if line else None), \
            tuple(heard)

    # -- emissions

    def emission(self, ent: "Enterprise", raw: Any, base: str, j: int) -> None:
        r = self.reader
        key = plan = None
        if type(raw) is dict and type(raw.get("value")) in _NUMBER:
            try:
                key = ("emission", *((k, _frozen(v)) for k, v in raw.items() if k != "value"))
                plan = self._plans.get(key)
            except TypeError:
                key = None
        if plan is not None and plan is not _FULL:
            kept, heard = plan
            figure = _figure(raw["value"])
            if figure is not None:
                self._hear(heard, base, j)
                emission = dict(kept)
                emission["value"] = figure
                ent.emissions.append(emission)
                return
        path = f"{base}[{j}]"
        if plan is not None or key is None:
            r.read_emission(ent, raw, path)
            return
        count = len(ent.emissions)
        result, heard = self._learn(ent, lambda p: r.read_emission(ent, raw, p), path)
        plain = result is not None and heard is not None and len(ent.emissions) == count + 1 \
            and result["value"] == _figure(raw["value"]) and not result.get("below_detection")
        self._plans[key] = (dict(result), tuple(heard)) if plain else _FULL

    # -- output

    def output(self, ent: "Enterprise", raw: Any, path: str) -> None:
        r = self.reader
        key = plan = None
        if type(raw) is dict and raw.keys() <= OUTPUT_FIELDS and type(raw.get("value")) in _NUMBER:
            try:
                key = ("output", _frozen(raw.get("product")), _frozen(raw.get("unit")))
                plan = self._plans.get(key)
            except TypeError:
                key = None
        if plan is not None and plan is not _FULL:
            products, iris, unit, conversion, heard = plan
            figure = _figure(raw["value"])
            value = conversion.apply(figure) if conversion is not None and figure is not None else figure
            if value is not None and math.isfinite(value):
                for entry, suffix in heard:
                    entry["count"] += 1
                    if len(entry["places"]) < MAX_PLACES:
                        entry["places"].append(r._place(path + suffix))
                ent.products.extend(products)
                ent.product_iris.extend(iris)
                ent.output_unit = unit
                ent.output = 0.0 + value
                return
        if plan is not None or key is None:
            r.read_output(ent, raw, path)
            return
        counts = len(ent.products), len(ent.product_iris)
        _, heard = self._learn(ent, lambda p: r.read_output(ent, raw, p), path)
        conversion = r.converted_by
        figure = _figure(raw["value"])
        value = conversion.apply(figure) if conversion is not None and figure is not None else figure
        if heard is None or ent.output is None or value is None or ent.output != 0.0 + value:
            self._plans[key] = _FULL
            return
        self._plans[key] = (tuple(ent.products[counts[0]:]), tuple(ent.product_iris[counts[1]:]), ent.output_unit,
                            conversion, tuple(heard))
