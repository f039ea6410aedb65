"""The waitlist pages: reception's list and forms, the patient's page and the offer link."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from bookings import services
from bookings.models import Appointment, WaitlistEntry, WaitlistOffer
from clinic.models import User
from tests.bookings.factories import at, follow_up, give_hours
from tests.bookings.waitlist_helpers import NOW, TUESDAY, book, join, waiting_patient
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
LIST = reverse("bookings:waitlist")
PORTAL = reverse("portal:waitlist:home")


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def me(patient_user):
    return waiting_patient(user=patient_user, first_name="Pat")


@pytest.fixture
def someone_else():
    return waiting_patient(user=make_user("else@test.example", User.Role.PATIENT))


def offer_for(patient, therapist) -> WaitlistOffer:
    give_hours(therapist)
    join(patient)
    services.appointment_cancel(
        appointment=book(therapist, at(TUESDAY, "10:00")), by=None, reason=""
    )
    return WaitlistOffer.objects.get(patient=patient, state="offered")


def entry_form(**overrides) -> dict:
    data = {
        "appointment_type": str(follow_up().public_id),
        "therapist": "",
        "days": ["1", "3"],
        "periods": ["morning"],
        "available_from": "2026-03-23",
        "available_until": "2026-04-30",
        "urgency": "soon",
        "note": "Can come at short notice",
    }
    data.update(overrides)
    return data


# --- Reception ------------------------------------------------------------------------------


def test_it_lets_reception_add_a_patient_to_the_waitlist(reception_client, reception):
    patient = waiting_patient()
    url = reverse("bookings:waitlist_add", args=[patient.public_id])
    response = reception_client.post(url, entry_form())
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.patient, entry.days, entry.periods, entry.urgency) == (
        patient,
        [1, 3],
        ["morning"],
        "soon",
    )
    assert entry.created_by == reception
    assert entry.waiting_since == NOW


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("available_from", "2026-03-01", "The first date cannot be in the past."),
        ("available_until", "2026-03-22", "The last date cannot be in the past."),
        ("available_until", "2028-01-01", "Enter a date within a year."),
        ("days", ["9"], "Select a valid choice."),
        ("urgency", "whenever", "Select a valid choice."),
    ],
)
def test_it_refuses_bad_input_next_to_the_field(reception_client, field, value, message):
    patient = waiting_patient()
    url = reverse("bookings:waitlist_add", args=[patient.public_id])
    response = reception_client.post(url, entry_form(**{field: value}))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not WaitlistEntry.objects.exists()


def test_it_refuses_an_end_before_the_start(reception_client):
    url = reverse("bookings:waitlist_add", args=[waiting_patient().public_id])
    data = entry_form(available_from="2026-04-10", available_until="2026-04-01")
    response = reception_client.post(url, data)
    assert "on or after the first" in str(response.context["form"].errors["available_until"])
    assert not WaitlistEntry.objects.exists()


def test_it_edits_an_entry_keeping_its_place(reception_client):
    entry = join(waiting_patient())
    url = reverse("bookings:waitlist_edit", args=[entry.public_id])
    reception_client.post(url, entry_form(urgency="urgent"))
    entry.refresh_from_db()
    assert entry.urgency == "urgent"
    assert entry.waiting_since == NOW


def test_it_removes_an_entry_without_deleting_it(reception_client):
    entry = join(waiting_patient())
    reception_client.post(reverse("bookings:waitlist_remove", args=[entry.public_id]))
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.REMOVED
    assert reception_client.get(LIST).context["entries"] == []


def test_it_shows_reception_each_offers_state(reception_client, therapist):
    offer = offer_for(waiting_patient(), therapist)
    body = reception_client.get(LIST).content.decode()
    assert 'data-offer-state="offered"' in body
    assert "held until 09:30" in body
    WaitlistOffer.objects.filter(pk=offer.pk).update(state="gone")
    assert "Slot taken by someone else" in reception_client.get(LIST).content.decode()


@pytest.mark.parametrize("count", [1, 12])
def test_it_shows_the_list_in_a_fixed_number_of_queries(
    reception_client, therapist, django_assert_num_queries, count
):
    give_hours(therapist)
    for _ in range(count):
        entry = join(waiting_patient())
        WaitlistOffer.objects.create(
            entry=entry,
            patient=entry.patient,
            therapist=therapist,
            slot_start=at(TUESDAY, "10:00"),
            slot_end=at(TUESDAY, "10:30"),
            start=at(TUESDAY, "10:00"),
            end=at(TUESDAY, "10:30"),
            expires_at=NOW + dt.timedelta(minutes=30),
            state="expired",
        )
    reception_client.get(LIST)  # the first visit saves the session
    # session, user, the active sites (a site filter shows when there are two), entries
    # (patient, therapist, type, site joined), their offers (therapist joined); no audit
    # row, as the page reads no clinical record
    with django_assert_num_queries(5):
        response = reception_client.get(LIST)
    assert len(response.context["entries"]) == count


def test_it_keeps_patients_and_visitors_out_of_reception_pages(client, patient_user, me):
    entry = join(me)
    pages = [LIST, reverse("bookings:waitlist_edit", args=[entry.public_id])]
    for url in pages:
        assert client.get(url).status_code == 302
    client.force_login(patient_user)
    for url in pages:  # a patient is told nothing is here
        assert client.get(url).status_code == 404


# --- The patient ----------------------------------------------------------------------------


def test_it_lets_a_patient_join_from_the_portal(patient_client, me):
    response = patient_client.post(
        PORTAL,
        {"appointment_type": str(follow_up().public_id), "periods": ["evening"], "days": ["4"]},
    )
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.patient, entry.periods, entry.days, entry.urgency) == (
        me,
        ["evening"],
        [4],
        "routine",
    )
    assert entry.available_from == NOW.date()


def test_it_shows_a_patient_only_their_own_entries_and_offers(
    patient_client, me, someone_else, therapist
):
    mine = join(me, therapist=User.objects.create_user(email="t2@test.example", role="therapist"))
    offer = offer_for(someone_else, therapist)
    response = patient_client.get(PORTAL)
    assert response.context["entries"] == [mine]
    assert response.context["open_offers"] == []
    assert offer.token not in response.content.decode()
    leave = reverse("portal:waitlist:leave", args=[someone_else.waitlist_entries.get().public_id])
    assert patient_client.post(leave).status_code == 404


def test_it_shows_a_patients_page_in_a_fixed_number_of_queries(
    patient_client, me, therapist, django_assert_num_queries
):
    offer_for(me, therapist)
    patient_client.get(PORTAL)  # the first visit saves the session
    # session, user, the patient, entries, their offers, open offers, open red-flag
    # referrals (the notice on every page), appointment types (drawn twice by the form:
    # choices and the selected check), audit insert
    with django_assert_num_queries(10):
        patient_client.get(PORTAL)


def test_it_lets_the_link_holder_take_the_offer_without_signing_in(client, therapist):
    patient = waiting_patient()
    offer = offer_for(patient, therapist)
    page = reverse("portal:waitlist:offer", args=[offer.token])
    assert "Take this appointment" in client.get(page).content.decode()

    response = client.post(
        reverse("portal:waitlist:answer", args=[offer.token]), {"answer": "take"}, follow=True
    )
    assert "This appointment is yours" in response.content.decode()
    assert Appointment.objects.active().get(start=at(TUESDAY, "10:00")).patient == patient


def test_it_tells_a_late_patient_the_slot_has_gone(client, therapist):
    offer = offer_for(waiting_patient(), therapist)
    book(therapist, at(TUESDAY, "10:00"))  # reception filled it meanwhile
    response = client.post(
        reverse("portal:waitlist:answer", args=[offer.token]), {"answer": "take"}, follow=True
    )
    assert "this slot has gone" in response.content.decode()


def test_it_hides_an_offer_from_other_signed_in_users(client, therapist, reception, someone_else):
    offer = offer_for(someone_else, therapist)
    page = reverse("portal:waitlist:offer", args=[offer.token])
    answer = reverse("portal:waitlist:answer", args=[offer.token])
    for user in (make_user("third@test.example", User.Role.PATIENT), reception):
        client.force_login(user)
        assert client.get(page).status_code == 404
        assert client.post(answer, {"answer": "take"}).status_code == 404
    assert WaitlistOffer.objects.get().state == "offered"
    client.logout()
    assert client.get(reverse("portal:waitlist:offer", args=["made-up"])).status_code == 404


def test_it_shows_the_offer_page_in_a_fixed_number_of_queries(
    client, therapist, django_assert_num_queries
):
    offer = offer_for(waiting_patient(), therapist)
    # the offer (patient, therapist, room, entry and type joined); a visitor who is not
    # signed in writes no audit row; the active sites, to name the offer's place when there
    # are several (bookings/places.py)
    with django_assert_num_queries(2):
        client.get(reverse("portal:waitlist:offer", args=[offer.token]))
