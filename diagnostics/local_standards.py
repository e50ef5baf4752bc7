"""Which place's standard binds an enterprise (kb/README.md "Local standards").

A local (provincial, city, county) requirement set carries the GB/T 2260 places where it binds; the survey's place
(scope.region written as 浙江省湖州市, 长兴县 …, read by places.py) decides. The national sets still apply beside it:
every applicable set judges the figure, and where several judge one figure the strictest limit binds and the others
say so. A survey whose place the knowledge base cannot place keeps the national sets and is told that local ones
could not be judged.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from .knowledge_model import RequirementSet

if TYPE_CHECKING:
    from .knowledge import Knowledge


def _why(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def place_names(req: RequirementSet) -> str:
    """浙江省; 广东省广州市、深圳市 (the province said once when every place shares it)."""
    names = [name for _, name in req.places]
    province = names[0][:names[0].find("省") + 1] if "省" in names[0] else ""
    if len(names) > 1 and province and all(n.startswith(province) and n != province for n in names):
        return province + "、".join(n[len(province):] for n in names)
    return "、".join(names)


def place_applies(req: RequirementSet, context: dict[str, Any]) -> tuple[bool | None, dict] | None:
    """None for a set of no place; else whether the enterprise's place lies where the local standard binds."""
    if not req.local:
        return None
    names = place_names(req)
    code, where = context.get("place_code"), context.get("place_name") or ""
    if not code:
        return None, _why(f"调查未写明企业所在的省、市或县（scope.region 写作如“浙江省湖州市”），无法判断{names}地方标准"
                          "是否适用；国家标准照常判断",
                          f"the survey names no province, city or county (write scope.region as e.g. 浙江省湖州市), so "
                          f"whether the local standard of {names} binds is unknown; the national standards still apply")
    if any(code.startswith(prefix) for prefix, _ in req.places):
        return True, _why(f"企业位于{where}，执行{names}地方标准", f"the enterprise is in {where}: the local standard binds")
    if any(prefix.startswith(code) for prefix, _ in req.places):
        return None, _why(f"调查只写到{where}，该地方标准只适用于{names}；请把 scope.region 写到市或县",
                          f"the survey names only {where} and the local standard binds only in {names}; write "
                          "scope.region down to the city or county")
    return False, _why(f"企业位于{where}，不在{names}，不执行该地方标准",
                       f"the enterprise is in {where}, outside {names}: this local standard does not bind it")


def local_standard(kb: "Knowledge", sets: list[RequirementSet], context: dict[str, Any]) -> tuple[bool, list[str]]:
    """The context key `local_standard`: True when a local set of the sector is known to bind the enterprise's
    place, else False (an unplaced survey included: it is warned about apart, and a survey's own answer, such as
    coating's `local-coating-standard`, still decides); with the Chinese names of the documents that bind."""
    binding = sorted({_document_name(kb, req) for req in sets
                      if req.local and place_applies(req, context)[0] is True})
    return bool(binding), binding


def _document_name(kb: "Knowledge", req: RequirementSet) -> str:
    """DB33/2146-2018 工业涂装工序大气污染物排放标准, as the reports name a local standard."""
    source = kb.sources.get(req.document)
    title = source.zh if source is not None else req.labels.get("zh", req.iri)
    return " ".join(x for x in (kb.document_numbers.get(req.document), title) if x)


def mark_binding(checks: list[dict]) -> None:
    """Where several sets judge one figure of one subject, the lowest upper limit binds (从严执行); each of the
    others names it. A figure judged by one set only is left as it is."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for check in checks:
        figure = check.pop("_figure", None)
        if figure is not None and not isinstance(check["limit_value"], list):
            groups[(figure, check["subject"], check.get("unit"))].append(check)
    for group in groups.values():
        if len({c["requirement"] for c in group}) < 2:
            continue
        strictest = min(group, key=lambda c: c["limit_value"])
        for check in group:
            check["binding"] = check is strictest or check["limit_value"] == strictest["limit_value"]
            if not check["binding"]:
                check["stricter"] = {"requirement": strictest["requirement"], "labels": strictest["requirement_labels"],
                                     "limit_value": strictest["limit_value"], "document": strictest["document"]}


def unplaced_note(sets: list[RequirementSet], context: dict[str, Any]) -> dict[str, str] | None:
    """The warning of a survey that has local standards in its sector but no place to judge them by."""
    local = [req for req in sets if req.local]
    if not local or context.get("place_code"):
        return None
    names = "、".join(sorted({place_names(req) for req in local}))
    return _why(f"知识库收录了本行业的地方排放标准（{names}），但调查未写明企业所在的省、市或县，地方标准未作判断，"
                "仍按国家标准判断；请把 scope.region 写作如“浙江省湖州市”。",
                f"The knowledge base holds local standards of this sector ({names}) but the survey names no province, "
                "city or county: they were not judged and the national standards apply; write scope.region as e.g. "
                "浙江省湖州市.")
