"""The bookings admin (filters, actions, CSV export) and the demo week."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from bookings.models import Appointment
from clinic.models import User
from tests.bookings.factories import AppointmentFactory, at
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:bookings_appointment_changelist")
HALF_HOUR = dt.timedelta(minutes=30)
# session, user, the site, therapist, type and room filter choices, the filtered and
# unfiltered counts, the page of appointments with patient/therapist/type/site/room joined,
# and the date hierarchy's range and days
QUERIES = 11


@pytest.fixture
def booked(therapist):
    return [
        AppointmentFactory(
            therapist=therapist,
            patient=PatientFactory(first_name=name, last_name="Runner"),
            start=at("2026-03-24", hhmm),
        )
        for name, hhmm in [("=HYPERLINK", "10:00"), ("Bea", "11:00")]
    ]


@pytest.mark.parametrize("count", [1, 20])
def test_it_lists_appointments_with_filters_in_a_fixed_number_of_queries(
    manager_client, therapist, django_assert_num_queries, count
):
    for index in range(count):
        AppointmentFactory(therapist=therapist, start=at("2026-03-24", "09:00") + index * HALF_HOUR)
    manager_client.get(CHANGELIST)  # the first visit saves the session; measure the second
    with django_assert_num_queries(QUERIES):
        response = manager_client.get(CHANGELIST, {"status__exact": "booked"})
    assert response.context["cl"].result_count == count


def test_it_searches_by_patient_name(manager_client, booked):
    response = manager_client.get(CHANGELIST, {"q": "bea"})
    assert [item.patient.first_name for item in response.context["cl"].result_list] == ["Bea"]


def test_it_cancels_and_marks_no_show_through_the_services(manager_client, booked, manager):
    first, second = booked
    manager_client.post(
        CHANGELIST,
        {"action": "cancel_appointments", "_selected_action": [first.pk]},
    )
    manager_client.post(CHANGELIST, {"action": "mark_no_show", "_selected_action": [second.pk]})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("cancelled", "no_show")
    assert first.status_changes.get(to_status="cancelled").changed_by == manager


def test_it_exports_the_filtered_list_as_csv_without_formula_injection(manager_client, booked):
    response = manager_client.post(
        CHANGELIST + "?status__exact=booked",
        {"action": "export_csv", "select_across": "1", "_selected_action": [booked[0].pk]},
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Date", "Start", "End", "Patient"]
    assert [row[3] for row in rows[1:]] == ["'=HYPERLINK Runner", "Bea Runner"]
    assert rows[1][1] == "10:00"


def test_it_keeps_reception_out_of_the_admin(reception_client):
    assert reception_client.get(CHANGELIST).status_code == 302


def test_it_seeds_a_demo_week_once(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    therapist = User.objects.get(email="therapist@example.com")
    first = sorted(Appointment.objects.values_list("public_id", "start", "status"))
    call_command("seed_demo")
    assert sorted(Appointment.objects.values_list("public_id", "start", "status")) == first
    assert len(first) >= 10
    assert therapist.working_hours.count() == 12
    assert Appointment.objects.filter(patient__user__email="patient@example.com").exists()
