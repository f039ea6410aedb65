"""Patients confirming the same slot online at the same moment: exactly one gets it."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.utils import timezone

from bookings.models import Appointment
from bookings.online import services
from tests.bookings.factories import give_hours
from tests.bookings.marks import requires_postgresql
from tests.bookings.online_helpers import existing_patient, online_follow_up

pytestmark = [pytest.mark.django_db(transaction=True), requires_postgresql]

PATIENTS = 8


def test_it_gives_a_slot_confirmed_by_several_patients_at_once_to_exactly_one(therapist, settings):
    settings.CLINIC_HOLIDAYS = ""
    give_hours(therapist)
    london = ZoneInfo("Europe/London")
    day = timezone.now().astimezone(london).date() + dt.timedelta(days=3)
    start = dt.datetime.combine(day, dt.time(10, 0), tzinfo=london).astimezone(dt.UTC)
    seen = timezone.now() - dt.timedelta(days=7)
    patients = [
        existing_patient(
            email=f"p{n}@test.example", therapist=therapist, seen=seen - dt.timedelta(hours=n)
        )
        for n in range(PATIENTS)
    ]
    kind = online_follow_up()
    barrier = threading.Barrier(PATIENTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(patient):
        try:
            barrier.wait(timeout=30)
            try:
                services.online_book(
                    patient=patient,
                    user=patient.user,
                    appointment_type=kind,
                    therapist=therapist,
                    start=start,
                )
                outcome = "booked"
            except services.OnlineBookingError as error:
                outcome = "taken" if str(error) == services.TAKEN else f"refused: {error}"
            except Exception as exc:  # anything else fails the test
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

    assert sorted(outcomes) == ["booked"] + ["taken"] * (PATIENTS - 1)
    assert (
        Appointment.objects.filter(therapist=therapist, start=start, status="booked").count() == 1
    )


def test_it_books_once_when_two_taps_arrive_together(therapist, settings):
    settings.CLINIC_HOLIDAYS = ""
    give_hours(therapist)
    london = ZoneInfo("Europe/London")
    day = timezone.now().astimezone(london).date() + dt.timedelta(days=3)
    start = dt.datetime.combine(day, dt.time(11, 0), tzinfo=london).astimezone(dt.UTC)
    me = existing_patient(
        email="me@test.example", therapist=therapist, seen=timezone.now() - dt.timedelta(days=7)
    )
    kind = online_follow_up()
    barrier = threading.Barrier(2)
    changed: list[object] = []

    def tap():
        try:
            barrier.wait(timeout=30)
            outcome = services.online_book(
                patient=me, user=me.user, appointment_type=kind, therapist=therapist, start=start
            )
            changed.append(outcome.changed)
        except Exception as exc:  # anything else fails the test
            changed.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(changed, key=str) == [False, True]
    assert Appointment.objects.filter(patient=me, status="booked").count() == 1
