"""Least-privilege Django permissions for the admin site: one ``Group`` per officer role.

The table lives here as data (:func:`codenames_for_role`, a pure function) and in
docs/accounts.md. :func:`sync_role_groups` runs on every ``post_migrate`` and recomputes each
group from the permissions present *at that moment*, so models added later by other apps are
picked up at their first migration. It is idempotent.

Roles come from :class:`~motcua.accounts.models.AgencyMembership` (rules.md §1.11); the groups
only carry the matching model permissions. :func:`sync_user_groups` keeps a user's groups and
``is_staff`` flag equal to the roles valid today; it runs on every membership change, on every
sign-in and on every admin request (see ``admin_site``), so an expired role stops working
without anyone having to remember it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps as global_apps
from django.db import transaction

from motcua.accounts.roles import OFFICER_ROLES, Role

#: Reference data officers look up every day (agencies, procedures, working calendar).
REFERENCE_APPS = frozenset({"agencies", "catalogue", "workcalendar"})
#: Account data: users, memberships, the account event log, django-axes' lockout records.
ACCOUNT_APPS = frozenset({"accounts", "axes"})
#: Never granted to a role: plumbing, sessions, and TOTP secrets (a device's key *is* the
#: second factor — nobody but its owner should ever see it, rules.md §7 safeguards).
NEVER_GRANTED_APPS = frozenset(
    {"contenttypes", "sessions", "otp_totp", "otp_static", "otp_email", "django_tasks_db"}
)

ALL_ACTIONS = ("add", "change", "delete", "view")


def group_name(role: Role) -> str:
    """The name of the group carrying ``role``'s permissions (stable: the role's value)."""
    return f"vai-tro:{role.value}"


def _is_domain_app(app_label: str) -> bool:
    try:
        config = global_apps.get_app_config(app_label)
    except LookupError:
        return False
    return config.name.startswith("motcua.")


def codenames_for_role(
    role: Role, permissions: Iterable[tuple[str, str, str]]
) -> set[tuple[str, str]]:
    """Pick, from ``(app_label, model, codename)`` triples, those ``role`` receives.

    Pure: the caller passes the permissions that exist. Custom permissions (codenames not of
    the form ``<action>_<model>``) are never granted here; an app that adds one grants it
    explicitly.

    ============================  =====================================================
    administrator                 add/change/delete/view on reference data; add/change/view
                                  users and memberships; view the account log and
                                  django-axes records, delete lockout records (unlock);
                                  view groups and admin history.
    auditor                       view on everything (except plumbing and TOTP secrets).
    center_director               view on all domain data and accounts; add/change on the
                                  catalogue and the working calendar.
    agency_leader, department_    view on reference data.
    head, specialist,
    reception_officer
    ============================  =====================================================
    """
    granted: set[tuple[str, str]] = set()
    for app_label, model, codename in permissions:
        action, _, rest = codename.partition("_")
        if rest != model or action not in ALL_ACTIONS or app_label in NEVER_GRANTED_APPS:
            continue
        if _grants(role, app_label, model, action):
            granted.add((app_label, codename))
    return granted


def _grants(role: Role, app_label: str, model: str, action: str) -> bool:
    reference = app_label in REFERENCE_APPS
    domain = _is_domain_app(app_label)
    if role is Role.AUDITOR:
        return action == "view"
    if role is Role.ADMINISTRATOR:
        if reference:
            return True
        if app_label == "accounts" and model in ("user", "agencymembership"):
            return action in ("add", "change", "view")
        if app_label in ACCOUNT_APPS or (app_label, model) in (
            ("auth", "group"),
            ("admin", "logentry"),
        ):
            # Unlocking an account = deleting its django-axes attempt record.
            return action == "view" or (app_label, model, action) == (
                "axes",
                "accessattempt",
                "delete",
            )
        return False
    if role is Role.CENTER_DIRECTOR:
        if app_label in ("catalogue", "workcalendar"):
            return action in ("add", "change", "view")
        return action == "view" and (domain or app_label in ACCOUNT_APPS)
    if role in OFFICER_ROLES:
        return action == "view" and reference
    return False


def sync_role_groups(apps: Any = global_apps, using: str = "default") -> None:
    """Create or update one group per officer role with exactly its permissions. Idempotent."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    rows = list(
        permission_model.objects.using(using).values_list(
            "id", "content_type__app_label", "content_type__model", "codename"
        )
    )
    by_key = {(app, codename): pk for pk, app, _model, codename in rows}
    triples = [(app, model, codename) for _pk, app, model, codename in rows]
    with transaction.atomic(using=using):
        for role in sorted(OFFICER_ROLES):
            group, _ = group_model.objects.using(using).get_or_create(name=group_name(role))
            wanted = {by_key[key] for key in codenames_for_role(role, triples)}
            group.permissions.set(wanted)


def post_migrate_sync(
    sender: Any, apps: Any = global_apps, using: str = "default", **_: Any
) -> None:
    """``post_migrate`` receiver: sync once, after the last app's permissions exist."""
    configs = [c for c in global_apps.get_app_configs() if c.models_module is not None]
    if configs and sender.label != configs[-1].label:
        return
    sync_role_groups(apps, using)


def sync_user_groups(user: Any) -> bool:
    """Make ``user``'s role groups and ``is_staff`` match the roles valid today.

    Returns whether anything changed. Groups that are not role groups are left alone.
    """
    from django.contrib.auth.models import Group

    from motcua.accounts.access import roles_of

    roles = {r for r in roles_of(user) if r in OFFICER_ROLES} if user.is_active else set()
    if user.is_superuser:
        roles.discard(Role.ADMINISTRATOR)  # superusers need no group
    role_names = {group_name(r) for r in OFFICER_ROLES}
    wanted = {group_name(r) for r in roles}
    current = set(user.groups.filter(name__in=role_names).values_list("name", flat=True))
    changed = False
    if current != wanted:
        user.groups.remove(*Group.objects.filter(name__in=current - wanted))
        missing = wanted - current
        if missing:
            existing = Group.objects.filter(name__in=missing)
            if existing.count() < len(missing):
                sync_role_groups()
                existing = Group.objects.filter(name__in=missing)
            user.groups.add(*existing)
        changed = True
    staff = bool(roles) or user.is_superuser
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])
        changed = True
    if changed:
        # ModelBackend caches permissions on the instance.
        for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            user.__dict__.pop(attr, None)
    return changed
