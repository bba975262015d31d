"""``motcua catalogue import|show|list``."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from motcua.catalogue.importer import ImportReport, default_catalogue_file
from motcua.catalogue.models import Procedure


def run(*args: str) -> str:
    out = StringIO()
    call_command("catalogue", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_import_prints_a_summary_and_is_idempotent() -> None:
    first = run("import", str(default_catalogue_file()), "--publish-from", "2026-01-01")
    assert "30 tạo mới" in first
    assert "thời hạn có cấu trúc: 11, thời hạn cần rà soát: 19" in first
    second = run("import", str(default_catalogue_file()))
    assert "30 không đổi" in second
    assert "0 phiên bản mới" in second


@pytest.mark.django_db
def test_import_rejects_a_malformed_file(write_json: Any) -> None:
    path = write_json([{"code": "1.004222", "name": "x"}])
    with pytest.raises(CommandError, match=r'Bản ghi 0 \(1\.004222\): thiếu trường "field"'):
        run("import", str(path))
    assert not Procedure.objects.exists()
    with pytest.raises(CommandError, match="Ngày “01/01/2026” không hợp lệ"):
        run("import", str(path), "--publish-from", "01/01/2026")


def test_show_json(imported: ImportReport) -> None:
    data = json.loads(run("show", "1.004222", "--json"))
    assert data["code"] == "1.004222"
    assert data["name"] == "Đăng ký thường trú"
    assert data["version"] == 1
    assert data["needs_review"] is False
    assert data["review_reasons"] == []
    assert data["time_limits"] == [
        {
            "value": 7,
            "value_max": None,
            "unit": "working_days",
            "cutoff": "15:00",
            "condition": None,
            "is_default": True,
            "note": None,
            "channels": ["direct", "online"],
        }
    ]
    assert {(f["channel"], f["amount"]) for f in data["fees"]} == {
        ("direct", 20000),
        ("online", 10000),
    }
    assert [c["national_code"] for c in data["channels"]] == [1, 2]
    assert len(data["documents"]) == 5
    assert data["documents"][0]["originals"] == 1
    assert [s["role"] for s in data["steps"]][:3] == [
        "reception_officer",
        "department_head",
        "specialist",
    ]
    assert data["steps"][0]["agency_kind"] == "commune_service_center"


def test_show_json_of_a_flagged_procedure(imported: ImportReport) -> None:
    data = json.loads(run("show", "1.012783", "--json"))
    assert data["needs_review"] is True
    assert data["time_limits"][0]["value"] == 5
    assert data["time_limits"][0]["value_max"] == 10
    assert data["time_limit_text"].startswith("05 - 10 ngày làm việc")
    fields = {item["field"] for item in data["review_reasons"]}
    assert fields == {"time_limit", "fee"}
    half = json.loads(run("show", "1.011441", "--json"))
    assert half["time_limits"][0]["unit"] == "same_day"


def test_show_at_a_date_and_errors(imported: ImportReport) -> None:
    assert json.loads(run("show", "1.004222", "--json", "--at", "2026-02-01"))["version"] == 1
    with pytest.raises(CommandError, match="không có phiên bản hiệu lực ngày 01/01/2020"):
        run("show", "1.004222", "--at", "2020-01-01")
    with pytest.raises(CommandError, match=r"Không có thủ tục mã 9\.999999"):
        run("show", "9.999999")
    assert "Đăng ký thường trú" in run("show", "1.004222")


def test_list(imported: ImportReport) -> None:
    rows = json.loads(run("list", "--json"))
    assert len(rows) == 30
    flagged = json.loads(run("list", "--needs-review", "--json"))
    assert len(flagged) == 25
    assert all(row["needs_review"] for row in flagged)
    assert "CẦN RÀ SOÁT" in run("list")
