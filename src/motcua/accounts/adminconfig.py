"""``django.contrib.admin`` with :class:`~motcua.accounts.admin_site.MotcuaAdminSite` as
``admin.site`` (listed in ``INSTALLED_APPS`` instead of ``"django.contrib.admin"``).

Kept out of ``apps.py`` so Django still picks ``AccountsConfig`` automatically for
``"motcua.accounts"``.
"""

from django.contrib.admin.apps import AdminConfig


class MotcuaAdminConfig(AdminConfig):
    default_site = "motcua.accounts.admin_site.MotcuaAdminSite"
