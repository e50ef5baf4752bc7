"""Reads a YAML knowledge source keeping the line of every mapping, so errors can point at it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import SourceProblem


class LineDict(dict):
    """A mapping from a YAML file that remembers the line it started on (1-based)."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> tuple[Any, list[SourceProblem]]:
    """Parse one source file; a syntax error becomes a placed problem instead of an exception."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [SourceProblem(path, None, None, f"cannot read the file: {exc}")]
    try:
        return yaml.load(text, Loader=_LineLoader), []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        return None, [SourceProblem(path, line, None, f"YAML syntax: {exc.problem or exc}. "
                                    "Check indentation and quoting on this line.")]
    except yaml.YAMLError as exc:
        return None, [SourceProblem(path, None, None, f"YAML syntax: {exc}")]


def line_of(value: Any, default: int | None = None) -> int | None:
    """The source line of a mapping read by load_yaml, or the default."""
    return getattr(value, "line", None) or default
