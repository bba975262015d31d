"""Pure checks: personal ID numbers, enterprise codes, scans by content."""

from __future__ import annotations

import datetime as dt

import pytest

from motcua.workspace.validation import (
    enterprise_code_problem,
    personal_id_problem,
    sniff,
    upload_problem,
)

MB = 1024 * 1024


def test_a_valid_personal_id_passes() -> None:
    assert personal_id_problem("056190000001", dt.date(1990, 1, 1)) is None
    assert personal_id_problem("079203001234", dt.date(2003, 5, 1)) is None  # born in 2003


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("05619000001", "đúng 12 chữ số (đang có 11"),
        ("0561900000012", "đúng 12 chữ số (đang có 13"),
        ("05619000000a", "đúng 12 chữ số"),
        ("999190000001", "ba chữ số đầu (999)"),
        ("003190000001", "ba chữ số đầu (003)"),
    ],
)
def test_a_wrong_personal_id_gets_a_vietnamese_reason(value: str, words: str) -> None:
    problem = personal_id_problem(value)
    assert problem is not None
    assert words in problem


def test_the_year_digits_must_match_the_date_of_birth() -> None:
    problem = personal_id_problem("056190000001", dt.date(1991, 1, 1))
    assert problem is not None
    assert "năm sinh 1990" in problem


def test_enterprise_code_check_digit() -> None:
    assert enterprise_code_problem("0100109106") is None  # a real tax code (Viettel)
    assert enterprise_code_problem("0100109106-001") is None
    assert "chữ số kiểm tra" in (enterprise_code_problem("0100109107") or "")
    assert "10 chữ số" in (enterprise_code_problem("01001091") or "")


def test_files_are_recognised_by_content() -> None:
    assert sniff(b"%PDF-1.7\n") == "application/pdf"
    assert sniff(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert sniff(b"\x89PNG\r\n\x1a\n") == "image/png"
    assert sniff(b"MZ\x90\x00") is None


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused() -> None:
    problem = upload_problem("don.pdf", b"<html>hi</html>", b"</html>", 15, 10 * MB)
    assert problem is not None
    assert "không phải PDF, JPEG hay PNG" in problem


def test_a_truncated_pdf_is_refused() -> None:
    problem = upload_problem("don.pdf", b"%PDF-1.4\n", b"stream...", 100, 10 * MB)
    assert problem is not None
    assert "%%EOF" in problem


def test_an_oversized_file_is_refused() -> None:
    problem = upload_problem("scan.pdf", b"%PDF-1.4", b"%%EOF", 11 * MB, 10 * MB)
    assert problem is not None
    assert "quá lớn" in problem
    assert "10 MB" in problem


def test_an_empty_file_and_a_lying_extension_are_refused() -> None:
    assert "rỗng" in (upload_problem("a.pdf", b"", b"", 0, MB) or "")
    lying = upload_problem("anh.jpg", b"\x89PNG\r\n\x1a\n", b"", 20, MB)
    assert lying is not None
    assert "đuôi .jpg" in lying


def test_good_scans_pass() -> None:
    assert upload_problem("don.pdf", b"%PDF-1.4", b"...%%EOF\n", 100, MB) is None
    assert upload_problem("anh.PNG", b"\x89PNG\r\n\x1a\n", b"", 100, MB) is None
    assert upload_problem("anh.jpeg", b"\xff\xd8\xff\xe0", b"", 100, MB) is None
