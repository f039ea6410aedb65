"""The week's booked blocks draw a patient's name from a keep by both names
(bookings/grid_html.py `_name_html`), and the view tells the audit trail of every patient in
one call (clinic/audit.py `note_patient_ids`): a change to the data shows on the very next
view, and each patient is noted once, with their first appointment of the week."""

from __future__ import annotations

import pytest
import time_machine

from bookings.models import Appointment
from clinic.models import AuditEvent
from patients.models import Patient
from tests.bookings.factories import AppointmentFactory, at, give_hours, week_html
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

MONDAY = "2026-10-19"  # the week the clocks go back (Sunday 25 October)
NOW = at("2026-10-20", "08:00")


@pytest.fixture(autouse=True)
def _setup(therapist):
    give_hours(therapist)
    with time_machine.travel(NOW, tick=False):
        yield


def _last_view() -> dict[int, str]:
    event = AuditEvent.objects.filter(action="view").order_by("-id").first()
    return {pk: f"{kind}:{ref}" for pk, kind, ref in event.shown()}


def test_it_shows_a_new_surname_and_an_emptied_first_name_on_the_next_view(
    reception_client, therapist
):
    appointment = AppointmentFactory(
        therapist=therapist,
        patient=PatientFactory(first_name="Ada", last_name="Quill"),
        start=at("2026-10-21", "10:00"),
    )
    assert "Ada Quill" in week_html(reception_client, therapist, MONDAY)

    Patient.objects.filter(pk=appointment.patient_id).update(last_name='Quill & "Sons"')
    second = week_html(reception_client, therapist, MONDAY)
    assert "Ada Quill &amp; &quot;Sons&quot;" in second
    assert "Ada Quill<span" not in second

    Patient.objects.filter(pk=appointment.patient_id).update(first_name="")
    third = week_html(reception_client, therapist, MONDAY)
    # The full name stripped, as `Patient.full_name` gives it: no leading space.
    assert '<span class="visually-hidden">Booked, Wednesday 21 October </span>' in third
    assert " Quill &amp; &quot;Sons&quot;<span" in third
    assert "  Quill" not in third


def test_it_notes_each_patient_once_with_their_first_visit_and_a_new_one_next_view(
    reception_client, therapist
):
    ada = PatientFactory(first_name="Ada", last_name="Quill")
    first = AppointmentFactory(therapist=therapist, patient=ada, start=at("2026-10-20", "09:00"))
    AppointmentFactory(therapist=therapist, patient=ada, start=at("2026-10-22", "09:00"))
    week_html(reception_client, therapist, MONDAY)
    event = AuditEvent.objects.filter(action="view").order_by("-id").first()
    assert (event.patient_id, event.object_id) == (ada.pk, str(first.public_id))

    bea = PatientFactory(first_name="Bea", last_name="Rook")
    later = AppointmentFactory(therapist=therapist, patient=bea, start=at("2026-10-26", "11:00"))
    # Booked on the next week, then moved into this one: noted on the very next view.
    Appointment.objects.filter(pk=later.pk).update(
        start=at("2026-10-23", "11:00"), end=at("2026-10-23", "11:45")
    )
    assert bea.pk not in _last_view()
    week_html(reception_client, therapist, MONDAY)
    assert _last_view() == {
        ada.pk: f"bookings.appointment:{first.public_id}",
        bea.pk: f"bookings.appointment:{later.public_id}",
    }
