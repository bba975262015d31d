"""The dossier code (mã hồ sơ): the receiving agency's identifier + the reception date (YYMMDD) +
the day's sequence number.

* ``tt01_2018`` (default) — TT 01/2018/TT-VPCP Điều 19: ``V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX``,
  the agency identifier as stored (level 1 on the right in the TT 10/2016 layout), 4 digits of
  sequence (more when a day passes 9 999).
* ``tt03_2025`` — NĐ 118/2025/NĐ-CP Điều 28 khoản 2 and TT 03/2025/TT-VPCP Điều 13 (with
  TT 04/2025/TT-VPCP): the agency identifier written left to right, level 1 first
  (``MX1X2.Y1Y2Y3.Z1Z2``). An identifier stored in the old layout is turned around group by
  group; nothing is dropped or invented. The regular TT 03 layout is an inference from the
  TT 04/2025 amendment (rules.md §2.3 [I]).

The agency, day and sequence are stored on their own (``Dossier.receiving_agency``,
``DailySequence``): meaning is never parsed out of a code (rules.md §2.3). The allocator runs
inside the receiving transaction: an atomic upsert that increments ``last_value`` and returns
it. The row stays locked until the transaction ends, so concurrent receptions at one agency on
one day are serialised (gapless, unique) and a rolled-back reception gives its number back;
receptions at different agencies or on different days touch different rows and never wait.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.conf import settings
from django.db import connection, transaction

from motcua.agencies.identifiers import Layout, identifier_layout
from motcua.agencies.models import Agency
from motcua.dossiers.models import DailySequence


class CodeLayout(StrEnum):
    TT01_2018 = "tt01_2018"
    TT03_2025 = "tt03_2025"


def configured_layout() -> CodeLayout:
    raw = str(getattr(settings, "MOTCUA_DOSSIER_CODE_LAYOUT", CodeLayout.TT01_2018.value))
    try:
        return CodeLayout(raw.strip().lower())
    except ValueError:
        raise ValueError(
            f"MOTCUA_DOSSIER_CODE_LAYOUT={raw!r} không hợp lệ; chọn tt01_2018 hoặc tt03_2025."
        ) from None


def agency_part(agency_code: str, layout: CodeLayout) -> str:
    """The agency identifier as written in a code of ``layout``."""
    if layout is CodeLayout.TT03_2025 and identifier_layout(agency_code) is Layout.LEVEL1_RIGHT:
        return ".".join(reversed(agency_code.split(".")))
    return agency_code


def format_code(agency_code: str, day: dt.date, sequence: int, layout: CodeLayout) -> str:
    """``{agency}-{YYMMDD}-{NNNN}`` (TT 01/2018/TT-VPCP Điều 19 khoản 1)."""
    return f"{agency_part(agency_code, layout)}-{day:%y%m%d}-{sequence:04d}"


def next_sequence(agency: Agency, day: dt.date) -> int:
    """The next sequence number of ``agency`` on ``day``. Call inside the receiving transaction:
    the row stays locked until it commits (gapless) or rolls back (the number is given back)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_sequence must run inside the receiving transaction")
    table = connection.ops.quote_name(DailySequence._meta.db_table)
    # One statement on both PostgreSQL and SQLite ≥ 3.35: insert the day's first number or
    # increment under the row lock the upsert takes.
    sql = (
        f"INSERT INTO {table} (agency_id, day, last_value) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (agency_id, day) DO UPDATE SET last_value = {table}.last_value + 1 "
        "RETURNING last_value"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [agency.pk, connection.ops.adapt_datefield_value(day)])
        row = cursor.fetchone()
    if row is None:  # pragma: no cover - RETURNING always yields the row
        raise RuntimeError("the sequence upsert returned nothing")
    return int(row[0])


def issue_code(agency: Agency, day: dt.date, layout: CodeLayout | None = None) -> str:
    """Allocate the next number and format the code (inside the receiving transaction)."""
    return format_code(agency.code, day, next_sequence(agency, day), layout or configured_layout())
