"""Versioning: a published version is immutable; drafts, publication, the version in effect."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from motcua.agencies.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel
from motcua.catalogue.importer import ImportReport
from motcua.catalogue.models import (
    Fee,
    ImmutableVersion,
    ProcedureVersion,
    ProcessStep,
    TimeLimit,
    VersionStatus,
)
from motcua.catalogue.selectors import procedure_get, procedure_version_for, time_limit_for
from motcua.catalogue.services import (
    procedure_version_create_draft,
    procedure_version_problems,
    procedure_version_publish,
)
from motcua.common.errors import ValidationFailed

from .conftest import START


@pytest.fixture
def version(imported: ImportReport) -> ProcedureVersion:
    return procedure_get("1.004222").versions.get()


def test_a_published_version_cannot_be_saved_or_deleted(version: ProcedureVersion) -> None:
    version.name = "Tên khác"
    with pytest.raises(ImmutableVersion, match="đã công bố không được sửa"):
        version.save()
    with pytest.raises(ImmutableVersion):
        version.delete()
    # Queryset deletes run in Django's own atomic block: keep the test transaction usable.
    with pytest.raises(ImmutableVersion), transaction.atomic():
        ProcedureVersion.objects.filter(pk=version.pk).delete()
    assert procedure_get("1.004222").versions.get().name == "Đăng ký thường trú"


def test_the_rows_of_a_published_version_are_frozen(version: ProcedureVersion) -> None:
    limit = version.time_limits.first()
    assert limit is not None
    limit.value = Decimal(1)
    with pytest.raises(ImmutableVersion):
        limit.save()
    with pytest.raises(ImmutableVersion):
        limit.delete()
    with pytest.raises(ImmutableVersion), transaction.atomic():
        Fee.objects.filter(version=version).delete()
    with pytest.raises(ImmutableVersion):
        TimeLimit.objects.create(version=version, channel="direct", value=1, unit="working_days")
    unit = AdministrativeUnit.objects.create(
        code="56", name="Tỉnh Khánh Hòa", level=UnitLevel.PROVINCE, division_type="Tỉnh"
    )
    agency = Agency.objects.create(
        code="000.00.00.H56", name="UBND tỉnh", kind=AgencyKind.PROVINCIAL_COMMITTEE, unit=unit
    )
    with pytest.raises(ImmutableVersion), transaction.atomic():
        version.competent_agencies.add(agency)
    with pytest.raises(ImmutableVersion), transaction.atomic():
        agency.competent_for_versions.add(version)
    assert not version.competent_agencies.exists()


def test_a_new_version_copies_everything_and_is_published_later(
    version: ProcedureVersion,
) -> None:
    draft = procedure_version_create_draft(version.procedure)
    assert (draft.number, draft.status) == (2, VersionStatus.DRAFT)
    assert draft.source_hash == version.source_hash
    for relation in ("channels", "time_limits", "fees", "documents", "legal_bases", "steps"):
        assert getattr(draft, relation).count() == getattr(version, relation).count() > 0
    # the draft can be edited
    TimeLimit.objects.filter(version=draft).update(value=Decimal(5))
    draft.name = "Đăng ký thường trú (sửa đổi)"
    draft.save()
    with pytest.raises(ValidationFailed, match="đã có bản nháp"):
        procedure_version_create_draft(version.procedure)

    published = procedure_version_publish(draft, dt.date(2026, 9, 1))
    version.refresh_from_db()
    assert (version.status, version.effective_to) == (VersionStatus.RETIRED, dt.date(2026, 9, 1))
    assert published.status == VersionStatus.PUBLISHED
    assert published.published_at is not None
    procedure = procedure_get("1.004222")
    assert procedure.name == "Đăng ký thường trú (sửa đổi)"
    # a dossier received on 31/8 keeps version 1; one received on 1/9 gets version 2
    assert procedure_version_for(procedure, dt.date(2026, 8, 31)) == version
    assert procedure_version_for(procedure, dt.date(2026, 9, 1)) == published
    assert procedure_version_for(procedure, START - dt.timedelta(days=1)) is None
    limit = time_limit_for(published, "direct")
    assert limit is not None
    assert limit.value == 5


def test_publication_validates_completeness(version: ProcedureVersion) -> None:
    draft = procedure_version_create_draft(version.procedure)
    ProcessStep.objects.filter(version=draft, order=3).update(share=Decimal("0.5"))
    TimeLimit.objects.filter(version=draft, channel="online").delete()
    problems = procedure_version_problems(draft)
    assert any("Tổng tỷ lệ thời hạn của các bước là 0.9" in p for p in problems)
    assert any("Thiếu thời hạn giải quyết cho hình thức “Trực tuyến”" in p for p in problems)
    with pytest.raises(ValidationFailed, match=r"Chưa công bố được thủ tục 1\.004222"):
        procedure_version_publish(draft, dt.date(2026, 9, 1))
    assert draft.status == VersionStatus.DRAFT


def test_publication_cannot_go_back_in_time(version: ProcedureVersion) -> None:
    draft = procedure_version_create_draft(version.procedure)
    with pytest.raises(ValidationFailed, match="sớm hơn ngày hiệu lực"):
        procedure_version_publish(draft, START - dt.timedelta(days=1))


def test_a_published_version_cannot_be_published_again(version: ProcedureVersion) -> None:
    with pytest.raises(ValidationFailed, match="Chỉ công bố được bản nháp"):
        procedure_version_publish(version, dt.date(2026, 9, 1))


def test_a_reviewed_draft_clears_the_flag(imported: ImportReport) -> None:
    """The reviewer fixes the unit of "15 ngày: nếu …" and publishes a clean version."""
    procedure = procedure_get("1.012782")
    current = procedure.versions.get()
    assert current.needs_review
    assert time_limit_for(current, "direct", "có nhu cầu xác định lại diện tích đất ở") is None
    draft = procedure_version_create_draft(procedure)
    TimeLimit.objects.filter(version=draft).update(unit="working_days")
    draft.needs_review = False
    draft.save()
    published = procedure_version_publish(draft, dt.date(2026, 2, 1))
    assert published.review_reasons == []
    limit = time_limit_for(published, "postal", "có nhu cầu xác định lại diện tích đất ở")
    assert limit is not None
    assert (limit.value, limit.unit) == (20, "working_days")


def test_only_one_published_and_one_draft_per_procedure_in_the_database(
    version: ProcedureVersion,
) -> None:
    ProcedureVersion.objects.filter(pk=version.pk).update(status=VersionStatus.DRAFT)
    second = ProcedureVersion(procedure=version.procedure, name="x", field=version.field)
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
