"""Reads and writes surveys as the Excel template (one sheet per list of spec/survey.md) and as long-format CSV.

Both readers only rebuild the raw survey mapping faithfully (numbers stay numbers, empty cells are left out) and
a map from field paths to cells; SurveyReader judges the content, so every content error points at its cell.
Only problems of the file's shape (not a workbook, a row naming an enterprise that the enterprises sheet lacks)
are raised here, all at once, as a SurveyError.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from .knowledge import normalise
from .limits import SurveyLimits
# the sheet table lives with the other format tables, so that the template needs nothing of this module
from .survey_format import (SCOPE_FIELDS, SCOPE_ZH, SHEET_BY_KEY, SHEETS, SURVEY_VERSION, Column, Sheet, SurveyError,
                            SurveyProblem)

TECHNIQUE_SEPARATORS = re.compile(r"[、;；,，\n]")


def _tokens(text: str) -> set[str]:
    """Ways a header or sheet title may be written: whole, and each word (either language), '*' dropped."""
    text = str(text).replace("*", " ").replace("/", " ").replace("（", " ").replace("）", " ")
    text = text.replace("(", " ").replace(")", " ")
    words = text.split()
    return {normalise(text)} | {normalise(w) for w in words} | {normalise("_".join(words[-2:]))} if words else set()


def _names(key: str, zh: str, en: str) -> set[str]:
    return {normalise(key), normalise(zh), normalise(en), normalise(en.replace(" ", "_")), normalise(f"{zh} {en}")}


def _match_sheet(title: str) -> Sheet | None:
    """The sheet a tab title names, in either language ("企业 enterprises", "企业", "enterprises")."""
    for sheet in SHEETS:
        if normalise(title) in _names(sheet.key, sheet.zh, sheet.en):
            return sheet
    found = _tokens(title)
    for sheet in SHEETS:
        if normalise(sheet.zh) in found or normalise(sheet.en) in found:
            return sheet
    return None


def _match_column(sheet: Sheet, header: Any) -> Column | None:
    if header is None or not str(header).strip():
        return None
    whole = normalise(str(header).replace("*", ""))
    for col in sheet.columns:
        if whole in _names(col.key, col.zh, col.en):
            return col
    found = _tokens(str(header))
    for col in sheet.columns:
        if found & {normalise(col.zh), normalise(col.en), normalise(col.key)}:
            return col
    return None


def _clean(value: Any, kind: str) -> Any:
    """A cell as the raw survey holds it: None for empty, text stripped, numbers as numbers."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        if kind == "number":
            try:
                number = float(value.replace(",", ""))
            except ValueError:
                return value  # SurveyReader reports it, at its cell
            return int(number) if re.fullmatch(r"[-+]?\d+", value) else number
        return value
    if kind == "text" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def split_techniques(text: Any) -> list[Any]:
    if text is None:
        return []
    if not isinstance(text, str):
        return [text]
    return [t.strip() for t in TECHNIQUE_SEPARATORS.split(text) if t.strip()]


# ---------------------------------------------------------------------- building the raw survey from rows


class _Builder:
    """Rows (from sheets or CSV) into the raw survey mapping, with the field path -> place map."""

    def __init__(self):
        self.raw: dict[str, Any] = {"cpkb_survey": SURVEY_VERSION, "scope": {}, "enterprises": []}
        self.cells: dict[str, str] = {}
        self.structural: list[SurveyProblem] = []
        self.index: dict[str, int] = {}
        self.pending_refs: list[tuple[str, str, Any]] = []  # rows naming unknown enterprises

    def place(self, path: str, where: str) -> None:
        self.cells.setdefault(path, where)

    def scope_item(self, field: Any, value: Any, where_field: str, where_value: str) -> None:
        if field is None:
            if value is not None:
                self.structural.append(SurveyProblem(where_field, "a scope row needs the field name (e.g. sector 行业)."))
            return
        name = str(field).strip()
        key = next((k for k in SCOPE_FIELDS if normalise(name) in {normalise(k), normalise(SCOPE_ZH[k]),
                                                                     normalise(f"{SCOPE_ZH[k]} {k}")}), None)
        if key is None and normalise(name) in {"cpkb_survey", "version", "格式版本"}:
            self.raw["cpkb_survey"] = value
            self.place("cpkb_survey", where_value)
            return
        if key is None and re.match(r"^(facts|事实)[.:：]", name):
            fact = re.split(r"[.:：]", name, maxsplit=1)[1].strip()
            self.raw["scope"].setdefault("facts", {})[fact] = _fact_cell(value)
            self.place(f"scope.facts.{fact}", where_value)
            return
        key = key or name
        if value is None:
            return
        self.raw["scope"][key] = value
        self.place(f"scope.{key}", where_value)

    def enterprise(self, ident: Any, name: Any, where_id: str, where_name: str | None, where_row: str) -> None:
        if ident is None:
            if name is not None:
                self.structural.append(SurveyProblem(where_id, "an enterprise row needs its id (企业编号)."))
            return
        i = len(self.raw["enterprises"])
        entry: dict[str, Any] = {"id": ident}
        if name is not None:
            entry["name"] = name
        self.raw["enterprises"].append(entry)
        self.index.setdefault(str(ident), i)  # a duplicate id stays a second enterprise: SurveyReader reports it
        self.place(f"enterprises[{i}]", where_row)
        self.place(f"enterprises[{i}].id", where_id)
        if where_name:
            self.place(f"enterprises[{i}].name", where_name)

    def owner(self, ident: Any, where: str, sheet_title: str) -> tuple[dict, str] | None:
        if ident is None:
            self.structural.append(SurveyProblem(where, f"the row of {sheet_title} has data but no enterprise id "
                                                        "(企业编号); fill it in or delete the row."))
            return None
        i = self.index.get(str(ident))
        if i is None:
            self.structural.append(SurveyProblem(where, f"enterprise {ident!r} is not on the enterprises sheet "
                                                        "(企业 enterprises); add it there or correct the id."))
            return None
        return self.raw["enterprises"][i], f"enterprises[{i}]"

    def add_item(self, ent: dict, base: str, section: str, item: dict, places: dict[str, str], row_place: str) -> str:
        items = ent.setdefault(section, [])
        path = f"{base}.{section}[{len(items)}]"
        items.append(item)
        self.place(path, row_place)
        for key, where in places.items():
            self.place(f"{path}.{key}", where)
        return path

    def output(self, ent: dict, base: str, item: dict, places: dict[str, str], row_place: str) -> None:
        current = ent.get("output")
        if current is None:
            ent["output"] = item
            path = f"{base}.output"
        else:
            if isinstance(current, dict):  # a second product: the output becomes a list, places follow
                ent["output"] = [current]
                for key in [k for k in self.cells if k == f"{base}.output" or k.startswith(f"{base}.output.")]:
                    self.cells[key.replace(f"{base}.output", f"{base}.output[0]", 1)] = self.cells.pop(key)
            ent["output"].append(item)
            path = f"{base}.output[{len(ent['output']) - 1}]"
        self.place(path, row_place)
        for key, where in places.items():
            self.place(f"{path}.{key}", where)

    def process(self, ent: dict, base: str, process: Any, techniques: list, places: dict[str, str],
                row_place: str, tech_place: str | None, complete: Any = None) -> None:
        item = {"process": process, "techniques": techniques}
        if complete is not None:
            item["complete"] = complete
        path = self.add_item(ent, base, "processes", item,
                             {k: v for k, v in places.items() if k != "techniques"}, row_place)
        if tech_place:
            self.place(f"{path}.techniques", tech_place)
            for k in range(len(techniques)):
                self.place(f"{path}.techniques[{k}]", tech_place)

    def technique(self, ent: dict, base: str, process: Any, technique: Any, where: str, row_place: str) -> None:
        """Long format: a technique row adds to the process entry of the same name, created if needed."""
        procs = ent.setdefault("processes", [])
        j = next((j for j, p in enumerate(procs) if normalise(str(p.get("process"))) == normalise(str(process))), None)
        if j is None:
            procs.append({"process": process, "techniques": []})
            j = len(procs) - 1
            self.place(f"{base}.processes[{j}]", row_place)
            self.place(f"{base}.processes[{j}].process", row_place)
        techs = procs[j]["techniques"]
        techs.append(technique)
        self.place(f"{base}.processes[{j}].techniques[{len(techs) - 1}]", where)

    def fact(self, ent: dict, base: str, key: Any, value: Any, where_value: str) -> None:
        facts = ent.setdefault("facts", {})
        facts[str(key)] = _fact_cell(value)
        self.place(f"{base}.facts.{key}", where_value)

    def sub_property(self, ent: dict, base: str, section: str, match: dict, prop: dict, places: dict[str, str],
                     row_place: str) -> None:
        """A property row joins the first material/stream row whose reference columns match; otherwise it opens
        an entry of its own (SurveyReader then reports what that entry lacks, at this row)."""
        items = ent.setdefault(section, [])
        for j, item in enumerate(items):
            if all(normalise(str(item.get(k))) == normalise(str(v)) for k, v in match.items()):
                break
        else:
            items.append(dict(match))
            j = len(items) - 1
            self.place(f"{base}.{section}[{j}]", row_place)
            for k in match:
                self.place(f"{base}.{section}[{j}].{k}", row_place)
        props = items[j].setdefault("properties", [])
        path = f"{base}.{section}[{j}].properties[{len(props)}]"
        props.append(prop)
        self.place(path, row_place)
        for key, where in places.items():
            self.place(f"{path}.{key}", where)

    def finish(self) -> tuple[dict, dict[str, str]]:
        if self.structural:
            raise SurveyError(self.structural)
        if not self.raw["scope"]:
            del self.raw["scope"]
        return self.raw, self.cells


# ---------------------------------------------------------------------- workbook reader


def read_workbook(data: bytes, limits: SurveyLimits | None = None) -> tuple[dict, dict[str, str]]:
    """The raw survey of a workbook in the template's layout, and field path -> 'sheet!cell'.

    The zip is checked before it is parsed and each sheet is streamed with a row cap (safe_load.py)."""
    from openpyxl.utils import get_column_letter

    from .safe_load import open_workbook, sheet_rows

    limits = limits or SurveyLimits.from_settings()
    book = open_workbook(data, limits)
    sheets: dict[str, tuple[str, list[tuple]]] = {}
    try:
        for ws in book.worksheets:
            sheet = _match_sheet(ws.title)
            if sheet is not None and sheet.key not in sheets:
                sheets[sheet.key] = (ws.title, sheet_rows(ws, limits))
    finally:
        book.close()
    if "enterprises" not in sheets:
        raise SurveyError([SurveyProblem("(workbook)", "no enterprises sheet (企业 enterprises); use the layout of "
                                         "`cpkb template --sector …`.")])
    b = _Builder()
    problems: list[SurveyProblem] = []

    def rows_of(key: str):
        """(row number, {column key: (value, 'sheet!cell')}) for each non-empty data row."""
        if key not in sheets:
            return
        title, rows = sheets[key]
        sheet = SHEET_BY_KEY[key]
        if not rows:
            return
        columns: dict[int, Column] = {}
        for c, header in enumerate(rows[0]):
            col = _match_column(sheet, header)
            if col is not None and col not in columns.values():
                columns[c] = col
            elif header not in (None, "") and col is None:
                problems.append(SurveyProblem(f"{title}!{get_column_letter(c + 1)}1",
                                              f"unknown column {header!r}; the columns of this sheet are "
                                              + ", ".join(x.header for x in sheet.columns) + "."))
        for r, row in enumerate(rows[1:], start=2):
            values = {}
            for c, col in columns.items():
                v = _clean(row[c] if c < len(row) else None, col.kind)
                values[col.key] = (v, f"{title}!{get_column_letter(c + 1)}{r}")
            if all(v is None for v, _ in values.values()):
                continue
            yield r, title, values

    for r, title, v in rows_of("scope"):
        b.scope_item(v.get("field", (None, ""))[0], v.get("value", (None, ""))[0],
                     v.get("field", (None, f"{title}!A{r}"))[1], v.get("value", (None, f"{title}!B{r}"))[1])
    for r, title, v in rows_of("enterprises"):
        ident, where_id = v.get("id", (None, f"{title}!A{r}"))
        b.enterprise(ident, v.get("name", (None, None))[0], where_id, v.get("name", (None, None))[1], f"{title}!A{r}")
    _fill_sections(b, rows_of)
    b.structural = problems + b.structural
    return b.finish()


def _fill_sections(b: _Builder, rows_of) -> None:
    def owned(key):
        for r, title, v in rows_of(key):
            ent_value, ent_where = v.pop("enterprise", (None, f"{title}!A{r}"))
            found = b.owner(ent_value, ent_where, title)
            if found:
                ent, base = found
                given = {k: x for k, (x, _) in v.items() if x is not None}
                places = {k: w for k, (_, w) in v.items()}
                yield ent, base, given, places, f"{title}!A{r}"

    for ent, base, given, places, row in owned("output"):
        b.output(ent, base, given, places, row)
    for ent, base, given, places, row in owned("materials"):
        b.add_item(ent, base, "materials", given, places, row)
    for ent, base, given, places, row in owned("material_properties"):
        match = {"material": given.get("material")}
        if given.get("material_process") is not None:
            match["process"] = given["material_process"]
        prop = {k: given[k] for k in ("property", "value", "unit") if k in given}
        b.sub_property(ent, base, "materials", match, prop, places, row)
    for ent, base, given, places, row in owned("processes"):
        b.process(ent, base, given.get("process"), split_techniques(given.get("techniques")), places, row,
                  places.get("techniques"), given.get("complete"))
    for section in ("indicators", "emissions", "streams"):
        for ent, base, given, places, row in owned(section):
            b.add_item(ent, base, section, given, places, row)
    for ent, base, given, places, row in owned("stream_properties"):
        match = {k: given.get(k) for k in ("direction", "resource")}
        if given.get("stream_process") is not None:
            match["process"] = given["stream_process"]
        prop = {k: given[k] for k in ("property", "value", "unit") if k in given}
        b.sub_property(ent, base, "streams", match, prop, places, row)
    for ent, base, given, places, row in owned("facts"):
        if given.get("fact") is None:
            b.structural.append(SurveyProblem(places.get("fact", row), "a facts row needs the fact (事实) it answers."))
            continue
        b.fact(ent, base, given["fact"], given.get("value"), places.get("value", row))


# ---------------------------------------------------------------------- long-format CSV

CSV_COLUMNS = ("section", "enterprise", "name", "value", "unit", "process", "stage", "o2_ref_pct", "direction",
               "temperature_c", "fate", "item", "item_process")
CSV_SECTIONS = {
    "scope": "范围", "enterprise": "企业", "output": "产量", "material": "原辅材料", "material_property": "材料属性",
    "process": "工序", "technique": "工艺装备", "indicator": "指标", "emission": "污染物", "stream": "资源流",
    "stream_property": "资源流属性", "fact": "事实",
}
_CSV_ZH = {"section": "部分", "enterprise": "企业编号", "name": "名称", "value": "数值", "unit": "单位", "process": "工序",
           "stage": "环节", "o2_ref_pct": "基准氧含量", "direction": "方向", "temperature_c": "温度", "fate": "去向",
           "item": "所属项", "item_process": "所属项工序"}
_CSV_NUMBERS = {"o2_ref_pct", "temperature_c"}


def _csv_number(text: str | None) -> Any:
    """CSV holds text: a value that reads as a number (or true/false) becomes one (ids and names stay text)."""
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    if re.fullmatch(r"[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?", text):
        return float(text)
    return text


def read_csv(data: bytes) -> tuple[dict, dict[str, str]]:
    """The raw survey of a long-format CSV (one row per fact; diagnostics/README.md) and path -> 'row N, column'."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise SurveyError([SurveyProblem("(csv)", "the file is neither UTF-8 nor GB18030 text.")]) from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise SurveyError([SurveyProblem("(csv)", "empty CSV: the first row names the columns "
                                         f"({', '.join(CSV_COLUMNS)}).")]) from None
    columns: dict[int, str] = {}
    problems = []
    for c, name in enumerate(header):
        whole = normalise(name)
        key = next((k for k in CSV_COLUMNS if whole in {normalise(k), normalise(_CSV_ZH[k]),
                                                        normalise(f"{_CSV_ZH[k]} {k}")}
                    or normalise(k) in _tokens(name) or normalise(_CSV_ZH[k]) in _tokens(name)), None)
        if key is None:
            if name.strip():
                problems.append(SurveyProblem(f"row 1, column {c + 1}", f"unknown column {name!r}; the columns are "
                                              f"{', '.join(CSV_COLUMNS)}."))
        else:
            columns[c] = key
    if "section" not in columns.values():
        raise SurveyError(problems + [SurveyProblem("row 1", "the CSV needs a `section` column (see "
                                                    "diagnostics/README.md, long-format CSV).")])
    section_of = {normalise(k): k for k in CSV_SECTIONS} | {normalise(v): k for k, v in CSV_SECTIONS.items()}
    section_of.update({normalise(k + "s"): k for k in CSV_SECTIONS})
    b = _Builder()
    b.structural = problems
    rows = []
    limit = SurveyLimits.from_settings().max_sheet_rows
    r = 1
    try:
        for r, row in enumerate(reader, start=2):
            if r > limit + 1:
                raise SurveyError([SurveyProblem(f"row {r}", f"the CSV goes past {limit:,} data rows, the limit "
                                                 "(setting max_sheet_rows). Split the survey, e.g. by county or park.",
                                                 zh=f"CSV 超过 {limit:,} 行数据的上限（设置 max_sheet_rows）。"
                                                    "请按县区或园区拆分填报。", fatal=True)])
            values = {}
            for c, key in columns.items():
                raw = row[c] if c < len(row) else None
                number = key in ("value", *_CSV_NUMBERS)
                values[key] = (_csv_number(raw) if number else (raw.strip() or None if raw else None),
                               f"row {r}, {key}")
            if all(v is None for v, _ in values.values()):
                continue
            rows.append((r, values))
    except csv.Error as exc:
        raise SurveyError([SurveyProblem(f"row {r + 1}", f"not valid CSV: {exc}.",
                                         zh=f"不是有效的 CSV：{exc}。", fatal=True)]) from None
    for r, v in rows:
        section = v["section"][0]
        key = section_of.get(normalise(str(section))) if section is not None else None
        if key is None:
            b.structural.append(SurveyProblem(f"row {r}, section", f"unknown section {section!r}; one of "
                                              f"{', '.join(CSV_SECTIONS)}."))
            continue
        get = lambda k: v.get(k, (None, f"row {r}, {k}"))  # noqa: E731
        if key == "scope":
            b.scope_item(get("name")[0], get("value")[0], get("name")[1], get("value")[1])
        elif key == "enterprise":
            b.enterprise(get("enterprise")[0], get("name")[0], get("enterprise")[1], get("name")[1], f"row {r}")
    for r, v in rows:
        get = lambda k: v.get(k, (None, f"row {r}, {k}"))  # noqa: E731
        key = section_of.get(normalise(str(v["section"][0])))
        if key in (None, "scope", "enterprise"):
            continue
        ident = get("enterprise")[0]
        found = b.owner(str(ident) if isinstance(ident, (int, float)) and not isinstance(ident, bool) else ident,
                        get("enterprise")[1], f"section {key}")
        if not found:
            continue
        ent, base = found
        row_place = f"row {r}"

        def pick(*pairs):
            given, places = {}, {}
            for field, col in pairs:
                value, where = get(col)
                places[field] = where
                if value is not None:
                    given[field] = value
            return given, places

        if key == "output":
            b.output(ent, base, *pick(("product", "name"), ("value", "value"), ("unit", "unit")), row_place)
        elif key == "material":
            b.add_item(ent, base, "materials", *pick(("material", "name"), ("value", "value"), ("unit", "unit"),
                                                      ("process", "process")), row_place)
        elif key == "material_property":
            match = {"material": get("item")[0]}
            if get("item_process")[0] is not None:
                match["process"] = get("item_process")[0]
            b.sub_property(ent, base, "materials", match,
                           *pick(("property", "name"), ("value", "value"), ("unit", "unit")), row_place)
        elif key == "process":
            name = get("name")[0]
            procs = ent.setdefault("processes", [])
            if not any(normalise(str(p.get("process"))) == normalise(str(name)) for p in procs):
                b.process(ent, base, name, [], {"process": get("name")[1], "complete": get("value")[1]}, row_place,
                          None, get("value")[0])
        elif key == "technique":
            b.technique(ent, base, get("process")[0], get("name")[0], get("name")[1], row_place)
        elif key == "indicator":
            b.add_item(ent, base, "indicators", *pick(("indicator", "name"), ("value", "value"), ("unit", "unit"),
                                                       ("process", "process")), row_place)
        elif key == "emission":
            b.add_item(ent, base, "emissions", *pick(("pollutant", "name"), ("value", "value"), ("unit", "unit"),
                                                      ("stage", "stage"), ("process", "process"),
                                                      ("o2_ref_pct", "o2_ref_pct"), ("o2_measured_pct", "o2_measured_pct"),
                                                      ("point", "point")), row_place)
        elif key == "stream":
            b.add_item(ent, base, "streams", *pick(("direction", "direction"), ("resource", "name"),
                                                    ("value", "value"), ("unit", "unit"),
                                                    ("temperature_c", "temperature_c"), ("process", "process"),
                                                    ("fate", "fate")), row_place)
        elif key == "stream_property":
            match = {"direction": get("direction")[0], "resource": get("item")[0]}
            if get("item_process")[0] is not None:
                match["process"] = get("item_process")[0]
            b.sub_property(ent, base, "streams", match,
                           *pick(("property", "name"), ("value", "value"), ("unit", "unit")), row_place)
        elif key == "fact":
            if get("name")[0] is None:
                b.structural.append(SurveyProblem(get("name")[1], "a fact row needs the fact key in `name`."))
                continue
            b.fact(ent, base, get("name")[0], get("value")[0], get("value")[1])
    return b.finish()


def write_survey_csv(raw: dict) -> str:
    """A raw survey as long-format CSV text (the inverse of read_csv)."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    scope = raw.get("scope") or {}
    for key in SCOPE_FIELDS:
        if scope.get(key) not in (None, ""):
            w.writerow({"section": "scope", "name": key, "value": _joined(scope[key])})
    for key, value in (scope.get("facts") or {}).items():
        w.writerow({"section": "scope", "name": f"facts.{key}", "value": _csv_cell(value)})
    for ent in raw.get("enterprises") or []:
        w.writerow({"section": "enterprise", "enterprise": ent.get("id"), "name": ent.get("name")})
    for ent in raw.get("enterprises") or []:
        eid = ent.get("id")
        outputs = ent.get("output")
        for o in (outputs if isinstance(outputs, list) else [outputs] if outputs else []):
            w.writerow({"section": "output", "enterprise": eid, "name": o.get("product"), "value": o.get("value"),
                        "unit": o.get("unit")})
        for m in ent.get("materials") or []:
            w.writerow({"section": "material", "enterprise": eid, "name": m.get("material"), "value": m.get("value"),
                        "unit": m.get("unit"), "process": m.get("process")})
            for p in m.get("properties") or []:
                w.writerow({"section": "material_property", "enterprise": eid, "item": m.get("material"),
                            "item_process": m.get("process"), "name": p.get("property"), "value": p.get("value"),
                            "unit": p.get("unit")})
        for p in ent.get("processes") or []:
            w.writerow({"section": "process", "enterprise": eid, "name": p.get("process"),
                        "value": _csv_cell(p.get("complete"))})
            for t in p.get("techniques") or []:
                w.writerow({"section": "technique", "enterprise": eid, "process": p.get("process"), "name": t})
        for i in ent.get("indicators") or []:
            w.writerow({"section": "indicator", "enterprise": eid, "name": i.get("indicator"), "value": i.get("value"),
                        "unit": i.get("unit"), "process": i.get("process")})
        for e in ent.get("emissions") or []:
            w.writerow({"section": "emission", "enterprise": eid, "name": e.get("pollutant"), "value": e.get("value"),
                        "unit": e.get("unit"), "stage": e.get("stage"), "process": e.get("process"),
                        "o2_ref_pct": e.get("o2_ref_pct")})
        for s in ent.get("streams") or []:
            w.writerow({"section": "stream", "enterprise": eid, "direction": s.get("direction"),
                        "name": s.get("resource"), "value": s.get("value"), "unit": s.get("unit"),
                        "temperature_c": s.get("temperature_c"), "process": s.get("process"), "fate": s.get("fate")})
            for p in s.get("properties") or []:
                w.writerow({"section": "stream_property", "enterprise": eid, "direction": s.get("direction"),
                            "item": s.get("resource"), "item_process": s.get("process"), "name": p.get("property"),
                            "value": p.get("value"), "unit": p.get("unit")})
        for key, value in (ent.get("facts") or {}).items():
            w.writerow({"section": "fact", "enterprise": eid, "name": key, "value": _csv_cell(value)})
    return out.getvalue()


def _fact_cell(value: Any) -> Any:
    """A fact cell back to its answer: several choices are written joined by 、 (the metals plated)."""
    if isinstance(value, str) and "、" in value:
        return [v.strip() for v in value.split("、") if v.strip()]
    return value


def _joined(value: Any) -> Any:
    """Several choices of one fact (the metals plated) in one cell, joined by 、."""
    return "、".join(str(v) for v in value) if isinstance(value, (list, tuple)) else value


def _csv_cell(value: Any) -> Any:
    value = _joined(value)
    return {True: "true", False: "false"}.get(value, value) if isinstance(value, bool) else value


# ---------------------------------------------------------------------- workbook writer


def _row_values(sheet: Sheet, item: dict, enterprise: Any = None) -> list[Any]:
    values = []
    for col in sheet.columns:
        if col.key == "enterprise":
            values.append(enterprise)
        elif col.key == "techniques":
            values.append("、".join(str(t) for t in item.get("techniques") or []) or None)
        else:
            value = item.get(col.key)
            values.append(value if not isinstance(value, (list, dict)) else str(value))
    return values


def survey_rows(raw: dict) -> dict[str, list[list[Any]]]:
    """The rows of each sheet for a raw survey (without headers)."""
    rows: dict[str, list[list[Any]]] = {s.key: [] for s in SHEETS}
    scope = raw.get("scope") or {}
    for key in SCOPE_FIELDS:
        if scope.get(key) not in (None, ""):
            rows["scope"].append([f"{SCOPE_ZH[key]} {key}", _joined(scope[key])])
    for key, value in (scope.get("facts") or {}).items():
        rows["scope"].append([f"facts.{key}", _joined(value)])
    for ent in raw.get("enterprises") or []:
        if not isinstance(ent, dict):
            continue
        eid = ent.get("id")
        rows["enterprises"].append([eid, ent.get("name")])
        outputs = ent.get("output")
        for o in (outputs if isinstance(outputs, list) else [outputs] if outputs else []):
            rows["output"].append(_row_values(SHEET_BY_KEY["output"], o, eid))
        for m in ent.get("materials") or []:
            rows["materials"].append(_row_values(SHEET_BY_KEY["materials"], m, eid))
            for p in m.get("properties") or []:
                rows["material_properties"].append(_row_values(SHEET_BY_KEY["material_properties"],
                                                               {**p, "material": m.get("material"),
                                                                "material_process": m.get("process")}, eid))
        for p in ent.get("processes") or []:
            rows["processes"].append(_row_values(SHEET_BY_KEY["processes"], p, eid))
        for section in ("indicators", "emissions"):
            for item in ent.get(section) or []:
                rows[section].append(_row_values(SHEET_BY_KEY[section], item, eid))
        for s in ent.get("streams") or []:
            rows["streams"].append(_row_values(SHEET_BY_KEY["streams"], s, eid))
            for p in s.get("properties") or []:
                rows["stream_properties"].append(_row_values(SHEET_BY_KEY["stream_properties"],
                                                             {**p, "direction": s.get("direction"),
                                                              "resource": s.get("resource"),
                                                              "stream_process": s.get("process")}, eid))
        for key, value in (ent.get("facts") or {}).items():
            rows["facts"].append([eid, key, _joined(value)])
    return rows


def write_survey_workbook(raw: dict, store) -> bytes:
    """The sector template (drop-down lists from the knowledge base) filled with a raw survey's data."""
    from openpyxl import load_workbook

    from .knowledge import knowledge_for
    from .template import sector_template
    from .xlsx_text import write_text_safe

    kb = knowledge_for(store)
    sector_name = (raw.get("scope") or {}).get("sector")
    iris = kb.names.get("sector", {}).get(normalise(str(sector_name)), set()) if sector_name else set()
    book = load_workbook(io.BytesIO(sector_template(store, next(iter(iris)) if len(iris) == 1 else None)))
    by_key = {}
    for ws in book.worksheets:
        sheet = _match_sheet(ws.title)
        if sheet is not None and ws.sheet_state == "visible":
            by_key.setdefault(sheet.key, ws)
    for key, rows in survey_rows(raw).items():
        ws = by_key[key]
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    write_text_safe(ws.cell(row=r, column=c), value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
