"""Display helpers: masking personal identifiers wherever shown publicly (rules.md §7)."""

from __future__ import annotations


def mask_id(value: str, keep: int = 3) -> str:
    """``056190001234`` → ``•••••••••234``: only the last digits stay visible."""
    value = (value or "").strip()
    if not value:
        return ""
    keep = min(keep, max(len(value) - 4, 0))
    return "•" * (len(value) - keep) + value[len(value) - keep :]


def mask_name(value: str) -> str:
    """``Nguyễn Văn An`` → ``N. V. An``: the given name only, initials for the rest."""
    parts = (value or "").split()
    if not parts:
        return ""
    return " ".join([*(p[0] + "." for p in parts[:-1]), parts[-1]])


def last_digits(value: str, n: int = 4) -> str:
    digits = "".join(c for c in (value or "") if c.isdigit())
    return digits[-n:] if len(digits) >= n else ""
