"""What every bench script shares: creating its PostgreSQL database and starting Django.

A script imports it after putting ``bench/`` at the *end* of ``sys.path`` (so a bench file
never shadows a standard-library module)::

    ROOT = Path(__file__).resolve().parents[1]
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.append(str(ROOT / "bench"))
    from benchlib import django_setup, ensure_database
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

ROOT_SETTINGS = "motcua.conf.settings.dev"


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database of ``url`` if it is missing; ``True`` when it was just
    created (the caller then migrates and fills it). Other engines: nothing to do."""
    if not url.startswith("postgres"):
        return False
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
    return True


def django_setup(**env_defaults: str) -> None:
    """``django.setup()`` with the development settings unless ``DJANGO_SETTINGS_MODULE`` says
    otherwise; ``env_defaults`` are set only where the environment does not set them."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", ROOT_SETTINGS)
    for name, value in env_defaults.items():
        os.environ.setdefault(name, value)
    import django

    django.setup()
