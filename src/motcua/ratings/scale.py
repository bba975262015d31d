"""The rating scale. Pure data, no database access.

The law does not fix the buttons of a rating device (rules.md §1.10, "Rating levels seen at
counters"); provinces commonly use four levels. We store the raw level on the configured scale
and derive from it the TT 01/2018/TT-VPCP Đ13 indicator points (2 / 1 / 0) and the like /
dislike of Decision 766 indicator 5.4, as the recommendation there says.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Level:
    value: int
    label: str
    points: int  # TT01 Đ13 score: 2, 1 or 0
    satisfied: bool  # QĐ 766: counts as "like"


#: Default scale, best level first (value 4 = Rất hài lòng … 1 = Không hài lòng).
DEFAULT_SCALE: tuple[Level, ...] = (
    Level(4, "Rất hài lòng", 2, True),
    Level(3, "Hài lòng", 2, True),
    Level(2, "Bình thường", 1, True),
    Level(1, "Không hài lòng", 0, False),
)


def scale() -> tuple[Level, ...]:
    """The configured scale (setting ``MOTCUA_RATING_SCALE``: labels, best first)."""
    labels: list[str] | None = getattr(settings, "MOTCUA_RATING_SCALE", None)
    if not labels:
        return DEFAULT_SCALE
    n = len(labels)
    levels = []
    for i, label in enumerate(labels):
        value = n - i
        # Above the middle: 2 points; the lowest level: 0 and a dislike; the rest: 1.
        points = 0 if value == 1 else (2 if value > (n + 1) / 2 else 1)
        levels.append(Level(value, label, points, value != 1))
    return tuple(levels)


def level(value: int) -> Level:
    for lv in scale():
        if lv.value == value:
            return lv
    raise KeyError(value)
