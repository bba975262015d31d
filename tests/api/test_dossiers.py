"""Dossier endpoints through the engine: scope (404), keys, idempotency, versions (409),
strict types, actions, timeline, tracking, ratings, rate limit and the call log."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from django.test import Client
from tests.api.conftest import Caller, MakeClient
from tests.dossiers.conftest import World

from motcua.api.models import ApiCall
from motcua.api.services import api_client_revoke
from motcua.audit.models import AuditEntry
from motcua.dossiers.models import Dossier
from motcua.ratings.models import Rating

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 mau don"


def submission(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "procedure": "1.004222",
        "receiving_agency": "000.01.01.H32",
        "channel": "online",
        "applicant": {
            "full_name": "Trần Thị Bình",
            "personal_id": "056190001234",
            "phone": "0905 111 222",
            "date_of_birth": "1991-05-04",
        },
        "documents": [
            {
                "required_document": 1,
                "form": "electronic",
                "file": {
                    "name": "don.pdf",
                    "content_type": "application/pdf",
                    "content_base64": base64.b64encode(PDF).decode(),
                },
            },
            {"required_document": 2, "reused": True, "reuse_source": "Kho dữ liệu điện tử"},
        ],
    }
    body.update(over)
    return body


def test_online_submission_with_documents(world: World, make_client: MakeClient) -> None:
    _, call = make_client()
    answer = call("POST", "/dossiers", submission())
    assert answer.status == 201, answer.body
    assert answer.body["status"] == "submitted"
    assert answer.body["national_status"] == 1
    assert answer.body["channel_code"] == 2
    docs = answer.body["documents"]
    assert docs[0]["digitised"] is True
    assert docs[0]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert docs[1]["reused"] is True
    dossier = Dossier.objects.get(code=answer.body["code"])
    assert dossier.applicant.full_name == "Trần Thị Bình"


def test_replayed_idempotency_key_returns_the_first_result(
    world: World, make_client: MakeClient
) -> None:
    _, call = make_client()
    key = {"Idempotency-Key": "nop-001"}
    first = call("POST", "/dossiers", submission(), headers=key)
    again = call("POST", "/dossiers", submission(), headers=key)
    assert first.status == again.status == 201
    assert again.body == first.body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Dossier.objects.count() == 1
    # The same key for another request is refused, not silently replayed.
    other = call("POST", "/dossiers", submission(summary="khác"), headers=key)
    assert other.status == 422
    assert other.body["code"] == "idempotency_key_reused"
    # Another caller's identical key is its own.
    _, second_client = make_client(name="Cổng DVC")
    assert second_client("POST", "/dossiers", submission(), headers=key).status == 201
    assert Dossier.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"applicant": {"full_name": "A", "date_of_birth": 19910504}}, "date_of_birth"),
        ({"documents": [{"count": "2"}]}, "count"),
        ({"accept": "true"}, "accept"),
        ({"unexpected": 1}, "unexpected"),
        ({"channel": "fax"}, "channel"),
        ({"summary": "x" * 501}, "summary"),
    ],
)
def test_strict_input_types(
    world: World, make_client: MakeClient, change: dict[str, Any], where: str
) -> None:
    _, call = make_client()
    answer = call("POST", "/dossiers", submission(**change))
    assert answer.status == 422
    assert answer.body["code"] == "validation_error"
    assert any(where in err["loc"] for err in answer.body["details"]["errors"]), answer.body
    assert Dossier.objects.count() == 0


def test_malformed_json_and_bad_base64(world: World, make_client: MakeClient) -> None:
    _, call = make_client()
    broken = call("POST", "/dossiers", raw="{not json")
    assert broken.status in (400, 422)
    assert set(broken.body) == {"code", "message", "details"}
    bad = submission()
    bad["documents"][0]["file"]["content_base64"] = "***"
    answer = call("POST", "/dossiers", bad)
    assert answer.status == 422
    assert "base64" in answer.body["message"]


def test_no_key_and_wrong_key_are_401(world: World, anonymous: Caller) -> None:
    answer = anonymous("GET", "/dossiers")
    assert answer.status == 401
    assert answer.body["code"] == "unauthorized"
    assert Caller("mc_000000000000_nope")("GET", "/dossiers").status == 401


def test_revoked_key_is_refused_at_once(world: World, make_client: MakeClient) -> None:
    client, call = make_client()
    assert call("GET", "/dossiers").status == 200
    api_client_revoke(actor=world.admin, client=client)
    assert call("GET", "/dossiers").status == 401


def test_client_of_agency_a_gets_404_for_agency_b(world: World, make_client: MakeClient) -> None:
    mine = world.receive()  # received at world.center, competent world.land
    _, other = make_client(name="Phường", agencies=[world.other_center])
    answer = other("GET", f"/dossiers/{mine.code}")
    assert answer.status == 404
    assert answer.body["code"] == "dossier_not_found"
    assert other("GET", f"/dossiers/{mine.code}/timeline").status == 404
    assert other("GET", "/dossiers").body["items"] == []
    assert other("POST", f"/dossiers/{mine.code}/actions/accept", {}).status in (403, 404)
    # … exactly like a dossier that does not exist.
    missing = other("GET", "/dossiers/000.01.01.H32-260302-9999")
    assert missing.status == 404
    assert missing.body == answer.body
    _, own = make_client(name="Trung tâm")
    assert own("GET", f"/dossiers/{mine.code}").status == 200


def test_missing_operation_scope_is_403(world: World, make_client: MakeClient) -> None:
    _, reader = make_client(scopes=["dossiers:read"])
    answer = reader("POST", "/dossiers", submission())
    assert answer.status == 403
    assert answer.body["code"] == "scope_missing"
    assert answer.body["details"] == {"scope": "dossiers:submit"}


def test_actions_through_the_engine_with_versions(world: World, make_client: MakeClient) -> None:
    _, call = make_client(user=world.reception)
    created = call("POST", "/dossiers", submission())
    code, version = created.body["code"], created.body["version"]
    stale = call("POST", f"/dossiers/{code}/actions/accept", {"expected_version": version + 5})
    assert stale.status == 409
    assert stale.body["code"] == "dossier_conflict"
    assert stale.body["details"] == {"expected_version": version + 5, "current_version": version}
    ok = call("POST", f"/dossiers/{code}/actions/accept", {"expected_version": version})
    assert ok.status == 200, ok.body
    assert ok.body["status"] == "received"
    assert ok.body["version"] == version + 1
    assert ok.body["due_at"] is not None
    # Replaying the same version is now stale.
    again = call("POST", f"/dossiers/{code}/actions/accept", {"expected_version": version})
    assert again.status == 409
    # The engine refuses what the role may not do, with its reason.
    sign = call("POST", f"/dossiers/{code}/actions/sign", {})
    assert sign.status == 409
    assert sign.body["code"] == "transition_not_allowed"
    assert sign.body["message"]
    forward = call("POST", f"/dossiers/{code}/actions/forward", {"reason": "chuyển"})
    assert forward.status == 200
    assert forward.body["current_agency"] == "000.01.10.H32"
    timeline = call("GET", f"/dossiers/{code}/timeline")
    assert [e["action"] for e in timeline.body["events"]] == ["submit_online", "accept", "forward"]
    assert [e["national_status"] for e in timeline.body["events"]] == [1, 2, 4]
    assert timeline.body["clock_events"][0]["kind"] == "start"


def test_action_input_errors(world: World, make_client: MakeClient) -> None:
    _, call = make_client(user=world.reception)
    dossier = world.receive()
    bad_version = call(
        "POST", f"/dossiers/{dossier.code}/actions/accept", {"expected_version": "1"}
    )
    assert bad_version.status == 422
    unknown = call("POST", f"/dossiers/{dossier.code}/actions/explode", {})
    assert unknown.status == 422
    no_amount = call("POST", f"/dossiers/{dossier.code}/actions/request_payment", {})
    assert no_amount.status == 422
    number_date = call("POST", f"/dossiers/{dossier.code}/actions/accept", {"due_at": 1772424000})
    assert number_date.status == 422
    naive = call("POST", f"/dossiers/{dossier.code}/actions/accept", {"due_at": "2026-03-20T09:00"})
    assert naive.status == 422


def test_client_without_service_account_cannot_act(world: World, make_client: MakeClient) -> None:
    _, call = make_client()
    dossier = world.receive()
    answer = call("POST", f"/dossiers/{dossier.code}/actions/accept", {})
    assert answer.status == 403


def test_counter_reception_with_acceptance(world: World, make_client: MakeClient) -> None:
    _, call = make_client(user=world.reception)
    answer = call(
        "POST",
        "/dossiers",
        submission(channel="postal", return_method="post", accept=True),
    )
    assert answer.status == 201, answer.body
    assert answer.body["status"] == "received"
    assert answer.body["channel_code"] == 3


def test_list_filters_and_keyset(world: World, make_client: MakeClient) -> None:
    codes = [world.receive(n=n).code for n in range(1, 4)]
    _, call = make_client()
    first = call("GET", "/dossiers?limit=2")
    assert [d["code"] for d in first.body["items"]] == codes[:2]
    rest = call("GET", f"/dossiers?limit=2&after={first.body['next']}")
    assert [d["code"] for d in rest.body["items"]] == codes[2:]
    assert rest.body["next"] is None
    assert call("GET", "/dossiers?status=received").body["items"] == []
    assert len(call("GET", "/dossiers?national_status=1").body["items"]) == 3
    assert call("GET", "/dossiers?limit=101").status == 422
    assert call("GET", "/dossiers?updated_since=12345").status == 422


def test_detail_read_is_audited(world: World, make_client: MakeClient) -> None:
    _, call = make_client()
    dossier = world.receive()
    assert call("GET", f"/dossiers/{dossier.code}").status == 200
    entry = AuditEntry.objects.filter(action="read", object_id=str(dossier.uuid)).get()
    assert entry.data["client"] == "Bưu điện tỉnh"


def test_public_tracking_needs_the_second_factor(world: World, anonymous: Caller) -> None:
    dossier = world.receive()
    ok = anonymous("POST", "/tracking", {"code": dossier.code, "second_factor": "056190000001"})
    assert ok.status == 200
    assert ok.body["status"] == "submitted"
    assert ok.body["steps"][0]["actor"] == ""
    by_phone = anonymous(
        "POST", "/tracking", {"code": dossier.code, "second_factor": "0905-123-456"}
    )
    assert by_phone.status == 200
    wrong = anonymous("POST", "/tracking", {"code": dossier.code, "second_factor": "000000000"})
    assert wrong.status == 404
    assert wrong.body["code"] == "dossier_not_found"


def test_rating_through_the_shared_store(world: World, make_client: MakeClient) -> None:
    _, call = make_client()
    dossier = world.receive()
    answer = call("POST", f"/dossiers/{dossier.code}/ratings", {"level": 4, "comment": "Tốt"})
    assert answer.status == 201, answer.body
    rating = Rating.objects.get()
    assert rating.source == "api"
    assert rating.dossier_id == dossier.pk
    bad = call("POST", f"/dossiers/{dossier.code}/ratings", {"level": 9})
    assert bad.status == 422


def test_rate_limit_is_429_with_retry_after(world: World, make_client: MakeClient) -> None:
    _, call = make_client(rate=2)
    assert call("GET", "/me").status == 200
    assert call("GET", "/me").status == 200
    third = call("GET", "/me")
    assert third.status == 429
    assert third.body["code"] == "rate_limited"
    assert 0 < int(third.headers["Retry-After"]) <= 60


def test_every_call_is_logged(world: World, make_client: MakeClient, anonymous: Caller) -> None:
    client, call = make_client()
    call("GET", "/me")
    anonymous("GET", "/dossiers")
    rows = list(ApiCall.objects.order_by("pk").values_list("client_id", "path", "status"))
    assert rows == [(client.pk, "/api/v1/me", 200), (None, "/api/v1/dossiers", 401)]


def test_indicators(world: World, make_client: MakeClient) -> None:
    _, call = make_client()
    world.receive(accept=True)
    answer = call("GET", "/indicators/timeliness")
    assert answer.status == 200
    assert answer.body["received"] == 1
    assert answer.body["on_time_rate"] is None


def test_citizen_session_sees_only_own_dossiers_and_csrf_is_checked(world: World) -> None:
    own = world.receive(applicant=world.applicant(1, user=world.citizen))
    other = world.receive(n=2)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.citizen)
    session = Caller(client=browser)
    assert session("GET", f"/dossiers/{own.code}").status == 200
    assert session("GET", f"/dossiers/{other.code}").status == 404
    # A write without the CSRF token is refused.
    refused = session("POST", f"/dossiers/{own.code}/ratings", {"level": 4})
    assert refused.status in (401, 403)
    assert Rating.objects.count() == 0


def test_english_messages(world: World, make_client: MakeClient) -> None:
    _, call = make_client(user=world.reception)
    dossier = world.receive()
    answer = call(
        "POST",
        f"/dossiers/{dossier.code}/actions/sign",
        {},
        headers={"Accept-Language": "en"},
    )
    assert answer.status == 409
    assert answer.body["message"].startswith("This action is not allowed")
    assert answer.body["details"]["reason_vi"]


def test_consultation_and_partner_actions(world: World, make_client: MakeClient) -> None:
    from tests.dossiers.conftest import MONDAY

    from motcua.dossiers.services import dossier_assign, dossier_forward

    dossier = world.receive(at=MONDAY, accept=True)
    dossier_forward(actor=world.reception, dossier=dossier.pk, at=MONDAY)
    dossier_assign(actor=world.head, dossier=dossier.pk, assignee=world.specialist, at=MONDAY)
    _, call = make_client(user=world.specialist)
    path = f"/dossiers/{dossier.code}/actions"
    missing = call("POST", f"{path}/consult", {"reason": "Ý kiến về ranh giới thửa đất"})
    assert missing.status == 422
    unknown = call(
        "POST",
        f"{path}/consult",
        {"reason": "Ý kiến", "agency": "000.99.99.H32", "due_at": "2026-12-30T09:00:00+07:00"},
    )
    assert unknown.status == 422
    asked = call(
        "POST",
        f"{path}/consult",
        {
            "reason": "Ý kiến về ranh giới thửa đất",
            "agency": "000.00.12.H32",
            "due_at": "2026-12-30T09:00:00+07:00",
        },
    )
    assert asked.status == 200, asked.body
    assert asked.body["status"] == "consulting"
    from motcua.dossiers.models import Consultation

    number = Consultation.objects.get(dossier=dossier).pk
    wrong = call(
        "POST", f"{path}/consultation_answered", {"consultation": number + 1, "reason": "x"}
    )
    assert wrong.status == 422
    answered = call(
        "POST", f"{path}/consultation_answered", {"consultation": number, "reason": "Đồng ý"}
    )
    assert answered.status == 200, answered.body
    assert answered.body["status"] == "appraising"
    no_partner = call("POST", f"{path}/hand_over_to_partners", {"partners": []})
    assert no_partner.status in (409, 422)
    assert no_partner.body["code"] in ("dossier_invalid", "transition_not_allowed")


def test_housekeeping_drops_old_windows_and_records(world: World, make_client: MakeClient) -> None:
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from motcua.api.models import IdempotencyRecord, RateWindow
    from motcua.api.services import api_housekeeping

    _, call = make_client()
    call("POST", "/dossiers", submission(), headers={"Idempotency-Key": "k1"})
    assert RateWindow.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert api_housekeeping() == {"rate_windows": 0, "idempotency_records": 0}
    later = timezone.now() + dt.timedelta(days=8)
    assert api_housekeeping(now=later) == {"rate_windows": 1, "idempotency_records": 1}
    call_command("outbox")  # runs the outbox and the housekeeping once


def test_public_tracking_is_rate_limited_per_ip(
    world: World, anonymous: Caller, settings: Any
) -> None:
    settings.MOTCUA_TRACKING_PER_MINUTE = 3
    dossier = world.receive()
    good = {"code": dossier.code, "second_factor": "056190000001"}
    assert anonymous("POST", "/tracking", good).status == 200
    assert anonymous("POST", "/tracking", {**good, "second_factor": "0000"}).status == 404
    assert anonymous("POST", "/tracking", {**good, "code": "KHONG-CO"}).status == 404
    # The fourth look-up from this address in the minute is refused, even with the right pair.
    refused = anonymous("POST", "/tracking", good, headers={"Accept-Language": "en"})
    assert refused.status == 429
    assert refused.body["code"] == "rate_limited"
    assert refused.body["message"].startswith("Too many calls")
    assert refused.body["details"] == {"limit_per_minute": 3}
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # Another address is counted on its own.
    elsewhere = Caller(client=Client(REMOTE_ADDR="203.0.113.9"))
    assert elsewhere("POST", "/tracking", good).status == 200
