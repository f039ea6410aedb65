"""The calendars draw appointments from plain values (bookings/calendar_items.py): what each
says of an appointment must be what the model says, or the grid would show a cancelled visit
as booked, offer attendance buttons too early, or name the wrong patient."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from bookings import selectors
from bookings.models import Appointment
from tests.bookings.factories import AppointmentFactory, RoomFactory, at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", [choice for choice, _ in Appointment.Status.choices])
@pytest.mark.parametrize("minutes_before", [45, 15])
def test_each_calendar_item_says_what_its_appointment_says(therapist, status, minutes_before):
    with_room = AppointmentFactory(
        therapist=therapist, status=status, room=RoomFactory(), start=at("2026-03-24", "10:00")
    )
    without = AppointmentFactory(
        therapist=therapist, status=status, start=at("2026-03-24", "12:00")
    )
    days = selectors.calendar_days(
        first=dt.date(2026, 3, 24), last=dt.date(2026, 3, 24), therapist=therapist
    )
    items = days[0]["columns"][0]["appointments"]
    with time_machine.travel(with_room.start - dt.timedelta(minutes=minutes_before), tick=False):
        for index, (item, appointment) in enumerate(zip(items, [with_room, without], strict=True)):
            assert item.pk == appointment.pk
            assert item == appointment
            assert appointment == item
            assert item != items[-1 - index]
            assert item.public_id == str(appointment.public_id)  # the text links carry
            assert (item.start, item.end) == (appointment.start, appointment.end)
            assert item.is_active == appointment.is_active
            assert item.attendance_open == appointment.attendance_open
            assert item.get_status_display() == appointment.get_status_display()
            assert item.patient.pk == item.patient_id == appointment.patient.pk
            assert item.patient.public_id == str(appointment.patient.public_id)
            assert item.patient.full_name == item.patient_name == appointment.patient.full_name
            assert item.appointment_type.name == appointment.appointment_type.name
            assert item.room_id == appointment.room_id
            assert (item.room and item.room.name) == (appointment.room and appointment.room.name)
            assert item.therapist == therapist
            assert item._meta.label_lower == "bookings.appointment"  # the audit note's label
