"""The HTML report of ``penalized compare`` opened in headless Chromium (selenium).

Skipped when selenium, chromium or chromedriver are missing, unless the environment
variable ``PENALIZED_REQUIRE_BROWSER=1`` is set (CI installs Debian's ``chromium`` and
``chromium-driver``), in which case a missing browser fails the test. The page must load
without network: it has no external URL and the test never fetches anything. A screenshot
is written to ``$PENALIZED_ARTIFACTS`` (or the test's temporary directory).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PENALIZED_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("PENALIZED_CHROMEDRIVER", "/usr/bin/chromedriver")
N_MODELS = 7  # unpenalized + (Ridge, Lasso, ElasticNet) x (min, 1se)
N_FIGURES = 4


def _browser_or_skip():
    required = os.environ.get("PENALIZED_REQUIRE_BROWSER") == "1"
    missing = []
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install selenium)")
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(path) or shutil.which(os.path.basename(path))):
            missing.append(path)
    if missing:
        msg = "browser test needs " + ", ".join(missing)
        if required:
            pytest.fail(msg + " (PENALIZED_REQUIRE_BROWSER=1)")
        pytest.skip(msg)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """Run the command in a subprocess, as a user would; return the report's path."""
    _browser_or_skip()
    out = tmp_path_factory.mktemp("report") / "report.html"
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "penalized", "compare", "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert out.exists()
    return out


@pytest.fixture(scope="module")
def driver():
    _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,4000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        drv.set_window_size(1400, 4000)
        yield drv
    finally:
        drv.quit()


def test_report_in_headless_chromium(report, driver, tmp_path):
    from selenium.webdriver.common.by import By

    driver.get(report.as_uri())
    severe = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert severe == []
    images = driver.find_elements(By.TAG_NAME, "img")
    assert len(images) == N_FIGURES
    for img in images:
        ok = driver.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth > 0", img)
        assert ok, img.get_attribute("alt")
        assert img.get_attribute("src").startswith("data:image/")
    rows = driver.find_elements(By.CSS_SELECTOR, "table#comparison tbody tr")
    assert len(rows) == N_MODELS
    names = [r.find_element(By.CSS_SELECTOR, "td.name").text for r in rows]
    assert names[0] == "Unpenalized" and "Lasso (1se)" in names
    # nothing on the page points outside it
    for tag, attr in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
        for el in driver.find_elements(By.TAG_NAME, tag):
            value = el.get_attribute(attr) or ""
            assert not value.startswith(("http:", "https:", "//")), value
    artifacts = Path(os.environ.get("PENALIZED_ARTIFACTS", tmp_path))
    artifacts.mkdir(parents=True, exist_ok=True)
    shot = artifacts / "report_screenshot.png"
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1400, max(1200, min(int(height) + 100, 8000)))
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
