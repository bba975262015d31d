"""The workspace in English (docs/i18n.md): the worklist, the dossier page, the consultation
pages and the intake form render in English after the header switch (cookie); without it they
stay Vietnamese. The official forms stay Vietnamese."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from tests.dossiers.conftest import World

pytestmark = pytest.mark.django_db


def _english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def test_worklist_and_dossier_page_in_english(world: World, login: Callable[[Any], Client]) -> None:
    d = world.receive(n=3, at=timezone.now(), accept=True)
    client = _english(login(world.reception))
    page = client.get("/can-bo/?hop=moi-tiep-nhan").content.decode()
    assert '<html lang="en">' in page
    assert "Newly received, to forward" in page  # the box (gettext_lazy)
    assert "Find and filter dossiers" in page
    assert "Dossier code, applicant's name (diacritics optional)" in page
    assert "Consultations / coordination" in page  # the navigation
    assert d.code in page
    assert "Mới tiếp nhận, chờ chuyển" not in page
    assert "Tìm và lọc hồ sơ" not in page

    page = client.get(f"/can-bo/ho-so/{d.code}/").content.decode()
    assert "General information" in page
    assert "Competent agency" in page
    assert '<h2 id="h-kiem-soat">Control sheet</h2>' in page
    assert "Thông tin chung" not in page
    assert "Thành phần hồ sơ" not in page

    # an action's message is English too
    response = client.post(
        f"/can-bo/ho-so/{d.code}/thao-tac/forward/", {"version": str(d.version)}, follow=True
    )
    assert "Done: " in response.content.decode()

    # the official forms stay Vietnamese
    receipt = client.get(f"/can-bo/ho-so/{d.code}/giay-tiep-nhan/").content.decode()
    assert "GIẤY TIẾP NHẬN HỒ SƠ" in receipt.upper()


def test_pages_stay_vietnamese_without_the_cookie(
    world: World, login: Callable[[Any], Client]
) -> None:
    d = world.receive(n=3, at=timezone.now(), accept=True)
    client = login(world.reception)
    page = client.get("/can-bo/?hop=moi-tiep-nhan").content.decode()
    assert "Mới tiếp nhận, chờ chuyển" in page
    assert "Newly received, to forward" not in page
    page = client.get(f"/can-bo/ho-so/{d.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Thông tin chung" in page
    assert "General information" not in page


def test_intake_and_partner_pages_in_english(world: World, login: Callable[[Any], Client]) -> None:
    client = _english(login(world.reception))
    page = client.get("/can-bo/tiep-nhan/").content.decode()
    assert "Receive a dossier at the counter" in page
    page = client.get(f"/can-bo/tiep-nhan/?thu-tuc={world.procedure.code}").content.decode()
    assert "Required documents" in page
    assert "Look up the applicant by personal ID" in page
    page = client.get("/can-bo/phoi-hop/").content.decode()
    assert "Consultations awaiting an answer" in page


def test_shared_msgids_agree_with_the_catalogues_it_would_override() -> None:
    """Django merges every app's catalogue into one, the first app in INSTALLED_APPS winning: a
    Vietnamese text the workspace translated differently from an app listed after it would
    change that app's pages."""
    from django.apps import apps
    from tests.test_translations import CATALOGUES, parse_po

    order = [config.label for config in apps.get_app_configs()]
    later = set(order[order.index("workspace") + 1 :])
    mine, _ = parse_po(next(p for p in CATALOGUES if p.parts[-5] == "workspace"))
    clashes = []
    for po in CATALOGUES:
        if po.parts[-5] not in later:
            continue
        theirs, _ = parse_po(po)
        clashes += [(po.parts[-5], m) for m in mine if m in theirs and theirs[m] != mine[m]]
    assert later & {po.parts[-5] for po in CATALOGUES}  # the portal's catalogue is checked
    assert not clashes
