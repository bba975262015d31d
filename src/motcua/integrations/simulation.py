"""National sync records for a simulated province (QĐ 766 indicator 1.4).

``motcua simulate`` writes dossiers without running the relay (no subscription, no delivery), so
a simulated province would have no dossier on the Cổng DVCQG. This separate pass, run after the
simulation, records ``NationalSync`` rows as the relay would have: a realistic share of the
received dossiers, a few minutes after reception (a draw of its own per dossier, from its UUID,
so the rest of the simulation is unchanged and the result is the same on every database).
"""

from __future__ import annotations

import datetime as dt

from motcua.dossiers.models import Dossier
from motcua.integrations.models import NationalSync, SyncVia

#: Share of received dossiers the portal knows (the relay delivers nearly all; a few fail).
SYNCED_SHARE = 0.93
BATCH = 5000


def simulate_national_sync(share: float = SYNCED_SHARE) -> int:
    """Record the sync of ``share`` of the received dossiers not yet synced; the number written.
    The dossier's UUID decides (its first 32 bits / 2³² < ``share``); synced 1–30 minutes after
    reception."""
    written = 0
    rows = (
        Dossier.objects.filter(received_at__isnull=False)
        .exclude(pk__in=NationalSync.objects.values("dossier_id"))
        .order_by("pk")
        .values_list("pk", "uuid", "received_at")
    )
    pending: list[NationalSync] = []
    for pk, uid, received in rows.iterator(chunk_size=BATCH):
        u = (uid.int >> 96) / 2**32
        if received is None or u >= share:  # never None (filter)
            continue
        minutes = 1 + int(((uid.int >> 64) & 0xFFFF) / 0x10000 * 30)
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


def _write(rows: list[NationalSync]) -> int:
    NationalSync.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)
