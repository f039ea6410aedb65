"""The portal pages for booking and moving follow-ups: who sees what, and what they say."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Appointment
from bookings.online import services
from clinic.models import User
from tests.bookings.factories import AppointmentFactory, at, give_hours, initial_assessment
from tests.bookings.online_helpers import existing_patient, online_follow_up
from tests.conftest import make_user
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

NOW = at("2026-03-23", "12:00")
START = reverse("portal:booking:start")
CONFIRM = reverse("portal:booking:confirm")


@pytest.fixture(autouse=True)
def _frozen(settings):
    settings.CLINIC_HOLIDAYS = ""
    settings.CLINIC_PHONE = "020 7946 0000"
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def me(therapist, other_therapist):
    give_hours(therapist)
    give_hours(other_therapist)
    return existing_patient(
        email="pat@test.example", therapist=therapist, seen=at("2026-03-16", "10:00")
    )


@pytest.fixture
def my_client(client, me):
    client.force_login(me.user)
    return client


def slot_data(therapist, start="2026-03-25T10:00Z", kind=None):
    return {
        "appointment_type": str((kind or online_follow_up()).public_id),
        "therapist": str(therapist.public_id),
        "start": start,
    }


def test_it_lists_free_times_by_day_with_my_therapist_first(my_client, therapist):
    response = my_client.get(START)
    assert response.status_code == 200
    days = response.context["days"]
    # Monday's times open 24 hours ahead: the first day listed is Tuesday.
    assert days[0]["day"].isoformat() == "2026-03-24"
    first = days[0]["slots"][0]
    assert first["slot"].therapist == therapist
    assert first["slot"].start == at("2026-03-24", "12:00")
    page = response.content.decode()
    assert "Tess (your physiotherapist)" in page
    assert "Tuesday 24 March" in page
    assert "Sunday 29 March" in page
    assert "Initial assessment" not in page  # not bookable online


def test_it_pages_by_week(my_client):
    page = my_client.get(START, {"week": "1"}).context
    assert page["week"].first.isoformat() == "2026-03-30"
    assert page["links"]["previous"]
    assert page["links"]["next"]
    assert my_client.get(START, {"week": "junk"}).context["week"].index == 0


def test_it_books_from_the_confirm_page_and_says_so(my_client, me, therapist):
    page = my_client.get(CONFIRM, slot_data(therapist)).content.decode()
    assert "Wednesday 25 March 2026 at 10:00" in page
    response = my_client.post(CONFIRM, slot_data(therapist), follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:appointments:list")
    assert "Your appointment is booked" in response.content.decode()
    assert Appointment.objects.filter(patient=me, start=at("2026-03-25", "10:00")).exists()


def test_it_shows_london_wall_clock_times_on_the_day_the_clocks_go_forward(my_client, therapist):
    """Sunday 29 March 2026: 09:00 BST is 08:00 UTC. The list shows 09:00 under that Sunday
    (the first time of the therapist's day), and confirming shows the same."""
    sunday = next(
        row
        for row in my_client.get(START).context["days"]
        if row["day"].isoformat() == "2026-03-29"
    )
    first = sunday["slots"][0]
    assert first["slot"].start == at("2026-03-29", "09:00")
    assert "start=2026-03-29T08%3A00Z" in first["href"]
    page = my_client.get(CONFIRM, slot_data(therapist, start="2026-03-29T08:00Z"))
    assert "Sunday 29 March 2026 at 09:00" in page.content.decode()


def test_it_books_once_on_a_double_click(my_client, me, therapist):
    my_client.post(CONFIRM, slot_data(therapist))
    response = my_client.post(CONFIRM, slot_data(therapist), follow=True)
    assert "You already have this appointment booked" in response.content.decode()
    assert Appointment.objects.filter(patient=me, status="booked").count() == 1


def test_it_shows_the_list_again_when_the_slot_has_gone(my_client, me, therapist):
    AppointmentFactory(therapist=therapist, start=at("2026-03-25", "10:00"))
    response = my_client.post(CONFIRM, slot_data(therapist), follow=True)
    page = response.content.decode()
    assert "that time has just been taken" in page
    assert response.redirect_chain[-1][0].startswith(START)
    assert response.context["days"]  # the list, with the other times
    assert not Appointment.objects.filter(patient=me, status="booked").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": "not-a-time"}, "not one we offered"),
        ({"start": "9999-12-31T23:59Z"}, "not one we offered"),
        ({"start": ""}, "This field is required"),
        ({"appointment_type": "00000000-0000-0000-0000-000000000000"}, "cannot be booked online"),
        ({"therapist": "11111111-1111-1111-1111-111111111111"}, "cannot be booked online"),
        ({"therapist": "x"}, "not a valid UUID"),
    ],
)
def test_it_refuses_bad_input_next_to_the_form(my_client, me, therapist, data, message):
    response = my_client.post(CONFIRM, {**slot_data(therapist), **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Appointment.objects.filter(patient=me, status="booked").exists()


def test_it_refuses_a_type_not_allowed_online(my_client, me, therapist):
    response = my_client.post(CONFIRM, slot_data(therapist, kind=initial_assessment()))
    assert "cannot be booked online" in response.content.decode()
    assert not Appointment.objects.filter(patient=me, status="booked").exists()


def test_it_tells_a_new_patient_why_and_gives_the_phone(client, therapist):
    give_hours(therapist)
    user = make_user("new@test.example", User.Role.PATIENT)
    PatientFactory(user=user)
    client.force_login(user)
    page = client.get(START).content.decode()
    assert "no treatment under way" in page
    assert "020 7946 0000" in page
    assert "Show free times" not in page


def test_it_shows_a_patient_with_an_open_red_flag_referral_why_booking_is_paused(
    my_client, me, therapist
):
    from tests.exercises.factories import confirmed_decision

    confirmed_decision(episode=me.episodes.get(), therapist=therapist, final_dx="red_flag_referral")
    page = my_client.get(START).content.decode()
    assert "Online booking is paused" in page
    assert "020 7946 0000" in page
    assert "Show free times" not in page
    response = my_client.post(CONFIRM, slot_data(therapist), follow=True)
    assert "Online booking is paused" in response.content.decode()
    assert not Appointment.objects.filter(patient=me, status="booked").exists()


def test_it_moves_my_appointment_from_the_move_pages(my_client, me, therapist):
    appointment = services.online_book(
        patient=me,
        user=me.user,
        appointment_type=online_follow_up(),
        therapist=therapist,
        start=at("2026-03-25", "10:00"),
    ).appointment
    listing = my_client.get(reverse("portal:appointments:list")).content.decode()
    move = reverse("portal:booking:move", args=[appointment.public_id])
    assert move in listing
    assert my_client.get(move).status_code == 200
    confirm = reverse("portal:booking:move_confirm", args=[appointment.public_id])
    data = {"therapist": str(therapist.public_id), "start": "2026-03-26T14:00Z"}
    assert "Thursday 26 March 2026 at 14:00" in my_client.get(confirm, data).content.decode()
    response = my_client.post(confirm, data, follow=True)
    assert "Your appointment is moved" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == at("2026-03-26", "14:00")


def test_it_offers_no_move_inside_the_late_window(my_client, me, therapist):
    appointment = AppointmentFactory(
        patient=me, therapist=therapist, start=at("2026-03-24", "10:00")
    )
    move = reverse("portal:booking:move", args=[appointment.public_id])
    assert move not in my_client.get(reverse("portal:appointments:list")).content.decode()
    page = my_client.get(move).content.decode()
    assert "can no longer be changed online" in page
    assert "020 7946 0000" in page


def test_it_gives_404_for_someone_elses_appointment(my_client, therapist):
    theirs = AppointmentFactory(therapist=therapist, start=at("2026-03-26", "10:00"))
    data = {"therapist": str(therapist.public_id), "start": "2026-03-27T14:00Z"}
    assert my_client.get(reverse("portal:booking:move", args=[theirs.public_id])).status_code == 404
    confirm = reverse("portal:booking:move_confirm", args=[theirs.public_id])
    assert my_client.get(confirm, data).status_code == 404
    assert my_client.post(confirm, data).status_code == 404
    theirs.refresh_from_db()
    assert theirs.start == at("2026-03-26", "10:00")


@pytest.mark.parametrize("role", ["reception", "therapist", "manager"])
def test_it_keeps_staff_out_of_the_booking_pages(client, me, therapist, role, request):
    staff = request.getfixturevalue(role)
    client.force_login(staff)
    appointment = AppointmentFactory(
        patient=me, therapist=therapist, start=at("2026-03-26", "10:00")
    )
    for url in (
        START,
        CONFIRM,
        reverse("portal:booking:move", args=[appointment.public_id]),
        reverse("portal:booking:move_confirm", args=[appointment.public_id]),
    ):
        # As on every portal page: staff are refused (403), never shown a patient's page.
        assert client.get(url).status_code == 403, url


def test_it_keeps_the_query_count_of_the_move_page_flat(
    my_client, me, therapist, django_assert_num_queries
):
    appointment = AppointmentFactory(
        patient=me, therapist=therapist, start=at("2026-03-26", "10:00")
    )
    move = reverse("portal:booking:move", args=[appointment.public_id])
    my_client.get(move)
    with django_assert_num_queries(MOVE_QUERIES):
        my_client.get(move)
    for day in range(24, 30):
        AppointmentFactory(therapist=therapist, start=at(f"2026-03-{day}", "15:00"))
    with django_assert_num_queries(MOVE_QUERIES):
        my_client.get(move)


def test_it_keeps_the_query_count_of_the_slot_list_flat(
    my_client, me, therapist, other_therapist, django_assert_num_queries
):
    def visit():
        return my_client.get(START, {"therapist": "any"})

    visit()
    with django_assert_num_queries(PAGE_QUERIES) as first:
        visit()
    for day in range(24, 30):
        for hour in ("09:00", "11:00", "15:00"):
            AppointmentFactory(therapist=therapist, start=at(f"2026-03-{day}", hour))
    with django_assert_num_queries(len(first.captured_queries)):
        visit()


#: session, user, patient, standing (one query of three EXISTS), online settings, own
#: therapist, therapist choices, online types, the active sites (a chooser shows when there
#: are two); the free-slot finder's four (therapists, working hours, schedule exceptions,
#: busy appointments); waitlist holds; the red-flag notice.
PAGE_QUERIES = 16
#: session, user, the appointment (with patient, therapist, type, room), online settings,
#: own therapist, therapist choices, the free-slot finder's three for one therapist (working
#: hours, schedule exceptions, busy appointments), waitlist holds, the red-flag notice.
MOVE_QUERIES = 11
