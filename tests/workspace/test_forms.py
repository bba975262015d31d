"""The register (PDF and XLSX), the demo certificate command, regenerating forms identically."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import load_workbook
from tests.dossiers.conftest import World, at
from tests.workspace.test_intake import pdf_text

from motcua.dossiers.models import Dossier
from motcua.dossiers.services import dossier_forward
from motcua.workspace import forms_pdf

pytestmark = pytest.mark.django_db


def _two(world: World) -> list[Dossier]:
    first = world.receive(n=1, at=at(2, 9), accept=True)
    second = world.receive(n=2, at=at(3, 10), accept=True)
    dossier_forward(actor=world.reception, dossier=first.code, at=at(2, 14))
    world.receive(n=3, at=at(20, 10), accept=True)  # outside the period
    return [first, second]


def test_register_as_xlsx(world: World, login: Callable[[Any], Client]) -> None:
    first, second = _two(world)
    response = login(world.reception).get(
        "/can-bo/so-theo-doi/?tu=2026-03-01&den=2026-03-10&dinh_dang=xlsx"
    )
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert [row[1] for row in values] == [first.code, second.code]
    assert values[0][0] == "1"
    assert values[0][4] == "Nguyễn Văn An 1"
    assert values[0][9] == "02/03/2026"  # forwarded that day
    assert values[1][9] is None  # not forwarded yet
    assert sheet["A2"].value == "STT"


def test_register_as_pdf_and_bad_periods(world: World, login: Callable[[Any], Client]) -> None:
    first, _ = _two(world)
    client = login(world.reception)
    response = client.get("/can-bo/so-theo-doi/?tu=2026-03-01&den=2026-03-10&dinh_dang=pdf")
    text = pdf_text(response.content)
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert first.code in text
    bad = client.get("/can-bo/so-theo-doi/?tu=2026-03-10&den=2026-03-01")
    assert bad.status_code == 400
    assert "Ngày kết thúc phải sau" in bad.content.decode()
    bad = client.get("/can-bo/so-theo-doi/?tu=hom-qua&den=2026-03-01")
    assert bad.status_code == 400
    assert "Ngày không hợp lệ" in bad.content.decode()
    assert client.get("/can-bo/so-theo-doi/").status_code == 200
    assert login(world.specialist).get("/can-bo/so-theo-doi/").status_code == 404


def test_every_form_regenerates_identically(world: World) -> None:
    d = world.receive(n=4, at=at(2, 9), accept=True)
    for slug in ("giay-tiep-nhan", "phieu-kiem-soat"):
        build = forms_pdf.FORMS[slug][1]
        again = Dossier.objects.get(pk=d.pk)
        assert build(d) == build(again), slug


def test_democert_makes_a_certificate_once(settings: Any, tmp_path: Path, world: World) -> None:
    settings.MOTCUA_SIGNING_DIR = str(tmp_path)
    call_command("democert", agency=world.land.code)
    assert (tmp_path / f"{world.land.code}.p12").is_file()
    with pytest.raises(CommandError, match="--force"):
        call_command("democert", agency=world.land.code)
    with pytest.raises(CommandError, match="Không có cơ quan"):
        call_command("democert", agency="KHONG.CO")
    call_command("democert")
    assert (tmp_path / "default.p12").is_file()
    assert dt.date.today()


def test_admin_lists_are_read_only(world: World, login: Callable[[Any], Client]) -> None:
    from motcua.accounts.models import User

    root = User.objects.create_superuser("goc", "goc@example.org", "mat-khau-rat-dai-2026")
    client = login(root)
    for model in ("feecollection", "resultdocument", "resulthandover"):
        response = client.get(f"/quan-tri/workspace/{model}/")
        assert response.status_code == 200, model
        assert client.get(f"/quan-tri/workspace/{model}/add/").status_code == 403
