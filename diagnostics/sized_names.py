"""Equipment and technique names as audit teams write them, with the count and size of the units in the name
(3×130t/h循环流化床锅炉, 2×42孔4.3m顶装焦炉, B12MW背压机, Φ2.6×13m球磨×2（开路）, 燃煤有机热载体炉2.8MW), and
several techniques joined in one name (SCR+湿法脱硫, 布袋+湿电, RTO/RCO): the name without its figures, the
figures read, and the parts of a joined name. Reading only; survey.py resolves the names and fills the facts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_NUMBER = r"\d+(?:\.\d+)?"
# units of size written in equipment names, longest first (so that 万t/a is not read as t, nor mm as m)
_UNITS = ("万吨/年", "万t/a", "万t/年", "吨/小时", "吨/时", "t/h", "t/d", "吨/天", "吨/日", "蒸吨", "Nm3/h", "m3/h",
          "平方米", "立方米", "m³", "m3", "m²", "m2", "㎡", "MVA", "MW", "kW", "kA", "kV", "mm", "孔", "吨", "t", "米", "m")
_UNIT = "|".join(re.escape(u) for u in _UNITS)
# a count before the name (3×, 2 x, 2台) and a model code before a size (B12MW, CB25MW, C6MW, N300MW)
_LEAD_COUNT = re.compile(rf"^\s*(\d+)\s*(?:[×xX*]|台|套|座)\s*(?=[A-Za-zΦφ\d])")
_LEAD_SIZE = re.compile(rf"^\s*(?:[A-Z]{{1,3}}(?=\d))?([Φφ])?\s*({_NUMBER})\s*({_UNIT})?(?![A-Za-z])"
                        rf"(?:\s*[×xX*]\s*({_NUMBER})\s*({_UNIT})(?![A-Za-z]))?\s*")
# a count after the name, before a closing qualifier in brackets (球磨×2（开路）, 烧结机3台)
_TRAIL_COUNT = re.compile(r"\s*(?:[×xX*]\s*(\d+)\s*(?:台|套|座|条)?|(\d+)\s*(?:台|套|座|条))\s*(?=(?:[（(].*[）)])?\s*$)")
_TRAIL_SIZE = re.compile(rf"(?<=[^\d.\sA-Za-z×xX*])\s*({_NUMBER})\s*({_UNIT})\s*$")
# names joined in one cell: + ＋ always; / only between names, never inside a unit (t/h, m3/h, 万t/a)
_JOIN = re.compile(r"\s*\+\s*|(?<![\d万])(?<![\d万][A-Za-z])(?<!\d[A-Za-z]{2})\s*/\s*(?![\d])")


@dataclass(frozen=True)
class Size:
    value: float
    unit: str
    role: str = "size"        # size | diameter | length

    def text(self) -> str:
        return f"{self.value:g} {self.unit}"


@dataclass(frozen=True)
class SizedName:
    written: str
    name: str                             # the name without its figures
    count: int | None = None
    sizes: tuple[Size, ...] = field(default_factory=tuple)

    @property
    def read(self) -> bool:
        """Whether anything was read off the name."""
        return self.count is not None or bool(self.sizes)


def sized_name(written: str) -> SizedName:
    """The count and sizes written around an equipment name, and the name left; nothing read when the name left
    would be under two characters or only figures (a bare 130t/h is a figure, not a name)."""
    text = unicodedata.normalize("NFKC", written).strip()
    count: int | None = None
    sizes: list[Size] = []
    rest = text
    found = _LEAD_COUNT.match(rest)
    if found:
        count = int(found.group(1))
        rest = rest[found.end():]
    while True:
        found = _LEAD_SIZE.match(rest)
        if not found:
            break
        diameter, value, unit, second, second_unit = found.groups()
        if not (unit or second_unit) or (not unit and not diameter):
            break   # a bare number (1760圆网) is part of the name; Φ2.6×13m takes the length's unit
        unit = unit or second_unit
        sizes.append(Size(float(value), unit, "diameter" if diameter else "size"))
        if second:
            sizes.append(Size(float(second), second_unit, "length" if diameter else "size"))
        rest = rest[found.end():]
    found = _TRAIL_COUNT.search(rest)
    if found and count is None:
        count = int(found.group(1) or found.group(2))
        rest = rest[:found.start()] + rest[found.end():]
    found = _TRAIL_SIZE.search(rest)
    if found:
        sizes.append(Size(float(found.group(1)), found.group(2)))
        rest = rest[:found.start()]
    rest = rest.strip(" ，,、…")
    if rest == text or len(rest) < 2 or not re.search(r"[^\d\W]", rest):
        return SizedName(written, written)
    if count == 0:
        count = None
    return SizedName(written, rest, count, tuple(sizes))


def joined_parts(written: str) -> list[str]:
    """The names of a cell that joins several with + ＋ or / (SCR+湿法脱硫, RTO/RCO); one part when none does."""
    text = unicodedata.normalize("NFKC", written)
    return [p.strip() for p in _JOIN.split(text) if p.strip()]
