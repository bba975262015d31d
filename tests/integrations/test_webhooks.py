"""Webhooks through the outbox, against a real local HTTP receiver: CloudEvents messages,
signatures, filters, order per dossier, a 5-minute outage, 24-hour failure, report and resend."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections import defaultdict

import pytest
from django.core import mail
from tests.dossiers.conftest import MONDAY, World
from tests.integrations.receiver import Receiver

from motcua.dossiers.models import DossierEvent
from motcua.dossiers.services import dossier_accept, dossier_forward
from motcua.integrations import signing
from motcua.integrations.models import Delivery, Subscription
from motcua.integrations.services import (
    backoff,
    deliver_due,
    delivery_resend,
    relay_events,
    run_outbox,
)

pytestmark = pytest.mark.django_db


def subscribe(receiver: Receiver, **kwargs: object) -> Subscription:
    kwargs.setdefault("name", "Nền tảng dữ liệu tỉnh")
    return Subscription.objects.create(url=receiver.url, secret="bi-mat-hmac", **kwargs)


def test_cloudevent_message_and_signature_recipe(world: World, receiver: Receiver) -> None:
    subscribe(receiver)
    dossier = world.receive(at=MONDAY)
    report = run_outbox(now=MONDAY)
    assert report["delivered"] == 1
    [got] = receiver.received
    assert got.headers["Content-Type"].startswith("application/cloudevents+json")
    event = got.json
    assert event["specversion"] == "1.0"
    assert event["type"] == "vn.motcua.dossier.receive_direct"
    assert event["id"] == f"{dossier.uuid}.1"
    assert event["subject"] == dossier.code
    assert event["source"] == "urn:motcua"
    assert event["data"]["national_status"] == 1
    assert event["data"]["to_status"] == "submitted"
    # The documented recipe, written independently of motcua's code.
    stamp = got.headers["X-Motcua-Timestamp"]
    expected = hmac.new(b"bi-mat-hmac", stamp.encode() + b"." + got.body, hashlib.sha256)
    assert got.headers["X-Motcua-Signature"] == "v1=" + expected.hexdigest()
    assert signing.verify("bi-mat-hmac", stamp, got.headers["X-Motcua-Signature"], got.body)
    # A changed body, another secret or an old timestamp do not verify.
    sig = got.headers["X-Motcua-Signature"]
    assert not signing.verify("bi-mat-hmac", stamp, sig, got.body + b" ")
    assert not signing.verify("khac", stamp, sig, got.body)
    assert not signing.verify("bi-mat-hmac", stamp, sig, got.body, now=int(stamp) + 301)
    assert not signing.verify("bi-mat-hmac", "abc", sig, got.body)


def test_filters_by_type_agency_and_procedure(world: World, receiver: Receiver) -> None:
    only_accept = subscribe(receiver, name="accept", event_types=["accept"])
    other_agency = subscribe(receiver, name="xa")
    other_agency.agencies.set([world.other_center])
    other_procedure = subscribe(receiver, name="thu tuc", procedures=["9.999999"])
    everything = subscribe(receiver, name="tat ca")
    dossier = world.receive(at=MONDAY)
    dossier_accept(actor=world.reception, dossier=dossier.pk, at=MONDAY)
    relay_events(now=MONDAY)
    assert only_accept.deliveries.count() == 1
    assert other_agency.deliveries.count() == 0
    assert other_procedure.deliveries.count() == 0
    assert everything.deliveries.count() == 2


def test_relay_is_exactly_once(world: World, receiver: Receiver) -> None:
    subscribe(receiver)
    world.receive(at=MONDAY)
    assert relay_events(now=MONDAY).deliveries == 1
    assert relay_events(now=MONDAY).deliveries == 0
    assert Delivery.objects.count() == 1


def test_relay_picks_up_a_late_commit_below_the_cursor(world: World, receiver: Receiver) -> None:
    """An id skipped because its transaction had not committed yet is looked for again."""
    from motcua.integrations.models import RelayCursor

    subscribe(receiver)
    first = world.receive(at=MONDAY, n=1)
    second = world.receive(at=MONDAY, n=2)
    late = DossierEvent.objects.get(dossier=first)
    # Simulate the relay having read the second event while the first was not yet visible.
    cursor = RelayCursor.objects.get()
    cursor.last_event_id = DossierEvent.objects.get(dossier=second).pk
    cursor.gaps = [[late.pk, MONDAY.isoformat()]]
    cursor.save()
    report = relay_events(now=MONDAY + dt.timedelta(minutes=1))
    assert report.deliveries == 1
    assert Delivery.objects.get().event_id == late.pk
    assert RelayCursor.objects.get().gaps == []
    # A gap never filled is dropped after the timeout.
    cursor = RelayCursor.objects.get()
    cursor.gaps = [[999_999, MONDAY.isoformat()]]
    cursor.save()
    relay_events(now=MONDAY + dt.timedelta(minutes=11))
    assert RelayCursor.objects.get().gaps == []


def test_backoff_is_exponential_and_capped() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 9)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
    ]
    assert backoff(50) == dt.timedelta(hours=1)


def test_a_five_minute_outage_loses_and_duplicates_nothing(
    world: World, receiver: Receiver
) -> None:
    subscribe(receiver)
    t = MONDAY
    a = world.receive(at=t, n=1)
    run_outbox(now=t)
    assert len(receiver.received) == 1
    receiver.stop()  # the subscriber goes down: its port is closed
    b = world.receive(at=t + dt.timedelta(seconds=20), n=2)
    step = dt.timedelta(seconds=30)
    moments = [t + step * i for i in range(1, 41)]  # 20 minutes of simulated time
    actions = {
        2: lambda at: dossier_accept(actor=world.reception, dossier=a.pk, at=at),
        4: lambda at: dossier_accept(actor=world.reception, dossier=b.pk, at=at),
        6: lambda at: dossier_forward(actor=world.reception, dossier=a.pk, at=at),
        8: lambda at: dossier_forward(actor=world.reception, dossier=b.pk, at=at),
    }
    for i, now in enumerate(moments, start=1):
        if i in actions:
            actions[i](now)
        if i == 10:  # back after 5 minutes, on the same port
            receiver.start()
        run_outbox(now=now)
    events = list(DossierEvent.objects.order_by("pk"))
    ids = [r.json["id"] for r in receiver.received]
    assert len(ids) == len(set(ids)) == len(events) == 6
    per_dossier: dict[str, list[int]] = defaultdict(list)
    for r in receiver.received:
        per_dossier[r.json["subject"]].append(r.json["dossierseq"])
    assert per_dossier == {a.code: [1, 2, 3], b.code: [1, 2, 3]}
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    for r in receiver.received:
        assert signing.verify(
            "bi-mat-hmac",
            r.headers["X-Motcua-Timestamp"],
            r.headers["X-Motcua-Signature"],
            r.body,
            now=int(r.headers["X-Motcua-Timestamp"]),
        )


def test_a_later_message_waits_behind_the_oldest_of_its_dossier(
    world: World, receiver: Receiver
) -> None:
    subscribe(receiver)
    dossier = world.receive(at=MONDAY)
    receiver.status = 503
    run_outbox(now=MONDAY)  # seq 1 fails, retry in 30 s
    receiver.status = 200
    dossier_accept(actor=world.reception, dossier=dossier.pk, at=MONDAY + dt.timedelta(seconds=5))
    run_outbox(now=MONDAY + dt.timedelta(seconds=10))  # seq 2 may not overtake seq 1
    assert receiver.received == []
    run_outbox(now=MONDAY + dt.timedelta(seconds=31))
    assert [r.json["dossierseq"] for r in receiver.received] == [1, 2]


def test_after_24_hours_a_message_fails_is_reported_and_can_be_resent(
    world: World, receiver: Receiver
) -> None:
    world.admin.email = "quantri@tinh.gov.vn"
    world.admin.save()
    subscribe(receiver)
    world.receive(at=MONDAY)
    receiver.status = 500
    now = MONDAY
    while now <= MONDAY + dt.timedelta(hours=25):
        relay_events(now=now)
        deliver_due(now=now)
        now += dt.timedelta(minutes=15)
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.failed_at is not None
    assert delivery.failed_at - MONDAY >= dt.timedelta(hours=24)
    assert delivery.last_status == 500
    assert 24 < delivery.attempts < 40  # exponential, capped at one hour
    [message] = mail.outbox
    assert "quantri@tinh.gov.vn" in message.to
    assert delivery.message_id in message.body
    # Resend from the admin list: a new 24-hour window, then delivered once.
    receiver.status = 200
    assert delivery_resend(actor=world.admin, deliveries=[delivery], now=now) == 1
    deliver_due(now=now)
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert len(receiver.received) == 1


def test_inactive_subscription_gets_nothing(world: World, receiver: Receiver) -> None:
    subscribe(receiver, is_active=False)
    world.receive(at=MONDAY)
    run_outbox(now=MONDAY)
    assert receiver.received == []
    assert Delivery.objects.count() == 0


def test_the_worker_loop_delivers_webhooks(world: World, receiver: Receiver) -> None:
    """``motcua worker`` (and the demo) enqueue the outbox with the sweeps: no separate
    ``motcua outbox`` process is needed."""
    from motcua.dossiers.management.commands.worker import enqueue_sweeps

    subscribe(receiver)
    dossier = world.receive(at=MONDAY)
    assert receiver.received == []
    enqueue_sweeps()  # the immediate backend of the tests runs the tasks now
    assert [got.json["subject"] for got in receiver.received] == [dossier.code]
