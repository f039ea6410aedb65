"""The accessibility statement: public, in the footer of every page, and it says how to
report a problem."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

FOOTER_LINK = re.compile(
    r'<footer[^>]*>.*?<a href="/accessibility/">Accessibility</a>.*?</footer>', re.S
)


def test_it_opens_the_statement_without_signing_in(client, settings, django_assert_num_queries):
    settings.CLINIC_PHONE = "+44 20 7946 0000"
    settings.CLINIC_EMAIL = "hello@apex-clinic.example"
    settings.CLINIC_ADDRESS = "1 Track Lane, London E1 1AA"
    with django_assert_num_queries(0):  # nothing to read: no session, no user, no rows
        response = client.get(reverse("clinic:accessibility"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "<h1" in text
    assert "Accessibility statement" in text
    assert "WCAG</abbr> 2.2 AA" in text
    assert "axe-core" in text
    assert "keyboard" in text
    assert 'href="tel:+442079460000"' in text
    assert 'href="mailto:hello@apex-clinic.example"' in text
    assert "1 Track Lane, London E1 1AA" in text
    assert '<time datetime="2026-12-04">4 December 2026</time>' in text


def test_it_leaves_out_contact_details_the_clinic_has_not_set(client, settings):
    settings.CLINIC_PHONE = settings.CLINIC_EMAIL = settings.CLINIC_ADDRESS = ""
    text = client.get(reverse("clinic:accessibility")).content.decode()
    assert "tel:" not in text
    assert "mailto:" not in text
    assert "tell your therapist or the reception desk" in text


@pytest.mark.parametrize(
    ("role", "page"),
    [
        (None, "login"),
        (None, "clinic:accessibility"),
        ("therapist", "clinic:dashboard"),
        ("reception", "bookings:home"),
        ("manager", "clinic:audit"),
        ("patient", "portal:home"),
    ],
)
def test_it_links_the_statement_from_the_footer_of_every_kind_of_page(client, role, page, request):
    if role is not None:
        client.force_login(request.getfixturevalue("patient_user" if role == "patient" else role))
        if role == "patient":
            from tests.patients.factories import PatientFactory

            PatientFactory(user=request.getfixturevalue("patient_user"))
    response = client.get(reverse(page))
    assert response.status_code == 200
    assert FOOTER_LINK.search(response.content.decode())


def test_it_links_the_statement_from_the_not_found_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert FOOTER_LINK.search(response.content.decode())
