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

**The push to the personal data store** (QĐ 766 4.4) rides the same outbox: a subscriber of
kind ``national_store`` gets a delivery only for an *eligible* return of a result
(:func:`result_store_ineligible`), with the store record as its message; the portal's 2xx
answer marks the delivery delivered and records :class:`ResultStorePush` in one transaction
(:func:`result_store_push_record`). Retries, order, failure report and resend are the outbox's.

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

from motcua.accounts.access import has_role
from motcua.accounts.models import User, UserKind
from motcua.accounts.roles import Role
from motcua.audit.services import audit_log
from motcua.common.errors import PermissionDenied
from motcua.common.text import nfc
from motcua.dossiers.access import access_dossier_for_citizen, access_dossier_for_officer
from motcua.dossiers.errors import DossierInvalid
from motcua.dossiers.models import ApplicantKind, Dossier, DossierEvent
from motcua.dossiers.workflow import BEFORE_DECISION, Action, DossierStatus
from motcua.integrations import national, signing
from motcua.integrations.models import (
    RELAY_CURSOR,
    Delivery,
    DeliveryStatus,
    NationalSync,
    PushVia,
    RelayCursor,
    ResultStorePush,
    ResultStoreRefusal,
    Subscription,
    SubscriptionKind,
    SyncVia,
)
from motcua.workspace.models import ResultDocument

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


def message_for(subscription: Subscription, event: DossierEvent) -> dict[str, Any] | None:
    """The message of ``event`` for ``subscription``; ``None``: nothing to send (a return that
    is not eligible for the personal data store)."""
    if subscription.kind == SubscriptionKind.NATIONAL:
        return national.sync_record(event.dossier, event)
    if subscription.kind == SubscriptionKind.NATIONAL_STORE:
        if result_store_ineligible(event.dossier, event):
            return None
        row = _signed_result(event.dossier)
        return national.store_record(event.dossier, row) if row is not None else None
    return cloudevent(event)


# --- the personal data store (QĐ 766 4.4) ------------------------------------------------------


def _signed_result(dossier: Dossier) -> ResultDocument | None:
    """The dossier's latest digitally signed result document (the electronic result)."""
    return (
        ResultDocument.objects.filter(dossier=dossier)
        .exclude(signed_file="")
        .order_by("-signed_at", "-id")
        .first()
    )


def result_store_ineligible(dossier: Dossier, event: DossierEvent | None = None) -> str:
    """Why the result of ``dossier`` is *not* pushed to its applicant's personal data store on
    the Cổng DVCQG; ``""`` when it is (NĐ 45/2020/NĐ-CP Điều 14, 16; NĐ 118/2025/NĐ-CP Điều 22
    khoản 4; QĐ 766 4.4). Eligible, all of:

    * the event is the return of a *decided result* (``return_result`` from ``resolved``; the
      return of a refusal notice after appraisal is not a result for the store);
    * an electronic result exists: a result document signed digitally (a result issued on paper
      only, or a draft never signed, is not);
    * the applicant is identified: a person's personal ID, an organisation's enterprise code
      (the store belongs to that identifier);
    * the applicant did not refuse (:class:`ResultStoreRefusal`).
    """
    if event is not None and not (
        event.action == Action.RETURN_RESULT and event.from_status == DossierStatus.RESOLVED
    ):
        return "Không phải lần trả kết quả giải quyết."
    if _signed_result(dossier) is None:
        return "Không có kết quả điện tử đã ký số (chỉ có bản giấy hoặc bản dự thảo)."
    if national.store_owner(dossier) is None:
        if dossier.applicant.kind == ApplicantKind.ORGANISATION:
            return "Tổ chức nộp hồ sơ không có mã số doanh nghiệp."
        return "Người nộp hồ sơ không có số định danh cá nhân."
    if ResultStoreRefusal.objects.filter(dossier_id=dossier.pk).exists():
        return "Tổ chức, cá nhân không đồng ý lưu kết quả vào Kho dữ liệu."
    return ""


def _store_ref(body: bytes) -> str:
    """``MaTaiLieuKho`` from the portal's answer (a JSON object), else ``""``."""
    try:
        answer = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        return ""
    ref = answer.get("MaTaiLieuKho") if isinstance(answer, dict) else None
    return str(ref)[:200] if isinstance(ref, str | int) else ""


def result_store_push_record(
    *,
    dossier_id: int,
    at: dt.datetime,
    via: str = PushVia.DELIVERY,
    delivery: Delivery | None = None,
    store_ref: str = "",
) -> ResultStorePush:
    """Record that the Cổng DVCQG accepted the push of the dossier's e-result into its
    applicant's personal data store (QĐ 766 4.4), with an audit entry, in the caller's
    transaction (the one that marks ``delivery`` delivered). One row per dossier: the first
    push gives ``pushed_at``; a later one (a corrected result returned again) updates the
    result code, the store reference and the delivery. Idempotent: the same delivery recorded
    again with the same answer changes nothing and writes no audit entry."""
    result_code = str((delivery.payload or {}).get("MaKetQua") or "") if delivery else ""
    with transaction.atomic():
        row, created = ResultStorePush.objects.select_for_update().get_or_create(
            dossier_id=dossier_id,
            defaults={
                "pushed_at": at,
                "via": via,
                "delivery": delivery,
                "result_code": result_code,
                "store_ref": store_ref,
            },
        )
        if not created:
            same = (
                row.delivery_id == (delivery.pk if delivery else None)
                and row.result_code == result_code
                and row.store_ref == store_ref
            )
            if same:
                return row
            row.delivery, row.result_code, row.store_ref = delivery, result_code, store_ref
            row.save(update_fields=["delivery", "result_code", "store_ref", "updated_at"])
        uid, agency = Dossier.objects.values_list("uuid", "competent_agency_id").get(pk=dossier_id)
        audit_log(
            actor=None,
            action="integrations.result_store_push",
            object_type="dossier",
            object_id=str(uid),
            agency_id=agency,
            data={
                "first": created,
                "via": via,
                "message": delivery.message_id if delivery else None,
                "result": result_code or None,
                "store_ref": store_ref or None,
            },
        )
    return row


def result_store_refusal_open(dossier: Dossier) -> bool:
    """Whether the store push can still be refused: while the dossier may still end with a
    result, until that result is returned (afterwards the push is queued; the applicant manages
    their store on the portal). The pages offer the choice by this rule;
    :func:`result_store_refusal_record` enforces it."""
    return dossier.status in BEFORE_DECISION or dossier.status == DossierStatus.RESOLVED


def result_store_refusal_record(
    *, actor: User, dossier: Any, note: str = "", at: dt.datetime | None = None
) -> ResultStoreRefusal:
    """Record that the applicant does not want the e-result kept in their personal data store
    on the Cổng DVCQG, so its return is not pushed (NĐ 45/2020 Điều 16: the store is theirs).

    Who: a reception officer of the dossier's receiving agency (the one-stop unit hands the
    result over, NĐ 118/2025 Điều 22 khoản 3), or the applicant on their own dossier (``dossier``
    is then its code). Anyone else: :class:`DossierNotFound` outside their scope,
    :class:`PermissionDenied` inside it. When: before the result is returned (afterwards the
    push is already queued; the applicant manages their store on the portal) — else
    :class:`DossierInvalid`. Recorded once (a second call returns the first record)."""
    moment = at or timezone.now()
    with transaction.atomic():
        if actor.kind in (UserKind.CITIZEN, UserKind.ORGANISATION):
            found = access_dossier_for_citizen(actor, str(dossier))
            target = Dossier.objects.select_for_update().get(pk=found.pk)
        else:
            target = access_dossier_for_officer(actor, dossier, lock=True)
            if not has_role(actor, Role.RECEPTION_OFFICER, target.receiving_agency):
                raise PermissionDenied(
                    "Chỉ cán bộ tiếp nhận và trả kết quả của cơ quan tiếp nhận hồ sơ mới ghi nhận "
                    "việc tổ chức, cá nhân không đồng ý lưu kết quả vào Kho dữ liệu."
                )
        existing = ResultStoreRefusal.objects.filter(dossier=target).first()
        if existing is not None:
            return existing
        if not result_store_refusal_open(target):
            raise DossierInvalid(
                "Kết quả đã được trả hoặc hồ sơ đã kết thúc; không ghi nhận từ chối lưu vào "
                "Kho dữ liệu nữa. Tổ chức, cá nhân tự quản lý Kho dữ liệu của mình trên Cổng "
                "Dịch vụ công quốc gia."
            )
        row = ResultStoreRefusal.objects.create(
            dossier=target, recorded_at=moment, recorded_by=actor, note=nfc(note.strip())[:500]
        )
        audit_log(
            actor=actor,
            action="integrations.result_store_refusal",
            object_type="dossier",
            object_id=str(target.uuid),
            agency_id=target.receiving_agency_id,
            data={"note": row.note or None},
        )
    return row


# --- relay ----------------------------------------------------------------------------------


@dataclass
class _Filter:
    subscription: Subscription
    types: frozenset[str]
    agencies: frozenset[int]
    procedures: frozenset[str]

    def matches(self, event: DossierEvent) -> bool:
        d = event.dossier
        if self.subscription.kind == SubscriptionKind.NATIONAL_STORE:
            if event.action != Action.RETURN_RESULT:  # only a returned result goes to the store
                return False
        elif self.types and event.action not in self.types:
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
                if message is None:
                    continue
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
    body: bytes = b""


#: At most this much of a receiver's answer is read (the store reference of the portal).
ANSWER_LIMIT = 64 * 1024


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Sent:
    """POST ``body``; 2xx is success. Never raises for network errors."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = response.read(ANSWER_LIMIT)
            return Sent(200 <= response.status < 300, response.status, "", answer)
    except urllib.error.HTTPError as exc:
        return Sent(False, exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Sent(False, None, str(getattr(exc, "reason", exc))[:500])


def _encode(delivery: Delivery, subscription: Subscription) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    stamp = int(time.time())  # the real clock: the receiver compares it with its own
    content_type = (
        "application/json; charset=utf-8"
        if subscription.kind in (SubscriptionKind.NATIONAL, SubscriptionKind.NATIONAL_STORE)
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
    elif moment - delivery.window_start >= RETRY_FOR:
        delivery.status = DeliveryStatus.FAILED
        delivery.failed_at = moment
        report.failed.append(delivery.pk)
    else:
        delivery.next_attempt_at = moment + backoff(delivery.attempts)
        report.retried += 1
    # The delivery's new state and what its success records commit together (or not at all).
    with transaction.atomic():
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
        if result.ok and subscription.kind == SubscriptionKind.NATIONAL:
            national_sync_record(dossier_ids=[delivery.dossier_id], at=moment, via=SyncVia.DELIVERY)
        elif result.ok and subscription.kind == SubscriptionKind.NATIONAL_STORE:
            result_store_push_record(
                dossier_id=delivery.dossier_id,
                at=moment,
                delivery=delivery,
                store_ref=_store_ref(result.body),
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
