"""Pages of the officer workspace (/can-bo/). Each view validates input, calls one service
(``motcua.dossiers.services`` or ``motcua.workspace.services``) or selector, and renders; a
dossier outside the officer's scope is 404, a stale form is 409 with the engine's message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from motcua.accounts.access import is_officer
from motcua.accounts.models import User
from motcua.accounts.roles import Role
from motcua.agencies.models import Agency
from motcua.catalogue.models import ProcedureVersion
from motcua.common.errors import MotcuaError, ValidationFailed
from motcua.dossiers import services as engine
from motcua.dossiers.errors import DossierConflict, DossierNotFound
from motcua.dossiers.models import ApplicantKind, DocumentForm, DossierDocument, ReturnMethod
from motcua.dossiers.workflow import Action
from motcua.workspace import forms_pdf, selectors, services
from motcua.workspace.models import HandoverMethod, PaymentMethod, ResultDocument

A = Action
View = Callable[..., HttpResponseBase]


def officer_view(view: View) -> View:
    """Signed-in officers only; anyone else gets 404 (the workspace is not advertised)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_officer(request.user):
            raise Http404("Không tìm thấy trang.")
        ctx = selectors.officer_context(request.user)
        try:
            return view(request, ctx, *args, **kwargs)
        except DossierNotFound:
            raise Http404("Không tìm thấy hồ sơ.") from None

    return wrapped


def _nav(ctx: selectors.OfficerContext) -> dict[str, Any]:
    return {
        "boxes": selectors.boxes_for(ctx),
        "is_partner": bool(ctx.agency_ids),
        "is_reception": Role.RECEPTION_OFFICER in ctx.roles,
        "is_director": Role.CENTER_DIRECTOR in ctx.roles,
    }


# --- worklists --------------------------------------------------------------------------------


@officer_view
def worklist(request: HttpRequest, ctx: selectors.OfficerContext) -> HttpResponse:
    boxes = selectors.boxes_for(ctx)
    if not boxes:
        return render(request, "workspace/worklist.html", {**_nav(ctx), "box": None, "rows": []})
    box = selectors.BOX_BY_SLUG.get(request.GET.get("hop", ""), boxes[0])
    if box not in boxes:
        box = boxes[0]
    filters = selectors.Filters(
        q=request.GET.get("q", "")[:200],
        status=request.GET.get("trang-thai", ""),
        procedure=request.GET.get("thu-tuc", "")[:40],
        channel=request.GET.get("kenh", ""),
    )
    after = selectors.cursor_parse(request.GET.get("sau", ""))
    now = timezone.now()
    rows, cursor = selectors.worklist(request.user, ctx, box, filters=filters, after=after, at=now)
    params = request.GET.copy()
    params.pop("sau", None)
    next_url = ""
    if cursor is not None:
        params["sau"] = selectors.cursor_text(cursor)
        next_url = "?" + params.urlencode()
    from motcua.dossiers.workflow import DossierStatus

    labels = dict(DossierStatus.choices)
    return render(
        request,
        "workspace/worklist.html",
        {
            **_nav(ctx),
            "box": box,
            "rows": [_row(d, now) for d in rows],
            "filters": filters,
            "statuses": [(s, labels[s]) for s in box.statuses],
            "next_url": next_url,
            "first_url": "?" + params.urlencode() if after else "",
        },
    )


def _clock(due: dt.datetime | None, now: dt.datetime, running: bool) -> dict[str, Any]:
    """The clock shown beside a dossier: time left (or late by), in words."""
    if due is None:
        return {"text": _("Chưa tính thời hạn"), "css": ""}
    delta = due - now
    hours = abs(delta.total_seconds()) / 3600
    span = (
        _("%(n)s giờ") % {"n": f"{hours:.0f}"}
        if hours < 48
        else _("%(n)s ngày") % {"n": f"{hours / 24:.0f}"}
    )
    if not running:
        return {
            "text": _("Hạn %(due)s") % {"due": f"{timezone.localtime(due):%H:%M %d/%m/%Y}"},
            "css": "",
        }
    if delta.total_seconds() < 0:
        return {"text": _("Quá hạn %(span)s") % {"span": span}, "css": "late"}
    return {"text": _("Còn %(span)s") % {"span": span}, "css": "ok" if hours >= 24 else "soon"}


def _row(d: Any, now: dt.datetime) -> dict[str, Any]:
    running = d.clock_state == "running"
    online_wait = d.status == "submitted" and d.channel == "online" and d.decision_due_at
    clock = _clock(
        d.decision_due_at if online_wait else d.due_at, now, running or bool(online_wait)
    )
    if online_wait:
        clock["text"] = _("Tiếp nhận trong 8 giờ làm việc: ") + clock["text"].lower()
    return {"d": d, "clock": clock, "early": d.result_ready_early}


# --- the dossier page -------------------------------------------------------------------------

#: Actions with their form fields (the engine decides whether they are allowed).
REASON_ACTIONS = {
    A.REQUEST_SUPPLEMENT,
    A.REFUSE,
    A.RETURN_STEP,
    A.REFUSE_AFTER_APPRAISAL,
    A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL,
    A.REPORT_ERROR,
    A.WITHDRAW,
}


def _page_context(request: HttpRequest, ctx: selectors.OfficerContext, code: str) -> dict[str, Any]:
    page = selectors.dossier_page(request.user, ctx, code)
    d = page.dossier
    now = timezone.now()
    specialists: list[User] = []
    if A.ASSIGN in page.actions:
        specialists = list(
            User.objects.filter(
                memberships__agency_id=d.current_agency_id,
                memberships__role=Role.SPECIALIST,
                is_active=True,
            ).distinct()
        )
    forms = ["giay-tiep-nhan", "phieu-kiem-soat"]
    if d.supplements_at_reception or d.supplements_after_appraisal:
        forms.append("phieu-bo-sung")
    if d.status in ("refused_at_reception", "refused_after_appraisal") or (
        d.status == "returned" and any(e.action == "refuse_after_appraisal" for e in d.events.all())
    ):
        forms.append("phieu-tu-choi")
    if d.extension_used:
        forms.append("xin-loi")
    if d.status == "stopped":
        forms.append("dung-xu-ly")
    if page.handovers:
        forms.append("giao-nhan-ket-qua")
    if not d.received_at:
        forms.remove("giay-tiep-nhan")
    if A.POSTAL_DELIVERED in page.actions and not selectors.awaiting_postal_delivery(page):
        page.actions.remove(A.POSTAL_DELIVERED)
    return {
        **_nav(ctx),
        "page": page,
        "d": d,
        "clock": _clock(d.due_at, now, d.clock_state == "running"),
        "early_result": d.result_ready_early,
        "actions": page.actions,
        "reason_actions": REASON_ACTIONS,
        "specialists": specialists,
        "agencies": Agency.objects.exclude(pk=d.current_agency_id).order_by("name")[:200]
        if {A.CONSULT, A.HAND_OVER_TO_PARTNERS} & set(page.actions)
        else [],
        "open_consultations": [c for c in d.consultations.all() if c.answered_at is None],
        "forms": [(slug, forms_pdf.FORMS[slug][0]) for slug in forms],
        "handover_methods": HandoverMethod.choices,
        "A": {a.name: a.value for a in Action},
        "action_labels": dict(Action.choices),
    }


@officer_view
def dossier(request: HttpRequest, ctx: selectors.OfficerContext, code: str) -> HttpResponse:
    return render(request, "workspace/dossier.html", _page_context(request, ctx, code))


def _int(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _moment(date_text: str, time_text: str = "17:00") -> dt.datetime | None:
    """A local date (and time) typed in a form, as an aware moment."""
    try:
        day = dt.date.fromisoformat(date_text.strip())
        clock = dt.time.fromisoformat((time_text or "17:00").strip())
    except ValueError:
        return None
    return timezone.make_aware(dt.datetime.combine(day, clock))


def _optional_moment(post: Any, prefix: str) -> dt.datetime | None:
    """``<prefix>_ngay`` + ``<prefix>_gio`` as a moment; ``None`` when the date is empty. A date
    or time that cannot be read is refused, never silently replaced by now."""
    day = post.get(f"{prefix}_ngay", "").strip()
    if not day:
        return None
    moment = _moment(day, post.get(f"{prefix}_gio", "") or "00:00")
    if moment is None:
        raise ValidationFailed(f"Ngày giờ “{day} {post.get(f'{prefix}_gio', '')}” không hợp lệ.")
    return moment


def _perform(request: HttpRequest, code: str, action: Action) -> str:
    """Call the engine (or the workspace service) for ``action``; returns the success text."""
    post = request.POST
    user = request.user
    if not isinstance(user, User):
        raise DossierNotFound()
    version = _int(post.get("version"))
    if version is None:
        raise ValidationFailed("Biểu mẫu thiếu phiên bản hồ sơ; hãy tải lại trang.")
    reason = post.get("ly_do", "").strip()
    note = post.get("ghi_chu", "").strip()
    common: dict[str, Any] = {"actor": user, "dossier": code, "expected_version": version}
    if action in REASON_ACTIONS and not reason and action is not A.WITHDRAW:
        raise ValidationFailed("Phải ghi lý do.")
    if action is A.ACCEPT:
        engine.dossier_accept(**common)
    elif action is A.REQUEST_SUPPLEMENT:
        engine.dossier_request_supplement(**common, reason=reason)
    elif action is A.REFUSE:
        engine.dossier_refuse(**common, reason=reason)
    elif action is A.FORWARD:
        engine.dossier_forward(**common, note=note)
    elif action is A.ASSIGN:
        assignee = User.objects.filter(pk=_int(post.get("chuyen_vien")) or 0).first()
        if assignee is None:
            raise ValidationFailed("Phải chọn chuyên viên xử lý.")
        engine.dossier_assign(**common, assignee=assignee, note=note)
    elif action is A.CONSULT:
        agency = Agency.objects.filter(pk=_int(post.get("co_quan")) or 0).first()
        due = _moment(post.get("han_tra_loi", ""))
        if agency is None or due is None:
            raise ValidationFailed("Phải chọn cơ quan được lấy ý kiến và hạn trả lời (ngày).")
        engine.dossier_consult(
            **common, agency=agency, question=post.get("noi_dung", ""), due_at=due
        )
    elif action is A.CONSULTATION_ANSWERED:
        from motcua.dossiers.models import Consultation

        consultation = Consultation.objects.filter(pk=_int(post.get("lay_y_kien")) or 0).first()
        if consultation is None:
            raise ValidationFailed("Phải chọn yêu cầu lấy ý kiến được trả lời.")
        engine.dossier_answer_consultation(
            **common, consultation=consultation, answer=post.get("y_kien", "")
        )
    elif action is A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL:
        engine.dossier_request_supplement_after_appraisal(**common, reason=reason)
    elif action is A.SUPPLEMENT_RECEIVED:
        engine.dossier_receive_supplement(**common, documents=_supplement_documents(request))
    elif action is A.HAND_OVER_TO_PARTNERS:
        engine.dossier_hand_over_to_partners(**common, partners=_partners(post))
    elif action is A.REQUEST_PAYMENT:
        amount = _int(post.get("so_tien"))
        if amount is None:
            raise ValidationFailed("Phải ghi số tiền (đồng).")
        engine.dossier_request_payment(**common, amount=amount, note=note)
    elif action is A.RECORD_PAYMENT:
        engine.dossier_record_payment(**common)
    elif action is A.SUBMIT_DRAFT:
        upload = request.FILES.get("ket_qua")
        with _atomic():
            if upload is not None:
                services.result_attach(
                    actor=user, code=code, upload=upload, name=post.get("ten_ket_qua", "")
                )
            engine.dossier_submit_draft(**common, note=note)
    elif action is A.APPROVE:
        engine.dossier_approve(**common, note=note)
    elif action is A.RETURN_STEP:
        engine.dossier_return_step(**common, reason=reason)
    elif action is A.SIGN:
        services.result_sign(actor=user, code=code, expected_version=version, note=note)
    elif action is A.REFUSE_AFTER_APPRAISAL:
        engine.dossier_refuse_after_appraisal(**common, reason=reason)
    elif action is A.REQUEST_EXTENSION:
        new_due = _moment(post.get("ngay_hen_moi", ""), post.get("gio_hen_moi", "17:00"))
        if new_due is None:
            raise ValidationFailed("Phải ghi ngày hẹn trả mới (ngày/tháng/năm).")
        engine.dossier_request_extension(**common, new_due_at=new_due, reason=reason)
    elif action is A.WITHDRAW:
        engine.dossier_withdraw(**common, reason=reason)
    elif action is A.STOP:
        engine.dossier_stop(**common, note=note)
    elif action is A.PARTNERS_COMPLETED:
        engine.dossier_partners_completed(**common)
    elif action is A.RETURN_RESULT:
        services.result_return(
            actor=user,
            code=code,
            expected_version=version,
            data=services.HandoverInput(
                method=post.get("hinh_thuc", ""),
                receiver_name=post.get("nguoi_nhan", ""),
                receiver_id=post.get("giay_to_nguoi_nhan", ""),
                is_applicant=post.get("uy_quyen") != "1",
                postal_tracking=post.get("so_hieu_buu_gui", ""),
                note=note,
                handed_at=_optional_moment(post, "giao_buu_chinh"),
                store_refused=post.get("tu_choi_kho") == "1",
            ),
        )
    elif action is A.POSTAL_DELIVERED:
        delivered = _optional_moment(post, "phat")
        if delivered is None:
            raise ValidationFailed("Phải ghi ngày và giờ bưu chính phát kết quả cho người nhận.")
        services.result_postal_delivered(
            actor=user, code=code, delivered_at=delivered, expected_version=version, note=note
        )
    elif action is A.REPORT_ERROR:
        engine.dossier_report_error(**common, reason=reason)
    elif action is A.CORRECT_RESULT:
        engine.dossier_correct_result(**common, note=note)
    else:
        raise ValidationFailed("Thao tác này chưa thực hiện được tại không gian làm việc.")
    return _("Đã thực hiện: %(action)s.") % {"action": action.label}


def _supplement_documents(request: HttpRequest) -> list[engine.DocumentInput]:
    """The documents brought for a supplement (Điều 19 khoản 5): a name each, an optional
    scan checked by content like at intake."""
    documents = []
    for n in range(1, 4):
        name = request.POST.get(f"bo_sung_{n}", "").strip()
        upload = request.FILES.get(f"bo_sung_{n}_tep")
        if not name and upload is None:
            continue
        if not name:
            raise ValidationFailed(f"Phải ghi tên giấy tờ bổ sung thứ {n}.")
        content_type = ""
        if upload is not None:
            problem = services.check_upload(upload)
            if problem:
                raise ValidationFailed(problem)
            content_type = services.content_type(upload)
        documents.append(engine.DocumentInput(name=name, file=upload, content_type=content_type))
    if not documents:
        raise ValidationFailed("Phải ghi ít nhất một giấy tờ đã bổ sung.")
    return documents


def _partners(post: Any) -> list[engine.PartnerInput]:
    """Phiếu chuyển xử lý (Điều 20 khoản 2): up to three partner agencies with their task and
    deadline, in order."""
    partners = []
    for n in range(1, 4):
        agency_id = _int(post.get(f"phoi_hop_{n}"))
        task = post.get(f"nhiem_vu_{n}", "").strip()
        if agency_id is None and not task:
            continue
        agency = Agency.objects.filter(pk=agency_id or 0).first()
        due = _moment(post.get(f"han_{n}", ""))
        if agency is None or not task or due is None:
            raise ValidationFailed(
                f"Cơ quan phối hợp thứ {n}: phải chọn cơ quan, ghi phần việc và hạn hoàn thành."
            )
        partners.append(engine.PartnerInput(agency=agency, task=task, due_at=due))
    return partners


def _atomic() -> Any:
    from django.db import transaction

    return transaction.atomic()


@require_POST
@officer_view
def act(
    request: HttpRequest, ctx: selectors.OfficerContext, code: str, action: str
) -> HttpResponse:
    try:
        kind = Action(action)
    except ValueError:
        raise Http404("Không có thao tác này.") from None
    try:
        done = _perform(request, code, kind)
    except DossierNotFound:
        raise
    except MotcuaError as exc:
        context = _page_context(request, ctx, code)
        context["error"] = str(exc)
        context["error_action"] = kind.value
        status = 409 if isinstance(exc, DossierConflict) else 400
        return render(request, "workspace/dossier.html", context, status=status)
    messages.success(request, done)
    return redirect("workspace:dossier", code=code)


@officer_view
def form_pdf(
    request: HttpRequest, ctx: selectors.OfficerContext, code: str, form: str
) -> HttpResponse:
    if form not in forms_pdf.FORMS:
        raise Http404("Không có biểu mẫu này.")
    page = selectors.dossier_page(request.user, ctx, code)
    try:
        data = forms_pdf.FORMS[form][1](page.dossier)
    except ValidationFailed as exc:
        raise Http404(str(exc)) from None
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{form}-{page.dossier.code}.pdf"'
    return response


@officer_view
def receipt(request: HttpRequest, ctx: selectors.OfficerContext, code: str) -> HttpResponse:
    """The printable receipt (Mẫu 01) as a page, with the PDF beside it."""
    page = selectors.dossier_page(request.user, ctx, code)
    d = page.dossier
    url = forms_pdf.tracking_url(d.code or "")
    qr = segno.make(url, error="m").svg_inline(scale=3, title=f"Mã QR tra cứu hồ sơ {d.code}")
    return render(
        request,
        "workspace/receipt.html",
        {
            **_nav(ctx),
            "d": d,
            "page": page,
            "tracking_url": url,
            "qr": mark_safe(qr),  # noqa: S308 - segno's own SVG of our URL
            "received": forms_pdf.moment_text(d.received_at),
            "due": forms_pdf.moment_text(d.due_at),
            "fee": page.fees[0] if page.fees else None,
            "documents": [x for x in d.documents.all() if x.submitted],
            "missing": [x for x in d.documents.all() if not x.submitted],
        },
    )


@officer_view
def document_file(
    request: HttpRequest, ctx: selectors.OfficerContext, code: str, pk: int
) -> HttpResponseBase:
    """A scanned component, shown in the browser (PDF/JPEG/PNG), only within scope."""
    page = selectors.dossier_page(request.user, ctx, code)
    doc = DossierDocument.objects.filter(pk=pk, dossier=page.dossier).first()
    if doc is None or not doc.file:
        raise Http404("Không có tệp.")
    return FileResponse(
        doc.file.open("rb"), content_type=doc.content_type or "application/octet-stream"
    )


@officer_view
def result_file(
    request: HttpRequest, ctx: selectors.OfficerContext, code: str, pk: int
) -> HttpResponseBase:
    page = selectors.dossier_page(request.user, ctx, code)
    row = ResultDocument.objects.filter(pk=pk, dossier=page.dossier).first()
    if row is None:
        raise Http404("Không có tệp.")
    handle = row.signed_file if row.signed_file else row.file
    return FileResponse(handle.open("rb"), content_type="application/pdf")


# --- counter intake ---------------------------------------------------------------------------


def _reception_agency(ctx: selectors.OfficerContext) -> Agency | None:
    for agency_id, roles in sorted(ctx.roles_by_agency.items()):
        if Role.RECEPTION_OFFICER in roles:
            return Agency.objects.get(pk=agency_id)
    return None


def _prefill(returning: Any, personal_id: str, enterprise_code: str) -> dict[str, str]:
    """The intake form's values for a returning applicant (or the number just looked up)."""
    if returning is None:
        return {"so_dinh_danh": personal_id, "ma_so_doanh_nghiep": enterprise_code}
    return {
        "loai": returning.kind,
        "ho_ten": returning.full_name,
        "so_dinh_danh": returning.personal_id,
        "ngay_sinh": returning.date_of_birth.isoformat() if returning.date_of_birth else "",
        "ten_to_chuc": returning.organisation_name,
        "ma_so_doanh_nghiep": returning.enterprise_code,
        "dien_thoai": returning.phone,
        "email": returning.email,
        "dia_chi": returning.address,
    }


def _intake_ticket(request: HttpRequest) -> Any:
    """The queue ticket the intake was started from (``?ve=`` from the counter page), if the
    officer may work at its site; an unknown or foreign ticket is simply not linked."""
    raw = request.POST.get("ve") or request.GET.get("ve", "")
    if not raw or not apps.is_installed("motcua.queueing"):
        return None
    from motcua.queueing.services import ticket_for_officer

    try:
        return ticket_for_officer(request.user, raw)
    except MotcuaError:
        return None


@require_http_methods(["GET", "POST"])
@officer_view
def intake(request: HttpRequest, ctx: selectors.OfficerContext) -> HttpResponse:
    """Tiếp nhận trực tiếp: choose the procedure, look up the applicant, tick the documents,
    attach the scans; then accept (receipt), request a supplement or refuse."""
    agency = _reception_agency(ctx)
    if agency is None:
        raise Http404("Chỉ cán bộ tiếp nhận của Bộ phận Một cửa mới tiếp nhận hồ sơ.")
    ticket = _intake_ticket(request)
    base = {**_nav(ctx), "agency": agency, "ticket": ticket}
    code = request.POST.get("thu_tuc") or request.GET.get("thu-tuc", "")
    search = request.GET.get("tim", "")
    if not code:
        found = selectors.procedure_search(search) if search else []
        return render(
            request, "workspace/intake_choose.html", {**base, "search": search, "found": found}
        )
    version = (
        ProcedureVersion.objects.filter(pk=_int(request.POST.get("phien_ban")) or 0).first()
        if request.method == "POST"
        else None
    )
    if version is None:
        version = selectors.version_in_force(code)
    if version is None:
        messages.error(request, f"Thủ tục {code} không có phiên bản có hiệu lực.")
        return redirect("workspace:intake")
    documents = list(version.documents.all())
    fees = selectors.fees_for(version, "direct")
    lookup_id = request.GET.get("cccd", "").strip()
    lookup_code = request.GET.get("mst", "").strip()
    returning = (
        selectors.applicant_lookup(lookup_id, lookup_code) if (lookup_id or lookup_code) else None
    )
    context = {
        **base,
        "version": version,
        "documents": documents,
        "fees": fees,
        # What is charged before any conditional line is ticked (the service's own rule).
        "fee_total": sum(line.amount for line in services.fee_lines(version, "direct", [])),
        "fees_chosen": [],
        "forms": DocumentForm.choices,
        "return_methods": ReturnMethod.choices,
        "payment_methods": PaymentMethod.choices,
        "returning": returning,
        "lookup_id": lookup_id,
        "lookup_code": lookup_code,
        "lookup_missed": bool((lookup_id or lookup_code) and returning is None),
        "values": _prefill(returning, lookup_id, lookup_code),
        "upload_mb": services.upload_limit() // 1_048_576,
    }
    if request.method == "GET":
        return render(request, "workspace/intake_form.html", context)
    post = request.POST
    items = []
    for doc in documents:
        key = f"gt_{doc.pk}"
        items.append(
            services.ChecklistItem(
                required=doc,
                submitted=post.get(f"{key}_nop") == "1",
                form=post.get(f"{key}_hinh_thuc", DocumentForm.COPY)
                if post.get(f"{key}_hinh_thuc") in DocumentForm.values
                else DocumentForm.COPY,
                count=_int(post.get(f"{key}_so_luong")) or 1,
                upload=request.FILES.get(f"{key}_tep"),
            )
        )
    kind = post.get("loai", ApplicantKind.PERSON)
    dob_text = post.get("ngay_sinh", "").strip()
    try:
        dob = dt.date.fromisoformat(dob_text) if dob_text else None
    except ValueError:
        dob = None
    applicant = engine.ApplicantInput(
        kind=kind if kind in ApplicantKind.values else ApplicantKind.PERSON,
        full_name=post.get("ho_ten", ""),
        personal_id=post.get("so_dinh_danh", "").strip(),
        date_of_birth=dob,
        phone=post.get("dien_thoai", ""),
        email=post.get("email", ""),
        address=post.get("dia_chi", ""),
        organisation_name=post.get("ten_to_chuc", ""),
        enterprise_code=post.get("ma_so_doanh_nghiep", "").strip(),
    )
    decision = post.get("quyet_dinh", services.Decision.ACCEPT)
    return_method = post.get("nhan_ket_qua", ReturnMethod.COUNTER)
    context["values"] = {**context["values"], **{k: v for k, v in post.items() if v}}
    context["missing"] = services.missing_documents(items)
    context["fees_chosen"] = post.getlist("phi")
    try:
        fee = None
        if fees and decision == services.Decision.ACCEPT:
            # The amounts are the catalogue's: the total shown on the form is never read.
            fee = services.fee_for_intake(
                version,
                "direct",
                post.getlist("phi"),
                method=post.get("hinh_thuc_nop_phi", ""),
                receipt_number=post.get("so_bien_lai", ""),
            )
        dossier = services.intake(
            actor=request.user,  # type: ignore[arg-type]
            version=version,
            receiving_agency=agency,
            applicant=applicant,
            items=items,
            decision=decision,
            reason=post.get("ly_do", ""),
            return_method=return_method
            if return_method in ReturnMethod.values
            else ReturnMethod.COUNTER,
            fee=fee,
            ticket=ticket,
        )
    except MotcuaError as exc:
        context["error"] = str(exc)
        return render(request, "workspace/intake_form.html", context, status=400)
    if decision == services.Decision.ACCEPT:
        messages.success(request, _("Đã tiếp nhận hồ sơ %(code)s.") % {"code": dossier.code})
        return redirect("workspace:receipt", code=dossier.code)
    label = "yêu cầu bổ sung" if decision == services.Decision.SUPPLEMENT else "từ chối tiếp nhận"
    messages.success(request, f"Đã {label} hồ sơ {dossier.code}; in phiếu cho người nộp.")
    return redirect(reverse("workspace:dossier", kwargs={"code": dossier.code}))


# --- the register ----------------------------------------------------------------------------


@officer_view
def register(request: HttpRequest, ctx: selectors.OfficerContext) -> HttpResponse:
    """Sổ theo dõi hồ sơ of the officer's one-stop unit for a period, as PDF (A4) or XLSX."""
    from motcua.workspace import register as reg

    agencies = [
        a
        for a in Agency.objects.filter(pk__in=ctx.agency_ids).order_by("name")
        if {Role.RECEPTION_OFFICER, Role.CENTER_DIRECTOR} & ctx.roles_by_agency.get(a.pk, set())
    ]
    if not agencies:
        raise Http404("Không tìm thấy trang.")
    today = timezone.localdate()
    context: dict[str, Any] = {
        **_nav(ctx),
        "agencies": agencies,
        "start": today.replace(day=1).isoformat(),
        "end": today.isoformat(),
    }
    if "tu" not in request.GET:
        return render(request, "workspace/register.html", context)
    errors = []
    try:
        start = dt.date.fromisoformat(request.GET.get("tu", ""))
        end = dt.date.fromisoformat(request.GET.get("den", ""))
    except ValueError:
        errors.append("Ngày không hợp lệ; chọn ngày theo dạng ngày/tháng/năm.")
        start = end = today
    if not errors and end < start:
        errors.append("Ngày kết thúc phải sau ngày bắt đầu.")
    if not errors and (end - start).days > 366:
        errors.append("Khoảng thời gian tối đa là một năm.")
    agency = next((a for a in agencies if str(a.pk) == request.GET.get("co_quan")), agencies[0])
    if errors:
        context.update(
            {
                "error": " ".join(errors),
                "start": request.GET.get("tu", ""),
                "end": request.GET.get("den", ""),
            }
        )
        return render(request, "workspace/register.html", context, status=400)
    data = reg.register_rows(agency, start, end)
    name = f"so-theo-doi-{agency.code}-{start:%Y%m%d}-{end:%Y%m%d}"
    if request.GET.get("dinh_dang") == "xlsx":
        response = HttpResponse(
            reg.register_xlsx(data),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(reg.register_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


# --- the Center director ----------------------------------------------------------------------


@officer_view
def floor(request: HttpRequest, ctx: selectors.OfficerContext) -> HttpResponse:
    if not ({Role.CENTER_DIRECTOR, Role.RECEPTION_OFFICER} & ctx.roles):
        raise Http404("Không tìm thấy trang.")
    return render(
        request, "workspace/floor.html", {**_nav(ctx), "floor": selectors.floor_today(ctx)}
    )


# --- consulted and partner agencies -------------------------------------------------------------


@officer_view
def partner_worklist(request: HttpRequest, ctx: selectors.OfficerContext) -> HttpResponse:
    """Xin ý kiến / phối hợp: consultations addressed to the officer's agencies and parts of
    inter-agency dossiers handed to them (scoped by ``dossiers.access``)."""
    work = selectors.partner_work(request.user, ctx)
    now = timezone.now()
    return render(
        request,
        "workspace/partner_worklist.html",
        {
            **_nav(ctx),
            "consultations": [(c, _clock(c.due_at, now, True)) for c in work.consultations],
            "tasks": [(t, _clock(t.due_at, now, True)) for t in work.tasks],
            "answered": work.answered,
        },
    )


@require_http_methods(["GET", "POST"])
@officer_view
def consultation(request: HttpRequest, ctx: selectors.OfficerContext, pk: int) -> HttpResponse:
    """One consultation as the consulted agency sees it; POST answers it (opinion + file)."""
    row = selectors.consultation_for(request.user, ctx, pk)
    error = ""
    status = 200
    if request.method == "POST":
        user = request.user
        if not isinstance(user, User):
            raise DossierNotFound()
        try:
            version = _int(request.POST.get("version"))
            if version is None:
                raise ValidationFailed("Biểu mẫu thiếu phiên bản hồ sơ; hãy tải lại trang.")
            services.consultation_answer(
                actor=user,
                consultation=row,
                answer=request.POST.get("y_kien", ""),
                upload=request.FILES.get("van_ban"),
                expected_version=version,
            )
        except DossierNotFound:
            raise
        except MotcuaError as exc:
            error = str(exc)
            status = 409 if isinstance(exc, DossierConflict) else 400
            row = selectors.consultation_for(request.user, ctx, pk)
        else:
            messages.success(request, _("Đã gửi ý kiến trả lời."))
            return redirect("workspace:consultation", pk=pk)
    return render(
        request,
        "workspace/consultation.html",
        {
            **_nav(ctx),
            "c": row,
            "d": row.dossier,
            "clock": _clock(row.due_at, timezone.now(), row.answered_at is None),
            "error": error,
            "answer": request.POST.get("y_kien", "") if error else "",
        },
        status=status,
    )


@officer_view
def consultation_file(
    request: HttpRequest, ctx: selectors.OfficerContext, pk: int
) -> HttpResponseBase:
    """The written opinion attached to an answer, for the consulted agency and the agency that
    asked."""
    row = selectors.consultation_readable(request.user, ctx, pk)
    if not row.answer_file:
        raise Http404("Không có văn bản trả lời.")
    return FileResponse(row.answer_file.open("rb"), content_type=row.answer_content_type or None)


@require_POST
@officer_view
def partner_task(request: HttpRequest, ctx: selectors.OfficerContext, pk: int) -> HttpResponse:
    """The partner agency reports its part of an inter-agency dossier done."""
    row = selectors.partner_task_for(request.user, ctx, pk)
    user = request.user
    if not isinstance(user, User):
        raise DossierNotFound()
    engine.partner_task_complete(actor=user, task=row, note=request.POST.get("ket_qua", ""))
    messages.success(request, _("Đã báo hoàn thành phần việc phối hợp."))
    return redirect("workspace:partner_worklist")
