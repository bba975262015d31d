"""Accessibility check with axe-core (bundled by the PyPI package axe-playwright-python).

Usage in a browser test::

    from tests.browser.axe import assert_accessible
    assert_accessible(page)   # fails listing every serious or critical violation
"""

from __future__ import annotations

from typing import Any

import pytest

SERIOUS = {"serious", "critical"}


def assert_accessible(page: Any, *, context: str = "") -> None:
    """Run axe-core on the page as it is now; fail on any serious or critical violation."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:  # pragma: no cover - the dev extra installs it
        pytest.fail("Chưa cài axe-playwright-python (pip install -e '.[dev]').")
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    if bad:
        lines = [
            f"- {v['id']} ({v['impact']}): {v['help']} — "
            + ", ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in bad
        ]
        where = f" on {context}" if context else ""
        pytest.fail(
            f"axe-core found {len(bad)} serious/critical violations{where}:\n" + "\n".join(lines)
        )
