"""The counter queue of a one-stop center (ND 118/2025/NĐ-CP Điều 13 khoản 2 điểm b): automatic
queue-ticket machines connected to the system, counters grouped by field, priority for the
elderly, pregnant women and people with disabilities, and touch screens to rate satisfaction.

Written only through ``motcua.queueing.services``; every write is audited there.
"""

from __future__ import annotations

import secrets
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext

from motcua.common.models import AppendOnlyModel, TimeStampedModel

if TYPE_CHECKING:
    from motcua.dossiers.models import Dossier


def _device_key() -> str:
    return secrets.token_urlsafe(18)


class Site(TimeStampedModel):
    """A place with a ticket kiosk and counters: the provincial Public Administrative Service
    Center (TTPVHCC cấp tỉnh) or a commune center (TTPVHCC cấp xã), ND 118/2025 Đ3, Đ13."""

    code = models.SlugField(
        "mã điểm",
        max_length=40,
        unique=True,
        help_text="Dùng trong địa chỉ kiosk và bảng hiển thị, ví dụ: tinh, nha-trang.",
    )
    name = models.CharField("tên điểm", max_length=200)
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="queue_sites",
        verbose_name="cơ quan (Trung tâm PVHCC)",
    )
    active = models.BooleanField("đang hoạt động", default=True)

    class Meta:
        verbose_name = "điểm xếp hàng"
        verbose_name_plural = "điểm xếp hàng"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceGroup(TimeStampedModel):
    """Counters are grouped by field (*lĩnh vực*, ND 118/2025 Đ13.2b)."""

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="groups", verbose_name="điểm"
    )
    code = models.CharField("ký hiệu", max_length=4, help_text="Ví dụ: A, B, DD.")
    name = models.CharField("tên nhóm dịch vụ", max_length=200)
    fields = models.ManyToManyField(
        "catalogue.Field", blank=True, related_name="queue_groups", verbose_name="lĩnh vực"
    )
    order = models.PositiveSmallIntegerField("thứ tự hiển thị", default=0)
    slot_capacity = models.PositiveSmallIntegerField(
        "số lượt đặt trước mỗi khung giờ",
        default=4,
        help_text="0 = không nhận đặt lịch trước cho nhóm này.",
    )
    active = models.BooleanField("đang hoạt động", default=True)

    class Meta:
        verbose_name = "nhóm dịch vụ"
        verbose_name_plural = "nhóm dịch vụ"
        ordering = ["site", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="queueing_group_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Counter(TimeStampedModel):
    """One counter (*quầy*): its number, the groups it serves, the officer signed in at it."""

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="counters", verbose_name="điểm"
    )
    number = models.PositiveSmallIntegerField("số quầy")
    label = models.CharField("tên quầy", max_length=120, blank=True)
    groups = models.ManyToManyField(
        ServiceGroup, related_name="counters", verbose_name="nhóm dịch vụ phục vụ"
    )
    priority = models.BooleanField(
        "quầy ưu tiên",
        default=False,
        help_text="Quầy ưu tiên người cao tuổi, phụ nữ mang thai, người khuyết tật (Đ13.2b).",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="queue_counters",
        verbose_name="cán bộ đang làm việc",
    )
    officer_since = models.DateTimeField("làm việc từ", null=True, blank=True)
    device_key = models.CharField(
        "khóa thiết bị đánh giá",
        max_length=40,
        unique=True,
        default=_device_key,
        help_text="Địa chỉ màn hình đánh giá tại quầy chứa khóa này.",
    )
    active = models.BooleanField("đang hoạt động", default=True)

    class Meta:
        verbose_name = "quầy"
        verbose_name_plural = "quầy"
        ordering = ["site", "number"]
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="queueing_counter_unique"),
            models.UniqueConstraint(
                fields=["officer"],
                condition=Q(officer__isnull=False),
                name="queueing_counter_one_per_officer",
            ),
        ]

    def __str__(self) -> str:
        text = gettext("Quầy số %(number)s") % {"number": self.number}
        return text + (f" — {self.label}" if self.label else "")


class TicketStatus(models.TextChoices):
    BOOKED = "booked", "Đã đặt lịch, chưa đến"
    WAITING = "waiting", "Đang chờ"
    CALLED = "called", "Đã gọi"
    SERVING = "serving", "Đang phục vụ"
    DONE = "done", "Đã phục vụ xong"
    NO_SHOW = "no_show", "Vắng mặt"
    CANCELLED = "cancelled", "Đã hủy"


#: Statuses in which a ticket occupies its counter.
AT_COUNTER = (TicketStatus.CALLED, TicketStatus.SERVING)


class Priority(models.TextChoices):
    NONE = "", "Không ưu tiên"
    GENERAL = "general", "Ưu tiên (người cao tuổi, phụ nữ mang thai, người khuyết tật)"
    ELDERLY = "elderly", "Người cao tuổi"
    PREGNANT = "pregnant", "Phụ nữ mang thai"
    DISABILITY = "disability", "Người khuyết tật"
    OTHER = "other", "Đối tượng ưu tiên khác"


class TicketSequence(models.Model):
    """The last ticket number issued at a site on a day (one number line per site)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last_value = models.PositiveIntegerField()

    class Meta:
        verbose_name = "số vé trong ngày"
        verbose_name_plural = "số vé trong ngày"
        constraints = [
            models.UniqueConstraint(fields=["site", "day"], name="queueing_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.day}: {self.last_value}"


class Ticket(models.Model):
    """A queue ticket (*vé số thứ tự*). ``queued_at`` orders the queue within a priority
    class: the moment the ticket was issued or checked in (a booked ticket checked in on time
    keeps its slot)."""

    uuid = models.UUIDField("mã công khai", default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="tickets")
    group = models.ForeignKey(
        ServiceGroup, on_delete=models.PROTECT, related_name="tickets", verbose_name="nhóm"
    )
    day = models.DateField("ngày")
    number = models.PositiveIntegerField("số")
    priority = models.CharField(
        "ưu tiên", max_length=16, choices=Priority.choices, blank=True, default=""
    )
    status = models.CharField(
        "trạng thái", max_length=16, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    issued_at = models.DateTimeField("lấy số lúc")
    queued_at = models.DateTimeField("vào hàng đợi lúc", null=True, blank=True)
    #: A transfer to one counter: only that counter may call it.
    target_counter = models.ForeignKey(
        Counter,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="chuyển đến quầy",
    )
    counter = models.ForeignKey(
        Counter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name="quầy",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="cán bộ",
    )
    first_called_at = models.DateTimeField("gọi lần đầu lúc", null=True, blank=True)
    called_at = models.DateTimeField("gọi lúc", null=True, blank=True)
    call_count = models.PositiveSmallIntegerField("số lần gọi", default=0)
    serving_started_at = models.DateTimeField("bắt đầu phục vụ lúc", null=True, blank=True)
    finished_at = models.DateTimeField("kết thúc lúc", null=True, blank=True)
    transfers = models.PositiveSmallIntegerField("số lần chuyển", default=0)
    # Booking ahead (online), checked in at the kiosk.
    booked_for = models.DateTimeField("đặt lịch lúc", null=True, blank=True)
    booking_code = models.CharField("mã đặt lịch", max_length=12, blank=True, default="")
    checked_in_at = models.DateTimeField("xác nhận đến lúc", null=True, blank=True)
    #: The booking's contact: the last digits of the phone confirm a cancellation; the phone
    #: (SMS) and the e-mail receive the reminder (``portal.notify`` outbox).
    contact_phone = models.CharField("số điện thoại", max_length=20, blank=True, default="")
    contact_email = models.EmailField("thư điện tử", blank=True, default="")
    #: Seconds from entering the queue to the first call, and from the start to the end of the
    #: service: written when they happen, so the dashboards aggregate them in the database.
    wait_seconds = models.PositiveIntegerField("thời gian chờ (giây)", null=True, blank=True)
    service_seconds = models.PositiveIntegerField("thời gian phục vụ (giây)", null=True, blank=True)
    dossiers: models.ManyToManyField[Dossier, TicketDossier] = models.ManyToManyField(
        "dossiers.Dossier",
        through="TicketDossier",
        related_name="queue_tickets",
        verbose_name="hồ sơ",
    )

    class Meta:
        verbose_name = "vé xếp hàng"
        verbose_name_plural = "vé xếp hàng"
        ordering = ["-day", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "day", "number"], name="queueing_ticket_number_unique"
            ),
            # A counter holds at most one called or served ticket at a time.
            models.UniqueConstraint(
                fields=["counter"],
                condition=Q(status__in=["called", "serving"]),
                name="queueing_one_ticket_per_counter",
            ),
            models.UniqueConstraint(
                fields=["booking_code"],
                condition=~Q(booking_code=""),
                name="queueing_booking_code_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["site", "status", "group", "queued_at"], name="queueing_ticket_queue"
            ),
            models.Index(fields=["site", "called_at"], name="queueing_ticket_called"),
            models.Index(fields=["day", "site"], name="queueing_ticket_day"),
        ]

    def __str__(self) -> str:
        return f"Vé số {self.number} ({self.day:%d/%m/%Y})"

    @property
    def label(self) -> str:
        """The number shown and spoken, e.g. ``1024``."""
        return str(self.number)


class TicketDossier(models.Model):
    """The dossier(s) a ticket led to (a counter intake started from a called ticket)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="dossier_links")
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="queue_ticket_links"
    )
    linked_at = models.DateTimeField("liên kết lúc")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "hồ sơ của vé"
        verbose_name_plural = "hồ sơ của vé"
        constraints = [
            models.UniqueConstraint(fields=["ticket", "dossier"], name="queueing_ticket_dossier")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.dossier_id}"


class EventKind(models.TextChoices):
    ISSUE = "issue", "Lấy số"
    BOOK = "book", "Đặt lịch"
    CHECK_IN = "check_in", "Xác nhận đến"
    CALL = "call", "Gọi số"
    RECALL = "recall", "Gọi lại"
    START = "start", "Bắt đầu phục vụ"
    FINISH = "finish", "Phục vụ xong"
    NO_SHOW = "no_show", "Vắng mặt"
    TRANSFER = "transfer", "Chuyển"
    CANCEL = "cancel", "Hủy"
    LINK = "link", "Liên kết hồ sơ"
    RATE = "rate", "Đánh giá"


class TicketEvent(AppendOnlyModel):
    """What happened to a ticket, in order. The display board follows the call events; the
    statistics read the tickets themselves."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    at = models.DateTimeField()
    counter = models.ForeignKey(
        Counter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "diễn biến vé"
        verbose_name_plural = "diễn biến vé"
        ordering = ["id"]
        indexes = [models.Index(fields=["site", "id"], name="queueing_event_site")]
