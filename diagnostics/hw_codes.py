"""Hazardous-waste codes of the 国家危险废物名录 and the permit scope a receiver's licence covers.

A code is the category HWnn and the eight-digit waste code nnn-nnn-nn whose last two digits repeat the category
(HW34 261-058-34); a survey may write either part, in any case. A permit's approved scope is written in words
(HW34（261-057-34、900-349-34）综合利用 2.0万t/a): a category with codes in brackets covers only those codes, a
category alone covers the whole category. Words the scope adds (不含卤代溶剂) are kept as a note, not read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_CATEGORY = re.compile(r"HW\s*(\d{2})", re.IGNORECASE)
_CODE = re.compile(r"(?<!\d)(\d{3})-(\d{3})-(\d{2})(?!\d)")
_WHOLE = re.compile(r"^\s*(?:HW\s*(\d{2}))?\s*[:：,，/]?\s*(?:(\d{3})-(\d{3})-(\d{2}))?\s*$", re.IGNORECASE)
FORMAT_ZH = "《国家危险废物名录》格式：类别 HWnn 加废物代码 nnn-nnn-nn，代码末两位与类别一致（如 HW34 261-058-34）"
FORMAT_EN = ("the format of the National Catalogue of Hazardous Wastes: category HWnn and waste code nnn-nnn-nn whose "
             "last two digits repeat the category (e.g. HW34 261-058-34)")


@dataclass(frozen=True)
class HwCode:
    category: str              # HW34
    code: str | None = None    # 261-058-34, when written

    def __str__(self) -> str:
        return f"{self.category} {self.code}" if self.code else self.category


class HwCodeProblem(ValueError):
    """A hazardous-waste code that does not follow the catalogue's format, said in both languages."""

    def __init__(self, written: str, why_en: str, why_zh: str):
        super().__init__(f"hazardous-waste code {written!r}: {why_en}; write it in {FORMAT_EN}.")
        self.zh = f"危险废物代码“{written}”{why_zh}；请按{FORMAT_ZH}填写。"


def parse_code(written: object) -> HwCode:
    """HwCode of a written code (HW34 261-058-34, hw06 900-402-06, 261-058-34, HW34); HwCodeProblem when malformed."""
    text = unicodedata.normalize("NFKC", str(written)).strip()
    found = _WHOLE.fullmatch(text)
    if not text or not found or not (found.group(1) or found.group(2)):
        raise HwCodeProblem(text, "is not a category and code", "不是类别加代码")
    category, *code = found.groups()
    if code[0] is None:
        return HwCode(f"HW{category}")
    if category and category != code[2]:
        raise HwCodeProblem(text, f"the code ends in {code[2]} but the category is HW{category}",
                            f"的代码末两位为{code[2]}，与类别HW{category}不一致")
    return HwCode(f"HW{code[2]}", "-".join(code))


def parse_scope(written: object) -> dict[str, frozenset[str] | None]:
    """The categories a permit's approved scope covers: HWnn -> the codes listed for it, or None for all of it."""
    text = unicodedata.normalize("NFKC", str(written))
    scope: dict[str, frozenset[str] | None] = {}
    marks = list(_CATEGORY.finditer(text))
    for k, mark in enumerate(marks):
        category = f"HW{mark.group(1)}"
        tail = text[mark.end():marks[k + 1].start() if k + 1 < len(marks) else len(text)]
        listed = re.match(r"\s*\(([^()]*)\)", tail)
        codes = {"-".join(c) for c in _CODE.findall(listed.group(1))} if listed else set()
        codes = {c for c in codes if c.endswith(category[2:])}
        if not codes:
            scope[category] = None
        elif category not in scope or scope[category] is not None:
            scope[category] = frozenset(codes | set(scope.get(category) or ()))
    for code in _CODE.findall(text):   # a code written without its category
        category = f"HW{code[2]}"
        if category not in scope:
            scope[category] = frozenset({"-".join(code)})
    return scope


def covers(scope: dict[str, frozenset[str] | None], code: HwCode) -> bool | None:
    """Whether a permit scope covers a waste: True, False, or None where only the category is known and the
    scope lists some codes of it (the code must be checked)."""
    if code.category not in scope:
        return False
    listed = scope[code.category]
    if listed is None:
        return True
    return code.code in listed if code.code else None


def scope_text(scope: dict[str, frozenset[str] | None]) -> str:
    """A scope in the catalogue's words: HW34（261-057-34、261-058-34）、HW06."""
    return "、".join(c if scope[c] is None else f"{c}（{'、'.join(sorted(scope[c]))}）" for c in sorted(scope))
