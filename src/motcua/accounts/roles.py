"""The roles of motcua. Pure data, no database access.

Roles follow who does what in Decree 118/2025 (rules.md §1.11): the reception officer of the
one-stop unit (Đ11, Đ17), the handling specialist (Đ19.1–4), the head of the department or
agency who assigns and approves (Đ19.1), the leader who signs (Đ22.1), the director of the
Public Administrative Service Center (Đ9), plus a read-only auditor and the administrator.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    CITIZEN = "citizen", "Công dân, tổ chức"
    RECEPTION_OFFICER = "reception_officer", "Cán bộ tiếp nhận (Bộ phận Một cửa)"
    SPECIALIST = "specialist", "Chuyên viên xử lý"
    DEPARTMENT_HEAD = "department_head", "Lãnh đạo phòng"
    AGENCY_LEADER = "agency_leader", "Lãnh đạo cơ quan"
    CENTER_DIRECTOR = "center_director", "Giám đốc Trung tâm"
    AUDITOR = "auditor", "Thanh tra, kiểm tra (chỉ xem)"
    ADMINISTRATOR = "administrator", "Quản trị hệ thống"


#: Roles held through a membership of an agency (everyone but citizens).
OFFICER_ROLES: frozenset[Role] = frozenset(Role) - {Role.CITIZEN}
