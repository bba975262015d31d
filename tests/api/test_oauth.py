"""OAuth2 client credentials (RFC 6749 §4.4): the token endpoint, its §5.2 errors, and the
token authorising API calls exactly like a key (agency scope, rate limit, call log), refused at
once when the client or the secret is revoked, when it expires, or beyond its scopes."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.api.conftest import Caller, MakeClient
from tests.dossiers.conftest import World

from motcua.api.models import ApiCall, ApiClient
from motcua.api.services import (
    OAUTH_TOKEN_SECONDS,
    api_client_create,
    api_client_issue_secret,
    api_client_revoke,
    api_client_revoke_secret,
    oauth_token_issue,
)

pytestmark = pytest.mark.django_db


def token_call(
    form: dict[str, Any] | str | None = None,
    *,
    basic: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> tuple[int, Any, Any]:
    extra = dict(headers or {})
    if basic is not None:
        pair = f"{quote_plus(basic[0])}:{quote_plus(basic[1])}"
        extra["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    if isinstance(form, dict):
        data = "&".join(f"{k}={quote_plus(str(v))}" for k, v in form.items())
    else:
        data = form or ""
    response = Client().post(
        "/api/v1/oauth/token", data=data, content_type=content_type, headers=extra
    )
    return response.status_code, json.loads(response.content), response.headers


@pytest.fixture
def oauth(world: World, make_client: MakeClient) -> tuple[ApiClient, str, str]:
    client, _ = make_client(name="Nền tảng dữ liệu tỉnh", user=world.reception)
    client_id, secret = api_client_issue_secret(actor=world.admin, client=client)
    return client, client_id, secret


def test_secret_is_stored_hashed_and_client_id_is_stable(
    world: World, oauth: tuple[ApiClient, str, str]
) -> None:
    client, client_id, secret = oauth
    client.refresh_from_db()
    assert client.oauth_client_id == client_id
    assert secret not in client.oauth_secret_hash
    assert len(client.oauth_secret_hash) == 64
    again_id, again_secret = api_client_issue_secret(actor=world.admin, client=client)
    assert again_id == client_id
    assert again_secret != secret


def test_good_flow_basic_and_body(oauth: tuple[ApiClient, str, str]) -> None:
    client, client_id, secret = oauth
    status, body, headers = token_call(
        {"grant_type": "client_credentials"}, basic=(client_id, secret)
    )
    assert status == 200, body
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == OAUTH_TOKEN_SECONDS
    assert set(body["scope"].split()) == set(client.scopes)
    assert headers["Cache-Control"] == "no-store"
    call = Caller(body["access_token"])
    me = call("GET", "/me")
    assert me.status == 200
    assert me.body["kind"] == "client"
    assert me.body["name"] == client.name
    # Client authentication in the form body (§2.3.1) works too, with a narrower scope.
    status, body, _ = token_call(
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": "dossiers:read",
        }
    )
    assert status == 200, body
    assert body["scope"] == "dossiers:read"
    # Every call with the token is logged as the client's.
    assert ApiCall.objects.filter(client=client, path="/api/v1/me", status=200).exists()


@pytest.mark.parametrize(
    "credentials",
    [
        ("right-id", "mcs_wrong"),
        ("mcc_unknown", "right-secret"),
        ("", ""),
    ],
)
def test_wrong_client_is_invalid_client_401(
    oauth: tuple[ApiClient, str, str], credentials: tuple[str, str]
) -> None:
    _, client_id, secret = oauth
    given_id = client_id if credentials[0] == "right-id" else credentials[0]
    given_secret = secret if credentials[1] == "right-secret" else credentials[1]
    for kwargs in (
        {"basic": (given_id, given_secret)},
        {"form_extra": {"client_id": given_id, "client_secret": given_secret}},
    ):
        form = {"grant_type": "client_credentials", **kwargs.get("form_extra", {})}
        status, body, headers = token_call(form, basic=kwargs.get("basic"))  # type: ignore[arg-type]
        assert status == 401, body
        assert body["error"] == "invalid_client"
        assert body["error_description"]
        assert headers["WWW-Authenticate"].startswith("Basic")


def test_request_errors(oauth: tuple[ApiClient, str, str]) -> None:
    _, client_id, secret = oauth
    status, body, _ = token_call({"grant_type": "password"}, basic=(client_id, secret))
    assert (status, body["error"]) == (400, "unsupported_grant_type")
    status, body, _ = token_call({}, basic=(client_id, secret))
    assert (status, body["error"]) == (400, "invalid_request")
    # Two client authentication methods at once (§2.3).
    status, body, _ = token_call(
        {"grant_type": "client_credentials", "client_secret": secret}, basic=(client_id, secret)
    )
    assert (status, body["error"]) == (400, "invalid_request")
    # A repeated parameter (§3.2).
    status, body, _ = token_call(
        "grant_type=client_credentials&grant_type=client_credentials", basic=(client_id, secret)
    )
    assert (status, body["error"]) == (400, "invalid_request")
    # JSON is not the token endpoint's format.
    status, body, _ = token_call(
        json.dumps({"grant_type": "client_credentials"}),
        basic=(client_id, secret),
        content_type="application/json",
    )
    assert (status, body["error"]) == (400, "invalid_request")
    status, body, _ = token_call(
        {"grant_type": "client_credentials"}, headers={"Authorization": "Basic !!!"}
    )
    assert (status, body["error"]) == (400, "invalid_request")
    # A body beyond Django's limit is refused in the RFC's shape too.
    huge = "grant_type=client_credentials&scope=" + "x" * (3 * 1024 * 1024)
    status, body, _ = token_call(huge, basic=(client_id, secret))
    assert (status, body["error"]) == (400, "invalid_request")
    assert Client().get("/api/v1/oauth/token").status_code == 405


def test_scope_escalation_is_invalid_scope(world: World, make_client: MakeClient) -> None:
    client, _ = make_client(name="Chỉ đọc", scopes=["dossiers:read"])
    client_id, secret = api_client_issue_secret(actor=world.admin, client=client)
    for scope in ("dossiers:read dossiers:act", "dossiers:submit", "admin", "national:inbound"):
        status, body, _ = token_call(
            {"grant_type": "client_credentials", "scope": scope}, basic=(client_id, secret)
        )
        assert (status, body["error"]) == (400, "invalid_scope"), scope
    # A token narrowed to one scope cannot use another the client holds.
    full, _ = make_client(name="Đầy đủ", user=world.reception)
    full_id, full_secret = api_client_issue_secret(actor=world.admin, client=full)
    _, body, _ = token_call(
        {"grant_type": "client_credentials", "scope": "indicators:read"},
        basic=(full_id, full_secret),
    )
    call = Caller(body["access_token"])
    assert call("GET", "/indicators/timeliness").status == 200
    refused = call("GET", "/dossiers")
    assert refused.status == 403
    assert refused.body["code"] == "scope_missing"
    assert call("GET", "/me").body["scopes"] == ["indicators:read"]
    # A scope taken away from the client is gone from its tokens too.
    _, body, _ = token_call({"grant_type": "client_credentials"}, basic=(full_id, full_secret))
    call = Caller(body["access_token"])
    assert call("GET", "/dossiers").status == 200
    ApiClient.objects.filter(pk=full.pk).update(scopes=["indicators:read"])
    assert call("GET", "/dossiers").status == 403


def test_invalid_grant_for_a_deactivated_service_account(
    world: World, oauth: tuple[ApiClient, str, str]
) -> None:
    _, client_id, secret = oauth
    world.reception.is_active = False
    world.reception.save(update_fields=["is_active"])
    status, body, _ = token_call({"grant_type": "client_credentials"}, basic=(client_id, secret))
    assert (status, body["error"]) == (400, "invalid_grant")


def test_revoking_the_client_or_the_secret_refuses_tokens_at_once(
    world: World, oauth: tuple[ApiClient, str, str]
) -> None:
    client, client_id, secret = oauth
    _, body, _ = token_call({"grant_type": "client_credentials"}, basic=(client_id, secret))
    call = Caller(body["access_token"])
    assert call("GET", "/me").status == 200
    api_client_revoke_secret(actor=world.admin, client=client)
    refused = call("GET", "/me")
    assert refused.status == 401
    assert refused.body["code"] == "unauthorized"
    status, body, _ = token_call({"grant_type": "client_credentials"}, basic=(client_id, secret))
    assert (status, body["error"]) == (401, "invalid_client")
    # A new secret: the old one and its tokens stay dead, the new one works.
    _, new_secret = api_client_issue_secret(actor=world.admin, client=client)
    assert token_call({"grant_type": "client_credentials"}, basic=(client_id, secret))[0] == 401
    _, body, _ = token_call({"grant_type": "client_credentials"}, basic=(client_id, new_secret))
    call = Caller(body["access_token"])
    assert call("GET", "/me").status == 200
    api_client_revoke(actor=world.admin, client=client)
    assert call("GET", "/me").status == 401
    status, body, _ = token_call(
        {"grant_type": "client_credentials"}, basic=(client_id, new_secret)
    )
    assert (status, body["error"]) == (401, "invalid_client")


def test_expired_or_forged_token_is_refused(oauth: tuple[ApiClient, str, str]) -> None:
    client, _, _ = oauth
    old = oauth_token_issue(
        client, None, now=timezone.now() - dt.timedelta(seconds=OAUTH_TOKEN_SECONDS + 1)
    )
    answer = Caller(old.access_token)("GET", "/me")
    assert answer.status == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    fresh = oauth_token_issue(client, None).access_token
    assert Caller(fresh)("GET", "/me").status == 200
    head, claims, signature = fresh.split(".")
    forged = f"{head}.{claims}.{signature[:-4]}AAAA"
    assert Caller(forged)("GET", "/me").status == 401
    assert Caller("eyJ.not.a-token")("GET", "/me").status == 401


def test_token_for_agency_a_gets_404_on_agency_b(world: World, make_client: MakeClient) -> None:
    mine = world.receive()  # received at world.center
    client, _ = make_client(name="Phường", agencies=[world.other_center])
    client_id, secret = api_client_issue_secret(actor=world.admin, client=client)
    _, body, _ = token_call({"grant_type": "client_credentials"}, basic=(client_id, secret))
    call = Caller(body["access_token"])
    answer = call("GET", f"/dossiers/{mine.code}")
    assert answer.status == 404
    assert answer.body["code"] == "dossier_not_found"
    assert call("GET", "/dossiers").body["items"] == []
    own, _ = make_client(name="Trung tâm")
    own_id, own_secret = api_client_issue_secret(actor=world.admin, client=own)
    _, body, _ = token_call({"grant_type": "client_credentials"}, basic=(own_id, own_secret))
    assert Caller(body["access_token"])("GET", f"/dossiers/{mine.code}").status == 200


def test_token_calls_count_against_the_rate_limit(world: World, make_client: MakeClient) -> None:
    client, key_call = make_client(name="Ít lượt", rate=2)
    client_id, secret = api_client_issue_secret(actor=world.admin, client=client)
    _, body, _ = token_call({"grant_type": "client_credentials"}, basic=(client_id, secret))
    call = Caller(body["access_token"])
    assert call("GET", "/me").status == 200
    assert key_call("GET", "/me").status == 200
    third = call("GET", "/me")
    assert third.status == 429
    assert third.body["code"] == "rate_limited"


def test_token_requests_are_limited_per_client_id(
    oauth: tuple[ApiClient, str, str], settings: Any
) -> None:
    """Guessing a client's secret is throttled: the limit counts every request naming the
    client_id, before the secret is checked, so even the right secret is refused beyond it."""
    settings.MOTCUA_OAUTH_TOKEN_PER_MINUTE_CLIENT = 3
    _, client_id, secret = oauth
    for guess in ("mcs_a", "mcs_b"):
        assert token_call({"grant_type": "client_credentials"}, basic=(client_id, guess))[0] == 401
    assert token_call({"grant_type": "client_credentials"}, basic=(client_id, secret))[0] == 200
    status, body, headers = token_call(
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )
    assert status == 429
    assert body["error"] == "rate_limited"
    assert body["error_description"].startswith("Quá nhiều yêu cầu cấp mã truy cập")
    assert 0 < int(headers["Retry-After"]) <= 60
    assert headers["Cache-Control"] == "no-store"
    status, body, _ = token_call(
        {"grant_type": "client_credentials"},
        basic=(client_id, secret),
        headers={"Accept-Language": "en"},
    )
    assert status == 429
    assert body["error_description"].startswith("Too many token requests")
    # Another client_id from the same address is counted on its own.
    assert token_call({"grant_type": "client_credentials"}, basic=("khac", "x"))[0] == 401


def test_token_requests_are_limited_per_ip(
    oauth: tuple[ApiClient, str, str], settings: Any
) -> None:
    """Many client_ids from one address cannot go round the per-client limit."""
    settings.MOTCUA_OAUTH_TOKEN_PER_MINUTE_IP = 2
    _, client_id, secret = oauth
    assert token_call({"grant_type": "client_credentials"}, basic=("khong-co-1", "x"))[0] == 401
    assert token_call({"grant_type": "client_credentials"}, basic=("khong-co-2", "x"))[0] == 401
    status, body, headers = token_call(
        {"grant_type": "client_credentials"}, basic=(client_id, secret)
    )
    assert status == 429
    assert body["error"] == "rate_limited"
    assert "Retry-After" in headers
    # Another address is counted on its own.
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    elsewhere = Client(REMOTE_ADDR="203.0.113.9").post(
        "/api/v1/oauth/token",
        data="grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Basic {pair}"},
    )
    assert elsewhere.status_code == 200


def test_english_error_description(oauth: tuple[ApiClient, str, str]) -> None:
    _, client_id, _ = oauth
    status, body, _headers = token_call(
        {"grant_type": "client_credentials"},
        basic=(client_id, "mcs_wrong"),
        headers={"Accept-Language": "en"},
    )
    assert status == 401
    assert body["error_description"].startswith("Client authentication failed")
    status, body, _ = token_call({"grant_type": "client_credentials"}, basic=(client_id, "x"))
    assert body["error_description"].startswith("Xác thực client thất bại")


def test_schema_declares_the_oauth2_scheme() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["OAuth2ClientCredentials"]
    assert scheme["type"] == "oauth2"
    flow = scheme["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/api/v1/oauth/token"
    assert "dossiers:read" in flow["scopes"]
    security = schema["paths"]["/api/v1/dossiers"]["get"]["security"]
    assert {"OAuth2ClientCredentials": []} in security
    token = schema["paths"]["/api/v1/oauth/token"]["post"]
    assert "application/x-www-form-urlencoded" in token["requestBody"]["content"]
    assert set(token["responses"]) == {"200", "400", "401", "429"}


def test_admin_issues_the_secret_once_and_revokes_it(
    world: World, make_client: MakeClient, admin_client: Client
) -> None:
    client, _ = make_client(name="Hệ thống bưu chính")
    url = reverse("admin:api_apiclient_changelist")
    response = admin_client.post(
        url, {"action": "issue_secret", "_selected_action": [client.pk]}, follow=True
    )
    page = response.content.decode()
    client.refresh_from_db()
    assert f"client_id={client.oauth_client_id}" in page
    secret = page.split("client_secret=", 1)[1].split("<", 1)[0].strip()
    assert secret.startswith("mcs_")
    assert secret not in client.oauth_secret_hash
    status, _, _ = token_call(
        {"grant_type": "client_credentials"}, basic=(client.oauth_client_id or "", secret)
    )
    assert status == 200
    # The change page shows the client_id, never the secret.
    change = admin_client.get(reverse("admin:api_apiclient_change", args=[client.pk]))
    assert secret not in change.content.decode()
    admin_client.post(url, {"action": "revoke_secret", "_selected_action": [client.pk]})
    status, body, _ = token_call(
        {"grant_type": "client_credentials"}, basic=(client.oauth_client_id or "", secret)
    )
    assert (status, body["error"]) == (401, "invalid_client")


@pytest.mark.django_db(transaction=True)
def test_the_documented_python_example_works(world: World, live_server: Any) -> None:
    """docs/integration.md's OAuth2 Python example, run as written against a live server."""
    docs = Path(__file__).resolve().parents[2] / "docs" / "integration.md"
    blocks = re.findall(r"```python\n(.*?)```", docs.read_text(), re.S)
    example = next(b for b in blocks if "class MotcuaToken" in b)
    published = 'API = "https://motcua.example/api/v1"'
    assert published in example
    dossier = world.receive()
    client, _ = api_client_create(
        actor=world.admin, name="Ví dụ", scopes=["dossiers:read"], agencies=[world.center]
    )
    client_id, secret = api_client_issue_secret(actor=world.admin, client=client)
    namespace: dict[str, Any] = {"CLIENT_ID": client_id, "CLIENT_SECRET": secret}
    try:
        exec(example.replace(published, f'API = "{live_server.url}/api/v1"'), namespace)  # noqa: S102
    finally:
        if "session" in namespace:
            namespace["session"].close()  # no kept-alive connection left to the server
    assert namespace["dossier"]["code"] == dossier.code == "000.01.01.H32-260302-0001"
    assert ApiCall.objects.filter(client=client, status=200).exists()
