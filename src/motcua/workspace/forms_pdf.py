"""The official forms as PDF (reportlab): A5 slips — Mẫu 01 receipt, 02 supplement request,
03 refusal, 04 apology with the new date, 05 notice of stopping — and the A4 control sheet
(TT 01/2018/TT-VPCP Điều 9–10; TT 03/2025/TT-VPCP Phụ lục I; fields: rules.md §2.1–2.2).

Every form is built only from stored data (the dossier, its components, events and the
settings), with reportlab's ``invariant`` mode, so generating it again gives the same bytes.
Text is NFC; the font is DejaVu Sans from the system (full Vietnamese coverage; Debian's
``fonts-dejavu-core``), never a file in the repository."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

import segno
from django.conf import settings
from django.utils import timezone
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from motcua.common.errors import ValidationFailed
from motcua.common.text import nfc
from motcua.dossiers.models import Dossier

FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/local/share/fonts",
    "/Library/Fonts",
)
_registered = False


def _register_fonts() -> None:
    global _registered
    if _registered:
        return
    for folder in FONT_DIRS:
        regular = Path(folder) / "DejaVuSans.ttf"
        bold = Path(folder) / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("VN", str(regular)))
            pdfmetrics.registerFont(TTFont("VN-Bold", str(bold)))
            _registered = True
            return
    raise ValidationFailed(
        "Không tìm thấy phông chữ DejaVu Sans để in biểu mẫu tiếng Việt; cài gói "
        "fonts-dejavu-core của hệ điều hành."
    )


def tracking_url(code: str) -> str:
    """The public tracking page of a dossier (the portal's ``/tra-cuu/<code>/``)."""
    return f"{settings.MOTCUA_PUBLIC_BASE_URL.rstrip('/')}/tra-cuu/{code}/"


def moment_text(moment: dt.datetime | None) -> str:
    """“… giờ … phút, ngày …/…/…” as on the forms (local time)."""
    if moment is None:
        return "…"
    local = timezone.localtime(moment)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def money(amount: int | None) -> str:
    return "0 đồng" if not amount else f"{amount:,} đồng".replace(",", ".")


class QrCode(Flowable):
    """A QR code drawn as vector squares (segno's matrix), no image files."""

    def __init__(self, data: str, size: float = 26 * mm) -> None:
        super().__init__()
        self.qr = segno.make(data, error="m")
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        matrix = list(self.qr.matrix_iter(scale=1, border=2))
        cell = self.size / len(matrix)
        drawing = Drawing(self.size, self.size)
        for y, row in enumerate(matrix):
            for x, dark in enumerate(row):
                if dark:
                    drawing.add(
                        Rect(
                            x * cell,
                            self.size - (y + 1) * cell,
                            cell,
                            cell,
                            fillColor="black",
                            strokeColor=None,
                        )
                    )
        renderPDF.draw(drawing, self.canv, 0, 0)


def _styles() -> dict[str, ParagraphStyle]:
    _register_fonts()
    base = ParagraphStyle("base", fontName="VN", fontSize=9, leading=12)
    return {
        "base": base,
        "center": ParagraphStyle("center", parent=base, alignment=1),
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName="VN-Bold",
            fontSize=11,
            leading=14,
            alignment=1,
            spaceBefore=4,
            spaceAfter=6,
        ),
        "bold": ParagraphStyle("bold", parent=base, fontName="VN-Bold"),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9),
        "tiny": ParagraphStyle("tiny", parent=base, fontSize=6.5, leading=8),
    }


def _esc(text: str) -> str:
    return nfc(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _header(d: Dossier, st: dict[str, ParagraphStyle], number: str) -> list[Flowable]:
    left = Paragraph(
        f"{_esc(d.receiving_agency.name.upper())}<br/><b>BỘ PHẬN MỘT CỬA</b>", st["center"]
    )
    right = Paragraph(
        "<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br/>Độc lập - Tự do - Hạnh phúc", st["center"]
    )
    table = Table([[left, right]], colWidths=[60 * mm, 70 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [table, Paragraph(f"Số: {_esc(number)}", st["small"]), Spacer(1, 2 * mm)]


def _code_line(d: Dossier, st: dict[str, ParagraphStyle]) -> Flowable:
    code = d.code or ""
    url = tracking_url(code)
    text = Paragraph(
        f"<b>Mã hồ sơ: {_esc(code)}</b><br/>Quét mã QR hoặc truy cập địa chỉ dưới đây để tra "
        "cứu tình trạng hồ sơ.",
        st["base"],
    )
    table = Table(
        [[text, QrCode(url)], [Paragraph(_esc(url), st["small"]), ""]],
        colWidths=[100 * mm, 30 * mm],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("SPAN", (0, 1), (1, 1))]))
    return table


def _applicant(d: Dossier, st: dict[str, ParagraphStyle], lead: str) -> list[Flowable]:
    a = d.applicant
    ident = a.personal_id or a.enterprise_code
    lines = [
        f"{lead}: <b>{_esc(a.display_name)}</b>",
        f"Số định danh cá nhân / mã số doanh nghiệp: {_esc(ident or '…')}",
        f"Địa chỉ: {_esc(a.address or '…')}",
        f"Số điện thoại: {_esc(a.phone or '…')}    Thư điện tử: {_esc(a.email or '…')}",
        f"Nội dung yêu cầu giải quyết: {_esc(d.procedure_version.name)}",
    ]
    return [Paragraph(line, st["base"]) for line in lines]


def _signatures(st: dict[str, ParagraphStyle], left: str, right: str) -> Flowable:
    table = Table(
        [
            [Paragraph(f"<b>{left}</b>", st["center"]), Paragraph(f"<b>{right}</b>", st["center"])],
            [Paragraph("(Ký và ghi rõ họ tên)", st["center"])] * 2,
        ],
        colWidths=[65 * mm, 65 * mm],
        rowHeights=[None, 18 * mm],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _build(
    story: Sequence[Flowable], title: str, code: str, pagesize: tuple[float, float] = A5
) -> bytes:
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=pagesize,
        leftMargin=9 * mm,
        rightMargin=9 * mm,
        topMargin=8 * mm,
        bottomMargin=8 * mm,
        title=f"{title} — {code}",
        author="motcua",
        subject=code,
        creator="motcua",
        invariant=1,
    )
    doc.build(list(story))
    return out.getvalue()


def _table(
    rows: list[list[str]],
    widths: list[float],
    st: dict[str, ParagraphStyle],
    style: str = "small",
) -> Table:
    data = [[Paragraph(_esc(str(c)), st[style]) for c in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, "black"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, 0), "VN-Bold"),
            ]
        )
    )
    return table


def receipt_pdf(d: Dossier) -> bytes:
    """Mẫu 01 — Giấy tiếp nhận hồ sơ và hẹn trả kết quả (TT 01/2018 Mẫu 01; TT 03/2025)."""
    from motcua.workspace.models import FeeCollection

    st = _styles()
    fee = FeeCollection.objects.filter(dossier=d).order_by("id").first()
    fee_receipt = fee.receipt_number if fee else ""
    docs = [x for x in d.documents.all() if x.submitted]
    story: list[Flowable] = [
        *_header(d, st, f"{d.code}/TNHS"),
        Paragraph("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", st["title"]),
        _code_line(d, st),
        Spacer(1, 2 * mm),
        *_applicant(d, st, f"{_esc(d.receiving_agency.name)} tiếp nhận hồ sơ của"),
        Paragraph("1. Thành phần hồ sơ:", st["bold"]),
        _table(
            [["STT", "Tên giấy tờ", "Hình thức", "Số lượng"]]
            + [
                [str(i), x.name, x.get_form_display(), str(x.count)]
                for i, x in enumerate(docs, start=1)
            ],
            [9 * mm, 80 * mm, 26 * mm, 15 * mm],
            st,
        ),
        Paragraph("2. Số lượng hồ sơ: 01 bộ", st["base"]),
        Paragraph(f"3. Thời gian giải quyết hồ sơ theo quy định: {_limit_text(d)}", st["base"]),
        Paragraph(
            f"4. Thời gian nhận hồ sơ: {moment_text(d.received_at or d.submitted_at)}", st["base"]
        ),
        Paragraph(
            f"5. Thời gian trả kết quả giải quyết hồ sơ: <b>{moment_text(d.due_at)}</b>", st["base"]
        ),
        Paragraph(f"6. Đăng ký nhận kết quả: {_esc(d.get_return_method_display())}", st["base"]),
        Paragraph(
            f"7. Phí, lệ phí: {money(d.fee_amount)}"
            + (f" (biên lai số {_esc(fee_receipt)})" if fee_receipt else ""),
            st["base"],
        ),
        Spacer(1, 3 * mm),
        _signatures(st, "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ"),
    ]
    return _build(story, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", d.code or "")


def _limit_text(d: Dossier) -> str:
    if d.limit_value is None:
        return "theo ngày hẹn"
    value = d.limit_value.normalize()
    unit = {"working_days": "ngày làm việc", "working_hours": "giờ làm việc", "days": "ngày"}
    return f"{value:f} {unit.get(d.limit_unit, d.limit_unit)}"


def _reason(d: Dossier, action: str) -> str:
    for event in reversed(list(d.events.all())):
        if event.action == action:
            return event.note
    return ""


def supplement_pdf(d: Dossier) -> bytes:
    """Mẫu 02 — Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ: everything missing at once."""
    st = _styles()
    missing = [x for x in d.documents.all() if not x.submitted]
    reason = _reason(d, "request_supplement") or _reason(d, "request_supplement_after_appraisal")
    story: list[Flowable] = [
        *_header(d, st, f"{d.code}/HDHS"),
        Paragraph("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", st["title"]),
        _code_line(d, st),
        *_applicant(d, st, "Hồ sơ của"),
        Paragraph("Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:", st["bold"]),
        _table(
            [["STT", "Giấy tờ cần bổ sung, hoàn thiện"]]
            + [[str(i), x.name] for i, x in enumerate(missing, start=1)],
            [9 * mm, 121 * mm],
            st,
        ),
        Paragraph(f"Lý do: {_esc(reason or '…')}", st["base"]),
        Paragraph(
            "Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, ông/bà liên hệ với Bộ phận Một "
            f"cửa của {_esc(d.receiving_agency.name)} để được hướng dẫn.",
            st["base"],
        ),
        Paragraph(f"Ngày lập phiếu: {moment_text(d.supplement_requested_at)}", st["base"]),
        Spacer(1, 3 * mm),
        _signatures(st, "NGƯỜI NỘP HỒ SƠ", "NGƯỜI HƯỚNG DẪN"),
    ]
    return _build(story, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", d.code or "")


def refusal_pdf(d: Dossier) -> bytes:
    """Mẫu 03 — Phiếu từ chối tiếp nhận, giải quyết hồ sơ, with the reason."""
    st = _styles()
    reason = _reason(d, "refuse") or _reason(d, "refuse_after_appraisal")
    agency = d.receiving_agency if d.status == "refused_at_reception" else d.competent_agency
    story: list[Flowable] = [
        *_header(d, st, f"{d.code}/TCHS"),
        Paragraph("PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ", st["title"]),
        _code_line(d, st),
        *_applicant(d, st, "Hồ sơ của"),
        Paragraph(
            f"Qua xem xét, {_esc(agency.name)} thông báo không tiếp nhận, giải quyết hồ sơ này "
            f"với lý do cụ thể như sau: <b>{_esc(reason or '…')}</b>",
            st["base"],
        ),
        Paragraph("Xin thông báo cho Ông/Bà được biết và thực hiện.", st["base"]),
        Spacer(1, 3 * mm),
        _signatures(st, "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ"),
    ]
    return _build(story, "Phiếu từ chối tiếp nhận, giải quyết hồ sơ", d.code or "")


def apology_pdf(d: Dossier) -> bytes:
    """Mẫu 04 — Văn bản xin lỗi và hẹn lại ngày trả kết quả / đề nghị gia hạn (NĐ 118/2025
    Điều 19 khoản 6)."""
    st = _styles()
    event = next(
        (e for e in reversed(list(d.events.all())) if e.action == "request_extension"), None
    )
    if event is None:
        raise ValidationFailed("Hồ sơ chưa gia hạn nên không có văn bản xin lỗi.")
    new_due = dt.datetime.fromisoformat(event.data["new_due_at"])
    story: list[Flowable] = [
        *_header(d, st, f"{d.code}/XL"),
        Paragraph("VĂN BẢN XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", st["title"]),
        _code_line(d, st),
        Paragraph(f"Kính gửi: <b>{_esc(d.applicant.display_name)}</b>", st["base"]),
        Paragraph(
            f"Ngày {moment_text(d.received_at)}, {_esc(d.receiving_agency.name)} tiếp nhận hồ sơ "
            f"{_esc(d.procedure_version.name)}, mã hồ sơ {_esc(d.code or '')}. Thời gian hẹn trả "
            f"kết quả giải quyết hồ sơ: {moment_text(d.original_due_at)}.",
            st["base"],
        ),
        Paragraph(
            f"Tuy nhiên đến nay, {_esc(d.competent_agency.name)} chưa trả kết quả giải quyết hồ "
            f"sơ cho Ông/Bà. Lý do: {_esc(event.note or '…')}",
            st["base"],
        ),
        Paragraph(
            f"{_esc(d.competent_agency.name)} xin lỗi Ông/Bà và sẽ trả kết quả giải quyết hồ sơ "
            f"vào <b>{moment_text(new_due)}</b>.",
            st["base"],
        ),
        Spacer(1, 3 * mm),
        _signatures(st, "", "THỦ TRƯỞNG CƠ QUAN"),
    ]
    return _build(story, "Văn bản xin lỗi và hẹn lại ngày trả kết quả", d.code or "")


def stop_notice_pdf(d: Dossier) -> bytes:
    """Mẫu 05 (TT 03/2025) — Thông báo dừng giải quyết hồ sơ (NĐ 118/2025 Điều 21)."""
    st = _styles()
    reason = _reason(d, "withdraw") or _reason(d, "stop")
    story: list[Flowable] = [
        *_header(d, st, f"{d.code}/DXL"),
        Paragraph("THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", st["title"]),
        _code_line(d, st),
        *_applicant(d, st, "Hồ sơ của"),
        Paragraph(
            f"Theo đề nghị của Ông/Bà, {_esc(d.competent_agency.name)} thông báo dừng giải "
            f"quyết hồ sơ trên. Lý do: {_esc(reason or 'theo yêu cầu của người nộp hồ sơ')}",
            st["base"],
        ),
        Spacer(1, 3 * mm),
        _signatures(st, "", "THỦ TRƯỞNG CƠ QUAN"),
    ]
    return _build(story, "Thông báo dừng giải quyết hồ sơ", d.code or "")


def control_sheet_pdf(d: Dossier) -> bytes:
    """Mẫu 06 (TT 03/2025; Mẫu 05 of TT 01/2018) — Phiếu kiểm soát quá trình giải quyết hồ sơ,
    from the control-sheet rows (A4)."""
    st = _styles()
    rows = [["Thời gian", "Thao tác", "Bên giao", "Bên nhận", "Kết quả", "Ghi chú"]]
    for e in d.events.all():
        receiver = e.to_user.full_name if e.to_user else (e.to_agency.name if e.to_agency else "")
        rows.append(
            [
                moment_text(e.at),
                e.get_action_display(),
                e.actor_label,
                receiver,
                e.get_outcome_display() if e.outcome else "",
                e.note,
            ]
        )
    story: list[Flowable] = [
        *_header(d, st, f"{d.code}/PKS"),
        Paragraph("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", st["title"]),
        _code_line(d, st),
        Paragraph(f"(Kèm theo hồ sơ của {_esc(d.applicant.display_name)})", st["base"]),
        Paragraph(f"Nội dung yêu cầu giải quyết: {_esc(d.procedure_version.name)}", st["base"]),
        Paragraph(f"Ngày hẹn trả kết quả: {moment_text(d.due_at)}", st["base"]),
        Spacer(1, 2 * mm),
        _table(rows, [30 * mm, 38 * mm, 38 * mm, 30 * mm, 18 * mm, 36 * mm], st),
    ]
    return _build(story, "Phiếu kiểm soát quá trình giải quyết hồ sơ", d.code or "", A4)


def handover_pdf(d: Dossier) -> bytes:
    """Phiếu giao nhận kết quả giải quyết hồ sơ: who received the result, when and how (NĐ
    118/2025 Điều 22 khoản 3), from the stored handover (``ResultHandover``)."""
    from motcua.workspace.models import ResultHandover

    st = _styles()
    row = ResultHandover.objects.filter(dossier=d).select_related("handed_by").order_by("id").last()
    if row is None:
        raise ValidationFailed("Hồ sơ chưa trả kết quả nên chưa có phiếu giao nhận.")
    receiver = row.receiver_name or d.applicant.display_name
    story: list[Flowable] = [
        *_header(d, st, f"{d.code}/GNKQ"),
        Paragraph("PHIẾU GIAO NHẬN KẾT QUẢ GIẢI QUYẾT HỒ SƠ", st["title"]),
        _code_line(d, st),
        *_applicant(d, st, "Hồ sơ của"),
        Paragraph(f"Hình thức trả kết quả: {_esc(row.get_method_display())}", st["base"]),
        Paragraph(f"Thời gian giao: {moment_text(row.handed_at)}", st["base"]),
        Paragraph(
            f"Người nhận: <b>{_esc(receiver)}</b>"
            + (f", giấy tờ tùy thân số {_esc(row.receiver_id)}" if row.receiver_id else "")
            + ("" if row.is_applicant else " (người được ủy quyền)"),
            st["base"],
        ),
        *(
            [Paragraph(f"Số hiệu bưu gửi: {_esc(row.postal_tracking)}", st["base"])]
            if row.postal_tracking
            else []
        ),
        Paragraph(
            f"Người giao: {_esc(row.handed_by.full_name or row.handed_by.get_username())}",
            st["base"],
        ),
        Spacer(1, 3 * mm),
        _signatures(st, "NGƯỜI NHẬN KẾT QUẢ", "NGƯỜI TRẢ KẾT QUẢ"),
    ]
    return _build(story, "Phiếu giao nhận kết quả giải quyết hồ sơ", d.code or "")


FORMS = {
    "giay-tiep-nhan": ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả", receipt_pdf),
    "phieu-bo-sung": ("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", supplement_pdf),
    "phieu-tu-choi": ("Phiếu từ chối tiếp nhận, giải quyết hồ sơ", refusal_pdf),
    "xin-loi": ("Văn bản xin lỗi và hẹn lại ngày trả kết quả", apology_pdf),
    "dung-xu-ly": ("Thông báo dừng giải quyết hồ sơ", stop_notice_pdf),
    "phieu-kiem-soat": ("Phiếu kiểm soát quá trình giải quyết hồ sơ", control_sheet_pdf),
    "giao-nhan-ket-qua": ("Phiếu giao nhận kết quả giải quyết hồ sơ", handover_pdf),
}
