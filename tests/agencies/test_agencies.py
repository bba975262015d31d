"""Administrative units, agency identifier codes and the agency tree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from motcua.agencies.identifiers import Layout, identifier_layout, level1_code
from motcua.agencies.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel
from motcua.agencies.selectors import agencies_valid_at, agency_current, agency_descendants
from motcua.agencies.services import AgencySpec, agencies_upsert, agency_succeed, units_load
from motcua.common.errors import ValidationFailed
from motcua.demo.agencies import SERVICE_CENTER, demo_agency_specs


@pytest.mark.parametrize(
    ("code", "layout", "level1"),
    [
        ("000.00.16.H41", Layout.LEVEL1_RIGHT, "H41"),
        ("000.00.00.H49", Layout.LEVEL1_RIGHT, "H49"),
        ("38.98.H29", Layout.LEVEL1_RIGHT, "H29"),
        ("H01.151.01", Layout.LEVEL1_LEFT, "H01"),
        ("H55.242", Layout.LEVEL1_LEFT, "H55"),
        ("G14", Layout.LEVEL1_LEFT, "G14"),
    ],
)
def test_identifier_layouts(code: str, layout: Layout, level1: str) -> None:
    assert identifier_layout(code) is layout
    assert level1_code(code) == level1


@pytest.mark.parametrize(
    "code",
    ["", "000.00.16.h41", "000-00-16-H41", "000.00.16.Z41", "H1.151", "000..16.H41", "X" * 36],
)
def test_bad_identifiers_are_refused_in_vietnamese(code: str) -> None:
    with pytest.raises(ValidationFailed, match="Mã định danh"):
        identifier_layout(code)


@pytest.mark.django_db
def test_units_load_gives_34_provinces_and_is_idempotent() -> None:
    first = units_load(province_codes=["56"])
    assert first.provinces == 34
    assert first.communes == 65  # Khánh Hòa after absorbing Ninh Thuận
    assert AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE).count() == 34
    khanh_hoa = AdministrativeUnit.objects.get(code="56")
    assert khanh_hoa.name == "Khánh Hòa"
    assert khanh_hoa.merged_from == "Khánh Hòa + Ninh Thuận"
    assert khanh_hoa.children.filter(name="Phường Phan Rang").exists()
    again = units_load(province_codes=["56"])
    assert again.created == 0
    assert AdministrativeUnit.objects.count() == 34 + 65


@pytest.mark.django_db
def test_units_load_all_communes() -> None:
    result = units_load()
    assert result.communes > 3000
    assert AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE, parent=None).count() == 0


@pytest.fixture
def khanh_hoa(db: None) -> None:
    units_load(province_codes=["56"])


@pytest.mark.usefixtures("khanh_hoa")
def test_demo_tree_loads_and_reloading_changes_nothing() -> None:
    specs = demo_agency_specs()
    assert agencies_upsert(specs) == len(specs)
    assert agencies_upsert(specs) == 0
    center = Agency.objects.get(code=SERVICE_CENTER)
    assert center.is_one_stop
    assert center.parent is not None
    assert center.parent.kind == AgencyKind.COMMITTEE_OFFICE
    assert Agency.objects.filter(kind=AgencyKind.DEPARTMENT).count() >= 6
    assert Agency.objects.filter(kind=AgencyKind.COMMUNE_SERVICE_CENTER).count() == 3
    old = Agency.objects.get(code="000.01.01.H43")
    assert old.successor == center
    assert agency_current(old) == center
    assert old not in agencies_valid_at(dt.date(2026, 1, 5))
    assert old in agencies_valid_at(dt.date(2025, 6, 30))
    committee = Agency.objects.get(kind=AgencyKind.PROVINCIAL_COMMITTEE)
    assert center in agency_descendants(committee)


@pytest.mark.usefixtures("khanh_hoa")
def test_a_bad_spec_writes_nothing() -> None:
    specs = [
        AgencySpec("000.00.00.H32", "UBND", AgencyKind.PROVINCIAL_COMMITTEE, "56"),
        AgencySpec("not a code", "Sở", AgencyKind.DEPARTMENT, "56"),
    ]
    with pytest.raises(ValidationFailed):
        agencies_upsert(specs)
    assert Agency.objects.count() == 0


@pytest.mark.usefixtures("khanh_hoa")
def test_unknown_unit_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="đơn vị hành chính"):
        agencies_upsert([AgencySpec("000.00.00.H32", "UBND", AgencyKind.OTHER, "99999")])
    assert Agency.objects.count() == 0


@pytest.mark.usefixtures("khanh_hoa")
def test_succession_cycles_are_refused() -> None:
    unit = AdministrativeUnit.objects.get(code="56")
    a = Agency.objects.create(code="H32.1", name="A", kind=AgencyKind.OTHER, unit=unit)
    b = Agency.objects.create(code="H32.2", name="B", kind=AgencyKind.OTHER, unit=unit)
    agency_succeed(a, b, on=dt.date(2025, 6, 30))
    with pytest.raises(ValidationFailed, match="vòng lặp"):
        agency_succeed(b, a, on=dt.date(2025, 7, 1))
    with pytest.raises(ValidationFailed):
        agency_succeed(a, a, on=dt.date(2025, 7, 1))
    a.refresh_from_db()
    assert a.code == "H32.1"  # the old code stays on the old agency


@pytest.mark.usefixtures("khanh_hoa")
def test_model_validation_messages_are_vietnamese() -> None:
    unit = AdministrativeUnit.objects.get(code="56")
    agency = Agency(
        code="bad code",
        name="X",
        kind=AgencyKind.OTHER,
        unit=unit,
        valid_from=dt.date(2025, 7, 2),
        valid_to=dt.date(2025, 7, 1),
    )
    with pytest.raises(ValidationError) as err:
        agency.full_clean()
    assert "Mã định danh" in str(err.value.message_dict["code"])
    assert "Ngày hết hiệu lực" in str(err.value.message_dict["valid_to"])
