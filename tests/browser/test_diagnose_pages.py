"""The diagnosis endpoints through Flask's test client on the real knowledge base and the example survey."""

from __future__ import annotations

import json
import re

import pytest

from conftest import REPO
from test_diagnose_chromium import EXAMPLE


@pytest.fixture
def real_client(real_app):
    return real_app.test_client()


def test_api_diagnose_returns_the_json_result(real_client):
    body = (REPO / "examples" / EXAMPLE).read_bytes()
    response = real_client.post(f"/api/diagnose?filename={EXAMPLE}", data=body, content_type="application/json")
    assert response.status_code == 200
    result = response.get_json()
    assert {"scope", "key_issues", "recommendations", "schemes", "indicator_assessment", "kb_version"} <= set(result)
    assert any(i["problem"].endswith("/problem/high-rinse-water") for i in result["key_issues"])
    # the same as a multipart upload, as curl -F would send it (no session cookie: no token needed)
    from io import BytesIO

    multipart = real_client.post(
        "/api/diagnose", data={"survey": (BytesIO(body), EXAMPLE)}, content_type="multipart/form-data")
    assert multipart.status_code == 200 and multipart.get_json()["key_issues"] == result["key_issues"]


def test_api_diagnose_lists_placed_errors(real_client):
    survey = json.loads((REPO / "examples" / EXAMPLE).read_text(encoding="utf-8"))
    survey["scope"]["sector"] = "不存在的行业"
    response = real_client.post("/api/diagnose?filename=s.json", data=json.dumps(survey).encode(),
                                content_type="application/json")
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors[0]["place"] == "scope.sector" and "不存在的行业" in errors[0]["message"]


def test_report_page_and_downloads_from_the_form(real_client):
    page = real_client.get("/diagnose").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert EXAMPLE in page
    report = real_client.post("/diagnose", data={"csrf_token": token, "example": EXAMPLE})
    assert report.status_code == 200
    html = report.get_data(as_text=True)
    assert 'id="key-issues"' in html and 'id="chart-prevalence"' in html
    result = re.search(r'name="result" value="([^"]*)"', html).group(1)
    signature = re.search(r'name="signature" value="([^"]*)"', html).group(1)
    import html as html_lib

    download = real_client.post("/diagnose/export", data={"csrf_token": token, "format": "json",
                                                          "result": html_lib.unescape(result),
                                                          "signature": signature})
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert download.get_json()["key_issues"]


def test_sector_template_download(real_client):
    response = real_client.get("/diagnose/template/electroplating.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert real_client.get("/diagnose/template/no-such-sector.xlsx").status_code == 404


@pytest.mark.parametrize("fmt, magic", [("xlsx", b"PK"), ("docx", b"PK"), ("html", b"<"), ("records", b"PK")])
def test_report_downloads_xlsx_docx_html(real_client, fmt, magic):
    body = (REPO / "examples" / EXAMPLE).read_bytes()
    response = real_client.post(f"/api/diagnose?filename={EXAMPLE}&format={fmt}", data=body,
                                content_type="application/json")
    assert response.status_code == 200
    assert response.data.lstrip()[:len(magic)] == magic


def test_report_shows_basin_reduction_potential_and_park_symbiosis(real_client):
    page = real_client.get("/diagnose").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    html = real_client.post("/diagnose", data={"csrf_token": token, "example": EXAMPLE}).get_data(as_text=True)
    assert 'id="chart-potential"' in html and "氨氮" in html  # the example is a Yangtze basin survey
    assert "某市金辉电镀有限公司" in html  # enterprises are shown with their names beside their ids
    park = {"cpkb_survey": 1, "scope": {"sector": "电镀", "pilot_type": "park", "park": "某园区"}, "enterprises": [
        {"id": "A", "streams": [{"direction": "out", "resource": "中温余热", "value": 9000, "unit": "GJ/a",
                                 "temperature_c": 180, "fate": "排空"}]},
        {"id": "B", "streams": [{"direction": "in", "resource": "hot-water", "value": 4000, "unit": "GJ/a",
                                 "temperature_c": 60}]}]}
    from io import BytesIO

    report = real_client.post("/diagnose", data={"csrf_token": token, "survey": (BytesIO(json.dumps(park).encode()),
                                                                                "park.json")},
                              content_type="multipart/form-data")
    assert report.status_code == 200
    html = report.get_data(as_text=True)
    assert 'id="symbiosis"' in html and "4000" in html


def test_the_report_page_shows_the_basin_tables_in_chinese(real_client):
    """The basin example's page carries the downloads' regional tables: where the followed pollutants came from,
    the baseline by route, the measures in sequence, the basin's targets against the potential, the scenarios."""
    page = real_client.get("/diagnose?lang=zh").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    html = real_client.post("/diagnose?lang=zh", data={"csrf_token": token, "example": "papermaking_yiyang_basin.yaml"}
                            ).get_data(as_text=True)
    section = html[html.index('id="reduction-potential"'):]
    section = section[:section.index("</section>")]
    for caption in ("本次跟踪的特征污染物", "各企业基准排放量及其取得方式", "各方案削减量", "减排目标与削减潜力", "排放情景"):
        assert caption in section, caption
    assert "https://w3id.org" not in section and "t_per_a" not in section
    assert 'id="chart-potential"' in html


def test_export_refuses_a_result_this_server_did_not_sign(real_client):
    page = real_client.get("/diagnose").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    for fmt in ("json", "xlsx", "docx", "html"):
        forged = real_client.post("/diagnose/export", data={"csrf_token": token, "format": fmt,
                                                             "result": json.dumps({"key_issues": 1}),
                                                             "signature": "0" * 64})
        assert forged.status_code == 400, fmt


def test_html_report_is_a_download(real_client):
    body = (REPO / "examples" / EXAMPLE).read_bytes()
    response = real_client.post(f"/api/diagnose?filename={EXAMPLE}&format=html", data=body,
                                content_type="application/json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]


def _report_page(client) -> tuple[str, str]:
    page = client.get("/diagnose").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/diagnose", data={"csrf_token": token, "example": EXAMPLE}).get_data(as_text=True), token


def test_report_page_defects_of_issue_16(real_client):
    html, token = _report_page(real_client)
    assert "× 证据" not in html and "成因（15 家企业）" in html            # causes per enterprise, not "24 × 证据"
    issues = html[html.index('id="key-issues"'):]
    for block in re.findall(r'<details class="evidence">(.*?)</details>', issues, re.S):
        listed = [e for ents in re.findall(r"<strong>(.*?)</strong>", block) for e in ents.split("、")]
        assert len(listed) == len(set(listed))                            # no enterprise, no sentence twice
    effects = re.findall(r'<span class="eff-item">(.*?)</span>\s*(?=<span class="eff-item">|</td>)', html, re.S)
    with_means = [e for e in effects if "→" in e]
    assert with_means and all(re.search(r"→ [\d.,]+…[\d.,]+ (L/m²|%|t/a|[^\s)]+)\)", e) for e in with_means)
    potential = html[html.index('id="chart-potential"'):]
    potential = potential[:potential.index("</figure>")]
    body = (REPO / "examples" / EXAMPLE).read_bytes()
    result = real_client.post(f"/api/diagnose?filename={EXAMPLE}", data=body, content_type="application/json").get_json()
    rows = result["reduction_potential"]["pollutants"]
    shown = [p["labels"]["zh"] for p in rows if any(p["combined_reduction_t_per_a"])]
    hidden = [p["labels"]["zh"] for p in rows if not any(p["combined_reduction_t_per_a"])]
    assert shown and hidden and all(n in potential for n in shown) and not any(n in potential for n in hidden)
    assert "重金属合计" in html
    assert 'id="download-html"' in html and 'id="download-docx"' in html
    result = re.search(r'name="result" value="([^"]*)"', html).group(1)
    signature = re.search(r'name="signature" value="([^"]*)"', html).group(1)
    import html as html_lib

    download = real_client.post("/diagnose/export", data={"csrf_token": token, "format": "html", "lang": "zh",
                                                          "result": html_lib.unescape(result), "signature": signature})
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert "四、关键共性问题及成因" in download.get_data(as_text=True)


def test_the_example_stays_chosen_after_an_error(real_client):
    page = real_client.get("/diagnose").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = real_client.post("/diagnose", data={"csrf_token": token, "example": "broken_survey.json"})
    assert response.status_code == 422
    assert '<option value="broken_survey.json" selected>' in response.get_data(as_text=True)


def test_the_upload_limit_reads_the_same_on_the_form_and_in_the_error(real_app):
    client = real_app.test_client()
    form = client.get("/diagnose").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    limit = re.search(r"文件大小上限 ([\d.]+ [KMG]iB)", form).group(1)
    real_app.config["MAX_CONTENT_LENGTH"] = 1024
    from io import BytesIO

    too_big = client.post("/diagnose", data={"csrf_token": token, "survey": (BytesIO(b"x" * 4096), "s.json")},
                          content_type="multipart/form-data")
    real_app.config["MAX_CONTENT_LENGTH"] = int(real_app.config["CPKB"]["max_upload_bytes"])
    assert too_big.status_code == 413 and limit in too_big.get_data(as_text=True)
    assert limit == "10 MiB"


def test_the_chart_font_is_served(real_client):
    response = real_client.get("/fonts/CPKBSansSC-Regular.otf")
    assert response.status_code == 200 and response.data[:4] == b"OTTO"
    assert real_client.get("/fonts/../settings.py").status_code == 404


def test_unresolved_names_are_confirmed_before_the_diagnosis_runs(real_client):
    import html as html_lib

    page = real_client.get("/diagnose").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    asked = real_client.post("/diagnose", data={"csrf_token": token, "example": "electroplating_county_messy.yaml"},
                             headers={"Accept-Language": "zh"})
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert 'id="unresolved-names"' in html and "保留原文" in html and "忽略" in html
    rows = re.findall(r'name="name_(\d+)" value="([^"]*)"', html)
    assert len(rows) >= 10
    # each select offers the suggestions, keep-as-written and ignore; the user ignores every name
    form = {"csrf_token": token, "names_confirmed": "1", "filename": "electroplating_county_messy.yaml",
            "survey_b64": re.search(r'name="survey_b64" value="([^"]*)"', html).group(1)}
    for i, name in rows:
        form[f"name_{i}"] = html_lib.unescape(name)
        form[f"use_{i}"] = "__ignore__"
    report = real_client.post("/diagnose", data=form)
    assert report.status_code == 200 and 'id="key-issues"' in report.get_data(as_text=True)
    result = json.loads(html_lib.unescape(re.search(r'name="result" value="([^"]*)"',
                                                    report.get_data(as_text=True)).group(1)))
    assert not result["unresolved"] and len(result["names_applied"]) >= len(rows)  # and the survey's own names:


def test_report_page_numbers_carry_their_units(real_client):
    html, _ = _report_page(real_client)
    issues = html[html.index('id="key-issues"'):html.index("</table>", html.index('id="key-issues"'))]
    assert re.search(r"\(\d+ 家\)", issues) and not re.search(r"\(\d+\)", issues)
    assert "Y<sub>Ⅰ</sub> (分)" in html
