"""Settings: production fails closed; the env-var docs are current."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run_settings(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = module
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=False
    )


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = _run_settings("motcua.conf.settings.production", {})
    assert result.returncode != 0
    assert "MOTCUA_SECRET_KEY" in result.stderr


def test_production_runs_with_debug_off_and_secure_cookies() -> None:
    result = _run_settings(
        "motcua.conf.settings.production",
        {"MOTCUA_SECRET_KEY": "k" * 60, "MOTCUA_DEBUG": "true"},
    )
    assert result.returncode == 0, result.stderr
    debug, session_secure, csrf_secure, hsts = result.stdout.split()
    assert (debug, session_secure, csrf_secure) == ("False", "True", "True")
    assert int(hsts) >= 31536000


def test_env_var_docs_are_current() -> None:
    from motcua.conf.env import render_markdown

    doc = ROOT / "docs" / "env-vars.md"
    assert doc.read_text(encoding="utf-8") == render_markdown(), (
        "docs/env-vars.md is stale: run `motcua envdocs`"
    )


@pytest.mark.django_db
def test_health_check_answers(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
