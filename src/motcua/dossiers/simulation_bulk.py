"""The bulk path of the simulator: the same steps as the services, applied in memory and written
in batches (``common.copy.insert_rows``: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere; audit
entries through ``audit.services.audit_append_many``). Reused, not copied: the pure rules
(``workflow.plan_transition``), the clock (``services._apply_clock``, ``services._move_step``,
``clock``), the facts (``services._facts``), the labels (``services._label``), the code format
(``codes.format_code``), the national codes and the audit chain's hashing. What is restated
here is the orchestration of ``services._create`` and ``services._apply`` and the few fields
each service's ``prepare`` callback sets — the equality test
(``tests/dossiers/test_simulation.py``) fails the moment they drift apart.

Only for the simulator: no locks, no access checks (the driver picks officers who hold the role),
and the database must not be written by anyone else meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import Max, Model
from django.db.models.base import ModelState

from motcua.accounts.models import User
from motcua.accounts.roles import Role
from motcua.audit.chain import json_number, json_string
from motcua.audit.services import AuditRecord, audit_append_many
from motcua.catalogue.models import Channel, ProcessStep
from motcua.common.copy import insert_rows
from motcua.common.text import nfc
from motcua.dossiers import clock
from motcua.dossiers import services as sv
from motcua.dossiers.codes import configured_layout, format_code
from motcua.dossiers.errors import DossierInvalid
from motcua.dossiers.models import (
    ClockEvent,
    ClockKind,
    DailySequence,
    DocumentForm,
    Dossier,
    DossierDocument,
    DossierEvent,
    ReturnMethod,
)
from motcua.dossiers.national import ends_processing_for_766, national_status
from motcua.dossiers.simulation import (
    REUSE_SOURCE,
    Arrival,
    PlannedRating,
    Reference,
    Step,
    manual_due,
)
from motcua.dossiers.workflow import (
    CLOSE_UNSUPPLEMENTED_AFTER_DAYS,
    ONLINE_ALERT_WITHIN_HOURS,
    ONLINE_DECISION_WITHIN_WORKING_HOURS,
    STATUS_OF,
    Action,
    Actor,
    DossierFacts,
    DossierStatus,
    SystemActor,
    plan_transition,
)

S = DossierStatus
M = TypeVar("M", bound=Model)
A = Action

#: The action of each service the simulator calls (``dossier_<name>``).
ACTIONS: dict[str, Action] = {
    "accept": A.ACCEPT,
    "request_supplement": A.REQUEST_SUPPLEMENT,
    "resubmit": A.RESUBMIT,
    "refuse": A.REFUSE,
    "forward": A.FORWARD,
    "assign": A.ASSIGN,
    "request_supplement_after_appraisal": A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL,
    "receive_supplement": A.SUPPLEMENT_RECEIVED,
    "close_unsupplemented": A.CLOSE_UNSUPPLEMENTED,
    "request_payment": A.REQUEST_PAYMENT,
    "record_payment": A.RECORD_PAYMENT,
    "submit_draft": A.SUBMIT_DRAFT,
    "approve": A.APPROVE,
    "return_step": A.RETURN_STEP,
    "sign": A.SIGN,
    "refuse_after_appraisal": A.REFUSE_AFTER_APPRAISAL,
    "request_extension": A.REQUEST_EXTENSION,
    "withdraw": A.WITHDRAW,
    "stop": A.STOP,
    "return_result": A.RETURN_RESULT,
    "report_error": A.REPORT_ERROR,
    "correct_result": A.CORRECT_RESULT,
}

#: The reason each service passes to ``_apply`` (``reason=`` or ``note=``).
_CLOSE_REASON = f"Quá {CLOSE_UNSUPPLEMENTED_AFTER_DAYS} ngày không bổ sung hồ sơ."


_TEMPLATES: dict[type[Any], dict[str, Any]] = {}


def _new(model: type[M], **values: Any) -> M:
    """``model(**values)`` without ``Model.__init__`` (a third of the bulk path's time): the
    defaults of a blank instance, then ``values`` given by attribute name (``actor_id``, not
    ``actor``; mutable defaults are shared: pass ``data``). The rows are only written."""
    template = _TEMPLATES.get(model)
    if template is None:
        template = {k: v for k, v in model().__dict__.items() if k != "_state"}
        _TEMPLATES[model] = template
    obj = model.__new__(model)
    obj.__dict__.update(template)
    obj.__dict__.update(values)
    obj._state = ModelState()
    return obj


class _Change(sv._Change):
    """``services._Change`` whose clock events are built by :func:`_new` (the same values:
    ``dossier_id`` for ``dossier``; no ``Model.__init__`` per row)."""

    def clock_event(self, kind: ClockKind, *, before: dt.datetime | None, **extra: Any) -> None:
        self.clock_events.append(
            _new(
                ClockEvent,
                dossier_id=self.dossier.id,
                kind=kind,
                at=self.at,
                due_before=before,
                due_after=extra.pop("after", self.dossier.due_at),
                reason=extra.pop("reason", self.reason),
                **extra,
            )
        )


def _role(user: User | None, held: Role | None) -> Actor:
    if user is None:
        return SystemActor.SYSTEM
    if held is None:
        raise DossierInvalid(f"“{user.get_username()}” không phải cán bộ của mô phỏng.")
    return held


class BulkBackend:
    """Applies the simulator's steps in memory; writes every ``batch`` finished dossiers."""

    def __init__(
        self,
        ref: Reference,
        *,
        batch: int = 5000,
        id_base: int | None = None,
        sequences: dict[tuple[int, dt.date], int] | None = None,
        write_sequences: bool = True,
    ) -> None:
        """``id_base``: the dossier of arrival ``i`` gets the key ``id_base + i`` (parts of one
        simulation never collide). ``sequences``: the day sequences already used (read once
        for all parts); others are read as met. ``write_sequences``: this part writes the day
        sequences (one part does; every part counts every arrival)."""
        self.ref = ref
        self.batch = batch
        self.layout = configured_layout()
        self.roles: dict[int, Role] = {user.id: role for (_a, role), user in ref.officers.items()}
        self.steps: dict[int, list[ProcessStep]] = {}
        self.sequences: dict[tuple[int, dt.date], int] = dict(sequences or {})
        self.sequence_loaded: set[tuple[int, dt.date]] = set(self.sequences)
        self.known_sequences = sequences is not None
        #: The day sequences moved since the last flush: only they are written (the others
        #: are stored already; arrivals come in time order, so the set stays small).
        self.sequences_changed: set[tuple[int, dt.date]] = set()
        self.write_sequences = write_sequences
        self.id_base = (
            id_base
            if id_base is not None
            else (Dossier.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        )
        self.documents: dict[int, list[DossierDocument]] = {}
        self.events: dict[int, list[DossierEvent]] = {}
        self.clock_events: dict[int, list[ClockEvent]] = {}
        self.done: list[Dossier] = []
        self.audit: list[AuditRecord] = []
        self.written = 0

    # -- helpers --------------------------------------------------------------------------------

    def _audit(
        self,
        *,
        actor: User | None,
        action: str,
        object_id: str,
        agency_id: int | None,
        data: dict[str, Any],
        data_json: str,
        at: dt.datetime,
    ) -> None:
        """What ``audit.services.audit_log`` gets; written at the flush by
        ``audit_append_many`` (the same chains, sequences and hashes, in the same order).
        ``data_json``: ``data``'s canonical JSON, written out for its fixed keys."""
        self.audit.append(
            AuditRecord(
                actor=actor,
                action=action,
                object_type=sv.OBJECT_TYPE,
                object_id=object_id,
                agency_id=agency_id,
                data=data,
                at=at,
                data_json=data_json,
            )
        )

    def _next_sequence(self, agency_id: int, day: dt.date) -> int:
        key = (agency_id, day)
        if key not in self.sequence_loaded:
            self.sequence_loaded.add(key)
            if self.known_sequences:  # read up front: absent means unused
                self.sequences[key] = 1
                self.sequences_changed.add(key)
                return 1
            stored = (
                DailySequence.objects.filter(agency_id=agency_id, day=day)
                .values_list("last_value", flat=True)
                .first()
            )
            self.sequences[key] = stored or 0
        self.sequences[key] += 1
        self.sequences_changed.add(key)
        return self.sequences[key]

    def count_foreign(self, agency_id: int, at: dt.datetime) -> None:
        """An arrival of another part takes its number here too (codes stay gapless)."""
        self._next_sequence(agency_id, clock.local_day(at))

    def _steps(self, version_id: int) -> list[ProcessStep]:
        steps = self.steps.get(version_id)
        if steps is None:
            steps = sorted(ProcessStep.objects.filter(version_id=version_id), key=lambda s: s.order)
            self.steps[version_id] = steps
        return steps

    # -- creation (services._create) ---------------------------------------------------------

    def create(self, arrival: Arrival) -> Dossier:
        at = arrival.at
        version = arrival.info.version
        receiving = arrival.receiving
        online = arrival.channel == Channel.ONLINE
        if online:
            action, actor = A.SUBMIT_ONLINE, None
            role: Actor = SystemActor.SYSTEM
            return_method = ReturnMethod.ONLINE
        else:
            action = A.RECEIVE_DIRECT if arrival.channel == Channel.DIRECT else A.RECEIVE_POSTAL
            actor = self.ref.officer(receiving.id, Role.RECEPTION_OFFICER)
            role = Role.RECEPTION_OFFICER
            return_method = (
                ReturnMethod.POST if arrival.channel == Channel.POSTAL else ReturnMethod.COUNTER
            )
        plan_transition(S.DRAFT, action, actor=role, facts=DossierFacts())
        d = _new(
            Dossier,
            id=self.id_base + arrival.index,
            uuid=arrival.uuid,
            procedure_version_id=version.id,
            receiving_agency_id=receiving.id,
            competent_agency_id=arrival.competent.id,
            current_agency_id=receiving.id,
            channel=arrival.channel,
            return_method=return_method,
            applicant_id=arrival.applicant_id,
            summary=nfc(arrival.summary)[:500],
            inter_agency_mode="",
            lead_agency_id=None,
            fee_amount=None,
        )
        # The related objects, as ``Dossier(procedure_version=…, …)`` caches them.
        d._state.fields_cache = {
            "procedure_version": version,
            "receiving_agency": receiving,
            "competent_agency": arrival.competent,
            "current_agency": receiving,
            "lead_agency": None,
        }
        day = clock.local_day(at)
        d.code = format_code(
            receiving.code, day, self._next_sequence(receiving.id, day), self.layout
        )
        d.status = S.SUBMITTED.value
        d.national_status = int(national_status(S.SUBMITTED) or 0)
        d.submitted_at = at
        if online:
            cal = self.ref.calendar(receiving.id)
            d.alert_due_at = at + dt.timedelta(hours=ONLINE_ALERT_WITHIN_HOURS)
            d.decision_due_at = cal.add_working_hours(at, ONLINE_DECISION_WITHIN_WORKING_HOURS)
        d._steps_cache = self._steps(version.id)  # type: ignore[attr-defined]
        d.last_event_seq = 1
        plan = arrival.plan
        scanned_by = actor.id if actor and plan.digitised else None
        scanned_at = at if plan.digitised else None
        self.documents[d.id] = [
            _new(
                DossierDocument,
                dossier_id=d.id,
                required_document_id=doc.id,
                name=doc.name,
                submitted=True,
                form=DocumentForm.COPY.value,
                count=1,
                scanned_by_id=scanned_by,
                scanned_at=scanned_at,
                reused=plan.reused and n == 0,
                reuse_source=REUSE_SOURCE if plan.reused and n == 0 else "",
            )
            for n, doc in enumerate(arrival.info.documents)
        ]
        self.events[d.id] = [
            _new(
                DossierEvent,
                dossier_id=d.id,
                seq=d.last_event_seq,
                action=action.value,
                from_status=S.DRAFT.value,
                to_status=S.SUBMITTED.value,
                at=at,
                actor_id=actor.id if actor else None,
                actor_label=sv._label(actor, role),
                to_agency_id=receiving.id,
                data={"channel": arrival.channel, "documents": len(arrival.info.documents)},
            )
        ]
        self.clock_events[d.id] = []
        at_text = at.isoformat()
        self._audit(
            actor=actor,
            action=f"dossier.{action.value}",
            object_id=str(d.uuid),
            agency_id=receiving.id,
            data={
                "code": d.code,
                "procedure": arrival.info.code,
                "channel": arrival.channel,
                "applicant": arrival.applicant_id,
                "at": at_text,
            },
            data_json=(
                f'{{"applicant":{json_number(arrival.applicant_id)},"at":{json_string(at_text)},'
                f'"channel":{json_string(arrival.channel)},"code":{json_string(d.code)},'
                f'"procedure":{json_string(arrival.info.code)}}}'
            ),
            at=at,
        )
        return d

    # -- one action (services._apply) ---------------------------------------------------------

    def act(self, d: Dossier, step: Step, arrival: Arrival) -> Dossier:
        action = ACTIONS[step.name]
        at = step.at
        actor = step.actor
        kwargs = step.kwargs
        reason = str(kwargs.get("reason", kwargs.get("note", "")))
        if step.name == "close_unsupplemented":
            reason = _CLOSE_REASON
        source = STATUS_OF[d.status]
        cal = self.ref.calendar(d.receiving_agency_id)
        role = _role(actor, self.roles.get(actor.id) if actor else None)
        facts = sv._facts(d, cal, at, action)
        transition = plan_transition(source, action, actor=role, facts=facts, reason=reason)
        target = transition.target_from(source)
        change = _Change(
            dossier=d,
            at=at,
            calendar=cal,
            transition=transition,
            source=source,
            target=target,
            reason=reason.strip(),
        )
        from_agency_id = d.current_agency_id
        if source is S.SUBMITTED and action in (A.ACCEPT, A.REQUEST_SUPPLEMENT, A.REFUSE):
            sv._record_decision_breach(change)
        prepare, after = _CALLBACKS.get(step.name, (None, None))
        if prepare is not None:
            prepare(self, change, step, arrival)
        sv._apply_clock(change)
        closed, closed_due, step_outcome = sv._move_step(change)
        change.set("status", target.value)
        code = national_status(target)
        change.set("national_status", int(code) if code is not None else None)
        if (
            ends_processing_for_766(target)
            and d.ended_at is None
            and not ends_processing_for_766(source)
        ):
            change.set("ended_at", at)
            if d.due_at is not None and not d.outcome:
                change.set("outcome", clock.classify(at, d.due_at))
        if after is not None:
            after(self, change, step, arrival)
        d.version += 1
        change.fields |= {"version", "updated_at"}
        d.last_event_seq += 1
        self.events[d.id].append(
            _new(
                DossierEvent,
                dossier_id=d.id,
                seq=d.last_event_seq,
                action=action.value,
                from_status=source.value,
                to_status=target.value,
                at=at,
                actor_id=actor.id if actor else None,
                actor_label=sv._label(actor, role),
                from_agency_id=from_agency_id,
                to_agency_id=change.to_agency.id if change.to_agency else d.current_agency_id,
                to_user_id=change.to_user.id if change.to_user else None,
                step_id=closed.id if closed else None,
                step_due_at=closed_due,
                outcome=step_outcome,
                note=change.reason,
                data=change.event_data,
            )
        )
        sv._number_clock_events(d, change.clock_events)
        self.clock_events[d.id].extend(change.clock_events)
        at_text = at.isoformat()
        fields = sorted(change.fields - {"updated_at", "version"})
        dossier_code = d.code or ""  # issued at creation, never changed (else the check refuses)
        self._audit(
            actor=actor,
            action=f"dossier.{action.value}",
            object_id=str(d.uuid),
            agency_id=d.current_agency_id,
            data={
                "code": d.code,
                "from": source.value,
                "to": target.value,
                "at": at_text,
                "version": d.version,
                "fields": fields,
            },
            data_json=(
                f'{{"at":{json_string(at_text)},"code":{json_string(dossier_code)},'
                f'"fields":[{",".join(map(json_string, fields))}],'
                f'"from":{json_string(source.value)},"to":{json_string(target.value)},'
                f'"version":{json_number(d.version)}}}'
            ),
            at=at,
        )
        return d

    # -- writing ---------------------------------------------------------------------------------

    def retire(self, d: Dossier) -> None:
        self.done.append(d)
        if len(self.done) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.done and not self.audit:
            return
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Generated data: a crash loses at most the last batches, never corrupts
                # anything, and the run does not wait for each batch's WAL flush.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
            ids = [d.id for d in self.done]
            insert_rows(Dossier, self.done)
            insert_rows(DossierDocument, [row for pk in ids for row in self.documents.pop(pk)])
            insert_rows(DossierEvent, [row for pk in ids for row in self.events.pop(pk)])
            insert_rows(ClockEvent, [row for pk in ids for row in self.clock_events.pop(pk)])
            # Audit entries of dossiers still open go now too: they name objects not written
            # yet, but nothing references them, and the chain order is kept.
            audit_append_many(self.audit)
            self._write_sequences()
        self.written += len(self.done)
        self.done = []
        self.audit = []

    def _write_sequences(self) -> None:
        if not self.write_sequences:
            return
        rows = [
            DailySequence(agency_id=agency_id, day=day, last_value=self.sequences[agency_id, day])
            for agency_id, day in sorted(self.sequences_changed)
        ]
        self.sequences_changed = set()
        DailySequence.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["agency", "day"],
            update_fields=["last_value"],
        )

    def finish(self) -> None:
        self.flush()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    "(SELECT COALESCE(MAX(id), 1) FROM dossiers_dossier))",
                    [Dossier._meta.db_table],
                )


# --- what each service's prepare / after callback sets (services.py) -------------------------

Callback = Callable[[BulkBackend, "sv._Change", Step, Arrival], None]


def _accept(b: BulkBackend, c: sv._Change, step: Step, arrival: Arrival) -> None:
    row = b.ref.limit(arrival.info.version, arrival.channel)
    if row is not None:
        limit = clock.Limit(row.value, row.unit, row.cutoff)
        c.limit_for_start = limit
        c.set("limit_value", limit.value)
        c.set("limit_unit", limit.unit)
        c.set("limit_cutoff", limit.cutoff)
    else:
        due = manual_due(b.ref, arrival, step.at)
        if due <= c.at:
            raise DossierInvalid("Ngày hẹn trả kết quả phải sau thời điểm tiếp nhận.")
        c.manual_due = due


def _request_supplement(b: BulkBackend, c: sv._Change, step: Step, arrival: Arrival) -> None:
    c.set("supplements_at_reception", c.dossier.supplements_at_reception + 1)
    c.set("supplement_requested_at", c.at)


def _clear_supplement(b: BulkBackend, c: sv._Change, step: Step, arrival: Arrival) -> None:
    c.set("supplement_requested_at", None)


def _forward(b: BulkBackend, c: sv._Change, step: Step, arrival: Arrival) -> None:
    target = arrival.competent  # no inter-agency dossiers in the simulation: no lead agency
    c.set("current_agency", target)
    c.to_agency = target


def _assign(b: BulkBackend, c: sv._Change, step: Step, arrival: Arrival) -> None:
    assignee = step.kwargs["assignee"]
    c.set("assigned_to", assignee)
    c.to_user = assignee


def _supplement_after(b: BulkBackend, c: sv._Change, step: Step, arrival: Arrival) -> None:
    c.set("supplements_after_appraisal", c.dossier.supplements_after_appraisal + 1)
    c.set("supplement_requested_at", c.at)


def _supplement_received(b: BulkBackend, c: sv._Change, step: Step, arrival: Arrival) -> None:
    c.set("supplement_requested_at", None)
    c.event_data = {"documents": 0}


def _payment(b: BulkBackend, c: sv._Change, step: Step, arrival: Arrival) -> None:
    c.set("fee_amount", step.kwargs["amount"])


def _paid(b: BulkBackend, c: sv._Change, step: Step, arrival: Arrival) -> None:
    c.set("paid_at", c.at)


def _decide(b: BulkBackend, c: sv._Change, step: Step, arrival: Arrival) -> None:
    sv._decide(c)


def _extension(b: BulkBackend, c: sv._Change, step: Step, arrival: Arrival) -> None:
    new_due_at = step.kwargs["new_due_at"]
    d = c.dossier
    if d.due_at is not None and new_due_at <= d.due_at:
        raise DossierInvalid("Ngày hẹn trả mới phải sau ngày hẹn hiện tại.")
    c.new_due = new_due_at
    c.set("extension_used", True)
    c.event_data = {"new_due_at": new_due_at.isoformat()}


def _return_result(b: BulkBackend, c: sv._Change, step: Step, arrival: Arrival) -> None:
    c.set("returned_at", c.at)
    c.set("current_agency", arrival.receiving)
    c.to_agency = arrival.receiving


def _report_error(b: BulkBackend, c: sv._Change, step: Step, arrival: Arrival) -> None:
    c.set("current_agency", arrival.competent)
    c.to_agency = arrival.competent


def _correct(b: BulkBackend, c: sv._Change, step: Step, arrival: Arrival) -> None:
    c.set("decided_at", c.at)
    if c.dossier.due_at is not None:
        c.event_data = {"correction_outcome": clock.classify(c.at, c.dossier.due_at)}


#: (prepare, after) per service, as in services.py.
_CALLBACKS: dict[str, tuple[Callback | None, Callback | None]] = {
    "accept": (_accept, None),
    "request_supplement": (_request_supplement, None),
    "resubmit": (_clear_supplement, None),
    "forward": (_forward, None),
    "assign": (_assign, None),
    "request_supplement_after_appraisal": (_supplement_after, None),
    "receive_supplement": (None, _supplement_received),
    "close_unsupplemented": (_clear_supplement, None),
    "request_payment": (_payment, None),
    "record_payment": (_paid, None),
    "sign": (_decide, None),
    "refuse_after_appraisal": (_decide, None),
    "request_extension": (_extension, None),
    "return_result": (_return_result, None),
    "report_error": (_report_error, None),
    "correct_result": (_correct, None),
}


# --- ratings (ratings.services.rating_record) --------------------------------------------------


def write_ratings(planned: list[PlannedRating], *, batch: int = 5000) -> None:
    """The rows and audit entries ``rating_record`` writes for each planned rating (no rater:
    the applicant is not signed in at the device; the agency is the receiving agency)."""
    from motcua.ratings.models import Rating
    from motcua.ratings.scale import level as scale_level

    for start in range(0, len(planned), batch):
        rows: list[Rating] = []
        records: list[AuditRecord] = []
        for p in planned[start : start + batch]:
            lv = scale_level(p.level)
            rows.append(
                _new(
                    Rating,
                    id=p.pk,
                    created_at=p.at,
                    source=p.source,
                    level=lv.value,
                    points=lv.points,
                    satisfied=lv.satisfied,
                    dossier_id=p.dossier_id,
                    agency_id=p.agency_id,
                    officer_id=p.officer_id,
                    rater_id=None,
                    subject="",
                    criteria={},
                    comment="",
                )
            )
            records.append(
                AuditRecord(
                    actor=None,
                    action="rating.record",
                    object_type="rating",
                    object_id=str(p.pk),
                    agency_id=p.agency_id,
                    data={
                        "source": p.source,
                        "level": lv.value,
                        "dossier": p.code,
                        "officer_id": p.officer_id,
                        "subject": "",
                    },
                    at=p.at,
                )
            )
        with transaction.atomic():
            insert_rows(Rating, rows)
            audit_append_many(records)
