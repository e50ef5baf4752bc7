"""Names of the knowledge format's plain-text codes and of other vocabularies' properties, in each page language
(`web/code_labels.yaml`), so that no code reaches a page: medium `air` is 大气, dcterms:publisher is 发布机构."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from cpkb.kb.namespaces import CPKB

_FILE = Path(__file__).with_name("code_labels.yaml")
_DEF = str(CPKB)


@functools.lru_cache(maxsize=1)
def _table() -> dict:
    return yaml.safe_load(_FILE.read_text(encoding="utf-8"))


def _local(prop: str) -> str | None:
    return prop[len(_DEF):] if prop.startswith(_DEF) else None


def code_labels(prop: str, code: str) -> dict[str, str] | None:
    """The names of `code` as a value of the property `prop` (a full IRI), or None when it is no listed code."""
    return _table()["codes"].get(_local(prop) or "", {}).get(code)


def shown_as_code(prop: str) -> bool:
    """Values of this property are expressions or field names, shown as code rather than translated."""
    return _local(prop) in _table()["as_code"]


def is_code_property(prop: str) -> bool:
    """The property's plain-text values are codes of the knowledge format (each must have its names)."""
    return _local(prop) in _table()["codes"]


def property_labels(iri: str) -> dict[str, str] | None:
    """The names of a property of another vocabulary (dcterms, rdfs, skos, owl, qudt) the knowledge base uses."""
    return _table()["properties"].get(iri)
