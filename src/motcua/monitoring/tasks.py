"""Background tasks of the monitoring app (django-tasks; backend as in ``dossiers.tasks``)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from motcua.monitoring import aggregate


@task()
def refresh_metrics(batch: int = aggregate.DEFAULT_BATCH) -> dict[str, Any]:
    """Bring the aggregates up to date with the events and ratings recorded since the last run."""
    return {"dossiers": aggregate.refresh_all(batch)}


@task()
def export_report(job_id: int) -> dict[str, Any]:
    """Build a report file for an ``ExportJob``, recording progress as it goes."""
    import datetime as dt

    from django.utils import timezone

    from motcua.monitoring import exports
    from motcua.monitoring import indicators as ind
    from motcua.monitoring.models import ExportJob, ExportStatus

    job = ExportJob.objects.get(pk=job_id)

    def progress(pct: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(progress=min(max(pct, 0), 99))

    ExportJob.objects.filter(pk=job_id).update(status=ExportStatus.RUNNING, progress=1)
    try:
        p = job.params
        period = ind.Period(
            dt.date.fromisoformat(p["start"]), dt.date.fromisoformat(p["end"]), p["label"]
        )
        ids = p.get("agency_ids")
        scope = ind.Scope(
            agency_ids=tuple(ids) if ids is not None else None, label=p.get("scope_label", "")
        )
        data = exports.report_data(period, scope)
        progress(10)
        content = exports.render_file(data, job.fmt, progress)
    except Exception as exc:  # the job page shows the failure
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportStatus.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        raise
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportStatus.DONE,
        progress=100,
        content=content,
        filename=exports.filename(data, job.fmt),
        finished_at=timezone.now(),
    )
    return {"job": job_id, "bytes": len(content)}
