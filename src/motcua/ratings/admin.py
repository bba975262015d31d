from django.contrib import admin

from motcua.ratings.models import Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """Read-only: ratings are evidence; the rater is never shown (ND 61/2018 Đ29.3)."""

    list_display = (
        "created_at",
        "source",
        "level",
        "points",
        "satisfied",
        "agency",
        "officer",
        "dossier",
    )
    list_filter = ("source", "satisfied", "level")
    date_hierarchy = "created_at"
    raw_id_fields = ("dossier", "agency", "officer")
    exclude = ("rater",)

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
