"""Writes a diagnosis result (the JSON of diagnostics/README.md) as a report: the Word audit report (DOCX, from the
template templates/audit_report.docx that auditors can restyle), a workbook (XLSX, one sheet per table of the
report) and a standalone page (HTML). All three render the same content (report_content.py) in Chinese or English;
charts are the same Vega-Lite specifications (charts.py), PNG in Word, SVG on the page.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import orjson
from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from . import charts
from .report_content import Column, Report, Table, build_report, cell_text
from .xlsx_text import append_text_safe

TEMPLATE_DOCX = Path(__file__).resolve().parent / "templates" / "audit_report.docx"
TEXT_WIDTH_CM = 15.5     # an A4 page less the template's margins, with room to spare


def to_json(result: dict, pretty: bool = False) -> bytes:
    """The result as UTF-8 JSON (orjson: a 10,000-enterprise result serialises in a fraction of json's time)."""
    return orjson.dumps(result, option=orjson.OPT_INDENT_2 if pretty else 0)


def write_json(result: dict, out, pretty: bool = True) -> int:
    """The result as JSON written piece by piece to a binary file: one top-level field, or one element of a
    top-level list, at a time, so a result of hundreds of megabytes never sits in memory as one string twice.
    The bytes are the same as to_json's. Returns the number of bytes written."""
    option = orjson.OPT_INDENT_2 if pretty else 0
    sep, colon, nl = (b",\n", b": ", b"\n") if pretty else (b",", b":", b"")
    written = 0

    def put(chunk: bytes) -> None:
        nonlocal written
        out.write(chunk)
        written += len(chunk)

    def indented(value, depth: int) -> bytes:
        text = orjson.dumps(value, option=option)
        return text.replace(b"\n", b"\n" + b"  " * depth) if pretty else text

    put(b"{" + nl)
    for n, (key, value) in enumerate(result.items()):
        put((sep if n else b"") + (b"  " if pretty else b"") + orjson.dumps(key) + colon)
        if isinstance(value, list) and value:
            put(b"[" + nl)
            for k, item in enumerate(value):
                put((sep if k else b"") + (b"    " if pretty else b"") + indented(item, 2))
            put(nl + (b"  " if pretty else b"") + b"]")
        else:
            put(indented(value, 1))
    put(nl + b"}")
    return written


# ---------------------------------------------------------------------- HTML

_HTML = """<!doctype html>
<html lang="{{ rep.lang }}">
<head>
<meta charset="utf-8">
<title>{{ rep.title }}</title>
<style>
@page { size: A4; margin: 2cm; }
body { font-family: {{ font_stack }}; margin: 2em auto; max-width: 1000px; color: #222; line-height: 1.55; }
h1 { font-size: 1.7em; text-align: center; } h2 { border-bottom: 2px solid #3b73b9; padding-bottom: .2em; margin-top: 1.8em; }
h3 { margin-top: 1.2em; } table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; font-size: .9em; }
caption { font-weight: bold; text-align: center; padding: .3em; } th, td { border: 1px solid #999; padding: .25em .45em;
vertical-align: top; text-align: left; } th { background: #e8f0fa; } td.n { text-align: right; white-space: nowrap; }
.facts th { width: 14em; } .summary { background: #f4f8fd; border: 1px solid #c9dbf0; padding: .6em 1em; }
figure { margin: 1em 0; text-align: center; } figure svg { max-width: 100%; height: auto; }
figcaption { font-weight: bold; } .note, .footer { color: #555; font-size: .88em; }
@media print { h2 { page-break-before: always; } tr { page-break-inside: avoid; } }
</style>
</head>
<body>
<h1>{{ rep.title }}</h1>
<table class="facts">{% for k, v in rep.facts %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}</table>
<section class="summary"><h3>{{ rep.summary_title }}</h3>{% for p in rep.summary %}<p>{{ p }}</p>{% endfor %}</section>
{% for ch in rep.chapters + rep.annexes %}
<h2 id="{{ ch.key }}">{{ ch.title }}</h2>
{% for b in ch.blocks %}
{%- if b.kind == 'h2' %}<h3>{{ b.value }}</h3>
{%- elif b.kind == 'p' %}<p>{{ b.value }}</p>
{%- elif b.kind == 'bullets' %}<ul>{% for x in b.value %}<li>{{ x }}</li>{% endfor %}</ul>
{%- elif b.kind == 'chart' %}<figure id="{{ b.value.key }}">{{ svg(b.value) }}<figcaption>{{ b.value.caption }}</figcaption></figure>
{%- elif b.kind == 'table' %}{{ table(b.value) }}
{%- endif %}
{% endfor %}
{% endfor %}
<p class="footer">{{ rep.footer }}</p>
</body>
</html>
"""

_TABLE = """<table><caption>{{ t.caption }}</caption>
<thead><tr>{% for c in t.columns %}<th>{{ c.header(lang) }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in t.rows %}<tr>{% for c, v in zip(t.columns, row) %}<td{% if c.fmt != 'text' %} class="n"{% endif %}>{{ text(v, c) }}</td>{% endfor %}</tr>{% endfor %}</tbody>
</table>{% if t.note %}<p class="note">{{ t.note }}</p>{% endif %}"""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_PAGE = _ENV.from_string(_HTML)
_TABLE_T = _ENV.from_string(_TABLE)
_SVG_SCRIPT = re.compile(r"<script.*?</script>", re.S | re.I)


def chart_svg(chart) -> Markup:
    """A chart as inline SVG (vl-convert writes it from our own specification; no script survives)."""
    return Markup(_SVG_SCRIPT.sub("", charts.to_svg(chart.spec)))


def table_html(table: Table, lang: str) -> Markup:
    return Markup(_TABLE_T.render(t=table, lang=lang, zip=zip, text=cell_text))


def to_html(result: dict, store=None, lang: str = "zh") -> str:
    """The report as one standalone, printable HTML page (autoescaped; charts as inline SVG)."""
    rep = build_report(result, lang)
    return _PAGE.render(rep=rep, svg=chart_svg, table=lambda t: table_html(t, lang), font_stack=Markup(charts.FONT_STACK))


# ---------------------------------------------------------------------- XLSX

_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(n: int, key: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique."""
    base = _SHEET_CHARS.sub(" ", f"{n} {key}")[:31].strip()
    title, k = base, 2
    while title in used:
        title, k = f"{base[:28]}~{k}", k + 1
    used.add(title)
    return title


def _xlsx_columns(columns: list[Column], lang: str) -> list[tuple[str, Column, int | None]]:
    """Workbook columns: a range becomes two numeric columns (low, high), so a reviewer can compute with them."""
    out = []
    for c in columns:
        if c.fmt == "range":
            low, high = ("下限", "上限") if lang == "zh" else ("low", "high")
            for k, word in ((0, low), (1, high)):
                out.append((Column(f"{c.title}{word}" if lang == "zh" else f"{c.title}, {word}", c.unit, "num").header(lang), c, k))
        else:
            out.append((c.header(lang), c, None))
    return out


def _xlsx_value(value: Any, column: Column, part: int | None) -> Any:
    if part is not None:
        return value[part] if isinstance(value, (list, tuple)) and len(value) == 2 else None
    if isinstance(value, (list, tuple)):
        return cell_text(value, column)
    return value


_FORMATS = {"pct": "0.0%", "int": "#,##0", "num": "#,##0.####"}


def _write_table(ws, table: Table, lang: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    columns = _xlsx_columns(table.columns, lang)
    append_text_safe(ws, [table.caption])
    ws["A1"].font = Font(bold=True, size=12)
    append_text_safe(ws, [head for head, _, _ in columns])
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        append_text_safe(ws, _row_values(row, table.columns, columns))
    for c, (head, column, part) in enumerate(columns, start=1):
        fmt = _FORMATS.get(column.fmt if part is None else "num")
        width = max([len(head) * 1.6] + [len(str(ws.cell(row=r, column=c).value or "")) * 1.2
                                         for r in range(3, min(ws.max_row, 60) + 1)])
        ws.column_dimensions[get_column_letter(c)].width = max(8, min(60, width))
        for r in range(3, ws.max_row + 1):
            cell = ws.cell(row=r, column=c)
            if fmt and isinstance(cell.value, (int, float)):
                cell.number_format = fmt
            cell.alignment = Alignment(wrap_text=column.fmt == "text", vertical="top")
    if table.note:
        ws.append([])
        append_text_safe(ws, [table.note])
    ws.freeze_panes = "A3"


def _row_values(row: list, table_columns: list[Column], columns) -> list:
    values = []
    by_column = dict(zip(map(id, table_columns), row))
    for _, column, part in columns:
        values.append(_xlsx_value(by_column.get(id(column)), column, part))
    return values


def to_xlsx(result: dict, lang: str = "zh") -> bytes:
    """A workbook: the report's summary first, then one sheet per table of the report, in the report's order.

    Shares are numbers formatted as per cent, every header names its unit, a range is two numeric columns; the
    per-enterprise annex tables are gathered into one sheet each (indicators, problems) with the enterprise first."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    rep = build_report(result, lang)
    book = Workbook()
    ws = book.active
    ws.title = "0 " + ("概况" if lang == "zh" else "summary")
    used = {ws.title}
    append_text_safe(ws, [rep.title])
    ws["A1"].font = Font(bold=True, size=14)
    for k, v in rep.facts:
        append_text_safe(ws, [k, v])
    ws.append([])
    ws.append([rep.summary_title])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    for p in rep.summary:
        append_text_safe(ws, [p])
        ws.cell(row=ws.max_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 60
    n = 0
    for chapter in rep.chapters + [a for a in rep.annexes if a.key != "annex-enterprises"]:
        for block in chapter.blocks:
            if block.kind == "table":
                n += 1
                _write_table(book.create_sheet(_sheet_title(n, block.value.key, used)), block.value, lang)
    for table in _annex_tables(rep):
        n += 1
        _write_table(book.create_sheet(_sheet_title(n, table.key, used)), table, lang)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _annex_tables(rep: Report) -> list[Table]:
    """The per-enterprise tables of the annex as one table per kind, each row led by its enterprise."""
    annex = next((a for a in rep.annexes if a.key == "annex-enterprises"), None)
    if annex is None:
        return []
    merged: dict[str, Table] = {}
    enterprise = ""
    word = "企业" if rep.lang == "zh" else "enterprise"
    for block in annex.blocks:
        if block.kind == "h2":
            enterprise = block.value
        elif block.kind == "table":
            kind = block.value.key.split(" ", 1)[-1]
            table = merged.get(kind)
            if table is None:
                title = ("附件一 企业" + kind) if rep.lang == "zh" else f"Annex 1 {kind} per enterprise"
                table = merged[kind] = Table(("企业" + kind) if rep.lang == "zh" else f"{kind} per enterprise", title,
                                             [Column(word)] + block.value.columns, [])
            table.rows.extend([enterprise] + row for row in block.value.rows)
    return list(merged.values())


# ---------------------------------------------------------------------- DOCX

def _set_repeat_header(row) -> None:
    """The header row repeats on every page a table runs over (Word: 标题行重复)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    trpr.append(flag)


def _docx_table(doc, table: Table, lang: str) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc.add_paragraph(table.caption, style="Caption")
    grid = doc.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, column in zip(grid.rows[0].cells, table.columns):
        cell.text = column.header(lang)
        for run in cell.paragraphs[0].runs:
            run.font.bold = True
    _set_repeat_header(grid.rows[0])
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, column, value in zip(cells, table.columns, row):
            cell.text = cell_text(value, column)
            if column.fmt != "text":
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _column_widths(grid, table, lang)
    if table.note:
        doc.add_paragraph(table.note)


def _text_width(text: str) -> float:
    """Rough printed width in Latin characters: a CJK character is about two."""
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def _column_widths(grid, table: Table, lang: str) -> None:
    """Columns as wide as their content needs (Word and LibreOffice otherwise split a table evenly, squeezing
    long Chinese text into narrow columns): shares of the text width, between 1.4 cm and 7 cm."""
    from docx.shared import Cm

    need = []
    for k, column in enumerate(table.columns):
        texts = [column.header(lang)] + [cell_text(row[k], column) if k < len(row) else "" for row in table.rows[:200]]
        longest = max(_text_width(t) for t in texts)
        need.append(min(max(longest, 4), 40))
    total = sum(need)
    widths = [max(1.4, min(7.0, TEXT_WIDTH_CM * n / total)) for n in need]
    scale = TEXT_WIDTH_CM / sum(widths)
    widths = [Cm(w * scale) for w in widths]
    grid.autofit = False
    for column, width in zip(grid.columns, widths):
        column.width = width
    for row in grid.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def _docx_chart(doc, chart) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    png = charts.to_png(chart.spec)
    doc.add_picture(io.BytesIO(png), width=Cm(min(TEXT_WIDTH_CM, _png_width_cm(png))))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(chart.caption, style="Caption")


def _png_width_cm(png: bytes, scale: float = 2.0) -> float:
    """The chart's CSS width in cm (PNG width / scale at 96 px per inch): small charts stay small."""
    import struct

    width = struct.unpack(">I", png[16:20])[0]
    return width / scale / 96 * 2.54


def _body(doc, blocks, lang: str) -> None:
    for block in blocks:
        if block.kind == "h2":
            doc.add_paragraph(block.value, style="Heading 2")
        elif block.kind == "h3":
            doc.add_paragraph(block.value, style="Heading 3")
        elif block.kind == "p":
            doc.add_paragraph(block.value)
        elif block.kind == "bullets":
            for item in block.value:
                doc.add_paragraph(item, style="List Bullet")
        elif block.kind == "table":
            _docx_table(doc, block.value, lang)
        elif block.kind == "chart":
            _docx_chart(doc, block.value)


def to_docx(result: dict, lang: str = "zh", template: str | Path | None = None) -> bytes:
    """The Word audit report: A4, the conclusion on page one, the seven chapters and the annexes.

    `template` is a .docx made like templates/audit_report.docx (its styles and page set-up, its placeholders
    {{ title }}, {{p cover }}, the chapter loop and {{ footer }}); restyle a copy of it to change the look."""
    subtitle = "清洁生产整体审核诊断报告" if lang == "zh" else "Cleaner-production audit diagnosis report"
    return report_docx(build_report(result, lang), subtitle, lang, template)


def report_docx(rep: Report, subtitle: str, lang: str, template: str | Path | None = None) -> bytes:
    """Any report content (the diagnosis report, the pilot's implementation-plan draft) as a Word document."""
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(str(template or TEMPLATE_DOCX))
    cover = tpl.new_subdoc()
    grid = cover.add_table(rows=0, cols=2)
    grid.style = "Table Grid"
    for k, v in rep.facts:
        cells = grid.add_row().cells
        cells[0].text, cells[1].text = k, v
    cover.add_paragraph(rep.summary_title, style="Heading 2")
    for p in rep.summary:
        cover.add_paragraph(p)
    chapters = []
    for chapter in rep.chapters + rep.annexes:
        body = tpl.new_subdoc()
        _body(body, chapter.blocks, lang)
        chapters.append({"title": chapter.title, "body": body})
    tpl.render({"title": rep.title, "subtitle": subtitle, "cover": cover, "chapters": chapters,
                "footer": rep.footer, "lang": lang}, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()
