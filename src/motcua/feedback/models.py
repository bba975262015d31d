"""Feedback (phản ánh, kiến nghị — PAKN) about an agency's handling of procedures.

ND 118/2025 Đ8.1đ: the one-stop unit receives feedback and forwards the explanations
(rules.md §1.13). The deadlines of the national PAKN system (refuse ≤ 2, first supplement
request ≤ 5, handle ≤ 15 working days from receipt or the latest transfer, publish ≤ 2 working
days after approval; QĐ 766 indicator 5.2, rules.md §4) are settings, since provinces differ
(Ninh Bình: 10 days). Each due moment is computed once, when the counting starts, through the
agency's working-day calendar, and stored: the indicator queries compare stored moments.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from motcua.common.models import TimeStampedModel


class Kind(models.TextChoices):
    """QĐ 766 indicator 5.1: the two classes of feedback."""

    REGULATION = "regulation", "Quy định hành chính, chính sách"
    CONDUCT = "conduct", "Hành vi hành chính, thái độ của cán bộ"


class Status(models.TextChoices):
    RECEIVED = "received", "Đã tiếp nhận, đang xử lý"
    SUPPLEMENT = "supplement", "Chờ bổ sung thông tin"
    REFUSED = "refused", "Từ chối tiếp nhận"
    ANSWERED = "answered", "Đã xử lý, chờ duyệt"
    APPROVED = "approved", "Đã duyệt, chờ công khai"
    PUBLISHED = "published", "Đã công khai trả lời"


OPEN_STATUSES = (Status.RECEIVED, Status.SUPPLEMENT)


class Feedback(TimeStampedModel):
    """One feedback item and its lifecycle (received → refused / supplement requested /
    answered → approved → published). Written only by ``motcua.feedback.services``."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_items",
    )
    contact_name = models.CharField("họ và tên", max_length=200)
    contact_phone = models.CharField("số điện thoại", max_length=20, blank=True, default="")
    contact_email = models.CharField("thư điện tử", max_length=254, blank=True, default="")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    dossier = models.ForeignKey(
        "dossiers.Dossier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    procedure = models.ForeignKey(
        "catalogue.Procedure", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("phân loại", max_length=12, choices=Kind.choices)
    title = models.CharField("tiêu đề", max_length=200)
    content = models.TextField("nội dung")
    status = models.CharField(
        "trạng thái", max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    submitted_at = models.DateTimeField("gửi lúc")
    #: Counting starts here: the submission, or the latest transfer (QĐ 766 5.2).
    start_at = models.DateTimeField("tính hạn từ")
    transferred_at = models.DateTimeField("chuyển đến lúc", null=True, blank=True)
    #: The latest transfer: the agency the item came from, and why (shown to the new agency).
    transferred_from = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="chuyển từ cơ quan",
        # Shown with the item, never searched: no index on a column that is mostly empty.
        db_index=False,
    )
    transfer_reason = models.TextField("lý do chuyển", blank=True, default="")
    refuse_due = models.DateTimeField("hạn từ chối")
    supplement_due = models.DateTimeField("hạn yêu cầu bổ sung")
    handle_due = models.DateTimeField("hạn xử lý")
    refused_at = models.DateTimeField("từ chối lúc", null=True, blank=True)
    refusal_reason = models.TextField("lý do từ chối", blank=True, default="")
    #: The first supplement request (the one QĐ 766 5.2 times).
    supplement_requested_at = models.DateTimeField("yêu cầu bổ sung lúc", null=True, blank=True)
    supplement_note = models.TextField("nội dung cần bổ sung", blank=True, default="")
    supplement_text = models.TextField("thông tin bổ sung", blank=True, default="")
    answered_at = models.DateTimeField("xử lý lúc", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.TextField("nội dung trả lời", blank=True, default="")
    approved_at = models.DateTimeField("duyệt lúc", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    publish_due = models.DateTimeField("hạn công khai", null=True, blank=True)
    published_at = models.DateTimeField("công khai lúc", null=True, blank=True)
    likes = models.PositiveIntegerField("số lượt thích", default=0)
    dislikes = models.PositiveIntegerField("số lượt không thích", default=0)
    reraised_at = models.DateTimeField("phản ánh lại lúc", null=True, blank=True)
    reraise_reason = models.TextField("lý do chưa hài lòng", blank=True, default="")
    #: When the row was written (not a business moment): the metrics refresh re-derives the
    #: dossier of every item recorded since its last run (QĐ 766 5.4).
    recorded_at = models.DateTimeField("ghi lúc", db_index=True)

    class Meta:
        verbose_name = "phản ánh, kiến nghị"
        verbose_name_plural = "phản ánh, kiến nghị"
        indexes = [
            models.Index(fields=["agency", "submitted_at"], name="feedback_agency_at"),
            models.Index(fields=["submitted_at"], name="feedback_at"),
            models.Index(fields=["agency", "status", "handle_due"], name="feedback_worklist"),
            models.Index(fields=["citizen", "submitted_at"], name="feedback_citizen"),
            models.Index(
                fields=["dossier"],
                name="feedback_dossier",
                condition=models.Q(dossier__isnull=False),
            ),
            models.Index(
                fields=["-published_at"],
                name="feedback_published",
                condition=models.Q(published_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"

    @property
    def code(self) -> str:
        """A short reference shown to people (the UUID stays the public id in URLs)."""
        return "PA-" + self.uuid.hex[:8].upper()

    @property
    def dissatisfied(self) -> bool:
        """QĐ 766 5.3: rated dissatisfied = more dislikes than likes."""
        return self.dislikes > self.likes


class Reaction(models.Model):
    """A citizen's like or dislike of a published answer: one per account (changing one's
    mind updates it). rules.md §1.10: the Cổng DVCQG uses like/dislike on PAKN answers."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="reactions")
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    like = models.BooleanField("thích")
    at = models.DateTimeField("lúc")

    class Meta:
        verbose_name = "lượt thích/không thích"
        verbose_name_plural = "lượt thích/không thích"
        constraints = [
            models.UniqueConstraint(fields=["feedback", "citizen"], name="reaction_once"),
        ]

    def __str__(self) -> str:
        return "thích" if self.like else "không thích"
