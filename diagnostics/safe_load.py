"""Reads survey documents with bounded work, and refuses what would make reading them unbounded.

Each refusal is a placed SurveyProblem in Chinese and English, never a traceback:
- YAML: no anchors or aliases (a 561-byte alias bomb expands to gigabytes), nesting up to max_yaml_depth,
  no YAML-only types (!!binary, !!set, !!omap, !!pairs, !!timestamp, custom tags); dates written without a
  tag are kept as the text written, and mapping keys as the text written (JSON has only text keys);
- JSON and YAML alike: nesting, text length, integers that JSON cannot carry, the number of enterprises;
- XLSX: the zip's declared sizes (which bound what zipfile inflates) and compression ratio are checked
  before openpyxl opens it.
Limits are declared settings (cpkb/settings.py, diagnostics/limits.py).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from typing import Any

import orjson
import yaml

from .limits import SurveyLimits, shown
from .survey_format import SurveyError, SurveyProblem

_LIBYAML = getattr(yaml, "CSafeLoader", None)
_BASE_LOADER = _LIBYAML or yaml.SafeLoader
_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "seq", "map")}
_YAML_ONLY = {"binary": "binary data", "set": "a set", "omap": "an ordered map", "pairs": "a list of pairs",
              "timestamp": "a date", "merge": "a merge key", "value": "a value key"}
_MAX_INT_DIGITS = 19            # JSON (and orjson) carry integers within 64 bits
_INT_RANGE = 2 ** 63
_RATIO_FLOOR_BYTES = 1 << 20    # parts under 1 MB may compress as well as they like
_MAX_ZIP_MEMBERS = 10000
# Characters XML 1.0 cannot carry (C0 controls but tab and line breaks, lone surrogates, U+FFFE/FFFF): the
# XLSX and DOCX reports would fail on them, and no survey needs them.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _fatal(place: str, message: str, zh: str) -> SurveyProblem:
    """A problem that stops the whole survey (it cannot be read, or reading it would cost unbounded work)."""
    return SurveyProblem(place, message, zh=zh, fatal=True)


class _Refused(Exception):
    def __init__(self, mark, en: str, zh: str):
        self.mark, self.en, self.zh = mark, en, zh


def _where(filename: str, mark) -> str:
    return f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark is not None else filename


# ---------------------------------------------------------------------- YAML

class _SurveyLoader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader (libyaml when present), with JSON's types only."""

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep)
        mapping = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(key_node.start_mark, "a mapping key must be a name (text), not a list or mapping.",
                               "映射的键必须是名称（文字），不能是列表或映射。")
            mapping[key_node.value] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_timestamp_as_text(self, node):
        return node.value  # 2024-05-01 as written: a survey has no date fields, a title may look like one

    def construct_yaml_int_bounded(self, node):
        digits = sum(ch.isdigit() for ch in node.value)
        if digits > _MAX_INT_DIGITS + 2:  # also keeps Python's int() from a 100,000-digit parse
            raise _Refused(node.start_mark, f"integer of {digits:,} digits: too large for a survey value; "
                                            "write it as a decimal number (1.5e20) or in a larger unit.",
                           f"整数有 {digits:,} 位，超出填报数值范围；请写成小数形式（如 1.5e20）或换用更大的单位。")
        return self.construct_yaml_int(node)


_SurveyLoader.add_constructor(_TAG + "timestamp", _SurveyLoader.construct_yaml_timestamp_as_text)
_SurveyLoader.add_constructor(_TAG + "int", _SurveyLoader.construct_yaml_int_bounded)
_SurveyLoader.add_constructor(_TAG + "map", _SurveyLoader.construct_mapping)


def _scan_events(text: str, filename: str, limits: SurveyLimits) -> None:
    """One pass over the parser's events (libyaml: fast) before anything is built: anchors, aliases,
    explicit tags and depth, each refused at its line and column."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_BASE_LOADER):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise _Refused(event.start_mark, "YAML anchors and aliases (&name, *name) are not accepted in a "
                                                 "survey: write each value out in full.",
                               "填报文件不接受 YAML 锚点和别名（&名称、*名称）：请把每个值完整写出。")
            tag = getattr(event, "tag", None)
            if tag and tag not in _PLAIN_TAGS and tag != "!" and not (
                    isinstance(event, yaml.ScalarEvent) and tag == "tag:yaml.org,2002:str"):
                kind = _YAML_ONLY.get(tag[len(_TAG):], None) if tag.startswith(_TAG) else None
                raise _Refused(event.start_mark,
                               f"YAML tag {shown(tag, 60)}{f' ({kind})' if kind else ''} is not a survey value: a "
                               "survey holds only text, numbers, yes/no, lists and mappings, as in JSON.",
                               f"YAML 标签 {shown(tag, 60)} 不是填报值：填报文件只含文字、数字、是/否、列表和映射（与 JSON 相同）。")
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > limits.max_yaml_depth:
                    raise _too_deep(event.start_mark, limits)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except _Refused as refused:
        raise SurveyError([_fatal(_where(filename, refused.mark), refused.en, zh=refused.zh)]) from None
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, filename) from None


def _yaml_error(exc: yaml.YAMLError, filename: str) -> SurveyError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return SurveyError([_fatal(_where(filename, mark), f"not valid YAML: {shown(problem, 200)}.",
                                      zh=f"不是有效的 YAML：{shown(problem, 200)}。")])


def _too_deep(mark, limits: SurveyLimits) -> _Refused:
    return _Refused(mark, f"nested more than {limits.max_yaml_depth} levels deep (setting max_yaml_depth); a "
                          "survey needs about six.",
                    f"嵌套超过 {limits.max_yaml_depth} 层（设置 max_yaml_depth）；填报文件只需约六层。")


def load_yaml(text: str, filename: str, limits: SurveyLimits) -> Any:
    """A YAML survey as JSON-like data; SurveyError (placed at line and column) for anything refused."""
    _scan_events(text, filename, limits)
    try:
        return yaml.load(text, Loader=_SurveyLoader)  # noqa: S506 - a SafeLoader subclass
    except _Refused as refused:
        raise SurveyError([_fatal(_where(filename, refused.mark), refused.en, zh=refused.zh)]) from None
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, filename) from None


_BOM = b"\xef\xbb\xbf"


def load_json_bytes(data: bytes, filename: str, limits: SurveyLimits) -> tuple[Any, bool]:
    """A JSON survey read straight from its UTF-8 bytes (no copy as text), and whether its bytes already show
    that check_tree will find nothing (`clean_json_bytes`). Anything orjson refuses is read again as text, so
    that the error said is the same as for any other JSON (load_json; not UTF-8 is said by the caller)."""
    body = data[len(_BOM):] if data.startswith(_BOM) else data
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SurveyError([_fatal(filename, "the file is not UTF-8 text; save it as UTF-8.",
                                      zh="文件不是 UTF-8 文本；请另存为 UTF-8。")]) from None
        return load_json(text, filename), False
    return raw, clean_json_bytes(body, limits)


# In JSON without a backslash every text is its bytes between two quotes, as written, and orjson has refused raw
# control characters (JSON allows them nowhere but as whitespace): the text checks of check_tree can be made on
# the bytes, in a few passes of C code, instead of a walk over every value.
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NOT_STRUCTURE = bytes(set(range(256)) - set(b'[]{}"'))
_OPEN_CLOSE = bytes.maketrans(b"[{]}", b"(())")
_TEXT = re.compile(rb'"[^"]*"')


def clean_json_bytes(body: bytes, limits: SurveyLimits) -> bool:
    """Whether the bytes of a JSON document that orjson has read show that check_tree would find nothing: no text
    longer than max_name_chars (a text of n characters has at least n bytes), no U+FFFE or U+FFFF, no run of 19
    digits (2**63 has 19: shorter integers are within 64 bits), nesting within max_yaml_depth. False when unsure
    (a backslash, a long run of bytes that may be no text): the walk over the parsed values decides then."""
    if b"\\" in body or b"\xef\xbf\xbe" in body or b"\xef\xbf\xbf" in body:
        return False
    if b"0" * 19 in body.translate(_DIGITS_AS_ZERO):
        return False
    if re.search(rb'"[^"]{%d,}"' % (limits.max_name_chars + 1), body):
        return False
    # brackets and quotes only; a text's quotes next to each other go first, a text holding brackets after
    marks = body.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    nesting = (_TEXT.sub(b"", marks) if b'"' in marks else marks).translate(_OPEN_CLOSE)
    for _ in range(limits.max_yaml_depth):   # each pass takes out the innermost level of lists and mappings
        if not nesting:
            return True
        nesting = nesting.replace(b"()", b"")
    return not nesting


def load_json(text: str, filename: str) -> Any:
    """A JSON survey (orjson: refuses numbers beyond double range and nesting over 1024 with line and column)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise SurveyError([_fatal(f"{filename}:{exc.lineno}:{exc.colno}", f"not valid JSON: {exc.msg}.",
                                         zh=f"不是有效的 JSON：{exc.msg}。")]) from None


# ---------------------------------------------------------------------- the parsed tree

def check_tree(raw: Any, cells: dict[str, str], filename: str, limits: SurveyLimits, clean: bool = False) -> None:
    """Refuse a parsed survey that would cost unbounded work or could not be echoed as JSON: too many
    enterprises, too deep, text longer than max_name_chars, integers beyond 64 bits, non-JSON values.
    Every problem is placed by field path (and workbook cell); all are reported at once. `clean`: the
    document's bytes already showed all but the number of enterprises (clean_json_bytes)."""
    problems: list[SurveyProblem] = []

    def place(path: str) -> str:
        cell = cells.get(path)
        return f"{path} ({cell})" if cell else (path or filename)

    enterprises = raw.get("enterprises") if isinstance(raw, dict) else None
    if isinstance(enterprises, list) and len(enterprises) > limits.max_enterprises:
        raise SurveyError([_fatal(
            "enterprises", f"{len(enterprises):,} enterprises; one survey holds at most {limits.max_enterprises:,} "
                           "(setting max_enterprises). Split it, e.g. by county or park, and diagnose each part.",
            zh=f"共 {len(enterprises):,} 家企业；一份填报最多 {limits.max_enterprises:,} 家（设置 max_enterprises）。"
               "请按县区或园区拆分后分别诊断。")])
    if clean or _clean(raw, limits):
        return   # the usual survey: nothing to place, so no field paths are built
    stack: list[tuple[Any, str, int]] = [(raw, "", 0)]
    while stack and len(problems) < 100:
        value, path, depth = stack.pop()
        if isinstance(value, dict):
            if depth >= limits.max_yaml_depth:
                problems.append(_fatal(place(path), *_deep_texts(limits)))
                continue
            for key, item in value.items():
                if not isinstance(key, str):
                    problems.append(_fatal(place(path), f"key {shown(key, 40)} is not text.",
                                                  zh=f"键 {shown(key, 40)} 不是文字。"))
                    continue
                child = f"{path}.{key}" if path else key
                if len(key) > limits.max_name_chars:
                    problems.append(_too_long(place(path), key, limits))
                    continue
                if bad := _NOT_XML.search(key):
                    problems.append(_control(place(path), bad.group()))
                    continue
                stack.append((item, child, depth + 1))
        elif isinstance(value, list):
            if depth >= limits.max_yaml_depth:
                problems.append(_fatal(place(path), *_deep_texts(limits)))
                continue
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str):
            if len(value) > limits.max_name_chars:
                problems.append(_too_long(place(path), value, limits))
            elif bad := _NOT_XML.search(value):
                problems.append(_control(place(path), bad.group()))
        elif isinstance(value, bool) or value is None or isinstance(value, float):
            continue  # non-finite floats are refused where a number is read, with the field's own rule
        elif isinstance(value, int):
            if not -_INT_RANGE < value < _INT_RANGE:
                problems.append(_fatal(place(path), "integer too large for a survey value; write it as a "
                                                           "decimal number (1.5e20) or in a larger unit.",
                                              zh="整数超出填报数值范围；请写成小数形式（如 1.5e20）或换用更大的单位。"))
        else:
            problems.append(_fatal(place(path), f"{type(value).__name__} is not a survey value; a survey "
                                                       "holds text, numbers, yes/no, lists and mappings.",
                                          zh=f"{type(value).__name__} 不是填报值；填报文件只含文字、数字、是/否、列表和映射。"))
    if problems:
        raise SurveyError(problems)


def _clean(raw: Any, limits: SurveyLimits) -> bool:
    """Whether check_tree would find nothing: one iterative walk without field paths, the texts checked at once
    at the end. Anything unusual (a key that is not plain text, a value of another type) answers False and is
    left to the placing walk."""
    max_depth, max_chars = limits.max_yaml_depth, limits.max_name_chars
    if type(raw) is not dict and type(raw) is not list:
        return False
    texts: list[str] = []
    stack: list[tuple[Any, int]] = [(raw, 0)]
    while stack:
        container, depth = stack.pop()
        if depth >= max_depth:
            return False
        if type(container) is dict:
            texts.extend(container)   # keys that are not text make the join below fail
            items = container.values()
        else:
            items = container
        for item in items:
            kind = type(item)
            if kind is str:
                texts.append(item)
            elif kind is dict or kind is list:
                stack.append((item, depth + 1))
            elif kind is int:
                if not -_INT_RANGE < item < _INT_RANGE:
                    return False
            elif kind is not float and kind is not bool and item is not None:
                return False
    try:
        joined = "\n".join(texts)
    except TypeError:
        return False
    if texts and max(map(len, texts)) > max_chars:
        return False
    return _NOT_XML.search(joined) is None


def _control(where: str, char: str) -> SurveyProblem:
    code = f"U+{ord(char):04X}"
    return _fatal(where, f"text holds the control character {code}, which no report can carry; delete it "
                                "(it often comes from copying out of another program).",
                         zh=f"文字中含控制字符 {code}，报告无法容纳；请删除（常因从其他程序复制而来）。")


def _deep_texts(limits: SurveyLimits) -> tuple[str, str]:
    refused = _too_deep(None, limits)
    return refused.en, refused.zh


def _too_long(where: str, text: str, limits: SurveyLimits) -> SurveyProblem:
    return _fatal(where, f"text of {len(text):,} characters {shown(text, 40)}; a name or other text in a "
                                f"survey is at most {limits.max_name_chars} characters (setting max_name_chars).",
                         zh=f"文字长 {len(text):,} 字符 {shown(text, 40)}；填报中的名称等文字最多 "
                            f"{limits.max_name_chars} 字符（设置 max_name_chars）。")


# ---------------------------------------------------------------------- XLSX

def check_xlsx(data: bytes, limits: SurveyLimits, filename: str = "(workbook)") -> None:
    """Refuse a workbook whose unzipped size or compression ratio says zip bomb, before any XML is parsed.

    zipfile never inflates a part beyond the size its directory declares (and fails its CRC check if the
    data says otherwise), so checking the declared sizes bounds what openpyxl can be made to read."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        parts = book.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise SurveyError([_fatal(filename, f"not a readable .xlsx workbook ({type(exc).__name__}: it is "
                                                   "not a zip archive); save it as Excel .xlsx, e.g. starting from "
                                                   "`cpkb template`.",
                                         zh="不是可读取的 .xlsx 工作簿（不是 zip 压缩包）；请另存为 Excel .xlsx，"
                                            "建议从 `cpkb template` 模板开始填写。")]) from None
    if len(parts) > _MAX_ZIP_MEMBERS:
        raise SurveyError([_fatal(filename, f"the workbook holds {len(parts):,} parts; an .xlsx survey has "
                                                   "a few dozen.",
                                         zh=f"工作簿含 {len(parts):,} 个部件；填报工作簿通常只有几十个。")])
    total = sum(part.file_size for part in parts)
    if total > limits.max_xlsx_uncompressed_bytes:
        raise SurveyError([_fatal(filename, f"the workbook unzips to {total:,} bytes; the limit is "
                                                   f"{limits.max_xlsx_uncompressed_bytes:,} (setting "
                                                   "max_xlsx_uncompressed_bytes). Split the survey.",
                                         zh=f"工作簿解压后 {total:,} 字节，超过上限 "
                                            f"{limits.max_xlsx_uncompressed_bytes:,}（设置 max_xlsx_uncompressed_bytes）。"
                                            "请拆分填报。")])
    for part in parts:
        ratio = part.file_size / max(1, part.compress_size)
        if part.file_size > _RATIO_FLOOR_BYTES and ratio > limits.max_xlsx_compression_ratio:
            raise SurveyError([_fatal(f"{filename}: {shown(part.filename, 80)}",
                                             f"this part unzips {ratio:,.0f} times its stored size (limit "
                                             f"{limits.max_xlsx_compression_ratio:g}, setting "
                                             "max_xlsx_compression_ratio): a zip bomb, not a survey.",
                                             zh=f"该部件解压后为压缩大小的 {ratio:,.0f} 倍（上限 "
                                                f"{limits.max_xlsx_compression_ratio:g}，设置 "
                                                "max_xlsx_compression_ratio）：这是压缩炸弹，不是填报文件。")])
    _check_prologs(book, parts, filename)


_PROLOG_BYTES = 1 << 16
_ROOT = re.compile(rb"<[A-Za-z_]")


def _check_prologs(book: zipfile.ZipFile, parts, filename: str) -> None:
    """No XML part of a workbook may declare a DOCTYPE (Excel never writes one; entities are how XML bombs
    and external-entity reads start). Only each part's prolog is inflated, at most 64 KB."""
    for part in parts:
        if not part.filename.endswith((".xml", ".rels", ".vml")) or part.file_size == 0:
            continue
        try:
            with book.open(part) as stream:
                head = stream.read(_PROLOG_BYTES)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError,
                ValueError) as exc:  # ValueError: a header offset pointing before the file (negative seek)
            raise SurveyError([_fatal(f"{filename}: {shown(part.filename, 80)}",
                                             f"this part of the workbook cannot be unzipped ({type(exc).__name__}); "
                                             "the file is damaged: save it again from Excel.",
                                             zh="工作簿的该部件无法解压，文件已损坏：请在 Excel 中重新保存。")]) from None
        root = _ROOT.search(head)
        prolog = head[: root.start()] if root else head
        if b"<!DOCTYPE" in prolog.upper():
            raise SurveyError([_fatal(f"{filename}: {shown(part.filename, 80)}",
                                             "this part declares a DOCTYPE, which Excel never writes (entities are "
                                             "how XML bombs and file reads start): not accepted.",
                                             zh="该部件声明了 DOCTYPE（Excel 从不写入；XML 炸弹和外部实体读取由此开始）："
                                                "不予接受。")])


_SHEET_COLUMNS = 64  # columns read per row: the template's sheets have under 20; a row claiming 16,384 is cut


def open_workbook(data: bytes, limits: SurveyLimits, filename: str = "(workbook)"):
    """openpyxl's read-only (streaming) workbook, after check_xlsx; any failure to open it is a placed error.

    openpyxl, lxml, zlib and zipfile raise many unrelated exception types on a damaged file (bad XML, a
    DOCTYPE refused by defusedxml, flipped deflate bytes, a missing part), hence the broad except."""
    from openpyxl import load_workbook

    check_xlsx(data, limits, filename)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - see above; the type is named, the traceback is not shown
        raise SurveyError([_fatal(filename, f"not a readable .xlsx workbook ({type(exc).__name__}: "
                                                   f"{shown(str(exc), 120)}); save it again as Excel .xlsx, e.g. "
                                                   "starting from `cpkb template`.",
                                         zh=f"无法读取的 .xlsx 工作簿（{type(exc).__name__}）；请重新另存为 Excel "
                                            ".xlsx，建议从 `cpkb template` 模板开始填写。")]) from None


def sheet_rows(ws, limits: SurveyLimits) -> list[tuple]:
    """The rows of one sheet as values, streamed and capped at max_sheet_rows; a damaged sheet is a problem
    naming the sheet (and the row reached), never a traceback."""
    rows: list[tuple] = []
    try:
        ws.reset_dimensions()  # the sheet's own <dimension> may claim a million rows of padding
        for row in ws.iter_rows(max_col=_SHEET_COLUMNS, max_row=limits.max_sheet_rows + 1, values_only=True):
            rows.append(row)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - as in open_workbook
        raise SurveyError([_fatal(f"{ws.title}!row {len(rows) + 1}",
                                         f"this sheet cannot be read from here on ({type(exc).__name__}: "
                                         f"{shown(str(exc), 120)}); the file is damaged: save it again from Excel.",
                                         zh=f"该工作表从此处起无法读取（{type(exc).__name__}）；文件已损坏，请在 Excel "
                                            "中重新保存。")]) from None
    if len(rows) > limits.max_sheet_rows:
        raise SurveyError([_fatal(f"{ws.title}!row {limits.max_sheet_rows + 1}",
                                         f"the sheet goes past row {limits.max_sheet_rows:,}, the limit (setting "
                                         "max_sheet_rows). Split the survey, e.g. by county or park.",
                                         zh=f"工作表超过第 {limits.max_sheet_rows:,} 行的上限（设置 max_sheet_rows）。"
                                            "请按县区或园区拆分填报。")])
    return rows
