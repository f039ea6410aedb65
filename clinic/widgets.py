"""Native date and time inputs that show the stored value.

A browser's `<input type="date">` reads and sends only ISO dates (2026-03-14), whatever the
site's locale; given the locale's 14/03/2026 it shows an empty box, and saving the form then
loses the date. These widgets always render the format the input type reads. Every form on
the site uses them (tests/clinic/test_date_inputs.py walks every form to hold that).
"""

from __future__ import annotations

from django import forms

#: The value format each native input type reads (HTML Living Standard, "input" element).
NATIVE_FORMATS = {"date": "%Y-%m-%d", "time": "%H:%M", "datetime-local": "%Y-%m-%dT%H:%M"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs=attrs, format=format or NATIVE_FORMATS["date"])


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs=attrs, format=format or NATIVE_FORMATS["time"])


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs=attrs, format=format or NATIVE_FORMATS["datetime-local"])
