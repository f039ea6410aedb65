"""The therapist progresses or regresses a plan item in one step (a new version at once); the
patient sees the step and "next step when ..."; the logs suggest, never change, a step."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from clinic.models import AuditEvent
from exercises.models import ExercisePlan, PlanItem, PlanVersion
from exercises.progress_services import HELD, UNPUBLISHED, plan_item_progress
from exercises.services import plan_doses_update, plan_publish
from exercises.versions import version_changes
from tests.exercises.factories import library, log, published_plan
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture
def ada(patient_user):
    return PatientFactory(user=patient_user, first_name="Ada", time_zone="Europe/London")


@pytest.fixture
def plan(ada, therapist):
    with time_machine.travel(NOW - dt.timedelta(days=10), tick=False):
        return published_plan(therapist=therapist, patient=ada, codes=("EX-N01", "EX-A03"))


def item(plan, code) -> PlanItem:
    return plan.items.select_related("exercise").get(exercise__code=code)


def progress_url(plan, entry, name="plan_item_progress"):
    return reverse(f"exercises:{name}", args=[plan.public_id, entry.public_id])


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_progresses_an_item_and_publishes_a_version_at_once(plan, therapist):
    version = plan_item_progress(item=item(plan, "EX-N01"), direction="progress", user=therapist)

    plan.refresh_from_db()
    assert plan.current_version == version
    assert version.number == 2
    glide = next(entry for entry in version.items if entry["key"] == "EX-N01")
    assert glide["dose"]["sets"] == 3
    assert glide["dose"]["reps"] == 15
    assert glide["step"]["name"] == "Sitting nerve glide, more repetitions"
    assert glide["next_step"]["name"] == "Sitting nerve stretch pulses"
    assert version.change_summary == (
        "Progressed Seated nerve glide (knee and neck) to “Sitting nerve glide, more "
        "repetitions” (step 3 of 5)"
    )
    # the first version is what it was
    first = plan.versions.get(number=1)
    assert next(e for e in first.items if e["key"] == "EX-N01")["dose"]["reps"] == 10
    assert AuditEvent.objects.filter(detail__event="plan_item_progressed").count() == 1


def test_it_moves_a_slider_on_to_the_tensioner(plan, therapist):
    glide = item(plan, "EX-N01")
    plan_item_progress(item=glide, direction="progress", user=therapist)
    version = plan_item_progress(item=glide, direction="progress", user=therapist)

    keys = [entry["key"] for entry in version.items]
    assert keys == ["EX-N06", "EX-A03"]  # same place in the plan
    pulses = version.items[0]
    assert (pulses["name"], pulses["dose"]["reps"]) == ("Seated nerve stretch pulses", 5)
    assert pulses["stop_rules"] == list(library("EX-N06")[0].stop_rules)
    assert item(plan, "EX-N06").progression_step == "n06_start"


def test_it_regresses_to_the_gentler_step(plan, therapist):
    version = plan_item_progress(item=item(plan, "EX-N01"), direction="regress", user=therapist)
    assert version.items[0]["key"] == "EX-N04"
    assert version.items[0]["step"] == {
        "key": "n04_side_lying",
        "name": "Gentle glide lying on your side",
        "number": 1,
        "of": 5,
    }
    assert version.change_summary.startswith("Regressed Seated nerve glide")


def test_it_steps_a_same_exercise_ladder_by_its_dose(ada, therapist):
    nordic = published_plan(therapist=therapist, patient=ada, codes=("EX-A07",))
    version = plan_item_progress(item=item(nordic, "EX-A07"), direction="progress", user=therapist)
    entry = version.items[0]
    assert (entry["dose"]["sets"], entry["dose"]["days_per_week"]) == (3, 2)
    assert entry["step"]["name"].startswith("Nordic lowers: 3 sets")
    assert entry["next_step"]["name"] == "Nordic lowers: once a week to keep the strength"


def refused(plan, entry, direction="progress", user=None) -> str:
    versions = PlanVersion.objects.filter(plan=plan).count()
    before = PlanItem.objects.filter(plan=plan).values().order_by("pk")
    before = list(before)
    with pytest.raises(ValidationError) as error:
        plan_item_progress(item=entry, direction=direction, user=user)
    assert PlanVersion.objects.filter(plan=plan).count() == versions
    assert list(PlanItem.objects.filter(plan=plan).values().order_by("pk")) == before
    return " ".join(error.value.messages)


def test_it_refuses_a_plan_held_for_a_red_flag(plan, therapist):
    ExercisePlan.objects.filter(pk=plan.pk).update(status="paused", hold_reason="Red flag")
    assert refused(plan, item(plan, "EX-N01"), user=therapist) == HELD


def test_it_refuses_a_draft_a_paused_and_a_completed_plan(plan, therapist):
    for status in ("paused", "completed"):
        ExercisePlan.objects.filter(pk=plan.pk).update(status=status)
        assert "Only an active plan" in refused(plan, item(plan, "EX-N01"), user=therapist)


def test_it_refuses_while_other_changes_wait_unpublished(plan, therapist):
    plan_doses_update(plan=plan, doses={item(plan, "EX-A03"): {"reps": 8}})
    assert refused(plan, item(plan, "EX-N01"), user=therapist) == UNPUBLISHED


def test_it_refuses_past_either_end_and_without_a_ladder(ada, therapist, plan):
    assert "last step" in refused(
        plan, item(plan, "EX-A03"), direction="regress", user=therapist
    ).replace("first step", "last step")
    other = published_plan(therapist=therapist, codes=("EX-A05", "EX-G01"))
    assert "is at its last step" in refused(other, item(other, "EX-A05"), user=therapist)
    assert "has no progressions" in refused(other, item(other, "EX-G01"), user=therapist)
    assert "progress or regress" in refused(other, item(other, "EX-A05"), "sideways", therapist)


def test_it_refuses_a_step_whose_exercise_is_already_in_the_plan(therapist):
    plan = published_plan(therapist=therapist, codes=("EX-N04", "EX-N01"))
    message = refused(plan, item(plan, "EX-N01"), direction="regress", user=therapist)
    assert message.startswith("Side-lying gentle nerve glide is already in this plan")


def test_it_progresses_from_the_plan_page_and_shows_what_changed(plan, therapist_client):
    glide = item(plan, "EX-N01")
    page = therapist_client.get(reverse("exercises:plan_detail", args=[plan.public_id]))
    body = page.content.decode()
    assert "Step 2 of 5: Sitting nerve glide" in body
    assert "Progress to “Sitting nerve glide, more repetitions”" in body
    assert "Back to “Gentle glide lying on your side”" in body

    response = therapist_client.post(progress_url(plan, glide), {"direction": "progress"})

    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("Version 2 published: Progressed Seated nerve glide")
    body = therapist_client.get(response["Location"]).content.decode()
    assert "Changed: Progressed Seated nerve glide (knee and neck) to" in body
    assert "Step 3 of 5" in body


def test_it_says_on_the_page_why_a_held_plan_cannot_be_progressed(plan, therapist_client):
    ExercisePlan.objects.filter(pk=plan.pk).update(status="paused", hold_reason="Red flag")
    body = therapist_client.get(reverse("exercises:plan_detail", args=[plan.public_id]))
    body = body.content.decode()
    assert f"Progress and regress: {HELD}" in body
    assert "Progress to" not in body
    response = therapist_client.post(
        progress_url(plan, item(plan, "EX-N01")), {"direction": "progress"}
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [HELD]


def test_it_keeps_progressing_from_reception_and_patients(client, plan, reception, patient_user):
    url = progress_url(plan, item(plan, "EX-N01"))
    assert client.post(url, {"direction": "progress"}).status_code == 302  # to log in
    # staff without the role are refused; a patient is told nothing exists here
    for user, status in ((reception, 403), (patient_user, 404)):
        assert signed_in(user).post(url, {"direction": "progress"}).status_code == status
    assert signed_in(reception).get(url).status_code in (403, 405)
    assert plan.versions.count() == 1


def test_it_answers_404_for_an_item_of_another_plan(plan, therapist, therapist_client):
    other = published_plan(therapist=therapist)
    url = reverse(
        "exercises:plan_item_progress", args=[plan.public_id, other.items.first().public_id]
    )
    assert therapist_client.post(url, {"direction": "progress"}).status_code == 404


# --- What the patient sees ------------------------------------------------------------


def test_it_shows_the_patient_the_new_version_with_the_next_step(plan, therapist, patient_user):
    plan_item_progress(item=item(plan, "EX-N01"), direction="progress", user=therapist)
    body = signed_in(patient_user).get(reverse("portal:home")).content.decode()
    assert "3 sets of 15" in body
    assert "Your step: Sitting nerve glide, more repetitions (step 3 of 5)" in body
    assert (
        "Next step, “Sitting nerve stretch pulses”, when the glides bring on no symptoms at all"
        in body
    )
    assert "Next step, “Askling Diver”, when you can do every set" in body


def test_it_shows_no_next_step_for_a_version_from_before_progressions(plan, patient_user):
    strip_progressions(plan.current_version)
    body = signed_in(patient_user).get(reverse("portal:home")).content.decode()
    assert "Seated nerve glide" in body
    assert "Next step" not in body
    assert "Your step" not in body


def test_it_prints_the_next_step_on_the_plan_sheet(plan, therapist_client):
    body = therapist_client.get(reverse("exercises:plan_print", args=[plan.public_id]))
    assert "Next step, “Askling Diver”, when" in body.content.decode()


# --- Suggestions from the logs ----------------------------------------------------------


def settled_week(plan, *, pain=1):
    for days_ago in range(6, -1, -1):
        log(plan, TODAY - dt.timedelta(days=days_ago), pain=pain, worse_next_morning=False)


def test_it_suggests_progressing_after_a_settled_week_but_changes_nothing(plan, therapist_client):
    with time_machine.travel(NOW, tick=False):
        settled_week(plan)
        body = therapist_client.get(reverse("exercises:plan_detail", args=[plan.public_id]))
        body = body.content.decode()
        patient_page = therapist_client.get(
            reverse("patients:detail", args=[plan.patient.public_id])
        )
    line = (
        "Pain stayed at or under 2/10 and settled by next morning for a week (7 sessions): "
        "consider progressing."
    )
    assert body.count(line) == 2  # both exercises
    assert patient_page.content.decode().count(line) == 2
    assert "Consider progressing</strong> Seated nerve glide (knee and neck) (step 2 of 5)" in (
        patient_page.content.decode()
    )
    assert plan.versions.count() == 1  # a suggestion, never a change


def test_it_suggests_from_each_plans_own_logs_on_the_patient_page(plan, ada, therapist_client):
    """The patient page reads all the patient's versions and logs at once: a settled week on one
    plan must not count for another plan of the same patient."""
    with time_machine.travel(NOW - dt.timedelta(days=10), tick=False):
        other = published_plan(therapist=plan.created_by, patient=ada, codes=("EX-N01",))
    with time_machine.travel(NOW, tick=False):
        settled_week(plan)
        page = therapist_client.get(reverse("patients:detail", args=[ada.public_id]))
    body = page.content.decode()
    # the settled plan's two exercises, not the same glide in the plan without logs
    assert body.count("consider progressing") == 2
    assert "Pain stayed at or under 2/10" in body
    assert not other.session_logs.exists()


def test_it_suggests_regressing_after_two_painful_sessions(plan, therapist_client):
    with time_machine.travel(NOW, tick=False):
        log(plan, TODAY - dt.timedelta(days=2), pain=4)
        log(plan, TODAY, pain=5)
        body = therapist_client.get(reverse("exercises:plan_detail", args=[plan.public_id]))
    body = body.content.decode()
    # the glide can step back; the extender is the first Askling step, so no suggestion
    assert body.count("Pain went above 2/10 in 2 sessions at this step: consider regressing.") == 1


def test_it_waits_a_week_after_a_progression_before_suggesting_again(
    plan, therapist, therapist_client
):
    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        plan_item_progress(item=item(plan, "EX-N01"), direction="progress", user=therapist)
    with time_machine.travel(NOW, tick=False):
        settled_week(plan)
        body = therapist_client.get(reverse("exercises:plan_detail", args=[plan.public_id]))
    # only the untouched extender has had its week
    assert body.content.decode().count("consider progressing") == 1


@pytest.mark.parametrize("count", [1, 2])
def test_it_shows_the_plan_page_with_suggestions_in_a_fixed_number_of_queries(
    ada, therapist, therapist_client, django_assert_num_queries, count
):
    codes = ("EX-N01", "EX-A03", "EX-L02", "EX-A02")[: 2 * count]
    with time_machine.travel(NOW - dt.timedelta(days=10), tick=False):
        plan = published_plan(therapist=therapist, patient=ada, codes=codes)
    with time_machine.travel(NOW, tick=False):
        for step in range(count):
            plan_item_progress(item=item(plan, codes[step]), direction="progress", user=therapist)
        settled_week(plan)
        url = reverse("exercises:plan_detail", args=[plan.public_id])
        therapist_client.get(url)
        # Queries: session, user, plan, items with exercises, weekly stats, versions with
        # publishers, the recent logs (the suggestions), acknowledged alerts, symptom reports,
        # the add form's exercise choices; the audit INSERT. (The clock stands still, so the
        # staff idle timer needs no session save.)
        with django_assert_num_queries(11):
            response = therapist_client.get(url)
    assert response.content.decode().count("consider progressing") == count


def test_it_describes_what_a_hand_published_version_changed():
    before = [
        {"key": "A", "name": "Bridge", "dose_text": "3 sets of 10", "note": ""},
        {"key": "B", "name": "Cycling", "dose_text": "10 minutes", "note": ""},
    ]
    after = [
        {"key": "A", "name": "Bridge", "dose_text": "3 sets of 12", "note": "Slowly"},
        {"key": "C", "name": "Bird-dog", "dose_text": "2 sets of 6", "note": ""},
    ]
    assert version_changes(before, after) == (
        "Removed Cycling; Bridge: 3 sets of 10 → 3 sets of 12, note changed; Added Bird-dog"
    )
    assert version_changes(None, after) == ""
    assert version_changes(before, before[::-1]) == "Order changed"


def test_it_records_what_a_published_dose_change_changed(plan, therapist):
    plan_doses_update(plan=plan, doses={item(plan, "EX-A03"): {"reps": 8}})
    version = plan_publish(plan=plan, user=therapist)
    assert version.change_summary == (
        "Askling Extender (lying knee straighten): 3 sets of 12 · twice a day · every day → "
        "3 sets of 8 · twice a day · every day"
    )


def strip_progressions(version):
    version.items = [
        {k: v for k, v in entry.items() if k not in ("step", "next_step")}
        for entry in version.items
    ]
    version.save(update_fields=["items"])


def test_it_does_not_call_a_plan_from_before_progressions_changed(plan, therapist_client):
    # it offers to publish again (the patient would then see "next step when…"), without
    # saying the therapist changed anything
    strip_progressions(plan.current_version)
    page = therapist_client.get(reverse("exercises:plan_detail", args=[plan.public_id]))
    page = page.content.decode()
    assert "differs from what the patient sees" not in page
    assert "Nothing you chose has changed" in page


def test_it_publishes_a_step_that_changes_only_its_name_on_a_plan_from_before(ada, therapist):
    # the heel press keeps its dose from step to step: only the effort (the step) changes
    heel = published_plan(therapist=therapist, patient=ada, codes=("EX-A01",))
    strip_progressions(heel.current_version)
    version = plan_item_progress(item=item(heel, "EX-A01"), direction="progress", user=therapist)
    assert version.number == 2
    assert version.items[0]["step"]["name"] == "Heel press at about three-quarter effort"


def test_it_reads_only_what_the_suggestions_need_of_each_published_item(plan, therapist):
    """The patient page reads each version's items as their key, name, step and dose (the
    library's instructions and stop rules make up most of an item): the suggestions, and when
    each item reached its step, must come out as from the whole items."""
    from exercises.progress_selectors import progress_for_plans, version_items, versions_of_patient

    with time_machine.travel(NOW - dt.timedelta(days=5), tick=False):
        plan_item_progress(item=item(plan, "EX-N01"), direction="progress", user=therapist)
    with time_machine.travel(NOW, tick=False):
        settled_week(plan)
        plan.refresh_from_db()
        slim = versions_of_patient(patient=plan.patient)
        whole = list(PlanVersion.objects.filter(plan=plan).order_by("-number"))
        from_slim = progress_for_plans(patient=plan.patient, plans=[plan], versions=slim)
        from_whole = progress_for_plans(patient=plan.patient, plans=[plan], versions=whole)
    assert [len(version_items(version)) for version in slim] == [2, 2]
    for version in slim:
        for entry in version_items(version):
            assert set(entry) == {"key", "name", "step", "dose"}
    assert from_slim == from_whole
    glide = next(entry for entry in from_slim[plan.pk] if entry.code == "EX-N01")
    assert glide.since == (NOW - dt.timedelta(days=5)).date()  # the newer version's step
    assert any(entry.suggestion for entry in from_slim[plan.pk])  # the extender's settled week
