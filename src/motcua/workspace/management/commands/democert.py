"""``motcua democert [--agency CODE] [--force]`` — make a self-signed signing certificate
for the demo (``default.p12``, or ``{CODE}.p12`` for one agency) in ``MOTCUA_SIGNING_DIR``.
A real deployment puts the agency certificate issued by the Ban Cơ yếu Chính phủ there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.agencies.models import Agency
from motcua.workspace.signing import make_self_signed


class Command(BaseCommand):
    help = "Tạo chứng thư số tự ký (chỉ để trình diễn, thử nghiệm) cho việc ký số kết quả."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--agency", default="", help="Mã định danh cơ quan (mặc định: dùng chung)."
        )
        parser.add_argument("--force", action="store_true", help="Ghi đè chứng thư đã có.")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["agency"].strip()
        name = "Cơ quan giải quyết thủ tục hành chính"
        if code:
            agency = Agency.objects.filter(code=code).first()
            if agency is None:
                raise CommandError(f"Không có cơ quan mã {code}.")
            name = agency.name
        path = Path(settings.MOTCUA_SIGNING_DIR) / (f"{code}.p12" if code else "default.p12")
        if path.exists() and not options["force"]:
            raise CommandError(f"Đã có {path}; dùng --force để tạo lại.")
        passphrase = settings.MOTCUA_SIGNING_PASSPHRASE.encode() or None
        make_self_signed(path, name, passphrase=passphrase)
        self.stdout.write(f"Đã tạo chứng thư số tự ký: {path} (chỉ dùng để trình diễn).")
