"""New patients asking for a first appointment: the pre-screen, abuse guards, reception's
decision, and who may see what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from bookings.models import Appointment
from bookings.requests.models import BookingRequest, UrgentScreen
from bookings.selectors import clinic_zone
from clinic.models import AuditEvent
from exercises import safety
from notifications.models import ContactConsent
from patients.models import Patient
from tests.bookings.factories import give_hours, initial_assessment
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

FORM = reverse("new_patient:request")


def answers(*yes: str) -> dict:
    return {f"screen_{s.code}": "yes" if s.code in yes else "no" for s in safety.SYMPTOMS}


def request_data(**overrides) -> dict:
    data = {
        "first_name": "Noor",
        "last_name": "Hill",
        "date_of_birth": "1991-06-02",
        "email": "noor@runners.example",
        "phone": "07911 123456",
        "days": ["1", "3"],
        "periods": ["morning"],
        "reason": "Pain in the back of my thigh since a long run.",
        "website": "",
        **answers(),
    }
    data.update(overrides)
    return data


def ask(client: Client, ip: str = "203.0.113.5", **overrides):
    return client.post(FORM, request_data(**overrides), REMOTE_ADDR=ip)


# --- The pre-screen, as clinical cases ------------------------------------------------------


@pytest.mark.parametrize("symptom", safety.SYMPTOMS, ids=lambda s: s.code)
def test_it_sends_each_urgent_symptom_to_its_service_and_books_nothing(client, symptom):
    response = ask(client, **answers(symptom.code))

    assert response.status_code == 302
    assert response["Location"] == reverse("new_patient:urgent", args=[symptom.urgency])
    assert BookingRequest.objects.count() == 0
    assert Appointment.objects.count() == 0
    attempt = UrgentScreen.objects.get()
    assert (attempt.speed, attempt.symptoms) == (symptom.urgency, [symptom.code])
    page = client.get(response["Location"]).content.decode()
    assert "we have not booked an appointment" in page
    if symptom.urgency == safety.EMERGENCY:
        assert "A&amp;E" in page
        assert 'href="tel:999"' in page
    else:
        assert "GP" in page
        assert 'href="tel:111"' in page


def test_it_takes_the_most_urgent_service_when_several_answers_are_yes(client):
    response = ask(client, **answers("hot_calf", "saddle_numbness"))

    assert response["Location"] == reverse("new_patient:urgent", args=["emergency"])
    assert UrgentScreen.objects.get().symptoms == ["saddle_numbness", "hot_calf"]


def test_it_sends_an_urgent_answer_to_help_even_when_the_contact_details_are_wrong(client):
    response = ask(client, email="not-an-address", date_of_birth="", **answers("both_legs"))

    assert response["Location"] == reverse("new_patient:urgent", args=["emergency"])
    attempt = UrgentScreen.objects.get()
    assert (attempt.name, attempt.email, str(attempt.phone)) == ("Noor Hill", "", "+447911123456")
    assert AuditEvent.objects.filter(object_type="bookings.urgentscreen").count() == 1


def test_it_needs_an_answer_to_every_pre_screen_question(client):
    data = request_data()
    del data["screen_hot_calf"]

    response = client.post(FORM, data)

    assert response.status_code == 200
    assert "Please answer yes or no." in response.content.decode()
    assert not BookingRequest.objects.exists()
    assert not UrgentScreen.objects.exists()


def test_it_stores_a_request_with_the_mobile_in_international_format(client):
    response = ask(client, sms_consent="on")

    assert response["Location"] == reverse("new_patient:thanks")
    stored = BookingRequest.objects.get()
    assert str(stored.phone) == "+447911123456"
    assert (stored.status, stored.days, stored.periods, stored.sms_consent) == (
        "new",
        [1, 3],
        ["morning"],
        True,
    )
    assert not UrgentScreen.objects.exists()


def test_it_refuses_a_mobile_number_that_is_not_valid(client):
    response = ask(client, phone="12")

    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not BookingRequest.objects.exists()


# --- Abuse ----------------------------------------------------------------------------------


def test_it_refuses_a_fourth_request_in_an_hour_from_one_address(client, settings):
    settings.CLINIC_PHONE = "020 7946 0000"
    for n in range(3):
        assert (
            ask(client, email=f"runner{n}@example.com", phone=f"07911 12345{n}").status_code == 302
        )

    response = ask(client, email="runner9@example.com", phone="07911 123459")

    assert response.status_code == 429
    assert "try again in an hour, or ring us on 020 7946 0000" in response.content.decode()
    assert BookingRequest.objects.count() == 3


@pytest.mark.parametrize("same", ["email", "phone"])
def test_it_refuses_a_fourth_request_in_an_hour_for_one_contact_from_any_address(client, same):
    for n in range(4):
        fresh = {"email": f"runner{n}@example.com", "phone": f"07911 12345{n}"}
        fresh.pop(same)
        response = ask(client, ip=f"198.51.100.{n}", **fresh)

    assert response.status_code == 429
    assert BookingRequest.objects.count() == 3


def test_it_answers_a_filled_honeypot_with_the_same_thanks_and_stores_nothing(client):
    honest = ask(client, ip="198.51.100.1")
    trapped = ask(client, ip="198.51.100.2", email="bot@example.com", website="http://spam.example")

    assert trapped.status_code == honest.status_code == 302
    assert trapped["Location"] == honest["Location"]
    assert BookingRequest.objects.get().email == "noor@runners.example"


def test_it_hides_the_honeypot_from_people_and_screen_readers(client):
    page = client.get(FORM).content.decode()

    assert '<div class="d-none" aria-hidden="true">' in page
    assert 'name="website"' in page
    assert 'tabindex="-1"' in page


def test_it_answers_the_same_whether_or_not_the_email_belongs_to_a_patient(client):
    PatientFactory(email="known@runners.example", date_of_birth="1991-06-02")

    known = ask(client, ip="198.51.100.1", email="known@runners.example", phone="07911 123411")
    unknown = ask(client, ip="198.51.100.2", email="new@runners.example", phone="07911 123422")

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 0
    assert BookingRequest.objects.count() == 2


def test_it_refuses_a_request_without_the_csrf_token():
    response = Client(enforce_csrf_checks=True).post(FORM, request_data())

    assert response.status_code == 403
    assert not BookingRequest.objects.exists()


# --- Reception's decision -------------------------------------------------------------------


@pytest.fixture
def booking_request(client):
    ask(client, sms_consent="on")
    return BookingRequest.objects.get()


@pytest.fixture
def open_hours(therapist):
    initial_assessment()
    give_hours(therapist)
    return therapist


def slot_choices(client, booking_request) -> list[str]:
    response = client.get(reverse("bookings:request_detail", args=[booking_request.public_id]))
    assert response.status_code == 200
    return [value for value, _label in response.context["approve_form"].fields["slot"].choices]


def test_it_approves_a_request_into_exactly_one_patient_and_appointment(
    reception_client,
    booking_request,
    open_hours,
    django_capture_on_commit_callbacks,
    settings,
    tmp_path,
):
    settings.SMS_FILE_PATH = tmp_path / "sms"
    slot = slot_choices(reception_client, booking_request)[0]
    url = reverse("bookings:request_approve", args=[booking_request.public_id])
    patients_before = Patient.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = reception_client.post(url, {"slot": slot, "patient": "new"})
        again = reception_client.post(url, {"slot": slot, "patient": "new"}, follow=True)

    assert response.status_code == 302
    assert "dealt with already" in again.content.decode()
    assert Patient.objects.count() == patients_before + 1
    appointment = Appointment.objects.get()
    booking_request.refresh_from_db()
    assert (booking_request.status, booking_request.appointment) == ("approved", appointment)
    patient = appointment.patient
    assert (patient.first_name, patient.email, str(patient.phone)) == (
        "Noor",
        "noor@runners.example",
        "+447911123456",
    )
    assert appointment.appointment_type.slug == "initial-assessment"
    assert appointment.therapist == open_hours
    assert ContactConsent.objects.get(patient=patient).given is True
    [email] = mail.outbox
    assert email.to == ["noor@runners.example"]
    assert "We have booked your first visit" in email.body
    assert email.attachments[0][0] == "appointment.ics"
    [text] = list((tmp_path / "sms").iterdir())
    assert "your first appointment is booked" in text.read_text()


def test_it_shows_a_possible_match_and_books_for_the_record_reception_chooses(
    reception_client, booking_request, open_hours
):
    known = PatientFactory(
        first_name="Noor",
        last_name="Hill-Jones",
        email="NOOR@runners.example",
        date_of_birth=booking_request.date_of_birth,
    )
    PatientFactory(email="noor@runners.example", date_of_birth="1980-01-01")  # not her
    detail = reverse("bookings:request_detail", args=[booking_request.public_id])
    page = reception_client.get(detail)
    assert "This may be someone we know" in page.content.decode()
    assert [p.pk for p in page.context["matches"]] == [known.pk]
    slot = slot_choices(reception_client, booking_request)[0]
    url = reverse("bookings:request_approve", args=[booking_request.public_id])
    patients_before = Patient.objects.count()

    unanswered = reception_client.post(url, {"slot": slot})
    assert unanswered.status_code == 200
    assert "Choose the existing record or a new one." in unanswered.content.decode()
    assert not Appointment.objects.exists()

    reception_client.post(url, {"slot": slot, "patient": str(known.public_id)})

    assert Patient.objects.count() == patients_before
    assert Appointment.objects.get().patient == known


def test_it_offers_slots_on_the_days_and_times_the_requester_chose(
    reception_client, booking_request, open_hours
):
    zone = clinic_zone()
    values = slot_choices(reception_client, booking_request)
    assert values
    for value in values:
        start = dt.datetime.fromisoformat(value.split("|")[1]).astimezone(zone)
        assert start.weekday() in (1, 3)
        assert start.hour < 12


def test_it_refuses_a_slot_that_is_not_offered(reception_client, booking_request, open_hours):
    url = reverse("bookings:request_approve", args=[booking_request.public_id])
    response = reception_client.post(
        url, {"slot": f"{open_hours.public_id}|2020-01-01T09:00:00+00:00", "patient": "new"}
    )

    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not Appointment.objects.exists()
    booking_request.refresh_from_db()
    assert booking_request.status == "new"


def test_it_declines_with_a_reason_and_tells_the_requester_by_email_and_text(
    reception_client, booking_request, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.SMS_FILE_PATH = tmp_path / "sms"
    url = reverse("bookings:request_decline", args=[booking_request.public_id])

    refused = reception_client.post(url, {"reason": "   "})
    assert refused.status_code == 200
    assert "Give a reason." in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        reception_client.post(url, {"reason": "We do not treat children's injuries."})

    booking_request.refresh_from_db()
    assert booking_request.status == "declined"
    [email] = mail.outbox
    assert "We do not treat children's injuries." in email.body
    assert len(list((tmp_path / "sms").iterdir())) == 1
    assert not Appointment.objects.exists()


def test_it_texts_nobody_who_did_not_agree(
    client, reception_client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.SMS_FILE_PATH = tmp_path / "sms"
    ask(client)
    booking_request = BookingRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        reception_client.post(
            reverse("bookings:request_decline", args=[booking_request.public_id]),
            {"reason": "Fully booked."},
        )

    assert len(mail.outbox) == 1
    assert not (tmp_path / "sms").exists()


def test_it_keeps_a_withdrawn_request(reception_client, booking_request):
    reception_client.post(reverse("bookings:request_withdraw", args=[booking_request.public_id]))

    booking_request.refresh_from_db()
    assert booking_request.status == "withdrawn"
    assert booking_request.history.count() == 2


# --- Who sees what --------------------------------------------------------------------------


def test_it_shows_reception_only_that_someone_was_redirected(client, reception_client):
    ask(client, **answers("fever_back_pain"))

    page = reception_client.get(reverse("bookings:requests")).content.decode()

    assert "urgent: redirected" in page
    assert "Noor Hill" in page
    for symptom in safety.SYMPTOMS:
        assert symptom.label not in page
    assert reception_client.get(reverse("bookings:urgent_screens")).status_code == 403


def test_it_shows_clinicians_the_urgent_answers(client, therapist_client):
    ask(client, **answers("fever_back_pain"))

    page = therapist_client.get(reverse("bookings:urgent_screens")).content.decode()

    assert "A fever (feeling hot and shivery) with back pain" in page
    assert "noor@runners.example" in page
    attempt = UrgentScreen.objects.get()
    therapist_client.post(reverse("bookings:urgent_seen", args=[attempt.public_id]))
    attempt.refresh_from_db()
    assert attempt.seen_at is not None


def test_it_gives_a_patient_404_on_every_staff_page(client, patient_user, booking_request):
    attempt_client = Client()
    ask(attempt_client, ip="198.51.100.9", email="x@example.com", **answers("hot_calf"))
    attempt = UrgentScreen.objects.get()
    client.force_login(patient_user)
    pages = [
        reverse("bookings:requests"),
        reverse("bookings:request_detail", args=[booking_request.public_id]),
        reverse("bookings:urgent_screens"),
    ]
    posts = [
        reverse(name, args=[booking_request.public_id])
        for name in (
            "bookings:request_approve",
            "bookings:request_decline",
            "bookings:request_withdraw",
        )
    ] + [reverse("bookings:urgent_seen", args=[attempt.public_id])]

    assert [client.get(url).status_code for url in pages] == [404] * 3
    assert [client.post(url).status_code for url in posts] == [404] * 4
    booking_request.refresh_from_db()
    assert booking_request.status == "new"


def test_it_keeps_therapists_out_of_the_requests_list(therapist_client, booking_request):
    assert therapist_client.get(reverse("bookings:requests")).status_code == 403


# --- Query counts ---------------------------------------------------------------------------


def _fill(n: int) -> None:
    BookingRequest.objects.bulk_create(
        BookingRequest(
            first_name=f"R{i}",
            last_name="Q",
            date_of_birth="1990-01-01",
            email=f"r{i}@example.com",
            phone="+447911123456",
            reason="Sore",
        )
        for i in range(n)
    )
    UrgentScreen.objects.bulk_create(
        UrgentScreen(speed="same_day", symptoms=["hot_calf"], name=f"U{i}") for i in range(n)
    )


@pytest.mark.parametrize("rows", [2, 30])
def test_it_lists_requests_in_a_fixed_number_of_queries(
    reception_client, rows, django_assert_num_queries
):
    _fill(rows)
    reception_client.get(reverse("bookings:requests"))  # the first visit saves the session
    # session, user, count, page of requests, recent urgent redirections
    with django_assert_num_queries(5):
        response = reception_client.get(reverse("bookings:requests"))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [2, 30])
def test_it_lists_urgent_answers_in_a_fixed_number_of_queries(
    therapist_client, rows, django_assert_num_queries
):
    _fill(rows)
    therapist_client.get(reverse("bookings:urgent_screens"))  # the first visit saves the session
    # session, user, count, page of answers (with who saw them)
    with django_assert_num_queries(4):
        response = therapist_client.get(reverse("bookings:urgent_screens"))
    assert response.status_code == 200


def test_it_lists_newest_first_a_page_at_a_time(reception_client):
    _fill(30)
    first = reception_client.get(reverse("bookings:requests")).context["page"]
    assert first.paginator.num_pages == 2
    created = [item.created_at for item in first.object_list]
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize("booked", [0, 12])
def test_it_opens_a_request_in_a_fixed_number_of_queries(
    reception_client, booking_request, open_hours, booked, django_assert_num_queries
):
    from tests.bookings.factories import AppointmentFactory, at

    zone_today = dt.datetime.now(clinic_zone()).date()
    for n in range(booked):
        day = zone_today + dt.timedelta(days=2 + n)
        AppointmentFactory(therapist=open_hours, start=at(day, "09:00"))
    PatientFactory(email=booking_request.email, date_of_birth=booking_request.date_of_birth)
    url = reverse("bookings:request_detail", args=[booking_request.public_id])
    reception_client.get(url)  # the first visit saves the session
    # session, user, the request (who decided, patient, appointment joined), appointment
    # types, the slot finder's four (therapists, hours, exceptions, busy appointments),
    # possible matches, and the audit trail's insert for the one shown
    with django_assert_num_queries(10):
        response = reception_client.get(url)
    assert response.status_code == 200


# --- Redis down: the form still sends people to help and reaches reception -------------------


def test_it_still_sends_an_urgent_symptom_to_help_while_the_cache_is_down(client, cache_down):
    response = ask(client, **answers("saddle_numbness"))

    assert response["Location"] == reverse("new_patient:urgent", args=["emergency"])
    assert UrgentScreen.objects.get().symptoms == ["saddle_numbness"]


def test_it_still_takes_a_request_to_reception_while_the_cache_is_down(client, cache_down):
    response = ask(client)

    assert response["Location"] == reverse("new_patient:thanks")
    assert BookingRequest.objects.get().status == "new"
