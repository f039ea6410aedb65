"""The calendars show at a glance whether each booked patient has said they are coming
(confirmed, no reply to a reminder that asked, not asked), and reception can confirm one by
phone from the day calendar, and take it back."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from bookings.confirmation import (
    CONFIRMED,
    NO_REPLY,
    NOT_ASKED,
    confirmation_mark,
    confirmation_words,
)
from bookings.models import Appointment
from clinic.models import AuditEvent
from notifications.models import ReminderDelivery
from notifications.schedules import reminder_schedule_ensure
from tests.bookings.factories import AppointmentFactory, at, give_hours
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

DAY = "2026-03-24"
NOW = at("2026-03-23", "08:00")


@pytest.fixture(autouse=True)
def _setup(therapist, other_therapist):
    give_hours(therapist)
    give_hours(other_therapist)
    with time_machine.travel(NOW, tick=False):
        yield


def reminded(appointment: Appointment, *, channel: str, status: str = "sent") -> None:
    """The appointment's reminder went out (or not) on `channel`."""
    schedule = reminder_schedule_ensure(
        source="appointment",
        subject_id=appointment.pk,
        patient=appointment.patient,
        once_at=appointment.start - dt.timedelta(hours=24),
    )
    due = appointment.start - dt.timedelta(hours=24)
    ReminderDelivery.objects.create(
        schedule=schedule,
        patient=appointment.patient,
        local_date=due.date(),
        slot=due.time(),
        due_at=due,
        channel=channel,
        status=status,
        sent_at=NOW if status == "sent" else None,
    )


def block_of(html: str, patient) -> str:
    """The calendar block of one patient's appointment."""
    match = re.search(
        r'<div class="grid-appointment[^"]*">(?:(?!<div class="grid-appointment).)*?'
        + re.escape(patient.full_name)
        + r"(?:(?!<div class=\"grid-appointment).)*",
        html,
        re.S,
    )
    assert match, f"no block for {patient.full_name}"
    return match.group()


def appointment_at(therapist, hhmm: str, first_name: str, **fields) -> Appointment:
    return AppointmentFactory(
        therapist=therapist,
        patient=PatientFactory(first_name=first_name, last_name="Runner"),
        start=at(DAY, hhmm),
        **fields,
    )


# --- The mark itself (pure) -------------------------------------------------------------


def test_it_chooses_the_mark_from_the_reply_and_the_reminder():
    when = NOW
    assert confirmation_mark(status="booked", confirmed_at=when, asked=True) is CONFIRMED
    assert confirmation_mark(status="booked", confirmed_at=when, asked=False) is CONFIRMED
    assert confirmation_mark(status="booked", confirmed_at=None, asked=True) is NO_REPLY
    assert confirmation_mark(status="booked", confirmed_at=None, asked=False) is NOT_ASKED
    for status in ("arrived", "completed", "cancelled", "no_show"):
        assert confirmation_mark(status=status, confirmed_at=when, asked=True) is None
    assert confirmation_words(CONFIRMED, "phone") == "Confirmed by phone"
    assert confirmation_words(CONFIRMED, "") == "Confirmed"
    assert confirmation_words(NO_REPLY, "phone") == "No reply"


# --- The calendars ----------------------------------------------------------------------


@pytest.fixture
def four_states(therapist, other_therapist):
    confirmed = appointment_at(therapist, "09:00", "Yasmin", confirmed_at=NOW, confirmed_via="text")
    silent = appointment_at(therapist, "10:00", "Quinn")
    reminded(silent, channel="sms")
    emailed = appointment_at(other_therapist, "09:00", "Emil")
    reminded(emailed, channel="email")  # the email links to the portal; it asks for no reply
    unsent = appointment_at(other_therapist, "10:00", "Una")
    reminded(unsent, channel="sms", status="failed")
    arrived = appointment_at(therapist, "11:00", "Arlo", status="arrived")
    return confirmed, silent, emailed, unsent, arrived


@pytest.mark.parametrize("page", ["bookings:home", "bookings:week"])
def test_it_shows_confirmed_no_reply_and_not_asked_in_words(reception_client, four_states, page):
    confirmed, silent, emailed, unsent, arrived = four_states
    html = reception_client.get(reverse(page), {"date": DAY}).content.decode()

    assert "Confirmed by text" in block_of(html, confirmed.patient)
    assert "No reply" in block_of(html, silent.patient)
    assert "Not asked" in block_of(html, emailed.patient)
    assert "Not asked" in block_of(html, unsent.patient)  # the text failed: never asked
    assert "booking-confirm" not in block_of(html, arrived.patient)
    # A symbol for the eye, words for everyone, and a legend saying what each means.
    assert '<span class="booking-confirm-symbol" aria-hidden="true">?</span>' in html
    assert "Has the patient said they are coming?" in html
    for words in ("Confirmed</strong>", "No reply</strong>", "Not asked</strong>"):
        assert words in html


@pytest.mark.parametrize("count", [1, 12])
def test_it_draws_the_marks_in_a_fixed_number_of_queries(
    reception_client, django_assert_num_queries, therapist, other_therapist, count
):
    for index in range(count):
        appointment = appointment_at(
            therapist if index % 2 else other_therapist,
            f"{9 + index // 2:02d}:{(index % 2) * 30:02d}",
            f"P{index}",
            **({"confirmed_at": NOW, "confirmed_via": "phone"} if index % 3 == 0 else {}),
        )
        if index % 3 == 1:
            reminded(appointment, channel="sms")
    # session, user, the active sites with the therapists (one statement), working hours
    # with schedule exceptions (one statement), appointments with patient/type/room joined and
    # whether a text asked for a reply, the audit insert, the idle-timeout session save (3)
    with django_assert_num_queries(9):
        response = reception_client.get(reverse("bookings:home"), {"date": DAY})
    html = response.content.decode()
    assert html.count("Confirmed by phone</span>") == len(range(0, count, 3))
    assert html.count("No reply</span>") == len(range(1, count, 3))


# --- Confirming by phone ----------------------------------------------------------------


def audit_events(appointment) -> list[dict]:
    return list(
        AuditEvent.objects.filter(
            object_id=str(appointment.public_id), detail__has_key="event"
        ).values_list("detail", flat=True)
    )


def test_it_confirms_by_phone_from_the_day_calendar_once_and_audits_it(
    reception_client, reception, therapist
):
    appointment = appointment_at(therapist, "10:00", "Quinn")
    reminded(appointment, channel="sms")
    day = reverse("bookings:home") + f"?date={DAY}"
    assert "Quinn Runner confirmed by phone" in reception_client.get(day).content.decode()

    response = reception_client.post(
        reverse("bookings:confirm", args=[appointment.public_id]), {"next": day}
    )
    again = reception_client.post(
        reverse("bookings:confirm", args=[appointment.public_id]), {"next": day}
    )

    assert response.status_code == again.status_code == 302
    assert response["Location"] == day
    appointment.refresh_from_db()
    assert appointment.confirmed_at == NOW
    assert appointment.confirmed_via == Appointment.ConfirmedVia.PHONE
    events = audit_events(appointment)
    assert events == [{"event": "appointment_confirmed", "via": "phone"}]
    assert AuditEvent.objects.get(detail__event="appointment_confirmed").actor == reception
    page = reception_client.get(day).content.decode()
    assert "Confirmed by phone" in block_of(page, appointment.patient)
    assert "already confirmed; nothing changed" in page
    assert appointment.history.first().history_change_reason == "Confirmed by phone, with reception"


def test_it_takes_a_confirmation_back_and_the_calendar_says_no_reply_again(
    reception_client, therapist
):
    appointment = appointment_at(
        therapist, "10:00", "Quinn", confirmed_at=NOW - dt.timedelta(hours=1), confirmed_via="text"
    )
    reminded(appointment, channel="sms")
    day = reverse("bookings:home") + f"?date={DAY}"
    assert "Undo: Quinn Runner not confirmed" in reception_client.get(day).content.decode()

    response = reception_client.post(
        reverse("bookings:confirm_undo", args=[appointment.public_id]), {"next": day}
    )
    reception_client.post(reverse("bookings:confirm_undo", args=[appointment.public_id]))

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.confirmed_at, appointment.confirmed_via) == (None, "")
    [event] = audit_events(appointment)
    assert event["event"] == "appointment_confirmation_undone"
    assert event["via"] == "text"  # what was undone stays on the record
    assert "No reply" in block_of(reception_client.get(day).content.decode(), appointment.patient)


@pytest.mark.parametrize("name", ["bookings:confirm", "bookings:confirm_undo"])
def test_it_refuses_to_confirm_a_cancelled_appointment_with_a_message(
    reception_client, therapist, name
):
    appointment = appointment_at(therapist, "10:00", "Quinn", status="cancelled")

    response = reception_client.post(reverse(name, args=[appointment.public_id]))

    assert response.status_code == 400
    assert "Only a booked appointment can be" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.confirmed_at is None
    assert not audit_events(appointment)


def test_it_gives_patients_404_and_get_405(client, patient_user, reception, therapist):
    appointment = appointment_at(therapist, "10:00", "Quinn")
    target = reverse("bookings:confirm", args=[appointment.public_id])
    client.force_login(patient_user)
    assert client.post(target).status_code == 404
    client.force_login(reception)
    assert client.get(target).status_code == 405
    appointment.refresh_from_db()
    assert appointment.confirmed_at is None


# Junk that is not a path ("-4672") would be taken by `redirect` for the name of a view.
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "-4672", "x"])
def test_it_never_redirects_off_site_after_confirming(reception_client, therapist, target):
    appointment = appointment_at(therapist, "10:00", "Quinn")
    response = reception_client.post(
        reverse("bookings:confirm", args=[appointment.public_id]), {"next": target}
    )
    assert response["Location"] == reverse("bookings:detail", args=[appointment.public_id])


def test_it_keeps_the_y_reply_as_a_confirmation_by_text(therapist):
    from bookings.services import appointment_confirm

    appointment = appointment_at(therapist, "10:00", "Quinn")

    assert appointment_confirm(appointment=appointment, now=NOW)

    appointment.refresh_from_db()
    assert appointment.confirmed_via == Appointment.ConfirmedVia.TEXT


def test_the_calendar_asks_after_reminders_only_for_visits_awaiting_a_reply(therapist):
    """The calendar's read looks for a reminder that asked only where the mark depends on it
    (booked and not confirmed); for the others it says False, and their marks are the same."""
    from bookings import selectors

    waiting = appointment_at(therapist, "09:00", "Waiting")
    confirmed = appointment_at(therapist, "10:00", "Sure", confirmed_at=NOW, confirmed_via="phone")
    done = appointment_at(therapist, "11:00", "Done", status=Appointment.Status.COMPLETED)
    for appointment in (waiting, confirmed, done):
        reminded(appointment, channel="sms")
    day = dt.date.fromisoformat(DAY)
    (column,) = selectors.calendar_days(first=day, last=day, therapist=therapist)[0]["columns"]
    asked = {item.patient_first_name: item.asked_to_confirm for item in column["appointments"]}
    assert asked == {"Waiting": True, "Sure": False, "Done": False}
    marks = {
        item.patient_first_name: confirmation_mark(
            status=item.status, confirmed_at=item.confirmed_at, asked=item.asked_to_confirm
        )
        for item in column["appointments"]
    }
    assert marks == {"Waiting": NO_REPLY, "Sure": CONFIRMED, "Done": None}
