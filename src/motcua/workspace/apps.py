from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "motcua.workspace"
    label = "workspace"
    verbose_name = "Không gian làm việc của cán bộ"
    default_auto_field = "django.db.models.BigAutoField"
