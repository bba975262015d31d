"""The admin is in Vietnamese, third-party apps included."""

from __future__ import annotations

import pytest
from django.test import Client

from motcua.accounts.models import User


@pytest.mark.django_db
def test_admin_index_is_vietnamese(client: Client) -> None:
    admin = User.objects.create_superuser("root", "root@example.org", "mat-khau-rat-dai-2026")
    client.force_login(admin)
    response = client.get("/quan-tri/", HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    html = response.content.decode()
    for vietnamese in ("Khóa đăng nhập sai", "Các lần đăng nhập sai", "Thủ tục hành chính"):
        assert vietnamese in html
    for english in ("Access attempts", "Access failures", "Access logs"):
        assert english not in html
