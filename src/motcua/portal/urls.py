"""URLs of the citizen portal (Vietnamese paths). ``/tra-cuu/<mã>/`` is printed as a QR code on
receipts: keep it stable."""

from django.urls import path

from motcua.portal import oidc
from motcua.portal import views_citizen as c
from motcua.portal import views_public as p

app_name = "portal"

urlpatterns = [
    path("thu-tuc/", p.catalogue, name="catalogue"),
    path("thu-tuc/mau/<int:pk>/", c.form_download, name="form_download"),
    path("thu-tuc/<str:code>/", p.procedure, name="procedure"),
    path("tra-cuu/", p.tracking, name="tracking"),
    path("tra-cuu/<str:code>/", p.tracking, name="tracking_code"),
    path("cong-dan/", c.home_view, name="home"),
    path("cong-dan/dang-nhap/", c.login_view, name="login"),
    path("cong-dan/dang-ky/", c.register_view, name="register"),
    path(
        "cong-dan/dang-ky/to-chuc/",
        c.register_organisation_view,
        name="register_organisation",
    ),
    path("cong-dan/oidc/", oidc.oidc_start, name="oidc_start"),
    path("cong-dan/oidc/ve/", oidc.oidc_callback, name="oidc_callback"),
    path("cong-dan/xac-minh/", c.verify_view, name="verify"),
    path("cong-dan/quen-mat-khau/", c.reset_start_view, name="reset_start"),
    path("cong-dan/dat-lai-mat-khau/", c.reset_finish_view, name="reset_finish"),
    path("cong-dan/thong-tin/", c.profile_view, name="profile"),
    path("cong-dan/du-lieu-cua-toi/", c.my_data_view, name="my_data"),
    path("cong-dan/kho-du-lieu/", c.store_view, name="store"),
    path("cong-dan/kho-du-lieu/<int:pk>/tai/", c.store_download, name="store_download"),
    path("cong-dan/nop/<str:code>/", c.submit_start, name="submit_start"),
    path("cong-dan/nhap/<uuid:uuid>/thanh-toan/", c.draft_pay, name="draft_pay"),
    path("cong-dan/nhap/<uuid:uuid>/<slug:step>/", c.draft_step, name="draft_step"),
    path("cong-dan/thanh-toan/thu-nghiem/<str:ref>/", c.test_gateway, name="test_gateway"),
    path("cong-dan/ho-so/", c.dossiers_view, name="dossiers"),
    path("cong-dan/ho-so/<str:code>/", c.dossier_view, name="dossier"),
    path("cong-dan/ho-so/<str:code>/bo-sung/", c.dossier_supplement, name="dossier_supplement"),
    path("cong-dan/ho-so/<str:code>/rut/", c.dossier_withdraw, name="dossier_withdraw"),
    path(
        "cong-dan/ho-so/<str:code>/khong-luu-kho/",
        c.dossier_store_refusal,
        name="dossier_store_refusal",
    ),
    path("cong-dan/ho-so/<str:code>/thanh-toan/", c.dossier_pay, name="dossier_pay"),
    path("cong-dan/ho-so/<str:code>/ket-qua/", c.dossier_result, name="dossier_result"),
    path("cong-dan/ho-so/<str:code>/tep/<int:pk>/", c.dossier_file, name="dossier_file"),
    path("cong-dan/ho-so/<str:code>/danh-gia/", c.dossier_rate, name="dossier_rate"),
]
