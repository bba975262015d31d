"""The audit log in the admin: viewable, never editable, even by a superuser."""

from __future__ import annotations

import pytest
from django.test import Client

from motcua.audit.models import AuditEntry
from motcua.audit.services import audit_log

pytestmark = pytest.mark.django_db


def test_admin_shows_entries_but_cannot_add_change_or_delete(admin_client: Client) -> None:
    entry = audit_log(actor=None, action="dossier.receive", object_type="dossier", object_id="HS-1")
    listing = admin_client.get("/quan-tri/audit/auditentry/")
    assert listing.status_code == 200
    assert "dossier.receive" in listing.content.decode()
    assert "nhật ký kiểm tra" in listing.content.decode().lower()
    assert admin_client.get("/quan-tri/audit/auditentry/add/").status_code == 403
    detail = admin_client.get(f"/quan-tri/audit/auditentry/{entry.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    posted = admin_client.post(f"/quan-tri/audit/auditentry/{entry.pk}/change/", {"action": "x"})
    assert posted.status_code == 403
    assert admin_client.post(f"/quan-tri/audit/auditentry/{entry.pk}/delete/").status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "dossier.receive"
    assert admin_client.get("/quan-tri/audit/auditchainhead/").status_code == 200
