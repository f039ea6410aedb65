"""`seed_demo` shows a new user the whole course of care (issue 15's acceptance): one patient
with three attended visits and their signed session notes, a test-treat-retest that changed
the engine's suggestion, a stage change, and an active return-to-run programme with runs."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments.selectors import episode_confirmed_decision
from bookings.models import Appointment
from patients.models import Patient
from rehab.models import StageChange
from running.models import RunProgramme
from treatment.models import TreatmentSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(settings):
    settings.DEBUG = True  # seed_demo refuses to run in production
    call_command("seed_demo")
    return Patient.objects.get(email="patient@example.com").episodes.get()


def test_it_seeds_three_attended_visits_with_signed_notes(course):
    visits = Appointment.objects.filter(patient=course.patient, status__in=["arrived", "completed"])
    assert visits.count() == 3
    notes = TreatmentSession.objects.filter(appointment__in=visits, status="signed")
    assert notes.count() == 3
    assert all(note.retests.exists() for note in notes)


def test_it_seeds_a_retest_that_changed_the_suggestion_and_the_diagnosis_it_confirmed(course):
    first = TreatmentSession.objects.filter(episode=course).order_by("appointment__start").first()
    assert first.retest_after_lumbar_treatment == "no_change"
    assert first.diagnosis_rerun["before"]["label"] == "indeterminate"
    assert first.diagnosis_rerun["after"]["label"] == "neural"
    decision = episode_confirmed_decision(episode=course)
    assert (decision.final_dx, decision.suggested_label) == ("neural", "indeterminate")


def test_it_seeds_a_stage_change_and_an_active_programme_with_runs(course):
    assert StageChange.objects.filter(episode=course).exists()
    programme = RunProgramme.objects.get(episode=course, status="active")
    assert programme.runs.count() >= 5


def test_it_shows_the_course_on_the_patient_page(course, client):
    from clinic.models import User

    client.force_login(User.objects.get(email="therapist@example.com"))
    page = client.get(reverse("patients:detail", args=[course.patient.public_id]))
    text = page.content.decode()
    assert page.status_code == 200
    for shown in ("Session note", "Restore movement", "Step 2"):
        assert shown in text, shown
