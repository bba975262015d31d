"""Admin pages: administrators add a day off, a working Saturday or a new holiday rule here,
without a code change. Saving drops the cached calendars (signals in ``apps.py``)."""

from __future__ import annotations

from django.contrib import admin

from motcua.workcalendar.models import DayOverride, HolidayRule, WorkingSchedule
from motcua.workcalendar.rules import WEEKDAY_NAMES


@admin.register(HolidayRule)
class HolidayRuleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "calendar",
        "day",
        "month",
        "offset",
        "days",
        "first_year",
        "last_year",
        "compensatory",
        "decided_yearly",
    )
    list_filter = ("calendar", "compensatory", "decided_yearly")
    search_fields = ("name", "code", "legal_basis")
    prepopulated_fields = {"code": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "code", "legal_basis")}),
        ("Ngày nghỉ", {"fields": ("calendar", "day", "month", "offset", "days")}),
        ("Hiệu lực", {"fields": ("first_year", "last_year", "compensatory", "decided_yearly")}),
    )


@admin.register(DayOverride)
class DayOverrideAdmin(admin.ModelAdmin):
    list_display = (
        "date",
        "weekday",
        "working",
        "display_reason",
        "rule",
        "agency",
        "legal_source",
    )
    list_filter = ("working", "rule", ("agency", admin.EmptyFieldListFilter))
    search_fields = ("reason", "legal_source", "agency__name", "agency__code")
    date_hierarchy = "date"
    autocomplete_fields = ("agency",)
    list_select_related = ("rule", "agency")

    @admin.display(description="thứ")
    def weekday(self, obj: DayOverride) -> str:
        return WEEKDAY_NAMES[obj.date.weekday()]

    @admin.display(description="lý do")
    def display_reason(self, obj: DayOverride) -> str:
        return obj.display_reason


@admin.register(WorkingSchedule)
class WorkingScheduleAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "morning_start",
        "morning_end",
        "afternoon_start",
        "afternoon_end",
        "cutoff",
    )
    autocomplete_fields = ("agency",)
    fieldsets = (
        (None, {"fields": ("agency",)}),
        (
            "Ngày làm việc trong tuần",
            {
                "fields": (
                    "monday",
                    "tuesday",
                    "wednesday",
                    "thursday",
                    "friday",
                    "saturday",
                    "sunday",
                )
            },
        ),
        (
            "Giờ làm việc",
            {
                "fields": (
                    "morning_start",
                    "morning_end",
                    "afternoon_start",
                    "afternoon_end",
                    "cutoff",
                )
            },
        ),
    )
