"""``motcua portal_notify``: queue notifications from the control sheet and deliver the outbox
once (for cron / systemd timers; the tasks do the same through the worker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from motcua.portal import notify


class Command(BaseCommand):
    help = "Gửi thông báo cho công dân: đọc phiếu kiểm soát, đưa vào hộp thư đi và gửi."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = notify.collect()
        result = notify.deliver()
        self.stdout.write(
            f"Đã đưa {queued} thông báo vào hộp thư đi; gửi được {result['sent']}, "
            f"lỗi {result['failed']} (sẽ thử lại)."
        )
