"""``motcua fake_national`` — run the stand-in national portal for a demo (Ctrl-C stops it)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from motcua.integrations.fake_national import FakeNationalPortal


class Command(BaseCommand):
    help = (
        "Chạy Cổng DVC quốc gia giả lập (nhận đồng bộ tại /sync, kết quả đẩy vào Kho dữ liệu tại "
        "/kho) để trình diễn, kiểm thử."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--secret", required=True, help="Khóa ký HMAC của đăng ký đồng bộ.")

    def handle(self, *args: Any, **options: Any) -> None:  # pragma: no cover - interactive
        portal = FakeNationalPortal(secret=options["secret"], port=options["port"]).start()
        self.stdout.write(
            f"Cổng quốc gia giả lập: {portal.sync_url}, Kho dữ liệu: {portal.store_url} "
            "(Ctrl-C để dừng)"
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            portal.stop()
