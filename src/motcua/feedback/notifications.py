"""Messages to the sender of a feedback item at each step: received, refused, asked for more
information, transferred to another agency, answer published. UX.md: every state change tells
the person what happens next and when; ND 118/2025 Đ8.1đ: the one-stop unit receives feedback
and forwards the agency's explanation to the sender.

Each message goes into the portal's notification outbox (``motcua.portal.notify``) in the
transaction of the state change — it exists exactly when the change does — and the outbox
worker delivers it with retries and backoff, so a mail server that is down loses nothing
(docs/portal.md §6). One message per step: an e-mail when the sender gave an address, else an
SMS to the telephone number, else none. The outbox key is the step's audit entry, so a step is
never queued twice.

Texts are Vietnamese; the administrator may override each event (``feedback_received``,
``feedback_refused``, ``feedback_supplement``, ``feedback_transferred``,
``feedback_published``) with a ``NotificationTemplate`` row. E-mails keep full diacritics; SMS
are written without diacritics, as every SMS of the portal (an unaccented SMS holds 160
characters, an accented one 70).

A message carries only the item's own data, addressed to its own sender: its code, title,
agency, due moment and the reason, request or answer written for that sender — never the
dossier it mentions (the code may be anyone's), the officer's name or another person's contact
(rules.md §7: no more personal data than the purpose needs).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.conf import settings
from django.utils import timezone

from motcua.feedback.models import Feedback
from motcua.portal import notify

RECEIVED = "feedback_received"
REFUSED = "feedback_refused"
SUPPLEMENT = "feedback_supplement"
TRANSFERRED = "feedback_transferred"
PUBLISHED = "feedback_published"

#: Default texts (subject, e-mail body, SMS) in Django template syntax. Context: ``code``,
#: ``title``, ``agency``, ``agency_contact``, ``due``, ``due_short``, ``note`` (the reason,
#: request or answer), ``url`` (the item's page when the sender can open it), ``list_url``,
#: ``signed_in``.
DEFAULTS: dict[str, tuple[str, str, str]] = {
    RECEIVED: (
        "Đã tiếp nhận phản ánh, kiến nghị {{ code }}",
        "{{ agency }} đã tiếp nhận phản ánh, kiến nghị của bạn.\n"
        "Mã phản ánh: {{ code }}\n"
        "Tiêu đề: {{ title }}\n"
        "Thời hạn trả lời: {{ due }}.\n"
        "{% if url %}Theo dõi phản ánh tại: {{ url }}"
        "{% else %}Khi được công khai, nội dung trả lời có tại: {{ list_url }}{% endif %}",
        "Da tiep nhan phan anh {{ code }}. Han tra loi: {{ due_short }}."
        "{% if url %} Theo doi: {{ url }}{% endif %}",
    ),
    REFUSED: (
        "Phản ánh, kiến nghị {{ code }} không được tiếp nhận",
        "{{ agency }} từ chối tiếp nhận phản ánh, kiến nghị {{ code }} của bạn "
        "(“{{ title }}”).\n"
        "Lý do: {{ note }}\n"
        "{% if url %}Xem chi tiết tại: {{ url }}{% endif %}",
        "Phan anh {{ code }} khong duoc tiep nhan."
        "{% if url %} Xem ly do: {{ url }}{% else %} Ly do: {{ note|truncatechars:160 }}"
        "{% endif %}",
    ),
    SUPPLEMENT: (
        "Phản ánh, kiến nghị {{ code }} cần bổ sung thông tin",
        "{{ agency }} đề nghị bạn bổ sung thông tin cho phản ánh, kiến nghị {{ code }} "
        "(“{{ title }}”):\n"
        "{{ note }}\n"
        "{% if url %}Gửi thông tin bổ sung tại: {{ url }}"
        "{% else %}Vui lòng liên hệ {{ agency }}{% if agency_contact %} ({{ agency_contact }})"
        "{% endif %} để bổ sung.{% endif %}\n"
        "Thời hạn trả lời: {{ due }}.",
        "Phan anh {{ code }} can bo sung: {{ note|truncatechars:120 }}"
        "{% if url %} Bo sung tai: {{ url }}{% elif agency_contact %} Lien he: "
        "{{ agency_contact }}{% endif %}",
    ),
    TRANSFERRED: (
        "Phản ánh, kiến nghị {{ code }} được chuyển đến {{ agency }}",
        "Phản ánh, kiến nghị {{ code }} của bạn (“{{ title }}”) đã được chuyển đến "
        "{{ agency }}, cơ quan có thẩm quyền xem xét, trả lời.\n"
        "Lý do chuyển: {{ note }}\n"
        "Thời hạn trả lời mới: {{ due }}.\n"
        "{% if url %}Theo dõi phản ánh tại: {{ url }}{% endif %}",
        "Phan anh {{ code }} da chuyen den {{ agency }}. Han tra loi moi: {{ due_short }}.",
    ),
    PUBLISHED: (
        "Phản ánh, kiến nghị {{ code }} đã có trả lời",
        "{{ agency }} đã trả lời phản ánh, kiến nghị {{ code }} của bạn (“{{ title }}”):\n\n"
        "{{ note }}\n\n"
        "Nội dung trả lời được công khai tại: {{ url }}\n"
        "{% if signed_in %}Tại trang này, bạn có thể cho biết đồng tình hay không đồng tình "
        "với trả lời, hoặc phản ánh lại nếu chưa hài lòng.{% endif %}",
        "Phan anh {{ code }} da co tra loi. Xem tai: {{ url }}",
    ),
}


def _moment(value: dt.datetime | None) -> str:
    """“14 giờ 30 phút, ngày 27/11/2026”, as on the official forms (local time)."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def _short(value: dt.datetime | None) -> str:
    return f"{timezone.localtime(value):%H:%M %d/%m/%Y}" if value is not None else "-"


def _unaccented(value: Any) -> Any:
    """Text without diacritics (“đ” → “d”), case kept, for an SMS."""
    if not isinstance(value, str):
        return value
    plain = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in plain if not unicodedata.combining(c))


def _context(item: Feedback, event: str, note: str) -> dict[str, Any]:
    base = str(settings.MOTCUA_PUBLIC_BASE_URL).rstrip("/")
    agency = item.agency
    # The item's page opens for its signed-in sender, and for anyone once it is published.
    reachable = item.citizen_id is not None or event == PUBLISHED
    return {
        "code": item.code,
        "title": item.title,
        "agency": agency.name,
        "agency_contact": ", ".join(x for x in (agency.phone, agency.email) if x),
        "due": _moment(item.handle_due),
        "due_short": _short(item.handle_due),
        "note": note,
        "url": f"{base}/phan-anh/{item.uuid}/" if reachable else "",
        "list_url": f"{base}/phan-anh/",
        "signed_in": item.citizen_id is not None,
    }


def notify_sender(item: Feedback, event: str, *, step_id: int, note: str = "") -> int:
    """Queue the sender's message about ``event``; returns how many were queued (0 or 1).

    Call inside the transaction of the state change, after its audit entry: ``step_id`` (the
    entry's id) names the message, so the same step is never queued twice. The worker is asked
    to deliver soon after the commit; until then, and through an outage, the outbox keeps it."""
    if item.contact_email:
        channel, to = "email", item.contact_email
    elif item.contact_phone:
        channel, to = "sms", item.contact_phone
    else:
        return 0
    context = _context(item, event, note)
    if channel == "email":
        subject, body, _ = notify.render(event, context, DEFAULTS)
    else:
        context = {key: _unaccented(value) for key, value in context.items()}
        subject, body = "", notify.render(event, context, DEFAULTS)[2]
    queued = notify.enqueue(
        key=f"feedback:{step_id}:{channel}", channel=channel, to=to, subject=subject, body=body
    )
    if queued:
        notify.kick()
    return int(queued)
