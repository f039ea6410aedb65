"""The patient page's own marks (middle dots, dashes, arrows, quotes) are written as character
references, so a page whose data is all ASCII is an ASCII string: one character beyond ASCII
makes the whole page a wider string, dearer to join and to encode for the response."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from exercises.models import PlanWeek
from patients.models import Patient
from tests.perf.conftest import loaded

pytestmark = pytest.mark.django_db


def test_it_draws_an_ascii_page_for_a_patient_whose_data_is_ascii(client):
    with loaded(3) as world:
        patient = world.patient
        # Facts left empty draw a dash; the plan's weeks without pain scores draw one too.
        Patient.objects.filter(pk=patient.pk).update(email="", goal_event="", weekly_km=None)
        # The "Next appointments" rows (the bookings app's) are drawn too.
        assert Appointment.objects.filter(
            patient=patient, start__gt=timezone.now(), status=Appointment.Status.BOOKED
        ).exists()
        client.force_login(world.therapist)
        response = client.get(reverse("patients:detail", args=[patient.public_id]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "&mdash;" in page  # the marks are on the page, as references
    assert "&middot;" in page
    assert "Next appointments" in page
    assert page.isascii(), sorted({character for character in page if not character.isascii()})


def test_the_page_shows_a_plan_weeks_new_totals_on_the_next_view(client):
    """Nothing of the weeks is kept between views: a week's totals changed between two views
    show on the second."""
    with loaded(3) as world:
        client.force_login(world.therapist)
        url = reverse("patients:detail", args=[world.patient.public_id])
        week = PlanWeek.objects.filter(plan=world.plan).order_by("week_start").first()
        first = client.get(url).content.decode()
        PlanWeek.objects.filter(pk=week.pk).update(sessions_logged=97, sessions_prescribed=98)
        second = client.get(url).content.decode()
    assert "97 of 98" not in first
    assert "97 of 98" in second
