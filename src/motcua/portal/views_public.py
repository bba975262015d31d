"""Public pages (no sign-in): the catalogue (*hướng dẫn*) and dossier tracking (*tra cứu*)."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from motcua.catalogue.models import Channel
from motcua.common.errors import NotFound
from motcua.portal import selectors
from motcua.portal.ratelimit import client_ip, hit
from motcua.portal.text import mask_id, mask_name
from motcua.portal.timeline import NEXT_STEP, moment_text, timeline


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_http_methods(["GET"])
def catalogue(request: HttpRequest) -> HttpResponse:
    """``/thu-tuc/``: browse by field, agency and level; search without diacritics."""
    q = request.GET.get("q", "")[:200]
    field = _int(request.GET.get("linh-vuc"))
    agency = _int(request.GET.get("co-quan"))
    level = request.GET.get("cap", "")
    qs = selectors.catalogue_search(q=q, field=field, agency=agency, level=level)
    page = Paginator(qs, 20).get_page(request.GET.get("trang"))
    params = request.GET.copy()
    params.pop("trang", None)
    return render(
        request,
        "portal/catalogue.html",
        {
            "page": page,
            "q": q,
            "field": field,
            "agency": agency,
            "level": level,
            "querystring": params.urlencode(),
            **selectors.catalogue_facets(),
        },
    )


@require_http_methods(["GET"])
def procedure(request: HttpRequest, code: str) -> HttpResponse:
    """``/thu-tuc/<mã>/``: the full procedure page."""
    try:
        version = selectors.procedure_page(code)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    channels = {c.channel for c in version.channels.all()}
    return render(
        request,
        "portal/procedure.html",
        {
            "v": version,
            "online": Channel.ONLINE in channels and version.receiving_agencies.exists(),
            "channel_rows": [
                {
                    "label": _(Channel(c.channel).label),
                    "description": c.description,
                    "limits": [t for t in version.time_limits.all() if t.channel == c.channel],
                    "fees": [f for f in version.fees.all() if f.channel == c.channel],
                }
                for c in version.channels.all()
            ],
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def tracking(request: HttpRequest, code: str = "") -> HttpResponse:
    """``/tra-cuu/`` and ``/tra-cuu/<mã>/`` (the QR of the receipt): the dossier code plus the
    last 4 digits of the applicant's phone number or personal ID. Without the right second
    factor nothing is revealed, not even whether the code exists. Rate-limited per address and
    per code."""
    context: dict[str, object] = {"code": code, "factor": ""}
    status = 200
    if request.method == "POST":
        code = request.POST.get("ma", code).strip()[:40]
        factor = request.POST.get("xac-minh", "").strip()[:10]
        context.update(code=code)
        allowed = hit(
            "track-ip",
            client_ip(request),
            limit=settings.MOTCUA_TRACKING_PER_MINUTE,
            window=60,
        ) and hit("track-code", code, limit=settings.MOTCUA_TRACKING_PER_CODE_HOUR, window=3600)
        if not allowed:
            context["error"] = _(
                "Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau ít phút (với cùng một mã "
                "hồ sơ: sau một giờ)."
            )
            status = 429
        elif not code or len("".join(c for c in factor if c.isdigit())) != 4:
            context["error"] = _(
                "Nhập mã hồ sơ (in trên Giấy tiếp nhận) và 4 chữ số cuối của số điện thoại "
                "hoặc số định danh cá nhân của người nộp."
            )
            status = 400
        else:
            dossier = selectors.tracking_lookup(code, factor)
            if dossier is None:
                context["error"] = _(
                    "Không tìm thấy hồ sơ khớp với mã và thông tin xác minh. Kiểm tra lại mã "
                    "hồ sơ và 4 chữ số cuối."
                )
                status = 404
            else:
                applicant = dossier.applicant
                context.update(
                    dossier=dossier,
                    # The status label belongs to the dossiers app: its English is in the
                    # portal's catalogue (docs/portal.md "English").
                    status=_(dossier.get_status_display()),
                    submitted=moment_text(dossier.submitted_at),
                    due=moment_text(dossier.due_at),
                    applicant_name=mask_name(applicant.display_name),
                    applicant_id=mask_id(applicant.personal_id or applicant.enterprise_code),
                    steps=timeline(dossier, selectors.tracking_events(dossier), notes=False),
                    next_step=NEXT_STEP.get(dossier.status, ""),
                )
    return render(request, "portal/tracking.html", context, status=status)
