"""``common.copy.insert_one`` (the intake's insert of the applicant and the dossier) stores what
``save()`` stores."""

from __future__ import annotations

import datetime as dt

import pytest
from django.forms.models import model_to_dict

from motcua.common.copy import insert_one
from motcua.dossiers.models import Applicant

pytestmark = pytest.mark.django_db


def _applicant(personal_id: str) -> Applicant:
    return Applicant(
        kind="person",
        full_name="Trần Thị Bình",
        personal_id=personal_id,
        date_of_birth=dt.date(1990, 5, 17),
        phone="0905123456",
        search_key="tran thi binh",
    )


def test_insert_one_stores_what_save_stores() -> None:
    saved, inserted = _applicant("001190000001"), _applicant("001190000002")
    saved.save()
    insert_one(inserted)
    assert inserted.pk is not None
    assert inserted.pk != saved.pk
    assert not inserted._state.adding
    assert inserted.created_at is not None
    assert inserted.updated_at is not None
    stored = Applicant.objects.get(pk=inserted.pk)
    other = Applicant.objects.get(pk=saved.pk)
    skip = {"id", "personal_id"}
    assert {k: v for k, v in model_to_dict(stored).items() if k not in skip} == {
        k: v for k, v in model_to_dict(other).items() if k not in skip
    }
    assert stored.created_at == inserted.created_at
    # Saved again later, it is an update of the same row.
    inserted.phone = "0912000000"
    inserted.save()
    assert Applicant.objects.get(pk=inserted.pk).phone == "0912000000"
    assert Applicant.objects.count() == 2
