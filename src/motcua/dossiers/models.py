"""Dossiers (hồ sơ), applicants, components, the control sheet and the clock history.

Designed for 10 million dossiers on PostgreSQL (SQLite is the embedded default); the indexes and
why they serve the queries are in ``docs/dossiers.md``. Rules:

* **One write path.** Only ``services`` changes a dossier: each public service applies one
  workflow action through ``services._apply`` (row lock, access, optimistic version, the pure
  rules of ``workflow.plan_transition``, the events and the audit log, in one transaction). The
  admin and every interface read; they never write workflow fields.
* **Append-only history.** :class:`DossierEvent` (the *Phiếu kiểm soát quá trình giải quyết hồ
  sơ*, TT 01/2018/TT-VPCP Mẫu 05, TT 03/2025/TT-VPCP) and :class:`ClockEvent` rows are never
  edited or deleted: ``save`` on a stored row, ``delete`` and queryset ``update``/``delete``
  raise.
* **The code never changes** once issued (NĐ 118/2025/NĐ-CP Điều 28; TT 01/2018/TT-VPCP Điều 19):
  ``Dossier.save`` refuses to change a stored code.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from motcua.catalogue.models import Channel
from motcua.common.errors import AppendOnly
from motcua.common.models import AppendOnlyModel, TimeStampedModel
from motcua.dossiers.national import NationalStatus
from motcua.dossiers.workflow import (
    CLOCK_STATE,
    Action,
    ClockState,
    DossierStatus,
    InterAgencyMode,
)

#: Statuses whose due moment is live: the clock runs (``CLOCK_STATE`` = running). The partial
#: index for "coming due" / "overdue" covers exactly these rows.
RUNNING_STATUSES: tuple[str, ...] = tuple(
    sorted(s.value for s, c in CLOCK_STATE.items() if c is ClockState.RUNNING)
)

personal_id_validator = RegexValidator(
    regex=r"^\d{12}$",
    message="Số định danh cá nhân phải gồm đúng 12 chữ số (Luật Căn cước 2023, Điều 12), "
    "ví dụ 079123456789.",
    code="invalid_personal_id",
)
enterprise_code_validator = RegexValidator(
    regex=r"^\d{10}(-\d{3})?$",
    message="Mã số doanh nghiệp (mã số thuế) gồm 10 chữ số, hoặc 13 chữ số dạng "
    "0123456789-001 cho đơn vị phụ thuộc (Luật Doanh nghiệp 2020, Điều 29).",
    code="invalid_enterprise_code",
)


class ApplicantKind(models.TextChoices):
    PERSON = "person", "Cá nhân"
    ORGANISATION = "organisation", "Tổ chức, doanh nghiệp"


class Applicant(TimeStampedModel):
    """Who the dossier is for: a person (12-digit personal ID) or an organisation (enterprise or
    tax code). One row per person / organisation, reused across dossiers (NĐ 118/2025 Điều 17
    khoản 1 điểm a: the officer looks the applicant up by personal or organisation ID)."""

    kind = models.CharField("loại", max_length=16, choices=ApplicantKind.choices)
    full_name = models.CharField("họ và tên", max_length=200, blank=True)
    personal_id = models.CharField(
        "số định danh cá nhân", max_length=12, blank=True, validators=[personal_id_validator]
    )
    date_of_birth = models.DateField("ngày sinh", null=True, blank=True)
    phone = models.CharField("số điện thoại", max_length=20, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    address = models.CharField("địa chỉ", max_length=300, blank=True)
    unit = models.ForeignKey(
        "agencies.AdministrativeUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="đơn vị hành chính",
    )
    organisation_name = models.CharField("tên tổ chức", max_length=300, blank=True)
    enterprise_code = models.CharField(
        "mã số doanh nghiệp / mã số thuế",
        max_length=14,
        blank=True,
        validators=[enterprise_code_validator],
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applicant_profiles",
        verbose_name="tài khoản công dân",
        db_index=False,  # a composite index leads with this column
    )
    search_key = models.CharField("khóa tìm kiếm", max_length=600, editable=False, default="")

    class Meta:
        verbose_name = "người nộp hồ sơ"
        verbose_name_plural = "người nộp hồ sơ"
        indexes = [
            models.Index(fields=["search_key"], name="dossiers_applicant_search"),
            models.Index(fields=["user"], name="dossiers_applicant_user"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["personal_id"],
                condition=Q(kind="person") & ~Q(personal_id=""),
                name="dossiers_applicant_personal_id_unique",
            ),
            models.UniqueConstraint(
                fields=["enterprise_code"],
                condition=Q(kind="organisation") & ~Q(enterprise_code=""),
                name="dossiers_applicant_enterprise_unique",
            ),
            models.CheckConstraint(
                condition=(Q(kind="person") & ~Q(full_name=""))
                | (Q(kind="organisation") & ~Q(organisation_name="")),
                name="dossiers_applicant_named",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.organisation_name if self.kind == ApplicantKind.ORGANISATION else self.full_name


class ReturnMethod(models.TextChoices):
    """How the result is returned (NĐ 118/2025 Điều 22 khoản 3; QĐ 45/2016/QĐ-TTg)."""

    COUNTER = "counter", "Tại Bộ phận Một cửa"
    POST = "post", "Qua dịch vụ bưu chính công ích"
    ONLINE = "online", "Trực tuyến (Cổng Dịch vụ công quốc gia)"


class Timeliness(models.TextChoices):
    """QĐ 766/QĐ-TTg indicator 2.1: end ≤ due is on time; before the due day is early."""

    EARLY = "early", "Trước hạn"
    ON_TIME = "on_time", "Đúng hạn"
    LATE = "late", "Quá hạn"


class DossierQuerySet(models.QuerySet["Dossier"]):
    def running(self) -> DossierQuerySet:
        """Dossiers whose clock runs (the partial index ``dossiers_open_due``)."""
        return self.filter(status__in=RUNNING_STATUSES, due_at__isnull=False)


class Dossier(TimeStampedModel):
    """One application for one procedure by one applicant.

    ``national_status`` is stored for the sync and its index; the one write path keeps it equal
    to ``national.national_status(status)`` (a check in ``services._apply`` and the tests).
    ``version`` is the optimistic-concurrency counter: every write increments it.
    """

    uuid = models.UUIDField("mã công khai", default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(
        "mã hồ sơ",
        max_length=60,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="Cấp khi tiếp nhận hoặc khi nộp trực tuyến; không bao giờ thay đổi.",
    )
    procedure_version = models.ForeignKey(
        "catalogue.ProcedureVersion",
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name="thủ tục (phiên bản)",
    )
    receiving_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="dossiers_received",
        verbose_name="cơ quan tiếp nhận",
        db_index=False,  # a composite index leads with this column
    )
    competent_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="dossiers_competent",
        verbose_name="cơ quan có thẩm quyền",
        db_index=False,  # a composite index leads with this column
    )
    current_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="dossiers_current",
        verbose_name="cơ quan đang giữ hồ sơ",
        db_index=False,  # a composite index leads with this column
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers_assigned",
        verbose_name="chuyên viên xử lý",
        db_index=False,  # a composite index leads with this column
    )
    current_step = models.ForeignKey(
        "catalogue.ProcessStep",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="bước hiện tại",
    )
    step_started_at = models.DateTimeField("bắt đầu bước lúc", null=True, blank=True)
    step_due_at = models.DateTimeField("hạn của bước", null=True, blank=True)
    status = models.CharField(
        "trạng thái", max_length=40, choices=DossierStatus.choices, default=DossierStatus.DRAFT
    )
    national_status = models.PositiveSmallIntegerField(
        "mã trạng thái đồng bộ", choices=NationalStatus.choices, null=True, blank=True
    )
    channel = models.CharField("hình thức nộp", max_length=10, choices=Channel.choices)
    return_method = models.CharField(
        "hình thức nhận kết quả", max_length=10, choices=ReturnMethod.choices
    )
    applicant = models.ForeignKey(
        Applicant,
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name="người nộp",
        db_index=False,  # a composite index leads with this column
    )
    summary = models.CharField("nội dung yêu cầu", max_length=500, blank=True)
    # Dates of the national sync (rules.md §4.3: NgayNopHoSo, NgayTiepNhan, NgayHenTra, …).
    submitted_at = models.DateTimeField("nộp lúc", null=True, blank=True)
    received_at = models.DateTimeField(
        "tiếp nhận lúc", null=True, blank=True, help_text="Tiếp nhận đầy đủ, hợp lệ (Đ17.3)."
    )
    due_at = models.DateTimeField("hạn hiện tại", null=True, blank=True)
    original_due_at = models.DateTimeField("hạn ban đầu", null=True, blank=True)
    clock_state = models.CharField(
        "trạng thái thời hạn",
        max_length=12,
        choices=[(c.value, c.value) for c in ClockState],
        default=ClockState.NOT_STARTED.value,
    )
    paused_at = models.DateTimeField("tạm dừng từ", null=True, blank=True)
    # The time limit the clock runs on, copied at acceptance (the receipt promises it, Đ17.3).
    limit_value = models.DecimalField(
        "thời hạn", max_digits=9, decimal_places=4, null=True, blank=True
    )
    limit_unit = models.CharField("đơn vị thời hạn", max_length=16, blank=True)
    limit_cutoff = models.TimeField("giờ chốt", null=True, blank=True)
    # Online dossiers (Đ17.2): alert within 2 hours, accept or ask for more within 8 working hours.
    alert_due_at = models.DateTimeField("hạn thông báo cán bộ", null=True, blank=True)
    alerted_at = models.DateTimeField("đã thông báo cán bộ lúc", null=True, blank=True)
    alert_breached = models.BooleanField("quá hạn thông báo", default=False)
    decision_due_at = models.DateTimeField("hạn tiếp nhận trực tuyến", null=True, blank=True)
    decision_breached = models.BooleanField("quá hạn tiếp nhận trực tuyến", default=False)
    supplement_requested_at = models.DateTimeField("yêu cầu bổ sung lúc", null=True, blank=True)
    supplements_at_reception = models.PositiveSmallIntegerField(
        "số lần yêu cầu bổ sung khi tiếp nhận", default=0
    )
    supplements_after_appraisal = models.PositiveSmallIntegerField(
        "số lần yêu cầu bổ sung sau thẩm định", default=0
    )
    extension_used = models.BooleanField("đã gia hạn", default=False)
    decided_at = models.DateTimeField("có kết quả lúc", null=True, blank=True)
    ended_at = models.DateTimeField(
        "kết thúc xử lý lúc", null=True, blank=True, help_text="NgayKetThucXuLy (QĐ 766, 2.1)."
    )
    returned_at = models.DateTimeField("trả kết quả lúc", null=True, blank=True)
    outcome = models.CharField(
        "kết quả đúng hạn", max_length=10, choices=Timeliness.choices, blank=True
    )
    fee_amount = models.PositiveBigIntegerField("phí, lệ phí (đồng)", null=True, blank=True)
    paid_at = models.DateTimeField("nộp phí lúc", null=True, blank=True)
    inter_agency_mode = models.CharField(
        "liên thông", max_length=12, choices=InterAgencyMode.choices, blank=True
    )
    lead_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers_led",
        verbose_name="cơ quan chủ trì",
    )
    version = models.PositiveIntegerField("phiên bản", default=1, editable=False)
    # The last ``seq`` of the dossier's control sheet and clock history: the one write path
    # increments them under the row lock instead of reading ``MAX(seq)``.
    last_event_seq = models.PositiveIntegerField(
        "số thứ tự sự kiện cuối", default=0, editable=False
    )
    last_clock_seq = models.PositiveIntegerField(
        "số thứ tự sự kiện thời hạn cuối", default=0, editable=False
    )

    objects: ClassVar[Any] = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = "hồ sơ"
        verbose_name_plural = "hồ sơ"
        ordering = ["-id"]
        indexes = [
            # Officer worklists: "my agency's dossiers in status S, soonest due first".
            models.Index(
                fields=["current_agency", "status", "due_at", "id"], name="dossiers_worklist"
            ),
            # "Assigned to me", by status and due moment.
            models.Index(
                fields=["assigned_to", "status", "due_at"], name="dossiers_assigned_worklist"
            ),
            # The one-stop unit's register (Sổ theo dõi hồ sơ) and 766 counts by reception day.
            models.Index(fields=["receiving_agency", "received_at"], name="dossiers_register"),
            models.Index(fields=["competent_agency", "status"], name="dossiers_competent"),
            models.Index(fields=["applicant", "created_at"], name="dossiers_by_applicant"),
            # Coming due / overdue: only dossiers whose clock runs — a small slice of 10M.
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=RUNNING_STATUSES),
                name="dossiers_open_due",
            ),
            # Sweeps: online dossiers awaiting acceptance; unanswered supplement requests.
            models.Index(
                fields=["decision_due_at"],
                condition=Q(status="submitted"),
                name="dossiers_awaiting_reception",
            ),
            models.Index(
                fields=["supplement_requested_at"],
                condition=Q(
                    status__in=["supplement_requested", "supplement_requested_at_reception"]
                ),
                name="dossiers_awaiting_supplement",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(code__isnull=False),
                name="dossiers_dossier_code_after_draft",
            ),
            models.CheckConstraint(
                condition=Q(supplements_at_reception__lte=1)
                & Q(supplements_after_appraisal__lte=1),
                name="dossiers_dossier_supplement_once",
            ),
        ]

    def __str__(self) -> str:
        return self.code or f"Hồ sơ nháp {self.uuid}"

    @property
    def result_ready_early(self) -> bool:
        """A result decided before the due moment and not yet returned: the applicant is told
        first (NĐ 118/2025 Điều 22)."""
        return self.outcome == Timeliness.EARLY and self.status in (
            DossierStatus.RESOLVED,
            DossierStatus.REFUSED_AFTER_APPRAISAL,
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; a stored code never changes (NĐ 118/2025 Điều 28)."""
        update_fields = kwargs.get("update_fields")
        # An update that does not write ``code`` cannot change it: no need to re-read it.
        checks_code = update_fields is None or "code" in update_fields
        if self.pk is not None and not self._state.adding and checks_code:
            stored = Dossier.objects.filter(pk=self.pk).values_list("code", flat=True).first()
            if stored is not None and stored != self.code:
                raise AppendOnly("Mã hồ sơ đã cấp không được thay đổi.")
        super().save(*args, **kwargs)


class DossierEvent(AppendOnlyModel):
    """One row of the control sheet (Phiếu kiểm soát quá trình giải quyết hồ sơ): a handover or
    any other action, with the step's due moment and its timeliness. Append-only."""

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name="hồ sơ",
        db_index=False,  # a composite index leads with this column
    )
    seq = models.PositiveIntegerField("số thứ tự")
    action = models.CharField("thao tác", max_length=40, choices=Action.choices)
    from_status = models.CharField("từ trạng thái", max_length=40, choices=DossierStatus.choices)
    to_status = models.CharField("sang trạng thái", max_length=40, choices=DossierStatus.choices)
    at = models.DateTimeField("thời điểm")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người thực hiện",
    )
    actor_label = models.CharField("bên giao", max_length=200)
    from_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="từ cơ quan",
    )
    to_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="đến cơ quan",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="bên nhận",
    )
    step = models.ForeignKey(
        "catalogue.ProcessStep",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="bước kết thúc",
    )
    step_due_at = models.DateTimeField("hạn của bước", null=True, blank=True)
    outcome = models.CharField(
        "kết quả bước", max_length=10, choices=Timeliness.choices, blank=True
    )
    note = models.TextField("ghi chú", blank=True)
    data = models.JSONField("dữ liệu", default=dict, blank=True)

    class Meta:
        verbose_name = "sự kiện hồ sơ (phiếu kiểm soát)"
        verbose_name_plural = "phiếu kiểm soát quá trình giải quyết"
        ordering = ["dossier", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "seq"], name="dossiers_event_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.seq}. {self.get_action_display()}"


class ClockKind(models.TextChoices):
    START = "start", "Bắt đầu tính thời hạn"
    PAUSE = "pause", "Tạm dừng"
    RESUME = "resume", "Tiếp tục"
    RESTART = "restart", "Tính lại từ đầu"
    EXTEND = "extend", "Gia hạn"
    STOP = "stop", "Kết thúc"
    CORRECTION = "correction", "Bắt đầu thời hạn đính chính"
    ALERT_BREACH = "alert_breach", "Quá 02 giờ chưa thông báo cán bộ"
    DECISION_BREACH = "decision_breach", "Quá 08 giờ làm việc chưa tiếp nhận"


class ClockEvent(AppendOnlyModel):
    """One change of a dossier's clock, with the inputs needed to recompute it: replaying the
    events with ``clock.replay_due`` gives ``Dossier.due_at`` (tested). Append-only."""

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.PROTECT,
        related_name="clock_events",
        verbose_name="hồ sơ",
        db_index=False,  # a composite index leads with this column
    )
    seq = models.PositiveIntegerField("số thứ tự")
    kind = models.CharField("loại", max_length=20, choices=ClockKind.choices)
    at = models.DateTimeField("thời điểm")
    due_before = models.DateTimeField("hạn trước", null=True, blank=True)
    due_after = models.DateTimeField("hạn sau", null=True, blank=True)
    limit_value = models.DecimalField(
        "thời hạn áp dụng", max_digits=9, decimal_places=4, null=True, blank=True
    )
    limit_unit = models.CharField("đơn vị", max_length=16, blank=True)
    limit_cutoff = models.TimeField("giờ chốt", null=True, blank=True)
    reason = models.TextField("lý do", blank=True)

    class Meta:
        verbose_name = "sự kiện thời hạn"
        verbose_name_plural = "lịch sử thời hạn"
        ordering = ["dossier", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "seq"], name="dossiers_clock_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.seq}. {self.get_kind_display()}"


class DocumentForm(models.TextChoices):
    ORIGINAL = "original", "Bản chính"
    COPY = "copy", "Bản sao"
    CERTIFIED_COPY = "certified_copy", "Bản sao chứng thực"
    ELECTRONIC = "electronic", "Bản điện tử"


def _document_path(instance: DossierDocument, filename: str) -> str:
    return f"dossiers/{instance.dossier.uuid}/{filename}"


class ReuseOrigin(models.TextChoices):
    """Where a reused component was taken from (NĐ 118/2025 Đ17.1.b; QĐ 766 4.3, 4.4)."""

    CITIZEN_STORE = "citizen_store", "Kho dữ liệu của tổ chức, cá nhân trên Cổng DVCQG"
    AGENCY_STORE = "agency_store", "Kho kết quả số hóa của cơ quan"
    NATIONAL_DB = "national_db", "Cơ sở dữ liệu quốc gia, chuyên ngành"


class DossierDocument(TimeStampedModel):
    """A component of the dossier (thành phần hồ sơ): submitted or not, its form, its digitised
    file (scanned and signed by the reception officer, NĐ 118/2025 Điều 17 khoản 1 điểm c) and
    whether it was reused from existing data instead of collected again (Đ17.1b; QĐ 766 4.3)."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="documents", verbose_name="hồ sơ"
    )
    required_document = models.ForeignKey(
        "catalogue.RequiredDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="thành phần theo thủ tục",
    )
    name = models.TextField("tên giấy tờ")
    submitted = models.BooleanField("đã nộp", default=True)
    form = models.CharField(
        "hình thức", max_length=16, choices=DocumentForm.choices, default=DocumentForm.COPY
    )
    count = models.PositiveSmallIntegerField("số lượng", default=1)
    file = models.FileField("tệp số hóa", upload_to=_document_path, null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    content_type = models.CharField("kiểu tệp", max_length=100, blank=True)
    size = models.PositiveBigIntegerField("kích thước (byte)", null=True, blank=True)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người số hóa",
    )
    scanned_at = models.DateTimeField("số hóa lúc", null=True, blank=True)
    reused = models.BooleanField("tái sử dụng dữ liệu", default=False)
    reuse_source = models.CharField("nguồn tái sử dụng", max_length=300, blank=True)
    #: Where a reused component came from, structured (QĐ 766 4.4 counts ``citizen_store``:
    #: ``TaiLieuNop.DuocLayTuKhoDMQG`` on the Cổng DVCQG); ``reuse_source`` keeps the free text.
    reuse_origin = models.CharField(
        "loại nguồn tái sử dụng", max_length=16, choices=ReuseOrigin.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = "thành phần hồ sơ"
        verbose_name_plural = "thành phần hồ sơ"
        ordering = ["dossier", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reused=False) | ~Q(reuse_source=""),
                name="dossiers_document_reuse_source",
            ),
            models.CheckConstraint(
                condition=Q(reuse_origin="") | Q(reused=True),
                name="dossiers_document_reuse_origin",
            ),
        ]

    def __str__(self) -> str:
        return self.name[:80]


class DailySequence(models.Model):
    """The last sequence number issued by an agency on a day: the ``XXXX`` of the dossier code
    (TT 01/2018/TT-VPCP Điều 19; NĐ 118/2025 Điều 28 khoản 2 điểm b). Incremented inside the
    receiving transaction, so a rolled-back reception gives its number back (gapless)."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="cơ quan"
    )
    day = models.DateField("ngày tiếp nhận")
    last_value = models.PositiveIntegerField("số cuối đã cấp")

    class Meta:
        verbose_name = "số thứ tự hồ sơ trong ngày"
        verbose_name_plural = "số thứ tự hồ sơ trong ngày"
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="dossiers_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.last_value}"


def _consultation_path(instance: Consultation, filename: str) -> str:
    return f"dossiers/{instance.dossier.uuid}/y-kien/{filename}"


class Consultation(TimeStampedModel):
    """A consultation of another agency, with its own deadline (NĐ 118/2025 Điều 19 khoản 4)."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="consultations", verbose_name="hồ sơ"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="cơ quan"
    )
    question = models.TextField("nội dung lấy ý kiến")
    requested_at = models.DateTimeField("gửi lúc")
    due_at = models.DateTimeField("hạn trả lời")
    answered_at = models.DateTimeField("trả lời lúc", null=True, blank=True)
    answer = models.TextField("ý kiến trả lời", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người trả lời",
    )
    answer_file = models.FileField(
        "văn bản trả lời", upload_to=_consultation_path, null=True, blank=True
    )
    answer_sha256 = models.CharField("SHA-256 văn bản trả lời", max_length=64, blank=True)
    answer_content_type = models.CharField("loại tệp", max_length=100, blank=True)

    class Meta:
        verbose_name = "lấy ý kiến"
        verbose_name_plural = "lấy ý kiến"
        ordering = ["dossier", "requested_at", "id"]
        indexes = [
            models.Index(
                fields=["agency", "due_at"],
                condition=Q(answered_at__isnull=True),
                name="dossiers_consult_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}: {self.question[:60]}"


class PartnerTask(TimeStampedModel):
    """A partner agency's part of an inter-agency dossier (Phiếu chuyển xử lý, NĐ 118/2025
    Điều 20 khoản 2): in order for paper dossiers, all at once for electronic ones."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="partner_tasks", verbose_name="hồ sơ"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="cơ quan"
    )
    order = models.PositiveSmallIntegerField("thứ tự")
    is_lead = models.BooleanField("chủ trì", default=False)
    task = models.TextField("nhiệm vụ")
    due_at = models.DateTimeField("hạn")
    completed_at = models.DateTimeField("hoàn thành lúc", null=True, blank=True)
    result_note = models.TextField("kết quả", blank=True)

    class Meta:
        verbose_name = "phần việc liên thông"
        verbose_name_plural = "phần việc liên thông"
        ordering = ["dossier", "order"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "order"], name="dossiers_partner_order")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.task[:60]}"
