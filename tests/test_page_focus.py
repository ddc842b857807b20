"""The served page gives the terminal the keyboard focus as it loads: keys reach the app
without a click on the page first."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
import textual_serve

from backprop_tui.serve import PAGE

from .test_serve import BROWSER_ARGS, CHROMIUM

STATIC = Path(textual_serve.__file__).parent / "static"


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium browser found")
def test_the_terminal_has_the_focus_once_the_page_has_loaded(tmp_path):
    from playwright.sync_api import sync_playwright

    values = {"title": "backprop-tui", "static_url": STATIC.as_uri() + "/",
              "websocket_url": "ws://127.0.0.1:9/ws", "font_size": "16"}
    page_file = tmp_path / "page.html"
    page_file.write_text(re.sub(r"\{\{ (\w+) \}\}", lambda m: values[m[1]],
                                PAGE.read_text(encoding="utf-8")), encoding="utf-8")
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(page_file.as_uri(), wait_until="load")
            page.wait_for_selector("#terminal .xterm-helper-textarea", state="attached")
            focused = page.evaluate("document.activeElement && document.activeElement.className")
            assert "xterm-helper-textarea" in focused
        finally:
            browser.close()
