"""Assigning, moving by hand and the rule applied to logged runs, through the services."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError

from running.measures import latest_measures
from running.models import ProgrammeDecision, RunLog, RunProgramme
from running.services import programme_move_step, run_log_save, run_next_morning_save
from tests.running.conftest import TODAY
from tests.running.factories import programme, run

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


@pytest.fixture
def active(therapist, my_episode):
    return programme(therapist=therapist, episode=my_episode, started_on=TODAY - 20 * DAY)


def test_it_ends_the_old_programme_when_a_new_one_is_assigned_and_keeps_it(
    therapist, my_episode, active
):
    run(active, TODAY - 10 * DAY, morning=1)
    newer = programme(therapist=therapist, episode=my_episode, template="lumbar")
    active.refresh_from_db()
    assert active.status == "ended"
    assert active.ended_on == TODAY
    assert active.end_reason == "Replaced by Return to running: pain from the back"
    assert newer.status == "active"
    assert newer.current_step == 0
    assert RunLog.objects.filter(programme=active).count() == 1
    assert RunProgramme.objects.filter(episode=my_episode).count() == 2


def test_it_advances_after_the_steps_runs_and_records_each_decision(active):
    for days_ago in (9, 7, 5):
        run(active, TODAY - days_ago * DAY, during=1, after=2, morning=1)
    active.refresh_from_db()
    assert active.current_step == 1
    kinds = list(active.decisions.order_by("id").values_list("kind", flat=True))
    # Each run: hold while the morning is unknown, then the rule again with the answer.
    assert kinds == ["hold", "hold", "hold", "hold", "hold", "advance"]
    advance = active.decisions.get(kind="advance")
    assert advance.from_step == 0
    assert advance.to_step == 1
    assert advance.decided_by is None
    assert sorted(advance.runs.values_list("date", flat=True)) == [
        TODAY - 9 * DAY,
        TODAY - 7 * DAY,
        TODAY - 5 * DAY,
    ]
    assert advance.explanation.startswith("You did 3 runs at this step with little pain")
    assert latest_measures(episode=active.episode)["run_programme_step"]["value"] == (
        "Step 2 of 8: Longer jogs"
    )


def test_it_steps_back_on_pain_5_and_counts_afresh_at_the_lower_step(active):
    programme_move_step(
        programme=active, step=2, reason="Running well already", user=active.assigned_by
    )
    active.refresh_from_db()
    run(active, TODAY - 3 * DAY, during=5)
    active.refresh_from_db()
    assert active.current_step == 1
    decision = active.decisions.first()
    assert decision.kind == "step_back"
    assert "Your pain reached 5 during" in decision.explanation
    assert "go back to Longer jogs" in decision.explanation
    # The bad run belongs to the old stint: a good run now counts 1 of 3 at the lower step.
    run(active, TODAY - 1 * DAY, morning=1)
    assert "You have done 1 of 3 runs" in active.decisions.first().explanation


def test_it_records_a_run_on_terrain_the_step_does_not_allow_without_counting_it(active):
    hills = run(active, TODAY - 2 * DAY, terrain="mixed_hills", morning=1)
    assert hills.not_counted.startswith("This run was hilly; your current step is flat ground only")
    assert "0 of 3 runs" in active.decisions.first().explanation


def test_it_moves_a_step_by_hand_only_with_a_reason(active, therapist):
    with pytest.raises(ValidationError) as error:
        programme_move_step(programme=active, step=3, reason="  ", user=therapist)
    assert "reason" in error.value.message_dict
    decision = programme_move_step(
        programme=active, step=3, reason="Ran 30 min pain-free last week", user=therapist
    )
    active.refresh_from_db()
    assert active.current_step == 3
    assert decision.kind == ProgrammeDecision.Kind.MANUAL
    assert decision.rule == "Moved by hand: Ran 30 min pain-free last week"
    assert decision.decided_by == therapist


def test_it_does_not_create_two_runs_from_one_form_sent_twice(active):
    key = uuid.uuid4()
    values = {
        "programme": active,
        "patient": active.patient,
        "submission": key,
        "date": TODAY,
        "minutes": 25,
        "terrain": "flat",
        "effort": "easy",
        "pain_before": 1,
        "pain_during": 1,
        "pain_after": 1,
    }
    first, created = run_log_save(**values)
    again, created_again = run_log_save(**values)
    assert created
    assert not created_again
    assert first == again
    assert RunLog.objects.count() == 1
    assert active.decisions.count() == 1


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("date", {"date": TODAY + DAY}),
        ("date", {"date": TODAY - 30 * DAY}),
        ("minutes", {"minutes": 0}),
        ("distance_km", {"distance_km": 250}),
        ("terrain", {"terrain": "sand"}),
        ("pain_during", {"pain_during": 11}),
        ("effort", {"effort": ""}),
        ("rpe", {"effort": "", "rpe": 12}),
    ],
)
def test_it_refuses_out_of_range_values_field_by_field(active, field, changes):
    values = {
        "programme": active,
        "patient": active.patient,
        "submission": uuid.uuid4(),
        "date": TODAY,
        "minutes": 25,
        "terrain": "flat",
        "effort": "easy",
        "pain_before": 1,
        "pain_during": 1,
        "pain_after": 1,
    }
    with pytest.raises(ValidationError) as error:
        run_log_save(**{**values, **changes})
    assert field in error.value.message_dict
    assert not RunLog.objects.exists()


def test_it_reads_the_effort_band_from_the_1_to_10_rating(active):
    logged, _ = run_log_save(
        programme=active,
        patient=active.patient,
        submission=uuid.uuid4(),
        date=TODAY,
        minutes=25,
        terrain="flat",
        rpe=8,
        pain_before=1,
        pain_during=1,
        pain_after=1,
    )
    assert logged.effort == "hard"
    assert logged.rpe == 8
    assert "This run felt hard" in logged.not_counted


def test_it_takes_the_next_morning_answer_only_from_the_next_day_on(active, frozen):
    today_run = run(active, TODAY)
    with pytest.raises(ValidationError, match="Come back tomorrow morning"):
        run_next_morning_save(run=today_run, pain=1)
    frozen.shift(dt.timedelta(days=1))
    assert run_next_morning_save(run=today_run, pain=1).pain_next_morning == 1
    with pytest.raises(ValidationError, match="already told us"):
        run_next_morning_save(run=today_run, pain=2)


def test_it_uses_the_patients_own_date_for_today(therapist, frozen):
    """23:30 on 3 December in London is already 4 December in Auckland."""
    from tests.patients.factories import EpisodeFactory, PatientFactory

    patient = PatientFactory(time_zone="Pacific/Auckland")
    kiwi = programme(therapist=therapist, episode=EpisodeFactory(patient=patient))
    frozen.move_to(dt.datetime(2026, 12, 3, 23, 30, tzinfo=dt.UTC))
    assert run(kiwi, dt.date(2026, 12, 4)).date == dt.date(2026, 12, 4)


def test_it_completes_the_programme_after_its_last_step(active, therapist):
    programme_move_step(programme=active, step=7, reason="Nearly there", user=therapist)
    for days_ago in (8, 5, 2):
        run(active, TODAY - days_ago * DAY, minutes=30, terrain="uphill", effort="hard", morning=0)
    active.refresh_from_db()
    assert active.status == "completed"
    measures = latest_measures(episode=active.episode)
    assert measures["run_programme_completed"] == {
        "value": True,
        "on": TODAY,
        "source": "Return-to-run programme, 3 Dec 2026",
    }


def test_it_reports_no_running_measures_for_an_episode_without_a_programme(my_episode):
    assert latest_measures(episode=my_episode) == {}
