"""Notifications: an outbox (``OutboxMessage``) filled in the business transaction or by the
collector that reads the control sheet, and delivered by the background worker with retries and
exponential backoff — a mail server that is down for ten minutes loses nothing, and a message
marked sent is never sent again (NĐ 118/2025 Điều 17 khoản 2, Điều 19 khoản 5–6, Điều 22)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.template import Context, Template
from django.utils import formats, timezone
from django.utils.module_loading import import_string

from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.workflow import Action
from motcua.portal.models import NotificationTemplate, NotifyCursor, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)
A = Action

#: Default Vietnamese templates; a ``NotificationTemplate`` row of the same event overrides it.
DEFAULTS: dict[str, tuple[str, str, str]] = {
    "accepted": (
        "Hồ sơ {{ code }} đã được tiếp nhận",
        "Hồ sơ {{ code }} ({{ procedure }}) đã được tiếp nhận. Ngày hẹn trả kết quả: {{ due }}.\n"
        "Theo dõi hồ sơ: {{ url }}",
        "Ho so {{ code }} da duoc tiep nhan. Hen tra ket qua: {{ due }}.",
    ),
    "supplement": (
        "Hồ sơ {{ code }} cần bổ sung",
        "Hồ sơ {{ code }} ({{ procedure }}) cần bổ sung, hoàn thiện:\n{{ note }}\n"
        "Bổ sung trực tuyến tại: {{ url }}",
        "Ho so {{ code }} can bo sung. Xem chi tiet tren Cong dich vu cong.",
    ),
    "extension": (
        "Hồ sơ {{ code }}: thư xin lỗi và hẹn lại ngày trả kết quả",
        "Cơ quan giải quyết xin lỗi vì hồ sơ {{ code }} ({{ procedure }}) chưa có kết quả đúng "
        "hẹn. Ngày hẹn mới: {{ due }}.\nLý do: {{ note }}\nTheo dõi hồ sơ: {{ url }}",
        "Xin loi: ho so {{ code }} duoc hen lai ngay tra ket qua {{ due }}.",
    ),
    "result": (
        "Hồ sơ {{ code }} đã có kết quả",
        "Hồ sơ {{ code }} ({{ procedure }}) đã có kết quả giải quyết. Xem và tải kết quả: "
        "{{ url }}",
        "Ho so {{ code }} da co ket qua.",
    ),
    "result_early": (
        "Hồ sơ {{ code }} đã có kết quả trước hạn",
        "Hồ sơ {{ code }} ({{ procedure }}) đã có kết quả trước ngày hẹn {{ due }}. Xem và tải "
        "kết quả: {{ url }}",
        "Ho so {{ code }} da co ket qua truoc hen.",
    ),
    "returned": (
        "Hồ sơ {{ code }} đã trả kết quả — mời bạn đánh giá",
        "Hồ sơ {{ code }} ({{ procedure }}) đã trả kết quả. Mời bạn đánh giá mức độ hài lòng: "
        "{{ url }}",
        "",
    ),
    "code": (
        "Mã xác minh motcua",
        "Mã xác minh của bạn là {{ code }} (hiệu lực 15 phút). Không đưa mã này cho ai.",
        "Ma xac minh motcua: {{ code }} (15 phut).",
    ),
}

#: Control-sheet actions that notify the applicant, and the template they use.
EVENT_TEMPLATE: dict[str, str] = {
    A.ACCEPT: "accepted",
    A.REQUEST_SUPPLEMENT: "supplement",
    A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL: "supplement",
    A.REQUEST_EXTENSION: "extension",
    A.SIGN: "result",
    A.CORRECT_RESULT: "result",
    A.RETURN_RESULT: "returned",
}


def render(
    event: str,
    context: dict[str, Any],
    defaults: dict[str, tuple[str, str, str]] | None = None,
) -> tuple[str, str, str]:
    """Subject, e-mail body and SMS text of ``event``: the administrator's
    ``NotificationTemplate`` row, else the default (``DEFAULTS``, or another app's own
    ``defaults`` — e.g. ``feedback.notifications``)."""
    row = NotificationTemplate.objects.filter(event=event).first()
    subject, body, sms = (row.subject, row.body, row.sms) if row else (defaults or DEFAULTS)[event]
    ctx = Context(context, autoescape=False)
    return (
        Template(subject).render(ctx).strip()[:200],
        Template(body).render(ctx),
        Template(sms).render(ctx).strip() if sms else "",
    )


def enqueue(
    *,
    key: str,
    channel: str,
    to: str,
    subject: str,
    body: str,
    not_before: dt.datetime | None = None,
) -> bool:
    """Queue one message once (``key`` unique); ``False`` when it was already queued. With
    ``not_before`` (e.g. a reminder) it is not sent before that moment."""
    if not to or not body:
        return False
    try:
        with transaction.atomic():
            OutboxMessage.objects.create(
                key=key[:120],
                channel=channel,
                to=to[:254],
                subject=subject[:200],
                body=body,
                next_attempt_at=not_before or timezone.now(),
            )
    except IntegrityError:
        return False
    return True


def withdraw(keys: list[str]) -> int:
    """Drop messages not sent yet (e.g. the reminder of a cancelled booking); returns how many."""
    deleted, _ = OutboxMessage.objects.filter(key__in=keys, status=OutboxStatus.PENDING).delete()
    return int(deleted)


def kick() -> None:
    """Ask the worker to deliver soon (after the surrounding transaction commits)."""
    from motcua.portal.tasks import deliver_outbox

    transaction.on_commit(lambda: deliver_outbox.enqueue())


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "—"
    return str(formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT"))


def notify_event(event: DossierEvent, dossier: Dossier) -> int:
    """Queue the applicant's messages for one control-sheet row; idempotent (key per event)."""
    name = EVENT_TEMPLATE.get(event.action)
    if name is None:
        return 0
    if name == "result" and dossier.outcome == "early":
        name = "result_early"
    applicant = dossier.applicant
    user = applicant.user
    email = applicant.email or (user.email if user else "")
    phone = applicant.phone or (user.phone if user else "")
    base = settings.MOTCUA_PUBLIC_BASE_URL.rstrip("/")
    url = f"{base}/cong-dan/ho-so/{dossier.code}/" if user else f"{base}/tra-cuu/{dossier.code}/"
    subject, body, sms = render(
        name,
        {
            "code": dossier.code,
            "procedure": dossier.procedure_version.name[:200],
            "due": _when(dossier.due_at),
            "note": event.note,
            "url": url,
        },
    )
    count = 0
    if email:
        count += enqueue(
            key=f"ev:{event.pk}:email", channel="email", to=email, subject=subject, body=body
        )
    if phone and sms:
        count += enqueue(key=f"ev:{event.pk}:sms", channel="sms", to=phone, subject="", body=sms)
    return count


#: Events are read again this far behind the cursor: a transaction that took a lower id may
#: commit after a higher one; the unique key keeps the second read from queueing twice.
RESCAN = 5000


def collect(*, batch: int = 2000) -> int:
    """Read new control-sheet rows and queue notifications for them. Returns messages queued."""
    with transaction.atomic():
        cursor, _ = NotifyCursor.objects.select_for_update().get_or_create(name="events")
        start = max(cursor.last_event_id - RESCAN, 0)
        rows = list(
            DossierEvent.objects.filter(pk__gt=start, action__in=list(EVENT_TEMPLATE))
            .select_related("dossier__applicant__user", "dossier__procedure_version")
            .order_by("pk")[:batch]
        )
        queued = sum(notify_event(e, e.dossier) for e in rows)
        top = DossierEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        last = rows[-1].pk if len(rows) == batch else top
        if last > cursor.last_event_id:
            cursor.last_event_id = last
            cursor.save(update_fields=["last_event_id"])
    return queued


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _send(message: OutboxMessage, mail_connection: Any) -> None:
    if message.channel == "sms":
        import_string(settings.MOTCUA_SMS_BACKEND)().send(message.to, message.body)
        return
    EmailMessage(
        subject=message.subject,
        body=message.body,
        to=[message.to],
        connection=mail_connection,
        # The outbox key names the message: a relay that sees it twice can drop the copy.
        headers={"Message-ID": f"<{message.key.replace(':', '.')}@motcua>"},
    ).send()


def deliver(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send due messages. Each is claimed under a row lock (``SKIP LOCKED`` on PostgreSQL, so
    two workers never take the same message), sent, then marked sent in the same
    transaction; a failure leaves it pending with the next attempt pushed back."""
    moment = now or timezone.now()
    sent = failed = 0
    mail_connection = get_connection(fail_silently=False)
    skip_locked = connection.features.has_select_for_update_skip_locked
    ids = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=moment)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=skip_locked)
                .filter(pk=pk, status=OutboxStatus.PENDING)
                .first()
            )
            if message is None:
                continue
            message.attempts += 1
            try:
                _send(message, mail_connection)
            except Exception as exc:
                failed += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:300]
                if message.attempts >= settings.MOTCUA_OUTBOX_MAX_ATTEMPTS:
                    message.status = OutboxStatus.FAILED
                message.next_attempt_at = moment + backoff(message.attempts)
                log.warning("outbox %s: attempt %s failed", message.key, message.attempts)
            else:
                sent += 1
                message.status = OutboxStatus.SENT
                message.sent_at = timezone.now()
                message.last_error = ""
            message.save()
    return {"sent": sent, "failed": failed}
