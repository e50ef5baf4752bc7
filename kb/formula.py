"""Formulas of derived quantities: parsed once, units checked with pint, evaluated on plain numbers.

A formula is arithmetic over named inputs (`+ - * / **`, parentheses, numbers, `min`, `max`). The compiler
checks that the units of the inputs give the declared unit of the result; the engine converts each input to
SI base units, evaluates the formula on floats and converts the result back with one factor, so thousands of
enterprises do not cost thousands of pint calculations.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Callable, Iterable

import pint

_BINOPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b}
_FUNCS = {"min": min, "max": max}


class FormulaError(ValueError):
    """A formula that cannot be parsed, names an unknown input, or gives the wrong unit."""


def registry_from_definitions(definitions: Iterable[str]) -> pint.UnitRegistry:
    """A pint registry with the knowledge base's own units (万米, kgce …); definitions may build on each other."""
    registry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    pending = sorted(set(definitions), key=len)
    for _ in range(3):
        failed = []
        for line in pending:
            try:
                registry.define(line)
            except Exception:  # noqa: BLE001 - pint raises several kinds; retried in the next round
                failed.append(line)
        pending = failed
    return registry


def parse(text: str) -> ast.Expression:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"cannot be read ({exc.msg})") from None
    for node in ast.walk(tree):
        allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.USub, ast.UAdd, ast.Name, ast.Load, ast.Constant,
                   ast.Call, *_BINOPS)
        if not isinstance(node, allowed):
            raise FormulaError(f"uses {type(node).__name__}; only + - * / **, numbers, names, min() and max() are allowed")
        if isinstance(node, ast.Constant) and (isinstance(node.value, bool) or not isinstance(node.value, (int, float))):
            raise FormulaError("constants must be numbers")
        if isinstance(node, ast.Call) and (not isinstance(node.func, ast.Name) or node.func.id not in _FUNCS):
            raise FormulaError("the only functions are min() and max()")
    return tree


def names(tree: ast.Expression) -> set[str]:
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in calls}


def _evaluate(node: ast.AST, values: dict):
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, values)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.UnaryOp):
        inner = _evaluate(node.operand, values)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Call):
        return _FUNCS[node.func.id](*(_evaluate(a, values) for a in node.args))
    return _BINOPS[type(node.op)](_evaluate(node.left, values), _evaluate(node.right, values))


def check_formula(text: str, units: dict[str, str], result_unit: str, registry: pint.UnitRegistry) -> None:
    """Raise FormulaError unless the formula, over inputs of these units, gives a quantity of result_unit."""
    tree = parse(text)
    unknown = names(tree) - set(units)
    if unknown:
        raise FormulaError(f"uses {', '.join(sorted(unknown))}, which are not among its inputs ({', '.join(units)})")
    unused = set(units) - names(tree)
    if unused:
        raise FormulaError(f"does not use the input(s) {', '.join(sorted(unused))}")
    try:
        quantities = {name: registry.Quantity(1.0, expr) for name, expr in units.items()}
        value = _evaluate(tree, quantities)
        if not isinstance(value, pint.Quantity):
            value = registry.Quantity(value, "dimensionless")
        value.to(result_unit)
    except pint.DimensionalityError as exc:
        raise FormulaError(f"gives {exc.dim1 or 'a pure number'} but the declared unit is {exc.dim2 or 'a pure number'}"
                           ) from None
    except ZeroDivisionError:
        raise FormulaError("divides by zero") from None
    except Exception as exc:  # noqa: BLE001 - pint parse errors have no common base
        raise FormulaError(f"its units cannot be read ({exc})") from None


@dataclass(frozen=True)
class CompiledFormula:
    """A formula ready for numbers: inputs in SI base units in, result in the declared unit out."""

    text: str
    evaluate: Callable[[dict[str, float]], float]
    base_units: dict[str, str]      # input name -> SI base expression its value must be converted to
    factor: float                   # result in SI base units × factor = result in the declared unit


def compile_formula(text: str, units: dict[str, str], result_unit: str, registry: pint.UnitRegistry) -> CompiledFormula:
    tree = parse(text)
    base_units, base_values = {}, {}
    for n, (name, expr) in enumerate(units.items()):
        base = registry.Quantity(1.0, expr).to_base_units()
        base_units[name] = str(base.units)
        base_values[name] = registry.Quantity(float(n + 2), base.units)  # distinct: a - b must not vanish
    result = _evaluate(tree, base_values)
    if not isinstance(result, pint.Quantity):
        result = registry.Quantity(result, "dimensionless")
    one_base = registry.Quantity(1.0, result.to_base_units().units)
    factor = float(one_base.to(result_unit).magnitude)

    return CompiledFormula(text, FormulaEvaluator(text, factor, tree), base_units, factor)


class FormulaEvaluator:
    """A checked formula on plain numbers in SI base units, times the factor to the declared unit. It pickles as
    its text and factor and parses the text again when unpickled (a cached Knowledge holds these)."""

    def __init__(self, text: str, factor: float, tree: ast.Expression | None = None):
        self.text, self.factor = text, factor
        self.tree = tree if tree is not None else parse(text)

    def __reduce__(self):
        return FormulaEvaluator, (self.text, self.factor)

    def __call__(self, values: dict[str, float]) -> float:
        number = float(_evaluate(self.tree, values))
        if math.isnan(number) or math.isinf(number):
            raise ZeroDivisionError
        return number * self.factor
