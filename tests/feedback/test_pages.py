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
