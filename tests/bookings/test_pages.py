"""Reception's calendar and booking pages: who may use them, what they do, what they cost."""

import html

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Appointment
from tests.bookings.factories import AppointmentFactory, at, follow_up, give_hours
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

DAY = "2026-03-24"


@pytest.fixture(autouse=True)
def _setup(therapist, other_therapist):
    give_hours(therapist)
    give_hours(other_therapist)
    with time_machine.travel(at("2026-03-23", "08:00"), tick=False):
        yield


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


STAFF_PAGES = [
    reverse("bookings:home"),
    reverse("bookings:week"),
    reverse("bookings:find_slot"),
    reverse("bookings:create"),
    reverse("bookings:patient_create"),
]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_it_sends_anonymous_visitors_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_it_refuses_patients(client, patient_user, url):
    client.force_login(patient_user)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", STAFF_PAGES)
@pytest.mark.parametrize("who", ["reception", "therapist", "manager"])
def test_it_opens_for_clinic_staff(client, request, who, url):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url).status_code == 200


def test_it_hides_an_appointment_page_from_a_patient(client, patient_user, therapist):
    appointment = AppointmentFactory(therapist=therapist)
    client.force_login(patient_user)
    assert client.get(reverse("bookings:detail", args=[appointment.public_id])).status_code == 404
    assert (
        client.post(
            reverse("bookings:status", args=[appointment.public_id]), {"status": "arrived"}
        ).status_code
        == 404
    )


def test_it_shows_a_404_for_an_unknown_appointment(reception_client):
    url = reverse("bookings:detail", args=["00000000-0000-0000-0000-000000000000"])
    assert reception_client.get(url).status_code == 404


def test_it_books_from_the_form_and_redirects_to_the_day(reception_client, therapist, patient):
    response = reception_client.post(
        reverse("bookings:create"),
        {
            "patient": patient.public_id,
            "therapist": therapist.public_id,
            "appointment_type": follow_up().public_id,
            "date": DAY,
            "time": "10:00",
            "weeks": 1,
        },
        follow=True,
    )
    appointment = Appointment.objects.get()
    assert appointment.start == at(DAY, "10:00")
    assert appointment.created_by.email == "reception@test.example"
    assert response.redirect_chain[-1][0] == f"{reverse('bookings:home')}?date={DAY}"
    assert messages_of(response) == ["Booked Robin Trail with Tess on Tue 24 Mar at 10:00."]


def test_it_shows_every_clash_next_to_the_form_and_keeps_the_input(
    reception_client, therapist, patient, other_patient
):
    AppointmentFactory(patient=other_patient, therapist=therapist, start=at("2026-03-31", "10:00"))
    response = reception_client.post(
        reverse("bookings:create"),
        {
            "patient": patient.public_id,
            "therapist": therapist.public_id,
            "appointment_type": follow_up().public_id,
            "date": DAY,
            "time": "10:00",
            "weeks": 3,
            "notes": "Bring running shoes",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert errors == [
        "Tue 31 Mar 2026 10:00: Tess already has an appointment Tue 31 Mar 10:00-10:30."
    ]
    assert "Bring running shoes" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_it_refuses_a_time_that_the_clock_change_skips(reception_client, therapist, patient):
    response = reception_client.post(
        reverse("bookings:create"),
        {
            "patient": patient.public_id,
            "therapist": therapist.public_id,
            "appointment_type": follow_up().public_id,
            "date": "2026-03-29",
            "time": "01:30",
            "weeks": 1,
            "allow_outside_hours": "on",
        },
    )
    assert response.status_code == 200
    assert "does not exist" in response.context["form"].errors["time"][0]
    assert not Appointment.objects.exists()


def test_it_searches_patients_while_booking(reception_client):
    PatientFactory(first_name="Zola", last_name="Budd")
    PatientFactory(first_name="Paula", last_name="Radcliffe")
    response = reception_client.get(reverse("bookings:create"), {"q": "zola"})
    choices = response.context["form"].fields["patient"].widget.choices
    assert [label.split(" · ")[0] for value, label in choices if value] == ["Zola Budd"]


def test_it_registers_a_new_patient_and_returns_to_the_booking(reception_client, therapist):
    query = f"?therapist={therapist.public_id}&date={DAY}&time=10:00"
    response = reception_client.post(
        reverse("bookings:patient_create") + query,
        {
            "first_name": "New",
            "last_name": "Runner",
            "date_of_birth": "1990-01-01",
            "sex": "not_stated",
            "email": "new@runners.example",
            "preferred_contact": "email",
            "time_zone": "Europe/London",
            "runner_level": "recreational",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    location = response["Location"]
    assert location.startswith(reverse("bookings:create"))
    assert f"therapist={therapist.public_id}" in location
    page = reception_client.get(location)
    assert page.context["form"]["patient"].value() == str(page.context["results"][0].public_id)


def test_it_moves_cancels_and_marks_attendance_by_post(
    reception_client, reception, therapist, patient
):
    appointment = AppointmentFactory(patient=patient, therapist=therapist, start=at(DAY, "10:00"))
    detail = reverse("bookings:detail", args=[appointment.public_id])
    assert (
        reception_client.get(reverse("bookings:move", args=[appointment.public_id])).status_code
        == 405
    )

    response = reception_client.post(
        reverse("bookings:move", args=[appointment.public_id]),
        {"date": DAY, "time": "11:30", "therapist": therapist.public_id},
    )
    assert response["Location"] == detail
    appointment.refresh_from_db()
    assert appointment.start == at(DAY, "11:30")

    with time_machine.travel(at(DAY, "11:25"), tick=False):  # the patient is here
        reception_client.force_login(reception)  # a new day, a new sign-in
        reception_client.post(
            reverse("bookings:status", args=[appointment.public_id]),
            {"status": "arrived", "next": reverse("bookings:home")},
        )
    appointment.refresh_from_db()
    assert appointment.status == "arrived"

    response = reception_client.post(
        reverse("bookings:cancel", args=[appointment.public_id]), {"reason": "Changed mind"}
    )
    appointment.refresh_from_db()
    assert appointment.status == "arrived"  # an arrived patient cannot be cancelled
    assert response["Location"] == detail


def test_it_keeps_the_move_form_with_the_clash_message(reception_client, therapist, patient):
    AppointmentFactory(therapist=therapist, start=at(DAY, "11:30"))
    appointment = AppointmentFactory(patient=patient, therapist=therapist, start=at(DAY, "10:00"))
    response = reception_client.post(
        reverse("bookings:move", args=[appointment.public_id]),
        {"date": DAY, "time": "11:45", "therapist": therapist.public_id},
    )
    assert response.status_code == 400
    assert "already has an appointment" in response.context["move_form"].non_field_errors()[0]


def test_it_finds_slots_and_links_each_to_a_prefilled_booking(reception_client, therapist):
    response = reception_client.get(
        reverse("bookings:find_slot"),
        {"appointment_type": follow_up().public_id, "therapist": therapist.public_id},
    )
    first = response.context["page"][0]["therapists"][0]["starts"][0]
    assert (response.context["page"][0]["day"].isoformat(), first["time"]) == (
        "2026-03-23",
        "09:00",
    )
    booking = reception_client.get(first["book_url"])
    form = booking.context["form"]
    assert (form["date"].value(), form["time"].value()) == ("2026-03-23", "09:00")


def _fill_day(therapist, other_therapist, count):
    patients = PatientFactory.create_batch(count)
    for index, patient in enumerate(patients):
        AppointmentFactory(
            patient=patient,
            therapist=therapist if index % 2 else other_therapist,
            start=at(DAY, f"{9 + index // 2:02d}:{(index % 2) * 30:02d}"),
        )


@pytest.mark.parametrize("count", [1, 12])
def test_it_draws_the_day_in_a_fixed_number_of_queries(
    reception_client, django_assert_num_queries, therapist, other_therapist, count
):
    _fill_day(therapist, other_therapist, count)
    # session, user, the active sites (a chooser shows when there are two) with the
    # therapists (the columns and the picker's options) in one statement, working hours with
    # schedule exceptions (one statement), appointments with patient/type/room joined, one
    # audit insert for the patients shown, the staff idle-timeout session save (savepoint,
    # update, release)
    with django_assert_num_queries(9):
        response = reception_client.get(reverse("bookings:home"), {"date": DAY})
    shown = sum(len(column["appointments"]) for column in response.context["columns"])
    assert shown == count


@pytest.mark.parametrize("count", [2, 12])
def test_it_draws_the_week_in_a_fixed_number_of_queries(
    reception_client, django_assert_num_queries, therapist, other_therapist, count
):
    _fill_day(therapist, other_therapist, count)
    # session, user, the active sites (a chooser shows when there are two) with the
    # therapists (the filter's lookup and the picker's options) in one statement, working
    # hours with schedule exceptions (one statement), appointments with patient/type/room
    # joined, one audit insert, the idle-timeout session save (savepoint, update, release)
    with django_assert_num_queries(9):
        response = reception_client.get(
            reverse("bookings:week"), {"date": DAY, "therapist": therapist.public_id}
        )
    shown = sum(len(c["appointments"]) for day in response.context["days"] for c in day["columns"])
    assert shown == count // 2


def test_it_shows_times_in_the_clinic_time_zone(reception_client, therapist):
    AppointmentFactory(therapist=therapist, start=at("2026-03-30", "09:00"))  # BST: 08:00 UTC
    response = reception_client.get(reverse("bookings:home"), {"date": "2026-03-30"})
    # The grid writes its en dash as `&ndash;` (bookings/grid_html.py): what the browser shows.
    assert "09:00\u201309:30" in html.unescape(response.content.decode())


def test_it_keeps_the_chosen_patient_on_the_list_when_the_booking_fails(
    reception_client, therapist, patient
):
    response = reception_client.post(
        reverse("bookings:create"),
        {"patient": patient.public_id, "therapist": therapist.public_id, "weeks": 1},
    )
    choices = response.context["form"].fields["patient"].widget.choices
    assert [value for value, _ in choices] == ["", patient.public_id]
    assert "This field is required." in response.context["form"].errors["date"]


@pytest.mark.parametrize("count", [1, 10])
def test_it_finds_slots_in_a_fixed_number_of_queries(
    reception_client, django_assert_num_queries, therapist, other_therapist, count
):
    _fill_day(therapist, other_therapist, count)
    reception_client.get(reverse("bookings:home"))  # the first visit saves the session
    params = {"appointment_type": follow_up().public_id}
    # session, user, the type lookup, therapists, working hours, schedule exceptions, busy
    # appointments, the type (read twice by the select template) and therapist pickers, and
    # the active sites (a site chooser shows when there are two)
    with django_assert_num_queries(11):
        response = reception_client.get(reverse("bookings:find_slot"), params)
    assert response.context["page"].object_list


@pytest.mark.parametrize("changes", [1, 3])
def test_it_shows_an_appointment_in_a_fixed_number_of_queries(
    reception_client, django_assert_num_queries, therapist, patient, changes
):
    appointment = AppointmentFactory(patient=patient, therapist=therapist, start=at(DAY, "10:00"))
    for status in ["arrived", "completed"][: changes - 1]:
        appointment.status_changes.create(to_status=status)
    appointment.status_changes.create(to_status="booked")
    reception_client.get(reverse("bookings:home"))  # the first visit saves the session
    # session, user, the appointment with patient/therapist/type/room, its status changes,
    # the move form's therapist and room options, one audit insert
    with django_assert_num_queries(8):  # the last query: the audit event INSERT
        response = reception_client.get(reverse("bookings:detail", args=[appointment.public_id]))
    assert len(response.context["changes"]) == changes


@pytest.mark.parametrize("matches", [1, 8])
def test_it_searches_patients_in_a_fixed_number_of_queries(
    reception_client, django_assert_num_queries, matches
):
    for _ in range(matches):
        PatientFactory(last_name="Searchable")
    reception_client.get(reverse("bookings:home"))  # the first visit saves the session
    # session, user, the matching patients, the follow-up type, and the pickers' options:
    # therapists and types (each read twice by the select template) and rooms, and the
    # active sites (a site chooser shows when there are two)
    with django_assert_num_queries(10):
        response = reception_client.get(reverse("bookings:create"), {"q": "searchable"})
    assert len(response.context["results"]) == matches


def test_it_keeps_the_day_asked_for_when_the_therapist_is_unknown(reception_client):
    response = reception_client.get(
        reverse("bookings:week"),
        {"date": "2026-04-08", "therapist": "00000000-0000-0000-0000-000000000000"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "week of 6 April 2026" in page  # not reset to this week by the other field's error
    assert "Select a valid choice" in page  # and the error shows next to the therapist field


def test_it_shows_today_when_the_date_cannot_be_read(reception_client):
    response = reception_client.get(reverse("bookings:home"), {"date": "31/31/2026"})
    assert response.status_code == 200
    assert "Monday 23 March 2026" in response.content.decode()
