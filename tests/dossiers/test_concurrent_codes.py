"""Codes stay unique and gapless per agency per day when several processes receive at once
(PostgreSQL: real concurrent transactions; SQLite serialises writers anyway)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection
from tests.dossiers.conftest import World

from motcua.dossiers.models import DailySequence, Dossier

WORKERS = 6
PER_WORKER = 8

#: One worker: waits for the start signal, then receives dossiers as fast as it can; every third
#: reception is rolled back after taking its number (it must give the number back).
SCRIPT = textwrap.dedent(
    """
    import datetime as dt, os, sys, time
    from zoneinfo import ZoneInfo
    import django
    django.setup()
    from django.db import transaction
    from motcua.accounts.models import User
    from motcua.agencies.models import Agency
    from motcua.dossiers.services import ApplicantInput, dossier_receive

    worker, count, go = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    officer = User.objects.get(username="tiepnhan")
    center = Agency.objects.get(code="000.01.01.H32")
    moment = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    while not os.path.exists(go):
        time.sleep(0.005)

    class Rollback(Exception):
        pass

    for i in range(count):
        applicant = ApplicantInput(
            full_name=f"Người nộp {worker}-{i}", personal_id=f"0790{worker:04d}{i:04d}"
        )
        try:
            with transaction.atomic():
                dossier_receive(
                    actor=officer, procedure="1.004222", receiving_agency=center,
                    applicant=applicant, at=moment,
                )
                if i % 3 == 2:
                    raise Rollback()
        except Rollback:
            pass
    """
)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)
def test_concurrent_receptions_get_unique_gapless_codes(world: World, tmp_path: Path) -> None:
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "motcua.conf.settings.test",
    }
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(w), str(PER_WORKER), str(go)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for w in range(WORKERS)
    ]
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()[-2000:]

    committed = WORKERS * (PER_WORKER - PER_WORKER // 3)
    codes = list(Dossier.objects.values_list("code", flat=True))
    assert len(codes) == committed
    assert len(set(codes)) == committed
    numbers = sorted(int(code.rsplit("-", 1)[1]) for code in codes)
    assert numbers == list(range(1, committed + 1))  # gapless despite the rollbacks
    assert DailySequence.objects.get(agency=world.center).last_value == committed
