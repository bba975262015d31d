"""Backfill ``Dossier.last_event_seq`` / ``last_clock_seq`` from the stored history: the last
``seq`` of each dossier's control sheet and clock history (0 when there is none), in one
``UPDATE`` per counter."""

from typing import Any

from django.db import migrations
from django.db.models import Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def backfill(apps: Any, schema_editor: Any) -> None:
    Dossier = apps.get_model("dossiers", "Dossier")
    DossierEvent = apps.get_model("dossiers", "DossierEvent")
    ClockEvent = apps.get_model("dossiers", "ClockEvent")

    def last(model: Any) -> Coalesce:
        rows = (
            model.objects.filter(dossier=OuterRef("pk"))
            .order_by()
            .values("dossier")
            .annotate(m=Max("seq"))
            .values("m")
        )
        return Coalesce(Subquery(rows), Value(0))

    Dossier.objects.update(last_event_seq=last(DossierEvent), last_clock_seq=last(ClockEvent))


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0002_dossier_event_counters"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
