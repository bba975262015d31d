"""The push of an electronic result to the applicant's personal data store on the Cổng DVCQG
(QĐ 766 4.4; NĐ 45/2020 Điều 14, 16; NĐ 118/2025 Điều 22 khoản 4), through the outbox, against
the stand-in portal: eligible returns only, retried through an outage and recorded once, the
applicant's refusal (who may record it, when), audit entries."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from tests.api.results import resolved_with_signed_result, sign_result, use_test_certificate
from tests.dossiers.conftest import World, at
from tests.monitoring.helpers import decide, to_appraisal
from tests.workspace.conftest import pdf_bytes

from motcua.audit.models import AuditEntry
from motcua.catalogue.models import ProcedureResult
from motcua.common.errors import PermissionDenied
from motcua.dossiers import services as engine
from motcua.dossiers.errors import DossierInvalid, DossierNotFound
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import ApplicantInput
from motcua.integrations.fake_national import FakeNationalPortal
from motcua.integrations.models import (
    Delivery,
    ResultStorePush,
    ResultStoreRefusal,
    Subscription,
)
from motcua.integrations.services import (
    delivery_resend,
    result_store_ineligible,
    result_store_refusal_record,
    run_outbox,
)
from motcua.workspace import services as ws
from motcua.workspace.services import HandoverInput, result_return

pytestmark = pytest.mark.django_db
SECRET = "khoa-kho-du-lieu"
#: The return of the result (the dossier is signed on 3 March, 11:00).
RETURNED = at(4, 9)


@pytest.fixture
def portal() -> Iterator[FakeNationalPortal]:
    server = FakeNationalPortal(secret=SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def store(world: World, portal: FakeNationalPortal, settings: Any, tmp_path: Path) -> Subscription:
    """A subscriber of kind ``national_store`` (made before any event, as in production) and the
    agency certificate that signs the results."""
    use_test_certificate(settings, tmp_path)
    # The published version's result and its national type code (a published version is
    # immutable through save(); the catalogue import writes its rows like this).
    ProcedureResult.objects.bulk_create(
        [
            ProcedureResult(
                version=world.version,
                order=1,
                name="Giấy chứng nhận quyền sử dụng đất",
                result_type_code="KQ.01.004222",
            )
        ]
    )
    return Subscription.objects.create(
        name="Kho dữ liệu Cổng DVCQG", kind="national_store", url=portal.store_url, secret=SECRET
    )


def _return(world: World, d: Dossier, *, refused: bool = False) -> Dossier:
    returned, _ = result_return(
        actor=world.reception,
        code=d.code,
        data=HandoverInput(method="online", store_refused=refused, note="Trả trực tuyến"),
        expected_version=None,
        at=RETURNED,
    )
    return returned


def _signed(world: World, n: int, applicant: ApplicantInput) -> Dossier:
    """Dossier ``n`` of ``applicant`` brought to a digitally signed result (resolved)."""
    d = world.receive(n=n, at=at(2, 9), accept=True, applicant=applicant)
    engine.dossier_forward(actor=world.reception, dossier=d.code, at=at(2, 11))
    engine.dossier_assign(actor=world.head, dossier=d.code, assignee=world.specialist, at=at(2, 14))
    draft = ws.result_attach(
        actor=world.specialist,
        code=d.code,
        upload=SimpleUploadedFile("gcn.pdf", pdf_bytes("Giấy chứng nhận")),
        name="Giấy chứng nhận quyền sử dụng đất",
    )
    d, _ = sign_result(world, Dossier.objects.get(pk=d.pk), draft)
    return d


def _store_deliveries(store: Subscription) -> int:
    return Delivery.objects.filter(subscription=store).count()


def test_a_returned_e_result_is_pushed_to_the_owner_store_once(
    world: World, store: Subscription, portal: FakeNationalPortal
) -> None:
    d, row = resolved_with_signed_result(world)
    assert result_store_ineligible(d) == ""
    # Reception, forwarding, signing…: none of those goes to the store, only the return.
    run_outbox(now=at(3, 12))
    assert _store_deliveries(store) == 0
    d = _return(world, d)
    report = run_outbox(now=at(4, 9, 5))
    assert report["delivered"] == 1
    assert len(portal.store) == 1
    pushed = portal.store[0]
    assert pushed["SoDinhDanh"] == "056190000001"
    assert pushed["MaSoDoanhNghiep"] is None
    assert pushed["LoaiDoiTuong"] == 1
    assert pushed["MaLoaiKetQua"] == "KQ.01.004222"
    assert pushed["MaGiayTo"] == "056190000001KQ.01.004222"  # ID + result-type code (Đ22.4)
    assert pushed["MaKetQua"] == f"{d.code}.KQ{row.pk}"
    assert pushed["DuongDanTepTinKetQua"] == (
        f"https://dichvucong.khanhhoa.gov.vn/api/v1/dossiers/{d.code}/result"
    )
    assert pushed["MaHashKetQua"] == row.signed_sha256
    assert pushed["KetQuaDaKySo"] == 1
    assert pushed["NgayTraKetQua"].startswith("2026-03-04T09:00:00")
    assert portal.owner_store("056190000001") == [pushed]
    owner_url = f"http://{portal.host}:{portal.port}/kho/056190000001"
    with urllib.request.urlopen(owner_url) as answer:
        assert json.loads(answer.read()) == [pushed]  # what the demo's curl shows
    record = ResultStorePush.objects.get()
    assert (record.dossier_id, record.pushed_at, record.via) == (d.pk, at(4, 9, 5), "delivery")
    assert (record.result_code, record.store_ref) == (pushed["MaKetQua"], "KHO-000001")
    entry = AuditEntry.objects.get(action="integrations.result_store_push")
    assert entry.object_id == str(d.uuid)
    assert entry.actor_id is None  # the system
    assert entry.data["store_ref"] == "KHO-000001"
    assert entry.data["first"] is True
    # Nothing sent twice: the next runs send nothing; the record and the audit stay one.
    assert run_outbox(now=at(4, 10))["sent"] == 0
    assert len(portal.store) == 1
    # An administrator re-sends it: the portal files the same result under the same reference,
    # so nothing changes here (no second record, no second audit entry).
    delivery_resend(
        actor=world.admin, deliveries=Delivery.objects.filter(subscription=store), now=at(4, 11)
    )
    run_outbox(now=at(4, 11))
    assert len(portal.store) == 2
    assert ResultStorePush.objects.count() == 1
    assert AuditEntry.objects.filter(action="integrations.result_store_push").count() == 1
    assert ResultStorePush.objects.get().pushed_at == at(4, 9, 5)


def test_an_outage_is_retried_and_the_push_recorded_once(
    world: World, store: Subscription, portal: FakeNationalPortal
) -> None:
    d, _ = resolved_with_signed_result(world)
    d = _return(world, d)
    portal.fail_next = 2  # the portal answers 503 twice
    t0 = at(4, 9, 5)
    assert run_outbox(now=t0)["retried"] == 1
    assert not ResultStorePush.objects.exists()
    assert run_outbox(now=t0 + dt.timedelta(seconds=10))["sent"] == 0  # waits 30 s
    assert run_outbox(now=t0 + dt.timedelta(seconds=31))["retried"] == 1  # then 1 minute
    assert not ResultStorePush.objects.exists()
    done = t0 + dt.timedelta(seconds=92)
    assert run_outbox(now=done)["delivered"] == 1
    assert run_outbox(now=done + dt.timedelta(hours=1))["sent"] == 0
    delivery = Delivery.objects.get(subscription=store)
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    assert portal.attempts == 3
    assert len(portal.store) == 1
    assert ResultStorePush.objects.get().pushed_at == done
    assert AuditEntry.objects.filter(action="integrations.result_store_push").count() == 1


def test_a_corrected_result_returned_again_is_pushed_again_and_recorded_once(
    world: World, store: Subscription, portal: FakeNationalPortal
) -> None:
    d, row = resolved_with_signed_result(world)
    d = _return(world, d)
    run_outbox(now=at(4, 9, 5))
    # The result had an error (Đ23): sent back, corrected and signed, returned again — the
    # portal gets it again (it files it under the same result) and 4.4 keeps the first push.
    engine.dossier_report_error(actor=world.reception, dossier=d.pk, reason="Sai tên", at=at(5))
    engine.dossier_correct_result(actor=world.leader, dossier=d.pk, at=at(5, 14))
    result_return(
        actor=world.reception,
        code=d.code,
        data=HandoverInput(method="online"),
        expected_version=None,
        at=at(6, 9),
    )
    run_outbox(now=at(6, 9, 5))
    assert [p["MaKetQua"] for p in portal.store] == [f"{d.code}.KQ{row.pk}"] * 2
    second = Delivery.objects.filter(subscription=store).order_by("-seq").first()
    record = ResultStorePush.objects.get()
    assert record.pushed_at == at(4, 9, 5)  # the first push stays the moment of 4.4
    assert (record.delivery, record.store_ref) == (second, "KHO-000001")
    entries = AuditEntry.objects.filter(action="integrations.result_store_push").order_by("pk")
    assert [e.data["first"] for e in entries] == [True, False]


def test_ineligible_returns_are_not_pushed(
    world: World, store: Subscription, portal: FakeNationalPortal
) -> None:
    # 1. A result issued on paper only: signed through the engine, no signed file.
    paper = world.receive(n=2, at=at(2, 9), accept=True)
    paper = decide(world, to_appraisal(world, paper, at(2, 10)), at(3, 15))
    assert "Không có kết quả điện tử" in result_store_ineligible(paper)
    engine.dossier_return_result(actor=world.reception, dossier=paper.pk, at=RETURNED)
    # 2. An applicant without a personal ID (e.g. a foreigner with a passport).
    anonymous = ApplicantInput(full_name="John Smith", phone="0905000111")
    d = _signed(world, 3, anonymous)
    assert "không có số định danh cá nhân" in result_store_ineligible(d)
    _return(world, d)
    # 3. The applicant refuses at the handover.
    refused, _ = resolved_with_signed_result(world)
    assert result_store_ineligible(refused) == ""
    refused = _return(world, refused, refused=True)
    assert "không đồng ý" in result_store_ineligible(refused)
    run_outbox(now=at(4, 10))
    assert _store_deliveries(store) == 0
    assert portal.store == []
    assert not ResultStorePush.objects.exists()
    # Unless eligible, the message is never even queued (nothing to retry or fail later).
    assert Delivery.objects.count() == 0


def test_an_organisation_is_pushed_under_its_enterprise_code(
    world: World, store: Subscription, portal: FakeNationalPortal
) -> None:
    company = ApplicantInput(
        kind="organisation",
        organisation_name="Công ty TNHH Biển Xanh",
        enterprise_code="4201234567",
    )
    d = _signed(world, 4, company)
    _return(world, d)
    run_outbox(now=at(4, 9, 5))
    [pushed] = portal.owner_store("4201234567")
    assert (pushed["LoaiDoiTuong"], pushed["SoDinhDanh"]) == (2, None)
    assert pushed["MaGiayTo"] == "4201234567KQ.01.004222"


def test_who_may_record_a_refusal_and_when(world: World, store: Subscription) -> None:
    d, _ = resolved_with_signed_result(world)
    # Another center's reception officer does not see the dossier: not found.
    with pytest.raises(DossierNotFound):
        result_store_refusal_record(actor=world.other_reception, dossier=d.code)
    # The competent agency's specialist sees it, but records nothing for the one-stop unit.
    with pytest.raises(PermissionDenied, match="cán bộ tiếp nhận"):
        result_store_refusal_record(actor=world.specialist, dossier=d.code)
    # A citizen who is not the applicant: not found either.
    with pytest.raises(DossierNotFound):
        result_store_refusal_record(actor=world.other_citizen, dossier=d.code)
    assert not ResultStoreRefusal.objects.exists()
    assert not AuditEntry.objects.filter(action="integrations.result_store_refusal").exists()
    # The reception officer records it (audited); a second time changes nothing.
    row = result_store_refusal_record(
        actor=world.reception, dossier=d.code, note="  Không muốn lưu  ", at=at(3, 16)
    )
    assert (row.recorded_by, row.recorded_at, row.note) == (
        world.reception,
        at(3, 16),
        "Không muốn lưu",
    )
    assert result_store_refusal_record(actor=world.reception, dossier=d.code) == row
    entry = AuditEntry.objects.get(action="integrations.result_store_refusal")
    assert (entry.actor_id, entry.object_id) == (world.reception.pk, str(d.uuid))
    # Once the result is returned, it is too late (the push is already queued).
    returned, _ = resolved_with_signed_result(world)
    _return(world, returned)
    with pytest.raises(DossierInvalid, match="Kết quả đã được trả"):
        result_store_refusal_record(actor=world.reception, dossier=returned.code)


def test_the_applicant_records_the_refusal_on_their_own_dossier(
    world: World, store: Subscription
) -> None:
    own = _signed(world, 5, world.applicant(5, user=world.citizen))
    row = result_store_refusal_record(actor=world.citizen, dossier=own.code)
    assert row.recorded_by == world.citizen
    assert "không đồng ý" in result_store_ineligible(own)


def test_the_refusal_from_the_return_form(world: World, store: Subscription) -> None:
    d, _ = resolved_with_signed_result(world)
    client = Client()
    client.force_login(world.reception)
    page = client.get(f"/can-bo/ho-so/{d.code}/").content.decode()
    assert 'name="tu_choi_kho"' in page  # offered: the result is signed
    response = client.post(
        f"/can-bo/ho-so/{d.code}/thao-tac/return_result/",
        {"version": str(d.version), "hinh_thuc": "online", "tu_choi_kho": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Dossier.objects.get(pk=d.pk).status == "returned"
    assert ResultStoreRefusal.objects.get().dossier_id == d.pk
    run_outbox(now=at(4, 10))
    assert _store_deliveries(store) == 0


def test_the_admin_lists_pushes_and_refusals_read_only(
    world: World, store: Subscription, portal: FakeNationalPortal
) -> None:
    from django.urls import reverse

    from motcua.accounts.models import User

    d, _ = resolved_with_signed_result(world)
    _return(world, d)
    run_outbox(now=at(4, 9, 5))
    refused, _ = resolved_with_signed_result(world)
    result_store_refusal_record(actor=world.reception, dossier=refused.code)
    admin = Client()
    admin.force_login(User.objects.create_superuser("qt2", "qt2@example.vn", "mat-khau-dai-123"))
    for name, shown in (
        ("resultstorepush", "KHO-000001"),
        ("resultstorerefusal", refused.code),
    ):
        page = admin.get(reverse(f"admin:integrations_{name}_changelist"))
        assert page.status_code == 200
        assert shown in page.content.decode()
        assert admin.get(reverse(f"admin:integrations_{name}_add")).status_code == 403
