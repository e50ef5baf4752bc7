"""A choice read from free text is named in each report's language: the English message gives the English label of
the choice (direct discharge), the Chinese one the Chinese (直接排放) — never the Chinese label in an English report."""

from __future__ import annotations

from diagnose_support import read


def _survey(facts: dict) -> dict:
    return {"cpkb_survey": 1, "scope": {"sector": "化学原料药"}, "enterprises": [{"id": "E1", "facts": facts}]}


def _warnings(found, word: str) -> list:
    return [w for w in found.warnings if word in w.message]


def test_a_choice_read_from_qualified_text_is_named_in_each_language():
    found = read(_survey({"废水排放去向": "直排入河（有排污口论证）"}))
    (warning,) = _warnings(found, "read as the answer")
    assert "“direct discharge”" in warning.message and "直接排放" not in warning.message
    assert "“直接排放”" in warning.zh


def test_the_offered_answers_of_an_unknown_choice_are_named_in_each_language():
    found = read(_survey({"废水排放去向": "回用不外排到任何地方"}))
    (warning,) = _warnings(found, "is not one of the answers")
    assert "direct discharge, indirect discharge" in warning.message
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in warning.message.split("(")[-1]), warning.message
    assert "直接排放" in warning.zh and "间接排放" in warning.zh
