"""The name map a user confirms once and reuses: `cpkb names` writes every name the survey reader kept as written,
with its suggestions; the user fills `use` (a label or IRI of the knowledge base, or 忽略 to leave the name out);
`cpkb diagnose --names` (or a survey's own `names:` section) applies it.
"""

from __future__ import annotations

from typing import Any

import yaml

NAME_MAP_VERSION = 1
AUTO_FILL = 0.85   # a first suggestion at least this sure is written into `use`, to be checked like the rest

_HEADER = """\
# CPKB 名称对照表 / name map (cpkb names). 调查中未能识别的名称及其最接近的知识库名称。
# 请逐项核对 `use`：填知识库名称或 IRI（可从 suggestions 中选），填 忽略 表示不用该名称；留空则仍按原文保留并警告。
# Check every `use`: a knowledge-base name or IRI (pick from the suggestions), 忽略 / ignore to leave the name out;
# left empty, the name stays as written and is warned about. A `use` filled in here was the first suggestion
# (score ≥ {auto}) and still needs your confirmation. Then: cpkb diagnose SURVEY --names THIS_FILE
"""


def name_map(unresolved: list[dict], lang: str = "zh") -> dict[str, Any]:
    """The name map of a survey's unresolved names, first suggestion proposed where it is clear."""
    entries = []
    for row in unresolved:
        first = row["suggestions"][0] if row["suggestions"] else None
        entries.append({
            "name": row["name"], "kind": row["kind"], "enterprises": row["enterprises"], "places": row["places"][:5],
            "use": first["label"][lang] if first and first["score"] >= AUTO_FILL else None,
            "suggestions": [{"label": s["label"][lang], "iri": s["iri"], "score": s["score"]} for s in row["suggestions"]],
        })
    return {"cpkb_names": NAME_MAP_VERSION, "names": entries}


def dump_name_map(unresolved: list[dict], lang: str = "zh") -> str:
    return _HEADER.format(auto=AUTO_FILL) + yaml.safe_dump(name_map(unresolved, lang), allow_unicode=True,
                                                           sort_keys=False, width=120)


def load_name_map(text: str) -> Any:
    """The entries of a name map file (either the form `cpkb names` writes or a plain mapping)."""
    data = yaml.safe_load(text)
    if isinstance(data, dict) and "names" in data:
        return data["names"]
    return data
