"""One "Save all doses" saves every exercise of a plan (issue 12, item 20).

A wrong value anywhere saves nothing and brings the page back with every typed value and the
message next to the field it is about.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from clinic.models import AuditEvent
from exercises.models import PlanItem
from exercises.services import plan_change_status, plan_item_add
from tests.exercises.factories import library, published_plan

pytestmark = pytest.mark.django_db


class _FormReader(HTMLParser):
    """The fields a browser would send from the form with the given id (text inputs, and the
    ticked boxes: one value per name is enough here)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.fields, self._textarea = form_id, False, {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        elif self.inside and tag == "input" and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif self.inside and tag == "textarea":
            self._textarea = attrs["name"]
            self.fields[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False


def shown_doses(content: bytes) -> dict[str, str]:
    reader = _FormReader("plan-doses")
    reader.feed(content.decode())
    return reader.fields


def detail_url(plan):
    return reverse("exercises:plan_detail", args=[plan.public_id])


def doses_url(plan):
    return reverse("exercises:plan_doses", args=[plan.public_id])


@pytest.fixture
def plan(therapist):
    return published_plan(therapist=therapist)


def items_of(plan) -> list[PlanItem]:
    return list(plan.items.select_related("exercise").order_by("position"))


def test_it_saves_the_doses_of_every_exercise_with_one_button(therapist_client, plan):
    first, second, third = items_of(plan)
    data = shown_doses(therapist_client.get(detail_url(plan)).content)
    data |= {f"{first.public_id}-sets": "3", f"{first.public_id}-note": "Slowly"}
    data |= {f"{third.public_id}-days_per_week": "5"}

    response = therapist_client.post(doses_url(plan), data, follow=True)

    assert response.redirect_chain == [(detail_url(plan), 302)]
    first.refresh_from_db(), second.refresh_from_db(), third.refresh_from_db()
    assert (first.sets, first.note) == (3, "Slowly")
    assert third.days_per_week == 5
    assert (second.sets, second.days_per_week, second.note) == (None, None, "")
    body = response.content.decode()
    assert f"Doses saved for {first.exercise.name}, {third.exercise.name}." in body
    assert body.count("Save all doses") == 1


def test_it_changes_nothing_when_the_page_is_saved_as_shown(therapist_client, plan):
    data = shown_doses(therapist_client.get(detail_url(plan)).content)
    before = list(PlanItem.objects.filter(plan=plan).order_by("pk").values())

    response = therapist_client.post(doses_url(plan), data, follow=True)

    assert "No dose was changed." in response.content.decode()
    assert list(PlanItem.objects.filter(plan=plan).order_by("pk").values()) == before
    assert not AuditEvent.objects.filter(object_type="exercises.planitem").exists()


def test_it_keeps_every_typed_value_and_saves_nothing_when_one_dose_is_wrong(
    therapist_client, plan
):
    first, second, third = items_of(plan)
    data = shown_doses(therapist_client.get(detail_url(plan)).content)
    data |= {
        f"{first.public_id}-sets": "4",
        f"{first.public_id}-note": "Keep it gentle",
        f"{second.public_id}-days_per_week": "9",
        f"{second.public_id}-reps": "12",
        f"{third.public_id}-hold_seconds": "20",
    }

    response = therapist_client.post(doses_url(plan), data)

    assert response.status_code == 400
    for item in (first, second, third):
        item.refresh_from_db()
    assert [
        (i.sets, i.reps, i.hold_seconds, i.days_per_week, i.note) for i in (first, second, third)
    ] == [(None, None, None, None, "")] * 3
    shown = shown_doses(response.content)
    assert shown[f"{first.public_id}-sets"] == "4"
    assert shown[f"{first.public_id}-note"].strip() == "Keep it gentle"
    assert shown[f"{second.public_id}-days_per_week"] == "9"
    assert shown[f"{second.public_id}-reps"] == "12"
    assert shown[f"{third.public_id}-hold_seconds"] == "20"
    body = response.content.decode()
    # the message sits in the wrong item's card, next to its field, and nowhere else
    card = body[body.index(f'id="item-{second.public_id}"') :]
    card = card[: card.index("</li>")]
    assert "Choose between 1 and 7 days" in card
    assert f"{second.exercise.name}: not saved" in card
    assert body.count("Choose between 1 and 7 days") == 1
    assert f'href="#item-{second.public_id}"' in body
    assert "1 exercise needs a correction" in body


def test_it_leaves_an_exercise_added_in_another_tab_as_it_is(therapist_client, plan):
    data = shown_doses(therapist_client.get(detail_url(plan)).content)
    added = plan_item_add(plan=plan, exercise=library("EX-G01")[0])
    PlanItem.objects.filter(pk=added.pk).update(sets=5, note="Added meanwhile")
    first = items_of(plan)[0]
    data[f"{first.public_id}-sets"] = "2"

    therapist_client.post(doses_url(plan), data)

    added.refresh_from_db()
    first.refresh_from_db()
    assert (added.sets, added.note) == (5, "Added meanwhile")
    assert first.sets == 2


def test_it_audits_each_changed_exercise_once(therapist_client, plan):
    first, _second, third = items_of(plan)
    data = shown_doses(therapist_client.get(detail_url(plan)).content)
    data |= {f"{first.public_id}-reps": "8", f"{third.public_id}-reps": "9"}

    therapist_client.post(doses_url(plan), data)

    updated = AuditEvent.objects.filter(action="update", object_type="exercises.planitem")
    assert sorted(updated.values_list("object_id", flat=True)) == sorted(
        [str(first.public_id), str(third.public_id)]
    )


def test_it_refuses_doses_for_a_completed_plan(therapist_client, plan):
    first = items_of(plan)[0]
    data = shown_doses(therapist_client.get(detail_url(plan)).content)
    plan_change_status(plan=plan, action="complete")
    data[f"{first.public_id}-sets"] = "3"

    response = therapist_client.post(doses_url(plan), data, follow=True)

    first.refresh_from_db()
    assert first.sets is None
    assert "can no longer be changed" in response.content.decode()


def test_it_says_so_when_no_dose_was_sent(therapist_client, plan):
    response = therapist_client.post(doses_url(plan), {}, follow=True)
    assert "No dose was sent" in response.content.decode()


def test_it_keeps_the_move_and_remove_buttons_working_outside_the_doses_form(
    therapist_client, plan
):
    first, second, third = items_of(plan)
    body = therapist_client.get(detail_url(plan)).content.decode()
    # forms cannot nest: the buttons point at their own small forms by id
    assert f'form="item-actions-{third.public_id}"' in body
    assert f'<form id="item-actions-{third.public_id}" method="post" hidden>' in body
    therapist_client.post(
        reverse("exercises:plan_item_move", args=[plan.public_id, third.public_id]),
        {"direction": "up"},
    )
    assert [item.pk for item in items_of(plan)] == [first.pk, third.pk, second.pk]


def test_it_keeps_dose_editing_from_reception_patients_and_strangers(
    client, reception, patient_user, plan
):
    url = doses_url(plan)
    assert client.post(url, {}).status_code == 302  # anonymous: to the login page
    for user, refused in ((reception, 403), (patient_user, 404)):
        client.force_login(user)
        assert client.post(url, {}).status_code == refused
    missing = reverse("exercises:plan_doses", args=["00000000-0000-0000-0000-000000000000"])
    client.force_login(plan.created_by)
    assert client.post(missing, {}).status_code == 404
    assert client.get(url).status_code == 405


@pytest.mark.parametrize("count", [1, 3])
def test_it_saves_doses_in_a_fixed_number_of_queries_per_changed_exercise(
    therapist_client, therapist, django_assert_num_queries, count
):
    plan = published_plan(therapist=therapist)
    data = shown_doses(therapist_client.get(detail_url(plan)).content)
    for item in items_of(plan)[:count]:
        data[f"{item.public_id}-sets"] = "4"
    # Queries: session, user, plan, items with exercises; the forms' check of the
    # days-per-week and every-n-days constraints for each of the 3 items (savepoint, check,
    # release, twice); the save's
    # savepoint, the lock on the items, for each changed item its UPDATE and its audit INSERT,
    # the patient once (for the audit), the release; the request's own audit event.
    with django_assert_num_queries(4 + 3 * 6 + 2 + 2 * count + 1 + 1 + 1):
        response = therapist_client.post(doses_url(plan), data)
    assert response.status_code == 302


def test_it_shows_a_refused_save_in_a_fixed_number_of_queries(
    therapist_client, therapist, django_assert_num_queries
):
    plan = published_plan(therapist=therapist)
    data = shown_doses(therapist_client.get(detail_url(plan)).content)
    first = items_of(plan)[0]
    data[f"{first.public_id}-days_per_week"] = "9"
    # Queries: session, user, plan, items with exercises; the two constraint checks of the 2
    # valid items (savepoint, check, release, twice) and the every-n-days one of the wrong
    # item; then the page: weekly stats, acknowledged alerts, symptom reports, the add form's
    # exercise choices, versions with publishers, the recent logs (progress suggestions); the
    # request's audit event.
    with django_assert_num_queries(4 + 2 * 6 + 3 + 6 + 1):
        response = therapist_client.post(doses_url(plan), data)
    assert response.status_code == 400
