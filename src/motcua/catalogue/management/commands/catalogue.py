"""``motcua catalogue import|show|list`` — the procedure catalogue from the command line.

* ``motcua catalogue import FILE [--publish-from YYYY-MM-DD]``
* ``motcua catalogue show CODE [--json] [--at YYYY-MM-DD]``
* ``motcua catalogue list [--needs-review] [--json]``
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from motcua.catalogue.importer import ImportRejected, catalogue_import_file
from motcua.catalogue.selectors import (
    procedure_get,
    procedure_version_data,
    procedure_version_for,
    procedure_versions_current,
)
from motcua.common.errors import MotcuaError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Ngày “{value}” không hợp lệ; dùng dạng NNNN-TT-NN.") from None


class Command(BaseCommand):
    help = "Danh mục thủ tục hành chính: nhập từ tệp JSON, xem, liệt kê."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="import|show|list")
        do_import = sub.add_parser("import", help="Nhập thủ tục từ tệp JSON.")
        do_import.add_argument("file", help="Tệp JSON theo cấu trúc procedures.json.")
        do_import.add_argument(
            "--publish-from",
            metavar="NGÀY",
            help="Ngày hiệu lực của các phiên bản mới (mặc định: hôm nay).",
        )
        do_import.add_argument("--quiet", action="store_true", help="Không in tiến trình.")
        show = sub.add_parser("show", help="Xem một thủ tục.")
        show.add_argument("code", help="Mã thủ tục, ví dụ 1.004222.")
        show.add_argument("--json", action="store_true", help="In dạng JSON.")
        show.add_argument("--at", metavar="NGÀY", help="Phiên bản có hiệu lực vào ngày này.")
        listing = sub.add_parser("list", help="Liệt kê thủ tục (phiên bản công bố mới nhất).")
        listing.add_argument("--needs-review", action="store_true", help="Chỉ thủ tục cần rà soát.")
        listing.add_argument("--json", action="store_true", help="In dạng JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ImportRejected as exc:
            raise CommandError(str(exc)) from exc
        except MotcuaError as exc:
            raise CommandError(str(exc)) from exc

    def _import(self, options: dict[str, Any]) -> None:
        quiet = options["quiet"] or options["verbosity"] == 0
        publish_from = _date(options["publish_from"]) if options["publish_from"] else None

        def progress(items: Iterable[Any]) -> Iterable[Any]:
            return tqdm(items, desc="Nhập thủ tục", unit=" thủ tục", disable=quiet)

        report = catalogue_import_file(
            options["file"], publish_from=publish_from, progress=progress
        )
        if not quiet:
            self.stdout.write(self.style.SUCCESS(report.summary()))
            if report.needs_review:
                self.stdout.write("Cần rà soát: " + ", ".join(report.needs_review))

    def _show(self, options: dict[str, Any]) -> None:
        procedure = procedure_get(options["code"])
        at = _date(options["at"]) if options["at"] else None
        version = procedure_version_for(procedure, at)
        if version is None:
            when = f"ngày {at:%d/%m/%Y}" if at else "hiện tại"
            raise CommandError(f"Thủ tục {procedure.code} không có phiên bản hiệu lực {when}.")
        data = procedure_version_data(version)
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{data['code']} – {data['name']} (phiên bản {data['version']})")
        self.stdout.write(f"Lĩnh vực: {data['field']}; cấp: {data['level_text']}")
        self.stdout.write(f"Thời hạn (văn bản gốc): {data['time_limit_text']}")
        for limit in data["time_limits"]:
            value = (
                limit["value"]
                if limit["value_max"] is None
                else (f"{limit['value']}–{limit['value_max']}")
            )
            cond = f" nếu {limit['condition']}" if limit["condition"] else ""
            self.stdout.write(
                f"  • {value} {limit['unit'] or '(chưa rõ đơn vị)'}{cond} "
                f"[{', '.join(limit['channels'])}]"
            )
        for fee in data["fees"]:
            cond = f" ({fee['condition']})" if fee["condition"] else ""
            self.stdout.write(f"  Phí {fee['channel']}: {fee['amount']:,} đồng{cond}")
        if data["needs_review"]:
            self.stdout.write(self.style.WARNING("Cần rà soát:"))
            for item in data["review_reasons"]:
                self.stdout.write(f"  – [{item['field']}] {item['reason']}")

    def _list(self, options: dict[str, Any]) -> None:
        versions = procedure_versions_current(
            needs_review=True if options["needs_review"] else None
        )
        if options["json"]:
            rows = [
                {
                    "code": v.procedure.code,
                    "name": v.name,
                    "version": v.number,
                    "effective_from": v.effective_from.isoformat() if v.effective_from else None,
                    "needs_review": v.needs_review,
                    "review_fields": sorted({r["field"] for r in v.review_reasons}),
                }
                for v in versions
            ]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for v in versions:
            flag = "CẦN RÀ SOÁT" if v.needs_review else "           "
            self.stdout.write(f"{v.procedure.code}  v{v.number:<3} {flag}  {v.name}")
