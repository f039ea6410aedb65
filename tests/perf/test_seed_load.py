"""`manage.py seed_load`: a large data set that keeps every rule the application keeps."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count, Max
from django.utils import timezone

from assessments.models import Assessment
from bookings.models import Appointment
from exercises.models import ExercisePlan, PlanItem, PlanWeek, SessionLog
from notifications.models import ReminderDelivery, ReminderSchedule
from patients.models import Episode, Patient
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

PATIENTS = 20


@pytest.fixture
def seeded():
    out = StringIO()
    call_command("seed_load", patients=PATIENTS, stdout=out)
    return out.getvalue()


def test_it_scales_every_count_with_the_number_of_patients(seeded):
    # Per 10,000 patients: 15,000 episodes, 20,000 assessments, 10,000 plans with 40,000 items,
    # 500,000 session logs, 100,000 appointments and 200,000 reminder deliveries.
    assert Patient.objects.count() == PATIENTS
    assert Episode.objects.count() == PATIENTS * 3 // 2
    assert Assessment.objects.count() == PATIENTS * 2
    assert ExercisePlan.objects.count() == PATIENTS
    assert PlanItem.objects.count() == PATIENTS * 4
    assert SessionLog.objects.count() == PATIENTS * 50
    assert Appointment.objects.count() == PATIENTS * 10
    assert ReminderDelivery.objects.count() == PATIENTS * 20
    assert f"{PATIENTS} patients" in seeded


def test_it_does_nothing_when_the_data_is_already_there(seeded):
    out = StringIO()
    call_command("seed_load", patients=PATIENTS, stdout=out)
    assert "already present" in out.getvalue()
    assert Patient.objects.count() == PATIENTS


def test_it_leaves_the_id_sequences_past_the_loaded_rows(seeded):
    patient = PatientFactory()
    assert patient.pk > Patient.objects.exclude(pk=patient.pk).aggregate(top=Max("pk"))["top"]


def test_it_keeps_the_denormalised_counters_right(seeded):
    for patient in Patient.objects.annotate(episodes_found=Count("episodes")):
        assert patient.episode_count == patient.episodes_found
        assert patient.episodes.filter(status=Episode.Status.OPEN).count() == 1
    for plan in ExercisePlan.objects.all():
        logs = list(plan.session_logs.order_by("date"))
        assert plan.last_logged_on == logs[-1].date
        for week in plan.weeks.all():
            in_week = [
                log
                for log in logs
                if week.week_start <= log.date < week.week_start + dt.timedelta(7)
            ]
            assert week.pain_count == len(in_week)
            assert week.sessions_logged == sum(1 for log in in_week if log.done_count)
            assert week.pain_peak_sum == sum(
                max(log.pain_during, log.pain_after) for log in in_week
            )
    assert PlanWeek.objects.exists()


def test_it_never_logs_a_session_in_the_future_or_outside_the_plan(seeded):
    today = timezone.localdate()
    for log in SessionLog.objects.select_related("plan"):
        assert log.plan.start_date <= log.date < today
        assert log.plan.end_date is None or log.date <= log.plan.end_date


def test_it_never_double_books_a_therapist_a_patient_or_a_room(seeded):
    active = Appointment.objects.filter(status__in=Appointment.ACTIVE_STATUSES).order_by("start")
    for key in ("therapist_id", "patient_id", "room_id"):
        last_end: dict = defaultdict(lambda: None)
        for appointment in active:
            owner = getattr(appointment, key)
            if owner is None:
                continue
            assert last_end[owner] is None or last_end[owner] <= appointment.start, key
            last_end[owner] = appointment.end


def test_it_books_within_working_hours_on_weekdays(seeded):
    zone = ZoneInfo(settings.TIME_ZONE)
    for appointment in Appointment.objects.all():
        start, end = appointment.start.astimezone(zone), appointment.end.astimezone(zone)
        assert start.weekday() < 5
        assert dt.time(9) <= start.time()
        assert end.time() <= dt.time(17)


def test_it_gives_each_slot_one_delivery_and_each_future_appointment_a_reminder(seeded):
    keys = list(ReminderDelivery.objects.values_list("schedule_id", "local_date", "slot"))
    assert len(keys) == len(set(keys))
    booked_ahead = Appointment.objects.filter(
        status=Appointment.Status.BOOKED, start__gt=dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    )
    reminded = set(
        ReminderSchedule.objects.filter(source="appointment").values_list("subject_id", flat=True)
    )
    assert reminded == set(booked_ahead.values_list("pk", flat=True))
    assert reminded
