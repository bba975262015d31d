"""``motcua dossier show|list`` — dossiers from the command line.

* ``motcua dossier show CODE [--json]``
* ``motcua dossier list [--agency CODE] [--state S] [--limit N] [--json]``

Operator commands run **as the system**: they are not limited to one officer's scope and show no
personal identifiers (only the applicant's name). Use the officer pages for personal data; those
reads are audited.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.agencies.models import Agency
from motcua.common.errors import MotcuaError
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import _iso, dossier_data, dossier_detail_for_system
from motcua.dossiers.workflow import DossierStatus

SYSTEM_NOTE = "Chạy với quyền hệ thống (lệnh vận hành); không hiển thị số định danh."


class Command(BaseCommand):
    help = "Hồ sơ: xem một hồ sơ, liệt kê hồ sơ (chạy với quyền hệ thống)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="show|list")
        show = sub.add_parser("show", help="Xem một hồ sơ theo mã.")
        show.add_argument("code", help="Mã hồ sơ, ví dụ 000.01.01.H32-260105-0001.")
        show.add_argument("--json", action="store_true", help="In dạng JSON.")
        listing = sub.add_parser("list", help="Liệt kê hồ sơ, hạn gần nhất trước.")
        listing.add_argument("--agency", help="Mã định danh cơ quan đang giữ hồ sơ.")
        listing.add_argument(
            "--state", choices=[s.value for s in DossierStatus], help="Trạng thái."
        )
        listing.add_argument("--limit", type=int, default=50, help="Số dòng tối đa (50).")
        listing.add_argument("--json", action="store_true", help="In dạng JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except MotcuaError as exc:
            raise CommandError(str(exc)) from exc

    def _show(self, options: dict[str, Any]) -> None:
        data = dossier_data(dossier_detail_for_system(options["code"]))
        if options["json"]:
            self.stdout.write(
                json.dumps({"run_as": "system", **data}, ensure_ascii=False, indent=2)
            )
            return
        self.stdout.write(SYSTEM_NOTE)
        self.stdout.write(f"Mã hồ sơ: {data['code']}  ({data['status_label']})")
        self.stdout.write(f"Mã trạng thái đồng bộ: {data['national_status']}")
        self.stdout.write(f"Hình thức nộp: {data['channel']}  Hạn: {data['due_at']}")
        for event in data["events"]:
            self.stdout.write(
                f"  {event['seq']:>3}. {event['at']}  {event['action']}  "
                f"{event['from_status']} → {event['to_status']}  {event['actor']}"
            )

    def _list(self, options: dict[str, Any]) -> None:
        qs = Dossier.objects.select_related("procedure_version__procedure", "current_agency")
        if options["agency"]:
            agency = Agency.objects.filter(code=options["agency"]).first()
            if agency is None:
                raise CommandError(f"Không tìm thấy cơ quan có mã “{options['agency']}”.")
            qs = qs.filter(current_agency=agency)
        if options["state"]:
            qs = qs.filter(status=options["state"])
        from django.db.models import F

        rows = list(qs.order_by(F("due_at").asc(nulls_last=True), "id")[: max(1, options["limit"])])
        items = [
            {
                "code": d.code,
                "procedure": d.procedure_version.procedure.code,
                "status": d.status,
                "national_status": d.national_status,
                "channel": d.channel,
                "current_agency": d.current_agency.code,
                "due_at": _iso(d.due_at),
                "version": d.version,
            }
            for d in rows
        ]
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {"run_as": "system", "count": len(items), "dossiers": items},
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        self.stdout.write(SYSTEM_NOTE)
        for item in items:
            self.stdout.write(
                f"{item['code']}  {item['status']}  {item['current_agency']}  {item['due_at']}"
            )
