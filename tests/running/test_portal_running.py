"""The patient's running pages: logging a run with range checks, the next-morning answer the
day after, the rule's decision in plain words, and only ever their own runs."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from running.models import RunLog
from tests.conftest import make_user
from tests.patients.factories import EpisodeFactory, PatientFactory
from tests.running.conftest import TODAY
from tests.running.factories import programme, run

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
PAGE = reverse("portal:running")
LOG = reverse("portal:running_log")


@pytest.fixture
def active(therapist, my_episode):
    return programme(therapist=therapist, episode=my_episode, started_on=TODAY - 20 * DAY)


def form_data(**changes):
    data = {
        "submission": str(uuid.uuid4()),
        "date": TODAY.isoformat(),
        "minutes": "25",
        "distance_km": "3.5",
        "terrain": "flat",
        "effort": "easy",
        "pain_before": "1",
        "pain_during": "1",
        "pain_after": "2",
        "comment": "",
    }
    data.update(changes)
    return data


def morning_url(logged):
    return reverse("portal:running_morning", args=[logged.public_id])


def test_it_shows_the_current_step_and_what_to_do(patient_client, active):
    body = patient_client.get(PAGE).content.decode()
    assert "Step 1 of 8: Walk with short jogs" in body
    assert "Walk 4 min, then jog 1 min; do this 5 times (25 minutes in all)." in body
    assert "Where: flat ground only." in body


def test_it_logs_a_run_and_tells_the_patient_to_come_back_in_the_morning(patient_client, active):
    response = patient_client.post(LOG, form_data(distance_km="3.25"), follow=True)
    logged = RunLog.objects.get()
    assert logged.distance_km == pytest.approx(3.25)
    body = response.content.decode()
    assert "How was the morning after Thursday&#x27;s run?" in body


def test_it_advances_by_the_rule_and_explains_why(patient_client, active, frozen):
    for days_ago in (5, 3, 1):
        frozen.move_to(dt.datetime.combine(TODAY - days_ago * DAY, dt.time(18), dt.UTC))
        patient_client.post(LOG, form_data(date=(TODAY - days_ago * DAY).isoformat()))
        frozen.shift(dt.timedelta(days=1))
        logged = RunLog.objects.order_by("-date").first()
        patient_client.post(morning_url(logged), {"pain_next_morning": "1"})
    body = patient_client.get(PAGE).content.decode()
    assert "You did 3 runs at this step with little pain, settled by the next morning." in body
    assert "Step 2 of 8: Longer jogs" in body


def test_it_steps_back_and_says_tell_your_physio(patient_client, active, therapist):
    from running.services import programme_move_step

    programme_move_step(programme=active, step=2, reason="Already jogging", user=therapist)
    patient_client.post(LOG, form_data(pain_during="5"))
    body = patient_client.get(PAGE).content.decode()
    assert "Your pain reached 5 during Thursday&#x27;s run, so go back to Longer jogs" in body
    assert "Tell your physio if the pain stays." in body


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"date": (TODAY + DAY).isoformat()}, "date", "a day that has not happened yet"),
        ({"date": (TODAY - 30 * DAY).isoformat()}, "date", "Your programme started on"),
        ({"minutes": "0"}, "minutes", "Enter the minutes you were out, from 1 to 300."),
        ({"minutes": "301"}, "minutes", "Enter the minutes you were out, from 1 to 300."),
        ({"distance_km": "101"}, "distance_km", "from 0.1 to 100, or leave it empty"),
        ({"pain_during": "11"}, "pain_during", "Choose a number from 0 (no pain) to 10"),
        ({"pain_after": "-1"}, "pain_after", "Choose a number from 0 (no pain) to 10"),
        ({"effort": "", "rpe": ""}, "effort", "Choose how hard the run felt, or rate it"),
        ({"effort": "", "rpe": "11"}, "rpe", "from 1 (very easy) to 10 (flat out)"),
        ({"terrain": "beach"}, "terrain", "Select a valid choice"),
    ],
)
def test_it_shows_range_errors_next_to_the_field(patient_client, active, changes, field, message):
    response = patient_client.post(LOG, form_data(**changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert f'id="error_1_id_{field}"' in response.content.decode()
    assert not RunLog.objects.exists()


def test_it_does_not_create_two_runs_when_the_form_is_sent_twice(patient_client, active):
    data = form_data()
    first = patient_client.post(LOG, data)
    second = patient_client.post(LOG, data)
    assert first.status_code == second.status_code == 302
    assert RunLog.objects.count() == 1


def test_it_refuses_a_second_run_on_the_same_day_next_to_the_date(patient_client, active):
    patient_client.post(LOG, form_data())
    response = patient_client.post(LOG, form_data())
    errors = " ".join(response.context["form"].errors["date"])
    assert "You already logged a run on Thursday 03 December" in errors
    assert "tell your physio at your next visit" in errors
    assert RunLog.objects.count() == 1


def test_it_keeps_one_run_a_day_in_the_database_whatever_writes_it(active):
    from django.db import IntegrityError, transaction

    first = run(active, TODAY - DAY)
    second = {
        field.name: getattr(first, field.name)
        for field in RunLog._meta.concrete_fields
        if field.name not in ("id", "public_id", "submission")
    }
    with pytest.raises(IntegrityError, match="running_runlog_one_per_day"), transaction.atomic():
        RunLog.objects.create(**second)


def test_it_tells_the_patient_why_a_hilly_run_did_not_count(patient_client, active):
    patient_client.post(LOG, form_data(terrain="mixed_hills"))
    body = patient_client.get(PAGE).content.decode()
    assert "This run was hilly; your current step is flat ground only, so it does not count" in (
        body
    )


def test_it_asks_how_this_morning_was_on_the_next_day(patient_client, active, frozen):
    logged = run(active, TODAY)
    assert (
        "How was this morning?" not in patient_client.get(reverse("portal:home")).content.decode()
    )
    frozen.shift(dt.timedelta(days=1))
    home = patient_client.get(reverse("portal:home")).content.decode()
    assert "How was this morning?" in home
    assert morning_url(logged) in home
    response = patient_client.post(morning_url(logged), {"pain_next_morning": "12"})
    assert "Choose a number from 0 (no pain) to 10" in response.content.decode()
    patient_client.post(morning_url(logged), {"pain_next_morning": "1"})
    logged.refresh_from_db()
    assert logged.pain_next_morning == 1
    assert "How was this morning?" not in patient_client.get(PAGE).content.decode()


def test_it_lists_each_run_of_the_last_week_still_waiting_for_its_morning_answer(
    patient_client, active
):
    newer = run(active, TODAY - DAY)
    older = run(active, TODAY - 3 * DAY)
    answered = run(active, TODAY - 2 * DAY, morning=1)
    too_old = run(active, TODAY - 8 * DAY)
    body = patient_client.get(PAGE).content.decode()
    assert body.count("How was this morning?") == 2
    assert body.index(morning_url(newer)) < body.index(morning_url(older))
    assert morning_url(answered) not in body
    assert morning_url(too_old) not in body
    assert f"Answer for {newer.date:%A} {newer.date.day} {newer.date:%B}" in body


def test_it_refuses_the_morning_answer_on_the_day_of_the_run(patient_client, active):
    logged = run(active, TODAY)
    response = patient_client.post(morning_url(logged), {"pain_next_morning": "1"})
    assert "Come back tomorrow morning" in response.content.decode()


def test_it_gives_404_for_someone_elses_run(patient_client, active, therapist):
    stranger = PatientFactory(user=make_user("bo@test.example", "patient"))
    theirs = programme(
        therapist=therapist,
        episode=EpisodeFactory(patient=stranger),
        started_on=TODAY - 5 * DAY,
    )
    their_run = run(theirs, TODAY - DAY, during=3, comment="private")
    assert patient_client.get(morning_url(their_run)).status_code == 404
    assert (
        patient_client.post(morning_url(their_run), {"pain_next_morning": "1"}).status_code == 404
    )
    assert "private" not in patient_client.get(PAGE).content.decode()


def test_it_says_so_when_there_is_no_programme(patient_client, me):
    assert "has not given you a running programme yet" in patient_client.get(PAGE).content.decode()
    assert patient_client.get(LOG).status_code == 302


@pytest.mark.parametrize("runs", [1, 8])
def test_it_shows_the_running_page_in_a_fixed_number_of_queries(
    patient_client, active, django_assert_num_queries, runs
):
    for n in range(runs):
        run(active, TODAY - (n + 1) * DAY)
    # Queries: session, user, patient, the audit insert, and one statement for the programme
    # with its latest decision, the runs waiting for their morning answer, the recent runs and
    # the decisions the red-flag notice at the top stands on.
    with django_assert_num_queries(5):
        response = patient_client.get(PAGE)
    assert response.status_code == 200


@pytest.mark.parametrize("runs", [1, 8])
def test_it_adds_one_query_to_the_portal_home_whatever_the_rows(
    patient_user, me, active, django_assert_num_queries, runs
):
    from running.panels import portal_panels

    newest = run(active, TODAY - DAY)
    for n in range(1, runs):
        run(active, TODAY - (n + 1) * DAY)
    # The programme with its newest run waiting for a morning answer, in one query.
    with django_assert_num_queries(1):
        (panel,) = portal_panels(user=patient_user, patient=me)
    (awaiting,) = panel.values()["awaiting"]
    assert (awaiting.public_id, awaiting.date) == (newest.public_id, newest.date)


def test_it_takes_the_programme_from_the_portal_homes_statement(
    patient_user, me, active, django_assert_num_queries
):
    from portal.selectors import home_reads
    from running.panels import portal_panels

    run(active, TODAY - 3 * DAY)
    newest = run(active, TODAY - DAY)
    run(active, TODAY - 9 * DAY)  # more than a week back: no longer asked about
    home_reads(patient=me, day=TODAY, now=dt.datetime.now(dt.UTC))
    # The home's one statement brought the programme and its newest run awaiting an answer.
    with django_assert_num_queries(0):
        (panel,) = portal_panels(user=patient_user, patient=me)
    context = panel.values()
    _assert_card_reads(context["programme"], active)
    (awaiting,) = context["awaiting"]
    assert (awaiting.public_id, awaiting.date) == (newest.public_id, newest.date)


def _assert_card_reads(found, programme):
    """The card's programme: its status, hold and step number, and of its steps only the
    current one and how many there are (the whole list is not read)."""
    assert found.pk == programme.pk
    assert (found.status, found.hold_reason) == (programme.status, programme.hold_reason)
    assert found.current_step == programme.current_step
    assert found.step_now == programme.steps[programme.current_step]
    assert found.step_count == len(programme.steps)
    assert {"steps", "public_id", "name", "episode_id"} <= found.get_deferred_fields()


@pytest.mark.parametrize("from_home", [True, False])
def test_the_portal_card_reads_only_todays_step(patient_user, me, active, from_home):
    from portal.selectors import home_reads
    from running.panels import portal_panels

    active.current_step = 3
    active.save(update_fields=["current_step"])
    if from_home:
        home_reads(patient=me, day=TODAY, now=dt.datetime.now(dt.UTC))
    (panel,) = portal_panels(user=patient_user, patient=me)
    _assert_card_reads(panel.values()["programme"], active)


def test_the_portal_home_draws_the_programmes_current_step(patient_client, active):
    active.current_step = 2
    active.save(update_fields=["current_step"])
    body = patient_client.get(reverse("portal:home")).content.decode()
    assert f'<p class="mb-1 fw-semibold">{active.step_label}</p>' in body
    assert f"<p>{active.step.what_to_do()}</p>" in body
    assert active.step_label.startswith("Step 3 of 8: ")


def test_it_refuses_a_run_while_the_programme_is_held_for_a_red_flag(active, therapist):
    from running.services import RED_FLAG_HOLD, programmes_hold_for_red_flag, run_log_save

    programmes_hold_for_red_flag(patient=active.patient, by=therapist)
    active.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        run_log_save(
            programme=active,
            patient=active.patient,
            submission=uuid.uuid4(),
            date=TODAY,
            minutes=25,
            terrain="flat",
            effort="easy",
            pain_before=1,
            pain_during=1,
            pain_after=1,
        )
    assert refused.value.messages == [RED_FLAG_HOLD]
    assert not RunLog.objects.filter(patient=active.patient).exists()
