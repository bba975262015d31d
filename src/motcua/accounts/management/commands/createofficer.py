"""``motcua createofficer USERNAME --agency CODE --role ROLE [--role ROLE …]``."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.accounts.roles import OFFICER_ROLES
from motcua.accounts.services import officer_create
from motcua.common.errors import MotcuaError


class Command(BaseCommand):
    help = (
        "Tạo (hoặc bổ sung vai trò cho) tài khoản cán bộ. Create an officer account, or add "
        "missing roles to an existing one (the password of an existing account is not changed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--agency", required=True, help="Mã định danh của cơ quan.")
        parser.add_argument(
            "--role",
            action="append",
            required=True,
            choices=sorted(r.value for r in OFFICER_ROLES),
            help="Vai trò (lặp lại để giao nhiều vai trò).",
        )
        parser.add_argument("--full-name", default="", help="Họ và tên.")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password",
            default=None,
            help="Mật khẩu; bỏ trống để nhập (không hiện) hoặc, khi không có bàn phím, "
            "tạo tài khoản chưa đăng nhập được.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        if password is None and sys.stdin.isatty():
            password = getpass.getpass("Mật khẩu: ") or None
        try:
            user, created = officer_create(
                username=options["username"],
                full_name=options["full_name"],
                password=password,
                agency=options["agency"],
                roles=options["role"],
                email=options["email"],
            )
        except MotcuaError as exc:
            raise CommandError(str(exc)) from exc
        verb = "Đã tạo" if created else "Đã cập nhật vai trò cho"
        self.stdout.write(f"{verb} tài khoản cán bộ “{user.username}”.")
