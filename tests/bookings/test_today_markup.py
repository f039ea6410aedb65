"""The dashboard's "Today's appointments" card drawn in Python (bookings/today_markup.py)
against the template it stands for: the same markup byte for byte, from the rows the panel
reads, with none, one and many appointments, every status, awkward names, a visit without an
episode and both kinds of assessment button."""

import pytest
import time_machine
from django.template import Context
from django.template.loader import get_template
from django.urls import reverse

from bookings import panels, today_markup
from bookings.models import Appointment
from tests.bookings.factories import AppointmentFactory, at, follow_up, initial_assessment
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db

TOKEN = "tok<en>&"
NAMES = [("O'Brien & <Sons>", "Ng"), ('Zoë "Z"', ""), ("", "Solo"), ("Ann", "<b>Lee</b>")]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(at("2026-03-23", "07:30"), tick=False):
        yield


def template_markup(appointments) -> str:
    """What the template drew from the instances the panel read before (its `rows`)."""
    rows = []
    for item in appointments:
        assessment = ""
        if item.episode is not None:
            kind = "intake" if item.appointment_type.slug == "initial-assessment" else "follow_up"
            assessment = (
                reverse("assessments:create", args=[item.episode.public_id]) + f"?kind={kind}"
            )
        rows.append(
            {
                "appointment": item,
                "patient_url": reverse("patients:detail", args=[item.patient.public_id]),
                "assessment_url": assessment,
            }
        )
    return get_template(today_markup.TEMPLATE).template.render(
        Context({"rows": rows, "csrf_token": TOKEN, "request": None})
    )


def drawn(therapist) -> str:
    (panel,) = panels.dashboard_panels(user=therapist)
    return panel.draw(panel.values(), TOKEN)


def todays(therapist) -> list:
    return list(
        Appointment.objects.filter(therapist=therapist, start__date="2026-03-23")
        .exclude(status="cancelled")
        .select_related("patient", "appointment_type", "episode")
        .order_by("start", "id")
    )


def test_it_draws_no_appointments_as_its_template(therapist):
    AppointmentFactory(therapist=therapist, start=at("2026-03-24", "09:00"))
    page = drawn(therapist)
    assert page == template_markup([])
    assert "No appointments today." in page
    assert hasattr(page, "__html__")


@pytest.mark.parametrize("count", [1, 3, 9])
def test_it_draws_todays_appointments_as_its_template(therapist, count):
    statuses = [choice for choice, _ in Appointment.Status.choices]
    for n in range(count):
        first, last = NAMES[n % len(NAMES)]
        patient = PatientFactory(first_name=first, last_name=last)
        episode = EpisodeFactory(patient=patient) if n % 3 != 1 else None
        AppointmentFactory(
            therapist=therapist,
            patient=patient,
            episode=episode,
            start=at("2026-03-23", f"{8 + n}:{15 * (n % 4):02d}"),
            appointment_type=initial_assessment() if n % 2 else follow_up(),
            status=statuses[n % len(statuses)],
        )
    page = drawn(therapist)
    assert page == template_markup(todays(therapist))
    assert "Today&#x27;s" not in page


def test_it_draws_a_changed_day_afresh_though_the_card_is_kept(therapist):
    # The card is kept per process by the rows' values (today_markup._today_drawn): a new
    # name, a new status or a booking moved to another time is a new key, never the old card.
    patient = PatientFactory(first_name="Ann", last_name="Lee")
    booking = AppointmentFactory(
        therapist=therapist, patient=patient, start=at("2026-03-23", "09:00")
    )
    first = drawn(therapist)
    assert drawn(therapist) == first
    patient.first_name = "Anna"
    patient.save()
    Appointment.objects.filter(pk=booking.pk).update(status="arrived")
    page = drawn(therapist)
    assert page == template_markup(todays(therapist))
    assert "Ann Lee" in first
    assert "Anna Lee" in page
    Appointment.objects.filter(pk=booking.pk).update(
        start=at("2026-03-23", "11:00"), end=at("2026-03-23", "11:45")
    )
    assert drawn(therapist) == template_markup(todays(therapist))
    assert "11:00" in drawn(therapist)


def test_it_draws_the_card_in_ascii_where_the_names_are(therapist):
    # The times' en dash is a character reference: one character past ASCII made the whole
    # dashboard two bytes a character in Python, and its encoding a loop rather than a copy.
    AppointmentFactory(therapist=therapist, start=at("2026-03-23", "09:00"))
    page = drawn(therapist)
    assert page.isascii()
    assert "09:00&ndash;09:30" in page
