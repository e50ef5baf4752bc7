"""The wastewater keys a basin or park audit team writes in its own words, read as what they say: the discharge mode
(direct / indirect), the receiving water or plant (kept as a note), the year's wastewater written as an emissions
line `废水` in m³/a or 万吨/年, or as a daily (monthly) flow × the working days (months), and the months a plant
actually ran when it stood idle part of the year. The annual wastewater they give is the fact 年废水排放量 that the
measured route (potential.measured_load: mg/L × m³/a × 10⁻⁶) reads.

An emission line measured at a stormwater outlet (雨水排口) is no effluent: it is neither counted in the load nor
compared with effluent limits. A line whose note names the sampling point as an inlet (调节池进口, 进水) is what
enters the treatment, read as generated — the note is the team's own word on where the sample was taken.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .choices import match_choice, route_facts, water_class
from .knowledge import normalise

if TYPE_CHECKING:   # the reader imports this module
    from .survey import Enterprise, SurveyReader

WASTEWATER_FACT = "annual-wastewater"
DAYS_FACT = "annual-operating-days"
# an emissions line of the water itself, not of a pollutant in it
_WASTEWATER_NAMES = {normalise(n) for n in ("废水", "废水量", "废水排放量", "年废水排放量", "污水", "污水量", "排水量",
                                            "外排废水", "wastewater", "effluent", "wastewater volume")}
_KEYS = {"mode": ("discharge_mode", "discharge_type", "排放方式", "排放类型", "直排或间排"),
         "receiving": ("receiving", "receiving_water", "receiver", "受纳水体", "受纳污水厂", "排入", "接纳单位"),
         "per_day": ("wastewater_m3_per_day", "daily_wastewater", "日排水量", "日废水量", "日废水排放量", "废水日排放量"),
         "per_month": ("wastewater_m3_per_month", "monthly_wastewater", "月排水量", "月废水量", "月废水排放量"),
         "months": ("working_months", "operating_months", "production_months", "生产月数", "实际生产月数", "开工月数"),
         # the GB 3838 class of the receiving water: it chooses among direct-discharge answers graded by it (GB 13457)
         "water_class": ("receiving_water_function_class", "receiving_water_class", "water_function_class",
                         "受纳水体功能区类别", "受纳水体类别", "受纳水体功能类别", "水功能区类别", "受纳水域类别",
                         "水域功能类别", "水环境功能区类别")}
_KEY_OF = {normalise(a).replace("_", ""): key for key, names in _KEYS.items() for a in names}
_YEAR_TAIL = re.compile(r"[_\s-]*(?:19|20)\d\d$")          # operating_months_2024: the survey year's months
_MODES = {"direct": ("direct", "直接排放", "直接", "直排"), "indirect": ("indirect", "间接排放", "间接", "间排", "纳管")}
_MODE_OF = {normalise(w): mode for mode, words in _MODES.items() for w in words}
_STORMWATER = ("雨水排口", "雨水排放口", "雨排口", "雨水口", "雨水井", "雨水总排口", "stormwater", "storm water",
               "rainwater outlet")
_INLET_WORDS = ("进口", "进水", "入口", "inlet", "influent")
_OUTLET_WORDS = ("出口", "出水", "outlet", "effluent")


_NOTE_TAIL = re.compile(r"(?:_note|_remark|说明|备注)$", re.I)


def team_key(key: Any) -> str | None:
    """The wastewater key a fact's name is (日排水量, discharge_mode, operating_months_2024), or None."""
    return _team_key(key) if isinstance(key, str) else None


@lru_cache(maxsize=1 << 12)   # every enterprise of a survey writes the same few fact keys
def _team_key(key: str) -> str | None:
    return _KEY_OF.get(normalise(_YEAR_TAIL.sub("", key.strip())).replace("_", ""))


def note_key(key: Any) -> bool:
    """A fact named as a remark on something (idle_note, 停产说明): kept as a note."""
    return isinstance(key, str) and _note_key(key)


@lru_cache(maxsize=1 << 12)
def _note_key(key: str) -> bool:
    return bool(_NOTE_TAIL.search(key.strip()))


def stormwater(raw: dict) -> str | None:
    """The place written when an emission line was measured at a stormwater outlet, else None."""
    for key in ("process", "point"):
        text = raw.get(key)
        if isinstance(text, str) and any(w in normalise(text) for w in map(normalise, _STORMWATER)):
            return text
    return None


def inlet_note(raw: dict) -> str | None:
    """The note when it names the sampling point as an inlet (调节池进口, 进水) and not as an outlet."""
    note = raw.get("note")
    if not isinstance(note, str):
        return None
    text = normalise(note)
    inlet = any(normalise(w) in text for w in _INLET_WORDS)
    outlet = any(normalise(w) in text for w in _OUTLET_WORDS)
    return note if inlet and not outlet else None


def wastewater_line(reader: SurveyReader, ent: Enterprise, raw: dict, path: str) -> bool:
    """An emissions line of the wastewater itself (废水 62 万吨/年): kept as the enterprise's annual wastewater in m³/a,
    never as a pollutant's tonnes. True when the line was such a one (read or refused here)."""
    name = raw.get("pollutant")
    if not isinstance(name, str) or normalise(name) not in _WASTEWATER_NAMES:
        return False
    found = reader.quantity(raw.get("value"), f"{path}.value")
    unit = raw.get("unit") or (found[1] if found else None)
    if found is None:
        return True
    volume = _cubic_metres_a(reader, found[0], str(unit or ""))
    if volume is None:
        reader.error(f"{path}.unit", f"the wastewater of a year is a volume per year; {unit!r} is not one "
                                     "(write m3/a or 万吨/年).",
                     f"年废水量应为每年的体积；“{unit}”不是（请填 m3/a 或 万吨/年）。")
        return True
    ent.wastewater.append({"m3_a": volume, "written": f"{name} {found[0]:g} {unit}", "place": reader._place(path)})
    return True


def _cubic_metres_a(reader: SurveyReader, value: float, unit: str) -> float | None:
    if not unit:
        return None
    try:
        return reader.units.conversion(unit, "meter**3/year").apply(value)
    except Exception:  # noqa: BLE001 - UnitProblem or unreadable: a mass of water (万吨/年) is tried next
        pass
    return reader._as_water(value, unit, "meter**3/year")


def take_team_keys(reader: SurveyReader, ent: Enterprise, facts: dict, path: str) -> dict:
    """The facts without the wastewater keys read here; what they say is kept on the enterprise."""
    rest = {}
    for key, value in facts.items():
        kind = team_key(key) or _route_words(reader, key, value)
        if kind is None:   # most keys are the sector's own questions: passed on without building their place
            if note_key(key) and value is not None:
                ent.notes.append(f"{key}: {value}")
            else:
                rest[key] = value
            continue
        place = f"{path}.{key}"
        if kind == "receiving":
            ent.notes.append(f"{key}: {value}")
        elif kind == "water_class":
            ent.water_class = read_water_class(reader, key, value, place) or ent.water_class
        elif kind == "mode":
            mode = _MODE_OF.get(normalise(str(value)))
            if mode is None:
                reader.warn(place, f"{value!r} is neither direct nor indirect discharge; left unanswered.",
                            f"“{value}”既不是直接排放也不是间接排放；按未回答处理。")
            else:   # the enterprise's own word: it wins over a route read from an outlet's name
                ent.routes.insert(0, (mode, f"{key}: {value}", reader._place(place)))
                ent.own_route = mode
        else:
            number = reader.number(value, place)
            if number is not None and number > 0:
                ent.flow_keys[kind] = (number, reader._place(place), str(key))
    return rest


def read_water_class(reader: SurveyReader, key: Any, value: Any, place: str) -> tuple[str, str] | None:
    """(class, what was written) of a receiving water's class key; an unreadable one is said and left out."""
    cls = water_class(value)
    if cls is None:
        reader.warn(place, f"{value!r} is no water class I–V of GB 3838; the receiving water's class is left unknown.",
                    f"“{value}”不是GB 3838的I～V类水域类别；受纳水体类别按未知处理。")
        return None
    return cls, f"{key}: {value}"


def take_water_class(reader: SurveyReader, facts: dict, scope: dict) -> dict:
    """The scope facts without the receiving water's class, which is kept as scope['water_class'] for every
    enterprise that does not write its own."""
    rest = {}
    for key, value in facts.items():
        if team_key(key) == "water_class":
            found = read_water_class(reader, key, value, f"scope.facts.{key}")
            if found:
                scope["water_class"] = found
        else:
            rest[key] = value
    return rest


def _route_words(reader: SurveyReader, key: Any, value: Any) -> str | None:
    """mode when a discharge-route question (废水排放去向) is answered with words that say only the side (纳管, 间接排放)
    and name none of its choices: read like discharge_mode, so the sewer question is answered and the choice is not
    guessed."""
    if not isinstance(key, str) or not isinstance(value, str) or normalise(value) not in _MODE_OF:
        return None
    iri = reader.matcher.resolve("fact", key, reader.sector)
    fact = next((f for f in route_facts(reader.kb, reader.sector) if f.iri == iri and f.datatype == "choice"), None)
    if fact is None or match_choice(value, reader.kb.facts[iri]["choice_names"]):
        return None
    return "mode"


_FACT_IRI_LOCK = threading.Lock()


def _fact_iri(reader: SurveyReader, key: str) -> str | None:
    """The fact of the survey's sector (or a shared one) whose key is `key`; looked up once per knowledge base,
    sector and key (read for every enterprise)."""
    kb, sector = reader.kb, reader.sector
    with _FACT_IRI_LOCK:
        cache = getattr(kb, "_fact_iri_cache", None)
        if cache is None:
            cache = kb._fact_iri_cache = {}
    if (sector, key) not in cache:
        cache[(sector, key)] = next((iri for iri in kb.facts if iri.rsplit("/", 1)[-1] == key
                                     and kb.sector_of.get(iri) in (sector, None, "")), None)
    return cache[(sector, key)]


def annual_wastewater(reader: SurveyReader, ent: Enterprise) -> None:
    """The fact 年废水排放量 from what the team wrote, where the enterprise did not answer it itself: an emissions line
    `废水` first (a metered or reported year), else daily flow × working days, else monthly flow × months; the
    working days are cut to the months the plant ran when it stood idle part of the year."""
    days_iri = _fact_iri(reader, DAYS_FACT)
    _idle_months(reader, ent, days_iri)
    iri = _fact_iri(reader, WASTEWATER_FACT)
    if iri is None or ent.facts.get(iri) is not None:
        return
    flows = ent.flow_keys
    if ent.wastewater:
        line = ent.wastewater[0]
        ent.facts[iri] = line["m3_a"]
        reader.warn(line["place"], f"{line['written']} read as the annual wastewater “年废水排放量” = {line['m3_a']:,.0f} m³/a, "
                                   "for concentration × volume loads; it is no pollutant and not added to any load.",
                    f"{line['written']} 按年废水排放量 {line['m3_a']:,.0f} m³/a 读取，用于浓度×水量计算排放量；废水不是污染物，不计入任何负荷合计。")
        return
    days = ent.facts.get(days_iri) if days_iri else None
    if "per_day" in flows and isinstance(days, (int, float)):
        (per_day, place, key) = flows["per_day"]
        volume = per_day * days
        how_en, how_zh = f"{key} {per_day:g} m³/d × {days:g} d/a", f"{key} {per_day:g} m³/d × 年生产天数 {days:g} d"
    elif "per_month" in flows and "months" in flows:
        (per_month, place, key), months = flows["per_month"], flows["months"][0]
        volume = per_month * months
        how_en, how_zh = f"{key} {per_month:g} m³/month × {months:g} months", f"{key} {per_month:g} m³/月 × {months:g} 个月"
    else:
        if "per_day" in flows:
            reader.warn(flows["per_day"][1], "a daily wastewater flow without the working days (年生产天数): no annual "
                                             "wastewater, so no concentration is turned into a load.",
                        "有日排水量但无年生产天数：无法得出年废水量，浓度不折算为排放量。")
        return
    ent.facts[iri] = volume
    reader.warn(place, f"annual wastewater “年废水排放量” = {how_en} = {volume:,.0f} m³/a (the enterprise's own flow "
                       "and time, not metered).",
                f"年废水排放量 = {how_zh} = {volume:,.0f} m³/a（水量与时间为企业填报，非计量）。")
    _against_intake(reader, ent, volume, place)


def _idle_months(reader: SurveyReader, ent: Enterprise, days_iri: str | None) -> None:
    """Working days that do not fit the months the plant ran (300 d in 6 months) are taken in proportion to them."""
    if "months" not in ent.flow_keys or not days_iri:
        return
    months, place, key = ent.flow_keys["months"]
    days = ent.facts.get(days_iri)
    if not isinstance(days, (int, float)) or months >= 12 or days <= months * 31:
        return
    cut = days * months / 12
    ent.facts[days_iri] = cut
    reader.warn(place, f"{days:g} working days do not fit {key} = {months:g} months (at most {months * 31:g} d): "
                       f"the days are taken in proportion, {days:g} × {months:g}/12 = {cut:g} d.",
                f"年生产天数 {days:g} 天与实际生产 {months:g} 个月（{key}，至多 {months * 31:g} 天）不符：按月数折算为 "
                f"{days:g}×{months:g}/12 = {cut:g} 天。")


def _against_intake(reader: SurveyReader, ent: Enterprise, volume: float, place: str) -> None:
    """Wastewater above the fresh water taken in is said: the days or the flow are likely overstated."""
    intake_iri = next((i for i in reader.kb.facts if i.rsplit("/", 1)[-1] == "annual-fresh-water"
                       and i in ent.facts), None)
    intake = ent.facts.get(intake_iri) if intake_iri else None
    if isinstance(intake, (int, float)) and intake > 0 and volume > intake * 1.05:
        reader.warn(place, f"the annual wastewater {volume:,.0f} m³/a is more than the fresh water taken in "
                           f"({intake:,.0f} t/a): check the days (idle months?) or the flow.",
                    f"年废水量 {volume:,.0f} m³/a 超过年新鲜水取水量 {intake:,.0f} t/a：请核实天数（是否有停产月份）或日排水量。")
