"""Text helpers: Unicode normalisation and diacritic-insensitive search keys.

UX rule: everything is stored in NFC; search ignores diacritics and case, and "đ" matches "d".
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Normalise to NFC and collapse runs of white space (input is normalised on the way in)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """A search key: lower case, no diacritics, "đ" → "d", single spaces.

    >>> fold("Đăng ký  TẠM TRÚ")
    'dang ky tam tru'
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return _SPACES.sub(" ", stripped.lower()).strip()
