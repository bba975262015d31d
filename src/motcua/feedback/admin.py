from django.contrib import admin

from motcua.feedback.models import Feedback


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """Read-only: feedback changes go through ``feedback.services`` (the workspace pages)."""

    list_display = ("submitted_at", "title", "agency", "kind", "status", "handle_due")
    list_filter = ("status", "kind")
    date_hierarchy = "submitted_at"
    raw_id_fields = (
        "citizen",
        "agency",
        "transferred_from",
        "dossier",
        "procedure",
        "answered_by",
        "approved_by",
    )

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
