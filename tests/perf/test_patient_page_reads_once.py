"""The patient page reads the time zone and language (`FilterText`) once a view, and its
panels' links take the script prefix read once (`clinic.links.hold_urls`): each app's drawer
is handed the page's own (`held_text`, `held_urls`) instead of reading them again from
asgiref's thread-locals (some 45k and 15k instructions a read)."""

from __future__ import annotations

import sys
from collections import Counter

import pytest

from clinic import filters, links
from tests.perf.conftest import loaded, url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["therapist", "reception"])
def test_the_page_reads_the_zone_language_and_prefix_once_for_its_panels(monkeypatch, role):
    texts, prefixes, callers = [], Counter(), []
    text_init, prefix = filters.FilterText.__init__, links.get_script_prefix

    def counted_init(self, *args, **kwargs):
        texts.append(self)
        text_init(self, *args, **kwargs)

    def counted_prefix():
        asker = sys._getframe(1).f_code.co_name  # which of clinic.links asked
        prefixes[asker] += 1
        if asker == "uuid_url":  # and who asked it
            callers.append(sys._getframe(2).f_code.co_filename)
        return prefix()

    with loaded(1) as world:
        client = world.client_for(role)
        page = url("patients:detail", world.patient.public_id)
        client.get(page)
        monkeypatch.setattr(filters.FilterText, "__init__", counted_init)
        monkeypatch.setattr(links, "get_script_prefix", counted_prefix)
        response = client.get(page)
    assert response.status_code == 200
    if role == "therapist":  # the clinical panels are drawn: plans, rehab, running, visits
        assert b"rehab-heading" in response.content
        assert b"run-programme-heading" in response.content
        assert b"session-note-item" in response.content
    assert len(texts) == 1
    # One `uuid_urls()` for every panel's links drawn in Python; `uuid_url` only from the
    # templates' own `{% uuid_url %}` (the "New episode" link, the lists panels still draw
    # by template); `fixed_url` is the base layout's and the panels' fixed links (no UUID).
    assert prefixes["uuid_urls"] == 1
    assert all(caller.endswith("clinic/templatetags/clinic_tags.py") for caller in callers)
