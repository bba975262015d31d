from django.urls import path

from motcua.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("giam-sat/", views.dashboard, name="dashboard"),
    path("giam-sat/ho-so/", views.drilldown, name="drilldown"),
    path("giam-sat/bao-cao/", views.report, name="report"),
    path("giam-sat/bao-cao/xuat/", views.export_start, name="export_start"),
    path("giam-sat/bao-cao/xuat/<int:pk>/", views.export_status, name="export"),
    path("giam-sat/bao-cao/xuat/<int:pk>/tai-ve/", views.export_download, name="export_download"),
    path("cong-khai/", views.public, name="public"),
]
