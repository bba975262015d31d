"""A counter intake started from a called queue ticket links the dossier to the ticket
(the counter page opens /can-bo/tiep-nhan/?ve=<ticket>)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from tests.queueing.conftest import Queue, queue  # noqa: F401  (the queue fixture)
from tests.workspace.test_intake import _form

from motcua.dossiers.models import Dossier
from motcua.queueing.models import TicketDossier
from motcua.queueing.services import call_next, ticket_issue

pytestmark = pytest.mark.django_db


def test_intake_from_a_called_ticket_links_the_dossier(
    queue: Queue,  # noqa: F811
    login: Callable[[Any], Client],
) -> None:
    world = queue.world
    ticket = ticket_issue(site=queue.site, group=queue.a, at=queue.at(1))
    called = call_next(counter=queue.c1, officer=queue.o1, at=queue.at(2))
    assert called is not None
    assert called.pk == ticket.pk
    client = login(queue.o1)
    page = client.get(f"/can-bo/tiep-nhan/?ve={ticket.pk}&thu-tuc=1.004222").content.decode()
    assert f"vé số <strong>{ticket.number}</strong>" in page
    assert f'name="ve" value="{ticket.pk}"' in page
    response = client.post(
        f"/can-bo/tiep-nhan/?ve={ticket.pk}", _form(world, world.version, ve=str(ticket.pk))
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get()
    link = TicketDossier.objects.get()
    assert (link.ticket_id, link.dossier_id, link.linked_by_id) == (
        ticket.pk,
        dossier.pk,
        queue.o1.pk,
    )
    ticket.refresh_from_db()
    assert ticket.status == "serving"


def test_an_unknown_or_foreign_ticket_is_not_linked(
    queue: Queue,  # noqa: F811
    login: Callable[[Any], Client],
) -> None:
    world = queue.world
    client = login(world.other_reception)  # works at another centre: not this site
    ticket = ticket_issue(site=queue.site, group=queue.a, at=queue.at(1))
    call_next(counter=queue.c1, officer=queue.o1, at=queue.at(2))
    page = client.get(f"/can-bo/tiep-nhan/?ve={ticket.pk}").content.decode()
    assert "vé số" not in page
    client = login(queue.o1)
    page = client.get("/can-bo/tiep-nhan/?ve=999999").content.decode()
    assert "vé số" not in page
    response = client.post("/can-bo/tiep-nhan/?ve=abc", _form(world, world.version, ve="abc"))
    assert response.status_code == 302
    assert Dossier.objects.count() == 1
    assert not TicketDossier.objects.exists()
