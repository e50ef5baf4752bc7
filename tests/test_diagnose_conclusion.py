"""Every result opens with a written conclusion (zh and en) that a reviewer can quote."""

from __future__ import annotations

import json
import subprocess
import sys

from cpkb.diagnostics.engine import diagnose

from diagnose_support import EXAMPLES, example_raw, read, real_store


def _plant(ident: str, rinse: str, rinse_water: float, output: float = 10) -> dict:
    return {"id": ident, "output": {"product": "镀件", "value": output, "unit": "万m2"},
            "processes": [{"process": "电镀", "techniques": ["碱性锌酸盐镀锌", "高频开关电源"], "complete": True},
                          {"process": "水洗", "techniques": [rinse], "complete": True},
                          {"process": "回收", "techniques": ["回收槽"], "complete": True}],
            "indicators": [{"indicator": "单位产品每次清洗取水量", "value": rinse_water, "unit": "L/m2"}]}


def test_conclusion_names_counts_levels_and_key_issues():
    result = diagnose(read(example_raw()), real_store())
    zh, en = result["conclusion"]["zh"], result["conclusion"]["en"]
    assert list(result)[0] == "conclusion"
    assert zh.startswith("本次电镀行业整体审核共调查企业18家，完成诊断18家。")
    assert "暂定" in zh and "provisional" in en
    key = result["key_issues"]
    assert f"识别出关键共性问题{len(key)}项" in zh
    for issue in key:
        assert issue["labels"]["zh"] in zh and issue["labels"]["en"] in en
    veto = [i for i in key if i["veto"]]
    assert veto and zh.index(veto[0]["labels"]["zh"]) < min(zh.index(i["labels"]["zh"]) for i in key if not i["veto"])
    dist = result["indicator_assessment"]["systems"][0]["distribution"]
    assert f"未达Ⅲ级{dist['below III']}家" in zh
    assert f"无/低费方案{len(result['schemes']['low_cost'])}项" in zh


def test_no_key_issue_when_most_are_at_level_one():
    plants = [_plant(f"E{n}", "多级逆流漂洗", 6.0) for n in range(4)]
    result = diagnose(read({"cpkb_survey": 1, "scope": {"sector": "电镀"}, "enterprises": plants}), real_store())
    assert not result["key_issues"]
    assert "未发现关键共性问题——多数企业已达到Ⅰ级" in result["conclusion"]["zh"]
    assert "most enterprises already reach level I" in result["conclusion"]["en"]


def test_no_key_issue_without_level_one_says_the_threshold():
    plants = [_plant("A", "多级逆流漂洗", 30.0)] + [_plant(f"E{n}", "多级逆流漂洗", 6.0) for n in range(4)]
    for plant in plants[1:]:
        del plant["indicators"]            # not rated: no indicator value
    result = diagnose(read({"cpkb_survey": 1, "scope": {"sector": "电镀"}, "enterprises": plants}), real_store())
    assert not result["key_issues"] and result["other_findings"]
    zh = result["conclusion"]["zh"]
    assert "未发现达到共性阈值（企业数或产量占比30%）的关键问题" in zh and "项个别问题见“其他发现”" in zh
    assert "多数企业已达到Ⅰ级" not in zh


def test_zero_output_is_not_graded_and_said_so():
    plants = [_plant("A", "多级逆流漂洗", 6.0), _plant("Z", "多级逆流漂洗", 6.0, output=0)]
    result = diagnose(read({"cpkb_survey": 1, "scope": {"sector": "电镀"}, "enterprises": plants}), real_store())
    rows = {e["enterprise"]: e for e in result["indicator_assessment"]["enterprises"]}
    assert rows["A"]["class"] is not None and rows["Z"]["class"] is None
    assert any("产量缺失或为零" in r for r in rows["Z"]["reasons"])


def test_cli_summary_opens_with_the_conclusion_in_the_chosen_language(tmp_path):
    out = tmp_path / "r.json"
    for lang, opening in (("zh", "本次电镀行业整体审核"), ("en", "This electroplating sector-wide audit")):
        run = subprocess.run([sys.executable, "-m", "cpkb.cli", "diagnose", str(EXAMPLES / "electroplating_cluster.json"),
                              "--lang", lang, "-o", str(out)], capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        lines = [line for line in run.stderr.splitlines() if line and not line.startswith(("CPKB", "  "))]
        assert lines[0].startswith(opening), run.stderr
        assert json.loads(out.read_text())["conclusion"][lang].startswith(opening)


def _chinese_texts(value, path=""):
    """Every Chinese text of a result: `zh` labels and the Chinese half of "中文 / English" reasons."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "zh" and isinstance(item, str):
                yield path, item
            else:
                yield from _chinese_texts(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _chinese_texts(item, f"{path}[]")
    elif isinstance(value, str) and " / " in value and any("\u4e00" <= c <= "\u9fff" for c in value):
        yield path, value.split(" / ")[0]


def test_no_internal_code_in_chinese_text():
    """Choice answers by label (镍、锌), no ids, IRIs or English codes in any Chinese sentence of the result."""
    import re

    from diagnose_support import knowledge

    kb = knowledge()
    codes = {iri.rsplit("/", 1)[-1] for iri in kb.labels} | {"emitted", "generated", "sector", "high", "medium",
                                                             "low", "veto", "true", "false", "none"}
    codes |= {c for f in kb.facts.values() for c in f.get("choices", [])}
    codes -= {iri.rsplit("/", 1)[-1] for iri in kb.units}   # unit ids double as symbols (GJ, kWh)
    codes = {c for c in codes if len(c) > 2}
    result = diagnose(read(example_raw()), real_store())
    for path, text in _chinese_texts(result):
        assert "http" not in text, (path, text)
        words = set(re.findall(r"[A-Za-z][A-Za-z0-9_-]+", text))
        assert not words & codes, (path, text, words & codes)


def test_conclusion_quotes_limits_exceeded_and_scenario_totals():
    from cpkb.diagnostics.conclusion import write_conclusion

    result = diagnose(read(example_raw()), real_store())
    result["compliance"] = {"sets": [{"labels": {"zh": "GB 21900-2008 表2", "en": "GB 21900-2008 Table 2"},
                                      "enterprises": {"applies": ["E01", "E02", "E03"]},
                                      "exceeded": [{"enterprise": "E02"}, {"enterprise": "E02"}, {"enterprise": "E03"}]}]}
    result["scenarios"] = [{"title": {"zh": "全部企业单位产品每次清洗取水量达到Ⅱ级",
                                      "en": "every enterprise's water per rinse brought to level II"},
                            "enterprises_moved": 4, "total": 1234.5, "unit": "m³/a",
                            "saves_labels": {"zh": "新鲜水", "en": "fresh water"}}]
    text = write_conclusion(result)
    assert "按GB 21900-2008 表2，3家适用企业中2家超标（E02、E03）。" in text["zh"]
    assert "若全部企业单位产品每次清洗取水量达到Ⅱ级，4家企业合计可节约新鲜水1234.5 m³/a。" in text["zh"]
    assert "2 of the 3 enterprises it binds exceed a limit" in text["en"]


def test_a_system_without_level_values_is_said_ungraded_not_provisional():
    """The cement system has no level value in the knowledge base: the conclusion says none could be graded, instead
    of calling 0 % coverage a provisional grade."""
    from diagnose_support import EXAMPLES, real_store

    from cpkb.diagnostics.engine import diagnose
    from cpkb.diagnostics.survey import read_survey

    path = EXAMPLES / "cement_chizhou_messy.yaml"
    result = diagnose(read_survey(path.read_bytes(), path.name, real_store()), real_store())
    text = result["conclusion"]["zh"]
    assert "按《水泥行业清洁生产评价指标体系》评价：未评级13家（知识库尚无该体系可用的Ⅰ、Ⅱ、Ⅲ级基准值，未能评级）" in text
    assert "仅收录该体系权重的0%" not in text and "0%" not in result["conclusion"]["en"].split("Against")[1][:200]
