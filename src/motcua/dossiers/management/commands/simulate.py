"""``motcua simulate --dossiers N --years Y`` — generate a realistic province for benchmarks."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from tqdm import tqdm

from motcua.common.errors import MotcuaError
from motcua.dossiers.simulation import simulate


class Command(BaseCommand):
    help = (
        "Mô phỏng hồ sơ của một tỉnh (thời điểm nộp theo ngày, giờ làm việc; cơ cấu thủ tục, "
        "hình thức nộp, bổ sung, trễ hạn, gia hạn, dừng, trả kết quả) để đo hiệu năng."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dossiers", type=int, required=True, help="Số hồ sơ cần tạo.")
        parser.add_argument("--years", type=float, default=1.0, help="Số năm (mặc định 1).")
        parser.add_argument("--seed", type=int, default=1, help="Hạt giống ngẫu nhiên.")
        parser.add_argument(
            "--path",
            choices=["bulk", "services"],
            default="bulk",
            help="bulk: ghi theo lô (nhanh); services: gọi từng dịch vụ nghiệp vụ.",
        )
        parser.add_argument("--batch", type=int, default=5000, help="Số hồ sơ mỗi lô ghi.")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Số tiến trình song song (đường bulk). Mặc định: số lõi CPU trên PostgreSQL, "
            "1 trên SQLite.",
        )

        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="Không tạm bỏ chỉ mục phụ khi nạp (mặc định: PostgreSQL, từ 50 000 hồ sơ, bỏ "
            "chỉ mục phụ của các bảng được ghi rồi dựng lại ở cuối — nhanh hơn).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dossiers"] <= 0 or options["years"] <= 0:
            raise CommandError("--dossiers và --years phải lớn hơn 0.")
        workers = options["workers"]
        if workers is None:
            parallel = connection.vendor == "postgresql" and options["path"] == "bulk"
            workers = min(os.cpu_count() or 1, 8) if parallel else 1
        if workers < 1 or (workers > 1 and options["path"] != "bulk"):
            raise CommandError("--workers phải ≥ 1; chạy song song chỉ với --path bulk.")
        bar = tqdm(
            total=options["dossiers"], unit="hồ sơ", file=self.stderr, disable=None, smoothing=0.1
        )
        try:
            report = simulate(
                dossiers=options["dossiers"],
                years=options["years"],
                seed=options["seed"],
                path=options["path"],
                batch=options["batch"],
                progress=bar.update,
                workers=workers,
                defer_indexes=False if options["keep_indexes"] else None,
                integrations=True,
            )
        except MotcuaError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        self.stdout.write(self.style.SUCCESS(report.summary()))
        # QĐ 766 1.4 and 4.4: the integrations' passes, run inside ``simulate`` (before the
        # indexes and keys come back) and before any metrics refresh (no dossier event).
        self.stdout.write(
            f"{report.synced} hồ sơ đồng bộ Cổng DVCQG, {report.store_origins} giấy tờ tái sử "
            f"dụng được ghi loại nguồn, {report.pushed} kết quả điện tử đẩy vào Kho dữ liệu của "
            "tổ chức, cá nhân (mô phỏng)."
        )
        if report.deferred_indexes:
            self.stdout.write(
                f"{report.deferred_indexes} chỉ mục phụ và khóa ngoại được bỏ khi nạp, dựng lại "
                "và kiểm tra lại ở cuối (đã tính trong thời gian trên)."
            )
        if report.refused_steps:
            self.stdout.write(
                f"{report.refused_steps} bước bị quy tắc nghiệp vụ từ chối (ví dụ gia hạn quá sát "
                "ngày hẹn) và được bỏ qua."
            )
