from __future__ import annotations

import pytest
from django.db import transaction

from motcua.accounts.models import User
from motcua.audit.services import audit_log, audit_read
from motcua.audit.verify import audit_verify


@pytest.mark.django_db
def test_append_and_verify(officer: User) -> None:
    with transaction.atomic():
        first = audit_log(actor=officer, action="dossier.receive", object_type="dossier",
                          object_id="HS-1", data={"status": "received"})  # fmt: skip
        second = audit_read(actor=officer, object_type="dossier", object_id="HS-1",
                            fields=["applicant_name", "personal_id"])  # fmt: skip
    assert (first.chain, first.seq) == (second.chain, 1)
    assert second.seq == 2
    assert second.prev_hash == first.hash
    result = audit_verify()
    assert result.ok
    assert result.checked == 2
    assert result.chains == 16
