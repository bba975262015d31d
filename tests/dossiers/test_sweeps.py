"""The scheduler's sweeps, the ``motcua sweep`` command and the ``motcua worker`` loop."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from tests.dossiers.conftest import World, at

from motcua.dossiers import services as sv
from motcua.dossiers import sweeps, tasks
from motcua.dossiers.models import ClockEvent, Dossier
from motcua.dossiers.workflow import DossierStatus as S

pytestmark = pytest.mark.django_db


def _awaiting_supplement(world: World, n: int = 1) -> Dossier:
    d = world.receive(n=n)
    return sv.dossier_request_supplement(
        actor=world.reception, dossier=d.code, reason="Thiếu tờ khai", at=at(2, 10)
    )


def _online(world: World, n: int, hour: int) -> Dossier:
    return sv.dossier_submit_online(
        actor=None,
        procedure=world.procedure,
        receiving_agency=world.center,
        applicant=world.applicant(n=n),
        at=at(2, hour),
    )


def test_auto_close_fires_at_fifteen_days_not_fourteen(world: World) -> None:
    d = _awaiting_supplement(world)
    # Requested Monday 2 March: day 14 is 16 March, day 15 is 17 March.
    result = sweeps.sweep_close_unsupplemented(at=at(16, 23, 59))
    assert (result.found, result.done) == (0, 0)
    assert Dossier.objects.get(pk=d.pk).status == S.SUPPLEMENT_REQUESTED_AT_RECEPTION
    result = sweeps.sweep_close_unsupplemented(at=at(17, 0, 1))
    assert (result.found, result.done, result.skipped) == (1, 1, 0)
    closed = Dossier.objects.get(pk=d.pk)
    assert closed.status == S.CLOSED
    assert closed.events.order_by("-seq").first().actor is None  # type: ignore[union-attr]
    # Idempotent: nothing left.
    again = sweeps.sweep_close_unsupplemented(at=at(17, 0, 1))
    assert (again.found, again.done) == (0, 0)


def test_auto_close_is_bounded_per_run(world: World) -> None:
    for n in range(1, 4):
        _awaiting_supplement(world, n=n)
    first = sweeps.sweep_close_unsupplemented(at=at(20), batch=2)
    assert (first.done, first.more) == (2, True)
    second = sweeps.sweep_close_unsupplemented(at=at(20), batch=2)
    assert (second.done, second.more) == (1, False)
    assert Dossier.objects.filter(status=S.CLOSED).count() == 3


def test_online_breaches_are_recorded_once(world: World) -> None:
    d = _online(world, n=1, hour=8)
    first = sweeps.sweep_online_clocks(at=at(4, 9))
    assert first.details == {"alerted": 1, "alert_breaches": 1, "decision_breaches": 1}
    for _ in range(2):
        again = sweeps.sweep_online_clocks(at=at(5, 9))
        assert again.details == {"alerted": 0, "alert_breaches": 0, "decision_breaches": 0}
    kinds = sorted(ClockEvent.objects.filter(dossier=d).values_list("kind", flat=True))
    assert kinds == ["alert_breach", "decision_breach"]


def test_due_marks_count_without_writing(world: World) -> None:
    d = world.receive()
    d = sv.dossier_accept(actor=world.reception, dossier=d.code, at=at(2, 9, 30))
    version = d.version
    assert d.due_at is not None
    assert sweeps.sweep_due_marks(at=at(2, 10)).details == {"overdue": 0, "coming_due": 0}
    assert sweeps.sweep_due_marks(at=d.due_at).details == {"overdue": 0, "coming_due": 1}
    assert sweeps.sweep_due_marks(at=at(20)).details == {"overdue": 1, "coming_due": 0}
    assert Dossier.objects.get(pk=d.pk).version == version


def test_tasks_run_the_sweeps(world: World) -> None:
    _awaiting_supplement(world)
    result = tasks.run_all_sweeps.enqueue(at=at(20).isoformat())
    data = result.return_value
    assert data is not None
    assert data["close_unsupplemented"]["done"] == 1
    assert set(data) == {"online_clocks", "close_unsupplemented", "due_marks"}


def test_sweep_command_text_and_json(world: World) -> None:
    _awaiting_supplement(world)
    _online(world, n=2, hour=8)
    out = StringIO()
    call_command("sweep", "--at", "2026-03-04T09:00:00+07:00", stdout=out)
    text = out.getvalue()
    assert "Kiểm tra hồ sơ trực tuyến (02 giờ, 08 giờ làm việc): 2 xử lý" in text
    assert "quá 08 giờ làm việc: 1" in text
    assert "Đóng hồ sơ quá 15 ngày không bổ sung: 0 xử lý" in text
    out = StringIO()
    call_command("sweep", "--at", "2026-03-20T09:00", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["close_unsupplemented"]["done"] == 1
    assert data["online_clocks"]["details"]["decision_breaches"] == 0


def test_sweep_command_refuses_a_bad_moment(world: World) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="không hợp lệ"):
        call_command("sweep", "--at", "hôm qua", stdout=StringIO())


def test_worker_once_runs_the_sweeps_and_stops(world: World) -> None:
    d = _awaiting_supplement(world)
    Dossier.objects.filter(pk=d.pk).update(supplement_requested_at=at(1, month=2))
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert "Đã chạy xong các tác vụ đang chờ; dừng." in out.getvalue()
    assert Dossier.objects.get(pk=d.pk).status == S.CLOSED


def test_sweep_loop_stops(world: World) -> None:
    from motcua.dossiers.management.commands.worker import SweepLoop

    loop = SweepLoop(every=0.01, max_loops=2)
    loop.run()  # in this thread: the test database connection is visible
    assert loop.loops == 2
