"""A fee paid online before submission lands on the dossier (``dossier_record_prepayment``):
``paid_at``, a ``record_payment`` control-sheet row by the system with the amount and reference,
its audit entry — in one transaction — and the indicators count it as an online payment."""

from __future__ import annotations

import pytest
from tests.dossiers.conftest import World, at
from tests.dossiers.test_processing import check_invariants

from motcua.audit.models import AuditEntry
from motcua.dossiers import services as sv
from motcua.dossiers.errors import DossierInvalid
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.monitoring.facts import derive

pytestmark = pytest.mark.django_db


def _online(world: World, fee: int | None = 75000) -> Dossier:
    return sv.dossier_submit_online(
        actor=world.citizen,
        procedure=world.procedure,
        receiving_agency=world.center,
        applicant=world.applicant(user=world.citizen),
        fee_amount=fee,
        at=at(2, 10),
    )


def test_a_prepayment_is_recorded_on_the_new_dossier(world: World) -> None:
    d = _online(world)
    version = d.version
    done = sv.dossier_record_prepayment(
        dossier=d, amount=75000, reference="MC26030201", paid_at=at(2, 9, 50), at=at(2, 10, 1)
    )
    fresh = Dossier.objects.get(pk=d.pk)
    assert fresh.paid_at == at(2, 9, 50)
    assert fresh.status == "submitted"  # no state change: the officer still decides
    assert fresh.version == version + 1 == done.version
    event = DossierEvent.objects.get(dossier=d, seq=2)
    assert event.action == "record_payment"
    assert (event.from_status, event.to_status) == ("submitted", "submitted")
    assert event.actor is None
    assert event.at == at(2, 10, 1)
    assert event.data["amount"] == 75000
    assert event.data["reference"] == "MC26030201"
    entry = AuditEntry.objects.get(action="dossier.record_payment", object_id=str(d.uuid))
    assert entry.data["amount"] == 75000
    check_invariants(fresh)
    # The indicators (QĐ 766, 3.6) count it as paid online.
    (fact,) = derive([d.pk])
    assert fact.flags["paid_online"]
    # The officer then accepts as usual.
    accepted = sv.dossier_accept(actor=world.reception, dossier=d.code, at=at(2, 11))
    assert accepted.paid_at == at(2, 9, 50)


@pytest.mark.parametrize(
    ("amount", "message"),
    [(70000, "không khớp"), (0, "không khớp"), (750000, "không khớp")],
)
def test_a_wrong_amount_is_refused_and_nothing_written(
    world: World, amount: int, message: str
) -> None:
    d = _online(world)
    with pytest.raises(DossierInvalid, match=message):
        sv.dossier_record_prepayment(dossier=d, amount=amount, reference="X", paid_at=at(2, 9))
    fresh = Dossier.objects.get(pk=d.pk)
    assert fresh.paid_at is None
    assert fresh.version == d.version
    assert DossierEvent.objects.filter(dossier=d).count() == 1
    assert not AuditEntry.objects.filter(action="dossier.record_payment").exists()


def test_only_once_only_online_only_before_the_decision(world: World) -> None:
    d = _online(world)
    sv.dossier_record_prepayment(dossier=d, amount=75000, reference="A", paid_at=at(2, 9))
    with pytest.raises(DossierInvalid, match="đã được ghi nhận"):
        sv.dossier_record_prepayment(dossier=d, amount=75000, reference="B", paid_at=at(2, 9))
    assert DossierEvent.objects.filter(dossier=d, action="record_payment").count() == 1
    # No fee declared.
    free = _online(world, fee=None)
    with pytest.raises(DossierInvalid, match="không khớp"):
        sv.dossier_record_prepayment(dossier=free, amount=75000, reference="C", paid_at=at(2, 9))
    # Already accepted: the officer's side handles fees (request / record payment).
    later = _online(world)
    sv.dossier_accept(actor=world.reception, dossier=later.code, at=at(2, 11))
    with pytest.raises(DossierInvalid, match="chưa được tiếp nhận"):
        sv.dossier_record_prepayment(dossier=later, amount=75000, reference="D", paid_at=at(2, 9))
    # A counter dossier.
    counter = world.receive(fee_amount=75000)
    with pytest.raises(DossierInvalid, match="trực tuyến"):
        sv.dossier_record_prepayment(dossier=counter, amount=75000, reference="E", paid_at=at(2, 9))
    # A payment moment after the recording moment is nonsense.
    future = _online(world)
    with pytest.raises(DossierInvalid, match="sau thời điểm"):
        sv.dossier_record_prepayment(
            dossier=future, amount=75000, reference="F", paid_at=at(3, 9), at=at(2, 12)
        )
