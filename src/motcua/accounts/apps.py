from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "motcua.accounts"
    label = "accounts"
    verbose_name = "Tài khoản và phân quyền"

    def ready(self) -> None:
        from motcua.accounts import signals  # noqa: F401  (connects the receivers)
        from motcua.accounts.permissions import post_migrate_sync

        post_migrate.connect(post_migrate_sync, dispatch_uid="accounts_sync_role_groups")
