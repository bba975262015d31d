"""The API's hot look-ups are written once in SQL (``common.sql``) instead of being built by the
ORM on each call (docs/benchmarks.md "Open API"). Each must stay the ORM query it stands for:
the in-scope dossier look-up (``Principal.dossier``) against ``Principal.dossiers()`` — a client's
agencies through each of the three agency columns, an officer's memberships valid today
(boundaries included), a system-wide role that grants no scope, a dossier assigned to the
officer — the dossier GET's answer, the key look-up and the latest result document."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.dossiers.conftest import World

from motcua.accounts.models import AgencyMembership, User
from motcua.accounts.roles import Role
from motcua.accounts.services import officer_create
from motcua.agencies.models import Agency
from motcua.api.auth import _WHOLE_DOSSIER, DossierLookup, Principal
from motcua.api.dossiers import _DOCUMENTS, _RELATED, _SHOWN, dossier_out
from motcua.api.models import ApiClient
from motcua.api.results import result_of
from motcua.api.services import api_client_authenticate, api_client_create
from motcua.dossiers.models import Dossier
from motcua.workspace.models import ResultDocument

pytestmark = pytest.mark.django_db

LOOKUPS: list[DossierLookup] = [_SHOWN, _WHOLE_DOSSIER]


def _client(world: World, agencies: list[Agency], user: User | None = None) -> ApiClient:
    client, _ = api_client_create(
        actor=world.admin,
        name=f"Hệ thống {ApiClient.objects.count() + 1}",
        scopes=["dossiers:read"],
        agencies=agencies,
        user=user,
    )
    return client


def _placed(world: World, n: int, receiving: Agency, current: Agency, competent: Agency) -> str:
    d = world.receive(n=n)
    Dossier.objects.filter(pk=d.pk).update(
        receiving_agency=receiving, current_agency=current, competent_agency=competent
    )
    return d.code


@pytest.fixture
def codes(world: World) -> dict[str, str]:
    """Dossiers each brought into the partner agency's scope by one column only, one outside
    it, one outside it but assigned to the partner's officer, and a code that does not exist."""
    far = world.other_center
    p = world.partner
    out = {
        "receiving": _placed(world, 1, p, far, far),
        "current": _placed(world, 2, far, p, far),
        "competent": _placed(world, 3, far, far, p),
        "outside": _placed(world, 4, far, far, far),
        "assigned": _placed(world, 5, far, far, far),
        "missing": "000.01.01.H32-260302-9999",
    }
    return out


@pytest.fixture
def partner_officer(world: World, codes: dict[str, str]) -> User:
    user, _ = officer_create(
        username="canbo.taichinh",
        full_name="Cán bộ Tài chính",
        password=None,
        agency=world.partner,
        roles=[Role.SPECIALIST],
    )
    Dossier.objects.filter(code=codes["assigned"]).update(assigned_to=user)
    return user


def _seen(principal: Principal, codes: dict[str, str]) -> set[str]:
    """The names of the dossiers the principal sees — the same through the ORM and every
    hand-written look-up (asserted), and the same dossier."""
    seen = set()
    for name, code in codes.items():
        expected = principal.dossiers().filter(code=code).order_by().first()
        for lookup in LOOKUPS:
            assert lookup.applies(principal)
            found = lookup.find(principal, code)
            assert (found.pk if found else None) == (expected.pk if expected else None), (
                name,
                lookup,
            )
        if expected is not None:
            seen.add(name)
    return seen


def test_a_client_sees_the_dossiers_of_its_agencies_through_each_column(
    world: World, codes: dict[str, str]
) -> None:
    client = _client(world, [world.partner])
    assert _seen(Principal(client=client, user=None), codes) == {
        "receiving",
        "current",
        "competent",
    }
    nowhere = _client(world, [])
    assert _seen(Principal(client=nowhere, user=None), codes) == set()


def test_a_client_acting_as_an_officer_sees_the_officers_scope_within_its_own(
    world: World, codes: dict[str, str], partner_officer: User
) -> None:
    wide = _client(world, [world.partner, world.other_center], partner_officer)
    principal = Principal(client=wide, user=partner_officer)
    assert _seen(principal, codes) == {"receiving", "current", "competent", "assigned"}
    # "outside" is in the client's agencies but not in the officer's scope; and the client's
    # agencies narrow the officer's scope too, assignment included.
    narrow = _client(world, [world.land], partner_officer)
    assert _seen(Principal(client=narrow, user=partner_officer), codes) == set()


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "in_force"),
    [
        (0, 0, True),  # from today to today: both ends count
        (-30, None, True),
        (None, -1, False),  # ended yesterday
        (1, None, False),  # starts tomorrow
    ],
)
def test_only_memberships_valid_today_count(
    world: World,
    codes: dict[str, str],
    partner_officer: User,
    valid_from: int | None,
    valid_to: int | None,
    in_force: bool,
) -> None:
    today = timezone.localdate()
    AgencyMembership.objects.filter(user=partner_officer).update(
        valid_from=None if valid_from is None else today + dt.timedelta(days=valid_from),
        valid_to=None if valid_to is None else today + dt.timedelta(days=valid_to),
    )
    client = _client(world, [world.partner, world.other_center], partner_officer)
    expected = {"receiving", "current", "competent"} if in_force else set()
    assert _seen(Principal(client=client, user=partner_officer), codes) == expected | {"assigned"}


def test_a_system_wide_role_gives_no_dossier_scope(world: World, codes: dict[str, str]) -> None:
    admin = User.objects.create(username="quantri.taichinh", kind="officer")
    AgencyMembership.objects.create(user=admin, agency=world.partner, role=Role.ADMINISTRATOR)
    client = _client(world, [world.partner], admin)
    assert _seen(Principal(client=client, user=admin), codes) == set()
    AgencyMembership.objects.create(user=admin, agency=world.partner, role=Role.AUDITOR)
    assert _seen(Principal(client=client, user=admin), codes) == {
        "receiving",
        "current",
        "competent",
    }


def test_citizens_web_users_and_inactive_accounts_go_through_the_orm(
    world: World, partner_officer: User
) -> None:
    client = _client(world, [world.partner], world.citizen)
    partner_officer.is_active = False
    for principal in (
        Principal(client=client, user=world.citizen),
        Principal(client=None, user=world.reception),
        Principal(client=client, user=partner_officer),
    ):
        assert not any(lookup.applies(principal) for lookup in LOOKUPS)


def test_the_get_answers_as_from_the_orm_with_one_query_for_the_result(world: World) -> None:
    d = world.receive(accept=True)
    client = _client(world, [world.center, world.land], world.reception)
    principal = Principal(client=client, user=world.reception)
    fast = principal.dossier(d.code, related=_RELATED, lookup=_SHOWN)
    documents = _DOCUMENTS.run([fast.pk])
    slow = (
        principal.dossiers()
        .select_related(*_RELATED)
        .prefetch_related("documents")
        .get(code=d.code)
    )
    assert [x.pk for x in documents] == [x.pk for x in slow.documents.all()]
    assert len(documents) == 2
    with CaptureQueriesContext(connection) as queries:
        shown = dossier_out(fast, documents=documents)
        assert (fast.uuid, fast.current_agency_id, fast.version) == (
            slow.uuid,
            slow.current_agency_id,
            slow.version,
        )
    # Only the result document is read: a field the look-up does not load would show here.
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert shown == dossier_out(slow)


def test_the_key_look_up_loads_the_client_and_its_account_whole(world: World) -> None:
    client, key = api_client_create(
        actor=world.admin, name="Bưu điện", scopes=["dossiers:read"], user=world.reception
    )
    found = api_client_authenticate(key)
    assert found is not None
    expected = ApiClient.objects.select_related("user").get(pk=client.pk)
    fields = [f.attname for f in ApiClient._meta.concrete_fields]
    assert {f: getattr(found, f) for f in fields} == {f: getattr(expected, f) for f in fields}
    with CaptureQueriesContext(connection) as queries:
        assert found.user == world.reception
        assert found.user.kind == world.reception.kind
        assert found.user.password == expected.user.password  # loaded, not deferred
    assert len(queries) == 0
    assert found.scopes == ["dossiers:read"]
    assert api_client_authenticate(key[:-1] + ("x" if key[-1] != "x" else "y")) is None


def test_the_latest_result_is_the_one_the_orm_orders_first(world: World) -> None:
    from django.db.models import F

    d = world.receive()
    assert result_of(d) is None

    def row(name: str, signed_at: dt.datetime | None) -> ResultDocument:
        return ResultDocument.objects.create(
            dossier=d,
            name=name,
            file=f"results/{name}.pdf",
            sha256="0" * 64,
            uploaded_by=world.specialist,
            signed_at=signed_at,
        )

    def orm() -> ResultDocument | None:
        return (
            ResultDocument.objects.filter(dossier=d)
            .order_by(F("signed_at").desc(nulls_last=True), "-id")
            .first()
        )

    row("du-thao-1", None)
    assert result_of(d) == orm()
    row("du-thao-2", None)
    assert result_of(d) == orm()
    assert orm().name == "du-thao-2"  # type: ignore[union-attr]
    signed = row("da-ky", timezone.now() - dt.timedelta(days=1))
    row("du-thao-3", None)
    assert result_of(d) == orm() == signed
    later = row("da-ky-lai", timezone.now())
    assert result_of(d) == orm() == later
