"""Admin for administrative units and agencies (in Vietnamese through verbose names)."""

from __future__ import annotations

from django.contrib import admin

from motcua.agencies.models import AdministrativeUnit, Agency


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "division_type", "parent")
    list_filter = ("level", "division_type")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)
    list_per_page = 50


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "unit", "valid_from", "valid_to", "successor")
    list_filter = ("kind",)
    search_fields = ("code", "name", "short_name")
    list_select_related = ("parent", "unit", "successor")
    raw_id_fields = ("parent", "unit", "successor")
    list_per_page = 50
