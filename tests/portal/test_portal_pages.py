"""The patient's portal: today's plan, the session log, the history, and who may see what."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from exercises.models import SessionLog
from tests.conftest import make_user
from tests.exercises.factories import log, published_plan
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
LOG_URL = reverse("portal:log")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def me(patient_user):
    return PatientFactory(user=patient_user, first_name="Pat")


@pytest.fixture
def my_plan(me, therapist, frozen):
    return published_plan(therapist=therapist, patient=me, start_date=TODAY - dt.timedelta(days=14))


def log_data(plan, **overrides):
    data = {
        "date": TODAY.isoformat(),
        "done_0": "on",
        "done_2": "on",
        "pain_during": "2",
        "pain_after": "3",
        "difficulty": "about_right",
        "comment": "Fine",
    }
    data.update(overrides)
    return data


def test_it_shows_todays_exercises_with_dose_and_instructions(patient_client, my_plan):
    body = patient_client.get(reverse("portal:home")).content.decode()
    first = my_plan.current_version.items[0]
    assert "Hello Pat" in body
    assert first["name"] in body
    assert "2 sets of 10 · twice a day · every day" in body
    assert first["instructions"][0] in body
    assert "Log today's session" in body


def test_it_says_today_is_logged_only_once_today_is_logged(patient_client, my_plan):
    log(my_plan, TODAY - dt.timedelta(days=1))
    body = patient_client.get(reverse("portal:home")).content.decode()
    assert "Log today's session" in body
    assert "You have logged today's session" not in body
    log(my_plan, TODAY)
    body = patient_client.get(reverse("portal:home")).content.decode()
    assert "You have logged today's session" in body
    assert "Update today's log" in body
    assert "Log today's session" not in body


def test_it_shows_only_the_published_version(patient_client, my_plan, therapist):
    from exercises.services import plan_item_add
    from tests.exercises.factories import library

    plan_item_add(plan=my_plan, exercise=library("EX-G01")[0])
    body = patient_client.get(reverse("portal:home")).content.decode()
    assert library("EX-G01")[0].name not in body


def test_it_says_when_there_is_no_plan_yet(patient_client, me):
    body = patient_client.get(reverse("portal:home")).content.decode()
    assert "appear here once your physiotherapist" in body


def test_it_logs_a_session_against_the_version_given(patient_client, my_plan):
    response = patient_client.post(LOG_URL, log_data(my_plan))
    assert response.url == reverse("portal:home")
    entry = SessionLog.objects.get()
    keys = [item["key"] for item in my_plan.current_version.items]
    assert entry.done == [keys[0], keys[2]]
    assert (entry.done_count, entry.item_count) == (2, 3)
    assert (entry.pain_during, entry.pain_after, entry.difficulty) == (2, 3, "about_right")
    assert entry.version == my_plan.current_version
    assert entry.date == TODAY


def test_it_updates_the_days_log_when_logging_again(patient_client, my_plan):
    patient_client.post(LOG_URL, log_data(my_plan))
    response = patient_client.post(
        LOG_URL, log_data(my_plan, pain_during="5", done_2=""), follow=True
    )
    assert SessionLog.objects.count() == 1
    entry = SessionLog.objects.get()
    assert (entry.pain_during, entry.done_count) == (5, 1)
    assert "updated" in response.content.decode()


def test_it_prefills_the_form_with_the_days_log(patient_client, my_plan):
    log(my_plan, TODAY, pain=7)
    form = patient_client.get(LOG_URL).context["form"]
    assert form.initial["pain_during"] == 7
    assert form.initial["done_0"] is True


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pain_during", "11", "less than or equal to 10"),
        ("pain_after", "-1", "greater than or equal to 0"),
        ("date", (TODAY + dt.timedelta(days=1)).isoformat(), "has not happened yet"),
        ("date", (TODAY - dt.timedelta(days=15)).isoformat(), "Your plan started on"),
        ("difficulty", "brutal", "Select a valid choice"),
    ],
)
def test_it_rejects_bad_values_with_a_message(patient_client, my_plan, field, value, message):
    response = patient_client.post(LOG_URL, log_data(my_plan, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SessionLog.objects.exists()


def test_it_logs_by_the_patients_own_calendar(client, therapist):
    # 23:30 UTC on 10 March is already 11 March in Auckland.
    user = make_user("kiwi@runners.example", "patient")
    patient = PatientFactory(user=user, time_zone="Pacific/Auckland")
    with time_machine.travel(dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC), tick=False):
        plan = published_plan(therapist=therapist, patient=patient)
        client.force_login(user)
        response = client.post(LOG_URL, log_data(plan, date="2026-03-11"))
    assert response.status_code == 302
    assert SessionLog.objects.get().date == dt.date(2026, 3, 11)


def test_it_logs_by_british_summer_time(client, therapist):
    # 23:30 UTC on 10 July is 00:30 on 11 July in London (BST, UTC+1); in March it is not.
    user = make_user("londoner@runners.example", "patient")
    patient = PatientFactory(user=user, time_zone="Europe/London")
    client.force_login(user)
    with time_machine.travel(dt.datetime(2026, 7, 10, 23, 30, tzinfo=dt.UTC), tick=False):
        plan = published_plan(therapist=therapist, patient=patient)
        assert plan.start_date == dt.date(2026, 7, 11)
        assert client.post(LOG_URL, log_data(plan, date="2026-07-11")).status_code == 302
    with time_machine.travel(dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse("portal:home"))
        assert response.context["today"] == dt.date(2026, 3, 10)


def test_it_refuses_a_log_after_the_plan_ended(patient_client, my_plan):
    from exercises.models import ExercisePlan

    ExercisePlan.objects.filter(pk=my_plan.pk).update(end_date=TODAY - dt.timedelta(days=1))
    response = patient_client.post(LOG_URL, log_data(my_plan))
    assert "Your plan ended on" in response.content.decode()
    assert not SessionLog.objects.exists()


def test_it_paginates_the_history(patient_client, my_plan):
    from exercises.models import ExercisePlan

    ExercisePlan.objects.filter(pk=my_plan.pk).update(start_date=TODAY - dt.timedelta(days=40))
    my_plan.refresh_from_db()
    for days_ago in range(30):
        log(my_plan, TODAY - dt.timedelta(days=days_ago))
    first = patient_client.get(reverse("portal:history"))
    assert len(first.context["page"]) == 25
    assert first.context["page"][0].date == TODAY
    assert len(patient_client.get(reverse("portal:history"), {"page": 2}).context["page"]) == 5


def test_it_shows_one_logged_session(patient_client, my_plan):
    entry = log(my_plan, TODAY, done=1)
    body = patient_client.get(reverse("portal:history_detail", args=[entry.public_id])).content
    names = [item["name"] for item in my_plan.current_version.items]
    assert f"{names[0]}: done".encode() in body
    assert f"{names[1]}: not done".encode() in body


# --- Who may see what -------------------------------------------------------------------


def test_it_answers_404_for_another_patients_log(patient_client, my_plan, therapist):
    other = published_plan(therapist=therapist, start_date=TODAY)
    theirs = log(other, TODAY)
    url = reverse("portal:history_detail", args=[theirs.public_id])
    assert patient_client.get(url).status_code == 404
    history = patient_client.get(reverse("portal:history")).context["page"]
    assert theirs not in list(history)


def test_it_never_shows_another_patients_plan(patient_client, me, therapist, frozen):
    other = published_plan(therapist=therapist)
    body = patient_client.get(reverse("portal:home")).content.decode()
    assert other.current_version.items[0]["name"] not in body
    assert patient_client.get(LOG_URL).status_code == 302  # no plan of their own to log


@pytest.mark.parametrize(
    "url",
    [
        reverse("clinic:dashboard"),
        reverse("exercises:library"),
        reverse("patients:list"),
    ],
)
def test_it_keeps_patients_out_of_staff_pages(patient_client, url):
    assert patient_client.get(url).status_code == 404


def test_it_keeps_patients_out_of_their_own_staff_plan_page(patient_client, my_plan):
    for name in ("exercises:plan_detail", "exercises:plan_print"):
        assert patient_client.get(reverse(name, args=[my_plan.public_id])).status_code == 404


@pytest.mark.parametrize("name", ["portal:home", "portal:log", "portal:history"])
def test_it_keeps_staff_and_strangers_out_of_the_portal(client, therapist, reception, name):
    url = reverse(name)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for user in (therapist, reception):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_it_answers_404_to_a_patient_login_without_a_record(client):
    client.force_login(make_user("nobody@runners.example", "patient"))
    assert client.get(reverse("portal:home")).status_code == 404


@pytest.mark.parametrize("logs", [1, 10])
def test_it_shows_the_portal_home_in_a_fixed_number_of_queries(
    patient_client, my_plan, django_assert_num_queries, logs
):
    for days_ago in range(logs):
        log(my_plan, TODAY - dt.timedelta(days=days_ago))
    # Queries: session, user, then one statement for the rest (portal.selectors.home_patient):
    # the patient, the active plan with its version, whether today is logged and which of its
    # exercises have a picture or video, and every other app's panel rows (the episodes'
    # diagnosis state, the questionnaire, the decisions shared with the notice, the stages,
    # the next appointments, the replies to comments, the running programme), a fixed number
    # whatever the rows.
    with django_assert_num_queries(PORTAL_HOME_QUERIES):
        response = patient_client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert response.content.count(b"<li") > 0


@pytest.mark.parametrize("logs", [1, 10])
def test_it_shows_the_history_in_a_fixed_number_of_queries(
    patient_client, my_plan, django_assert_num_queries, logs
):
    for days_ago in range(logs):
        log(my_plan, TODAY - dt.timedelta(days=days_ago))
    # Queries: session, user, patient, count, one page of logs,
    # the patient's open red-flag referrals (the notice at the top of every page).
    with django_assert_num_queries(7):  # the last query: the audit event INSERT
        patient_client.get(reverse("portal:history"))


#: Session, user, the home's one statement for the patient, the plan and every panel (with a staged
#: diagnosis or a run awaiting its morning answer too: tests/rehab, tests/running) and the
#: audit event INSERT.
PORTAL_HOME_QUERIES = 4


@pytest.mark.parametrize("done", [1, 3])
def test_it_shows_a_logged_session_in_a_fixed_number_of_queries(
    patient_client, my_plan, django_assert_num_queries, done
):
    entry = log(my_plan, TODAY, done=done)
    # Queries: session, user, patient, the log with its version and plan, the clinic's replies,
    # the patient's open red-flag referrals (the notice at the top of every page).
    with django_assert_num_queries(7):  # the last query: the audit event INSERT
        patient_client.get(reverse("portal:history_detail", args=[entry.public_id]))


@pytest.mark.parametrize("logged", [False, True])
def test_it_shows_the_log_form_in_a_fixed_number_of_queries(
    patient_client, my_plan, django_assert_num_queries, logged
):
    if logged:
        log(my_plan, TODAY)
    # Queries: session, user, patient, active plan with version, the day's log,
    # the patient's open red-flag referrals (the notice at the top of every page).
    with django_assert_num_queries(7):  # the last query: the audit event INSERT
        patient_client.get(LOG_URL)
