"""Shared, built-once fixtures of the diagnosis tests: the whole knowledge base in a temporary store."""

from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@functools.lru_cache(maxsize=1)
def real_store():
    from cpkb.kb.build import open_store
    from cpkb.settings import load_settings

    folder = tempfile.mkdtemp(prefix="cpkb-diag-store-")
    return open_store(load_settings(store_dir=folder, endpoint="", store_mode="memory", kb_dir=""))


def knowledge():
    from cpkb.diagnostics.knowledge import knowledge_for

    return knowledge_for(real_store())


def example_raw(name: str = "electroplating_cluster.json") -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def read(raw: dict, cells=None):
    from cpkb.diagnostics.survey import SurveyReader

    return SurveyReader(knowledge(), cells).read(raw)


def canonical(value):
    """A raw survey without empty values, for comparing what a round trip keeps."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items() if v not in (None, [], {}, "")}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value
