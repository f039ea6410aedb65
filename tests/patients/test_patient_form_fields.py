"""The patient form's dates and time zone (issue 12, items 7, 8 and 15)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.forms import ReminderScheduleForm
from patients.forms import EpisodeForm, PatientForm
from patients.models import Patient
from tests.patients.factories import PatientFactory
from tests.patients.test_patient_pages import VALID

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


def post_patient(client, **changes):
    return client.post(reverse("patients:create"), {**VALID, **changes})


def error_next_to(response, field: str) -> str:
    """The message shown under the field's input (crispy's invalid-feedback)."""
    html = response.content.decode()
    match = re.search(rf'id="error_1_id_{field}"[^>]*>\s*<strong>(.*?)</strong>', html, re.S)
    assert match, f"no message next to {field}"
    return match.group(1)


@time_machine.travel(dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC))
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", "1800-05-01", "The date of birth cannot be before 1 Jan 1900."),
        ("date_of_birth", "2026-06-16", "The date of birth cannot be in the future."),
        ("goal_date", "1900-05-01", "The goal event cannot be more than a year ago"),
        ("goal_date", "2040-01-01", "The goal event cannot be more than five years ahead"),
    ],
)
def test_it_refuses_an_absurd_date_with_a_message_next_to_the_field(
    reception_client, field, value, message
):
    response = post_patient(reception_client, **{"goal_date": "2026-09-01", field: value})
    assert response.status_code == 200
    assert message in error_next_to(response, field)
    assert not Patient.objects.exists()


@time_machine.travel(dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC))
def test_it_accepts_the_ends_of_each_range(reception_client):
    response = post_patient(reception_client, date_of_birth="1900-01-01", goal_date="2026-06-15")
    assert response.status_code == 302
    assert Patient.objects.get().date_of_birth == dt.date(1900, 1, 1)


def test_it_refuses_a_birth_before_1900_in_the_model_too():
    patient = PatientFactory.build(date_of_birth=dt.date(1899, 12, 31))
    with pytest.raises(ValidationError, match="cannot be before 1900"):
        patient.full_clean(exclude=["user", "created_by"])


@time_machine.travel(dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC))
def test_it_keeps_a_goal_event_that_has_gone_by_when_saving_other_changes(reception_client):
    patient = PatientFactory(goal_event="Spring marathon", goal_date=dt.date(2023, 4, 2))
    form = PatientForm(instance=patient)
    data = {name: form[name].value() for name in form.fields}
    data = {key: value for key, value in data.items() if value is not None}
    data.update(goal_date="2023-04-02", date_of_birth="1985-06-01", weekly_km="60")
    data["email_reminders_consent"] = ""
    response = reception_client.post(reverse("patients:edit", args=[patient.public_id]), data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.goal_date, patient.weekly_km) == (dt.date(2023, 4, 2), 60)


@time_machine.travel(dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC))
def test_it_refuses_an_episode_that_began_more_than_30_years_ago():
    form = EpisodeForm({"side": "left", "started_on": "1990-01-01"})
    assert not form.is_valid()
    assert "not more than 30 years ago" in form.errors["started_on"][0]


def test_it_shows_both_stored_dates_in_the_edit_page_date_boxes(reception_client):
    patient = PatientFactory(date_of_birth=dt.date(1992, 3, 14), goal_date=dt.date(2027, 4, 1))
    html = reception_client.get(reverse("patients:edit", args=[patient.public_id])).content
    html = html.decode()
    assert re.search(r'type="date" name="date_of_birth" value="1992-03-14"', html)
    assert re.search(r'type="date" name="goal_date" value="2027-04-01"', html)


# --- Time zones -----------------------------------------------------------------------------


def zone_options(html: str) -> list[str]:
    datalist = re.search(r'<datalist id="id_time_zone-zones">(.*?)</datalist>', html, re.S)
    assert datalist, "no list of zones"
    return re.findall(r'<option value="([^"]+)"', datalist.group(1))


def test_it_offers_canonical_zones_only_with_the_clinic_zone_first_and_chosen(
    reception_client, settings
):
    settings.TIME_ZONE = "Europe/London"
    html = reception_client.get(reverse("patients:create")).content.decode()
    zones = zone_options(html)
    assert zones[0] == "Europe/London"
    assert 350 < len(zones) < 450
    assert {"Europe/Paris", "America/New_York", "Australia/Sydney"} <= set(zones)
    for name in zones:
        assert re.fullmatch(r"[A-Z][A-Za-z]+/[A-Za-z_/\-]+", name), name
    for alias in ("Factory", "localtime", "EST", "UTC", "Etc/GMT+5", "US/Eastern", "GB"):
        assert alias not in zones
    assert 'name="time_zone" value="Europe/London"' in html
    assert 'list="id_time_zone-zones"' in html


def test_it_puts_another_clinic_zone_first(reception_client, settings):
    settings.TIME_ZONE = "America/New_York"
    html = reception_client.get(reverse("patients:create")).content.decode()
    assert zone_options(html)[0] == "America/New_York"
    assert 'name="time_zone" value="America/New_York"' in html


def test_it_labels_each_zone_with_its_city_and_country(reception_client):
    html = reception_client.get(reverse("patients:create")).content.decode()
    assert '<option value="Europe/Paris">Paris, France</option>' in html


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Europe/Paris", "Europe/Paris"),
        ("paris", "Europe/Paris"),
        ("New York", "America/New_York"),
        ("  buenos   aires ", "America/Argentina/Buenos_Aires"),
    ],
)
def test_it_finds_the_zone_of_a_typed_city(reception_client, typed, stored):
    response = post_patient(reception_client, time_zone=typed)
    assert response.status_code == 302
    assert Patient.objects.get().time_zone == stored


@pytest.mark.parametrize("typed", ["Mars/Olympus_Mons", "Factory", "EST", "localtime", "Etc/GMT+5"])
def test_it_refuses_a_zone_not_on_the_list_with_a_message(reception_client, typed):
    response = post_patient(reception_client, time_zone=typed)
    assert response.status_code == 200
    assert "choose one from the list" in error_next_to(response, "time_zone")


def test_it_keeps_a_zone_alias_a_patient_already_has(reception_client):
    patient = PatientFactory(time_zone="US/Eastern")
    form = PatientForm({**VALID, "time_zone": "US/Eastern"}, instance=patient)
    assert form.is_valid(), form.errors
    assert not PatientForm({**VALID, "time_zone": "US/Eastern"}).is_valid()


def test_it_offers_the_same_zones_on_the_reminder_settings_form():
    html = str(ReminderScheduleForm(initial={"time_zone": "Europe/London"})["time_zone"])
    zones = zone_options(html)
    assert zones[0] == "Europe/London"
    assert "Factory" not in zones


def test_it_writes_the_birth_date_in_the_booking_patient_picker_one_way(reception_client):
    """03/02/1991 reads as 3 February or 2 March depending on the reader."""
    PatientFactory(first_name="Alex", last_name="Strider", date_of_birth=dt.date(1991, 2, 3))
    html = reception_client.get(reverse("bookings:create"), {"q": "Strider"}).content.decode()
    assert "Alex Strider · born 3 Feb 1991" in html
    assert "03/02/1991" not in html
