"""The patient's reminder settings page and the staff delivery log and failed list."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from notifications.models import ReminderDelivery, ReminderSchedule
from tests.exercises.factories import published_plan
from tests.notifications.conftest import utc
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("portal:reminders:settings")
FAILED_URL = reverse("notifications:failed")


@pytest.fixture
def patient(patient_user):
    return PatientFactory(
        user=patient_user,
        first_name="Pat",
        email_reminders_consent=True,
        time_zone="Europe/Paris",
        phone="+447912345678",
    )


@pytest.fixture
def plan(patient, therapist):
    return published_plan(therapist=therapist, patient=patient)


def schedule_of(plan) -> ReminderSchedule:
    return ReminderSchedule.objects.get(source="exercise_plan", subject_id=plan.pk)


def form_data(schedule, **changes):
    data = {
        "enabled": "on",
        "time_1": "07:15",
        "time_2": "",
        "time_3": "",
        "weekdays": ["0", "2", "4"],
        "channel": "email",
        "time_zone": "Europe/Paris",
        "quiet_start": "",
        "quiet_end": "",
        "paused_until": "",
        **changes,
    }
    return {f"{schedule.public_id}-{key}": value for key, value in data.items()}


def update_url(schedule):
    return reverse("portal:reminders:update", args=[schedule.public_id])


# --- Portal settings --------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(SETTINGS_URL)
    assert response.status_code == 302
    assert reverse("login") in response.url


def test_staff_cannot_open_the_patient_settings_page(therapist_client):
    assert therapist_client.get(SETTINGS_URL).status_code == 403


def test_a_patient_sees_their_plan_reminders(patient_client, plan):
    response = patient_client.get(SETTINGS_URL)
    assert response.status_code == 200
    [entry] = response.context["entries"]
    assert entry["schedule"] == schedule_of(plan)
    assert entry["form"].initial["time_1"] == dt.time(18)


def test_the_page_sets_up_a_missing_schedule_lazily(patient_client, plan):
    ReminderSchedule.objects.all().delete()
    patient_client.get(SETTINGS_URL)
    assert schedule_of(plan).times == ["18:00"]


def test_the_settings_page_query_count_does_not_grow_with_plans(
    patient_client, plan, patient, therapist, django_assert_num_queries
):
    # session, user, patient, then per source its current subjects (plans: 1, appointments: 1)
    # and those already scheduled (plans: 1; none to look up without appointments), schedules,
    # plan labels, the patient's open red-flag referrals (the notice at the top of every page)
    with django_assert_num_queries(10):  # including the audit event INSERT
        patient_client.get(SETTINGS_URL)
    for _ in range(2):
        published_plan(therapist=therapist, patient=patient)
    with django_assert_num_queries(10):  # including the audit event INSERT
        response = patient_client.get(SETTINGS_URL)
    assert len(response.context["entries"]) == 3


def test_a_patient_changes_their_times_and_the_next_reminder_moves(patient_client, plan):
    schedule = schedule_of(plan)
    response = patient_client.post(update_url(schedule), form_data(schedule))
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.times == ["07:15"]
    assert schedule.weekday_numbers == [0, 2, 4]
    local = schedule.next_due_at.astimezone(schedule.zone)
    assert (local.hour, local.minute) == (7, 15)
    assert local.weekday() in (0, 2, 4)


def test_a_patient_can_turn_reminders_off_and_on(patient_client, plan):
    schedule = schedule_of(plan)
    patient_client.post(update_url(schedule), form_data(schedule, enabled=""))
    schedule.refresh_from_db()
    assert (schedule.unsubscribed_at is not None, schedule.next_due_at) == (True, None)
    patient_client.post(update_url(schedule), form_data(schedule))
    schedule.refresh_from_db()
    assert schedule.unsubscribed_at is None
    assert schedule.next_due_at is not None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quiet_start": "22:00"}, "quiet_end"),
        ({"quiet_start": "22:00", "quiet_end": "22:00"}, "quiet_end"),
        ({"weekdays": []}, "weekdays"),
        ({"time_1": "25:99"}, "time_1"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ],
)
def test_bad_input_shows_a_message_next_to_the_field(patient_client, plan, changes, field):
    schedule = schedule_of(plan)
    before = schedule.next_due_at
    response = patient_client.post(update_url(schedule), form_data(schedule, **changes))
    assert response.status_code == 200
    [entry] = response.context["entries"]
    assert field in entry["form"].errors
    schedule.refresh_from_db()
    assert schedule.next_due_at == before


def test_a_patient_cannot_change_another_patients_schedule(patient_client, plan, therapist):
    other = published_plan(therapist=therapist, patient=PatientFactory())
    schedule = schedule_of(other)
    response = patient_client.post(update_url(schedule), form_data(schedule))
    assert response.status_code == 404


def test_saving_is_post_only(patient_client, plan):
    assert patient_client.get(update_url(schedule_of(plan))).status_code == 405


# --- Staff pages ------------------------------------------------------------------------


def add_deliveries(schedule, count, status=ReminderDelivery.Status.SKIPPED):
    start = utc(2026, 1, 1, 17)
    ReminderDelivery.objects.bulk_create(
        ReminderDelivery(
            schedule=schedule,
            patient_id=schedule.patient_id,
            local_date=(start + dt.timedelta(days=day)).date(),
            slot=dt.time(18),
            due_at=start + dt.timedelta(days=day),
            channel="email",
            status=status,
            reason="The patient has not consented to reminders." if status == "skipped" else "",
            last_error="SMTP 550 mailbox unavailable" if status == "failed" else "",
            attempts=1,
        )
        for day in range(count)
    )


def log_url(patient):
    return reverse("notifications:patient_log", args=[patient.public_id])


@pytest.mark.parametrize("url_of", [log_url, lambda patient: FAILED_URL])
def test_staff_pages_need_a_staff_login(patient_client, patient, url_of):
    url = url_of(patient)
    assert Client().get(url).status_code == 302
    assert patient_client.get(url).status_code == 404


def test_an_unknown_patient_is_not_found(therapist_client):
    url = reverse("notifications:patient_log", args=["00000000-0000-0000-0000-000000000000"])
    assert therapist_client.get(url).status_code == 404


@pytest.mark.parametrize("client_fixture", ["therapist_client", "reception_client"])
def test_staff_see_a_patients_delivery_log_with_reasons(request, client_fixture, plan, patient):
    client = request.getfixturevalue(client_fixture)
    add_deliveries(schedule_of(plan), 3)
    response = client.get(log_url(patient))
    assert response.status_code == 200
    assert response.content.count(b"The patient has not consented to reminders.") == 3


def test_the_delivery_log_query_count_is_constant_and_it_paginates(
    therapist_client, plan, patient, django_assert_num_queries
):
    schedule = schedule_of(plan)
    add_deliveries(schedule, 1)
    therapist_client.get(log_url(patient))  # the first staff request also saves the session
    # session, user, patient, schedules, plan labels, count, deliveries page, their texts'
    # delivery log, the text-message consent history
    with django_assert_num_queries(10):  # the last query: the audit event INSERT
        therapist_client.get(log_url(patient))
    ReminderDelivery.objects.all().delete()
    add_deliveries(schedule, 30)
    with django_assert_num_queries(10):  # the last query: the audit event INSERT
        response = therapist_client.get(log_url(patient))
    assert len(response.context["page"].object_list) == 25
    assert len(therapist_client.get(log_url(patient) + "?page=2").context["page"]) == 5


def test_reception_sees_failed_deliveries_across_patients(
    reception_client, plan, therapist, django_assert_num_queries
):
    add_deliveries(schedule_of(plan), 1, status="failed")
    reception_client.get(FAILED_URL)  # the first staff request also saves the session
    # session, user, count, failed deliveries with patient and schedule, their texts'
    # delivery log, plan labels
    with django_assert_num_queries(6):
        reception_client.get(FAILED_URL)
    other = published_plan(therapist=therapist, patient=PatientFactory(last_name="Other"))
    add_deliveries(schedule_of(other), 29, status="failed")
    with django_assert_num_queries(6):
        response = reception_client.get(FAILED_URL)
    assert len(response.context["page"].object_list) == 25
    assert b"SMTP 550 mailbox unavailable" in response.content
    assert b"Failed reminders" in response.content


def test_the_failed_list_leaves_out_other_statuses(reception_client, plan):
    add_deliveries(schedule_of(plan), 2)
    response = reception_client.get(FAILED_URL)
    assert b"No failed reminders." in response.content


def test_the_patient_page_panel_shows_the_latest_reminders_to_staff(therapist, plan, patient):
    from notifications.panels import patient_panels

    add_deliveries(schedule_of(plan), 7)
    assert patient_panels(user=patient.user, patient=patient) == []
    panel = next(
        panel
        for panel in patient_panels(user=therapist, patient=patient)
        if "deliveries" in panel.values()
    )
    assert len(panel.values()["deliveries"]) == 5
    html = panel.draw(panel.values(), "")
    assert reverse("notifications:patient_log", args=[patient.public_id]) in html
    assert html.count("<li>") == 5


def test_a_new_time_zone_is_saved_on_the_patient_record_too(patient_client, plan, patient):
    schedule = schedule_of(plan)
    patient_client.post(update_url(schedule), form_data(schedule, time_zone="America/Chicago"))
    patient.refresh_from_db()
    assert patient.time_zone == "America/Chicago"


def test_staff_changing_the_patients_time_zone_moves_their_reminders(plan, patient):
    from patients.services import patient_update

    schedule = schedule_of(plan)
    patient_update(patient=patient, time_zone="Asia/Tokyo")
    schedule.refresh_from_db()
    assert schedule.time_zone == "Asia/Tokyo"
    local = schedule.next_due_at.astimezone(schedule.zone)
    assert (local.hour, local.minute) == (18, 0)
