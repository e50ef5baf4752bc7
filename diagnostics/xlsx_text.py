"""Text from a survey written into a workbook stays text: never a live formula (formula injection, CWE-1236).

openpyxl stores any string that starts with "=" as a formula, and Excel or LibreOffice turn text starting
with = + - @ into a formula as soon as someone edits the cell. Every writer of survey text into XLSX
(reports, the survey round trip) puts its values through `write_text_safe`, which marks such text as a
string cell with Excel's quote prefix: shown as written, kept as text when edited.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_text_safe(cell, value: Any) -> None:
    """Set an openpyxl cell to value; text that a spreadsheet would read as a formula stays text."""
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True


def append_text_safe(ws, values: list[Any]) -> None:
    """ws.append(values), then the text cells of that row that a spreadsheet would read as formulas made text."""
    ws.append(values)
    for cell in ws[ws.max_row]:  # append always writes below every existing row
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
            write_text_safe(cell, cell.value)
