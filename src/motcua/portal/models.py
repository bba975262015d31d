"""What the citizen portal stores besides the dossier engine's tables.

The dossier itself, its components and its history live in ``motcua.dossiers``; the portal keeps
only what belongs to the citizen's side: the profile, verification codes, the per-procedure form
(JSON schema, keyed by procedure so the catalogue needs no migration), drafts that survive a closed
browser, the personal data store (*kho dữ liệu cá nhân*), payments, the notification templates and
the outbox. The signed result is the officer workspace's ``ResultDocument``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from motcua.common.models import TimeStampedModel


def _upload_path(instance: models.Model, filename: str) -> str:
    # The name we store is ours (a UUID + a checked extension), never the citizen's.
    return f"portal/{instance._meta.model_name}/{filename}"


class CitizenProfile(TimeStampedModel):
    """What a citizen adds to the account (name, ID, phone and e-mail are on the ``User``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_profile"
    )
    date_of_birth = models.DateField("ngày sinh", null=True, blank=True)
    address = models.CharField("địa chỉ", max_length=300, blank=True)
    email_verified_at = models.DateTimeField("xác minh thư điện tử lúc", null=True, blank=True)
    phone_verified_at = models.DateTimeField("xác minh số điện thoại lúc", null=True, blank=True)
    oidc_subject = models.CharField("định danh OIDC (sub)", max_length=255, blank=True)

    class Meta:
        verbose_name = "hồ sơ công dân"
        verbose_name_plural = "hồ sơ công dân"
        constraints = [
            models.UniqueConstraint(
                fields=["oidc_subject"], condition=~Q(oidc_subject=""), name="portal_oidc_sub"
            )
        ]

    @property
    def verified(self) -> bool:
        return self.email_verified_at is not None or self.phone_verified_at is not None

    def __str__(self) -> str:
        return str(self.user)


class OrganisationProfile(TimeStampedModel):
    """An organisation account (*tổ chức, doanh nghiệp*): its name, enterprise / tax code,
    head-office address and legal representative. It prefills the organisation applicant of its
    online dossiers (NĐ 118/2025 Điều 17.1a: an organisation is identified by this code). One
    account per code; the code is checked by ``services.enterprise_code_normalise``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organisation_profile"
    )
    name = models.CharField("tên tổ chức, doanh nghiệp", max_length=300)
    enterprise_code = models.CharField(
        "mã số doanh nghiệp / mã số thuế", max_length=14, unique=True
    )
    address = models.CharField("địa chỉ trụ sở", max_length=300)
    representative = models.CharField("người đại diện theo pháp luật", max_length=200)

    class Meta:
        verbose_name = "hồ sơ tổ chức, doanh nghiệp"
        verbose_name_plural = "hồ sơ tổ chức, doanh nghiệp"

    def __str__(self) -> str:
        return f"{self.name} ({self.enterprise_code})"


class CodePurpose(models.TextChoices):
    VERIFY = "verify", "Xác minh tài khoản"
    RESET = "reset", "Đặt lại mật khẩu"


class VerificationCode(models.Model):
    """A one-time 6-digit code sent by e-mail or SMS; only its keyed hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=10, choices=CodePurpose.choices)
    channel = models.CharField(max_length=10)  # email | sms
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose", "created_at"], name="portal_code_user")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.channel})"


class ProcedureForm(TimeStampedModel):
    """The procedure's own fields as a JSON schema (a subset: object of string / integer /
    boolean / date / enum properties, ``required``, ``maxLength``, ``minimum``, ``maximum``), so a
    new procedure needs no code. Keyed by procedure: it follows the procedure across versions."""

    procedure = models.OneToOneField(
        "catalogue.Procedure",
        on_delete=models.CASCADE,
        related_name="portal_form",
        verbose_name="thủ tục",
    )
    schema = models.JSONField("lược đồ JSON các trường riêng", default=dict)

    class Meta:
        verbose_name = "biểu mẫu trực tuyến"
        verbose_name_plural = "biểu mẫu trực tuyến"

    def __str__(self) -> str:
        return f"Biểu mẫu {self.procedure.code}"


class DraftStatus(models.TextChoices):
    OPEN = "open", "Đang soạn"
    SUBMITTED = "submitted", "Đã nộp"


class Draft(TimeStampedModel):
    """A submission being composed, saved on the server at every step (survives a closed
    browser). After submission it stays as the record of the procedure's own field values."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_drafts"
    )
    procedure = models.ForeignKey("catalogue.Procedure", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=DraftStatus.choices, default=DraftStatus.OPEN)
    step = models.CharField(max_length=20, default="nguoi-nop")
    data = models.JSONField(default=dict, blank=True)
    dossier = models.OneToOneField(
        "dossiers.Dossier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "hồ sơ nháp"
        verbose_name_plural = "hồ sơ nháp"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "procedure"],
                condition=Q(status="open"),
                name="portal_one_open_draft",
            )
        ]

    def __str__(self) -> str:
        return f"{self.procedure_id} — {self.get_status_display()}"


class StoredDocument(TimeStampedModel):
    """The personal data store (*kho quản lý dữ liệu điện tử của cá nhân*, NĐ 118/2025
    Điều 17 khoản 1 điểm b): files the citizen uploaded or received as results, offered for
    reuse instead of uploading again."""

    class Source(models.TextChoices):
        UPLOAD = "upload", "Tải lên"
        RESULT = "result", "Kết quả giải quyết TTHC"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_documents"
    )
    name = models.CharField("tên giấy tờ", max_length=300)
    file = models.FileField(upload_to=_upload_path)
    filename = models.CharField("tên tệp", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UPLOAD)
    dossier = models.ForeignKey(
        "dossiers.Dossier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "giấy tờ trong kho dữ liệu cá nhân"
        verbose_name_plural = "kho dữ liệu cá nhân"
        constraints = [
            models.UniqueConstraint(fields=["user", "sha256"], name="portal_store_unique_file")
        ]

    def __str__(self) -> str:
        return self.name


class DraftFile(models.Model):
    """One uploaded (or reused) component of a draft."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="files")
    required_document = models.ForeignKey(
        "catalogue.RequiredDocument", null=True, blank=True, on_delete=models.PROTECT
    )
    stored = models.ForeignKey(
        StoredDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=_upload_path, blank=True)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Chờ thanh toán"
    PAID = "paid", "Đã thanh toán"
    FAILED = "failed", "Không thành công"


class Payment(models.Model):
    """One online payment through the configured gateway (NĐ 118/2025 Điều 24)."""

    reference = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    draft = models.ForeignKey(Draft, null=True, blank=True, on_delete=models.SET_NULL)
    dossier = models.ForeignKey(
        "dossiers.Dossier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.PositiveBigIntegerField("số tiền (đồng)")
    gateway = models.CharField(max_length=40)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    gateway_transaction = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = "thanh toán trực tuyến"
        verbose_name_plural = "thanh toán trực tuyến"

    def __str__(self) -> str:
        return f"{self.reference} — {self.amount} đồng"


class NotificationTemplate(TimeStampedModel):
    """A message the administrator may edit in Vietnamese (subject and body use Django
    template syntax with ``code``, ``procedure``, ``due``, ``note``, ``url``; the feedback
    events ``feedback_*`` have their own context, ``feedback.notifications.DEFAULTS``)."""

    event = models.CharField("sự kiện", max_length=40, unique=True)
    subject = models.CharField("tiêu đề", max_length=200)
    body = models.TextField("nội dung")
    sms = models.CharField("nội dung tin nhắn SMS", max_length=320, blank=True)

    class Meta:
        verbose_name = "mẫu thông báo"
        verbose_name_plural = "mẫu thông báo"

    def __str__(self) -> str:
        return self.event


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Chờ gửi"
    SENT = "sent", "Đã gửi"
    FAILED = "failed", "Gửi không thành công (hết lượt thử)"


class OutboxMessage(models.Model):
    """One message to send. ``key`` is unique so the same event is never queued twice; the
    worker sends pending messages with retries and exponential backoff."""

    key = models.CharField(max_length=120, unique=True)
    channel = models.CharField(max_length=10)  # email | sms
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "thư chờ gửi"
        verbose_name_plural = "hộp thư đi (thông báo)"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="portal_outbox_due",
            )
        ]

    def __str__(self) -> str:
        return self.key


class NotifyCursor(models.Model):
    """How far the notification collector has read the control sheet (``DossierEvent.id``)."""

    name = models.CharField(max_length=20, unique=True)
    last_event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_event_id}"
