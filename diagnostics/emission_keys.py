"""The keys a monitoring team writes beside an emission figure, read as what they say: the stack's own flue-gas flow
(标干风量, often in 万m³/h) and operating hours, the monitoring point in the words of a monitoring report (出口,
进口, 厂界, 厂区内, 未注明), the basis a concentration is expressed on (NMHC as carbon, NOx as NO₂), and the
stack number, source and remarks, kept as the team wrote them.

A figure that carries its own flow and hours gives its own load (potential.measured_load sums the stacks); an inlet
figure is what enters the treatment, not what leaves, so it is read as generated, never as an emission to limit.
"""

from __future__ import annotations

from typing import Any

from .names import fold

# survey.md fields are in survey_format.EMISSION_FIELDS; these are read here
TEAM_FIELDS = frozenset({"flow", "hours_per_year", "stack", "source", "basis", "note"})
FLOW_UNIT = "m**3/hour"
# the same keys as teams name them in Chinese or in other words -> the key read here (or survey.md's `point`)
_ALIASES = {"flow": ("标干风量", "风量", "排气量", "烟气量", "标干排气量", "flow_rate", "exhaust_flow", "gas_flow"),
            "hours_per_year": ("年运行小时", "年运行小时数", "运行小时", "运行时间", "operating_hours", "hours"),
            "point": ("监测点位", "点位", "监控位置", "监测位置", "monitoring_point"),
            "stack": ("排气筒", "排气筒编号", "排口编号", "stack_id"),
            "source": ("数据来源", "来源"),
            "basis": ("计量基准", "以何计")}
_ALIAS_OF = {fold(a).replace("_", ""): key for key, names in _ALIASES.items() for a in names}
_FLOW_FALLBACK = "m3/h"   # a bare number of flow: the unit monitoring reports use (标干风量, m³/h)

# point words -> point of survey.md ("outlet" of a flue-gas figure is the stack); inlet and unknown are kinds apart
_POINTS = {"outlet": "outlet", "出口": "outlet", "排口": "outlet", "排放口": "outlet", "stack": "stack",
           "inlet": "inlet", "进口": "inlet", "入口": "inlet", "治理设施进口": "inlet",
           "boundary": "boundary", "厂界": "boundary", "fenceline": "boundary",
           "in_plant": "in-plant", "inplant": "in-plant", "厂区内": "in-plant",
           "unknown": "unknown", "未注明": "unknown", "不明": "unknown", "未知": "unknown"}
_POINT_KEYS = {fold(k).replace("_", "").replace("-", ""): v for k, v in _POINTS.items()}

# the basis a concentration is expressed on, and the one the engine and the limits take for that pollutant
_BASES = {"asc": "C", "以碳计": "C", "c": "C", "asno2": "NO2", "以二氧化氮计": "NO2", "以no2计": "NO2", "no2": "NO2"}
_BASIS_OF = {"nmhc": "C", "nox": "NO2"}   # GB 38508/HJ 38: NMHC as carbon; HJ 693: NOx as NO₂


def canonical_keys(raw: dict) -> dict:
    """The emission line with a team's own key names (标干风量, 监测点位, 运行小时) under the keys read here; a key
    written both ways keeps the canonical one, and the other is left to be warned about as unknown."""
    out = dict(raw)
    for key in raw:
        target = _ALIAS_OF.get(fold(str(key)).replace("_", "")) if isinstance(key, str) else None
        if target and target not in out:
            out[target] = out.pop(key)
    return out


def team_point(written: Any) -> str | None:
    """A monitoring point written in a report's words (outlet, 进口, in_plant): outlet, inlet, boundary, in-plant,
    unknown or stack; None when the words are not such a point."""
    if not isinstance(written, str):
        return None
    return _POINT_KEYS.get(fold(written).replace("_", "").replace("-", "").replace(" ", ""))


def read_flow(reader: Any, raw: dict, path: str) -> float | None:
    """The stack's flue-gas flow in m³/h: {value, unit} (万m³/h read as 10⁴ m³/h), a number with its unit ("6万m3/h"),
    or a bare number (read as m³/h, said)."""
    written = raw.get("flow")
    if written is None:
        return None
    unit = None
    if isinstance(written, dict):
        value, unit = written.get("value"), written.get("unit")
    else:
        value = written
    found = reader.quantity(value, f"{path}.flow")
    if found is None:
        return None
    unit = unit or found[1]
    if not unit:
        reader.warn(f"{path}.flow", f"flow {found[0]:g} has no unit: read as m³/h (标干风量); write the unit.",
                    f"风量 {found[0]:g} 未写单位：按 m³/h（标干风量）读取；请写明单位。")
        unit = _FLOW_FALLBACK
    try:
        return reader.units.conversion(str(unit), FLOW_UNIT).apply(found[0])
    except Exception:  # noqa: BLE001 - UnitProblem or an unreadable unit: said, the figure keeps no flow
        reader.error(f"{path}.flow.unit", f"flow unit {unit!r} is not a volume per time; write m3/h or 万m3/h.",
                     f"风量单位“{unit}”不是单位时间的体积；请填 m3/h 或 万m3/h。")
        return None


def read_hours(reader: Any, raw: dict, path: str) -> float | None:
    """The stack's operating hours per year (1–8784 h)."""
    if raw.get("hours_per_year") is None:
        return None
    hours = reader.number(raw["hours_per_year"], f"{path}.hours_per_year")
    if hours is not None and not 0 < hours <= 8784:
        reader.error(f"{path}.hours_per_year", f"{hours:g} h is not a year's operating hours (0 < h ≤ 8784).",
                     f"{hours:g} h 不是一年的运行小时数（应在 0 与 8784 之间）。")
        return None
    return hours


def check_basis(reader: Any, raw: dict, pollutant: str | None, path: str) -> None:
    """A basis the engine reads the same way (NMHC as carbon, NOx as NO₂) passes in silence; another is said, since
    the figure is still compared and counted as the limits express it."""
    written = raw.get("basis")
    if written is None or pollutant is None:
        return
    basis = _BASES.get(fold(str(written)).replace("_", "").replace(" ", ""))
    expected = _BASIS_OF.get(pollutant.rsplit("/", 1)[-1])
    if basis is not None and basis == expected:
        return
    shown = {"C": "以碳计", "NO2": "以二氧化氮计"}.get(expected or "", "")
    reader.warn(f"{path}.basis", f"basis {written!r} is not the one the limits use for this pollutant"
                                 f"{' (' + expected + ')' if expected else ''}: the figure is read as written.",
                f"计量基准“{written}”不是限值对该污染物采用的基准{('（' + shown + '）') if shown else ''}：数值按原样读取。")
