"""How the values audit teams type are read: numbers with their unit in the cell ("9%", "12 t/a", "约1,200"),
a multiplier after the number (1.9万, 5.8亿), a count of equal units (2×5000t/d), figures below the detection
limit (未检出, ND, <0.5), yes/no answers in either language, and per-year units (m2/a, 万米/年) for annual
quantities.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

_NUMBER = re.compile(r"^\s*(约|大约|近|≈|~|～)?\s*([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*"
                     r"(左右|上下)?\s*(.*?)\s*$")
_PER_YEAR = re.compile(r"^(.*?)\s*(?:/|每|per\s*)\s*(?:年|a|yr|y|year|annum)\.?$", re.IGNORECASE)
_YES = {"true", "yes", "y", "1", "是", "有", "对", "已", "具备", "已建", "已安装", "已实施", "已设置", "已开展", "√", "✓",
        "✔", "有的", "是的"}
_NO = {"false", "no", "n", "0", "否", "无", "没有", "未", "不具备", "未建", "未安装", "未实施", "未设置", "未开展", "×",
       "✗", "✘", "x", "不是", "无此"}
_QUALIFIER = re.compile(r"[（(].*?[）)]")


# a multiplier written after the number with nothing else (1.9万 with the unit in its own column)
MULTIPLIERS = {"万": 1e4, "亿": 1e8, "百万": 1e6, "千万": 1e7, "万亿": 1e12}
_NUMBER_TEXT = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?"
# below the detection limit: 未检出, ND, N.D., "未检出（<0.5）", "ND(0.5 mg/L)"; the limit, when written, is kept
_NOT_DETECTED = re.compile(r"^\s*(?:未检出|未检测到|未检测出|低于检出限|小于检出限|检出限以下|n\.?\s*d\.?(?![a-z])|bdl(?![a-z])|<\s*dl|<\s*lod|"
                           r"not\s+detected|below\s+detection(?:\s+limit)?)\s*(?:[(（]\s*(?:检出限|dl|lod)?\s*[:：]?\s*"
                           rf"(?:<|≤|<=)?\s*({_NUMBER_TEXT})\s*(.*?)\s*[)）])?\s*(.*?)\s*$", re.IGNORECASE)
_BELOW = re.compile(rf"^\s*(?:<|≤|<=|小于|低于|不足)\s*({_NUMBER_TEXT})\s*(.*?)\s*$")
# 2×5000t/d, 3 x 130 t/h: a count of equal units, each of the figure after the sign
_COUNT = re.compile(rf"^\s*(\d+)\s*(?:×|x|X|\*|台\s*×|套\s*×)\s*({_NUMBER_TEXT})\s*(.*?)\s*$")


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str | None       # the unit written in the cell after the number, if any
    approximate: bool      # written with 约 / 左右 / ≈
    below_detection: bool = False     # 未检出, ND, <0.5: the value is the detection limit, 0 when none was written
    detection_limit: float | None = None
    count: int | None = None          # 2×5000: how many equal units the figure was multiplied by
    each: float | None = None         # … and the figure of one
    multiplier: str | None = None     # 万 / 亿 written after the number, already applied to `value`

    @property
    def note(self) -> str | None:
        """How the text was read, when it was more than a number: a key of the reader's warnings."""
        if self.below_detection:
            return "below"
        if self.count is not None:
            return "count"
        return None


def read_quantity(value: Any) -> Quantity | None:
    """A number as typed, with a unit after it when there is one; None when the text is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Quantity(float(value), None, False)
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).replace("，", ",").replace("＜", "<")
    found = _NOT_DETECTED.match(text)
    if found:
        limit = float(found.group(1).replace(",", "")) if found.group(1) else None
        unit = (found.group(2) or found.group(3) or "").strip() or None
        return Quantity(limit if limit is not None else 0.0, unit, False, True, limit)
    found = _BELOW.match(text)
    if found:
        limit = float(found.group(1).replace(",", ""))
        return _with_multiplier(Quantity(limit, found.group(2) or None, False, True, limit))
    found = _COUNT.match(text)
    if found:
        count, each = int(found.group(1)), float(found.group(2).replace(",", ""))
        if count > 0:
            return _with_multiplier(Quantity(count * each, found.group(3) or None, False, count=count, each=each))
    match = _NUMBER.match(text)
    if not match:
        return None
    number = float(match.group(2).replace(",", ""))
    unit = match.group(4) or None
    if unit and unit[0].isdigit():
        return None       # "12 15" or "1-2": not one number
    if unit and "(" in unit:  # 2400 t（财务采购台账：…）: a note in brackets after the unit is the team's, not the unit's
        unit = unit.split("(", 1)[0].strip() or None
    return _with_multiplier(Quantity(number, unit, bool(match.group(1) or match.group(3))))


def _with_multiplier(found: Quantity) -> Quantity:
    """1.9万 with the unit in its own column is 19 000 of that unit; 万t stays a unit (the converter knows it)."""
    factor = MULTIPLIERS.get((found.unit or "").strip())
    if factor is None:
        return found
    scale = lambda v: v * factor if v is not None else None  # noqa: E731
    return Quantity(found.value * factor, None, found.approximate, found.below_detection,
                    scale(found.detection_limit), found.count, scale(found.each), found.unit.strip())


def per_year(unit: str) -> str | None:
    """The unit of an annual quantity written per year (m2/a → m2, 万米/年 → 万米, t/yr → t); None otherwise."""
    match = _PER_YEAR.match(unicodedata.normalize("NFKC", unit).strip())
    if match and match.group(1).strip():
        return match.group(1).strip()
    return None


def yes_no(value: Any) -> bool | None:
    """True/False for a yes/no answer in either language (是、有、已建、√ …), None when it is not one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip().casefold()
    for candidate in (text, _QUALIFIER.sub("", text).strip(), re.split(r"[,，;；、\s]", text)[0]):
        if candidate in _YES:
            return True
        if candidate in _NO:
            return False
    return None
