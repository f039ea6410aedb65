"""A working diagnosis while the suggestion is indeterminate (issue 15, section 2): recorded with
the test that will decide it, append-only and audited, superseded by a confirmed diagnosis, and
never shown to the patient, who hears only that the source is still being worked out."""

import pytest
from django.urls import reverse

from assessments import panels
from assessments.models import WorkingDiagnosis
from assessments.services import decision_record, working_diagnosis_record
from clinic.models import AuditEvent
from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory
from tests.patients.factories import EpisodeFactory

pytestmark = pytest.mark.django_db

#: A runner with both patterns: slump and SLR positive and differentiated, and lumbar
#: movement that reproduces the thigh pain; nobody has re-tested after lumbar treatment yet.
MIXED_FINDINGS = {
    **NEURAL_FINDINGS,
    "slr_test": "negative",
    "sciatic_nerve_palpation": "non_tender",
    "lumbar_rom": "reproduces_thigh_pain",
    "repeated_movements": "centralises_or_abolishes",
}

RETEST = {"working_dx": "mixed_neural_lumbar", "deciding_test": "retest_after_lumbar_treatment"}


@pytest.fixture
def mixed_intake(therapist):
    return AssessmentFactory(therapist=therapist, final=True, findings=MIXED_FINDINGS)


def working_url(assessment):
    return reverse("assessments:working", args=[assessment.public_id])


def detail(client, assessment) -> str:
    return client.get(reverse("assessments:detail", args=[assessment.public_id])).content.decode()


def test_it_offers_a_working_diagnosis_only_for_an_indeterminate_suggestion(
    therapist_client, mixed_intake, neural_final
):
    assert 'class="working-form"' in detail(therapist_client, mixed_intake)
    assert 'class="working-form"' not in detail(therapist_client, neural_final)


def test_it_records_a_working_diagnosis_with_its_deciding_test(
    therapist_client, therapist, mixed_intake
):
    response = therapist_client.post(working_url(mixed_intake), RETEST)
    assert response.status_code == 302
    working = WorkingDiagnosis.objects.get()
    assert (working.episode, working.recorded_by) == (mixed_intake.episode, therapist)
    assert working.suggested_label == "indeterminate"
    page = detail(therapist_client, mixed_intake)
    assert "Mixed neural and lumbar" in page
    assert "Test-treat-retest: slump and SLR again after lumbar treatment" in page
    event = AuditEvent.objects.get(detail__event="working_diagnosis_recorded")
    assert event.patient == mixed_intake.episode.patient
    assert event.detail["deciding_test"] == "retest_after_lumbar_treatment"


def test_it_refuses_a_working_diagnosis_when_the_suggestion_is_clear(
    therapist_client, neural_final
):
    response = therapist_client.post(working_url(neural_final), RETEST, follow=True)
    assert "A working diagnosis is for an indeterminate suggestion" in response.content.decode()
    assert not WorkingDiagnosis.objects.exists()


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        ({"working_dx": "other", "deciding_test": "repeated_movements"}, "other_dx_text", "Name"),
        ({"working_dx": "lumbar", "deciding_test": "other"}, "deciding_test_note", "Say which"),
        ({"working_dx": "tendinopathy", "deciding_test": "other"}, "working_dx", "valid choice"),
    ],
)
def test_it_puts_a_message_next_to_the_field_that_is_missing(
    therapist_client, mixed_intake, posted, field, message
):
    response = therapist_client.post(working_url(mixed_intake), posted)
    assert response.status_code == 400
    errors = response.context["working_form"].errors
    assert message in " ".join(errors[field])
    assert not WorkingDiagnosis.objects.exists()


def test_it_supersedes_the_working_diagnosis_once_a_diagnosis_is_confirmed(
    therapist_client, therapist, mixed_intake
):
    working_diagnosis_record(assessment=mixed_intake, by=therapist, **RETEST)
    decision_record(
        assessment=mixed_intake,
        by=therapist,
        final_dx="lumbar",
        override_reason="Slump negative after L5 mobilisation",
    )
    page = detail(therapist_client, mixed_intake)
    assert "Superseded by the confirmed diagnosis" in page
    assert 'class="working-form"' not in page
    assert WorkingDiagnosis.objects.count() == 1  # kept on record, not deleted
    response = therapist_client.post(working_url(mixed_intake), RETEST, follow=True)
    assert "This episode has a confirmed diagnosis" in response.content.decode()
    assert WorkingDiagnosis.objects.count() == 1


def test_it_keeps_an_earlier_working_diagnosis_when_a_later_one_replaces_it(
    therapist_client, therapist, mixed_intake
):
    working_diagnosis_record(assessment=mixed_intake, by=therapist, **RETEST)
    working_diagnosis_record(
        assessment=mixed_intake,
        by=therapist,
        working_dx="lumbar",
        deciding_test="repeated_movements",
    )
    page = detail(therapist_client, mixed_intake)
    assert "Replaced by a later working diagnosis" in page
    assert page.count('class="mb-2 working-diagnosis') == 2


def test_it_forbids_reception_and_patients_to_record_one(
    client, reception, patient_user, mixed_intake
):
    mixed_intake.episode.patient.user = patient_user
    mixed_intake.episode.patient.save()
    for user, refused in ((reception, 403), (patient_user, 404)):
        client.force_login(user)
        assert client.post(working_url(mixed_intake), RETEST).status_code == refused
    assert not WorkingDiagnosis.objects.exists()


def test_it_shows_the_working_diagnosis_on_the_staff_patient_page_but_not_to_reception(
    client, therapist, reception, mixed_intake
):
    working_diagnosis_record(assessment=mixed_intake, by=therapist, **RETEST)
    url = reverse("patients:detail", args=[mixed_intake.episode.patient.public_id])
    client.force_login(therapist)
    page = client.get(url).content.decode()
    assert "Working diagnosis: <strong>Mixed neural and lumbar</strong>" in page
    assert "Working diagnosis: Mixed neural and lumbar" in page  # the episode's timeline
    client.force_login(reception)
    page = client.get(url).content.decode()
    assert "Working diagnosis" not in page
    assert "Mixed" not in page


# --- What the patient sees ----------------------------------------------------------------


def portal_texts(patient_user, patient) -> list[str]:
    texts = []
    for panel in panels.portal_panels(user=patient_user, patient=patient):
        for item in panel.values().get("explanations", []):
            texts.extend(value for value in item.values() if isinstance(value, str))
    return texts


def test_it_tells_the_patient_only_that_the_source_is_still_being_worked_out(
    therapist, patient_user, mixed_intake
):
    working_diagnosis_record(assessment=mixed_intake, by=therapist, **RETEST)
    texts = portal_texts(patient_user, mixed_intake.episode.patient)
    assert texts == [
        "We are still working out where your pain comes from.",
        "Next time, your physiotherapist will check how your leg responds after some "
        "treatment to your lower back.",
    ]
    everything = " ".join(texts).lower()
    assert "mixed" not in everything
    assert "nerve" not in everything


def test_it_says_the_same_for_an_indeterminate_suggestion_with_no_working_diagnosis(
    patient_user, mixed_intake
):
    texts = portal_texts(patient_user, mixed_intake.episode.patient)
    assert texts[0] == "We are still working out where your pain comes from."
    assert "check a few more things" in texts[1]


def test_it_shows_the_explanation_once_the_diagnosis_is_confirmed(
    therapist, patient_user, mixed_intake
):
    working_diagnosis_record(assessment=mixed_intake, by=therapist, **RETEST)
    decision_record(assessment=mixed_intake, by=therapist, final_dx="mixed_neural_lumbar")
    texts = portal_texts(patient_user, mixed_intake.episode.patient)
    assert texts == [panels.PATIENT_EXPLANATIONS["mixed_neural_lumbar"]]


def test_it_puts_a_red_flag_instruction_before_anything_still_being_worked_out(
    therapist, patient_user, mixed_intake
):
    patient = mixed_intake.episode.patient
    mixed_intake.episode.status, mixed_intake.episode.discharged_on = "discharged", "2026-11-01"
    mixed_intake.episode.save()
    flagged = AssessmentFactory(
        therapist=therapist,
        episode=EpisodeFactory(patient=patient),
        final=True,
        findings={**NEURAL_FINDINGS, "rf_bladder_change": True},
    )
    decision_record(assessment=flagged, by=therapist, final_dx="red_flag_referral")
    newest = EpisodeFactory(patient=patient)
    pending = AssessmentFactory(
        therapist=therapist, episode=newest, final=True, findings=MIXED_FINDINGS
    )
    working_diagnosis_record(assessment=pending, by=therapist, **RETEST)
    texts = portal_texts(patient_user, patient)
    action = next(i for i, text in enumerate(texts) if text.startswith("Go to the emergency"))
    working = texts.index("We are still working out where your pain comes from.")
    assert action < working


def test_it_never_puts_the_working_label_on_the_portal_home(
    client, therapist, patient_user, mixed_intake
):
    patient = mixed_intake.episode.patient
    patient.user = patient_user
    patient.save()
    working_diagnosis_record(
        assessment=mixed_intake,
        by=therapist,
        working_dx="other",
        other_dx_text="Proximal tendinopathy?",
        deciding_test="imaging_or_referral",
        deciding_test_note="MRI if no change in 2 weeks",
    )
    client.force_login(patient_user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "We are still working out where your pain comes from." in page
    assert "whether a scan or a specialist&#x27;s opinion would help" in page
    assert "tendinopathy" not in page.lower()
    assert "MRI" not in page
