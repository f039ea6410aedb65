"""Native date and time inputs that show the stored value.

A browser's `<input type="date">` reads and sends only ISO dates (2026-03-14), whatever the
site's locale; given the locale's 14/03/2026 it shows an empty box, and saving the form then
loses the date. These widgets always render the format the input type reads. Every form on
the site uses them (tests/clinic/test_date_inputs.py walks every form to hold that).
"""

from __future__ import annotations

import html

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


def input_html(field, attrs: dict) -> str:
    """What `field.as_widget(attrs=attrs)` draws for a field whose widget is an `<input>`: the
    widget's own attributes and value (`Widget.get_context`), written out as Django's
    input.html and attrs.html write them, without rendering the two templates (a form drawn on
    every view of a busy page, the calendars' date box or the patient search's box)."""
    widget = field.field.widget
    attrs = field.build_widget_attrs(attrs, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    drawn = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    value = "" if drawn["value"] is None else f' value="{html.escape(str(drawn["value"]))}"'
    written = "".join(
        f" {html.escape(key)}"
        if given is True
        else f' {html.escape(key)}="{html.escape(str(given))}"'
        for key, given in drawn["attrs"].items()
        if given is not False
    )
    kind, name = html.escape(drawn["type"]), html.escape(drawn["name"])
    return f'<input type="{kind}" name="{name}"{value}{written}>'
