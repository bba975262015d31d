"""Admin of the procedure catalogue, in Vietnamese.

Published versions are shown read-only (their content is frozen, NĐ 63/2010 Đ8 and the
versioning rule in docs/catalogue.md); the actions "Tạo phiên bản mới" and "Công bố" call the
services. Search ignores diacritics and case (a folded, indexed column).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from motcua.catalogue.models import (
    ChannelOption,
    Fee,
    Field,
    LegalBasis,
    Procedure,
    ProcedureResult,
    ProcedureVersion,
    ProcessStep,
    RequiredDocument,
    TimeLimit,
    VersionStatus,
)
from motcua.catalogue.services import (
    procedure_version_create_draft,
    procedure_version_publish,
    procedure_version_record_publication,
)
from motcua.common.errors import MotcuaError
from motcua.common.text import fold


def _folded_search(
    queryset: QuerySet[Any], search_term: str, field: str
) -> tuple[QuerySet[Any], bool]:
    for word in fold(search_term).split():
        queryset = queryset.filter(**{f"{field}__contains": word})
    return queryset, False


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin[Field]):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class VersionInline(admin.TabularInline[ProcedureVersion, Procedure]):
    model = ProcedureVersion
    extra = 0
    fields = ["link", "status", "effective_from", "effective_to", "needs_review"]
    readonly_fields = ["link", "status", "effective_from", "effective_to", "needs_review"]
    can_delete = False
    show_change_link = False
    verbose_name = "phiên bản"
    verbose_name_plural = "các phiên bản"

    @admin.display(description="phiên bản")
    def link(self, obj: ProcedureVersion) -> str:
        url = reverse("admin:catalogue_procedureversion_change", args=[obj.pk])
        return format_html('<a href="{}">Phiên bản {}</a>', url, obj.number)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin[Procedure]):
    list_display = ["code", "name", "current_version", "review_flag"]
    search_fields = ["code"]  # replaced by the folded search below
    inlines = [VersionInline]
    readonly_fields = ["search_key"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The code is the national identity; the name follows the published version.
        return ["code", "name", "search_key"] if obj is not None else ["search_key"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Procedure], search_term: str
    ) -> tuple[QuerySet[Procedure], bool]:
        return _folded_search(queryset, search_term, "search_key")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Procedure]:
        return super().get_queryset(request).prefetch_related("versions")

    def _published(self, obj: Procedure) -> ProcedureVersion | None:
        return next((v for v in obj.versions.all() if v.status == VersionStatus.PUBLISHED), None)

    @admin.display(description="phiên bản công bố")
    def current_version(self, obj: Procedure) -> str:
        version = self._published(obj)
        return f"{version.number} (từ {version.effective_from:%d/%m/%Y})" if version else "—"

    @admin.display(description="cần rà soát", boolean=True)
    def review_flag(self, obj: Procedure) -> bool:
        version = self._published(obj)
        return bool(version and version.needs_review)


class _VersionChildInline(admin.TabularInline[Any, ProcedureVersion]):
    extra = 0

    def _editable(self, obj: ProcedureVersion | None) -> bool:
        return obj is None or not obj.is_locked

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


class ChannelInline(_VersionChildInline):
    model = ChannelOption


class TimeLimitInline(_VersionChildInline):
    model = TimeLimit
    fields = [
        "channel",
        "order",
        "value",
        "value_max",
        "unit",
        "cutoff",
        "condition",
        "is_default",
        "note",
    ]


class FeeInline(_VersionChildInline):
    model = Fee
    fields = ["channel", "order", "amount", "condition", "description"]


class DocumentInline(_VersionChildInline):
    model = RequiredDocument
    fields = ["order", "name", "originals", "copies", "case", "form", "form_url"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class ResultInline(_VersionChildInline):
    model = ProcedureResult


class LegalBasisInline(_VersionChildInline):
    model = LegalBasis
    fields = ["order", "text", "effective_date"]


class StepInline(_VersionChildInline):
    model = ProcessStep
    fields = ["order", "name", "role", "agency_kind", "agency", "share"]
    raw_id_fields = ["agency"]


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin[ProcedureVersion]):
    list_display = [
        "procedure_code",
        "number",
        "name",
        "status",
        "effective_from",
        "effective_to",
        "needs_review",
    ]
    list_display_links = ["procedure_code", "number"]
    list_filter = ["status", "needs_review", "level", "online_level", "field"]
    search_fields = ["search_key"]  # replaced by the folded search below
    list_select_related = ["procedure"]
    raw_id_fields = ["competent_agencies", "receiving_agencies", "coordinating_agencies"]
    inlines = [
        ChannelInline,
        TimeLimitInline,
        FeeInline,
        DocumentInline,
        ResultInline,
        LegalBasisInline,
        StepInline,
    ]
    actions = ["create_new_version", "publish", "record_national_publication"]
    readonly_fields = [
        "number",
        "status",
        "effective_to",
        "published_at",
        "published_by",
        "national_published_at",
        "source_hash",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "procedure",
                    "number",
                    "status",
                    "effective_from",
                    "effective_to",
                    "published_at",
                    "published_by",
                    "publication_decision",
                    "publication_decision_date",
                    "national_published_at",
                ]
            },
        ),
        (
            "Nội dung thủ tục",
            {
                "fields": [
                    "name",
                    "field",
                    "level",
                    "level_text",
                    "procedure_type",
                    "target_groups",
                    "target_groups_text",
                    "agency_text",
                    "competent_agencies",
                    "receiving_agencies",
                    "coordinating_agencies",
                    "conditions",
                    "dossier_count",
                    "documents_note",
                    "online_level",
                    "online_text",
                ]
            },
        ),
        (
            "Văn bản gốc và rà soát",
            {
                "fields": [
                    "time_limit_text",
                    "fee_text",
                    "fee_note",
                    "needs_review",
                    "review_reasons",
                    "source",
                    "source_province",
                    "source_hash",
                    "notes",
                ]
            },
        ),
    ]

    @admin.display(description="mã thủ tục", ordering="procedure__code")
    def procedure_code(self, obj: ProcedureVersion) -> str:
        return obj.procedure.code

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ProcedureVersion], search_term: str
    ) -> tuple[QuerySet[ProcedureVersion], bool]:
        return _folded_search(queryset, search_term, "search_key")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A published version is shown read-only (view permission), never edited.
        if obj is not None and obj.is_locked:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_locked:
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(self.readonly_fields)
        if obj is not None:
            fields.append("procedure")
        return fields

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ProcedureVersion]) -> None:
        locked = queryset.exclude(status=VersionStatus.DRAFT)
        if locked.exists():
            self.message_user(
                request,
                "Chỉ xóa được bản nháp; các phiên bản đã công bố được giữ nguyên.",
                messages.ERROR,
            )
        queryset.filter(status=VersionStatus.DRAFT).delete()

    @admin.action(description="Tạo phiên bản mới (bản nháp sao chép từ phiên bản đã chọn)")
    def create_new_version(
        self, request: HttpRequest, queryset: QuerySet[ProcedureVersion]
    ) -> None:
        for version in queryset.select_related("procedure"):
            try:
                draft = procedure_version_create_draft(version.procedure, from_version=version)
            except MotcuaError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"Đã tạo bản nháp phiên bản {draft.number} của thủ tục "
                    f"{version.procedure.code}.",
                    messages.SUCCESS,
                )

    @admin.action(description="Công bố (bản nháp; hiệu lực từ ngày đã nhập hoặc hôm nay)")
    def publish(self, request: HttpRequest, queryset: QuerySet[ProcedureVersion]) -> None:
        today = timezone.localdate()
        for version in queryset.select_related("procedure"):
            effective_from = version.effective_from or today
            try:
                procedure_version_publish(version, effective_from, actor=request.user)  # type: ignore[arg-type]
            except MotcuaError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"Đã công bố thủ tục {version.procedure.code} phiên bản {version.number}, "
                    f"hiệu lực từ {effective_from:%d/%m/%Y}.",
                    messages.SUCCESS,
                )

    @admin.action(description="Ghi nhận đã công khai trên CSDL quốc gia về TTHC (lúc này)")
    def record_national_publication(
        self, request: HttpRequest, queryset: QuerySet[ProcedureVersion]
    ) -> None:
        now = timezone.now()
        for version in queryset.select_related("procedure"):
            try:
                warnings = procedure_version_record_publication(
                    version,
                    national_published_at=now,
                    actor=request.user,  # type: ignore[arg-type]
                )
            except MotcuaError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            self.message_user(
                request,
                f"Đã ghi nhận thủ tục {version.procedure.code} phiên bản {version.number} "
                f"công khai trên CSDL quốc gia lúc {timezone.localtime(now):%H:%M %d/%m/%Y}.",
                messages.SUCCESS,
            )
            for warning in warnings:
                self.message_user(request, warning, messages.WARNING)

    def save_model(
        self, request: HttpRequest, obj: ProcedureVersion, form: Any, change: bool
    ) -> None:
        try:
            super().save_model(request, obj, form, change)
        except MotcuaError as exc:  # pragma: no cover - the form is read-only when locked
            self.message_user(request, str(exc), messages.ERROR)
