"""The public catalogue, the schema, the self-hosted docs and the error shape."""

from __future__ import annotations

import pytest
from tests.api.conftest import Caller
from tests.dossiers.conftest import World

pytestmark = pytest.mark.django_db


def test_openapi_31_schema_is_served(anonymous: Caller) -> None:
    answer = anonymous("GET", "/openapi.json")
    assert answer.status == 200
    assert answer.body["openapi"].startswith("3.1")
    paths = answer.body["paths"]
    assert "/api/v1/dossiers" in paths
    assert "/api/v1/catalogue/procedures/{code}" in paths
    # Every operation declares the error responses in the one error shape.
    for path, operations in paths.items():
        if path == "/api/v1/oauth/token":
            continue  # RFC 6749 §5.2's own error shape (tests/api/test_oauth.py)
        for method, operation in operations.items():
            for status in ("401", "404", "422", "429"):
                assert status in operation["responses"], (path, method, status)


def test_docs_page_uses_no_cdn(anonymous: Caller) -> None:
    response = anonymous.http.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "https://"):
        assert cdn not in html


def test_procedures_list_search_and_detail(world: World, anonymous: Caller) -> None:
    page = anonymous("GET", "/catalogue/procedures?limit=1")
    assert page.status == 200
    assert [p["code"] for p in page.body["items"]] == ["1.004222"]
    second = anonymous("GET", f"/catalogue/procedures?limit=1&after={page.body['next']}")
    assert [p["code"] for p in second.body["items"]] == ["1.004223"]
    assert second.body["next"] is None
    found = anonymous("GET", "/catalogue/procedures?q=bien dong dat")
    assert [p["code"] for p in found.body["items"]] == ["1.004222"]
    detail = anonymous("GET", "/catalogue/procedures/1.004222")
    assert detail.status == 200
    online = next(c for c in detail.body["channels"] if c["channel"] == "online")
    assert online["national_code"] == 2
    assert online["time_limits"][0]["value"] == 5
    assert online["time_limits"][0]["unit"] == "working_days"
    assert next(d["name"] for d in detail.body["documents"]) == "Đơn đăng ký theo mẫu"


def test_etag_gives_304(world: World, anonymous: Caller) -> None:
    first = anonymous("GET", "/catalogue/procedures/1.004222")
    tag = first.headers["ETag"]
    assert "public" in first.headers["Cache-Control"]
    again = anonymous.http.get(
        "/api/v1/catalogue/procedures/1.004222", headers={"If-None-Match": tag}
    )
    assert again.status_code == 304
    assert again.content == b""
    other = anonymous.http.get(
        "/api/v1/catalogue/procedures/1.004222", headers={"If-None-Match": '"stale"'}
    )
    assert other.status_code == 200


def test_agencies_and_units(world: World, anonymous: Caller) -> None:
    agencies = anonymous("GET", "/catalogue/agencies")
    assert {a["code"] for a in agencies.body["items"]} >= {"000.01.01.H32", "000.01.10.H32"}
    units = anonymous("GET", "/catalogue/units?level=province")
    assert [u["code"] for u in units.body["items"]] == ["56"]


def test_unknown_procedure_is_404_in_the_error_shape_vi_and_en(
    world: World, anonymous: Caller
) -> None:
    vi = anonymous("GET", "/catalogue/procedures/9.999999")
    assert vi.status == 404
    assert vi.body == {
        "code": "procedure_not_found",
        "message": "Không tìm thấy thủ tục.",
        "details": {},
    }
    en = anonymous(
        "GET", "/catalogue/procedures/9.999999", headers={"Accept-Language": "en-US,en;q=0.9"}
    )
    assert en.body["message"] == "Procedure not found."


def test_bad_query_parameters_are_422_in_the_error_shape(anonymous: Caller) -> None:
    answer = anonymous("GET", "/catalogue/procedures?limit=100000")
    assert answer.status == 422
    assert answer.body["code"] == "validation_error"
    assert answer.body["details"]["errors"][0]["loc"][-1] == "limit"
    forged = anonymous("GET", "/catalogue/procedures?after=not-a-cursor")
    assert forged.status == 422
