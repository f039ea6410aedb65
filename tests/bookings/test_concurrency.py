"""Twenty receptionists click "Book" for the same slot at the same moment."""

import threading

import pytest
from django.db import connection, connections

from bookings import services
from bookings.models import Appointment
from tests.bookings.factories import at, follow_up, give_hours
from tests.bookings.marks import requires_postgresql
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.django_db(transaction=True), requires_postgresql]

ATTEMPTS = 20


def test_it_books_exactly_one_of_twenty_simultaneous_attempts(therapist):
    give_hours(therapist)
    patients = [PatientFactory() for _ in range(ATTEMPTS)]
    appointment_type = follow_up()
    start = at("2026-03-24", "10:00")
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(patient):
        try:
            barrier.wait(timeout=30)
            try:
                services.appointment_book(
                    patient=patient,
                    therapist=therapist,
                    appointment_type=appointment_type,
                    start=start,
                    by=None,
                )
                outcome = "booked"
            except services.BookingConflictError:
                outcome = "conflict"
            except Exception as exc:  # any other exception fails the test
                outcome = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(patient,)) for patient in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["booked"] + ["conflict"] * (ATTEMPTS - 1)
    assert Appointment.objects.filter(therapist=therapist).count() == 1
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM bookings_appointment a JOIN bookings_appointment b
              ON a.id < b.id AND a.therapist_id = b.therapist_id
             AND tstzrange(a.start, a."end", '[)') && tstzrange(b.start, b."end", '[)')
             AND a.status IN ('booked', 'arrived', 'completed')
             AND b.status IN ('booked', 'arrived', 'completed')
            """
        )
        assert cursor.fetchone()[0] == 0
