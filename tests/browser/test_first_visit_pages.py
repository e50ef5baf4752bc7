"""What a Chinese consultant meets on a first visit: the example list, the report's notes, a server that could
not start its diagnosis workers."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def real_client(real_app):
    return real_app.test_client()


def _token(client) -> str:
    page = client.get("/diagnose").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_example_list_offers_surveys_not_expected_findings(real_client):
    page = real_client.get("/diagnose").get_data(as_text=True)
    offered = re.findall(r'<option value="([^"]+)"', page)
    assert "papermaking_yiyang_basin.yaml" in offered
    assert not [name for name in offered if name.endswith(".expected.yaml")]


def test_the_report_notes_read_in_chinese_on_a_chinese_page(real_client):
    token = _token(real_client)
    html = real_client.post("/diagnose?lang=zh", data={"csrf_token": token, "example": "papermaking_yiyang_basin.yaml"}
                            ).get_data(as_text=True)
    notes = html[html.index("<h2>提示</h2>"):]
    notes = notes[:notes.index("</section>")]
    assert "请核实" in notes and "属于长江流域" in notes        # the reader's own Chinese wording
    assert "read as" not in notes and "check it is meant" not in notes
    assert "kb/shared" not in notes                             # no file path of the repository
    english = real_client.post("/diagnose?lang=en", data={"csrf_token": token,
                                                          "example": "papermaking_yiyang_basin.yaml"}
                               ).get_data(as_text=True)
    assert "check it is meant" in english                      # and the English page keeps its English


def test_workers_that_cannot_start_give_a_chinese_503_not_a_500(client, monkeypatch):
    from cpkb.web import diagnose_worker

    def no_worker(self, settings):
        raise RuntimeError("no diagnosis worker process could start")

    monkeypatch.setattr(diagnose_worker.Diagnoser, "__init__", no_worker)
    page = client.get("/diagnose").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    example = re.search(r'<option value="([^"]+)"', page)
    response = client.post("/diagnose", data={"csrf_token": token, "survey_text": "", "example":
                                              example.group(1) if example else ""})
    assert response.status_code == 503, response.status_code
    assert "诊断进程未能启动" in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "60"


def test_the_name_box_names_languages_in_the_page_language(client):
    zh = client.get("/id/demo/problem/high-rinse-water?lang=zh").get_data(as_text=True)
    assert "<dt>中文</dt>" in zh and "<dt>英文</dt>" in zh and "<dt>zh</dt>" not in zh and "<dt>en</dt>" not in zh
    en = client.get("/id/demo/problem/high-rinse-water?lang=en").get_data(as_text=True)
    assert "<dt>Chinese</dt>" in en and "<dt>English</dt>" in en


def test_the_sparql_page_speaks_the_page_language_only(client):
    html_accept = {"Accept": "text/html"}
    zh = client.get("/sparql?lang=zh", headers=html_accept).get_data(as_text=True)
    en = client.get("/sparql?lang=en", headers=html_accept).get_data(as_text=True)
    assert "<h1>SPARQL 查询</h1>" in zh and "<title>SPARQL 查询 · CPKB</title>" in zh and ">运行 <kbd>" in zh
    assert "Example queries" not in zh and "SPARQL query" not in zh and " Run " not in zh
    assert "<h1>SPARQL query</h1>" in en and ">Run <kbd>" in en and "Example queries" in en
    assert "查询" not in en.split("<main", 1)[-1].split('id="gallery-title"')[0]   # no Chinese heading left


def test_the_catalogue_says_when_a_measure_has_no_quantified_effect(real_client):
    html = real_client.get("/measures?lang=zh&sector=papermaking").get_data(as_text=True)
    cells = re.findall(r'<td class="eff">(.*?)</td>', html, re.S)
    assert cells and all(cell.strip() for cell in cells)          # no blank effect cell
    assert any("尚无量化数据" in cell for cell in cells) and any("eff-item" in cell for cell in cells)
    for cell in cells:
        assert "尚无量化数据" in cell or 'class="eff-item"' in cell
        for low, high in re.findall(r'class="n">([^<…]+)…([^<]+)</span>', cell):
            assert low != high                                      # one value is shown once, not as "x…x"
