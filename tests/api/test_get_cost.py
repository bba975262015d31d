"""The cost of the dossier GET (docs/benchmarks.md "Open API"): six SQL statements on PostgreSQL —
the key with its service account, the rate window (committed without the WAL flush, in one
statement), the dossier with the client's agencies and the officer's scope as subqueries, its
documents, its result document, and one statement for the audited read *and* the call log
(chain head locked, entry inserted with its hash computed by PostgreSQL, head moved, call row
inserted) — and every check still made on each call (revocation, deactivated account, agency
scope, officer scope)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.dossiers.conftest import World

from motcua.accounts.models import AgencyMembership
from motcua.api.models import ApiCall
from motcua.api.services import api_client_revoke
from motcua.audit.models import AuditEntry
from motcua.audit.verify import audit_verify

from .conftest import MakeClient

pytestmark = pytest.mark.django_db


def _statements(queries: CaptureQueriesContext) -> list[str]:
    """The statements sent, without the transaction control SQLite shows and PostgreSQL not."""
    skip = ("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT")
    return [q["sql"] for q in queries if not q["sql"].upper().startswith(skip)]


def test_dossier_get_costs_six_statements(world: World, make_client: MakeClient) -> None:
    d = world.receive()
    _, call = make_client(user=world.reception)
    assert call("GET", f"/dossiers/{d.code}").status == 200  # warm
    with CaptureQueriesContext(connection) as queries:
        answer = call("GET", f"/dossiers/{d.code}")
    assert answer.status == 200
    assert answer.body["code"] == d.code
    sent = _statements(queries)
    # SQLite (the embedded setup) writes the entry in three statements and the call row apart.
    expected = 6 if connection.vendor == "postgresql" else 9
    assert len(sent) == expected, sent
    reads = AuditEntry.objects.filter(action="read", object_id=str(d.uuid))
    assert reads.count() == 2
    assert ApiCall.objects.filter(path=f"/api/v1/dossiers/{d.code}", status=200).count() == 2
    result = audit_verify()
    assert result.ok, result.broken


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
