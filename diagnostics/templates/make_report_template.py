"""Makes audit_report.docx, the Word template of the audit report (a developer's tool; the .docx is shipped).

The template holds the look and the order, the report fills in the words (docxtpl, Jinja2 tags in Word):

    {{ title }}                 Title style
    {{ subtitle }}              Subtitle style
    {{p cover }}                the key figures and the conclusion (结论摘要), on page one
    {%p for ch in chapters %}   one Heading 1 per chapter (审核准备与范围 … 结论与建议, then the annexes)
    {{ ch.title }}
    {{p ch.body }}
    {%p endfor %}
    {{ footer }}

Auditors restyle a copy in Word — fonts, sizes, spacing, margins, header and footer, the styles Heading 1–3, Caption,
Table Grid, List Bullet — and pass it as `to_docx(result, template=…)`; the tags must stay as they are.
A4 portrait; Chinese text set in 宋体 (headings 黑体), Latin in Times New Roman, as government reports are.

    python diagnostics/templates/make_report_template.py
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

TARGET = Path(__file__).resolve().parent / "audit_report.docx"


def _fonts(style, east_asia: str, latin: str = "Times New Roman") -> None:
    style.font.name = latin
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _page_number(paragraph) -> None:
    """A PAGE field, so Word numbers the pages itself."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def main() -> None:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)          # A4
    section.top_margin, section.bottom_margin = Cm(2.54), Cm(2.54)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2.5)
    styles = doc.styles
    normal = styles["Normal"]
    _fonts(normal, "宋体")
    normal.font.size = Pt(12)                                           # 小四
    normal.paragraph_format.line_spacing = 1.3
    normal.paragraph_format.space_after = Pt(4)
    for name, size, east, centre in (("Title", 22, "黑体", True), ("Subtitle", 15, "黑体", True),
                                     ("Heading 1", 16, "黑体", False), ("Heading 2", 14, "黑体", False),
                                     ("Heading 3", 12, "黑体", False)):
        style = styles[name]
        _fonts(style, east)
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
        if centre:
            style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styles["Heading 1"].paragraph_format.page_break_before = True    # each chapter starts a page
    styles["Heading 1"].paragraph_format.space_before = Pt(0)
    caption = styles["Caption"]
    _fonts(caption, "黑体")
    caption.font.size = Pt(10.5)
    caption.font.italic = False
    caption.font.color.rgb = RGBColor(0, 0, 0)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.keep_with_next = True
    table_style = styles["Table Grid"]
    _fonts(table_style, "宋体")
    table_style.font.size = Pt(10.5)                                   # 五号
    styles["List Bullet"].font.size = Pt(12)

    doc.add_paragraph("{{ title }}", style="Title")
    doc.add_paragraph("{{ subtitle }}", style="Subtitle")
    doc.add_paragraph("{{p cover }}")
    doc.add_paragraph("{%p for ch in chapters %}")
    doc.add_paragraph("{{ ch.title }}", style="Heading 1")
    doc.add_paragraph("{{p ch.body }}")
    doc.add_paragraph("{%p endfor %}")
    end = doc.add_paragraph("{{ footer }}")
    end.runs[0].font.size = Pt(9)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer)
    doc.core_properties.title = "清洁生产整体审核诊断报告"
    doc.core_properties.author = "CPKB"
    doc.save(str(TARGET))
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()

