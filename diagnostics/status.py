"""Technique status with its basis: which status item (national catalogue, sector rule, local ban) applies to
each enterprise using a technique, and why the others do not (an exception, another area, not yet in force)."""

from __future__ import annotations

from collections import defaultdict

from .conditions import ConditionCompiler
from .knowledge import Knowledge
from .survey import Enterprise


def technique_status(kb: Knowledge, compiler: ConditionCompiler, enterprises: list[Enterprise], sector: str) -> list[dict]:
    """For every technique with status items that an enterprise uses: per item, the enterprises it applies to."""
    out = []
    year = None
    for tech, bases in sorted(kb.status_bases.items()):
        if kb.sector_of.get(tech) != sector:
            continue
        users = [e for e in enterprises if tech in e.techniques]
        if not users:
            continue
        items = []
        for n, basis in enumerate(bases):
            groups: dict[str, list[str]] = defaultdict(list)
            for ent in users:
                year = ent.model.context.get("year")
                groups[_applies(compiler, basis, ent, year)].append(ent.id)
            items.append({"status": basis.status, "document": basis.document,
                          "document_labels": kb.sources[basis.document].as_dict() if basis.document in kb.sources else None,
                          "clause": basis.clause, "from": basis.valid_from, "until": basis.valid_until,
                          "exception": basis.exception or None, "area": basis.area or None, "verified": basis.verified,
                          "enterprises": dict(groups)})
        out.append({"technique": tech, "labels": kb.label(tech), "plain_status": kb.technique_status.get(tech),
                    "bases": items, "users": [e.id for e in users]})
    return out


def _applies(compiler: ConditionCompiler, basis, ent: Enterprise, year) -> str:
    """applies | excepted | other-area | not-in-force | unknown, for one enterprise."""
    if year and basis.valid_from and basis.valid_from > f"{year}-12-31":
        return "not-in-force"
    if year and basis.valid_until and basis.valid_until < f"{year}-01-01":
        return "not-in-force"
    if basis.applies_when is not None:
        value, _ = compiler.compile(basis.applies_when).evaluate(ent)
        if value is None:
            return "unknown"
        if not value:
            return "other-area"
    if basis.except_when is not None:
        value, _ = compiler.compile(basis.except_when).evaluate(ent)
        if value:
            return "excepted"
        if value is None:
            return "unknown"
    return "applies"
