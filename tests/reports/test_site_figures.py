"""The manager's figures per site (issue 19): what each figure counts, who may see them, how
many queries they take, and the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from bookings.models import Appointment
from clinic.models import AuditEvent, User
from clinic.sites import Site, default_site
from exercises.models import PlanWeek
from reports.selectors import site_figures
from tests.bookings.factories import AppointmentFactory, at
from tests.conftest import make_user
from tests.exercises.factories import published_plan
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

NOVEMBER = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
Status = Appointment.Status


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


def make_site(name: str, **extra) -> Site:
    group = default_site().group
    slug = name.lower().replace(" ", "-")
    return Site.objects.create(group=group, name=name, slug=slug, **extra)


@pytest.fixture
def leeds(db):
    return make_site("Leeds", address="3 Kirkstall Road\nLeeds LS3 1AA")


@pytest.fixture
def york(db):
    return make_site("York")


def seen(patient, site, day: str, status=Status.COMPLETED, **extra) -> Appointment:
    therapist = User.objects.filter(email="seer@test.example").first() or make_user(
        "seer@test.example", User.Role.THERAPIST
    )
    extra.setdefault("start", at(day, "10:00"))
    return AppointmentFactory(
        patient=patient, site=site, therapist=therapist, status=status, **extra
    )


def by_name(figures) -> dict:
    return {row.name: row for row in figures.sites}


def test_it_counts_a_late_cancellation_at_the_appointments_own_site(leeds, york):
    patient = PatientFactory()
    seen(patient, leeds, "2026-11-10", Status.CANCELLED, late_cancellation=True)
    seen(patient, york, "2026-11-11", Status.CANCELLED)  # in good time: not late
    seen(patient, york, "2026-12-01", Status.CANCELLED, late_cancellation=True)  # next month

    rows = by_name(site_figures(*NOVEMBER))

    assert rows["Leeds"].late_cancellations == 1
    assert rows["York"].late_cancellations == 0
    assert site_figures(*NOVEMBER).total.late_cancellations == 1


def test_it_counts_held_appointments_and_no_shows_per_site(leeds, york):
    patient = PatientFactory()
    seen(patient, leeds, "2026-11-03", Status.COMPLETED)
    seen(patient, leeds, "2026-11-04", Status.ARRIVED)
    seen(patient, leeds, "2026-11-05", Status.BOOKED)  # not held (yet)
    seen(patient, york, "2026-11-06", Status.NO_SHOW)
    seen(patient, york, "2026-10-31", Status.COMPLETED)  # the month before

    figures = site_figures(*NOVEMBER)
    rows = by_name(figures)

    assert (rows["Leeds"].held, rows["Leeds"].no_shows) == (2, 0)
    assert (rows["York"].held, rows["York"].no_shows) == (0, 1)
    assert (figures.total.held, figures.total.no_shows) == (2, 1)


def test_it_counts_a_patient_first_seen_at_one_site_as_new_there_only(leeds, york):
    newcomer = PatientFactory()
    seen(newcomer, leeds, "2026-11-02")
    seen(newcomer, york, "2026-11-20")  # seen at York too, but not new there
    regular = PatientFactory()
    seen(regular, york, "2026-09-15")  # first seen before the period
    seen(regular, york, "2026-11-12")
    no_show_first = PatientFactory()
    seen(no_show_first, york, "2026-10-20", Status.NO_SHOW)  # missed: not yet seen
    seen(no_show_first, york, "2026-11-13")

    figures = site_figures(*NOVEMBER)
    rows = by_name(figures)

    assert rows["Leeds"].new_patients == 1
    assert rows["York"].new_patients == 1  # the one whose first visit was a no-show
    assert figures.total.new_patients == 2
    assert (rows["Leeds"].patients_seen, rows["York"].patients_seen) == (1, 3)
    assert figures.total.patients_seen == 3  # the newcomer counts once in the group


def test_it_measures_adherence_over_whole_past_weeks_of_patients_seen_at_the_site(
    leeds, york, therapist
):
    at_leeds = published_plan(therapist=therapist, start_date=dt.date(2026, 11, 2))
    seen(at_leeds.patient, leeds, "2026-11-16")
    PlanWeek.objects.create(
        plan=at_leeds, week_start=dt.date(2026, 11, 2), doses_done=9, doses_due=12
    )
    PlanWeek.objects.create(
        plan=at_leeds, week_start=dt.date(2026, 11, 9), doses_done=3, doses_due=12
    )
    # Runs past the end of the period: not a whole week inside it.
    PlanWeek.objects.create(
        plan=at_leeds, week_start=dt.date(2026, 11, 30), doses_done=0, doses_due=12
    )
    # A week of the month before.
    PlanWeek.objects.create(
        plan=at_leeds, week_start=dt.date(2026, 10, 26), doses_done=0, doses_due=12
    )
    never_seen = published_plan(therapist=therapist, start_date=dt.date(2026, 11, 2))
    PlanWeek.objects.create(
        plan=never_seen, week_start=dt.date(2026, 11, 2), doses_done=0, doses_due=12
    )

    figures = site_figures(*NOVEMBER)
    rows = by_name(figures)

    assert (rows["Leeds"].doses_done, rows["Leeds"].doses_due) == (12, 24)
    assert rows["Leeds"].adherence == 50
    assert rows["York"].adherence is None  # nobody seen there: nothing due
    assert figures.total.adherence == 50


def test_it_leaves_out_the_week_still_under_way(leeds, therapist):
    plan = published_plan(therapist=therapist, start_date=dt.date(2026, 11, 23))
    seen(plan.patient, leeds, "2026-12-01")
    PlanWeek.objects.create(plan=plan, week_start=dt.date(2026, 11, 23), doses_done=6, doses_due=6)
    PlanWeek.objects.create(plan=plan, week_start=dt.date(2026, 11, 30), doses_done=0, doses_due=6)

    rows = by_name(site_figures(dt.date(2026, 11, 1), dt.date(2026, 12, 31)))

    assert rows["Leeds"].adherence == 100  # the week of 30 November ends after today


def test_it_counts_days_on_the_sites_own_calendar(db):
    auckland = make_site("Auckland", time_zone="Pacific/Auckland")
    # 1 November 07:00 in Auckland is still 31 October in London and in UTC.
    early = dt.datetime(2026, 11, 1, 7, 0, tzinfo=dt.timezone(dt.timedelta(hours=13)))
    seen(PatientFactory(), auckland, "2026-10-31", start=early)

    assert by_name(site_figures(*NOVEMBER))["Auckland"].held == 1
    assert by_name(site_figures(dt.date(2026, 10, 1), dt.date(2026, 10, 31)))["Auckland"].held == 0


def test_it_lists_only_active_sites(leeds):
    make_site("Closed", is_active=False)

    assert [row.name for row in site_figures(*NOVEMBER).sites] == ["Apex Clinic", "Leeds"]


# --- the page ---------------------------------------------------------------------------------

URL = reverse("reports:sites")
CSV_URL = reverse("reports:sites_csv")


@pytest.mark.parametrize("who", ["reception", "therapist", "patient_user"])
def test_it_answers_404_to_everyone_but_the_manager(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(URL).status_code == 404
    assert client.get(CSV_URL).status_code == 404


def test_it_sends_a_stranger_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_it_shows_each_sites_figures_with_a_chart_and_this_month_by_default(manager_client, leeds):
    seen(PatientFactory(), leeds, "2026-12-02")

    response = manager_client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "From 1 December 2026 to 31 December 2026" in page
    rows = {row.name: row for row in response.context["figures"].sites}
    assert rows["Leeds"].held == 1
    assert '<svg viewBox="0 0 320' in page
    assert 'role="img"' in page
    assert "Leeds: 1" in page  # the bar's own label
    assert "cdn" not in page.lower()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date_from": "2026-11-30", "date_to": "2026-11-01"}, "date_to", "before the start"),
        ({"date_from": "2023-01-01", "date_to": "2026-11-01"}, "date_to", "two years"),
        ({"date_from": "2026-02-30"}, "date_from", "valid date"),
    ],
)
def test_it_explains_bad_dates_next_to_the_field(manager_client, query, field, message):
    response = manager_client.get(URL, query)

    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    page = response.content.decode()
    assert f'id="error_1_id_{field}"' in page or f"id_{field}" in page
    assert "this month is shown" in page


def test_it_shows_any_period_the_manager_asks_for(manager_client, leeds):
    seen(PatientFactory(), leeds, "2026-10-02")

    response = manager_client.get(URL, {"date_from": "2026-10-01", "date_to": "2026-10-31"})

    assert {row.name: row.held for row in response.context["figures"].sites}["Leeds"] == 1


@pytest.mark.parametrize("extra_sites", [0, 2])
def test_it_builds_the_page_in_a_fixed_number_of_queries(
    manager_client, django_assert_num_queries, therapist, extra_sites
):
    for number in range(extra_sites):
        site = make_site(f"Site {number}")
        for day in ("2026-12-01", "2026-12-02"):
            plan = published_plan(therapist=therapist, start_date=dt.date(2026, 11, 1))
            seen(plan.patient, site, day, start=at(day, f"{10 + number}:00"))
            PlanWeek.objects.create(plan=plan, week_start=dt.date(2026, 11, 1), doses_due=3)
    manager_client.get(URL)  # the session and user are warm in both runs
    # session, user, the sites with their figures, the group's patients seen, its adherence
    with django_assert_num_queries(5):
        response = manager_client.get(URL)
    assert len(response.context["figures"].sites) == 1 + extra_sites


def test_it_exports_the_figures_as_safe_csv_and_records_the_export(manager_client, manager):
    formula = make_site('=HYPERLINK("http://evil.example")')
    seen(PatientFactory(), formula, "2026-11-05", Status.NO_SHOW)

    response = manager_client.get(CSV_URL, {"date_from": "2026-11-01", "date_to": "2026-11-30"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "site-figures-20261101-20261130.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["Site", "From", "To", "Appointments held", "No-shows"]
    names = [row[0] for row in rows[1:]]
    assert names == ['\'=HYPERLINK("http://evil.example")', "Apex Clinic", "All sites"]
    assert rows[1][1:5] == ["2026-11-01", "2026-11-30", "0", "1"]
    assert rows[-1][4] == "1"
    event = AuditEvent.objects.get(action="export")
    assert event.actor_id == manager.pk
    assert event.detail["format"] == "site-figures-csv"


def test_it_refuses_to_export_a_bad_period(manager_client):
    response = manager_client.get(CSV_URL, {"date_from": "2026-11-30", "date_to": "2026-11-01"})

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_it_links_the_report_from_the_managers_menu(manager_client, reception):
    assert URL in manager_client.get(reverse("patients:list")).content.decode()
    desk = Client()
    desk.force_login(reception)
    assert URL not in desk.get(reverse("patients:list")).content.decode()
