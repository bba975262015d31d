"""Ratings per procedure and field too (the rated dossier's): the existing rows are split by
recomputing them from the ratings, so satisfaction is right in every scope without a rebuild."""

from collections import defaultdict

from django.db import migrations, models
from django.utils import timezone


def split_rows(apps, schema_editor):
    Rating = apps.get_model("ratings", "Rating")
    RatingDaily = apps.get_model("monitoring", "RatingDaily")
    if not RatingDaily.objects.exists():
        return
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = Rating.objects.values_list(
        "created_at",
        "agency_id",
        "officer_id",
        "dossier__procedure_version__procedure_id",
        "dossier__procedure_version__field_id",
        "satisfied",
        "points",
    )
    for at, agency, officer, procedure, field, satisfied, points in rows.iterator(5000):
        key = (timezone.localtime(at).date(), agency or 0, officer or 0, procedure or 0, field or 0)
        t = totals[key]
        t[0] += 1
        t[1] += int(satisfied)
        t[2] += points
    RatingDaily.objects.all().delete()
    RatingDaily.objects.bulk_create(
        (
            RatingDaily(
                day=d,
                agency_id=a,
                officer_id=o,
                procedure_id=p,
                field_id=f,
                ratings=n,
                satisfied=s,
                points_sum=pts,
            )
            for (d, a, o, p, f), (n, s, pts) in totals.items()
        ),
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0006_result_push_watermark"),
        ("ratings", "0001_initial"),
        ("dossiers", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="ratingdaily",
            name="monitoring_rating_key",
        ),
        migrations.AddField(
            model_name="ratingdaily",
            name="field_id",
            field=models.PositiveBigIntegerField(default=0, verbose_name="lĩnh vực"),
        ),
        migrations.AddField(
            model_name="ratingdaily",
            name="procedure_id",
            field=models.PositiveBigIntegerField(default=0, verbose_name="thủ tục"),
        ),
        migrations.AddConstraint(
            model_name="ratingdaily",
            constraint=models.UniqueConstraint(
                fields=("day", "agency_id", "officer_id", "procedure_id", "field_id"),
                name="monitoring_rating_key",
            ),
        ),
        migrations.RunPython(split_rows, migrations.RunPython.noop),
    ]
