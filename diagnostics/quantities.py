"""How the values audit teams type are read: numbers with their unit in the cell ("9%", "12 t/a", "约1,200"),
yes/no answers in either language, and per-year units (m2/a, 万米/年) for annual quantities.
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


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str | None       # the unit written in the cell after the number, if any
    approximate: bool      # written with 约 / 左右 / ≈


def read_quantity(value: Any) -> Quantity | None:
    """A number as typed, with a unit after it when there is one; None when the text is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Quantity(float(value), None, False)
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).replace("，", ",")
    match = _NUMBER.match(text)
    if not match:
        return None
    number = float(match.group(2).replace(",", ""))
    unit = match.group(4) or None
    if unit and unit[0].isdigit():
        return None       # "12 15" or "1-2": not one number
    return Quantity(number, unit, bool(match.group(1) or match.group(3)))


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
