"""``motcua envdocs`` — write docs/env-vars.md from the settings modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from motcua.conf.env import render_markdown


class Command(BaseCommand):
    help = "Viết lại docs/env-vars.md từ các biến môi trường mà cấu hình đọc."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", default="docs/env-vars.md")

    def handle(self, *args: Any, **options: Any) -> None:
        Path(options["output"]).write_text(render_markdown(), encoding="utf-8")
        self.stdout.write(f"Đã ghi {options['output']}")
