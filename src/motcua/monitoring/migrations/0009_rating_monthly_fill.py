"""``RatingMonthly`` filled from the existing ``RatingDaily`` rows (summed per month), so an
upgraded database verifies and reads its ratings' whole months without a rebuild."""

from django.db import migrations
from django.db.models import Sum
from django.db.models.functions import TruncMonth

_KEY = ("agency_id", "officer_id", "procedure_id", "field_id")


def fill(apps, schema_editor):
    RatingDaily = apps.get_model("monitoring", "RatingDaily")
    RatingMonthly = apps.get_model("monitoring", "RatingMonthly")
    RatingMonthly.objects.all().delete()
    rows = (
        RatingDaily.objects.annotate(month=TruncMonth("day"))
        .values("month", *_KEY)
        .annotate(n=Sum("ratings"), sat=Sum("satisfied"), pts=Sum("points_sum"))
        .order_by("month", *_KEY)
    )
    RatingMonthly.objects.bulk_create(
        (
            RatingMonthly(
                day=r["month"],
                **{k: r[k] for k in _KEY},
                ratings=r["n"],
                satisfied=r["sat"],
                points_sum=r["pts"],
            )
            for r in rows.iterator(5000)
        ),
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0008_rating_monthly"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
