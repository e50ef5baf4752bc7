"""Keys a park audit team writes beside the facts: the site's coordinates (`site: {lat, lon}`), a receiver's
hazardous-waste business permit (its number and approved scope). Read here so that the matching in symbiosis.py
can use them; each is documented in diagnostics/survey.md.
"""

from __future__ import annotations

from functools import lru_cache

from typing import TYPE_CHECKING, Any

from .hw_codes import parse_scope, scope_text
from .knowledge import normalise

if TYPE_CHECKING:
    from .survey import Enterprise, SurveyReader

FACT = "https://w3id.org/cpkb/id/fact/"
BASIS = FACT + "hw-receipt-basis"
SITE_KEYS = frozenset({"site", "location", "coordinates", "坐标", "厂址", "厂址坐标", "厂区坐标"})
_LAT = {normalise(k) for k in ("lat", "latitude", "纬度", "北纬")}
_LON = {normalise(k) for k in ("lon", "lng", "longitude", "经度", "东经")}
_PERMIT = {normalise(k) for k in ("hw_permit_no", "hw_permit_number", "hw_licence_no", "hw_license_no",
                                  "危险废物经营许可证编号", "危废经营许可证编号", "危废许可证编号", "经营许可证编号")}
_SCOPE = {normalise(k) for k in ("hw_permit_scope", "hw_licence_scope", "hw_license_scope", "核准经营类别",
                                 "危险废物经营类别", "危废许可类别", "许可经营类别", "核准经营范围", "危废经营范围")}
_NONE = {normalise(k) for k in ("无", "没有", "无证", "未取得", "none", "no", "n/a", "-", "—", "/", "否")}


def read_site(reader: "SurveyReader", ent: "Enterprise", site: Any, path: str) -> None:
    """`site: {lat, lon}` (also 纬度/经度), decimal degrees: the same as the facts 纬度 and 经度."""
    if site is None:
        return
    if not isinstance(site, dict):
        reader.error(path, "site is {lat: …, lon: …} in decimal degrees (WGS84), e.g. {lat: 34.50, lon: 119.30}.",
                     "site 应写为 {lat: 纬度, lon: 经度}（十进制度数，WGS84），如 {lat: 34.50, lon: 119.30}。")
        return
    for key, value in site.items():
        name = normalise(str(key))
        which, low, high = (("latitude", -90, 90) if name in _LAT else ("longitude", -180, 180) if name in _LON
                            else (None, 0, 0))
        if which is None:
            reader.warn(f"{path}.{key}", "unknown site field, ignored; allowed: lat, lon (纬度, 经度).",
                        "未知的坐标字段，已忽略；可用：lat（纬度）、lon（经度）。")
            continue
        number = reader.number(value, f"{path}.{key}", allow_negative=True)
        if number is None:
            continue
        if not low <= number <= high:
            reader.error(f"{path}.{key}", f"{which} {number:g} is outside {low}…{high} decimal degrees.",
                         f"{'纬度' if which == 'latitude' else '经度'} {number:g} 超出 {low}…{high} 度的范围。")
            continue
        ent.facts[FACT + which] = number


@lru_cache(maxsize=1 << 12)   # every enterprise of a survey writes the same few fact keys
def _permit_name(key: str) -> str:
    return normalise(key)


def take_permit_keys(reader: "SurveyReader", ent: "Enterprise", facts: dict, path: str) -> dict:
    """The facts without the permit keys read here: a permit number answers 接收危险废物的依据 (持证, or 无 where it
    says none); the approved scope is kept for matching the offer's code."""
    rest = {}
    for key, value in facts.items():
        name = _permit_name(key) if type(key) is str else normalise(str(key))
        if name in _PERMIT:
            held = value is not None and normalise(str(value)) not in _NONE and str(value).strip() != ""
            ent.facts.setdefault(BASIS, ("licence",) if held else ("none",))
            if held:
                ent.hw_permit["number"] = str(value).strip()
        elif name in _SCOPE and value is not None and str(value).strip():
            scope = parse_scope(value)
            if not scope:
                reader.warn(f"{path}.{key}", f"{value!r} names no category (HWnn) or code (nnn-nnn-nn); the permit's "
                                             "scope is left unknown.",
                            f"“{value}”未写出危险废物类别（HWnn）或代码（nnn-nnn-nn）；许可范围按未知处理。")
                continue
            ent.hw_permit.update(scope=scope, written=str(value), place=reader._place(f"{path}.{key}"),
                                 scope_zh=scope_text(scope))
            ent.facts[BASIS] = ("licence",)
        else:
            rest[key] = value
    return rest
