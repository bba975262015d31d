"""Pure input checks of the workspace (no database): personal ID numbers, enterprise codes and
uploaded files checked by their content. Each returns a Vietnamese message or ``None``."""

from __future__ import annotations

import datetime as dt
import re

#: Province codes of the 12-digit personal ID number (số định danh cá nhân), the first three
#: digits: the 63 provinces before 1 July 2025 (NĐ 137/2015/NĐ-CP, TT 59/2021/TT-BCA Điều 7).
ID_PROVINCE_CODES = frozenset(
    f"{n:03d}"
    for n in (
        1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34,
        35, 36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67,
        68, 70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
    )
)  # fmt: skip

_DIGITS12 = re.compile(r"^\d{12}$")
_ENTERPRISE = re.compile(r"^\d{10}(-\d{3})?$")


def personal_id_problem(value: str, date_of_birth: dt.date | None = None) -> str | None:
    """Check a 12-digit personal ID (TT 59/2021/TT-BCA Điều 7): 3 digits of the province of
    birth registration, 1 digit of gender and century, 2 digits of the year of birth, 6 random
    digits. The number has no check digit; what can be checked is checked: length, the province
    code, and — when the date of birth is known — the century digit and the year."""
    text = value.strip()
    if not _DIGITS12.match(text):
        count = sum(c.isdigit() for c in text)
        return (
            f"Số định danh cá nhân “{text}” không hợp lệ: phải gồm đúng 12 chữ số "
            f"(đang có {count} chữ số)."
        )
    if text[:3] not in ID_PROVINCE_CODES:
        return (
            f"Số định danh cá nhân “{text}” không hợp lệ: ba chữ số đầu ({text[:3]}) không phải "
            "mã tỉnh, thành phố nơi đăng ký khai sinh."
        )
    if date_of_birth is not None:
        century_digit = int(text[3])
        century = 1900 + 100 * (century_digit // 2)
        year = century + int(text[4:6])
        if year != date_of_birth.year:
            return (
                f"Số định danh cá nhân “{text}” không khớp với năm sinh {date_of_birth.year}: "
                f"chữ số thứ 4 đến 6 cho năm sinh {year}."
            )
    return None


def enterprise_code_problem(value: str) -> str | None:
    """Mã số doanh nghiệp: 10 digits, or 13 as 0123456789-001 for a dependent unit; the tenth
    digit is the check digit of the tax code (TT 105/2020/TT-BTC Điều 5)."""
    text = value.strip()
    if not _ENTERPRISE.match(text):
        return (
            f"Mã số doanh nghiệp “{text}” không hợp lệ: gồm 10 chữ số, hoặc 13 chữ số dạng "
            "0123456789-001."
        )
    digits = [int(c) for c in text[:10]]
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    check = 10 - sum(d * w for d, w in zip(digits[:9], weights, strict=True)) % 11
    if check != digits[9]:
        return f"Mã số doanh nghiệp “{text}” không hợp lệ: sai chữ số kiểm tra."
    return None


#: Accepted scans: (content type, magic bytes at the start of the file, label).
FILE_KINDS = (
    ("application/pdf", b"%PDF-", "PDF"),
    ("image/jpeg", b"\xff\xd8\xff", "JPEG"),
    ("image/png", b"\x89PNG\r\n\x1a\n", "PNG"),
)


def sniff(head: bytes) -> str | None:
    """The content type of a file from its first bytes (PDF, JPEG, PNG), else ``None``."""
    for content_type, magic, _ in FILE_KINDS:
        if head.startswith(magic):
            return content_type
    return None


def upload_problem(name: str, head: bytes, tail: bytes, size: int, limit: int) -> str | None:
    """Check a scan by its content, not its name: PDF (starts ``%PDF-`` and has an ``%%EOF``
    near its end), JPEG or PNG; at most ``limit`` bytes; not empty."""
    if size == 0:
        return f"Tệp “{name}” rỗng."
    if size > limit:
        return (
            f"Tệp “{name}” quá lớn ({size / 1_048_576:.1f} MB); dung lượng tối đa là "
            f"{limit / 1_048_576:.0f} MB."
        )
    kind = sniff(head)
    if kind is None:
        return (
            f"Tệp “{name}” không phải PDF, JPEG hay PNG (kiểm tra theo nội dung tệp, không theo "
            "tên tệp)."
        )
    if kind == "application/pdf" and b"%%EOF" not in tail:
        return f"Tệp “{name}” không phải tệp PDF hoàn chỉnh (thiếu phần kết thúc %%EOF)."
    claimed = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    expected = {"application/pdf": {"pdf"}, "image/jpeg": {"jpg", "jpeg"}, "image/png": {"png"}}
    if claimed and claimed not in expected[kind]:
        return f"Tệp “{name}” có đuôi .{claimed} nhưng nội dung là {kind.split('/')[1].upper()}."
    return None
