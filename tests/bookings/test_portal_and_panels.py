"""Patients' appointments in the portal, and the panels other pages gather from bookings."""

import pytest
import time_machine
from django.urls import reverse

from bookings import panels
from bookings.models import Appointment
from clinic.models import User
from tests.bookings.factories import AppointmentFactory, at
from tests.conftest import make_user
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db

NOW = at("2026-03-23", "12:00")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def me(patient_user):
    return PatientFactory(user=patient_user, first_name="Pat")


@pytest.fixture
def someone_else():
    user = make_user("else@test.example", User.Role.PATIENT)
    return PatientFactory(user=user)


LIST = reverse("portal:appointments:list")


def test_it_lists_only_my_appointments_upcoming_and_past(
    patient_client, me, someone_else, therapist
):
    mine_next = AppointmentFactory(patient=me, therapist=therapist, start=at("2026-03-26", "10:00"))
    mine_past = AppointmentFactory(
        patient=me, therapist=therapist, start=at("2026-03-16", "10:00"), status="completed"
    )
    AppointmentFactory(patient=someone_else, therapist=therapist, start=at("2026-03-26", "11:00"))
    response = patient_client.get(LIST)
    assert [row["appointment"] for row in response.context["upcoming"]] == [mine_next]
    assert list(response.context["past"].object_list) == [mine_past]


def test_it_lets_me_cancel_my_own_appointment_before_the_window(
    patient_client, me, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    appointment = AppointmentFactory(
        patient=me, therapist=therapist, start=at("2026-03-26", "10:00")
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = patient_client.post(
            reverse("portal:appointments:cancel", args=[appointment.public_id])
        )
    assert response["Location"] == LIST
    appointment.refresh_from_db()
    assert (appointment.status, appointment.late_cancellation) == ("cancelled", False)
    assert appointment.status_changes.get(to_status="cancelled").changed_by.role == "patient"
    assert len(mailoutbox) == 1


def test_it_explains_how_to_reach_the_clinic_inside_the_window(patient_client, me, therapist):
    appointment = AppointmentFactory(
        patient=me, therapist=therapist, start=at("2026-03-24", "09:00")
    )
    page = patient_client.get(LIST).content.decode()
    assert "please phone the clinic" in page
    assert reverse("portal:appointments:cancel", args=[appointment.public_id]) not in page
    response = patient_client.post(
        reverse("portal:appointments:cancel", args=[appointment.public_id]), follow=True
    )
    assert "can no longer be cancelled online" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_it_answers_404_for_someone_elses_appointment(patient_client, me, someone_else, therapist):
    theirs = AppointmentFactory(
        patient=someone_else, therapist=therapist, start=at("2026-03-26", "10:00")
    )
    response = patient_client.post(reverse("portal:appointments:cancel", args=[theirs.public_id]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "booked"


def test_it_keeps_staff_and_visitors_out_of_the_portal_pages(client, reception):
    assert client.get(LIST).status_code == 302
    client.force_login(reception)
    assert client.get(LIST).status_code == 403


@pytest.mark.parametrize("past", [1, 30])
def test_it_pages_past_appointments_in_a_fixed_number_of_queries(
    patient_client, me, therapist, django_assert_num_queries, past
):
    for week in range(past):
        AppointmentFactory(
            patient=me,
            therapist=therapist,
            start=at("2026-03-16", "10:00")
            - week * (at("2026-03-16", "10:00") - at("2026-03-09", "10:00")),
            status="completed",
        )
    AppointmentFactory(patient=me, therapist=therapist, start=at("2026-03-26", "10:00"))
    # session, user, audit insert, and one statement: the patient record, upcoming, past
    # count, past page, the sites (to say where each appointment is), the patient's open
    # red-flag referrals (the notice at the top of every page)
    with django_assert_num_queries(4):
        response = patient_client.get(LIST)
    assert len(response.context["past"].object_list) == min(past, 25)


def test_it_shows_the_therapist_todays_list_linking_to_each_patient(therapist, other_therapist):
    episode = EpisodeFactory()
    mine = AppointmentFactory(
        therapist=therapist,
        patient=episode.patient,
        episode=episode,
        start=at("2026-03-23", "14:00"),
    )
    AppointmentFactory(therapist=therapist, start=at("2026-03-24", "14:00"))
    AppointmentFactory(therapist=other_therapist, start=at("2026-03-23", "14:00"))
    AppointmentFactory(
        therapist=therapist, start=at("2026-03-23", "15:00"), status=Appointment.Status.CANCELLED
    )
    (panel,) = panels.dashboard_panels(user=therapist)
    rows = panel.context["rows"]
    assert [row["booking_ref"] for row in rows] == [str(mine.public_id)]
    card = panel.draw(panel.values(), "")
    assert reverse("patients:detail", args=[mine.patient.public_id]) in card
    assert reverse("assessments:create", args=[episode.public_id]) + "?kind=follow_up" in card


def test_it_adds_no_dashboard_panel_for_reception(reception):
    assert panels.dashboard_panels(user=reception) == []


def test_it_shows_the_dashboard_panel_on_the_therapists_dashboard(therapist_client, therapist):
    appointment = AppointmentFactory(therapist=therapist, start=at("2026-03-23", "14:00"))
    page = therapist_client.get(reverse("clinic:dashboard")).content.decode()
    assert "Today&#x27;s appointments" in page or "Today's appointments" in page
    assert appointment.patient.full_name in page


def test_it_gives_staff_appointments_on_the_patient_page_and_timeline(
    reception, patient_user, therapist
):
    patient = PatientFactory()
    upcoming = AppointmentFactory(
        patient=patient, therapist=therapist, start=at("2026-03-26", "10:00")
    )
    AppointmentFactory(
        patient=patient, therapist=therapist, start=at("2026-03-16", "10:00"), status="completed"
    )
    (panel,) = panels.patient_panels(user=reception, patient=patient)
    assert panel.context["upcoming"]
    rows = str(panel.context["upcoming_rows"])  # the booked one only, linked
    assert rows.count("<li>") == 1
    assert reverse("bookings:detail", args=[upcoming.public_id]) in rows
    entries = panels.timeline_entries(user=reception, patient=patient)
    assert [entry.detail for entry in entries] == ["Completed", "Booked"]
    assert panels.patient_panels(user=patient_user, patient=patient) == []
    assert panels.timeline_entries(user=patient_user, patient=patient) == []


def test_it_shows_my_next_appointments_on_the_portal_home_panel(
    me, someone_else, patient_user, therapist
):
    AppointmentFactory(patient=me, therapist=therapist, start=at("2026-03-26", "10:00"))
    (panel,) = panels.portal_panels(user=patient_user, patient=me)
    assert len(panel.context["upcoming"]) == 1
    assert panels.portal_panels(user=patient_user, patient=someone_else) == []


def test_coming_up_keeps_an_appointment_under_way_for_nearly_the_longest_time(
    me, patient_user, therapist
):
    """ "Coming up" reads from `now` less the longest appointment (8 hours) by start: an
    appointment that began 7h50 ago and has not ended is still there, in both reads (the
    home statement's and the panel's own); one that ended before `now` is not."""
    import datetime as dt

    from portal.selectors import home_patient

    AppointmentFactory(
        patient=me,
        therapist=therapist,
        start=NOW - dt.timedelta(hours=10),
        end=NOW - dt.timedelta(hours=8),
    )
    under_way = AppointmentFactory(
        patient=me,
        therapist=therapist,
        start=NOW - dt.timedelta(hours=7, minutes=50),
        end=NOW + dt.timedelta(minutes=10),
    )
    later = AppointmentFactory(patient=me, therapist=therapist, start=at("2026-03-26", "10:00"))
    (panel,) = panels.portal_panels(user=patient_user, patient=me)
    assert [row["appointment"] for row in panel.context["upcoming"]] == [under_way, later]
    patient, _ = home_patient(user=patient_user, now=NOW)
    (panel,) = panels.portal_panels(user=patient_user, patient=patient)
    assert [row["appointment"] for row in panel.context["upcoming"]] == [under_way, later]


def test_it_puts_the_next_appointments_on_the_staff_patient_page(reception_client, therapist):
    patient = PatientFactory()
    AppointmentFactory(patient=patient, therapist=therapist, start=at("2026-03-26", "10:00"))
    page = reception_client.get(reverse("patients:detail", args=[patient.public_id]))
    html = page.content.decode()
    assert "Next appointments" in html
    assert "Thu 26 Mar, 10:00" in html


def test_it_puts_my_next_appointment_on_the_portal_home(patient_client, me, therapist):
    AppointmentFactory(patient=me, therapist=therapist, start=at("2026-03-26", "10:00"))
    html = patient_client.get(reverse("portal:home")).content.decode()
    assert "Thursday 26 March, 10:00" in html
    assert reverse("portal:appointments:list") in html


def test_it_gives_the_clinic_number_when_it_is_too_late_to_cancel_online(
    patient_client, me, therapist, settings
):
    settings.CLINIC_PHONE = "+44 20 7946 0000"
    AppointmentFactory(patient=me, therapist=therapist, start=at("2026-03-24", "09:00"))
    page = patient_client.get(LIST).content.decode()
    assert 'please phone the clinic on <a href="tel:+442079460000">+44 20 7946 0000</a>' in page
