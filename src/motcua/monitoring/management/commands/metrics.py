"""``motcua metrics refresh|rebuild|verify`` — the monitoring aggregates (docs/monitoring.md).

* ``refresh`` processes the dossier events and ratings recorded since the last run;
* ``rebuild`` recomputes every aggregate from the dossiers (after a restore, or a change of rules),
  in ``--processes`` forked parts on PostgreSQL, swapped in at once (``monitoring.scan``);
* ``verify`` recomputes the indicators' counts from the raw events by full scan and compares them
  with the aggregates; exits with status 1 when they differ.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from motcua.audit.services import audit_log
from motcua.monitoring import aggregate as agg

PROCESSES_HELP = (
    "Số tiến trình song song (PostgreSQL; mặc định 2, hoặc số lõi CPU nếu ít hơn). 1: chạy trong "
    "tiến trình này; SQLite luôn chạy trong một tiến trình."
)


class Command(BaseCommand):
    help = "Số liệu giám sát: refresh (cập nhật), rebuild (tính lại toàn bộ), verify (đối chiếu)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        r = sub.add_parser("refresh", help="Cập nhật từ các sự kiện mới.")
        r.add_argument("--batch", type=int, default=agg.DEFAULT_BATCH)
        b = sub.add_parser("rebuild", help="Tính lại toàn bộ bảng tổng hợp.")
        b.add_argument("--batch", type=int, default=agg.DEFAULT_BATCH)
        b.add_argument("--processes", type=int, default=None, help=PROCESSES_HELP)
        v = sub.add_parser("verify", help="Đối chiếu bảng tổng hợp với tính lại từ dữ liệu gốc.")
        v.add_argument("--batch", type=int, default=agg.DEFAULT_BATCH)
        v.add_argument("--processes", type=int, default=None, help=PROCESSES_HELP)
        v.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if options["verbosity"] >= 2:  # the phases of a rebuild (``-v 2``)
            phases = logging.getLogger("motcua.monitoring.scan")
            phases.setLevel(logging.INFO)
            phases.addHandler(logging.StreamHandler(self.stderr))
            phases.propagate = False
        processes = options.get("processes")
        if processes is not None and processes < 1:
            raise CommandError(
                f"Số tiến trình (--processes) phải từ 1 trở lên, không phải {processes}."
            )
        started = time.perf_counter()
        if action == "refresh":
            n = agg.refresh_all(options["batch"])
            self.stdout.write(f"Đã cập nhật {n} lượt hồ sơ.")
        elif action == "rebuild":
            n = agg.rebuild(options["batch"], processes=options["processes"])
            with transaction.atomic():
                audit_log(
                    actor=None,
                    action="monitoring.rebuild",
                    object_type="monitoring",
                    object_id="daily",
                    data={"dossiers": n},
                )
            took = time.perf_counter() - started
            used = agg.effective_processes(options["processes"])
            self.stdout.write(
                f"Đã tính lại số liệu của {n} hồ sơ trong {took:.1f} giây ({used} tiến trình)."
            )
        else:
            report = agg.verify(options["batch"], processes=options["processes"])
            took = time.perf_counter() - started
            if options["json"]:
                self.stdout.write(json.dumps({**asdict(report), "seconds": round(took, 3)}))
            else:
                self.stdout.write(
                    f"Đã đối chiếu {report.dossiers} hồ sơ, {report.daily_rows} dòng tổng hợp, "
                    f"{report.rating_rows} dòng đánh giá, {report.feedback} phản ánh, kiến nghị "
                    f"trong {took:.1f} giây ({agg.effective_processes(options['processes'])} "
                    "tiến trình); "
                    f"{report.pending_events} sự kiện chưa cập nhật."
                )
                if report.ok:
                    self.stdout.write("Không có khác biệt.")
                for line in report.differences:
                    self.stdout.write(f"  {line}")
            if not report.ok:
                sys.exit(1)
