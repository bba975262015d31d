"""``motcua audit`` — the audit log from the command line.

* ``motcua audit verify [--chain N ...] [--json] [--progress]`` — recompute every hash of the
  chains and name the first broken entry of each broken chain. Exit status 0 when every chain
  is intact, 1 otherwise (for cron and monitoring).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from motcua.audit.verify import audit_verify


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # Vietnamese thousands separator


class Command(BaseCommand):
    help = "Nhật ký kiểm tra: kiểm tra tính toàn vẹn của các chuỗi nhật ký."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify", help="Tính lại mã băm của mọi bản ghi và chỉ ra bản ghi hỏng đầu tiên."
        )
        verify.add_argument(
            "--chain",
            type=int,
            action="append",
            metavar="N",
            help="Chỉ kiểm tra chuỗi số N (có thể lặp lại). Mặc định: mọi chuỗi.",
        )
        verify.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")
        verify.add_argument(
            "--progress", action="store_true", help="Hiện tiến độ (số bản ghi đã kiểm tra)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            self._verify(options)

    def _verify(self, options: dict[str, Any]) -> None:
        chains = options["chain"]
        if chains is not None and any(c < 0 for c in chains):
            raise CommandError("Số chuỗi phải là số nguyên không âm.")
        bar = None
        if options["progress"]:
            bar = tqdm(desc="Đã kiểm tra", unit=" bản ghi", file=sys.stderr, miniters=10_000)
        try:
            result = audit_verify(
                chains=chains, on_entry=None if bar is None else lambda: bar.update()
            )
        finally:
            if bar is not None:
                bar.close()
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        elif result.ok:
            self.stdout.write(
                f"Chuỗi nhật ký toàn vẹn: {_number(result.checked)} bản ghi, "
                f"{_number(result.chains)} chuỗi."
            )
        if result.ok:
            return
        lines = [
            f"Chuỗi nhật ký bị phá vỡ ở {len(result.broken)} trong {_number(result.chains)} chuỗi "
            f"(đã kiểm tra {_number(result.checked)} bản ghi).",
            *(f"- {b.describe()}" for b in result.broken),
        ]
        if not options["json"]:
            self.stdout.write("\n".join(lines))
        first = result.first_broken
        assert first is not None  # noqa: S101  (result.ok is False)
        raise CommandError(f"Bản ghi hỏng đầu tiên: {first.describe()}", returncode=1)
