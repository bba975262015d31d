"""Real-browser tests: Playwright drives Debian's Chromium (no browser download).

Skipped, with the reason, when /usr/bin/chromium or the playwright package is missing;
`.ci/run` installs Debian's chromium so CI always runs them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Playwright's sync API runs an event loop in this thread; Django's live server is sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Không có Chromium (/usr/bin/chromium): cài gói Debian 'chromium' để chạy.")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Chưa cài playwright (pip install -e '.[dev]').")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
