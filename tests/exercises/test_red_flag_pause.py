"""A confirmed red-flag referral holds the home exercises until a clinician resumes them with a
reason (SPEC 3.9b, amendment 26)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from clinic.models import AuditEvent
from exercises.models import ExercisePlan
from exercises.reminders import ExercisePlanReminders
from exercises.services import plan_change_status, plan_publish, plan_resume_after_hold
from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory
from tests.exercises.factories import published_plan
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
RED_FLAG_FINDINGS = {**NEURAL_FINDINGS, "rf_bladder_change": True}
ON_HOLD = "Your exercises are on hold until your physiotherapist has heard from the doctor"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def confirm_red_flag(client, plan, therapist):
    assessment = AssessmentFactory(
        episode=plan.episode, therapist=therapist, final=True, findings=RED_FLAG_FINDINGS
    )
    return client.post(
        reverse("assessments:decide", args=[assessment.public_id]),
        {"clinician_final_dx": "red_flag_referral"},
    )


@pytest.fixture
def ada(patient_user):
    return PatientFactory(user=patient_user, first_name="Ada")


@pytest.fixture
def ada_plan(ada, therapist):
    return published_plan(therapist=therapist, patient=ada)


@pytest.fixture
def held_plan(ada_plan, therapist):
    response = confirm_red_flag(signed_in(therapist), ada_plan, therapist)
    assert response.status_code == 302
    ada_plan.refresh_from_db()
    return ada_plan


def resume_url(plan):
    return reverse("exercises:plan_resume", args=[plan.public_id])


def test_it_pauses_the_patients_plan_when_a_red_flag_referral_is_confirmed(therapist):
    plan = published_plan(therapist=therapist)
    someone_else = published_plan(therapist=therapist)

    response = confirm_red_flag(signed_in(therapist), plan, therapist)

    assert response.status_code == 302
    plan.refresh_from_db()
    someone_else.refresh_from_db()
    assert plan.status == ExercisePlan.Status.PAUSED
    assert plan.hold_reason.startswith("Red flag referral confirmed on ")
    assert therapist.email in plan.hold_reason or therapist.get_full_name() in plan.hold_reason
    assert someone_else.status == ExercisePlan.Status.ACTIVE
    assert not someone_else.hold_reason
    # a reminder falling due now is skipped
    due = type("Due", (), {"local_date": plan.start_date})()
    assert ExercisePlanReminders._verdict(plan, due, set()) is not None


def test_it_leaves_the_plan_running_for_an_ordinary_diagnosis(therapist):
    plan = published_plan(therapist=therapist)
    assessment = AssessmentFactory(
        episode=plan.episode, therapist=therapist, final=True, findings=NEURAL_FINDINGS
    )
    signed_in(therapist).post(
        reverse("assessments:decide", args=[assessment.public_id]),
        {"clinician_final_dx": "neural"},
    )
    plan.refresh_from_db()
    assert plan.status == ExercisePlan.Status.ACTIVE


def test_it_needs_a_reason_to_resume_a_held_plan(therapist, held_plan):
    with pytest.raises(ValidationError) as error:
        plan_resume_after_hold(plan=held_plan, user=therapist, reason="   ")
    assert "reason" in error.value.error_dict
    # the ordinary Resume button and publishing a new version do not lift the hold
    with pytest.raises(ValidationError):
        plan_change_status(plan=held_plan, action="resume")
    plan_publish(plan=held_plan, user=therapist)
    held_plan.refresh_from_db()
    assert held_plan.status == ExercisePlan.Status.PAUSED
    assert held_plan.is_held


def test_it_records_who_when_and_why_a_held_plan_resumed_and_audits_it(therapist, held_plan):
    plan = plan_resume_after_hold(
        plan=held_plan, user=therapist, reason="GP saw her today: no cauda equina signs."
    )
    plan.refresh_from_db()
    assert plan.status == ExercisePlan.Status.ACTIVE
    assert plan.hold_reason == ""
    assert plan.resume_reason == "GP saw her today: no cauda equina signs."
    assert plan.resumed_by == therapist
    assert plan.resumed_at is not None
    event = AuditEvent.objects.filter(detail__event="plan_resumed_after_red_flag").get()
    assert event.actor_id == therapist.pk
    assert event.patient_id == plan.patient_id
    assert event.detail["reason"] == "GP saw her today: no cauda equina signs."
    assert AuditEvent.objects.filter(detail__event="plan_held_for_red_flag").exists()


def test_it_keeps_ordinary_pause_and_resume_working(therapist, ada_plan):
    plan = plan_change_status(plan=ada_plan, action="pause")
    assert plan.status == ExercisePlan.Status.PAUSED
    assert not plan.is_held
    plan = plan_change_status(plan=plan, action="resume")
    assert plan.status == ExercisePlan.Status.ACTIVE


def test_it_refuses_an_empty_reason_next_to_the_field(therapist, held_plan):
    response = signed_in(therapist).post(resume_url(held_plan), {"reason": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == ["Say why the exercises can start again."]
    assert 'id="error_1_id_reason"' in response.content.decode() or "invalid-feedback" in (
        response.content.decode()
    )
    held_plan.refresh_from_db()
    assert held_plan.is_held


def test_it_resumes_from_the_page_with_a_reason(therapist, held_plan):
    response = signed_in(therapist).post(
        resume_url(held_plan), {"reason": "Cleared by the GP on the phone."}
    )
    assert response.status_code == 302
    held_plan.refresh_from_db()
    assert held_plan.status == ExercisePlan.Status.ACTIVE
    page = signed_in(therapist).get(reverse("exercises:plan_detail", args=[held_plan.public_id]))
    assert "Cleared by the GP on the phone." in page.content.decode()


def test_it_keeps_the_resume_page_from_reception_and_patients(reception, patient_user, held_plan):
    assert signed_in(reception).get(resume_url(held_plan)).status_code in (403, 404)
    assert signed_in(patient_user).get(resume_url(held_plan)).status_code in (403, 404)
    for user in (reception, patient_user):
        response = signed_in(user).post(resume_url(held_plan), {"reason": "Let me in"})
        assert response.status_code in (403, 404)
    held_plan.refresh_from_db()
    assert held_plan.is_held


def test_it_shows_the_hold_reason_to_clinicians_on_the_plan_and_patient_pages(
    therapist, reception, held_plan
):
    client = signed_in(therapist)
    plan_page = client.get(reverse("exercises:plan_detail", args=[held_plan.public_id]))
    patient_page = client.get(reverse("patients:detail", args=[held_plan.patient.public_id]))
    for page in (plan_page, patient_page):
        body = page.content.decode()
        assert held_plan.hold_reason in body
        assert resume_url(held_plan) in body
    reception_page = signed_in(reception).get(
        reverse("patients:detail", args=[held_plan.patient.public_id])
    )
    assert held_plan.hold_reason not in reception_page.content.decode()


def test_it_tells_the_patient_the_exercises_are_on_hold(patient_user, held_plan):
    body = signed_in(patient_user).get(reverse("portal:home")).content.decode()
    assert ON_HOLD in body
    assert "Log today's session" not in body
    assert held_plan.current_version.items[0]["name"] not in body


def test_it_shows_the_held_plan_and_the_resume_page_in_a_fixed_number_of_queries(
    therapist, held_plan, django_assert_num_queries
):
    client = signed_in(therapist)
    plan_page = reverse("exercises:plan_detail", args=[held_plan.public_id])
    client.get(plan_page)
    client.get(resume_url(held_plan))
    with django_assert_num_queries(PLAN_PAGE_QUERIES):
        client.get(plan_page)
    # Queries: session, user, the plan with its patient, episode, version and authors, the
    # audit INSERT.
    with django_assert_num_queries(4):
        response = client.get(resume_url(held_plan))
    assert response.status_code == 200
    plan_resume_after_hold(plan=held_plan, user=therapist, reason="Cleared.")
    client.get(plan_page)
    # active again: the page reads its open alerts and recent logs (progress suggestions)
    # too, as for any active plan
    with django_assert_num_queries(PLAN_PAGE_QUERIES + 3):
        assert "Cleared." in client.get(plan_page).content.decode()


def test_it_fits_the_resume_page_on_a_phone(therapist, held_plan):
    body = signed_in(therapist).get(resume_url(held_plan)).content.decode()
    assert 'name="viewport"' in body
    assert "<table" not in body


# The plan page's usual queries for a paused plan (see exercises.views._plan_page); the hold
# and the resume (with who resumed, joined to the plan) add none.
PLAN_PAGE_QUERIES = 8


def test_it_refuses_to_resume_a_plan_that_is_not_on_hold(therapist, ada_plan):
    client = signed_in(therapist)
    assert "is not on hold" in client.get(resume_url(ada_plan)).content.decode()
    response = client.post(resume_url(ada_plan), {"reason": "Just because."})
    assert response.status_code == 400
    assert "This plan is not on hold" in response.content.decode()
    ada_plan.refresh_from_db()
    assert ada_plan.resume_reason == ""


def test_it_starts_no_other_plan_of_the_patient_while_one_is_on_hold(therapist, held_plan):
    from exercises.services import plan_create
    from tests.exercises.factories import library

    draft = plan_create(episode=held_plan.episode, user=therapist, exercises=library("EX-N01"))
    with pytest.raises(ValidationError):
        plan_publish(plan=draft, user=therapist)
    draft.refresh_from_db()
    assert draft.status == ExercisePlan.Status.DRAFT
    held_plan.refresh_from_db()
    assert held_plan.is_held


@pytest.fixture
def held_draft(ada, therapist):
    """Ada's only plan is a draft when her therapist confirms a red-flag referral."""
    from exercises.services import plan_create
    from tests.exercises.factories import library
    from tests.patients.factories import EpisodeFactory

    draft = plan_create(
        episode=EpisodeFactory(patient=ada), user=therapist, exercises=library("EX-N01")
    )
    response = confirm_red_flag(signed_in(therapist), draft, therapist)
    assert response.status_code == 302
    draft.refresh_from_db()
    return draft


def test_it_holds_a_draft_plan_when_a_red_flag_referral_is_confirmed(held_draft):
    assert held_draft.status == ExercisePlan.Status.DRAFT
    assert held_draft.is_held
    assert held_draft.hold_reason.startswith("Red flag referral confirmed on ")
    assert AuditEvent.objects.filter(detail__event="plan_held_for_red_flag").count() == 1


def test_it_refuses_to_publish_a_held_draft_with_a_clear_message(therapist, held_draft):
    response = signed_in(therapist).post(
        reverse("exercises:plan_publish", args=[held_draft.public_id]), follow=True
    )
    assert "This draft is on hold for a red flag referral" in response.content.decode()
    held_draft.refresh_from_db()
    assert held_draft.status == ExercisePlan.Status.DRAFT
    assert held_draft.current_version is None
    assert held_draft.is_held


def test_it_offers_to_clear_the_hold_instead_of_publishing_a_held_draft(therapist, held_draft):
    html = (
        signed_in(therapist)
        .get(reverse("exercises:plan_detail", args=[held_draft.public_id]))
        .content.decode()
    )
    assert "It cannot be published until the hold is cleared." in html
    assert reverse("exercises:plan_publish", args=[held_draft.public_id]) not in html
    assert resume_url(held_draft) in html


def test_it_publishes_a_draft_once_a_clinician_clears_the_hold_with_a_reason(therapist, held_draft):
    client = signed_in(therapist)
    response = client.post(resume_url(held_draft), {"reason": ""})
    assert response.status_code == 400  # a reason is required, as for a paused plan
    response = client.post(
        resume_url(held_draft), {"reason": "GP saw her today: no fracture, fine to load."}
    )
    assert response.status_code == 302
    held_draft.refresh_from_db()
    assert held_draft.status == ExercisePlan.Status.DRAFT  # not published behind anyone's back
    assert not held_draft.is_held
    assert held_draft.resume_reason == "GP saw her today: no fracture, fine to load."
    assert AuditEvent.objects.filter(detail__event="plan_resumed_after_red_flag").exists()
    plan_publish(plan=held_draft, user=therapist)
    held_draft.refresh_from_db()
    assert held_draft.status == ExercisePlan.Status.ACTIVE


def test_it_starts_no_other_plan_while_a_draft_is_on_hold(therapist, held_draft):
    from exercises.services import plan_create
    from tests.exercises.factories import library

    other = plan_create(episode=held_draft.episode, user=therapist, exercises=library("EX-N02"))
    with pytest.raises(ValidationError):
        plan_publish(plan=other, user=therapist)
