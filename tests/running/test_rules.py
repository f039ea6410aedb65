"""The return-to-run rule as clinical cases: no database, just runs and a step."""

import datetime as dt

import pytest

from running import rules
from running.programmes import Step, programmes

FLAT_EASY = Step(
    name="Walk with short jogs",
    walk_minutes=4,
    run_minutes=1,
    repeats=5,
    terrain=("flat",),
    effort="easy",
    runs_to_move_on=3,
)
LONGER = Step(name="Longer jogs", walk_minutes=2, run_minutes=3, repeats=5, runs_to_move_on=3)
FIRST = Step(name="Brisk walk", walk_minutes=30, runs_to_move_on=2)
MONDAY = dt.date(2026, 11, 30)


def run(n, *, before=1, during=1, after=1, morning=1, minutes=25, terrain="flat", effort="easy"):
    """The n-th run, two days apart from Monday 30 November."""
    return rules.Run(
        id=n,
        date=MONDAY + dt.timedelta(days=2 * (n - 1)),
        minutes=minutes,
        terrain=terrain,
        effort=effort,
        pain_before=before,
        pain_during=during,
        pain_after=after,
        pain_next_morning=morning,
    )


def decide(runs, *, step=FLAT_EASY, next_step=LONGER, previous_step=FIRST):
    return rules.evaluate(step=step, runs=runs, next_step=next_step, previous_step=previous_step)


def test_it_moves_on_after_three_easy_runs_with_little_pain_settled_next_morning():
    outcome = decide([run(1), run(2, during=2, after=2), run(3, morning=2, before=2)])
    assert outcome.kind == rules.ADVANCE
    assert outcome.run_ids == (1, 2, 3)
    assert outcome.explanation.startswith("You did 3 runs at this step with little pain")
    assert "Next step: Longer jogs: Walk 2 min, then jog 3 min" in outcome.explanation


def test_it_holds_until_the_steps_number_of_runs_is_reached():
    outcome = decide([run(1), run(2)])
    assert outcome.kind == rules.HOLD
    assert "You have done 2 of 3 runs at this step with little pain" in outcome.explanation


def test_it_holds_while_the_next_morning_answer_is_missing():
    outcome = decide([run(1), run(2), run(3, morning=None)])
    assert outcome.kind == rules.HOLD
    assert outcome.run_ids == (3,)
    assert "How was the morning after Friday's run?" in outcome.explanation


def test_it_does_not_count_a_run_whose_next_morning_was_never_told():
    outcome = decide([run(1), run(2, morning=None), run(3), run(4)])
    assert outcome.kind == rules.ADVANCE
    assert outcome.run_ids == (1, 3, 4)
    assert decide([run(1), run(2, morning=None), run(3)]).kind == rules.HOLD


@pytest.mark.parametrize("pain", [{"during": 3}, {"after": 4}, {"morning": 3}])
def test_it_holds_when_the_newest_run_had_pain_3_or_4(pain):
    outcome = decide([run(1), run(2), run(3, before=3, **pain)])
    assert outcome.kind == rules.HOLD
    assert "stay at this step until 3 runs in a row go with pain of 2 or less" in (
        outcome.explanation
    )


def test_it_starts_the_count_again_after_a_run_with_pain_3():
    outcome = decide([run(1), run(2, after=3), run(3), run(4)])
    assert outcome.kind == rules.HOLD
    assert outcome.run_ids == (3, 4)


@pytest.mark.parametrize(("pain", "words"), [({"during": 5}, "during"), ({"after": 7}, "after")])
def test_it_steps_back_when_pain_reached_5_or_more(pain, words):
    outcome = decide([run(1), run(2, **pain)])
    assert outcome.kind == rules.STEP_BACK
    assert outcome.run_ids == (2,)
    assert f"Your pain reached {max(pain.values())} {words} Wednesday's run, so go back to " in (
        outcome.explanation
    )
    assert "Brisk walk: Walk briskly for 30 minutes." in outcome.explanation
    assert "Tell your physio if the pain stays." in outcome.explanation


def test_it_steps_back_on_pain_5_the_next_morning_without_waiting():
    outcome = decide([run(1, morning=5, before=1)])
    assert outcome.kind == rules.STEP_BACK
    assert "the morning after Monday's run" in outcome.explanation


def test_it_steps_back_when_the_next_morning_was_worse_two_runs_running():
    outcome = decide([run(1, before=0, morning=1), run(2, before=1, morning=2)])
    assert outcome.kind == rules.STEP_BACK
    assert outcome.run_ids == (1, 2)
    assert "worse the morning after two runs in a row" in outcome.explanation


def test_it_does_not_step_back_for_one_worse_morning_but_does_not_count_it():
    outcome = decide([run(1, before=0, morning=1), run(2), run(3)])
    assert outcome.kind == rules.HOLD
    assert outcome.run_ids == (2, 3)


def test_it_stays_at_the_first_step_when_stepping_back_from_it():
    outcome = decide([run(1, during=6)], previous_step=None)
    assert outcome.kind == rules.STEP_BACK
    assert "so stay at Walk with short jogs" in outcome.explanation


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"terrain": "mixed_hills"}, "This run was hilly; your current step is flat ground only"),
        ({"terrain": "downhill"}, "This run was downhill; your current step is flat ground only"),
        ({"minutes": 15}, "This run was 15 minutes; your current step is 25 minutes"),
        ({"minutes": 45}, "This run was 45 minutes, more than your current step's 25"),
        ({"effort": "hard"}, "This run felt hard; your current step should feel easy"),
    ],
)
def test_it_does_not_count_a_run_the_step_does_not_allow_and_says_why(kwargs, words):
    reason = rules.run_fits(
        FLAT_EASY, **{"minutes": 25, "terrain": "flat", "effort": "easy", **kwargs}
    )
    assert reason.startswith(words)
    assert "does not count towards moving on" in reason
    outcome = decide([run(1), run(2, **kwargs), run(3)])
    assert outcome.kind == rules.HOLD
    assert outcome.run_ids == (1, 3)


def test_it_counts_hills_once_the_neural_programme_allows_them():
    neural = programmes()["neural"].steps
    assert rules.run_fits(neural[0], minutes=25, terrain="uphill", effort="easy")
    assert not rules.run_fits(neural[5], minutes=30, terrain="uphill", effort="steady")
    assert rules.run_fits(neural[5], minutes=30, terrain="downhill", effort="steady")
    assert not rules.run_fits(neural[6], minutes=30, terrain="downhill", effort="steady")


def test_it_completes_the_programme_after_the_last_step():
    outcome = decide([run(1), run(2), run(3)], next_step=None)
    assert outcome.kind == rules.COMPLETE
    assert "you have finished the programme" in outcome.explanation
