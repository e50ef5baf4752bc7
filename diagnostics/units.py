"""Unit conversion with pint, extended with the units of the knowledge base (kgce, 万米, 百米, t/a …).

Conversions are cached as (factor, offset) pairs so that converting a hundred thousand survey values
does not call pint a hundred thousand times; the caches are bounded (least recently used dropped first).
Unit text from a survey is checked before pint sees it: pint evaluates `10**10**7` as Python integer
arithmetic and would spend minutes on it, so length, exponent size and exponent towers are refused first.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass

import pint

from cpkb.lru import LRU

from .knowledge import Knowledge, normalise
from .limits import SurveyLimits, shown


class UnitProblem(ValueError):
    """A unit that is unknown, or of the wrong dimension for where it is used; str() is English, `zh` Chinese."""

    def __init__(self, message: str, zh: str | None = None):
        super().__init__(message)
        self.zh = zh or message


@dataclass(frozen=True)
class Conversion:
    factor: float
    offset: float

    def apply(self, value: float) -> float:
        return value * self.factor + self.offset


_CONVERTERS_LOCK = threading.Lock()


_EXPONENT = re.compile(r"\*\*|\^")
_POWER = re.compile(r"\s*\(?\s*([+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*\)?")


def check_unit_text(written: str, limits: SurveyLimits) -> None:
    """UnitProblem unless `written` is short and raises nothing to a large or nested power.

    Refused: more than max_unit_chars characters; an exponent that is not a plain number up to
    max_unit_exponent; an exponent of an exponent (`10**10**7`), also through brackets (`(9**9)**9`).
    """
    if len(written) > limits.max_unit_chars:
        raise UnitProblem(f"unit {shown(written, 40)} is too long: a unit is at most "
                          f"{limits.max_unit_chars} characters (setting max_unit_chars).",
                          f"单位 {shown(written, 40)} 过长：单位最多 {limits.max_unit_chars} 个字符（设置 max_unit_chars）。")
    if "**" not in written and "^" not in written:
        return
    for match in _EXPONENT.finditer(written):
        power = _POWER.match(written, match.end())
        if power is None:
            raise UnitProblem(f"unit {shown(written, 40)}: an exponent is a plain number such as m**2 or m^3.",
                              f"单位 {shown(written, 40)}：指数须为普通数字，如 m**2 或 m^3。")
        value = float(power.group(1))
        if not math.isfinite(value) or abs(value) > limits.max_unit_exponent:
            raise UnitProblem(f"unit {shown(written, 40)}: exponent {power.group(1)} is above "
                              f"{limits.max_unit_exponent} (setting max_unit_exponent).",
                              f"单位 {shown(written, 40)}：指数 {power.group(1)} 超过 {limits.max_unit_exponent}"
                              "（设置 max_unit_exponent）。")
        if written[power.end():].lstrip().startswith(("**", "^")) or _powers_a_power(written, match.start()):
            raise UnitProblem(f"unit {shown(written, 40)}: a power of a power is not a unit; write the exponent "
                              "as one number (m**6, not m**2**3).",
                              f"单位 {shown(written, 40)}：幂的幂不是单位；请把指数写成一个数（m**6，而非 m**2**3）。")


def _powers_a_power(written: str, operator_at: int) -> bool:
    """Whether the exponent operator at `operator_at` raises a bracketed group that holds an exponent."""
    base = written[:operator_at].rstrip()
    if not base.endswith(")"):
        return False
    depth = 0
    for index in range(len(base) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(base[index], 0)
        if depth == 0:
            return bool(_EXPONENT.search(base, index))
    return True  # unbalanced brackets: pint refuses them anyway


def converter_for(knowledge: Knowledge, limits: SurveyLimits | None = None) -> "UnitConverter":
    """One converter per knowledge base: building a pint registry costs about half a second, so every survey
    read against the same knowledge shares it (and its bounded cache of conversions)."""
    with _CONVERTERS_LOCK:
        found = getattr(knowledge, "_unit_converter", None)
        if found is None:
            found = UnitConverter(knowledge, limits)
            knowledge._unit_converter = found  # lives and dies with the knowledge it was built from
        return found


def _registry() -> pint.UnitRegistry:
    """pint's own definitions parsed once per machine (pint's cache folder), not at every start (0.3 s, not 1.9);
    where no cache folder can be written, parsed each time."""
    try:
        return pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=":auto:")
    except OSError:
        return pint.UnitRegistry(autoconvert_offset_to_baseunit=True)


class UnitConverter:
    """Converts survey values to the units the knowledge base states benchmarks in."""

    def __init__(self, knowledge: Knowledge, limits: SurveyLimits | None = None):
        self.limits = limits or SurveyLimits.from_settings()
        self.registry = _registry()
        self._expr: dict[str, str] = {}          # unit IRI -> pint expression
        definitions = sorted((u["definition"] for u in knowledge.units.values() if u.get("definition")), key=len)
        pending = list(definitions)
        for _ in range(3):  # definitions may build on each other: retry in rounds
            failed = []
            for line in pending:
                try:
                    self.registry.define(line)
                except Exception:  # noqa: BLE001 - pint raises several kinds; retried below
                    failed.append(line)
            pending = failed
        for iri, unit in knowledge.units.items():
            if unit.get("pint"):
                self._expr[iri] = unit["pint"]
        self._names = knowledge.names.get("unit", {})
        self._cache = LRU(self.limits.unit_cache_entries)        # (written, target) -> Conversion or UnitProblem
        self._dimensions = LRU(self.limits.unit_cache_entries)   # written -> dimensionality or UnitProblem

    def expression(self, written: str) -> str:
        """The pint expression for a unit as written in a survey (KB symbol, label or alt label, or pint syntax);
        a leading 万 multiplies by 10⁴ and 亿 by 10⁸, 年/天 after a slash are years and days (万kWh/年), and a ratio of named units
        is read side by side (升/平米)."""
        iris = self._names.get(normalise(written))
        if iris:
            return self._expr[sorted(iris)[0]]
        text = unicodedata.normalize("NFKC", written).strip()
        noted = re.fullmatch(r"(.+?)\s*[(]([^()]{1,12})[)]", text)   # 万吨（干基）, t(湿基): the basis is a note
        if noted and not re.search(r"[/*^]", noted.group(2)):
            return self.expression(noted.group(1))
        per = re.fullmatch(r"(.+?)\s*(?:/|每)\s*(年|a|天|d|日)", text)
        if per and per.group(1) != text:
            return f"({self.expression(per.group(1))}) / {'a' if per.group(2) in ('年', 'a') else 'd'}"
        for prefix, factor in (("万", "10000"), ("亿", "100000000")):   # 万t, 亿kWh, 亿m3
            if text.startswith(prefix) and len(text) > 1:
                return f"({factor} * {self.expression(text[len(prefix):])})"
        ratio = re.fullmatch(r"(.+?)\s*(?:/|每)\s*(.+)", text)
        if ratio and any(normalise(side) in self._names for side in ratio.groups()):
            # a ratio of units the knowledge base names (升/平米, 吨/万m2): each side read on its own
            return f"({self.expression(ratio.group(1))}) / ({self.expression(ratio.group(2))})"
        return written

    def readings(self, written: str) -> list[str]:
        """The units of the knowledge base a written unit names, when it names several (g/kWh is grams of coal
        equivalent or grams of pollutant per kWh); empty otherwise."""
        iris = self._names.get(normalise(written)) if isinstance(written, str) else None
        return sorted(iris) if iris and len(iris) > 1 else []

    def unit_expression(self, unit_iri: str | None) -> str | None:
        return self._expr.get(unit_iri) if unit_iri else None

    def conversion(self, written: str, target_expr: str) -> Conversion:
        """How to turn a value in `written` into `target_expr`; UnitProblem when impossible."""
        key = (written, target_expr)
        found = self._cache.get(key)
        if found is None:
            try:
                found = self._make(written, target_expr)
            except UnitProblem as problem:
                found = problem
            self._cache.put(key, found)
        if isinstance(found, UnitProblem):
            raise UnitProblem(str(found), found.zh)
        return found

    def converts(self, written: str, target_expr: str) -> Conversion | None:
        """conversion(), or None where it raises UnitProblem: for callers that try several units in turn, without
        the cost of an exception per value once the answer is cached."""
        found = self._cache.get((written, target_expr))
        if found is None:
            try:
                return self.conversion(written, target_expr)
            except UnitProblem:
                return None
        return None if isinstance(found, UnitProblem) else found

    def _make(self, written: str, target_expr: str) -> Conversion:
        check_unit_text(written, self.limits)
        readings = self.readings(written)
        if readings:   # the target tells which unit is meant: the one reading that converts to it
            fits = []
            for iri in readings:
                try:
                    fits.append(self._make(self._expr[iri], target_expr))
                except UnitProblem:
                    continue
            if len({(f.factor, f.offset) for f in fits}) == 1:
                return fits[0]
            if not fits:
                raise UnitProblem(f"unit {shown(written, 40)} has the wrong dimension for this value",
                                  f"单位 {shown(written, 40)} 的量纲与该数值不符")
        source = self.expression(written)
        try:
            try:
                zero = self.registry.Quantity(0.0, source).to(target_expr).magnitude
                one = self.registry.Quantity(1.0, source).to(target_expr).magnitude
            except ValueError as exc:
                if "scaling factor" not in str(exc):
                    raise
                # 万 or 亿 before a unit the knowledge base does not name (万m3/h): pint refuses a factor inside a
                # unit, so read the expression as a quantity (10000 m³/h) and scale by it
                scaled = self.registry.parse_expression(source)
                zero, one = 0.0, float(scaled.to(target_expr).magnitude)
        except pint.DimensionalityError:
            raise UnitProblem(f"unit {shown(written, 40)} has the wrong dimension for this value",
                              f"单位 {shown(written, 40)} 的量纲与该数值不符") from None
        except Exception:  # noqa: BLE001 - pint's parse errors have no common base
            raise UnitProblem(f"unknown unit {shown(written, 40)}", f"未知单位 {shown(written, 40)}") from None
        factor, offset = float(one - zero), float(zero)
        if not (math.isfinite(factor) and math.isfinite(offset)) or factor == 0:
            raise UnitProblem(f"unit {shown(written, 40)} gives no finite conversion to {target_expr}",
                              f"单位 {shown(written, 40)} 无法换算为有限的 {target_expr}")
        return Conversion(factor, offset)

    def _dimensionality(self, written: str) -> str:
        expr = self.expression(written)
        try:
            return str(self.registry.Quantity(1.0, expr).dimensionality)
        except ValueError as exc:   # 万GJ/a: a factor inside a unit, read as a quantity (as _make does)
            if "scaling factor" not in str(exc):
                raise
            return str(self.registry.parse_expression(expr).dimensionality)

    def dimension_of(self, written: str) -> str:
        """pint's dimensionality of a written unit, e.g. '[mass] / [time]'; UnitProblem when unknown.
        Cached per written unit: a survey writes the same few units tens of thousands of times."""
        found = self._dimensions.get(written)
        if found is None:
            try:
                check_unit_text(written, self.limits)
                found = self._dimensionality(written)
            except UnitProblem as problem:
                found = problem
            except Exception:  # noqa: BLE001
                found = UnitProblem(f"unknown unit {shown(written, 40)}", f"未知单位 {shown(written, 40)}")
            self._dimensions.put(written, found)
        if isinstance(found, UnitProblem):
            raise UnitProblem(str(found), found.zh)
        return found
