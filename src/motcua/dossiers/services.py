"""Writes of the dossier engine: one public function per workflow action, the only code allowed to
change a dossier (ARCHITECTURE.md "One write path per state change").

Every action funnels through :func:`_apply`, which in **one transaction**:

1. loads the dossier through the access helpers *with the row lock* — a dossier the actor may
   not see is :class:`DossierNotFound`, never "forbidden";
2. checks ``expected_version`` (optimistic concurrency: two officers acting at once — one wins,
   the other gets :class:`DossierConflict`);
3. builds :class:`DossierFacts` with the working-day calendar and asks the pure rules
   (``workflow.plan_transition``); a refusal raises ``TransitionNotAllowed`` and changes nothing;
4. updates status, national status, clock, due moment and step with ``update_fields``, appends
   the control-sheet row (:class:`DossierEvent`), a :class:`ClockEvent` whenever the clock
   changes, and an audit-log entry.

Every service takes ``at`` (default: now) so the demo and the simulator can replay realistic
timelines; ``actor=None`` is the system (the scheduler, the national portal's integration).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from motcua.accounts.access import SYSTEM_WIDE_ROLES, valid_on
from motcua.accounts.models import AgencyMembership, User, UserKind
from motcua.accounts.roles import Role
from motcua.agencies.models import AdministrativeUnit, Agency
from motcua.audit.services import AuditRecord, audit_append_many, audit_log
from motcua.catalogue.models import (
    LOCKED_STATUSES,
    Channel,
    ChannelOption,
    Procedure,
    ProcedureVersion,
    ProcessStep,
    RequiredDocument,
    TimeLimit,
)
from motcua.catalogue.selectors import procedure_version_for
from motcua.common.copy import insert_one, insert_rows
from motcua.common.errors import ValidationFailed
from motcua.common.text import fold, nfc
from motcua.dossiers import clock
from motcua.dossiers.access import (
    dossier_for_system,
    in_officer_scope,
    lock_dossier_for_consulted_officer,
    lock_dossier_for_officer,
    lock_dossier_for_partner_officer,
)
from motcua.dossiers.codes import issue_code
from motcua.dossiers.errors import DossierConflict, DossierInvalid, DossierNotFound
from motcua.dossiers.models import (
    Applicant,
    ApplicantKind,
    ClockEvent,
    ClockKind,
    Consultation,
    DocumentForm,
    Dossier,
    DossierDocument,
    DossierEvent,
    PartnerTask,
    ReturnMethod,
    ReuseOrigin,
)
from motcua.dossiers.national import ends_processing_for_766, national_status
from motcua.dossiers.workflow import (
    CLOSE_UNSUPPLEMENTED_AFTER_DAYS,
    CORRECTION_WITHIN_WORKING_DAYS,
    ONLINE_ALERT_WITHIN_HOURS,
    ONLINE_DECISION_WITHIN_WORKING_HOURS,
    SYSTEM_LABEL,
    TRANSITIONS,
    Action,
    Actor,
    ClockEffect,
    ClockState,
    DossierFacts,
    DossierStatus,
    InterAgencyMode,
    SystemActor,
    Transition,
    TransitionNotAllowed,
    next_clock_state,
    plan_transition,
)
from motcua.workcalendar.engine import NO_CUTOFF, WorkingCalendar
from motcua.workcalendar.selectors import calendar_for
from motcua.workcalendar.units import TimeLimitUnit

S = DossierStatus
A = Action
OBJECT_TYPE = "dossier"

# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicantInput:
    """Who the dossier is for. A person is found again by personal ID, an organisation by its
    enterprise (tax) code; contact details given here update the stored ones."""

    kind: str = ApplicantKind.PERSON
    full_name: str = ""
    personal_id: str = ""
    date_of_birth: dt.date | None = None
    phone: str = ""
    email: str = ""
    address: str = ""
    unit: AdministrativeUnit | None = None
    organisation_name: str = ""
    enterprise_code: str = ""
    user: User | None = None
    #: ``user``'s ownership of this personal ID / enterprise code is proven (signed in through
    #: the national identity provider, which asserts the ID). Only then may an applicant the
    #: administration already holds be linked to the account (see :func:`applicant_upsert`).
    identity_verified: bool = False


@dataclass(frozen=True)
class DocumentInput:
    """One component as received: ``required_document`` of the procedure version (or a free
    ``name``), whether it was submitted, its form, the digitised file, and whether it was reused
    from existing data (NĐ 118/2025 Điều 17 khoản 1 điểm b) rather than collected again."""

    name: str = ""
    required_document: RequiredDocument | None = None
    submitted: bool = True
    form: str = DocumentForm.COPY
    count: int = 1
    file: File[Any] | None = None
    content_type: str = ""
    reused: bool = False
    reuse_source: str = ""
    #: Structured origin of a reused component (``ReuseOrigin``; QĐ 766 4.4), empty if unknown.
    reuse_origin: str = ""
    #: Digitised by a scanning station that keeps the file itself (the simulator): the component
    #: is recorded as scanned by the actor at reception without a file here (QĐ 766 4.2).
    scanned: bool = False


@dataclass(frozen=True)
class PartnerInput:
    agency: Agency
    task: str
    due_at: dt.datetime


# --- helpers --------------------------------------------------------------------------------


def _now(at: dt.datetime | None) -> dt.datetime:
    moment = timezone.now() if at is None else at
    if timezone.is_naive(moment):
        raise ValueError("dossier moments must be timezone-aware")
    return moment


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(m for messages in exc.message_dict.values() for m in messages)
    return " ".join(exc.messages)


def applicant_upsert(data: ApplicantInput) -> Applicant:
    """Find the applicant by personal ID (person) or enterprise code (organisation) and update
    the details given, or create one. Raises ``ValidationFailed`` with Vietnamese messages.

    A citizen's account (``data.user``) sees every dossier of the applicant linked to it, so an
    applicant already on record — received at a counter, or linked to another account — is
    linked to, or changed by, an account only when that account's identity for this ID is
    proven (``data.identity_verified``) and no other account holds it; a typed ID alone never
    opens someone else's dossiers (Decree 118/2025 art. 5: personal data protected; Decree
    13/2023 on personal data)."""
    kind = ApplicantKind(data.kind)
    existing: Applicant | None = None
    if kind is ApplicantKind.PERSON and data.personal_id.strip():
        existing = Applicant.objects.filter(kind=kind, personal_id=data.personal_id.strip()).first()
    elif kind is ApplicantKind.ORGANISATION and data.enterprise_code.strip():
        existing = Applicant.objects.filter(
            kind=kind, enterprise_code=data.enterprise_code.strip()
        ).first()
    if (
        data.user is not None
        and existing is not None
        and existing.user_id != data.user.pk
        and (existing.user_id is not None or not data.identity_verified)
    ):
        raise ValidationFailed(
            "Số định danh cá nhân (mã số doanh nghiệp) này đã có trong hồ sơ của cơ quan nhưng "
            "chưa được xác minh là của tài khoản này. Hãy đăng nhập bằng tài khoản định danh "
            "điện tử để xác minh, hoặc nộp hồ sơ tại Bộ phận Một cửa."
        )
    applicant = existing or Applicant(kind=kind)
    values = {
        "full_name": nfc(data.full_name),
        "personal_id": data.personal_id.strip(),
        "date_of_birth": data.date_of_birth,
        "phone": data.phone.strip(),
        "email": data.email.strip(),
        "address": nfc(data.address),
        "unit": data.unit,
        "organisation_name": nfc(data.organisation_name),
        "enterprise_code": data.enterprise_code.strip(),
        "user": data.user,
    }
    for name, value in values.items():
        if value not in ("", None):
            setattr(applicant, name, value)
    if kind is ApplicantKind.PERSON and not applicant.full_name:
        raise ValidationFailed("Phải ghi họ và tên người nộp hồ sơ.")
    if kind is ApplicantKind.ORGANISATION and not applicant.organisation_name:
        raise ValidationFailed("Phải ghi tên tổ chức, doanh nghiệp nộp hồ sơ.")
    applicant.search_key = fold(
        " ".join(
            p
            for p in (
                applicant.full_name,
                applicant.organisation_name,
                applicant.personal_id,
                applicant.enterprise_code,
                applicant.phone,
            )
            if p
        )
    )[:600]
    try:
        applicant.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationFailed(_errors(exc)) from None
    if applicant.pk is None:
        insert_one(applicant)  # save(), the statement compiled once
    else:
        applicant.save()
    return applicant


#: The user's memberships valid today, as ``(agency id, role)`` (:func:`_memberships`).
Memberships = list[tuple[int, Role]]


def _memberships(user: User) -> Memberships:
    """Every membership of ``user`` valid today (one query): the scope check, the role on the
    dossier and the roles at the receiving agency all come from these rows."""
    # ``AgencyMembership.objects.filter(valid_on(today), user=user).values_list("agency_id",
    # "role")`` as plain SQL: it runs on every action, and building the query cost more than
    # running it.
    day = connection.ops.adapt_datefield_value(timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute(_MEMBERSHIPS_SQL, [user.pk, day, day])
        return [(agency_id, Role(role)) for agency_id, role in cursor.fetchall()]


_MEMBERSHIPS_SQL = (
    "SELECT agency_id, role FROM accounts_agencymembership WHERE user_id = %s "
    "AND (valid_from IS NULL OR valid_from <= %s) AND (valid_to IS NULL OR valid_to >= %s)"
)


def _officer_agency_ids(rows: Memberships) -> set[int]:
    """``access.officer_agency_ids`` from the rows (system-wide roles are not a scope)."""
    return {agency_id for agency_id, role in rows if role not in SYSTEM_WIDE_ROLES}


def _roles_at(user: User, rows: Memberships, agency_id: int) -> set[Role]:
    """``accounts.access.roles_of(user, agency)`` from the rows."""
    if not (user.is_authenticated and user.is_active):
        return set()
    roles = {role for _, role in rows if role in SYSTEM_WIDE_ROLES}
    roles |= {role for held_at, role in rows if held_at == agency_id}
    if user.is_superuser:
        roles.add(Role.ADMINISTRATOR)
    return roles


def _membership_roles(
    user: User, agency_ids: Iterable[int], rows: Memberships | None = None
) -> set[Role]:
    """The user's roles today in any of ``agency_ids`` (one query unless ``rows`` are given)."""
    ids = set(agency_ids)
    if rows is not None:
        return {role for agency_id, role in rows if agency_id in ids}
    found = AgencyMembership.objects.filter(
        valid_on(timezone.localdate()), user=user, agency_id__in=list(ids)
    ).values_list("role", flat=True)
    return {Role(r) for r in found}


def _actor_for(
    user: User | None,
    dossier: Dossier,
    transition: Transition,
    rows: Memberships | None = None,
    agencies: Sequence[int] = (),
) -> Actor:
    """The role ``user`` acts in on this dossier: the first role the transition allows that the
    user holds in one of the dossier's agencies (plus ``agencies``: the consulted agency
    answering); else a role they hold (so the rules give the clear "not for your role"
    refusal); the system for ``None``."""
    if user is None:
        return SystemActor.SYSTEM
    if user.kind in (UserKind.CITIZEN, UserKind.ORGANISATION):
        return Role.CITIZEN
    ids = [
        dossier.receiving_agency_id,
        dossier.current_agency_id,
        dossier.competent_agency_id,
        *([dossier.lead_agency_id] if dossier.lead_agency_id else []),
        *agencies,
    ]
    held = _membership_roles(user, ids, rows)
    for role in Role:
        if role in transition.roles and role in held:
            return role
    if held:
        return sorted(held, key=list(Role).index)[0]
    return Role.AUDITOR if dossier.assigned_to_id != user.pk else Role.SPECIALIST


def _load(user: User | None, ref: Any) -> tuple[Dossier, Memberships | None]:
    """The dossier, locked, if ``user`` may see it; with an officer's memberships of today
    (fetched once for the scope and the role, :func:`_actor_for`)."""
    if isinstance(ref, Dossier):
        ref = ref.pk
    if user is None:
        return dossier_for_system(ref, lock=True), None
    if user.kind in (UserKind.CITIZEN, UserKind.ORGANISATION):
        qs = Dossier.objects.filter(applicant__user=user)
        qs = qs.filter(pk=ref) if isinstance(ref, int) else qs.filter(code=str(ref))
        found = qs.values_list("pk", flat=True).first()
        if found is None:
            raise DossierNotFound()
        return Dossier.objects.select_for_update().get(pk=found), None
    rows = _memberships(user) if user.is_authenticated and user.is_active else []
    return lock_dossier_for_officer(user, ref, _officer_agency_ids(rows)), rows


def _calendar(dossier: Dossier) -> WorkingCalendar:
    # The receiving unit promises the due moment on its receipt (Đ17.3): its calendar counts.
    return calendar_for(dossier.receiving_agency)


def _limit(dossier: Dossier) -> clock.Limit | None:
    if dossier.limit_value is None or not dossier.limit_unit:
        return None
    return clock.Limit(dossier.limit_value, dossier.limit_unit, dossier.limit_cutoff)


def _facts(dossier: Dossier, cal: WorkingCalendar, at: dt.datetime, action: Action) -> DossierFacts:
    done: set[Action] = set()
    if dossier.supplements_at_reception:
        done.add(A.REQUEST_SUPPLEMENT)
    if dossier.supplements_after_appraisal:
        done.add(A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL)
    if dossier.extension_used:
        done.add(A.REQUEST_EXTENSION)
    # Only the supplement after appraisal depends on it (Đ19.5, ``workflow._rule_refusal``):
    # counting working days for every other action would cost a calendar walk each.
    working_days = (
        clock.working_days_elapsed(cal, dossier.received_at, at, dossier.limit_cutoff)
        if dossier.received_at is not None and action is A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL
        else None
    )
    days_until_due = (
        (clock.local_day(dossier.due_at) - clock.local_day(at)).days
        if dossier.due_at is not None
        else None
    )
    since_request = (
        (clock.local_day(at) - clock.local_day(dossier.supplement_requested_at)).days
        if dossier.supplement_requested_at is not None
        else None
    )
    pending = (
        dossier.partner_tasks.filter(completed_at__isnull=True).count()
        if action is A.PARTNERS_COMPLETED
        else 0
    )
    # The answered consultation is validated by the service (it must be open); the others open.
    consulting = (
        max(dossier.consultations.filter(answered_at__isnull=True).count() - 1, 0)
        if action is A.CONSULTATION_ANSWERED
        else 0
    )
    return DossierFacts(
        once_only_done=frozenset(done),
        working_days_since_reception=working_days,
        days_until_due=days_until_due,
        days_since_supplement_request=since_request,
        inter_agency=InterAgencyMode(dossier.inter_agency_mode)
        if dossier.inter_agency_mode
        else None,
        partner_parts_pending=pending,
        consultations_pending=consulting,
    )


#: Where each status sits in the standard process (catalogue ``DEFAULT_STEPS``): 0 reception,
#: 1 assignment, 2 appraisal, 3 approval, 4 signature, 5 return. A version with another number
#: of steps is mapped proportionally (docs/dossiers.md "Steps").
_PHASE: dict[DossierStatus, int] = {
    S.RECEIVED: 0,
    S.AWAITING_ASSIGNMENT: 1,
    S.APPRAISING: 2,
    S.CONSULTING: 2,
    S.AT_PARTNER_AGENCIES: 2,
    S.SUPPLEMENT_REQUESTED: 2,
    S.AWAITING_PAYMENT: 2,
    S.AWAITING_APPROVAL: 3,
    S.AWAITING_SIGNATURE: 4,
    S.RESULT_UNDER_CORRECTION: 4,
    S.RESOLVED: 5,
    S.REFUSED_AFTER_APPRAISAL: 5,
}
_LAST_PHASE = 5


@dataclass(frozen=True)
class _VersionRules:
    """What the engine reads of a procedure version: its channels, time limits (in the
    ``TimeLimit`` order) and process steps (by ``order``)."""

    channels: frozenset[str]
    limits: tuple[TimeLimit, ...]
    steps: tuple[ProcessStep, ...]


#: Per-process cache of :class:`_VersionRules` of published and retired versions, which are
#: immutable (``catalogue.models``): keyed by version id. Drafts are read every time. Emptied
#: whenever a version or one of these rows is saved or deleted in this process (a test database
#: reusing an id creates the new version through ``save``).
_rules_cache: dict[int, _VersionRules] = {}


def _forget_version_rules(**_: object) -> None:
    _rules_cache.clear()


for _sender in (ProcedureVersion, ChannelOption, TimeLimit, ProcessStep):
    post_save.connect(_forget_version_rules, sender=_sender, weak=False)
    post_delete.connect(_forget_version_rules, sender=_sender, weak=False)


def _version_rules(version_id: int) -> _VersionRules:
    cached = _rules_cache.get(version_id)
    if cached is not None:
        return cached
    steps = sorted(ProcessStep.objects.filter(version_id=version_id), key=lambda s: s.order)
    rules = _VersionRules(
        channels=frozenset(
            ChannelOption.objects.filter(version_id=version_id).values_list("channel", flat=True)
        ),
        limits=tuple(
            TimeLimit.objects.filter(version_id=version_id).order_by("channel", "order", "pk")
        ),
        steps=tuple(steps),
    )
    status = ProcedureVersion.objects.filter(pk=version_id).values_list("status", flat=True)
    if status.first() in LOCKED_STATUSES:
        _rules_cache[version_id] = rules
    return rules


def _time_limit(version_id: int, channel: str, condition: str | None) -> TimeLimit | None:
    """``catalogue.selectors.time_limit_for`` through the version cache."""
    for row in _version_rules(version_id).limits:
        if row.channel != channel:
            continue
        if row.is_default if condition is None else row.condition == condition:
            return row if row.is_computable else None
    return None


def _steps(dossier: Dossier) -> list[ProcessStep]:
    cached = getattr(dossier, "_steps_cache", None)
    if cached is None:
        cached = list(_version_rules(dossier.procedure_version_id).steps)
        dossier._steps_cache = cached  # type: ignore[attr-defined]
    return cached


def _step_index(status: DossierStatus, count: int) -> int | None:
    phase = _PHASE.get(status)
    if phase is None or count == 0:
        return None
    return round(phase * (count - 1) / _LAST_PHASE) if count > 1 else 0


# --- the one write path ---------------------------------------------------------------------


@dataclass
class _Change:
    """What an action changes, filled by ``_apply`` and the action's ``prepare`` callback."""

    dossier: Dossier
    at: dt.datetime
    calendar: WorkingCalendar
    transition: Transition
    source: DossierStatus
    target: DossierStatus
    reason: str
    fields: set[str] = field(default_factory=set)
    clock_events: list[ClockEvent] = field(default_factory=list)
    to_agency: Agency | None = None
    to_user: User | None = None
    event_data: dict[str, Any] = field(default_factory=dict)
    #: The prepare callback sets the clock itself (start/restart/extend inputs).
    limit_for_start: clock.Limit | None = None
    manual_due: dt.datetime | None = None
    new_due: dt.datetime | None = None

    def set(self, name: str, value: Any) -> None:
        relation = _DOSSIER_RELATIONS.get(name)
        if relation is None:
            setattr(self.dossier, name, value)
        else:
            # What the relation's descriptor does for an engine-loaded row or None, without its
            # type and database-router checks (a few µs each, at every step of the simulator).
            self.dossier.__dict__[relation.attname] = None if value is None else value.pk
            relation.set_cached_value(self.dossier, value)
        self.fields.add(name)

    def clock_event(self, kind: ClockKind, *, before: dt.datetime | None, **extra: Any) -> None:
        row = ClockEvent(
            dossier_id=self.dossier.pk,
            kind=kind,
            at=self.at,
            due_before=before,
            due_after=extra.pop("after", self.dossier.due_at),
            reason=extra.pop("reason", self.reason),
            **extra,
        )
        _CLOCK_EVENT_DOSSIER.set_cached_value(row, self.dossier)
        self.clock_events.append(row)


#: The dossier's relations ``_Change.set`` writes directly (see there).
_DOSSIER_RELATIONS: dict[str, Any] = {
    f.name: f for f in Dossier._meta.concrete_fields if f.is_relation and f.many_to_one
}
_CLOCK_EVENT_DOSSIER: Any = ClockEvent._meta.get_field("dossier")

Prepare = Callable[[_Change], None]


def _record_decision_breach(change: _Change) -> None:
    """Đ17.2: acceptance or a supplement request is due within 8 working hours of submission."""
    d = change.dossier
    if d.decision_due_at is not None and change.at > d.decision_due_at and not d.decision_breached:
        change.set("decision_breached", True)
        change.clock_event(
            ClockKind.DECISION_BREACH,
            before=d.due_at,
            reason=f"Quá {ONLINE_DECISION_WITHIN_WORKING_HOURS} giờ làm việc kể từ khi hệ thống "
            "nhận hồ sơ trực tuyến mới tiếp nhận hoặc yêu cầu bổ sung (NĐ 118/2025/NĐ-CP "
            "Điều 17 khoản 2).",
        )


def _need(value: dt.datetime | None) -> dt.datetime:
    """A moment the status guarantees (the transition table makes ``None`` impossible here)."""
    if value is None:
        raise RuntimeError("dossier clock field unexpectedly empty")
    return value


def _apply_clock(change: _Change) -> None:
    """Apply ``transition.clock`` to the dossier and record it (module ``clock`` for the rules)."""
    d, at, cal = change.dossier, change.at, change.calendar
    effect = change.transition.clock
    state = ClockState(d.clock_state)
    if effect is ClockEffect.NONE:
        return
    new_state = next_clock_state(state, effect)
    before = d.due_at
    if effect is ClockEffect.START and change.source is S.SUBMITTED:
        limit = change.limit_for_start
        due = clock.due_from(cal, at, limit) if limit is not None else change.manual_due
        change.set("received_at", at)
        change.set("due_at", due)
        change.set("original_due_at", due)
        change.clock_event(
            ClockKind.START,
            before=before,
            after=due,
            limit_value=limit.value if limit else None,
            limit_unit=limit.unit if limit else "",
            limit_cutoff=limit.cutoff if limit else None,
        )
    elif effect is ClockEffect.START:  # the correction limit (Đ23.1)
        limit = clock.Limit(
            Decimal(CORRECTION_WITHIN_WORKING_DAYS), TimeLimitUnit.WORKING_DAYS.value, NO_CUTOFF
        )
        due = clock.due_from(cal, at, limit)
        change.set("due_at", due)
        change.clock_event(
            ClockKind.CORRECTION,
            before=before,
            after=due,
            limit_value=limit.value,
            limit_unit=limit.unit,
            limit_cutoff=limit.cutoff,
        )
    elif effect is ClockEffect.PAUSE:
        change.set("paused_at", at)
        change.clock_event(ClockKind.PAUSE, before=before)
    elif effect is ClockEffect.RESUME:
        due = clock.push(cal, _need(d.due_at), _need(d.paused_at), at)
        change.set("due_at", due)
        change.set("paused_at", None)
        change.clock_event(ClockKind.RESUME, before=before, after=due)
    elif effect is ClockEffect.RESTART:
        limit = _limit(d)
        if limit is None:  # hand-set at acceptance: the same working time again
            hours = clock.working_hours(cal, _need(d.received_at), _need(d.original_due_at))
            limit = clock.Limit(
                (Decimal(hours.numerator) / Decimal(hours.denominator)).quantize(Decimal("0.0001")),
                TimeLimitUnit.WORKING_HOURS.value,
                None,
            )
        due = clock.due_from(cal, at, limit)
        change.set("due_at", due)
        change.set("paused_at", None)
        change.clock_event(
            ClockKind.RESTART,
            before=before,
            after=due,
            limit_value=limit.value,
            limit_unit=limit.unit,
            limit_cutoff=limit.cutoff,
        )
    elif effect is ClockEffect.EXTEND:
        new_due = _need(change.new_due)
        change.set("due_at", new_due)
        change.clock_event(ClockKind.EXTEND, before=before, after=new_due)
    elif effect is ClockEffect.STOP:
        change.set("paused_at", None)
        if before is not None:
            change.clock_event(ClockKind.STOP, before=before)
    change.set("clock_state", new_state.value)


def _move_step(change: _Change) -> tuple[ProcessStep | None, dt.datetime | None, str]:
    """Close the current step when the dossier leaves it and open the next one. Returns the
    closed step with its due moment and timeliness, for the control-sheet row."""
    d, at = change.dossier, change.at
    steps = _steps(d)
    index = _step_index(change.target, len(steps))
    new_step = steps[index] if index is not None else None
    old_step_id = d.current_step_id
    closed: ProcessStep | None = None
    closed_due = d.step_due_at
    outcome = ""
    effect = change.transition.clock
    if new_step is not None and new_step.pk == old_step_id:
        # Same step; follow the dossier's clock.
        if effect is ClockEffect.RESUME and d.step_due_at is not None:
            before = change.clock_events[-1].due_before if change.clock_events else None
            if before is not None and d.due_at is not None:
                shift = clock.working_hours(change.calendar, before, d.due_at)
                change.set("step_due_at", change.calendar.add_working_hours(d.step_due_at, shift))
        elif effect in (ClockEffect.RESTART, ClockEffect.START) and d.due_at is not None:
            change.set("step_due_at", _step_due(change, new_step, index))
        elif effect is ClockEffect.EXTEND and d.step_due_at is not None and index is not None:
            change.set("step_due_at", _extended_step_due(change, index))
        return None, None, ""
    if old_step_id is not None:
        closed = next((s for s in steps if s.id == old_step_id), None)
        if closed_due is not None:
            outcome = clock.classify(at, closed_due)
    change.set("current_step", new_step)
    change.set("step_started_at", at if new_step else None)
    change.set(
        "step_due_at",
        _step_due(change, new_step, index) if new_step is not None and index is not None else None,
    )
    return closed, closed_due if closed else None, outcome


def _extended_step_due(change: _Change, index: int) -> dt.datetime:
    """The current step's due moment after the extension (Đ19.6): the step keeps its due moment
    and gets its share of the working time added to the dossier, among the shares of the steps
    still to come (itself included) — the same split as when a step is entered. Never later
    than the dossier's new due moment."""
    d, cal = change.dossier, change.calendar
    step_due, new_due = _need(d.step_due_at), _need(d.due_at)
    before = _need(change.clock_events[-1].due_before)
    steps = _steps(d)
    remaining = sum((s.share for s in steps[index:]), Decimal(0))
    added = clock.working_hours(cal, before, new_due)
    if added <= 0 or remaining <= 0:
        return step_due
    moved = cal.add_working_hours(
        step_due, added * Fraction(steps[index].share) / Fraction(remaining)
    )
    return min(moved, new_due)


def _step_due(change: _Change, step: ProcessStep, index: int | None) -> dt.datetime | None:
    d = change.dossier
    if d.due_at is None or index is None:
        return None
    steps = _steps(d)
    remaining = sum((s.share for s in steps[index:]), Decimal(0))
    return clock.split_remaining(change.calendar, change.at, d.due_at, step.share, remaining)


#: The sequence counters on ``Dossier``, saved with every action that writes history.
_SEQ_FIELDS = frozenset({"last_event_seq", "last_clock_seq"})


def _number_clock_events(dossier: Dossier, rows: Sequence[ClockEvent]) -> None:
    """Number ``rows`` after the dossier's last clock event and advance its counter (the
    dossier row is locked, or not yet inserted)."""
    for row in rows:
        dossier.last_clock_seq += 1
        row.seq = dossier.last_clock_seq


def _apply(
    *,
    actor: User | None,
    ref: Any,
    action: Action,
    at: dt.datetime | None,
    reason: str = "",
    expected_version: int | None = None,
    prepare: Prepare | None = None,
    after: Callable[[_Change], None] | None = None,
) -> Dossier:
    """Apply one workflow action (the only code that changes a dossier's status). See the module
    docstring for the order of the steps; everything happens in one transaction."""
    moment = _now(at)
    with transaction.atomic():
        dossier, rows = _load(actor, ref)
        if expected_version is not None and expected_version != dossier.version:
            raise DossierConflict(expected=expected_version, actual=dossier.version)
        _act(
            dossier=dossier,
            actor=actor,
            rows=rows,
            action=action,
            moment=moment,
            reason=reason,
            prepare=prepare,
            after=after,
        )
    return dossier


@dataclass
class _Acted:
    """An action planned in memory (:func:`_act_plan`): the change and what the control-sheet
    row and the audit entry record, before anything is written."""

    change: _Change
    action: Action
    actor: User | None
    role: Actor
    from_agency_id: int | None
    closed: ProcessStep | None
    closed_due: dt.datetime | None
    step_outcome: str

    def event(self, seq: int) -> DossierEvent:
        change, dossier = self.change, self.change.dossier
        return DossierEvent(
            dossier=dossier,
            seq=seq,
            action=self.action.value,
            from_status=change.source.value,
            to_status=change.target.value,
            at=change.at,
            actor=self.actor,
            actor_label=_label(self.actor, self.role),
            from_agency_id=self.from_agency_id,
            to_agency_id=change.to_agency.pk if change.to_agency else dossier.current_agency_id,
            to_user=change.to_user,
            step=self.closed,
            step_due_at=self.closed_due,
            outcome=self.step_outcome,
            note=change.reason,
            data=change.event_data,
        )

    def number_clock_events(self) -> None:
        _number_clock_events(self.change.dossier, self.change.clock_events)

    def record(self) -> AuditRecord:
        change, dossier = self.change, self.change.dossier
        return AuditRecord(
            actor=self.actor,
            action=f"dossier.{self.action.value}",
            object_type=OBJECT_TYPE,
            object_id=str(dossier.uuid),
            agency_id=dossier.current_agency_id,
            data={
                "code": dossier.code,
                "from": change.source.value,
                "to": change.target.value,
                "at": change.at.isoformat(),
                "version": dossier.version,
                "fields": sorted(change.fields - {"updated_at", "version"}),
            },
        )


def _act_plan(
    *,
    dossier: Dossier,
    actor: User | None,
    rows: Memberships | None,
    action: Action,
    moment: dt.datetime,
    reason: str = "",
    prepare: Prepare | None = None,
    after: Callable[[_Change], None] | None = None,
    agencies: Sequence[int] = (),
) -> _Acted:
    """The in-memory part of :func:`_act`: rules, clock, step and fields applied to ``dossier``
    (``version`` incremented), nothing written; raises before any write when refused."""
    source = DossierStatus(dossier.status)
    cal = _calendar(dossier)
    role = _actor_for(actor, dossier, TRANSITIONS[action], rows, agencies)
    facts = _facts(dossier, cal, moment, action)
    transition = plan_transition(source, action, actor=role, facts=facts, reason=reason)
    target = transition.target_from(source)
    change = _Change(
        dossier=dossier,
        at=moment,
        calendar=cal,
        transition=transition,
        source=source,
        target=target,
        reason=reason.strip(),
    )
    from_agency_id = dossier.current_agency_id
    if source is S.SUBMITTED and action in (A.ACCEPT, A.REQUEST_SUPPLEMENT, A.REFUSE):
        _record_decision_breach(change)
    if prepare is not None:
        prepare(change)  # validates its inputs; may raise before anything is written
    _apply_clock(change)
    closed, closed_due, step_outcome = _move_step(change)
    change.set("status", target.value)
    code = national_status(target)
    change.set("national_status", int(code) if code is not None else None)
    if (
        ends_processing_for_766(target)
        and dossier.ended_at is None
        and not ends_processing_for_766(source)
    ):
        change.set("ended_at", moment)
        if dossier.due_at is not None and not dossier.outcome:
            change.set("outcome", clock.classify(moment, dossier.due_at))
    if after is not None:
        after(change)
    dossier.version += 1
    change.fields |= {"version", "updated_at"}
    return _Acted(
        change=change,
        action=action,
        actor=actor,
        role=role,
        from_agency_id=from_agency_id,
        closed=closed,
        closed_due=closed_due if closed else None,
        step_outcome=step_outcome,
    )


def _act(
    *,
    dossier: Dossier,
    actor: User | None,
    rows: Memberships | None,
    action: Action,
    moment: dt.datetime,
    reason: str = "",
    prepare: Prepare | None = None,
    after: Callable[[_Change], None] | None = None,
    agencies: Sequence[int] = (),
) -> None:
    """The body of :func:`_apply` on a dossier already loaded and locked in the current
    transaction: :func:`_act_plan`, then the dossier update, the control-sheet row, the clock
    events and the audit entry."""
    acted = _act_plan(
        dossier=dossier,
        actor=actor,
        rows=rows,
        action=action,
        moment=moment,
        reason=reason,
        prepare=prepare,
        after=after,
        agencies=agencies,
    )
    change = acted.change
    # The row is locked: the counters on it number the history without reading MAX(seq).
    dossier.last_event_seq += 1
    event = acted.event(dossier.last_event_seq)
    acted.number_clock_events()
    dossier.save(update_fields=sorted(change.fields | _SEQ_FIELDS))
    event.save(force_insert=True)
    if change.clock_events:
        ClockEvent.objects.bulk_create(change.clock_events)
    record = acted.record()
    audit_log(
        actor=record.actor,
        action=record.action,
        object_type=record.object_type,
        object_id=record.object_id,
        agency_id=record.agency_id,
        data=record.data,
    )


def _label(actor: User | None, role: Actor) -> str:
    if actor is None:
        return SYSTEM_LABEL
    name = actor.full_name or actor.get_username()
    return f"{name} ({Role(role).label})" if isinstance(role, Role) else name


# --- creation: online submission and reception -----------------------------------------------


def _version_for(
    procedure: Procedure | ProcedureVersion | str, at: dt.datetime
) -> ProcedureVersion:
    if isinstance(procedure, ProcedureVersion):
        return procedure
    if isinstance(procedure, str):
        found = Procedure.objects.filter(code=procedure.strip()).first()
        if found is None:
            raise DossierInvalid(f"Không có thủ tục mã {procedure.strip()} trong danh mục.")
        procedure = found
    version = procedure_version_for(procedure, at)
    if version is None:
        raise DossierInvalid(
            f"Thủ tục {procedure.code} chưa có phiên bản công bố có hiệu lực vào ngày "
            f"{clock.local_day(at):%d/%m/%Y}."
        )
    return version


def _competent(version: ProcedureVersion, receiving: Agency, given: Agency | None) -> Agency:
    if given is not None:
        return given
    candidates = list(version.competent_agencies.all())
    if not candidates:
        raise DossierInvalid(
            "Thủ tục chưa khai báo cơ quan có thẩm quyền giải quyết; hãy chọn cơ quan."
        )
    same_unit = [a for a in candidates if a.unit_id == receiving.unit_id]
    return (same_unit or candidates)[0]


def _create(
    *,
    actor: User | None,
    action: Action,
    procedure: Procedure | ProcedureVersion | str,
    receiving_agency: Agency,
    competent_agency: Agency | None,
    channel: Channel,
    applicant: ApplicantInput | Applicant,
    documents: Sequence[DocumentInput],
    return_method: str,
    summary: str,
    inter_agency_mode: str,
    fee_amount: int | None,
    at: dt.datetime,
    accept: Prepare | None = None,
) -> Dossier:
    """Create and register a dossier (DRAFT → SUBMITTED) with its code and components; with
    ``accept`` (the prepare callback of :func:`dossier_accept`), accept it in the same
    transaction, exactly as :func:`dossier_accept` would right after."""
    version = _version_for(procedure, at)
    if channel not in _version_rules(version.pk).channels:
        raise DossierInvalid(
            f"Thủ tục {version.procedure.code} không nhận hồ sơ theo hình thức "
            f"“{Channel(channel).label}”."
        )
    competent = _competent(version, receiving_agency, competent_agency)
    with transaction.atomic():
        person = applicant if isinstance(applicant, Applicant) else applicant_upsert(applicant)
        dossier = Dossier(
            procedure_version=version,
            receiving_agency=receiving_agency,
            competent_agency=competent,
            current_agency=receiving_agency,
            channel=channel,
            return_method=return_method,
            applicant=person,
            summary=nfc(summary)[:500],
            inter_agency_mode=inter_agency_mode,
            lead_agency=competent if inter_agency_mode else None,
            fee_amount=fee_amount,
        )
        transition = TRANSITIONS[action]
        rows: Memberships | None = None
        if actor is None:
            role: Actor = SystemActor.SYSTEM
        elif actor.kind in (UserKind.CITIZEN, UserKind.ORGANISATION):
            role = Role.CITIZEN
        else:
            rows = _memberships(actor) if actor.is_authenticated and actor.is_active else []
            held = _roles_at(actor, rows, receiving_agency.pk)
            role = next((r for r in Role if r in transition.roles and r in held), None) or (
                sorted(held, key=list(Role).index)[0] if held else Role.AUDITOR
            )
            if not held:
                raise DossierInvalid(
                    f"Bạn không có vai trò tại “{receiving_agency.name}” nên không thể tiếp nhận "
                    "hồ sơ cho cơ quan này."
                )
        plan_transition(S.DRAFT, action, actor=role, facts=DossierFacts())
        dossier.status = S.SUBMITTED.value
        dossier.national_status = int(national_status(S.SUBMITTED) or 0)
        dossier.submitted_at = at
        if channel == Channel.ONLINE:
            cal = calendar_for(receiving_agency)
            dossier.alert_due_at = at + dt.timedelta(hours=ONLINE_ALERT_WITHIN_HOURS)
            dossier.decision_due_at = cal.add_working_hours(
                at, ONLINE_DECISION_WITHIN_WORKING_HOURS
            )
        received_event = DossierEvent(
            dossier=dossier,
            seq=1,
            action=action.value,
            from_status=S.DRAFT.value,
            to_status=S.SUBMITTED.value,
            at=at,
            actor=actor,
            actor_label=_label(actor, role),
            to_agency=receiving_agency,
            data={"channel": channel, "documents": len(documents)},
        )
        dossier.last_event_seq = received_event.seq
        if accept is None:
            dossier.code = issue_code(receiving_agency, clock.local_day(at))
            dossier.save(force_insert=True)
            DossierDocument.objects.bulk_create(_document_rows(dossier, documents, actor, at))
            received_event.save(force_insert=True)
            received = _received_record(actor, action, dossier, version, channel, person, at)
            audit_log(
                actor=received.actor,
                action=received.action,
                object_type=received.object_type,
                object_id=received.object_id,
                agency_id=received.agency_id,
                data=received.data,
            )
            return dossier
        # Reception with acceptance: everything is decided in memory first (same checks in the
        # same order as receive then accept), then the code is issued as late as possible —
        # the agency-day sequence row stays locked from the issue to the commit — and the
        # dossier goes in already accepted: one dossier insert, the components, both
        # control-sheet rows in one insert, the clock event, both audit entries.
        document_rows = _document_rows(dossier, documents, actor, at)
        _check_visible(actor, rows, dossier)
        acted = _act_plan(
            dossier=dossier, actor=actor, rows=rows, action=A.ACCEPT, moment=at, prepare=accept
        )
        dossier.last_event_seq += 1
        accepted_event = acted.event(dossier.last_event_seq)
        acted.number_clock_events()
        dossier.code = issue_code(receiving_agency, clock.local_day(at))
        insert_one(dossier)  # save(force_insert=True), the statement compiled once
        # The children as the ORM would store them, without its per-statement compilation
        # (``COPY`` on PostgreSQL); nothing below needs their primary keys. They were built
        # before the dossier had its key: point them at it (``bulk_create`` would).
        children: list[DossierDocument | DossierEvent | ClockEvent] = [
            *document_rows,
            received_event,
            accepted_event,
            *acted.change.clock_events,
        ]
        for child in children:
            child.dossier_id = dossier.pk
        insert_rows(DossierDocument, document_rows)
        insert_rows(DossierEvent, [received_event, accepted_event])
        insert_rows(ClockEvent, acted.change.clock_events)
        # Both entries in one chain move (receive then accept, as two calls would write).
        audit_append_many(
            [
                _received_record(actor, action, dossier, version, channel, person, at),
                acted.record(),
            ]
        )
    return dossier


def _received_record(
    actor: User | None,
    action: Action,
    dossier: Dossier,
    version: ProcedureVersion,
    channel: str,
    person: Applicant,
    at: dt.datetime,
) -> AuditRecord:
    return AuditRecord(
        actor=actor,
        action=f"dossier.{action.value}",
        object_type=OBJECT_TYPE,
        object_id=str(dossier.uuid),
        agency_id=dossier.receiving_agency_id,
        data={
            "code": dossier.code,
            "procedure": version.procedure.code,
            "channel": channel,
            "applicant": person.pk,
            "at": at.isoformat(),
        },
    )


def _check_visible(actor: User | None, rows: Memberships | None, dossier: Dossier) -> None:
    """What :func:`_load` checks before a later action on the dossier just created: an officer
    outside its scope gets :class:`DossierNotFound` (the reception is rolled back)."""
    if actor is None or rows is None:
        return
    live = actor.is_authenticated and actor.is_active
    if not live or not in_officer_scope(actor, _officer_agency_ids(rows), dossier):
        raise DossierNotFound()


def _document_rows(
    dossier: Dossier, documents: Sequence[DocumentInput], actor: User | None, at: dt.datetime
) -> list[DossierDocument]:
    """The components as rows to insert (checked; files stored), for ``bulk_create`` once the
    dossier is saved."""
    rows: list[DossierDocument] = []
    for item in documents:
        required = item.required_document
        if required is not None and required.version_id != dossier.procedure_version_id:
            raise DossierInvalid(f"Giấy tờ “{required.name[:60]}” không thuộc thủ tục của hồ sơ.")
        name = nfc(item.name) or (required.name if required else "")
        if not name:
            raise DossierInvalid("Thành phần hồ sơ phải có tên giấy tờ.")
        if item.reused and not item.reuse_source.strip():
            raise DossierInvalid(
                f"Giấy tờ “{name[:60]}” được tái sử dụng: phải ghi nguồn dữ liệu (ví dụ Kho quản "
                "lý dữ liệu điện tử, CSDL quốc gia về dân cư)."
            )
        if item.reuse_origin and (not item.reused or item.reuse_origin not in ReuseOrigin.values):
            raise DossierInvalid(
                f"Giấy tờ “{name[:60]}”: loại nguồn tái sử dụng “{item.reuse_origin[:30]}” chỉ "
                "dùng cho giấy tờ được tái sử dụng và phải là một trong: "
                + ", ".join(str(label) for label in ReuseOrigin.labels)
                + "."
            )
        doc = DossierDocument(
            dossier=dossier,
            required_document=required,
            name=name,
            submitted=item.submitted,
            form=DocumentForm(item.form).value,
            count=item.count,
            reused=item.reused,
            reuse_source=item.reuse_source.strip(),
            reuse_origin=item.reuse_origin,
        )
        if item.file is not None:
            digest = hashlib.sha256()
            for chunk in item.file.chunks():
                digest.update(chunk)
            item.file.seek(0)
            doc.sha256 = digest.hexdigest()
            doc.size = item.file.size
            doc.content_type = item.content_type or "application/octet-stream"
            doc.scanned_by = actor
            doc.scanned_at = at
            doc.file.save(item.file.name or "tep", item.file, save=False)
        elif item.scanned:
            doc.scanned_by = actor
            doc.scanned_at = at
        rows.append(doc)
    return rows


def dossier_submit_online(
    *,
    actor: User | None,
    procedure: Procedure | ProcedureVersion | str,
    receiving_agency: Agency,
    applicant: ApplicantInput | Applicant,
    documents: Sequence[DocumentInput] = (),
    competent_agency: Agency | None = None,
    return_method: str = ReturnMethod.ONLINE,
    summary: str = "",
    inter_agency_mode: str = "",
    fee_amount: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """An online submission arriving from the Cổng DVCQG (NĐ 118/2025 Điều 15 khoản 3, Điều 17
    khoản 2): the code is issued now; the officer must be alerted within 2 hours and accept or
    ask for more within 8 working hours (tracked on the dossier, breaches recorded).
    ``actor`` is the citizen, or ``None`` for the portal integration."""
    return _create(
        actor=actor,
        action=A.SUBMIT_ONLINE,
        procedure=procedure,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
        channel=Channel.ONLINE,
        applicant=applicant,
        documents=documents,
        return_method=return_method,
        summary=summary,
        inter_agency_mode=inter_agency_mode,
        fee_amount=fee_amount,
        at=_now(at),
    )


def dossier_receive(
    *,
    actor: User,
    procedure: Procedure | ProcedureVersion | str,
    receiving_agency: Agency,
    applicant: ApplicantInput | Applicant,
    documents: Sequence[DocumentInput] = (),
    channel: str = Channel.DIRECT,
    competent_agency: Agency | None = None,
    return_method: str = ReturnMethod.COUNTER,
    summary: str = "",
    inter_agency_mode: str = "",
    fee_amount: int | None = None,
    at: dt.datetime | None = None,
    accept: bool = False,
    due_at: dt.datetime | None = None,
    condition: str | None = None,
) -> Dossier:
    """Register a dossier received at the counter or by post (NĐ 118/2025 Điều 15 khoản 1–2,
    Điều 17 khoản 1; for post, ``at`` is when the handover record is signed, QĐ 45/2016/QĐ-TTg)
    with its components, and issue its code. The completeness check follows
    (:func:`dossier_accept`, :func:`dossier_request_supplement`, :func:`dossier_refuse`).

    ``accept=True`` is reception with acceptance in one act (the dossier is complete at the
    counter): in one transaction it writes exactly what this call followed by
    :func:`dossier_accept` (with ``due_at``/``condition``, at the same moment) would — the
    receive and accept control-sheet events, the clock start and both audit entries — or
    nothing when either refuses."""
    kind = Channel(channel)
    if kind is Channel.ONLINE:
        raise DossierInvalid(
            "Hồ sơ trực tuyến đến từ Cổng Dịch vụ công quốc gia, không tiếp nhận tại quầy."
        )
    return _create(
        actor=actor,
        action=A.RECEIVE_DIRECT if kind is Channel.DIRECT else A.RECEIVE_POSTAL,
        procedure=procedure,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
        channel=kind,
        applicant=applicant,
        documents=documents,
        return_method=return_method,
        summary=summary,
        inter_agency_mode=inter_agency_mode,
        fee_amount=fee_amount,
        at=_now(at),
        accept=_accept_prepare(due_at, condition) if accept else None,
    )


# --- reception outcomes (Đ17) ---------------------------------------------------------------


def _accept_prepare(due_at: dt.datetime | None, condition: str | None) -> Prepare:
    """The ``prepare`` callback of an acceptance (:func:`dossier_accept`)."""

    def prepare(change: _Change) -> None:
        d = change.dossier
        limit_row = _time_limit(d.procedure_version_id, d.channel, condition)
        if limit_row is not None and due_at is None:
            limit = clock.Limit(limit_row.value, limit_row.unit, limit_row.cutoff)
            change.limit_for_start = limit
            change.set("limit_value", limit.value)
            change.set("limit_unit", limit.unit)
            change.set("limit_cutoff", limit.cutoff)
        elif due_at is not None:
            if due_at <= change.at:
                raise DossierInvalid("Ngày hẹn trả kết quả phải sau thời điểm tiếp nhận.")
            change.manual_due = due_at
        else:
            raise DossierInvalid(
                "Thời hạn giải quyết của thủ tục chưa xác định được (cần rà soát danh mục); cán "
                "bộ tiếp nhận phải nhập ngày hẹn trả kết quả."
            )

    return prepare


def dossier_accept(
    *,
    actor: User,
    dossier: Any,
    due_at: dt.datetime | None = None,
    condition: str | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Full, valid acceptance: the clock starts now (NĐ 118/2025 Điều 17 khoản 3) and the due
    moment comes from the version's time limit for the channel, the cut-off hour (Điều 18
    khoản 2) and the calendar. When the time limit needs review, the officer gives ``due_at``."""

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.ACCEPT,
        at=at,
        expected_version=expected_version,
        prepare=_accept_prepare(due_at, condition),
    )


def dossier_request_supplement(
    *,
    actor: User,
    dossier: Any,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ at reception — everything missing at once, once
    only (NĐ 118/2025 Điều 16 khoản 3, Điều 17 khoản 1 điểm c, khoản 2 điểm a)."""

    def prepare(change: _Change) -> None:
        change.set("supplements_at_reception", change.dossier.supplements_at_reception + 1)
        change.set("supplement_requested_at", change.at)

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.REQUEST_SUPPLEMENT,
        at=at,
        reason=reason,
        expected_version=expected_version,
        prepare=prepare,
    )


def dossier_resubmit(
    *,
    actor: User,
    dossier: Any,
    documents: Sequence[DocumentInput] = (),
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The supplemented dossier is submitted again for the completeness check (Đ17.1c, Đ17.2a),
    with the components supplied (``documents``: e.g. the citizen's uploads on the portal)."""

    def prepare(change: _Change) -> None:
        change.set("supplement_requested_at", None)

    def after(change: _Change) -> None:
        if documents:
            DossierDocument.objects.bulk_create(
                _document_rows(change.dossier, documents, actor, change.at)
            )
            change.event_data = {"documents": len(documents)}

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.RESUBMIT,
        at=at,
        expected_version=expected_version,
        prepare=prepare,
        after=after,
    )


def dossier_refuse(
    *,
    actor: User,
    dossier: Any,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Phiếu từ chối giải quyết hồ sơ at reception, with the reason (Điều 17 khoản 1 điểm c)."""
    return _apply(
        actor=actor,
        ref=dossier,
        action=A.REFUSE,
        at=at,
        reason=reason,
        expected_version=expected_version,
    )


# --- transfer and resolution (Đ18–Đ20) ------------------------------------------------------


def dossier_forward(
    *,
    actor: User,
    dossier: Any,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Forward to the competent agency — or the lead agency of an inter-agency dossier
    (NĐ 118/2025 Điều 18; Điều 20)."""

    def prepare(change: _Change) -> None:
        d = change.dossier
        target = d.lead_agency or d.competent_agency
        change.set("current_agency", target)
        change.to_agency = target

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.FORWARD,
        at=at,
        reason=note,
        expected_version=expected_version,
        prepare=prepare,
    )


def dossier_assign(
    *,
    actor: User,
    dossier: Any,
    assignee: User,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The head assigns (or reassigns) the handling specialist (NĐ 118/2025 Điều 19 khoản 1)."""

    def prepare(change: _Change) -> None:
        d = change.dossier
        if Role.SPECIALIST not in _membership_roles(assignee, [d.current_agency_id]):
            raise DossierInvalid(
                f"“{assignee.full_name or assignee.get_username()}” không phải chuyên viên xử lý "
                "của cơ quan đang giữ hồ sơ."
            )
        change.set("assigned_to", assignee)
        change.to_user = assignee

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.ASSIGN,
        at=at,
        reason=note,
        expected_version=expected_version,
        prepare=prepare,
    )


def dossier_consult(
    *,
    actor: User,
    dossier: Any,
    agency: Agency,
    question: str,
    due_at: dt.datetime,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Ask another agency for its opinion, stating the content and the deadline (NĐ 118/2025
    Điều 19 khoản 4 điểm b)."""
    if not question.strip():
        raise DossierInvalid("Phải ghi nội dung lấy ý kiến.")

    def after(change: _Change) -> None:
        if due_at <= change.at:
            raise DossierInvalid("Hạn trả lời phải sau thời điểm gửi lấy ý kiến.")
        consultation = Consultation.objects.create(
            dossier=change.dossier,
            agency=agency,
            question=nfc(question),
            requested_at=change.at,
            due_at=due_at,
        )
        change.to_agency = agency
        change.event_data = {"consultation": consultation.pk, "due_at": due_at.isoformat()}

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.CONSULT,
        at=at,
        reason=question,
        expected_version=expected_version,
        after=after,
    )


def dossier_answer_consultation(
    *,
    actor: User,
    dossier: Any,
    consultation: Consultation,
    answer: str,
    file: File | None = None,
    content_type: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Record the consulted agency's answer to ``consultation`` (Điều 19 khoản 4 điểm c, d),
    with its written opinion as a file when given. Either the agency that asked records the
    answer it received, or an officer of the **consulted agency** answers it directly (reached
    through the consultation: ``access.lock_dossier_for_consulted_officer``; anyone else gets
    ``DossierNotFound``). The dossier goes back to appraisal with the last open consultation's
    answer; while others are still open it stays consulting. The control-sheet row names the
    consultation answered and how many remain open. An answered consultation, or one of another
    dossier, is refused (``DossierInvalid``) and nothing changes."""
    if not answer.strip():
        raise DossierInvalid("Phải ghi ý kiến trả lời.")

    def prepare(change: _Change) -> None:
        row = Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
        if row is None or row.dossier_id != change.dossier.pk:
            raise DossierInvalid("Yêu cầu lấy ý kiến không thuộc hồ sơ này.")
        if row.answered_at is not None:
            raise DossierInvalid(
                f"Yêu cầu lấy ý kiến này đã được trả lời lúc "
                f"{timezone.localtime(row.answered_at):%H:%M %d/%m/%Y}; không ghi nhận lại."
            )
        row.answered_at = change.at
        row.answer = nfc(answer)
        row.answered_by = actor
        fields = ["answered_at", "answer", "answered_by", "updated_at"]
        if file is not None:
            digest = hashlib.sha256()
            for chunk in file.chunks():
                digest.update(chunk)
            file.seek(0)
            row.answer_sha256 = digest.hexdigest()
            row.answer_content_type = content_type or "application/octet-stream"
            row.answer_file.save(file.name or "y-kien", file, save=False)
            fields += ["answer_file", "answer_sha256", "answer_content_type"]
        row.save(update_fields=fields)
        change.event_data = {
            "consultation": row.pk,
            "late": row.due_at < change.at,
            "still_open": change.dossier.consultations.filter(answered_at__isnull=True).count(),
            **({"file_sha256": row.answer_sha256} if file is not None else {}),
        }

    moment = _now(at)
    with transaction.atomic():
        try:
            loaded, rows = _load(actor, dossier)
        except DossierNotFound:
            # Not in the actor's scope: the consulted agency answering its consultation.
            rows = _memberships(actor) if actor.is_authenticated and actor.is_active else []
            loaded = lock_dossier_for_consulted_officer(
                actor, dossier, consultation.pk, _officer_agency_ids(rows)
            )
        if expected_version is not None and expected_version != loaded.version:
            raise DossierConflict(expected=expected_version, actual=loaded.version)
        _act(
            dossier=loaded,
            actor=actor,
            rows=rows,
            action=A.CONSULTATION_ANSWERED,
            moment=moment,
            reason=answer,
            prepare=prepare,
            agencies=[consultation.agency_id],
        )
    return loaded


def dossier_hand_over_to_partners(
    *,
    actor: User,
    dossier: Any,
    partners: Sequence[PartnerInput],
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Phiếu chuyển xử lý: each partner agency's task and deadline, in order (paper) or all at
    once (electronic) (NĐ 118/2025 Điều 20 khoản 2)."""
    if not partners:
        raise DossierInvalid("Phải nêu ít nhất một cơ quan phối hợp và phần việc của cơ quan đó.")

    def after(change: _Change) -> None:
        d = change.dossier
        PartnerTask.objects.bulk_create(
            [
                PartnerTask(
                    dossier=d,
                    agency=p.agency,
                    order=i,
                    is_lead=p.agency.pk == d.lead_agency_id,
                    task=nfc(p.task),
                    due_at=p.due_at,
                )
                for i, p in enumerate(partners, start=1)
            ]
        )
        change.event_data = {"partners": [p.agency.code for p in partners]}

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.HAND_OVER_TO_PARTNERS,
        at=at,
        expected_version=expected_version,
        after=after,
    )


def partner_task_complete(
    *, actor: User | None, task: PartnerTask, note: str = "", at: dt.datetime | None = None
) -> PartnerTask:
    """A partner agency reports its part done (no status change; the lead agency then records
    :func:`dossier_partners_completed`). The partner agency's officers reach the dossier through
    their task (``access.lock_dossier_for_partner_officer``); anyone else: ``DossierNotFound``."""
    moment = _now(at)
    with transaction.atomic():
        try:
            _load(actor, task.dossier_id)
        except DossierNotFound:
            if actor is None:
                raise
            # Not in the actor's scope: the partner agency reporting its own part.
            rows = _memberships(actor) if actor.is_authenticated and actor.is_active else []
            lock_dossier_for_partner_officer(actor, task.pk, _officer_agency_ids(rows))
        row = PartnerTask.objects.select_for_update().get(pk=task.pk)
        if row.completed_at is None:
            row.completed_at = moment
            row.result_note = nfc(note)
            row.save(update_fields=["completed_at", "result_note", "updated_at"])
            audit_log(
                actor=actor,
                action="dossier.partner_task_complete",
                object_type=OBJECT_TYPE,
                object_id=str(row.dossier.uuid),
                agency_id=row.agency_id,
                data={"task": row.pk, "at": moment.isoformat()},
            )
    return row


def dossier_partners_completed(
    *,
    actor: User,
    dossier: Any,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Every partner has finished; the lead agency resumes appraisal (Điều 20 khoản 2)."""
    return _apply(
        actor=actor,
        ref=dossier,
        action=A.PARTNERS_COMPLETED,
        at=at,
        expected_version=expected_version,
    )


def dossier_request_supplement_after_appraisal(
    *,
    actor: User,
    dossier: Any,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Supplement after appraisal, no later than 3 working days after reception, once only; the
    clock pauses (NĐ 118/2025 Điều 16 khoản 3; Điều 19 khoản 5)."""

    def prepare(change: _Change) -> None:
        change.set("supplements_after_appraisal", change.dossier.supplements_after_appraisal + 1)
        change.set("supplement_requested_at", change.at)

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL,
        at=at,
        reason=reason,
        expected_version=expected_version,
        prepare=prepare,
    )


def dossier_receive_supplement(
    *,
    actor: User,
    dossier: Any,
    documents: Sequence[DocumentInput] = (),
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The full supplement arrives: the time limit is counted again from the start
    (NĐ 118/2025 Điều 19 khoản 5: "tính lại từ đầu sau khi nhận đủ hồ sơ")."""

    def after(change: _Change) -> None:
        change.set("supplement_requested_at", None)
        DossierDocument.objects.bulk_create(
            _document_rows(change.dossier, documents, actor, change.at)
        )
        change.event_data = {"documents": len(documents)}

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.SUPPLEMENT_RECEIVED,
        at=at,
        expected_version=expected_version,
        after=after,
    )


def dossier_close_unsupplemented(
    *,
    actor: User | None,
    dossier: Any,
    at: dt.datetime | None = None,
) -> Dossier:
    """Close a dossier 15 days after an unanswered supplement request (NĐ 118/2025 Điều 19
    khoản 5); ``actor=None`` is the nightly sweep."""

    def prepare(change: _Change) -> None:
        change.set("supplement_requested_at", None)

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.CLOSE_UNSUPPLEMENTED,
        at=at,
        reason=f"Quá {CLOSE_UNSUPPLEMENTED_AFTER_DAYS} ngày không bổ sung hồ sơ.",
        prepare=prepare,
    )


def dossier_request_payment(
    *,
    actor: User,
    dossier: Any,
    amount: int,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Ask for the fee or another financial obligation; the clock pauses (Điều 24 khoản 1, 2)."""
    if amount < 0:
        raise DossierInvalid("Số tiền phải là số không âm.")

    def prepare(change: _Change) -> None:
        change.set("fee_amount", amount)

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.REQUEST_PAYMENT,
        at=at,
        reason=note,
        expected_version=expected_version,
        prepare=prepare,
    )


def dossier_record_payment(
    *,
    actor: User | None,
    dossier: Any,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Payment recorded (counter, transfer, or the portal's callback with ``actor=None``); the
    clock resumes and the due moment moves by the working time paused (Điều 24)."""

    def prepare(change: _Change) -> None:
        change.set("paid_at", change.at)

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.RECORD_PAYMENT,
        at=at,
        expected_version=expected_version,
        prepare=prepare,
    )


def dossier_record_prepayment(
    *,
    dossier: Any,
    amount: int,
    reference: str,
    paid_at: dt.datetime,
    at: dt.datetime | None = None,
) -> Dossier:
    """A fee paid online *before* submission — the portal's payment step, through the payment
    gateway (NĐ 118/2025 Điều 24 khoản 1) — lands on the new dossier, recorded by the system as
    the gateway's confirmed answer (like :func:`dossier_record_payment`'s callback): ``paid_at``
    is set and the control sheet gets a ``record_payment`` row (amount, the gateway's reference;
    the status does not change) with its audit entry, in one transaction.

    Only for an online dossier still ``submitted`` (before the reception decision) that declares
    a fee, is not paid yet, and for exactly that fee; ``DossierInvalid`` otherwise."""
    moment = _now(at)
    _now(paid_at)
    with transaction.atomic():
        d = dossier_for_system(dossier.pk if isinstance(dossier, Dossier) else dossier, lock=True)
        if d.channel != Channel.ONLINE or d.status != S.SUBMITTED:
            raise DossierInvalid(
                "Chỉ ghi nhận phí nộp trước cho hồ sơ trực tuyến vừa nộp, chưa được tiếp nhận."
            )
        if d.paid_at is not None:
            raise DossierInvalid("Hồ sơ đã được ghi nhận nộp phí, lệ phí.")
        if not d.fee_amount or amount != d.fee_amount:
            raise DossierInvalid(
                f"Số tiền đã nộp ({amount} đồng) không khớp phí, lệ phí của hồ sơ "
                f"({d.fee_amount or 0} đồng)."
            )
        if paid_at > moment:
            raise DossierInvalid("Thời điểm nộp phí không thể sau thời điểm ghi nhận.")
        d.paid_at = paid_at
        d.version += 1
        d.last_event_seq += 1
        d.save(update_fields=["paid_at", "version", "updated_at", "last_event_seq"])
        data = {
            "amount": amount,
            "reference": reference[:100],
            "paid_at": paid_at.isoformat(),
            "before_submission": True,
        }
        DossierEvent.objects.create(
            dossier=d,
            seq=d.last_event_seq,
            action=A.RECORD_PAYMENT.value,
            from_status=d.status,
            to_status=d.status,
            at=moment,
            actor=None,
            actor_label=SYSTEM_LABEL,
            data=data,
        )
        audit_log(
            actor=None,
            action=f"dossier.{A.RECORD_PAYMENT.value}",
            object_type=OBJECT_TYPE,
            object_id=str(d.uuid),
            agency_id=d.current_agency_id,
            data={"code": d.code, "version": d.version, **data},
        )
    return d


def dossier_submit_draft(
    *,
    actor: User,
    dossier: Any,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The specialist submits the draft result (NĐ 118/2025 Điều 19 khoản 1, 3)."""
    return _apply(
        actor=actor,
        ref=dossier,
        action=A.SUBMIT_DRAFT,
        at=at,
        reason=note,
        expected_version=expected_version,
    )


def dossier_approve(
    *,
    actor: User,
    dossier: Any,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The head of department approves the draft (Điều 19 khoản 1)."""
    return _apply(
        actor=actor,
        ref=dossier,
        action=A.APPROVE,
        at=at,
        reason=note,
        expected_version=expected_version,
    )


def dossier_return_step(
    *,
    actor: User,
    dossier: Any,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Send the draft back to appraisal with the reason (Điều 19 khoản 1; TT 22/2019 Điều 4)."""
    return _apply(
        actor=actor,
        ref=dossier,
        action=A.RETURN_STEP,
        at=at,
        reason=reason,
        expected_version=expected_version,
    )


def _decide(change: _Change) -> None:
    d = change.dossier
    change.set("decided_at", change.at)
    if d.due_at is not None:
        change.event_data = {"outcome": clock.classify(change.at, d.due_at)}


def dossier_sign(
    *,
    actor: User,
    dossier: Any,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The leader signs the result; the clock stops and the dossier is classified early, on time
    or late (Điều 19 khoản 1; Điều 22 khoản 1; QĐ 766/QĐ-TTg indicator 2.1)."""
    return _apply(
        actor=actor,
        ref=dossier,
        action=A.SIGN,
        at=at,
        reason=note,
        expected_version=expected_version,
        prepare=_decide,
    )


def dossier_refuse_after_appraisal(
    *,
    actor: User,
    dossier: Any,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Phiếu từ chối giải quyết hồ sơ after appraisal, within the time limit (Điều 19 khoản 3)."""
    return _apply(
        actor=actor,
        ref=dossier,
        action=A.REFUSE_AFTER_APPRAISAL,
        at=at,
        reason=reason,
        expected_version=expected_version,
        prepare=_decide,
    )


def dossier_request_extension(
    *,
    actor: User,
    dossier: Any,
    new_due_at: dt.datetime,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Apology and Phiếu đề nghị gia hạn at least 1 day before the due date; the new date is set
    once only (NĐ 118/2025 Điều 19 khoản 6; TT 03/2025/TT-VPCP Mẫu 04)."""

    def prepare(change: _Change) -> None:
        d = change.dossier
        if d.due_at is not None and new_due_at <= d.due_at:
            raise DossierInvalid("Ngày hẹn trả mới phải sau ngày hẹn hiện tại.")
        change.new_due = new_due_at
        change.set("extension_used", True)
        change.event_data = {"new_due_at": new_due_at.isoformat()}

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.REQUEST_EXTENSION,
        at=at,
        reason=reason,
        expected_version=expected_version,
        prepare=prepare,
    )


def dossier_withdraw(
    *,
    actor: User,
    dossier: Any,
    reason: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The applicant asks to stop before the decision; the clock stops (Điều 21 khoản 1, 2)."""
    return _apply(
        actor=actor,
        ref=dossier,
        action=A.WITHDRAW,
        at=at,
        reason=reason,
        expected_version=expected_version,
    )


def dossier_stop(
    *,
    actor: User,
    dossier: Any,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Thông báo dừng giải quyết hồ sơ (Điều 21 khoản 3; TT 03/2025/TT-VPCP Điều 7, Mẫu 05)."""
    return _apply(
        actor=actor,
        ref=dossier,
        action=A.STOP,
        at=at,
        reason=note,
        expected_version=expected_version,
    )


def dossier_return_result(
    *,
    actor: User,
    dossier: Any,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Hand the result (or the refusal notice) to the applicant by the method on the receipt
    (Điều 19 khoản 3; Điều 22 khoản 3)."""

    def prepare(change: _Change) -> None:
        change.set("returned_at", change.at)
        change.set("current_agency", change.dossier.receiving_agency)
        change.to_agency = change.dossier.receiving_agency

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.RETURN_RESULT,
        at=at,
        reason=note,
        expected_version=expected_version,
        prepare=prepare,
    )


def dossier_confirm_postal_delivery(
    *,
    actor: User,
    dossier: Any,
    delivered_at: dt.datetime,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The postal operator confirms the result delivered to the applicant (QĐ 45/2016/QĐ-TTg;
    NĐ 118/2025 Điều 22 khoản 3): the moment it reports goes on the control sheet; the status
    stays "returned". Once per return of the result (a corrected result returned again may be
    delivered again). A delivery before the result was handed to the post (``returned_at``), in
    the future, or already confirmed is refused (``DossierInvalid``) and nothing changes."""

    def prepare(change: _Change) -> None:
        last = (
            change.dossier.events.filter(action__in=[A.RETURN_RESULT, A.POSTAL_DELIVERED])
            .order_by("-seq")
            .values_list("action", flat=True)
            .first()
        )
        if last == A.POSTAL_DELIVERED:
            raise DossierInvalid("Bưu chính đã xác nhận phát kết quả này; không ghi nhận lại.")
        returned = change.dossier.returned_at
        if returned is not None and delivered_at < returned:
            raise DossierInvalid(
                f"Thời điểm phát cho người nhận ({timezone.localtime(delivered_at):%H:%M %d/%m/%Y})"
                f" không được trước thời điểm giao cho bưu chính "
                f"({timezone.localtime(returned):%H:%M %d/%m/%Y})."
            )
        if delivered_at > change.at:
            raise DossierInvalid("Thời điểm phát cho người nhận không được ở tương lai.")
        change.event_data = {"delivered_at": delivered_at.isoformat()}

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.POSTAL_DELIVERED,
        at=at,
        reason=note,
        expected_version=expected_version,
        prepare=prepare,
    )


def dossier_report_error(
    *,
    actor: User,
    dossier: Any,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Send an erroneous result back for correction within 3 working days (Điều 23 khoản 1)."""

    def prepare(change: _Change) -> None:
        d = change.dossier
        change.set("current_agency", d.competent_agency)
        change.to_agency = d.competent_agency

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.REPORT_ERROR,
        at=at,
        reason=reason,
        expected_version=expected_version,
        prepare=prepare,
    )


def dossier_correct_result(
    *,
    actor: User,
    dossier: Any,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The corrected result is signed; the correction is classified against its 3-day limit."""

    def prepare(change: _Change) -> None:
        d = change.dossier
        change.set("decided_at", change.at)
        if d.due_at is not None:
            change.event_data = {"correction_outcome": clock.classify(change.at, d.due_at)}

    return _apply(
        actor=actor,
        ref=dossier,
        action=A.CORRECT_RESULT,
        at=at,
        reason=note,
        expected_version=expected_version,
        prepare=prepare,
    )


# --- sweeps ---------------------------------------------------------------------------------


@dataclass
class SweepReport:
    alerted: int = 0
    alert_breaches: int = 0
    decision_breaches: int = 0
    closed: int = 0


def dossier_check_online_clocks(*, at: dt.datetime | None = None) -> SweepReport:
    """The scheduler's check of online dossiers waiting for acceptance (NĐ 118/2025 Điều 17
    khoản 2): alert the receiving officer (recorded as ``alerted_at``) — a breach is recorded
    when the alert comes later than 2 hours after submission — and record a breach when 8
    working hours passed without acceptance or a supplement request. Idempotent."""
    moment = _now(at)
    report = SweepReport()
    candidates = Dossier.objects.filter(status=S.SUBMITTED, channel=Channel.ONLINE).filter(
        alerted_at__isnull=True
    ) | Dossier.objects.filter(
        status=S.SUBMITTED,
        channel=Channel.ONLINE,
        decision_due_at__lt=moment,
        decision_breached=False,
    )
    for pk in candidates.order_by("decision_due_at").values_list("pk", flat=True):
        with transaction.atomic():
            d = Dossier.objects.select_for_update().get(pk=pk)
            if d.status != S.SUBMITTED:
                continue
            fields: set[str] = set()
            events: list[ClockEvent] = []
            if d.alerted_at is None:
                d.alerted_at = moment
                fields.add("alerted_at")
                report.alerted += 1
                if d.alert_due_at is not None and moment > d.alert_due_at:
                    d.alert_breached = True
                    fields.add("alert_breached")
                    report.alert_breaches += 1
                    events.append(
                        ClockEvent(
                            dossier=d,
                            kind=ClockKind.ALERT_BREACH,
                            at=moment,
                            due_before=d.due_at,
                            due_after=d.due_at,
                            reason=f"Cán bộ được thông báo sau hơn {ONLINE_ALERT_WITHIN_HOURS} "
                            "giờ kể từ khi hệ thống nhận hồ sơ (NĐ 118/2025/NĐ-CP Điều 17 "
                            "khoản 2).",
                        )
                    )
            if (
                d.decision_due_at is not None
                and moment > d.decision_due_at
                and not d.decision_breached
            ):
                d.decision_breached = True
                fields.add("decision_breached")
                report.decision_breaches += 1
                events.append(
                    ClockEvent(
                        dossier=d,
                        kind=ClockKind.DECISION_BREACH,
                        at=moment,
                        due_before=d.due_at,
                        due_after=d.due_at,
                        reason=f"Quá {ONLINE_DECISION_WITHIN_WORKING_HOURS} giờ làm việc chưa "
                        "tiếp nhận hoặc yêu cầu bổ sung (NĐ 118/2025/NĐ-CP Điều 17 khoản 2).",
                    )
                )
            if not fields:
                continue
            d.version += 1
            _number_clock_events(d, events)
            d.save(update_fields=sorted(fields | {"version", "updated_at", "last_clock_seq"}))
            if events:
                ClockEvent.objects.bulk_create(events)
            audit_log(
                actor=None,
                action="dossier.online_clock_check",
                object_type=OBJECT_TYPE,
                object_id=str(d.uuid),
                agency_id=d.receiving_agency_id,
                data={"code": d.code, "fields": sorted(fields), "at": moment.isoformat()},
            )
    return report


def dossier_close_unsupplemented_all(*, at: dt.datetime | None = None) -> SweepReport:
    """The nightly sweep: close every dossier whose supplement request went unanswered for
    15 days (NĐ 118/2025 Điều 19 khoản 5), through :func:`dossier_close_unsupplemented`."""
    moment = _now(at)
    report = SweepReport()
    horizon = moment - dt.timedelta(days=CLOSE_UNSUPPLEMENTED_AFTER_DAYS - 1)
    rows = Dossier.objects.filter(
        status__in=[S.SUPPLEMENT_REQUESTED, S.SUPPLEMENT_REQUESTED_AT_RECEPTION],
        supplement_requested_at__lt=horizon,
    ).values_list("pk", flat=True)
    for pk in list(rows):
        try:
            dossier_close_unsupplemented(actor=None, dossier=pk, at=moment)
        except TransitionNotAllowed:
            continue
        report.closed += 1
    return report
