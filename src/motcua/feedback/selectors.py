"""Reads of feedback for the portal and the workspace (scopes from ``access``)."""

from __future__ import annotations

import datetime as dt
import uuid as uuid_mod
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from motcua.feedback.access import feedback_visible_to_officer, is_citizen
from motcua.feedback.models import Feedback, Status
from motcua.feedback.rules import late_reasons

PAGE = 100
WORKLIST_STATUSES = (Status.RECEIVED, Status.SUPPLEMENT, Status.ANSWERED, Status.APPROVED)


def _uuid(value: Any) -> uuid_mod.UUID | None:
    try:
        return uuid_mod.UUID(str(value))
    except ValueError:
        return None


def published_list() -> QuerySet[Feedback]:
    """Published answers, newest first (no contact details are shown)."""
    return (
        Feedback.objects.filter(published_at__isnull=False)
        .select_related("agency")
        .order_by("-published_at")
    )


def public_item(feedback_id: Any, user: Any) -> Feedback | None:
    """A published item, or the signed-in sender's own item in any state."""
    key = _uuid(feedback_id)
    if key is None:
        return None
    item = (
        Feedback.objects.select_related("agency", "dossier", "procedure").filter(uuid=key).first()
    )
    if item is None:
        return None
    if item.published_at is not None or (is_citizen(user) and item.citizen_id == user.pk):
        return item
    return None


def own_list(user: Any) -> QuerySet[Feedback]:
    return Feedback.objects.filter(citizen=user).select_related("agency").order_by("-submitted_at")


def worklist(user: Any, status: str = "") -> QuerySet[Feedback]:
    """The officer's open feedback, the closest deadline first (index ``feedback_worklist``)."""
    statuses = [status] if status in WORKLIST_STATUSES else list(WORKLIST_STATUSES)
    return (
        feedback_visible_to_officer(user)
        .filter(status__in=statuses)
        .select_related("agency")
        .order_by("handle_due", "pk")
    )


def officer_item(user: Any, feedback_id: Any) -> Feedback | None:
    key = _uuid(feedback_id)
    if key is None:
        return None
    return (
        feedback_visible_to_officer(user)
        .select_related(
            "agency", "dossier", "procedure", "answered_by", "approved_by", "transferred_from"
        )
        .filter(uuid=key)
        .first()
    )


@dataclass(frozen=True)
class Clock:
    due: dt.datetime | None
    text: str
    css: str


def clock(item: Feedback, now: dt.datetime) -> Clock:
    """The deadline that matters now, and whether it is missed (QĐ 766 5.2)."""
    late = late_reasons(item, now)
    due: dt.datetime | None
    if item.status in (Status.RECEIVED, Status.SUPPLEMENT):
        due = item.handle_due
    elif item.status == Status.APPROVED:
        due = item.publish_due
    else:
        return Clock(None, _("Quá hạn") if late else _("Đúng hạn"), "late" if late else "ok")
    if late:
        return Clock(due, _("Quá hạn"), "late")
    return Clock(due, _("Trong hạn"), "ok")
