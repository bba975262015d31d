"""The demo province: Khánh Hòa (which absorbed Ninh Thuận on 1 July 2025).

The agency identifier codes below are **illustrative**: the official list of Khánh Hòa's codes
was not available when this was written (rules.md §2.4 warns against guessing), so the level-1
group ``H32`` and every lower group are placeholders an administrator replaces with the
official codes. Both layouts are shown on purpose: province-level agencies in the
TT 10/2016 layout (level 1 on the right), the new communes in the TT 04/2025 layout
(level 1 on the left).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from motcua.agencies.models import AgencyKind
from motcua.agencies.services import REORGANISATION_DATE, AgencySpec

PROVINCE = "56"  # Khánh Hòa (GSO)
L1 = "H32"

PROVINCIAL_COMMITTEE = f"000.00.00.{L1}"
COMMITTEE_OFFICE = f"000.00.01.{L1}"
SERVICE_CENTER = f"000.01.01.{L1}"
DEPT_JUSTICE = f"000.00.05.{L1}"
DEPT_AGRICULTURE_ENV = f"000.00.10.{L1}"
LAND_REGISTRATION_OFFICE = f"000.01.10.{L1}"
DEPT_CONSTRUCTION = f"000.00.11.{L1}"
DEPT_FINANCE = f"000.00.12.{L1}"
DEPT_HOME_AFFAIRS = f"000.00.13.{L1}"
DEPT_HEALTH = f"000.00.14.{L1}"
PROVINCIAL_POLICE = f"000.00.20.{L1}"

#: Three communes with their People's Committee, service center and police.
COMMUNES = [
    ("22366", "Phường Nha Trang", "101"),
    ("22759", "Phường Phan Rang", "102"),
    ("22420", "Phường Cam Ranh", "103"),
]

#: The former Ninh Thuận service center: valid until 30 June 2025, succeeded by Khánh Hòa's.
FORMER_NINH_THUAN_CENTER = "000.01.01.H43"


def commune_codes(suffix: str) -> tuple[str, str, str]:
    """(People's Committee, service center, police) codes of a demo commune."""
    return f"{L1}.{suffix}", f"{L1}.{suffix}.01", f"{L1}.{suffix}.02"


def demo_agency_specs() -> list[AgencySpec]:
    """The demo agency tree, parents first."""
    start = REORGANISATION_DATE
    specs = [
        AgencySpec(
            PROVINCIAL_COMMITTEE,
            "Ủy ban nhân dân tỉnh Khánh Hòa",
            AgencyKind.PROVINCIAL_COMMITTEE,
            PROVINCE,
            short_name="UBND tỉnh",
            address="01 Trần Phú, phường Nha Trang, tỉnh Khánh Hòa",
            valid_from=start,
        ),
        AgencySpec(
            COMMITTEE_OFFICE,
            "Văn phòng Ủy ban nhân dân tỉnh Khánh Hòa",
            AgencyKind.COMMITTEE_OFFICE,
            PROVINCE,
            PROVINCIAL_COMMITTEE,
            short_name="VP UBND tỉnh",
            valid_from=start,
        ),
        AgencySpec(
            SERVICE_CENTER,
            "Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa",
            AgencyKind.PROVINCIAL_SERVICE_CENTER,
            PROVINCE,
            COMMITTEE_OFFICE,
            short_name="TTPVHCC tỉnh",
            address="Nha Trang, tỉnh Khánh Hòa",
            phone="0258 1022",
            valid_from=start,
        ),
    ]
    departments = [
        (DEPT_JUSTICE, "Sở Tư pháp tỉnh Khánh Hòa", "Sở Tư pháp"),
        (DEPT_AGRICULTURE_ENV, "Sở Nông nghiệp và Môi trường tỉnh Khánh Hòa", "Sở NN&MT"),
        (DEPT_CONSTRUCTION, "Sở Xây dựng tỉnh Khánh Hòa", "Sở Xây dựng"),
        (DEPT_FINANCE, "Sở Tài chính tỉnh Khánh Hòa", "Sở Tài chính"),
        (DEPT_HOME_AFFAIRS, "Sở Nội vụ tỉnh Khánh Hòa", "Sở Nội vụ"),
        (DEPT_HEALTH, "Sở Y tế tỉnh Khánh Hòa", "Sở Y tế"),
    ]
    for code, name, short in departments:
        specs.append(
            AgencySpec(
                code,
                name,
                AgencyKind.DEPARTMENT,
                PROVINCE,
                PROVINCIAL_COMMITTEE,
                short_name=short,
                valid_from=start,
            )
        )
    specs.append(
        AgencySpec(
            LAND_REGISTRATION_OFFICE,
            "Văn phòng Đăng ký đất đai tỉnh Khánh Hòa",
            AgencyKind.DEPARTMENT_UNIT,
            PROVINCE,
            DEPT_AGRICULTURE_ENV,
            short_name="VPĐKĐĐ",
            valid_from=start,
        )
    )
    specs.append(
        AgencySpec(
            PROVINCIAL_POLICE,
            "Công an tỉnh Khánh Hòa",
            AgencyKind.VERTICAL_AGENCY,
            PROVINCE,
            None,
            short_name="Công an tỉnh",
            valid_from=start,
        )
    )
    for unit_code, name, suffix in COMMUNES:
        committee, center, police = commune_codes(suffix)
        local = name[0].lower() + name[1:]  # "phường Nha Trang"
        specs += [
            AgencySpec(
                committee,
                f"Ủy ban nhân dân {local}",
                AgencyKind.COMMUNE_COMMITTEE,
                unit_code,
                PROVINCIAL_COMMITTEE,
                short_name=f"UBND {name}",
                valid_from=start,
            ),
            AgencySpec(
                center,
                f"Trung tâm Phục vụ hành chính công {local}",
                AgencyKind.COMMUNE_SERVICE_CENTER,
                unit_code,
                committee,
                short_name=f"TTPVHCC {name}",
                valid_from=start,
            ),
            AgencySpec(
                police,
                f"Công an {local}",
                AgencyKind.VERTICAL_AGENCY,
                unit_code,
                PROVINCIAL_POLICE,
                short_name=f"Công an {name}",
                valid_from=start,
            ),
        ]
    specs.append(
        AgencySpec(
            FORMER_NINH_THUAN_CENTER,
            "Trung tâm Phục vụ hành chính công tỉnh Ninh Thuận (trước sáp nhập)",
            AgencyKind.PROVINCIAL_SERVICE_CENTER,
            PROVINCE,
            None,
            short_name="TTPVHCC Ninh Thuận (cũ)",
            address="44 đường 16 Tháng 4, Phan Rang – Tháp Chàm",
            valid_from=dt.date(2019, 1, 1),
            valid_to=dt.date(2025, 6, 30),
            successor_code=SERVICE_CENTER,
        )
    )
    return specs


@dataclass(frozen=True)
class ProcedureAgencies:
    """Agency codes a demo procedure is linked to (competent, receiving, coordinating)."""

    competent: tuple[str, ...]
    receiving: tuple[str, ...]
    coordinating: tuple[str, ...] = ()


def procedure_agencies(record: dict[str, Any]) -> ProcedureAgencies:
    """Which demo agencies handle a sample procedure.

    Residence procedures are decided by the commune police (Luật Cư trú 2020); land
    procedures by the Land Registration Office under the Department of Agriculture and
    Environment. Every one-stop center of the province receives them regardless of
    administrative boundary (ND118 Đ14.2).
    """
    centers = (SERVICE_CENTER, *(commune_codes(s)[1] for _, _, s in COMMUNES))
    if "cư trú" in record.get("field", "").lower() or "Công an" in record.get("agency", ""):
        police = tuple(commune_codes(s)[2] for _, _, s in COMMUNES)
        return ProcedureAgencies(competent=police, receiving=centers)
    return ProcedureAgencies(
        competent=(LAND_REGISTRATION_OFFICE,),
        receiving=centers,
        coordinating=(DEPT_AGRICULTURE_ENV,),
    )
