"""Prepare the demo province through the same services the real system uses (idempotent)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from motcua.accounts.models import User, UserKind
from motcua.accounts.roles import Role
from motcua.accounts.services import officer_create
from motcua.agencies.models import Agency
from motcua.agencies.services import agencies_upsert, units_load
from motcua.catalogue.importer import catalogue_import_file
from motcua.demo import agencies as demo_agencies

# A published demo password: the demo refuses to run with DEBUG off (see the command).
DEMO_PASSWORD = "motcua-demo-2026"  # noqa: S105


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    agency: str


@dataclass
class DemoResult:
    password: str
    logins: list[DemoLogin] = field(default_factory=list)
    units: str = ""
    agencies: int = 0
    catalogue: str = ""
    dossiers: str = ""

    def summary(self) -> str:
        lines = [
            f"Đơn vị hành chính: {self.units}",
            f"Cơ quan trình diễn: {self.agencies}",
            f"Danh mục thủ tục: {self.catalogue}",
        ]
        if self.dossiers:
            lines.append(self.dossiers)
        return "\n".join(lines)


_, NHA_TRANG_CENTER, NHA_TRANG_POLICE = demo_agencies.commune_codes("101")

#: (username, full name, role, agency code) of the demo officers.
OFFICERS: list[tuple[str, str, Role, str]] = [
    ("quantri", "Nguyễn Văn Quản", Role.ADMINISTRATOR, demo_agencies.COMMITTEE_OFFICE),
    ("giamdoc", "Trần Thị Minh Thư", Role.CENTER_DIRECTOR, demo_agencies.SERVICE_CENTER),
    ("tiepnhan", "Lê Thị Hồng Nhung", Role.RECEPTION_OFFICER, demo_agencies.SERVICE_CENTER),
    ("tiepnhan.nhatrang", "Phạm Quốc Bảo", Role.RECEPTION_OFFICER, NHA_TRANG_CENTER),
    (
        "chuyenvien.datdai",
        "Võ Thành Đạt",
        Role.SPECIALIST,
        demo_agencies.LAND_REGISTRATION_OFFICE,
    ),
    (
        "truongphong.datdai",
        "Đặng Thị Ngọc Hân",
        Role.DEPARTMENT_HEAD,
        demo_agencies.LAND_REGISTRATION_OFFICE,
    ),
    (
        "lanhdao.datdai",
        "Huỳnh Văn Lợi",
        Role.AGENCY_LEADER,
        demo_agencies.LAND_REGISTRATION_OFFICE,
    ),
    ("chuyenvien.congan", "Ngô Minh Tuấn", Role.SPECIALIST, NHA_TRANG_POLICE),
    ("lanhdao.congan", "Bùi Đức Thắng", Role.AGENCY_LEADER, NHA_TRANG_POLICE),
    ("chuyenvien.tuphap", "Lý Thu Trang", Role.SPECIALIST, demo_agencies.DEPT_JUSTICE),
    ("thanhtra", "Đỗ Khánh Linh", Role.AUDITOR, demo_agencies.PROVINCIAL_COMMITTEE),
]

#: The demo citizen (a portal account; the portal itself comes with a later issue).
CITIZEN = ("congdan", "Nguyễn Thị Lan", "056190001234")


def _officers(result: DemoResult) -> None:
    for username, full_name, role, agency_code in OFFICERS:
        officer_create(
            username=username,
            full_name=full_name,
            password=DEMO_PASSWORD,
            agency=agency_code,
            roles=[role],
        )
        agency = Agency.objects.get(code=agency_code)
        result.logins.append(DemoLogin(username, role.label, agency.name))
    username, full_name, personal_id = CITIZEN
    if not User.objects.filter(username=username).exists():
        user = User(
            username=username,
            full_name=full_name,
            personal_id=personal_id,
            kind=UserKind.CITIZEN,
        )
        user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()
    result.logins.append(DemoLogin(username, Role.CITIZEN.label, "—"))


def demo_prepare(
    *, progress: Callable[[str], Any] | None = None, dossiers: bool = False
) -> DemoResult:
    """Load units, the Khánh Hòa agencies, the 30 sample procedures, the demo accounts and
    (``dossiers=True``, what ``motcua demo`` does) a few hundred demo dossiers in every status
    (``demo.dossiers``, ≈ 15 s on SQLite: off by default so the tests stay fast).

    Idempotent: running it again changes nothing that is already there.
    """
    say = progress or (lambda _msg: None)
    result = DemoResult(password=DEMO_PASSWORD)
    with transaction.atomic():
        say("Nạp đơn vị hành chính…")
        units = units_load()
        result.units = f"{units.provinces} tỉnh, thành phố; {units.communes} xã, phường"
        say("Nạp cơ quan trình diễn…")
        specs = demo_agencies.demo_agency_specs()
        agencies_upsert(specs)
        result.agencies = len(specs)
        say("Nhập danh mục thủ tục hành chính…")
        report = catalogue_import_file(agencies_for=demo_agencies.procedure_agencies)
        result.catalogue = report.summary()
        from motcua.demo.publication import demo_publication_dates

        say("Ghi ngày quyết định công bố và công khai thủ tục…")
        demo_publication_dates()
        say("Tạo tài khoản trình diễn…")
        _officers(result)
        from motcua.queueing.demo import queue_demo_prepare

        say("Cấu hình xếp hàng, gọi số tại quầy…")
        queue_demo_prepare()
    if dossiers:
        from motcua.demo.dossiers import demo_dossiers_build

        say("Tạo hồ sơ trình diễn qua các dịch vụ nghiệp vụ…")
        with transaction.atomic():
            result.dossiers = demo_dossiers_build().summary()
    return result
