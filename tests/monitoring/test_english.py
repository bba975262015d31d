"""The monitoring pages in English (docs/i18n.md): the cookie switches the pages; the XLSX report
stays Vietnamese (an official form); without the cookie everything stays Vietnamese."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from tests.dossiers.conftest import World
from tests.monitoring.test_views import client_for, data  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def english(user: object | None = None) -> Client:
    c = client_for(user) if user is not None else Client()
    c.cookies["django_language"] = "en"
    return c


def test_dashboard_renders_in_english(data: World) -> None:  # noqa: F811
    r = english(data.director).get("/giam-sat/?ky=2026-03")
    assert r.status_code == 200
    assert r["Content-Language"] == "en"
    html = r.content.decode()
    for text in (
        "Monitoring and evaluation of administrative procedures",
        "Whole province — Month 03/2026",
        "Dossiers processed early or on time",  # an indicator's name
        "Group 2. Timeliness and results",
        "Feedback handled on time",  # 5.2, computed since the feedback app
        "12-month trend",  # the chart's title
        "Received in the period",  # an operational count
        "1. Resolution time against the legal time",  # a TT01 criterion
        "Longest overdue dossiers (now)",
    ):
        assert text in html, text
    for text in ("Giám sát, đánh giá giải quyết", "Hồ sơ xử lý trước hạn, đúng hạn", "Toàn tỉnh"):
        assert text not in html, text
    assert "Văn phòng Đăng ký đất đai" in html  # names of agencies are not translated


def test_dashboard_stays_vietnamese_without_the_cookie(data: World) -> None:  # noqa: F811
    html = client_for(data.director).get("/giam-sat/?ky=2026-03").content.decode()
    assert "Giám sát, đánh giá giải quyết thủ tục hành chính" in html
    assert "Toàn tỉnh — Tháng 03/2026" in html
    assert "Monitoring and evaluation" not in html


def test_bad_period_is_explained_in_english(data: World) -> None:  # noqa: F811
    html = english(data.director).get("/giam-sat/?ky=2026-13").content.decode()
    assert "The month of the reporting period must be between 01 and 12." in html


def test_public_page_renders_in_english(data: World) -> None:  # noqa: F811
    r = english().get("/cong-khai/?ky=2026")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Results of administrative procedures by agency" in html
    assert "Year 2026." in html
    assert "Dossiers received" in html
    assert "Kết quả giải quyết thủ tục hành chính theo cơ quan" not in html


def test_drilldown_and_report_render_in_english(data: World) -> None:  # noqa: F811
    c = english(data.director)
    html = c.get("/giam-sat/ho-so/?chi_so=received&ky=2026-03").content.decode()
    assert "<h1>Received in the period</h1>" in html
    assert "Back to monitoring" in html
    html = c.get("/giam-sat/bao-cao/?ky=2026-03").content.decode()
    assert "Report on the handling of administrative procedures" in html
    assert "Decision 766/QĐ-TTg indicators:" in html


def test_xlsx_report_stays_vietnamese_in_english(data: World) -> None:  # noqa: F811
    from openpyxl import load_workbook

    r = english(data.director).get("/giam-sat/bao-cao/?ky=2026-03&dinh_dang=xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]
    text = "\n".join(cells)
    assert "Hồ sơ xử lý trước hạn, đúng hạn" in text
    assert "Tháng 03/2026" in text
    assert "Dossiers processed" not in text
    assert "Whole province" not in text
