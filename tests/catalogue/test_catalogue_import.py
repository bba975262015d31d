"""Import of the real 30 procedures: structure, review flags, idempotency, rejection."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from motcua.agencies.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel
from motcua.catalogue.importer import (
    ImportRejected,
    ImportReport,
    catalogue_import,
    catalogue_import_file,
    record_hash,
)
from motcua.catalogue.models import (
    ChannelOption,
    Fee,
    Procedure,
    ProcedureVersion,
    ProcessStep,
    RequiredDocument,
    TimeLimit,
    VersionStatus,
)
from motcua.catalogue.selectors import procedure_get, procedure_version_for
from motcua.catalogue.services import procedure_version_create_draft

from .conftest import START

CLEAN_TIME_LIMITS = {
    "1.004222",
    "1.003197",
    "1.010038",
    "1.004194",
    "1.010028",
    "1.012766",
    "1.012785",
    "1.012786",
    "1.012787",
    "1.012790",
    "1.012796",
}
FULLY_CLEAN = {"1.004222", "1.003197", "1.010038", "1.004194", "1.010028"}


def _snapshot() -> dict[str, Any]:
    return {
        "procedures": list(Procedure.objects.order_by("pk").values_list("pk", "updated_at")),
        "versions": list(
            ProcedureVersion.objects.order_by("pk").values_list("pk", "status", "updated_at")
        ),
        "time_limits": TimeLimit.objects.count(),
        "fees": Fee.objects.count(),
        "documents": RequiredDocument.objects.count(),
        "steps": ProcessStep.objects.count(),
    }


def test_import_of_the_30_structures_the_unambiguous_and_flags_the_rest(
    imported: ImportReport,
) -> None:
    assert imported.total == 30
    assert len(imported.created) == 30
    assert set(imported.time_limit_review) == set(imported.created) - CLEAN_TIME_LIMITS
    assert len(imported.time_limit_review) == 19
    assert set(imported.created) - set(imported.needs_review) == FULLY_CLEAN
    versions = ProcedureVersion.objects.select_related("procedure")
    assert versions.count() == 30
    for version in versions:
        assert version.status == VersionStatus.PUBLISHED
        assert version.effective_from == START
        assert version.time_limit_text
        assert version.fee_text
        tl_flagged = any(r["field"] == "time_limit" for r in version.review_reasons)
        assert tl_flagged is (version.procedure.code not in CLEAN_TIME_LIMITS)
        if version.procedure.code in CLEAN_TIME_LIMITS:
            limits = list(version.time_limits.all())
            assert limits
            assert all(limit.is_computable for limit in limits)
        if version.needs_review:
            assert all(r["reason"] for r in version.review_reasons)
        # Every imported procedure has the standard electronic process, shares adding up to 1.
        steps = list(version.steps.all())
        assert len(steps) == 6
        assert sum(step.share for step in steps) == Decimal(1)


def test_structured_values_of_permanent_residence(imported: ImportReport) -> None:
    version = procedure_version_for(procedure_get("1.004222"), dt.date(2026, 6, 1))
    assert version is not None
    assert set(version.channels.values_list("channel", flat=True)) == {"direct", "online"}
    limits = version.time_limits.order_by("channel")
    assert [(lim.channel, lim.value, lim.unit, lim.condition) for lim in limits] == [
        ("direct", Decimal(7), "working_days", ""),
        ("online", Decimal(7), "working_days", ""),
    ]
    assert limits[0].cutoff == dt.time(15, 0)
    fees = dict(version.fees.values_list("channel", "amount"))
    assert fees == {"direct": 20000, "online": 10000}
    assert version.fee_note == "miễn theo Điều 4 Thông tư 75/2022/TT-BTC"
    docs = list(version.documents.order_by("order"))
    assert (docs[0].originals, docs[0].copies) == (1, 0)
    assert docs[2].originals is None
    assert docs[2].case.startswith("Chỗ ở hợp pháp")
    assert version.level == "commune"
    assert version.legal_bases.count() == 7


def test_reimporting_the_same_file_changes_nothing(imported: ImportReport) -> None:
    before = _snapshot()
    report = catalogue_import_file(publish_from=dt.date(2026, 3, 1))
    assert len(report.unchanged) == 30
    assert report.created == []
    assert report.new_versions == []
    assert len(report.needs_review) == len(imported.needs_review)
    assert _snapshot() == before


def test_a_changed_record_becomes_a_new_version(
    imported: ImportReport, records: list[dict[str, Any]]
) -> None:
    changed = copy.deepcopy(records)
    changed[0]["time_limit"] = "Trong thời hạn 05 ngày làm việc kể từ ngày nhận được hồ sơ"
    changed[0]["time_limit"] += " đầy đủ và hợp lệ"
    report = catalogue_import(changed, publish_from=dt.date(2026, 7, 1))
    assert report.new_versions == ["1.004222"]
    assert len(report.unchanged) == 29
    procedure = procedure_get("1.004222")
    old, new = procedure.versions.order_by("number")
    assert (old.status, old.effective_to) == (VersionStatus.RETIRED, dt.date(2026, 7, 1))
    assert (new.status, new.effective_from) == (VersionStatus.PUBLISHED, dt.date(2026, 7, 1))
    assert procedure_version_for(procedure, dt.date(2026, 6, 30)) == old
    assert procedure_version_for(procedure, dt.date(2026, 7, 1)) == new
    assert old.time_limits.first().value == 7  # type: ignore[union-attr]
    assert new.time_limits.first().value == 5  # type: ignore[union-attr]
    # and importing the changed file again changes nothing
    again = catalogue_import(changed, publish_from=dt.date(2026, 8, 1))
    assert len(again.unchanged) == 30


def test_a_changed_record_is_refused_while_a_draft_is_being_edited(
    imported: ImportReport, records: list[dict[str, Any]]
) -> None:
    procedure_version_create_draft(procedure_get("1.004222"))
    changed = copy.deepcopy(records)
    changed[0]["name"] = "Đăng ký thường trú (sửa)"
    with pytest.raises(ImportRejected, match=r"Bản ghi 0 \(1\.004222\): .*bản nháp"):
        catalogue_import(changed)
    # an unchanged file is still fine: the draft copied the source hash
    assert len(catalogue_import(records).unchanged) == 30


def test_import_records_the_source_hash(
    imported: ImportReport, records: list[dict[str, Any]]
) -> None:
    version = procedure_get("1.004222").versions.get()
    assert version.source_hash == record_hash(records[0])


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda r: r[3].__setitem__("documents", "x"),
            'Bản ghi 3 (1.004194): trường "documents" phải là danh sách',
        ),
        (lambda r: r[5].pop("time_limit"), 'Bản ghi 5 (1.010040): thiếu trường "time_limit"'),
        (
            lambda r: r[2].__setitem__("code", "1.0100"),
            'Bản ghi 2 (1.0100): trường "code" phải có dạng',
        ),
        (
            lambda r: r[7].__setitem__("code", r[0]["code"]),
            'Bản ghi 7 (1.004222): trường "code" trùng với bản ghi 0',
        ),
        (lambda r: r[1].__setitem__("fee", 0), 'Bản ghi 1 (1.003197): trường "fee" phải là chuỗi'),
        (
            lambda r: r[1]["documents"][0].__setitem__("original", "1"),
            'Bản ghi 1 (1.003197): trường "documents[0]": "original" phải là số nguyên',
        ),
        (
            lambda r: r[4].__setitem__("colour", "xanh"),
            'Bản ghi 4 (1.010028): trường "colour" không được hỗ trợ',
        ),
        (
            lambda r: r[6].__setitem__("name", "  "),
            'Bản ghi 6 (2.001159): trường "name" không được để trống',
        ),
        (lambda r: r.__setitem__(9, "not an object"), "Bản ghi 9: phải là một đối tượng JSON"),
    ],
)
def test_malformed_files_are_rejected_and_import_nothing(
    db: None, records: list[dict[str, Any]], write_json: Any, mutate: Any, message: str
) -> None:
    mutate(records)
    path = write_json(records)
    with pytest.raises(ImportRejected) as info:
        catalogue_import_file(path)
    assert message in str(info.value)
    assert Procedure.objects.count() == 0
    assert ProcedureVersion.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "không phải JSON hợp lệ: dòng 1"),
        ('{"code": "1.004222"}', "phải chứa một danh sách"),
        ("[]", "không có thủ tục nào"),
    ],
)
def test_files_that_are_not_a_list_of_procedures(
    db: None, write_json: Any, content: str, message: str
) -> None:
    with pytest.raises(ImportRejected, match=message):
        catalogue_import_file(write_json(content))
    assert Procedure.objects.count() == 0


def test_a_missing_file_is_reported(db: None, tmp_path: Any) -> None:
    with pytest.raises(ImportRejected, match="Không tìm thấy tệp"):
        catalogue_import_file(tmp_path / "none.json")


def test_a_failure_midway_rolls_back_everything(db: None, records: list[dict[str, Any]]) -> None:
    """All or nothing: a publication refused on the last record undoes the 29 before."""
    catalogue_import(records[:1], publish_from=dt.date(2026, 5, 1))
    changed = copy.deepcopy(records)
    changed[0]["name"] = "Đăng ký thường trú (bản mới)"
    changed.append(changed.pop(0))  # the refused record comes last
    with pytest.raises(ImportRejected, match=r"Bản ghi 29 \(1\.004222\).*sớm hơn"):
        catalogue_import(changed, publish_from=dt.date(2026, 1, 1))
    assert Procedure.objects.count() == 1
    assert ProcedureVersion.objects.count() == 1
    assert ChannelOption.objects.count() == 2


@dataclass(frozen=True)
class Links:
    competent: tuple[str, ...]
    receiving: tuple[str, ...]
    coordinating: tuple[str, ...] = ()


@pytest.fixture
def agencies(db: None) -> dict[str, Agency]:
    unit = AdministrativeUnit.objects.create(
        code="56", name="Tỉnh Khánh Hòa", level=UnitLevel.PROVINCE, division_type="Tỉnh"
    )
    return {
        code: Agency.objects.create(code=code, name=name, kind=kind, unit=unit)
        for code, name, kind in [
            ("000.00.00.H56", "Trung tâm PVHCC tỉnh", AgencyKind.PROVINCIAL_SERVICE_CENTER),
            ("000.00.16.H56", "Công an tỉnh", AgencyKind.VERTICAL_AGENCY),
        ]
    }


def test_agencies_are_linked_by_code_and_take_part_in_the_hash(
    agencies: dict[str, Agency], records: list[dict[str, Any]]
) -> None:
    def links(record: dict[str, Any]) -> Links:
        return Links(competent=("000.00.16.H56",), receiving=("000.00.00.H56",))

    catalogue_import(records[:2], publish_from=START, agencies_for=links)
    version = procedure_get("1.004222").versions.get()
    assert [a.code for a in version.competent_agencies.all()] == ["000.00.16.H56"]
    assert [a.code for a in version.receiving_agencies.all()] == ["000.00.00.H56"]
    assert catalogue_import(records[:2], agencies_for=links).unchanged == ["1.004222", "1.003197"]
    # without the links the content differs: a new version, the linked one is kept
    report = catalogue_import(records[:2], publish_from=dt.date(2026, 2, 1))
    assert report.new_versions == ["1.004222", "1.003197"]


def test_unknown_agency_codes_reject_the_file(
    agencies: dict[str, Agency], records: list[dict[str, Any]]
) -> None:
    with pytest.raises(ImportRejected, match=r'Bản ghi 1 \(1\.003197\): trường "agency"'):
        catalogue_import(
            records[:2],
            agencies_for=lambda r: Links(
                competent=("000.00.99.H56",) if r["code"] == "1.003197" else (),
                receiving=(),
            ),
        )
    assert not Procedure.objects.exists()
