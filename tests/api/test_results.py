"""The result document in the API's dossier output and its download (kết quả giải quyết)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from tests.api.conftest import MakeClient
from tests.api.results import (
    appraising_with_draft,
    resolved_with_signed_result,
    use_test_certificate,
)
from tests.dossiers.conftest import World

from motcua.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _certificate(settings: Any, tmp_path: Path) -> None:
    use_test_certificate(settings, tmp_path)


def test_no_result_is_null(world: World, make_client: MakeClient) -> None:
    _, call = make_client()
    dossier = world.receive()
    answer = call("GET", f"/dossiers/{dossier.code}")
    assert answer.status == 200
    assert answer.body["result"] is None
    missing = call("GET", f"/dossiers/{dossier.code}/result")
    assert missing.status == 404
    assert missing.body["code"] == "result_not_found"


def test_draft_result_is_shown_unsigned(world: World, make_client: MakeClient) -> None:
    _, call = make_client()
    dossier, row = appraising_with_draft(world)
    result = call("GET", f"/dossiers/{dossier.code}").body["result"]
    assert result["name"] == "Giấy chứng nhận quyền sử dụng đất"
    assert result["signed"] is False
    assert result["signer"] is None
    assert result["issued_at"] is None
    assert result["sha256"] == row.sha256
    assert result["size"] == row.file.size
    assert result["file_name"].endswith(".pdf")


def test_signed_result_fields_and_download(world: World, make_client: MakeClient) -> None:
    _, call = make_client()
    dossier, row = resolved_with_signed_result(world)
    answer = call("GET", f"/dossiers/{dossier.code}")
    result = answer.body["result"]
    assert result["signed"] is True
    assert result["signer"]
    assert result["sha256"] == row.signed_sha256 != row.sha256
    assert result["size"] == row.signed_file.size
    assert result["file_name"] == row.signed_file.name.rsplit("/", 1)[-1]
    assert result["issued_at"].startswith("2026-03-03T11:00:00")
    url = result["download_url"]
    assert url == (f"https://dichvucong.khanhhoa.gov.vn/api/v1/dossiers/{dossier.code}/result")
    # The address downloads the signed PDF for an authorised caller.
    http = Client()
    response = http.get(url.split(".vn", 1)[1], headers={"Authorization": f"Bearer {call.key}"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == row.signed_sha256
    assert response["X-Content-SHA256"] == row.signed_sha256
    assert AuditEntry.objects.filter(
        action="read", data__purpose="API: tải kết quả giải quyết"
    ).exists()


def test_result_download_is_scoped(world: World, make_client: MakeClient) -> None:
    dossier, _ = resolved_with_signed_result(world)
    _, stranger = make_client(name="Phường", agencies=[world.other_center])
    answer = stranger("GET", f"/dossiers/{dossier.code}/result")
    assert answer.status == 404
    assert answer.body["code"] == "dossier_not_found"
    _, no_read = make_client(name="Chỉ thanh toán", scopes=["ratings:write"])
    assert no_read("GET", f"/dossiers/{dossier.code}/result").status == 403
    assert Client().get(f"/api/v1/dossiers/{dossier.code}/result").status_code == 401


def test_download_url_only_for_callers_who_may_read(world: World, make_client: MakeClient) -> None:
    dossier, _ = appraising_with_draft(world)
    # A client that acts but may not read gets the result without the download address.
    _, actor = make_client(name="Xử lý", scopes=["dossiers:act"], user=world.specialist)
    answer = actor(
        "POST",
        f"/dossiers/{dossier.code}/actions/submit_draft",
        {"expected_version": dossier.version},
    )
    assert answer.status == 200, answer.body
    assert answer.body["result"]["name"] == "Giấy chứng nhận quyền sử dụng đất"
    assert answer.body["result"]["download_url"] is None
    _, reader = make_client(name="Đọc")
    assert reader("GET", f"/dossiers/{dossier.code}").body["result"]["download_url"]
