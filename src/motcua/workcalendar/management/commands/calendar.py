"""``motcua calendar`` — the working-day calendar from the command line.

* ``motcua calendar year 2026 [--agency CODE] [--json]`` — every date of the year, working
  or not, and why.
* ``motcua calendar due --from 2026-02-12T09:30 --amount 3 --unit working_days
  [--agency CODE] [--cutoff 15:00] [--json]`` — the due moment of a time limit.
* ``motcua calendar lunar 2026-02-17`` / ``motcua calendar solar 10/3/2026 [--leap]`` —
  conversions between the solar and the Vietnamese lunar calendar (UTC+7).

Errors (an impossible date, a lunar 30th in a 29-day month, a negative amount…) end with a
Vietnamese message and a non-zero exit status.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.agencies.models import Agency
from motcua.common.errors import MotcuaError
from motcua.workcalendar.engine import TZ
from motcua.workcalendar.lunar import lunar_to_solar, solar_to_lunar
from motcua.workcalendar.rules import WEEKDAY_NAMES
from motcua.workcalendar.selectors import calendar_for
from motcua.workcalendar.units import TimeLimitUnit


def _parse_moment(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(
            f"Thời điểm không hợp lệ: “{raw}” (dạng YYYY-MM-DDTHH:MM, ví dụ 2026-02-12T09:30)."
        ) from None
    return moment.replace(tzinfo=TZ) if moment.tzinfo is None else moment


def _parse_time(raw: str) -> time:
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"Giờ không hợp lệ: “{raw}” (dạng HH:MM, ví dụ 15:00).") from None


def _parse_amount(raw: str) -> Decimal:
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise CommandError(f"Thời hạn phải là một số (đã nhận: “{raw}”).") from None


def _weekday_lower(moment: datetime) -> str:
    name = WEEKDAY_NAMES[moment.weekday()]
    return name[0].lower() + name[1:]  # "thứ Năm", "chủ nhật"


class Command(BaseCommand):
    help = "Lịch làm việc: ngày nghỉ trong năm, tính hạn xử lý, đổi ngày âm – dương lịch."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)

        year = sub.add_parser("year", help="Liệt kê mọi ngày trong năm: làm việc hay nghỉ, lý do.")
        year.add_argument("year", help="Năm, ví dụ 2026.")
        year.add_argument("--agency", help="Mã định danh của cơ quan (mặc định: lịch chung).")
        year.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")

        due = sub.add_parser("due", help="Tính thời điểm hết hạn của một thời hạn.")
        due.add_argument("--from", dest="start", required=True, help="Thời điểm tiếp nhận.")
        due.add_argument("--amount", required=True, help="Độ dài thời hạn, ví dụ 3 hoặc 0.5.")
        due.add_argument(
            "--unit",
            required=True,
            help="Đơn vị: " + ", ".join(f"{u.value} ({u.label})" for u in TimeLimitUnit),
        )
        due.add_argument("--agency", help="Mã định danh của cơ quan (mặc định: lịch chung).")
        due.add_argument("--cutoff", help="Giờ tiếp nhận chậm nhất trong ngày, ví dụ 15:00.")
        due.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")

        lunar = sub.add_parser("lunar", help="Đổi ngày dương lịch (YYYY-MM-DD) sang âm lịch.")
        lunar.add_argument("date")
        lunar.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")

        solar = sub.add_parser("solar", help="Đổi ngày âm lịch (ngày/tháng/năm) sang dương lịch.")
        solar.add_argument("date", help="Ví dụ 10/3/2026.")
        solar.add_argument("--leap", action="store_true", help="Tháng nhuận.")
        solar.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except MotcuaError as exc:
            raise CommandError(str(exc)) from exc

    def _out(self, payload: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(payload, ensure_ascii=False))

    def _agency(self, code: str | None) -> Agency | None:
        if not code:
            return None
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            raise CommandError(f"Không có cơ quan mã “{code}”.")
        return agency

    def _year(self, options: dict[str, Any]) -> None:
        try:
            year = int(options["year"])
        except ValueError:
            raise CommandError(f"Năm không hợp lệ: “{options['year']}”.") from None
        calendar = calendar_for(self._agency(options.get("agency")))
        if not calendar.first_year <= year <= calendar.last_year:
            raise CommandError(
                f"Năm {year} nằm ngoài phạm vi lịch làm việc "
                f"({calendar.first_year}–{calendar.last_year})."
            )
        days = calendar.year_days(year)
        if options["json"]:
            self._out(
                {
                    "year": year,
                    "days": [
                        {"date": d.isoformat(), "working": w, "reason": r} for d, w, r in days
                    ],
                }
            )
            return
        self.stdout.write(f"Lịch làm việc năm {year}")
        self.stdout.write(f"{'Ngày':<12}{'Thứ':<10}{'Làm việc':<10}Lý do")
        for day, working, reason in days:
            weekday = WEEKDAY_NAMES[day.weekday()]
            self.stdout.write(
                f"{day:%d/%m/%Y}  {weekday:<10}{'có' if working else 'nghỉ':<10}{reason}"
            )
        total = sum(1 for _, working, _ in days if working)
        self.stdout.write(f"Tổng số ngày làm việc: {total}/{len(days)}")

    def _due(self, options: dict[str, Any]) -> None:
        start = _parse_moment(options["start"])
        amount = _parse_amount(options["amount"])
        try:
            unit = TimeLimitUnit(options["unit"])
        except ValueError:
            choices = ", ".join(u.value for u in TimeLimitUnit)
            raise CommandError(
                f"Đơn vị thời hạn không hợp lệ: “{options['unit']}” (chọn: {choices})."
            ) from None
        cutoff = _parse_time(options["cutoff"]) if options.get("cutoff") else None
        calendar = calendar_for(self._agency(options.get("agency")))
        due = calendar.due(start, amount, unit, cutoff)
        if options["json"]:
            self._out({"due": due.isoformat()})
            return
        shown = f"{amount.normalize():f}"
        self.stdout.write(
            f"Tiếp nhận: {start.astimezone(TZ):%H:%M, %d/%m/%Y}; thời hạn: {shown} {unit.label}"
        )
        self.stdout.write(
            f"Hạn xử lý: {due:%H} giờ {due:%M} phút, {_weekday_lower(due)} ngày {due:%d/%m/%Y}"
        )

    def _lunar(self, options: dict[str, Any]) -> None:
        try:
            day = date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(
                f"Ngày dương lịch không hợp lệ: “{options['date']}” (dạng YYYY-MM-DD)."
            ) from None
        lunar = solar_to_lunar(day)
        if options["json"]:
            self._out(
                {
                    "date": day.isoformat(),
                    "lunar": {
                        "day": lunar.day,
                        "month": lunar.month,
                        "year": lunar.year,
                        "leap": lunar.leap,
                    },
                }
            )
            return
        self.stdout.write(f"{day:%d/%m/%Y} dương lịch là ngày {lunar}")

    def _solar(self, options: dict[str, Any]) -> None:
        parts = options["date"].split("/")
        try:
            day, month, year = (int(p) for p in parts)
        except ValueError:
            raise CommandError(
                f"Ngày âm lịch không hợp lệ: “{options['date']}” (dạng ngày/tháng/năm)."
            ) from None
        solar = lunar_to_solar(day, month, year, options["leap"])
        if options["json"]:
            self._out({"date": solar.isoformat()})
            return
        leap = " nhuận" if options["leap"] else ""
        self.stdout.write(f"{day}/{month}{leap}/{year} âm lịch là ngày {solar:%d/%m/%Y}")
