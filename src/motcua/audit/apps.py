from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "motcua.audit"
    label = "audit"
    verbose_name = "Nhật ký kiểm tra"
    default_auto_field = "django.db.models.BigAutoField"
