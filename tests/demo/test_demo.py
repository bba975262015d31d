"""The demo province: built through the real services, idempotent, printed log-ins."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from motcua.accounts.access import has_role
from motcua.accounts.models import User
from motcua.accounts.roles import Role
from motcua.agencies.models import Agency, AgencyKind
from motcua.catalogue.models import Procedure, ProcedureVersion
from motcua.demo.services import DEMO_PASSWORD, OFFICERS, demo_prepare

pytestmark = pytest.mark.django_db


def test_demo_builds_the_province_and_is_idempotent() -> None:
    first = demo_prepare()
    counts = (
        Agency.objects.count(),
        Procedure.objects.count(),
        ProcedureVersion.objects.count(),
        User.objects.count(),
    )
    second = demo_prepare()
    assert counts == (
        Agency.objects.count(),
        Procedure.objects.count(),
        ProcedureVersion.objects.count(),
        User.objects.count(),
    )
    assert Procedure.objects.count() == 30
    assert Agency.objects.filter(kind=AgencyKind.DEPARTMENT).count() >= 6
    assert Agency.objects.filter(kind=AgencyKind.COMMUNE_SERVICE_CENTER).count() >= 3
    assert "30 không đổi" in second.catalogue
    # Every role of the issue has a demo account.
    roles = {login.role for login in first.logins}
    assert roles == {role.label for role in Role}


def test_every_procedure_has_agencies_and_an_electronic_process() -> None:
    demo_prepare()
    for version in ProcedureVersion.objects.prefetch_related(
        "competent_agencies", "receiving_agencies", "steps"
    ):
        assert version.competent_agencies.exists(), version
        assert version.receiving_agencies.exists(), version
        assert version.steps.count() >= 3, version


def test_demo_officers_hold_their_roles_and_can_sign_in() -> None:
    demo_prepare()
    for username, _name, role, agency_code in OFFICERS:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert has_role(user, role, Agency.objects.get(code=agency_code))


def test_demo_command_prints_the_log_ins() -> None:
    out = StringIO()
    with override_settings(DEBUG=True):
        call_command("demo", "--no-serve", "--no-dossiers", stdout=out)
    text = out.getvalue()
    assert "Tài khoản trình diễn" in text
    assert "tiepnhan" in text
    assert DEMO_PASSWORD in text


def test_demo_refuses_to_run_on_a_production_configuration() -> None:
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="DEBUG tắt"):
        call_command("demo", "--no-serve")
    assert not Procedure.objects.exists()
