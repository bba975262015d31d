"""A queue at the provincial center of the ``world`` province: groups A (land) and B (other
fields), counters 1 and 2 serving A, counter 3 (priority) serving A and B, two more reception
officers. Built with the ORM for configuration (what the admin does) and the services for
everything that happens."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from tests.dossiers.conftest import MONDAY, World

from motcua.accounts.models import User
from motcua.accounts.roles import Role
from motcua.accounts.services import officer_create
from motcua.catalogue.models import Field
from motcua.queueing.models import Counter, ServiceGroup, Site
from motcua.queueing.services import counter_sign_in

#: Monday 2 March 2026, 08:00.
MORNING = MONDAY.replace(hour=8)


@dataclass
class Queue:
    world: World
    site: Site
    a: ServiceGroup
    b: ServiceGroup
    c1: Counter
    c2: Counter
    c3: Counter
    o1: User
    o2: User
    o3: User

    def at(self, minutes: float) -> dt.datetime:
        """``minutes`` after 08:00 on the Monday."""
        return MORNING + dt.timedelta(minutes=minutes)


@pytest.fixture
def queue(world: World) -> Queue:
    site = Site.objects.create(code="tinh", name="Trung tâm PVHCC tỉnh", agency=world.center)
    a = ServiceGroup.objects.create(site=site, code="A", name="Đất đai", order=1)
    a.fields.add(Field.objects.get(name="Đất đai"))
    b = ServiceGroup.objects.create(site=site, code="B", name="Tư pháp, hộ tịch", order=2)
    c1 = Counter.objects.create(site=site, number=1)
    c2 = Counter.objects.create(site=site, number=2)
    c3 = Counter.objects.create(site=site, number=3, priority=True)
    c1.groups.add(a)
    c2.groups.add(a)
    c3.groups.add(a, b)

    def officer(username: str) -> User:
        user, _ = officer_create(
            username=username,
            full_name=username.title(),
            password=None,
            agency=world.center,
            roles=[Role.RECEPTION_OFFICER],
        )
        return user

    o1 = world.reception
    o2 = officer("quay2")
    o3 = officer("quay3")
    counter_sign_in(counter=c1, officer=o1, at=MORNING)
    counter_sign_in(counter=c2, officer=o2, at=MORNING)
    counter_sign_in(counter=c3, officer=o3, at=MORNING)
    for c in (c1, c2, c3):
        c.refresh_from_db()
    return Queue(world, site, a, b, c1, c2, c3, o1, o2, o3)
