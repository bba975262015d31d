"""Pages of the counter queue: kiosk, ticket (printed and on a phone), counter, display board
(server-sent events + polling), rating screen, lookup, booking, statistics.

Views validate input, call one service or selector and render; the rules are in
``queueing.services``. Kiosk, ticket, board, rating and lookup pages are public devices (no
personal data shown); counter and statistics pages need an officer of the site's agency.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.common.errors import MotcuaError, PermissionDenied
from motcua.queueing import selectors, services, stats
from motcua.queueing.models import Counter, Priority, ServiceGroup, Site, Ticket
from motcua.queueing.speech import speech_enabled, spoken_wav
from motcua.ratings.scale import scale

#: The officer workspace's counter intake (issue "officer workspace"); it calls
#: ``services.ticket_link_dossier`` once the dossier is received.
INTAKE_URL = "/can-bo/tiep-nhan/?ve={ticket}"
#: Seconds between two checks of the board by the event stream.
STREAM_TICK = 1.0
KEEPALIVE_SECONDS = 15.0


def _site(code: str) -> Site:
    try:
        return selectors.site_get(code)
    except Site.DoesNotExist:
        raise Http404(_("Không có điểm tiếp nhận này.")) from None


def _qr_svg(data: str, title: str) -> str:
    out = BytesIO()
    segno.make(data, error="m").save(
        out, kind="svg", scale=4, border=2, xmldecl=False, svgns=True, title=title
    )
    return out.getvalue().decode()


# --- kiosk ---------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, site: str) -> HttpResponse:
    """``/xep-hang/kiosk/<site>/``: choose a service group → a ticket; a priority ticket in one
    tap; check in a booking with its code."""
    place = _site(site)
    groups = selectors.groups_of(place)
    error = ""
    if request.method == "POST":
        try:
            if "ma_dat_lich" in request.POST:
                ticket = services.ticket_check_in(
                    site=place, booking_code=request.POST.get("ma_dat_lich", "")
                )
            else:
                urgent = "nhom_uu_tien" in request.POST
                wanted = request.POST.get("nhom_uu_tien" if urgent else "nhom")
                group = next((g for g in groups if str(g.pk) == wanted), None)
                if group is None:
                    raise services.QueueError(_("Hãy chọn một nhóm dịch vụ."))
                priority = Priority.GENERAL if urgent else ""
                ticket = services.ticket_issue(site=place, group=group, priority=priority)
        except MotcuaError as exc:
            error = str(exc)
        else:
            url = reverse("queueing:ticket_print", args=[ticket.uuid])
            return HttpResponseRedirect(f"{url}?kiosk={place.code}")
    status = 400 if error else 200
    context = {"site": place, "groups": groups, "error": error, "open": _open(place)}
    return render(request, "queueing/kiosk.html", context, status=status)


def _open(site: Site) -> bool:
    return services.site_open(site, timezone.now())


def _ticket(value: Any) -> Ticket:
    try:
        return selectors.ticket_by_uuid(value)
    except Ticket.DoesNotExist:
        raise Http404(_("Không tìm thấy vé.")) from None


@never_cache
@require_GET
def ticket_print(request: HttpRequest, key: str) -> HttpResponse:
    """The ticket to print: ``?kho=80`` (thermal printer, default) or ``?kho=a6``; the QR code
    opens the ticket's page on a phone."""
    ticket = _ticket(key)
    follow = request.build_absolute_uri(reverse("queueing:ticket", args=[ticket.uuid]))
    paper = "a6" if request.GET.get("kho") == "a6" else "80"
    kiosk_code = request.GET.get("kiosk", "")
    back = (
        reverse("queueing:kiosk", args=[ticket.site.code]) if kiosk_code == ticket.site.code else ""
    )
    context = {
        "ticket": ticket,
        "position": selectors.ticket_position(ticket),
        # segno escapes every text it writes into the SVG; the URL is ours.
        "qr": mark_safe(_qr_svg(follow, "Mã QR theo dõi lượt chờ")),  # noqa: S308
        "follow": follow,
        "paper": paper,
        "back": back,
        "now": timezone.localtime(),
    }
    return render(request, "queueing/ticket_print.html", context)


@never_cache
@require_GET
def ticket_follow(request: HttpRequest, key: str) -> HttpResponse:
    """``/xep-hang/ve/<uuid>/``: follow the queue on a phone (refreshes itself)."""
    ticket = _ticket(key)
    context = {"ticket": ticket, "position": selectors.ticket_position(ticket)}
    return render(request, "queueing/ticket.html", context)


# --- booking -------------------------------------------------------------------------------


#: Working days offered on the booking page (today's remaining slots included).
BOOKING_DAYS = 5


def _booking_days(place: Site) -> list[tuple[dt.date, list[dt.datetime]]]:
    now = timezone.now()
    today = timezone.localdate()
    days: list[tuple[dt.date, list[dt.datetime]]] = []
    day = today
    while len(days) < BOOKING_DAYS and day < today + dt.timedelta(days=21):
        slots = [s for s in services.slot_starts(place, day) if s > now]
        if slots:
            days.append((day, slots))
        day += dt.timedelta(days=1)
    return days


@never_cache
@require_http_methods(["GET", "POST"])
def booking(request: HttpRequest, site: str) -> HttpResponse:
    """``/xep-hang/dat-lich/<site>/``: book a ticket for a time slot of the next working days
    (phone required: it proves a cancellation and receives the reminder); then the booking's
    page with its code and QR code, checked in at the kiosk."""
    place = _site(site)
    groups = [g for g in selectors.groups_of(place) if g.slot_capacity]
    error = ""
    if request.method == "POST":
        try:
            group = next((g for g in groups if str(g.pk) == request.POST.get("nhom")), None)
            if group is None:
                raise services.QueueError(_("Hãy chọn một nhóm dịch vụ."))
            try:
                slot = dt.datetime.fromisoformat(request.POST.get("khung_gio", ""))
            except ValueError:
                raise services.QueueError(_("Hãy chọn một khung giờ.")) from None
            if timezone.is_naive(slot):
                slot = timezone.make_aware(slot)
            phone = request.POST.get("dien_thoai", "").strip()
            if not phone:
                raise services.QueueError(
                    _("Nhập số điện thoại: cần để hủy lịch và nhận tin nhắc lịch hẹn.")
                )
            user = request.user if request.user.is_authenticated else None
            ticket = services.ticket_book(
                site=place,
                group=group,
                slot=slot,
                actor=user,
                phone=phone,
                email=request.POST.get("email", ""),
            )
        except MotcuaError as exc:
            error = str(exc)
        else:
            return redirect("queueing:booking_done", key=ticket.uuid)
    context = {
        "site": place,
        "groups": groups,
        "days": _booking_days(place),
        "error": error,
        "posted": request.POST if error else {},
    }
    return render(request, "queueing/booking.html", context, status=400 if error else 200)


@never_cache
@require_GET
def booking_done(request: HttpRequest, key: str) -> HttpResponse:
    """``/xep-hang/dat-lich/ve/<uuid>/``: the booking — code, QR code (the code itself, for the
    kiosk's scanner), slot, group; print it or cancel it."""
    ticket = _ticket(key)
    if not ticket.booking_code:
        raise Http404(_("Không tìm thấy lịch hẹn."))
    context = {
        "ticket": ticket,
        "qr": mark_safe(_qr_svg(ticket.booking_code, _("Mã QR của mã đặt lịch"))),  # noqa: S308
        "phone_tail": ticket.contact_phone[-4:],
        "reminder": services.reminder_due(ticket),
    }
    return render(request, "queueing/booking_done.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def booking_cancel(request: HttpRequest) -> HttpResponse:
    """``/xep-hang/dat-lich/huy/``: cancel a booking with its code and the last 4 digits of
    the phone given when booking (rate-limited like the tracking page)."""
    from motcua.portal.ratelimit import client_ip, hit

    code = (request.POST.get("ma") or request.GET.get("ma") or "").strip()[:40]
    error, ticket, status = "", None, 200
    if request.method == "POST":
        if not hit(
            "booking-cancel",
            client_ip(request),
            limit=settings.MOTCUA_TRACKING_PER_MINUTE,
            window=60,
        ):
            error, status = _("Đã thử quá nhiều lần. Xin thử lại sau ít phút."), 429
        else:
            try:
                ticket = services.booking_cancel(
                    booking_code=code, phone_digits=request.POST.get("so_cuoi", "")[:10]
                )
            except MotcuaError as exc:
                error, status = str(exc), 400
    context = {"code": code, "error": error, "ticket": ticket}
    return render(request, "queueing/booking_cancel.html", context, status=status)


# --- counter -------------------------------------------------------------------------------


def _counter_for(request: HttpRequest, counter_id: int) -> Counter:
    counter = (
        Counter.objects.select_related("site__agency", "officer")
        .filter(pk=counter_id, active=True)
        .first()
    )
    if counter is None or not services.may_work_at(request.user, counter.site):
        raise Http404(_("Không tìm thấy quầy."))
    return counter


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def counters(request: HttpRequest) -> HttpResponse:
    """``/xep-hang/quay/``: the counters the officer may work at; take one."""
    mine = selectors.counters_for(request.user)
    if request.method == "POST":
        chosen = next((c for c in mine if str(c.pk) == request.POST.get("quay")), None)
        if chosen is None:
            messages.error(request, _("Hãy chọn một quầy."))
        else:
            try:
                services.counter_sign_in(counter=chosen, officer=request.user)  # type: ignore[arg-type]
            except MotcuaError as exc:
                messages.error(request, str(exc))
            else:
                return redirect("queueing:counter", counter_id=chosen.pk)
    if not mine:
        raise Http404(_("Bạn không làm việc tại quầy nào."))
    return render(request, "queueing/counters.html", {"counters": mine})


ACTIONS = {
    "goi": "call",
    "goi-lai": "recall",
    "vang-mat": "no_show",
    "bat-dau": "start",
    "xong": "finish",
    "chuyen": "transfer",
    "roi-quay": "sign_out",
}


@login_required
@never_cache
@require_GET
def counter(request: HttpRequest, counter_id: int) -> HttpResponse:
    """``/xep-hang/quay/<id>/``: call next, recall, no-show, transfer, start and finish; start
    the counter intake of the called ticket in the officer workspace."""
    desk = _counter_for(request, counter_id)
    if desk.officer_id != request.user.pk:
        return redirect("queueing:counters")
    state = selectors.counter_state(desk)
    current = state["current"]
    others = Counter.objects.filter(site=desk.site, active=True).exclude(pk=desk.pk)
    context = {
        "counter": desk,
        "state": state,
        "current": current,
        "intake_url": INTAKE_URL.format(ticket=current.pk) if current else "",
        "groups": ServiceGroup.objects.filter(site=desk.site, active=True),
        "other_counters": others.order_by("number"),
        "rating_url": reverse("queueing:rating", args=[desk.device_key]),
        "board_url": reverse("queueing:board", args=[desk.site.code]),
    }
    return render(request, "queueing/counter.html", context)


@login_required
@require_POST
def counter_action(request: HttpRequest, counter_id: int, action: str) -> HttpResponse:
    desk = _counter_for(request, counter_id)
    name = ACTIONS.get(action)
    if name is None:
        raise Http404(_("Không có thao tác này."))
    officer: Any = request.user
    try:
        if name == "call":
            ticket = services.call_next(counter=desk, officer=officer)
            if ticket is None:
                messages.info(request, _("Không còn công dân nào đang chờ tại quầy này."))
            else:
                messages.success(request, _("Đã gọi số %(n)s.") % {"n": ticket.number})
        elif name == "recall":
            ticket = services.ticket_recall(counter=desk, officer=officer)
            messages.success(request, _("Đã gọi lại số %(n)s.") % {"n": ticket.number})
        elif name == "no_show":
            ticket = services.ticket_no_show(counter=desk, officer=officer)
            messages.success(request, _("Số %(n)s: vắng mặt.") % {"n": ticket.number})
        elif name == "start":
            ticket = services.ticket_start(counter=desk, officer=officer)
            messages.success(request, _("Đang phục vụ số %(n)s.") % {"n": ticket.number})
        elif name == "finish":
            ticket = services.ticket_finish(counter=desk, officer=officer)
            done = _("Đã phục vụ xong số %(n)s. Mời công dân đánh giá.")
            messages.success(request, done % {"n": ticket.number})
        elif name == "transfer":
            group, to_counter = _transfer_target(request, desk)
            ticket = services.ticket_transfer(
                counter=desk, officer=officer, group=group, to_counter=to_counter
            )
            messages.success(request, _("Đã chuyển số %(n)s.") % {"n": ticket.number})
        else:
            services.counter_sign_out(counter=desk, officer=officer)
            messages.success(request, _("Đã rời %(counter)s.") % {"counter": desk})
            return redirect("queueing:counters")
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("queueing:counters")
    except MotcuaError as exc:
        messages.error(request, str(exc))
    return redirect("queueing:counter", counter_id=desk.pk)


def _transfer_target(
    request: HttpRequest, desk: Counter
) -> tuple[ServiceGroup | None, Counter | None]:
    target = request.POST.get("den", "")
    kind, _sep, value = target.partition(":")
    if kind == "nhom":
        group = ServiceGroup.objects.filter(site=desk.site, pk=_int(value)).first()
        if group is None:
            raise services.QueueError(_("Nhóm dịch vụ không hợp lệ."))
        return group, None
    if kind == "quay":
        other = Counter.objects.filter(site=desk.site, pk=_int(value)).first()
        if other is None:
            raise services.QueueError(_("Quầy nhận không hợp lệ."))
        return None, other
    raise services.QueueError(_("Chọn một nhóm dịch vụ hoặc một quầy để chuyển vé."))


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


# --- display board -------------------------------------------------------------------------


@never_cache
@require_GET
def board(request: HttpRequest, site: str) -> HttpResponse:
    """``/xep-hang/bang/<site>/``: the called numbers and their counters, live."""
    place = _site(site)
    context = {
        "site": place,
        "data": selectors.board_data(place),
        "speech": speech_enabled(),
        "force_poll": request.GET.get("che-do") == "poll",
    }
    return render(request, "queueing/board.html", context)


@never_cache
@require_GET
def board_data(request: HttpRequest, site: str) -> JsonResponse:
    """The polling fallback: the board as JSON."""
    return JsonResponse(selectors.board_data(_site(site)))


def _stream(site: Site, last: int) -> Iterator[str]:
    deadline = time.monotonic() + float(getattr(settings, "MOTCUA_QUEUE_STREAM_SECONDS", 55))
    quiet_since = time.monotonic()
    yield "retry: 2000\n\n"
    while True:
        version = selectors.board_version(site)
        if version != last:
            last = version
            data = json.dumps(selectors.board_data(site), ensure_ascii=False)
            yield f"id: {version}\nevent: board\ndata: {data}\n\n"
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
            yield ": ping\n\n"
            quiet_since = time.monotonic()
        if time.monotonic() >= deadline:
            return
        time.sleep(STREAM_TICK)


@never_cache
@require_GET
def board_events(request: HttpRequest, site: str) -> StreamingHttpResponse:
    """Server-sent events: one ``board`` event with the whole board whenever it changes (the
    event id is the last board event's id; a reconnecting browser sends it back as
    ``Last-Event-ID`` and gets only newer changes). The stream ends after
    ``MOTCUA_QUEUE_STREAM_SECONDS``; the browser reconnects by itself."""
    place = _site(site)
    last = _int(request.headers.get("Last-Event-ID", "") or "-1") or -1
    response = StreamingHttpResponse(_stream(place, last), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


@require_GET
def board_speech(request: HttpRequest, site: str, event: int) -> HttpResponse:
    """The spoken call of one call event as WAV (404 when speech is off or unavailable)."""
    place = _site(site)
    if not speech_enabled():
        raise Http404(_("Chưa bật đọc số bằng giọng nói."))
    from motcua.queueing.models import EventKind, TicketEvent

    found = (
        TicketEvent.objects.select_related("ticket", "counter")
        .filter(site=place, pk=event, kind__in=[EventKind.CALL, EventKind.RECALL])
        .first()
    )
    if found is None or found.counter is None:
        raise Http404(_("Không có lượt gọi này."))
    audio = spoken_wav(selectors.call_text(found.ticket.number, found.counter.number))
    if audio is None:
        raise Http404(_("Không đọc được lượt gọi."))
    response = HttpResponse(audio, content_type="audio/wav")
    response["Cache-Control"] = "public, max-age=3600"
    return response


# --- rating screen -------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def rating(request: HttpRequest, key: str) -> HttpResponse:
    """``/xep-hang/danh-gia/<device key>/``: the counter's rating screen. After a service ends
    it asks the citizen to rate it; the rating goes to the shared store."""
    desk = Counter.objects.select_related("site").filter(device_key=key, active=True).first()
    if desk is None:
        raise Http404(_("Không có thiết bị đánh giá này."))
    ticket = services.ticket_to_rate(desk)
    error, thanks = "", False
    if request.method == "POST":
        try:
            if ticket is None or request.POST.get("ve") != str(ticket.uuid):
                raise services.QueueError(_("Lượt phục vụ này không còn chờ đánh giá."))
            services.ticket_rate(ticket=ticket, level=_int(request.POST.get("muc", "")))
        except MotcuaError as exc:
            error = str(exc)
        else:
            thanks = True
            ticket = None
    context = {
        "counter": desk,
        "ticket": ticket,
        "levels": scale(),
        "error": error,
        "thanks": thanks,
    }
    return render(request, "queueing/rating.html", context, status=400 if error else 200)


# --- lookup --------------------------------------------------------------------------------


@never_cache
@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    """``/xep-hang/tra-cuu/``: look up procedures, and a dossier's status by scanning the QR
    code of its receipt (a scanner types into the focused field) plus the same second factor
    and rate limits as the portal's tracking page."""
    from motcua.portal.ratelimit import client_ip, hit

    q = request.GET.get("thu-tuc", "").strip()[:200]
    scanned = request.GET.get("ma", "").strip()[:500]
    factor = request.GET.get("xac-minh", "").strip()[:10]
    context: dict[str, Any] = {"q": q, "scanned": scanned}
    status = 200
    if q:
        context["procedures"] = list(selectors.procedures_search(q))
    if scanned:
        code = selectors.scanned_code(scanned)
        allowed = hit(
            "track-ip", client_ip(request), limit=settings.MOTCUA_TRACKING_PER_MINUTE, window=60
        ) and hit("track-code", code, limit=settings.MOTCUA_TRACKING_PER_CODE_HOUR, window=3600)
        if not allowed:
            context["error"] = "Đã tra cứu quá nhiều lần. Xin thử lại sau ít phút."
            status = 429
        elif len("".join(c for c in factor if c.isdigit())) != 4:
            context["error"] = (
                "Nhập thêm 4 chữ số cuối của số điện thoại hoặc số định danh cá nhân của "
                "người nộp hồ sơ."
            )
            status = 400
        else:
            context["dossier"] = selectors.dossier_public_status(scanned, factor)
            context["checked"] = True
            status = 200 if context["dossier"] else 404
    return render(request, "queueing/lookup.html", context, status=status)


# --- statistics ----------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    """``/xep-hang/thong-ke/``: waiting and service times, no-show rate (officers of the
    site's agency, and whoever monitors that agency on the dashboards)."""
    from motcua.monitoring.access import monitoring_access

    watch = monitoring_access(request.user)
    sites = [
        s
        for s in Site.objects.select_related("agency")
        if watch.province
        or s.agency_id in watch.agency_ids
        or services.may_work_at(request.user, s)
    ]
    if not sites:
        raise Http404(_("Không có điểm tiếp nhận nào."))
    chosen = next((s for s in sites if s.code == request.GET.get("diem")), sites[0])
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("tu", "")) if request.GET.get("tu") else today
        end = dt.date.fromisoformat(request.GET.get("den", "")) if request.GET.get("den") else start
    except ValueError:
        messages.error(request, _("Ngày không hợp lệ: dùng dạng YYYY-MM-DD."))
        start = end = today
    if end < start or (end - start).days > 366:
        messages.error(request, _("Khoảng ngày không hợp lệ (tối đa một năm)."))
        start = end = today
    report = stats.queue_report(chosen, start, end)
    context = {"sites": sites, "site": chosen, "start": start, "end": end, "report": report}
    return render(request, "queueing/statistics.html", context)
