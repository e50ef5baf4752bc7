"""The nastiest surveys found from outside (issue 15), as (name, filename, bytes): bombs, towers, deep nesting,
overflowing numbers, YAML-only types, damaged workbooks. Used by the normal tests (tests/test_nasty_surveys.py),
the web test of the bombs and the fuzz harness (benchmarks/fuzz_surveys.py).
"""

from __future__ import annotations

import functools
import io
import json
import math
import re
import struct
import zipfile
import zlib
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_XLSX = EXAMPLES / "electroplating_cluster.xlsx"


def all_finite(value) -> bool:
    """Every number of a result (nested dicts and lists) is finite: no inf or nan reaches a report."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(all_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(all_finite(v) for v in value)
    return True


def _json(raw) -> bytes:
    return json.dumps(raw, ensure_ascii=False).encode("utf-8")


def _survey(enterprises, **scope) -> dict:
    return {"cpkb_survey": 1, "scope": {"sector": "电镀", "year": 2024, **scope}, "enterprises": enterprises}


def _one(**fields) -> dict:
    return {"id": "E1", "name": "甲", **fields}


# ---------------------------------------------------------------------- JSON and YAML

def yaml_alias_bomb() -> bytes:
    """Billion laughs: nine levels of nine aliases, 561 bytes that expand to 9**9 strings."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [{','.join(['*' + previous] * 9)}]")
    lines.append("scope: {sector: 电镀}\nenterprises: [{id: E1, name: *i}]")
    return "\n".join(lines).encode()


def unit_tower(unit: str = "10**10**7") -> bytes:
    return _json(_survey([_one(output={"product": "镀件", "value": 1, "unit": unit})]))


def deep_yaml(depth: int = 1200) -> bytes:
    return ("scope: {sector: 电镀}\nenterprises: [{id: E1, facts: {x: " + "[" * depth + "1" + "]" * depth + "}}]").encode()


def deep_json(depth: int = 1000) -> bytes:
    return ('{"scope": {"sector": "电镀"}, "enterprises": [{"id": "E1", "name": ' + "[" * depth + "]" * depth
            + "}]}").encode()


def json_1e309() -> bytes:
    return b'{"scope": {"sector": "\xe7\x94\xb5\xe9\x95\x80"}, "enterprises": [{"id": "E1", "output": ' \
           b'{"value": 1e309, "unit": "\xe4\xb8\x87m2"}}]}'


def yaml_huge_int() -> bytes:
    return ("scope: {sector: 电镀}\nenterprises:\n- id: E1\n  output: {value: " + "9" * 400 + ", unit: 万m2}\n").encode()


def yaml_big_int_in_range_of_float() -> bytes:
    """An integer above 2**63 but below 1.8e308: the old reader's OverflowError came from one above 1.8e308."""
    return ("scope: {sector: 电镀, year: " + "1" + "0" * 30 + "}\nenterprises:\n- {id: E1, output: {value: 1" + "0" * 330
            + ", unit: 万m2}}\n").encode()


def huge_value_overflows_on_conversion() -> bytes:
    """1e308 万m² is finite, but 1e312 m² once converted: the result must not carry inf."""
    return _json(_survey([_one(output={"product": "镀件", "value": 1e308, "unit": "万m2"})]))


def yaml_binary_name() -> bytes:
    return b"scope: {sector: \xe7\x94\xb5\xe9\x95\x80}\nenterprises:\n- id: E1\n  name: !!binary aGVsbG8=\n"


def yaml_set_name() -> bytes:
    return b"scope: {sector: \xe7\x94\xb5\xe9\x95\x80}\nenterprises:\n- id: E1\n  processes:\n  - process: !!set {a, b}\n"


def yaml_date_names() -> bytes:
    """Dates without a tag are kept as the text written (a title or a name may look like a date)."""
    return ("scope: {sector: 电镀, title: 2024-05-01}\nenterprises:\n- id: 2024-01-01\n  name: 2024-01-02\n"
            "  processes: [{process: 2024-01-03}]\n").encode()


def yaml_non_text_keys() -> bytes:
    return ("scope: {sector: 电镀}\nenterprises:\n- id: E1\n  facts: {1: yes, null: no, 2024-01-01: yes}\n").encode()


def properties_not_a_list() -> bytes:
    return _json(_survey([_one(materials=[{"material": "镍", "value": 1, "unit": "t", "properties": 1.5}])]))


def non_text_title_park_name() -> bytes:
    return _json(_survey([_one(name=12345), {"id": 7, "name": ["a"]}], title=3.5, park={"x": 1}))


def non_text_output_units() -> bytes:
    """Found by the fuzz harness: a list or a number as the unit of output."""
    return _json(_survey([_one(output={"product": "镀件", "value": 1, "unit": ["t"]}),
                          {"id": "E2", "output": {"product": "镀件", "value": 1, "unit": 1.5}}]))


def id_only_enterprises(count: int = 600000) -> bytes:
    return ('{"scope": {"sector": "电镀"}, "enterprises": ['
            + ",".join(f'{{"id": "{i}"}}' for i in range(count)) + "]}").encode()


def very_long_name(chars: int = 3_000_000) -> bytes:
    return _json(_survey([_one(processes=[{"process": "电" * chars}])]))


# ---------------------------------------------------------------------- XLSX

def _members(path: Path = EXAMPLE_XLSX) -> dict[str, bytes]:
    return _members_of(path.read_bytes())


def _members_of(data: bytes) -> dict[str, bytes]:
    """The parts of a (sound) workbook by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return {info.filename: book.read(info) for info in book.infolist()}


def _raw_zip(parts: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written by hand from (name, raw deflate data, declared size, CRC-32): what an attacker controls."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, deflated, size, crc in parts:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(deflated), size, len(encoded), 0))
        out.write(encoded + deflated)
        central.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(deflated), size,
                                  len(encoded), 0, 0, 0, 0, 0, offset))
        central.write(encoded)
    start = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(parts), len(parts), len(central.getvalue()), start, 0))
    return out.getvalue()


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _sheet_named(members: dict[str, bytes], word: str) -> str:
    """The part name of the first sheet whose title starts with `word` (workbook.xml order = sheetN order)."""
    titles = re.findall(r'<sheet [^>]*name="([^"]+)"', members["xl/workbook.xml"].decode())
    index = next(i for i, title in enumerate(titles) if title.startswith(word))
    return f"xl/worksheets/sheet{index + 1}.xml"


def _rebuilt(members: dict[str, bytes], replace: dict[str, tuple[bytes, int, int] | bytes]) -> bytes:
    parts = []
    for name, data in members.items():
        if name in replace and isinstance(replace[name], tuple):
            deflated, size, crc = replace[name]
            parts.append((name, deflated, size, crc))
            continue
        data = replace.get(name, data)
        parts.append((name, _deflate(data), len(data), zlib.crc32(data)))
    return _raw_zip(parts)


@functools.lru_cache(maxsize=2)
def xlsx_zip_bomb(inflated_mib: int = 2048) -> bytes:
    """The example workbook with its enterprises sheet replaced by `inflated_mib` MiB of identical rows,
    deflated to about 2 MiB (blocks after a full flush are identical, so this costs no real compression).
    The CRC is left wrong: zipfile checks it only after inflating everything, which must never happen."""
    members = _members()
    sheet = _sheet_named(members, "企业")
    head = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    row = b"<row><c t=\"inlineStr\"><is><t>E</t></is></c></row>"
    chunk = row * ((1 << 20) // len(row))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(b"</sheetData></worksheet>") + compressor.flush()
    deflated = first + block * inflated_mib + tail
    size = len(head) + len(chunk) * inflated_mib + len(b"</sheetData></worksheet>")
    return _rebuilt(members, {sheet: (deflated, size % (1 << 32), 0)})


def xlsx_with_sheet(transform, word: str = "企业") -> bytes:
    """The example workbook with one sheet's XML (title starting with `word`) passed through transform."""
    members = _members()
    sheet = _sheet_named(members, word)
    return _rebuilt(members, {sheet: transform(members[sheet])})


def xlsx_doctype() -> bytes:
    return xlsx_with_sheet(lambda xml: b'<!DOCTYPE worksheet [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + xml)


def xlsx_truncated_sheet() -> bytes:
    return xlsx_with_sheet(lambda xml: xml[: len(xml) // 2])


def xlsx_bad_number() -> bytes:
    return xlsx_with_sheet(lambda xml: re.sub(rb"<v>(\d+(\.\d+)?)</v>", b"<v>12abc</v>", xml, count=3), "产量")


def xlsx_shared_string_out_of_range() -> bytes:
    return xlsx_with_sheet(lambda xml: re.sub(rb'(<c r="A2") t="inlineStr"><is><t>[^<]*</t></is>', rb'\1 t="s"><v>999999</v>',
                                              xml, count=1))


def xlsx_flipped_deflate() -> bytes:
    """Bytes flipped inside a sheet's compressed data (the CRC then fails, or inflating does)."""
    data = bytearray(EXAMPLE_XLSX.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as book:
        info = book.getinfo(_sheet_named(_members(), "企业"))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 20, start + min(info.compress_size, 400), 37):
        data[k] ^= 0x5A
    return bytes(data)


def xlsx_row_padding() -> bytes:
    """A sheet whose one data row sits at row 1,048,576: read-only openpyxl yields every empty row before it."""
    return xlsx_with_sheet(lambda xml: xml.replace(b"</sheetData>",
                                                    b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>E9</t>'
                                                    b"</is></c></row></sheetData>"))


def not_a_zip() -> bytes:
    return b"PK\x03\x04" + b"\x00" * 200


# ---------------------------------------------------------------------- the corpus

CORPUS = [
    ("yaml alias bomb", "bomb.yaml", yaml_alias_bomb),
    ("unit 10**10**7", "tower.json", unit_tower),
    ("unit 9**9**9", "tower9.json", lambda: unit_tower("9**9**9")),
    ("xlsx zip bomb (2 GiB inflated)", "bomb.xlsx", xlsx_zip_bomb),
    ("yaml nested 1,200 deep", "deep.yaml", deep_yaml),
    ("json nested 1,000 deep", "deep.json", deep_json),
    ("json 1e309", "inf.json", json_1e309),
    ("yaml 400-digit integer", "bigint.yaml", yaml_huge_int),
    ("yaml integer above 2**63", "bigint2.yaml", yaml_big_int_in_range_of_float),
    ("1e308 万m² overflows on conversion", "overflow.json", huge_value_overflows_on_conversion),
    ("yaml !!binary name", "binary.yaml", yaml_binary_name),
    ("yaml !!set name", "set.yaml", yaml_set_name),
    ("yaml dates as names", "dates.yaml", yaml_date_names),
    ("yaml non-text keys", "keys.yaml", yaml_non_text_keys),
    ('"properties": 1.5', "properties.json", properties_not_a_list),
    ("non-text title, park, name, id", "types.json", non_text_title_park_name),
    ("list and number as output units", "units.json", non_text_output_units),
    ("600,000 id-only enterprises", "many.json", id_only_enterprises),
    ("3-million-character name", "long.json", very_long_name),
    ("xlsx with a DOCTYPE", "doctype.xlsx", xlsx_doctype),
    ("xlsx truncated sheet XML", "truncated.xlsx", xlsx_truncated_sheet),
    ("xlsx bad number text", "badnumber.xlsx", xlsx_bad_number),
    ("xlsx shared string out of range", "sharedstring.xlsx", xlsx_shared_string_out_of_range),
    ("xlsx flipped deflate bytes", "flipped.xlsx", xlsx_flipped_deflate),
    ("xlsx row at 1,048,576", "padding.xlsx", xlsx_row_padding),
    ("not a zip", "notzip.xlsx", not_a_zip),
]
