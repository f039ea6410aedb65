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

from assessments.models import Assessment, AssessmentDecision
from bookings.models import Appointment, WorkingHours
from clinic.sites import ClinicGroup, Site
from exercises.models import ExercisePlan, PlanItem, PlanWeek, SessionLog
from notifications.models import ReminderDelivery, ReminderSchedule
from patients.models import Episode, Patient
from rehab.catalogue import CATALOGUE
from rehab.models import StageChange
from running.models import ProgrammeDecision, RunLog, RunProgramme
from tests.patients.factories import PatientFactory
from treatment.models import TreatmentSession

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


def test_it_builds_a_group_of_three_sites_with_therapists_at_two(seeded):
    assert ClinicGroup.objects.count() == 1
    assert Site.objects.filter(is_active=True).count() == 3
    sites_of = defaultdict(set)
    for therapist_id, site_id in WorkingHours.objects.values_list("therapist_id", "site_id"):
        sites_of[therapist_id].add(site_id)
    assert any(len(sites) == 2 for sites in sites_of.values())


def test_it_puts_each_appointment_and_its_room_at_the_site_of_the_hours_it_lies_in(seeded):
    zone = ZoneInfo(settings.TIME_ZONE)
    site_on = {
        (hours.therapist_id, hours.weekday): hours.site_id for hours in WorkingHours.objects.all()
    }
    appointments = list(Appointment.objects.select_related("room"))
    assert len({appointment.site_id for appointment in appointments}) >= 2
    for appointment in appointments:
        weekday = appointment.start.astimezone(zone).weekday()
        assert appointment.site_id == site_on[(appointment.therapist_id, weekday)]
        assert appointment.room is None or appointment.room.site_id == appointment.site_id


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


def test_it_writes_the_course_of_care_at_realistic_rates(seeded):
    # Nine in ten open episodes diagnosed; a note for every attended visit of an open
    # episode; stage changes and return-to-run programmes on some diagnosed episodes.
    open_episodes = Episode.objects.filter(status=Episode.Status.OPEN).count()
    decisions = AssessmentDecision.objects.count()
    assert 0.6 * open_episodes <= decisions <= open_episodes
    attended = Appointment.objects.filter(
        status=Appointment.Status.COMPLETED, episode__status=Episode.Status.OPEN
    )
    assert TreatmentSession.objects.count() == attended.count() > 0
    assert StageChange.objects.exists()
    assert 0 < RunProgramme.objects.count() <= decisions
    assert RunLog.objects.exists()
    assert ProgrammeDecision.objects.count() == RunLog.objects.count()


def test_it_notes_only_attended_past_visits_with_both_retests(seeded):
    now = timezone.now()
    for session in TreatmentSession.objects.select_related("appointment"):
        visit = session.appointment
        assert visit.status == Appointment.Status.COMPLETED
        assert visit.start < now
        assert (session.episode_id, session.version) == (visit.episode_id, 1)
        assert session.is_signed == (session.since_last_time is not None)
        assert sorted(session.retests.values_list("phase", flat=True)) == ["after", "before"]
        assert 1 <= session.treatments.count() <= 3


def test_it_moves_stages_in_order_after_the_diagnosis(seeded):
    for episode in Episode.objects.filter(stage_changes__isnull=False).distinct():
        decision = AssessmentDecision.objects.get(episode=episode)
        stages = CATALOGUE.stage_list_for(decision.clinician_final_dx)
        changes = list(episode.stage_changes.order_by("decided_at", "id"))
        expected = stages.stages[0].code
        for change in changes:
            assert change.from_stage == expected
            assert decision.confirmed_at <= change.decided_at <= timezone.now()
            expected = change.to_stage


def test_it_logs_runs_a_day_apart_at_the_step_and_stint_they_were_run(seeded):
    assert not RunProgramme.objects.exclude(episode__status=Episode.Status.OPEN).exists()
    for programme in RunProgramme.objects.all():
        assert programme.status == RunProgramme.Status.ACTIVE
        assert not programme.is_held
        runs = list(programme.runs.order_by("date"))
        today = timezone.now().astimezone(ZoneInfo(programme.patient.time_zone)).date()
        assert len({run.date for run in runs}) == len(runs)
        for run in runs:
            assert programme.started_on <= run.date < today
            assert run.step_number == run.stint - 1 <= programme.current_step
            assert run.stint <= programme.stint
        advances = programme.decisions.filter(kind=ProgrammeDecision.Kind.ADVANCE).count()
        assert programme.current_step == advances == programme.stint - 1
