"""Adherence per week, pain over time, and the therapist's alerts, with time frozen."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from exercises.adherence import WeekRow, week_series
from exercises.models import AlertAcknowledgement, PlanWeek
from exercises.selectors import open_alerts, plan_adherence
from tests.exercises.factories import log, published_plan

pytestmark = pytest.mark.django_db

# A Tuesday at noon in London; plans below start four weeks earlier, on a Tuesday.
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
START = TODAY - dt.timedelta(days=28)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def day(week: int, offset: int = 0) -> dt.date:
    """Day `offset` of plan week `week` (1-based)."""
    return START + dt.timedelta(days=7 * (week - 1) + offset)


def kinds(plan):
    return sorted(
        item.alert.kind for item in open_alerts(user=plan.created_by) if item.plan == plan
    )


def test_it_counts_adherence_against_the_prescribed_sessions(therapist, frozen):
    plan = published_plan(therapist=therapist, start_date=START)  # sliders: every day
    for offset in range(5):
        log(plan, day(1, offset))
    log(plan, day(2, 0), done=0)  # logged but nothing done: not a session
    series = plan_adherence(plan=plan).series
    assert [week.sessions_logged for week in series[:2]] == [5, 0]
    assert series[0].sessions_prescribed == 7
    assert series[0].adherence_percent == 71
    assert series[1].adherence_percent == 0
    assert len(series) == 5  # weeks 1-4 complete, week 5 started today
    assert series[-1].complete is False


def test_it_puts_each_total_in_its_own_field_of_the_week():
    """`week_series` builds its weeks by position: each total lands in the field of its name
    (every field named here, so a field missed or two swapped fails), for a week with totals
    and for the empty weeks after it."""
    rows = {
        START: WeekRow.of(
            {
                "plan_id": 1,
                "week_start": START,
                "sessions_logged": 4,
                "sessions_prescribed": 5,
                "pain_count": 3,
                "pain_during_sum": 7,
                "pain_after_sum": 8,
                "pain_peak_sum": 10,
                "doses_done": 9,
                "doses_due": 12,
            }
        )
    }
    series = week_series(
        start_date=START, today=TODAY, end_date=None, rows=rows, sessions_per_week=3
    )
    first = {
        "week_start": START,
        "number": 1,
        "sessions_logged": 4,
        "sessions_prescribed": 5,
        "doses_done": 9,
        "doses_due": 12,
        "pain_during": 2.3,
        "pain_after": 2.7,
        "pain_peak": 3.3,
        "complete": True,
    }
    empty = [
        {
            "week_start": day(week),
            "number": week,
            "sessions_logged": 0,
            "sessions_prescribed": 3,
            "doses_done": 0,
            "doses_due": 0,
            "pain_during": None,
            "pain_after": None,
            "pain_peak": None,
            "complete": week < 5,
        }
        for week in range(2, 6)
    ]
    assert [week._asdict() for week in series] == [first, *empty]
    assert series[0].adherence_percent == 75
    with pytest.raises(AttributeError):
        series[0].number = 2


def test_it_caps_weekly_adherence_at_100_percent():
    class Row:
        sessions_logged, sessions_prescribed = 5, 3
        doses_done, doses_due = 5, 3
        pain_during_mean = pain_after_mean = pain_peak_mean = None

    series = week_series(
        start_date=START, today=TODAY, end_date=None, rows={START: Row()}, sessions_per_week=3
    )
    assert series[0].adherence_percent == 100


def test_it_counts_each_exercise_against_its_own_days_per_week(therapist, frozen):
    plan = published_plan(therapist=therapist, codes=["EX-A04", "EX-A05"], start_date=START)
    assert plan.current_version.sessions_per_week == 3  # the busiest: 3 days; the other: 2
    log(plan, day(1, 0))
    log(plan, day(1, 2))
    # Spread from the start, Diver is due on days 0, 2 and 5 and Glider on days 0 and 4:
    # Diver 2 of 3, Glider 1 of 2 (day 2 is a rest day for it, so doing it then does not
    # count): 3 of the 5 due (not 2 of 3 sessions, 67%).
    assert plan_adherence(plan=plan).series[0].adherence_percent == 60


def test_it_alerts_when_pain_rises_two_points_above_the_first_week(therapist, frozen):
    plan = published_plan(therapist=therapist, start_date=START)
    for offset in range(7):
        log(plan, day(1, offset), pain=2)
        log(plan, day(2, offset), pain=3)
        log(plan, day(3, offset), pain=3)
    for offset in range(7):
        log(plan, day(4, offset), pain=3, after=4)  # worse score counts: 4, up exactly 2
    assert "pain_up" in kinds(plan)


def test_it_does_not_alert_on_a_rise_under_two_points(therapist, frozen):
    plan = published_plan(therapist=therapist, start_date=START)
    for offset in range(7):
        log(plan, day(1, offset), pain=2)
        log(plan, day(4, offset), pain=3 if offset % 2 else 4)  # mean 3.4: +1.4
    assert "pain_up" not in kinds(plan)


def test_it_alerts_on_a_complete_week_under_half_adherence(therapist, frozen):
    plan = published_plan(therapist=therapist, start_date=START)
    for week in (1, 2, 3):
        for offset in range(7):
            log(plan, day(week, offset))
    for offset in range(3):  # 3 of 7 = 43%
        log(plan, day(4, offset))
    log(plan, TODAY)
    assert kinds(plan) == ["low_adherence"]


def test_it_does_not_alert_at_exactly_half_or_for_the_week_in_progress(therapist):
    with time_machine.travel(NOW, tick=False):
        plan = published_plan(
            therapist=therapist, codes=["EX-A04"], start_date=TODAY - dt.timedelta(days=9)
        )  # 3 sessions a week; week 1 done, week 2 in progress with nothing yet
        log(plan, TODAY - dt.timedelta(days=9))
        log(plan, TODAY - dt.timedelta(days=7))
        log(plan, TODAY - dt.timedelta(days=3))
        assert kinds(plan) == []


def test_it_alerts_after_seven_days_without_a_log(therapist):
    with time_machine.travel(NOW, tick=False):
        plan = published_plan(therapist=therapist, start_date=TODAY - dt.timedelta(days=6))
        log(plan, TODAY)
    with time_machine.travel(NOW + dt.timedelta(days=6), tick=False):
        assert "no_log" not in kinds(plan)
    with time_machine.travel(NOW + dt.timedelta(days=7), tick=False):
        alerts = [a.alert for a in open_alerts(user=therapist) if a.alert.kind == "no_log"]
        assert len(alerts) == 1
        assert "7 days" in alerts[0].message


def test_it_counts_silence_from_the_start_when_nothing_was_ever_logged(therapist):
    with time_machine.travel(NOW, tick=False):
        plan = published_plan(therapist=therapist, start_date=TODAY - dt.timedelta(days=7))
        assert "no_log" in kinds(plan)


def test_it_uses_the_patients_local_date_for_silence(therapist):
    # 23:30 UTC on 16 March is already 17 March in Auckland.
    late = dt.datetime(2026, 3, 16, 23, 30, tzinfo=dt.UTC)
    with time_machine.travel(late, tick=False):
        plan = published_plan(therapist=therapist, start_date=dt.date(2026, 3, 10))
        plan.patient.time_zone = "Pacific/Auckland"
        plan.patient.save()
        assert "no_log" in kinds(plan)
        plan.patient.time_zone = "America/Los_Angeles"
        plan.patient.save()
        assert "no_log" not in kinds(plan)


def test_it_hides_an_acknowledged_alert_and_records_who_and_when(client, therapist, frozen):
    plan = published_plan(therapist=therapist, start_date=START)
    client.force_login(therapist)
    alert = next(item.alert for item in open_alerts(user=therapist) if item.plan == plan)
    response = client.post(
        reverse("exercises:alert_acknowledge", args=[plan.public_id]),
        {"kind": alert.kind, "period": alert.period.isoformat(), "note": "Rang: away on holiday."},
    )
    assert response.url == reverse("clinic:dashboard")
    record = AlertAcknowledgement.objects.get(plan=plan, kind=alert.kind)
    assert record.acknowledged_by == therapist
    assert record.acknowledged_at == NOW
    assert record.note == "Rang: away on holiday."
    assert alert.kind not in kinds(plan)


def test_it_raises_a_new_alert_for_a_new_period_after_acknowledgement(therapist):
    with time_machine.travel(NOW, tick=False):
        plan = published_plan(therapist=therapist, start_date=TODAY - dt.timedelta(days=7))
        alert = next(a.alert for a in open_alerts(user=therapist) if a.alert.kind == "no_log")
        from exercises.inbox import alert_acknowledge

        alert_acknowledge(
            plan=plan, kind="no_log", period=alert.period, user=therapist, note="Rang them."
        )
        assert "no_log" not in kinds(plan)
        log(plan, TODAY)
    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False):
        assert "no_log" in kinds(plan)


def test_it_refuses_acknowledgement_by_reception(client, reception, therapist, frozen):
    plan = published_plan(therapist=therapist, start_date=START)
    client.force_login(reception)
    response = client.post(
        reverse("exercises:alert_acknowledge", args=[plan.public_id]),
        {"kind": "no_log", "period": START.isoformat(), "note": "Seen."},
    )
    assert response.status_code == 403
    assert not AlertAcknowledgement.objects.exists()


def test_it_ignores_paused_and_completed_plans(therapist, frozen):
    from exercises.services import plan_change_status

    plan = published_plan(therapist=therapist, start_date=START)
    plan_change_status(plan=plan, action="pause")
    assert kinds(plan) == []


def test_it_updates_the_week_row_when_a_day_is_logged_again(therapist, frozen):
    plan = published_plan(therapist=therapist, start_date=START)
    log(plan, day(1), pain=6)
    log(plan, day(1), pain=2)
    week = PlanWeek.objects.get(plan=plan, week_start=START)
    assert (week.sessions_logged, week.pain_count, week.pain_peak_mean) == (1, 1, 2)


@pytest.mark.parametrize("plans", [1, 4])
def test_it_lists_dashboard_alerts_in_a_fixed_number_of_queries(
    therapist_client, therapist, django_assert_num_queries, frozen, plans
):
    for _ in range(plans):
        plan = published_plan(therapist=therapist, start_date=START)
        log(plan, day(1), pain=1)
        log(plan, day(4), pain=5)
    # Alert queries: the tables' change counters (the cache key), then active plans, their
    # patients, their versions, their weekly rows, their acknowledgements, their symptom
    # reports; from the cache, only the counters.
    from exercises.panels import dashboard_panels

    with django_assert_num_queries(7):
        rows = dashboard_panels(user=therapist)[0].values()["alert_rows"]
    with django_assert_num_queries(1):
        assert dashboard_panels(user=therapist)[0].values()["alert_rows"] == rows
    # Pain up, low adherence, no log (last log 7+ days ago), for each plan.
    assert rows.count("Acknowledge<span") == 3 * plans
    response = therapist_client.get(reverse("clinic:dashboard"))
    assert response.content.decode().count("Acknowledge<span") == 3 * plans


def test_it_draws_the_chart_and_table_on_the_patient_page(therapist_client, therapist, frozen):
    plan = published_plan(therapist=therapist, start_date=START)
    log(plan, day(1), pain=3)
    log(plan, day(2, 1), pain=5)
    response = therapist_client.get(reverse("patients:detail", args=[plan.patient.public_id]))
    body = response.content.decode()
    assert '<svg class="adherence-chart"' in body
    assert "<polyline" in body
    assert "<caption>Adherence and pain per plan week</caption>" in body
    assert "1 of 7" in body
    assert "5.0/10" in body or "5/10" in body


def test_it_keeps_the_patient_panel_from_reception(client, reception, therapist, frozen):
    from clinic import panels

    plan = published_plan(therapist=therapist, start_date=START)
    found = panels.collect("patient_panels", user=reception, patient=plan.patient)
    assert not any(panel.template.startswith("exercises/") for panel in found)


@pytest.mark.parametrize("count", [1, 3])
def test_it_builds_the_patient_panel_in_a_fixed_number_of_queries(
    therapist, django_assert_num_queries, frozen, count
):
    from exercises.panels import patient_panels

    plan = published_plan(therapist=therapist, start_date=START)
    for _ in range(count - 1):
        from exercises.services import plan_change_status

        plan_change_status(plan=plan, action="complete")
        plan = published_plan(therapist=therapist, episode=plan.episode, start_date=START)
    log(plan, day(1))
    patient = plan.patient
    # Queries: open episodes, published plans with versions and episodes, their weekly rows;
    # the active plan's versions and recent logs (progress suggestions).
    with django_assert_num_queries(5):
        panel = patient_panels(user=therapist, patient=patient)[0]
    assert len(panel.context["plans"]) == count


@given(
    logged=st.integers(min_value=0, max_value=7),
    prescribed=st.integers(min_value=1, max_value=7),
)
def test_it_keeps_adherence_between_0_and_100_percent(logged, prescribed):
    class Row:
        sessions_logged, sessions_prescribed = logged, prescribed
        doses_done, doses_due = logged, prescribed
        pain_during_mean = pain_after_mean = pain_peak_mean = None

    week = week_series(
        start_date=START, today=START, end_date=None, rows={START: Row()}, sessions_per_week=7
    )[0]
    assert 0 <= week.adherence_percent <= 100
    assert (week.adherence_percent < 50) == (logged / prescribed < 0.5)


def test_it_lets_the_therapist_acknowledge_from_the_plan_page(client, therapist, frozen):
    plan = published_plan(therapist=therapist, start_date=START)  # nothing logged for 28 days
    client.force_login(therapist)
    page = client.get(reverse("exercises:plan_detail", args=[plan.public_id]))
    assert "No session logged for 28 days" in page.content.decode()
    response = client.post(
        reverse("exercises:alert_acknowledge", args=[plan.public_id]),
        {"kind": "no_log", "period": START.isoformat(), "back": "plan", "note": "Emailed."},
    )
    assert response.url == reverse("exercises:plan_detail", args=[plan.public_id])
    page = client.get(reverse("exercises:plan_detail", args=[plan.public_id]))
    assert "No session logged" not in page.content.decode()
