"""The NinjaAPI instance: ``/api/v1/``, OpenAPI 3.1 at ``/api/v1/openapi.json``, interactive
docs at ``/api/v1/docs`` served from django-ninja's own static files (``ninja`` is in
INSTALLED_APPS, so no CDN is used)."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from motcua.api import catalogue, dossiers, errors, oauth


class Renderer(JSONRenderer):
    """JSON with Vietnamese text kept readable (UTF-8, not \\u escapes)."""

    json_dumps_params: dict[str, Any] = {"ensure_ascii": False}


api = NinjaAPI(
    title="motcua API",
    version="1.0.0",
    description=(
        "API mở của hệ thống một cửa (NĐ 118/2025/NĐ-CP). Lỗi luôn có dạng "
        '`{"code", "message", "details"}`; thông báo theo `Accept-Language` (vi, en). '
        "Xác thực: `Authorization: Bearer <khóa API>`, mã truy cập OAuth2 (client credentials, "
        "`POST /api/v1/oauth/token`) hoặc phiên đăng nhập web. "
        "Xem docs/integration.md."
    ),
    urls_namespace="api-v1",
    renderer=Renderer(),
    openapi_extra={"info": {"license": {"name": "AGPL-3.0-or-later"}}},
)
errors.install(api)
api.add_router("/oauth", oauth.router)
api.add_router("/catalogue", catalogue.router)
api.add_router("/", dossiers.router)
api.add_router("/", dossiers.public)


def _integrations() -> None:
    from motcua.integrations import api as inbound

    api.add_router("/national", inbound.router)


_integrations()
