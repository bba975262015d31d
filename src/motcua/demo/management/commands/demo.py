"""``motcua demo`` — prepare the Khánh Hòa demo province and serve it on 127.0.0.1:8000.

``motcua demo --no-serve`` only prepares the database; both are idempotent.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.demo.services import demo_prepare


class Command(BaseCommand):
    help = "Chuẩn bị dữ liệu trình diễn (tỉnh Khánh Hòa) và chạy hệ thống tại 127.0.0.1:8000."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="Chỉ chuẩn bị cơ sở dữ liệu, không chạy máy chủ.",
        )
        parser.add_argument("--addrport", default="127.0.0.1:8000", help="Địa chỉ và cổng phục vụ.")
        parser.add_argument(
            "--no-dossiers",
            action="store_true",
            help="Không tạo hồ sơ trình diễn (chỉ danh mục, cơ quan và tài khoản).",
        )
        parser.add_argument(
            "--sweep-every",
            type=float,
            default=300.0,
            help="Số giây giữa hai lần quét hồ sơ của tác vụ nền (mặc định 300).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Cho phép chạy khi DEBUG tắt (không dùng trên hệ thống thật).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Từ chối nạp dữ liệu trình diễn khi DEBUG tắt (cấu hình vận hành thật). "
                "Dùng --force nếu đây thực sự là máy thử nghiệm."
            )
        self.stdout.write("Đang tạo cơ sở dữ liệu…")
        call_command("migrate", interactive=False, verbosity=0)
        result = demo_prepare(progress=self.stdout.write, dossiers=not options["no_dossiers"])
        self.stdout.write(self.style.SUCCESS("Dữ liệu trình diễn đã sẵn sàng."))
        self.stdout.write(result.summary())
        self.stdout.write("")
        self.stdout.write(f"Tài khoản trình diễn (mật khẩu chung: {result.password}):")
        for login in result.logins:
            self.stdout.write(f"  {login.username:<22} {login.role:<40} {login.agency}")
        if options["no_serve"]:
            return
        self.stdout.write("")
        self.stdout.write(
            f"Mở http://{options['addrport']}/ (quản trị: http://{options['addrport']}/quan-tri/)"
        )
        # Keep the demo alive: background tasks and the dossier sweeps (auto-close, online
        # clocks) run in this process, as ``motcua worker`` does in production.
        from motcua.dossiers.management.commands.worker import start_background_worker

        background = start_background_worker(sweep_every=options["sweep_every"])
        self.stdout.write(f"Tác vụ nền đang chạy (quét hồ sơ mỗi {options['sweep_every']:g} giây).")
        try:
            call_command("runserver", options["addrport"], use_reloader=False)
        finally:
            background.stop()
