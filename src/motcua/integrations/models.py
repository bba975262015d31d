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

from django.conf import settings
from django.db import models
from django.db.models import Q

RELAY_CURSOR = "dossier-events"


class SubscriptionKind(models.TextChoices):
    CLOUDEVENTS = "cloudevents", "Webhook CloudEvents 1.0 (JSON)"
    NATIONAL = "national", "Đồng bộ Cổng Dịch vụ công quốc gia"
    #: The e-result link pushed to the applicant's personal data store on the Cổng DVCQG (QĐ 766
    #: 4.4; NĐ 45/2020 Điều 14, 16; NĐ 118/2025 Điều 22 khoản 4): only eligible returns.
    NATIONAL_STORE = "national_store", "Đẩy kết quả vào Kho dữ liệu của tổ chức, cá nhân"


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


class PushVia(models.TextChoices):
    DELIVERY = "delivery", "Đã đẩy qua hộp thư đi"
    SIMULATED = "simulated", "Mô phỏng"


class ResultStorePush(models.Model):
    """A dossier whose electronic result link reached the applicant's personal data store on the
    Cổng DVCQG (*Kho quản lý dữ liệu điện tử của tổ chức, cá nhân*; NĐ 45/2020/NĐ-CP Điều 14,
    16; NĐ 118/2025/NĐ-CP Điều 22 khoản 4) — the second half of QĐ 766 indicator 4.4 (rules.md
    §4.2). One row per dossier: ``pushed_at`` is the first push the portal accepted; a corrected
    result returned again is pushed again and updates ``result_code`` / ``store_ref``. Written
    only by ``services.result_store_push_record`` (in the transaction that marks the delivery
    delivered), read by the monitoring refresh (its id is a watermark there)."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="+", verbose_name="hồ sơ"
    )
    pushed_at = models.DateTimeField("đẩy vào kho lúc")
    via = models.CharField("cách đẩy", max_length=10, choices=PushVia.choices)
    delivery = models.ForeignKey(
        Delivery,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="lượt gửi gần nhất",
    )
    result_code = models.CharField("mã kết quả (MaKetQua)", max_length=100, blank=True)
    store_ref = models.CharField(
        "mã tài liệu trong kho",
        max_length=200,
        blank=True,
        help_text="Mã Cổng DVCQG trả về cho tài liệu trong kho (MaTaiLieuKho), nếu có.",
    )
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "kết quả đã đẩy vào Kho dữ liệu của tổ chức, cá nhân"
        verbose_name_plural = "kết quả đã đẩy vào Kho dữ liệu của tổ chức, cá nhân"

    def __str__(self) -> str:
        return f"{self.dossier_id} @ {self.pushed_at:%Y-%m-%d %H:%M}"


class ResultStoreRefusal(models.Model):
    """The applicant does not want the electronic result kept in their personal data store on
    the Cổng DVCQG (the store is theirs: NĐ 45/2020 Điều 16; Luật Dữ liệu 2024 / NĐ 13/2023 on
    the data subject's consent). Recorded before the result is returned, by the one-stop unit
    (at the handover) or by the applicant on their own dossier; the return is then not pushed.
    Written only by ``services.result_store_refusal_record``."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="+", verbose_name="hồ sơ"
    )
    recorded_at = models.DateTimeField("ghi nhận lúc")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người ghi nhận",
    )
    note = models.CharField("ghi chú", max_length=500, blank=True)

    class Meta:
        verbose_name = "từ chối lưu kết quả vào Kho dữ liệu"
        verbose_name_plural = "từ chối lưu kết quả vào Kho dữ liệu"

    def __str__(self) -> str:
        return f"{self.dossier_id} ({self.recorded_at:%Y-%m-%d})"
