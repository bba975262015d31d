"""URLs of the accounts app (Vietnamese paths, mounted at the site root)."""

from django.urls import path

from motcua.accounts import views

app_name = "accounts"

urlpatterns = [
    path("dang-nhap/", views.login_view, name="login"),
    path("dang-xuat/", views.logout_view, name="logout"),
    path("tai-khoan/", views.profile_view, name="profile"),
    path("tai-khoan/xac-thuc-hai-lop/", views.totp_view, name="totp"),
]
