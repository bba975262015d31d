"""Background tasks of the portal (django-tasks; the backend is ``MOTCUA_TASK_BACKEND``).

``collect_notifications`` reads the control sheet and queues messages; ``deliver_outbox`` sends
what is due. Run both periodically (``motcua portal_notify`` once, e.g. every minute from cron or
a systemd timer); a retry waits in the outbox, not in the task queue."""

from __future__ import annotations

from django_tasks import task

from motcua.portal import notify


@task()
def deliver_outbox() -> dict[str, int]:
    return notify.deliver()


@task()
def collect_notifications() -> dict[str, int]:
    queued = notify.collect()
    return {"queued": queued, **notify.deliver()}
