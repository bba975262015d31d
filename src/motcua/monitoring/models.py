"""The monitoring store: derived, rebuildable tables (never the source of truth).

* :class:`DossierFact` — one row per dossier: what the indicators need to know about it (its
  dimensions, days, QĐ 766 classification, TT 01/2018 points) and ``contrib``, the exact counts it
  adds to :class:`DailyFact`. Refreshing a dossier subtracts its old contribution and adds the new
  one, so refreshing twice changes nothing (idempotent) and the aggregate can be kept current from
  the engine's events without ever scanning every dossier.
* :class:`DailyFact` — counters per day × agency × procedure × field × officer × channel. The
  dashboards and reports read only this table (plus the few open dossiers at a period's end).
* :class:`RatingDaily` — ratings per day × agency × officer × procedure × field (those of the
  rated dossier, 0 for a rating without one), recomputed day by day; :class:`RatingMonthly` —
  the same per month, moved by the same differences (as :class:`MonthlyFact` for
  :class:`DailyFact`).
* :class:`Watermark` — how far the refresh has read the event and rating logs.
* :class:`ExportJob` — a background report export and its progress.

Dimension columns are plain integers with 0 meaning "none" so the unique keys work on every
database (NULLs are distinct in unique constraints). ``motcua metrics rebuild`` recreates
everything from the dossiers; ``motcua metrics verify`` compares with a full recomputation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

#: The counters of :class:`DailyFact`, in report order. Integer counters; ``res_hours_sum`` is the
#: only float (working hours).
COUNTERS: tuple[str, ...] = (
    "registered",
    "received",
    "refused_reception",
    "ended_early",
    "ended_on_time",
    "ended_late",
    "decided_early",
    "decided_on_time",
    "decided_late",
    "withdrawn",
    "stopped",
    "returned",
    "supplement_requested",
    "extended",
    "res_count",
    "res_hours_sum",
    "digitised",
    "e_result",
    "reused",
    "fee_bearing",
    "paid_online",
    "synced",
    "store_linked",
    "disliked",
    "tt01_n",
    "tt01_c1",
    "tt01_c2",
    "tt01_c3",
    "tt01_c4",
    "tt01_c6",
    "tt01_c7",
    "open_start",
    "overdue_start",
)
#: Snapshot counters (dossiers open / overdue at 00:00 on the row's day, recorded on the first
#: day of each month): never summed over a period, read for one day.
SNAPSHOT_COUNTERS = frozenset({"open_start", "overdue_start"})
FLOAT_COUNTERS = frozenset({"res_hours_sum"})
DIMENSIONS: tuple[str, ...] = (
    "day",
    "agency_id",
    "procedure_id",
    "field_id",
    "officer_id",
    "channel",
)


class DossierFact(models.Model):
    dossier = models.OneToOneField(
        "dossiers.Dossier",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name="hồ sơ",
    )
    agency_id = models.PositiveBigIntegerField("cơ quan có thẩm quyền")
    receiving_agency_id = models.PositiveBigIntegerField("cơ quan tiếp nhận")
    procedure_id = models.PositiveBigIntegerField("thủ tục")
    field_id = models.PositiveBigIntegerField("lĩnh vực", default=0)
    officer_id = models.PositiveBigIntegerField("chuyên viên xử lý", default=0)
    channel = models.CharField("hình thức nộp", max_length=10)
    submitted_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_kind = models.CharField(max_length=20, blank=True)
    outcome = models.CharField("kết quả QĐ 766", max_length=10, blank=True)
    supplement_wait_from = models.DateTimeField(null=True, blank=True)
    supplements = models.PositiveSmallIntegerField(default=0)
    res_hours = models.FloatField(null=True, blank=True)
    tt01 = models.JSONField("điểm TT 01/2018", default=dict, blank=True)
    flags = models.JSONField(default=dict, blank=True)
    contrib = models.JSONField("đóng góp vào bảng tổng hợp", default=dict, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "dữ kiện hồ sơ"
        verbose_name_plural = "dữ kiện hồ sơ"
        indexes = [
            # Open at a moment E: received before E, not ended or ended after E.
            models.Index(fields=["ended_at"], name="monitoring_fact_ended"),
            models.Index(fields=["agency_id", "received_at"], name="monitoring_fact_agency"),
            models.Index(
                fields=["received_at"],
                condition=models.Q(ended_at__isnull=True),
                name="monitoring_fact_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}"


class Facts(models.Model):
    """The counters, per ``day`` (or per month: ``day`` is the month's first day) and dimensions."""

    day = models.DateField("ngày")
    agency_id = models.PositiveBigIntegerField("cơ quan")
    procedure_id = models.PositiveBigIntegerField("thủ tục")
    field_id = models.PositiveBigIntegerField("lĩnh vực", default=0)
    officer_id = models.PositiveBigIntegerField("chuyên viên", default=0)
    channel = models.CharField("hình thức nộp", max_length=10)
    registered = models.IntegerField(default=0)
    received = models.IntegerField(default=0)
    refused_reception = models.IntegerField(default=0)
    ended_early = models.IntegerField(default=0)
    ended_on_time = models.IntegerField(default=0)
    ended_late = models.IntegerField(default=0)
    decided_early = models.IntegerField(default=0)
    decided_on_time = models.IntegerField(default=0)
    decided_late = models.IntegerField(default=0)
    withdrawn = models.IntegerField(default=0)
    stopped = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    supplement_requested = models.IntegerField(default=0)
    extended = models.IntegerField(default=0)
    res_count = models.IntegerField(default=0)
    res_hours_sum = models.FloatField(default=0)
    digitised = models.IntegerField(default=0)
    e_result = models.IntegerField(default=0)
    reused = models.IntegerField(default=0)
    fee_bearing = models.IntegerField(default=0)
    paid_online = models.IntegerField(default=0)
    synced = models.IntegerField("đồng bộ Cổng DVCQG", default=0)
    store_linked = models.IntegerField("liên kết kho dữ liệu cá nhân", default=0)
    disliked = models.IntegerField(default=0)
    tt01_n = models.IntegerField(default=0)
    tt01_c1 = models.IntegerField(default=0)
    tt01_c2 = models.IntegerField(default=0)
    tt01_c3 = models.IntegerField(default=0)
    tt01_c4 = models.IntegerField(default=0)
    tt01_c6 = models.IntegerField(default=0)
    tt01_c7 = models.IntegerField(default=0)
    open_start = models.IntegerField("đang xử lý đầu ngày", default=0)
    overdue_start = models.IntegerField("quá hạn đầu ngày", default=0)

    class Meta:
        abstract = True


class DailyFact(Facts):
    class Meta:
        verbose_name = "số liệu tổng hợp theo ngày"
        verbose_name_plural = "số liệu tổng hợp theo ngày"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency_id", "procedure_id", "field_id", "officer_id", "channel"],
                name="monitoring_daily_key",
            )
        ]
        indexes = [
            models.Index(fields=["agency_id", "day"], name="monitoring_daily_agency"),
            models.Index(fields=["officer_id", "day"], name="monitoring_daily_officer"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id}/{self.procedure_id}/{self.officer_id} {self.channel}"


class MonthlyFact(Facts):
    """The same counters per month (``day`` = the first day of the month): a period's whole
    months are read here, its edge days from ``DailyFact`` — 30 times fewer rows to add up."""

    class Meta:
        verbose_name = "số liệu tổng hợp theo tháng"
        verbose_name_plural = "số liệu tổng hợp theo tháng"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency_id", "procedure_id", "field_id", "officer_id", "channel"],
                name="monitoring_monthly_key",
            )
        ]
        indexes = [
            models.Index(fields=["agency_id", "day"], name="monitoring_monthly_agency"),
            models.Index(fields=["officer_id", "day"], name="monitoring_monthly_officer"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%m/%Y} {self.agency_id}/{self.procedure_id}/{self.officer_id}"


class Ratings(models.Model):
    """Ratings per ``day`` (or per month: ``day`` is the month's first day) × agency × officer ×
    procedure × field."""

    day = models.DateField("ngày")
    agency_id = models.PositiveBigIntegerField("cơ quan", default=0)
    officer_id = models.PositiveBigIntegerField("cán bộ", default=0)
    #: The rated dossier's procedure and field (its procedure version's); 0 without a dossier.
    procedure_id = models.PositiveBigIntegerField("thủ tục", default=0)
    field_id = models.PositiveBigIntegerField("lĩnh vực", default=0)
    ratings = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    points_sum = models.IntegerField(default=0)

    class Meta:
        abstract = True


class RatingDaily(Ratings):
    class Meta:
        verbose_name = "đánh giá tổng hợp theo ngày"
        verbose_name_plural = "đánh giá tổng hợp theo ngày"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency_id", "officer_id", "procedure_id", "field_id"],
                name="monitoring_rating_key",
            )
        ]
        indexes = [models.Index(fields=["agency_id", "day"], name="monitoring_rating_agency")]

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id}/{self.officer_id}/{self.procedure_id}"


class RatingMonthly(Ratings):
    """The same ratings per month (``day`` = the first day of the month), kept with
    ``RatingDaily`` in the same transactions: a period's whole months are read here, its edge
    days from ``RatingDaily`` (as ``MonthlyFact`` for ``DailyFact``)."""

    class Meta:
        verbose_name = "đánh giá tổng hợp theo tháng"
        verbose_name_plural = "đánh giá tổng hợp theo tháng"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency_id", "officer_id", "procedure_id", "field_id"],
                name="monitoring_rating_monthly_key",
            )
        ]
        # Index names are at most 30 characters (Django's models.E034).
        indexes = [models.Index(fields=["agency_id", "day"], name="monitoring_rating_month_agency")]

    def __str__(self) -> str:
        return f"{self.day:%m/%Y} {self.agency_id}/{self.officer_id}/{self.procedure_id}"


class Watermark(models.Model):
    """How far the refresh has read: the last ``DossierEvent`` and ``Rating`` ids."""

    name = models.CharField(max_length=40, unique=True)
    event_id = models.BigIntegerField(default=0)
    rating_id = models.BigIntegerField(default=0)
    #: The last ``integrations.NationalSync`` id read (QĐ 766 1.4).
    sync_id = models.BigIntegerField(default=0)
    #: The last ``integrations.ResultStorePush`` id read (QĐ 766 4.4, results pushed).
    push_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "mốc cập nhật số liệu"
        verbose_name_plural = "mốc cập nhật số liệu"

    def __str__(self) -> str:
        return f"{self.name}: {self.event_id}/{self.rating_id}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Đang chờ"
    RUNNING = "running", "Đang tạo"
    DONE = "done", "Hoàn thành"
    FAILED = "failed", "Lỗi"


class ExportJob(models.Model):
    """A report export running in the background (django-tasks), with its progress."""

    created_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    params = models.JSONField(default=dict)
    fmt = models.CharField("định dạng", max_length=4)
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default="queued")
    progress = models.PositiveSmallIntegerField("tiến độ (%)", default=0)
    filename = models.CharField(max_length=200, blank=True)
    content = models.BinaryField(null=True, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "xuất báo cáo"
        verbose_name_plural = "xuất báo cáo"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.fmt} {self.status} {self.progress}%"
