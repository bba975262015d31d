"""Key journey in a real browser: an administrator signs in and finds a procedure in the
Vietnamese admin by typing its name without diacritics."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from motcua.demo.services import DEMO_PASSWORD, demo_prepare

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_administrator_signs_in_and_finds_a_procedure(live_server: Any, page: Any) -> None:
    demo_prepare()
    page.goto(f"{live_server.url}/quan-tri/")
    # The admin sends us to the one officer sign-in page.
    assert "/dang-nhap/" in page.url
    page.get_by_label("Tên đăng nhập").fill("quantri")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    # Wait for the sign-in to land before leaving the page (a goto would abort its POST).
    page.wait_for_url(lambda url: "/dang-nhap/" not in url)
    page.goto(f"{live_server.url}/quan-tri/catalogue/procedure/?q=dang+ky+tam+tru")
    expect(page.get_by_role("link", name="1.004194")).to_be_visible()
    assert "Đăng ký tạm trú" in page.content()
    page.screenshot(path="var/screenshot-admin-catalogue.png", full_page=True)


def test_wrong_password_is_refused_in_vietnamese(live_server: Any, page: Any) -> None:
    demo_prepare()
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("quantri")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    # The refusal is a new page: wait for its alert (the URL is the same before and after).
    alert = page.get_by_role("alert").first
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Tên đăng nhập hoặc mật khẩu không đúng")
    assert "/dang-nhap/" in page.url


def test_sign_in_and_home_pages_pass_axe(live_server: Any, page: Any) -> None:
    from tests.browser.axe import assert_accessible

    for path in ("/", "/dang-nhap/"):
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page, context=path)
