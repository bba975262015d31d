"""Waiting and service seconds stored on the ticket (the dashboards aggregate them in the
database), and the contact of a booking (cancellation check, reminder)."""

from typing import Any

from django.db import migrations, models


def backfill(apps: Any, schema_editor: Any) -> None:
    Ticket = apps.get_model("queueing", "Ticket")
    rows = Ticket.objects.filter(first_called_at__isnull=False).values_list(
        "pk", "queued_at", "first_called_at", "serving_started_at", "finished_at", "status"
    )
    for pk, queued, called, started, finished, status in rows.iterator(chunk_size=2000):
        changes: dict[str, int] = {}
        if queued is not None:
            changes["wait_seconds"] = max(0, int((called - queued).total_seconds()))
        if status == "done" and started is not None and finished is not None:
            changes["service_seconds"] = max(0, int((finished - started).total_seconds()))
        if changes:
            Ticket.objects.filter(pk=pk).update(**changes)


class Migration(migrations.Migration):
    dependencies = [("queueing", "0002_priority_general_rate")]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="contact_phone",
            field=models.CharField(
                blank=True, default="", max_length=20, verbose_name="số điện thoại"
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="contact_email",
            field=models.EmailField(
                blank=True, default="", max_length=254, verbose_name="thư điện tử"
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="wait_seconds",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="thời gian chờ (giây)"
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="service_seconds",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="thời gian phục vụ (giây)"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
