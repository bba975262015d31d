"""``dossier_resubmit`` takes the components supplied with the supplement (the portal's uploads),
stored in the same transaction as the status change; without them it behaves as before."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from tests.dossiers.conftest import World, at

from motcua.dossiers import services as sv
from motcua.dossiers.errors import DossierInvalid
from motcua.dossiers.models import DossierDocument
from motcua.dossiers.services import DocumentInput

pytestmark = pytest.mark.django_db


def _asked(world: World):  # type: ignore[no-untyped-def]
    d = world.receive()
    return sv.dossier_request_supplement(
        actor=world.reception, dossier=d.code, reason="Thiếu bản vẽ.", at=at(2, 10)
    )


def test_resubmit_stores_the_supplied_components(world: World) -> None:
    d = _asked(world)
    before = d.documents.count()
    d = sv.dossier_resubmit(
        actor=world.reception,
        dossier=d.code,
        documents=[
            DocumentInput(
                name="Bản vẽ",
                file=ContentFile(b"%PDF-1.4", name="b.pdf"),
                content_type="application/pdf",
            )
        ],
        at=at(2, 11),
    )
    assert d.status == "submitted"
    assert d.documents.count() == before + 1
    added = d.documents.get(name="Bản vẽ")
    assert added.sha256
    assert added.size == 8
    assert added.content_type == "application/pdf"
    assert d.events.order_by("-seq").first().data == {"documents": 1}


def test_resubmit_without_components_is_unchanged(world: World) -> None:
    d = _asked(world)
    before = d.documents.count()
    d = sv.dossier_resubmit(actor=world.reception, dossier=d.code, at=at(2, 11))
    assert d.documents.count() == before
    assert d.events.order_by("-seq").first().data == {}


def test_a_bad_component_rolls_back_the_resubmission(world: World) -> None:
    d = _asked(world)
    with pytest.raises(DossierInvalid):
        sv.dossier_resubmit(
            actor=world.reception, dossier=d.code, documents=[DocumentInput(name="")], at=at(2, 11)
        )
    d.refresh_from_db()
    assert d.status == "supplement_requested_at_reception"
    assert not DossierDocument.objects.filter(dossier=d, name="").exists()
