"""Public tracking: code + second factor; nothing without it; rate-limited; IDs masked."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from tests.dossiers.conftest import World

from motcua.dossiers.services import dossier_accept

pytestmark = pytest.mark.django_db


def _post(client: Client, code: str, factor: str, path: str = "/tra-cuu/") -> tuple[int, str]:
    response = client.post(path, {"ma": code, "xac-minh": factor})
    return response.status_code, response.content.decode()


def test_qr_path_serves_the_form_with_the_code(world: World) -> None:
    d = world.receive()
    body = Client().get(f"/tra-cuu/{d.code}/").content.decode()
    assert d.code in body
    assert "4 chữ số cuối" in body
    assert "Nguyễn" not in body
    assert "Đăng ký biến động" not in body


def test_code_and_phone_digits_reveal_status_with_masked_identity(world: World) -> None:
    d = world.receive()
    dossier_accept(actor=world.reception, dossier=d.pk)
    status, body = _post(Client(), d.code, "3456", path=f"/tra-cuu/{d.code}/")
    assert status == 200
    assert "Được tiếp nhận" in body
    assert "Đăng ký biến động đất đai" in body
    assert "được tiếp nhận chính thức" in body
    # The personal ID is masked, the name shortened.
    assert "056190000001" not in body
    assert "•••••••••001" in body
    assert "Nguyễn Văn An 1" not in body
    assert "N. V. A. 1" in body


def test_id_digits_work_too(world: World) -> None:
    d = world.receive()
    assert _post(Client(), d.code, "0001")[0] == 200


@pytest.mark.parametrize("factor", ["", "12", "9999", "abcd", "34567"])
def test_without_the_right_factor_nothing_is_revealed(world: World, factor: str) -> None:
    d = world.receive()
    status, body = _post(Client(), d.code, factor)
    assert status in (400, 404)
    assert "Đăng ký biến động" not in body
    assert "Nguyễn" not in body
    assert "Mới đăng ký" not in body


def test_unknown_code_and_wrong_factor_read_the_same(world: World) -> None:
    d = world.receive()
    s1, b1 = _post(Client(), d.code, "9999")
    s2, b2 = _post(Client(), "000.01.01.H32-260302-9999", "9999")
    assert s1 == s2 == 404
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub("", b1).replace(d.code, "X") == token.sub("", b2).replace(
        "000.01.01.H32-260302-9999", "X"
    )


@override_settings(MOTCUA_TRACKING_PER_CODE_HOUR=3)
def test_guessing_the_factor_of_one_code_is_rate_limited(world: World) -> None:
    d = world.receive()
    for guess in ("1111", "2222", "3333"):
        assert _post(Client(), d.code, guess)[0] == 404
    status, body = _post(Client(), d.code, "3456")  # even the right one, now
    assert status == 429
    assert "quá nhiều lần" in body


@override_settings(MOTCUA_TRACKING_PER_MINUTE=2)
def test_one_address_is_rate_limited(world: World) -> None:
    d = world.receive()
    client = Client()
    assert _post(client, d.code, "3456")[0] == 200
    assert _post(client, "x", "1234")[0] == 404
    assert _post(client, d.code, "3456")[0] == 429
