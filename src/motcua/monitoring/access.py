"""Who may see which monitoring numbers (least privilege, built on ``accounts.access``).

* **The whole province**: the director of the provincial Public Administrative Service Center,
  and the leaders and inspectors of the provincial People's Committee and its office
  (ND 118/2025 Đ9, Đ32: the Center and the province monitor and evaluate).
* **One's own agencies**: agency leaders, department heads, center directors and inspectors see
  the agencies where they hold that role today (an agency head sees their own).
* Everyone else (specialists, reception officers, administrators, citizens): no dashboard. The
  public page (``/cong-khai/``) needs no sign-in.

An agency outside the user's scope is answered 404, as a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404

from motcua.accounts.access import memberships_of
from motcua.accounts.roles import Role
from motcua.agencies.models import Agency, AgencyKind

MONITOR_ROLES = frozenset(
    {Role.AGENCY_LEADER, Role.DEPARTMENT_HEAD, Role.CENTER_DIRECTOR, Role.AUDITOR}
)
PROVINCE_ROLES = frozenset({Role.AGENCY_LEADER, Role.CENTER_DIRECTOR, Role.AUDITOR})
PROVINCE_KINDS = frozenset(
    {
        AgencyKind.PROVINCIAL_COMMITTEE,
        AgencyKind.COMMITTEE_OFFICE,
        AgencyKind.PROVINCIAL_SERVICE_CENTER,
    }
)


@dataclass(frozen=True)
class MonitoringAccess:
    province: bool
    agency_ids: frozenset[int]

    @property
    def any(self) -> bool:
        return self.province or bool(self.agency_ids)

    def agencies(self) -> list[Agency]:
        qs = Agency.objects.all()
        if not self.province:
            qs = qs.filter(pk__in=self.agency_ids)
        return list(qs.order_by("name"))

    def check_agency(self, agency_id: int) -> None:
        """404 unless the agency is inside the scope."""
        if not self.province and agency_id not in self.agency_ids:
            raise Http404("Không tìm thấy cơ quan.")


def monitoring_access(user: Any) -> MonitoringAccess:
    if not (user is not None and user.is_authenticated and user.is_active):
        return MonitoringAccess(False, frozenset())
    rows = memberships_of(user).filter(role__in=[r.value for r in MONITOR_ROLES])
    province = False
    ids: set[int] = set()
    for role, agency_id, kind in rows.values_list("role", "agency_id", "agency__kind"):
        ids.add(agency_id)
        if Role(role) in PROVINCE_ROLES and kind in PROVINCE_KINDS:
            province = True
    return MonitoringAccess(province, frozenset(ids))
