"""The ``motcua`` console command: Django's management commands plus motcua's own.

``motcua demo``, ``motcua catalogue import FILE``, ``motcua calendar year 2026 --json`` … are
management commands of motcua's apps; everything Django offers (``migrate``, ``createsuperuser``)
works too.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.conf.settings.dev")
    from django.core.management import execute_from_command_line

    args = ["motcua", *(sys.argv[1:] if argv is None else argv)]
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
