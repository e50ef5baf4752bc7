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


def abatement_cost_curve(steps: list[dict], x_title: str, y_title: str) -> dict | None:
    """A marginal abatement cost curve: each measure at an enterprise a bar as wide as the tonnes it removes a year
    and as high as its cost per tonne, cheapest first (steps carry `cumulative_t_per_a`, `t_per_a`, `yuan_per_t`)."""
    if not steps:
        return None
    values = [{"label": s["label"], "x": s["cumulative_t_per_a"] - s["t_per_a"], "x2": s["cumulative_t_per_a"],
               "y": s["yuan_per_t"]} for s in steps]
    return {"$schema": SCHEMA, "width": 460, "height": 240, "config": _config(), "data": {"values": values},
            "mark": {"type": "rect", "stroke": "white", "strokeWidth": 0.5, "color": BLUE},
            "encoding": {"x": {"field": "x", "type": "quantitative", "title": x_title}, "x2": {"field": "x2"},
                         "y": {"field": "y", "type": "quantitative", "title": y_title}, "y2": {"datum": 0},
                         "tooltip": [{"field": "label", "type": "nominal"},
                                     {"field": "y", "type": "quantitative", "title": y_title, "format": ",.0f"}]}}


VEGA_SCHEMA = "https://vega.github.io/schema/vega/v5.json"
FLOW_COLOURS = ["#3b73b9", "#e08a2c", "#4f9d69", "#b05fa6", "#c0392b", "#7f8c8d", "#b7a03b", "#2aa7a0", "#8e6c3a"]


def park_flows(flows: list[tuple[str, str, float, str]], outside: set[str], legend_title: str) -> dict | None:
    """A Sankey diagram of one unit's flows (source, target, amount, resource label), drawn as a Vega spec: nodes
    stacked in two columns (sources left, receivers and fates right), ribbons as cubic Bézier paths whose width is the
    amount. Vega has no Sankey layout, so the geometry is computed here; `outside` names the nodes (外购, 排空 …)
    that are not enterprises, drawn grey."""
    flows = [f for f in flows if f[2] > 0]
    if not flows:
        return None
    left = list(dict.fromkeys(f[0] for f in flows))
    right = list(dict.fromkeys(f[1] for f in flows))
    total = sum(f[2] for f in flows)
    gap, node_w, width, thinnest = 10.0, 12.0, 560.0, 2.0
    height = max(160.0, 24.0 * max(len(left), len(right)) + 120)
    scale = (height - gap * (max(len(left), len(right)) - 1)) / total
    widths = [max(f[2] * scale, thinnest) for f in flows]   # a small flow beside a river of effluent stays visible

    def stack(names: list[str], side: int) -> dict[str, list[float]]:
        y, out = 0.0, {}
        for name in names:
            size = sum(w for f, w in zip(flows, widths) if f[side] == name)
            out[name] = [y, size, y]   # top, height, next free y for ribbons
            y += size + gap
        return out
    lpos, rpos = stack(left, 0), stack(right, 1)
    x0, x1 = 150.0, width - 150.0
    links, nodes = [], []
    for (src, dst, amount, resource), w in zip(flows, widths):
        ya, yb = lpos[src][2], rpos[dst][2]
        lpos[src][2] += w
        rpos[dst][2] += w
        xa, xb, xm = x0 + node_w, x1, (x0 + node_w + x1) / 2
        d = (f"M{xa:.1f},{ya:.1f}C{xm:.1f},{ya:.1f} {xm:.1f},{yb:.1f} {xb:.1f},{yb:.1f}"
             f"L{xb:.1f},{yb + w:.1f}C{xm:.1f},{yb + w:.1f} {xm:.1f},{ya + w:.1f} {xa:.1f},{ya + w:.1f}Z")
        links.append({"d": d, "resource": resource, "tip": f"{src} → {dst}: {amount:,.6g} ({resource})"})
    for names, pos, x, align, dx in ((left, lpos, x0, "right", -6), (right, rpos, x1, "left", node_w + 6)):
        for name in names:
            top, size, _ = pos[name]
            nodes.append({"x": x, "y": top, "h": max(size, 1.0), "label": name, "tx": x + dx, "ty": top + size / 2,
                          "align": align, "outside": name in outside})
    resources = list(dict.fromkeys(f[3] for f in flows))
    text = {"font": {"value": FONT_STACK}, "fontSize": {"value": 12}}
    return {"$schema": VEGA_SCHEMA, "width": width, "height": height, "padding": 8, "background": "white",
            "config": {"legend": {"labelFont": FONT_STACK, "titleFont": FONT_STACK, "labelFontSize": 12,
                                  "titleFontSize": 12, "labelLimit": 320}},
            "data": [{"name": "links", "values": links}, {"name": "nodes", "values": nodes}],
            "scales": [{"name": "colour", "type": "ordinal", "domain": resources,
                        "range": (FLOW_COLOURS * (len(resources) // len(FLOW_COLOURS) + 1))[:len(resources)]}],
            "legends": [{"fill": "colour", "title": legend_title, "orient": "bottom", "direction": "vertical"}],
            "marks": [
                {"type": "path", "from": {"data": "links"}, "encode": {"enter": {
                    "path": {"field": "d"}, "fill": {"scale": "colour", "field": "resource"},
                    "fillOpacity": {"value": 0.55}, "tooltip": {"field": "tip"}}}},
                {"type": "rect", "from": {"data": "nodes"}, "encode": {"enter": {
                    "x": {"field": "x"}, "y": {"field": "y"}, "width": {"value": node_w}, "height": {"field": "h"},
                    "fill": {"signal": "datum.outside ? '#9e9e9e' : '#34495e'"}}}},
                {"type": "text", "from": {"data": "nodes"}, "encode": {"enter": {
                    "x": {"field": "tx"}, "y": {"field": "ty"}, "text": {"field": "label"}, "align": {"field": "align"},
                    "baseline": {"value": "middle"}, **text}}}]}


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
    if spec.get("$schema") == VEGA_SCHEMA:
        return vl_convert.vega_to_svg(spec)
    return vl_convert.vegalite_to_svg(spec)


def to_png(spec: dict, scale: float = 2.0) -> bytes:
    """The chart as a PNG at `scale` × its CSS size (2 × prints sharply at the width of an A4 text column)."""
    import vl_convert

    _ensure_fonts()
    if spec.get("$schema") == VEGA_SCHEMA:
        return vl_convert.vega_to_png(spec, scale=scale)
    return vl_convert.vegalite_to_png(spec, scale=scale)
