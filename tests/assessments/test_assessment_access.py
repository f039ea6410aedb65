"""Who may see and write clinical content, and bounded queries on the pages that show it."""

import pytest
from django.urls import reverse

from assessments.models import Assessment
from assessments.services import decision_record
from clinic.panels import panel_modules
from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory
from tests.patients.factories import EpisodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_clinical_panel_apps(monkeypatch):
    """Pin the patient page to this app's panels: other apps pin their own additions."""
    mine = [m for m in panel_modules() if m.__name__.split(".")[0] in ("patients", "assessments")]
    monkeypatch.setattr("clinic.panels.panel_modules", lambda: tuple(mine))


def assessment_urls(assessment):
    return [
        ("get", reverse("assessments:detail", args=[assessment.public_id])),
        ("get", reverse("assessments:edit", args=[assessment.public_id])),
        ("get", reverse("assessments:create", args=[assessment.episode.public_id])),
        ("post", reverse("assessments:amend", args=[assessment.public_id])),
        ("post", reverse("assessments:decide", args=[assessment.public_id])),
    ]


def test_it_lets_therapists_and_the_manager_see_assessments(client, therapist, manager):
    assessment = AssessmentFactory(therapist=therapist, findings=NEURAL_FINDINGS)
    for user in (therapist, manager):
        client.force_login(user)
        for method, url in assessment_urls(assessment)[:3]:
            assert getattr(client, method)(url).status_code == 200, url


def test_it_forbids_reception_and_patients_every_assessment_page(
    client, reception, patient_user, therapist
):
    assessment = AssessmentFactory(therapist=therapist, findings=NEURAL_FINDINGS)
    assessment.episode.patient.user = patient_user
    assessment.episode.patient.save()
    for user, refused in ((reception, 403), (patient_user, 404)):
        client.force_login(user)
        for method, url in assessment_urls(assessment):
            assert getattr(client, method)(url, {"reason": "x"}).status_code == refused, url
    assert Assessment.objects.count() == 1


def test_it_sends_anonymous_visitors_to_log_in(client, therapist):
    assessment = AssessmentFactory(therapist=therapist)
    for method, url in assessment_urls(assessment):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_it_gives_404_for_an_unknown_assessment(therapist_client):
    url = reverse("assessments:detail", args=["00000000-0000-0000-0000-000000000000"])
    assert therapist_client.get(url).status_code == 404


def test_it_hides_clinical_content_from_reception_on_the_patient_page(
    client, therapist, reception, neural_final
):
    decision_record(assessment=neural_final, by=therapist, final_dx="neural")
    patient = neural_final.episode.patient
    url = reverse("patients:detail", args=[patient.public_id])
    client.force_login(therapist)
    therapist_view = client.get(url).content.decode()
    assert "Intake assessment: final" in therapist_view
    assert "Diagnosis confirmed: Neural tissue sensitivity" in therapist_view
    client.force_login(reception)
    reception_view = client.get(url).content.decode()
    assert patient.email in reception_view
    assert "assessment" not in reception_view.lower()
    assert "Neural" not in reception_view


@pytest.mark.parametrize("episodes", [1, 4])
def test_it_shows_the_patient_page_in_a_fixed_number_of_queries(
    therapist_client, therapist, django_assert_num_queries, only_clinical_panel_apps, episodes
):
    first = EpisodeFactory()
    patient = first.patient
    for number in range(episodes):
        episode = first if number == 0 else EpisodeFactory(patient=patient)
        intake = AssessmentFactory(
            therapist=therapist, episode=episode, final=True, findings=NEURAL_FINDINGS
        )
        decision_record(assessment=intake, by=therapist, final_dx="neural")
        AssessmentFactory(therapist=therapist, episode=episode, kind="follow_up")
    # session, user, patient, the page's one read (patients/page_rows.py: its episodes,
    # assessments, working diagnoses and decisions with every other app's rows; none is a
    # referral, so no referral query); savepoint + session update + release
    with django_assert_num_queries(8):  # the last query: the audit event INSERT
        response = therapist_client.get(reverse("patients:detail", args=[patient.public_id]))
    assert response.status_code == 200


@pytest.mark.parametrize("decisions", [1, 5])
def test_it_shows_the_assessment_page_in_a_fixed_number_of_queries(
    therapist_client, therapist, django_assert_num_queries, neural_final, decisions
):
    for _ in range(decisions):
        decision_record(assessment=neural_final, by=therapist, final_dx="neural")
    url = reverse("assessments:detail", args=[neural_final.public_id])
    # session, user, the assessment (access) with episode/patient/therapist/versions and, in
    # the same statement, its decisions with their authors and the episode's working
    # diagnoses; savepoint + session update + release
    with django_assert_num_queries(7):  # the last query: the audit event INSERT
        response = therapist_client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"Version") > 0


def test_it_shows_a_follow_up_page_in_a_fixed_number_of_queries(
    therapist_client, therapist, django_assert_num_queries, neural_final
):
    follow_up = AssessmentFactory(
        therapist=therapist, episode=neural_final.episode, kind="follow_up", final=True
    )
    # session, user, assessment (with its decisions and working diagnoses), the episode's
    # versions (the baseline intake and the last visit, for the red flags and nerves, both
    # come from them); savepoint + update + release
    with django_assert_num_queries(8):  # the last query: the audit event INSERT
        response = therapist_client.get(reverse("assessments:detail", args=[follow_up.public_id]))
    assert response.status_code == 200
