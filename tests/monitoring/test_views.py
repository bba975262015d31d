"""The monitoring pages: least privilege, drill-down, bad input, exports, the public page."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tests.dossiers.conftest import World, at
from tests.monitoring.helpers import received, resolved, sync

from motcua.audit.models import AuditEntry
from motcua.catalogue.models import TimeLimit
from motcua.monitoring.models import ExportJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(world: World) -> World:
    resolved(world, 1, at(2, 9), at(4, 9), returned=True)
    resolved(world, 2, at(2, 9), at(9, 11))
    received(world, 3, at(2, 9))  # still open: overdue since 9 March
    sync()
    return world


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    r = client.get("/giam-sat/")
    assert r.status_code == 302
    assert "/dang-nhap" in r["Location"] or "login" in r["Location"]


def test_specialist_and_reception_have_no_dashboard(data: World) -> None:
    for user in (data.specialist, data.reception, data.admin):
        r = client_for(user).get("/giam-sat/")
        assert r.status_code == 403, user


def test_director_sees_the_province(data: World) -> None:
    r = client_for(data.director).get("/giam-sat/?ky=2026-03")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Toàn tỉnh" in html
    assert "Hồ sơ xử lý trước hạn, đúng hạn" in html
    assert "<svg" in html
    assert "Văn phòng Đăng ký đất đai" in html  # agency table and heat map
    assert "/giam-sat/ho-so/?chi_so=received&amp;tu=2026-03-01&amp;den=2026-03-31" in html
    assert "N/A" in html  # 5.2 without PAKN data


def test_agency_head_sees_only_their_agency(data: World) -> None:
    c = client_for(data.head)
    r = c.get(f"/giam-sat/?ky=2026-03&co_quan={data.land.pk}")
    assert r.status_code == 200
    assert "Văn phòng Đăng ký đất đai" in r.content.decode()
    assert c.get(f"/giam-sat/?ky=2026-03&co_quan={data.partner.pk}").status_code == 404
    assert c.get(f"/giam-sat/ho-so/?chi_so=received&co_quan={data.partner.pk}").status_code == 404
    r = c.get("/giam-sat/?ky=2026-03")
    assert "Các cơ quan của tôi" in r.content.decode()


def test_drilldown_lists_the_dossiers_behind_a_number(data: World) -> None:
    c = client_for(data.director)
    r = c.get("/giam-sat/ho-so/?chi_so=received&ky=2026-03")
    assert r.status_code == 200
    html = r.content.decode()
    assert "<strong>3</strong> hồ sơ" in html
    assert "Nguyễn Văn An" not in html  # no personal data in the list
    r = c.get("/giam-sat/ho-so/?chi_so=overdue&ky=2026-03")
    assert "<strong>1</strong> hồ sơ" in r.content.decode()
    r = c.get("/giam-sat/ho-so/?chi_so=decided_late&ky=2026-03")
    assert "Quá hạn" in r.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("chi_so=abc&ky=2026-03", "Không có chỉ số"),
        ("chi_so=received&ky=2026-13", "Tháng của kỳ báo cáo"),
        ("chi_so=received&co_quan=abc", "Cơ quan không hợp lệ"),
        ("chi_so=received&tu=2026-03-09&den=2026-03-01", "phải sau hoặc bằng"),
    ],
)
def test_drilldown_bad_input(data: World, query: str, message: str) -> None:
    r = client_for(data.director).get(f"/giam-sat/ho-so/?{query}")
    assert r.status_code == 400
    assert message in r.content.decode()


def test_dashboard_bad_period_explains(data: World) -> None:
    r = client_for(data.director).get("/giam-sat/?ky=tháng-ba")
    assert r.status_code == 200
    assert "Kỳ báo cáo không hợp lệ" in r.content.decode()


def test_dashboard_queries_do_not_grow_with_dossiers(data: World) -> None:
    c = client_for(data.director)
    with CaptureQueriesContext(connection) as first:
        c.get("/giam-sat/?ky=2026-03")
    for n in range(10, 16):
        resolved(data, n, at(3, 9), at(5, 9))
    sync()
    with CaptureQueriesContext(connection) as second:
        c.get("/giam-sat/?ky=2026-03")
    assert len(second) == len(first)


def test_dashboard_reads_the_catalogue_and_the_ratings_once(data: World) -> None:
    """The scorecard's catalogue counts (QĐ 766 1.3, 3.1) and rating sums serve the score trend
    and the satisfaction panel too: read once per page (≈ 50 ms of 225 at 1 M dossiers)."""
    with CaptureQueriesContext(connection) as q:
        r = client_for(data.director).get("/giam-sat/?ky=2026")
    assert r.status_code == 200
    sql = [x["sql"] for x in q.captured_queries]
    # catalogue_counts prefetches each version's time limits (nothing else on the page does).
    limits = TimeLimit._meta.db_table
    assert sum(f'FROM "{limits}"' in s for s in sql) == 1
    assert sum('SUM("monitoring_ratingmonthly"."points_sum")' in s for s in sql) == 1
    # A whole year: every ratings read (scorecard, trend, agency table) sums the monthly rollup,
    # none the daily rows (≈ 31 000 at 1 M dossiers).
    assert sum('"monitoring_ratingmonthly"' in s for s in sql) >= 3
    assert not any('"monitoring_ratingdaily"' in s for s in sql)


def test_public_page_needs_no_sign_in(data: World, client: Client) -> None:
    with CaptureQueriesContext(connection) as q:
        r = client.get("/cong-khai/?ky=2026")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Văn phòng Đăng ký đất đai" in html
    # 1 early + 1 late ended, 1 open and overdue at the end of 2026: 1/3.
    assert "33,33 %" in html
    assert len(q) <= 6
    assert client.get("/cong-khai/?ky=abc").status_code == 200  # explained, not an error page


def test_xlsx_export_prints_period_and_time_and_is_audited(data: World) -> None:
    from openpyxl import load_workbook

    r = client_for(data.director).get("/giam-sat/bao-cao/?ky=2026-03&dinh_dang=xlsx")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == [
        "Chỉ số QĐ 766",
        "Số liệu hồ sơ",
        "Theo cơ quan và lĩnh vực",
        "Cán bộ",
    ]
    ws = wb["Số liệu hồ sơ"]
    cells = [ws.cell(row=i, column=1).value for i in range(1, 5)]
    assert cells[2].startswith("Kỳ báo cáo: Tháng 03/2026")
    assert cells[3].startswith("Thời điểm lập:")
    rows = {ws.cell(row=i, column=1).value: ws.cell(row=i, column=2).value for i in range(6, 30)}
    assert rows["Tiếp nhận trong kỳ"] == 3
    assert rows["— quá hạn"] == 1
    fields = wb["Theo cơ quan và lĩnh vực"]
    assert fields.cell(row=7, column=1).value == "Văn phòng Đăng ký đất đai"
    assert fields.cell(row=7, column=2).value == "Đất đai"
    assert AuditEntry.objects.filter(action="monitoring.export").count() == 1


def test_pdf_export(data: World) -> None:
    from motcua.common.errors import ValidationFailed
    from motcua.monitoring.exports import pdf_font

    try:
        pdf_font()
    except ValidationFailed:
        pytest.skip("Không có phông chữ DejaVu/Liberation để tạo PDF.")
    r = client_for(data.director).get("/giam-sat/bao-cao/?ky=2026-03&dinh_dang=pdf")
    assert r.status_code == 200
    assert r.content.startswith(b"%PDF")
    assert len(r.content) > 2000


def test_report_refuses_unknown_format(data: World) -> None:
    r = client_for(data.director).get("/giam-sat/bao-cao/?ky=2026-03&dinh_dang=doc")
    assert r.status_code == 400
    assert "xlsx hoặc pdf" in r.content.decode()


def test_background_export_with_progress(
    data: World, django_capture_on_commit_callbacks: Any
) -> None:
    c = client_for(data.director)
    form = {"tu": "2026-03-01", "den": "2026-03-31", "dinh_dang": "xlsx"}
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/giam-sat/bao-cao/xuat/", form)
    assert r.status_code == 302
    job = ExportJob.objects.get()
    page = c.get(r["Location"])
    assert page.status_code == 200
    job.refresh_from_db()
    assert (job.status, job.progress) == ("done", 100)
    assert "Tải về" in page.content.decode()
    download = c.get(f"/giam-sat/bao-cao/xuat/{job.pk}/tai-ve/")
    assert download.status_code == 200
    assert download.content[:2] == b"PK"
    # Another user's job is not found.
    assert client_for(data.head).get(f"/giam-sat/bao-cao/xuat/{job.pk}/").status_code == 404
    bad = c.post("/giam-sat/bao-cao/xuat/", {"ky": "2026-03", "dinh_dang": "exe"})
    assert bad.status_code == 400


def test_scope_by_field_procedure_code_and_officer(data: World) -> None:
    c = client_for(data.director)
    field_id = data.version.field_id
    r = c.get(f"/giam-sat/?ky=2026-03&linh_vuc={field_id}")
    assert r.status_code == 200
    assert "Toàn tỉnh — Đất đai" in r.content.decode()
    r = c.get("/giam-sat/?ky=2026-03&ma_thu_tuc=1.004222")
    assert "Đăng ký biến động đất đai" in r.content.decode()
    r = c.get("/giam-sat/?ky=2026-03&ma_thu_tuc=9.999999")
    assert "Không tìm thấy thủ tục có mã “9.999999”" in r.content.decode()
    r = c.get(f"/giam-sat/?ky=2026-03&can_bo={data.specialist.pk}")
    assert data.specialist.full_name in r.content.decode()
    r = c.get(f"/giam-sat/ho-so/?chi_so=decided&ky=2026-03&can_bo={data.specialist.pk}")
    assert "<strong>2</strong> hồ sơ" in r.content.decode()


def test_tt01_in_tables_and_drilldown(data: World) -> None:
    from decimal import Decimal

    from motcua.monitoring.dashboard import OfficerRow

    c = client_for(data.director)
    html = c.get("/giam-sat/?ky=2026-03").content.decode()
    assert "Mức hoàn thành" in html
    assert "Điểm TT01 (tiêu chí 1–4, 6, 7)" in html
    r = c.get("/giam-sat/ho-so/?chi_so=decided_late&ky=2026-03")
    page = r.content.decode()
    assert "Điểm TT01 (1, 2, 3, 4, 6, 7)" in page
    assert "<td>0, " in page  # criterion 1 of a late dossier is 0

    def band(score: str) -> str:
        return OfficerRow(1, "x", 1, 1, 0, 0, None, Decimal(score), 0, None).staff_band

    assert band("5.0") == "100%"
    assert band("3.5") == "70% – dưới 100%"
    assert band("3.4") == "dưới 70%"
