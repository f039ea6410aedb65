"""Reminders read in one direction: the services that own a subject call the schedule
functions explicitly, and the task module sits on top of the reminder services."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.contrib import admin

from bookings.models import Appointment
from bookings.services import (
    appointment_book,
    appointment_cancel,
    appointment_move,
    appointment_status_undo,
)
from exercises.models import ExercisePlan
from exercises.services import plan_change_status, plan_create, plan_publish
from notifications.models import ReminderSchedule
from notifications.schedules import reminder_schedule_end
from patients.models import Patient
from patients.services import patient_update
from tests.bookings.factories import AppointmentFactory, at, follow_up
from tests.exercises.factories import library
from tests.notifications.conftest import utc
from tests.patients.factories import EpisodeFactory, PatientFactory

NOTIFICATIONS = Path(__file__).resolve().parents[2] / "notifications"
NOW = utc(2026, 6, 1, 8)
START = at("2026-06-03", "10:00")


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_it_keeps_every_reminder_service_from_importing_the_tasks():
    modules = [path for path in NOTIFICATIONS.glob("*.py") if path.name != "tasks.py"]
    assert {path.name for path in modules} >= {"schedules.py", "dispatch.py", "sending.py"}
    importers = [path.name for path in modules if "notifications.tasks" in _imported_modules(path)]
    assert importers == [], "tasks import services, never the reverse"


def test_it_keeps_every_reminder_module_under_600_lines():
    long = {
        path.name: count
        for path in NOTIFICATIONS.glob("*.py")
        if (count := len(path.read_text().splitlines())) > 600
    }
    assert long == {}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _schedule(source: str, subject_id: int) -> ReminderSchedule | None:
    return ReminderSchedule.objects.filter(source=source, subject_id=subject_id).first()


@pytest.mark.django_db
def test_it_schedules_reminders_for_a_plan_published_through_the_service(therapist, frozen):
    episode = EpisodeFactory(patient=PatientFactory(time_zone="Europe/Berlin"))
    plan = plan_create(episode=episode, user=therapist, exercises=library("EX-N01"))
    assert _schedule("exercise_plan", plan.pk) is None  # a draft has no reminders yet
    plan_publish(plan=plan, user=therapist)
    schedule = _schedule("exercise_plan", plan.pk)
    assert schedule.time_zone == "Europe/Berlin"
    assert schedule.next_due_at is not None


@pytest.mark.django_db
def test_it_revives_an_ended_plan_schedule_when_the_plan_is_resumed(therapist, frozen):
    plan = plan_create(
        episode=EpisodeFactory(), user=therapist, exercises=library("EX-N01", "EX-N02")
    )
    plan_publish(plan=plan, user=therapist)
    plan_change_status(plan=plan, action="pause")
    ReminderSchedule.objects.filter(subject_id=plan.pk).update(ended_at=NOW, next_due_at=None)
    plan_change_status(plan=plan, action="resume")
    schedule = _schedule("exercise_plan", plan.pk)
    assert (schedule.ended_at, schedule.next_due_at is not None) == (None, True)


@pytest.mark.django_db
def test_it_does_not_revive_reminders_when_a_plan_is_saved_directly(therapist, frozen):
    plan = plan_create(episode=EpisodeFactory(), user=therapist, exercises=library("EX-N01"))
    plan_publish(plan=plan, user=therapist)
    plan_change_status(plan=plan, action="pause")
    reminder_schedule_end(source="exercise_plan", subject_id=plan.pk)
    plan.refresh_from_db()
    plan.status = ExercisePlan.Status.ACTIVE
    plan.save()
    assert _schedule("exercise_plan", plan.pk).ended_at == NOW  # only the services revive it


@pytest.mark.django_db
def test_it_follows_an_appointment_booked_moved_cancelled_and_restored(therapist, frozen):
    appointment = appointment_book(
        patient=PatientFactory(),
        therapist=therapist,
        appointment_type=follow_up(),
        start=START,
        by=therapist,
        allow_outside_hours=True,
    )
    assert _schedule("appointment", appointment.pk).next_due_at == START - dt.timedelta(hours=24)
    later = at("2026-06-04", "15:00")
    appointment_move(appointment=appointment, start=later, by=therapist, allow_outside_hours=True)
    assert _schedule("appointment", appointment.pk).next_due_at == later - dt.timedelta(hours=24)
    appointment_cancel(appointment=appointment, by=therapist, reason="Feeling better")
    cancelled = _schedule("appointment", appointment.pk)
    assert (cancelled.next_due_at, cancelled.ended_at) == (None, NOW)
    appointment_status_undo(appointment=appointment, by=therapist)
    restored = _schedule("appointment", appointment.pk)
    assert (restored.next_due_at, restored.ended_at) == (later - dt.timedelta(hours=24), None)


@pytest.mark.django_db
def test_it_does_not_schedule_a_reminder_when_an_appointment_is_saved_directly(therapist, frozen):
    appointment = AppointmentFactory(therapist=therapist, start=START)
    appointment.status = Appointment.Status.BOOKED
    appointment.save()
    assert _schedule("appointment", appointment.pk) is None


@pytest.mark.django_db
def test_it_moves_reminders_to_a_time_zone_changed_through_the_patient_service(therapist, frozen):
    patient = PatientFactory(time_zone="Europe/London")
    plan = plan_create(
        episode=EpisodeFactory(patient=patient), user=therapist, exercises=library("EX-N01")
    )
    plan_publish(plan=plan, user=therapist)
    london = _schedule("exercise_plan", plan.pk).next_due_at
    patient.time_zone = "Europe/Berlin"
    patient.save()
    assert _schedule("exercise_plan", plan.pk).time_zone == "Europe/London"  # saved directly
    patient_update(patient=patient, time_zone="Europe/Berlin")
    berlin = _schedule("exercise_plan", plan.pk)
    assert berlin.time_zone == "Europe/Berlin"
    assert london - berlin.next_due_at == dt.timedelta(hours=1)  # 18:00 Berlin is 17:00 London


@pytest.mark.django_db
def test_it_moves_reminders_to_a_time_zone_changed_in_the_admin(therapist, manager, rf, frozen):
    patient = PatientFactory(time_zone="Europe/London")
    plan = plan_create(
        episode=EpisodeFactory(patient=patient), user=therapist, exercises=library("EX-N01")
    )
    plan_publish(plan=plan, user=therapist)
    patient.time_zone = "Europe/Berlin"
    request = rf.post("/")
    request.user = manager
    admin.site._registry[Patient].save_model(request, patient, form=None, change=True)
    assert _schedule("exercise_plan", plan.pk).time_zone == "Europe/Berlin"
