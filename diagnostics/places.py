"""Where a survey's region is a province, city or county (浙江省嘉兴市, 嘉善县, 邯郸), finds the key air region and
the river basin it belongs to, from the `places` that kb/shared/regions.yaml lists for each (with their sources).

Administrative names and their hierarchy come from the national division codes (GB/T 2260, as shipped in the
`cpca` package's adcodes table); without that table, provinces and cities named in regions.yaml still resolve.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata

from .knowledge import Knowledge, derived

_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州", "自治县", "地区", "新区",
             "省", "市", "县", "区", "盟", "旗")


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def _divisions() -> dict[str, str]:
    """adcode (12 digits) -> name, from the GB/T 2260 table of the cpca package; empty when it is not installed."""
    try:
        path = metadata.distribution("cpca").locate_file("cpca/resources/adcodes.csv")
        with open(path, encoding="utf-8") as handle:
            return {row["adcode"]: row["name"] for row in csv.DictReader(handle)}
    except (metadata.PackageNotFoundError, OSError, KeyError):
        return {}


def _prefix(code: str) -> str:
    """The significant part of a division code: 2 digits (province), 4 (city) or 6 (county)."""
    for width in (2, 4, 6):
        if code[width:].strip("0") == "":
            return code[:width]
    return code[:6]


@dataclass(frozen=True)
class Place:
    written: str
    names: tuple[str, ...]        # province, city, county as found
    region: str | None            # IRI of the key region it lies in
    basin: str | None
    code: str | None = None       # GB/T 2260 code prefix (2 province, 4 city, 6 county): local standards bind by it

    def as_dict(self, kb: Knowledge) -> dict:
        return {"written": self.written, "as": "".join(self.names), "code": self.code,
                "region": self.region, "region_label": kb.label(self.region) if self.region else None,
                "basin": self.basin, "basin_label": kb.label(self.basin) if self.basin else None}

    def sentence(self, kb: Knowledge) -> dict[str, str]:
        zh = [f"“{self.written}”按{''.join(self.names)}理解"]
        en = [f"{self.written!r} read as {''.join(self.names)}"]
        if self.region:
            zh.append(f"属于重点区域{kb.label(self.region)['zh']}")
            en.append(f"in the key region {kb.label(self.region)['en']}")
        if self.basin:
            zh.append(f"属于{kb.label(self.basin)['zh']}")
            en.append(f"in the {kb.label(self.basin)['en']}")
        return {"zh": "，".join(zh) + "（依据知识库所录重点区域、流域的范围及其出处）。",
                "en": "; ".join(en) + " (from the places kb/shared/regions.yaml lists, with their sources)."}


class PlaceIndex:
    """Administrative places and the key regions and basins that list them."""

    def __init__(self, kb: Knowledge):
        self.kb = kb
        self.codes = _divisions()
        self.by_name: dict[str, set[str]] = {}
        for code, name in self.codes.items():
            for form in {name, _short(name)}:
                if len(form) >= 2:
                    self.by_name.setdefault(form, set()).add(code)
        self.members: list[tuple[str, str, str]] = []     # (kind, IRI, code prefix or plain name)
        for kind, table in (("region", kb.regions), ("basin", kb.basins)):
            for iri, row in table.items():
                for place in row.get("places", ()):
                    code = self._code(place)
                    self.members.append((kind, iri, _prefix(code) if code else _short(place)))

    def _code(self, text: str) -> str | None:
        """The most specific division code a text names, consistent with every other name it contains."""
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
        found: list[set[str]] = []
        i = 0
        while i < len(text):  # longest names first, left to right
            for j in range(len(text), i + 1, -1):
                codes = self.by_name.get(text[i:j])
                if codes:
                    found.append(codes)
                    i = j
                    break
            else:
                i += 1
        if not found:
            return None
        chosen = found[0]
        for codes in found[1:]:  # each further name narrows to those inside what came before
            inside = {c for c in codes if any(c.startswith(_prefix(p)) for p in chosen)}
            chosen = inside or chosen
        if len(chosen) > 1:  # 邯郸 is the city before the county of the same name
            top = min(len(_prefix(c)) for c in chosen)
            chosen = {c for c in chosen if len(_prefix(c)) == top}
        return next(iter(chosen)) if len(chosen) == 1 else None

    def _path(self, code: str) -> tuple[str, ...]:
        prefix = _prefix(code)
        names = []
        for width in (2, 4, 6):
            if len(prefix) >= width:
                name = self.codes.get(prefix[:width].ljust(12, "0"))
                if name and name not in names:
                    names.append(name)
        return tuple(names)

    def locate(self, written: str) -> Place | None:
        """The place a text names and the key region and basin it lies in; None when no place is recognised."""
        code = self._code(written)
        if code is not None:
            prefix = _prefix(code)
            hits = {kind: iri for kind, iri, member in self.members
                    if member.isdigit() and prefix.startswith(member)}
            return Place(written, self._path(code), hits.get("region"), hits.get("basin"), prefix)
        plain = {kind: iri for kind, iri, member in self.members if not member.isdigit() and member in written}
        if plain:
            return Place(written, (written,), plain.get("region"), plain.get("basin"))
        return None


def places_for(kb: Knowledge) -> PlaceIndex:
    """The place index of a knowledge base, built once per loaded knowledge base."""
    return derived(kb, "_place_index", PlaceIndex)
