"""Shared, built-once fixtures of the diagnosis tests: the whole knowledge base in a temporary store."""

from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def memory_store(folder: str | Path, kb_dir: str | Path = ""):
    """A store in memory built from `kb_dir` (default: the bundled knowledge), its files under `folder`."""
    from cpkb.kb.build import open_store
    from cpkb.settings import load_settings

    return open_store(load_settings(store_dir=str(folder), endpoint="", store_mode="memory", kb_dir=str(kb_dir)))


@functools.lru_cache(maxsize=1)
def real_store():
    return memory_store(tempfile.mkdtemp(prefix="cpkb-diag-store-"))


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


def feasible(kb, chosen, budget: float, enterprises=None) -> bool:
    """Whether a set of portfolio candidates keeps the rules the solver must keep, written out independently of
    it (region semantics): the budget; a candidate whose enterprise lacks a technique it requires is out; each
    prerequisite measure is chosen for the same enterprise, unless that enterprise already runs every technique
    the prerequisite brings in; measures replacing the same technique at one enterprise are alternatives. Without
    `enterprises` no enterprise runs anything."""
    if sum(c.investment[1] for c in chosen) > budget + 1e-9:
        return False
    keys = {c.key for c in chosen}
    techniques = {e.id: set(e.techniques) for e in enterprises or []}
    for c in chosen:
        has = techniques.get(c.enterprise, set())
        econ = kb.measures[c.measure].economics
        if any(t not in has for t in econ.requires_techniques):
            return False
        for need in econ.requires_measures:
            brings = set(kb.measures[need].introduces) if need in kb.measures else set()
            if (need, c.enterprise) not in keys and not (brings and brings <= has):
                return False
    seen = {}
    for c in chosen:
        for t in kb.measures[c.measure].replaces:
            if seen.setdefault((c.enterprise, t), c.key) != c.key:
                return False
    return True
