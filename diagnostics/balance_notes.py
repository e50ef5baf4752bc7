"""What a solvent balance adds to a baseline row: the balance itself beside a reported or measured figure
(monitoring comes first, 排污许可管理办法 art. 36, but an auditor reads both); the material lines it sums; that it is
an upper bound when a removal is not recorded (a blank is not zero, survey.md); that it is not computable when a
line's content is unknown; and the floor the wholly volatile lines (thinner, cleaning solvent) give, said where it
passes the reported or measured figure — which is kept, never replaced."""

from __future__ import annotations

from .knowledge import Knowledge
from .material_lines import LinesSum, lines_words
from .survey import Enterprise
from .units import UnitConverter

REMOVALS = ("annual-solvent-recovered", "annual-vocs-destroyed")   # recorded removals (kb facts) a floor subtracts
_HOW = {"reported": ("填报", "reported"), "measured": ("实测推算", "measured")}


def balance_notes(kb: Knowledge, units: UnitConverter, ent: Enterprise, pollutant: str, row: dict,
                  balance: dict | None) -> None:
    """Adds `balance`, `lines`, `lower_bound` and `notes` [{zh, en}] to the row as they apply."""
    lines: LinesSum | None = ent.model.lines.get(pollutant)
    notes = []
    if row["how"] in _HOW and balance is not None:
        row["balance"] = {k: balance[k] for k in ("t_per_a", "how", "formula_labels", "inputs", "bound") if k in balance}
        if lines is not None and lines.lines and not lines.missing:
            row["balance"]["lines"] = lines_words(lines, "t/a")
    if row["how"] == "balance" and lines is not None and lines.lines and not lines.missing:
        row["lines"] = lines_words(lines, "t/a")
    upper = row if row["how"] == "balance" else row.get("balance")
    if upper and upper.get("bound") == "upper":
        notes.append(_upper_note(kb, upper))
    if lines is not None and lines.missing:
        notes.append(_not_computable_note(kb, pollutant, lines))
    if lines is not None and lines.foreign:
        notes.append({"zh": "该记录可能属于其他行业，其原料（如溶剂）可能随产品带出而非使用中挥发：未作物料衡算，也不给溶剂下限。",
                      "en": "The record may be of another sector, whose materials (solvents) may leave in the product "
                            "rather than evaporate in use: no balance and no solvent floor is given."})
    floor = _floor(ent, lines)
    if floor is not None and row["how"] in _HOW and floor[0] > row["t_per_a"]:
        row["lower_bound"] = {"t_per_a": floor[0], "lines": lines_words(_solvent_only(lines), "t/a"),
                              "removals_recorded": floor[1]}
        notes.append(_floor_note(kb, pollutant, row, floor, lines))
        ent.model.floors[pollutant] = {"t_per_a": floor[0], "figure": row["t_per_a"], "how": row["how"],
                                       "zh": notes[-1]["zh"], "en": notes[-1]["en"]}
    if notes:
        row["notes"] = notes


def _solvent_only(lines: LinesSum) -> LinesSum:
    return LinesSum(lines.solvent, [ln for ln in lines.lines if ln in _solvent_lines(lines)], [])


def _solvent_lines(lines: LinesSum) -> list[dict]:
    from .material_lines import WHOLE

    return [ln for ln in lines.lines if ln["fraction"] >= WHOLE]


def _floor(ent: Enterprise, lines: LinesSum | None) -> tuple[float, float] | None:
    """The wholly volatile lines' pollutant less the removals the survey records, and those removals."""
    if lines is None or not _solvent_lines(lines):
        return None
    removed = 0.0
    for iri, value in ent.facts.items():
        if iri.rsplit("/", 1)[-1] in REMOVALS and isinstance(value, (int, float)) and not isinstance(value, bool):
            removed += float(value)
    return max(lines.solvent - removed, 0.0), removed


def _upper_note(kb: Knowledge, balance: dict) -> dict:
    absent = [i.get("labels") or kb.label(i["source"]) for i in balance.get("inputs", []) if i.get("absent")]
    zh, en = "、".join(a["zh"] for a in absent), ", ".join(a["en"] for a in absent)
    return {"zh": f"调查未填报{zh}，物料衡算未扣除（未填报不等于零）：{balance['t_per_a']:.4g} t/a 是排放量的上限。",
            "en": f"{en} not reported, so not subtracted (a blank is not zero): {balance['t_per_a']:.4g} t/a is an "
                  "upper bound of the emission."}


def _not_computable_note(kb: Knowledge, pollutant: str, lines: LinesSum) -> dict:
    name = kb.label(pollutant)
    zh_missing, en_missing = "、".join(lines.missing), ", ".join(lines.missing)
    known = f"含量已知的物料合计 {lines.total:.4g} t/a，只是投入量的下限" if lines.lines else "没有含量已知的物料"
    known_en = f"the lines of known content bring {lines.total:.4g} t/a, a floor of the input only" if lines.lines \
        else "no line has a known content"
    return {"zh": f"物料衡算不可计算：{zh_missing}的{name['zh']}含量未知（调查未给出，知识库也无有来源的典型值）；{known}。",
            "en": f"Solvent balance not computable: the {name['en']} content of {en_missing} is unknown (not in the "
                  f"survey, and the knowledge base holds no sourced typical value); {known_en}."}


def _floor_note(kb: Knowledge, pollutant: str, row: dict, floor: tuple[float, float], lines: LinesSum) -> dict:
    name = kb.label(pollutant)
    how_zh, how_en = _HOW[row["how"]]
    words = lines_words(_solvent_only(lines), "t/a")
    ratio = lines.solvent / row["t_per_a"] if row["t_per_a"] > 0 else None
    times_zh = f"，为{how_zh}值 {row['t_per_a']:.4g} t/a 的 {ratio:.1f} 倍" if ratio else ""
    times_en = f", {ratio:.1f} times the {how_en} {row['t_per_a']:.4g} t/a" if ratio else ""
    removed_zh = f"扣除已填报的回收、去除量 {floor[1]:.4g} t/a 后" if floor[1] else "调查未填报回收、去除量；除非另有记录，"
    removed_en = f"less the removals reported ({floor[1]:.4g} t/a)" if floor[1] else \
        "no removal is reported; unless one is recorded,"
    return {"zh": f"仅全部挥发的溶剂类物料（{words['zh']}）即带入{name['zh']} {lines.solvent:.4g} t/a{times_zh}；"
                  f"{removed_zh}排放量不低于 {floor[0]:.4g} t/a（下限）。{how_zh}值保留未改，请核实。",
            "en": f"The wholly volatile solvent lines alone ({words['en']}) bring {lines.solvent:.4g} t/a of "
                  f"{name['en']}{times_en}; {removed_en} the emission is at least {floor[0]:.4g} t/a (a lower bound). "
                  f"The {how_en} figure is kept; please check."}
