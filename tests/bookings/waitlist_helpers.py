"""Shared set-up for the waitlist tests: a Tuesday clinic with hours, frozen on Monday."""

from __future__ import annotations

import datetime as dt

from bookings import services
from bookings.waitlist import offers
from tests.bookings.factories import at, follow_up
from tests.patients.factories import PatientFactory

NOW = at("2026-03-23", "09:00")  # Monday morning
TUESDAY = dt.date(2026, 3, 24)


def waiting_patient(**fields):
    return PatientFactory(email_reminders_consent=True, **fields)


def join(patient, *, by=None, urgency="routine", appointment_type=None, **fields):
    fields.setdefault("available_from", NOW.date())
    return offers.waitlist_entry_add(
        patient=patient,
        appointment_type=appointment_type or follow_up(),
        by=by,
        urgency=urgency,
        **fields,
    )


def book(therapist, start, patient=None, **extra):
    return services.appointment_book(
        **extra,
        patient=patient or PatientFactory(),
        therapist=therapist,
        appointment_type=follow_up(),
        start=start,
        by=None,
        notify=False,
    )
