"""Seed the calendar of every fresh install from the shipped data: the statutory holiday
rules (data/rules.json), the Prime Minister's decisions of 2019–2026 (data/announced.json)
and the default working schedule (Monday–Friday, 07:00–11:30 and 13:30–17:00, cut-off 15:00).

Idempotent (keyed by rule code and by date): when a new year is announced, add it to
announced.json and add a migration that runs ``seed`` again. Uses ``apps.get_model`` only.
"""

import json
from datetime import date, time
from pathlib import Path

from django.db import migrations

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _load(name):
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def seed(apps, schema_editor):
    HolidayRule = apps.get_model("workcalendar", "HolidayRule")
    DayOverride = apps.get_model("workcalendar", "DayOverride")
    WorkingSchedule = apps.get_model("workcalendar", "WorkingSchedule")

    rules = {}
    for raw in _load("rules.json")["rules"]:
        fields = {k: v for k, v in raw.items() if k != "code"}
        rules[raw["code"]], _ = HolidayRule.objects.update_or_create(
            code=raw["code"], defaults=fields
        )

    for block in _load("announced.json")["years"].values():
        for holiday in block["holidays"]:
            for raw_day in holiday["dates"]:
                DayOverride.objects.update_or_create(
                    date=date.fromisoformat(raw_day),
                    agency=None,
                    defaults={
                        "working": False,
                        "rule": rules[holiday["rule"]],
                        "reason": "",
                        "legal_source": holiday["source"],
                    },
                )
        for raw in block["overrides"]:
            DayOverride.objects.update_or_create(
                date=date.fromisoformat(raw["date"]),
                agency=None,
                defaults={
                    "working": raw["working"],
                    "rule": None,
                    "reason": raw["reason"],
                    "legal_source": raw["source"],
                },
            )

    if not WorkingSchedule.objects.filter(agency__isnull=True).exists():
        WorkingSchedule.objects.create(
            agency=None,
            morning_start=time(7, 0),
            morning_end=time(11, 30),
            afternoon_start=time(13, 30),
            afternoon_end=time(17, 0),
            cutoff=time(15, 0),
        )


def unseed(apps, schema_editor):
    HolidayRule = apps.get_model("workcalendar", "HolidayRule")
    DayOverride = apps.get_model("workcalendar", "DayOverride")
    days = []
    for block in _load("announced.json")["years"].values():
        days += [d for h in block["holidays"] for d in h["dates"]]
        days += [o["date"] for o in block["overrides"]]
    DayOverride.objects.filter(agency__isnull=True, date__in=days).delete()
    HolidayRule.objects.filter(code__in=[r["code"] for r in _load("rules.json")["rules"]]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workcalendar", "0001_calendar_models"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
