"""Notifications: queued from the control sheet once per event, delivered by the worker with
retries and backoff; a mail server down for ten minutes loses nothing and sends nothing twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from tests.dossiers.conftest import at
from tests.portal import flaky_mail, flow
from tests.portal.conftest import Portal

from motcua.dossiers import services as sv
from motcua.portal import notify
from motcua.portal.models import NotificationTemplate, OutboxMessage
from motcua.portal.tasks import collect_notifications

pytestmark = pytest.mark.django_db


@pytest.fixture
def flaky() -> object:
    flaky_mail.DOWN["value"] = False
    with override_settings(EMAIL_BACKEND="tests.portal.flaky_mail.FlakyBackend"):
        yield flaky_mail.DOWN
    flaky_mail.DOWN["value"] = False


def test_acceptance_supplement_extension_and_result_are_notified_once(portal: Portal) -> None:
    d = flow.submit(portal)
    assert notify.collect() == 0  # submission itself: the page shows the code at once
    flow.accept(portal, d)
    assert notify.collect() == 2  # e-mail and SMS
    assert notify.collect() == 0  # read again: nothing queued twice
    assert sorted(OutboxMessage.objects.values_list("channel", flat=True)) == ["email", "sms"]
    notify.deliver()
    assert [m.subject for m in mail.outbox] == [f"Hồ sơ {d.code} đã được tiếp nhận"]
    assert mail.outbox[0].to == ["binh@example.vn"]
    assert f"/cong-dan/ho-so/{d.code}/" in mail.outbox[0].body
    assert "Ngày hẹn trả kết quả" in mail.outbox[0].body


def test_supplement_lists_what_is_missing(portal: Portal) -> None:
    d = flow.submit(portal)
    sv.dossier_request_supplement(
        actor=portal.world.reception,
        dossier=d.code,
        reason="1. Bản vẽ tầng 2\n2. Giấy phép PCCC",
        at=at(2, 10),
    )
    notify.collect()
    notify.deliver()
    assert "Bản vẽ tầng 2" in mail.outbox[-1].body
    assert "cần bổ sung" in mail.outbox[-1].subject


def test_extension_carries_the_apology_and_new_date(portal: Portal) -> None:
    d = flow.to_appraisal(portal, flow.submit(portal))
    sv.dossier_request_extension(
        actor=portal.world.head,
        dossier=d.code,
        new_due_at=d.due_at + dt.timedelta(days=7),
        reason="Chờ kết quả khảo sát hiện trạng.",
        at=at(3, 9),
    )
    notify.collect()
    notify.deliver()
    message = mail.outbox[-1]
    assert "xin lỗi" in message.body
    assert "Chờ kết quả khảo sát hiện trạng." in message.body


def test_early_result_has_its_own_message(portal: Portal) -> None:
    flow.sign(portal, flow.to_appraisal(portal, flow.submit(portal)))
    notify.collect()
    notify.deliver()
    assert mail.outbox[-1].subject.endswith("đã có kết quả trước hạn")


@override_settings(MOTCUA_SMS_BACKEND="motcua.portal.sms.FileBackend")
def test_sms_goes_through_the_gateway_interface(portal: Portal, tmp_path: object) -> None:
    with override_settings(DATA_DIR=tmp_path):
        flow.accept(portal, flow.submit(portal))
        notify.collect()
        notify.deliver()
        texts = [p.read_text() for p in (tmp_path / "sms").glob("*.txt")]  # type: ignore[operator]
    assert len(texts) == 1
    assert "0912345678" in texts[0]
    assert "da duoc tiep nhan" in texts[0]


def test_templates_are_editable_by_the_administrator(portal: Portal) -> None:
    NotificationTemplate.objects.create(
        event="accepted",
        subject="[Tỉnh] Đã nhận hồ sơ {{ code }}",
        body="Kính gửi ông/bà…",
    )
    d = flow.accept(portal, flow.submit(portal))
    notify.collect()
    notify.deliver()
    assert mail.outbox[-1].subject == f"[Tỉnh] Đã nhận hồ sơ {d.code}"


def test_a_mail_server_outage_loses_nothing_and_sends_nothing_twice(
    portal: Portal, flaky: dict[str, bool]
) -> None:
    dossiers = [flow.submit(portal, moment=at(2, 9, n)) for n in range(3)]
    for n, d in enumerate(dossiers):
        flow.accept(portal, d, at(2, 10, n))
    notify.collect()
    assert OutboxMessage.objects.filter(channel="email").count() == 3
    start = timezone.now()
    flaky["value"] = True  # the mail server goes down for ten minutes
    for minute in range(0, 11):
        notify.deliver(now=start + dt.timedelta(minutes=minute))
    assert mail.outbox == []
    pending = list(OutboxMessage.objects.filter(channel="email"))
    assert all(m.status == "pending" and m.attempts >= 3 for m in pending)
    assert all("SMTPServerDisconnected" in m.last_error for m in pending)
    # Backoff: attempts double their spacing (30 s, 60 s, 120 s, …).
    assert all(m.next_attempt_at > start + dt.timedelta(minutes=10) for m in pending)
    flaky["value"] = False  # back up
    result = notify.deliver(now=start + dt.timedelta(minutes=30))
    assert result == {"sent": 3, "failed": 0}
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"Hồ sơ {d.code} đã được tiếp nhận" for d in dossiers
    )
    # Later runs, and a second collection, send nothing again.
    notify.collect()
    assert notify.deliver(now=start + dt.timedelta(hours=2)) == {"sent": 0, "failed": 0}
    assert len(mail.outbox) == 3
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 3


def test_a_message_failing_for_good_is_marked_failed(
    portal: Portal, flaky: dict[str, bool], settings: object
) -> None:
    settings.MOTCUA_OUTBOX_MAX_ATTEMPTS = 2  # type: ignore[attr-defined]
    flow.accept(portal, flow.submit(portal))
    notify.collect()
    flaky["value"] = True
    start = timezone.now()
    notify.deliver(now=start)
    notify.deliver(now=start + dt.timedelta(hours=1))
    message = OutboxMessage.objects.get(channel="email")
    assert message.status == "failed"
    assert message.attempts == 2
    flaky["value"] = False
    notify.deliver(now=start + dt.timedelta(hours=5))
    assert mail.outbox == []


def test_the_task_and_the_command_run_the_same_work(portal: Portal) -> None:
    flow.accept(portal, flow.submit(portal))
    collect_notifications.enqueue()  # ImmediateBackend in tests: runs now
    assert len(mail.outbox) == 1
    call_command("portal_notify", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1


def test_backoff_is_capped() -> None:
    assert notify.backoff(1) == dt.timedelta(seconds=30)
    assert notify.backoff(2) == dt.timedelta(seconds=60)
    assert notify.backoff(30) == dt.timedelta(hours=1)


def test_the_worker_loop_collects_and_delivers(portal: Portal) -> None:
    from motcua.dossiers.management.commands.worker import enqueue_sweeps

    flow.accept(portal, flow.submit(portal))
    assert mail.outbox == []
    enqueue_sweeps()  # the immediate backend of the tests runs the tasks now
    assert [m.to for m in mail.outbox] == [["binh@example.vn"]]
