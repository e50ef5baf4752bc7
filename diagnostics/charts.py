"""The report's charts as Vega-Lite specifications, drawn by vl-convert: SVG for pages, PNG for Word.

One specification serves both, so the chart in the browser and the one in the Word report are the same chart. The
PNG is rasterised with the CJK font the project ships (fonts/CPKBSansSC-Regular.otf, a subset of Noto Sans CJK SC),
so a machine without any Chinese font still draws every label; the SVG names the same font first and the page
serves it (web: /static/fonts), with the usual system CJK fonts after it.
"""

from __future__ import annotations

import threading
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILE = FONT_DIR / "CPKBSansSC-Regular.otf"
FONT_FAMILY = "CPKB Sans SC"
FONT_STACK = f"'{FONT_FAMILY}', 'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', sans-serif"
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
BLUE, LIGHT, RED = "#3b73b9", "#9fbfe6", "#c0392b"
LEVEL_COLOURS = ["#1e7b4a", "#4f9d69", "#b7a03b", "#c0392b", "#999999"]

_lock = threading.Lock()
_fonts_registered = False


def _config() -> dict:
    return {"font": FONT_STACK, "view": {"stroke": None}, "axis": {"labelFontSize": 12, "titleFontSize": 12,
            "labelLimit": 260}, "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
            "background": "white"}


def level_distribution(levels: list[tuple[str, int]], axis_title: str) -> dict | None:
    """Enterprises per cleaner-production level, one bar per level in the order I, II, III, below III, not rated."""
    if not levels:
        return None
    order = [name for name, _ in levels]
    return {"$schema": SCHEMA, "width": 420, "height": 220, "config": _config(),
            "data": {"values": [{"level": name, "count": count} for name, count in levels]},
            "layer": [
                {"mark": {"type": "bar", "width": {"band": 0.6}},
                 "encoding": {"x": {"field": "level", "type": "nominal", "sort": order, "title": None,
                                    "axis": {"labelAngle": 0}},
                              "y": {"field": "count", "type": "quantitative", "title": axis_title,
                                    "axis": {"tickMinStep": 1, "format": "d"}},
                              "color": {"field": "level", "type": "nominal", "sort": order, "legend": None,
                                        "scale": {"range": LEVEL_COLOURS[:len(order)]}}}},
                {"mark": {"type": "text", "dy": -8, "fontSize": 12},
                 "encoding": {"x": {"field": "level", "type": "nominal", "sort": order},
                              "y": {"field": "count", "type": "quantitative"}, "text": {"field": "count"}}}]}


def issue_prevalence(issues: list[tuple[str, float, float | None]], threshold: float, enterprises_title: str,
                     output_title: str, axis_title: str) -> dict | None:
    """Each key issue's share of enterprises and of output (grouped bars, per cent) with the threshold as a rule."""
    if not issues:
        return None
    order = [name for name, _, _ in issues]
    values = []
    for name, share, output in issues:
        values.append({"problem": name, "measure": enterprises_title, "share": share})
        if output is not None:
            values.append({"problem": name, "measure": output_title, "share": output})
    return {"$schema": SCHEMA, "width": 440, "config": _config(),
            "data": {"values": values},
            "layer": [
                {"mark": "bar",
                 "encoding": {"y": {"field": "problem", "type": "nominal", "sort": order, "title": None},
                              "yOffset": {"field": "measure", "sort": [enterprises_title, output_title]},
                              "x": {"field": "share", "type": "quantitative", "title": axis_title,
                                    "scale": {"domain": [0, 1]}, "axis": {"format": ".0%"}},
                              "color": {"field": "measure", "type": "nominal", "title": None,
                                        "sort": [enterprises_title, output_title],
                                        "scale": {"range": [BLUE, LIGHT]}}}},
                {"data": {"values": [{"t": threshold}]}, "mark": {"type": "rule", "color": RED, "strokeDash": [4, 3]},
                 "encoding": {"x": {"field": "t", "type": "quantitative"}}}],
            "height": {"step": 13}}


def reduction_ranges(rows: list[tuple[str, float, float]], axis_title: str) -> dict | None:
    """Reduction per pollutant as a range bar (low to high, t/a); pollutants without any reduction are left out."""
    rows = [(name, low, high) for name, low, high in rows if (high or 0) > 0 or (low or 0) > 0]
    if not rows:
        return None
    order = [name for name, _, _ in rows]
    return {"$schema": SCHEMA, "width": 420, "height": {"step": 26}, "config": _config(),
            "data": {"values": [{"pollutant": n, "low": lo, "high": hi} for n, lo, hi in rows]},
            "layer": [
                {"mark": {"type": "bar", "color": LIGHT},
                 "encoding": {"y": {"field": "pollutant", "type": "nominal", "sort": order, "title": None},
                              "x": {"field": "high", "type": "quantitative", "title": axis_title}}},
                {"mark": {"type": "bar", "color": BLUE},
                 "encoding": {"y": {"field": "pollutant", "type": "nominal", "sort": order},
                              "x": {"field": "low", "type": "quantitative"}}},
                {"mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 11},
                 "encoding": {"y": {"field": "pollutant", "type": "nominal", "sort": order},
                              "x": {"field": "high", "type": "quantitative"},
                              "text": {"signal": "format(datum.low, '.3~g') + '～' + format(datum.high, '.3~g') + ' t/a'"}}}]}


def _ensure_fonts() -> None:
    global _fonts_registered
    with _lock:
        if not _fonts_registered:
            import vl_convert

            vl_convert.register_font_directory(str(FONT_DIR))
            _fonts_registered = True


def to_svg(spec: dict) -> str:
    """The chart as SVG text (labels stay text, in the font stack above)."""
    import vl_convert

    _ensure_fonts()
    return vl_convert.vegalite_to_svg(spec)


def to_png(spec: dict, scale: float = 2.0) -> bytes:
    """The chart as a PNG at `scale` × its CSS size (2 × prints sharply at the width of an A4 text column)."""
    import vl_convert

    _ensure_fonts()
    return vl_convert.vegalite_to_png(spec, scale=scale)
