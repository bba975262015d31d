"""``common.sql``: a hand-written ``SELECT`` gives the instances the ORM gives — every field
converted as the ORM converts it (datetimes, decimals, times, UUIDs, booleans, JSON) on both
backends, joined rows in the relation cache (``None`` for a missing nullable key, with no query
on access), fields not loaded deferred — and refuses a table or a join it cannot write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.dossiers.conftest import World

from motcua.accounts.models import User
from motcua.catalogue.models import Procedure, ProcedureVersion, ProcessStep
from motcua.common.sql import Select, Table
from motcua.dossiers.models import Applicant, Dossier

pytestmark = pytest.mark.django_db

_WHOLE = Select(
    Table(Dossier, "d"),
    [
        ("procedure_version", Table(ProcedureVersion, "v")),
        ("procedure_version__procedure", Table(Procedure, "p")),
        ("applicant", Table(Applicant, "a")),
        ("assigned_to", Table(User, "u")),
        ("current_step", Table(ProcessStep, "s")),
        ("current_step__version", Table(ProcedureVersion, "sv", ["number"])),
    ],
    where="d.code = %s",
)


def _values(obj: object, model: type) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}


def test_every_field_comes_back_as_the_orm_gives_it(world: World) -> None:
    d = world.receive()
    step = ProcessStep.objects.filter(version=d.procedure_version_id).first()
    Dossier.objects.filter(pk=d.pk).update(
        limit_value=Decimal("5.5"), limit_cutoff=dt.time(16, 30), current_step=step
    )
    ProcedureVersion.objects.filter(pk=d.procedure_version_id).update(
        review_reasons=[{"field": "fee", "reason": "Lệ phí chưa rõ"}]
    )
    expected = Dossier.objects.select_related(
        "procedure_version__procedure", "applicant", "current_step__version"
    ).get(pk=d.pk)
    assert expected.limit_value == Decimal("5.5")  # a decimal, a time and a UUID are compared
    assert expected.limit_cutoff == dt.time(16, 30)
    assert expected.procedure_version.review_reasons[0]["field"] == "fee"  # and a JSON field

    (got,) = _WHOLE.run([d.code])
    assert _values(got, Dossier) == _values(expected, Dossier)
    assert got.submitted_at is not None
    assert got.submitted_at.utcoffset() == dt.timedelta(0)
    with CaptureQueriesContext(connection) as queries:
        assert _values(got.procedure_version, ProcedureVersion) == _values(
            expected.procedure_version, ProcedureVersion
        )
        assert got.procedure_version.procedure.code == world.procedure.code
        assert _values(got.applicant, Applicant) == _values(expected.applicant, Applicant)
        assert got.assigned_to is None  # the LEFT OUTER join found no one: cached, no query
        assert got.current_step is not None
        assert got.current_step.pk == expected.current_step_id
        assert got.current_step.version.number == expected.current_step.version.number
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_a_field_not_loaded_is_deferred_and_read_on_demand(world: World) -> None:
    d = world.receive()
    lean = Select(Table(Dossier, "d", ["code"]), where="d.code = %s")
    (got,) = lean.run([d.code])
    assert got.pk == d.pk
    assert "status" in got.get_deferred_fields()
    with CaptureQueriesContext(connection) as queries:
        assert got.status == d.status
    assert len(queries) == 1


def test_joins_follow_the_nullability_of_the_key_and_of_the_join_above() -> None:
    sql = _WHOLE.sql()
    qn = connection.ops.quote_name
    assert f"INNER JOIN {qn('catalogue_procedureversion')} v" in sql
    assert f"INNER JOIN {qn('catalogue_procedure')} p" in sql
    assert f"LEFT OUTER JOIN {qn('accounts_user')} u" in sql
    assert f"LEFT OUTER JOIN {qn('catalogue_processstep')} s" in sql
    # A non-null key under a LEFT OUTER join stays LEFT OUTER, as select_related writes it.
    assert f"LEFT OUTER JOIN {qn('catalogue_procedureversion')} sv" in sql


def test_no_row_gives_an_empty_list_and_first_none(world: World) -> None:
    assert _WHOLE.run(["KHONG-CO"]) == []
    assert _WHOLE.first(["KHONG-CO"]) is None


def test_an_unknown_field_or_a_join_before_its_parent_is_refused() -> None:
    with pytest.raises(ValueError, match="no concrete field"):
        Table(Dossier, "d", ["code", "documents"])  # a reverse relation, not a column
    with pytest.raises(ValueError, match="before its parent"):
        Select(
            Table(Dossier, "d"),
            [("procedure_version__procedure", Table(Procedure, "p"))],
            where="1 = 1",
        )


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_a_hot_read_is_prepared_after_the_threshold_and_gives_the_same_rows(world: World) -> None:
    """``MOTCUA_DB_PREPARE_AFTER`` (5): psycopg prepares the statement on its sixth run on the
    connection; PostgreSQL then runs it without planning it again. The rows do not change, the
    statement is still counted by Django (tests and ``bench/cpu`` see it), and the ORM's own
    queries (client-side binding) are never prepared."""
    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] == 5
    d = world.receive()
    marker = f"FROM {connection.ops.quote_name('dossiers_dossier')} d"
    first = _values(_WHOLE.run([d.code])[0], Dossier)
    for _ in range(4):
        _WHOLE.run([d.code])
    assert not [s for s in _prepared_here() if marker in s]  # five runs: not yet
    with CaptureQueriesContext(connection) as seen:
        sixth = _WHOLE.run([d.code])
    assert len(seen.captured_queries) == 1
    assert [s for s in _prepared_here() if marker in s]  # the sixth prepared it
    assert _values(sixth[0], Dossier) == first
    assert _values(_WHOLE.run([d.code])[0], Dossier) == first  # and runs prepared
    assert _WHOLE.run(["no-such-code"]) == []
    for _ in range(10):
        list(Dossier.objects.filter(code=d.code))
    assert all(marker in s for s in _prepared_here())  # the ORM's queries: never prepared


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_no_statement_is_prepared_when_the_threshold_is_off(world: World) -> None:
    d = world.receive()
    raw = connection.connection
    saved = raw.prepare_threshold
    raw.prepare_threshold = None  # MOTCUA_DB_PREPARE_AFTER=0
    try:
        for _ in range(8):
            assert _WHOLE.run([d.code])[0].pk == d.pk
        assert not _prepared_here()
    finally:
        raw.prepare_threshold = saved
