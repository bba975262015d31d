"""Sign-in through an external OpenID Connect identity provider (the national VNeID-style SSO),
when ``MOTCUA_OIDC_ISSUER`` is set. Authlib's Django client does the protocol: discovery
(``/.well-known/openid-configuration``), authorization code flow with PKCE (S256), ``state`` and
``nonce`` kept in the session, and the ID token checked against the provider's JWKS (signature,
issuer, audience, expiry, nonce). The account is found or created from the ``sub`` claim
(``services.oidc_user``). Authlib is imported when the pages are used, not at start-up."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from motcua.portal import services

_CLIENTS: dict[tuple[str, str], Any] = {}


def _client() -> Any:
    """The registered client for the configured provider (re-registered if the settings
    change, e.g. in tests)."""
    issuer = settings.MOTCUA_OIDC_ISSUER.rstrip("/")
    if not issuer:
        raise Http404
    key = (issuer, settings.MOTCUA_OIDC_CLIENT_ID)
    if key not in _CLIENTS:
        from authlib.integrations.django_client import OAuth

        oauth = OAuth()
        _CLIENTS[key] = oauth.register(
            name="vneid",
            client_id=settings.MOTCUA_OIDC_CLIENT_ID,
            client_secret=settings.MOTCUA_OIDC_CLIENT_SECRET,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": settings.MOTCUA_OIDC_SCOPE, "code_challenge_method": "S256"},
        )
    return _CLIENTS[key]


@never_cache
@require_GET
def oidc_start(request: HttpRequest) -> HttpResponse:
    """``/cong-dan/oidc/``: off to the identity provider."""
    from requests.exceptions import RequestException

    callback = request.build_absolute_uri(reverse("portal:oidc_callback"))
    try:
        return _client().authorize_redirect(request, callback)
    except RequestException:
        messages.error(request, "Không kết nối được hệ thống định danh. Vui lòng thử lại sau.")
        return redirect("portal:login")


@never_cache
@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """``/cong-dan/oidc/ve/``: the provider's answer; sign in on a valid ID token only."""
    from authlib.integrations.base_client.errors import OAuthError
    from joserfc.errors import JoseError
    from requests.exceptions import RequestException

    try:
        token = _client().authorize_access_token(request)
    except (OAuthError, JoseError, RequestException, ValueError) as exc:
        messages.error(
            request,
            "Đăng nhập bằng tài khoản định danh điện tử không thành công "
            f"({type(exc).__name__}). Vui lòng thử lại.",
        )
        return redirect("portal:login")
    claims = dict(token.get("userinfo") or {})
    subject = str(claims.get("sub") or "")
    if not subject:
        messages.error(request, "Hệ thống định danh không trả về định danh người dùng.")
        return redirect("portal:login")
    user = services.oidc_user(subject=subject, claims=claims)
    if not user.is_active:
        messages.error(request, "Tài khoản này đã bị vô hiệu hóa.")
        return redirect("portal:login")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("portal:home")
