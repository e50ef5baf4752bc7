"""Administrative places a requirement set is scoped to (`places: [浙江省, 江苏省无锡市]`), read against the national
division codes (GB/T 2260, the adcodes table of the `cpca` package) so that a misspelt or ambiguous place is an
error at build time, not a standard that silently binds nobody.

A place is written as official full names from the province down, each inside the one before: 浙江省,
江苏省无锡市, 浙江省湖州市长兴县. It compiles to the significant part of its division code (2 digits for a
province, 4 for a city, 6 for a county), which the engine compares with the code of the survey's place.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import metadata


@lru_cache(maxsize=1)
def divisions() -> dict[str, tuple[str, ...]]:
    """official full name -> the 12-digit codes of the divisions of that name; empty when cpca is missing."""
    try:
        path = metadata.distribution("cpca").locate_file("cpca/resources/adcodes.csv")
        with open(path, encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (metadata.PackageNotFoundError, OSError):
        return {}
    by_name: dict[str, list[str]] = {}
    for row in rows:
        by_name.setdefault(row["name"], []).append(row["adcode"])
    return {name: tuple(sorted(codes)) for name, codes in by_name.items()}


def code_prefix(code: str) -> str:
    """The significant part of a 12-digit division code: 2 digits (province), 4 (city) or 6 (county)."""
    for width in (2, 4, 6):
        if code[width:].strip("0") == "":
            return code[:width]
    return code[:6]


def _split(text: str, table: dict[str, tuple[str, ...]]) -> list[str] | None:
    """The text cut into official names, longest first from the left; None when some part names nothing."""
    parts, i = [], 0
    while i < len(text):
        for j in range(len(text), i, -1):
            if text[i:j] in table:
                parts.append(text[i:j])
                i = j
                break
        else:
            return None
    return parts


def resolve_place(text: object) -> tuple[str | None, str | None]:
    """(code prefix, None) for a well-written place, or (None, what is wrong and how to write it)."""
    table = divisions()
    if not isinstance(text, str) or not text.strip():
        return None, f"a place is a name such as 浙江省 or 江苏省无锡市, not {text!r}."
    if not table:
        return None, "the GB/T 2260 division table (package cpca) is not installed, so places cannot be checked."
    parts = _split(text.strip(), table)
    if not parts:
        return None, (f"{text!r} is not a division of GB/T 2260 written in full from the province down "
                      "(浙江省, 江苏省无锡市, 浙江省湖州市长兴县); a basin or key region goes in `basins`/`regions`.")
    chosen = {code_prefix(c) for c in table[parts[0]]}
    for name in parts[1:]:
        inside = {code_prefix(c) for c in table[name] if any(c.startswith(p) for p in chosen)}
        if not inside:
            return None, f"{name!r} is not inside {''.join(parts[:parts.index(name)])!r} in GB/T 2260."
        chosen = inside
    if len(chosen) != 1:
        return None, f"{text!r} names {len(chosen)} divisions; write it with its province and city."
    return next(iter(chosen)), None
