"""Unit conversion with pint, extended with the units of the knowledge base (kgce, 万米, 百米, t/a …).

Conversions are cached as (factor, offset) pairs so that converting a hundred thousand survey values
does not call pint a hundred thousand times.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

import pint

from .knowledge import Knowledge, normalise


class UnitProblem(ValueError):
    """A unit that is unknown, or of the wrong dimension for where it is used."""


@dataclass(frozen=True)
class Conversion:
    factor: float
    offset: float

    def apply(self, value: float) -> float:
        return value * self.factor + self.offset


_CONVERTERS_LOCK = threading.Lock()


def converter_for(knowledge: Knowledge) -> "UnitConverter":
    """One converter per knowledge base: building a pint registry costs about half a second, so every survey
    read against the same knowledge shares it (and its cache of conversions)."""
    with _CONVERTERS_LOCK:
        found = getattr(knowledge, "_unit_converter", None)
        if found is None:
            found = UnitConverter(knowledge)
            knowledge._unit_converter = found  # lives and dies with the knowledge it was built from
        return found


class UnitConverter:
    """Converts survey values to the units the knowledge base states benchmarks in."""

    def __init__(self, knowledge: Knowledge):
        self.registry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
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
        self._cache: dict[tuple[str, str], Conversion] = {}
        self._dimensions: dict[str, str | UnitProblem] = {}

    def expression(self, written: str) -> str:
        """The pint expression for a unit as written in a survey (KB symbol, label or alt label, or pint syntax);
        a leading 万 multiplies by 10⁴ and 年/天 after a slash are years and days (万kWh/年)."""
        iris = self._names.get(normalise(written))
        if iris:
            return self._expr[sorted(iris)[0]]
        text = unicodedata.normalize("NFKC", written).strip()
        per = re.fullmatch(r"(.+?)\s*(?:/|每)\s*(年|a|天|d|日)", text)
        if per and per.group(1) != text:
            return f"({self.expression(per.group(1))}) / {'a' if per.group(2) in ('年', 'a') else 'd'}"
        if text.startswith("万") and len(text) > 1:
            return f"(10000 * {self.expression(text[1:])})"
        return written

    def unit_expression(self, unit_iri: str | None) -> str | None:
        return self._expr.get(unit_iri) if unit_iri else None

    def conversion(self, written: str, target_expr: str) -> Conversion:
        """How to turn a value in `written` into `target_expr`; UnitProblem when impossible."""
        key = (written, target_expr)
        found = self._cache.get(key)
        if found is None:
            try:
                found = self._make(written, target_expr)
            except UnitProblem as exc:
                found = exc  # impossible conversions are asked again and again (a load against a concentration)
            self._cache[key] = found
        if isinstance(found, UnitProblem):
            raise UnitProblem(str(found))
        return found

    def _make(self, written: str, target_expr: str) -> Conversion:
        source = self.expression(written)
        try:
            zero = self.registry.Quantity(0.0, source).to(target_expr).magnitude
            one = self.registry.Quantity(1.0, source).to(target_expr).magnitude
        except pint.DimensionalityError:
            raise UnitProblem(f"unit {written!r} has the wrong dimension for this value") from None
        except Exception:  # noqa: BLE001 - pint's parse errors have no common base
            raise UnitProblem(f"unknown unit {written!r}") from None
        return Conversion(float(one - zero), float(zero))

    def dimension_of(self, written: str) -> str:
        """pint's dimensionality of a written unit, e.g. '[mass] / [time]'; UnitProblem when unknown.
        Cached per written unit: a survey writes the same few units tens of thousands of times."""
        found = self._dimensions.get(written)
        if found is None:
            try:
                found = str(self.registry.Quantity(1.0, self.expression(written)).dimensionality)
            except Exception:  # noqa: BLE001
                found = UnitProblem(f"unknown unit {written!r}")
            self._dimensions[written] = found
        if isinstance(found, UnitProblem):
            raise UnitProblem(str(found))
        return found
