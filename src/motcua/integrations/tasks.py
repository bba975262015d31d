"""Background task of the outbox (django-tasks): relay new control-sheet rows into deliveries
and send what is due. ``motcua outbox --every 15`` enqueues it periodically (docs/integration.md);
it is idempotent and safe to run from several workers (one sender per subscriber at a time)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from motcua.integrations.services import run_outbox


@task()
def deliver_webhooks(at: str | None = None) -> dict[str, Any]:
    return run_outbox(now=dt.datetime.fromisoformat(at) if at else None)
