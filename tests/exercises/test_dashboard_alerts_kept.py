"""After a write, the dashboard's alerts are worked out again only for the plans it touched
(exercises/dashboard.py): what the panel shows must be what working every plan out afresh
gives, whatever the write's path, and the other plans must not be worked out again."""

import datetime as dt

import pytest
import time_machine
from django.db import connection

from exercises import dashboard
from exercises.selectors import open_alerts
from patients.models import Patient
from tests.exercises.factories import log, published_plan

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the change counters are PostgreSQL's"
    ),
]

# A Tuesday at 23:30 in London: half an hour later it is Wednesday there.
NOW = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)
TODAY = NOW.date()
START = TODAY - dt.timedelta(days=28)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def worked_out(monkeypatch):
    """The ids of the plans each miss worked out again."""
    calls: list[set[int]] = []
    real = dashboard.plans_alerts

    def spy(plans):
        calls.append({plan.pk for plan in plans})
        return real(plans)

    monkeypatch.setattr(dashboard, "plans_alerts", spy)
    return calls


def caseload(therapist, count=3):
    plans = []
    for _ in range(count):
        plan = published_plan(therapist=therapist, start_date=START)
        log(plan, START + dt.timedelta(days=1), pain=1)
        log(plan, START + dt.timedelta(days=20), pain=4)
        plans.append(plan)
    return plans


def afresh(user):
    return dashboard._summary(open_alerts(user=user))


def test_it_works_out_again_only_the_plan_a_new_log_belongs_to(therapist, clock, worked_out):
    plans = caseload(therapist)
    assert dashboard.dashboard_alerts(user=therapist) == afresh(therapist)
    assert worked_out == [{plan.pk for plan in plans}]

    log(plans[1], TODAY, pain=9)  # a painful session: a new alert for this plan only
    shown = dashboard.dashboard_alerts(user=therapist)
    assert shown == afresh(therapist)
    assert worked_out[1] == {plans[1].pk}
    assert any(line.kind == "pain_session" for line in shown[0])


def test_it_sees_writes_that_go_around_the_models(therapist, clock, worked_out):
    plans = caseload(therapist)
    dashboard.dashboard_alerts(user=therapist)
    with connection.cursor() as cursor:  # no save(), no updated_at: only the row's version
        cursor.execute(
            "UPDATE exercises_sessionlog SET pain_after = 9 WHERE plan_id = %s AND date = %s",
            [plans[2].pk, START + dt.timedelta(days=20)],
        )
    Patient.objects.filter(pk=plans[0].patient_id).update(last_name="Aardvark")
    shown = dashboard.dashboard_alerts(user=therapist)
    assert shown == afresh(therapist)
    assert worked_out[1] == {plans[0].pk, plans[2].pk}
    assert shown[0][0].patient_name.endswith("Aardvark")  # now first by name


def test_it_works_nothing_out_again_for_a_colleague_s_write(
    therapist, other_therapist, clock, worked_out, django_assert_num_queries
):
    caseload(therapist)
    theirs = caseload(other_therapist, count=1)
    shown = dashboard.dashboard_alerts(user=therapist)
    log(theirs[0], TODAY, pain=9)
    # The change counters, then the stamps of this therapist's plans: none changed.
    with django_assert_num_queries(2):
        assert dashboard.dashboard_alerts(user=therapist) == shown
    assert len(worked_out) == 1


def test_it_works_a_plan_out_again_when_its_patient_s_day_changes(therapist, clock, worked_out):
    plans = caseload(therapist, count=2)
    Patient.objects.filter(pk=plans[0].patient_id).update(time_zone="America/New_York")
    before = dashboard.dashboard_alerts(user=therapist)
    clock.shift(dt.timedelta(hours=1))  # Wednesday in London, still Tuesday in New York
    after = dashboard.dashboard_alerts(user=therapist)
    assert after == afresh(therapist)
    assert after != before  # "No session logged for N days" counts one more day in London
    assert worked_out[1] == {plans[1].pk}


def test_it_works_everything_out_when_nothing_is_kept(therapist, clock, worked_out):
    plans = caseload(therapist, count=2)
    dashboard.dashboard_alerts(user=therapist)
    from django.core.cache import cache

    cache.clear()
    log(plans[0], TODAY, pain=9)
    assert dashboard.dashboard_alerts(user=therapist) == afresh(therapist)
    assert worked_out[1] == {plan.pk for plan in plans}


def test_it_reads_the_counters_with_the_inboxes_as_they_read_alone(therapist, clock):
    from clinic import changes
    from clinic.models import User

    def both():
        column = changes.versions_column(dashboard.ALERT_KEY_MODELS)
        found = User.objects.filter(pk=therapist.pk).values_list(column, flat=True).get()
        alone = changes.table_versions(dashboard.ALERT_KEY_MODELS)
        assert list(alone) == sorted(model._meta.db_table for model in dashboard.ALERT_KEY_MODELS)
        return changes.versions_from(dashboard.ALERT_KEY_MODELS, found), alone

    with connection.cursor() as cursor:  # no counter row at all: each table's counter is 0
        cursor.execute("DELETE FROM clinic_table_change")
    read, alone = both()
    assert read == alone == dict.fromkeys(alone, 0)
    plans = caseload(therapist, count=1)
    Patient.objects.filter(pk=plans[0].patient_id).update(last_name="Aardvark")
    read, alone = both()
    assert read == alone
    assert read["exercises_exerciseplan"] > 0
    assert read["patients_patient"] > 0


def test_it_shows_a_new_alert_on_the_next_dashboard_view(therapist, therapist_client, clock):
    # The dashboard reads the alerts' counters with its inboxes (exercises/panels.py): a write
    # between two views is on the second, as when the alerts read their counters themselves.
    plans = caseload(therapist, count=2)
    before = therapist_client.get("/dashboard/").content.decode()
    log(plans[1], TODAY, pain=9)
    after = therapist_client.get("/dashboard/").content.decode()
    assert after != before
    assert after.count("text-bg-danger") > before.count("text-bg-danger")
    assert dashboard.dashboard_alerts(user=therapist) == afresh(therapist)
