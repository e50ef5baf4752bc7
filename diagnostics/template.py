"""The Excel survey template of one sector (`cpkb template`): an instructions sheet, one sheet per list of
spec/survey.md with headers in Chinese and English, and drop-down lists drawn from the knowledge base.
"""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cpkb.kb.store import Store

from .knowledge import Knowledge, knowledge_for, normalise
from .survey_format import SCOPE_FIELDS, SCOPE_ZH, SHEETS

VALIDATED_ROWS = 5000          # rows of each list sheet that carry the drop-down lists
LISTS_SHEET = "lists"
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


class UnknownSector(ValueError):
    """The sector named for a template is not in the knowledge base."""


def resolve_sector(kb: Knowledge, name_or_iri: str) -> str:
    """The IRI of a sector named by IRI, key or label; UnknownSector listing the sectors otherwise."""
    iris = kb.names.get("sector", {}).get(normalise(name_or_iri), set())
    if len(iris) == 1:
        return next(iter(iris))
    known = "; ".join(sorted(kb.display_names.get("sector", {}).values()))
    raise UnknownSector(f"unknown sector {name_or_iri!r}; the knowledge base has: {known}.")


def _sorted_labels(kb: Knowledge, iris, key=None) -> list[str]:
    return [kb.labels[i].zh for i in sorted(iris, key=key or (lambda i: kb.labels[i].zh))]


def sector_lists(kb: Knowledge, sector: str | None) -> dict[str, list[str]]:
    """The drop-down lists of a sector's template: names as the knowledge base writes them (Chinese labels)."""
    def of(kind: str) -> list[str]:
        iris = kb.of_sector(kind, sector) if sector else [i for i, k in kb.kinds.items() if k == kind]
        return _sorted_labels(kb, iris)

    every = lambda kind: _sorted_labels(kb, [i for i, k in kb.kinds.items() if k == kind])  # noqa: E731
    processes = kb.of_sector("process", sector) if sector else []
    indicator_iris = sorted(kb.of_sector("indicator", sector) if sector else [],
                            key=lambda i: (kb.indicators[i].category, kb.labels[i].zh))
    units = sorted({u["symbol"] for u in kb.units.values() if u.get("symbol")})
    facts = sorted(f["key"] for iri, f in kb.facts.items()
                   if f["key"] and (not sector or kb.sector_of.get(iri) in (None, sector)))
    return {
        "sector": every("sector"),
        "process": [kb.labels[p].zh for p in sorted(processes, key=lambda p: kb.process_order.get(p, 0))],
        "technique": of("technique") if sector else [],
        "indicator": [kb.labels[i].zh for i in indicator_iris],
        "indicator_unit": [kb.units.get(kb.indicators[i].unit or "", {}).get("symbol") or "" for i in indicator_iris],
        "material": of("material") if sector else [],
        "property": of("property") if sector else [],
        "product": of("product") if sector else [],
        "pollutant": every("pollutant"),
        "resource": every("resource"),
        "fact": facts,
        "unit": units,
        "stage": ["emitted", "generated"],
        "yesno": ["是", "否"],
        "direction": ["out", "in"],
        "pilot_type": ["sector", "park", "region", "basin"],
        "region": every("region"),
        "basin": every("basin"),
    }


_HOW_TO = [
    ("如何填写", "How to fill in"),
    ("每个工作表对应调查格式中的一个列表；第一行是表头（中文 英文），从第二行起每行一条记录。完整说明见浏览器“诊断 → "
     "调查表说明”页（/diagnose/guide），或随软件安装的 cpkb/diagnostics/survey_guide.zh.md。",
     "Each sheet is one list of the survey format; row 1 holds the headers (Chinese English), each further row one "
     "record. The full guide is the browser's page 诊断 → 调查表说明 (/diagnose/guide?lang=en), or the installed file "
     "cpkb/diagnostics/survey.md."),
    ("先在“企业 enterprises”表列出所有企业及其唯一编号，其他表用“企业编号”指向企业。",
     "List every enterprise with a unique id on the 企业 enterprises sheet first; the other sheets refer to it by id."),
    ("名称（工序、工艺、指标、材料、污染物、事实等）可从下拉列表选择，也可写知识库中的任何中英文名称、别名或 IRI；"
     "写错的名称会给出最接近的已知名称。", "Names (processes, techniques, indicators, materials, pollutants, facts …) come from "
     "the drop-down lists, or any Chinese or English label, alternative name or IRI of the knowledge base; an unknown "
     "name is answered with the closest known names."),
    ("数值填数字，单位写在单位列（如 L/m2、%、t/a、万m2）；能换算的单位会自动换算，量纲不对的单位是错误。",
     "Values are numbers, units go in the unit column (e.g. L/m2, %, t/a, 万m2); convertible units are converted, "
     "a unit of the wrong dimension is an error."),
    ("一个工序的多个工艺/装备用 、 ; 或 , 分隔。定性指标填达到的级别 I、II、III 或 none。事实填 是/否、数值或选项。",
     "Several techniques of one process are separated by 、 ; or ,. A qualitative indicator takes the level reached: "
     "I, II, III or none. Facts take yes/no (是/否), a number or a choice."),
    ("“工序与工艺”表的“清单完整”填“是”，表示该行已列出该工序在用的全部工艺装备，未列出的即为未采用；不填时，"
     "仅因未列出某项工艺而得出的问题只列为“待现场核实”，不计入关键共性问题。全部清单都完整时，可在“范围”表写"
     "“技术清单完整 technique_lists_complete = 是”。",
     "On the processes sheet, answer 'complete' 是 (yes) when the row names every technique in use in that process: "
     "what is not listed is then not used. Left empty, a finding that rests only on a technique missing from the list "
     "is 'to verify on site' and makes no key issue. When every list is complete, write "
     "'technique_lists_complete = 是' on the scope sheet."),
    ("空单元格表示未调查；缺少的可选数据不是错误，诊断结果会列出因此未能评价的规则。",
     "An empty cell means not surveyed; missing optional data is no error, the diagnosis lists the rules it could "
     "not evaluate."),
    ("诊断：cpkb diagnose 本文件.xlsx --format docx -o 报告.docx", "Diagnose: cpkb diagnose this-file.xlsx --format docx -o report.docx"),
]


def sector_template(store: Store, sector_name_or_iri: str | None) -> bytes:
    """The template workbook of one sector (None: a generic template without the sector's lists)."""
    kb = knowledge_for(store)
    sector = resolve_sector(kb, sector_name_or_iri) if sector_name_or_iri else None
    lists = sector_lists(kb, sector)
    book = Workbook()
    _instructions(book.active, kb, sector, lists)
    list_ref = _lists_sheet(book, lists)
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.title[:31])
        for c, col in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=1, column=c, value=col.header)
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            note = col.help or (f"下拉列表：知识库中的{col.zh}" if col.list_name else "")
            if col.key == "unit" and sheet.key == "indicators":
                note = "指标的基准单位见“说明 instructions”表 / the unit of each indicator is on the instructions sheet"
            if note:
                cell.comment = Comment(note, "cpkb")
            ws.column_dimensions[get_column_letter(c)].width = max(14, len(col.header) * 1.6)
            name = col.list_name
            if sheet.key == "scope" and col.key == "field":
                name = "scope_field"
            if name and list_ref.get(name):
                dv = DataValidation(type="list", formula1=list_ref[name], allow_blank=True, showErrorMessage=True,
                                    errorStyle="warning", errorTitle="cpkb",
                                    error="不在知识库列表中：可写别名或 IRI / not in the list: an alternative name or IRI "
                                          "also works")
                dv.add(f"{get_column_letter(c)}2:{get_column_letter(c)}{VALIDATED_ROWS}")
                ws.add_data_validation(dv)
        ws.freeze_panes = "A2"
        if sheet.key == "scope":
            for r, key in enumerate(SCOPE_FIELDS, start=2):
                ws.cell(row=r, column=1, value=f"{SCOPE_ZH[key]} {key}")
            if sector:
                ws.cell(row=3, column=2, value=kb.labels[sector].zh)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _lists_sheet(book: Workbook, lists: dict[str, list[str]]) -> dict[str, str]:
    """The hidden sheet holding the drop-down lists; list name -> formula of its range."""
    ws = book.create_sheet(LISTS_SHEET)
    refs = {}
    lists = dict(lists)
    lists["scope_field"] = [f"{SCOPE_ZH[k]} {k}" for k in SCOPE_FIELDS]
    for c, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(c)
        ws.cell(row=1, column=c, value=name)
        for r, value in enumerate(values, start=2):
            ws.cell(row=r, column=c, value=value)
        if values:
            refs[name] = f"={LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
    ws.sheet_state = "hidden"
    return refs


def _instructions(ws, kb: Knowledge, sector: str | None, lists: dict[str, list[str]]) -> None:
    ws.title = "说明 instructions"
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 70
    for col in "CDEFG":
        ws.column_dimensions[col].width = 14
    label = kb.labels[sector] if sector else None
    rows: list[tuple] = [
        ("CPKB 清洁生产审核调查表", "CPKB cleaner-production audit survey"),
        ("行业 sector", f"{label.zh} / {label.en}" if label else "(通用 generic)"),
        ("知识库版本 knowledge-base version", kb.version),
        ("生成时间 generated", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")),
        ("调查格式版本 survey format", "cpkb_survey 1"),
        (),
    ]
    rows += _HOW_TO + [()]
    rows.append(("工作表", "Sheets"))
    rows += [(f"{s.title}：{s.help_zh}", s.help_en) for s in SHEETS]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if r == 1 or (row and row[0] in ("如何填写", "工作表")):
                cell.font = Font(bold=True)
    r = len(rows) + 2
    if sector:
        ws.cell(row=r, column=1, value="评价指标、单位与基准值 indicators, units and benchmarks").font = Font(bold=True)
        r += 1
        for c, head in enumerate(("指标 indicator", "类别 category", "单位 unit", "Ⅰ", "Ⅱ", "Ⅲ", "限定性 limiting"), 1):
            ws.cell(row=r, column=c, value=head).font = Font(bold=True)
        for iri in sorted(kb.of_sector("indicator", sector), key=lambda i: (kb.indicators[i].category, i)):
            ind = kb.indicators[iri]
            r += 1
            unit = kb.units.get(ind.unit or "", {}).get("symbol") or ("I/II/III/none" if not ind.quantitative else "")
            values = (f"{ind.labels.zh} / {ind.labels.en}", ind.category_labels.zh, unit,
                      ind.benchmarks.get("I"), ind.benchmarks.get("II"), ind.benchmarks.get("III"),
                      "是 yes" if ind.limiting else "")
            for c, value in enumerate(values, 1):
                ws.cell(row=r, column=c, value=value)
        r += 2
    ws.cell(row=r, column=1, value="事实（键名）facts (keys)").font = Font(bold=True)
    for iri, fact in sorted(kb.facts.items(), key=lambda x: x[1]["key"]):
        if fact["key"] in lists["fact"]:
            r += 1
            kind = _answer_form(kb, fact)
            ws.cell(row=r, column=1, value=fact["key"])
            ws.cell(row=r, column=2, value=f"{kb.labels[iri].zh} / {kb.labels[iri].en} ({kind})")


def _answer_form(kb: Knowledge, fact: dict) -> str:
    """How a fact is answered, as the instructions show it: 是/否, a number with its unit (%, t/a …), or the
    choices by their labels — never internal ids."""
    if fact["datatype"] == "boolean":
        return "是/否 yes/no"
    if fact["datatype"] == "number":
        unit = kb.units.get(fact.get("unit") or "", {}).get("symbol")
        return f"数值 number, {unit}" if unit else "数值 number"
    labels = fact.get("choice_labels") or {}
    shown = [f"{labels[c]['zh']} {labels[c]['en']}" if c in labels else c for c in fact["choices"]]
    return "选项 choice: " + "、".join(shown)
