"""Returning a result by post (QĐ 45/2016/QĐ-TTg): the postal tracking number and the moment
the result was handed to the postal operator, then the moment the operator reports it delivered
to the applicant — each through the engine (control-sheet rows), bad input refused with nothing
changed, another agency's dossier not found."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from tests.dossiers.conftest import World

from motcua.common.errors import ValidationFailed
from motcua.dossiers import services as engine
from motcua.dossiers.errors import DossierInvalid, DossierNotFound
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.workspace.models import PostalDelivery, ResultHandover
from motcua.workspace.services import HandoverInput, result_postal_delivered, result_return

pytestmark = pytest.mark.django_db


def _resolved(world: World) -> Dossier:
    """A dossier whose result is signed and waits at the one-stop center (engine calls)."""
    start = timezone.now() - dt.timedelta(days=2)
    d = world.receive(n=7, at=start, accept=True)
    d = engine.dossier_forward(actor=world.reception, dossier=d.pk, at=start)
    d = engine.dossier_assign(
        actor=world.head, dossier=d.pk, assignee=world.specialist, at=start + dt.timedelta(hours=1)
    )
    d = engine.dossier_submit_draft(
        actor=world.specialist, dossier=d.pk, at=start + dt.timedelta(hours=2)
    )
    d = engine.dossier_approve(actor=world.head, dossier=d.pk, at=start + dt.timedelta(hours=3))
    d = engine.dossier_sign(actor=world.leader, dossier=d.pk, at=start + dt.timedelta(hours=4))
    assert d.status == "resolved"
    return d


def _act(client: Client, code: str, action: str, **data: Any) -> Any:
    data.setdefault("version", str(Dossier.objects.get(code=code).version))
    return client.post(f"/can-bo/ho-so/{code}/thao-tac/{action}/", data)


def _local(moment: dt.datetime) -> tuple[str, str]:
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d}", f"{local:%H:%M}"


def test_post_return_then_delivery_through_the_pages(
    world: World, login: Callable[[Any], Client]
) -> None:
    d = _resolved(world)
    reception = login(world.reception)
    handed = (timezone.now() - dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    day, time = _local(handed)
    response = _act(
        reception,
        d.code,
        "return_result",
        hinh_thuc="post",
        so_hieu_buu_gui="el123456789vn",
        giao_buu_chinh_ngay=day,
        giao_buu_chinh_gio=time,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    handover = ResultHandover.objects.get(dossier=d)
    assert handover.postal_tracking == "EL123456789VN"
    assert handover.handed_at == handed
    d.refresh_from_db()
    assert d.status == "returned"
    assert d.returned_at == handed
    page = reception.get(f"/can-bo/ho-so/{d.code}/").content.decode()
    assert "EL123456789VN" in page
    assert "chưa có xác nhận phát" in page
    assert "Bưu chính xác nhận đã phát kết quả" in page  # the action is offered

    delivered = handed + dt.timedelta(hours=2)
    day, time = _local(delivered)
    response = _act(
        reception, d.code, "postal_delivered", phat_ngay=day, phat_gio=time, ghi_chu="Bưu tá báo"
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = PostalDelivery.objects.get()
    assert row.handover == handover
    assert row.delivered_at == delivered
    event = DossierEvent.objects.filter(dossier=d).order_by("-seq").first()
    assert event is not None
    assert event.action == "postal_delivered"
    assert event.from_status == event.to_status == "returned"
    assert dt.datetime.fromisoformat(event.data["delivered_at"]) == delivered
    d.refresh_from_db()
    assert d.status == "returned"
    page = reception.get(f"/can-bo/ho-so/{d.code}/").content.decode()
    assert (
        f"bưu chính đã phát cho người nhận lúc {timezone.localtime(delivered):%H:%M %d/%m/%Y}"
        in (page)
    )
    assert 'thao-tac/postal_delivered/"' not in page  # confirmed once: no longer offered
    # a second confirmation is refused and changes nothing
    response = _act(reception, d.code, "postal_delivered", phat_ngay=day, phat_gio=time)
    assert response.status_code == 400
    assert PostalDelivery.objects.count() == 1


def test_empty_or_malformed_tracking_number_is_refused(world: World) -> None:
    d = _resolved(world)
    for bad in ("", "   ", "EL 123/VN", "x" * 41):
        with pytest.raises(ValidationFailed, match="bưu gửi"):
            result_return(
                actor=world.reception,
                code=d.code,
                data=HandoverInput(method="post", postal_tracking=bad),
                expected_version=d.version,
            )
    d.refresh_from_db()
    assert d.status == "resolved"
    assert not ResultHandover.objects.exists()


def test_handover_in_the_future_or_before_the_last_action_is_refused(world: World) -> None:
    d = _resolved(world)
    now = timezone.now()
    for moment, message in (
        (now + dt.timedelta(hours=1), "tương lai"),
        (now - dt.timedelta(days=5), "trước thao tác gần nhất"),
    ):
        with pytest.raises(ValidationFailed, match=message):
            result_return(
                actor=world.reception,
                code=d.code,
                data=HandoverInput(method="post", postal_tracking="EL1234VN", handed_at=moment),
                expected_version=d.version,
            )
    assert not ResultHandover.objects.exists()


def _posted(world: World, handed: dt.datetime) -> Dossier:
    d = _resolved(world)
    d, _ = result_return(
        actor=world.reception,
        code=d.code,
        data=HandoverInput(method="post", postal_tracking="EL123456789VN", handed_at=handed),
        expected_version=d.version,
    )
    return d


def test_delivery_before_handover_is_refused(world: World, login: Callable[[Any], Client]) -> None:
    handed = timezone.now() - dt.timedelta(hours=1)
    d = _posted(world, handed)
    events = DossierEvent.objects.filter(dossier=d).count()
    with pytest.raises(ValidationFailed, match="không được trước thời điểm giao cho bưu chính"):
        result_postal_delivered(
            actor=world.reception,
            code=d.code,
            delivered_at=handed - dt.timedelta(minutes=1),
            expected_version=d.version,
        )
    # the page answers 400 with the Vietnamese message, and for a date that cannot be read
    day, time = _local(handed - dt.timedelta(hours=1))
    response = _act(
        login(world.reception), d.code, "postal_delivered", phat_ngay=day, phat_gio=time
    )
    assert response.status_code == 400
    assert "không được trước thời điểm giao cho bưu chính" in response.content.decode()
    response = _act(
        login(world.reception), d.code, "postal_delivered", phat_ngay="31/02/2026", phat_gio="9"
    )
    assert response.status_code == 400
    assert "không hợp lệ" in response.content.decode()
    with pytest.raises(ValidationFailed, match="tương lai"):
        result_postal_delivered(
            actor=world.reception,
            code=d.code,
            delivered_at=timezone.now() + dt.timedelta(hours=1),
            expected_version=d.version,
        )
    assert DossierEvent.objects.filter(dossier=d).count() == events
    assert not PostalDelivery.objects.exists()


def test_the_engine_refuses_a_delivery_before_the_return(world: World) -> None:
    handed = timezone.now() - dt.timedelta(hours=1)
    d = _posted(world, handed)
    with pytest.raises(DossierInvalid, match="không được trước"):
        engine.dossier_confirm_postal_delivery(
            actor=world.reception, dossier=d.pk, delivered_at=handed - dt.timedelta(seconds=1)
        )
    engine.dossier_confirm_postal_delivery(actor=world.reception, dossier=d.pk, delivered_at=handed)
    with pytest.raises(DossierInvalid, match="đã xác nhận"):
        engine.dossier_confirm_postal_delivery(
            actor=world.reception, dossier=d.pk, delivered_at=handed
        )


def test_counter_handover_has_no_postal_delivery(world: World) -> None:
    d = _resolved(world)
    d, _ = result_return(
        actor=world.reception,
        code=d.code,
        data=HandoverInput(
            method="counter", receiver_name="Nguyễn Văn An 7", receiver_id="056190000007"
        ),
        expected_version=d.version,
    )
    with pytest.raises(DossierInvalid, match="không gửi qua dịch vụ bưu chính"):
        result_postal_delivered(
            actor=world.reception, code=d.code, delivered_at=timezone.now(), expected_version=None
        )


def test_another_agencys_dossier_is_not_found(world: World, login: Callable[[Any], Client]) -> None:
    handed = timezone.now() - dt.timedelta(hours=1)
    d = _posted(world, handed)
    with pytest.raises(DossierNotFound):
        result_postal_delivered(
            actor=world.other_reception, code=d.code, delivered_at=handed, expected_version=None
        )
    day, time = _local(handed)
    response = _act(
        login(world.other_reception), d.code, "postal_delivered", phat_ngay=day, phat_gio=time
    )
    assert response.status_code == 404
    assert not PostalDelivery.objects.exists()
