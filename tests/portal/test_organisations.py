"""Organisation accounts (*tổ chức, doanh nghiệp*): register with the enterprise / tax code
(10 or 13 digits, check digit — Thông tư 105/2020/TT-BTC Điều 5), hold a profile, and submit
online with the organisation as the applicant, prefilled from the profile."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from tests.portal.conftest import PASSWORD, Portal, pdf

from motcua.accounts.models import User
from motcua.common.errors import ValidationFailed
from motcua.dossiers.models import Applicant, Dossier
from motcua.portal import services
from motcua.portal.models import CitizenProfile, OrganisationProfile, OutboxMessage

pytestmark = pytest.mark.django_db

CODE = "0314409058"  # a well-formed code: 10th digit = check digit of the first nine
OTHER_CODE = "0300588569"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("0314409058", "0314409058"),
        (" 0314.409.058 ", "0314409058"),
        ("0314409058-001", "0314409058-001"),
        ("0314409058001", "0314409058-001"),
        ("0300588569", "0300588569"),
    ],
)
def test_good_enterprise_codes_are_normalised(raw: str, stored: str) -> None:
    assert services.enterprise_code_normalise(raw) == stored


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("031440905", "10 chữ số"),  # 9 digits
        ("03144090581", "10 chữ số"),  # 11
        ("031440905800", "10 chữ số"),  # 12
        ("03144090580012", "10 chữ số"),  # 14
        ("03144-09058", "10 chữ số"),  # hyphen in the wrong place
        ("0314409058-0-1", "10 chữ số"),
        ("031440905A", "10 chữ số"),
        ("", "10 chữ số"),
        ("0314409059", "chữ số kiểm tra"),  # wrong check digit
        ("0314409058-000", "001 đến 999"),
    ],
)
def test_bad_enterprise_codes_are_refused(raw: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        services.enterprise_code_normalise(raw)


def _form(**over: str) -> dict[str, str]:
    return {
        "name": "Công ty TNHH Xây dựng Phước Long",
        "enterprise_code": CODE,
        "address": "12 Trần Phú, Nha Trang",
        "representative": "Nguyễn Văn An",
        "identifier": "phuoclong@example.vn",
        "password": PASSWORD,
        "password2": PASSWORD,
        **over,
    }


def test_an_organisation_registers_and_holds_a_profile(portal: Portal) -> None:
    client = Client()
    assert "Đăng ký tài khoản tổ chức" in client.get("/cong-dan/dang-ky/").content.decode()
    r = client.post("/cong-dan/dang-ky/to-chuc/", _form())
    assert r.status_code == 302
    assert r["Location"] == "/cong-dan/xac-minh/"
    user = User.objects.get(username="phuoclong@example.vn")
    assert user.kind == "organisation"
    assert user.full_name == "Nguyễn Văn An"
    org = OrganisationProfile.objects.get(user=user)
    assert (org.name, org.enterprise_code, org.address, org.representative) == (
        "Công ty TNHH Xây dựng Phước Long",
        CODE,
        "12 Trần Phú, Nha Trang",
        "Nguyễn Văn An",
    )
    assert not CitizenProfile.objects.get(user=user).verified
    assert OutboxMessage.objects.filter(to="phuoclong@example.vn").exists()  # the code
    # The profile shows the code and lets the organisation correct its details.
    page = client.get("/cong-dan/thong-tin/").content.decode()
    assert CODE in page
    assert 'value="Công ty TNHH Xây dựng Phước Long"' in page
    r = client.post(
        "/cong-dan/thong-tin/",
        {"name": "Công ty TNHH Phước Long", "address": "14 Trần Phú", "representative": "Lê Bình"},
    )
    assert r.status_code == 302
    org.refresh_from_db()
    user.refresh_from_db()
    assert (org.name, org.address, org.representative) == (
        "Công ty TNHH Phước Long",
        "14 Trần Phú",
        "Lê Bình",
    )
    assert org.enterprise_code == CODE
    assert user.full_name == "Lê Bình"
    bad = client.post("/cong-dan/thong-tin/", {"name": "", "address": "", "representative": ""})
    assert bad.status_code == 200
    assert "Nhập tên tổ chức, doanh nghiệp." in bad.content.decode()
    assert "Công ty TNHH Phước Long" in client.get("/cong-dan/du-lieu-cua-toi/").content.decode()


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"enterprise_code": "031440905"}, "gồm 10 chữ số, hoặc 13 chữ số"),
        ({"enterprise_code": "031440905800"}, "gồm 10 chữ số, hoặc 13 chữ số"),
        ({"enterprise_code": "0314409059"}, "chữ số kiểm tra"),
        ({"enterprise_code": ""}, "Nhập mã số doanh nghiệp"),
        ({"name": ""}, "Nhập tên tổ chức, doanh nghiệp."),
        ({"representative": ""}, "Nhập họ tên người đại diện theo pháp luật."),
        ({"password2": "khac-hoan-toan-2026"}, "Hai mật khẩu không giống nhau."),
    ],
)
def test_bad_registrations_are_refused(portal: Portal, over: dict[str, str], message: str) -> None:
    r = Client().post("/cong-dan/dang-ky/to-chuc/", _form(**over))
    assert r.status_code == 200
    assert message in r.content.decode()
    assert not User.objects.filter(username="phuoclong@example.vn").exists()
    assert not OrganisationProfile.objects.exists()


def test_a_code_already_registered_is_refused(portal: Portal) -> None:
    assert Client().post("/cong-dan/dang-ky/to-chuc/", _form()).status_code == 302
    again = Client().post(
        "/cong-dan/dang-ky/to-chuc/",
        _form(identifier="0905111222", enterprise_code=" 0314.409.058"),
    )
    assert again.status_code == 200
    assert "Mã số doanh nghiệp này đã có tài khoản" in again.content.decode()
    assert not User.objects.filter(username="0905111222").exists()
    # A dependent unit (13 digits) is another code and may have its own account.
    branch = Client().post(
        "/cong-dan/dang-ky/to-chuc/", _form(identifier="0905111222", enterprise_code=CODE + "-001")
    )
    assert branch.status_code == 302
    assert OrganisationProfile.objects.count() == 2
    with pytest.raises(ValidationFailed, match="đã có tài khoản"):
        services.organisation_register(
            identifier="x@example.vn", password=PASSWORD, enterprise_code=CODE, **_details()
        )


def _details() -> dict[str, Any]:
    return {"name": "Công ty B", "address": "1 Lê Lợi", "representative": "Trần C"}


def _organisation(portal: Portal) -> User:
    user = services.organisation_register(
        identifier="phuoclong@example.vn",
        password=PASSWORD,
        enterprise_code=CODE,
        name="Công ty TNHH Xây dựng Phước Long",
        address="12 Trần Phú, Nha Trang",
        representative="Nguyễn Văn An",
    )
    CitizenProfile.objects.filter(user=user).update(email_verified_at=timezone.now())
    return user


def test_an_organisation_submits_with_its_applicant_prefilled(portal: Portal) -> None:
    org_user = _organisation(portal)
    client = portal.client_for(org_user)
    start = client.get("/cong-dan/nop/1.009972/")["Location"]
    base = start.rsplit("/", 2)[0]
    page = client.get(start).content.decode()
    assert 'value="Công ty TNHH Xây dựng Phước Long"' in page
    assert 'value="Nguyễn Văn An"' in page
    assert CODE in page
    assert "Số định danh cá nhân" not in page  # no personal ID asked of an organisation
    missing = client.post(start, {"name": "", "address": "x", "full_name": "A"})
    assert missing.status_code == 200
    assert "Nhập tên tổ chức, doanh nghiệp." in missing.content.decode()
    # The code is the account's own: a code typed into the form is ignored.
    r = client.post(
        start,
        {
            "name": "Công ty TNHH Xây dựng Phước Long",
            "address": "12 Trần Phú, Nha Trang",
            "full_name": "Nguyễn Văn An",
            "phone": "0905123456",
            "email": "phuoclong@example.vn",
            "enterprise_code": OTHER_CODE,
        },
    )
    assert r.status_code == 302
    client.post(f"{base}/thong-tin/", {"dia_chi_cong_trinh": "Lô 5", "so_tang": "2"})
    docs = list(portal.version.documents.all())
    client.post(f"{base}/giay-to/", {f"tep-{d.pk}": pdf() for d in docs} | {"tiep": "1"})
    review = client.get(f"{base}/xem-lai/").content.decode()
    assert "Công ty TNHH Xây dựng Phước Long" in review
    assert CODE in review
    r = client.post(
        f"{base}/xem-lai/",
        {"receiving_agency": portal.world.center.pk, "return_method": "online", "confirm": "on"},
    )
    assert r.status_code == 302, r.content.decode()[-3000:]
    dossier = Dossier.objects.get()
    applicant = dossier.applicant
    assert applicant.kind == "organisation"
    assert applicant.organisation_name == "Công ty TNHH Xây dựng Phước Long"
    assert applicant.enterprise_code == CODE
    assert applicant.full_name == "Nguyễn Văn An"
    assert applicant.personal_id == ""
    assert applicant.user == org_user
    assert not Applicant.objects.filter(enterprise_code=OTHER_CODE).exists()
    mine = client.get("/cong-dan/ho-so/").content.decode()
    assert dossier.code in mine
    assert "Công ty TNHH Xây dựng Phước Long" in mine
    # Another account does not see it.
    assert (
        dossier.code
        not in portal.client_for(portal.citizen).get("/cong-dan/ho-so/").content.decode()
    )
    # Public tracking works with the last 4 digits of the enterprise code.
    tracked = Client().post("/tra-cuu/", {"ma": dossier.code, "xac-minh": CODE[-4:]})
    assert tracked.status_code == 200


def test_a_person_account_cannot_submit_as_an_organisation(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    start = client.get("/cong-dan/nop/1.009972/")["Location"]
    assert "Số định danh cá nhân" in client.get(start).content.decode()
    from motcua.portal.models import Draft

    draft = Draft.objects.get(user=portal.citizen)
    draft.data["applicant"] = {"kind": "organisation", "organisation_name": "X", "full_name": "Y"}
    draft.save()
    with pytest.raises(ValidationFailed, match="không phải tài khoản tổ chức"):
        services.draft_submit(draft, receiving_agency=portal.world.center, return_method="online")
    assert not Dossier.objects.exists()
