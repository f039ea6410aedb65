"""The report's period: this month unless the manager asks for other dates."""

from __future__ import annotations

import datetime as dt

from django import forms

from clinic.forms import PlausibleDateField
from reports.selectors import MAX_PERIOD


def this_month(today: dt.date) -> tuple[dt.date, dt.date]:
    first = today.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


class PeriodForm(forms.Form):
    date_from = PlausibleDateField(label="From", required=False)
    date_to = PlausibleDateField(label="To", required=False)

    def __init__(self, data, *, today: dt.date):
        super().__init__(data)
        self.default_start, self.default_end = this_month(today)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start = data.get("date_from") or self.default_start
        end = data.get("date_to") or self.default_end
        if end < start:
            self.add_error("date_to", "The end date is before the start date.")
        elif end - start >= MAX_PERIOD:
            self.add_error(
                "date_to", "Choose a period of at most two years, so the page stays quick."
            )
        data["date_from"], data["date_to"] = start, end
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        """The dates asked for, or this month when the form is not valid."""
        if self.is_valid():
            return self.cleaned_data["date_from"], self.cleaned_data["date_to"]
        return self.default_start, self.default_end
