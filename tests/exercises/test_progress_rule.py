"""The progress suggestion rule as clinical cases (pure Python: no database)."""

import datetime as dt

from exercises.ladders import PROGRESSIONS, Rule
from exercises.progress_rule import PROGRESS, REGRESS, Session, period, suggest

TODAY = dt.date(2026, 12, 4)
WEEK = Rule(max_pain=2, stop_pain=2, days=7, min_sessions=3, regress_after=2)


def day(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def session(n, pain=1, after=None, worse=False, did_it=True) -> Session:
    return Session(
        on=day(n),
        pain_during=pain,
        pain_after=pain if after is None else after,
        worse_next_morning=worse,
        did_it=did_it,
    )


def run(sessions, *, since=None, rule=WEEK, has_next=True, has_previous=True):
    return suggest(
        rule=rule,
        since=day(10) if since is None else since,
        today=TODAY,
        sessions=sessions,
        has_next=has_next,
        has_previous=has_previous,
    )


def test_it_suggests_progressing_after_a_settled_week():
    # a neural patient at 1/10 on the glides every day, never worse the next morning
    result = run([session(n) for n in range(7)])
    assert result.direction == PROGRESS
    assert result.reason == (
        "Pain stayed at or under 2/10 and settled by next morning for a week (7 sessions): "
        "consider progressing."
    )


def test_it_counts_pain_of_exactly_two_as_settled():
    assert run([session(n, pain=2) for n in range(0, 7, 2)]).direction == PROGRESS


def test_it_waits_a_full_week_at_the_step():
    # moved to this step five days ago: even perfect logs are too early
    assert run([session(n) for n in range(5)], since=day(5)) is None
    assert run([session(n) for n in range(7)], since=day(7)).direction == PROGRESS


def test_it_needs_enough_sessions_with_the_exercise_done():
    assert run([session(0), session(3)]) is None
    # logged, but the exercise was not ticked as done: the pain says nothing about it
    assert run([session(n, did_it=n < 2) for n in range(7)]) is None


def test_it_holds_after_one_session_at_three():
    # pain 3 once: not settled, but one session is not enough to step back either
    assert run([session(0, pain=3), *(session(n) for n in range(1, 7))]) is None


def test_it_holds_when_pain_after_is_higher_than_during():
    assert run([session(n, pain=1, after=3 if n == 2 else 1) for n in range(7)]) is None


def test_it_needs_at_least_one_next_morning_answer():
    assert run([session(n, worse=None) for n in range(7)]) is None
    assert run([session(n, worse=None if n else False) for n in range(7)]).direction == PROGRESS


def test_it_ignores_logs_older_than_the_window():
    # last week's flare-up is past; this week was settled
    sessions = [session(n) for n in range(7)] + [session(n, pain=6) for n in (8, 9)]
    assert run(sessions, since=day(12)).direction == PROGRESS


def test_it_suggests_regressing_after_two_painful_sessions():
    result = run([session(0, pain=4), session(2, after=5), session(4)], since=day(5))
    assert result.direction == REGRESS
    assert result.reason == (
        "Pain went above 2/10 in 2 sessions at this step: consider regressing."
    )


def test_it_suggests_regressing_after_two_worse_mornings():
    result = run([session(0, worse=True), session(1), session(3, worse=True)], since=day(5))
    assert result.direction == REGRESS
    assert result.reason == "Worse the next morning twice at this step: consider regressing."


def test_it_names_both_reasons_when_both_happened():
    sessions = [session(0, pain=4, worse=True), session(2, pain=5, worse=True)]
    assert run(sessions, since=day(5)).reason == (
        "Pain went above 2/10 in 2 sessions and worse the next morning twice at this step: "
        "consider regressing."
    )


def test_it_ignores_a_morning_answer_about_the_session_before_the_step():
    # the first log at the new step answers for the last session at the old one
    assert run([session(0, worse=True), session(1)], since=day(1)) is None


def test_it_suggests_nothing_past_the_ends_of_the_ladder():
    assert run([session(n) for n in range(7)], has_next=False) is None
    assert run([session(n, pain=6) for n in range(3)], has_previous=False) is None


def test_it_reads_the_nordic_build_up_over_two_weeks():
    # Nordics start once a week: two settled weekly sessions are enough to build up
    rule = PROGRESSIONS.steps["a07_start"].rule
    weekly = [session(0), session(7)]
    assert run(weekly, rule=rule, since=day(14)).reason == (
        "Pain stayed at or under 2/10 and settled by next morning for 2 weeks (2 sessions): "
        "consider progressing."
    )
    assert run(weekly, rule=rule, since=day(10)) is None


def test_it_asks_no_symptoms_at_all_before_nerve_tensioners():
    # sliders before tensioners: the step before the tensioner wants pain at most 1/10
    rule = PROGRESSIONS.steps["n01_full"].rule
    assert run([session(n, pain=2) for n in range(7)], rule=rule) is None
    assert run([session(n, pain=1) for n in range(7)], rule=rule).direction == PROGRESS


def test_it_says_how_long_in_words():
    assert [period(n) for n in (1, 3, 7, 14, 28)] == [
        "a day",
        "3 days",
        "a week",
        "2 weeks",
        "4 weeks",
    ]
