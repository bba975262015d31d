"""The periodic report (báo cáo định kỳ) as XLSX (openpyxl) and PDF (fpdf2): the QĐ 766
scorecard, the operational counts, the table per agency and field and the officer performance
table, with the period and the generation time printed on every file."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from motcua.common.errors import ValidationFailed
from motcua.monitoring import dashboard as db
from motcua.monitoring import indicators as ind

FORMATS = ("xlsx", "pdf")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)


@dataclass
class ReportData:
    period: ind.Period
    scope: ind.Scope
    generated_at: Any
    groups: list[ind.Group]
    score: Any
    available: int
    operational: list[tuple[str, str, int]]
    fields: list[db.FieldRow]
    officers: list[db.OfficerRow]

    @property
    def header(self) -> list[str]:
        return [
            "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
            f"Phạm vi: {self.scope.label}",
            f"Kỳ báo cáo: {self.period.label} ({self.period.start:%d/%m/%Y} – "
            f"{self.period.end:%d/%m/%Y})",
            f"Thời điểm lập: {timezone.localtime(self.generated_at):%H:%M %d/%m/%Y}",
        ]


def report_data(period: ind.Period, scope: ind.Scope) -> ReportData:
    numbers = ind.numbers(period, scope)
    groups = ind.scorecard(numbers)
    score, available = ind.total(groups)
    return ReportData(
        period=period,
        scope=scope,
        generated_at=timezone.now(),
        groups=groups,
        score=score,
        available=available,
        operational=list(db.operational_rows(ind.operational(numbers))),
        fields=db.field_table(period, scope),
        officers=db.officer_table(period, scope),
    )


def _score(x: Any) -> str:
    return "N/A" if x is None else f"{x}".replace(".", ",")


def _tables(data: ReportData) -> list[tuple[str, list[str], list[list[Any]]]]:
    score_rows: list[list[Any]] = []
    for g in data.groups:
        for i in g.indicators:
            score_rows.append(
                [
                    i.code,
                    i.name,
                    "" if i.unavailable else _score(i.numerator.quantize(ind.Decimal("0.01"))),
                    "" if i.unavailable else _score(i.denominator),
                    i.rate_display,
                    _score(i.score),
                    i.max_points,
                ]
            )
        group_name = f"Nhóm {g.number}. {g.name}"
        score_rows.append(["", group_name, "", "", "", _score(g.score), g.max_points])
    total_name = f"TỔNG ĐIỂM (tính trên {data.available} điểm có dữ liệu)"
    score_rows.append(["", total_name, "", "", "", _score(data.score), 100])
    cols = [label for _c, label in db.FIELD_COLUMNS]
    field_rows = [
        [f.agency_name, f.field_name, *[f.counts.get(c, 0) for c, _l in db.FIELD_COLUMNS]]
        for f in data.fields
    ]
    officer_rows = [
        [
            o.name,
            o.decided,
            o.early,
            o.on_time,
            o.late,
            _score(o.avg_days),
            _score(o.staff_score),
            o.staff_band,
            o.ratings,
            o.satisfied_pct,
        ]
        for o in data.officers
    ]
    return [
        (
            "Chỉ số QĐ 766",
            ["Mã", "Chỉ số", "Tử số", "Mẫu số", "Tỷ lệ", "Điểm", "Tối đa"],
            score_rows,
        ),
        (
            "Số liệu hồ sơ",
            ["Chỉ tiêu", "Số hồ sơ"],
            [[label, n] for _c, label, n in data.operational],
        ),
        ("Theo cơ quan và lĩnh vực", ["Cơ quan", "Lĩnh vực", *cols], field_rows),
        (
            "Cán bộ",
            [
                "Cán bộ",
                "Đã giải quyết",
                "Trước hạn",
                "Đúng hạn",
                "Quá hạn",
                "TB ngày",
                "Điểm TT01 (1,2,3,4,7)",
                "Mức hoàn thành",
                "Lượt đánh giá",
                "Hài lòng",
            ],
            officer_rows,
        ),
    ]


def to_xlsx(data: ReportData, progress: Callable[[int], None] | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    tables = _tables(data)
    for n, (title, head, rows) in enumerate(tables, start=1):
        ws = wb.create_sheet(title[:31])
        for line in data.header:
            ws.append([line])
        ws["A1"].font = Font(bold=True)
        ws.append([])
        ws.append(head)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        ws.column_dimensions["A"].width = 40
        ws.column_dimensions["B"].width = 40
        if progress:
            progress(int(90 * n / len(tables)))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pdf_font() -> str:
    """A TrueType font with Vietnamese glyphs: ``MOTCUA_PDF_FONT`` or the Debian fonts."""
    configured = getattr(settings, "MOTCUA_PDF_FONT", "")
    for path in (configured, *FONT_CANDIDATES):
        if path and os.path.exists(path):
            return path
    raise ValidationFailed(
        "Không tìm thấy phông chữ tiếng Việt để tạo PDF: cài gói fonts-dejavu-core hoặc đặt "
        "MOTCUA_PDF_FONT là đường dẫn tệp .ttf."
    )


def to_pdf(data: ReportData, progress: Callable[[int], None] | None = None) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    regular = pdf_font()
    pdf.add_font("vn", "", regular)
    bold = regular.replace("Sans.ttf", "Sans-Bold.ttf").replace("-Regular.ttf", "-Bold.ttf")
    heading = FontFace(emphasis="")
    if bold != regular and os.path.exists(bold):
        pdf.add_font("vn", "B", bold)
        heading = FontFace(emphasis="B")
    pdf.set_title(data.header[0])
    pdf.set_creator("motcua")
    tables = _tables(data)
    for n, (title, head, rows) in enumerate(tables, start=1):
        pdf.add_page()
        pdf.set_font("vn", size=13)
        pdf.cell(0, 8, data.header[0], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("vn", size=9)
        for line in data.header[1:]:
            pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font("vn", size=11)
        pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("vn", size=7 if len(head) > 8 else 8)
        width = pdf.epw
        first = min(70.0, width * 0.3) if len(head) > 2 else width * 0.7
        widths = [first] + [(width - first) / max(len(head) - 1, 1)] * (len(head) - 1)
        if len(head) > 8:
            widths = [45.0, 35.0] + [(width - 80) / (len(head) - 2)] * (len(head) - 2)
        with pdf.table(
            col_widths=widths, text_align="LEFT", line_height=4.5, headings_style=heading
        ) as table:
            hrow = table.row()
            for h in head:
                hrow.cell(str(h))
            for row in rows or [["Không có số liệu.", *[""] * (len(head) - 1)]]:
                r = table.row()
                for value in row:
                    r.cell(str(value))
        if progress:
            progress(int(90 * n / len(tables)))
    return bytes(pdf.output())


def render_file(data: ReportData, fmt: str, progress: Callable[[int], None] | None = None) -> bytes:
    if fmt == "xlsx":
        return to_xlsx(data, progress)
    if fmt == "pdf":
        return to_pdf(data, progress)
    raise ValidationFailed("Định dạng tệp phải là xlsx hoặc pdf.")


def filename(data: ReportData, fmt: str) -> str:
    stamp = timezone.localtime(data.generated_at).strftime("%Y%m%d-%H%M")
    return f"bao-cao-{data.period.start:%Y%m%d}-{data.period.end:%Y%m%d}-{stamp}.{fmt}"


def response(data: ReportData, fmt: str) -> HttpResponse:
    content = render_file(data, fmt)
    resp = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    resp["Content-Disposition"] = f'attachment; filename="{filename(data, fmt)}"'
    return resp
