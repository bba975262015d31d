"""``motcua calendar``: JSON output, readable Vietnamese tables, clear errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_year_json() -> None:
    payload = json.loads(run("year", "2026", "--json"))
    assert payload["year"] == 2026
    assert len(payload["days"]) == 365
    assert payload["days"][0] == {
        "date": "2026-01-01",
        "working": False,
        "reason": "Tết Dương lịch",
    }
    by_date = {d["date"]: d for d in payload["days"]}
    assert by_date["2026-01-10"] == {
        "date": "2026-01-10",
        "working": True,
        "reason": "Làm bù (nghỉ thứ Sáu 02/01/2026)",
    }
    assert by_date["2026-02-17"]["reason"] == "Tết Nguyên đán"
    assert by_date["2026-03-10"] == {"date": "2026-03-10", "working": True, "reason": ""}
    assert sum(d["working"] for d in payload["days"]) == 261 - 13 + 2


def test_year_table_in_vietnamese() -> None:
    text = run("year", "2026")
    assert "01/01/2026  Thứ Năm   nghỉ      Tết Dương lịch" in text
    assert "Tổng số ngày làm việc: 250/365" in text


def test_due_json() -> None:
    args = ["due", "--from", "2026-02-12T09:30", "--amount", "3", "--unit", "working_days"]
    assert json.loads(run(*args, "--json")) == {"due": "2026-02-24T09:30:00+07:00"}
    half = ["due", "--from", "2026-02-12T09:30", "--amount", "0.5", "--unit", "working_days"]
    assert json.loads(run(*half, "--json")) == {"due": "2026-02-12T15:30:00+07:00"}
    late = ["due", "--from", "2026-02-12T15:30", "--amount", "1", "--unit", "working_days"]
    assert json.loads(run(*late, "--cutoff", "16:00", "--json")) == {
        "due": "2026-02-13T15:30:00+07:00"
    }


def test_due_readable() -> None:
    text = run("due", "--from", "2026-02-12T09:30", "--amount", "3", "--unit", "working_days")
    assert "Hạn xử lý: 09 giờ 30 phút, thứ Ba ngày 24/02/2026" in text


def test_lunar_conversions() -> None:
    assert json.loads(run("lunar", "2026-04-26", "--json"))["lunar"] == {
        "day": 10,
        "month": 3,
        "year": 2026,
        "leap": False,
    }
    assert json.loads(run("solar", "1/1/2030", "--json")) == {"date": "2030-02-02"}
    assert "là ngày 25/07/2025" in run("solar", "1/6/2025", "--leap")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["due", "--from", "2026-02-30T09:30", "--amount", "1", "--unit", "working_days"],
         "Thời điểm không hợp lệ"),
        (["due", "--from", "2026-02-12T09:30", "--amount", "-1", "--unit", "working_days"],
         "Thời hạn không được là số âm (đã nhận: -1)"),
        (["due", "--from", "2026-02-12T09:30", "--amount", "ba", "--unit", "working_days"],
         "Thời hạn phải là một số"),
        (["due", "--from", "2026-02-12T09:30", "--amount", "1", "--unit", "weeks"],
         "Đơn vị thời hạn không hợp lệ"),
        (["due", "--from", "2026-02-12T09:30", "--amount", "1.5", "--unit", "calendar_days"],
         "số nguyên"),
        (["due", "--from", "2026-02-12T09:30", "--amount", "1", "--unit", "working_days",
          "--cutoff", "25:00"], "Giờ không hợp lệ"),
        (["due", "--from", "2026-02-12T09:30", "--amount", "1", "--unit", "working_days",
          "--agency", "H99"], "Không có cơ quan mã “H99”"),
        (["year", "2051"], "ngoài phạm vi"),
        (["year", "hai"], "Năm không hợp lệ"),
        (["solar", "30/2/2025"], "Tháng 2 âm lịch năm 2025 chỉ có 29 ngày."),
        (["solar", "1/2/2025", "--leap"], "không có tháng 2 nhuận"),
        (["lunar", "2025-02-29"], "Ngày dương lịch không hợp lệ"),
    ],
)  # fmt: skip
def test_bad_input_is_a_clear_error(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=re.escape(message)):
        run(*args)


def test_the_console_command_exits_non_zero_with_the_message(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "MOTCUA_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "motcua", "calendar", "solar", "30/2/2025"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode != 0
    assert "Tháng 2 âm lịch năm 2025 chỉ có 29 ngày." in result.stderr
