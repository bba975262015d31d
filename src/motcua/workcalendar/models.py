"""The calendar as administrators edit it: holiday rules, day overrides, working schedules.

What the engine sees is exactly ``rules.build_calendar_data(rules from HolidayRule, overrides
from DayOverride)`` with the weekdays/periods of the agency's WorkingSchedule (see
``selectors.calendar_for``). A fresh install is seeded from the shipped data by the data
migration ``0002_seed_calendar``.
"""

from __future__ import annotations

from datetime import date, time

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from motcua.common.models import TimeStampedModel
from motcua.workcalendar.lunar import FIRST_YEAR, LAST_YEAR
from motcua.workcalendar.rules import (
    DEFAULT_CUTOFF,
    CalendarKind,
    HolidayRuleSpec,
    OverrideSpec,
)


class CalendarKindChoices(models.TextChoices):
    SOLAR = CalendarKind.SOLAR.value, "Dương lịch"
    LUNAR = CalendarKind.LUNAR.value, "Âm lịch"


class HolidayRule(TimeStampedModel):
    """A holiday with paid leave (BLLĐ 2019 Điều 112 khoản 1; BLLĐ 2012 Điều 115 khoản 1)."""

    code = models.SlugField("mã", max_length=50, unique=True)
    name = models.CharField("tên ngày lễ", max_length=120)
    calendar = models.CharField(
        "loại lịch", max_length=5, choices=CalendarKindChoices.choices, default="solar"
    )
    month = models.PositiveSmallIntegerField(
        "tháng", validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    day = models.PositiveSmallIntegerField(
        "ngày", validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    offset = models.SmallIntegerField(
        "lệch so với ngày mốc (ngày)",
        default=0,
        validators=[MinValueValidator(-10), MaxValueValidator(10)],
        help_text="Ngày nghỉ đầu tiên cách ngày mốc bao nhiêu ngày. Ví dụ Tết Nguyên đán: −1 "
        "(nghỉ từ ngày cuối năm âm lịch).",
    )
    days = models.PositiveSmallIntegerField(
        "số ngày nghỉ", default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    first_year = models.PositiveSmallIntegerField(
        "áp dụng từ năm", validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    last_year = models.PositiveSmallIntegerField(
        "áp dụng đến năm",
        null=True,
        blank=True,
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)],
        help_text="Để trống nếu đang có hiệu lực.",
    )
    compensatory = models.BooleanField(
        "được nghỉ bù",
        default=True,
        help_text="Trùng ngày nghỉ hằng tuần thì được nghỉ bù vào ngày làm việc kế tiếp "
        "(BLLĐ 2019 Điều 111 khoản 3).",
    )
    decided_yearly = models.BooleanField(
        "Thủ tướng quyết định ngày cụ thể",
        default=False,
        help_text="Nếu đã nhập các ngày cụ thể của năm (ngày điều chỉnh gắn với ngày lễ này), "
        "các ngày đó thay cho ngày tính theo quy tắc (BLLĐ 2019 Điều 112 khoản 3).",
    )
    legal_basis = models.CharField("căn cứ pháp lý", max_length=255, blank=True)

    class Meta:
        verbose_name = "quy tắc ngày lễ"
        verbose_name_plural = "quy tắc ngày lễ"
        ordering = ["first_year", "month", "day", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="workcalendar_rule_month"
            ),
            models.CheckConstraint(
                condition=Q(day__gte=1, day__lte=31), name="workcalendar_rule_day"
            ),
            models.CheckConstraint(
                condition=Q(days__gte=1, days__lte=10), name="workcalendar_rule_days"
            ),
            models.CheckConstraint(
                condition=Q(last_year__isnull=True) | Q(last_year__gte=F("first_year")),
                name="workcalendar_rule_year_order",
            ),
        ]

    def __str__(self) -> str:
        kind = "âm lịch" if self.calendar == CalendarKind.LUNAR else "dương lịch"
        return f"{self.name} ({self.day}/{self.month} {kind})"

    def clean(self) -> None:
        if self.calendar == CalendarKind.LUNAR and self.day > 30:
            raise ValidationError({"day": "Tháng âm lịch có nhiều nhất 30 ngày."})
        if self.calendar == CalendarKind.SOLAR and self.month and self.day:
            try:
                date(2000, self.month, self.day)  # 2000 is a leap year: 29/2 is allowed
            except ValueError:
                raise ValidationError(
                    {"day": f"Ngày {self.day}/{self.month} không tồn tại trong dương lịch."}
                ) from None
        if self.last_year is not None and self.last_year < self.first_year:
            raise ValidationError({"last_year": "Năm kết thúc phải từ năm bắt đầu trở đi."})

    def to_spec(self) -> HolidayRuleSpec:
        return HolidayRuleSpec(
            code=self.code,
            name=self.name,
            calendar=CalendarKind(self.calendar),
            month=self.month,
            day=self.day,
            days=self.days,
            offset=self.offset,
            first_year=self.first_year,
            last_year=self.last_year,
            compensatory=self.compensatory,
            decided_yearly=self.decided_yearly,
            legal_basis=self.legal_basis,
        )


class DayOverride(TimeStampedModel):
    """A day decided by a text: a concrete holiday day decided by the Prime Minister, a swapped
    day off (nghỉ hoán đổi), a Saturday worked instead (làm bù), a local day off."""

    date = models.DateField("ngày")
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_overrides",
        verbose_name="cơ quan áp dụng",
        help_text="Để trống: áp dụng cho mọi cơ quan.",
    )
    working = models.BooleanField(
        "là ngày làm việc",
        default=False,
        help_text="Đánh dấu cho ngày làm bù (ví dụ thứ Bảy đi làm thay ngày nghỉ hoán đổi); "
        "bỏ trống cho ngày nghỉ.",
    )
    rule = models.ForeignKey(
        HolidayRule,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="decided_days",
        verbose_name="thuộc ngày lễ",
        help_text="Chọn khi ngày này là một ngày cụ thể của ngày lễ do Thủ tướng quyết định "
        "(ví dụ các ngày nghỉ Tết Nguyên đán); khi đó vẫn được tính nghỉ bù.",
    )
    reason = models.CharField("lý do", max_length=200, blank=True)
    legal_source = models.CharField("văn bản", max_length=255, blank=True)

    class Meta:
        verbose_name = "ngày nghỉ / ngày làm bù"
        verbose_name_plural = "ngày nghỉ / ngày làm bù"
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(agency__isnull=True),
                name="workcalendar_override_one_per_date",
                violation_error_message="Ngày này đã có điều chỉnh áp dụng cho mọi cơ quan.",
            ),
            models.UniqueConstraint(
                fields=["date", "agency"],
                condition=Q(agency__isnull=False),
                name="workcalendar_override_one_per_date_agency",
                violation_error_message="Cơ quan này đã có điều chỉnh cho ngày này.",
            ),
            models.CheckConstraint(
                condition=Q(rule__isnull=True) | Q(working=False),
                name="workcalendar_override_holiday_is_off",
                violation_error_message="Ngày thuộc một ngày lễ phải là ngày nghỉ.",
            ),
        ]

    def __str__(self) -> str:
        kind = "làm việc" if self.working else "nghỉ"
        return f"{self.date:%d/%m/%Y} — {kind}: {self.display_reason}"

    @property
    def display_reason(self) -> str:
        if self.reason:
            return self.reason
        return self.rule.name if self.rule_id is not None and self.rule else ""

    def clean(self) -> None:
        if self.rule_id is not None and self.working:
            raise ValidationError({"working": "Ngày thuộc một ngày lễ phải là ngày nghỉ."})
        if self.rule_id is None and not self.reason.strip():
            raise ValidationError({"reason": "Hãy ghi lý do (ví dụ “Nghỉ hoán đổi”, “Làm bù”)."})

    def to_spec(self) -> OverrideSpec:
        rule_code = self.rule.code if self.rule_id is not None and self.rule else None
        return OverrideSpec(
            day=self.date,
            working=self.working,
            reason=self.display_reason,
            source=self.legal_source,
            rule=rule_code,
        )


class WorkingSchedule(TimeStampedModel):
    """Working weekdays, working periods and cut-off hour of an agency (or the default).

    Whether Saturday-morning counter opening counts toward deadlines is not settled by Nghị
    định 118/2025, hence configurable; the default is Monday–Friday, 07:00–11:30 and
    13:30–17:00, cut-off 15:00 (Nghị định 118/2025 Điều 18 khoản 2).
    """

    agency = models.OneToOneField(
        "agencies.Agency",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="working_schedule",
        verbose_name="cơ quan",
        help_text="Để trống: lịch làm việc mặc định cho các cơ quan không có lịch riêng.",
    )
    monday = models.BooleanField("thứ Hai", default=True)
    tuesday = models.BooleanField("thứ Ba", default=True)
    wednesday = models.BooleanField("thứ Tư", default=True)
    thursday = models.BooleanField("thứ Năm", default=True)
    friday = models.BooleanField("thứ Sáu", default=True)
    saturday = models.BooleanField("thứ Bảy", default=False)
    sunday = models.BooleanField("Chủ nhật", default=False)
    morning_start = models.TimeField("buổi sáng từ", default=time(7, 0))
    morning_end = models.TimeField("buổi sáng đến", default=time(11, 30))
    afternoon_start = models.TimeField("buổi chiều từ", null=True, blank=True, default=time(13, 30))
    afternoon_end = models.TimeField("buổi chiều đến", null=True, blank=True, default=time(17, 0))
    cutoff = models.TimeField(
        "giờ tiếp nhận chậm nhất trong ngày",
        default=DEFAULT_CUTOFF,
        help_text="Hồ sơ tiếp nhận từ giờ này được tính từ đầu ngày làm việc kế tiếp "
        "(Nghị định 118/2025/NĐ-CP Điều 18 khoản 2).",
    )

    WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

    class Meta:
        verbose_name = "lịch làm việc"
        verbose_name_plural = "lịch làm việc"
        constraints = [
            models.UniqueConstraint(
                Coalesce("agency", models.Value(0)),
                name="workcalendar_schedule_one_default",
                violation_error_message="Đã có lịch làm việc mặc định (hoặc của cơ quan này).",
            ),
            models.CheckConstraint(
                condition=Q(morning_start__lt=F("morning_end")),
                name="workcalendar_schedule_morning_order",
            ),
            models.CheckConstraint(
                condition=Q(afternoon_start__isnull=True, afternoon_end__isnull=True)
                | Q(
                    afternoon_start__gte=F("morning_end"),
                    afternoon_end__gt=F("afternoon_start"),
                ),
                name="workcalendar_schedule_afternoon_order",
            ),
        ]

    def __str__(self) -> str:
        return f"Lịch làm việc — {self.agency}" if self.agency_id else "Lịch làm việc mặc định"

    def weekdays(self) -> frozenset[int]:
        return frozenset(i for i, name in enumerate(self.WEEKDAY_FIELDS) if getattr(self, name))

    def periods(self) -> tuple[tuple[time, time], ...]:
        morning = (self.morning_start, self.morning_end)
        if self.afternoon_start is None or self.afternoon_end is None:
            return (morning,)
        return (morning, (self.afternoon_start, self.afternoon_end))

    def clean(self) -> None:
        if not self.weekdays():
            raise ValidationError("Cần chọn ít nhất một ngày làm việc trong tuần.")
        if self.morning_start >= self.morning_end:
            raise ValidationError({"morning_end": "Giờ kết thúc buổi sáng phải sau giờ bắt đầu."})
        if (self.afternoon_start is None) != (self.afternoon_end is None):
            raise ValidationError(
                {"afternoon_end": "Nhập đủ giờ bắt đầu và kết thúc buổi chiều, hoặc bỏ trống."}
            )
        if self.afternoon_start is not None and self.afternoon_end is not None:
            if self.afternoon_start < self.morning_end:
                raise ValidationError(
                    {"afternoon_start": "Buổi chiều phải bắt đầu sau khi buổi sáng kết thúc."}
                )
            if self.afternoon_start >= self.afternoon_end:
                raise ValidationError(
                    {"afternoon_end": "Giờ kết thúc buổi chiều phải sau giờ bắt đầu."}
                )
