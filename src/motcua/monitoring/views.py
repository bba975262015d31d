"""Monitoring pages: the dashboard (/giam-sat/), the drill-down list, the periodic report with
its exports, and the public page (/cong-khai/). Views only read; exports are audited."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from motcua.accounts.models import User
from motcua.agencies.models import Agency
from motcua.audit.services import audit_log
from motcua.catalogue.models import Field, Procedure
from motcua.common.errors import ValidationFailed
from motcua.monitoring import dashboard as db
from motcua.monitoring import indicators as ind
from motcua.monitoring import svg
from motcua.monitoring import transparency as tr
from motcua.monitoring.access import MonitoringAccess, monitoring_access
from motcua.monitoring.models import ExportJob, ExportStatus, Watermark
from motcua.queueing.stats import monitoring_panel


def _access(request: HttpRequest) -> MonitoringAccess:
    access = monitoring_access(request.user)
    if not access.any:
        raise PermissionDenied(
            _(
                "Trang giám sát dành cho lãnh đạo cơ quan, lãnh đạo phòng, Giám đốc Trung tâm và "
                "thanh tra; tài khoản của bạn không có vai trò này."
            )
        )
    return access


def _int(params: Any, name: str, label: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationFailed(_("%(field)s không hợp lệ.") % {"field": label})
    return int(raw)


def _scope(request: HttpRequest, access: MonitoringAccess) -> tuple[ind.Scope, Agency | None]:
    """The scope asked for, inside what the user may see. Out of scope → 404."""
    params = request.GET
    agency_id = _int(params, "co_quan", _("Cơ quan"))
    agency = None
    if agency_id is not None:
        access.check_agency(agency_id)
        agency = get_object_or_404(Agency, pk=agency_id)
        agency_ids: tuple[int, ...] | None = (agency_id,)
        label = agency.name
    elif access.province:
        agency_ids, label = None, gettext_noop("Toàn tỉnh")  # translated on the page, not in files
    else:
        agency_ids = tuple(sorted(access.agency_ids))
        label = gettext_noop("Các cơ quan của tôi")
    procedure_id = _int(params, "thu_tuc", _("Thủ tục"))
    code = (params.get("ma_thu_tuc") or "").strip()
    if code and procedure_id is None:
        found = Procedure.objects.filter(code=code).values_list("pk", flat=True).first()
        if found is None:
            raise ValidationFailed(
                _("Không tìm thấy thủ tục có mã “%(code)s”.") % {"code": code[:30]}
            )
        procedure_id = found
    field_id = _int(params, "linh_vuc", _("Lĩnh vực"))
    officer_id = _int(params, "can_bo", _("Cán bộ"))
    if procedure_id is not None:
        label += " — " + get_object_or_404(Procedure, pk=procedure_id).name[:80]
    if field_id is not None:
        label += " — " + get_object_or_404(Field, pk=field_id).name
    if officer_id is not None:
        officer = get_object_or_404(User, pk=officer_id)
        label += " — " + (officer.full_name or officer.get_username())
    scope = ind.Scope(
        agency_ids=agency_ids,
        procedure_id=procedure_id,
        field_id=field_id,
        officer_id=officer_id,
        label=label,
    )
    return scope, agency


def _freshness() -> Watermark | None:
    return Watermark.objects.filter(name="main").first()


def _period_or_error(request: HttpRequest) -> tuple[ind.Period, str]:
    try:
        return ind.parse_period(request.GET), ""
    except ValidationFailed as exc:
        today = timezone.localdate()
        return ind.Period.month(today.year, today.month), str(exc)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    period, error = _period_or_error(request)
    try:
        scope, agency = _scope(request, access)
    except ValidationFailed as exc:
        scope, agency, error = (
            ind.Scope(agency_ids=tuple(sorted(access.agency_ids))),
            None,
            str(exc),
        )
        if access.province:
            scope = ind.Scope()
    numbers = ind.numbers(period, scope)
    groups = ind.scorecard(numbers)
    score, available = ind.total(groups)
    tt01 = ind.tt01(numbers)
    months = db.trend(period, scope)
    trend_svg = svg.line_chart(
        _("Xu hướng 12 tháng"),
        [m.label for m in months],
        [
            (_("Kết thúc đúng hạn (QĐ 766 2.1)"), [m.on_time for m in months]),
            (_("Nộp trực tuyến (3.3)"), [m.online for m in months]),
            (_("Được số hóa (4.2)"), [m.digitised for m in months]),
            (_("Hài lòng (đánh giá)"), [m.satisfied for m in months]),
        ],
    )
    scores = db.score_trend(period, scope, catalogue=numbers.catalogue)
    score_svg = svg.line_chart(
        _("Tổng điểm QĐ 766 theo tháng (trên 100)"),
        [label for label, _v in scores],
        [(_("Tổng điểm QĐ 766"), [v for _l, v in scores])],
        scale=100,
        value_labels=True,
        height=260,
    )
    agencies, cols, values = db.heat(period, scope)
    heat_svg = svg.heat_map(
        _("Tỷ lệ hồ sơ kết thúc đúng hạn theo cơ quan và tháng"),
        [a.name for a in agencies],
        cols,
        values,
    )
    ctx = {
        "access": access,
        "agencies": access.agencies(),
        "fields": Field.objects.order_by("name"),
        "agency": agency,
        "scope": scope,
        "period": period,
        "error": error,
        "groups": groups,
        "score": score,
        "available": available,
        "operational": db.operational_rows(ind.operational(numbers)),
        "tt01": tt01,
        "tt01_rows": [(label, tt01.criteria[code]) for code, label in ind.TT01_CRITERIA],
        "trend_svg": trend_svg,
        "score_svg": score_svg,
        "scores": scores,
        "months": months,
        "heat_svg": heat_svg,
        "heat_rows": list(zip(agencies, values, strict=True)),
        "heat_cols": cols,
        "agency_rows": db.agency_table(period, scope) if agency is None else [],
        "officers": db.officer_table(period, scope),
        "overdue": db.oldest_overdue(scope),
        "overdue_steps": db.overdue_by_step(scope),
        "coming_due": db.coming_due(scope),
        "ratings": numbers.ratings,  # read once, with the scorecard's numbers
        "queue": monitoring_panel(
            scope.agency_ids, period.start, period.end, officer_id=scope.officer_id
        ),
        "freshness": _freshness(),
        "scope_query": scope.query(),
        "ky": request.GET.get("ky", ""),
    }
    return render(request, "monitoring/dashboard.html", ctx)


@login_required
@require_GET
def drilldown(request: HttpRequest) -> HttpResponse:
    """The dossiers behind a number (no personal data: code, procedure, dates, outcome)."""
    access = _access(request)
    try:
        period = ind.parse_period(request.GET)
        scope, _agency = _scope(request, access)
        code = (request.GET.get("chi_so") or "").strip()
        if code.startswith("pakn_"):
            return _drill_feedback(request, code, period, scope)
        if code in tr.DRILLS:  # QĐ 766 1.1 / 1.2: procedures, not dossiers
            return _procedure_drilldown(request, code, period, scope)
        qs = ind.drill(code, period, scope)
    except ValidationFailed as exc:
        return render(
            request, "monitoring/drilldown.html", {"error": str(exc), "rows": []}, status=400
        )
    total = qs.count()
    rows = db.drill_rows(qs)
    return render(
        request,
        "monitoring/drilldown.html",
        {
            "label": ind.DRILL_LABELS.get(code, code),
            "code": code,
            "store": code in ("store_linked", "result_pushed"),  # QĐ 766 4.4: which half
            "period": period,
            "scope": scope,
            "total": total,
            "rows": rows,
            "shown": len(rows),
            "back": f"/giam-sat/?{period.query}&{scope.query()}",
        },
    )


def _drill_feedback(
    request: HttpRequest, code: str, period: ind.Period, scope: ind.Scope
) -> HttpResponse:
    """The feedback items behind a PAKN number (QĐ 766 5.1–5.3; no contact details)."""
    from motcua.monitoring import feedback as fb

    qs = fb.drill(code, period, scope)
    if qs is None:
        raise ValidationFailed(
            _("Không có chỉ số “%(code)s” để xem danh sách hồ sơ.") % {"code": code}
        )
    now = timezone.now()
    rows = [(f, bool(fb.late_reasons(f, now))) for f in qs[:500]]
    return render(
        request,
        "monitoring/drilldown_feedback.html",
        {
            "label": fb.DRILL_LABELS[code],
            "period": period,
            "scope": scope,
            "total": qs.count(),
            "rows": rows,
            "shown": len(rows),
            "back": f"/giam-sat/?{period.query}&{scope.query()}",
        },
    )


def _procedure_drilldown(
    request: HttpRequest, code: str, period: ind.Period, scope: ind.Scope
) -> HttpResponse:
    """The procedure versions behind a QĐ 766 1.1 / 1.2 number, with the dates that judge them."""
    rows = tr.drill_rows(code, period, scope)
    end = min(period.end, timezone.localdate())
    return render(
        request,
        "monitoring/drilldown_procedures.html",
        {
            "label": tr.DRILLS[code],
            "period": period,
            "scope": scope,
            "rows": [(r, r.public_on_time(end)) for r in rows],
            "total": len(rows),
            "back": f"/giam-sat/?{period.query}&{scope.query()}",
        },
    )


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """The periodic report per agency and field, and the officer performance table; with
    ``dinh_dang=xlsx|pdf`` the same as a file (period and generation time printed)."""
    from motcua.monitoring import exports

    access = _access(request)
    try:
        period = ind.parse_period(request.GET)
        scope, _agency = _scope(request, access)
    except ValidationFailed as exc:
        return render(
            request,
            "monitoring/report.html",
            {"error": str(exc), "agencies": access.agencies()},
            status=400,
        )
    fmt = (request.GET.get("dinh_dang") or "").strip()
    data = exports.report_data(period, scope)
    if fmt:
        if fmt not in exports.FORMATS:
            return render(
                request,
                "monitoring/report.html",
                {"error": _("Định dạng tệp phải là xlsx hoặc pdf."), "agencies": access.agencies()},
                status=400,
            )
        with transaction.atomic():
            audit_log(
                actor=request.user,  # type: ignore[arg-type]
                action="monitoring.export",
                object_type="monitoring_report",
                object_id=period.label,
                data={"format": fmt, "scope": scope.label, "period": period.query},
            )
        return exports.response(data, fmt)
    return render(
        request,
        "monitoring/report.html",
        {
            "data": data,
            "period": period,
            "scope": scope,
            "agencies": access.agencies(),
            "query": f"{period.query}&{scope.query()}",
            "columns": db.FIELD_COLUMNS,
            "jobs": ExportJob.objects.filter(requested_by=cast(User, request.user))[:5],
        },
    )


@login_required
@require_http_methods(["POST"])
def export_start(request: HttpRequest) -> HttpResponse:
    """Queue a long export (django-tasks) and show its progress page."""
    from motcua.monitoring import tasks

    access = _access(request)
    try:
        period = ind.parse_period(request.POST)
        params = request.POST
        request.GET = params  # _scope reads GET
        scope, _agency = _scope(request, access)
    except ValidationFailed as exc:
        return render(
            request,
            "monitoring/report.html",
            {"error": str(exc), "agencies": access.agencies()},
            status=400,
        )
    fmt = (request.POST.get("dinh_dang") or "").strip()
    if fmt not in ("xlsx", "pdf"):
        return render(
            request,
            "monitoring/report.html",
            {"error": _("Định dạng tệp phải là xlsx hoặc pdf."), "agencies": access.agencies()},
            status=400,
        )
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=cast(User, request.user),
            fmt=fmt,
            params={
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "label": period.label,
                "agency_ids": list(scope.agency_ids) if scope.agency_ids is not None else None,
                "scope_label": scope.label,
            },
        )
        audit_log(
            actor=request.user,  # type: ignore[arg-type]
            action="monitoring.export_queued",
            object_type="monitoring_export",
            object_id=str(job.pk),
            data={"format": fmt, "period": period.label, "scope": scope.label},
        )
    transaction.on_commit(lambda: tasks.export_report.enqueue(job.pk))
    return redirect("monitoring:export", pk=job.pk)


def _own_job(request: HttpRequest, pk: int) -> ExportJob:
    _access(request)
    job = ExportJob.objects.filter(pk=pk, requested_by=cast(User, request.user)).first()
    if job is None:
        raise Http404(_("Không tìm thấy yêu cầu xuất báo cáo."))
    return job


@login_required
@require_GET
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    return render(request, "monitoring/export.html", {"job": job})


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    if job.status != ExportStatus.DONE or job.content is None:
        raise Http404(_("Tệp chưa sẵn sàng."))
    from motcua.monitoring.exports import CONTENT_TYPES

    response = HttpResponse(bytes(job.content), content_type=CONTENT_TYPES[job.fmt])
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    return response


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    """Public page (no sign-in): on-time rate, online share and satisfaction per agency."""
    period, error = _period_or_error(request)
    if not request.GET.get("ky") and not request.GET.get("tu"):
        today = timezone.localdate()
        period = ind.Period.year(today.year)
    rows = db.public_rows(period)
    wm = _freshness()
    return render(
        request,
        "monitoring/public.html",
        {
            "rows": rows,
            "period": period,
            "error": error,
            "updated": wm.refreshed_at if wm else None,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
            "now": dt.datetime.now(tz=timezone.get_default_timezone()),
        },
    )
