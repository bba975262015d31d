"""The feedback pages: the portal form (anonymous and signed in, errors in Vietnamese, CSRF,
rate limit), the sender's page, like/dislike and re-raise, the public list; the workspace
worklist with its clocks and the officer actions with least privilege."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from tests.dossiers.conftest import World

from motcua.feedback import services as sv
from motcua.feedback.models import Feedback, Kind, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def form(world: World, **kw: str) -> dict[str, str]:
    data = {
        "agency": str(world.land.pk),
        "kind": "conduct",
        "title": "Cán bộ hẹn nhiều lần",
        "content": "Tôi phải đi lại ba lần.",
    }
    data.update(kw)
    return data


def item(world: World) -> Feedback:
    return sv.feedback_submit(
        agency=world.land,
        kind=Kind.REGULATION,
        title="Thủ tục rườm rà",
        content="Nội dung",
        citizen=world.citizen,
    )


def test_anonymous_submission_with_contact(world: World) -> None:
    c = Client()
    assert c.get("/phan-anh/gui/").status_code == 200
    r = c.post("/phan-anh/gui/", form(world, contact_name="Lê Văn C", contact_phone="0905123456"))
    assert r.status_code == 200
    assert "Đã gửi phản ánh" in r.content.decode()
    f = Feedback.objects.get()
    assert (f.citizen, f.contact_name, f.kind) == (None, "Lê Văn C", Kind.CONDUCT)


def test_errors_are_listed_in_vietnamese(world: World) -> None:
    r = Client().post("/phan-anh/gui/", {"agency": "", "contact_name": "An"})
    body = r.content.decode()
    assert r.status_code == 400
    for message in ("Có lỗi cần sửa", "Chọn cơ quan bị phản ánh", "Nhập tiêu đề."):
        assert message in body
    r = Client().post("/phan-anh/gui/", form(world, contact_name="An"))
    assert "số điện thoại hoặc thư điện tử" in r.content.decode()
    r = Client().post(
        "/phan-anh/gui/",
        form(world, contact_name="An", contact_phone="0905123456", dossier_code="KHONG-CO"),
    )
    assert "Không tìm thấy hồ sơ có mã KHONG-CO" in r.content.decode()
    assert not Feedback.objects.exists()


def test_csrf_is_required(world: World) -> None:
    c = Client(enforce_csrf_checks=True)
    r = c.post("/phan-anh/gui/", form(world, contact_name="An", contact_phone="0905123456"))
    assert r.status_code == 403
    assert not Feedback.objects.exists()


@override_settings(MOTCUA_PORTAL_LOGIN_PER_MINUTE=2)
def test_rate_limited(world: World) -> None:
    c = Client()
    data = form(world, contact_name="An", contact_phone="0905123456")
    assert [c.post("/phan-anh/gui/", data).status_code for _ in range(3)] == [200, 200, 429]
    assert Feedback.objects.count() == 2


def test_signed_in_citizen_follows_supplements_votes_and_reraises(world: World) -> None:
    c = client_for(world.citizen)
    r = c.post("/phan-anh/gui/", form(world))
    assert r.status_code == 200
    f = Feedback.objects.get()
    assert f.citizen == world.citizen
    assert f.contact_name
    assert f.code in c.get("/phan-anh/cua-toi/").content.decode()
    # Not public until published; another citizen gets 404.
    assert client_for(world.other_citizen).get(f"/phan-anh/{f.uuid}/").status_code == 404
    sv.feedback_request_supplement(feedback_id=f.uuid, actor=world.specialist, note="Ngày nào?")
    c.post(f"/phan-anh/{f.uuid}/bo-sung/", {"text": "Ngày 2/3."})
    f.refresh_from_db()
    assert (f.status, f.supplement_text) == (Status.RECEIVED, "Ngày 2/3.")
    sv.feedback_answer(feedback_id=f.uuid, actor=world.specialist, answer="Đã nhắc nhở cán bộ.")
    sv.feedback_approve(feedback_id=f.uuid, actor=world.head)
    assert f.code in Client().get("/phan-anh/").content.decode()
    assert "Đã nhắc nhở cán bộ." in Client().get(f"/phan-anh/{f.uuid}/").content.decode()
    other = client_for(world.other_citizen)
    other.post(f"/phan-anh/{f.uuid}/khong-thich/")
    other.post(f"/phan-anh/{f.uuid}/khong-thich/")  # one vote per account
    c.post(f"/phan-anh/{f.uuid}/thich/")
    f.refresh_from_db()
    assert (f.likes, f.dislikes) == (1, 1)
    c.post(f"/phan-anh/{f.uuid}/phan-anh-lai/", {"text": "Vẫn chưa thỏa đáng."})
    f.refresh_from_db()
    assert f.reraised_at is not None
    # Only the sender re-raises: another citizen's attempt changes nothing.
    r = other.post(f"/phan-anh/{f.uuid}/phan-anh-lai/", {"text": "x"})
    assert r.status_code == 404
    # Anonymous votes go to the sign-in page.
    r = Client().post(f"/phan-anh/{f.uuid}/thich/")
    assert r.status_code == 302
    assert "dang-nhap" in r["Location"]


def test_public_list_shows_published_answers_only(world: World) -> None:
    a = item(world)
    b = item(world)
    sv.feedback_answer(feedback_id=a.uuid, actor=world.specialist, answer="Trả lời công khai")
    sv.feedback_approve(feedback_id=a.uuid, actor=world.leader)
    body = Client().get("/phan-anh/").content.decode()
    assert a.code in body
    assert b.code not in body
    assert world.citizen.full_name not in body


def test_workspace_worklist_and_actions(world: World) -> None:
    f = item(world)
    spec = client_for(world.specialist)
    r = spec.get("/can-bo/phan-anh/")
    assert r.status_code == 200
    assert f.code in r.content.decode()
    assert "Trong hạn" in r.content.decode()
    # Another center's officer does not see it; a citizen gets 404 for the workspace.
    assert f.code not in client_for(world.other_reception).get("/can-bo/phan-anh/").content.decode()
    assert client_for(world.other_reception).get(f"/can-bo/phan-anh/{f.uuid}/").status_code == 404
    assert client_for(world.citizen).get("/can-bo/phan-anh/").status_code == 404
    # Empty answer: explained, nothing written.
    r = spec.post(f"/can-bo/phan-anh/{f.uuid}/tra-loi/", {"text": ""})
    assert r.status_code == 400
    assert "Nhập nội dung" in r.content.decode()
    r = spec.post(f"/can-bo/phan-anh/{f.uuid}/tra-loi/", {"text": "Đã xử lý."})
    assert r.status_code == 302
    # The specialist may not approve; the head may.
    r = spec.post(f"/can-bo/phan-anh/{f.uuid}/duyet/")
    assert r.status_code == 403
    assert "lãnh đạo" in r.content.decode()
    r = client_for(world.head).post(f"/can-bo/phan-anh/{f.uuid}/duyet/")
    assert r.status_code == 302
    f.refresh_from_db()
    assert f.status == Status.PUBLISHED


def test_workspace_refuse_and_supplement(world: World) -> None:
    a, b = item(world), item(world)
    c = client_for(world.specialist)
    c.post(f"/can-bo/phan-anh/{a.uuid}/tu-choi/", {"text": "Không thuộc thẩm quyền."})
    c.post(f"/can-bo/phan-anh/{b.uuid}/yeu-cau-bo-sung/", {"text": "Cho biết mã hồ sơ."})
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == (Status.REFUSED, Status.SUPPLEMENT)
    assert c.post(f"/can-bo/phan-anh/{a.uuid}/xoa/").status_code == 404


def test_transfer_from_the_worklist_and_the_item_page(world: World) -> None:
    f = item(world)
    spec = client_for(world.specialist)
    page = f"/can-bo/phan-anh/{f.uuid}/chuyen-co-quan/"
    assert page in spec.get("/can-bo/phan-anh/").content.decode()
    assert page in spec.get(f"/can-bo/phan-anh/{f.uuid}/").content.decode()
    r = spec.get(page)
    body = r.content.decode()
    assert r.status_code == 200
    assert "Cơ quan nhận phản ánh, kiến nghị" in body
    assert world.partner.name in body
    assert f'value="{world.land.pk}"' not in body  # its own agency is not offered
    r = spec.post(page, {"agency": str(world.partner.pk), "reason": "Thuộc thẩm quyền Sở."})
    # Out of the specialist's scope now: back to the worklist, where it is gone.
    assert r.status_code == 302
    assert r["Location"] == "/can-bo/phan-anh/"
    listing = spec.get("/can-bo/phan-anh/").content.decode()
    assert f"Đã chuyển phản ánh, kiến nghị {f.code} đến {world.partner.name}." in listing
    assert f.code not in listing.replace(f"kiến nghị {f.code} đến", "")
    f.refresh_from_db()
    assert (f.agency, f.transferred_from, f.transfer_reason) == (
        world.partner,
        world.land,
        "Thuộc thẩm quyền Sở.",
    )
    # The Center's manager sees every agency: the item page shows where it came from and why.
    director = client_for(world.director)
    body = director.get(f"/can-bo/phan-anh/{f.uuid}/").content.decode()
    assert f"từ {world.land.name}" in body
    assert "Thuộc thẩm quyền Sở." in body


def test_the_center_manager_stays_on_the_item_after_a_transfer(world: World) -> None:
    f = item(world)
    r = client_for(world.director).post(
        f"/can-bo/phan-anh/{f.uuid}/chuyen-co-quan/",
        {"agency": str(world.partner.pk), "reason": "Sai nơi."},
    )
    assert (r.status_code, r["Location"]) == (302, f"/can-bo/phan-anh/{f.uuid}/")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "Sai nơi."}, "Chọn cơ quan nhận phản ánh, kiến nghị."),
        ({"agency": "land", "reason": "Sai nơi."}, "đang ở cơ quan này"),
        ({"agency": "999999", "reason": "Sai nơi."}, "Cơ quan đã chọn không có trong danh sách."),
        ({"agency": "abc", "reason": "Sai nơi."}, "Cơ quan đã chọn không có trong danh sách."),
        ({"agency": "partner", "reason": ""}, "Nhập lý do chuyển phản ánh, kiến nghị."),
        ({"agency": "partner", "reason": "x" * 5001}, "Lý do chuyển tối đa 5000 ký tự."),
    ],
)
def test_bad_transfers_are_explained(world: World, data: dict[str, str], message: str) -> None:
    f = item(world)
    if data.get("agency") in ("land", "partner"):
        data = {**data, "agency": str(getattr(world, data["agency"]).pk)}
    r = client_for(world.specialist).post(f"/can-bo/phan-anh/{f.uuid}/chuyen-co-quan/", data)
    body = r.content.decode()
    assert r.status_code == 400
    assert "Có lỗi cần sửa" in body
    assert message in body
    f.refresh_from_db()
    assert (f.agency, f.transferred_at) == (world.land, None)


def test_an_expired_agency_is_not_offered(world: World) -> None:
    import datetime as dt

    f = item(world)
    world.partner.valid_to = dt.date(2025, 6, 30)
    world.partner.save(update_fields=["valid_to"])
    c = client_for(world.specialist)
    assert (
        world.partner.name
        not in c.get(f"/can-bo/phan-anh/{f.uuid}/chuyen-co-quan/").content.decode()
    )
    r = c.post(
        f"/can-bo/phan-anh/{f.uuid}/chuyen-co-quan/",
        {"agency": str(world.partner.pk), "reason": "Sai nơi."},
    )
    assert r.status_code == 400
    assert "Cơ quan đã chọn không có trong danh sách." in r.content.decode()


def test_transfer_permissions_and_csrf(world: World) -> None:
    f = item(world)
    page = f"/can-bo/phan-anh/{f.uuid}/chuyen-co-quan/"
    data = {"agency": str(world.partner.pk), "reason": "Sai nơi."}
    # Another agency's officer: not found, as everywhere in the module; so is a bad id.
    assert client_for(world.other_reception).get(page).status_code == 404
    assert client_for(world.other_reception).post(page, data).status_code == 404
    assert (
        client_for(world.specialist).get("/can-bo/phan-anh/khong-co/chuyen-co-quan/").status_code
        == 404
    )
    # A citizen (even the sender) does not reach the workspace; anonymous goes to sign in.
    assert client_for(world.citizen).post(page, data).status_code == 404
    assert Client().post(page, data).status_code == 302
    # The auditor sees the item but may not transfer it: 403 with the reason, no link offered.
    auditor = client_for(world.auditor)
    assert page not in auditor.get("/can-bo/phan-anh/").content.decode()
    assert page not in auditor.get(f"/can-bo/phan-anh/{f.uuid}/").content.decode()
    r = auditor.post(page, data)
    assert r.status_code == 403
    assert "Bạn không có quyền chuyển phản ánh, kiến nghị này." in r.content.decode()
    # CSRF: the right officer without the token is refused.
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(world.specialist)
    assert csrf.post(page, data).status_code == 403
    f.refresh_from_db()
    assert (f.agency, f.transferred_at) == (world.land, None)
    # A refused item is no longer transferable: no link, and the page says why.
    sv.feedback_refuse(feedback_id=f.uuid, actor=world.specialist, reason="Trùng.")
    spec = client_for(world.specialist)
    assert page not in spec.get(f"/can-bo/phan-anh/{f.uuid}/").content.decode()
    r = spec.post(page, data)
    assert r.status_code == 400
    assert "Chỉ chuyển được phản ánh, kiến nghị đang xử lý." in r.content.decode()


def test_the_transfer_page_in_english(world: World) -> None:
    f = item(world)
    c = client_for(world.specialist)
    c.cookies["django_language"] = "en"
    page = f"/can-bo/phan-anh/{f.uuid}/chuyen-co-quan/"
    body = c.get(page).content.decode()
    assert f"Transfer feedback {f.code} to another agency" in body
    assert "Agency to receive the feedback" in body
    body = c.post(page, {"agency": str(world.partner.pk)}).content.decode()
    assert "Enter the reason for transferring the feedback." in body
