"""The read-only dossier pages of the admin site: scoped, audited, never a change."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.dossiers.conftest import World

from motcua.accounts.roles import Role
from motcua.accounts.services import officer_create
from motcua.audit.models import AuditEntry
from motcua.dossiers.models import Dossier

pytestmark = pytest.mark.django_db

LIST = "/quan-tri/dossiers/dossier/"


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_director_lists_and_opens_a_dossier_and_the_read_is_audited(world: World) -> None:
    dossier = world.receive()
    client = _client(world.director)
    page = client.get(LIST, {"q": dossier.code[:10]})
    assert page.status_code == 200
    assert dossier.code in page.content.decode()
    detail = client.get(f"{LIST}{dossier.pk}/change/")
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "Phiếu kiểm soát quá trình giải quyết hồ sơ" in body
    assert 'name="_save"' not in body  # read-only: no save button
    assert "Đề nghị" in body or dossier.code in body
    entry = AuditEntry.objects.filter(object_id=str(dossier.uuid), action="read").get()
    assert entry.actor_id == world.director.pk


def test_dossier_of_another_agency_is_not_shown(world: World) -> None:
    dossier = world.receive()  # received at world.center, for world.land
    # A director of another one-stop centre may open the page, but not this dossier.
    other_director, _ = officer_create(
        username="giamdoc.xa",
        full_name="Giám đốc xã",
        password=None,
        agency=world.other_center,
        roles=[Role.CENTER_DIRECTOR],
    )
    client = _client(other_director)
    page = client.get(LIST)
    assert page.status_code == 200
    assert dossier.code not in page.content.decode()
    detail = client.get(f"{LIST}{dossier.pk}/change/")
    # Django's admin answers a missing object by going back to the index with a message.
    assert detail.status_code == 302
    assert dossier.code not in client.get(detail.url).content.decode()
    assert not AuditEntry.objects.filter(object_id=str(dossier.uuid), action="read").exists()


def test_an_officer_without_the_view_permission_is_refused(world: World) -> None:
    world.receive()
    assert _client(world.other_reception).get(LIST).status_code == 403


def test_nobody_adds_changes_or_deletes_dossiers_here(world: World) -> None:
    dossier = world.receive()
    client = _client(world.admin)
    assert client.get(f"{LIST}add/").status_code == 403
    before = Dossier.objects.get(pk=dossier.pk)
    response = client.post(f"{LIST}{dossier.pk}/change/", {"summary": "sửa trái phép"})
    assert response.status_code in (302, 403)
    assert Dossier.objects.get(pk=dossier.pk).summary == before.summary
    assert client.post(f"{LIST}{dossier.pk}/delete/", {"post": "yes"}).status_code in (302, 403)
    assert Dossier.objects.filter(pk=dossier.pk).exists()
