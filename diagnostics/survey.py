"""Reads a survey (shared/spec/survey.md) from JSON, YAML, an Excel workbook or CSV, validates it and resolves
every name against the knowledge base. Every problem is collected, each with its place; nothing raises a
traceback at the user.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import orjson
import yaml

from cpkb.kb.store import Store

from .enterprise_model import EnterpriseModel
from .knowledge import LEVELS, Knowledge, knowledge_for, normalise, pollutant_media, water_pollutants
from .survey_format import (DIRECTIONS, EMISSION_FIELDS, EMISSION_POINTS, ENTERPRISE_FIELDS, INDICATOR_FIELDS, MATERIAL_FIELDS,
                            OUTPUT_FIELDS, PILOT_TYPES, PROCESS_FIELDS, PROPERTY_FIELDS, SCOPE_FIELDS, STAGES,
                            STREAM_FIELDS, SURVEY_VERSION, TOP_FIELDS, SurveyError, SurveyProblem)
from .limits import SurveyLimits, shown
from .line_plans import LinePlans
from .choices import class_answer, discharge_route, match_choice, route_answer, route_facts
from .concentration import MOLAR_VOLUME_L_PER_MOL, from_ppm, is_volume_fraction
from .consumption_facts import consumption_facts
from .emission_keys import TEAM_FIELDS, canonical_keys, check_basis, read_flow, read_hours, team_point
from .sewer_plant import take_plant_keys
from .wastewater_keys import (annual_wastewater, inlet_note, stormwater, take_team_keys, take_water_class,
                              wastewater_line)
from .names import SurveyMatcher, fold, matcher_for
from .park_keys import SITE_KEYS, read_site, take_permit_keys
from .stream_amounts import COMMITTED_KEYS, HOURS_KEYS, committed_part, stream_hours
from .stream_qualities import read_qualities
from .places import places_for
from .quantities import Quantity, per_year, read_quantity, yes_no
from .safe_load import check_tree, load_json_bytes, load_yaml
from .sized_names import Size, joined_parts, sized_name
from .units import Conversion, UnitConverter, UnitProblem, converter_for
from .workbook import read_csv, read_workbook, split_techniques

__all__ = ["SURVEY_VERSION", "Enterprise", "Survey", "SurveyError", "SurveyProblem", "SurveyReader", "level_name",
           "parse_document", "read_survey"]

_LEVEL_WORDS = {"i": "I", "1": "I", "ⅰ": "I", "ii": "II", "2": "II", "ⅱ": "II", "iii": "III", "3": "III", "ⅲ": "III",
                "none": None, "不达标": None, "below": None, "0": None}


@dataclass
class Enterprise:
    """One enterprise's facts, names resolved to IRIs and values converted to the knowledge base's units."""

    id: str
    index: int
    name: str | None = None
    output: float | None = None                              # in the sector product's unit, when convertible
    output_unit: str | None = None
    processes: dict[str, set[str]] = field(default_factory=dict)   # process IRI -> technique IRIs
    techniques: set[str] = field(default_factory=set)
    complete_processes: set[str] = field(default_factory=set)     # processes whose technique list is complete
    lists_complete: bool = False                                    # every technique list is complete (scope)
    indicators: dict[str, list[tuple[Any, str | None]]] = field(default_factory=dict)  # IRI -> [(value, process)]
    materials: dict[str, dict] = field(default_factory=dict)        # IRI -> {value, unit, properties{IRI: (v, unit)}}
    emissions: list[dict] = field(default_factory=list)
    streams: list[dict] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)             # fact IRI -> value
    warnings: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)               # products as written (free text)
    product_iris: list[str] = field(default_factory=list)           # the knowledge base's products they name
    output_written: list[dict] = field(default_factory=list)        # outputs in another measure, kept uncounted
    notes: list[str] = field(default_factory=list)                  # remarks written among the facts (备注)
    unresolved: list[tuple[str, str, str | None]] = field(default_factory=list)  # (kind, name kept, process IRI)
    routes: list[tuple[str, str, str]] = field(default_factory=list)   # discharge route read: (route, text, place)
    consumptions: list[dict] = field(default_factory=list)  # material lines with an amount: {written, value, unit, …}
    set_apart: dict[str, dict] = field(default_factory=dict)   # idle / other-sector: not counted in prevalence
    sector: str | None = None   # its own sector when `sector:` names another of the knowledge base (read and judged by it)
    wastewater: list[dict] = field(default_factory=list)   # emissions lines `废水` read as m³/a (wastewater_keys)
    flow_keys: dict[str, tuple] = field(default_factory=dict)   # daily/monthly flow, months run (wastewater_keys)
    own_route: str | None = None   # direct / indirect as the enterprise itself wrote it (discharge_mode, 纳管)
    water_class: tuple[str, str] | None = None   # (GB 3838 class i…v, as written): its own, else the scope's
    sized: list[dict] = field(default_factory=list)   # equipment written with count and size: what was read
    model: EnterpriseModel = field(default_factory=EnterpriseModel)  # context, derived values, limits (prepare.py)
    hw_permit: dict = field(default_factory=dict)   # hazardous-waste permit: number, scope {HWnn: codes|None} (park_keys)

    def has_unresolved_process(self) -> bool:
        """Whether a process name was kept as written: any process the knowledge names may be that one."""
        return any(kind == "process" for kind, _, _ in self.unresolved)


@dataclass
class Survey:
    scope: dict[str, Any]
    enterprises: list[Enterprise]
    problems: list[SurveyProblem]
    warnings: list[SurveyProblem]
    knowledge: Knowledge
    units: UnitConverter
    unresolved: list[dict] = field(default_factory=list)       # names kept as written, with suggestions
    units_understood: list[dict] = field(default_factory=list)  # every unit written and how it was read
    names_applied: list[dict] = field(default_factory=list)     # names the survey's name map resolved or ignored

    @property
    def invalid_ids(self) -> set[str]:
        return {p.enterprise for p in self.problems if p.enterprise}


LARGEST_QUANTITY = 1e20  # 1e20 of any unit is beyond every real survey quantity, and its conversions stay finite

# ---------------------------------------------------------------------- parsing

def parse_document(data: bytes, filename: str, limits: SurveyLimits | None = None) -> tuple[Any, dict[str, str]]:
    """The raw survey mapping and a map from field paths to workbook cells (empty for JSON/YAML).

    Reading is bounded by `limits` (the declared settings by default): see diagnostics/safe_load.py."""
    limits = limits or SurveyLimits.from_settings()
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        raw, cells = read_workbook(data, limits)
    elif suffix == ".csv":
        raw, cells = read_csv(data)
    elif suffix == ".json":
        raw, clean = load_json_bytes(data, filename, limits)
        check_tree(raw, {}, filename, limits, clean)
        return raw, {}
    elif suffix not in (".yaml", ".yml"):
        raise SurveyError([SurveyProblem(filename, f"unsupported file type {suffix or '(none)'!r}: "
                                         "give a .json, .yaml, .xlsx (the cpkb template) or .csv survey.", None,
                                         f"不支持的文件类型 {suffix or '（无）'}：请提供 .json、.yaml、.xlsx（cpkb 模板）"
                                         "或 .csv 调查表。", True)])
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SurveyError([SurveyProblem(filename, "the file is not UTF-8 text; save it as UTF-8.", None,
                                             "文件不是 UTF-8 文本；请另存为 UTF-8。", True)]) from None
        raw, cells = load_yaml(text, filename, limits), {}
    check_tree(raw, cells, filename, limits)
    return raw, cells


def read_survey(data: bytes, filename: str, store: Store, knowledge: Knowledge | None = None,
                names: dict | list | None = None) -> Survey:
    """Parse and validate a survey. Raises SurveyError only when nothing can be diagnosed (syntax, no sector, no
    enterprises), with every problem of the one pass; other problems are returned in Survey.problems so that the
    caller can set them aside. `names`: a name map confirmed by the user (`cpkb names`)."""
    raw, cells = parse_document(data, filename)
    knowledge = knowledge or knowledge_for(store)
    return SurveyReader(knowledge, cells, names).read(raw)


# ---------------------------------------------------------------------- validation

_NOTE_KEYS = {"备注", "说明", "注", "附注", "remark", "remarks", "note", "notes", "comment", "comments"}
_OUTLETS = (("车间排口", "workshop-outlet"), ("车间排放口", "workshop-outlet"), ("车间或生产设施排放口", "workshop-outlet"),
            ("总排口", "total-outlet"), ("总排放口", "total-outlet"), ("废水总排", "total-outlet"),
            ("厂区内", "in-plant"), ("厂内监控点", "in-plant"), ("厂内无组织", "in-plant"),   # GB 37822 附录A, not 厂界
            ("排气筒", "stack"), ("烟囱", "stack"), ("厂界", "boundary"))


def _about_water(label: str) -> bool:
    """Whether an indicator counts water (水耗, 取水量), where tonnes and cubic metres are used alike; 水泥 is cement."""
    return "水" in (label or "").replace("水泥", "")


def _bigrams(names: list[str]) -> set[str]:
    """The two-character Chinese pieces of names in their folded form (锅炉, 机组, 焦炉)."""
    out: set[str] = set()
    for name in names:
        key = fold(name)
        out.update(key[i:i + 2] for i in range(len(key) - 1) if not key[i:i + 2].isascii())
    return out


def _blank(value: Any) -> bool:
    """An empty cell: nothing, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def _outlet(written: Any) -> str | None:
    """The monitoring point a survey names where a process is asked (车间排口 → workshop-outlet)."""
    if not isinstance(written, str):
        return None
    return next((point for word, point in _OUTLETS if word in written), None)


# a place written in a team's own words matches a process only when the name says it clearly (names.py scores)
PLACE_SCORE = 0.7
PLACE_MARGIN = 0.1
# words that say what kind of monitoring point an unknown place is: off-gas of a stack, effluent of an outlet
_AIR_PLACE = (("烟气", "尾气", "废气", "排气", "地面站", "烟囱", "排放口", "出口", "焚烧炉", "除尘器后"), ("stack",))
_WATER_PLACE = (("出水", "排水", "废水", "外排", "排放口", "出口"), ("total-outlet", "workshop-outlet"))
_POINT_ZH = {"stack": "排气筒", "total-outlet": "废水总排放口", "workshop-outlet": "车间或生产设施排放口"}
_BRACKET = re.compile(r"[（(][^）)]*[）)]")   # 催化再生烟气（实测O2 3.8%）: the note says nothing of the place
_IGNORE = {"忽略", "ignore", "ignored", "-", "—", "skip", "跳过", "不适用", "n/a"}
# facts that say a record does not count: idle the whole year (停产), or of another sector (误报)
_STATUS_KEYS = {**{normalise(k): "idle" for k in (
    "idle_whole_year", "idle", "idle_all_year", "idle_year", "shut_down", "shutdown", "not_operating",
    "out_of_operation", "全年停产", "停产", "全年停运", "停运", "停产整改", "关停", "已关停", "全年未生产", "全年停工",
    "是否停产", "是否全年停产")},
    **{normalise(k): "other_sector" for k in (
        "other_sector", "not_in_sector", "out_of_sector", "wrong_sector", "非本行业", "其他行业", "不属于本行业",
        "不属本行业", "行业不符", "误报", "是否误报")}}
# a key whose answer names the status (operating_status: 停产) rather than answering yes/no
_STATUS_FIELDS = {normalise(k) for k in ("operating_status", "status", "运行状态", "生产状态", "生产情况", "经营状态",
                                         "运营状态", "企业状态")}
_KIND_ZH = {"sector": "行业", "process": "工序", "technique": "工艺/装备", "indicator": "指标", "material": "材料",
            "property": "属性", "pollutant": "污染物", "region": "区域", "basin": "流域", "resource": "资源",
            "fact": "事实", "product": "产品", "pilot_type": "试点类型", "choice": "选项", "quality": "品质参数"}
_OWN_POLLUTANTS = {normalise(k).replace("_", "") for k in ("characteristic_pollutants", "特征污染物", "pollutants")}
MAX_PLACES = 20   # places listed per unresolved name or unit; `count` says how many there were
SUBSECTOR_FACT = "enterprise-subsector"   # a sector's question which of its subsectors a plant is (agri-food)


_ENTERPRISE_KEYS = ENTERPRISE_FIELDS | SITE_KEYS | _NOTE_KEYS   # site: {lat, lon}; remarks kept as notes


class SurveyReader:
    """Validates a raw survey mapping; collects problems instead of stopping at the first, and keeps every name it
    cannot resolve as written (a warning, listed in `unresolved` with suggestions), never refusing the survey."""

    def __init__(self, knowledge: Knowledge, cells: dict[str, str] | None = None,
                 names: dict | list | None = None):
        self.kb = knowledge
        self.units = converter_for(knowledge)
        self.matcher = SurveyMatcher(matcher_for(knowledge))   # each name resolved once per survey
        self.cells = cells or {}
        self.problems: list[SurveyProblem] = []
        self.warnings: list[SurveyProblem] = []
        self.sector: str | None = None
        self._enterprise: str | None = None
        self.scope_facts: dict[str, Any] = {}
        self.water_class: tuple[str, str] | None = None   # the receiving water's class the scope gives
        self.lists_complete = False
        self._single: dict[tuple, str | None] = {}     # (kind, name, sector or None) -> IRI, or None when unresolved
        self.unresolved: dict[tuple[str, str], dict] = {}
        self.units_seen: dict[tuple[str, str], dict] = {}
        self.name_map: dict[tuple[str | None, str], str | None] = {}
        self.names_applied: dict[tuple[str, str], dict] = {}
        self.units_of_unresolved: dict[tuple[str, str], set[str]] = {}   # units written with an unresolved indicator
        self._map_source = "names"
        self.notes_taken = 0          # names noted as unresolved: a line that notes one is not planned
        self.heard: list | None = None   # units understood while a line is learnt (line_plans.py)
        self.converted_by: Conversion | None = None   # the conversion convert() last applied
        self._plans: dict[str | None, LinePlans] = {}   # per sector: a line's reading depends on the sector
        self._subsector_facts: dict[str | None, str | None] = {}   # sector -> its subsector question's fact
        if names is not None:
            self.add_names(names, "--names")

    @property
    def plans(self) -> LinePlans:
        """The line plans of the sector names are read in now (an enterprise of another sector has its own)."""
        found = self._plans.get(self.sector)
        if found is None:
            found = self._plans[self.sector] = LinePlans(self)
        return found

    # -- problems

    def _place(self, path: str) -> str:
        cell = self.cells.get(path)
        return f"{path} ({cell})" if cell else path

    def error(self, path: str, message: str, zh: str | None = None, fatal: bool = False) -> None:
        self.problems.append(SurveyProblem(self._place(path), message, self._enterprise, zh, fatal))

    def warn(self, path: str, message: str, zh: str | None = None) -> None:
        self.warnings.append(SurveyProblem(self._place(path), message, self._enterprise, zh))

    # -- the survey's own name map (names: section, or `cpkb diagnose --names`)

    def add_names(self, names: Any, where: str) -> None:
        """Entries `written: target` (target a label or IRI; null, 忽略 or ignore to leave a name out), or the list
        that `cpkb names` writes ({name, kind, use})."""
        if isinstance(names, dict) and "names" in names and isinstance(names.get("names"), list):
            names = names["names"]
        if isinstance(names, dict):
            items = [(None, k, v) for k, v in names.items()]
        elif isinstance(names, list):
            items = []
            for i, entry in enumerate(names):
                if not isinstance(entry, dict) or "name" not in entry:
                    self.error(f"{where}[{i}]", "each entry is {name, kind, use}.", "每项应写作 {name, kind, use}。")
                    continue
                items.append((entry.get("kind"), entry["name"], entry.get("use")))
        else:
            self.error(where, "a name map is a mapping of written name to knowledge-base name (or null to ignore).",
                       "名称对照表应为“原写法: 知识库名称”的映射（写 null 或 忽略 表示不用）。")
            return
        for kind, written, target in items:
            if not isinstance(written, str) or not written.strip():
                continue
            if isinstance(target, str) and target.strip().casefold() in _IGNORE:
                target = None
            if target is not None and not isinstance(target, str):
                self.error(f"{where}.{written}", f"the name to use must be text, got {target!r}.",
                           f"对照的名称应为文字，实际为 {target!r}。")
                continue
            self.name_map[(kind, written.strip())] = target.strip() if isinstance(target, str) else None

    def _mapped(self, kind: str, name: str) -> tuple[bool, str | None]:
        for key in ((kind, name), (None, name)):
            if key in self.name_map:
                return True, self.name_map[key]
        return False, None

    # -- names

    def resolve(self, kind: str, name: Any, path: str, sector_only: bool = False) -> str | None:
        """IRI of a concept named by IRI, label or alternative name. A name that resolves to nothing (or to
        several concepts) is kept as written: a warning, and a row of `unresolved` with the closest names."""
        if not isinstance(name, str) or not name.strip():
            self.error(path, f"expected the name of a {kind}, got {name!r}.",
                       f"此处应填{_KIND_ZH.get(kind, kind)}名称，实际为 {name!r}。")
            return None
        key = (kind, name, self.sector if sector_only else None)
        if key in self._single:  # names recur across enterprises: answer at once
            iri = self._single[key]
            if iri is None:
                self._note_unresolved(kind, name, path)
            return iri
        sector = self.sector if sector_only else None
        mapped, target = self._mapped(kind, name.strip())
        if mapped:
            iri = self.matcher.resolve(kind, target, sector) if target else None
            self.names_applied[(kind, name)] = {"name": name, "kind": kind, "as": iri,
                                                "label": self.kb.label(iri) if iri else None}
            if target and iri is None:   # the name itself may still be known (PU漆 mapped to a missing 聚氨酯涂料)
                own = self.matcher.resolve(kind, name, sector)
                said = (f"read by its own name as {self.kb.label(own)['en']!r}", f"按原名称读作“{self.kb.label(own)['zh']}”") \
                    if own else ("the name is kept as written", "按原写法保留")
                self.warn(path, f"the name map sends {name!r} to {target!r}, which is not a {kind} of the knowledge "
                                f"base; {said[0]}.",
                          f"名称对照表把“{name}”对应到“{target}”，但知识库中没有这个{_KIND_ZH.get(kind, kind)}；{said[1]}。")
            if iri is not None or target is None:   # an ignored name is neither resolved nor warned about
                self._single[key] = iri
                return iri
        iri = self.matcher.resolve(kind, name, sector)
        self._single[key] = iri
        if iri is None:
            self._note_unresolved(kind, name, path)
        return iri

    def _note_unresolved(self, kind: str, name: str, path: str) -> None:
        mapped, target = self._mapped(kind, name.strip())
        if mapped and target is None:
            return  # ignored by the name map
        self.notes_taken += 1
        entry = self.unresolved.get((kind, name))
        if entry is None:
            entry = self.unresolved[(kind, name)] = {"name": name, "kind": kind, "places": [], "count": 0,
                                                      "enterprises": set()}
        entry["count"] += 1
        if len(entry["places"]) < MAX_PLACES:
            entry["places"].append(self._place(path))
        if self._enterprise:
            entry["enterprises"].add(self._enterprise)

    def unresolved_table(self) -> list[dict]:
        """The names kept as written, with where they are, how many enterprises wrote them and suggestions."""
        sector_kinds = {"process", "technique", "indicator", "material", "property", "product"}
        rows = []
        for (kind, name), entry in self.unresolved.items():
            sector = self.sector if kind in sector_kinds or kind == "fact" else None
            suggestions = self.matcher.suggest(kind, name, sector, limit=10, neighbours=False)  # what a map can use
            units = self.units_of_unresolved.get((kind, name))
            if units:   # an indicator the written unit cannot be converted to is no answer (kWh/m² is not L/m²)
                suggestions = [s for s in suggestions if self._takes_units(s.iri, units)]
            suggestions = suggestions[:5]
            rows.append({"name": name, "kind": kind, "kind_label": {"zh": _KIND_ZH.get(kind, kind), "en": kind},
                         "places": entry["places"], "count": entry["count"],
                         "enterprises": len(entry["enterprises"]),
                         "enterprise_ids": sorted(entry["enterprises"])[:MAX_PLACES],
                         "suggestions": [s.as_dict() for s in suggestions]})
        rows.sort(key=lambda r: (-r["enterprises"], -r["count"], r["kind"], r["name"]))
        for row in rows:  # one warning per name, at its first place; `unresolved` lists every place
            closest = "; ".join(f"{s['label']['zh']} ({s['score']:.2f})" for s in row["suggestions"][:3])
            more_en = f" (and {row['count'] - 1} more place(s))" if row["count"] > 1 else ""
            more_zh = f"（另有 {row['count'] - 1} 处）" if row["count"] > 1 else ""
            kind_zh = _KIND_ZH.get(row["kind"], row["kind"])
            self.warnings.append(SurveyProblem(
                row["places"][0],
                f"unknown {row['kind']} {row['name']!r}{more_en}: kept as written; the rules that need it are not "
                f"evaluated. Closest known: {closest or '—'}. Confirm a name in a name map (cpkb names).",
                None,
                f"未知{kind_zh}“{row['name']}”{more_zh}：按原文保留，依赖它的规则不作判断。最接近的：{closest or '无'}。"
                "可在名称对照表中确认（cpkb names）。"))
        return rows

    def _kept(self, ent: Enterprise, kind: str, name: Any, process: str | None = None) -> None:
        if isinstance(name, str) and name.strip():
            ent.unresolved.append((kind, name, process))

    # -- values

    def number(self, value: Any, path: str, allow_negative: bool = False) -> float | None:
        found = self.quantity(value, path, allow_negative)
        return found[0] if found else None

    def quantity(self, value: Any, path: str, allow_negative: bool = False) -> tuple[float, str | None] | None:
        """A number, and the unit written after it in the same cell ("9%", "12 t/a") if any."""
        found = self.reading(value, path, allow_negative)
        return (found.value, found.unit) if found else None

    def reading(self, value: Any, path: str, allow_negative: bool = False) -> Quantity | None:
        """A number as typed (diagnostics/quantities.py), checked, with how it was read said where it was more
        than a number: below the detection limit (未检出, <0.5) or a count of equal units (2×5000t/d)."""
        found = read_quantity(value)
        if found is None:
            self.error(path, f"expected a number, got {value!r}; write a number, optionally with its unit "
                             "(12 t/a, 9%, 1.9万), 未检出/ND or <0.5 below the detection limit, or leave it empty.",
                       f"此处应为数值，实际为 {value!r}；请填数值（可带单位，如 12 t/a、9%、1.9万），低于检出限填 未检出/ND "
                       "或 <0.5，没有数据就留空。")
            return None
        number = found.value
        if math.isnan(number) or math.isinf(number):
            self.error(path, f"expected a finite number, got {value!r}.", f"此处应为有限数值，实际为 {value!r}。")
            return None
        if abs(number) > LARGEST_QUANTITY:  # keeps every later conversion and sum finite (no inf in results)
            self.error(path, f"{number:g} is beyond any survey quantity (at most {LARGEST_QUANTITY:g} in any unit); "
                             "check the value and its unit.",
                       f"{number:g} 超出任何调查数量的范围（任何单位下最多 {LARGEST_QUANTITY:g}）；请检查数值及其单位。")
            return None
        if number < 0 and not allow_negative:
            self.error(path, f"negative quantity {value!r}: survey quantities are ≥ 0 (survey.md, rules for bad input).",
                       f"数量为负（{value!r}）：调查中的数量应 ≥ 0。")
            return None
        unit = f" {found.unit}" if found.unit else ""
        if found.below_detection and found.detection_limit is not None:
            self.warn(path, f"{value!r} is below the detection limit ({found.detection_limit:g}{unit}): read as at most "
                            f"{found.detection_limit:g} and compared as such (a limit at or above it is met; one below "
                            "it cannot be judged).",
                      f"“{value}”低于检出限（{found.detection_limit:g}{unit}）：按不超过 {found.detection_limit:g} 读取并据此比较"
                      "（不低于检出限的限值视为达到，低于检出限的无法判断）。")
        elif found.below_detection:
            self.warn(path, f"{value!r} (not detected): read as below the detection limit, taken as 0 and compared as "
                            "such; write the limit (未检出（<0.5）) where a limit may be lower than it.",
                      f"“{value}”（未检出）：按低于检出限读取，记为 0 并据此比较；如限值可能低于检出限，请写明检出限（如 未检出（<0.5））。")
        elif found.count is not None:
            self.warn(path, f"{value!r} read as {found.count} × {found.each:g} = {number:g}{unit}.",
                      f"“{value}”按 {found.count}×{found.each:g}={number:g}{unit} 读取。")
        elif found.approximate:
            self.warn(path, f"{value!r} read as {number:g} (an approximate figure).", f"“{value}”按 {number:g} 读取（约数）。")
        return found

    def cell_unit(self, column: Any, cell: str | None, path: str) -> Any:
        """The unit of a figure written both in the value's cell (2.8万t) and in the unit column (t/a): the cell's,
        which is nearer the number, where it converts to the column's (万t → t/a as a per-year mass); said when the
        two disagree. Either alone is the unit."""
        if not cell or _blank(column):
            return column if not _blank(column) else cell
        if not isinstance(column, str) or normalise(column) == normalise(cell):
            return column
        annual = per_year(column)
        for candidate in (cell, f"{cell}/a" if annual and not per_year(cell) else None):
            if not candidate:
                continue
            try:
                self.units.conversion(candidate, self.units.expression(column))
                return candidate
            except (UnitProblem, ValueError):
                continue
        self.warn(path, f"the value's cell says {cell!r} and the unit column {column!r}: read in {cell!r}, the unit "
                        "written with the number.",
                  f"数值单元格写的单位是“{cell}”，单位栏是“{column}”：按数值旁的“{cell}”读取。")
        return cell

    def text(self, value: Any, path: str) -> str | None:
        """Free text echoed into the result (title, park, enterprise name): a number is taken as its text,
        a list or mapping is an error (the result schema and every report expect text here)."""
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"{value:g}" if isinstance(value, float) else str(value)
        self.error(path, f"expected text, got {shown(value, 60)}.", f"此处应为文字，实际为 {shown(value, 60)}。")
        return None

    def _understood(self, written: str, as_: str, path: str) -> None:
        entry = self.units_seen.get((written, as_))
        if entry is None:
            entry = self.units_seen[(written, as_)] = {"written": written, "as": as_, "places": [], "count": 0}
        if self.heard is not None:
            self.heard.append((entry, path))
        entry["count"] += 1
        if len(entry["places"]) < MAX_PLACES:
            entry["places"].append(self._place(path))

    def convert(self, value: float, unit: Any, target_unit_iri: str | None, path: str,
                annual: bool = False, water: bool = False) -> float | None:
        """value in `unit` converted to the KB unit; errors for unknown units and wrong dimensions. For an annual
        quantity (`annual`) a per-year unit (m2/a, 万米/年) is read as the quantity of one year; for an amount of
        water (`water`) tonnes and cubic metres are used alike (发电水耗 2.6 kg/kWh is 2.6 m³/MWh), said so."""
        self.converted_by = None
        target = self.units.unit_expression(target_unit_iri)
        if target is None:
            return value
        symbol = self.kb.units[target_unit_iri]["symbol"]
        if unit in (None, ""):
            self.warn(path, f"no unit given; taken as {symbol}.", f"未填单位，按 {symbol} 计。")
            return value
        if not isinstance(unit, str):
            self.error(path + ".unit", f"expected a unit such as {symbol!r}, got {unit!r}.",
                       f"此处应填单位（如 {symbol}），实际为 {unit!r}。")
            return None
        try:
            self.converted_by = self.units.conversion(unit, target)
            converted = self.converted_by.apply(value)
            if not math.isfinite(converted):
                raise UnitProblem(f"{value:g} {shown(unit, 40)} is not a finite quantity once converted",
                                  f"{value:g} {shown(unit, 40)} 换算后不是有限数值")
            self._understood(unit, symbol, path + ".unit")
            return converted
        except UnitProblem as exc:
            base = per_year(unit) if annual else None
            if base:
                try:
                    self.converted_by = self.units.conversion(base, target)
                    converted = self.converted_by.apply(value)
                    self._understood(unit, f"{symbol} (per year)", path + ".unit")
                    return converted
                except UnitProblem:
                    pass
            self.converted_by = None
            if water:
                converted = self._as_water(value, unit, target)
                if converted is not None:
                    self._understood(unit, f"{symbol} (water: 1 t = 1 m³)", path + ".unit")
                    self.warn(path + ".unit", f"{value:g} {unit} of water read as {converted:.4g} {symbol} (1 t of water "
                                              "= 1 m³).", f"水量 {value:g} {unit} 按 1 t = 1 m³ 读作 {converted:.4g} {symbol}。")
                    return converted
            self.error(path + ".unit", f"{exc}; use a unit convertible to {symbol} (survey.md: a unit of the wrong "
                                       "dimension is an error).",
                       f"单位“{unit}”无法换算为 {symbol}（量纲不符或未知单位）；请改用可换算为 {symbol} 的单位。")
            return None

    def _as_water(self, value: float, unit: str, target: str) -> float | None:
        """An amount of water in a mass where a volume is asked (or the other way): 1 t = 1 m³."""
        try:
            expr = self.units.expression(unit)
        except Exception:  # noqa: BLE001 - an unreadable unit is refused by the caller
            return None
        for candidate in (f"({expr}) * meter**3 / tonne", f"({expr}) * tonne / meter**3"):
            try:
                return self.units.conversion(candidate, target).apply(value)
            except (UnitProblem, ValueError):
                continue
        return None

    def _unitless(self, pollutant: str) -> bool:
        return pollutant.rsplit("/", 1)[-1] in ("ph", "ph-value")

    def _may_be_negative(self, unit_iri: str | None) -> bool:
        dimension = str(self.kb.units.get(unit_iri, {}).get("dimension") or "") if unit_iri else ""
        return dimension.startswith("energy")

    def check_unit(self, unit: Any, path: str) -> str | None:
        if not isinstance(unit, str) or not unit.strip():
            self.error(path, "a unit is required here (e.g. t/a, mg/m3, kg/t).", "此处需要单位（如 t/a、mg/m3、kg/t）。")
            return None
        try:
            self.units.dimension_of(unit)
        except UnitProblem as exc:
            self.error(path, f"{exc}. Write it as the knowledge base does (see `cpkb query` on cpkb:Unit) "
                             "or in pint syntax, e.g. t/a, mg/m**3.",
                       f"无法识别的单位“{unit}”；请按知识库的写法（如 t/a、mg/m3）填写。")
            return None
        self._understood(unit, unit, path)
        return unit

    def _percent(self, value: float, written: Any, unit: Any, path: str, what: str) -> None:
        """0 < value < 1 where per cent is expected: both readings are possible; the value is kept as written."""
        if 0 < value < 1 and not (isinstance(written, str) and "%" in written) and unit in (None, "", "%"):
            self.warn(path, f"{what}: {written!r} is read as {value:g} %; if it is a fraction meaning {value * 100:g} %, "
                            f"write {value * 100:g}.",
                      f"{what}：{written!r} 按 {value:g}% 读取；如为小数形式（即 {value * 100:g}%），请填 {value * 100:g}。")

    # -- the survey

    def read(self, raw: Any) -> Survey:
        if not isinstance(raw, dict):
            raise SurveyError([SurveyProblem("(top level)", "a survey is a mapping with cpkb_survey, scope and "
                                             "enterprises (see shared/spec/survey.md).", None,
                                             "调查表应为包含 cpkb_survey、scope 和 enterprises 的映射（见 survey.md）。",
                                             True)])
        version = raw.get("cpkb_survey")
        if version is None:
            self.warn("cpkb_survey", f"no format version given; read as version {SURVEY_VERSION}.",
                      f"未写格式版本，按第 {SURVEY_VERSION} 版读取。")
        elif version != SURVEY_VERSION:
            self.error("cpkb_survey", f"format version must be {SURVEY_VERSION}, got {version!r}.",
                       f"格式版本应为 {SURVEY_VERSION}，实际为 {version!r}。")
        for key in sorted(set(raw) - TOP_FIELDS, key=str):
            self.warn(str(key) if str(key).strip() else repr(key),
                      "unknown top-level field, ignored; a survey has cpkb_survey, scope, names and enterprises.",
                      "未知的顶层字段，已忽略；调查表包含 cpkb_survey、scope、names 和 enterprises。")
        if raw.get("names") is not None:
            self.add_names(raw["names"], "names")
        scope = self.read_scope(raw.get("scope"))
        self.scope_facts = scope.get("facts", {})
        self.water_class = scope.pop("water_class", None)
        self.lists_complete = bool(scope.get("technique_lists_complete"))
        enterprises = self.read_enterprises(raw.get("enterprises"))
        fatal = [p for p in self.problems if p.fatal]
        if fatal:   # every problem found in the one pass is reported, not only the fatal ones
            raise SurveyError(self.problems)
        survey = Survey(scope, enterprises, self.problems, self.warnings, self.kb, self.units)
        survey.unresolved = self.unresolved_table()
        survey.units_understood = [{"written": u["written"], "as": u["as"], "places": u["places"], "count": u["count"]}
                                   for u in self.units_seen.values()]
        survey.names_applied = list(self.names_applied.values())
        return survey

    def read_scope(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.error("scope", "required: a mapping with at least `sector`.", "必填：scope，至少写明 sector（行业）。",
                       fatal=True)
            return {}
        scope: dict[str, Any] = {"title": self.text(raw.get("title"), "scope.title")}
        if "sector" not in raw:
            self.error("scope.sector", "required: the sector of the survey, e.g. 电镀 or electroplating.",
                       "必填：调查的行业，如 电镀。", fatal=True)
        else:
            self.sector = self.matcher.resolve("sector", raw["sector"]) if isinstance(raw["sector"], str) else None
            if self.sector is None:
                shown = "; ".join(s.label["zh"] for s in self.matcher.suggest("sector", str(raw["sector"]), limit=3))
                self.error("scope.sector", f"unknown sector {raw['sector']!r}; closest known: {shown or '—'}.",
                           f"未知行业“{raw['sector']}”；最接近的：{shown or '无'}。", fatal=True)
        scope["sector"] = self.sector
        pilot = raw.get("pilot_type", "sector")
        if pilot not in PILOT_TYPES:
            iri = self.resolve("pilot_type", pilot, "scope.pilot_type")
            pilot = next((k for k in PILOT_TYPES if iri and iri.lower().endswith(k)), None) if iri else None
        scope["pilot_type"] = pilot
        self._read_place(raw, scope)
        scope["park"] = self.text(raw.get("park"), "scope.park")
        if raw.get("year") is not None:
            year = raw["year"]
            if isinstance(year, str) and re.fullmatch(r"\s*\d{4}\s*年?\s*", year):
                year = int(re.sub(r"\D", "", year))
            if isinstance(year, bool) or not isinstance(year, int):
                self.error("scope.year", f"expected a year such as 2024, got {year!r}.", f"年份应写作如 2024，实际为 {year!r}。")
            else:
                if year > dt.date.today().year:
                    self.warn("scope.year", f"year {year} is in the future.", f"年份 {year} 晚于今年。")
                scope["year"] = year
        facts = raw.get("facts") or {}
        chosen = raw.get("pollutants")
        if chosen is None and isinstance(facts, dict):   # 特征污染物 written among the facts: the same list
            key = next((k for k in facts if normalise(str(k)).replace("_", "") in _OWN_POLLUTANTS), None)
            chosen = facts.get(key)
            facts = {k: v for k, v in facts.items() if k != key}
        if isinstance(facts, dict) and raw.get("technique_lists_complete") is None \
                and "technique_lists_complete" in facts:   # the scope's own field, written among the facts
            raw = {**raw, "technique_lists_complete": facts["technique_lists_complete"]}
            facts = {k: v for k, v in facts.items() if k != "technique_lists_complete"}
        scope["pollutants"] = self._read_pollutants(chosen)
        scope["facts"] = {}
        if isinstance(facts, dict):
            facts = take_water_class(self, take_plant_keys(self, facts, scope), scope)
        if not isinstance(facts, dict):
            self.error("scope.facts", "survey-wide facts are a mapping of fact key to answer.",
                       "全调查共用的事实应为“事实: 回答”的映射。")
        else:  # survey-wide answers hold for every enterprise that does not answer for itself
            holder = Enterprise("(scope)", -1)
            for key, value in facts.items():
                self.read_fact(holder, key, value, f"scope.facts.{key}")
            scope["facts"] = {iri: value for iri, value in holder.facts.items()}
        scope["technique_lists_complete"] = self.read_complete(raw.get("technique_lists_complete"),
                                                               "scope.technique_lists_complete")
        for key in sorted(set(raw) - {*SCOPE_FIELDS, "facts"}, key=str):
            self.warn(f"scope.{key}", "unknown scope field, ignored; allowed: title, sector, pilot_type, region, "
                                      "basin, park, year, pollutants, facts, technique_lists_complete.",
                      "未知的范围字段，已忽略；可用：title、sector、pilot_type、region、basin、park、year、pollutants、"
                      "facts、technique_lists_complete。")
        return scope

    def _read_pollutants(self, raw: Any) -> list[str]:
        """The characteristic pollutants the survey chooses itself (a list, or one cell written 'VOCs、NOx'): each
        resolved like any pollutant name; an unknown name is kept as written and warned about, never refused."""
        if raw in (None, "", []):
            return []
        if isinstance(raw, str):
            raw = [n for n in re.split(r"[、,，;；/\n]+", raw) if n.strip()]
        if not isinstance(raw, list):
            self.error("scope.pollutants", f"expected a list of pollutant names such as [VOCs, NOx], got {raw!r}.",
                       f"特征污染物应写作污染物名称的列表，如 [VOCs, NOx]，实际为 {raw!r}。")
            return []
        found: list[str] = []
        for i, name in enumerate(raw):
            iri = self.resolve("pollutant", name.strip() if isinstance(name, str) else name, f"scope.pollutants[{i}]")
            if iri is None and isinstance(name, str) and name.strip():
                self.warn(f"scope.pollutants[{i}]", f"unknown pollutant {name!r}, kept as written and not followed; "
                                                    "see the names kept as written for the closest known names.",
                          f"未知污染物“{name}”，按原写法保留，不纳入特征污染物；最接近的名称见“未识别名称”。")
            elif iri is not None and iri not in found:
                found.append(iri)
        return found

    def _read_place(self, raw: dict, scope: dict) -> None:
        """region / basin by name, or a province, city or county resolved to the key region and basin it lies in."""
        resolved: dict[str, str | None] = {}
        for key in ("region", "basin"):
            written = raw.get(key)
            if written in (None, ""):
                continue
            if not isinstance(written, str):
                self.error(f"scope.{key}", f"expected a name, got {written!r}.", f"此处应填名称，实际为 {written!r}。")
                continue
            hit = self.matcher.resolve_any(key, written)
            if hit and hit[0] == key:
                resolved[key] = hit[1]
                continue
            if hit:   # a basin written as the region, or the reverse: read as what it is unless that field says otherwise
                self._read_crossed_place(key, written, *hit, raw, resolved, scope)
                continue
            place = self.places.locate(written)
            if place is not None and place.code and "place" not in scope:
                scope["place"] = place.as_dict(self.kb)   # a province, city or county: local standards bind by it
            if place is not None and place.code and not (place.region or place.basin):
                scope[f"{key}_written"] = written
                self.warn(f"scope.{key}", f"{written!r} read as {''.join(place.names)}, inside no key region or basin of "
                                          "the knowledge base: its local standards apply; no regional figures.",
                          f"“{written}”按{''.join(place.names)}理解，不在知识库所录任何重点区域或流域之内：按该地的地方标准"
                          "判断，不计算区域减排潜力。")
                continue
            if place is None or not (place.region or place.basin):
                scope[f"{key}_written"] = written
                self.warn(f"scope.{key}", f"{written!r} is neither a key region or basin of the knowledge base nor a "
                                          "place inside one; kept as written (no regional figures).",
                          f"“{written}”不是知识库中的重点区域或流域，也不在其范围内；按原文保留（不计算区域减排潜力）。")
                continue
            scope["place"] = place.as_dict(self.kb)
            for found_key, found in (("region", place.region), ("basin", place.basin)):
                if found and found_key not in resolved and raw.get(found_key) in (None, "", written):
                    resolved[found_key] = found
            self.warn(f"scope.{key}", place.sentence(self.kb)["en"], place.sentence(self.kb)["zh"])
        scope.update(resolved)

    def _read_crossed_place(self, key: str, written: str, kind: str, iri: str, raw: dict, resolved: dict,
                            scope: dict) -> None:
        name = self.kb.label(iri)
        what = {"region": ("key region", "重点区域"), "basin": ("basin", "流域")}[kind]
        field = {"region": "区域", "basin": "流域"}
        other = raw.get(kind)
        found = None if other in (None, "", written) else self.matcher.resolve_any(kind, str(other))
        # the other field empty, naming the same place, or itself crossed (region and basin swapped): read this one
        if other in (None, "", written) or found == (kind, iri) or (found and found[0] == key):
            resolved.setdefault(kind, iri)
            self.warn(f"scope.{key}", f"{written!r} is a {what[0]} ({name['en']}), not a {key}: read as the {kind}.",
                      f"“{written}”是{what[1]}（{name['zh']}），不是{field[key]}：已按{field[kind]}读取。")
        else:
            self.warn(f"scope.{key}", f"{written!r} is a {what[0]} ({name['en']}), not a {key}, and scope.{kind} "
                                      "names another: kept as written (no regional figures from it).",
                      f"“{written}”是{what[1]}（{name['zh']}），不是{field[key]}，而“{field[kind]}”栏另有所填："
                      "按原文保留，不据此计算。")
            scope[f"{key}_written"] = written

    @property
    def places(self):
        return places_for(self.kb)

    def read_enterprises(self, raw: Any) -> list[Enterprise]:
        if not isinstance(raw, list) or not raw:
            self._enterprise = None
            self.error("enterprises", "required: a list of at least one enterprise.", "必填：至少一家企业的列表。",
                       fatal=True)
            return []
        seen: dict[str, int] = {}
        out = []
        for i, item in enumerate(raw):
            path = f"enterprises[{i}]"
            self._enterprise = None
            if not isinstance(item, dict):
                self.error(path, "each enterprise is a mapping with at least `id`.", "每家企业应为至少含 id 的映射。")
                continue
            ident = item.get("id")
            if ident is None or (isinstance(ident, str) and not ident.strip()):
                ident = f"#{i + 1}"
                self._enterprise = ident
                self.error(f"{path}.id", "required: an id unique within the survey.", "必填：本调查内唯一的企业编号。")
            ident = str(ident)
            self._enterprise = ident
            if ident in seen:
                self.error(f"{path}.id", f"duplicate enterprise id {ident!r} (also enterprises[{seen[ident]}]).",
                           f"企业编号 {ident!r} 重复（另见 enterprises[{seen[ident]}]）。")
            seen.setdefault(ident, i)
            out.append(self.read_enterprise(item, ident, i, path))
        self._enterprise = None
        return out

    def read_enterprise(self, raw: dict, ident: str, index: int, path: str) -> Enterprise:
        """One enterprise, its names read in its own sector when `sector:` names another one of the knowledge base
        (a slaughterhouse in a dyeing basin survey: 屠宰 is a process of agri-food, not an unknown dyeing name)."""
        name = raw.get("name")
        ent = Enterprise(ident, index, name if type(name) is str else self.text(name, f"{path}.name"))
        survey_sector = self.sector
        self._own_sector(ent, raw.get("sector"), f"{path}.sector")
        self.sector = ent.sector or survey_sector
        try:
            return self._read_enterprise(raw, ent, path)
        finally:
            self.sector = survey_sector

    def _read_enterprise(self, raw: dict, ent: Enterprise, path: str) -> Enterprise:
        allowed = _ENTERPRISE_KEYS
        if not raw.keys() <= allowed:
            for key in sorted(set(raw) - allowed, key=str):
                self.warn(f"{path}.{key}", f"unknown enterprise field, ignored; allowed: "
                                           f"{', '.join(sorted(ENTERPRISE_FIELDS))}.",
                          f"未知的企业字段，已忽略；可用：{'、'.join(sorted(ENTERPRISE_FIELDS))}。")
        plans = self.plans   # each line of a shape read before is given what that line gave (line_plans.py)
        if raw.get("output") is not None:
            plans.output(ent, raw["output"], f"{path}.output")
        for kind, read in (("processes", plans.process), ("indicators", plans.indicator),
                           ("materials", plans.material), ("emissions", plans.emission)):
            lines = self._list(raw, kind, path)
            if lines:
                base = f"{path}.{kind}"
                for j, line in enumerate(lines):
                    read(ent, line, base, j)
        for j, st in enumerate(self._list(raw, "streams", path)):
            self.read_stream(ent, st, f"{path}.streams[{j}]")
        ent.facts.update(self.scope_facts)
        for key in raw.keys() & SITE_KEYS:
            read_site(self, ent, raw[key], f"{path}.{key}")
        ent.notes.extend(str(raw[key]) for key in raw.keys() & _NOTE_KEYS if not _blank(raw[key]))
        ent.lists_complete = self.lists_complete
        ent.water_class = self.water_class
        scoped = dict(ent.facts)
        facts = raw.get("facts") or {}
        if not isinstance(facts, dict):
            self.error(f"{path}.facts", "facts are a mapping of fact key to answer, e.g. {has_cp_manager: true}.",
                       "facts 应为“事实: 回答”的映射，如 {has_cp_manager: 是}。")
        else:
            base = f"{path}.facts"
            for key, value in take_team_keys(self, ent, take_permit_keys(self, ent, facts, base), base).items():
                plans.fact(ent, key, value, base)
        own = {iri for iri, value in ent.facts.items() if iri not in scoped or scoped[iri] != value}
        self._size_facts(ent)
        self._answer_routes(ent, own)
        consumption_facts(self, ent, own)
        annual_wastewater(self, ent)
        self._subsector(ent, raw.get("sector"), path)
        self._say_set_apart(ent, path)
        return ent

    def _own_sector(self, ent: Enterprise, written: Any, path: str) -> None:
        """An enterprise's own `sector` in a basin or park survey of several sectors: one that is not the survey's
        sector sets the record apart (listed and counted in the loads, but not graded by this sector's benchmarks,
        judged by its limits or counted in its prevalence). A sector of the knowledge base, or a product of one
        (啤酒), becomes `ent.sector`: its names, rules and limits are that sector's. An unknown one is said, and the
        enterprise is judged by no sector's standard rather than by the survey's."""
        if _blank(written):
            return
        text = str(written).strip()
        iri = self.matcher.resolve("sector", text)
        if iri is not None and iri == self.sector:
            return
        ent.set_apart["other_sector"] = {"place": self._place(path), "written": f"sector: {written}"}
        product = None if iri else self.matcher.resolve("product", text)
        iri = iri or (self.kb.sector_of.get(product) if product else None)
        if iri == self.sector:   # a product of the survey's own sector is no other sector
            del ent.set_apart["other_sector"]
            return
        ent.sector = iri
        if iri is None:
            near = "、".join(s.label["zh"] for s in self.matcher.suggest("sector", text, None, limit=3))
            near_en = ", ".join(s.label["en"] for s in self.matcher.suggest("sector", text, None, limit=3))
            self.warn(path, f"{text!r} is no sector of the knowledge base{f' (closest: {near_en})' if near_en else ''}: "
                            f"{ent.id} is judged by no sector's discharge standard or rules, not by the survey's; "
                            "write a sector the knowledge base knows to have it judged.",
                      f"“{text}”不是知识库中的行业{f'（最接近：{near}）' if near else ''}：{ent.id}不按任何行业的排放标准和"
                      "诊断规则判断，也不套用本次调查行业的标准；请填写知识库已有的行业名称。")
        elif product:
            label, sector = self.kb.label(product), self.kb.label(iri)
            self.warn(path, f"{text!r} is read as the product {label['en']!r} of {sector['en']}: {ent.id} is read and "
                            f"judged by that sector's knowledge.",
                      f"“{text}”按{sector['zh']}行业的产品“{label['zh']}”读取：{ent.id}按该行业的知识读取和判断。")

    def _answer_routes(self, ent: Enterprise, own: set[str]) -> None:
        """The discharge route an emission's place or fate names (直排口, 总排口（间接排放至园区污水厂）) answers the
        sector's discharge-route facts where the enterprise did not answer them itself."""
        if ent.own_route:   # the enterprise's own word wins over an outlet's name
            ent.routes = [r for r in ent.routes if r[0] == ent.own_route]
        if not ent.routes:
            return
        routes = sorted({route for route, _, _ in ent.routes})
        if len(routes) > 1:
            places = "; ".join(f"{place} {text!r}" for _, text, place in ent.routes[:4])
            self.warn(ent.routes[0][2], f"the survey writes both direct and indirect discharge for this enterprise "
                                        f"({places}); the discharge route is left to its own answer.",
                      f"该企业的排放去向同时写了直接排放和间接排放（{places}）；排放去向按企业自己的回答，不据此推断。")
            return
        route, text, place = ent.routes[0]
        for fact in route_facts(self.kb, self.sector):
            if fact.iri in own:
                continue
            label = self.kb.label(fact.iri)
            names = self.kb.facts[fact.iri]["choice_names"]
            answer = route_answer(fact, route, text, names)
            if answer is None and route == "direct" and ent.water_class:   # GB 13457: graded by the water's class
                answer = class_answer(fact, ent.water_class[0], names)
                text = f"{text}; {ent.water_class[1]}" if answer is not None else text
            if answer is None:
                sides = sorted(fact.sides[route])
                options_en = ", ".join(self._choice_label(fact.iri, c, "en") for c in sides)
                options_zh = "、".join(self._choice_label(fact.iri, c) for c in sides)
                self.warn(place, f"{text!r} says {route} discharge, but “{label['en']}” has several such answers "
                                 f"({options_en}); left unanswered.",
                          f"“{text}”表明{'直接' if route == 'direct' else '间接'}排放，但“{label['zh']}”有多个相应回答"
                          f"（{options_zh}）；按未回答处理。")
                continue
            if fact.datatype == "choice":
                ent.facts[fact.iri] = (answer,)
                shown_zh, shown_en = self._choice_label(fact.iri, answer), self._choice_label(fact.iri, answer, "en")
            else:
                ent.facts[fact.iri] = answer
                shown_zh, shown_en = ("是", "yes") if answer else ("否", "no")
            self.warn(place, f"{text!r} read as the answer “{shown_en}” to “{label['en']}”.",
                      f"“{text}”按“{label['zh']}”的回答“{shown_zh}”读取。")

    def _say_set_apart(self, ent: Enterprise, path: str) -> None:
        """An enterprise idle the whole year, with no output, or of another sector: diagnosed and listed, but not
        counted in the sector's prevalence of problems or its shared key issues (engine.aggregate)."""
        if ent.output == 0 and not ent.output_written and "idle" not in ent.set_apart:
            ent.set_apart["idle"] = {"place": self._place(f"{path}.output"), "written": "0"}
        for reason, found in ent.set_apart.items():
            what_en, what_zh = {"idle": ("idle the whole year or without output", "全年停产或无产量"),
                                "other_sector": ("of another sector", "不属于本行业")}[reason]
            own_en, own_zh = self._judged_by(ent) if reason == "other_sector" else ("", "")
            self.warn(found["place"], f"{ent.id} is {what_en} ({found['written']}): its findings are listed, but it is "
                                      f"not counted in the sector's prevalence of problems or its shared key issues.{own_en}",
                      f"{ent.id}{what_zh}（{found['written']}）：其问题照常列出，但不计入行业问题的普遍程度和关键共性问题。{own_zh}")

    def _subsector(self, ent: Enterprise, written: Any, path: str) -> None:
        """The sector's question which of its subsectors the plant is (企业所属子行业, also 主要产品类别), answered by
        the enterprise's own `sector:` or its products when they name exactly one of its answers (生猪屠宰 → 畜类屠宰加工)
        and the enterprise did not answer it itself; said. Its subsector decides which discharge standard binds it."""
        if self.sector not in self._subsector_facts:   # looked up once per sector, not per enterprise
            self._subsector_facts[self.sector] = next((i for i in self.kb.facts if i.rsplit("/", 1)[-1] == SUBSECTOR_FACT
                                                       and self.kb.sector_of.get(i) == self.sector), None)
        iri = self._subsector_facts[self.sector]
        if iri is None or ent.facts.get(iri) is not None:
            return
        names = self.kb.facts[iri]["choice_names"]
        texts = [t for t in ([] if _blank(written) else [str(written)]) + ent.products if isinstance(t, str)]
        found = {text: hit.choices[0] for text in texts if (hit := match_choice(text, names))}
        if len(set(found.values())) != 1:
            return
        text, choice = next(iter(found.items()))
        ent.facts[iri] = (choice,)
        label = self.kb.label(iri)
        place = f"{path}.sector" if text == written else f"{path}.output"
        self.warn(place, f"{text!r} read as the answer “{self._choice_label(iri, choice)}” to “{label['en']}”.",
                  f"“{text}”按“{label['zh']}”的回答“{self._choice_label(iri, choice)}”读取。")

    def _judged_by(self, ent: Enterprise) -> tuple[str, str]:
        """Whose rules and limits judge a record of another sector: its own sector's, or none (engine.judged_sector)."""
        if ent.sector:
            own = self.kb.label(ent.sector)
            return (f" It is judged by the rules and discharge standards of {own['en']}.",
                    f"该企业按{own['zh']}行业的诊断规则和排放标准判断。")
        return (" Its sector is not known: no sector's rules or discharge standards judge it (its loads still count).",
                "其所属行业未知：不按任何行业的诊断规则和排放标准判断（排放量仍计入）。")

    def _list(self, raw: dict, key: str, path: str) -> list:
        value = raw.get(key)
        if value is None:
            return []
        if isinstance(value, dict):   # one item written without the list around it
            return [value]
        if not isinstance(value, list):
            self.error(f"{path}.{key}", f"`{key}` is a list.", f"`{key}` 应为列表。")
            return []
        return value

    def _fields(self, item: Any, path: str, required: tuple[str, ...], allowed: frozenset[str]) -> bool:
        """Required fields present; unknown ones warned about and ignored; `allowed` includes the required fields."""
        if not isinstance(item, dict):
            self.error(path, f"expected a mapping with {', '.join(required)}.", f"此处应为含 {'、'.join(required)} 的映射。")
            return False
        ok = True
        for key in required:
            if key == "value" and _blank(item.get(key)):
                continue   # a line without its figure is silence, said below once the names are checked
            if _blank(item.get(key)):
                self.error(f"{path}.{key}", "required.", "必填。")
                ok = False
        if ok and "value" in required and _blank(item.get("value")):
            self.warn(f"{path}.value", "no value given: the line is skipped (survey.md: silence is not evidence; "
                                       "the rules that need it are reported as not evaluated).",
                      "未填数值：此行不计入（缺失数据不作为证据，依赖它的规则列为未评估）。")
            ok = False
        if item.keys() <= allowed:  # the usual case: nothing unknown
            return ok
        for key in sorted(set(item) - allowed, key=str):
            self.warn(f"{path}.{key}", f"unknown field, ignored; allowed: {', '.join(sorted(allowed))}.",
                      f"未知字段，已忽略；可用：{'、'.join(sorted(allowed))}。")
        return ok

    def read_output(self, ent: Enterprise, raw: Any, path: str) -> None:
        if raw is None:
            return
        items = raw if isinstance(raw, list) else [raw]
        total, counted = 0.0, False
        for j, item in enumerate(items):
            p = f"{path}[{j}]" if isinstance(raw, list) else path
            if not self._fields(item, p, ("value",), OUTPUT_FIELDS):
                continue
            found = self.quantity(item["value"], f"{p}.value")
            written = item.get("product")
            product = None
            if written is not None and not isinstance(written, str):
                written = str(written)
            if written:  # free text; it counts as a product of the knowledge base only when it names one
                product = self.matcher.resolve("product", written, self.sector)
                ent.products.append(written)
                if product:
                    ent.product_iris.append(product)
            target = self.kb.products.get(product, {}).get("unit") if product else self.kb.product_unit(self.sector)
            if found is None:
                continue
            value, unit_in_cell = found
            unit = self.cell_unit(item.get("unit"), unit_in_cell, f"{p}.unit")
            other = self._other_measure(unit, target) if target and unit else False
            if other:
                symbol = self.kb.units[target]["symbol"]
                if other == "unknown":   # 刀, 万樘: an output counted in a unit of its own is kept, never refused
                    self.warn(f"{p}.unit", f"output {value:g} {unit}: {unit!r} is not a unit the knowledge base knows; "
                                           f"kept as written and not counted (the sector's output is counted in "
                                           f"{symbol}); this enterprise is not graded on indicators per unit of output.",
                              f"产量 {value:g} {unit}：“{unit}”不是知识库已知的单位，按原文保留、不计入产量（本行业产量按"
                              f"{symbol}计）；该企业不按单位产品指标评级。")
                else:
                    self.warn(f"{p}.unit", f"output {value:g} {unit} is not a quantity of {symbol}, the measure of the "
                                           "sector's output: kept as written and not counted; this enterprise is not "
                                           "graded on indicators per unit of output.",
                              f"产量 {value:g} {unit} 不是本行业产量的计量（{symbol}）：按原文保留、不计入产量；"
                              "该企业不按单位产品指标评级。")
                ent.output_written.append({"value": value, "unit": unit})
                continue
            if target and unit:
                converted = self.convert(value, unit, target, p, annual=True)
                if converted is None:
                    continue
                value = converted
                ent.output_unit = self.kb.units[target]["symbol"]
            else:
                ent.output_unit = unit
            total += value
            counted = True
        ent.output = total if counted else None   # no figure counted is no output known, not an output of zero

    def _other_measure(self, unit: str, target_iri: str) -> bool | str:
        """A known unit of another dimension than the product's (tonnes where m² is counted): another measure of
        output, not a mistake in the number; "unknown" for a unit of its own (刀, 万樘), kept as written too."""
        if not isinstance(unit, str):  # a list or number as unit: convert() places that error
            return False
        target = self.units.unit_expression(target_iri)
        for written in (unit, per_year(unit)):
            if not written:
                continue
            try:
                self.units.conversion(written, target)
                return False
            except UnitProblem:
                pass
        try:
            self.units.dimension_of(per_year(unit) or unit)
        except UnitProblem:
            return "unknown"
        return True

    def read_process(self, ent: Enterprise, raw: Any, path: str) -> tuple | None:
        """A process line; returns what it gave the enterprise (process, techniques, complete), for line_plans.py."""
        if not self._fields(raw, path, ("process",), PROCESS_FIELDS):
            return None
        name = raw["process"]
        proc = self.resolve("process", name, f"{path}.process", sector_only=True)
        if proc is None:
            self._kept(ent, "process", name)
        techniques = raw.get("techniques") or []
        if isinstance(techniques, str):
            techniques = split_techniques(techniques)
        elif not isinstance(techniques, list):
            techniques = [techniques]
        found = set()
        for k, tname in enumerate(techniques):
            for tech in self._techniques(ent, tname, f"{path}.techniques[{k}]", proc):
                found.add(tech)
                if proc and proc not in self.kb.technique_processes.get(tech, ()):
                    self.warn(f"{path}.techniques[{k}]", f"{tname!r} is not listed for this process in the knowledge "
                                                         "base; it is kept and counted where rules look for it.",
                              f"知识库未把“{tname}”列在这一工序下；仍保留，规则检查时计入。")
        ent.techniques.update(found)
        complete = False
        if proc:
            ent.processes.setdefault(proc, set()).update(found)
            if self.read_complete(raw.get("complete"), f"{path}.complete"):
                ent.complete_processes.add(proc)
                complete = True
        return proc, tuple(found), complete

    def _known(self, kind: str, name: str) -> bool:
        """Whether a name resolves as written, or the survey's name map says what it is."""
        return self._mapped(kind, name.strip())[0] or self.matcher.resolve(kind, name, self.sector) is not None

    def _techniques(self, ent: Enterprise, name: Any, path: str, proc: str | None) -> list[str]:
        """The techniques one written name stands for: the name itself when it is one; else each part of a name
        that joins several (SCR+湿法脱硫, 布袋+湿电, RTO/RCO), a part that is no name kept and warned about; else the
        name without the count and size of its units (3×130t/h循环流化床锅炉), the figures kept for the size facts."""
        if not isinstance(name, str) or self._known("technique", name):
            tech = self.resolve("technique", name, path, sector_only=True)
            if tech is None:
                self._kept(ent, "technique", name, proc)
            return [tech] if tech else []
        parts = joined_parts(name)
        if len(parts) > 1:
            found = {part: self._sized(ent, part, path) for part in parts}
            if any(found.values()):
                for part, tech in found.items():
                    if tech is None:
                        self._note_unresolved("technique", part, path)
                        self._kept(ent, "technique", part, proc)
                missing = [p for p, t in found.items() if t is None]
                if missing:
                    self.warn(path, f"{name!r} read as {len(parts)} techniques; {', '.join(map(repr, missing))} "
                                    "matched none of the knowledge base and is kept as written.",
                              f"“{name}”按 {len(parts)} 项工艺读取；其中“{'”“'.join(missing)}”未能识别，按原文保留。")
                return [t for t in found.values() if t]
        tech = self._sized(ent, name, path)
        if tech is None:
            tech = self.resolve("technique", name, path, sector_only=True)   # kept as written, with suggestions
            if tech is None:
                self._kept(ent, "technique", name, proc)
        return [tech] if tech else []

    def _sized(self, ent: Enterprise, name: str, path: str) -> str | None:
        """The technique a name means, as written or without the count and size of its units (2×600MW超临界机组 is
        超临界机组: two units of 600 MW, kept for the size facts); None, unnoted, when neither is a name."""
        if self._known("technique", name):
            return self.resolve("technique", name, path, sector_only=True)
        sized = sized_name(name)
        if not sized.read or not self._known("technique", sized.name):
            return None
        tech = self.resolve("technique", sized.name, path, sector_only=True)
        if tech:
            ent.sized.append({"sized": sized, "technique": tech, "place": self._place(path), "path": path})
        return tech

    def _size_facts(self, ent: Enterprise) -> None:
        """What was read off equipment names (3×130t/h锅炉): said, and each size given to the one number fact of
        the sector it converts to and whose names share a word with the equipment's (锅炉额定蒸发量, 单机容量,
        炭化室高度); the smallest unit written, as those facts ask; never over the enterprise's own answer."""
        if not ent.sized:
            return
        taken: dict[str, tuple[float, dict, Size]] = {}
        for entry in ent.sized:
            sized = entry["sized"]
            unused = []
            for size in sized.sizes:
                fact = self._size_fact(size, sized.name, entry["technique"]) if size.role != "length" else None
                if fact is None:
                    unused.append(size)
                    continue
                iri, value = fact
                if iri not in taken or value < taken[iri][0]:
                    taken[iri] = (value, entry, size)
            label = self.kb.label(entry["technique"])
            count_en = f"{sized.count} unit(s)" + (" of " if sized.sizes else "") if sized.count else ""
            count_zh = f"{sized.count} 台（套）" + ("，每台" if sized.sizes else "") if sized.count else ""
            sizes = "、".join(s.text() for s in sized.sizes)
            rest_en = f"; {', '.join(s.text() for s in unused)} kept with the record: no size fact of the sector " \
                      "takes it" if unused else ""
            rest_zh = f"；{'、'.join(s.text() for s in unused)} 随记录保留：本行业没有对应的规模事实" if unused else ""
            self.warn(entry["path"], f"{sized.written!r} read as {label['en']} ({count_en}{', '.join(s.text() for s in sized.sizes)})"
                                     f"{rest_en}.",
                      f"“{sized.written}”按“{label['zh']}”识别（{count_zh}{sizes}）{rest_zh}。")
        for iri, (value, entry, size) in taken.items():
            label = self.kb.label(iri)
            symbol = self.kb.units.get(self.kb.facts[iri].get("unit"), {}).get("symbol") or ""
            if iri in ent.facts:
                self.warn(entry["path"], f"the enterprise answers “{label['en']}” itself ({ent.facts[iri]:g} {symbol}); "
                                         f"the {size.text()} read off {entry['sized'].written!r} is not used for it.",
                          f"企业已回答“{label['zh']}”（{ent.facts[iri]:g} {symbol}），不采用从“{entry['sized'].written}”"
                          f"读出的 {size.text()}。")
                continue
            ent.facts[iri] = value
            self.warn(entry["path"], f"“{label['en']}” taken as {value:g} {symbol}, the smallest unit written "
                                     f"({entry['sized'].written!r}).",
                      f"“{label['zh']}”按所写最小一台取 {value:g} {symbol}（“{entry['sized'].written}”）。")

    def _size_fact(self, size: Size, name: str, technique: str) -> tuple[str, float] | None:
        """The one number fact of the sector a size fills: its unit converts, and its names share a word with the
        equipment's (ties and no shared word: none)."""
        words = _bigrams([name, *self._names(technique)])
        scored = []
        for iri, fact in self.kb.facts.items():
            if fact["datatype"] != "number" or not fact.get("unit") or self.kb.sector_of.get(iri) != self.sector:
                continue
            target = self.units.unit_expression(fact["unit"])
            try:
                value = self.units.conversion(size.unit, target).apply(size.value) if target else None
            except (UnitProblem, ValueError):
                continue
            shared = len(words & _bigrams(self._names(iri)))
            if value is not None and shared:
                scored.append((shared, iri, value))
        scored.sort(reverse=True)
        if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
            return None
        return scored[0][1], scored[0][2]

    def _names(self, iri: str) -> list[str]:
        label = self.kb.label(iri)
        return [label["zh"], label["en"], *self.kb.alt_names.get(iri, ())]

    def read_complete(self, value: Any, path: str) -> bool:
        """A 'this list names every technique in use' flag: absence from a complete list is evidence."""
        if value is None or isinstance(value, bool):
            return bool(value)
        answer = yes_no(value)
        if answer is None:
            self.error(path, f"expected yes or no (是/否, true/false), got {value!r}: say whether this list names every "
                             "technique in use.", f"应填 是 或 否，实际为 {value!r}：说明此清单是否列出了在用的全部工艺。")
            return False
        return answer

    def read_indicator(self, ent: Enterprise, raw: Any, path: str) -> tuple | None:
        """An indicator line; returns what it gave (the indicator, its figure, the process, and what line_plans.py
        needs to read the next figure of such a line alike), None for a line set aside."""
        if not self._fields(raw, path, ("indicator", "value"), INDICATOR_FIELDS):
            return None
        written = raw["indicator"]
        if isinstance(written, str) and self.matcher.resolve("indicator", written, self.sector) is None \
                and self.matcher.resolve("fact", written, self.sector):   # 水重复利用率 is asked as a fact
            self.read_fact(ent, written, raw["value"], f"{path}.value")
            return None
        # one name for the same quantity per product (单位产品取水量 per 100 m of woven fabric, per t of knits):
        # the unit written with the value tells which one is meant
        iri = self._indicator_by_unit(raw["indicator"], raw.get("unit")) \
            or self.resolve("indicator", raw["indicator"], f"{path}.indicator", sector_only=True)
        if iri is None:
            self._kept(ent, "indicator", raw["indicator"])
            if isinstance(raw["indicator"], str) and isinstance(raw.get("unit"), str) and raw["unit"].strip():
                # the suggestions offered for this name must take the unit written with it
                self.units_of_unresolved.setdefault(("indicator", raw["indicator"]), set()).add(raw["unit"].strip())
            return None
        ind = self.kb.indicators[iri]
        process = self.resolve("process", raw["process"], f"{path}.process", sector_only=True) \
            if raw.get("process") else None
        if not ind.quantitative:
            level = _LEVEL_WORDS.get(normalise(str(raw["value"])).replace("级", "").replace("level", ""), "?")
            if level == "?":
                self.error(f"{path}.value", "a qualitative indicator takes the level reached: I, II, III or none.",
                           "定性指标填达到的级别：I、II、III 或 none（不达标）。")
                return None
            ent.indicators.setdefault(iri, []).append((level, process))
            return iri, level, process, None
        # energy per product can be negative (a converter recovers more gas than it burns: 转炉工序能耗 −28 kgce/t)
        negative = self._may_be_negative(ind.unit)
        found = self.quantity(raw["value"], f"{path}.value", allow_negative=negative)
        if found is None:
            return None
        value, unit_in_cell = found
        unit = self.cell_unit(raw.get("unit"), unit_in_cell, f"{path}.unit")
        percent = ind.unit and self.kb.units.get(ind.unit, {}).get("symbol") == "%"
        if percent:
            self._percent(value, raw["value"], unit, f"{path}.value", ind.labels.zh)
        value = self.convert(value, unit, ind.unit, path, water=_about_water(ind.labels.zh))
        if value is None:
            return None
        conversion = self.converted_by
        self._ambiguous_unit(unit, f"{path}.unit", ind.unit)
        if percent and value > 100:
            self.error(f"{path}.value", f"a share of {value:g} % is over 100 % (survey.md: shares over 100 % are errors).",
                       f"占比 {value:g}% 超过 100%。")
            return None
        self._plausible(ind, value, path)
        ent.indicators.setdefault(iri, []).append((value, process))
        return iri, value, process, (conversion, negative, bool(percent), bool(percent) and unit in (None, "", "%"))

    def _takes_units(self, iri: str, units: set[str]) -> bool:
        """Whether every unit written with a name converts to the unit of the indicator suggested for it."""
        ind = self.kb.indicators.get(iri)
        target = self.units.unit_expression(ind.unit) if ind is not None and ind.unit else None
        if target is None:
            return True
        for unit in units:
            try:
                self.units.conversion(unit, target)
            except UnitProblem:
                return False
        return True

    def _indicator_by_unit(self, name: Any, unit: Any) -> str | None:
        """The one indicator of the sector that the name denotes and whose unit the given unit converts to."""
        if not isinstance(name, str) or not isinstance(unit, str) or not unit.strip() or not self.sector:
            return None
        iris = [i for i in self.kb.names.get("indicator", {}).get(normalise(name), ())
                if self.kb.sector_of.get(i) == self.sector]
        if len(iris) < 2:
            return None
        fits = []
        for iri in iris:
            target = self.units.unit_expression(self.kb.indicators[iri].unit) if iri in self.kb.indicators else None
            if target is None:
                continue
            try:
                self.units.conversion(unit, target)
            except UnitProblem:
                continue
            fits.append(iri)
        return fits[0] if len(fits) == 1 else None

    def _plausible(self, ind, value: float, path: str) -> None:
        values = [v for v in ind.benchmarks.values() if v > 0]
        if not values or value == 0:
            return
        if value > 10 * max(values) or value < min(values) / 10:
            bench = ", ".join(f"{k}: {ind.benchmarks[k]:g}" for k in LEVELS if k in ind.benchmarks)
            self.warn(f"{path}.value", f"{value:g} is an order of magnitude off the benchmarks of "
                                       f"{ind.labels.en} ({bench}); check the value and its unit.",
                      f"{value:g} 与“{ind.labels.zh}”的基准值（{bench}）相差一个数量级以上；请核对数值和单位。")

    def read_material(self, ent: Enterprise, raw: Any, path: str) -> tuple | None:
        """A material line; returns (material, whether it was listed before, the consumption line kept) for
        line_plans.py."""
        if not self._fields(raw, path, ("material",), MATERIAL_FIELDS):
            return None
        written = raw["material"]
        energy = self.matcher.resolve("consumption", written) if isinstance(written, str) and \
            self.matcher.resolve("material", written, self.sector) is None else None
        iri = energy or self.resolve("material", written, f"{path}.material", sector_only=True)  # 电, 新鲜水 too
        if iri is None:
            self._kept(ent, "material", raw["material"])
        value, unit = None, None
        if not _blank(raw.get("value")):
            found = self.quantity(raw["value"], f"{path}.value")
            if found:
                value, unit = found
        if raw.get("unit"):
            unit = self.check_unit(self.cell_unit(raw["unit"], unit, f"{path}.unit"), f"{path}.unit")
        if unit and self.units.readings(unit):   # g/kWh among materials: nothing tells which is meant
            self._ambiguous_unit(unit, f"{path}.unit")
            unit = None
        props = {}
        for k, prop in enumerate(self._list(raw, "properties", path)):
            p = f"{path}.properties[{k}]"
            if not self._fields(prop, p, ("property", "value"), PROPERTY_FIELDS):
                continue
            piri = self.resolve("property", prop["property"], f"{p}.property", sector_only=True)
            found = self.quantity(prop["value"], f"{p}.value")
            if piri is None:
                self._kept(ent, "property", prop["property"])
            if piri and found is not None:
                props[piri] = (found[0], self.cell_unit(prop.get("unit"), found[1], f"{p}.unit"))
        before = ent.materials.get(iri) if iri else None
        if iri:
            ent.materials[iri] = self._merged(before, value, unit, props, raw["material"], path)
        line = None
        if value is not None and isinstance(written, str):   # 新鲜水, 电, 蒸汽: also the facts formulas ask for
            line = {"written": written, "value": value, "unit": unit, "place": self._place(path),
                    "consumption": energy or self.matcher.resolve("consumption", written),
                    "material": iri, "properties": props}   # each line's own content (balance)
            ent.consumptions.append(line)
        return iri, before is not None, line

    def _merged(self, before: dict | None, value, unit, props: dict, written: str, path: str) -> dict:
        """Two lines naming the same material (锌板 and 锌锭 are both zinc anodes) add up; none is dropped."""
        if before is None or before.get("value") is None or value is None:
            return {"value": value if before is None or value is not None else before["value"],
                    "unit": unit or (before or {}).get("unit"), "properties": {**(before or {}).get("properties", {}),
                                                                               **props}}
        try:
            value = self.units.conversion(unit, before["unit"]).apply(value) if unit and before["unit"] else value
        except (UnitProblem, ValueError):
            self.warn(path, f"{written!r} is a material already listed, in a unit that cannot be added to the first "
                      f"one ({before['unit']}); only the first line is used.",
                      f"“{written}”与前面一行是同一种原料，单位（{unit}）无法与前一行（{before['unit']}）相加，只采用前一行。")
            return before
        self.warn(path, f"{written!r} is a material already listed under another name; the two amounts are added.",
                  f"“{written}”与前面一行是同一种原料，两行用量已相加。")
        return {"value": before["value"] + value, "unit": before["unit"],
                "properties": {**before.get("properties", {}), **props}}

    def read_emission(self, ent: Enterprise, raw: Any, path: str) -> dict | None:
        """An emission line; returns the figure it gave the enterprise, if any (for line_plans.py)."""
        raw = canonical_keys(raw) if isinstance(raw, dict) else raw
        if not self._fields(raw, path, ("pollutant", "value"), EMISSION_FIELDS | TEAM_FIELDS):
            return
        if wastewater_line(self, ent, raw, path):
            return
        rain = stormwater(raw)
        if rain:   # rain runoff, not effluent: no load and no limit of the effluent outlet
            self.warn(path, f"{rain!r} is a stormwater outlet: its figure is no wastewater discharge, so it is neither "
                            "counted in the load nor compared with effluent limits.",
                      f"“{rain}”是雨水排放口：其监测值不是废水排放，不计入排放量，也不与废水排放限值比较。")
            return
        pollutant = self.resolve("pollutant", raw["pollutant"], f"{path}.pollutant")
        check_basis(self, raw, pollutant, path)
        if pollutant is None:
            self._kept(ent, "pollutant", raw["pollutant"])
        found = self.reading(raw["value"], f"{path}.value")
        unit_written = self.cell_unit(raw.get("unit"), found.unit if found else None, f"{path}.unit")
        if not unit_written and pollutant and self._unitless(pollutant):
            unit_written = "dimensionless"   # pH has no unit
        value = found.value if found else None
        if found is not None and is_volume_fraction(unit_written):
            value, unit_written = self._from_ppm(pollutant, raw["pollutant"], found.value, unit_written, path)
        unit_written = self._per_output_of_pollutant(unit_written, f"{path}.unit")
        unit = self.check_unit(unit_written, f"{path}.unit")
        stage = raw.get("stage", "emitted")
        if isinstance(stage, str):
            stage = {"产生": "generated", "产生量": "generated", "排放": "emitted", "排放量": "emitted"}.get(stage, stage)
        if stage not in STAGES:
            self.error(f"{path}.stage", "stage is generated (产生量) or emitted (排放量).", "环节应为 产生量 或 排放量。")
            return
        oxygen = {}
        for key in ("o2_ref_pct", "o2_measured_pct"):  # flue gas: the O₂ the figure is referred to / measured at
            if raw.get(key) is not None:
                o2 = self.number(raw[key], f"{path}.{key}")
                if o2 is not None and o2 >= 21:
                    self.error(f"{path}.{key}", "an oxygen content is a share of air, below 21 %.",
                               "氧含量是空气中的占比，应低于 21%。")
                elif o2 is not None:
                    oxygen[key] = o2
        point = raw.get("point")
        unknown_place = None   # a place written that names no monitoring point and no process of the sector
        said = team_point(point) if point not in EMISSION_POINTS else None
        if said is None and inlet_note(raw):   # the team's note: the sample was taken before the treatment
            point, said = inlet_note(raw), "inlet"
        if said == "inlet":    # before the treatment: what is generated, never an emission against a limit
            stage = "generated"
            self.warn(f"{path}.point", f"{point!r}: an inlet figure (before treatment) is read as generated, not "
                                       "compared with emission limits nor counted as emitted.",
                      f"“{point}”：治理设施进口浓度按产生浓度读取，不与排放限值比较，也不计入排放量。")
        if said == "unknown":
            self.warn(f"{path}.point", f"{point!r}: the point is not stated, so the figure is counted in the load "
                                       "but compared with no limit (an inlet or a fugitive figure cannot be told).",
                      f"“{point}”：监测点位未注明，该数值计入排放量，但不与任何限值比较（无法区分进口、出口或无组织）。")
        air_pollutant = bool(pollutant) and pollutant_media(self.kb).get(pollutant, "") == "air"
        unstated = str(point) if said == "unknown" else None
        if said is not None:   # a flue-gas figure's outlet is its stack; an effluent's outlet is not told by the word
            point = {"outlet": "stack" if air_pollutant else None, "unknown": None, "inlet": None}.get(said, said)
        if point is not None and point not in EMISSION_POINTS:
            where = _outlet(point) or ("total-outlet" if discharge_route(point) else None)
            if where is None:
                unknown_place = str(point)
                self.warn(f"{path}.point", f"{point!r} is not a monitoring point the limits know "
                                           f"({', '.join(EMISSION_POINTS)}); ignored.",
                          f"“{point}”不是限值所用的监测点位（{'、'.join(EMISSION_POINTS)}）；已忽略。")
            if pollutant and pollutant in water_pollutants(self.kb):
                self._route(ent, point, f"{path}.point")
            point = where
        written = raw.get("process")
        water = bool(pollutant) and pollutant in water_pollutants(self.kb)
        # 直排 of a water pollutant is a discharge route; of an air pollutant it is exhaust let out untreated
        route = self._route(ent, written, f"{path}.process") if water else None
        if water:
            self._route(ent, raw.get("fate"), f"{path}.fate")
        # 车间排口, 排气筒: where the figure was measured, not a process; 直排口, 纳管口 are the final outlet
        where = _outlet(written) or ("total-outlet" if route else None)
        if where == "in-plant" and water:   # 厂区内污水站: a place of the plant, not the air monitoring point
            where = None
        if where and point is None:
            point = where
        process = self.resolve("process", written, f"{path}.process", sector_only=True) \
            if written and not where else None
        if written and not where and process is None and not _blank(written):
            unknown_place = str(written)   # 化产区罐区尾气, 转炉环集烟气: judged against no limit (requirements.py)
        if pollutant and value is not None and unit:
            emission = {"pollutant": pollutant, "value": value, "unit": unit, "stage": stage,
                        "process": process, "point": point, **oxygen}
            if unknown_place:
                emission.update(self._place_match(unknown_place, pollutant, f"{path}.process"))
            elif unstated:
                emission["place_unknown"] = unstated
            for key, read in (("flow_m3_h", read_flow), ("hours_per_year", read_hours)):   # the stack's own
                found_here = read(self, raw, path)
                if found_here is not None:
                    emission[key] = found_here
            if isinstance(raw.get("stack"), (str, int)):
                emission["stack"] = str(raw["stack"])
            if found.below_detection:   # the value is the detection limit (0 when none was written): a bound
                emission.update(below_detection=True, detection_limit=found.detection_limit)
            ent.emissions.append(emission)
            return emission
        return None

    def _from_ppm(self, pollutant: str | None, written: Any, value: float, unit: str,
                  path: str) -> tuple[float | None, str | None]:
        """A gas figure in ppm as mg/m³ at standard conditions (22.4 L/mol) where the pollutant's molar mass is
        known, a water figure as mg/L; otherwise kept in ppm, which no limit in mg/m³ is compared with (said)."""
        converted = from_ppm(self.kb, pollutant, value) if pollutant else None
        if converted is None or converted.value is None:
            self.warn(f"{path}.unit", f"{value:g} {unit} of {written!r}: no molar mass is known for it, so the figure is "
                                      "kept in ppm and not compared with limits in mg/m³; give it in mg/m³.",
                      f"“{written}”{value:g} {unit}：没有该污染物的摩尔质量，无法换算为 mg/m³，按 ppm 保留，不与以 mg/m³ "
                      "计的限值比较；请填 mg/m³。")
            return value, unit
        if converted.unit == "mg/L":
            self.warn(f"{path}.unit", f"{value:g} {unit} of {written!r} in water read as {value:g} mg/L.",
                      f"水中“{written}”{value:g} {unit} 按 {value:g} mg/L 读取。")
        else:
            mass, volume = converted.factor * MOLAR_VOLUME_L_PER_MOL, MOLAR_VOLUME_L_PER_MOL
            self.warn(f"{path}.unit", f"{value:g} {unit} of {written!r} converted to {converted.value:.4g} mg/m³ "
                                      f"(× {converted.formula} {mass:.2f} g/mol ÷ {volume:g} L/mol, standard conditions).",
                      f"“{written}”{value:g} {unit} 按标准状态换算为 {converted.value:.4g} mg/m³（×{converted.formula}摩尔质量"
                      f"{mass:.2f} g/mol ÷ {volume:g} L/mol）。")
        return converted.value, converted.unit

    def _place_match(self, place: str, pollutant: str, path: str) -> dict:
        """What a place the knowledge does not know (催化再生烟气, 生化出水, 尾气锅炉) can still be matched to for
        the limits (requirements.py): the one process of the sector it clearly names (score ≥ PLACE_SCORE and
        PLACE_MARGIN ahead of the next), and the kind of point its words say (烟气 a stack, 出水 an effluent
        outlet); said so. Nothing matched leaves the figure unjudged, never judged against every limit."""
        found: dict[str, Any] = {"place_unknown": place}
        texts = [place] + ([_BRACKET.sub("", place).strip()] if _BRACKET.search(place) else [])
        ranked = max((self.matcher.suggest("process", t, self.sector, limit=2, neighbours=False) for t in texts if t),
                     key=lambda r: r[0].score if r else 0.0)
        if ranked and ranked[0].score >= PLACE_SCORE and (len(ranked) < 2 or ranked[0].score - ranked[1].score
                                                          >= PLACE_MARGIN):
            found["place_process"] = ranked[0].iri
        water = pollutant in water_pollutants(self.kb)
        words = _WATER_PLACE if water else _AIR_PLACE
        if any(w in place for w in words[0]):
            found["place_points"] = words[1]
        said_en, said_zh = [], []
        if "place_process" in found:
            label = self.kb.label(found["place_process"])
            said_en.append(f"the limits of the process {label['en']}")
            said_zh.append(f"工序“{label['zh']}”的限值")
        if "place_points" in found:
            said_en.append(f"limits at a {' or '.join(found['place_points'])} of no particular process")
            said_zh.append("不限工序的" + "或".join(_POINT_ZH[p] for p in found["place_points"]) + "限值")
        if said_en:
            self.warn(path, f"the place {place!r} is not a process of the knowledge base; its figure is compared only "
                            f"with {' and '.join(said_en)}.",
                      f"排放位置“{place}”不是知识库中的工序；该数值只与{'和'.join(said_zh)}比较。")
        return found

    def _per_output_of_pollutant(self, unit: Any, path: str) -> Any:
        """A unit written on an emission line that names two units (g/kWh: coal equivalent or pollutant per kWh) is
        the one that measures a mass of pollutant (g污染物/kWh), said so."""
        readings = self.units.readings(unit) if isinstance(unit, str) else []
        mass = [iri for iri in readings if str(self.kb.units[iri].get("dimension") or "").startswith("mass")]
        if len(mass) != 1:
            return unit
        symbol = self.kb.units[mass[0]]["symbol"]
        self.warn(path, f"{unit!r} on an emission line read as {symbol} (pollutant per unit), not as coal equivalent.",
                  f"污染物一栏的“{unit}”按 {symbol}（单位产出的污染物量）读取，不作标准煤耗。")
        return symbol

    def _ambiguous_unit(self, unit: Any, path: str, target_unit_iri: str | None = None) -> None:
        """Says how a unit that names two units of the knowledge base (g/kWh) was read, or that nothing tells."""
        readings = self.units.readings(unit) if isinstance(unit, str) else []
        if not readings:
            return
        names = "、".join(self.kb.units[i]["symbol"] for i in readings)
        if target_unit_iri is None:
            self.warn(path, f"{unit!r} may mean {names}; nothing here tells which, so it is not read as either (write "
                            "the unit that is meant).",
                      f"“{unit}”可能是 {names} 中的任一种，此处无从判断，不按任一种猜测（请写明所指单位）。")
            return
        symbol = self.kb.units[target_unit_iri]["symbol"]
        self.warn(path, f"{unit!r} (which may mean {names}) read as {symbol}, the unit of the indicator it is given for.",
                  f"“{unit}”（可指 {names}）按所属指标的单位 {symbol} 读取。")

    def _route(self, ent: Enterprise, written: Any, path: str) -> str | None:
        """直排 / 纳管 / 间接排放 written where a figure was measured or where the effluent goes: kept, to answer the
        sector's discharge-route facts once the enterprise's own answers are read (read_enterprise)."""
        route = discharge_route(written)
        if route:
            ent.routes.append((route, str(written), self._place(path)))
        return route

    def read_stream(self, ent: Enterprise, raw: Any, path: str) -> None:
        if not self._fields(raw, path, ("direction", "resource", "value"), STREAM_FIELDS | _NOTE_KEYS | HOURS_KEYS
                            | COMMITTED_KEYS):
            return
        direction = raw["direction"]
        if isinstance(direction, str):
            direction = {"产出": "out", "余量": "out", "输出": "out", "需求": "in", "输入": "in"}.get(direction, direction)
        if direction not in DIRECTIONS:
            self.error(f"{path}.direction", "direction is out (产出/余量) or in (需求).", "方向应为 产出 或 需求。")
            return
        resource = self.resolve("resource", raw["resource"], f"{path}.resource")
        if resource is None:
            self._kept(ent, "resource", raw["resource"])
        found = self.quantity(raw["value"], f"{path}.value")
        value = found[0] if found else None
        unit = self.check_unit(self.cell_unit(raw["unit"], found[1] if found else None, f"{path}.unit"), f"{path}.unit")
        temp = self.number(raw["temperature_c"], f"{path}.temperature_c", allow_negative=True) \
            if raw.get("temperature_c") is not None else None
        if resource and "temperature_c" in self.kb.resources[resource]["needs"] and temp is None:
            self.warn(f"{path}.temperature_c", "this resource type needs a temperature to be matched.",
                      "这类资源需要温度才能匹配。")
        qualities, reads, named = self._qualities(ent, raw, path)
        notes = [str(raw[k]) for k in sorted(raw.keys() & _NOTE_KEYS) if not _blank(raw[k])]
        hours, hours_how = stream_hours(self, raw, notes, path)
        if resource and value is not None and unit:
            committed = committed_part(self, raw, value, unit, path) if direction == "out" else None
            ent.streams.append({"direction": direction, "resource": resource, "value": value, "unit": unit,
                                "temperature_c": temp, "fate": raw.get("fate"), "process": raw.get("process"),
                                "qualities": qualities, "reads": reads, "named": named, "note": "；".join(notes) or None,
                                "hours": hours, "hours_how": hours_how, "committed": committed})

    def _qualities(self, ent: Enterprise, raw: dict, path: str) -> tuple[dict, dict, dict]:
        """A stream's qualities (压力, 游离酸, 含水率, 危险废物代码 …): what an offer is, or the bound a demand sets
        (stream_qualities.py)."""
        return read_qualities(self, ent, raw, path, PROPERTY_FIELDS)

    def _quality_unit(self, iri: str) -> str | None:
        unit = self.kb.qualities.get(iri, {}).get("unit")
        return self.kb.units.get(unit, {}).get("symbol") if unit else None

    def read_fact(self, ent: Enterprise, key: Any, value: Any, path: str) -> tuple | None:
        """One answer among the facts; returns what it gave the enterprise — ("fact", IRI, answer), ("technique",
        IRI) in use, or ("nothing",) — where line_plans.py may give the same to the next such answer; None else."""
        if str(key).strip().casefold() in _NOTE_KEYS:   # 备注: a remark, not a question
            ent.notes.append(str(value))
            return
        status = _STATUS_KEYS.get(normalise(str(key)).replace("-", "_"))
        said = _STATUS_KEYS.get(normalise(str(value)).replace("-", "_")) if isinstance(value, str) else None
        if normalise(str(key)).replace("-", "_") in _STATUS_FIELDS and said:   # operating_status: 停产
            ent.set_apart[said] = {"place": self._place(path), "written": f"{key}: {value}"}
            return
        if status:   # idle_whole_year, 停产, other_sector: whether the record counts in the sector's figures
            answer = yes_no(value)
            if answer:
                shown_value = str(value).lower() if isinstance(value, bool) else value
                ent.set_apart[status] = {"place": self._place(path), "written": f"{key}: {shown_value}"}
            elif answer is None and not _blank(value):
                self.warn(path, f"{value!r} does not say whether {key} holds (answer 是/否); the record is counted.",
                          f"“{value}”未说明“{key}”是否成立（请填 是/否）；该记录照常计入。")
            if self.matcher.resolve("fact", str(key), self.sector) is None:
                return   # understood here: not a name left unresolved
        if self.matcher.resolve("fact", str(key), self.sector) is None:
            tech = self.matcher.resolve("technique", str(key), self.sector)
            if tech:   # 是否三价铬钝化: a question whether a technique is in use; a yes puts it in use
                if yes_no(value) is True:
                    ent.techniques.add(tech)
                    return "technique", tech
                if yes_no(value) is None:
                    self.warn(path, f"{value!r} does not say whether {self.kb.label(tech)['en']} is in use "
                                    "(answer 是/否).", f"“{value}”未说明是否使用{self.kb.label(tech)['zh']}（请填 是/否）。")
                return "nothing",
        iri = self._joined_fact(str(key), path) or self.resolve("fact", str(key), path, sector_only=True)
        if iri is None:
            self._kept(ent, "fact", str(key))
            return
        fact = self.kb.facts[iri]
        label = self.kb.label(iri)
        kind = fact["datatype"]
        if value is None or (isinstance(value, str) and not value.strip()):
            return "nothing",   # not answered: the rules that need it are reported as not evaluated
        if kind == "boolean":
            answer = yes_no(value)
            if answer is None:
                self.warn(path, f"{value!r} is not a yes/no answer to “{label['en']}”; left unanswered "
                                "(answer 是/否, yes/no).",
                          f"“{value}”不是对“{label['zh']}”的是/否回答；按未回答处理（请填 是 或 否）。")
                return
            value = answer
        elif kind == "number":
            found = self.quantity(value, path)
            if found is None:
                return
            number, unit_in_cell = found
            unit_iri = fact.get("unit")
            if unit_iri and self.kb.units.get(unit_iri, {}).get("symbol") == "%":
                self._percent(number, value, unit_in_cell, path, label["zh"])
            elif unit_in_cell and unit_iri:   # 2.8万t/a is 28 000 t/a, never 2.8
                number = self._fact_in_unit(number, unit_in_cell, unit_iri, value, label, path)
                if number is None:
                    return
            value = number
        elif kind == "choice":  # one choice, or several (a list, or text separated by 、 , ;)
            chosen = self._choices(iri, value, path, label)
            if chosen is None:
                return
            value = chosen
        ent.facts[iri] = value
        return "fact", iri, value

    def _joined_fact(self, key: str, path: str) -> str | None:
        """A question written as several names of one fact (溶剂台账/VOCs台账): that fact, when every part that is a
        name names it and the whole is not a name itself."""
        if self._known("fact", key):
            return None
        parts = joined_parts(key)
        found = {self.matcher.resolve("fact", p, self.sector) for p in parts} - {None}
        if len(parts) < 2 or len(found) != 1:
            return None
        iri = found.pop()
        self.warn(path, f"{key!r} read as “{self.kb.label(iri)['en']}” (its parts name that one question).",
                  f"“{key}”按“{self.kb.label(iri)['zh']}”读取（各部分都指这一问题）。")
        return iri

    def _fact_in_unit(self, number: float, unit: str, unit_iri: str, written: Any, label: dict,
                      path: str) -> float | None:
        """A number fact written with its unit in the cell, in the fact's unit (per-year units for annual facts).
        A counting word the fact's unit does not know (2台, 3级) leaves a count as written; any other unit that
        does not convert leaves the fact unanswered, warned: its number alone would be wrong."""
        target = self.units.unit_expression(unit_iri)
        symbol = self.kb.units.get(unit_iri, {}).get("symbol") or ""
        if target is None:
            return number
        candidates = [unit, per_year(unit)]
        if unit_iri.endswith("-per-a") and not per_year(unit):
            candidates.append(f"({self.units.expression(unit)}) / year")   # 96000 t of an annual amount: a year's
        water = _about_water(label["zh"])
        for candidate in filter(None, candidates):
            try:
                converted = self.units.conversion(candidate, target).apply(number)
            except (UnitProblem, ValueError):
                converted = self._as_water(number, candidate, target) if water else None
                if converted is None:
                    continue
                self.warn(path, f"{written!r} of water read as {converted:,.6g} {symbol} (1 t of water = 1 m³).",
                          f"“{written}”（水）按 1 t = 1 m³ 读作 {converted:,.6g} {symbol}。")
            self._understood(unit, symbol if candidate == unit else f"{symbol} (per year)", f"{path}.unit")
            return converted
        known = True
        try:
            self.units.dimension_of(unit)
        except UnitProblem:
            known = False
        dimension = str(self.kb.units.get(unit_iri, {}).get("dimension") or "").rsplit("/", 1)[-1]
        if not known and dimension in ("", "dimensionless", "count"):
            return number
        self.warn(path, f"{written!r}: the unit {unit!r} does not convert to {symbol}, the unit of “{label['en']}”; "
                        f"left unanswered (write the figure in {symbol}).",
                  f"“{written}”：单位“{unit}”无法换算为“{label['zh']}”的单位 {symbol}；按未回答处理（请按 {symbol} 填写）。")
        return None

    def _choices(self, iri: str, value: Any, path: str, label: dict) -> tuple[str, ...] | None:
        """The choices a free-text answer names: exactly (one, or several separated by 、 , ;), else the choice the
        text begins with or contains, qualifiers aside (间接排放（纳管至园区污水厂） → 间接排放), warned with what was
        read; None (warned) when no choice, or more than one, fits."""
        names = self.kb.facts[iri]["choice_names"]
        given = value if isinstance(value, list) else [value]
        parts = [str(v) for v in given if str(v).strip()]
        if not isinstance(value, list) and normalise(str(value)) not in names:
            parts = [v for v in re.split(r"\s*[、,;，；/]\s*", str(value).strip()) if v]
        exact = [names.get(normalise(v)) for v in parts]
        if parts and None not in exact:
            return tuple(sorted(set(exact)))
        hits = [match_choice(v, names) for v in (parts if isinstance(value, list) else [str(value)])]
        if hits and None not in hits:
            chosen = tuple(sorted({c for h in hits for c in h.choices}))
            read = "、".join(self._choice_label(iri, c) for c in chosen)
            read_en = ", ".join(self._choice_label(iri, c, "en") for c in chosen)
            self.warn(path, f"{value!r} read as the answer “{read_en}” to “{label['en']}” (the text "
                            f"{'begins with' if hits[0].how == 'begins' else 'names'} it; check it is meant).",
                      f"“{value}”按“{label['zh']}”的回答“{read}”读取（{'以该选项开头' if hits[0].how == 'begins' else '文中写明该选项'}；"
                      "请核实）。")
            return chosen
        self.warn(path, f"{value!r} is not one of the answers to “{label['en']}” "
                        f"({', '.join(self._choice_labels(iri, 'en'))}); left unanswered.",
                  f"“{value}”不是“{label['zh']}”的可选回答（{'、'.join(self._choice_labels(iri))}）；按未回答处理。")
        return None

    def _choice_label(self, fact_iri: str, choice: str, lang: str = "zh") -> str:
        """A choice as the message in `lang` names it: an English report says the English label, never 直接排放."""
        labels = self.kb.facts[fact_iri].get("choice_labels", {}).get(choice, {})
        return labels.get(lang) or labels.get("zh") or labels.get("en") or choice

    def _choice_labels(self, fact_iri: str, lang: str = "zh") -> list[str]:
        return sorted(self._choice_label(fact_iri, c, lang) for c in self.kb.facts[fact_iri].get("choice_labels", {})) \
            or self.kb.facts[fact_iri]["choices"]


def level_name(level: str | None) -> str:
    return level if level in LEVELS else "below III"
