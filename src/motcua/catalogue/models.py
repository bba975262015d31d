"""The procedure catalogue, modelled on the national procedures database (CSDLQG TTHC).

Fields follow NĐ 63/2010/NĐ-CP Điều 8.2 (mandatory components: name, steps, channels, documents,
time limit, target groups, competent agency; where applicable: forms, conditions, fees, result)
and the page sections of dichvucong.gov.vn (rules.md §6.1).

A ``Procedure`` is the stable identity (code ``N.NNNNNN``). Its content lives in numbered
``ProcedureVersion`` rows. **A published version is immutable** — ``save()``/``delete()`` raise,
and so do changes to its child rows and agency links — because a dossier keeps the version it
was received under (the receipt promises that version's time limit and fees; ND118 Đ17.3).
Changes go through ``services``: a new draft copied from a version, then publication with
effective dates, which closes the previous version.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.signals import m2m_changed, pre_delete
from django.utils import timezone

from motcua.accounts.roles import Role
from motcua.agencies.models import AgencyKind
from motcua.common.errors import MotcuaError
from motcua.common.models import TimeStampedModel
from motcua.common.text import fold
from motcua.workcalendar.units import TimeLimitUnit

#: Procedure code of the national database: one digit, a dot, six digits (rules.md §6.1).
PROCEDURE_CODE_PATTERN = r"^[0-9]\.[0-9]{6}$"
procedure_code_validator = RegexValidator(
    PROCEDURE_CODE_PATTERN,
    "Mã thủ tục phải có dạng N.NNNNNN (một chữ số, dấu chấm, sáu chữ số), ví dụ 1.004222.",
)


#: Folded ASCII search keys stay under PostgreSQL's B-tree row limit (about 2 700 bytes).
SEARCH_KEY_LENGTH = 2000


class ImmutableVersion(MotcuaError):
    """A published or retired version was about to change."""

    code = "immutable"


def default_cutoff() -> dt.time:
    """Cut-off hour for receptions, 15:00 unless configured (ND118 Đ18.2; Luật Hộ tịch Đ5.3)."""
    hour, minute = str(settings.MOTCUA_DEFAULT_CUTOFF).split(":")
    return dt.time(int(hour), int(minute))


class Channel(models.TextChoices):
    """Submission channels (ND118 Đ15), national codes 1 / 2 / 3."""

    DIRECT = "direct", "Trực tiếp"
    ONLINE = "online", "Trực tuyến"
    POSTAL = "postal", "Dịch vụ bưu chính"

    @property
    def national_code(self) -> int:
        return {"direct": 1, "online": 2, "postal": 3}[self.value]


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Bản nháp"
    PUBLISHED = "published", "Đã công bố"
    RETIRED = "retired", "Đã thay thế"


#: Statuses whose content may no longer change.
LOCKED_STATUSES = frozenset({VersionStatus.PUBLISHED, VersionStatus.RETIRED})


class ProcedureLevel(models.TextChoices):
    MINISTRY = "ministry", "Cấp Bộ"
    PROVINCE = "province", "Cấp Tỉnh"
    COMMUNE = "commune", "Cấp Xã"


class OnlineLevel(models.TextChoices):
    """Online public-service level, NĐ 42/2022 (rules.md §5.1)."""

    FULL = "full", "Toàn trình"
    PARTIAL = "partial", "Một phần"
    NONE = "none", "Không cung cấp trực tuyến"
    UNKNOWN = "unknown", "Chưa xác định"


class TargetGroup(models.TextChoices):
    """*Đối tượng thực hiện* of the national database (rules.md §6.1)."""

    VIETNAMESE_CITIZEN = "vietnamese_citizen", "Công dân Việt Nam"
    OVERSEAS_VIETNAMESE = "overseas_vietnamese", "Người Việt Nam định cư ở nước ngoài"
    FOREIGNER = "foreigner", "Người nước ngoài"
    CIVIL_SERVANT = "civil_servant", "Cán bộ, công chức, viên chức"
    ENTERPRISE = "enterprise", "Doanh nghiệp"
    FOREIGN_INVESTED_ENTERPRISE = (
        "foreign_invested_enterprise",
        "Doanh nghiệp có vốn đầu tư nước ngoài",
    )
    ORGANISATION = "organisation", "Tổ chức"
    FOREIGN_ORGANISATION = "foreign_organisation", "Tổ chức nước ngoài"
    COOPERATIVE = "cooperative", "Hợp tác xã"


class Field(TimeStampedModel):
    """*Lĩnh vực*. The code is ``MX1X2-LV`` from VPCP's catalogue when known (TT01 Đ20)."""

    code = models.CharField("mã lĩnh vực", max_length=20, blank=True)
    name = models.CharField("tên lĩnh vực", max_length=255, unique=True)

    class Meta:
        verbose_name = "lĩnh vực"
        verbose_name_plural = "lĩnh vực"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="catalogue_field_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Procedure(TimeStampedModel):
    """The stable identity of a procedure; its content is in :class:`ProcedureVersion`."""

    code = models.CharField(
        "mã thủ tục",
        max_length=8,
        unique=True,
        validators=[procedure_code_validator],
        help_text="Mã trên CSDL quốc gia về TTHC, dạng N.NNNNNN.",
    )
    # Some official names pass 1 000 characters (1.013980 has 1 095).
    name = models.TextField(
        "tên thủ tục",
        help_text="Tên của phiên bản công bố gần nhất (tự cập nhật khi công bố).",
    )
    search_key = models.CharField(
        "khóa tìm kiếm", max_length=SEARCH_KEY_LENGTH, editable=False, db_index=True, default=""
    )

    class Meta:
        verbose_name = "thủ tục hành chính"
        verbose_name_plural = "thủ tục hành chính"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=PROCEDURE_CODE_PATTERN), name="catalogue_procedure_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_key = fold(f"{self.code} {self.name}")[:SEARCH_KEY_LENGTH]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(*args, **kwargs)


def _stored_status(version_id: int | None) -> str | None:
    if version_id is None:
        return None
    return ProcedureVersion.objects.filter(pk=version_id).values_list("status", flat=True).first()


def ensure_version_editable(version_id: int | None) -> None:
    """Raise :class:`ImmutableVersion` if the stored version is published or retired."""
    if _stored_status(version_id) in LOCKED_STATUSES:
        raise ImmutableVersion(
            "Phiên bản thủ tục đã công bố không được sửa hoặc xóa; hãy tạo phiên bản mới."
        )


class ProcedureVersion(TimeStampedModel):
    """One version of a procedure's content, as published in the national database."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="versions", verbose_name="thủ tục"
    )
    number = models.PositiveIntegerField("phiên bản số", editable=False)
    status = models.CharField(
        "trạng thái",
        max_length=10,
        choices=VersionStatus.choices,
        default=VersionStatus.DRAFT,
        editable=False,
    )
    effective_from = models.DateField("hiệu lực từ ngày", null=True, blank=True)
    effective_to = models.DateField(
        "hết hiệu lực từ ngày",
        null=True,
        blank=True,
        editable=False,
        help_text="Ngày phiên bản sau bắt đầu hiệu lực (không tính ngày này).",
    )
    published_at = models.DateTimeField("công bố lúc", null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="người công bố",
    )
    publication_decision = models.CharField(
        "quyết định công bố", max_length=255, blank=True, help_text="Ví dụ: 2228/QĐ-UBND."
    )
    # QĐ 766 1.1 and 1.2 (rules.md §4.2): the decision's date, and when the procedure was made
    # public ("công khai") on the national procedure database — a fact recorded after
    # publication, so a published version may still receive it (services).
    publication_decision_date = models.DateField(
        "ngày quyết định công bố",
        null=True,
        blank=True,
        help_text="Ngày ký quyết định công bố thủ tục (QĐ 766 chỉ số 1.1, 1.2).",
    )
    national_published_at = models.DateTimeField(
        "công khai trên CSDL quốc gia lúc",
        null=True,
        blank=True,
        editable=False,
        help_text="Thời điểm thủ tục được công khai trên CSDL quốc gia về TTHC (QĐ 766 1.2).",
    )

    # Content (NĐ 63/2010 Đ8.2)
    name = models.TextField("tên thủ tục")
    search_key = models.CharField(
        "khóa tìm kiếm", max_length=SEARCH_KEY_LENGTH, editable=False, default=""
    )
    field = models.ForeignKey(
        Field, on_delete=models.PROTECT, related_name="versions", verbose_name="lĩnh vực"
    )
    level = models.CharField(
        "cấp thực hiện", max_length=10, choices=ProcedureLevel.choices, blank=True
    )
    level_text = models.CharField("cấp thực hiện (văn bản gốc)", max_length=255, blank=True)
    procedure_type = models.CharField("loại thủ tục", max_length=255, blank=True)
    target_groups = models.JSONField(
        "đối tượng thực hiện", default=list, blank=True, help_text="Danh sách mã đối tượng."
    )
    target_groups_text = models.TextField("đối tượng thực hiện (văn bản gốc)", blank=True)
    agency_text = models.TextField("cơ quan thực hiện (văn bản gốc)", blank=True)
    competent_agencies = models.ManyToManyField(
        "agencies.Agency",
        blank=True,
        related_name="competent_for_versions",
        verbose_name="cơ quan có thẩm quyền",
    )
    receiving_agencies = models.ManyToManyField(
        "agencies.Agency",
        blank=True,
        related_name="receiving_for_versions",
        verbose_name="cơ quan tiếp nhận",
    )
    coordinating_agencies = models.ManyToManyField(
        "agencies.Agency",
        blank=True,
        related_name="coordinating_for_versions",
        verbose_name="cơ quan phối hợp",
    )
    conditions = models.TextField("yêu cầu, điều kiện", blank=True)
    dossier_count = models.CharField("số lượng hồ sơ", max_length=255, blank=True)
    documents_note = models.TextField("ghi chú thành phần hồ sơ", blank=True)
    online_level = models.CharField(
        "mức độ dịch vụ công trực tuyến",
        max_length=10,
        choices=OnlineLevel.choices,
        default=OnlineLevel.UNKNOWN,
    )
    online_text = models.TextField("cách thức thực hiện (văn bản gốc)", blank=True)
    time_limit_text = models.TextField("thời hạn giải quyết (văn bản gốc)", blank=True)
    fee_text = models.TextField("phí, lệ phí (văn bản gốc)", blank=True)
    fee_note = models.TextField("ghi chú phí, lệ phí (miễn, giảm)", blank=True)

    # Review and provenance
    needs_review = models.BooleanField(
        "cần rà soát",
        default=False,
        help_text="Văn bản gốc chưa chuyển được thành dữ liệu có cấu trúc một cách chắc chắn.",
    )
    review_reasons = models.JSONField(
        "lý do cần rà soát",
        default=list,
        blank=True,
        help_text='Danh sách {"field": …, "reason": …}.',
    )
    source = models.TextField("nguồn", blank=True)
    source_province = models.CharField("tỉnh (theo nguồn)", max_length=255, blank=True)
    source_hash = models.CharField(
        "mã băm bản ghi nguồn",
        max_length=64,
        blank=True,
        editable=False,
        help_text="SHA-256 của bản ghi đã nhập; nhập lại cùng bản ghi thì không đổi gì.",
    )
    notes = models.TextField("ghi chú", blank=True)

    class Meta:
        verbose_name = "phiên bản thủ tục"
        verbose_name_plural = "phiên bản thủ tục"
        ordering = ["procedure__code", "-number"]
        indexes = [
            models.Index(
                fields=["procedure", "status", "effective_from"],
                name="catalogue_version_effective",
            ),
            models.Index(fields=["search_key"], name="catalogue_version_search"),
            models.Index(fields=["needs_review", "status"], name="catalogue_version_review"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "number"], name="catalogue_version_number_unique"
            ),
            # At most one current (latest published) version and one draft per procedure.
            models.UniqueConstraint(
                fields=["procedure"],
                condition=Q(status="published"),
                name="catalogue_version_one_published",
            ),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=Q(status="draft"),
                name="catalogue_version_one_draft",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(effective_from__isnull=False) & Q(published_at__isnull=False)),
                name="catalogue_version_published_dated",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="catalogue_version_effective_order",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(status="retired"),
                name="catalogue_version_closed_is_retired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number} – {self.get_status_display()}"

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES

    def clean(self) -> None:
        """A decision cannot be dated in the future (it is signed before it is recorded)."""
        super().clean()
        day = self.publication_decision_date
        if day is not None and day > timezone.localdate():
            raise ValidationError(
                {
                    "publication_decision_date": (
                        f"Ngày quyết định công bố {day:%d/%m/%Y} ở tương lai; "
                        "hãy nhập ngày đã ký quyết định."
                    )
                }
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save a draft. A stored published/retired version raises :class:`ImmutableVersion`."""
        ensure_version_editable(self.pk)
        if self.number is None:
            last = (
                ProcedureVersion.objects.filter(procedure_id=self.procedure_id)
                .order_by("-number")
                .values_list("number", flat=True)
                .first()
            )
            self.number = (last or 0) + 1
        code = self.procedure.code if self.procedure_id else ""
        self.search_key = fold(f"{code} {self.name}")[:SEARCH_KEY_LENGTH]
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        ensure_version_editable(self.pk)
        return super().delete(*args, **kwargs)


class VersionContent(models.Model):
    """Base of the rows that belong to one version; they are frozen with it."""

    version_id: int

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        ensure_version_editable(self.version_id)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        ensure_version_editable(self.version_id)
        return super().delete(*args, **kwargs)


class ChannelOption(VersionContent):
    """A channel the procedure accepts (cách thức thực hiện), ND118 Đ15."""

    version = models.ForeignKey(
        ProcedureVersion,
        on_delete=models.CASCADE,
        related_name="channels",
        verbose_name="phiên bản",
    )
    channel = models.CharField("hình thức nộp", max_length=10, choices=Channel.choices)
    description = models.TextField("mô tả", blank=True)

    class Meta:
        verbose_name = "cách thức thực hiện"
        verbose_name_plural = "cách thức thực hiện"
        ordering = ["version", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["version", "channel"], name="catalogue_channel_unique")
        ]

    def __str__(self) -> str:
        return self.get_channel_display()


class TimeLimit(VersionContent):
    """A structured *thời hạn giải quyết* for one channel (NĐ 63/2010 Đ8.2 đ).

    ``value_max`` is set for a published range ("05 - 10 ngày làm việc"), which needs review
    before it can give a due moment. ``unit`` is empty only while the version needs review.
    An empty ``condition`` is the default time limit of the channel; conditional alternatives
    ("nếu có nhu cầu …") are chosen at reception.
    """

    version = models.ForeignKey(
        ProcedureVersion,
        on_delete=models.CASCADE,
        related_name="time_limits",
        verbose_name="phiên bản",
    )
    channel = models.CharField("hình thức nộp", max_length=10, choices=Channel.choices)
    order = models.PositiveSmallIntegerField("thứ tự", default=1)
    value = models.DecimalField(
        "giá trị", max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    value_max = models.DecimalField(
        "giá trị tối đa (khoảng)", max_digits=7, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(
        "đơn vị", max_length=16, choices=TimeLimitUnit.choices, blank=True, default=""
    )
    cutoff = models.TimeField(
        "giờ chốt nhận trong ngày",
        default=default_cutoff,
        help_text="Nhận sau giờ này thì tính từ ngày làm việc tiếp theo (mặc định 15:00).",
    )
    condition = models.TextField("điều kiện áp dụng", blank=True)
    is_default = models.BooleanField("mặc định", default=True)
    note = models.TextField("ghi chú (thời gian không tính…)", blank=True)

    class Meta:
        verbose_name = "thời hạn giải quyết"
        verbose_name_plural = "thời hạn giải quyết"
        ordering = ["version", "channel", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "channel"],
                condition=Q(is_default=True),
                name="catalogue_timelimit_one_default",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0), name="catalogue_timelimit_value_positive"
            ),
            models.CheckConstraint(
                condition=Q(value_max__isnull=True) | Q(value_max__gt=models.F("value")),
                name="catalogue_timelimit_range_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value} {self.get_unit_display() or '?'}"

    @property
    def is_computable(self) -> bool:
        """True when a due moment can be computed from this row alone."""
        return bool(self.unit) and self.value_max is None


class Fee(VersionContent):
    """A fee or charge (phí, lệ phí) in đồng for one channel; fees may differ by channel."""

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="fees", verbose_name="phiên bản"
    )
    channel = models.CharField("hình thức nộp", max_length=10, choices=Channel.choices)
    order = models.PositiveSmallIntegerField("thứ tự", default=1)
    amount = models.PositiveBigIntegerField("số tiền (đồng)")
    description = models.TextField("mô tả", blank=True)
    condition = models.TextField("điều kiện áp dụng", blank=True)

    class Meta:
        verbose_name = "phí, lệ phí"
        verbose_name_plural = "phí, lệ phí"
        ordering = ["version", "channel", "order"]

    def __str__(self) -> str:
        return f"{self.amount:,} đồng".replace(",", ".")


class RequiredDocument(VersionContent):
    """A component of the dossier (thành phần hồ sơ), NĐ 63/2010 Đ8.2 d."""

    version = models.ForeignKey(
        ProcedureVersion,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name="phiên bản",
    )
    order = models.PositiveSmallIntegerField("thứ tự")
    name = models.TextField("tên giấy tờ")
    originals = models.PositiveSmallIntegerField("số bản chính", null=True, blank=True)
    copies = models.PositiveSmallIntegerField("số bản sao", null=True, blank=True)
    case = models.TextField("trường hợp", blank=True)
    form = models.FileField("mẫu đơn, tờ khai", upload_to="catalogue/forms/", blank=True)
    form_url = models.URLField("liên kết mẫu đơn", max_length=500, blank=True)

    class Meta:
        verbose_name = "thành phần hồ sơ"
        verbose_name_plural = "thành phần hồ sơ"
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="catalogue_document_order")
        ]

    def __str__(self) -> str:
        return self.name[:80]


class ProcedureResult(VersionContent):
    """A result (kết quả thực hiện); its type code is from the national catalogue (ND118 Đ22.4)."""

    version = models.ForeignKey(
        ProcedureVersion,
        on_delete=models.CASCADE,
        related_name="results",
        verbose_name="phiên bản",
    )
    order = models.PositiveSmallIntegerField("thứ tự", default=1)
    name = models.TextField("tên kết quả")
    result_type_code = models.CharField("mã loại kết quả", max_length=50, blank=True)

    class Meta:
        verbose_name = "kết quả thực hiện"
        verbose_name_plural = "kết quả thực hiện"
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return self.name[:80]


class LegalBasis(VersionContent):
    """A legal document the procedure rests on (căn cứ pháp lý)."""

    version = models.ForeignKey(
        ProcedureVersion,
        on_delete=models.CASCADE,
        related_name="legal_bases",
        verbose_name="phiên bản",
    )
    order = models.PositiveSmallIntegerField("thứ tự")
    text = models.TextField("văn bản")
    effective_date = models.DateField(
        "ngày có hiệu lực",
        null=True,
        blank=True,
        help_text="Ngày văn bản có hiệu lực; có thể ở tương lai (QĐ 766 chỉ số 1.1).",
    )

    class Meta:
        verbose_name = "căn cứ pháp lý"
        verbose_name_plural = "căn cứ pháp lý"
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return self.text[:80]


class ProcessStep(VersionContent):
    """A step of the internal electronic process (quy trình điện tử), ND118 Đ17–Đ22.

    ``share`` is the fraction of the time limit the step may use; the shares of a version add
    up to exactly 1 (checked at publication). The step is done by ``role`` in ``agency`` if set,
    else in an agency of ``agency_kind`` if set, else in the competent agency of the procedure.
    """

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="steps", verbose_name="phiên bản"
    )
    order = models.PositiveSmallIntegerField("thứ tự")
    name = models.CharField("tên bước", max_length=255)
    role = models.CharField("vai trò thực hiện", max_length=32, choices=Role.choices)
    agency_kind = models.CharField(
        "loại cơ quan thực hiện", max_length=32, choices=AgencyKind.choices, blank=True
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="cơ quan thực hiện",
    )
    share = models.DecimalField(
        "tỷ lệ thời hạn",
        max_digits=5,
        decimal_places=4,
        help_text="Phần của thời hạn giải quyết, ví dụ 0,6 = 60 %.",
    )

    class Meta:
        verbose_name = "bước xử lý"
        verbose_name_plural = "quy trình điện tử"
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="catalogue_step_order"),
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=1), name="catalogue_step_share_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


VERSION_CONTENT_MODELS: tuple[type[VersionContent], ...] = (
    ChannelOption,
    TimeLimit,
    Fee,
    RequiredDocument,
    ProcedureResult,
    LegalBasis,
    ProcessStep,
)


def _refuse_deleting_locked_content(sender: type[models.Model], instance: Any, **_: Any) -> None:
    """Queryset and cascade deletes skip ``Model.delete``; the signal still sees each row."""
    if sender is ProcedureVersion:
        ensure_version_editable(instance.pk)
    else:
        ensure_version_editable(instance.version_id)


_GUARDED: tuple[type[models.Model], ...] = (ProcedureVersion, *VERSION_CONTENT_MODELS)
for _model in _GUARDED:
    pre_delete.connect(_refuse_deleting_locked_content, sender=_model, weak=False)


def _refuse_relinking_locked_agencies(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **_: Any
) -> None:
    """Agency links of a published version are part of its frozen content."""
    if not action.startswith("pre_"):
        return
    if not reverse:
        ensure_version_editable(instance.pk)
        return
    if pk_set is None:  # agency.<relation>.clear()
        pk_set = sender.objects.filter(agency=instance).values("procedureversion")
    if ProcedureVersion.objects.filter(pk__in=pk_set, status__in=LOCKED_STATUSES).exists():
        raise ImmutableVersion("Không được đổi cơ quan của phiên bản thủ tục đã công bố.")


for _through in (
    ProcedureVersion.competent_agencies.through,
    ProcedureVersion.receiving_agencies.through,
    ProcedureVersion.coordinating_agencies.through,
):
    m2m_changed.connect(_refuse_relinking_locked_agencies, sender=_through, weak=False)
