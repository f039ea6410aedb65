"""Discharge: the criteria as they stand, the outcome measures, the summary and the GP letter."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.panels import DischargeStep
from patients.models import Episode
from rehab.models import DischargeSummary, StageChange
from rehab.panels import discharge_extensions
from tests.rehab.conftest import calm_week, slr_visit
from tests.rehab.factories import discharge_summary_for, stage_change

pytestmark = pytest.mark.django_db


def discharge_url(case):
    return reverse("patients:episode_discharge", args=[case.episode.public_id])


def discharge(client, case, **extra):
    data = {
        "discharged_on": timezone.localdate().isoformat(),
        "outcome": "resolved",
        "outcome_note": "Racing again",
        **extra,
    }
    return client.post(discharge_url(case), data)


@pytest.fixture
def treated(neural_case, therapist):
    """Intake SLR 50 against 75 and NPRS 6; follow-up 70 against 75 and NPRS 1; two moves."""
    slr_visit(
        neural_case.episode,
        therapist,
        affected=50,
        other=75,
        days_ago=25,
        kind="intake",
        nprs_now=6,
    )
    slr_visit(neural_case.episode, therapist, affected=70, other=75, days_ago=1, nprs_now=1)
    calm_week(neural_case.plan)
    now = timezone.now()
    for days, (before, after) in (
        (20, ("settle", "restore_movement")),
        (5, ("restore_movement", "load")),
    ):
        stage_change(
            episode=neural_case.episode,
            user=therapist,
            from_stage=before,
            to_stage=after,
            when=now - timezone.timedelta(days=days),
        )
    return neural_case


def test_it_shows_the_criteria_for_full_running_and_the_measures_before_discharge(
    therapist_client, treated
):
    content = therapist_client.get(discharge_url(treated)).content.decode()
    assert "Ready for full running?" in content
    assert "Current stage: <strong>Load</strong>" in content
    assert "H-test negative" in content
    assert "Not yet measured" in content  # no H-test recorded
    assert "Letter to the GP" in content


def test_it_records_the_outcome_measures_and_stages_in_the_summary(
    therapist_client, treated, therapist
):
    response = discharge(therapist_client, treated)
    assert response.status_code == 302
    episode = Episode.objects.get(pk=treated.episode.pk)
    assert episode.status == "discharged"
    assert episode.outcome == "resolved"
    summary = DischargeSummary.objects.get(episode=episode)
    assert summary.final_dx == "neural"
    assert summary.stage_reached == "load"
    assert [row["code"] for row in summary.stages] == ["settle", "restore_movement", "load"]
    assert summary.stages[1]["days"] == 15
    rows = {row["name"]: row for row in summary.measures}
    assert (rows["nprs_now"]["before"], rows["nprs_now"]["now"]) == (6, 1)
    assert rows["nprs_now"]["reading"]  # change_reading's verdict, whatever its wording
    assert rows["slr_angle_affected_deg"]["before"] == 50
    h_test = next(row for row in summary.criteria if row["code"] == "h_test_negative")
    assert h_test["status"] == "not_measured"
    assert summary.care[0]["label"] == "Home exercises"
    assert summary.created_by == therapist
    assert not summary.gp_letter_consent
    # Discharging deletes nothing: the stage history stays.
    assert StageChange.objects.filter(episode=episode).count() == 2


def test_it_asks_how_the_patient_agreed_to_a_gp_letter(therapist_client, treated):
    response = discharge(therapist_client, treated, **{"gp-gp_letter_consent": "on"})
    assert response.status_code == 200
    assert "Say how the patient agreed to the letter." in response.content.decode()
    assert Episode.objects.get(pk=treated.episode.pk).status == "open"
    assert not DischargeSummary.objects.exists()


def test_it_writes_a_gp_letter_only_with_consent(therapist_client, treated):
    discharge(
        therapist_client,
        treated,
        **{
            "gp-gp_letter_consent": "on",
            "gp-gp_consent_how": "in_person",
            "gp-gp_name": "Dr Lane, Hill Surgery",
        },
    )
    summary = DischargeSummary.objects.get()
    assert summary.gp_consent_how == "in_person"
    assert summary.gp_consent_at is not None
    letter = therapist_client.get(reverse("rehab:gp_letter", args=[summary.public_id]))
    assert letter.status_code == 200
    content = letter.content.decode()
    assert "Dr Lane, Hill Surgery" in content
    assert "Neural tissue sensitivity" in content


def test_it_has_no_gp_letter_without_consent(therapist_client, therapist):
    from tests.patients.factories import PatientFactory

    summary = discharge_summary_for(patient=PatientFactory(), user=therapist, consent=False)
    response = therapist_client.get(reverse("rehab:gp_letter", args=[summary.public_id]))
    assert response.status_code == 404
    page = therapist_client.get(reverse("rehab:summary", args=[summary.public_id]))
    assert reverse("rehab:gp_letter", args=[summary.public_id]) not in page.content.decode()


def test_it_shows_the_patient_their_printable_summary_and_nobody_elses(
    client, therapist, patient_user, other_patient, treated
):
    from tests.patients.factories import PatientFactory

    own = discharge_summary_for(patient=treated.patient, user=therapist)
    theirs = discharge_summary_for(patient=PatientFactory(user=other_patient), user=therapist)
    client.force_login(patient_user)
    page = client.get(reverse("portal:rehab")).content.decode()
    assert reverse("portal:discharge_summary", args=[own.public_id]) in page
    response = client.get(reverse("portal:discharge_summary", args=[own.public_id]))
    content = response.content.decode()
    assert "Your discharge summary" in content
    assert "Keeping it from coming back" in content
    assert "When to come back" in content
    assert "GP letter" not in content
    assert (
        client.get(reverse("portal:discharge_summary", args=[theirs.public_id])).status_code == 404
    )


def test_it_prints_the_summary_without_navigation(client, therapist, patient_user, treated):
    summary = discharge_summary_for(patient=treated.patient, user=therapist)
    client.force_login(patient_user)
    content = client.get(reverse("portal:discharge_summary", args=[summary.public_id])).content
    content = content.decode()
    assert 'class="print-page"' in content
    assert "navbar navbar-expand-xl navbar-dark bg-primary d-print-none" in content
    assert 'href="/static/css/print.css" media="print"' in content or "print.css" in content
    assert 'class="d-print-none mb-3' in content  # the back and print buttons


def test_it_keeps_the_summary_from_reception(reception_client, therapist, treated):
    summary = discharge_summary_for(patient=treated.patient, user=therapist)
    for name in ("rehab:summary", "rehab:gp_letter"):
        response = reception_client.get(reverse(name, args=[summary.public_id]))
        assert response.status_code == 403
        assert "Neural tissue sensitivity" not in response.content.decode()
    page = reception_client.get(reverse("patients:detail", args=[treated.patient.public_id]))
    assert "Discharge summaries" not in page.content.decode()


@pytest.mark.parametrize("rows", [1, 8])
def test_it_opens_the_summary_in_a_fixed_number_of_queries(
    therapist_client, therapist, treated, django_assert_num_queries, rows
):
    summary = discharge_summary_for(patient=treated.patient, user=therapist)
    DischargeSummary.objects.filter(pk=summary.pk).update(
        measures=[{"name": "nprs_now", "label": "Pain now", "before": 6, "now": 1, "reading": ""}]
        * rows,
        stages=[
            {
                "code": "settle",
                "label": "Settle",
                "entered_on": "2025-03-01",
                "left_on": "2025-03-05",
                "days": 4,
            }
        ]
        * rows,
    )
    # session, user, summary with episode, patient and author, the audit event,
    # then savepoint + session update + release
    with django_assert_num_queries(7):
        response = therapist_client.get(reverse("rehab:summary", args=[summary.public_id]))
    assert response.status_code == 200


def test_it_plugs_into_the_discharge_page_in_the_one_shape_every_app_uses(treated, therapist):
    """Rehab's part of the discharge page is a clinic.panels.DischargeStep like the exercise
    plans' and the running programme's, and its finish records the summary with the consent."""
    data = {"gp_letter_consent": "", "gp_consent_how": "", "gp_name": ""}
    (step,) = discharge_extensions(user=therapist, episode=treated.episode, data=data)
    assert isinstance(step, DischargeStep)
    assert step.form.is_valid(), step.form.errors
    step.record(episode=treated.episode, user=therapist)
    summary = DischargeSummary.objects.get(episode=treated.episode)
    assert summary.gp_letter_consent is False
