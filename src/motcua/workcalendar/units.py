"""Units a statutory time limit can be expressed in. Pure data, shared by the catalogue
(structured time limits) and the calendar (due-date arithmetic).

766-formula's ``DonViTinh`` knows "Giờ, Ngày, Ngày làm việc, tháng" (rules.md §1.7); the
published procedures also say "Trong ngày làm việc" (same day).
"""

from __future__ import annotations

from django.db import models


class TimeLimitUnit(models.TextChoices):
    WORKING_HOURS = "working_hours", "giờ làm việc"
    WORKING_DAYS = "working_days", "ngày làm việc"
    CALENDAR_DAYS = "calendar_days", "ngày"
    MONTHS = "months", "tháng"
    SAME_DAY = "same_day", "trong ngày làm việc"
