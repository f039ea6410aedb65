"""The alert rules as clinical cases: pure functions, no database (exercises/adherence.py)."""

import datetime as dt

from exercises.adherence import LogFacts, doses_due, session_alerts, week_doses

# A Thursday; every case below looks back from here.
DAY = dt.date(2026, 12, 3)


def on(days_before: int, pain: int, *, after: int | None = None, worse=None) -> LogFacts:
    return LogFacts(
        DAY - dt.timedelta(days=days_before),
        pain_during=pain,
        pain_after=pain if after is None else after,
        worse_next_morning=worse,
    )


def alerts(*logs: LogFacts, since: dt.date = DAY - dt.timedelta(days=28)):
    return session_alerts(logs=list(logs), since=since)


def kinds(*logs: LogFacts, **kwargs) -> list[tuple[str, dt.date]]:
    return [(alert.kind, alert.period) for alert in alerts(*logs, **kwargs)]


# --- A single painful session ------------------------------------------------------------


def test_it_alerts_on_one_session_at_seven_out_of_ten_even_without_history():
    found = alerts(on(0, 3, after=7))
    assert [(a.kind, a.period) for a in found] == [("pain_session", DAY)]
    assert found[0].message == "Pain 7/10 after exercise on 3 Dec."
    assert (found[0].logs_from, found[0].logs_to) == (DAY, DAY)


def test_it_does_not_alert_on_six_out_of_ten_without_a_recent_median():
    assert kinds(on(2, 2), on(1, 2), on(0, 6)) == []  # two earlier sessions: no median yet


def test_it_alerts_three_points_above_the_recent_median_and_says_so():
    found = alerts(on(6, 4), on(4, 4), on(2, 5), on(1, 3), on(0, 2, after=8))
    assert [a.kind for a in found] == ["pain_session"]
    assert (
        found[0].message
        == "Pain 8/10 after exercise on 3 Dec, 4 points above the recent median of 4."
    )


def test_it_alerts_on_a_jump_from_low_pain_that_stays_under_seven():
    # Pain 1-2 for weeks, then 5: a big change for this patient though 5 is moderate.
    found = alerts(on(5, 1), on(3, 2), on(1, 2), on(0, 5))
    assert [a.kind for a in found] == ["pain_session"]
    assert "3 points above the recent median of 2" in found[0].message


def test_it_does_not_alert_two_points_above_the_median():
    assert kinds(on(5, 2), on(3, 2), on(1, 2), on(0, 4)) == []


def test_it_takes_the_worse_of_during_and_after():
    found = alerts(on(0, 8, after=3))
    assert found[0].message == "Pain 8/10 during exercise on 3 Dec."


def test_it_uses_only_the_last_ten_sessions_within_28_days_for_the_median():
    old_pain = [on(40 - i, 9) for i in range(5)]  # more than 28 days ago: not recent
    recent = [on(12 - i, 1) for i in range(11)]  # the oldest of these eleven is left out
    found = alerts(*old_pain, *recent, on(0, 4), since=DAY)
    assert [a.kind for a in found] == ["pain_session"]
    assert "recent median of 1" in found[0].message


def test_it_only_reports_sessions_on_or_after_since():
    assert kinds(on(10, 9), on(0, 1), since=DAY - dt.timedelta(days=5)) == []


# --- Pain at 5 or more for a whole week --------------------------------------------------


def test_it_alerts_when_every_session_of_seven_days_is_at_five_or_more():
    found = alerts(on(6, 5), on(3, 6), on(0, 5))
    assert [(a.kind, a.period) for a in found] == [("pain_week", DAY)]
    assert found[0].message == (
        "Pain 5/10 or more at all 3 sessions logged from 27 Nov to 3 Dec (highest 6/10)."
    )
    assert (found[0].logs_from, found[0].logs_to) == (DAY - dt.timedelta(days=6), DAY)


def test_it_needs_three_sessions_in_the_week():
    assert kinds(on(5, 6), on(0, 6)) == []


def test_it_does_not_count_a_week_with_one_session_under_five():
    assert kinds(on(6, 5), on(4, 4), on(2, 6), on(0, 5)) == []


def test_it_does_not_count_sessions_eight_days_apart_as_one_week():
    assert kinds(on(7, 5), on(3, 5), on(0, 5)) == []  # 7 days before is outside the week


def test_it_raises_one_alert_per_spell_of_pain_not_one_a_day():
    spell = [on(days, 5) for days in range(9, -1, -1)]  # ten days in a row at 5
    assert kinds(*spell) == [("pain_week", DAY - dt.timedelta(days=7))]


def test_it_raises_a_new_alert_for_a_new_spell():
    first = [on(days, 6) for days in (20, 19, 18)]
    better = [on(days, 2) for days in (15, 12, 9)]
    second = [on(days, 5) for days in (2, 1, 0)]
    assert kinds(*first, *better, *second) == [
        ("pain_week", DAY - dt.timedelta(days=18)),
        ("pain_week", DAY),
    ]


# --- Worse the next morning twice in seven days ------------------------------------------


def test_it_alerts_when_worse_the_next_morning_twice_in_seven_days():
    found = alerts(on(6, 2, worse=True), on(3, 2, worse=False), on(0, 2, worse=True))
    assert [(a.kind, a.period) for a in found] == [("worse_morning", DAY)]
    assert found[0].message == (
        "Worse the morning after exercise twice in 7 days: said so on 27 Nov and on 3 Dec."
    )
    assert found[0].logs_from == DAY - dt.timedelta(days=6)


def test_it_does_not_alert_on_a_single_bad_morning_or_two_far_apart():
    assert kinds(on(0, 2, worse=True)) == []
    assert kinds(on(7, 2, worse=True), on(0, 2, worse=True)) == []


def test_it_alerts_again_on_each_further_bad_morning():
    logs = [on(4, 2, worse=True), on(2, 2, worse=True), on(0, 2, worse=True)]
    assert kinds(*logs) == [
        ("worse_morning", DAY - dt.timedelta(days=2)),
        ("worse_morning", DAY),
    ]


def test_it_keeps_an_alerts_identity_when_later_sessions_are_logged():
    before = kinds(on(3, 8), on(1, 2))
    after = kinds(on(3, 8), on(1, 2), on(0, 9))
    assert before == [("pain_session", DAY - dt.timedelta(days=3))]
    assert after == [*before, ("pain_session", DAY)]


# --- Adherence per exercise on the days it is due ----------------------------------------

ITEMS = [
    {"key": "EX-A", "dose": {"days_per_week": 7}},
    {"key": "EX-B", "dose": {"days_per_week": 3}},
    {"key": "EX-C", "dose": {"days_per_week": None}},  # falls back to the sessions per week
]


def test_it_takes_each_exercises_own_days_per_week():
    assert doses_due(items=ITEMS, sessions_per_week=5) == {"EX-A": 7, "EX-B": 3, "EX-C": 5}


def test_it_does_not_count_a_day_as_done_when_one_exercise_of_three_was_ticked():
    week = [DAY + dt.timedelta(days=n) for n in range(7)]
    done_on = {day: {"EX-A"} for day in week}  # "any tick" would call this 7 of 7 days
    assert week_doses(due={"EX-A": 7, "EX-B": 7, "EX-C": 7}, done_on=done_on) == (7, 21)


def test_it_caps_each_exercise_at_the_times_it_is_due():
    week = [DAY + dt.timedelta(days=n) for n in range(7)]
    done_on = {day: {"EX-A", "EX-B"} for day in week}  # EX-B done 7 times, due 3
    assert week_doses(due={"EX-A": 7, "EX-B": 3}, done_on=done_on) == (10, 10)


def test_it_counts_only_the_due_days_when_given_dates():
    monday, wednesday = DAY - dt.timedelta(days=3), DAY - dt.timedelta(days=1)
    done_on = {monday: {"EX-B"}, DAY - dt.timedelta(days=2): {"EX-B"}}
    assert week_doses(due={"EX-B": [monday, wednesday]}, done_on=done_on) == (1, 2)
