"""Demo dossiers: every status, built through the services, idempotent."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from motcua.demo.dossiers import demo_dossiers_build
from motcua.demo.services import demo_prepare
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.workflow import DossierStatus

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 20, 16, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def test_demo_dossiers_cover_every_status_and_are_idempotent() -> None:
    demo_prepare(dossiers=False)
    built = demo_dossiers_build(dossiers=80, now=NOW)
    assert built.built
    statuses = set(Dossier.objects.values_list("status", flat=True))
    assert statuses == {s.value for s in DossierStatus} - {DossierStatus.DRAFT.value}
    count = Dossier.objects.count()
    assert count >= 80
    # Every dossier has its control sheet, from its registration onwards.
    assert DossierEvent.objects.filter(seq=1).count() == count
    channels = set(Dossier.objects.values_list("channel", flat=True))
    assert {"direct", "online"} <= channels
    again = demo_dossiers_build(dossiers=80, now=NOW)
    assert not again.built
    assert Dossier.objects.count() == count
    assert "không tạo thêm" in again.summary()


def test_demo_prepare_builds_dossiers_on_request() -> None:
    result = demo_prepare(dossiers=True)
    assert "Hồ sơ trình diễn" in result.summary()
    assert Dossier.objects.count() >= 300
