"""The nastiest surveys found from outside (issue 15) in the normal test run: each is refused with placed
problems in Chinese and English, or diagnosed into a result that validates against its schema, quickly and
without any other exception."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jsonschema
import pytest

from cpkb.diagnostics.engine import diagnose
from cpkb.diagnostics.report import to_docx, to_html, to_json, to_xlsx
from cpkb.diagnostics.survey import SurveyError, read_survey
from cpkb.settings import load_settings

from diagnose_support import knowledge, real_store
from nasty_surveys import CORPUS, all_finite

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "diagnostics" / "result.schema.json").read_text())
SECONDS = 5.0  # per input, reading + diagnosis + every report (most take milliseconds)


@pytest.mark.parametrize("name,filename,make", CORPUS, ids=[c[0] for c in CORPUS])
def test_a_nasty_survey_is_a_placed_error_or_a_valid_result(name, filename, make):
    data = make()
    store = real_store()
    knowledge()  # built once per session, not timed
    started = time.perf_counter()
    try:
        survey = read_survey(data, filename, store)
        result = diagnose(survey, store, load_settings(), exclude_invalid=True)
    except SurveyError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.place and problem.message and problem.zh, problem  # both languages, always
            assert len(problem.message) < 2000 and len(problem.place) < 400
        result = None
    elapsed = time.perf_counter() - started
    assert elapsed < SECONDS, f"{name}: {elapsed:.1f} s"
    if result is not None:
        jsonschema.validate(result, SCHEMA)
        assert all_finite(result)
        for render in (to_json, to_html, to_xlsx, to_docx):
            assert render(result)


def test_the_alias_bomb_is_refused_at_its_first_anchor():
    from nasty_surveys import yaml_alias_bomb

    with pytest.raises(SurveyError) as caught:
        read_survey(yaml_alias_bomb(), "bomb.yaml", real_store())
    assert caught.value.problems[0].place == "bomb.yaml:1:4"
    assert "anchors and aliases" in caught.value.problems[0].message


def test_the_zip_bomb_is_refused_before_it_is_inflated():
    from nasty_surveys import xlsx_zip_bomb

    with pytest.raises(SurveyError) as caught:
        read_survey(xlsx_zip_bomb(), "bomb.xlsx", real_store())
    assert "unzips to 2,147,667,241 bytes" in caught.value.problems[0].message


def test_yaml_only_types_are_refused_at_their_line():
    from nasty_surveys import yaml_binary_name, yaml_set_name

    for make, line, tag in ((yaml_binary_name, 4, "binary"), (yaml_set_name, 5, "set")):
        with pytest.raises(SurveyError) as caught:
            read_survey(make(), "s.yaml", real_store())
        problem = caught.value.problems[0]
        assert problem.place.startswith(f"s.yaml:{line}:") and tag in problem.message


def test_dates_and_non_text_keys_are_kept_as_the_text_written():
    from cpkb.diagnostics.survey import parse_document
    from nasty_surveys import yaml_date_names, yaml_non_text_keys

    raw, _ = parse_document(yaml_date_names(), "d.yaml")
    assert raw["scope"]["title"] == "2024-05-01" and raw["enterprises"][0]["id"] == "2024-01-01"
    raw, _ = parse_document(yaml_non_text_keys(), "k.yaml")
    assert set(raw["enterprises"][0]["facts"]) == {"1", "null", "2024-01-01"}


def test_too_many_enterprises_and_too_long_names_name_the_setting():
    from nasty_surveys import id_only_enterprises, very_long_name

    with pytest.raises(SurveyError) as caught:
        read_survey(id_only_enterprises(), "many.json", real_store())
    assert caught.value.problems[0].place == "enterprises" and "max_enterprises" in caught.value.problems[0].message
    with pytest.raises(SurveyError) as caught:
        read_survey(very_long_name(), "long.json", real_store())
    problem = caught.value.problems[0]
    assert problem.place == "enterprises[0].processes[0].process" and "max_name_chars" in problem.message
    assert len(problem.message) < 400


@pytest.mark.parametrize("make,words", [("xlsx_doctype", "xl/worksheets/sheet4.xml"), ("xlsx_truncated_sheet", "企业 enterprises"),
                                        ("xlsx_row_padding", "max_sheet_rows")])
def test_damaged_workbooks_name_the_sheet(make, words):
    import nasty_surveys

    with pytest.raises(SurveyError) as caught:
        read_survey(getattr(nasty_surveys, make)(), "w.xlsx", real_store())
    assert words in str(caught.value)
