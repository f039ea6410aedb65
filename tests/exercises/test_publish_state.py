"""A plan published by an earlier release is not "changed" merely because this release
freezes more about each exercise; a therapist's real change still is."""

import copy

import pytest
from django.urls import reverse

from exercises.models import PlanVersion
from exercises.services import plan_doses_update, plan_publish, plan_publish_state
from exercises.versions import CHANGED, NEW, OUTDATED, OUTDATED_CHANGE, SAME, publish_state
from tests.exercises.factories import published_plan

#: What a release before exercise days, progression steps and "each side" froze per item.
RELEASE_KEYS = ("schedule", "step", "next_step", "each_side")


def old_release(items: list[dict]) -> list[dict]:
    """Items as the earlier release froze them: no newer keys, the note as the dose line."""
    old = []
    for item in copy.deepcopy(items):
        for key in RELEASE_KEYS:
            item.pop(key, None)
        item["dose_text"] = item["dose_text"].replace(" each side", "")
        old.append(item)
    return old


ITEM = {
    "key": "EX-A07",
    "name": "Nordic lowers",
    "dose": {"sets": 2, "reps": 5, "days_per_week": 1},
    "dose_text": "2 sets of 5 · 1 day a week",
    "note": "",
    "schedule": {"days_per_week": 1, "min_rest_days": 1},
    "step": {"key": "a07_start", "name": "Start", "number": 1, "of": 3},
}


@pytest.mark.parametrize(
    ("snapshot", "published", "state"),
    [
        ([ITEM], None, NEW),
        ([ITEM], [ITEM], SAME),
        # frozen before days and steps existed: same plan, older presentation
        ([ITEM], old_release([ITEM]), OUTDATED),
        # a better-worded dose line alone is not the therapist's change
        ([{**ITEM, "dose_text": "2 sets of 5 · once a week"}], [ITEM], OUTDATED),
        # the therapist's changes on an old version are still changes
        ([{**ITEM, "dose": {**ITEM["dose"], "sets": 3}}], old_release([ITEM]), CHANGED),
        ([{**ITEM, "note": "Slowly"}], old_release([ITEM]), CHANGED),
        ([ITEM, {**ITEM, "key": "EX-G01"}], old_release([ITEM]), CHANGED),
        # a dose key the old version did not have is not compared; the ones it had are
        (
            [{**ITEM, "dose": {**ITEM["dose"], "reps_per_set": [12, 10, 8]}}],
            old_release([ITEM]),
            OUTDATED,
        ),
    ],
)
def test_it_tells_a_real_change_from_an_older_release(snapshot, published, state):
    assert publish_state(snapshot, published) == state


@pytest.mark.django_db
def test_it_offers_to_bring_an_old_release_plan_up_to_date_without_calling_it_changed(
    therapist, therapist_client
):
    plan = published_plan(therapist=therapist)
    version = plan.current_version
    PlanVersion.objects.filter(pk=version.pk).update(items=old_release(version.items))
    plan.refresh_from_db()
    url = reverse("exercises:plan_detail", args=[plan.public_id])

    page = therapist_client.get(url).content.decode()
    assert plan_publish_state(plan=plan) == OUTDATED
    assert "differs from what the patient sees" not in page
    assert "publish again" in page
    assert "Publish plan" in page

    republished = plan_publish(plan=plan, user=therapist)
    assert republished.number == version.number + 1
    assert republished.change_summary == OUTDATED_CHANGE
    assert "schedule" in republished.items[0]
    plan.refresh_from_db()
    assert plan_publish_state(plan=plan) == SAME
    page = therapist_client.get(url).content.decode()
    assert "The patient sees exactly this plan." in page


@pytest.mark.django_db
def test_it_still_calls_a_dose_change_on_an_old_release_plan_a_change(therapist, therapist_client):
    plan = published_plan(therapist=therapist)
    version = plan.current_version
    PlanVersion.objects.filter(pk=version.pk).update(items=old_release(version.items))
    item = plan.items.get(exercise__code="EX-N01")
    plan_doses_update(plan=plan, doses={item: {"sets": 3, "reps": 15}})
    plan.refresh_from_db()

    page = therapist_client.get(reverse("exercises:plan_detail", args=[plan.public_id]))
    assert "differs from what the patient sees" in page.content.decode()
    republished = plan_publish(plan=plan, user=therapist)
    assert "3 sets of 15" in republished.change_summary
