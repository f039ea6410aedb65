"""Pages are built from the database on every view: a change shows on the next view, every
view is audited, each viewer's forms carry their own CSRF token, and a cache that is down is
never in the way. (tests/clinic/test_freshness.py checks every model and write path.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from clinic.models import AuditEvent
from patients.services import episode_open
from tests.bookings.factories import AppointmentFactory, at, follow_up, give_hours
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(db):
    patient = PatientFactory(first_name="Robin", last_name="Trail")
    episode_open(patient=patient, side="left", started_on=dt.date(2026, 2, 1))
    return patient


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_a_change_on_the_next_view(therapist_client, patient):
    url = reverse("patients:detail", args=[patient.public_id])
    assert "Episode 2" not in _page(therapist_client, url)
    episode_open(patient=patient, side="right", started_on=dt.date(2026, 3, 1))
    assert "Episode 2" in _page(therapist_client, url)


def test_it_shows_a_rename_on_every_page_that_names_the_patient(
    reception_client, therapist, patient
):
    give_hours(therapist)
    day = _tomorrow()
    AppointmentFactory(
        patient=patient, therapist=therapist, appointment_type=follow_up(), start=at(day, "10:00")
    )
    # The week that holds the appointment: on a Sunday, tomorrow is in next week.
    week = reverse("bookings:week") + f"?date={day}"
    listing = reverse("patients:list") + "?q=trail"
    assert "Robin Trail" in _page(reception_client, week)
    assert "Trail, Robin" in _page(reception_client, listing)
    patient.last_name = "Ridge"
    patient.save()
    assert "Robin Ridge" in _page(reception_client, week)
    assert "Trail" not in _page(reception_client, listing)


def _tomorrow() -> dt.date:
    """The clinic's tomorrow (the machine's date can differ from London's)."""
    return timezone.localdate() + dt.timedelta(days=1)


def test_it_audits_every_patient_on_the_calendar_on_every_view(reception_client, therapist):
    give_hours(therapist)
    patients = [PatientFactory() for _ in range(3)]
    for hour, patient in zip(("09:00", "10:00", "11:00"), patients, strict=True):
        AppointmentFactory(
            patient=patient,
            therapist=therapist,
            appointment_type=follow_up(),
            start=at(_tomorrow(), hour),
        )
    url = reverse("bookings:week") + f"?date={_tomorrow()}"
    for _ in range(2):
        before = AuditEvent.objects.count()
        _page(reception_client, url)
        # One event for the view, naming each patient it showed.
        assert AuditEvent.objects.count() - before == 1
        event = AuditEvent.objects.filter(action="view").latest("id")
        assert {patient_id for patient_id, _, _ in event.shown()} == {p.pk for p in patients}


def test_it_gives_each_viewer_their_own_csrf_token(therapist, other_therapist, patient):
    url = reverse("patients:detail", args=[patient.public_id])
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(therapist)
    second.force_login(other_therapist)
    _page(first, url)
    page = _page(second, url)
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = second.post(
        reverse("patients:archive", args=[patient.public_id]), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302  # accepted: the token belongs to this session
    patient.refresh_from_db()
    assert patient.archived_at is not None


def test_it_shows_pages_when_the_cache_is_down(therapist_client, patient, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "clinic.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # discard port: nothing listens
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    url = reverse("patients:detail", args=[patient.public_id])
    assert "Episode 1" in _page(therapist_client, url)
    episode_open(patient=patient, side="right", started_on=dt.date(2026, 3, 1))
    assert "Episode 2" in _page(therapist_client, url)


def test_it_keeps_a_cancelled_appointment_off_the_week(reception_client, therapist):
    give_hours(therapist)
    day = _tomorrow()
    appointment = AppointmentFactory(
        therapist=therapist, appointment_type=follow_up(), start=at(day, "09:00")
    )
    url = reverse("bookings:week") + f"?date={day}&therapist={therapist.public_id}"
    assert "1 booked" in _page(reception_client, url)
    appointment.status = Appointment.Status.CANCELLED
    appointment.save()
    assert "0 booked" in _page(reception_client, url)
