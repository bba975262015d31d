"""Dossier timelines for the monitoring tests, driven through the real engine services.

The world's procedure has 5 working days; the standard schedule is 8 working hours a day
(07:30–11:30, 13:30–17:30 Monday–Friday). March 2026: Monday 2, 9, 16, 23, 30.
"""

from __future__ import annotations

import datetime as dt

from tests.dossiers.conftest import World, at

from motcua.dossiers import services as sv
from motcua.dossiers.models import Dossier
from motcua.monitoring.aggregate import refresh_all


def received(world: World, n: int, when: dt.datetime, **kw: object) -> Dossier:
    return world.receive(at=when, n=n, accept=True, **kw)  # type: ignore[arg-type]


def to_appraisal(world: World, d: Dossier, when: dt.datetime) -> Dossier:
    d = sv.dossier_forward(actor=world.reception, dossier=d.code, at=when)
    return sv.dossier_assign(
        actor=world.head,
        dossier=d.code,
        assignee=world.specialist,
        at=when + dt.timedelta(minutes=10),
    )


def decide(world: World, d: Dossier, when: dt.datetime) -> Dossier:
    """Draft, approval and signature within the hour ending at ``when`` (the decision)."""
    d = sv.dossier_submit_draft(
        actor=world.specialist, dossier=d.code, at=when - dt.timedelta(minutes=20)
    )
    d = sv.dossier_approve(actor=world.head, dossier=d.code, at=when - dt.timedelta(minutes=10))
    return sv.dossier_sign(actor=world.leader, dossier=d.code, at=when)


def resolved(
    world: World, n: int, start: dt.datetime, decided: dt.datetime, *, returned: bool = False
) -> Dossier:
    d = received(world, n, start)
    d = to_appraisal(world, d, start + dt.timedelta(minutes=30))
    d = decide(world, d, decided)
    if returned:
        d = sv.dossier_return_result(
            actor=world.reception, dossier=d.code, at=decided + dt.timedelta(hours=1)
        )
    return d


def sync() -> None:
    refresh_all()


__all__ = ["at", "decide", "received", "resolved", "sync", "to_appraisal"]
