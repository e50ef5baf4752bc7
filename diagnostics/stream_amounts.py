"""A park stream's amounts beyond its value: the hours it runs a year (`hours`, or 年运行7200h in its remarks) and,
for an offer, the part already committed to someone by contract (`committed`, or 约5.0万t/a按年度合同外售 / 全部…年度合同
in its fate). Both are read only where the words are unambiguous; a fate that names a contract without an amount
that can be read is warned about, so the team writes `committed` itself.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .quantities import read_quantity
from .units import UnitProblem

if TYPE_CHECKING:
    from .survey import SurveyReader

HOURS_KEYS = frozenset({"hours", "hours_per_year", "年运行小时", "年运行小时数", "运行小时"})
COMMITTED_KEYS = frozenset({"committed", "已承诺量", "合同量", "已签合同量"})
HOURS_IN_YEAR = 8784.0   # a leap year: no stream runs longer
ALL = "all"
_ALL_WORDS = {"全部", "全量", "all", "100%"}
# 年运行7200h, 年运行约7200小时, 年6000h — a figure of hours said per year
_HOURS_SAID = re.compile(r"年(?:运行|运转|工作|生产)?(?:时间)?(?:约|为)?\s*(\d{2,4}(?:\.\d+)?)\s*(?:h|小时)(?![A-Za-z/])")
_CONTRACT = re.compile(r"合同|协议|订单|包销")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?\s*[万亿]?\s*(?:t|吨|m3|m³|Nm3|GJ|MWh|kWh)\s*/\s*(?:a|年|d|天|h))")


def stream_hours(reader: "SurveyReader", raw: dict, notes: list[str], path: str) -> tuple[float | None, str | None]:
    """(hours a year, how they were found: key / remark) for a stream, or (None, None): the enterprise's
    年运行小时数 is taken later, where the stream says none."""
    for key in sorted(raw.keys() & HOURS_KEYS):
        hours = reader.number(raw[key], f"{path}.{key}")
        if hours is None:
            return None, None
        if not 0 < hours <= HOURS_IN_YEAR:
            reader.error(f"{path}.{key}", f"{hours:g} h is not a number of hours in a year (0 < h ≤ 8784).",
                         f"{hours:g} 小时不是一年内的运行小时数（应大于0且不超过8784）。")
            return None, None
        return hours, "key"
    found = {float(m.group(1)) for note in notes for m in _HOURS_SAID.finditer(note)}
    found = {h for h in found if 0 < h <= HOURS_IN_YEAR}
    if len(found) == 1:
        return found.pop(), "remark"
    return None, None


def committed_part(reader: "SurveyReader", raw: dict, value: float, unit: str, path: str) -> dict | None:
    """The part of an offer already committed: {amount (in the stream's unit), said, how}, or None."""
    for key in sorted(raw.keys() & COMMITTED_KEYS):
        return _from_key(reader, raw[key], value, unit, f"{path}.{key}")
    fate = raw.get("fate")
    if not isinstance(fate, str) or not _CONTRACT.search(fate):
        return None
    return _from_fate(reader, fate, value, unit, f"{path}.fate")


def _from_key(reader: "SurveyReader", written: Any, value: float, unit: str, path: str) -> dict | None:
    if isinstance(written, str) and written.strip().casefold() in _ALL_WORDS:
        return {"amount": value, "said": written.strip(), "how": "key"}
    found = reader.quantity(written, path)
    if found is None:
        return None
    amount = _in_unit(reader, found[0], found[1], unit)
    if amount is None:
        reader.error(path, f"{written!r} cannot be read in the stream's unit {unit}; write the committed amount in it.",
                     f"“{written}”无法换算为该资源流的单位 {unit}；请按该单位填写已承诺量。")
        return None
    if amount > value * (1 + 1e-9):
        reader.error(path, f"committed {amount:g} {unit} is more than the stream's {value:g} {unit}.",
                     f"已承诺量 {amount:g} {unit} 大于该资源流的数量 {value:g} {unit}。")
        return None
    return {"amount": amount, "said": str(written), "how": "key"}


def _from_fate(reader: "SurveyReader", fate: str, value: float, unit: str, path: str) -> dict | None:
    """A fate that names a contract: the amount of the clause naming it (约5.0万t/a按年度合同外售…), or the whole
    stream where that clause says 全部; anything else is warned about and not guessed."""
    for clause in _clauses(fate):
        if not _CONTRACT.search(clause):
            continue
        bare = re.sub(r"[（(][^（）()]*[）)]", "", clause)   # a bracket's distances and dates are no amounts
        amounts = _AMOUNT.findall(bare)
        if len(amounts) == 1:
            found = read_quantity(amounts[0].replace(" ", ""))
            amount = _in_unit(reader, found.value, found.unit, unit) if found else None
            if amount is not None and 0 < amount <= value * (1 + 1e-9):
                return {"amount": amount, "said": clause.strip(), "how": "fate"}
        elif not amounts and any(word in bare for word in ("全部", "全量")):
            return {"amount": value, "said": clause.strip(), "how": "fate"}
    reader.warn(path, f"the fate names a contract ({fate!r}) but no committed amount could be read from it; the whole "
                      "offer is matched — write `committed` (已承诺量) to keep the contracted part out.",
                f"去向中提到合同或协议（“{fate}”），但读不出已承诺的数量；整股资源按可供匹配处理——请填写 committed（已承诺量），"
                "将已签合同的部分排除在匹配之外。")
    return None


def _clauses(text: str) -> list[str]:
    """The text cut at ，；。 outside brackets (a bracket's own commas stay with its clause)."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        elif ch in "，,；;。" and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [c for c in out if c.strip()]


def _in_unit(reader: "SurveyReader", amount: float, written: str | None, unit: str) -> float | None:
    if not written:
        return amount   # a bare number is in the stream's own unit
    try:
        return reader.units.conversion(written, reader.units.expression(unit)).apply(amount)
    except (UnitProblem, ValueError):
        return None
