"""A park stream's qualities as a team writes them: the demand's bound said by the name (氯离子上限, 纯度下限), a
code or grade where the knowledge names a text quality (危险废物代码 HW34 261-058-34, 等级 S95), and a quality the
knowledge does not name kept under its written name, so that an offer and a demand naming it alike are still
compared (三氯乙醛 against 三氯乙醛上限) rather than the bound being dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .hw_codes import HwCodeProblem, parse_code
from .names import fold

if TYPE_CHECKING:
    from .survey import Enterprise, SurveyReader

NAMED = "named:"   # key prefix of a quality kept under its written name
_SUFFIXES = (("上限", "at-most"), ("最高值", "at-most"), ("最大值", "at-most"), ("不高于", "at-most"),
             ("下限", "at-least"), ("最低值", "at-least"), ("最小值", "at-least"), ("不低于", "at-least"))


def split_bound(name: str) -> tuple[str, str | None]:
    """(the quality's name, at-most / at-least) for a name that says its bound (氯离子上限); (name, None) else."""
    text = name.strip()
    for suffix, reads in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)].strip(), reads
    return text, None


def read_qualities(reader: "SurveyReader", ent: "Enterprise", raw: dict, path: str, fields: frozenset) -> tuple:
    """(qualities {key: (value, unit)}, reads {key: at-most/at-least said by the name}, named {key: written name})."""
    out: dict[str, tuple[Any, str | None]] = {}
    reads: dict[str, str] = {}
    named: dict[str, str] = {}
    for k, prop in enumerate(reader._list(raw, "properties", path)):
        p = f"{path}.properties[{k}]"
        if not reader._fields(prop, p, ("property", "value"), fields):
            continue
        base, bound = split_bound(str(prop["property"]))
        iri = reader.resolve("quality", base, f"{p}.property")
        fmt = reader.kb.qualities.get(iri, {}).get("format") if iri else None
        key = iri or NAMED + fold(base)
        if fmt:
            text = _text(reader, prop["value"], fmt, f"{p}.value")
            if text is not None:
                out[key] = (text, None)
            continue
        found = reader.quantity(prop["value"], f"{p}.value")
        unit = reader.check_unit(prop["unit"], f"{p}.unit") if prop.get("unit") else None
        if found is None:
            continue
        out[key] = (found[0], unit or found[1] or (reader._quality_unit(iri) if iri else None))
        if bound:
            reads[key] = bound
        if iri is None:
            named[key] = base
    return out, reads, named


def _text(reader: "SurveyReader", value: Any, fmt: str, path: str) -> str | None:
    """A code (checked against the catalogue's format, any case) or a grade as written."""
    if value is None or not str(value).strip():
        return None
    if fmt != "hw-code":
        return str(value).strip()
    try:
        return str(parse_code(value))
    except HwCodeProblem as problem:
        reader.error(path, str(problem), problem.zh)
        return None
