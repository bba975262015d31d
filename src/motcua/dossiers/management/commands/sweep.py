"""``motcua sweep`` — run every dossier sweep once (for cron or a systemd timer)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from motcua.dossiers.sweeps import DEFAULT_BATCH, results_as_data, run_sweeps

LABELS = {
    "online_clocks": "Kiểm tra hồ sơ trực tuyến (02 giờ, 08 giờ làm việc)",
    "close_unsupplemented": "Đóng hồ sơ quá 15 ngày không bổ sung",
    "due_marks": "Hồ sơ sắp đến hạn, quá hạn",
}
DETAIL_LABELS = {
    "alerted": "đã thông báo cán bộ",
    "alert_breaches": "quá 02 giờ",
    "decision_breaches": "quá 08 giờ làm việc",
    "overdue": "quá hạn",
    "coming_due": "sắp đến hạn",
}


def parse_moment(raw: str | None) -> dt.datetime | None:
    if not raw:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(
            f"Thời điểm “{raw}” không hợp lệ; dùng dạng ISO, ví dụ 2026-03-16T08:00+07:00."
        ) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = (
        "Chạy một lượt các tác vụ quét hồ sơ (đóng hồ sơ không bổ sung, hạn trực tuyến, quá hạn)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="Thời điểm quét (ISO 8601); mặc định: bây giờ.")
        parser.add_argument(
            "--batch", type=int, default=DEFAULT_BATCH, help="Số hồ sơ tối đa mỗi lượt."
        )
        parser.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        results = run_sweeps(at=parse_moment(options["at"]), batch=options["batch"])
        if options["json"]:
            self.stdout.write(json.dumps(results_as_data(results), ensure_ascii=False))
            return
        for r in results:
            line = f"{LABELS.get(r.name, r.name)}: {r.done} xử lý"
            if r.skipped:
                line += f", {r.skipped} bỏ qua"
            if r.details:
                line += (
                    " ("
                    + ", ".join(f"{DETAIL_LABELS.get(k, k)}: {v}" for k, v in r.details.items())
                    + ")"
                )
            if r.more:
                line += " — còn hồ sơ, sẽ xử lý ở lượt sau"
            self.stdout.write(f"{line}; {r.seconds:.2f} giây")
