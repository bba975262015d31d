"""Webhook subscribers, the delivery outbox and the relay's position in the control sheet.

The transactional outbox is the control sheet itself: every state change writes its
:class:`~motcua.dossiers.models.DossierEvent` row in the same transaction as the change (the one
write path of the engine), so an event exists if and only if the change was committed. The
relay (``services.relay_events``) copies each new event into one :class:`Delivery` per matching
subscriber — exactly once (unique ``(subscription, event)``) — and the delivery task sends them,
in order per dossier, with retries (docs/integration.md).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import models
from django.db.models import Q

RELAY_CURSOR = "dossier-events"


class SubscriptionKind(models.TextChoices):
    CLOUDEVENTS = "cloudevents", "Webhook CloudEvents 1.0 (JSON)"
    NATIONAL = "national", "Đồng bộ Cổng Dịch vụ công quốc gia"


def _secret() -> str:
    return secrets.token_urlsafe(32)


class Subscription(models.Model):
    """A receiver of dossier events: its URL, the signing secret and the filter."""

    name = models.CharField("tên", max_length=200, unique=True)
    kind = models.CharField(
        "định dạng", max_length=16, choices=SubscriptionKind.choices, default="cloudevents"
    )
    url = models.URLField("địa chỉ nhận (URL)", max_length=500)
    secret = models.CharField(
        "khóa ký HMAC",
        max_length=200,
        default=_secret,
        help_text="Bên nhận dùng khóa này để kiểm tra chữ ký X-Motcua-Signature.",
    )
    event_types = models.JSONField(
        "loại sự kiện",
        default=list,
        blank=True,
        help_text="Các thao tác (vd. accept, return_result); để trống là mọi sự kiện.",
    )
    agencies = models.ManyToManyField(
        "agencies.Agency",
        blank=True,
        related_name="+",
        verbose_name="cơ quan",
        help_text="Chỉ hồ sơ có cơ quan tiếp nhận, đang giữ hoặc có thẩm quyền trong danh sách; "
        "để trống là mọi cơ quan.",
    )
    procedures = models.JSONField(
        "mã thủ tục", default=list, blank=True, help_text="Để trống là mọi thủ tục."
    )
    is_active = models.BooleanField("đang hoạt động", default=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "bên nhận webhook"
        verbose_name_plural = "bên nhận webhook"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The relay's cursor exists from the first subscriber on (normally made by the
        # migration): the subscriber gets the events from now on, not the whole history.
        if not RelayCursor.objects.filter(name=RELAY_CURSOR).exists():
            from motcua.dossiers.models import DossierEvent

            top = DossierEvent.objects.aggregate(top=models.Max("pk"))["top"] or 0
            RelayCursor.objects.get_or_create(name=RELAY_CURSOR, defaults={"last_event_id": top})
        super().save(*args, **kwargs)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Đang chờ gửi"
    DELIVERED = "delivered", "Đã gửi"
    FAILED = "failed", "Gửi thất bại"


class Delivery(models.Model):
    """One event for one subscriber, with its frozen message and the attempts."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name="bên nhận"
    )
    event = models.ForeignKey(
        "dossiers.DossierEvent", on_delete=models.PROTECT, related_name="+", verbose_name="sự kiện"
    )
    dossier_id = models.BigIntegerField("hồ sơ (id)")
    seq = models.PositiveIntegerField("số thứ tự sự kiện")
    message_id = models.CharField("mã thông điệp", max_length=100)
    payload = models.JSONField("nội dung")
    status = models.CharField(
        "trạng thái", max_length=10, choices=DeliveryStatus.choices, default="pending"
    )
    attempts = models.PositiveIntegerField("số lần thử", default=0)
    next_attempt_at = models.DateTimeField("thử lại lúc")
    window_start = models.DateTimeField(
        "bắt đầu thử lúc", help_text="Thử lại trong ít nhất 24 giờ kể từ thời điểm này."
    )
    last_status = models.PositiveSmallIntegerField("mã HTTP lần cuối", null=True, blank=True)
    last_error = models.TextField("lỗi lần cuối", blank=True)
    delivered_at = models.DateTimeField("gửi được lúc", null=True, blank=True)
    failed_at = models.DateTimeField("thất bại lúc", null=True, blank=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)

    class Meta:
        verbose_name = "lượt gửi webhook"
        verbose_name_plural = "hộp thư đi (webhook)"
        ordering = ["subscription", "dossier_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="integrations_once")
        ]
        indexes = [
            models.Index(
                fields=["subscription", "dossier_id", "seq"],
                condition=Q(status="pending"),
                name="integrations_pending",
            ),
            models.Index(fields=["status", "failed_at"], name="integrations_status"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} · {self.message_id}"


class RelayCursor(models.Model):
    """How far the relay has read the control sheet: the highest event id seen and the ids below
    it not seen yet (``gaps``: a transaction that took the id but had not committed when the
    relay read — it is looked for again until ``GAP_TIMEOUT``)."""

    name = models.CharField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    gaps = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "vị trí đọc sự kiện"
        verbose_name_plural = "vị trí đọc sự kiện"

    def __str__(self) -> str:
        return f"{self.name}: {self.last_event_id}"


class NationalDossierLink(models.Model):
    """A dossier submitted on the national portal: its national id (``MaHoSoQuocGia``) and the
    dossier it became here. Unique: the same national dossier never becomes two."""

    national_id = models.CharField("mã hồ sơ trên Cổng quốc gia", max_length=100, unique=True)
    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="national_link"
    )
    received_at = models.DateTimeField("nhận lúc", auto_now_add=True)

    class Meta:
        verbose_name = "hồ sơ từ Cổng Dịch vụ công quốc gia"
        verbose_name_plural = "hồ sơ từ Cổng Dịch vụ công quốc gia"

    def __str__(self) -> str:
        return f"{self.national_id} → {self.dossier_id}"


class SyncVia(models.TextChoices):
    DELIVERY = "delivery", "Đã gửi lên Cổng DVCQG"
    LINK = "link", "Nộp trên Cổng DVCQG"
    SIMULATED = "simulated", "Mô phỏng"


class NationalSync(models.Model):
    """A dossier the Cổng Dịch vụ công quốc gia knows (QĐ 766 indicator 1.4, rules.md §4.2): its
    first event delivered to a subscription of kind ``national`` (``Delivery.delivered_at``), or
    the dossier came from the portal (``NationalDossierLink``). One row per dossier, the first
    moment; written by ``services.national_sync_record`` where those are recorded, read by the
    monitoring refresh (its id is a watermark there)."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="+", verbose_name="hồ sơ"
    )
    synced_at = models.DateTimeField("đồng bộ lúc")
    via = models.CharField("cách đồng bộ", max_length=10, choices=SyncVia.choices)

    class Meta:
        verbose_name = "hồ sơ đã đồng bộ Cổng DVCQG"
        verbose_name_plural = "hồ sơ đã đồng bộ Cổng DVCQG"

    def __str__(self) -> str:
        return f"{self.dossier_id} @ {self.synced_at:%Y-%m-%d %H:%M}"
