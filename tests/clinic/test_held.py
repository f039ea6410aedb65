"""A page's `FilterText` and links made once a view and hung on the object its panels are drawn
for (`clinic.filters.hold_text`/`held_text`, `clinic.links.hold_urls`/`held_urls`): what is
held is what a new one gives, and nothing held means a new one."""

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.urls import set_script_prefix
from django.utils import timezone, translation

from clinic import filters, links

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)  # the clock change, in London


def test_the_held_text_is_the_one_made_and_draws_what_a_new_one_draws():
    owner = SimpleNamespace()
    text = filters.hold_text(owner)
    assert filters.held_text(owner) is text
    assert text.date(MOMENT, "j M Y H:i") == filters.FilterText().date(MOMENT, "j M Y H:i")


def test_without_a_held_text_each_call_makes_one_for_the_current_zone():
    for owner in (None, SimpleNamespace(), object()):
        assert isinstance(filters.held_text(owner), filters.FilterText)
    with timezone.override("Pacific/Auckland"), translation.override("en-gb"):
        assert filters.held_text(None).date(MOMENT, "j M Y H:i") == "29 Mar 2026 13:30"


def test_the_held_text_keeps_the_zone_it_was_made_in():
    owner = SimpleNamespace()
    with timezone.override("Pacific/Auckland"):
        filters.hold_text(owner)
    # One view's: made for the request's zone (nothing on the page activates another).
    assert filters.held_text(owner).date(MOMENT, "H:i") == "13:30"


def test_the_held_urls_are_the_ones_made_and_give_what_uuid_url_gives():
    owner, public_id = SimpleNamespace(), uuid.uuid4()
    url = links.hold_urls(owner)
    assert links.held_urls(owner) is url
    assert url("patients:detail", public_id) == links.uuid_url("patients:detail", public_id)
    assert links.held_urls(None)("patients:detail", str(public_id)) == (f"/patients/{public_id}/")
    set_script_prefix("/clinic/")
    try:
        assert links.held_urls(object())("patients:detail", public_id) == (
            f"/clinic/patients/{public_id}/"
        )
    finally:
        set_script_prefix("/")
    with pytest.raises(ValueError, match="badly formed"):
        url("patients:detail", "../admin")
