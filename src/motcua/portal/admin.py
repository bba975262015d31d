"""Admin: the notification templates (editable in Vietnamese), the per-procedure online forms
(JSON schema, checked on save) and a read-only view of the outbox."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from motcua.common.errors import ValidationFailed
from motcua.portal.models import NotificationTemplate, OutboxMessage, ProcedureForm
from motcua.portal.schema import check_schema


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin[NotificationTemplate]):
    list_display = ("event", "subject", "updated_at")


class ProcedureFormForm(forms.ModelForm[ProcedureForm]):
    class Meta:
        model = ProcedureForm
        fields = ("procedure", "schema")

    def clean_schema(self) -> Any:
        try:
            return check_schema(self.cleaned_data["schema"])
        except ValidationFailed as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(ProcedureForm)
class ProcedureFormAdmin(admin.ModelAdmin[ProcedureForm]):
    form = ProcedureFormForm
    list_display = ("procedure", "updated_at")
    autocomplete_fields = ("procedure",)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin[OutboxMessage]):
    list_display = ("key", "channel", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "channel")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
