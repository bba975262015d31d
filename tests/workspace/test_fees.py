"""Conditional fees chosen one by one at the counter (NĐ 118/2025 Điều 24; docs/catalogue.md):
every line without a condition is due, the conditional lines the officer ticks are added, the
amounts are the catalogue's — a total or an amount posted by the form is never trusted — and a
fee line that is not a conditional line of the version for the direct channel is refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from tests.dossiers.conftest import World
from tests.workspace.test_intake import _form

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
from motcua.common.errors import ValidationFailed
from motcua.dossiers.models import Dossier
from motcua.workspace import services
from motcua.workspace.models import FeeCollection

pytestmark = pytest.mark.django_db


@pytest.fixture
def fee_version(world: World) -> ProcedureVersion:
    """“Đăng ký biến động” with a 50 000 đồng line, two conditional lines at the counter and a
    conditional online line (built before publication: published versions are immutable)."""
    procedure = Procedure.objects.create(code="1.004227", name="Đăng ký biến động có điều kiện")
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
    Fee.objects.create(
        version=version,
        channel="direct",
        order=2,
        amount=20_000,
        description="Phí trích lục bản đồ",
        condition="Khi người nộp yêu cầu trích lục",
    )
    Fee.objects.create(
        version=version,
        channel="direct",
        order=3,
        amount=100_000,
        description="Phí thẩm định",
        condition="Tổ chức, doanh nghiệp",
    )
    Fee.objects.create(
        version=version,
        channel="online",
        amount=10_000,
        description="Lệ phí nộp trực tuyến",
        condition="Nộp qua Cổng dịch vụ công",
    )
    RequiredDocument.objects.create(version=version, order=1, name="Đơn đăng ký biến động")
    ProcessStep.objects.bulk_create(default_process_steps(version))
    version.competent_agencies.add(world.land)
    version.receiving_agencies.add(world.center)
    return procedure_version_publish(version, dt.date(2025, 7, 1))


@pytest.fixture
def fees(fee_version: ProcedureVersion) -> dict[str, Fee]:
    rows = {(f.channel, f.order): f for f in fee_version.fees.all()}
    return {
        "base": rows[("direct", 1)],
        "map": rows[("direct", 2)],
        "org": rows[("direct", 3)],
        "online": rows[("online", 1)],
    }


def _post(client: Client, world: World, version: ProcedureVersion, **data: Any) -> Any:
    return client.post(
        "/can-bo/tiep-nhan/",
        _form(world, version, hinh_thuc_nop_phi="cash", so_bien_lai="BL-77", **data),
    )


def test_the_form_lists_every_line_with_its_condition(
    world: World, login: Callable[[Any], Client], fee_version: ProcedureVersion, fees: Any
) -> None:
    page = login(world.reception).get(f"/can-bo/tiep-nhan/?thu-tuc={fee_version.procedure.code}")
    html = page.content.decode()
    assert f'name="phi" value="{fees["map"].pk}"' in html
    assert f'name="phi" value="{fees["org"].pk}"' in html
    assert "Khi người nộp yêu cầu trích lục" in html
    assert f'name="phi" value="{fees["online"].pk}"' not in html  # another channel's line
    assert "data-fee-total>50000<" in html  # only the unconditional line to start with


def test_the_sum_of_the_ticked_lines_is_collected(
    world: World, login: Callable[[Any], Client], fee_version: ProcedureVersion, fees: Any
) -> None:
    response = _post(login(world.reception), world, fee_version, phi=[str(fees["map"].pk)])
    assert response.status_code == 302, response.content.decode()[:3000]
    dossier = Dossier.objects.get()
    assert dossier.fee_amount == 70_000
    row = FeeCollection.objects.get()
    assert row.amount == 70_000
    assert [line["fee"] for line in row.lines] == [fees["base"].pk, fees["map"].pk]
    assert [line["amount"] for line in row.lines] == [50_000, 20_000]
    assert row.lines[1]["condition"] == "Khi người nộp yêu cầu trích lục"
    page = login(world.reception).get(f"/can-bo/ho-so/{dossier.code}/").content.decode()
    assert "Phí trích lục bản đồ (Khi người nộp yêu cầu trích lục): 20000 đồng" in page


def test_no_conditional_line_ticked_collects_the_unconditional_ones(
    world: World, login: Callable[[Any], Client], fee_version: ProcedureVersion, fees: Any
) -> None:
    response = _post(login(world.reception), world, fee_version)
    assert response.status_code == 302
    assert FeeCollection.objects.get().amount == 50_000


def test_a_tampered_amount_is_ignored_the_server_recomputes(
    world: World, login: Callable[[Any], Client], fee_version: ProcedureVersion, fees: Any
) -> None:
    response = _post(
        login(world.reception),
        world,
        fee_version,
        phi=[str(fees["map"].pk), str(fees["org"].pk)],
        tong_phi="1",
        so_tien="1",
        **{f"phi_{fees['org'].pk}_so_tien": "1"},
    )
    assert response.status_code == 302
    assert FeeCollection.objects.get().amount == 170_000
    assert Dossier.objects.get().fee_amount == 170_000


@pytest.mark.parametrize("bad", ["online", "base", "garbage", "other_version"])
def test_a_tampered_fee_line_is_refused_and_nothing_is_saved(
    world: World,
    login: Callable[[Any], Client],
    fee_version: ProcedureVersion,
    fees: Any,
    bad: str,
) -> None:
    draft = ProcedureVersion.objects.create(
        procedure=fee_version.procedure,
        name="Bản nháp",
        field=fee_version.field,
        level=ProcedureLevel.PROVINCE,
    )
    other = Fee.objects.create(
        version=draft, channel="direct", amount=1, condition="Khác", description="Khác"
    )
    value = {
        "online": str(fees["online"].pk),  # a line of another channel
        "base": str(fees["base"].pk),  # an unconditional line ticked twice
        "garbage": "1 OR 1=1",
        "other_version": str(other.pk),  # a line of another procedure
    }[bad]
    response = _post(login(world.reception), world, fee_version, phi=[value])
    assert response.status_code == 400
    assert "không thuộc danh mục phí, lệ phí" in response.content.decode()
    assert not Dossier.objects.exists()
    assert not FeeCollection.objects.exists()


def test_fee_lines_service_directly(fee_version: ProcedureVersion, fees: Any) -> None:
    lines = services.fee_lines(fee_version, "direct", [str(fees["org"].pk)])
    assert [line.amount for line in lines] == [50_000, 100_000]
    fee = services.fee_for_intake(
        fee_version, "direct", [str(fees["org"].pk)], method="cash", receipt_number="X"
    )
    assert fee.amount == 150_000
    with pytest.raises(ValidationFailed):
        services.fee_lines(fee_version, "online", [str(fees["org"].pk)])
    assert [line.amount for line in services.fee_lines(fee_version, "online", [])] == []
