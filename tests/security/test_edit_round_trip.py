"""Every form on the site, posted back exactly as its page shows it, keeps the data as it was.

The walk opens every page in ROUTES (tests/security/test_url_walk.py) as every role that may
use it, reads each <form method="post"> the way a browser would submit it unchanged (inputs,
the selected options, textareas, ticked boxes, the first submit button) and posts it. An edit
form must accept what it shows and leave every row as it was (timestamps, history and the
audit trail aside). That is what failed when dates were shown as 14/03/1992, which a date
input cannot display: the patient's edit page opened with empty dates, asked for the date of
birth again and erased the goal-event date (issue 12, item 7).

A form that is not an edit form (it starts empty, or posting it does something by design)
must be named below with the reason; any other form, on any page, present or future, is
held to the round trip.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib import messages
from django.contrib.messages import get_messages
from django.db import transaction
from django.urls import resolve, reverse

from assessments.forms import RED_FLAG_ITEMS
from clinic.models import AuditEvent
from tests.assessments.factories import AssessmentFactory
from tests.security.html_forms import Form, post_forms
from tests.security.test_url_walk import ALLOWED, OPTIONAL, ROLES, ROUTES

pytestmark = pytest.mark.django_db

PROJECT_APPS = {
    "clinic",
    "patients",
    "assessments",
    "exercises",
    "bookings",
    "notifications",
    "portal",
    "treatment",
    "rehab",
    "running",
}
ERROR_MARKERS = ("invalid-feedback", "alert-danger", "errorlist", "is-invalid")

#: (page, form target): forms that start empty, so posting them as shown must be refused
#: and change nothing.
STARTS_EMPTY = {
    ("login", "login"): "the email address and password are typed",
    ("password_change", "password_change"): "the current and new passwords are typed",
    ("password_reset", "password_reset"): "the email address is typed",
    ("two_factor_setup", "two_factor_setup"): "the code from the new authenticator is typed",
    ("two_factor_verify", "two_factor_verify"): "the code is typed",
    ("patients:privacy", "patients:privacy"): "erasure needs a reason and a confirmation",
    ("notifications:patient_log", "notifications:sms_consent"): "the patient's answer is chosen",
    ("notifications:sms_inbox", "notifications:sms_inbox_reply"): "the reply to text is written",
    ("patients:create", "patients:create"): "registers a new patient",
    ("bookings:patient_create", "bookings:patient_create"): "registers a new patient",
    ("patients:episode_create", "patients:episode_create"): "opens a new episode",
    ("assessments:detail", "assessments:amend"): "an amendment needs a reason",
    ("assessments:referral", "assessments:referral"): "a new outcome: the result is typed",
    ("exercises:exercise_create", "exercises:exercise_create"): "adds a new exercise",
    ("exercises:plan_detail", "exercises:plan_item_add"): "the exercise to add is chosen",
    ("exercises:exercise_video", "exercises:exercise_video"): "the files to upload are chosen",
    ("exercises:comment_reply", "exercises:comment_reply"): "the reply is written",
    ("bookings:create", "bookings:create"): "a new booking: the patient is chosen",
    ("bookings:detail", "bookings:cancel"): "a cancellation needs a reason",
    ("bookings:schedule", "bookings:hours_add"): "new working hours are typed",
    ("bookings:schedule", "bookings:exception_add"): "new leave or extra hours are typed",
    ("portal:log", "portal:log"): "today's pain scores are typed",
    ("portal:welcome", "portal:welcome"): "the new password is typed",
    ("portal:running_log", "portal:running_log"): "a new run: minutes and pain are typed",
    ("portal:running_morning", "portal:running_morning"): "the morning's pain is typed",
    ("running:episode", "running:move"): "moving a step by hand needs a reason",
    ("running:episode", "running:resume"): "resuming after a red-flag hold needs a reason",
    ("new_patient:request", "new_patient:request"): "a new request: details and answers typed",
    ("bookings:request_detail", "bookings:request_approve"): "the slot is chosen",
    ("bookings:request_detail", "bookings:request_decline"): "the reason is typed",
}
#: (page, form target): forms whose purpose is to act with what they show.
ACTIONS = {
    ("portal:invite", "portal:invite"): "sends an invitation to the address it shows",
    ("assessments:detail", "assessments:decide"): "confirms the suggested diagnosis",
    ("assessments:create", "assessments:create"): "saves a new draft, with anything missing",
    ("portal:previsit", "portal:previsit"): "every question may be skipped",
    ("patients:episode_discharge", "patients:episode_discharge"): "discharges, today",
    ("treatment:open", "treatment:open"): "starts the visit's session note",
    ("rehab:stage_change", "rehab:stage_change"): "moves to the next stage (a reason if unmet)",
    ("running:episode", "running:assign"): "assigns the programme chosen, ending the old one",
    ("clinic:dashboard", "running:run_seen"): "marks the run as seen",
    # Not an edit: it asks for the override when the slot is outside the therapist's hours,
    # even when the slot is unchanged (the walk's appointment is outside them).
    ("bookings:detail", "bookings:move"): "moves the appointment",
    ("bookings:waitlist", "bookings:waitlist_remove"): "takes the patient off the waitlist",
    ("bookings:waitlist_add", "bookings:waitlist_add"): "adds the patient with the defaults shown",
    ("portal:waitlist:home", "portal:waitlist:home"): "joins the waitlist with the defaults shown",
    ("portal:waitlist:home", "portal:waitlist:leave"): "leaves the waitlist",
    ("portal:waitlist:offer", "portal:waitlist:answer"): "takes the offered appointment",
    ("notifications:sms_inbox", "notifications:sms_inbox_done"): "marks the text dealt with",
    ("clinic:dashboard", "notifications:sms_text_read"): "marks the patient's text read",
    ("patients:detail", "notifications:sms_text_read"): "marks the patient's text read",
    ("bookings:request_detail", "bookings:request_withdraw"): "marks the request withdrawn",
    ("bookings:urgent_screens", "bookings:urgent_seen"): "marks the urgent answer as seen",
}
#: Changes a save makes by design. A completed red-flag screen reads an item left blank as
#: asked and answered "no" (assessments/forms.py); the walk's draft holds blanks.
NORMALISED = {("assessments.Assessment", name): (None, False) for name in RED_FLAG_ITEMS}


def tracked_models():
    """Every model of the site's apps, except the history and audit trails (which a save
    rightly adds to)."""
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        and model is not AuditEvent
        and not model.__name__.startswith("Historical")
    ]


#: Columns a save works out from the row's other columns, not from the form: the engine's
#: result stored with an assessment's findings (assessments/stored_result.py), which a save
#: writes where the test's factories left none. The page checks it against the findings.
DERIVED = {"assessments.Assessment": {"engine_result"}}


def snapshot() -> dict[str, list[dict]]:
    state = {}
    for model in tracked_models():
        derived = DERIVED.get(model._meta.label, set())
        names = [
            field.attname
            for field in model._meta.concrete_fields
            if not getattr(field, "auto_now", False)
            and not getattr(field, "auto_now_add", False)
            and field.attname not in derived
        ]
        state[model._meta.label] = list(model.objects.order_by("pk").values(*names))
    return state


def changes(before: dict, after: dict) -> list[str]:
    """What differs, row by row. A derived row deleted and written again with the same
    content (weekly adherence totals are recounted that way) is not a change."""
    found = []
    for label in before:
        if before[label] == after[label]:
            continue
        old = {row["id"]: row for row in before[label]}
        new = {row["id"]: row for row in after[label]}
        removed = [_content(old[pk]) for pk in old.keys() - new.keys()]
        added = [_content(new[pk]) for pk in new.keys() - old.keys()]
        for row in list(removed):
            if row in added:
                removed.remove(row)
                added.remove(row)
        found += [f"{label} removed: {row}" for row in removed]
        found += [f"{label} added: {row}" for row in added]
        for pk in sorted(old.keys() & new.keys()):
            found += [
                f"{label}.{key}: {old[pk][key]!r} -> {new[pk][key]!r}"
                for key in old[pk]
                if old[pk][key] != new[pk][key]
                and NORMALISED.get((label, key)) != (old[pk][key], new[pk][key])
            ]
    return found


def _content(row: dict) -> dict:
    return {key: value for key, value in row.items() if key not in ("id", "public_id")}


def accepted(response) -> bool:
    if response.status_code == 302:
        levels = [message.level for message in get_messages(response.wsgi_request)]
        return messages.ERROR not in levels
    if response.status_code == 200:
        body = response.content.decode()
        return not any(marker in body for marker in ERROR_MARKERS)
    return False


def errors_in(response) -> str:
    said = [str(message) for message in get_messages(response.wsgi_request)]
    context = response.context
    form = context.get("form") if context is not None else None
    return f"{said} {form.errors if form is not None else response.content.decode()[:300]}"


def round_trip(client, page: str, page_name: str, role: str | None, form: Form) -> str:
    target = urljoin(page, form.action or page).split("#")[0]
    target_name = resolve(urlsplit(target).path).view_name
    key = (page_name, target_name)
    where = f"{page_name} as {role}, form to {target_name}"
    with transaction.atomic():
        before = snapshot()
        response = client.post(target, form.post_data())
        after = snapshot()
        transaction.set_rollback(True)
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if key in ACTIONS:
        return target_name
    changed = changes(before, after)
    if key in STARTS_EMPTY:
        assert not accepted(response), f"{where} accepted an empty form ({STARTS_EMPTY[key]})"
        assert not changed, f"{where}: a refused form changed {changed}"
        return target_name
    assert accepted(response), (
        f"{where}: posting the form exactly as the page shows it was refused: "
        f"{errors_in(response)}. If it is not an edit form, name it in STARTS_EMPTY or "
        f"ACTIONS in {__file__}."
    )
    assert not changed, f"{where}: saving the form unchanged changed {changed}"
    return target_name


#: Every page a GET opens (post-only routes are the forms' targets, reached from a page).
PAGES = sorted(
    name for name, route in ROUTES.items() if not route.post_only and name not in OPTIONAL
)


@pytest.mark.parametrize("name", PAGES)
def test_it_keeps_every_row_when_a_form_is_posted_back_as_shown(world, name):
    route = ROUTES[name]
    page = reverse(name, kwargs=route.kwargs(world))
    for role in ROLES:
        if role not in ALLOWED[route.access]:
            continue
        client = world.client_for(role)
        with transaction.atomic():
            response = client.get(page)
            transaction.set_rollback(True)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        for form in post_forms(response.content.decode()):
            if form.editable:
                # A fresh session each time, so no message from an earlier post is read.
                round_trip(world.client_for(role), page, name, role, form)


def test_it_round_trips_the_patient_edit_form_with_both_dates(world):
    """The case that was found: both dates shown, kept, and the form accepted."""
    patient = world.a.patient
    patient.goal_event, patient.goal_date = "Trail half", patient.date_of_birth.replace(2027)
    patient.save()
    client = world.client_for("reception")
    page = reverse("patients:edit", args=[patient.public_id])
    html = client.get(page).content.decode()
    (form,) = [form for form in post_forms(html) if form.editable]
    data = form.post_data()
    assert data["date_of_birth"] == [patient.date_of_birth.isoformat()]
    assert data["goal_date"] == [patient.goal_date.isoformat()]
    assert round_trip(client, page, "patients:edit", "reception", form) == "patients:edit"


def test_it_names_only_forms_of_pages_that_exist():
    named = {page for page, _ in STARTS_EMPTY | ACTIONS}
    assert named <= set(ROUTES), named - set(ROUTES)


def test_it_reads_a_form_as_a_browser_would_submit_it():
    html = """
    <form method="get"><input name="q" value="search"></form>
    <form method="post" action="/x/">
      <input type="hidden" name="csrfmiddlewaretoken" value="t">
      <input name="first" value="Ada &amp; Bo"><input type="date" name="born" value="14/03/1992">
      <input type="date" name="goal" value="2027-04-01"><input type="number" name="km" value="4O">
      <input type="checkbox" name="agree" checked><input type="checkbox" name="no" value="1">
      <input type="radio" name="side" value="left"><input type="radio" name="side" value="right" checked>
      <select name="one"><option value="">Pick</option><option value="b">B</option></select>
      <select name="many" multiple><option selected>x</option><option value="y" selected>Y</option></select>
      <input name="off" value="v" disabled>
      <textarea name="note">
Line one
Line two</textarea>
      <button type="submit" name="action" value="save">Save</button>
      <button type="submit" name="action" value="finalise">Finalise</button>
    </form>
    """
    (form,) = post_forms(html)
    assert form.action == "/x/"
    assert form.post_data() == {
        "csrfmiddlewaretoken": ["t"],
        "first": ["Ada & Bo"],
        "born": [""],  # a browser's date box cannot show 14/03/1992: it sends nothing
        "goal": ["2027-04-01"],
        "km": [""],
        "agree": ["on"],
        "side": ["right"],
        "one": [""],
        "many": ["x", "y"],
        "note": ["Line one\nLine two"],
        "action": ["save"],
    }
    assert "off" not in form.editable
    assert "born" in form.editable


def test_it_round_trips_a_follow_up_draft_with_its_red_flag_screen_and_nerves(world):
    """A follow-up asks the red-flag questions and examines the nerves again; its draft keeps
    the answers, the blanks and the "last visit" notes beside them through a save."""
    draft = AssessmentFactory(
        episode=world.a.episode,
        therapist=world.therapist,
        kind="follow_up",
        findings={
            "nprs_now": 3,
            "rf_saddle_anaesthesia": False,
            "rf_bladder_change": True,
            "neuro_exam": "unilateral_single_root_deficit",
            "neuro_deficit_progressing": False,
        },
    )
    client = world.client_for("therapist")
    page = reverse("assessments:edit", args=[draft.public_id])
    html = client.get(page).content.decode()
    assert "Last visit (" in html
    (form,) = [form for form in post_forms(html) if form.editable]
    data = form.post_data()
    assert data["rf_bladder_change"] == ["true"]
    assert data["neuro_exam"] == ["unilateral_single_root_deficit"]
    assert data["rf_bowel_change"] == ["unknown"]
    assert round_trip(client, page, "assessments:edit", "therapist", form) == "assessments:edit"
