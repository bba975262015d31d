"""Writes of the counter queue: the only code that changes tickets and counters.

ND 118/2025/NĐ-CP Điều 13 khoản 2 điểm b: automatic queue-ticket machines connected to the
system, counters grouped by field with priority for the elderly, pregnant women and people
with disabilities. Every action writes a :class:`TicketEvent` and an audit entry
(``audit.services.audit_log``) in the same transaction.

Calling the next ticket is safe under concurrency: the counter row is locked (one call at a
time per counter), the candidate ticket is taken with ``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL (two counters never wait on, nor take, the same ticket), and the change of status is
a conditional ``UPDATE … WHERE status = 'waiting'`` that is retried when another transaction won
(the SQLite path, where ``SKIP LOCKED`` does not exist). A partial unique index keeps at most one
called or served ticket per counter.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.accounts.access import roles_of
from motcua.accounts.models import User
from motcua.accounts.roles import Role
from motcua.audit.services import audit_log
from motcua.common.errors import NotFound, PermissionDenied, ValidationFailed
from motcua.queueing.models import (
    AT_COUNTER,
    Counter,
    EventKind,
    Priority,
    ServiceGroup,
    Site,
    Ticket,
    TicketDossier,
    TicketEvent,
    TicketSequence,
    TicketStatus,
)
from motcua.workcalendar.selectors import calendar_for

#: Roles that may work at a counter of a site's agency (the one-stop unit's staff, ND 118 Đ11).
COUNTER_ROLES = frozenset(
    {Role.RECEPTION_OFFICER, Role.SPECIALIST, Role.DEPARTMENT_HEAD, Role.CENTER_DIRECTOR}
)
#: Minutes of grace after a booked slot during which a check-in keeps the slot's place.
BOOKING_GRACE = dt.timedelta(minutes=15)
#: Length of a bookable slot.
SLOT = dt.timedelta(minutes=30)
CALL_RETRIES = 20
BOOKING_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"


class QueueError(ValidationFailed):
    """A queue action refused, with a Vietnamese reason for the officer or the citizen."""


# --- opening hours -------------------------------------------------------------------------


def site_hours(site: Site, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    """Opening and closing moments of ``site`` on ``day`` from the working-day calendar of its
    agency (``workcalendar.selectors.calendar_for``); None on a day off."""
    calendar = calendar_for(site.agency)
    if not calendar.is_working_day(day):
        return None
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(day, calendar.periods[0][0], tzinfo=tz)
    end = dt.datetime.combine(day, calendar.periods[-1][1], tzinfo=tz)
    return start, end


def site_open(site: Site, moment: dt.datetime) -> bool:
    """Whether the kiosk issues tickets at ``moment``: a working day, from
    ``MOTCUA_QUEUE_EARLY_MINUTES`` before opening until closing (the lunch break included:
    citizens may queue then). Always true when ``MOTCUA_QUEUE_OPENING_HOURS`` is off."""
    if not getattr(settings, "MOTCUA_QUEUE_OPENING_HOURS", True):
        return True
    local = timezone.localtime(moment)
    hours = site_hours(site, local.date())
    if hours is None:
        return False
    early = dt.timedelta(minutes=int(getattr(settings, "MOTCUA_QUEUE_EARLY_MINUTES", 30)))
    return hours[0] - early <= local < hours[1]


# --- helpers -------------------------------------------------------------------------------


def _now(at: dt.datetime | None) -> dt.datetime:
    if at is not None and timezone.is_naive(at):
        raise ValueError("queue moments must be timezone-aware")
    return at or timezone.now()


def _seconds(start: dt.datetime | None, end: dt.datetime) -> int | None:
    """Whole seconds from ``start`` to ``end`` (never negative); None without a start."""
    if start is None:
        return None
    return max(0, int((end - start).total_seconds()))


def _record(
    ticket: Ticket,
    kind: EventKind,
    at: dt.datetime,
    *,
    actor: User | None = None,
    counter: Counter | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    payload = {"number": ticket.number, "day": ticket.day.isoformat(), **(data or {})}
    TicketEvent.objects.create(
        ticket=ticket,
        site_id=ticket.site_id,
        kind=kind.value,
        at=at,
        counter=counter,
        officer=actor,
        data=payload,
    )
    audit_log(
        actor=actor,
        action=f"queue.{kind.value}",
        object_type="queue_ticket",
        object_id=str(ticket.pk),
        agency_id=ticket.site.agency_id,
        data={**payload, "counter": counter.number if counter else None},
        at=None,
    )


def _next_number(site: Site, day: dt.date) -> int:
    """Next ticket number of ``site`` on ``day`` (an upsert under the row lock, as the dossier
    codes do: gapless, a rolled-back issue gives its number back)."""
    table = connection.ops.quote_name(TicketSequence._meta.db_table)
    sql = (
        f"INSERT INTO {table} (site_id, day, last_value) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (site_id, day) DO UPDATE SET last_value = {table}.last_value + 1 "
        "RETURNING last_value"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [site.pk, connection.ops.adapt_datefield_value(day)])
        row = cursor.fetchone()
    if row is None:  # pragma: no cover - RETURNING always yields the row
        raise RuntimeError("the ticket sequence upsert returned nothing")
    return int(row[0])


def _check_group(site: Site, group: ServiceGroup) -> None:
    if group.site_id != site.pk:
        raise QueueError(_("Nhóm dịch vụ không thuộc điểm này."))
    if not group.active:
        raise QueueError(_("Nhóm “%(name)s” đang tạm ngừng nhận số.") % {"name": group.name})
    if not site.active:
        raise QueueError(_("Điểm tiếp nhận đang tạm ngừng hoạt động."))


def _check_priority(priority: str) -> str:
    try:
        return Priority(priority or "").value
    except ValueError:
        raise QueueError(_("Loại ưu tiên không hợp lệ.")) from None


# --- kiosk ---------------------------------------------------------------------------------


def ticket_issue(
    *, site: Site, group: ServiceGroup, priority: str = "", at: dt.datetime | None = None
) -> Ticket:
    """Issue a ticket at the kiosk (ND 118 Đ13.2b: automatic queue-ticket machine). A priority
    ticket (elderly, pregnant, disability, other) is called before ordinary ones."""
    moment = _now(at)
    _check_group(site, group)
    priority = _check_priority(priority)
    if not site_open(site, moment):
        raise QueueError(_("Ngoài giờ làm việc: máy lấy số tạm ngừng. Xin mời quay lại sau."))
    day = timezone.localtime(moment).date()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            site=site,
            group=group,
            day=day,
            number=_next_number(site, day),
            priority=priority,
            status=TicketStatus.WAITING,
            issued_at=moment,
            queued_at=moment,
        )
        _record(ticket, EventKind.ISSUE, moment, data={"group": group.code, "priority": priority})
    return ticket


def slot_starts(site: Site, day: dt.date) -> list[dt.datetime]:
    """The bookable slot starts of ``day`` (every ``SLOT`` inside the working periods)."""
    calendar = calendar_for(site.agency)
    if not calendar.is_working_day(day):
        return []
    tz = timezone.get_default_timezone()
    slots: list[dt.datetime] = []
    for start_t, end_t in calendar.periods:
        start = dt.datetime.combine(day, start_t, tzinfo=tz)
        end = dt.datetime.combine(day, end_t, tzinfo=tz)
        while start + SLOT <= end:
            slots.append(start)
            start += SLOT
    return slots


def _booking_code() -> str:
    return "".join(secrets.choice(BOOKING_ALPHABET) for _i in range(8))


def clean_phone(raw: str) -> str:
    """A Vietnamese phone number as digits (``+84`` → ``0``); "" when none given."""
    text = (raw or "").strip().replace(" ", "").replace(".", "").replace("-", "")
    if not text:
        return ""
    if text.startswith("+84"):
        text = "0" + text[3:]
    if not text.isdigit() or not 9 <= len(text) <= 11:
        raise QueueError(_("Số điện thoại không hợp lệ: nhập 10 chữ số, ví dụ 0912345678."))
    return text


def _clean_email(raw: str) -> str:
    text = (raw or "").strip()
    if not text:
        return ""
    try:
        validate_email(text)
    except DjangoValidationError:
        raise QueueError(_("Địa chỉ thư điện tử không hợp lệ.")) from None
    return text


def reminder_keys(ticket: Ticket) -> list[str]:
    return [f"queue-remind:{ticket.pk}:email", f"queue-remind:{ticket.pk}:sms"]


def _ascii(text: str) -> str:
    """SMS text without diacritics (as the portal's SMS templates)."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in plain if not unicodedata.combining(c))


def reminder_due(ticket: Ticket) -> dt.datetime | None:
    """When the booking's reminder is sent (None: no reminder — no contact, or booked too
    close to the slot)."""
    if ticket.booked_for is None or not (ticket.contact_phone or ticket.contact_email):
        return None
    hours = float(settings.MOTCUA_QUEUE_REMINDER_HOURS)
    when = ticket.booked_for - dt.timedelta(hours=hours)
    return when if when > ticket.issued_at else None


def _schedule_reminder(ticket: Ticket, moment: dt.datetime) -> int:
    """Queue the booking's reminder in the portal's notification outbox, to be sent
    ``MOTCUA_QUEUE_REMINDER_HOURS`` (2) before the slot; none when the slot is nearer."""
    from motcua.portal import notify

    when = reminder_due(ticket)
    if when is None or ticket.booked_for is None or when <= moment:
        return 0
    local = timezone.localtime(ticket.booked_for)
    base = str(getattr(settings, "MOTCUA_PUBLIC_BASE_URL", "")).rstrip("/")
    cancel = f"{base}/xep-hang/dat-lich/huy/"
    site = ticket.site.name
    queued = 0
    if ticket.contact_email:
        body = (
            f"Nhắc lịch hẹn lấy số tại {site}: {local:%H:%M} ngày {local:%d/%m/%Y}, nhóm "
            f"{ticket.group.code} — {ticket.group.name}.\n"
            f"Mã đặt lịch: {ticket.booking_code}. Khi đến, nhập mã (hoặc quét mã QR) tại máy "
            f"lấy số để vào hàng chờ; đến muộn quá 15 phút thì vào hàng theo giờ xác nhận.\n"
            f"Không đến được? Hủy lịch tại: {cancel}"
        )
        queued += notify.enqueue(
            key=f"queue-remind:{ticket.pk}:email",
            channel="email",
            to=ticket.contact_email,
            subject=f"Nhắc lịch hẹn {local:%H:%M %d/%m/%Y} — mã {ticket.booking_code}",
            body=body,
            not_before=when,
        )
    if ticket.contact_phone:
        sms = _ascii(
            f"Nhac lich hen lay so {local:%H:%M %d/%m} tai {site}, ma {ticket.booking_code}. "
            f"Huy lich: {cancel}"
        )
        queued += notify.enqueue(
            key=f"queue-remind:{ticket.pk}:sms",
            channel="sms",
            to=ticket.contact_phone,
            subject="",
            body=sms,
            not_before=when,
        )
    return queued


def ticket_book(
    *,
    site: Site,
    group: ServiceGroup,
    slot: dt.datetime,
    actor: User | None = None,
    priority: str = "",
    phone: str = "",
    email: str = "",
    at: dt.datetime | None = None,
) -> Ticket:
    """Book a ticket ahead for a time slot (online): a slot of a working day's opening hours
    (working-day calendar), in the future, with room left (``slot_capacity`` per group). It
    joins the queue when checked in at the kiosk with its booking code
    (:func:`ticket_check_in`). ``phone`` (needed to cancel online, :func:`booking_cancel`) and
    ``email`` receive a reminder through the portal's notification outbox."""
    moment = _now(at)
    _check_group(site, group)
    priority = _check_priority(priority)
    phone = clean_phone(phone)
    email = _clean_email(email)
    if timezone.is_naive(slot):
        raise ValueError("slot must be timezone-aware")
    if group.slot_capacity == 0:
        raise QueueError(_("Nhóm “%(name)s” không nhận đặt lịch trước.") % {"name": group.name})
    local = timezone.localtime(slot)
    if slot <= moment:
        raise QueueError(_("Khung giờ đã qua: hãy chọn một khung giờ sau thời điểm hiện tại."))
    slots = slot_starts(site, local.date())
    if not slots:
        raise QueueError(
            _(
                "Ngày %(day)s là ngày nghỉ: điểm tiếp nhận không làm việc. "
                "Xin chọn một ngày làm việc."
            )
            % {"day": f"{local:%d/%m/%Y}"}
        )
    if local not in slots:
        raise QueueError(_("Khung giờ không nằm trong giờ làm việc của điểm tiếp nhận."))
    with transaction.atomic():
        Site.objects.select_for_update().filter(pk=site.pk).first()  # serialise bookings
        taken = Ticket.objects.filter(group=group, booked_for=slot).exclude(
            status=TicketStatus.CANCELLED
        )
        if taken.count() >= group.slot_capacity:
            raise QueueError(_("Khung giờ này đã đủ lượt đặt. Xin chọn khung giờ khác."))
        ticket = Ticket.objects.create(
            site=site,
            group=group,
            day=local.date(),
            number=_next_number(site, local.date()),
            priority=priority,
            status=TicketStatus.BOOKED,
            issued_at=moment,
            booked_for=slot,
            booking_code=_booking_code(),
            contact_phone=phone,
            contact_email=email,
        )
        _record(
            ticket,
            EventKind.BOOK,
            moment,
            actor=actor,
            data={"group": group.code, "slot": local.isoformat()},
        )
        _schedule_reminder(ticket, moment)
    return ticket


def booking_find(booking_code: str, phone_digits: str) -> Ticket:
    """A booking by its code and the last 4 digits of its phone (the citizen's proof); the
    same answer for a wrong code and wrong digits, so neither can be probed."""
    code = _booking_code_of(booking_code)
    digits = "".join(c for c in (phone_digits or "") if c.isdigit())
    wrong = QueueError(_("Mã đặt lịch hoặc 4 số cuối điện thoại không đúng."))
    if len(code) != 8 or len(digits) != 4:
        raise QueueError(_("Nhập mã đặt lịch (8 ký tự) và 4 số cuối của số điện thoại đã đăng ký."))
    ticket = (
        Ticket.objects.select_related("site", "group")
        .filter(booking_code=code)
        .exclude(contact_phone="")
        .first()
    )
    if ticket is None or not hmac.compare_digest(ticket.contact_phone[-4:], digits):
        raise wrong
    return ticket


def booking_cancel(
    *, booking_code: str, phone_digits: str, at: dt.datetime | None = None
) -> Ticket:
    """The citizen cancels a booking not checked in yet (code + last 4 digits of the phone);
    its reminder is withdrawn from the outbox."""
    from motcua.portal import notify

    ticket = booking_find(booking_code, phone_digits)
    if ticket.status != TicketStatus.BOOKED:
        raise QueueError(_("Lịch hẹn này đã được xác nhận tại máy lấy số hoặc đã hủy."))
    with transaction.atomic():
        ticket = ticket_cancel(ticket=ticket, at=at)
        notify.withdraw(reminder_keys(ticket))
    return ticket


def _booking_code_of(raw: str) -> str:
    """The booking code typed, or scanned from its QR code (the code itself, or a link that
    ends with it)."""
    text = (raw or "").strip().upper().replace(" ", "").rstrip("/")
    return text.rsplit("/", 1)[-1].rsplit("=", 1)[-1]


def ticket_check_in(*, site: Site, booking_code: str, at: dt.datetime | None = None) -> Ticket:
    """Check in a booked ticket at the kiosk: it joins the queue at its slot's place when the
    citizen comes before the slot ends its grace time, else at the moment of check-in."""
    moment = _now(at)
    code = _booking_code_of(booking_code)
    if not code:
        raise QueueError(_("Hãy nhập mã đặt lịch."))
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update()
            .select_related("site")
            .filter(site=site, booking_code=code)
            .first()
        )
        if ticket is None:
            raise QueueError(_("Không tìm thấy lịch hẹn với mã này tại điểm tiếp nhận này."))
        if ticket.status != TicketStatus.BOOKED:
            raise QueueError(_("Lịch hẹn này đã được xác nhận hoặc đã hủy."))
        if ticket.day != timezone.localtime(moment).date():
            raise QueueError(
                _("Lịch hẹn này là ngày %(day)s, không phải hôm nay.")
                % {"day": f"{ticket.day:%d/%m/%Y}"}
            )
        slot = ticket.booked_for or moment
        on_time = moment <= slot + BOOKING_GRACE
        ticket.queued_at = slot if on_time else moment
        ticket.checked_in_at = moment
        ticket.status = TicketStatus.WAITING
        ticket.save(update_fields=["queued_at", "checked_in_at", "status"])
        _record(ticket, EventKind.CHECK_IN, moment, data={"on_time": on_time})
        from motcua.portal import notify

        notify.withdraw(reminder_keys(ticket))  # came early: no reminder any more
    return ticket


def ticket_cancel(
    *, ticket: Ticket, actor: User | None = None, at: dt.datetime | None = None
) -> Ticket:
    """Cancel a booked or waiting ticket (the citizen gave up, or a booking withdrawn)."""
    moment = _now(at)
    with transaction.atomic():
        done = Ticket.objects.filter(
            pk=ticket.pk, status__in=[TicketStatus.BOOKED, TicketStatus.WAITING]
        ).update(status=TicketStatus.CANCELLED, finished_at=moment)
        if not done:
            raise QueueError(_("Chỉ hủy được vé đang chờ hoặc lịch hẹn chưa đến."))
        ticket.refresh_from_db()
        _record(ticket, EventKind.CANCEL, moment, actor=actor)
    return ticket


# --- counters ------------------------------------------------------------------------------


def may_work_at(user: Any, site: Site) -> bool:
    """Officers of the site's agency with a counter role (least privilege)."""
    return bool(roles_of(user, site.agency) & COUNTER_ROLES)


def counter_sign_in(*, counter: Counter, officer: User, at: dt.datetime | None = None) -> Counter:
    """The officer starts working at ``counter`` (and leaves any other counter)."""
    moment = _now(at)
    if not counter.active:
        raise QueueError(_("%(counter)s đang tạm ngừng hoạt động.") % {"counter": counter})
    if not may_work_at(officer, counter.site):
        raise PermissionDenied(_("Bạn không có vai trò làm việc tại quầy của điểm này."))
    with transaction.atomic():
        locked = Counter.objects.select_for_update().get(pk=counter.pk)
        if locked.officer_id not in (None, officer.pk):
            held = Ticket.objects.filter(counter=locked, status__in=AT_COUNTER).exists()
            if held:
                raise QueueError(
                    _("%(counter)s đang có cán bộ khác phục vụ công dân; chờ cán bộ đó kết thúc.")
                    % {"counter": locked}
                )
        for other in (
            Counter.objects.select_for_update().filter(officer=officer).exclude(pk=locked.pk)
        ):
            if Ticket.objects.filter(counter=other, status__in=AT_COUNTER).exists():
                raise QueueError(
                    _("Bạn đang phục vụ một vé tại %(counter)s: hãy kết thúc trước.")
                    % {"counter": other}
                )
            other.officer = None
            other.officer_since = None
            other.save(update_fields=["officer", "officer_since", "updated_at"])
        locked.officer = officer
        locked.officer_since = moment
        locked.save(update_fields=["officer", "officer_since", "updated_at"])
        audit_log(
            actor=officer,
            action="queue.counter_sign_in",
            object_type="queue_counter",
            object_id=str(locked.pk),
            agency_id=locked.site.agency_id,
            data={"site": locked.site.code, "counter": locked.number},
        )
    return locked


def counter_sign_out(*, counter: Counter, officer: User) -> Counter:
    with transaction.atomic():
        locked = Counter.objects.select_for_update().get(pk=counter.pk)
        if locked.officer_id != officer.pk:
            raise PermissionDenied(_("Bạn không làm việc tại quầy này."))
        if Ticket.objects.filter(counter=locked, status__in=AT_COUNTER).exists():
            raise QueueError(_("Hãy kết thúc hoặc chuyển vé đang phục vụ trước khi rời quầy."))
        locked.officer = None
        locked.officer_since = None
        locked.save(update_fields=["officer", "officer_since", "updated_at"])
        audit_log(
            actor=officer,
            action="queue.counter_sign_out",
            object_type="queue_counter",
            object_id=str(locked.pk),
            agency_id=locked.site.agency_id,
            data={"site": locked.site.code, "counter": locked.number},
        )
    return locked


def _lock_counter(counter: Counter, officer: User) -> Counter:
    locked = Counter.objects.select_for_update().select_related("site").get(pk=counter.pk)
    if locked.officer_id != officer.pk:
        raise PermissionDenied(_("Bạn chưa nhận làm việc tại quầy này."))
    return locked


def current_ticket(counter: Counter) -> Ticket | None:
    """The ticket called to, or served at, ``counter`` (at most one)."""
    return (
        Ticket.objects.select_related("group", "site")
        .filter(counter=counter, status__in=AT_COUNTER)
        .first()
    )


def queue_order() -> list[Any]:
    """Priority tickets first, then by their place in the queue (ND 118 Đ13.2b)."""
    return [
        Case(When(priority="", then=Value(1)), default=Value(0), output_field=IntegerField()),
        "queued_at",
        "id",
    ]


def callable_by(counter: Counter, group_ids: Iterable[int]) -> QuerySet[Ticket]:
    """Waiting tickets ``counter`` may call: those of its groups not sent to a given counter,
    and those transferred to it."""
    return Ticket.objects.filter(site_id=counter.site_id, status=TicketStatus.WAITING).filter(
        Q(group_id__in=list(group_ids), target_counter__isnull=True) | Q(target_counter=counter)
    )


def call_next(*, counter: Counter, officer: User, at: dt.datetime | None = None) -> Ticket | None:
    """Call the next ticket to ``counter``: priority first, then by order. None when nobody is
    waiting. Two counters calling at once never get the same ticket (module docstring)."""
    moment = _now(at)
    with transaction.atomic():
        locked = _lock_counter(counter, officer)
        held = current_ticket(locked)
        if held is not None:
            raise QueueError(
                _(
                    "Quầy đang có vé số %(number)s: hãy bắt đầu, kết thúc, chuyển hoặc "
                    "đánh dấu vắng mặt trước khi gọi số tiếp theo."
                )
                % {"number": held.number}
            )
        group_ids = list(locked.groups.values_list("pk", flat=True))
        for _attempt in range(CALL_RETRIES):
            candidates = callable_by(locked, group_ids).order_by(*queue_order())
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True, of=("self",))
            row = candidates.values_list("pk", "queued_at").first()
            if row is None:
                return None
            found, queued_at = row
            waited = _seconds(queued_at, moment)
            try:
                with transaction.atomic():
                    taken = Ticket.objects.filter(pk=found, status=TicketStatus.WAITING).update(
                        status=TicketStatus.CALLED,
                        counter=locked,
                        officer=officer,
                        target_counter=None,
                        called_at=moment,
                        first_called_at=Coalesce(F("first_called_at"), Value(moment)),
                        wait_seconds=Coalesce(
                            F("wait_seconds"), Value(waited, output_field=IntegerField())
                        ),
                        call_count=F("call_count") + 1,
                    )
            except IntegrityError:  # pragma: no cover - the counter lock prevents it
                raise QueueError(_("Quầy đang có vé khác. Xin thử lại.")) from None
            if taken:
                ticket = Ticket.objects.select_related("site", "group").get(pk=found)
                _record(ticket, EventKind.CALL, moment, actor=officer, counter=locked)
                return ticket
        raise QueueError(_("Nhiều quầy đang gọi cùng lúc. Xin bấm gọi lại."))  # pragma: no cover


def _held_ticket(
    counter: Counter, officer: User, statuses: Iterable[str]
) -> tuple[Counter, Ticket]:
    locked = _lock_counter(counter, officer)
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("site", "group")
        .filter(counter=locked, status__in=list(statuses))
        .first()
    )
    if ticket is None:
        raise QueueError(_("Quầy chưa gọi vé nào."))
    return locked, ticket


def ticket_recall(*, counter: Counter, officer: User, at: dt.datetime | None = None) -> Ticket:
    """Call the current ticket again (the display board shows and speaks it again)."""
    moment = _now(at)
    with transaction.atomic():
        locked, ticket = _held_ticket(counter, officer, [TicketStatus.CALLED])
        ticket.called_at = moment
        ticket.call_count += 1
        ticket.save(update_fields=["called_at", "call_count"])
        _record(ticket, EventKind.RECALL, moment, actor=officer, counter=locked)
    return ticket


def ticket_no_show(*, counter: Counter, officer: User, at: dt.datetime | None = None) -> Ticket:
    """Skip the called ticket: the citizen did not come (counted in the no-show rate)."""
    moment = _now(at)
    with transaction.atomic():
        locked, ticket = _held_ticket(counter, officer, [TicketStatus.CALLED])
        ticket.status = TicketStatus.NO_SHOW
        ticket.finished_at = moment
        ticket.save(update_fields=["status", "finished_at"])
        _record(ticket, EventKind.NO_SHOW, moment, actor=officer, counter=locked)
    return ticket


def ticket_start(*, counter: Counter, officer: User, at: dt.datetime | None = None) -> Ticket:
    """The citizen arrived at the counter: serving starts."""
    moment = _now(at)
    with transaction.atomic():
        locked, ticket = _held_ticket(counter, officer, AT_COUNTER)
        if ticket.status == TicketStatus.CALLED:
            ticket.status = TicketStatus.SERVING
            ticket.serving_started_at = moment
            ticket.save(update_fields=["status", "serving_started_at"])
            _record(ticket, EventKind.START, moment, actor=officer, counter=locked)
    return ticket


def ticket_finish(*, counter: Counter, officer: User, at: dt.datetime | None = None) -> Ticket:
    """Serving is over; the counter is free to call the next ticket and its rating screen asks
    the citizen to rate this service."""
    moment = _now(at)
    with transaction.atomic():
        locked, ticket = _held_ticket(counter, officer, AT_COUNTER)
        if ticket.serving_started_at is None:
            ticket.serving_started_at = moment
        ticket.status = TicketStatus.DONE
        ticket.finished_at = moment
        ticket.service_seconds = _seconds(ticket.serving_started_at, moment)
        ticket.save(
            update_fields=["status", "finished_at", "serving_started_at", "service_seconds"]
        )
        _record(ticket, EventKind.FINISH, moment, actor=officer, counter=locked)
    return ticket


def ticket_transfer(
    *,
    counter: Counter,
    officer: User,
    group: ServiceGroup | None = None,
    to_counter: Counter | None = None,
    at: dt.datetime | None = None,
) -> Ticket:
    """Send the current ticket to another group (it queues there at its original place) or to
    one counter (only that counter may call it next)."""
    moment = _now(at)
    if (group is None) == (to_counter is None):
        raise QueueError(_("Chọn một nhóm dịch vụ hoặc một quầy để chuyển vé."))
    with transaction.atomic():
        locked, ticket = _held_ticket(counter, officer, AT_COUNTER)
        data: dict[str, Any] = {"from_counter": locked.number}
        if group is not None:
            if group.site_id != ticket.site_id or not group.active:
                raise QueueError(_("Nhóm dịch vụ không thuộc điểm này hoặc đang tạm ngừng."))
            ticket.group = group
            ticket.target_counter = None
            data["to_group"] = group.code
        elif to_counter is not None:
            if to_counter.site_id != ticket.site_id or not to_counter.active:
                raise QueueError(_("Quầy nhận không thuộc điểm này hoặc đang tạm ngừng."))
            if to_counter.pk == locked.pk:
                raise QueueError(_("Không thể chuyển vé đến chính quầy này."))
            ticket.target_counter = to_counter
            data["to_counter"] = to_counter.number
        ticket.status = TicketStatus.WAITING
        ticket.counter = None
        ticket.transfers += 1
        ticket.save(update_fields=["group", "target_counter", "status", "counter", "transfers"])
        _record(ticket, EventKind.TRANSFER, moment, actor=officer, counter=locked, data=data)
    return ticket


# --- dossiers ------------------------------------------------------------------------------


def ticket_for_officer(user: Any, ticket_id: Any) -> Ticket:
    """A ticket of a site where ``user`` may work; otherwise not found (never "forbidden")."""
    try:
        pk = int(str(ticket_id).strip())
    except ValueError:
        raise NotFound(_("Không tìm thấy vé.")) from None
    ticket = Ticket.objects.select_related("site__agency", "group", "counter").filter(pk=pk).first()
    if ticket is None or not may_work_at(user, ticket.site):
        raise NotFound(_("Không tìm thấy vé."))
    return ticket


def ticket_link_dossier(
    *, ticket: Ticket, dossier: Any, actor: User, at: dt.datetime | None = None
) -> TicketDossier:
    """Link ``ticket`` to a dossier received from it (a counter intake started from a called
    ticket). Called by the officer workspace after the intake. The actor must work at the
    ticket's site and see the dossier; a ticket called but not started begins being served.
    Linking twice is harmless (the existing link is returned)."""
    from motcua.dossiers.access import access_dossier_for_officer

    moment = _now(at)
    if not may_work_at(actor, ticket.site):
        raise NotFound(_("Không tìm thấy vé."))
    access_dossier_for_officer(actor, dossier.pk)  # out of scope → DossierNotFound
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().select_related("site").get(pk=ticket.pk)
        if locked.status not in (TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.DONE):
            raise QueueError(_("Chỉ liên kết hồ sơ với vé đã được gọi đến quầy."))
        link = TicketDossier.objects.filter(ticket=locked, dossier=dossier).first()
        if link is not None:
            return link
        if locked.status == TicketStatus.CALLED:
            locked.status = TicketStatus.SERVING
            locked.serving_started_at = moment
            locked.save(update_fields=["status", "serving_started_at"])
            _record(locked, EventKind.START, moment, actor=actor, counter=locked.counter)
        link = TicketDossier.objects.create(
            ticket=locked, dossier=dossier, linked_at=moment, linked_by=actor
        )
        _record(
            locked,
            EventKind.LINK,
            moment,
            actor=actor,
            counter=locked.counter,
            data={"dossier": dossier.code},
        )
    return link


# --- rating at the counter -----------------------------------------------------------------

#: Minutes after the end of a service during which the counter's screen asks for a rating.
RATING_WINDOW = dt.timedelta(minutes=30)


def ticket_to_rate(counter: Counter, at: dt.datetime | None = None) -> Ticket | None:
    """The ticket the counter's rating screen asks about: the last one finished there within
    ``RATING_WINDOW`` and not rated yet (ND 118/2025 Đ13.2b: touch screens to rate)."""
    from motcua.ratings.models import Rating

    moment = _now(at)
    ticket = (
        Ticket.objects.select_related("site", "officer")
        .filter(
            counter=counter,
            status=TicketStatus.DONE,
            finished_at__gte=moment - RATING_WINDOW,
            finished_at__lte=moment,
        )
        .order_by("-finished_at", "-id")
        .first()
    )
    if ticket is None or Rating.objects.filter(subject=f"ticket:{ticket.pk}").exists():
        return None
    return ticket


def ticket_rate(*, ticket: Ticket, level: int, at: dt.datetime | None = None) -> list[Any]:
    """Record the citizen's rating of the service at the counter in the shared ratings store
    (``ratings.services.rating_record``, source ``COUNTER_DEVICE``, subject ``ticket:<id>``,
    the officer who served). One rating per dossier the ticket led to, so each dossier carries
    its TT 01/2018 Đ13 indicator 7 score; one without a dossier when none was received. A
    ticket is rated once."""
    from motcua.ratings.models import Rating, Source
    from motcua.ratings.services import rating_record

    moment = _now(at)
    with transaction.atomic():
        locked = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("site", "officer")
            .get(pk=ticket.pk)
        )
        if locked.status != TicketStatus.DONE:
            raise QueueError(_("Chỉ đánh giá được sau khi cán bộ đã phục vụ xong."))
        subject = f"ticket:{locked.pk}"
        if Rating.objects.filter(subject=subject).exists():
            raise QueueError(_("Lượt phục vụ này đã được đánh giá. Xin cảm ơn!"))
        dossiers: list[Any] = [
            link.dossier for link in locked.dossier_links.select_related("dossier")
        ]
        ratings = [
            rating_record(
                level=level,
                source=Source.COUNTER_DEVICE,
                dossier=dossier,
                agency=locked.site.agency,
                officer=locked.officer,
                subject=subject,
                at=moment,
            )
            for dossier in (dossiers or [None])
        ]
        _record(locked, EventKind.RATE, moment, data={"level": level})
    return ratings
