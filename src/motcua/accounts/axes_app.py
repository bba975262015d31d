"""django-axes under a Vietnamese name in the admin (the package has no vi translation).

Kept out of ``apps.py`` on purpose: Django picks an app's config automatically only when its
``apps`` module defines exactly one ``AppConfig`` subclass.
"""

from axes.apps import AppConfig as AxesAppConfig


class AxesVietnameseConfig(AxesAppConfig):
    verbose_name = "Khóa đăng nhập sai"
