"""Background task of the API: housekeeping of rate windows and idempotency records (enqueued
by ``motcua outbox --every N`` with the outbox task)."""

from __future__ import annotations

from django_tasks import task

from motcua.api.services import api_housekeeping


@task()
def housekeeping() -> dict[str, int]:
    return api_housekeeping()
