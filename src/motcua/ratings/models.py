"""A citizen's rating of the service received (ND 118/2025 Đ31, Đ33; rules.md §1.10)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from motcua.common.models import AppendOnlyModel


class Source(models.TextChoices):
    COUNTER_DEVICE = "counter_device", "Thiết bị đánh giá tại quầy"
    KIOSK = "kiosk", "Màn hình tra cứu, đánh giá"
    PORTAL = "portal", "Cổng dịch vụ công"
    SLIP = "slip", "Phiếu đánh giá"
    API = "api", "Hệ thống khác (API)"


class Rating(AppendOnlyModel):
    """One rating, never edited: a change of mind is a new rating.

    ``rater`` is kept to stop double voting and is never shown: evaluators' identities are
    confidential (ND 61/2018 Đ29.3). ``criteria`` holds optional answers per citizen criterion
    of ND 118/2025 Đ33.1 (keys "a" … "i", values on the same scale).
    """

    created_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    level = models.PositiveSmallIntegerField("mức đánh giá")
    points = models.PositiveSmallIntegerField("điểm TT01 (2/1/0)")
    satisfied = models.BooleanField("hài lòng (QĐ 766)")
    dossier = models.ForeignKey(
        "dossiers.Dossier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings_received",
    )
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    #: Opaque reference of what was rated besides a dossier, e.g. "ticket:1024" for a queue ticket.
    subject = models.CharField(max_length=64, blank=True, default="")
    criteria = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = "đánh giá"
        verbose_name_plural = "đánh giá mức độ hài lòng"
        indexes = [
            models.Index(fields=["agency", "created_at"], name="rating_agency_at"),
            models.Index(fields=["officer", "created_at"], name="rating_officer_at"),
            models.Index(fields=["dossier"], name="rating_dossier"),
            models.Index(fields=["subject"], name="rating_subject"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(points__lte=2), name="rating_points_0_2"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.level}"
