"""Fixtures of the workspace tests: signed-in clients for the world's officers, the agency
signing certificate (self-signed, made once per session) and small PDF/PNG files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from reportlab.pdfgen import canvas
from tests.dossiers.conftest import World

from motcua.catalogue.models import (
    ChannelOption,
    Fee,
    Procedure,
    ProcedureLevel,
    ProcedureVersion,
    ProcessStep,
    RequiredDocument,
    TimeLimit,
)
from motcua.catalogue.services import default_process_steps, procedure_version_publish
from motcua.workspace.signing import make_self_signed


def pdf_bytes(text: str = "Quyết định") -> bytes:
    out = BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture(scope="session")
def cert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("chung-thu")
    make_self_signed(folder / "default.p12", "Văn phòng Đăng ký đất đai")
    return folder


@pytest.fixture(autouse=True)
def _signing(settings: Any, cert_dir: Path) -> None:
    settings.MOTCUA_SIGNING_DIR = str(cert_dir)
    settings.MOTCUA_SIGNING_PASSPHRASE = ""
    settings.MOTCUA_PUBLIC_BASE_URL = "https://dichvucong.khanhhoa.gov.vn"


@pytest.fixture
def login(world: World) -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def fee_version(world: World) -> Iterator[ProcedureVersion]:
    """A procedure with a 50 000 đồng fee at the counter, "Đăng ký tạm trú"."""
    procedure = Procedure.objects.create(code="1.004194", name="Đăng ký tạm trú")
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        name=procedure.name,
        field=world.version.field,
        level=ProcedureLevel.PROVINCE,
        agency_text="Văn phòng Đăng ký đất đai",
    )
    for channel in ("direct", "online"):
        ChannelOption.objects.create(version=version, channel=channel)
        TimeLimit.objects.create(
            version=version, channel=channel, value=Decimal(3), unit="working_days"
        )
    Fee.objects.create(version=version, channel="direct", amount=50_000, description="Lệ phí")
    RequiredDocument.objects.create(
        version=version, order=1, name="Tờ khai thay đổi thông tin cư trú"
    )
    ProcessStep.objects.bulk_create(default_process_steps(version))
    version.competent_agencies.add(world.land)
    version.receiving_agencies.add(world.center)
    return procedure_version_publish(version, dt.date(2025, 7, 1))
