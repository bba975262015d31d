"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path

from motcua.common import views as common_views

admin.site.site_header = "motcua — Hệ thống thông tin giải quyết thủ tục hành chính"
admin.site.site_title = "motcua"
admin.site.index_title = "Quản trị hệ thống"

urlpatterns = [
    path("", common_views.home, name="home"),
    path("healthz", common_views.healthz, name="healthz"),
    # POST language=vi|en: the header switch (Django's set_language view; sets the cookie).
    path("ngon-ngu/", include("django.conf.urls.i18n")),
    path("quan-tri/", admin.site.urls),
    path("", include("motcua.accounts.urls")),
    path("", include("motcua.api.urls")),
    path("xep-hang/", include("motcua.queueing.urls")),
    path("can-bo/phan-anh/", include("motcua.feedback.urls_ws")),
    path("can-bo/", include("motcua.workspace.urls")),
    path("", include("motcua.portal.urls")),
    path("", include("motcua.feedback.urls")),
    path("", include("motcua.monitoring.urls")),
]
