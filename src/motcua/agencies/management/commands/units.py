"""``motcua units load`` — load the 34 provinces and their communes (GSO codes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from motcua.agencies.services import units_load


class Command(BaseCommand):
    help = "Nạp danh mục đơn vị hành chính (34 tỉnh, thành phố từ 01/7/2025 và các xã, phường)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Nạp danh mục (không ghi đè dữ liệu đã có).")
        load.add_argument(
            "--province", action="append", help="Chỉ nạp xã, phường của tỉnh có mã này (GSO)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = units_load(province_codes=options.get("province"))
        self.stdout.write(
            f"{result.provinces} tỉnh, thành phố; {result.communes} xã, phường; "
            f"tạo mới {result.created} đơn vị."
        )
