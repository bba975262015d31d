"""The cost of the dossier GET (docs/benchmarks.md "Open API"): eleven SQL statements — the key
with its service account, the rate window, the dossier with the client's agencies and the
officer's scope as subqueries, its documents, its result document, the audited read, the call
log — and every check
still made on each call (revocation, deactivated account, agency scope, officer scope)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.dossiers.conftest import World

from motcua.accounts.models import AgencyMembership
from motcua.api.services import api_client_revoke
from motcua.audit.models import AuditEntry

from .conftest import MakeClient

pytestmark = pytest.mark.django_db


def _statements(queries: CaptureQueriesContext) -> list[str]:
    """The statements sent, without the transaction control SQLite shows and PostgreSQL not."""
    skip = ("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT")
    return [q["sql"] for q in queries if not q["sql"].upper().startswith(skip)]


def test_dossier_get_costs_eleven_statements(world: World, make_client: MakeClient) -> None:
    d = world.receive()
    _, call = make_client(user=world.reception)
    assert call("GET", f"/dossiers/{d.code}").status == 200  # warm
    with CaptureQueriesContext(connection) as queries:
        answer = call("GET", f"/dossiers/{d.code}")
    assert answer.status == 200
    assert answer.body["code"] == d.code
    sent = _statements(queries)
    # SET LOCAL synchronous_commit (rate window, call log) is PostgreSQL's only.
    expected = 11 if connection.vendor == "postgresql" else 9
    assert len(sent) == expected, sent
    assert AuditEntry.objects.filter(action="read", object_id=str(d.uuid)).count() == 2


def test_a_revoked_key_is_refused_on_the_next_call(world: World, make_client: MakeClient) -> None:
    d = world.receive()
    client, call = make_client(user=world.reception)
    assert call("GET", f"/dossiers/{d.code}").status == 200
    api_client_revoke(actor=world.admin, client=client)
    assert call("GET", f"/dossiers/{d.code}").status == 401


def test_a_deactivated_service_account_is_refused(world: World, make_client: MakeClient) -> None:
    d = world.receive()
    _, call = make_client(user=world.reception)
    assert call("GET", f"/dossiers/{d.code}").status == 200
    world.reception.is_active = False
    world.reception.save(update_fields=["is_active"])
    assert call("GET", f"/dossiers/{d.code}").status == 401


def test_the_officer_scope_still_narrows_the_client(world: World, make_client: MakeClient) -> None:
    """A client over both centres acting as the other centre's officer does not see this
    centre's dossier; once that officer leaves the other centre, not even their own."""
    mine = world.receive()
    _, call = make_client(
        agencies=[world.center, world.land, world.other_center], user=world.other_reception
    )
    assert call("GET", f"/dossiers/{mine.code}").status == 404
    _, own = make_client(name="Trung tâm", user=world.reception)
    assert own("GET", f"/dossiers/{mine.code}").status == 200
    AgencyMembership.objects.filter(user=world.reception).delete()
    assert own("GET", f"/dossiers/{mine.code}").status == 404
