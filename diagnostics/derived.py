"""Derived quantities: the knowledge base's declared formulas (kb/formula.py) computed from an enterprise's
survey figures. A derived value fills in an indicator, fact or emission only when the survey lacks it, and is
recorded with its formula and inputs so that every place that shows it can say it is derived."""

from __future__ import annotations

from .knowledge import Knowledge
from .knowledge_model import Derived, FormulaInput
from .material_lines import lines_sum
from .survey import Enterprise
from .units import Conversion, UnitConverter, UnitProblem


class Conversions:
    """units.converts() remembered for one preparation in a plain dict: the shared LRU's bookkeeping on each
    lookup cost more than the arithmetic, a survey writes few distinct units, and a formula asks for the same
    conversion once per enterprise. A failed conversion is remembered as None, as converts() answers it."""

    def __init__(self, units: UnitConverter):
        self.units = units
        self._seen: dict[tuple[str, str], Conversion | None] = {}
        self._dims: dict[str, object] = {}

    def get(self, written: str, target: str) -> Conversion | None:
        key = (written, target)
        try:
            return self._seen[key]
        except KeyError:
            found = self._seen[key] = self.units.converts(written, target)
            return found

    def dimensionality(self, expression: str) -> object:
        """pint's dimensionality of a unit expression; _UNREADABLE when pint cannot read it."""
        found = self._dims.get(expression)
        if found is None:
            try:
                found = self.units.registry.Quantity(1.0, expression).dimensionality
            except Exception:  # noqa: BLE001 - an unreadable unit is no input's
                found = _UNREADABLE
            self._dims[expression] = found
        return found


_UNREADABLE = object()


def derive(kb: Knowledge, units: UnitConverter, ent: Enterprise, derived: list[Derived], ratio: float = 10.0,
           memo: Conversions | None = None) -> None:
    """Compute every derived quantity whose inputs the enterprise has; two rounds, so that a derived value can
    feed another formula. A figure the survey states is kept, and checked against the formula: `ratio` times
    off (an order of magnitude by default) is a contradiction an auditor would query. `memo`: the conversions
    of the whole preparation (prepare.py); one of this call's own without it."""
    memo = memo or Conversions(units)
    for _ in range(2):
        filled = False
        for item in derived:
            if item.iri in ent.model.quantities:
                continue
            if item.bound:
                _check_bound(kb, memo, ent, item)
                continue
            if _already_given(kb, units, ent, item):
                _check_given(kb, memo, ent, item, ratio)
                if item.balance and item.stage == "emitted" and item.gives not in ent.model.beside:   # shown beside
                    value, inputs = _compute(kb, memo, ent, item)
                    if value is not None:
                        ent.model.beside[item.gives] = _record(kb, item, value, inputs)
                continue
            value, inputs = _compute(kb, memo, ent, item)
            if value is None:
                continue
            ent.model.quantities[item.iri] = value
            target = item.gives or item.iri
            if item.gives_kind != "emission" or item.stage == "emitted" or target not in ent.model.derived:
                ent.model.derived[target] = _record(kb, item, value, inputs)   # one pollutant: the emitted one shown
            _fill(kb, ent, item, value)
            filled = True
        if not filled:   # nothing a formula reads has changed: a second round would find what the first found
            break


def _record(kb: Knowledge, item: Derived, value: float, inputs: list[dict]) -> dict:
    """How a value was derived; a removal the survey does not record counted as 0 makes it an upper bound."""
    absent = [i for i in inputs if i.get("absent")]
    return {"quantity": item.iri, "labels": item.labels, "formula": item.formula.text,
            "formula_labels": formula_labels(kb, item), "value": value,
            "unit": kb.units.get(item.unit, {}).get("symbol"), "inputs": inputs, "derived": True,
            "balance": item.balance, "bound": "upper" if absent else None}


def _already_given(kb: Knowledge, units: UnitConverter, ent: Enterprise, item: Derived) -> bool:
    """The survey states the target itself: a measured figure is never replaced by a computed one."""
    if item.gives_kind == "indicator":
        return item.gives in ent.indicators
    if item.gives_kind == "fact":
        return item.gives in ent.facts
    if item.gives_kind == "emission":
        want = units.dimension_of(kb.units[item.unit]["pint"])
        for em in ent.emissions:
            if em["pollutant"] == item.gives and em["stage"] == item.stage:
                try:
                    if units.dimension_of(em["unit"]) == want:
                        return True
                except UnitProblem:
                    continue
    return False


def _check_given(kb: Knowledge, memo: Conversions, ent: Enterprise, item: Derived, ratio: float) -> None:
    computed, found = _values(kb, memo, ent, item)
    given = _given_value(kb, memo, ent, item)
    if computed is None or given is None or item.iri in {c["quantity"] for c in ent.model.contradictions}:
        return
    if any(absent for _, _, _, absent in found) and given <= computed:
        return   # an upper bound (a removal not recorded) says nothing against a smaller figure
    if min(given, computed) <= 0 < max(given, computed) or \
            (min(given, computed) > 0 and max(given, computed) / min(given, computed) >= ratio):
        inputs = _shown(kb, item, found)
        ent.model.contradictions.append({"quantity": item.iri, "target": item.gives, "labels": item.labels,
                                         "reported": given, "computed": computed, "formula": item.formula.text,
                                         "formula_labels": formula_labels(kb, item), "unit": kb.units.get(item.unit, {}).get("symbol"), "inputs": inputs})


_BOUND_ZH = {"lower": "下限", "upper": "上限"}


def _check_bound(kb: Knowledge, memo: Conversions, ent: Enterprise, item: Derived) -> None:
    """A formula that only bounds its target (water per rinse stage is at most the water per rinse, since a
    multistage counter-current rinse counts once): a reported figure past the bound by more than the entry's
    tolerance cannot be right, whatever the counting convention."""
    given = _given_value(kb, memo, ent, item)
    if given is None or item.gives in {c["target"] for c in ent.model.contradictions}:
        return
    computed, found = _values(kb, memo, ent, item)
    if computed is None:
        return
    ent.model.quantities[item.iri] = computed
    past = given * item.tolerance < computed if item.bound == "lower" else given > computed * item.tolerance
    if past:
        inputs = _shown(kb, item, found)
        if item.gives_kind == "indicator":   # a figure past a hard bound cannot be right: not scored on it
            ent.model.not_scored[item.gives] = {
                "reason": "contradicted",
                "zh": f"填报值{given:g}与本企业自己的数据推算的{_BOUND_ZH[item.bound]}{computed:.4g}矛盾，不按其评分，请核实",
                "en": f"the reported {given:g} contradicts the {item.bound} bound {computed:.4g} the enterprise's own "
                      "figures give: not scored on it, please check"}
        ent.model.contradictions.append({"quantity": item.iri, "target": item.gives, "labels": item.labels,
                                         "reported": given, "computed": computed, "bound": item.bound,
                                         "formula": item.formula.text, "formula_labels": formula_labels(kb, item),
                                         "unit": kb.units.get(item.unit, {}).get("symbol"), "inputs": inputs})


def _given_value(kb: Knowledge, memo: Conversions, ent: Enterprise, item: Derived) -> float | None:
    """The survey's own figure for a derived quantity's target, in the quantity's unit."""
    target = kb.units[item.unit]["pint"]
    if item.gives_kind == "indicator":
        numbers = [v for v, _ in ent.indicators.get(item.gives, ()) if isinstance(v, float)]
        unit = kb.indicators[item.gives].unit if numbers else None
        if not unit:
            return None
        conversion = memo.get(kb.units[unit]["pint"], target)
        return conversion.apply(max(numbers)) if conversion is not None else None
    if item.gives_kind == "fact":
        value = ent.facts.get(item.gives)
        if value is None:
            return None
        unit = kb.facts.get(item.gives, {}).get("unit")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and unit:
            conversion = memo.get(kb.units[unit]["pint"], target)
            return conversion.apply(float(value)) if conversion is not None else None
        return None
    for em in ent.emissions:
        if em["pollutant"] == item.gives and em["stage"] == item.stage and not em.get("derived"):
            conversion = memo.get(em["unit"], target)
            if conversion is not None:
                return conversion.apply(em["value"])
    return None


def _fill(kb: Knowledge, ent: Enterprise, item: Derived, value: float) -> None:
    if item.gives_kind == "indicator":
        ent.indicators[item.gives] = [(value, None)]
    elif item.gives_kind == "fact":
        ent.facts[item.gives] = value
    elif item.gives_kind == "emission":
        ent.emissions.append({"pollutant": item.gives, "value": value, "unit": kb.units[item.unit]["symbol"],
                              "stage": item.stage, "process": None, "point": None, "derived": item.formula.text})


_KIND_LABELS = {"output": {"zh": "年产量", "en": "annual output"}}


def _compute(kb: Knowledge, memo: Conversions, ent: Enterprise, item: Derived) -> tuple[float | None, list[dict]]:
    """The formula's value and its inputs as shown to readers; (None, []) when an input is missing."""
    value, found = _values(kb, memo, ent, item)
    return (value, _shown(kb, item, found)) if value is not None else (None, [])


def _values(kb: Knowledge, memo: Conversions, ent: Enterprise, item: Derived) -> tuple[float | None, list[tuple]]:
    """The formula's value and each input as found, (input, value, unit written, absent): the shown inputs are
    built from them only where a value is recorded (most checks find nothing to record)."""
    values, found_all = {}, []
    base_units = item.formula.base_units
    for inp in item.inputs:
        found = _lines_value(kb, memo.units, ent, inp) if inp.kind == "lines" else _input_value(memo, ent, inp)
        absent = found is None and inp.if_absent == "upper"
        if absent:   # a removal the survey does not record: counted 0, the result then an upper bound
            found = (0.0, inp.unit_expr)
        if found is None:
            return None, []
        value, written = found
        conversion = memo.get(written, base_units[inp.name])
        if conversion is None:
            return None, []
        values[inp.name] = conversion.apply(value)
        found_all.append((inp, value, written, absent))
    try:
        return round(item.formula.evaluate(values), 6), found_all
    except (ZeroDivisionError, OverflowError):
        return None, []


def _shown(kb: Knowledge, item: Derived, found: list[tuple]) -> list[dict]:
    return [{"name": inp.name, "value": value, "unit": written, "source": inp.ref or inp.kind,
             **({"labels": labels} if labels else {}), **({"absent": True} if absent else {})}
            for (inp, value, written, absent), labels in zip(found, _input_labels(kb, item))]


def _input_labels(kb: Knowledge, item: Derived) -> list[dict[str, str] | None]:
    """Each input's name for readers (the fact's, indicator's or pollutant's label): a report never shows a
    formula's variable names. Worked out once per knowledge base and formula, not per enterprise."""
    cache = kb.__dict__.setdefault("_derived_input_labels", {})
    found = cache.get(item.iri)
    if found is None:
        found = cache[item.iri] = [inp.labels or (kb.label(inp.ref) if inp.ref else _KIND_LABELS.get(inp.kind))
                                   or (lines_label(kb, inp) if inp.kind == "lines" else None) for inp in item.inputs]
    return found


def _output_value(memo: Conversions, ent: Enterprise, inp: FormulaInput) -> tuple[float, str] | None:
    """The output in the formula's unit. An output whose product the knowledge base does not know keeps the unit
    written (2800 万米): it is converted here, never taken as if already in the formula's unit (a 100-fold error);
    an output of another measure (万件, t where metres are asked) gives nothing."""
    if not ent.output_unit:
        return ent.output, inp.unit_expr
    for unit in (ent.output_unit, f"{ent.output_unit}/a"):   # outputs are a year's: 万米 is 万米/a
        try:
            conversion = memo.get(unit, inp.unit_expr)
        except ValueError:
            continue
        if conversion is not None:
            return conversion.apply(ent.output), inp.unit_expr
    return None


def _input_value(memo: Conversions, ent: Enterprise, inp: FormulaInput) -> tuple[float, str] | None:
    """An input's number and the unit it is written in, or None when the survey lacks it."""
    if inp.kind == "value":
        return inp.value, inp.unit_expr
    if inp.kind == "output":
        return _output_value(memo, ent, inp) if ent.output else None
    if inp.kind == "fact":
        value = ent.facts.get(inp.ref)
        return (float(value), inp.unit_expr) if isinstance(value, (int, float)) and not isinstance(value, bool) \
            else None
    if inp.kind == "indicator":
        numbers = [v for v, _ in ent.indicators.get(inp.ref, ()) if isinstance(v, float)]
        return (max(numbers), inp.unit_expr) if numbers else None
    if inp.kind == "materials":
        return _materials_value(memo, ent, inp)
    # an emission figure of the dimension the input asks for (a concentration or a load)
    want, found = None, []
    for em in ent.emissions:
        if em["pollutant"] != inp.ref or em["stage"] != inp.stage:
            continue
        if want is None:
            want = memo.units.registry.Quantity(1.0, inp.unit_expr).dimensionality
        try:
            expression = memo.units.expression(em["unit"])
        except Exception:  # noqa: BLE001 - an unreadable unit is not this input
            continue
        dimensionality = memo.dimensionality(expression)
        if dimensionality is not _UNREADABLE and dimensionality == want:
            found.append(em)
    if not found:
        return None
    loads = [em for em in found if not em.get("derived")]
    if loads and want == memo.dimensionality("t/year"):
        # an enterprise's annual load is every reported row added up, as the baseline takes it (a load split by
        # process or outlet); concentrations are not added, and a derived row only stands in when none is reported
        conversions = [(memo.get(em["unit"], inp.unit_expr), em["value"]) for em in loads]
        if all(c is not None for c, _ in conversions):
            return sum(c.apply(v) for c, v in conversions), inp.unit_expr
    return found[0]["value"], found[0]["unit"]


def _lines_value(kb: Knowledge, units: UnitConverter, ent: Enterprise, inp: FormulaInput) -> tuple[float, str] | None:
    """Σ each material line × its own content; not computable (None) when a listed material's line has no content
    — the lines that have one are kept on the enterprise, a floor of the input."""
    found = lines_sum(kb, units, ent, inp)
    if found.lines or found.missing or found.foreign:
        ent.model.lines[inp.lines_of] = found
    return (found.total, inp.unit_expr) if found.lines and not found.missing else None


def _materials_value(memo: Conversions, ent: Enterprise, inp: FormulaInput) -> tuple[float, str] | None:
    """The materials bought that count, each times its share, summed in the input's unit; None when the survey
    names none of them with an amount. A survey's material amounts are annual, so a bare mass is read per year."""
    total, found = 0.0, False
    for material, share in inp.parts:
        bought = ent.materials.get(material)
        if not bought or bought.get("value") is None or not bought.get("unit"):
            continue
        amount = _annual(memo, bought["value"], bought["unit"], inp.unit_expr)
        if amount is None:
            continue
        total, found = total + amount * share, True
    return (total, inp.unit_expr) if found else None


def _annual(memo: Conversions, value: float, written: str, target: str) -> float | None:
    for expr in (written, f"({memo.units.expression(written)}) / year"):
        try:
            conversion = memo.get(expr, target)
        except ValueError:
            continue
        if conversion is not None:
            return conversion.apply(value)
    return None


_OUTPUT = {"zh": "年产量", "en": "annual output"}


def lines_label(kb: Knowledge, inp: FormulaInput) -> dict[str, str]:
    """A lines input by what it sums, for readers."""
    name = kb.label(inp.lines_of)
    return {"zh": f"Σ（各物料年用量×其{name['zh']}含量）", "en": f"Σ (each material's annual use × its {name['en']} content)"}


def formula_labels(kb: Knowledge, item: Derived) -> dict[str, str]:
    """The formula with its inputs named by their labels, for readers (no input name reaches a Chinese page)."""
    import re

    out = {}
    for lang in ("zh", "en"):
        names = {}
        for inp in item.inputs:
            if inp.labels:
                names[inp.name] = inp.labels[lang]
            elif inp.kind == "output":
                names[inp.name] = _OUTPUT[lang]
            elif inp.kind == "value":
                names[inp.name] = f"{inp.value:g}"
            elif inp.kind == "lines":
                names[inp.name] = lines_label(kb, inp)[lang]
            elif inp.kind == "materials":
                names[inp.name] = ("（" if lang == "zh" else "(") + (" + " if lang == "en" else "＋").join(
                    kb.label(m)[lang] + (f"×{share:g}" if share != 1 else "") for m, share in inp.parts) + \
                    ("）" if lang == "zh" else ")")
            else:
                names[inp.name] = kb.label(inp.ref)[lang]
        out[lang] = re.sub(r"[A-Za-z_][A-Za-z0-9_]*", lambda m: names.get(m.group(0), m.group(0)), item.formula.text) \
            .replace("*", "×").replace("/", "÷")
    return out
