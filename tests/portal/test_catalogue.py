"""Guidance: the public catalogue and the procedure page."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.portal.conftest import Portal

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    ["giay phep xay dung", "xay dung giay phep", "GIẤY PHÉP", "1.009972", "  phep   giay "],
)
def test_search_ignores_diacritics_case_and_word_order(portal: Portal, query: str) -> None:
    response = Client().get("/thu-tuc/", {"q": query})
    assert response.status_code == 200
    assert "Cấp giấy phép xây dựng" in response.content.decode()


def test_search_without_match_says_so(portal: Portal) -> None:
    body = Client().get("/thu-tuc/", {"q": "ho chieu"}).content.decode()
    assert "Cấp giấy phép xây dựng" not in body
    assert "Không tìm thấy thủ tục phù hợp" in body


def test_browse_by_field_agency_and_level(portal: Portal) -> None:
    w = portal.world
    body = Client().get("/thu-tuc/", {"co-quan": w.land.pk, "cap": "province"}).content.decode()
    assert "Cấp giấy phép xây dựng" in body
    assert "Đăng ký biến động đất đai" in body
    body = Client().get("/thu-tuc/", {"cap": "commune"}).content.decode()
    assert "Cấp giấy phép xây dựng" not in body
    body = Client().get("/thu-tuc/", {"co-quan": w.partner.pk}).content.decode()
    assert "Cấp giấy phép xây dựng" not in body
    # Bad filter values are ignored, not errors.
    assert Client().get("/thu-tuc/", {"linh-vuc": "abc", "trang": "x"}).status_code == 200


def test_procedure_page_publishes_what_the_law_requires(portal: Portal) -> None:
    body = Client().get("/thu-tuc/1.009972/").content.decode()
    for text in (
        "Cấp giấy phép xây dựng",
        "Trình tự thực hiện",
        "Trực tuyến",
        "15 ngày làm việc",
        "75000 đồng",
        "150000 đồng",
        "Đơn đề nghị cấp giấy phép xây dựng",
        "Bản vẽ thiết kế xây dựng",
        "Công trình phù hợp quy hoạch.",
        "Giấy phép xây dựng",
        "Luật Xây dựng số 50/2014/QH13",
        "Toàn trình",
        "Văn phòng Đăng ký đất đai",
        "Trung tâm PVHCC tỉnh",
        "Nộp hồ sơ trực tuyến",
    ):
        assert text in body, text


def test_unknown_procedure_is_404(portal: Portal) -> None:
    assert Client().get("/thu-tuc/9.999999/").status_code == 404


def test_home_links_the_portal(db: None) -> None:
    assert 'href="/thu-tuc/"' in Client().get("/").content.decode()
