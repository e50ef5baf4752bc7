"""Concepts that say the contrary of each other, so that a clear first suggestion is not shown beside its opposite
(单槽清洗 resolved: 多级逆流漂洗, the technique a measure brings in to replace it, is not offered second).

Two sources: the knowledge base's own structure — a technique and the one a measure brings in to replace it, the
practice a problem's rules look for (`uses`) and the practice its rules miss (`lacks`) or its measures introduce —
and general polarity pairs of process Chinese between names that are otherwise the same words (干式/湿式, 手工/自动,
敞口/密闭, 单级/多级, 放散/利用, 有/无, X / 非X).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import lru_cache

from rdflib import RDF, URIRef

from cpkb.kb.namespaces import CPKB

from .knowledge import Knowledge

# Each pair: words of one side, words of the other. Longer words first, so that 全自动 is taken before 自动.
POLARITY_PAIRS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("干式", "干法", "干"), ("湿式", "湿法", "水冲", "水力", "水帘", "湿")),
    (("手工", "人工", "手动"), ("全自动", "半自动", "自动化", "自动", "机器人", "机械化", "机械")),
    (("敞口", "敞开", "开放式", "露天", "未加盖", "不加盖"), ("全密闭", "密闭", "封闭", "加盖")),
    (("单级", "一级", "单段", "单效"), ("多级", "二级", "两级", "三级", "多段", "两段", "多效", "双效", "三效")),
    (("直燃", "直接"), ("间接",)),
    (("一次性", "直流"), ("循环", "回用", "回收")),
    (("放散",), ("回收利用", "利用", "回收")),   # gas flared or vented against gas used (煤气放散率 / 煤气利用率)
    (("有",), ("无",)),
    (("高",), ("低",)),
    (("常温",), ("深冷", "低温")),
    (("及以上", "以上", "大于", "超过"), ("及以下", "以下", "小于", "低于", "不足")),   # the two sides of a size limit
)
# a marker that turns a name into its negation when inserted (选择性非催化还原, 未加盖, 不回收)
_NEGATORS = "非无不未免"
_BRACKETED = re.compile(r"[（(［\[【〔].*?[）)］\]】〕]")
_HOLE = ""   # a word taken out leaves nothing: 6米及以上焦炉 and 小于6米焦炉 are the same words around it


def _forms(folded_with_brackets: str, folded: str) -> set[str]:
    return {f for f in (folded_with_brackets, folded) if f}


def _hollow(text: str, words: tuple[str, ...]) -> str | None:
    """The text with every word of one side taken out (one hole each), or None when none is there."""
    found = False
    for word in words:   # longest first by construction of POLARITY_PAIRS
        if word in text:
            text, found = text.replace(word, _HOLE), True
    return text if found else None


def mirrored(a: str, b: str) -> bool:
    """Whether two folded names say the same words but for a polarity pair (干式喷漆房 / 湿式喷漆房, 手工喷粉 /
    全自动喷粉) or one negation marker (选择性催化还原 / 选择性非催化还原, 加盖 / 未加盖)."""
    if not a or not b or a == b:
        return False
    for left, right in POLARITY_PAIRS:
        for x, y in ((a, b), (b, a)):
            hx, hy = _hollow(x, left), _hollow(y, right)
            if hx and hy and hx == hy and _hollow(x, right) is None and _hollow(y, left) is None:
                return True
    short, long_ = sorted((a, b), key=len)
    if len(long_) == len(short) + 1 and len(short) >= 2:
        for i, ch in enumerate(long_):
            if ch in _NEGATORS and long_[:i] + long_[i + 1:] == short:
                return True
    return False


def strip_brackets(text: str) -> str:
    return _BRACKETED.sub("", text).strip()


def kb_opposites(kb: Knowledge) -> dict[str, frozenset[str]]:
    """IRI -> the concepts the knowledge base sets against it (symmetric)."""
    pairs: dict[str, set[str]] = defaultdict(set)

    def against(one: set[str], other: set[str]) -> None:
        for a in one - other:
            for b in other - one:
                pairs[a].add(b)
                pairs[b].add(a)

    bad: dict[str, set[str]] = defaultdict(set)     # problem -> techniques its rules look for
    good: dict[str, set[str]] = defaultdict(set)    # problem -> techniques its rules miss or its measures bring
    for measure in kb.measures.values():
        against(set(measure.introduces), set(measure.replaces))
        for problem in measure.addresses:
            good[problem].update(measure.introduces)
            bad[problem].update(measure.replaces)
    for rule in kb.rules:
        uses, lacks = _technique_tests(kb.graph, rule.condition)
        bad[rule.problem].update(uses)
        good[rule.problem].update(lacks)
    for problem, practices in bad.items():   # a practice and its counterpart work in one process
        for practice in practices:
            home = kb.technique_processes.get(practice, set())
            against({practice}, {g for g in good.get(problem, ()) if home & kb.technique_processes.get(g, set())})
    return {iri: frozenset(found) for iri, found in pairs.items()}


def _technique_tests(graph, node: URIRef | None, negated: bool = False) -> tuple[set[str], set[str]]:
    """(techniques a condition needs in use, techniques it needs absent), a `not` turning one into the other. Only
    a test standing alone or joined by `all` counts: the branches of an `any` are alternatives, not the practice."""
    uses: set[str] = set()
    lacks: set[str] = set()
    if node is None:
        return uses, lacks
    kinds = set(graph.objects(node, RDF.type))
    if CPKB.TechniqueInUse in kinds or CPKB.TechniqueAbsent in kinds:
        present = (CPKB.TechniqueInUse in kinds) != negated
        (uses if present else lacks).update(str(t) for t in graph.objects(node, CPKB.technique))
    elif not negated and (CPKB.NotCondition in kinds or CPKB.AllOf in kinds):   # not(all …) says too little
        for child in graph.objects(node, CPKB.operand):
            u, lk = _technique_tests(graph, child, CPKB.NotCondition in kinds)
            uses |= u
            lacks |= lk
    return uses, lacks


# -- sizes: a name that gives a size (4.3米焦炉) is not the class its size falls outside (炭化室高度小于4.3米焦炉)

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_UNIT = r"(万千瓦|千瓦|kw|mw|万吨|蒸吨|吨|t|立方米|m3|m³|平方米|m2|m²|米|m|孔)(?:/(日|天|d|年|a|小时|时|h))?"
_SIZE = re.compile(r"(\d+(?:\.\d+)?)" + _UNIT)
# 小于、低于、不足、大于、超过、高于 leave the figure out; 以下、以上 take it in (民法典 第1259条: 包括本数)
_BOUND_BEFORE = re.compile(r"(小于|低于|不足|不超过|不大于|大于|超过|高于|不低于|不小于)(\d+(?:\.\d+)?)" + _UNIT)
_BOUND_AFTER = re.compile(r"(\d+(?:\.\d+)?)" + _UNIT + r"(及以下|以下|及以上|以上)")
_SAME_UNIT = {"t": "吨", "m": "米", "m3": "立方米", "m³": "立方米", "m2": "平方米", "m²": "平方米", "天": "日", "d": "日",
              "a": "年", "时": "小时", "h": "小时"}
_COMPARE = {"小于": "<", "低于": "<", "不足": "<", "不超过": "<=", "不大于": "<=", "及以下": "<=", "以下": "<=",
            "大于": ">", "超过": ">", "高于": ">", "不低于": ">=", "不小于": ">=", "及以上": ">=", "以上": ">="}


def _unit(unit: str, per: str | None) -> str:
    return _SAME_UNIT.get(unit, unit) + ("/" + _SAME_UNIT.get(per, per) if per else "")


def _plain(text: str) -> str:
    """Width and case folded, spaces out, the decimal point and the slash kept (folding drops them)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)).casefold())


@lru_cache(maxsize=65536)
def numbers(text: str) -> frozenset[float]:
    """The figures a name gives (JN60型焦炉: 60; 6.0米焦炉: 6)."""
    return frozenset(float(n) for n in _NUMBER.findall(_plain(text)))


@lru_cache(maxsize=65536)
def sizes(text: str) -> tuple[tuple[float, str], ...]:
    """(figure, unit) of each size a name gives with its unit (4.3米焦炉: 4.3 米), not counting its limits (the 4.3
    of 4.3米以下焦炉 is a limit, not a size)."""
    plain = _BOUND_AFTER.sub("", _BOUND_BEFORE.sub("", _plain(text)))
    return tuple((float(n), _unit(u, per)) for n, u, per in _SIZE.findall(plain))


@lru_cache(maxsize=65536)
def bounds(text: str) -> tuple[tuple[str, float, str], ...]:
    """(comparison, figure, unit) of each size limit a name sets (小于4.3米: <, 4.3, 米)."""
    plain = _plain(text)
    found = [(_COMPARE[w], float(n), _unit(u, per)) for w, n, u, per in _BOUND_BEFORE.findall(plain)]
    found += [(_COMPARE[w], float(n), _unit(u, per)) for n, u, per, w in _BOUND_AFTER.findall(plain)]
    return tuple(found)


def outside(given: tuple[tuple[float, str], ...], limits: tuple[tuple[str, float, str], ...]) -> bool:
    """Whether a size a name gives falls outside a limit another name sets in the same unit."""
    test = {"<": float.__lt__, "<=": float.__le__, ">": float.__gt__, ">=": float.__ge__}
    return any(unit == limit_unit and not test[op](value, figure)
               for value, unit in given for op, figure, limit_unit in limits)
