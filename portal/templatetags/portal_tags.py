"""`{% patient_nav %}`: the patient's menu links (includes/nav_patient.html), drawn once per
process: they are fixed links, the same for every patient on every page, and drawing them was
seven `{% url %}` lookups on every page a patient opens. (The rest of the bar, with the
patient's email address and the log-out form's CSRF token, is drawn per request.)"""

from __future__ import annotations

import functools

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import get_script_prefix

register = template.Library()


@register.simple_tag
def patient_nav() -> str:
    return _patient_nav(get_script_prefix())


# `prefix` is part of the key only: the links are reversed under the current script prefix.
@functools.lru_cache(maxsize=8)
def _patient_nav(prefix: str) -> str:
    return render_to_string("includes/nav_patient.html")


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _patient_nav.cache_clear()
