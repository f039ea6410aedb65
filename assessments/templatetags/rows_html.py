"""`rows_html`: a list of tuples drawn through one HTML pattern, as one template step.

The assessment page lists some eighty findings and each pattern's reasons; as template loops
they were several steps per line (a fifth of the page's build). The pattern stays in the
template, the values are escaped as `{{ }}` escapes them (Django's `format_html_join`)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.filter(is_safe=True)
def rows_html(rows, pattern: str) -> SafeString:
    """`{{ rows|rows_html:'<li>{} ({})</li>' }}`: the pattern once per row, each `{}` filled
    with the row's next value, escaped."""
    return format_html_join("", pattern, rows)
