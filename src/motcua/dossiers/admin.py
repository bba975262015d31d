"""Read-only dossier pages in the admin site, for operators, auditors and the Center's director.

Nothing here changes a dossier: every change goes through ``dossiers.services`` (the officer
workspace, the API). The list is limited to what the signed-in officer may see
(``access.dossiers_visible_to``), never counts 10 million rows (no full result count, an
estimated paginator), and opening a dossier writes the read of its personal data to the audit
log (rules.md §7), as the workspace does.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property

from motcua.audit.services import audit_read
from motcua.dossiers.access import dossiers_visible_to
from motcua.dossiers.models import ClockEvent, Dossier, DossierDocument, DossierEvent
from motcua.dossiers.selectors import PERSONAL_FIELDS

#: Pages of the admin list never count past this many rows.
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` rows (a ``LIMIT`` subquery): page links stop there, and a
    search or filter narrows the list, as officers do."""

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if isinstance(qs, QuerySet):
            return qs.order_by()[: COUNT_CAP + 1].count()
        return len(qs)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields  # every shown field, read-only


class EventInline(_ReadOnlyInline):
    model = DossierEvent
    verbose_name_plural = "Phiếu kiểm soát quá trình giải quyết hồ sơ"
    fields = (
        "seq",
        "at",
        "action",
        "from_status",
        "to_status",
        "actor_label",
        "from_agency",
        "to_agency",
        "step_due_at",
        "outcome",
        "note",
    )
    ordering = ("seq",)


class ClockInline(_ReadOnlyInline):
    model = ClockEvent
    verbose_name_plural = "Sự kiện thời hạn"
    fields = ("seq", "at", "kind", "due_before", "due_after", "reason")
    ordering = ("seq",)


class DocumentInline(_ReadOnlyInline):
    model = DossierDocument
    verbose_name_plural = "Thành phần hồ sơ"
    fields = ("name", "submitted", "form", "count", "reused", "reuse_source", "reuse_origin")


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "status",
        "national_status",
        "channel",
        "receiving_agency",
        "current_agency",
        "received_at",
        "due_at",
        "outcome",
    )
    list_filter = ("status", "channel", "outcome")
    # Exact code or its leading part (agency + day): both served by the unique code index.
    search_fields = ("^code",)
    search_help_text = "Nhập mã hồ sơ hoặc phần đầu của mã (mã cơ quan, ngày tiếp nhận)."
    list_select_related = ("receiving_agency", "current_agency")
    show_full_result_count = False
    paginator = CappedPaginator
    list_per_page = 50
    inlines = (DocumentInline, EventInline, ClockInline)
    exclude = ("applicant",)

    @admin.display(description="người nộp")
    def applicant_name(self, obj: Dossier) -> str:
        return obj.applicant.full_name if obj.applicant_id else ""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dossier]:
        return dossiers_visible_to(request.user).order_by("-id")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        names = [f.name for f in Dossier._meta.concrete_fields if f.name != "applicant"]
        return (*names, "applicant_name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        dossier = self.get_queryset(request).filter(pk=object_id).first()
        if response.status_code == 200 and dossier is not None:
            audit_read(
                actor=request.user,  # type: ignore[arg-type]
                object_type="dossier",
                object_id=str(dossier.uuid),
                fields=PERSONAL_FIELDS,
                agency_id=dossier.current_agency_id,
                purpose="xem hồ sơ trên trang quản trị",
            )
        return response
