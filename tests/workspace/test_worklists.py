"""Worklists by role and the dossier page: scope, search, keyset pages, bounded queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from tests.dossiers.conftest import World, at

from motcua.dossiers.models import Dossier
from motcua.dossiers.services import dossier_forward
from motcua.workspace import selectors

pytestmark = pytest.mark.django_db


def _accepted(world: World, n: int, day: int = 2) -> Dossier:
    return world.receive(n=n, at=at(day, 9 + n % 6), accept=True)


def test_reception_sees_newly_received_dossiers_sorted_by_due(
    world: World, login: Callable[[Any], Client]
) -> None:
    late = _accepted(world, 1, day=4)
    early = _accepted(world, 2, day=2)
    page = login(world.reception).get("/can-bo/?hop=moi-tiep-nhan")
    assert page.status_code == 200
    html = page.content.decode()
    assert early.code in html
    assert late.code in html
    assert html.index(early.code) < html.index(late.code)
    assert "Quá hạn" in html  # the clock: these March dossiers are long overdue


def test_search_without_diacritics_by_id_phone_code_and_qr(world: World) -> None:
    dossier = _accepted(world, 7)
    _accepted(world, 8)
    ctx = selectors.officer_context(world.reception)
    box = selectors.BOX_BY_SLUG["moi-tiep-nhan"]

    def found(q: str) -> list[str]:
        rows, _ = selectors.worklist(world.reception, ctx, box, filters=selectors.Filters(q=q))
        return [d.code for d in rows]

    assert found("nguyen van an 7") == [dossier.code]
    assert found("NGUYỄN VĂN AN 7") == [dossier.code]
    assert found("056190000007") == [dossier.code]
    assert len(found("0905123456")) == 2  # both have this phone
    assert found(dossier.code) == [dossier.code]
    assert found(f"https://dichvucong.khanhhoa.gov.vn/tra-cuu/{dossier.code}/") == [dossier.code]
    assert found("khong co ai") == []


def test_keyset_pages_cover_every_dossier_once(world: World) -> None:
    made = {_accepted(world, n, day=2 + n % 3).code for n in range(1, 8)}
    ctx = selectors.officer_context(world.reception)
    box = selectors.BOX_BY_SLUG["moi-tiep-nhan"]
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        rows, cursor = selectors.worklist(world.reception, ctx, box, after=cursor, limit=3)
        seen += [d.code for d in rows]
        if cursor is None:
            break
        # the cursor survives the round trip through the URL
        cursor = selectors.cursor_parse(selectors.cursor_text(cursor))
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(made)


def test_worklist_queries_do_not_grow_with_rows(
    world: World, login: Callable[[Any], Client], django_assert_max_num_queries: Any
) -> None:
    for n in range(1, 13):
        _accepted(world, n)
    client = login(world.reception)
    with django_assert_max_num_queries(6):
        response = client.get("/can-bo/?hop=moi-tiep-nhan")
    assert response.content.decode().count("/can-bo/ho-so/") == 12


def test_department_boxes_and_the_specialists_own(
    world: World, login: Callable[[Any], Client]
) -> None:
    dossier = _accepted(world, 3)
    dossier_forward(actor=world.reception, dossier=dossier.code, at=at(2, 16))
    html = login(world.head).get("/can-bo/?hop=dang-xu-ly").content.decode()
    assert dossier.code in html
    # the reception officer has no department box
    assert (
        "Đang xử lý"
        not in login(world.reception)
        .get("/can-bo/")
        .content.decode()
        .split("<main")[1]
        .split("</nav>")[0]
    )


def test_dossier_page_shows_everything_in_bounded_queries(
    world: World, login: Callable[[Any], Client], django_assert_max_num_queries: Any
) -> None:
    dossier = _accepted(world, 4)
    client = login(world.reception)
    with django_assert_max_num_queries(20):
        response = client.get(f"/can-bo/ho-so/{dossier.code}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nguyễn Văn An 4" in html
    assert "056190000004" in html
    assert "Đơn đăng ký theo mẫu" in html  # documents
    assert "Tiếp nhận hồ sơ, cấp Giấy tiếp nhận" in html  # control sheet
    assert "Quá hạn" in html  # clock
    assert "Chuyển hồ sơ đến cơ quan có thẩm quyền" in html  # the action open to reception


def test_dossier_page_queries_stay_flat_with_more_history(
    world: World, login: Callable[[Any], Client], django_assert_max_num_queries: Any
) -> None:
    dossier = _accepted(world, 5)
    dossier_forward(actor=world.reception, dossier=dossier.code, at=at(2, 16))
    client = login(world.head)
    with django_assert_max_num_queries(20):
        assert client.get(f"/can-bo/ho-so/{dossier.code}/").status_code == 200


def test_a_dossier_outside_the_scope_is_404(world: World, login: Callable[[Any], Client]) -> None:
    dossier = _accepted(world, 6)
    assert login(world.other_reception).get(f"/can-bo/ho-so/{dossier.code}/").status_code == 404
    assert (
        login(world.other_reception)
        .get(f"/can-bo/ho-so/{dossier.code}/bieu-mau/giay-tiep-nhan.pdf")
        .status_code
        == 404
    )
    assert login(world.reception).get("/can-bo/ho-so/KHONG-CO/").status_code == 404


def test_citizens_and_anonymous_users_do_not_get_the_workspace(
    world: World, login: Callable[[Any], Client]
) -> None:
    assert login(world.citizen).get("/can-bo/").status_code == 404
    anonymous = Client().get("/can-bo/")
    assert anonymous.status_code == 302
    assert "/dang-nhap/" in anonymous["Location"]


def test_director_floor_view(world: World, login: Callable[[Any], Client]) -> None:
    _accepted(world, 9)
    response = login(world.director).get("/can-bo/trung-tam/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hồ sơ quá hạn" in html
    assert "Trung tâm PVHCC tỉnh" in html
    assert login(world.specialist).get("/can-bo/trung-tam/").status_code == 404
