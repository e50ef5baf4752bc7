"""Property-based: random surveys (random structures, values and names) never crash the readers — they give a
Survey or a SurveyError with placed problems, and what reads cleanly can be diagnosed."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpkb.diagnostics.engine import diagnose
from cpkb.diagnostics.survey import Survey, SurveyError, SurveyReader, parse_document
from cpkb.diagnostics.workbook import read_csv, read_workbook, write_survey_csv

from diagnose_support import knowledge, real_store

NAMES = ["电镀", "水洗", "单槽清洗", "多级逆流漂洗", "镍利用率", "单位产品每次清洗取水量", "锌利用率", "采用清洁生产工艺",
         "总镍", "COD", "镀件", "三价铬钝化剂", "has_cp_manager", "strip_rate", "plated-metals", "电渡", "", " ",
         "ＷＡＴＥＲ", "L/m2", "%", "t/a", "万m2", "kg", "mg/m3", "GJ/a", "中温余热", "out", "in", "generated", "II",
         "none", "https://w3id.org/cpkb/id/electroplating", "🙂", "x" * 300]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(NAMES), st.text(max_size=12))
anything = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=8) | st.sampled_from(
                                                             ["id", "value", "unit", "process"]), inner, max_size=4)),
                        max_leaves=20)
# names of the wrong type too (lists, mappings): a hand-typed or converted survey may hold anything
name = st.sampled_from(NAMES) | scalars | st.lists(scalars, max_size=2) | st.dictionaries(st.text(max_size=3), scalars,
                                                                                          max_size=2)
value = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-1000, 10**9), st.sampled_from(NAMES),
                  st.none(), st.booleans())
unit = st.sampled_from(NAMES) | st.none() | st.integers()


def item(**fields):
    return st.fixed_dictionaries({}, optional=fields)


enterprise = item(
    id=st.one_of(st.sampled_from(["E1", "E2", "E3"]), st.integers(0, 3), st.none(), st.text(max_size=3)),
    name=scalars,
    output=st.one_of(item(product=name, value=value, unit=unit), st.lists(item(product=name, value=value, unit=unit),
                                                                          max_size=2), anything),
    processes=st.lists(st.one_of(item(process=name, techniques=st.one_of(st.lists(name, max_size=3), name)), anything),
                       max_size=3),
    indicators=st.lists(item(indicator=name, value=value, unit=unit, process=name), max_size=3),
    materials=st.lists(item(material=name, value=value, unit=unit, process=name,
                            properties=st.lists(item(property=name, value=value, unit=unit), max_size=2) | anything),
                       max_size=2),
    emissions=st.lists(item(pollutant=name, value=value, unit=unit, stage=name, process=name, o2_ref_pct=value),
                       max_size=2),
    streams=st.lists(item(direction=name, resource=name, value=value, unit=unit, temperature_c=value, process=name,
                          fate=name, properties=anything), max_size=2),
    facts=st.one_of(st.dictionaries(st.sampled_from(["has_cp_manager", "strip_rate", "plated-metals", "x", "是"]),
                                    value, max_size=3), anything),
)
survey = st.fixed_dictionaries(
    {"cpkb_survey": st.sampled_from([1, 1, 1, 2, "1", None])},
    optional={"scope": st.one_of(item(sector=st.sampled_from(["电镀", "electroplating", "钢铁", "电渡"]) | scalars,
                                      pilot_type=name, year=st.integers(1900, 2200) | scalars, region=name,
                                      basin=name, facts=anything, title=scalars), anything),
              "enterprises": st.one_of(st.lists(enterprise | anything, max_size=4), anything),
              "extra": anything})
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(raw) -> None:
    try:
        survey_ = SurveyReader(knowledge()).read(raw)
    except SurveyError as exc:
        assert exc.problems and all(p.place for p in exc.problems)
        return
    assert isinstance(survey_, Survey)
    if survey_.enterprises and survey_.invalid_ids != {e.id for e in survey_.enterprises}:
        try:
            result = diagnose(survey_, real_store(), exclude_invalid=True)
        except SurveyError as exc:
            assert all(p.place for p in exc.problems)
            return
        json.dumps(result, ensure_ascii=False, allow_nan=False)


@FAST
@given(survey)
def test_random_surveys_never_crash_the_reader_or_the_engine(raw):
    _check(raw)


@FAST
@given(anything)
def test_random_documents_never_crash_the_reader(raw):
    _check(raw)


@settings(max_examples=60, deadline=None)
@given(survey)
def test_random_surveys_through_csv_never_crash(raw):
    try:
        text = write_survey_csv(raw)
    except (AttributeError, TypeError):
        return  # not a survey shape the writer accepts; the reader is what is under test
    try:
        back, cells = read_csv(text.encode("utf-8"))
    except SurveyError:
        return
    _check(back)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=200).map(lambda t: t.encode("utf-8")))
def test_random_bytes_never_crash_the_parsers(data):
    for filename in ("s.json", "s.yaml", "s.csv", "s.xlsx"):
        try:
            raw, _ = parse_document(data, filename)
        except SurveyError:
            continue
        _check(raw)
    for reader in (read_workbook, read_csv):
        try:
            reader(b"PK\x03\x04" + data)
        except SurveyError:
            pass
