"""The catalogue admin: pages load, published versions are read-only, actions call services."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models.fields.files import FieldFile
from django.test import Client
from django.urls import reverse

from motcua.accounts.models import User
from motcua.catalogue.importer import ImportReport
from motcua.catalogue.models import ProcedureVersion, VersionStatus
from motcua.catalogue.selectors import procedure_get


@pytest.fixture
def admin_client(imported: ImportReport) -> Client:
    user = User.objects.create_superuser("quantri", "qt@example.vn", "mat-khau-dai-123")
    client = Client()
    client.force_login(user)
    return client


def _version(code: str) -> ProcedureVersion:
    return procedure_get(code).versions.order_by("-number").first()  # type: ignore[return-value]


@pytest.mark.parametrize(
    "name", ["catalogue_procedure", "catalogue_procedureversion", "catalogue_field"]
)
def test_changelists_load(admin_client: Client, name: str) -> None:
    response = admin_client.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200


def test_search_ignores_diacritics(admin_client: Client) -> None:
    url = reverse("admin:catalogue_procedure_changelist")
    body = admin_client.get(url, {"q": "dang ky thuong tru"}).content.decode()
    assert "1.004222" in body
    assert "1.004194" not in body
    body = admin_client.get(url, {"q": "1.0041"}).content.decode()
    assert "1.004194" in body
    url = reverse("admin:catalogue_procedureversion_changelist")
    assert "1.004222" in admin_client.get(url, {"q": "ĐĂNG KÝ THƯỜNG TRÚ"}).content.decode()


def test_a_published_version_is_shown_read_only(admin_client: Client) -> None:
    version = _version("1.004222")
    url = reverse("admin:catalogue_procedureversion_change", args=[version.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="_save"' not in body
    assert "Trong thời hạn 07 ngày làm việc" in body
    response = admin_client.post(url, {"name": "Tên khác"})
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.name == "Đăng ký thường trú"
    procedure_url = reverse("admin:catalogue_procedure_change", args=[version.procedure.pk])
    assert admin_client.get(procedure_url).status_code == 200


def _action(client: Client, action: str, versions: list[ProcedureVersion]) -> Any:
    return client.post(
        reverse("admin:catalogue_procedureversion_changelist"),
        {"action": action, "_selected_action": [v.pk for v in versions]},
        follow=True,
    )


def test_new_version_and_publish_actions(admin_client: Client) -> None:
    published = _version("1.004222")
    response = _action(admin_client, "create_new_version", [published])
    assert "Đã tạo bản nháp phiên bản 2" in response.content.decode()
    draft = _version("1.004222")
    assert draft.status == VersionStatus.DRAFT

    change_url = reverse("admin:catalogue_procedureversion_change", args=[draft.pk])
    page = admin_client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' in page.content.decode()

    response = _action(admin_client, "publish", [draft])
    assert "Đã công bố thủ tục 1.004222 phiên bản 2" in response.content.decode()
    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED
    assert published.status == VersionStatus.RETIRED
    assert draft.published_by is not None

    response = _action(admin_client, "publish", [published])
    assert "Chỉ công bố được bản nháp" in response.content.decode()


def _form_data(form: Any) -> dict[str, Any]:
    """What the browser would post for an unbound admin form (initial values)."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or value is False or (isinstance(value, FieldFile) and not value):
            continue
        if name in {"target_groups", "review_reasons"}:
            data[form.add_prefix(name)] = field.prepare_value(value)
        elif isinstance(value, list | tuple):
            data[form.add_prefix(name)] = [getattr(v, "pk", v) for v in value]
        else:
            data[form.add_prefix(name)] = getattr(value, "pk", value)
    return data


def test_editing_a_draft_in_the_admin(admin_client: Client) -> None:
    _action(admin_client, "create_new_version", [_version("1.003197")])
    draft = _version("1.003197")
    url = reverse("admin:catalogue_procedureversion_change", args=[draft.pk])
    page = admin_client.get(url)
    data = _form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(
            {f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()}
        )
        for sub in formset.forms:
            data.update(_form_data(sub))
    data["name"] = "Xóa đăng ký thường trú (bản sửa)"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    draft.refresh_from_db()
    assert draft.name == "Xóa đăng ký thường trú (bản sửa)"
    assert draft.time_limits.count() == 2
