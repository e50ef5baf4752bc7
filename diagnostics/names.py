"""Matches the names audit teams write (工艺、工序、指标、材料 … in their own words) to concepts of the knowledge base.

`resolve` answers only when a name means one concept beyond doubt (after folding case, full/half width,
traditional to simplified characters, separators, a parenthesised qualifier and generic endings such as 工艺 or
生产线); `suggest` ranks the closest concepts for a person to confirm. Ranking mixes containment both ways
(高铬彩色钝化 holds 高铬钝化), the longest common subsequence and character n-grams weighted by how rare each is,
and refuses opposites: a name saying 无铬 never suggests 高铬 or 含铬, 无氰 never 氰化, 三价铬 never 六价铬; a clear
first choice is never shown beside a concept that contradicts it (name_opposites.py).
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import LCSseq

from .knowledge import Knowledge, derived
from .name_opposites import bounds, kb_opposites, mirrored, numbers, outside, sizes, strip_brackets

try:  # 简繁: OpenCC's tables when the library is there (it is a dependency; kept optional for lean installs)
    import opencc as _opencc

    _T2S = _opencc.OpenCC("t2s")

    def to_simplified(text: str) -> str:
        return _T2S.convert(text)
except ImportError:  # pragma: no cover - exercised only without opencc
    def to_simplified(text: str) -> str:
        return text

MIN_SCORE = 0.34          # below this a concept is not worth showing a person
STRONG = 0.7              # a first suggestion this sure keeps its opposites out of the list …
CLEAR_MARGIN = 0.1        # … when it is exact or this far ahead of the opposite (喷釉柜 fits 手工 and 自动 alike)
WIDE_MARGIN = 0.25        # … or, less sure, this far ahead (焦铜 0.68 fits 焦磷酸盐镀铜, not 氰化镀铜 0.34)
NUMBER_MISMATCH = 0.8     # a name whose figures share none of the query's (JN60 / JN43型焦炉) is likely another size
# Where a survey's list may name a concept of a neighbouring kind: energy and water among the materials
# (原辅材料及能源), a survey fact among the indicators (水重复利用率 is asked as a fact).
# a survey's region field often holds a basin (黄河流域) and its basin field a region: each falls back on the other
KIND_FALLBACK = {"material": ("consumption",), "indicator": ("fact",), "region": ("basin",), "basin": ("region",)}
_SEPARATORS = re.compile(r"[\s\-_/\\·・.,，、;；:：'\"“”‘’`~!！?？*+&|#@=<>《》【】\[\]{}]+")
_BRACKETS = re.compile(r"[（(［\[【〔](.*?)[）)］\]】〕]")
# endings and openings that say what kind of thing a name is, not which one (镀锌工艺 = 镀锌)
_GENERIC_ENDS = ("生产工艺", "处理工艺", "工艺流程", "生产线", "工艺", "技术", "工序", "流水线", "作业", "装置",
                 "设备", "系统", "方式", "方法", "情况", "线", "法", "机")
_GENERIC_STARTS = ("是否设有", "是否配备", "是否有", "是否", "有无", "设有", "配备", "采用", "使用", "实行", "实施", "开展",
                   "进行", "有")
# a bracket that only gives the answer's form or unit says nothing about which concept is meant
_NEUTRAL_QUALIFIER = re.compile(r"^\s*(?:[有无是否yn√×]\s*[/／、或]\s*[有无是否yn√×]|[a-zA-Z%‰³²°/·.\d\s]+|单位.*|元|吨|米|万.*)\s*$")
# words the trade uses interchangeably, folded to one form on both sides; and 笨 typed for 苯 (same pinyin, 二甲笨)
_SYNONYMS = (("脱脂", "除油"), ("漂洗", "清洗"), ("水洗", "清洗"), ("2价", "二价"), ("3价", "三价"), ("6价", "六价"),
             ("笨", "苯"))
_QUESTION = re.compile(r"是否|有无|已经|已")
_CONCENTRATION = re.compile(r"[（(]?\s*\d+(?:\.\d+)?\s*%\s*[）)]?")
# A count survey writers put after equipment (转炉×2, 烧结机3台) names the same technique; a size (90m2烧结机,
# Φ3.0m水泥磨) is kept, because the size decides whether a unit is eliminated (淘汰类 thresholds are sizes).
_COUNT_SUFFIX = re.compile(r"(?:\s*[×xX*]\s*\d+\s*(?:台|套|座|条|座)?|\s*\d+\s*(?:台|套|座|条))\s*$")
_GENERIC_EN = re.compile(r"\b(process|technique|technology|line|system|equipment|method|unit|plant)s?\b")

# Polarity: the characters that turn a word into its opposite. Each marker is read with the word it governs.
_NEGATIVE = "无非不免零去禁"          # without, non-, no, free of, zero
_NOT_DONE = "未"                        # not (yet) done: 未更换 (-3, a negation a problem's own name may say)
_LOW = "低少微减"                      # low, little
_POSITIVE = "含有带"                   # containing, with
_HIGH = "高富多全"                     # high, rich, full
_EN_NEG = re.compile(r"(?:\b(?:non|no|without|zero)[ -]?([a-z]+))|(?:\b([a-z]+)[ -]free\b)")
_EN_LOW = re.compile(r"\blow[ -]([a-z]+)")
_EN_HIGH = re.compile(r"\b(?:high|rich)[ -]([a-z]+)")
_VALENCE = re.compile(r"([一二三四五六七1-7])价")
_VALENCE_EN = re.compile(r"\b(trivalent|hexavalent|divalent|tetravalent)\b")
_VALENCE_SYMBOL = re.compile(r"\bcr\s*(?:\(\s*(iii|vi)\s*\)|(?:\^)?([36])\s*\+)")
# substances whose mere mention in a name says "present" (氰化镀锌 contains cyanide)
_SUBSTANCES = ("氰", "铬", "镍", "铅", "镉", "汞", "磷", "氟", "氨", "甲醛", "edta", "氯", "溶剂", "苯", "碱回收")
# Qualifiers that exclude each other: a name on one side is never offered for a name on the other only
# (间歇蒸煮 / 连续蒸煮, 干熄焦 / 湿熄焦, 水性油墨 / 溶剂型油墨, 密闭 / 敞开).
_ANTONYMS = ((("间歇",), ("连续",)), (("密闭", "封闭"), ("敞开", "敞口", "开放式")), (("干熄",), ("湿熄", "湿法熄焦")),
             (("干法",), ("湿法",)), (("顶装",), ("捣固",)), (("水性", "水基"), ("溶剂型", "油性")),
             (("直接排放", "直排"), ("间接排放", "纳管")), (("纯凝",), ("抽凝", "抽汽凝汽", "背压")))
_SUBSTANCE_EN = {"cyanide": "氰", "chromium": "铬", "chrome": "铬", "chromate": "铬", "nickel": "镍", "lead": "铅",
                 "cadmium": "镉", "mercury": "汞", "phosphate": "磷", "phosphorus": "磷", "fluoride": "氟",
                 "ammonia": "氨", "formaldehyde": "甲醛", "edta": "edta"}


@lru_cache(maxsize=1 << 17)   # every suggestion folds the names of a whole kind again: fold each once
def fold(text: str) -> str:
    """The form names are compared in: NFKC (full/half width), case folded, simplified characters, separators gone,
    the trade's interchangeable words (脱脂/除油, 漂洗/水洗/清洗) written one way."""
    text = _SEPARATORS.sub("", to_simplified(unicodedata.normalize("NFKC", str(text))).casefold())
    for word, same in _SYNONYMS:
        text = text.replace(word, same)
    return text


def _strip_generic(key: str) -> str:
    for start in _GENERIC_STARTS:
        if key.startswith(start) and len(key) - len(start) >= (4 if start == "有" else 2) and not key.startswith("有机"):
            key = key[len(start):]
            break
    for end in _GENERIC_ENDS:
        if key.endswith(end) and len(key) - len(end) >= 2:
            return key[: -len(end)]
    return key


@lru_cache(maxsize=65536)
def variants(text: str) -> tuple[str, ...]:
    """Folded forms a name may match exactly, most faithful first: as written; the qualifier in brackets moved
    before or after the rest (镀锌（无氰） = 无氰镀锌); generic endings dropped (镀锌工艺 = 镀锌)."""
    raw = unicodedata.normalize("NFKC", str(text))
    english = _GENERIC_EN.sub(" ", raw.casefold()) if raw.isascii() else raw
    out = [fold(raw)]
    inner = _BRACKETS.findall(raw)
    if inner:
        base = fold(_BRACKETS.sub(" ", raw))
        qualifier = fold("".join(inner))
        out += [qualifier + base, base + qualifier]
        if all(_NEUTRAL_QUALIFIER.match(q) for q in inner):
            out.append(base)
    sized = _COUNT_SUFFIX.sub("", raw).strip()
    if sized and sized != raw.strip() and len(sized) >= 2:
        out.append(fold(sized))
    if _CONCENTRATION.search(raw):   # 98%硫酸, 盐酸（31%）: the strength says which grade, not which chemical
        out.append(fold(_CONCENTRATION.sub("", raw)))
    for key in list(out):
        out.append(_strip_generic(key))
        plain = _QUESTION.sub("", key)   # 废水是否分质分流 = 废水已分质分流
        if plain != key and len(plain) >= 2:
            out.append(plain)
    if english != raw:
        out.append(fold(english))
    seen: dict[str, None] = {}
    for key in out:
        if key:
            seen.setdefault(key, None)
    return tuple(seen)


@lru_cache(maxsize=65536)
def polarity(text: str) -> dict[str, int]:
    """What a name says about substances and qualities: word -> -2 (without: 无、非、不含), -3 (not done: 未更换),
    -1 (low: 低、微), +1 (mentioned: 氰化镀锌 holds cyanide), +2 (high or explicitly contained: 高、含); a word said
    both low and high (淘汰低效…更换高效) is left out; and '价' -> the valence
    named (三价铬 3, 六价铬 and 铬酸盐 6). Used only to keep opposites apart."""
    key = fold(text).replace("含量", "").replace("元素氯", "氯")
    found: dict[str, int] = {}
    both: set[str] = set()   # 淘汰低效电机、更换高效电机 says low and high of one word: neither side
    for i, ch in enumerate(key[:-1]):
        sign = -2 if ch in _NEGATIVE else -3 if ch in _NOT_DONE else -1 if ch in _LOW else \
            2 if ch in _POSITIVE or ch in _HIGH else 0
        if sign:
            start = i + 2 if sign <= -2 and key[i + 1] in _POSITIVE else i + 1   # 不含铬 = 无铬
            word = key[start:start + 2]
            if sign <= -2 and len(word) == 2 and word[1] == "价" and word[0] in "一二三四五六七":
                found["价!"] = "一二三四五六七".find(word[0]) + 1   # 无六价铬: free of this valence only
                continue
            stem = next((s for s in _SUBSTANCES if key.startswith(s, start)), word[:1])
            if ch == "不" and stem in "锈":      # 不锈钢 is stainless steel, not "no rust"
                continue
            if found.setdefault(stem, sign) * sign < 0:
                both.add(stem)
    for stem in both:
        del found[stem]
    for substance in _SUBSTANCES:
        if substance in key and substance not in found:
            found[substance] = 1
    lower = unicodedata.normalize("NFKC", str(text)).casefold()
    for match in _EN_NEG.finditer(lower):
        word = match.group(1) or match.group(2)
        found[_SUBSTANCE_EN.get(word, word)] = -2
    for match in _EN_LOW.finditer(lower):
        found.setdefault(_SUBSTANCE_EN.get(match.group(1), match.group(1)), -1)
    for match in _EN_HIGH.finditer(lower):
        found.setdefault(_SUBSTANCE_EN.get(match.group(1), match.group(1)), 2)
    for word, substance in _SUBSTANCE_EN.items():
        if re.search(rf"\b{word}\b", lower) and substance not in found:
            found[substance] = 1
    for match in _VALENCE.finditer(key):   # 无六价铬钝化 says nothing about the valence it uses
        if not (match.start() and key[match.start() - 1] in _NEGATIVE + _NOT_DONE):
            found["价"] = int("一二三四五六七".find(match.group(1)) + 1 or match.group(1))
    for match in _VALENCE_EN.finditer(lower):
        valence = {"divalent": 2, "trivalent": 3, "tetravalent": 4, "hexavalent": 6}[match.group(1)]
        if re.match(r"[ -]?free", lower[match.end():]) or re.search(r"non[ -]?$", lower[:match.start()]):
            found["价!"] = valence
            found.pop(match.group(1), None)
        else:
            found["价"] = valence
    for match in _VALENCE_SYMBOL.finditer(lower):
        found["价"] = {"3": 3, "iii": 3, "6": 6, "vi": 6}[match.group(1) or match.group(2)]
        found.setdefault("铬", 1)
    if "价" not in found and any(w in key for w in ("铬酸", "高铬", "铬酐")) or "chromate" in lower or "chromic" in lower:
        found.setdefault("价", 6)   # chromic acid, chromates and high-chromium baths are hexavalent chromium
    return found


@lru_cache(maxsize=65536)
def antonym_sides(folded: str) -> tuple[int, ...]:
    """Per pair of _ANTONYMS, the side a folded name is on: 1 left only, 2 right only, 0 neither, 3 both."""
    return tuple(any(w in folded for w in left) + 2 * any(w in folded for w in right) for left, right in _ANTONYMS)


def opposed(a: str, b: str) -> bool:
    """Whether two names say opposite things about the same substance or quality: without vs with any of it
    (无铬 / 低铬 / 铬酸盐), low vs high (低浓度 / 高浓度), different valences (三价铬 / 六价铬), or qualifiers that
    exclude each other (间歇 / 连续, 干熄 / 湿熄, 水性 / 溶剂型)."""
    return opposed_by(antonym_sides(fold(a)), polarity(a), antonym_sides(fold(b)), polarity(b))


def opposed_by(sides_a: tuple[int, ...], pa: dict[str, int], sides_b: tuple[int, ...], pb: dict[str, int]) -> bool:
    """`opposed` of two names given their antonym sides and polarities, computed once per name (a suggestion
    compares one query with every name of a kind)."""
    for x, y in zip(sides_a, sides_b):
        if x != y and x in (1, 2) and y in (1, 2):   # each name on one side only, not the same one
            return True
    if not pa or not pb:   # the checks below need something said on both sides
        return False
    if pa.get("价!") and pa.get("价!") == pb.get("价") or pb.get("价!") and pb.get("价!") == pa.get("价"):
        return True
    for word in pa.keys() & pb.keys():
        x, y = pa[word], pb[word]
        if word == "价":
            if x != y:
                return True
        elif word == "价!":
            continue
        elif (x <= -2) != (y <= -2) or {x, y} == {-1, 2}:
            return True
    return False


@dataclass(frozen=True)
class Suggestion:
    iri: str
    label: dict[str, str]
    score: float
    matched: str          # the knowledge base's name that matched best

    def as_dict(self) -> dict:
        return {"iri": self.iri, "label": self.label, "score": self.score}


@dataclass
class _Entry:
    iri: str
    written: str          # the name as the knowledge base writes it
    key: str              # its folded form
    preferred: bool
    sides: tuple[int, ...] = ()                            # antonym_sides(key)
    polarity: dict[str, int] = field(default_factory=dict)  # polarity(written): shared, read only


class NameMatcher:
    """Resolves and suggests concepts of one knowledge base by the names people write."""

    def __init__(self, kb: Knowledge):
        self.kb = kb
        self._exact: dict[str, dict[str, set[str]]] = {}        # kind -> variant -> IRIs
        self._entries: dict[str, list[_Entry]] = {}
        self._weights: dict[str, dict[str, float]] = {}          # kind -> n-gram -> rarity weight
        self._lock = threading.Lock()
        self._against = kb_opposites(kb)                          # IRI -> concepts the knowledge base sets against it
        self._forms: dict[str, frozenset[str]] = {}
        for iri, kind in kb.kinds.items():
            for written, preferred in self._names_of(iri):
                for n, key in enumerate(variants(written)):
                    # a name's own folded form always counts; stripped forms only where they stay specific
                    if n == 0 or len(key) >= 2:
                        self._exact.setdefault(kind, {}).setdefault(key, set()).add(iri)
                key = fold(written)
                if key and not written.startswith("http"):
                    self._entries.setdefault(kind, []).append(
                        _Entry(iri, written, key, preferred, antonym_sides(key), polarity(written)))
        for kind, entries in self._entries.items():
            df = Counter(g for e in entries for g in set(_grams(e.key)))
            total = len(entries) + 1
            self._weights[kind] = {g: math.log(total / c) + 0.5 for g, c in df.items()}

    # kept with a cached Knowledge (knowledge_cache.py): building it folds every name, seconds at each start
    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_lock"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def _names_of(self, iri: str) -> list[tuple[str, bool]]:
        labels = self.kb.labels.get(iri)
        names = [(labels.zh, True), (labels.en, True)] if labels else []
        names += [(n, False) for n in self.kb.alt_names.get(iri, ())]
        return names

    # -- resolving

    def _in_sector(self, iri: str, sector: str | None) -> bool:
        owner = self.kb.sector_of.get(iri)
        return sector is None or owner is None or owner == sector

    def candidates(self, kind: str, text: str, sector: str | None = None) -> set[str]:
        """Every concept a name could mean by an exact match of one of its forms (the first form that matches)."""
        if not isinstance(text, str) or not text.strip():
            return set()
        if text in self.kb.kinds and self.kb.kinds[text] == kind:
            return {text}
        table = self._exact.get(kind, {})
        for key in variants(text):
            found = {i for i in table.get(key, ()) if self._in_sector(i, sector)}
            if found:
                return found
        return set()

    def resolve(self, kind: str, text: str, sector: str | None = None) -> str | None:
        """The one concept a name means beyond doubt, or None (unknown or ambiguous). A bracketed qualifier that
        refines without contradicting (化学镍（中磷）, 回收槽（静止回收）) leaves the name meaning what it names."""
        found = self.candidates(kind, text, sector)
        if not found and isinstance(text, str) and _BRACKETS.search(text):
            base = _BRACKETS.sub(" ", text).strip()
            qualifier = " ".join(_BRACKETS.findall(text))
            if base and base != text:
                found = {iri for iri in self.candidates(kind, base, sector)
                         if not any(opposed(qualifier, name) or opposed(text, name) for name, _ in self._names_of(iri))}
        if len(found) > 1 and sector:   # 溶剂台账 names a shared fact and a sector's own: the sector's is meant
            own = {iri for iri in found if self.kb.sector_of.get(iri) == sector}
            found = own if len(own) == 1 else found
        return next(iter(found)) if len(found) == 1 else None

    def resolve_any(self, kind: str, text: str, sector: str | None = None) -> tuple[str, str] | None:
        """(kind, IRI) of the one concept a name means, trying the neighbouring kinds of KIND_FALLBACK after its own."""
        for each in (kind, *KIND_FALLBACK.get(kind, ())):
            iri = self.resolve(each, text, sector)
            if iri:
                return each, iri
        return None

    # -- suggesting

    def suggest(self, kind: str, text: str, sector: str | None = None, limit: int = 5,
                neighbours: bool = True) -> list[Suggestion]:
        """Up to `limit` concepts ranked by how likely the name means them (score 0–1), opposites left out; the
        neighbouring kinds of KIND_FALLBACK count a little less than the kind asked for."""
        if not isinstance(text, str) or not text.strip():
            return []
        found = self._suggest(kind, text, sector, limit)
        if neighbours:
            for other in KIND_FALLBACK.get(kind, ()):
                found += [Suggestion(s.iri, s.label, round(s.score * 0.9, 3), s.matched)
                          for s in self._suggest(other, text, sector, limit)]
            found.sort(key=lambda s: -s.score)
        return self._without_opposites(found)[:limit]

    def _without_opposites(self, ranked: list[Suggestion]) -> list[Suggestion]:
        """Once a clear choice stands (exact, or ≥ STRONG and CLEAR_MARGIN ahead), one that says its contrary is not
        offered beside it (铬酸盐钝化: 六价, not 三价; 单槽清洗: not 多级逆流漂洗, which replaces it). A name that fits both
        about equally leaves the choice to the person."""
        kept: list[Suggestion] = []
        for each in ranked:
            if not any(_clearly_ahead(first.score, each.score) and self.concepts_opposed(first.iri, each.iri)
                       for first in kept):
                kept.append(each)
        return kept

    def _suggest(self, kind: str, text: str, sector: str | None, limit: int) -> list[Suggestion]:
        exact = self.candidates(kind, text, sector)
        resolved = self.resolve(kind, text, sector)
        exact |= {resolved} if resolved else set()   # a refining bracket (化学镍（中磷）) still means the concept
        best: dict[str, tuple[float, str]] = {iri: (1.0, text) for iri in exact}
        keys = variants(text)
        weights = self._weights.get(kind, {})
        refused: set[str] = set()  # a concept any of whose names is the query's opposite is never offered
        sides, said = antonym_sides(fold(text)), polarity(text)
        figures, given = numbers(text), sizes(text)
        for entry in self._entries.get(kind, ()):
            if entry.iri in exact or entry.iri in refused or not self._in_sector(entry.iri, sector):
                continue
            if opposed_by(sides, said, entry.sides, entry.polarity) or given and outside(given, bounds(entry.written)):
                refused.add(entry.iri)
                best.pop(entry.iri, None)
                continue
            score = max((_similarity(k, entry.key, weights) for k in keys), default=0.0)  # no variants: nothing to match
            score = _polarity_weight(said, entry.polarity, score)
            if figures and numbers(entry.written) and not figures & numbers(entry.written):
                score *= NUMBER_MISMATCH
            if entry.preferred:
                score += 0.005  # ties go to the preferred label's concept
            if score > best.get(entry.iri, (0.0, ""))[0]:
                best[entry.iri] = (score, entry.written)
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))
        # more than asked for: the opposites of a clear first choice are taken out after the kinds are merged
        kept = [(iri, score, matched) for iri, (score, matched) in ranked if score >= MIN_SCORE][:3 * limit]
        return [Suggestion(iri, self.kb.label(iri), round(min(score, 1.0), 3), matched) for iri, score, matched in kept]

    def concepts_opposed(self, a: str, b: str) -> bool:
        """Whether two concepts say the contrary of each other: set against each other by the knowledge base (a
        technique and the one replacing it, a problem's practice and its counterpart), or by their names (无铬 /
        含铬, 间歇 / 连续, 干式X / 湿式X, 手工X / 自动X, X / 非X)."""
        if b in self._against.get(a, ()):
            return True
        la, lb = self.kb.labels.get(a), self.kb.labels.get(b)
        if not (la and lb):
            return False
        if opposed(la.zh, lb.zh) or opposed(la.en, lb.en):
            return True
        # a qualifier one concept's Chinese names say (any of them, none saying its contrary) and the other's contradict
        # (电泳漆, also called 水性电泳漆 / 溶剂型涂料)
        if any(x != y and x in (1, 2) and y in (1, 2) for x, y in zip(self._sides(a), self._sides(b))):
            return True
        return any(mirrored(x, y) for x in self._zh_forms(a) for y in self._zh_forms(b))

    def _sides(self, iri: str) -> tuple[int, ...]:
        """antonym_sides over all of a concept's Chinese names: per pair 1 or 2 when its names take one side only."""
        found = (0,) * len(_ANTONYMS)
        for form in self._zh_forms(iri):
            found = tuple(x | y for x, y in zip(found, antonym_sides(form)))
        return found

    def _zh_forms(self, iri: str) -> frozenset[str]:
        """A concept's Chinese names, folded, with and without a bracketed qualifier (label and alternatives: 多级冷凝
        is another name of 深冷冷凝回收 and mirrors 单级冷凝, another name of 单级常温冷凝)."""
        found = self._forms.get(iri)
        if found is None:
            labels = self.kb.labels.get(iri)
            names = [labels.zh] if labels else []
            names += [n for n in self.kb.alt_names.get(iri, ()) if not n.isascii()]
            found = self._forms[iri] = frozenset(f for n in names for f in (fold(n), fold(strip_brackets(n))) if f)
        return found


def _clearly_ahead(first: float, other: float) -> bool:
    """Whether a suggestion is a clear choice over another: exact, or sure and well ahead."""
    return first >= 1.0 > other or first >= STRONG and first - other >= CLEAR_MARGIN or first - other >= WIDE_MARGIN


def _grams(key: str) -> list[str]:
    return list(key) + [key[i:i + 2] for i in range(len(key) - 1)]


@lru_cache(maxsize=1 << 17)   # the knowledge base's names are compared with every query: count their n-grams once
def _gram_counts(key: str) -> Counter:
    return Counter(_grams(key))   # shared: read, never changed


def _similarity(query: str, name: str, weights: dict[str, float]) -> float:
    """0–1: containment both ways (by common subsequence), overall likeness, and shared rare n-grams."""
    if query == name:
        return 1.0
    if not query or not name:
        return 0.0
    common = LCSseq.similarity(query, name)
    short, long_ = sorted((len(query), len(name)))
    contained = common / short
    likeness = 2 * common / (len(query) + len(name))
    qa, na = _gram_counts(query), _gram_counts(name)
    shared = sum(weights.get(g, 1.5) * min(qa[g], na[g]) for g in qa.keys() & na.keys())
    mass = sum(weights.get(g, 1.5) * c for g, c in qa.items()) + sum(weights.get(g, 1.5) * c for g, c in na.items())
    grams = 2 * shared / mass if mass else 0.0
    score = 0.3 * contained + 0.3 * likeness + 0.4 * grams
    if contained == 1.0 and short >= 2:  # one name holds the other whole (in order): strong, more so when close
        score = max(score, 0.55 + 0.4 * short / long_)
    return score


def _polarity_weight(pq: dict[str, int], pn: dict[str, int], score: float) -> float:
    """Agreement on what a name negates or qualifies counts for, a qualifier the other lacks against (the
    polarities of the query and of the name)."""
    if not pq and not pn:
        return score
    shared = pq.keys() & pn.keys()
    agree = sum(1 for w in shared if pq[w] == pn[w])
    # … but a query's 未 (未密闭) may name the problem a name says without it (煤场扬尘): only the name's 未 counts
    only = len([w for w in pq if w not in pn and -3 < pq[w] < 0]) + len([w for w in pn if w not in pq and pn[w] < 0])
    return score * (1 + 0.08 * agree) * (0.85 ** only)


def matcher_for(kb: Knowledge) -> NameMatcher:
    """The name matcher of a knowledge base, built once per loaded knowledge base."""
    return derived(kb, "_name_matcher", NameMatcher)


class SurveyMatcher:
    """A name matcher that answers each (kind, name, sector) once per survey: the same few hundred names recur in
    every enterprise of a survey, and resolving one walks every written form of the name (names.py variants)."""

    def __init__(self, matcher: NameMatcher):
        self.matcher = matcher
        self._resolved: dict[tuple[str, str, str | None], str | None] = {}
        self._suggested: dict[tuple, list[Suggestion]] = {}

    def resolve(self, kind: str, text: str, sector: str | None = None) -> str | None:
        """As NameMatcher.resolve, remembered for text names (anything else is asked each time, as it is rare)."""
        if type(text) is not str:
            return self.matcher.resolve(kind, text, sector)
        key = (kind, text, sector)
        try:
            return self._resolved[key]
        except KeyError:
            found = self._resolved[key] = self.matcher.resolve(kind, text, sector)
            return found

    def suggest(self, kind: str, text: str, sector: str | None = None, limit: int = 5,
                neighbours: bool = True) -> list[Suggestion]:
        """As NameMatcher.suggest, remembered: a place or name that matches nothing recurs in many enterprises, and
        each suggestion scores every name of the kind (~0.1 s)."""
        if type(text) is not str:
            return self.matcher.suggest(kind, text, sector, limit, neighbours)
        key = (kind, text, sector, limit, neighbours)
        found = self._suggested.get(key)
        if found is None:
            found = self._suggested[key] = self.matcher.suggest(kind, text, sector, limit, neighbours)
        return list(found)   # a copy: callers may sort or cut it

    def __getattr__(self, name: str):
        return getattr(self.matcher, name)   # candidates …: rare, asked of the matcher itself
