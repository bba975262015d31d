"""Read-only admin lists of the workspace's records (fee receipts, results, handovers): they
are written only by ``motcua.workspace.services`` together with the dossier's action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from motcua.workspace.models import FeeCollection, ResultDocument, ResultHandover


class ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FeeCollection)
class FeeCollectionAdmin(ReadOnly):
    list_display = ("receipt_number", "dossier", "amount", "method", "collected_at", "collected_by")
    search_fields = ("receipt_number", "dossier__code")
    list_select_related = ("dossier", "collected_by")


@admin.register(ResultDocument)
class ResultDocumentAdmin(ReadOnly):
    list_display = ("dossier", "name", "signed_at", "signed_by", "signer_subject")
    search_fields = ("dossier__code",)
    list_select_related = ("dossier", "signed_by")


@admin.register(ResultHandover)
class ResultHandoverAdmin(ReadOnly):
    list_display = (
        "dossier",
        "method",
        "receiver_name",
        "postal_tracking",
        "handed_at",
        "handed_by",
    )
    search_fields = ("dossier__code", "postal_tracking")
    list_select_related = ("dossier", "handed_by")
