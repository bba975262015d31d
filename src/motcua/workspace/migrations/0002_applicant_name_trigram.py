"""A trigram index for the worklists' word search on the applicant's folded ``search_key`` (name,
personal ID, enterprise code, phone; no diacritics). The search is ``LIKE '%word%'``, which a
B-tree cannot serve: at a million applicants it scanned the table. On PostgreSQL a ``pg_trgm``
GIN index answers it; on SQLite (the embedded default) nothing is created and the search keeps
working as before. The index lives here, with the search it serves; the ``dossiers`` model state
is unchanged (the index is raw SQL, unknown to the model)."""

from typing import Any

from django.db import migrations

INDEX = "dossiers_applicant_search_trgm"


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON dossiers_applicant "
        "USING gin (search_key gin_trgm_ops)"
    )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("workspace", "0001_initial"),
        ("dossiers", "0003_backfill_dossier_event_counters"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
