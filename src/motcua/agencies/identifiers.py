"""Agency electronic identifier codes (mã định danh điện tử). Pure functions.

QĐ 20/2020/QĐ-TTg Điều 4 (rules.md §2.4): at most 35 characters, groups separated by dots,
digits and capital letters only; the level-1 group is ``MX1X2`` (a letter A–Y and two digits).
Two layouts are in use and both are accepted:

* the TT 10/2016/TT-BTTTT layout, level 1 on the **right**: ``000.00.16.H41``
  (``V1V2V3.Z1Z2.Y1Y2.MX1X2``), as used in TT 01/2018 Điều 19 dossier codes;
* the newer layout, level 1 on the **left**: ``H01.151.01`` (TT 04/2025/TT-VPCP).

Meaning is never parsed out of a code for business decisions: the agency row carries its
province, parent and validity explicitly (rules.md §2.3 "store the agency ID separately").
"""

from __future__ import annotations

import re
from enum import StrEnum

from motcua.common.errors import ValidationFailed

MAX_LENGTH = 35
_LEVEL1 = r"[A-Y]\d{2}"
_RIGHT_TO_LEFT = re.compile(rf"^(?:[0-9A-Z]+\.)*{_LEVEL1}$")
_LEFT_TO_RIGHT = re.compile(rf"^{_LEVEL1}(?:\.[0-9A-Z]+)*$")


class Layout(StrEnum):
    LEVEL1_RIGHT = "level1_right"  # 000.00.16.H41 (TT 10/2016, TT 01/2018)
    LEVEL1_LEFT = "level1_left"  # H01.151.01 (TT 04/2025)


def identifier_layout(code: str) -> Layout:
    """Return the layout of a valid identifier code, or raise :class:`ValidationFailed`."""
    if not code or len(code) > MAX_LENGTH:
        raise ValidationFailed(
            f"Mã định danh “{code}” phải có từ 1 đến {MAX_LENGTH} ký tự.", code="agency_code"
        )
    if _LEFT_TO_RIGHT.match(code):
        return Layout.LEVEL1_LEFT
    if _RIGHT_TO_LEFT.match(code):
        return Layout.LEVEL1_RIGHT
    raise ValidationFailed(
        f"Mã định danh “{code}” không đúng cấu trúc: các nhóm chữ số và chữ in hoa "
        "ngăn cách bằng dấu chấm, có nhóm cấp 1 dạng một chữ cái và hai chữ số "
        "(ví dụ 000.00.16.H41 hoặc H56.12.01).",
        code="agency_code",
    )


def level1_code(code: str) -> str:
    """The level-1 group (``MX1X2``) of an identifier, whichever layout it uses."""
    layout = identifier_layout(code)
    groups = code.split(".")
    return groups[0] if layout is Layout.LEVEL1_LEFT else groups[-1]
