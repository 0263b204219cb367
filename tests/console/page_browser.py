"""Headless Chromium (Debian's `chromium` and `chromedriver`) driven by selenium, for the
console page's tests; skipped (failed under CI=true) without them or without uPlot."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from dexwatch.console.page_routes import STATIC_DIR
from tests.system_tools import missing_tool, require_tool

__all__ = ["Page", "chromium"]

UPLOT = STATIC_DIR / "vendor" / "uPlot.iife.min.js"


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    browser = require_tool("chromium", also=["/usr/bin/chromium"])
    driver_path = require_tool("chromedriver", package="chromium-driver")
    if not UPLOT.is_file():
        missing_tool(
            f"uPlot is not in {UPLOT.parent}: `make console-vendor` (needs npm) fetches it"
        )
    options = Options()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        "--disable-gpu",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """The console page in `driver`, at `base` (http://127.0.0.1:<port>)."""

    def __init__(self, driver: webdriver.Chrome, base: str) -> None:
        self.driver = driver
        self.base = base

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)
        self.wait_loaded()

    def wait_loaded(self, timeout_s: float = 30) -> str:
        """Until the page has rendered its view (`true`) or shown an error (`error`)."""

        def loaded(driver: Any) -> str | None:
            state = driver.execute_script("return document.body.dataset.loaded || null")
            return str(state) if state else None

        return str(WebDriverWait(self.driver, timeout_s).until(loaded))

    def use_tokens(self, read: str, write: str = "") -> None:
        self.driver.execute_script("delete document.body.dataset.loaded")
        for field, value in (("token", read), ("write-token", write)):
            element = self.driver.find_element(By.ID, field)
            element.clear()
            element.send_keys(value)
        self.driver.find_element(By.CSS_SELECTOR, "#token-form button").click()
        self.wait_loaded()

    def error(self) -> str | None:
        box = self.driver.find_element(By.ID, "error")
        return box.text if box.is_displayed() else None

    def text(self, css: str) -> str:
        return str(self.driver.find_element(By.CSS_SELECTOR, css).text)

    def wait_text(self, css: str, expected: str, timeout_s: float = 30) -> str:
        return str(
            WebDriverWait(self.driver, timeout_s).until(
                lambda driver: (
                    expected in driver.find_element(By.CSS_SELECTOR, css).text
                    and driver.find_element(By.CSS_SELECTOR, css).text
                )
            )
        )

    def chart(self, css: str, timeout_s: float = 30) -> dict[str, str]:
        """The data attributes of the chart in `css`, once it is drawn."""
        WebDriverWait(self.driver, timeout_s).until(
            lambda driver: driver.execute_script(
                "const c = document.querySelector(arguments[0]);"
                "return c && c.dataset.points && c.querySelector('canvas') !== null",
                css,
            )
        )
        attributes: dict[str, str] = self.driver.execute_script(
            "return Object.assign({}, document.querySelector(arguments[0]).dataset)", css
        )
        return attributes

    def pixel(self, script: str) -> tuple[int, int, int]:
        """The canvas pixel at the (x, y) that `script` returns (run with `chart`:
        window.dexwatchChart), as (r, g, b)."""
        rgba: list[int] = self.driver.execute_script(
            "const chart = window.dexwatchChart; const [x, y] = (function () {"
            + script
            + "})(); return Array.from(chart.plot.ctx.getImageData(Math.round(x), Math.round(y),"
            " 1, 1).data)"
        )
        return rgba[0], rgba[1], rgba[2]
