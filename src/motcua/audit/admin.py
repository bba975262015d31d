"""The audit log in the admin: read-only, for whoever holds the view permission."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from motcua.audit.models import AuditChainHead, AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """View only: no add, change or delete, whatever permissions a user holds."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}  # not even "delete selected"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_repr", "action", "object_type", "object_id", "chain", "seq")
    list_filter = ("action", "object_type")
    search_fields = ("=object_id", "=actor_repr", "actor_repr")
    ordering = ("-at", "-id")
    # The table grows to tens of millions of rows: no full COUNT(*) under every filter.
    show_full_result_count = False
    fields = (
        "at",
        "actor_id",
        "actor_repr",
        "action",
        "object_type",
        "object_id",
        "agency_id",
        "data",
        "chain",
        "seq",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    list_display = ("chain", "seq", "last_hash")
    ordering = ("chain",)
    readonly_fields = ("chain", "seq", "last_hash")
