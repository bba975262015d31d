"""Feedback (PAKN) in a simulated province (``motcua simulate``): a pass after the dossiers and
the ratings, like ``dossiers.simulation.rate_returned``, so QĐ 766 5.1–5.4 and TT01 criterion 8
have data.

A few % of the simulated dossiers get a feedback item from their applicant (numbers of its own
per dossier, from its UUID and the seed, so the services and bulk paths and the forked parts
write the same rows). Its life is planned from those numbers and cut at the simulation's end:
refused (mostly within 2 working days), a supplement request (mostly within 5), answered
(mostly within 15), approved and published, likes and dislikes on the answer, sometimes
re-raised. Rows go through ``common.copy.insert_rows`` and the audit entries through
``audit_append_many`` (the entries ``feedback.services`` would write), in batches.

The votes are stored as the item's counters only (the simulated voters have no accounts).
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from motcua.agencies.models import Agency
from motcua.audit.chain import chain_for
from motcua.audit.services import AuditRecord, audit_append_many, audit_chain_count
from motcua.common.copy import insert_rows
from motcua.dossiers.models import Dossier
from motcua.dossiers.simulation import uniforms
from motcua.feedback.models import Feedback, Kind, Status
from motcua.feedback.rules import deadlines
from motcua.feedback.services import _days_after

SALT = 0x5AC1_F00D_BEEF_0766
_MASK128 = (1 << 128) - 1


@dataclass(frozen=True)
class FeedbackRates:
    share: float = 0.04  # dossiers with a feedback item
    conduct: float = 0.3  # about officers' conduct (the rest: regulations)
    refused: float = 0.05
    supplement: float = 0.1
    reraised: float = 0.05


def simulate_feedback(
    job: Any,
    rates: FeedbackRates | None = None,
    batch: int = 5000,
    *,
    workers: int = 1,
    processes: bool = True,
) -> int:
    """Write the feedback of the dossiers this simulation created (``pk >= job.id_base``), as
    of ``job.moment``; the number of items. With ``workers > 1`` in parts
    (:func:`feedback_tasks`), in forked processes at once with ``processes`` on PostgreSQL,
    otherwise one after the other."""
    from motcua.dossiers.simulation import run_tasks

    items, tasks = feedback_tasks(job, rates, batch, workers=workers)
    run_tasks(tasks, processes=processes)
    feedback_keys_reset(items)
    return items


def feedback_tasks(
    job: Any, rates: FeedbackRates | None = None, batch: int = 5000, *, workers: int = 1
) -> tuple[int, list[Callable[[], Any]]]:
    """The number of items and the tasks that write them; run them all, then
    :func:`feedback_keys_reset`.

    The items are chosen first, in dossier order, from the dossier's key and UUID, then its
    reception (a light read: only 4 % need the rest); their keys follow, after the stored ones.
    With ``workers > 1`` the writing is split like the ratings' (``dossiers.simulation
    .rate_returned``), by the audit chain of the item (``chain_for("feedback", uuid) mod
    workers``): no two parts lock the same chain head, so the parts may run at once. Each part
    cuts the same batches as one process (every ``batch`` chosen items) and keeps its own items
    and entries of each, in the same order, so every chain gets the entries one process gives
    it."""
    rates = rates or FeedbackRates()
    chosen = _choose(job, rates)
    if not chosen:
        return 0, []
    base = (Feedback.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    if workers == 1:
        return len(chosen), [functools.partial(_write_part, job, rates, chosen, base, batch, None)]
    chains = audit_chain_count()
    part_of = [chain_for("feedback", str(c.item_uuid), chains) % workers for c in chosen]
    return len(chosen), [
        functools.partial(_write_part, job, rates, chosen, base, batch, (k, part_of))
        for k in range(workers)
    ]


class _Chosen(NamedTuple):
    pk: int
    item_uuid: uuid.UUID
    submitted: dt.datetime
    u: list[float]


def _choose(job: Any, rates: FeedbackRates) -> list[_Chosen]:
    """The dossiers with an item, in dossier order. The share is decided on the dossier's key
    and UUID alone, from the first of its numbers (``uniforms`` gives the same first number for
    one as for 13); the reception moment is read for those only (a datetime per row was half
    the read)."""
    rows = (
        Dossier.objects.filter(pk__gte=job.id_base, received_at__isnull=False)
        .order_by("pk")
        .values_list("pk", "uuid")
    )
    candidates = [
        (pk, dossier_uuid)
        for pk, dossier_uuid in rows.iterator(chunk_size=5000)
        if uniforms(dossier_uuid.int ^ job.seed ^ SALT, 1)[0] < rates.share
    ]
    chosen = []
    for first in range(0, len(candidates), 5000):
        block = candidates[first : first + 5000]
        received = dict(
            Dossier.objects.filter(pk__in=[pk for pk, _ in block]).values_list("pk", "received_at")
        )
        for pk, dossier_uuid in block:
            received_at = received[pk]
            if received_at is None:  # pragma: no cover - filtered by the query
                continue
            u = uniforms(dossier_uuid.int ^ job.seed ^ SALT, 13)
            submitted = received_at + dt.timedelta(hours=2 + u[1] * 24 * 20)
            if submitted > job.moment:
                continue
            item_uuid = uuid.UUID(int=(dossier_uuid.int ^ (job.seed * SALT)) & _MASK128)
            chosen.append(_Chosen(pk, item_uuid, submitted, u))
    return chosen


def _write_part(
    job: Any,
    rates: FeedbackRates,
    chosen: list[_Chosen],
    base: int,
    batch: int,
    part: tuple[int, list[int]] | None,
) -> None:
    """Plan and write the items of ``chosen`` (all, or those whose ``part_of`` is ``k`` for
    ``part=(k, part_of)``), the item at position ``n`` with the key ``base + n``, in batches of
    ``batch`` positions."""
    d = deadlines()
    agencies = {a.pk: a for a in Agency.objects.all()}
    now = timezone.now()
    for first in range(0, len(chosen), batch):
        positions: Sequence[int] = range(first, min(first + batch, len(chosen)))
        if part is not None:
            positions = [n for n in positions if part[1][n] == part[0]]
        if not positions:
            continue
        details = {
            row[0]: row[1:]
            for row in Dossier.objects.filter(pk__in=[chosen[n].pk for n in positions])
            .values_list(
                "pk",
                "code",
                "competent_agency_id",
                "receiving_agency_id",
                "assigned_to_id",
                "applicant__full_name",
                "applicant__organisation_name",
                "applicant__phone",
                "procedure_version__procedure_id",
            )
            .iterator(chunk_size=5000)
        }
        items: list[Feedback] = []
        records: list[AuditRecord] = []
        for n in positions:
            c = chosen[n]
            code, competent_id, receiving_id, officer_id, name, org_name, phone, procedure_id = (
                details[c.pk]
            )
            agency = agencies[competent_id or receiving_id]
            kind = Kind.CONDUCT if c.u[2] < rates.conduct else Kind.REGULATION
            item = Feedback(
                pk=base + n,
                uuid=c.item_uuid,
                citizen=None,
                contact_name=(name or org_name or "Người nộp hồ sơ")[:200],
                contact_phone=phone or "",
                contact_email="",
                agency=agency,
                dossier_id=c.pk,
                procedure_id=procedure_id,
                kind=kind,
                title="Phản ánh về hồ sơ " + (code or ""),
                content="Đề nghị cơ quan xem xét, trả lời.",
                submitted_at=c.submitted,
                start_at=c.submitted,
                refuse_due=_days_after(agency, c.submitted, d.refuse),
                supplement_due=_days_after(agency, c.submitted, d.supplement),
                handle_due=_days_after(agency, c.submitted, d.handle),
                recorded_at=now,
            )
            audit: list[tuple[str, dt.datetime, dict[str, Any]]] = [
                (
                    "submit",
                    c.submitted,
                    {
                        "status": Status.RECEIVED.value,
                        "kind": kind.value,
                        "dossier": code,
                        "procedure": None,
                    },
                )
            ]
            _plan(item, c.u, rates, job.moment, d.refuse, d.supplement, d.handle, d.publish, audit)
            items.append(item)
            for action, at, data in audit:
                records.append(
                    AuditRecord(
                        actor=None,
                        action=f"feedback.{action}",
                        object_type="feedback",
                        object_id=str(item.uuid),
                        agency_id=agency.pk,
                        data={"simulated_officer": officer_id, **data},
                        at=at,
                    )
                )
        _write(items, records)


def _plan(
    item: Feedback,
    u: list[float],
    rates: FeedbackRates,
    end: dt.datetime,
    refuse: int,
    supplement: int,
    handle: int,
    publish: int,
    audit: list[tuple[str, dt.datetime, dict[str, Any]]],
) -> None:
    """The item's life from its numbers, up to ``end`` (most steps in time; some late)."""
    agency, start = item.agency, item.start_at
    if u[3] < rates.refused:
        at = _days_after(agency, start, u[4] * refuse * 1.2)
        if at <= end:
            item.status, item.refused_at, item.refusal_reason = (
                Status.REFUSED,
                at,
                "Không thuộc phạm vi xử lý.",
            )
            audit.append(("refuse", at, {"status": Status.REFUSED.value}))
        return
    if u[5] < rates.supplement:
        at = _days_after(agency, start, u[6] * supplement * 1.1)
        if at > end:
            return
        item.status, item.supplement_requested_at = Status.SUPPLEMENT, at
        item.supplement_note = "Đề nghị cung cấp thêm thông tin."
        audit.append(("request_supplement", at, {"status": Status.SUPPLEMENT.value}))
    answered = _days_after(agency, start, 1 + u[7] * (handle + 1.5))
    if answered > end:
        return
    item.status, item.answered_at, item.answer = (
        Status.ANSWERED,
        answered,
        "Cơ quan đã xem xét, trả lời.",
    )
    audit.append(("answer", answered, {"status": Status.ANSWERED.value}))
    approved = _days_after(agency, answered, u[8] * 0.5)
    if approved > end:
        return
    item.status, item.approved_at = Status.APPROVED, approved
    item.publish_due = _days_after(agency, approved, publish)
    published = approved if u[9] < 0.95 else _days_after(agency, approved, publish + 0.5)
    now_published = published == approved
    audit.append(
        (
            "approve",
            approved,
            {
                "status": (Status.PUBLISHED if now_published else Status.APPROVED).value,
                "publish": now_published,
            },
        )
    )
    if published > end:
        return
    item.status, item.published_at = Status.PUBLISHED, published
    if published != approved:
        audit.append(("publish", published, {"status": Status.PUBLISHED.value}))
    item.likes = int(u[10] * 4)
    item.dislikes = int(u[11] * 3)
    if u[12] < rates.reraised:
        at = published + dt.timedelta(days=1)
        if at <= end:
            item.reraised_at, item.reraise_reason = at, "Chưa thỏa đáng."
            audit.append(("reraise", at, {"status": Status.PUBLISHED.value}))


def feedback_keys_reset(items: int) -> None:
    """The ``items`` written took explicit keys: move PostgreSQL's sequence past them."""
    if connection.vendor != "postgresql" or not items:
        return
    table = Feedback._meta.db_table
    query = (
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608 - metadata names only
        f"(SELECT COALESCE(MAX(id), 1) FROM {connection.ops.quote_name(table)}))"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [table])


def _write(items: list[Feedback], records: list[AuditRecord]) -> None:
    if not items:
        return
    records.sort(key=lambda r: r.at or dt.datetime.min.replace(tzinfo=dt.UTC))
    with transaction.atomic():
        insert_rows(Feedback, items)
        audit_append_many(records)
