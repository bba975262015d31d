"""The demo province gets a queue at the provincial center and at the Nha Trang ward center."""

from __future__ import annotations

import pytest

from motcua.accounts.models import User
from motcua.demo.services import demo_prepare
from motcua.queueing.demo import queue_demo_prepare
from motcua.queueing.models import Counter, ServiceGroup, Site
from motcua.queueing.services import counter_sign_in, may_work_at


@pytest.mark.django_db
def test_demo_queue_is_configured_once() -> None:
    demo_prepare()
    assert set(Site.objects.values_list("code", flat=True)) == {"tinh", "nha-trang"}
    land = ServiceGroup.objects.get(site__code="tinh", code="A")
    assert list(land.fields.values_list("name", flat=True)) == ["Đất đai"]
    priority = Counter.objects.get(site__code="tinh", number=5)
    assert priority.priority
    assert priority.groups.count() == 3
    before = (Site.objects.count(), ServiceGroup.objects.count(), Counter.objects.count())
    again = queue_demo_prepare()
    assert (Site.objects.count(), ServiceGroup.objects.count(), Counter.objects.count()) == before
    assert again.counters == 7
    # The demo reception officer may take a counter at the provincial center, not at the ward.
    officer = User.objects.get(username="tiepnhan")
    assert may_work_at(officer, Site.objects.get(code="tinh"))
    assert not may_work_at(officer, Site.objects.get(code="nha-trang"))
    counter_sign_in(counter=priority, officer=officer)
