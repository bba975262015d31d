"""URLs of the feedback pages: the portal part under /phan-anh/, the workspace part under
/can-bo/phan-anh/ (``ws_urlpatterns``)."""

from django.urls import path

from motcua.feedback import views

app_name = "feedback"

urlpatterns = [
    path("phan-anh/", views.public_list, name="public_list"),
    path("phan-anh/gui/", views.submit, name="submit"),
    path("phan-anh/cua-toi/", views.mine, name="mine"),
    path("phan-anh/<str:uuid>/", views.detail, name="detail"),
    path("phan-anh/<str:uuid>/<slug:action>/", views.citizen_act, name="act"),
]
