"""The webhook outbox: relay the control sheet into deliveries, deliver them in order per dossier
with exponential backoff for at least 24 hours, report failures, resend.

**Exactly what is guaranteed.**

* *Nothing lost.* Every committed state change has its ``DossierEvent`` row (the engine writes
  both in one transaction). The relay reads the rows by increasing id; an id it skipped because
  its transaction had not committed yet is kept in the cursor's ``gaps`` and looked for again on
  every run for ``GAP_TIMEOUT`` (10 minutes by default — far longer than any dossier
  transaction; an id still missing then was rolled back). Deliveries are retried until
  delivered, or marked failed after 24 hours and re-sendable from the admin.
* *Nothing duplicated by us.* One delivery per (subscriber, event) — a unique constraint; a
  delivery is marked delivered when the receiver answered 2xx and is never sent again unless an
  administrator re-sends it. As with every webhook system, a receiver that times out after
  processing may see a message twice: each carries a stable ``id`` to de-duplicate on.
* *In order per dossier.* For one subscriber, a dossier's messages go out in control-sheet
  order: while its oldest pending message waits for a retry, the later ones wait behind it. A
  message that failed for good stops blocking (it is reported and can be re-sent).

Every function takes ``now`` (default: the current time) so tests can simulate hours of outage.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from motcua.accounts.models import User
from motcua.audit.services import audit_log
from motcua.dossiers.models import DossierEvent
from motcua.dossiers.workflow import Action
from motcua.integrations import national, signing
from motcua.integrations.models import (
    RELAY_CURSOR,
    Delivery,
    DeliveryStatus,
    NationalSync,
    RelayCursor,
    Subscription,
    SubscriptionKind,
    SyncVia,
)

logger = logging.getLogger(__name__)

CURSOR = RELAY_CURSOR
#: How long an id skipped by the relay is looked for again (its transaction may commit late).
GAP_TIMEOUT = dt.timedelta(minutes=10)
#: At most this many open gaps are tracked (a huge rolled-back bulk insert leaves many).
MAX_GAPS = 10_000
#: Retry delays: 30 s, 1 min, 2 min, … doubling, at most 1 hour; for at least 24 hours.
FIRST_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=1)
RETRY_FOR = dt.timedelta(hours=24)
LEASE = dt.timedelta(minutes=5)
EVENT_TYPE_PREFIX = "vn.motcua.dossier."


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt (exponential, capped)."""
    step = FIRST_DELAY * (2 ** max(attempts - 1, 0)) if attempts < 20 else MAX_DELAY
    return min(step, MAX_DELAY)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else timezone.now()


# --- messages -------------------------------------------------------------------------------


def _moment(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def cloudevent(event: DossierEvent) -> dict[str, Any]:
    """The CloudEvents 1.0 structured-mode message of one control-sheet row."""
    d = event.dossier
    code = national.status_code(event.to_status)
    return {
        "specversion": "1.0",
        "id": f"{d.uuid}.{event.seq}",
        "source": settings.MOTCUA_EVENT_SOURCE,
        "type": EVENT_TYPE_PREFIX + event.action,
        "subject": d.code,
        "time": _moment(event.at),
        "datacontenttype": "application/json",
        "dossierseq": event.seq,
        "data": {
            "code": d.code,
            "uuid": str(d.uuid),
            "procedure": d.procedure_version.procedure.code,
            "seq": event.seq,
            "action": event.action,
            "action_label": Action(event.action).label,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "national_status": code,
            "at": _moment(event.at),
            "receiving_agency": d.receiving_agency.code,
            "competent_agency": d.competent_agency.code,
            "to_agency": event.to_agency.code if event.to_agency else None,
            "due_at": _moment(d.due_at),
            "note": event.note or None,
        },
    }


def message_for(subscription: Subscription, event: DossierEvent) -> dict[str, Any]:
    if subscription.kind == SubscriptionKind.NATIONAL:
        return national.sync_record(event.dossier, event)
    return cloudevent(event)


# --- relay ----------------------------------------------------------------------------------


@dataclass
class _Filter:
    subscription: Subscription
    types: frozenset[str]
    agencies: frozenset[int]
    procedures: frozenset[str]

    def matches(self, event: DossierEvent) -> bool:
        d = event.dossier
        if self.types and event.action not in self.types:
            return False
        if self.agencies and not (
            self.agencies & {d.receiving_agency_id, d.current_agency_id, d.competent_agency_id}
        ):
            return False
        return not (self.procedures and d.procedure_version.procedure.code not in self.procedures)


def _filters() -> list[_Filter]:
    subs = Subscription.objects.filter(is_active=True).prefetch_related("agencies")
    return [
        _Filter(
            subscription=s,
            types=frozenset(s.event_types or []),
            agencies=frozenset(a.pk for a in s.agencies.all()),
            procedures=frozenset(s.procedures or []),
        )
        for s in subs
    ]


def relay_cursor_start() -> RelayCursor:
    """The relay's cursor, created at the current end of the control sheet (subscribers get
    the events from then on, not the whole history)."""
    top = DossierEvent.objects.aggregate(top=Max("pk"))["top"] or 0
    cursor, _ = RelayCursor.objects.get_or_create(name=CURSOR, defaults={"last_event_id": top})
    return cursor


@dataclass
class RelayReport:
    read: int = 0
    deliveries: int = 0
    gaps: int = 0


def relay_events(*, now: dt.datetime | None = None, batch: int = 1000) -> RelayReport:
    """Copy the control-sheet rows written since the last run into deliveries (one per
    matching subscriber). One relay at a time (the cursor row is locked)."""
    moment = _now(now)
    report = RelayReport()
    relay_cursor_start()
    with transaction.atomic():
        cursor = RelayCursor.objects.select_for_update().get(name=CURSOR)
        gaps: dict[int, str] = {int(i): seen for i, seen in cursor.gaps}
        related = (
            "dossier__procedure_version__procedure",
            "dossier__receiving_agency",
            "dossier__competent_agency",
            "dossier__applicant",
            "to_agency",
        )
        base = DossierEvent.objects.select_related(*related).prefetch_related("dossier__documents")
        late = list(base.filter(pk__in=list(gaps))) if gaps else []
        fresh = list(base.filter(pk__gt=cursor.last_event_id).order_by("pk")[:batch])
        for event in late:
            gaps.pop(event.pk, None)
        expected = cursor.last_event_id + 1
        for event in fresh:
            for missing in range(expected, min(event.pk, expected + MAX_GAPS)):
                gaps.setdefault(missing, moment.isoformat())
            expected = event.pk + 1
        horizon = moment - GAP_TIMEOUT
        gaps = {i: seen for i, seen in gaps.items() if dt.datetime.fromisoformat(seen) > horizon}
        if len(gaps) > MAX_GAPS:
            gaps = dict(sorted(gaps.items())[-MAX_GAPS:])
        events = sorted(late + fresh, key=lambda e: e.pk)
        rows: list[Delivery] = []
        for sub in _filters():
            for event in events:
                if not sub.matches(event):
                    continue
                message = message_for(sub.subscription, event)
                rows.append(
                    Delivery(
                        subscription=sub.subscription,
                        event=event,
                        dossier_id=event.dossier_id,
                        seq=event.seq,
                        message_id=f"{event.dossier.uuid}.{event.seq}",
                        payload=message,
                        next_attempt_at=moment,
                        window_start=moment,
                    )
                )
        if rows:
            Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        if fresh:
            cursor.last_event_id = fresh[-1].pk
        cursor.gaps = [[i, seen] for i, seen in sorted(gaps.items())]
        cursor.save(update_fields=["last_event_id", "gaps", "updated_at"])
    report.read = len(events)
    report.deliveries = len(rows)
    report.gaps = len(gaps)
    return report


# --- delivery -------------------------------------------------------------------------------


@dataclass
class Sent:
    ok: bool
    status: int | None
    error: str


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Sent:
    """POST ``body``; 2xx is success. Never raises for network errors."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Sent(200 <= response.status < 300, response.status, "")
    except urllib.error.HTTPError as exc:
        return Sent(False, exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Sent(False, None, str(getattr(exc, "reason", exc))[:500])


def _encode(delivery: Delivery, subscription: Subscription) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    stamp = int(time.time())  # the real clock: the receiver compares it with its own
    content_type = (
        "application/json; charset=utf-8"
        if subscription.kind == SubscriptionKind.NATIONAL
        else "application/cloudevents+json; charset=utf-8"
    )
    headers = {
        "Content-Type": content_type,
        "User-Agent": "motcua-webhooks/1",
        "X-Motcua-Delivery": delivery.message_id,
        signing.TIMESTAMP_HEADER: str(stamp),
        signing.SIGNATURE_HEADER: signing.sign(subscription.secret, stamp, body),
    }
    return body, headers


@dataclass
class DeliveryReport:
    sent: int = 0
    delivered: int = 0
    retried: int = 0
    failed: list[int] = field(default_factory=list)


def _claim(subscription: Subscription, token: str) -> bool:
    """Take the subscriber for this run (one sender per subscriber: order per dossier)."""
    real = timezone.now()
    return bool(
        Subscription.objects.filter(pk=subscription.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=real))
        .update(lease_until=real + LEASE)
    )


def _release(subscription: Subscription) -> None:
    Subscription.objects.filter(pk=subscription.pk).update(lease_until=None)


def deliver_due(*, now: dt.datetime | None = None, limit: int = 500) -> DeliveryReport:
    """Send what is due, subscriber by subscriber, each dossier's messages in order."""
    moment = _now(now)
    report = DeliveryReport()
    timeout = float(settings.MOTCUA_WEBHOOK_TIMEOUT)
    for subscription in Subscription.objects.filter(is_active=True).order_by("pk"):
        if not _claim(subscription, uuid.uuid4().hex):
            continue
        try:
            pending = list(
                Delivery.objects.filter(
                    subscription=subscription, status=DeliveryStatus.PENDING
                ).order_by("dossier_id", "seq")[:limit]
            )
            for _, group in groupby(pending, key=lambda d: d.dossier_id):
                for position, delivery in enumerate(group):
                    if position == 0 and delivery.next_attempt_at > moment:
                        break  # the dossier's oldest message waits; the rest wait behind it
                    if not _attempt(delivery, subscription, moment, timeout, report):
                        break
        finally:
            _release(subscription)
    if report.failed:
        _report_failures(report.failed)
    return report


def _attempt(
    delivery: Delivery,
    subscription: Subscription,
    moment: dt.datetime,
    timeout: float,
    report: DeliveryReport,
) -> bool:
    body, headers = _encode(delivery, subscription)
    result = http_post(subscription.url, body, headers, timeout)
    report.sent += 1
    delivery.attempts += 1
    delivery.last_status = result.status
    delivery.last_error = result.error
    if result.ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = moment
        report.delivered += 1
        if subscription.kind == SubscriptionKind.NATIONAL:
            national_sync_record(dossier_ids=[delivery.dossier_id], at=moment, via=SyncVia.DELIVERY)
    elif moment - delivery.window_start >= RETRY_FOR:
        delivery.status = DeliveryStatus.FAILED
        delivery.failed_at = moment
        report.failed.append(delivery.pk)
    else:
        delivery.next_attempt_at = moment + backoff(delivery.attempts)
        report.retried += 1
    delivery.save(
        update_fields=[
            "attempts",
            "last_status",
            "last_error",
            "status",
            "delivered_at",
            "failed_at",
            "next_attempt_at",
        ]
    )
    return result.ok


def national_sync_record(*, dossier_ids: Iterable[int], at: dt.datetime, via: str) -> int:
    """Record that the Cổng DVCQG knows these dossiers (QĐ 766 1.4); the first record of a
    dossier wins (idempotent). The number given."""
    rows = [NationalSync(dossier_id=d, synced_at=at, via=via) for d in set(dossier_ids)]
    NationalSync.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def _alert_recipients() -> list[str]:
    configured = list(settings.MOTCUA_INTEGRATION_ALERT_EMAILS)
    if configured:
        return configured
    return list(
        User.objects.filter(is_superuser=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def _report_failures(ids: Iterable[int]) -> None:
    """E-mail the administrators the messages given up after 24 hours (they are also listed in
    the admin, “Hộp thư đi (webhook)”, filter “Gửi thất bại”, with the action “Gửi lại”)."""
    rows = list(Delivery.objects.filter(pk__in=list(ids)).select_related("subscription"))
    recipients = _alert_recipients()
    lines = [
        f"- {d.subscription.name}: {d.message_id} ({d.attempts} lần, lỗi cuối: "
        f"{d.last_error or d.last_status})"
        for d in rows
    ]
    logger.error("webhook deliveries failed for good: %s", ", ".join(d.message_id for d in rows))
    if recipients:
        send_mail(
            subject=f"[motcua] {len(rows)} thông điệp webhook gửi thất bại sau 24 giờ",
            message="Các thông điệp sau không gửi được sau 24 giờ thử lại:\n"
            + "\n".join(lines)
            + "\n\nXem và gửi lại tại trang quản trị: Tích hợp → Hộp thư đi (webhook).",
            from_email=None,
            recipient_list=recipients,
            fail_silently=True,
        )


def delivery_resend(
    *, actor: User | None, deliveries: Iterable[Delivery], now: dt.datetime | None = None
) -> int:
    """Queue failed (or delivered) messages again, with a new 24-hour window."""
    moment = _now(now)
    count = 0
    with transaction.atomic():
        for delivery in deliveries:
            delivery.status = DeliveryStatus.PENDING
            delivery.attempts = 0
            delivery.next_attempt_at = moment
            delivery.window_start = moment
            delivery.failed_at = None
            delivery.save(
                update_fields=["status", "attempts", "next_attempt_at", "window_start", "failed_at"]
            )
            count += 1
            audit_log(
                actor=actor,
                action="integrations.resend",
                object_type="webhook_delivery",
                object_id=str(delivery.pk),
                data={"message": delivery.message_id, "subscription": delivery.subscription_id},
            )
    return count


def run_outbox(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """One run of the worker: relay, then deliver (what the task and the command call)."""
    relayed = relay_events(now=now)
    sent = deliver_due(now=now)
    return {
        "read": relayed.read,
        "queued": relayed.deliveries,
        "gaps": relayed.gaps,
        "sent": sent.sent,
        "delivered": sent.delivered,
        "retried": sent.retried,
        "failed": len(sent.failed),
    }
