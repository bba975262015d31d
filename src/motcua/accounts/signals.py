"""Sign-in, sign-out, failed sign-in and lockout go to the account event log (rules.md §7)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from motcua.accounts.models import AccountEventKind, User
from motcua.accounts.permissions import sync_user_groups
from motcua.accounts.services import account_event_record


def _user_named(username: str) -> User | None:
    if not username:
        return None
    model = get_user_model()
    return model.objects.filter(**{model.USERNAME_FIELD: username}).first()


@receiver(user_logged_in, dispatch_uid="accounts_logged_in")
def on_logged_in(sender: Any, request: HttpRequest | None, user: User, **_: Any) -> None:
    account_event_record(AccountEventKind.LOGIN, user=user, request=request)
    # Roles expire by date: refresh the admin groups at every sign-in.
    sync_user_groups(user)


@receiver(user_logged_out, dispatch_uid="accounts_logged_out")
def on_logged_out(sender: Any, request: HttpRequest | None, user: User | None, **_: Any) -> None:
    if user is not None:
        account_event_record(AccountEventKind.LOGOUT, user=user, request=request)


@receiver(user_login_failed, dispatch_uid="accounts_login_failed")
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    username = str(credentials.get("username") or "")
    account_event_record(
        AccountEventKind.LOGIN_FAILED,
        user=_user_named(username),
        username=username,
        request=request,
        reason=str(credentials.get("reason", "password")),
    )


@receiver(user_locked_out, dispatch_uid="accounts_locked_out")
def on_locked_out(
    sender: Any, request: HttpRequest | None = None, username: str | None = None, **_: Any
) -> None:
    name = username or ""
    account_event_record(
        AccountEventKind.LOCKED_OUT, user=_user_named(name), username=name, request=request
    )
