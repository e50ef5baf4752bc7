"""Sentences in Chinese and English that explain a finding from the facts that matched."""

from __future__ import annotations

import orjson

from .knowledge import Knowledge, Rule

_OPS_ZH = {"<": "低于", "<=": "不高于", ">": "高于", ">=": "不低于", "=": "等于", "!=": "不等于"}
_OPS_EN = {"<": "below", "<=": "at most", ">": "above", ">=": "at least", "=": "equal to", "!=": "not equal to"}
_LEVEL_ZH = {"I": "Ⅰ级", "II": "Ⅱ级", "III": "Ⅲ级"}


def _fmt(value) -> str:
    if isinstance(value, tuple):
        return "、".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def _fact_zh(value) -> str:
    return {True: "是", False: "否"}.get(value, _fmt(value)) if isinstance(value, bool) else _fmt(value)


def _answer(kb: Knowledge, fact: str, value) -> tuple[str, str]:
    """A survey answer in both languages: choices by their labels (镍、锌 / nickel, zinc), yes/no as 是/否."""
    labels = kb.facts.get(fact, {}).get("choice_labels") or {}
    if labels and isinstance(value, (str, tuple)):
        chosen = value if isinstance(value, tuple) else (value,)
        names = [labels.get(str(c), {"zh": str(c), "en": str(c)}) for c in chosen]
        return "、".join(n["zh"] for n in names), ", ".join(n["en"] for n in names)
    return _fact_zh(value), _fmt(value)


def explain_fact(kb: Knowledge, fact: dict) -> dict[str, str]:
    """One matched fact as a clause in both languages; a value computed by a formula says so."""
    clause = _clause(kb, fact)
    if fact.get("derived") and fact.get("test") != "violates":
        shown = fact.get("derived_labels") or {"zh": fact["derived"], "en": fact["derived"]}
        clause = {"zh": f"{clause['zh']}（推算值 = {shown['zh']}）", "en": f"{clause['en']} (derived = {shown['en']})"}
    return clause


_CONTEXT = {"pilot_type": ("审核类型", "pilot type"), "region": ("区域", "region"), "basin": ("流域", "basin"),
            "in_park": ("位于园区", "in a park"), "special_limit_area": ("执行特别排放限值地区", "special-limit area"),
            "source_age": ("新建/现有", "new or existing"),
            "local_standard": ("所在地有地方排放标准", "a local standard binds the place")}
_CONTEXT_VALUE = {"sector": ("行业整体审核", "sector audit"), "park": ("园区审核", "park audit"),
                  "region": ("区域审核", "regional audit"), "basin": ("流域审核", "basin audit"),
                  "new": ("新建企业", "new source"), "existing": ("现有企业", "existing source"),
                  True: ("是", "yes"), False: ("否", "no")}


def _v2_clause(kb: Knowledge, fact: dict) -> dict[str, str]:
    """Clauses of the model-v2 tests: a limit exceeded, the audit context, a derived quantity compared."""
    L = lambda iri: kb.label(iri) if iri else {"zh": "", "en": ""}
    if fact["test"] == "violates":
        subject, limit = L(fact["subject"]), fact["limit"]
        limit_text = f"{_fmt(limit[0])}～{_fmt(limit[1])}" if isinstance(limit, list) else _fmt(limit)
        unit = fact.get("unit") or ""
        clause = fact.get("clause")
        zh = f"{subject['zh']}为{_fmt(fact['value'])} {unit}，超过{kb.label(fact['requirement'])['zh']}的限值{limit_text}" \
            + (f"（{clause}）" if clause else "")
        en = (f"{subject['en']} is {_fmt(fact['value'])} {unit}, over the limit {limit_text} of "
              f"{kb.label(fact['requirement'])['en']}" + (f" ({clause})" if clause else ""))
        if fact.get("o2", {}).get("normalised"):
            zh, en = f"{zh}；{fact['o2']['zh']}", f"{en}; {fact['o2']['en']}"
        if fact.get("derived"):
            shown = fact.get("derived_labels") or {"zh": fact["derived"], "en": fact["derived"]}
            zh, en = f"{zh}（推算值 = {shown['zh']}）", f"{en} (derived = {shown['en']})"
        return {"zh": zh, "en": en}
    if fact["test"] == "context":
        key = _CONTEXT.get(fact["key"], (fact["key"], fact["key"]))
        value = fact["value"]
        shown = _CONTEXT_VALUE.get(value) if isinstance(value, (bool, str)) else None
        if shown is None:
            shown = (L(value)["zh"], L(value)["en"]) if isinstance(value, str) and value.startswith("http") else (_fmt(value),) * 2
        return {"zh": f"{key[0]}：{shown[0]}", "en": f"{key[1]}: {shown[1]}"}
    q = L(fact["quantity"])
    unit = kb.units.get(kb.derived[fact["quantity"]].unit, {}).get("symbol", "") if fact["quantity"] in kb.derived else ""
    return {"zh": f"{q['zh']}为{_fmt(fact['value'])} {unit}，{_OPS_ZH[fact['op']]}{_fmt(fact['threshold'])}",
            "en": f"{q['en']} is {_fmt(fact['value'])} {unit}, {_OPS_EN[fact['op']]} {_fmt(fact['threshold'])}"}


def _clause(kb: Knowledge, fact: dict) -> dict[str, str]:
    L = lambda iri: kb.label(iri) if iri else {"zh": "", "en": ""}
    test = fact["test"]
    if test in ("violates", "context", "quantity"):
        return _v2_clause(kb, fact)
    proc = L(fact.get("process"))
    where_zh = f"在{proc['zh']}工序" if fact.get("process") else ""
    where_en = f" in {proc['en']}" if fact.get("process") else ""
    if test == "uses":
        names = [L(t) for t in fact["techniques"]]
        return {"zh": f"{where_zh}使用{'、'.join(n['zh'] for n in names)}",
                "en": f"uses {', '.join(n['en'] for n in names)}{where_en}"}
    if test == "lacks":
        names = [L(t) for t in fact["techniques"]]
        return {"zh": f"{where_zh}未采用{'或'.join(n['zh'] for n in names)}",
                "en": f"has no {' or '.join(n['en'] for n in names)}{where_en}"}
    if test == "has_process":
        return {"zh": f"设有{proc['zh']}工序", "en": f"runs {proc['en']}"}
    if test == "benchmark":
        ind = L(fact["indicator"])
        unit = kb.units.get(kb.indicators[fact["indicator"]].unit or "", {}).get("symbol", "") or ""
        level = fact["level"]
        if "benchmark" in fact:
            cmp_zh = "≤" if fact.get("direction") == "lower" else "≥"
            return {"zh": f"{ind['zh']}为{_fmt(fact['value'])} {unit}，未达到{_LEVEL_ZH[level]}基准值（{cmp_zh}{_fmt(fact['benchmark'])}）",
                    "en": f"{ind['en']} is {_fmt(fact['value'])} {unit}, missing the level {level} benchmark "
                          f"({'≤' if fact.get('direction') == 'lower' else '≥'} {_fmt(fact['benchmark'])})"}
        return {"zh": f"{ind['zh']}仅达到{fact['value']}，未达到{_LEVEL_ZH[level]}要求",
                "en": f"{ind['en']} reaches only {fact['value']}, short of level {level}"}
    if test == "meets":
        ind = L(fact["indicator"])
        level = fact.get("level")
        return {"zh": f"{ind['zh']}为{_fmt(fact['value'])}（{_LEVEL_ZH.get(level, '未达Ⅲ级')}）",
                "en": f"{ind['en']} is {_fmt(fact['value'])} (level {level or 'below III'})"}
    if test == "threshold":
        ind = L(fact["indicator"])
        return {"zh": f"{ind['zh']}为{_fmt(fact['value'])}，{_OPS_ZH[fact['op']]}{_fmt(fact['threshold'])}",
                "en": f"{ind['en']} is {_fmt(fact['value'])}, {_OPS_EN[fact['op']]} {_fmt(fact['threshold'])}"}
    if test == "fact":
        f = L(fact["fact"])
        zh, en = _answer(kb, fact["fact"], fact["value"])
        return {"zh": f"“{f['zh']}”的回答为{zh}", "en": f"answer to “{f['en']}” is {en}"}
    if test == "material":
        m = L(fact["material"])
        if "property" in fact:
            p = L(fact["property"])
            return {"zh": f"{m['zh']}的{p['zh']}为{_fmt(fact['value'])}，{_OPS_ZH[fact['op']]}{_fmt(fact['threshold'])}",
                    "en": f"{p['en']} of {m['en']} is {_fmt(fact['value'])}, {_OPS_EN[fact['op']]} {_fmt(fact['threshold'])}"}
        return {"zh": f"使用{m['zh']}", "en": f"uses {m['en']}"}
    if test == "emission":
        p = L(fact["pollutant"])
        stage_zh = "产生量" if fact["stage"] == "generated" else "排放量"
        return {"zh": f"{p['zh']}{stage_zh}为{_fmt(fact['value'])}，{_OPS_ZH[fact['op']]}{_fmt(fact['threshold'])}",
                "en": f"{p['en']} {fact['stage']} is {_fmt(fact['value'])}, {_OPS_EN[fact['op']]} {_fmt(fact['threshold'])}"}
    return {"zh": "不满足被否定的条件", "en": "a negated condition does not hold"}


def explain(kb: Knowledge, rule: Rule, evidence: list[dict], memo: dict | None = None) -> dict[str, str]:
    """'Rule label: clause; clause' in Chinese and English. `memo` caches sentences across enterprises:
    most findings of a sector survey repeat the same facts (the same technique in the same process)."""
    if memo is not None:
        key = (rule.iri, _memo_key(evidence))
        found = memo.get(key)
        if found is None:
            found = memo[key] = explain(kb, rule, evidence)
        return found
    clauses = [explain_fact(kb, fact) for fact in evidence if fact.get("test") != "not"]
    label = kb.label(rule.iri)
    return {"zh": f"{label['zh']}：" + "；".join(c["zh"] for c in clauses) + "。",
            "en": f"{label['en']}: " + "; ".join(c["en"] for c in clauses) + "."}


def _memo_key(evidence: list[dict]) -> bytes | str:
    """What identifies a finding's evidence, as JSON bytes (an eighth of repr's time). JSON cannot tell a tuple from
    a list nor NaN from None; neither matters here: a fact's several choices are always a tuple, and a place that
    holds a number never holds None (a missing figure makes the test unknown, so it is never evidence)."""
    try:
        return orjson.dumps(evidence)
    except TypeError:   # not plain data (orjson.JSONEncodeError is a TypeError)
        return repr(evidence)
