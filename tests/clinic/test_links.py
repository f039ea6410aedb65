"""clinic/links.py: links built without a resolver walk give what reverse() gives."""

import uuid

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from clinic import links

pytestmark = pytest.mark.django_db


def test_it_gives_what_reverse_gives():
    public_id = uuid.uuid4()
    assert links.fixed_url("patients:list") == reverse("patients:list")
    assert links.uuid_url("patients:detail", public_id) == reverse(
        "patients:detail", args=[public_id]
    )
    assert links.uuid_url("exercises:alert_acknowledge", str(public_id)) == reverse(
        "exercises:alert_acknowledge", args=[public_id]
    )


def test_it_follows_the_script_prefix():
    public_id = uuid.uuid4()
    set_script_prefix("/clinic/")
    try:
        assert links.fixed_url("patients:list") == "/clinic/patients/"
        assert links.uuid_url("patients:detail", public_id) == f"/clinic/patients/{public_id}/"
    finally:
        set_script_prefix("/")
    assert links.fixed_url("patients:list") == "/patients/"


def test_it_refuses_what_is_not_a_uuid():
    with pytest.raises(ValueError, match="badly formed"):
        links.uuid_url("patients:detail", "../admin")
    with pytest.raises(NoReverseMatch):
        links.uuid_url("patients:list", uuid.uuid4())


def test_uuid_urls_gives_what_uuid_url_gives_with_the_prefix_read_once():
    public_id = uuid.uuid4()
    url = links.uuid_urls()
    assert url("patients:detail", public_id) == links.uuid_url("patients:detail", public_id)
    assert url("exercises:alert_acknowledge", str(public_id)) == reverse(
        "exercises:alert_acknowledge", args=[public_id]
    )
    set_script_prefix("/clinic/")
    try:
        assert links.uuid_urls()("patients:detail", public_id) == f"/clinic/patients/{public_id}/"
        # The prefix is the one read when the function was made (one request's).
        assert url("patients:detail", public_id) == f"/patients/{public_id}/"
    finally:
        set_script_prefix("/")
    with pytest.raises(ValueError, match="badly formed"):
        url("patients:detail", "../admin")
    with pytest.raises(NoReverseMatch):
        url("patients:list", public_id)
