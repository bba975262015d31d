"""Administrative units (provinces, communes) and agencies (cơ quan) as a tree.

Administrative units follow the GSO catalogue after the reorganisation of 1 July 2025
(Nghị quyết 202/2025/QH15: 34 provincial units; two-level local government). Agencies carry
their electronic identifier code (QĐ 20/2020/QĐ-TTg), validity dates and a successor link:
codes change after mergers, and old records keep the old code (rules.md §2.4).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from motcua.agencies.identifiers import identifier_layout
from motcua.common.errors import ValidationFailed
from motcua.common.models import TimeStampedModel


class UnitLevel(models.TextChoices):
    PROVINCE = "province", "Cấp tỉnh"
    COMMUNE = "commune", "Cấp xã"


class AdministrativeUnit(TimeStampedModel):
    """A province-level or commune-level unit, keyed by its GSO code."""

    code = models.CharField("mã ĐVHC (TCTK)", max_length=5, unique=True)
    name = models.CharField("tên", max_length=120)
    level = models.CharField("cấp", max_length=10, choices=UnitLevel.choices)
    division_type = models.CharField("loại đơn vị", max_length=40)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="thuộc",
    )
    merged_from = models.CharField("hợp nhất từ", max_length=300, blank=True)
    valid_from = models.DateField("hiệu lực từ", null=True, blank=True)
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)

    class Meta:
        verbose_name = "đơn vị hành chính"
        verbose_name_plural = "đơn vị hành chính"
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "name"], name="agencies_unit_parent_name")]

    def __str__(self) -> str:
        return self.name


class AgencyKind(models.TextChoices):
    PROVINCIAL_COMMITTEE = "provincial_committee", "UBND tỉnh"
    COMMITTEE_OFFICE = "committee_office", "Văn phòng UBND tỉnh"
    PROVINCIAL_SERVICE_CENTER = "provincial_service_center", "Trung tâm PVHCC tỉnh"
    DEPARTMENT = "department", "Sở, ban, ngành"
    DEPARTMENT_UNIT = "department_unit", "Đơn vị thuộc sở"
    VERTICAL_AGENCY = "vertical_agency", "Cơ quan ngành dọc"
    COMMUNE_COMMITTEE = "commune_committee", "UBND xã, phường"
    COMMUNE_SERVICE_CENTER = "commune_service_center", "Trung tâm PVHCC xã, phường"
    OTHER = "other", "Khác"


#: Kinds of agency that are a one-stop unit (Bộ phận Một cửa, ND118 Đ3.3).
ONE_STOP_KINDS = frozenset(
    {AgencyKind.PROVINCIAL_SERVICE_CENTER, AgencyKind.COMMUNE_SERVICE_CENTER}
)


class Agency(TimeStampedModel):
    """A state body: People's Committee, office, service center, department, commune…"""

    code = models.CharField(
        "mã định danh điện tử",
        max_length=35,
        unique=True,
        help_text="Theo QĐ 20/2020/QĐ-TTg, ví dụ 000.00.16.H41 hoặc H56.12.01.",
    )
    name = models.CharField("tên cơ quan", max_length=255)
    short_name = models.CharField("tên viết tắt", max_length=80, blank=True)
    kind = models.CharField("loại cơ quan", max_length=32, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="cơ quan cấp trên",
    )
    unit = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="agencies",
        verbose_name="đơn vị hành chính",
    )
    address = models.CharField("địa chỉ", max_length=255, blank=True)
    phone = models.CharField("điện thoại", max_length=40, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    valid_from = models.DateField("hiệu lực từ", null=True, blank=True)
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name="cơ quan kế thừa",
        help_text="Sau sáp nhập, cơ quan mới thay thế; hồ sơ cũ giữ mã cũ.",
    )

    class Meta:
        verbose_name = "cơ quan"
        verbose_name_plural = "cơ quan"
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "kind"], name="agencies_agency_parent_kind")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="agencies_agency_validity_order",
            ),
            models.CheckConstraint(
                condition=~Q(successor=models.F("id")), name="agencies_agency_not_own_successor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_one_stop(self) -> bool:
        return self.kind in ONE_STOP_KINDS

    def clean(self) -> None:
        errors: dict[str, str] = {}
        try:
            identifier_layout(self.code)
        except ValidationFailed as exc:
            errors["code"] = str(exc)
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = "Ngày hết hiệu lực phải sau ngày bắt đầu."
        if self.successor_id is not None and self.successor_id == self.pk:
            errors["successor"] = "Cơ quan không thể kế thừa chính nó."
        if errors:
            raise ValidationError(errors)
