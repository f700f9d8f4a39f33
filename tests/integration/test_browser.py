"""Rendered reports and the `finops app` web app in a real headless Chromium (Debian's package).

Reports must draw their charts (inline SVG) with no network request at all; the app must load a
page and redraw a chart when a filter changes. Skipped, with the reason, without /usr/bin/chromium.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from finops_lib import reports
from finops_lib.cli.serve import command

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SUBSET = ["10_review_costs", "60_detect_anomalies"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]


def _fixture_module() -> ModuleType:
    """tests/notebooks/focus_fixture.py, the shared fixture warehouse builder."""
    spec = importlib.util.spec_from_file_location(
        "focus_fixture", ROOT / "tests" / "notebooks" / "focus_fixture.py"
    )
    assert spec and spec.loader
    if "focus_fixture" in sys.modules:
        return sys.modules["focus_fixture"]
    module = importlib.util.module_from_spec(spec)
    sys.modules["focus_fixture"] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _fixture_module().build_published(tmp_path_factory.mktemp("browser-warehouse"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def rendered(warehouse: Any, tmp_path_factory: pytest.TempPathFactory) -> list[reports.Report]:
    out = tmp_path_factory.mktemp("reports")
    mp = pytest.MonkeyPatch()
    for key, value in warehouse.env.items():
        if key.startswith("OPEN_FINOPS_"):
            mp.setenv(key, value)
    mp.chdir(warehouse.root)
    try:
        return reports.render(SUBSET, period="2024-09", output_dir=out)
    finally:
        mp.undo()


def _open_offline(browser: Any, url: str) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page()
    failed: list[str] = []
    remote: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on(
        "request",
        lambda r: remote.append(r.url) if not r.url.startswith(("file://", "data:")) else None,
    )
    page.goto(url, wait_until="load")
    return page, failed, remote


@pytest.mark.parametrize("index", range(len(SUBSET)))
def test_report_draws_its_charts_offline(
    rendered: list[reports.Report], browser: Any, index: int
) -> None:
    report = rendered[index]
    page, failed, remote = _open_offline(browser, report.html.as_uri())
    try:
        charts = page.locator(".finops-chart svg")
        assert charts.count() >= 2, f"{report.name}: {charts.count()} charts"
        assert (
            page.locator(".finops-chart svg .mark-rect, .finops-chart svg .mark-line").count() > 0
        )
        assert failed == [] and remote == []
    finally:
        page.close()


def test_report_shows_the_requested_period(rendered: list[reports.Report], browser: Any) -> None:
    page, _, _ = _open_offline(browser, rendered[0].html.as_uri())
    try:
        assert "Billing period 2024-09" in page.inner_text("body")
    finally:
        page.close()


def test_index_links_every_rendered_report(rendered: list[reports.Report], browser: Any) -> None:
    index = rendered[0].html.parent / "index.html"
    page, failed, remote = _open_offline(browser, index.as_uri())
    try:
        hrefs = page.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert {r.html.name for r in rendered} <= set(hrefs)
        assert failed == [] and remote == []
    finally:
        page.close()


def test_executed_notebook_is_kept_with_the_injected_period(rendered: list[reports.Report]) -> None:
    nb = json.loads(rendered[0].executed.read_text(encoding="utf-8"))
    injected = [
        c for c in nb["cells"] if "injected-parameters" in c.get("metadata", {}).get("tags", [])
    ]
    assert injected and "2024-09" in "".join(injected[0]["source"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(warehouse: Any) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        command("127.0.0.1", port),
        cwd=warehouse.root,
        env=warehouse.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"marimo run did not answer on {url}")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_app_gallery_lists_the_notebooks(app_url: str, browser: Any) -> None:
    page = browser.new_page()
    try:
        page.goto(app_url)
        page.wait_for_selector("a[href*='10_review_costs']", timeout=30000)
        hrefs = page.locator("a").evaluate_all("els => els.map(e => e.href)")
        assert any("80_check_quality" in h for h in hrefs)
    finally:
        page.close()


def test_app_filter_change_redraws_the_chart(app_url: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    try:
        page.goto(app_url + "?file=10_review_costs.py")
        page.wait_for_selector("text=Effective cost 2024-09", timeout=90000)
        chart = page.locator("canvas").first  # the daily cost chart (vega-embed, inside shadow DOM)
        chart.wait_for(timeout=60000)
        page.wait_for_timeout(500)  # let vega finish its first paint
        before = chart.evaluate("c => c.toDataURL()")
        page.locator("select").first.select_option("2024-08")
        page.wait_for_selector("text=Effective cost 2024-07", timeout=60000)
        deadline = time.monotonic() + 30
        after = before
        while after == before and time.monotonic() < deadline:
            page.wait_for_timeout(250)
            after = page.locator("canvas").first.evaluate("c => c.toDataURL()")
        assert after != before, "the daily cost chart did not change with the billing period"
    finally:
        page.close()
