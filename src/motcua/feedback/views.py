"""Feedback pages: the portal (submit, my feedback, published answers, like/dislike, re-raise)
and the officer workspace (/can-bo/phan-anh/: worklist with due clocks, refuse / ask for more
information / answer / approve and publish). Each view validates the form, calls one service or
selector and renders; an item outside the user's scope is 404."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from motcua.catalogue.models import Procedure
from motcua.common.errors import MotcuaError, NotFound, PermissionDenied, ValidationFailed
from motcua.feedback import access, selectors, services
from motcua.feedback.forms import FeedbackForm, TextForm, TransferForm
from motcua.feedback.models import Status
from motcua.portal.ratelimit import client_ip, hit
from motcua.workspace.views import _nav, officer_view

# --- portal ---------------------------------------------------------------------------------


def _limited(request: HttpRequest) -> bool:
    return not hit(
        "feedback", client_ip(request), limit=settings.MOTCUA_PORTAL_LOGIN_PER_MINUTE, window=60
    )


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """Send feedback: signed in as a citizen, or anonymously with a name and a telephone number
    or e-mail address (ND 118/2025 Đ8.1đ; rules.md §1.13)."""
    citizen = request.user if access.is_citizen(request.user) else None
    form = FeedbackForm(
        request.POST if request.method == "POST" else None, anonymous=citizen is None
    )
    status = 200
    if request.method == "POST":
        if _limited(request):
            form.is_valid()
            form.add_error(None, _("Bạn đã gửi quá nhiều lần. Vui lòng đợi một phút rồi thử lại."))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            procedure = None
            if data["procedure_code"]:
                procedure = Procedure.objects.filter(code=data["procedure_code"].strip()).first()
                if procedure is None:
                    form.add_error("procedure_code", _("Không tìm thấy thủ tục có mã này."))
            if not form.errors:
                try:
                    item = services.feedback_submit(
                        agency=data["agency"],
                        kind=data["kind"],
                        title=data["title"],
                        content=data["content"],
                        citizen=citizen,
                        contact_name=data.get("contact_name", ""),
                        contact_phone=data.get("contact_phone", ""),
                        contact_email=data.get("contact_email", ""),
                        dossier_code=data["dossier_code"],
                        procedure=procedure,
                    )
                except MotcuaError as exc:
                    form.add_error(None, str(exc))
                else:
                    return render(request, "feedback/sent.html", {"item": item})
        if form.errors and status == 200:
            status = 400
    return render(request, "feedback/submit.html", {"form": form}, status=status)


def public_list(request: HttpRequest) -> HttpResponse:
    """Published answers (newest first): title, agency, content and answer, no contact data."""
    page = Paginator(selectors.published_list(), 20).get_page(request.GET.get("trang"))
    return render(request, "feedback/public_list.html", {"page": page})


@never_cache
def detail(request: HttpRequest, uuid: str) -> HttpResponse:
    item = selectors.public_item(uuid, request.user)
    if item is None:
        raise Http404(_("Không tìm thấy phản ánh, kiến nghị."))
    mine = access.is_citizen(request.user) and item.citizen_id == request.user.pk
    vote = None
    if access.is_citizen(request.user) and item.published_at is not None:
        vote = (
            item.reactions.filter(citizen_id=request.user.pk).values_list("like", flat=True).first()
        )
    return render(
        request,
        "feedback/detail.html",
        {
            "item": item,
            "mine": mine,
            "vote": vote,
            "can_vote": access.is_citizen(request.user) and item.status == Status.PUBLISHED,
            "form": TextForm(),
        },
    )


@never_cache
def mine(request: HttpRequest) -> HttpResponse:
    if not access.is_citizen(request.user):
        return redirect(f"{reverse('portal:login')}?next={request.path}")
    return render(request, "feedback/mine.html", {"items": selectors.own_list(request.user)[:200]})


@require_POST
def citizen_act(request: HttpRequest, uuid: str, action: str) -> HttpResponse:
    """Like / dislike a published answer, re-raise it, or add information asked for."""
    if not access.is_citizen(request.user):
        return redirect(f"{reverse('portal:login')}?next={reverse('feedback:detail', args=[uuid])}")
    try:
        if action in ("thich", "khong-thich"):
            services.feedback_react(feedback_id=uuid, citizen=request.user, like=action == "thich")
            messages.success(request, _("Cảm ơn bạn đã cho ý kiến về nội dung trả lời."))
        elif action in ("phan-anh-lai", "bo-sung"):
            form = TextForm(request.POST)
            if not form.is_valid():
                raise ValidationFailed(_("Nhập nội dung."))
            if action == "phan-anh-lai":
                services.feedback_reraise(
                    feedback_id=uuid, citizen=request.user, reason=form.cleaned_data["text"]
                )
                messages.success(request, _("Đã ghi nhận phản ánh lại của bạn."))
            else:
                services.feedback_supplement(
                    feedback_id=uuid, citizen=request.user, text=form.cleaned_data["text"]
                )
                messages.success(request, _("Đã gửi thông tin bổ sung. Cơ quan tiếp tục xử lý."))
        else:
            raise Http404
    except NotFound:
        raise Http404(_("Không tìm thấy phản ánh, kiến nghị.")) from None
    except MotcuaError as exc:
        messages.error(request, str(exc))
    return redirect("feedback:detail", uuid)


# --- workspace ------------------------------------------------------------------------------


@officer_view
def worklist(request: HttpRequest, ctx: Any) -> HttpResponse:
    status = request.GET.get("trang-thai", "")
    page = Paginator(selectors.worklist(request.user, status), selectors.PAGE).get_page(
        request.GET.get("trang")
    )
    now = timezone.now()
    handled = access.handled_agency_ids(request.user)
    rows = [
        (
            item,
            selectors.clock(item, now),
            item.status == Status.RECEIVED and (handled is None or item.agency_id in handled),
        )
        for item in page
    ]
    statuses = [(s.value, s.label) for s in selectors.WORKLIST_STATUSES]
    return render(
        request,
        "feedback/ws_worklist.html",
        {**_nav(ctx), "page": page, "rows": rows, "status": status, "statuses": statuses},
    )


ACTIONS = {
    "tu-choi": "refuse",
    "yeu-cau-bo-sung": "supplement",
    "tra-loi": "answer",
    "duyet": "approve",
    "cong-khai": "publish",
}


@officer_view
@require_http_methods(["GET", "POST"])
def ws_detail(request: HttpRequest, ctx: Any, uuid: str) -> HttpResponse:
    item = selectors.officer_item(request.user, uuid)
    if item is None:
        raise Http404(_("Không tìm thấy phản ánh, kiến nghị."))
    return render(request, "feedback/ws_detail.html", _ws_context(request, ctx, item))


def _ws_context(request: HttpRequest, ctx: Any, item: Any, **extra: Any) -> dict[str, Any]:
    return {
        **_nav(ctx),
        "item": item,
        "clock": selectors.clock(item, timezone.now()),
        "may_handle": access.may_handle(request.user, item.agency),
        "may_approve": access.may_approve(request.user, item.agency),
        "form": TextForm(),
        **extra,
    }


@officer_view
@require_POST
def ws_act(request: HttpRequest, ctx: Any, uuid: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    item = selectors.officer_item(request.user, uuid)
    if item is None:
        raise Http404(_("Không tìm thấy phản ánh, kiến nghị."))
    kind = ACTIONS[action]
    form = TextForm(request.POST)
    try:
        if kind in ("approve", "publish"):
            fn = services.feedback_approve if kind == "approve" else services.feedback_publish
            fn(feedback_id=uuid, actor=request.user)
        elif not form.is_valid():
            raise ValidationFailed(_("Nhập nội dung."))
        elif kind == "refuse":
            services.feedback_refuse(
                feedback_id=uuid, actor=request.user, reason=form.cleaned_data["text"]
            )
        elif kind == "supplement":
            services.feedback_request_supplement(
                feedback_id=uuid, actor=request.user, note=form.cleaned_data["text"]
            )
        else:
            services.feedback_answer(
                feedback_id=uuid, actor=request.user, answer=form.cleaned_data["text"]
            )
    except NotFound:
        raise Http404(_("Không tìm thấy phản ánh, kiến nghị.")) from None
    except MotcuaError as exc:
        item.refresh_from_db()
        return render(
            request,
            "feedback/ws_detail.html",
            _ws_context(request, ctx, item, error=str(exc), failed=action),
            status=403 if exc.code == "forbidden" else 400,
        )
    messages.success(request, _("Đã lưu."))
    return redirect("feedback_ws:detail", uuid)


@officer_view
@require_http_methods(["GET", "POST"])
def ws_transfer(request: HttpRequest, ctx: Any, uuid: str) -> HttpResponse:
    """Transfer an item to the competent agency (``services.feedback_transfer``): a page of its
    own with the receiving agency and the reason, errors listed at the top. Outside the
    officer's scope: 404; visible but not the officer's to handle (the auditor): 403."""
    item = selectors.officer_item(request.user, uuid)
    if item is None:
        raise Http404(_("Không tìm thấy phản ánh, kiến nghị."))
    form = TransferForm(request.POST if request.method == "POST" else None, current=item.agency)
    status, blocked = 200, ""
    if not access.may_handle(request.user, item.agency):
        status, blocked = 403, _("Bạn không có quyền chuyển phản ánh, kiến nghị này.")
    elif item.status != Status.RECEIVED:
        status, blocked = 400, _("Chỉ chuyển được phản ánh, kiến nghị đang xử lý.")
    elif request.method == "POST":
        if form.is_valid():
            try:
                moved = services.feedback_transfer(
                    feedback_id=item.uuid,
                    actor=request.user,
                    to_agency=form.cleaned_data["agency"],
                    reason=form.cleaned_data["reason"],
                )
            except NotFound:
                raise Http404(_("Không tìm thấy phản ánh, kiến nghị.")) from None
            except PermissionDenied as exc:
                status, blocked = 403, str(exc)
            except MotcuaError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Đã chuyển phản ánh, kiến nghị %(code)s đến %(agency)s.")
                    % {"code": moved.code, "agency": moved.agency.name},
                )
                if selectors.officer_item(request.user, moved.uuid) is None:
                    return redirect("feedback_ws:worklist")
                return redirect("feedback_ws:detail", moved.uuid)
        if status == 200:
            status = 400
    return render(
        request,
        "feedback/ws_transfer.html",
        {**_nav(ctx), "item": item, "form": form, "blocked": blocked},
        status=status,
    )
