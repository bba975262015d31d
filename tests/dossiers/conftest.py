"""A small province for the dossier tests: two one-stop centers, a competent agency with its
officers, a partner agency, one procedure (5 working days, the standard 6-step process) and a
procedure whose time limit needs review. Built through the real services where they exist; the
ORM is never mocked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from motcua.accounts.models import User, UserKind
from motcua.accounts.roles import Role
from motcua.accounts.services import officer_create
from motcua.agencies.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel
from motcua.catalogue.models import (
    ChannelOption,
    Field,
    Procedure,
    ProcedureLevel,
    ProcedureVersion,
    ProcessStep,
    RequiredDocument,
    TimeLimit,
)
from motcua.catalogue.services import default_process_steps, procedure_version_publish
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import ApplicantInput, DocumentInput, dossier_receive
from motcua.workcalendar.selectors import clear_cache

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
#: Monday 2 March 2026, 09:00 — an ordinary working day.
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


def at(day: int, hour: int = 9, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


@dataclass
class World:
    center: Agency
    other_center: Agency
    land: Agency
    partner: Agency
    procedure: Procedure
    version: ProcedureVersion
    review_version: ProcedureVersion
    reception: User
    other_reception: User
    head: User
    specialist: User
    leader: User
    auditor: User
    director: User
    admin: User
    citizen: User
    other_citizen: User

    def applicant(self, n: int = 1, user: User | None = None) -> ApplicantInput:
        return ApplicantInput(
            full_name=f"Nguyễn Văn An {n}",
            personal_id=f"0561900{n:05d}",
            date_of_birth=dt.date(1990, 1, 1),
            phone="0905123456",
            address="12 Trần Phú, phường Nha Trang",
            user=user,
        )

    def receive(self, *, at: dt.datetime = MONDAY, n: int = 1, **kwargs: object) -> Dossier:
        kwargs.setdefault(
            "documents",
            [DocumentInput(required_document=doc) for doc in self.version.documents.all()],
        )
        kwargs.setdefault("applicant", self.applicant(n))
        kwargs.setdefault("procedure", self.procedure)
        return dossier_receive(
            actor=self.reception,
            receiving_agency=self.center,
            at=at,
            **kwargs,  # type: ignore[arg-type]
        )


def _version(
    procedure: Procedure, field: Field, land: Agency, center: Agency, *, review: bool
) -> ProcedureVersion:
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        name=procedure.name,
        field=field,
        level=ProcedureLevel.PROVINCE,
        agency_text="Văn phòng Đăng ký đất đai",
        needs_review=review,
        review_reasons=[{"field": "time_limit", "reason": "Thời hạn là một khoảng."}]
        if review
        else [],
    )
    for channel in ("direct", "online", "postal"):
        ChannelOption.objects.create(version=version, channel=channel)
        TimeLimit.objects.create(
            version=version,
            channel=channel,
            value=Decimal(5),
            value_max=Decimal(10) if review else None,
            unit="working_days",
        )
    RequiredDocument.objects.create(version=version, order=1, name="Đơn đăng ký theo mẫu")
    RequiredDocument.objects.create(version=version, order=2, name="Giấy chứng nhận (bản gốc)")
    ProcessStep.objects.bulk_create(default_process_steps(version))
    version.competent_agencies.add(land)
    version.receiving_agencies.add(center)
    return procedure_version_publish(version, dt.date(2025, 7, 1))


@pytest.fixture
def world(db: None) -> World:
    clear_cache()
    province = AdministrativeUnit.objects.create(
        code="56", name="Tỉnh Khánh Hòa", level=UnitLevel.PROVINCE, division_type="Tỉnh"
    )

    def agency(code: str, name: str, kind: AgencyKind) -> Agency:
        return Agency.objects.create(code=code, name=name, kind=kind, unit=province)

    center = agency("000.01.01.H32", "Trung tâm PVHCC tỉnh", AgencyKind.PROVINCIAL_SERVICE_CENTER)
    other_center = agency(
        "H32.101.01", "Trung tâm PVHCC phường Nha Trang", AgencyKind.COMMUNE_SERVICE_CENTER
    )
    land = agency("000.01.10.H32", "Văn phòng Đăng ký đất đai", AgencyKind.DEPARTMENT_UNIT)
    partner = agency("000.00.12.H32", "Sở Tài chính", AgencyKind.DEPARTMENT)
    field = Field.objects.create(name="Đất đai")
    procedure = Procedure.objects.create(code="1.004222", name="Đăng ký biến động đất đai")
    review = Procedure.objects.create(code="1.004223", name="Thủ tục cần rà soát thời hạn")
    version = _version(procedure, field, land, center, review=False)
    review_version = _version(review, field, land, center, review=True)

    def officer(username: str, agency: Agency, role: Role) -> User:
        user, _ = officer_create(
            username=username,
            full_name=username.replace(".", " ").title(),
            password=None,
            agency=agency,
            roles=[role],
        )
        return user

    def citizen(username: str, personal_id: str) -> User:
        return User.objects.create(
            username=username,
            full_name=username.title(),
            personal_id=personal_id,
            kind=UserKind.CITIZEN,
        )

    admin = User.objects.create(username="quantri", kind=UserKind.OFFICER, is_superuser=True)
    return World(
        center=center,
        other_center=other_center,
        land=land,
        partner=partner,
        procedure=procedure,
        version=version,
        review_version=review_version,
        reception=officer("tiepnhan", center, Role.RECEPTION_OFFICER),
        other_reception=officer("tiepnhan.xa", other_center, Role.RECEPTION_OFFICER),
        head=officer("truongphong", land, Role.DEPARTMENT_HEAD),
        specialist=officer("chuyenvien", land, Role.SPECIALIST),
        leader=officer("lanhdao", land, Role.AGENCY_LEADER),
        auditor=officer("thanhtra", land, Role.AUDITOR),
        director=officer("giamdoc", center, Role.CENTER_DIRECTOR),
        admin=admin,
        citizen=citizen("congdan", "056190000001"),
        other_citizen=citizen("congdan2", "056190000002"),
    )
