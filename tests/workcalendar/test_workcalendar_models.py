"""The database calendar: seeded on a fresh install, identical to the pure rules, editable by
administrators (the engine sees every change), per-agency schedules and overrides."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from motcua.accounts.models import User
from motcua.agencies.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel
from motcua.common.errors import ValidationFailed
from motcua.workcalendar import selectors
from motcua.workcalendar.engine import TZ, WorkingCalendar
from motcua.workcalendar.models import DayOverride, HolidayRule, WorkingSchedule
from motcua.workcalendar.rules import DEFAULT_YEARS
from motcua.workcalendar.selectors import calendar_for
from motcua.workcalendar.services import (
    day_off_add,
    day_override_set,
    holiday_rule_add,
    working_day_add,
)
from motcua.workcalendar.units import TimeLimitUnit

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency() -> Agency:
    unit = AdministrativeUnit.objects.create(
        code="56", name="Tỉnh Khánh Hòa", level=UnitLevel.PROVINCE, division_type="Tỉnh"
    )
    return Agency.objects.create(
        code="000.00.16.H41",
        name="Trung tâm Phục vụ hành chính công tỉnh",
        kind=AgencyKind.PROVINCIAL_SERVICE_CENTER,
        unit=unit,
    )


def test_a_fresh_install_has_the_calendar() -> None:
    assert set(HolidayRule.objects.values_list("code", flat=True)) == {
        "tet-duong-lich",
        "tet-nguyen-dan",
        "gio-to-hung-vuong",
        "ngay-chien-thang",
        "quoc-te-lao-dong",
        "quoc-khanh-2012",
        "quoc-khanh",
    }
    assert DayOverride.objects.filter(rule__code="tet-nguyen-dan").count() == 8 * 5
    assert DayOverride.objects.filter(working=True).count() == 6
    default = WorkingSchedule.objects.get(agency__isnull=True)
    assert default.weekdays() == frozenset({0, 1, 2, 3, 4})
    assert default.periods() == ((time(7), time(11, 30)), (time(13, 30), time(17)))
    assert default.cutoff == time(15)


def test_the_database_calendar_is_exactly_the_pure_calendar(shipped: WorkingCalendar) -> None:
    from_db = calendar_for()
    for year in DEFAULT_YEARS:
        assert from_db.year_days(year) == shipped.year_days(year), year


def test_calendars_are_cached_until_a_change(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    first = calendar_for()
    with django_assert_num_queries(0):
        assert calendar_for() is first
    day_off_add(date(2026, 3, 10), "Nghỉ theo quyết định của UBND tỉnh")
    assert calendar_for() is not first


def test_an_administrator_adds_a_day_off(shipped: WorkingCalendar) -> None:
    start = datetime(2026, 3, 9, 9, 0, tzinfo=TZ)
    assert calendar_for().due(start, 1, TimeLimitUnit.WORKING_DAYS).date() == date(2026, 3, 10)
    DayOverride.objects.create(
        date=date(2026, 3, 10), working=False, reason="Nghỉ theo quyết định của UBND tỉnh"
    )
    calendar = calendar_for()
    assert not calendar.is_working_day(date(2026, 3, 10))
    assert calendar.day_reason(date(2026, 3, 10)) == "Nghỉ theo quyết định của UBND tỉnh"
    assert calendar.due(start, 1, TimeLimitUnit.WORKING_DAYS).date() == date(2026, 3, 11)
    DayOverride.objects.filter(date=date(2026, 3, 10)).delete()
    assert calendar_for().is_working_day(date(2026, 3, 10))


def test_an_administrator_adds_a_working_saturday() -> None:
    assert not calendar_for().is_working_day(date(2027, 1, 9))
    working_day_add(date(2027, 1, 9), legal_source="Công văn …/VPCP-KGVX")
    calendar = calendar_for()
    assert calendar.is_working_day(date(2027, 1, 9))
    assert calendar.day_reason(date(2027, 1, 9)) == "Làm bù (Thứ Bảy 09/01/2027)"


def test_an_administrator_adds_a_new_holiday_rule() -> None:
    holiday_rule_add(
        code="van-hoa-viet-nam",
        name="Ngày Văn hóa Việt Nam",
        calendar="solar",
        month=11,
        day=24,
        first_year=2027,
        legal_basis="BLLĐ sửa đổi (giả định trong phép thử)",
    )
    calendar = calendar_for()
    assert calendar.is_working_day(date(2026, 11, 24))
    assert calendar.day_reason(date(2027, 11, 24)) == "Ngày Văn hóa Việt Nam"
    # 24/11/2029 is a Saturday: the compensatory day is Monday 26/11 (BLLĐ Điều 111 khoản 3).
    assert calendar.day_reason(date(2029, 11, 26)) == "Nghỉ bù Ngày Văn hóa Việt Nam"


def test_the_prime_ministers_decision_replaces_the_default_tet_days() -> None:
    tet = HolidayRule.objects.get(code="tet-nguyen-dan")
    # Tết 2027 is Saturday 06/02. Default: 05/02 + 06–09/02, compensatory 10 and 11/02.
    calendar = calendar_for()
    assert [calendar.is_working_day(date(2027, 2, d)) for d in range(3, 13)] == [
        True, True, False, False, False, False, False, False, False, True,
    ]  # fmt: skip
    # Decided (hypothetically) as 2 days before and 3 after: 04/02–08/02, compensatory 09–10/02.
    for day in range(4, 9):
        day_override_set(day=date(2027, 2, day), working=False, rule=tet, legal_source="Thử")
    calendar = calendar_for()
    assert [calendar.is_working_day(date(2027, 2, d)) for d in range(3, 13)] == [
        True, False, False, False, False, False, False, False, True, True,
    ]  # fmt: skip
    assert calendar.day_reason(date(2027, 2, 4)) == "Tết Nguyên đán"
    assert calendar.day_reason(date(2027, 2, 10)) == "Nghỉ bù Tết Nguyên đán"


def test_an_agency_schedule_and_agency_overrides(agency: Agency) -> None:
    WorkingSchedule.objects.create(
        agency=agency, saturday=True, afternoon_start=None, afternoon_end=None,
        morning_start=time(7, 30), morning_end=time(16, 30), cutoff=time(16, 0),
    )  # fmt: skip
    own = calendar_for(agency)
    assert own.is_working_day(date(2026, 3, 14))
    assert own.daily_duration.total_seconds() == 9 * 3600
    assert not calendar_for().is_working_day(date(2026, 3, 14))
    day_off_add(date(2026, 3, 11), "Kiểm kê kho lưu trữ", agency=agency)
    assert not calendar_for(agency).is_working_day(date(2026, 3, 11))
    assert calendar_for().is_working_day(date(2026, 3, 11))
    # An agency's own row wins over the all-agency row of the same date.
    working_day_add(date(2026, 1, 2), "Trực tiếp nhận hồ sơ", agency=agency)
    assert calendar_for(agency).is_working_day(date(2026, 1, 2))
    assert not calendar_for().is_working_day(date(2026, 1, 2))


def test_changes_made_by_another_process_are_seen_after_revalidation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calendar_for()
    # bulk_create sends no signal: like a change made by another process.
    DayOverride.objects.bulk_create(
        [DayOverride(date=date(2026, 3, 12), working=False, reason="Nghỉ")]
    )
    assert calendar_for().is_working_day(date(2026, 3, 12))
    monkeypatch.setattr(selectors, "REVALIDATE_SECONDS", 0.0)
    assert not calendar_for().is_working_day(date(2026, 3, 12))


def test_one_override_per_date_and_scope(agency: Agency) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        DayOverride.objects.create(date=date(2026, 1, 2), working=True, reason="Trùng")
    DayOverride.objects.create(date=date(2026, 1, 2), agency=agency, reason="Riêng")
    with pytest.raises(IntegrityError), transaction.atomic():
        DayOverride.objects.create(date=date(2026, 1, 2), agency=agency, reason="Trùng")


def test_a_holiday_day_cannot_be_a_working_day() -> None:
    tet = HolidayRule.objects.get(code="tet-nguyen-dan")
    with pytest.raises(IntegrityError), transaction.atomic():
        DayOverride.objects.create(date=date(2030, 2, 1), working=True, rule=tet)
    with pytest.raises(ValidationFailed, match="phải là ngày nghỉ"):
        day_override_set(day=date(2030, 2, 1), working=True, rule=tet)


def test_only_one_default_schedule() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkingSchedule.objects.create()
    with pytest.raises(ValidationError):
        WorkingSchedule(agency=None).full_clean()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"calendar": "solar", "month": 2, "day": 30}, "không tồn tại trong dương lịch"),
        ({"calendar": "lunar", "month": 3, "day": 31}, "nhiều nhất 30 ngày"),
        ({"calendar": "solar", "month": 13, "day": 1}, "12"),
        ({"calendar": "solar", "month": 5, "day": 19, "last_year": 2020}, "Năm kết thúc"),
    ],
)
def test_bad_holiday_rules_are_refused_in_vietnamese(fields: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationFailed, match=message):
        holiday_rule_add(code="thu", name="Thử", first_year=2026, **fields)


def test_bad_schedules_are_refused_in_vietnamese(agency: Agency) -> None:
    schedule = WorkingSchedule(agency=agency, monday=False, tuesday=False, wednesday=False,
                               thursday=False, friday=False)  # fmt: skip
    with pytest.raises(ValidationError, match="ít nhất một ngày làm việc"):
        schedule.full_clean()
    schedule = WorkingSchedule(agency=agency, afternoon_start=time(11), afternoon_end=time(17))
    with pytest.raises(ValidationError, match="Buổi chiều phải bắt đầu sau"):
        schedule.full_clean()


@pytest.fixture
def admin_client() -> Client:
    user = User.objects.create_superuser("quantri", "qt@example.vn", "mat-khau-dai-123")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "name", ["workcalendar_holidayrule", "workcalendar_dayoverride", "workcalendar_workingschedule"]
)
def test_admin_pages_load(admin_client: Client, name: str) -> None:
    assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{name}_add")).status_code == 200


def test_admin_form_adds_a_day_off_the_engine_sees(admin_client: Client) -> None:
    assert calendar_for().is_working_day(date(2026, 6, 15))
    response = admin_client.post(
        reverse("admin:workcalendar_dayoverride_add"),
        {
            "date": "2026-06-15",
            "reason": "Nghỉ theo Quyết định của Chủ tịch UBND tỉnh",
            "legal_source": "Quyết định …/QĐ-UBND",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not calendar_for().is_working_day(date(2026, 6, 15))


def test_admin_form_refuses_a_day_off_without_a_reason(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:workcalendar_dayoverride_add"), {"date": "2026-06-15"}
    )
    assert response.status_code == 200
    assert "Hãy ghi lý do" in response.content.decode()


def test_a_rolled_back_change_does_not_stay_in_the_cache() -> None:
    class Rollback(Exception):
        pass

    seen_inside: list[bool] = []

    @transaction.atomic
    def change_then_fail() -> None:
        day_off_add(date(2026, 3, 13), "Nghỉ (sẽ bị hủy)")
        seen_inside.append(calendar_for().is_working_day(date(2026, 3, 13)))
        raise Rollback

    with pytest.raises(Rollback):
        change_then_fail()
    assert seen_inside == [False]
    assert calendar_for().is_working_day(date(2026, 3, 13))
