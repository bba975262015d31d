"""Reads of the counter queue: a ticket's place, the display board, the counters an officer may
work at, the kiosk lookups. Statistics are in ``queueing.stats``."""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone

from motcua.catalogue.models import Procedure
from motcua.common.text import fold
from motcua.queueing.models import (
    AT_COUNTER,
    Counter,
    EventKind,
    ServiceGroup,
    Site,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from motcua.queueing.services import may_work_at

#: Events that change what a display board shows.
BOARD_EVENTS = (
    EventKind.CALL,
    EventKind.RECALL,
    EventKind.NO_SHOW,
    EventKind.FINISH,
    EventKind.TRANSFER,
    EventKind.START,
)
BOARD_ROWS = 8
BOARD_LABELS: dict[str, str] = {
    TicketStatus.CALLED: "Mời đến quầy",
    TicketStatus.SERVING: "Đang phục vụ",
    TicketStatus.DONE: "Đã phục vụ",
    TicketStatus.NO_SHOW: "Vắng mặt",
}


def site_get(code: str) -> Site:
    """An active site by its code, else ``Site.DoesNotExist``."""
    return Site.objects.select_related("agency").get(code=code, active=True)


def groups_of(site: Site) -> list[ServiceGroup]:
    return list(site.groups.filter(active=True).order_by("order", "code"))


def _default_minutes() -> float:
    return float(getattr(settings, "MOTCUA_QUEUE_SERVICE_MINUTES", 6))


def average_service_minutes(group: ServiceGroup, *, days: int = 30) -> float:
    """Mean minutes at the counter for this group over the last ``days`` (the setting
    ``MOTCUA_QUEUE_SERVICE_MINUTES`` until ten citizens have been served)."""
    since = timezone.now() - dt.timedelta(days=days)
    row = Ticket.objects.filter(
        group=group,
        status=TicketStatus.DONE,
        finished_at__gte=since,
        serving_started_at__isnull=False,
    ).aggregate(n=Count("id"), mean=Avg(F("finished_at") - F("serving_started_at")))
    if (row["n"] or 0) < 10 or row["mean"] is None:
        return _default_minutes()
    mean = row["mean"]
    seconds = mean.total_seconds() if isinstance(mean, dt.timedelta) else float(mean) / 1e6
    return max(1.0, seconds / 60)


def _before(ticket: Ticket) -> Q:
    """Tickets ahead of ``ticket`` in the queue order (priority class, queued_at, id)."""
    assert ticket.queued_at is not None  # noqa: S101 - waiting tickets are queued
    same_class = Q(queued_at__lt=ticket.queued_at) | Q(queued_at=ticket.queued_at, id__lt=ticket.pk)
    if ticket.priority:
        return ~Q(priority="") & same_class
    return ~Q(priority="") | (Q(priority="") & same_class)


@dataclass(frozen=True)
class Position:
    ahead: int
    open_counters: int
    minutes: int


def ticket_position(ticket: Ticket) -> Position | None:
    """How many are ahead of a waiting ticket in its group, and an estimated wait (people
    ahead × mean service time ÷ open counters serving the group). None when not waiting."""
    if ticket.status != TicketStatus.WAITING or ticket.queued_at is None:
        return None
    waiting = Ticket.objects.filter(site_id=ticket.site_id, status=TicketStatus.WAITING)
    if ticket.target_counter_id:
        ahead_q = waiting.filter(
            Q(target_counter_id=ticket.target_counter_id)
            | Q(group__counters=ticket.target_counter_id, target_counter__isnull=True)
        )
    else:
        ahead_q = waiting.filter(group_id=ticket.group_id, target_counter__isnull=True)
    ahead = ahead_q.filter(_before(ticket)).distinct().count()
    open_counters = (
        Counter.objects.filter(groups=ticket.group_id, active=True, officer__isnull=False)
        .distinct()
        .count()
    )
    per = average_service_minutes(ticket.group)
    minutes = math.ceil(ahead * per / max(1, open_counters))
    return Position(ahead=ahead, open_counters=open_counters, minutes=minutes)


def ticket_by_uuid(value: Any) -> Ticket:
    try:
        key = uuid.UUID(str(value))
    except ValueError:
        raise Ticket.DoesNotExist() from None
    return Ticket.objects.select_related("site", "group", "counter").get(uuid=key)


def counters_for(user: Any) -> list[Counter]:
    """Counters of the sites where ``user`` may work (least privilege)."""
    counters = Counter.objects.select_related("site__agency", "officer").filter(
        active=True, site__active=True
    )
    return [c for c in counters.order_by("site__name", "number") if may_work_at(user, c.site)]


def counter_state(counter: Counter) -> dict[str, Any]:
    """What the counter page shows: the current ticket and the waiting tickets it may call."""
    from motcua.queueing.services import callable_by, current_ticket

    group_ids = list(counter.groups.values_list("pk", flat=True))
    waiting = callable_by(counter, group_ids)
    return {
        "current": current_ticket(counter),
        "waiting": waiting.count(),
        "waiting_priority": waiting.exclude(priority="").count(),
    }


# --- display board -------------------------------------------------------------------------


def board_version(site: Site) -> int:
    """The id of the last event that changes the board (0 when none): the SSE event id."""
    last = (
        TicketEvent.objects.filter(site=site, kind__in=[k.value for k in BOARD_EVENTS])
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return int(last or 0)


def board_data(site: Site, *, day: dt.date | None = None) -> dict[str, Any]:
    """The board as plain data: today's last calls (latest first) with their counter and
    status, the last call (to announce), and the number waiting per group. No personal data."""
    today = day or timezone.localdate()
    shown = [*AT_COUNTER, TicketStatus.DONE, TicketStatus.NO_SHOW]
    at_counters = (
        Ticket.objects.select_related("counter", "group")
        .filter(site=site, day=today, status__in=shown, called_at__isnull=False)
        .order_by("-called_at", "-id")[:BOARD_ROWS]
    )
    rows = [
        {
            "number": t.number,
            "counter": t.counter.number if t.counter else None,
            "group": t.group.code,
            "status": t.status,
            "status_label": BOARD_LABELS.get(t.status, ""),
            "called_at": timezone.localtime(t.called_at).strftime("%H:%M") if t.called_at else "",
        }
        for t in at_counters
    ]
    last = (
        TicketEvent.objects.filter(
            site=site, kind__in=[EventKind.CALL.value, EventKind.RECALL.value]
        )
        .select_related("counter", "ticket")
        .order_by("-id")
        .first()
    )
    waiting = dict(
        Ticket.objects.filter(site=site, status=TicketStatus.WAITING)
        .values_list("group_id")
        .annotate(n=Count("id"))
        .values_list("group_id", "n")
    )
    groups = [
        {"code": g.code, "name": g.name, "waiting": waiting.get(g.pk, 0)} for g in groups_of(site)
    ]
    return {
        "version": board_version(site),
        "rows": rows,
        "last_call": {
            "event": last.pk,
            "number": last.ticket.number,
            "counter": last.counter.number if last.counter else None,
            "text": call_text(last.ticket.number, last.counter.number if last.counter else None),
        }
        if last is not None and last.ticket.day == today
        else None,
        "groups": groups,
    }


def call_text(number: int, counter: int | None) -> str:
    """The spoken call, e.g. "Mời công dân số 1024 đến quầy số 5"."""
    return f"Mời công dân số {number} đến quầy số {counter}" if counter else ""


# --- kiosk lookups -------------------------------------------------------------------------

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def procedures_search(text: str, *, limit: int = 20) -> QuerySet[Procedure]:
    """Procedures whose code or name contains every word typed (accents and case ignored)."""
    words = fold(text or "").split()
    qs = Procedure.objects.all()
    if not words:
        return qs.none()
    for word in words[:8]:
        qs = qs.filter(search_key__contains=word)
    return qs.order_by("name")[:limit]


_TRACKING = re.compile(r"/tra-cuu/([^/?#]+)/?")


def scanned_code(scanned: str) -> str:
    """The dossier code in what a scanner typed: the receipt's QR holds the portal's tracking
    link ``…/tra-cuu/<code>/``; a public UUID or the bare code are accepted too."""
    from motcua.dossiers.models import Dossier

    text = (scanned or "").strip()[:500]
    found = _TRACKING.search(text)
    if found:
        return found.group(1)[:40]
    match = _UUID.search(text)
    if match:
        code = (
            Dossier.objects.filter(uuid=uuid.UUID(match.group(0)))
            .values_list("code", flat=True)
            .first()
        )
        return code or ""
    return text[:40]


def dossier_public_status(scanned: str, factor: str) -> dict[str, Any] | None:
    """A dossier's status for the lookup screen: the code from the receipt's QR code plus the
    last 4 digits of the applicant's phone number or personal ID, checked exactly as the
    portal's tracking page does (``portal.selectors.tracking_lookup``: a wrong factor and a
    missing dossier look the same). Only code, procedure, status and dates are shown — no
    personal data on a public screen (ND 118/2025 Đ5: no disclosure of dossier information)."""
    from motcua.portal.selectors import tracking_lookup

    code = scanned_code(scanned)
    dossier = tracking_lookup(code, factor) if code else None
    if dossier is None:
        return None
    return {
        "code": dossier.code,
        "procedure": dossier.procedure_version.name,
        "status": dossier.get_status_display(),
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "returned_at": dossier.returned_at,
        "agency": dossier.receiving_agency.name,
    }
