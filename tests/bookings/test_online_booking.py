"""Patients book and move their own follow-ups online, within the clinic's rules."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from bookings.models import Appointment, OnlineBookingSettings, WaitlistOffer
from bookings.online import selectors, services
from bookings.waitlist.offers import waitlist_entry_add
from clinic.models import AuditEvent
from tests.bookings.factories import AppointmentFactory, at, give_hours, initial_assessment
from tests.bookings.online_helpers import existing_patient, online_follow_up
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db

NOW = at("2026-03-23", "12:00")  # Monday; the clocks go forward on Sunday 29 March


@pytest.fixture(autouse=True)
def _frozen(settings):
    settings.CLINIC_HOLIDAYS = ""
    settings.CLINIC_PHONE = "020 7946 0000"
    settings.BOOKING_CANCEL_NOTICE_HOURS = 24
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def me(therapist):
    give_hours(therapist)
    return existing_patient(
        email="pat@test.example", therapist=therapist, seen=at("2026-03-16", "10:00")
    )


def book(me, therapist, start, kind=None):
    return services.online_book(
        patient=me,
        user=me.user,
        appointment_type=kind or online_follow_up(),
        therapist=therapist,
        start=start,
    )


def test_it_books_a_free_slot_as_a_real_appointment_and_emails_it(
    me, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = book(me, therapist, at("2026-03-25", "10:00"))
    appointment = outcome.appointment
    assert outcome.changed
    assert (appointment.status, appointment.start, appointment.end) == (
        "booked",
        at("2026-03-25", "10:00"),
        at("2026-03-25", "10:30"),
    )
    assert appointment.episode == me.episodes.get()
    assert appointment.created_by == me.user
    assert appointment.status_changes.get().changed_by == me.user
    [email] = mailoutbox
    assert email.to == ["pat@test.example"]
    assert any(name.endswith(".ics") for name, *_ in email.attachments)


def test_it_audits_the_booking_as_the_patient(me, therapist, client):
    client.force_login(me.user)
    slot = at("2026-03-25", "10:00")
    response = client.post(
        "/portal/book/confirm/",
        {
            "appointment_type": online_follow_up().public_id,
            "therapist": therapist.public_id,
            "start": "2026-03-25T10:00Z",
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get(patient=me, start=slot)
    event = AuditEvent.objects.get(object_id=str(appointment.public_id), action="create")
    assert (event.actor_id, event.patient_id) == (me.user.pk, me.pk)


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (at("2026-03-23", "11:00"), "already passed"),
        (at("2026-03-24", "11:45"), "24 hours' notice"),
        (at("2026-05-26", "10:00"), "60 days ahead"),
        (at("2026-03-25", "07:00"), "just been taken"),  # before the therapist starts
        (at("2026-03-25", "16:45"), "just been taken"),  # would run past 17:00
        (at("2026-03-25", "10:05"), "just been taken"),  # off the 15-minute grid
    ],
)
def test_it_refuses_a_slot_outside_the_rules_and_stores_nothing(me, therapist, start, message):
    before = Appointment.objects.count()
    with pytest.raises(services.OnlineBookingError, match=message):
        book(me, therapist, start)
    assert Appointment.objects.count() == before


def test_it_refuses_a_slot_someone_else_has_taken(me, therapist):
    AppointmentFactory(therapist=therapist, start=at("2026-03-25", "10:00"))
    with pytest.raises(services.OnlineBookingError, match="just been taken"):
        book(me, therapist, at("2026-03-25", "10:15"))
    assert not Appointment.objects.filter(patient=me, status="booked").exists()


def test_it_follows_the_notice_and_horizon_the_manager_sets(me, therapist):
    OnlineBookingSettings.objects.update_or_create(
        pk=1, defaults={"minimum_notice_hours": 72, "horizon_days": 10}
    )
    with pytest.raises(services.OnlineBookingError, match="72 hours' notice"):
        book(me, therapist, at("2026-03-25", "10:00"))
    with pytest.raises(services.OnlineBookingError, match="10 days ahead"):
        book(me, therapist, at("2026-04-03", "10:00"))
    assert book(me, therapist, at("2026-03-27", "10:00")).changed


def test_it_refuses_a_type_the_clinic_does_not_allow_online(me, therapist):
    with pytest.raises(services.OnlineBookingError, match="cannot be booked online") as error:
        book(me, therapist, at("2026-03-25", "10:00"), kind=initial_assessment())
    assert "020 7946 0000" in str(error.value)
    assert not Appointment.objects.filter(patient=me, status="booked").exists()


def test_it_sends_new_patients_to_the_phone(therapist):
    give_hours(therapist)
    from tests.conftest import make_user

    newcomer = PatientFactory(user=make_user("new@test.example", "patient"))
    with pytest.raises(services.OnlineBookingError, match="no treatment under way") as error:
        book(newcomer, therapist, at("2026-03-25", "10:00"))
    assert "020 7946 0000" in str(error.value)
    EpisodeFactory(patient=newcomer)  # an episode, but no first assessment yet
    with pytest.raises(services.OnlineBookingError, match="after your first assessment"):
        book(newcomer, therapist, at("2026-03-25", "10:00"))
    assert not Appointment.objects.filter(patient=newcomer).exists()


def test_it_books_once_when_the_same_slot_is_confirmed_twice(me, therapist):
    first = book(me, therapist, at("2026-03-25", "10:00"))
    second = book(me, therapist, at("2026-03-25", "10:00"))
    assert (first.changed, second.changed) == (True, False)
    assert second.appointment == first.appointment
    assert Appointment.objects.filter(patient=me, status="booked").count() == 1


def test_it_stores_a_slot_on_the_day_the_clocks_go_forward(me, therapist):
    """09:00 in London on 29 March 2026 is 08:00 UTC (BST began at 01:00 UTC)."""
    appointment = book(me, therapist, at("2026-03-29", "09:00")).appointment
    assert appointment.start == dt.datetime(2026, 3, 29, 8, 0, tzinfo=dt.UTC)
    assert appointment.end == dt.datetime(2026, 3, 29, 8, 30, tzinfo=dt.UTC)


def test_it_stores_a_slot_on_the_day_the_clocks_go_back(me, therapist):
    """09:00 in London on 25 October 2026 is 09:00 UTC (GMT again from 01:00 UTC)."""
    with time_machine.travel(at("2026-10-21", "12:00"), tick=False):
        appointment = book(me, therapist, at("2026-10-25", "09:00")).appointment
        days = selectors.slots_for_week(
            patient=me,
            appointment_type=online_follow_up(),
            therapist=therapist,
            week=selectors.rules.week(
                index=0,
                now=timezone.now(),
                limits=selectors.limits(),
                zone=selectors.patient_zone(me),
            ),
            now=timezone.now(),
            limits=selectors.limits(),
        )
    assert appointment.start == dt.datetime(2026, 10, 25, 9, 0, tzinfo=dt.UTC)
    sunday = next(day for day in days if day.day == dt.date(2026, 10, 25))
    starts = [slot.start for slot in sunday.slots]
    # 09:00 to 17:00 London wall clock: 32 quarter hours less the one booked (two slots)...
    assert starts[0] == dt.datetime(2026, 10, 25, 9, 30, tzinfo=dt.UTC)
    assert starts[-1] == dt.datetime(2026, 10, 25, 16, 30, tzinfo=dt.UTC)


def test_it_lists_slots_by_the_patients_own_day_and_clock(therapist):
    """A patient in New York sees London's 09:00 as 05:00 the same day (EDT, UTC-4)."""
    give_hours(therapist, weekdays=[2])  # Wednesdays
    me = existing_patient(
        email="ny@test.example",
        therapist=therapist,
        seen=at("2026-03-16", "10:00"),
        time_zone="America/New_York",
    )
    week = selectors.rules.week(
        index=0, now=NOW, limits=selectors.limits(), zone=selectors.patient_zone(me)
    )
    [day] = selectors.slots_for_week(
        patient=me,
        appointment_type=online_follow_up(),
        therapist=therapist,
        week=week,
        now=NOW,
        limits=selectors.limits(),
    )
    first = day.slots[0].start.astimezone(selectors.patient_zone(me))
    assert (day.day, first.time()) == (dt.date(2026, 3, 25), dt.time(5, 0))


def test_it_does_not_offer_time_held_for_a_waitlist_offer(me, therapist, other_patient):
    start = at("2026-03-25", "10:00")
    WaitlistOffer.objects.create(
        entry=waitlist_entry_add(
            patient=other_patient,
            appointment_type=online_follow_up(),
            available_from=dt.date(2026, 3, 23),
            by=None,
        ),
        patient=other_patient,
        therapist=therapist,
        slot_start=start,
        slot_end=start + dt.timedelta(minutes=30),
        start=start,
        end=start + dt.timedelta(minutes=30),
        expires_at=NOW + dt.timedelta(minutes=30),
    )
    assert not selectors.slot_on_offer(
        patient=me, appointment_type=online_follow_up(), therapist=therapist, start=start, now=NOW
    )
    with pytest.raises(services.OnlineBookingError, match="just been taken"):
        book(me, therapist, start)


def test_it_closes_a_lapsed_waitlist_offer_of_the_time_it_books(me, therapist, other_patient):
    """An offer whose hold ran out a moment ago is still open until the beat closes it; once
    the time is booked online it is closed as gone, never offered on."""
    start = at("2026-03-25", "10:00")
    offer = WaitlistOffer.objects.create(
        entry=waitlist_entry_add(
            patient=other_patient,
            appointment_type=online_follow_up(),
            available_from=dt.date(2026, 3, 23),
            by=None,
        ),
        patient=other_patient,
        therapist=therapist,
        slot_start=start,
        slot_end=start + dt.timedelta(minutes=30),
        start=start,
        end=start + dt.timedelta(minutes=30),
        expires_at=NOW - dt.timedelta(minutes=1),
    )
    book(me, therapist, start)
    offer.refresh_from_db()
    assert offer.state == WaitlistOffer.State.GONE


def upcoming(me, therapist, start):
    return services.online_book(
        patient=me,
        user=me.user,
        appointment_type=online_follow_up(),
        therapist=therapist,
        start=start,
    ).appointment


def test_it_moves_an_appointment_and_frees_the_old_time(
    me, therapist, other_patient, mailoutbox, django_capture_on_commit_callbacks
):
    appointment = upcoming(me, therapist, at("2026-03-25", "10:00"))
    waitlist_entry_add(
        patient=other_patient,
        appointment_type=online_follow_up(),
        available_from=dt.date(2026, 3, 23),
        by=None,
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.online_move(
            appointment=appointment,
            user=me.user,
            therapist=therapist,
            start=at("2026-03-26", "14:00"),
        )
    appointment.refresh_from_db()
    assert outcome.changed
    assert (appointment.start, appointment.status) == (at("2026-03-26", "14:00"), "booked")
    assert Appointment.objects.filter(patient=me, status="booked").count() == 1
    assert "changed" in mailoutbox[-1].subject.lower() or "moved" in mailoutbox[-1].subject.lower()
    # The time given up goes to the patient waiting for one.
    offer = WaitlistOffer.objects.get(patient=other_patient)
    assert offer.start == at("2026-03-25", "10:00")


def test_it_keeps_the_old_time_when_the_new_one_has_gone(me, therapist):
    appointment = upcoming(me, therapist, at("2026-03-25", "10:00"))
    AppointmentFactory(therapist=therapist, start=at("2026-03-26", "14:00"))
    with pytest.raises(services.OnlineBookingError, match="just been taken"):
        services.online_move(
            appointment=appointment,
            user=me.user,
            therapist=therapist,
            start=at("2026-03-26", "14:00"),
        )
    appointment.refresh_from_db()
    assert (appointment.start, appointment.status) == (at("2026-03-25", "10:00"), "booked")


def test_it_sends_a_move_inside_the_late_window_to_the_phone(me, therapist):
    appointment = AppointmentFactory(
        patient=me, therapist=therapist, start=at("2026-03-24", "10:00")
    )
    with pytest.raises(services.OnlineBookingError, match="phone the clinic on 020") as error:
        services.online_move(
            appointment=appointment,
            user=me.user,
            therapist=therapist,
            start=at("2026-03-26", "14:00"),
        )
    assert not error.value.retry
    appointment.refresh_from_db()
    assert appointment.start == at("2026-03-24", "10:00")


def test_it_moves_once_when_the_move_is_confirmed_twice(me, therapist):
    appointment = upcoming(me, therapist, at("2026-03-25", "10:00"))
    new = at("2026-03-26", "14:00")
    first = services.online_move(
        appointment=appointment, user=me.user, therapist=therapist, start=new
    )
    second = services.online_move(
        appointment=appointment, user=me.user, therapist=therapist, start=new
    )
    assert (first.changed, second.changed) == (True, False)
    appointment.refresh_from_db()
    assert (appointment.start, appointment.sequence) == (new, 1)


def test_it_refuses_an_online_booking_while_a_red_flag_referral_is_open_and_after_clearance_allows_it(
    me, therapist
):
    """SPEC 3.9b (amendment 26): a patient told to seek medical advice first does not book
    routine physiotherapy online; the clinician decides when it resumes."""
    from assessments.models import AssessmentDecision
    from tests.exercises.factories import confirmed_decision

    episode = me.episodes.get()
    confirmed_decision(episode=episode, therapist=therapist, final_dx="red_flag_referral")
    assert selectors.patient_standing(patient=me).urgent_referral_open
    with pytest.raises(services.OnlineBookingError) as refused:
        book(me, therapist, at("2026-03-25", "10:00"))
    assert "paused" in str(refused.value)
    assert "020 7946 0000" in str(refused.value)
    assert not Appointment.objects.filter(start=at("2026-03-25", "10:00")).exists()

    # A later decision on the episode (the clinician cleared the patient) closes the referral.
    confirmed_decision(episode=episode, therapist=therapist, final_dx="neural")
    assert AssessmentDecision.objects.filter(episode=episode).count() == 2
    assert book(me, therapist, at("2026-03-25", "10:00")).appointment.status == "booked"
