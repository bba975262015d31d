"""The citizen area (``/cong-dan/``): account, profile and personal data, online submission,
my dossiers. Every dossier action calls ``motcua.dossiers.services`` (through
``portal.services``); a dossier of someone else is 404, exactly like a missing one."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, authenticate, login
from django.db.models import Q
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.accounts.models import User, UserKind
from motcua.agencies.models import Agency
from motcua.audit.models import AuditEntry
from motcua.catalogue.models import Channel, Procedure, RequiredDocument
from motcua.catalogue.selectors import procedure_version_for
from motcua.common.errors import MotcuaError, NotFound, ValidationFailed
from motcua.dossiers import services as engine
from motcua.dossiers.access import access_dossier_for_citizen, dossiers_visible_to
from motcua.dossiers.errors import DossierNotFound
from motcua.dossiers.models import Applicant, Dossier, DossierDocument
from motcua.dossiers.selectors import dossier_detail
from motcua.dossiers.workflow import BEFORE_DECISION, DossierStatus
from motcua.integrations.models import ResultStoreRefusal
from motcua.integrations.services import (
    result_store_refusal_open,
    result_store_refusal_record,
)
from motcua.portal import forms as f
from motcua.portal import payments, services
from motcua.portal.files import ACCEPT_ATTR, check_upload
from motcua.portal.models import (
    Draft,
    Payment,
    PaymentStatus,
    ProcedureForm,
    StoredDocument,
)
from motcua.portal.ratelimit import client_ip, hit
from motcua.portal.schema import form_fields, to_json
from motcua.portal.text import mask_id
from motcua.portal.timeline import NEXT_STEP, timeline
from motcua.ratings.models import Rating, Source
from motcua.ratings.scale import scale
from motcua.ratings.services import rating_record

S = DossierStatus
STEPS = [
    ("nguoi-nop", gettext_noop("Người nộp")),
    ("thong-tin", gettext_noop("Thông tin hồ sơ")),
    ("giay-to", gettext_noop("Giấy tờ")),
    ("xem-lai", gettext_noop("Xem lại và nộp")),
]


def citizen_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?{REDIRECT_FIELD_NAME}={request.path}")
        if str(getattr(user, "kind", "")) not in (UserKind.CITIZEN, UserKind.ORGANISATION):
            return render(request, "portal/officer_here.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _data(request: HttpRequest) -> Any:
    """The POST data of a submitted form (even empty), else None (an unbound form)."""
    return request.POST if request.method == "POST" else None


def _limited(request: HttpRequest, scope: str) -> bool:
    return not hit(
        scope, client_ip(request), limit=settings.MOTCUA_PORTAL_LOGIN_PER_MINUTE, window=60
    )


def _too_many(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context["rate_error"] = _("Bạn đã thử quá nhiều lần. Vui lòng đợi một phút rồi thử lại.")
    return render(request, template, context, status=429)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- account --------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """``/cong-dan/dang-nhap/``: e-mail or phone + password (django-axes locks the account after
    repeated failures; the IP address is rate-limited too)."""
    form = f.LoginForm(_data(request))
    context: dict[str, Any] = {
        "form": form,
        "next": _safe_next(request, ""),
        "oidc": bool(settings.MOTCUA_OIDC_ISSUER),
    }
    if request.method == "POST":
        if _limited(request, "login"):
            return _too_many(request, "portal/login.html", context)
        if form.is_valid():
            user = services.citizen_by_identifier(form.cleaned_data["identifier"])
            username = user.username if user else form.cleaned_data["identifier"].strip().lower()
            authed = authenticate(
                request, username=username, password=form.cleaned_data["password"]
            )
            if getattr(request, "axes_locked_out", False):
                from motcua.accounts.lockout import lockout_response

                return lockout_response(request, None, None)
            if authed is None or getattr(authed, "kind", "") == UserKind.OFFICER:
                form.add_error(
                    None,
                    _(
                        "Thư điện tử / số điện thoại hoặc mật khẩu không đúng. Sau 5 lần sai "
                        "liên tiếp, tài khoản sẽ bị tạm khóa."
                    ),
                )
            else:
                login(request, authed)
                return HttpResponseRedirect(_safe_next(request, reverse("portal:home")))
    return render(request, "portal/login.html", context)


@sensitive_post_parameters("password", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    form = f.RegisterForm(_data(request))
    if request.method == "POST":
        if _limited(request, "register"):
            return _too_many(request, "portal/register.html", {"form": form})
        if form.is_valid():
            try:
                user = services.citizen_register(
                    identifier=form.cleaned_data["identifier"],
                    password=form.cleaned_data["password"],
                    full_name=form.cleaned_data["full_name"],
                )
            except ValidationFailed as exc:
                form.add_error(None, str(exc))
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request, _("Đã tạo tài khoản. Hãy nhập mã xác minh vừa gửi cho bạn.")
                )
                return redirect("portal:verify")
    return render(request, "portal/register.html", {"form": form})


@sensitive_post_parameters("password", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def register_organisation_view(request: HttpRequest) -> HttpResponse:
    """``/cong-dan/dang-ky/to-chuc/``: an organisation account (name, enterprise / tax code,
    head office, legal representative) with e-mail or phone + password, verified by code."""
    form = f.OrganisationRegisterForm(_data(request))
    template = "portal/register_organisation.html"
    if request.method == "POST":
        if _limited(request, "register"):
            return _too_many(request, template, {"form": form})
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.organisation_register(
                    identifier=data["identifier"],
                    password=data["password"],
                    enterprise_code=data["enterprise_code"],
                    name=data["name"],
                    address=data["address"],
                    representative=data["representative"],
                )
            except ValidationFailed as exc:
                form.add_error(None, str(exc))
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request, _("Đã tạo tài khoản. Hãy nhập mã xác minh vừa gửi cho bạn.")
                )
                return redirect("portal:verify")
    return render(request, template, {"form": form})


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = f.CodeForm(request.POST if "code" in request.POST else None)
    if request.method == "POST":
        if _limited(request, "code"):
            return _too_many(request, "portal/verify.html", {"form": form})
        if "resend" in request.POST:
            services.code_send(user, "verify")
            messages.success(request, _("Đã gửi mã mới."))
            return redirect("portal:verify")
        if form.is_valid():
            if services.citizen_verify(user, form.cleaned_data["code"]):
                messages.success(request, _("Tài khoản đã được xác minh."))
                return redirect("portal:home")
            form.add_error(
                "code", _("Mã không đúng hoặc đã hết hạn. Bấm “Gửi lại mã” để nhận mã mới.")
            )
    return render(
        request, "portal/verify.html", {"form": form, "profile": services.profile_of(user)}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def reset_start_view(request: HttpRequest) -> HttpResponse:
    form = f.ResetStartForm(_data(request))
    if request.method == "POST":
        if _limited(request, "reset"):
            return _too_many(request, "portal/reset_start.html", {"form": form})
        if form.is_valid():
            services.password_reset_start(form.cleaned_data["identifier"])
            messages.success(
                request,
                _(
                    "Nếu tài khoản tồn tại, mã đặt lại mật khẩu đã được gửi đến thư điện tử hoặc "
                    "số điện thoại của tài khoản."
                ),
            )
            return redirect("portal:reset_finish")
    return render(request, "portal/reset_start.html", {"form": form})


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def reset_finish_view(request: HttpRequest) -> HttpResponse:
    form = f.ResetFinishForm(_data(request))
    if request.method == "POST":
        if _limited(request, "reset"):
            return _too_many(request, "portal/reset_finish.html", {"form": form})
        if form.is_valid():
            try:
                services.password_reset_finish(**form.cleaned_data)
            except ValidationFailed as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Đã đặt mật khẩu mới. Mời bạn đăng nhập."))
                return redirect("portal:login")
    return render(request, "portal/reset_finish.html", {"form": form})


@citizen_required
def home_view(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    return render(
        request,
        "portal/home.html",
        {
            "profile": services.profile_of(user),
            "drafts": Draft.objects.filter(user=user, status="open").select_related("procedure"),
            "dossiers": dossiers_visible_to(user)
            .select_related("procedure_version")
            .order_by("-submitted_at")[:5],
        },
    )


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest) -> HttpResponse:
    """``/cong-dan/thong-tin/``: the profile that prefills forms; the citizen corrects it."""
    user = cast(User, request.user)
    profile = services.profile_of(user)
    org = services.organisation_of(user)
    context: dict[str, Any] = {"profile": profile}
    form: Any
    if org is not None:
        form = f.OrganisationFields(
            _data(request),
            initial={
                "name": org.name,
                "address": org.address,
                "representative": org.representative,
            },
        )
        update: Any = services.organisation_update
        context["organisation"] = org
    else:
        initial = {
            "full_name": user.full_name,
            "personal_id": user.personal_id,
            "phone": user.phone,
            "email": user.email,
            "date_of_birth": profile.date_of_birth,
            "address": profile.address,
        }
        form = f.ProfileForm(_data(request), initial=initial)
        update = services.profile_update
    if request.method == "POST" and form.is_valid():
        try:
            changed = update(user, form.cleaned_data)
        except ValidationFailed as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Đã lưu thông tin.") if changed else _("Không có gì thay đổi.")
            )
            return redirect("portal:profile")
    return render(request, "portal/profile.html", {**context, "form": form})


@citizen_required
def my_data_view(request: HttpRequest) -> HttpResponse:
    """``/cong-dan/du-lieu-cua-toi/``: what the system holds about me, and who in the
    administration viewed my dossiers and when (from the audit log; NĐ 13/2023 Điều 9 — the
    data subject's right to know)."""
    user = cast(User, request.user)
    applicants = list(Applicant.objects.filter(user=user))
    dossiers = list(dossiers_visible_to(user).select_related("procedure_version"))
    by_uuid = {str(d.uuid): d for d in dossiers}
    views = list(
        AuditEntry.objects.filter(object_type="dossier", object_id__in=list(by_uuid), action="read")
        .exclude(actor_id=user.pk)
        .order_by("-at")[:200]
    )
    agencies = {
        a.pk: a.name
        for a in Agency.objects.filter(pk__in={v.agency_id for v in views if v.agency_id})
    }
    return render(
        request,
        "portal/my_data.html",
        {
            "profile": services.profile_of(user),
            "applicants": applicants,
            "organisation": services.organisation_of(user),
            "dossiers": dossiers,
            "views": [
                {
                    "at": v.at,
                    "who": v.actor_repr or _("Hệ thống"),
                    "agency": agencies.get(v.agency_id or 0, ""),
                    "dossier": by_uuid[v.object_id].code,
                    "purpose": v.data.get("purpose", ""),
                    "fields": ", ".join(v.data.get("fields", [])),
                }
                for v in views
            ],
            "documents": StoredDocument.objects.filter(user=user).order_by("-created_at"),
            "masked_id": mask_id(user.personal_id),
        },
    )


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def store_view(request: HttpRequest) -> HttpResponse:
    """``/cong-dan/kho-du-lieu/``: the personal data store."""
    user = cast(User, request.user)
    error = ""
    if request.method == "POST":
        if "delete" in request.POST:
            try:
                services.store_delete(user, int(request.POST["delete"]))
            except (NotFound, ValueError):
                raise Http404 from None
            messages.success(request, _("Đã xóa giấy tờ khỏi kho."))
            return redirect("portal:store")
        upload = request.FILES.get("tep")
        if upload is None:
            error = _("Chọn tệp để tải lên.")
        else:
            try:
                checked = check_upload(upload)
                services.store_add(user, checked, name=request.POST.get("ten", "")[:300])
            except ValidationFailed as exc:
                error = str(exc)
            else:
                messages.success(request, _("Đã lưu giấy tờ vào kho."))
                return redirect("portal:store")
    return render(
        request,
        "portal/store.html",
        {
            "documents": StoredDocument.objects.filter(user=user).order_by("-created_at"),
            "error": error,
            "accept": ACCEPT_ATTR,
        },
        status=400 if error else 200,
    )


def _file_response(field: Any, filename: str, content_type: str) -> FileResponse:
    field.open("rb")
    response = FileResponse(field, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@citizen_required
@require_GET
def store_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    doc = StoredDocument.objects.filter(user=cast(User, request.user), pk=pk).first()
    if doc is None:
        raise Http404("Không tìm thấy giấy tờ.")
    return _file_response(doc.file, doc.filename, doc.content_type)


# --- online submission ----------------------------------------------------------------------


@citizen_required
@require_http_methods(["GET", "POST"])
def submit_start(request: HttpRequest, code: str) -> HttpResponse:
    procedure = Procedure.objects.filter(code=code).first()
    if procedure is None:
        raise Http404("Không có thủ tục này.")
    try:
        draft = services.draft_open(cast(User, request.user), procedure)
    except ValidationFailed as exc:
        messages.error(request, str(exc))
        return redirect("portal:procedure", code)
    return redirect("portal:draft_step", draft.uuid, draft.step)


def _schema_of(procedure: Procedure) -> dict[str, Any]:
    row = ProcedureForm.objects.filter(procedure=procedure).first()
    return row.schema if row else {}


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def draft_step(request: HttpRequest, uuid: str, step: str) -> HttpResponse:
    """One step of the submission form; every POST saves the draft on the server."""
    user = cast(User, request.user)
    try:
        draft = services.draft_for(user, uuid)
    except NotFound:
        raise Http404 from None
    names = [s for s, _ in STEPS]
    if step not in names:
        raise Http404
    version = procedure_version_for(draft.procedure)
    if version is None:
        raise Http404
    schema = _schema_of(draft.procedure)
    index = names.index(step)
    context: dict[str, Any] = {
        "draft": draft,
        "version": version,
        "steps": [(s, _(label)) for s, label in STEPS],
        "step": step,
        "step_label": _(STEPS[index][1]),
    }
    nxt = names[index + 1] if index + 1 < len(names) else step
    if step == "thong-tin" and not schema.get("properties"):
        return redirect(
            "portal:draft_step",
            draft.uuid,
            nxt if request.method == "POST" or request.GET.get("lui") is None else names[index - 1],
        )

    organisation = services.organisation_of(user)
    context["organisation"] = organisation
    if step == "nguoi-nop" and organisation is not None:
        saved = draft.data.get("applicant", {})
        form: Any = f.OrganisationApplicantForm(
            _data(request), initial={**saved, "name": saved.get("organisation_name", "")}
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            applicant = {
                "kind": "organisation",
                "organisation_name": data["name"],
                "enterprise_code": organisation.enterprise_code,
                "full_name": data["full_name"],
                "phone": data["phone"],
                "email": data["email"],
                "address": data["address"],
            }
            services.draft_save(draft, step=nxt, applicant=applicant)
            return redirect("portal:draft_step", draft.uuid, nxt)
        context["form"] = form
    elif step == "nguoi-nop":
        form = f.ApplicantForm(_data(request), initial=draft.data.get("applicant", {}))
        if request.method == "POST" and form.is_valid():
            services.draft_save(draft, step=nxt, applicant=to_json(form.cleaned_data))
            return redirect("portal:draft_step", draft.uuid, nxt)
        context["form"] = form
    elif step == "thong-tin":
        form = f.SchemaForm(
            form_fields(schema), _data(request), initial=draft.data.get("fields", {})
        )
        if request.method == "POST" and form.is_valid():
            services.draft_save(draft, step=nxt, fields=to_json(form.cleaned_data), schema=schema)
            return redirect("portal:draft_step", draft.uuid, nxt)
        context["form"] = form
    elif step == "giay-to":
        errors: list[str] = []
        if request.method == "POST":
            for doc in version.documents.all():
                reuse = request.POST.get(f"dung-lai-{doc.pk}")
                upload = request.FILES.get(f"tep-{doc.pk}")
                try:
                    if upload is not None:
                        services.draft_attach(draft, required=doc, checked=check_upload(upload))
                    elif reuse:
                        stored = StoredDocument.objects.filter(user=user, pk=reuse).first()
                        if stored is None:
                            raise ValidationFailed(_("Giấy tờ chọn từ kho không còn."))
                        services.draft_attach(draft, required=doc, stored=stored)
                except (ValidationFailed, ValueError) as exc:
                    errors.append(f"{doc.name[:80]}: {exc}")
            services.draft_save(draft, step=step if errors else nxt)
            if not errors and "tiep" in request.POST:
                return redirect("portal:draft_step", draft.uuid, nxt)
        attached = {d.required_document_id: d for d in draft.files.select_related("stored")}
        context.update(
            errors=errors,
            accept=ACCEPT_ATTR,
            max_mb=settings.MOTCUA_PORTAL_UPLOAD_MAX_MB,
            rows=[(d, attached.get(d.pk)) for d in version.documents.all()],
            store=StoredDocument.objects.filter(user=user).order_by("name"),
        )
        if errors:
            return render(request, "portal/draft.html", context, status=400)
    else:  # xem-lai
        agencies = list(version.receiving_agencies.order_by("name"))
        form = f.SubmitForm(_data(request))
        form.fields["receiving_agency"].choices = [(a.pk, a.name) for a in agencies]
        fees = [x for x in version.fees.all() if x.channel == Channel.ONLINE]
        paid = Payment.objects.filter(draft=draft, status=PaymentStatus.PAID).first()
        if request.method == "POST" and form.is_valid():
            agency = next(a for a in agencies if str(a.pk) == form.cleaned_data["receiving_agency"])
            try:
                dossier = services.draft_submit(
                    draft,
                    receiving_agency=agency,
                    return_method=form.cleaned_data["return_method"],
                )
            except MotcuaError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Đã nộp hồ sơ. Mã hồ sơ của bạn là %(code)s.") % {"code": dossier.code},
                )
                return redirect("portal:dossier", dossier.code)
        context.update(
            form=form,
            fees=fees,
            fee_total=fees[0].amount if fees else 0,
            paid=paid,
            schema=schema,
            files=draft.files.select_related("required_document", "stored"),
            profile=services.profile_of(user),
            field_rows=[
                (str(schema.get("properties", {}).get(k, {}).get("title") or k), v)
                for k, v in draft.data.get("fields", {}).items()
            ],
        )
    return render(request, "portal/draft.html", context)


@citizen_required
@require_POST
def draft_pay(request: HttpRequest, uuid: str) -> HttpResponse:
    user = cast(User, request.user)
    try:
        draft = services.draft_for(user, uuid)
    except NotFound:
        raise Http404 from None
    version = procedure_version_for(draft.procedure)
    fees = [x for x in version.fees.all() if x.channel == Channel.ONLINE] if version else []
    try:
        payment = payments.payment_start(user, amount=fees[0].amount if fees else 0, draft=draft)
    except ValidationFailed as exc:
        messages.error(request, str(exc))
        return redirect("portal:draft_step", draft.uuid, "xem-lai")
    return redirect(payments.gateway().start_url(payment))


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def test_gateway(request: HttpRequest, ref: str) -> HttpResponse:
    """The built-in test gateway's "bank page" (only when it is the configured gateway)."""
    if settings.MOTCUA_PAYMENT_GATEWAY != "motcua.portal.payments.TestGateway":
        raise Http404
    payment = Payment.objects.filter(reference=ref, user=cast(User, request.user)).first()
    if payment is None:
        raise Http404
    if request.method == "POST":
        outcome = "paid" if "pay" in request.POST else "cancelled"
        payment = payments.payment_complete(payments.TestGateway.signed_return(ref, outcome))
        if payment.status == PaymentStatus.PAID:
            messages.success(
                request,
                _("Đã thanh toán %(amount)s đồng (mã %(ref)s).")
                % {"amount": payment.amount, "ref": payment.reference},
            )
        else:
            messages.warning(request, _("Thanh toán chưa thực hiện."))
        if payment.dossier is not None:
            return redirect("portal:dossier", payment.dossier.code)
        if payment.draft is None:
            return redirect("portal:home")
        return redirect("portal:draft_step", payment.draft.uuid, "xem-lai")
    return render(request, "portal/test_gateway.html", {"payment": payment})


# --- my dossiers ----------------------------------------------------------------------------


@citizen_required
def dossiers_view(request: HttpRequest) -> HttpResponse:
    qs = (
        dossiers_visible_to(request.user)
        .select_related("procedure_version", "receiving_agency", "applicant")
        .order_by("-submitted_at", "-id")
    )
    return render(request, "portal/dossiers.html", {"dossiers": qs[:200]})


def _own(request: HttpRequest, code: str) -> Dossier:
    try:
        return access_dossier_for_citizen(request.user, code)
    except DossierNotFound:
        raise Http404("Không tìm thấy hồ sơ.") from None


@never_cache
@citizen_required
def dossier_view(request: HttpRequest, code: str) -> HttpResponse:
    user = cast(User, request.user)
    try:
        dossier = dossier_detail(user, code, purpose="công dân xem hồ sơ của mình")
    except DossierNotFound:
        raise Http404("Không tìm thấy hồ sơ.") from None
    result = services.signed_result(dossier)
    if result is not None:
        services.result_to_store(user, dossier, result)
    rated = Rating.objects.filter(dossier=dossier, source=Source.PORTAL, rater=user).exists()
    store_refusal = ResultStoreRefusal.objects.filter(dossier=dossier).first()
    supplement = dossier.status in (S.SUPPLEMENT_REQUESTED_AT_RECEPTION, S.SUPPLEMENT_REQUESTED)
    return render(
        request,
        "portal/dossier.html",
        {
            "dossier": dossier,
            "steps": timeline(dossier, list(dossier.events.all())),
            "next_step": _("Đã trả kết quả.") if rated else NEXT_STEP.get(dossier.status, ""),
            "documents": list(dossier.documents.all()),
            "result": result,
            "can_withdraw": dossier.status in BEFORE_DECISION,
            # Until the result is returned the applicant may keep it out of their data store
            # on the Cổng DVCQG (QĐ 766 4.4; integrations.result_store_refusal_record).
            "can_refuse_store": store_refusal is None and result_store_refusal_open(dossier),
            "store_refusal": store_refusal,
            "supplement": supplement,
            "supplement_note": next(
                (
                    e.note
                    for e in reversed(list(dossier.events.all()))
                    if e.action in ("request_supplement", "request_supplement_after_appraisal")
                ),
                "",
            ),
            "pay": dossier.status == S.AWAITING_PAYMENT,
            "payment": payments.payment_state(dossier),
            "can_rate": dossier.status == S.RETURNED and not rated,
            "rated": rated,
            "accept": ACCEPT_ATTR,
            "masked_id": mask_id(dossier.applicant.personal_id),
        },
    )


@citizen_required
@require_POST
def dossier_supplement(request: HttpRequest, code: str) -> HttpResponse:
    user = cast(User, request.user)
    dossier = _own(request, code)
    try:
        checked = [check_upload(u) for u in request.FILES.getlist("tep")[:20]]
        services.answer_supplement(user, str(dossier.code), checked)
    except MotcuaError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã gửi hồ sơ bổ sung."))
    return redirect("portal:dossier", dossier.code)


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def dossier_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _own(request, code)
    if request.method == "POST":
        try:
            engine.dossier_withdraw(
                actor=cast(User, request.user),
                dossier=dossier.pk,
                reason=request.POST.get("ly-do", "")[:500],
                expected_version=dossier.version,
            )
        except MotcuaError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Đã gửi yêu cầu rút hồ sơ; hồ sơ dừng xử lý."))
        return redirect("portal:dossier", dossier.code)
    return render(request, "portal/withdraw.html", {"dossier": dossier})


@citizen_required
@require_http_methods(["GET", "POST"])
def dossier_store_refusal(request: HttpRequest, code: str) -> HttpResponse:
    """The applicant does not want the e-result of their dossier kept in their personal data
    store on the Cổng DVCQG (NĐ 45/2020 Điều 16: the store is theirs; QĐ 766 4.4): recorded by
    ``integrations.result_store_refusal_record`` (audited), so the return is not pushed. A
    confirmation page, then the record; only before the result is returned."""
    dossier = _own(request, code)
    if request.method == "POST":
        try:
            result_store_refusal_record(
                actor=cast(User, request.user),
                dossier=dossier.code,
                note=request.POST.get("ghi-chu", "")[:500],
            )
        except MotcuaError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _(
                    "Đã ghi nhận: kết quả điện tử của hồ sơ này sẽ không được lưu vào Kho dữ liệu "
                    "của bạn trên Cổng Dịch vụ công quốc gia."
                ),
            )
        return redirect("portal:dossier", dossier.code)
    return render(request, "portal/store_refusal.html", {"dossier": dossier})


@citizen_required
@require_POST
def dossier_pay(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _own(request, code)
    if dossier.status != S.AWAITING_PAYMENT or not dossier.fee_amount:
        messages.error(request, _("Hồ sơ không ở trạng thái chờ nộp phí."))
        return redirect("portal:dossier", dossier.code)
    payment = payments.payment_start(
        cast(User, request.user), amount=dossier.fee_amount, dossier=dossier
    )
    return redirect(payments.gateway().start_url(payment))


@citizen_required
@require_GET
def dossier_result(request: HttpRequest, code: str) -> HttpResponseBase:
    dossier = _own(request, code)
    result = services.signed_result(dossier)
    if result is None:
        raise Http404("Chưa có kết quả điện tử.")
    services.result_to_store(cast(User, request.user), dossier, result)
    return _file_response(result.signed_file, f"ket-qua-{dossier.code}.pdf", "application/pdf")


@citizen_required
@require_GET
def dossier_file(request: HttpRequest, code: str, pk: int) -> HttpResponseBase:
    dossier = _own(request, code)
    doc = (
        DossierDocument.objects.filter(dossier=dossier, pk=pk)
        .exclude(Q(file="") | Q(file__isnull=True))
        .first()
    )
    if doc is None:
        raise Http404
    name = f"{dossier.code}-{doc.pk}.{doc.file.name.rsplit('.', 1)[-1][:5]}"
    return _file_response(doc.file, name, doc.content_type or "application/octet-stream")


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def dossier_rate(request: HttpRequest, code: str) -> HttpResponse:
    """Satisfaction rating after the result is returned (NĐ 118/2025 Điều 31, 33), once per
    dossier, through the shared store (``rating_record``, source PORTAL)."""
    user = cast(User, request.user)
    dossier = _own(request, code)
    if dossier.status != S.RETURNED:
        messages.error(request, _("Chỉ đánh giá được sau khi đã trả kết quả."))
        return redirect("portal:dossier", dossier.code)
    choices = [(lv.value, lv.label) for lv in scale()]
    form = f.RatingForm(choices, _data(request))
    if request.method == "POST" and form.is_valid():
        criteria = {
            ("đ" if k == "c_dd" else k[2:]): v
            for k, v in form.cleaned_data.items()
            if k.startswith("c_") and v is not None
        }
        try:
            rating_record(
                level=form.cleaned_data["level"],
                source=Source.PORTAL,
                dossier=dossier,
                officer=dossier.assigned_to,
                rater=user,
                criteria=criteria,
                comment=form.cleaned_data["comment"],
            )
        except ValidationFailed as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Cảm ơn bạn đã đánh giá."))
            return redirect("portal:dossier", dossier.code)
    return render(request, "portal/rate.html", {"dossier": dossier, "form": form})


@require_GET
def form_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A downloadable form (mẫu đơn, tờ khai) of a published procedure — public."""
    doc = RequiredDocument.objects.filter(pk=pk, version__status__in=["published"]).first()
    if doc is None or not doc.form:
        raise Http404
    name = doc.form.name.rsplit("/", 1)[-1]
    return _file_response(doc.form, name, "application/octet-stream")
