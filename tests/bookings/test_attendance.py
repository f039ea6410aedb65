"""Recording attendance: never before the visit can have happened, and undoable that day."""

import pytest
import time_machine
from django.urls import reverse

from bookings import services
from bookings.models import Appointment
from tests.bookings.factories import AppointmentFactory, at, follow_up, give_hours
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

TODAY = "2026-03-24"
TOMORROW = "2026-03-25"


@pytest.fixture(autouse=True)
def _hours(therapist):
    give_hours(therapist)


def book(patient, therapist, start):
    return services.appointment_book(
        patient=patient, therapist=therapist, appointment_type=follow_up(), start=start, by=None
    )


def status_page_post(client, appointment, name="bookings:status", **data):
    return client.post(reverse(name, args=[appointment.public_id]), data)


def test_it_refuses_did_not_attend_for_tomorrows_appointment_next_to_the_buttons(
    reception_client, therapist, patient, other_patient
):
    appointment = book(patient, therapist, at(TOMORROW, "10:00"))
    with time_machine.travel(at(TODAY, "16:00"), tick=False):
        response = status_page_post(
            reception_client, appointment, status="no_show", next=reverse("bookings:home")
        )
    assert response.status_code == 400
    page = response.content.decode()
    section = page[page.index('id="status-heading"') : page.index('id="history-heading"')]
    assert "has not started yet" in section
    assert "cannot be marked did not attend" in section
    assert "Completed and did not attend can be recorded once it starts at 10:00" in section
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    # The slot is still taken: nobody else can be booked into it.
    with pytest.raises(services.BookingConflictError):
        book(other_patient, therapist, at(TOMORROW, "10:00"))


@pytest.mark.parametrize(
    ("status", "too_early", "allowed"),
    [
        ("no_show", "09:59", "10:00"),
        ("completed", "09:59", "10:00"),
        ("arrived", "09:29", "09:30"),  # a patient waiting in reception half an hour early
    ],
)
def test_it_records_attendance_only_once_the_visit_can_have_happened(
    therapist, patient, status, too_early, allowed
):
    appointment = book(patient, therapist, at(TODAY, "10:00"))
    refused = pytest.raises(services.BookingNotAllowedError, match="has not started yet")
    with time_machine.travel(at(TODAY, too_early), tick=False), refused:
        services.appointment_set_status(appointment=appointment, status=status, by=None)
    with time_machine.travel(at(TODAY, allowed), tick=False):
        services.appointment_set_status(appointment=appointment, status=status, by=None)
    appointment.refresh_from_db()
    assert appointment.status == status


def test_it_undoes_a_status_change_the_same_day_and_records_both(
    reception_client, reception, therapist, patient
):
    appointment = book(patient, therapist, at(TODAY, "10:00"))
    detail = reverse("bookings:detail", args=[appointment.public_id])
    with time_machine.travel(at(TODAY, "10:20"), tick=False):
        status_page_post(reception_client, appointment, status="no_show")
        page = reception_client.get(detail).content.decode()
        assert reverse("bookings:status_undo", args=[appointment.public_id]) in page
    with time_machine.travel(at(TODAY, "17:45"), tick=False):
        reception_client.force_login(reception)  # signed out after 30 idle minutes
        response = status_page_post(reception_client, appointment, name="bookings:status_undo")
        assert response["Location"] == detail
        page = reception_client.get(detail).content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    changes = list(
        appointment.status_changes.order_by("id").values_list(
            "from_status", "to_status", "changed_by__email", "undoes__to_status"
        )
    )
    assert changes == [
        ("", "booked", None, None),
        ("booked", "no_show", reception.email, None),
        ("no_show", "booked", reception.email, "no_show"),
    ]
    assert "Booked → Did not attend by Rita" in page
    assert "Did not attend → Booked by Rita" in page


def test_it_refuses_to_undo_a_change_made_on_an_earlier_day(reception_client, therapist, patient):
    appointment = book(patient, therapist, at(TODAY, "10:00"))
    with time_machine.travel(at(TODAY, "10:40"), tick=False):
        services.appointment_set_status(appointment=appointment, status="completed", by=None)
    with time_machine.travel(at(TOMORROW, "08:00"), tick=False):
        page = reception_client.get(reverse("bookings:detail", args=[appointment.public_id]))
        assert reverse("bookings:status_undo", args=[appointment.public_id]) not in (
            page.content.decode()
        )
        response = status_page_post(reception_client, appointment, name="bookings:status_undo")
    assert response.status_code == 400
    assert "on the day they were made" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED


def test_it_refuses_to_undo_a_no_show_once_the_slot_is_given_to_someone_else(
    reception_client, therapist, patient
):
    appointment = book(patient, therapist, at(TODAY, "10:00"))
    with time_machine.travel(at(TODAY, "10:10"), tick=False):
        services.appointment_set_status(appointment=appointment, status="no_show", by=None)
        walk_in = AppointmentFactory(
            patient=PatientFactory(), therapist=therapist, start=at(TODAY, "10:15")
        )
        response = status_page_post(reception_client, appointment, name="bookings:status_undo")
    assert response.status_code == 400
    assert "The slot has been taken since" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.NO_SHOW
    assert walk_in.status == Appointment.Status.BOOKED


def test_it_undoes_a_cancellation_and_tells_the_patient_it_stands(
    therapist, patient, mailoutbox, django_capture_on_commit_callbacks
):
    appointment = book(patient, therapist, at(TOMORROW, "10:00"))
    with time_machine.travel(at(TODAY, "09:00"), tick=False):
        services.appointment_cancel(appointment=appointment, by=None, reason="Rang in ill")
        with django_capture_on_commit_callbacks(execute=True):
            services.appointment_status_undo(appointment=appointment, by=None)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert (appointment.cancellation_reason, appointment.late_cancellation) == ("", False)
    assert mailoutbox[-1].subject.startswith("Your appointment is booked")


def test_it_does_not_undo_the_booking_itself(therapist, patient):
    appointment = book(patient, therapist, at(TOMORROW, "10:00"))
    with pytest.raises(services.BookingNotAllowedError):
        services.appointment_status_undo(appointment=appointment, by=None)


def test_it_offers_attendance_buttons_on_the_day_view_only_once_the_visit_can_happen(
    reception_client, therapist, patient
):
    book(patient, therapist, at(TOMORROW, "10:00"))
    day_view = reverse("bookings:home") + f"?date={TOMORROW}"
    mark = 'name="status" value="arrived"'
    with time_machine.travel(at(TOMORROW, "09:20"), tick=False):
        assert mark not in reception_client.get(day_view).content.decode()
    with time_machine.travel(at(TOMORROW, "09:35"), tick=False):
        assert mark in reception_client.get(day_view).content.decode()
