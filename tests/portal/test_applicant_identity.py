"""A typed personal ID never opens someone else's dossiers: an applicant the administration
already holds is linked to a citizen's account only when the account's identity for that ID is
proven by the national identity provider, and never when another account holds it."""

from __future__ import annotations

import pytest
from tests.portal.conftest import Portal
from tests.portal.test_submission import _fill

from motcua.common.errors import ValidationFailed
from motcua.dossiers.models import Applicant, ApplicantKind, Dossier
from motcua.dossiers.services import ApplicantInput, applicant_upsert
from motcua.portal import services
from motcua.portal.services import profile_of

pytestmark = pytest.mark.django_db

ID = "056188001234"  # the citizen's own ID in the portal fixture (and in _fill's applicant step)


def _on_record() -> Applicant:
    """The person as a counter officer recorded them: no account linked."""
    return applicant_upsert(
        ApplicantInput(full_name="Trần Thị Bình", personal_id=ID, phone="0911111111")
    )


def _submit(portal: Portal, user_is_citizen: bool = True) -> Dossier:
    user = portal.citizen if user_is_citizen else portal.other
    draft, _base = _fill(portal, portal.client_for(user)) if user_is_citizen else (None, None)
    assert draft is not None
    return services.draft_submit(
        draft, receiving_agency=portal.world.center, return_method="online"
    )


def test_a_counter_applicant_is_not_linked_by_a_typed_id(portal: Portal) -> None:
    person = _on_record()
    client = portal.client_for(portal.citizen)
    draft, base = _fill(portal, client)
    with pytest.raises(ValidationFailed, match="chưa được xác minh là của tài khoản này"):
        services.draft_submit(draft, receiving_agency=portal.world.center, return_method="online")
    person.refresh_from_db()
    assert person.user_id is None
    assert person.phone == "0911111111"  # the recorded details are not overwritten either
    assert not Dossier.objects.exists()
    # Through the page: the same clear message, nothing created.
    page = client.post(
        f"{base}/xem-lai/",
        {"receiving_agency": portal.world.center.pk, "return_method": "online", "confirm": "on"},
    ).content.decode()
    assert "chưa được xác minh là của tài khoản này" in page
    assert not Dossier.objects.exists()


def test_an_applicant_of_another_account_is_refused_even_when_verified(portal: Portal) -> None:
    applicant_upsert(ApplicantInput(full_name="Trần Thị Bình", personal_id=ID, user=portal.other))
    with pytest.raises(ValidationFailed, match="chưa được xác minh"):
        applicant_upsert(
            ApplicantInput(
                full_name="Kẻ mạo danh",
                personal_id=ID,
                user=portal.citizen,
                identity_verified=True,
            )
        )
    person = Applicant.objects.get(kind=ApplicantKind.PERSON, personal_id=ID)
    assert person.user == portal.other
    assert person.full_name == "Trần Thị Bình"


def test_an_identity_proven_by_the_national_provider_links_the_record(portal: Portal) -> None:
    person = _on_record()
    profile = profile_of(portal.citizen)
    profile.oidc_subject = "vneid-sub-0001"
    profile.save()
    dossier = _submit(portal)
    person.refresh_from_db()
    assert dossier.applicant == person
    assert person.user == portal.citizen


def test_a_provider_sign_in_does_not_prove_a_different_typed_id(portal: Portal) -> None:
    applicant_upsert(ApplicantInput(full_name="Người khác", personal_id="056188007777"))
    profile = profile_of(portal.citizen)
    profile.oidc_subject = "vneid-sub-0002"
    profile.save()
    client = portal.client_for(portal.citizen)
    draft, _base = _fill(portal, client)
    draft.data["applicant"]["personal_id"] = "056188007777"
    draft.save()
    with pytest.raises(ValidationFailed, match="chưa được xác minh"):
        services.draft_submit(draft, receiving_agency=portal.world.center, return_method="online")
    assert Applicant.objects.get(personal_id="056188007777").user_id is None


def test_a_new_id_is_recorded_and_linked_to_the_account(portal: Portal) -> None:
    dossier = _submit(portal)
    assert dossier.applicant.user == portal.citizen
    assert dossier.applicant.personal_id == ID
