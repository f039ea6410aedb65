"""Every list, detail, dashboard, calendar, portal and admin changelist page runs a fixed number
of queries (at most MAX_QUERIES), whether the clinic has 1 patient's worth of data or 50.

Pages are built from the database on every view (nothing is cached), so one count per page
tells the cost of every view. Both data sets come from the `seed_load` generator: with 50
patients the lists, calendars, alerts and changelists show many more rows (two therapists' days and weeks, 50 plans on the
dashboard, a full page of patients), while the detail pages are about the same patient.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.perf.conftest import World, loaded, url

# The data sets are built once per module, outside the per-test transactions.
pytestmark = pytest.mark.django_db

MAX_QUERIES = 12
#: Pages allowed more, and why. The patient page gathers every app's panel; the patient's
#: comments to their physio (with read marks) cost one more query, whatever their number,
#: and the alerts acknowledged with their notes one more; its red-flag referral history is its
#: referrals and their outcomes. The dashboard (pinned below the common bound since stop 28):
#: the user, today's list, "Open referrals", the texts, the comment inbox (its unread
#: count in the same statement), the runs to look at, the alerts' change counters (the
#: alerts themselves from the cache) and the audit trail's insert for its patients. Issue 15's
#: apps add to the patient page treatment's visits with their notes (one query), rehab's stage
#: panel (the open episode's stage and measures) and running's programmes; to the portal home
#: the stage and the return-to-run programme (the stage's decision, the condition panel and the
#: red-flag notice share one read of the decisions in force since stop 27, and the plan's
#: pictures and videos come with the plan). Issue 16's progress suggestions add to the patient
#: page the active plans' versions and their recent logs (two queries, whatever their number).
#: Since seed_load writes the course of care, the measured patient has a programme: its recent
#: runs and decisions on the patient page (two queries) and the runs waiting for a
#: next-morning answer on the portal home (none since stop 27: they come with the programme;
#: the home's "logged today" comes with its plan). Issue 17's texts from the patient (with read
#: marks) add one to the patient page (and one for the clinic's texts back when there are any).
#: Online booking's slot list (issue 17) reads the patient's standing, the clinic's online
#: settings, the therapists (own first) and online types, then the free-slot finder's four
#: queries and the waitlist's holds. Issue 19 adds the active sites (one query, however many:
#: a site chooser shows when there are two).
#: Stop 28: the portal home reads its plan and every panel's rows in one statement (user,
#: patient, that statement, the audit INSERT). Stop 32: the patient comes with that statement
#: (user, the statement, the audit INSERT).
#: Stop 27: the rehab panel's measures take the timeline's assessments, the progress
#: suggestions' logs and versions and the running panel's programmes instead of reading
#: their own, and treatment's re-tests come with their notes in one query.
#: Stop 28: every app's reads for the patient page are one statement (patients/page_rows.py),
#: so the page is back under the common bound and pinned below it: session, user, device, the
#: patient, the page's reads, running's recent runs and decisions, the audit insert.
#: Stop 35: the dashboard sets and resets `plan_cache_mode` around today's list (two short
#: statements) so that its prepared statement keeps one plan instead of being planned anew
#: on every view. Stop 36: the `SET` goes with the statement (clinic/rows.py `keep_plan`),
#: only the reset is a statement of its own. Stop 43: the texts and the comment inbox are one
#: statement; and outside a transaction, as a view runs, the setting ends with its round trip
#: and no reset is sent (these tests' transaction still has the reset). Stop 44: the alerts'
#: change counters come with the texts and comments' statement. Stop 45: that statement is the
#: dashboard's (`clinic.panels.dashboard_read`): the runs to look at come with it, and whether
#: there is an open referral (the referrals' own read only when there is one, as here: 6; the
#: bench's dashboards, with none, make 5).
#: Stop 37: the portal's appointments page reads the patient, the upcoming appointments, the
#: page of past ones and their number, the sites and the open red-flag referrals in one
#: statement (user, that statement, the audit INSERT), whatever the number of appointments.
PAGE_MAX_QUERIES = {
    "patient detail": 8,
    "dashboard": 6,
    "portal home": 3,
    "portal appointments": 3,
    "portal book a follow-up": 16,
}

PAGES = {
    "dashboard": ("therapist", lambda w: url("clinic:dashboard")),
    "audit": ("manager", lambda w: url("clinic:audit")),
    "figures per site": ("manager", lambda w: url("reports:sites")),
    "open referrals": ("therapist", lambda w: url("assessments:referrals")),
    "open referrals (manager)": ("manager", lambda w: url("assessments:referrals")),
    "privacy": ("manager", lambda w: url("patients:privacy", w.patient.public_id)),
    "patient list": ("reception", lambda w: url("patients:list")),
    "patient search": ("therapist", lambda w: url("patients:list", query="q=a")),
    "patient detail": ("therapist", lambda w: url("patients:detail", w.patient.public_id)),
    "assessment": ("therapist", lambda w: url("assessments:detail", w.assessment.public_id)),
    "exercise library": ("therapist", lambda w: url("exercises:library")),
    "exercise": ("therapist", lambda w: url("exercises:exercise_detail", w.exercise.public_id)),
    "episode plans": (
        "therapist",
        lambda w: url("exercises:episode_plans", w.plan.episode.public_id),
    ),
    "plan": ("therapist", lambda w: url("exercises:plan_detail", w.plan.public_id)),
    "session logs": ("therapist", lambda w: url("exercises:patient_logs", w.patient.public_id)),
    "acknowledge alert": (
        "therapist",
        lambda w: url(
            "exercises:alert_acknowledge", w.plan.public_id, query="kind=no_log&period=2026-01-01"
        ),
    ),
    "day calendar": ("reception", lambda w: url("bookings:home")),
    "week calendar": ("reception", lambda w: url("bookings:week")),
    "therapist week": (
        "reception",
        lambda w: url("bookings:week", query=f"therapist={w.therapist.public_id}"),
    ),
    "free slots": (
        "reception",
        lambda w: url("bookings:find_slot", query=f"appointment_type={w.follow_up.public_id}"),
    ),
    "schedule": ("reception", lambda w: url("bookings:schedule")),
    "appointment": ("reception", lambda w: url("bookings:detail", w.appointment.public_id)),
    "failed reminders": ("reception", lambda w: url("notifications:failed")),
    "booking requests": ("reception", lambda w: url("bookings:requests")),
    "urgent pre-screens": ("therapist", lambda w: url("bookings:urgent_screens")),
    "reminder log": ("reception", lambda w: url("notifications:patient_log", w.patient.public_id)),
    "portal home": ("patient", lambda w: url("portal:home")),
    "portal history": ("patient", lambda w: url("portal:history")),
    "portal session": ("patient", lambda w: url("portal:history_detail", w.log.public_id)),
    "portal appointments": ("patient", lambda w: url("portal:appointments:list")),
    "portal reminders": ("patient", lambda w: url("portal:reminders:settings")),
    "portal book a follow-up": (
        "patient",
        lambda w: url("portal:booking:start", query="therapist=any"),
    ),
}


def _changelists() -> dict:
    pages = {}
    for model in admin.site._registry:
        meta = model._meta
        pages[f"admin {meta.app_label}.{meta.model_name}"] = (
            "manager",
            lambda w, meta=meta: url(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
        )
    return pages


ALL_PAGES = {**PAGES, **_changelists()}


def _measure(world: World) -> dict[str, tuple[int, int]]:
    """(status, queries) per page; one client per role. The first request of each page
    refreshes the staff idle timer; the second is counted. The clock is held for the pair: the
    timer restarts at most once a minute, by whole seconds, so on a loaded machine a minute's
    boundary could fall between the two and the counted one would write the session."""
    clients = {role: world.client_for(role) for role in ("therapist", "reception", "manager")}
    clients["patient"] = world.client_for("patient")
    results = {}
    for name, (role, make_url) in ALL_PAGES.items():
        client = clients[role]
        target = make_url(world)
        with time_machine.travel(dt.datetime.now(dt.UTC), tick=False):
            client.get(target)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(target)
        results[name] = (response.status_code, len(queries))
    return results


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with loaded(1) as world:
            one = _measure(world)
        with loaded(50) as world:
            many = _measure(world)
    return one, many


@pytest.mark.parametrize("page", list(ALL_PAGES))
def test_it_runs_a_fixed_small_number_of_queries(measured, page):
    one, many = measured
    (status_one, queries_one), (status_many, queries_many) = one[page], many[page]
    assert (status_one, status_many) == (200, 200)
    assert queries_many == queries_one, (
        f"{page}: {queries_one} queries with 1, {queries_many} with 50"
    )
    bound = PAGE_MAX_QUERIES.get(page, MAX_QUERIES)
    assert queries_one <= bound, f"{page}: {queries_one} queries"
