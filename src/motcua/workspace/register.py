"""The dossier register (Sổ theo dõi hồ sơ; TT 01/2018/TT-VPCP Mẫu 06, TT 03/2025/TT-VPCP Mẫu
07; columns: rules.md §2.1) of a one-stop unit for a period, as A4 PDF and as XLSX. Rows are the
dossiers received by the unit in the period, in reception order, numbered from 1 (served by the
``dossiers_register (receiving_agency, received_at)`` index)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO

from django.db.models import Prefetch
from django.utils import timezone

from motcua.agencies.models import Agency
from motcua.dossiers.models import Dossier, DossierEvent

#: A register longer than this is cut (the page says so): ask for a shorter period.
MAX_ROWS = 5000

COLUMNS = (
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Số lượng hồ sơ (bộ)",
    "Tên cá nhân, tổ chức",
    "Địa chỉ, số điện thoại",
    "Cơ quan chủ trì giải quyết",
    "Ngày, tháng, năm nhận hồ sơ",
    "Ngày hẹn trả",
    "Ngày chuyển hồ sơ",
    "Ngày nhận kết quả",
    "Ngày trả kết quả",
    "Ký nhận",
    "Ghi chú",
)


@dataclass(frozen=True)
class Register:
    agency: Agency
    start: dt.date
    end: dt.date
    rows: list[list[str]]
    truncated: bool


def _day(moment: dt.datetime | None) -> str:
    return f"{timezone.localtime(moment):%d/%m/%Y}" if moment else ""


def _moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def register_rows(agency: Agency, start: dt.date, end: dt.date) -> Register:
    """Dossiers received by ``agency`` from ``start`` to ``end`` (both included)."""
    qs = (
        Dossier.objects.filter(
            receiving_agency=agency,
            received_at__gte=_moment(start),
            received_at__lt=_moment(end + dt.timedelta(days=1)),
        )
        .select_related("procedure_version", "applicant", "competent_agency")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=DossierEvent.objects.filter(action="forward").order_by("seq"),
                to_attr="forwards",
            )
        )
        .order_by("received_at", "id")
    )
    found = list(qs[: MAX_ROWS + 1])
    rows = []
    for number, d in enumerate(found[:MAX_ROWS], start=1):
        a = d.applicant
        contact = ", ".join(p for p in (a.address, a.phone) if p)
        forwards = getattr(d, "forwards", [])
        note = d.get_status_display()
        if d.outcome:
            note += f" ({d.get_outcome_display().lower()})"
        rows.append(
            [
                str(number),
                d.code or "",
                d.procedure_version.name,
                "1",
                a.display_name,
                contact,
                d.competent_agency.name,
                _day(d.received_at),
                _day(d.due_at),
                _day(forwards[0].at) if forwards else "",
                _day(d.decided_at),
                _day(d.returned_at),
                "",
                note,
            ]
        )
    return Register(agency, start, end, rows, len(found) > MAX_ROWS)


def _title(reg: Register) -> str:
    return f"SỔ THEO DÕI HỒ SƠ — {reg.agency.name} — từ {reg.start:%d/%m/%Y} đến {reg.end:%d/%m/%Y}"


def register_xlsx(reg: Register) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook always has one sheet
    sheet.title = "So theo doi ho so"
    sheet.append([_title(reg)])
    sheet["A1"].font = Font(bold=True)
    sheet.append(list(COLUMNS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in reg.rows:
        sheet.append(row)
    widths = (5, 26, 40, 8, 24, 30, 28, 12, 12, 12, 12, 12, 10, 20)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = width
    sheet.freeze_panes = "A3"
    out = BytesIO()
    book.properties.creator = "motcua"
    book.save(out)
    return out.getvalue()


def register_pdf(reg: Register) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from motcua.workspace.forms_pdf import _styles, _table

    st = _styles()
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=8 * mm,
        rightMargin=8 * mm,
        topMargin=8 * mm,
        bottomMargin=8 * mm,
        title=_title(reg),
        author="motcua",
        creator="motcua",
        invariant=1,
    )
    widths = [8, 38, 30, 10, 26, 24, 24, 18, 18, 18, 18, 18, 12, 18]
    story = [
        Paragraph(_title(reg), st["title"]),
        Spacer(1, 2 * mm),
        _table([list(COLUMNS), *reg.rows], [w * mm for w in widths], st, "tiny"),
    ]
    if reg.truncated:
        story.append(
            Paragraph(
                f"(Chỉ in {MAX_ROWS} hồ sơ đầu; hãy chọn khoảng thời gian ngắn hơn.)", st["base"]
            )
        )
    doc.build(story)
    return out.getvalue()
