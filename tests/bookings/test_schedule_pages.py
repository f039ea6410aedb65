"""Staff keep each therapist's hours, leave, blocked time and extra hours up to date."""

import pytest
import time_machine
from django.urls import reverse

from bookings.models import ScheduleException, WorkingHours
from tests.bookings.factories import AppointmentFactory, ScheduleExceptionFactory, at, give_hours

pytestmark = pytest.mark.django_db

PAGE = reverse("bookings:schedule")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(at("2026-03-23", "08:00"), tick=False):
        yield


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_it_keeps_patients_and_visitors_out(client, patient_user, therapist):
    assert client.get(PAGE).status_code == 302
    client.force_login(patient_user)
    assert client.get(PAGE).status_code == 404
    url = reverse("bookings:hours_add", args=[therapist.public_id])
    assert (
        client.post(url, {"weekday": 0, "start_time": "09:00", "end_time": "12:00"}).status_code
        == 404
    )
    assert not WorkingHours.objects.exists()


def test_it_shows_a_therapist_their_own_schedule_first(
    therapist_client, therapist, other_therapist
):
    response = therapist_client.get(PAGE)
    assert response.context["therapist"] == therapist


def test_it_adds_and_removes_working_hours(reception_client, therapist):
    response = reception_client.post(
        reverse("bookings:hours_add", args=[therapist.public_id]),
        {"weekday": 1, "start_time": "09:00", "end_time": "13:00"},
        follow=True,
    )
    assert messages_of(response) == ["Working hours added."]
    hours = WorkingHours.objects.get(therapist=therapist)
    assert str(hours) == "Tuesday 09:00-13:00"
    reception_client.post(reverse("bookings:hours_remove", args=[hours.public_id]))
    assert not WorkingHours.objects.exists()


def test_it_explains_hours_that_end_before_they_start(reception_client, therapist):
    response = reception_client.post(
        reverse("bookings:hours_add", args=[therapist.public_id]),
        {"weekday": 1, "start_time": "13:00", "end_time": "09:00"},
        follow=True,
    )
    assert messages_of(response) == ["Until: The end must be after the start."]
    assert not WorkingHours.objects.exists()


def test_it_records_leave_and_warns_about_appointments_inside_it(reception_client, therapist):
    give_hours(therapist)
    AppointmentFactory(therapist=therapist, start=at("2026-03-24", "10:00"))
    response = reception_client.post(
        reverse("bookings:exception_add", args=[therapist.public_id]),
        {
            "kind": "leave",
            "start_date": "2026-03-24",
            "start_time": "00:00",
            "end_date": "2026-03-25",
            "end_time": "00:00",
            "note": "Course",
        },
        follow=True,
    )
    assert messages_of(response) == [
        "Leave saved.",
        "1 booked appointment(s) fall in this time: move or cancel them.",
    ]
    leave = ScheduleException.objects.get()
    assert (leave.start, leave.end) == (at("2026-03-24", "00:00"), at("2026-03-25", "00:00"))


def test_it_refuses_leave_longer_than_a_year(reception_client, therapist):
    response = reception_client.post(
        reverse("bookings:exception_add", args=[therapist.public_id]),
        {
            "kind": "leave",
            "start_date": "1900-01-01",
            "start_time": "09:00",
            "end_date": "2026-11-30",
            "end_time": "08:00",
        },
        follow=True,
    )
    assert messages_of(response) == [
        "Until date: Enter at most 366 days at a time; add another entry for a longer absence."
    ]
    assert not ScheduleException.objects.exists()


def test_it_answers_404_for_an_unknown_therapist(reception_client):
    url = reverse("bookings:hours_add", args=["00000000-0000-0000-0000-000000000000"])
    assert reception_client.post(url, {}).status_code == 404
    assert reception_client.get(PAGE, {"therapist": "nonsense"}).status_code == 404


@pytest.mark.parametrize("count", [1, 10])
def test_it_draws_the_schedule_in_a_fixed_number_of_queries(
    reception_client, therapist, django_assert_num_queries, count
):
    give_hours(therapist, weekdays=range(count % 7))
    for day in range(count):
        ScheduleExceptionFactory(
            therapist=therapist,
            start=at("2026-04-01", "09:00")
            + day * (at("2026-03-25", "00:00") - at("2026-03-24", "00:00")),
            end=at("2026-04-01", "12:00")
            + day * (at("2026-03-25", "00:00") - at("2026-03-24", "00:00")),
        )
    reception_client.get(reverse("bookings:home"))  # the first visit saves the session
    # session, user, therapists (the chosen one is among them), the regular hours, the
    # upcoming exceptions, the default site of the blank working-hours form, and the active
    # sites (a site chooser shows when there are two)
    with django_assert_num_queries(7):
        response = reception_client.get(PAGE, {"therapist": therapist.public_id})
    assert len(response.context["exceptions"]) == count
