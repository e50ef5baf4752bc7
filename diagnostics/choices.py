"""Free-text answers matched to the answers a choice fact offers (间接排放（纳管至园区污水厂） → 间接排放,
釜式蒸馏（间歇） → 釜式蒸馏), and the discharge route (直排 / 纳管 / 间接排放) read from where a figure was measured,
for the facts that the knowledge base's rules ask it by."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from .knowledge import Knowledge, normalise
from .names import opposed

_QUALIFIER = re.compile(r"[（(][^（()）]*[）)]")
_NEGATION = "无未不非没否"
_BARE = {"是", "否", "有", "无", "yes", "no", "没有"}   # an answer whose substance is in its brackets
MIN_NAME = 2    # a one-character choice name (电) is found inside too many unrelated words


@dataclass(frozen=True)
class ChoiceMatch:
    choices: tuple[str, ...]   # choice ids
    how: str                   # exact | qualifier | begins | contains
    matched: str               # the choice name that matched


def _found_in(text: str, name: str) -> bool:
    """`name` occurs in `text` and is not negated right before it (未委托有资质单位 is not 委托有资质单位)."""
    start = text.find(name)
    while start >= 0:
        if start == 0 or text[start - 1] not in _NEGATION:
            return True
        start = text.find(name, start + 1)
    return False


def match_choice(written: str, names: dict[str, str]) -> ChoiceMatch | None:
    """The choice a free-text answer names: exactly, without its bracketed qualifiers, as the choice its text begins
    with, or as the one choice its text contains (brackets are looked into only when the rest is a bare 是/否).
    `names`: normalised choice name → choice id. None when nothing, or more than one choice, fits."""
    text = normalise(written)
    if not text:
        return None
    if text in names:
        return ChoiceMatch((names[text],), "exact", text)
    main = normalise(_QUALIFIER.sub("", text))
    if main in names:
        return ChoiceMatch((names[main],), "qualifier", main)
    usable = sorted((n for n in names if len(n) >= MIN_NAME and not n.startswith("http")), key=len, reverse=True)
    for name in usable:
        if main.startswith(name) and not opposed(written, name):
            return ChoiceMatch((names[name],), "begins", name)
    places = [main] if main and main not in _BARE else []
    places.append(text)
    for place in places:
        hits = {}
        for name in usable:
            if _found_in(place, name) and not opposed(place, name):
                hits.setdefault(names[name], name)
        if len(hits) == 1:
            (choice, name), = hits.items()
            return ChoiceMatch((choice,), "contains", name)
        if hits:
            return None   # several answers named: the reader says it could not choose
    return None


# ---------------------------------------------------------------------- discharge route

# not 间排 alone: 车间排口 holds it (车·间排·口)
_INDIRECT = ("间接排放", "间接排入", "纳管", "接管", "排入园区污水", "进园区污水", "园区污水厂", "园区污水处理厂", "城镇污水",
             "市政管网", "市政污水", "污水处理厂")
_DIRECT = ("直排", "直接排放", "直接排入", "排入河", "入河", "排入水体")


def discharge_route(written: object) -> str | None:
    """"direct" or "indirect" when a place or fate says how the effluent leaves (直排口, 纳管口, 间接排放至园区污水厂);
    None when it says neither or both."""
    if not isinstance(written, str):
        return None
    text = normalise(written)
    direct = any(_found_in(text, w) for w in _DIRECT)
    indirect = any(_found_in(text, w) for w in _INDIRECT)
    if direct == indirect:
        return None
    return "direct" if direct else "indirect"


@dataclass(frozen=True)
class RouteFact:
    iri: str
    datatype: str                    # choice | boolean
    sides: dict[str, frozenset]      # choice: route -> the choice ids on that side; boolean: route -> {True/False}


_CACHE_LOCK = threading.Lock()


def route_facts(kb: Knowledge, sector: str | None) -> list[RouteFact]:
    """The facts of the sector (and shared ones) that ask the discharge route: a choice fact with answers on both
    sides, direct and indirect (废水排放去向), or a yes/no fact named for discharging to a sewer (废水纳管排放)."""
    with _CACHE_LOCK:
        cache = getattr(kb, "_route_facts", None)
        if cache is None:
            cache = kb._route_facts = {}
        if sector in cache:
            return cache[sector]
    found = []
    fact_names: dict[str, set[str]] = {}
    for name, iris in kb.names.get("fact", {}).items():
        for iri in iris:
            fact_names.setdefault(iri, set()).add(name)
    for iri, fact in sorted(kb.facts.items()):
        if kb.sector_of.get(iri) not in (sector, None, ""):
            continue
        if fact["datatype"] == "choice":
            sides: dict[str, set] = {"direct": set(), "indirect": set()}
            for name, choice in fact["choice_names"].items():
                route = discharge_route(name)
                if route:
                    sides[route].add(choice)
            if sides["direct"] and sides["indirect"] and not sides["direct"] & sides["indirect"]:
                found.append(RouteFact(iri, "choice", {k: frozenset(v) for k, v in sides.items()}))
        elif fact["datatype"] == "boolean":
            names = fact_names.get(iri, set())
            if any(normalise(w) in n for n in names for w in ("纳管", "间接排放", "接管")) and \
                    not any(normalise(w) in n for n in names for w in _DIRECT):
                found.append(RouteFact(iri, "boolean", {"indirect": frozenset({True}), "direct": frozenset({False})}))
    with _CACHE_LOCK:
        cache[sector] = found
    return found


_ROMAN = {"1": "i", "2": "ii", "3": "iii", "4": "iv", "5": "v"}


def water_class(written: object) -> str | None:
    """The GB 3838 class (i … v, lower-case roman) a receiving water's class is written as: III, Ⅲ类, 3, '3类'."""
    if isinstance(written, bool) or not isinstance(written, (str, int, float)):
        return None
    text = normalise(str(written).removesuffix(".0")).removesuffix("类").removesuffix("类水体").strip()
    text = _ROMAN.get(text, text)
    return text if text in _ROMAN.values() else None


def class_answer(fact: RouteFact, cls: str, choice_names: dict[str, str]) -> object | None:
    """The direct-discharge answer whose names name the receiving water's class (直接排入III类水域 for class iii;
    直接排入IV、V类水域 for iv or v); None unless exactly one does."""
    token = re.compile(rf"(?<![iv]){cls}(?![iv]).*类")
    hits = {choice for name, choice in choice_names.items() if choice in fact.sides["direct"] and token.search(name)}
    return hits.pop() if len(hits) == 1 else None


def route_answer(fact: RouteFact, route: str, written: str, choice_names: dict[str, str]) -> object | None:
    """The answer to `fact` that a place naming `route` gives: the choice its words name, where that choice is on the
    route's side (纳管 → 排入城镇污水处理厂 when the fact says so); else the side's only answer; None when the side
    has several answers and the words choose none of them (直排 where the class of the receiving water decides)."""
    side = fact.sides[route]
    if fact.datatype == "choice":
        hit = match_choice(written, choice_names)
        if hit and hit.choices[0] in side:
            return hit.choices[0]
    return next(iter(side)) if len(side) == 1 else None
