from django.urls import path

from motcua.workspace import views

app_name = "workspace"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("tiep-nhan/", views.intake, name="intake"),
    path("trung-tam/", views.floor, name="floor"),
    path("so-theo-doi/", views.register, name="register"),
    path("phoi-hop/", views.partner_worklist, name="partner_worklist"),
    path("phoi-hop/y-kien/<int:pk>/", views.consultation, name="consultation"),
    path("phoi-hop/y-kien/<int:pk>/tep/", views.consultation_file, name="consultation_file"),
    path("phoi-hop/phan-viec/<int:pk>/", views.partner_task, name="partner_task"),
    path("ho-so/<str:code>/", views.dossier, name="dossier"),
    path("ho-so/<str:code>/giay-tiep-nhan/", views.receipt, name="receipt"),
    path("ho-so/<str:code>/bieu-mau/<slug:form>.pdf", views.form_pdf, name="form_pdf"),
    path("ho-so/<str:code>/giay-to/<int:pk>/", views.document_file, name="document_file"),
    path("ho-so/<str:code>/ket-qua/<int:pk>/", views.result_file, name="result_file"),
    path("ho-so/<str:code>/thao-tac/<slug:action>/", views.act, name="act"),
]
