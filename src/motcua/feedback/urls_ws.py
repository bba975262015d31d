"""The workspace part of the feedback pages (mounted under /can-bo/phan-anh/)."""

from django.urls import path

from motcua.feedback import views

app_name = "feedback_ws"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("<str:uuid>/", views.ws_detail, name="detail"),
    path("<str:uuid>/chuyen-co-quan/", views.ws_transfer, name="transfer"),
    path("<str:uuid>/<slug:action>/", views.ws_act, name="act"),
]
