"""The patient page's own marks (middle dots, dashes, arrows, quotes) are written as character
references, so a page whose data is all ASCII is an ASCII string: one character beyond ASCII
makes the whole page a wider string, dearer to join and to encode for the response."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from exercises.models import AlertAcknowledgement, PlanWeek
from patients.models import Episode, Patient
from rehab.catalogue import CATALOGUE
from rehab.services import stage_change_record
from running.models import RunProgramme
from tests.exercises.factories import confirmed_decision, log, published_plan
from tests.patients.factories import EpisodeFactory, PatientFactory
from tests.perf.conftest import loaded
from tests.running.factories import programme, run

pytestmark = pytest.mark.django_db


def test_it_draws_an_ascii_page_for_a_patient_whose_data_is_ascii(client):
    with loaded(3) as world:
        patient = world.patient
        # Facts left empty draw a dash; the plan's weeks without pain scores draw one too.
        Patient.objects.filter(pk=patient.pk).update(email="", goal_event="", weekly_km=None)
        # The "Next appointments" rows (the bookings app's) are drawn too.
        assert Appointment.objects.filter(
            patient=patient, start__gt=timezone.now(), status=Appointment.Status.BOOKED
        ).exists()
        client.force_login(world.therapist)
        response = client.get(reverse("patients:detail", args=[patient.public_id]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "&mdash;" in page  # the marks are on the page, as references
    assert "&middot;" in page
    assert "Next appointments" in page
    assert page.isascii(), sorted({character for character in page if not character.isascii()})


def test_the_page_shows_a_plan_weeks_new_totals_on_the_next_view(client):
    """Nothing of the weeks is kept between views: a week's totals changed between two views
    show on the second."""
    with loaded(3) as world:
        client.force_login(world.therapist)
        url = reverse("patients:detail", args=[world.patient.public_id])
        week = PlanWeek.objects.filter(plan=world.plan).order_by("week_start").first()
        first = client.get(url).content.decode()
        PlanWeek.objects.filter(pk=week.pk).update(sessions_logged=97, sessions_prescribed=98)
        second = client.get(url).content.decode()
    assert "97 of 98" not in first
    assert "97 of 98" in second


def _rehab_course(therapist, *, stage: str):
    """An ASCII patient with a recurrence: a discharged first episode and an open second one
    with a confirmed neural diagnosis moved forward to `stage` (a stage whose criteria's
    labels are ASCII), a published plan with an acknowledged alert, and a return-to-run
    programme with a run."""
    today = timezone.localdate()
    patient = PatientFactory(first_name="Robin", last_name="Hart", email="", goal_event="")
    EpisodeFactory(
        patient=patient,
        number=1,
        started_on=today - dt.timedelta(days=400),
        status=Episode.Status.DISCHARGED,
        discharged_on=today - dt.timedelta(days=300),
        outcome=Episode.Outcome.IMPROVED,
    )
    episode = EpisodeFactory(patient=patient, number=2, started_on=today - dt.timedelta(days=60))
    plan = published_plan(
        therapist=therapist, episode=episode, start_date=today - dt.timedelta(days=20)
    )
    log(plan, today - dt.timedelta(days=2), pain=1)
    confirmed_decision(episode=episode, therapist=therapist, final_dx="neural")
    stages = CATALOGUE.stage_list_for("neural")
    for code in [stage.code for stage in stages.stages][1 : stages.index_of(stage) + 1]:
        stage_change_record(episode=episode, user=therapist, to_stage=code, reason="Ready")
    AlertAcknowledgement.objects.create(
        plan=plan,
        kind=AlertAcknowledgement.Kind.LOW_ADHERENCE,
        period=today - dt.timedelta(days=7),
        acknowledged_by=therapist,
        acknowledged_at=timezone.now(),
        note="Talked it over",
    )
    assigned = programme(
        therapist=therapist, episode=episode, started_on=today - dt.timedelta(days=3)
    )
    run(assigned, today - dt.timedelta(days=1))
    return patient, assigned


def test_it_draws_an_ascii_page_for_a_patient_with_a_rehab_course_a_programme_and_alerts(
    client, therapist
):
    """The rehab panel (stage, criteria, last time), the running panel, the plan and the
    acknowledged alert add no character beyond ASCII to a page of ASCII data."""
    patient, _ = _rehab_course(therapist, stage="load")
    client.force_login(therapist)
    response = client.get(reverse("patients:detail", args=[patient.public_id]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="rehab-current-stage">Load<' in page
    assert "Last time: episode 1" in page
    assert "Talked it over" in page  # the acknowledged alert
    assert "No return-to-run programme yet" not in page
    assert page.isascii(), sorted({character for character in page if not character.isascii()})


def test_the_rehab_panel_shows_a_programme_completed_on_the_next_view(client, therapist):
    """The panel reads only the measures its stage judges, afresh on each view: a programme
    completed between two views shows as met on the second."""
    patient, assigned = _rehab_course(therapist, stage="return_to_run")
    client.force_login(therapist)
    url = reverse("patients:detail", args=[patient.public_id])
    first = client.get(url).content.decode()
    RunProgramme.objects.filter(pk=assigned.pk).update(
        status=RunProgramme.Status.COMPLETED, ended_on=timezone.localdate()
    )
    second = client.get(url).content.decode()
    done = '<span>Return-to-run programme completed</span>\n      <span class="badge {}">'
    assert done.format("text-bg-warning") in first
    assert done.format("text-bg-success") in second
