"""Fixtures of the browser tests: apps on the tiny and on the real knowledge base, a live waitress server,
and a real headless Chromium driven by selenium."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture
def app(mini_kb, settings):
    """The app on the tiny test knowledge base, a fresh store per test."""
    from cpkb.web.app import create_app
    from cpkb.web.diagnose import close_diagnoser

    app = create_app({"CPKB": {**settings, "kb_dir": str(mini_kb)}, "TESTING": True})
    yield app
    close_diagnoser(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def real_store_dir(tmp_path_factory) -> Path:
    """The bundled knowledge base compiled once per test session."""
    from cpkb.kb.build import build
    from cpkb.settings import load_settings

    store_dir = tmp_path_factory.mktemp("real-store")
    build(load_settings(store_dir=str(store_dir), endpoint="", store_mode="memory", kb_dir=""))
    return store_dir


@pytest.fixture(scope="session")
def real_app(real_store_dir):
    from cpkb.settings import load_settings
    from cpkb.web.app import create_app

    from cpkb.web.diagnose import close_diagnoser

    settings = load_settings(store_dir=str(real_store_dir), endpoint="", store_mode="memory", kb_dir="")
    app = create_app({"CPKB": settings})
    yield app
    close_diagnoser(app)


@pytest.fixture(scope="session")
def live_server(real_app):
    """The real-knowledge-base app on waitress in a thread, on a free loopback port; yields its base URL."""
    from waitress.server import create_server

    server = create_server(real_app, host="127.0.0.1", port=0, threads=8, ident="cpkb-test")
    thread = threading.Thread(target=server.run, name="waitress-test", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


def _chromium_missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(path):
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """A real headless Chromium. Skips locally when it is missing; fails in CI (CI=true), where it must run."""
    missing = _chromium_missing()
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests must run in CI: {missing}")
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1360,1000", "--lang=zh-CN",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False,
                                              "intl.accept_languages": "zh-CN,zh"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.downloads = downloads
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def screenshot():
    """save(driver, name): a full-page screenshot under test-output/screenshots/ for reviewers."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(driver, name: str) -> Path:
        height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 4000)")
        driver.set_window_size(1360, max(800, int(height)))
        path = SCREENSHOTS / f"{name}.png"
        driver.save_screenshot(str(path))
        driver.set_window_size(1360, 1000)
        return path

    return save
