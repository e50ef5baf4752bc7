"""Diagnosis workers that are still loading the knowledge base: the page says so in Chinese (503 + Retry-After)
instead of failing, and the start limit is the setting worker_start_timeout_s, not a fixed 60 s."""

from __future__ import annotations

import re
import threading

import pytest


@pytest.fixture
def make_app(mini_kb, settings):
    from cpkb.web.app import create_app
    from cpkb.web.diagnose import close_diagnoser

    made = []

    def make(**overrides):
        app = create_app({"CPKB": {**settings, "kb_dir": str(mini_kb), **overrides}, "TESTING": True})
        made.append(app)
        return app

    yield make
    for app in made:
        close_diagnoser(app)


def _post_example(client, lang: str = "zh"):
    page = client.get(f"/diagnose?lang={lang}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    example = re.search(r'<option value="([^"]+)"', page).group(1)
    return client.post(f"/diagnose?lang={lang}", data={"csrf_token": token, "example": example})


def test_a_diagnosis_while_the_workers_load_is_told_to_come_back_in_chinese(make_app, monkeypatch):
    from cpkb.web import diagnose_worker

    loaded = threading.Event()
    real_init = diagnose_worker.Diagnoser.__init__

    def slow_init(self, settings):  # a worker reading the knowledge on a busy machine
        loaded.wait(30)
        real_init(self, settings)

    monkeypatch.setattr(diagnose_worker.Diagnoser, "__init__", slow_init)
    client = make_app(diagnose_workers=0, diagnose_start_wait_s=0.3).test_client()
    early = _post_example(client)
    assert early.status_code == 503
    assert early.headers["Retry-After"] == "20"
    html = early.get_data(as_text=True)
    assert "知识库仍在加载" in html and "约 20 秒后重试" in html
    assert "{seconds}" not in html and "loading" not in html
    english = _post_example(client, "en")
    assert english.status_code == 503 and "still loading" in english.get_data(as_text=True)
    loaded.set()
    assert _post_example(client).status_code in (200, 422)      # once loaded, the same request is diagnosed


def test_the_form_page_starts_loading_the_workers(make_app, monkeypatch):
    from cpkb.web import diagnose_worker

    started = threading.Event()
    real_init = diagnose_worker.Diagnoser.__init__

    def noting_init(self, settings):
        started.set()
        real_init(self, settings)

    monkeypatch.setattr(diagnose_worker.Diagnoser, "__init__", noting_init)
    client = make_app(diagnose_workers=0).test_client()
    assert client.get("/diagnose").status_code == 200
    assert started.wait(10)                                      # without any diagnosis asked yet


def test_the_start_limit_is_the_setting_and_the_log_names_it(make_app, caplog):
    client = make_app(diagnose_workers=1, worker_start_timeout_s=0.05).test_client()
    with caplog.at_level("ERROR"):
        response = _post_example(client)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert "诊断进程未能启动" in response.get_data(as_text=True)
    assert "within 0.05 s (setting worker_start_timeout_s)" in caplog.text


def test_the_settings_are_documented_and_checked(monkeypatch):
    from cpkb.settings import SettingError, load_settings

    monkeypatch.setenv("CPKB_WORKER_START_TIMEOUT_S", "900")
    assert load_settings()["worker_start_timeout_s"] == 900.0
    monkeypatch.setenv("CPKB_WORKER_START_TIMEOUT_S", "0")
    with pytest.raises(SettingError, match="CPKB_WORKER_START_TIMEOUT_S"):
        load_settings()
    monkeypatch.delenv("CPKB_WORKER_START_TIMEOUT_S")
    monkeypatch.delenv("CPKB_DIAGNOSE_START_WAIT_S", raising=False)
    defaults = load_settings()
    assert defaults["worker_start_timeout_s"] >= 120 and 0 < defaults["diagnose_start_wait_s"] <= 60
