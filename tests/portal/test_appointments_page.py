"""The portal's "My appointments" page in one statement (bookings/portal_page.py): the same page,
byte for byte, as the ORM's reads draw it (`bookings.selectors`, the road SQLite takes), for
every page of past appointments, places with several sites, the Move and Cancel buttons and
the red-flag notice; and a fixed number of statements however many appointments there are."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import AppointmentType
from clinic.sites import default_site
from portal.pages import appointments as page_module
from tests.bookings.factories import AppointmentFactory, at
from tests.clinic.site_factories import make_site
from tests.exercises.factories import confirmed_decision
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db

NOW = at("2026-03-23", "12:00")
LIST = reverse("portal:appointments:list")
WEEK = at("2026-03-16", "10:00") - at("2026-03-09", "10:00")
STATUSES = ["completed", "cancelled", "no_show", "completed", "arrived"]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def me(patient_user):
    return PatientFactory(user=patient_user, first_name="Pat")


def _masked(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "csrf", html)
    return re.sub(r'nonce="[^"]*"', "nonce", html)


def _both(client, monkeypatch, query: str = "") -> tuple[str, str]:
    """The page from its one statement, and from the ORM's reads (as on SQLite)."""
    one = client.get(LIST + query)
    with monkeypatch.context() as patched:
        patched.setattr(page_module, "reads_combined", lambda model: False)
        orm = client.get(LIST + query)
    assert (one.status_code, orm.status_code) == (200, 200)
    return _masked(one.content.decode()), _masked(orm.content.decode())


def _past(patient, therapist, count: int, **extra) -> None:
    for week in range(count):
        AppointmentFactory(
            patient=patient,
            therapist=therapist,
            start=at("2026-03-16", "10:00") - week * WEEK,
            status=STATUSES[week % len(STATUSES)],
            **extra,
        )


def _upcoming(patient, therapist, other_therapist) -> None:
    online = AppointmentType.objects.create(
        name="Online follow-up", slug="online-follow-up", duration_minutes=45, bookable_online=True
    )
    AppointmentFactory(patient=patient, therapist=therapist, start=at("2026-03-26", "10:00"))
    AppointmentFactory(
        patient=patient,
        therapist=other_therapist,
        start=at("2026-03-30", "09:15"),
        appointment_type=online,
    )
    # Inside the notice window: the number to ring, no buttons.
    AppointmentFactory(patient=patient, therapist=therapist, start=at("2026-03-24", "09:00"))
    # Cancelled: not listed; going on now: listed without buttons.
    AppointmentFactory(
        patient=patient, therapist=therapist, start=at("2026-03-27", "10:00"), status="cancelled"
    )
    AppointmentFactory(
        patient=patient, therapist=therapist, start=at("2026-03-23", "11:50"), status="arrived"
    )


@pytest.mark.parametrize(
    "query",
    ["", "?page=1", "?page=2", "?page=3", "?page=4", "?page=0", "?page=-1", "?page=abc",
     "?page=2.0", "?page=99999999999999999999999999", "?page= 2 "],
)  # fmt: skip
def test_it_draws_every_page_of_past_appointments_as_the_orm_reads_did(
    patient_client, monkeypatch, me, therapist, other_therapist, query
):
    _past(me, therapist, 60)
    _upcoming(me, therapist, other_therapist)
    one, orm = _both(patient_client, monkeypatch, query)
    assert one == orm
    assert "Coming up" in one
    assert "Page " in one  # 60 past appointments: three pages


def test_it_draws_a_patient_with_no_appointments_as_before(patient_client, monkeypatch, me):
    one, orm = _both(patient_client, monkeypatch)
    assert one == orm
    assert "No past appointments." in one
    assert "No appointments booked." in one


def test_it_names_the_places_with_several_sites_as_before(
    patient_client, monkeypatch, me, therapist, other_therapist
):
    leeds = make_site("Leeds")
    leeds.phone = "0113 000 0000"
    leeds.save()
    _upcoming(me, therapist, other_therapist)
    _past(me, therapist, 3, site=leeds)
    AppointmentFactory(patient=me, therapist=therapist, start=at("2026-03-25", "09:00"), site=leeds)
    # Inside the notice window at Leeds: Leeds's own number.
    AppointmentFactory(patient=me, therapist=therapist, start=at("2026-03-24", "08:30"), site=leeds)
    one, orm = _both(patient_client, monkeypatch)
    assert one == orm
    assert "At Leeds, 1 Leeds Road" in one
    assert " at Leeds · " in one
    assert "0113 000 0000" in one


def test_it_names_a_closed_site_in_a_one_site_clinic_as_before(
    patient_client, monkeypatch, me, therapist
):
    closed = make_site("Old Street")
    closed.is_active = False
    closed.save()
    _past(me, therapist, 2, site=closed)
    AppointmentFactory(patient=me, therapist=therapist, start=at("2026-03-20", "10:00"))
    one, orm = _both(patient_client, monkeypatch)
    assert one == orm
    assert " at Old Street · " in one


def test_it_names_no_place_in_a_one_site_clinic(patient_client, monkeypatch, me, therapist):
    closed = make_site("Closed")
    closed.is_active = False
    closed.save()
    _past(me, therapist, 2)
    one, orm = _both(patient_client, monkeypatch)
    assert one == orm
    assert f" at {default_site().name} · " not in one
    assert " · Completed</li>" in one


def test_it_shows_the_red_flag_notice_as_before(patient_client, monkeypatch, me, therapist):
    confirmed_decision(
        episode=EpisodeFactory(patient=me), therapist=therapist, final_dx="red_flag_referral"
    )
    _past(me, therapist, 2)
    one, orm = _both(patient_client, monkeypatch)
    assert one == orm
    assert "red-flag-notice" in one


def _statements(client, query: str = "") -> int:
    client.get(LIST + query)  # the connection's PREPARE on the first view
    with CaptureQueriesContext(connection) as captured:
        assert client.get(LIST + query).status_code == 200
    return len(captured)


@pytest.mark.parametrize("past", [0, 1, 60])
def test_it_reads_the_page_in_one_statement_however_many_appointments(
    patient_client, me, therapist, other_therapist, past
):
    _upcoming(me, therapist, other_therapist)
    _past(me, therapist, past)
    # The session, the user, the page's statement, the audit trail's insert.
    assert _statements(patient_client) == 4
    assert _statements(patient_client, "?page=2") == 4 + (past <= 25)
    # A page past the last one is read again as the last page: one statement more.
    assert _statements(patient_client, "?page=9") == 5


def test_it_answers_404_without_a_patient_record(patient_client, patient_user):
    assert patient_client.get(LIST).status_code == 404


def test_it_answers_404_for_an_archived_record(patient_client, me):
    type(me).objects.filter(pk=me.pk).update(archived_at=NOW)
    assert patient_client.get(LIST).status_code == 404
