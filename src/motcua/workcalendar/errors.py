"""Errors of the working-day calendar. Each carries a Vietnamese message for the person who
typed the bad value (an administrator, an officer, a command-line user)."""

from __future__ import annotations

from motcua.common.errors import ValidationFailed


class InvalidDate(ValidationFailed):
    """A date that does not exist: 30/2 solar, 30th of a 29-day lunar month, a leap month the
    lunar year does not have, a naive datetime where a time zone is required…"""

    code = "invalid_date"


class InvalidAmount(ValidationFailed):
    """A time-limit amount the calendar cannot count: negative, not a number, a fraction of a
    calendar day or month."""

    code = "invalid_amount"


class OutOfRange(ValidationFailed):
    """A moment outside the years the calendar was built for."""

    code = "out_of_range"
