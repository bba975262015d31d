"""Fixtures of the portal tests: a building-permit procedure with an online channel, a fee, two
required documents and its own JSON-schema fields; a verified citizen with a password."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from tests.dossiers.conftest import World

from motcua.accounts.models import User
from motcua.catalogue.models import (
    ChannelOption,
    Fee,
    LegalBasis,
    OnlineLevel,
    Procedure,
    ProcedureLevel,
    ProcedureResult,
    ProcedureVersion,
    ProcessStep,
    RequiredDocument,
    TimeLimit,
)
from motcua.catalogue.services import default_process_steps, procedure_version_publish
from motcua.portal import notify
from motcua.portal.models import CitizenProfile, ProcedureForm

PASSWORD = "mat-khau-rat-dai-2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

SCHEMA = {
    "type": "object",
    "properties": {
        "dia_chi_cong_trinh": {"type": "string", "title": "Địa chỉ công trình", "maxLength": 200},
        "so_tang": {"type": "integer", "title": "Số tầng", "minimum": 1, "maximum": 50},
        "loai": {"type": "string", "title": "Loại công trình", "enum": ["Nhà ở riêng lẻ", "Khác"]},
    },
    "required": ["dia_chi_cong_trinh", "so_tang"],
}


def sent() -> list[Any]:
    """What the worker would have sent by now (the outbox delivered once)."""
    notify.deliver()
    return list(mail.outbox)


def pdf(name: str = "don.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@dataclass
class Portal:
    world: World
    procedure: Procedure
    version: ProcedureVersion
    citizen: User
    other: User

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


def citizen(username: str, personal_id: str, phone: str) -> User:
    user = User.objects.create(
        username=username,
        full_name="Trần Thị Bình",
        personal_id=personal_id,
        phone=phone,
        email=username if "@" in username else "",
        kind="citizen",
    )
    user.set_password(PASSWORD)
    user.save()
    CitizenProfile.objects.create(
        user=user,
        email_verified_at=timezone.now(),
        address="5 Lê Lợi, Nha Trang",
        date_of_birth=dt.date(1988, 5, 4),
    )
    return user


@pytest.fixture(scope="session")
def cert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from motcua.workspace.signing import make_self_signed

    folder = tmp_path_factory.mktemp("chung-thu")
    make_self_signed(folder / "default.p12", "Văn phòng Đăng ký đất đai")
    return folder


@pytest.fixture(autouse=True)
def _settings(settings: Any, cert_dir: Path, tmp_path: Path) -> None:
    """The agency signing certificate; SMS files and other local data in a temporary folder."""
    settings.MOTCUA_SIGNING_DIR = str(cert_dir)
    settings.MOTCUA_SIGNING_PASSPHRASE = ""
    settings.MOTCUA_PUBLIC_BASE_URL = "https://dichvucong.khanhhoa.gov.vn"
    settings.DATA_DIR = tmp_path


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def portal(world: World) -> Portal:
    procedure = Procedure.objects.create(code="1.009972", name="Cấp giấy phép xây dựng")
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        name="Cấp giấy phép xây dựng",
        field=world.version.field,
        level=ProcedureLevel.PROVINCE,
        online_level=OnlineLevel.FULL,
        conditions="Công trình phù hợp quy hoạch.",
    )
    for channel in ("direct", "online"):
        ChannelOption.objects.create(version=version, channel=channel)
        TimeLimit.objects.create(
            version=version, channel=channel, value=Decimal(15), unit="working_days"
        )
    Fee.objects.create(version=version, channel="online", amount=75000, description="Lệ phí")
    Fee.objects.create(version=version, channel="direct", amount=150000, description="Lệ phí")
    RequiredDocument.objects.create(
        version=version, order=1, name="Đơn đề nghị cấp giấy phép xây dựng", originals=1
    )
    RequiredDocument.objects.create(
        version=version, order=2, name="Bản vẽ thiết kế xây dựng", copies=2
    )
    ProcedureResult.objects.create(version=version, name="Giấy phép xây dựng")
    LegalBasis.objects.create(version=version, order=1, text="Luật Xây dựng số 50/2014/QH13")
    ProcessStep.objects.bulk_create(default_process_steps(version))
    version.competent_agencies.add(world.land)
    version.receiving_agencies.add(world.center)
    version = procedure_version_publish(version, dt.date(2025, 7, 1))
    ProcedureForm.objects.create(procedure=procedure, schema=SCHEMA)
    return Portal(
        world=world,
        procedure=procedure,
        version=version,
        citizen=citizen("binh@example.vn", "056188001234", "0912345678"),
        other=citizen("0987654321", "056188009999", "0987654321"),
    )
