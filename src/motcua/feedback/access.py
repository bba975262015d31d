"""Who may see and act on feedback (least privilege; rules.md §1.11, §1.13).

* Officers of the agency concerned (reception, specialist, department head, agency leader)
  see its feedback and may refuse, ask for more information and answer; the auditor only reads.
* Approval and publication: the agency's department heads and leaders.
* The Center's managers (center director) see and act on every agency's feedback: the one-stop
  unit receives feedback and forwards the explanations (ND 118/2025 Đ8.1đ).
An item outside the scope is reported as not found.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from motcua.accounts.access import agencies_of, has_role, roles_of
from motcua.accounts.models import UserKind
from motcua.accounts.roles import Role
from motcua.agencies.models import Agency
from motcua.feedback.models import Feedback

HANDLERS = frozenset(
    {Role.RECEPTION_OFFICER, Role.SPECIALIST, Role.DEPARTMENT_HEAD, Role.AGENCY_LEADER}
)
APPROVERS = frozenset({Role.DEPARTMENT_HEAD, Role.AGENCY_LEADER})
READERS = HANDLERS | {Role.AUDITOR}


def is_center_manager(user: Any) -> bool:
    return has_role(user, Role.CENTER_DIRECTOR)


def may_handle(user: Any, agency: Agency) -> bool:
    return is_center_manager(user) or bool(roles_of(user, agency) & HANDLERS)


def may_approve(user: Any, agency: Agency) -> bool:
    return is_center_manager(user) or bool(roles_of(user, agency) & APPROVERS)


def handled_agency_ids(user: Any) -> frozenset[int] | None:
    """The agencies whose feedback ``user`` may handle (refuse, ask, answer, transfer), for a
    list of many items at once: ``None`` means every agency (the Center's manager)."""
    if is_center_manager(user):
        return None
    agencies = Agency.objects.none()
    for role in HANDLERS:
        agencies = agencies | agencies_of(user, role)
    return frozenset(agencies.values_list("pk", flat=True))


def feedback_visible_to_officer(user: Any) -> QuerySet[Feedback]:
    """The feedback an officer may see: every agency for the Center's managers, else the
    agencies where they hold a handling or auditing role."""
    if is_center_manager(user):
        return Feedback.objects.all()
    agencies = Agency.objects.none()
    for role in READERS:
        agencies = agencies | agencies_of(user, role)
    return Feedback.objects.filter(agency__in=agencies.values("pk"))


def is_citizen(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and str(getattr(user, "kind", "")) in (UserKind.CITIZEN, UserKind.ORGANISATION)
    )
