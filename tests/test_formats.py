"""Vietnamese date and number formats (UX.md)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import formats, translation


class _DateForm(forms.Form):
    day = forms.DateField()


def test_dates_typed_the_vietnamese_way_are_accepted() -> None:
    with translation.override("vi"):
        form = _DateForm(data={"day": "15/06/2026"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["day"] == dt.date(2026, 6, 15)
        assert not _DateForm(data={"day": "31/02/2026"}).is_valid()


def test_dates_and_money_are_shown_the_vietnamese_way() -> None:
    with translation.override("vi"):
        assert formats.date_format(dt.date(2026, 11, 27), "SHORT_DATE_FORMAT") == "27/11/2026"
        assert formats.number_format(200000, force_grouping=True) == "200.000"
