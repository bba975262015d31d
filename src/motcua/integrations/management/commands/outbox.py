"""``motcua outbox`` — relay dossier events to webhook subscribers and the national portal, and
deliver what is due. Once, or every ``--every`` seconds (enqueued as a background task)."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from motcua.api.services import api_housekeeping
from motcua.api.tasks import housekeeping
from motcua.integrations.services import run_outbox
from motcua.integrations.tasks import deliver_webhooks


class Command(BaseCommand):
    help = "Chuyển sự kiện hồ sơ vào hộp thư đi và gửi webhook / đồng bộ Cổng DVC quốc gia."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            help="Chạy lặp mỗi N giây, giao cho tác vụ nền (0 = chạy một lần, ngay tại đây).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = float(options["every"])
        if every <= 0:
            done = {**run_outbox(), **api_housekeeping()}
            self.stdout.write(json.dumps(done, ensure_ascii=False))
            return
        while True:  # pragma: no cover - a service loop, stopped by a signal
            deliver_webhooks.enqueue()
            housekeeping.enqueue()
            time.sleep(every)
