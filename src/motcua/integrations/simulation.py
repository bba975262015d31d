"""National sync records (QĐ 766 indicator 1.4), the origin of reused components and the results
pushed to the citizens' stores (4.4) for a simulated province.

``motcua simulate`` writes dossiers without running the relay (no subscription, no delivery), so
a simulated province would have no dossier on the Cổng DVCQG. This separate pass, run after the
dossiers, records ``NationalSync`` rows as the relay would have: a realistic share of the
received dossiers, a few minutes after reception (a draw of its own per dossier, from its UUID,
so the rest of the simulation is unchanged and the result is the same on every database).

The simulator marks reused components with a free-text source only; :func:`simulate_store_origin`
gives them a structured origin: most from the citizen's store on the Cổng DVCQG (what the
simulator's source text names), the rest from the agency's store of digitised results.

:func:`simulate_result_push` records ``ResultStorePush`` rows as the outbox would after the
portal accepted the push (``via = simulated``): a share of the eligible returns — returned after
a signed decision, to an applicant with a personal ID or enterprise code, not refused.

``motcua simulate`` runs them at the end of ``simulate(integrations=True)``, before the
secondary indexes and keys of the written tables (theirs included) come back. Run them before
``motcua metrics refresh``/``rebuild`` (they write no dossier event; a refresh after them picks
the rows up through their id watermarks anyway).

On PostgreSQL each pass is one set-based statement (``INSERT … SELECT``/``UPDATE … FROM``) that
draws from the UUID's bits in SQL (:func:`draw_sql`): at a million dossiers the three took ≈ 60 s
in Python (a million rows read, the writes in batches), a few seconds so (docs/scaling.md,
session 6). The Python loop stays for SQLite and as the reference the PostgreSQL statements are
tested against (``tests/monitoring/test_simulation_passes.py``: the same rows).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from motcua.common.copy import insert_rows
from motcua.dossiers.models import Dossier, DossierDocument, DossierEvent, ReuseOrigin
from motcua.dossiers.workflow import Action
from motcua.integrations.models import (
    NationalSync,
    PushVia,
    ResultStorePush,
    ResultStoreRefusal,
    SyncVia,
)


def draw(uid: uuid.UUID, low: int, bits: int) -> float:
    """A number in [0, 1) from ``bits`` bits of ``uid`` starting at bit ``low`` (0 = least
    significant). Each pass draws from its own bits, so the passes are independent of one
    another and of the simulator. A version-4 UUID has six fixed bits — the version at 76–79
    (always 4) and the variant at 62–63 (always binary 10) — never drawn from: reading them
    gave a share of 40 % for a wanted 60 % and a sync always 8–10 minutes after reception.
    The bits used: 0–31 push share, 32–61 store origin, 64–75 sync delay, 80–95 push delay,
    96–127 sync share."""
    return ((uid.int >> low) & ((1 << bits) - 1)) / (1 << bits)


def draw_sql(column: str, low: int, bits: int) -> str:
    """:func:`draw` in PostgreSQL, over the UUID column (or expression) ``column``: its 32 hex
    digits as a ``bit(128)`` (bit 1 the most significant), the ``bits`` bits from ``low``
    (counted from the least significant) as an unsigned ``bigint``, over ``2**bits`` as a
    ``double precision`` — the same double as :func:`draw` (both exact: fewer than 53 bits over a
    power of two)."""
    if not 0 < bits <= 53 or not 0 <= low <= 128 - bits:
        raise ValueError("bits must be in 1..53 and within the UUID")
    start = 128 - low - bits + 1
    return (
        f"(substring(('x' || translate(({column})::text, '-', ''))::bit(128) "
        f"from {start} for {bits})::bit({bits})::bigint::float8 / {1 << bits}::float8)"
    )


def _minutes_sql(column: str, low: int, bits: int, span: int) -> str:
    """``1 + int(draw(uid, low, bits) * span)`` minutes, as an SQL interval (``trunc`` as
    ``int()``: the draw is never negative)."""
    return f"make_interval(mins => 1 + trunc({draw_sql(column, low, bits)} * {span}::float8)::int)"


def _in_sql(sql: bool | None) -> bool:
    """Whether a pass runs as one SQL statement: by default on PostgreSQL; ``sql=False`` runs the
    Python loop there too (the reference the tests compare with)."""
    if sql and connection.vendor != "postgresql":
        raise ValueError("the set-based passes need PostgreSQL")
    return connection.vendor == "postgresql" if sql is None else sql


#: Share of received dossiers the portal knows (the relay delivers nearly all; a few fail).
SYNCED_SHARE = 0.93
#: Share of dossiers with reused components whose components came from the citizen's store.
STORE_SHARE = 0.6
#: Share of the eligible returned e-results whose push the portal accepted. An assumption, not a
#: measured figure: the push is automatic (so most go through), but some applicants decline and
#: some result types are not in the national catalogue of result types the store files under.
PUSHED_SHARE = 0.8
BATCH = 5000


def simulate_national_sync(share: float = SYNCED_SHARE, *, sql: bool | None = None) -> int:
    """Record the sync of ``share`` of the received dossiers not yet synced; the number written.
    The dossier's UUID decides (its top 32 bits, :func:`draw`); synced 1–30 minutes after
    reception. On PostgreSQL one ``INSERT … SELECT`` (the same rows)."""
    written = 0
    rows = (
        Dossier.objects.filter(received_at__isnull=False)
        .exclude(pk__in=NationalSync.objects.values("dossier_id"))
        .order_by("pk")
        .values_list("pk", "uuid", "received_at")
    )
    if _in_sql(sql):
        return _insert_select(
            NationalSync, rows, "synced_at", draw=(96, 32), delay=(64, 12, 30), share=share
        )
    pending: list[NationalSync] = []
    for pk, uid, received in rows.iterator(chunk_size=BATCH):
        u = draw(uid, 96, 32)
        if received is None or u >= share:  # never None (filter)
            continue
        minutes = 1 + int(draw(uid, 64, 12) * 30)
        pending.append(
            NationalSync(
                dossier_id=pk,
                synced_at=received + dt.timedelta(minutes=minutes),
                via=SyncVia.SIMULATED,
            )
        )
        if len(pending) >= BATCH:
            written += _write(pending)
            pending = []
    return written + _write(pending)


def _insert_select(
    model: type[NationalSync] | type[ResultStorePush],
    rows: QuerySet[Any, Any],
    moment: str,
    *,
    draw: tuple[int, int],
    delay: tuple[int, int, int],
    share: float,
) -> int:
    """The rows the Python loop writes, in one statement: ``rows`` (pk, UUID, moment; the
    query the loop reads, so the choice of dossiers is written once) filtered by ``draw`` (low,
    bits) below ``share``, the moment plus ``delay`` (low, bits, span) minutes."""
    sql, params = rows.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ["dossier_id", moment, "via"]
    values = [f"q.at + {_minutes_sql('q.uid', *delay)}", "%s"]
    extra: list[Any] = ["simulated"]
    for f in model._meta.concrete_fields:  # result_code, store_ref, updated_at of a push
        if f.primary_key or f.column in columns:
            continue
        columns.append(f.column)
        if getattr(f, "auto_now", False):
            values.append("now()")
        elif f.null:
            values.append("NULL")
        else:
            values.append("%s")
            extra.append(f.get_default())
    statement = (
        f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(c) for c in columns)}) "  # noqa: S608 - metadata names only
        f"SELECT q.pk, {', '.join(values)} FROM ({sql}) AS q (pk, uid, at) "
        f"WHERE {draw_sql('q.uid', *draw)} < %s ORDER BY q.pk"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [*extra, *params, share])
        return int(cursor.rowcount)


def _write(rows: list[NationalSync] | list[ResultStorePush]) -> int:
    # COPY on PostgreSQL (≈ 0.9 M rows at a million dossiers); the dossiers already synced were
    # left out by the query, and nothing else writes these rows during a simulation.
    if rows:
        with transaction.atomic():
            insert_rows(type(rows[0]), rows)
    return len(rows)


def simulate_store_origin(share: float = STORE_SHARE, *, sql: bool | None = None) -> int:
    """Give the reused components without a structured origin one: ``citizen_store`` for
    ``share`` of their dossiers (bits 32–61 of the dossier's UUID decide), ``agency_store`` for
    the others. The number of components updated. On PostgreSQL one ``UPDATE … FROM``."""
    if _in_sql(sql):
        return _store_origin_sql(share)
    store: list[int] = []
    agency: list[int] = []
    rows = (
        DossierDocument.objects.filter(reused=True, reuse_origin="")
        .order_by("pk")
        .values_list("pk", "dossier__uuid")
    )
    for pk, uid in rows.iterator(chunk_size=BATCH):
        u = draw(uid, 32, 30)
        (store if u < share else agency).append(pk)
    for origin, ids in ((ReuseOrigin.CITIZEN_STORE, store), (ReuseOrigin.AGENCY_STORE, agency)):
        for i in range(0, len(ids), BATCH):
            DossierDocument.objects.filter(pk__in=ids[i : i + BATCH]).update(reuse_origin=origin)
    return len(store) + len(agency)


def _store_origin_sql(share: float) -> int:
    doc, dossier = DossierDocument._meta, Dossier._meta
    q = connection.ops.quote_name
    statement = (
        f"UPDATE {q(doc.db_table)} AS c SET reuse_origin = CASE WHEN "  # noqa: S608 - metadata names only
        f"{draw_sql('d.uuid', 32, 30)} < %s THEN %s ELSE %s END "
        f"FROM {q(dossier.db_table)} AS d "
        "WHERE d.id = c.dossier_id AND c.reused AND c.reuse_origin = ''"
    )
    params: list[float | str] = [
        share,
        ReuseOrigin.CITIZEN_STORE.value,
        ReuseOrigin.AGENCY_STORE.value,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


def simulate_result_push(share: float = PUSHED_SHARE, *, sql: bool | None = None) -> int:
    """Record the push to the citizen's store of ``share`` of the eligible returned results not
    yet recorded; the number written. Eligible as for the outbox
    (``services.result_store_ineligible``), read from what the simulator writes: the dossier
    was returned after a ``sign`` (its electronic result — the simulator keeps no result file),
    its applicant has a personal ID or an enterprise code, and no refusal is recorded. Bits
    0–31 of the dossier's UUID decide; pushed 1–60 minutes after the return (bits 80–95). On
    PostgreSQL one ``INSERT … SELECT`` (the same rows)."""
    signed = DossierEvent.objects.filter(dossier=OuterRef("pk"), action=Action.SIGN)
    identified = Q(applicant__kind="person", applicant__personal_id__gt="") | Q(
        applicant__kind="organisation", applicant__enterprise_code__gt=""
    )
    rows = (
        Dossier.objects.filter(identified, returned_at__isnull=False)
        .filter(Exists(signed))
        .exclude(pk__in=ResultStorePush.objects.values("dossier_id"))
        .exclude(pk__in=ResultStoreRefusal.objects.values("dossier_id"))
        .order_by("pk")
        .values_list("pk", "uuid", "returned_at")
    )
    if _in_sql(sql):
        return _insert_select(
            ResultStorePush, rows, "pushed_at", draw=(0, 32), delay=(80, 16, 60), share=share
        )
    written = 0
    pending: list[ResultStorePush] = []
    for pk, uid, returned in rows.iterator(chunk_size=BATCH):
        if returned is None or draw(uid, 0, 32) >= share:
            continue
        minutes = 1 + int(draw(uid, 80, 16) * 60)
        pending.append(
            ResultStorePush(
                dossier_id=pk,
                pushed_at=returned + dt.timedelta(minutes=minutes),
                via=PushVia.SIMULATED,
            )
        )
        if len(pending) >= BATCH:
            written += _write(pending)
            pending = []
    return written + _write(pending)
