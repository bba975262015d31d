"""Writes to administrative units and agencies. Views, admin actions and commands call these."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import vietnam_provinces as vp
from django.db import transaction

from motcua.agencies.identifiers import identifier_layout
from motcua.agencies.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel
from motcua.common.errors import ValidationFailed
from motcua.common.text import nfc

#: The two-level local government took effect on 1 July 2025 (Nghị quyết 202/2025/QH15,
#: Luật Tổ chức chính quyền địa phương 2025).
REORGANISATION_DATE = dt.date(2025, 7, 1)


@dataclass(frozen=True)
class UnitsLoadResult:
    provinces: int
    communes: int
    created: int


def _merged_from_by_code() -> dict[str, str]:
    """Which former provinces merged into each unit (shipped CSV, from NQ 202/2025/QH15)."""
    text = (resources.files("motcua.agencies") / "data" / "admin_units.csv").read_text("utf-8")
    return {row["code"]: row["merged_from"] for row in csv.DictReader(text.splitlines())}


@transaction.atomic
def units_load(*, province_codes: Iterable[str] | None = None) -> UnitsLoadResult:
    """Load the 34 provincial units of 1 July 2025 and their communes (GSO codes).

    Idempotent: existing units are left as they are (an administrator may have edited them);
    missing ones are created. ``province_codes`` limits the communes loaded (all by default;
    the provinces are always all loaded).
    """
    wanted = {str(c).zfill(2) for c in province_codes} if province_codes else None
    merged = _merged_from_by_code()
    existing = set(AdministrativeUnit.objects.values_list("code", flat=True))
    created = 0
    provinces: dict[str, AdministrativeUnit] = {
        u.code: u for u in AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE)
    }
    new_provinces = []
    for province in vp.Province.iter_all():
        code = str(int(province.code)).zfill(2)
        if code in existing:
            continue
        new_provinces.append(
            AdministrativeUnit(
                code=code,
                name=nfc(province.name),
                level=UnitLevel.PROVINCE,
                division_type=province.division_type.value,
                merged_from=merged.get(code, ""),
                valid_from=REORGANISATION_DATE,
            )
        )
    AdministrativeUnit.objects.bulk_create(new_provinces, batch_size=500)
    created += len(new_provinces)
    provinces.update({u.code: u for u in new_provinces})
    provinces = {u.code: u for u in AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE)}

    new_communes = []
    commune_count = 0
    for ward in vp.Ward.iter_all():
        parent_code = str(int(ward.province_code)).zfill(2)
        if wanted is not None and parent_code not in wanted:
            continue
        commune_count += 1
        code = str(int(ward.code)).zfill(5)
        if code in existing:
            continue
        new_communes.append(
            AdministrativeUnit(
                code=code,
                name=nfc(ward.name),
                level=UnitLevel.COMMUNE,
                division_type=ward.division_type.value,
                parent=provinces[parent_code],
                valid_from=REORGANISATION_DATE,
            )
        )
    AdministrativeUnit.objects.bulk_create(new_communes, batch_size=1000)
    created += len(new_communes)
    return UnitsLoadResult(provinces=len(provinces), communes=commune_count, created=created)


@dataclass(frozen=True)
class AgencySpec:
    """What an agency is, independent of the database (used by the demo and imports)."""

    code: str
    name: str
    kind: AgencyKind
    unit_code: str
    parent_code: str | None = None
    short_name: str = ""
    address: str = ""
    phone: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    successor_code: str | None = None


@transaction.atomic
def agencies_upsert(specs: Iterable[AgencySpec]) -> int:
    """Create or update agencies from specs, parents before children. Returns how many changed.

    Codes are validated (QĐ 20/2020/QĐ-TTg Điều 4) before anything is written; a bad spec
    raises :class:`ValidationFailed` naming the code and nothing is written.
    """
    specs = list(specs)
    for spec in specs:
        identifier_layout(spec.code)
        if spec.valid_from and spec.valid_to and spec.valid_to < spec.valid_from:
            raise ValidationFailed(f"Cơ quan {spec.code}: ngày hết hiệu lực trước ngày bắt đầu.")
    units = {
        u.code: u for u in AdministrativeUnit.objects.filter(code__in={s.unit_code for s in specs})
    }
    changed = 0
    by_code: dict[str, Agency] = {}
    for spec in specs:  # parents are listed before their children
        unit = units.get(spec.unit_code)
        if unit is None:
            raise ValidationFailed(
                f"Cơ quan {spec.code}: không có đơn vị hành chính mã {spec.unit_code}."
            )
        parent = None
        if spec.parent_code:
            parent = by_code.get(spec.parent_code) or Agency.objects.get(code=spec.parent_code)
        values = {
            "name": nfc(spec.name),
            "short_name": nfc(spec.short_name),
            "kind": spec.kind,
            "unit": unit,
            "parent": parent,
            "address": nfc(spec.address),
            "phone": spec.phone,
            "valid_from": spec.valid_from,
            "valid_to": spec.valid_to,
        }
        agency, created = Agency.objects.get_or_create(code=spec.code, defaults=values)
        if not created:
            dirty = [k for k, v in values.items() if getattr(agency, k) != v]
            for k in dirty:
                setattr(agency, k, values[k])
            if dirty:
                agency.save(update_fields=[*dirty, "updated_at"])
                changed += 1
        else:
            changed += 1
        by_code[spec.code] = agency
    for spec in specs:
        if spec.successor_code:
            agency = by_code[spec.code]
            successor = by_code.get(spec.successor_code) or Agency.objects.get(
                code=spec.successor_code
            )
            if agency.successor_id != successor.pk:
                agency_succeed(agency, successor, on=spec.valid_to or REORGANISATION_DATE)
    return changed


@transaction.atomic
def agency_succeed(old: Agency, new: Agency, *, on: dt.date) -> Agency:
    """Record that ``new`` replaces ``old`` from the day after ``on`` (a merger or re-coding).

    The old agency keeps its code forever — dossiers received under it keep the old code
    (rules.md §2.4, "never recompute old dossier codes"); it simply stops being valid.
    """
    if old.pk == new.pk:
        raise ValidationFailed("Cơ quan không thể kế thừa chính nó.")
    seen = {old.pk}
    cursor: Agency | None = new
    while cursor is not None:  # refuse cycles: A → B → A
        if cursor.pk in seen:
            raise ValidationFailed(
                f"Không thể ghi {new.code} kế thừa {old.code}: tạo thành vòng lặp kế thừa."
            )
        seen.add(cursor.pk)
        cursor = cursor.successor
    old.successor = new
    old.valid_to = on
    old.save(update_fields=["successor", "valid_to", "updated_at"])
    return old
