"""URLs of the counter queue (mounted at ``/xep-hang/``)."""

from django.urls import path

from motcua.queueing import views

app_name = "queueing"

urlpatterns = [
    path("kiosk/<slug:site>/", views.kiosk, name="kiosk"),
    path("ve/<uuid:key>/", views.ticket_follow, name="ticket"),
    path("ve/<uuid:key>/in/", views.ticket_print, name="ticket_print"),
    path("dat-lich/huy/", views.booking_cancel, name="booking_cancel"),
    path("dat-lich/ve/<uuid:key>/", views.booking_done, name="booking_done"),
    path("dat-lich/<slug:site>/", views.booking, name="booking"),
    path("quay/", views.counters, name="counters"),
    path("quay/<int:counter_id>/", views.counter, name="counter"),
    path("quay/<int:counter_id>/<slug:action>/", views.counter_action, name="counter_action"),
    path("bang/<slug:site>/", views.board, name="board"),
    path("bang/<slug:site>/du-lieu/", views.board_data, name="board_data"),
    path("bang/<slug:site>/su-kien/", views.board_events, name="board_events"),
    path("bang/<slug:site>/loi-goi/<int:event>.wav", views.board_speech, name="board_speech"),
    path("danh-gia/<str:key>/", views.rating, name="rating"),
    path("tra-cuu/", views.lookup, name="lookup"),
    path("thong-ke/", views.statistics, name="statistics"),
]
