"""Who is offered as a therapist: people who see patients, not every superuser."""

import pytest
import time_machine
from django.urls import reverse

from bookings import selectors
from bookings.forms import BookingForm, CalendarFilterForm, MoveForm, SlotFinderForm
from tests.bookings.factories import AppointmentFactory, at, follow_up, give_hours

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(at("2026-03-23", "08:00"), tick=False):
        yield


def _pickers(appointment) -> dict[str, list]:
    forms = {
        "booking": BookingForm(),
        "move": MoveForm(appointment=appointment),
        "slot finder": SlotFinderForm(),
        "calendar filter": CalendarFilterForm(),
    }
    return {name: list(form.fields["therapist"].queryset) for name, form in forms.items()}


def test_it_leaves_a_manager_without_working_hours_out_of_every_therapist_picker(
    manager, therapist
):
    give_hours(therapist)
    appointment = AppointmentFactory(therapist=therapist)
    for name, people in _pickers(appointment).items():
        assert manager not in people, name
        assert therapist in people, name


def test_it_offers_a_manager_who_has_working_hours(manager, therapist):
    give_hours(manager, weekdays=[0])
    appointment = AppointmentFactory(therapist=therapist)
    for name, people in _pickers(appointment).items():
        assert manager in people, name
    assert list(selectors.therapists()).count(manager) == 1  # hours on several days, one row


def test_it_keeps_the_manager_off_the_calendars_and_the_slot_finder(
    reception_client, manager, therapist
):
    give_hours(therapist)
    day = reception_client.get(reverse("bookings:home"), {"date": "2026-03-24"})
    assert [c["therapist"] for c in day.context["columns"]] == [therapist]
    week = reception_client.get(reverse("bookings:week"), {"date": "2026-03-24"})
    assert all([c["therapist"] for c in d["columns"]] == [therapist] for d in week.context["days"])
    schedule = reception_client.get(reverse("bookings:schedule"))
    assert schedule.context["therapists"] == [therapist]
    found = selectors.free_slots(appointment_type=follow_up())
    assert {slot.therapist for slot in found} == {therapist}
    assert manager.email not in day.content.decode() + week.content.decode()


def test_it_reads_the_pickers_options_with_one_plain_query(
    reception_client, therapist, other_therapist
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    give_hours(therapist)
    with CaptureQueriesContext(connection) as captured:
        body = reception_client.get(reverse("bookings:week")).content.decode()
    # Django's ModelChoiceField reads options through a server-side cursor (DECLARE, FETCH,
    # CLOSE, held across the transaction): several round trips for a handful of therapists.
    assert not [q["sql"] for q in captured.captured_queries if q["sql"].startswith("DECLARE")]
    assert f'<option value="{therapist.public_id}">' in body
    assert f'<option value="{other_therapist.public_id}">' in body
    assert '<option value="" selected>All therapists</option>' in body
