"""The monitoring pages in a real browser on the demo province: the Center director's dashboard,
an agency head's own, the report and the public page pass axe-core; screenshots go to var/
(copied to docs/img/ for the documentation)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from motcua.demo.services import DEMO_PASSWORD, demo_prepare

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/dang-nhap/" not in url)


def _demo_with_ratings() -> None:
    from motcua.dossiers.models import Dossier
    from motcua.monitoring.aggregate import rebuild
    from motcua.ratings.services import rating_record

    demo_prepare(dossiers=True)
    decided = Dossier.objects.filter(ended_at__isnull=False).order_by("pk")
    for i, d in enumerate(decided[:40]):
        rating_record(
            level=(4, 3, 4, 2, 1)[i % 5],
            source="counter_device",
            dossier=d,
            officer=d.assigned_to,
            at=d.ended_at,
        )
    rebuild()


def test_dashboards_report_and_public_page(live_server: Any, page: Any) -> None:
    from tests.browser.axe import assert_accessible

    _demo_with_ratings()
    os.makedirs("var", exist_ok=True)
    year = timezone.localdate().year
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/cong-khai/?ky={year}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "Đúng hạn, trước hạn" in page.content()
    assert_accessible(page, context="/cong-khai/")
    page.screenshot(path="var/monitoring-public.png", full_page=True)

    _sign_in(page, live_server.url, "giamdoc")
    page.goto(f"{live_server.url}/giam-sat/?ky={year}")
    assert "Toàn tỉnh" in page.content()
    assert page.locator("svg.chart").count() >= 2
    assert_accessible(page, context="/giam-sat/")
    page.screenshot(path="var/monitoring-director.png", full_page=True)
    # Drill down from the "received" count to its dossiers.
    page.locator("a[href*='chi_so=received&']").first.click()
    expect(page.locator("body")).to_contain_text("hồ sơ")
    assert_accessible(page, context="/giam-sat/ho-so/")

    page.goto(f"{live_server.url}/giam-sat/bao-cao/?ky={year}")
    assert "Theo cơ quan và lĩnh vực" in page.content()
    assert_accessible(page, context="/giam-sat/bao-cao/")

    page.context.clear_cookies()
    _sign_in(page, live_server.url, "truongphong.datdai")
    page.goto(f"{live_server.url}/giam-sat/?ky={year}")
    assert "Các cơ quan của tôi" in page.content()
    assert_accessible(page, context="/giam-sat/ (agency head)")
    page.screenshot(path="var/monitoring-agency.png", full_page=True)
