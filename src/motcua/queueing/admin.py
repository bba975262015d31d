"""Configuration of sites, service groups and counters in the admin; tickets are read-only
(they change only through ``queueing.services``, which audits every action)."""

from django.contrib import admin

from motcua.queueing.models import Counter, ServiceGroup, Site, Ticket


class ServiceGroupInline(admin.TabularInline):
    model = ServiceGroup
    extra = 0
    fields = ("code", "name", "order", "slot_capacity", "active")


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "agency", "active")
    search_fields = ("name", "code")
    raw_id_fields = ("agency",)
    inlines = [ServiceGroupInline]


@admin.register(ServiceGroup)
class ServiceGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "site", "order", "slot_capacity", "active")
    list_filter = ("site", "active")
    filter_horizontal = ("fields",)


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    list_display = ("number", "label", "site", "priority", "officer", "active")
    list_filter = ("site", "priority", "active")
    filter_horizontal = ("groups",)
    readonly_fields = ("officer", "officer_since", "device_key")


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("day", "number", "site", "group", "priority", "status", "counter", "officer")
    list_filter = ("site", "status", "priority", "day")
    date_hierarchy = "issued_at"

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
