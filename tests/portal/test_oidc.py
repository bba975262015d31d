"""Sign-in through an external OpenID Connect provider (VNeID-style), end to end over HTTP
against the provider of ``oidc_provider.py``: discovery, code flow with PKCE, ID token checked
against the JWKS; the account is created once from ``sub`` and found again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.test import Client
from tests.portal.oidc_provider import Provider

from motcua.accounts.models import User
from motcua.audit.models import AuditEntry
from motcua.portal.models import CitizenProfile

pytestmark = pytest.mark.django_db

PERSON = {
    "sub": "VNEID-056190007777",
    "name": "Đặng Văn Hùng",
    "email": "hung@example.vn",
    "email_verified": True,
}


@pytest.fixture
def provider(settings: Any) -> Iterator[Provider]:
    with Provider(client_id="motcua-portal", client_secret="bi-mat-2026", person=PERSON) as p:
        settings.MOTCUA_OIDC_ISSUER = p.issuer
        settings.MOTCUA_OIDC_CLIENT_ID = "motcua-portal"
        settings.MOTCUA_OIDC_CLIENT_SECRET = "bi-mat-2026"
        yield p


def _sign_in(client: Client) -> Any:
    start = client.get("/cong-dan/oidc/")
    assert start.status_code == 302
    assert start["Location"].startswith("http://127.0.0.1:")
    answer = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    back = answer.headers["Location"]
    assert back.startswith("http://testserver/cong-dan/oidc/ve/?code=")
    return client.get(back.removeprefix("http://testserver"))


def test_sign_in_creates_the_account_once(provider: Provider) -> None:
    client = Client()
    assert (
        "Đăng nhập bằng tài khoản định danh điện tử"
        in client.get("/cong-dan/dang-nhap/").content.decode()
    )
    r = _sign_in(client)
    assert r.status_code == 302
    assert r["Location"] == "/cong-dan/"
    user = User.objects.get(portal_profile__oidc_subject="VNEID-056190007777")
    assert user.full_name == "Đặng Văn Hùng"
    assert user.email == "hung@example.vn"
    assert user.kind == "citizen"
    assert not user.has_usable_password()
    assert CitizenProfile.objects.get(user=user).verified
    assert "Đặng Văn Hùng" in client.get("/cong-dan/").content.decode()
    assert AuditEntry.objects.filter(action="portal.register", data__by="oidc").count() == 1
    # A second sign-in finds the same account.
    again = Client()
    _sign_in(again)
    assert User.objects.filter(portal_profile__oidc_subject=PERSON["sub"]).count() == 1


def test_a_forged_state_is_refused(provider: Provider) -> None:
    client = Client()
    start = client.get("/cong-dan/oidc/")
    answer = requests.get(start["Location"], allow_redirects=False, timeout=10)
    forged = answer.headers["Location"].replace("state=", "state=x")
    r = client.get(forged.removeprefix("http://testserver"), follow=True)
    assert "không thành công" in r.content.decode()
    assert not User.objects.filter(kind="citizen").exists()


def test_a_wrong_client_secret_is_refused(provider: Provider, settings: Any) -> None:
    settings.MOTCUA_OIDC_CLIENT_SECRET = "sai"
    settings.MOTCUA_OIDC_CLIENT_ID = "motcua-portal"
    from motcua.portal import oidc

    oidc._CLIENTS.clear()
    r = _sign_in(Client())
    assert r.status_code == 302
    assert r["Location"] == "/cong-dan/dang-nhap/"
    assert not User.objects.filter(kind="citizen").exists()
    oidc._CLIENTS.clear()


def test_an_id_token_not_signed_by_the_providers_key_is_refused(provider: Provider) -> None:
    from joserfc.jwk import RSAKey

    provider.signing_key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    r = _sign_in(Client())
    assert r["Location"] == "/cong-dan/dang-nhap/"
    assert not User.objects.filter(kind="citizen").exists()


def test_a_replayed_code_is_refused(provider: Provider) -> None:
    client = Client()
    start = client.get("/cong-dan/oidc/")
    back = requests.get(start["Location"], allow_redirects=False, timeout=10).headers["Location"]
    assert client.get(back.removeprefix("http://testserver"))["Location"] == "/cong-dan/"
    other = Client()
    other.get("/cong-dan/oidc/")  # its own state in its own session
    r = other.get(back.removeprefix("http://testserver"))
    assert r["Location"] == "/cong-dan/dang-nhap/"


def test_without_a_provider_the_pages_do_not_exist(db: None, settings: Any) -> None:
    settings.MOTCUA_OIDC_ISSUER = ""
    assert Client().get("/cong-dan/oidc/").status_code == 404
    assert "định danh điện tử" not in Client().get("/cong-dan/dang-nhap/").content.decode()
