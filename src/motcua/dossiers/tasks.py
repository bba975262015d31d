"""Background tasks of the dossier engine (django-tasks). The backend is a setting
(``MOTCUA_TASK_BACKEND``: the application database by default, ``django_tasks_rq.RQBackend`` for
Redis); the code does not change. Arguments and results are plain JSON, as every backend needs.

django-tasks has no periodic schedule: ``motcua worker`` enqueues :data:`run_all_sweeps` every
``--sweep-every`` seconds, and ``motcua sweep`` runs the sweeps once for cron or systemd timers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from motcua.dossiers import sweeps


def _parse(at: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(at) if at else None


@task()
def close_unsupplemented(
    at: str | None = None, batch: int = sweeps.DEFAULT_BATCH
) -> dict[str, Any]:
    """Auto-close after 15 days without supplement (NĐ 118/2025/NĐ-CP Điều 19 khoản 5)."""
    return sweeps.results_as_data([sweeps.sweep_close_unsupplemented(at=_parse(at), batch=batch)])


@task()
def check_online_clocks(at: str | None = None) -> dict[str, Any]:
    """The 2-hour alert and 8-working-hour acceptance checks (Điều 17 khoản 2)."""
    return sweeps.results_as_data([sweeps.sweep_online_clocks(at=_parse(at))])


@task()
def run_all_sweeps(at: str | None = None, batch: int = sweeps.DEFAULT_BATCH) -> dict[str, Any]:
    """Every sweep once (what the worker loop enqueues)."""
    return sweeps.results_as_data(sweeps.run_sweeps(at=_parse(at), batch=batch))
