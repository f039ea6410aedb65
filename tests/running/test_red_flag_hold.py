"""A confirmed red-flag referral holds the return-to-run programme at once, and says so to the
patient and the therapist, until a clinician resumes it with a reason (SPEC 3.9b, amendment
26), as it holds the exercise plans."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from clinic.models import AuditEvent
from running.models import RunLog, RunProgramme
from running.services import programme_end_for_discharge
from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory
from tests.exercises.factories import confirmed_decision
from tests.running.conftest import TODAY
from tests.running.factories import programme, run

pytestmark = pytest.mark.django_db
RED_FLAG_FINDINGS = {**NEURAL_FINDINGS, "rf_bladder_change": True}
PAGE = reverse("portal:running")
LOG = reverse("portal:running_log")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def confirm_red_flag(therapist, episode):
    """The therapist confirms a red-flag referral on the assessment page."""
    assessment = AssessmentFactory(
        episode=episode, therapist=therapist, final=True, findings=RED_FLAG_FINDINGS
    )
    return signed_in(therapist).post(
        reverse("assessments:decide", args=[assessment.public_id]),
        {"clinician_final_dx": "red_flag_referral"},
    )


def resume_url(programme):
    return reverse("running:resume", args=[programme.public_id])


def episode_page(programme):
    return reverse("running:episode", args=[programme.episode.public_id])


@pytest.fixture
def active(therapist, my_episode):
    started = programme(
        therapist=therapist, episode=my_episode, started_on=TODAY - dt.timedelta(days=20)
    )
    run(started, TODAY - dt.timedelta(days=2), morning=1)
    return started


@pytest.fixture
def held(active, therapist, my_episode):
    assert confirm_red_flag(therapist, my_episode).status_code == 302
    active.refresh_from_db()
    return active


def test_it_holds_the_programme_when_a_red_flag_referral_is_confirmed(active, therapist):
    someone_else = programme(therapist=therapist)
    step = active.current_step

    confirm_red_flag(therapist, active.episode)

    active.refresh_from_db()
    someone_else.refresh_from_db()
    assert active.is_held
    assert active.status == RunProgramme.Status.ACTIVE  # still the episode's programme
    assert active.current_step == step
    assert active.hold_reason.startswith("Red flag referral confirmed on 3 December 2026 by ")
    assert AuditEvent.objects.filter(detail__event="run_programme_held_for_red_flag").exists()
    assert not someone_else.is_held


def test_it_shows_the_patient_their_programme_is_paused_and_offers_no_run_log(patient_client, held):
    page = patient_client.get(PAGE).content.decode()
    assert "Your running programme is paused" in page
    assert f'href="{LOG}"' not in page
    home = patient_client.get(reverse("portal:home")).content.decode()
    assert "Your running programme is paused" in home
    assert f'href="{LOG}"' not in home
    log_page = patient_client.get(LOG).content.decode()
    assert "Please do not run until you have been checked" in log_page
    assert "run-log-form" not in log_page


def test_it_refuses_a_run_on_a_held_programme_and_stores_nothing(patient_client, held):
    before = RunLog.objects.count()
    response = patient_client.post(
        LOG,
        {
            "submission": str(uuid.uuid4()),
            "date": TODAY.isoformat(),
            "minutes": "25",
            "terrain": "flat",
            "effort": "easy",
            "pain_before": "1",
            "pain_during": "1",
            "pain_after": "1",
        },
    )
    assert response.status_code == 200
    assert "Please do not run until you have been checked" in response.content.decode()
    assert RunLog.objects.count() == before


def test_it_shows_the_therapist_the_hold_and_its_reason(therapist, held):
    client = signed_in(therapist)
    page = client.get(episode_page(held)).content.decode()
    assert "On hold</span>" in page
    assert held.hold_reason in page
    assert f'action="{resume_url(held)}"' in page
    patient_page = client.get(reverse("patients:detail", args=[held.patient.public_id]))
    assert "On hold: Red flag referral confirmed" in patient_page.content.decode()


def test_it_resumes_only_with_a_clinicians_reason_and_keeps_who_when_and_why(
    therapist, held, patient_client
):
    client = signed_in(therapist)
    refused = client.post(resume_url(held), {"reason": "   "})
    assert refused.status_code == 400
    assert "Say why running can start again" in refused.content.decode()
    held.refresh_from_db()
    assert held.is_held

    response = client.post(resume_url(held), {"reason": "Seen by the GP: cleared to run."})

    assert response.status_code == 302
    held.refresh_from_db()
    assert not held.is_held
    assert (held.resume_reason, held.resumed_by) == ("Seen by the GP: cleared to run.", therapist)
    assert held.resumed_at is not None
    event = AuditEvent.objects.get(detail__event="run_programme_resumed_after_red_flag")
    assert event.detail["held_for"].startswith("Red flag referral confirmed")
    assert "Log a run" in patient_client.get(PAGE).content.decode()
    run(held, TODAY)
    assert RunLog.objects.filter(programme=held, date=TODAY).exists()


def test_it_keeps_patients_and_reception_from_resuming(held, patient_user, reception):
    assert signed_in(patient_user).post(resume_url(held), {"reason": "x"}).status_code == 404
    assert signed_in(reception).post(resume_url(held), {"reason": "x"}).status_code == 403
    held.refresh_from_db()
    assert held.is_held


def test_it_starts_a_programme_assigned_while_a_referral_is_open_on_hold(therapist, my_episode):
    confirmed_decision(episode=my_episode, therapist=therapist, final_dx="red_flag_referral")
    assigned = programme(therapist=therapist, episode=my_episode)
    assert assigned.is_held
    assert "while a red flag referral is open" in assigned.hold_reason


def test_it_offers_to_resume_running_from_the_referral_page(therapist, held):
    from assessments.models import AssessmentDecision

    referral = AssessmentDecision.objects.get(episode=held.episode)
    page = signed_in(therapist).get(reverse("assessments:referral", args=[referral.public_id]))
    assert "running programme is on hold for this red flag" in page.content.decode()
    assert episode_page(held) in page.content.decode()


def test_it_ends_a_held_programme_at_discharge(held):
    ended = programme_end_for_discharge(episode=held.episode)
    assert ended == held
    ended.refresh_from_db()
    assert ended.status == RunProgramme.Status.ENDED
    assert not ended.is_held
