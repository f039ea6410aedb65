"""The week's booked blocks draw from texts kept per process (bookings/grid_html.py
`_dressing`, `_name_html`) and find a column's runs by scanning its rows (bookings/grid.py
`_blocks`): a change to the data shows on the very next view, and the runs cover every row."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from bookings.models import Appointment
from patients.models import Patient
from tests.bookings.factories import AppointmentFactory, at, give_hours, week_html
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

MONDAY = "2026-03-23"  # the week the clocks go forward (Sunday 29 March)
NOW = at("2026-03-25", "08:00")


@pytest.fixture(autouse=True)
def _setup(therapist):
    give_hours(therapist)
    with time_machine.travel(NOW, tick=False):
        yield


def test_it_shows_a_renamed_patient_and_a_confirmation_on_the_next_view(
    reception_client, therapist
):
    appointment = AppointmentFactory(
        therapist=therapist,
        patient=PatientFactory(first_name="Ada", last_name="Quill"),
        start=at("2026-03-26", "10:00"),
    )
    first = week_html(reception_client, therapist, MONDAY)
    assert "Ada Quill" in first
    assert "small booking-confirm booking-confirm-confirmed" not in first

    Patient.objects.filter(pk=appointment.patient_id).update(first_name="<b>Bea</b>")
    Appointment.objects.filter(pk=appointment.pk).update(
        confirmed_at=NOW, confirmed_via=Appointment.ConfirmedVia.PHONE
    )
    second = week_html(reception_client, therapist, MONDAY)
    assert "&lt;b&gt;Bea&lt;/b&gt; Quill" in second
    assert "Ada Quill" not in second
    assert "small booking-confirm booking-confirm-confirmed" in second


def test_every_row_of_every_column_is_covered_once(reception_client, therapist):
    """Past, today's and later days, closed hours, a skipped hour and blocks of one and
    several rows: each column's cells and `rowspan`s add up to the table's rows."""
    for day, hhmm, minutes in (
        ("2026-03-23", "09:00", 45),  # a past day
        ("2026-03-25", "16:45", 15),  # today, on the last working row
        ("2026-03-26", "09:00", 15),  # the first working row
        ("2026-03-29", "12:00", 60),  # the day the clocks go forward
    ):
        start = at(day, hhmm)
        AppointmentFactory(
            therapist=therapist, start=start, end=start + dt.timedelta(minutes=minutes)
        )
    page = week_html(reception_client, therapist, MONDAY)
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = body.split("</tr>")[:-1]
    covered = [[False] * 7 for _ in rows]
    for index, row in enumerate(rows):
        column = 0
        for cell in re.findall(r"<td[^>]*>", row):
            while covered[index][column]:
                column += 1
            span = re.search(r'rowspan="(\d+)"', cell)
            for below in range(int(span.group(1)) if span else 1):
                assert not covered[index + below][column]
                covered[index + below][column] = True
            column += 1
    assert all(all(row) for row in covered)
    for drawn in ("Past, nothing booked", "grid-free-link", "Closed"):
        assert drawn in page
