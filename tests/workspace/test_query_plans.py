"""A word search among the applicants uses the pg_trgm index (PostgreSQL only). The worklists'
name search deliberately does not (a join read in due order is faster at 1 M: workspace
selectors ``_search`` and docs/benchmarks.md).

Sequential scans are switched off for the check, as in tests/dossiers/test_query_plans.py: with a
test's few rows PostgreSQL would rightly scan the table; what is asserted is that the trigram
index serving ``search_key LIKE '%word%'`` exists and is picked — the shape that stays fast at a
million applicants."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.models import QuerySet
from tests.dossiers.conftest import World

from motcua.dossiers.models import Applicant

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans of PostgreSQL"),
]


def _plan(qs: QuerySet) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return qs.explain()


def test_the_trigram_index_exists_on_the_search_key() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'dossiers_applicant_search_trgm'"
        )
        row = cursor.fetchone()
    assert row is not None
    assert "gin_trgm_ops" in row[0]
    assert "search_key" in row[0]


def test_name_search_without_diacritics_uses_the_trigram_index(world: World) -> None:
    world.receive()
    plan = _plan(Applicant.objects.filter(search_key__contains="nguyen"))
    assert "dossiers_applicant_search_trgm" in plan
